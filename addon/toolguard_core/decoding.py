"""Bounded, streamed Content-Encoding decoding (issue #16: a compression bomb must not kill the proxy).

mitmproxy's ``message.content`` decompresses a body whole, without a limit: a 10 MB gzip request
expanding to 10 GB got mitmdump killed for memory. Here a body is decoded in small pieces, every
codec is asked for at most :data:`PIECE` bytes at a time, and decoding stops as soon as the output
passes the caller's limit (the same limit as ``toolguard_max_body``). The flow itself is never
touched: callers pass ``raw_content`` and the header, and forward the original bytes whatever
happens here.

Only the content codings HTTP defines are decoded (RFC 9110 §8.4.1 and the IANA HTTP Content Coding
Registry): ``gzip`` (``x-gzip`` is its alias, §8.4.1.3), ``deflate``, ``br``, ``zstd`` and
``identity``. mitmproxy falls back to any Python codec (``bz2``, ``rot13``, ...), which turns a
6.5 KB ``bz2`` body into 1 GB; such a coding is reported as unsupported instead. Several stacked
codings (``Content-Encoding: gzip, br``) are undone in reverse order, as §8.4 says they were applied.

The codecs are the ones mitmproxy 12 itself depends on (``mitmproxy/net/encoding.py``): zlib,
``brotli`` and ``backports.zstd`` (``compression.zstd`` from Python 3.14), so no new dependency.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import brotli

if sys.version_info >= (3, 14):  # pragma: no cover - the project runs 3.12 (.python-version)
    from compression import zstd
else:
    from backports import zstd

#: The most output asked of a codec in one call (and the size of the input slices fed to it).
PIECE = 64 * 1024

#: Content codings toolguard decodes: HTTP's own (RFC 9110 §8.4.1, IANA registry). ``none`` is not a
#: registered coding but mitmproxy and some clients send it for "no coding"; it is treated as identity.
IDENTITY_CODINGS = frozenset({"identity", "none"})
HTTP_CODINGS = frozenset({"gzip", "x-gzip", "deflate", "br", "zstd"}) | IDENTITY_CODINGS


class UnsupportedEncoding(ValueError):
    """A Content-Encoding outside :data:`HTTP_CODINGS`."""


def codings(content_encoding: str | None) -> list[str]:
    """The codings a ``Content-Encoding`` header lists, lower-cased, in the order they were applied."""
    if not content_encoding:
        return []
    return [c.strip().lower() for c in content_encoding.split(",") if c.strip()]


class _Zlib:
    """gzip / zlib / raw deflate with bounded output (``unconsumed_tail`` keeps the rest of the input)."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        # gzip: wbits 47 = auto-detect the gzip or zlib header, like mitmproxy's decode_gzip.
        self._obj: zlib._Decompress | None = zlib.decompressobj(47) if coding != "deflate" else None
        self._start = b""

    def feed_head(self, data: bytes, size: int) -> Iterator[bytes]:
        """At most ``size`` bytes of output for ``data``, once (:func:`decode_head`)."""
        obj = self._zlib_for(data)
        if obj is not None:
            yield obj.decompress(data, size)

    def _zlib_for(self, data: bytes) -> zlib._Decompress | None:
        """The decompressor, made from the body's first two bytes for "deflate": zlib-wrapped by the
        RFC but raw deflate in practice (mitmproxy tries both); the zlib header (RFC 1950 §2.2: CM = 8,
        the first 16 bits a multiple of 31) tells which. None until two bytes came."""
        if self._obj is None and len(data) >= 2:
            wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._obj = zlib.decompressobj(15 if wrapped else -15)
        return self._obj

    def feed(self, data: bytes) -> Iterator[bytes]:
        obj = self._obj
        if obj is None:
            data = self._start + data
            obj = self._zlib_for(data)
            if obj is None:
                self._start = data  # a stream may arrive a byte at a time
                return
        if obj.eof:  # bytes after the end of the stream are ignored, as mitmproxy does
            return
        out = obj.decompress(data, PIECE)
        yield out
        while (obj.unconsumed_tail or len(out) == PIECE) and not obj.eof:
            out = obj.decompress(obj.unconsumed_tail, PIECE)
            if not out and not obj.unconsumed_tail:
                break
            yield out


class _Brotli:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        obj = self._obj
        if obj.is_finished():
            return
        out = obj.process(data, output_buffer_limit=PIECE)
        yield out
        # The limit stops the output buffer growing (so a piece may pass PIECE by one internal block);
        # the rest stays pending inside the decompressor until asked for with empty input. brotli
        # 1.2's can_accept_more_data() may say True while output is pending, so drain until empty.
        while out and not obj.is_finished():
            out = obj.process(b"", output_buffer_limit=PIECE)
            yield out


class _Zstd:
    def __init__(self) -> None:
        self._obj = zstd.ZstdDecompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            obj = self._obj
            if obj.eof:  # the previous frame ended at a slice boundary; the next one starts here
                obj = self._obj = zstd.ZstdDecompressor()
            yield obj.decompress(data, PIECE)
            while not obj.needs_input and not obj.eof:
                yield obj.decompress(b"", PIECE)
            if not (obj.eof and obj.unused_data):
                return
            # Several frames in one body: mitmproxy's zstd.decompress reads them all, so do we.
            data = obj.unused_data


_STAGES: dict[str, Callable[[], _Zlib | _Brotli | _Zstd]] = {
    "gzip": lambda: _Zlib("gzip"),
    "x-gzip": lambda: _Zlib("gzip"),
    "deflate": lambda: _Zlib("deflate"),
    "br": _Brotli,
    "zstd": _Zstd,
}


class Decoder:
    """Incremental decoder for one Content-Encoding header value (possibly several stacked codings).

    ``feed(chunk)`` yields decoded pieces of at most :data:`PIECE` bytes each, so a caller that stops
    iterating stops the work. Raises :class:`UnsupportedEncoding` at construction for a coding
    outside :data:`HTTP_CODINGS`, and the codec's error (``zlib.error``, ``brotli.error``,
    ``zstd.ZstdError``) on corrupt data.
    """

    def __init__(self, content_encoding: str | None) -> None:
        listed = codings(content_encoding)
        unknown = [c for c in listed if c not in HTTP_CODINGS]
        if unknown:
            raise UnsupportedEncoding(
                f"unsupported Content-Encoding {', '.join(unknown)!r} (HTTP defines "
                "gzip, deflate, br, zstd and identity)"
            )
        self.encoding = ", ".join(listed)
        # Applied in the listed order, so undone from the last to the first (RFC 9110 §8.4).
        self._stages = [_STAGES[c]() for c in reversed(listed) if c not in IDENTITY_CODINGS]

    @property
    def identity(self) -> bool:
        return not self._stages

    def feed(self, data: bytes) -> Iterator[bytes]:
        yield from self._through(0, data)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._stages):
            if data:
                yield data
            return
        if not data:
            return
        for offset in range(0, len(data), PIECE):
            for piece in self._stages[index].feed(data[offset : offset + PIECE]):
                yield from self._through(index + 1, piece)


@dataclass(frozen=True, slots=True)
class Decoded:
    """The result of :func:`decode_body`.

    ``body`` is the decoded body when ``problem`` is None. When the decoded body is larger than the
    limit, ``body`` is its first ``limit`` bytes, ``complete`` is False and ``problem`` says so.
    On an unsupported coding or corrupt data ``body`` is None.
    """

    body: bytes | None
    problem: str | None = None
    complete: bool = True


def decode_body(raw: bytes | None, content_encoding: str | None, limit: int) -> Decoded:
    """Decode ``raw`` (a message's ``raw_content``) by its ``Content-Encoding``, at most ``limit`` bytes.

    Never raises for bad input, never decodes more than ``limit`` + :data:`PIECE` bytes, and never
    holds more than ``limit`` decoded bytes.
    """
    if raw is None:
        return Decoded(None)
    try:
        decoder = Decoder(content_encoding)
    except UnsupportedEncoding as exc:
        return Decoded(None, str(exc))
    if decoder.identity:
        if len(raw) > limit:
            return Decoded(raw[:limit], f"it is {len(raw)} bytes, over the limit of {limit}", False)
        return Decoded(raw)
    out = bytearray()
    try:
        for piece in decoder.feed(raw):
            out += piece
            if len(out) > limit:
                del out[limit:]
                return Decoded(
                    bytes(out),
                    f"it decodes ({decoder.encoding}) to more than the limit of {limit} bytes "
                    f"({len(raw)} bytes on the wire)",
                    False,
                )
    except Exception as exc:  # corrupt data; each codec has its own error type
        return Decoded(None, f"it could not be decoded as {decoder.encoding}: {exc}")
    return Decoded(bytes(out))


def decode_head(raw: bytes, content_encoding: str | None, size: int) -> bytes | None:
    """The first ``size`` bytes of ``raw`` decoded (fewer when the body is shorter), at a cost that
    follows ``size``, not the body's length: each codec is asked for ``size`` bytes of output and
    stops there. What the proxy reads to decide whether a compressed 2xx answer starts like an
    error (capture.may_be_error_body): until session 20 it decoded such an answer only when it was
    4 KB or less, so a longer one (a web app's page behind a server that compresses) passed unread.
    Stacked codings are decoded by :func:`decode_body` up to ``size`` (a piece per stage at most).
    None on an unsupported coding or corrupt data; never raises."""
    listed = [c for c in codings(content_encoding) if c not in IDENTITY_CODINGS]
    try:
        if not listed:
            return raw[:size]
        if len(listed) > 1 or listed[0] not in _STAGES:
            return decode_body(raw, content_encoding, size).body
        coding = listed[0]
        if coding == "br":
            return brotli.Decompressor().process(raw, output_buffer_limit=size)[:size]
        if coding == "zstd":
            return zstd.ZstdDecompressor().decompress(raw, size)
        stage = _Zlib(coding)
        return next(iter(stage.feed_head(raw, size)), b"")
    except Exception:  # corrupt, truncated or odd input: not read, never a crash
        return None
