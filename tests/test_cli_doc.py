"""docs/cli.md is generated from every command's --help and current, and documents every command
and option (like sqlite-utils' docs test: an undocumented command fails here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from toolguard_analysis.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "cli.md"


def test_docs_cli_md_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_cli_doc.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr


def test_every_command_and_option_is_documented() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert cli.commands, "no commands registered"
    missing = []
    for name, command in cli.commands.items():
        if f"## toolguard {name}\n" not in page:
            missing.append(f"command {name}")
        section = page.split(f"## toolguard {name}\n", 1)[-1].split("\n## ", 1)[0]
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    if opt not in section:
                        missing.append(f"{name} {opt}")
            elif param.name and param.name.upper() not in section:
                missing.append(f"{name} argument {param.name.upper()}")
        if not (command.help or "").strip():
            missing.append(f"command {name} has no help")
    assert missing == []


def test_every_command_help_has_examples() -> None:
    for name in [None, *cli.commands]:
        result = CliRunner().invoke(cli, [name, "--help"] if name else ["--help"])
        assert result.exit_code == 0, result.output
        assert "toolguard " in result.output.split("Options:", 1)[0].split("\n", 2)[-1], name
    top = CliRunner().invoke(cli, ["--help"]).output
    for name in cli.commands:
        assert f"toolguard {name} " in top, f"the top-level --help has no example of {name}"


def test_every_example_that_starts_a_proxy_listens_on_loopback_only() -> None:
    # A new user's trial (session 15): `toolguard proxy --mode reverse:https://api.openai.com -p 8080`,
    # the help's first example, listened at *:8080: anyone on the network could send requests through
    # it and have their conversations stored. The README starts every proxy with --listen-host 127.0.0.1.
    page = PAGE.read_text(encoding="utf-8")
    starts = [
        line.strip()
        for line in page.splitlines()
        if line.strip().startswith(("toolguard proxy ", "mitmdump -s", "mitmweb -s"))
    ]
    assert len(starts) >= 4, starts
    assert [line for line in starts if "--listen-host 127.0.0.1" not in line] == []
