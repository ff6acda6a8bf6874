"""The migration lock (store._migration_lock): one process migrates a new database at a time, and
the ``<db>.migrate.lock`` file is gone once the migrations are done, also when many open at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlite_utils

from toolguard_core.store import _migration_lock, migrations, open_db

OPEN = """
import sys, time
from toolguard_core.store import open_db
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
open_db(sys.argv[1]).close()
"""


def test_opening_a_new_database_leaves_no_lock_file_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "toolguard.db"
    open_db(path).close()
    open_db(path).close()  # nothing pending: no lock taken
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("toolguard.db-")) == [
        "toolguard.db"
    ]


def test_the_lock_admits_one_holder_at_a_time_although_each_removes_the_file() -> None:
    """Each holder unlinks the lock file before releasing it; a waiter that got the lock on the
    removed file must not go in beside a newcomer that locked the new one."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.db"
        inside = 0
        most = 0
        entered = 0
        guard = threading.Lock()

        def hold() -> None:
            nonlocal inside, most, entered
            for _ in range(20):
                with _migration_lock(path):
                    with guard:
                        inside += 1
                        entered += 1
                        most = max(most, inside)
                    time.sleep(0.001)
                    with guard:
                        inside -= 1

        threads = [threading.Thread(target=hold) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert (most, entered, (Path(tmp) / "t.db.migrate.lock").exists()) == (1, 120, False)


def test_processes_opening_one_new_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    start = time.time() + 1.5  # after every interpreter has imported toolguard_core
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, str(path), str(start)], stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = [(p.wait(60), p.stderr.read() if p.stderr else "") for p in procs]
    assert errors == [(0, "")] * 4
    db = sqlite_utils.Database(path)
    applied = [r["name"] for r in db.query("select name from _sqlite_migrations order by name")]
    db.close()
    assert applied == sorted(m.name for m in migrations._migrations)  # each exactly once
    assert not (tmp_path / "shared.db.migrate.lock").exists()
