"""``toolguard show``'s replay line runs as printed (trial19): the stored body sent again by curl to the
URL it went to, with the API's own headers and the key from ``$API_KEY``.

Found in session 18's new-user trial: the line ended "(then curl --data @body.json ...)", leaving the
URL, the key header and Anthropic's anthropic-version (without which Anthropic refuses the request) to
the user. Only the provider is fake: the loopback upstream records what curl sent."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.answers import ANTHROPIC_529, OPENAI_401
from support.upstream import Upstream, canned

from toolguard_core.store import FlowRow, open_db, write_rows

BIN = Path(sys.executable).parent
KEY = "sk-trial19-replay-not-a-key"

ANTHROPIC_BODY = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "hi"}],
}
OPENAI_BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
@pytest.mark.parametrize(
    ("path", "body", "headers", "answer", "sent"),
    [
        pytest.param(
            "/v1/messages?beta=true",
            ANTHROPIC_BODY,
            {"x-api-key": "[REDACTED]", "anthropic-version": "2023-06-01", "anthropic-beta": "context-1m-2025-08-07",
             "user-agent": "claude-cli/2.1.332 (external, sdk-cli)", "content-length": "99"},
            (529, ANTHROPIC_529),
            {"x-api-key": KEY, "anthropic-version": "2023-06-01", "anthropic-beta": "context-1m-2025-08-07"},
            id="anthropic",
        ),
        pytest.param(
            "/v1/chat/completions",
            OPENAI_BODY,
            {"authorization": "Bearer [REDACTED]", "user-agent": "OpenAI/Python 3.57.0"},
            (401, OPENAI_401),
            {"authorization": f"Bearer {KEY}"},
            id="openai",
        ),
    ],
)  # fmt: skip
def test_the_replay_line_sends_the_stored_request_again(
    upstream: Upstream,
    tmp_path: Path,
    path: str,
    body: dict,
    headers: dict[str, str],
    answer: tuple[int, dict],
    sent: dict[str, str],
) -> None:
    upstream.handler = canned(*answer)
    db_path = tmp_path / "capture.db"
    db = open_db(db_path)
    write_rows(
        db,
        [FlowRow(id="rep-1", datetime_utc="2026-01-01T00:00:01.000Z", url=f"{upstream.url}{path}", method="POST",
                 verdict="recognised", status=answer[0], request_json=json.dumps(body),
                 request_headers_json=json.dumps(headers))],
    )  # fmt: skip
    db.close()
    shown = subprocess.run(
        [str(BIN / "toolguard"), "show", "--db", str(db_path), "rep-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    last = shown.stdout.splitlines()[-1]
    assert last.startswith("replay: toolguard show --db "), shown.stdout
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "API_KEY": KEY}
    replay = subprocess.run(
        ["bash", "-c", last.removeprefix("replay: ")], capture_output=True, text=True, timeout=60, env=env
    )
    assert (replay.returncode, json.loads(replay.stdout)) == (0, answer[1]), replay.stderr
    [request] = upstream.requests
    assert (request.method, f"{request.path}{'?' + request.query if request.query else ''}") == ("POST", path)
    assert json.loads(request.body) == body
    received = {name.lower(): value for name, value in request.headers}
    assert {name: received.get(name) for name in sent} == sent
    assert received["content-type"] == "application/json"
    assert KEY not in shown.stdout  # the key comes from the environment, never from the database
