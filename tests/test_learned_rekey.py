"""Rows learned before the ninth session under a bare host move to their host:port key
(learned_store.rekey_ported_hosts): SQLite's migration m012_learned_host_ports, and the same function
in PostgreSQL's schema check (pgstore.ensure_schema). Real stores on both sides: a SQLite file written
by open_db/write_rows, a throwaway PostgreSQL cluster (tests/support/postgres.py) filled by
``toolguard sync``'s push_file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from test_summary import flow

from toolguard_core.learned import learned_host
from toolguard_core.learned_store import load_knowledge
from toolguard_core.store import open_db, write_rows

#: The flows the rows were first learned from: an upstream on a port of its own, on the scheme's own
#: ports (http 80, https 443).
FLOWS = [
    flow("f-8080", "2026-10-01T10:00:00.000Z", host="127.0.0.1", port=8080, scheme="http"),
    flow("f-80", "2026-10-01T10:00:01.000Z", host="127.0.0.1", port=80, scheme="http"),
    flow("f-443", "2026-10-01T10:00:02.000Z", host="api.example.com", port=443, scheme="https"),
    flow("f-8443", "2026-10-01T10:00:03.000Z", host="LLM.example.com", port=8443, scheme="https"),
]


def constraint(
    host: str, first_flow: str, count: int, first: str, last: str, name: str = "presence_penalty"
) -> dict[str, Any]:
    return {
        "host": host,
        "model": "m",
        "kind": "param",
        "name": name,
        "value": "",
        "rule": "learned.param",
        "cause_id": "cause.param-unsupported",
        "error_text": "Argument not supported on this model: presencePenalty",
        "first_flow": first_flow,
        "last_flow": first_flow,
        "first_seen": first,
        "last_seen": last,
        "count": count,
        "source": "observed",
    }


#: Rows as an older toolguard stored them, and where each is after the rekey.
LEARNED = [
    # From 127.0.0.1:8080, under the bare host: moved, and merged with the row the port's upstream
    # taught again since (larger count, earliest first and latest last sighting).
    (
        constraint("127.0.0.1", "f-8080", 3, "2026-10-01T10:00:00.000Z", "2026-10-02T00:00:00.000Z"),
        "127.0.0.1:8080",
    ),
    (
        constraint("127.0.0.1:8080", "f-8080", 2, "2026-11-01T00:00:00.000Z", "2026-11-02T00:00:00.000Z"),
        "127.0.0.1:8080",
    ),
    # A different parameter from the same port: moved, alone.
    (
        constraint("127.0.0.1", "f-8080", 1, "2026-10-01T10:00:00.000Z", "2026-10-01T10:00:00.000Z", "seed"),
        "127.0.0.1:8080",
    ),
    # The scheme's own port: the bare host is its key still.
    (
        constraint("127.0.0.1", "f-80", 1, "2026-10-01T10:00:01.000Z", "2026-10-01T10:00:01.000Z", "top_k"),
        "127.0.0.1",
    ),
    (
        constraint("api.example.com", "f-443", 1, "2026-10-01T10:00:02.000Z", "2026-10-01T10:00:02.000Z"),
        "api.example.com",
    ),
    # The flow's host in capitals, the learned one lower-case (learned_host lowers it): moved.
    (
        constraint("llm.example.com", "f-8443", 1, "2026-10-01T10:00:03.000Z", "2026-10-01T10:00:03.000Z"),
        "llm.example.com:8443",
    ),
    # Its first flow is not stored (merged from elsewhere, deleted): no port to go by, left alone.
    (
        constraint("localhost", "f-gone", 1, "2026-10-01T10:00:04.000Z", "2026-10-01T10:00:04.000Z"),
        "localhost",
    ),
]
CALIBRATION = {
    "rule": "sequence.orphan-tool-message",
    "host": "127.0.0.1",
    "model": "m",
    "accepted": 3,
    "first_flow": "f-8080",
    "last_flow": "f-8080",
    "first_seen": "2026-10-01T10:00:00.000Z",
    "last_seen": "2026-10-03T00:00:00.000Z",
    "demoted_at": "2026-10-03T00:00:00.000Z",
    "source": "observed",
}

EXPECTED_LEARNED = {
    ("127.0.0.1:8080", "presence_penalty"): (3, "2026-10-01T10:00:00.000Z", "2026-11-02T00:00:00.000Z"),
    ("127.0.0.1:8080", "seed"): (1, "2026-10-01T10:00:00.000Z", "2026-10-01T10:00:00.000Z"),
    ("127.0.0.1", "top_k"): (1, "2026-10-01T10:00:01.000Z", "2026-10-01T10:00:01.000Z"),
    ("api.example.com", "presence_penalty"): (1, "2026-10-01T10:00:02.000Z", "2026-10-01T10:00:02.000Z"),
    ("llm.example.com:8443", "presence_penalty"): (1, "2026-10-01T10:00:03.000Z", "2026-10-01T10:00:03.000Z"),
    ("localhost", "presence_penalty"): (1, "2026-10-01T10:00:04.000Z", "2026-10-01T10:00:04.000Z"),
}


def insert(conn: Any, table: str, row: dict[str, Any], mark: str = "?") -> None:
    conn.execute(
        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join([mark] * len(row))})", list(row.values())
    )


def older_file(path: Path) -> Path:
    """A file as a toolguard before m012 left it: the flows, and the rows under their old keys."""
    db = open_db(path)
    write_rows(db, FLOWS)
    for row, _ in LEARNED:
        insert(db, "learned", row)
    insert(db, "rule_calibration", CALIBRATION)
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm012_learned_host_ports'")
    db.conn.commit()
    db.close()
    return path


def learned_keys(rows: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, str, str]]:
    return {(r["host"], r["name"]): (r["count"], r["first_seen"], r["last_seen"]) for r in rows}


def test_the_expected_keys_are_learned_host_s() -> None:
    """The table's expectations are the function the proxy keys rows with, not a copy of it."""
    assert learned_host("127.0.0.1", 8080, "http") == "127.0.0.1:8080"
    assert learned_host("LLM.example.com", 8443, "https") == "llm.example.com:8443"
    assert learned_host("127.0.0.1", 80, "http") == "127.0.0.1"


def test_sqlite_migration_moves_the_rows_to_their_port(tmp_path: Path) -> None:
    path = older_file(tmp_path / "older.db")
    db = open_db(path)  # applies m012_learned_host_ports
    try:
        assert learned_keys(list(db.query("SELECT * FROM learned"))) == EXPECTED_LEARNED
        assert [
            (r["host"], r["accepted"], r["demoted_at"]) for r in db.query("SELECT * FROM rule_calibration")
        ] == [("127.0.0.1:8080", 3, "2026-10-03T00:00:00.000Z")]
        # And they apply again: the proxy asks for the key learned_host gives a request to that port.
        knowledge = load_knowledge(db)
        assert len(knowledge.for_host(learned_host("127.0.0.1", 8080, "http"))) == 1
        assert len(knowledge.for_host("127.0.0.1")) == 1  # top_k, from port 80
    finally:
        db.close()
    # Recorded once; opening again changes nothing.
    before = sqlite3.connect(path).execute("SELECT * FROM learned ORDER BY host, name").fetchall()
    open_db(path).close()
    assert sqlite3.connect(path).execute("SELECT * FROM learned ORDER BY host, name").fetchall() == before


def test_postgresql_schema_check_moves_the_rows_to_their_port(tmp_path: Path, postgres_url: str) -> None:
    """A team store that older proxies filled: the rows under the bare host reach PostgreSQL as they
    were (sent from a file whose own migration has not run), and the next schema check moves them."""
    psycopg = pytest.importorskip("psycopg")
    pgstore = pytest.importorskip("toolguard_core.pgstore")
    path = older_file(tmp_path / "older.db")
    pgstore.push_file(path, postgres_url)  # its schema check ran before the rows arrived
    with psycopg.connect(postgres_url) as conn:  # tuples, as the proxy's own connections

        def query(statement: str) -> list[dict[str, Any]]:
            return conn.cursor(row_factory=psycopg.rows.dict_row).execute(statement).fetchall()

        assert {r["host"] for r in query("SELECT host FROM learned")} == {
            "127.0.0.1",
            "127.0.0.1:8080",
            "api.example.com",
            "llm.example.com",
            "localhost",
        }
        pgstore.ensure_schema(conn)
        assert learned_keys(query("SELECT * FROM learned")) == EXPECTED_LEARNED
        assert [(r["host"], r["accepted"]) for r in query("SELECT host, accepted FROM rule_calibration")] == [
            ("127.0.0.1:8080", 3)
        ]
        pgstore.ensure_schema(conn)  # idempotent: nothing left to move
        assert learned_keys(query("SELECT * FROM learned")) == EXPECTED_LEARNED


#: Session 11: what the tenth session keyed an IPv6 upstream by (``::1:8080``, itself a valid address)
#: and the bracketed key each row has after m015_bracketed_ipv6_hosts / the PostgreSQL schema check.
IPV6_FLOWS = [
    flow("f-v6-8080", "2026-11-01T10:00:00.000Z", host="::1", port=8080, scheme="http"),
    flow("f-v6-80", "2026-11-01T10:00:01.000Z", host="::1", port=80, scheme="http"),
]
IPV6_LEARNED = [
    (
        constraint("::1:8080", "f-v6-8080", 2, "2026-11-01T10:00:00.000Z", "2026-11-01T11:00:00.000Z"),
        "[::1]:8080",
    ),
    # Learned again since under the new key: merged (larger count, earliest first, latest last).
    (
        constraint("[::1]:8080", "f-v6-8080", 1, "2026-11-02T00:00:00.000Z", "2026-11-03T00:00:00.000Z"),
        "[::1]:8080",
    ),
    (
        constraint("::1", "f-v6-80", 1, "2026-11-01T10:00:01.000Z", "2026-11-01T10:00:01.000Z", "top_k"),
        "[::1]",
    ),
    # Its first flow is gone: read as the old function wrote it (a last group of digits is the port).
    (
        constraint(
            "fe80::1:11434", "f-gone", 1, "2026-11-01T10:00:02.000Z", "2026-11-01T10:00:02.000Z", "seed"
        ),
        "[fe80::1]:11434",
    ),
    # Not IPv6: untouched.
    (
        constraint("127.0.0.1:8080", "f-8080", 1, "2026-11-01T10:00:03.000Z", "2026-11-01T10:00:03.000Z"),
        "127.0.0.1:8080",
    ),
]
EXPECTED_IPV6 = {
    ("[::1]:8080", "presence_penalty"): (2, "2026-11-01T10:00:00.000Z", "2026-11-03T00:00:00.000Z"),
    ("[::1]", "top_k"): (1, "2026-11-01T10:00:01.000Z", "2026-11-01T10:00:01.000Z"),
    ("[fe80::1]:11434", "seed"): (1, "2026-11-01T10:00:02.000Z", "2026-11-01T10:00:02.000Z"),
    ("127.0.0.1:8080", "presence_penalty"): (1, "2026-11-01T10:00:03.000Z", "2026-11-01T10:00:03.000Z"),
}


def ipv6_file(path: Path) -> Path:
    """A file as the tenth session left it: IPv6 upstreams keyed without brackets."""
    db = open_db(path)
    write_rows(db, [*FLOWS, *IPV6_FLOWS])
    for row, _ in IPV6_LEARNED:
        insert(db, "learned", row)
    insert(db, "rule_calibration", {**CALIBRATION, "host": "::1:8080", "first_flow": "f-v6-8080"})
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm015_bracketed_ipv6_hosts'")
    db.conn.commit()
    db.close()
    return path


def test_the_ipv6_keys_are_learned_host_s() -> None:
    assert [learned_host(f.host, f.port, f.scheme) for f in IPV6_FLOWS] == ["[::1]:8080", "[::1]"]


def test_sqlite_migration_brackets_ipv6_keys(tmp_path: Path) -> None:
    path = ipv6_file(tmp_path / "v6.db")
    db = open_db(path)  # applies m015_bracketed_ipv6_hosts
    try:
        assert learned_keys(list(db.query("SELECT * FROM learned"))) == EXPECTED_IPV6
        assert [r["host"] for r in db.query("SELECT host FROM rule_calibration")] == ["[::1]:8080"]
        # The key the proxy asks for a request to [::1]:8080 finds them again.
        assert len(load_knowledge(db).for_host(learned_host("::1", 8080, "http"))) == 1
    finally:
        db.close()
    before = sqlite3.connect(path).execute("SELECT * FROM learned ORDER BY host, name").fetchall()
    open_db(path).close()
    assert sqlite3.connect(path).execute("SELECT * FROM learned ORDER BY host, name").fetchall() == before


def test_postgresql_schema_check_brackets_ipv6_keys(tmp_path: Path, postgres_url: str) -> None:
    """The PostgreSQL side of m015, and its SQL naming the upstream as SQLite's does."""
    psycopg = pytest.importorskip("psycopg")
    pgstore = pytest.importorskip("toolguard_core.pgstore")
    from toolguard_core.upstreams import upstream_name_sql

    path = ipv6_file(tmp_path / "v6.db")
    pgstore.push_file(path, postgres_url)
    with psycopg.connect(postgres_url) as conn:

        def query(statement: str) -> list[dict[str, Any]]:
            return conn.cursor(row_factory=psycopg.rows.dict_row).execute(statement).fetchall()

        assert "::1:8080" in {r["host"] for r in query("SELECT host FROM learned")}
        pgstore.ensure_schema(conn)
        assert learned_keys(query("SELECT * FROM learned")) == EXPECTED_IPV6
        assert [r["host"] for r in query("SELECT host FROM rule_calibration")] == ["[::1]:8080"]
        names = query(
            f"SELECT id, {upstream_name_sql()} AS name FROM flow_rows WHERE id LIKE 'f-v6-%' ORDER BY id"
        )
        assert [(r["id"], r["name"]) for r in names] == [("f-v6-80", "[::1]"), ("f-v6-8080", "[::1]:8080")]
