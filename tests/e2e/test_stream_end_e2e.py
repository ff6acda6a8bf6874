"""A 200 stream the upstream closes cleanly before its end event, through real mitmdump (trial22).

Chain: the openai SDK (Chat Completions and Responses, streaming) and the anthropic SDK (Messages,
streaming) → mitmdump with toolguard in reverse mode → the loopback fake, which streams each API's real
events and ends the HTTP body early (no ``[DONE]`` or finish chunk, no ``response.completed``, no
``message_delta``/``message_stop``), as a crashed llama-server or vLLM worker or a gateway's timeout
does. The SDKs take the half answer without an error; mitmproxy sees no flow error. toolguard stores
each with its own flow error and says them at shutdown; a whole stream stays unstored in observe mode.
The detection's table over each server's stream tails is tests/test_stream_end.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.scripted import anthropic_events, anthropic_message, chat_chunks, response_events, typed_sse
from support.upstream import RecordedRequest, Reply, StreamReply

from toolguard_core.verdict import ENDED_EARLY_ERROR

pytestmark = pytest.mark.e2e

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")

CALL = {"id": "call_Q1", "type": "function", "function": {"name": "shell", "arguments": '{"cmd":"ls -la"}'}}
CHAT = chat_chunks("gpt-4o-mini", {"role": "assistant", "tool_calls": [CALL]}, "tool_calls")
ITEM = {
    "type": "function_call",
    "id": "fc_01",
    "call_id": "call_01",
    "name": "shell",
    "arguments": '{"cmd":"ls"}',
    "status": "completed",
}
RESPONSES = [typed_sse(e["type"], e) for e in response_events("resp_01", "gpt-5", ITEM)]
MESSAGE = anthropic_message(
    "msg_01",
    "claude-sonnet-4-5",
    [{"type": "tool_use", "id": "toolu_01", "name": "bash", "input": {}}],
    "tool_use",
)
MESSAGES = [typed_sse(e["type"], e) for e in anthropic_events(MESSAGE)]
USER = {"role": "user", "content": "List the files."}


def test_streams_cut_before_their_end_event_are_stored_and_said(
    upstream: Any, mitmdump_reverse: Any, openai_client: Any
) -> None:
    cut = {"on": True}

    def handle(request: RecordedRequest) -> Reply | StreamReply:
        path = request.path.split("?", 1)[0]
        chunks = {
            "/v1/chat/completions": CHAT,
            "/v1/responses": RESPONSES,
            "/v1/messages": MESSAGES,
        }.get(path)
        if chunks is None:
            return Reply.json(404, {"error": {"message": "no such path"}})
        # Cut: the tool call's arguments half sent (chat), before response.completed (Responses), after
        # the tool_use block but before message_delta and message_stop (Messages); the body ends cleanly.
        keep = {
            "/v1/chat/completions": 4,
            "/v1/responses": len(RESPONSES) - 1,
            "/v1/messages": len(MESSAGES) - 2,
        }
        return StreamReply(chunks=chunks[: keep[path]] if cut["on"] else chunks, delay=0.005)

    upstream.handler = handle
    proxy = mitmdump_reverse()
    client = openai_client(proxy)
    chat = list(client.chat.completions.create(model="gpt-4o-mini", messages=[USER], stream=True))
    # The SDK takes the half answer as it came: the tool call's arguments are cut, no finish_reason.
    assert [c.choices[0].finish_reason for c in chat] == [None, None, None, None]
    events = [e.type for e in client.responses.create(model="gpt-5", input="List the files.", stream=True)]
    assert "response.completed" not in events
    claude = anthropic.Anthropic(base_url=proxy.url, api_key="sk-ant-e2e", max_retries=0, timeout=15.0)
    kinds = [
        e.type
        for e in claude.messages.create(
            model="claude-sonnet-4-5", max_tokens=256, messages=[USER], stream=True
        )
    ]
    assert kinds[-1] == "content_block_stop"
    cut["on"] = False  # a whole chat stream: accepted, not stored
    whole = list(client.chat.completions.create(model="gpt-4o-mini", messages=[USER], stream=True))
    assert whole[-1].choices[0].finish_reason == "tool_calls"
    output = proxy.stop()
    assert proxy.returncode == 0, output

    rows = proxy.flows()
    assert sorted((r["path"], r["status"], r["verdict"], r["flow_error"]) for r in rows) == [
        ("/v1/chat/completions", 200, "accepted", ENDED_EARLY_ERROR),
        ("/v1/messages", 200, "accepted", ENDED_EARLY_ERROR),
        ("/v1/responses", 200, "accepted", ENDED_EARLY_ERROR),
    ]
    assert (
        "toolguard: this run: 4 requests reached the proxy: 4 validated, 0 with findings, 0 rejected by the "
        "upstream, 0 without an answer, 3 streams ended without their end event; 3 flows stored."
    ) in output
    stats_line = next(
        line for line in output.splitlines() if "toolguard: counters (toolguard.stats): " in line
    )
    stats = json.loads(stats_line.split("toolguard: counters (toolguard.stats): ", 1)[1])
    assert (stats["streams_ended_early"], stats.get("answers_broke_off", 0)) == (3, 0)
    cut_lines = [line for line in output.splitlines() if f"cut off ({ENDED_EARLY_ERROR})" in line]
    assert len(cut_lines) == 3
