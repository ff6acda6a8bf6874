"""The ``toolguard`` command line: every click command lives here (issue #15).

Commands parse options, call the click-free library below them (check, run, summary, render, db,
merge, timefilters) and turn its plain exceptions (:mod:`toolguard_analysis.errors`) into click's
errors. Nothing imports this module back, so the library (and the addon's ``toolguard.summary``)
loads neither click nor the CLI. ``toolguard COMMAND --help`` documents each command with examples;
docs/cli.md is generated from that help (scripts/gen_cli_doc.py).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TextIO

import click

from toolguard_analysis.check import DEFAULT_URL, check_body, render_findings, validate_url
from toolguard_analysis.errors import BadParameter, ToolguardError, UsageError
from toolguard_analysis.merge import merge
from toolguard_analysis.render import render
from toolguard_analysis.run import DEFAULT_API_PATH, DEFAULT_UPSTREAM, run_session
from toolguard_analysis.summary import build_summary
from toolguard_analysis.timefilters import parse_when
from toolguard_core.modes import Mode
from toolguard_core.store import default_db_path


def _library[T](fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call library code, turning its plain exceptions into click's (exit status 2 or 1)."""
    try:
        return fn(*args, **kwargs)
    except BadParameter as exc:
        raise click.BadParameter(str(exc), param_hint=exc.param) from exc
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    except ToolguardError as exc:
        raise click.ClickException(str(exc)) from exc


def _url_option(ctx: click.Context, param: click.Parameter, url: str) -> str:
    try:
        return validate_url(url)
    except BadParameter as exc:
        raise click.BadParameter(str(exc), ctx, param) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="toolguard")
def cli() -> None:
    """toolguard: find out why an OpenAI-compatible API rejects your client's requests.

    \b
    Capture (the proxy writes flagged flows to the default database):
        mitmdump -s addon/toolguard.py --mode reverse:https://api.openai.com
    Examples:
        toolguard summary                      # recurring failures, by rule and error
        toolguard check request.json           # lint one request body offline
        toolguard run -- qwen -p "..." --yolo  # run a client through toolguard
        toolguard merge all.db laptop.db ci.db # combine databases from several machines
    """


def db_option(multiple: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--db",
        "db_paths" if multiple else "db_path",
        multiple=multiple,
        type=click.Path(dir_okay=False),
        help=f"Database file (default: $TOOLGUARD_DB or {default_db_path()}).",
    )


# --- check ---------------------------------------------------------------------------------------------


@cli.command()
@click.argument("file", type=click.File("rb"), default="-")
@click.option(
    "--url",
    default=DEFAULT_URL,
    show_default=True,
    callback=_url_option,
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
    analysis = _library(check_body, file.read(), url, providers_file)
    click.echo(render_findings(analysis, url, fmt), nl=False)
    for internal in analysis.internal_errors:  # a toolguard bug: say so, but never fail the lint on it
        click.echo(f"toolguard internal error in {internal.where}: {internal.error}", err=True)
    sys.exit(1 if analysis.has_error else 0)


# --- run -----------------------------------------------------------------------------------------------


@cli.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    epilog="Exit status: the command's (128+N if signal N killed it); 125 if toolguard itself failed, "
    "126/127 if the command could not be run.",
)
@click.option(
    "--upstream",
    metavar="URL",
    help="Reverse mode: the real API to forward to, with its API path. Default: the client's own "
    "OPENAI_BASE_URL/OPENAI_API_BASE (ANTHROPIC_BASE_URL for claude) when set, else "
    f"{DEFAULT_UPSTREAM}{DEFAULT_API_PATH} (https://api.anthropic.com/v1 for claude). The client's base URL "
    "becomes http://127.0.0.1:PORT/<path>.",
)
@click.option(
    "--proxy-mode",
    type=click.Choice(["reverse", "regular"]),
    default="reverse",
    show_default=True,
    help="reverse: the client talks plain HTTP to the proxy via its base-URL variable (no CA needed). "
    "regular: the client keeps its base URL and uses the proxy through HTTPS_PROXY, trusting mitmproxy's CA.",
)
@db_option()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Proxy port on 127.0.0.1 (default: a free one)."
)
@click.option(
    "--confdir",
    type=click.Path(file_okay=False),
    default="~/.mitmproxy",
    show_default=True,
    help="mitmproxy's configuration directory; regular mode uses its CA (mitmproxy-ca-cert.pem).",
)
@click.option(
    "--set",
    "mitm_options",
    multiple=True,
    metavar="NAME=VALUE",
    help="Extra mitmdump option, e.g. --set ssl_insecure=true for a self-signed upstream (repeatable).",
)
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    help="What toolguard does with a request that has an error finding: observe (the default: only "
    "record), block (answer it with the provider's own error, never sending it), or repair (fix it, "
    "send the fixed request and record every change). See docs/modes.md.",
)
@click.option(
    "--repair",
    "repair_families",
    metavar="FAMILIES",
    help="With --mode repair: the comma-separated families of fixes to apply "
    "(sequence, params, fields; default sequence).",
)
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False),
    help="Write mitmdump's log here (default: a temporary file, kept only on trouble).",
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run(
    upstream: str | None,
    proxy_mode: str,
    db_path: str | None,
    port: int,
    confdir: str,
    mitm_options: tuple[str, ...],
    mode: str | None,
    repair_families: str | None,
    log_path: str | None,
    command: tuple[str, ...],
) -> None:
    """Run COMMAND with its API traffic going through toolguard, then report what was flagged.

    Starts mitmdump with the toolguard addon on 127.0.0.1, runs COMMAND with an environment that
    routes its OpenAI-compatible API calls through it, waits for COMMAND, stops the proxy cleanly
    and prints (on stderr) the rules, flows, verdicts and upstream errors of this run.

    \b
    Reverse mode (default): the proxy forwards to --upstream (default: the base URL
    COMMAND already had); COMMAND gets
        OPENAI_BASE_URL=http://127.0.0.1:PORT/v1  (openai SDKs, qwen-code)
        OPENAI_API_BASE=http://127.0.0.1:PORT/v1  (LangChain)
        ANTHROPIC_BASE_URL=http://127.0.0.1:PORT  (Claude Code, Anthropic SDKs)
    with the upstream's API path kept (e.g. DashScope's /compatible-mode/v1).
    Codex's built-in provider ignores these: use regular mode (docs/guide-codex.md).
    Regular mode (--proxy-mode regular): COMMAND keeps its base URL and gets
        HTTPS_PROXY/HTTP_PROXY (and lowercase) = http://127.0.0.1:PORT
        NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE = mitmproxy's CA
        NODE_OPTIONS += --import=<toolguard's preload>  (Node's fetch through the proxy)
    and loopback entries removed from NO_PROXY/no_proxy.

    \b
    The report says how many requests reached the proxy and how many were validated;
    when none did, it names the likely cause for COMMAND's client.

    \b
    Examples:
        toolguard run -- qwen --auth-type openai --yolo -p "List the files"
        toolguard run --upstream https://dashscope.aliyuncs.com/compatible-mode/v1 -- qwen ...
        toolguard run --upstream http://localhost:11434/v1 -- python agent.py
        toolguard run --proxy-mode regular -- python agent.py
        toolguard run --mode repair -- python agent.py
        toolguard run --mode repair --repair sequence,params -- qwen ...
        toolguard run --mode block -- python agent.py
        toolguard run --db run.db -- node app.js && toolguard summary --db run.db

    Use -- before COMMAND so that its own options are not read as toolguard's. Export
    QWEN_USAGE_STATISTICS_ENABLED=false yourself if you do not want qwen-code's telemetry in the
    proxy: toolguard never changes a client's behaviour behind your back.
    """
    status = _library(
        run_session,
        list(command),
        upstream=upstream,
        proxy_mode=proxy_mode,
        db_path=db_path,
        port=port,
        confdir=confdir,
        mitm_options=mitm_options,
        mode=mode,
        repair_families=repair_families,
        log_path=log_path,
    )
    sys.exit(status)


# --- summary -------------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--db",
    "db_paths",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Capture database; repeat for several machines (default: $TOOLGUARD_DB or {default_db_path()}).",
)
@click.option(
    "--since",
    help="Only flows at or after this time: ISO date/time (2026-11-01, 2026-11-01T12:00Z) or 7d, 24h, 30m ago.",
)
@click.option("--until", help="Only flows before this time (exclusive), same forms as --since.")
@click.option("--host", help="Only flows whose upstream host contains this text, e.g. api.openai.com.")
@click.option(
    "--client", help="Only flows whose client contains this text, e.g. QwenCode or 'OpenAI/Python 1.'."
)
@click.option("--model", help="Only flows whose model contains this text, e.g. gpt-4o.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json", "html"]),
    default="text",
    show_default=True,
    help="text fits a terminal (colour only on a TTY); json is the stable format of docs/summary.md; "
    "html is one self-contained page with a chart.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)
def summary(
    db_paths: tuple[Path, ...],
    since: str | None,
    until: str | None,
    host: str | None,
    client: str | None,
    model: str | None,
    output_format: str,
    output: Path | None,
) -> None:
    """Recurring failure patterns: what the upstream rejected, how often, since when, from which
    client, model and host, which rule explains it, and what toolguard flagged that was accepted.

    \b
    Examples:
        toolguard summary                                  # default database, text
        toolguard summary --since 7d --client QwenCode
        toolguard summary --db laptop.db --db ci.db --format markdown -o failures.md
        toolguard summary --host api.deepseek.com --model deepseek-reasoner --until 2026-11-20
        toolguard summary --format json | jq '.groups[] | {pattern, count}'
        toolguard summary --format html -o report.html
    """
    paths = list(db_paths) or [default_db_path()]
    for path in paths:
        if not path.exists():
            raise click.ClickException(f"no toolguard database at {path}")
    try:
        data = build_summary(
            paths, _library(parse_when, since), _library(parse_when, until), host, client, model
        )
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"cannot read the database: {exc}") from exc
    stream: TextIO = sys.stdout
    text = render(data, output_format, colour=output is None and stream.isatty())
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False, color=stream.isatty())


# --- merge ---------------------------------------------------------------------------------------------


@cli.command(name="merge")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.argument(
    "inputs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def merge_command(out: Path, inputs: tuple[Path, ...]) -> None:
    """Combine capture databases into OUT (created if missing) without duplicates.

    Flows are matched by flow id and findings by (flow id, index); rows already in OUT win, so
    running the same merge twice changes nothing. The inputs are only read.

    \b
    Examples:
        toolguard merge all.db laptop.db ci.db
        toolguard merge all.db ~/.local/share/toolguard/toolguard.db other-machine.db
        toolguard summary --db all.db
    """
    try:
        added = merge(out, list(inputs))
    except (ValueError, sqlite3.DatabaseError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{out}: added {added['flows']} flows and {added['findings']} findings from {len(inputs)} database(s)"
    )
