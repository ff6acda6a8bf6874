"""A pass-through for the streams that are not server-sent events: the chunks go to the client as they come.

mitmproxy buffers a whole response body unless ``flow.response.stream`` is set (mitmproxy-notes.md §(c)), and
toolguard set it for ``text/event-stream`` only (sse.py). Two native APIs stream in other formats, so their
clients saw nothing until the generation ended:

* Bedrock's ``InvokeModelWithResponseStream`` (Claude Code with ``CLAUDE_CODE_USE_BEDROCK=1`` always streams
  there) and ``ConverseStream``: AWS's binary event stream, ``application/vnd.amazon.eventstream``
  (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html);
* Ollama's ``/api/chat`` and ``/api/generate`` with ``stream`` (its default): newline-delimited JSON,
  ``application/x-ndjson`` (https://github.com/ollama/ollama/blob/main/docs/api.md, "Streaming responses").

:class:`RawStreamTap` has the interface of :class:`~toolguard_core.sse.SSETap` the addon reads (``raw_bytes``,
``done``, ``error``, ``stream_error``, ``summary``, ``captured_body``) and returns every chunk as the very same
object. Meanwhile it keeps the stream's start for storage (bounded) and looks for the error these formats can
carry inside a 200 stream, parsed with :func:`~toolguard_core.upstream_errors.parse_error` as any error body,
and whether the stream reached its answer's end (:attr:`RawStreamTap.ended_without_end`):

* an NDJSON line with an ``error`` key (Ollama ends a failed generation with ``{"error": "..."}``);
* an event-stream message whose ``:message-type`` header is ``exception`` (Bedrock's ``validationException``,
  ``modelStreamErrorException``, ``throttlingException``... carry ``{"message": "..."}``; the frame layout is
  AWS's "Event stream encoding": total and headers length, prelude CRC, headers, payload, message CRC).

Work is O(n) in the stream length; a partial line or frame waits in a buffer bounded by
:data:`DEFAULT_MAX_PART_BYTES`. A compressed stream is passed through and not parsed.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from typing import Any

from toolguard_core.sse import END_EVENTS, key_value, sets_an_end_key, tap_summary
from toolguard_core.upstream_errors import UpstreamError, parse_error

EVENT_STREAM = "application/vnd.amazon.eventstream"
NDJSON = "application/x-ndjson"
# The content types streamed through this tap; text/event-stream has its own (sse.py).
STREAM_TYPES = (EVENT_STREAM, NDJSON)
# The start of the stream kept for storage, as sse.DEFAULT_HEAD_BYTES.
DEFAULT_HEAD_BYTES = 8 * 1024
# A line or frame longer than this stops parsing (generation deltas are tiny; the bytes still pass).
DEFAULT_MAX_PART_BYTES = 1024 * 1024
_PRELUDE = 12  # total length, headers length, prelude CRC (uint32 each)
_STRING = 7  # the event-stream header value type "string"
# The other value types' widths: bool true/false (0, 1) carry none, byte, short, int, long, timestamp, uuid.
_FIXED_WIDTH = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}


def _done_true(line: bytes) -> bool:
    """Whether an NDJSON line sets ``"done"`` to ``true``, read without decoding it (a key inside a JSON
    string is escaped, ``\\"done\\"``, so not taken)."""
    at = line.find(b'"done"')
    while at >= 0:
        after = at + len(b'"done"')
        value = key_value(line, at, after, 16)
        if value is not None and value.startswith(b"true"):
            return True
        at = line.find(b'"done"', after)
    return False


#: Bedrock's ConverseStream: the events that open an answer, and those that end it (``messageStop`` with its
#: ``stopReason``, then ``metadata`` with the usage; AWS's ConverseStream reference, "Response Syntax":
#: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html).
_CONVERSE_START = frozenset({"messageStart", "contentBlockStart", "contentBlockDelta"})
_CONVERSE_END = frozenset({"messageStop", "metadata"})
#: Bedrock's InvokeModelWithResponseStream: each ``chunk`` event carries ``{"bytes": base64(the model's own
#: stream event)}``. Only an Anthropic Messages stream (its ``message_start``) is judged, by the rule
#: sse.SSETap applies to the same events (sse.END_EVENTS, sse.sets_an_end_key: ``message_stop``, or the final
#: ``message_delta`` with its ``stop_reason``), or Bedrock's own ``amazon-bedrock-invocationMetrics`` on the
#: last chunk; other model families' final chunks differ, so their streams are not judged.
_INVOKE_METRICS = "amazon-bedrock-invocationMetrics"


def _chunk_event(payload: bytes) -> tuple[dict[str, Any], bytes] | None:
    """The model's stream event inside an InvokeModelWithResponseStream ``chunk`` payload, parsed and as
    its JSON bytes, or None."""
    try:
        wrapper = json.loads(payload)
        data = wrapper.get("bytes") if isinstance(wrapper, dict) else None
        if not isinstance(data, str):
            return None
        raw = base64.b64decode(data, validate=True)
        event = json.loads(raw)
    except (ValueError, binascii.Error):
        return None
    return (event, raw) if isinstance(event, dict) else None


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_raw_stream(content_type: str) -> bool:
    """Whether a response of this content type is one of :data:`STREAM_TYPES` (parameters ignored)."""
    return media_type(content_type) in STREAM_TYPES


def frame_headers(data: bytes) -> dict[str, str]:
    """An event-stream message's string headers (the other value types are skipped)."""
    headers: dict[str, str] = {}
    at = 0
    while at < len(data):
        size = data[at]
        name = data[at + 1 : at + 1 + size].decode("utf-8", "replace")
        at += 1 + size
        kind = data[at]
        at += 1
        if kind in (6, _STRING):  # bytes, string: a 2-byte length, then the value
            (length,) = struct.unpack_from("!H", data, at)
            if kind == _STRING:
                headers[name] = data[at + 2 : at + 2 + length].decode("utf-8", "replace")
            at += 2 + length
        elif kind in _FIXED_WIDTH:
            at += _FIXED_WIDTH[kind]
        else:  # not a type AWS defines: stop rather than guess its width
            break
    return headers


class RawStreamTap:
    """Identity stream callable that keeps the stream's start and spots an in-stream error. Never raises,
    never alters bytes."""

    def __init__(
        self,
        content_type: str,
        content_encoding: str | None = None,
        *,
        head_bytes: int = DEFAULT_HEAD_BYTES,
        max_part_bytes: int = DEFAULT_MAX_PART_BYTES,
    ) -> None:
        self.format = media_type(content_type)
        self.encoded = (content_encoding or "identity").strip().lower() not in ("", "identity")
        self.head_limit = head_bytes
        self.max_part_bytes = max_part_bytes
        self.raw_bytes = 0
        self.finished = False  # got the final b"" (the stream ended normally)
        self.parsing = not self.encoded and self.format in STREAM_TYPES
        self.stop_reason = "content-encoded: not parsed" if self.encoded else None
        self.events = 0  # NDJSON lines or event-stream messages read
        self.error: UpstreamError | None = None  # the first error inside the stream
        self.error_events = 0
        self.end_seen = False  # an NDJSON line with "done": true (Ollama's last line), Bedrock's end event
        # An event stream whose format says it ends with an end event (Bedrock's Converse events, or an
        # Anthropic stream inside InvokeModelWithResponseStream's chunks): only such a stream is judged.
        self.expects_end = False
        self._head = bytearray()
        self._part = bytearray()  # an unfinished line or frame
        self._error_text = ""

    def __call__(self, chunk: bytes) -> bytes:
        """mitmproxy's stream hook: return ``chunk`` itself; read a copy."""
        try:
            self.raw_bytes += len(chunk)
            if not chunk:
                self.finished = True
            elif len(self._head) < self.head_limit:
                self._head += chunk[: self.head_limit - len(self._head)]
            if self.parsing:
                self._feed(chunk)
        except Exception as exc:  # a bug here must never break the stream
            self._stop(f"internal error: {exc!r}")
        return chunk

    @property
    def stream_error(self) -> bool:
        return self.error is not None

    @property
    def done(self) -> bool:
        """The stream's body ended (the final ``b""``); whether before the answer's end is
        :attr:`ended_without_end`."""
        return self.finished

    @property
    def ended_without_end(self) -> bool:
        """A stream that ended (the final ``b""``) before its end and without an error: an NDJSON stream
        before a line with ``"done": true`` (Ollama's ``/api/chat`` and ``/api/generate`` end every answer
        with one: https://github.com/ollama/ollama/blob/main/docs/api.md, "Streaming responses"), or a
        Bedrock event stream that opened an answer (:data:`_CONVERSE_START`, an Anthropic ``message_start``
        chunk) before its end event (:data:`_CONVERSE_END`, ``message_stop``): the server closed the answer
        mid-generation (sse.SSETap says it for server-sent events). Not judged for any other event stream
        (SageMaker's ``PayloadPart``, another model family's chunks), nor for a stream not parsed to its end."""
        return (
            (self.format == NDJSON or self.expects_end)
            and self.finished
            and self.parsing
            and not self.end_seen
            and self.error is None
        )

    def captured_body(self) -> str:
        """What is stored as ``response_body``: the stream's start (the wire bytes; a compressed stream is
        not stored, only its size), then the error found in it."""
        if self.encoded:
            return f"[toolguard: {self.raw_bytes} bytes of a content-encoded stream not stored]\n"
        text = bytes(self._head).decode("utf-8", "replace")
        omitted = self.raw_bytes - len(self._head)
        if omitted > 0:
            text += f"\n[toolguard: {omitted} more bytes of the stream not stored]\n"
        if self._error_text and self._error_text not in text:
            text += "\n" + self._error_text
        if not self.parsing and self.stop_reason and not self.encoded:
            text += f"\n[toolguard: stopped parsing the stream: {self.stop_reason}]\n"
        return text

    def summary(self) -> dict[str, Any]:
        """Plain data for ``flow.metadata`` (tnetstring-serialisable), the shape of SSETap's summary."""
        return tap_summary(self)

    # ------------------------------------------------------------------------------ internals

    def _stop(self, reason: str) -> None:
        self.parsing = False
        self.stop_reason = reason
        self._part.clear()

    def _feed(self, chunk: bytes) -> None:
        if self.format == NDJSON:
            self._lines(chunk)
        else:
            self._frames(chunk)

    def _lines(self, chunk: bytes) -> None:
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            self._part += chunk[start:end]
            self._line(bytes(self._part))
            self._part.clear()
            start = end + 1
        self._part += chunk[start:]
        if not chunk and self._part:  # a last line without its newline
            self._line(bytes(self._part))
            self._part.clear()
        if len(self._part) > self.max_part_bytes:
            self._stop(f"a line longer than {self.max_part_bytes} bytes")

    def _line(self, line: bytes) -> None:
        if not line.strip():
            return
        self.events += 1
        if not self.end_seen and _done_true(line):
            self.end_seen = True
        if b'"error"' not in line:
            return
        try:
            data = json.loads(line)
        except ValueError:
            return
        if isinstance(data, dict) and "error" in data:
            self._found(line)

    def _frames(self, chunk: bytes) -> None:
        self._part += chunk
        at = 0
        while len(self._part) - at >= _PRELUDE:
            total, header_length = struct.unpack_from("!II", self._part, at)
            if total < _PRELUDE + 4 or total > self.max_part_bytes or header_length > total - _PRELUDE - 4:
                self._stop(f"not an event-stream message (length {total})")
                return
            if len(self._part) - at < total:
                break
            message = bytes(self._part[at : at + total])
            at += total
            self.events += 1
            headers = frame_headers(message[_PRELUDE : _PRELUDE + header_length])
            kind = headers.get(":message-type")
            if kind == "exception":
                self._found(message[_PRELUDE + header_length : total - 4])
            elif kind == "event" and not self.end_seen:
                self._event(headers.get(":event-type"), message[_PRELUDE + header_length : total - 4])
        del self._part[:at]

    def _event(self, name: str | None, payload: bytes) -> None:
        """Whether a Bedrock event opens an answer that must end with an end event, or is that end."""
        if name in _CONVERSE_END:
            self.end_seen = True
        elif name in _CONVERSE_START:
            self.expects_end = True
        elif name == "chunk":
            found = _chunk_event(payload)
            if found is None:
                return
            event, raw = found
            kind = event.get("type")
            if kind == "message_start":
                self.expects_end = True
            elif kind in END_EVENTS or sets_an_end_key(raw) or _INVOKE_METRICS in event:
                self.end_seen = True

    def _found(self, body: bytes) -> None:
        self.error_events += 1
        if self.error is None:
            self.error = parse_error(body, status=None)
            self._error_text = body[:DEFAULT_HEAD_BYTES].decode("utf-8", "replace")
