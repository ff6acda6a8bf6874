"""The tests' throwaway PostgreSQL cluster (tests/support/postgres.py): a pytest killed before its
fixture's teardown leaves its cluster, and the server, in /dev/shm; the next server removes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.postgres import PREFIX, PostgresServer, binaries, remove_stale_clusters

TESTS = Path(__file__).resolve().parent

# A process that starts a server, prints its directory and postmaster's pid, then waits to be killed.
ORPHAN = """
import sys, time
sys.path.insert(0, sys.argv[1])
from support.postgres import PostgresServer, binaries
server = PostgresServer(binaries())
server.start()
pid = (server.data / "postmaster.pid").read_text().split()[0]
print(server.root, pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (the postmaster's parent is gone and init reaps it) counts as stopped.
    state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    return state != "Z"


def test_a_killed_sessions_cluster_is_stopped_and_removed_by_the_next_server() -> None:
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    maker = subprocess.Popen([sys.executable, "-c", ORPHAN, str(TESTS)], stdout=subprocess.PIPE, text=True)
    live = None
    try:
        assert maker.stdout is not None
        root_name, postmaster = maker.stdout.readline().split()
        root = Path(root_name)
        assert root.name.startswith(f"{PREFIX}{maker.pid}-") and _alive(int(postmaster))
        # A live maker's cluster is someone's running session: left alone.
        assert root not in remove_stale_clusters(bin_dir, str(root.parent))
        assert root.is_dir()
        maker.send_signal(signal.SIGKILL)  # as a killed pytest: no teardown runs
        maker.wait(30)
        assert root.is_dir() and _alive(int(postmaster))

        live = PostgresServer(bin_dir)  # the next session's server cleans up first
        assert not root.exists()
        deadline = time.monotonic() + 30
        while _alive(int(postmaster)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(int(postmaster))
        assert live.root.is_dir() and live.root.name.startswith(f"{PREFIX}{os.getpid()}-")
    finally:
        if maker.poll() is None:
            maker.kill()
        if live is not None:
            live.destroy()
