"""Which flows a summary reads, as one SQL relation: one database in place, or several combined.

The summary aggregates with ``GROUP BY`` over the ``flows`` columns the store derives when it writes a
row (``toolguard_core.grouping``, migration ``m007_summary_columns``), so it never holds more than its
aggregates and a bounded number of example rows. :func:`select_flows` gives it a
:class:`Selection`: a connection, and the SQL condition (over ``flows f``) that applies the filters.

- **One database with the summary columns** (any SQLite file or PostgreSQL store this toolguard
  wrote, or migrated): queried in place, read-only. Rows stored without the columns (copied from an
  older database) are counted and reported, not grouped: ``toolguard refingerprint`` fills them.
- **Several databases, or one written before the columns existed**: the selected flows' summary
  columns (never their request bodies) are copied into a temporary SQLite file, deduplicated by flow
  id (the first database wins, as ``toolguard merge`` does), findings and repairs with them; rows
  without the columns are derived on the way (counted in ``derived_on_read``). Memory stays bounded:
  rows stream through in batches. The file is deleted afterwards.

Request bodies (for the excerpts) are read one example flow at a time from the database that holds
the flow.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from toolguard_analysis.db import Connection, Source
from toolguard_core import grouping
from toolguard_core.upstreams import upstream_name_sql
from toolguard_core.verdict import row_rejected

#: The ``flows`` columns the summary reads; the staging file keeps only these.
FLOW_COLUMNS: tuple[str, ...] = (
    "id",
    "datetime_utc",
    "duration_ms",  # clients.RETRY_COLUMNS: a retry is sent within seconds of the answer's end
    "method",
    "scheme",
    "host",
    "port",
    "path",
    "provider",
    "client",
    "model",
    "status",
    "error_message",
    "error_type",
    "error_code",
    "error_param",
    "error_provider",
    "error_json",
    "verdict",
    "request_headers_json",
    "flow_error",
    "cause_id",
    "cause_json",
    *grouping.COLUMNS,
)
BATCH = 2000
#: An upstream's name over ``flows f`` as every report prints it (``host``, or ``host:port`` off the
#: scheme's default port: :func:`toolguard_core.learned.upstream_name`), computed in SQL from the
#: stored host, port and scheme, so two servers on one machine are two hosts (SQLite and PostgreSQL).
UPSTREAM_SQL = upstream_name_sql("f.host", "f.port", "f.scheme")


@dataclass
class Selection:
    """The selected flows: ``flows f`` (and ``findings``, ``repairs``) on ``conn`` where ``where``."""

    conn: Connection
    where: str
    args: list[Any]
    sources: list[Connection]
    staged: bool
    has_repairs: bool
    #: Rows whose summary columns this read computed (a database written before they existed).
    derived_on_read: int = 0
    #: The selected flows that retried an earlier call (clients.retried), tallied by group key: read once.
    retry_groups: dict[str | None, Any] | None = None

    def query(self, sql: str, args: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        return self.conn.query(sql, args)

    def request_json(self, flow_id: str) -> str | None:
        """The stored request body of one flow, from the database it came from."""
        source = self.conn
        if self.staged:
            row = next(self.conn.query("select src from flows where id = ?", [flow_id]), None)
            if row is None:
                return None
            source = self.sources[row["src"]]
        found = next(source.query("select request_json from flows where id = ?", [flow_id]), None)
        return found["request_json"] if found else None


def _like(text: str) -> str:
    return f"%{text.lower()}%"


def _where(
    since: str | None, until: str | None, host: str | None, model: str | None, client: str | None
) -> tuple[str, list[Any]]:
    """The filters as portable SQL over ``flows f`` (``?`` placeholders, SQLite and PostgreSQL)."""
    where = ["1 = 1"]
    args: list[Any] = []
    # coalesce(): not an indexed column for SQLite's planner, which (without statistics) would
    # otherwise walk the datetime_utc index and read each row instead of scanning a covering index.
    if since:
        where.append("coalesce(f.datetime_utc, '') >= ?")
        args.append(since)
    if until:
        where.append("coalesce(f.datetime_utc, '') < ?")
        args.append(until)
    if host:
        # Over the name the reports print (``127.0.0.1:8000``), so what a summary listed selects it.
        where.append(f"coalesce({UPSTREAM_SQL}, '') like ?")
        args.append(_like(host))
    if model:
        where.append("lower(coalesce(f.model, '')) like ?")
        args.append(_like(model))
    if client:
        # The parsed name ("QwenCode/0.24.4 (OpenAI/JS 5.11.0)") or the raw User-Agent.
        where.append("lower(coalesce(f.client_name, '') || ' ' || coalesce(f.client, '')) like ?")
        args.append(_like(client))
    return " and ".join(where), args


@contextlib.contextmanager
def select_flows(
    paths: Sequence[Source],
    since: str | None = None,
    until: str | None = None,
    host: str | None = None,
    client: str | None = None,
    model: str | None = None,
) -> Iterator[Selection]:
    """The flows of ``paths`` that pass the filters (see the module docstring for the two ways)."""
    conns: list[Connection] = []
    try:
        for path in paths:
            conns.append(Connection(path))
        if len(conns) == 1 and set(grouping.COLUMNS) <= conns[0].columns("flows"):
            where, args = _where(since, until, host, model, client)
            yield Selection(
                conns[0], where, args, conns, staged=False, has_repairs=conns[0].has_table("repairs")
            )
            return
        with tempfile.TemporaryDirectory(prefix="toolguard-summary-") as tmp:
            staging = sqlite3.connect(Path(tmp) / "selection.db")
            try:
                derived = _stage(staging, conns, since, until, host, model, client)
                yield Selection(
                    Connection.over(staging, "selection"),
                    "1 = 1",
                    [],
                    conns,
                    staged=True,
                    has_repairs=True,
                    derived_on_read=derived,
                )
            finally:
                staging.close()
    finally:
        for conn in conns:
            conn.close()


def _insert(db: sqlite3.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        db.executemany(sql, batch)


def _stage(
    staging: sqlite3.Connection,
    conns: list[Connection],
    since: str | None,
    until: str | None,
    host: str | None,
    model: str | None,
    client: str | None,
) -> int:
    """Copy the selected flows of every database into ``staging``; returns how many rows had their
    summary columns derived here."""
    columns = ", ".join(FLOW_COLUMNS)
    staging.execute(
        "CREATE TABLE flows (src INTEGER NOT NULL, "
        + ", ".join(f"{c} TEXT PRIMARY KEY" if c == "id" else c for c in FLOW_COLUMNS)
        + ")"
    )
    staging.execute(
        "CREATE TABLE findings (flow_id TEXT NOT NULL, idx INTEGER NOT NULL, rule TEXT, severity TEXT, "
        "location TEXT, message TEXT, PRIMARY KEY (flow_id, idx))"
    )
    staging.execute(
        "CREATE TABLE repairs (flow_id TEXT NOT NULL, idx INTEGER NOT NULL, rule TEXT, family TEXT, "
        "location TEXT, applied INTEGER, description TEXT, PRIMARY KEY (flow_id, idx))"
    )
    # The client filter needs client_name, which older databases lack: applied once derived, below.
    where, args = _where(since, until, host, model, None)
    owned = "WHERE EXISTS (SELECT 1 FROM flows WHERE id = ? AND src = ?)"
    for src, conn in enumerate(conns):
        present = conn.columns("flows")
        select = ", ".join(c if c in present else f"NULL AS {c}" for c in FLOW_COLUMNS)
        _insert(
            staging,
            f"INSERT OR IGNORE INTO flows (src, {columns}) VALUES (?, {', '.join('?' * len(FLOW_COLUMNS))})",
            (
                (src, *(row[c] for c in FLOW_COLUMNS))
                for row in conn.query(f"select {select} from flows f where {where}", args)
            ),
        )
        # A flow's findings and repairs come from the database its row came from.
        _insert(
            staging,
            f"INSERT OR IGNORE INTO findings SELECT ?, ?, ?, ?, ?, ? {owned}",
            (
                (
                    r["flow_id"],
                    r["idx"],
                    r["rule"],
                    r["severity"],
                    r["location"],
                    r["message"],
                    r["flow_id"],
                    src,
                )
                for r in conn.query("select flow_id, idx, rule, severity, location, message from findings")
            ),
        )
        if conn.has_table("repairs"):
            _insert(
                staging,
                f"INSERT OR IGNORE INTO repairs SELECT ?, ?, ?, ?, ?, ?, ? {owned}",
                (
                    (
                        r["flow_id"],
                        r["idx"],
                        r["rule"],
                        r["family"],
                        r["location"],
                        r["applied"],
                        r["description"],
                        r["flow_id"],
                        src,
                    )
                    for r in conn.query(
                        "select flow_id, idx, rule, family, location, applied, description from repairs"
                    )
                ),
            )
        if "cause_json" not in present:
            _recognise_causes(staging, src)
        staging.commit()
    derived = grouping.refresh_columns(staging, only_missing=True)
    if client:
        staging.execute(
            "DELETE FROM flows WHERE NOT (lower(coalesce(client_name, '') || ' ' || coalesce(client, '')) like ?)",
            [_like(client)],
        )
    for name, index in grouping.SUMMARY_INDEXES.items():
        staging.execute(f"CREATE INDEX {name} ON flows ({', '.join(index)})")
    staging.execute("CREATE INDEX flows_time ON flows (datetime_utc)")
    staging.commit()
    return derived


def _recognise_causes(staging: sqlite3.Connection, src: int) -> None:
    """Rows from a database written before root causes were stored (no ``cause_json`` column): their
    cause is recognised now from the error text, as ``toolguard reexplain`` would store it."""
    last = -1
    while True:
        rows = staging.execute(
            "SELECT rowid, id, verdict, status, error_message, error_json, provider FROM flows "
            "WHERE src = ? AND rowid > ? ORDER BY rowid LIMIT ?",
            [src, last, BATCH],
        ).fetchall()
        if not rows:
            return
        last = rows[-1][0]
        updates = []
        for rowid, flow_id, verdict, status, error_message, error_json, provider in rows:
            if not row_rejected(verdict, status, error_message):
                continue
            rules = [
                r[0]
                for r in staging.execute(
                    "SELECT rule FROM findings WHERE flow_id = ? AND severity = 'error' ORDER BY idx",
                    [flow_id],
                )
            ]
            row = {"error_json": error_json, "error_message": error_message, "provider": provider}
            cause = grouping.stored_cause(row, rules, causes_stored=False)
            if cause:
                updates.append((cause["cause"], json.dumps(cause, ensure_ascii=False, sort_keys=True), rowid))
        staging.executemany("UPDATE flows SET cause_id = ?, cause_json = ? WHERE rowid = ?", updates)
