"""A mitmproxy ``-s`` script that counts the garbage collector's work (issue #12, session 21).

``scripts/bench_wakeups.py --gc-probe`` loads it into both proxies it compares (plain mitmdump and
toolguard alike, so its own small cost cancels) and reads it before and after each burst. Through
``gc.callbacks`` (CPython calls each with ``"start"`` and ``"stop"`` around every collection, in the
thread that triggered it: https://docs.python.org/3/library/gc.html#gc.callbacks) it counts, per
generation, the collections, the objects they collected, and the wall and thread CPU nanoseconds
between start and stop. ``GET /__gcprobe`` is answered here, without an upstream, with those
counters and the collector's state: the objects it tracks now by generation
(``gc.get_objects(generation)``), the objects ``gc.freeze()`` moved out of its scans
(``gc.get_freeze_count()``), its thresholds and counts.
"""

from __future__ import annotations

import gc
import json
import time

from mitmproxy import http

PATH = b"/__gcprobe"

_COUNTERS: dict[str, list[int]] = {
    "collections": [0, 0, 0],
    "collected": [0, 0, 0],
    "uncollectable": [0, 0, 0],
    "wall_ns": [0, 0, 0],
    "cpu_ns": [0, 0, 0],
}
_STARTED: list[tuple[int, int, int]] = []  # (generation, wall, thread CPU) of the running collection


def _callback(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _STARTED.append((info["generation"], time.perf_counter_ns(), time.thread_time_ns()))
        return
    if not _STARTED:  # registered while a collection ran
        return
    generation, wall, cpu = _STARTED.pop()
    _COUNTERS["collections"][generation] += 1
    _COUNTERS["collected"][generation] += info.get("collected", 0)
    _COUNTERS["uncollectable"][generation] += info.get("uncollectable", 0)
    _COUNTERS["wall_ns"][generation] += time.perf_counter_ns() - wall
    _COUNTERS["cpu_ns"][generation] += time.thread_time_ns() - cpu


gc.callbacks.append(_callback)


def state() -> dict[str, object]:
    """The counters so far and the collector's state now."""
    return {
        **{key: list(values) for key, values in _COUNTERS.items()},
        "tracked": [len(gc.get_objects(generation)) for generation in range(3)],
        "frozen": gc.get_freeze_count(),
        "threshold": list(gc.get_threshold()),
        "count": list(gc.get_count()),
        "enabled": gc.isenabled(),
    }


def request(flow: http.HTTPFlow) -> None:
    if flow.request.data.path == PATH:
        flow.response = http.Response.make(
            200, json.dumps(state()).encode(), {"Content-Type": "application/json"}
        )
