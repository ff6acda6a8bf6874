#!/usr/bin/env python3
"""Storage that grows with distinct content (issue #12.3): a 200-turn agent session, every request
stored (``toolguard_store_all``), must take at most 3x the size of its final request.

The session is an agent's: a system prompt, 20 tools, a user task, then per turn one assistant tool
call and its tool result (200 B to 4 KB, like file reads and command output), each request resending
the whole history, compact JSON as Node and Rust clients send it.

Default: the requests go through a real mitmdump + toolguard (reverse mode, loopback upstream
answering a completion) with ``--set toolguard_store_all=true``; prints the database size over the
final request's size and exits 1 above the bound.

``--compare``: the same session written through the store's writer (:class:`Store`, the code path the
addon uses) once per layout: ``whole`` (each request kept whole, before m008_content_dedup), ``flat``
(one id per element, referenced by one list per flow) and chunked lists of 4, 16 and 64 ids.

Usage: .venv/bin/python scripts/bench_storage.py [--turns 200] [--compare]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "addon"))

from toolguard_core import dedup  # noqa: E402
from toolguard_core.store import FlowRow, Store  # noqa: E402

BOUND = 3.0
CHAT = "/v1/chat/completions"


def session(turns: int, seed: int = 12) -> Iterator[bytes]:
    """The request bodies of an agent session, one per turn, each resending the history."""
    rng = random.Random(seed)
    words = [
        "the",
        "a",
        "file",
        "function",
        "return",
        "value",
        "error",
        "test",
        "line",
        "code",
        "path",
        "import",
        "class",
        "def",
        "self",
    ]

    def text(size: int) -> str:
        out: list[str] = []
        length = 0
        while length < size:
            word = rng.choice(words)
            out.append(word)
            length += len(word) + 1
        return " ".join(out)

    tools = [
        {
            "type": "function",
            "function": {
                "name": f"tool_{i}",
                "description": text(250),
                "parameters": {
                    "type": "object",
                    "properties": {"path": {"type": "string", "description": text(60)}},
                    "required": ["path"],
                },
            },
        }
        for i in range(20)
    ]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": text(8000)},
        {"role": "user", "content": text(300)},
    ]
    for turn in range(turns):
        call_id = f"call_{turn:04d}_{rng.randrange(16**8):08x}"
        arguments = json.dumps({"path": f"src/{text(20).replace(' ', '_')}.py", "limit": rng.randrange(500)})
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": f"tool_{rng.randrange(20)}", "arguments": arguments},
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": call_id, "content": text(rng.randrange(200, 4000))})
        body = {"model": "gpt-4o", "messages": messages, "tools": tools, "stream": False}
        yield json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def database_size(path: Path) -> int:
    """The file with its WAL (copying the database means copying both)."""
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def through_proxy(turns: int, work: Path) -> tuple[int, int]:
    import httpx
    from support.proxy import Mitmdump
    from support.upstream import Reply, Upstream, completion

    upstream = Upstream(lambda request: Reply.json(200, completion("gpt-4o")), max_requests=turns + 10)
    final = b""
    with upstream:
        proxy = Mitmdump(
            work / "proxy", mode=f"reverse:{upstream.url}", options={"toolguard_store_all": "true"}
        ).start()
        try:
            with httpx.Client(timeout=60) as client:
                for body in session(turns):
                    response = client.post(
                        proxy.url + CHAT,
                        content=body,
                        headers={"content-type": "application/json", "authorization": "Bearer sk-bench"},
                    )
                    response.raise_for_status()
                    final = body
        finally:
            proxy.stop()
        db_path = proxy.db_path
    stored = sqlite_count(db_path)
    if stored != turns:
        raise SystemExit(f"expected {turns} stored flows, found {stored}")
    return database_size(db_path), len(final)


def sqlite_count(path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("select count(*) from flows").fetchone()[0])
    finally:
        conn.close()


@contextlib.contextmanager
def layout(name: str) -> Iterator[None]:
    if name == "whole":
        with mock.patch.object(dedup, "split_request", lambda text: None):
            yield
    elif name == "flat":
        # One chunk holding every id: each flow's list is as long as its conversation.
        with mock.patch.object(dedup, "CHUNK", 10**9):
            yield
    else:
        with mock.patch.object(dedup, "CHUNK", int(name.removeprefix("chunk"))):
            yield


def through_store(turns: int, path: Path) -> tuple[int, int]:
    """The session written by the store's writer thread, as the addon's rows would be."""
    store = Store(path)
    store.start()
    final = b""
    for turn, body in enumerate(session(turns)):
        final = body
        store.put(
            FlowRow(
                id=f"flow-{turn:04d}",
                datetime_utc=f"2026-11-30T08:{turn // 60:02d}:{turn % 60:02d}.000Z",
                method="POST",
                scheme="http",
                host="127.0.0.1",
                path=CHAT,
                model="gpt-4o",
                status=200,
                request_headers_json=json.dumps(
                    {"content-type": "application/json", "authorization": "[REDACTED]"}
                ),
                request_json=body.decode(),
                request_bytes=len(body),
                response_body=json.dumps({"choices": [{"message": {"role": "assistant", "content": "ok"}}]}),
                verdict="accepted",
            )
        )
    store.close()
    return database_size(path), len(final)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--compare", action="store_true", help="compare storage layouts through the store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="toolguard-bench-storage-") as tmp:
        work = Path(tmp)
        if args.compare:
            print(f"{'layout':<10} {'database':>12} {'final request':>14} {'ratio':>7}")
            for name in ("whole", "flat", "chunk4", "chunk16", "chunk64"):
                with layout(name):
                    size, final = through_store(args.turns, work / f"{name}.db")
                print(f"{name:<10} {size:>12,} {final:>14,} {size / final:>7.2f}")
            return 0
        size, final = through_proxy(args.turns, work)
    ratio = size / final
    verdict = "ok" if ratio <= BOUND else "MISSED"
    print(
        f"{args.turns}-turn session through mitmdump with toolguard_store_all: database {size:,} bytes, "
        f"final request {final:,} bytes, ratio {ratio:.2f} (target <= {BOUND:g}): {verdict}"
    )
    return 0 if ratio <= BOUND else 1


if __name__ == "__main__":
    sys.exit(main())
