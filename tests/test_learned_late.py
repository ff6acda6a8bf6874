"""What an earlier answer taught, applied by the writer to a later rejection the proxy judged before
its snapshot held it (session 20, leftovers21: an agent resending ~50 ms after a rejection got the
``learned.*`` finding only on its third try). Real parts: the Store's writer thread and a real SQLite
file, the Captures the proxy hands over, xAI's real answer to presence_penalty on grok-4."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlite_utils
from support.upstream import GROK, XAI_PRESENCE_PENALTY

from toolguard_core.capture import Capture
from toolguard_core.learned import Knowledge
from toolguard_core.store import RunRow, Store

BODY = json.dumps({"model": GROK, "messages": [{"role": "user", "content": "hi"}], "presence_penalty": 0.5})


def _capture(flow_id: str, started: float, ended: float) -> Capture:
    """A rejection as observe mode's hooks hand it over: no finding, its reading left to the writer."""
    return Capture(
        flow_id=flow_id, started=started, ended=ended, method="POST", scheme="http", host="127.0.0.1",
        port=8000, path="/v1/chat/completions", url="http://127.0.0.1:8000/v1/chat/completions",
        provider="generic", model=GROK, stream=False, request_headers=((b"user-agent", b"OpenAI/Python 2.8.1"),),
        request_text=None, request_is_json=True, request_bytes=len(BODY), raw_request=(BODY.encode(), None, 1 << 20),
        findings=[], secrets=None, verdict="unexplained", status=400,
        response_headers=((b"content-type", b"application/json"),),
        response_body=json.dumps(XAI_PRESENCE_PENALTY).encode(), response_content_type="application/json",
        run_id="run", report_verdict=True,
    )  # fmt: skip


def _store(path: Path) -> tuple[Store, list[tuple[list[Any], Any]]]:
    heard: list[tuple[list[Any], Any]] = []
    knowledge: list[Knowledge] = []
    store = Store(
        path,
        demote_after=3,
        on_knowledge=knowledge.append,
        on_verdicts=lambda verdicts, late=None: heard.append((verdicts, late)),
    )
    return store, heard


def _rows(path: Path) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    db = sqlite_utils.Database(path)
    return [
        (
            flow["id"],
            flow["verdict"],
            [
                (f["rule"], f["severity"], f["location"])
                for f in db.query("select * from findings where flow_id = ? order by idx", [flow["id"]])
            ],
        )
        for flow in db.query("select id, verdict from flows order by datetime_utc")
    ]


def test_a_rejection_sent_after_the_teaching_answer_gets_the_finding_in_the_same_batch(
    tmp_path: Path,
) -> None:
    path = tmp_path / "late.db"
    store, heard = _store(path)
    # Both in one batch (the writer thread starts after they are queued): the second was sent 50 ms
    # after the first one's answer, the third while the first was still waiting for it.
    for item in (
        _capture("f1", 1000.0, 1000.2),
        _capture("f2", 1000.25, 1000.4),
        _capture("f3", 1000.1, 1000.5),
        RunRow(id="run", started_utc="2026-12-02T17:00:00.000Z", ended_utc="2026-12-02T17:01:00.000Z",
               requests_seen=3, validated=3, with_findings=0, rejected=3, stored=3),
    ):  # fmt: skip
        store.put(item)
    store.start()
    store.close()
    assert _rows(path) == [
        ("f1", "recognised", []),
        ("f3", "recognised", []),
        ("f2", "predicted", [("learned.param", "error", "presence_penalty")]),
    ]
    late = {k: v for _, found in heard if found for k, v in found.items()}
    assert list(late) == ["f2"] and [f[:3] for f in late["f2"]] == [
        ("learned.param", "error", "presence_penalty")
    ]
    assert "(flow f1)" in late["f2"][0][3]
    assert [v[:2] for verdicts, _ in heard for v in verdicts] == [
        ("f1", "recognised"),
        ("f2", "predicted"),
        ("f3", "recognised"),
    ]
    # The run row counts the flow the writer flagged.
    [run] = sqlite_utils.Database(path).query("select with_findings from runs")
    assert run == {"with_findings": 1}


# ------------------------------------------------- a demotion the proxy's snapshot did not hold yet

LONE_TOOL_BODY = json.dumps(
    {"model": GROK, "messages": [{"role": "tool", "tool_call_id": "call_1", "content": "42"}]}
)
ORPHAN = "sequence.orphan-tool-message"


def _accepted(flow_id: str, started: float, ended: float) -> Capture:
    """A flagged request the upstream accepted, as the hooks hand it over (the proxy's error finding)."""
    from toolguard_core.findings import Finding, Severity

    return Capture(
        flow_id=flow_id, started=started, ended=ended, method="POST", scheme="http", host="127.0.0.1",
        port=8000, path="/v1/chat/completions", url="http://127.0.0.1:8000/v1/chat/completions",
        provider="generic", model=GROK, stream=False, request_headers=((b"user-agent", b"OpenAI/Python 2.8.1"),),
        request_text=None, request_is_json=True, request_bytes=len(LONE_TOOL_BODY),
        raw_request=(LONE_TOOL_BODY.encode(), None, 1 << 20),
        findings=[Finding(rule=ORPHAN, severity=Severity.ERROR, location="messages[0]", message="orphan")],
        secrets=None, verdict="false_alarm", status=200,
        response_headers=((b"content-type", b"application/json"),),
        response_body=b'{"id": "x", "object": "chat.completion", "choices": []}',
        response_content_type="application/json", run_id="run",
    )  # fmt: skip


def test_a_false_alarm_sent_after_the_demoting_answer_is_stored_accepted_with_the_warning(
    tmp_path: Path,
) -> None:
    """One batch (the writer starts after all are queued): the third acceptance demotes the rule; the
    fourth request started after its answer ended (the proxy could have known: stored `accepted`
    with the warning and the demotion's note); the fifth started before it ended (judged rightly
    with the error, stored `false_alarm`, and counted)."""
    from toolguard_core.rules.registry import DEMOTED_NOTE

    path = tmp_path / "demoted.db"
    store, _ = _store(path)
    for item in (
        _accepted("a1", 1000.0, 1000.1),
        _accepted("a2", 1000.2, 1000.3),
        _accepted("a3", 1000.4, 1000.5),
        _accepted("a4", 1000.55, 1000.6),
        _accepted("a5", 1000.45, 1000.7),
    ):
        store.put(item)
    store.start()
    store.close()
    assert _rows(path) == [
        ("a1", "false_alarm", [(ORPHAN, "error", "messages[0]")]),
        ("a2", "false_alarm", [(ORPHAN, "error", "messages[0]")]),
        ("a3", "false_alarm", [(ORPHAN, "error", "messages[0]")]),
        ("a5", "false_alarm", [(ORPHAN, "error", "messages[0]")]),
        ("a4", "accepted", [(ORPHAN, "warning", "messages[0]")]),
    ]
    db = sqlite_utils.Database(path)
    [message] = [r["message"] for r in db.query("select message from findings where flow_id = 'a4'")]
    assert message == "orphan" + DEMOTED_NOTE
    assert [r["accepted"] for r in db.query("select accepted from rule_calibration")] == [4]
