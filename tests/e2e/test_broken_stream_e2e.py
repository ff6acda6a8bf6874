"""Claude Code through ``toolguard run`` when the provider's stream breaks off after its first events:
the report says an answer broke off, not "0 without an answer" and "accepted by the upstream" alone
(trial21a; the in-process cases are tests/test_answer_broke_off.py).

Chain: the pinned Claude Code (scratch HOME, telemetry off; :mod:`support.clis`) → ``toolguard run``'s
mitmdump → the loopback fake playing :mod:`support.scripted`'s two-turn conversation, whose first
tool-using answer stops after ``message_start`` and ``ping`` (the connection closed mid-body, as an
overloaded provider or a gateway's idle timeout does). Claude Code retries it and finishes the task.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from support import clis
from support.scripted import Conversation
from support.upstream import RecordedRequest, Reply, StreamReply, Upstream

pytestmark = pytest.mark.e2e

TOOLGUARD = Path(sys.executable).parent / "toolguard"
BROKE_OFF = "the answer broke off before its end: the client got an incomplete answer"


@pytest.fixture(autouse=True)
def _node_clients() -> None:
    clis.require_node_clients()


def test_claude_code_retrying_a_stream_that_broke_off(upstream: Upstream, tmp_path: Path) -> None:
    conversation = Conversation("messages", clis.TOOL_CALLS["claude-code"], final_text="The tool said hi.")
    broken: list[str] = []

    def handle(request: RecordedRequest) -> Reply | StreamReply:
        reply = conversation.handle(request)
        body = request.json() if request.method == "POST" else None
        if not broken and isinstance(reply, StreamReply) and isinstance(body, dict) and body.get("tools"):
            broken.append(request.path)
            return dataclasses.replace(reply, abort_after=2)  # message_start, ping, then the drop
        return reply

    upstream.handler = handle
    db = tmp_path / "run.db"
    prefix = [str(TOOLGUARD), "run", "--db", str(db), "--confdir", str(tmp_path / "conf"), "--"]
    run = clis.claude_code(upstream.url, tmp_path, prefix=prefix)
    report = run.stderr[run.stderr.index("toolguard: ", run.stderr.index("database ")) :].splitlines()

    assert (run.returncode, run.stdout.strip(), broken) == (
        0,
        "The tool said hi.",
        ["/v1/messages"],
    )
    requests = len(upstream.received("/v1/messages"))
    assert report[0] == (
        f"toolguard: {requests} requests reached the proxy: {requests} validated, 0 with findings, "
        "0 rejected by the upstream, 0 without an answer, 1 answer broke off before its end; 1 flow stored."
    )
    [flow] = [line for line in report if line.startswith("    ") and not line.startswith("     ")]
    assert flow.strip().split("  ", 3)[1:] == [
        "200",
        f"POST 127.0.0.1:{upstream.port}/v1/messages",
        f"accepted: accepted by the upstream; {BROKE_OFF}",
    ]
