"""What the proxy's log says while the shared PostgreSQL store is out of reach and after it is back
(trial21b). With ``mitmdump`` the log is all a team sees while the proxy runs (``toolguard.stats`` is a
console command, the counters line comes at exit): before, it said "cannot sync ... rows stay in the
spool and are retried" once, without how many, said nothing when the server was back, and a second
outage with the same error text was not logged at all (the message was compared with the first
outage's). Against a real PostgreSQL server stopped and started in the middle of the test, with the
real :class:`~toolguard_core.pgstore.Syncer` on a real spool."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from toolguard_core.store import FlowRow, open_db, write_rows

psycopg = pytest.importorskip("psycopg")
pgstore = pytest.importorskip("toolguard_core.pgstore")


def _wait(predicate: Callable[[], Any], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _write(spool: Path, prefix: str, count: int) -> None:
    db = open_db(spool)
    write_rows(
        db, [FlowRow(id=f"{prefix}-{i}", datetime_utc="2026-12-02T00:00:00.000Z") for i in range(count)]
    )
    db.close()


def _pg_count(url: str) -> int:
    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT count(*) FROM flow_rows").fetchone()[0]
    except psycopg.Error:  # not created yet, or the server is stopped
        return -1


def test_the_log_says_what_waits_during_an_outage_and_what_was_sent_after_it(
    postgres_server: Any, postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=pgstore.__name__)
    spool = tmp_path / "spool.db"
    _write(spool, "before", 2)
    syncer = pgstore.Syncer(
        spool, postgres_url, interval=0.05, gather=0.0, max_backoff=0.2, max_interval=0.2, pull_interval=3600
    )
    syncer.start()
    try:
        _wait(lambda: _pg_count(postgres_url) == 2, "the first rows in PostgreSQL")
        messages: list[str] = []

        def lines() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.name == pgstore.__name__]

        for outage in range(2):  # the second outage fails with the same text as the first
            caplog.clear()
            postgres_server.stop()
            _write(spool, f"outage{outage}", 3)
            syncer.wake()
            _wait(lambda: any("cannot sync" in m for m in lines()), f"the warning of outage {outage}")
            postgres_server.start()
            expected = 2 + 3 * (outage + 1)
            _wait(lambda n=expected: _pg_count(postgres_url) == n, f"the rows of outage {outage}")
            _wait(lambda: any("reachable again" in m for m in lines()), f"the line after outage {outage}")
            messages.append("\n".join(lines()))
        for text in messages:
            warning = next(m for m in text.splitlines() if "cannot sync" in m)
            # How many rows wait is said (flows and their child rows: 3 flows, nothing else).
            assert "3 rows wait in " + str(spool) in warning, warning
            assert "***@" in warning or "toolguard@" in warning
            back = next(m for m in text.splitlines() if "reachable again" in m)
            assert back.startswith(
                "toolguard: " + pgstore.redact_url(postgres_url) + " is reachable again"
            ), back
            assert "3 rows sent from the spool" in back, back
            assert "0 rows wait" in back, back
    finally:
        syncer.close()
