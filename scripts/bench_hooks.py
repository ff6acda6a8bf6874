#!/usr/bin/env python3
"""toolguard's own hook time per flow, in-process: the clean path without the proxy around it.

Runs the addon's hooks (request, responseheaders, response) on real mitmproxy flows built with
``tflow``/``taddons``, as bench_proxy.py sends them (its ~1 KB clean request through a reverse
proxy, answered 200), and prints the process CPU time per flow: the minimum over repeated batches,
which on a shared machine moves far less than wall time. With ``--profile`` it prints cProfile's
table instead. It measures only toolguard's hooks (no sockets, no mitmproxy event handling): the
number to compare between versions of the hot path; bench_proxy.py measures the whole proxy.

Hooks run without an event loop here, so the rules run inside the request hook (on mitmproxy's
loop in observe mode they run one loop turn later; the CPU is the same).

  .venv/bin/python scripts/bench_hooks.py                 # min / median per flow
  .venv/bin/python scripts/bench_hooks.py --profile 5000  # cProfile, by own time
  .venv/bin/python scripts/bench_hooks.py --flagged       # bench_proxy's flagged flow, stored

``--loop`` drives the hooks the way mitmdump does, on a running asyncio event loop with one loop
turn between a request and its answer, three ways in the same process: no hooks at all (the
driver's own cost, subtracted), the rules on the loop (``toolguard_offload=off``), and every body
handed to a real validation worker (``toolguard_offload=0``, offload.py): the hook's descriptor,
the copy into shared memory, the batched write and the reply handling, amortised per flow (the
main thread's CPU, ``time.thread_time``; the worker's own CPU is another process's). ``--agent``
uses bench_proxy's ~1 MB agent conversation instead of the small request.

``--flagged`` runs bench_proxy's "flagged" scenario instead: the orphan tool message answered with
OpenAI's real 400, so every flow is flagged, named early (console line, comment) and handed to the
store's writer process. Two times are then printed: the main thread's alone (``time.thread_time``:
the event loop is what the other flows wait on) and the whole proxy process's (``time.process_time``
from the batch's start until the writer process has acknowledged every row: the main thread plus
whatever the store's threads on the proxy's side spent handing the rows over and reading the
acknowledgements; the writer process's own CPU is not in it). The throughput of a live proxy
follows the second (issue #12: its threads share one interpreter lock with the event loop).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mitmproxy import http
from mitmproxy.addons import default_addons
from mitmproxy.test import taddons, tflow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_proxy import COMPLETION, ORPHAN_ERROR, agent_body, small_body

from toolguard_core.addon import ToolGuard
from toolguard_core.writerproc import FLUSH_SECONDS

BODY = json.dumps(small_body()).encode()
FLAGGED_BODY = json.dumps(small_body(orphan=True)).encode()
# As nginx's reverse proxy sees it in bench_proxy.py: a loopback upstream on some port.
URL = "http://127.0.0.1:41234/ok/v1/chat/completions"
HEADERS = {
    "host": "127.0.0.1:41234",
    "content-type": "application/json",
    "authorization": "Bearer sk-bench-not-a-real-key",
    "content-length": str(len(BODY)),
}


def make_flows(count: int, flagged: bool = False, body: bytes | None = None) -> list[http.HTTPFlow]:
    body = body if body is not None else FLAGGED_BODY if flagged else BODY
    headers = {**HEADERS, "content-length": str(len(body))}
    status, answer = (400, ORPHAN_ERROR) if flagged else (200, COMPLETION)
    flows = []
    for _ in range(count):
        flow = tflow.tflow(req=http.Request.make("POST", URL, body, headers))
        flow.response = http.Response.make(status, answer.encode(), {"content-type": "application/json"})
        flows.append(flow)
    return flows


def run_hooks(addon: ToolGuard, flows: list[http.HTTPFlow]) -> None:
    for flow in flows:
        addon.request(flow)
        addon.responseheaders(flow)
        addon.response(flow)


async def drive_on_loop(
    addon: ToolGuard | None,
    flows: list[http.HTTPFlow],
    after: Callable[[], None] | None = None,
    every: int = 1,
) -> None:
    """As mitmdump runs the hooks: the request, then a loop turn (the request goes upstream, the
    worker's descriptors are written), then the answer; at the end, until every verdict is in.
    ``after``: called once ``every`` flows went through the hooks, and after the last."""
    last = len(flows)
    for number, flow in enumerate(flows, 1):
        # This driver outruns the worker (live, mitmproxy's own ~1 ms per request does not): wait
        # for it within its bounds instead of measuring bodies shed as busy. Coarse sleeps: each
        # wake-up is a loop iteration this measure would otherwise charge to toolguard.
        while addon is not None and addon.validator.pending >= 32:
            await asyncio.sleep(0.005)
        if addon is not None:
            addon.request(flow)
            addon.responseheaders(flow)
        await asyncio.sleep(0)
        if addon is not None:
            addon.response(flow)
            if after is not None and (number % every == 0 or number == last):
                after()
    while addon is not None and (addon.pending or addon.validator.pending):
        await asyncio.sleep(0.005)


def process_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (0 without one), from /proc."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bench_loop(args: argparse.Namespace, body: bytes) -> dict[str, float]:
    """Main-thread CPU per flow on a running event loop: no hooks, the rules in place, the worker.
    With ``--flagged``: bench_proxy's flagged flow, stored through the writer process as live."""
    results: dict[str, float] = {}
    flagged = args.flagged
    with tempfile.TemporaryDirectory() as tmp:
        for name, offload in (("no hooks (the driver)", None), ("in place", "off"), ("worker", "0")):
            addon = ToolGuard()
            # mitmdump's own addons beside toolguard: every hook mitmproxy dispatches (the `update`
            # hook a late verdict triggers, too) walks all of them, as in the live proxy.
            with taddons.context(addon) as tctx:
                for other in default_addons():
                    if other not in tctx.master.addons:
                        tctx.master.addons.add(other)
                tctx.configure(
                    addon,
                    toolguard_db=str(Path(tmp) / f"bench-{offload}.db"),
                    toolguard_offload=offload or "off",
                    # A stored flow goes to the writer process, as in mitmdump (its pipe, its timer).
                    toolguard_writer="process" if flagged else "thread",
                )
                logging.getLogger().setLevel(logging.WARNING)
                addon.running()
                if offload == "0":
                    for _ in range(600):  # the worker starts in the background
                        if addon.validator.ready:
                            break
                        await asyncio.sleep(0.05)
                    assert addon.validator.ready, addon.validator.failed_start
                if flagged and addon.store is not None:
                    for _ in range(600):  # the writer process starts in the background too
                        if addon._store_ready:
                            break
                        await asyncio.sleep(0.05)
                driven = addon if offload is not None else None
                await drive_on_loop(driven, make_flows(200, flagged, body=body))  # warm-up
                per_flow, worker_per_flow = [], []
                for _ in range(args.batches):
                    flows = make_flows(args.batch, flagged, body=body)
                    worker = addon.validator._proc.pid if addon.validator._proc is not None else None
                    worker_start = process_cpu(worker)
                    start = time.thread_time()
                    await drive_on_loop(driven, flows)
                    if flagged and driven is not None:
                        # The frames put held go out on the store's timer, on this loop: counted.
                        await asyncio.sleep(FLUSH_SECONDS * 2)
                    per_flow.append((time.thread_time() - start) / len(flows) * 1e6)
                    if flagged and driven is not None:
                        # Not counted: the writer process takes ~0.6 ms a row, and polling its
                        # counters that long was a twentieth of what the batch measured.
                        await drained_on_loop(addon)
                    worker_per_flow.append((process_cpu(worker) - worker_start) / len(flows) * 1e6)
                results[name] = min(per_flow)
                if offload == "0":
                    results["the worker process's own CPU"] = min(worker_per_flow)
                stats = dict(addon.stats)
                addon.done()
            total = args.batches * args.batch + 200
            if offload is not None and (
                stats.get("validated") != total
                or stats.get("flagged", 0) != (total if flagged else 0)
                or stats.get("queued", 0) != (total if flagged else 0)
                or stats.get("internal_errors")
            ):
                raise SystemExit(f"unexpected counters ({name}): {stats}")
            if offload == "0" and stats.get("validated_in_worker") != stats.get("validated"):
                raise SystemExit(f"not every body went to the worker: {stats}")
    return results


async def run_paced(addon: ToolGuard, flows: list[http.HTTPFlow], rate: float) -> None:
    """The hooks on an event loop, one flow every ``1 / rate`` seconds, as a live proxy runs them:
    the request hook's deferred validation runs a loop turn later, the store's timers fire, and the
    writer process sleeps between flows (waking it costs the writer of its pipe)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i, flow in enumerate(flows):
        addon.request(flow)
        await asyncio.sleep(0)  # the deferred validation
        addon.responseheaders(flow)
        addon.response(flow)
        await asyncio.sleep(max(0.0, start + (i + 1) / rate - loop.time()))


async def drained_on_loop(addon: ToolGuard, timeout: float = 120.0, poll: float = 0.005) -> None:
    """:func:`drained`, waiting on the event loop (so the store's timers fire)."""
    store = addon.store
    assert store is not None
    deadline = time.monotonic() + timeout
    while store.counters()["rows_pending"]:
        if time.monotonic() > deadline:
            raise SystemExit(f"the writer did not take the rows in {timeout:g}s: {store.counters()}")
        await asyncio.sleep(poll)


async def measure_paced(
    addon: ToolGuard, batches: int, batch: int, rate: float
) -> tuple[list[float], list[float]]:
    """Per batch: the main thread's CPU per flow, and the whole process's until the writer
    acknowledged every row (both include the event loop's own overhead per flow: compare versions,
    not with the unpaced figures)."""
    main: list[float] = []
    whole: list[float] = []
    for _ in range(batches):
        flows = make_flows(batch, True)
        await drained_on_loop(addon)
        process_start, start = time.process_time(), time.thread_time()
        await run_paced(addon, flows, rate)
        main.append((time.thread_time() - start) / batch * 1e6)
        await drained_on_loop(addon)
        whole.append((time.process_time() - process_start) / batch * 1e6)
    return main, whole


def drained(addon: ToolGuard, timeout: float = 120.0) -> None:
    """Until the writer process has acknowledged every row put so far (polled: a sleeping wait costs
    the process next to no CPU)."""
    store = addon.store
    assert store is not None
    deadline = time.monotonic() + timeout
    while store.counters()["rows_pending"]:
        if time.monotonic() > deadline:
            raise SystemExit(f"the writer did not take the rows in {timeout:g}s: {store.counters()}")
        time.sleep(0.005)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=2000, help="flows per timed batch")
    parser.add_argument("--batches", type=int, default=15, help="timed batches (the minimum is reported)")
    parser.add_argument("--profile", type=int, metavar="FLOWS", help="profile this many flows instead")
    parser.add_argument("--sort", default="tottime", help="cProfile's sort key (tottime, cumulative)")
    parser.add_argument("--lines", type=int, default=40, help="cProfile's rows printed")
    parser.add_argument(
        "--flagged", action="store_true", help="bench_proxy's flagged flow (answered 400, stored) instead"
    )
    parser.add_argument(
        "--loop", action="store_true", help="on an event loop: in place against the validation worker"
    )
    parser.add_argument("--agent", action="store_true", help="with --loop: the ~1 MB agent conversation")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="with --flagged: run the hooks on an event loop at this many flows a second (as live; "
        "default: back to back, no event loop)",
    )
    args = parser.parse_args(argv)
    if args.loop:
        body = json.dumps(agent_body()).encode() if args.agent else FLAGGED_BODY if args.flagged else BODY
        results = asyncio.run(bench_loop(args, body))
        driver = results.pop("no hooks (the driver)")
        what = "1 MB agent" if args.agent else "flagged and stored" if args.flagged else "small clean"
        print(f"driver alone {driver:.1f} us per flow; toolguard's hooks on the loop per {what} flow:")
        worker = results.pop("the worker process's own CPU")
        for name, value in results.items():
            print(f"  {name}: {value - driver:.1f} us ({args.batches} x {args.batch} flows, min)")
        print(f"  (the worker process's own CPU: {worker:.1f} us per flow, min)")
        return 0
    flagged = args.flagged
    # The flagged flow's Capture goes to the writer's sender thread: count the hooks' thread only.
    clock = time.thread_time if flagged else time.process_time
    addon = ToolGuard()
    with tempfile.TemporaryDirectory() as tmp, taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(Path(tmp) / "bench.db"), toolguard_offload="off")
        logging.getLogger().setLevel(logging.WARNING)
        run_hooks(addon, make_flows(200, flagged))  # warm-up: imports, caches
        if args.profile:
            flows = make_flows(args.profile, flagged)
            profile = cProfile.Profile()
            profile.enable()
            run_hooks(addon, flows)
            profile.disable()
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)
        elif flagged and args.rate:
            per_flow, whole = asyncio.run(measure_paced(addon, args.batches, args.batch, args.rate))
            print(
                f"at {args.rate:g} flows/s on an event loop, per flagged and stored flow: main thread "
                f"min {min(per_flow):.1f} us, median {statistics.median(per_flow):.1f} us; the whole "
                f"process min {min(whole):.1f} us, median {statistics.median(whole):.1f} us "
                f"({args.batches} x {args.batch} flows)"
            )
        else:
            per_flow = []
            whole: list[float] = []  # --flagged: the process's CPU, the store's threads included
            for _ in range(args.batches):
                flows = make_flows(args.batch, flagged)
                if flagged:
                    drained(addon)
                process_start = time.process_time()
                start = clock()
                run_hooks(addon, flows)
                per_flow.append((clock() - start) / len(flows) * 1e6)
                if flagged:
                    drained(addon)
                    whole.append((time.process_time() - process_start) / len(flows) * 1e6)
            what = "flagged and stored flow (main thread)" if flagged else "small clean flow"
            print(
                f"toolguard hooks per {what}: min {min(per_flow):.1f} us, "
                f"median {statistics.median(per_flow):.1f} us ({args.batches} x {args.batch} flows)"
            )
            if whole:
                print(
                    "the proxy process per flagged and stored flow (all its threads, until the writer "
                    f"acknowledged every row): min {min(whole):.1f} us, median {statistics.median(whole):.1f} us"
                )
        stats = dict(addon.stats)
        addon.done()
    # The flows were judged as the benchmark's are: clean ones validated, nothing flagged or stored;
    # flagged ones all flagged and stored.
    if flagged:
        unexpected = stats.get("internal_errors") or stats.get("flagged") != stats.get("queued")
        unexpected = unexpected or not stats.get("flagged")
    else:
        unexpected = stats.get("flagged") or stats.get("queued") or stats.get("internal_errors")
    if unexpected:
        print(f"unexpected counters: {stats}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
