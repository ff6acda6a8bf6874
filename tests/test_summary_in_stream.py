"""The summary of a rejection that came as an error event inside a 200 stream (trial19): its group's
status says so in every format, as ``toolguard show``, the console line and the run report do —
"status 200" alone under "Failures by pattern" read as an accepted request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.answers import ANTHROPIC_529, OPENAI_401

from toolguard_analysis.cli import cli
from toolguard_core.causes import recognise_error
from toolguard_core.store import FlowRow, open_db, write_rows
from toolguard_core.upstream_errors import parse_error


def rejection(flow_id: str, status: int, body: dict, verdict: str = "recognised") -> FlowRow:
    error = parse_error(json.dumps(body), status=status)
    found = recognise_error(error, status=status)
    return FlowRow(
        id=flow_id, datetime_utc="2026-01-01T00:00:01.000Z", method="POST", host="api.anthropic.com",
        path="/v1/messages", provider="anthropic", status=status, verdict=verdict,
        error_message=error.message, error_json=json.dumps(error.summary()),
        cause_json=json.dumps(found.summary()) if found else None, cause_id=found.cause_id if found else None,
    )  # fmt: skip


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "stream.db"
    db = open_db(path)
    # Anthropic's overloaded_error inside a 200 stream, and a 401 by status (recognised both).
    write_rows(db, [rejection("f-stream", 200, ANTHROPIC_529), rejection("f-auth", 401, OPENAI_401)])
    db.close()
    return path


IN_STREAM = "200 (an error inside the answer, not an error status)"


def test_text_summary_says_the_status_came_with_an_error_event(db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["summary", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    heads = [line for line in result.output.splitlines() if line.lstrip().startswith("1×")]
    assert sorted(line.split("  status ")[1] for line in heads) == [IN_STREAM, "401"]


def test_markdown_and_html_summaries_say_it_too(db_path: Path, tmp_path: Path) -> None:
    markdown = CliRunner().invoke(cli, ["summary", "--db", str(db_path), "--format", "markdown"])
    assert markdown.exit_code == 0, markdown.output
    assert f"| {IN_STREAM} |" in markdown.output
    html_path = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["summary", "--db", str(db_path), "--format", "html", "-o", str(html_path)]
    )
    assert result.exit_code == 0, result.output
    html = html_path.read_text()
    assert f'<td class="mono">{IN_STREAM}</td>' in html  # the group's status
    assert f"2026-01-01T00:00:01.000Z · {IN_STREAM} · recognised" in html  # its flow, drilled down
