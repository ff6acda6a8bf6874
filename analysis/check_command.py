"""``toolguard check``: lint one request body offline through the addon's own code path."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import click

from toolguard_analysis.cli import cli
from toolguard_core.analyze import analyse_request
from toolguard_core.findings import SEVERITY_ORDER, Severity
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import Target

DEFAULT_URL = "https://api.openai.com/v1/chat/completions"


def _validate_url(ctx: click.Context, param: click.Parameter, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{url!r} is not an http(s) URL with a host, e.g. {DEFAULT_URL}", ctx, param)
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise click.BadParameter(f"{url!r}: {exc}", ctx, param) from exc
    return url


def _target(url: str, providers_file: str | None) -> Target:
    """The target as the addon would see it: built-in profiles, or the user's providers file."""
    if providers_file is None:
        return Target.from_url(url, DEFAULT_REGISTRY)
    try:
        from toolguard_core import profiles_config  # the provider-config loader (issue 3, profiles)
    except ImportError as exc:  # pragma: no cover - depends on the profiles module being present
        raise click.UsageError(f"--providers is not supported by this build: {exc}") from exc
    try:
        registry = profiles_config.load_registry(Path(providers_file))
    except Exception as exc:  # any problem in the user's file is a usage error, reported clearly
        raise click.BadParameter(f"{providers_file}: {exc}", param_hint="--providers") from exc
    return Target.from_url(url, registry)


@cli.command()
@click.argument("file", type=click.File("rb"), default="-")
@click.option(
    "--url",
    default=DEFAULT_URL,
    show_default=True,
    callback=_validate_url,
    help="Validate as if the body were sent to this URL (decides the provider and its rules).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='text: one line per finding; json: {"findings": [{rule, severity, location, message}]}.',
)
@click.option(
    "--providers",
    "providers_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Provider profiles file (gateway hosts, model overrides), as given to the addon.",
)
def check(file: IO[bytes], url: str, fmt: str, providers_file: str | None) -> None:
    """Lint one chat-completions request body (FILE, or - for stdin) offline.

    The body goes through the same code path as the proxy addon (analyse_request), as if it were
    sent to --url: the URL decides the provider, and the provider decides which rules apply and
    how severe they are (vLLM accepts what OpenAI rejects).

    Exit status: 1 when any error-severity finding, 0 otherwise (warnings only, or clean),
    2 on usage errors (missing file, bad URL, bad providers file).

    \b
    Examples:
        toolguard check request.json
        toolguard check --url https://api.deepseek.com/chat/completions request.json
        toolguard check --url http://localhost:8000/v1/chat/completions vllm-body.json
        cat body.json | toolguard check --format json -
        toolguard check --providers gateways.toml --url https://llm.corp.example/v1/chat/completions req.json
    """
    target = _target(url, providers_file)
    analysis = analyse_request(file.read(), url, target=target)
    findings = sorted(analysis.findings, key=lambda f: SEVERITY_ORDER[f.severity])
    if fmt == "json":
        payload: dict[str, Any] = {"findings": [f.model_dump(mode="json") for f in findings]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            click.echo(finding.one_line())
        counts = {s: sum(1 for f in findings if f.severity == s) for s in Severity}
        click.echo(
            f"{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s) "
            f"for {target.provider.name} ({url})"
        )
    for internal in analysis.internal_errors:  # a toolguard bug: say so, but never fail the lint on it
        click.echo(f"toolguard internal error in {internal.where}: {internal.error}", err=True)
    sys.exit(1 if analysis.has_error else 0)
