"""Launch each real agent client non-interactively against a base URL: one helper per client.

Every helper runs the client from ``tests/e2e/node`` (pinned in its package-lock.json, installed by
``scripts/bootstrap --test``) in a scratch HOME and project under ``workdir``, with update checks and
telemetry off, in its own session (killed as a group if it overstays ``timeout``), and returns a
:class:`ClientRun`. The facts behind each switch are in ``/work/shared/reference/agent-clis.md``.

``base_url`` is a host root such as ``http://127.0.0.1:41234`` (the fake provider, later the proxy);
each helper adds ``/v1`` where its client expects it. ``env`` adds to the child's environment (e.g.
``HTTPS_PROXY`` for regular mode); nothing else of this process's environment leaks in except PATH.
``prefix`` goes before the client's command line, e.g. ``["toolguard", "run", ..., "--"]`` to run the
client under toolguard with everything else unchanged.

The tool each client is asked to call on turn 1 (:data:`TOOL_CALLS`) is one of the client's own tools,
with arguments that make it print ``hi``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.scripted import Api, ToolCall

NODE_DIR = Path(__file__).resolve().parents[1] / "e2e" / "node"
BIN = NODE_DIR / "node_modules" / ".bin"
APPS = NODE_DIR / "apps"
# A bound against a hung client, not a speed check: a two-turn run takes seconds on an idle machine,
# but opencode needed over 60 s at load 12 on the shared 2-core CI machine (killed, the test failed).
RUN_TIMEOUT = 180.0
PROMPT = "Run `echo hi` in the shell and tell me what it printed."
# What the user types when resuming a session (``resume=True``).
RESUME_PROMPT = "Go on."
# A key-shaped secret: the captures must never contain it (they say "sk-REDACTED").
API_KEY = "sk-toolguard-e2e-not-a-key"

# The tool each client's turn 1 calls: its own shell tool (the apps define an `echo` tool).
TOOL_CALLS: dict[str, ToolCall] = {
    "codex": ToolCall("exec_command", {"cmd": "echo hi"}),
    "claude-code": ToolCall("Bash", {"command": "echo hi", "description": "Print hi"}),
    "opencode": ToolCall("bash", {"command": "echo hi", "description": "Print hi"}),
    "openai-node": ToolCall("echo", {"text": "hi"}),
    "ai-sdk": ToolCall("echo", {"text": "hi"}),
}


@dataclass(frozen=True)
class Client:
    """One way of running a client: which package, which API it speaks, which provider it targets."""

    name: str  # e.g. "codex"
    package: str  # npm package whose version the captures are named after
    api: Api
    provider: str  # "openai" | "anthropic"
    variant: str  # e.g. "websocket", "http", "chat"

    @property
    def version(self) -> str:
        manifest = NODE_DIR / "node_modules" / self.package / "package.json"
        return str(json.loads(manifest.read_text())["version"])

    @property
    def tool_call(self) -> ToolCall:
        return TOOL_CALLS[self.name]


@dataclass
class ClientRun:
    client: Client
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    home: Path
    project: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def installed() -> str | None:
    """None when every pinned client is installed, else what is missing."""
    missing = [name for name in ("codex", "claude", "opencode") if not (BIN / name).exists()]
    missing += [
        f"node_modules/{p}"
        for p in ("openai", "ai", "@ai-sdk/openai", "undici")
        if not (NODE_DIR / "node_modules" / p).is_dir()
    ]
    if missing:
        return f"not installed in {NODE_DIR}: {', '.join(missing)}; run scripts/bootstrap --test"
    return None


def scratch_home_env(home: Path) -> dict[str, str]:
    """A client's home and XDG directories all under the scratch ``home`` (nothing of the user's is
    read or written), colour and terminal control off so its output can be compared as text."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "NO_COLOR": "1",
        "TERM": "dumb",
    }


def _scratch(workdir: Path) -> tuple[Path, Path]:
    home, project = workdir / "home", workdir / "project"
    home.mkdir(parents=True, exist_ok=True)
    project.mkdir(parents=True, exist_ok=True)
    (project / "hello.txt").write_text("hi\n")
    return home, project


def _run(
    client: Client,
    argv: list[str],
    home: Path,
    project: Path,
    env: dict[str, str],
    timeout: float,
    stop_when: Callable[[], bool] | None = None,
) -> ClientRun:
    full_env = {"PATH": os.environ["PATH"], **scratch_home_env(home), **env}
    process = subprocess.Popen(
        argv,
        cwd=project,
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Codex, Claude Code and opencode spawn helpers: kill the whole group
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            stdout, stderr = process.communicate(timeout=0.2 if stop_when is not None else timeout)
            break
        except subprocess.TimeoutExpired:
            stopped = stop_when is not None and stop_when()
            if not stopped and time.monotonic() < deadline:
                continue
            # Killed like a closed terminal or a crash would: no chance to save anything more.
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            stderr += (
                "\n[clis.py] stopped (stop_when)" if stopped else f"\n[clis.py] killed after {timeout:.0f}s"
            )
            break
    return ClientRun(client, argv, process.returncode, stdout, stderr, home, project)


# -- Codex ----------------------------------------------------------------------------------------

CODEX_WS = Client("codex", "@openai/codex", "responses", "openai", "websocket")
CODEX_HTTP = Client("codex", "@openai/codex", "responses", "openai", "http")

# Quiet switches (agent-clis.md): no update check, no analytics, no feedback upload; no plugins,
# whose curated-plugin sync otherwise fetches from github.com, api.github.com and chatgpt.com at
# every start (through the proxy when there is one: mitmdump then connects out; docs/development.md,
# "Flaky tests"). The scratch HOME has no plugin installed, so the requests are the same.
_CODEX_CONFIG = """\
check_for_update_on_startup = false
model = "gpt-5"

[features]
plugins = false

[analytics]
enabled = false

[feedback]
enabled = false
"""


def codex(
    base_url: str,
    workdir: Path,
    *,
    websocket: bool = True,
    env: dict[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
    prefix: Sequence[str] = (),
    resume: bool = False,
    stop_when: Callable[[], bool] | None = None,
) -> ClientRun:
    """``codex exec``: the built-in OpenAI provider via ``-c openai_base_url=...`` (it ignores
    OPENAI_BASE_URL and speaks the Responses API over a WebSocket), or (``websocket=False``) a custom
    provider ``toolguard`` (custom providers stay on HTTP POST /v1/responses with SSE).
    ``resume``: ``codex exec resume --last`` the session an earlier run in ``workdir`` saved.
    ``stop_when``: kill the client once it returns True (checked every 0.2 s)."""
    home, project = _scratch(workdir)
    (home / ".codex").mkdir(exist_ok=True)
    config = _CODEX_CONFIG
    if not websocket:
        config = (
            'model_provider = "toolguard"\n'
            + config
            + f"""
[model_providers.toolguard]
name = "toolguard"
base_url = "{base_url}/v1"
env_key = "TOOLGUARD_E2E_API_KEY"
wire_api = "responses"
"""
        )
    (home / ".codex" / "config.toml").write_text(config)
    argv = [str(BIN / "codex"), "exec", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]
    if websocket:
        argv += ["-c", f'openai_base_url="{base_url}/v1"']
    argv += ["resume", "--last", RESUME_PROMPT] if resume else [PROMPT]
    child_env = {
        "CODEX_HOME": str(home / ".codex"),
        "OPENAI_API_KEY": API_KEY,
        "CODEX_API_KEY": API_KEY,
        "TOOLGUARD_E2E_API_KEY": API_KEY,
        **(env or {}),
    }
    client = CODEX_WS if websocket else CODEX_HTTP
    return _run(client, [*prefix, *argv], home, project, child_env, timeout, stop_when)


# -- Claude Code ----------------------------------------------------------------------------------

CLAUDE_CODE = Client("claude-code", "@anthropic-ai/claude-code", "messages", "anthropic", "messages")


def claude_code(
    base_url: str,
    workdir: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
    prefix: Sequence[str] = (),
    resume: bool = False,
    stop_when: Callable[[], bool] | None = None,
) -> ClientRun:
    """``claude -p`` with ``ANTHROPIC_BASE_URL`` (the host root: it posts to /v1/messages?beta=true).
    ``resume``: ``--continue`` the session an earlier run in ``workdir`` saved."""
    home, project = _scratch(workdir)
    argv = [str(BIN / "claude"), "-p", RESUME_PROMPT if resume else PROMPT, "--allowedTools", "Bash"]
    if resume:
        argv.append("--continue")
    child_env = {
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": API_KEY,
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        **(env or {}),
    }
    return _run(CLAUDE_CODE, [*prefix, *argv], home, project, child_env, timeout, stop_when)


# -- opencode -------------------------------------------------------------------------------------

OPENCODE_CHAT = Client("opencode", "opencode-ai", "chat", "openai", "chat")
OPENCODE_RESPONSES = Client("opencode", "opencode-ai", "responses", "openai", "responses")
OPENCODE_MESSAGES = Client("opencode", "opencode-ai", "messages", "anthropic", "messages")


def opencode(
    base_url: str,
    workdir: Path,
    *,
    responses: bool = False,
    messages: bool = False,
    env: dict[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
    prefix: Sequence[str] = (),
    resume: bool = False,
    stop_when: Callable[[], bool] | None = None,
) -> ClientRun:
    """``opencode run``: an OpenAI-compatible provider from ``opencode.json`` (Chat Completions),
    (``responses=True``) the built-in ``openai`` provider with a base URL (the Responses API), or
    (``messages=True``) a provider on ``@ai-sdk/anthropic`` with a base URL, as users point opencode at
    a gateway to Claude (the Messages API).
    ``resume``: ``--continue`` the session an earlier run in ``workdir`` saved."""
    home, project = _scratch(workdir)
    options = {"baseURL": f"{base_url}/v1", "apiKey": "{env:TOOLGUARD_E2E_API_KEY}"}
    if responses:
        provider = {"openai": {"options": options, "models": {"gpt-5": {}}}}
        model = "openai/gpt-5"
    elif messages:
        provider = {
            "toolguard": {
                "npm": "@ai-sdk/anthropic",
                "name": "toolguard",
                "options": options,
                "models": {
                    "claude-sonnet-4-5": {
                        "name": "claude-sonnet-4-5",
                        "tool_call": True,
                        "limit": {"context": 200000, "output": 64000},
                    }
                },
            }
        }
        model = "toolguard/claude-sonnet-4-5"
    else:
        provider = {
            "toolguard": {
                "npm": "@ai-sdk/openai-compatible",
                "name": "toolguard",
                "options": options,
                # The output limit as users declare it: without it opencode asks for max_tokens
                # 32000, which OpenAI rejects for gpt-4o ("max_tokens is too large: 32000. This
                # model supports at most 16384 completion tokens"; model.max-tokens-above-limit).
                "models": {
                    "gpt-4o": {
                        "name": "gpt-4o",
                        "tool_call": True,
                        "limit": {"context": 128000, "output": 16384},
                    }
                },
            }
        }
        model = "toolguard/gpt-4o"
    config = {
        "$schema": "https://opencode.ai/config.json",
        "provider": provider,
        "model": model,
        "share": "disabled",
        "autoupdate": False,
    }
    (project / "opencode.json").write_text(json.dumps(config, indent=1))
    argv = [str(BIN / "opencode"), "run", *(["--continue"] if resume else []), "--model", model]
    argv.append(RESUME_PROMPT if resume else PROMPT)
    child_env = {
        "TOOLGUARD_E2E_API_KEY": API_KEY,
        "OPENCODE_DISABLE_AUTOUPDATE": "1",
        "OPENCODE_DISABLE_MODELS_FETCH": "1",
        "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
        "OPENCODE_DISABLE_DEFAULT_PLUGINS": "1",
        "OPENCODE_DISABLE_SHARE": "1",
        **(env or {}),
    }
    client = OPENCODE_RESPONSES if responses else OPENCODE_MESSAGES if messages else OPENCODE_CHAT
    return _run(client, [*prefix, *argv], home, project, child_env, timeout, stop_when)


# -- Node apps ------------------------------------------------------------------------------------

OPENAI_NODE_CHAT = Client("openai-node", "openai", "chat", "openai", "chat")
OPENAI_NODE_RESPONSES = Client("openai-node", "openai", "responses", "openai", "responses")
AI_SDK_CHAT = Client("ai-sdk", "ai", "chat", "openai", "chat")
AI_SDK_RESPONSES = Client("ai-sdk", "ai", "responses", "openai", "responses")


def node_app(
    client: Client,
    base_url: str | None,
    workdir: Path,
    *,
    proxy: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
    prefix: Sequence[str] = (),
) -> ClientRun:
    """``node apps/<client>.mjs <chat|responses>``: one tool-using exchange (call the ``echo`` tool,
    answer with its result), in the API of ``client.api``.

    Reverse mode: ``base_url`` (the app's ``baseURL``). Regular mode: ``proxy`` sets ``HTTPS_PROXY`` /
    ``HTTP_PROXY`` and the app routes its fetch through undici's ``EnvHttpProxyAgent`` (Node's built-in
    fetch ignores those variables; agent-clis.md); ``base_url`` is then the real API's URL.
    """
    home, project = _scratch(workdir)
    app = APPS / f"{client.name}.mjs"
    child_env = {"OPENAI_API_KEY": API_KEY, "TOOLGUARD_PROMPT": PROMPT, **(env or {})}
    if base_url is not None:
        child_env["OPENAI_BASE_URL"] = f"{base_url}/v1"
    if proxy is not None:
        child_env.update(HTTPS_PROXY=proxy, HTTP_PROXY=proxy, TOOLGUARD_USE_ENV_PROXY="1")
    argv = ["node", str(app), client.api]
    return _run(client, [*prefix, *argv], home, project, child_env, timeout)


def require_node_clients() -> None:
    """Skip only without node/npm; with them, a missing pinned client is a setup error (run the
    bootstrap), not a skip that would hide it. The Node-client e2e modules call it from a fixture."""
    if node_missing() is not None:
        pytest.skip(f"{node_missing()}: the Node clients cannot run")
    not_installed = installed()
    if not_installed is not None:
        pytest.fail(not_installed)


def node_missing() -> str | None:
    """Why Node clients cannot run on this machine at all (no node or npm), or None."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not found on PATH" if missing else None
