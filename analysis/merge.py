"""The library behind ``toolguard merge OUT.db IN.db ...``: combine captures from several machines without duplicates.

Flows are keyed by their mitmproxy flow id (a uuid, unique across machines), runs by their id, findings and
repairs by
``(flow_id, idx)``. Rows already in ``OUT.db`` are kept as they are (``INSERT OR IGNORE``), so merging
the same inputs again changes nothing. Inputs are opened read-only and never modified.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from toolguard_core.dburl import is_postgres_url
from toolguard_core.store import open_db

TABLES = ("flows", "findings", "repairs", "runs")


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def merge(out: Path, inputs: list[Path | str]) -> dict[str, int]:
    """Merge ``inputs`` into ``out`` (created with the current schema if missing); rows added per table.
    An input may be a ``postgresql://`` URL: the team's shared store, taken offline into a file."""
    out = Path(out)
    for path in inputs:
        if is_postgres_url(path):
            continue
        if not Path(path).exists():
            raise FileNotFoundError(path)
        if out.exists() and Path(path).resolve() == out.resolve():
            raise ValueError(f"{path} is the output database")
    open_db(out).close()  # create / migrate the output to the current schema
    added = dict.fromkeys(TABLES, 0)
    conn = sqlite3.connect(out)
    try:
        for path in inputs:
            if is_postgres_url(path):
                _merge_postgres(conn, str(path), added)
                continue
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
    return added


def _merge_postgres(conn: sqlite3.Connection, url: str, added: dict[str, int]) -> None:
    """The same ``INSERT OR IGNORE`` per table, with the rows read from PostgreSQL through a
    server-side cursor (a team's store can be larger than memory), in one SQLite transaction."""
    from toolguard_core import pgstore

    with pgstore.connect(url) as pg, conn:
        present = {
            row[0]
            for row in pg.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            )
        }
        for table in TABLES:
            if table not in present:
                continue
            source_columns = {
                row[0]
                for row in pg.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = %s",
                    [table],
                )
            }
            columns = [c for c in _columns(conn, "main", table) if c in source_columns]
            names = ", ".join(f'"{c}"' for c in columns)
            before = conn.total_changes
            with pg.cursor(name=f"toolguard_merge_{table}") as cursor:
                cursor.itersize = 1000
                cursor.execute(f'SELECT {names} FROM "{table}"')
                conn.executemany(
                    f"INSERT OR IGNORE INTO main.{table} ({names}) VALUES ({', '.join('?' * len(columns))})",
                    cursor,
                )
            added[table] += conn.total_changes - before
