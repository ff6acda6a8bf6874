"""Validation off mitmproxy's event loop: a worker process parses large bodies and runs the rules.

Parsing and the rules are pure Python: on the proxy's own thread they hold the interpreter lock
that mitmproxy's event loop needs (issue #12: a 1 MB agent conversation took about 3 ms of the loop
per request, and one body with a million tool messages stalled all traffic for tens of seconds).
So a body of ``offload_min_bytes`` or more is sent to a worker process and the request hook returns
at once: the request is forwarded without waiting for toolguard, and the verdict arrives later as
an :class:`asyncio.Future` resolved on the event loop. Smaller bodies are validated in place: for a
1 KB request the rules take about 30 µs, less than shipping the body to another process.

The worker is ``python -m toolguard_core.worker`` with the same ``sys.path`` as the proxy, so it
imports the very toolguard_core the proxy loaded (a checkout's ``addon/`` or an installed package),
and speaks length-prefixed frames on its stdin/stdout (:mod:`toolguard_core.worker`). No thread is
added to the proxy's process: frames are written and read by asyncio on the event loop.

Bodies travel through shared memory (:class:`Arena`, a memfd both processes map), not the pipe:
measured on the proxy's side with a real worker (process CPU time, 1 MB agent bodies four at a
time), the pipe cost 1.44 ms of the event loop per body (the join into one frame, the partial
writes, asyncio buffering the remainder while the worker drained it) and the arena 0.41-0.55 ms.
The pipe only carries the frame headers (the body's offset and length), and the body itself where
the arena is unavailable (a platform without ``memfd_create``) or momentarily full.

Work is bounded: at most ``max_pending`` bodies (and ``max_pending_bytes``) wait for the worker;
past that a request is not validated and the caller counts it. A worker that dies is restarted on
the next request; the flows it held are failed with :class:`WorkerUnavailable` and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mmap
import os
import struct
import subprocess
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from toolguard_core.analyze import InternalError
from toolguard_core.findings import Finding, Severity

logger = logging.getLogger(__name__)

#: Bodies from this size on are validated in the worker; smaller ones in place (cheaper than IPC).
DEFAULT_OFFLOAD_MIN_BYTES = 64 * 1024
#: A job the worker has not answered in this long means a hung worker (a rule stuck in a loop):
#: it is killed and restarted, and the flows it held are counted as not validated. The largest
#: bodies (toolguard_max_body, 32 MB) validate in seconds; issue #12's worst took tens of seconds.
DEFAULT_JOB_TIMEOUT = 120.0
_LENGTH = struct.Struct(">Q")
NO_BODY = 2**64 - 1


class WorkerUnavailable(Exception):
    """The body was not validated: the worker is busy past its bounds, or died."""


class WorkerNotReady(Exception):
    """The worker has not started yet (or could not): the caller validates in place."""


@dataclass(slots=True)
class WorkerResult:
    """What the worker sends back: findings plus the few body facts the store needs."""

    findings: list[Finding]
    model: str | None
    stream: bool | None
    is_json: bool
    internal_errors: list[InternalError] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict) -> WorkerResult:
        return cls(
            findings=[
                Finding(rule=r, severity=Severity(s), location=loc, message=m)
                for r, s, loc, m in data["findings"]
            ],
            model=data["model"],
            stream=data["stream"],
            is_json=data["is_json"],
            internal_errors=[InternalError(where=w, error=e) for w, e in data["internal_errors"]],
        )


def encode_job(job_id: int, body: bytes | None, header: dict[str, object]) -> bytes:
    head = json.dumps({"id": job_id, **header}).encode()
    size = NO_BODY if body is None else len(body)
    return b"".join((_LENGTH.pack(len(head)), head, _LENGTH.pack(size), body or b""))


def _worker_env() -> dict[str, str]:
    """The proxy's sys.path, so ``-m toolguard_core.worker`` imports this very package."""
    here = str(Path(__file__).resolve().parent.parent)
    paths = [here, *(p for p in sys.path if p and p != here)]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(paths), PYTHONWARNINGS="ignore")


def _grow_pipe(proc: WorkerProcess) -> None:
    """A 1 MiB pipe (Linux's default maximum) instead of 64 KiB: a large body goes to the worker in
    a few writes instead of waiting in asyncio's write buffer, which shifts its remainder on every
    partial write."""
    try:
        import fcntl

        pipe = proc.stdin.get_extra_info("pipe") if proc.stdin is not None else None
        if pipe is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass


class Arena:
    """A ring of shared memory for the bodies waiting for the worker.

    The worker answers jobs in the order it receives them, so regions are released in the order
    they were taken: a ring with a head (where the next body goes) and the oldest region still in
    use. Its size is the Validator's ``max_pending_bytes``, the bound the backlog already had, and
    all of it is resident (shared memory, allocated at start; see __init__).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.fd = os.memfd_create("toolguard-bodies")
        try:
            os.ftruncate(self.fd, size)
            # Its pages allocated now, once: copying a 30 MB body into pages never touched cost the
            # event loop 7,500 page allocations, about 0.2 s on a busy machine (issue #12's
            # million-message request). They are shared memory, counted once in RSS.
            os.posix_fallocate(self.fd, 0, size)
            populate = getattr(mmap, "MAP_POPULATE", 0)  # mapped now too: no fault per page later
            self.map = mmap.mmap(self.fd, size, flags=mmap.MAP_SHARED | populate)
        except OSError:
            os.close(self.fd)
            raise
        # (job id, start, end) of the regions in use, oldest first.
        self._regions: deque[tuple[int, int, int]] = deque()
        self._head = 0

    def put(self, job_id: int, body: bytes) -> int | None:
        """Copy ``body`` into a free region and return its offset; None when no region fits now."""
        start = self.reserve(job_id, len(body))
        if start is not None:
            self.map[start : start + len(body)] = body
        return start

    def reserve(self, job_id: int, size: int) -> int | None:
        """Take a free region of ``size`` bytes for ``job_id`` (its body is copied in by the caller)
        and return its offset; None when no region fits now."""
        start = self._place(size)
        if start is None:
            return None
        self._regions.append((job_id, start, start + size))
        self._head = start + size
        return start

    def _place(self, size: int) -> int | None:
        if not self._regions:
            return 0 if size <= self.size else None
        oldest = self._regions[0][1]
        if self._head >= oldest:  # in use: [oldest, head); free: [head, size) and [0, oldest)
            if self._head + size <= self.size:
                return self._head
            return 0 if size <= oldest else None
        # Wrapped, in use: [oldest, size) and [0, head); free: [head, oldest).
        return self._head if self._head + size <= oldest else None

    def release_through(self, job_id: int) -> None:
        """The worker answered ``job_id``, so it is done with every body sent before it too."""
        while self._regions and self._regions[0][0] <= job_id:
            self._regions.popleft()
        if not self._regions:
            self._head = 0

    def reset(self) -> None:
        """The worker is gone: nothing reads the arena any more."""
        self._regions.clear()
        self._head = 0

    def close(self) -> None:
        self.reset()
        self.map.close()
        os.close(self.fd)


#: Bodies at least this large are copied into the arena on a thread, with ``os.pwrite`` (which
#: releases the interpreter lock while the kernel copies), not on the event loop: copying the
#: million-tool-message request's 29 MB into the mapping held the loop about 70 ms, and small
#: requests on other connections waited behind it (issue #12; py-spy: ``Validator._send`` →
#: ``Arena.put``). Smaller bodies stay on the loop: a thread hop costs about what copying 4 MB does.
THREADED_COPY_MIN_BYTES = 4 * 1024 * 1024


def _copy_into(fd: int, body: bytes, start: int) -> None:
    """Write ``body`` at ``start`` of the arena's memfd (``fd``: a duplicate this function closes, so
    the file outlives an arena closed meanwhile and the number is never another file's)."""
    try:
        view = memoryview(body)
        done = 0
        while done < len(view):
            done += os.pwrite(fd, view[done:], start + done)
    finally:
        os.close(fd)


def _open_arena(size: int) -> Arena | None:
    """The shared-memory ring, or None where it cannot be made (bodies then go through the pipe)."""
    if not hasattr(os, "memfd_create"):
        return None
    try:
        return Arena(size)
    except OSError as exc:
        logger.info("toolguard: no shared memory for the worker (%r); bodies go through its pipe", exc)
        return None


class WorkerProcess:
    """The worker's process, with its pipes as asyncio streams (``stdin`` a StreamWriter, ``stdout`` a
    StreamReader), ``pid``, ``returncode`` and ``kill()`` as asyncio's ``Process`` has them.

    Spawned with :class:`subprocess.Popen` (as asyncio itself does, on the loop) and connected with
    ``connect_read_pipe``/``connect_write_pipe`` instead of ``asyncio.create_subprocess_exec``: when
    mitmdump stops within a second of starting, asyncio's shutdown cancels every task, including the
    one connecting a new subprocess transport's pipes, and CPython's ``_make_subprocess_transport``
    then awaits that transport's exit forever (pipes that never connected never report closed), so
    mitmdump never exits (measured: 1 stop in 5 right after start-up hung). Cancelling these awaits
    only closes the transports, and the process is killed here.
    """

    def __init__(
        self, popen: subprocess.Popen[bytes], stdin: asyncio.StreamWriter, stdout: asyncio.StreamReader
    ):
        self.popen = popen
        self.stdin: asyncio.StreamWriter | None = stdin
        self.stdout: asyncio.StreamReader | None = stdout

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()  # also reaps it once it has ended

    def kill(self) -> None:
        self.popen.kill()

    async def wait(self) -> int:
        """Its exit status, without blocking the loop (polled: no child watcher involved)."""
        while (code := self.popen.poll()) is None:
            await asyncio.sleep(0.02)
        return code

    @classmethod
    async def spawn(
        cls, args: list[str], *, pass_fds: tuple[int, ...], env: dict[str, str], limit: int
    ) -> WorkerProcess:
        popen = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            pass_fds=pass_fds,
            env=env,
            # Its own session: Ctrl-C at the terminal stops mitmdump, which then closes the
            # worker's input; the worker must not die first with flows still in it.
            start_new_session=True,
        )
        assert popen.stdin is not None and popen.stdout is not None
        loop = asyncio.get_running_loop()
        try:
            reader = asyncio.StreamReader(limit=limit, loop=loop)
            await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader, loop=loop), popen.stdout
            )
            transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, popen.stdin)
        except BaseException:  # cancelled while stopping, or the pipes failed: no orphan worker
            with contextlib.suppress(ProcessLookupError):
                popen.kill()
            popen.stdin.close()
            popen.stdout.close()
            raise
        return cls(popen, asyncio.StreamWriter(transport, protocol, None, loop), reader)


class Validator:
    """The proxy's handle on the worker process."""

    def __init__(
        self,
        max_pending: int = 32,
        max_pending_bytes: int = 64 * 1024 * 1024,
        job_timeout: float = DEFAULT_JOB_TIMEOUT,
    ) -> None:
        self.max_pending = max_pending
        self.max_pending_bytes = max_pending_bytes
        self.job_timeout = job_timeout
        self.restarts = 0
        self.failed_start: str | None = None
        self._started = False  # a worker process ran once: from then on one that died is restarted
        self._proc: WorkerProcess | None = None
        self._reader: asyncio.Task[None] | None = None
        self._starting: asyncio.Task[None] | None = None
        self._futures: dict[int, tuple[asyncio.Future[WorkerResult], int]] = {}
        self._pending_bytes = 0
        self._next_id = 0
        self._arena: Arena | None = None
        # Jobs submitted while the first worker starts, sent once it is up (see submit).
        self._waiting: list[tuple[int, bytes | None, dict[str, object]]] = []
        # A large body being copied into the arena on a thread (THREADED_COPY_MIN_BYTES), and the
        # jobs sent after it, held so the worker gets jobs in order (it answers in order, and the
        # arena releases regions in that order) and no region is taken while the copy runs.
        self._copying = False
        self._held: deque[tuple[WorkerProcess, int, bytes | None, dict[str, object]]] = deque()
        #: Bodies sent through the pipe because the arena was full or missing (tests read it).
        self.piped = 0

    @property
    def pending(self) -> int:
        return len(self._futures)

    def launch(self) -> None:
        """Start the worker in the background on the running event loop (no-op without one)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._starting is None or self._starting.done():
            self._starting = loop.create_task(self.start())

    async def start(self) -> None:
        try:
            await self._start()
        except Exception as exc:  # bodies are then validated in place; said once
            self.failed_start = repr(exc)
            logger.warning("toolguard: cannot start the validation worker (%r); validating in place", exc)
            waiting, self._waiting = self._waiting, []
            for job_id, _body, _header in waiting:  # their callers validate them in place
                entry = self._futures.pop(job_id, None)
                if entry is not None:
                    self._pending_bytes -= entry[1]
                    if not entry[0].done():
                        entry[0].set_exception(
                            WorkerNotReady(f"the validation worker could not start: {exc!r}")
                        )

    async def _start(self) -> None:
        if self._arena is None:  # one arena for the Validator's life: a restarted worker maps it again
            # Allocating and mapping 64 MB takes a tenth of a second: on a thread, not the loop.
            self._arena = await asyncio.get_running_loop().run_in_executor(
                None, _open_arena, self.max_pending_bytes
            )
        arena_args = ["--arena-fd", str(self._arena.fd)] if self._arena is not None else []
        proc = await WorkerProcess.spawn(
            [sys.executable, "-m", "toolguard_core.worker", *arena_args],
            pass_fds=(self._arena.fd,) if self._arena is not None else (),
            env=_worker_env(),
            limit=2**26,
        )
        _grow_pipe(proc)
        self._proc = proc
        self._started = True
        # Until this line, bodies are validated in place (WorkerNotReady); tests wait for it.
        logger.info("toolguard: validation worker started (pid %d)", proc.pid)
        self._reader = asyncio.get_running_loop().create_task(self._read(proc))
        waiting, self._waiting = self._waiting, []
        for job_id, body, header in waiting:
            self._send(proc, job_id, body, header)

    def submit(self, body: bytes | None, header: dict[str, object]) -> asyncio.Future[WorkerResult]:
        """Queue ``body`` for validation; :class:`WorkerUnavailable` when it cannot be.

        While the first worker is still starting (about a second of imports, more on a busy
        machine), bodies wait for it within the same bounds: validating a large body in place would
        hold the event loop (issue #12: a 30 MB request sent right after start-up stalled every
        other flow for seconds). :class:`WorkerNotReady` only when no worker is being started."""
        proc = self._proc
        starting = proc is None and not self._started
        if starting and (self._starting is None or self._starting.done()):
            raise WorkerNotReady("the validation worker has not started")
        if not starting and (proc is None or proc.returncode is not None or proc.stdin is None):
            self._restart()
            raise WorkerUnavailable("the validation worker stopped and is restarting")
        size = len(body or b"")
        if len(self._futures) >= self.max_pending or self._pending_bytes + size > self.max_pending_bytes:
            raise WorkerUnavailable(f"{len(self._futures)} requests already wait for validation")
        self._next_id += 1
        job_id = self._next_id
        loop = asyncio.get_running_loop()
        future: asyncio.Future[WorkerResult] = loop.create_future()
        self._futures[job_id] = (future, size)
        self._pending_bytes += size
        if starting:
            self._waiting.append((job_id, body, header))  # sent by _start
        else:
            assert proc is not None
            self._send(proc, job_id, body, header)
        return future

    def _send(self, proc: WorkerProcess, job_id: int, body: bytes | None, header: dict[str, object]) -> None:
        if self._copying or self._held:
            self._held.append((proc, job_id, body, header))
            return
        size = len(body or b"")
        if self._arena is not None and body and size >= THREADED_COPY_MIN_BYTES:
            start = self._arena.reserve(job_id, size)
            if start is not None:
                self._copying = True
                copy = asyncio.get_running_loop().run_in_executor(
                    None, _copy_into, os.dup(self._arena.fd), body, start
                )
                copy.add_done_callback(lambda done: self._copied(done, proc, job_id, body, start, header))
                return
        self._write_job(proc, job_id, body, header)

    def _copied(
        self,
        copy: asyncio.Future[None],
        proc: WorkerProcess,
        job_id: int,
        body: bytes,
        start: int,
        header: dict[str, object],
    ) -> None:
        """A large body is in the arena: send its job, then the jobs held behind it, in order."""
        self._copying = False
        # Shutting down, or its worker gone or dying: _fail_all (or _read, at the worker's end)
        # fails the flow, so there is nothing to send.
        sendable = not copy.cancelled() and job_id in self._futures and proc is self._proc
        if sendable and proc.returncode is None and self._arena is not None:
            if copy.exception() is None:
                self._write_header(proc, job_id, {**header, "arena": [start, len(body)]})
            else:  # the shared memory failed: the pipe still works
                logger.warning("toolguard: could not copy a body to shared memory (%r)", copy.exception())
                self.piped += 1
                self._write_header(proc, job_id, header, body)
        held, self._held = self._held, deque()
        while held and not self._copying:
            self._send(*held.popleft())
        self._held.extend(held)  # behind the next large copy

    def _write_job(
        self, proc: WorkerProcess, job_id: int, body: bytes | None, header: dict[str, object]
    ) -> None:
        size = len(body or b"")
        offset = self._arena.put(job_id, body) if self._arena is not None and body else None
        if offset is not None:
            self._write_header(proc, job_id, {**header, "arena": [offset, size]})
        else:
            self.piped += body is not None
            self._write_header(proc, job_id, header, body)

    def _write_header(
        self, proc: WorkerProcess, job_id: int, header: dict[str, object], body: bytes | None = None
    ) -> None:
        """Write the job to the worker (its body inline when not in the arena) and start its deadline."""
        assert proc.stdin is not None
        proc.stdin.write(encode_job(job_id, body, header))
        entry = self._futures.get(job_id)
        if entry is None:
            return
        # Without a deadline a hung worker would hold its flows forever: answered flows never
        # stored, and past max_pending every large body refused as busy.
        timer = asyncio.get_running_loop().call_later(self.job_timeout, self._overdue, proc, job_id)
        entry[0].add_done_callback(lambda _: timer.cancel())

    def _overdue(self, proc: WorkerProcess, job_id: int) -> None:
        if job_id not in self._futures or proc is not self._proc or proc.returncode is not None:
            return
        logger.warning(
            "toolguard: the validation worker has not answered in %ss; stopping it", self.job_timeout
        )
        with contextlib.suppress(ProcessLookupError):
            proc.kill()  # _read sees the end of its output, fails its flows, and it is restarted

    async def _read(self, proc: WorkerProcess) -> None:
        assert proc.stdout is not None
        try:
            while True:
                length = _LENGTH.unpack(await proc.stdout.readexactly(_LENGTH.size))[0]
                data = json.loads(await proc.stdout.readexactly(length))
                if self._arena is not None and isinstance(data["id"], int):
                    self._arena.release_through(data["id"])
                entry = self._futures.pop(data["id"], None)
                if entry is None:
                    continue
                future, size = entry
                self._pending_bytes -= size
                if not future.done():
                    future.set_result(WorkerResult.from_json(data))
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, KeyError, TypeError) as exc:
            # The end of its output, or an answer toolguard cannot read: either way this worker is
            # done with (a half-read frame leaves the stream out of step); its flows are failed below.
            if proc is self._proc:
                logger.warning("toolguard: the validation worker stopped (%r); restarting it", exc)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        finally:
            if proc is self._proc:
                self._fail_all(WorkerUnavailable("the validation worker stopped"))
                self._proc = None

    def _fail_all(self, exc: Exception) -> None:
        futures, self._futures, self._pending_bytes = self._futures, {}, 0
        self._waiting = []
        self._held.clear()  # their futures are failed below; a copy in flight keeps _copying set
        if self._arena is not None:
            self._arena.reset()
        for future, _size in futures.values():
            if not future.done():
                future.set_exception(exc)

    def _restart(self) -> None:
        if self._starting is not None and not self._starting.done():
            return
        self.restarts += 1
        self.launch()

    def close(self) -> None:
        """Stop the worker (it holds nothing to save) and fail what it still held."""
        proc, self._proc = self._proc, None
        self._fail_all(WorkerUnavailable("toolguard is shutting down"))
        arena, self._arena = self._arena, None
        if arena is not None:
            arena.close()
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the worker exits at the end of its input
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
