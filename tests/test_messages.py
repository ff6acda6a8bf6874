"""Message-shape rules (rules/messages.py): exact findings, provider-dependent severity, real texts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import RequestView, Target
from toolguard_core.rules import RULES
from toolguard_core.rules.messages import check_messages_shape

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
OLLAMA_URL = "http://127.0.0.1:11434/v1/chat/completions"
VLLM_URL = "http://localhost:8000/v1/chat/completions"


def findings(body: dict[str, Any], url: str = OPENAI_URL) -> list[tuple[str, str, str]]:
    view = RequestView(body=body, target=Target.from_url(url, DEFAULT_REGISTRY))
    return [(f.rule, f.severity.value, f.location) for f in check_messages_shape(view)]


def only_message(body: dict[str, Any], url: str = OPENAI_URL) -> str:
    (finding,) = list(
        check_messages_shape(RequestView(body=body, target=Target.from_url(url, DEFAULT_REGISTRY)))
    )
    return finding.message


USER = {"role": "user", "content": "hi"}

# (name, body, exact findings)
CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, str]]]] = [
    ("valid", {"model": "gpt-4o", "messages": [{"role": "system", "content": "s"}, USER]}, []),
    (
        "content parts",
        {"model": "gpt-4o", "messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]},
        [],
    ),
    (
        "empty string content is present",
        {"model": "gpt-4o", "messages": [{"role": "user", "content": ""}]},
        [],
    ),
    (
        "assistant without content is sequence's business",
        {"model": "gpt-4o", "messages": [USER, {"role": "assistant"}]},
        [],
    ),
    ("messages missing", {"model": "gpt-4o"}, [("messages.missing", "error", "messages")]),
    (
        "messages an object",
        {"model": "gpt-4o", "messages": USER},
        [("messages.not-a-list", "error", "messages")],
    ),
    (
        "messages a string",
        {"model": "gpt-4o", "messages": "hi"},
        [("messages.not-a-list", "error", "messages")],
    ),
    ("messages null", {"model": "gpt-4o", "messages": None}, [("messages.not-a-list", "error", "messages")]),
    ("messages empty", {"model": "gpt-4o", "messages": []}, [("messages.empty", "error", "messages")]),
    (
        "a message that is a string",
        {"model": "gpt-4o", "messages": [USER, "hello", 3]},
        [
            ("messages.not-an-object", "error", "messages[1]"),
            ("messages.not-an-object", "error", "messages[2]"),
        ],
    ),
    (
        "role human",
        {"model": "gpt-4o", "messages": [{"role": "human", "content": "hi"}]},
        [("messages.unknown-role", "error", "messages[0].role")],
    ),
    (
        "role missing",
        {"model": "gpt-4o", "messages": [{"content": "hi"}]},
        [("messages.missing-role", "error", "messages[0].role")],
    ),
    (
        "role not a string",
        {"model": "gpt-4o", "messages": [{"role": 1, "content": "hi"}]},
        [("messages.missing-role", "error", "messages[0].role")],
    ),
    (
        "role in the wrong case",
        {"model": "gpt-4o", "messages": [{"role": "User", "content": "hi"}]},
        [("messages.unknown-role", "error", "messages[0].role")],
    ),
    (
        "user without content",
        {"model": "gpt-4o", "messages": [{"role": "user"}]},
        [("messages.missing-content", "error", "messages[0].content")],
    ),
    (
        "user with null content",
        {"model": "gpt-4o", "messages": [{"role": "user", "content": None}]},
        [("messages.missing-content", "error", "messages[0].content")],
    ),
    (
        "system without content",
        {"model": "gpt-4o", "messages": [{"role": "system"}, USER]},
        [("messages.missing-content", "error", "messages[0].content")],
    ),
    (
        "developer without content",
        {"model": "gpt-4o", "messages": [{"role": "developer"}, USER]},
        [("messages.missing-content", "error", "messages[0].content")],
    ),
    (
        "tool without content",
        {"model": "gpt-4o", "messages": [USER, {"role": "tool", "tool_call_id": "call_1"}]},
        [("messages.missing-content", "error", "messages[1].content")],
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_messages_findings(body: dict[str, Any], expected: list[tuple[str, str, str]]):
    assert findings(body) == expected


@pytest.mark.parametrize("url", [OLLAMA_URL, VLLM_URL])
def test_unknown_role_is_a_warning_where_the_chat_template_decides(url: str):
    body = {"model": "qwen3", "messages": [{"role": "human", "content": "hi"}]}
    assert findings(body, url) == [("messages.unknown-role", "warning", "messages[0].role")]
    assert "'human'" in only_message(body, url)


@pytest.mark.parametrize("url", [OLLAMA_URL, VLLM_URL])
def test_known_roles_pass_everywhere(url: str):
    body = {"model": "qwen3", "messages": [{"role": "system", "content": "s"}, USER]}
    assert findings(body, url) == []


def test_non_string_role_is_an_error_even_where_any_string_is_accepted():
    assert findings({"model": "m", "messages": [{"role": None, "content": "x"}]}, OLLAMA_URL) == [
        ("messages.missing-role", "error", "messages[0].role")
    ]


def test_messages_name_the_role_and_the_accepted_ones():
    message = only_message({"model": "gpt-4o", "messages": [{"role": "human", "content": "hi"}]})
    assert "'human'" in message
    for role in ("system", "user", "assistant", "tool", "developer"):
        assert role in message


def test_missing_content_names_the_role():
    assert "(user)" in only_message({"model": "gpt-4o", "messages": [{"role": "user"}]})


def test_shape_failures_stop_before_per_message_checks():
    """A request whose `messages` is unusable gets one finding, not a cascade from every rule."""
    analysis = analyse_request(
        json.dumps({"model": "gpt-4o", "messages": {"role": "user"}}).encode(), OPENAI_URL
    )
    assert [(f.rule, f.location) for f in analysis.findings] == [("messages.not-a-list", "messages")]


# Real provider texts the rules predict (grounded via GitHub issues quoting the 400 bodies).
@pytest.mark.parametrize(
    ("rule", "provider", "text"),
    [
        ("messages.missing", "openai", "Missing required parameter: 'messages'."),
        ("messages.empty", "ollama", "[] is too short - 'messages'"),
        ("messages.missing-content", "openai", "Invalid value for 'content': expected a string, got null."),
        (
            "messages.unknown-role",
            "azure",
            "Invalid value: 'developer'. Supported values are: 'system', 'assistant', 'user', 'function', and 'tool'.",
        ),
    ],
)
def test_rules_predict_real_provider_texts(rule: str, provider: str, text: str):
    assert (provider, text) in {(p.provider, p.text) for p in RULES[rule].predicts}
    for predicted in RULES[rule].predicts:
        assert predicted.source.startswith(("https://", "code [", "doc [")), predicted
