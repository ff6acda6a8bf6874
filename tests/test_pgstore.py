"""The parts of the PostgreSQL store and the OpenTelemetry export that need no server: the type
mapping, URL handling, and the attributes a stored row becomes. The server-side behaviour is in
tests/e2e/test_postgres_store_e2e.py and tests/e2e/test_opentelemetry_e2e.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from toolguard_core import dburl, pgstore
from toolguard_core.store import FindingRow, FlowRow, migrations, open_db, write_rows


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("INTEGER", "bigint"),
        ("BIGINT", "bigint"),
        ("TEXT", "text"),
        ("VARCHAR(20)", "text"),
        ("", "text"),  # flows.error_code: the wire's string or integer
        ("BLOB", "bytea"),
        ("FLOAT", "double precision"),
        ("REAL", "double precision"),
        ("NUMERIC", "numeric"),
    ],
)
def test_sqlite_affinity_to_postgresql_type(declared: str, expected: str) -> None:
    assert pgstore.pg_type(declared) == expected


@pytest.mark.parametrize(
    ("default", "expected"),
    [(None, None), ("0", "0"), ("(0)", "0"), ("'x'", "'x'"), ("-1.5", "-1.5"), ("CURRENT_TIMESTAMP", None)],
)
def test_only_portable_defaults_are_kept(default: str | None, expected: str | None) -> None:
    assert pgstore._default(default) == expected


def test_the_derived_schema_has_every_migrated_table_with_its_keys() -> None:
    schema = pgstore.sqlite_schema()
    # flow_rows holds the flows (m008_content_dedup): FlowRow's columns plus the request's references.
    flows, findings = schema.table("flow_rows"), schema.table("findings")
    assert flows.primary_key == ("id",) and findings.primary_key == ("flow_id", "idx")
    assert set(FlowRow(id="f", datetime_utc="t").columns()) | {"request_parts_json"} == set(
        flows.column_names
    )
    assert schema.table("contents").primary_key == ("id",)
    # PostgreSQL gets the flows view written in its own SQL, with the documented columns.
    (view,) = schema.views
    assert (
        view.name == "flows" and "json_array_elements_text" in view.select and "json_each" not in view.select
    )
    assert {c.name: c.pg_type for c in flows.columns}["error_code"] == "text"
    # Every index the SQLite migrations create (run_id came with the runs table), no more.
    migrated = sqlite_utils.Database(memory=True)
    migrations.apply(migrated)
    own = sorted(i.name for i in migrated["flow_rows"].indexes if not i.name.startswith("sqlite_"))
    assert [i.name for i in flows.indexes] == own
    assert {"idx_flows_datetime_utc", "idx_flows_host", "idx_flows_verdict"} <= {
        i.name for i in flows.indexes
    }
    assert not any(pgstore.is_internal_table(t.name) for t in schema.tables)


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("postgresql://u:pw@db:5432/tg", "postgresql://u:***@db:5432/tg"),
        ("postgresql://u@db/tg", "postgresql://u@db/tg"),
        ("postgres://u:p%40ss@10.0.0.5/tg?sslmode=require", "postgres://u:***@10.0.0.5/tg?sslmode=require"),
        # libpq also reads the password from the query string (libpq-connect.html, "Connection URIs").
        ("postgresql://db/tg?user=u&password=pw", "postgresql://db/tg?user=u&password=***"),
        (
            "postgresql://u:pw@db/tg?sslmode=require&PASSWORD=pw2&sslpassword=k",
            "postgresql://u:***@db/tg?sslmode=require&PASSWORD=***&sslpassword=***",
        ),
    ],
)
def test_urls_are_named_without_their_password(url: str, redacted: str) -> None:
    assert dburl.is_postgres_url(url)
    assert dburl.redact_url(url) == redacted == dburl.label(url)


def test_a_file_is_not_a_url() -> None:
    assert not dburl.is_postgres_url("toolguard.db")
    assert not dburl.is_postgres_url(Path("postgresql:/x"))  # a Path is always a file
    assert dburl.label(Path("/tmp/a.db")) == "/tmp/a.db"


def test_the_spool_is_named_after_the_target_and_never_holds_the_password(tmp_path: Path) -> None:
    one = dburl.spool_path_for("postgresql://u:secret@db.example:6543/toolguard", beside=tmp_path)
    other = dburl.spool_path_for("postgresql://u:secret@db.example:6543/other", beside=tmp_path)
    assert one.parent == tmp_path and one.name.startswith("spool-db.example_6543_toolguard-")
    assert one != other and "secret" not in one.name


def test_values_are_coerced_to_the_column_type() -> None:
    text = pgstore.Column("error_code", "", "text", False, None)
    integer = pgstore.Column("status", "INTEGER", "bigint", False, None)
    assert pgstore._coerce(400, text) == "400"
    assert pgstore._coerce(b"ab", text) == "ab"
    assert pgstore._coerce("404", integer) == 404
    assert pgstore._coerce("n/a", integer) is None  # never a row that blocks every later one
    assert pgstore._coerce(None, integer) is None


def test_a_row_becomes_genai_attributes() -> None:
    otel = pytest.importorskip("toolguard_core.otel")
    row = FlowRow(
        id="f1",
        datetime_utc="2026-11-30T01:00:00.000Z",
        method="POST",
        host="api.mistral.ai",
        port=443,
        path="/v1/chat/completions",
        provider="mistral",
        model="mistral-large-latest",
        status=422,
        duration_ms=12,
        verdict="predicted",
        finding_count=2,
        findings=[
            FindingRow(idx=0, rule="b.rule", severity="error", location="x", message="m"),
            FindingRow(idx=1, rule="a.rule", severity="error", location="y", message="m"),
        ],
    )
    # The fingerprint the store's writer gives the same row: the record groups as the summary does.
    db = open_db(":memory:")
    write_rows(db, [row])
    (stored_fingerprint,) = db.execute("SELECT fingerprint FROM flows").fetchone()
    assert stored_fingerprint
    assert otel.attributes(row) == {
        "gen_ai.provider.name": "mistral_ai",
        "gen_ai.system": "mistral_ai",
        "toolguard.provider": "mistral",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "mistral-large-latest",
        "http.request.method": "POST",
        "http.response.status_code": 422,
        "server.address": "api.mistral.ai",
        "server.port": 443,
        "url.path": "/v1/chat/completions",
        "error.type": "422",
        "toolguard.flow_id": "f1",
        "toolguard.verdict": "predicted",
        "toolguard.rule_ids": ["a.rule", "b.rule"],
        "toolguard.finding_count": 2,
        "toolguard.fingerprint": stored_fingerprint,
    }
    assert [otel.operation(p) for p in ("/v1/embeddings", "/v1/completions", "/v1/responses", None)] == [
        "embeddings",
        "text_completion",
        "chat",
        "chat",
    ]


@pytest.mark.parametrize(
    ("state", "after", "agreed"),
    [
        # As written: rowids for the appended tables, per-key merge states for the learned ones.
        (
            {
                "target": "postgresql://u:***@db/tg",
                "after": {"flow_rows": 7},
                "learned": {"learned": {'["h"]': "[1]"}},
            },
            {"flow_rows": 7},
            {"learned": {("h",): (1,)}, "rule_calibration": {}},
        ),
        # From before the learned tables were compared: their rowids are dropped (compared instead).
        (
            {"after": {"flows": 7, "learned": 3, "rule_calibration": 2}},
            {"flow_rows": 7},
            {"learned": {}, "rule_calibration": {}},
        ),
        # A damaged learned part costs a resend of the learned rows, not of the whole spool.
        (
            {"target": "postgresql://u:***@db/tg", "after": {"findings": 4}, "learned": ["not", "a", "map"]},
            {"findings": 4},
            {"learned": {}, "rule_calibration": {}},
        ),
        # Synced to another database: nothing of it is there, so everything is sent.
        (
            {"target": "postgresql://u:***@other/tg", "after": {"flow_rows": 7}},
            {},
            {"learned": {}, "rule_calibration": {}},
        ),
        ("not json", {}, {"learned": {}, "rule_calibration": {}}),
        ([1, 2], {}, {"learned": {}, "rule_calibration": {}}),
    ],
)
def test_the_sync_state_file_is_read_part_by_part(
    tmp_path: Path,
    state: Any,
    after: dict[str, int],
    agreed: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]],
) -> None:
    pytest.importorskip("psycopg")
    spool = tmp_path / "spool.db"
    text = state if isinstance(state, str) else json.dumps(state)
    spool.with_name("spool.db.sync.json").write_text(text)
    syncer = pgstore.Syncer(spool, "postgresql://u:secret@db/tg")
    assert (syncer._after, syncer._agreed) == (after, agreed)
