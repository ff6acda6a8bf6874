"""The shared PostgreSQL store (issue #17): its schema, derived from SQLite's, and the syncer.

The SQLite migrations in :mod:`toolguard_core.store` are the one declaration of the schema. The
PostgreSQL schema is derived from them: the migrations run into an in-memory SQLite database,
sqlite-utils introspects its tables, columns, primary keys, indexes and views, and
:func:`ensure_schema` creates in PostgreSQL whatever is missing (``CREATE TABLE IF NOT EXISTS``,
``ADD COLUMN IF NOT EXISTS``, ``CREATE INDEX IF NOT EXISTS``). So every future SQLite migration
reaches PostgreSQL with no second copy of the DDL to keep in step.

Rows reach PostgreSQL only from a SQLite file: the proxy keeps writing its local file (the spool,
:func:`spool_path_for`), and :class:`Syncer` — a thread of its own, never the proxy's event loop —
pushes what is new there with idempotent upserts keyed by each table's primary key (flows by their
mitmproxy flow id, a uuid unique across machines; findings by ``(flow_id, idx)``). Several proxies
therefore write one database with no duplicates, and a proxy that cannot reach PostgreSQL keeps
proxying and spooling, retries with back-off and sends the backlog when the server is back.
``toolguard sync FILE URL`` pushes an existing capture through the same :func:`push_file`.

psycopg is an optional dependency (``pip install 'toolguard[postgres]'``): imported only here, and
this module only when a ``postgresql://`` URL is given (:mod:`toolguard_core.dburl` tells).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import operator
import os
import re
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from toolguard_core import dedup
from toolguard_core.dburl import command_url, pg_sql, redact_url
from toolguard_core.learned_store import (
    MERGE_KEYS,
    merge_rows,
    merged_fields,
    rekey_ipv6_hosts,
    rekey_ported_hosts,
)
from toolguard_core.store import migrations

try:
    import psycopg
    from psycopg import sql
except ImportError:  # without the extra: every entry point says how to install it (require_driver)
    psycopg = None  # type: ignore[assignment]
    sql = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

MISSING_DRIVER = (
    "a postgresql:// database needs psycopg: pip install 'toolguard[postgres]' "
    "(or scripts/bootstrap --test, which installs it)"
)
# Serialises schema creation when several proxies start at once: concurrent CREATE TABLE IF NOT
# EXISTS can still fail on PostgreSQL's catalog unique index. Any constant works; this one spells
# "toolgrd" in ASCII.
SCHEMA_LOCK = 0x746F6F6C677264
CONNECT_TIMEOUT = 5  # seconds; a black-holed server must not hold the syncer (or the CLI) for long


def require_driver() -> None:
    if psycopg is None:
        raise ImportError(MISSING_DRIVER)


# --------------------------------------------------------------------------- the derived schema


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    sqlite_type: str
    pg_type: str
    notnull: bool
    default: str | None  # a PostgreSQL literal, or None


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[Index, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True, slots=True)
class View:
    name: str
    select: str


@dataclass(frozen=True, slots=True)
class Schema:
    tables: tuple[Table, ...]
    views: tuple[View, ...]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def shape(self) -> dict[str, Any]:
        """What both databases must agree on, table for table and column for column: names,
        PostgreSQL types, NOT NULL, defaults, primary keys, indexes and view names."""
        return {
            "tables": {
                t.name: {
                    "columns": [(c.name, c.pg_type, c.notnull, c.default) for c in t.columns],
                    "primary_key": t.primary_key,
                    "indexes": sorted(t.indexes, key=lambda i: i.name),
                }
                for t in self.tables
            },
            "views": sorted(v.name for v in self.views),
        }


def pg_type(sqlite_type: str) -> str:
    """SQLite's declared type -> a PostgreSQL type, by SQLite's own affinity rules
    (https://www.sqlite.org/datatype3.html#determination_of_column_affinity).

    A column with no declared type (``flows.error_code``, which keeps the wire's string or
    integer) becomes ``text``: PostgreSQL has no per-value type, and text holds both.
    """
    declared = sqlite_type.upper()
    if "INT" in declared:
        return "bigint"
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")) or not declared:
        return "text"
    if "BLOB" in declared:
        return "bytea"
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return "double precision"
    return "numeric"


_LITERAL = re.compile(r"^(-?\d+(\.\d+)?|'([^']|'')*')$")


def _default(value: Any) -> str | None:
    """A column default PostgreSQL reads the same way (numbers, quoted strings); others are dropped:
    the writer always sends every column, so a default only matters for rows from older files."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text if _LITERAL.match(text) else None


def is_internal_table(name: str) -> bool:
    """sqlite-utils' migration bookkeeping and SQLite's own tables are not part of the schema."""
    return name.startswith(("_", "sqlite_"))


def sqlite_schema(db: sqlite_utils.Database | None = None) -> Schema:
    """The schema the SQLite migrations build (into a scratch in-memory database unless ``db``)."""
    if db is None:
        db = sqlite_utils.Database(memory=True)
        migrations.apply(db)
    tables = []
    for table in db.tables:
        if is_internal_table(table.name) or table.name.endswith(("_fts", "_fts_data", "_fts_idx")):
            continue
        pks = tuple(table.pks) if table.pks != ["rowid"] else ()
        columns = tuple(
            # A primary key column is NOT NULL in PostgreSQL (SQLite only lets NULL in by a legacy quirk).
            Column(
                c.name,
                c.type or "",
                pg_type(c.type or ""),
                bool(c.notnull or c.is_pk),
                _default(c.default_value),
            )
            for c in table.columns
        )
        indexes = tuple(
            Index(i.name, tuple(i.columns), bool(i.unique))
            for i in sorted(table.indexes, key=lambda i: i.name)
            if i.origin == "c" and not i.partial  # not the primary key's, nor a partial index
        )
        tables.append(Table(table.name, columns, pks, indexes))
    views = []
    for name in db.view_names():
        if name == dedup.FLOWS_VIEW and dedup.FLOW_ROWS_TABLE in db.table_names():
            # The view that rebuilds request_json uses SQLite's JSON functions: dedup.py writes the
            # same rebuild in PostgreSQL's, from the same column list.
            columns = [c.name for c in db[dedup.FLOW_ROWS_TABLE].columns]
            views.append(View(name, dedup.flows_view_sql(columns, "postgres")))
            continue
        definition = db.execute("select sql from sqlite_master where type = 'view' and name = ?", [name])
        text = definition.fetchone()[0]
        select = re.split(r"\bAS\b", text, maxsplit=1, flags=re.IGNORECASE)[1].strip()
        views.append(View(name, select))
    return Schema(tuple(tables), tuple(views))  # creation order: parents before their children


def _column_ddl(column: Column) -> Any:
    parts = [sql.Identifier(column.name), sql.SQL(column.pg_type)]
    if column.notnull:
        parts.append(sql.SQL("NOT NULL"))
    if column.default is not None:
        parts.append(sql.SQL("DEFAULT ") + sql.SQL(column.default))
    return sql.SQL(" ").join(parts)


def ensure_schema(conn: Any, schema: Schema | None = None) -> None:
    """Create in PostgreSQL whatever of the derived schema is missing; idempotent, and safe when
    several proxies start together (an advisory lock serialises them).

    Only what is missing is touched: the catalogue is read first and no DDL runs against a table
    that is already complete. ``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` takes an ACCESS EXCLUSIVE
    lock even when the column exists, and ``CREATE INDEX IF NOT EXISTS`` a SHARE lock, until the
    transaction ends: every proxy's (re)connect used to lock the tables the other proxies were
    writing, and two proxies reconnecting after an outage deadlocked (trial21b). Each view carries
    the digest of its SELECT as its comment, so a view a newer toolguard defines otherwise is
    replaced and an unchanged one is left alone."""
    require_driver()
    schema = schema or sqlite_schema()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
        # m008_content_dedup renamed SQLite's `flows` table to `flow_rows` (now a view's name): a
        # database an older toolguard created is renamed the same way, its rows kept whole.
        old_flows = conn.execute(
            "SELECT to_regclass('flows') IS NOT NULL AND to_regclass('flow_rows') IS NULL "
            "AND EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'flows')"
        ).fetchone()[0]
        if old_flows and any(t.name == dedup.FLOW_ROWS_TABLE for t in schema.tables):
            conn.execute(
                sql.SQL("ALTER TABLE flows RENAME TO {}").format(sql.Identifier(dedup.FLOW_ROWS_TABLE))
            )
        have = {t.name: t for t in pg_schema(conn, [t.name for t in schema.tables]).tables}
        for table in schema.tables:
            present = have.get(table.name)
            if present is None:
                items = [_column_ddl(c) for c in table.columns]
                if table.primary_key:
                    items.append(
                        sql.SQL("PRIMARY KEY ({})").format(
                            sql.SQL(", ").join(map(sql.Identifier, table.primary_key))
                        )
                    )
                conn.execute(
                    sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(
                        sql.Identifier(table.name), sql.SQL(", ").join(items)
                    )
                )
            columns = {c.name for c in present.columns} if present else {c.name for c in table.columns}
            for column in table.columns:  # columns later migrations added
                if column.name not in columns:
                    conn.execute(
                        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}").format(
                            sql.Identifier(table.name), _column_ddl(column)
                        )
                    )
            # An index a later SQLite migration rebuilt under its old name with more columns
            # (m014_summary_index_ports: the summary's covering indexes gained port and scheme):
            # dropped here so the CREATE below makes it as declared, not kept as it was.
            existing = {i.name: i.columns for i in present.indexes} if present else {}
            for index in table.indexes:
                if existing.get(index.name) == tuple(index.columns):
                    continue
                if index.name in existing:
                    conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index.name)))
                conn.execute(
                    sql.SQL("CREATE {}INDEX IF NOT EXISTS {} ON {} ({})").format(
                        sql.SQL("UNIQUE " if index.unique else ""),
                        sql.Identifier(index.name),
                        sql.Identifier(table.name),
                        sql.SQL(", ").join(map(sql.Identifier, index.columns)),
                    )
                )
        marks = dict(
            conn.execute(
                "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
                "WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace"
            ).fetchall()
        )
        for view in schema.views:
            mark = _view_mark(view)
            if marks.get(view.name) == mark:
                continue
            # The view's SELECT as SQLite has it: documented queries stay portable (docs/schema.md),
            # so PostgreSQL reads it too. A savepoint keeps one untranslatable view from undoing the rest.
            try:
                with conn.transaction():
                    conn.execute(
                        sql.SQL("CREATE OR REPLACE VIEW {} AS ").format(sql.Identifier(view.name))
                        + sql.SQL(view.select)
                    )
                    conn.execute(
                        sql.SQL("COMMENT ON VIEW {} IS {}").format(
                            sql.Identifier(view.name), sql.Literal(mark)
                        )
                    )
            except psycopg.Error as exc:
                logger.warning("toolguard: view %s is not created in PostgreSQL: %s", view.name, exc)
        # SQLite's data migration m012_learned_host_ports, here at every check: it is idempotent, and
        # the team's learned rows are few (a join on flow_rows' primary key).
        if {dedup.FLOW_ROWS_TABLE, *MERGE_KEYS} <= {t.name for t in schema.tables}:
            rekey_ported_hosts(_Qmark(conn))
            rekey_ipv6_hosts(_Qmark(conn))  # SQLite's m015_bracketed_ipv6_hosts, likewise


def _view_mark(view: View) -> str:
    """The comment a view made by :func:`ensure_schema` carries: the digest of its SELECT."""
    return "toolguard view " + hashlib.sha256(view.select.encode()).hexdigest()[:16]


class _Qmark:
    """A psycopg connection as the SQL written for both stores takes it: ``execute`` with ``?``
    placeholders (a literal ``%`` doubled), like sqlite-utils' ``Database.execute``."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(pg_sql(statement), list(params))


def pg_schema(conn: Any, names: Sequence[str] | None = None) -> Schema:
    """What PostgreSQL has now, in the same shape as :func:`sqlite_schema` (for the equality test
    and for ``push``'s column lists). Only tables the derived schema knows (or ``names``) are read."""
    tables = []
    for name in names if names is not None else [t.name for t in sqlite_schema().tables]:
        rows = conn.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            [name],
        ).fetchall()
        if not rows:
            continue
        columns = tuple(
            Column(col, "", data_type, nullable == "NO", _default(re.sub(r"::[a-z ]+$", "", default or "")))
            for col, data_type, nullable, default in rows
        )
        pk = conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)",
            [name],
        ).fetchall()
        indexes = conn.execute(
            "SELECT ic.relname, ix.indisunique, array_agg(a.attname ORDER BY array_position(ix.indkey, a.attnum)) "
            "FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ANY(ix.indkey) "
            "WHERE ix.indrelid = %s::regclass AND NOT ix.indisprimary GROUP BY ic.relname, ix.indisunique "
            "ORDER BY ic.relname",
            [name],
        ).fetchall()
        tables.append(
            Table(
                name,
                columns,
                tuple(r[0] for r in pk),
                tuple(Index(n, tuple(cols), bool(u)) for n, u, cols in indexes),
            )
        )
    views = conn.execute(
        "SELECT table_name FROM information_schema.views WHERE table_schema = current_schema() ORDER BY 1"
    ).fetchall()
    return Schema(tuple(tables), tuple(View(v[0], "") for v in views))


def connect(url: str, **kwargs: Any) -> Any:
    require_driver()
    return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, **kwargs)


# --------------------------------------------------------------------------- pushing rows


def _coerce(value: Any, column: Column) -> Any:
    """A SQLite value as PostgreSQL's column type takes it. SQLite keeps any value in any column
    (a string in an INTEGER column, an int in the untyped ``error_code``); a value that cannot be
    converted becomes NULL rather than blocking every later row behind it."""
    if value is None:
        return None
    if column.pg_type == "text":
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        # PostgreSQL's text holds no NUL character (SQLite's does): dropped, not the row.
        return text.replace("\x00", "")
    if column.pg_type == "bigint" and not isinstance(value, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            logger.warning("toolguard: %r is not an integer for column %s; sent as NULL", value, column.name)
            return None
    return value


def source_table(src: sqlite3.Connection, table: str) -> str:
    """The table of ``src`` holding ``table``'s rows: a file written before m008_content_dedup (a
    spool or capture read without migrating it) keeps its flows in the table ``flows``."""
    if table == dedup.FLOW_ROWS_TABLE:
        found = src.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, 'flows') ORDER BY name = 'flows'",
            [table],
        ).fetchone()
        if found is not None:
            return str(found[0])
    return table


def _source_columns(src: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in src.execute(f'PRAGMA table_info("{source_table(src, table)}")')}


#: A batch stops early past this much COPY data, whatever ``batch_size`` says: a spool of flows with
#: megabyte request bodies must not be read into memory 500 at a time.
MAX_BATCH_BYTES = 16 * 1024 * 1024


def _copy_text(column: Column) -> str:
    """A SQLite expression giving ``column``'s value in COPY's text format
    (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2): ``\\N`` for NULL, and
    backslash, newline, carriage return and tab escaped. SQLite computes it while reading the spool,
    so the syncer's thread handles one string per row, not one Python object per value.

    The conversions are :func:`_coerce`'s: an integer column takes integers, reals (truncated, as
    ``int()`` does) and integer-looking text; anything else there becomes NULL rather than failing
    the batch. A text column takes any value as its text. A BLOB that is not valid UTF-8, or a NUL
    character (PostgreSQL's text cannot hold one, and SQLite's replace() cannot remove it), makes
    PostgreSQL refuse the COPY, and the batch is sent again row by row (:func:`_upsert_rows`)."""
    name = '"' + column.name.replace('"', '""') + '"'
    escaped = (
        f"replace(replace(replace(replace(CAST({name} AS TEXT), '\\', '\\\\'), "
        "char(10), '\\n'), char(13), '\\r'), char(9), '\\t')"
    )
    if column.pg_type == "bigint":
        value = (
            f"CASE typeof({name}) WHEN 'integer' THEN CAST({name} AS TEXT) "
            f"WHEN 'real' THEN CAST(CAST({name} AS INTEGER) AS TEXT) "
            f"WHEN 'text' THEN CASE WHEN trim({name}) GLOB '[0-9]*' AND NOT trim({name}) GLOB '*[^0-9]*' "
            f"OR trim({name}) GLOB '-[0-9]*' AND NOT substr(trim({name}), 2) GLOB '*[^0-9]*' "
            f"THEN trim({name}) END END"
        )
    elif column.pg_type == "bytea":
        value = f"'\\\\x' || hex({name})"
    else:
        value = escaped
    return f"coalesce({value}, '\\N')"


def _upsert_sql(table: Table, columns: Sequence[Column], source: Any) -> Any:
    """``INSERT INTO table (columns) <source> ON CONFLICT (primary key) DO UPDATE``: last write wins,
    like the SQLite writer's ``INSERT OR REPLACE``, so a batch sent again changes nothing. A content never
    changes (its id is its hash, m008_content_dedup): a copy already there is kept. The learned tables
    merge per key (:func:`_merge_action`)."""
    updates = [c for c in columns if c.name not in table.primary_key and table.name != dedup.CONTENTS_TABLE]
    if table.name in MERGE_KEYS:  # what the upstreams taught merges per key, as `toolguard merge` does
        action = _merge_action(table.name, {c.name for c in columns})
    elif updates:
        action = sql.SQL("UPDATE SET ") + sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c.name)) for c in updates
        )
    else:
        action = sql.SQL("NOTHING")
    return sql.SQL("INSERT INTO {} ({}) {} ON CONFLICT ({}) DO {}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
        source,
        sql.SQL(", ").join(map(sql.Identifier, table.primary_key)),
        action,
    )


def _copy_upsert(conn: Any, table: Table, columns: Sequence[Column], data: bytes) -> None:
    """COPY the serialised rows into a temporary table, then upsert them from there in one
    statement: three round trips and one statement for the server to plan, for the whole batch."""
    staging = sql.Identifier(f"_toolguard_in_{table.name}")
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    conn.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        ).format(staging, sql.Identifier(table.name))
    )
    with conn.cursor() as cursor:
        with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(staging, names)) as copy:
            copy.write(data)  # psycopg sends it in messages of at most 128 KiB
        cursor.execute(_upsert_sql(table, columns, sql.SQL("SELECT {} FROM {}").format(names, staging)))


def _upsert_rows(
    conn: Any, src: sqlite3.Connection, table: Table, columns: Sequence[Column], first: int, last: int
) -> None:
    """The batch again, row by row with each value converted in Python (:func:`_coerce`): the path for
    the rare batch PostgreSQL refused as COPY data (a BLOB that is not UTF-8 text)."""
    names = ", ".join(f'"{c.name}"' for c in columns)
    rows = src.execute(
        f'SELECT {names} FROM "{source_table(src, table.name)}" WHERE rowid >= ? AND rowid <= ? ORDER BY rowid',
        [first, last],
    ).fetchall()
    statement = _upsert_sql(
        table, columns, sql.SQL("VALUES ({})").format(sql.SQL(", ").join(sql.Placeholder() * len(columns)))
    )
    with conn.cursor() as cursor:
        cursor.executemany(
            statement, [[_coerce(v, c) for v, c in zip(row, columns, strict=True)] for row in rows]
        )


def push(
    src: sqlite3.Connection,
    conn: Any,
    schema: Schema,
    after: dict[str, int],
    batch_size: int = 500,
) -> dict[str, tuple[int, int]]:
    """Upsert one batch per table of the rows of ``src`` past the ``after`` rowids, in one
    PostgreSQL transaction. Returns ``{table: (rows sent, last rowid sent)}`` for tables with rows.

    Each batch goes as COPY data that SQLite serialised (:func:`_copy_text`) into a temporary table,
    and from there into the table with ``ON CONFLICT DO UPDATE`` (:func:`_copy_upsert`). Measured
    with scripts/profile_pg_sync.py, this replaced a per-row ``executemany`` whose per-value Python
    conversions and per-row protocol messages held the interpreter lock the proxy's event loop needs.
    Sending a row again changes nothing, so a batch resent after a failure is harmless.
    """
    # Contents first, so that a flow never arrives before the contents its request is rebuilt from
    # (the writer stores a flow's contents in the flow's transaction), all tables read from one
    # snapshot of the file: a flow the writer commits between two reads waits for the next batch.
    tables = sorted(schema.tables, key=lambda t: t.name != dedup.CONTENTS_TABLE)
    snapshot = not src.in_transaction
    if snapshot:
        src.execute("BEGIN")
    try:
        return _push_tables(src, conn, tables, after, batch_size)
    finally:
        if snapshot:
            src.rollback()


def _push_tables(
    src: sqlite3.Connection,
    conn: Any,
    tables: list[Table],
    after: dict[str, int],
    batch_size: int,
) -> dict[str, tuple[int, int]]:
    sent: dict[str, tuple[int, int]] = {}
    with conn.transaction():
        for table in tables:
            if table.name != dedup.CONTENTS_TABLE and _more_contents(src, sent):
                break  # more contents to send first: the flows wait for the next batch
            if not table.primary_key:
                continue  # no key to upsert on: not mirrored (no such table today)
            available = _source_columns(src, table.name)
            if not available:
                continue  # an older file without this table
            columns = [c for c in table.columns if c.name in available]
            line = " || char(9) || ".join(_copy_text(c) for c in columns) + " || char(10)"
            # One result row for the whole batch: SQLite serialises and concatenates the rows (a
            # prefix of them up to MAX_BATCH_BYTES, at least one), so the syncer's thread steps the
            # cursor once instead of once per row, each step a release and retake of the lock.
            first, last, count, data = src.execute(
                "SELECT min(rowid), max(rowid), count(*), CAST(group_concat(line, '') AS BLOB) FROM ("
                "SELECT rowid, line, sum(length(CAST(line AS BLOB))) OVER (ORDER BY rowid) AS upto FROM ("
                f'SELECT rowid, {line} AS line FROM "{source_table(src, table.name)}" WHERE rowid > ? ORDER BY rowid LIMIT ?'
                ")) WHERE upto - length(CAST(line AS BLOB)) < ?",
                [after.get(table.name, 0), batch_size, MAX_BATCH_BYTES],
            ).fetchone()
            if not count:
                continue
            try:
                with conn.transaction():  # a savepoint: a refused COPY leaves the batch's transaction usable
                    _copy_upsert(conn, table, columns, data)
            except psycopg.DataError as exc:
                logger.warning(
                    "toolguard: %s rows refused as COPY data (%s); sent row by row", table.name, exc
                )
                _upsert_rows(conn, src, table, columns, first, last)
            sent[table.name] = (count, last)
    return sent


def _more_contents(src: sqlite3.Connection, sent: dict[str, tuple[int, int]]) -> bool:
    """Whether the batch just sent left contents behind (whatever limited its size)."""
    if dedup.CONTENTS_TABLE not in sent:
        return False
    last = sent[dedup.CONTENTS_TABLE][1]
    query = f"SELECT EXISTS (SELECT 1 FROM {dedup.CONTENTS_TABLE} WHERE rowid > ?)"
    return bool(src.execute(query, [last]).fetchone()[0])


def _merge_action(table: str, columns: set[str]) -> Any:
    """What the upstreams taught (``learned``, ``rule_calibration``) merges per key the way ``toolguard
    merge`` does (:func:`toolguard_core.learned_store.merge_rows`), not last-write-wins: two machines
    that learned one constraint keep the larger count, the earliest first and latest last sighting and
    the earliest demotion; the rest of the row stays as first sent. Syncing again changes nothing."""
    _, counter, _ = MERGE_KEYS[table]
    target = sql.Identifier(table)
    parts = [
        sql.SQL("{c} = GREATEST({t}.{c}, EXCLUDED.{c})").format(c=sql.Identifier(counter), t=target),
        # '' stands for "not seen" (NOT NULL columns): ignored by the min/max like merge_rows does.
        sql.SQL(
            "first_seen = COALESCE(LEAST(NULLIF({t}.first_seen, ''), NULLIF(EXCLUDED.first_seen, '')), '')"
        ).format(t=target),
        sql.SQL(
            "last_seen = COALESCE(GREATEST(NULLIF({t}.last_seen, ''), NULLIF(EXCLUDED.last_seen, '')), '')"
        ).format(t=target),
    ]
    if "demoted_at" in columns:  # PostgreSQL's LEAST skips NULLs: the earliest demotion either side had
        parts.append(sql.SQL("demoted_at = LEAST({t}.demoted_at, EXCLUDED.demoted_at)").format(t=target))
    return sql.SQL("UPDATE SET ") + sql.SQL(", ").join(parts)


def pending_rows(src: sqlite3.Connection, schema: Schema, after: dict[str, int]) -> int:
    total = 0
    for table in schema.tables:
        if table.primary_key and _source_columns(src, table.name):
            total += src.execute(
                f'SELECT count(*) FROM "{source_table(src, table.name)}" WHERE rowid > ?',
                [after.get(table.name, 0)],
            ).fetchone()[0]
    return total


def sync_state_path(spool: Path) -> Path:
    """The file beside a spool that records what of it was sent, and to which database (``target``,
    redacted; ``after``: the last rowid sent per table): read back by the syncer at its next start,
    and by ``toolguard run``'s report to say which flows are not in the database yet."""
    return spool.with_name(spool.name + ".sync.json")


def push_file(path: str | os.PathLike[str], url: str, batch_size: int = 500) -> dict[str, int]:
    """``toolguard sync``: send every row of a SQLite capture to PostgreSQL (idempotent).
    The file is opened read-only. Returns the rows sent per table (``flows`` for flow_rows).
    A capture from before m008_content_dedup sends its ``flows`` table to ``flow_rows``, whole."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    schema = sqlite_schema()
    src = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    totals = {t.name: 0 for t in schema.tables}
    try:
        with connect(url) as conn:
            ensure_schema(conn, schema)
            after: dict[str, int] = {}
            while sent := push(src, conn, schema, after, batch_size):
                for table, (count, last) in sent.items():
                    totals[table] += count
                    after[table] = last
    finally:
        src.close()
    return {("flows" if t == dedup.FLOW_ROWS_TABLE else t): n for t, n in totals.items()}


# --------------------------------------------------------------------------- the proxy's syncer


class Syncer:
    """Pushes a proxy's spool to PostgreSQL on a thread of its own.

    Woken by the store's writer after each batch (:meth:`wake`), and every ``interval`` seconds
    anyway. Flows and their child rows are appended and never change, so what was sent is one rowid
    per table. The learned tables (``learned``, ``rule_calibration``) are updated in place — a count
    grows, a demotion happens — and keep their rowid, so they are compared instead: for each of
    their keys the syncer remembers the merge state (:func:`~toolguard_core.learned_store.merged_fields`)
    PostgreSQL is known to hold, and sends a row whose state differs, merged per key there
    (:func:`_merge_action`). No clock is compared, so skew between machines changes nothing. Both
    bookmarks are kept in ``<spool>.sync.json`` (a file of its own, not a table, so the spool keeps
    exactly the documented schema); a restart resends at most the last batch, which the upserts
    absorb. While PostgreSQL is unreachable the rows wait in the spool and the syncer retries with
    exponential back-off up to ``max_backoff``. Every ``pull_interval`` seconds it also merges the
    team's learned rows into the spool (:meth:`_pull_learned`), so what one proxy learned, every
    proxy checks.
    """

    def __init__(
        self,
        spool: Path,
        url: str,
        *,
        interval: float = 2.0,
        gather: float = 1.0,
        batch_size: int = 500,
        max_backoff: float = 10.0,
        max_interval: float = 10.0,
        pull_interval: float = 10.0,
        warn_interval: float = 60.0,
    ) -> None:
        require_driver()
        self.spool = Path(spool)
        self.url = url
        self.interval = interval
        self.gather = gather
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.max_interval = max_interval
        self.pull_interval = pull_interval
        self.pulled = 0
        self._next_pull = 0.0  # time.monotonic() of the next pull of the team's learned rows
        self._pulled_digest: str | None = None
        self.state_path = sync_state_path(self.spool)
        self.schema = sqlite_schema()
        # The tables sent by rowid: every keyed table but the learned ones (compared per key instead).
        self._appended = Schema(
            tuple(t for t in self.schema.tables if t.name not in MERGE_KEYS), self.schema.views
        )
        self.synced = 0
        self.errors = 0
        self.pending = 0
        self.last_error: str | None = None
        #: (rows synced, errors) when the current outage began; None while the store is reachable.
        self._outage: tuple[int, int] | None = None
        self.warn_interval = warn_interval
        self._next_warning = 0.0  # time.monotonic() after which an unchanged failure is logged again
        self._after: dict[str, int] = {}
        #: Per learned table, key -> the merge state PostgreSQL is known to hold (tuples of values;
        #: JSON lists in the state file).
        self._agreed: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = {name: {} for name in MERGE_KEYS}
        self._load_state()
        #: The spool's data_version when its learned tables last matched ``_agreed`` (None: unknown).
        self._learned_version: int | None = None
        #: ``runs`` rows as last sent, by id. A run's row is written at its start and again with its
        #: counts at its stop, under the same rowid, which the rowid high-water mark never sends again:
        #: PostgreSQL kept every run's start (0 requests seen) and the team summary's "seen" block
        #: said so. After a restart every run row is compared (and sent) once more; the upsert
        #: absorbs it.
        self._runs_sent: dict[Any, tuple[Any, ...]] = {}
        self._runs_version: int | None = None  # data_version when runs last matched _runs_sent
        self._runs_read_version: int | None = None  # data_version of the last read of runs
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._conn: Any = None
        self._src: sqlite3.Connection | None = None
        self._thread = threading.Thread(target=self._run, name="toolguard-pg-sync", daemon=True)

    def stats(self) -> dict[str, int]:
        return {
            "pg_rows_synced": self.synced,
            "pg_rows_pending": self.pending,
            "pg_sync_errors": self.errors,
            "pg_learned_pulled": self.pulled,
            "pg_unreachable": int(self.unreachable),
        }

    @property
    def unreachable(self) -> bool:
        """Whether the last attempt failed (an outage is under way): the rows wait in the spool."""
        return self._outage is not None

    def start(self) -> None:
        self._thread.start()

    def wake(self, rows: Sequence[object] = ()) -> None:
        """The store's ``row written`` hook (runs on the writer thread; only sets an event)."""
        self._wake.set()

    def close(self, timeout: float = 10.0) -> None:
        """Stop after one last attempt to send what is left (bounded by ``timeout``); rows still
        unsent stay in the spool and go out on the next start."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        logger.log(*self.closing_line(finished=not self._thread.is_alive()))

    def closing_line(self, *, finished: bool = True) -> tuple[int, str]:
        """What the proxy's stop says of the shared store (level, words): the spool's own line says
        only "rows written to <spool>", which read as stored while PostgreSQL was down (trial21b)."""
        target = redact_url(self.url)
        if not finished:
            return logging.WARNING, (
                f"toolguard: the last attempt to reach {target} did not finish in time; the rows not "
                f"sent stay in {self.spool} and go out at the next start with this spool, or with "
                f"`toolguard sync {self.spool} {command_url(self.url)}`"
            )
        if self.pending:
            return logging.WARNING, (
                f"toolguard: {self.pending} rows did NOT reach {target} ({self.last_error or 'not sent'}); "
                f"they stay in {self.spool} and go out at the next start with this spool, or with "
                f"`toolguard sync {self.spool} {command_url(self.url)}`"
            )
        return (
            logging.INFO,
            f"toolguard: every row of {self.spool} reached {target} ({self.synced} sent by this run)",
        )

    def _load_state(self) -> None:
        try:
            data = json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return
        if not isinstance(data, dict):
            return
        if data.get("target", redact_url(self.url)) != redact_url(self.url):
            # Another database (an explicit toolguard_spool kept across a new URL): it has none of
            # what the state says was sent, so everything goes again (the upserts make that safe).
            logger.info("toolguard: %s was synced to another database; sending it whole", self.spool)
            return
        with contextlib.suppress(ValueError, AttributeError, TypeError):
            after = {str(k): int(v) for k, v in data.get("after", {}).items()}
            # A spool synced before m008_content_dedup: its flows table is flow_rows now, same rowids.
            if "flows" in after:
                after.setdefault(dedup.FLOW_ROWS_TABLE, after.pop("flows"))
            # A state file from before the learned tables were compared kept rowids for them: dropped,
            # so their rows are compared (and sent once more, which the per-key merge absorbs).
            self._after = {k: v for k, v in after.items() if k not in MERGE_KEYS}
        with contextlib.suppress(ValueError, AttributeError, TypeError):  # a bad part costs only a resend
            agreed = {
                str(table): {tuple(json.loads(k)): tuple(json.loads(v)) for k, v in keys.items()}
                for table, keys in data.get("learned", {}).items()
                if table in MERGE_KEYS
            }
            self._agreed.update(agreed)

    def _save_state(self) -> None:
        temp = self.state_path.with_name(self.state_path.name + ".tmp")
        temp.write_text(
            json.dumps(
                {
                    "target": redact_url(self.url),
                    "after": self._after,
                    "learned": {
                        table: {json.dumps(list(k)): json.dumps(list(v)) for k, v in keys.items()}
                        for table, keys in self._agreed.items()
                    },
                }
            )
        )
        temp.replace(self.state_path)

    def _run(self) -> None:
        backoff = 0.0
        idle = self.interval
        while True:
            stopping = self._stop.is_set()
            try:
                before = self.synced
                self._sync_once()
                backoff = 0.0
                if self._outage is not None:
                    self._log_recovery()
                # Adaptive polling: the writer wakes the syncer for every batch it writes, so the
                # timed pass only catches what the wake-up missed; while passes find nothing, it
                # comes less often (up to max_interval), and as often as `interval` again once
                # rows flow.
                idle = self.interval if self.synced > before else min(self.max_interval, idle * 2)
            except Exception as exc:  # unreachable server, lost connection, bad row: retried later
                self.errors += 1
                message = f"{type(exc).__name__}: {exc}".strip()
                if self._outage is None:
                    self._outage = (self.synced, self.errors - 1)
                now = time.monotonic()
                # Said again, with the backlog, while the outage lasts: with mitmdump the log is all
                # a team sees of a running proxy (toolguard.stats is a console command).
                if message != self.last_error or now >= self._next_warning:
                    logger.warning(
                        "toolguard: cannot sync to %s (%s); %d rows wait in %s and are retried",
                        redact_url(self.url),
                        message,
                        self.pending,
                        self.spool,
                    )
                    self._next_warning = now + self.warn_interval
                self.last_error = message
                self._disconnect()
                backoff = min(self.max_backoff, max(0.5, backoff * 2))
            if stopping:
                self._disconnect()
                if self._src is not None:
                    self._src.close()
                return
            if backoff:
                # Backing off: new rows do not shorten the wait (each attempt against a black-holed
                # server costs a connect timeout); only stopping does.
                self._stop.wait(backoff)
            else:
                if self._wake.wait(idle) and not self._stop.is_set():
                    # Woken by the writer: let a few more batches land first. Measured with
                    # bench_proxy.py (flagged requests, every one stored): syncing after each
                    # writer batch cost the proxy a third of its throughput in small transactions.
                    self._stop.wait(self.gather)
            self._wake.clear()

    def _log_recovery(self) -> None:
        """The first pass that succeeds after failed ones says so, with what it sent; the next
        failure is logged again even if its text is the last outage's."""
        synced, errors = self._outage or (self.synced, self.errors)
        logger.info(
            "toolguard: %s is reachable again after %d failed attempts: %d rows sent from the spool, "
            "%d rows wait",
            redact_url(self.url),
            self.errors - errors,
            self.synced - synced,
            self.pending,
        )
        self._outage = None
        self.last_error = None

    def _disconnect(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def _sync_once(self) -> None:
        if self._src is None:  # kept open: a pass is a read transaction, not a new connection
            self._src = sqlite3.connect(f"file:{self.spool}?mode=ro", uri=True, timeout=10)
        src = self._src
        try:
            changed = self._changed_learned(src)
            runs = self._changed_runs(src)
            self.pending = (
                pending_rows(src, self._appended, self._after) + sum(map(len, changed.values())) + len(runs)
            )
            pull = time.monotonic() >= self._next_pull
            if not self.pending and not pull:
                return
            if self._conn is None:
                self._conn = connect(self.url)
                ensure_schema(self._conn, self.schema)
            if pull:
                src.rollback()
                self._pull_learned()
                self._next_pull = time.monotonic() + self.pull_interval
                changed = self._changed_learned(src)  # the pull may have agreed some of them
                self.pending = pending_rows(src, self._appended, self._after) + sum(
                    map(len, changed.values())
                )
            while sent := push(src, self._conn, self._appended, self._after, self.batch_size):
                for table, (count, last) in sent.items():
                    self.synced += count
                    self.pending = max(0, self.pending - count)
                    self._after[table] = last
                self._save_state()
            self._push_learned(changed)
            self._push_runs(runs)
        finally:
            src.rollback()  # ends the read transaction, so the spool's WAL can be checkpointed

    # ------------------------------------------------------------------ runs updated in place

    def _changed_runs(self, src: sqlite3.Connection) -> list[tuple[Any, ...]]:
        """The spool's ``runs`` rows that differ from what was last sent (new runs, and runs whose row
        the proxy wrote again with its counts). Read only when the spool's data_version moved."""
        version = src.execute("PRAGMA data_version").fetchone()[0]
        if version == self._runs_version:
            return []
        available = _source_columns(src, "runs")
        if not available:
            self._runs_version = version
            return []
        columns = self._runs_columns(available)
        names = ", ".join(f'"{c.name}"' for c in columns)
        rows = [tuple(r) for r in src.execute(f'SELECT {names} FROM "runs"')]
        self._runs_read_version = version
        return [row for row in rows if self._runs_sent.get(row[0]) != row]

    def _runs_columns(self, available: set[str]) -> list[Column]:
        """The runs columns both sides know, its key (``id``) first."""
        table = self.schema.table("runs")
        return sorted((c for c in table.columns if c.name in available), key=lambda c: c.name != "id")

    def _push_runs(self, rows: list[tuple[Any, ...]]) -> None:
        """Upsert the changed runs rows (last write wins: a run is one proxy's, its last row the truth)."""
        if rows:
            table = self.schema.table("runs")
            columns = self._runs_columns(_source_columns(self._src, "runs"))  # type: ignore[arg-type]
            statement = _upsert_sql(
                table,
                columns,
                sql.SQL("VALUES ({})").format(sql.SQL(", ").join(sql.Placeholder() * len(columns))),
            )
            with self._conn.transaction(), self._conn.cursor() as cursor:
                cursor.executemany(
                    statement,
                    [[_coerce(v, c) for v, c in zip(row, columns, strict=True)] for row in rows],
                )
            for row in rows:
                self._runs_sent[row[0]] = row
            self.synced += len(rows)
            self.pending = max(0, self.pending - len(rows))
        self._runs_version = self._runs_read_version

    # ------------------------------------------------------------------ the learned tables, per key

    def _learned_tables(self, spool: sqlite3.Connection) -> list[tuple[Table, list[Column], Any]]:
        """The learned tables the spool has, each with the columns both sides know and the function
        that splits a row of those columns into its key and its merge state (tuples)."""
        found = []
        for name in MERGE_KEYS:
            available = _source_columns(spool, name)
            columns = [c for c in self.schema.table(name).columns if c.name in available]
            names = [c.name for c in columns]
            key, _, _ = MERGE_KEYS[name]
            if columns and set(key) | set(merged_fields(name)) <= available:
                key_of = operator.itemgetter(*(names.index(k) for k in key))
                state_of = operator.itemgetter(*(names.index(f) for f in merged_fields(name)))
                found.append((self.schema.table(name), columns, _splitter(key_of, state_of)))
        return found

    def _changed_learned(self, src: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
        """The spool's learned rows whose merge state PostgreSQL is not known to hold: new keys, and
        rows the writer (or ``toolguard learned import``) updated in place since they were sent.
        Skipped while the spool's ``data_version`` (moved by any other connection's commit) says
        nothing changed since the tables last matched."""
        version = src.execute("PRAGMA data_version").fetchone()[0]
        if version == self._learned_version:
            return {}
        changed: dict[str, list[tuple[Any, ...]]] = {}
        for table, columns, split in self._learned_tables(src):
            names = [c.name for c in columns]
            agreed = self._agreed[table.name]
            present = set()
            for values in src.execute(f'SELECT {", ".join(names)} FROM "{table.name}"'):
                key, state = split(values)
                present.add(key)
                if agreed.get(key) != state:
                    changed.setdefault(table.name, []).append(values)
            for key in set(agreed) - present:  # forgotten here: nothing to compare any more
                del agreed[key]
        if not changed:
            self._learned_version = version
        return changed

    def _push_learned(self, changed: dict[str, list[tuple[Any, ...]]]) -> None:
        """Upsert the changed learned rows, merged per key in PostgreSQL (:func:`_merge_action`):
        sending a row PostgreSQL already holds, or a smaller one, changes nothing there."""
        if not changed:
            return
        tables = {t.name: (t, cs, split) for t, cs, split in self._learned_tables(self._src)}  # type: ignore[arg-type]
        with self._conn.transaction():
            for name, rows in changed.items():
                table, columns, _ = tables[name]
                statement = _upsert_sql(
                    table,
                    columns,
                    sql.SQL("VALUES ({})").format(sql.SQL(", ").join(sql.Placeholder() * len(columns))),
                )
                with self._conn.cursor() as cursor:
                    cursor.executemany(
                        statement,
                        [[_coerce(v, c) for v, c in zip(row, columns, strict=True)] for row in rows],
                    )
        for name, rows in changed.items():
            split = tables[name][2]
            for values in rows:
                key, state = split(values)
                self._agreed[name][key] = state
            self.synced += len(rows)
            self.pending = max(0, self.pending - len(rows))
        self._save_state()
        self._learned_version = None  # compared again next pass: the writer may have moved on meanwhile

    def _pull_learned(self) -> None:
        """Bring what the team learned into this proxy: the ``learned`` and ``rule_calibration`` rows
        in PostgreSQL are merged into the spool per key, as ``toolguard merge`` merges
        (:func:`~toolguard_core.learned_store.merge_rows`: a new key is added, a key both have gets
        the larger count, the earliest first and latest last sighting, the earliest demotion), where
        the store's writer picks them up within seconds, as it does a ``toolguard learned import``.
        A key whose merged row now equals PostgreSQL's is recorded as agreed, so a row changed only
        by the pull is not sent back; one that still has more than PostgreSQL (a local update the
        pull did not cover) is sent by the next push, merged there."""
        remote: dict[str, list[dict[str, Any]]] = {}
        for table in (self.schema.table(name) for name in MERGE_KEYS):
            names = [c.name for c in table.columns]
            rows = self._conn.execute(
                sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                    sql.SQL(", ").join(map(sql.Identifier, names)),
                    sql.Identifier(table.name),
                    sql.SQL(", ").join(map(sql.Identifier, table.primary_key)),
                )
            ).fetchall()
            remote[table.name] = [dict(zip(names, row, strict=True)) for row in rows]
        self._conn.rollback()  # the read's transaction: idle-in-transaction would hold a snapshot
        digest = hashlib.sha256(repr(remote).encode()).hexdigest()
        if digest == self._pulled_digest:
            return
        spool = sqlite3.connect(self.spool, timeout=10, isolation_level=None)
        try:
            db = sqlite_utils.Database(spool)
            spool.execute("BEGIN IMMEDIATE")  # the writer waits: no row of its own slips in between
            for table, columns, split in self._learned_tables(spool):
                names = [c.name for c in columns]
                rows = [{k: r[k] for k in names} for r in remote[table.name]]
                self.pulled += merge_rows(db, table.name, rows)
                local = {
                    split(values)
                    for values in spool.execute(f'SELECT {", ".join(names)} FROM "{table.name}"')
                }
                for row in rows:
                    key, state = split([row[k] for k in names])
                    if (key, state) in local:
                        self._agreed[table.name][key] = state
            spool.execute("COMMIT")
        except BaseException:
            if spool.in_transaction:
                spool.execute("ROLLBACK")
            raise
        finally:
            spool.close()
        self._save_state()
        self._pulled_digest = digest


def _splitter(key_of: Any, state_of: Any) -> Any:
    """A learned row (its values in column order) -> (key, merge state), as tuples. The key columns
    are NOT NULL on both sides (model, name and value default to ''), so they compare as they are."""

    def split(values: Sequence[Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        return key_of(values), state_of(values)

    return split
