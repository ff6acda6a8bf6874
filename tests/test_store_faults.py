"""Storage faults against a real SQLite file (issue #16): nothing handed to the writer is lost silently.

A lock held by another process longer than SQLite's busy timeout, a full disk (a small tmpfs, so
root only), the database file deleted while running, values SQLite rejects, and a writer far behind
at shutdown. Every test ends with the counters and the rows on disk agreeing.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from test_store import row

from toolguard_core.store import Store
from toolguard_core.writerproc import ProcessStore

LOCK_SECONDS = 1.5


@pytest.fixture(params=["thread", "process"])
def make_store(request: pytest.FixtureRequest) -> type[Store] | type[ProcessStore]:
    """Each fault against both flavours: the writer thread, and the writer process the addon uses
    (writerproc.py), whose counters and log lines must say the same."""
    return Store if request.param == "thread" else ProcessStore


def ids(path: Path) -> list[str]:
    return sorted(r["id"] for r in sqlite_utils.Database(path)["flows"].rows)


def hold_lock(path: Path, seconds: float, locked: threading.Event) -> None:
    """Another process's writer: an exclusive transaction held for ``seconds``."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    locked.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_a_lock_held_past_the_busy_timeout_is_retried_not_dropped(make_store, tmp_path: Path, caplog):
    path = tmp_path / "t.db"
    store = make_store(path, busy_timeout=0.1)
    store.start()
    locked = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(path, LOCK_SECONDS, locked))
    holder.start()
    locked.wait(5)
    for i in range(50):
        store.put(row(f"r{i:02}"))
    store.close()
    holder.join()
    assert ids(path) == [f"r{i:02}" for i in range(50)]
    assert (store.written, store.failed, store.retries > 0) == (50, 0, True)
    assert "database is locked" in caplog.text and "retrying" in caplog.text


def test_a_lock_that_never_ends_drops_rows_loudly_with_the_reason(make_store, tmp_path: Path, caplog):
    caplog.set_level(logging.INFO)
    path = tmp_path / "t.db"
    store = make_store(path, busy_timeout=0.05, retry_seconds=0.5)
    store.start()
    locked = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(path, 2.0, locked))
    holder.start()
    locked.wait(5)
    for i in range(3):
        store.put(row(f"r{i}"))
    store.close()
    holder.join()
    assert (store.written, store.failed) == (0, 3)
    assert store.counters()["rows_dropped"] == 3
    [reason] = store.dropped
    assert "database is locked" in reason
    # In one batch or several (the writer process may take the first row before the others arrive).
    assert "toolguard: DROPPED" in caplog.text and "(3 dropped so far)" in caplog.text
    assert "0 of 3 rows written" in caplog.text and "3 DROPPED (3 database is locked" in caplog.text


@pytest.mark.parametrize("companions", [True, False], ids=["rm db*", "rm db only"])
def test_a_deleted_database_file_is_recreated_for_later_rows(make_store, tmp_path: Path, companions: bool):
    path = tmp_path / "t.db"
    store = make_store(path)
    store.start()
    store.put(row("before"))
    deadline = time.monotonic() + 5
    while store.written < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    for suffix in ("", "-wal", "-shm") if companions else ("",):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    for i in range(5):
        store.put(row(f"after{i}"))
    store.close()
    assert ids(path) == [f"after{i}" for i in range(5)]
    assert (store.written, store.failed, store.recreated) == (6, 0, 1)


def test_values_sqlite_rejects_are_stored_as_text(make_store, tmp_path: Path):
    path = tmp_path / "t.db"
    store = make_store(path)
    store.start()
    store.put(row("surrogate-model", model="gpt-4o\ud800"))
    store.put(row("big-code", error_code=2**64))
    store.put(row("surrogate-id", error_param="messages[1].tool_call_id", error_message="call_\udc9f bad"))
    store.close()
    db = sqlite_utils.Database(path)
    stored = {r["id"]: r for r in db["flows"].rows}
    assert stored["surrogate-model"]["model"] == "gpt-4o\\ud800"
    assert stored["big-code"]["error_code"] == "18446744073709551616"
    assert stored["surrogate-id"]["error_message"] == "call_\\udc9f bad"
    assert (store.written, store.failed) == (3, 0)


class SlowRow:
    """A row source that takes a while to build (redaction of a large body on the writer thread)."""

    def __init__(self, flow_id: str) -> None:
        self.flow_id = flow_id

    def to_row(self):
        time.sleep(0.01)
        return row(self.flow_id)


def test_close_drains_a_writer_far_behind_with_progress_lines(
    make_store, tmp_path: Path, caplog, monkeypatch
):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr("toolguard_core.store.PROGRESS_SECONDS", 0.5)  # read by both flavours
    path = tmp_path / "t.db"
    store = make_store(path, batch_size=10)
    store.start()
    for i in range(200):  # about 2 s of work queued at once
        store.put(SlowRow(f"r{i:03}"))
    store.close()
    assert len(ids(path)) == 200
    assert "still writing to" in caplog.text
    assert f"200 of 200 rows written to {path}" in caplog.text


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (root only: the real 'database or disk is full', not a simulation)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:  # ENOSPC: the disk is full
        pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_is_retried_until_space_frees(make_store, small_disk: Path, caplog):
    path = small_disk / "t.db"
    store = make_store(path)
    store.start()
    filler = fill(small_disk)
    for i in range(20):
        store.put(row(f"r{i:02}", findings=20, request_json="x" * 20_000))
    deadline = time.monotonic() + 5
    while store.retries == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert store.retries > 0 and store.written == 0
    filler.unlink()
    store.close()
    assert ids(path) == [f"r{i:02}" for i in range(20)]
    assert (store.written, store.failed) == (20, 0)
    assert "full" in caplog.text


def test_a_disk_that_stays_full_drops_rows_with_the_reason(make_store, small_disk: Path):
    path = small_disk / "t.db"
    store = make_store(path, retry_seconds=0.5)
    store.start()
    fill(small_disk)
    for i in range(5):
        store.put(row(f"r{i}", request_json="x" * 50_000))
    store.close()
    assert (store.written, store.failed) == (0, 5)
    [reason] = store.dropped
    assert "full" in reason


def test_the_retry_budget_counts_from_the_first_failure_not_the_last_write(make_store, tmp_path: Path):
    path = tmp_path / "t.db"
    store = make_store(path, busy_timeout=0.05, retry_seconds=1.0)
    store.start()
    time.sleep(1.2)  # idle for longer than the retry budget before the first failure
    locked = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(path, 0.5, locked))
    holder.start()
    locked.wait(5)
    store.put(row("after-idle"))
    store.close()
    holder.join()
    assert (ids(path), store.failed, store.retries > 0) == (["after-idle"], 0, True)


# What a file size limit does to the writer, in a process of its own: the limit would also bind
# pytest's own files. Python ignores SIGXFSZ, so a write past it fails (EFBIG) and SQLite says only
# "disk I/O error"; the reliability walkthrough (reliability8) found the lines said no more.
_LIMITED_WRITER = """
import logging, resource, sys
sys.path.insert(0, {tests!r})
from test_store import row
from toolguard_core.store import Store
logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stdout)
store = Store({path!r}, retry_seconds=0.5)
store.start()  # the file made and migrated first; then the limit
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
for i in range(5):
    store.put(row(f"r{{i}}", request_json="x" * 100_000))
store.close()
print("counts", store.written, store.failed)
"""


def test_a_file_size_limit_is_said_in_the_retry_and_drop_lines(tmp_path: Path):
    path = tmp_path / "t.db"
    limit = 300_000
    script = _LIMITED_WRITER.format(tests=str(Path(__file__).parent), limit=limit, path=str(path))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    why = f"disk I/O error in {path} (this process may write files of at most {limit} bytes (ulimit -f))"
    assert lines[0] == f"toolguard: {why}; retrying (5 rows waiting)", result.stdout
    assert lines[-2] == f"toolguard: DROPPED 5 rows: {why} for over 0.5s (5 dropped so far)"
    assert lines[-1] == "counts 0 5"


def test_a_start_up_error_says_a_file_size_limit(tmp_path: Path) -> None:
    # The proxy's start-up line (store.cannot_open) says what storage_limits says on a write failure.
    import resource

    from toolguard_core.store import cannot_open

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (10_000_000, hard))
    try:
        line = cannot_open(tmp_path / "t.db", OSError("database or disk is full"))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert line == (
        f"cannot open {tmp_path / 't.db'}: database or disk is full "
        "(this process may write files of at most 10000000 bytes (ulimit -f))"
    )


@pytest.mark.parametrize(
    ("pending", "written", "line"),
    [
        (3, 7, "still writing to t.db: 3 rows queued, 7 written so far"),
        # Seen on a replay (mitmdump -r): the writer was closing, nothing was stuck.
        (0, 1, "waiting for the writer to finish with t.db: nothing left to write (1 rows written)"),
    ],
)
def test_the_shutdown_progress_line_says_what_it_waits_for(pending: int, written: int, line: str) -> None:
    from toolguard_core.store import progress_line

    assert progress_line("t.db", pending, written) == line
