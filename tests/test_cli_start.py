"""``toolguard --help`` (and every command's ``--help``) starts without loading the rules, the causes
catalogue or the store: building them took ~0.9 s CPU on every command, ``--help`` included. The
command modules import them where they are used (analysis/cli.py). ``toolguard learned
list|forget|export`` open a real database through the store and read or delete rows without
loading the rules, the catalogue or the providers either (the store and learned_store import them
where rows are derived). A fresh interpreter each time: ``sys.modules`` of the test process already
holds everything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from toolguard_core.learned_store import import_learned
from toolguard_core.store import open_db

#: What a help page must not load: the rules, the causes catalogue, the store and its migrations.
HEAVY = ("toolguard_core.causes", "toolguard_core.rules", "toolguard_core.store", "toolguard_core.providers")

PROBE = """
import json, sys
from toolguard_analysis.cli import cli
try:
    cli(sys.argv[1:], prog_name="toolguard")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("toolguard"))), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["run", "--help"],
        ["check", "--help"],
        ["show", "--help"],
        ["summary", "--help"],
        ["learned", "list", "--help"],
        ["proxy", "--help"],
    ],
)
def test_a_help_page_loads_neither_the_rules_nor_the_catalogue(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("Usage: toolguard")
    loaded = json.loads(result.stderr.strip().splitlines()[-1])
    assert [module for module in loaded if module.startswith(HEAVY)] == []


#: What reading and deleting learned rows must not load: HEAVY but the store, which opens the file.
CATALOGUE = tuple(module for module in HEAVY if module != "toolguard_core.store")

#: One learned row, as an export carries it (xAI's refusal, https://github.com/lobehub/lobehub/issues/8389).
LEARNED_EXPORT = {
    "format": "toolguard-learned",
    "version": 1,
    "constraints": [
        {
            "host": "api.x.ai",
            "model": "grok-4",
            "kind": "param",
            "name": "presence_penalty",
            "error_text": "Argument not supported on this model: presencePenalty",
            "first_flow": "f-grok-1",
            "first_seen": "2026-11-29T10:00:00.000Z",
        }
    ],
    "calibration": [],
}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["learned", "list"], "presence_penalty"),
        (["learned", "list", "--json"], '"presence_penalty"'),
        (["learned", "export", "-"], '"toolguard-learned"'),
        (["learned", "forget", "--host", "api.x.ai"], "forgot 1 row(s)"),
    ],
)
def test_reading_learned_rows_loads_neither_the_rules_nor_the_catalogue(
    args: list[str], says: str, tmp_path: Path
) -> None:
    path = tmp_path / "t.db"
    db = open_db(path)
    import_learned(db, LEARNED_EXPORT)
    db.close()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args, "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert says in result.stdout
    loaded = json.loads(result.stderr.strip().splitlines()[-1])
    assert "toolguard_core.store" in loaded  # the real store opened the file
    assert [module for module in loaded if module.startswith(CATALOGUE)] == []
