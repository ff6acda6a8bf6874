"""The migrations that rewrite every stored row (m004 root causes, m007 summary columns, m008 content
split, m009 verdicts) commit in batches: a migration killed mid-way (SIGKILL, in a real child process) leaves a file that the
next open finishes, and the result equals an uninterrupted migration's, table by table, row by row.
Real provider error bodies (tests/support/answers.py), the real parser and writer."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from support.answers import OPENAI_429, OPENAI_NOT_JSON, OPENAI_ORPHAN

from toolguard_core.causes import recognise_error
from toolguard_core.store import FindingRow, FlowRow, migrations, open_db
from toolguard_core.upstream_errors import parse_error

ORPHAN_RULE = "sequence.orphan-tool-message"
#: (status, body, verdict as an older toolguard stored it): the 429 is decided again by m009.
ANSWERS = [
    (429, OPENAI_429, "predicted"),
    (400, OPENAI_ORPHAN, "predicted"),
    (400, OPENAI_NOT_JSON, "predicted"),
]
ROWS = 36
BATCH = 5  # rows per transaction in the child: 36 rows are 8 batches, killed after the 2nd


def _request(i: int) -> str | None:
    if i % 9 == 8:
        return None  # no JSON body stored
    if i % 9 == 7:
        return '{"model": "gpt-4o", "messages": [1, 2'  # not JSON: stays whole
    # A conversation growing turn by turn: shared messages are stored once (m008).
    messages = [{"role": "system", "content": "You are terse."}]
    for turn in range(i % 6 + 1):
        messages += [
            {"role": "user", "content": f"question {turn}"},
            {"role": "assistant", "content": f"answer {turn}"},
        ]
    messages.append({"role": "tool", "tool_call_id": "call_1", "content": "result"})
    return json.dumps({"model": "gpt-4o", "messages": messages}, separators=(",", ":"))  # as SDKs send it


def _row(i: int) -> FlowRow:
    status, body, verdict = ANSWERS[i % len(ANSWERS)]
    error = parse_error(json.dumps(body).encode(), status=status, content_type="application/json")
    recognition = recognise_error(error, finding_rules=[ORPHAN_RULE], status=status)
    return FlowRow(
        id=f"f{i:03d}",
        datetime_utc=f"2026-11-30T10:{i:02d}:00.000Z",
        host="api.openai.com",
        provider="openai",
        client="OpenAI/Python 1.99.0",
        request_headers_json=json.dumps({"user-agent": "OpenAI/Python 1.99.0"}),
        model="gpt-4o",
        status=status,
        verdict=verdict,
        request_json=_request(i),
        error_message=error.message,
        error_type=error.type,
        error_json=json.dumps(error.summary()),
        cause_id=recognition.cause_id if recognition else None,
        cause_json=json.dumps(recognition.summary(), sort_keys=True) if recognition else None,
        finding_count=1,
        error_finding_count=1,
        findings=[FindingRow(idx=0, rule=ORPHAN_RULE, severity="error", location="messages[1]", message="m")],
    )


def _old_database(path: Path, before: str = "m007_summary_columns") -> Path:
    """A file as the toolguard before m007 (or ``before``) wrote it: every request whole, no summary
    columns (before m004: no root causes either), the 429 stored as `predicted`."""
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before=before)
    names = set(db["flows"].columns_dict)
    for row in map(_row, range(ROWS)):
        db["flows"].insert({k: v for k, v in row.columns().items() if k in names})
        for finding in row.findings:
            db["findings"].insert({"flow_id": row.id, **finding.model_dump()})
    db.close()
    return path


def _dump(path: Path) -> dict[str, Any]:
    """Every table and the `flows` view, whole rows in primary-key order; of the migrations table,
    the names applied (their time differs)."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        dump: dict[str, Any] = {}
        for table in tables:
            if table == "_sqlite_migrations":
                dump[table] = conn.execute(f"SELECT migration_set, name FROM {table} ORDER BY id").fetchall()
            else:
                dump[table] = sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        dump["schema"] = sorted(
            conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=repr
        )
        return dump
    finally:
        conn.close()


# Runs in a child: open (and migrate) the file with small batches, SIGKILLed by the progress hook
# right after the given step committed its second batch: no cleanup, no finally, as a kill -9 does.
CHILD = """
import os, signal, sys
from toolguard_core import store
store.MIGRATION_BATCH_ROWS = int(sys.argv[2])
calls = 0
def progress(step, done, total):
    global calls
    if step == sys.argv[3]:
        calls += 1
        if calls == 2:
            os.kill(os.getpid(), signal.SIGKILL)
store.migration_progress = progress
store.open_db(sys.argv[1])
"""


def _partial(path: Path, step: str) -> tuple[int, int]:
    """(rows the killed step finished, rows in all): how far the interrupted migration got."""
    conn = sqlite3.connect(path)
    try:
        table = "flow_rows" if step not in ("m004_root_causes", "m007_summary_columns") else "flows"
        total = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        done_sql = {
            "m004_root_causes": "cause_id IS NOT NULL",
            "m007_summary_columns": "summary_version IS NOT NULL",
            "m008_content_dedup": "request_parts_json IS NOT NULL",
            "m009_visibility": "verdict = 'recognised'",
        }[step]
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {done_sql}").fetchone()[0], total
    finally:
        conn.close()


@pytest.mark.parametrize(
    "step", ["m004_root_causes", "m007_summary_columns", "m008_content_dedup", "m009_visibility"]
)
def test_a_migration_killed_mid_way_resumes_to_the_same_file(tmp_path: Path, step: str) -> None:
    old = _old_database(
        tmp_path / "old.db", "m004_root_causes" if step == "m004_root_causes" else "m007_summary_columns"
    )
    killed = tmp_path / "killed.db"
    shutil.copy(old, killed)

    open_db(old).close()  # uninterrupted
    whole = _dump(old)

    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(killed), str(BATCH), step],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    applied = [name for (name,) in sqlite3.connect(killed).execute("SELECT name FROM _sqlite_migrations")]
    assert step not in applied  # recorded only once every batch is in
    done, total = _partial(killed, step)
    if step == "m009_visibility":  # 12 of the 36 rows are 429s decided again, 4 in the first two batches
        assert 0 < done < total // len(ANSWERS), (done, total)
    elif step == "m004_root_causes":  # the rows of two batches with a root cause, none after
        assert 0 < done <= 2 * BATCH, (done, total)
    else:  # two batches committed (m008: one row of them did not split), none after
        assert BATCH < done <= 2 * BATCH, (done, total)

    open_db(killed).close()  # resumes with the default batch size
    assert _dump(killed) == whole
    # ... and the migrations did their work: every request that splits is split, the 429s decided again.
    verdicts = {
        r[0]: r[1]
        for r in sqlite3.connect(killed).execute("SELECT id, verdict FROM flows WHERE status = 429")
    }
    assert set(verdicts.values()) == {"recognised"} and len(verdicts) == ROWS // len(ANSWERS)
    assert _partial(killed, "m008_content_dedup") == (ROWS - 2 * (ROWS // 9), ROWS)
    assert _partial(killed, "m007_summary_columns") == (ROWS, ROWS)
