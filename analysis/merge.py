"""The library behind ``toolguard merge OUT.db IN.db ...``: combine captures from several machines without duplicates.

Flows are keyed by their mitmproxy flow id (a uuid, unique across machines), runs by their id, findings and
repairs by
``(flow_id, idx)``. Rows already in ``OUT.db`` are kept as they are (``INSERT OR IGNORE``), so merging
the same inputs again changes nothing. Inputs are opened read-only and never modified.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from toolguard_core.store import open_db, refresh_summary_columns

TABLES = ("flows", "findings", "repairs", "runs")


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
    added = dict.fromkeys(TABLES, 0)
    conn = sqlite3.connect(out)
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
            finally:
                conn.execute("DETACH DATABASE src")
    finally:
        conn.close()
    # Rows from a database written before m007_summary_columns (or with an older normaliser) get the
    # summary columns this toolguard computes, so the merged file summarises in SQL like a fresh one.
    db = open_db(out)
    try:
        refresh_summary_columns(db, stale_only=True)
    finally:
        db.close()
    return added
