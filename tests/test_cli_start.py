"""``toolguard --help`` (and every command's ``--help``) starts without loading the rules, the causes
catalogue or the store: building them took ~0.9 s CPU on every command, ``--help`` included. The
command modules import them where they are used (analysis/cli.py). A fresh interpreter each time:
``sys.modules`` of the test process already holds everything."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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
