"""Provider quirks (providers.md §5, §6.2, §12) over real request shapes: Qwen thinking on DashScope,
DeepSeek/Moonshot reasoning_content, Mistral tool-call ids, Gemini reasoning settings, llama.cpp and
vLLM server-side validations."""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings, predicted_texts

E, W = "error", "warning"
USER = {"role": "user", "content": "Weather in Paris?"}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


def call(call_id: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}


def history(call_id: str = "call_abc", **assistant: Any) -> list[dict[str, Any]]:
    return [
        USER,
        {"role": "assistant", "content": None, "tool_calls": [call(call_id)], **assistant},
        {"role": "tool", "tool_call_id": call_id, "content": "18 C"},
    ]


def req(model: str, **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": [USER], **fields}


CASES = [
    # --- Qwen on DashScope (§5.2) ---
    (
        "qwen3-oss-non-stream",
        "dashscope",
        req("qwen3-32b"),
        [("quirks.qwen-thinking-non-stream", E, "stream")],
    ),
    ("qwen3-oss-thinking-off-ok", "dashscope", req("qwen3-32b", enable_thinking=False), []),
    ("qwen3-oss-stream-ok", "dashscope", req("qwen3-235b-a22b", stream=True), []),
    ("qwen-plus-default-off-ok", "dashscope", req("qwen-plus"), []),
    (
        "qwen-plus-thinking-non-stream",
        "dashscope",
        req("qwen-plus", enable_thinking=True),
        [("quirks.qwen-thinking-non-stream", E, "stream")],
    ),
    ("qwq-non-stream", "dashscope", req("qwq-plus"), [("quirks.qwen-thinking-non-stream", E, "stream")]),
    (
        "qwen-thinking-json-mode",
        "dashscope",
        req("qwen-plus", stream=True, enable_thinking=True, response_format={"type": "json_object"}),
        [("quirks.qwen-thinking-json-mode", E, "response_format")],
    ),
    (
        "qwen-thinking-required-tool",
        "dashscope",
        req("qwen3-max", stream=True, enable_thinking=True, tools=TOOLS, tool_choice="required"),
        [("quirks.qwen-thinking-forced-tool-choice", E, "tool_choice")],
    ),
    ("qwen3-coder-plus-ok", "dashscope", req("qwen3-coder-plus", tools=TOOLS, tool_choice="required"), []),
    # Self-hosted Qwen3: the switch belongs in chat_template_kwargs.
    (
        "vllm-top-level-enable-thinking",
        "vllm",
        req("Qwen/Qwen3-8B", enable_thinking=False),
        [("quirks.enable-thinking-top-level", W, "enable_thinking")],
    ),
    (
        "llamacpp-enable-thinking-string",
        "llama.cpp",
        req("qwen3", chat_template_kwargs={"enable_thinking": "false"}),
        [("quirks.llamacpp-enable-thinking-type", E, "chat_template_kwargs.enable_thinking")],
    ),
    # --- DeepSeek thinking mode (§5.3) ---
    (
        "deepseek-reasoner-missing-reasoning-content",
        "deepseek",
        {"model": "deepseek-reasoner", "messages": history(), "tools": TOOLS},
        [("quirks.deepseek-reasoning-content-missing", E, "messages[1].reasoning_content")],
    ),
    (
        "deepseek-chat-thinking-enabled",
        "deepseek",
        {"model": "deepseek-chat", "messages": history(), "thinking": {"type": "enabled"}},
        [("quirks.deepseek-reasoning-content-missing", E, "messages[1].reasoning_content")],
    ),
    (
        "deepseek-reasoner-with-reasoning-content-ok",
        "deepseek",
        {"model": "deepseek-reasoner", "messages": history(reasoning_content="")},
        [],
    ),
    ("deepseek-chat-no-thinking-ok", "deepseek", {"model": "deepseek-chat", "messages": history()}, []),
    # V4 thinks unless disabled (https://github.com/JohnnyZ93/oai-compatible-copilot/issues/202).
    (
        "deepseek-v4-default-thinking-missing",
        "deepseek",
        {"model": "deepseek-v4-flash", "messages": history(), "tools": TOOLS},
        [("quirks.deepseek-reasoning-content-missing", E, "messages[1].reasoning_content")],
    ),
    (
        "deepseek-v4-with-reasoning-content-ok",
        "deepseek",
        {"model": "deepseek-v4-pro", "messages": history(reasoning_content="Look it up."), "tools": TOOLS},
        [],
    ),
    (
        # A model name toolguard does not know is judged by DeepSeek's default (thinking on): the
        # replay is rejected unless thinking is turned off (continuedev/continue#9913 names no model).
        "deepseek-unknown-model-thinks-by-default",
        "deepseek",
        {"model": "deepseek-x1", "messages": history(), "tools": TOOLS},
        [("quirks.deepseek-reasoning-content-missing", E, "messages[1].reasoning_content")],
    ),
    (
        "deepseek-unknown-model-thinking-disabled-ok",
        "deepseek",
        {"model": "deepseek-x1", "messages": history(), "thinking": {"type": "disabled"}},
        [],
    ),
    (
        "deepseek-v4-thinking-disabled-ok",
        "deepseek",
        {"model": "deepseek-v4-flash", "messages": history(), "thinking": {"type": "disabled"}},
        [],
    ),
    # NIM serving a Mistral model applies mistral_common's id rule (pi#3975); its other models do not.
    (
        "nvidia-mistral-long-call-id",
        "nvidia",
        {"model": "mistralai/mistral-small-4-119b-2603", "messages": history("ns.bash:0")},
        [
            ("quirks.mistral-tool-call-id", E, "messages[1].tool_calls[0].id"),
            ("quirks.mistral-tool-call-id", E, "messages[2].tool_call_id"),
        ],
    ),
    ("nvidia-glm-long-call-id-ok", "nvidia", {"model": "z-ai/glm4.7", "messages": history("ns.bash:0")}, []),
    # DeepSeek thinking mode refuses a forced tool_choice (DeepSeek-V3#1376, eliza#18378).
    (
        "deepseek-v4-required",
        "deepseek",
        req("deepseek-v4-flash", tools=TOOLS, tool_choice="required"),
        [("quirks.deepseek-thinking-forced-tool-choice", E, "tool_choice")],
    ),
    (
        "deepseek-v4-named",
        "deepseek",
        req(
            "deepseek-v4-pro",
            tools=TOOLS,
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
        ),
        [("quirks.deepseek-thinking-forced-tool-choice", E, "tool_choice")],
    ),
    ("deepseek-chat-required-ok", "deepseek", req("deepseek-chat", tools=TOOLS, tool_choice="required"), []),
    (
        "deepseek-v4-required-thinking-disabled-ok",
        "deepseek",
        req("deepseek-v4-flash", tools=TOOLS, tool_choice="required", thinking={"type": "disabled"}),
        [],
    ),
    (
        "deepseek-v4-required-effort-none-ok",
        "deepseek",
        req("deepseek-v4-flash", tools=TOOLS, tool_choice="required", reasoning_effort="none"),
        [],
    ),
    ("deepseek-v4-auto-ok", "deepseek", req("deepseek-v4-flash", tools=TOOLS, tool_choice="auto"), []),
    # Qwen 3.5+ plus/flash think by default (Model Studio docs via dify-official-plugins#2628): a forced
    # tool_choice is refused in thinking mode; they are not held to Qwen3's streaming-only rule.
    (
        "qwen36-plus-required-thinking-default",
        "dashscope",
        req("qwen3.6-plus", tools=TOOLS, tool_choice="required", stream=True),
        [("quirks.qwen-thinking-forced-tool-choice", E, "tool_choice")],
    ),
    ("qwen35-plus-non-stream-ok", "dashscope", req("qwen3.5-plus"), []),
    (
        "qwen35-flash-required-thinking-off-ok",
        "dashscope",
        req("qwen3.5-flash", tools=TOOLS, tool_choice="required", enable_thinking=False),
        [],
    ),
    # --- Moonshot (§5.5) ---
    # Kimi with thinking on refuses a forced tool_choice before K3 (AstrBot#7805, oh-my-pi#1077,
    # inspect_ai#5152), and both thinking switches at once (nanobot#3939).
    (
        "kimi-k26-required-thinking-default",
        "moonshot",
        req("kimi-k2.6", tools=TOOLS, tool_choice="required"),
        [("quirks.kimi-thinking-forced-tool-choice", E, "tool_choice")],
    ),
    (
        "kimi-k26-named-thinking-default",
        "moonshot",
        req("kimi-k2.6", tools=TOOLS, tool_choice={"type": "function", "function": {"name": "get_weather"}}),
        [("quirks.kimi-thinking-forced-tool-choice", E, "tool_choice")],
    ),
    (
        "kimi-k26-required-thinking-disabled-ok",
        "moonshot",
        req("kimi-k2.6", tools=TOOLS, tool_choice="required", thinking={"type": "disabled"}),
        [],
    ),
    ("kimi-k3-required-ok", "moonshot", req("kimi-k3", tools=TOOLS, tool_choice="required"), []),
    ("kimi-k26-auto-ok", "moonshot", req("kimi-k2.6", tools=TOOLS, tool_choice="auto"), []),
    (
        "kimi-thinking-and-effort",
        "moonshot",
        req("kimi-k2.6", thinking={"type": "enabled"}, reasoning_effort="medium"),
        [("quirks.kimi-thinking-with-reasoning-effort", E, "reasoning_effort")],
    ),
    ("kimi-effort-only-ok", "moonshot", req("kimi-k2.6", reasoning_effort="medium"), []),
    (
        "kimi-thinking-missing",
        "moonshot",
        {"model": "kimi-k2-thinking", "messages": history()},
        [("quirks.moonshot-reasoning-content-missing", E, "messages[1].reasoning_content")],
    ),
    ("kimi-k2-instruct-ok", "moonshot", {"model": "kimi-k2-0905-preview", "messages": history()}, []),
    # Kimi Code's models always think, and thinking cannot be turned off (Kilo-Org/kilocode#10986: reasoning
    # effort none still drew "thinking is enabled but reasoning_content is missing ..."; jcode#322).
    (
        "kimi-for-coding-thinking-missing",
        "moonshot",
        {"model": "kimi-for-coding", "messages": history()},
        [("quirks.moonshot-reasoning-content-missing", E, "messages[1].reasoning_content")],
    ),
    (
        "kimi-for-coding-thinking-disabled-still-missing",
        "moonshot",
        {"model": "kimi-for-coding", "messages": history(), "thinking": {"type": "disabled"}},
        # ... and the switch itself is refused (can1357/oh-my-pi#3853: "invalid thinking: only type=enabled").
        [
            ("quirks.thinking-cannot-be-disabled", E, "thinking.type"),
            ("quirks.moonshot-reasoning-content-missing", E, "messages[1].reasoning_content"),
        ],
    ),
    (
        "kimi-for-coding-reasoning-content-ok",
        "moonshot",
        {
            "model": "kimi-for-coding",
            "messages": [
                m if m.get("role") != "assistant" else {**m, "reasoning_content": ""} for m in history()
            ],
        },
        [],
    ),
    # No refusal of a forced tool_choice is known for Kimi Code's models: not flagged.
    (
        "kimi-for-coding-required-ok",
        "moonshot",
        req("kimi-for-coding", tools=TOOLS, tool_choice="required"),
        [],
    ),
    # --- Mistral tool-call ids (§6.2) ---
    (
        "mistral-openai-style-id",
        "mistral",
        {"model": "mistral-large-latest", "messages": history("call_0fypS1hVX")},
        [
            ("quirks.mistral-tool-call-id", E, "messages[1].tool_calls[0].id"),
            ("quirks.mistral-tool-call-id", E, "messages[2].tool_call_id"),
        ],
    ),
    (
        "mistral-9-char-id-ok",
        "mistral",
        {"model": "mistral-large-latest", "messages": history("D681PevKs")},
        [],
    ),
    (
        "vllm-mistral-model-warns",
        "vllm",
        {"model": "mistralai/Mistral-Small-3.1-24B-Instruct-2503", "messages": history("call_0fypS1hVX")},
        [
            ("quirks.mistral-tool-call-id", W, "messages[1].tool_calls[0].id"),
            ("quirks.mistral-tool-call-id", W, "messages[2].tool_call_id"),
        ],
    ),
    ("openai-long-id-ok", "openai", {"model": "gpt-4o", "messages": history("call_0fypS1hVX")}, []),
    # --- Gemini (§5.4) ---
    (
        "gemini-both-reasoning-settings",
        "gemini",
        req(
            "gemini-2.5-flash",
            reasoning_effort="low",
            extra_body={"google": {"thinking_config": {"thinking_budget": 512}}},
        ),
        [("quirks.gemini-thinking-config-conflict", E, "reasoning_effort")],
    ),
    ("gemini-effort-only-ok", "gemini", req("gemini-2.5-flash", reasoning_effort="low"), []),
    # Google: "Reasoning cannot be turned off for Gemini 2.5 Pro or 3 models"; the other 2.5 models take none.
    (
        "gemini-effort-none",
        "gemini",
        req("gemini-3-pro-preview", reasoning_effort="none"),
        [("quirks.gemini-reasoning-effort-none", E, "reasoning_effort")],
    ),
    ("gemini-2.5-flash-effort-none-ok", "gemini", req("gemini-2.5-flash", reasoning_effort="none"), []),
    # --- llama.cpp and vLLM (§4, §9) ---
    ("llamacpp-n-2", "llama.cpp", req("qwen3", n=2), [("quirks.llamacpp-single-choice", E, "n")]),
    (
        "llamacpp-logprobs-tools-stream",
        "llama.cpp",
        req("qwen3", tools=TOOLS, stream=True, logprobs=True),
        [("quirks.llamacpp-logprobs-tools-stream", E, "logprobs")],
    ),
    ("vllm-n-greedy", "vllm", req("m", n=2, temperature=0), [("quirks.vllm-n-greedy", E, "n")]),
    ("vllm-n-sampled-ok", "vllm", req("m", n=2, temperature=0.8), []),
    ("vllm-empty-stop", "vllm", req("m", stop=["", "###"]), [("quirks.vllm-empty-stop", E, "stop")]),
    (
        "vllm-prompt-logprobs-stream",
        "vllm",
        req("m", stream=True, prompt_logprobs=1),
        [("quirks.vllm-prompt-logprobs-stream", E, "prompt_logprobs")],
    ),
    ("openai-n-greedy-ok", "openai", req("gpt-4o", n=2, temperature=0), []),
    # --- Ollama library models without tools (picobot#6, pydantic-ai#703, ollama#5793) ---
    (
        "ollama-gemma3-tools",
        "ollama",
        req("gemma3:4b", tools=TOOLS),
        [("quirks.ollama-model-no-tools", E, "tools")],
    ),
    (
        "ollama-llama3-tools",
        "ollama",
        req("llama3", tools=TOOLS),
        [("quirks.ollama-model-no-tools", E, "tools")],
    ),
    (
        "ollama-registry-path-tools",
        "ollama",
        req("registry.ollama.ai/library/llama3:8b", tools=TOOLS),
        [("quirks.ollama-model-no-tools", E, "tools")],
    ),
    ("ollama-llama3.1-tools-ok", "ollama", req("llama3.1:8b", tools=TOOLS), []),
    ("ollama-llama3-groq-tool-use-ok", "ollama", req("llama3-groq-tool-use", tools=TOOLS), []),
    ("ollama-gemma3-no-tools-ok", "ollama", req("gemma3:4b"), []),
    ("ollama-gemma3-empty-tools-ok", "ollama", req("gemma3:4b", tools=[]), []),
    ("vllm-llama3-tools-ok", "vllm", req("llama3", tools=TOOLS), []),
]


@pytest.mark.parametrize(("provider", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_quirks(provider: str, body: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert findings(provider, body, "quirks.") == expected


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        (
            "quirks.qwen-thinking-non-stream",
            "parameter.enable_thinking must be set to false for non-streaming calls",
        ),
        (
            "quirks.qwen-thinking-json-mode",
            "Json mode response is not supported when enable_thinking is true",
        ),
        (
            "quirks.qwen-thinking-forced-tool-choice",
            "The tool_choice parameter does not support being set to required or object in thinking mode",
        ),
        (
            "quirks.deepseek-reasoning-content-missing",
            "Missing `reasoning_content` field in the assistant message",
        ),
        (
            "quirks.moonshot-reasoning-content-missing",
            "thinking is enabled but reasoning_content is missing in assistant tool call message",
        ),
        ("quirks.mistral-tool-call-id", "but must be a-z, A-Z, 0-9, with a length of 9."),
        (
            "quirks.gemini-thinking-config-conflict",
            "Expected one of either `reasoning_effort` or custom `thinking_config`; found both.",
        ),
        ("quirks.llamacpp-single-choice", "Only one completion choice is allowed"),
        ("quirks.vllm-n-greedy", "n must be 1 when using greedy sampling"),
        (
            "quirks.llamacpp-enable-thinking-type",
            'invalid type for "enable_thinking" (expected boolean, got string)',
        ),
    ],
)
def test_rules_predict_the_real_provider_text(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))


def test_qwen_message_says_why_and_how() -> None:
    import json

    from support.rule_cases import URLS

    from toolguard_core.analyze import analyse_request

    analysis = analyse_request(json.dumps(req("qwen3-32b")), URLS["dashscope"])
    [finding] = [f for f in analysis.findings if f.rule.startswith("quirks.")]
    assert finding.message == (
        "qwen3-32b thinks by default (open-source Qwen3), and DashScope allows thinking only in streaming "
        "calls; stream the request (stream: true) or send enable_thinking: false."
    )
