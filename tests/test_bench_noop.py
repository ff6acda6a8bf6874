"""Session 21's benchmark controls and probes (issue #12): the ``noop`` variant of
scripts/bench_proxy.py (plain mitmdump with an -s script of toolguard's hooks, empty), its report
lines, the garbage-collector probe scripts/bench_wakeups.py loads into both proxies, and
bench_instr's simulated-cache counts. No timing: counts, shapes and a real mitmdump's answers."""

from __future__ import annotations

import ast
import gc
import http.client
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mitmproxy import hooks

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import bench_instr
import bench_proxy
import bench_wakeups
from bench_proxy import Results, Variant


def _module_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_the_noop_script_defines_exactly_the_hooks_toolguards_script_defines():
    from toolguard_core.addon import ToolGuard, script_namespace

    namespace = script_namespace()
    toolguard_hooks = {name for name in namespace if name in hooks.all_hooks}
    assert toolguard_hooks == {name for name in dir(ToolGuard) if name in hooks.all_hooks}
    assert _module_functions(bench_proxy.NOOP_SCRIPT) == toolguard_hooks
    # Empty: each body is a single ``pass`` (the floor, not a cheaper toolguard).
    tree = ast.parse(bench_proxy.NOOP_SCRIPT.read_text())
    bodies = [node.body for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert all(len(body) == 1 and isinstance(body[0], ast.Pass) for body in bodies)
    # And nothing imported: the process holds plain mitmdump's objects, not toolguard's.
    assert not [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)][1:]


def test_noop_is_a_control_that_loads_the_script_and_no_toolguard():
    noop = Variant.parse("noop")
    assert (noop.name, noop.control, noop.noop, noop.with_addon) == (bench_proxy.NOOP_NAME, True, True, False)
    assert noop.scripts == ["-s", str(bench_proxy.NOOP_SCRIPT)]
    assert Variant.parse("plain").scripts == [] and Variant.parse("sqlite").scripts == []
    with pytest.raises(SystemExit, match="'noop' alone"):
        Variant.parse("noop+otlp")


def _results(rps: dict[str, list[float]]) -> Results:
    r = Results()
    for name, values in rps.items():
        for value in values:
            r.add("small req/s", name, value)
    return r


def test_the_noop_control_is_reported_with_no_target_and_splits_the_gap():
    # Three bursts. noop/plain 0.99, 0.98, 1.00 (median 0.99); sqlite/plain 0.95, 0.94, 0.96
    # (median 0.95, the verdict); sqlite/noop burst by burst 0.95/0.99, 0.94/0.98, 0.96/1.00.
    r = _results({"plain": [1000, 1000, 1000], "noop": [990, 980, 1000], "sqlite": [950, 940, 960]})
    assert bench_proxy.verdict_lines(r, ["sqlite", "noop"]) == [
        f"{'small':8}{'sqlite':>19} 0.950  3 pair(s), middle half 0.940-0.960, 95% interval 0.940-0.960;"
        " target >= 0.97: MISSED",
        f"{'small':8}{'noop':>19} 0.990  3 pair(s), middle half 0.980-1.000, 95% interval 0.980-1.000;"
        " a control, an -s script of empty hooks: the floor of any script",
    ]
    own = sorted([950 / 990, 940 / 980, 960 / 1000])[1]
    assert bench_proxy.floor_lines(r, ["sqlite", "noop"]) == [
        f"{'small':8}{'sqlite':>19} over noop {own:.3f} (toolguard's own work), noop over plain 0.990"
        " (any -s script): the floor is 20% of the gap to plain"
    ]
    # Without the noop control in the run, no such line; the control's miss list stays empty.
    assert bench_proxy.floor_lines(_results({"plain": [1000], "sqlite": [950]}), ["sqlite"]) == []


@pytest.fixture
def probe():
    """bench_gc_probe.py imported here, its callback taken out again afterwards."""
    module = importlib.import_module("bench_gc_probe")
    yield module
    while module._callback in gc.callbacks:
        gc.callbacks.remove(module._callback)
    sys.modules.pop("bench_gc_probe", None)


def test_the_gc_probe_counts_each_collection_by_generation(probe):
    before = probe.state()
    for generation, garbage in ((0, 50), (1, 30), (2, 10)):
        for _ in range(garbage):  # cycles: only the collector frees them
            a: list = []
            a.append(a)
        del a
        gc.collect(generation)
    after = probe.state()
    collections = [x - y for x, y in zip(after["collections"], before["collections"], strict=True)]
    collected = [x - y for x, y in zip(after["collected"], before["collected"], strict=True)]
    assert all(count >= 1 for count in collections)
    assert collected[0] >= 50 and collected[1] >= 30 and collected[2] >= 10
    assert all(later >= earlier for later, earlier in zip(after["cpu_ns"], before["cpu_ns"], strict=True))
    assert after["cpu_ns"][2] > before["cpu_ns"][2]  # a full collection of this test process takes time
    assert len(after["tracked"]) == 3 and after["threshold"] == list(gc.get_threshold())
    assert after["frozen"] == gc.get_freeze_count()


def test_the_gc_lines_are_per_thousand_requests_and_per_request():
    side = bench_wakeups.Side("plain", requests=2000)
    zero = {key: [0, 0, 0] for key in bench_wakeups.GC_COUNTERS}
    state = {"tracked": [10, 20, 30], "frozen": 5, "threshold": [700, 10, 10]}
    after = {
        "collections": [340, 30, 2],
        "collected": [180000, 50000, 4000],
        "uncollectable": [0, 0, 0],
        "wall_ns": [200_000_000, 40_000_000, 120_000_000],
        "cpu_ns": [100_000_000, 20_000_000, 100_000_000],
    }
    side.add_gc({**zero, **state}, {**after, **state})
    side.add_gc(None, None)  # a proxy without the probe: nothing added
    assert bench_wakeups.gc_lines(side) == [
        "  plain: garbage collector per 1,000 requests, generations 0 / 1 / 2: collections "
        "170.00 / 15.00 / 1.00, objects collected 90000.00 / 25000.00 / 2000.00",
        "  plain: in the collector per request: wall 180.00 us, CPU 110.00 us (by generation, CPU us: "
        "50.00 / 10.00 / 50.00)",
        "  plain: tracked objects before the bursts, generations 0 / 1 / 2: 10 / 20 / 30; frozen (gc.freeze) 5;"
        " thresholds [700, 10, 10]",
        "  plain: tracked objects after them, generations 0 / 1 / 2: 10 / 20 / 30; frozen (gc.freeze) 5;"
        " thresholds [700, 10, 10]",
    ]
    assert bench_wakeups.gc_lines(bench_wakeups.Side("toolguard", requests=10)) == []


def _free_port() -> int:
    return bench_proxy.free_port()


def test_a_real_mitmdump_runs_the_noop_script_and_the_probe_answers(tmp_path):
    # Plain mitmdump (no toolguard) with both scripts, as bench_wakeups --variant noop --gc-probe
    # starts its second proxy: every noop hook takes what mitmproxy passes it (a wrong signature is
    # an error in the log once the hook runs), and the probe answers without an upstream.
    port = _free_port()
    log = tmp_path / "mitmdump.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(bench_proxy.MITMDUMP),
                "--listen-host",
                "127.0.0.1",
                "-p",
                str(port),
                "--set",
                f"confdir={tmp_path / 'conf'}",
                "-s",
                str(bench_proxy.NOOP_SCRIPT),
                "-s",
                str(bench_wakeups.GC_PROBE),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )
    try:
        bench_proxy.wait_port(port, proc, "mitmdump", log=log)
        states = []
        for _ in range(2):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            # Regular mode, absolute form: the probe answers in its request hook, nothing is dialled.
            conn.request("GET", f"http://127.0.0.1:{_free_port()}/__gcprobe")
            answer = conn.getresponse()
            states.append((answer.status, json.loads(answer.read())))
            conn.close()
        assert [status for status, _ in states] == [200, 200]
        first = states[0][1]
        assert set(first) == {
            *bench_wakeups.GC_COUNTERS,
            "tracked",
            "frozen",
            "threshold",
            "count",
            "enabled",
        }
        assert all(len(first[key]) == 3 for key in (*bench_wakeups.GC_COUNTERS, "tracked"))
        assert sum(first["tracked"]) > 10_000  # mitmproxy's own objects, in the proxy's process
        assert bench_wakeups.gc_state(port) is not None  # bench_wakeups reads it the same way
    finally:
        proc.terminate()
        proc.wait(60)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "error" not in text.lower(), text


# A callgrind dump head with --cache-sim=yes (valgrind 3.19, this machine, 2026-12-02): its events.
CACHE_DUMP = """# callgrind format
version: 1
creator: callgrind-3.19.0
part: {part}
thread: 01

desc: I1 cache: 32768 B, 64 B, 8-way associative
desc: D1 cache: 32768 B, 64 B, 8-way associative
desc: LL cache: 1048576 B, 64 B, 8-way associative
desc: Trigger: Client Request: {label}

positions: line
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
summary: {summary}
"""


def test_bench_instr_reads_every_simulated_cache_event(tmp_path):
    (tmp_path / "cg.out.1-01").write_text(
        CACHE_DUMP.format(
            part=1,
            label="few",
            summary="1492806499 500281605 230521200 35312353 14424009 1174439 5906 19233 5780",
        )
    )
    # callgrind leaves a summary's trailing zero counts out
    (tmp_path / "cg.out.2-01").write_text(
        CACHE_DUMP.format(part=2, label="many", summary="5797834787 1941340755 893354985 136235930")
    )
    found = bench_instr.event_totals(tmp_path)
    assert found["few"]["1"] == dict(
        zip(
            ["Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw"],
            [1492806499, 500281605, 230521200, 35312353, 14424009, 1174439, 5906, 19233, 5780],
            strict=True,
        )
    )
    assert found["many"]["1"] == {
        "Ir": 5797834787, "Dr": 1941340755, "Dw": 893354985, "I1mr": 136235930,
        "D1mr": 0, "D1mw": 0, "ILmr": 0, "DLmr": 0, "DLmw": 0,
    }  # fmt: skip
    # Instructions alone, as before: the first event
    assert bench_instr.totals(tmp_path) == {"few": {"1": 1492806499}, "many": {"1": 5797834787}}


def test_the_simulated_last_level_is_this_cpus_level_2(tmp_path):
    # /sys/devices/system/cpu/cpu0/cache as this machine has it (AMD EPYC under KVM, 2026-12-02).
    for index, (level, size, ways) in enumerate(
        (("1", "32K", "8"), ("1", "32K", "8"), ("2", "1024K", "8"), ("3", "32768K", "16"))
    ):
        folder = tmp_path / f"index{index}"
        folder.mkdir()
        for name, value in (
            ("level", level),
            ("size", size),
            ("ways_of_associativity", ways),
            ("coherency_line_size", "64"),
        ):
            (folder / name).write_text(value + "\n")
    assert bench_instr.last_level_option(tmp_path) == ["--LL=1048576,8,64"]
    assert bench_instr.last_level_option(tmp_path / "absent") == []
