"""The writer process under real mitmdump (writerproc.py): killed mid-run, traffic is untouched, a new
writer takes over, and every flow is either on disk or counted as dropped with the reason."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from e2e.test_opentelemetry_e2e import ORPHAN, VALID, final_stats, send, stored

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
