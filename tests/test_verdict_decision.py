"""The rule of decision, row by row (toolguard_core.verdict.DECISIONS, docs/errors.md): what a
rejection's answer says about the flow's error findings, from REAL provider bodies (support.answers,
/work/shared/reference/providers.md, and development/probe rows of the labelled corpus; never a
held-out row). Each case asserts the whole outcome: the decision row, the verdict, the root cause and
the rule that names the summary group (``pattern``: only ever a rule that fired on the flow)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.answers import (
    ANTHROPIC_529,
    OLLAMA_MODEL_NOT_FOUND,
    OPENAI_429,
    OPENAI_NOT_JSON,
    OPENAI_ORPHAN,
)
from support.corpus import CORPUS_DIR
from support.rejections import body_bytes, rejection_row

from toolguard_core import grouping
from toolguard_core.causes import recognise_error
from toolguard_core.fingerprint import fingerprint
from toolguard_core.store import FlowRow, open_db, recredit_rows, relabel_rows, write_rows
from toolguard_core.upstream_errors import parse_error
from toolguard_core.verdict import DECISIONS, Answer, judge, rejection_verdict

ORPHAN = "sequence.orphan-tool-message"
DUPLICATE = "sequence.duplicate-tool-response"


def corpus_body(file: str, row_id: str) -> tuple[int, str]:
    """A development or probe row's status and body (the held-out split is never read here)."""
    for line in (CORPUS_DIR / file).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["id"] == row_id:
            assert row["split"] in ("dev", "probe"), row_id
            return row["status"], row["body"]
    raise AssertionError(f"{row_id} not in {file}")


# Gemini's OpenAI-compatible endpoint parses strictly (providers.md "Gemini compat";
# https://github.com/FuzzAnything/PromptFuzz/issues/42).
GEMINI_UNKNOWN_NAME = [
    {
        "error": {
            "code": 400,
            "message": 'Invalid JSON payload received. Unknown name "web_search_options": Cannot find field.',
            "status": "INVALID_ARGUMENT",
        }
    }
]
# OpenAI on a reasoning model (providers.md; https://github.com/griptape-ai/ComfyUI-Griptape/issues/312).
OPENAI_MAX_TOKENS = {
    "error": {
        "message": (
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' "
            "instead."
        ),
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "unsupported_parameter",
    }
}
# OpenAI codex: a reasoning.effort value the model refuses (openai/codex#6647); the catalogue's pattern
# reads the value 'none' where a name would be, so the answer names no request key it can rely on.
_, OPENAI_EFFORT_VALUE = corpus_body("probe-rules-3.jsonl", "probe3-041")
# Mistral's role-order sentence (probe row from a public thread): about the conversation, no key named.
_, MISTRAL_USER_AFTER_TOOL = corpus_body(
    "probe-provider-rules-2.jsonl", "probe2-mistral-user-after-tool-onyx"
)

# (case, status, body, error findings as (rule, location), expected outcome)
CASES: list[tuple[str, int, Any, list[tuple[str, str]], dict[str, Any]]] = [
    (
        "gemini unknown name on a request flagged for an orphan tool message: contradicted",
        400,
        GEMINI_UNKNOWN_NAME,
        [(ORPHAN, "messages[1]")],
        {"decision": "names-another-field", "answer": "contradicts", "verdict": "recognised",
         "cause": "cause.extra-request-field", "pattern": None},
    ),
    (
        "gemini unknown name on the rule that flagged that very field: its own rule",
        400,
        GEMINI_UNKNOWN_NAME,
        [(ORPHAN, "messages[1]"), ("params.unknown", "web_search_options")],
        {"decision": "own-rule", "answer": "confirms", "verdict": "predicted",
         "cause": "cause.extra-request-field", "pattern": "params.unknown"},
    ),
    (
        "gemini unknown name on the learned finding it taught (located at the key): confirmed",
        400,
        GEMINI_UNKNOWN_NAME,
        [(ORPHAN, "messages[1]"), ("learned.field", "web_search_options")],
        {"decision": "names-a-finding", "answer": "confirms", "verdict": "predicted",
         "cause": "cause.extra-request-field", "pattern": "learned.field"},
    ),
    (
        "openai max_tokens refused on a request flagged for an orphan tool message: contradicted",
        400,
        OPENAI_MAX_TOKENS,
        [(ORPHAN, "messages[2]")],
        {"decision": "names-another-field", "answer": "contradicts", "verdict": "recognised",
         "cause": "cause.max-tokens-not-supported", "pattern": None},
    ),
    (
        "openai max_tokens refused on a sibling rule that predicts it: its own rule",
        400,
        OPENAI_MAX_TOKENS,
        [("model.max-tokens-on-reasoning-model", "max_tokens")],
        {"decision": "own-rule", "answer": "confirms", "verdict": "predicted",
         "cause": "cause.max-tokens-not-supported", "pattern": "model.max-tokens-on-reasoning-model"},
    ),
    (
        "openai max_tokens refused on another rule's finding at max_tokens: the answer names that finding",
        400,
        OPENAI_MAX_TOKENS,
        [(ORPHAN, "messages[2]"), ("params.max-tokens-range", "max_tokens")],
        {"decision": "names-a-finding", "answer": "confirms", "verdict": "predicted",
         "cause": "cause.max-tokens-not-supported", "pattern": "params.max-tokens-range"},
    ),
    (
        "openai refused value: names no request key, so it cannot contradict",
        400,
        OPENAI_EFFORT_VALUE,
        [(ORPHAN, "input[1]")],
        {"decision": "unspecific", "answer": "confirms", "verdict": "predicted",
         "cause": "cause.param-value-unsupported", "pattern": ORPHAN},
    ),
    (
        "mistral role-order sentence on another conversation rule: shared sentences cannot refute",
        400,
        MISTRAL_USER_AFTER_TOOL,
        [("quirks.mistral-tool-call-id", "messages[2].tool_call_id")],
        {"decision": "unspecific", "answer": "confirms", "verdict": "predicted",
         "cause": "cause.role-order", "pattern": "quirks.mistral-tool-call-id"},
    ),
    (
        "openai's shared orphan sentence on the orphan rule",
        400,
        OPENAI_ORPHAN,
        [(ORPHAN, "messages[1]")],
        {"decision": "own-rule", "answer": "confirms", "verdict": "predicted",
         "cause": "cause.orphan-tool-result", "pattern": ORPHAN},
    ),
    (
        "openai's shared orphan sentence on the duplicate rule: that rule, not the orphan one",
        400,
        OPENAI_ORPHAN,
        [(DUPLICATE, "messages[3]")],
        {"decision": "own-rule", "answer": "confirms", "verdict": "predicted",
         "cause": "cause.orphan-tool-result", "pattern": DUPLICATE},
    ),
    (
        "openai 429 on a flagged request: unrelated",
        429,
        OPENAI_429,
        [(ORPHAN, "messages[1]")],
        {"decision": "transient", "answer": "unrelated", "verdict": "recognised",
         "cause": "cause.rate-limit", "pattern": None},
    ),
    (
        "anthropic 529 on a flagged request: unrelated",
        529,
        ANTHROPIC_529,
        [(ORPHAN, "messages[1]")],
        {"decision": "transient", "answer": "unrelated", "verdict": "recognised",
         "cause": "cause.overloaded", "pattern": None},
    ),
    (
        "ollama model not found on a content rule: about the target",
        404,
        OLLAMA_MODEL_NOT_FOUND,
        [(ORPHAN, "messages[1]")],
        {"decision": "about-target", "answer": "unrelated", "verdict": "recognised",
         "cause": "cause.model-not-found", "pattern": None},
    ),
    (
        "openai could-not-parse on a content rule: the body was never read",
        400,
        OPENAI_NOT_JSON,
        [(ORPHAN, "messages[1]")],
        {"decision": "unreadable-body", "answer": "unrelated", "verdict": "unexplained",
         "cause": None, "pattern": None},
    ),
    (
        "a bare 500 (llama.cpp answers malformed requests so): the status alone names nothing",
        500,
        b"",
        [(ORPHAN, "messages[1]")],
        {"decision": "unspecific", "answer": "confirms", "verdict": "predicted",
         "cause": "cause.server-error", "pattern": ORPHAN},
    ),
    (
        "gemini unknown name on an unflagged request: recognised, under no rule",
        400,
        GEMINI_UNKNOWN_NAME,
        [],
        {"decision": None, "answer": None, "verdict": "recognised",
         "cause": "cause.extra-request-field", "pattern": None},
    ),
]  # fmt: skip


def _outcome(status: int, body: Any, findings: list[tuple[str, str]]) -> dict[str, Any]:
    error = parse_error(body_bytes(body), status=status, content_type="application/json")
    rules, locations = [r for r, _ in findings], [loc for _, loc in findings]
    recognition = recognise_error(error, finding_rules=rules, status=status)
    cause = recognition.summary() if recognition else None
    text = error.effective_message
    judgement = judge(rules, cause, text, locations=locations)
    return {
        "decision": judgement.decision.id if judgement else None,
        "answer": judgement.answer.value if judgement else None,
        "verdict": rejection_verdict(rules, cause, text, locations=locations).value,
        "cause": recognition.cause_id if recognition else None,
        "pattern": grouping.credited_rule(rules, cause, text, locations=locations),
    }


@pytest.mark.parametrize(("case", "status", "body", "findings", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_row_of_the_rule_of_decision(
    case: str, status: int, body: Any, findings: list[tuple[str, str]], expected: dict[str, Any]
) -> None:
    assert _outcome(status, body, findings) == expected


def test_every_decision_row_has_a_case() -> None:
    """The table is the declaration; a row no real body exercises is a row nobody checked."""
    decided = {expected["decision"] for *_, expected in CASES}
    assert {decision.id for decision in DECISIONS} <= decided
    assert {decision.answer for decision in DECISIONS} == set(Answer)


def test_a_group_rule_is_always_a_rule_that_fired() -> None:
    """Issue #10: a flow never sits under a rule that did not fire on it."""
    for case, status, body, findings, _ in CASES:
        pattern = _outcome(status, body, findings)["pattern"]
        assert pattern is None or pattern in {rule for rule, _ in findings}, case


def _row(flow_id: str, status: int, body: Any, findings: list[tuple[str, str]], verdict: str) -> FlowRow:
    """A stored Gemini rejection (the error and cause columns from the real parser)."""
    return rejection_row(
        flow_id,
        status,
        body,
        findings,
        verdict,
        host="generativelanguage.googleapis.com",
        provider="gemini",
        model="gemini-2.5-flash",
    )


def test_stored_rows_group_by_root_cause_and_the_credited_rule(tmp_path: Path) -> None:
    """Whole rows: the contradicted flow is grouped under its root cause with no rule, apart from the
    flow whose own rule predicted the same cause; the verdict column and `explanation` agree."""
    db = open_db(tmp_path / "t.db")
    write_rows(
        db,
        [
            _row("g-orphan", 400, GEMINI_UNKNOWN_NAME, [(ORPHAN, "messages[1]")], "recognised"),
            _row(
                "g-unknown", 400, GEMINI_UNKNOWN_NAME, [("params.unknown", "web_search_options")], "predicted"
            ),
        ],
    )
    columns = ["id", "verdict", *grouping.COLUMNS]
    rows = {r["id"]: r for r in db.query(f"select {', '.join(columns)} from flows order by id")}
    fp = fingerprint(GEMINI_UNKNOWN_NAME[0]["error"]["message"])
    version = grouping.summary_version()
    assert rows == {
        "g-orphan": {
            "id": "g-orphan", "verdict": "recognised", "client_name": "(no user-agent)", "error_rules": ORPHAN,
            "fingerprint": fp, "pattern": None, "explanation": "recognised",
            "group_key": grouping.group_key("cause.extra-request-field", None, fp), "summary_version": version,
        },
        "g-unknown": {
            "id": "g-unknown", "verdict": "predicted", "client_name": "(no user-agent)",
            "error_rules": "params.unknown", "fingerprint": fp, "pattern": "params.unknown",
            "explanation": "predicted",
            "group_key": grouping.group_key("cause.extra-request-field", "params.unknown", fp),
            "summary_version": version,
        },
    }  # fmt: skip


def test_stored_predicted_rows_are_decided_again_with_their_locations(tmp_path: Path) -> None:
    """A database written before the locations took part stored the contradicted flow as `predicted`:
    the migration's pass (recredit_rows) and `toolguard reexplain` (relabel_rows) decide it again."""
    db = open_db(tmp_path / "t.db")
    write_rows(
        db,
        [
            _row("g-orphan", 400, GEMINI_UNKNOWN_NAME, [(ORPHAN, "messages[1]")], "predicted"),
            _row("o-orphan", 400, OPENAI_ORPHAN, [(ORPHAN, "messages[1]")], "predicted"),
        ],
    )
    assert recredit_rows(db) == 1
    assert [(r["id"], r["verdict"]) for r in db.query("select id, verdict from flows order by id")] == [
        ("g-orphan", "recognised"),
        ("o-orphan", "predicted"),
    ]
    db.execute("update flow_rows set verdict = 'predicted'")
    assert relabel_rows(db) == 1
    assert [(r["id"], r["verdict"]) for r in db.query("select id, verdict from flows order by id")] == [
        ("g-orphan", "recognised"),
        ("o-orphan", "predicted"),
    ]


def test_the_migration_decides_an_older_databases_rows_again(tmp_path: Path) -> None:
    """A file written before m011_precise_verdicts holds the contradicted flow as `predicted`, grouped
    under the orphan rule (d3): opening it decides the verdict and the summary columns again."""
    path = tmp_path / "old.db"
    db = open_db(path)
    write_rows(db, [_row("g-orphan", 400, GEMINI_UNKNOWN_NAME, [(ORPHAN, "messages[1]")], "predicted")])
    db.execute(
        "update flow_rows set explanation = 'predicted', pattern = ?, summary_version = 'n2.d3.older'",
        [ORPHAN],
    )
    db.execute("delete from _sqlite_migrations where name = 'm011_precise_verdicts'")
    db.conn.commit()
    db.close()
    fp = fingerprint(GEMINI_UNKNOWN_NAME[0]["error"]["message"])
    reopened = open_db(path)
    assert [
        tuple(r.values())
        for r in reopened.query(
            "select id, verdict, explanation, pattern, group_key, summary_version from flows"
        )
    ] == [
        (
            "g-orphan",
            "recognised",
            "recognised",
            None,
            grouping.group_key("cause.extra-request-field", None, fp),
            grouping.summary_version(),
        )
    ]


def test_the_summary_and_show_say_which_findings_the_answer_did_not_confirm(tmp_path: Path) -> None:
    """Every format names the contradicted group's unconfirmed findings in the same words; the flow whose
    own rule predicted the cause is its own group, with none; `show` says it for the flow."""
    from click.testing import CliRunner

    from toolguard_analysis.cli import cli
    from toolguard_analysis.summary import build_summary
    from toolguard_core.verdict import UNCONFIRMED_WORDS

    path = tmp_path / "t.db"
    db = open_db(path)
    write_rows(
        db,
        [
            _row("g-orphan-1", 400, GEMINI_UNKNOWN_NAME, [(ORPHAN, "messages[1]")], "recognised"),
            _row("g-orphan-2", 400, GEMINI_UNKNOWN_NAME, [(ORPHAN, "messages[3]")], "recognised"),
            _row(
                "g-unknown", 400, GEMINI_UNKNOWN_NAME, [("params.unknown", "web_search_options")], "predicted"
            ),
        ],
    )
    db.close()
    groups = [
        (g["pattern"], g["cause"], g["explanations"], sorted(g["flow_ids"]), g["unconfirmed"])
        for g in build_summary([path])["groups"]
    ]
    assert groups == [
        (None, "cause.extra-request-field", {"recognised": 2}, ["g-orphan-1", "g-orphan-2"],
         [{"rule": ORPHAN, "count": 2}]),
        ("params.unknown", "cause.extra-request-field", {"predicted": 1}, ["g-unknown"], []),
    ]  # fmt: skip
    line = f"{ORPHAN} (2 flows) {UNCONFIRMED_WORDS}"

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, [*args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    assert f"findings: {line}" in run("summary", "--db", str(path))
    assert f"Findings: {line}" in run("summary", "--db", str(path), "--format", "markdown")
    assert f"<dt>Findings</dt><dd>{line}</dd>" in run("summary", "--db", str(path), "--format", "html")
    assert f"findings: {ORPHAN} {UNCONFIRMED_WORDS}" in run("show", "--db", str(path), "g-orphan-1")
    assert UNCONFIRMED_WORDS not in run("show", "--db", str(path), "g-unknown")


def test_a_contradicted_finding_is_counted_neither_as_confirmed_nor_as_a_false_alarm(tmp_path: Path) -> None:
    """The counters: the summary's per-rule tallies, rule_calibration (accepted requests) and the
    learned constraints. The contradicted orphan finding is in none of the rule tallies; the parameter
    the answer named is learned for that host and model, as for any recognised rejection."""
    from toolguard_analysis.summary import build_summary

    path = tmp_path / "t.db"
    db = open_db(path)
    write_rows(
        db,
        [
            _row("g-orphan", 400, GEMINI_UNKNOWN_NAME, [(ORPHAN, "messages[1]")], "recognised"),
            _row("o-orphan", 400, OPENAI_ORPHAN, [(ORPHAN, "messages[1]")], "predicted"),
        ],
        demote_after=1,
    )
    assert [
        (r["host"], r["model"], r["kind"], r["name"], r["first_flow"])
        for r in db.query("select * from learned order by first_flow")
    ] == [
        ("generativelanguage.googleapis.com", "gemini-2.5-flash", "field", "web_search_options", "g-orphan")
    ]
    assert list(db.query("select * from rule_calibration")) == []
    db.close()
    rules = {r["rule"]: (r["predicted"], r["false_alarm"]) for r in build_summary([path])["rules"]}
    assert rules == {ORPHAN: (1, 0)}  # o-orphan only


def test_the_run_report_says_which_findings_the_answer_did_not_confirm(tmp_path: Path) -> None:
    """`toolguard run`'s report, in the words show and the summary use."""
    from toolguard_analysis.run import report
    from toolguard_core.store import RunRow, write_run
    from toolguard_core.verdict import UNCONFIRMED_WORDS

    path = tmp_path / "r.db"
    db = open_db(path)
    counts = {
        "requests_seen": 2,
        "validated": 2,
        "with_findings": 2,
        "rejected": 2,
        "no_answer": 0,
        "stored": 2,
    }
    write_run(db, RunRow(id="run", started_utc="2026-11-30T10:00:00.000Z", **counts))
    rows = [
        _row("g-orphan", 400, GEMINI_UNKNOWN_NAME, [(ORPHAN, "messages[1]")], "recognised"),
        _row("o-orphan", 400, OPENAI_ORPHAN, [(ORPHAN, "messages[1]")], "predicted"),
    ]
    for row in rows:
        row.run_id, row.method, row.path = "run", "POST", "/v1beta/openai/chat/completions"
    write_rows(db, rows)
    db.close()
    lines = report(path, "run").splitlines()
    assert [line.strip() for line in lines if "not confirmed by this answer" in line] == [
        f"findings: {ORPHAN} {UNCONFIRMED_WORDS}"
    ]
