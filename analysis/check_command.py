"""``toolguard check``: lint one request body offline through the addon's own code path."""

from __future__ import annotations

import json
import sys

import click

from toolguard_analysis.cli import cli
from toolguard_core.analyze import analyse_request
from toolguard_core.findings import Severity

DEFAULT_URL = "https://api.openai.com/v1/chat/completions"


@cli.command()
@click.argument("file", type=click.File("rb"), default="-")
@click.option("--url", default=DEFAULT_URL, show_default=True, help="Validate as if sent to this URL.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(file, url: str, fmt: str) -> None:
    """Lint one chat-completions request body (FILE, or - for stdin).

    Exit status: 1 when any error-severity finding, 0 otherwise, 2 on usage errors.

    \b
    Examples:
        toolguard check request.json
        toolguard check --url https://api.deepseek.com/chat/completions request.json
        cat body.json | toolguard check --format json -
    """
    analysis = analyse_request(file.read(), url)
    if fmt == "json":
        click.echo(json.dumps({"findings": [f.model_dump(mode="json") for f in analysis.findings]}, indent=2))
    else:
        for finding in analysis.findings:
            click.echo(finding.one_line())
        if not analysis.findings:
            click.echo("no findings")
    sys.exit(1 if any(f.severity == Severity.ERROR for f in analysis.findings) else 0)
