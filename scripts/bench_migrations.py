#!/usr/bin/env python3
"""What the row-rewriting migrations (m007 summary columns, m008 content split, m009 verdicts) cost on a
large file written by a toolguard from before them, and how long they hold the write lock.

A database at the schema before m007 gets N flows: the rows of scripts/bench_summary.py (the proxy's
own ``Capture.to_row`` over the labelled corpus's real error bodies, a third stored as ``predicted``
so that m009 decides them again) whose requests are agent sessions that grow turn by turn, compact
JSON as the SDKs send it (so m008 has every request to split). Then ``open_db`` migrates it in a child
process, once with the batches the migrations commit (MIGRATION_BATCH_ROWS) and once as one
transaction per migration (the batch size set beyond the row count: what they did before), each on
its own copy. Measured: wall time, the child's peak RSS, and the longest time another connection
waited for the write lock (a probe takes and releases it every 50 ms, as the proxy's writer would).

Usage:
  .venv/bin/python scripts/bench_migrations.py                  # 200,000 flows
  .venv/bin/python scripts/bench_migrations.py --flows 20000    # a quick look
  .venv/bin/python scripts/bench_migrations.py --only batched   # skip the one-transaction run
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import sqlite_utils
from bench_summary import templates

from toolguard_core.store import migrations

PROBE_SECONDS = 0.05
CHILD = """
import logging, sys
from toolguard_core import store
logging.basicConfig(level=logging.WARNING, format="  %(message)s")
store.MIGRATION_BATCH_ROWS = int(sys.argv[2])
store.open_db(sys.argv[1]).close()
"""


def session(rng: random.Random, turns: int, session_id: int) -> str:
    messages = [
        {"role": "system", "content": f"You are agent {session_id % 50}. " + "Follow the rules. " * 40}
    ]
    for turn in range(turns):
        messages += [
            {
                "role": "user",
                "content": f"step {turn} of task {session_id}: " + "details " * rng.randint(5, 60),
            },
            {"role": "assistant", "content": f"done step {turn}"},
        ]
    return json.dumps({"model": "gpt-4o", "messages": messages, "stream": False}, separators=(",", ":"))


def generate(path: Path, flows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    base = templates(1000)
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m007_summary_columns")
    names = list(db["flows"].columns_dict)
    insert = f"INSERT INTO flows ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    rows, findings = [], []
    for i in range(flows):
        template = rng.choice(base)
        columns = template.columns()
        columns.update(
            id=str(uuid.UUID(int=rng.getrandbits(128))),
            datetime_utc=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1_700_000_000 + i * 13)) + ".000Z",
            request_json=session(rng, i % 12 + 1, i // 12),
        )
        if columns.get("verdict") in ("recognised", "unexplained") and i % 3 == 0:
            columns["verdict"] = "predicted"  # as a toolguard before the two-sided decision stored it
        rows.append([columns.get(n) for n in names])
        findings += [
            (columns["id"], f.idx, f.rule, str(f.severity), f.location, f.message) for f in template.findings
        ]
        if len(rows) == 5000 or i == flows - 1:
            with db.conn:
                db.conn.executemany(insert, rows)
                db.conn.executemany(
                    "INSERT INTO findings (flow_id, idx, rule, severity, location, message) VALUES (?, ?, ?, ?, ?, ?)",
                    findings,
                )
            rows, findings = [], []
    db.close()


def probe(path: Path, stop: threading.Event, waits: list[float]) -> None:
    """Take and release the write lock every PROBE_SECONDS; record how long each take waited."""
    conn = sqlite3.connect(path, timeout=600, isolation_level=None)
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError:  # the file is being renamed/created: not a lock wait
            pass
        waits.append(time.perf_counter() - t0)
        stop.wait(PROBE_SECONDS)
    conn.close()


def migrate(path: Path, batch_rows: int) -> tuple[float, float, float, int]:
    """Wall seconds, peak RSS (MB) and longest lock wait (s) of one migrating child, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    stop, waits = threading.Event(), []
    prober = threading.Thread(target=probe, args=(path, stop, waits), daemon=True)
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(batch_rows)])
    time.sleep(0.2)  # the child has opened the file before the probe starts
    prober.start()
    code = child.wait()
    seconds = time.perf_counter() - t0
    stop.set()
    prober.join()
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak_kb, before) / 1024, max(waits, default=0.0), code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--flows", type=int, default=200_000)
    parser.add_argument("--only", choices=["batched", "single"], help="run one of the two only")
    parser.add_argument("--batch-rows", type=int, help="the batched run's batch size (default: the store's)")
    args = parser.parse_args(argv)
    from toolguard_core.store import MIGRATION_BATCH_ROWS

    with tempfile.TemporaryDirectory(prefix="toolguard-bench-migrations-") as tmp:
        source = Path(tmp) / "old.db"
        print(f"generating {args.flows:,} flows at the schema before m007 ...", flush=True)
        generate(source, args.flows)
        print(f"database {source.stat().st_size / 2**20:,.0f} MB", flush=True)
        runs = {"batched": args.batch_rows or MIGRATION_BATCH_ROWS, "single": args.flows + 1}
        for name, batch_rows in runs.items():
            if args.only and name != args.only:
                continue
            copy = Path(tmp) / f"{name}.db"
            shutil.copy(source, copy)
            seconds, rss_mb, longest_wait, code = migrate(copy, batch_rows)
            size = copy.stat().st_size / 2**20
            print(
                f"{name:8} (batch {batch_rows:,} rows): {seconds:.1f} s, peak RSS {rss_mb:.0f} MB, "
                f"longest write-lock wait {longest_wait:.2f} s, file {size:,.0f} MB, exit {code}",
                flush=True,
            )
            copy.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
