"""Databases written by older toolguard releases, opened by this one (the reliability walkthrough).

Each older commit is taken from this checkout's own history (``git archive``) and its addon is run
by the real mitmdump against the loopback upstream; the capture it leaves is then read and merged
by the current CLI. Skipped where the history is not there (a shallow clone, an sdist)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from support.proxy import REPO_ROOT, Mitmdump
from support.upstream import Upstream, openai_like

from toolguard_core.store import migrations

pytestmark = pytest.mark.e2e

TOOLGUARD = Path(sys.executable).with_name("toolguard")
LATEST = migrations.pending(sqlite_utils.Database(memory=True))[-1].name
#: The first commit (one migration, a writer thread) and the last before m011_precise_verdicts.
OLDER = {
    "first": "ceba4ec0bd0ebca1fe4e2efa4019914c1bc79148",
    "before-m011": "2b72b366a2dadc6bcf04a75f7197bf3bb2ac20f8",
}


def _checkout(commit: str, into: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", commit, "addon"], capture_output=True, timeout=60
    )
    if archive.returncode != 0:
        pytest.skip(f"commit {commit} is not in this checkout's history")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into / "addon" / "toolguard.py"


class OlderMitmdump(Mitmdump):
    def __init__(self, script: Path, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.script = script

    def command(self) -> list[str]:
        # mitmdump puts the script's directory first on sys.path: the older toolguard_core loads.
        command = super().command()
        command[command.index("-s") + 1] = str(self.script)
        return command


def _toolguard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TOOLGUARD), *args], capture_output=True, text=True, timeout=120)


def _capture_with(name: str, tmp_path: Path) -> Path:
    script = _checkout(OLDER[name], tmp_path / name)
    db = tmp_path / f"{name}.db"
    with Upstream(openai_like()) as upstream:
        proxy = OlderMitmdump(script, tmp_path / f"{name}-m", mode=f"reverse:{upstream.url}", db_path=db)
        with proxy:
            for content in ("a", "b"):
                body = {
                    "model": "gpt-4o-mini",
                    "messages": [
                        {"role": "user", "content": content},
                        {"role": "tool", "tool_call_id": f"call_{content}", "content": "42"},
                    ],
                }
                assert (
                    httpx.post(f"{proxy.url}/v1/chat/completions", json=body, timeout=30).status_code == 400
                )
            ok = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
            assert httpx.post(f"{proxy.url}/v1/chat/completions", json=ok, timeout=30).status_code == 200
        assert proxy.returncode == 0, proxy.output
    return db


@pytest.mark.parametrize("name", list(OLDER))
def test_a_capture_by_an_older_release_is_read_and_migrated_by_this_one(name: str, tmp_path: Path) -> None:
    db = _capture_with(name, tmp_path)
    with sqlite3.connect(db) as conn:  # written by the older code: this version's last migration is not there
        applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert applied and migrations.pending(sqlite_utils.Database(db))[-1].name == LATEST
    assert LATEST not in applied
    summary = _toolguard("summary", "--db", str(db), "--format", "json")
    assert summary.returncode == 0, summary.stderr
    assert json.loads(summary.stdout)["totals"] == {
        "flows": 2,
        "rejected": 2,
        "groups": 1,
        "predicted": 2,
        "recognised": 0,
        "unexplained": 0,
    }
    show = _toolguard("show", "--db", str(db), "--last")
    assert show.returncode == 0 and "sequence.orphan-tool-message" in show.stdout, show.stderr
    learned = _toolguard("learned", "list", "--db", str(db))  # migrates the file to this schema
    assert (learned.returncode, learned.stdout.strip()) == (0, "nothing learned yet"), learned.stderr
    merged = _toolguard("merge", str(tmp_path / "all.db"), str(db))
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.strip().endswith("added 2 flows and 2 findings from 1 database(s)")
