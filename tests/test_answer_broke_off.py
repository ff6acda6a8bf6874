"""An answer that started and then broke off (the upstream dropped the connection mid-stream) is said
to have broken off wherever the flow is reported, not "accepted by the upstream" with "0 without an
answer" (trial21a).

Found in session 20's new-user trial: Claude Code and a Vercel AI SDK app against a provider whose
stream stopped after its first event (the connection closed mid-body, mitmproxy's "peer closed
connection without sending complete message body"). The AI SDK app crashed on it; Claude Code retried
five times. toolguard stored each such flow (an interruption is worth keeping, verdict.should_store),
yet the proxy printed no console line for it, its shutdown line and ``toolguard run``'s report said
"0 rejected by the upstream, 0 without an answer", and ``toolguard show`` said only "accepted: accepted
by the upstream (its findings are warnings)", never the connection error the row holds.

The flows go through the real addon's hooks in mitmproxy's test context (a real mitmproxy ``Error``,
real SQLite), and are read back by the real ``toolguard run`` report and ``toolguard show``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from mitmproxy import http
from mitmproxy.flow import Error
from mitmproxy.test import taddons, tflow

from toolguard_analysis.cli import cli
from toolguard_analysis.render import BROKE_OFF_HEADING
from toolguard_analysis.run import report
from toolguard_analysis.show import find_flow, render, render_text
from toolguard_core.addon import ToolGuard
from toolguard_core.verdict import answer_broke_off

URL = "http://127.0.0.1:9/v1/messages?beta=true"
# mitmproxy's own message when the upstream closes mid-body (the trial's, verbatim).
DROPPED = (
    "HTTP/1 protocol error: peer closed connection without sending complete message body "
    "(incomplete chunked read)"
)
REQUEST = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 1024,
    "stream": True,
    "messages": [{"role": "user", "content": "Run `echo hi` in the shell."}],
}
# The first event of Anthropic's stream, then nothing: where the trial's upstream stopped.
FIRST_EVENT = (
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01","type":"message",'
    b'"role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":'
    b'{"input_tokens":20,"output_tokens":1}}}\n\n'
)
CUT_WORDS = "the answer broke off before its end: the client got an incomplete answer"


@pytest.mark.parametrize(
    ("status", "verdict", "flow_error", "broke_off"),
    [
        (200, "accepted", DROPPED, True),
        (200, "false_alarm", DROPPED, True),
        (200, "repaired", DROPPED, True),
        (200, "accepted", None, False),  # a whole answer
        (None, "no_answer", DROPPED, False),  # no answer at all: said as such already
        (400, "recognised", DROPPED, False),  # a rejection: the upstream's error is the answer
        (200, "recognised", DROPPED, False),  # an error event inside the stream, then the drop
        (400, "blocked", None, False),
    ],
)
def test_which_flows_broke_off(
    status: int | None, verdict: str, flow_error: str | None, broke_off: bool
) -> None:
    assert answer_broke_off(status, verdict, flow_error) is broke_off


def run_proxy(db_path: Path, caplog: pytest.LogCaptureFixture) -> tuple[str, str]:
    """One streamed request answered 200 whose body stops after the first event (mitmproxy's ``error``
    hook with its own Error), then a whole answer; returns the flow id of the first and the run's id."""
    addon = ToolGuard()
    with caplog.at_level(logging.INFO), taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        headers = {"content-type": "application/json"}
        cut = tflow.tflow(req=http.Request.make("POST", URL, json.dumps(REQUEST).encode(), headers))
        addon.request(cut)
        cut.response = http.Response.make(200, FIRST_EVENT, {"content-type": "text/event-stream"})
        addon.responseheaders(cut)
        cut.error = Error(DROPPED)
        addon.error(cut)
        whole = tflow.tflow(req=http.Request.make("POST", URL, json.dumps(REQUEST).encode(), headers))
        addon.request(whole)
        whole.response = http.Response.make(
            200,
            json.dumps({"type": "message", "content": [{"type": "text", "text": "hi"}]}).encode(),
            headers,
        )
        addon.responseheaders(whole)
        addon.response(whole)
        assert addon.stats["answers_broke_off"] == 1
        run_id = addon.settings.run_id
        addon.done()
    return cut.id, run_id


def test_a_broken_off_answer_is_said_by_the_proxy_the_run_report_and_show(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path = tmp_path / "run.db"
    flow_id, run_id = run_proxy(db_path, caplog)
    logged = [r.getMessage() for r in caplog.records]
    console = [line for line in logged if flow_id in line]
    assert console == [
        f"toolguard: accepted: HTTP 200, cut off ({DROPPED}); {CUT_WORDS}; flow {flow_id} "
        f"(toolguard show --db {db_path} {flow_id[:8]})"
    ]
    counts = (
        "2 requests reached the proxy: 2 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer, 1 answer broke off before its end; 1 flow stored."
    )
    assert f"toolguard: this run: {counts}" in logged

    lines = report(db_path, run_id).splitlines()
    assert lines[0] == f"toolguard: {counts}"
    head = next(i for i, line in enumerate(lines) if line.startswith(f"    {flow_id}"))
    assert lines[head : head + 2] == [
        f"    {flow_id}  200  POST 127.0.0.1:9/v1/messages  accepted: accepted by the upstream; {CUT_WORDS}",
        f"        connection: {DROPPED}",
    ]

    markdown = render(find_flow(db_path, flow_id[:8]), "markdown").splitlines()
    assert markdown[0] == "### The API at 127.0.0.1:9 answered, then the answer broke off before its end"
    shown = render_text(find_flow(db_path, flow_id[:8])).splitlines()
    said = {
        line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in shown[1:9] if ":" in line
    }
    assert (said["verdict"], said["upstream"]) == (
        f"accepted: accepted by the upstream; {CUT_WORDS}",
        f"upstream answered 200, then the connection broke off: {DROPPED}",
    )


def test_the_summary_and_the_html_report_list_it(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # "Verdicts: accepted 5" alone read as five whole answers; the run's drops were nowhere.
    db_path = tmp_path / "run.db"
    flow_id, _ = run_proxy(db_path, caplog)
    text = CliRunner().invoke(cli, ["summary", "--db", str(db_path)])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    head = lines.index(f"  {BROKE_OFF_HEADING} (1; toolguard show ID):")
    listed = lines[head + 1].strip().split("  ")
    assert (listed[0], listed[2:]) == (flow_id, ["127.0.0.1:9/v1/messages", DROPPED])
    markdown = CliRunner().invoke(cli, ["summary", "--db", str(db_path), "--format", "markdown"])
    assert f"{BROKE_OFF_HEADING} (1; toolguard show ID):" in markdown.output.splitlines()
    html_path = tmp_path / "report.html"
    html = CliRunner().invoke(
        cli, ["summary", "--db", str(db_path), "--format", "html", "-o", str(html_path)]
    )
    assert html.exit_code == 0, html.output
    assert (
        f"<dt>Verdict</dt><dd>accepted: accepted by the upstream; {CUT_WORDS}</dd>" in html_path.read_text()
    )
