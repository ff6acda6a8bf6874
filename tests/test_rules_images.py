"""rules/images.py: an inline image's size read from the first bytes of its base64 data, for each format
clients send (PNG, JPEG, GIF, WebP), built here from each format's own header layout; anything else,
truncated or not base64, reads as unknown (None), never an exception."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from toolguard_core.rules.images import JPEG_PREFIX, image_size

assert JPEG_PREFIX < 120_000  # the case below puts its SOF past the prefix


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def png(width: int, height: int) -> bytes:
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF)
    )


def jpeg(width: int, height: int, *, app_bytes: int = 14, apps: int = 1) -> bytes:
    """SOI, ``apps`` APPn segments of ``app_bytes`` payload each (JFIF, EXIF...), then a baseline SOF0."""
    app0 = (
        b"\xff\xe0" + struct.pack(">H", app_bytes + 2) + (b"JFIF\x00" + b"\x00" * app_bytes)[:app_bytes]
    ) * apps
    sof0 = (
        b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    )
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xda\x00\x08"


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\xf7\x00\x00" + b"\x00" * 16


def webp_vp8x(width: int, height: int) -> bytes:
    chunk = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little")
    chunk += (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def webp_vp8l(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    chunk = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + struct.pack("<I", bits) + b"\x00" * 8
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (png(1080, 2400), (1080, 2400)),
        (png(8192, 8192), (8192, 8192)),
        (jpeg(4032, 3024), (4032, 3024)),
        # EXIF and ICC segments come before SOF: a 60 KB APP1 is still read.
        (jpeg(2560, 1600, app_bytes=60_000), (2560, 1600)),
        (gif(640, 480), (640, 480)),
        (webp_vp8x(3000, 2000), (3000, 2000)),
        (webp_vp8l(2100, 900), (2100, 900)),
    ],
)
def test_sizes_are_read_from_each_format_header(data: bytes, size: tuple[int, int]) -> None:
    assert image_size(b64(data + b"\x00" * 64)) == size


@pytest.mark.parametrize(
    "data",
    [
        "",
        "not base64 at all!!",
        b64(b"\x89PNG\r\n\x1a\n"),  # truncated before IHDR
        b64(b"BM" + b"\x00" * 60),  # a BMP: not a format read here
        b64(b"\xff\xd8" + b"\xff\xe0\x00\x10" + b"\x00" * 10),  # a JPEG cut before its SOF
        b64(jpeg(100, 100, app_bytes=60_000, apps=2)),  # SOF beyond the prefix read: unknown, not guessed
        "data:image/png;base64," + b64(png(10, 10)),  # a data: URL is another rule's
    ],
)
def test_unreadable_data_is_unknown(data: str) -> None:
    assert image_size(data) is None
