"""A saved capture (`mitmdump -w`) replayed offline through toolguard gives the same rows as live.

Users who already have mitmproxy flow files can analyse them later:
``mitmdump -n -r flows.mitm -s addon/toolguard.py --set toolguard_db=replay.db``. Replayed flows are
not live and their streamed bodies arrive whole (captured with ``store_streamed_bodies``), so the
SSE tap never sees chunks: toolguard must read the stored body the same way.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import openai
import pytest
import sqlite_utils
from support.proxy import ADDON, REPO_ROOT, mitmdump_executable
from support.seeds import LONE_TOOL, TOOLS
from support.upstream import StreamReply, error_event_chunks, openai_like

pytestmark = pytest.mark.e2e

COLUMNS = ("status", "verdict", "error_message", "error_param", "error_source", "model", "stream")


def rows(db_path: Path) -> list[dict]:
    db = sqlite_utils.Database(db_path)
    flows = sorted(db["flows"].rows, key=lambda r: r["datetime_utc"])
    result = []
    for flow in flows:
        findings = [
            (f["rule"], f["location"])
            for f in db.query(
                "select rule, location from findings where flow_id = ? order by idx", [flow["id"]]
            )
        ]
        result.append({**{k: flow[k] for k in COLUMNS}, "findings": findings})
    return result


def test_replayed_capture_gives_the_live_rows(upstream, mitmdump_reverse, openai_client, tmp_path):
    capture = tmp_path / "flows.mitm"
    proxy = mitmdump_reverse(args=("-w", str(capture)), options={"store_streamed_bodies": "true"})
    client = openai_client(proxy)

    upstream.handler = openai_like()
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o-mini", messages=LONE_TOOL.messages, tools=TOOLS)

    upstream.handler = lambda request: StreamReply(error_event_chunks(), delay=0.01)
    with pytest.raises(openai.APIError):
        for _ in client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
        ):
            pass
    proxy.stop()
    live = rows(proxy.db_path)
    assert [(r["verdict"], r["error_source"], r["findings"]) for r in live] == [
        ("predicted", "body", [(LONE_TOOL.rule, LONE_TOOL.location)]),
        ("recognised", "stream", []),  # the server-error event names a known cause, no rule fired
    ]

    replay_db = tmp_path / "replay.db"
    result = subprocess.run(
        [
            str(mitmdump_executable()),
            "-n",
            "-q",
            "-r",
            str(capture),
            "-s",
            str(ADDON),
            "--set",
            f"toolguard_db={replay_db}",
            "--set",
            f"confdir={tmp_path / 'conf'}",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert rows(replay_db) == live
