"""Every `sqlite-utils` command the docs print runs, as printed, on a real capture database.

The queries in README.md and docs/*.md name columns, views and JSON paths of docs/schema.md; a
migration that renames one leaves a doc whose command fails for the user who pastes it. Each
command is taken from its shell block (continuation lines joined), the database path the doc uses
is pointed at a capture written by the store, and a placeholder flow id (``6f1c...``) becomes a
stored one. Fast and offline: sqlite-utils on a small file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_summary import machine_a, write_db

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
# How the docs name the database; each becomes "$DB".
DB_NAMES = ("~/.local/share/toolguard/toolguard.db", "toolguard.db")


def blocks(text: str) -> list[str]:
    """The shell blocks (```bash, ```sh or unlabelled) of a Markdown text, fence by fence."""
    out: list[str] = []
    body: list[str] | None = None
    shell = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            if body is None:
                body, shell = [], line.strip().removeprefix("```") in ("", "bash", "sh", "shell")
            else:
                if shell:
                    out.append("\n".join(body))
                body = None
        elif body is not None:
            body.append(line)
    return out


def commands(path: Path) -> list[str]:
    found = []
    for block in blocks(path.read_text()):
        current = ""
        for line in block.splitlines():
            current += line + "\n"
            if current.count('"') % 2 == 0 and not line.rstrip().endswith("\\"):
                if current.lstrip().startswith("sqlite-utils"):
                    found.append(current.strip())
                current = ""
    return found


CASES = [(path.relative_to(ROOT).as_posix(), cmd) for path in DOCS for cmd in commands(path)]


def test_the_docs_print_sqlite_utils_commands() -> None:
    assert len(CASES) >= 15  # the extraction still finds the docs' queries


@pytest.mark.parametrize(("doc", "command"), CASES, ids=[f"{d}:{i}" for i, (d, _) in enumerate(CASES)])
def test_a_documented_query_runs_as_printed(doc: str, command: str, tmp_path: Path) -> None:
    rows = machine_a()
    db = write_db(tmp_path / "capture.db", rows)
    for name in DB_NAMES:
        command = re.sub(rf"(?<=\s){re.escape(name)}(?=\s)", '"$DB"', command)
    command = command.replace("6f1c...", rows[0].id)
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"],
        env={**os.environ, "DB": str(db), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{doc}: {command}\n{result.stderr}"
