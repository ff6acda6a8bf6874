"""scripts/bench_wakeups.py's pure parts: ``perf trace -s``'s summary read per thread, and the
per-thread counters read from /proc (issue #12, session 19: counts, not times)."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import bench_wakeups

# perf trace -s -p 4242 (perf 6.x): one block per thread, the process's own thread (tid = pid) first.
SUMMARY = """
 Summary of events:

 mitmdump (4242), 2040 events, 88.1%

   syscall            calls  errors  total       min       avg       max       stddev
                                     (msec)    (msec)    (msec)    (msec)        (%)
   --------------- --------  ------ -------- --------- --------- ---------     ------
   sendto               400      0    12.000     0.010     0.030     0.400      2.00%
   epoll_wait           101      0    50.000     0.000     0.495    10.000      9.00%
   write                 18      0     0.500     0.010     0.028     0.100      5.00%
   recvfrom             200     20     4.000     0.005     0.020     0.100      3.00%


 mitmdump (4250), 27 events, 1.2%

   syscall            calls  errors  total       min       avg       max       stddev
                                     (msec)    (msec)    (msec)    (msec)        (%)
   --------------- --------  ------ -------- --------- --------- ---------     ------
   futex                 13      2   900.000     0.002    69.000   250.000     40.00%
"""


def test_the_perf_trace_summary_is_read_per_thread_the_loop_by_its_tid():
    assert bench_wakeups.parse_perf_trace(SUMMARY, 4242) == {
        "loop": {"sendto": 400, "epoll_wait": 101, "write": 18, "recvfrom": 200},
        "mitmdump": {"futex": 13},
    }


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads Linux's /proc")
def test_a_snapshot_counts_each_thread_by_name_and_a_sleeping_thread_switches():
    stop = threading.Event()
    helper = threading.Thread(target=lambda: [stop.wait(0.01) for _ in range(20)])
    before = bench_wakeups.snapshot(os.getpid())
    helper.start()
    end = time.thread_time() + 0.03
    while time.thread_time() < end:
        pass
    after = bench_wakeups.snapshot(os.getpid())
    helper.join()
    delta = bench_wakeups.difference(after, before)
    loop = delta["proxy/loop#1"]  # this test's main thread: the process's own
    assert loop.run_ns >= 25_000_000
    assert loop.slices >= 1
    # The helper sleeps on its Event from its start (it is new: its counts are all in the window).
    (new,) = [key for key in after if key not in before]
    assert delta[new].voluntary >= 1
