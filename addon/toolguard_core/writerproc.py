"""The capture store in a process of its own: the proxy hands each Capture over and goes on.

:class:`~toolguard_core.store.Store` (a queue and a writer thread) does the row's work in the
proxy's own interpreter: redaction, parsing the upstream's error, the grouping columns, the content
split and the inserts. Measured with ``scripts/bench_proxy.py`` (issue #12, docs/benchmarks.md),
that cost the proxy +1.24 ms of CPU per stored flow on top of plain mitmdump, and one 29 MB
request's row held the interpreter lock long enough to raise other connections' p99 to 147 ms.

:class:`ProcessStore` has the same interface (``start``/``put``/``close``/``counters``/
``shutdown_line``) and runs that very ``Store`` in a child process (``python -m
toolguard_core.writer``, the interpreter and ``sys.path`` the validation worker gets), with the
PostgreSQL syncer and the OpenTelemetry export built there from the same settings. The proxy side
only pickles each item on a sender thread and writes it to the child's stdin: bulky bytes (a
request body, an upstream's body) travel as out-of-band pickle buffers written straight from the
object, never copied on the event loop, and ``os.write`` releases the interpreter lock while the
kernel copies them. Nothing touches a file on the way: the child redacts before anything is
written, as the thread did.

The child answers on its stdout with JSON frames: acknowledgements (how many items it has
processed, and its counters), the learned :class:`~toolguard_core.learned.Knowledge` whenever it
changes, and its log records, which are logged here under their own logger names.

Start-up does not hold the proxy: ``start(wait=False)`` spawns the child and hands it its
settings; the handshake (imports, opening the database, migrations: about 0.7 s) is read on the
supervisor thread, and ``started`` (a future) says how it went. Items put meanwhile wait in order
in the proxy-side queue (at most :data:`MAX_QUEUED` items; beyond that a flow is dropped and
counted, ``rows_dropped[writer queue full ...]``).

Never break traffic: a child that dies is restarted; the items it had been sent and not yet
acknowledged are looked up in the database (a row on disk counts as written), the others counted
as dropped (``rows_dropped[writer process died ...]``) and logged; the items not sent yet go to
the new child. A child that is alive but stuck (stopped, frozen, a statement that never returns)
is found by a watchdog: it sends a heartbeat every :data:`HEARTBEAT_SECONDS` while it holds rows
(silence counted from the first row sent after an idle spell), so one that holds rows and has said nothing for ``silence_seconds``, or has acknowledged none of them for
``stall_seconds`` (longer than its own store's retry budget), is killed, counted (``writer_stuck``)
and replaced, its rows accounted as for a death (``rows_dropped[writer process stuck ...]``).

Every wait is bounded: a restart that fails is retried with back-off doubling up to
:data:`RESTART_BACKOFF`'s cap, and gives up (the queued rows counted as dropped) once ``close``
is called; ``close`` waits while the writer makes progress (a progress line every
:data:`~toolguard_core.store.PROGRESS_SECONDS`) — a stuck writer is killed by the watchdog, one
that cannot start again ends the wait — and logs how many rows were written and dropped, and why.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pickle
import select
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolguard_core import store as _store
from toolguard_core.learned import Knowledge
from toolguard_core.offload import _worker_env
from toolguard_core.store import (
    DEFAULT_RETRY_SECONDS,
    KNOWLEDGE_REFRESH_SECONDS,
    FlowRow,
    RowSource,
    RunRow,
)

logger = logging.getLogger(__name__)

#: A frame: the pickle's length, how many out-of-band buffers follow it; each buffer is a length
#: and its bytes (parent to child). Child to parent: a length and a JSON object.
HEAD = struct.Struct(">QI")
LENGTH = struct.Struct(">Q")
#: Bytes values from this size on travel out of band (written from the object itself, no copy).
OUT_OF_BAND_BYTES = 64 * 1024
#: How long a child may take to open the database (imports included; a loaded machine).
START_TIMEOUT = 120.0
#: Back-off between attempts to start a child again after one died, doubling up to the second value.
RESTART_BACKOFF = (0.2, 5.0)
#: A restart that keeps failing is logged at its first attempt and then every this many (a minute
#: at the back-off's cap).
RESTART_LOG_EVERY = 12
#: The child sends its counters at least this often while it holds rows, changed or not
#: (writer.py): the watchdog's sign of life. Idle, it sends nothing (session 19: no wake-up of the
#: proxy's reader thread a second for nothing).
HEARTBEAT_SECONDS = 1.0
#: A child that holds unacknowledged rows and has sent nothing for this long is stuck: stopped
#: (SIGSTOP), frozen, or its process starved; killed and replaced. Many heartbeats, so a loaded
#: machine's scheduling hiccup is not taken for it.
SILENCE_SECONDS = 15.0
#: A child that answers but has acknowledged none of its rows for its store's retry budget
#: (``retry_seconds``: after that the store drops the batch, which is an acknowledgement), plus one
#: statement's lock wait (``busy_timeout``), plus this, is stuck too (a statement that never returns).
STALL_GRACE_SECONDS = 30.0
#: How often the watchdog looks.
WATCH_SECONDS = 0.25
#: Items waiting on the proxy's side (the child is starting, restarting, or not reading): a flow
#: beyond this is dropped and counted rather than held in memory without bound (as MAX_PENDING
#: bounds the flows in flight in addon.py).
MAX_QUEUED = 10_000
#: The same bound in bytes, for the bodies of OUT_OF_BAND_BYTES and more those items hold: an agent
#: whose every 1 MB turn is stored while the writer lags would reach MAX_QUEUED only at 10 GB
#: (session 11: 1,000 such rows a writer on a busy CPU could not keep up with took the proxy from
#: 0.3 to 1.1 GB in 30 s). Past it a flow is dropped and counted as past MAX_QUEUED.
MAX_QUEUED_BYTES = 128 * 1024 * 1024
#: How many bytes of such bodies the sender writes in one batch (at most SEND_BATCH items).
SEND_BATCH_BYTES = 16 * 1024 * 1024
#: How many items the sender pickles and writes in one go.
SEND_BATCH = 200
#: The sender lets items gather this long after waking: one write per few flows instead of per flow
#: while the items go its way (the writer process starting, or its pipe full).
GATHER_SECONDS = 0.02
#: ``put`` on the event loop gathers this long's frames into one write (``_send_now``).
FLUSH_SECONDS = 0.02
#: Counters of the sinks that are gauges (the current child's value), not totals to add up.
_GAUGES = ("pg_rows_pending", "pg_unreachable")
#: When the sender goes idle after handing bodies to the writer, the process gives glibc's free
#: memory back to the system (:func:`give_back_free_memory`), at most once in this many seconds (a
#: trim deferred by it happens when they have passed, even if no item comes). Session 13
#: (docs/benchmarks.md, "the proxy's memory plateau"): under sustained stored ~1 MB flows the bodies
#: queued here (up to MAX_QUEUED_BYTES) and for the validation worker, and mitmproxy's own, are freed
#: once written, but glibc kept the freed heap, so the proxy's RSS stayed at its peak (tracemalloc:
#: 3-12 MB of live Python objects after the load, RSS 330-500 MB; malloc_trim(0) took it to plain
#: mitmdump's level, plus the worker's 64 MB body arena). A trim costs 0.3-25 ms of the sender's CPU.
TRIM_INTERVAL_SECONDS = 1.0


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where there is none (musl, macOS): nothing to give back then."""
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def give_back_free_memory() -> bool:
    """Return the free memory glibc's arenas keep to the system (``malloc_trim(0)``): off the event
    loop only (the sender thread), since it walks every arena. True when there was some."""
    return bool(_TRIM(0)) if _TRIM is not None else False


class WriterStartError(Exception):
    """The writer process could not open the database or a sink. ``option`` names the setting."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option
        self.message = message


def encode(message: tuple[str, Any]) -> list[Any]:
    """A message as frame parts: the header with the pickle, then each out-of-band buffer's length
    and the buffer itself (a memoryview of the caller's bytes, not a copy)."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    parts: list[Any] = [HEAD.pack(len(data), len(buffers)) + data]
    for buffer in buffers:
        view = buffer.raw()
        parts.append(LENGTH.pack(view.nbytes))
        parts.append(view)
    return parts


def _frame(item: Any) -> bytes:
    """One item as one frame without out-of-band buffers (``put``'s direct path): a Capture as
    its values (``("capture", Capture.wire())``: pickling a plain tuple skips the reduce protocol's
    per-object lookups, 1.7 instead of 5.6 us), anything else as the sender sends it."""
    wire = getattr(item, "wire", None)  # a Capture (capture.py, not imported here: the child's start)
    if wire is not None:
        data = pickle.dumps(("capture", wire()), protocol=5)
        return HEAD.pack(len(data), 0) + data
    return encode(("item", item))[0]


def _bulky(item: Any) -> bool:
    """Whether the item has bytes that travel out of band (:func:`_out_of_band`): the sender's.
    Each value tested once (put calls this for every stored flow, on the event loop: perf9)."""
    raw = getattr(item, "raw_request", None)
    if isinstance(raw, tuple) and raw:
        first = raw[0]
        # Too large, or already marked (an item the sender took back after its writer died).
        if first is not None and (not isinstance(first, bytes) or len(first) >= OUT_OF_BAND_BYTES):
            return True
    body = getattr(item, "response_body", None)
    if body is None:
        return False
    return not isinstance(body, bytes) or len(body) >= OUT_OF_BAND_BYTES


def _bulk_bytes(item: Any) -> int:
    """The bytes of an item's bodies of OUT_OF_BAND_BYTES and more (before or after
    :func:`_out_of_band` marked them), which :data:`MAX_QUEUED_BYTES` bounds."""
    size = 0
    raw = getattr(item, "raw_request", None)
    values = (raw[0] if isinstance(raw, tuple) and raw else None, getattr(item, "response_body", None))
    for value in values:
        if isinstance(value, pickle.PickleBuffer):
            value = value.raw()
        if isinstance(value, bytes | bytearray | memoryview) and len(value) >= OUT_OF_BAND_BYTES:
            size += value.nbytes if isinstance(value, memoryview) else len(value)
    return size


def _out_of_band(item: Any) -> None:
    """Mark a Capture's bulky bytes for out-of-band pickling (the store owns the item from ``put``
    on: the hooks never read it again)."""
    raw = getattr(item, "raw_request", None)
    if isinstance(raw, tuple) and raw and isinstance(raw[0], bytes) and len(raw[0]) >= OUT_OF_BAND_BYTES:
        item.raw_request = (pickle.PickleBuffer(raw[0]), *raw[1:])
    body = getattr(item, "response_body", None)
    if isinstance(body, bytes) and len(body) >= OUT_OF_BAND_BYTES:
        item.response_body = pickle.PickleBuffer(body)


def write_all(fd: int, data: Any) -> None:
    """Write every byte (a pipe takes at most its size per call; the interpreter lock is released
    while the kernel copies)."""
    view = memoryview(data).cast("B")
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:  # the writer's pipe is non-blocking (put writes to it): wait for room
            poller = select.poll()
            poller.register(fd, select.POLLOUT)
            poller.poll(1000)
            continue
        view = view[written:]


def read_exactly(fd: int, n: int) -> bytes | None:
    """``n`` bytes from ``fd``, or None at the end of input."""
    chunks: list[bytes] = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks) if len(chunks) != 1 else chunks[0]


def read_json_frame(fd: int) -> dict[str, Any] | None:
    raw = read_exactly(fd, LENGTH.size)
    if raw is None:
        return None
    data = read_exactly(fd, LENGTH.unpack(raw)[0])
    return None if data is None else json.loads(data)


@dataclass
class WriterConfig:
    """What the child needs to build the store and its sinks (sent as the first frame, not on the
    command line: a PostgreSQL URL can carry a password, and /proc/PID/cmdline is world-readable)."""

    db: str
    demote_after: int | None = None
    learn: bool = False
    batch_size: int = 200
    refresh_seconds: float = KNOWLEDGE_REFRESH_SECONDS
    retry_seconds: float = DEFAULT_RETRY_SECONDS
    busy_timeout: float = 5.0
    pg_url: str | None = None
    otlp_endpoint: str = ""
    otlp_content: bool = False


@dataclass
class _Child:
    popen: subprocess.Popen[bytes]
    stdin: int
    stdout: int
    #: It said ``ready`` (the sender writes items to a ready child only).
    ready: bool = False
    #: Its input was closed (under the store's write lock): nothing may be written to it any more.
    input_closed: bool = False
    #: time.monotonic() of its last frame, and of its last progress: an acknowledgement that moved,
    #: or rows handed to it when it held none (the watchdog's clocks).
    last_frame: float = field(default_factory=time.monotonic)
    last_progress: float = field(default_factory=time.monotonic)
    #: Why the watchdog killed it (None: it was not).
    stuck: str | None = None
    #: Items written to it, and how many of them it said it has processed (written or dropped).
    sent: int = 0
    acked: int = 0
    dead: bool = False
    written: int = 0
    retries: int = 0
    recreated: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    sinks: dict[str, int] = field(default_factory=dict)
    #: (a flow?, its id) of the items sent and not yet acknowledged, oldest first.
    unacked: deque[tuple[bool, str]] = field(default_factory=deque)


class ProcessStore:
    """:class:`~toolguard_core.store.Store`'s interface, with the store running in a child process."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        batch_size: int = 200,
        *,
        demote_after: int | None = None,
        on_knowledge: Callable[[Knowledge], None] | None = None,
        refresh_seconds: float = KNOWLEDGE_REFRESH_SECONDS,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
        busy_timeout: float = 5.0,
        pg_url: str | None = None,
        otlp_endpoint: str = "",
        otlp_content: bool = False,
        silence_seconds: float = SILENCE_SECONDS,
        stall_seconds: float | None = None,
        on_verdicts: Callable[..., None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.silence_seconds = silence_seconds
        self.stall_seconds = (
            stall_seconds if stall_seconds is not None else retry_seconds + busy_timeout + STALL_GRACE_SECONDS
        )
        self.on_knowledge = on_knowledge
        #: Told the decisions the writer reached for the rows that asked (Capture.report_verdict),
        #: on the supervisor's thread, as the child's ``verdicts`` frames arrive.
        self.on_verdicts = on_verdicts
        self.config = WriterConfig(
            db=str(path),
            demote_after=demote_after,
            learn=on_knowledge is not None,
            batch_size=batch_size,
            refresh_seconds=refresh_seconds,
            retry_seconds=retry_seconds,
            busy_timeout=busy_timeout,
            pg_url=pg_url,
            otlp_endpoint=otlp_endpoint,
            otlp_content=otlp_content,
        )
        self.queued = 0
        #: Writer processes started again after one died, those the watchdog found stuck, and the
        #: last one's exit status.
        self.restarts = 0
        self.stuck = 0
        self.exit_status: int | None = None
        #: Done when the first child said ready; its exception (WriterStartError) when it could not.
        self.started: Future[None] = Future()
        # Drops decided here (a dead child's unacknowledged items, an item that cannot be pickled)
        # and by children that ended, and the other totals of those children; the live child's own
        # counters are added on read (``dropped``, ``counters``).
        self._lost: Counter[str] = Counter()
        self._base: Counter[str] = Counter()
        self._items: deque[Any] = deque()
        # What the bulky items in ``_items`` hold (_bulk_bytes), under ``_lock``: MAX_QUEUED_BYTES.
        self._items_bytes = 0
        self._lock = threading.Lock()
        # Held by whoever writes to the current child's input (``put``'s direct write, the sender's
        # batch, closing that input): frames never interleave, the order of ``unacked`` is the
        # order on the wire, and no write reaches a descriptor closed (and perhaps reused) under it.
        # Taken before ``_lock`` when both are held.
        self._write_lock = threading.Lock()
        # Frames ``put`` encoded and accounted to a child but has not written yet (gathered for one
        # write per FLUSH_SECONDS on the event loop, or the rest of a write the full pipe took only
        # in part): the child and the bytes, in order. Whoever holds the write lock writes them
        # before anything else; the sender when the pipe was full.
        self._held: tuple[_Child, list[Any]] | None = None
        self._flush_at: asyncio.TimerHandle | None = None
        self._wake = threading.Event()
        self._idle = False
        self._child: _Child | None = None
        self._child_ready = threading.Condition(self._lock)
        self._stopping = False
        self._sender_done = False
        self._finished = threading.Event()
        # Set (under ``_lock``) when a child's first unacknowledged row is sent, and at the end: the
        # watchdog sleeps on it while no child holds a row, instead of waking every WATCH_SECONDS
        # for nothing (issue #12, session 19: four wake-ups a second, each taking the interpreter
        # lock from the event loop, the small clean flow's only steady ones in the proxy).
        self._watching = threading.Event()
        self._sender = threading.Thread(target=self._send_loop, name="toolguard-writer-send", daemon=True)
        self._supervisor = threading.Thread(target=self._supervise, name="toolguard-writer-read", daemon=True)
        self._watchdog = threading.Thread(target=self._watch, name="toolguard-writer-watch", daemon=True)

    # ---------------------------------------------------------------- the Store interface

    @property
    def demote_after(self) -> int | None:
        return self.config.demote_after

    @demote_after.setter
    def demote_after(self, value: int | None) -> None:
        if value == self.config.demote_after:
            return
        self.config.demote_after = value
        self._items.append(_Control("demote_after", value))
        self._nudge()

    @property
    def dropped(self) -> Counter[str]:
        """Rows given up on, by reason (the writer processes' and this side's)."""
        with self._lock:
            return self._dropped()

    @property
    def failed(self) -> int:
        return sum(self.dropped.values())

    @property
    def written(self) -> int:
        return self.counters()["rows_written"]

    @property
    def retries(self) -> int:
        return self.counters()["write_retries"]

    @property
    def recreated(self) -> int:
        return self.counters()["db_recreated"]

    @property
    def in_flight(self) -> int:
        """Flows written to the current writer process and not yet acknowledged by it (a run's row
        is not a flow: not counted, as ``put`` does not count it)."""
        with self._lock:
            return _flows_in_flight(self._child)

    @property
    def pid(self) -> int | None:
        """The current writer process (tests stop it to see a restart)."""
        child = self._child
        return child.popen.pid if child is not None and not child.dead else None

    def start(self, *, wait: bool = True) -> None:
        """Start the writer process. ``wait``: until it has opened the database (and the sinks), so
        a bad path fails here (:class:`WriterStartError`); else return at once (the proxy's
        ``configure``) and learn how it went from :attr:`started`."""
        self._child = self._launch()
        self._sender.start()
        self._supervisor.start()
        self._watchdog.start()
        if wait:
            self.wait_started()

    def wait_started(self, timeout: float | None = START_TIMEOUT + 5) -> None:
        """Until the first writer process is ready; :class:`WriterStartError` if it could not be."""
        try:
            self.started.result(timeout)
        except TimeoutError:
            raise WriterStartError("toolguard_db", "the writer process did not start") from None

    def put(self, item: FlowRow | RunRow | RowSource) -> None:
        """Hand an item to the writer process (never blocks; any thread). A run's row is not
        counted: the counters are about flows. Past :data:`MAX_QUEUED` waiting items (no writer
        reads them) a flow is dropped and counted; a run's row is always kept (one per run).

        While the writer takes its input, the item is pickled and written to its pipe right here,
        in one non-blocking write (:meth:`_send_now`); only when that cannot be (the writer starting
        or restarting, its pipe full, a bulky body, the sender busy) does it wait for the sender
        thread, in order."""
        if isinstance(item, RunRow):
            if not self._items and self._send_now(item):
                return
            self._items.append(item)
        else:
            self.queued += 1
            if not self._items and self._send_now(item):
                return
            if len(self._items) >= MAX_QUEUED:
                with self._lock:
                    self._lost[f"writer queue full ({MAX_QUEUED} rows waiting)"] += 1
                return
            if _bulky(item):
                size = _bulk_bytes(item)
                with self._lock:
                    if self._items_bytes + size > MAX_QUEUED_BYTES:
                        self._lost[f"writer queue full ({MAX_QUEUED_BYTES // (1024 * 1024)} MB waiting)"] += 1
                        return
                    self._items_bytes += size
            self._items.append(item)
        self._nudge()

    def sink_gauge(self, key: str) -> int:
        """One gauge of the sinks (``pg_unreachable``) as the live writer process's last acknowledgement
        said it; 0 without one. Read by the proxy's console line, without the lock (one dict read)."""
        child = self._child
        if child is None or child.dead:
            return 0
        return int(child.sinks.get(key, 0))

    def counters(self) -> dict[str, int]:
        """The same keys as ``Store.counters``, plus the sinks' (the child owns the syncer and export)."""
        with self._lock:
            child = self._child
            live = child if child is not None and not child.dead else None
            in_flight = _flows_in_flight(live)
            sinks = Counter({k: v for k, v in self._base.items() if k.startswith(("pg_", "otlp_"))})
            if live is not None:
                for key, value in live.sinks.items():
                    if key in _GAUGES:
                        sinks[key] = value
                    else:
                        sinks[key] += value
            dropped = self._dropped()
            result = {
                "rows_queued": self.queued,
                "rows_written": self._base["written"] + (live.written if live else 0),
                "rows_dropped": sum(dropped.values()),
                # Flows only (as rows_queued): neither a setting nor the run's own row.
                "rows_pending": sum(1 for i in list(self._items) if not isinstance(i, _Control | RunRow))
                + in_flight,
                "write_retries": self._base["retries"] + (live.retries if live else 0),
                "db_recreated": self._base["recreated"] + (live.recreated if live else 0),
            }
        result.update({f"rows_dropped[{reason}]": n for reason, n in sorted(dropped.items())})
        # Only when it happened: the same keys as the writer thread's otherwise.
        if self.restarts:
            result["writer_restarts"] = self.restarts
        if self.stuck:
            result["writer_stuck"] = self.stuck
        result.update(sinks)
        return result

    def close(self, timeout: float | None = None) -> None:
        """Send everything queued, let the writer process write it and exit, with a progress line
        every PROGRESS_SECONDS; then log how many rows were written and, if any, dropped and why.

        Bounded without ``timeout`` (tests give one): it waits while the writer makes progress. A
        stuck writer is killed by the watchdog (its rows accounted), and a writer that cannot start
        again ends the wait with the queued rows counted as dropped
        (``writer process could not restart``)."""
        if self.started.done() and self.started.exception() is not None:
            # Never started (the error was said then): only what it took down with it, if anything.
            if self.queued:
                logger.info("toolguard: %s", self.shutdown_line())
            return
        if not self._supervisor.is_alive():
            return
        with self._lock:
            self._stopping = True
        self._wake.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._supervisor.is_alive():
            wait = (
                _store.PROGRESS_SECONDS
                if deadline is None
                else min(_store.PROGRESS_SECONDS, deadline - time.monotonic())
            )
            if wait <= 0:
                break
            self._supervisor.join(wait)
            if self._supervisor.is_alive():
                counts = self.counters()
                logger.info(
                    "toolguard: %s",
                    _store.progress_line(self.path, counts["rows_pending"], counts["rows_written"]),
                )
        if self._supervisor.is_alive():  # only with an explicit timeout
            lost = self.counters()["rows_pending"]
            with self._lock:
                self._lost["shutdown timeout"] += lost
                self._items.clear()
                self._items_bytes = 0
                self._sender_done = True  # no new writer: this one is stopped below
                child = self._child
                if child is not None:
                    child.sent = child.acked  # counted just above
                    child.unacked.clear()
            if child is not None:
                with contextlib.suppress(OSError):
                    child.popen.kill()
            logger.error("toolguard: gave up waiting for the writer; %d queued rows not written", lost)
        error = self.started.exception() if self.started.done() else None
        if isinstance(error, WriterStartError) and not self.queued:
            # It failed to open while mitmdump stopped for a reason of its own (mitmproxy's confdir
            # unwritable): the start-up line never came, and "0 of 0 rows written to <db>" read as
            # a store that worked. Found by the reliability walkthrough.
            logger.error("toolguard: %s: %s", error.option, error.message)
            return
        logger.info("toolguard: %s", self.shutdown_line())

    def shutdown_line(self) -> str:
        counts = self.counters()
        line = f"{counts['rows_written']} of {self.queued} rows written to {self.path}"
        dropped = self.dropped
        if dropped:
            reasons = ", ".join(f"{n} {reason}" for reason, n in dropped.most_common())
            line += f"; {sum(dropped.values())} DROPPED ({reasons})"
        if counts["write_retries"]:
            line += f"; {counts['write_retries']} write retries"
        if counts["db_recreated"]:
            line += f"; database file recreated {counts['db_recreated']} time(s)"
        if self.restarts or self.stuck:
            line += f"; writer process restarted {self.restarts} time(s)"
            if self.stuck:
                line += f" ({self.stuck} found stuck)"
        return line

    # ---------------------------------------------------------------- internals

    def _dropped(self) -> Counter[str]:
        dropped = Counter(self._lost)  # callers hold the lock
        child = self._child
        if child is not None and not child.dead:
            dropped.update(child.dropped)
        return +dropped

    def _nudge(self) -> None:
        if self._idle:
            self._wake.set()

    def _send_now(self, item: Any) -> bool:
        """Hand the item to the writer process from the caller's thread, if nothing is ahead of it;
        False: it is the sender's (nothing was sent).

        Why not the sender thread for every item (issue #12, docs/benchmarks.md): on a proxy
        storing hundreds of flows a second, handing each one to a thread meant the event loop and
        that thread taking turns with the interpreter lock, and the proxy process's CPU per stored
        flow, not the loop's alone, is what its throughput follows. Pickling a Capture costs a few
        microseconds (Capture.__reduce__). On the event loop the frame is held and the frames of
        FLUSH_SECONDS go in one non-blocking write (a write that wakes the sleeping writer process
        costs about 10 us, one per flow was most of what the thread cost); on another thread
        (tests, the WebSocket worker) it is written at once. A bulky body (OUT_OF_BAND_BYTES and
        more) still goes through the sender, whose write lets the interpreter lock go while the
        kernel copies it."""
        if self._stopping or _bulky(item):
            return False
        child = self._child
        if child is None or not child.ready or child.dead:
            return False
        if not self._write_lock.acquire(blocking=False):  # the sender is writing: after it, in order
            return False
        try:
            # Again under the lock: the sender may have taken items or restarted the writer meanwhile.
            held = self._held
            if (
                self._items
                or self._stopping
                or child.input_closed
                or (held is not None and held[0] is not child)
            ):
                return False
            try:
                frame = _frame(item)
            except Exception:  # the sender tries again, and counts it as dropped if it fails there too
                return False
            with self._lock:
                if child.dead or child is not self._child:
                    return False
                if not child.unacked:
                    # The stall and silence clocks start with work held (an idle child sends no
                    # heartbeat: writer.py).
                    child.last_progress = child.last_frame = time.monotonic()
                    self._watching.set()
                child.sent += 1
                child.unacked.append((not isinstance(item, RunRow), _name(item)))
            if held is None:
                self._held = (child, [frame])
            else:
                held[1].append(frame)
            loop = asyncio._get_running_loop()
            if loop is None:
                self._write_held()
            elif self._flush_at is None:
                self._flush_at = loop.call_later(FLUSH_SECONDS, self._flush)
            return True
        finally:
            self._write_lock.release()

    def _flush(self) -> None:
        """The event loop's timer: the frames ``put`` held, in one non-blocking write. Never waits:
        when the sender holds the write lock it writes them itself, first."""
        self._flush_at = None
        if self._held is not None and self._write_lock.acquire(blocking=False):
            try:
                self._write_held()
            finally:
                self._write_lock.release()

    def _write_held(self, *, wait: bool = False) -> bool:
        """Write the held frames (the caller holds the write lock): without waiting, what the pipe
        takes, the rest held and the sender woken; with ``wait``, all of it. False: the writer
        they were for has ended (the supervisor counts them as in flight)."""
        held = self._held
        if held is None:
            return True
        child, frames = held
        self._held = None
        if child.input_closed or child.dead:
            return False
        data = frames[0] if len(frames) == 1 else b"".join(frames)
        if wait:
            return self._write(child, [data])
        try:
            written = os.write(child.stdin, data)
        except BlockingIOError:
            written = 0
        except OSError:
            with contextlib.suppress(OSError):
                child.popen.kill()
            return False
        if written < len(data):
            self._held = (child, [memoryview(data)[written:]])
            self._wake.set()
        return True

    def _spawn(self) -> _Child:
        """A new writer process, once it said it is ready; :class:`WriterStartError` if it cannot be."""
        child = self._launch()
        try:
            self._handshake(child)
        except BaseException:
            _reap(child)
            raise
        return child

    def _launch(self) -> _Child:
        """A new writer process, given its settings (not waited for: see ``_handshake``)."""
        popen = subprocess.Popen(
            [sys.executable, "-m", "toolguard_core.writer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_worker_env(),
            # Its own session: Ctrl-C at the terminal stops mitmdump, which then closes the writer's
            # input; the writer must not die first with rows still in it.
            start_new_session=True,
        )
        assert popen.stdin is not None and popen.stdout is not None
        child = _Child(popen, popen.stdin.fileno(), popen.stdout.fileno())
        _grow_pipe(child.stdin)
        os.set_blocking(child.stdin, False)  # put() writes to it from the event loop (_send_now)
        try:
            # A few hundred bytes into an empty pipe: never waits for the child.
            for part in encode(("config", self.config)):
                write_all(child.stdin, part)
        except BaseException:
            _reap(child)
            raise
        return child

    def _handshake(self, child: _Child) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        # poll, not select: a restart in a busy proxy can get a descriptor past select's 1024.
        poller = select.poll()
        poller.register(child.stdout, select.POLLIN)
        while True:
            ready = poller.poll(max(0.0, deadline - time.monotonic()) * 1000)
            if not ready:
                raise WriterStartError(
                    "toolguard_db", f"the writer process did not start in {START_TIMEOUT:g}s"
                )
            frame = read_json_frame(child.stdout)
            if frame is None:
                code = child.popen.wait()
                raise WriterStartError("toolguard_db", f"the writer process exited at start (status {code})")
            if frame.get("t") == "ready":
                if frame.get("error"):
                    raise WriterStartError(frame.get("option") or "toolguard_db", frame["error"])
                self._on_frame(child, frame)
                with self._lock:
                    child.ready = True
                    child.last_frame = child.last_progress = time.monotonic()
                logger.debug("toolguard: writer process started (pid %d)", child.popen.pid)
                return
            self._on_frame(child, frame)

    def _on_frame(self, child: _Child, frame: dict[str, Any]) -> None:
        kind = frame.get("t")
        child.last_frame = time.monotonic()
        if kind in ("ack", "ready"):
            with self._lock:
                processed = int(frame.get("processed", 0))
                if processed > child.acked:
                    child.last_progress = child.last_frame
                for _ in range(min(processed - child.acked, len(child.unacked))):
                    child.unacked.popleft()
                child.acked = max(child.acked, processed)
                child.written = int(frame.get("written", 0))
                child.retries = int(frame.get("retries", 0))
                child.recreated = int(frame.get("recreated", 0))
                child.dropped = Counter(frame.get("dropped") or {})
                child.sinks = dict(frame.get("sinks") or {})
        elif kind == "knowledge":
            if self.on_knowledge is not None:
                try:
                    self.on_knowledge(Knowledge.from_json(frame.get("data")))
                except Exception:
                    logger.exception("toolguard: could not read what the writer process learned")
        elif kind == "verdicts":
            if self.on_verdicts is not None:
                try:
                    verdicts = [tuple(v) for v in frame.get("v") or ()]
                    late = {k: [tuple(f) for f in v] for k, v in (frame.get("l") or {}).items()}
                    demoted = frame.get("d")
                    if demoted:
                        self.on_verdicts(verdicts, late, {k: list(v) for k, v in demoted.items()})
                    elif late:
                        self.on_verdicts(verdicts, late)
                    else:
                        self.on_verdicts(verdicts)  # type: ignore[arg-type]
                except Exception:
                    logger.exception("toolguard: could not read the writer process's verdicts")
        elif kind == "log":
            logging.getLogger(str(frame.get("name") or __name__)).log(
                int(frame.get("level", logging.INFO)), "%s", frame.get("msg", "")
            )

    def _on_disk(self, flow_ids: list[str]) -> set[str]:
        """Which of these flows are in the database (a writer that died may have written rows it
        had not acknowledged yet: those are not dropped). Read-only, on the supervisor's thread."""
        if not flow_ids:
            return set()
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
        except sqlite3.Error:
            return set()
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            table = "flow_rows" if "flow_rows" in tables else "flows"
            found: set[str] = set()
            for start in range(0, len(flow_ids), 500):  # SQLite's variable limit
                chunk = flow_ids[start : start + 500]
                found.update(
                    r[0]
                    for r in conn.execute(
                        f"SELECT id FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})", chunk
                    )
                )
            return found
        except sqlite3.Error:
            return set()
        finally:
            conn.close()

    def _retire(self, child: _Child) -> int:
        """Fold an ended child's counters into the totals. Of the items it had not acknowledged, the
        flows found in the database count as written, the others as dropped (returned)."""
        with self._lock:
            child.dead = True
            unacked = list(child.unacked)
        on_disk = self._on_disk([name for is_flow, name in unacked if is_flow])
        with self._lock:
            confirmed = sum(1 for is_flow, name in unacked if is_flow and name in on_disk)
            # Only flows are counted (rows_queued counts flows): a run's row it held is written again
            # when the run stops, and counting it made "4 of 6 rows written; 3 DROPPED" (a fresh-clone
            # CI run under load, tests/e2e/test_writer_process_e2e.py).
            lost = sum(1 for is_flow, name in unacked if is_flow and name not in on_disk)
            if any(not is_flow for is_flow, _ in unacked):
                logger.info("toolguard: the run's row the ended writer held is written again at the stop")
            self._base["written"] += child.written + confirmed
            self._base["retries"] += child.retries
            self._base["recreated"] += child.recreated
            for key, value in child.sinks.items():
                if key in _GAUGES:  # its last value stands until another child reports one
                    self._base[key] = value
                else:
                    self._base[key] += value
            self._lost.update(child.dropped)
            if lost:
                self._lost[_ended(child)] += lost
            return lost

    def _supervise(self) -> None:
        try:
            if self._first_handshake():
                self._serve()
        finally:
            self._finished.set()
            self._watching.set()

    def _first_handshake(self) -> bool:
        """The first child's ``ready``, read here (off the proxy's event loop); ``started`` says how
        it went. A child that could not start takes the queued rows with it (counted)."""
        child = self._child
        assert child is not None
        try:
            self._handshake(child)
        except BaseException as exc:
            with self._write_lock:
                child.input_closed = True
                _reap(child)
            error = (
                exc
                if isinstance(exc, WriterStartError)
                else WriterStartError("toolguard_db", f"cannot start the writer process: {exc!r}")
            )
            with self._lock:
                child.dead = True
                self.exit_status = child.popen.returncode
                waiting = sum(1 for i in self._items if not isinstance(i, (_Control, RunRow)))
                self._items.clear()
                self._items_bytes = 0
                if waiting:
                    self._lost["writer process could not start"] += waiting
                self._sender_done = True
                self._child_ready.notify_all()
            self._wake.set()
            self.started.set_exception(error)
            return False
        with self._lock:
            self._child_ready.notify_all()
        self.started.set_result(None)
        return True

    def _serve(self) -> None:
        """Read the child's frames; when it ends, account for it and start another (unless done)."""
        child = self._child
        assert child is not None
        backoff = RESTART_BACKOFF[0]
        while True:
            try:
                while (frame := read_json_frame(child.stdout)) is not None:
                    self._on_frame(child, frame)
            except (OSError, ValueError) as exc:  # an unreadable answer: this child is done with
                logger.warning("toolguard: cannot read the writer process (%r); stopping it", exc)
                with contextlib.suppress(OSError):
                    child.popen.kill()
            code = child.popen.wait()
            self.exit_status = code
            self._close_input(child)
            lost = self._retire(child)
            with self._lock:
                finished = self._sender_done
            if lost:
                logger.error(
                    "toolguard: %s; %d rows it held were DROPPED",
                    _ended(child),
                    lost,
                )
            elif code != 0:
                logger.warning("toolguard: the writer process stopped (exit status %s)", code)
            if finished:
                return
            # Not done: start another, with back-off while starting fails (a database that went away).
            attempts = 0
            while True:
                try:
                    new = self._spawn()
                    break
                except Exception as exc:
                    attempts += 1
                    if attempts % RESTART_LOG_EVERY == 1:  # the first failure, then about once a minute
                        logger.error(
                            "toolguard: cannot restart the writer process (%s); retrying (attempt %d)",
                            exc,
                            attempts,
                        )
                    with self._lock:
                        stopping = self._stopping
                        if stopping:  # close() waits: give up, counting what waited for it
                            lost = sum(1 for i in self._items if not isinstance(i, (_Control, RunRow)))
                            self._items.clear()
                            self._items_bytes = 0
                            if lost:
                                self._lost["writer process could not restart"] += lost
                            self._sender_done = True
                            self._child_ready.notify_all()
                    if stopping:
                        logger.error(
                            "toolguard: the writer process could not start again; %d queued rows DROPPED",
                            lost,
                        )
                        return
                    time.sleep(backoff)
                    backoff = min(backoff * 2, RESTART_BACKOFF[1])
            backoff = RESTART_BACKOFF[0]
            self.restarts += 1
            logger.warning("toolguard: writer process restarted (pid %d)", new.popen.pid)
            with self._lock:
                self._child = child = new
                self._child_ready.notify_all()

    def _watch(self) -> None:
        """Kill a child that holds rows and is stuck (silent, or acknowledging nothing); the
        supervisor then accounts for its rows and starts another, as after a death."""
        while self._watching.wait() and not self._finished.wait(WATCH_SECONDS):
            with self._lock:
                child = self._child
                if child is None or not child.unacked:
                    # Nothing held: asleep until a row is sent (cleared under the lock its setters
                    # hold, so a row sent meanwhile sets it again and is watched).
                    self._watching.clear()
                    continue
                if child.dead or not child.ready or child.stuck:
                    continue
                now = time.monotonic()
                if now - child.last_frame > self.silence_seconds:
                    child.stuck = f"no answer for {self.silence_seconds:g}s"
                elif now - child.last_progress > self.stall_seconds:
                    child.stuck = f"no row acknowledged for {self.stall_seconds:g}s"
                else:
                    continue
                self.stuck += 1
                held = sum(1 for is_flow, _ in child.unacked if is_flow)
            logger.error(
                "toolguard: the writer process (pid %d) is stuck: %s, holding %d rows; killing it",
                child.popen.pid,
                child.stuck,
                held,
            )
            with contextlib.suppress(OSError):
                child.popen.kill()  # SIGKILL ends a stopped process too

    def _live_child(self) -> _Child | None:
        """The current child once ready, waiting while it starts or a dead one is being replaced
        (None: give up, done)."""
        with self._lock:
            while True:
                child = self._child
                if child is not None and not child.dead and child.ready and not child.input_closed:
                    return child
                if self._sender_done:
                    return None
                self._child_ready.wait(1.0)

    def _send_loop(self) -> None:
        # Most items never come here: ``put`` writes them itself (``_send_now``). The sender takes
        # the others: items put while the writer starts or restarts or its pipe is full (and the
        # rest of a frame ``put`` wrote in part), and bulky bodies. It sleeps until woken; the idle
        # flag is raised before the queue is looked at a last time, and ``put`` appends before it
        # reads the flag, so a row put just as the sender goes to sleep wakes it.
        released = 0  # bytes of bodies handed to the writer since the free memory was last given back
        trimmed = -TRIM_INTERVAL_SECONDS  # when it last was (time.monotonic)
        while True:
            if not self._has_work():
                if self._stopping:
                    break
                timeout = None  # asleep until an item comes, or until a deferred trim is due
                if released:
                    due = trimmed + TRIM_INTERVAL_SECONDS - time.monotonic()
                    if due <= 0:
                        released, trimmed = 0, time.monotonic()
                        give_back_free_memory()
                    else:
                        timeout = due
                self._idle = True
                self._wake.clear()
                # Woken by an item (not by the deferred trim's timeout): let others gather.
                if (
                    not self._has_work()
                    and not self._stopping
                    and self._wake.wait(timeout)
                    and not self._stopping
                ):
                    time.sleep(GATHER_SECONDS)
                self._idle = False
                continue
            child = self._live_child()
            if child is None:
                return
            with self._write_lock:
                if child.input_closed:  # ended meanwhile: the next one, after the supervisor's accounting
                    continue
                # The frames put() held go first, to the child they were counted to (one that ended
                # has them in flight, and the new one must not get half a frame).
                if not self._write_held(wait=True):
                    continue
                # Until written, a batch's bodies still count against MAX_QUEUED_BYTES (the sender
                # holds them while the pipe is full), and a batch takes at most SEND_BATCH_BYTES.
                batch: list[Any] = []
                taken = 0
                while self._items and len(batch) < SEND_BATCH and taken < SEND_BATCH_BYTES:
                    item = self._items.popleft()
                    batch.append(item)
                    taken += _bulk_bytes(item)
                parts: list[Any] = []
                sendable: list[Any] = []
                names: list[tuple[bool, str]] = []  # (a flow?, its id) of each item, in order
                for item in batch:
                    try:
                        if isinstance(item, _Control):
                            parts += encode((item.kind, item.value))
                        else:
                            _out_of_band(item)
                            parts += encode(("item", item))
                            names.append((not isinstance(item, RunRow), _name(item)))
                        sendable.append(item)
                    except Exception as exc:  # a toolguard bug: counted and logged, the rest goes on
                        with self._lock:
                            self._lost[f"row could not be sent to the writer: {type(exc).__name__}"] += 1
                        logger.exception("toolguard: could not hand %s to the writer process", _name(item))
                with self._lock:
                    if child.dead:  # died meanwhile: these go to the next one
                        self._items.extendleft(reversed(sendable))
                        self._items_bytes -= taken - sum(_bulk_bytes(item) for item in sendable)
                        continue
                    if not child.unacked and names:
                        # The stall and silence clocks start with work held (see put).
                        child.last_progress = child.last_frame = time.monotonic()
                        self._watching.set()
                    child.sent += len(names)
                    child.unacked.extend(names)
                if parts:
                    self._write(child, parts)
                # Not held while the sender waits for the next item: the batch's bodies are written.
                batch, parts, sendable, item = [], [], [], None
                if taken:
                    released += taken
                    with self._lock:
                        self._items_bytes -= taken
        # Done: closing its input tells the child to drain, write and exit.
        with self._write_lock:
            self._write_held(wait=True)  # a put() that raced close() from another thread
            with self._lock:
                self._sender_done = True
                child = self._child
                if child is not None:
                    child.input_closed = True
        if child is not None and child.popen.stdin is not None:
            with contextlib.suppress(OSError):
                child.popen.stdin.close()

    def _has_work(self) -> bool:
        """Items to send, or frames put() held that its timer will not write (the pipe was full, no
        event loop, or the store is closing)."""
        return bool(self._items) or (self._held is not None and (self._flush_at is None or self._stopping))

    def _write(self, child: _Child, parts: list[Any]) -> bool:
        """Write frames to the child (the caller holds the write lock); False: it died meanwhile
        (the supervisor counts what it was sent as in flight)."""
        try:
            _write_parts(child.stdin, parts)
            return True
        except OSError:
            with contextlib.suppress(OSError):
                child.popen.kill()
            return False

    def _close_input(self, child: _Child) -> None:
        """Close an ended child's pipes, under the write lock: a descriptor number closed under a
        writer could be reused by the next file the proxy opens."""
        with self._write_lock:
            child.input_closed = True
            if self._held is not None and self._held[0] is child:
                self._held = None  # counted in flight: accounted with the rest of what it held
            _close(child.popen)


@dataclass(frozen=True)
class _Control:
    """A setting sent to the child in the items' order (not an item: not counted or acknowledged)."""

    kind: str
    value: Any


def _flows_in_flight(child: _Child | None) -> int:
    """Flows sent to a live ``child`` and not yet acknowledged (callers hold the lock). ``unacked``
    names every item sent, in order, a run's row too; the acknowledged ones are already popped."""
    if child is None or child.dead:
        return 0
    return sum(1 for is_flow, _ in child.unacked if is_flow)


def _write_parts(fd: int, parts: list[Any]) -> None:
    """Small parts joined into one write; a big buffer written from itself (no copy)."""
    small: list[Any] = []
    for part in parts:
        if isinstance(part, memoryview) and part.nbytes >= OUT_OF_BAND_BYTES:
            if small:
                write_all(fd, b"".join(small))
                small = []
            write_all(fd, part)
        else:
            small.append(part)
    if small:
        write_all(fd, b"".join(small))


def _grow_pipe(fd: int) -> None:
    """A 1 MiB pipe (Linux's default maximum) instead of 64 KiB: fewer wake-ups per large body."""
    try:
        import fcntl

        if hasattr(fcntl, "F_SETPIPE_SZ"):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass


def _ended(child: _Child) -> str:
    """Why a child's unacknowledged rows are dropped: the watchdog's finding, or its exit status."""
    if child.stuck:
        return f"writer process stuck ({child.stuck})"
    return f"writer process died (exit status {child.popen.returncode})"


def _reap(child: _Child) -> None:
    with contextlib.suppress(OSError):
        child.popen.kill()
    child.popen.wait()
    _close(child.popen)


def _close(popen: subprocess.Popen[bytes]) -> None:
    for stream in (popen.stdin, popen.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _name(item: Any) -> str:
    return str(getattr(item, "flow_id", None) or getattr(item, "id", None) or type(item).__name__)
