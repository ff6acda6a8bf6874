"""Property: the non-SSE stream tap (Ollama's NDJSON, Bedrock's binary event stream) passes any chunking
of a stream back unchanged (the same objects) and reads from it what it reads from the whole body in one
chunk: the same events, the same error, the same stored capture; any bytes pass through."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from support.eventstream import CONTENT_TYPE, chunk, event, frame
from support.fuzz import FUZZ, JSON, dumps, error_seeds, swallowed

from toolguard_core.rawstream import RawStreamTap

NDJSON = "application/x-ndjson"
# Ollama's /api/chat stream lines (https://github.com/ollama/ollama/blob/main/docs/api.md).
OLLAMA_LINE = {"model": "qwen3", "message": {"role": "assistant", "content": "Hi"}, "done": False}


def _error_texts() -> list[str]:
    return [text for _, text in error_seeds()][:200]


@st.composite
def ndjson(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        kind = draw(st.sampled_from(["line", "error", "json", "junk"]))
        if kind == "line":
            lines.append(json.dumps(OLLAMA_LINE))
        elif kind == "error":
            lines.append(json.dumps({"error": draw(st.sampled_from(_error_texts()))}))
        elif kind == "json":
            lines.append(dumps(draw(JSON)))
        else:
            lines.append(draw(st.text(max_size=30)))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines).encode("utf-8", "surrogatepass") + (
        newline.encode() if draw(st.booleans()) else b""
    )


@st.composite
def eventstream(draw: st.DrawFn) -> bytes:
    frames = []
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        kind = draw(st.sampled_from(["chunk", "event", "exception", "odd", "junk"]))
        if kind == "chunk":
            frames.append(
                chunk(
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "x"}}
                )
            )
        elif kind == "event":
            frames.append(event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "x"}}))
        elif kind == "exception":
            message = draw(st.sampled_from(_error_texts()))
            frames.append(
                frame(
                    {
                        ":exception-type": "validationException",
                        ":content-type": "application/json",
                        ":message-type": "exception",
                    },
                    json.dumps({"message": message}).encode(),
                )
            )
        elif kind == "odd":
            headers: dict[str, Any] = draw(
                st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=12), max_size=3)
            )
            frames.append(frame(headers, draw(st.binary(max_size=40))))
        else:
            frames.append(draw(st.binary(max_size=30)))
    return b"".join(frames)


def _feed(tap: RawStreamTap, chunks: list[bytes]) -> bytes:
    out = []
    for piece in chunks:
        result = tap(piece)
        assert result is piece
        out.append(result)
    assert tap(b"") == b""
    return b"".join(out)


def _reading(tap: RawStreamTap) -> tuple[Any, ...]:
    return (
        tap.events,
        tap.error,
        tap.error_events,
        tap.captured_body(),
        tap.parsing,
        tap.stop_reason,
        tap.summary(),
    )


@FUZZ
@given(
    stream=st.one_of(ndjson().map(lambda s: (NDJSON, s)), eventstream().map(lambda s: (CONTENT_TYPE, s))),
    cuts=st.lists(st.integers(min_value=0, max_value=1 << 16), max_size=12),
)
def test_any_chunking_reads_as_the_whole_body(stream: tuple[str, bytes], cuts: list[int]) -> None:
    content_type, wire = stream
    bounds = sorted({0, len(wire), *(cut % (len(wire) + 1) for cut in cuts)})
    chunks = [wire[a:b] for a, b in pairwise(bounds) if b > a]
    with swallowed(RawStreamTap.__call__) as caught:
        whole = RawStreamTap(content_type)
        assert _feed(whole, [wire]) == wire
        pieces = RawStreamTap(content_type)
        assert _feed(pieces, chunks) == wire
    assert caught == [], caught
    assert _reading(pieces) == _reading(whole)


@FUZZ
@given(
    wire=st.binary(max_size=300),
    content_type=st.sampled_from([NDJSON, CONTENT_TYPE, "application/json", "text/plain", ""]),
    encoding=st.sampled_from([None, "gzip", "identity"]),
    size=st.integers(min_value=1, max_value=40),
)
def test_any_bytes_pass_through_unchanged(
    wire: bytes, content_type: str, encoding: str | None, size: int
) -> None:
    with swallowed(RawStreamTap.__call__) as caught:
        tap = RawStreamTap(content_type, encoding)
        assert _feed(tap, [wire[i : i + size] for i in range(0, len(wire), size)]) == wire
        tap.captured_body()
        tap.summary()
    assert caught == [], caught
