"""SSETap: identity pass-through, event parsing across any chunking, errors inside 200 streams."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import brotli
import pytest
from backports import zstd  # mitmproxy 12's zstd (its dependency)
from support.scripted import (
    ANTHROPIC_THINKING,
    RESPONSES_TEXT_ITEM,
    anthropic_events,
    anthropic_message,
    response_events,
    typed_sse,
)

from toolguard_core.sse import SSETap
from toolguard_core.upstream_errors import UpstreamError


def chunk_event(content: str, index: int = 0) -> bytes:
    # An OpenAI chat.completion.chunk, as llm's tests build them (simonw/llm tests/conftest.py).
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": index, "delta": {"content": content}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


# The mid-stream error OpenAI/vLLM send as a `data:` JSON with an `error` key (providers.md §9,
# openai-python src/openai/_streaming.py); the error body is OpenAI's real context-length error from
# https://github.com/crewAIInc/crewAI-examples/issues/121
ERROR_BODY = {
    "error": {
        "message": "This model's maximum context length is 8192 tokens. However, your messages resulted in "
        "8227 tokens. Please reduce the length of the messages.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
}
DATA_ERROR_EVENT = b"data: " + json.dumps(ERROR_BODY).encode() + b"\n\n"
# The same error as an `event: error` event (openai-python raises on `sse.event == "error"` too).
NAMED_ERROR_EVENT = b"event: error\ndata: " + json.dumps(ERROR_BODY).encode() + b"\n\n"
EXPECTED_ERROR = UpstreamError(
    shape="openai",
    message=ERROR_BODY["error"]["message"],
    type="invalid_request_error",
    param="messages",
    code="context_length_exceeded",
    raw=json.dumps(ERROR_BODY),
)
DONE = b"data: [DONE]\n\n"

NORMAL_STREAM = b"".join([b": keep-alive\n\n", *(chunk_event(w) for w in ["Hel", "lo", " wörld", "!"]), DONE])
ERROR_STREAM = chunk_event("Hi") + chunk_event(" there") + DATA_ERROR_EVENT + DONE
NAMED_ERROR_STREAM = chunk_event("Hi") + NAMED_ERROR_EVENT


def split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def run(tap: SSETap, chunks: list[bytes]) -> bytes:
    out = []
    for chunk in chunks:
        result = tap(chunk)
        assert result is chunk  # identity: the very same object goes to the client
        out.append(result)
    assert tap(b"") == b""
    return b"".join(out)


SPLIT_SIZES = [1, 2, 3, 7, 13, 64, 4096]


@pytest.mark.parametrize("size", SPLIT_SIZES)
def test_normal_stream_any_chunking(size):
    tap = SSETap()
    assert run(tap, split(NORMAL_STREAM, size)) == NORMAL_STREAM
    assert (tap.events, tap.done, tap.error, tap.finished, tap.parsing) == (5, True, None, True, True)
    assert tap.error_events == 0
    assert tap.captured_body() == NORMAL_STREAM.decode()


@pytest.mark.parametrize("size", SPLIT_SIZES)
@pytest.mark.parametrize(
    ("stream", "events"),
    [(ERROR_STREAM, 4), (NAMED_ERROR_STREAM, 2)],
    ids=["data-error", "event-error"],
)
def test_error_event_mid_stream(size, stream, events):
    tap = SSETap()
    assert run(tap, split(stream, size)) == stream
    assert tap.error == EXPECTED_ERROR
    assert tap.stream_error
    assert (tap.events, tap.error_events) == (events, 1)


@pytest.mark.parametrize("size", SPLIT_SIZES)
def test_crlf_line_endings(size):
    stream = ERROR_STREAM.replace(b"\n", b"\r\n")
    tap = SSETap()
    assert run(tap, split(stream, size)) == stream
    assert tap.error == EXPECTED_ERROR
    assert (tap.events, tap.done) == (4, True)


def test_cr_only_line_endings():
    tap = SSETap()
    run(tap, split(ERROR_STREAM.replace(b"\n", b"\r"), 5))
    assert tap.error == EXPECTED_ERROR
    assert tap.events == 4


@pytest.mark.parametrize("size", [1, 5, 64])
def test_multiline_data_is_joined(size):
    body = json.dumps(ERROR_BODY, indent=2).encode()
    event = b"event: error\n" + b"".join(b"data: " + line + b"\n" for line in body.split(b"\n")) + b"\n"
    tap = SSETap()
    run(tap, split(event, size))
    assert tap.error == EXPECTED_ERROR.model_copy(update={"raw": body.decode()})


def test_event_error_with_plain_text_data():
    tap = SSETap()
    run(tap, [b"event: error\ndata: upstream overloaded\n\n"])
    assert tap.error == UpstreamError(shape="text", message="upstream overloaded", raw="upstream overloaded")


def test_responses_api_error_event():
    # OpenAI Responses API `ResponseErrorEvent` (providers.md §9): {"type": "error", "code", "message", ...}
    body = {
        "type": "error",
        "code": "ERR_SOMETHING",
        "message": "Something went wrong",
        "param": None,
        "sequence_number": 1,
    }
    tap = SSETap()
    run(tap, [b"event: error\ndata: " + json.dumps(body).encode() + b"\n\n"])
    assert tap.error == UpstreamError(
        shape="flat-message",
        message="Something went wrong",
        type="error",
        code="ERR_SOMETHING",
        raw=json.dumps(body),
    )


def test_responses_api_response_failed_event():
    # OpenAI Responses API `ResponseFailedEvent` (doc [OAS]): the error sits in `response.error`;
    # the earlier `response.created` event carries `"error": null` and is not an error.
    created = {
        "type": "response.created",
        "response": {"id": "resp_1", "status": "in_progress", "error": None},
    }
    failed = {
        "type": "response.failed",
        "sequence_number": 3,
        "response": {
            "id": "resp_1",
            "status": "failed",
            "error": {"code": "server_error", "message": "The model failed to generate a response."},
        },
    }
    tap = SSETap()
    run(
        tap,
        [
            b"event: response.created\ndata: " + json.dumps(created).encode() + b"\n\n",
            b"event: response.failed\ndata: " + json.dumps(failed).encode() + b"\n\n",
        ],
    )
    inner = json.dumps({"error": failed["response"]["error"]})
    assert tap.error == UpstreamError(
        shape="openai",
        message="The model failed to generate a response.",
        code="server_error",
        raw=inner,
    )
    assert tap.error_events == 1


def test_content_mentioning_error_is_not_an_error():
    tap = SSETap()
    run(tap, [chunk_event("an error occurred in your code"), DONE])
    assert tap.error is None
    assert tap.events == 2


# Anthropic's Messages stream (docs.anthropic.com, streaming "Event types"): named events, each `data`
# a JSON object with its own `type`; it ends with `message_stop`, not `[DONE]`. The mid-stream error is
# `event: error` with Anthropic's error envelope (the 529 body of apify/tester-mcp-client#16).
ANTHROPIC_CLEAN = b"".join(
    typed_sse(event["type"], event)
    for event in anthropic_events(
        anthropic_message(
            "msg_01A",
            "claude-sonnet-4-6",
            [
                ANTHROPIC_THINKING,
                {"type": "text", "text": "No error here: the error handler is fine."},
                {
                    "type": "tool_use",
                    "id": "toolu_01A",
                    "name": "Bash",
                    "input": {"command": "grep -r error ."},
                },
            ],
            "tool_use",
        )
    )
)
ANTHROPIC_ERROR_EVENT = (
    b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
)


@pytest.mark.parametrize("size", [1, 7, 64, 4096])
def test_anthropic_stream_ends_with_message_stop(size):
    tap = SSETap()
    assert run(tap, split(ANTHROPIC_CLEAN, size)) == ANTHROPIC_CLEAN
    # message_start, ping, 3 blocks (start + deltas + stop: 4 + 3 + 3), message_delta, message_stop;
    # texts that mention "error" are not errors, and message_stop ends the answer like [DONE].
    assert (tap.events, tap.error, tap.error_events, tap.done) == (14, None, 0, True)


@pytest.mark.parametrize("size", [1, 7, 64, 4096])
def test_anthropic_error_event_mid_stream(size):
    head = ANTHROPIC_CLEAN.split(b"event: content_block_start")[0]  # message_start and a ping
    stream = head + ANTHROPIC_ERROR_EVENT
    tap = SSETap()
    assert run(tap, split(stream, size)) == stream
    assert tap.stream_error and not tap.done
    assert (tap.events, tap.error_events) == (3, 1)
    assert tap.error == UpstreamError(
        shape="anthropic",
        message="Overloaded",
        type="overloaded_error",
        raw='{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    )
    assert "overloaded_error" in tap.captured_body()


def test_first_error_is_parsed_all_are_kept_bounded():
    second = {"error": {"message": "second", "type": "t"}}
    stream = DATA_ERROR_EVENT + b"data: " + json.dumps(second).encode() + b"\n\n"
    tap = SSETap(head_bytes=10)
    run(tap, [stream])
    assert tap.error == EXPECTED_ERROR
    assert tap.error_events == 2
    body = tap.captured_body()
    assert body.startswith(stream[:10].decode())
    assert DATA_ERROR_EVENT.decode().strip() in body
    assert '"second"' in body


def test_capture_is_bounded_for_a_long_generation():
    stream = b"".join(chunk_event("token ") for _ in range(20_000)) + DATA_ERROR_EVENT + DONE
    tap = SSETap()
    run(tap, split(stream, 1000))
    body = tap.captured_body()
    assert len(body) < 8 * 1024 + 2 * 1024
    assert "more bytes of the stream not stored" in body
    assert ERROR_BODY["error"]["message"] in body
    assert tap.events == 20_002
    assert tap.error == EXPECTED_ERROR


def test_last_event_without_blank_line_is_dispatched_at_end():
    tap = SSETap()
    run(tap, [chunk_event("a"), DATA_ERROR_EVENT.rstrip(b"\n")])
    assert tap.error == EXPECTED_ERROR


def test_client_disconnect_keeps_what_was_seen():
    tap = SSETap()
    for chunk in split(ERROR_STREAM[: len(ERROR_STREAM) - len(DONE)], 9):
        tap(chunk)
    # no b"" : mitmproxy never sends it when the client goes away
    assert not tap.finished
    assert tap.error == EXPECTED_ERROR
    assert tap.events == 3


@pytest.mark.parametrize("size", [7, 10_000])  # cut mid-line, and every line inside one chunk
def test_overlong_line_is_skipped_not_buffered(size):
    tap = SSETap(max_line_bytes=500)
    stream = b"data: " + b"x" * 1000 + b"\n\n" + DATA_ERROR_EVENT
    run(tap, split(stream, size))
    assert len(tap._line) == 0
    assert tap.error == EXPECTED_ERROR
    assert (tap.events, tap.error_events) == (1, 1)  # the overlong line's event is gone with it


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data)


def _deflate_zlib(data: bytes) -> bytes:
    return zlib.compress(data)


def _deflate_raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


def _zstd_two_frames(data: bytes) -> bytes:
    half = len(data) // 2
    return zstd.compress(data[:half]) + zstd.compress(data[half:])


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", _gzip),
        ("deflate", _deflate_zlib),
        ("deflate", _deflate_raw),
        ("br", brotli.compress),
        ("zstd", _zstd_two_frames),
    ],
    ids=["gzip", "deflate-zlib", "deflate-raw", "br", "zstd-multiframe"],
)
@pytest.mark.parametrize("size", [1, 3, 50])
def test_content_encoded_stream(encoding, encode, size):
    wire = encode(ERROR_STREAM)
    tap = SSETap(encoding)
    assert run(tap, split(wire, size)) == wire
    assert tap.parsing, tap.stop_reason
    assert tap.error == EXPECTED_ERROR
    assert (tap.events, tap.done) == (4, True)
    assert tap.captured_body() == ERROR_STREAM.decode()


def test_corrupt_encoding_stops_parsing_but_passes_bytes():
    wire = b"this is not gzip at all" + DATA_ERROR_EVENT
    tap = SSETap("gzip")
    assert run(tap, split(wire, 4)) == wire
    assert not tap.parsing
    assert tap.error is None
    assert "gzip" in tap.stop_reason
    assert "stopped parsing" in tap.captured_body()


def test_unknown_encoding_passes_through():
    tap = SSETap("gzip, br")
    assert run(tap, [DATA_ERROR_EVENT]) == DATA_ERROR_EVENT
    assert not tap.parsing


def test_decoded_size_limit_stops_parsing():
    tap = SSETap(max_decoded_bytes=1000)
    stream = b"".join(chunk_event("x") for _ in range(100)) + DATA_ERROR_EVENT
    assert run(tap, split(stream, 100)) == stream
    assert not tap.parsing
    assert tap.error is None


def test_summary_is_plain_data():
    tap = SSETap()
    run(tap, [ERROR_STREAM])
    summary = tap.summary()
    assert summary == {
        "events": 4,
        "error_events": 1,
        "done": True,
        "finished": True,
        "parsing": True,
        "stop_reason": None,
        "bytes": len(ERROR_STREAM),
        "error": EXPECTED_ERROR.summary(),
    }
    json.dumps(summary)


def test_internal_bug_never_breaks_the_stream(monkeypatch):
    tap = SSETap()

    def boom(_line: bytes) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(tap, "_take_line", boom)
    chunk = chunk_event("a")
    assert tap(chunk) is chunk
    assert not tap.parsing
    later = chunk_event("b")
    assert tap(later) is later


def test_work_is_linear_in_stream_length():
    # One 2 MB data line fed in 1-byte-ish chunks must not be re-scanned per chunk: count the bytes
    # the parser copies into its line buffer (a quadratic parser would copy ~n^2/2).
    line = b"data: " + b"a" * 200_000 + b"\n\n"
    tap = SSETap()
    copied = 0
    original = tap._append_partial

    def counting(data, start, end):
        nonlocal copied
        copied += end - start
        original(data, start, end)

    tap._append_partial = counting
    run(tap, split(line, 3))
    assert copied <= len(line)
    assert tap.events == 1


# ------------------------------------------------------------------ hooks: taddons/tflow, real SQLite

# The seed's orphan tool message (LangChain INVALID_TOOL_RESULTS): toolguard flags it with an error.
ORPHAN_TOOL_REQUEST = {
    "model": "gpt-4o-mini",
    "stream": True,
    "messages": [
        {"role": "user", "content": "What is 3 * 12?"},
        {"role": "tool", "tool_call_id": "call_123", "content": "36"},
    ],
}
VALID_REQUEST = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}


def _stream_flow(request_body: dict, url: str = "https://api.openai.com/v1/chat/completions"):
    from mitmproxy import http
    from mitmproxy.test import tflow

    req = http.Request.make(
        "POST",
        url,
        json.dumps(request_body),
        {"content-type": "application/json", "authorization": "Bearer sk-test-secret-1234567890"},
    )
    flow = tflow.tflow(req=req)
    flow.response = http.Response.make(200, b"", {"content-type": "text/event-stream"})
    return flow


def _drive(
    tmp_path, request_body, chunks, *, end: str, url: str = "https://api.openai.com/v1/chat/completions"
):
    """Run the real hooks on one flow; ``end`` is ``"response"`` or ``"disconnect"``. Returns rows."""
    import sqlite_utils
    from mitmproxy import flow as mflow
    from mitmproxy.test import taddons

    from toolguard_core.addon import ToolGuard

    db_path = tmp_path / "toolguard.db"
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        f = _stream_flow(request_body, url)
        addon.request(f)
        addon.responseheaders(f)
        stream = f.response.stream
        assert isinstance(stream, SSETap)
        for chunk in chunks:
            assert stream(chunk) is chunk
        if end == "response":
            stream(b"")
            addon.response(f)
        else:
            # mitmproxy never sends b"" to the callable when the client goes away; `error` fires.
            f.error = mflow.Error("Client disconnected.")
            addon.error(f)
        metadata = f.metadata["toolguard"]
        addon.done()  # drains the writer thread
    db = sqlite_utils.Database(db_path)
    return metadata, list(db["flows"].rows), list(db["findings"].rows)


def test_hook_error_event_in_200_stream_is_stored_predicted(tmp_path):
    metadata, rows, findings = _drive(tmp_path, ORPHAN_TOOL_REQUEST, split(ERROR_STREAM, 11), end="response")
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ERROR_COLUMNS} == {
        "status": 200,
        "verdict": "predicted",
        "error_source": "stream",
        "error_shape": "openai",
        "error_message": ERROR_BODY["error"]["message"],
        "error_type": "invalid_request_error",
        "error_code": "context_length_exceeded",
        "error_param": "messages",
        "error_request_id": None,
        "error_provider": None,
        "flow_error": None,
    }
    assert json.loads(row["error_json"]) == EXPECTED_ERROR.summary()
    assert row["response_body"] == ERROR_STREAM.decode()
    assert findings and findings[0]["severity"] == "error"
    assert metadata["verdict"] == "predicted"
    assert metadata["stream"]["error"]["code"] == "context_length_exceeded"
    assert "sk-test-secret" not in json.dumps(rows)


def test_hook_client_disconnect_mid_stream_is_stored(tmp_path):
    partial = NORMAL_STREAM[:200]
    metadata, rows, _ = _drive(tmp_path, VALID_REQUEST, split(partial, 7), end="disconnect")
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ERROR_COLUMNS} == {
        "status": 200,
        "verdict": "accepted",
        "error_source": None,
        "error_shape": None,
        "error_message": None,
        "error_type": None,
        "error_code": None,
        "error_param": None,
        "error_request_id": None,
        "error_provider": None,
        "flow_error": "Client disconnected.",
    }
    assert row["response_body"] == partial.decode()
    assert metadata["stream"]["finished"] is False


def test_hook_client_disconnect_after_error_event_keeps_the_error(tmp_path):
    _, rows, _ = _drive(tmp_path, VALID_REQUEST, [chunk_event("Hi"), DATA_ERROR_EVENT], end="disconnect")
    row = rows[0]
    # No rule fired; the error's code names a known root cause (cause.context-length-exceeded).
    assert (row["verdict"], row["cause_id"], row["error_source"], row["error_code"], row["flow_error"]) == (
        "recognised",
        "cause.context-length-exceeded",
        "stream",
        "context_length_exceeded",
        "Client disconnected.",
    )


def test_hook_clean_stream_without_findings_is_not_stored(tmp_path):
    metadata, rows, _ = _drive(tmp_path, VALID_REQUEST, split(NORMAL_STREAM, 13), end="response")
    assert rows == []
    assert metadata["verdict"] == "accepted"
    assert metadata["stream"]["events"] == 5


# Claude Code's first turn, as captured (tests/data/requests), posted where it posts it.
CLAUDE_CODE_TURN1 = json.loads(
    (Path(__file__).parent / "data" / "requests" / "claude-code-2.1.332-messages-turn1.json").read_text(
        encoding="utf-8"
    )
)["body"]
CLAUDE_CODE_URL = "https://api.anthropic.com/v1/messages?beta=true"


def test_hook_anthropic_client_hanging_up_after_message_stop_is_not_stored(tmp_path):
    # Claude Code closes the connection as soon as it has read `message_stop`; mitmproxy may see that
    # before the end of the response: a complete answer, not an interrupted one.
    metadata, rows, _ = _drive(
        tmp_path, CLAUDE_CODE_TURN1, split(ANTHROPIC_CLEAN, 64), end="disconnect", url=CLAUDE_CODE_URL
    )
    assert rows == []
    assert (metadata["verdict"], metadata["findings"], metadata["stream"]["done"]) == ("accepted", [], True)


# Codex's HTTP turn 2, as captured, and the Responses API's event stream answering it.
CODEX_TURN2 = json.loads(
    (Path(__file__).parent / "data" / "requests" / "codex-0.171.0-responses-turn2.json").read_text(
        encoding="utf-8"
    )
)["body"]
RESPONSES_CLEAN = b"".join(
    typed_sse(event["type"], event) for event in response_events("resp_tg0003", "gpt-5", RESPONSES_TEXT_ITEM)
)


@pytest.mark.parametrize("end", ["response", "disconnect"])
def test_hook_codex_hanging_up_after_response_completed_is_not_stored(tmp_path, end):
    # Codex closes the stream as soon as it has read `response.completed` (agent-clis.md); a clean turn
    # whose last bytes mitmproxy sees after that must not be stored as "Client disconnected".
    metadata, rows, _ = _drive(
        tmp_path, CODEX_TURN2, split(RESPONSES_CLEAN, 64), end=end, url="https://api.openai.com/v1/responses"
    )
    assert rows == []
    assert (metadata["verdict"], metadata["findings"], metadata["stream"]["done"]) == ("accepted", [], True)


def test_hook_responses_stream_cut_before_response_completed_is_stored(tmp_path):
    head = RESPONSES_CLEAN.split(b"event: response.completed")[0]
    metadata, rows, _ = _drive(
        tmp_path, CODEX_TURN2, [head], end="disconnect", url="https://api.openai.com/v1/responses"
    )
    assert [(r["verdict"], r["flow_error"]) for r in rows] == [("accepted", "Client disconnected.")]
    assert metadata["stream"]["done"] is False


def test_hook_anthropic_error_event_is_stored_with_anthropics_error(tmp_path):
    head = ANTHROPIC_CLEAN.split(b"event: content_block_start")[0]
    _, rows, findings = _drive(
        tmp_path, CLAUDE_CODE_TURN1, [head, ANTHROPIC_ERROR_EVENT], end="response", url=CLAUDE_CODE_URL
    )
    (row,) = rows
    assert {k: row[k] for k in ERROR_COLUMNS} == {
        "status": 200,
        "verdict": "recognised",  # Anthropic's overloaded_error names a known (transient) cause
        "error_source": "stream",
        "error_shape": "anthropic",
        "error_message": "Overloaded",
        "error_type": "overloaded_error",
        "error_code": None,
        "error_param": None,
        "error_request_id": None,
        "error_provider": None,
        "flow_error": None,
    }
    assert (row["path"], row["provider"], findings) == ("/v1/messages", "anthropic", [])
    assert (row["cause_id"], json.loads(row["cause_json"])["transient"]) == ("cause.overloaded", True)
    assert json.loads(row["request_json"]) == CLAUDE_CODE_TURN1


ERROR_COLUMNS = (
    "status",
    "verdict",
    "error_source",
    "error_shape",
    "error_message",
    "error_type",
    "error_code",
    "error_param",
    "error_request_id",
    "error_provider",
    "flow_error",
)


# Found by tests/test_fuzz_sse.py: an error event inside the stored head was stored a second time
# when the stream's lines end in CRLF, or when two error events near the start had a chunk between them.
@pytest.mark.parametrize(
    "stream",
    [
        NAMED_ERROR_EVENT.replace(b"\n", b"\r\n"),
        NAMED_ERROR_EVENT.replace(b"\n", b"\r"),
        DATA_ERROR_EVENT + chunk_event("Hi") + DATA_ERROR_EVENT,
    ],
    ids=["crlf", "cr", "two-apart"],
)
@pytest.mark.parametrize("size", [1, 7, 4096])
def test_an_error_event_in_the_head_is_stored_once(stream, size):
    tap = SSETap()
    assert run(tap, split(stream, size)) == stream
    assert tap.error == EXPECTED_ERROR
    assert tap.captured_body() == stream.decode()


def test_an_error_event_past_the_head_is_kept():
    stream = chunk_event("x" * 200) + DATA_ERROR_EVENT
    tap = SSETap(head_bytes=100)
    assert run(tap, split(stream, 13)) == stream
    assert tap.captured_body().endswith("\n" + DATA_ERROR_EVENT.decode())
