"""``python -m toolguard_core.writer``: the capture store's process (see writerproc.py).

Reads frames from stdin (writerproc.encode: a pickled ``(kind, value)`` and its out-of-band
buffers): first the :class:`~toolguard_core.writerproc.WriterConfig`, then items (Captures, rows,
run rows) and settings, in order. Runs today's :class:`~toolguard_core.store.Store` on them — the
row's work (redaction, error parsing, grouping, the content split), migrations, learning, retries
and drop counting — with the PostgreSQL syncer and the OpenTelemetry export as its listeners, as
the proxy did in-process. Answers on stdout with JSON frames: ``ready`` (or the error that stops
it), ``ack`` (items processed so far and the counters), ``knowledge`` and ``log``. At the end of
its input it writes what is queued, lets the sinks flush, sends a last ``ack`` and exits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from toolguard_core.learned import Knowledge
from toolguard_core.store import _STOP, Store, Verdicts, cannot_open
from toolguard_core.writerproc import HEAD, HEARTBEAT_SECONDS, LENGTH, WriterConfig

#: How often the counters go to the proxy when they changed (they also go after the last write).
ACK_SECONDS = 0.2


class Link:
    """The frames to the proxy: one lock, so the writer thread, the sinks' threads and logging
    never interleave two frames."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.lock = threading.Lock()
        self.broken = False

    def send(self, frame: dict[str, Any]) -> None:
        data = json.dumps(frame, default=str).encode()
        with self.lock:
            if self.broken:
                return
            try:
                self.out.write(LENGTH.pack(len(data)) + data)
                self.out.flush()
            except OSError:  # the proxy is gone; nothing to tell any more
                self.broken = True


class ForwardLogs(logging.Handler):
    """Log records go to the proxy, which logs them under the same names (mitmproxy shows them)."""

    def __init__(self, link: Link) -> None:
        super().__init__(logging.INFO)
        self.link = link
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.link.send(
                {"t": "log", "level": record.levelno, "name": record.name, "msg": self.format(record)}
            )
        except Exception:
            self.handleError(record)


class ChildStore(Store):
    """The Store, counting the items it has processed (written or dropped) for the proxy's ack."""

    processed = 0

    def _write(self, db: Any, items: list[Any]) -> Any:
        try:
            return super()._write(db, items)
        finally:
            self.processed += len(items)


def read_message(stdin: BinaryIO) -> tuple[str, Any] | None:
    raw = _read(stdin, HEAD.size)
    if raw is None:
        return None
    size, n_buffers = HEAD.unpack(raw)
    data = _read(stdin, size)
    if data is None:
        return None
    buffers: list[bytes] = []
    for _ in range(n_buffers):
        length = _read(stdin, LENGTH.size)
        buffer = None if length is None else _read(stdin, LENGTH.unpack(length)[0])
        if buffer is None:
            return None
        buffers.append(buffer)
    return pickle.loads(data, buffers=buffers)


def _read(stdin: BinaryIO, n: int) -> bytes | None:
    """``n`` bytes (None at the end of input) through the buffered reader ``main`` opens: the proxy
    writes many small frames at once (writerproc ``put``), and reading each header and body with
    its own system call was two per row."""
    data = stdin.read(n)
    return data if len(data) == n else None


class Writer:
    def __init__(self, config: WriterConfig, link: Link) -> None:
        self.config = config
        self.link = link
        self.store = ChildStore(
            config.db,
            config.batch_size,
            demote_after=config.demote_after,
            on_knowledge=self._knowledge if config.learn else None,
            refresh_seconds=config.refresh_seconds,
            retry_seconds=config.retry_seconds,
            busy_timeout=config.busy_timeout,
            on_verdicts=self._verdicts,
        )
        self.syncer: Any = None
        self.otlp: Any = None
        self._last: dict[str, Any] | None = None
        self._sent_at = time.monotonic()  # of the last frame with the counters
        self._received = 0  # items read from the proxy (each is processed once written or dropped)
        self._done = threading.Event()
        self._draining = False  # the end of input: the writer thread finishes on purpose

    def _knowledge(self, knowledge: Knowledge) -> None:
        self.link.send({"t": "knowledge", "data": knowledge.as_json()})

    def _verdicts(
        self,
        verdicts: list[Verdicts],
        late: dict[str, list[Any]] | None = None,
        demoted: dict[str, list[str]] | None = None,
    ) -> None:
        """The decisions of the rows the proxy left its rejections' reading to, at once (not with
        the next ack): its console line waits for them (writerproc ``on_verdicts``); with the
        ``learned.*`` findings the writer added to them and the rules whose errors it lowered for a
        demotion (Store.on_verdicts), when any."""
        frame: dict[str, Any] = {"t": "verdicts", "v": verdicts}
        if late:
            frame["l"] = late
        if demoted:
            frame["d"] = demoted
        self.link.send(frame)

    def open(self) -> dict[str, Any] | None:
        """Open the database and the sinks; the error frame when one cannot be."""
        try:
            self.store.start()
        except Exception as exc:
            return {"t": "ready", "option": "toolguard_db", "error": cannot_open(self.config.db, exc)}
        try:
            self._open_sinks()
        except ImportError as exc:
            option = (
                "toolguard_otlp_endpoint"
                if self.syncer is not None or not self.config.pg_url
                else "toolguard_db"
            )
            self._stop_store()
            return {"t": "ready", "option": option, "error": str(exc)}
        except Exception as exc:
            self._stop_store()
            return {"t": "ready", "option": "toolguard_db", "error": f"{type(exc).__name__}: {exc}"}
        return None

    def _open_sinks(self) -> None:
        """The PostgreSQL syncer and the OpenTelemetry export, hooked to the store's written rows
        (their libraries are optional extras, imported only when asked for)."""
        if self.config.pg_url:
            from toolguard_core.pgstore import Syncer

            self.syncer = Syncer(Path(self.config.db), self.config.pg_url)
        if self.config.otlp_endpoint:
            from toolguard_core.otel import OtlpExport

            self.otlp = OtlpExport(self.config.otlp_endpoint, content=self.config.otlp_content)
        if self.syncer is not None:
            self.store.listeners.append(self.syncer.wake)
            self.syncer.start()
        if self.otlp is not None:
            self.store.listeners.append(self.otlp.on_rows)

    def counters(self) -> dict[str, Any]:
        store = self.store
        sinks: dict[str, int] = {}
        for sink in (self.syncer, self.otlp):
            if sink is not None:
                sinks.update(sink.stats())
        return {
            "processed": store.processed,
            "written": store.written,
            "retries": store.retries,
            "recreated": store.recreated,
            "dropped": dict(store.dropped),
            "sinks": sinks,
        }

    def ack(self, *, force: bool = False) -> None:
        counts = self.counters()
        if force or counts != self._last:
            self._last = counts
            self._sent_at = time.monotonic()
            self.link.send({"t": "ack", **counts})

    def _acks(self) -> None:
        """Counters every ACK_SECONDS while they change, and every HEARTBEAT_SECONDS while it holds
        items not yet processed (the proxy's watchdog takes a silent writer holding rows for a stuck
        one: writerproc.py; holding none, it has nothing to say: no frame that would wake the proxy's
        reader thread once a second, issue #12 session 19); a writer thread that died ends the
        process (the proxy then counts what it held as dropped and starts another writer)."""
        while not self._done.wait(ACK_SECONDS):
            holding = self._received != self.store.processed
            self.ack(force=holding and time.monotonic() - self._sent_at >= HEARTBEAT_SECONDS)
            if not self._draining and not self.store._thread.is_alive():
                logging.getLogger(__name__).error("toolguard: the writer thread stopped; exiting")
                self.link.out.flush()
                os._exit(3)

    def serve(self, stdin: BinaryIO) -> None:
        self._last = self.counters()
        self.link.send({"t": "ready", **self._last})
        # Warm up after saying ready (the proxy waits for that line at start): the first Capture to
        # arrive needs the row's code (causes, redaction, error parsing), a few hundred ms to import.
        from toolguard_core.capture import capture_from

        acks = threading.Thread(target=self._acks, name="toolguard-writer-ack", daemon=True)
        acks.start()
        while (message := read_message(stdin)) is not None:
            kind, value = message
            if kind == "item":
                self._received += 1
                self.store.put(value)
            elif kind == "capture":  # a Capture's values (writerproc._frame)
                self._received += 1
                self.store.put(capture_from(value))
            elif kind == "demote_after":
                self.store.demote_after = value
        self._draining = True
        self._stop_store()
        if self.syncer is not None:
            self.syncer.close()
        if self.otlp is not None:
            self.otlp.shutdown()
        self._done.set()
        acks.join()
        self.ack(force=True)

    def _stop_store(self) -> None:
        # Store.close without its log lines: the proxy says how the drain goes and how it ended.
        self.store.queue.put(_STOP)
        self.store._thread.join()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the proxy ends the writer by closing its input
    # As the validation worker does (worker.py): the frames get a private copy of fd 1, and fd 1
    # itself (a stray print() in a library) goes to stderr, so nothing lands between two frames.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    link = Link(out)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(ForwardLogs(link))
    # A reader with a pipe's worth of buffer (writerproc grows the pipe to 1 MiB): one read takes
    # every frame waiting; a body bigger than it is read straight into its bytes.
    stdin = open(sys.stdin.fileno(), "rb", buffering=1 << 20, closefd=False)  # noqa: SIM115
    first = read_message(stdin)
    if first is None or first[0] != "config":
        sys.exit(2)
    writer = Writer(first[1], link)
    error = writer.open()
    if error is not None:
        link.send(error)
        sys.exit(1)
    writer.serve(stdin)
    with contextlib.suppress(OSError):
        out.flush()


if __name__ == "__main__":
    main()
