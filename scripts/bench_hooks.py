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
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mitmproxy import http
from mitmproxy.test import taddons, tflow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_proxy import COMPLETION, ORPHAN_ERROR, small_body

from toolguard_core.addon import ToolGuard

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


def make_flows(count: int, flagged: bool = False) -> list[http.HTTPFlow]:
    body = FLAGGED_BODY if flagged else BODY
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


async def drained_on_loop(addon: ToolGuard, timeout: float = 120.0) -> None:
    """:func:`drained`, waiting on the event loop (so the store's timers fire)."""
    store = addon.store
    assert store is not None
    deadline = time.monotonic() + timeout
    while store.counters()["rows_pending"]:
        if time.monotonic() > deadline:
            raise SystemExit(f"the writer did not take the rows in {timeout:g}s: {store.counters()}")
        await asyncio.sleep(0.005)


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
        "--rate",
        type=float,
        default=0.0,
        help="with --flagged: run the hooks on an event loop at this many flows a second (as live; "
        "default: back to back, no event loop)",
    )
    args = parser.parse_args(argv)
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
