"""Content-addressed request bodies (issue #12.3): storage that grows with distinct content.

An agent resends its whole, growing conversation on every turn, so storing each request whole
stores a 200-turn session's history about a hundred times. Instead the bulky top-level values of a
JSON request (:data:`CONTENT_KEYS`: chat and Anthropic ``messages``, Responses ``input`` and
``instructions``, Anthropic ``system``, ``tools``) are cut out of it:

* each element of such a list, and each large non-list value (a system prompt string), is stored
  once in ``contents`` under an id derived from its text (:func:`content_id`);
* a list is referenced through **chunks** of :data:`CHUNK` element ids, each chunk itself a content
  (the JSON array of those ids). A conversation that grows by appending shares all its full chunks
  with the previous turn, so a turn costs its new elements plus one partial chunk and a short list
  of chunk ids, not a list as long as the conversation (measured in scripts/bench_storage.py);
* what is left, with a marker string where each value was, is the flow's *skeleton*.

The request text is rebuilt by plain text substitution: each marker's JSON text is replaced by
``[`` + the element texts joined by ``,`` + ``]`` (or by the single value's text). A request is
split only when that rebuild gives back **exactly** the text received (compact JSON, as Node,
Rust and httpx >= 0.28 clients send it); any other body (pretty-printed, duplicate keys, numbers
JSON would respell, NaN, over :data:`MAX_CHARS`, not an object) is stored whole, as before, so the
evidence is never altered.

Ids are the first 63 bits of the SHA-256 of the content's UTF-8 text, so the same content has the
same id in every file and in PostgreSQL: merging files and syncing several proxies need no id
remapping. A collision is detected by comparing texts when the id is already present, and the
request concerned is then stored whole.

The ``flows`` view rebuilds ``request_json`` with the same substitution, in SQLite or PostgreSQL
SQL (:func:`flows_view_sql`); it is the one place readers get a request from. Pure functions: no
I/O here (store.py runs the SQL).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

#: The table holding each distinct content once, and the table the ``flows`` view reads.
CONTENTS_TABLE = "contents"
FLOW_ROWS_TABLE = "flow_rows"
FLOWS_VIEW = "flows"
#: flow_rows' column with the references; NULL when ``request_json`` holds the request whole.
PARTS_COLUMN = "request_parts_json"

#: Top-level request keys whose values are stored as contents, in the order the markers are
#: substituted (the view nests its replace() calls in the same order). The conversation comes last:
#: each replace() scans the whole text so far (about 1.7 ms per 500 KB in SQLite), so the small
#: values go in while the text is still the skeleton.
CONTENT_KEYS = ("system", "instructions", "tools", "input", "messages")
#: Element ids per chunk. 16 measured best for the 200-turn session of scripts/bench_storage.py
#: (smaller: longer per-flow chunk lists; larger: a bigger partial chunk rewritten every turn).
CHUNK = 16
#: A non-list value (a string, an object) is cut out only from this size; smaller ones stay inline.
MIN_SINGLE_CHARS = 256
#: Bodies larger than this are stored whole. Splitting parses, serialises and hashes the body on the
#: writer thread, which holds the interpreter lock the event loop needs: for bench_proxy.py's 29 MB
#: million-message request, small requests on other connections waited up to 494 ms (p99) with a 32 MB
#: bound and 188 ms with a 4 MB one (issue #12). An agent conversation is far below this.
MAX_CHARS = 8 * 1024 * 1024

Dialect = Literal["sqlite", "postgres"]


@dataclass(frozen=True, slots=True)
class Split:
    """A request cut into its skeleton, its references (``{key: [chunk ids]}`` or ``{key: id}``)
    and the contents those name (``{id: text}``, chunks included)."""

    skeleton: str
    parts_json: str
    contents: dict[int, str]


def content_id(text: str) -> int:
    """The content's id: the first 63 bits of SHA-256 over its UTF-8 text (positive, fits SQLite's
    and PostgreSQL's signed 64-bit integers)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


def marker(key: str) -> str:
    """The string standing in the skeleton for ``key``'s value. A NUL is escaped by every JSON
    serialiser, so the marker's text (``"\\u0000toolguard:messages"``) is one a client's own value
    can only produce by being this exact string, and :func:`split_request` checks it occurs once."""
    return f"\x00toolguard:{key}"


def marker_text(key: str) -> str:
    return json.dumps(marker(key))


#: The serialisation a split must reproduce, by whether the text is ASCII: what ``json.dumps(value,
#: ensure_ascii=..., separators=(",", ":"), allow_nan=False)`` builds on every call (its arguments
#: are not the defaults, so it makes a new encoder each time), made once.
_ENCODERS: dict[bool, Callable[[object], str]] = {
    only_ascii: json.JSONEncoder(ensure_ascii=only_ascii, separators=(",", ":"), allow_nan=False).encode
    for only_ascii in (False, True)
}
_MARKER_TEXTS = {key: marker_text(key) for key in CONTENT_KEYS}


def split_request(text: str | None) -> Split | None:
    """Cut ``text`` (a request body, already redacted) into contents, or None to store it whole."""
    if not text or len(text) > MAX_CHARS or text[0] != "{":
        return None
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict) or not any(key in body for key in CONTENT_KEYS):
        return None
    # Non-ASCII characters arrive either raw (Node, Rust) or as \\u escapes (Python's default).
    dumps = _ENCODERS[text.isascii()]
    # The split is kept only when the rebuild gives the text back, and the rebuild is the whole body
    # serialised this way, which starts with its first member: a text that does not (blanks after
    # separators, as Python's json.dumps and httpx < 0.28 send it; pretty-printed) is ruled out
    # before every element is serialised and hashed (issue #12: a third of write_rows for such a
    # body). Only where the rebuild could never match; the rebuild below is still checked.
    first, value = next(iter(body.items()))
    try:
        head = "{" + dumps(first) + ":" + dumps(value) + ("," if len(body) > 1 else "}")
    except (ValueError, TypeError, RecursionError):
        head = ""  # the element-wise path below decides, as it always did
    if not text.startswith(head):
        return None
    skeleton = dict(body)
    parts: dict[str, int | list[int]] = {}
    pieces: dict[str, str] = {}
    contents: dict[int, str] = {}

    def add(content: str) -> int:
        ident = content_id(content)
        contents[ident] = content
        return ident

    try:
        for key in CONTENT_KEYS:
            value = body.get(key)
            if isinstance(value, list) and value:
                texts = [dumps(item) for item in value]
                ids = [add(item) for item in texts]
                parts[key] = [add(dumps(ids[i : i + CHUNK])) for i in range(0, len(ids), CHUNK)]
                pieces[key] = "[" + ",".join(texts) + "]"
            elif isinstance(value, str | dict) and value:
                single = dumps(value)
                if len(single) < MIN_SINGLE_CHARS:
                    continue
                parts[key] = add(single)
                pieces[key] = single
            else:
                continue
            skeleton[key] = marker(key)
        if not parts:
            return None
        skeleton_text = dumps(skeleton)
    except (ValueError, TypeError, RecursionError):
        return None
    # Rebuild exactly as the view does (replace() per key, in CONTENT_KEYS order) and keep the split
    # only when that gives back the received text byte for byte.
    rebuilt = skeleton_text
    for key in CONTENT_KEYS:
        if key in pieces:
            if skeleton_text.count(_MARKER_TEXTS[key]) != 1:
                return None
            rebuilt = rebuilt.replace(_MARKER_TEXTS[key], pieces[key])
    if rebuilt != text:
        return None
    return Split(skeleton_text, json.dumps(parts, separators=(",", ":")), contents)


# --------------------------------------------------------------------------- the flows view


def _piece_sql(key: str, dialect: Dialect) -> str:
    """SQL for the text that replaces ``key``'s marker: the list rebuilt from its chunks in order,
    the single content, or '' when the request has no such part (replace() then changes nothing)."""
    if dialect == "sqlite":
        path = f"'$.{key}'"
        elements = (
            f"SELECT c.content_json FROM json_each(r.request_parts_json, {path}) AS k "
            "JOIN contents AS kc ON kc.id = k.value JOIN json_each(kc.content_json) AS e "
            "JOIN contents AS c ON c.id = e.value ORDER BY k.key, e.key"
        )
        return (
            f"coalesce(CASE json_type(r.request_parts_json, {path}) "
            f"WHEN 'array' THEN '[' || coalesce((SELECT group_concat(p.content_json, ',') "
            f"FROM ({elements}) AS p), '') || ']' "
            f"WHEN 'integer' THEN (SELECT c.content_json FROM contents AS c "
            f"WHERE c.id = json_extract(r.request_parts_json, {path})) END, '')"
        )
    ref = f"(r.request_parts_json::json -> '{key}')"
    return (
        f"coalesce(CASE json_typeof{ref} "
        f"WHEN 'array' THEN '[' || coalesce((SELECT string_agg(c.content_json, ',' ORDER BY k.ord, e.ord) "
        f"FROM json_array_elements_text{ref} WITH ORDINALITY AS k(id, ord) "
        f"JOIN contents AS kc ON kc.id = k.id::bigint "
        f"CROSS JOIN LATERAL json_array_elements_text(kc.content_json::json) WITH ORDINALITY AS e(id, ord) "
        f"JOIN contents AS c ON c.id = e.id::bigint), '') || ']' "
        f"WHEN 'number' THEN (SELECT c.content_json FROM contents AS c "
        f"WHERE c.id = (r.request_parts_json::json ->> '{key}')::bigint) END, '')"
    )


def request_json_sql(dialect: Dialect = "sqlite") -> str:
    """The expression (over ``flow_rows AS r``) that gives a flow's ``request_json`` back."""
    rebuilt = "r.request_json"
    for key in CONTENT_KEYS:
        rebuilt = f"replace({rebuilt}, '{marker_text(key)}', {_piece_sql(key, dialect)})"
    return f"CASE WHEN r.{PARTS_COLUMN} IS NULL THEN r.request_json ELSE {rebuilt} END"


def view_columns(flow_row_columns: Sequence[str]) -> list[str]:
    """The view's columns: flow_rows' in their order, without the references column."""
    return [c for c in flow_row_columns if c != PARTS_COLUMN]


def flows_view_sql(flow_row_columns: Sequence[str], dialect: Dialect = "sqlite") -> str:
    """``SELECT`` of the ``flows`` view: every column of flow_rows as it is, ``request_json`` rebuilt."""
    select = ", ".join(
        f"{request_json_sql(dialect)} AS request_json" if c == "request_json" else f"r.{c}"
        for c in view_columns(flow_row_columns)
    )
    return f"SELECT {select} FROM {FLOW_ROWS_TABLE} AS r"


def flows_trigger_sql(
    flow_row_columns: Sequence[str], defaults: Mapping[str, str] | None = None
) -> list[str]:
    """SQLite INSTEAD OF triggers that keep ``flows`` writable as the table it used to be
    (``INSERT``/``UPDATE``/``DELETE ... flows`` in scripts and docs/deployment.md): an inserted or
    changed ``request_json`` is stored whole; the conflict clause of the outer statement
    (``INSERT OR IGNORE``/``OR REPLACE``) applies to the statements inside, as SQLite documents.
    ``defaults``: column -> its SQL default, used for a column the INSERT leaves out (NULL in NEW)."""
    columns = view_columns(flow_row_columns)
    defaults = defaults or {}
    names = ", ".join(columns)
    new = ", ".join(f"coalesce(NEW.{c}, {defaults[c]})" if c in defaults else f"NEW.{c}" for c in columns)
    sets = ", ".join(
        f"{c} = NEW.{c}"
        for c in columns
        if c != "request_json"  # the stored skeleton stays unless the request itself changed
    )
    return [
        f"CREATE TRIGGER flows_insert INSTEAD OF INSERT ON {FLOWS_VIEW} BEGIN "
        f"INSERT INTO {FLOW_ROWS_TABLE} ({names}) VALUES ({new}); END",
        f"CREATE TRIGGER flows_update INSTEAD OF UPDATE ON {FLOWS_VIEW} BEGIN "
        f"UPDATE {FLOW_ROWS_TABLE} SET {sets}, "
        f"request_json = CASE WHEN NEW.request_json IS OLD.request_json THEN request_json "
        f"ELSE NEW.request_json END, "
        f"{PARTS_COLUMN} = CASE WHEN NEW.request_json IS OLD.request_json THEN {PARTS_COLUMN} END "
        f"WHERE id = OLD.id; END",
        f"CREATE TRIGGER flows_delete INSTEAD OF DELETE ON {FLOWS_VIEW} BEGIN "
        f"DELETE FROM {FLOW_ROWS_TABLE} WHERE id = OLD.id; END",
    ]
