#!/usr/bin/env python3
"""The long robustness runs of issue #16 against a real mitmdump + toolguard, on loopback only.

The bounded versions of these checks are in the test suite (tests/e2e/test_robustness_e2e.py,
tests/test_store_faults.py, tests/test_fuzz.py); this script runs the sizes that take minutes:

* 10 GB compression bombs (gzip, zstd, brotli) and a bz2 body (a coding HTTP does not define);
* 300 answered flagged requests with 1 MB bodies, then SIGINT; the same burst cut by SIGTERM and
  by SIGKILL;
* a body with a million bad elements;
* a lock held over the busy timeout, a full disk (a 2 MB tmpfs, root only), the database file
  deleted while running;
* malformed bodies through the proxy, and a soak of many flows (memory flat).

Prints one table row per target and exits 1 when a target is missed.

Usage: .venv/bin/python scripts/torture.py [--only NAME ...] [--soak 20000] [--bomb-gb 10]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brotli
import httpx
from backports import zstd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.proxy import Mitmdump  # noqa: E402  (the test suite's mitmdump runner)
from support.upstream import Reply, Upstream, canned, completion, openai_like  # noqa: E402

CHAT = "/v1/chat/completions"
USER = {"role": "user", "content": "What is 3 * 12?"}
ORPHAN_TOOL = {"role": "tool", "tool_call_id": "call_Fo6YPd3EALEdfPLMbfr4BTKf", "content": "36"}
GB = 1 << 30
MB = 1 << 20


@dataclass
class Result:
    target: str
    expected: str
    measured: str
    ok: bool


RESULTS: list[Result] = []


def record(target: str, expected: str, measured: str, ok: bool) -> None:
    RESULTS.append(Result(target, expected, measured, ok))
    print(f"  {'PASS' if ok else 'FAIL'}  {target}: {measured}", flush=True)


_CLIENTS = threading.local()


def post(
    url: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = 120
) -> httpx.Response:
    """POST through the proxy with this thread's keep-alive client (a client per request spends its
    time building TLS contexts, and the soak would measure the driver)."""
    client = getattr(_CLIENTS, "client", None)
    if client is None:
        client = _CLIENTS.client = httpx.Client(timeout=timeout, trust_env=False)
    return client.post(
        url + CHAT, content=body, headers={"content-type": "application/json", **(headers or {})}
    )


def flagged_body(i: int, size: int) -> bytes:
    """An orphan tool message (toolguard: error; the upstream: OpenAI's real 400) padded to ``size``."""
    pad = "x" * size
    return json.dumps(
        {"model": "gpt-4o", "messages": [{**USER, "content": f"{i} {pad}"}, ORPHAN_TOOL]}
    ).encode()


def rows(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select count(*) from flows").fetchone()[0]
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------ bombs


def bomb_file(work: Path, encoding: str, size: int) -> Path:
    """``size`` zero bytes compressed with ``encoding``, written a megabyte at a time (cached)."""
    path = work / f"bomb-{size >> 20}m.{encoding}"
    if path.exists():
        return path
    chunk = bytes(MB)
    with path.open("wb") as out:
        if encoding == "gzip":
            gz = zlib.compressobj(9, zlib.DEFLATED, 31)
            for _ in range(size >> 20):
                out.write(gz.compress(chunk))
            out.write(gz.flush())
        elif encoding == "zstd":
            zs = zstd.ZstdCompressor(level=3)
            for _ in range(size >> 20):
                out.write(zs.compress(chunk))
            out.write(zs.flush())
        elif encoding == "br":
            br = brotli.Compressor(quality=1)
            for _ in range(size >> 20):
                out.write(br.process(chunk))
            out.write(br.finish())
        elif encoding == "bz2":
            import bz2

            bz = bz2.BZ2Compressor(9)
            for _ in range(size >> 20):
                out.write(bz.compress(chunk))
            out.write(bz.flush())
    return path


def worker_peak_rss(proxy: Mitmdump) -> int:
    """Peak RSS of mitmdump's child processes (the validation worker decodes large bodies)."""
    pid = proxy._process.pid  # type: ignore[union-attr]
    peak = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
    return peak


def torture_bombs(work: Path, bomb_gb: int) -> None:
    size = bomb_gb * GB
    with Upstream(canned(200, completion()), max_requests=10) as upstream:
        proxy = Mitmdump(work / "bombs", mode=f"reverse:{upstream.url}").start()
        try:
            for encoding in ("gzip", "zstd", "br", "bz2"):
                wire = bomb_file(work, encoding, size if encoding != "bz2" else GB).read_bytes()
                start = time.monotonic()
                status = post(proxy.url, wire, {"content-encoding": encoding}).status_code
                took = time.monotonic() - start
                received = upstream.received(CHAT)[-1]
                same = hashlib.sha256(received.body).digest() == hashlib.sha256(wire).digest()
                peak = proxy.peak_rss_bytes()
                worker = worker_peak_rss(proxy)
                expanded = f"{bomb_gb} GB" if encoding != "bz2" else "1 GB"
                record(
                    f"{encoding} bomb ({len(wire) / MB:.2f} MB -> {expanded})",
                    "passes unchanged, proxy peak RSS < 1 GB",
                    f"status {status}, body {'identical' if same else 'CHANGED'}, {took:.2f} s, "
                    f"peak RSS {peak / MB:.0f} MB (worker {worker / MB:.0f} MB)",
                    status == 200 and same and peak < GB and worker < GB,
                )
        finally:
            proxy.stop()
    messages = [f["message"] for f in proxy.findings()]
    record(
        "bombs: findings",
        "each says 'body not validated'",
        f"{sum(m.startswith('body not validated') for m in messages)} of 4",
        len(messages) == 4 and all(m.startswith("body not validated") for m in messages),
    )


# ------------------------------------------------------------------------------------------ bursts


def burst(
    work: Path, name: str, count: int, size: int, sig: int, concurrency: int = 16
) -> tuple[Mitmdump, int, float]:
    """``count`` flagged requests, answered (400); then ``sig``. Returns the proxy, answered, seconds."""
    with Upstream(openai_like(delay=0), max_requests=count + 10) as upstream:
        proxy = Mitmdump(work / name, mode=f"reverse:{upstream.url}").start()
        bodies = [flagged_body(i, size) for i in range(count)]
        answered = 0
        lock = threading.Lock()

        def send(body: bytes) -> None:
            nonlocal answered
            try:
                if post(proxy.url, body).status_code == 400:
                    with lock:
                        answered += 1
            except httpx.HTTPError:
                pass

        start = time.monotonic()
        if sig == signal.SIGINT:  # right after the burst: every request answered first
            with ThreadPoolExecutor(concurrency) as pool:
                list(pool.map(send, bodies))
            proxy.stop(signal.SIGINT, timeout=600)
        else:  # during the burst
            pool = ThreadPoolExecutor(concurrency)
            futures = [pool.submit(send, body) for body in bodies]
            while answered < count // 2:
                time.sleep(0.01)
            if sig == signal.SIGKILL:
                proxy.kill()
            else:
                proxy.stop(sig, timeout=600)
            for future in futures:
                future.result()
            pool.shutdown()
        return proxy, answered, time.monotonic() - start


def torture_sigint_burst(work: Path) -> None:
    proxy, answered, took = burst(work, "sigint", 300, MB, signal.SIGINT)
    stored = rows(proxy.db_path)
    line = next((ln for ln in proxy.output.splitlines() if "rows written to" in ln), "(no shutdown line)")
    record(
        "SIGINT after 300 x 1 MB flagged",
        "300 rows, a shutdown line",
        f"{answered} answered, {stored} rows in {took:.1f} s; '{line.split('] ', 1)[-1][:60]}...'",
        answered == 300 and stored == 300 and "300 of 300 rows written" in line,
    )


def torture_sigterm_burst(work: Path) -> None:
    proxy, answered, _ = burst(work, "sigterm", 300, 256 * 1024, signal.SIGTERM)
    stored = rows(proxy.db_path)
    record(
        "SIGTERM during a 300-flow burst",
        "every answered flow stored",
        f"{answered} answered, {stored} rows (in-flight ones as no_answer)",
        stored >= answered and "DROPPED" not in proxy.output,
    )


def torture_sigkill_burst(work: Path) -> None:
    proxy, answered, _ = burst(work, "sigkill", 300, 256 * 1024, signal.SIGKILL)
    conn = sqlite3.connect(proxy.db_path)
    integrity = conn.execute("pragma integrity_check").fetchone()[0]
    stored = conn.execute("select count(*) from flows").fetchone()[0]
    conn.close()
    record(
        "SIGKILL during a 300-flow burst",
        "database intact",
        f"integrity_check {integrity}, {stored} rows of {answered} answered",
        integrity == "ok",
    )


# ------------------------------------------------------------------------------------------ bodies


def torture_million_elements(work: Path) -> None:
    with Upstream(canned(400, {"error": {"message": "bad", "type": "invalid_request_error"}})) as upstream:
        proxy = Mitmdump(work / "million", mode=f"reverse:{upstream.url}").start()
        body = json.dumps({"model": "gpt-4o", "messages": [USER] + [{"role": "tool"}] * 1_000_000}).encode()
        start = time.monotonic()
        status = post(proxy.url, body).status_code
        took = time.monotonic() - start
        # Another flow right behind it must not stall.
        start = time.monotonic()
        post(proxy.url, flagged_body(0, 10))
        behind = time.monotonic() - start
        peak = proxy.peak_rss_bytes()
        proxy.stop(timeout=600)
    findings = len(proxy.findings())
    size = os.path.getsize(proxy.db_path) + sum(
        os.path.getsize(f"{proxy.db_path}{s}") for s in ("-wal",) if os.path.exists(f"{proxy.db_path}{s}")
    )
    record(
        f"a million bad elements ({len(body) / MB:.1f} MB)",
        "findings capped, next flow not stalled",
        f"status {status} in {took:.1f} s, next flow {behind:.2f} s, {findings} findings stored, "
        f"db {size / MB:.1f} MB, peak RSS {peak / MB:.0f} MB",
        status == 400 and findings < 200 and behind < 5 and peak < GB,
    )


def mutations(rng: random.Random) -> Iterator[tuple[bytes, dict[str, str]]]:
    """Malformed bodies: truncated, type-confused, deeply nested, bad UTF-8, odd encodings."""
    base = json.dumps({"model": "gpt-4o", "messages": [USER, ORPHAN_TOOL], "tools": []}).encode()
    wrong: list[Any] = [None, 1, "x", [], {}, [{}], 2**70, "\ud800", -1.5, True]
    for _ in range(2000):
        kind = rng.randrange(8)
        if kind == 0:
            yield base[: rng.randrange(len(base))], {}
        elif kind == 1:
            body = json.loads(base)
            body[rng.choice(["model", "messages", "tools", "stream", "tool_choice"])] = rng.choice(wrong)
            yield json.dumps(body).encode(), {}
        elif kind == 2:
            body = json.loads(base)
            body["messages"][rng.randrange(2)][rng.choice(["role", "content", "tool_call_id"])] = rng.choice(
                wrong
            )
            yield json.dumps(body).encode(), {}
        elif kind == 3:
            depth = rng.randrange(100, 5000)
            yield b'{"model": "m", "messages": ' + b"[" * depth + b"]" * depth + b"}", {}
        elif kind == 4:
            yield bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))), {}
        elif kind == 5:
            yield base, {"content-encoding": rng.choice(["rot13", "bz2", "gzip", "br, zstd", "identity"])}
        elif kind == 6:
            yield base.replace(b"gpt-4o", b"gpt-4o\\ud800"), {}
        else:
            yield base64.b64encode(base), {"content-type": rng.choice(["text/plain", "application/json"])}


def torture_fuzz(work: Path) -> None:
    rng = random.Random(16)
    cases = list(mutations(rng))
    with Upstream(
        lambda request: Reply(400, b'{"error": {"message": "bad", "code": 18446744073709551616}}'),
        max_requests=len(cases) + 10,
    ) as upstream:
        proxy = Mitmdump(work / "fuzz", mode=f"reverse:{upstream.url}").start()

        def send(case: tuple[bytes, dict[str, str]]) -> bool:
            body, headers = case
            # Connection: close, so no keep-alive connection is left for mitmproxy to cancel (and log)
            # at shutdown: every traceback counted below is then toolguard's.
            return post(proxy.url, body, {**headers, "connection": "close"}).status_code == 400

        with ThreadPoolExecutor(16) as pool:
            answered = sum(pool.map(send, cases))
        received = upstream.received(CHAT)
        identical = sorted(hashlib.sha256(r.body).digest() for r in received) == sorted(
            hashlib.sha256(c[0]).digest() for c in cases
        )
        output = proxy.stop(timeout=600)
    stored = rows(proxy.db_path)
    crashes = output.count("Traceback")
    if crashes:  # show the first one: the table only counts them
        start = output.index("Traceback")
        print(output[max(0, start - 300) : start + 3000])
    record(
        f"{len(cases)} malformed bodies",
        "all pass unchanged, all stored, no traceback",
        f"{answered} answered, bodies {'identical' if identical else 'CHANGED'}, {stored} rows, "
        f"{crashes} tracebacks",
        answered == len(cases) and identical and stored == len(cases) and crashes == 0,
    )


# ------------------------------------------------------------------------------------------ storage


def torture_locked(work: Path) -> None:
    with Upstream(openai_like(delay=0), max_requests=300) as upstream:
        proxy = Mitmdump(work / "locked", mode=f"reverse:{upstream.url}").start()
        post(proxy.url, flagged_body(0, 10))
        time.sleep(1)
        locked = threading.Event()

        def hold() -> None:
            conn = sqlite3.connect(proxy.db_path, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            locked.set()
            time.sleep(12)  # over SQLite's 5 s busy timeout, twice
            conn.execute("COMMIT")
            conn.close()

        holder = threading.Thread(target=hold)
        holder.start()
        locked.wait()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: post(proxy.url, flagged_body(i, 1000)), range(1, 200)))
        proxy.stop(timeout=600)  # while the lock is still held: close must wait and retry
        holder.join()
    stored = rows(proxy.db_path)
    record(
        "database locked 12 s during 200 flows, stop while locked",
        "200 rows, retries logged",
        f"{stored} rows, {'retry line logged' if 'retrying' in proxy.output else 'no retry line'}",
        stored == 200 and "retrying" in proxy.output,
    )


def torture_full_disk(work: Path) -> None:
    if os.geteuid() != 0:
        record("full disk", "rows retried, then written", "skipped (needs root for a tmpfs)", True)
        return
    mount = work / "disk"
    mount.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        with Upstream(openai_like(delay=0), max_requests=300) as upstream:
            proxy = Mitmdump(
                work / "full", mode=f"reverse:{upstream.url}", db_path=mount / "toolguard.db"
            ).start()
            post(proxy.url, flagged_body(0, 10))
            time.sleep(1)
            filler = mount / "filler"
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
            try:
                while True:
                    os.write(fd, b"\0" * 4096)
            except OSError:
                pass
            finally:
                os.close(fd)
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda i: post(proxy.url, flagged_body(i, 4000)), range(1, 200)))
            time.sleep(3)
            filler.unlink()
            proxy.stop(timeout=600)
        stored = rows(mount / "toolguard.db")
        record(
            "disk full (2 MB tmpfs) during 200 flows, then freed",
            "200 rows, none dropped",
            f"{stored} rows, {'full logged' if 'full' in proxy.output else 'nothing logged'}",
            stored == 200 and "DROPPED" not in proxy.output,
        )
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def torture_deleted(work: Path) -> None:
    with Upstream(openai_like(delay=0), max_requests=300) as upstream:
        proxy = Mitmdump(work / "deleted", mode=f"reverse:{upstream.url}").start()
        for i in range(50):
            post(proxy.url, flagged_body(i, 100))
        time.sleep(1)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{proxy.db_path}{suffix}").unlink(missing_ok=True)
        for i in range(50, 100):
            post(proxy.url, flagged_body(i, 100))
        proxy.stop(timeout=600)
    stored = rows(proxy.db_path)
    record(
        "database file deleted after 50 of 100 flows",
        "the later 50 in a recreated file",
        f"{stored} rows in the new file",
        stored == 50 and "creating it again" in proxy.output,
    )


def torture_soak(work: Path, count: int) -> None:
    with Upstream(openai_like(delay=0), max_requests=count + 10) as upstream:
        proxy = Mitmdump(work / "soak", mode=f"reverse:{upstream.url}").start()
        half = count // 2

        def rss() -> int:
            status = Path(f"/proc/{proxy._process.pid}/status").read_text()  # type: ignore[union-attr]
            return int(next(ln for ln in status.splitlines() if ln.startswith("VmRSS:")).split()[1]) * 1024

        start = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda i: post(proxy.url, flagged_body(i, 2000 if i % 2 else 0)), range(half)))
            middle = rss()
            list(
                pool.map(lambda i: post(proxy.url, flagged_body(i, 2000 if i % 2 else 0)), range(half, count))
            )
        end = rss()
        took = time.monotonic() - start
        proxy.stop(timeout=600)
    stored = rows(proxy.db_path)
    grew = (end - middle) / MB
    record(
        f"soak: {count} flagged flows, 16 clients",
        "all stored, RSS flat over the second half",
        f"{stored} rows in {took:.0f} s ({count / took:.0f}/s), RSS {middle / MB:.0f} -> {end / MB:.0f} MB",
        stored == count and grew < 50,
    )


TORTURES: dict[str, Callable[[Path, argparse.Namespace], None]] = {
    "bombs": lambda work, args: torture_bombs(work, args.bomb_gb),
    "sigint": lambda work, args: torture_sigint_burst(work),
    "sigterm": lambda work, args: torture_sigterm_burst(work),
    "sigkill": lambda work, args: torture_sigkill_burst(work),
    "million": lambda work, args: torture_million_elements(work),
    "fuzz": lambda work, args: torture_fuzz(work),
    "locked": lambda work, args: torture_locked(work),
    "full": lambda work, args: torture_full_disk(work),
    "deleted": lambda work, args: torture_deleted(work),
    "soak": lambda work, args: torture_soak(work, args.soak),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=list(TORTURES), help="run only these")
    parser.add_argument("--soak", type=int, default=20_000, help="flows in the soak (default 20000)")
    parser.add_argument("--bomb-gb", type=int, default=10, help="expanded size of the bombs (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (databases, logs)")
    args = parser.parse_args()
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        os.environ.pop(name, None)
    work = Path(tempfile.mkdtemp(prefix="toolguard-torture-"))
    try:
        for name in args.only or list(TORTURES):
            print(f"{name} ...", flush=True)
            try:
                TORTURES[name](work, args)
            except Exception as exc:  # a crashed scenario is a failed target, and the others still run
                record(name, "runs", f"crashed: {exc!r}", False)
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print("| target | expected | measured | result |")
    print("|---|---|---|---|")
    for r in RESULTS:
        print(f"| {r.target} | {r.expected} | {r.measured} | {'pass' if r.ok else 'FAIL'} |")
    return 0 if all(r.ok for r in RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
