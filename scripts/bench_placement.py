"""Where ``scripts/bench_proxy.py`` runs each process: a CPU placement declared once, the same for
plain mitmdump and mitmdump + toolguard (issue #12, docs/benchmarks.md "CPU placement").

Without it the scheduler places wrk, nginx, the proxy and toolguard's two children on the machine's
cores anew for every run, and on 2 cores that moved a run's ratios by up to 0.10 while the rounds
inside one run agreed within 0.02-0.06. A layout fixes it:

* ``proxy`` -- the mitmdump under test, every thread of it, started on these CPUs;
* ``load`` -- everything else this script starts: wrk, nginx, the SSE upstream, the OTLP receiver and
  the PostgreSQL server (the script pins itself there first, and they inherit it);
* ``children`` -- toolguard's validation worker and writer process. They are forked by mitmdump and
  so start on its CPUs; :func:`assignments` says where each goes instead, and the benchmark applies
  it after start-up and again before every measurement (a restarted child starts on the proxy's CPU
  again).

The pure part (:func:`plan`, :func:`assignments`) decides; :func:`children_of`, :func:`pin` and
:func:`pinned_argv` read /proc and call ``sched_setaffinity``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: The layouts, by name. The first is the default (docs/benchmarks.md says why).
LAYOUTS: dict[str, str] = {
    "children-with-load": (
        "mitmdump alone on its CPU; wrk, nginx and toolguard's worker and writer share the other(s)"
    ),
    "children-unpinned": (
        "mitmdump alone on its CPU, wrk and nginx on the other(s); toolguard's worker and writer "
        "may run on any CPU"
    ),
    "none": "nothing pinned: the scheduler places every process (the behaviour before placement)",
}
DEFAULT_LAYOUT = next(iter(LAYOUTS))

#: The command-line marker of each toolguard child process (``python -m toolguard_core.worker``).
CHILD_ROLES: dict[bytes, str] = {
    b"toolguard_core.worker": "worker",
    b"toolguard_core.writer": "writer",
}


@dataclass(frozen=True)
class Placement:
    """Which CPUs each role runs on; ``None`` means not pinned (whatever the scheduler chooses)."""

    layout: str
    proxy: frozenset[int] | None
    load: frozenset[int] | None
    children: frozenset[int] | None
    note: str = ""

    @property
    def pinned(self) -> bool:
        return self.proxy is not None

    def describe(self) -> str:
        def cpus(which: frozenset[int] | None) -> str:
            return "any CPU" if which is None else "CPU " + ",".join(map(str, sorted(which)))

        text = (
            f"{self.layout}: mitmdump (all threads) on {cpus(self.proxy)}; wrk, nginx and the script's "
            f"servers on {cpus(self.load)}; toolguard's worker and writer on {cpus(self.children)}"
        )
        return text + (f" ({self.note})" if self.note else "")

    def as_json(self) -> dict[str, object]:
        def listed(which: frozenset[int] | None) -> list[int] | None:
            return None if which is None else sorted(which)

        return {
            "layout": self.layout,
            "proxy": listed(self.proxy),
            "load": listed(self.load),
            "children": listed(self.children),
            "note": self.note,
        }


def plan(layout: str, cpus: Iterable[int]) -> Placement:
    """The placement of ``layout`` on the CPUs this script may use.

    The proxy gets one CPU (one mitmdump is one core in a deployment: its event loop is one thread;
    issue #17), the highest-numbered, and the load every other one. With fewer than two CPUs there
    is nothing to separate: nothing is pinned, and the note says so."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: one of {', '.join(LAYOUTS)}")
    allowed = sorted(set(cpus))
    if layout == "none":
        return Placement("none", None, None, None)
    if len(allowed) < 2:
        return Placement(
            "none",
            None,
            None,
            None,
            f"{len(allowed)} CPU available, {layout} asked for: nothing to separate, so nothing pinned",
        )
    proxy = frozenset(allowed[-1:])
    load = frozenset(allowed[:-1])
    children = load if layout == "children-with-load" else frozenset(allowed)
    return Placement(layout, proxy, load, children)


def child_role(cmdline: bytes) -> str | None:
    """``worker`` or ``writer`` for a toolguard child's command line, None for anything else."""
    for marker, role in CHILD_ROLES.items():
        if marker in cmdline:
            return role
    return None


def assignments(
    placement: Placement, proxy_pid: int, children: Mapping[int, bytes]
) -> dict[int, frozenset[int]]:
    """Which CPUs each process goes to: the proxy's pid and each child (pid -> command line) that is
    toolguard's worker or writer. A child that is neither (none today) stays where it started, with
    the proxy. Empty when the placement pins nothing."""
    if placement.proxy is None:
        return {}
    wanted = {proxy_pid: placement.proxy}
    for pid, cmdline in children.items():
        if child_role(cmdline) is not None and placement.children is not None:
            wanted[pid] = placement.children
    return wanted


def busy_share(
    before: Mapping[int, tuple[int, int]], after: Mapping[int, tuple[int, int]], cpus: Iterable[int]
) -> float:
    """How busy ``cpus`` were between two :func:`cpu_times` readings (0-1, NaN without ticks):
    with the proxy alone on its CPU, about 1 there says the proxy was the bottleneck, and the load
    CPUs' share says how much room wrk, nginx and toolguard's children left each other. Counts
    every process on those CPUs, other users' too."""
    busy = total = 0
    for cpu in cpus:
        if cpu in before and cpu in after:
            busy += after[cpu][0] - before[cpu][0]
            total += after[cpu][1] - before[cpu][1]
    return busy / total if total > 0 else float("nan")


def others_share(busy: float, own_cpu_seconds: float, wall_seconds: float, n_cpus: int) -> float:
    """The share of the proxy's CPUs busy with anything but the proxy (0-1): ``busy`` from
    :func:`busy_share` less the proxy process's own CPU time over the same wall time. Never below 0
    (the two are read a moment apart)."""
    if wall_seconds <= 0 or n_cpus <= 0:
        return float("nan")
    return max(0.0, busy - own_cpu_seconds / (wall_seconds * n_cpus))


# --------------------------------------------------------------------------- the system side


def cpu_times() -> dict[int, tuple[int, int]]:
    """Per CPU, (busy, total) clock ticks since boot from /proc/stat; idle and iowait are not busy."""
    times: dict[int, tuple[int, int]] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/stat").read_text().splitlines():
            name, *fields = line.split()
            if name.startswith("cpu") and name[3:].isdigit():
                ticks = [int(f) for f in fields[:8]]  # user nice system idle iowait irq softirq steal
                idle = ticks[3] + ticks[4]
                times[int(name[3:])] = (sum(ticks) - idle, sum(ticks))
    return times


def available_cpus() -> frozenset[int]:
    """The CPUs this process may run on (all of them, unless it was started pinned)."""
    if not hasattr(os, "sched_getaffinity"):
        return frozenset({0})  # no affinity calls here: nothing can be pinned
    return frozenset(os.sched_getaffinity(0))


def children_of(pid: int) -> dict[int, bytes]:
    """The live child processes of ``pid`` with their command lines, from /proc (any thread may
    have started them, hence every task's ``children``). A child still inside ``execve`` (its
    parent's ``Popen`` has returned, the kernel has not yet set its arguments) reads as ``b""``: no
    toolguard child yet, so :func:`apply` leaves it; bench_proxy applies again before each
    measurement."""
    found: dict[int, bytes] = {}
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in task.read_text().split():
                with contextlib.suppress(OSError):
                    found[int(child)] = Path(f"/proc/{child}/cmdline").read_bytes()
    return found


def pin(pid: int, cpus: frozenset[int]) -> bool:
    """Every thread of ``pid`` onto ``cpus`` (``sched_setaffinity`` on a pid moves that one thread
    only; threads started later inherit from their creator). False when the process is gone."""
    moved = False
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(ProcessLookupError, FileNotFoundError, ValueError):
            if os.sched_getaffinity(int(task.name)) != cpus:
                os.sched_setaffinity(int(task.name), cpus)
            moved = True
    return moved


def affinity(pid: int) -> frozenset[int] | None:
    """Where ``pid``'s main thread may run now (None when it is gone)."""
    try:
        return frozenset(os.sched_getaffinity(pid))
    except (ProcessLookupError, OSError):
        return None


def apply(
    placement: Placement, proxy_pid: int, children: Mapping[int, bytes] | None = None
) -> dict[int, frozenset[int]]:
    """Pins the proxy and its toolguard children (``children``: as :func:`children_of` read them)
    as :func:`assignments` says; returns what it applied (pid -> CPUs)."""
    found = children_of(proxy_pid) if children is None else children
    wanted = assignments(placement, proxy_pid, found)
    return {pid: cpus for pid, cpus in wanted.items() if pin(pid, cpus)}


def pin_self(placement: Placement) -> None:
    """This script (and so every process and thread it starts from now on) onto the load CPUs."""
    if placement.load is not None:
        os.sched_setaffinity(0, placement.load)


# Run before the proxy's own code: it moves itself, then becomes mitmdump (same pid), so each thread
# mitmdump starts, and each child it forks, begins on the proxy's CPUs.
_EXEC_PINNED = "import os, sys; os.sched_setaffinity(0, {int(c) for c in sys.argv[1].split(',')}); os.execv(sys.argv[2], sys.argv[2:])"


def pinned_argv(argv: list[str], cpus: frozenset[int] | None) -> list[str]:
    """``argv`` started on ``cpus`` from its first instruction (unchanged when ``cpus`` is None)."""
    if cpus is None:
        return argv
    return [sys.executable, "-c", _EXEC_PINNED, ",".join(map(str, sorted(cpus))), *argv]
