"""The library behind ``toolguard merge OUT.db IN.db ...``: combine captures from several machines without duplicates.

Flows are keyed by their mitmproxy flow id (a uuid, unique across machines), runs by their id, findings and
repairs by ``(flow_id, idx)``, and request contents (m008_content_dedup) by their id, which is derived from
their text: a message that several files hold is stored once in OUT. Rows already in ``OUT.db`` are kept as
they are (``INSERT OR IGNORE``), so merging the same inputs again changes nothing. Inputs are opened
read-only and never modified; rows from a file written before m008_content_dedup are split into contents
in OUT like the writer would have.

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

from toolguard_core import dedup
from toolguard_core.dburl import is_postgres_url
from toolguard_core.learned_store import MERGE_KEYS, merge_rows
from toolguard_core.store import (
    compact_repairs,
    compact_rows,
    open_db,
    recredit_rows,
    refresh_summary_columns,
)

#: Copied in this order: contents before the flows whose requests they rebuild.
TABLES = (dedup.CONTENTS_TABLE, dedup.FLOW_ROWS_TABLE, "findings", "repairs", "runs")
LEARNED_TABLES = tuple(MERGE_KEYS)


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def _source_table(conn: sqlite3.Connection, table: str) -> str:
    """An input written before m008_content_dedup has its flows in the table ``flows``."""
    if table == dedup.FLOW_ROWS_TABLE and not _columns(conn, "src", table):
        kind = conn.execute("SELECT type FROM src.sqlite_master WHERE name = 'flows'").fetchone()
        if kind is not None and kind[0] == "table":
            return "flows"
    return table


def _collisions(conn: sqlite3.Connection) -> int:
    """Contents of the input whose id OUT holds with another text (a 63-bit hash collision)."""
    if not _columns(conn, "src", dedup.CONTENTS_TABLE):
        return 0
    return int(
        conn.execute(
            f"SELECT count(*) FROM src.{dedup.CONTENTS_TABLE} AS s JOIN main.{dedup.CONTENTS_TABLE} AS m "
            "ON m.id = s.id WHERE m.content_json IS NOT s.content_json"
        ).fetchone()[0]
    )


def merge(out: Path, inputs: list[Path | str]) -> dict[str, int]:
    """Merge ``inputs`` into ``out`` (created with the current schema if missing); rows added per table
    (``flows`` counts flow_rows).
    An input may be a ``postgresql://`` URL: the team's shared store, taken offline into a file.
    An ``out`` this call created is removed again when the merge fails (a PostgreSQL input that cannot
    be reached left an empty all.db behind, read later as a capture with nothing in it)."""
    out = Path(out)
    created = not out.exists()
    try:
        return _merge(out, inputs)
    except BaseException:
        if created:
            for leftover in (out, *(out.with_name(out.name + suffix) for suffix in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
        raise


def _merge(out: Path, inputs: list[Path | str]) -> dict[str, int]:
    for path in inputs:
        if is_postgres_url(path):
            continue
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
            if is_postgres_url(path):
                _merge_postgres(conn, str(path), added)
                continue
            conn.execute("ATTACH DATABASE ? AS src", (f"file:{Path(path).resolve()}?mode=ro",))
            try:
                with conn:
                    # Practically never: then this input's requests are copied whole, rebuilt by its view.
                    whole = _collisions(conn) > 0
                    for table in TABLES:
                        source = _source_table(conn, table)
                        if whole and table == dedup.CONTENTS_TABLE:
                            continue
                        if whole and table == dedup.FLOW_ROWS_TABLE:
                            source = dedup.FLOWS_VIEW
                        source_columns = set(_columns(conn, "src", source))
                        if not source_columns:
                            continue  # not a toolguard database (or an empty one): nothing to take
                        columns = [c for c in _columns(conn, "main", table) if c in source_columns]
                        if whole:
                            columns = [c for c in columns if c != dedup.PARTS_COLUMN]
                        names = ", ".join(columns)
                        before = conn.total_changes
                        conn.execute(
                            f"INSERT OR IGNORE INTO main.{table} ({names}) SELECT {names} FROM src.{source}"
                        )
                        added[table] += conn.total_changes - before
                    for table in LEARNED_TABLES:
                        if not _columns(conn, "src", table):
                            continue  # written before issue #10.3: nothing learned to take
                        rows = [dict(row) for row in conn.execute(f"SELECT * FROM src.{table}")]
                        added[table] += merge_rows(db, table, rows)
            finally:
                conn.execute("DETACH DATABASE src")
        # Requests that arrived whole (older inputs) take the content layout too, and their repairs
        # the patch layout (m010_repair_patches).
        with conn:
            compact_rows(sqlite_utils.Database(conn))
            compact_repairs(sqlite_utils.Database(conn))
    finally:
        conn.close()
    # Rows from a database written before m007_summary_columns (or with an older normaliser) get the
    # summary columns this toolguard computes, so the merged file summarises in SQL like a fresh one.
    # Verdicts stored by an older toolguard are decided again from both sides (a flagged request
    # rejected with a 429 is `recognised`, docs/errors.md), as m009_visibility does for a file in place.
    db = open_db(out)
    try:
        with db.atomic():
            recredit_rows(db)
        refresh_summary_columns(db, stale_only=True)
    finally:
        db.close()
    return {("flows" if t == dedup.FLOW_ROWS_TABLE else t): n for t, n in added.items()}


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
