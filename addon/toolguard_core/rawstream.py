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
object. It does not parse the stream: an error inside a 200 stream of these formats is not detected (a refusal
before the stream starts is an ordinary JSON error answer and is read as before). It keeps the stream's start
for storage, bounded.
"""

from __future__ import annotations

from typing import Any

# The content types streamed through this tap; text/event-stream has its own (sse.py).
STREAM_TYPES = ("application/vnd.amazon.eventstream", "application/x-ndjson")
# The start of the stream kept for storage, as sse.DEFAULT_HEAD_BYTES.
DEFAULT_HEAD_BYTES = 8 * 1024


def is_raw_stream(content_type: str) -> bool:
    """Whether a response of this content type is one of :data:`STREAM_TYPES` (parameters ignored)."""
    return content_type.split(";", 1)[0].strip().lower() in STREAM_TYPES


class RawStreamTap:
    """Identity stream callable that keeps the stream's start. Never raises, never alters bytes."""

    error: None = None  # not parsed: no error event is ever seen inside the stream
    stream_error = False

    def __init__(self, content_encoding: str | None = None, *, head_bytes: int = DEFAULT_HEAD_BYTES) -> None:
        self.encoded = (content_encoding or "identity").strip().lower() not in ("", "identity")
        self.head_limit = head_bytes
        self.raw_bytes = 0
        self.finished = False  # got the final b"" (the stream ended normally)
        self._head = bytearray()

    def __call__(self, chunk: bytes) -> bytes:
        """mitmproxy's stream hook: return ``chunk`` itself; keep a copy of the stream's start."""
        try:
            self.raw_bytes += len(chunk)
            if not chunk:
                self.finished = True
            elif len(self._head) < self.head_limit:
                self._head += chunk[: self.head_limit - len(self._head)]
        except Exception:  # a bug here must never break the stream
            pass
        return chunk

    @property
    def done(self) -> bool:
        """The stream ended normally (these formats have no end event toolguard reads)."""
        return self.finished

    def captured_body(self) -> str:
        """What is stored as ``response_body``: the stream's start (the wire bytes; a compressed stream is
        not stored, only its size)."""
        if self.encoded:
            return f"[toolguard: {self.raw_bytes} bytes of a content-encoded stream not stored]\n"
        text = bytes(self._head).decode("utf-8", "replace")
        omitted = self.raw_bytes - len(self._head)
        if omitted > 0:
            text += f"\n[toolguard: {omitted} more bytes of the stream not stored]\n"
        return text

    def summary(self) -> dict[str, Any]:
        """Plain data for ``flow.metadata`` (tnetstring-serialisable), the keys of SSETap's summary."""
        return {
            "events": 0,
            "error_events": 0,
            "done": self.done,
            "finished": self.finished,
            "parsing": False,
            "stop_reason": "not parsed (not server-sent events)",
            "bytes": self.raw_bytes,
            "error": None,
        }
