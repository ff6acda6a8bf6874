#!/usr/bin/env python3
"""The writer process's CPU per stored row (issue #12), in process, on real Captures.

The Captures come from the addon's own hooks (``ToolGuard`` under mitmproxy's test context, rules
in place, the store's ``put`` recording what it is handed): bench_proxy's flagged request (an
orphan tool message answered with OpenAI's real 400), but each flow's body different (its tool
call id, the tool's output and the user's task carry random words), as real traffic is; the
benchmark's own flows are identical, which would flatter anything that depends on the body.

Each Capture then takes the writer process's path (writer.py): framed as the proxy frames it
(``writerproc._frame``), read back (``pickle.loads``, ``capture_from``), and written by the writer's
``Store`` into a real SQLite file (``_write_flows``: ``to_row``, ``write_rows``), in batches of
``--batch`` rows (live, a 20 ms gather at a few hundred flows a second brings 5-15). Printed: CPU
microseconds per row (``time.process_time``, minimum over ``--repeat`` runs, each into a fresh
database: the load of this shared machine only adds) for the whole path and its parts.

Usage:
  .venv/bin/python scripts/bench_writer.py                    # 2,000 rows, batches of 10
  .venv/bin/python scripts/bench_writer.py --identical        # bench_proxy's exact flow each time
  .venv/bin/python scripts/bench_writer.py --compact          # compact JSON (Node, Rust clients)
  .venv/bin/python scripts/bench_writer.py --corpus           # the dev corpus's failures, varied
  .venv/bin/python scripts/bench_writer.py --profile 20       # cProfile, top 20 by own time
  .venv/bin/python scripts/bench_writer.py --rows-out rows.json   # every stored row, for comparing
  .venv/bin/python scripts/bench_writer.py --process          # + the real writer process, paced
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pickle
import pstats
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "addon"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

from bench_proxy import ORPHAN_ERROR, small_body  # noqa: E402
from mitmproxy import http  # noqa: E402
from mitmproxy.test import taddons, tflow  # noqa: E402

from toolguard_core.addon import ToolGuard  # noqa: E402
from toolguard_core.capture import Capture, capture_from  # noqa: E402
from toolguard_core.learned_store import DEFAULT_DEMOTE_AFTER  # noqa: E402
from toolguard_core.store import Store  # noqa: E402
from toolguard_core.writerproc import HEAD, _frame  # noqa: E402

URL = "http://127.0.0.1:41234/ok/v1/chat/completions"
WORDS = [
    "the",
    "a",
    "file",
    "function",
    "return",
    "value",
    "error",
    "test",
    "line",
    "code",
    "path",
    "import",
    "class",
    "list",
    "read",
    "write",
]


def body_for(i: int, rng: random.Random, identical: bool, compact: bool = False) -> bytes:
    """bench_proxy's flagged body; unless ``identical``, with this flow's own ids and texts.
    ``compact``: without blanks after separators, as Node, Rust and httpx >= 0.28 clients send it
    (the store then splits it into contents, dedup.py); else as Python's ``json.dumps``."""
    body = small_body(orphan=True)
    if not identical:
        orphan, user = body["messages"][1], body["messages"][2]
        orphan["tool_call_id"] = f"call_{rng.getrandbits(64):016x}"
        orphan["content"] = " ".join(rng.choices(WORDS, k=rng.randint(5, 60)))
        user["content"] = f"Task {i}: " + " ".join(rng.choices(WORDS, k=rng.randint(5, 40)))
    return json.dumps(body, separators=(",", ":") if compact else None).encode()


#: One flow the hooks see: URL, request body, the upstream's status, answer body and its type.
Exchange = tuple[str, bytes, int, bytes, str]


def bench_exchanges(count: int, identical: bool, seed: int = 12, compact: bool = False) -> list[Exchange]:
    """bench_proxy's flagged flow ``count`` times, answered with OpenAI's real 400."""
    rng = random.Random(seed)
    return [
        (URL, body_for(i, rng, identical, compact), 400, ORPHAN_ERROR.encode(), "application/json")
        for i in range(count)
    ]


def corpus_exchanges(count: int, seed: int = 12) -> list[Exchange]:
    """The development split's real failures (tests/data/corpus), in turn: each entry's provider URL
    (eval_rules.url_for), status (400 when unknown) and quoted error body (JSON when quoted as JSON,
    else the text as the client showed it), and its request when quoted, else bench_proxy's flagged
    body. Every flow's request carries its own words (the first text content gets a distinct tail),
    so no two bodies are alike: what the writer does per row, not per distinct body."""
    from eval_rules import url_for
    from support.corpus import load_failures

    rng = random.Random(seed)
    entries = [e for e in load_failures() if e["split"] == "dev" and e["body"]]
    out: list[Exchange] = []
    for i in range(count):
        entry = entries[i % len(entries)]
        request = entry["request"] if isinstance(entry["request"], dict) else small_body(orphan=True)
        request = json.loads(json.dumps(request))
        _vary(request, f" [{i}] " + " ".join(rng.choices(WORDS, k=rng.randint(3, 30))))
        is_json = entry["body_kind"] == "json"
        out.append(
            (
                url_for(entry),
                json.dumps(request).encode(),
                entry["status"] or 400,
                entry["body"].encode(),
                "application/json" if is_json else "text/plain",
            )
        )
    return out


def _vary(request: dict[str, Any], tail: str) -> None:
    """Append ``tail`` to the first text content of the request's messages or input (in place)."""
    for key in ("messages", "input"):
        items = request.get(key)
        if isinstance(items, str):
            request[key] = items + tail
            return
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and isinstance(item.get("content"), str):
                item["content"] += tail
                return
    request["user"] = tail.strip()  # nothing to vary in place: a field every API kind names


def captures(count: int, identical: bool, seed: int = 12, compact: bool = False) -> list[Capture]:
    """What the addon's hooks hand the store for ``count`` flagged flows answered 400."""
    return captures_of(bench_exchanges(count, identical, seed, compact))


def captures_of(exchanges: list[Exchange]) -> list[Capture]:
    """What the addon's hooks hand the store for these flows (each one stored: flagged, or rejected)."""
    count = len(exchanges)
    handed: list[Any] = []
    addon = ToolGuard()
    with tempfile.TemporaryDirectory() as tmp, taddons.context(addon) as tctx:
        tctx.configure(
            addon,
            toolguard_db=str(Path(tmp) / "hooks.db"),
            toolguard_offload="off",
            toolguard_writer="thread",
        )
        logging.getLogger().setLevel(logging.WARNING)
        assert addon.store is not None
        addon.store.put = handed.append  # type: ignore[method-assign]
        for url, body, status, answer, answer_type in exchanges:
            headers = {
                "host": url.split("/")[2],
                "content-type": "application/json",
                # One client's key, as bench_proxy's wrk sends it (a client keeps its key).
                "authorization": "Bearer sk-bench-not-a-real-key",
                "user-agent": "wrk",
                "content-length": str(len(body)),
            }
            flow = tflow.tflow(req=http.Request.make("POST", url, body, headers))
            flow.response = http.Response.make(
                status,
                answer,
                {"content-type": answer_type, "server": "nginx", "connection": "keep-alive"},
            )
            addon.request(flow)
            addon.responseheaders(flow)
            addon.response(flow)
        addon.done()
    found = [c for c in handed if isinstance(c, Capture)]
    if len(found) != count:
        raise SystemExit(f"expected {count} stored flows from the hooks, got {len(found)}")
    # Ids and times fixed, so two versions' stored rows can be compared whole (--rows-out).
    for i, capture in enumerate(found):
        capture.flow_id = f"00000000-0000-4000-8000-{i:012d}"
        capture.started = 1_790_000_000.0 + i * 0.25
        capture.ended = capture.started + 0.012
        capture.run_id = "bench-writer"
    return found


def frames(items: list[Capture]) -> list[bytes]:
    """Each Capture as the proxy writes it to the writer's pipe (a pickled wire tuple, no buffers)."""
    out = []
    for item in items:
        frame = _frame(item)
        size, n_buffers = HEAD.unpack_from(frame)
        assert n_buffers == 0 and size == len(frame) - HEAD.size
        out.append(frame)
    return out


def decode(frame: bytes) -> Any:
    """The writer process's read of one frame (writer.read_message, then serve's dispatch)."""
    kind, value = pickle.loads(memoryview(frame)[HEAD.size :])
    return capture_from(value) if kind == "capture" else value


def run_once(wire: list[bytes], batch: int, db_path: Path) -> dict[str, float]:
    """One pass: every frame decoded, built and written, batch by batch. CPU seconds per part."""
    # As the addon opens it: learning on (the rows teach the learned tables in the same transaction).
    store = Store(db_path, batch, demote_after=DEFAULT_DEMOTE_AFTER, on_knowledge=lambda knowledge: None)
    db = store._open()
    times = {"decode": 0.0, "to_row": 0.0, "write_rows": 0.0, "whole": 0.0}
    clock = time.process_time
    import toolguard_core.store as store_module

    write_rows = store_module.write_rows
    spent = {"write_rows": 0.0}

    def timed_write_rows(*args: Any, **kwargs: Any) -> None:
        start = clock()
        try:
            write_rows(*args, **kwargs)
        finally:
            spent["write_rows"] += clock() - start

    store_module.write_rows = timed_write_rows  # type: ignore[assignment]
    try:
        for start in range(0, len(wire), batch):
            chunk = wire[start : start + batch]
            t0 = clock()
            items = [decode(frame) for frame in chunk]
            t1 = clock()
            db = store._write_flows(db, items)
            t2 = clock()
            times["decode"] += t1 - t0
            times["whole"] += t2 - t0
    finally:
        store_module.write_rows = write_rows  # type: ignore[assignment]
        db.close()
    times["write_rows"] = spent["write_rows"]
    times["to_row"] = times["whole"] - times["decode"] - times["write_rows"]
    if store.written != len(wire) or store.dropped:
        raise SystemExit(f"rows written {store.written} of {len(wire)}; dropped {dict(store.dropped)}")
    return times


def process_cpu(wire: list[bytes], batch: int, warm: int = 50) -> tuple[float, float]:
    """The real writer process (``python -m toolguard_core.writer``, learning on) fed ``wire`` as
    the proxy paces it: ``batch`` frames per write every ``writerproc.GATHER_SECONDS`` (10 every
    20 ms is ~500 flows/s, bench_proxy's flagged rate). Returns its CPU seconds per row after the
    first ``warm`` rows (imports and warm-up excluded) for the whole process and for its reading
    (main) thread, from /proc (Linux; clock ticks, so use a few thousand rows)."""
    from toolguard_core.writerproc import GATHER_SECONDS, WriterConfig, encode

    tick = os.sysconf("SC_CLK_TCK")

    def cpu(pid: int, task: int | None = None) -> float:
        path = f"/proc/{pid}/task/{task}/stat" if task is not None else f"/proc/{pid}/stat"
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen(
            [sys.executable, "-m", "toolguard_core.writer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT / "addon")},
        )
        assert child.stdin is not None and child.stdout is not None
        config = WriterConfig(db=str(Path(tmp) / "process.db"), demote_after=DEFAULT_DEMOTE_AFTER, learn=True)
        child.stdin.write(b"".join(bytes(part) for part in encode(("config", config))))
        child.stdin.flush()
        out = child.stdout
        threading.Thread(target=out.read, daemon=True).start()  # its acks, read and dropped
        time.sleep(3)  # started, ready, warmed up
        child.stdin.write(b"".join(wire[:warm]))
        child.stdin.flush()
        time.sleep(1)
        whole0, main0 = cpu(child.pid), cpu(child.pid, child.pid)
        for start in range(warm, len(wire), batch):
            child.stdin.write(b"".join(wire[start : start + batch]))
            child.stdin.flush()
            time.sleep(GATHER_SECONDS)
        time.sleep(1)
        whole1, main1 = cpu(child.pid), cpu(child.pid, child.pid)
        child.stdin.close()
        child.wait()
    rows = len(wire) - warm
    return (whole1 - whole0) / rows, (main1 - main0) / rows


def stored_rows(db_path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of the flows view, the findings, the contents (for before/after comparisons)."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return {
            table: [dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY {order}")]
            for table, order in (
                ("flows", "id"),
                ("flow_rows", "id"),
                ("findings", "flow_id, idx"),
                ("contents", "id"),
            )
        }
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2000, help="stored flows per pass (default 2000)")
    parser.add_argument("--batch", type=int, default=10, help="rows per writer batch (default 10)")
    parser.add_argument("--repeat", type=int, default=5, help="passes; the minimum is printed (default 5)")
    parser.add_argument("--identical", action="store_true", help="bench_proxy's exact flow every time")
    parser.add_argument("--compact", action="store_true", help="compact JSON bodies (split into contents)")
    parser.add_argument("--corpus", action="store_true", help="the dev corpus's real failures, varied")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile one pass: the top N by own time")
    parser.add_argument("--rows-out", type=Path, help="write the stored rows of one pass as JSON here")
    parser.add_argument(
        "--process",
        action="store_true",
        help="also the real writer process fed at bench_proxy's pace: its CPU per row (Linux)",
    )
    args = parser.parse_args(argv)

    if args.corpus:
        items = captures_of(corpus_exchanges(args.rows))
        what = "the dev corpus's failures (distinct bodies)"
    else:
        items = captures(args.rows, args.identical, compact=args.compact)
        kind = ("identical" if args.identical else "distinct") + (", compact" if args.compact else "")
        what = f"flagged flows answered 400 ({kind} bodies)"
    wire = frames(items)
    print(f"{args.rows} {what}, frames of {sum(map(len, wire)) / len(wire):.0f} B, batches of {args.batch}")
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.repeat):
            db_path = Path(tmp) / f"pass{n}.db"
            times = run_once(wire, args.batch, db_path)
            best = {k: min(v, best.get(k, v)) for k, v in times.items()}
            if n == 0 and args.rows_out is not None:
                args.rows_out.write_text(json.dumps(stored_rows(db_path), indent=1, sort_keys=True))
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            run_once(wire, args.batch, Path(tmp) / "profile.db")
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    per_row = {k: v * 1e6 / args.rows for k, v in best.items()}
    print(f"writer CPU per stored row, minimum of {args.repeat} passes:")
    print(f"  whole path       {per_row['whole']:7.1f} us")
    print(f"  read the frame   {per_row['decode']:7.1f} us   (pickle.loads, capture_from)")
    print(f"  build the row    {per_row['to_row']:7.1f} us   (Capture.to_row: redaction, error, cause)")
    print(f"  write_rows       {per_row['write_rows']:7.1f} us   (grouping, dedup, the inserts, commit)")
    if args.process:
        whole, main_thread = process_cpu(wire, args.batch)
        print(
            f"the writer process, {args.batch} frames every 20 ms: {whole * 1e6:.0f} us per row "
            f"({main_thread * 1e6:.0f} us of it reading the frames)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
