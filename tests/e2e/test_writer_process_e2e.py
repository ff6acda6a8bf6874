"""The writer process under real mitmdump (writerproc.py): killed mid-run, traffic is untouched, a new
writer takes over, and every flow is either on disk or counted as dropped with the reason; mitmdump
itself killed hard (`kill -9`), the writer writes every row it had been handed."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from support.upstream import Upstream, openai_like

from e2e.test_opentelemetry_e2e import ORPHAN, VALID, final_stats, send, stored
from toolguard_core.writerproc import SILENCE_SECONDS

pytestmark = pytest.mark.e2e


def writer_pids(pid: int) -> list[int]:
    """mitmdump's children that are toolguard's writer process."""
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            try:
                if b"toolguard_core.writer" in Path(f"/proc/{child}/cmdline").read_bytes():
                    pids.append(int(child))
            except OSError:
                continue
    return pids


def wait_for(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_writer_process_leaves_traffic_untouched_and_is_replaced(
    upstream, mitmdump_reverse, openai_client
) -> None:
    proxy = mitmdump_reverse(options={"toolguard_store_all": "true"})
    client = openai_client(proxy)
    before = [send(client, VALID), send(client, ORPHAN), send(client, VALID)]
    assert before == ["Both calls completed.", None, "Both calls completed."]
    wait_for(lambda: len(stored(proxy.db_path)) == 3)
    [first] = writer_pids(proxy._process.pid)
    os.kill(first, signal.SIGKILL)
    after = [send(client, VALID), send(client, ORPHAN), send(client, VALID), send(client, ORPHAN)]
    assert after == ["Both calls completed.", None, "Both calls completed.", None]  # as without the kill
    proxy.wait_for_output(r"writer process restarted \(pid \d+\)")
    [second] = writer_pids(proxy._process.pid)
    assert second != first
    output = proxy.stop()
    stats = final_stats(output)
    rows = stored(proxy.db_path)
    # Nothing lost silently: each flow is on disk, or counted as dropped for the one reason.
    dropped = {k: v for k, v in stats.items() if k.startswith("rows_dropped[")}
    assert set(dropped) <= {f"rows_dropped[writer process died (exit status {-signal.SIGKILL})]"}
    assert (stats["rows_queued"], stats["rows_written"] + stats["rows_dropped"]) == (7, 7)
    assert len(rows) == stats["rows_written"] >= 3
    assert stats["rows_pending"] == 0
    assert f"{stats['rows_written']} of 7 rows written to {proxy.db_path}" in output


def test_a_stopped_writer_process_leaves_traffic_untouched_and_is_found_stuck(
    upstream, mitmdump_reverse, openai_client
) -> None:
    """kill -STOP: the writer is alive but silent. Flows pass at once all the same; the watchdog
    (SILENCE_SECONDS) kills it, its rows are dropped with that reason, and a new writer takes over."""
    proxy = mitmdump_reverse(options={"toolguard_store_all": "true"})
    client = openai_client(proxy)
    assert [send(client, VALID), send(client, ORPHAN)] == ["Both calls completed.", None]
    wait_for(lambda: len(stored(proxy.db_path)) == 2)
    [first] = writer_pids(proxy._process.pid)
    os.kill(first, signal.SIGSTOP)
    try:
        started = time.monotonic()
        during = [send(client, VALID), send(client, ORPHAN)]
        answered_in = time.monotonic() - started
        assert during == ["Both calls completed.", None]  # as without the fault
        assert answered_in < SILENCE_SECONDS / 2, answered_in  # not held by the stuck writer
        proxy.wait_for_output(
            # 2 rows, up to 4: the rows before the stop may be on disk and not acknowledged yet under
            # load (then looked up there, and counted as written, not dropped).
            rf"writer process \(pid {first}\) is stuck: no answer for {SILENCE_SECONDS:g}s, holding [234] rows",
            timeout=SILENCE_SECONDS + 20,
        )
        proxy.wait_for_output(r"writer process restarted \(pid \d+\)", timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(first, signal.SIGKILL)
    [second] = writer_pids(proxy._process.pid)
    assert second != first
    assert [send(client, VALID), send(client, ORPHAN)] == ["Both calls completed.", None]
    output = proxy.stop()
    stats = final_stats(output)
    reason = f"writer process stuck (no answer for {SILENCE_SECONDS:g}s)"
    writer = {k: v for k, v in stats.items() if k.startswith(("rows_", "writer_"))}
    assert writer == {
        "rows_queued": 6,
        "rows_written": 4,
        "rows_dropped": 2,
        "rows_pending": 0,
        f"rows_dropped[{reason}]": 2,
        "writer_restarts": 1,
        "writer_stuck": 1,
    }
    assert len(stored(proxy.db_path)) == 4
    assert f"4 of 6 rows written to {proxy.db_path}; 2 DROPPED (2 {reason})" in output


def test_a_writer_that_cannot_start_again_does_not_hold_mitmdumps_stop(
    upstream, mitmdump_reverse, openai_client, tmp_path
) -> None:
    """The database's directory renamed away (a file in its place) and the writer killed: every
    restart fails. Traffic passes; the stop ends at the next attempt, not never, and the final
    stats count the waiting rows as dropped with the reason."""
    folder = tmp_path / "data"
    folder.mkdir()
    proxy = mitmdump_reverse(
        options={"toolguard_store_all": "true", "toolguard_db": str(folder / "t.db")}, stats_probe=True
    )
    client = openai_client(proxy)
    assert send(client, VALID) == "Both calls completed."
    wait_for(lambda: len(stored(folder / "t.db")) == 1)
    # On disk is not yet acknowledged: once the file is gone, an unacknowledged row could not be
    # looked up there and would count as dropped. Wait for the acknowledgement itself (the proxy's
    # rows_written moves with it), not ACK_SECONDS * 5.
    proxy.wait_for_stats(lambda s: s.get("rows_written") == 1, "the writer's acknowledgement")
    [first] = writer_pids(proxy._process.pid)
    folder.rename(tmp_path / "moved")
    folder.write_text("not a directory any more")
    os.kill(first, signal.SIGKILL)
    proxy.wait_for_output(r"cannot restart the writer process \(cannot open .*\); retrying \(attempt 1\)")
    assert [send(client, VALID), send(client, ORPHAN)] == ["Both calls completed.", None]  # untouched
    started = time.monotonic()
    output = proxy.stop()
    assert time.monotonic() - started < 20  # one back-off (5 s at most) and one failed start
    stats = final_stats(output)
    reason = "writer process could not restart"
    writer = {k: v for k, v in stats.items() if k.startswith(("rows_", "writer_"))}
    assert writer == {
        "rows_queued": 3,
        "rows_written": 1,
        "rows_dropped": 2,
        "rows_pending": 0,
        f"rows_dropped[{reason}]": 2,
    }
    assert "the writer process could not start again; 2 queued rows DROPPED" in output
    assert len(stored(tmp_path / "moved" / "t.db")) == 1


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")  # ended, not yet reaped by whoever inherited it


def _post_orphan(proxy, i: int) -> int:  # type: ignore[no-untyped-def]
    """A flagged request the loopback upstream answers with OpenAI's real 400 (a lone tool message)."""
    body = {"model": "gpt-4o-mini", "messages": [*ORPHAN[:-1], {**ORPHAN[-1], "content": f"{i}"}]}
    with httpx.Client(timeout=30, trust_env=False) as client:
        return client.post(proxy.url + "/v1/chat/completions", json=body).status_code


def _kill_9(proxy) -> None:  # type: ignore[no-untyped-def]
    proxy._process.send_signal(signal.SIGKILL)
    proxy.kill()
    assert proxy.returncode == -signal.SIGKILL


def test_a_kill_9_of_mitmdump_loses_no_row_it_handed_to_the_writer(mitmdump_factory) -> None:
    """docs/robustness.md, `kill -9` of mitmdump: a burst of flagged flows is handed to a writer
    process held stopped, so none of them is on disk yet; mitmdump is killed hard; the writer, let go,
    drains its input and writes every row the proxy counted as handed over (``rows_queued``), then
    exits on its own."""
    count = 40
    with Upstream(openai_like(delay=0.0), max_requests=count + 5) as upstream:
        proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", stats_probe=True)
        [writer] = writer_pids(proxy._process.pid)
        worker = int(proxy.wait_for_output(r"validation worker started \(pid (\d+)\)")[1])
        os.kill(writer, signal.SIGSTOP)
        try:
            with ThreadPoolExecutor(8) as pool:
                assert list(pool.map(lambda i: _post_orphan(proxy, i), range(count))) == [400] * count
            stats = proxy.wait_for_stats(
                lambda s: s["rows_queued"] == count, "every flagged flow handed over"
            )
            assert stats["rows_written"] == 0 and "writer_stuck" not in stats  # the writer holds them all
            time.sleep(0.5)  # writerproc FLUSH_SECONDS / GATHER_SECONDS: the frames leave the proxy
            assert not _gone(writer)
            _kill_9(proxy)
        finally:
            os.kill(writer, signal.SIGCONT)
        wait_for(lambda: _gone(writer) and _gone(worker), timeout=60)  # neither is left behind
    assert len(stored(proxy.db_path)) == count


def test_a_kill_9_mid_burst_loses_only_the_rows_of_its_last_moments(mitmdump_factory) -> None:
    """The bound docs/robustness.md states for a `kill -9` mid-burst with a writer that keeps up:
    every row the proxy had handed over (``rows_queued``) a quarter of a second before the kill is on
    disk; what can be lost is what was still in the proxy process."""
    count = 150
    with Upstream(openai_like(delay=0.0), max_requests=count + 5) as upstream:
        proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", stats_probe=True)
        [writer] = writer_pids(proxy._process.pid)
        pool = ThreadPoolExecutor(8)
        futures = [pool.submit(_post_orphan, proxy, i) for i in range(count)]
        before = proxy.wait_for_stats(lambda s: s["rows_queued"] >= count // 2, "half the burst handed over")
        time.sleep(0.25)
        _kill_9(proxy)
        for future in futures:
            with contextlib.suppress(Exception):
                future.result()
        pool.shutdown()
        wait_for(lambda: _gone(writer), timeout=60)
    assert len(stored(proxy.db_path)) >= before["rows_queued"] >= count // 2
