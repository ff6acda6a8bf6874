"""A SQLite database another connection holds, for the races between the proxy and its writer
process's start (tests/test_knowledge_races.py, tests/test_addon_websocket.py,
tests/e2e/test_learn_e2e.py)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def database_locked(db_path: Path) -> Iterator[Callable[[], None]]:
    """The database locked against every other connection, readers too (SQLite's EXCLUSIVE locking
    mode, WAL or not) until the callable it gives is called: the writer process's start, which reads
    the learned tables for its handshake, waits on it (its busy timeout, 5 s), so a request sent
    meanwhile comes before the learned knowledge, whatever the machine's load."""
    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            conn.execute("ROLLBACK")
            conn.close()  # the exclusive locking mode keeps the lock until the connection closes

    try:
        yield release
    finally:
        release()
