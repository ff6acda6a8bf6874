"""The library behind ``toolguard run``: run one client command through a private mitmdump with toolguard, then report.

The proxy listens on a free loopback port and writes to the usual database; the client gets an
environment that routes its API calls through it (reverse mode: a base URL; regular mode: proxy
variables and mitmproxy's CA). The client owns the terminal: stdin/stdout/stderr are its own,
Ctrl-C goes to it (and to the children it spawns: qwen-code relaunches itself), and toolguard's exit
status is the client's. Only after the client has exited is the proxy stopped (SIGINT, so the
writer thread drains) and the short report printed on stderr.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import sqlite_utils

import toolguard_core
from toolguard_analysis.defaults import DEFAULT_API_PATH as DEFAULT_API_PATH
from toolguard_analysis.defaults import DEFAULT_UPSTREAM as DEFAULT_UPSTREAM
from toolguard_analysis.errors import BadParameter, ToolguardError, UsageError
from toolguard_analysis.patterns import explain, predicting_rule
from toolguard_analysis.rule_links import ROOT_CAUSE
from toolguard_analysis.summary import repair_stats
from toolguard_analysis.terminal import printable
from toolguard_core.clients import retries
from toolguard_core.dburl import command_url, is_postgres_url, label, redact_url, spool_path_for
from toolguard_core.flowids import short_flow_id
from toolguard_core.modes import Mode, parse_mode
from toolguard_core.opaque import OPAQUE_WORDS, is_opaque_stored
from toolguard_core.providers import GENERIC
from toolguard_core.redact import redact_text_urls
from toolguard_core.repair import parse_families
from toolguard_core.request import endpoint_kind
from toolguard_core.store import default_db_path
from toolguard_core.upstream_errors import innermost_param
from toolguard_core.upstreams import upstream_name, upstream_name_sql, upstream_sort_key
from toolguard_core.verdict import (
    IN_STREAM_WORDS,
    REJECTED_VERDICTS,
    STORE_READY,
    UNCONFIRMED_WORDS,
    Answer,
    Verdict,
    answer_broke_off,
    answered_by,
    broke_off_sql,
    ended_early,
    ended_early_sql,
    error_text,
    judge,
    rejected,
)
from toolguard_core.visibility import (
    ANSWERED_BY,
    NOT_WRITTEN,
    NOTHING_SEEN,
    UNCHECKED_PATHS_HOW,
    answered_by_words,
    counts_line,
    flow_verdict_words,
    ignored_line,
    parse_hosts,
    passed_through_line,
    retries_line,
    skipped_line,
    unchecked_lines,
    unrecognised_line,
)

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
# Exit statuses of toolguard itself, as in env(1)/docker run: 125 toolguard failed, 126 the command
# cannot be executed, 127 the command was not found. Otherwise the status is the command's own.
EXIT_TOOLGUARD_FAILED = 125
EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127

_LISTENING = re.compile(r"listening at (?:\*|[\[\]0-9a-fA-F.:]+?):(\d+)")
# What the addon logs in its `running` hook once its store is open (toolguard_core.addon.ToolGuard.running).
_RUNNING = STORE_READY
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.0/8", "::1/128", ".localhost"})
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
# curl ignores SSL_CERT_FILE for the proxy's CA and needs CURL_CA_BUNDLE (agent-clis.md, "curl").
CA_VARIABLES = ("NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
#: The base-URL variables a user may already have set: reverse mode forwards to that URL (when no
#: --upstream is given) instead of silently replacing it with the default.
BASE_URL_VARIABLES = ("OPENAI_BASE_URL", "OPENAI_API_BASE")
#: Ollama's clients take the server's root URL: OLLAMA_HOST (the ollama Python and JS libraries and the
#: ollama CLI: a URL or host[:port], port 11434 by default) and OLLAMA_API_BASE (LiteLLM's ollama/ and
#: ollama_chat/ models, so aider's; agent-clis.md). Reverse mode points both at the proxy, and a user's own
#: value is the upstream when no OpenAI base URL is set (trial22: aider's Ollama traffic bypassed the proxy).
OLLAMA_VARIABLES = ("OLLAMA_HOST", "OLLAMA_API_BASE")
OLLAMA_DEFAULT_PORT = 11434
ANTHROPIC_UPSTREAM = "https://api.anthropic.com"
#: Node's built-in fetch ignores HTTPS_PROXY; this module (shipped with toolguard_core) is preloaded in
#: regular mode to route it through undici's EnvHttpProxyAgent (agent-clis.md).
NODE_PRELOAD = Path(toolguard_core.__file__).resolve().parent / "node_env_proxy.mjs"


# --------------------------------------------------------------------------- environment


@dataclass(frozen=True, slots=True)
class Upstream:
    """``--upstream`` split into the origin mitmdump forwards to and the API path clients keep."""

    origin: str  # scheme://host[:port], what `--mode reverse:` takes
    api_path: str  # e.g. /v1 or DashScope's /compatible-mode/v1

    @classmethod
    def parse(cls, url: str) -> Upstream:
        if not _is_upstream_url(url):
            shown = redact_text_urls(url)  # never echo a password or a ?key= back to the terminal
            raise BadParameter(
                "expected http(s)://host[:port][/path], or host:port or a dotted host name without "
                f"the scheme (https:// is then added), got {shown!r}",
                "--upstream",
            )
        parts = urlsplit(url if "://" in url else f"https://{url}")
        if parts.username is not None or parts.password is not None:
            # mitmdump's --mode reverse: refuses userinfo and prints it whole in its error (and so in
            # the log file toolguard keeps when the proxy fails to start): refused here, before either.
            raise BadParameter(
                "the upstream URL cannot carry credentials (user:password@host); the client sends its "
                "own (its API key header) through the proxy",
                "--upstream",
            )
        if parts.query or parts.fragment:
            raise BadParameter("the upstream URL cannot have a query or fragment", "--upstream")
        path = parts.path.rstrip("/") or DEFAULT_API_PATH
        return cls(origin=f"{parts.scheme}://{parts.netloc}", api_path=path)


#: A host as ``urlsplit`` gives it (lower-cased, an IPv6 literal without its brackets).
_UPSTREAM_HOST = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?|[0-9a-f:.]*:[0-9a-f:.]*")


def _is_upstream_url(url: str) -> bool:
    """Whether ``--upstream`` reads as a URL: http(s) with a host (and a number for a port), no blank
    anywhere. Without a scheme (https:// is added) only ``host:port``, a dotted host name or
    ``localhost``: a lone word (``--upstream notaurl``) is a mistake, not a host on the local network
    (one is still given as ``http://gateway/v1``)."""
    given = "://" in url
    parts = urlsplit(url if given else f"https://{url}")
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        return False
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in url):
        return False
    if not _UPSTREAM_HOST.fullmatch(host):
        return False
    return given or port is not None or "." in host or host == "localhost"


def client_name(command: list[str]) -> str:
    """What kind of client ``command`` runs, from its program name: ``codex``, ``claude``,
    ``opencode``, ``node`` (a Node script or package runner), ``python``, ``curl``, or the name itself."""
    name = Path(command[0]).name.lower() if command else ""
    if name in ("node", "nodejs", "npx", "npm", "pnpm", "yarn", "tsx", "ts-node") or name.endswith(
        (".js", ".mjs")
    ):
        return "node"
    if name.startswith("python") or name in ("uv", "uvx", "pipx"):
        return "python"
    return name


def default_upstream(command: list[str], env: Mapping[str, str]) -> str:
    """Reverse mode's upstream when ``--upstream`` is not given: the base URL the user already set for
    this client (kept, not silently replaced), else the client's provider's public API."""
    if client_name(command) == "claude":
        # Claude Code's ANTHROPIC_BASE_URL is the host root; it posts to <root>/v1/messages.
        base = env.get("ANTHROPIC_BASE_URL", "").strip().rstrip("/")
        return f"{base}/v1" if base else ANTHROPIC_UPSTREAM
    for name in BASE_URL_VARIABLES:
        if env.get(name, "").strip():
            return env[name].strip()
    if base := env.get("OLLAMA_API_BASE", "").strip():
        return base.rstrip("/")
    if host := env.get("OLLAMA_HOST", "").strip():
        return _ollama_host_url(host)
    return DEFAULT_UPSTREAM


def _ollama_host_url(host: str) -> str:
    """OLLAMA_HOST as Ollama's clients read it: http:// when no scheme is given, port 11434 when none is."""
    url = host if "://" in host else f"http://{host}"
    parts = urlsplit(url)
    try:
        has_port = parts.port is not None
    except ValueError:
        has_port = True  # not a port number: left for Upstream.parse to refuse with its own words
    netloc = parts.netloc if has_port else f"{parts.netloc}:{OLLAMA_DEFAULT_PORT}"
    return f"{parts.scheme}://{netloc}{parts.path}".rstrip("/")


#: Every base-URL variable reverse mode sets (reverse_env), in the order the likely cause names them.
REVERSE_VARIABLES = (*BASE_URL_VARIABLES, "ANTHROPIC_BASE_URL", *OLLAMA_VARIABLES)


def reverse_env(base: Mapping[str, str], proxy_port: int, upstream: Upstream) -> dict[str, str]:
    """The client's environment in reverse mode: every common base-URL variable points at the proxy."""
    env = dict(base)
    base_url = f"http://127.0.0.1:{proxy_port}{upstream.api_path}"
    env["OPENAI_BASE_URL"] = base_url  # openai SDKs (Python, Node), qwen-code --auth-type openai
    env["OPENAI_API_BASE"] = base_url  # LangChain ChatOpenAI (read before OPENAI_BASE_URL)
    # Claude Code and the Anthropic SDKs, and Ollama's clients: the host root (they append /v1/messages,
    # /api/chat themselves).
    root = f"http://127.0.0.1:{proxy_port}{upstream.api_path.removesuffix('/v1')}"
    env["ANTHROPIC_BASE_URL"] = root
    for name in OLLAMA_VARIABLES:
        env[name] = root
    # A proxy from the environment must not catch the loopback hop to toolguard.
    if any(env.get(name) for name in PROXY_VARIABLES):
        for name in ("NO_PROXY", "no_proxy"):
            entries = _split_no_proxy(env.get(name, ""))
            env[name] = ",".join([*entries, *(h for h in ("127.0.0.1", "localhost") if h not in entries)])
    return env


def reverse_banner(env: Mapping[str, str], upstream: Upstream) -> str:
    """Where the client was pointed, read back from :func:`reverse_env`'s environment: Claude Code's
    ANTHROPIC_BASE_URL has no /v1 (it appends /v1/messages itself), so both are named when they differ."""
    where = f"reverse proxy to {upstream.origin} at {env['OPENAI_BASE_URL']}"
    if env["ANTHROPIC_BASE_URL"] != env["OPENAI_BASE_URL"]:
        where += f" (Anthropic and Ollama clients: {env['ANTHROPIC_BASE_URL']})"
    return where


def regular_env(base: Mapping[str, str], proxy_port: int, ca_cert: Path) -> dict[str, str]:
    """The client's environment in regular mode: proxy variables, mitmproxy's CA, loopback proxied too."""
    env = dict(base)
    proxy_url = f"http://127.0.0.1:{proxy_port}"
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        env[name] = proxy_url
    for name in CA_VARIABLES:
        # NODE_EXTRA_CA_CERTS adds to Node's store; SSL_CERT_FILE/REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE
        # replace the store of OpenSSL/httpx, requests and curl, which is fine: every TLS connection
        # now ends at mitmproxy.
        env[name] = str(ca_cert)
    # Node's fetch ignores the proxy variables: preload the module that routes it through them.
    # NODE_USE_ENV_PROXY does the same natively on Node versions that have it (not Node 20).
    preload = f'--import="{NODE_PRELOAD.as_uri()}"'
    if preload not in env.get("NODE_OPTIONS", ""):
        env["NODE_OPTIONS"] = f"{env.get('NODE_OPTIONS', '')} {preload}".strip()
    env["NODE_USE_ENV_PROXY"] = "1"
    # A loopback upstream (a local model server) must go through the proxy too: qwen-code silently
    # bypasses a proxy when NO_PROXY names the target (docs/guide-qwen-code.md).
    for name in ("NO_PROXY", "no_proxy"):
        if name in env:
            kept = [e for e in _split_no_proxy(env[name]) if e.lower() not in LOOPBACK_NAMES]
            if kept:
                env[name] = ",".join(kept)
            else:
                del env[name]
    return env


def _split_no_proxy(value: str) -> list[str]:
    return [entry.strip() for entry in value.split(",") if entry.strip()]


# --------------------------------------------------------------------------- the proxy


def proxy_launcher() -> list[str]:
    """The command that starts ``toolguard proxy``'s process (mitmdump with toolguard loaded as a
    child of mitmproxy's ScriptLoader, not a script: ``toolguard_core/launch.py``), arguments to follow: this interpreter, which
    has toolguard and mitmproxy installed."""
    return [sys.executable, "-m", "toolguard_core.launch"]


def addon_script() -> Path:
    """The mitmproxy script shipped inside ``toolguard_core`` (``toolguard_core/script/toolguard.py``),
    found through ``importlib``: the same file in a checkout and in an installed wheel."""
    return Path(str(importlib.resources.files("toolguard_core.script").joinpath("toolguard.py")))


class ProxyProcess:
    """A mitmdump child in its own session (terminal Ctrl-C goes to the client, not to it).

    Its output goes to ``log_path``; the listening port is read from mitmproxy's startup line, so
    ``-p 0`` works and concurrent runs never collide.
    """

    def __init__(self, command: list[str], log_path: Path) -> None:
        self.command = command
        self.log_path = log_path
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._listening = threading.Event()
        self._log: IO[str] | None = None

    def start(self, timeout: float = START_TIMEOUT) -> None:
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, name="mitmdump-log", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not self._listening.wait(0.05):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ToolguardError(
                    f"mitmdump did not start (exit status {self._process.returncode if self._process else '?'});"
                    f" its log, {self.log_path}:\n{self.tail()}"
                )

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None and self._log is not None
        for raw in self._process.stdout:
            line = raw.decode("utf-8", "replace")
            # mitmdump's per-flow lines print request URLs, ?key= included: never to disk unredacted.
            self._log.write(redact_text_urls(line))
            self._log.flush()
            if self.port is None and (match := _LISTENING.search(line)):
                self.port = int(match.group(1))
            if self.port is not None and _RUNNING in line:
                # Listening is not enough: mitmdump prints it before it gives up on a startup error
                # (a database it cannot open), and the addon logs this line only once running.
                self._listening.set()

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGINT (mitmdump's clean shutdown: the addon's ``done`` drains the database queue), then wait."""
        process = self._process
        if process is None:
            return None
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout if sig != signal.SIGKILL else 5)
        if self._reader is not None:
            self._reader.join(5)
        if self._log is not None:
            self._log.close()
        return process.returncode

    def tail(self, lines: int = 20) -> str:
        try:
            return "".join(self.log_path.read_text("utf-8", "replace").splitlines(True)[-lines:])
        except OSError:
            return ""


# --------------------------------------------------------------------------- the client


@contextlib.contextmanager
def _terminal_foreground() -> Iterator[Any]:
    """Give the terminal to the client's process group while it runs, and take it back after.

    The client runs in its own process group (so signals reach qwen-code's relaunched child too);
    an interactive client must then be the terminal's foreground group, or reading the terminal
    stops it (SIGTTIN). Without a terminal this does nothing.
    """
    try:
        fd = os.open("/dev/tty", os.O_RDWR) if sys.stdin.isatty() else None
    except OSError:
        fd = None
    if fd is None:
        yield lambda pgid: None
        return
    own_group = os.getpgrp()
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # tcsetpgrp from the background
    try:
        yield lambda pgid: os.tcsetpgrp(fd, pgid)
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(fd, own_group)
        signal.signal(signal.SIGTTOU, previous)
        os.close(fd)


def _runnable(program: str, env: Mapping[str, str]) -> bool:
    """Whether ``program`` resolves to an executable file on the client's PATH (as Popen looks it up)."""
    return shutil.which(program, path=env.get("PATH")) is not None


def run_client(command: list[str], env: dict[str, str]) -> int:
    """Run the client in its own process group, forward SIGINT/SIGTERM/SIGHUP to the group, wait.

    Returns the exit status, 128+N when it died from signal N (like a shell).

    The signals are taken before the client starts: a Ctrl-C in the moment between its start and
    the handlers (a loaded machine's CI run, session 26) ended toolguard with Python's own
    KeyboardInterrupt and left the client's whole group running, its output pipes open.
    """
    received: list[int] = []
    process: subprocess.Popen[bytes] | None = None  # the client, once it is
    missed: int | None = None  # what came while it was starting, for it as soon as it is

    def forward(signum: int, frame: Any) -> None:
        nonlocal missed
        received.append(signum)
        # A third Ctrl-C means "stop now": the client ignored two polite ones.
        sig = signal.SIGKILL if len(received) >= 3 else signum
        if process is None:
            missed = sig
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)

    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, forward) for sig in handled}
    try:
        with _terminal_foreground() as give_terminal:
            try:
                process = subprocess.Popen(command, env=env, process_group=0)
            except FileNotFoundError:
                _say(f"toolguard: {command[0]}: command not found")
                return EXIT_NOT_FOUND
            except PermissionError as exc:
                _say(f"toolguard: {command[0]}: {exc.strerror}")
                return EXIT_NOT_EXECUTABLE
            # From here a signal goes straight to its group; one that came before goes now.
            if missed is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, missed)
            with contextlib.suppress(OSError):
                give_terminal(process.pid)
                # Had it touched the terminal before getting it, it was stopped (SIGTTIN): resume it.
                os.killpg(process.pid, signal.SIGCONT)
            while True:
                try:
                    returncode = process.wait()
                    break
                except InterruptedError:  # pragma: no cover - PEP 475 retries wait() for us
                    continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - returncode if returncode < 0 else returncode


# --------------------------------------------------------------------------- the report


# Why a client may send nothing through the proxy, by the kind of client `toolguard run` started
# (client_name) and the mode: declared once (docs/guide-*.md, /work/shared/reference/agent-clis.md:
# each of these was observed). `toolguard run` sets REVERSE_VARIABLES in reverse mode, HTTPS_PROXY
# (and a Node preload) in regular mode.
_NO_TRAFFIC_HINTS: dict[tuple[str, str], str] = {
    (
        "reverse",
        "codex",
    ): "the Codex CLI's built-in OpenAI provider ignores OPENAI_BASE_URL; use regular mode "
    "(toolguard run --proxy-mode regular -- codex ...), or a fixed port and its config key (toolguard run "
    '--port 8765 -- codex -c openai_base_url="http://127.0.0.1:8765/v1" ...); see docs/guide-codex.md',
    ("reverse", "qwen"): "qwen-code takes its base URL from a settings.json modelProviders entry or a "
    "project .env before OPENAI_BASE_URL, and calls an OpenAI-compatible API only with --auth-type openai",
    ("reverse", "aider"): "aider stops before its first request when the model's API key is missing (an "
    "openai/ model needs OPENAI_API_KEY, any value for a local server) and still exits with status 0: its own "
    "message above says so; it reads OPENAI_API_BASE for openai/ models and OLLAMA_API_BASE for ollama_chat/ "
    "ones, both set by toolguard run (see docs/guide-aider.md)",
    ("reverse", "opencode"): "opencode takes its provider's baseURL from opencode.json; set it to "
    '"{env:OPENAI_BASE_URL}" (see docs/guide-opencode.md)',
    ("regular", "node"): "Node's built-in fetch ignores HTTPS_PROXY; toolguard preloads a module that routes "
    "it through undici's EnvHttpProxyAgent, which needs the undici package where the app can import it "
    "(npm install undici), or use reverse mode (the default); see docs/guide-node.md",
}
_NO_TRAFFIC_DEFAULT = {
    "reverse": f"the client did not read {', '.join(REVERSE_VARIABLES[:-1])} or {REVERSE_VARIABLES[-1]} (a "
    "base URL in its configuration, a .env of its own or its command line wins over them), or it made no API call; "
    "try --proxy-mode regular",
    "regular": "the client ignored HTTPS_PROXY/HTTP_PROXY, did not trust mitmproxy's CA (its TLS handshake "
    "failed before a request), or made no API call; reverse mode (the default) needs neither",
}
#: Traffic reached the proxy but nothing was validated, in a run row from before m016 (no count of
#: the requests not validated because of their path): not on a path toolguard validates.
_NOT_VALIDATED_HINT = (
    f"requests reached the proxy, but none on an API path toolguard validates: {UNCHECKED_PATHS_HOW}"
)


def no_traffic_hint(command: list[str], mode: str, env: Mapping[str, str] | None = None) -> str:
    """The likely reason why no request reached the proxy, for this client in this mode."""
    if command and Path(command[0]).name == "env" and len(command) > 1:
        command = command[1:]
    client = client_name(command)
    if command and Path(command[0]).name == "npx" and (mode, client_name(command[1:])) in _NO_TRAFFIC_HINTS:
        client = client_name(command[1:])  # `npx qwen ...` is qwen-code; `npx tsx app.ts` stays node
    hint = _NO_TRAFFIC_HINTS.get(
        (mode, client), _NO_TRAFFIC_DEFAULT.get(mode, _NO_TRAFFIC_DEFAULT["reverse"])
    )
    no_proxy = ",".join(v for k in ("NO_PROXY", "no_proxy") if (v := (env or {}).get(k, "")))
    if mode == "regular" and no_proxy:
        hint += f"; or NO_PROXY ({no_proxy}) names its API host"
    return hint


def failed_first_hint(command: list[str], exit_status: int) -> str:
    """The start of the likely cause when COMMAND failed and no request reached the proxy; the
    client's hint follows it."""
    name = Path(command[0]).name if command else "the command"
    return (
        f"{name} exited with status {exit_status} before any request reached the proxy: its own error "
        "(above) came first, such as a missing API key or a crash at start-up; if it did reach its API "
        "call, "
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


#: The report lists a run's newest flows, at most this many (a day-long agent session stores
#: thousands); the counts above them cover every flow of the run.
MAX_REPORT_FLOWS = 50
#: The hosts line names at most this many hosts, then says how many more ("and 3 more").
MAX_REPORT_HOSTS = 10


@dataclass
class RunData:
    """What the report reads of one run, aggregated in SQL and bounded (issue #12.4)."""

    run: dict[str, Any] | None
    #: The newest flows (at most :data:`MAX_REPORT_FLOWS`), oldest first, and their findings.
    flows: list[dict[str, Any]]
    findings: dict[str, list[dict[str, Any]]]
    #: How many flows the run stored; findings per (rule, severity); repairs per (rule, applied, verdict).
    stored: int = 0
    rule_counts: dict[tuple[str, str], int] | None = None
    repairs: list[dict[str, Any]] | None = None
    #: Every host of the run's stored flows that no provider profile recognises (all of them, in SQL).
    unrecognised_hosts: list[str] | None = None


def read_run(db_path: Path, run_id: str) -> RunData:
    """The run's row, its counts by rule (GROUP BY over ``flows.run_id``), and its newest flows with
    their findings; other runs in the same database never show."""
    if not db_path.exists():
        return RunData(None, [], {})
    db = sqlite_utils.Database(db_path)
    try:
        if not db["runs"].exists():
            return RunData(None, [], {})
        rows = list(db.query("select * from runs where id = ?", [run_id]))
        # A database written before m006_websocket_messages has no websocket_json column yet.
        websocket = (
            "websocket_json" if "websocket_json" in db["flows"].columns_dict else "null as websocket_json"
        )
        flows = list(
            db.query(
                "select id, datetime_utc, duration_ms, method, scheme, host, port, path, provider, client, status, "
                "verdict, error_message, error_json, error_param, error_provider, error_type, "
                f"flow_error, cause_json, request_headers_json, {websocket} from flows where run_id = ? "
                "order by datetime_utc desc, id desc limit ?",
                [run_id, MAX_REPORT_FLOWS],
            )
        )[::-1]
        stored = next(db.query("select count(*) as n from flows where run_id = ?", [run_id]))["n"]
        # Answers that started and broke off: every one is stored (an interruption), and the runs
        # table has no column for them (visibility.counts_line).
        # A stream that ended without its end event is one of them, counted apart (verdict.ENDED_EARLY).
        broke_off, ended = (
            next(
                db.query(
                    f"select count(*) as n from flows where run_id = ? and {broke_off_sql()} and {which}",
                    [run_id],
                )
            )["n"]
            for which in (f"not ({ended_early_sql()})", ended_early_sql())
        )
        if rows:
            rows[0]["answers_broke_off"] = broke_off
            rows[0]["streams_ended_early"] = ended
        findings: dict[str, list[dict[str, Any]]] = {}
        if flows:
            marks = ", ".join("?" * len(flows))
            for row in db.query(
                f"select flow_id, rule, severity, location from findings where flow_id in ({marks}) "
                "order by flow_id, idx",
                [f["id"] for f in flows],
            ):
                findings.setdefault(row["flow_id"], []).append(row)
        rule_counts = {
            (row["rule"], row["severity"]): row["n"]
            for row in db.query(
                "select x.rule, x.severity, count(*) as n from findings x join flows f on f.id = x.flow_id "
                "where f.run_id = ? group by x.rule, x.severity",
                [run_id],
            )
        }
        repairs = (
            list(
                db.query(
                    "select r.rule, r.applied, f.verdict, count(*) as n from repairs r "
                    "join flows f on f.id = r.flow_id where f.run_id = ? group by r.rule, r.applied, f.verdict",
                    [run_id],
                )
            )
            if db["repairs"].exists()
            else []
        )
        unrecognised = sorted(
            (
                row["host"]
                for row in db.query(
                    f"select distinct {upstream_name_sql()} as host from flows where run_id = ? and provider = ? "
                    "and host is not null and host != ''",
                    [run_id, GENERIC.id],
                )
            ),
            key=upstream_sort_key,  # by host, then numerically by port
        )
    finally:
        db.close()
    return RunData(rows[0] if rows else None, flows, findings, stored, rule_counts, repairs, unrecognised)


def unsynced_flows(spool: Path, run_id: str, database: str) -> int | None:
    """How many of the run's flows are in the PostgreSQL spool but not yet sent to the database: those
    past the flow table's rowid mark in the spool's sync state (pgstore.Syncer's ``.sync.json``);
    ``None`` when that cannot be read. A report must not say "stored" in the shared database about
    rows that only this machine holds (the database was down)."""
    from toolguard_core.dedup import FLOW_ROWS_TABLE
    from toolguard_core.pgstore import sync_state_path

    try:
        state = json.loads(sync_state_path(spool).read_text())
        # A spool sent to another database before has sent nothing to this one (the syncer resends).
        sent_here = state.get("target") in (None, redact_url(database))
        after = int((state.get("after") or {}).get(FLOW_ROWS_TABLE, 0)) if sent_here else 0
    except FileNotFoundError:
        after = 0  # nothing was ever sent from this spool
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    if not spool.exists():
        return None
    db = sqlite_utils.Database(spool)
    try:
        if not db[FLOW_ROWS_TABLE].exists():
            return None
        return next(
            db.query(
                f"select count(*) as n from {FLOW_ROWS_TABLE} where run_id = ? and rowid > ?", [run_id, after]
            )
        )["n"]
    finally:
        db.close()


NO_RUN_PREFIX = "toolguard: the proxy recorded no run"
#: A command that could not be run sent nothing; its base-URL variables are not the cause.
NOT_STARTED_HINT = "the command did not start (see the line above), so it sent nothing"


def report(
    db_path: Path,
    run_id: str,
    command: list[str] | None = None,
    mode: str = "reverse",
    database: str | None = None,
    env: Mapping[str, str] | None = None,
    started: bool = True,
    exit_status: int | None = None,
) -> str:
    """What this run saw, from its row in ``runs`` and its flows (``flows.run_id``): counts in words,
    the rules, and each stored flow with its verdict (flows alike once, with the ids of the others).
    Other runs on the same database never show.
    ``started`` is False when COMMAND could not be run at all (not found, not executable);
    ``exit_status`` is COMMAND's, when known."""
    data = read_run(db_path, run_id)
    run, flows, findings = data.run, data.flows, data.findings
    if run is None:
        return f"{NO_RUN_PREFIX} {run_id} in {db_path} (it did not start or did not stop cleanly; see its log).\n"
    counts = counts_line(run, data.stored)
    lines = [counts if counts.startswith(NOTHING_SEEN) else f"toolguard: {counts}"]
    # Right under the counts: "0 rejected" there never hides a rejection on a path no rule checked.
    unchecked = unchecked_lines(
        int(run.get("unchecked_requests") or 0),
        int(run.get("unchecked_rejected") or 0),
        parse_hosts(run.get("unchecked_paths")),
        limit=MAX_REPORT_HOSTS,
    )
    lines += [f"  {line}." for line in unchecked]
    # And the requests that were no API call toolguard validates (a GET /v1/models): the proxy saw
    # them, so the counts above add up (runs from m017 on).
    ignored = ignored_line(
        int(run.get("ignored_requests") or 0), parse_hosts(run.get("ignored_paths")), limit=MAX_REPORT_HOSTS
    )
    if ignored:
        lines.append(f"  {ignored}.")
    skipped = skipped_line(
        int(run.get("model_rules_skipped") or 0),
        parse_hosts(run.get("model_rules_skipped_hosts")),
        models=parse_hosts(run.get("model_rules_skipped_models")),
        local=int(run.get("model_rules_skipped_local") or 0),
    )
    if skipped:
        lines.append(f"  {skipped}.")
    rule_counts = data.rule_counts or {}
    # Said next to the counts: "0 with findings" counts validated requests only (runs.with_findings).
    per_rule: Counter[str] = Counter()
    for (rule, _severity), n in rule_counts.items():
        per_rule[rule] += n
    unvalidated = passed_through_line(per_rule)
    if unvalidated:
        lines.append(f"  {unvalidated}.")
    if not run["requests_seen"] and not run.get("websocket_messages"):
        hint = no_traffic_hint(command or [], mode, env) if started else NOT_STARTED_HINT
        if started and exit_status:
            # A client that failed before its first call (the openai SDK without a key raises at once)
            # sent nothing: its own error comes first, not the base-URL variables (trial19).
            hint = failed_first_hint(command or [], exit_status) + hint
        lines.append(f"  likely cause: {hint}.")
    elif not run["validated"] and not flows and not unchecked:
        lines.append(f"  likely cause: {_NOT_VALIDATED_HINT}.")
    if rule_counts:
        lines.append("  rules:")
        for (rule, severity), n in sorted(rule_counts.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"    {n:>4}  {severity:<8} {rule}")
    repairs = repair_stats(data.repairs or [])
    if repairs:
        lines.append("  repairs (applied, accepted by the upstream):")
        for r in repairs:
            rate = "-" if r["success_rate"] is None else f"{r['success_rate']:.0%}"
            left = f", {r['not_applied']} left as is" if r["not_applied"] else ""
            lines.append(
                f"    {r['applied']:>4}  {r['rule']}: {r['repaired']} repaired, {r['repair_failed']} failed "
                f"(success {rate}){left}"
            )
    if flows:
        shown = f" (the newest {len(flows)} of {data.stored})" if data.stored > len(flows) else ""
        lines.append(f"  flows{shown}:")
    # A client that retries a refused request (Claude Code ten times after a 401, Codex five, an SDK
    # after a 529) stored the same flow again and again: each distinct block is said once, where it
    # first came, with the ids of its repeats (the report printed eleven identical blocks; trial19).
    # Two programs that fail alike are two entries (the client is part of the key, not of the block).
    blocks: dict[tuple[str, tuple[str, ...], str | None], tuple[list[str], list[str]]] = {}
    for flow in flows:
        head, details = _flow_block(flow, findings.get(flow["id"], []))
        # A message a client resent on its WebSocket differs only in its number (Codex; trial20a).
        alike = tuple(_MESSAGE_NUMBER.sub("WebSocket message", line) for line in details)
        block = blocks.setdefault(
            (head, alike, flow.get("client")), ([f"    {flow['id']}  {head}", *details], [])
        )
        block[1].append(flow["id"])
    found = retries(flows, functools.partial(_request_text, db_path))
    for block_lines, ids in blocks.values():
        lines += block_lines
        if len(ids) > 1:
            lines.append(f"        {_repeats_line(ids[1:])}")
        mine = [found[flow_id] for flow_id in ids if flow_id in found]
        retried = retries_line(
            [r.number for r in mine if r.declared], len(ids), sum(1 for r in mine if not r.declared)
        )
        if retried:
            lines.append(f"        {retried}")
    # Said once per run: the rules that ran were the generic profile's and the model catalog's
    # (docs/providers.md), not a provider's; a loopback fake or a company gateway gets here. The
    # proxy's count (runs.unrecognised_hosts: every request, stored or not; a clean run stores none)
    # first, then the hosts of the run's stored flows in SQL (a run row from before m013 has no count).
    unrecognised = unrecognised_line(
        int(run.get("unrecognised_requests") or 0),
        parse_hosts(run.get("unrecognised_hosts")),
        data.unrecognised_hosts or [],
        limit=MAX_REPORT_HOSTS,
        websocket=bool(run.get("websocket_messages")),
    )
    if unrecognised:
        lines.append(f"  {unrecognised}")
    if flows:
        # With a PostgreSQL store, db_path is this proxy's spool and ``database`` the shared URL.
        shown = database or str(db_path)
        # In a command to paste, a URL without its password (a masked one would send "***").
        runnable = command_url(shown) if is_postgres_url(shown) else shown
        lines.append(f"  database: {shown}")
        unsent = unsynced_flows(db_path, run_id, database) if database and is_postgres_url(database) else None
        if unsent:
            # Never "stored" in the shared database about rows that only this machine holds.
            lines.append(
                f"  NOT yet in {shown}: {_plural(unsent, 'flow')} of this run, kept in the spool "
                f"{db_path} and sent when the database answers (the next proxy start, or "
                f"toolguard sync {shlex.quote(str(db_path))} {shlex.quote(runnable)})"
            )
        lines.append(
            f"  one flow: toolguard show --db {shlex.quote(str(db_path))} {short_flow_id(flows[-1]['id'])}"
        )
        lines.append(f"  more: toolguard summary --db {shlex.quote(runnable)}")
    return "\n".join(lines) + "\n"


def _flow_block(flow: dict[str, Any], findings: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """One stored flow as the report lists it: its first line without the flow id (``status  request
    verdict``), and the lines under it (findings, the upstream's answer, root cause and fix)."""
    lines: list[str] = []
    status = flow["status"] if flow["status"] is not None else "-"
    upstream = upstream_name(flow["host"], flow["port"], flow["scheme"]) if flow["host"] else "-"
    where = f"{flow['method']} {upstream}{flow['path']}" if flow["method"] else upstream
    head = f"{status}  {where}  {flow['verdict'] or '-'}: " + flow_verdict_words(
        flow["verdict"],
        (row["rule"] for row in findings),
        broke_off=answer_broke_off(flow["status"], flow["verdict"], flow["flow_error"]),
    )
    if flow["websocket_json"]:
        socket = json.loads(flow["websocket_json"])
        lines.append(
            f"        WebSocket message {socket.get('message')} (response.create"
            + (f" after {socket['previous_response_id']}" if socket.get("previous_response_id") else "")
            + ")"
        )
    for row in findings:
        lines.append(f"        {row['severity']:<8} {row['rule']} at {row['location']}")
    cause = json.loads(flow["cause_json"]) if flow.get("cause_json") else None
    message = error_text(flow["error_json"], flow["error_message"])
    if message and flow["verdict"] == Verdict.BLOCKED:
        # Block mode: the provider's error as toolguard answered it; the upstream never saw it.
        lines.append(f"        {answered_by(flow['status'], flow['verdict'])}: {_one_line(message)}")
    elif message:
        # A rejection with a 2xx status came as an error event inside the stream: "200 ... rejected" over
        # "upstream: Overloaded" read as a contradiction (trial19); the console line and show say it too.
        in_stream = (
            IN_STREAM_WORDS
            if flow["status"] is not None
            and not rejected(flow["status"], False)
            and flow["verdict"] in REJECTED_VERDICTS
            else ""
        )
        lines.append(f"        upstream{in_stream}: {_one_line(message)}")
        answered = answered_by_words([flow.get("error_provider")])
        if answered:  # the provider behind a router, when its answer names it (OpenRouter's provider_name)
            lines.append(f"        {ANSWERED_BY}: {_one_line(answered)}")
        param = innermost_param(flow["error_json"], flow.get("error_param"))
        if param and flow["verdict"] == Verdict.UNEXPLAINED and param not in message:
            # Nothing explains it: the provider's own pointer is all the user has, as show says it
            # ("upstream: Param Incorrect" alone, Xiaomi through OpenRouter with opencode; trial20a).
            lines.append(f"        param: {_one_line(param)}")
        # Only the provider's wording counts here: a finding the verdict does not credit (a 429 on a
        # flagged request) is not a "known failure" (verdict.rejection_verdict).
        # Only a rule that checks the flow's API (a Chat Completions rule never judged a Gemini request).
        api = endpoint_kind(str(flow["path"] or "").split("?", 1)[0])
        explained_by, how = explain(message, (), api=api), "matched by the upstream's wording"
        if not explained_by and cause:
            # A rule that would have flagged this root cause, though it did not fire here (the
            # summary groups the flow by its root cause, never under a rule that did not fire).
            explained_by, how = predicting_rule(cause, api), f"the rule that predicts {cause['cause']}"
        if explained_by and flow["verdict"] != "predicted":
            # No finding on this request, but a rule predicts the provider's wording: the
            # failure is a known one (the request may depend on state toolguard cannot see).
            lines.append(f"        known failure: {explained_by} ({how})")
    elif ended_early(flow["flow_error"]):  # no connection broke: the stream closed before its end
        lines.append(f"        stream: {_one_line(flow['flow_error'].removeprefix('toolguard: '))}")
    elif flow["flow_error"]:
        lines.append(f"        connection: {_one_line(flow['flow_error'])}")
    if flow["verdict"] == Verdict.UNEXPLAINED and is_opaque_stored(flow["error_json"], flow["error_message"]):
        # Said as show and the summary say it: the provider's silence, not a gap of the catalogue.
        lines.append(f"        answer: opaque: {OPAQUE_WORDS}")
    if cause:
        # predicted / recognised / unexplained is the verdict above; this names the root cause and
        # its fix, in show's words ("root cause: <id>: <fix>" read as the fix being the cause: a
        # new user's trial, session 15).
        lines.append(f"        {ROOT_CAUSE}: {cause['cause']}: {_one_line(cause['title'])}")
        if cause.get("fix"):
            lines.append(f"        fix: {_fix_line(cause['fix'], flow['id'])}")
    errors = [row for row in findings if row["severity"] == "error"]
    judgement = (
        judge([r["rule"] for r in errors], cause, message, locations=[r["location"] for r in errors])
        if message and flow["verdict"] in REJECTED_VERDICTS
        else None
    )
    if judgement is not None and judgement.answer == Answer.CONTRADICTS:
        # The answer names another parameter precisely (verdict.judge): the findings are neither
        # confirmed nor false alarms for this flow, and the report says so, as show and the summary do.
        rules = ", ".join(dict.fromkeys(r["rule"] for r in errors))
        lines.append(f"        findings: {rules} {UNCONFIRMED_WORDS}")
    return head, lines


#: The number in a listed WebSocket message's line ("WebSocket message 3 (response.create ...)").
_MESSAGE_NUMBER = re.compile(r"WebSocket message \d+")

#: Repeats of one flow are named by the first characters of their ids (what ``toolguard show`` takes),
#: at most this many, then counted.
MAX_REPEAT_IDS = 10


def _request_text(db_path: Path, flow_id: str) -> str | None:
    """One stored flow's request text (clients.retries compares a candidate retry with its original)."""
    db = sqlite_utils.Database(db_path)
    try:
        row = next(db.query("select request_json from flows where id = ?", [flow_id]), None)
    finally:
        db.close()
    return row["request_json"] if row else None


def _repeats_line(ids: list[str]) -> str:
    """The ids of the flows a listed flow stands for, e.g. ``2 more flows alike (...): b46fba52, e446045b``."""
    named = ", ".join(short_flow_id(flow_id) for flow_id in ids[:MAX_REPEAT_IDS])
    # The newest is named too: the report's "one flow" command names it (qwen-code retried a 502
    # 27 times and that command named an id printed nowhere; trial20a).
    rest = (
        f" and {len(ids) - MAX_REPEAT_IDS} more, the newest {short_flow_id(ids[-1])}"
        if len(ids) > MAX_REPEAT_IDS
        else ""
    )
    return (
        f"{_plural(len(ids), 'more flow')} alike (same client, request line, verdict, findings and answer): "
        f"{named}{rest}"
    )


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: A fix is said whole up to this length: the causes' fixes run to ~270 characters before their ids
#: are filled in, and one cut at 200 ("send a placeholder result for a call th…", a Codex run; trial17)
#: left the user without the fix. Bounded all the same: ids filled in can make one very long.
MAX_FIX_CHARS = 1000


def _fix_line(fix: str, flow_id: str) -> str:
    """A root cause's fix on one line: whole, or, past :data:`MAX_FIX_CHARS`, cut with where to read it whole."""
    text = " ".join(fix.split())
    if len(text) <= MAX_FIX_CHARS:
        return text
    return text[: MAX_FIX_CHARS - 1] + f"… (whole: toolguard show {short_flow_id(flow_id)})"


# --------------------------------------------------------------------------- the session


def _say(text: str, end: str = "\n") -> None:
    """toolguard's own lines go to stderr: stdout belongs to the client."""
    print(text, file=sys.stderr, end=end, flush=True)


#: The flag of each option the proxy command sets itself (a --set of one of them says to use it).
_OWN_FLAGS = {
    "toolguard_db": "--db",
    "confdir": "--confdir",
    "toolguard_mode": "--mode",
    "toolguard_repair": "--repair",
}


def run_session(
    command: list[str],
    *,
    upstream: str | None = None,
    proxy_mode: str = "reverse",
    db_path: str | None = None,
    port: int = 0,
    confdir: str = "~/.mitmproxy",
    mitm_options: tuple[str, ...] = (),
    mode: str | None = None,
    repair_families: str | None = None,
    log_path: str | None = None,
) -> int:
    """Start the proxy, run ``command`` through it, stop the proxy, print the report on stderr and
    return the exit status for toolguard (the command's own, or ``EXIT_TOOLGUARD_FAILED``).
    Raises :class:`~toolguard_analysis.errors.ToolguardError` (and its subclasses) before anything
    starts when the options are wrong."""
    if proxy_mode == "regular" and upstream:
        raise UsageError("--upstream is for reverse mode; in regular mode the client's own URL is used")
    # Without --upstream, a base URL the user already set is where the proxy forwards (kept, not replaced).
    target = (
        Upstream.parse(upstream or default_upstream(list(command), os.environ))
        if proxy_mode == "reverse"
        else None
    )
    # A postgresql:// URL: the proxy spools to a local file first (pgstore.py); this run's report is
    # read from that file, which holds every row the proxy wrote whether or not it is synced yet.
    shared = db_path if is_postgres_url(db_path) else None
    database = (
        spool_path_for(shared) if shared else Path(db_path).expanduser() if db_path else default_db_path()
    )
    conf = Path(confdir).expanduser()
    run_id = str(uuid.uuid4())
    # `toolguard proxy`'s process: mitmdump with toolguard loaded as an addon, not a script
    # (toolguard_core/launch.py), which mitmproxy reaches on every flow one level sooner (docs/benchmarks.md,
    # "Session 18"); its options, log lines and shutdown are mitmdump -s's.
    proxy_command = [
        *proxy_launcher(),
        "--listen-host",
        "127.0.0.1",
        "-p",
        str(port),
        "--set",
        f"confdir={conf}",
        "--set",
        f"toolguard_db={shared or database}",
        "--set",
        f"toolguard_run_id={run_id}",
        "--set",
        f"toolguard_run_command={shlex.join(command)}",
    ]
    if target is not None:
        # Read the request before connecting upstream: an unreachable upstream then fails a flow that
        # carries the request (stored as no_answer, the client gets a 502 naming the error) instead of
        # a connection closed before anything was read (mitmproxy's default, connection_strategy=eager).
        proxy_command += ["--mode", f"reverse:{target.origin}", "--set", "connection_strategy=lazy"]
    else:
        # Regular mode too: with mitmproxy's eager default a CONNECT to an unreachable API got a 502
        # before the client sent anything, and the report blamed the client ("ignored HTTPS_PROXY, did
        # not trust mitmproxy's CA"; curl to api.openai.com offline, trial17). Lazily, the request is
        # read, validated, and stored as no_answer with the connect error.
        proxy_command += ["--set", "connection_strategy=lazy"]
    if repair_families is not None and mode != Mode.REPAIR:
        raise UsageError("--repair chooses the fixes of --mode repair; add --mode repair")
    if mode is not None:
        proxy_command += ["--set", f"toolguard_mode={parse_mode(mode)}"]
    if repair_families is not None:
        try:
            parse_families(repair_families)
        except ValueError as exc:
            raise BadParameter(str(exc), "--repair") from None
        proxy_command += ["--set", f"toolguard_repair={repair_families}"]
    # The options set above: one of them again through --set made mitmdump refuse it ("Received
    # multiple values", said by the addon since the reliability walkthrough), which the user, who
    # gave it once, could not make sense of. Said here, with the flag that sets it.
    own = {spec.split("=", 1)[0] for flag, spec in itertools.pairwise(proxy_command) if flag == "--set"}
    for option in mitm_options:
        if "=" not in option:
            raise BadParameter(f"expected NAME=VALUE, got {option!r}", "--set")
        name = option.split("=", 1)[0]
        if name in own:
            flag = _OWN_FLAGS.get(name)
            use = f"; use {flag}" if flag else ""
            raise BadParameter(f"{name} is set by toolguard itself{use}", "--set")
        proxy_command += ["--set", option]

    keep_log = log_path is not None
    if log_path is None:
        handle, temp = tempfile.mkstemp(prefix="toolguard-run-", suffix=".log")
        os.close(handle)
        log_file = Path(temp)
    else:
        log_file = Path(log_path).expanduser()

    proxy = ProxyProcess(proxy_command, log_file)
    try:
        proxy.start()
    except ToolguardError as exc:
        _say(f"toolguard: {exc}")
        return EXIT_TOOLGUARD_FAILED
    assert proxy.port is not None
    if target is not None:
        env = reverse_env(os.environ, proxy.port, target)
        where = reverse_banner(env, target)
    else:
        ca_cert = conf / "mitmproxy-ca-cert.pem"
        env = regular_env(os.environ, proxy.port, ca_cert)
        where = f"proxy at http://127.0.0.1:{proxy.port} (CA {ca_cert})"
    _say(f"toolguard: {where}; database {label(shared) if shared else database}")

    status = EXIT_TOOLGUARD_FAILED
    started = False
    try:
        status = run_client(list(command), env)
        # run_client answers 126/127 itself when Popen fails; a command that ran and exited 127
        # (a shell's "not found" inside it) is on PATH, so it counts as started.
        started = status not in (EXIT_NOT_FOUND, EXIT_NOT_EXECUTABLE) or _runnable(command[0], env)
    finally:
        proxy_status = proxy.stop()
    trouble = proxy_status not in (0, None)
    if trouble:
        _say(f"toolguard: mitmdump exited with status {proxy_status}; its log, {log_file}:")
        _say(proxy.tail(), end="")
    try:
        text = report(
            database,
            run_id,
            list(command),
            proxy_mode,
            label(shared) if shared else None,
            os.environ,
            started=started,
            exit_status=status,
        )
        _say(printable(text), end="")  # upstream error texts in it: no escape sequence reaches the terminal
        if text.startswith(NO_RUN_PREFIX) or NOT_WRITTEN in text.partition("\n")[0]:
            _say(f"toolguard: mitmdump's log: {log_file}")
            trouble = True  # the log is what explains it: keep it
    except Exception as exc:  # a report problem must not hide the command's status
        _say(f"toolguard: could not read {database}: {exc}")
        trouble = True
    if not keep_log and not trouble:
        log_file.unlink(missing_ok=True)
    return status
