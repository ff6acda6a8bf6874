"""End to end for Anthropic's Messages API: the real ``anthropic`` SDK (and Claude Code's real request
bytes) through a real ``mitmdump -s addon/toolguard.py`` (reverse mode) to a loopback upstream that
answers like ``POST /v1/messages``, then the real SQLite file is read.

The upstream (support.scripted.Conversation, Messages API) answers a tool_use left without its
tool_result with Anthropic's real 400 (anthropics/claude-code#5989's text, the request_id envelope),
a tool_use or a text otherwise, streamed as Anthropic streams when asked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import clis, proxy_stats
from support.scripted import ANTHROPIC_UNANSWERED, Conversation, ToolCall, anthropic_error

from toolguard_analysis.patterns import explain

anthropic = pytest.importorskip("anthropic")
httpx = pytest.importorskip("httpx")

pytestmark = pytest.mark.e2e

MODEL = "claude-sonnet-4-6"
CALL_ID = "toolu_01AbmHJypDhKqBF7NKdRPJ6d"  # the id of anthropics/claude-code#5060
USER = {"role": "user", "content": "What is the weather in Paris? Use the tool."}
CALL = {
    "role": "assistant",
    "content": [
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": CALL_ID, "name": "get_weather", "input": {"city": "Paris"}},
    ],
}
RESULT = {
    "role": "user",
    "content": [{"type": "tool_result", "tool_use_id": CALL_ID, "content": "18C, sunny"}],
}
TOOLS = [
    {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
CAPTURES = Path(__file__).resolve().parent.parent / "data" / "requests"
API_KEY = "sk-ant-api03-" + "toolguardE2E" * 7


def client_for(proxy: Any) -> Any:
    # max_retries=0: each call reaches the upstream once; a stuck proxy fails instead of hanging.
    return anthropic.Anthropic(base_url=proxy.url, api_key=API_KEY, max_retries=0, timeout=15.0)


def test_broken_pairing_is_stored_with_anthropics_answer_and_clean_turns_are_not(upstream, mitmdump_reverse):
    Conversation("messages", ToolCall("get_weather", {"city": "Paris"}), final_text="Done.").install(upstream)
    proxy = mitmdump_reverse()
    client = client_for(proxy)

    # The user interrupted the tool run and the client replayed the tool_use without its result.
    broken = [USER, CALL, {"role": "user", "content": "Never mind, just guess."}]
    with pytest.raises(anthropic.BadRequestError) as raised:
        client.messages.create(model=MODEL, max_tokens=256, tools=TOOLS, messages=broken)
    expected_body = anthropic_error(
        "invalid_request_error", ANTHROPIC_UNANSWERED.format(index=1, ids=CALL_ID)
    )
    assert (raised.value.status_code, raised.value.body) == (400, expected_body)

    # The complete round passes, plain and streamed (the stream ends with message_stop).
    reply = client.messages.create(model=MODEL, max_tokens=256, tools=TOOLS, messages=[USER, CALL, RESULT])
    assert reply.content[0].text == "Done."
    with client.messages.stream(
        model=MODEL, max_tokens=256, tools=TOOLS, messages=[USER, CALL, RESULT]
    ) as stream:
        final = stream.get_final_message()
    assert (final.stop_reason, final.content[0].text) == ("end_turn", "Done.")

    output = proxy.stop()
    assert proxy.returncode == 0, output
    # Nothing was changed on the way: the upstream got the bodies the SDK built.
    assert [json.loads(r.body)["messages"] for r in upstream.received("/v1/messages")] == [
        broken,
        [USER, CALL, RESULT],
        [USER, CALL, RESULT],
    ]

    (row,) = proxy.flows()
    columns = (
        "method", "path", "provider", "model", "stream", "status", "verdict", "error_source", "error_shape",
        "error_message", "error_type", "error_param", "error_code", "error_request_id", "finding_count",
        "error_finding_count", "internal_error", "flow_error",
    )  # fmt: skip
    assert {k: row[k] for k in columns} == {
        "method": "POST",
        "path": "/v1/messages",
        "provider": "generic",
        "model": MODEL,
        "stream": None,
        "status": 400,
        "verdict": "predicted",
        "error_source": "body",
        "error_shape": "anthropic",
        "error_message": expected_body["error"]["message"],
        "error_type": "invalid_request_error",
        "error_param": None,
        "error_code": None,
        "error_request_id": expected_body["request_id"],
        "finding_count": 1,
        "error_finding_count": 1,
        "internal_error": None,
        "flow_error": None,
    }
    # The whole body is stored (the evidence), and the answer with it.
    assert json.loads(row["request_json"])["messages"] == broken
    assert json.loads(row["response_body"]) == expected_body
    assert [(f["rule"], f["severity"], f["location"], f["message"]) for f in proxy.findings(row["id"])] == [
        (
            "anthropic.tool-use-without-result",
            "error",
            "messages[1].content[1].id",
            f"messages[1].content[1] calls {CALL_ID} but the next message, messages[2], has no tool_result for "
            "it. Send a user message right after it that starts with a tool_result block for each id "
            "(is_error: true if the tool did not run), or drop the tool_use.",
        )
    ]
    assert API_KEY.encode() not in proxy.db_files_bytes()


@pytest.mark.parametrize("capture", ["turn1", "turn2", "thinking-turn2"])
def test_real_claude_code_requests_store_nothing(upstream, mitmdump_reverse, capture):
    """Claude Code 2.1.332's own bytes (tests/data/requests), posted to /v1/messages?beta=true as it
    does: a role:"system" message, 12 tools, adaptive thinking, cache_control; the streamed answer
    ends with message_stop. No finding, no row."""
    request = json.loads(
        (CAPTURES / f"claude-code-2.1.332-messages-{capture}.json").read_text(encoding="utf-8")
    )
    Conversation("messages", ToolCall("Bash", {"command": "echo toolguard"}), thinking=True).install(upstream)
    proxy = mitmdump_reverse()
    headers = {
        k: v for k, v in request["headers"].items() if k not in ("host", "content-length", "connection")
    }
    headers["x-api-key"] = API_KEY
    body = json.dumps(request["body"]).encode()
    with httpx.Client(timeout=15.0) as http_client:
        response = http_client.post(f"{proxy.url}/v1/messages?beta=true", content=body, headers=headers)
        events = [line for line in response.text.splitlines() if line.startswith("event: ")]
    assert response.status_code == 200
    assert events[0] == "event: message_start" and events[-1] == "event: message_stop"
    output = proxy.stop()
    assert proxy.returncode == 0, output
    assert [(r.path, r.query, r.body) for r in upstream.received()] == [("/v1/messages", "beta=true", body)]
    assert proxy.flows() == []


def _claude_code_ready() -> None:
    """Skip only without node/npm; with them, a missing Claude Code is a setup error (bootstrap)."""
    if clis.node_missing() is not None:
        pytest.skip(f"{clis.node_missing()}: Claude Code cannot run")
    if clis.installed() is not None:
        pytest.fail(clis.installed())


def test_live_claude_code_with_thinking_through_the_proxy_stores_nothing(
    upstream, mitmdump_reverse, tmp_path
):
    """The real ``claude -p`` (pinned in tests/e2e/node) through a real mitmdump: the fake answers turn 1
    with a signed thinking block and a Bash tool_use, Claude Code runs it and replays both with the
    tool_result on turn 2. Every Messages request is validated; none has a finding; nothing is stored."""
    _claude_code_ready()
    conversation = Conversation(
        "messages", clis.CLAUDE_CODE.tool_call, final_text="The tool said hi.", thinking=True
    ).install(upstream)
    proxy = mitmdump_reverse()
    run = clis.claude_code(proxy.url, tmp_path)
    output = proxy.stop()
    assert run.returncode == 0, run.output[-3000:]
    assert "The tool said hi." in run.stdout
    assert conversation.turns == [(1, "messages"), (2, "messages")]
    turns = [json.loads(r.body) for r in upstream.received("/v1/messages") if json.loads(r.body).get("tools")]
    replayed = turns[1]["messages"][-2]["content"]
    assert [b["type"] for b in replayed][:2] == ["thinking", "tool_use"] and replayed[0]["signature"]
    assert proxy.returncode == 0, output
    # Validated, not bypassed: every Messages request went through the rules, none was flagged.
    stats = proxy_stats.stats(output)
    assert stats.get("validated") == len(upstream.received("/v1/messages")) >= 2, stats
    assert "flagged" not in stats and "internal_errors" not in stats, stats
    assert proxy.flows() == []


def test_live_claude_code_rejected_turn_is_stored_with_anthropics_error(upstream, mitmdump_reverse, tmp_path):
    """The fake answers Claude Code's (valid) second turn with Anthropic's pairing 400: each attempt is
    stored with the parsed error; toolguard found nothing wrong with the request, and the error text
    alone names the root cause (verdict recognised) and the rule that predicts it."""
    _claude_code_ready()
    Conversation("messages", clis.CLAUDE_CODE.tool_call, fail_turn=2).install(upstream)
    proxy = mitmdump_reverse()
    run = clis.claude_code(proxy.url, tmp_path)
    output = proxy.stop()
    assert run.returncode != 0 and "API Error: 400" in run.output, run.output[-3000:]
    assert proxy.returncode == 0, output
    rows = proxy.flows()
    assert rows
    for row in rows:
        assert {
            k: row[k] for k in ("path", "provider", "status", "verdict", "error_shape", "finding_count")
        } == {
            "path": "/v1/messages",
            "provider": "generic",
            "status": 400,
            # No rule flagged the (valid) request; Anthropic's sentence names a known root cause.
            "verdict": "recognised",
            "error_shape": "anthropic",
            "finding_count": 0,
        }
        assert row["cause_id"] == "cause.missing-tool-result"
        assert (
            "`tool_use` ids were found without `tool_result` blocks immediately after" in row["error_message"]
        )
        assert explain(row["error_message"]) == "anthropic.tool-use-without-result"
    assert clis.API_KEY.encode() not in proxy.db_files_bytes()
