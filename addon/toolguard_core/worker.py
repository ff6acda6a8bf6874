"""``python -m toolguard_core.worker``: the validation worker the proxy starts (see offload.py).

Reads jobs from stdin (8-byte length + JSON header, 8-byte length + the body, ``2**64-1`` for no
body) and writes one result frame per job to stdout (8-byte length + JSON), in order. With
``--arena-fd N`` the proxy puts bodies in shared memory (offload.Arena) and a header's ``arena``
says where (``[offset, length]``); answering a job tells the proxy that its region, and every
earlier one, is free again, so the answers must stay in order. It exits on end of input. A job that fails inside toolguard answers with the error as an internal error, so
one bad body never stops the worker.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import mmap
import os
import signal
import sys
from functools import cache
from typing import BinaryIO

from toolguard_core.analyze import analyse_request
from toolguard_core.learned import Knowledge
from toolguard_core.offload import _LENGTH, NO_BODY
from toolguard_core.profiles_config import load_registry
from toolguard_core.providers import DEFAULT_REGISTRY, ProviderRegistry
from toolguard_core.request import Target


@cache
def registry_for(providers_path: str) -> ProviderRegistry:
    return load_registry(providers_path) if providers_path else DEFAULT_REGISTRY


def handle(header: dict, body: bytes | None) -> dict:
    try:
        url = header["url"]
        registry = registry_for(header.get("providers") or "")
        analysis = analyse_request(
            body,
            url,
            target=Target.from_url(url, registry),
            max_body_bytes=header["max_body"],
            decode_error=header.get("decode_error"),
            knowledge=Knowledge.from_json(header.get("learned")),
            content_encoding=header.get("content_encoding"),
        )
    except Exception as exc:  # never let one body stop the worker
        return {
            "id": header.get("id"),
            "findings": [],
            "model": None,
            "stream": None,
            "is_json": False,
            "internal_errors": [["worker", repr(exc)]],
        }
    return {
        "id": header["id"],
        "findings": [[f.rule, str(f.severity), f.location, f.message] for f in analysis.findings],
        "model": analysis.model,
        "stream": analysis.stream,
        "is_json": analysis.is_json,
        "internal_errors": [[e.where, e.error] for e in analysis.internal_errors],
    }


def _read_exactly(stream: BinaryIO, n: int) -> bytes | None:
    data = stream.read(n)
    return data if data is not None and len(data) == n else None


def serve(stdin: BinaryIO, stdout: BinaryIO, arena: mmap.mmap | None = None) -> None:
    while True:
        raw = _read_exactly(stdin, _LENGTH.size)
        if raw is None:
            return
        header = json.loads(_read_exactly(stdin, _LENGTH.unpack(raw)[0]) or b"{}")
        size_raw = _read_exactly(stdin, _LENGTH.size)
        if size_raw is None:
            return
        size = _LENGTH.unpack(size_raw)[0]
        body = None if size == NO_BODY else _read_exactly(stdin, size)
        if size != NO_BODY and body is None:
            return
        where = header.get("arena")
        if body is None and arena is not None and where is not None:
            offset, length = where
            body = arena[offset : offset + length]  # a copy: the region is reused once answered
        out = json.dumps(handle(header, body)).encode()
        stdout.write(_LENGTH.pack(len(out)) + out)
        stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m toolguard_core.worker")
    parser.add_argument("--arena-fd", type=int, help="the proxy's shared memory for bodies (offload.Arena)")
    args = parser.parse_args()
    arena = mmap.mmap(args.arena_fd, 0, access=mmap.ACCESS_READ) if args.arena_fd is not None else None
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the proxy ends the worker by closing its input
    # Traffic first: on a busy machine the proxy's own process gets the CPU and validation takes
    # what is left; a backlog past the Validator's bounds is shed and counted, never queued forever.
    with contextlib.suppress(OSError):
        os.nice(10)
    # The frames travel on file descriptor 1. A stray print() anywhere in the core or a library it
    # imports would land between them, the proxy would read its text as a frame length and wait
    # for bytes that never come: every flow given to the worker after it would stay unvalidated.
    # So the frames get a private copy of fd 1, and fd 1 itself (sys.stdout) goes to stderr.
    frames = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # Warm up before the first real body: the rules, the provider registry and the model catalog
    # load on first use, which would otherwise delay the first verdict by tens of milliseconds.
    handle(
        {"id": None, "url": "https://api.openai.com/v1/chat/completions", "max_body": 1 << 20},
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}',
    )
    serve(sys.stdin.buffer, frames, arena)


if __name__ == "__main__":
    main()
