"""The rule of decision for a rejection, from both sides (toolguard_core.verdict.rejection_verdict):
a flagged request the upstream rejects for an unrelated reason (a rate limit, credentials, an
overload, a body it could not parse) is not ``predicted``; the verdict column, the summary's
``explanation``/``pattern`` columns and ``toolguard reexplain`` agree. Real provider bodies only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.answers import (
    ANTHROPIC_529,
    OLLAMA_MODEL_NOT_FOUND,
    OPENAI_401,
    OPENAI_429,
    OPENAI_NOT_JSON,
    OPENAI_ORPHAN,
)
from support.rejections import body_bytes, rejection_row

from toolguard_core import grouping
from toolguard_core.causes import recognise_error
from toolguard_core.fingerprint import fingerprint
from toolguard_core.store import FlowRow, open_db, recredit_rows, relabel_rows, write_rows
from toolguard_core.upstream_errors import parse_error
from toolguard_core.verdict import explained, rejection_verdict, unrelated_answer

ORPHAN_RULE = "sequence.orphan-tool-message"

# (case, status, body, error rules, verdict, root cause)
CASES: list[tuple[str, int, Any, list[str], str, str | None]] = [
    ("openai 429 on a flagged request", 429, OPENAI_429, [ORPHAN_RULE], "recognised", "cause.rate-limit"),
    (
        "anthropic 529 on a flagged request",
        529,
        ANTHROPIC_529,
        [ORPHAN_RULE],
        "recognised",
        "cause.overloaded",
    ),
    ("openai 401 on a flagged request", 401, OPENAI_401, [ORPHAN_RULE], "recognised", "cause.auth"),
    # The upstream never read the fields the rule checked: not credited, and no cause names it.
    ("openai could-not-parse on a flagged request", 400, OPENAI_NOT_JSON, [ORPHAN_RULE], "unexplained", None),
    # ... unless the body rule itself fired: then it predicted exactly this.
    ("openai could-not-parse on body.not-json", 400, OPENAI_NOT_JSON, ["body.not-json"], "predicted", None),
    (
        "openai orphan sentence on the orphan rule",
        400,
        OPENAI_ORPHAN,
        [ORPHAN_RULE],
        "predicted",
        "cause.orphan-tool-result",
    ),
    # A bare 500 names nothing: llama.cpp answers malformed requests with 500 (providers.md).
    ("bare 500 on a flagged request", 500, b"", [ORPHAN_RULE], "predicted", "cause.server-error"),
    # An answer about the target (which model) says nothing about the request's content ...
    (
        "ollama model-not-found on the orphan rule",
        404,
        OLLAMA_MODEL_NOT_FOUND,
        [ORPHAN_RULE],
        "recognised",
        "cause.model-not-found",
    ),
    # ... but may be what a rule about the model predicted.
    (
        "ollama model-not-found on a model rule",
        404,
        OLLAMA_MODEL_NOT_FOUND,
        ["model_id.vendor-prefix"],
        "predicted",
        "cause.model-not-found",
    ),
    # An api-version too old is answered as a version the resource does not serve: the rule about the
    # api-version predicted it (langchain4j/langchain4j#2636).
    (
        "azure api-version answer on the api-version rule",
        400,
        {
            "error": {
                "code": "BadRequest",
                "message": "Model o1 is enabled only for api versions 2024-12-01-preview and later",
            }
        },
        ["params.azure-api-version-too-old"],
        "predicted",
        "cause.wrong-endpoint",
    ),
    # Unflagged requests: as before.
    ("openai 429 on an unflagged request", 429, OPENAI_429, [], "recognised", "cause.rate-limit"),
    ("openai could-not-parse on an unflagged request", 400, OPENAI_NOT_JSON, [], "unexplained", None),
]


@pytest.mark.parametrize(
    ("case", "status", "body", "rules", "expected", "cause_id"), CASES, ids=[c[0] for c in CASES]
)
def test_the_verdict_is_decided_from_both_sides(
    case: str, status: int, body: Any, rules: list[str], expected: str, cause_id: str | None
) -> None:
    error = parse_error(body_bytes(body), status=status, content_type="application/json")
    recognition = recognise_error(error, finding_rules=rules, status=status)
    assert (recognition.cause_id if recognition else None) == cause_id
    start = "predicted" if rules else "unexplained"  # what verdict() says before the answer is read
    assert explained(start, recognition, error_rules=rules, text=error.effective_message) == expected
    cause = recognition.summary() if recognition else None
    assert rejection_verdict(rules, cause, error.effective_message) == expected
    if rules:  # the answer neither confirms nor refutes the findings exactly when they are not credited
        assert (unrelated_answer(rules, cause, error.effective_message) is None) == (expected == "predicted")


def test_other_verdicts_are_left_alone() -> None:
    error = parse_error(body_bytes(OPENAI_429), status=429, content_type="application/json")
    recognition = recognise_error(error, status=429)
    for verdict in ("false_alarm", "accepted", "no_answer", "blocked", "repaired", "repair_failed", None):
        assert (
            explained(verdict, recognition, error_rules=[ORPHAN_RULE], text=error.effective_message)
            == verdict
        )


def _row(flow_id: str, status: int, body: Any, rules: list[str], verdict: str) -> FlowRow:
    """A stored OpenAI rejection whose request drew ``rules`` (each at messages[1])."""
    findings = [(rule, "messages[1]") for rule in rules]
    return rejection_row(
        flow_id,
        status,
        body,
        findings,
        verdict,
        host="api.openai.com",
        provider="openai",
        model="gpt-4o-mini",
    )


def test_the_summary_columns_agree_with_the_verdict(tmp_path: Path) -> None:
    """Whole rows: a 429 on a flagged request is grouped under its root cause, not the rule."""
    db = open_db(tmp_path / "t.db")
    write_rows(
        db,
        [
            _row("f-429", 429, OPENAI_429, [ORPHAN_RULE], "recognised"),
            _row("f-orphan", 400, OPENAI_ORPHAN, [ORPHAN_RULE], "predicted"),
        ],
    )
    columns = ["id", "verdict", *grouping.COLUMNS]
    rows = {r["id"]: r for r in db.query(f"select {', '.join(columns)} from flows order by id")}
    version = grouping.summary_version()
    rate_fp = fingerprint(OPENAI_429["error"]["message"])
    orphan_fp = fingerprint(OPENAI_ORPHAN["error"]["message"])
    assert rows["f-429"] == {
        "id": "f-429",
        "verdict": "recognised",
        "client_name": "(no user-agent)",
        "error_rules": ORPHAN_RULE,
        "fingerprint": rate_fp,
        "pattern": None,  # the rule is not credited with a rate limit
        "explanation": "recognised",
        "group_key": grouping.group_key("cause.rate-limit", None, rate_fp),
        "summary_version": version,
    }
    assert rows["f-orphan"] == {
        "id": "f-orphan",
        "verdict": "predicted",
        "client_name": "(no user-agent)",
        "error_rules": ORPHAN_RULE,
        "fingerprint": orphan_fp,
        "pattern": ORPHAN_RULE,
        "explanation": "predicted",
        "group_key": grouping.group_key("cause.orphan-tool-result", ORPHAN_RULE, orphan_fp),
        "summary_version": version,
    }


def test_stored_predicted_rows_are_decided_again(tmp_path: Path) -> None:
    """A database written before the two-sided decision: m009 (recredit_rows) and `toolguard
    reexplain` (relabel_rows) turn its flagged 429 from `predicted` into `recognised`."""
    db = open_db(tmp_path / "t.db")
    write_rows(
        db,
        [
            _row("f-429", 429, OPENAI_429, [ORPHAN_RULE], "predicted"),  # as an older toolguard stored it
            _row("f-529", 529, ANTHROPIC_529, [ORPHAN_RULE], "predicted"),
            _row("f-orphan", 400, OPENAI_ORPHAN, [ORPHAN_RULE], "predicted"),
        ],
    )
    assert recredit_rows(db) == 2
    assert [(r["id"], r["verdict"]) for r in db.query("select id, verdict from flows order by id")] == [
        ("f-429", "recognised"),
        ("f-529", "recognised"),
        ("f-orphan", "predicted"),
    ]
    db.execute("update flow_rows set verdict = 'predicted'")
    assert relabel_rows(db) == 2
    assert [r["verdict"] for r in db.query("select verdict from flows order by id")] == [
        "recognised",
        "recognised",
        "predicted",
    ]


def test_an_error_text_that_cannot_be_fingerprinted_is_no_crash() -> None:
    """A lone surrogate in the upstream's message (tests/test_fuzz.py's body): the decision still stands."""
    assert rejection_verdict([ORPHAN_RULE], None, "bad \ud800") == "predicted"
    assert unrelated_answer([ORPHAN_RULE], None, "bad \ud800") is None


def test_merge_decides_an_older_inputs_verdicts_again(tmp_path: Path) -> None:
    """`toolguard merge` copies rows verbatim; an input written before the two-sided decision has its
    flagged 429 stored as `predicted`, and the merged file says `recognised`, grouped by its cause."""
    from toolguard_analysis.merge import merge

    old = tmp_path / "old.db"
    db = open_db(old)
    write_rows(db, [_row("f-429", 429, OPENAI_429, [ORPHAN_RULE], "predicted")])
    db.execute("update flow_rows set summary_version = 'n2.d1.older', explanation = 'predicted'")
    db.close()
    out = tmp_path / "merged.db"
    merge(out, [old])
    merged = open_db(out)
    assert [(r["verdict"], r["explanation"], r["pattern"]) for r in merged.query("select * from flows")] == [
        ("recognised", "recognised", None)
    ]
