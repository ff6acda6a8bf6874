"""An agent session's history parsed once: each message's parse remembered by its exact bytes (issue #12).

An agent resends its whole history on every turn: a ~1 MB, 400-message request whose first 398
messages are, byte for byte, those of the turn before. Parsing all of it again was 40 % of the
validation worker's instructions per request (``orjson.loads``, ~10 M of ~22 M for 1 MB). Here the
``messages`` array is split at its elements' boundaries without building anything: an element whose
exact bytes were parsed before (found by a 256-byte prefix, then compared whole with ``startswith``)
gets back the object parsed then, and so does a block of :data:`BLOCK` consecutive ones (a 400-message
history is ~13 lookups); only the others are parsed, each by orjson; everything outside ``messages``
is parsed by orjson once more, with the array replaced by a marker. The blocks found are handed to
the per-message checks (rules/walk.py), which skip the ones they found clean before.

Exactness. The result equals ``orjson.loads(body)``, or the split gives up and the caller parses the
whole body as before (:func:`parse`, returns None):

* every byte of the body is read by orjson: the skeleton (the body with the array replaced by
  ``["<marker>"]``, so the top level's depth, duplicate keys and UTF-8 are orjson's) and every element
  (a remembered one was parsed by orjson from the same bytes, and is given back only when its bytes
  are equal); between elements only JSON whitespace and commas are accepted;
* orjson stops at 1024 levels: an element parsed alone is two levels shallower than in the body, so
  an element with more than :data:`MAX_NEW_BRACKETS` brackets is not split (the whole body is parsed);
* duplicate top-level keys: the skeleton's ``messages`` must be the marker (a later duplicate key
  would win in orjson, as it does in the whole body), and the marker is random per process;
* a body the scan does not follow (a ``messages`` key spelt with escapes, an array orjson would
  refuse) gives up: the whole-body parse then decides, with its findings.

The remembered objects are shared by every request that sends the same bytes: nothing may mutate a
parsed body (the rules are pure; only the validation worker parses this way, and it keeps no body).

Bounded: at most :data:`MAX_BYTES` of remembered elements' bytes per process, least recently used
dropped first (with their parsed objects ~60 MB at the bound, tracemalloc); an element shorter than
:data:`MIN_ELEMENT` bytes is parsed every time (remembering it would cost about what parsing does).
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
from collections import OrderedDict
from typing import Any

import orjson

#: The remembered elements' bytes per process (a 400-message, 1 MB session's history is ~1 MB).
MAX_BYTES = 32 << 20
#: Bodies shorter than this are parsed whole: their history is not worth splitting.
MIN_BODY = 64 << 10
#: An element whose JSON text is shorter than this is parsed every time, never remembered.
MIN_ELEMENT = 64
#: The bytes of an element's start it is looked up by (then compared whole).
PREFIX = 256
#: A bucket (one prefix) holds at most this many elements: bounded work per lookup.
MAX_BUCKET = 8
#: Elements per remembered block: an agent's resent history is found this many messages per lookup.
BLOCK = 32
#: A context (the body outside ``messages``) longer than this is not remembered: its blocks' checks run.
MAX_CONTEXT = 256 << 10
#: The remembered contexts' bytes per process (an agent's model, tools and parameters are ~30 KB).
MAX_CONTEXTS_BYTES = 4 << 20
#: An element parsed alone with more brackets than this could be past orjson's 1024 levels in the body.
MAX_NEW_BRACKETS = 1000

_WS = re.compile(rb"[ \t\n\r]*")
#: After an element: its separator (a comma, or the array's end), in JSON whitespace.
_AFTER = re.compile(rb"[ \t\n\r]*([,\]])[ \t\n\r]*")
#: The tokens a value's end is found by: strings (escapes skipped) and brackets.
_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', re.S)
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
_SCALAR = re.compile(rb"[^,\]}\s]+")
_KEY_SEP = re.compile(rb"[ \t\n\r]*:[ \t\n\r]*")
_MESSAGES_KEY = b'"messages"'
_DELIMITED = (b"{", b"[", b'"')


def _value_end(body: bytes, pos: int) -> int:
    """Where the JSON value starting at ``pos`` ends (its last byte + 1), or -1 when the scan cannot
    tell. Not a validation: orjson reads every value afterwards."""
    first = body[pos : pos + 1]
    if first == b'"':
        match = _STRING.match(body, pos)
        return match.end() if match else -1
    if first in (b"{", b"["):
        depth = 0
        for token in _TOKEN.finditer(body, pos):
            kind = token.group()
            if kind in (b"{", b"["):
                depth += 1
            elif kind in (b"}", b"]"):
                depth -= 1
                if depth == 0:
                    return token.end()
        return -1
    match = _SCALAR.match(body, pos)
    return match.end() if match else -1


def _array_start(body: bytes) -> int:
    """The offset of the top-level ``messages`` array's ``[``, or -1."""
    pos = _WS.match(body, 0).end()
    if body[pos : pos + 1] != b"{":
        return -1
    pos = _WS.match(body, pos + 1).end()
    while True:
        key = _STRING.match(body, pos)
        if key is None:
            return -1
        sep = _KEY_SEP.match(body, key.end())
        if sep is None:
            return -1
        pos = sep.end()
        if key.group() == _MESSAGES_KEY:
            return pos if body[pos : pos + 1] == b"[" else -1
        end = _value_end(body, pos)
        if end < 0:
            return -1
        after = _AFTER.match(body, end)  # a comma between members ("]" would be a bad body)
        if after is None or after.group(1) != b",":
            return -1
        pos = after.end()


class Entry:
    """Remembered elements: the exact bytes of one element, or of a run of :data:`BLOCK` consecutive
    ones with their separators, and the objects orjson parsed from them. ``clean`` holds, for a block,
    the per-message checks that found nothing in it, by what they read (:class:`Walk`), each with the
    target it ran for (told by identity, kept so that its id is not reused). ``summaries`` holds what a
    cross-message check derived from the block's messages alone, by the check's name (rules/sequence.py):
    a function of ``values`` only, so it needs no other key."""

    __slots__ = ("clean", "raw", "summaries", "values")

    def __init__(self, raw: bytes, values: tuple[Any, ...]) -> None:
        self.raw = raw
        self.values = values
        self.clean: dict[tuple[Any, ...], object] = {}
        self.summaries: dict[str, Any] = {}


class Split:
    """A body parsed here: the object, the remembered blocks it holds (their first message's index),
    and its context's number: every byte outside ``messages`` (the model, the tools, every parameter)
    told apart exactly, a number never given to other bytes; None when not remembered."""

    __slots__ = ("blocks", "body", "context")

    def __init__(
        self, body: dict[str, Any], blocks: tuple[tuple[int, Entry], ...], context: int | None
    ) -> None:
        self.body = body
        self.blocks = blocks
        self.context = context


class HistoryCache:
    """Parsed ``messages`` elements by their exact bytes, LRU, at most ``max_bytes`` of them."""

    __slots__ = (
        "_buckets",
        "_contexts",
        "_contexts_size",
        "_lock",
        "_marker",
        "_marker_json",
        "_numbers",
        "max_bytes",
        "size",
    )

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._buckets: OrderedDict[bytes, list[Entry]] = OrderedDict()
        # The contexts (skeletons) seen, by their exact bytes: a number each, never reused.
        self._contexts: OrderedDict[bytes, int] = OrderedDict()
        self._contexts_size = 0
        self._numbers = itertools.count()
        self.size = 0
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        # Random per process: no body can hold it by design (a later duplicate `messages` key equal to
        # it would be taken for the array, see the module's docstring).
        self._marker = f"toolguard-history-{secrets.token_hex(16)}"
        self._marker_json = orjson.dumps([self._marker])

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._buckets.values())

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
            self.size = 0
            self._contexts.clear()
            self._contexts_size = 0

    def parse(self, body: bytes) -> Split | None:
        """``orjson.loads(body)`` for a JSON object with a ``messages`` array, its remembered elements
        reused; None when the body is not split here (the caller parses it whole)."""
        if len(body) < MIN_BODY:
            return None
        with self._lock:
            return self._parse(body)

    def _parse(self, body: bytes) -> Split | None:
        start = _array_start(body)
        if start < 0:
            return None
        pos = _WS.match(body, start + 1).end()
        messages: list[Any] = []
        added: list[tuple[bytes, Entry]] = []
        blocks: list[tuple[int, Entry]] = []
        buckets = self._buckets
        # The run of elements parsed one by one since the last remembered block: every BLOCK of them
        # become a block (an agent's history is then found BLOCK messages per lookup).
        run_pos, run_first = pos, 0
        if body[pos : pos + 1] == b"]":
            end = pos + 1
        else:
            while True:
                key = body[pos : pos + PREFIX]
                bucket = buckets.get(key)
                found: Entry | None = None
                if bucket is not None:
                    for entry in bucket:  # blocks first: the longest match
                        if body.startswith(entry.raw, pos):
                            found = entry
                            break
                if found is not None:
                    buckets.move_to_end(key)
                    value_end = pos + len(found.raw)
                    if len(found.values) == 1:
                        messages.append(found.values[0])
                    else:
                        blocks.append((len(messages), found))
                        messages.extend(found.values)
                        run_first = -1  # restarts after this block
                else:
                    value_end = _value_end(body, pos)
                    if value_end < 0:
                        return None
                    raw = body[pos:value_end]
                    if raw.count(b"[") + raw.count(b"{") > MAX_NEW_BRACKETS:
                        return None
                    try:
                        value = orjson.loads(raw)
                    except orjson.JSONDecodeError:
                        return None
                    messages.append(value)
                    # A number is not self-delimiting (remembered `12` would match `123`'s start).
                    if len(raw) >= MIN_ELEMENT and raw[:1] in _DELIMITED:
                        added.append((key, Entry(raw, (value,))))
                if run_first < 0:
                    run_first = -2
                elif len(messages) - run_first == BLOCK:
                    block = Entry(body[run_pos:value_end], tuple(messages[run_first:]))
                    # Keyed as a lookup at its start reads the body (the bytes after a block shorter
                    # than PREFIX included, as a single element's key): block.raw[:PREFIX] stopped
                    # short of them, and such a block was never found again.
                    added.append((body[run_pos : run_pos + PREFIX], block))
                    blocks.append((run_first, block))
                    run_first = -2
                after = _AFTER.match(body, value_end)
                if after is None:
                    return None
                if after.group(1) == b"]":
                    end = value_end + len(after.group().rstrip(b" \t\n\r"))
                    break
                pos = after.end()
                if run_first == -2:
                    run_pos, run_first = pos, len(messages)
        skeleton = body[:start] + self._marker_json + body[end:]
        try:
            parsed = orjson.loads(skeleton)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(parsed, dict) or parsed.get("messages") != [self._marker]:
            return None
        parsed["messages"] = messages  # an existing key: its place in the object is kept
        for key, entry in added:
            self._remember(key, entry)
        return Split(parsed, tuple(blocks), self._context(skeleton) if blocks else None)

    def _context(self, skeleton: bytes) -> int | None:
        if len(skeleton) > MAX_CONTEXT:
            return None
        contexts = self._contexts
        number = contexts.get(skeleton)
        if number is not None:
            contexts.move_to_end(skeleton)
            return number
        number = contexts[skeleton] = next(self._numbers)
        self._contexts_size += len(skeleton)
        while self._contexts_size > MAX_CONTEXTS_BYTES:
            dropped, _ = contexts.popitem(last=False)
            self._contexts_size -= len(dropped)
        return number

    def _remember(self, key: bytes, entry: Entry) -> None:
        size = len(entry.raw)
        if size > self.max_bytes:
            return
        buckets = self._buckets
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = bucket = []
        elif len(bucket) >= MAX_BUCKET:
            self.size -= len(bucket.pop().raw)  # the last: a single element, or the shortest block
        if len(entry.values) > 1:
            bucket.insert(0, entry)
        else:
            bucket.append(entry)
        buckets.move_to_end(key)
        self.size += size
        while self.size > self.max_bytes and buckets:
            _, dropped = buckets.popitem(last=False)
            self.size -= sum(len(old.raw) for old in dropped)
