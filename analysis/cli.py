"""The ``toolguard`` command line: check request files, run a client through the proxy, summarise
and merge capture databases. ``toolguard COMMAND --help`` documents each command with examples."""

from __future__ import annotations

import click

from toolguard_core.store import default_db_path


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="toolguard")
def cli() -> None:
    """toolguard: find out why an OpenAI-compatible API rejects your client's requests.

    \b
    Capture (the proxy writes flagged flows to the default database):
        mitmdump -s addon/toolguard.py --mode reverse:https://api.openai.com
    Then:
        toolguard summary                      # recurring failures, by rule and error
        toolguard check request.json           # lint one request body offline
        toolguard run -- qwen -p "..." --yolo  # run a client through toolguard
    """


def db_option(multiple: bool = False):
    return click.option(
        "--db",
        "db_paths" if multiple else "db_path",
        multiple=multiple,
        type=click.Path(dir_okay=False),
        help=f"Database file (default: $TOOLGUARD_DB or {default_db_path()}).",
    )


# Each command lives in its own module and registers itself on `cli`.
from toolguard_analysis import check_command, merge, run_command, summary  # noqa: E402, F401
