"""The capture store: migrations, one writer thread that drains on close, replace-on-rewrite, and a
writer that survives a failing row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from toolguard_core.store import (
    DB_ENV,
    FindingRow,
    FlowRow,
    RunRow,
    Store,
    default_db_path,
    format_utc,
    migrations,
    open_db,
    write_run,
)


def row(flow_id: str, status: int = 400, findings: int = 1, **columns) -> FlowRow:
    return FlowRow(
        id=flow_id,
        datetime_utc=format_utc(1_700_000_000.25),
        host="api.openai.com",
        path="/v1/chat/completions",
        status=status,
        error_code=columns.pop("error_code", "invalid_value"),
        finding_count=findings,
        findings=[
            FindingRow(
                idx=i,
                rule="sequence.orphan-tool-message",
                severity="error",
                location=f"messages[{i}]",
                message="m",
            )
            for i in range(findings)
        ],
        **columns,
    )


class Exploding:
    """A row source whose row cannot be built (a bug in Capture.to_row)."""

    flow_id = "exploding"

    def to_row(self) -> FlowRow:
        raise RuntimeError("cannot build this row")


def test_open_db_creates_the_documented_tables(tmp_path: Path):
    db = open_db(tmp_path / "sub" / "dir" / "t.db")
    # `flows` is the view over flow_rows that rebuilds request_json (m008_content_dedup).
    assert {"flow_rows", "contents", "findings"} <= set(db.table_names())
    assert "flows" in db.view_names()
    flows = db["flows"].columns_dict
    for column in (
        "id",
        "datetime_utc",
        "host",
        "path",
        "client",
        "model",
        "stream",
        "status",
        "duration_ms",
        "request_json",
        "response_body",
        "error_message",
        "error_type",
        "error_code",
        "error_param",
    ):
        assert column in flows, column
    assert set(db["findings"].columns_dict) >= {"flow_id", "idx", "rule", "severity", "location", "message"}
    assert db["flow_rows"].pks == ["id"]
    assert db["findings"].pks == ["flow_id", "idx"]
    assert db.journal_mode == "wal"


def test_migrations_are_recorded_and_idempotent(tmp_path: Path):
    path = tmp_path / "t.db"
    open_db(path).close()
    db = open_db(path)  # a second start applies nothing and keeps the data layout
    applied = [m["name"] for m in db["_sqlite_migrations"].rows_where("migration_set = ?", ["toolguard"])]
    assert applied == [m.name for m in migrations._migrations]
    assert len(applied) == len(set(applied))
    assert migrations.pending(db) == []


def test_migrations_run_in_their_fixed_order() -> None:
    # Migrations applies them in definition order: each after the ones that shipped before it.
    assert [m.name for m in migrations._migrations] == [
        "m001_flows_and_findings",
        "m002_repairs",
        "m003_runs",
        "m004_root_causes",
        "m005_learned",
        "m006_websocket_messages",
        "m007_summary_columns",
        "m008_content_dedup",
        "m009_visibility",
        "m010_repair_patches",
        "m011_precise_verdicts",
        "m012_learned_host_ports",
        "m013_unrecognised_hosts",
        "m014_summary_index_ports",
        "m015_bracketed_ipv6_hosts",
        "m016_unchecked_paths",
        "m017_ignored_requests",
        "m018_skipped_models",
    ]


def test_m016_counts_unchecked_paths_in_the_runs_of_an_older_database(tmp_path: Path) -> None:
    """A run row written before m016 keeps its counts and reads as "none counted" (0, 0, NULL); a new
    one stores the requests not validated because of their path, those rejected, and the paths."""
    path = tmp_path / "m015.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m016_unchecked_paths")
    db["runs"].insert({"id": "old", "started_utc": "2026-11-30T09:00:00.000Z", "requests_seen": 3})
    db.close()
    db = open_db(path)
    old = db["runs"].get("old")
    assert (old["requests_seen"], old["unchecked_requests"], old["unchecked_rejected"], old["unchecked_paths"]) == (
        3, 0, 0, None
    )  # fmt: skip
    write_run(
        db,
        RunRow(id="new", started_utc="2026-11-30T10:00:00.000Z", requests_seen=3, unchecked_requests=2,
               unchecked_rejected=1, unchecked_paths='{"api.openai.com/v1/chat/completion": 2}'),
    )  # fmt: skip
    new = db["runs"].get("new")
    assert (new["unchecked_requests"], new["unchecked_rejected"], new["unchecked_paths"]) == (
        2, 1, '{"api.openai.com/v1/chat/completion": 2}'
    )  # fmt: skip
    db.close()


def test_m017_counts_requests_that_are_no_api_call_in_the_runs_of_an_older_database(tmp_path: Path) -> None:
    """A run row written before m017 keeps its counts and reads as "none counted" (0, NULL); a new
    one stores the requests that were no API call toolguard validates and their method and path."""
    path = tmp_path / "m016.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m017_ignored_requests")
    db["runs"].insert({"id": "old", "started_utc": "2026-11-30T09:00:00.000Z", "requests_seen": 3})
    db.close()
    db = open_db(path)
    old = db["runs"].get("old")
    assert (old["requests_seen"], old["ignored_requests"], old["ignored_paths"]) == (3, 0, None)
    write_run(
        db,
        RunRow(id="new", started_utc="2026-11-30T10:00:00.000Z", requests_seen=3, ignored_requests=2,
               ignored_paths='{"GET api.openai.com/v1/models": 2}'),
    )  # fmt: skip
    new = db["runs"].get("new")
    assert (new["ignored_requests"], new["ignored_paths"]) == (2, '{"GET api.openai.com/v1/models": 2}')
    db.close()


def test_m013_counts_unrecognised_hosts_in_the_runs_of_an_older_database(tmp_path: Path) -> None:
    """A run row written before m013 keeps its counts and reads as "none counted" (0, NULL): the run
    report and the summary then name the unrecognised hosts of its stored flows only."""
    path = tmp_path / "m012.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m013_unrecognised_hosts")
    db["runs"].insert({"id": "old", "started_utc": "2026-11-30T09:00:00.000Z", "requests_seen": 3})
    db.close()
    db = open_db(path)
    [old] = list(db["runs"].rows)
    assert (old["requests_seen"], old["unrecognised_requests"], old["unrecognised_hosts"]) == (3, 0, None)
    write_run(
        db,
        RunRow(id="new", started_utc="2026-11-30T10:00:00.000Z", unrecognised_requests=2,
               unrecognised_hosts='{"llm.corp.example": 2}'),
    )  # fmt: skip
    new = db["runs"].get("new")
    assert (new["unrecognised_requests"], new["unrecognised_hosts"]) == (2, '{"llm.corp.example": 2}')
    db.close()


def test_a_database_from_the_agents_development_build_upgrades(tmp_path: Path) -> None:
    """That build added flows.websocket_json as `m003_websocket_messages`, before `runs` existed."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m003_runs")
    db.execute("ALTER TABLE flows ADD COLUMN websocket_json TEXT")
    db["_sqlite_migrations"].insert(
        {"migration_set": "toolguard", "name": "m003_websocket_messages", "applied_at": "2026-11-29"}
    )
    db.close()
    db = open_db(path)
    assert [c for c in db["flows"].columns_dict if c in ("run_id", "websocket_json")] == [
        "websocket_json",
        "run_id",
    ]
    assert db["runs"].columns_dict["websocket_messages"] is int
    assert migrations.pending(db) == []
    db.close()


def test_error_code_keeps_its_wire_type(tmp_path: Path):
    db = open_db(tmp_path / "t.db")
    from toolguard_core.store import write_rows

    write_rows(db, [row("a", error_code="invalid_value"), row("b", error_code=400)])
    types = dict(db.execute("select id, typeof(error_code) from flows").fetchall())
    assert types == {"a": "text", "b": "integer"}


def test_writer_thread_drains_everything_on_close(tmp_path: Path):
    path = tmp_path / "t.db"
    store = Store(path, batch_size=7)
    store.start()
    for i in range(500):
        store.put(row(f"flow-{i:03}", findings=i % 3))
    store.close()
    assert not store._thread.is_alive()
    db = sqlite_utils.Database(path)
    assert db["flows"].count == 500
    assert db["findings"].count == sum(i % 3 for i in range(500))
    assert (store.written, store.failed) == (500, 0)


def test_a_flow_written_twice_replaces_its_row_and_findings(tmp_path: Path):
    path = tmp_path / "t.db"
    store = Store(path)
    store.start()
    store.put(row("same", status=400, findings=3))
    store.put(row("same", status=200, findings=1, verdict="false_alarm"))
    store.close()
    db = sqlite_utils.Database(path)
    (stored,) = db["flows"].rows
    assert (stored["status"], stored["verdict"], stored["finding_count"]) == (200, "false_alarm", 1)
    assert [f["location"] for f in db["findings"].rows] == ["messages[0]"]


def test_a_failing_row_does_not_kill_the_writer(tmp_path: Path, caplog):
    path = tmp_path / "t.db"
    store = Store(path)
    store.start()
    duplicate_idx = row("bad-findings", findings=2)
    duplicate_idx.findings[1] = duplicate_idx.findings[0]  # PRIMARY KEY (flow_id, idx) violated
    store.put(row("before"))
    store.put(Exploding())
    store.put(duplicate_idx)
    store.put(row("after"))
    store.close()
    assert store._thread.is_alive() is False
    db = sqlite_utils.Database(path)
    assert sorted(r["id"] for r in db["flows"].rows) == ["after", "before"]
    assert (store.written, store.failed) == (2, 2)
    assert "exploding" in caplog.text and "bad-findings" in caplog.text


def test_rows_queued_after_a_failure_in_another_batch_are_written(tmp_path: Path):
    path = tmp_path / "t.db"
    store = Store(path, batch_size=1)
    store.start()
    store.put(Exploding())
    for i in range(5):
        store.put(row(f"r{i}"))
    store.close()
    assert sqlite_utils.Database(path)["flows"].count == 5


def test_start_fails_loudly_for_an_unusable_path(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = Store(blocker / "t.db")
    with pytest.raises((OSError, sqlite3.Error)):
        store.start()


def test_a_database_toolguard_creates_is_private_to_its_owner(tmp_path: Path):
    """Secrets are redacted, but the stored conversations are the user's: 0600 for the file (and its
    WAL and shared-memory files, which SQLite gives the database's mode), 0700 for a directory toolguard
    makes; a file the user made keeps its mode."""
    path = tmp_path / "new" / "t.db"
    db = open_db(path)
    db["flow_rows"].count  # noqa: B018 - a read, so the -shm file exists
    modes = {p.name: p.stat().st_mode & 0o777 for p in path.parent.iterdir()}
    db.close()
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    assert modes == {"t.db": 0o600, "t.db-wal": 0o600, "t.db-shm": 0o600}
    mine = tmp_path / "mine.db"
    mine.touch(mode=0o640)
    mine.chmod(0o640)
    open_db(mine).close()
    assert mine.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    "name",
    [":memory:", "", "file::memory:", "file:mem?mode=memory", "file:mem?mode=memory&cache=shared"],
)
def test_an_in_memory_database_touches_no_file(name: str, tmp_path: Path, monkeypatch):
    """``open_db(":memory:")`` once created a 0-byte file named ``:memory:`` in the working directory
    (create_private ran on the name) and a ``:memory:.migrate.lock`` while migrating."""
    monkeypatch.chdir(tmp_path)
    db = open_db(name)
    write_run(db, RunRow(id="r", started_utc=format_utc(1_700_000_000.0)))
    assert db["runs"].count == 1
    db.close()
    if name:  # the proxy's thread store (Path("") is "."): nothing to stat, nothing "replaced"
        store = Store(name)
        store.start()
        store.put(row("f1"))
        store.close()
        assert store.written == 1 and not store.recreated
    assert list(tmp_path.iterdir()) == []


def test_a_file_uri_creates_the_file_its_path_names(tmp_path: Path, monkeypatch):
    """``file:t.db?mode=rwc`` is the file ``t.db`` (https://www.sqlite.org/uri.html), created private,
    not a file literally named ``file:t.db?mode=rwc``."""
    monkeypatch.chdir(tmp_path)
    open_db("file:t.db?mode=rwc").close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.db"]
    assert (tmp_path / "t.db").stat().st_mode & 0o777 == 0o600
    open_db(f"file://{tmp_path / 'abs.db'}").close()
    assert (tmp_path / "abs.db").stat().st_mode & 0o777 == 0o600


def test_close_is_idempotent_and_safe_before_start(tmp_path: Path):
    store = Store(tmp_path / "t.db")
    store.close()
    store.start()
    store.close()
    store.close()


def test_default_db_path(monkeypatch, tmp_path: Path):
    monkeypatch.setenv(DB_ENV, str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"
    monkeypatch.delenv(DB_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert default_db_path() == tmp_path / ".local" / "share" / "toolguard" / "toolguard.db"


def test_format_utc_is_sortable_iso8601():
    assert format_utc(0) == "1970-01-01T00:00:00.000Z"
    assert format_utc(1_700_000_000.25) == "2023-11-14T22:13:20.250Z"


def test_every_column_is_documented_in_docs_schema(tmp_path: Path):
    """The schema is a public interface: a column added by a migration must be described in docs/schema.md."""
    schema_doc = (Path(__file__).resolve().parents[1] / "docs" / "schema.md").read_text()
    db = open_db(tmp_path / "t.db")
    for table in ("flows", "findings", "repairs", "learned", "rule_calibration"):
        section = schema_doc.split(f"## Table `{table}`", 1)[1].split("\n## ", 1)[0]
        for column in db[table].columns_dict:
            assert f"| `{column}` |" in section, f"{table}.{column} is not documented in docs/schema.md"


def test_processes_opening_one_new_file_at_once_all_migrate_it(tmp_path: Path):
    """Two `toolguard run`s on one new database: every opener ends with the full schema, none fails."""
    import subprocess
    import sys

    path = tmp_path / "shared.db"
    script = "import sys; from toolguard_core.store import open_db; open_db(sys.argv[1]).close()"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(path)], stderr=subprocess.PIPE) for _ in range(6)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in processes]
    assert [p.returncode for p in processes] == [0] * 6, errors
    db = open_db(path)
    applied = [m["name"] for m in db["_sqlite_migrations"].rows_where("migration_set = ?", ["toolguard"])]
    assert applied == [m.name for m in migrations._migrations]


def test_run_rows_are_written_in_queue_order_and_not_counted_as_flow_rows(tmp_path: Path):
    path = tmp_path / "runs.db"
    store = Store(path)
    store.start()
    store.put(RunRow(id="r1", started_utc="2026-01-01T00:00:00.000Z"))
    store.put(FlowRow(id="f1", datetime_utc="2026-01-01T00:00:01.000Z", run_id="r1"))
    store.put(
        RunRow(
            id="r1", started_utc="2026-01-01T00:00:00.000Z", ended_utc="2026-01-01T00:00:02.000Z", stored=1
        )
    )
    store.close()
    assert (store.queued, store.written, store.failed) == (1, 1, 0)
    db = open_db(path)
    assert [(r["id"], r["ended_utc"], r["stored"]) for r in db["runs"].rows] == [
        ("r1", "2026-01-01T00:00:02.000Z", 1)
    ]
    assert [(f["id"], f["run_id"]) for f in db["flows"].rows] == [("f1", "r1")]


def test_m013_rebuilds_the_summary_indexes_with_port_and_scheme(tmp_path: Path) -> None:
    """A file whose covering indexes m007 made before the summary named an upstream host:port gets
    them rebuilt with port and scheme (else each tally reads the rows, request bodies and all)."""
    from toolguard_core import grouping

    path = tmp_path / "old.db"
    db = open_db(path)
    for name, columns in grouping.SUMMARY_INDEXES.items():
        old = [c for c in columns if c not in ("port", "scheme")]
        db.execute(f"DROP INDEX {name}")
        db.execute(f"CREATE INDEX {name} ON flow_rows ({', '.join(old)})")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm014_summary_index_ports'")
    db.conn.commit()
    db.close()
    db = open_db(path)
    got = {i.name: tuple(i.columns) for i in db["flow_rows"].indexes if i.name in grouping.SUMMARY_INDEXES}
    db.close()
    assert got == grouping.SUMMARY_INDEXES
