"""bench_proxy's instructions per request (scripts/bench_perf.py): perf stat's output read, a
machine without hardware counters said so, and a real ``perf stat`` attached to a real process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import bench_perf
from bench_proxy import Results, verdict_lines


@pytest.mark.parametrize(
    ("text", "event", "expected"),
    [
        # perf 6's -x, lines: count, unit, event, run time, share of it counted, ...
        ("1234567,,instructions:u,2000000,100.00,,\n", "instructions:u", 1234567),
        ("\n# started on ...\n\n98765,,instructions:u,10,100.00,,\n", "instructions:u", 98765),
        # What a VM without hardware counters says (this machine, 2026-12-01).
        ("<not supported>,,instructions:u,0,100.00,,\n", "instructions:u", None),
        ("<not counted>,,instructions:u,0,0.00,,\n", "instructions:u", None),
        ("12.50,msec,task-clock,12500000,100.00,0.9,CPUs utilized\n", "task-clock", 12),
        ("1234567,,instructions:u,2000000,100.00,,\n", "cycles:u", None),
        ("", "instructions:u", None),
    ],
)
def test_perf_stat_output_is_read(text: str, event: str, expected: int | None) -> None:
    assert bench_perf.parse(text, event) == expected


def test_a_process_is_counted_by_a_real_perf_stat() -> None:
    # A software event, so the test runs where the CPU's counters are missing too: the plumbing
    # (attach by pid and by thread, SIGINT, read the file) is what is tested, not the CPU.
    if bench_perf.probe("task-clock") is not None:
        pytest.skip(f"perf cannot count here: {bench_perf.probe('task-clock')}")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        with bench_perf.count(
            {"process": ("-p", busy.pid), "thread": bench_perf.main_thread(busy.pid)}, "task-clock"
        ) as counts:
            time.sleep(0.5)
        # Counted only once it sleeps: the interpreter's start-up alone can take tens of ms of CPU
        # on a loaded machine, which the idle bound below must not charge.
        idle = subprocess.Popen(
            [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(3)"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert idle.stdout is not None and idle.stdout.readline().strip() == "ready"
            with bench_perf.count({"idle": ("-p", idle.pid)}, "task-clock") as quiet:
                time.sleep(0.5)
        finally:
            idle.kill()
            idle.wait()
    finally:
        busy.kill()
        busy.wait()
    # A spinning process for ~0.8 s (the count's 0.3 s start included): hundreds of ms of its CPU,
    # at least 50 even on a machine shared with others; a sleeping one: almost none.
    assert counts.values["process"] is not None and counts.values["process"] >= 50
    assert counts.values["thread"] is not None and counts.values["thread"] >= 50
    # perf says "<not counted>" (None) for a process that never ran while it was attached.
    assert set(quiet.values) == {"idle"} and (quiet.values["idle"] is None or quiet.values["idle"] < 20)


def test_the_verdict_line_carries_the_added_instructions() -> None:
    r = Results()
    for name, rps, kinstr in (("plain", 800.0, 2000.0), ("sqlite", 790.0, 2040.5)):
        r.add("small req/s", name, rps)
        r.add("small loop cpu ms/req", name, 1.1 if name == "plain" else 1.13)
        r.add("small loop kinstr/req", name, kinstr)
    (line,) = verdict_lines(r, ["sqlite"])
    assert line == (
        "small                sqlite 0.988  1 pair(s), middle half 0.988-0.988, 95% interval 0.988-0.988, "
        "loop +0.030 ms/req, "
        "loop +40.5k instr/req; target >= 0.97: met"
    )


def test_every_variant_gets_its_verdict_line_whether_or_not_instructions_were_counted() -> None:
    # --variants postgres,otlp on a VM without counters: the second variant's line is read from its
    # own throughput, not from the instruction metric the first variant's line looked up.
    r = Results()
    for name, rps in (("plain", 800.0), ("postgres", 720.0), ("otlp", 760.0)):
        r.add("small req/s", name, rps)
    assert verdict_lines(r, ["postgres", "otlp"]) == [
        "small              postgres 0.900  1 pair(s), middle half 0.900-0.900, 95% interval 0.900-0.900;"
        " target >= 0.97: MISSED",
        "small                  otlp 0.950  1 pair(s), middle half 0.950-0.950, 95% interval 0.950-0.950;"
        " target >= 0.97: MISSED",
    ]


# ----------------------------------------------------------------- bench_instr.py (perf9)

# The head of a real callgrind dump (valgrind 3.19, bench_instr's toolguard part, 2026-12-01).
CALLGRIND_HEAD = """# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 8395
part: {part}
thread: {thread}

desc: Timerange: Basic block 4791913 - 28295845
desc: Trigger: Client Request: {label}

positions: line
events: Ir
summary: {total}
"""


def test_bench_instr_reads_each_dump_by_its_label_and_thread(tmp_path: Path) -> None:
    import bench_instr

    dumps = [
        ("1", "01", "driver", 22553897),
        ("2", "01", "toolguard", 110467681),
        ("2", "02", "toolguard", 5),
    ]
    for part, thread, label, total in dumps:
        text = CALLGRIND_HEAD.format(part=part, thread=thread, label=label, total=total)
        (tmp_path / f"cg.out.{part}-{thread}").write_text(text)
    # What valgrind writes at the program's end (no client request): not a measure.
    (tmp_path / "cg.out-01").write_text("desc: Trigger: Program termination\nsummary: 7\n")
    assert bench_instr.totals(tmp_path) == {
        "driver": {"1": 22553897},
        "toolguard": {"1": 110467681, "2": 5},
    }


@pytest.mark.skipif(
    subprocess.run(["sh", "-c", "command -v valgrind && command -v gcc"], capture_output=True).returncode,
    reason="needs valgrind and gcc",
)
def test_bench_instr_counts_toolguards_instructions_on_the_loop(tmp_path: Path) -> None:
    # A real run, a few flows: the hooks cost instructions beyond the driver's, and the driver's own
    # figure is there to subtract (a helper that did not switch callgrind on would leave no dump).
    import json

    import bench_instr

    out = tmp_path / "figures.json"
    assert bench_instr.main(["--flows", "60", "--warmup", "20", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["driver"] > 0
    assert figures["loop"] > 0
