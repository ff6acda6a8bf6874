#!/usr/bin/env python3
"""Compare plain mitmdump with mitmdump + toolguard, in the same run, on loopback only.

Measures, for each proxy:
  * latency of non-streaming chat-completions requests with a ~70 KB agent body (p50/p95), half of
    them with a tool-sequence violation so the store path is exercised, and throughput with several
    clients at once;
  * time to first SSE chunk for a streamed answer (upstream sends 20 events 25 ms apart);
  * peak resident memory of the mitmdump process (VmHWM).

Usage: .venv/bin/python scripts/bench_proxy.py [--requests 300] [--concurrency 8]
Targets (checked, exit 1 when missed): added p50 latency <= 5 ms, added p95 <= 15 ms,
first SSE chunk <= 50 ms after the upstream sent it, added peak RSS <= 60 MB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MITMDUMP = Path(sys.executable).with_name("mitmdump")
SSE_EVENTS = 20
SSE_GAP = 0.025


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length))
        if body.get("stream"):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for i in range(SSE_EVENTS):
                event = f'data: {{"sent": {time.perf_counter()}, "i": {i}}}\n\n'.encode()
                self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                self.wfile.flush()
                time.sleep(SSE_GAP)
            self.wfile.write(b"0\r\n\r\n")
            return
        bad = body["messages"][0].get("role") == "tool"
        payload = (
            {
                "error": {
                    "message": "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    "type": "invalid_request_error",
                    "param": "messages.[0].role",
                    "code": None,
                }
            }
            if bad
            else {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
                ],
            }
        )
        data = json.dumps(payload).encode()
        self.send_response(400 if bad else 200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def agent_body(bad: bool) -> bytes:
    tools = [
        {
            "type": "function",
            "function": {
                "name": f"tool_{i}",
                "description": "d" * 2500,
                "parameters": {"type": "object", "properties": {"x": {"type": "string"}}},
            },
        }
        for i in range(14)
    ]
    messages: list[dict] = [{"role": "system", "content": "s" * 20000}, {"role": "user", "content": "do it"}]
    for turn in range(20):
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{turn}",
                        "type": "function",
                        "function": {"name": "tool_1", "arguments": '{"x":"y"}'},
                    }
                ],
            }
        )
        messages.append(
            {"role": "tool", "tool_call_id": f"call_{turn}", "content": [{"type": "text", "text": "r" * 500}]}
        )
    if bad:
        messages.insert(0, {"role": "tool", "tool_call_id": "call_x", "content": "orphan"})
    return json.dumps({"model": "gpt-4o", "max_tokens": 100, "messages": messages, "tools": tools}).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_proxy(upstream_port: int, with_addon: bool, workdir: Path) -> tuple[subprocess.Popen, int]:
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
    if with_addon:
        args += ["-s", str(ROOT / "addon" / "toolguard.py"), "--set", f"toolguard_db={workdir / 'bench.db'}"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"mitmdump did not start: {proc.stdout.read().decode() if proc.stdout else ''}")


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def post(port: int, body: bytes) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    conn.request(
        "POST",
        "/v1/chat/completions",
        body,
        {"content-type": "application/json", "authorization": "Bearer sk-bench"},
    )
    conn.getresponse().read()
    conn.close()
    return (time.perf_counter() - start) * 1000


def first_chunk_delay(port: int) -> float:
    """ms between the upstream sending the first SSE event and the client reading it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/v1/chat/completions",
        json.dumps(
            {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
        ).encode(),
        {"content-type": "application/json"},
    )
    response = conn.getresponse()
    line = response.readline()
    while not line.startswith(b"data:"):
        line = response.readline()
    received = time.perf_counter()
    sent = json.loads(line[5:])["sent"]
    response.read()
    conn.close()
    return (received - sent) * 1000


def measure(upstream_port: int, with_addon: bool, requests: int, concurrency: int) -> dict[str, float]:
    """One proxy process: sequential latency, concurrent throughput, SSE first chunk, peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_proxy(upstream_port, with_addon, Path(tmp))
        try:
            bodies = [agent_body(bad=i % 2 == 1) for i in range(requests)]
            for body in bodies[:10]:  # warm-up
                post(port, body)
            # An agent sends one request at a time: latency is measured sequentially.
            latencies = sorted(post(port, body) for body in bodies)
            start = time.perf_counter()
            with ThreadPoolExecutor(concurrency) as pool:
                list(pool.map(lambda b: post(port, b), bodies))
            throughput = len(bodies) / (time.perf_counter() - start)
            sse = statistics.median(first_chunk_delay(port) for _ in range(5))
            rss = peak_rss_mb(proc.pid)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
        return {
            "p50_ms": statistics.median(latencies),
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
            f"req_per_s_c{concurrency}": throughput,
            "first_sse_chunk_ms": sse,
            "peak_rss_mb": rss,
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="alternate plain/toolguard this many times")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runs: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    try:
        # Alternating rounds, medians across them: a shared 2-core VM drifts by 2x over minutes.
        for _ in range(args.rounds):
            for with_addon in (False, True):
                runs[with_addon].append(
                    measure(server.server_port, with_addon, args.requests, args.concurrency)
                )
    finally:
        server.shutdown()
    plain, guarded = (
        {k: statistics.median(r[k] for r in runs[w]) for k in runs[w][0]} for w in (False, True)
    )
    print(
        f"{'median of ' + str(args.rounds) + ' rounds':22}{'plain mitmdump':>16}{'+ toolguard':>14}{'added':>10}"
    )
    for key in plain:
        print(f"{key:22}{plain[key]:>16.2f}{guarded[key]:>14.2f}{guarded[key] - plain[key]:>10.2f}")
    rps = f"req_per_s_c{args.concurrency}"
    misses = []
    if guarded["p50_ms"] - plain["p50_ms"] > 5:
        misses.append("added p50 latency > 5 ms")
    if guarded["p95_ms"] - plain["p95_ms"] > 10:
        misses.append("added p95 latency > 10 ms")
    if guarded[rps] < 0.7 * plain[rps]:
        misses.append("throughput under 70% of plain mitmdump")
    if guarded["first_sse_chunk_ms"] > 50:
        misses.append("first SSE chunk later than 50 ms")
    if guarded["peak_rss_mb"] - plain["peak_rss_mb"] > 60:
        misses.append("added peak RSS > 60 MB")
    print("targets: " + ("all met" if not misses else "MISSED: " + "; ".join(misses)))
    return 1 if misses else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    raise SystemExit(main())
