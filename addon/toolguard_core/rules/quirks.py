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
from toolguard_core.providers import DEFAULT_FAMILY, MISTRAL_MODELS
from toolguard_core.request import CHAT, RequestView
from toolguard_core.rules.modelinfo import (
    GEMINI_3,
    REASONING_ALWAYS_ON,
    family_of,
    is_number,
    reasoning_off_on_router,
    thinking_off_judged,
)
from toolguard_core.rules.registry import PredictedError, check, checked_as, define, engine_profile, policy

_USER = {"role": "user", "content": "What's the weather in Paris?"}
_CALL = {"id": "call_0fypS1hVX", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
_TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
_DASHSCOPE_URL = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions"

QWEN_THINKING_NON_STREAM = define(
    "quirks.qwen-thinking-non-stream",
    Severity.ERROR,
    "Qwen on DashScope with thinking on (enable_thinking=true, a thinking-only model, or open-source "
    "Qwen3 whose default is on) in a non-streaming call.",
    policy=policy(
        error=("dashscope", "modelscope"),
        conditions={"dashscope": "thinking on", "modelscope": "thinking on"},
    ),
    predicts=(
        PredictedError(
            provider="dashscope",
            text="parameter.enable_thinking must be set to false for non-streaming calls",
            source="https://github.com/infiniflow/ragflow/issues/8972",
            code="invalid_parameter_error",
        ),
        # ModelScope API-Inference serves Qwen3 the same way (Qwen/Qwen3-235B-A22B-Thinking-2507 through
        # claude-code-router, called without streaming).
        PredictedError(
            provider="modelscope",
            text=(
                '{"error":{"code":"invalid_parameter_error","message":"enable thinking can not be support when '
                '`stream=False`.","type":"invalid_request_error"}'
            ),
            source="https://github.com/musistudio/claude-code-router/issues/948",
            code="invalid_parameter_error",
        ),
    ),
    example={"model": "qwen3-32b", "messages": [_USER]},
    example_url=_DASHSCOPE_URL,
    notes="Open-source Qwen3 defaults to thinking on, commercial models to off "
    "(https://github.com/vanna-ai/vanna/issues/918, doc [DS-THINK]).",
    fixed={"model": "qwen3-32b", "messages": [_USER], "stream": True},
)
QWEN_THINKING_JSON_MODE = define(
    "quirks.qwen-thinking-json-mode",
    Severity.ERROR,
    "Qwen on DashScope with thinking on and `response_format` json_object/json_schema.",
    policy=policy(error=("dashscope",), conditions={"dashscope": "thinking on"}),
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
    fixed={
        "model": "qwen-plus",
        "messages": [{"role": "user", "content": "Answer in JSON"}],
        "stream": True,
        "enable_thinking": False,
        "response_format": {"type": "json_object"},
    },
)
QWEN_THINKING_TOOL_CHOICE = define(
    "quirks.qwen-thinking-forced-tool-choice",
    Severity.ERROR,
    'Qwen on DashScope with thinking on and `tool_choice` "required" or a named function.',
    policy=policy(error=("dashscope",), conditions={"dashscope": "thinking on"}),
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
    fixed={
        "model": "qwen-plus",
        "messages": [_USER],
        "stream": True,
        "enable_thinking": True,
        "tools": _TOOLS,
        "tool_choice": "auto",
    },
)
ENABLE_THINKING_IGNORED = define(
    "quirks.enable-thinking-top-level",
    Severity.WARNING,
    "Top-level `enable_thinking` sent to a self-hosted vLLM/SGLang server, which ignores unknown fields; "
    "the switch belongs in `chat_template_kwargs`.",
    policy=policy(warning=("vllm", "sglang")),
    example={"model": "Qwen/Qwen3-8B", "messages": [_USER], "enable_thinking": False},
    example_url="http://127.0.0.1:8000/v1/chat/completions",
    notes="vLLM's request model has extra='allow' and only logs ignored fields (code [VLLM-ENG]); "
    "self-hosted Qwen3 toggles thinking via chat_template_kwargs (code [VLLM-CHAT]).",
    fixed={"model": "Qwen/Qwen3-8B", "messages": [_USER], "chat_template_kwargs": {"enable_thinking": False}},
)
LLAMACPP_ENABLE_THINKING_TYPE = define(
    "quirks.llamacpp-enable-thinking-type",
    Severity.ERROR,
    '`chat_template_kwargs.enable_thinking` is not a boolean (llama.cpp rejects strings such as "false").',
    policy=policy(error=("llama.cpp",)),
    predicts=(
        PredictedError(
            provider="llama.cpp",
            text='invalid type for "enable_thinking" (expected boolean, got string)',
            source="code [LCPP]",
        ),
    ),
    example={"model": "qwen3", "messages": [_USER], "chat_template_kwargs": {"enable_thinking": "false"}},
    example_url="http://127.0.0.1:8080/v1/chat/completions",
    fixed={"model": "qwen3", "messages": [_USER], "chat_template_kwargs": {"enable_thinking": False}},
)
DEEPSEEK_REASONING_CONTENT = define(
    "quirks.deepseek-reasoning-content-missing",
    Severity.ERROR,
    "DeepSeek in thinking mode (deepseek-reasoner, or thinking.type=enabled): an assistant message with "
    "tool calls does not carry back its `reasoning_content`.",
    policy=policy(
        error=("deepseek",),
        conditions={
            "deepseek": "thinking mode: deepseek-reasoner, deepseek-v4-*, thinking.type=enabled, or a model "
            "name toolguard does not know (DeepSeek's current models think by default)"
        },
    ),
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
    fixed={
        "model": "deepseek-reasoner",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "reasoning_content": "Look it up.", "tool_calls": [_CALL]},
            {"role": "tool", "content": "sunny", "tool_call_id": _CALL["id"]},
        ],
        "tools": _TOOLS,
    },
)
DEEPSEEK_THINKING_TOOL_CHOICE = define(
    "quirks.deepseek-thinking-forced-tool-choice",
    Severity.ERROR,
    "DeepSeek in thinking mode (the V4 default): `tool_choice` forces a call (`required` or a named "
    'function; on its Anthropic-compatible endpoint `{"type": "any"}` or `{"type": "tool"}`).',
    policy=policy(
        error=("deepseek",),
        conditions={"deepseek": "thinking mode (deepseek-v4-*, deepseek-reasoner, thinking.type=enabled)"},
    ),
    predicts=(
        PredictedError(
            provider="deepseek",
            text='{"error":{"message":"Thinking mode does not support this tool_choice","type":"invalid_request_error"}}',
            source="https://github.com/deepseek-ai/DeepSeek-V3/issues/1376",
        ),
        PredictedError(
            provider="deepseek",
            text="Thinking mode does not support this tool_choice",
            source="https://github.com/elizaOS/eliza/issues/18378",
        ),
        # The older wording, which names the thinking model the V4 request is routed to.
        PredictedError(
            provider="deepseek",
            text="400 deepseek-reasoner does not support this tool_choice",
            source="https://github.com/can1357/oh-my-pi/issues/1207",
        ),
    ),
    example={"model": "deepseek-v4-flash", "messages": [_USER], "tools": _TOOLS, "tool_choice": "required"},
    example_url="https://api.deepseek.com/chat/completions",
    fixed={
        "model": "deepseek-v4-flash",
        "messages": [_USER],
        "tools": _TOOLS,
        "tool_choice": "required",
        "thinking": {"type": "disabled"},
    },
    notes=(
        "deepseek-v4-pro and deepseek-v4-flash think by default and refuse both forced forms; deepseek-chat "
        "does not think and takes them (deepseek-ai/DeepSeek-V3#1376). Disable thinking for the forced turn. "
        "The Anthropic-compatible endpoint (api.deepseek.com/anthropic) serves the same models and refuses the "
        "same combination, although its guide lists every tool_choice as supported: there only a model "
        "toolguard knows is judged, since Claude clients send Claude model names that DeepSeek maps."
    ),
)
MOONSHOT_REASONING_CONTENT = define(
    "quirks.moonshot-reasoning-content-missing",
    Severity.ERROR,
    "Kimi with thinking enabled: an assistant tool-call message lacks `reasoning_content`.",
    policy=policy(
        error=("moonshot",),
        conditions={
            "moonshot": "thinking on (kimi-k2.5 and later unless disabled; Kimi Code's kimi-for-coding and k3 "
            "always)"
        },
    ),
    predicts=(
        PredictedError(
            provider="moonshot",
            text="thinking is enabled but reasoning_content is missing in assistant tool call message at index 2",
            source="https://github.com/iOfficeAI/AionUi/issues/2746",
        ),
        PredictedError(
            provider="moonshot",
            text="thinking is enabled but reasoning_content is missing in assistant tool call message at index 134",
            source="https://github.com/1jehuang/jcode/issues/322",
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
    fixed={
        "model": "kimi-k2-thinking",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "reasoning_content": "Look it up.", "tool_calls": [_CALL]},
            {"role": "tool", "content": "sunny", "tool_call_id": _CALL["id"]},
        ],
    },
)
MISTRAL_TOOL_CALL_ID = define(
    "quirks.mistral-tool-call-id",
    Severity.ERROR,
    "A tool-call id that is not exactly 9 characters of a-z, A-Z, 0-9, sent to Mistral (or to a "
    "Mistral model on NVIDIA NIM or a self-hosted server, where mistral_common enforces the same).",
    policy=policy(
        error=("mistral", "nvidia"),
        warning=("vllm",),
        conditions={"vllm": "Mistral models", "nvidia": "Mistral models"},
    ),
    predicts=(
        PredictedError(
            provider="mistral",
            text="Tool call id was call_0fypS1hVX but must be a-z, A-Z, 0-9, with a length of 9.",
            source="https://github.com/jackmpcollins/magentic/issues/276",
        ),
        PredictedError(
            provider="nvidia",
            text="400 Tool call id was ns.bash:0 but must be a-z, A-Z, 0-9, with a length of 9.",
            source="https://github.com/earendil-works/pi/issues/3975",
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
    fixed={
        "model": "mistral-large-latest",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [{**_CALL, "id": "a0fypS1hV"}]},
            {"role": "tool", "content": "sunny", "tool_call_id": "a0fypS1hV"},
        ],
    },
)
GEMINI_THINKING_CONFLICT = define(
    "quirks.gemini-thinking-config-conflict",
    Severity.ERROR,
    "Gemini: both `reasoning_effort` and `extra_body.google.thinking_config` are set.",
    policy=policy(error=("gemini",)),
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
    fixed={"model": "gemini-2.5-flash", "messages": [_USER], "reasoning_effort": "low"},
)
#: OpenRouter's reasoning-tokens page (https://openrouter.ai/docs/use-cases/reasoning-tokens, "Controlling
#: Reasoning Tokens"): the `reasoning` object takes "One of the following (not both)": `effort` (OpenAI-style)
#: or `max_tokens` (Anthropic-style).
OPENROUTER_REASONING_DOC = "https://openrouter.ai/docs/use-cases/reasoning-tokens"
OPENROUTER_EFFORT_AND_BUDGET = define(
    "quirks.openrouter-reasoning-effort-and-max-tokens",
    Severity.ERROR,
    "OpenRouter: the `reasoning` object sets both `effort` and `max_tokens`; it takes one of them.",
    policy=policy(error=("openrouter",)),
    example={
        "model": "moonshotai/kimi-k2-thinking",
        "messages": [_USER],
        "reasoning": {"effort": "medium", "max_tokens": 2000},
    },
    example_url="https://openrouter.ai/api/v1/chat/completions",
    fixed={"model": "moonshotai/kimi-k2-thinking", "messages": [_USER], "reasoning": {"max_tokens": 2000}},
    notes=(
        f'{OPENROUTER_REASONING_DOC}: `reasoning` takes "One of the following (not both)": `effort` or '
        '`max_tokens`. OpenRouter answers the pair with 400 `Only one of "reasoning.effort" and '
        '"reasoning.max_tokens" can be specified` (quoted by two independent public codebases in 2026, an '
        "OpenRouter evaluation harness and a LiteLLM-based game master). Keep `max_tokens` for a hard budget, "
        "`effort` for a level; `exclude` and `enabled` combine with either."
    ),
)
GEMINI_EFFORT_NONE = define(
    "quirks.gemini-reasoning-effort-none",
    Severity.ERROR,
    'Gemini: `reasoning_effort: "none"` for a model whose reasoning cannot be turned off (Gemini 2.5 Pro and '
    "the Gemini 3 line).",
    policy=policy(
        error=("gemini",),
        conditions={"gemini": "Gemini 2.5 Pro and Gemini 3 models; the other 2.5 models take none"},
    ),
    predicts=(
        PredictedError(
            provider="gemini",
            text="Request contains an invalid argument.",
            source="https://github.com/BerriAI/litellm/pull/16548",
        ),
    ),
    example={"model": "gemini-3-pro-preview", "messages": [_USER], "reasoning_effort": "none"},
    example_url="https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
    notes=(
        "Google's OpenAI-compatibility page (https://ai.google.dev/gemini-api/docs/openai): \"If you want to "
        'disable thinking, you can set reasoning_effort to "none" for 2.5 models. Reasoning cannot be turned off '
        'for Gemini 2.5 Pro or 3 models." Those models are judged (modelinfo.REASONING_ALWAYS_ON); the other '
        "2.5 models take none and are not flagged (providers.md §5.4). Use the lowest level the model has."
    ),
    fixed={"model": "gemini-3-pro-preview", "messages": [_USER], "reasoning_effort": "low"},
)
OLLAMA_MODEL_NO_TOOLS = define(
    "quirks.ollama-model-no-tools",
    Severity.ERROR,
    "`tools` sent to an Ollama library model whose template has no tool support (llama3, gemma3, "
    "deepseek-r1, phi3).",
    policy=policy(error=("ollama",)),
    predicts=(
        PredictedError(
            provider="ollama",
            text=(
                '{"error":{"message":"registry.ollama.ai/library/gemma3:4b does not support tools",'
                '"type":"api_error","param":null,"code":null}}'
            ),
            source="https://github.com/louisho5/picobot/issues/6",
        ),
        PredictedError(
            provider="ollama",
            text='{"error": {"message": "llama3 does not support tools", "type": "api_error"}}',
            source="https://github.com/ollama/ollama/issues/5793",
        ),
        PredictedError(
            provider="ollama",
            text='{"error":"registry.ollama.ai/library/deepseek-r1:latest does not support tools"}',
            source="https://github.com/ollama/ollama/issues/15023",
        ),
    ),
    example={"model": "llama3:8b", "messages": [_USER], "tools": _TOOLS},
    example_url="http://localhost:11434/v1/chat/completions",
    fixed={"model": "llama3.1:8b", "messages": [_USER], "tools": _TOOLS},
    notes="Ollama checks the model's template for tool support before it runs (its library pages show a "
    "`tools` capability). Use a model that has it (llama3.1, qwen3, ...) or drop `tools`.",
)
LLAMACPP_SINGLE_CHOICE = define(
    "quirks.llamacpp-single-choice",
    Severity.ERROR,
    "`n` other than 1 sent to llama.cpp, which returns one choice only.",
    policy=policy(error=("llama.cpp",)),
    predicts=(
        PredictedError(
            provider="llama.cpp", text="Only one completion choice is allowed", source="code [LCPP]"
        ),
    ),
    example={"model": "qwen3", "messages": [_USER], "n": 2},
    example_url="http://127.0.0.1:8080/v1/chat/completions",
    notes="Tools also need the server to run with --jinja (`tools param requires --jinja flag`, code [LCPP]); "
    "toolguard cannot see server flags, so that one is left to the upstream error.",
    fixed={"model": "qwen3", "messages": [_USER], "n": 1},
)
LLAMACPP_LOGPROBS_TOOLS_STREAM = define(
    "quirks.llamacpp-logprobs-tools-stream",
    Severity.ERROR,
    "`logprobs` together with tools and `stream: true` on llama.cpp.",
    policy=policy(error=("llama.cpp",)),
    predicts=(
        PredictedError(
            provider="llama.cpp", text="logprobs is not supported with tools + stream", source="code [LCPP]"
        ),
    ),
    example={"model": "qwen3", "messages": [_USER], "tools": _TOOLS, "stream": True, "logprobs": True},
    example_url="http://127.0.0.1:8080/v1/chat/completions",
    fixed={"model": "qwen3", "messages": [_USER], "tools": _TOOLS, "stream": True},
)
VLLM_N_GREEDY = define(
    "quirks.vllm-n-greedy",
    Severity.ERROR,
    "vLLM: `n` > 1 with temperature 0 (greedy sampling yields one sequence).",
    policy=policy(error=("vllm",)),
    predicts=(
        PredictedError(
            provider="vllm", text="n must be 1 when using greedy sampling, got 2.", source="code [VLLM-SP]"
        ),
    ),
    example={"model": "Qwen/Qwen3-8B", "messages": [_USER], "n": 2, "temperature": 0},
    example_url="http://127.0.0.1:8000/v1/chat/completions",
    fixed={"model": "Qwen/Qwen3-8B", "messages": [_USER], "n": 2, "temperature": 0.7},
)
VLLM_EMPTY_STOP = define(
    "quirks.vllm-empty-stop",
    Severity.ERROR,
    "vLLM: `stop` contains an empty string.",
    policy=policy(error=("vllm",)),
    predicts=(
        PredictedError(provider="vllm", text="stop cannot contain an empty string.", source="code [VLLM-SP]"),
    ),
    example={"model": "Qwen/Qwen3-8B", "messages": [_USER], "stop": ["", "\n\n"]},
    example_url="http://127.0.0.1:8000/v1/chat/completions",
    fixed={"model": "Qwen/Qwen3-8B", "messages": [_USER], "stop": ["\n\n"]},
)
VLLM_PROMPT_LOGPROBS_STREAM = define(
    "quirks.vllm-prompt-logprobs-stream",
    Severity.ERROR,
    "vLLM: `prompt_logprobs` with `stream: true`.",
    policy=policy(error=("vllm",)),
    predicts=(
        PredictedError(
            provider="vllm",
            text="`prompt_logprobs` are not available when `stream=True`.",
            source="code [VLLM-CHAT]",
        ),
    ),
    example={"model": "Qwen/Qwen3-8B", "messages": [_USER], "stream": True, "prompt_logprobs": 1},
    example_url="http://127.0.0.1:8000/v1/chat/completions",
    fixed={"model": "Qwen/Qwen3-8B", "messages": [_USER], "stream": True},
)

_MISTRAL_ID = re.compile(r"[a-zA-Z0-9]{9}")


GEMINI_THOUGHT_SIGNATURE = define(
    "quirks.gemini-thought-signature-missing",
    Severity.ERROR,
    "Gemini 3: an assistant tool call of the current turn is replayed without the thought signature "
    "Gemini returned with it (`extra_content.google.thought_signature`; on OpenRouter, the message's "
    "`reasoning_details`).",
    policy=policy(
        error=("gemini", "openrouter"),
        conditions={"gemini": "Gemini 3 models", "openrouter": "google/gemini-3* models"},
    ),
    predicts=(
        PredictedError(
            provider="gemini",
            text=(
                "Function call is missing a thought_signature in functionCall parts. This is required for "
                "tools to work correctly, and missing thought_signature may lead to degraded model "
                "performance. Additional data, function call default_api:t_02--list-sections , position 2."
            ),
            source="https://github.com/nanbingxyz/5ire/issues/405",
        ),
        PredictedError(
            provider="openrouter",
            text=(
                "OpenRouter completion error: Gemini models require OpenRouter reasoning details to be "
                "preserved in each request. Please refer to our docs: https://openrouter.ai/docs/guides/"
                'best-practices/reasoning-tokens#preserving-reasoning-blocks. Upstream error: { "error": { '
                '"code": 400, "message": "Function call is missing a thought_signature in functionCall parts.'
            ),
            source="https://github.com/RooCodeInc/Roo-Code/issues/10307",
        ),
    ),
    example={
        "model": "gemini-3-pro-preview",
        "messages": [
            {"role": "user", "content": "List the sections."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "list_sections", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "intro, usage"},
        ],
    },
    example_url="https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
    fixed={
        "model": "gemini-3-pro-preview",
        "messages": [
            {"role": "user", "content": "List the sections."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "list_sections", "arguments": "{}"},
                        "extra_content": {"google": {"thought_signature": "CsQBAY89a1+..."}},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "intro, usage"},
        ],
    },
    notes=(
        "Gemini 3 validates the signature of the first function call of every step since the last user "
        "message (Gemini docs, 'Thought signatures', OpenAI compatibility: `extra_content.google."
        "thought_signature`). Keep the tool call objects Gemini returned unchanged when replaying history; "
        "earlier turns are not validated. Other Gemini models do not enforce it. Through OpenRouter the "
        "signature travels in the assistant message's `reasoning_details`, which must be sent back "
        "(LibreChat-AI/agents#37, musistudio/claude-code-router#1057)."
    ),
)


MOONSHOT_THINKING_NOT_OBJECT = define(
    "quirks.moonshot-thinking-not-object",
    Severity.ERROR,
    'Kimi: `thinking` is a boolean or string; Moonshot takes only `{"type": "enabled"|"disabled"}`.',
    policy=policy(error=("moonshot",)),
    predicts=(
        PredictedError(
            provider="moonshot",
            text="the thinking field in the request (expected type object) is illegal, and bool is not acceptable",
            source="https://github.com/HKUDS/nanobot/pull/202",
        ),
    ),
    example={"model": "kimi-k2-thinking", "messages": [_USER], "thinking": True},
    example_url="https://api.moonshot.ai/v1/chat/completions",
    fixed={"model": "kimi-k2-thinking", "messages": [_USER], "thinking": {"type": "enabled"}},
)
KIMI_THINKING_FORCED_TOOL_CHOICE = define(
    "quirks.kimi-thinking-forced-tool-choice",
    Severity.ERROR,
    "Kimi before K3 in thinking mode (the default from K2.5 on): `tool_choice` forces a call (`required` "
    "or a named function).",
    policy=policy(error=("moonshot",), conditions={"moonshot": "thinking on, models before kimi-k3"}),
    predicts=(
        PredictedError(
            provider="moonshot",
            text="tool_choice 'required' is incompatible with thinking enabled",
            source="https://github.com/AstrBotDevs/AstrBot/issues/7805",
        ),
        PredictedError(
            provider="moonshot",
            text="tool_choice specified is incompatible with thinking enabled",
            source="https://github.com/can1357/oh-my-pi/issues/1077",
        ),
    ),
    example={
        "model": "kimi-k2.6",
        "messages": [_USER],
        "tools": _TOOLS,
        "tool_choice": "required",
    },
    example_url="https://api.moonshot.ai/v1/chat/completions",
    fixed={
        "model": "kimi-k2.6",
        "messages": [_USER],
        "tools": _TOOLS,
        "tool_choice": "required",
        "thinking": {"type": "disabled"},
    },
    notes=(
        'Send `thinking: {"type": "disabled"}` for the forced turn, or `tool_choice: "auto"`. Moonshot '
        "rejects both forms on every Kimi model with thinking on except K3 (UKGovernmentBEIS/inspect_ai#5152 "
        "probed each model)."
    ),
)
KIMI_THINKING_WITH_EFFORT = define(
    "quirks.kimi-thinking-with-reasoning-effort",
    Severity.ERROR,
    "Kimi: both `thinking` and `reasoning_effort` are sent; Moonshot takes one of them.",
    policy=policy(error=("moonshot",)),
    predicts=(
        PredictedError(
            provider="moonshot",
            text="invalid_request_error: cannot specify both 'thinking' and 'reasoning_effort'",
            source="https://github.com/HKUDS/nanobot/issues/3939",
        ),
    ),
    example={
        "model": "kimi-k2.6",
        "messages": [_USER],
        "thinking": {"type": "enabled"},
        "reasoning_effort": "medium",
    },
    example_url="https://api.moonshot.ai/v1/chat/completions",
    fixed={"model": "kimi-k2.6", "messages": [_USER], "thinking": {"type": "enabled"}},
    notes="Either field alone is accepted (the thread's curl table); Kimi's own switch is `thinking`.",
)
KIMI_THINKING_TEMPERATURE = define(
    "quirks.kimi-thinking-temperature",
    Severity.ERROR,
    "Kimi K2.5+ in thinking mode: `temperature` other than 1.",
    policy=policy(error=("moonshot",), conditions={"moonshot": "kimi-k2.5 and later, thinking not disabled"}),
    predicts=(
        PredictedError(
            provider="moonshot",
            text="invalid temperature: only 1 is allowed for this model",
            source="https://github.com/opencyvis/opencyvis-phone/issues/12",
        ),
    ),
    example={"model": "kimi-k2.6", "messages": [_USER], "temperature": 0.6},
    example_url="https://api.moonshot.ai/v1/chat/completions",
    fixed={"model": "kimi-k2.6", "messages": [_USER], "temperature": 1},
    notes='Omit temperature, send 1, or turn thinking off with `thinking: {"type": "disabled"}`.',
)


THINKING_CANNOT_BE_DISABLED = define(
    "quirks.thinking-cannot-be-disabled",
    Severity.ERROR,
    'Thinking is switched off (`thinking: {"type": "disabled"}`) for a model that always thinks (Kimi K2.7 '
    "Code and Kimi Code's kimi-for-coding on Moonshot, GLM-5.3 on Z.AI).",
    policy=policy(
        error=("moonshot", "zhipu", "openrouter"),
        conditions={
            "moonshot": "kimi-k2.7-code and kimi-for-coding; a warning for the other always-thinking models (k3, "
            "kimi-k2-thinking), for which no refusal is known",
            "zhipu": "GLM-5.3 on the pay-as-you-go API; a warning on the coding-plan endpoint, which accepts it",
            "openrouter": "reasoning switched off (reasoning.enabled false, effort none) for Gemini 2.5 Pro, the "
            "Gemini 3 line, step-3.5-flash and MiniMax-M2.5",
        },
    ),
    predicts=(
        PredictedError(
            provider="moonshot",
            text="invalid thinking: only type=enabled is allowed for this model",
            source="https://github.com/lobehub/lobehub/pull/15725",
        ),
        PredictedError(
            provider="zhipu",
            text="This model always engages in thinking and cannot be disabled; please use low, high, or max",
            source="https://github.com/NousResearch/hermes-agent/issues/85890",
        ),
        PredictedError(
            provider="openrouter",
            text="400 Reasoning is mandatory for this endpoint and cannot be disabled.",
            source="https://github.com/earendil-works/pi/issues/4316",
        ),
    ),
    example={"model": "kimi-k2.7-code", "messages": [_USER], "thinking": {"type": "disabled"}},
    example_url="https://api.moonshot.ai/v1/chat/completions",
    fixed={"model": "kimi-k2.7-code", "messages": [_USER]},
    notes=(
        'Moonshot\'s chat reference for kimi-k2.7-code: `thinking.type` only accepts "enabled" '
        "(ltmoerdani/opencode-copilot-chat#45 quotes it; MoonshotAI/kimi-code#797); Kimi Code's kimi-for-coding "
        "answers the same (can1357/oh-my-pi#3853). GLM-5.3: 'thinking.type supports enabled only' (the AIHubMix "
        "guide to GLM-5.3), answered with code 1210 on Z.AI's pay-as-you-go API. Omit `thinking` (or send "
        "enabled) and lower the effort instead (GLM-5.3: reasoning_effort low). The same body goes to each "
        "provider's Anthropic-compatible endpoint, so the Messages API is judged alike. On OpenRouter the switch is "
        '`reasoning` (`enabled: false` or `effort: "none"`, or `reasoning_effort: "none"`), refused for a model '
        "whose reasoning cannot be turned off (modelinfo.REASONING_ALWAYS_ON: Google documents it for Gemini 2.5 "
        "Pro and Gemini 3; OpenRouter's refusal is quoted for step-3.5-flash, earendil-works/pi#4316, and "
        "MiniMax-M2.5, musistudio/claude-code-router#1215)."
    ),
)


@check(endpoints=(CHAT,))
def check_thinking_off(view: RequestView) -> Iterator[Finding]:
    """`thinking: {"type": "disabled"}` for a model whose family always thinks (judged in
    modelinfo.thinking_off_judged, which rules/anthropic.py reads for the Anthropic-compatible endpoints)."""
    judged = thinking_off_judged(view)
    if judged is not None:
        message, doubt = judged
        yield from THINKING_CANNOT_BE_DISABLED.report(view, "thinking.type", message, uncertain=doubt)
    switch = reasoning_off_on_router(view)
    if switch is not None:
        yield from THINKING_CANNOT_BE_DISABLED.report(
            view,
            switch,
            f"{switch} switches reasoning off, but {view.model} always reasons and OpenRouter refuses it "
            '("Reasoning is mandatory for this endpoint and cannot be disabled"); drop the switch and ask for '
            'the lowest effort instead (reasoning: {"effort": "low"}).',
        )


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
    elif pid == "modelscope" and "qwen3" in (view.model or "").lower():
        # Only Qwen3's streaming condition is known to be ModelScope's too (two threads above); its JSON mode
        # and tool_choice under thinking, and the other thinking-only models (QwQ, DeepSeek-R1), are not.
        yield from _qwen(view, stream_only=True)
    elif pid == "deepseek":
        yield from _deepseek(view)
    elif pid == "moonshot":
        yield from _moonshot(view)
    elif pid == "mistral":
        yield from _mistral_ids(view)
    elif pid == "nvidia" and MISTRAL_MODELS.search((view.model or "").lower()):
        # NIM serves Mistral models through mistral_common too: "Tool call id was ns.bash:0 but must be
        # ..." (earendil-works/pi#3975; decolua/9router#2839 normalises ids for NIM for this reason).
        yield from _mistral_ids(view)
    elif pid == "gemini":
        yield from _gemini(view)
    elif pid == "llama.cpp":
        yield from _llamacpp(view)
    elif pid == "ollama":
        yield from _ollama(view)
    elif pid in ("vllm", "sglang"):
        yield from _vllm(view)
    elif pid == "openrouter":
        yield from _gemini_signatures(view, via_openrouter=True)
        yield from _openrouter_reasoning(view)
    # The engine behind a host that is not that server itself (RequestView.engine): its quirks are asked
    # too, and Rule.report takes only their errors there.
    engine = checked_as(view)
    if engine != pid and pid not in ("llama.cpp", "ollama", "vllm", "sglang"):
        if engine == "llama.cpp":
            yield from _llamacpp(view)
        elif engine == "ollama":
            yield from _ollama(view)
        elif engine in ("vllm", "sglang"):
            yield from _vllm(view)


def _openrouter_reasoning(view: RequestView) -> Iterator[Finding]:
    reasoning = view.body.get("reasoning")
    if (
        isinstance(reasoning, dict)
        and reasoning.get("effort") is not None
        and reasoning.get("max_tokens") is not None
    ):
        yield from OPENROUTER_EFFORT_AND_BUDGET.report(
            view,
            "reasoning.max_tokens",
            "`reasoning` sets both `effort` and `max_tokens`, and OpenRouter takes one of them (its "
            'reasoning-tokens page: "One of the following (not both)"); keep `max_tokens` for a token budget '
            "or `effort` for a level.",
        )


def _deepseek(view: RequestView) -> Iterator[Finding]:
    body = view.body
    family = family_of(view)
    thinking = _thinking_enabled(body)
    if thinking is None and body.get("reasoning_effort") == "none":
        thinking = False  # V4 turns thinking off with effort none (elizaOS/eliza#18378)
    # DeepSeek's current models think unless told not to (V4: "thinking mode enabled by default");
    # only deepseek-chat is known not to. A model name toolguard does not know is judged by that
    # default rather than skipped: the request is rejected either way unless thinking is off.
    if not (family.thinking_only or thinking or (thinking is None and family.thinking_default is not False)):
        return
    mode = (
        "DeepSeek thinking mode"
        if family is not DEFAULT_FAMILY
        else f"DeepSeek thinking mode (toolguard does not know {view.model or 'the model'}; DeepSeek's "
        'current models think unless thinking: {"type": "disabled"} is sent)'
    )
    yield from _reasoning_content(view, DEEPSEEK_REASONING_CONTENT, mode)
    tool_choice = body.get("tool_choice")
    if tool_choice == "required" or isinstance(tool_choice, dict):
        yield from DEEPSEEK_THINKING_TOOL_CHOICE.report(
            view,
            "tool_choice",
            f"tool_choice forces a call in {mode}, which does not support it. Send "
            'thinking: {"type": "disabled"} for this turn, or tool_choice "auto".',
        )


def _qwen(view: RequestView, *, stream_only: bool = False) -> Iterator[Finding]:
    body = view.body
    family = family_of(view)
    flag = body.get("enable_thinking")
    if family.thinking_only:
        thinking, why = True, f"{view.model} always thinks"
    elif isinstance(flag, bool):
        thinking, why = flag, "enable_thinking is true"
    elif family.thinking_default:
        source = "open-source Qwen3" if family.thinking_needs_stream else "Qwen 3.5 and later"
        thinking, why = True, f"{view.model} thinks by default ({source})"
    else:
        return
    if not thinking:
        return
    if body.get("stream") is not True and family.thinking_needs_stream:
        fix = (
            "stream the request (stream: true)"
            if family.thinking_only
            else "stream the request (stream: true) or send enable_thinking: false"
        )
        host = "ModelScope" if view.provider.id == "modelscope" else "DashScope"
        yield from QWEN_THINKING_NON_STREAM.report(
            view, "stream", f"{why}, and {host} allows thinking only in streaming calls; {fix}."
        )
    if stream_only:
        return
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema"):
        yield from QWEN_THINKING_JSON_MODE.report(
            view,
            "response_format",
            f"{why}, and DashScope's JSON mode does not work with thinking; send enable_thinking: false "
            "or drop response_format.",
        )
    tool_choice = body.get("tool_choice")
    if tool_choice == "required" or isinstance(tool_choice, dict):
        yield from QWEN_THINKING_TOOL_CHOICE.report(
            view,
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
            yield from rule.report(
                view,
                f"messages[{index}].reasoning_content",
                f"messages[{index}] made tool calls in {mode} but has no reasoning_content; pass the "
                "reasoning_content the API returned for that turn back unchanged (an empty string if none).",
            )


def _mistral_ids(view: RequestView) -> Iterator[Finding]:
    for index, message in enumerate(view.messages):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "assistant" and isinstance(message.get("tool_calls"), list):
            for call_index, call in enumerate(message["tool_calls"]):
                call_id = call.get("id") if isinstance(call, dict) else None
                if isinstance(call_id, str) and not _MISTRAL_ID.fullmatch(call_id):
                    yield from MISTRAL_TOOL_CALL_ID.report(
                        view,
                        f"messages[{index}].tool_calls[{call_index}].id",
                        f"Tool-call id {call_id!r} is not 9 characters of a-z, A-Z, 0-9, which Mistral "
                        "requires; map it (and the matching tool_call_id) to a 9-character id.",
                    )
        elif role == "tool":
            call_id = message.get("tool_call_id")
            if isinstance(call_id, str) and not _MISTRAL_ID.fullmatch(call_id):
                yield from MISTRAL_TOOL_CALL_ID.report(
                    view,
                    f"messages[{index}].tool_call_id",
                    f"tool_call_id {call_id!r} is not 9 characters of a-z, A-Z, 0-9; use the same "
                    "9-character id as the call it answers.",
                )


_GEMINI_3 = GEMINI_3


#: Kimi K3 and later accept a forced tool_choice with thinking on (inspect_ai#5152's probe matrix).
_KIMI_K3_OR_LATER = re.compile(r"(^|/)kimi-k[3-9]")

#: "invalid temperature: only 1 is allowed for this model" (kimi-k2.5/k2.6 in thinking mode).
_KIMI_THINKING_TEMPERATURE = 1


def _moonshot(view: RequestView) -> Iterator[Finding]:
    body = view.body
    family = family_of(view)
    flag = body.get("thinking")
    if flag is not None and not isinstance(flag, dict):
        yield from MOONSHOT_THINKING_NOT_OBJECT.report(
            view,
            "thinking",
            f'thinking is {flag!r}; Moonshot takes an object: {{"type": "enabled"}} or '
            '{"type": "disabled"}.',
        )
    if "thinking" in body and body.get("reasoning_effort") is not None:
        yield from KIMI_THINKING_WITH_EFFORT.report(
            view,
            "reasoning_effort",
            "the request sends both thinking and reasoning_effort; Moonshot accepts one. Keep `thinking` "
            "(Kimi's own switch) and drop reasoning_effort.",
        )
    thinking = _thinking_enabled(body)
    if not (family.thinking_only or thinking or (thinking is None and family.thinking_default)):
        return
    yield from _reasoning_content(view, MOONSHOT_REASONING_CONTENT, "Kimi thinking mode")
    tool_choice = body.get("tool_choice")
    forced = tool_choice == "required" or isinstance(tool_choice, dict)
    # Kimi Code's models always think, and no refusal of a forced tool_choice is known for them (K3, one of
    # them, takes it): the rule stays with the open-platform models it was written from.
    if forced and family.id != "kimi-code" and not _KIMI_K3_OR_LATER.search((view.model or "").lower()):
        yield from KIMI_THINKING_FORCED_TOOL_CHOICE.report(
            view,
            "tool_choice",
            f"tool_choice forces a call while {view.model} thinks (on by default); Moonshot refuses that. "
            'Send thinking: {"type": "disabled"} for this turn, or tool_choice "auto".',
        )
    temperature = body.get("temperature")
    if (
        family.id in ("kimi-k2.5+", "kimi-k2.7-code")
        and is_number(temperature)
        and temperature != _KIMI_THINKING_TEMPERATURE
    ):
        yield from KIMI_THINKING_TEMPERATURE.report(
            view,
            "temperature",
            f"temperature is {temperature}; {view.model} in thinking mode takes only "
            f"{_KIMI_THINKING_TEMPERATURE}. Omit it, send {_KIMI_THINKING_TEMPERATURE}, or disable thinking.",
        )


def _gemini_signatures(view: RequestView, via_openrouter: bool = False) -> Iterator[Finding]:
    """The first tool call of each assistant step after the last user message must carry its signature
    (on OpenRouter: the message's ``reasoning_details``, where OpenRouter keeps it)."""
    if not _GEMINI_3.search((view.model or "").lower()):
        return
    messages = view.messages
    last_user = max(
        (i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "user"), default=-1
    )
    for index in range(last_user + 1, len(messages)):
        message = messages[index]
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        calls = message.get("tool_calls")
        if not isinstance(calls, list) or not calls:
            continue
        first = calls[0]
        extra = first.get("extra_content") if isinstance(first, dict) else None
        google = extra.get("google") if isinstance(extra, dict) else None
        signature = google.get("thought_signature") if isinstance(google, dict) else None
        details = message.get("reasoning_details")
        if via_openrouter and isinstance(details, list) and details:
            continue
        if via_openrouter and not (isinstance(signature, str) and signature):
            yield from GEMINI_THOUGHT_SIGNATURE.report(
                view,
                f"messages[{index}].reasoning_details",
                f"messages[{index}] replays a tool call of the current turn without the reasoning_details "
                "OpenRouter returned with it; Gemini 3 rejects the call without its thought signature. Send "
                "the assistant message back with its reasoning_details unchanged.",
            )
            continue
        if not (isinstance(signature, str) and signature):
            yield from GEMINI_THOUGHT_SIGNATURE.report(
                view,
                f"messages[{index}].tool_calls[0]",
                f"messages[{index}] replays a tool call of the current turn without "
                "extra_content.google.thought_signature; Gemini 3 rejects it. Send the tool call back exactly "
                "as Gemini returned it (with its extra_content).",
            )


def _gemini(view: RequestView) -> Iterator[Finding]:
    yield from _gemini_signatures(view)
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
        yield from GEMINI_THINKING_CONFLICT.report(
            view,
            "reasoning_effort",
            "Gemini accepts either reasoning_effort or extra_body.google.thinking_config, not both; keep one.",
        )
    if effort == "none" and REASONING_ALWAYS_ON.search((view.model or "").lower()):
        yield from GEMINI_EFFORT_NONE.report(
            view,
            "reasoning_effort",
            f"reasoning_effort 'none' switches thinking off, which Gemini does not allow for {view.model} "
            "(reasoning cannot be turned off for Gemini 2.5 Pro or 3 models); send the lowest level it has "
            "(low) or omit reasoning_effort.",
        )


def _ollama(view: RequestView) -> Iterator[Finding]:
    tools = view.body.get("tools")
    engine = engine_profile(view)  # Ollama behind another host: its model table
    family = engine.family_for(view.model) if engine is not None else family_of(view)
    if isinstance(tools, list) and tools and family.function_calling is False:
        yield from OLLAMA_MODEL_NO_TOOLS.report(
            view,
            "tools",
            f"Ollama's {view.model} has no tool support in its template, so Ollama refuses `tools` (\"does not "
            'support tools"); use a model with tools (llama3.1, qwen3, ...) or drop `tools`.',
        )


def _llamacpp(view: RequestView) -> Iterator[Finding]:
    body = view.body
    n = body.get("n")
    if is_number(n) and n != 1:
        yield from LLAMACPP_SINGLE_CHOICE.report(
            view, "n", f"llama.cpp returns a single choice; n is {n}. Send n: 1."
        )
    kwargs = body.get("chat_template_kwargs")
    if (
        isinstance(kwargs, dict)
        and "enable_thinking" in kwargs
        and not isinstance(kwargs["enable_thinking"], bool)
    ):
        yield from LLAMACPP_ENABLE_THINKING_TYPE.report(
            view,
            "chat_template_kwargs.enable_thinking",
            f"enable_thinking is {kwargs['enable_thinking']!r}; llama.cpp requires a JSON boolean (true/false).",
        )
    if body.get("tools") and body.get("logprobs") is True and body.get("stream") is True:
        yield from LLAMACPP_LOGPROBS_TOOLS_STREAM.report(
            view,
            "logprobs",
            "llama.cpp refuses logprobs with tools in a streamed request; drop logprobs or stream.",
        )


def _vllm(view: RequestView) -> Iterator[Finding]:
    body = view.body
    if "enable_thinking" in body:
        yield from ENABLE_THINKING_IGNORED.report(
            view,
            "enable_thinking",
            f"{view.provider.name} ignores a top-level enable_thinking; send "
            'chat_template_kwargs: {"enable_thinking": ...} instead.',
        )
    if checked_as(view) != "vllm":
        return
    n = body.get("n")
    temperature = body.get("temperature")
    if is_number(n) and n > 1 and is_number(temperature) and temperature == 0:
        yield from VLLM_N_GREEDY.report(
            view,
            "n",
            f"n is {n} with temperature 0 (greedy); vLLM returns one sequence. Raise temperature or send n: 1.",
        )
    stop = body.get("stop")
    if stop == "" or (isinstance(stop, list) and "" in stop):
        yield from VLLM_EMPTY_STOP.report(view, "stop", "stop contains an empty string; remove it.")
    if body.get("prompt_logprobs") is not None and body.get("stream") is True:
        yield from VLLM_PROMPT_LOGPROBS_STREAM.report(
            view,
            "prompt_logprobs",
            "prompt_logprobs are not available in streamed requests; drop one of them.",
        )
    if MISTRAL_MODELS.search((view.model or "").lower()):
        yield from _mistral_ids(view)
