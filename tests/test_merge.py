"""``toolguard merge``: no duplicates, idempotent (whole-table comparisons), inputs untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from test_summary import machine_a, machine_b, write_db

from toolguard_analysis.cli import cli
from toolguard_analysis.merge import merge


def table(path: Path, name: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        order = "id" if name == "flows" else "flow_id, idx"
        return conn.execute(f"select * from {name} order by {order}").fetchall()
    finally:
        conn.close()


def test_merge_twice_equals_merge_once(tmp_path: Path) -> None:
    a = write_db(tmp_path / "a.db", machine_a())
    b = write_db(tmp_path / "b.db", machine_b())  # holds a copy of a1
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)}

    once = tmp_path / "once.db"
    assert merge(once, [a, b]) == {
        "contents": 0,
        "flows": 8,
        "findings": 4,
        "repairs": 0,
        "runs": 0,
        "learned": 0,
        "rule_calibration": 0,
    }
    snapshot = {name: table(once, name) for name in ("flows", "findings")}
    assert [row[0] for row in snapshot["flows"]] == ["a1", "a2", "a3", "a4", "a5", "b1", "b2", "b3"]
    assert [(row[0], row[1], row[2]) for row in snapshot["findings"]] == [
        ("a1", 0, "sequence.orphan-tool-message"),
        ("a2", 0, "sequence.orphan-tool-message"),
        ("a4", 0, "sequence.unanswered-tool-call"),
        ("b2", 0, "sequence.unanswered-tool-call"),
    ]
    # Each flow equals its source row, column for column.
    source_rows = {row[0]: row for row in table(a, "flows") + table(b, "flows")}
    assert all(row == source_rows[row[0]] for row in snapshot["flows"])

    assert merge(once, [a, b]) == {
        "contents": 0,
        "flows": 0,
        "findings": 0,
        "repairs": 0,
        "runs": 0,
        "learned": 0,
        "rule_calibration": 0,
    }
    assert merge(once, [b]) == {
        "contents": 0,
        "flows": 0,
        "findings": 0,
        "repairs": 0,
        "runs": 0,
        "learned": 0,
        "rule_calibration": 0,
    }
    assert {name: table(once, name) for name in ("flows", "findings")} == snapshot
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)} == digests  # inputs untouched

    reversed_order = tmp_path / "reversed.db"
    merge(reversed_order, [b, a])
    assert {name: table(reversed_order, name) for name in ("flows", "findings")} == snapshot


def test_cli(tmp_path: Path) -> None:
    a = write_db(tmp_path / "a.db", machine_a())
    out = tmp_path / "all.db"
    result = CliRunner().invoke(cli, ["merge", str(out), str(a), str(a)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{out}: added 5 flows and 3 findings from 2 database(s)\n"
    result = CliRunner().invoke(cli, ["merge", str(a), str(a)])
    assert result.exit_code == 1 and "is the output database" in result.output
    result = CliRunner().invoke(cli, ["merge", "--help"])
    assert "toolguard merge all.db laptop.db ci.db" in result.output


def test_repairs_are_merged_with_their_flows(tmp_path: Path) -> None:
    from toolguard_core.store import FlowRow, RepairRow, open_db, write_rows

    source = tmp_path / "repaired.db"
    db = open_db(source)
    repair = RepairRow(
        idx=0,
        datetime_utc="2026-11-22T10:00:00.000Z",
        rule="sequence.duplicate-tool-response",
        family="sequence",
        location="messages[4].tool_call_id",
        applied=True,
        description="dropped messages[4]",
        patch_json='[{"op": "remove", "path": "/messages/4"}]',
        request_before='{"messages": [1, 2, 3, 4, 5]}',
        request_after='{"messages": [1, 2, 3, 4]}',
    )
    write_rows(
        db, [FlowRow(id="r1", datetime_utc="2026-11-22T10:00:00.000Z", verdict="repaired", repairs=[repair])]
    )
    db.close()
    out = tmp_path / "out.db"
    assert merge(out, [source, source]) == {
        "contents": 0,
        "flows": 1,
        "findings": 0,
        "repairs": 1,
        "runs": 0,
        "learned": 0,
        "rule_calibration": 0,
    }
    assert table(out, "repairs") == table(source, "repairs")
