"""The summary's retries over a capture dense with rate limits and 5xx (session 24, issue #12): the
retry fields of every group, as the summary streams them (the flows near transient answers, each
request compared as stored, tallied by group), are those of the one detector run over every flow of the
capture with each request's text (clients.retries, unordered: the run report's way), on a database
scripts/bench_summary.py generates: bursts of 429/500/503/529 of four real clients, interleaved."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from toolguard_analysis import summary
from toolguard_analysis.summary import build_summary
from toolguard_core.clients import RETRY_COLUMNS, retries
from toolguard_core.store import open_db

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_summary.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_summary", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dense") / "dense.db"
    counts = _bench().generate_dense(path, 2_000, 400, 0.5, seed=11, days=3_000 / 86_400)
    assert counts["flows"] == 2_000 and round(counts["transient"] / 2_000, 2) == 0.5 and counts["gave_up"] > 0
    return path


def _expected(path: Path) -> dict[str | None, tuple[int, list[int], int]]:
    """Every flow, in no order, through clients.retries with each request's text from the flows view."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute(f"select {', '.join(RETRY_COLUMNS)}, group_key from flows")]
    texts = dict(conn.execute("select id, request_json from flows").fetchall())
    conn.close()
    found = retries(rows, texts.get)
    declared: Counter[str | None] = Counter()
    counts: dict[str | None, set[int]] = {}
    resent: Counter[str | None] = Counter()
    for row in rows:
        if (retry := found.get(row["id"])) is None:
            continue
        if retry.declared:
            declared[row["group_key"]] += 1
            counts.setdefault(row["group_key"], set()).add(retry.number)
        else:
            resent[row["group_key"]] += 1
    groups = {
        key
        for (key,) in sqlite3.connect(path).execute(
            "select distinct group_key from flows where group_key is not null"
        )
    }
    return {key: (declared[key], sorted(counts.get(key, ())), resent[key]) for key in groups}


def _section(data: dict[str, Any]) -> dict[str | None, tuple[int, list[int], int]]:
    return {g["key"]: (g["sdk_retries"], g["sdk_retry_counts"], g["resent_retries"]) for g in data["groups"]}


#: Both ways of reading: every flow of a named client in one pass (a dense capture, as this one is),
#: and a first pass for the spans near transient answers, then the flows within them.
READS = [pytest.param(0.1, id="one pass"), pytest.param(2.0, id="spans, then the flows in them")]


@pytest.mark.parametrize("dense_share", READS)
def test_the_retry_section_of_a_dense_capture_is_the_detectors_over_every_flow(
    dense: Path, dense_share: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(summary, "DENSE_SHARE", dense_share)
    expected = _expected(dense)
    # Not vacuous: the capture has retries of both kinds, in several groups.
    assert sum(v[0] for v in expected.values()) > 100 and sum(v[2] for v in expected.values()) > 100
    assert _section(build_summary([dense])) == expected


@pytest.mark.parametrize("dense_share", READS)
def test_the_same_section_when_the_requests_are_read_one_by_one(
    dense: Path, tmp_path: Path, dense_share: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two databases are staged (selection.py): no request is at hand in the stream, each compared text
    is read from its database, and the section is the same."""
    monkeypatch.setattr(summary, "DENSE_SHARE", dense_share)
    empty = tmp_path / "empty.db"
    open_db(empty).conn.close()
    assert _section(build_summary([dense, empty])) == _expected(dense)
