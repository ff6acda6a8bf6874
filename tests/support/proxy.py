"""Run the real ``mitmdump -s addon/toolguard.py`` as a child process for end-to-end tests.

Each :class:`Mitmdump` gets its own confdir (so its own CA), its own database file and a port chosen
by the OS (``-p 0``; the port is read back from mitmproxy's "proxy listening at" line, so concurrent
test runs never collide). :meth:`Mitmdump.stop` sends SIGINT (Ctrl-C) or SIGTERM and waits, bounded,
for mitmdump to exit, which is when toolguard's writer thread must have drained its queue.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from toolguard_core.verdict import STORE_READY

REPO_ROOT = Path(__file__).resolve().parents[2]
MITMDUMP = REPO_ROOT / ".venv" / "bin" / "mitmdump"
ADDON = REPO_ROOT / "addon" / "toolguard.py"
#: The ``toolguard`` command installed with the interpreter running the tests (``toolguard proxy``).
TOOLGUARD = Path(sys.executable).parent / "toolguard"
#: Writes the proxy's toolguard.stats to a file while it runs (``stats_probe=True``).
STATS_PROBE = Path(__file__).with_name("stats_probe.py")

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
_LISTENING = re.compile(r"listening at (?:\*|[\[\]0-9a-fA-F.:]+?):(\d+)\.?\s*$", re.MULTILINE)
#: What the addon logs once running with its store ready (as `toolguard run` waits for it, run.py).
_READY = STORE_READY


def mitmdump_executable() -> Path:
    """``.venv/bin/mitmdump`` (the README's), else the one next to the running interpreter."""
    if MITMDUMP.exists():
        return MITMDUMP
    return Path(sys.executable).parent / "mitmdump"


class MitmdumpError(RuntimeError):
    pass


class Mitmdump:
    """One mitmdump process with toolguard loaded.

    ``mode`` is ``None`` for a regular (forward) proxy or e.g. ``"reverse:http://127.0.0.1:1234"``.
    ``options`` are extra ``--set name=value`` pairs; ``args`` any further command-line arguments.
    ``top``: started as ``toolguard proxy`` (toolguard_core/launch.py: toolguard an addon, not a script) instead
    of ``mitmdump -s addon/toolguard.py``; ``db_path=None`` with ``default_db``: no ``toolguard_db``
    given (the default database, which ``env`` then points somewhere).
    """

    def __init__(
        self,
        workdir: Path,
        *,
        mode: str | None = None,
        options: dict[str, str] | None = None,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        db_path: Path | None = None,
        stats_probe: bool = False,
        top: bool = False,
        default_db: bool = False,
        wait_store: bool = True,
    ) -> None:
        self.top = top
        self.wait_store = wait_store
        self.default_db = default_db
        self.workdir = Path(workdir)
        self.stats_probe = stats_probe
        self.stats_path = self.workdir / "stats.json"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.confdir = self.workdir / "mitmproxy-conf"
        self.db_path = db_path or self.workdir / "toolguard.db"
        self.mode = mode
        self.options = dict(options or {})
        self.args = list(args)
        self.env = env
        self.port: int | None = None
        self.returncode: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lines: list[str] = []
        self._lines_lock = threading.Lock()
        self._reader: threading.Thread | None = None

    # ------------------------------------------------------------------ process

    def command(self) -> list[str]:
        launch = [str(TOOLGUARD), "proxy"] if self.top else [str(mitmdump_executable()), "-s", str(ADDON)]
        cmd = [
            *launch,
            "--listen-host",
            "127.0.0.1",
            "-p",
            "0",
            "--set",
            f"confdir={self.confdir}",
        ]
        if "toolguard_db" not in self.options and not self.default_db:  # e.g. a postgresql:// URL
            cmd += ["--set", f"toolguard_db={self.db_path}"]
        if self.mode:
            cmd += ["--mode", self.mode]
        for name, value in self.options.items():
            cmd += ["--set", f"{name}={value}"]
        if self.stats_probe:
            cmd += ["-s", str(STATS_PROBE)]
        return cmd + self.args

    def start(self, timeout: float = START_TIMEOUT) -> Mitmdump:
        env = dict(os.environ if self.env is None else self.env)
        env["PYTHONUNBUFFERED"] = "1"  # mitmdump's log lines must reach the pipe as they happen
        env.pop("HTTPS_PROXY", None)
        env.pop("HTTP_PROXY", None)
        if self.stats_probe:
            env["TOOLGUARD_TEST_STATS"] = str(self.stats_path)
        self._process = subprocess.Popen(
            self.command(),
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._reader = threading.Thread(target=self._read_output, name="mitmdump-output", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = self.output
            match = _LISTENING.search(output)
            # And the store open: the writer process starts beside mitmdump, not before it listens
            # (writerproc.py), and a test reading the database must find its tables. Not with
            # ``wait_store=False``: a test of the requests that come before it (the listening port only).
            if match and (_READY in output or not self.wait_store):
                self.port = int(match.group(1))
                return self
            if self._process.poll() is not None:
                self._reader.join(5)
                raise MitmdumpError(f"mitmdump exited with {self._process.returncode}:\n{self.output}")
            time.sleep(0.05)
        self.kill()
        raise MitmdumpError(f"mitmdump did not start listening within {timeout}s:\n{self.output}")

    def _read_output(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for raw in self._process.stdout:
            with self._lines_lock:
                self._lines.append(raw.decode("utf-8", "replace"))

    @property
    def output(self) -> str:
        with self._lines_lock:
            return "".join(self._lines)

    def wait_for_output(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        # The lines waited for (the validation worker started, the writer process restarted, the
        # store opened, a mode announced) come from the same start-up work START_TIMEOUT bounds:
        # 10 s was a quiet machine's bound. Polling returns on the match, so a pass is no slower.
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            match = regex.search(self.output)
            if match:
                return match
            time.sleep(0.05)
        raise MitmdumpError(f"{pattern!r} not in mitmdump's output within {timeout}s:\n{self.output}")

    def wait_for_stats(
        self, predicate: Callable[[dict[str, Any]], bool], what: str, timeout: float = START_TIMEOUT
    ) -> dict[str, Any]:
        """The proxy's ``toolguard.stats`` (written by the stats probe: ``stats_probe=True``) once
        ``predicate`` holds for them: the event a test waits for, instead of a sleep."""
        assert self.stats_probe, "start mitmdump with stats_probe=True"
        deadline = time.monotonic() + timeout
        stats: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                stats = json.loads(self.stats_path.read_text())
            except (OSError, ValueError):
                stats = {}
            if stats and predicate(stats):
                return stats
            time.sleep(0.05)
        raise MitmdumpError(f"{what}: not in toolguard.stats within {timeout}s (last: {stats})")

    def stop(self, sig: int = signal.SIGINT, timeout: float = STOP_TIMEOUT) -> str:
        """Send ``sig`` (SIGINT = Ctrl-C, or SIGTERM), wait for exit, and return mitmdump's output."""
        process = self._process
        if process is None:
            return self.output
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise MitmdumpError(
                    f"mitmdump did not exit within {timeout}s of {sig!r}:\n{self.output}"
                ) from None
        self.returncode = process.returncode
        if self._reader is not None:
            self._reader.join(5)
        self._process = None
        return self.output

    def terminate(self, timeout: float = STOP_TIMEOUT) -> str:
        return self.stop(signal.SIGTERM, timeout)

    def kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(5)
        if process is not None:
            self.returncode = process.returncode
        self._process = None

    def _status_bytes(self, field: str) -> int | None:
        """A memory line of ``/proc/<pid>/status`` in bytes (Linux only); None when it is absent."""
        assert self._process is not None, "mitmdump not started"
        for line in Path(f"/proc/{self._process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
        return None

    def peak_rss_bytes(self) -> int:
        """The process's peak resident memory so far (``VmHWM``)."""
        peak = self._status_bytes("VmHWM")
        if peak is None:
            raise MitmdumpError("no VmHWM in /proc/<pid>/status")
        return peak

    def shared_rss_bytes(self) -> int:
        """Resident shared memory now (``RssShmem``): toolguard's fixed ring for the validation worker
        (offload.Arena, mapped whole at start), which a test of per-request memory leaves out."""
        return self._status_bytes("RssShmem") or 0

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> Mitmdump:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.running:
            try:
                self.stop()
            except MitmdumpError:
                self.kill()

    # ------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        """The proxy's own address, e.g. ``http://127.0.0.1:41234``."""
        assert self.port is not None, "mitmdump not started"
        return f"http://127.0.0.1:{self.port}"

    @property
    def ca_cert(self) -> Path:
        """mitmproxy's CA certificate for clients in regular mode (created on first start)."""
        return self.confdir / "mitmproxy-ca-cert.pem"

    # ------------------------------------------------------------------ database

    def db(self) -> sqlite_utils.Database:
        """The capture database (open it after :meth:`stop` for a complete, drained view)."""
        if not self.db_path.exists():
            raise MitmdumpError(f"no database at {self.db_path}:\n{self.output}")
        return sqlite_utils.Database(self.db_path)

    def flows(
        self, where: str | None = None, where_args: Sequence[Any] | None = None
    ) -> list[dict[str, Any]]:
        return list(self.db()["flows"].rows_where(where, where_args, order_by="datetime_utc"))

    def findings(self, flow_id: str | None = None) -> list[dict[str, Any]]:
        table = self.db()["findings"]
        if flow_id is None:
            return list(table.rows_where(order_by="flow_id, idx"))
        return list(table.rows_where("flow_id = ?", [flow_id], order_by="idx"))

    def db_files_bytes(self) -> bytes:
        """The raw bytes of the database file and its -wal/-shm companions (for secret checks)."""
        data = b""
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = Path(f"{self.db_path}{suffix}")
            if path.exists():
                data += path.read_bytes()
        return data
