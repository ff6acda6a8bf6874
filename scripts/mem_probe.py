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


def _cyclic_garbage(least: int = 64 * 1024) -> dict[str, Any]:
    """What a full collection finds unreachable (reference cycles the collector had not reached yet),
    by type, and the large buffers those objects held: memory held past the flow until a gen-2 pass."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    types: dict[str, int] = {}
    held: dict[int, int] = {}
    by_referrer: dict[str, float] = {}
    for obj in garbage:
        name = type(obj).__module__ + "." + type(obj).__qualname__
        types[name] = types.get(name, 0) + 1
        for ref in gc.get_referents(obj):
            if isinstance(ref, bytes | bytearray) and len(ref) >= least and id(ref) not in held:
                held[id(ref)] = len(ref)
                by_referrer[name] = by_referrer.get(name, 0) + len(ref) / 2**20
    del garbage
    gc.collect()
    return {
        "objects": sum(types.values()),
        "top_types": dict(sorted(types.items(), key=lambda item: -item[1])[:12]),
        "large_buffers_mb": round(sum(held.values()) / 2**20, 1),
        "large_buffers_by_referrer": {
            k: round(v, 1) for k, v in sorted(by_referrer.items(), key=lambda i: -i[1])[:8]
        },
    }


def _large_buffers(least: int = 64 * 1024) -> dict[str, Any]:
    """The ``bytes``/``bytearray``/``memoryview`` of ``least`` bytes or more that live objects the garbage
    collector tracks refer to, by the type of the referrer: what holds large buffers now, without
    tracemalloc (which changes the run it measures)."""
    gc.collect()
    seen: dict[int, int] = {}
    by_type: dict[str, float] = {}
    for obj in gc.get_objects():
        for ref in gc.get_referents(obj):
            if isinstance(ref, bytes | bytearray | memoryview):
                size = ref.nbytes if isinstance(ref, memoryview) else len(ref)
                if size >= least and id(ref) not in seen:
                    seen[id(ref)] = size
                    name = type(obj).__module__ + "." + type(obj).__qualname__
                    by_type[name] = by_type.get(name, 0) + size / 2**20
    top = sorted(by_type.items(), key=lambda item: -item[1])[:8]
    return {
        "mb": round(sum(seen.values()) / 2**20, 1),
        "count": len(seen),
        "by_referrer": {k: round(v, 1) for k, v in top},
    }


class MemProbe:
    def __init__(self) -> None:
        self.max: dict[str, float] = {"rss_mb": 0.0, "writer_queued_mb": 0.0, "worker_pending_mb": 0.0}
        self._task: asyncio.Task[None] | None = None

    def running(self) -> None:
        if os.environ.get("TOOLGUARD_MEM_FREEZE"):
            # Everything loaded so far (mitmproxy, toolguard's rules and catalogues) out of the
            # collector's generations: a full collection is due after fewer new long-lived objects.
            gc.collect()
            gc.freeze()
        self._task = asyncio.get_running_loop().create_task(self._sample())

    def now(self) -> dict[str, float]:
        return {
            "rss_mb": _rss_mb(),
            "writer_queued_mb": sum(getattr(s, "_items_bytes", 0) for s in _held("_items_bytes")) / 2**20,
            "worker_pending_mb": sum(getattr(o, "_pending_bytes", 0) for o in _held("_pending_bytes"))
            / 2**20,
        }

    async def _sample(self) -> None:
        while True:
            now = self.now()
            for key, value in now.items():
                self.max[key] = round(max(self.max[key], value), 1)
            await asyncio.sleep(0.05)

    def request(self, flow: http.HTTPFlow) -> None:
        if flow.request.path.split("?", 1)[0] != "/__mem_probe__":
            return
        data: dict[str, Any] = {"max": dict(self.max), "now": self.now(), "rss_mb": _rss_mb()}
        if "gc=1" in flow.request.path:
            data["cyclic_garbage"] = _cyclic_garbage()
            data["rss_after_gc_mb"] = _rss_mb()
        data["large_buffers"] = _large_buffers()
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
