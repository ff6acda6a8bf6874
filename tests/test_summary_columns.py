"""The summary's grouping columns (issue #12.4, migration ``m007_summary_columns``): derived by the
store's writer when a row is written, backfilled by the migration for rows already stored, and
recomputed by ``toolguard refingerprint`` / ``reexplain`` / ``merge`` when they are stale."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner

from tests.test_summary import DASHSCOPE_UNANSWERED, OPENAI_ORPHAN, machine_a, machine_b, write_db
from toolguard_analysis.cli import cli
from toolguard_analysis.merge import merge
from toolguard_core import grouping, store
from toolguard_core.fingerprint import fingerprint
from toolguard_core.grouping import COLUMNS, group_key, summary_version
from toolguard_core.store import FlowRow, migrations, open_db

ORPHAN = "sequence.orphan-tool-message"
UNANSWERED = "sequence.unanswered-tool-call"


def derived(path: Path) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return {
            row[0]: row[1:]
            for row in conn.execute(f"SELECT id, {', '.join(COLUMNS)} FROM flows ORDER BY id").fetchall()
        }
    finally:
        conn.close()


def expected_b() -> dict[str, tuple[Any, ...]]:
    """machine_b()'s rows as the writer must derive them (every value spelled out except the hashes,
    which are the public fingerprint/group_key functions of the texts named here)."""
    version = summary_version()
    orphan_fp = fingerprint(OPENAI_ORPHAN)  # OpenAI's and DeepSeek's sentences share one template
    empty_fp = fingerprint("HTTP 400 (no error message)")
    dashscope_fp = fingerprint(DASHSCOPE_UNANSWERED)
    qwen = "QwenCode/0.24.4 (OpenAI/JS 5.11.0)"
    return {
        "a1": (qwen, ORPHAN, orphan_fp, ORPHAN, "predicted", group_key(None, ORPHAN, orphan_fp), version),
        # b1: stored unexplained by an older toolguard, no finding: its wording is the orphan rule's,
        # but that rule did not fire on it, so it does not name b1's group (issue #10).
        "b1": (
            "OpenAI/Python 1.54.0",
            None,
            orphan_fp,
            None,
            "unexplained",
            group_key(None, None, orphan_fp),
            version,
        ),
        "b2": (
            "QwenCode/0.5.0",
            UNANSWERED,
            dashscope_fp,
            UNANSWERED,
            "predicted",
            group_key(None, UNANSWERED, dashscope_fp),
            version,
        ),
        "b3": (
            "OpenAI/Python 1.54.0",
            None,
            empty_fp,
            None,
            "unexplained",
            group_key(None, None, empty_fp),
            version,
        ),
    }


def test_the_writer_derives_the_columns_of_every_row(tmp_path: Path) -> None:
    assert derived(write_db(tmp_path / "b.db", machine_b())) == expected_b()
    # Rows that are not rejections get their client name and version only.
    a = derived(write_db(tmp_path / "a.db", machine_a()))
    assert a["a4"] == ("OpenAI/Python 1.54.0", UNANSWERED, None, None, None, None, summary_version())
    assert a["a5"] == ("(no user-agent)", None, None, None, None, None, summary_version())


def _old_database(path: Path, rows: list[FlowRow], stop_before: str = "m007_summary_columns") -> Path:
    """A database as an older toolguard wrote it: migrated up to before ``stop_before``, rows inserted
    with the columns it had."""
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before=stop_before)
    names = [c for c in db["flows"].columns_dict]
    for row in rows:
        columns = {k: v for k, v in row.columns().items() if k in names}
        db["flows"].insert(columns)
        for f in row.findings:
            db["findings"].insert({"flow_id": row.id, **f.model_dump()})
    assert "group_key" not in db["flows"].columns_dict
    db.close()
    return path


def test_the_migration_backfills_stored_rows_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Four rows: two committed batches and a last empty read (the migration's own batch size).
    monkeypatch.setattr(store, "MIGRATION_BATCH_ROWS", 2)
    path = _old_database(tmp_path / "old.db", machine_b())
    open_db(path).close()
    assert derived(path) == expected_b()
    # On flow_rows, the table behind the `flows` view since m008_content_dedup (the rename keeps them).
    indexes = {tuple(i.columns) for i in sqlite_utils.Database(path).table("flow_rows").indexes}
    assert {
        grouping.SUMMARY_INDEX,
        (
            "summary_version",
            "verdict",
            "datetime_utc",
            "host",
            "port",
            "scheme",
            "model",
            "client_name",
            "client",
        ),
        (
            "verdict",
            "error_rules",
            "datetime_utc",
            "host",
            "port",
            "scheme",
            "model",
            "client_name",
            "client",
        ),
        ("fingerprint",),
        ("pattern",),
    } <= indexes


def test_refingerprint_recomputes_stale_rows_only_unless_all(tmp_path: Path) -> None:
    path = write_db(tmp_path / "b.db", machine_b())
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "UPDATE flows SET fingerprint = 'n1-old', group_key = 'old', summary_version = 'n1.d0.x' WHERE id = 'b1'"
        )
        conn.execute("UPDATE flows SET client_name = NULL, summary_version = NULL WHERE id = 'b3'")
        # A current row with a wrong value is not stale: only --all touches it.
        conn.execute("UPDATE flows SET pattern = 'tampered' WHERE id = 'b2'")
    conn.close()
    result = CliRunner().invoke(cli, ["refingerprint", "--db", str(path)])
    assert (result.exit_code, result.output) == (
        0,
        f"2 stored flow(s) refingerprinted ({summary_version()})\n",
    )
    assert derived(path) == {
        **expected_b(),
        "b2": (*expected_b()["b2"][:3], "tampered", *expected_b()["b2"][4:]),
    }
    result = CliRunner().invoke(cli, ["refingerprint", "--db", str(path), "--all"])
    assert result.output == f"4 stored flow(s) refingerprinted ({summary_version()})\n"
    assert derived(path) == expected_b()


def test_reexplain_regroups_the_rows_it_relabels(tmp_path: Path) -> None:
    path = write_db(tmp_path / "b.db", machine_b())
    assert CliRunner().invoke(cli, ["reexplain", "--db", str(path)]).exit_code == 0
    rows = derived(path)
    orphan_fp = fingerprint(OPENAI_ORPHAN)
    # b1's text names the orphan-tool root cause now: recognised, in a group of its own cause (no rule
    # fired on it, so none names the group).
    assert rows["b1"] == (
        "OpenAI/Python 1.54.0",
        None,
        orphan_fp,
        None,
        "recognised",
        group_key("cause.orphan-tool-result", None, orphan_fp),
        summary_version(),
    )


def test_merge_derives_the_columns_of_rows_from_an_older_database(tmp_path: Path) -> None:
    old = _old_database(tmp_path / "old.db", machine_b())
    out = tmp_path / "all.db"
    merge(out, [old])
    assert derived(out) == expected_b()
