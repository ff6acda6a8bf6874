"""The fake Bedrock's event-stream frames (tests/support/eventstream.py) decode with botocore's own parser, as
boto3 and the AWS SDKs Claude Code uses read them: a wrong CRC or length would fail there, not in an e2e run."""

from __future__ import annotations

import base64
import json

import pytest
from support.eventstream import chunk, frame

eventstream = pytest.importorskip("botocore.eventstream")


def test_chunks_decode_with_botocore_to_the_events_they_carry() -> None:
    events = [
        {"type": "message_start", "message": {"id": "msg_1"}},
        {"type": "ping"},
        {"type": "message_stop"},
    ]
    buffer = eventstream.EventStreamBuffer()
    buffer.add_data(b"".join(chunk(e) for e in events))
    decoded = [
        (dict(m.headers), json.loads(base64.b64decode(json.loads(m.payload)["bytes"]))) for m in buffer
    ]
    headers = {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}
    assert decoded == [(headers, e) for e in events]


def test_a_corrupted_frame_is_refused_by_botocore() -> None:
    data = bytearray(frame({":event-type": "chunk"}, b"{}"))
    data[-5] ^= 0xFF  # a payload byte: the message CRC no longer matches
    buffer = eventstream.EventStreamBuffer()
    buffer.add_data(bytes(data))
    with pytest.raises(eventstream.ChecksumMismatch):
        list(buffer)
