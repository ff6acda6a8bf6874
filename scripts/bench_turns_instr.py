#!/usr/bin/env python3
"""The validation worker's instructions per distinct agent turn, counted exactly (callgrind).

``analyse_request`` on the bodies ``bench_proxy.py``'s agent scenario sends (``agent_turns()``: one
growing session, each turn the turn before plus a tool call and its result, ~1 MB, ~400 messages, 30
tools), under ``valgrind --tool=callgrind`` with instrumentation on only around the measured calls. The
figure is (instructions of a run of N requests − those of a run of none) / N, whatever the machine's
load (the perf10 method, docs/benchmarks.md).

Two orders:

* ``rotation``: the 32 turns in rotation, as wrk sends them (the bench's live scenario); every turn
  was sent once before it is measured.
* ``fresh``: every measured turn is sent for the first time, after the turn before it (an agent's real
  session: each request adds two messages to the history the one before sent).

  .venv/bin/python scripts/bench_turns_instr.py                # both orders, 16 requests each
  .venv/bin/python scripts/bench_turns_instr.py --whole        # every body parsed whole, as before
  .venv/bin/python scripts/bench_turns_instr.py --parse-only   # orjson.loads alone, for comparison

Needs valgrind and gcc (``apt-get install valgrind gcc``).
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
URL = "https://api.openai.com/v1/chat/completions"


def bodies(turns: int) -> list[bytes]:
    sys.path.insert(0, str(HERE))
    from bench_proxy import agent_turns  # the bench's own turns, serialised as it sends them

    return [json.dumps(turn).encode() for turn in agent_turns(turns)]


def inner(args: argparse.Namespace) -> None:
    import orjson

    from toolguard_core.analyze import analyse_request
    from toolguard_core.providers import DEFAULT_REGISTRY
    from toolguard_core.request import Target

    kwargs: dict[str, object] = {"target": Target.from_url(URL, DEFAULT_REGISTRY)}  # the worker keeps one
    if not args.whole:
        from toolguard_core.worker import HISTORY  # the worker's own cache of parsed messages

        kwargs["history"] = HISTORY

    helper = ctypes.CDLL(args.inner)
    turns = bodies(32)

    def run(body: bytes) -> None:
        if args.parse_only:
            orjson.loads(body)
        else:
            analysis = analyse_request(body, URL, **kwargs)
            assert not analysis.internal_errors, analysis.internal_errors

    # Both orders measure the same bodies: the middle turns, 1.04 MB and 400 messages on average.
    start = (len(turns) - args.requests) // 2
    measured = turns[start : start + args.requests]
    if args.order == "rotation":
        for body in turns:  # every turn once: the bench's first rotation
            run(body)
    else:
        run(turns[start - 1])  # the turn before the first measured one
    for label, batch in (("none", []), ("some", measured)):
        helper.tg_start()
        for body in batch:
            run(body)
        helper.tg_stop(label.encode())


def totals(out_dir: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for path in glob.glob(str(out_dir / "cg.out*")):
        text = Path(path).read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: Client Request: (\S+)", text, re.M)
        summary = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        if trigger and summary:
            found[trigger.group(1)] = found.get(trigger.group(1), 0) + int(summary.group(1))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=16, help="at most 30")
    parser.add_argument("--order", choices=("rotation", "fresh", "both"), default="both")
    parser.add_argument("--parse-only", action="store_true")
    parser.add_argument("--whole", action="store_true", help="every body parsed whole (no history cache)")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        inner(args)
        return 0
    from bench_instr import build_helper

    orders = ("rotation", "fresh") if args.order == "both" else (args.order,)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        helper = build_helper(work)
        for order in orders:
            out = work / order
            out.mkdir()
            command = [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}/cg.out",
            ]
            command += [sys.executable, __file__, "--inner", str(helper), "--order", order]
            command += ["--requests", str(args.requests)] + (["--parse-only"] if args.parse_only else [])
            command += ["--whole"] if args.whole else []
            subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
            found = totals(out)
            per = (found["some"] - found["none"]) / args.requests
            what = "orjson.loads" if args.parse_only else "analyse_request"
            print(f"{order}: {what} {per / 1e6:.2f} M instructions per request ({args.requests} requests)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
