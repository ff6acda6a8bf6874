#!/usr/bin/env python3
"""toolguard's instructions on the event loop per flow, counted exactly (valgrind's callgrind).

On a shared machine, or one without hardware counters, CPU times move with the load; the number
of instructions a flow costs does not. This runs ``bench_hooks.py --loop``'s driver (mitmproxy's
own addons beside toolguard, a real validation worker and, for the flagged flow, the real writer
process) under ``valgrind --tool=callgrind`` with instrumentation switched on only around the
measured flows (a three-line C helper built with ``<valgrind/callgrind.h>``'s client requests),
and prints, per flow, the event-loop thread's instructions with toolguard's hooks minus the same
driver's without them. The worker and writer processes run natively (not traced): their cost is
another process's, measured apart (``scripts/bench_writer.py``).

Timers make a window's batching depend on the clock, which valgrind slows ~50x: the descriptor
write (offload.FLUSH_DELAY) and the stored rows' write (writerproc.FLUSH_SECONDS) are instead
made every ``--window`` flows by the driver (default 9: a 10 ms window at bench_proxy's ~900
small requests a second), so a window's write and its reply are shared as live and the count is
the same run after run.

  .venv/bin/python scripts/bench_instr.py                         # small clean flow, SQLite
  .venv/bin/python scripts/bench_instr.py --flagged               # bench_proxy's flagged flow
  .venv/bin/python scripts/bench_instr.py --flagged --store postgres   # a throwaway cluster
  .venv/bin/python scripts/bench_instr.py --flagged --otlp        # a loopback OTLP receiver
  .venv/bin/python scripts/bench_instr.py --annotate 30           # and callgrind's C functions
  .venv/bin/python scripts/bench_instr.py --opcodes 30            # Python functions, by bytecodes
  .venv/bin/python scripts/bench_instr.py --live                  # the whole mitmdump, plain and toolguard
  .venv/bin/python scripts/bench_instr.py --live --opcodes 40     # the same natively, by Python function
  .venv/bin/python scripts/bench_instr.py --live --live-load script,top   # -s against toolguard proxy
  .venv/bin/python scripts/bench_instr.py --live --flagged        # live, bench_proxy's flagged flow
  .venv/bin/python scripts/bench_instr.py --live --cache-sim --branch-sim --live-load script,noop
                                    # + simulated L1/L2 misses and mispredicted branches; the -s floor

``--live`` counts the whole ``mitmdump`` process instead (under callgrind, its children native), in
front of bench_proxy's nginx, small requests through real sockets on ``--live-connections``
kept-alive connections, plain and with toolguard: a trigger addon loaded into both zeroes the
counters at ``/__instr/start`` and dumps them at ``/__instr/stop/LABEL``, around a window of
``--live-few`` and one of ``--live-flows`` requests; the figure is the difference of the two windows
per extra request, so start-up and the windows' edges cancel. ``--live-flush-delay`` stretches
toolguard's window to valgrind's clock. With ``--opcodes N`` it runs natively and the trigger counts
the event loop's Python bytecodes per function instead (``sys.settrace``): what mitmproxy does per
request around toolguard's hooks, which the in-process driver cannot show. About 8-15 minutes
(callgrind) or 2-4 (opcodes) on a shared machine.

Needs valgrind and gcc (``apt-get install valgrind gcc``); PostgreSQL for ``--store postgres``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import glob
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
HELPER_C = r"""
#include <valgrind/callgrind.h>
void tg_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void tg_stop(const char *label) { CALLGRIND_DUMP_STATS_AT(label); CALLGRIND_STOP_INSTRUMENTATION; }
"""


def build_helper(directory: Path) -> Path:
    source, library = directory / "tg_callgrind.c", directory / "tg_callgrind.so"
    source.write_text(HELPER_C)
    subprocess.run(["gcc", "-O1", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return library


# ----------------------------------------------------------------- inside valgrind


async def measure(args: argparse.Namespace, helper: ctypes.CDLL) -> None:
    sys.path.insert(0, str(HERE))
    from bench_hooks import make_flows, process_cpu
    from mitmproxy.addons import default_addons
    from mitmproxy.test import taddons

    from toolguard_core import offload, writerproc
    from toolguard_core.addon import ToolGuard

    # The driver writes each window itself (see the module's docstring); the timers never fire.
    offload.FLUSH_DELAY = 3600.0
    writerproc.FLUSH_SECONDS = 3600.0
    flagged = args.flagged
    with tempfile.TemporaryDirectory() as tmp:
        for label, hooked in (("driver", False), ("toolguard", True)):
            addon = ToolGuard()
            with taddons.context(addon) as tctx:
                for other in default_addons():
                    if other not in tctx.master.addons:
                        tctx.master.addons.add(other)
                options = {
                    "toolguard_db": args.db or str(Path(tmp) / f"bench-{label}.db"),
                    "toolguard_offload": "0",
                    "toolguard_writer": "process",
                }
                if args.otlp:
                    options["toolguard_otlp_endpoint"] = args.otlp
                tctx.configure(addon, **options)
                logging.getLogger().setLevel(logging.WARNING)
                addon.running()
                for _ in range(1200):  # the worker and the writer process start in the background
                    if addon.validator.ready and (addon.store is None or addon._store_ready):
                        break
                    await asyncio.sleep(0.05)
                assert addon.validator.ready, addon.validator.failed_start
                driven = addon if hooked else None
                await drive(driven, make_flows(args.warmup, flagged), args.window)
                flows = make_flows(args.flows, flagged)
                writer = addon.store.pid if hooked and addon.store is not None else None
                writer_start = process_cpu(writer)
                helper.tg_start()
                await drive(driven, flows, args.window)
                helper.tg_stop(label.encode())
                if writer is not None and flagged:
                    # Native, not counted by valgrind: CPU seconds, so the machine's load shows in it.
                    print(f"writer-cpu-per-row {(process_cpu(writer) - writer_start) / args.flows}")
                stats = dict(addon.stats)
                addon.done()
            if hooked:
                total = args.flows + args.warmup
                expected = {"validated_in_worker": total, "flagged": total if flagged else 0}
                got = {key: stats.get(key, 0) for key in expected}
                if got != expected or stats.get("internal_errors"):
                    raise SystemExit(f"unexpected counters: {stats}")


async def drive(addon, flows, window: int) -> None:
    """bench_hooks' drive_on_loop, with the windows' writes made every ``window`` flows (and after
    the last), then until every stored row's verdict is in."""
    from bench_hooks import drive_on_loop  # (measure put scripts/ on the path)

    await drive_on_loop(addon, flows, after=lambda: flush(addon), every=window)
    if addon is None:
        return
    while addon.pending or addon.validator.pending or addon._awaiting or rows_pending(addon):
        await asyncio.sleep(0.005)
        flush(addon)


def flush(addon) -> None:
    if addon.validator._out:
        addon.validator._flush()
    store = addon.store
    if store is not None and getattr(store, "_held", None) is not None:
        store._flush()


def rows_pending(addon) -> int:
    return addon.store.counters()["rows_pending"] if addon.store is not None else 0


class OpcodeCounter:
    """Python-level attribution for the same measured flows (callgrind sees the interpreter's C
    frames, not which function ran): ``sys.settrace`` with opcode events, counted per function and
    divided by the flows. The tracer slows the loop, not what it counts."""

    def __init__(self, flows: int, top: int) -> None:
        self.flows, self.top = flows, top
        self.counts: Counter[str] = Counter()

    def _trace(self, frame: Any, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        frame.f_trace_lines = False
        code = frame.f_code
        key = f"{Path(code.co_filename).name}:{code.co_firstlineno} {code.co_qualname}"
        counts = self.counts

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "opcode":
                counts[key] += 1
            return local

        return local

    def tg_start(self) -> None:
        self.counts.clear()
        sys.settrace(self._trace)

    def tg_stop(self, label: bytes) -> None:
        sys.settrace(None)
        if label == b"toolguard":  # the driver's own frames (drive, the loop's) are in it too
            total = sum(self.counts.values()) / self.flows
            print(f"with toolguard's hooks: {total:.0f} opcodes per flow, the driver's included")
            for key, count in self.counts.most_common(self.top):
                print(f"  {count / self.flows:8.1f}  {key}")


# ----------------------------------------------------------------- outside


def totals(out_dir: Path) -> dict[str, dict[str, int]]:
    """Instructions per dump label and thread, from callgrind's output files."""
    found: dict[str, dict[str, int]] = {}
    for path in glob.glob(str(out_dir / "cg.out*")):
        text = Path(path).read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: Client Request: (\S+)", text, re.M)
        summary = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        if not trigger or not summary:
            continue
        thread = re.search(r"-(\d+)$", path)
        key = str(int(thread.group(1))) if thread else "1"
        found.setdefault(trigger.group(1), {})[key] = int(summary.group(1))
    return found


def event_totals(out_dir: Path) -> dict[str, dict[str, dict[str, int]]]:
    """Every event callgrind counted, per dump label and thread: with ``--cache-sim=yes`` the
    simulated caches' reads and misses beside the instructions (``Ir Dr Dw I1mr D1mr D1mw ILmr
    DLmr DLmw``: valgrind's manual, "Cachegrind": D1 the first-level data cache, LL the last level)."""
    found: dict[str, dict[str, dict[str, int]]] = {}
    for path in glob.glob(str(out_dir / "cg.out*")):
        text = Path(path).read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: Client Request: (\S+)", text, re.M)
        events = re.search(r"^events: (.+)$", text, re.M)
        summary = re.search(r"^(?:summary|totals): (.+)$", text, re.M)
        if not trigger or not events or not summary:
            continue
        thread = re.search(r"-(\d+)$", path)
        key = str(int(thread.group(1))) if thread else "1"
        names, counts = events.group(1).split(), [int(n) for n in summary.group(1).split()]
        # callgrind leaves trailing zero counts out of a summary line
        found.setdefault(trigger.group(1), {})[key] = {
            name: counts[i] if i < len(counts) else 0 for i, name in enumerate(names)
        }
    return found


#: The simulated caches' events reported per request (``--cache-sim``), and what each is.
CACHE_EVENTS = {
    "Dr": "data reads",
    "Dw": "data writes",
    "I1mr": "L1 instruction misses",
    "D1mr": "L1 data read misses",
    "D1mw": "L1 data write misses",
    "ILmr": "last-level instruction misses",
    "DLmr": "last-level data read misses",
    "DLmw": "last-level data write misses",
}
#: With ``--branch-sim``: callgrind's simulated branch predictor (conditional and indirect branches
#: executed and mispredicted; a simple model, not this CPU's predictor: valgrind's manual).
BRANCH_EVENTS = {
    "Bc": "conditional branches",
    "Bcm": "conditional branches mispredicted",
    "Bi": "indirect branches",
    "Bim": "indirect branches mispredicted",
}


def last_level_option(cpu: Path = Path("/sys/devices/system/cpu/cpu0/cache")) -> list[str]:
    """``--LL=size,ways,line`` for callgrind's simulated last level: this CPU's level-2 cache (its
    own; the level 3 is shared with the other CPU and, on a VM, with other guests). valgrind's own
    guess on this machine was a 256 MB direct-mapped cache, which nothing misses. Nothing when
    /sys does not say (valgrind guesses then)."""
    try:
        for index in sorted(cpu.glob("index*")):
            if (index / "level").read_text().strip() == "2":
                size = (index / "size").read_text().strip()
                number = int(size.rstrip("KMG")) * {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(size[-1], 1)
                ways = int((index / "ways_of_associativity").read_text())
                line = int((index / "coherency_line_size").read_text())
                return [f"--LL={number},{ways},{line}"]
    except (OSError, ValueError):
        pass
    return []


def own_costs(out_dir: Path, label: str) -> dict[str, int]:
    """Each C function's own (exclusive) instructions in the event-loop thread's dump ``label``."""
    costs: dict[str, int] = {}
    for path in glob.glob(str(out_dir / "cg.out.*-01")):
        if f"Client Request: {label}\n" not in Path(path).read_text(errors="replace")[:2000]:
            continue
        table = subprocess.run(
            # Instructions only (with --cache-sim the dump holds more events, one column each).
            ["callgrind_annotate", "--threshold=100", "--show=Ir", path],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        for line in table.splitlines():
            row = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)", line)
            if row and "PROGRAM TOTALS" not in row.group(2):
                name = row.group(2).split(" [")[0].split(":", 1)[-1]
                costs[name] = costs.get(name, 0) + int(row.group(1).replace(",", ""))
    return costs


# ----------------------------------------------------------------- live: the whole mitmdump process

#: The addon loaded first into both proxies of ``--live`` (plain and toolguard alike, so its own
#: cost cancels): a request to ``/__instr/start`` zeroes callgrind's counters and switches
#: instrumentation on, one to ``/__instr/stop/LABEL`` dumps them under LABEL and switches it off,
#: both on the event loop between the measured requests, answered here (204) without an upstream.
#: ``TG_LIVE_FLUSH_DELAY`` sets toolguard's window (offload.FLUSH_DELAY) once it is loaded: valgrind
#: slows the proxy ~50x while the window's timer keeps the wall clock, so without it each window
#: would hold about one request instead of live's ~9 (perf8).
TRIGGER_ADDON = r"""
import ctypes
import json
import os
import sys

from mitmproxy import http

from collections import Counter

_OPCODES = os.environ.get("TG_LIVE_OPCODES")  # natively: Python functions by bytecodes, to files
_HELPER = None if _OPCODES else ctypes.CDLL(os.environ["TG_CALLGRIND_HELPER"])
_COUNTS = Counter()


def _trace(frame, event, arg):
    frame.f_trace_opcodes = True
    frame.f_trace_lines = False
    code = frame.f_code
    key = f"{os.path.basename(code.co_filename)}:{code.co_firstlineno} {code.co_qualname}"

    def local(frame, event, arg):
        if event == "opcode":
            _COUNTS[key] += 1
        return local

    return local


def _start():
    if _HELPER is not None:
        _HELPER.tg_start()
    else:  # the event loop's thread: the hooks and every callback run on it
        _COUNTS.clear()
        sys.settrace(_trace)


def _stop(label):
    if _HELPER is not None:
        _HELPER.tg_stop(label)
    else:
        sys.settrace(None)
        with open(f"{_OPCODES}.{label.decode()}.json", "w") as out:
            json.dump(dict(_COUNTS), out)


class InstrTrigger:
    def running(self):
        delay = os.environ.get("TG_LIVE_FLUSH_DELAY")
        offload = sys.modules.get("toolguard_core.offload")
        if delay and offload is not None:
            offload.FLUSH_DELAY = float(delay)

    def request(self, flow):
        path = flow.request.data.path
        if path.startswith(b"/__instr/"):
            if path == b"/__instr/start":
                _start()
            else:
                _stop(path.rsplit(b"/", 1)[1])
            flow.response = http.Response.make(204)


addons = [InstrTrigger()]
"""


def send_requests(port: int, body: bytes, total: int, connections: int, flagged: bool = False) -> None:
    """``total`` small requests through the proxy on ``connections`` kept-alive connections at once,
    each connection's next request sent when its answer is read (wrk's way, bounded); ``flagged``:
    bench_proxy's flagged request, to its ``/bad/`` path (nginx answers OpenAI's real 400)."""
    import http.client
    import threading

    headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-bench-not-a-real-key"}
    failures: list[str] = []
    path, expected = ("/bad/v1/chat/completions", 400) if flagged else ("/ok/v1/chat/completions", 200)

    def one_connection(count: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        try:
            for _ in range(count):
                conn.request("POST", path, body, headers)
                answer = conn.getresponse()
                answer.read()
                if answer.status != expected:
                    failures.append(str(answer.status))
        finally:
            conn.close()

    shares = [total // connections + (1 if i < total % connections else 0) for i in range(connections)]
    threads = [threading.Thread(target=one_connection, args=(share,)) for share in shares if share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"the proxy answered {len(failures)} requests with {sorted(set(failures))}")


def control(port: int, path: str) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        answer.read()
        if answer.status != 204:
            raise SystemExit(f"{path}: the trigger addon answered {answer.status}")
    finally:
        conn.close()


#: ``--live-load``: how toolguard is loaded into mitmdump. ``script``: ``mitmdump -s addon/toolguard.py``;
#: ``top``: ``toolguard proxy`` (toolguard_core/launch.py: an addon, not a script); ``noop``: no
#: toolguard, plain mitmdump with ``-s scripts/bench_noop_addon.py`` (toolguard's hook names, empty:
#: the floor of any ``-s`` script).
LIVE_LOADS = ("script", "top", "noop")


def live_run(args: argparse.Namespace, work: Path, helper: Path, load: str | None) -> dict[str, Any]:
    """One mitmdump under callgrind (its children, toolguard's worker and writer, native), in front
    of bench_proxy's nginx: warm-up, then a window of ``--live-few`` and one of ``--live-flows``
    requests, each dumped; the figures are the second minus the first, per extra request. ``load``:
    None for plain mitmdump, else how toolguard is loaded (:data:`LIVE_LOADS`)."""
    import time

    sys.path.insert(0, str(HERE))
    import bench_proxy

    with_addon = load in ("script", "top")
    name = f"toolguard-{load}" if with_addon else (load or "plain")
    run_dir = work / name
    run_dir.mkdir(parents=True, exist_ok=True)
    trigger = work / "instr_trigger.py"
    trigger.write_text(TRIGGER_ADDON)
    body = json.dumps(bench_proxy.small_body(orphan=args.flagged)).encode()
    upstream = args.live_upstream
    port = bench_proxy.free_port()
    valgrind = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--separate-threads=yes",
        *(["--cache-sim=yes", *last_level_option()] if args.cache_sim else []),
        *(["--branch-sim=yes"] if args.branch_sim else []),
        f"--callgrind-out-file={run_dir}/cg.out",
    ]
    command = [
        *([] if args.opcodes else valgrind),
        *(bench_proxy.TOP_LEVEL if load == "top" else [str(bench_proxy.MITMDUMP)]),
        "--listen-host",
        "127.0.0.1",
        "-p",
        str(port),
        "--set",
        "flow_detail=0",
        "--mode",
        f"reverse:http://127.0.0.1:{upstream}",
        "--set",
        f"confdir={run_dir / 'conf'}",
        "-s",
        str(trigger),
    ]
    if load == "noop":
        command += ["-s", str(bench_proxy.NOOP_SCRIPT)]
    if with_addon:
        command += [*(["-s", str(bench_proxy.ADDON)] if load == "script" else [])]
        command += ["--set", "toolguard_console=false"]
        command += ["--set", f"toolguard_db={run_dir / 'bench.db'}"]
    env = dict(os.environ, PYTHONWARNINGS="ignore", TG_CALLGRIND_HELPER=str(helper))
    if args.opcodes:  # natively: the window as live
        env["TG_LIVE_OPCODES"] = str(run_dir / "opcodes")
    else:
        env["TG_LIVE_FLUSH_DELAY"] = str(args.live_flush_delay)
    log = (run_dir / "mitmdump.log").open("wb")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=HERE.parent, env=env)
    try:
        bench_proxy.wait_port(
            port, proc, "mitmdump under valgrind", timeout=600, log=run_dir / "mitmdump.log"
        )
        if with_addon:  # the worker's first answer: its start-up is not what is measured
            deadline = time.monotonic() + 600
            while "validation worker" not in (run_dir / "mitmdump.log").read_text(errors="replace"):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        send_requests(port, body, args.live_warmup, args.live_connections, args.flagged)
        seconds: dict[str, float] = {}
        for label, count in (("few", args.live_few), ("many", args.live_flows)):
            control(port, "/__instr/start")
            start = time.monotonic()
            send_requests(port, body, count, args.live_connections, args.flagged)
            seconds[label] = time.monotonic() - start
            time.sleep(args.live_settle)  # the worker's last replies and the window's write land
            control(port, f"/__instr/stop/{label}")
    finally:
        proc.send_signal(2)
        try:
            proc.wait(300)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    extra = args.live_flows - args.live_few
    if args.opcodes:
        many, few = (json.loads((run_dir / f"opcodes.{label}.json").read_text()) for label in ("many", "few"))
        per_request = {key: (many.get(key, 0) - few.get(key, 0)) / extra for key in many.keys() | few.keys()}
        return {"opcodes": sum(per_request.values()), "functions": per_request}
    found = totals(run_dir)
    main_thread = (found["many"].get("1", 0) - found["few"].get("1", 0)) / extra
    whole = (sum(found["many"].values()) - sum(found["few"].values())) / extra
    functions: dict[str, float] = {}
    many, few = own_costs(run_dir, "many"), own_costs(run_dir, "few")
    for function in many.keys() | few.keys():
        functions[function] = (many.get(function, 0) - few.get(function, 0)) / extra
    rate = args.live_flows / seconds["many"] if seconds["many"] else 0.0
    cache: dict[str, dict[str, float]] = {}
    simulated = {**(CACHE_EVENTS if args.cache_sim else {}), **(BRANCH_EVENTS if args.branch_sim else {})}
    if simulated:  # per request, the event loop's thread and the whole process
        events = event_totals(run_dir)
        for where, threads in (("loop", ("1",)), ("process", tuple(events["many"]))):
            cache[where] = {
                event: sum(
                    events["many"].get(t, {}).get(event, 0) - events["few"].get(t, {}).get(event, 0)
                    for t in threads
                )
                / extra
                for event in simulated
            }
    stats = ""
    if with_addon:
        from toolguard_core.addon import counters_from_output

        counters = counters_from_output((run_dir / "mitmdump.log").read_text(errors="replace"))
        stats = json.dumps(counters) if counters is not None else "(no counters line in mitmdump.log)"
    return {
        "loop": main_thread,
        "process": whole,
        "functions": functions,
        "rate": rate,
        "stats": stats,
        "cache": cache,
    }


def live(args: argparse.Namespace, work: Path, helper: Path) -> None:
    sys.path.insert(0, str(HERE))
    import bench_proxy

    with contextlib.ExitStack() as stack:
        nginx_dir = work / "nginx"
        nginx_dir.mkdir(parents=True, exist_ok=True)
        args.live_upstream = stack.enter_context(bench_proxy.nginx(nginx_dir))
        loads = [load.strip() for load in args.live_load.split(",") if load.strip()]
        unknown = [load for load in loads if load not in LIVE_LOADS]
        if unknown or not loads:
            raise SystemExit(f"--live-load: {', '.join(unknown) or 'none'}: give {', '.join(LIVE_LOADS)}")
        plain = live_run(args, work, helper, None)
        for load in loads:
            live_report(args, plain, live_run(args, work, helper, load), load)


def live_report(args: argparse.Namespace, plain: dict[str, Any], guarded: dict[str, Any], load: str) -> None:
    extra = args.live_flows - args.live_few
    flow = "flagged and stored" if args.flagged else "small clean"
    print(
        {
            "script": "toolguard loaded as a -s script:",
            "top": "toolguard loaded as toolguard proxy (an addon, not a script):",
            "noop": "no toolguard: the noop -s script (toolguard's hook names, empty), in toolguard's column:",
        }[load]
    )
    if args.opcodes:
        print(
            f"live, {flow} flow, natively ({extra} requests: {args.live_flows} less {args.live_few}, "
            f"{args.live_connections} connections): the event loop's Python bytecodes per request: plain "
            f"{plain['opcodes']:.0f}, toolguard {guarded['opcodes']:.0f} "
            f"(+{guarded['opcodes'] - plain['opcodes']:.0f}); the {args.opcodes} functions toolguard "
            "changes most (toolguard less plain, and plain's):"
        )
        names = plain["functions"].keys() | guarded["functions"].keys()
        added = {n: guarded["functions"].get(n, 0) - plain["functions"].get(n, 0) for n in names}
        for name, count in sorted(added.items(), key=lambda item: -abs(item[1]))[: args.opcodes]:
            print(f"  {count:+8.1f}  ({plain['functions'].get(name, 0):7.1f})  {name}")
        return
    print(
        f"live, {flow} flow ({extra} requests: {args.live_flows} less {args.live_few}, "
        f"{args.live_connections} connections, window {args.live_flush_delay:g} s):"
    )
    for what, key in (("event-loop thread", "loop"), ("whole process", "process")):
        print(
            f"  {what}: plain {plain[key] / 1000:.1f}k, toolguard {guarded[key] / 1000:.1f}k instructions "
            f"per request: toolguard adds {(guarded[key] - plain[key]) / 1000:.1f}k "
            f"({guarded[key] / plain[key] - 1:+.1%})"
        )
    print(f"  requests/s under valgrind: plain {plain['rate']:.1f}, toolguard {guarded['rate']:.1f}")
    for where, label in (("loop", "event-loop thread"), ("process", "whole process")):
        mine, theirs = guarded.get("cache", {}).get(where), plain.get("cache", {}).get(where)
        if not mine or not theirs:
            continue
        print(f"  simulated caches and branches, {label}, per request: plain, toolguard, added")
        for event, what in {**CACHE_EVENTS, **BRANCH_EVENTS}.items():
            if event not in mine or event not in theirs:
                continue
            added = mine[event] - theirs[event]
            relative = f" ({added / theirs[event]:+.1%})" if theirs[event] else ""
            print(f"    {event:5} {theirs[event]:12.1f} {mine[event]:12.1f} {added:+10.1f}{relative}  {what}")
    if guarded["stats"]:
        print(f"  toolguard's counters at exit: {guarded['stats']}")
    top = args.annotate or 25
    print(f"  the {top} C functions whose own instructions per request toolguard changes most:")
    names = plain["functions"].keys() | guarded["functions"].keys()
    added = {n: guarded["functions"].get(n, 0) - plain["functions"].get(n, 0) for n in names}
    for name, cost in sorted(added.items(), key=lambda item: -abs(item[1]))[:top]:
        print(f"    {cost / 1000:+7.1f}k  (plain {plain['functions'].get(name, 0) / 1000:6.1f}k)  {name}")
    if args.json:
        path = Path(args.json)
        figures = json.loads(path.read_text()) if path.exists() and load != "script" else {}
        figures["plain"] = {k: v for k, v in plain.items() if k != "functions"}
        figures[f"toolguard-{load}"] = {k: v for k, v in guarded.items() if k != "functions"}
        path.write_text(json.dumps(figures))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--flows", type=int, default=1000, help="flows counted")
    parser.add_argument("--warmup", type=int, default=300, help="flows run before counting")
    parser.add_argument("--window", type=int, default=9, help="flows per window's write")
    parser.add_argument("--flagged", action="store_true", help="bench_proxy's flagged flow (stored)")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--otlp", nargs="?", const="receiver", default="", help="export to OTLP")
    parser.add_argument(
        "--annotate", type=int, default=0, metavar="N", help="the top N C functions, the driver's subtracted"
    )
    parser.add_argument(
        "--opcodes",
        type=int,
        default=0,
        metavar="N",
        help="instead of callgrind, count the bytecodes each Python function runs per flow (the top N)",
    )
    parser.add_argument("--keep", metavar="DIR", help="keep callgrind's files in DIR")
    parser.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    parser.add_argument(
        "--live",
        action="store_true",
        help="count the whole mitmdump process instead, plain and with toolguard, real sockets (see below)",
    )
    parser.add_argument("--live-flows", type=int, default=600, help="--live: requests in the long window")
    parser.add_argument("--live-few", type=int, default=150, help="--live: requests in the short window")
    parser.add_argument("--live-warmup", type=int, default=200, help="--live: requests before counting")
    parser.add_argument("--live-connections", type=int, default=4, help="--live: client connections")
    parser.add_argument(
        "--live-flush-delay", type=float, default=0.5, help="--live: toolguard's window, seconds (valgrind's)"
    )
    parser.add_argument(
        "--live-load",
        default="script",
        help="--live: how toolguard is loaded, comma-separated, each against the same plain mitmdump: "
        "script (mitmdump -s addon/toolguard.py), top (toolguard proxy: an addon, not a script), "
        "noop (no toolguard: an -s script of empty hooks, the floor of any script)",
    )
    parser.add_argument(
        "--cache-sim",
        action="store_true",
        help="--live: also simulate the CPU's caches (callgrind --cache-sim=yes): L1 and last-level "
        "misses per request, plain and toolguard",
    )
    parser.add_argument(
        "--branch-sim",
        action="store_true",
        help="--live: also simulate branch prediction (callgrind --branch-sim=yes): mispredicted "
        "conditional and indirect branches per request",
    )
    parser.add_argument("--live-settle", type=float, default=3.0, help=argparse.SUPPRESS)
    parser.add_argument("--inner", metavar="HELPER", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        asyncio.run(measure(args, ctypes.CDLL(args.inner)))
        return 0

    sys.path.insert(0, str(HERE.parent / "tests"))
    with contextlib.ExitStack() as stack:
        work = Path(args.keep) if args.keep else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        work.mkdir(parents=True, exist_ok=True)
        helper = build_helper(work)
        if args.live:  # with --opcodes: natively, Python functions by bytecodes instead
            live(args, work, helper)
            return 0
        inner = [sys.executable, __file__, "--inner", str(helper), "--flows", str(args.flows)]
        inner += ["--warmup", str(args.warmup), "--window", str(args.window)]
        inner += ["--flagged"] if args.flagged else []
        if args.store == "postgres":
            from support.postgres import PostgresServer, binaries

            bin_dir = binaries()
            if bin_dir is None:
                raise SystemExit("PostgreSQL not found: apt-get install postgresql")
            server = PostgresServer(bin_dir)
            stack.callback(server.destroy)
            server.start()
            inner += ["--db", server.create_database("bench_instr")]
        if args.otlp:
            endpoint = args.otlp
            if endpoint == "receiver":
                from support.otlp import Receiver

                endpoint = stack.enter_context(Receiver()).url
            inner += ["--otlp", endpoint]
        if args.opcodes:  # no valgrind: the bytecodes each function runs per flow, in this process
            asyncio.run(measure(parser.parse_args(inner[2:]), OpcodeCounter(args.flows, args.opcodes)))
            return 0
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--separate-threads=yes",
            f"--callgrind-out-file={work}/cg.out",
            *inner,
        ]
        run = subprocess.run(
            command,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            stderr=None if args.keep else subprocess.DEVNULL,
        )
        writer_cpu = re.search(r"^writer-cpu-per-row (\S+)", run.stdout, re.M)
        found = totals(work)
        driver, hooked = found["driver"], found["toolguard"]
        loop = (hooked.get("1", 0) - driver.get("1", 0)) / args.flows
        what = "flagged and stored" if args.flagged else "small clean"
        sinks = args.store + (" + OTLP" if args.otlp else "")
        print(
            f"{what} flow, {sinks}: toolguard's hooks on the event loop {loop / 1000:.1f}k instructions per "
            f"flow (driver alone {driver.get('1', 0) / args.flows / 1000:.1f}k; {args.flows} flows, "
            f"{args.window} per window)"
        )
        figures = {"loop": loop, "driver": driver.get("1", 0) / args.flows}
        if writer_cpu:
            figures["writer_cpu_ms_per_row"] = float(writer_cpu.group(1)) * 1000
            print(f"the writer process's CPU per row: {figures['writer_cpu_ms_per_row']:.3f} ms (natively)")
        if args.json:
            Path(args.json).write_text(json.dumps(figures))
        if args.annotate:
            print(f"the event loop's top {args.annotate} C functions by own instructions per flow:")
            mine, theirs = own_costs(work, "toolguard"), own_costs(work, "driver")
            added = {name: (cost - theirs.get(name, 0)) / args.flows for name, cost in mine.items()}
            for name, cost in sorted(added.items(), key=lambda item: -item[1])[: args.annotate]:
                print(f"  {cost / 1000:7.1f}k  {name}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
