#!/usr/bin/env python3
"""How `toolguard summary` scales: generate a database of N flows, then time the summary over it.

The rows are built the way the proxy builds them (``Capture.to_row``: redaction, error parsing) from
real provider error bodies of the labelled corpus (tests/data/error_corpus.json), then cloned with
new ids and spread over 30 days, and written with the store's own ``write_rows`` (which derives each
row's grouping columns, as the proxy's writer does), so the database has the schema, indexes and
content mix a team's months of captures would have. Then ``toolguard summary``
runs in a child process and its wall time and peak RSS are measured.

Targets (issue #12): 1,000,000 flows summarised in under 30 s with a peak RSS under 500 MB; exit 1
when a target is missed.

Usage:
  .venv/bin/python scripts/bench_summary.py                     # 1,000,000 flows, ~1 KB requests
  .venv/bin/python scripts/bench_summary.py --flows 20000 --request-bytes 5000
  .venv/bin/python scripts/bench_summary.py --db /tmp/big.db --keep   # reuse/keep the generated file
  .venv/bin/python scripts/bench_summary.py --db /tmp/big.db --keep --format html   # the HTML report
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from toolguard_core.capture import Capture
from toolguard_core.findings import Finding, Severity
from toolguard_core.store import FlowRow, open_db, write_rows

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30.0
TARGET_RSS_MB = 500.0
DAY = 86_400.0


def templates(request_bytes: int) -> list[FlowRow]:
    """One row per real error body of the corpus, as the proxy would store it."""
    corpus = json.loads((ROOT / "tests" / "data" / "error_corpus.json").read_text())["entries"]
    rows = []
    now = time.time()
    for entry in corpus:
        body = entry.get("body") or json.dumps(
            {"error": {"message": entry["message"], "type": "invalid_request_error"}}
        )
        label = entry.get("label") or "unknown"
        request = {
            "model": "gpt-4o",
            "messages": [
                {"role": "system", "content": "s" * max(0, request_bytes - 200)},
                {"role": "tool", "tool_call_id": "call_1", "content": "result"},
            ],
        }
        findings = [Finding(rule=label, severity=Severity.ERROR, location="messages[1]", message="bench")]
        capture = Capture(
            flow_id=str(uuid.uuid4()),
            started=now,
            ended=now + 0.5,
            method="POST",
            scheme="https",
            host="api.example.com",
            port=443,
            path="/v1/chat/completions",
            url="https://api.example.com/v1/chat/completions",
            provider=entry.get("provider") or "openai",
            model="gpt-4o",
            stream=False,
            request_headers=[("content-type", "application/json"), ("user-agent", "OpenAI/Python 1.99.0")],
            request_text=json.dumps(request),
            request_is_json=True,
            request_bytes=request_bytes,
            findings=findings if "." in label and not label.startswith("cause.") else [],
            secrets=[],
            verdict=None,
            status=400,
            response_headers=[("content-type", "application/json")],
            response_body=body.encode(),
            response_content_type="application/json",
        )
        rows.append(capture.to_row())
    return rows


def generate(path: Path, flows: int, request_bytes: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    base = templates(request_bytes)
    db = open_db(path)
    start = time.time() - 30 * DAY
    batch: list[FlowRow] = []
    t0 = time.perf_counter()
    for i in range(flows):
        row = rng.choice(base)
        stamp = start + 30 * DAY * i / flows
        clone = row.model_copy(
            update={
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "datetime_utc": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp)) + ".000Z",
            }
        )
        batch.append(clone)
        if len(batch) == 5000:
            write_rows(db, batch)
            batch.clear()
            if (i + 1) % 100_000 == 0:
                print(f"  {i + 1:,} flows written ({time.perf_counter() - t0:.0f} s)", flush=True)
    if batch:
        write_rows(db, batch)
    db.conn.close()


def measure(path: Path, output_format: str = "text") -> tuple[float, float, int]:
    """Wall time and peak RSS of one ``toolguard summary`` child (RUSAGE_CHILDREN: the only child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("toolguard")),
            "summary",
            "--db",
            str(path),
            "--since",
            "90d",
            "--format",
            output_format,
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
    return seconds, max(peak_kb, before) / 1024, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--flows", type=int, default=1_000_000)
    parser.add_argument("--request-bytes", type=int, default=1000)
    parser.add_argument("--db", type=Path, help="database to generate (reused if it exists and --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument(
        "--format", default="text", choices=["text", "json", "markdown", "html"], help="the summary's format"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="toolguard-bench-summary-") as tmp:
        path = args.db or Path(tmp) / "bench.db"
        if not (args.keep and path.exists()):
            path.unlink(missing_ok=True)
            print(f"generating {args.flows:,} flows into {path} ...", flush=True)
            generate(path, args.flows, args.request_bytes)
        size_mb = path.stat().st_size / 2**20
        load = os.getloadavg()[0]
        seconds, rss_mb, status = measure(path, args.format)
        print(f"flows {args.flows:,}  database {size_mb:,.0f} MB")
        # The machine's load: the summary's time is only comparable between equally loaded runs.
        print(
            f"load average (1 min) before {load:.1f}, after {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(
            f"toolguard summary --format {args.format}: {seconds:.1f} s, peak RSS {rss_mb:.0f} MB, exit {status}"
        )
        misses = []
        if status != 0:
            misses.append(f"toolguard summary exited {status}")
        if seconds > TARGET_SECONDS:
            misses.append(f"{seconds:.1f} s > {TARGET_SECONDS:.0f} s")
        if rss_mb > TARGET_RSS_MB:
            misses.append(f"peak RSS {rss_mb:.0f} MB > {TARGET_RSS_MB:.0f} MB")
        print("targets: " + ("all met" if not misses else "MISSED: " + "; ".join(misses)))
        if args.keep and args.db is None:
            kept = Path(tempfile.gettempdir()) / "toolguard-bench-summary.db"
            path.replace(kept)
            print(f"kept {kept}")
        return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
