"""The summary's per-rule tally credits only the rule the answer confirmed (issue #10, precision
pass 2): on a request flagged by two rules, an answer that names one leaves the other *unconfirmed*
(docs/errors.md, the rule of decision), neither a correct prediction nor a false alarm. Real SQLite
file, rows as the writer stores them, real provider bodies (tests/support/answers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.answers import OPENAI_429, OPENAI_ORPHAN
from support.rejections import rejection_row

from toolguard_analysis.summary import build_summary
from toolguard_core.store import FlowRow, open_db, write_rows

ORPHAN_RULE = "sequence.orphan-tool-message"
TOOL_CHOICE_RULE = "tool_choice.without-tools"
#: (rule, location) of the two error findings, as the rules locate them.
FINDINGS = [(ORPHAN_RULE, "messages[2]"), (TOOL_CHOICE_RULE, "tool_choice")]


def _row(flow_id: str, status: int, body: Any | None, verdict: str) -> FlowRow:
    """A stored flow flagged by both rules, with its answer (None: accepted)."""
    return rejection_row(
        flow_id,
        status,
        body,
        FINDINGS,
        verdict,
        host="api.openai.com",
        provider="openai",
        model="gpt-4o-mini",
        datetime_utc=f"2026-11-30T10:00:0{flow_id[-1]}.000Z",
    )


def test_only_the_confirmed_rule_is_credited(tmp_path: Path) -> None:
    db = open_db(tmp_path / "t.db")
    write_rows(
        db,
        [
            # OpenAI's orphan sentence: confirms the orphan rule; the tool_choice finding is unconfirmed.
            _row("f1", 400, OPENAI_ORPHAN, "predicted"),
            _row("f2", 400, OPENAI_ORPHAN, "predicted"),
            # A 429 confirms neither (transient): no rule is credited, none is a false alarm.
            _row("f3", 429, OPENAI_429, "recognised"),
            # Accepted: both findings were wrong for this upstream.
            _row("f4", 200, None, "false_alarm"),
        ],
    )
    db.conn.close()
    rules = {r["rule"]: r for r in build_summary([tmp_path / "t.db"])["rules"]}
    assert rules == {
        ORPHAN_RULE: {
            "rule": ORPHAN_RULE,
            "predicted": 2,
            "false_alarm": 1,
            "false_alarm_flow_ids": ["f4"],
            "precision": round(2 / 3, 4),
            "demoted": [],
        },
        TOOL_CHOICE_RULE: {
            "rule": TOOL_CHOICE_RULE,
            "predicted": 0,
            "false_alarm": 1,
            "false_alarm_flow_ids": ["f4"],
            "precision": 0.0,
            "demoted": [],
        },
    }
