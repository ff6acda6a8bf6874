"""The agent-CLI guides' commands, run as written: docs/guide-codex.md, guide-claude-code.md,
guide-opencode.md and guide-node.md (the way tests/e2e/test_guides.py runs the other guides).

Every fenced ``bash`` block of a guide runs, in order, in ``bash -eu`` from a scratch project with a
scratch HOME, after the ``export`` lines of the blocks before it (one shell session, as a reader has); the files a guide shows are written first: a ``toml`` block starting ``# ~/.codex/config.toml``
to Codex's config, a ``json`` block to ``opencode.json``, a ``js`` block starting ``// name.mjs`` to the
project. The scripted loopback fake (:mod:`support.scripted`) plays the API.

The only adaptations: the real API's URL becomes the fake's (in commands and config files; for clients
whose default API URL appears nowhere in the guide, the environment says where the API is:
``OPENAI_BASE_URL`` for the Node apps, ``ANTHROPIC_BASE_URL`` for Claude Code, and ``-c
openai_base_url`` for Codex's built-in provider), the key ``sk-your-key`` a fake one, and ``npm install``
blocks are skipped (the pinned packages of tests/e2e/node are linked into the project instead).

No request the proxy reads leaves 127.0.0.1: one for any other host (Codex's plugin sync asks
api.github.com and chatgpt.com through ``HTTPS_PROXY``) is answered 502 by mitmproxy itself, from a
``block_list`` in the scratch HOME's ``~/.mitmproxy/config.yaml`` (which ``toolguard run``'s mitmdump
reads), instead of mitmdump resolving and connecting to it: the answer a machine without internet
access gets (mitmproxy's 502 for a failed connect), on every machine alike. A client's own
connections that bypass the proxy are not stopped by this (docs/development.md, "Flaky tests").

A client's requests from a thread it does not wait for at exit (:attr:`Guide.background`: Codex's
curated-plugin sync) reach the proxy or not depending on how fast the rest of the run was; the guide
names each, and the report it shows counts all of them. A run's report is compared with it with the
background requests that run's own report lists (its "not API calls" line) taken off the request
count: everything else (the other requests, the WebSocket messages, validated, the zeros) must match
exactly.

These runs are also issue #11's clean-run acceptance: every client through ``toolguard run`` and a real
mitmdump is validated turn by turn, nothing is flagged and nothing stored (the rejected runs are in
tests/e2e/test_agents_run_e2e.py).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import clis
from support.scripted import Conversation, ToolCall
from support.upstream import Upstream

from e2e.test_guides import blocks
from toolguard_core.visibility import ignored_line

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs"
FAKE_KEY = "sk-toolguard-guide-test"
BLOCK_TIMEOUT = 90
# Codex's quiet switches (agent-clis.md), around whatever the guide puts in its config.
CODEX_QUIET_KEYS = 'check_for_update_on_startup = false\nmodel = "gpt-5"\n'
CODEX_QUIET_TABLES = "\n[analytics]\nenabled = false\n\n[feedback]\nenabled = false\n"


@dataclass(frozen=True)
class Guide:
    name: str
    tool_call: ToolCall
    final_text: str
    runs: int  # toolguard run blocks in the guide
    # Requests (as the report's "not API calls" line names them) that the client sends from a thread
    # it does not wait for at exit: each reaches the proxy at most once a run, or not at all when the
    # client finished first. Codex 0.171.0 syncs its curated plugins on a std::thread it never joins
    # (codex-rs/core-plugins/src/manager.rs, start_curated_repo_sync): `git ls-remote` (git does not
    # trust mitmproxy's CA: no request), then GET api.github.com/repos/openai/plugins and, when that
    # fails, GET chatgpt.com/backend-api/plugins/export/curated (startup_sync.rs); docs/development.md.
    background: tuple[str, ...] = ()


GUIDES = [
    Guide(
        "guide-codex.md",
        clis.TOOL_CALLS["codex"],
        "The tool said hi.",
        2,
        background=(
            "GET api.github.com/repos/openai/plugins",
            "GET chatgpt.com/backend-api/plugins/export/curated",
        ),
    ),
    Guide("guide-claude-code.md", clis.TOOL_CALLS["claude-code"], "The tool said hi.", 1),
    Guide("guide-opencode.md", clis.TOOL_CALLS["opencode"], "The tool said hi.", 1),
    Guide("guide-node.md", clis.TOOL_CALLS["openai-node"], "The tool said hi.", 3),
]


@pytest.fixture(scope="module", autouse=True)
def node_clients() -> None:
    clis.require_node_clients()


def environment(home: Path, fake: str) -> dict[str, str]:
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), str(clis.BIN), os.environ["PATH"]]),
        **clis.scratch_home_env(home),
        # Where the API is for clients whose guide never names its URL (their built-in default).
        "OPENAI_BASE_URL": f"{fake}/v1",
        "ANTHROPIC_BASE_URL": fake,
        "OPENCODE_DISABLE_MODELS_FETCH": "1",
        "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
        "OPENCODE_DISABLE_DEFAULT_PLUGINS": "1",
    }
    return env


# mitmproxy's block_list (/filter/status): any host but the loopback fake's answered 502 by the proxy.
LOOPBACK_ONLY = {"block_list": [r"/!~d ^127\.0\.0\.1$/502"]}
REPORT_COUNT = re.compile(r"toolguard: (\d+) requests?\b")
IGNORED = re.compile(
    r"^ +\d+ requests? (?:was not an API call|were not API calls) toolguard validates \((.*)\): "
)


def background_seen(stderr: str, background: tuple[str, ...]) -> dict[str, int]:
    """The requests of ``background`` a run's report (``stderr``) lists among the requests that were
    no API call (``GET host/path (N), ...``), with their counts."""
    seen: dict[str, int] = {}
    for line in stderr.splitlines():
        if match := IGNORED.match(line):
            for entry in match.group(1).split(", "):
                request, _, count = entry.rpartition(" (")
                if request in background:
                    seen[request] = int(count.removesuffix(")"))
    return seen


def without(report: str, requests: int) -> str:
    """``report`` with ``requests`` fewer requests in its count (worded as toolguard words it)."""
    match = REPORT_COUNT.match(report)
    assert match, report
    n = int(match.group(1)) - requests
    return f"toolguard: {n} request{'' if n == 1 else 's'}{report[match.end() :]}"


def adapt(text: str, fake: str, codex_builtin: bool) -> str:
    text = text.replace("https://api.openai.com/v1", f"{fake}/v1").replace("sk-your-key", FAKE_KEY)
    if codex_builtin:  # the built-in provider's API URL is compiled in: point it at the fake
        text = text.replace(" codex exec ", f' codex -c openai_base_url="{fake}/v1" exec ')
    assert "api.openai.com" not in text and "api.anthropic.com" not in text, text
    return text


@pytest.mark.parametrize("guide", GUIDES, ids=[g.name for g in GUIDES])
def test_agent_guide(guide: Guide, upstream: Upstream, tmp_path: Path) -> None:
    Conversation("chat", guide.tool_call, final_text=guide.final_text).install(upstream)
    home, project = tmp_path / "home", tmp_path / "project"
    (home / ".codex").mkdir(parents=True)
    (home / ".mitmproxy").mkdir()
    (home / ".mitmproxy" / "config.yaml").write_text(json.dumps(LOOPBACK_ONLY))  # JSON is YAML
    project.mkdir()
    (project / "node_modules").symlink_to(clis.NODE_DIR / "node_modules")
    (home / ".codex" / "config.toml").write_text(CODEX_QUIET_KEYS + CODEX_QUIET_TABLES)
    env = environment(home, upstream.url)
    codex_builtin = True
    reports: list[str] = []
    fixed: list[str] = []  # the reports without their background requests
    exports: list[str] = []
    for block in blocks(DOCS / guide.name):
        first = block.text.splitlines()[0] if block.text else ""
        if block.lang == "toml" and first == "# ~/.codex/config.toml":
            config = adapt(block.text, upstream.url, False)
            (home / ".codex" / "config.toml").write_text(CODEX_QUIET_KEYS + config + CODEX_QUIET_TABLES)
            codex_builtin = False
        elif block.lang == "json":
            (project / "opencode.json").write_text(adapt(block.text, upstream.url, False))
        elif block.lang == "js" and (match := re.match(r"// ([\w-]+\.mjs)\n", block.text)):
            (project / match.group(1)).write_text(block.text)
        elif block.lang == "bash" and not first.startswith("npm install"):
            script = adapt(block.text, upstream.url, codex_builtin)
            script, exports = (
                "\n".join([*exports, script]),
                [*exports, *re.findall(r"^export .*$", script, re.M)],
            )
            ran = subprocess.run(
                ["bash", "-euc", script], cwd=project, env=env, stdin=subprocess.DEVNULL,
                capture_output=True, text=True, timeout=BLOCK_TIMEOUT, start_new_session=True,
            )  # fmt: skip
            assert ran.returncode == 0, f"{script}\n{ran.stdout[-2000:]}\n{ran.stderr[-3000:]}"
            assert guide.final_text in ran.stdout, ran.stdout[-2000:]
            [report] = [line for line in ran.stderr.splitlines() if "reached the proxy" in line]
            reports.append(report)
            # Each background request at most once a run; anything else the run sent stays counted.
            seen = background_seen(ran.stderr, guide.background)
            assert set(seen.values()) <= {1}, ran.stderr[-3000:]
            fixed.append(without(report, len(seen)))
    assert len(reports) == guide.runs
    # Clean runs leave no row (the guides use the default database, under the scratch HOME).
    database = home / ".local" / "share" / "toolguard" / "toolguard.db"
    assert database.exists()
    with sqlite3.connect(database) as conn:
        assert conn.execute("select count(*) from flows").fetchone() == (0,)
    # The report the guide shows is the one its commands print, as written (trial21a: Claude Code's
    # guide showed "2 requests ... 2 validated" where its command printed 3 and a HEAD /api/hello line,
    # as this test added CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 the guide did not).
    # A background request counts in the guide's line (all of them) and in a run's report (those that
    # run's report lists) alike: both compared without them, and the guide names each.
    text = (DOCS / guide.name).read_text()
    assert [r for r in guide.background if f"`{r}`" not in text] == []
    shown = [
        without(b.text.strip(), len(guide.background))
        for b in blocks(DOCS / guide.name)
        if b.lang == "text" and b.text.startswith("toolguard: ")
    ]
    assert [line for line in shown if line not in fixed] == [], reports
    for report in reports:
        # Every run went through the proxy, was validated and had nothing to flag.
        assert re.fullmatch(
            r"toolguard: \d+ requests?( and \d+ WebSocket messages?)? reached the proxy: [1-9]\d* validated, "
            r"0 with findings, 0 rejected by the upstream, 0 without an answer; 0 flows stored\.",
            report,
        ), report


CLEAN = "reached the proxy: 3 validated, 0 with findings, 0 rejected by the upstream, 0 without an answer; 0 flows stored."
GITHUB, CHATGPT = GUIDES[0].background


@pytest.mark.parametrize(
    ("report", "fetched", "matches"),
    [
        (f"toolguard: 3 requests and 3 WebSocket messages {CLEAN}", (GITHUB, CHATGPT), True),
        # CI: Codex exited before the sync's second fetch; a local run before it before the first.
        (f"toolguard: 2 requests and 3 WebSocket messages {CLEAN}", (GITHUB,), True),
        (f"toolguard: 1 request and 3 WebSocket messages {CLEAN}", (), True),
        # A request the guide does not name stays counted; so do messages, validated and the zeros.
        (f"toolguard: 2 requests and 3 WebSocket messages {CLEAN}", (), False),
        (f"toolguard: 4 requests and 3 WebSocket messages {CLEAN}", (GITHUB, CHATGPT), False),
        (f"toolguard: 3 requests and 2 WebSocket messages {CLEAN}", (GITHUB, CHATGPT), False),
        (
            f"toolguard: 3 requests and 3 WebSocket messages {CLEAN}".replace("3 valid", "2 valid"),
            (GITHUB, CHATGPT),
            False,
        ),
        (
            f"toolguard: 3 requests and 3 WebSocket messages {CLEAN}".replace("0 flows", "1 flow"),
            (GITHUB, CHATGPT),
            False,
        ),
    ],
)
def test_background_requests_off_the_count(report: str, fetched: tuple[str, ...], matches: bool) -> None:
    """The Codex guide's report against a run's, each without its background requests (the run's as
    its own "not API calls" line, worded by toolguard's visibility.ignored_line, lists them)."""
    codex = GUIDES[0]
    [shown] = [
        b.text.strip()
        for b in blocks(DOCS / codex.name)
        if b.lang == "text" and b.text.startswith("toolguard: ")
    ]
    listed = ignored_line(len(fetched), dict.fromkeys(fetched, 1))
    stderr = "\n".join([report, f"  {listed}"] if listed else [report])
    seen = background_seen(stderr, codex.background)
    assert sorted(seen) == sorted(fetched)
    assert (without(report, len(seen)) == without(shown, len(codex.background))) is matches
