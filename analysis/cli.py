"""The ``toolguard`` command line: every click command lives here (issue #15).

Commands parse options, call the click-free library below them (check, run, summary, render, db,
merge, timefilters) and turn its plain exceptions (:mod:`toolguard_analysis.errors`) into click's
errors. Nothing imports this module back, so the library (and the addon's ``toolguard.summary``)
loads neither click nor the CLI. ``toolguard COMMAND --help`` documents each command with examples;
docs/cli.md is generated from that help (scripts/gen_cli_doc.py).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

import click

from toolguard_analysis import db as dbsource
from toolguard_analysis.defaults import (
    DEFAULT_API_PATH,
    DEFAULT_UPSTREAM,
    DEFAULT_URL,
    MESSAGES_URL,
    REPAIR_BODIES,
    RESPONSES_URL,
    SHOW_FORMATS,
)
from toolguard_analysis.errors import BadParameter, ToolguardError, UsageError
from toolguard_analysis.terminal import printable
from toolguard_analysis.writable import run_on
from toolguard_core.choices import Family, Mode
from toolguard_core.dburl import default_db_path, is_postgres_url, label, redact_url

if TYPE_CHECKING:
    from toolguard_analysis.check import Checked

# The library modules that load the rules, the causes catalogue or the store (most of a command's
# start-up: ~0.9 s CPU) are imported by the commands that use them, not here: `toolguard --help`,
# `toolguard COMMAND --help` and the commands that need none of them do not pay for them
# (tests/test_cli_start.py).


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


def _url_option(ctx: click.Context, param: click.Parameter, url: str | None) -> str | None:
    from toolguard_analysis.check import validate_url

    if url is None:
        return None
    try:
        return validate_url(url)
    except BadParameter as exc:
        raise click.BadParameter(str(exc), ctx, param) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="toolguard")
def cli() -> None:
    """toolguard: find out why an LLM API (OpenAI-compatible, Anthropic, Gemini, Bedrock) rejects your client's requests.

    \b
    Capture (the proxy writes flagged flows to the default database):
        toolguard run -- python agent.py       # run a client through toolguard, then report
        toolguard proxy --listen-host 127.0.0.1 --mode reverse:https://api.openai.com
        mitmdump -s "$(toolguard addon-path)" --listen-host 127.0.0.1 --mode reverse:https://api.openai.com
        toolguard addon-path --help            # loading the addon into your own mitmweb
    Examples:
        toolguard show --last                  # the latest stored flow, as a bug report
        toolguard summary                      # recurring failures, by rule and error
        toolguard check request.json           # lint one request body offline
        toolguard merge all.db laptop.db ci.db # combine databases from several machines
        toolguard learned list                 # what the upstreams taught (learned.* findings)
        toolguard reexplain                    # re-label stored rejections after an upgrade
        toolguard refingerprint                # regroup stored flows after an upgrade
        toolguard datasette-metadata capture.db > meta.yml   # datasette capture.db -m meta.yml
        toolguard sync toolguard.db postgresql://db.example/toolguard  # push to the team's PostgreSQL
    """


#: A URL's scheme: a ``--db`` value that has one and is no postgresql:// URL names no database
#: toolguard can open (``mysql://``, ``sqlite:///``): as a file path it read "no toolguard database at
#: mysql:/x/y", its ``//`` collapsed.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _source(db_path: str | None, param_hint: str = "--db") -> dbsource.Source:
    """The database a ``--db`` names: a postgresql:// URL as given, a file path with ~ expanded,
    or the default database (no --db). An empty value (``--db "$UNSET"``) is refused rather than
    taken for the default database or the current directory, and so is another scheme's URL."""
    if db_path is None:
        return default_db_path()
    if not db_path.strip():
        default = (
            f", or leave it out for the default database ({default_db_path()})"
            if param_hint == "--db"
            else ""
        )
        raise click.BadParameter(
            f"empty: give a SQLite file's path or a postgresql:// URL{default}", param_hint=param_hint
        )
    if is_postgres_url(db_path):
        return db_path
    if _SCHEME.match(db_path):
        raise click.BadParameter(
            f"{redact_url(db_path)!r}: not a SQLite file's path or a postgresql:// URL (the databases "
            "toolguard uses)",
            param_hint=param_hint,
        )
    return Path(db_path).expanduser()


#: The exit status of every command that reads or changes a capture database, shown in each one's
#: --help (their errors come from toolguard_analysis.db.require and _library: one set of words).
DATABASE_EXIT_STATUS = (
    "Exit status: 0 on success; 1 when a database is missing, is not a toolguard database (another "
    "program's SQLite file, an empty or non-SQLite file), cannot be read or written or its server "
    "cannot be reached, or what was asked for is not in it, in the same words from every command; 2 "
    "on a usage error (an unknown option, a bad value)."
)


def db_option(multiple: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--db",
        "db_paths" if multiple else "db_path",
        multiple=multiple,
        help=f"Database file or postgresql:// URL (default: $TOOLGUARD_DB or {default_db_path()}).",
    )


# --- check ---------------------------------------------------------------------------------------------


@cli.command()
@click.argument("files", type=click.File("rb"), nargs=-1)
@click.option(
    "--url",
    callback=_url_option,
    help="Validate as if the bodies were sent to this URL (decides the provider and its rules). "
    f"Default: by the body's shape, {RESPONSES_URL} for a Responses body (input, no messages), "
    f"{MESSAGES_URL} for an Anthropic Messages body (tools with input_schema, tool_use/tool_result "
    "blocks), a Bedrock Converse, Gemini native or Ollama /api/chat body by its own fields (camelCase "
    "content blocks and inferenceConfig; contents and generationConfig; think, options, format, "
    f"messages[].images), else {DEFAULT_URL}; the output names the API inferred and the --url to pass, "
    "or says the shape is ambiguous and lists the choices. For --flow, the flow's own URL. Without --url a Messages body's "
    "beta is unknown (Claude Code always sends ?beta=true, which lifts some errors): those errors are "
    f"warnings then; pass --url {MESSAGES_URL} or --url '{MESSAGES_URL}?beta=true' to be sure.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per finding; json: {source, url, provider, provider_name, findings: [{rule, "
    "severity, location, message}]} per body (a list of them for several bodies).",
)
@click.option(
    "--providers",
    "providers_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Provider profiles file (gateway hosts, model overrides), as given to the addon.",
)
@click.option(
    "--flow", "flow_ref", metavar="ID", help="Re-check a stored flow (id or prefix) with today's rules."
)
@db_option()
def check(
    files: tuple[IO[bytes], ...],
    url: str | None,
    fmt: str,
    providers_file: str | None,
    flow_ref: str | None,
    db_path: str | None,
) -> None:
    """Lint request bodies offline: FILES (- for stdin; JSON Lines give one body per line), or --flow.

    Each body goes through the same code path as the proxy addon (analyse_request), as if it were
    sent to --url: the URL decides the provider, and the provider decides which rules apply and
    how severe they are (vLLM accepts what OpenAI rejects).

    Exit status: 1 when any error-severity finding, 0 otherwise (warnings only, or clean),
    2 on usage errors (missing file, bad URL, bad providers file), when --flow's database or flow is
    not there, and for a URL toolguard does not check (embeddings, moderations, legacy completions,
    images, audio: the addon only records those): 2 whenever nothing was checked.

    \b
    Examples:
        toolguard check request.json
        toolguard check --url https://api.deepseek.com/chat/completions request.json
        toolguard check --url http://localhost:8000/v1/chat/completions vllm-body.json
        cat body.json | toolguard check --format json -
        toolguard check a.json b.json requests.jsonl
        toolguard check --flow 6f9bebcc --db capture.db    # a stored flow, with today's rules
        toolguard check --providers gateways.toml --url https://llm.corp.example/v1/chat/completions req.json
    """
    from toolguard_analysis.check import render_results, split_bodies, stored_flow_body

    if flow_ref and files:
        raise click.UsageError("give FILES or --flow, not both")
    if flow_ref:
        try:
            source, body, stored_url = _library(stored_flow_body, _source(db_path), flow_ref)
        except click.ClickException as exc:
            # Not 1, which says "error findings" to a CI script: nothing was checked (a missing
            # database or flow), as for a missing FILE.
            exc.exit_code = 2
            raise
        bodies, url = [(source, body)], url or stored_url
    else:
        bodies = []
        for file in files or (click.get_binary_stream("stdin"),):
            bodies += _library(split_bodies, getattr(file, "name", "-"), file.read())
    results = _library(_checked_or_exit, bodies, url, providers_file)
    click.echo(render_results(results, fmt), nl=False)
    for result in results:  # a toolguard bug: say so, but never fail the lint on it
        for internal in result.analysis.internal_errors:
            click.echo(f"toolguard internal error in {internal.where}: {internal.error}", err=True)
    sys.exit(1 if any(r.analysis.has_error for r in results) else 0)


def _checked_or_exit(
    bodies: list[tuple[str, bytes]], url: str | None, providers_file: str | None
) -> list[Checked]:
    """:func:`check_bodies`, or, for an endpoint toolguard has no rules for, that plain sentence and
    status 2: no output that reads like a clean lint."""
    from toolguard_analysis.check import NotChecked, check_bodies

    try:
        return check_bodies(bodies, url, providers_file)
    except NotChecked as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


# --- run -----------------------------------------------------------------------------------------------


@cli.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    epilog="Exit status: the command's (128+N if signal N killed it); 125 if toolguard itself failed, "
    "126/127 if the command could not be run.",
)
@click.option(
    "--upstream",
    metavar="URL",
    help="Reverse mode: the real API to forward to, with its API path: http(s)://host[:port][/path], "
    "or host:port or a dotted host name (https:// is then added). Default: the client's own "
    "OPENAI_BASE_URL/OPENAI_API_BASE (ANTHROPIC_BASE_URL for claude; else OLLAMA_API_BASE/OLLAMA_HOST) when set, else "
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
    f"({', '.join(Family)}; default sequence).",
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
    and prints (on stderr) what this run saw, read from its own row in the database's runs table
    (so runs sharing a database never mix): how many requests reached the proxy, were validated,
    had findings, were rejected by the upstream or got no answer (or, with none, the likely reason),
    then the rules and each stored flow with its verdict and upstream error (flows alike, such as a
    client's retries of one refused request, once, with the ids of the others).

    \b
    Reverse mode (default): the proxy forwards to --upstream (default: the base URL
    COMMAND already had); COMMAND gets
        OPENAI_BASE_URL=http://127.0.0.1:PORT/v1  (openai SDKs, qwen-code)
        OPENAI_API_BASE=http://127.0.0.1:PORT/v1  (LangChain)
        ANTHROPIC_BASE_URL=http://127.0.0.1:PORT  (Claude Code, Anthropic SDKs)
        OLLAMA_HOST, OLLAMA_API_BASE=http://127.0.0.1:PORT  (ollama libraries, aider's ollama_chat/)
    with the upstream's API path kept (e.g. DashScope's /compatible-mode/v1).
    Codex's built-in provider ignores these: use regular mode (docs/guide-codex.md).
    Regular mode (--proxy-mode regular): COMMAND keeps its base URL and gets
        HTTPS_PROXY/HTTP_PROXY (and lowercase) = http://127.0.0.1:PORT
        NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE = mitmproxy's CA
        NODE_OPTIONS += --import=<toolguard's preload>  (Node's fetch through the proxy)
    and loopback entries removed from NO_PROXY/no_proxy.

    \b
    The report says how many requests reached the proxy and how many were validated;
    when none did, it names the likely cause for COMMAND's client. Requests not
    validated because of their path (a typo'd /chat/completion, /embeddings) are
    counted, with those the upstream rejected and their paths; endpoints that carry
    no chat (token counting, telemetry, embeddings) are said as such, not as alarms.

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
    from toolguard_analysis.run import run_session

    if db_path is not None:
        _source(db_path)  # an empty --db or another scheme's URL: refused before anything starts
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


# --- show ----------------------------------------------------------------------------------------------


@cli.command(epilog=DATABASE_EXIT_STATUS)
@click.argument("flow_id", required=False)
@click.option("--last", is_flag=True, help="Show the latest stored flow instead of FLOW_ID.")
@db_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(SHOW_FORMATS)),
    default="text",
    show_default=True,
    help="text for the terminal; markdown is a bug report to paste for the client's maintainers "
    "(secrets are redacted); json is the stored row with its findings, bodies parsed.",
)
@click.option(
    "--request",
    "request_only",
    is_flag=True,
    help="Print only the stored request body (redacted), e.g. to replay it with curl --data @-.",
)
@click.option(
    "--repair-body",
    type=click.Choice(list(REPAIR_BODIES)),
    help="A repaired flow (repair mode): print only the request before its first fix (as the client "
    "sent it) or after its last (as it went upstream), redacted. The fixes themselves are in the text.",
)
def show(
    flow_id: str | None,
    last: bool,
    db_path: str | None,
    fmt: str,
    request_only: bool,
    repair_body: str | None,
) -> None:
    """Show one stored flow: FLOW_ID (a unique prefix is enough, as in the run report), or --last.

    As mitmweb's view for its API (Chat Completions, Responses, Anthropic Messages) shows it:
    provider and model, the conversation with each tool call paired with its answer and the broken
    pair called out, every finding with its fix, the upstream's error and the rule that explains it,
    timing, and the request headers (redacted).

    \b
    Examples:
        toolguard show --last
        toolguard show 6f9bebcc
        toolguard show 6f9bebcc --format markdown > bug-report.md
        toolguard show --last --db postgresql://toolguard@db.example/toolguard   # the team's store
        toolguard show --last --format json | jq .findings
        toolguard show 6f9bebcc --repair-body before > sent.json   # a repaired flow, as the client sent it
        toolguard show 6f9bebcc --request | curl -s https://api.openai.com/v1/chat/completions \\
            -H "authorization: Bearer $OPENAI_API_KEY" -H "content-type: application/json" --data @-
    """
    from toolguard_analysis.show import find_flow, repaired_body, request_body
    from toolguard_analysis.show import render as render_flow

    source = _source(db_path)
    flow = _library(find_flow, source, flow_id, last)
    if repair_body:
        click.echo(_library(repaired_body, flow, repair_body))
    elif request_only:
        click.echo(_library(request_body, flow))
    else:
        click.echo(render_flow(flow, fmt, db=str(source) if db_path else None), nl=False)


# --- summary -------------------------------------------------------------------------------------------


@cli.command(epilog=DATABASE_EXIT_STATUS)
@click.option(
    "--db",
    "db_paths",
    multiple=True,
    help="Capture database: a SQLite file or a postgresql:// URL (the shared store, docs/deployment.md); "
    f"repeat for several (default: $TOOLGUARD_DB or {default_db_path()}).",
)
@click.option(
    "--since",
    help="Only flows at or after this time: ISO date/time (2026-11-01, 2026-11-01T12:00Z) or 7d, 24h, 30m ago.",
)
@click.option("--until", help="Only flows before this time (exclusive), same forms as --since.")
@click.option(
    "--host",
    help="Only flows whose upstream (host, or host:port off the scheme's default port; an IPv6 host in "
    "brackets) contains this text, e.g. api.openai.com, 127.0.0.1:8000 or [::1]:8000.",
)
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
    db_paths: tuple[str, ...],
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
        toolguard summary --format json | jq '.groups[] | {group: (.pattern // .cause // "unexplained"), count}'
        toolguard summary --format html -o report.html
        toolguard summary --db postgresql://toolguard@db.example/toolguard --since 24h
    """
    from toolguard_analysis.render import NO_LIMIT, render
    from toolguard_analysis.summary import build_summary
    from toolguard_analysis.timefilters import parse_when

    paths: list[dbsource.Source] = [_source(p) for p in db_paths] or [default_db_path()]
    for path in paths:
        _library(dbsource.require, path)
    start, end = _library(parse_when, since), _library(parse_when, until)
    if start is not None and end is not None and start >= end:
        # An empty window: "0 stored flows ... toolguard saw 0 requests" read as a quiet week (trial17).
        raise click.BadParameter(
            f"--since {since} ({start}) is not before --until {until} ({end}): no moment is in that window",
            param_hint="'--since'/'--until'",
        )
    try:
        data = _library(
            build_summary,
            paths,
            start,
            end,
            host,
            client,
            model,
            with_flows=output_format == "html",
        )
    except dbsource.database_errors() as exc:
        raise click.ClickException(f"cannot read the database: {exc}") from exc
    stream: TextIO = sys.stdout
    terminal = output is None and stream.isatty()
    text = render(data, output_format, colour=terminal, width=None if terminal else NO_LIMIT)
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:  # a missing directory, no permission, a full disk: said, no traceback
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False, color=stream.isatty())


# --- merge ---------------------------------------------------------------------------------------------


@cli.command(name="merge", epilog=DATABASE_EXIT_STATUS)
@click.argument("out")
@click.argument("inputs", nargs=-1, required=True)
def merge_command(out: str, inputs: tuple[str, ...]) -> None:
    """Combine capture databases into OUT (a file, created if missing) without duplicates.

    Flows are matched by flow id and findings by (flow id, index); rows already in OUT win, so
    running the same merge twice changes nothing. The inputs are only read. An OUT that is a
    postgresql:// URL gets the inputs through `toolguard sync` (there the newest copy of a row wins);
    an input that is one is the team's shared store, taken into the file OUT.

    \b
    Examples:
        toolguard merge all.db laptop.db ci.db
        toolguard merge all.db ~/.local/share/toolguard/toolguard.db other-machine.db
        toolguard summary --db all.db
        toolguard merge postgresql://toolguard@db.example/toolguard laptop.db ci.db
        toolguard merge offline.db postgresql://toolguard@db.example/toolguard
    """
    from toolguard_analysis.merge import merge

    sources = [_source(path, "INPUTS") for path in inputs]
    _source(out, "OUT")
    for path in sources:
        _library(dbsource.require, path)  # as summary: a missing or foreign input exits 1, said the same
    if is_postgres_url(out):
        for path in inputs:
            if is_postgres_url(path):
                raise click.BadParameter(
                    "from one PostgreSQL database to another: use pg_dump", param_hint="INPUTS"
                )
            _sync(Path(path), out)
        return
    try:
        added = merge(Path(out).expanduser(), sources)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from exc
    except (ValueError, sqlite3.DatabaseError) as exc:
        raise click.ClickException(str(exc)) from exc
    except dbsource.database_errors() as exc:  # psycopg's, once a URL was opened
        raise click.ClickException(f"cannot read {', '.join(map(label, inputs))}: {exc}") from exc
    learned = (
        f"; merged {added['learned']} learned constraints and {added['rule_calibration']} rule calibrations"
        if added["learned"] or added["rule_calibration"]
        else ""
    )
    click.echo(
        f"{out}: added {added['flows']} flows and {added['findings']} findings from {len(inputs)} database(s)"
        + learned
    )


# --- reexplain -----------------------------------------------------------------------------------------


@cli.command(epilog=DATABASE_EXIT_STATUS)
@db_option()
def reexplain(db_path: str | None) -> None:
    """Recompute the root cause of every stored rejection with this toolguard's catalogue.

    Sets ``cause_id``/``cause_json`` and decides each rejection's verdict again among ``predicted``,
    ``recognised`` and ``unexplained`` (a flagged request the upstream rejected for an unrelated
    reason, a 429 or a 401, is ``recognised``: docs/errors.md, "The rule of decision"), and
    recomputes the summary's grouping columns, which follow the root cause.
    Run it after upgrading toolguard: the migration that added the columns ran it once.

    \b
    Examples:
        toolguard reexplain
        toolguard reexplain --db laptop.db && toolguard summary --db laptop.db
        toolguard reexplain --db postgresql://toolguard@db.example/toolguard
    """
    from toolguard_core.store import relabel_rows

    # migrate: a store an older toolguard synced lacks the columns reexplain writes (trial21b).
    changed = _library(run_on, _source(db_path), relabel_rows, migrate=True)
    click.echo(f"{changed} stored rejection(s) relabelled")


# --- refingerprint -------------------------------------------------------------------------------------


@cli.command(epilog=DATABASE_EXIT_STATUS)
@db_option()
@click.option("--all", "every_row", is_flag=True, help="Recompute every row, not only the stale ones.")
def refingerprint(db_path: str | None, every_row: bool) -> None:
    """Recompute the summary's grouping columns of stored flows (fingerprint, pattern, explanation,
    group, client name) with this toolguard's normaliser and catalogues.

    Rows are written with them; after an upgrade that changed the normaliser or the root-cause
    catalogue, `toolguard summary` counts the stale rows and says to run this. Only stale rows (and
    rows copied from an older database) are recomputed unless --all is given.

    \b
    Examples:
        toolguard refingerprint
        toolguard refingerprint --db laptop.db && toolguard summary --db laptop.db
        toolguard refingerprint --db postgresql://toolguard@db.example/toolguard
    """
    from toolguard_core.grouping import summary_version
    from toolguard_core.store import refresh_summary_columns

    changed = _library(
        run_on,
        _source(db_path),
        lambda db: refresh_summary_columns(db, stale_only=not every_row),
        migrate=True,
    )
    click.echo(f"{changed} stored flow(s) refingerprinted ({summary_version()})")


# --- learned -------------------------------------------------------------------------------------------


@cli.group(epilog=DATABASE_EXIT_STATUS)
def learned() -> None:
    """What the upstreams taught: constraints learned from their rejections (``learned.*`` findings) and
    rules demoted to warnings where the upstream accepts what they flag.

    \b
    Examples:
        toolguard learned list
        toolguard learned export team.json && toolguard learned import team.json --db other.db
        toolguard learned list --db postgresql://toolguard@db.example/toolguard   # what every proxy learned
        toolguard learned forget --host api.example.com --rule learned.param
    """


@learned.command(name="list", epilog=DATABASE_EXIT_STATUS)
@db_option()
@click.option("--json", "as_json", is_flag=True, help="Print the tables as JSON (the export format).")
def learned_list(db_path: str | None, as_json: bool) -> None:
    """List learned constraints and rule calibrations.

    \b
    Examples:
        toolguard learned list
        toolguard learned list --json | jq '.constraints[] | {host, model, name}'
        toolguard learned list --db postgresql://toolguard@db.example/toolguard
    """
    from toolguard_core.learned_store import export_learned
    from toolguard_core.upstreams import listed

    data = _library(run_on, _source(db_path), export_learned)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not data["constraints"] and not data["calibration"]:
        click.echo("nothing learned yet")
        return
    for row in data["constraints"]:
        what = listed(row["kind"], row["name"], row["value"])
        click.echo(
            f"{row['rule']:<22} {what:<30} {row['host']} {row['model'] or '*'}  {row['count']}× "
            f"first flow {row['first_flow']} ({row['source']})"
        )
        click.echo(f"    {printable(row['error_text'][:160])}")  # the upstream's text: escapes shown, not run
    for row in data["calibration"]:
        state = f"a warning since {row['demoted_at']}" if row["demoted_at"] else "still an error"
        click.echo(
            f"{row['rule']:<40} {row['host']} {row['model'] or '*'}  accepted {row['accepted']}×: {state}"
        )


@learned.command(name="forget", epilog=DATABASE_EXIT_STATUS)
@db_option()
@click.option(
    "--host",
    help="Only this upstream host, with :port when it is not the scheme's own (localhost:8080), "
    "an IPv6 host in brackets ([::1]:8080): as 'learned list' prints it.",
)
@click.option("--model", help="Only this model ('' for requests without one).")
@click.option("--rule", help="Only this rule: a learned.* kind, or a demoted built-in rule.")
@click.option("--name", help="Only constraints on this parameter, field, role or content type.")
@click.option("--all", "everything", is_flag=True, help="Forget everything (no filter given).")
def learned_forget(
    db_path: str | None,
    host: str | None,
    model: str | None,
    rule: str | None,
    name: str | None,
    everything: bool,
) -> None:
    """Forget learned constraints and calibrations matching every given filter.

    Exit status 1 when the filters match no row (nothing was forgotten; 'learned list' shows what is
    stored); --all on an empty store forgets 0 rows and exits 0.

    \b
    Examples:
        toolguard learned forget --host api.example.com --name presence_penalty
        toolguard learned forget --rule sequence.orphan-tool-message --host 127.0.0.1
        toolguard learned forget --all
    """
    from toolguard_core.learned_store import forget, ported_keys

    if not everything and all(v is None for v in (host, model, rule, name)):
        raise click.UsageError("give a filter (--host, --model, --rule, --name) or --all")

    def forgetting(db: Any) -> tuple[int, list[str]]:
        removed = forget(db, host=host, model=model, rule=rule, name=name)
        return removed, ported_keys(db, host) if host and not removed else []

    removed, ported = _library(run_on, _source(db_path), forgetting)
    if ported:  # keyed with the port since the ninth session (learned.learned_host)
        click.echo(
            f"rows learned from {host} on a port of its own are kept under host:port: "
            + ", ".join(f"--host {key}" for key in ported),
            err=True,
        )
    if not removed and not everything:
        # The group's exit status: 1 when what was asked for is not in the database (a new user's
        # trial, session 15: a typo'd --host "forgot 0 row(s)" and exited 0, read as done).
        asked = " ".join(
            f"--{option} {shlex.quote(value)}"
            for option, value in (("host", host), ("model", model), ("rule", rule), ("name", name))
            if value is not None
        )
        raise click.ClickException(
            f"nothing learned matches {asked} ('toolguard learned list' shows what is stored)"
        )
    click.echo(f"forgot {removed} row(s)")


@learned.command(name="export", epilog=DATABASE_EXIT_STATUS)
@click.argument("file", type=click.File("w", encoding="utf-8"), default="-")
@db_option()
def learned_export(file: TextIO, db_path: str | None) -> None:
    """Write what was learned to FILE (JSON; '-' is stdout) for a team to share.

    \b
    Examples:
        toolguard learned export team-learned.json
        toolguard learned export team.json --db postgresql://toolguard@db.example/toolguard
        toolguard learned export - | jq .constraints
    """
    from toolguard_core.learned_store import export_learned

    data = _library(run_on, _source(db_path), export_learned)
    file.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    # '-' is click's own wrapper of the standard output, not sys.stdout itself: told by its name.
    if getattr(file, "name", None) != "<stdout>":
        click.echo(
            f"exported {len(data['constraints'])} constraint(s), {len(data['calibration'])} calibration(s)",
            err=True,
        )


@learned.command(name="import", epilog=DATABASE_EXIT_STATUS)
@click.argument("file", type=click.File("r", encoding="utf-8"))
@db_option()
def learned_import(file: TextIO, db_path: str | None) -> None:
    """Merge an export into the database (a file is created if missing; in PostgreSQL the tables
    are). Importing the same file again changes nothing. A running proxy picks it up within seconds.

    \b
    Examples:
        toolguard learned import team-learned.json
        toolguard learned import team-learned.json --db ~/ci/toolguard.db
        toolguard learned import team.json --db postgresql://toolguard@db.example/toolguard
    """
    from toolguard_core.learned_store import export_learned, import_learned

    try:
        data = json.load(file)
    except ValueError as exc:
        raise click.ClickException(f"{file.name}: not JSON: {exc}") from exc

    def merge_counting(db: Any) -> tuple[int, int, int]:
        # Rows before and after: "imported 4" on a second import of the same file read as if it had
        # added 4 again (it adds nothing: idempotent); the already-known rows are said.
        before = export_learned(db)
        constraints, calibration = import_learned(db, data)
        after = export_learned(db)
        added = sum(len(after[key]) - len(before[key]) for key in ("constraints", "calibration"))
        return constraints, calibration, max(0, constraints + calibration - added)

    try:
        constraints, calibration, known = _library(run_on, _source(db_path), merge_counting, create=True)
    except ValueError as exc:  # not an export (learned_store.ImportError_)
        raise click.ClickException(f"{file.name}: {exc}") from exc
    click.echo(
        f"imported {constraints} constraint(s), {calibration} calibration(s)"
        + (f"; {known} of them were already here (merged, nothing added twice)" if known else "")
    )


# --- addon-path / proxy --------------------------------------------------------------------------------


@cli.command(name="addon-path")
def addon_path() -> None:
    """Print the path of toolguard's mitmproxy script, to load it into your own mitmdump or mitmweb.

    The script ships inside the installed package, so this works from a checkout and after
    pip install / pipx install alike.

    \b
    Examples:
        mitmdump -s "$(toolguard addon-path)" --listen-host 127.0.0.1 --mode reverse:https://api.openai.com
        mitmweb -s "$(toolguard addon-path)" --listen-host 127.0.0.1 --set toolguard_db=capture.db
    """
    from toolguard_analysis.run import addon_script

    click.echo(addon_script())


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("mitmdump_args", nargs=-1, type=click.UNPROCESSED)
def proxy(mitmdump_args: tuple[str, ...]) -> None:
    """Run mitmdump with toolguard loaded as one of its own addons; every argument goes to mitmdump.

    It is mitmproxy's mitmdump (its options, --set, config.yaml, filter expressions, -s scripts,
    signals and exit status), installed next to toolguard, with toolguard loaded as an addon
    instead of as a script: it does what mitmdump -s "$(toolguard addon-path)" MITMDUMP_ARGS... does
    (toolguard's hooks running after any -s scripts), and mitmproxy reaches them on every flow one
    level sooner (the lighter launch: docs/benchmarks.md, "Session 18"). toolguard's options are
    mitmproxy options (--set toolguard_db=PATH, --set toolguard_mode=block, ...; listed with their
    defaults by toolguard proxy --options); without toolguard_db it writes to the default database.
    mitmdump's own help: mitmdump --help.

    Stop it with Ctrl-C (or SIGINT/SIGTERM): every flagged flow is on disk by then and the last
    lines count what was seen and stored. Like mitmdump, it listens on every interface unless
    --listen-host says otherwise: give --listen-host 127.0.0.1, as the README does (an open proxy
    lets anyone on the network send requests through it, and store their conversations in your
    database).

    \b
    Examples:
        toolguard proxy --listen-host 127.0.0.1 --mode reverse:https://api.openai.com -p 8080
        toolguard proxy --listen-host 127.0.0.1 -p 8080 --set toolguard_db=capture.db
        toolguard proxy --listen-host 127.0.0.1 --mode reverse:https://api.openai.com --set toolguard_mode=block
        toolguard proxy --listen-host 127.0.0.1 -s my_addon.py     # your own scripts beside it
    """
    # A process of its own that imports neither click nor this CLI: the proxy's heap and the modules
    # its event loop runs are mitmdump's and toolguard's, as bench_proxy.py measures them.
    from toolguard_analysis.run import proxy_launcher

    launcher = proxy_launcher()
    os.execv(launcher[0], [*launcher, *mitmdump_args])


# --- datasette-metadata --------------------------------------------------------------------------------


@cli.command(name="datasette-metadata", epilog=DATABASE_EXIT_STATUS)
@click.argument("databases", nargs=-1, type=click.Path())
def datasette_metadata(databases: tuple[str, ...]) -> None:
    """Print toolguard's Datasette metadata (YAML) for DATABASES, whatever their file names.

    Datasette keys table descriptions and canned queries by database name, the file name without
    .db; this writes them under each given file's name (default: toolguard, for toolguard.db).
    Datasette opens SQLite files only: a postgresql:// URL is refused (see docs/deployment.md).

    \b
    Examples:
        toolguard datasette-metadata capture.db > meta.yml && datasette capture.db -m meta.yml
        toolguard datasette-metadata laptop.db ci.db > meta.yml && datasette laptop.db ci.db -m meta.yml
    """
    from toolguard_analysis.datasette import metadata_for

    text = _library(metadata_for, databases)  # a postgresql:// URL is refused first (exit 2)
    for path in databases:
        _library(dbsource.require, Path(path).expanduser())  # metadata for a file Datasette cannot open
    click.echo(text, nl=False)


# --- sync ----------------------------------------------------------------------------------------------


@cli.command(name="sync", epilog=DATABASE_EXIT_STATUS)
@click.argument("sqlite_file", type=click.Path(path_type=Path))
@click.argument("url")
def sync_command(sqlite_file: Path, url: str) -> None:
    """Push a SQLite capture to a shared PostgreSQL database (URL: postgresql://...).

    The tables are created in PostgreSQL if missing, with the schema derived from the SQLite one
    (docs/deployment.md). Rows are upserted by their keys (flows by flow id, findings by flow id
    and index), so syncing the same file twice, or a file a proxy already synced, adds nothing
    twice. The file is only read. Needs the postgres extra: pip install 'toolguard[postgres]'.

    \b
    Examples:
        toolguard sync ~/.local/share/toolguard/toolguard.db postgresql://toolguard@db.example/toolguard
        toolguard sync laptop.db "postgresql://toolguard:$PGPASSWORD@10.0.0.5:5432/toolguard"
        toolguard summary --db postgresql://toolguard@db.example/toolguard
    """
    if not is_postgres_url(url):
        raise click.BadParameter("expected a postgresql:// URL", param_hint="URL")
    _library(dbsource.require, sqlite_file)  # as summary and merge: missing or foreign, exit 1
    _sync(sqlite_file, url)


def _sync(path: Path, url: str) -> None:
    try:
        from toolguard_core import pgstore

        known = _flows_already_in(pgstore, path, url)
        sent = pgstore.push_file(path, url)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from exc
    except (OSError, sqlite3.DatabaseError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc
    except Exception as exc:  # psycopg.Error: unreachable server, refused login
        raise click.ClickException(f"cannot sync to {label(url)}: {exc}") from exc
    # Tables with rows only: later migrations add tables an older capture has nothing in. Rows are
    # upserted by key, so "sent" alone read as "added again" on a second sync; the flows count says
    # how many PostgreSQL did not have before (asked by id: other proxies writing at once do not
    # change the answer).
    parts = [f"{n} {table}" for table, n in sent.items() if n]
    flows = sent.get("flows", 0)
    if flows:
        new = max(flows - known, 0)
        parts[0] += f" ({new} new)" if new else " (0 new: PostgreSQL had them all)"
    click.echo(f"{label(url)}: sent {', '.join(parts) or 'no rows'} from {path}")


def _flows_already_in(pgstore: Any, path: Path, url: str) -> int:
    """How many of the file's flows the PostgreSQL database already holds (0 before its first sync)."""
    src = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        ids = [row[0] for row in src.execute("SELECT id FROM flows")]
    except sqlite3.DatabaseError:
        return 0  # no flows table: push_file says what it makes of the file
    finally:
        src.close()
    if not ids:
        return 0
    with pgstore.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('flows') IS NOT NULL").fetchone()[0]
        if not exists:
            return 0
        return int(conn.execute("SELECT count(*) FROM flows WHERE id = ANY(%s)", [ids]).fetchone()[0])
