#!/usr/bin/env python3
"""Plain mitmdump against mitmdump + toolguard, in one run, with the proxy as the bottleneck.

The upstream is nginx (Debian's package, started by this script on a loopback port with a
generated config) answering at once from memory, and the load comes from wrk, both far faster
than a Python proxy, so what is measured is the proxy. Everything stays on 127.0.0.1.

Scenarios, each measured for both proxies in alternating rounds (a shared VM drifts by up to 2x
over minutes, so medians of alternating rounds are compared, never two separate runs):

  small      ~1 KB clean chat request, answered 200                     throughput ratio >= 0.97
  agent      ~1 MB agent conversation (400 messages, 30 tools), 200      throughput ratio >= 0.90
  flagged    small request with an orphan tool message, answered with
             OpenAI's real 400, so toolguard flags it and stores a row   throughput ratio >= 0.85
  latency    sequential small requests: added p50 <= 0.5 ms (p99 shown)
  sse        time to the first SSE byte, against nginx directly          within 5 ms of direct
  big        one request carrying 1,000,000 tool messages without ids on one connection while
             small requests run on others: their p99 < 50 ms; the proxy's peak RSS < 1 GB
  rss        peak resident memory (VmHWM) of each mitmdump process, shown

Usage:
  .venv/bin/python scripts/bench_proxy.py                 # exit 1 when a target is missed
  .venv/bin/python scripts/bench_proxy.py --quick         # 1 round, short durations (smoke test)
  .venv/bin/python scripts/bench_proxy.py --only small,flagged --rounds 5
  .venv/bin/python scripts/bench_proxy.py --json out.json # also write the medians as JSON

nginx and wrk come from Debian (`apt-get install nginx wrk`; the script says so when missing).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MITMDUMP = Path(sys.executable).with_name("mitmdump")
ADDON = ROOT / "addon" / "toolguard.py"

# The real OpenAI answer to an orphan tool message (providers.md §2; tests/data/error_corpus.json).
ORPHAN_ERROR = json.dumps(
    {
        "error": {
            "message": "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
            "message with 'tool_calls'.",
            "type": "invalid_request_error",
            "param": "messages.[1].role",
            "code": None,
        }
    }
)
COMPLETION = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
)
SSE_BODY = (
    "".join(
        "data: "
        + json.dumps(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"content": f"t{i}"}, "finish_reason": None}],
            }
        )
        + "\n\n"
        for i in range(20)
    )
    + "data: [DONE]\n\n"
)

# Targets (issue #12); a miss makes the script exit 1.
TARGETS = {
    "small": 0.97,
    "agent": 0.90,
    "flagged": 0.85,
}
ADDED_P50_MS = 0.5
SSE_SLACK_MS = 5.0
BIG_P99_MS = 50.0
BIG_RSS_MB = 1024.0


# --------------------------------------------------------------------------- request bodies


def small_body(orphan: bool = False) -> dict[str, Any]:
    """~1 KB: a system prompt, a user turn, one tool; with ``orphan`` a tool message no call precedes."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a careful coding assistant. " * 12},
        {"role": "user", "content": "List the files in the current directory and summarise them."},
    ]
    if orphan:
        messages.insert(1, {"role": "tool", "tool_call_id": "call_orphan", "content": "stale result"})
    return {
        "model": "gpt-4o",
        "messages": messages,
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "list_files",
                    "description": "List the files of a directory.",
                    "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
                },
            }
        ],
        "max_tokens": 256,
    }


def agent_body(n_messages: int = 400, n_tools: int = 30, target_bytes: int = 1_000_000) -> dict[str, Any]:
    """An agent conversation of ``n_messages`` (tool calls answered in order) padded to ~``target_bytes``."""
    tools = [
        {
            "type": "function",
            "function": {
                "name": f"tool_{i}",
                "description": f"Tool number {i}: does one thing well. " * 20,
                "parameters": {
                    "type": "object",
                    "properties": {"path": {"type": "string"}, "limit": {"type": "integer"}},
                    "required": ["path"],
                },
            },
        }
        for i in range(n_tools)
    ]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are an agent. " * 200},
        {"role": "user", "content": "Refactor the project."},
    ]
    turn = 0
    while len(messages) < n_messages - 1:
        call_id = f"call_{turn:05d}"
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {
                            "name": f"tool_{turn % n_tools}",
                            "arguments": json.dumps({"path": f"f{turn}.py"}),
                        },
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": call_id, "content": ""})
        turn += 1
    messages.append({"role": "user", "content": "Continue."})
    # gpt-4.1 reads ~1M tokens: a 1 MB conversation (~250k tokens) is valid for it, while for
    # gpt-4o (128k) toolguard rightly flags model.context-window-exceeded and stores every request.
    body = {"model": "gpt-4.1", "messages": messages, "tools": tools, "stream": False}
    # Pad the tool results evenly until the body reaches the target size (real results are file dumps).
    base = len(json.dumps(body))
    results = [m for m in messages if m["role"] == "tool"]
    per = max(0, (target_bytes - base) // max(1, len(results)))
    for m in results:
        m["content"] = "x = 1  # line of a file\n" * (per // 24) + "y" * (per % 24)
    return body


def big_body(n: int = 1_000_000) -> bytes:
    """A pathological request: a million tool messages without ids (two findings each, unbounded)."""
    head = b'{"model":"gpt-4o","messages":[{"role":"user","content":"hi"},'
    item = b'{"role":"tool","content":"r"}'
    return head + b",".join([item] * n) + b"]}"


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise SystemExit(f"{what} exited with {proc.returncode}: {out[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def wait_worker(proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until toolguard's validation worker runs and has warmed up (its CPU time stops growing):
    mitmdump listens before its addons' ``running`` hook, and on a busy machine the worker's imports
    take seconds, so a round started at once would measure start-up, not the proxy."""
    deadline = time.monotonic() + timeout
    last = -1.0
    while time.monotonic() < deadline:
        workers = [
            int(child)
            for task in Path(f"/proc/{proc.pid}/task").glob("*/children")
            for child in task.read_text().split()
            if b"toolguard_core.worker" in _cmdline(int(child))
        ]
        used = sum(_cpu_of(pid) for pid in workers)
        if workers and used == last:
            return
        last = used if workers else -1.0
        time.sleep(0.5)
    raise SystemExit(f"toolguard's validation worker did not start within {timeout:.0f} s")


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def nginx_config(port: int, workdir: Path) -> str:
    def quoted(text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return f"""
daemon off;
master_process off;
worker_processes 1;
error_log {workdir}/nginx-error.log crit;
pid {workdir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/body;
  proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi;
  uwsgi_temp_path {workdir}/uwsgi;
  scgi_temp_path {workdir}/scgi;
  client_max_body_size 200m;
  client_body_buffer_size 2m;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    location /ok/ {{ default_type application/json; return 200 {quoted(COMPLETION)}; }}
    location /bad/ {{ default_type application/json; return 400 {quoted(ORPHAN_ERROR)}; }}
    location /sse/ {{ default_type text/event-stream; return 200 {quoted(SSE_BODY)}; }}
  }}
}}
"""


@contextmanager
def nginx(workdir: Path) -> Iterator[int]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise SystemExit("nginx not found: apt-get install nginx")
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(nginx_config(port, workdir))
    proc = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(workdir), "-e", str(workdir / "nginx-error.log")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_port(port, proc, "nginx")
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@dataclass
class Proxy:
    name: str
    with_addon: bool
    proc: subprocess.Popen[bytes]
    port: int
    workdir: Path

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+)", status)
        return int(match.group(1)) / 1024 if match else float("nan")

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+)", status)
        return int(match.group(1)) / 1024 if match else float("nan")

    def writer_peak_rss_mb(self) -> float:
        """The writer process's VmHWM (it builds the stored rows, a 29 MB request's too)."""
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            for child in task.read_text().split():
                if b"toolguard_core.writer" in _cmdline(int(child)):
                    with contextlib.suppress(OSError):
                        status = Path(f"/proc/{child}/status").read_text()
                        match = re.search(r"VmHWM:\s+(\d+)", status)
                        return int(match.group(1)) / 1024 if match else float("nan")
        return float("nan")

    def cpu_seconds(self) -> tuple[float, float, float, float]:
        """CPU seconds (user + system) used so far by the proxy process, by its validation worker, by
        its writer process (toolguard's live children) and by the proxy's main thread alone
        (mitmproxy's event loop, where every hook runs). Wall-clock ratios drift with the shared
        machine's load; CPU time per request says what toolguard itself costs."""
        own = _cpu_of(self.proc.pid)
        worker = writer = 0.0
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            for child in task.read_text().split():
                if b"toolguard_core.writer" in _cmdline(int(child)):
                    writer += _cpu_of(int(child))
                else:
                    worker += _cpu_of(int(child))
        loop = _cpu_of(self.proc.pid, f"/proc/{self.proc.pid}/task/{self.proc.pid}/stat")
        return own, worker, writer, loop


def _cpu_of(pid: int, stat_path: str = "") -> float:
    """utime + stime of ``pid`` from /proc/PID/stat (or another stat file, a thread's), in seconds
    (0 when it is gone)."""
    try:
        stat = Path(stat_path or f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def proxy(
    upstream_port: int, with_addon: bool, workdir: Path, extra: list[str] | None = None
) -> Iterator[Proxy]:
    port = free_port()
    args = [
        str(MITMDUMP),
        "--listen-host",
        "127.0.0.1",
        "-p",
        str(port),
        "-q",
        "--mode",
        f"reverse:http://127.0.0.1:{upstream_port}",
        "--set",
        f"confdir={workdir / 'conf'}",
    ]
    extra = extra or []
    if with_addon:
        args += ["-s", str(ADDON)]
        if not any(arg.startswith("toolguard_db=") for arg in extra):
            args += ["--set", f"toolguard_db={workdir / 'bench.db'}"]
        elif not any(arg.startswith("toolguard_spool=") for arg in extra):
            args += ["--set", f"toolguard_spool={workdir / 'spool.db'}"]  # one spool per proxy
    args += extra
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    try:
        wait_port(port, proc, "mitmdump")
        if with_addon and not any(arg == "toolguard_offload=off" for arg in extra):
            wait_worker(proc)
        yield Proxy("toolguard" if with_addon else "plain", with_addon, proc, port, workdir)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- wrk

WRK_SCRIPT = """
local f = io.open(os.getenv("BENCH_BODY"), "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench-not-a-real-key"
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %.6f %.1f %.1f %.1f\\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass
class WrkResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(url: str, body_file: Path, *, connections: int, seconds: float, threads: int = 1) -> WrkResult:
    binary = shutil.which("wrk")
    if not binary:
        raise SystemExit("wrk not found: apt-get install wrk")
    script = body_file.with_suffix(".lua")
    script.write_text(WRK_SCRIPT)
    out = subprocess.run(
        [
            binary,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
        ],
        env=dict(os.environ, BENCH_BODY=str(body_file)),
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    ).stdout
    match = re.search(r"BENCH (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
    if not match:
        raise SystemExit(f"wrk printed no result:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkResult(
        requests=int(match.group(1)),
        errors=int(match.group(2)),
        seconds=float(match.group(3)),
        p50_ms=float(match.group(4)) / 1000,
        p99_ms=float(match.group(5)) / 1000,
        max_ms=float(match.group(6)) / 1000,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


# --------------------------------------------------------------------------- scenarios


@dataclass
class Config:
    rounds: int
    seconds: float
    latency_seconds: float
    connections: int
    only: set[str]
    big_messages: int
    # Extra --set NAME=VALUE for the toolguard proxy only, e.g. toolguard_db=postgresql://... or
    # toolguard_otlp_endpoint=... (issue #17: the shared store and the export, measured the same way).
    toolguard_options: tuple[str, ...] = ()


@dataclass
class Results:
    # metric -> proxy name -> one value per round
    values: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def add(self, metric: str, proxy_name: str, value: float) -> None:
        self.values.setdefault(metric, {}).setdefault(proxy_name, []).append(value)

    def median(self, metric: str, proxy_name: str) -> float:
        return statistics.median(self.values[metric][proxy_name])


def first_byte_ms(port: int, body: bytes, path: str) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        start = time.perf_counter()
        conn.request("POST", path, body, {"content-type": "application/json"})
        response = conn.getresponse()
        response.read(1)
        elapsed = (time.perf_counter() - start) * 1000
        response.read()
        return elapsed
    finally:
        conn.close()


def sse_first_byte(port: int, samples: int = 30) -> float:
    body = json.dumps(
        {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    ).encode()
    for _ in range(3):  # warm-up: connection setup, first-request imports
        first_byte_ms(port, body, "/sse/v1/chat/completions")
    return statistics.median(first_byte_ms(port, body, "/sse/v1/chat/completions") for _ in range(samples))


def run_big(p: Proxy, body: bytes, small_file: Path, seconds: float) -> tuple[float, float, float]:
    """Send ``body`` on one connection; meanwhile small requests run on four others.

    Returns the small requests' p99 (ms) measured while the big one is in flight, the big request's
    own duration (s), and the proxy's peak RSS (MB)."""
    done = threading.Event()
    big_seconds: list[float] = []

    def send_big() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", p.port, timeout=600)
        start = time.perf_counter()
        try:
            conn.request("POST", "/ok/v1/chat/completions", body, {"content-type": "application/json"})
            conn.getresponse().read()
        finally:
            big_seconds.append(time.perf_counter() - start)
            conn.close()
            done.set()

    thread = threading.Thread(target=send_big, daemon=True)
    thread.start()
    result = wrk(
        f"http://127.0.0.1:{p.port}/ok/v1/chat/completions", small_file, connections=4, seconds=seconds
    )
    thread.join(600)
    return result.p99_ms, big_seconds[0] if big_seconds else float("nan"), p.peak_rss_mb()


def toolguard_set(cfg: Config, with_addon: bool) -> list[str]:
    if not with_addon:
        return []
    return [arg for option in cfg.toolguard_options for arg in ("--set", option)]


def measure_round(cfg: Config, upstream: int, tmp: Path, results: Results, files: dict[str, Path]) -> None:
    for with_addon in (False, True):
        workdir = Path(tempfile.mkdtemp(dir=tmp))
        with proxy(upstream, with_addon, workdir, toolguard_set(cfg, with_addon)) as p:
            base = f"http://127.0.0.1:{p.port}"
            # Warm-up: the first requests import code and fill caches in both proxies alike.
            wrk(f"{base}/ok/v1/chat/completions", files["small"], connections=2, seconds=1)
            for scenario, path in (("small", "ok"), ("agent", "ok"), ("flagged", "bad")):
                if scenario not in cfg.only:
                    continue
                before = p.cpu_seconds()
                r = wrk(
                    f"{base}/{path}/v1/chat/completions",
                    files[scenario],
                    connections=cfg.connections,
                    seconds=cfg.seconds,
                )
                after = p.cpu_seconds()
                results.add(f"{scenario} req/s", p.name, r.rps)
                # CPU per request: the proxy's own process, then its worker and its writer process
                # (toolguard only); a child restarted during the run would under-count, and says so
                # by a negative value.
                requests = max(r.requests, 1)
                results.add(f"{scenario} proxy cpu ms/req", p.name, (after[0] - before[0]) * 1000 / requests)
                # The event loop's share: what the hooks cost, without the proxy's other threads.
                results.add(f"{scenario} loop cpu ms/req", p.name, (after[3] - before[3]) * 1000 / requests)
                if p.with_addon:
                    results.add(
                        f"{scenario} worker cpu ms/req", p.name, (after[1] - before[1]) * 1000 / requests
                    )
                    results.add(
                        f"{scenario} writer cpu ms/req", p.name, (after[2] - before[2]) * 1000 / requests
                    )
            if "latency" in cfg.only:
                r = wrk(
                    f"{base}/ok/v1/chat/completions",
                    files["small"],
                    connections=1,
                    seconds=cfg.latency_seconds,
                )
                results.add("latency p50 ms", p.name, r.p50_ms)
                results.add("latency p99 ms", p.name, r.p99_ms)
            if "sse" in cfg.only:
                results.add("sse first byte ms", p.name, sse_first_byte(p.port))
            results.add("peak rss MB", p.name, p.peak_rss_mb())
        if "big" in cfg.only:
            workdir = Path(tempfile.mkdtemp(dir=tmp))
            with proxy(upstream, with_addon, workdir, toolguard_set(cfg, with_addon)) as p:
                wrk(
                    f"http://127.0.0.1:{p.port}/ok/v1/chat/completions",
                    files["small"],
                    connections=2,
                    seconds=1,
                )
                p99, big_s, rss = run_big(p, files["big"].read_bytes(), files["small"], seconds=cfg.seconds)
                results.add("big: others' p99 ms", p.name, p99)
                results.add("big: its own s", p.name, big_s)
                results.add("big: peak rss MB", p.name, rss)
                if p.with_addon:
                    results.add("big: writer peak rss MB", p.name, p.writer_peak_rss_mb())


def report(cfg: Config, results: Results, direct_sse: float | None) -> list[str]:
    print(f"\nmedians of {cfg.rounds} alternating round(s)")
    print(f"{'metric':24}{'plain mitmdump':>16}{'+ toolguard':>14}{'ratio / added':>16}")
    for metric in results.values:
        if "plain" not in results.values[metric]:  # the worker's CPU: toolguard only
            print(f"{metric:28}{'':>16}{results.median(metric, 'toolguard'):>14.3f}")
            continue
        plain = results.median(metric, "plain")
        guarded = results.median(metric, "toolguard")
        relation = f"{guarded / plain:.3f}" if metric.endswith(" req/s") else f"{guarded - plain:+.3f}"
        print(f"{metric:28}{plain:>16.3f}{guarded:>14.3f}{relation:>16}")
    if direct_sse is not None:
        print(f"{'sse first byte, direct':24}{direct_sse:>16.2f}")
    misses: list[str] = []
    for scenario, target in TARGETS.items():
        metric = f"{scenario} req/s"
        if metric in results.values:
            ratio = results.median(metric, "toolguard") / results.median(metric, "plain")
            if ratio < target:
                misses.append(f"{scenario} throughput ratio {ratio:.3f} < {target}")
    if "latency p50 ms" in results.values:
        added = results.median("latency p50 ms", "toolguard") - results.median("latency p50 ms", "plain")
        if added > ADDED_P50_MS:
            misses.append(f"added p50 latency {added:.2f} ms > {ADDED_P50_MS} ms")
    if direct_sse is not None and "sse first byte ms" in results.values:
        late = results.median("sse first byte ms", "toolguard") - direct_sse
        if late > SSE_SLACK_MS:
            misses.append(f"SSE first byte {late:.2f} ms after direct > {SSE_SLACK_MS} ms")
    if "big: others' p99 ms" in results.values:
        p99 = results.median("big: others' p99 ms", "toolguard")
        if p99 > BIG_P99_MS:
            misses.append(f"small-request p99 during the big request {p99:.1f} ms > {BIG_P99_MS} ms")
        rss = results.median("big: peak rss MB", "toolguard")
        if rss > BIG_RSS_MB:
            misses.append(f"peak RSS during the big request {rss:.0f} MB > {BIG_RSS_MB:.0f} MB")
    print("targets: " + ("all met" if not misses else "MISSED:\n  - " + "\n  - ".join(misses)))
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternate plain/toolguard this many times")
    parser.add_argument("--seconds", type=float, default=8, help="wrk duration per throughput measurement")
    parser.add_argument("--latency-seconds", type=float, default=5, help="wrk duration of the sequential run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections for throughput")
    parser.add_argument(
        "--big-messages", type=int, default=1_000_000, help="tool messages in the big request"
    )
    parser.add_argument(
        "--only",
        default="small,agent,flagged,latency,sse,big",
        help="comma-separated scenarios: small, agent, flagged, latency, sse, big",
    )
    parser.add_argument(
        "--quick", action="store_true", help="one short round (a smoke test, not a measurement)"
    )
    parser.add_argument("--json", type=Path, help="also write every round's values here")
    parser.add_argument(
        "--toolguard-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra mitmdump option for the toolguard proxy (repeatable), e.g. "
        "toolguard_db=postgresql://127.0.0.1/toolguard or toolguard_otlp_endpoint=http://127.0.0.1:4318",
    )
    args = parser.parse_args(argv)
    cfg = Config(
        rounds=1 if args.quick else args.rounds,
        seconds=2 if args.quick else args.seconds,
        latency_seconds=2 if args.quick else args.latency_seconds,
        connections=args.connections,
        only={s.strip() for s in args.only.split(",") if s.strip()},
        big_messages=100_000 if args.quick else args.big_messages,
        toolguard_options=tuple(args.toolguard_set),
    )
    with tempfile.TemporaryDirectory(prefix="toolguard-bench-") as tmp_name:
        tmp = Path(tmp_name)
        files = {
            "small": tmp / "small.json",
            "agent": tmp / "agent.json",
            "flagged": tmp / "flagged.json",
            "big": tmp / "big.json",
        }
        files["small"].write_text(json.dumps(small_body()))
        files["agent"].write_text(json.dumps(agent_body()))
        files["flagged"].write_text(json.dumps(small_body(orphan=True)))
        if "big" in cfg.only:
            files["big"].write_bytes(big_body(cfg.big_messages))
        sizes = ", ".join(f"{k} {v.stat().st_size / 1024:.0f} KB" for k, v in files.items() if v.exists())
        print(f"bodies: {sizes}; wrk {cfg.connections} connections x {cfg.seconds:.0f} s; nginx upstream")
        results = Results()
        with nginx(tmp) as upstream:
            direct_sse = sse_first_byte(upstream) if "sse" in cfg.only else None
            for round_no in range(cfg.rounds):
                print(f"round {round_no + 1}/{cfg.rounds} ...", flush=True)
                measure_round(cfg, upstream, tmp, results, files)
        misses = report(cfg, results, direct_sse)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {"values": results.values, "direct_sse_ms": direct_sse, "misses": misses}, indent=2
                )
            )
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
