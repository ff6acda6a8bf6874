"""Wake-ups, context switches, system calls and event-loop turns per request: plain mitmdump and
mitmdump + toolguard side by side, counted rather than timed (issues #12 and #17, session 19).

The side-by-side benchmark (``bench_proxy.py --side-by-side``) puts both proxies on one CPU, so their
throughput ratio should follow the ratio of their CPU per request; it falls a point or two below it.
This script counts what CPU time does not show, for the same placement, bodies and wrk load as the
benchmark (its own functions), both proxies loaded at the same time:

* per thread of each proxy (grouped by the thread's name), and of toolguard's worker and writer:
  voluntary and involuntary context switches (``/proc/PID/task/TID/status``) and CPU time, per
  request;
* with ``--syscalls``, a second measurement under ``perf trace -s`` (one per proxy, both at once):
  system calls per request by thread and name; ``epoll_wait`` on the event loop's thread is one
  loop turn (asyncio's selector waits once per ``_run_once``). perf's tracing slows both proxies,
  so under it more flows share a loop turn: compare the two proxies of one measurement, not these
  numbers with the untraced ones.

Counts per request depend on the load less than times do, but not nothing: a busier proxy reads
more flows per loop turn, so fewer turns and wake-ups per request. The output says the requests per
second of each side so that two runs can be compared at similar rates. Nothing here is a verdict:
``bench_proxy.py`` is.

Usage:
  .venv/bin/python scripts/bench_wakeups.py                       # small and flagged, 3 x 4 s
  .venv/bin/python scripts/bench_wakeups.py --syscalls --only small --bursts 2
  .venv/bin/python scripts/bench_wakeups.py --variant plain       # plain mitmdump against itself
  .venv/bin/python scripts/bench_wakeups.py --toolguard-set toolguard_offload=off
  .venv/bin/python scripts/bench_wakeups.py --gc-probe --rest 10 --only small  # + the collector, at rest
  .venv/bin/python scripts/bench_wakeups.py --variant noop --gc-probe   # the -s floor (bench_noop_addon.py)

``--gc-probe`` loads scripts/bench_gc_probe.py into both proxies: collections, objects collected and
the collector's time per generation, tracked and frozen objects (session 21). Every report also says
page faults and the kernel's share of the proxy's ticks per request (what callgrind never counts).
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_placement
import bench_proxy

CLK_TCK = os.sysconf("SC_CLK_TCK")


FIELDS = (
    "voluntary",
    "involuntary",
    "cpu_ticks",
    "run_ns",
    "wait_ns",
    "slices",
    "minflt",
    "majflt",
    "stime_ticks",
)


@dataclass
class ThreadCounts:
    voluntary: int = 0
    involuntary: int = 0
    cpu_ticks: int = 0  # utime + stime (/proc/.../stat): sampled at the scheduler's tick
    run_ns: int = 0  # time on a CPU, exact (/proc/.../schedstat, the scheduler's own account)
    wait_ns: int = 0  # time runnable but waiting for a CPU (the run queue's delay)
    slices: int = 0  # times put on a CPU
    minflt: int = 0  # minor page faults (a page mapped on first touch, no disk: /proc/.../stat)
    majflt: int = 0  # major page faults (read from disk)
    stime_ticks: int = 0  # the kernel's part of cpu_ticks (system calls, faults)

    def __sub__(self, other: ThreadCounts) -> ThreadCounts:
        return ThreadCounts(*(getattr(self, f) - getattr(other, f) for f in FIELDS))

    def accumulate(self, other: ThreadCounts) -> None:
        for f in FIELDS:
            setattr(self, f, getattr(self, f) + getattr(other, f))


def _thread_counts(pid: int, tid: int) -> ThreadCounts | None:
    try:
        status = Path(f"/proc/{pid}/task/{tid}/status").read_text()
        stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        run_ns, wait_ns, slices = map(int, Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split())
    except (OSError, ValueError):
        return None
    vol = re.search(r"^voluntary_ctxt_switches:\s+(\d+)", status, re.M)
    inv = re.search(r"^nonvoluntary_ctxt_switches:\s+(\d+)", status, re.M)
    fields = stat.rpartition(")")[2].split()
    return ThreadCounts(
        int(vol.group(1)) if vol else 0,
        int(inv.group(1)) if inv else 0,
        int(fields[11]) + int(fields[12]),
        run_ns,
        wait_ns,
        slices,
        int(fields[7]),
        int(fields[9]),
        int(fields[12]),
    )


def _thread_name(pid: int, tid: int) -> str:
    try:
        return Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
    except OSError:
        return "?"


def snapshot(pid: int) -> dict[str, ThreadCounts]:
    """Every thread of ``pid`` and of its children (toolguard's worker and writer), keyed
    ``role/thread-name#n`` (the event loop's thread is ``proxy/loop``), summed over threads of one
    key: a thread that ends between two snapshots is lost with its counts, which the caller sees as
    a key missing from one side."""
    out: dict[str, ThreadCounts] = {}
    processes = {pid: "proxy"}
    for child, cmdline in bench_placement.children_of(pid).items():
        processes[child] = bench_placement.child_role(cmdline) or "child"
    for proc, role in processes.items():
        with contextlib.suppress(OSError):
            for tid in sorted(int(t) for t in os.listdir(f"/proc/{proc}/task")):
                counts = _thread_counts(proc, tid)
                if counts is None:
                    continue
                name = "loop" if tid == proc else _thread_name(proc, tid)
                key = f"{role}/{name}"
                n = 1
                while f"{key}#{n}" in out:
                    n += 1
                out[f"{key}#{n}"] = counts
    return out


def io_counts(pid: int) -> dict[str, int]:
    """``read``-family and ``write``-family system calls so far of ``pid`` and of each child, by role
    (``/proc/PID/io``'s syscr and syscw: pipes and files, not sockets' sendto/recvfrom): toolguard's
    window of jobs to its worker and the worker's replies are one each."""
    out: dict[str, int] = {}
    processes = {pid: "proxy"}
    for child, cmdline in bench_placement.children_of(pid).items():
        processes[child] = bench_placement.child_role(cmdline) or "child"
    for proc, role in processes.items():
        with contextlib.suppress(OSError):
            text = Path(f"/proc/{proc}/io").read_text()
            for name in ("syscr", "syscw"):
                found = re.search(rf"^{name}:\s+(\d+)", text, re.M)
                if found:
                    out[f"{role} {name}"] = out.get(f"{role} {name}", 0) + int(found.group(1))
    return out


def difference(after: dict[str, ThreadCounts], before: dict[str, ThreadCounts]) -> dict[str, ThreadCounts]:
    return {key: after[key] - before.get(key, ThreadCounts()) for key in after}


@dataclass
class Side:
    name: str
    requests: int = 0
    seconds: float = 0.0
    threads: dict[str, ThreadCounts] = field(default_factory=lambda: collections.defaultdict(ThreadCounts))
    syscalls: dict[str, dict[str, int]] = field(default_factory=dict)  # thread -> syscall -> count
    syscall_requests: int = 0
    io: collections.Counter[str] = field(default_factory=collections.Counter)
    # --gc-probe: the collector's counters summed over the bursts (GC_COUNTERS, one per generation)
    # and its state (bench_gc_probe.state) before the first burst and after the last.
    gc: dict[str, list[int]] = field(default_factory=dict)
    gc_first: dict[str, Any] = field(default_factory=dict)
    gc_last: dict[str, Any] = field(default_factory=dict)

    def add(self, delta: dict[str, ThreadCounts]) -> None:
        for key, counts in delta.items():
            self.threads[key].accumulate(counts)

    def add_gc(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        if before is None or after is None:
            return
        self.gc_first = self.gc_first or before
        self.gc_last = after
        for key in GC_COUNTERS:
            self.gc[key] = [
                total + a - b
                for total, a, b in zip(self.gc.get(key, [0, 0, 0]), after[key], before[key], strict=True)
            ]


#: bench_gc_probe.py's counters, each a list of three (one per generation).
GC_COUNTERS = ("collections", "collected", "uncollectable", "wall_ns", "cpu_ns")
GC_PROBE = Path(__file__).resolve().parent / "bench_gc_probe.py"


def rest_lines(proxies: list[bench_proxy.Proxy], seconds: float) -> list[str]:
    """Wake-ups a second of every thread of each proxy and its children with no traffic: what runs
    on a timer rather than on a request (voluntary switches: a thread that slept and woke)."""
    before = [snapshot(p.proc.pid) for p in proxies]
    time.sleep(seconds)
    after = [snapshot(p.proc.pid) for p in proxies]
    lines = [f"at rest ({seconds:g} s, no request): wake-ups a second (voluntary switches), by thread"]
    for p, b, a in zip(proxies, before, after, strict=True):
        delta = difference(a, b)
        busy = {k: c for k, c in delta.items() if c.voluntary or c.involuntary}
        total = sum(c.voluntary for c in delta.values()) / seconds
        lines.append(
            f"  {p.name}: {total:.1f} a second"
            + (
                ": " + ", ".join(f"{k} {c.voluntary / seconds:.1f}" for k, c in sorted(busy.items()))
                if busy
                else ""
            )
        )
    return lines


def gc_state(port: int) -> dict[str, Any] | None:
    """bench_gc_probe.py's counters in the proxy on ``port`` (None when it is not loaded)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/__gcprobe")
        answer = conn.getresponse()
        body = answer.read()
        return json.loads(body) if answer.status == 200 else None
    except (OSError, ValueError):
        return None
    finally:
        conn.close()


def gc_lines(side: Side) -> list[str]:
    """Per 1,000 requests: collections and collected objects per generation, and per request the
    collector's wall and CPU time (bench_gc_probe.py)."""
    if not side.gc:
        return []
    n = max(side.requests, 1)
    per_k = lambda key: " / ".join(f"{v * 1000 / n:.2f}" for v in side.gc[key])  # noqa: E731
    wall, cpu = sum(side.gc["wall_ns"]), sum(side.gc["cpu_ns"])
    lines = [
        f"  {side.name}: garbage collector per 1,000 requests, generations 0 / 1 / 2: collections "
        f"{per_k('collections')}, objects collected {per_k('collected')}",
        f"  {side.name}: in the collector per request: wall {wall / 1e3 / n:.2f} us, CPU {cpu / 1e3 / n:.2f} us "
        "(by generation, CPU us: " + " / ".join(f"{v / 1e3 / n:.2f}" for v in side.gc["cpu_ns"]) + ")",
    ]
    for when, state in (("before the bursts", side.gc_first), ("after them", side.gc_last)):
        if state:
            lines.append(
                f"  {side.name}: tracked objects {when}, generations 0 / 1 / 2: "
                + " / ".join(str(v) for v in state["tracked"])
                + f"; frozen (gc.freeze) {state['frozen']}; thresholds {state['threshold']}"
            )
    return lines


PERF_LINE = re.compile(r"^\s+(\w+)\s+(\d+)\s+\d+\s+[\d.]+")
PERF_THREAD = re.compile(r"^\s*(.+?) \((\d+)\), (\d+) events")


def parse_perf_trace(text: str, pid: int) -> dict[str, dict[str, int]]:
    """``perf trace -s`` summary: per thread, ``name (tid), N events, ...`` then one row per system
    call (``name calls errors total min avg max stddev``). Keyed by thread as :func:`snapshot` keys
    them (the event loop's thread is the one whose tid is the process's pid)."""
    out: dict[str, dict[str, int]] = {}
    current: dict[str, int] | None = None
    for line in text.splitlines():
        head = PERF_THREAD.match(line)
        if head:
            name, tid = head.group(1), int(head.group(2))
            key = "loop" if tid == pid else name
            current = out.setdefault(key, collections.Counter())
            continue
        row = PERF_LINE.match(line)
        if row and current is not None and row.group(1) != "syscall":
            current[row.group(1)] += int(row.group(2))
    return out


def burst(
    p: bench_proxy.Proxy, body: Path, path: str, connections: int, seconds: float, syscalls: bool
) -> tuple[
    bench_proxy.WrkResult,
    dict[str, ThreadCounts],
    dict[str, dict[str, int]],
    dict[str, int],
    tuple[dict[str, Any] | None, dict[str, Any] | None],
]:
    p.place()
    tracer = None
    trace_out = p.workdir / "perf-trace.txt"
    if syscalls:
        tracer = subprocess.Popen(
            ["perf", "trace", "-s", "-o", str(trace_out), "-p", str(p.proc.pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # perf attaches to every thread before it counts; a burst that started first would be
        # partly uncounted (and the request count would no longer match).
        time.sleep(1.0)
    gc_before = gc_state(p.port)
    before = snapshot(p.proc.pid)
    io_before = io_counts(p.proc.pid)
    r = bench_proxy.wrk(
        f"http://127.0.0.1:{p.port}/{path}/v1/chat/completions",
        body,
        connections=connections,
        seconds=seconds,
    )
    after = snapshot(p.proc.pid)
    io_after = io_counts(p.proc.pid)
    gc_after = gc_state(p.port) if gc_before is not None else None
    calls: dict[str, dict[str, int]] = {}
    if tracer is not None:
        tracer.send_signal(signal.SIGINT)
        tracer.wait(60)
        calls = parse_perf_trace(trace_out.read_text(errors="replace"), p.proc.pid)
    io = {key: value - io_before.get(key, 0) for key, value in io_after.items()}
    return r, difference(after, before), calls, io, (gc_before, gc_after)


def report(scenario: str, sides: list[Side]) -> list[str]:
    lines = [f"{scenario}: per request, side by side"]
    for side in sides:
        rate = side.requests / side.seconds if side.seconds else float("nan")
        lines.append(f"  {side.name}: {side.requests} requests, {rate:.1f} req/s over the bursts")
    keys = sorted({key for side in sides for key in side.threads})
    lines.append(
        f"  {'thread':24} "
        + " ".join(
            f"{s.name + ' vol':>12} {'invol':>6} {'slices':>6} {'run ms':>7} {'wait ms':>7} {'tick ms':>7}"
            for s in sides
        )
    )
    for key in keys:
        cells = []
        for side in sides:
            c = side.threads.get(key)
            n = max(side.requests, 1)
            if c is None:
                cells.append(" " * 52)
            else:
                cells.append(
                    f"{c.voluntary / n:12.3f} {c.involuntary / n:6.3f} {c.slices / n:6.3f} {c.run_ns / 1e6 / n:7.4f}"
                    f" {c.wait_ns / 1e6 / n:7.4f} {c.cpu_ticks * 1000 / CLK_TCK / n:7.3f}"
                )
        lines.append(f"  {key:24} " + " ".join(cells))
    for side in sides:
        # The whole proxy process (every thread) and its loop's share of the seconds measured.
        proxy = [c for k, c in side.threads.items() if k.startswith("proxy/")]
        run = sum(c.run_ns for c in proxy) / 1e9
        loop = sum(c.run_ns for k, c in side.threads.items() if k.startswith("proxy/loop")) / 1e9
        per_burst = side.seconds or float("nan")
        lines.append(
            f"  {side.name}: proxy on CPU {run / per_burst:.3f} of the wall seconds (loop {loop / per_burst:.3f}),"
            f" {run * 1000 / max(side.requests, 1):.4f} ms a request"
        )
    for side in sides:
        # Page faults and the kernel's share of the proxy's CPU: what callgrind (user space) never counts.
        proxy = [c for k, c in side.threads.items() if k.startswith("proxy/")]
        loop = [c for k, c in side.threads.items() if k.startswith("proxy/loop")]
        n = max(side.requests, 1)
        ticks = sum(c.cpu_ticks for c in proxy)
        lines.append(
            f"  {side.name}: page faults per request: proxy minor {sum(c.minflt for c in proxy) / n:.3f}"
            f" (loop {sum(c.minflt for c in loop) / n:.3f}), major {sum(c.majflt for c in proxy) / n:.4f};"
            f" system time {sum(c.stime_ticks for c in proxy) / ticks if ticks else float('nan'):.1%}"
            " of the proxy's ticks"
        )
    for side in sides:
        lines += gc_lines(side)
    for side in sides:
        n = max(side.requests, 1)
        lines.append(
            f"  {side.name}: read/write system calls (pipes, files) per request: "
            + ", ".join(f"{key} {value / n:.3f}" for key, value in sorted(side.io.items()))
        )
    for side in sides:
        if not side.syscalls:
            continue
        n = max(side.syscall_requests, 1)
        lines.append(
            f"  {side.name}: system calls per request under perf trace ({side.syscall_requests} requests)"
        )
        for thread, calls in sorted(side.syscalls.items()):
            total = sum(calls.values())
            top = ", ".join(f"{name} {count / n:.3f}" for name, count in calls.most_common(8))  # type: ignore[attr-defined]
            lines.append(f"    {thread:24} {total / n:7.3f}: {top}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default="small,flagged")
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--syscalls", action="store_true", help="also count system calls under perf trace -s")
    parser.add_argument(
        "--variant",
        choices=("sqlite", "top", "plain", "noop"),
        default="sqlite",
        help="the second proxy: toolguard as a -s script (default), as toolguard proxy, plain mitmdump "
        "again, or plain mitmdump with bench_proxy's noop -s script (toolguard's hook names, empty)",
    )
    parser.add_argument(
        "--rest",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="first count each thread's wake-ups with no traffic at all for this long (0: not)",
    )
    parser.add_argument(
        "--gc-probe",
        action="store_true",
        help="load scripts/bench_gc_probe.py into both proxies: the garbage collector's collections, "
        "objects and time per request",
    )
    parser.add_argument("--toolguard-set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    placement = bench_placement.plan(bench_placement.DEFAULT_LAYOUT, bench_placement.available_cpus())
    bench_placement.pin_self(placement)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"placement: {placement.describe()}")
    print(f"uptime: {bench_proxy._uptime()}")
    with_addon = args.variant not in ("plain", "noop")
    probe = ["-s", str(GC_PROBE)] if args.gc_probe else []
    results: dict[str, list[Side]] = {}
    with tempfile.TemporaryDirectory(prefix="toolguard-wakeups-") as tmp_name:
        tmp = Path(tmp_name)
        files = {"small": tmp / "small.json", "flagged": tmp / "flagged.json"}
        files["small"].write_text(json.dumps(bench_proxy.small_body()))
        files["flagged"].write_text(json.dumps(bench_proxy.small_body(orphan=True)))
        paths = {"small": "ok", "flagged": "bad"}
        with bench_proxy.nginx(tmp) as upstream, contextlib.ExitStack() as stack:
            extra = [arg for option in args.toolguard_set for arg in ("--set", option)] if with_addon else []
            proxies = [
                stack.enter_context(
                    bench_proxy.proxy(
                        upstream, False, Path(tempfile.mkdtemp(dir=tmp)), probe, "plain", placement
                    )
                ),
                stack.enter_context(
                    bench_proxy.proxy(
                        upstream,
                        with_addon,
                        Path(tempfile.mkdtemp(dir=tmp)),
                        extra
                        + (["-s", str(bench_proxy.NOOP_SCRIPT)] if args.variant == "noop" else [])
                        + probe,
                        "plain2" if args.variant == "plain" else args.variant,
                        placement,
                        top=args.variant == "top",
                    )
                ),
            ]
            for p in proxies:
                bench_proxy.wrk(
                    f"http://127.0.0.1:{p.port}/ok/v1/chat/completions",
                    files["small"],
                    connections=2,
                    seconds=1,
                )
            if args.rest > 0:
                time.sleep(1.0)  # the warm-up's last windows and replies, and the worker's polling, end
                print("\n".join(rest_lines(proxies, args.rest)), flush=True)
            for scenario in [s.strip() for s in args.only.split(",") if s.strip()]:
                sides = [Side(p.name) for p in proxies]
                for traced in (False, True) if args.syscalls else (False,):
                    for _ in range(args.bursts if not traced else 1):
                        with concurrent.futures.ThreadPoolExecutor(2) as pool:
                            running = [
                                pool.submit(
                                    burst,
                                    *(
                                        p,
                                        files[scenario],
                                        paths[scenario],
                                        args.connections,
                                        args.seconds,
                                        traced,
                                    ),
                                )
                                for p in proxies
                            ]
                            for side, done in zip(sides, running, strict=True):
                                r, delta, calls, io, gc_pair = done.result()
                                if traced:
                                    side.syscalls = calls
                                    side.syscall_requests = r.requests
                                else:
                                    side.requests += r.requests
                                    side.seconds += r.seconds
                                    side.add(delta)
                                    side.io.update(io)
                                    side.add_gc(*gc_pair)
                results[scenario] = sides
                print("\n".join(report(scenario, sides)), flush=True)
    print(f"uptime: {bench_proxy._uptime()}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    scenario: {
                        side.name: {
                            "requests": side.requests,
                            "seconds": side.seconds,
                            "threads": {k: vars(v) for k, v in side.threads.items()},
                            "syscalls": side.syscalls,
                            "syscall_requests": side.syscall_requests,
                            "io": dict(side.io),
                            "gc": side.gc,
                            "gc_first": side.gc_first,
                            "gc_last": side.gc_last,
                        }
                        for side in sides
                    }
                    for scenario, sides in results.items()
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
