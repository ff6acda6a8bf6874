"""Connecting a proxy to a PostgreSQL store that already has the schema must not lock the tables the
other proxies are writing (trial21b): with two proxies behind a load balancer and the server restarted,
both reconnected at once, and one's schema check (``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` takes
an ACCESS EXCLUSIVE lock even when the column exists, ``CREATE INDEX IF NOT EXISTS`` a SHARE lock)
deadlocked against the other's COPY upsert — PostgreSQL's "deadlock detected" in the proxy's log, a
failed sync pass, a retry. Against a real PostgreSQL server: a writer holds a table's write lock in
an open transaction, and :func:`pgstore.ensure_schema` on another connection, with a short
``lock_timeout``, must finish instead of waiting for it."""

from __future__ import annotations

import pytest

from toolguard_core import dedup, pgstore

psycopg = pytest.importorskip("psycopg")


def _view_definitions(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        return dict(
            conn.execute(
                "SELECT table_name, view_definition FROM information_schema.views "
                "WHERE table_schema = current_schema()"
            ).fetchall()
        )


def _shape(schema: pgstore.Schema) -> dict[str, tuple[frozenset[object], ...]]:
    """Tables by name: their columns, primary key and indexes, regardless of column order (a column
    added later comes last in PostgreSQL)."""
    return {
        t.name: (frozenset(t.columns), frozenset(t.primary_key), frozenset(t.indexes)) for t in schema.tables
    }


@pytest.mark.parametrize("table", [dedup.FLOW_ROWS_TABLE, "findings", "contents", "learned"])
def test_a_second_schema_check_takes_no_lock_a_writer_waits_on(postgres_url: str, table: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        pgstore.ensure_schema(conn)  # the first proxy: creates everything
    with psycopg.connect(postgres_url) as writer, psycopg.connect(postgres_url) as other:
        # A proxy in the middle of its upsert: ROW EXCLUSIVE on the table until it commits.
        writer.execute(f'LOCK TABLE "{table}" IN ROW EXCLUSIVE MODE')
        other.execute("SET lock_timeout = '2s'")
        pgstore.ensure_schema(other)  # raised LockNotAvailable before: it waited on the writer
        writer.rollback()
        assert pgstore.pg_schema(other) == pgstore.pg_schema(writer)


def test_a_missing_column_index_and_view_are_still_made(postgres_url: str) -> None:
    """The check still does its job: what an older toolguard's database lacks is created."""
    with psycopg.connect(postgres_url) as conn:
        pgstore.ensure_schema(conn)
        expected = pgstore.pg_schema(conn)
        views = _view_definitions(postgres_url)
        conn.execute("ALTER TABLE findings DROP COLUMN severity")
        index = next(t for t in pgstore.sqlite_schema().tables if t.name == "findings").indexes[0]
        conn.execute(f'DROP INDEX "{index.name}"')
        view = pgstore.sqlite_schema().views[0].name
        conn.execute(f'DROP VIEW "{view}"')
        conn.commit()
        pgstore.ensure_schema(conn)
        assert _shape(pgstore.pg_schema(conn)) == _shape(expected)
    assert _view_definitions(postgres_url) == views


def test_a_view_an_older_toolguard_defined_otherwise_is_replaced(postgres_url: str) -> None:
    """A view's SELECT changes with a new toolguard (no column or index does then): an older
    definition is replaced even though every table is complete."""
    view = pgstore.sqlite_schema().views[0]
    with psycopg.connect(postgres_url) as conn:
        pgstore.ensure_schema(conn)
        views = _view_definitions(postgres_url)
        # An older toolguard's view: the same columns, another SELECT, made before views were marked.
        conn.execute(f'CREATE OR REPLACE VIEW "{view.name}" AS {view.select} LIMIT 0')
        conn.execute(f'COMMENT ON VIEW "{view.name}" IS NULL')
        conn.commit()
        assert _view_definitions(postgres_url) != views
        pgstore.ensure_schema(conn)
    assert _view_definitions(postgres_url) == views
