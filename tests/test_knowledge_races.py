"""Two races between the proxy and its writer over what the upstreams taught (session 23, race23).

* Start-up: mitmdump listens before the writer process's handshake brings the learned constraints
  and demotions. Block and repair mode hold a request of that window until it came, bounded
  (``KNOWLEDGE_WAIT_SECONDS``); past the bound it goes on judged without them, counted and logged.
  The held request judged with the knowledge is tests/e2e/test_learn_e2e.py's (a real mitmdump).
* A late demotion: the writer stores a false alarm sent right after the demoting acceptance as
  ``accepted`` with the rule's warning (Capture.apply_demoted); the proxy's console line, comment and
  mark said ``false_alarm`` and the error. They now wait for the row's verdict and say what it says.

Real parts: the addon's hooks on a running event loop, the real writer (a process for the start-up,
the writer thread for the demotion: the same Store code) and SQLite file; the provider's answers are
real bodies.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from mitmproxy import http
from mitmproxy.test import taddons, tflow
from support.dblock import database_locked
from support.seeds import LONE_TOOL
from support.upstream import completion

from tests.test_verdict_from_writer import lines_of, until
from toolguard_core import addon as addon_module
from toolguard_core.addon import MARK, METADATA_KEY, ToolGuard
from toolguard_core.rules.registry import DEMOTED_NOTE
from toolguard_core.store import open_db

OPENAI = "https://api.openai.com/v1/chat/completions"
ORPHAN = "sequence.orphan-tool-message"


def lone_tool_flow() -> http.HTTPFlow:
    """A lone tool message to OpenAI: sequence.orphan-tool-message's error."""
    body = json.dumps({"model": "gpt-4o-mini", "messages": LONE_TOOL.body()["messages"]}).encode()
    return tflow.tflow(req=http.Request.make("POST", OPENAI, body, {"content-type": "application/json"}))


# ------------------------------------------------------------------------------------------ start-up


def test_a_request_held_past_the_bound_goes_on_judged_without_the_knowledge_counted_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The writer process cannot read the database (another connection holds it in SQLite's
    exclusive locking mode), so its handshake does not come: the block-mode request is held for the
    bound, then judged without the knowledge (here its built-in rule blocks it all the same),
    counted in ``judged_before_knowledge`` and said in a warning naming the flow."""
    monkeypatch.setattr(addon_module, "KNOWLEDGE_WAIT_SECONDS", 0.3)
    db_path = tmp_path / "toolguard.db"
    open_db(db_path).close()
    flow = lone_tool_flow()
    flow.live = True

    async def scenario() -> dict[str, int]:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(
                addon,
                toolguard_db=str(db_path),
                toolguard_writer="process",
                toolguard_mode="block",
                toolguard_offload="off",
            )
            addon.running()
            try:
                with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
                    held = addon.request(flow)
                    assert held is not None  # mitmproxy awaits it: the request waits
                    assert (addon.stats["held_for_knowledge"], flow.response) == (1, None)
                    await held
            finally:
                release()  # the writer starts now (its busy timeout is 5 s)
            await until(lambda: addon._store_ready)
            addon.responseheaders(flow)
            addon.response(flow)
            addon.done()
            return dict(addon.stats)

    with database_locked(db_path) as release:
        stats = asyncio.run(scenario())
    assert (stats["held_for_knowledge"], stats["judged_before_knowledge"], stats["blocked"]) == (1, 1, 1)
    assert flow.response is not None and flow.response.status_code == 400
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"toolguard: flow {flow.id} judged without what the upstreams taught (learned constraints, "
        "demoted rules): the writer process had not started after 0.3s"
    ]


def test_observe_mode_and_a_started_writer_hold_nothing(tmp_path: Path) -> None:
    """Observe mode never holds a request, writer started or not; block mode does not once the
    writer's start has ended (the handshake's snapshot is in)."""

    async def scenario() -> tuple[Any, Any, dict[str, int]]:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(
                addon,
                toolguard_db=str(tmp_path / "toolguard.db"),
                toolguard_writer="process",
                toolguard_offload="off",
            )
            addon.running()
            observed = lone_tool_flow()
            observed.live = True
            before = addon.request(observed)  # the writer's start has not ended (not waited for)
            await until(lambda: addon._store_ready)
            tctx.configure(addon, toolguard_mode="block")
            blocked = lone_tool_flow()
            blocked.live = True
            after = addon.request(blocked)
            assert blocked.response is not None  # judged in the hook itself
            addon.done()
            return before, after, dict(addon.stats)

    before, after, stats = asyncio.run(scenario())
    assert (before, after, stats.get("held_for_knowledge", 0)) == (None, None, 0)


# ------------------------------------------------------------------------------------ late demotion


def test_a_false_alarm_the_writer_stores_accepted_is_said_accepted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``toolguard_demote_after=3``: four requests of a tight loop, all judged before any answer (so
    with the rule's error: nothing is demoted yet), then the upstream accepts each. The third
    acceptance demotes the rule; the fourth request started after that answer ended, so the writer
    stores it ``accepted`` with the warning and the demotion's note. Its console line, comment, mark
    and metadata say the same; the first three say ``false_alarm`` and the error, as their rows."""
    db_path = tmp_path / "toolguard.db"
    flows = [lone_tool_flow() for _ in range(4)]
    started = time.time()

    async def scenario() -> None:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(
                addon, toolguard_db=str(db_path), toolguard_demote_after=3, toolguard_offload="off"
            )
            addon.running()
            with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
                for n, flow in enumerate(flows):
                    flow.request.timestamp_start = started + n
                    addon.request(flow)
                await until(
                    lambda: all(
                        f.id in addon.pending and addon.pending[f.id].validation is None for f in flows
                    )
                )
                # The proxy's own judgement of the fourth: the error (its snapshot holds no demotion).
                assert [f.severity for f in addon.pending[flows[3].id].analysis.findings] == ["error"]
                for n, flow in enumerate(flows):
                    flow.response = http.Response.make(
                        200, json.dumps(completion()).encode(), {"content-type": "application/json"}
                    )
                    flow.response.timestamp_start = started + n + 0.2
                    flow.response.timestamp_end = started + n + 0.3
                    addon.responseheaders(flow)
                    addon.response(flow)
                await until(lambda: not addon.pending and not addon._awaiting)
                addon.done()

    asyncio.run(scenario())
    db = sqlite3.connect(db_path)
    rows = dict(db.execute("select id, verdict from flows").fetchall())
    findings = {
        flow_id: (severity, message)
        for flow_id, severity, message in db.execute("select flow_id, severity, message from findings")
    }
    db.close()
    show = f"toolguard show --db {db_path}"
    said = [
        (
            rows[f.id],
            findings[f.id][0],
            findings[f.id][1].endswith(DEMOTED_NOTE),
            lines_of(caplog, f.id),
            f.comment,
            f.marked,
            f.metadata[METADATA_KEY]["verdict"],
            [(x["rule"], x["severity"]) for x in f.metadata[METADATA_KEY]["findings"]],
        )
        for f in flows
    ]
    assert said == [
        *[
            (
                "false_alarm",
                "error",
                False,
                [
                    f"toolguard: false_alarm: HTTP 200; error {ORPHAN} at messages[0]; "
                    f"flow {f.id} ({show} {f.id[:8]})"
                ],
                f"toolguard: {ORPHAN} at messages[0] [false_alarm]",
                MARK,
                "false_alarm",
                [(ORPHAN, "error")],
            )
            for f in flows[:3]
        ],
        (
            "accepted",
            "warning",
            True,
            [
                f"toolguard: accepted: HTTP 200; warning {ORPHAN} at messages[0]; "
                f"flow {flows[3].id} ({show} {flows[3].id[:8]})"
            ],
            f"toolguard: {ORPHAN} at messages[0] [accepted]",
            "",
            "accepted",
            [(ORPHAN, "warning")],
        ),
    ]
    # The demotion's note is the finding's message in the flow's metadata too (the content view's).
    assert flows[3].metadata[METADATA_KEY]["findings"][0]["message"].endswith(DEMOTED_NOTE)
