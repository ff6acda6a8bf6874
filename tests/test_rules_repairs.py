"""Client-side repair signatures: the exact texts the clients write, at the exact location."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.rules import RULES

URL = "https://api.openai.com/v1/chat/completions"
QWEN_CAPTURE = Path(__file__).parent / "data" / "requests" / "qwen-code-0.24.4.json"

# Verbatim texts as the clients write them (sources in toolguard_core/rules/repairs.py).
QWEN_UNRECORDED = (
    "Tool execution result was not recorded — likely interrupted by network failure, abort, or process "
    "exit. Treat as failure and retry if needed."
)
QWEN_DUPLICATE = (
    'Duplicate provider tool call id "run_shell_command:0" was already handled. The duplicate tool call '
    "was ignored and not executed again. If you intended to run this tool again, re-issue the call with a "
    "new unique tool-call id (or explicitly different arguments)."
)
QWEN_CANCELLED_OLD = "[Operation Cancelled] Reason: User cancelled tool execution."
QWEN_CANCELLED_NEW = (
    "User intentionally cancelled this tool call. Stop and await further instructions; do not retry or "
    "work around it."
)
LITELLM_DUMMY = (
    "[System: Tool execution skipped/interrupted by user. No result provided for tool 'get_weather'.]"
)
LITELLM_EMPTY = "[System: Empty message content sanitised to satisfy protocol]"
CLAUDE_CODE = "[Request interrupted by user for tool use]"


def call(call_id: str, name: str = "run_shell_command") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": '{"command":"ls"}'}}


def qwen_turn(call_id: str, text: str) -> list[dict[str, Any]]:
    """The shape qwen-code 0.24.4 sends: array tool content with one text part."""
    return [
        {"role": "system", "content": "You are Qwen Code"},
        {"role": "user", "content": [{"type": "text", "text": "List the files"}]},
        {"role": "assistant", "content": None, "tool_calls": [call(call_id)]},
        {"role": "tool", "tool_call_id": call_id, "content": [{"type": "text", "text": text}]},
    ]


def string_turn(call_id: str, text: str) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "Weather in Boston?"},
        {"role": "assistant", "content": None, "tool_calls": [call(call_id, "get_weather")]},
        {"role": "tool", "tool_call_id": call_id, "content": text},
    ]


def findings(messages: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    body = {"model": "gpt-4o", "messages": messages}
    analysis = analyse_request(json.dumps(body), URL)
    return [(f.rule, f.severity.value, f.location) for f in analysis.findings]


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        pytest.param(
            qwen_turn("call_1", QWEN_UNRECORDED),
            [("repairs.qwen-code-unrecorded-tool-result", "warning", "messages[3].content[0].text")],
            id="qwen-unrecorded",
        ),
        pytest.param(
            qwen_turn("run_shell_command:0__qwen_dup_2", QWEN_DUPLICATE),
            [
                ("repairs.qwen-code-renamed-tool-call-id", "warning", "messages[2].tool_calls[0].id"),
                ("repairs.qwen-code-duplicate-id-result", "warning", "messages[3].content[0].text"),
            ],
            id="qwen-duplicate-id",
        ),
        pytest.param(
            qwen_turn("run_shell_command:0__qwen_dup_12", "Command: ls\nOutput: a.txt"),
            [("repairs.qwen-code-renamed-tool-call-id", "warning", "messages[2].tool_calls[0].id")],
            id="qwen-renamed-id-real-result",
        ),
        pytest.param(
            string_turn("call_1", QWEN_CANCELLED_OLD),
            [("repairs.qwen-code-cancelled-tool-result", "warning", "messages[2].content")],
            id="qwen-cancelled-0.5",
        ),
        pytest.param(
            qwen_turn("call_1", QWEN_CANCELLED_NEW),
            [("repairs.qwen-code-cancelled-tool-result", "warning", "messages[3].content[0].text")],
            id="qwen-cancelled-new",
        ),
        pytest.param(
            string_turn("call_abc123", LITELLM_DUMMY),
            [("repairs.litellm-placeholder-tool-result", "warning", "messages[2].content")],
            id="litellm-dummy-result",
        ),
        pytest.param(
            [{"role": "user", "content": "hi"}, {"role": "assistant", "content": LITELLM_EMPTY}],
            [("repairs.litellm-empty-content-placeholder", "warning", "messages[1].content")],
            id="litellm-empty-content",
        ),
        pytest.param(
            [*string_turn("call_1", "sunny"), {"role": "user", "content": CLAUDE_CODE}],
            [("repairs.claude-code-interrupted-tool-use", "warning", "messages[3].content")],
            id="claude-code-interrupt-user",
        ),
        pytest.param(
            # A repair text in the second of two parallel results: the location is that message.
            [
                {"role": "user", "content": "two"},
                {"role": "assistant", "content": None, "tool_calls": [call("a"), call("b")]},
                {"role": "tool", "tool_call_id": "a", "content": "ok"},
                {"role": "tool", "tool_call_id": "b", "content": [{"type": "text", "text": QWEN_UNRECORDED}]},
            ],
            [("repairs.qwen-code-unrecorded-tool-result", "warning", "messages[3].content[0].text")],
            id="parallel-second",
        ),
    ],
)
def test_repair_signatures(messages: list[dict[str, Any]], expected: list[tuple[str, str, str]]) -> None:
    assert findings(messages) == expected


@pytest.mark.parametrize(
    "messages",
    [
        pytest.param(
            qwen_turn("call_1", "Command: ls\nDirectory: (root)\nOutput: hello.txt"), id="real-result"
        ),
        # Tool-result signatures only count in tool messages: a user quoting one is not a repair.
        pytest.param(
            [{"role": "user", "content": f"Why does my log say: {QWEN_UNRECORDED}"}], id="user-quotes"
        ),
        pytest.param([{"role": "user", "content": LITELLM_DUMMY}], id="user-quotes-litellm"),
        # `__qwen_dup_` only as qwen-code writes it: a suffix with a number.
        pytest.param(qwen_turn("call__qwen_dup_x", "ok"), id="not-a-dup-suffix"),
    ],
)
def test_no_repair_finding(messages: list[dict[str, Any]]) -> None:
    assert [f for f in findings(messages) if f[0].startswith("repairs.")] == []


def test_message_names_the_call_and_quotes_the_text() -> None:
    body = {"model": "gpt-4o", "messages": qwen_turn("call_7", QWEN_UNRECORDED)}
    [finding] = analyse_request(json.dumps(body), URL).findings
    assert "the tool result for call_7" in finding.message
    assert '"Tool execution result was not recorded' in finding.message


@pytest.mark.parametrize("rule_id", sorted(r for r in RULES if r.startswith("repairs.")))
def test_rule_example_triggers_its_rule(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.severity == "warning"
    assert rule.example is not None
    analysis = analyse_request(json.dumps(rule.example), rule.example_url)
    assert rule_id in {f.rule for f in analysis.findings}


@pytest.mark.skipif(not QWEN_CAPTURE.exists(), reason="capture not present")
def test_real_qwen_code_request_has_no_repair_finding() -> None:
    capture = json.loads(QWEN_CAPTURE.read_text())
    analysis = analyse_request(json.dumps(capture["body"]), URL)
    assert [f for f in analysis.findings if f.rule.startswith("repairs.")] == []
