"""The proxy benchmark's CPU placement (scripts/bench_placement.py): which process goes to which CPU,
the 1-CPU fallback, and that the pinning reaches real processes, every thread and a child's child."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import bench_placement
from bench_placement import Placement, assignments, plan

F = frozenset


@pytest.mark.parametrize(
    ("layout", "cpus", "expected"),
    [
        # The default on this machine's 2 CPUs: the proxy alone on CPU 1, the rest with the load.
        ("children-with-load", [0, 1], Placement("children-with-load", F({1}), F({0}), F({0}))),
        ("children-unpinned", [0, 1], Placement("children-unpinned", F({1}), F({0}), F({0, 1}))),
        ("none", [0, 1], Placement("none", None, None, None)),
        # One mitmdump is one core on a bigger machine too; every other CPU is the load's.
        ("children-with-load", [0, 1, 2, 3], Placement("children-with-load", F({3}), F({0, 1, 2}), F({0, 1, 2}))),
        # A script started pinned (taskset -c 2,5) places within what it was given.
        ("children-unpinned", [5, 2], Placement("children-unpinned", F({5}), F({2}), F({2, 5}))),
        # One CPU: nothing to separate, nothing pinned, and the note says so.
        (
            "children-with-load",
            [0],
            Placement(
                "none", None, None, None, "1 CPU available, children-with-load asked for: nothing to "
                "separate, so nothing pinned",
            ),
        ),
    ],
)  # fmt: skip
def test_plan(layout: str, cpus: list[int], expected: Placement) -> None:
    assert plan(layout, cpus) == expected


def test_an_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown layout 'both'"):
        plan("both", [0, 1])


WORKER = b"/venv/bin/python\x00-m\x00toolguard_core.worker\x00--fd\x003"
WRITER = b"/venv/bin/python\x00-m\x00toolguard_core.writer\x00/tmp/bench.db"
OTHER = b"/bin/sh\x00-c\x00true"


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("children-with-load", {100: F({1}), 201: F({0}), 202: F({0})}),
        ("children-unpinned", {100: F({1}), 201: F({0, 1}), 202: F({0, 1})}),
        ("none", {}),
    ],
)
def test_which_pid_goes_where(layout: str, expected: dict[int, frozenset[int]]) -> None:
    # An unknown child (203) stays where it started, with the proxy.
    children = {201: WORKER, 202: WRITER, 203: OTHER}
    assert assignments(plan(layout, [0, 1]), 100, children) == expected


def test_one_cpu_assigns_nothing() -> None:
    assert assignments(plan("children-with-load", [0]), 100, {201: WORKER}) == {}


def test_describe_and_json_name_every_role() -> None:
    placement = plan("children-with-load", [0, 1])
    assert placement.describe() == (
        "children-with-load: mitmdump (all threads) on CPU 1; wrk, nginx and the script's servers on "
        "CPU 0; toolguard's worker and writer on CPU 0"
    )
    assert placement.as_json() == {
        "layout": "children-with-load",
        "proxy": [1],
        "load": [0],
        "children": [0],
        "note": "",
    }
    assert plan("none", [0, 1]).describe() == (
        "none: mitmdump (all threads) on any CPU; wrk, nginx and the script's servers on any CPU; "
        "toolguard's worker and writer on any CPU"
    )


# A real "proxy": it starts a thread and a child whose command line names toolguard's worker, then
# prints the affinity each began with and waits. It waits for the child to say it runs first: Popen
# returns once the child's execve has swapped its memory, before the kernel has put the new command
# line in it, and until then /proc/PID/cmdline reads empty, so the child is no toolguard worker to
# children_of (on a loaded machine the child, pinned to the busy proxy CPU, stayed there for the
# whole test: the flake of 2026-12-01, `applied` without the child).
FAKE_PROXY = r"""
import os, subprocess, sys, threading
seen = []
thread = threading.Thread(target=lambda: seen.append(sorted(os.sched_getaffinity(0))))
thread.start(); thread.join()
child = subprocess.Popen(
    [sys.executable, "-c", "import time; print(flush=True); time.sleep(60)", "toolguard_core.worker"],
    stdout=subprocess.PIPE,
)
child.stdout.readline()  # its interpreter runs: execve is over, the command line is in place
print(sorted(os.sched_getaffinity(0)), seen[0], child.pid, flush=True)
sys.stdin.read()
child.kill()
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="pinning needs two CPUs")
def test_a_real_proxy_starts_pinned_and_its_child_is_moved() -> None:
    placement = plan("children-with-load", os.sched_getaffinity(0))
    assert placement.proxy is not None and placement.children is not None
    argv = bench_placement.pinned_argv([sys.executable, "-c", FAKE_PROXY], placement.proxy)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        own, thread, child = proc.stdout.readline().split("] ")
        # The process and the thread it started began on the proxy's CPU, and so did its child.
        assert (own + "]", thread + "]") == (str(sorted(placement.proxy)), str(sorted(placement.proxy)))
        child_pid = int(child)
        assert bench_placement.affinity(child_pid) == placement.proxy
        assert bench_placement.children_of(proc.pid).keys() == {child_pid}
        applied = bench_placement.apply(placement, proc.pid)
        assert applied == {proc.pid: placement.proxy, child_pid: placement.children}
        assert bench_placement.affinity(child_pid) == placement.children
        # Every thread of the proxy, not only its main one.
        tasks = [int(task.name) for task in Path(f"/proc/{proc.pid}/task").iterdir()]
        assert {bench_placement.affinity(task) for task in tasks} == {placement.proxy}
    finally:
        proc.communicate("", timeout=30)


def test_a_process_that_is_gone_is_not_pinned() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: its pid is gone from /proc at once, no sleep needed
    assert bench_placement.pin(proc.pid, frozenset(os.sched_getaffinity(0))) is False
    assert bench_placement.affinity(proc.pid) is None


def test_busy_share_counts_only_the_named_cpus() -> None:
    before = {0: (100, 1000), 1: (500, 1000)}
    after = {0: (150, 1100), 1: (598, 1100)}  # CPU 0: 50 of 100 ticks busy; CPU 1: 98 of 100
    assert bench_placement.busy_share(before, after, [1]) == pytest.approx(0.98)
    assert bench_placement.busy_share(before, after, [0, 1]) == pytest.approx(148 / 200)
    assert math.isnan(bench_placement.busy_share(before, after, [7]))  # no such CPU, no ticks


def test_cpu_times_reads_every_cpu() -> None:
    times = bench_placement.cpu_times()
    assert set(os.sched_getaffinity(0)) <= times.keys()
    assert all(0 <= busy <= total for busy, total in times.values())


@pytest.mark.parametrize(
    ("busy", "own", "wall", "cpus", "others"),
    [
        (1.0, 5.4, 6.0, 1, 0.1),  # the proxy used 90% of its CPU; someone else the other 10%
        (0.95, 6.0, 6.0, 1, 0.0),  # read a moment apart: never below 0
        (0.5, 3.0, 6.0, 2, 0.25),  # two proxy CPUs: the proxy's 3 s is a quarter of 12
    ],
)
def test_others_share(busy: float, own: float, wall: float, cpus: int, others: float) -> None:
    assert bench_placement.others_share(busy, own, wall, cpus) == pytest.approx(others)


def test_others_share_without_wall_time_is_nan() -> None:
    assert math.isnan(bench_placement.others_share(1.0, 1.0, 0.0, 1))
