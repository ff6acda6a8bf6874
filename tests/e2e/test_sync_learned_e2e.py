"""``toolguard sync`` carries what the upstreams taught (issue #10.3: the ``learned`` and
``rule_calibration`` tables) to a real PostgreSQL server the way ``toolguard merge`` combines them:
two machines that learned the same constraint end with the larger count, the earliest first and
latest last sighting and the earliest demotion, and syncing again changes nothing. Real SQLite
files, the real CLI, a throwaway PostgreSQL cluster; ``merge`` of the same files is the oracle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from toolguard_core import pgstore
from toolguard_core.learned_store import MERGE_KEYS
from toolguard_core.store import open_db

pytestmark = pytest.mark.e2e
psycopg = pytest.importorskip("psycopg")

TOOLGUARD = Path(sys.executable).with_name("toolguard")
# xAI's rejection of a parameter (lobehub/lobehub#8389), as the proxy learns it for host and model.
ERROR_TEXT = "Argument not supported on this model: presencePenalty"


def toolguard(*args: str) -> str:
    result = subprocess.run([str(TOOLGUARD), *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def learned(flow: str, first: str, last: str, count: int) -> dict[str, Any]:
    return {
        "host": "api.x.ai", "model": "grok-4", "kind": "param", "name": "presence_penalty", "value": "",
        "rule": "learned.param", "cause_id": "cause.param-unsupported", "error_text": ERROR_TEXT,
        "first_flow": flow, "last_flow": flow, "first_seen": first, "last_seen": last, "count": count,
        "source": "observed",
    }  # fmt: skip


def calibration(flow: str, first: str, last: str, accepted: int, demoted_at: str | None) -> dict[str, Any]:
    return {
        "rule": "params.sampling-unsupported", "host": "api.openai.com", "model": "o3", "accepted": accepted,
        "first_flow": flow, "last_flow": flow, "first_seen": first, "last_seen": last, "demoted_at": demoted_at,
        "source": "observed",
    }  # fmt: skip


def capture(path: Path, learned_rows: list[dict[str, Any]], calibration_rows: list[dict[str, Any]]) -> Path:
    db = open_db(path)
    db["learned"].insert_all(learned_rows)
    db["rule_calibration"].insert_all(calibration_rows)
    db.close()
    return path


def rows(url_or_path: str | Path, table: str) -> list[dict[str, Any]]:
    order = ", ".join(MERGE_KEYS[table][0])
    if isinstance(url_or_path, Path):
        db = sqlite_utils.Database(url_or_path)
        try:
            return list(db.query(f"SELECT * FROM {table} ORDER BY {order}"))
        finally:
            db.close()
    with psycopg.connect(url_or_path, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()


def test_sync_merges_learned_tables_like_merge_does(tmp_path: Path, postgres_url: str) -> None:
    laptop = capture(
        tmp_path / "laptop.db",
        [learned("f-laptop", "2026-11-02T10:00:00Z", "2026-11-03T09:00:00Z", 3)],
        [calibration("g-laptop", "2026-11-01T08:00:00Z", "2026-11-04T08:00:00Z", 7, "2026-11-04T08:00:00Z")],
    )
    ci = capture(
        tmp_path / "ci.db",
        [learned("f-ci", "2026-11-01T12:00:00Z", "2026-11-02T12:00:00Z", 5)],
        [
            calibration("g-ci", "2026-11-02T08:00:00Z", "2026-11-05T08:00:00Z", 4, "2026-11-03T08:00:00Z"),
            {
                **calibration("h-ci", "2026-11-06T08:00:00Z", "2026-11-06T08:00:00Z", 1, None),
                "model": "o4-mini",
            },
        ],
    )

    assert toolguard("sync", str(laptop), postgres_url) == (
        f"{postgres_url}: sent 1 learned, 1 rule_calibration from {laptop}\n"
    )
    toolguard("sync", str(ci), postgres_url)
    oracle = tmp_path / "merged.db"
    toolguard("merge", str(oracle), str(laptop), str(ci))

    schema = pgstore.sqlite_schema()
    for table in MERGE_KEYS:
        merged = rows(oracle, table)
        assert rows(postgres_url, table) == merged
        assert rows(postgres_url, table)  # not vacuously equal
    assert rows(postgres_url, "learned") == [
        {**learned("f-laptop", "2026-11-01T12:00:00Z", "2026-11-03T09:00:00Z", 5)}
    ]  # the laptop's row first sent, the larger count, the earliest first and latest last sighting
    assert [(r["model"], r["accepted"], r["demoted_at"]) for r in rows(postgres_url, "rule_calibration")] == [
        ("o3", 7, "2026-11-03T08:00:00Z"),
        ("o4-mini", 1, None),
    ]
    assert {c.name for c in schema.table("learned").columns} == set(rows(postgres_url, "learned")[0])

    # Syncing both again, in the other order, changes nothing.
    before = {table: rows(postgres_url, table) for table in MERGE_KEYS}
    toolguard("sync", str(ci), postgres_url)
    toolguard("sync", str(laptop), postgres_url)
    assert {table: rows(postgres_url, table) for table in MERGE_KEYS} == before
