"""The summary computed in the database (issue #12.4): GROUP BYs over the stored grouping columns,
the same answer whichever way the flows are read, bounded lists, and stale rows said out loud."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.test_summary import flow, machine_a, machine_b, write_db
from tests.test_summary_columns import _old_database
from toolguard_analysis import summary as summary_module
from toolguard_analysis.cli import cli
from toolguard_analysis.db import Connection
from toolguard_analysis.render import render_markdown, render_text
from toolguard_analysis.summary import build_summary
from toolguard_core.grouping import summary_version
from toolguard_core.store import FlowRow


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """Everything but the database labels and how the grouping columns were obtained."""
    return {k: v for k, v in data.items() if k not in ("databases", "grouping")}


@pytest.mark.parametrize("with_flows", [False, True])
def test_a_database_written_before_the_columns_summarises_like_a_current_one(
    tmp_path: Path, with_flows: bool
) -> None:
    """Rows of an m006 database are derived on read (through the staging file) into the very summary
    the same rows give when written by this toolguard (queried in place)."""
    rows = machine_a() + machine_b()[1:]
    old = build_summary([_old_database(tmp_path / "old.db", rows)], with_flows=with_flows)
    new = build_summary([write_db(tmp_path / "new.db", rows)], with_flows=with_flows)
    assert comparable(old) == comparable(new)
    assert old["grouping"] == {
        "summary_version": summary_version(),
        "stale_flows": 0,
        "stale_versions": [],
        "ungrouped_flows": 0,
        "derived_on_read": 8,
    }
    assert new["grouping"]["derived_on_read"] == 0


def test_a_database_without_root_causes_gets_them_recognised_on_read(tmp_path: Path) -> None:
    path = _old_database(tmp_path / "m003.db", machine_b(), stop_before="m004_root_causes")
    groups = [
        (g["pattern"], g["cause"], g["explanations"], g["flow_ids"]) for g in build_summary([path])["groups"]
    ]
    got = sorted(groups, key=lambda g: g[3])
    assert got == [
        # a1 predicted, b1 stored unexplained: both get their root cause from the text now; only a1's
        # group is named by the orphan rule, which fired on a1 alone (issue #10).
        ("sequence.orphan-tool-message", "cause.orphan-tool-result", {"predicted": 1}, ["a1"]),
        (None, "cause.orphan-tool-result", {"recognised": 1}, ["b1"]),
        ("sequence.unanswered-tool-call", "cause.missing-tool-result", {"predicted": 1}, ["b2"]),
        (None, None, {"unexplained": 1}, ["b3"]),
    ]


def test_stale_and_ungrouped_rows_are_counted_and_said(tmp_path: Path) -> None:
    path = write_db(tmp_path / "a.db", machine_a())
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE flows SET summary_version = 'n1.d0.old' WHERE id IN ('a1', 'a2')")
        conn.execute("UPDATE flows SET summary_version = NULL, group_key = NULL WHERE id = 'a3'")
    conn.close()
    data = build_summary([path])
    assert data["grouping"] == {
        "summary_version": summary_version(),
        "stale_flows": 2,
        "stale_versions": ["n1.d0.old"],
        "ungrouped_flows": 1,
        "derived_on_read": 0,
    }
    # a3 is a rejection the summary cannot group: left out, and the text says so.
    assert (data["totals"]["flows"], data["totals"]["rejected"]) == (5, 2)
    stale = (
        f"2 flow(s) were grouped by an older normaliser or root-cause catalogue (n1.d0.old; this toolguard: "
        f"{summary_version()}), so their groups may be split or named differently: run toolguard refingerprint"
    )
    ungrouped = (
        "1 flow(s) have no grouping columns (copied in from an older toolguard) and are NOT counted in the "
        "groups below: run toolguard refingerprint"
    )
    lines = render_text(data, width=400).splitlines()
    assert lines[1:6] == [
        "5 stored flows, 2 rejected by the upstream, 1 distinct failure(s)",
        "2 predicted (a rule flagged what the upstream rejected), 0 recognised (no rule credited, the error "
        "text names a known root cause), 0 unexplained",
        # Flows written without a run row (write_rows alone): what was seen is unknown, and said so.
        "toolguard recorded no run here: how many requests it saw is unknown",
        stale,
        ungrouped,
    ]
    assert f"**{stale}.**" in render_markdown(data)
    # After refingerprint nothing is stale and a3 is counted again.
    assert CliRunner().invoke(cli, ["refingerprint", "--db", str(path)]).exit_code == 0
    data = build_summary([path])
    assert (
        data["grouping"]["stale_flows"],
        data["grouping"]["ungrouped_flows"],
        data["totals"]["rejected"],
    ) == (
        0,
        0,
        3,
    )
    assert not [line for line in render_text(data, width=400).splitlines() if "refingerprint" in line]


def test_a_group_lists_its_newest_flows_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary_module, "MAX_GROUP_FLOW_IDS", 2)
    rows = [
        flow(
            f"r{i}",
            f"2026-11-20T10:0{i}:00.000Z",
            host="h",
            status=429,
            error_message="Rate limit",
            verdict="unexplained",
        )
        for i in range(4)
    ]
    (group,) = build_summary([write_db(tmp_path / "r.db", rows)])["groups"]
    assert (
        group["count"],
        group["flow_ids"],
        group["example_flow_ids"],
        group["first_seen"],
        group["last_seen"],
    ) == (
        4,
        ["r2", "r3"],
        ["r3", "r2"],
        "2026-11-20T10:00:00.000Z",
        "2026-11-20T10:03:00.000Z",
    )


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"since": "2026-11-01T00:00:00.000Z", "until": "2026-12-01", "host": "openai", "model": "gpt"},
        {"client": "OpenAI/Python"},
    ],
    ids=["everything", "time-host-model", "client"],
)
def test_every_tally_reads_an_index_not_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filters: dict[str, str]
) -> None:
    """A stored row carries its request body: a GROUP BY that reads rows reads gigabytes on a large
    capture. Every aggregate the summary runs over one database must be answered from an index,
    with every filter too."""
    path = write_db(tmp_path / "a.db", machine_a() + machine_b()[1:])
    seen: list[tuple[str, list[Any]]] = []
    original = Connection.query

    def record(self: Connection, sql: str, args: Any = ()) -> Any:
        seen.append((sql, list(args)))
        return original(self, sql, args)

    monkeypatch.setattr(Connection, "query", record)
    build_summary([path], **filters)
    # (The repairs tally reads the repairs table, one row per repair mode fix, and each one's flow.)
    aggregates = [
        (sql, args)
        for sql, args in seen
        if (" group by " in sql or "min(f.datetime_utc)" in sql) and "from repairs" not in sql
    ]
    # verdicts, span, per-group tallies, per-rule counts, the requests passed through unvalidated, and
    # the unrecognised hosts (grouped by name, so they are ordered numerically by port)
    assert len(aggregates) == 6
    conn = sqlite3.connect(path)
    for sql, args in aggregates:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args)]
        if "x.rule in (" in sql:
            # Driven by the findings' rule index: it reads only the flows that carry a body.* finding.
            assert plan[0].startswith("SEARCH x USING INDEX idx_findings_rule"), (sql, plan)
            continue
        assert any("COVERING INDEX" in step for step in plan), (sql, plan)
        assert not [step for step in plan if step.startswith("SCAN f") and "INDEX" not in step], (sql, plan)
    conn.close()


def test_several_databases_first_one_wins_and_the_client_filter_applies(tmp_path: Path) -> None:
    a = write_db(tmp_path / "a.db", machine_a())
    b = write_db(tmp_path / "b.db", machine_b())
    data = build_summary([a, b], client="qwencode")
    assert sorted(i for g in data["groups"] for i in g["flow_ids"]) == ["a1", "a2", "b2"]
    assert data["totals"]["flows"] == 3
    assert data["grouping"]["derived_on_read"] == 0  # both files carry the columns: copied, not derived


def test_a_row_the_writer_cannot_derive_is_stored_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolguard_core import grouping

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(grouping, "parse_client", broken)
    path = write_db(
        tmp_path / "x.db",
        [FlowRow(id="x", datetime_utc="2026-11-20T10:00:00.000Z", status=400, error_message="bad")],
    )
    data = build_summary([path])
    assert (data["totals"]["flows"], data["totals"]["rejected"], data["grouping"]["ungrouped_flows"]) == (
        1,
        0,
        1,
    )
