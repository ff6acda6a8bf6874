"""Opening a database to change it — ``toolguard learned forget|import`` and ``toolguard reexplain`` —
whether it is a SQLite file or the shared ``postgresql://`` store (docs/deployment.md).

The code that changes rows (:mod:`toolguard_core.learned_store`, :func:`toolguard_core.store.relabel_rows`)
is written against the part of sqlite-utils' ``Database`` it uses: ``execute`` (a DB-API cursor),
``query`` (rows as dicts), ``atomic`` (one transaction) and ``table_names``. A SQLite file is opened
as exactly that (:func:`toolguard_core.store.open_db`, migrated); a PostgreSQL URL as
:class:`PostgresDatabase`, the same four methods over psycopg (an import first creates the tables
if missing, :func:`toolguard_core.pgstore.ensure_schema`). So each statement is written once, in SQL both
dialects read, and both backends give the same answers.

Reading only (``show``, ``summary``) goes through :class:`toolguard_analysis.db.Connection`, which
stays free of sqlite-utils and click; this module is for the CLI.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from toolguard_analysis.db import Source, database_errors, require
from toolguard_analysis.errors import ToolguardError
from toolguard_core.dburl import is_postgres_url, pg_sql, redact_url


class PostgresDatabase:
    """The sqlite-utils ``Database`` methods toolguard's writers use, over one psycopg connection.

    Autocommit outside :meth:`atomic` (each statement its own transaction, as sqlite-utils does);
    :meth:`atomic` is one transaction (nested calls are savepoints, as in sqlite-utils).
    """

    def __init__(self, url: str, *, prepare: bool = False) -> None:
        from toolguard_core import pgstore

        self.label = redact_url(url)
        try:
            self.conn = pgstore.connect(url, autocommit=True)
        except ImportError as exc:
            raise ToolguardError(str(exc)) from exc
        except Exception as exc:  # psycopg.OperationalError: unreachable, bad credentials
            raise ToolguardError(f"cannot connect to {self.label}: {exc}") from exc
        if not prepare:
            return
        try:
            pgstore.ensure_schema(self.conn)
        except Exception as exc:  # psycopg.Error: a role that may not create the tables
            self.conn.close()
            raise ToolguardError(f"cannot prepare the tables in {self.label}: {exc}") from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; the psycopg cursor (``rowcount``, ``fetchone``, ``fetchall``,
        ``description``), rows as tuples like sqlite3's."""
        return self.conn.execute(pg_sql(sql), list(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        from psycopg.rows import dict_row

        with self.conn.cursor(row_factory=dict_row) as cursor:
            yield from cursor.execute(pg_sql(sql), list(params))

    def atomic(self) -> AbstractContextManager[Any]:
        return self.conn.transaction()

    def table_names(self) -> list[str]:
        rows = self.execute(
            "select table_name from information_schema.tables where table_schema = current_schema() "
            "order by table_name"
        )
        return [row[0] for row in rows]

    def close(self) -> None:
        self.conn.close()


def open_writable(source: Source, *, create: bool = False, migrate: bool = False) -> Any:
    """A SQLite file (migrated; created only with ``create``) as a sqlite-utils ``Database``, or a
    ``postgresql://`` URL as a :class:`PostgresDatabase`. Raises :class:`ToolguardError` when the
    file is missing (without ``create``), is no database, or the server cannot be reached.
    ``migrate``: the PostgreSQL tables are brought up to date too, as a SQLite file always is (the
    commands that rewrite stored rows: an older toolguard's store lacks the columns they write)."""
    if is_postgres_url(source):
        # Tables are created only where rows are added (an import): listing, exporting or forgetting
        # must work for a role that may read and delete but not create (PostgreSQL checks the
        # schema's CREATE privilege even for CREATE TABLE IF NOT EXISTS on a table that exists).
        if not create:
            require(source)  # unreachable, or no proxy wrote to it yet: said as the readers say it
        return PostgresDatabase(str(source), prepare=create or migrate)
    from toolguard_core.store import (
        NotToolguardDatabase,
        open_db,
        unwritable,
    )  # sqlite-utils and click: the CLI's, not the summary's

    path = Path(source).expanduser()
    if not create:
        require(path)  # missing, empty or another program's: said as the read-only commands say it
    try:
        return open_db(path)
    except NotToolguardDatabase as exc:  # import into another program's file: left untouched
        raise ToolguardError(str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        reason = unwritable(path)  # this command writes (or migrates) the file: say why it cannot
        raise ToolguardError(f"cannot open the database: {exc}{f' ({reason})' if reason else ''}") from exc


def run_on[T](
    source: Source, action: Callable[[Any], T], *, create: bool = False, migrate: bool = False
) -> T:
    """Open ``source`` (:func:`open_writable`), call ``action(db)`` and close it; a database error
    becomes a :class:`ToolguardError` naming the database (without its password)."""
    db = open_writable(source, create=create, migrate=migrate)
    try:
        return action(db)
    except database_errors() as exc:
        name = db.label if isinstance(db, PostgresDatabase) else str(source)
        raise ToolguardError(f"database error in {name}: {exc}") from exc
    finally:
        db.close()
