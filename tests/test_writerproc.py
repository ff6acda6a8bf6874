"""The store in a writer process (writerproc.py, writer.py), through real child processes and real
SQLite files: rows arrive whole (the same rows the writer thread builds), a writer killed mid-run is
restarted with the rows it held counted as dropped, a bad path fails at start, what was learned
reaches the proxy, and no secret reaches the file."""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from test_store_faults import hold_lock, ids

from toolguard_core.capture import Capture
from toolguard_core.findings import Finding, Severity
from toolguard_core.learned_store import load_knowledge
from toolguard_core.repair import Family, NotRepaired, Repair
from toolguard_core.sse import SSETap
from toolguard_core.store import FindingRow, FlowRow, RunRow, Store, open_db
from toolguard_core.writerproc import OUT_OF_BAND_BYTES, ProcessStore, WriterStartError

KEY = "sk-proj-Zq3xV9mLr2Tn8KpW4yHs7Bd1"  # a made-up key in OpenAI's format
URL = "http://127.0.0.1:9/v1/chat/completions"
# A rejection the catalogue recognises and learns from (lobehub/lobehub#8389, as in test_learned.py).
XAI_ERROR = json.dumps({"error": "Argument not supported on this model: presencePenalty"}).encode()
OPENAI_ERROR = json.dumps(
    {
        "error": {
            "message": "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
            "message with 'tool_calls'.",
            "type": "invalid_request_error",
            "param": "messages.[1].role",
            "code": None,
        }
    }
).encode()


def capture(flow_id: str, body: dict[str, Any] | bytes | None, **fields: Any) -> Capture:
    """A Capture the way the hooks build one: raw request bytes for the writer to turn into text."""
    # Compact, as Node and httpx send it: the content split applies (dedup.py).
    raw = (
        body if isinstance(body, bytes) or body is None else json.dumps(body, separators=(",", ":")).encode()
    )
    values: dict[str, Any] = dict(
        flow_id=flow_id,
        started=1_700_000_000.0 + len(flow_id),
        ended=1_700_000_000.5 + len(flow_id),
        method="POST",
        scheme="http",
        host="127.0.0.1",
        port=9,
        path="/v1/chat/completions",
        url=URL + f"?key={KEY}",
        provider="openai",
        model="gpt-4o",
        stream=False,
        request_headers=[("authorization", f"Bearer {KEY}"), ("user-agent", "OpenAI/Python 1.99.0")],
        request_text=None,
        request_is_json=True,
        request_bytes=len(raw or b""),
        raw_request=(raw, None, 32 << 20) if raw is not None else None,
        findings=[
            Finding(
                rule="sequence.orphan-tool-message",
                severity=Severity.ERROR,
                location="messages[1]",
                message=f"the tool message answers no call (it quotes {KEY})",
            )
        ],
        secrets=[KEY],
        verdict="predicted",
        status=400,
        response_headers=[("content-type", "application/json")],
        response_body=OPENAI_ERROR,
        response_content_type="application/json",
        run_id="run-1",
    )
    values.update(fields)
    return Capture(**values)


def captures() -> list[Capture]:
    """One of each kind the proxy stores: small, a body over the out-of-band bound, a gzip body,
    a non-JSON body, an event stream's capture, a repair, a flow without an answer."""
    history = [{"role": "user", "content": f"turn {i} " + "x" * 2000} for i in range(60)]
    big = {"model": "gpt-4o", "messages": [*history, {"role": "tool", "content": KEY}]}
    assert len(json.dumps(big)) > OUT_OF_BAND_BYTES
    tap = SSETap()
    tap(b'data: {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}\n\n')
    tap(b"")
    assert tap.error is not None
    small = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "x"}],
    }
    zipped = gzip.compress(json.dumps(small, separators=(",", ":")).encode())
    return [
        capture("small", small),
        capture("big", big, response_body=b"<html>" + b"y" * (OUT_OF_BAND_BYTES + 10) + b"</html>"),
        capture("gzip", zipped, raw_request=(zipped, "gzip", 32 << 20)),
        capture("form", b"a=1&key=" + KEY.encode(), request_is_json=False),
        capture(
            "stream",
            small,
            status=200,
            verdict="unexplained",
            response_body=None,
            stream_error=tap.error,
            stream_capture=tap.captured_body(),
        ),
        capture(
            "repaired",
            small,
            verdict="accepted",
            status=200,
            response_body=b"{}",
            repairs=[
                Repair(
                    rule="sequence.orphan-tool-message",
                    family=Family.SEQUENCE,
                    location="messages[1]",
                    description="removed the tool message",
                    patch=[{"op": "remove", "path": "/messages/1"}],
                    before=small,
                    after={"model": "gpt-4o", "messages": [{"role": "user", "content": KEY}]},
                )
            ],
            not_repaired=[NotRepaired(rule="x.y", location="tools[0]", reason=f"no fix for {KEY}")],
            repaired_at=1_700_000_010.0,
        ),
        capture(
            "no-answer", None, status=None, verdict="no_answer", response_body=None, flow_error="refused"
        ),
        capture("learns", small, verdict="unexplained", response_body=XAI_ERROR, model="grok-4"),
    ]


def dump(path: Path) -> dict[str, list[dict[str, Any]]]:
    db = sqlite_utils.Database(path)
    return {
        table: [dict(r) for r in db.query(f"SELECT * FROM {table} ORDER BY 1, 2")]
        for table in ("flows", "findings", "repairs", "contents", "learned", "rule_calibration", "runs")
    }


def wait_for(predicate: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_rows_round_trip_whole_as_the_writer_thread_writes_them(tmp_path: Path):
    run = RunRow(id="run-1", started_utc="2026-11-30T10:00:00.000Z", stored=8)
    row = FlowRow(
        id="row",
        datetime_utc="2026-11-30T10:00:01.000Z",
        findings=[FindingRow(idx=0, rule="r", severity="warning", location="l", message="m")],
    )
    thread = Store(tmp_path / "thread.db", demote_after=3, on_knowledge=lambda k: None)
    process = ProcessStore(tmp_path / "process.db", demote_after=3, on_knowledge=lambda k: None)
    for store in (thread, process):
        store.start()
        for item in (*captures(), row, run):
            store.put(item)
        store.close()
    expected = dump(tmp_path / "thread.db")
    assert [r["id"] for r in expected["flows"]] == sorted(
        ["small", "big", "gzip", "form", "stream", "repaired", "no-answer", "learns", "row"]
    )
    assert expected["repairs"] and expected["contents"] and expected["learned"] and expected["runs"]
    assert dump(tmp_path / "process.db") == expected
    assert process.counters() == {
        "rows_queued": 9,
        "rows_written": 9,
        "rows_dropped": 0,
        "rows_pending": 0,
        "write_retries": 0,
        "db_recreated": 0,
    }
    assert process.shutdown_line() == f"9 of 9 rows written to {tmp_path / 'process.db'}"
    assert process.exit_status == 0  # drained and exited on its own
    # Redacted before anything was written: no byte of the key in the file or its WAL.
    for name in os.listdir(tmp_path):
        if name.startswith("process.db"):
            assert KEY.encode() not in (tmp_path / name).read_bytes(), name


def test_what_the_writer_process_learns_reaches_the_proxy(tmp_path: Path):
    snapshots: list[Any] = []
    got = threading.Event()
    store = ProcessStore(
        tmp_path / "t.db", demote_after=3, on_knowledge=lambda k: (snapshots.append(k), got.set())
    )
    store.start()
    assert [k.as_json() for k in snapshots] == [[]]  # the snapshot at start: nothing learned yet
    got.clear()
    store.put(
        capture("learns", {"model": "grok-4"}, verdict="unexplained", response_body=XAI_ERROR, model="grok-4")
    )
    assert got.wait(20)
    store.close()
    learned = load_knowledge(open_db(tmp_path / "t.db"))
    assert learned.constraint_count == 1
    assert snapshots[-1].as_json() == learned.as_json()


def test_a_killed_writer_is_restarted_and_the_rows_it_held_are_counted_as_dropped(tmp_path: Path, caplog):
    caplog.set_level(logging.INFO)
    path = tmp_path / "t.db"
    store = ProcessStore(path, busy_timeout=0.05)
    store.start()
    first = store.pid
    locked = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(path, 1.0, locked))
    holder.start()
    locked.wait(5)
    for i in range(5):  # the writer holds these, retrying against the lock
        store.put(capture(f"held{i}", {"model": "gpt-4o"}))
    wait_for(lambda: store.in_flight == 5)
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: store.pid not in (None, first))
    holder.join()
    for i in range(3):
        store.put(capture(f"after{i}", {"model": "gpt-4o"}))
    store.close()
    assert ids(path) == ["after0", "after1", "after2"]
    reason = f"writer process died (exit status {-signal.SIGKILL})"
    assert store.counters() == {
        "rows_queued": 8,
        "rows_written": 3,
        "rows_dropped": 5,
        "rows_pending": 0,
        "write_retries": store.retries,
        "db_recreated": 0,
        f"rows_dropped[{reason}]": 5,
        "writer_restarts": 1,
    }
    assert store.restarts == 1
    assert "5 rows it held were DROPPED" in caplog.text
    assert f"{reason}; 5 rows it held were DROPPED" in caplog.text
    assert f"3 of 8 rows written to {path}; 5 DROPPED (5 {reason}); writer process restarted 1 time(s)" in (
        caplog.text
    )


def test_rows_queued_while_the_writer_restarts_are_written(tmp_path: Path):
    path = tmp_path / "t.db"
    store = ProcessStore(path)
    store.start()
    store.put(capture("before", {"model": "gpt-4o"}))
    wait_for(lambda: store.written == 1)
    first = store.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    for i in range(20):  # some reach the dead process's pipe, the others wait for the next one
        store.put(capture(f"r{i:02}", {"model": "gpt-4o"}))
    wait_for(lambda: store.pid not in (None, first))
    for i in range(20, 25):
        store.put(capture(f"r{i:02}", {"model": "gpt-4o"}))
    store.close()
    counts = store.counters()
    stored = ids(path)
    # Each row is either on disk or counted as dropped, for the one reason; none is lost silently.
    assert {"before", "r20", "r21", "r22", "r23", "r24"} <= set(stored)
    assert len(stored) == counts["rows_written"]
    assert counts["rows_written"] + counts["rows_dropped"] == 26
    assert set(store.dropped) <= {f"writer process died (exit status {-signal.SIGKILL})"}
    assert store.restarts == 1


def test_a_bad_path_fails_at_start_with_the_option_named(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = ProcessStore(blocker / "t.db")
    with pytest.raises(WriterStartError) as raised:
        store.start()
    assert raised.value.option == "toolguard_db"
    assert raised.value.message.startswith(f"cannot open {blocker / 't.db'}: ")
    store.close()  # safe after a failed start


def test_an_unpicklable_item_is_dropped_and_counted_the_rest_written(tmp_path: Path, caplog):
    path = tmp_path / "t.db"
    store = ProcessStore(path)
    store.start()
    store.put(capture("ok1", {"model": "gpt-4o"}))
    store.put(capture("bad", {"model": "gpt-4o"}, extra={"lock": threading.Lock()}))
    store.put(capture("ok2", {"model": "gpt-4o"}))
    store.close()
    assert ids(path) == ["ok1", "ok2"]
    assert store.dropped == {"row could not be sent to the writer: TypeError": 1}
    assert "could not hand bad to the writer process" in caplog.text


def test_the_writer_process_runs_at_normal_priority_with_the_same_interpreter(tmp_path: Path):
    store = ProcessStore(tmp_path / "t.db")
    store.start()
    try:
        pid = store.pid
        assert pid is not None
        assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0)
        exe = os.readlink(f"/proc/{pid}/exe")
        assert exe == os.readlink(f"/proc/{os.getpid()}/exe")
        assert b"toolguard_core.writer" in Path(f"/proc/{pid}/cmdline").read_bytes()
    finally:
        store.close()


def test_the_syncer_runs_in_the_writer_process_and_its_counters_reach_the_proxy(tmp_path: Path):
    # A PostgreSQL URL no server answers: the syncer is built in the writer process (and retries in
    # the background), the rows stay in the spool, and its counters reach the proxy's side.
    store = ProcessStore(tmp_path / "spool.db", pg_url="postgresql://toolguard@127.0.0.1:9/none")
    store.start()
    store.put(capture("spooled", {"model": "gpt-4o"}))
    store.close()
    counts = store.counters()
    assert ids(tmp_path / "spool.db") == ["spooled"]
    assert {k for k in counts if k.startswith("pg_")} == {
        "pg_rows_synced",
        "pg_rows_pending",
        "pg_sync_errors",
        "pg_learned_pulled",
        "pg_unreachable",
    }
    assert store.exit_status == 0  # the syncer's last attempt did not cut the drain short
    # Pending: the flow's row and its finding's, unsent.
    assert (counts["pg_rows_synced"], counts["pg_rows_pending"], counts["pg_sync_errors"] > 0) == (0, 2, True)


def test_close_with_a_timeout_gives_up_counts_the_rest_and_starts_no_new_writer(tmp_path: Path, caplog):
    path = tmp_path / "t.db"
    store = ProcessStore(path, busy_timeout=0.05)
    store.start()
    first = store.pid
    locked = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(path, 3.0, locked))
    holder.start()
    locked.wait(5)
    for i in range(3):
        store.put(capture(f"r{i}", {"model": "gpt-4o"}))
    wait_for(lambda: store.in_flight == 3)
    started = time.monotonic()
    store.close(timeout=0.5)
    assert time.monotonic() - started < 2.5
    holder.join()
    assert store.dropped == {"shutdown timeout": 3}
    assert (store.queued, store.written, store.failed, store.restarts) == (3, 0, 3, 0)
    assert store.pid is None and first is not None
    assert "gave up waiting for the writer; 3 queued rows not written" in caplog.text


def test_the_addon_stores_the_same_rows_and_stats_with_either_writer(tmp_path: Path):
    """toolguard_writer=process (the default) and =thread: same rows, same toolguard.stats keys and values."""
    from mitmproxy.test import taddons
    from support.seeds import LONE_TOOL
    from test_addon import answer, make_flow, run

    from toolguard_core.addon import ToolGuard

    results = {}
    for writer in ("process", "thread"):
        db_path = tmp_path / f"{writer}.db"
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(addon, toolguard_db=str(db_path), toolguard_writer=writer)
            assert type(addon.store) is (ProcessStore if writer == "process" else Store)
            run(addon, make_flow(LONE_TOOL.body()), answer(400, LONE_TOOL.error_body()))
            assert addon.store is not None
            addon.store.close()
            stats = json.loads(tctx.command(addon.stats_command))
            addon.done()
        varying = {"id", "datetime_utc", "duration_ms", "run_id"}
        flows = [{k: v for k, v in r.items() if k not in varying} for r in dump(db_path)["flows"]]
        findings = [{k: v for k, v in r.items() if k != "flow_id"} for r in dump(db_path)["findings"]]
        results[writer] = (stats, flows, findings)
    assert results["process"] == results["thread"]
    assert results["process"][0]["rows_written"] == 1 and len(results["process"][1]) == 1


def rowids(path: Path) -> list[str]:
    """The stored flows in the order they were written."""
    # flows is a view over flow_rows (store.py's migrations): the table has the insertion order.
    return [r["id"] for r in sqlite_utils.Database(path).query("SELECT id FROM flow_rows ORDER BY rowid")]


def test_rows_put_while_the_writer_starts_wait_and_are_written_in_order(tmp_path: Path):
    path = tmp_path / "t.db"
    store = ProcessStore(path)
    started = time.monotonic()
    store.start(wait=False)
    returned = time.monotonic() - started
    assert not store.started.done()  # the child is still importing: start did not wait for it
    for i in range(5):
        store.put(capture(f"early{i}", {"model": "gpt-4o"}))
    store.wait_started()
    store.put(capture("late", {"model": "gpt-4o"}))
    store.close()
    assert rowids(path) == ["early0", "early1", "early2", "early3", "early4", "late"]
    assert store.counters() == {
        "rows_queued": 6,
        "rows_written": 6,
        "rows_dropped": 0,
        "rows_pending": 0,
        "write_retries": 0,
        "db_recreated": 0,
    }
    assert returned < 0.5, returned  # a fork and a write, not the child's imports and migrations


def test_past_the_queue_bound_a_waiting_flow_is_dropped_and_counted(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("toolguard_core.writerproc.MAX_QUEUED", 3)
    path = tmp_path / "t.db"
    store = ProcessStore(path)
    store.start(wait=False)
    for i in range(5):  # nothing is sent before the child is ready: the queue holds 3
        store.put(capture(f"r{i}", {"model": "gpt-4o"}))
    store.put(RunRow(id="run-1", started_utc="2026-11-30T10:00:00.000Z"))  # a run's row is kept
    assert not store.started.done()
    store.close()
    assert rowids(path) == ["r0", "r1", "r2"]
    assert [r["id"] for r in sqlite_utils.Database(path)["runs"].rows] == ["run-1"]
    assert store.counters() == {
        "rows_queued": 5,
        "rows_written": 3,
        "rows_dropped": 2,
        "rows_pending": 0,
        "write_retries": 0,
        "db_recreated": 0,
        "rows_dropped[writer queue full (3 rows waiting)]": 2,
    }


def test_past_the_queue_byte_bound_a_waiting_bulky_flow_is_dropped_and_counted(tmp_path: Path, monkeypatch):
    # Session 11: MAX_QUEUED alone let 10,000 stored 1 MB turns wait in the proxy (10 GB).
    history = [{"role": "user", "content": f"turn {i} " + "x" * 2000} for i in range(40)]
    big = json.dumps({"model": "gpt-4o", "messages": history}).encode()
    assert len(big) >= OUT_OF_BAND_BYTES
    monkeypatch.setattr("toolguard_core.writerproc.MAX_QUEUED_BYTES", 2 * len(big) + 1)
    path = tmp_path / "t.db"
    store = ProcessStore(path)
    store.start(wait=False)
    # Nothing is sent before the child is ready: two bulky bodies fit, the third does not; a small
    # flow after it still waits (the bound is on bytes, not on the flow).
    for i in range(3):
        store.put(capture(f"big{i}", big))
    store.put(capture("small", {"model": "gpt-4o"}))
    assert store._items_bytes == 2 * len(big)
    store.close()
    assert rowids(path) == ["big0", "big1", "small"]
    assert store._items_bytes == 0
    assert store.counters() == {
        "rows_queued": 4,
        "rows_written": 3,
        "rows_dropped": 1,
        "rows_pending": 0,
        "write_retries": 0,
        "db_recreated": 0,
        "rows_dropped[writer queue full (0 MB waiting)]": 1,
    }


def test_a_writer_that_cannot_start_reports_it_and_counts_the_rows_it_took_down(tmp_path: Path, caplog):
    caplog.set_level(logging.INFO)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = ProcessStore(blocker / "t.db")
    store.start(wait=False)
    store.put(capture("r0", {"model": "gpt-4o"}))
    store.put(capture("r1", {"model": "gpt-4o"}))
    with pytest.raises(WriterStartError) as raised:
        store.wait_started()
    assert raised.value.message.startswith(f"cannot open {blocker / 't.db'}: ")
    started = time.monotonic()
    store.close()
    assert time.monotonic() - started < 1
    assert store.dropped == {"writer process could not start": 2}
    assert f"0 of 2 rows written to {blocker / 't.db'}; 2 DROPPED (2 writer process could not start)" in (
        caplog.text
    )
    assert store.pid is None


def test_a_stopped_writer_is_found_stuck_killed_and_replaced(tmp_path: Path, caplog):
    """kill -STOP: alive, silent. The watchdog kills it once it holds rows and has said nothing for
    silence_seconds; its rows are dropped with that reason, the next ones written."""
    caplog.set_level(logging.INFO)
    path = tmp_path / "t.db"
    store = ProcessStore(path, silence_seconds=3.0)
    store.start()
    store.put(capture("before", {"model": "gpt-4o"}))
    wait_for(lambda: store.written == 1)
    first = store.pid
    assert first is not None
    os.kill(first, signal.SIGSTOP)
    try:
        for i in range(3):
            store.put(capture(f"held{i}", {"model": "gpt-4o"}))
        wait_for(lambda: store.in_flight == 3, timeout=5)  # in its pipe, never read
        wait_for(lambda: store.pid not in (None, first), timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(first, signal.SIGKILL)
    for i in range(2):
        store.put(capture(f"after{i}", {"model": "gpt-4o"}))
    store.close()
    reason = "writer process stuck (no answer for 3s)"
    assert rowids(path) == ["before", "after0", "after1"]
    assert store.counters() == {
        "rows_queued": 6,
        "rows_written": 3,
        "rows_dropped": 3,
        "rows_pending": 0,
        "write_retries": 0,
        "db_recreated": 0,
        f"rows_dropped[{reason}]": 3,
        "writer_restarts": 1,
        "writer_stuck": 1,
    }
    assert f"the writer process (pid {first}) is stuck: no answer for 3s, holding 3 rows; killing it" in (
        caplog.text
    )
    assert f"{reason}; 3 rows it held were DROPPED" in caplog.text
    assert (
        f"3 of 6 rows written to {path}; 3 DROPPED (3 {reason}); "
        "writer process restarted 1 time(s) (1 found stuck)" in caplog.text
    )


def test_a_writer_stuck_in_a_lock_wait_is_killed_and_its_rows_accounted(tmp_path: Path, caplog):
    """Alive and answering, but no row acknowledged: a statement waiting on another process's lock
    (busy_timeout longer than the stall limit, as a hung file system or a deadlock would)."""
    path = tmp_path / "t.db"
    store = ProcessStore(path, busy_timeout=30.0, stall_seconds=1.0)
    store.start()
    first = store.pid
    locked = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(path, 4.0, locked))
    holder.start()
    try:
        assert locked.wait(5)
        for i in range(2):
            store.put(capture(f"held{i}", {"model": "gpt-4o"}))
        wait_for(lambda: store.pid not in (None, first), timeout=30)  # killed; the next one opens
    finally:
        holder.join()
    store.put(capture("after", {"model": "gpt-4o"}))
    store.close()
    reason = "writer process stuck (no row acknowledged for 1s)"
    assert rowids(path) == ["after"]
    assert store.counters() == {
        "rows_queued": 3,
        "rows_written": 1,
        "rows_dropped": 2,
        "rows_pending": 0,
        "write_retries": 0,
        "db_recreated": 0,
        f"rows_dropped[{reason}]": 2,
        "writer_restarts": 1,
        "writer_stuck": 1,
    }


def test_a_writer_that_cannot_start_again_does_not_hold_close(tmp_path: Path, caplog):
    """The database's directory renamed away (a file in its place) and the writer killed: every
    restart fails; close gives up at the next attempt and says how many rows were dropped and why."""
    caplog.set_level(logging.INFO)
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "t.db"
    store = ProcessStore(path)
    store.start()
    store.put(capture("before", {"model": "gpt-4o"}))
    wait_for(lambda: store.written == 1)
    first = store.pid
    assert first is not None
    folder.rename(tmp_path / "moved")
    folder.write_text("not a directory any more")
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: "cannot restart the writer process" in caplog.text, timeout=30)
    for i in range(3):
        store.put(capture(f"r{i}", {"model": "gpt-4o"}))
    started = time.monotonic()
    store.close()
    waited = time.monotonic() - started
    # At most one back-off (RESTART_BACKOFF's cap, 5 s) and one failed start.
    assert waited < 15, waited
    assert rowids(tmp_path / "moved" / "t.db") == ["before"]
    reason = "writer process could not restart"
    assert store.counters() == {
        "rows_queued": 4,
        "rows_written": 1,
        "rows_dropped": 3,
        "rows_pending": 0,
        "write_retries": 0,
        "db_recreated": 0,
        f"rows_dropped[{reason}]": 3,
    }
    assert "the writer process could not start again; 3 queued rows DROPPED" in caplog.text
    assert f"1 of 4 rows written to {path}; 3 DROPPED (3 {reason})" in caplog.text
    assert store.pid is None


@pytest.mark.parametrize(
    ("direct", "gather"),
    [
        (False, 0.0),  # every row through the sender, which sleeps after every batch: a put races each sleep
        (False, 0.002),
        (True, 0.0),  # put() writes itself whenever it can; the rest races the sender's sleep
    ],
)
def test_rows_put_while_the_sender_sleeps_and_wakes_all_arrive_in_order(
    tmp_path: Path, monkeypatch, direct: bool, gather: float
):
    # put() wakes the sender only when it has gone to sleep (issue #12): a row put just as it goes
    # to sleep must still be sent. Asserted before close(), which wakes the sender itself and would
    # hide a stranded row.
    monkeypatch.setattr("toolguard_core.writerproc.GATHER_SECONDS", gather)
    if not direct:
        monkeypatch.setattr(ProcessStore, "_send_now", lambda self, item: False)
    path = tmp_path / "t.db"
    store = ProcessStore(path)
    store.start()
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    items = [capture(f"h{i:04d}", body) for i in range(400)]
    pauses = [0.0, 0.0005, 0.001, 0.003, 0.0, 0.04]  # within a batch, across a sleep, past the linger
    sent = 0
    for burst, pause in enumerate(pauses * 20):
        for item in items[sent : sent + 1 + burst % 5]:
            store.put(item)
        sent = min(len(items), sent + 1 + burst % 5)
        if pause:
            time.sleep(pause)
        if sent == len(items):
            break
    for item in items[sent:]:
        store.put(item)
    try:
        wait_for(lambda: store.counters()["rows_written"] == len(items))
    finally:
        counts = store.counters()
        store.close()
    assert counts == {
        "rows_queued": 400,
        "rows_written": 400,
        "rows_dropped": 0,
        "rows_pending": 0,
        "write_retries": 0,
        "db_recreated": 0,
    }
    assert rowids(path) == [f"h{i:04d}" for i in range(400)]


def test_in_flight_and_rows_pending_count_flows_not_the_runs_own_row(tmp_path: Path):
    """rows_queued counts flows (``put`` does not count a run's row), so the rows still pending and
    in flight count flows only too: a run's row held beside them is not one more "row"."""
    path = tmp_path / "t.db"
    store = ProcessStore(path, silence_seconds=600.0)
    store.start()
    writer = store.pid
    assert writer is not None
    os.kill(writer, signal.SIGSTOP)  # alive, reading nothing: everything sent stays in flight
    try:
        store.put(RunRow(id="run-1", started_utc="2026-11-30T10:00:00.000Z"))
        for i in range(3):
            store.put(capture(f"held{i}", {"model": "gpt-4o"}))
        wait_for(lambda: not store._items)  # all four sent to the stopped writer
        counts = store.counters()
        assert (store.in_flight, counts["rows_pending"], counts["rows_queued"]) == (3, 3, 3)
    finally:
        os.kill(writer, signal.SIGCONT)
    store.close()
    assert rowids(path) == ["held0", "held1", "held2"]
    assert [r["id"] for r in sqlite_utils.Database(path).query("SELECT id FROM runs")] == ["run-1"]
    assert (store.in_flight, store.counters()["rows_pending"]) == (0, 0)


def test_a_writer_that_stops_reading_never_blocks_put_and_gets_every_row_in_order(tmp_path: Path):
    # put() writes to the writer's pipe itself (issue #12), never waiting: with the writer stopped,
    # the pipe fills, a frame goes in part, and the rows after it wait for the sender; continued,
    # the writer gets the rest of that frame first and then the others, in order, none lost.
    path = tmp_path / "t.db"
    store = ProcessStore(path, silence_seconds=120)
    store.start()
    pid = store.pid
    assert pid is not None
    # Under the out-of-band bound, so put() writes them itself; ~120 of them fill the 1 MiB pipe.
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x" * 40_000}]}
    items = [capture(f"s{i:04d}", body) for i in range(150)]
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        for item in items:
            store.put(item)
        putting = time.monotonic() - started
        assert store._held is not None or store._items  # the pipe is full: some rows wait
        pending = store.counters()["rows_pending"]
    finally:
        os.kill(pid, signal.SIGCONT)
    assert putting < 10, putting  # a blocked put would never return; this bounds a loaded machine
    assert pending == len(items)
    wait_for(lambda: store.counters()["rows_written"] == len(items), timeout=60)
    counts = store.counters()
    same_writer = store.pid == pid  # stopped for a moment is not stuck: not replaced
    store.close()
    assert same_writer
    assert counts == {
        "rows_queued": 150,
        "rows_written": 150,
        "rows_dropped": 0,
        "rows_pending": 0,
        "write_retries": 0,
        "db_recreated": 0,
    }
    assert rowids(path) == [f"s{i:04d}" for i in range(150)]


def test_a_writer_that_fails_to_open_while_the_proxy_stops_says_why_not_zero_rows_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Found by the reliability walkthrough: with an unwritable $HOME, mitmproxy stopped for its own
    # confdir before the writer's failure arrived, and the last toolguard line was "0 of 0 rows
    # written to ~/.local/share/toolguard/toolguard.db", as if the store had worked.
    from toolguard_core.store import progress_line
    from toolguard_core.writerproc import ProcessStore

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    path = blocker / "sub" / "toolguard.db"
    store = ProcessStore(path)
    caplog.set_level(logging.INFO)
    store.start(wait=False)
    store.close()  # at once: the child has not even imported Python's modules yet
    # On a loaded machine the child takes over PROGRESS_SECONDS to fail, and close() says it waits for
    # it every 2 s (store.progress_line): not a line about the store's outcome.
    waiting = f"toolguard: {progress_line(path, 0, 0)}"
    said = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("toolguard:") and r.getMessage() != waiting
    ]
    assert len(said) == 1 and said[0].startswith(f"toolguard: toolguard_db: cannot open {path}: "), said


def test_once_the_sender_has_written_bodies_and_waits_it_gives_the_free_memory_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session 13 (docs/benchmarks.md, "the proxy's memory plateau"): the bodies queued for the writer
    are freed once written, but glibc kept the freed heap and the proxy's RSS stayed at its peak. The
    sender gives it back (malloc_trim) when it goes idle after writing bodies, at most once in
    TRIM_INTERVAL_SECONDS, a deferred one when they have passed even if nothing else comes; never
    for small rows alone."""
    history = [{"role": "user", "content": f"turn {i} " + "x" * 2000} for i in range(40)]
    big = json.dumps({"model": "gpt-4o", "messages": history}).encode()
    assert len(big) >= OUT_OF_BAND_BYTES
    monkeypatch.setattr("toolguard_core.writerproc.TRIM_INTERVAL_SECONDS", 1.0)
    given: list[float] = []
    monkeypatch.setattr(
        "toolguard_core.writerproc.give_back_free_memory", lambda: given.append(time.monotonic())
    )
    path = tmp_path / "t.db"
    store = ProcessStore(path)
    store.start(wait=True)

    def written() -> int:
        try:
            return len(rowids(path))
        except sqlite3.OperationalError:  # the writer has not created its tables yet
            return 0

    def wait_for(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 60
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.02)

    store.put(capture("small", {"model": "gpt-4o"}))
    wait_for(lambda: written() == 1)
    time.sleep(0.3)
    assert given == []  # no body: nothing freed to give back
    for i in range(2):
        store.put(capture(f"big{i}", big))
    wait_for(lambda: len(given) == 1)
    # Right after that trim: these two wait for the interval, though nothing else comes.
    for i in range(2, 4):
        store.put(capture(f"big{i}", big))
    wait_for(lambda: len(given) == 2)
    store.close()
    assert rowids(path) == ["small", "big0", "big1", "big2", "big3"]
    assert len(given) == 2 and given[1] - given[0] >= 0.9


def test_give_back_free_memory_calls_glibc() -> None:
    """On glibc (this project's Linux images) malloc_trim exists; it answers whether memory was freed."""
    from toolguard_core import writerproc

    assert writerproc._TRIM is not None
    assert writerproc.give_back_free_memory() in (True, False)


def _switches(tid: int) -> int:
    status = Path(f"/proc/self/task/{tid}/status").read_text()
    return sum(int(line.split()[1]) for line in status.splitlines() if "ctxt_switches:" in line)


def _settled(tids: list[int], quiet: float, timeout: float = 20.0) -> list[int]:
    """The threads' switch counts once none has moved for ``quiet`` seconds (within ``timeout``)."""
    deadline = time.monotonic() + timeout
    counts = [_switches(tid) for tid in tids]
    while True:
        time.sleep(quiet)
        now = [_switches(tid) for tid in tids]
        if now == counts:
            return now
        assert time.monotonic() < deadline, f"the threads never went quiet for {quiet} s"
        counts = now


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads Linux's /proc")
def test_the_watchdog_and_the_reader_sleep_while_no_row_is_held_and_wake_for_one(tmp_path: Path):
    """Issue #12 (session 19): no wake-up every WATCH_SECONDS (the watchdog) nor every
    HEARTBEAT_SECONDS (the reader of an idle child's heartbeat) in the proxy while the writer holds
    nothing (the small clean flow's traffic stores nothing); a row sent wakes both (the stopped
    writer above is still found)."""
    store = ProcessStore(tmp_path / "t.db")
    store.start()
    try:
        store.put(capture("one", {"model": "gpt-4o"}))
        wait_for(lambda: store.written == 1)
        tids = [store._watchdog.native_id, store._supervisor.native_id]
        assert None not in tids
        # The row's acknowledgement read, the watchdog's last look, then asleep: waited for (no
        # switch for 0.6 s), not assumed after a fixed 0.6 s, which a loaded machine outlasted.
        before = _settled(tids, quiet=0.6)
        time.sleep(2.2)  # WATCH_SECONDS 0.25, HEARTBEAT_SECONDS 1: 8 and 2 wake-ups before
        assert [_switches(tid) for tid in tids] == before
        store.put(capture("two", {"model": "gpt-4o"}))
        wait_for(lambda: all(_switches(t) > b for t, b in zip(tids, before, strict=True)), timeout=5)
        wait_for(lambda: store.written == 2)
    finally:
        store.close()
