"""The native APIs' streams pass through a real ``mitmdump -s addon/toolguard.py`` as they come, with real
clients: Bedrock's ConverseStream (AWS's binary event stream, ``application/vnd.amazon.eventstream``) through
boto3, and Ollama's ``/api/chat`` (newline-delimited JSON, ``application/x-ndjson``) through the ``ollama``
package's ``chat(..., tools=..., stream=True)``.

The loopback upstream sends each stream chunk by chunk, far apart; the client must have its first event
before the upstream sends the last (mitmproxy buffers a whole body unless told to stream it: an agent on
these APIs would otherwise see nothing until the generation ends). A multi-turn Ollama tool conversation is
checked and flags nothing; the ``does not support tools`` 400 Ollama answers for a model without tool support
is stored, predicted by its rule and explained.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from support.eventstream import CONTENT_TYPE, event, frame
from support.proxy_stats import stats
from support.upstream import Handler, RecordedRequest, Reply, StreamReply

from toolguard_core.verdict import ENDED_EARLY_ERROR

boto3 = pytest.importorskip("boto3")
botocore_config = pytest.importorskip("botocore.config")
botocore_exceptions = pytest.importorskip("botocore.exceptions")
ollama = pytest.importorskip("ollama")

pytestmark = pytest.mark.e2e

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
ACCESS_KEY = "AKIA" + "TOOLGUARDE2E0STREAM"
SECRET_KEY = "toolguard/e2e/secret/" + "0123456789abcdefABCDEF013"
# Far enough apart that a buffered body cannot look streamed, short enough for a lean test.
GAP = 0.4
# Ollama's answer for tools on a model whose template has none (providers.md; docs/native-apis.md).
NO_TOOLS = "registry.ollama.ai/library/gemma3:12b does not support tools"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def converse_stream() -> list[bytes]:
    """ConverseStream's events for a short text answer (AWS's ConverseStream reference)."""
    return [
        event("messageStart", {"role": "assistant"}),
        event("contentBlockDelta", {"delta": {"text": "Sunny, "}, "contentBlockIndex": 0}),
        event("contentBlockDelta", {"delta": {"text": "18C."}, "contentBlockIndex": 0}),
        event("contentBlockStop", {"contentBlockIndex": 0}),
        event("messageStop", {"stopReason": "end_turn"}),
        event(
            "metadata",
            {
                "usage": {"inputTokens": 12, "outputTokens": 5, "totalTokens": 17},
                "metrics": {"latencyMs": 42},
            },
        ),
    ]


# Bedrock's in-stream exception (ConverseStream reference, "Errors": throttlingException), sent after the stream
# started: the HTTP status is already 200.
THROTTLED = "Too many tokens, please wait before trying again."


def throttled_stream() -> list[bytes]:
    return [
        *converse_stream()[:2],
        frame(
            {
                ":message-type": "exception",
                ":exception-type": "throttlingException",
                ":content-type": "application/json",
            },
            json.dumps({"message": THROTTLED}).encode(),
        ),
    ]


def ndjson(*lines: dict[str, Any]) -> list[bytes]:
    return [json.dumps(line).encode() + b"\n" for line in lines]


def ollama_stream(model: str, body: dict[str, Any]) -> list[bytes]:
    """Ollama's stream: a tool call when the last message is the user's, else text, then the done line."""
    last = body["messages"][-1]
    stamp = "2026-12-01T03:00:00.000000Z"
    if last["role"] == "user":
        call = {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
        parts = [{"role": "assistant", "content": "", "tool_calls": [call]}]
    else:
        parts = [{"role": "assistant", "content": "Sunny, "}, {"role": "assistant", "content": "18C."}]
    return ndjson(
        *({"model": model, "created_at": stamp, "message": part, "done": False} for part in parts),
        {
            "model": model,
            "created_at": stamp,
            "message": {"role": "assistant", "content": ""},
            "done_reason": "stop",
            "done": True,
            "total_duration": 1_200_000_000,
            "eval_count": 5,
        },
    )


def native_streams() -> Handler:
    def handle(request: RecordedRequest) -> Reply | StreamReply:
        if request.path.endswith("/converse-stream"):
            throttle = "Throttle me." in request.body.decode()
            chunks = throttled_stream() if throttle else converse_stream()
            if "Cut me." in request.body.decode():  # a worker that stopped mid-answer: closed cleanly
                chunks = converse_stream()[:3]
            return StreamReply(
                chunks, delay=0.01 if throttle else GAP, headers={"content-type": CONTENT_TYPE}
            )
        if request.path == "/api/chat":
            body = request.json()
            if body.get("tools") and body["model"] == "gemma3:12b":
                return Reply.json(400, {"error": NO_TOOLS})
            return StreamReply(
                ollama_stream(body["model"], body),
                delay=GAP,
                headers={"content-type": "application/x-ndjson"},
            )
        return Reply.json(404, {"message": f"no route for {request.path}"})

    return handle


def test_bedrock_converse_stream_is_not_buffered(upstream, mitmdump_reverse, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.aws read
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    upstream.handler = native_streams()
    proxy = mitmdump_reverse()
    bedrock = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=proxy.url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=botocore_config.Config(retries={"max_attempts": 1}, read_timeout=15, connect_timeout=5),
    )
    answer = bedrock.converse_stream(
        modelId=MODEL,
        messages=[{"role": "user", "content": [{"text": "Weather in Paris?"}]}],
        inferenceConfig={"maxTokens": 256},
    )
    arrivals: list[tuple[float, str]] = []
    for item in answer["stream"]:
        arrivals.append((time.monotonic(), next(iter(item))))
    # An exception the stream carries after its 200 (boto3 raises it from the iterator) is found and stored.
    throttled = bedrock.converse_stream(
        modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Throttle me."}]}]
    )
    with pytest.raises(botocore_exceptions.EventStreamError) as raised:
        list(throttled["stream"])
    assert raised.value.response["Error"] == {"Code": "throttlingException", "Message": THROTTLED}
    # A stream the upstream closed cleanly before messageStop: boto3 ends the iteration without a word, and
    # the client has half an answer. toolguard stores it as a broken-off answer (session 24).
    cut = bedrock.converse_stream(
        modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Cut me."}]}]
    )
    assert [next(iter(item)) for item in cut["stream"]] == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
    ]
    output = proxy.stop()
    assert proxy.returncode == 0, output
    assert [name for _, name in arrivals] == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    first = upstream.received()[0]
    assert arrivals[0][0] < first.sent[-1], "the first event waited for the whole stream"
    counters = stats(output)
    assert (counters["validated"], counters.get("flagged", 0), counters["streams_ended_early"]) == (
        3,
        0,
        1,
    ), output
    rows = proxy.flows()  # the clean stream is not stored; the throttled one and the cut one are
    columns = ("model", "stream", "status", "verdict", "error_message", "flow_error", "internal_error")
    assert [{k: row[k] for k in columns} for row in rows] == [
        {
            "model": MODEL,
            "stream": 1,
            "status": 200,
            "verdict": "recognised",
            "error_message": THROTTLED,
            "flow_error": None,
            "internal_error": None,
        },
        {
            "model": MODEL,
            "stream": 1,
            "status": 200,
            "verdict": "accepted",
            "error_message": None,
            "flow_error": ENDED_EARLY_ERROR,
            "internal_error": None,
        },
    ]
    assert THROTTLED in rows[0]["response_body"]


def test_ollama_tool_conversation_streams_and_its_refusal_is_explained(upstream, mitmdump_reverse):
    upstream.handler = native_streams()
    proxy = mitmdump_reverse()
    client = ollama.Client(host=proxy.url, timeout=15)
    messages: list[Any] = [{"role": "user", "content": "Weather in Paris?"}]

    arrivals: list[float] = []
    calls = []
    for part in client.chat(model="qwen3:8b", messages=messages, tools=[WEATHER], stream=True):
        arrivals.append(time.monotonic())
        calls += part.message.tool_calls or []
    assert [(c.function.name, dict(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    messages += [
        {"role": "assistant", "content": "", "tool_calls": [c.model_dump() for c in calls]},
        {"role": "tool", "content": "18C, sunny", "tool_name": "get_weather"},
    ]
    text = "".join(
        part.message.content or ""
        for part in client.chat(model="qwen3:8b", messages=messages, tools=[WEATHER], stream=True)
    )
    assert text == "Sunny, 18C."

    with pytest.raises(ollama.ResponseError) as refused:
        list(client.chat(model="gemma3:12b", messages=messages[:1], tools=[WEATHER], stream=True))
    assert (refused.value.status_code, refused.value.error) == (400, NO_TOOLS)

    output = proxy.stop()
    assert proxy.returncode == 0, output
    # Three requests checked (two tool turns, the refused one); only the refused one has a finding.
    counters = stats(output)
    assert (counters["validated"], counters["flagged"], counters["rows_written"]) == (3, 1, 1), output
    first_turn = upstream.received()[0]
    assert arrivals[0] < first_turn.sent[-1], "the first line waited for the whole stream"
    rows = proxy.flows()
    columns = (
        "path",
        "model",
        "stream",
        "status",
        "verdict",
        "error_message",
        "error_finding_count",
        "cause_id",
    )
    assert [{k: row[k] for k in columns} for row in rows] == [
        {
            "path": "/api/chat",
            "model": "gemma3:12b",
            "stream": 1,
            "status": 400,
            "verdict": "predicted",
            "error_message": NO_TOOLS,
            "error_finding_count": 1,
            "cause_id": "cause.model-no-tools",  # explained: the model has no tool support
        }
    ]
    assert [(f["rule"], f["severity"], f["location"]) for f in proxy.findings(rows[0]["id"])] == [
        ("quirks.ollama-model-no-tools", "error", "tools")
    ]
