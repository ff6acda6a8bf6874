"""The summary's per-rule tally credits only the rule the answer confirmed (issue #10, precision
pass 2): on a request flagged by two rules, an answer that names one leaves the other *unconfirmed*
(docs/errors.md, the rule of decision), neither a correct prediction nor a false alarm. Real SQLite
file, rows as the writer stores them, real provider bodies (tests/support/answers.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.answers import OPENAI_429, OPENAI_ORPHAN

from toolguard_analysis.summary import build_summary
from toolguard_core.causes import recognise_error
from toolguard_core.store import FindingRow, FlowRow, open_db, write_rows
from toolguard_core.upstream_errors import parse_error

ORPHAN_RULE = "sequence.orphan-tool-message"
TOOL_CHOICE_RULE = "tool_choice.without-tools"
#: (rule, location) of the two error findings, as the rules locate them.
FINDINGS = [(ORPHAN_RULE, "messages[2]"), (TOOL_CHOICE_RULE, "tool_choice")]


def _row(flow_id: str, status: int, body: Any | None, verdict: str) -> FlowRow:
    """A stored flow flagged by both rules, with its answer (None: accepted)."""
    error = recognition = None
    if body is not None:
        error = parse_error(json.dumps(body).encode(), status=status, content_type="application/json")
        recognition = recognise_error(error, finding_rules=[r for r, _ in FINDINGS], status=status)
    return FlowRow(
        id=flow_id,
        datetime_utc=f"2026-11-30T10:00:0{flow_id[-1]}.000Z",
        host="api.openai.com",
        provider="openai",
        model="gpt-4o-mini",
        status=status,
        verdict=verdict,
        error_message=error.message if error else None,
        error_type=error.type if error else None,
        error_json=json.dumps(error.summary()) if error else None,
        cause_id=recognition.cause_id if recognition else None,
        cause_json=json.dumps(recognition.summary(), sort_keys=True) if recognition else None,
        finding_count=len(FINDINGS),
        error_finding_count=len(FINDINGS),
        findings=[
            FindingRow(idx=i, rule=rule, severity="error", location=location, message="m")
            for i, (rule, location) in enumerate(FINDINGS)
        ],
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
