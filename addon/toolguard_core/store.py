"""The capture store: one SQLite file written by one thread.

Hooks never touch SQLite. They copy what they need off the flow into a :class:`FlowRow`
(plain data, already redacted) and :meth:`Store.put` it on a queue; the writer thread owns the
connection, applies migrations, and writes batches in transactions. :meth:`Store.close` drains the
queue, so everything queued is on disk before mitmdump exits (Ctrl-C or SIGTERM both run ``done``).

The schema is a public interface, documented in docs/schema.md. Change it only with a new migration.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils
from platformdirs import user_data_path
from pydantic import BaseModel
from sqlite_utils import Migrations

logger = logging.getLogger(__name__)

DB_ENV = "TOOLGUARD_DB"


def default_db_path() -> Path:
    """``$TOOLGUARD_DB``, else the per-user data dir (``~/.local/share/toolguard/toolguard.db`` on Linux)."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return user_data_path("toolguard", appauthor=False) / "toolguard.db"


def utc_now() -> str:
    return format_utc(datetime.now(UTC).timestamp())


def format_utc(timestamp: float) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. ``2026-11-22T20:45:28.123Z`` (sortable as text)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


migrations = Migrations("toolguard")


@migrations()
def m001_flows_and_findings(db: sqlite_utils.Database) -> None:
    # Raw DDL so that `error_code` has no declared type: SQLite then keeps the wire type
    # (OpenAI sends a string code, vLLM/llama.cpp/OpenRouter an integer).
    db.execute(
        """
        CREATE TABLE flows (
            id TEXT PRIMARY KEY,
            datetime_utc TEXT NOT NULL,
            method TEXT,
            scheme TEXT,
            host TEXT,
            port INTEGER,
            path TEXT,
            url TEXT,
            provider TEXT,
            client TEXT,
            model TEXT,
            stream INTEGER,
            status INTEGER,
            duration_ms INTEGER,
            request_headers_json TEXT,
            request_json TEXT,
            request_body TEXT,
            request_bytes INTEGER,
            response_headers_json TEXT,
            response_body TEXT,
            error_message TEXT,
            error_type TEXT,
            error_code,
            error_param TEXT,
            error_request_id TEXT,
            error_provider TEXT,
            error_shape TEXT,
            error_json TEXT,
            error_source TEXT,
            flow_error TEXT,
            verdict TEXT,
            finding_count INTEGER NOT NULL DEFAULT 0,
            error_finding_count INTEGER NOT NULL DEFAULT 0,
            internal_error TEXT,
            toolguard_version TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE findings (
            flow_id TEXT NOT NULL REFERENCES flows(id),
            idx INTEGER NOT NULL,
            rule TEXT NOT NULL,
            severity TEXT NOT NULL,
            location TEXT NOT NULL,
            message TEXT NOT NULL,
            PRIMARY KEY (flow_id, idx)
        )
        """
    )
    db["flows"].create_index(["datetime_utc"])
    db["flows"].create_index(["verdict"])
    db["flows"].create_index(["host"])
    db["findings"].create_index(["rule"])


@migrations()
def m002_websocket_messages(db: sqlite_utils.Database) -> None:
    # A row can be one message on a WebSocket (a Responses API `response.create` that the server
    # rejected, or that had findings): this column says which connection and message, NULL for HTTP.
    db["flows"].add_column("websocket_json", str)


class FindingRow(BaseModel):
    idx: int
    rule: str
    severity: str
    location: str
    message: str


class FlowRow(BaseModel):
    """One stored flow: the columns of ``flows`` plus its findings. Built on the event loop thread."""

    id: str
    datetime_utc: str
    method: str | None = None
    scheme: str | None = None
    host: str | None = None
    port: int | None = None
    path: str | None = None
    url: str | None = None
    provider: str | None = None
    client: str | None = None
    model: str | None = None
    stream: bool | None = None
    status: int | None = None
    duration_ms: int | None = None
    request_headers_json: str | None = None
    request_json: str | None = None
    request_body: str | None = None
    request_bytes: int | None = None
    response_headers_json: str | None = None
    response_body: str | None = None
    error_message: str | None = None
    error_type: str | None = None
    error_code: str | int | None = None
    error_param: str | None = None
    error_request_id: str | None = None
    error_provider: str | None = None
    error_shape: str | None = None
    error_json: str | None = None
    error_source: str | None = None
    flow_error: str | None = None
    verdict: str | None = None
    finding_count: int = 0
    error_finding_count: int = 0
    internal_error: str | None = None
    toolguard_version: str | None = None
    websocket_json: str | None = None
    findings: list[FindingRow] = []

    def columns(self) -> dict[str, Any]:
        return self.model_dump(exclude={"findings"})


def open_db(path: str | os.PathLike[str]) -> sqlite_utils.Database:
    """Open (creating if needed) a toolguard database with the schema migrated to the latest version."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.enable_wal()
    migrations.apply(db)
    return db


def write_rows(db: sqlite_utils.Database, rows: list[FlowRow]) -> None:
    """Write flows and their findings; a flow written again replaces its earlier row and findings."""
    with db.atomic():
        for row in rows:
            columns = row.columns()
            db.execute(
                f"INSERT OR REPLACE INTO flows ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                list(columns.values()),
            )
            db.execute("DELETE FROM findings WHERE flow_id = ?", [row.id])
            db.conn.executemany(
                "INSERT INTO findings (flow_id, idx, rule, severity, location, message) VALUES (?, ?, ?, ?, ?, ?)",
                [(row.id, f.idx, f.rule, str(f.severity), f.location, f.message) for f in row.findings],
            )


class RowSource(Protocol):
    """Anything the writer thread can turn into a row (``capture.Capture``); see ``Store.put``."""

    def to_row(self) -> FlowRow: ...


_STOP = object()


class Store:
    """Queue + writer thread. ``put`` never blocks on SQLite; ``close`` drains and joins."""

    def __init__(self, path: str | os.PathLike[str], batch_size: int = 200) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self.queue: queue.Queue[Any] = queue.Queue()
        self.written = 0
        self.failed = 0
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="toolguard-writer", daemon=True)

    def start(self) -> None:
        """Start the writer and wait until the database is open (so a bad path fails here, loudly)."""
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def put(self, item: FlowRow | RowSource) -> None:
        """Queue a row, or a source whose ``to_row()`` the writer thread calls (costly work off the loop)."""
        self.queue.put(item)

    def close(self, timeout: float | None = 30.0) -> None:
        if self._thread.is_alive():
            self.queue.put(_STOP)
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            db = open_db(self.path)
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while True:
                item = self.queue.get()
                batch: list[Any] = []
                stop = item is _STOP
                if not stop:
                    batch.append(item)
                while not stop and len(batch) < self.batch_size:
                    try:
                        item = self.queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stop = True
                    else:
                        batch.append(item)
                if batch:
                    self._write(db, batch)
                if stop:
                    return
        finally:
            db.close()

    def _write(self, db: sqlite_utils.Database, items: list[Any]) -> None:
        batch: list[FlowRow] = []
        for item in items:
            try:
                batch.append(item if isinstance(item, FlowRow) else item.to_row())
            except Exception:
                self.failed += 1
                logger.exception("toolguard: could not build the row for %r", getattr(item, "flow_id", item))
        try:
            write_rows(db, batch)
            self.written += len(batch)
        except Exception:
            # One bad batch must not stop the writer: retry row by row, count what still fails.
            for row in batch:
                try:
                    write_rows(db, [row])
                    self.written += 1
                except Exception:
                    self.failed += 1
                    logger.exception("toolguard: could not store flow %s in %s", row.id, self.path)
