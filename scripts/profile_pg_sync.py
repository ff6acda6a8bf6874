#!/usr/bin/env python3
"""Profile the PostgreSQL syncer's CPU cost per stored row (issue #17: its thread competes with the
proxy's event loop for the interpreter lock).

Fills a spool with N flagged flows as the proxy's writer stores them (one finding each, the bench's
orphan-tool-message body), then runs one sync pass of :class:`toolguard_core.pgstore.Syncer` into a
fresh PostgreSQL database and reports the CPU time the pass held on its thread
(``time.thread_time``: what the event loop could not have), the wall time, and with ``--profile``
cProfile's top functions. Every row is checked to have arrived once.

    .venv/bin/python scripts/profile_pg_sync.py --rows 5000            # a throwaway local server
    .venv/bin/python scripts/profile_pg_sync.py --rows 5000 --profile
    .venv/bin/python scripts/profile_pg_sync.py --url postgresql://toolguard@127.0.0.1:5432/postgres

Without ``--url`` it starts a throwaway cluster with Debian's PostgreSQL (tests/support/postgres.py).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import secrets
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from toolguard_core import pgstore  # noqa: E402
from toolguard_core.store import FindingRow, FlowRow, open_db, write_rows  # noqa: E402

ORPHAN = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "user", "content": "What is the weather in Paris?"},
        {"role": "tool", "content": "sunny, 21 degrees", "tool_call_id": "call_9"},
    ],
}
ERROR = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."


def flow(i: int) -> FlowRow:
    return FlowRow(
        id=str(uuid.uuid4()),
        datetime_utc=f"2026-11-30T08:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z",
        method="POST",
        scheme="http",
        host="127.0.0.1",
        port=8000,
        path="/v1/chat/completions",
        url="http://127.0.0.1:8000/v1/chat/completions",
        provider="openai",
        client="OpenAI/Python 1.99.0",
        model="gpt-4o-mini",
        stream=False,
        status=400,
        duration_ms=3,
        request_headers_json=json.dumps(
            {
                "content-type": "application/json",
                "user-agent": "OpenAI/Python 1.99.0",
                "authorization": "[REDACTED]",
            }
        ),
        request_json=json.dumps(ORPHAN),
        request_bytes=len(json.dumps(ORPHAN)),
        response_headers_json=json.dumps({"content-type": "application/json"}),
        error_message=ERROR,
        error_type="invalid_request_error",
        error_code=None,
        error_param="messages.[1].role",
        error_json=json.dumps(
            {"message": ERROR, "type": "invalid_request_error", "param": "messages.[1].role"}
        ),
        verdict="predicted",
        finding_count=1,
        error_finding_count=1,
        toolguard_version="0.1.0",
        findings=[
            FindingRow(
                idx=0,
                rule="sequence.orphan-tool-message",
                severity="error",
                location="messages[1]",
                message="messages[1] answers call_9, but no assistant message before it made that call.",
            )
        ],
    )


SPIN_BATCH = 10_000


def spin_rate(seconds: float = 1.0) -> float:
    """Iterations per second of a pure-Python loop with no other thread running."""
    spins, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(SPIN_BATCH):
            pass
        spins += SPIN_BATCH
    return spins / (time.perf_counter() - started)


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of a local process so far (/proc; 0 for a server on another host)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5000, help="flows in the spool (each with one finding)")
    parser.add_argument("--url", help="a PostgreSQL server to use (a fresh database is created on it)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top 25 by own time")
    parser.add_argument(
        "--row-by-row",
        action="store_true",
        help="send every batch the fallback way (executemany), for comparison",
    )
    args = parser.parse_args()

    server = None
    url = args.url
    if url is None:
        from support.postgres import PostgresServer, binaries

        bin_dir = binaries()
        if bin_dir is None:
            print("PostgreSQL is not installed (apt-get install postgresql), or give --url", file=sys.stderr)
            return 2
        server = PostgresServer(bin_dir)
        server.start()
        url = server.url
    import psycopg

    name = "profile_" + secrets.token_hex(4)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    target = url.rsplit("/", 1)[0] + f"/{name}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            spool = Path(tmp) / "spool.db"
            db = open_db(spool)
            rows = [flow(i) for i in range(args.rows)]
            for start in range(0, len(rows), 500):
                write_rows(db, rows[start : start + 500])
            db.close()
            syncer = pgstore.Syncer(spool, target, batch_size=args.batch_size)
            # Connected first, so that the server process serving the syncer is known and its CPU
            # time counted too: on one machine it competes with the proxy for the same cores.
            syncer._conn = pgstore.connect(target)
            pgstore.ensure_schema(syncer._conn, syncer.schema)
            backend = server_cpu(syncer._conn.info.backend_pid)
            if args.row_by_row:  # the path every batch took before COPY (now the fallback)

                def refuse(*_: object) -> None:
                    raise psycopg.DataError("--row-by-row")

                pgstore._copy_upsert = refuse  # type: ignore[assignment]
                logging.disable(logging.WARNING)
            profiler = cProfile.Profile() if args.profile else None
            baseline = spin_rate()
            result: dict[str, float] = {}

            def run() -> None:
                cpu, wall = time.thread_time(), time.perf_counter()
                if profiler:
                    profiler.enable()
                syncer._sync_once()
                if profiler:
                    profiler.disable()
                result.update(cpu=time.thread_time() - cpu, wall=time.perf_counter() - wall)

            # The proxy's event loop, stood in for by a pure-Python loop on the main thread: how much
            # of its work the pass takes away is what the interpreter lock costs the proxy.
            thread = threading.Thread(target=run)
            started = time.perf_counter()
            thread.start()
            spins = 0
            while thread.is_alive():
                for _ in range(SPIN_BATCH):
                    pass
                spins += SPIN_BATCH
            during = spins / (time.perf_counter() - started)
            cpu, wall = result["cpu"], result["wall"]
            lost = max(0.0, 1 - during / baseline) * wall
            backend = server_cpu(syncer._conn.info.backend_pid) - backend
            syncer._disconnect()
            with psycopg.connect(target) as conn:
                counts = [conn.execute(f"SELECT count(*), count(DISTINCT {k}) FROM {t}").fetchone()
                          for t, k in (("flows", "id"), ("findings", "flow_id"))]  # fmt: skip
            assert counts == [(args.rows, args.rows), (args.rows, args.rows)], counts
            sent = syncer.synced
            print(
                f"{sent} rows ({args.rows} flows + their findings) in {wall:.2f} s wall, "
                f"{cpu:.2f} s CPU on the syncer's thread ({cpu / sent * 1e6:.0f} µs per row), "
                f"{backend:.2f} s CPU in the PostgreSQL server process ({backend / sent * 1e6:.0f} µs per row); "
                f"a Python loop on another thread lost {lost:.2f} s ({lost / sent * 1e6:.0f} µs per row)"
            )
            if profiler:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    finally:
        if server is not None:
            server.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
