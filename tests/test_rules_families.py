"""The provider rule families of issue 9 (deliverable 2) on the shapes around their examples: where
each rule must stay silent (another model, another provider, the accepted spelling) as much as where
it fires. Whole-row assertions over (rule, severity, location); the examples themselves and their
corrections are covered for every provider by tests/test_rule_policies.py."""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings

E, W = "error", "warning"
USER = {"role": "user", "content": "What is the weather in Paris?"}
CALL = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
SIGNED = {**CALL, "extra_content": {"google": {"thought_signature": "CsQBAY89"}}}
TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
}


def msgs(model: str, *messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": list(messages), **fields}


def image(url: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}


def assistant(content: Any = None, **fields: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content, **fields}


def result(call_id: str = "c1") -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": "sunny"}


CASES: list[tuple[str, str, dict[str, Any], tuple[str, ...], list[tuple[str, str, str]]]] = [
    # content.invalid-base64: what no base64 variant decodes, and nothing else.
    (
        "base64-undefined",
        "openai",
        msgs("gpt-4o", image("data:image/png;base64,undefined")),
        ("content.",),
        [("content.invalid-base64", E, "messages[0].content[0].image_url.url")],
    ),
    (
        "base64-doubled-prefix-ollama",
        "ollama",
        msgs("llava", image("data:image/png;base64,data:image/png;base64,iVBORw0K")),
        ("content.",),
        [("content.invalid-base64", E, "messages[0].content[0].image_url.url")],
    ),
    (
        "base64-url-safe-ok",
        "openai",
        msgs("gpt-4o", image("data:image/png;base64,ab-_cd==")),
        ("content.",),
        [],
    ),
    (
        "base64-wrapped-lines-ok",
        "openai",
        msgs("gpt-4o", image("data:image/png;base64,iVBO\nRw0K")),
        ("content.",),
        [],
    ),
    # content.array-not-supported: Groq system messages; DeepSeek tool messages (openclaude#774,
    # qwen-code#2318), whose user text parts it takes.
    (
        "deepseek-tool-array",
        "deepseek",
        msgs(
            "deepseek-chat",
            USER,
            assistant(tool_calls=[CALL]),
            {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "sunny"}]},
            tools=[TOOL],
        ),
        ("content.",),
        [("content.array-not-supported", E, "messages[2].content")],
    ),
    (
        "deepseek-user-text-parts-ok",
        "deepseek",
        msgs("deepseek-chat", {"role": "user", "content": [{"type": "text", "text": "Hi"}]}),
        ("content.",),
        [],
    ),
    (
        "openai-tool-array-ok",
        "openai",
        msgs(
            "gpt-4o",
            USER,
            assistant(tool_calls=[CALL]),
            {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "sunny"}]},
            tools=[TOOL],
        ),
        ("content.",),
        [],
    ),
    # Groq: system and assistant text parts were refused until its schema took them (groq-python 0.30.0,
    # July 2025): a warning, never an error (OpenHands#4643 for system, posit-dev/chatlas#25 for assistant).
    (
        "groq-system-parts-warn",
        "groq",
        msgs(
            "llama-3.3-70b-versatile",
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
            USER,
        ),
        ("content.",),
        [("content.array-not-supported", W, "messages[0].content")],
    ),
    (
        "groq-assistant-parts-warn",
        "groq",
        msgs(
            "llama-3.3-70b-versatile",
            USER,
            assistant([{"type": "text", "text": "Sunny."}]),
            {"role": "user", "content": "Thanks."},
        ),
        ("content.",),
        [("content.array-not-supported", W, "messages[1].content")],
    ),
    (
        "groq-tool-parts-ok",
        "groq",
        msgs(
            "llama-3.3-70b-versatile",
            USER,
            assistant(tool_calls=[CALL]),
            {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "sunny"}]},
            tools=[TOOL],
        ),
        ("content.",),
        [],
    ),
    (
        "groq-user-array-ok",
        "groq",
        msgs("llama-3.3-70b-versatile", {"role": "user", "content": [{"type": "text", "text": "Hi"}]}),
        ("content.",),
        [],
    ),
    # content.empty-text: only where empty text is refused.
    (
        "copilot-claude-empty-user",
        "copilot",
        msgs("claude-sonnet-4.5", {"role": "user", "content": ""}, USER),
        ("content.",),
        [("content.empty-text", E, "messages[0].content")],
    ),
    (
        "copilot-gpt-empty-user-ok",
        "copilot",
        msgs("gpt-4.1", {"role": "user", "content": ""}, USER),
        ("content.",),
        [],
    ),
    (
        "openrouter-claude-empty-prefill-ok",
        "openrouter",
        msgs("anthropic/claude-sonnet-4.5", USER, assistant("")),
        ("content.",),
        [],
    ),
    (
        "moonshot-empty-assistant",
        "moonshot",
        msgs("kimi-k2-0905-preview", USER, assistant(""), USER),
        ("content.",),
        [("content.empty-text", E, "messages[1].content")],
    ),
    (
        "moonshot-empty-user-ok",
        "moonshot",
        msgs("kimi-k2-0905-preview", {"role": "user", "content": ""}),
        ("content.",),
        [],
    ),
    (
        "zhipu-empty-text-part",
        "zhipu",
        msgs("glm-4.7", {"role": "user", "content": [{"type": "text", "text": ""}]}),
        ("content.",),
        [("content.empty-text", E, "messages[0].content[0].text")],
    ),
    # Gemini 3 thought signatures: the current turn only, Gemini 3 only.
    (
        "gemini3-unsigned-current-turn",
        "gemini",
        msgs("gemini-3-pro-preview", USER, assistant(tool_calls=[CALL]), result()),
        ("quirks.",),
        [("quirks.gemini-thought-signature-missing", E, "messages[1].tool_calls[0]")],
    ),
    (
        "gemini3-unsigned-earlier-turn-ok",
        "gemini",
        msgs("gemini-3-pro-preview", USER, assistant(tool_calls=[CALL]), result(), assistant("Sunny."), USER),
        ("quirks.",),
        [],
    ),
    (
        "gemini3-signed-ok",
        "gemini",
        msgs("gemini-3-flash", USER, assistant(tool_calls=[SIGNED]), result()),
        ("quirks.",),
        [],
    ),
    (
        "gemini25-unsigned-ok",
        "gemini",
        msgs("gemini-2.5-flash", USER, assistant(tool_calls=[CALL]), result()),
        ("quirks.",),
        [],
    ),
    # Through OpenRouter the signature rides in reasoning_details (Roo-Code#10307, LibreChat agents#37).
    (
        "openrouter-gemini3-without-reasoning-details",
        "openrouter",
        msgs("google/gemini-3-pro-preview", USER, assistant(tool_calls=[CALL]), result()),
        ("quirks.",),
        [("quirks.gemini-thought-signature-missing", E, "messages[1].reasoning_details")],
    ),
    (
        "openrouter-gemini3-reasoning-details-ok",
        "openrouter",
        msgs(
            "google/gemini-3-flash-preview",
            USER,
            assistant(
                tool_calls=[CALL],
                reasoning_details=[{"type": "reasoning.encrypted", "data": "CsQBAY89", "id": "c1"}],
            ),
            result(),
        ),
        ("quirks.",),
        [],
    ),
    (
        "openrouter-claude-without-reasoning-details-ok",
        "openrouter",
        msgs("anthropic/claude-sonnet-4.5", USER, assistant(tool_calls=[CALL]), result()),
        ("quirks.",),
        [],
    ),
    # Role ordering.
    (
        "perplexity-tool-turn-ok",
        "perplexity",
        msgs("sonar", USER, assistant(tool_calls=[CALL]), result(), assistant("Sunny.")),
        ("roles.",),
        [],
    ),
    (
        "perplexity-two-system-first-ok",
        "perplexity",
        msgs("sonar", {"role": "system", "content": "a"}, {"role": "system", "content": "b"}, USER),
        ("roles.",),
        [],
    ),
    (
        "deepseek-chat-double-user-ok",
        "deepseek",
        msgs("deepseek-chat", USER, USER),
        ("roles.",),
        [],
    ),
    (
        "deepseek-reasoner-double-user",
        "deepseek",
        msgs("deepseek-reasoner", USER, USER),
        ("roles.",),
        [("roles.alternation", E, "messages[1].role")],
    ),
    (
        "deepseek-reasoner-prefix-ok",
        "deepseek",
        msgs("deepseek-reasoner", USER, assistant("Sure", prefix=True)),
        ("roles.",),
        [],
    ),
    ("copilot-gpt-prefill-ok", "copilot", msgs("gpt-4.1", USER, assistant("Sure")), ("roles.",), []),
    (
        "copilot-claude-prefill",
        "copilot",
        msgs("claude-opus-4.7", USER, assistant("Sure")),
        ("roles.",),
        [("roles.assistant-last", E, "messages[1].role")],
    ),
    (
        "mistral-tool-then-assistant-ok",
        "mistral",
        msgs(
            "mistral-large-latest",
            USER,
            assistant(tool_calls=[{**CALL, "id": "a1B2c3D4e"}]),
            result("a1B2c3D4e"),
            assistant("Sunny."),
            USER,
        ),
        ("roles.",),
        [],
    ),
    (
        "cloudflare-system-late",
        "cloudflare",
        msgs("@cf/qwen/qwen2.5-coder-32b-instruct", USER, {"role": "system", "content": "Be brief."}),
        ("roles.",),
        [("roles.system-not-first", E, "messages[1].role")],
    ),
    (
        "cerebras-reasoning-replay-ok",
        "cerebras",
        msgs("gpt-oss-120b", USER, assistant("Hi", reasoning="thought"), USER),
        ("roles.",),
        [],
    ),
    # Kimi thinking mode.
    (
        "kimi-k25-default-thinking-replay",
        "moonshot",
        msgs("kimi-k2.5", USER, assistant(tool_calls=[CALL]), result()),
        ("quirks.",),
        [("quirks.moonshot-reasoning-content-missing", E, "messages[1].reasoning_content")],
    ),
    (
        "kimi-k26-thinking-temperature-once",
        "moonshot",
        msgs("kimi-k2.6", USER, temperature=0.6),
        ("quirks.", "params."),
        [("quirks.kimi-thinking-temperature", E, "temperature")],
    ),
    (
        "kimi-k25-thinking-disabled-temperature-ok",
        "moonshot",
        msgs("kimi-k2.5", USER, temperature=0.6, thinking={"type": "disabled"}),
        ("quirks.", "params."),
        [],
    ),
    # Groq JSON mode with tools; Cerebras forced tool_choice.
    (
        "groq-json-mode-without-tools-ok",
        "groq",
        msgs(
            "llama-3.3-70b-versatile",
            {"role": "user", "content": "json"},
            response_format={"type": "json_object"},
        ),
        ("response_format.",),
        [],
    ),
    (
        "cerebras-auto-ok",
        "cerebras",
        msgs("gpt-oss-120b", USER, tools=[TOOL], tool_choice="auto"),
        ("tool_choice.",),
        [],
    ),
    # LM Studio: no JSON mode, no forced-function object (declared like a user maps the host).
    (
        "lmstudio-json-object",
        "lmstudio",
        msgs("qwen3-8b", {"role": "user", "content": "json please"}, response_format={"type": "json_object"}),
        ("response_format.",),
        [("response_format.unknown-type", E, "response_format.type")],
    ),
    (
        "lmstudio-json-schema-ok",
        "lmstudio",
        msgs(
            "qwen3-8b",
            USER,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "a", "schema": {"type": "object"}},
            },
        ),
        ("response_format.",),
        [],
    ),
    # Router ids.
    ("openrouter-auto-ok", "openrouter", msgs("openrouter/auto", USER), ("model_id.",), []),
    ("openai-fine-tune-ok", "openai", msgs("ft:gpt-4o-mini:org::abc", USER), ("model_id.",), []),
    ("groq-vendor-id-ok", "groq", msgs("moonshotai/kimi-k2-instruct", USER), ("model_id.",), []),
    (
        "deepseek-router-id",
        "deepseek",
        msgs("deepseek/deepseek-chat", USER),
        ("model_id.",),
        # DeepSeek answers a router's id with 400 "Model Not Exist" (Mai-with-u/MaiBot#109).
        [("model_id.vendor-prefix", E, "model")],
    ),
]


@pytest.mark.parametrize(
    ("provider", "body", "prefixes", "expected"), [pytest.param(*case[1:], id=case[0]) for case in CASES]
)
def test_family_cases(
    provider: str, body: dict[str, Any], prefixes: tuple[str, ...], expected: list[tuple[str, str, str]]
) -> None:
    assert findings(provider, body, *prefixes) == expected
