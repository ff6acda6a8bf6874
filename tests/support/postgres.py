"""A real, throwaway PostgreSQL server for the tests: Debian's ``postgresql`` package, a new cluster
in a temporary directory, listening on 127.0.0.1 on a free port (and its unix socket in that
directory). ``stop()``/``start()`` let a test take the server away in the middle of a run.

PostgreSQL refuses to run as root, so as root the cluster belongs to ``nobody`` (``runuser``).

A cluster's directory is named after the process that made it (``toolguard-pg-<pid>-...``): a pytest
killed before its fixture's ``destroy`` leaves the cluster, and its server, in /dev/shm, so each new
server first stops and removes the clusters whose maker is dead (:func:`remove_stale_clusters`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from support.ports import fixed_port

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
TIMEOUT = 60


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory, if any."""
    for directory in BIN_DIRS:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


def _ram_dir() -> str | None:
    """A tmpfs directory for the throwaway cluster, or None for the default temporary directory."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


PREFIX = "toolguard-pg-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def remove_stale_clusters(bin_dir: Path, parent: str | None = None) -> list[Path]:
    """Stop and delete the throwaway clusters under ``parent`` whose maker (the pid in the name) is
    dead; returns them. Clusters of live processes (another engineer's test session) and
    directories named otherwise are left alone."""
    removed = []
    for root in Path(parent or tempfile.gettempdir()).glob(PREFIX + "*"):
        maker = root.name.removeprefix(PREFIX).split("-", 1)[0]
        if not maker.isdigit() or _pid_alive(int(maker)) or not root.is_dir():
            continue
        data = root / "data"
        if (data / "postmaster.pid").exists():
            as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
            with contextlib.suppress(Exception):
                subprocess.run(
                    [
                        *as_user,
                        str(bin_dir / "pg_ctl"),
                        "-D",
                        str(data),
                        "-m",
                        "immediate",
                        "-w",
                        "-t",
                        "30",
                        "stop",
                    ],
                    capture_output=True,
                    timeout=TIMEOUT,
                    cwd=root,
                )
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    return removed


def _free_port() -> int:
    # Outside the ephemeral range: the server binds it only after initdb, time enough for a
    # concurrent bind(0) or outgoing connection to take a port the kernel handed back.
    return fixed_port()


class PostgresServer:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        # Not under pytest's tmp dir: its parents are private to root, and the server runs as nobody.
        # In RAM (/dev/shm) when there is one: every test's CREATE DATABASE copies template1 (~8 MB,
        # ~300 files), and on a shared disk deleting a session's worth of them took 20-50 s.
        remove_stale_clusters(bin_dir, _ram_dir())
        self.root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=_ram_dir()))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "nobody", "--"]
            shutil.chown(self.root, "nobody")
        self._run(
            "initdb", "-D", str(self.data), "-U", "toolguard", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.root}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 50\n"
            )

    @property
    def url(self) -> str:
        return f"postgresql://toolguard@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin_dir / tool), *args],
            check=True,
            capture_output=True,
            timeout=TIMEOUT,
            cwd=self.root,
        )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def create_database(self, name: str) -> str:
        """A fresh database on this server; its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def destroy(self) -> None:
        # Immediate, not fast: the cluster is deleted next, so its shutdown checkpoint is wasted work.
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
