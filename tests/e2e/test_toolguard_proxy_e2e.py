"""``toolguard proxy``: mitmdump with toolguard loaded as an addon, not a script (toolguard_core/launch.py), run
through the real command as a user types it: its options, the default database, Ctrl-C's stats
lines, a flagged flow stored, block mode, a script of the user's beside it and bad options."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
from support.proxy import Mitmdump
from support.upstream import Upstream

pytestmark = pytest.mark.e2e

ORPHAN = {"model": "gpt-4o-mini", "messages": [{"role": "tool", "content": "x", "tool_call_id": "d"}]}


def post(port: int, body: dict[str, object]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_a_flagged_flow_is_stored_in_the_default_database_and_ctrl_c_says_the_counts(
    upstream: Upstream, tmp_path: Path
) -> None:
    """No toolguard option at all: the default database ($TOOLGUARD_DB unset: the per-user data
    directory, here under XDG_DATA_HOME) is opened, the orphan tool message goes upstream and its 400
    is stored, and SIGINT (Ctrl-C) ends with the counts and exit status 0."""
    env = {k: v for k, v in os.environ.items() if k != "TOOLGUARD_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    default_db = tmp_path / "data" / "toolguard" / "toolguard.db"
    proxy = Mitmdump(tmp_path / "m", mode=f"reverse:{upstream.url}", env=env, top=True, default_db=True)
    proxy.start()
    try:
        assert (
            f"toolguard: writing flows with findings, rejections and interrupted flows to {default_db} "
            in proxy.output
        )
        status, _, _ = post(proxy.port or 0, ORPHAN)
        assert status == 400
        assert len(upstream.requests) == 1  # observe mode: the request went on
        output = proxy.stop(signal.SIGINT)
    finally:
        proxy.kill()
    assert proxy.returncode == 0, output
    assert "Loading script" not in output  # an addon, not a -s script
    assert f"toolguard: 1 of 1 rows written to {default_db}" in output
    assert "toolguard: this run: 1 request reached the proxy: 1 validated, 1 with findings" in output
    assert '"rows_written": 1' in output.split("counters (toolguard.stats): ", 1)[1]
    assert "Traceback" not in output
    [flow] = sqlite_utils.Database(default_db)["flows"].rows
    assert (flow["status"], flow["verdict"], flow["path"]) == (400, "predicted", "/v1/chat/completions")
    assert [f["rule"] for f in sqlite_utils.Database(default_db)["findings"].rows] == [
        "sequence.orphan-tool-message"
    ]


def test_toolguard_options_and_mitmdump_options_both_work(upstream: Upstream, tmp_path: Path) -> None:
    """``--set toolguard_mode=block`` blocks the orphan before it goes upstream; a ``-s`` script of
    the user's (the tests' stats probe, which calls the ``toolguard.stats`` command) runs beside it;
    and SIGTERM stops it as cleanly as Ctrl-C."""
    proxy = Mitmdump(
        tmp_path / "m",
        mode=f"reverse:{upstream.url}",
        options={"toolguard_mode": "block", "flow_detail": "0"},
        top=True,
        stats_probe=True,
    )
    proxy.start()
    try:
        proxy.wait_for_output(r"toolguard: mode block")
        status, headers, body = post(proxy.port or 0, ORPHAN)
        assert (status, headers.get("x-toolguard-rule")) == (400, "sequence.orphan-tool-message"), body
        assert upstream.requests == []
        stats = proxy.wait_for_stats(lambda s: s.get("rows_written") == 1, "the blocked flow written")
        assert stats["requests_seen"] == 1
        output = proxy.stop(signal.SIGTERM)
    finally:
        proxy.kill()
    assert proxy.returncode == 0, output
    [flow] = proxy.flows()
    assert (flow["status"], flow["verdict"]) == (400, "blocked")


@pytest.mark.parametrize(
    ("option", "line"),
    [
        # toolguard's own check (launch.py: mitmproxy keeps an unknown --set deferred without a word).
        ("toolguard_mdoe=block", "toolguard: cannot start: toolguard_mdoe: no such option (did you mean toolguard_mode?)"),
        # mitmproxy's: toolguard's options are declared before the command line is parsed.
        ("toolguard_demote_after=abc", "toolguard proxy: Failed to parse option toolguard_demote_after: not an integer: abc"),
        # toolguard's configure, as for mitmdump -s.
        ("toolguard_writer=fork", "toolguard: cannot start: toolguard_writer: 'fork' is not one of process, thread"),
    ],
    ids=["misspelt", "unparsable", "not a choice"],
)  # fmt: skip
def test_a_bad_option_stops_it_with_one_line(tmp_path: Path, option: str, line: str) -> None:
    proxy = Mitmdump(tmp_path / "m", top=True, options=dict([option.split("=", 1)]))
    result = subprocess.run(proxy.command(), capture_output=True, text=True, timeout=60, cwd=tmp_path)
    output = result.stdout + result.stderr
    said = [text.split("] ", 1)[-1] for text in output.splitlines() if "toolguard" in text]
    assert (result.returncode, said) == (1, [line]), output
    assert "Traceback" not in output
    assert not proxy.db_path.exists()
