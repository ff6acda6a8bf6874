"""The request forms a learned constraint names beyond a key or value (issue 10.3), read the same way
where a refusal is recognised (``causes._completed_from_request``) and where a later request is
compared with it (``learned.repeats``): a tool-call id's shape, the replayed function calls of the
current turn, the role a message-level thing was refused on. Pure: no mitmproxy import and no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

_ID_SEPARATOR = re.compile(r"([_\-.:])")
#: Longest id whose shape is kept (longer ones are no id format a server documents).
_MAX_ID = 128


def id_shape(value: object) -> str | None:
    """A tool-call id's shape: separators and a leading word prefix (``call``, ``toolu``) kept, every
    other letter or digit one ``*`` (``call_49c89af0`` is ``call_********``, ``_foez3f_0`` is
    ``_******_*``). Two ids of one shape are what one generator produces; a host that refused one
    refuses the other, and an id of another length or separators (Mistral's nine characters) is
    never of the refused shape."""
    if not isinstance(value, str) or not value or len(value) > _MAX_ID:
        return None
    parts = _ID_SEPARATOR.split(value)
    out: list[str] = []
    for position, part in enumerate(parts):
        if position % 2:
            out.append(part)  # a separator
        elif position == 0 and len(parts) > 1 and part.isalpha():
            out.append(part)  # a fixed prefix before the first separator
        else:
            out.append(re.sub(r"[A-Za-z0-9]", "*", part))
    return "".join(out)


def tool_call_ids(body: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every tool-call id a request replays, with its location: an assistant's ``tool_calls[].id``, a
    tool message's ``tool_call_id``, a Responses item's ``call_id``."""
    for container in ("messages", "input"):
        items = body.get(container)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            calls = item.get("tool_calls")
            for c_index, call in enumerate(calls if isinstance(calls, list) else ()):
                if isinstance(call, dict) and isinstance(call.get("id"), str):
                    yield call["id"], f"{container}[{index}].tool_calls[{c_index}].id"
            for key in ("tool_call_id", "call_id"):
                if isinstance(item.get(key), str):
                    yield item[key], f"{container}[{index}].{key}"
        return


#: Gemini's thought signature on a replayed function call: the key in a native part, and where its
#: OpenAI-compatible layer carries it on a tool call (https://ai.google.dev/gemini-api/docs/thought-signatures).
THOUGHT_SIGNATURE = "thought_signature"


def unsigned_calls(body: Mapping[str, Any]) -> Iterator[str]:
    """The replayed function calls Gemini validates that carry no thought signature: in the current
    turn (after the last user message that is not a function result), the first function call of each
    model step (parallel calls after it carry none, as the docs say). Native ``contents`` parts
    (``thoughtSignature``) and chat ``tool_calls`` (``extra_content.google.thought_signature``)."""
    contents = body.get("contents")
    if isinstance(contents, list):
        start = _current_turn(contents, _native_user_turn)
        for index in range(start, len(contents)):
            item = contents[index]
            if not isinstance(item, dict) or item.get("role") != "model":
                continue
            parts = item.get("parts")
            for p_index, part in enumerate(parts if isinstance(parts, list) else ()):
                if isinstance(part, dict) and "functionCall" in part:
                    if not (part.get("thoughtSignature") or part.get("thought_signature")):
                        yield f"contents[{index}].parts[{p_index}]"
                    break
        return
    messages = body.get("messages")
    if not isinstance(messages, list):
        return
    start = _current_turn(messages, lambda m: m.get("role") == "user")
    for index in range(start, len(messages)):
        message = messages[index]
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        calls = message.get("tool_calls")
        first = calls[0] if isinstance(calls, list) and calls else None
        if isinstance(first, dict):
            extra = first.get("extra_content")
            google = extra.get("google") if isinstance(extra, dict) else None
            if not (isinstance(google, dict) and google.get(THOUGHT_SIGNATURE)):
                yield f"messages[{index}].tool_calls[0]"


def _native_user_turn(item: dict[str, Any]) -> bool:
    parts = item.get("parts")
    return item.get("role", "user") == "user" and any(
        isinstance(p, dict) and "text" in p for p in (parts if isinstance(parts, list) else ())
    )


def _current_turn(items: list[Any], starts: Any) -> int:
    for index in range(len(items) - 1, -1, -1):
        if isinstance(items[index], dict) and starts(items[index]):
            return index + 1
    return 0


def message_roles(body: Mapping[str, Any], has: Any) -> set[str]:
    """The roles of the messages for which ``has(message)`` holds (the role a refused message-level
    thing was sent on)."""
    roles: set[str] = set()
    for container in ("messages", "input"):
        items = body.get(container)
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("role"), str) and has(item):
                    roles.add(item["role"])
            break
    return roles
