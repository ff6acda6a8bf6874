"""Provider rule families of issue 9 round 4, over real request shapes.

Each row is a request as a client sends it (the shapes of the threads each rule cites), the provider
it goes to, and every finding of the families involved as (rule, severity, location); rows the provider
accepts expect no finding. Each rule quotes the provider's real answer (``predicted_texts``).
"""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings, predicted_texts

from toolguard_core.providers import detect_provider

USER = {"role": "user", "content": "Summarise the report."}
AGAIN = {"role": "user", "content": "Go on."}
E = "error"
FAMILIES = (
    "messages.",
    "roles.no-user-message",
    "shape.empty-assistant",
    "tool_choice.",
    "params.rejected-by-provider",
    "params.unknown",
)
TOOL = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search.",
        "parameters": {"type": "object", "properties": {}},
    },
}
CALL = {"id": "abcDEF123", "type": "function", "function": {"name": "search", "arguments": "{}"}}


def req(model: str, *messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": list(messages) or [USER], **fields}


CASES = [
    # An empty assistant turn replayed from the history (solbrowse/extension#16: Mistral's "but not none").
    (
        "mistral-empty-assistant",
        "mistral",
        req("mistral-large-latest", USER, {"role": "assistant", "content": ""}, AGAIN),
        [("messages.assistant-empty-text", E, "messages[1].content")],
    ),
    # A null content is shape.empty-assistant-message's (every provider), said once.
    (
        "mistral-null-assistant",
        "mistral",
        req("mistral-large-latest", USER, {"role": "assistant", "content": None}, AGAIN),
        [("shape.empty-assistant-message", E, "messages[1]")],
    ),
    (
        "mistral-tool-call-turn",
        "mistral",
        req(
            "mistral-large-latest",
            USER,
            {"role": "assistant", "content": None, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": CALL["id"], "content": "found"},
            tools=[TOOL],
        ),
        [],
    ),
    (
        "openai-empty-assistant",
        "openai",
        req("gpt-4o", USER, {"role": "assistant", "content": ""}, AGAIN),
        [],
    ),
    # Groq refuses an explicit null tool_choice (obsidian-smart-connections#942) and a forced name that
    # the request does not declare (BerriAI/litellm#11001).
    (
        "groq-null-tool-choice",
        "groq",
        req("llama-3.1-70b-versatile", tools=[TOOL], tool_choice=None),
        [("tool_choice.invalid", E, "tool_choice")],
    ),
    (
        "groq-undeclared-forced-tool",
        "groq",
        req(
            "openai/gpt-oss-120b",
            tools=[TOOL],
            tool_choice={"type": "function", "function": {"name": "json_tool_call"}},
        ),
        [("tool_choice.unknown-function", E, "tool_choice.function.name")],
    ),
    (
        "groq-declared-forced-tool",
        "groq",
        req(
            "openai/gpt-oss-120b",
            tools=[TOOL],
            tool_choice={"type": "function", "function": {"name": "search"}},
        ),
        [],
    ),
    ("openai-null-tool-choice", "openai", req("gpt-4o", tools=[TOOL], tool_choice=None), []),
    # The Gemini API's OpenAI layer has no frequency_penalty (SkyrimNet-GamePlugin#77).
    (
        "gemini-frequency-penalty",
        "gemini",
        req("gemini-2.5-flash", frequency_penalty=0.2),
        [("params.rejected-by-provider", E, "frequency_penalty")],
    ),
    # GLM's API refuses a history without the user's turn (zhipuai-sdk-python-v4#14, opencode#2557).
    (
        "zhipu-no-user-message",
        "zhipu",
        req(
            "glm-4",
            {"role": "system", "content": "你是一个专业的工具调用助手"},
            {"role": "assistant", "content": "", "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": CALL["id"], "content": '{"success":true}'},
            tools=[TOOL],
        ),
        [("roles.no-user-message", E, "messages")],
    ),
    ("zhipu-with-user", "zhipu", req("glm-4", {"role": "system", "content": "Be brief."}, USER), []),
    ("openai-no-user-message", "openai", req("gpt-4o", {"role": "system", "content": "Say hi."}), []),
    ("gemini-plain", "gemini", req("gemini-2.5-flash", temperature=0.2), []),
    ("openai-frequency-penalty", "openai", req("gpt-4o", frequency_penalty=0.2), []),
]


@pytest.mark.parametrize(("name", "provider", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_round_four_families(name: str, provider: str, body: dict[str, Any], expected: list[Any]) -> None:
    assert findings(provider, body, *FAMILIES) == expected


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("messages.assistant-empty-text", "must have either content or tool_calls, but not none"),
        ("tool_choice.invalid", "Only allowed string values for 'tool_choice' are none, auto, and required"),
        ("tool_choice.unknown-function", "requested tool does not exist"),
        ("params.rejected-by-provider", 'Unknown name "frequency_penalty"'),
        ("roles.no-user-message", "messages 参数非法"),
    ],
)
def test_each_family_quotes_the_real_error(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))


@pytest.mark.parametrize("host", ["api.siliconflow.cn", "api.siliconflow.com"])
def test_siliconflow_is_recognised(host: str) -> None:
    profile = detect_provider(host, 443, "/v1/chat/completions")
    assert (profile.id, profile.multi_vendor) == ("siliconflow", True)
