"""The checks of a request's tool definitions, remembered across requests (issue #12).

An agent sends the same ``tools`` array on every turn of a session (30 definitions and their JSON
Schemas beside a 400-message history): checking them again was a quarter of the rules' time for a
1 MB agent conversation (tools.py's list checks and spec.py's walk of the schema snapshot). The
findings of those checks are a function of the definitions and of the request's context only, so they
are kept here, keyed by the definitions' exact JSON text and that context, and given back for the
next request that sends the same definitions to the same target.

Exactness: the key is ``orjson.dumps`` of the parsed definitions, which tells apart every value
orjson's parser produces (1 and 1.0, key order, every string); a body the stdlib had to parse instead
(NaN, integers over 64 bits, lone surrogates: values orjson would write differently or not at all) is
never remembered (``RequestView.exact``). tests/test_memo.py runs every dev corpus, probe and
example body, and mutations of them, through both paths and compares the findings exactly.

Bounded: at most :data:`MAX_KEY_BYTES` of keys per process, least recently used dropped first; only
lists of at least :data:`MIN_TOOLS` definitions (a small request validated on the proxy's event loop
gains nothing from serialising its one tool). Pure: no I/O, one dictionary per process, behind a lock (the worker is single-threaded; in the proxy's process
the rules run on the event loop and on the WebSocket judge's thread).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import orjson

from toolguard_core.request import RequestView

#: Fewer definitions than this are checked every time: serialising them would cost about what
#: checking them does.
MIN_TOOLS = 8
#: The remembered keys' total size per process (a 30-tool agent's definitions are ~30 KB).
MAX_KEY_BYTES = 4 << 20


class Memo:
    """An LRU map from a key (whose last element is the definitions' JSON text, counted against
    :data:`MAX_KEY_BYTES`) to a remembered result."""

    __slots__ = ("_entries", "_lock", "_size", "max_bytes")

    def __init__(self, max_bytes: int = MAX_KEY_BYTES) -> None:
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._size = 0
        self.max_bytes = max_bytes
        # In the proxy's own process the rules run on the event loop and on the WebSocket judge's
        # thread (addon.SocketWorker): a lookup and its move_to_end, or an eviction, must not
        # interleave with another thread's (a KeyError there would be a rule's internal error).
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        size = len(key[-1])
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= size
            while self._entries and self._size + size > self.max_bytes:
                dropped, _ = self._entries.popitem(last=False)
                self._size -= len(dropped[-1])
            self._entries[key] = value
            self._size += size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)


#: The definitions last serialised and their text: tools.py and spec.py read the same parsed list
#: of one request, serialised once. Holding the list keeps its id from being reused by another.
_last: tuple[object, bytes | None] = (None, None)


def tools_text(view: RequestView, tools: Any) -> bytes | None:
    """The exact JSON text of ``tools`` to key remembered checks on, or None when they are not to be
    remembered (few definitions, a body not parsed by orjson, a value orjson cannot write)."""
    global _last
    if not view.exact or not isinstance(tools, list) or len(tools) < MIN_TOOLS:
        return None
    last = _last  # one read: another thread may replace it between two (the WebSocket judge's)
    if last[0] is tools:
        return last[1]
    try:
        text: bytes | None = orjson.dumps(tools)
    except TypeError:  # orjson.JSONEncodeError: not a value orjson parsed
        text = None
    _last = (tools, text)
    return text
