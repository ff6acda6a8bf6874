"""Issue 9 round 8: provider facts found by mechanism, each from a source outside the round's probe.

- DeepSeek refuses more than 16 stop sequences ("Stop string array too long: 17"; its API reference
  says "Up to 16 sequences"): params.stop-count is an error there now, as on OpenAI.
- Azure OpenAI takes a json_schema response_format from api-version 2024-08-01-preview ("response_format
  value as json_schema is enabled only for api versions 2024-08-01-preview and later",
  dotnet/extensions#6130): params.azure-api-version-too-old reads values as well as fields.
- The ChatGPT Codex backend (chatgpt.com/backend-api/codex/responses) refuses max_output_tokens
  ('{"detail":"Unsupported parameter: max_output_tokens"}', geode#818, suna#5124, dario#1142).
- OpenAI refuses tool_choice without tools ("Invalid value for 'tool_choice': 'tool_choice' is only
  allowed when 'tools' are specified.", dapr-agents#248): tool_choice.without-tools is an error there.
- Gemini's OpenAI-compatible chat sends the system prompt apart, so a conversation that opens with an
  assistant tool call is a contents list starting with a function call turn, which Gemini refuses
  (lbjlaq/Antigravity-Manager#3396): gemini.function-call-turn-order on chat for Gemini models.
- OpenAI runs its hosted tools only above the minimal effort ("The following tools cannot be used with
  reasoning.effort 'minimal': web_search.", openai/codex#3559).

Every finding of every severity is asserted, so a new finding on either side fails the test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import Target

USER = {"role": "user", "content": "Say hi."}
DEEPSEEK = "https://api.deepseek.com/chat/completions"
GROQ = "https://api.groq.com/openai/v1/chat/completions"
AZURE_OLD = "https://example.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-03-01-preview"
AZURE_NEW = "https://example.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-08-01-preview"
AZURE_V1 = "https://example.openai.azure.com/openai/v1/chat/completions"
CODEX = "https://chatgpt.com/backend-api/codex/responses"
GEMINI_CHAT = "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
VERTEX_CHAT = "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi/chat/completions"
CALL = {
    "role": "assistant",
    "content": None,
    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}],
}
RESULT = {"role": "tool", "tool_call_id": "c1", "content": "sunny"}
WEATHER = [
    {
        "type": "function",
        "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
    }
]
SYSTEM = {"role": "system", "content": "You are an agent."}
PLATFORM = "https://api.openai.com/v1/responses"
SCHEMA = {
    "type": "json_schema",
    "json_schema": {"name": "title", "schema": {"type": "object", "properties": {"t": {"type": "string"}}}},
}


def findings(body: dict[str, Any], url: str) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors, analysis.internal_errors
    return [(f.rule, str(f.severity), f.location) for f in analysis.findings]


def chat(model: str, **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": [USER], **fields}


CASES: list[tuple[str, dict[str, Any], str, list[tuple[str, str, str]]]] = [
    (
        "deepseek 17 stop strings",
        chat("deepseek-chat", stop=[f"s{i}" for i in range(17)]),
        DEEPSEEK,
        [("params.stop-count", "error", "stop")],
    ),
    ("deepseek 16 stop strings", chat("deepseek-chat", stop=[f"s{i}" for i in range(16)]), DEEPSEEK, []),
    # Groq's limit (4) is read from its API reference only: still a warning.
    (
        "groq 5 stop strings",
        chat("llama-3.3-70b-versatile", stop=["a", "b", "c", "d", "e"]),
        GROQ,
        [("params.stop-count", "warning", "stop")],
    ),
    (
        "azure json_schema on 2024-03-01-preview",
        chat("gpt-4o", response_format=SCHEMA),
        AZURE_OLD,
        [("params.azure-api-version-too-old", "error", "response_format.type")],
    ),
    ("azure json_schema on 2024-08-01-preview", chat("gpt-4o", response_format=SCHEMA), AZURE_NEW, []),
    ("azure json_schema on the v1 path", chat("gpt-4o", response_format=SCHEMA), AZURE_V1, []),
    (
        "azure json_object on 2024-03-01-preview",
        chat(
            "gpt-4o", response_format={"type": "json_object"}, messages=[{"role": "user", "content": "JSON"}]
        ),
        AZURE_OLD,
        [],
    ),
    (
        "codex backend with max_output_tokens",
        {"model": "gpt-5.4-mini", "input": "你好，介绍一下你自己", "max_output_tokens": 512},
        CODEX,
        [("params.rejected-by-provider", "error", "max_output_tokens")],
    ),
    ("codex backend without a cap", {"model": "gpt-5.4-mini", "input": "hi"}, CODEX, []),
    # docs/accuracy.md, fifty-first pass: {"detail":"Unsupported parameter: metadata"} (CLIProxyAPI#5112, with/without reproduction) and
    # "... prompt_cache_retention" (CLIProxyAPI#897); prompt_cache_key, which Codex CLI itself sends, stays accepted.
    (
        "codex backend with metadata",
        {"model": "gpt-5.4", "input": "hi", "metadata": {"request": "abc"}},
        CODEX,
        [("params.rejected-by-provider", "error", "metadata")],
    ),
    (
        "codex backend with prompt_cache_retention",
        {"model": "gpt-5.1-codex-max", "input": "hi", "prompt_cache_retention": "24h"},
        CODEX,
        [("params.rejected-by-provider", "error", "prompt_cache_retention")],
    ),
    (
        "codex backend with prompt_cache_key",
        {"model": "gpt-5.4", "input": "hi", "prompt_cache_key": "s1"},
        CODEX,
        [],
    ),
    (
        "openai tool_choice without tools",
        chat("gpt-4o", tool_choice="auto"),
        "https://api.openai.com/v1/chat/completions",
        [("tool_choice.without-tools", "error", "tool_choice")],
    ),
    (
        "openai tool_choice none without tools",
        chat("gpt-4o", tool_choice="none"),
        "https://api.openai.com/v1/chat/completions",
        [],
    ),
    (
        "deepseek tool_choice without tools stays a warning",
        chat("deepseek-chat", tool_choice="auto"),
        DEEPSEEK,
        [("tool_choice.without-tools", "warning", "tool_choice")],
    ),
    (
        "web_search with minimal effort",
        {
            "model": "gpt-5",
            "input": "news?",
            "reasoning": {"effort": "minimal"},
            "tools": [{"type": "web_search"}],
        },
        PLATFORM,
        [("responses.hosted-tool-with-minimal-effort", "error", "reasoning.effort")],
    ),
    (
        "web_search with low effort",
        {
            "model": "gpt-5",
            "input": "news?",
            "reasoning": {"effort": "low"},
            "tools": [{"type": "web_search"}],
        },
        PLATFORM,
        [],
    ),
    (
        "function tool with minimal effort",
        {
            "model": "gpt-5",
            "input": "weather?",
            "reasoning": {"effort": "minimal"},
            "tools": [
                {
                    "type": "function",
                    "name": "get_weather",
                    "parameters": {"type": "object", "properties": {}},
                }
            ],
        },
        PLATFORM,
        [],
    ),
    (
        "gemini chat opening with a tool call",
        chat("gemini-2.5-flash", messages=[SYSTEM, CALL, RESULT], tools=WEATHER),
        GEMINI_CHAT,
        [("gemini.function-call-turn-order", "error", "messages[1]")],
    ),
    (
        "gemini chat with the user first",
        chat("gemini-2.5-flash", messages=[SYSTEM, USER, CALL, RESULT], tools=WEATHER),
        GEMINI_CHAT,
        [],
    ),
    (
        "vertex llama opening with a tool call is not judged",
        chat("meta/llama-3.3-70b-instruct-maas", messages=[SYSTEM, CALL, RESULT], tools=WEATHER),
        VERTEX_CHAT,
        [],
    ),
    (
        "openai chat opening with a tool call",
        chat("gpt-4o", messages=[SYSTEM, CALL, RESULT], tools=WEATHER),
        "https://api.openai.com/v1/chat/completions",
        [],
    ),
    (
        "platform Responses API takes max_output_tokens",
        {"model": "gpt-5.4-mini", "input": "hi", "max_output_tokens": 512},
        PLATFORM,
        [],
    ),
]


@pytest.mark.parametrize(
    ("request_body", "url", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_round8_provider_facts(
    request_body: dict[str, Any], url: str, expected: list[tuple[str, str, str]]
) -> None:
    assert findings(request_body, url) == expected


def test_chatgpt_com_is_the_codex_backend() -> None:
    assert Target.from_url(CODEX, DEFAULT_REGISTRY).provider.id == "chatgpt-codex"


def test_the_azure_finding_names_the_version_and_the_fix() -> None:
    analysis = analyse_request(json.dumps(chat("gpt-4o", response_format=SCHEMA)), AZURE_OLD)
    (finding,) = analysis.findings
    assert "2024-03-01-preview" in finding.message and "2024-08-01-preview" in finding.message
