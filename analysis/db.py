"""Reading capture databases (the ``flows`` and ``findings`` tables of docs/schema.md) read-only,
with the summary's filters applied in SQL (time, host, model) and in Python (client).

A database is a SQLite file or a ``postgresql://`` URL (the shared store, docs/deployment.md). The
queries are written once, in SQL both dialects read (``?`` placeholders, ``lower``/``coalesce``/
``like``); :class:`Connection` is the one place that knows which dialect it talks to.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from toolguard_analysis.clients import headers as _headers
from toolguard_analysis.clients import parse_client
from toolguard_analysis.errors import ToolguardError
from toolguard_core.dburl import is_postgres_url, redact_url

Source = str | os.PathLike[str]


def database_errors() -> tuple[type[Exception], ...]:
    """What reading a database can raise: SQLite's errors, and psycopg's once a PostgreSQL
    connection has loaded it (not imported here: the summary library stays light)."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.DatabaseError, psycopg.Error) if psycopg is not None else (sqlite3.DatabaseError,)


FLOW_COLUMNS = (
    "id, datetime_utc, host, path, provider, client, model, status, error_message, error_type, error_code, "
    "error_param, error_provider, error_json, verdict, request_json, request_headers_json, flow_error"
)
#: Columns later migrations added: read as NULL from a database written by an older toolguard (the
#: summary opens files read-only, so it never migrates them).
OPTIONAL_FLOW_COLUMNS = ("cause_id", "cause_json")


class Connection:
    """A read-only connection to a SQLite file or a PostgreSQL database, rows as dicts."""

    def __init__(self, source: Source) -> None:
        self.postgres = is_postgres_url(source)
        self.label = redact_url(str(source)) if self.postgres else str(source)
        if self.postgres:
            from psycopg.rows import dict_row

            from toolguard_core import pgstore

            try:
                self._pg = pgstore.connect(str(source), row_factory=dict_row, autocommit=True)
            except ImportError as exc:
                raise ToolguardError(str(exc)) from exc
            except Exception as exc:  # psycopg.OperationalError: unreachable, bad credentials
                raise ToolguardError(f"cannot connect to {self.label}: {exc}") from exc
            self._pg.read_only = True
        else:
            self._sqlite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            self._sqlite.row_factory = sqlite3.Row

    def query(self, sql: str, args: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Run portable SQL written with ``?`` placeholders."""
        if self.postgres:
            yield from self._pg.execute(sql.replace("%", "%%").replace("?", "%s"), list(args))
        else:
            for row in self._sqlite.execute(sql, list(args)):
                yield dict(row)

    def has_table(self, name: str) -> bool:
        """Whether the database has this table (older captures lack the later migrations' tables)."""
        if self.postgres:
            sql = "select to_regclass(?) is not null as present"
        else:
            sql = "select exists (select 1 from sqlite_master where type = 'table' and name = ?) as present"
        return bool(next(self.query(sql, [name]))["present"])

    def columns(self, table: str) -> set[str]:
        """The table's column names (older captures lack the later migrations' columns)."""
        if self.postgres:
            sql = "select column_name as name from information_schema.columns where table_name = ?"
        else:
            sql = "select name from pragma_table_info(?)"
        return {row["name"] for row in self.query(sql, [table])}

    @classmethod
    def over(cls, conn: sqlite3.Connection, label: str) -> Connection:
        """A :class:`Connection` over an open SQLite connection (the summary's staging file)."""
        self = cls.__new__(cls)
        self.postgres, self.label, self._sqlite = False, label, conn
        conn.row_factory = sqlite3.Row
        return self

    def close(self) -> None:
        (self._pg if self.postgres else self._sqlite).close()


def exists(source: Source) -> bool:
    """A file that exists, or any PostgreSQL URL (whether it answers is found out on connecting)."""
    return is_postgres_url(source) or Path(source).exists()


def load(
    paths: Sequence[Source],
    since: str | None = None,
    until: str | None = None,
    host: str | None = None,
    client: str | None = None,
    model: str | None = None,
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Flows (deduplicated by id across databases, first database wins) and their findings."""
    flows: dict[str, dict[str, Any]] = {}
    findings: dict[str, list[dict[str, Any]]] = {}
    where: list[str] = []
    args: list[Any] = []
    if since:
        where.append("datetime_utc >= ?")
        args.append(since)
    if until:
        where.append("datetime_utc < ?")
        args.append(until)
    if host:
        where.append("lower(coalesce(host, '')) like ?")
        args.append(f"%{host.lower()}%")
    if model:
        where.append("lower(coalesce(model, '')) like ?")
        args.append(f"%{model.lower()}%")
    for path in paths:
        conn = Connection(path)
        try:
            present = conn.columns("flows")
            optional = ", ".join(c if c in present else f"NULL AS {c}" for c in OPTIONAL_FLOW_COLUMNS)
            sql = f"select {FLOW_COLUMNS}, {optional} from flows" + (
                f" where {' and '.join(where)}" if where else ""
            )
            for flow in conn.query(sql + " order by datetime_utc", args):
                # Whether this database stores root causes (its rows were labelled when written, or by
                # the migration / `toolguard reexplain`); an older one is recognised on the fly instead.
                flow["causes_stored"] = "cause_json" in present
                if flow["id"] in flows:
                    continue
                flow["client_name"] = parse_client(
                    flow.get("client"), _headers(flow.get("request_headers_json"))
                )
                if (
                    client
                    and client.lower() not in f"{flow['client_name']} {flow.get('client') or ''}".lower()
                ):
                    continue
                flows[flow["id"]] = flow
            for row in conn.query(
                "select flow_id, idx, rule, severity, location, message from findings order by flow_id, idx"
            ):
                if row["flow_id"] in flows and row["flow_id"] not in findings:
                    findings[row["flow_id"]] = []
                if row["flow_id"] in findings and not any(
                    f["idx"] == row["idx"] for f in findings[row["flow_id"]]
                ):
                    findings[row["flow_id"]].append(dict(row))
        finally:
            conn.close()
    return list(flows.values()), findings


def load_learned(paths: Sequence[Source]) -> dict[str, list[dict[str, Any]]]:
    """The ``learned`` and ``rule_calibration`` rows of every database (first database wins per key);
    empty lists for a database written before those tables existed."""
    constraints: dict[tuple[Any, ...], dict[str, Any]] = {}
    calibration: dict[tuple[Any, ...], dict[str, Any]] = {}
    for path in paths:
        conn = Connection(path)
        try:
            if conn.has_table("learned"):
                for item in conn.query("select * from learned order by host, model, kind, name, value"):
                    constraints.setdefault(
                        (item["host"], item["model"], item["kind"], item["name"], item["value"]), item
                    )
            if conn.has_table("rule_calibration"):
                for item in conn.query("select * from rule_calibration order by host, model, rule"):
                    calibration.setdefault((item["rule"], item["host"], item["model"]), item)
        finally:
            conn.close()
    return {"constraints": list(constraints.values()), "calibration": list(calibration.values())}


def load_repairs(paths: Sequence[Source], flows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``repairs`` rows (docs/schema.md) of the given flows, each with its flow's ``verdict``;
    databases written before repair mode existed have no such table and give nothing."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for path in paths:
        conn = Connection(path)
        try:
            if not conn.has_table("repairs"):
                continue
            for row in conn.query(
                "select flow_id, idx, rule, family, location, applied from repairs order by flow_id, idx"
            ):
                key = (row["flow_id"], row["idx"])
                if row["flow_id"] in flows and key not in seen:
                    seen.add(key)
                    rows.append({**dict(row), "verdict": flows[row["flow_id"]].get("verdict")})
        finally:
            conn.close()
    return rows
