"""Instructions per request from the CPU's counters, for scripts/bench_proxy.py (the perf8 branch).

On a shared machine a proxy's CPU time per request grows with other people's load (caches and
cores shared with them: docs/benchmarks.md "CPU placement"), so two runs' CPU figures compare only
on a quiet machine. The number of user-space instructions a process retires per request barely
moves with the load: it is what the code does, not how long the machine took to do it. ``perf
stat`` counts them for the processes of the same user at ``perf_event_paranoid`` 2
(``instructions:u``: user space only, which is all that setting allows).

Counting needs hardware performance counters; a virtual machine often has none, and ``perf stat``
then reports ``<not supported>``. :func:`probe` says so once, and the benchmark prints that note
instead of the figure (and leaves it out of ``--json``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: User-space instructions retired: the load-independent measure of the work done per request.
EVENT = "instructions:u"


def parse(text: str, event: str = EVENT) -> int | None:
    """The count of ``event`` in ``perf stat -x,`` output (``COUNT,UNIT,EVENT,...`` per line), or
    None when perf could not count it (``<not supported>``, ``<not counted>``) or never said."""
    for line in text.splitlines():
        fields = line.split(",")
        if len(fields) >= 3 and fields[2] == event:
            value = fields[0].strip()
            return int(float(value)) if value.replace(".", "", 1).isdigit() else None
    return None


def probe(event: str = EVENT) -> str | None:
    """None when ``perf stat`` can count ``event`` for this user's processes; else why not."""
    perf = shutil.which("perf")
    if perf is None:
        return "perf is not installed (apt-get install linux-perf)"
    try:
        done = subprocess.run(
            [perf, "stat", "-x,", "-e", event, "--", "true"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"perf stat failed: {exc!r}"
    if parse(done.stderr, event) is not None:
        return None
    if "not supported" in done.stderr:
        return f"perf stat: {event} is not supported here (no hardware performance counters, e.g. a VM)"
    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return f"perf stat cannot count {event}: {last[:200]}"


@dataclass
class Counts:
    """What each counted target retired while the ``count`` block ran (None: not counted)."""

    values: dict[str, int | None] = field(default_factory=dict)


@contextlib.contextmanager
def count(targets: dict[str, tuple[str, int]], event: str = EVENT) -> Iterator[Counts]:
    """Count ``event`` for each of ``targets`` (name -> ("-p", pid) for a whole process, every
    thread it has when counting starts, or ("-t", tid) for one thread) while the block runs."""
    perf = shutil.which("perf") or "perf"
    counts = Counts()
    running: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    with tempfile.TemporaryDirectory(prefix="bench-perf-") as tmp:
        try:
            for name, (flag, ident) in targets.items():
                out = Path(tmp) / f"{name}.csv"
                proc = subprocess.Popen(
                    [perf, "stat", "-x,", "-e", event, "-o", str(out), flag, str(ident)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                running.append((name, proc, out))
            # perf attaches in a few tens of ms; the proxy is idle until the block starts its load,
            # so waiting here counts nothing extra and misses nothing of the load.
            time.sleep(0.3)
            yield counts
        finally:
            for _name, proc, _out in running:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGINT)  # perf stat prints its counts when interrupted
            for name, proc, out in running:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                text = out.read_text(errors="replace") if out.exists() else ""
                counts.values[name] = parse(text, event)


def main_thread(pid: int) -> tuple[str, int]:
    """mitmproxy's event loop runs on the process's main thread, whose id is the pid."""
    return ("-t", pid) if os.path.isdir(f"/proc/{pid}/task/{pid}") else ("-p", pid)
