"""The commands toolguard prints name a message on a Responses WebSocket so that they run as printed
(trial20a).

Found in session 19's new-user trial with Codex's built-in provider (each ``response.create`` is stored
as the flow ``<upgrade flow id>-ws<n>``): the run report ended ``one flow: toolguard show --db X
384cfee0``, which answered "'384cfee0' matches more than one flow" (the prewarm and the rejected turn
share the upgrade's id), the repeats of a retried message were listed as ``384cfee0, 384cfee0, ...``,
and ``show``'s replay line piped the message into a curl POST under that same ambiguous id. The rows
below are what the proxy stores for such a run (real SQLite, the real ``toolguard`` command)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from support.answers import OPENAI_429

from toolguard_analysis.run import report
from toolguard_core.causes import recognise_error
from toolguard_core.flowids import like_pattern, message_flow_id, short_flow_id
from toolguard_core.store import FlowRow, RunRow, open_db, write_rows, write_run
from toolguard_core.upstream_errors import parse_error

TOOLGUARD = str(Path(sys.executable).parent / "toolguard")
UPGRADE = "384cfee0-f8a8-4c83-9cfe-9b982a720553"
# A Codex turn as sent on the socket (agent-clis.md: store false, incremental after the prewarm).
TURN = {
    "type": "response.create",
    "model": "gpt-5",
    "store": False,
    "previous_response_id": "resp_prewarm1",
    "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
}
PREWARM = {"type": "response.create", "model": "gpt-5", "store": False, "generate": False, "input": []}


def message_row(n: int, body: dict, *, status: int, answer: dict | None) -> FlowRow:
    """Message ``n`` of the connection as the proxy stores it (method WS, websocket_json)."""
    extra: dict[str, object] = {}
    if answer is not None:
        error = parse_error(json.dumps(answer), status=status)
        found = recognise_error(error, status=status)
        assert found is not None
        extra = {
            "error_message": error.message, "error_json": json.dumps(error.summary()),
            "cause_json": json.dumps(found.summary()), "cause_id": found.cause_id,
        }  # fmt: skip
    context = {"connection": UPGRADE, "message": n, "previous_response_id": body.get("previous_response_id")}
    return FlowRow(
        id=message_flow_id(UPGRADE, n), datetime_utc=f"2026-01-01T00:00:{n:02}.000Z", run_id="run", method="WS",
        scheme="https", host="api.openai.com", port=443, path="/v1/responses",
        url="https://api.openai.com/v1/responses", provider="openai", status=status,
        verdict="recognised" if answer else "accepted", request_json=json.dumps(body),
        websocket_json=json.dumps(context), **extra,
    )  # fmt: skip


@pytest.fixture
def codex_run(tmp_path: Path) -> Path:
    """The prewarm (stored: it had a note), then one turn refused with a 429 three times (Codex retries)."""
    rows = [message_row(1, PREWARM, status=200, answer=None)]
    rows += [message_row(n, TURN, status=429, answer=OPENAI_429) for n in (2, 3, 4)]
    db_path = tmp_path / "codex.db"
    db = open_db(db_path)
    write_run(
        db,
        RunRow(id="run", started_utc="2026-01-01T00:00:00.000Z", requests_seen=1, websocket_messages=4,
               validated=4, rejected=3, stored=4),
    )  # fmt: skip
    write_rows(db, rows)
    db.close()
    return db_path


def toolguard(command: str) -> subprocess.CompletedProcess[str]:
    """A ``toolguard ...`` command exactly as a report printed it."""
    words = shlex.split(command)
    assert words[0] == "toolguard", command
    return subprocess.run([TOOLGUARD, *words[1:]], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("flow_id", "short"),
    [
        ("6f9bebcc-04d8-4de2-bb3b-8ec5780abd5c", "6f9bebcc"),
        (f"{UPGRADE}-ws3", "384cfee0-ws3"),
        (f"{UPGRADE}-ws12", "384cfee0-ws12"),
        ("rep-1", "rep-1"),
    ],
)
def test_a_short_id_keeps_the_message_number(flow_id: str, short: str) -> None:
    assert short_flow_id(flow_id) == short


def test_a_short_message_id_matches_that_message_only() -> None:
    # LIKE with escape '\': -ws1 must not match -ws12; a plain prefix stays a prefix.
    assert (like_pattern("384cfee0-ws1"), like_pattern("6f9bebcc"), like_pattern("a_b%")) == (
        "384cfee0%-ws1",
        "6f9bebcc%",
        "a\\_b\\%%",
    )


def test_the_run_report_names_websocket_messages_by_ids_that_show_takes(codex_run: Path) -> None:
    text = report(codex_run, "run")
    assert (
        "        2 more flows alike (same client, request line, verdict, findings and answer): 384cfee0-ws3, 384cfee0-ws4"
        in text
    ), text
    one = next(line for line in text.splitlines() if line.startswith("  one flow: "))
    assert one == f"  one flow: toolguard show --db {codex_run} 384cfee0-ws4"
    shown = toolguard(one.removeprefix("  one flow: "))
    assert (shown.returncode, shown.stdout.splitlines()[0], shown.stderr) == (0, f"flow {UPGRADE}-ws4", "")


def test_show_says_a_websocket_message_is_not_replayed_with_curl(codex_run: Path) -> None:
    shown = toolguard(f"toolguard show --db {codex_run} 384cfee0-ws2")
    assert shown.returncode == 0, shown.stderr
    replay = shown.stdout.splitlines()[-1]
    assert replay == (
        "replay: not with curl: this was message 2 on a WebSocket (response.create); it continues "
        "resp_prewarm1, a response only that connection kept (store: false); as HTTP "
        '(POST https://api.openai.com/v1/responses) its body is the message without "type". The message '
        f"as sent: toolguard show --db {codex_run} 384cfee0-ws2 --request"
    )
    sent = toolguard(replay.rsplit(": ", 1)[1])
    assert (sent.returncode, json.loads(sent.stdout)) == (0, TURN)
