"""RawStreamTap (rawstream.py): the pass-through for Bedrock's event stream and Ollama's NDJSON returns every
chunk as the very same object, keeps a bounded start for storage, answers the addon's SSETap interface, and
finds the error either format carries inside a 200 stream, however the chunks split it."""

from __future__ import annotations

import json

import pytest
from support.eventstream import event, frame

from toolguard_core.rawstream import EVENT_STREAM, NDJSON, RawStreamTap, is_raw_stream

# Ollama ends a generation that fails midway with an error line (its api.md, "Errors"; server/routes.go).
OLLAMA_LINES = [
    b'{"model":"qwen3:8b","created_at":"2026-12-01T03:00:00Z","message":{"role":"assistant","content":"Sun"},"done":false}\n',
    b'{"error":"an error was encountered while running the model: unexpected EOF"}\n',
]
# Bedrock's in-stream exception: :message-type exception, its type in :exception-type, {"message"} as payload
# (ConverseStream reference, "Errors": modelStreamErrorException, validationException, throttlingException).
THROTTLED = "Too many tokens, please wait before trying again."
BEDROCK_FRAMES = [
    event("messageStart", {"role": "assistant"}),
    event("contentBlockDelta", {"delta": {"text": "Sun"}, "contentBlockIndex": 0}),
    frame(
        {
            ":message-type": "exception",
            ":exception-type": "throttlingException",
            ":content-type": "application/json",
        },
        json.dumps({"message": THROTTLED}).encode(),
    ),
]


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("application/vnd.amazon.eventstream", True),
        ("application/x-ndjson", True),
        ("application/x-ndjson; charset=utf-8", True),
        ("Application/VND.Amazon.EventStream", True),
        ("application/json", False),
        ("text/event-stream", False),  # SSETap's
        ("", False),
    ],
)
def test_stream_types(content_type: str, raw: bool) -> None:
    assert is_raw_stream(content_type) is raw


def feed(tap: RawStreamTap, data: bytes, size: int) -> None:
    """``data`` in chunks of ``size`` bytes, then the end; every chunk comes back as the same object."""
    for start in range(0, len(data), size):
        chunk = data[start : start + size]
        assert tap(chunk) is chunk
    assert tap(b"") == b""


@pytest.mark.parametrize("size", [1, 7, 100_000])
@pytest.mark.parametrize(
    ("content_type", "parts", "events", "message"),
    [
        (NDJSON, OLLAMA_LINES, 2, "an error was encountered while running the model: unexpected EOF"),
        (EVENT_STREAM, BEDROCK_FRAMES, 3, THROTTLED),
    ],
    ids=["ollama", "bedrock"],
)
def test_an_error_inside_the_stream_is_found_however_it_is_split(
    content_type: str, parts: list[bytes], events: int, message: str, size: int
) -> None:
    tap = RawStreamTap(content_type)
    feed(tap, b"".join(parts), size)
    assert tap.error is not None
    assert (tap.stream_error, tap.error.message, tap.events, tap.error_events, tap.done) == (
        True,
        message,
        events,
        1,
        True,
    )
    assert message in tap.captured_body()


@pytest.mark.parametrize(
    ("content_type", "parts"), [(NDJSON, OLLAMA_LINES[:1]), (EVENT_STREAM, BEDROCK_FRAMES[:2])]
)
def test_a_clean_stream_has_no_error(content_type: str, parts: list[bytes]) -> None:
    tap = RawStreamTap(content_type)
    feed(tap, b"".join(parts), 5)
    assert (tap.error, tap.stream_error, tap.error_events, tap.events) == (None, False, 0, len(parts))


def test_the_head_is_bounded_and_the_summary_has_sse_taps_keys() -> None:
    tap = RawStreamTap(NDJSON, head_bytes=10)
    feed(tap, b'{"a":1}\n{"b":2}\n', 8)
    assert tap.captured_body() == '{"a":1}\n{"\n[toolguard: 6 more bytes of the stream not stored]\n'
    assert tap.summary() == {
        "events": 2,
        "error_events": 0,
        "done": True,
        "finished": True,
        "parsing": True,
        "stop_reason": None,
        "bytes": 16,
        "error": None,
    }


def test_garbage_or_compression_stops_parsing_but_passes_every_byte() -> None:
    garbage = RawStreamTap(EVENT_STREAM)
    feed(garbage, b"\xff" * 64, 10)
    assert (garbage.parsing, garbage.error, garbage.raw_bytes) == (False, None, 64)
    assert garbage.stop_reason is not None and garbage.stop_reason.startswith("not an event-stream message")

    compressed = RawStreamTap(NDJSON, "gzip")
    compressed(b"\x1f\x8b\x08\x00")
    assert (compressed.done, compressed.parsing, compressed.captured_body()) == (
        False,
        False,
        "[toolguard: 4 bytes of a content-encoded stream not stored]\n",
    )


def test_an_endless_line_stops_parsing() -> None:
    tap = RawStreamTap(NDJSON, max_part_bytes=100)
    feed(tap, b"x" * 500, 50)
    assert (tap.parsing, tap.stop_reason, tap.raw_bytes) == (False, "a line longer than 100 bytes", 500)
