"""Small helpers shared by rule modules for talking about JSON values."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

import orjson

from toolguard_core.rules.modelinfo import is_number


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type (`object`, `array`, `string`, ...), as providers say it."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {dict: "object", list: "array", str: "string", type(None): "null"}.get(type(value), "value")


def arguments_problem(arguments: Any) -> str | None:
    """What is wrong with a tool call's `arguments`, which must be a string holding one JSON object.

    Used by the Chat Completions `function.arguments` and the Responses API `function_call.arguments`.
    """
    if not isinstance(arguments, str):
        return f"is a JSON {json_type(arguments)}, not a string"
    if arguments == "{}":
        return None
    try:  # the fast answer for the common case; the stdlib below explains a failure
        if isinstance(orjson.loads(arguments), dict):
            return None
    except orjson.JSONDecodeError:
        pass
    try:
        value = json.loads(arguments)
    except ValueError:
        try:
            json.JSONDecoder().raw_decode(arguments.lstrip())
        except ValueError:
            return "is not valid JSON"
        return "holds more than one JSON value (a stream merge of parallel calls?)"
    except RecursionError:
        return "nests too deeply to parse"
    if not isinstance(value, dict):
        return f"holds a JSON {json_type(value)}, not an object"
    return None


_LAX_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_LAX_FLOAT = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")
_LAX_BOOLEANS = frozenset({"0", "off", "f", "false", "n", "no", "1", "on", "t", "true", "y", "yes"})


def lax_converts(value: Any, kind: str) -> bool:
    """Whether pydantic's lax mode turns ``value`` into ``kind`` ("int", "float" or "bool"), per its
    conversion table: numeric strings, integral floats for integers, the listed boolean strings and
    0/1 for booleans. Conservative: anything else is judged by the JSON type as OpenAI judges it."""
    if isinstance(value, bool):
        return kind == "bool"
    if kind == "bool":
        return (isinstance(value, str) and value.strip().lower() in _LAX_BOOLEANS) or (
            is_number(value) and value in (0, 1)
        )
    if isinstance(value, str):
        return (_LAX_INTEGER if kind == "int" else _LAX_FLOAT).fullmatch(value) is not None
    return kind == "int" and isinstance(value, float) and value.is_integer()


#: The leading bytes of the four image formats Anthropic's and Bedrock's validators accept, as base64 of the
#: file's first bytes (PNG "\x89PNG\r\n\x1a\n", JPEG "\xff\xd8\xff", GIF "GIF8", WebP "RIFF....WEBP").
_IMAGE_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"\xff\xd8\xff", 0, "jpeg"),
    (b"GIF8", 0, "gif"),
    (b"WEBP", 8, "webp"),
)


def sniff_image(data: str) -> str | None:
    """The image format whose signature opens base64 ``data`` (png, jpeg, gif, webp), or None when the bytes
    are none of these or not base64. Only the first 16 characters (12 bytes) are decoded."""
    head = data[:16]
    if len(head) < 16:
        head += "=" * (-len(head) % 4)
    try:
        raw = base64.b64decode(head, validate=True)
    except (ValueError, binascii.Error):
        return None
    for magic, offset, name in _IMAGE_MAGIC:
        if raw[offset : offset + len(magic)] == magic:
            return name
    return None
