"""RawStreamTap (rawstream.py): the pass-through for Bedrock's event stream and Ollama's NDJSON returns every
chunk as the very same object, keeps a bounded start for storage and answers the addon's SSETap interface."""

from __future__ import annotations

import pytest

from toolguard_core.rawstream import RawStreamTap, is_raw_stream


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


def test_chunks_pass_unchanged_and_the_head_is_bounded() -> None:
    tap = RawStreamTap(head_bytes=10)
    chunks = [b'{"a":1}\n', b'{"b":2}\n', b""]
    assert all(tap(chunk) is chunk for chunk in chunks)
    assert (tap.raw_bytes, tap.done, tap.error, tap.stream_error) == (16, True, None, False)
    assert tap.captured_body() == '{"a":1}\n{"\n[toolguard: 6 more bytes of the stream not stored]\n'
    assert tap.summary() == {
        "events": 0,
        "error_events": 0,
        "done": True,
        "finished": True,
        "parsing": False,
        "stop_reason": "not parsed (not server-sent events)",
        "bytes": 16,
        "error": None,
    }


def test_an_unfinished_or_compressed_stream() -> None:
    tap = RawStreamTap("gzip")
    tap(b"\x1f\x8b\x08\x00")
    assert (tap.done, tap.captured_body()) == (
        False,
        "[toolguard: 4 bytes of a content-encoded stream not stored]\n",
    )
