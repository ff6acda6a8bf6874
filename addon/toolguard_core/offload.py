"""Validation off mitmproxy's event loop: a worker process parses the bodies and runs the rules.

Parsing and the rules are pure Python: on the proxy's own thread they hold the interpreter lock
that mitmproxy's event loop needs (issue #12: a 1 MB agent conversation took about 3 ms of the loop
per request, and one body with a million tool messages stalled all traffic for tens of seconds).
So a body of ``offload_min_bytes`` or more is handed to a worker process and the request hook
returns at once: the request is forwarded without waiting for toolguard, and the verdict comes
back later in a batch (:class:`Validator`).

The handoff is made nearly free for the loop, because in observe mode it is all the loop does for
a request (issue #12: the small request's +3 % target is about 36 µs of a 1.2 ms request): a
fixed-size binary descriptor per job (sequence number, offset and length in shared memory, a
context id), one ``write`` per FLUSH_DELAY (10 ms) for every job queued meanwhile, no Future,
timer or JSON per job. The worker answers in batches: a watermark ("every job up to N is done") and full
results only for the jobs with findings or internal errors; a clean job costs the loop nothing but
being passed by the watermark. What the jobs of a route share (URL, provider options, limits,
learned knowledge) goes to the worker once, as a context the descriptors name by id.

The worker is ``python -m toolguard_core.worker`` with the same ``sys.path`` as the proxy, so it
imports the very toolguard_core the proxy loaded (a checkout's ``addon/`` or an installed package),
and speaks this wire on its stdin/stdout (:mod:`toolguard_core.worker`). No thread is added to the
proxy's process: descriptors are written and replies read by asyncio on the event loop.

Bodies travel through shared memory (:class:`Arena`, a memfd both processes map), not the pipe:
measured on the proxy's side with a real worker (process CPU time, 1 MB agent bodies four at a
time), the pipe cost 1.44 ms of the event loop per body (the join into one frame, the partial
writes, asyncio buffering the remainder while the worker drained it) and the arena 0.41-0.55 ms.
The pipe carries a body only where the arena is unavailable (a platform without ``memfd_create``)
or momentarily full. Where the worker may read the proxy's memory (:mod:`toolguard_core.crossmem`,
Linux's ``process_vm_readv``, probed at each worker's start), a body is not copied at all: its
descriptor carries its address and the worker copies it out on its own CPU (KIND_REMOTE).

Work is bounded: at most ``max_pending`` bodies (and ``max_pending_bytes``) wait for the worker;
past that a request is not validated and the caller counts it (a small one is validated in place
instead). A worker that dies, or whose oldest job waits ``job_timeout`` (one periodic sweep), is
stopped and restarted. The jobs a dead worker held are sent again to the next one, once each:
their bodies are kept (a reference, not a copy) until the worker answers. A job held by two workers
that both died comes back through ``on_lost`` as :class:`WorkerCrashed`, never sent a third time (its
body may be what kills them); the one a hung worker was stuck on comes back at once (its body hung
it). ``on_lost`` also has the jobs of a worker that could not be restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mmap
import operator
import os
import struct
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from itertools import islice, repeat
from pathlib import Path

from toolguard_core import crossmem
from toolguard_core.analyze import InternalError
from toolguard_core.findings import Finding, Severity

logger = logging.getLogger(__name__)

#: What a job's context is made of, asked for only the first time its key is used with a worker.
HeaderSource = Callable[[], dict[str, object]]

#: Bodies from this size on are validated in the worker (``toolguard_offload``): every body. With the
#: batched wire the handoff costs the loop less than validating even a 1 KB body in place (issue
#: #12, docs/benchmarks.md: the small request's added loop CPU +0.17-0.31 ms in place, within noise
#: of zero in the worker).
DEFAULT_OFFLOAD_MIN_BYTES = 0
#: A body below this size costs less validated in place than not validated: one the worker cannot
#: take now (past its bounds, restarting, or not started yet) is validated on the loop (about 40 µs
#: for 1 KB) instead of counted as busy; and with ``toolguard_offload`` 0, WebSocket messages below
#: it are judged on their own thread (which would otherwise wait on the worker's reply for each).
SMALL_BODY_BYTES = 64 * 1024
#: A job the worker has spent this long on means a hung worker (a rule stuck in a loop, or a stopped
#: process): it is killed and restarted, and the flows it held are counted as not validated. The
#: largest bodies (toolguard_max_body, 32 MB) validate in seconds; issue #12's worst took tens of
#: seconds. Only the time the worker was not waiting for a CPU counts (``/proc/PID/schedstat``, ``stat``):
#: under SCHED_IDLE (worker.lower_priority) a worker on a machine busy with a build gets no CPU for
#: minutes, and that worker is starved, not hung (see Validator._sweep_now).
DEFAULT_JOB_TIMEOUT = 120.0
# The wire (issue #12: the loop's share of a job must be a few microseconds, so no JSON, no Future
# and no timer per job on the proxy's side).
#
# Proxy -> worker, on the worker's stdin: fixed-size descriptors, written in one ``write`` per
# FLUSH_DELAY (however many jobs were queued meanwhile). Each is (kind, flags, seq, offset, length,
# context id); a KIND_CONTEXT or KIND_INLINE descriptor is followed by ``length`` bytes (the
# context's JSON, or the body itself when the shared memory could not take it).
_DESC = struct.Struct("<BBQQQI")
KIND_ARENA = 1  #: a job whose body is in the arena at ``offset``
KIND_INLINE = 2  #: a job whose body follows the descriptor
KIND_NO_BODY = 3  #: a job without a body
KIND_CONTEXT = 4  #: a context (what the job's route and options are) the jobs after it name by id
KIND_FORGET = 5  #: the contexts sent so far are no longer used (the options or knowledge changed)
#: a job whose body the worker reads from the proxy's memory at address ``offset`` (crossmem.py)
KIND_REMOTE = 6
#: The job's caller waits for its full result even when it has nothing to say (WebSocket turns).
FLAG_FULL = 1
# Worker -> proxy, on its stdout: one frame per batch of jobs, (watermark, length) and then
# ``length`` bytes of JSON: the full results of the jobs in the batch that have findings or
# internal errors (or FLAG_FULL). The watermark says "every job up to this seq is done": a job at
# or below it without a result was clean, and its body's region of the arena is free again. A
# worker started with ``--read-pid`` first sends one frame with watermark 0 and a JSON object, its
# hello: ``{"remote_read": true}`` when it could read crossmem.PROBE from the proxy, else
# ``{"remote_read": false, "why": "..."}``.
_REPLY = struct.Struct("<QI")


def cpu_reading(pid: int) -> tuple[float, bool] | None:
    """The process's CPU time so far (seconds) and whether it is runnable now (running, or waiting
    for a CPU), or None where the kernel does not say (not Linux, the process gone).

    The CPU time is the first field of ``/proc/PID/schedstat`` (Documentation/scheduler/
    sched-stats.rst, nanoseconds, up to date when read); runnable is state ``R`` in
    ``/proc/PID/stat`` (proc(5)). Its second field, the time spent waiting on a run queue, is not
    used: the kernel adds a wait to it only when the task gets a CPU back, so a starved task's
    figure lags by its wait in progress (measured: a SCHED_IDLE task beside a busy loop, lumps of
    up to 0.7 s). The worker validates on its main thread, so the main thread's figures are the
    worker's."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as schedstat:
            ran = int(schedstat.read().split()[0]) / 1e9
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # The state follows the command name, which is in parentheses and may hold anything.
            runnable = stat.read().rpartition(b")")[2].split()[0] == b"R"
    except (OSError, IndexError, ValueError):
        return None
    return ran, runnable


@dataclass(slots=True)
class _Watch:
    """What the sweeps saw of the worker's oldest job: which worker and job, since when it is the
    job's clock (``start``), how long of it the worker spent (``busy``) and waited for a CPU
    (``wait``), and the latest reading (``at``, ``ran``)."""

    pid: int
    seq: int
    start: float
    busy: float
    wait: float
    at: float
    ran: float


class WorkerUnavailable(Exception):
    """The body was not validated: the worker is busy past its bounds, or died."""


class WorkerCrashed(WorkerUnavailable):
    """The body was held by two workers that both died: it may be what kills them, so it is not
    sent to a third (docs/robustness.md)."""


#: How many workers may die holding one job before it is given up as :class:`WorkerCrashed`: the
#: first death is retried (a ``kill -9``, the OOM killer picking the worker), the second is not.
MAX_WORKER_DEATHS = 2


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
    def from_row(cls, row: list) -> WorkerResult:
        """A result as the worker sends it: ``[seq, findings, model, stream, is_json, internal_errors]``."""
        _seq, findings, model, stream, is_json, internal_errors = row
        return cls(
            findings=[_finding(*f) for f in findings],
            model=model,
            stream=stream,
            is_json=is_json,
            internal_errors=[InternalError(where=w, error=e) for w, e in internal_errors],
        )


#: Findings already made, by their wire form: an agent resends the same failing request, and every
#: request to a local server carries the same model.rules-skipped note, so the same few findings come
#: back again and again; a Finding is frozen, so one object serves them all (issue #12: validating
#: each anew was most of reading a flagged reply). Bounded; emptied when full.
MAX_FINDINGS_MADE = 512
_findings_made: dict[tuple[str, str, str, str], Finding] = {}


def _finding(rule: str, severity: str, location: str, message: str) -> Finding:
    key = (rule, severity, location, message)
    made = _findings_made.get(key)
    if made is None:
        if len(_findings_made) >= MAX_FINDINGS_MADE:
            _findings_made.clear()
        made = _findings_made[key] = Finding(
            rule=rule, severity=Severity(severity), location=location, message=message
        )
    return made


#: What a job with FLAG_FULL gets when the worker had nothing to say about it (never sent: the
#: worker always answers such a job in full; a guard against a reader that would wait forever).
CLEAN = WorkerResult(findings=[], model=None, stream=None, is_json=False)


def encode_job(
    kind: int, seq: int, *, offset: int = 0, length: int = 0, context: int = 0, flags: int = 0
) -> bytes:
    return _DESC.pack(kind, flags, seq, offset, length, context)


def encode_context(context: int, header: dict[str, object]) -> bytes:
    data = json.dumps(header).encode()
    return _DESC.pack(KIND_CONTEXT, 0, 0, 0, len(data), context) + data


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
        regions, head = self._regions, self._head
        if not regions:
            start: int | None = 0 if size <= self.size else None
        # Wrapped when the newest region starts below the oldest. Not ``head < oldest``: a body that
        # fills the gap up to the oldest exactly leaves head == oldest, which read as "not wrapped"
        # put the next body at 0, over a body the worker had not read yet (found when the bench's
        # agent turns became distinct bodies: the same bytes written over the same bytes hid it).
        elif regions[-1][1] >= (
            oldest := regions[0][1]
        ):  # in use: [oldest, head); free: [head, size), [0, oldest)
            # After the last body while it fits, back to the start only then. Going back to the start
            # as soon as a body fitted there (perf8, for the warm pages of small bodies) left a gap
            # at the start no larger than one body, and once wrapped the ring can place only in that
            # gap: with ~1 MB agent turns it refused bodies while ~60 MB were free after the old
            # ones, and a fifth of them were shed with the worker idle 70 % of the time (issue #12,
            # docs/benchmarks.md, the eleventh session's runs; before that change they were piped).
            start = head if head + size <= self.size else 0 if size <= oldest else None
        else:  # wrapped, in use: [oldest, size) and [0, head); free: [head, oldest)
            start = head if head + size <= oldest else None
        if start is None:
            return None
        regions.append((job_id, start, start + size))
        self._head = start + size
        return start

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


#: Bodies below this size go through the pipe right after their descriptor instead of the arena:
#: for a 1 KB request, reserving and releasing a region and writing into the 64 MB mapping cost the
#: event loop more than the ~1 KB the window's one ``write`` carries in addition (callgrind,
#: bench_instr.py: 80.4k -> 77.6k instructions per small clean flow; docs/benchmarks.md, perf9),
#: and the mapping's pages are not touched at all. Larger bodies still take the arena (issue #12: a
#: 1 MB body written into the pipe cost the loop ~3 ms).
INLINE_MAX_BYTES = 4096

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


#: How long the descriptors queued on the loop wait before they are written: one write (which wakes
#: the worker only when it sleeps: while traffic lasts it polls, worker.POLL_SECONDS) and so one
#: reply frame (one wake of the loop) for every job of that window instead of per request. Measured live (bench_proxy --only small, 2026-11-30 17:44-17:50 UTC, load 1.4-3,
#: added loop CPU per small request): 0 (a write per loop turn) +0.186 and +0.224 ms; 5 ms +0.099
#: and +0.131 ms; 10 ms +0.066 ms; the worker's own CPU 0.14 -> 0.09-0.11 ms. In observe mode the
#: verdict is not awaited by the request, so 10 ms later costs nothing but holding the flow that long.
FLUSH_DELAY = 0.010

#: How many contexts the proxy keeps ids for before it starts over (KIND_FORGET): one per distinct
#: (URL, Content-Encoding) under one set of options and learned knowledge, so a handful in practice.
MAX_CONTEXTS = 1024


def _field(index: int, doc: str) -> property:
    """A :class:`_Job` field: read at C speed (``itemgetter``), written in place (rare: a resend)."""

    def write(job: list[object], value: object) -> None:
        job[index] = value

    return property(operator.itemgetter(index), write, doc=doc)


#: A _Job's owner, for a whole reply's jobs at once (Validator._answered).
_OWNER_OF = operator.itemgetter(3)
_SIZE_OF = operator.itemgetter(1)


class _Job(list):  # type: ignore[type-arg]
    """A job the worker has not answered: ``owner`` is the caller's (a Future resolved here, or
    an object handed back through ``on_done``/``on_lost``). The body, its context and flags are
    kept to send it again should the worker die first (``deaths``: how many did, holding it).

    Made from one tuple of its nine fields in order, ``_Job((seq, size, sent_at, owner, body,
    context, header, flags, deaths))``: list's own ``__init__`` and C-level getters, where a
    dataclass's generated ``__init__`` was 28 bytecodes of every request (issue #12, session 20)."""

    __slots__ = ()
    seq = _field(0, "its sequence number (the worker answers in this order)")
    size = _field(1, "the body's size")
    sent_at = _field(2, "time.monotonic() when it was sent (to this worker)")
    owner = _field(3, "the caller's: a Future, or what on_done/on_lost hand back")
    body = _field(4, "the body, kept to send again should the worker die first")
    context = _field(5, "the context key it is validated under")
    header = _field(6, "the context's header source")
    flags = _field(7, "the descriptor's flags (FLAG_FULL)")
    deaths = _field(8, "how many workers died holding it")


class Validator:
    """The proxy's handle on the worker process.

    Two ways in. :meth:`enqueue` is the HTTP request hook's: no Future, no timer and no JSON per
    job, one ``write`` per FLUSH_DELAY for all the jobs queued meanwhile; the worker answers in batches
    and the owners of the jobs a batch finished come back through ``on_done`` in one call, with
    ``None`` for the clean ones (the worker says nothing about them but the watermark). Jobs a dead
    or hung worker held come back through ``on_lost``. :meth:`submit` wraps the same path in an
    :class:`asyncio.Future` for callers that wait on one result (the WebSocket worker, tests).
    """

    def __init__(
        self,
        max_pending: int = 256,
        max_pending_bytes: int = 64 * 1024 * 1024,
        job_timeout: float = DEFAULT_JOB_TIMEOUT,
        remote_read: bool = True,
    ) -> None:
        self.max_pending = max_pending
        self.max_pending_bytes = max_pending_bytes
        self.job_timeout = job_timeout
        self.restarts = 0
        #: Jobs sent again to a new worker because the one holding them died (tests read it).
        self.resent = 0
        self.failed_start: str | None = None
        #: Called on the event loop with ``[(owner, result or None for clean), ...]`` per batch.
        self.on_done: Callable[[list[tuple[object, WorkerResult | None]]], None] | None = None
        #: Called on the event loop with the owners of jobs that will never be answered, and why.
        self.on_lost: Callable[[list[object], Exception], None] | None = None
        self._started = False  # a worker process ran once: from then on one that died is restarted
        self._proc: WorkerProcess | None = None
        self._reader: asyncio.Task[None] | None = None
        self._starting: asyncio.Task[None] | None = None
        self._jobs: deque[_Job] = deque()  # unanswered, in seq order (the worker answers in order)
        self._pending_bytes = 0
        self._next_id = 0
        self._arena: Arena | None = None
        # Context ids (what the worker needs about a job's route and options, sent once) and what
        # is queued for the worker's stdin until the end of this loop turn.
        self._contexts: dict[Hashable, int] = {}
        self._next_context = 0
        self._out: list[bytes] = []
        self._flushing = False
        self._sweep: asyncio.TimerHandle | None = None
        self._hung: int | None = None  # the job a worker stopped by the sweep was stuck on
        self._watch: _Watch | None = None  # the sweep's last look at the oldest job (_busy_on)
        #: Workers stopped as hung: ``job_timeout`` spent on one job, not waiting for a CPU.
        self.hung = 0
        #: Times a worker passed ``job_timeout`` on a job while waiting for a CPU most of it (the
        #: machine busy with other work): starved, not hung, so not stopped (one per spell).
        self.starved = 0
        self._starving = False
        # Jobs submitted while the first worker starts, written once it is up (see enqueue).
        self._waiting: list[tuple[int, bytes | None, Hashable, HeaderSource, int]] = []
        # A large body being copied into the arena on a thread (THREADED_COPY_MIN_BYTES), and the
        # jobs sent after it, held so the worker gets jobs in order (it answers in order, and the
        # arena releases regions in that order) and no region is taken while the copy runs.
        self._copying = False
        self._held: deque[tuple[WorkerProcess, int, bytes | None, Hashable, HeaderSource, int]] = deque()
        #: Bodies of INLINE_MAX_BYTES or more sent through the pipe: the arena is missing, or was full
        #: for a job held behind a large body's copy (tests read it).
        self.piped = 0
        #: Bodies shed (WorkerUnavailable) because the arena could not place them although the
        #: backlog was under its byte bound (the ring's end wasted, at most one body's size).
        self.arena_full = 0
        #: Ask each worker to read bodies from the proxy's memory (crossmem.py); False: the arena.
        self.remote_read = remote_read and crossmem.available()
        #: The running worker said it can (its hello): bodies go to it by address, not copied.
        self.reads_remote = False
        #: Why the last worker could not read the proxy's memory (None: it could, or was not asked).
        self.remote_refused: str | None = None
        #: Bodies the worker read from the proxy's memory (tests read it).
        self.remote_bodies = 0
        self._closed = False  # close() was called: the worker is not started again

    @property
    def pending(self) -> int:
        return len(self._jobs)

    @property
    def ready(self) -> bool:
        """A worker is running (jobs go to it at once, not to a start-up queue)."""
        proc = self._proc
        return proc is not None and proc.returncode is None

    def outstanding(self) -> list[object]:
        """The owners of the jobs not answered yet, oldest first."""
        return [job.owner for job in self._jobs]

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
            self._waiting = []
            if not self._started:  # the jobs waiting for the first worker: validated in place
                self._fail_all(WorkerNotReady(f"the validation worker could not start: {exc!r}"))
            else:  # a dead worker's jobs waiting to be sent again: nothing will answer them
                self._fail_all(WorkerUnavailable(f"the validation worker could not restart: {exc!r}"))

    async def _start(self) -> None:
        if self._arena is None:  # one arena for the Validator's life: a restarted worker maps it again
            # Allocating and mapping 64 MB takes a tenth of a second: on a thread, not the loop.
            self._arena = await asyncio.get_running_loop().run_in_executor(
                None, _open_arena, self.max_pending_bytes
            )
        arena_args = ["--arena-fd", str(self._arena.fd)] if self._arena is not None else []
        if self.remote_read:  # the worker probes, then says in its hello whether it can read us
            arena_args += [
                "--read-pid",
                str(os.getpid()),
                "--probe",
                str(crossmem.address_of(crossmem.PROBE)),
            ]
        self.reads_remote = False  # until this worker's hello says so
        proc = await WorkerProcess.spawn(
            [sys.executable, "-m", "toolguard_core.worker", *arena_args],
            pass_fds=(self._arena.fd,) if self._arena is not None else (),
            env=_worker_env(),
            limit=2**26,
        )
        if self.remote_read:
            crossmem.allow_reader(proc.pid)  # before its probe: it imports for a second first
        _grow_pipe(proc)
        self._proc = proc
        self._started = True
        self._contexts.clear()  # a new worker knows none of them
        # Until this line, bodies are validated in place (WorkerNotReady); tests wait for it.
        logger.info("toolguard: validation worker started (pid %d)", proc.pid)
        self._reader = asyncio.get_running_loop().create_task(self._read(proc))
        waiting, self._waiting = self._waiting, []
        for job in waiting:
            self._send(proc, *job)

    def forget_contexts(self) -> None:
        """The options or the learned knowledge changed: jobs from now on get new contexts."""
        if self._contexts:
            self._contexts.clear()
            self._out.append(encode_job(KIND_FORGET, 0))

    def submit(self, body: bytes | None, header: dict[str, object]) -> asyncio.Future[WorkerResult]:
        """Queue ``body`` for validation and return a Future of its full result.

        :class:`WorkerUnavailable` when it cannot be queued (past the bounds, or the worker died and
        is restarting); :class:`WorkerNotReady` when no worker is being started. While the first
        worker is still starting (about a second of imports), bodies wait for it within the same
        bounds (issue #12: validating a 30 MB body in place right after start-up stalled every
        other flow for seconds)."""
        future: asyncio.Future[WorkerResult] = asyncio.get_running_loop().create_future()
        key = json.dumps(header, sort_keys=True)
        self.enqueue(body, key, lambda: header, future, full=True)
        return future

    def enqueue_ready(
        self, body: bytes, context: Hashable, header: HeaderSource, owner: object, flags: int = 0
    ) -> int:
        """:meth:`enqueue`'s fast path alone, for the request hook's lean lane (issue #12, session
        20) and for :meth:`enqueue` itself: a body under INLINE_MAX_BYTES for a running worker with
        room, whose context it has (what the path below and _write_job do for it, without their
        tests for the start-up, the arena, a large body's copy and a new context: issue #12, session
        16). Its sequence number, or 0 (nothing done) when the job needs the full path."""
        proc = self._proc
        size = len(body)
        if (
            size >= INLINE_MAX_BYTES
            or proc is None
            or proc.stdin is None
            or proc.popen.returncode is not None
            or self._copying
            or self._held
            or len(self._jobs) >= self.max_pending
            or self._pending_bytes + size > self.max_pending_bytes
            or (cid := self._contexts.get(context)) is None
        ):
            return 0
        seq = self._next_id = self._next_id + 1
        self._jobs.append(_Job((seq, size, time.monotonic(), owner, body, context, header, flags, 0)))
        self._pending_bytes += size
        self._out += (_DESC.pack(KIND_INLINE, flags, seq, 0, size, cid), body)
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().call_later(FLUSH_DELAY, self._flush)
        if self._sweep is None:
            self._sweep = asyncio.get_running_loop().call_later(self._sweep_every(), self._sweep_now)
        return seq

    def enqueue(
        self,
        body: bytes | None,
        context: Hashable,
        header: HeaderSource,
        owner: object,
        *,
        full: bool = False,
        wait_for_start: bool = True,
    ) -> int:
        """Queue ``body`` for validation under ``context`` (a key for the job's route and options;
        ``header()`` makes their JSON the first time the key is used with this worker) and return
        its sequence number. The result comes back through ``on_done`` with ``owner`` (a Future
        ``owner`` is resolved instead). Raises as :meth:`submit` does; with ``wait_for_start``
        false, also :class:`WorkerNotReady` while the first worker is still starting."""
        # Most requests: a small body for a running worker, its route's context sent already.
        if body is not None and (
            seq := self.enqueue_ready(body, context, header, owner, FLAG_FULL if full else 0)
        ):
            return seq
        proc = self._proc
        starting = proc is None and not self._started
        if starting and (not wait_for_start or self._starting is None or self._starting.done()):
            raise WorkerNotReady("the validation worker has not started")
        # ``popen.returncode``, not ``returncode``: no waitpid per job (a syscall on the loop); a
        # worker that died is seen by _read at the end of its output, which clears ``_proc``.
        if not starting and (proc is None or proc.popen.returncode is not None or proc.stdin is None):
            self._restart()
            raise WorkerUnavailable("the validation worker stopped and is restarting")
        size = len(body) if body is not None else 0
        if len(self._jobs) >= self.max_pending or self._pending_bytes + size > self.max_pending_bytes:
            raise WorkerUnavailable(f"{len(self._jobs)} requests already wait for validation")
        offset: int | None = None
        arena = self._arena
        if (
            not starting
            and not self.reads_remote
            and arena is not None
            and size >= INLINE_MAX_BYTES
            and not self._copying
            and not self._held
        ):
            # Its region first: a body the ring cannot place now is shed like one past the bound, not
            # written into the worker's pipe. The ring wastes at most one body's size at its end, so
            # this happens only with the backlog near its bound, the worker far behind; a 1 MB body in
            # the pipe then cost the event loop more than the whole plain flow (issue #12, session 11:
            # py-spy on the bench's agent turns, a quarter of the bodies piped, the asyncio pipe
            # transport's write and buffer copies the loop's largest extra).
            offset = arena.reserve(self._next_id + 1, size)
            if offset is None:
                self.arena_full += 1
                raise WorkerUnavailable(
                    f"{len(self._jobs)} requests ({self._pending_bytes} bytes) already wait for validation"
                )
        self._next_id += 1
        seq = self._next_id
        flags = FLAG_FULL if full else 0
        self._jobs.append(_Job((seq, size, time.monotonic(), owner, body, context, header, flags, 0)))
        self._pending_bytes += size
        if starting:
            self._waiting.append((seq, body, context, header, flags))  # sent by _start
        elif size < THREADED_COPY_MIN_BYTES and not self._copying and not self._held:
            self._write_job(seq, body, context, header, flags, offset)  # what _send does for it, directly
        else:
            assert proc is not None
            self._send(proc, seq, body, context, header, flags, offset)
        if self._sweep is None:
            self._sweep = asyncio.get_running_loop().call_later(self._sweep_every(), self._sweep_now)
        return seq

    def _sweep_every(self) -> float:
        return max(self.job_timeout / 4, 0.05)

    def _sweep_now(self) -> None:
        """One timer for all jobs, not one per job (12 µs each on the loop, issue #12): a worker
        that has spent ``job_timeout`` on its oldest job is hung (a rule stuck in a loop, a stopped
        process). It is killed, its flows are counted as not validated, and it is restarted.

        Spent means not waiting for a CPU: the worker runs under SCHED_IDLE, so on a machine whose
        CPUs are busy with other work for minutes (a build, a test suite) it gets none, and killing
        it would only throw away its start-up and its jobs and count them as crashes. Such a worker
        is starved (past the deadline, waiting for a CPU more than running): said once per spell
        (log and ``starved``) and left alone; meanwhile the backlog bounds shed further bodies as
        busy, as they do for any slow worker. Where the kernel does not say how long it waited
        (:func:`cpu_reading`), the wall time counts, as before."""
        self._sweep = None
        if not self._jobs:
            self._watch = None
            self._end_starving()
            return
        proc = self._proc
        oldest = self._jobs[0]
        if proc is not None and proc.returncode is None:
            now = time.monotonic()
            busy, wait, wall = self._busy_on(proc.pid, oldest, now)
            if busy >= self.job_timeout:
                how = (
                    f"{busy:.1f}s of it not waiting for a CPU"
                    if self._watch is not None
                    else "how long it waited for a CPU is unknown here"
                )
                logger.warning(
                    "toolguard: the validation worker has not answered in %.1fs (%s): hung; stopping it",
                    wall,
                    how,
                )
                self.hung += 1
                self._hung = oldest.seq  # its body hung the worker: not sent to the next one
                self._watch = None
                self._end_starving()
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()  # _read sees the end of its output, fails its flows, and it is restarted
            elif wall >= self.job_timeout and wait > busy:
                if not self._starving:
                    self._starving = True
                    self.starved += 1
                    logger.warning(
                        "toolguard: the validation worker has not answered in %.1fs but waited for a CPU "
                        "%.1fs of it (the machine's CPUs are busy with other work): starved, not hung, so "
                        "not restarted; bodies past its backlog are counted as not validated (busy)",
                        wall,
                        wait,
                    )
            else:
                self._end_starving()
        self._sweep = asyncio.get_running_loop().call_later(self._sweep_every(), self._sweep_now)

    def _end_starving(self) -> None:
        if self._starving:
            self._starving = False
            logger.info("toolguard: the validation worker is getting a CPU again")

    def _busy_on(self, pid: int, job: _Job, now: float) -> tuple[float, float, float]:
        """How long worker ``pid`` has spent on ``job``, how long it waited for a CPU meanwhile, and
        how long the job has been its oldest (seconds), from what the sweeps read: two small reads
        of ``/proc`` per sweep, none per job.

        Between two readings, a worker runnable at the second one spent its CPU time and waited
        for the rest (a worker with a job is either computing or stuck); one not runnable (stopped,
        blocked) spent it all. The job's clock starts when it became the oldest (the worker answers
        in order: the time it spent queued behind another body is that body's), at the previous
        reading at the earliest; without one (the first sweep of a worker, or of a burst after an
        idle spell) it starts at this reading, so a hung worker is stopped at most one sweep later
        than its deadline."""
        reading = cpu_reading(pid)
        watch = self._watch
        if reading is None:
            if watch is not None and watch.pid == pid and watch.seq == job.seq:
                # The process has just ended: the time since the last reading counts as spent.
                watch.busy += now - watch.at
                watch.at = now
                return watch.busy, watch.wait, now - watch.start
            self._watch = None
            return now - job.sent_at, 0.0, now - job.sent_at  # the wall time: all this system says
        ran, runnable = reading
        if watch is None or watch.pid != pid:
            self._watch = _Watch(pid, job.seq, job.sent_at, 0.0, 0.0, now, ran)
            return 0.0, 0.0, now - job.sent_at
        if watch.seq != job.seq:  # it became the oldest after the previous reading (another job's)
            watch.seq, watch.start, watch.busy, watch.wait = job.seq, max(job.sent_at, watch.at), 0.0, 0.0
        interval = now - max(watch.at, watch.start)
        spent = min(interval, ran - watch.ran) if runnable else interval
        watch.busy += spent
        watch.wait += interval - spent
        watch.at, watch.ran = now, ran
        return watch.busy, watch.wait, now - watch.start

    def _send(
        self,
        proc: WorkerProcess,
        seq: int,
        body: bytes | None,
        context: Hashable,
        header: HeaderSource,
        flags: int,
        offset: int | None = None,
    ) -> None:
        """``offset``: the body's region of the arena when the caller reserved it already."""
        if self._copying or self._held:
            self._held.append((proc, seq, body, context, header, flags))
            return
        if (
            self._arena is not None
            and not self.reads_remote
            and body
            and len(body) >= THREADED_COPY_MIN_BYTES
        ):
            start = offset if offset is not None else self._arena.reserve(seq, len(body))
            if start is not None:
                self._copying = True
                copy = asyncio.get_running_loop().run_in_executor(
                    None, _copy_into, os.dup(self._arena.fd), body, start
                )
                copy.add_done_callback(
                    lambda done: self._copied(done, proc, seq, body, start, context, header, flags)
                )
                return
        self._write_job(seq, body, context, header, flags)

    def _copied(
        self,
        copy: asyncio.Future[None],
        proc: WorkerProcess,
        seq: int,
        body: bytes,
        start: int,
        context: Hashable,
        header: HeaderSource,
        flags: int,
    ) -> None:
        """A large body is in the arena: send its job, then the jobs held behind it, in order."""
        self._copying = False
        # Shutting down, or its worker gone or dying: _fail_all (or _read, at the worker's end)
        # fails the flow, so there is nothing to send.
        sendable = not copy.cancelled() and proc is self._proc and bool(self._jobs)
        if sendable and proc.returncode is None and self._arena is not None:
            cid = self._context_id(context, header)
            if copy.exception() is None:
                self._queue(
                    encode_job(KIND_ARENA, seq, offset=start, length=len(body), context=cid, flags=flags)
                )
            else:  # the shared memory failed: the pipe still works
                logger.warning("toolguard: could not copy a body to shared memory (%r)", copy.exception())
                self.piped += 1
                self._queue(encode_job(KIND_INLINE, seq, length=len(body), context=cid, flags=flags), body)
        held, self._held = self._held, deque()
        while held and not self._copying:
            self._send(*held.popleft())
        self._held.extend(held)  # behind the next large copy

    def _context_id(self, context: Hashable, header: HeaderSource) -> int:
        cid = self._contexts.get(context)
        if cid is None:
            if len(self._contexts) >= MAX_CONTEXTS:
                self.forget_contexts()
            self._next_context += 1
            cid = self._contexts[context] = self._next_context
            self._out.append(encode_context(cid, header()))
        return cid

    def _write_job(
        self,
        seq: int,
        body: bytes | None,
        context: Hashable,
        header: HeaderSource,
        flags: int,
        offset: int | None = None,
    ) -> None:
        """The job's body into the arena (or the pipe) and its descriptor queued: one frame for
        what took seven calls (issue #12, docs/benchmarks.md perf9: every small request comes here).
        ``offset``: the body's region of the arena when the caller reserved it already."""
        cid = self._contexts.get(context) or self._context_id(context, header)
        out = self._out
        if body is None:
            out.append(_DESC.pack(KIND_NO_BODY, flags, seq, 0, 0, cid))
        elif (size := len(body)) < INLINE_MAX_BYTES:  # rides with its descriptor: INLINE_MAX_BYTES
            out += (_DESC.pack(KIND_INLINE, flags, seq, 0, size, cid), body)
        elif offset is None and self.reads_remote and type(body) is bytes:
            # Not copied: the worker reads it where it is (the job keeps it referenced until then).
            self.remote_bodies += 1
            out.append(_DESC.pack(KIND_REMOTE, flags, seq, crossmem.address_of(body), size, cid))
        elif (
            offset is None
            and (offset := self._arena.reserve(seq, size) if self._arena is not None else None) is None
        ):
            self.piped += 1  # no arena, or full for a job held behind a large copy: the pipe still works
            out += (_DESC.pack(KIND_INLINE, flags, seq, 0, size, cid), body)
        else:
            self._arena.map[offset : offset + size] = body
            out.append(_DESC.pack(KIND_ARENA, flags, seq, offset, size, cid))
        if not self._flushing:  # as _queue, without its call
            self._flushing = True
            asyncio.get_running_loop().call_later(FLUSH_DELAY, self._flush)

    def _queue(self, *frames: bytes) -> None:
        """Queue frames for the worker: written together :data:`FLUSH_DELAY` later, one ``write``
        for however many jobs the hooks queued meanwhile."""
        self._out.extend(frames)
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().call_later(FLUSH_DELAY, self._flush)

    def _flush(self) -> None:
        self._flushing = False
        out, self._out = self._out, []
        proc = self._proc
        if not out or proc is None or proc.stdin is None or proc.popen.returncode is not None:
            return  # the worker is gone: _read fails its jobs
        proc.stdin.write(out[0] if len(out) == 1 else b"".join(out))

    async def _read(self, proc: WorkerProcess) -> None:
        assert proc.stdout is not None
        buffer = bytearray()
        try:
            while True:
                chunk = await proc.stdout.read(1 << 20)
                if not chunk:
                    raise EOFError("the end of the worker's output")
                buffer += chunk
                # Every complete frame the read brought, handled as one batch.
                mark, rows, used = 0, [], 0
                while len(buffer) - used >= _REPLY.size:
                    watermark, length = _REPLY.unpack_from(buffer, used)
                    end = used + _REPLY.size + length
                    if len(buffer) < end:
                        break
                    if length:
                        payload = json.loads(buffer[used + _REPLY.size : end])
                        if isinstance(payload, dict):  # the worker's hello (the wire above)
                            self._hello(proc, payload)
                        else:
                            rows.extend(payload)
                    mark, used = max(mark, watermark), end
                if used:
                    del buffer[:used]
                    if proc is self._proc and (mark or rows):  # not for a hello alone
                        self._answered(mark, rows)
        except (EOFError, ConnectionError, ValueError, KeyError, TypeError) as exc:
            # The end of its output, or an answer toolguard cannot read: either way this worker is
            # done with (a half-read frame leaves the stream out of step); its flows are failed below.
            if proc is self._proc:
                logger.warning("toolguard: the validation worker stopped (%r); restarting it", exc)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        finally:
            if proc is self._proc:
                self._proc = None
                self.reads_remote = False
                self._worker_died()

    def _hello(self, proc: WorkerProcess, hello: dict[str, object]) -> None:
        """The worker says whether it could read the proxy's memory (crossmem.probe)."""
        if proc is not self._proc:
            return
        # Said in words a user can read (session 19: "reads bodies from the proxy's memory" was an
        # implementation detail at info level): the normal case at debug level, nothing to act on;
        # the fallback at info level with what it costs, and in toolguard.stats (worker_copies_bodies).
        if hello.get("remote_read") is True:
            self.reads_remote, self.remote_refused = True, None
            logger.debug(
                "toolguard: the validation worker reads each large request body straight from the proxy "
                "process's memory (Linux cross-memory attach): the proxy does not copy it"
            )
        else:
            self.reads_remote, self.remote_refused = False, str(hello.get("why"))
            logger.info(
                "toolguard: the validation worker cannot read request bodies from the proxy process's memory "
                "(%s), so the proxy copies each large body into shared memory for it (toolguard.stats: "
                "worker_copies_bodies): the verdicts are the same, the proxy does one more copy per large "
                "body; nothing to do",
                self.remote_refused,
            )

    def _answered(self, mark: int, rows: list[list]) -> None:
        """Every job up to ``mark`` is done; ``rows`` are the full results among them."""
        if self._arena is not None:
            self._arena.release_through(mark)
        jobs = self._jobs
        if not rows and jobs:
            # Every job the watermark covers is clean (the usual reply): taken at C speed instead of
            # job by job (issue #12, session 20: ~45 bytecodes a flow). The jobs are in seq order, so
            # those up to ``mark`` are the first ``take``: all of them, or up to the one whose seq
            # is ``mark`` where it sits at the index consecutive seqs give it (else the loop below).
            count = len(jobs)
            if jobs[-1].seq <= mark:
                take = count
            else:
                at = mark - jobs[0].seq
                take = at + 1 if 0 <= at < count and jobs[at].seq == mark else 0
            if take:
                taken = list(islice(jobs, take))
                owners = list(map(_OWNER_OF, taken))
                if not any(map(isinstance, owners, repeat(asyncio.Future))):  # else: resolved below
                    self._jobs = deque(islice(jobs, take, None)) if take < count else deque()
                    self._pending_bytes -= sum(map(_SIZE_OF, taken))
                    if self.on_done is not None:
                        self.on_done(list(zip(owners, repeat(None))))
                    return
        results = {row[0]: row for row in rows} if rows else None
        done: list[tuple[object, WorkerResult | None]] = []
        while jobs and jobs[0].seq <= mark:
            job = jobs.popleft()
            self._pending_bytes -= job.size
            row = results.get(job.seq) if results is not None else None
            result = WorkerResult.from_row(row) if row is not None else None
            owner = job.owner
            if isinstance(owner, asyncio.Future):
                if not owner.done():
                    owner.set_result(result if result is not None else CLEAN)
            else:
                done.append((owner, result))
        if done and self.on_done is not None:
            self.on_done(done)

    def _worker_died(self) -> None:
        """The worker is gone with jobs unanswered: each is sent again to a new worker started now,
        except the one it hung on and those a worker had already died holding (:class:`WorkerCrashed`,
        through ``on_lost``). Their bodies are still referenced by the jobs: nothing is copied back
        out of the arena, and the new worker gets them through it as usual."""
        hung, self._hung = self._hung, None
        if self._closed:
            self._fail_all(WorkerUnavailable("toolguard is shutting down"))
            return
        retry: deque[_Job] = deque()
        lost: dict[str, tuple[Exception, list[_Job]]] = {}
        for job in self._jobs:
            job.deaths += 1
            if job.seq == hung:
                why: Exception = WorkerUnavailable(
                    f"the validation worker did not answer it in {self.job_timeout:g}s and was stopped"
                )
            elif job.deaths >= MAX_WORKER_DEATHS:
                why = WorkerCrashed(
                    # No exit status: the end of its output is often seen before it is reaped.
                    f"{job.deaths} validation workers died holding this body; it may be what kills "
                    "them, so it is not sent again"
                )
            else:
                retry.append(job)
                continue
            lost.setdefault(type(why).__name__, (why, []))[1].append(job)
        # What was queued for the dead worker goes: the retried jobs are sent anew by _start, in
        # seq order (the new worker answers in order, and the arena releases regions in order).
        self._held.clear()  # a copy in flight keeps _copying set: _start's sends wait for it
        self._out = []
        if self._arena is not None:
            self._arena.reset()
        now = time.monotonic()
        for job in retry:
            job.sent_at = now  # the sweep times the new worker, not the time spent with the old one
        self._jobs = retry
        self._pending_bytes = sum(job.size for job in retry)
        self._waiting = [(job.seq, job.body, job.context, job.header, job.flags) for job in retry]
        self.resent += len(retry)
        if retry:
            logger.info("toolguard: %d request(s) the stopped worker held go to a new one", len(retry))
            self._restart()  # at once: these flows wait for it (otherwise the next request would)
        for why, jobs in lost.values():
            self._lose(jobs, why)

    def _lose(self, jobs: list[_Job] | deque[_Job], exc: Exception) -> None:
        """Jobs never to be answered: Futures fail with ``exc``, other owners go to ``on_lost``."""
        lost = []
        for job in jobs:
            if isinstance(job.owner, asyncio.Future):
                if not job.owner.done():
                    job.owner.set_exception(exc)
            else:
                lost.append(job.owner)
        if lost and self.on_lost is not None:
            self.on_lost(lost, exc)

    def _fail_all(self, exc: Exception) -> None:
        jobs, self._jobs, self._pending_bytes = self._jobs, deque(), 0
        self._waiting = []
        self._held.clear()  # their owners are failed below; a copy in flight keeps _copying set
        self._out = []
        if self._arena is not None:
            self._arena.reset()
        self._lose(jobs, exc)

    def _restart(self) -> None:
        if self._closed:
            # Flows still arriving while mitmdump stops (SIGTERM during traffic): no new worker, and
            # no "cannot start the validation worker" line after the stats (the executor is gone).
            return
        if self._starting is not None and not self._starting.done():
            return
        self.restarts += 1
        self.launch()

    def close(self) -> None:
        """Stop the worker (it holds nothing to save) and fail what it still held."""
        proc, self._proc = self._proc, None
        self._closed = True
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
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
