"""A capture database on a place this user cannot write (a read-only mount, a CI artifact, another
user's directory): the read-only commands read it, the proxy and the writing commands say why not.

Found by the reliability walkthrough (reliability8): ``toolguard summary`` and ``toolguard show``
answered "cannot read the database: unable to open database file" for a perfectly good file (a
reader of a WAL database must create its ``-shm`` file beside it), and the proxy's start-up line
said only SQLite's "unable to open database file"."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.proxy import Mitmdump

from toolguard_core.store import FindingRow, FlowRow, format_utc, open_db, write_rows

pytestmark = pytest.mark.e2e

TOOLGUARD = Path(sys.executable).with_name("toolguard")


def _capture(path: Path) -> None:
    db = open_db(path)
    finding = FindingRow(
        idx=0, rule="sequence.orphan-tool-message", severity="error", location="messages[1]", message="m"
    )
    write_rows(
        db,
        [
            FlowRow(
                id="flow-1",
                datetime_utc=format_utc(1_700_000_000.0),
                host="api.openai.com",
                path="/v1/chat/completions",
                status=400,
                error_message="Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
                finding_count=1,
                findings=[finding],
            )
        ],
    )
    db.close()


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory holding a capture, then made read-only: a read-only bind mount as root (root
    writes through file modes), the directory's mode otherwise."""
    source = tmp_path / "source"
    source.mkdir()
    _capture(source / "capture.db")
    assert not list(source.glob("capture.db-*"))  # the last connection closed: no -wal/-shm left
    if os.geteuid() != 0:
        source.chmod(0o555)
        try:
            yield source
        finally:
            source.chmod(0o755)
        return
    target = tmp_path / "ro"
    target.mkdir()
    if (
        shutil.which("mount") is None
        or subprocess.run(["mount", "--bind", str(source), str(target)]).returncode
    ):
        pytest.skip("cannot bind-mount here")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(target)]).returncode:
            pytest.skip("cannot remount read-only here")
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def _reason(what: str) -> str:
    kind = "on a read-only file system" if os.geteuid() == 0 else "not writable by this user"
    return f"{what} is {kind}"


def test_summary_and_show_read_a_capture_in_a_read_only_place(read_only_dir: Path) -> None:
    db = read_only_dir / "capture.db"
    summary = subprocess.run(
        [str(TOOLGUARD), "summary", "--db", str(db), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert summary.returncode == 0, summary.stderr
    assert json.loads(summary.stdout)["totals"] == {
        "flows": 1,
        "rejected": 1,
        "groups": 1,
        "predicted": 1,
        "recognised": 0,
        "unexplained": 0,
    }
    show = subprocess.run(
        [str(TOOLGUARD), "show", "--db", str(db), "flow-1"], capture_output=True, text=True, timeout=60
    )
    assert show.returncode == 0, show.stderr
    assert show.stdout.splitlines()[0] == "flow flow-1"
    assert not list(read_only_dir.glob("capture.db-*"))


def test_a_writing_command_says_the_place_is_read_only(read_only_dir: Path) -> None:
    db = read_only_dir / "capture.db"
    result = subprocess.run(
        [str(TOOLGUARD), "learned", "list", "--db", str(db)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr.strip()) == (
        1,
        f"Error: cannot open the database: unable to open database file ({_reason(f'the file {db}')})",
    )


@pytest.mark.parametrize("name", ["capture.db", "sub/new.db"])
def test_the_proxy_says_the_place_is_read_only_and_stops(
    read_only_dir: Path, tmp_path: Path, name: str
) -> None:
    db = read_only_dir / name
    proxy = Mitmdump(tmp_path / "m", db_path=db)
    result = subprocess.run(proxy.command(), capture_output=True, text=True, timeout=60, cwd=tmp_path)
    output = result.stdout + result.stderr
    lines = [line.split("] ", 1)[-1] for line in output.splitlines() if "toolguard:" in line]
    what = f"the file {db}" if db.exists() else f"the directory {read_only_dir}"
    assert result.returncode == 1, output
    assert len(lines) == 1 and lines[0].startswith(
        f"toolguard: cannot start: toolguard_db: cannot open {db}: "
    ), output
    assert lines[0].endswith(f" ({_reason(what)}; give toolguard_db a path where this user can write)")
