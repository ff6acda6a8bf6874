"""An inline image's pixel size, read from the first bytes of its base64 data (PNG, JPEG, GIF, WebP).
Not a rule module: it defines no rules.

Providers bound an image's sides (Anthropic: 8000 px, 2000 px once a request holds more than 20 images),
and a client sends the image as base64 without its size. The size is in the file's header: PNG's IHDR
(bytes 16-24), GIF's logical screen, WebP's VP8/VP8L/VP8X header, JPEG's first SOF segment (after the
APPn segments, so up to :data:`JPEG_PREFIX` bytes are decoded). Only that prefix is ever decoded: a 5 MB
image costs the same as a small one. Anything unreadable answers None (the rules then judge nothing).
"""

from __future__ import annotations

import base64
import binascii
import struct
from typing import Final

#: How much of a JPEG is read for its SOF marker: EXIF and ICC segments come first and are usually
#: under 64 KiB (a segment's length field is 16 bits); a size not found in it is not judged.
JPEG_PREFIX: Final = 96 * 1024
#: PNG, GIF and WebP state their size in the first 30 bytes.
_SHORT_PREFIX: Final = 48
#: SOF markers (0xC0-0xCF) that are not DHT (C4), JPG (C8) or DAC (CC).
_SOF: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _decode_prefix(data: str, size: int) -> bytes | None:
    chars = -(-size // 3) * 4
    head = data[:chars]
    head = head[: len(head) - len(head) % 4]
    try:
        return base64.b64decode(head, validate=False)
    except (binascii.Error, ValueError):
        return None


def image_size(data: str) -> tuple[int, int] | None:
    """(width, height) of the base64 image ``data`` (no ``data:`` prefix), or None when unreadable."""
    if not isinstance(data, str) or len(data) < 16:
        return None
    head = _decode_prefix(data, _SHORT_PREFIX)
    if not head:
        return None
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24 and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return width, height
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and len(head) >= 30:
        return _webp(head)
    if head[:3] == b"\xff\xd8\xff":
        full = _decode_prefix(data, JPEG_PREFIX)
        return _jpeg(full) if full else None
    return None


def _webp(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(head[24:27], "little")
        height = 1 + int.from_bytes(head[27:30], "little")
        return width, height
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg(data: bytes) -> tuple[int, int] | None:
    index = 2
    end = len(data)
    while index + 4 <= end:
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            index += 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if marker in _SOF:
            if index + 9 > end:
                return None
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        if marker == 0xD9 or length < 2:
            return None
        index += 2 + length
    return None
