"""``toolguard summary`` says what ``toolguard run``'s report says of the same run (session 20,
leftovers21): the requests that were not API calls toolguard validates (``runs.ignored_requests``,
``ignored_paths``, m017), and that a group's "3×" is one call the client's SDK sent three times
(``x-stainless-retry-count``), each from the one declared sentence (toolguard_core.visibility)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from click.testing import CliRunner

from tests.test_summary import flow, write_db
from toolguard_analysis.cli import cli
from toolguard_analysis.render import render_html, render_markdown, render_text
from toolguard_analysis.run import report
from toolguard_analysis.summary import build_summary
from toolguard_core.causes import recognise_error
from toolguard_core.store import RunRow, open_db, write_run
from toolguard_core.upstream_errors import parse_error

#: OpenAI's 500 body (its server_error; tests/support/upstream.py sends the same text).
OPENAI_500 = json.dumps(
    {
        "error": {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
)

IGNORED = (
    "3 requests were not API calls toolguard validates (GET api.openai.com/v1/models (2), "
    "GET 127.0.0.1:11434/api/tags (1)): passed through, nothing in them was checked; toolguard validates "
    "POSTs to the chat endpoints' paths (toolguard_paths) on the hosts toolguard_hosts lets through"
)
RETRIES = (
    "2 of these 3 flows are the client's own retries (x-stainless-retry-count 1, 2): its SDK resent a failed "
    "call (max_retries), the app did not call again"
)


def _headers(retry: int | None) -> str:
    """A stored request's headers as the writer keeps them (authorization redacted)."""
    sent = {"authorization": "[REDACTED]", "user-agent": "OpenAI/Python 2.8.1", "x-stainless-lang": "python"}
    return json.dumps(sent | ({"x-stainless-retry-count": str(retry)} if retry is not None else {}))


def _rejected(flow_id: str, second: int, retry: int | None, run_id: str = "r1"):
    error = parse_error(OPENAI_500, status=500)
    found = recognise_error(error, status=500)
    assert found is not None
    return flow(
        flow_id, f"2026-11-30T09:00:{second:02}.000Z", run_id=run_id, host="api.openai.com",
        provider="openai", model="gpt-4o", status=500, verdict="recognised", error_message=error.message,
        error_json=json.dumps(error.summary()), cause_json=json.dumps(found.summary()), cause_id=found.cause_id,
        request_headers_json=_headers(retry), client_name="openai-python",
    )  # fmt: skip


def _database(path: Path) -> Path:
    # One call the openai SDK tried three times (max_retries=2: tries 0, 1, 2), and one other call
    # answered 500 once by a client that does not say (no header): no retry line for it.
    write_db(
        path,
        [
            _rejected("aaaaaaaa-0001", 1, 0),
            _rejected("bbbbbbbb-0002", 2, 1),
            _rejected("cccccccc-0003", 3, 2),
        ],
    )
    db = open_db(path)
    write_run(
        db,
        RunRow(id="r1", started_utc="2026-11-30T09:00:00.000Z", ended_utc="2026-11-30T09:10:00.000Z",
               requests_seen=5, validated=3, rejected=3, stored=3, ignored_requests=2,
               ignored_paths='{"GET api.openai.com/v1/models": 2}'),
    )  # fmt: skip
    write_run(
        db,
        RunRow(id="r2", started_utc="2026-11-30T10:00:00.000Z", ended_utc="2026-11-30T10:05:00.000Z",
               requests_seen=1, validated=0, ignored_requests=1, ignored_paths='{"GET 127.0.0.1:11434/api/tags": 1}'),
    )  # fmt: skip
    db.close()
    return path


def test_the_requests_that_were_no_api_call_are_said_as_the_run_report_says_them(tmp_path: Path) -> None:
    path = _database(tmp_path / "ignored.db")
    data = build_summary([path])
    seen = data["seen"]
    assert (seen["ignored_requests"], seen["ignored_paths"]) == (
        3,
        {"GET api.openai.com/v1/models": 2, "GET 127.0.0.1:11434/api/tags": 1},
    )
    assert seen["notes"] == ["toolguard saw 6 requests (3 checked) in 2 run(s)", IGNORED]
    # The run report says the same sentence of its own run (one wording).
    assert "  2 requests were not API calls toolguard validates (GET api.openai.com/v1/models (2))" in report(
        path, "r1"
    )
    assert render_text(data, width=800).count(IGNORED) == 1
    assert f"{IGNORED}.\n" in render_markdown(data)
    assert f'<p class="seen-note">{IGNORED}.</p>' in html.unescape(render_html(data))
    result = CliRunner().invoke(cli, ["summary", "--db", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["seen"] == seen
    # --host keeps the paths of that upstream only.
    local = build_summary([path], host="127.0.0.1")["seen"]
    assert (local["ignored_requests"], local["ignored_paths"]) == (1, {"GET 127.0.0.1:11434/api/tags": 1})
    assert (
        "1 request was not an API call toolguard validates (GET 127.0.0.1:11434/api/tags (1)): passed through, "
        "nothing in it was checked; toolguard validates POSTs to the chat endpoints' paths (toolguard_paths) "
        "on the hosts toolguard_hosts lets through"
    ) in local["notes"]


def test_a_group_of_one_call_the_sdk_retried_says_so_in_every_format(tmp_path: Path) -> None:
    path = _database(tmp_path / "retries.db")
    data = build_summary([path])
    [group] = data["groups"]
    assert (group["count"], group["cause"], group["sdk_retries"], group["sdk_retry_counts"]) == (
        3,
        "cause.server-error",
        2,
        [1, 2],
    )
    # The run report says the same sentence under the same flows.
    assert f"        {RETRIES}" in report(path, "r1").splitlines()
    text = render_text(data, width=800).splitlines()
    at = next(i for i, line in enumerate(text) if line.lstrip().startswith("3×"))
    assert f"         {RETRIES}" in text[at : at + 12]
    assert f"{RETRIES}." in render_markdown(data)
    assert f"<dt>Retries</dt><dd>{RETRIES}</dd>" in html.unescape(render_html(data))
    result = CliRunner().invoke(cli, ["summary", "--db", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    [said] = json.loads(result.output)["groups"]
    assert (said["sdk_retries"], said["sdk_retry_counts"]) == (2, [1, 2])


def test_a_group_with_no_retries_says_nothing_of_them(tmp_path: Path) -> None:
    path = write_db(
        tmp_path / "plain.db", [_rejected("dddddddd-0004", 4, None), _rejected("eeeeeeee-0005", 5, 0)]
    )
    data = build_summary([path])
    [group] = data["groups"]
    assert (group["count"], group["sdk_retries"], group["sdk_retry_counts"]) == (2, 0, [])
    assert "x-stainless-retry-count" not in render_text(data, width=800) + render_markdown(data)
    assert "x-stainless-retry-count" not in render_html(data)


def test_the_summary_reads_resends_around_transient_answers_only(tmp_path: Path) -> None:
    """clients.retries over the summary's selection (issue #12: read only the flows around a 429 or a 5xx,
    never every flow): a resend 2 s after a 500 is a retry; the same body sent 20 minutes later is a new
    call; a declared count far from any transient answer is still the SDK's retry."""
    body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})

    def sent(flow_id: str, when: str, retry: int | None = None, **kwargs: object):
        row = _rejected(flow_id, 0, retry)
        return row.__class__(**{**row.__dict__, "datetime_utc": when, "client": "ai/7.0.173", **kwargs})

    path = write_db(
        tmp_path / "resends.db",
        [
            sent("aaaaaaaa-0001", "2026-11-30T09:00:00.000Z", request_json=body),
            sent("bbbbbbbb-0002", "2026-11-30T09:00:02.000Z", request_json=body),
            sent("cccccccc-0003", "2026-11-30T09:20:00.000Z", request_json=body),
            sent("dddddddd-0004", "2026-11-30T11:00:00.000Z", 1, request_json=body, status=400),
        ],
    )
    [group] = build_summary([path])["groups"]  # one answer text: one group of the four
    assert (group["count"], group["resent_retries"], group["sdk_retries"], group["sdk_retry_counts"]) == (
        4,
        1,
        1,
        [1],
    )
