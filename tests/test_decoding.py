"""Bounded Content-Encoding decoding (issue #16): real codecs, real bombs (small enough for seconds)."""

from __future__ import annotations

import gzip
import json
import resource
import zlib

import brotli
import pytest
from backports import zstd

from toolguard_core.analyze import analyse_request
from toolguard_core.decoding import PIECE, Decoded, Decoder, decode_body, decode_head
from toolguard_core.sse import SSETap

BODY = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hello " * 40_000}]}).encode()
URL = "https://api.openai.com/v1/chat/completions"

ENCODERS = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,  # RFC 9110's deflate: zlib-wrapped
    "identity": lambda b: b,
    "br": brotli.compress,
    "zstd": zstd.compress,
    "gzip, br": lambda b: brotli.compress(gzip.compress(b)),
    "zstd, gzip, identity": lambda b: gzip.compress(zstd.compress(b)),
}


@pytest.mark.parametrize("encoding", list(ENCODERS))
def test_every_http_coding_round_trips(encoding: str):
    assert decode_body(ENCODERS[encoding](BODY), encoding, len(BODY)) == Decoded(BODY)


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        ("deflate", zlib.compress(BODY)[2:-4]),  # raw deflate, as servers send it in practice
        ("zstd", zstd.compress(BODY[:1000]) + zstd.compress(BODY[1000:])),  # two frames
        ("GZIP", gzip.compress(BODY)),
    ],
    ids=["raw-deflate", "zstd-two-frames", "upper-case"],
)
def test_what_mitmproxy_also_accepts(encoding: str, encoded: bytes):
    assert decode_body(encoded, encoding, len(BODY)).body == BODY


@pytest.mark.parametrize("encoding", ["rot13", "bz2", "compress", "gzip, base64"])
def test_codings_http_does_not_define_are_refused(encoding: str):
    decoded = decode_body(b"whatever", encoding, 1000)
    assert decoded.body is None and decoded.problem is not None
    assert "unsupported Content-Encoding" in decoded.problem


def test_corrupt_data_is_a_problem_not_an_exception():
    decoded = decode_body(b"\x1f\x8b garbage", "gzip", 1000)
    assert decoded.body is None and "could not be decoded as gzip" in (decoded.problem or "")


def _gzip_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    return b"".join(compressor.compress(chunk) for _ in range(size >> 20)) + compressor.flush()


BOMBS = {
    "gzip": lambda: _gzip_zeros(256 << 20),
    "zstd": lambda: zstd.compress(bytes(256 << 20)),
    "br": lambda: brotli.compress(bytes(256 << 20), quality=1),
}


@pytest.mark.parametrize("encoding", list(BOMBS))
def test_a_bomb_stops_at_the_limit_with_bounded_memory(encoding: str):
    bomb = BOMBS[encoding]()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    decoded = decode_body(bomb, encoding, 1 << 20)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert (decoded.complete, len(decoded.body or b"")) == (False, 1 << 20)
    assert decoded.problem and "more than the limit of 1048576 bytes" in decoded.problem
    assert grown_kb < 64 * 1024  # a 256 MB expansion never materialises


def test_pieces_are_bounded():
    decoder = Decoder("gzip")
    sizes = [len(piece) for piece in decoder.feed(_gzip_zeros(8 << 20))]
    assert sum(sizes) == 8 << 20 and max(sizes) <= PIECE


def test_a_bomb_request_is_not_validated_and_says_so():
    analysis = analyse_request(_gzip_zeros(64 << 20), URL, content_encoding="gzip", max_body_bytes=1 << 20)
    assert [(f.rule, f.severity, f.location) for f in analysis.findings] == [
        ("body.too-large", "info", "body")
    ]
    assert analysis.findings[0].message.startswith("body not validated: it decodes (gzip) to more than")


def test_an_unknown_coding_on_a_request_is_not_validated_and_says_so():
    analysis = analyse_request(BODY, URL, content_encoding="rot13")
    assert [(f.rule, f.message.split(":")[0]) for f in analysis.findings] == [
        ("body.undecodable", "body not validated")
    ]


def test_sse_tap_stops_parsing_a_bomb_at_its_limit():
    tap = SSETap("gzip", max_decoded_bytes=1 << 20)
    bomb = _gzip_zeros(64 << 20)
    assert tap(bomb) is bomb and tap(b"") == b""
    assert (tap.parsing, tap.decoded_bytes <= (1 << 20) + 2 * PIECE) == (False, True)


# decode_head: what the proxy decodes of a compressed 2xx answer to see whether it starts like an error
# (capture.may_be_error_body). A web app's page, over 4 KB however it is compressed.
PAGE = b"<!doctype html><html><head><title>Open WebUI</title>" + b"".join(
    f'<link href="/_app/{zlib.crc32(str(i).encode()):08x}.js">'.encode() for i in range(2000)
)


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "raw"),
    [
        ("gzip", gzip.compress(PAGE)),
        ("x-gzip", gzip.compress(PAGE)),
        ("deflate", zlib.compress(PAGE)),  # zlib-wrapped, as RFC 9110 says
        ("deflate", _raw_deflate(PAGE)),  # raw deflate, as servers send it in practice
        ("br", brotli.compress(PAGE)),
        ("zstd", zstd.compress(PAGE)),
        ("gzip, br", brotli.compress(gzip.compress(PAGE))),
        ("identity", PAGE),
    ],
)
def test_decode_head_reads_the_start_of_any_coding(encoding: str, raw: bytes) -> None:
    assert len(raw) > 4096
    assert decode_head(raw, encoding, 64) == PAGE[:64]


def test_decode_head_of_a_bomb_is_its_start_and_of_bad_input_nothing() -> None:
    bomb = gzip.compress(b"\0" * (50 << 20))  # 50 MB of zeros in ~50 KB
    assert decode_head(bomb, "gzip", 64) == b"\0" * 64
    assert decode_head(b"not gzip at all", "gzip", 64) is None
    assert decode_head(gzip.compress(PAGE), "bz2", 64) is None  # not an HTTP coding
    assert decode_head(b"", "br", 64) in (b"", None)
