#!/usr/bin/env python3
"""The proxy's resident memory under sustained stored ~1 MB flows: plain mitmdump against mitmdump +
toolguard, and what holds toolguard's share (docs/benchmarks.md, "the proxy's memory plateau").

Memory, not time: the requests go one after another (``--connections`` at a time) through a real
mitmdump in reverse mode to a loopback upstream (a Python HTTP server in this process that reads the
whole body and answers at once), and the mitmdump process's VmRSS is sampled as the flows pass. Each
request is one turn of the benchmark's growing ~1 MB agent session (bench_proxy.agent_turns), so no
two bodies in a row are the same, and toolguard stores every flow (``toolguard_store_all``), as the
flagged and agent scenarios of scripts/bench_proxy.py do at their worst.

Variants (``--variants``, comma-separated; each a fresh mitmdump):

  plain          mitmdump alone
  toolguard      mitmdump -s addon/toolguard.py, toolguard_store_all
  arena2         toolguard with MALLOC_ARENA_MAX=2 (glibc's per-thread malloc arenas capped)
  mmap           toolguard with MALLOC_MMAP_THRESHOLD_=262144 (a fixed threshold: blocks of 256 KB and
                 more are mmapped and given back when freed; glibc's dynamic threshold rises past them)
  plain-mmap     plain mitmdump with the same
  probe          toolguard with scripts/mem_probe.py beside it: the most toolguard held queued for its
                 writer and its validation worker during the run, and the RSS before and after
                 glibc's malloc_trim(0) once the load ended (freed memory glibc kept)
  plain-probe    plain mitmdump with the probe (its malloc_trim)
  freeze         probe, and gc.freeze() once mitmdump runs (toolguard's long-lived heap out of the
                 collector's generations, so full collections come sooner)
  probe-trace    probe with tracemalloc: the Python heap still live after the load (slow: memory only)

Usage:
  .venv/bin/python scripts/mem_plateau.py                          # plain,toolguard; 200 flows each
  .venv/bin/python scripts/mem_plateau.py --variants plain,toolguard,arena2,probe --flows 300
  .venv/bin/python scripts/mem_plateau.py --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import re
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_proxy import COMPLETION, Proxy, agent_turns, proxy  # noqa: E402

PROBE = ROOT / "scripts" / "mem_probe.py"
VARIANTS = (
    "plain",
    "toolguard",
    "arena2",
    "mmap",
    "plain-mmap",
    "probe",
    "probe-trace",
    "plain-probe",
    "freeze",
)
#: A chat completion, as OpenAI answers one (the answer is small: the body is what is large).
ANSWER = COMPLETION.encode()


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def upstream() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


def status_mb(pid: int, *fields: str) -> dict[str, float]:
    """Fields of ``/proc/PID/status`` in MB (none once the process is gone): VmRSS, VmHWM, and RSS split
    as the kernel counts it: RssAnon (the heap), RssFile (code), RssShmem (toolguard's body arena for
    the validation worker, resident by design: offload.Arena)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {k: int(v) / 1024 for k, v in re.findall(r"(\w+):\s+(\d+) kB", status) if k in fields}


def rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` in MB (0 once it is gone)."""
    return status_mb(pid, "VmRSS").get("VmRSS", 0.0)


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@contextlib.contextmanager
def mitmdump(variant: str, upstream_port: int, workdir: Path) -> Iterator[Proxy]:
    """The variant's mitmdump, started as the proxy benchmark starts its own (bench_proxy.proxy), with
    toolguard storing every flow, or plain; the variant's malloc settings and probe added."""
    extra: list[str] = []
    env: dict[str, str] = {}
    with_addon = not variant.startswith("plain")
    if with_addon:
        extra += ["--set", "toolguard_store_all=true"]
    if variant == "arena2":
        env["MALLOC_ARENA_MAX"] = "2"
    if variant.endswith("mmap"):
        # A fixed mmap threshold: glibc otherwise raises it to the size of each mmapped block freed (up
        # to 32 MB), after which ~1 MB buffers come from the heap and stay with the process once freed.
        env["MALLOC_MMAP_THRESHOLD_"] = str(256 * 1024)
    if "probe" in variant or variant == "freeze":
        extra += ["-s", str(PROBE)]
        env["TOOLGUARD_MEM_PROBE"] = str(workdir / "probe.json")
    if variant == "freeze":
        env["TOOLGUARD_MEM_FREEZE"] = "1"
    if variant == "probe-trace":
        env["TOOLGUARD_MEM_TRACE"] = "1"
    with proxy(upstream_port, with_addon, workdir, extra, variant, env=env) as p:
        yield p


def send(port: int, bodies: list[bytes], flows: int, connections: int, on_done: threading.Event) -> None:
    """``flows`` requests, ``connections`` at a time, each connection kept alive."""
    counter = iter(range(flows))
    lock = threading.Lock()

    def one_connection() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            conn.request(
                "POST",
                "/v1/chat/completions",
                bodies[n % len(bodies)],
                {"content-type": "application/json", "authorization": "Bearer sk-mem-not-a-real-key"},
            )
            conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=one_connection) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    on_done.set()


def _stored(path: Path) -> int:
    """How many flows the writer has stored so far."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            return int(db.execute("select count(*) from flows").fetchone()[0])
    except sqlite3.Error:
        return 0


def _probe(port: int, *, trim: bool) -> dict[str, Any]:
    """scripts/mem_probe.py's answer (``trim``: then glibc's free memory is given back)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", "/__mem_probe__" + ("?gc=1" if trim else "?trim=0"))
    answer = json.loads(conn.getresponse().read())
    conn.close()
    return answer


def run(variant: str, bodies: list[bytes], flows: int, connections: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="mem-plateau-") as tmp, upstream() as up:
        workdir = Path(tmp)
        with mitmdump(variant, up, workdir) as p:
            proc, port = p.proc, p.port  # bench_proxy.proxy waited for toolguard's worker
            idle = rss_mb(proc.pid)
            done = threading.Event()
            sender = threading.Thread(target=send, args=(port, bodies, flows, connections, done))
            start = time.monotonic()
            sender.start()
            samples: list[tuple[float, float]] = []
            while not done.wait(0.5):
                samples.append((round(time.monotonic() - start, 1), round(rss_mb(proc.pid), 1)))
            sender.join()
            if not variant.startswith(
                "plain"
            ):  # until every flow is stored (the writer drained), at most 300 s
                for _ in range(300):
                    if _stored(workdir / "bench.db") >= flows:
                        break
                    time.sleep(1)
            time.sleep(5)  # the writer's last batch and the sender's idle turn; the RSS after the load
            after = rss_mb(proc.pid)
            parts = {k: round(v, 1) for k, v in status_mb(proc.pid, "RssAnon", "RssFile", "RssShmem").items()}
            peak = p.peak_rss_mb()
            kids = {str(c): round(status_mb(c, "VmHWM").get("VmHWM", 0.0), 1) for c in children(proc.pid)}
            probe = None
            if "probe" in variant or variant == "freeze":
                probe = _probe(port, trim=True)
    return {
        "variant": variant,
        "flows": flows,
        "idle_mb": round(idle, 1),
        "peak_mb": round(peak, 1),
        "after_mb": round(after, 1),
        "after_parts_mb": parts,
        "last_samples": samples[-5:],
        "children_peak_mb": kids,
        "probe": probe,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variants", default="plain,toolguard")
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; expected some of {VARIANTS}")
    bodies = [json.dumps(turn).encode() for turn in agent_turns()]
    print(
        f"{len(bodies)} distinct bodies of ~{sum(map(len, bodies)) // len(bodies) // 1024} KB, {args.flows} flows, "
        f"{args.connections} connections"
    )
    results = []
    for variant in variants:
        result = run(variant, bodies, args.flows, args.connections)
        results.append(result)
        print(
            f"{variant:<10} idle {result['idle_mb']:>6} MB  peak {result['peak_mb']:>6} MB  "
            f"after {result['after_mb']:>6} MB {result['after_parts_mb']}  children peak {result['children_peak_mb']}"
        )
        if result["probe"]:
            print("  probe:", json.dumps(result["probe"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
