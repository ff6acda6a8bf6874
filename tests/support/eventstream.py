"""AWS's event-stream framing, as Bedrock's ``InvokeModelWithResponseStream`` answers: the fake upstream's side.

Claude Code on Bedrock (``CLAUDE_CODE_USE_BEDROCK=1``) always streams
(``/model/{id}/invoke-with-response-stream``) and refuses any other content type ("Bedrock streaming response has
content-type "application/json"; expected "application/vnd.amazon.eventstream"", seen from the pinned 2.1.332), so
the loopback upstream must frame its answer as Bedrock does. Each frame (AWS, "Event stream encoding",
https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream): total length and
headers length (big-endian uint32), the CRC32 of those 8 bytes, the headers, the payload, the CRC32 of everything
before it. A header is a 1-byte name length, the name, a type byte (7: string), a 2-byte value length, the value.
Bedrock's ``chunk`` event carries ``{"bytes": base64(one Messages API stream event)}``
(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html).

Written here rather than taken from a library: botocore only decodes event streams, and the encoding is these
few lines; the test for it decodes with botocore's own parser.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7  # the header value type "string"


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message with string ``headers`` and ``payload``."""
    encoded = b""
    for name, value in headers.items():
        raw_name, raw_value = name.encode(), value.encode()
        encoded += struct.pack("!B", len(raw_name)) + raw_name
        encoded += struct.pack("!BH", _STRING, len(raw_value)) + raw_value
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack("!II", total, len(encoded))
    message = prelude + struct.pack("!I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack("!I", zlib.crc32(message))


def chunk(event: dict[str, Any]) -> bytes:
    """Bedrock's ``chunk`` event carrying one Messages API stream event."""
    data = base64.b64encode(json.dumps(event, separators=(",", ":")).encode()).decode()
    return frame(
        {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"},
        json.dumps({"bytes": data}).encode(),
    )


def event(name: str, payload: dict[str, Any]) -> bytes:
    """A Converse stream event (``messageStart``, ``contentBlockDelta``, ``messageStop``, ``metadata``...): the
    event's JSON as the payload (AWS's ConverseStream reference, "Response Syntax")."""
    return frame(
        {":event-type": name, ":content-type": "application/json", ":message-type": "event"},
        json.dumps(payload, separators=(",", ":")).encode(),
    )
