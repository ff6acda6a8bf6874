"""The shared PostgreSQL store after a toolguard upgrade: ``toolguard reexplain --db postgresql://...``
decides stored verdicts again (the two-sided decision SQLite files get from m009_visibility) and
recomputes the root cause and the summary columns, giving PostgreSQL exactly the rows ``reexplain``
gives the SQLite file they were synced from; and ``toolguard show`` prints a repaired flow's fixes and
bodies from PostgreSQL as from the file (the bodies the patches give back are stored once in both).

Real parts: Debian's PostgreSQL (a throwaway cluster), the installed ``toolguard`` command, the
store's own writer; real provider error bodies (tests/support/answers.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from support.answers import OPENAI_429, OPENAI_ORPHAN

from toolguard_core import pgstore
from toolguard_core.causes import recognise_error
from toolguard_core.store import FindingRow, FlowRow, RepairRow, open_db, write_rows
from toolguard_core.upstream_errors import parse_error

pytestmark = pytest.mark.e2e
psycopg = pytest.importorskip("psycopg")

TOOLGUARD = Path(sys.executable).with_name("toolguard")
ORPHAN_RULE = "sequence.orphan-tool-message"
#: What an older toolguard left in both stores: the 429 credited to the rule, no root cause.
STALE = (
    "UPDATE flow_rows SET verdict = 'predicted', cause_id = NULL, cause_json = NULL, summary_version = NULL"
)


def toolguard(*args: str) -> str:
    result = subprocess.run([str(TOOLGUARD), *args], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def rejection(flow_id: str, status: int, body: dict[str, Any]) -> FlowRow:
    error = parse_error(json.dumps(body).encode(), status=status, content_type="application/json")
    recognition = recognise_error(error, finding_rules=[ORPHAN_RULE], status=status)
    return FlowRow(
        id=flow_id,
        datetime_utc=f"2026-11-30T10:00:0{len(flow_id)}.000Z",
        host="api.openai.com",
        provider="openai",
        model="gpt-4o-mini",
        status=status,
        verdict="recognised" if status == 429 else "predicted",
        error_message=error.message,
        error_type=error.type,
        error_json=json.dumps(error.summary()),
        cause_id=recognition.cause_id if recognition else None,
        cause_json=json.dumps(recognition.summary(), sort_keys=True) if recognition else None,
        finding_count=1,
        error_finding_count=1,
        findings=[FindingRow(idx=0, rule=ORPHAN_RULE, severity="error", location="messages[1]", message="m")],
    )


def repaired(flow_id: str) -> FlowRow:
    before = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "x"}],
    }
    after = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    return FlowRow(
        id=flow_id,
        datetime_utc="2026-11-30T11:00:00.000Z",
        status=200,
        verdict="repaired",
        request_json=json.dumps(before),
        repairs=[
            RepairRow(
                idx=0,
                datetime_utc="2026-11-30T11:00:00.001Z",
                rule=ORPHAN_RULE,
                family="sequence",
                location="messages[1]",
                applied=True,
                description="removed the tool message no call asked for",
                patch_json='[{"op": "remove", "path": "/messages/1"}]',
                request_before=json.dumps(before, ensure_ascii=False),
                request_after=json.dumps(after, ensure_ascii=False),
            )
        ],
    )


def flow_rows_pg(url: str) -> list[dict[str, Any]]:
    with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute("SELECT * FROM flow_rows ORDER BY id").fetchall()


def flow_rows_sqlite(path: Path) -> list[dict[str, Any]]:
    """As PostgreSQL types them (text columns as text), for a whole-row comparison."""
    types = {c.name: c.pg_type for c in pgstore.sqlite_schema().table("flow_rows").columns}
    db = sqlite_utils.Database(path)
    try:
        rows = list(db.query("SELECT * FROM flow_rows ORDER BY id"))
    finally:
        db.close()
    return [{k: (str(v) if v is not None and types[k] == "text" else v) for k, v in r.items()} for r in rows]


def test_reexplain_on_postgresql_decides_verdicts_again_as_on_the_file(
    tmp_path: Path, postgres_url: str
) -> None:
    capture = tmp_path / "laptop.db"
    db = open_db(capture)
    write_rows(
        db, [rejection("a429", 429, OPENAI_429), rejection("orphan", 400, OPENAI_ORPHAN), repaired("r")]
    )
    db.close()
    toolguard("sync", str(capture), postgres_url)
    # Both stores as an older toolguard left them.
    with psycopg.connect(postgres_url) as conn:
        conn.execute(STALE + " WHERE status >= 400")
    with sqlite_utils.Database(capture) as stale:
        stale.execute(STALE + " WHERE status >= 400")
        stale.conn.commit()
    assert [r["verdict"] for r in flow_rows_pg(postgres_url)] == ["predicted", "predicted", "repaired"]

    assert toolguard("reexplain", "--db", postgres_url) == "2 stored rejection(s) relabelled\n"
    assert toolguard("reexplain", "--db", str(capture)) == "2 stored rejection(s) relabelled\n"
    pg = flow_rows_pg(postgres_url)
    assert pg == flow_rows_sqlite(capture)
    assert [(r["id"], r["verdict"], r["cause_id"]) for r in pg] == [
        ("a429", "recognised", "cause.rate-limit"),
        ("orphan", "predicted", "cause.orphan-tool-result"),
        ("r", "repaired", None),
    ]
    assert all(r["summary_version"] for r in pg)
    assert toolguard("reexplain", "--db", postgres_url) == "0 stored rejection(s) relabelled\n"  # idempotent


def test_show_prints_a_repaired_flow_from_postgresql_as_from_the_file(
    tmp_path: Path, postgres_url: str
) -> None:
    capture = tmp_path / "laptop.db"
    db = open_db(capture)
    write_rows(db, [repaired("r")])
    db.close()
    toolguard("sync", str(capture), postgres_url)
    with psycopg.connect(postgres_url) as conn:  # stored once there too: the after body is the patch's
        assert conn.execute(
            "SELECT request_before IS NULL, request_after IS NULL FROM repairs"
        ).fetchall() == [(False, True)]
    for args in (
        ["--format", "json"],
        ["--format", "markdown"],
        ["--repair-body", "before"],
        ["--repair-body", "after"],
    ):
        assert toolguard("show", "r", "--db", postgres_url, *args) == toolguard(
            "show", "r", "--db", str(capture), *args
        )
    assert json.loads(toolguard("show", "r", "--db", postgres_url, "--repair-body", "after")) == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
    }
