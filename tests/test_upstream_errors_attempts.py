"""The provider that answered, read through every level of a router's answer (session 20, leftovers21).

claude-code-router (CCR 3.x) answers "All target providers failed." and keeps each target's own answer
under ``error.attempts[].details`` (musistudio/claude-code-router#1773: per-attempt ``stage``,
``status``, ``message`` and the upstream's body); when the target is OpenRouter, that body holds the
provider's own error as a string in ``metadata.raw`` and names it in ``metadata.provider_name``. The
innermost error was not read at all (only "All target providers failed."), and the provider OpenRouter
named was parsed but never said. Table-driven over real bodies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolguard_core.upstream_errors import parse_error

CORPUS = Path(__file__).parent / "data" / "corpus" / "failures-a.jsonl"


def _dev_body(row_id: str) -> str:
    """A development row's body (tests/data/corpus): read as recorded."""
    for line in CORPUS.read_text().splitlines():
        row = json.loads(line)
        if row["id"] == row_id:
            assert row["split"] == "dev"
            return row["body"]
    raise AssertionError(row_id)


# OpenRouter's answer when Novita refused a response_format (a public project keeps it as the test of
# its structured-output fallback: the provider's own body as a string in metadata.raw).
OPENROUTER_NOVITA = {
    "error": {
        "message": "Provider returned error",
        "code": 400,
        "metadata": {
            "raw": '{"code":400,"reason":"INVALID_REQUEST_BODY","message":"model: inclusionai/ling-3.0-flash-vl '
            'does not support feature: structured-outputs"}',
            "provider_name": "Novita",
        },
    }
}
# CCR 3.0.22's answer when the Codex backend refused the metadata it injected (the final attempt's
# body under details; musistudio/claude-code-router#1740).
CCR_DETAIL = '{"error":{"message":"All target providers failed.","attempts":[{"status":400,"details":{"detail":"Unsupported parameter: metadata"}}]}}'


def _ccr(details: object, *, before: list[dict[str, object]] | None = None) -> str:
    """CCR's aggregate answer (#1773's per-attempt fields) whose last target answered ``details``."""
    return json.dumps(
        {
            "error": {
                "message": "All target providers failed.",
                "target_providers": ["openrouter"],
                "attempts": [
                    *(before or []),
                    {
                        "provider": "openrouter",
                        "provider_name": "provider-1::openai",
                        "stage": "upstream_response",
                        "message": "Upstream request failed.",
                        "status": 400,
                        "details": details,
                    },
                ],
            }
        }
    )


# (case, body, then: each level's message outermost first, the provider that answered)
CASES = [
    (
        "OpenRouter naming the provider (dev a-0155)",
        _dev_body("a-0155"),
        ["Provider returned error", "Model 'moonshotai/kimi-k2.6' supports at most 1 image per prompt."],
        "Crucible",
    ),
    (
        "OpenRouter via Novita",
        json.dumps(OPENROUTER_NOVITA),
        [
            "Provider returned error",
            "model: inclusionai/ling-3.0-flash-vl does not support feature: structured-outputs",
        ],
        "Novita",
    ),
    (
        "CCR over OpenRouter over Novita: two levels",
        _ccr(OPENROUTER_NOVITA),
        [
            "All target providers failed.",
            "Provider returned error",
            "model: inclusionai/ling-3.0-flash-vl does not support feature: structured-outputs",
        ],
        "Novita",
    ),
    (
        "CCR after a failed fallback: the last attempt's answer",
        _ccr(
            OPENROUTER_NOVITA,
            before=[{"stage": "upstream_response", "status": 429, "message": "upstream rejected"}],
        ),
        [
            "All target providers failed.",
            "Provider returned error",
            "model: inclusionai/ling-3.0-flash-vl does not support feature: structured-outputs",
        ],
        "Novita",
    ),
    ("CCR with the target's FastAPI detail", CCR_DETAIL, ["All target providers failed.", "Unsupported parameter: metadata"], None),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "messages", "provider"), CASES, ids=[c[0] for c in CASES])
def test_the_innermost_error_and_the_provider_that_answered_are_read(
    case: str, body: str, messages: list[str], provider: str | None
) -> None:
    error = parse_error(body, status=400)
    assert [e.message for e in error.chain()] == messages
    assert error.effective_message == messages[-1]
    assert error.answered_by == provider


def test_an_attempt_without_details_is_said_by_its_own_message() -> None:
    # CCR's model resolution failing before any target answered: the attempt's own words.
    body = json.dumps(
        {
            "error": {
                "message": "All target providers failed.",
                "attempts": [{"stage": "model_resolution", "status": 400, "message": "Unknown final model"}],
            }
        }
    )
    error = parse_error(body, status=400)
    assert [e.message for e in error.chain()] == ["All target providers failed.", "Unknown final model"]
    assert error.chain()[1].code == 400


def test_the_provider_that_answered_is_said_in_show_the_summary_and_the_run_report(tmp_path: Path) -> None:
    """The row the writer builds from CCR's answer names Novita (flows.error_provider, the innermost),
    and every place that shows the flow or its group says it, from one wording (visibility)."""
    from click.testing import CliRunner

    from toolguard_analysis.cli import cli
    from toolguard_analysis.render import render_html, render_markdown, render_text
    from toolguard_analysis.run import report
    from toolguard_analysis.summary import build_summary
    from toolguard_core.capture import Capture
    from toolguard_core.store import RunRow, Store

    request = json.dumps(
        {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
    )
    capture = Capture(
        flow_id="ccr00001-0000", started=1000.0, ended=1000.5, method="POST", scheme="http", host="127.0.0.1",
        port=3456, path="/v1/messages", url="http://127.0.0.1:3456/v1/messages", provider="generic",
        model="claude-sonnet-4-5", stream=False, request_headers=((b"user-agent", b"claude-cli/2.1.0"),),
        request_text=None, request_is_json=True, request_bytes=len(request),
        raw_request=(request.encode(), None, 1 << 20), findings=[], secrets=None, verdict="unexplained",
        status=400, response_headers=((b"content-type", b"application/json"),),
        response_body=_ccr(OPENROUTER_NOVITA).encode(), response_content_type="application/json", run_id="run",
    )  # fmt: skip
    db_path = tmp_path / "ccr.db"
    store = Store(db_path)
    store.start()
    store.put(capture)
    store.put(RunRow(id="run", started_utc="2026-12-02T17:00:00.000Z", ended_utc="2026-12-02T17:01:00.000Z",
                     requests_seen=1, validated=1, rejected=1, stored=1))  # fmt: skip
    store.close()
    said = "answered by: Novita (named in the answer)"
    innermost = "model: inclusionai/ling-3.0-flash-vl does not support feature: structured-outputs"
    lines = [line.strip() for line in report(db_path, "run").splitlines()]
    at = lines.index(f"upstream: {innermost}")
    assert lines[at + 1] == said
    shown = CliRunner().invoke(cli, ["show", "--db", str(db_path), "ccr00001"])
    assert shown.exit_code == 0, shown.output
    assert (
        "  provider:   generic, model claude-sonnet-4-5; answered by Novita (named in the answer)"
        in shown.output
    )
    summary = build_summary([db_path])
    [group] = summary["groups"]
    assert group["answered_by"] == ["Novita"]
    assert said in render_text(summary, width=400)
    assert "Answered by: Novita (named in the answer)." in render_markdown(summary)
    assert "<dt>Answered by</dt><dd>Novita (named in the answer)</dd>" in render_html(summary)
