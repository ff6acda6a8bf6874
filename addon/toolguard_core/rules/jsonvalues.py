"""Small helpers shared by rule modules for talking about JSON values."""

from __future__ import annotations

import json
from typing import Any

import orjson


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
