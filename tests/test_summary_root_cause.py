"""Issue #10: the summary groups a rejection by its root cause and the rule credited with it in that
flow, never under a rule that did not fire on it. A flagged and an unflagged context overflow are one
root cause in two groups: the flagged one under ``model.context-window-exceeded`` (``predicted``), the
unflagged ones under the root cause alone (``recognised``), so no group mixes the two words. The rule
that would have predicted a cause is still derived (:func:`toolguard_core.patterns.predicting_rule`)
for ``toolguard run``'s and ``toolguard show``'s "known failure" hint."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_summary import flow, write_db
from toolguard_analysis.cli import cli
from toolguard_analysis.summary import build_summary
from toolguard_core.causes import recognise_error
from toolguard_core.patterns import predicting_rule
from toolguard_core.store import FindingRow, FlowRow
from toolguard_core.upstream_errors import parse_error

RULE = "model.context-window-exceeded"
CAUSE = "cause.context-length-exceeded"
# Anthropic's answer to a conversation over the window (docs/errors.md; the cause's wording) and
# OpenAI's (a text model.context-window-exceeded itself predicts).
ANTHROPIC = json.dumps(
    {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "prompt is too long: 215432 tokens > 200000 maximum",
        },
    }
)
OPENAI = json.dumps(
    {
        "error": {
            "message": "This model's maximum context length is 128000 tokens. However, your messages resulted in "
            "204308 tokens. Please reduce the length of the messages.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }
)


def _row(id: str, body: str, *, flagged: bool) -> FlowRow:
    error = parse_error(body, status=400)
    found = recognise_error(error, status=400, finding_rules=(RULE,) if flagged else ())
    assert found is not None and found.cause_id == CAUSE
    finding = FindingRow(idx=0, rule=RULE, severity="error", location="messages", message="over the window")
    return flow(
        id,
        "2026-11-20T10:00:00.000Z",
        host="api.anthropic.com",
        path="/v1/messages",
        status=400,
        error_message=error.message,
        error_json=json.dumps(error.summary()),
        cause_json=json.dumps(found.summary()),
        cause_id=CAUSE,
        verdict="predicted" if flagged else "recognised",
        finding_count=int(flagged),
        error_finding_count=int(flagged),
        findings=[finding] if flagged else [],
    )


def test_the_rule_that_predicts_a_cause_is_derived_from_the_rules_wordings() -> None:
    orphan = {"cause": "cause.orphan-tool-result", "rule": "sequence.orphan-tool-message"}
    assert [
        predicting_rule({"cause": CAUSE, "rule": None}, "chat"),
        predicting_rule(orphan, "chat"),
        # Several rules predict it: no single rule names it.
        predicting_rule({"cause": "cause.param-value-unsupported", "rule": None}, "chat"),
        predicting_rule(None, "chat"),
        # Session 13: the rule of the flow's own API (the catalogue's Cause.api_rules), or none there.
        predicting_rule(orphan, "messages"),
        predicting_rule(orphan, "gemini"),
        predicting_rule({"cause": CAUSE, "rule": None}, "converse"),
    ] == [RULE, "sequence.orphan-tool-message", None, None, "anthropic.orphan-tool-result", None, None]


def test_a_flagged_and_an_unflagged_context_overflow_are_two_groups_of_one_cause(tmp_path: Path) -> None:
    db = write_db(
        tmp_path / "ctx.db",
        [
            _row("p1", ANTHROPIC, flagged=True),
            _row("r1", ANTHROPIC, flagged=False),
            _row("r2", OPENAI, flagged=False),
        ],
    )
    summary = build_summary([db])
    groups = sorted(
        ((g["pattern"], g["cause"], g["explanations"], sorted(g["flow_ids"])) for g in summary["groups"]),
        key=lambda g: g[3],
    )
    assert groups == [
        (RULE, CAUSE, {"predicted": 1}, ["p1"]),
        (None, CAUSE, {"recognised": 1}, ["r1"]),
        (None, CAUSE, {"recognised": 1}, ["r2"]),
    ]

    # Every rendering names the flagged group by its rule and every group by its root cause.
    def render(fmt: str) -> str:
        args = ["summary", "--db", str(db), "--format", fmt]
        return CliRunner().invoke(cli, args, catch_exceptions=False).output

    markdown = [line for line in render("markdown").splitlines() if line.startswith("| 1 |")]
    assert sorted(line.split(" | ")[1:4] for line in markdown) == [
        ["-", CAUSE, "recognised 1"],
        ["-", CAUSE, "recognised 1"],
        [RULE, CAUSE, "predicted 1"],
    ]
    for fmt in ("text", "html"):
        output = render(fmt)
        assert output.count(CAUSE) >= 3 and RULE in output, fmt


# Anthropic's overload answer, as Claude Code got it mid-run (https://docs.anthropic.com/en/api/errors).
OVERLOADED = json.dumps({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
# DashScope's answer to a wrong key (https://github.com/dinoanderson/qwen_cli_coder/issues/1) and its
# content inspection's (https://github.com/QwenLM/qwen-code/issues/2905), as the catalogue quotes them.
DASHSCOPE_BAD_KEY = json.dumps({"code": "InvalidApiKey", "message": "Invalid API-key provided."})
DASHSCOPE_INSPECTION = json.dumps(
    {
        "code": "DataInspectionFailed",
        "message": "<400> InternalError.Algo.DataInspectionFailed: Input text data may contain inappropriate content.",
    }
)


@pytest.mark.parametrize(
    ("body", "status", "provider", "host", "cause_id"),
    [
        (OVERLOADED, 529, "anthropic", "api.anthropic.com", "cause.overloaded"),
        # Said "(transient: the request is not at fault; retry later)" after a wrong key (a new user's
        # trial, session 15): retrying later never fixes a key, nor a refused prompt; the words say
        # only what all the catalogue's transient causes share, and the fix beside them says what to do.
        (DASHSCOPE_BAD_KEY, 401, "dashscope", "dashscope.aliyuncs.com", "cause.auth"),
        (DASHSCOPE_INSPECTION, 400, "dashscope", "dashscope.aliyuncs.com", "cause.moderation"),
    ],
)
def test_a_transient_root_cause_says_it_is_not_about_the_request_in_every_format(
    tmp_path: Path, body: str, status: int, provider: str, host: str, cause_id: str
) -> None:
    # A 529 counted among the upstream's rejections with nothing saying it was transient (walkthrough6).
    error = parse_error(body, status=status)
    found = recognise_error(error, status=status, provider=provider)
    assert found is not None and (found.cause_id, found.cause.transient) == (cause_id, True)
    row = flow(
        "o1",
        "2026-11-20T10:00:00.000Z",
        host=host,
        path="/v1/messages",
        status=status,
        error_message=error.message,
        error_json=json.dumps(error.summary()),
        cause_json=json.dumps(found.summary()),
        cause_id=found.cause_id,
        verdict="recognised",
    )
    db = write_db(tmp_path / "transient.db", [row, _row("r1", ANTHROPIC, flagged=False)])
    transient = {g["cause"]: g["transient"] for g in build_summary([db])["groups"]}
    assert transient == {cause_id: True, CAUSE: False}

    def render(fmt: str) -> str:
        args = ["summary", "--db", str(db), "--format", fmt]
        return CliRunner().invoke(cli, args, catch_exceptions=False).output

    for fmt in ("text", "markdown", "html"):
        output = render(fmt)
        words = "not about the request's shape: no rule can predict it; see the fix"
        words = html.escape(words) if fmt == "html" else words
        assert (output.count(words), "retry later)" in output, "is not at fault" in output) == (
            1,
            False,
            False,
        ), fmt


# OpenAI's rate limit (tests/data/corpus/probe-causes.jsonl, probe-b016), in its JSON body.
RATE_LIMIT = json.dumps(
    {
        "error": {
            "message": "Rate limit reached for default-global-with-image-limits in organization org-Yu8pTMWbwQ0jvtsUA1H1py29 "
            "on requests per min. Limit: 60.000000 / min. Current: 70.000000 / min.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
)


def test_an_info_note_is_not_where_a_groups_excerpt_points(tmp_path: Path) -> None:
    # A new user's trial (session 15): a 429 behind an unknown host carried only the model.rules-skipped
    # note ("at model"); the group's excerpt was headed "excerpt (model)" with its arrow on a message.
    error = parse_error(RATE_LIMIT, status=429)
    found = recognise_error(error, status=429, provider="generic")
    assert found is not None and found.cause_id == "cause.rate-limit"
    note = FindingRow(
        idx=0, rule="model.rules-skipped", severity="info", location="model", message="model rules skipped"
    )
    row = flow(
        "r429",
        "2026-11-20T10:00:00.000Z",
        host="127.0.0.1",
        status=429,
        error_message=error.message,
        error_json=json.dumps(error.summary()),
        cause_json=json.dumps(found.summary()),
        cause_id=found.cause_id,
        verdict="recognised",
        request_json=json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}),
        findings=[note],
    )
    db = write_db(tmp_path / "r.db", [row])
    [group] = build_summary([db])["groups"]
    assert group["excerpt"] == {
        "flow_id": "r429",
        "location": None,
        "focus": 0,
        "messages_total": 1,
        "messages": [{"index": 0, "role": "user", "content": "hi"}],
    }
    text = CliRunner().invoke(cli, ["summary", "--db", str(db)], catch_exceptions=False).output
    assert "excerpt (end of messages):" in text and "excerpt (model)" not in text
