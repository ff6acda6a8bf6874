"""A mitmdump addon for scripts/mem_plateau.py's ``probe`` variants: what holds the proxy's memory.

Loaded beside toolguard (``-s addon/toolguard.py -s scripts/mem_probe.py``). While the proxy runs it
samples, every 50 ms, the process's RSS and what toolguard holds for its child processes: the bodies
queued for the writer (``ProcessStore._items_bytes``, bounded by writerproc.MAX_QUEUED_BYTES) and
for the validation worker (``offload``'s ``_pending_bytes``), keeping the largest. A request to
``/__mem_probe__`` is answered by the addon itself (and written to ``$TOOLGUARD_MEM_PROBE``) with
those maxima, the RSS now, and then the RSS after glibc's ``malloc_trim(0)`` handed back the free
memory it keeps (``?trim=0``: not trimmed). With ``$TOOLGUARD_MEM_TRACE`` set, tracemalloc runs from
load (one frame a trace) and the answer adds the Python heap it traces (total and top sites, after a
full gc): live Python objects stay traced, memory glibc kept after Python freed it does not.
Diagnostics only: tracemalloc slows every allocation, so no timing is read from a traced run.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import json
import os
import re
import time
import tracemalloc
from pathlib import Path
from typing import Any

from mitmproxy import ctx, http
from mitmproxy.addonmanager import traverse

TRACE = bool(os.environ.get("TOOLGUARD_MEM_TRACE"))
if TRACE:
    tracemalloc.start(1)


def _rss_mb() -> float:
    match = re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text())
    return round(int(match[1]) / 1024, 1) if match else 0.0


def _held(attribute: str) -> list[Any]:
    """toolguard's objects that have ``attribute``: one level below each loaded addon (scripts' too)."""
    found = []
    for addon in traverse(ctx.master.addons.chain):
        for value in list(vars(addon).values()) if hasattr(addon, "__dict__") else ():
            if hasattr(value, attribute):
                found.append(value)
    return found


class MemProbe:
    def __init__(self) -> None:
        self.max: dict[str, float] = {"rss_mb": 0.0, "writer_queued_mb": 0.0, "worker_pending_mb": 0.0}
        self._task: asyncio.Task[None] | None = None

    def running(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            now = {
                "rss_mb": _rss_mb(),
                "writer_queued_mb": sum(getattr(s, "_items_bytes", 0) for s in _held("_items_bytes")) / 2**20,
                "worker_pending_mb": sum(getattr(o, "_pending_bytes", 0) for o in _held("_pending_bytes"))
                / 2**20,
            }
            for key, value in now.items():
                self.max[key] = round(max(self.max[key], value), 1)
            await asyncio.sleep(0.05)

    def request(self, flow: http.HTTPFlow) -> None:
        if flow.request.path.split("?", 1)[0] != "/__mem_probe__":
            return
        data: dict[str, Any] = {"max": dict(self.max), "rss_mb": _rss_mb()}
        if TRACE:
            gc.collect()
            snapshot = tracemalloc.take_snapshot()
            current, peak = tracemalloc.get_traced_memory()
            data["traced_mb"] = round(current / 2**20, 1)
            data["traced_peak_mb"] = round(peak / 2**20, 1)
            data["top"] = [
                {"site": str(stat.traceback), "mb": round(stat.size / 2**20, 2), "count": stat.count}
                for stat in snapshot.statistics("lineno")[:8]
            ]
        if "trim=0" not in flow.request.path:
            cpu = time.thread_time()
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            data["malloc_trim_cpu_ms"] = round((time.thread_time() - cpu) * 1000, 2)
            data["rss_after_malloc_trim_mb"] = _rss_mb()
        path = os.environ.get("TOOLGUARD_MEM_PROBE")
        if path:
            Path(path).write_text(json.dumps(data, indent=2))
        flow.response = http.Response.make(
            200, json.dumps(data).encode(), {"content-type": "application/json"}
        )

    def done(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(Exception):
                self._task.exception()


addons = [MemProbe()]
