"""``python -m toolguard_core.worker``: the validation worker the proxy starts (see offload.py).

Reads fixed-size job descriptors from stdin (offload's wire: the body in shared memory,
``--arena-fd N``, at the descriptor's offset, or following it when the arena could not take it, or
in the proxy's own memory at the descriptor's address, read with ``process_vm_readv`` when the proxy
passed ``--read-pid`` and the probe worked (crossmem.py); the job's route and options as a context
id sent once) and validates the jobs in order. It answers in
batches: after the jobs one read brought (or every FLUSH_EVERY seconds of a long batch), one frame
with the last job done (the watermark: every job up to it is done, and its arena region and every
earlier one free again, so jobs are done in order) and the full results of only the jobs that have
findings or internal errors. A clean job costs the proxy nothing beyond the watermark. It exits on
end of input. A job that fails inside toolguard answers with the error as an internal error, so
one bad body never stops the worker.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import mmap
import os
import select
import signal
import sys
import time
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO

from toolguard_core import crossmem
from toolguard_core.analyze import analyse_request
from toolguard_core.learned import Knowledge
from toolguard_core.offload import (
    _DESC,
    _REPLY,
    FLAG_FULL,
    KIND_ARENA,
    KIND_CONTEXT,
    KIND_FORGET,
    KIND_INLINE,
    KIND_REMOTE,
)
from toolguard_core.profiles_config import load_registry
from toolguard_core.providers import DEFAULT_REGISTRY, ProviderRegistry
from toolguard_core.request import Target
from toolguard_core.rules.history import HistoryCache


@cache
def registry_for(providers_path: str) -> ProviderRegistry:
    return load_registry(providers_path) if providers_path else DEFAULT_REGISTRY


@dataclass(frozen=True, slots=True)
class Context:
    """What the jobs naming one context id share: the route, the options and the learned knowledge,
    sent once by the proxy (offload.KIND_CONTEXT) instead of with every job."""

    url: str
    target: Target
    max_body: int
    content_encoding: str | None
    decode_error: str | None
    knowledge: Knowledge

    @classmethod
    def from_json(cls, data: bytes) -> Context:
        header = json.loads(data)
        url = header["url"]
        return cls(
            url=url,
            target=Target.from_url(url, registry_for(header.get("providers") or "")),
            max_body=header["max_body"],
            content_encoding=header.get("content_encoding"),
            decode_error=header.get("decode_error"),
            knowledge=Knowledge.from_json(header.get("learned")),
        )


#: The messages of the bodies this worker parsed, by their bytes (rules/history.py): an agent resends
#: its history every turn, and only the new messages are parsed again. The worker keeps no body, so
#: the shared parsed objects are never mutated.
HISTORY = HistoryCache()


def handle(context: Context | None, seq: int, body: bytes | None, full: bool) -> list | None:
    """One job's result row (offload.WorkerResult.from_row), or None for a clean job the proxy
    learns about from the watermark alone."""
    try:
        if context is None:
            raise LookupError("a job named a context the proxy never sent")
        analysis = analyse_request(
            body,
            context.url,
            target=context.target,
            max_body_bytes=context.max_body,
            decode_error=context.decode_error,
            knowledge=context.knowledge,
            content_encoding=context.content_encoding,
            history=HISTORY,
        )
    except Exception as exc:  # never let one body stop the worker
        return [seq, [], None, None, False, [["worker", repr(exc)]]]
    if not (full or analysis.findings or analysis.internal_errors):
        return None
    return [
        seq,
        [[f.rule, str(f.severity), f.location, f.message] for f in analysis.findings],
        analysis.model,
        analysis.stream,
        analysis.is_json,
        [[e.where, e.error] for e in analysis.internal_errors],
    ]


#: A long batch still reports what it finished at least this often, so the flows of its first jobs
#: are not held behind its last ones (a run of large bodies takes milliseconds each).
FLUSH_EVERY = 0.005


#: While traffic lasts, the worker looks for the proxy's next descriptors this often instead of
#: sleeping on its input, so the proxy's one write per window (offload.FLUSH_DELAY, 10 ms) wakes
#: nobody. Waking a process asleep on the pipe is that write's cost on the proxy's event loop:
#: measured on this VM (a 300-byte write every 10 ms to a process on the other CPU, 400 writes,
#: the writer's thread CPU), 28-31 µs when the reader sleeps on the pipe, 10-11 µs when it polls
#: (a wake-up on another CPU is an inter-processor interrupt, a hypervisor exit here). Live a window
#: holds ~9 small requests (issue #12, docs/benchmarks.md "The small request's live cost,
#: explained"). At 5 ms the polling costs the worker no more CPU than being woken did (0.162 and
#: 0.163 ms per window in the same measurement; at 2 ms it doubled), and a verdict comes at most
#: that much later, which observe mode does not wait for.
POLL_SECONDS = 0.005
#: How long after the last input the worker keeps looking before it sleeps on the pipe again.
POLL_FOR = 0.25


def next_input(fd: int, poll_until: float) -> bytes:
    """The next bytes on the non-blocking ``fd`` (b"" at its end): looked for every POLL_SECONDS
    until ``poll_until`` (monotonic), then waited for asleep."""
    while True:
        try:
            return os.read(fd, 1 << 20)
        except BlockingIOError:
            pass
        if time.monotonic() < poll_until:
            time.sleep(POLL_SECONDS)
        else:
            select.select([fd], [], [])  # readable: data, or the proxy closed its end


def serve(stdin: int, stdout: BinaryIO, arena: mmap.mmap | None = None, read_pid: int | None = None) -> None:
    """Read descriptors from the ``stdin`` file descriptor, validate the jobs in order, and answer
    with one frame per batch: the jobs that read brought, all done (see offload's wire).
    ``read_pid``: the proxy, whose memory KIND_REMOTE jobs' bodies are read from."""
    contexts: dict[int, Context] = {}
    os.set_blocking(stdin, False)  # read by next_input: polled while traffic lasts
    buffer = bytearray()
    rows: list[list] = []
    mark = 0  # the last job done and not reported yet (0: none)
    last_flush = time.monotonic()

    def flush() -> None:
        nonlocal mark, rows, last_flush
        data = json.dumps(rows).encode() if rows else b""
        stdout.write(_REPLY.pack(mark, len(data)) + data)
        stdout.flush()
        mark, rows, last_flush = 0, [], time.monotonic()

    while True:
        used = 0
        while len(buffer) - used >= _DESC.size:
            kind, flags, seq, offset, length, cid = _DESC.unpack_from(buffer, used)
            extra = length if kind in (KIND_INLINE, KIND_CONTEXT) else 0
            end = used + _DESC.size + extra
            if len(buffer) < end:
                break
            payload = bytes(buffer[used + _DESC.size : end]) if extra else None
            used = end
            if kind == KIND_CONTEXT:
                assert payload is not None
                contexts[cid] = Context.from_json(payload)
                continue
            if kind == KIND_FORGET:
                contexts.clear()
                continue
            if kind == KIND_REMOTE:
                try:
                    body = read_remote(read_pid, offset, length)
                except OSError as exc:  # the job's answer says so; the next job is read as usual
                    rows.append([seq, [], None, None, False, [["worker", f"reading the body: {exc}"]]])
                    mark = seq
                    continue
            else:
                # From the arena, a copy: its region is reused once the watermark passes this job.
                body = (
                    arena[offset : offset + length] if kind == KIND_ARENA and arena is not None else payload
                )
            row = handle(contexts.get(cid), seq, body, bool(flags & FLAG_FULL))
            if row is not None:
                rows.append(row)
            mark = seq
            if time.monotonic() - last_flush >= FLUSH_EVERY:
                flush()
        if used:
            del buffer[:used]
        if mark:
            flush()  # before waiting for more input: everything read so far is answered
        data = next_input(stdin, time.monotonic() + POLL_FOR)
        if not data:
            return
        buffer += data
        # A batch's FLUSH_EVERY counts from when its input came, not from the last frame: after an
        # idle spell the first job would otherwise be answered alone, two frames (two `update` hooks
        # in the proxy) for one read.
        last_flush = time.monotonic()


def read_remote(pid: int | None, address: int, length: int) -> bytes:
    """A KIND_REMOTE job's body, out of the proxy's memory."""
    if pid is None:
        raise OSError("a body by address, but the proxy never said whose memory (--read-pid)")
    return crossmem.read(pid, address, length)


def hello(stdout: BinaryIO, read_pid: int, probe_address: int) -> int | None:
    """Try reading crossmem.PROBE from the proxy and tell it whether that worked (offload's wire:
    the first frame, watermark 0, a JSON object). Returns the pid to read bodies from, or None."""
    why = crossmem.probe(read_pid, probe_address, len(crossmem.PROBE))
    data = json.dumps({"remote_read": why is None, "why": why}).encode()
    stdout.write(_REPLY.pack(0, len(data)) + data)
    stdout.flush()
    return read_pid if why is None else None


def lower_priority() -> None:
    """Traffic first: validation takes only CPU time nothing else wants; a backlog past the
    Validator's bounds is shed and counted (``not_validated_busy``), never queued forever.

    Linux's SCHED_IDLE (sched(7)) runs the worker only when nothing else on its CPU is runnable, and
    a waking proxy, load generator or upstream preempts it at once. Nice 10, used before, still gave
    the worker about a tenth of a contended CPU and let it finish its time slice before a woken task
    ran: with a 1 MB agent conversation per request, wrk and nginx beside it lost a third of their
    throughput (issue #12, docs/benchmarks.md "The agent conversation"). Where SCHED_IDLE is not
    available (not Linux), nice 10 as before.

    Not lower: where the kernel groups tasks by session (``CONFIG_SCHED_AUTOGROUP``), the worker,
    in a session of its own, keeps its group's share of a CPU, and that share is what keeps it from
    falling behind. Setting its autogroup to nice 19 as well (tried in session 12) left 13-26 % of the
    flagged benchmark's small bodies to be validated in place on the proxy's event loop (the fallback
    for a body the worker cannot take now), which cost the proxy more than the worker's CPU it saved."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return
    except (AttributeError, OSError):
        pass
    with contextlib.suppress(OSError):
        os.nice(10)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m toolguard_core.worker")
    parser.add_argument("--arena-fd", type=int, help="the proxy's shared memory for bodies (offload.Arena)")
    parser.add_argument("--read-pid", type=int, help="the proxy: read bodies from its memory (crossmem.py)")
    parser.add_argument("--probe", type=int, default=0, help="the address of crossmem.PROBE in the proxy")
    args = parser.parse_args()
    arena = mmap.mmap(args.arena_fd, 0, access=mmap.ACCESS_READ) if args.arena_fd is not None else None
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the proxy ends the worker by closing its input
    lower_priority()
    # The frames travel on file descriptor 1. A stray print() anywhere in the core or a library it
    # imports would land between them, the proxy would read its text as a frame length and wait
    # for bytes that never come: every flow given to the worker after it would stay unvalidated.
    # So the frames get a private copy of fd 1, and fd 1 itself (sys.stdout) goes to stderr.
    frames = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # Warm up before the first real body: the rules, the provider registry and the model catalog
    # load on first use, which would otherwise delay the first verdict by tens of milliseconds.
    warm_up = Context.from_json(b'{"url": "https://api.openai.com/v1/chat/completions", "max_body": 1048576}')
    handle(warm_up, 0, b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}', True)
    try:
        read_pid = hello(frames, args.read_pid, args.probe) if args.read_pid is not None else None
        serve(sys.stdin.fileno(), frames, arena, read_pid)
    except BrokenPipeError:
        # The proxy is gone (kill -9 of mitmdump): no one to answer, and a traceback on the user's
        # terminal after the proxy died would read as toolguard's crash. The same exit as at the
        # end of its input; os._exit, since flushing ``frames`` at exit would fail the same way.
        os._exit(0)


if __name__ == "__main__":
    main()
