"""Reading capture databases (docs/schema.md) read-only; the summary's selection of flows is in
:mod:`toolguard_analysis.selection`.

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

from toolguard_analysis.errors import ToolguardError
from toolguard_core.dburl import is_postgres_url, pg_sql, redact_url

Source = str | os.PathLike[str]


def database_errors() -> tuple[type[Exception], ...]:
    """What reading a database can raise: SQLite's errors, and psycopg's once a PostgreSQL
    connection has loaded it (not imported here: the summary library stays light)."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.DatabaseError, psycopg.Error) if psycopg is not None else (sqlite3.DatabaseError,)


class Connection:
    """A read-only connection to a SQLite file or a PostgreSQL database, rows as dicts.

    Every query on one connection reads the same snapshot of the database (one read transaction,
    from the first query to :meth:`close`): a summary or ``show`` run while a proxy writes says
    the same counts in each of its sections, and never sees a finding whose flow it read without it.
    A proxy commits a flow with its findings; separate autocommit queries could still fall either
    side of a commit (a CI run read a flow's findings without the flow, stop 41)."""

    def __init__(self, source: Source) -> None:
        self.postgres = is_postgres_url(source)
        self.label = redact_url(str(source)) if self.postgres else str(source)
        if self.postgres:
            from psycopg import IsolationLevel
            from psycopg.rows import dict_row

            from toolguard_core import pgstore

            try:
                self._pg = pgstore.connect(str(source), row_factory=dict_row)
            except ImportError as exc:
                raise ToolguardError(str(exc)) from exc
            except Exception as exc:  # psycopg.OperationalError: unreachable, bad credentials
                raise ToolguardError(f"cannot connect to {self.label}: {exc}") from exc
            # Not autocommit: the first query opens the transaction whose snapshot every later
            # query reads (PostgreSQL's REPEATABLE READ); close() rolls it back, nothing written.
            self._pg.isolation_level = IsolationLevel.REPEATABLE_READ
            self._pg.read_only = True
        else:
            self._sqlite = sqlite3.connect(
                f"file:{source}?mode=ro{_immutable(source)}", uri=True, isolation_level=None
            )
            self._sqlite.row_factory = sqlite3.Row
            # A deferred transaction: its snapshot is taken by the first read (WAL readers do not
            # block the proxy's writer; its checkpoint waits past this snapshot until close()).
            self._sqlite.execute("BEGIN")

    def query(self, sql: str, args: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Run portable SQL written with ``?`` placeholders."""
        if self.postgres:
            yield from self._pg.execute(pg_sql(sql), list(args))
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


def _immutable(path: Source) -> str:
    """``&immutable=1`` for a file no one can be writing: in a directory this user cannot write (a
    read-only mount, a CI artifact, another user's capture) and without the ``-shm`` file a
    read-only reader of a WAL database needs. Without it SQLite refuses such a file ("unable to
    open database file"): toolguard's databases are in WAL mode (store.open_db), and a reader must
    create the ``-shm`` file beside it. Elsewhere a proxy may be writing, so the file is read as usual."""
    directory = Path(path).resolve().parent
    if os.access(directory, os.W_OK) or Path(f"{path}-shm").exists():
        return ""
    return "&immutable=1"


def exists(source: Source) -> bool:
    """A file that exists, or any PostgreSQL URL (whether it answers is found out on connecting)."""
    return is_postgres_url(source) or Path(source).exists()


def missing(source: Source) -> str:
    """What a command that reads a database says when there is none: for the default database (a
    first run, nothing captured yet), also how it comes to be."""
    words = f"no toolguard database at {source}"
    from toolguard_core.store import default_db_path  # the addon's store: not imported by the summary

    if not is_postgres_url(source) and Path(source).expanduser() == default_db_path():
        words += (
            " (nothing captured yet: the proxy creates it when it starts; `toolguard run -- COMMAND`, "
            "`toolguard proxy`, or mitmdump with the addon, see README)"
        )
    return words


def require(source: Source) -> None:
    """Raise :class:`ToolguardError` unless ``source`` is a toolguard database a command can read: a
    file that is missing, is not SQLite, has no tables (0 bytes) or is another program's database is
    said so, the same words and exit status (1) for every command; so is a PostgreSQL database
    that cannot be reached or has no toolguard tables. Without it, ``summary`` said "cannot read the database: no
    such table: flows" while ``merge`` took the same file as an empty capture and exited 0."""
    if not exists(source):
        raise ToolguardError(missing(source))
    if is_postgres_url(source):
        # A database created as docs/deployment.md says, before any proxy wrote to it: as an empty
        # file (trial21b: PostgreSQL's 'relation "flows" does not exist' with a SQL excerpt, or
        # "nothing learned yet", or an empty OUT from merge, depending on the command).
        conn = Connection(source)
        try:
            present = conn.has_table("flows") or conn.has_table("flow_rows")
        finally:
            conn.close()
        if not present:
            raise ToolguardError(
                f"{conn.label} is not a toolguard database (it has no toolguard tables: no proxy or "
                "`toolguard sync` wrote to it yet)"
            )
        return
    # The addon's store (sqlite-utils): imported here only, as in missing(), so the summary stays light.
    from toolguard_core.store import foreign_tables, not_toolguard

    if Path(source).is_dir():
        # SQLite says only "disk I/O error" of a directory (a new user's trial, session 15).
        raise ToolguardError(
            f"{source} is not a toolguard database (it is a directory: give the database file)"
        )
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro{_immutable(source)}", uri=True)
        try:
            tables = foreign_tables(conn)
            empty = conn.execute("select count(*) from sqlite_master").fetchone()[0] == 0
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        reason = "not a SQLite file" if "not a database" in str(exc) else str(exc)
        raise ToolguardError(f"{source} is not a toolguard database ({reason})") from exc
    if tables:
        raise ToolguardError(not_toolguard(source, tables))
    if empty:
        raise ToolguardError(f"{source} is not a toolguard database (it is empty: no proxy wrote to it)")


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


def load_runs(
    paths: Sequence[Source], since: str | None = None, until: str | None = None
) -> list[dict[str, Any]]:
    """The ``runs`` rows of every database (first database wins per id) that overlap the time window
    (started before ``until``, ended, or started, at or after ``since``); none for a database written
    before that table existed. Only the columns the summary's "what was seen" block reads."""
    runs: dict[str, dict[str, Any]] = {}
    for path in paths:
        conn = Connection(path)
        try:
            if not conn.has_table("runs"):
                continue
            columns = conn.columns("runs")
            wanted = ["id", "started_utc", "ended_utc", "requests_seen", "validated"]
            wanted += [
                c
                for c in (
                    "websocket_messages",
                    "model_rules_skipped",
                    "model_rules_skipped_hosts",
                    "model_rules_skipped_local",
                    "model_rules_skipped_models",
                    "unrecognised_requests",
                    "unrecognised_hosts",
                    "unchecked_requests",
                    "unchecked_rejected",
                    "unchecked_paths",
                    "ignored_requests",
                    "ignored_paths",
                )
                if c in columns
            ]
            where, args = ["1 = 1"], []
            if until:
                where.append("started_utc < ?")
                args.append(until)
            if since:
                where.append("coalesce(ended_utc, started_utc) >= ?")
                args.append(since)
            for row in conn.query(
                f"select {', '.join(wanted)} from runs where {' and '.join(where)} order by started_utc, id",
                args,
            ):
                runs.setdefault(row["id"], row)
        finally:
            conn.close()
    return list(runs.values())
