"""A tee for ``flow.response.stream``: the chunks go to the client unchanged, events are parsed on the side.

mitmproxy calls the stream callable with every chunk of a ``text/event-stream`` body (after
transfer-encoding, before content-encoding) and once with ``b""`` at the end (mitmproxy-notes.md
§(c)). :class:`SSETap` returns each chunk as the very same object, so the bytes the client receives
are exactly the upstream's, and meanwhile:

* decodes ``gzip``/``deflate``/``br``/``zstd`` incrementally and bounded (decoding.py; on a decoding
  error or past the size limit it stops parsing; the bytes still pass through untouched);
* splits lines across arbitrary chunk boundaries (``\\n``, ``\\r\\n`` and ``\\r``, even when a ``\\r\\n``
  pair is split between two chunks), joins multi-line ``data:`` fields and dispatches an event on
  each blank line, as the SSE spec (and openai-python's ``SSEDecoder``) do;
* recognises errors inside a 200 stream: an ``event: error`` event, or a ``data:`` JSON object with an
  ``error`` key (OpenAI, vLLM, OpenRouter; providers.md §9) or ``"type": "error"`` (the Responses
  API; Anthropic's Messages stream sends ``event: error`` with ``{"type": "error", "error": {...}}``),
  and parses the first one with :func:`~toolguard_core.upstream_errors.parse_error`;
* keeps a bounded copy for storage: the start of the stream plus every error event, never the whole
  generation.

Work is O(n) in the stream length: each byte is scanned once for line ends; a partial line waits in
a buffer that grows only by the new chunk. Only events whose data mentions ``error`` are JSON-decoded.
"""

from __future__ import annotations

import json
from typing import Any

from toolguard_core.decoding import Decoder
from toolguard_core.upstream_errors import UpstreamError, parse_error

# Named events that end a complete answer, like OpenAI's `data: [DONE]`: Anthropic's Messages stream
# closes with `event: message_stop` (docs.anthropic.com streaming, "Event types"), the Responses API's
# with `event: response.completed` (or `response.incomplete`, e.g. at max_output_tokens; doc [OAS]
# ResponseStreamEvent). A client that hangs up right after it (Claude Code and Codex do; agent-clis.md)
# got the whole answer, not an interrupted one.
COMPLETION_EVENTS = frozenset({"message_stop", "response.completed", "response.incomplete"})
# What else says the answer reached its end, for :attr:`SSETap.ended_without_end` (a 200 stream the
# upstream closed cleanly mid-generation: a crashed llama-server or vLLM worker, a gateway's timeout;
# trial22). Lenient on purpose, so that no server's normal stream reads as cut:
# * Chat Completions: a chunk whose `finish_reason` is set. OpenAI ends with `data: [DONE]` too
#   (API reference, chat streaming), so do vLLM, Ollama's /v1 and llama-server (ggml-org/llama.cpp#9459
#   added it in 2024-09), but ik_llama.cpp and llama-box send the finish_reason chunk and close
#   (docs/development.md, trial22), and clients take that as complete;
# * Anthropic Messages: `message_stop`, or the final `message_delta` whose `stop_reason` is set (every
#   content block has stopped before it; docs.anthropic.com "Streaming Messages", event flow);
# * Responses API: `response.completed`, `response.incomplete`, `response.failed` (doc [OAS]
#   ResponseStreamEvent);
# * Gemini's `:streamGenerateContent?alt=sse`: a chunk whose candidate carries `finishReason`, or a
#   blocked prompt's `promptFeedback.blockReason` (which comes without candidates; ai.google.dev
#   GenerateContentResponse).
# An error event is a rejection and is judged as one, never as a cut stream.
END_KEYS = (b'"finish_reason"', b'"stop_reason"', b'"finishReason"', b'"blockReason"')


def _common_tail(keys: tuple[bytes, ...]) -> bytes:
    tail = keys[0]
    for key in keys[1:]:
        while not key.endswith(tail):
            tail = tail[1:]
    return tail


# What every END_KEYS ends with: an event without it sets none of them (sets_an_end_key).
_END_KEYS_TAIL = _common_tail(END_KEYS)
END_EVENTS = COMPLETION_EVENTS | {"response.failed"}
# The start of the stream kept for storage (role, first deltas, model id).
DEFAULT_HEAD_BYTES = 8 * 1024
# All error events kept for storage, together.
DEFAULT_ERROR_BYTES = 16 * 1024
# A single line longer than this is skipped (not buffered further); generation deltas are tiny.
DEFAULT_MAX_LINE_BYTES = 1024 * 1024
# After this much decoded data the tap stops parsing (a decompression bomb must not cost memory/CPU).
DEFAULT_MAX_DECODED_BYTES = 512 * 1024 * 1024


class SSETap:
    """Identity stream callable that parses SSE events on the side. Never raises, never alters bytes."""

    def __init__(
        self,
        content_encoding: str | None = None,
        *,
        head_bytes: int = DEFAULT_HEAD_BYTES,
        error_bytes: int = DEFAULT_ERROR_BYTES,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES,
    ) -> None:
        self.head_limit = head_bytes
        self.error_limit = error_bytes
        self.max_line_bytes = max_line_bytes
        self.max_decoded_bytes = max_decoded_bytes

        self.finished = False  # got the final b"" (the stream ended normally)
        self.parsing = True  # False once parsing stopped (bad encoding, limit, internal bug)
        self.stop_reason: str | None = None
        self.raw_bytes = 0  # bytes seen on the wire (still content-encoded)
        self.decoded_bytes = 0
        self.events = 0  # dispatched events, [DONE] included
        self.done = False  # saw `data: [DONE]` or a completion event (COMPLETION_EVENTS)
        self.end_seen = False  # saw anything that ends an answer (done, END_EVENTS, END_KEYS set)
        self.error: UpstreamError | None = None  # the first error event, parsed
        self.error_events = 0

        self._head = bytearray()
        self._errors = bytearray()
        self._errors_dropped = 0
        # Decoded bytes up to the end of the line being taken: an error event that ends inside the
        # head is stored there already, and is not kept a second time (_keep_error).
        self._at = 0
        self._line = bytearray()
        self._line_overflow = False
        self._skip_lf = False  # the previous chunk ended in "\r": a leading "\n" belongs to it
        self._event_name = ""
        self._data: list[bytes] = []
        self._event_lines: list[bytes] = []
        self._event_size = 0

        self._decoder: Decoder | None = None
        try:
            decoder = Decoder(content_encoding)
            self._decoder = None if decoder.identity else decoder
        except Exception as exc:
            self._stop(f"content-encoding {content_encoding!r}: {exc}")

    # ------------------------------------------------------------------------------ public API

    def __call__(self, chunk: bytes) -> bytes:
        """mitmproxy's stream hook: return ``chunk`` itself; parse a copy of what it says."""
        try:
            self.raw_bytes += len(chunk)
            if not chunk:
                self.finished = True
            if self.parsing:
                self._feed(chunk)
        except Exception as exc:  # a bug here must never break the stream
            self._stop(f"internal error: {exc!r}")
        return chunk

    @property
    def stream_error(self) -> bool:
        return self.error is not None

    @property
    def ended_without_end(self) -> bool:
        """The stream ended (the final ``b""``) without any event that ends an answer (END_EVENTS,
        ``[DONE]``, a set END_KEYS value) and without an error event: the upstream closed a 200 answer
        before its end. Not said when parsing stopped (an undecodable or oversized stream: not read
        to its end, so not judged)."""
        return self.finished and self.parsing and not self.end_seen and self.error is None

    def captured_body(self) -> str:
        """What is stored as ``response_body``: the stream's start, then every error event (bounded)."""
        head = bytes(self._head)
        text = head.decode("utf-8", "replace")
        omitted = self.decoded_bytes - len(head)
        if omitted > 0:
            text += f"\n[toolguard: {omitted} more bytes of the stream not stored]\n"
        if self._errors:
            errors = bytes(self._errors)
            # Only events past the head are kept (_keep_error): one near the start is inside it.
            text += "\n" + errors.decode("utf-8", "replace")
            if self._errors_dropped:
                text += f"\n[toolguard: {self._errors_dropped} more error events not stored]\n"
        if not self.parsing and self.stop_reason:
            text += f"\n[toolguard: stopped parsing the stream: {self.stop_reason}]\n"
        return text

    def summary(self) -> dict[str, Any]:
        """Plain data for ``flow.metadata`` (tnetstring-serialisable)."""
        return tap_summary(self)

    # ------------------------------------------------------------------------------ internals

    def _stop(self, reason: str) -> None:
        self.parsing = False
        self.stop_reason = reason
        self._line.clear()
        self._data.clear()
        self._event_lines.clear()

    def _feed(self, chunk: bytes) -> None:
        if self._decoder is not None:
            # Decoded a bounded piece at a time (decoding.py): one small compressed chunk can expand
            # to gigabytes, and the limit below must stop the work before it is done, not after.
            try:
                for piece in self._decoder.feed(chunk):
                    if not self._take_data(piece):
                        return
            except Exception as exc:
                self._stop(f"could not decode {self._decoder.encoding}: {exc}")
                return
        elif chunk and not self._take_data(chunk):
            return
        if not chunk:
            # End of stream: a last event without its blank line still counts (lenient, like clients).
            self._at = self.decoded_bytes
            if self._line:
                self._take_line(bytes(self._line))
                self._line.clear()
            self._dispatch()

    def _take_data(self, data: bytes) -> bool:
        """Scan decoded bytes; False once the decoded-size limit stopped parsing."""
        if not data:
            return True
        self.decoded_bytes += len(data)
        if len(self._head) < self.head_limit:
            self._head += data[: self.head_limit - len(self._head)]
        if self.decoded_bytes > self.max_decoded_bytes:
            self._stop(f"more than {self.max_decoded_bytes} decoded bytes")
            return False
        self._scan(data)
        return True

    def _scan(self, data: bytes) -> None:
        start = 0
        base = self.decoded_bytes - len(data)  # where ``data`` starts in the decoded stream
        if self._skip_lf:
            self._skip_lf = False
            if data[:1] == b"\n":
                start = 1
        length = len(data)
        # Most streams end their lines with "\n" alone: one search per line then, not two.
        has_cr = b"\r" in data
        pending = self._line
        if not has_cr and not pending and not self._line_overflow:
            # The usual chunk (no line carried over from the last one, no CR): split at once, each
            # whole line taken as the loop below would take it, the rest kept for the next chunk.
            lines = data[start:].split(b"\n")
            rest = lines.pop()
            at = base + start
            limit = self.max_line_bytes
            take = self._take_line
            for line in lines:
                at += len(line) + 1
                if len(line) <= limit:  # longer: skipped, as _append_partial's overflow skips it
                    self._at = at
                    take(line)
            if rest:
                self._append_partial(data, length - len(rest), length)
            return
        while start < length:
            lf = data.find(b"\n", start)
            cr = data.find(b"\r", start, lf if lf >= 0 else length) if has_cr else -1
            end = cr if cr >= 0 else lf
            if end < 0:
                self._append_partial(data, start, length)
                return
            if pending or self._line_overflow:  # the line began in an earlier chunk
                self._append_partial(data, start, end)
                line = bytes(pending)
                overflow = self._line_overflow
                pending.clear()
                self._line_overflow = False
            else:  # the whole line is in this chunk: sliced once (what _append_partial would keep)
                line = data[start:end]
                overflow = end - start > self.max_line_bytes
            if not overflow:
                self._at = base + end + 1
                self._take_line(line)
            if data[end : end + 1] == b"\r":
                if end + 1 < length:
                    start = end + 2 if data[end + 1 : end + 2] == b"\n" else end + 1
                else:
                    self._skip_lf = True
                    start = length
            else:
                start = end + 1

    def _append_partial(self, data: bytes, start: int, end: int) -> None:
        if self._line_overflow or start >= end:
            return
        if len(self._line) + (end - start) > self.max_line_bytes:
            self._line_overflow = True
            self._line.clear()
            return
        self._line += data[start:end]

    def _take_line(self, line: bytes) -> None:
        if not line:
            self._dispatch()
            return
        if line.startswith(b":"):
            return  # comment / keep-alive
        field, sep, value = line.partition(b":")
        if sep and value.startswith(b" "):
            value = value[1:]
        if field == b"data":
            self._data.append(value)
        elif field == b"event":
            self._event_name = value.decode("utf-8", "replace")
        else:
            return  # id, retry, unknown fields
        self._event_size += len(line) + 1
        if self._event_size <= self.error_limit:
            self._event_lines.append(line)

    def _dispatch(self) -> None:
        if not self._data and not self._event_name:
            self._event_lines.clear()
            self._event_size = 0
            return
        name = self._event_name
        data = b"\n".join(self._data)
        lines = self._event_lines
        self._event_name = ""
        self._data = []
        self._event_lines = []
        self._event_size = 0
        self.events += 1

        if data.strip() == b"[DONE]" or name in COMPLETION_EVENTS:
            self.done = self.end_seen = True
            return
        if not self.end_seen and (name in END_EVENTS or sets_an_end_key(data)):
            # Looked for until found once: the deltas before the end cost one bounded search each.
            self.end_seen = True
        is_error = name == "error"
        payload: Any = None
        if is_error or b"error" in data:
            try:
                payload = json.loads(data)
            except (ValueError, RecursionError):
                payload = None
            if isinstance(payload, dict) and (
                payload.get("error") is not None
                or payload.get("type") == "error"
                or payload.get("object") == "error"
            ):
                is_error = True
            # Responses API: `event: response.failed` carries the error inside the response object
            # (doc [OAS] ResponseFailedEvent: {"type": "response.failed", "response": {"error": {code, message}}}).
            elif isinstance(payload, dict) and payload.get("type") == "response.failed":
                response = payload.get("response")
                failure = response.get("error") if isinstance(response, dict) else None
                if isinstance(failure, dict):
                    is_error = True
                    data = json.dumps({"error": failure}).encode()
        if not is_error:
            return
        self.error_events += 1
        self._keep_error(lines)
        if self.error is None:
            self.error = parse_error(data, status=None)

    def _keep_error(self, lines: list[bytes]) -> None:
        if self._at <= self.head_limit:
            # Stored in the head already, in the stream's own line endings. Comparing the rejoined
            # event with the head instead missed a CRLF stream's event and two early error events
            # apart, which were stored twice (found by tests/test_fuzz_sse.py).
            return
        event = b"\n".join(lines) + b"\n\n"
        if len(self._errors) + len(event) > self.error_limit:
            self._errors_dropped += 1
            return
        self._errors += event


def key_value(data: bytes, start: int, end: int, width: int) -> bytes | None:
    """The start of the value of the JSON key quoted at ``data[start:end]``, read without decoding it
    (at most ``width`` bytes after the key, blanks stripped), or None when it is no key: escaped (inside
    a JSON string a quote is ``\\"``) or not followed by ``:``."""
    if start and data[start - 1 : start] == b"\\":
        return None
    rest = data[end : end + width].lstrip()
    return rest[1:].lstrip() if rest[:1] == b":" else None


def sets_an_end_key(data: bytes) -> bool:
    """Whether an event's JSON data sets one of END_KEYS to a value other than ``null``, read without
    decoding it: the key in quotes not escaped (inside a JSON string a quote is ``\\"``), then ``:``."""
    # Every key ends with _END_KEYS_TAIL: one search for it, then which key (if any) ends there. Most
    # deltas of most streams name none; each of OpenAI's names one, set to null until the last.
    at = data.find(_END_KEYS_TAIL)
    while at >= 0:
        after = at + len(_END_KEYS_TAIL)
        for key in END_KEYS:
            start = after - len(key)
            if start >= 0 and data.startswith(key, start):
                value = key_value(data, start, after, 64)
                if value is not None and not value.startswith(b"null"):
                    return True
                break  # each key is quoted with no quote inside, so none ends another: this one alone
        at = data.find(_END_KEYS_TAIL, after)
    return False


def tap_summary(tap: SSETap | Any) -> dict[str, Any]:
    """What a stream tap (this module's :class:`SSETap`, ``rawstream.RawStreamTap``) saw, as plain data
    for ``flow.metadata``: one shape, which the addon and the stored row read for either tap."""
    return {
        "events": tap.events,
        "error_events": tap.error_events,
        "done": tap.done,
        "finished": tap.finished,
        "parsing": tap.parsing,
        "stop_reason": tap.stop_reason,
        "bytes": tap.raw_bytes,
        "error": tap.error.summary() if tap.error else None,
    }
