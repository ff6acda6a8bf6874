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


def own_costs(out_dir: Path, label: str) -> dict[str, int]:
    """Each C function's own (exclusive) instructions in the event-loop thread's dump ``label``."""
    costs: dict[str, int] = {}
    for path in glob.glob(str(out_dir / "cg.out.*-01")):
        if f"Client Request: {label}\n" not in Path(path).read_text(errors="replace")[:2000]:
            continue
        table = subprocess.run(
            ["callgrind_annotate", "--threshold=100", path], capture_output=True, text=True, check=False
        ).stdout
        for line in table.splitlines():
            row = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)", line)
            if row and "PROGRAM TOTALS" not in row.group(2):
                name = row.group(2).split(" [")[0].split(":", 1)[-1]
                costs[name] = costs.get(name, 0) + int(row.group(1).replace(",", ""))
    return costs


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
