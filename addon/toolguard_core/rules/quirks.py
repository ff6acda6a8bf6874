"""Provider quirks (providers.md §5, §12): Qwen thinking, DeepSeek and Moonshot `reasoning_content`,
Mistral tool-call ids, Gemini reasoning settings, llama.cpp and vLLM server-side validations.

Each check returns at once unless the request goes to the provider it is about; the message-level
ones make one pass over the messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RequestView
from toolguard_core.rules.modelinfo import family_of, is_number
from toolguard_core.rules.registry import PredictedError, check, define

_USER = {"role": "user", "content": "What's the weather in Paris?"}
_CALL = {"id": "call_0fypS1hVX", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
_TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
_DASHSCOPE_URL = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions"

QWEN_THINKING_NON_STREAM = define(
    "quirks.qwen-thinking-non-stream",
    Severity.ERROR,
    "Qwen on DashScope with thinking on (enable_thinking=true, a thinking-only model, or open-source "
    "Qwen3 whose default is on) in a non-streaming call.",
    providers=("dashscope",),
    predicts=(
        PredictedError(
            provider="dashscope",
            text="parameter.enable_thinking must be set to false for non-streaming calls",
            source="https://github.com/infiniflow/ragflow/issues/8972",
            code="invalid_parameter_error",
        ),
    ),
    example={"model": "qwen3-32b", "messages": [_USER]},
    example_url=_DASHSCOPE_URL,
    notes="Open-source Qwen3 defaults to thinking on, commercial models to off "
    "(https://github.com/vanna-ai/vanna/issues/918, doc [DS-THINK]).",
)
QWEN_THINKING_JSON_MODE = define(
    "quirks.qwen-thinking-json-mode",
    Severity.ERROR,
    "Qwen on DashScope with thinking on and `response_format` json_object/json_schema.",
    providers=("dashscope",),
    predicts=(
        PredictedError(
            provider="dashscope",
            text="Json mode response is not supported when enable_thinking is true",
            source="https://github.com/presenton/presenton/issues/184",
        ),
    ),
    example={
        "model": "qwen-plus",
        "messages": [{"role": "user", "content": "Answer in JSON"}],
        "stream": True,
        "enable_thinking": True,
        "response_format": {"type": "json_object"},
    },
    example_url=_DASHSCOPE_URL,
)
QWEN_THINKING_TOOL_CHOICE = define(
    "quirks.qwen-thinking-forced-tool-choice",
    Severity.ERROR,
    'Qwen on DashScope with thinking on and `tool_choice` "required" or a named function.',
    providers=("dashscope",),
    predicts=(
        PredictedError(
            provider="dashscope",
            text=(
                "<400> InternalError.Algo.InvalidParameter: The tool_choice parameter does not support being "
                "set to required or object in thinking mode"
            ),
            source="https://github.com/cloudwego/eino/issues/994",
        ),
    ),
    example={
        "model": "qwen-plus",
        "messages": [_USER],
        "stream": True,
        "enable_thinking": True,
        "tools": _TOOLS,
        "tool_choice": "required",
    },
    example_url=_DASHSCOPE_URL,
)
ENABLE_THINKING_IGNORED = define(
    "quirks.enable-thinking-top-level",
    Severity.WARNING,
    "Top-level `enable_thinking` sent to a self-hosted vLLM/SGLang server, which ignores unknown fields; "
    "the switch belongs in `chat_template_kwargs`.",
    providers=("vllm", "sglang"),
    example={"model": "Qwen/Qwen3-8B", "messages": [_USER], "enable_thinking": False},
    example_url="http://127.0.0.1:8000/v1/chat/completions",
    notes="vLLM's request model has extra='allow' and only logs ignored fields (code [VLLM-ENG]); "
    "self-hosted Qwen3 toggles thinking via chat_template_kwargs (code [VLLM-CHAT]).",
)
LLAMACPP_ENABLE_THINKING_TYPE = define(
    "quirks.llamacpp-enable-thinking-type",
    Severity.ERROR,
    '`chat_template_kwargs.enable_thinking` is not a boolean (llama.cpp rejects strings such as "false").',
    providers=("llama.cpp",),
    predicts=(
        PredictedError(
            provider="llama.cpp",
            text='invalid type for "enable_thinking" (expected boolean, got string)',
            source="code [LCPP]",
        ),
    ),
    example={"model": "qwen3", "messages": [_USER], "chat_template_kwargs": {"enable_thinking": "false"}},
    example_url="http://127.0.0.1:8080/v1/chat/completions",
)
DEEPSEEK_REASONING_CONTENT = define(
    "quirks.deepseek-reasoning-content-missing",
    Severity.ERROR,
    "DeepSeek in thinking mode (deepseek-reasoner, or thinking.type=enabled): an assistant message with "
    "tool calls does not carry back its `reasoning_content`.",
    providers=("deepseek",),
    predicts=(
        PredictedError(
            provider="deepseek",
            text=(
                "Missing `reasoning_content` field in the assistant message at message index 2. For more "
                "information, please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls"
            ),
            source="https://github.com/hotovo/aider-desk/issues/529",
        ),
        PredictedError(
            provider="deepseek",
            text="The `reasoning_content` in the thinking mode must be passed back to the API.",
            source="https://github.com/openclaw/openclaw/issues/73417",
        ),
    ),
    example={
        "model": "deepseek-reasoner",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "content": "sunny", "tool_call_id": _CALL["id"]},
        ],
        "tools": _TOOLS,
    },
    example_url="https://api.deepseek.com/chat/completions",
    notes="The R1-era rule (reasoning_content in input → 400) was reversed for V3.2+ thinking mode; this "
    "rule follows the current one, keyed by model and thinking flag. An empty string is accepted.",
)
MOONSHOT_REASONING_CONTENT = define(
    "quirks.moonshot-reasoning-content-missing",
    Severity.ERROR,
    "Kimi with thinking enabled: an assistant tool-call message lacks `reasoning_content`.",
    providers=("moonshot",),
    predicts=(
        PredictedError(
            provider="moonshot",
            text="thinking is enabled but reasoning_content is missing in assistant tool call message at index 2",
            source="https://github.com/iOfficeAI/AionUi/issues/2746",
        ),
    ),
    example={
        "model": "kimi-k2-thinking",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "content": "sunny", "tool_call_id": _CALL["id"]},
        ],
    },
    example_url="https://api.moonshot.ai/v1/chat/completions",
)
MISTRAL_TOOL_CALL_ID = define(
    "quirks.mistral-tool-call-id",
    Severity.ERROR,
    "A tool-call id that is not exactly 9 characters of a-z, A-Z, 0-9, sent to Mistral (or to a "
    "self-hosted Mistral model, where mistral_common enforces the same).",
    providers=("mistral", "vllm"),
    predicts=(
        PredictedError(
            provider="mistral",
            text="Tool call id was call_0fypS1hVX but must be a-z, A-Z, 0-9, with a length of 9.",
            source="https://github.com/jackmpcollins/magentic/issues/276",
        ),
    ),
    example={
        "model": "mistral-large-latest",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "content": "sunny", "tool_call_id": _CALL["id"]},
        ],
    },
    example_url="https://api.mistral.ai/v1/chat/completions",
    notes="Self-hosted Mistral models get a warning (the check depends on the tokenizer mode; "
    "https://github.com/jundot/omlx/pull/1997). Map ids to 9-character ids consistently across the history.",
)
GEMINI_THINKING_CONFLICT = define(
    "quirks.gemini-thinking-config-conflict",
    Severity.ERROR,
    "Gemini: both `reasoning_effort` and `extra_body.google.thinking_config` are set.",
    providers=("gemini",),
    predicts=(
        PredictedError(
            provider="gemini",
            text="Expected one of either `reasoning_effort` or custom `thinking_config`; found both.",
            source="https://github.com/Alishahryar1/free-claude-code/issues/565",
        ),
    ),
    example={
        "model": "gemini-2.5-flash",
        "messages": [_USER],
        "reasoning_effort": "low",
        "extra_body": {"google": {"thinking_config": {"thinking_budget": 1024}}},
    },
    example_url="https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
)
GEMINI_EFFORT_NONE = define(
    "quirks.gemini-reasoning-effort-none",
    Severity.WARNING,
    'Gemini: `reasoning_effort: "none"`, which some newer models reject.',
    providers=("gemini",),
    predicts=(
        PredictedError(
            provider="gemini",
            text="Request contains an invalid argument.",
            source="https://github.com/BerriAI/litellm/pull/16548",
        ),
    ),
    example={"model": "gemini-3-pro-preview", "messages": [_USER], "reasoning_effort": "none"},
    example_url="https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
    notes="Documented by Google for disabling thinking, rejected by some models (providers.md §5.4).",
)
LLAMACPP_SINGLE_CHOICE = define(
    "quirks.llamacpp-single-choice",
    Severity.ERROR,
    "`n` other than 1 sent to llama.cpp, which returns one choice only.",
    providers=("llama.cpp",),
    predicts=(
        PredictedError(
            provider="llama.cpp", text="Only one completion choice is allowed", source="code [LCPP]"
        ),
    ),
    example={"model": "qwen3", "messages": [_USER], "n": 2},
    example_url="http://127.0.0.1:8080/v1/chat/completions",
    notes="Tools also need the server to run with --jinja (`tools param requires --jinja flag`, code [LCPP]); "
    "toolguard cannot see server flags, so that one is left to the upstream error.",
)
LLAMACPP_LOGPROBS_TOOLS_STREAM = define(
    "quirks.llamacpp-logprobs-tools-stream",
    Severity.ERROR,
    "`logprobs` together with tools and `stream: true` on llama.cpp.",
    providers=("llama.cpp",),
    predicts=(
        PredictedError(
            provider="llama.cpp", text="logprobs is not supported with tools + stream", source="code [LCPP]"
        ),
    ),
    example={"model": "qwen3", "messages": [_USER], "tools": _TOOLS, "stream": True, "logprobs": True},
    example_url="http://127.0.0.1:8080/v1/chat/completions",
)
VLLM_N_GREEDY = define(
    "quirks.vllm-n-greedy",
    Severity.ERROR,
    "vLLM: `n` > 1 with temperature 0 (greedy sampling yields one sequence).",
    providers=("vllm",),
    predicts=(
        PredictedError(
            provider="vllm", text="n must be 1 when using greedy sampling, got 2.", source="code [VLLM-SP]"
        ),
    ),
    example={"model": "Qwen/Qwen3-8B", "messages": [_USER], "n": 2, "temperature": 0},
    example_url="http://127.0.0.1:8000/v1/chat/completions",
)
VLLM_EMPTY_STOP = define(
    "quirks.vllm-empty-stop",
    Severity.ERROR,
    "vLLM: `stop` contains an empty string.",
    providers=("vllm",),
    predicts=(
        PredictedError(provider="vllm", text="stop cannot contain an empty string.", source="code [VLLM-SP]"),
    ),
    example={"model": "Qwen/Qwen3-8B", "messages": [_USER], "stop": ["", "\n\n"]},
    example_url="http://127.0.0.1:8000/v1/chat/completions",
)
VLLM_PROMPT_LOGPROBS_STREAM = define(
    "quirks.vllm-prompt-logprobs-stream",
    Severity.ERROR,
    "vLLM: `prompt_logprobs` with `stream: true`.",
    providers=("vllm",),
    predicts=(
        PredictedError(
            provider="vllm",
            text="`prompt_logprobs` are not available when `stream=True`.",
            source="code [VLLM-CHAT]",
        ),
    ),
    example={"model": "Qwen/Qwen3-8B", "messages": [_USER], "stream": True, "prompt_logprobs": 1},
    example_url="http://127.0.0.1:8000/v1/chat/completions",
)

_MISTRAL_ID = re.compile(r"[a-zA-Z0-9]{9}")
_MISTRAL_MODEL = re.compile(r"(mistral|mixtral|codestral|devstral|magistral|ministral|pixtral)")


def _thinking_enabled(body: dict[str, Any]) -> bool | None:
    """DeepSeek/Moonshot `thinking: {"type": "enabled"|"disabled"}`; None when absent."""
    thinking = body.get("thinking")
    if isinstance(thinking, dict):
        kind = thinking.get("type")
        if kind in ("enabled", "disabled"):
            return kind == "enabled"
    return None


@check
def check_quirks(view: RequestView) -> Iterator[Finding]:
    pid = view.provider.id
    if pid == "dashscope":
        yield from _qwen(view)
    elif pid == "deepseek":
        family = family_of(view)
        thinking = _thinking_enabled(view.body)
        if family.thinking_only or thinking or (thinking is None and family.thinking_default):
            yield from _reasoning_content(view, DEEPSEEK_REASONING_CONTENT, "DeepSeek thinking mode")
    elif pid == "moonshot":
        family = family_of(view)
        if family.thinking_only or _thinking_enabled(view.body):
            yield from _reasoning_content(view, MOONSHOT_REASONING_CONTENT, "Kimi thinking mode")
    elif pid == "mistral":
        yield from _mistral_ids(view, Severity.ERROR)
    elif pid == "gemini":
        yield from _gemini(view)
    elif pid == "llama.cpp":
        yield from _llamacpp(view)
    elif pid in ("vllm", "sglang"):
        yield from _vllm(view)


def _qwen(view: RequestView) -> Iterator[Finding]:
    body = view.body
    family = family_of(view)
    flag = body.get("enable_thinking")
    if family.thinking_only:
        thinking, why = True, f"{view.model} always thinks"
    elif isinstance(flag, bool):
        thinking, why = flag, "enable_thinking is true"
    elif family.thinking_default:
        thinking, why = True, f"{view.model} thinks by default (open-source Qwen3)"
    else:
        return
    if not thinking:
        return
    if body.get("stream") is not True:
        fix = (
            "stream the request (stream: true)"
            if family.thinking_only
            else "stream the request (stream: true) or send enable_thinking: false"
        )
        yield QWEN_THINKING_NON_STREAM.finding(
            "stream", f"{why}, and DashScope allows thinking only in streaming calls; {fix}."
        )
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema"):
        yield QWEN_THINKING_JSON_MODE.finding(
            "response_format",
            f"{why}, and DashScope's JSON mode does not work with thinking; send enable_thinking: false "
            "or drop response_format.",
        )
    tool_choice = body.get("tool_choice")
    if tool_choice == "required" or isinstance(tool_choice, dict):
        yield QWEN_THINKING_TOOL_CHOICE.finding(
            "tool_choice",
            f'{why}, and in thinking mode tool_choice may only be "auto" or "none"; use "auto" or '
            "send enable_thinking: false.",
        )


def _reasoning_content(view: RequestView, rule: Any, mode: str) -> Iterator[Finding]:
    for index, message in enumerate(view.messages):
        if (
            isinstance(message, dict)
            and message.get("role") == "assistant"
            and message.get("tool_calls")
            and not isinstance(message.get("reasoning_content"), str)
        ):
            yield rule.finding(
                f"messages[{index}].reasoning_content",
                f"messages[{index}] made tool calls in {mode} but has no reasoning_content; pass the "
                "reasoning_content the API returned for that turn back unchanged (an empty string if none).",
            )


def _mistral_ids(view: RequestView, severity: Severity) -> Iterator[Finding]:
    for index, message in enumerate(view.messages):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "assistant" and isinstance(message.get("tool_calls"), list):
            for call_index, call in enumerate(message["tool_calls"]):
                call_id = call.get("id") if isinstance(call, dict) else None
                if isinstance(call_id, str) and not _MISTRAL_ID.fullmatch(call_id):
                    yield MISTRAL_TOOL_CALL_ID.finding(
                        f"messages[{index}].tool_calls[{call_index}].id",
                        f"Tool-call id {call_id!r} is not 9 characters of a-z, A-Z, 0-9, which Mistral "
                        "requires; map it (and the matching tool_call_id) to a 9-character id.",
                        severity=severity,
                    )
        elif role == "tool":
            call_id = message.get("tool_call_id")
            if isinstance(call_id, str) and not _MISTRAL_ID.fullmatch(call_id):
                yield MISTRAL_TOOL_CALL_ID.finding(
                    f"messages[{index}].tool_call_id",
                    f"tool_call_id {call_id!r} is not 9 characters of a-z, A-Z, 0-9; use the same "
                    "9-character id as the call it answers.",
                    severity=severity,
                )


def _gemini(view: RequestView) -> Iterator[Finding]:
    body = view.body
    effort = body.get("reasoning_effort")
    if effort is None:
        return
    thinking_config = None
    for container in (body.get("extra_body"), body):
        google = container.get("google") if isinstance(container, dict) else None
        if isinstance(google, dict) and "thinking_config" in google:
            thinking_config = google["thinking_config"]
            break
    if thinking_config is not None:
        yield GEMINI_THINKING_CONFLICT.finding(
            "reasoning_effort",
            "Gemini accepts either reasoning_effort or extra_body.google.thinking_config, not both; keep one.",
        )
    if effort == "none":
        yield GEMINI_EFFORT_NONE.finding(
            "reasoning_effort",
            "reasoning_effort 'none' is rejected by some Gemini models; if the request fails, use "
            "thinking_config with thinking_budget 0 (where supported) or omit reasoning_effort.",
        )


def _llamacpp(view: RequestView) -> Iterator[Finding]:
    body = view.body
    n = body.get("n")
    if is_number(n) and n != 1:
        yield LLAMACPP_SINGLE_CHOICE.finding("n", f"llama.cpp returns a single choice; n is {n}. Send n: 1.")
    kwargs = body.get("chat_template_kwargs")
    if (
        isinstance(kwargs, dict)
        and "enable_thinking" in kwargs
        and not isinstance(kwargs["enable_thinking"], bool)
    ):
        yield LLAMACPP_ENABLE_THINKING_TYPE.finding(
            "chat_template_kwargs.enable_thinking",
            f"enable_thinking is {kwargs['enable_thinking']!r}; llama.cpp requires a JSON boolean (true/false).",
        )
    if body.get("tools") and body.get("logprobs") is True and body.get("stream") is True:
        yield LLAMACPP_LOGPROBS_TOOLS_STREAM.finding(
            "logprobs",
            "llama.cpp refuses logprobs with tools in a streamed request; drop logprobs or stream.",
        )


def _vllm(view: RequestView) -> Iterator[Finding]:
    body = view.body
    if "enable_thinking" in body:
        yield ENABLE_THINKING_IGNORED.finding(
            "enable_thinking",
            f"{view.provider.name} ignores a top-level enable_thinking; send "
            'chat_template_kwargs: {"enable_thinking": ...} instead.',
        )
    if view.provider.id != "vllm":
        return
    n = body.get("n")
    temperature = body.get("temperature")
    if is_number(n) and n > 1 and is_number(temperature) and temperature == 0:
        yield VLLM_N_GREEDY.finding(
            "n",
            f"n is {n} with temperature 0 (greedy); vLLM returns one sequence. Raise temperature or send n: 1.",
        )
    stop = body.get("stop")
    if stop == "" or (isinstance(stop, list) and "" in stop):
        yield VLLM_EMPTY_STOP.finding("stop", "stop contains an empty string; remove it.")
    if body.get("prompt_logprobs") is not None and body.get("stream") is True:
        yield VLLM_PROMPT_LOGPROBS_STREAM.finding(
            "prompt_logprobs", "prompt_logprobs are not available in streamed requests; drop one of them."
        )
    if _MISTRAL_MODEL.search((view.model or "").lower()):
        yield from _mistral_ids(view, Severity.WARNING)
