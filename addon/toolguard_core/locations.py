"""Where a validator says a request went wrong: one reading of every location format the upstreams print.

A server that refuses a request names the place in its own library's notation. Each is reduced here to
the request's own keys and indices (``("messages", 1, "name")``), so the scorer (scripts/eval_rules.py)
and the causes extraction (causes.py) read them once and alike:

============================  ===========================================================================
notation                      as printed
============================  ===========================================================================
pydantic v2 ``loc``           ``('body', 'messages', 1, 'typed-dict', 'name')`` (vLLM, SGLang, NIM), with
                              schema tags between the keys: ``typed-dict``, ``function-after[f(), M]``,
                              ``tagged-union[A,B]``, ``list[...]``, ``str`` (pydantic-core
                              src/validators/*: each validator's ``get_name()``)
pydantic v1 / FastAPI         ``["body", "messages", 1, "content"]`` in a ``detail`` list;
                              ``body -> messages -> 1 -> content`` in v1's text
pydantic text                 ``messages.1.typed-dict.name`` on the line above ``Input should be ...``
serde (serde_path_to_error)   ``messages[1].content: invalid type ...`` (TGI's router); the trailing
                              ``at line 1 column 2`` is a position in the body, not a path: not read
Go encoding/json              ``Go struct field ChatCompletionRequest.messages.content of type string``
JSON Schema validators        ``$.messages[1].name`` (JSONPath), ``/messages/1/name`` and
                              ``#/messages/1/name`` (JSON Pointer, ajv's ``instancePath``),
                              ``instance['messages'][1]['name']`` (python-jsonschema), ``.messages[1]``
                              (ajv 6's ``dataPath``)
Zod                           ``"path": ["messages", 1, "name"]`` in an issue
OpenAI                        ``'messages[1].content[0].type'``, ``'messages.[0].content'``
============================  ===========================================================================

Pure and bounded: no I/O, linear-time patterns, every reading capped (:data:`MAX_TEXT`, :data:`MAX_PATHS`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from typing import Final

Segment = str | int
Location = tuple[Segment, ...]

#: What a reading looks at (the start of an error text, where validators put their list).
MAX_TEXT: Final = 16_384
#: Locations one text yields at most.
MAX_PATHS: Final = 64
#: Wrappers a library puts before the request's own path: FastAPI's ``body``, Google's ``request`` and
#: ``GenerateContentRequest``, python-jsonschema's ``instance``, JSONPath's ``$``, ajv 6's ``data``.
WRAPPERS: Final = frozenset({"body", "request", "generatecontentrequest", "instance", "$", "data"})
#: pydantic-core's names for validators of primitive types, which it puts in a loc for each member of a
#: union (``('body', 'stop', 'str')``, ``('body', 'stop', 'list[str]')``): a branch, not a key.
_PRIMITIVE_TAGS: Final = frozenset({"str", "int", "float", "bool", "bytes", "none", "decimal", "is-instance"})
#: A pydantic validator's name with its parameters (``function-after[validate(), ChatCompletionRequest]``,
#: ``tagged-union[ChatCompletionUserMessageParam,...]``, ``list[union[str,int]]``): lowercase words joined
#: by hyphens, then a bracket that is not a plain index.
_TAG_HEAD: Final = re.compile(r"(?<![\w\]-])[a-z][a-z0-9]*(?:-[a-z0-9]+)*\[(?!\s*\d+\s*\]|\s*['\"])")
#: A hyphenated tag without parameters (``typed-dict``, ``json-or-python``, ``lax-or-strict``).
_BARE_TAG: Final = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
#: A pydantic model's class name as a union member's tag (``ChatCompletionMessageGenericParam``,
#: ``ChatCompletionMessageContentTextPart``): UpperCamelCase of two words or more. The request APIs' keys
#: are snake_case or lowerCamelCase; Google's wrapper ``GenerateContentRequest`` is one too.
_MODEL_CLASS: Final = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$")
#: One item of a printed Python tuple/list or JSON array: a quoted string, an integer, or a bare word (a
#: reporter's placeholder for an index: ``["body","messages",X,"assistant","reasoning_content"]``).
_ITEM: Final = re.compile(
    r"""\s*(?:'((?:[^'\\]|\\.){0,400})'|"((?:[^"\\]|\\.){0,400})"|(-?\d{1,9})|([A-Za-z_]\w{0,40}))\s*([,)\]])"""
)


def is_tag(segment: Segment) -> bool:
    """A segment that names a validator (a union branch, a TypedDict, a function wrapper, a model class
    such as SGLang's ``ChatCompletionMessageGenericParam``), not a key."""
    if not isinstance(segment, str):
        return False
    if segment.lower() in _PRIMITIVE_TAGS:
        return True
    if _BARE_TAG.match(segment) or _MODEL_CLASS.match(segment):
        return True
    head = _TAG_HEAD.match(segment)
    return head is not None and segment.endswith("]")


def normalise(parts: Sequence[object], keep_wrappers: bool = False, keep_bare_tags: bool = False) -> Location:
    """Parts as the request's keys (str) and indices (int): validator tags and (unless ``keep_wrappers``)
    leading wrappers dropped, digit strings read as indices, empty parts skipped. ``keep_bare_tags`` keeps
    the tags without brackets (``typed-dict``, ``str``) and drops only those with parameters, which hold
    characters no path has (``function-after[validate(), M]``)."""
    out: list[Segment] = []
    for part in parts:
        if isinstance(part, bool):
            continue
        if isinstance(part, int):
            out.append(part)
            continue
        text = str(part).strip()
        if not text or (is_tag(text) and (not keep_bare_tags or "[" in text)):
            continue
        out.append(int(text) if text.isdigit() else text)
    while not keep_wrappers and out and isinstance(out[0], str) and out[0].lower() in WRAPPERS:
        out.pop(0)
    return tuple(out)


def strip_tags(text: str) -> str:
    """``text`` with pydantic's validator tags removed from dotted paths (``messages.1.typed-dict.name``
    → ``messages.1.name``, ``function-after[f(), M].tools`` → ``tools``); brackets are matched, so a tag
    holding other tags goes whole."""
    out: list[str] = []
    pos = 0
    for head in _TAG_HEAD.finditer(text):
        if head.start() < pos:
            continue
        depth, end = 0, head.end() - 1
        while end < len(text) and end - head.end() < 400:
            if text[end] == "[":
                depth += 1
            elif text[end] == "]":
                depth -= 1
                if depth == 0:
                    break
            end += 1
        if depth != 0:
            continue
        out.append(text[pos : head.start()])
        pos = end + 1
        if pos < len(text) and text[pos] == "." and (not out[-1] or out[-1][-1:] in "(. '\"[,"):
            pos += 1  # a leading tag's dot ("function-after[...].messages")
    out.append(text[pos:])
    joined = "".join(out)
    return re.sub(r"\.(?:typed-dict|json-or-python|lax-or-strict|str|int)(?=[.:\s'\"]|$)", "", joined)


def _sequence(text: str, start: int) -> tuple[list[Segment], int] | None:
    """The items of the tuple/list/array opening at ``text[start]`` (``(`` or ``[``), and the index after
    it; None when it is not a flat sequence of strings and integers."""
    if start >= len(text) or text[start] not in "([":
        return None
    items: list[Segment] = []
    pos = start + 1
    if text[pos : pos + 1] in (")", "]"):
        return items, pos + 1
    while pos < len(text) and len(items) < 64:
        item = _ITEM.match(text, pos)
        if item is None:
            return None
        single, double, number, word = item.group(1), item.group(2), item.group(3), item.group(4)
        if number is not None:
            items.append(int(number))
        elif word is not None:
            items.append(word)
        else:
            raw = single if single is not None else double
            items.append(re.sub(r"\\(.)", r"\1", raw or ""))
        pos = item.end()
        if item.group(5) in ")]":
            return items, pos
    return None


def _pointer(raw: str) -> list[str]:
    """A JSON Pointer's reference tokens (RFC 6901: ``~1`` is ``/``, ``~0`` is ``~``)."""
    return [p.replace("~1", "/").replace("~0", "~") for p in raw.split("/")]


def parse_location(raw: object) -> Location | None:
    """One location in any notation above, as the request's keys and indices; None when ``raw`` is
    none (an empty string, a line/column position, a value of another kind)."""
    if isinstance(raw, list | tuple):
        return normalise(raw) or None
    if not isinstance(raw, str):
        return None
    text = raw.strip()[:2048]
    if not text:
        return None
    if text[0] in "([":
        sequence = _sequence(text, 0)
        if sequence is not None and sequence[1] == len(text):
            return normalise(sequence[0]) or None
    if " -> " in text:  # pydantic v1's text: "body -> messages -> 1 -> content"
        return normalise(text.split(" -> ")) or None
    if text.startswith(("#/", "/")) or ("/" in text and "." not in text and "[" not in text):
        return normalise(_pointer(text.lstrip("#").lstrip("/"))) or None
    text = strip_tags(text)
    if re.search(r"\s", re.sub(r"\[[^\]]*\]", "", text)):
        return None  # words, not a path ("at line 1 column 2": a position in the body)
    # JSONPath / python-jsonschema brackets ($['messages'][1]['name'], instance['tools'][0]) and dotted
    # forms (messages[1].content, messages.[0].content, body.messages.2.content, .messages[1]).
    parts = re.findall(
        r"\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*\"((?:[^\"\\]|\\.)*)\"\s*\]|\[\s*(\d+)\s*\]|([^.\[\]\s]+)", text
    )
    out: list[str] = []
    for quoted1, quoted2, index, name in parts:
        out.append(quoted1 or quoted2 or index or name)
    return normalise(out) or None


# --- locations in free text ------------------------------------------------------------------------
#: pydantic's ``'loc': (...)``/``"loc": [...]`` and Zod's ``"path": [...]``: the sequence that follows.
_SEQUENCE_KEY: Final = re.compile(r"""['"]?\b(?:loc|path)['"]?\s*[:=]\s*(?=[(\[])""")
#: A validator's path given as a string under its own key (ajv's instancePath/dataPath, python-jsonschema's
#: json_path, a JSON Pointer).
_STRING_KEY: Final = re.compile(
    r"""['"]?\b(?:instancePath|dataPath|instance_path|json_path|jsonPath|pointer)['"]?\s*[:=]\s*['"]([^'"\s]{1,300})['"]"""
)
#: pydantic v1's arrows.
_ARROWS: Final = re.compile(r"(?<![\w-])[A-Za-z_][\w-]*(?: -> [\w-]+){1,16}")
#: Go's encoding/json: the struct's name, then the field path.
_GO_FIELD: Final = re.compile(r"Go struct field [A-Za-z_]\w*\.([A-Za-z_][\w.]{0,200})")
#: JSON Pointers behind ``#`` or a quote, or after "at" (santhosh-tekuri/jsonschema's "at '/messages/1'").
_POINTER: Final = re.compile(r"""(?:#|(?<=['"`])|(?<=\bat ))(/[A-Za-z_$][\w$-]*(?:/[\w$~-]+){0,30})""")
#: JSONPath and python-jsonschema's subscripts.
_SUBSCRIPTS: Final = re.compile(
    r"""(?:\$|\binstance)((?:\.[A-Za-z_]\w*|\[\s*\d+\s*\]|\[\s*'[^'\]]{1,100}'\s*\]|\[\s*"[^"\]]{1,100}"\s*\]){1,30})"""
)
#: Dotted and bracketed paths (``messages[1].content``, ``body.messages.2.content``, ``tools.7.type``,
#: ``'messages.[0].content'``), read after the tags are stripped; at least two parts.
_DOTTED: Final = re.compile(r"(?<![\w.\[\]/:$-])[A-Za-z_]\w*(?:\.\[\d+\]|\.\w+|\[\d+\])+(?![\w\[(])")


def locations_in(text: str, roots: Collection[str] | None = None) -> list[Location]:
    """Every location ``text`` names, in order of appearance by notation, each once. With ``roots``, only
    the locations whose first key is one of them (a request's top-level fields: so ``api.openai.com``,
    ``gpt-4.1`` or ``/v1/chat/completions`` are not paths)."""
    text = text[:MAX_TEXT]
    out: list[Location] = []

    def keep(location: Location | None) -> None:
        if not location or location in out or len(out) >= MAX_PATHS:
            return
        if roots is not None and not (isinstance(location[0], str) and location[0] in roots):
            return
        out.append(location)

    for found in _SEQUENCE_KEY.finditer(text):
        sequence = _sequence(text, found.end())
        if sequence is not None:
            keep(normalise(sequence[0]))
    for found in _STRING_KEY.finditer(text):
        keep(parse_location(found.group(1)))
    for found in _ARROWS.finditer(text):
        keep(normalise(found.group().split(" -> ")))
    for found in _GO_FIELD.finditer(text):
        keep(normalise(found.group(1).rstrip(".").split(".")))
    for found in _POINTER.finditer(text):
        keep(parse_location(found.group(1)))
    for found in _SUBSCRIPTS.finditer(text):
        keep(parse_location(found.group(1)))
    for found in _DOTTED.finditer(strip_tags(text)):
        keep(parse_location(found.group()))
    return out


def dotted(location: Location) -> str:
    """``("messages", 1, "name")`` → ``messages.1.name`` (pydantic's and FastAPI's rendering)."""
    return ".".join(str(part) for part in location)


def keys(location: Location) -> tuple[str, ...]:
    """The location's keys without its indices (``("messages", 1, "name")`` → ``("messages", "name")``)."""
    return tuple(part for part in location if isinstance(part, str))


#: A printed msg string: single- or double-quoted (pydantic prints "Input should be 'user' or 'system'").
_MSG: Final = r"""['"]msg['"]\s*:\s*(?:'((?:[^'\\]|\\.){1,300})'|"((?:[^"\\]|\\.){1,300})")"""
_LOC_KEY: Final = re.compile(r"""['"]loc['"]\s*:\s*(?=[(\[])""")
_MSG_AFTER: Final = re.compile(r"\s*,\s*" + _MSG)
_MSG_THEN_LOC: Final = re.compile(_MSG + r"""\s*,\s*['"]loc['"]\s*:\s*(?=[(\[])""")


def iter_pairs(text: str, rendering: bool = False) -> Iterator[tuple[Location, str]]:
    """pydantic's printed errors as (location, msg) pairs, whichever key comes first in each dict
    (``{'type': ..., 'loc': (...), 'msg': '...'}``, FastAPI's ``{"loc": [...], "msg": ...}``). With
    ``rendering`` the location is kept as the parser renders it for the cause wordings (``body.x: msg``:
    FastAPI's ``body`` and pydantic's bare tags kept, only the bracketed tags dropped)."""
    text = text[:MAX_TEXT]
    for found in _LOC_KEY.finditer(text):
        sequence = _sequence(text, found.end())
        message = _MSG_AFTER.match(text, sequence[1]) if sequence is not None else None
        if sequence is not None and message is not None:
            yield normalise(sequence[0], rendering, rendering), message.group(1) or message.group(2)
    for found in _MSG_THEN_LOC.finditer(text):
        sequence = _sequence(text, found.end())
        if sequence is not None:
            yield normalise(sequence[0], rendering, rendering), found.group(1) or found.group(2)
