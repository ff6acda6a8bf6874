"""The library behind ``toolguard merge OUT.db IN.db ...``: combine captures from several machines without duplicates.

Flows are keyed by their mitmproxy flow id (a uuid, unique across machines), runs by their id, findings and
repairs by
``(flow_id, idx)``. Rows already in ``OUT.db`` are kept as they are (``INSERT OR IGNORE``), so merging
the same inputs again changes nothing. Inputs are opened read-only and never modified.

What the upstreams taught (issue #10.3: ``learned`` constraints, ``rule_calibration`` counts) is merged
per key the way ``toolguard learned import`` merges a file: a key only one side has is copied, a key
both have keeps the larger count, the earliest first and latest last sighting and the earliest
demotion (:func:`toolguard_core.learned_store.merge_rows`). So the merged database predicts and
demotes what either machine learned, and merging again changes nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from toolguard_core.learned_store import MERGE_KEYS, merge_rows
from toolguard_core.store import open_db

TABLES = ("flows", "findings", "repairs", "runs")
LEARNED_TABLES = tuple(MERGE_KEYS)


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def merge(out: Path, inputs: list[Path]) -> dict[str, int]:
    """Merge ``inputs`` into ``out`` (created with the current schema if missing); rows added per table."""
    out = Path(out)
    for path in inputs:
        if not Path(path).exists():
            raise FileNotFoundError(path)
        if out.exists() and Path(path).resolve() == out.resolve():
            raise ValueError(f"{path} is the output database")
    open_db(out).close()  # create / migrate the output to the current schema
    added = dict.fromkeys((*TABLES, *LEARNED_TABLES), 0)
    conn = sqlite3.connect(out)
    conn.row_factory = sqlite3.Row
    db = sqlite_utils.Database(conn)
    try:
        for path in inputs:
            conn.execute("ATTACH DATABASE ? AS src", (f"file:{Path(path).resolve()}?mode=ro",))
            try:
                with conn:
                    for table in TABLES:
                        source_columns = set(_columns(conn, "src", table))
                        if not source_columns:
                            continue  # not a toolguard database (or an empty one): nothing to take
                        columns = [c for c in _columns(conn, "main", table) if c in source_columns]
                        names = ", ".join(columns)
                        before = conn.total_changes
                        conn.execute(
                            f"INSERT OR IGNORE INTO main.{table} ({names}) SELECT {names} FROM src.{table}"
                        )
                        added[table] += conn.total_changes - before
                    for table in LEARNED_TABLES:
                        if not _columns(conn, "src", table):
                            continue  # written before issue #10.3: nothing learned to take
                        rows = [dict(row) for row in conn.execute(f"SELECT * FROM src.{table}")]
                        added[table] += merge_rows(db, table, rows)
            finally:
                conn.execute("DETACH DATABASE src")
    finally:
        conn.close()
    return added
