"""End to end: real mitmdump + toolguard, the real openai SDK, a loopback upstream, a real SQLite file.

* a stream whose chunks the upstream sends 200 ms apart reaches the client chunk by chunk;
* an error event inside a 200 stream is stored with its parsed error (error_source = 'stream');
* every verdict value appears for the request/answer pair that should produce it.
"""

from __future__ import annotations

import json
import time

import openai
import pytest
from support.upstream import (
    Abort,
    Reply,
    StreamReply,
    completion,
    error_event_chunks,
    orphan_error,
    sse_event,
    stream_chunks,
)

pytestmark = pytest.mark.e2e

USER = {"role": "user", "content": "What is 3 * 12?"}
# The seed's lone ToolMessage (LangChain INVALID_TOOL_RESULTS): toolguard reports an error finding.
ORPHAN = [USER, {"role": "tool", "tool_call_id": "call_Fo6YPd3EALEdfPLMbfr4BTKf", "content": "36"}]
VALID = [USER]
# A complete tool round whose arguments are two JSON objects glued together (a bad stream merge):
# a warning-severity finding only (shape.invalid-tool-arguments).
WARNING_ONLY = [
    USER,
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "multiply", "arguments": '{"a": 3}{"b": 12}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "36"},
]
# OpenRouter relaying OpenAI's rejection: https://github.com/reVrost/go-openrouter/pull/21
OPENROUTER_400 = {
    "error": {
        "message": "Provider returned error",
        "code": 400,
        "metadata": {
            "raw": '{\n  "error": {\n    "message": "Response input messages must contain the word \'json\' in some '
            'form to use \'text.format\' of type \'json_object\'.",\n    "type": "invalid_request_error",\n    '
            '"param": "input",\n    "code": null\n  }\n}',
            "provider_name": "OpenAI",
        },
    },
    "user_id": "org_2x...f5",
}


def test_stream_reaches_the_client_chunk_by_chunk(upstream, mitmdump_reverse, openai_client):
    chunks = stream_chunks(with_tool_call=False)
    upstream.handler = lambda request: StreamReply(chunks, delay=0.2)
    proxy = mitmdump_reverse()
    client = openai_client(proxy)

    arrivals = []
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=VALID, stream=True)
    for _event in stream:
        arrivals.append(time.monotonic())
    proxy.stop()

    sent = upstream.requests[0].sent
    assert len(sent) == len(chunks) >= 4
    # The first chunk reached the client before the upstream had even sent its last one: no buffering.
    assert arrivals[0] < sent[-1]
    # ...and the events were spread over the upstream's pauses, not delivered in one burst at the end.
    assert arrivals[-1] - arrivals[0] >= 0.1 * (len(arrivals) - 2)
    assert len(arrivals) == len(chunks) - 1  # every chunk but [DONE] is an event for the SDK
    assert proxy.flows() == []  # a clean stream without findings is not stored


def test_error_event_mid_stream_is_stored_parsed(upstream, mitmdump_reverse, openai_client):
    message = "The server had an error while processing your request."
    upstream.handler = lambda request: StreamReply(error_event_chunks(message), delay=0.05)
    proxy = mitmdump_reverse()
    client = openai_client(proxy)

    received = []
    with pytest.raises(openai.APIError) as raised:
        for event in client.chat.completions.create(model="gpt-4o-mini", messages=VALID, stream=True):
            received.append(event)
    assert message in str(raised.value)
    assert len(received) == 2  # the two good chunks arrived before the error
    output = proxy.stop()

    [row] = proxy.flows()
    # The console line says where the rejection was: "recognised: HTTP 200" alone read as an accepted
    # request (a new user's trial, session 15); show says "upstream answered 200 (an error event ...)".
    lines = [line.split("] ", 1)[-1] for line in output.splitlines() if "toolguard: recognised" in line]
    assert lines == [
        "toolguard: recognised: HTTP 200 (an error inside the answer, not an error status); cause.server-error: The provider "
        f"failed while processing the request.; flow {row['id']} (toolguard show --db {proxy.db_path} {row['id'][:8]})"
    ]
    assert {k: row[k] for k in ERROR_COLUMNS} == {
        "status": 200,
        "stream": 1,
        # No rule fired; OpenAI's "The server had an error" names a known cause (cause.server-error).
        "verdict": "recognised",
        "error_source": "stream",
        "error_shape": "openai",
        "error_message": message,
        "error_type": "server_error",
        "error_code": None,
        "error_param": None,
        "error_provider": None,
        "flow_error": None,
    }
    assert json.loads(row["error_json"]) == {
        "message": message,
        "type": "server_error",
        "param": None,
        "code": None,
        "request_id": None,
        "provider_name": None,
        "upstream": None,
        "shape": "openai",
    }
    assert row["response_body"].startswith("data: ")
    assert '"error":' in row["response_body"]


def test_every_verdict(upstream, mitmdump_reverse, openai_client):
    replies = {
        "predicted": Reply(400, orphan_error(1)),
        "recognised": Reply.json(400, OPENROUTER_400),
        # An empty 400 body names nothing (openai-node: "400 status code (no body)", qwen-code#373).
        "unexplained": Reply(400, b""),
        "false_alarm": Reply.json(200, completion()),
        "accepted": Reply.json(200, completion()),
        "no_answer": Abort(),
        "stream_predicted": StreamReply(
            [*stream_chunks(with_tool_call=False)[:1], sse_event(json.loads(orphan_error(1)))], delay=0.05
        ),
    }
    cases = [
        ("predicted", ORPHAN, False),
        ("recognised", VALID, False),
        ("unexplained", VALID, False),
        ("false_alarm", ORPHAN, False),
        ("accepted", WARNING_ONLY, False),
        ("no_answer", VALID, False),
        ("stream_predicted", ORPHAN, True),
    ]
    current: dict[str, str] = {}
    upstream.handler = lambda request: replies[current["case"]]
    proxy = mitmdump_reverse()
    client = openai_client(proxy)
    for case, messages, stream in cases:
        current["case"] = case
        try:
            result = client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=stream)
            if stream:
                list(result)
        except openai.APIError:
            pass  # the rejections; toolguard never changes them
    proxy.stop()

    rows = proxy.flows()
    assert [
        (r["verdict"], r["status"], r["error_source"], r["error_shape"], r["flow_error"] is not None)
        for r in rows
    ] == [
        ("predicted", 400, "body", "openai", False),
        ("recognised", 400, "body", "openrouter", False),
        ("unexplained", 400, "body", "empty", False),
        ("false_alarm", 200, None, None, False),
        ("accepted", 200, None, None, False),
        ("no_answer", None, None, None, True),
        ("predicted", 200, "stream", "openai", False),
    ]
    by_verdict = {r["verdict"]: r for r in rows[:6]}
    assert by_verdict["recognised"]["error_provider"] == "OpenAI"
    assert json.loads(by_verdict["recognised"]["error_json"])["upstream"]["param"] == "input"
    assert by_verdict["recognised"]["cause_id"] is not None
    assert by_verdict["unexplained"]["cause_id"] is None
    assert rows[6]["error_message"].startswith("Invalid parameter: messages with role 'tool'")
    assert [f["rule"] for f in proxy.findings(rows[4]["id"])] == ["shape.invalid-tool-arguments"]
    assert {r["error_finding_count"] > 0 for r in (rows[0], rows[3], rows[6])} == {True}


ERROR_COLUMNS = (
    "status",
    "stream",
    "verdict",
    "error_source",
    "error_shape",
    "error_message",
    "error_type",
    "error_code",
    "error_param",
    "error_provider",
    "flow_error",
)
