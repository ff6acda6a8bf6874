"""Property: any chunking of a stream (cut at any byte boundaries, plain or gzip/deflate/br/zstd
encoded) passes every chunk back unchanged (the same object) and the tap reads what it reads from the
whole body in one chunk: the same events, the same error, the same stored capture. Streams are built
from real events (OpenAI chunks, Anthropic events, the corpus's development error bodies) with any
line endings, comments and junk lines."""

from __future__ import annotations

import gzip
import json
import zlib
from itertools import pairwise
from typing import Any

import brotli
import zstandard as zstd
from hypothesis import given
from hypothesis import strategies as st
from support.fuzz import FUZZ, JSON, dumps, error_seeds, swallowed

from toolguard_core import sse
from toolguard_core.sse import END_KEYS, SSETap, sets_an_end_key

CHUNK = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "delta": {"content": "Hel wörld error"}, "finish_reason": None}],
}
# Anthropic's stream events (https://docs.anthropic.com/en/docs/build-with-claude/streaming).
ANTHROPIC = [
    (
        "message_start",
        {"type": "message_start", "message": {"id": "msg_1", "role": "assistant", "content": []}},
    ),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "x"}},
    ),
    ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    ("message_stop", {"type": "message_stop"}),
]


def _error_payloads() -> list[str]:
    payloads = []
    for _, text in error_seeds():
        try:
            parsed = json.loads(text)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            payloads.append(json.dumps(parsed))
    return payloads


def _event(name: str | None, data: str, newline: str) -> str:
    lines = ([f"event: {name}"] if name else []) + [f"data: {line}" for line in data.split("\n")]
    return newline.join(lines) + newline + newline


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    parts = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        kind = draw(
            st.sampled_from(["chunk", "anthropic", "error", "named-error", "comment", "done", "json", "junk"])
        )
        if kind == "chunk":
            parts.append(_event(None, json.dumps(CHUNK), newline))
        elif kind == "anthropic":
            name, data = draw(st.sampled_from(ANTHROPIC))
            parts.append(_event(name, json.dumps(data), newline))
        elif kind in ("error", "named-error"):
            payload = draw(st.sampled_from(_error_payloads()))
            parts.append(_event("error" if kind == "named-error" else None, payload, newline))
        elif kind == "comment":
            parts.append(": keep-alive" + newline + newline)
        elif kind == "done":
            parts.append("data: [DONE]" + newline + newline)
        elif kind == "json":
            parts.append(
                _event(draw(st.sampled_from([None, "error", "x"])), dumps({"error": draw(JSON)}), newline)
            )
        else:
            parts.append(draw(st.text(max_size=30)))
    return "".join(parts).encode("utf-8", "surrogatepass")


def _zstd(data: bytes) -> bytes:
    return zstd.ZstdCompressor().compress(data)


ENCODINGS = {
    "": lambda data: data,
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": _zstd,
}


def _feed(tap: SSETap, chunks: list[bytes]) -> bytes:
    out = []
    for chunk in chunks:
        result = tap(chunk)
        assert result is chunk  # identity: the very same object goes to the client
        out.append(result)
    assert tap(b"") == b""
    return b"".join(out)


def _reading(tap: SSETap) -> tuple[Any, ...]:
    return (
        tap.events,
        tap.done,
        tap.error,
        tap.error_events,
        tap.captured_body(),
        tap.parsing,
        tap.decoded_bytes,
    )


@FUZZ
@given(
    stream=streams(),
    encoding=st.sampled_from(sorted(ENCODINGS)),
    cuts=st.lists(st.integers(min_value=0, max_value=1 << 16), max_size=12),
)
def test_any_chunking_reads_as_the_whole_body(stream: bytes, encoding: str, cuts: list[int]) -> None:
    wire = ENCODINGS[encoding](stream)
    bounds = sorted({0, len(wire), *(cut % (len(wire) + 1) for cut in cuts)})
    chunks = [wire[a:b] for a, b in pairwise(bounds) if b > a]
    with swallowed(SSETap.__call__, SSETap._feed) as caught:
        whole = SSETap(encoding or None)
        assert _feed(whole, [wire]) == wire
        pieces = SSETap(encoding or None)
        assert _feed(pieces, chunks) == wire
    assert caught == [], caught
    assert whole.parsing, whole.stop_reason
    assert _reading(pieces) == _reading(whole)
    assert (
        whole.captured_body() == stream.decode("utf-8", "replace")[: sse.DEFAULT_HEAD_BYTES]
        or whole.decoded_bytes > sse.DEFAULT_HEAD_BYTES
    )
    tap_error = whole.error
    if tap_error is not None:
        tap_error.summary()


@FUZZ
@given(
    wire=st.binary(max_size=300),
    encoding=st.sampled_from(["", "gzip", "deflate", "br", "zstd", "x-unknown", "gzip, br"]),
    size=st.integers(min_value=1, max_value=40),
)
def test_any_bytes_pass_through_unchanged(wire: bytes, encoding: str, size: int) -> None:
    with swallowed(SSETap.__call__) as caught:
        tap = SSETap(encoding or None)
        assert _feed(tap, [wire[i : i + size] for i in range(0, len(wire), size)]) == wire
        tap.captured_body()
        tap.summary()
    assert caught == [], caught


def _sets_an_end_key_key_by_key(data: bytes) -> bool:
    """The definition, read key by key (sse.sets_an_end_key searches the keys' common tail once)."""
    for key in END_KEYS:
        at = data.find(key)
        while at >= 0:
            after = at + len(key)
            if at == 0 or data[at - 1 : at] != b"\\":
                rest = data[after : after + 64].lstrip()
                if rest[:1] == b":" and not rest[1:].lstrip().startswith(b"null"):
                    return True
            at = data.find(key, after)
    return False


# The keys, their tails, what escapes or ends them, values set and null, and a run longer than the
# 64 bytes read after a key.
END_KEY_PIECES = st.sampled_from(
    [
        *END_KEYS,
        *(key[1:] for key in END_KEYS),
        *(b"\\" + key for key in END_KEYS),
        *(b'"', b":", b" ", b"\n", b"null", b'"stop"', b"0", b"{", b"}", b'"reason"', b'eason"', b"x" * 70),
    ]
)


@given(st.lists(st.one_of(END_KEY_PIECES, st.binary(max_size=8)), max_size=24))
def test_an_end_key_is_found_as_reading_each_key_finds_it(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert sets_an_end_key(data) == _sets_an_end_key_key_by_key(data)
