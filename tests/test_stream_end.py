"""A 200 stream the upstream closed cleanly before its end event is said, never taken for a whole answer
(trial22: a llama-server or vLLM worker that stopped mid-generation, a gateway's timeout; mitmproxy
sees no error, and before session 23 toolguard stored nothing and the run report said "0 without an
answer").

The detection (sse.SSETap.ended_without_end) is read over real stream tails, each server's own, whole
and cut; a stream that ends with a ``finish_reason`` and no ``[DONE]`` (ik_llama.cpp, llama-box) is
whole, as its clients take it. Then the real addon's hooks in mitmproxy's test context store the cut
stream with toolguard's own flow error, count it apart, and say it in the console line, the shutdown
counts, ``toolguard run``'s report, ``toolguard show`` and the summary; a whole stream stays unstored.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from mitmproxy import http
from mitmproxy.test import taddons, tflow
from support import eventstream
from support.scripted import anthropic_events, anthropic_message, chat_chunks, response_events, typed_sse

from toolguard_analysis.cli import cli
from toolguard_analysis.run import report
from toolguard_analysis.show import find_flow, render_text
from toolguard_core.addon import ToolGuard
from toolguard_core.rawstream import EVENT_STREAM, NDJSON, RawStreamTap
from toolguard_core.sse import SSETap
from toolguard_core.verdict import ENDED_EARLY_ERROR, answer_broke_off, ended_early

CUT_WORDS = "the answer broke off before its end: the client got an incomplete answer"


def sse(*events: dict) -> list[bytes]:
    return [f"data: {json.dumps(e, separators=(',', ':'))}\n\n".encode() for e in events]


DONE = [b"data: [DONE]\n\n"]

# OpenAI's Chat Completions, as the API streams a tool call (support.scripted: role, deltas, finish, [DONE]).
OPENAI_CHAT = chat_chunks(
    "gpt-4o-mini",
    {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call_Q1",
                "type": "function",
                "function": {"name": "shell", "arguments": '{"cmd":"ls -la"}'},
            }
        ],
    },
    "tool_calls",
    usage=True,
)
# Ollama's /v1 (its chunks carry "system_fingerprint":"fp_ollama"; the finish chunk, then [DONE]).
OLLAMA_V1 = (
    sse(
        {
            "id": "chatcmpl-768",
            "object": "chat.completion.chunk",
            "created": 1744445346,
            "model": "qwen2.5-coder:7b",
            "system_fingerprint": "fp_ollama",
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": "My name"}, "finish_reason": None}
            ],
        },
        {
            "id": "chatcmpl-768",
            "object": "chat.completion.chunk",
            "created": 1744445346,
            "model": "qwen2.5-coder:7b",
            "system_fingerprint": "fp_ollama",
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": " is Ben."}, "finish_reason": "stop"}
            ],
        },
    )
    + DONE
)
# llama-server's OpenAI layer: the finish chunk carries timings; [DONE] since ggml-org/llama.cpp#9459.
LLAMA_CPP = sse(
    {
        "choices": [{"finish_reason": None, "index": 0, "delta": {"content": "Hel"}}],
        "created": 1735000000,
        "id": "chatcmpl-Xq1",
        "model": "gpt-3.5-turbo",
        "system_fingerprint": "b4500-adc5dd92",
        "object": "chat.completion.chunk",
    },
    {
        "choices": [{"finish_reason": "stop", "index": 0, "delta": {}}],
        "created": 1735000000,
        "id": "chatcmpl-Xq1",
        "model": "gpt-3.5-turbo",
        "system_fingerprint": "b4500-adc5dd92",
        "object": "chat.completion.chunk",
        "usage": {"completion_tokens": 2, "prompt_tokens": 9, "total_tokens": 11},
        "timings": {"prompt_n": 9, "predicted_n": 2},
    },
)
# vLLM: every choice has "stop_reason" next to "finish_reason", both null until the end.
VLLM = sse(
    {
        "id": "chatcmpl-b1",
        "object": "chat.completion.chunk",
        "created": 1735000000,
        "model": "Qwen/Qwen2.5-7B-Instruct",
        "choices": [
            {
                "index": 0,
                "delta": {"content": "Hi"},
                "logprobs": None,
                "finish_reason": None,
                "stop_reason": None,
            }
        ],
    },
    {
        "id": "chatcmpl-b1",
        "object": "chat.completion.chunk",
        "created": 1735000000,
        "model": "Qwen/Qwen2.5-7B-Instruct",
        "choices": [
            {
                "index": 0,
                "delta": {"content": ""},
                "logprobs": None,
                "finish_reason": "stop",
                "stop_reason": None,
            }
        ],
    },
)
ANTHROPIC = [
    typed_sse(e["type"], e)
    for e in anthropic_events(
        anthropic_message(
            "msg_01",
            "claude-sonnet-4-5",
            [{"type": "tool_use", "id": "toolu_01", "name": "bash", "input": {"command": "ls"}}],
            "tool_use",
        )
    )
]
RESPONSES = [
    typed_sse(e["type"], e)
    for e in response_events(
        "resp_01",
        "gpt-5",
        {
            "type": "function_call",
            "id": "fc_01",
            "call_id": "call_01",
            "name": "shell",
            "arguments": '{"cmd":"ls"}',
            "status": "completed",
        },
    )
]
RESPONSES_INCOMPLETE = [
    *RESPONSES[:-1],
    typed_sse(
        "response.incomplete",
        {
            "type": "response.incomplete",
            "response": {"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}},
        },
    ),
]
# Gemini's :streamGenerateContent?alt=sse: no end event, the last chunk's candidate has finishReason.
GEMINI = sse(
    {"candidates": [{"content": {"parts": [{"text": "Hel"}], "role": "model"}, "index": 0}]},
    {
        "candidates": [
            {"content": {"parts": [{"text": "lo"}], "role": "model"}, "finishReason": "STOP", "index": 0}
        ],
        "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 2, "totalTokenCount": 6},
        "modelVersion": "gemini-2.5-flash",
    },
)
# A prompt Gemini blocks comes without candidates, its promptFeedback says why.
GEMINI_BLOCKED = sse(
    {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}, "modelVersion": "gemini-2.5-flash"}
)
# A delta whose text quotes the key (escaped inside its JSON string): not the end.
QUOTING = sse(
    {
        "id": "chatcmpl-q",
        "object": "chat.completion.chunk",
        "choices": [
            {"index": 0, "delta": {"content": 'set "finish_reason": "stop" and'}, "finish_reason": None}
        ],
    }
)
ERROR_EVENT = [
    ANTHROPIC[0],
    typed_sse("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
]


@pytest.mark.parametrize(
    ("chunks", "cut"),
    [
        pytest.param(OPENAI_CHAT, False, id="openai-chat-whole"),
        pytest.param(OPENAI_CHAT[:-3], True, id="openai-chat-cut-in-the-tool-call"),
        pytest.param(OPENAI_CHAT[:-1], False, id="openai-chat-finish-and-usage-no-done"),
        pytest.param(OLLAMA_V1, False, id="ollama-v1-whole"),
        pytest.param(OLLAMA_V1[:1], True, id="ollama-v1-cut"),
        pytest.param(LLAMA_CPP + DONE, False, id="llama-cpp-whole"),
        pytest.param(LLAMA_CPP, False, id="ik-llama-cpp-finish-without-done"),
        pytest.param(LLAMA_CPP[:1], True, id="llama-cpp-cut"),
        pytest.param(VLLM + DONE, False, id="vllm-whole"),
        pytest.param(VLLM[:1], True, id="vllm-cut-stop-reason-null"),
        pytest.param(ANTHROPIC, False, id="anthropic-whole"),
        pytest.param(ANTHROPIC[:-1], False, id="anthropic-message-delta-stop-reason-no-message-stop"),
        pytest.param(ANTHROPIC[:-2], True, id="anthropic-cut-after-the-last-block"),
        pytest.param(ANTHROPIC[:4], True, id="anthropic-cut-in-the-tool-input"),
        pytest.param(RESPONSES, False, id="responses-whole"),
        pytest.param(RESPONSES_INCOMPLETE, False, id="responses-incomplete"),
        pytest.param(RESPONSES[:-1], True, id="responses-cut-before-completed"),
        pytest.param(RESPONSES[:4], True, id="responses-cut-in-the-arguments"),
        pytest.param(GEMINI, False, id="gemini-whole"),
        pytest.param(GEMINI[:1], True, id="gemini-cut"),
        pytest.param(GEMINI_BLOCKED, False, id="gemini-blocked-prompt"),
        pytest.param(QUOTING, True, id="text-quoting-the-key"),
        pytest.param([], True, id="no-event-at-all"),
        pytest.param(ERROR_EVENT, False, id="error-event-is-a-rejection"),
    ],
)
def test_which_streams_ended_without_their_end_event(chunks: list[bytes], cut: bool) -> None:
    whole = SSETap()
    for chunk in chunks:
        assert whole(chunk) is chunk
    assert whole.ended_without_end is False  # not before the stream ended
    whole(b"")
    # Cut anywhere between chunks and lines: the same answer, one byte at a time.
    bytewise = SSETap()
    for byte in b"".join(chunks):
        bytewise(bytes([byte]))
    bytewise(b"")
    assert (whole.ended_without_end, bytewise.ended_without_end) == (cut, cut)


def test_a_stream_not_read_to_its_end_is_not_judged() -> None:
    tap = SSETap(max_decoded_bytes=64)  # parsing stops: toolguard did not see the end, so says nothing
    tap(OPENAI_CHAT[0] + OPENAI_CHAT[1])
    tap(b"")
    assert (tap.parsing, tap.ended_without_end) == (False, False)
    raw = RawStreamTap(NDJSON, "gzip")  # a compressed NDJSON stream is not parsed: not judged
    raw(b"\x1f\x8b")
    raw(b"")
    assert (raw.parsing, raw.ended_without_end) == (False, False)


# Ollama's native /api/chat: NDJSON, its last line "done": true with the timings
# (https://github.com/ollama/ollama/blob/main/docs/api.md, "Streaming responses"; ggml-org/llama.cpp#13777
# quotes a real one).
OLLAMA_NATIVE = [
    b'{"model":"gemma3:1b","created_at":"2025-05-25T13:59:34.98Z","message":{"role":"assistant","content":"Hello"},"done":false}\n',
    b'{"model":"gemma3:1b","created_at":"2025-05-25T13:59:35.06Z","message":{"role":"assistant","content":" \\"done\\": true"},"done":false}\n',
    b'{"model":"gemma3:1b","created_at":"2025-05-25T13:59:35.14Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":2201092987,"eval_count":3}\n',
]


@pytest.mark.parametrize(
    ("chunks", "cut"),
    [
        pytest.param(OLLAMA_NATIVE, False, id="ollama-native-whole"),
        pytest.param(OLLAMA_NATIVE[:2], True, id="ollama-native-cut-text-quoting-the-key"),
        pytest.param(
            [OLLAMA_NATIVE[0], b'{"error":"an error was encountered while running the model"}\n'],
            False,
            id="error-line",
        ),
        pytest.param([OLLAMA_NATIVE[2][:-1]], False, id="last-line-without-its-newline"),
    ],
)
def test_which_ollama_native_streams_ended_before_done(chunks: list[bytes], cut: bool) -> None:
    tap = RawStreamTap(NDJSON, None)
    for chunk in chunks:
        assert tap(chunk) is chunk
    tap(b"")
    assert tap.ended_without_end is cut


# Bedrock's InvokeModelWithResponseStream for Claude (what Claude Code on Bedrock reads): each Messages API
# event inside a `chunk` frame, Bedrock's invocation metrics on the last one (AWS, InvokeModelWithResponseStream;
# the Messages events as the API streams them, support.scripted).
BEDROCK_EVENTS = anthropic_events(
    anthropic_message(
        "msg_bdrk_01",
        "claude-sonnet-4-5",
        [{"type": "tool_use", "id": "toolu_01", "name": "bash", "input": {"command": "ls"}}],
        "tool_use",
    )
)
BEDROCK_EVENTS[-1] = {
    **BEDROCK_EVENTS[-1],
    "amazon-bedrock-invocationMetrics": {
        "inputTokenCount": 20,
        "outputTokenCount": 5,
        "invocationLatency": 1432,
        "firstByteLatency": 611,
    },
}
BEDROCK_INVOKE = [eventstream.chunk(e) for e in BEDROCK_EVENTS]
# Bedrock's ConverseStream (the Vercel AI SDK's and boto3's converse_stream): its own events, messageStop with
# the stop reason, then metadata with the usage (AWS, ConverseStream, "Response Syntax").
BEDROCK_CONVERSE = [
    eventstream.event("messageStart", {"role": "assistant"}),
    eventstream.event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hello"}}),
    eventstream.event("contentBlockStop", {"contentBlockIndex": 0}),
    eventstream.event("messageStop", {"stopReason": "end_turn"}),
    eventstream.event(
        "metadata",
        {"usage": {"inputTokens": 9, "outputTokens": 2, "totalTokens": 11}, "metrics": {"latencyMs": 312}},
    ),
]
# Another model family through InvokeModelWithResponseStream (Meta Llama's chunks: no Messages events), and
# SageMaker's InvokeEndpointWithResponseStream (PayloadPart events): their ends are not known here, never judged.
BEDROCK_LLAMA = [
    eventstream.chunk(
        {"generation": "Hello", "prompt_token_count": 9, "generation_token_count": 1, "stop_reason": None}
    ),
]
SAGEMAKER = [eventstream.event("PayloadPart", {"Bytes": "eyJ0b2tlbiI6ICJIZWxsbyJ9"})]
BEDROCK_EXCEPTION = eventstream.frame(
    {
        ":exception-type": "modelStreamErrorException",
        ":content-type": "application/json",
        ":message-type": "exception",
    },
    b'{"message":"Model stream error: the model stopped responding"}',
)


@pytest.mark.parametrize(
    ("chunks", "cut"),
    [
        pytest.param(BEDROCK_INVOKE, False, id="invoke-claude-whole"),
        pytest.param(BEDROCK_INVOKE[:-1], False, id="invoke-claude-message-delta-stop-reason"),
        pytest.param(BEDROCK_INVOKE[:-2], True, id="invoke-claude-cut-after-the-last-block"),
        pytest.param(BEDROCK_INVOKE[:4], True, id="invoke-claude-cut-in-the-tool-input"),
        pytest.param(BEDROCK_CONVERSE, False, id="converse-whole"),
        pytest.param(BEDROCK_CONVERSE[:-1], False, id="converse-message-stop-without-metadata"),
        pytest.param(BEDROCK_CONVERSE[:3], True, id="converse-cut-before-message-stop"),
        pytest.param(BEDROCK_CONVERSE[:1], True, id="converse-cut-after-message-start"),
        pytest.param([*BEDROCK_CONVERSE[:2], BEDROCK_EXCEPTION], False, id="exception-is-a-rejection"),
        pytest.param(BEDROCK_LLAMA, False, id="invoke-other-family-not-judged"),
        pytest.param(SAGEMAKER, False, id="sagemaker-payload-parts-not-judged"),
        pytest.param([], False, id="no-frame-at-all-not-judged"),
    ],
)
def test_which_bedrock_event_streams_ended_before_their_end_event(chunks: list[bytes], cut: bool) -> None:
    whole = RawStreamTap(EVENT_STREAM, None)
    for chunk in chunks:
        assert whole(chunk) is chunk
    assert whole.ended_without_end is False  # not before the stream ended
    whole(b"")
    bytewise = RawStreamTap(EVENT_STREAM, None)  # frames split anywhere: the same reading
    for byte in b"".join(chunks):
        bytewise(bytes([byte]))
    bytewise(b"")
    assert (whole.ended_without_end, bytewise.ended_without_end) == (cut, cut)
    assert (whole.parsing, whole.events) == (True, len(chunks))


def test_the_flow_error_is_a_broken_off_answer_counted_apart() -> None:
    assert ended_early(ENDED_EARLY_ERROR) and not ended_early("HTTP/1 protocol error: peer closed")
    assert answer_broke_off(200, "accepted", ENDED_EARLY_ERROR)


URL = "http://127.0.0.1:9/v1/chat/completions"
REQUEST = {
    "model": "gpt-4o-mini",
    "stream": True,
    "messages": [{"role": "user", "content": "List the files."}],
}


def run_proxy(db_path: Path, caplog: pytest.LogCaptureFixture) -> tuple[str, str, str]:
    """A cut chat stream (the tool call's arguments half sent, then the body ended) and a whole one,
    through the addon's hooks with the stream tapped chunk by chunk as mitmproxy does."""
    addon = ToolGuard()
    ids = []
    with caplog.at_level(logging.INFO), taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        headers = {"content-type": "application/json"}
        for chunks in (OPENAI_CHAT[:-3], OPENAI_CHAT):
            flow = tflow.tflow(req=http.Request.make("POST", URL, json.dumps(REQUEST).encode(), headers))
            addon.request(flow)
            flow.response = http.Response.make(200, b"", {"content-type": "text/event-stream"})
            addon.responseheaders(flow)
            assert callable(flow.response.stream)
            for chunk in chunks:
                flow.response.stream(chunk)
            flow.response.stream(b"")
            addon.response(flow)
            ids.append(flow.id)
        assert (addon.stats["streams_ended_early"], addon.stats["answers_broke_off"]) == (1, 0)
        run_id = addon.settings.run_id
        addon.done()
    return ids[0], ids[1], run_id


def test_a_cut_stream_is_stored_and_said_everywhere(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db_path = tmp_path / "run.db"
    cut_id, whole_id, run_id = run_proxy(db_path, caplog)
    logged = [r.getMessage() for r in caplog.records]
    assert [line for line in logged if cut_id in line] == [
        f"toolguard: accepted: HTTP 200, cut off ({ENDED_EARLY_ERROR}); {CUT_WORDS}; flow {cut_id} "
        f"(toolguard show --db {db_path} {cut_id[:8]})"
    ]
    assert [line for line in logged if whole_id in line] == []
    counts = (
        "2 requests reached the proxy: 2 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer, 1 stream ended without its end event; 1 flow stored."
    )
    assert f"toolguard: this run: {counts}" in logged

    lines = report(db_path, run_id).splitlines()
    assert lines[0] == f"toolguard: {counts}"
    head = next(i for i, line in enumerate(lines) if line.startswith(f"    {cut_id}"))
    assert lines[head : head + 2] == [
        f"    {cut_id}  200  POST 127.0.0.1:9/v1/chat/completions  accepted: accepted by the upstream; {CUT_WORDS}",
        f"        stream: {ENDED_EARLY_ERROR.removeprefix('toolguard: ')}",
    ]
    assert not any(whole_id in line for line in lines)

    shown = render_text(find_flow(db_path, cut_id[:8])).splitlines()
    said = {
        line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in shown[1:9] if ":" in line
    }
    assert (said["verdict"], said["upstream"]) == (
        f"accepted: accepted by the upstream; {CUT_WORDS}",
        "upstream answered 200, then the stream ended without its end event (no [DONE], finish_reason, "
        "message_stop, response.completed or finishReason): the upstream closed it mid-answer (a server that "
        "stopped, a gateway's timeout)",
    )

    result = CliRunner().invoke(cli, ["summary", "--db", str(db_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    broke = json.loads(result.output)["broke_off"]
    assert (broke["count"], broke["ended_early"], [f["id"] for f in broke["flows"]]) == (1, 1, [cut_id])
    text = CliRunner().invoke(cli, ["summary", "--db", str(db_path)]).output
    assert (
        "answers that broke off before their end, so the client got an incomplete answer "
        "(1, 1 of them a stream ended without the end event; toolguard show ID):"
    ) in text


def test_an_ollama_native_stream_cut_before_done_is_stored(tmp_path: Path) -> None:
    """Ollama's /api/chat streams NDJSON (rawstream.py): a body that ends before its "done": true line is
    stored like a cut event stream; a whole one is not."""
    db_path = tmp_path / "run.db"
    addon = ToolGuard()
    url = "http://127.0.0.1:11434/api/chat"
    body = {"model": "gemma3:1b", "messages": [{"role": "user", "content": "Hello!"}]}
    flows = []
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        for chunks in (OLLAMA_NATIVE[:2], OLLAMA_NATIVE):
            flow = tflow.tflow(
                req=http.Request.make(
                    "POST", url, json.dumps(body).encode(), {"content-type": "application/json"}
                )
            )
            addon.request(flow)
            flow.response = http.Response.make(200, b"", {"content-type": "application/x-ndjson"})
            addon.responseheaders(flow)
            assert callable(flow.response.stream)
            for chunk in chunks:
                flow.response.stream(chunk)
            flow.response.stream(b"")
            addon.response(flow)
            flows.append(flow.id)
        assert addon.stats["streams_ended_early"] == 1
        addon.done()
    db = sqlite_utils.Database(db_path)
    assert [(r["id"], r["status"], r["verdict"], r["flow_error"]) for r in db["flows"].rows] == [
        (flows[0], 200, "accepted", ENDED_EARLY_ERROR)
    ]
