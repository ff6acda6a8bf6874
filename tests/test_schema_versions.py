"""A database a newer toolguard migrated, opened by this one: said once, and written without loss.

Found by the reliability walkthrough (reliability8): sqlite-migrate ignores applied migrations it
does not know, so the proxy, `merge` and the writable commands used such a file without a word."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlite_utils
from test_store import row

import toolguard_core
from toolguard_core.store import migrations, open_db, write_rows
from toolguard_core.store import newer_schema as newer_schema_note

LATEST = migrations._migrations[-1].name


def _from_a_newer_toolguard(path: Path, name: str = "m099_future_columns") -> None:
    """What a newer release would leave: its migration recorded and the column it added, with a value."""
    db = open_db(path)
    write_rows(db, [row("old-flow")])
    db.execute("ALTER TABLE flow_rows ADD COLUMN future_col TEXT")
    db.execute("UPDATE flow_rows SET future_col = 'kept' WHERE id = 'old-flow'")
    db["_sqlite_migrations"].insert({"migration_set": "toolguard", "name": name, "applied_at": "2027-01-01"})
    db.conn.commit()
    db.close()


def test_a_newer_schema_is_said_once_and_its_data_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "newer.db"
    _from_a_newer_toolguard(path)
    caplog.set_level(logging.WARNING)
    db = open_db(path)
    write_rows(db, [row("new-flow")])
    db.close()
    open_db(path).close()  # merge opens its output twice: one line
    said = [r.getMessage() for r in caplog.records if "newer toolguard" in r.getMessage()]
    assert said == [
        f"toolguard: {path} was migrated by a newer toolguard (it has m099_future_columns; this toolguard "
        f"{toolguard_core.__version__} knows migrations up to {LATEST}). This version reads and writes "
        "it as its own schema: what the newer one added is kept, but left empty in the rows written "
        "now and not shown. Upgrade toolguard to the version that wrote it."
    ]
    stored = sqlite_utils.Database(path)
    assert [
        (r["id"], r["future_col"]) for r in stored.query("SELECT id, future_col FROM flow_rows ORDER BY id")
    ] == [
        ("new-flow", None),
        ("old-flow", "kept"),
    ]
    assert stored.execute("SELECT count(*) FROM findings").fetchone() == (2,)


@pytest.mark.parametrize(
    ("applied", "newer"),
    [
        (None, False),  # this version's own file
        ("m002_runs", False),  # a development build's name for an early migration (test_store.py)
        ("m003_websocket_messages", False),
        ("m019_next", True),
        ("m100_far_future", True),
        ("not_a_toolguard_migration", False),
    ],
)
def test_only_a_migration_numbered_past_this_versions_last_is_newer(
    tmp_path: Path, applied: str | None, newer: bool
) -> None:
    db = open_db(tmp_path / "t.db")
    if applied:
        db["_sqlite_migrations"].insert({"migration_set": "toolguard", "name": applied, "applied_at": "x"})
    assert (newer_schema_note(db) is not None) == newer
