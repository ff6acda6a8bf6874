"""``toolguard run``: the environment it builds, and the real command around a real mitmdump."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from support import proxy_stats
from support.ports import refused_port
from support.upstream import ORPHAN_MESSAGE, Reply, Upstream, canned

from toolguard_analysis.cli import cli
from toolguard_analysis.run import (
    MAX_REPORT_FLOWS,
    NODE_PRELOAD,
    NOT_STARTED_HINT,
    default_upstream,
    failed_first_hint,
    no_traffic_hint,
    regular_env,
    report,
    reverse_banner,
    reverse_env,
)
from toolguard_analysis.run import Upstream as UpstreamURL
from toolguard_core.dburl import label
from toolguard_core.store import FlowRow, RunRow, open_db, write_rows, write_run

TOOLGUARD = Path(sys.executable).parent / "toolguard"
PYTHON = sys.executable
RUN_TIMEOUT = 60

# A client that sends the seed's orphan tool message through the openai SDK, prints the 400 body
# and exits 3 (the SDK reads OPENAI_BASE_URL, which `toolguard run` sets).
ORPHAN_CLIENT = textwrap.dedent(
    """
    import openai
    client = openai.OpenAI(api_key="sk-test-run-command", max_retries=0, timeout=15)
    messages = [{"role": "tool", "content": "action completed!", "tool_call_id": "dummy"}]
    try:
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    except openai.BadRequestError as exc:
        print("400", exc.body["message"])
        raise SystemExit(3)
    """
)


@pytest.mark.parametrize(
    ("url", "origin", "api_path"),
    [
        ("https://api.openai.com", "https://api.openai.com", "/v1"),
        ("https://api.openai.com/v1/", "https://api.openai.com", "/v1"),
        (
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            "https://dashscope.aliyuncs.com",
            "/compatible-mode/v1",
        ),
        ("http://localhost:11434/v1", "http://localhost:11434", "/v1"),
        ("api.deepseek.com", "https://api.deepseek.com", "/v1"),
        # Without a scheme: host:port and a dotted host stay what they were (https:// added).
        ("localhost:11434/v1", "https://localhost:11434", "/v1"),
        ("127.0.0.1:8000", "https://127.0.0.1:8000", "/v1"),
        ("ollama:11434", "https://ollama:11434", "/v1"),
        ("localhost", "https://localhost", "/v1"),
        ("[::1]:8080/v1", "https://[::1]:8080", "/v1"),
        ("http://gateway/v1", "http://gateway", "/v1"),  # a one-label host with its scheme given
    ],
)
def test_upstream_url_keeps_the_api_path(url: str, origin: str, api_path: str) -> None:
    assert UpstreamURL.parse(url) == UpstreamURL(origin=origin, api_path=api_path)


#: What --upstream says of a value that does not read as a URL (toolguard_analysis.run._is_upstream_url).
NOT_A_URL = (
    "expected http(s)://host[:port][/path], or host:port or a dotted host name without the scheme "
    "(https:// is then added), got {!r}"
)
CREDENTIALS = (
    "the upstream URL cannot carry credentials (user:password@host); the client sends its own (its API "
    "key header) through the proxy"
)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("ftp://example.com", NOT_A_URL.format("ftp://example.com")),
        ("https://", NOT_A_URL.format("https://")),
        ("https://api.openai.com/v1?x=1", "the upstream URL cannot have a query or fragment"),
        # mitmdump refused these with its own error printing the password whole, and toolguard kept
        # that error in its log file under /tmp: now a usage error that never echoes it.
        ("http://user:s3cret-upstream@127.0.0.1:8000/v1", CREDENTIALS),
        ("https://s3cret-upstream@llm.corp.example/v1", CREDENTIALS),
        ("ftp://user:s3cret-upstream@example.com", NOT_A_URL.format("ftp://[REDACTED]@example.com")),
        # Not a URL at all: each said so, never taken for https://<it> (a lone word was https://notaurl).
        *(
            (value, NOT_A_URL.format(value))
            for value in (
                "notaurl",
                "openai",
                "api openai com",
                "https://api.openai.com /v1",
                "api.openai.com/v1 extra",
                "https://api.openai.com:v1",
                "localhost:port",
                "https://api.openai.com:99999",
                "http://",
                "//api.openai.com",
            )
        ),
    ],
)
def test_bad_upstream_url_is_a_usage_error_naming_the_expected_form(url: str, said: str) -> None:
    result = CliRunner().invoke(cli, ["run", "--upstream", url, "--", "true"])
    assert (result.exit_code, result.output.splitlines()[-1]) == (
        2,
        f"Error: Invalid value for --upstream: {said}",
    )
    assert "s3cret-upstream" not in result.output


@pytest.mark.parametrize(
    ("sets", "said"),
    [
        (["--set", "toolguard_db=/tmp/x.db"], "toolguard_db is set by toolguard itself; use --db"),
        (
            ["--mode", "block", "--set", "toolguard_mode=repair"],
            "toolguard_mode is set by toolguard itself; use --mode",
        ),
        (["--set", "confdir=/tmp/conf"], "confdir is set by toolguard itself; use --confdir"),
        (["--set", "toolguard_run_id=mine"], "toolguard_run_id is set by toolguard itself"),
    ],
)
def test_a_set_of_an_option_run_sets_itself_names_the_flag_that_sets_it(
    tmp_path: Path, sets: list[str], said: str
) -> None:
    # Found by the reliability walkthrough: mitmdump got the option twice and refused it ("Received
    # multiple values"), which a user who gave it once could not make sense of.
    result = CliRunner().invoke(cli, ["run", "--db", str(tmp_path / "t.db"), *sets, "--", "true"])
    assert (result.exit_code, result.output.splitlines()[-1]) == (
        2,
        f"Error: Invalid value for --set: {said}",
    )
    assert not (tmp_path / "t.db").exists()  # refused before the proxy started


def test_upstream_with_regular_mode_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        cli, ["run", "--proxy-mode", "regular", "--upstream", "https://x.test", "--", "true"]
    )
    assert result.exit_code == 2
    assert "--upstream is for reverse mode" in result.output


@pytest.mark.parametrize(
    ("base", "expected_changes"),
    [
        pytest.param(
            {"PATH": "/bin", "OPENAI_BASE_URL": "https://api.openai.com/v1"},
            {
                "OPENAI_BASE_URL": "http://127.0.0.1:8123/compatible-mode/v1",
                "OPENAI_API_BASE": "http://127.0.0.1:8123/compatible-mode/v1",
                "ANTHROPIC_BASE_URL": "http://127.0.0.1:8123/compatible-mode",
                # Ollama's clients take the host root too: OLLAMA_HOST (the ollama Python and JS libraries,
                # the ollama CLI) and OLLAMA_API_BASE (LiteLLM's ollama/ and ollama_chat/ routes, so aider).
                "OLLAMA_HOST": "http://127.0.0.1:8123/compatible-mode",
                "OLLAMA_API_BASE": "http://127.0.0.1:8123/compatible-mode",
            },
            id="no-proxy-env",
        ),
        pytest.param(
            # A corporate proxy in the environment must not catch the loopback hop to toolguard.
            {"HTTPS_PROXY": "http://corp:3128", "NO_PROXY": "internal.example"},
            {
                "OPENAI_BASE_URL": "http://127.0.0.1:8123/compatible-mode/v1",
                "OPENAI_API_BASE": "http://127.0.0.1:8123/compatible-mode/v1",
                "ANTHROPIC_BASE_URL": "http://127.0.0.1:8123/compatible-mode",
                "OLLAMA_HOST": "http://127.0.0.1:8123/compatible-mode",
                "OLLAMA_API_BASE": "http://127.0.0.1:8123/compatible-mode",
                "NO_PROXY": "internal.example,127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            },
            id="corporate-proxy",
        ),
    ],
)
def test_reverse_env(base: dict[str, str], expected_changes: dict[str, str]) -> None:
    upstream = UpstreamURL.parse("https://dashscope.aliyuncs.com/compatible-mode/v1")
    assert reverse_env(base, 8123, upstream) == {**base, **expected_changes}


@pytest.mark.parametrize(
    ("upstream", "banner"),
    [
        # Claude Code is given the host root: the banner named only the /v1 URL (walkthrough6).
        (
            "https://api.anthropic.com",
            "reverse proxy to https://api.anthropic.com at http://127.0.0.1:8123/v1"
            " (Anthropic and Ollama clients: http://127.0.0.1:8123)",
        ),
        (
            "https://api.example.com/custom",
            "reverse proxy to https://api.example.com at http://127.0.0.1:8123/custom",
        ),
    ],
)
def test_reverse_banner_names_the_base_urls_the_client_was_given(upstream: str, banner: str) -> None:
    target = UpstreamURL.parse(upstream)
    assert reverse_banner(reverse_env({}, 8123, target), target) == banner


@pytest.mark.parametrize("node_options", [None, "--max-old-space-size=4096"])
def test_regular_env(node_options: str | None) -> None:
    base = {"PATH": "/bin", "NO_PROXY": "127.0.0.1, localhost,internal.example", "no_proxy": "localhost,::1"}
    if node_options:
        base["NODE_OPTIONS"] = node_options
    env = regular_env(base, 8123, Path("/conf/mitmproxy-ca-cert.pem"))
    proxy = "http://127.0.0.1:8123"
    ca = "/conf/mitmproxy-ca-cert.pem"
    preload = f'--import="{NODE_PRELOAD.as_uri()}"'
    assert env == {
        "PATH": "/bin",
        "NO_PROXY": "internal.example",
        "HTTPS_PROXY": proxy,
        "https_proxy": proxy,
        "HTTP_PROXY": proxy,
        "http_proxy": proxy,
        "NODE_EXTRA_CA_CERTS": ca,
        "SSL_CERT_FILE": ca,
        "REQUESTS_CA_BUNDLE": ca,
        "CURL_CA_BUNDLE": ca,
        # The user's own Node options are kept; the preload that proxies fetch is added after them.
        "NODE_OPTIONS": f"{node_options} {preload}" if node_options else preload,
        "NODE_USE_ENV_PROXY": "1",
    }
    assert NODE_PRELOAD.is_file()


@pytest.mark.parametrize(
    ("command", "env", "upstream"),
    [
        (["qwen", "-p", "hi"], {}, "https://api.openai.com"),
        # The user's own base URL is where the proxy forwards, not silently replaced by OpenAI's.
        (
            ["python", "agent.py"],
            {"OPENAI_BASE_URL": "http://localhost:11434/v1"},
            "http://localhost:11434/v1",
        ),
        (
            ["python", "agent.py"],
            {"OPENAI_API_BASE": "https://api.deepseek.com/v1"},
            "https://api.deepseek.com/v1",
        ),
        # aider's ollama_chat/ models (LiteLLM) read OLLAMA_API_BASE, the ollama libraries OLLAMA_HOST
        # (trial22: forwarded to OpenAI's API before). OLLAMA_HOST is a URL or host[:port] (port 11434).
        (
            ["aider", "--model", "ollama_chat/qwen2.5-coder:7b"],
            {"OLLAMA_API_BASE": "http://127.0.0.1:11434"},
            "http://127.0.0.1:11434",
        ),
        (["python", "app.py"], {"OLLAMA_HOST": "http://gpu-box:11434/"}, "http://gpu-box:11434"),
        (["python", "app.py"], {"OLLAMA_HOST": "gpu-box"}, "http://gpu-box:11434"),
        (["python", "app.py"], {"OLLAMA_HOST": "127.0.0.1:11500"}, "http://127.0.0.1:11500"),
        # An OpenAI base URL the user set wins: it is what an OpenAI-compatible client sends to.
        (
            ["python", "agent.py"],
            {"OPENAI_BASE_URL": "http://localhost:8000/v1", "OLLAMA_HOST": "gpu-box"},
            "http://localhost:8000/v1",
        ),
        (["/usr/bin/claude", "-p", "hi"], {}, "https://api.anthropic.com"),
        (
            ["claude", "-p", "hi"],
            {"ANTHROPIC_BASE_URL": "https://api.deepseek.com/anthropic/"},
            "https://api.deepseek.com/anthropic/v1",
        ),
    ],
)
def test_default_upstream_keeps_the_users_base_url(
    command: list[str], env: dict[str, str], upstream: str
) -> None:
    assert default_upstream(command, env) == upstream


def test_report_when_the_proxy_wrote_no_run(tmp_path: Path) -> None:
    assert report(tmp_path / "none.db", "run-1") == (
        f"toolguard: the proxy recorded no run run-1 in {tmp_path / 'none.db'} (it did not start or did not "
        "stop cleanly; see its log).\n"
    )


def test_report_reads_only_its_own_run_and_says_zero_as_zero(tmp_path: Path) -> None:
    db_path = tmp_path / "shared.db"
    db = open_db(db_path)
    write_run(db, RunRow(id="mine", started_utc="2026-01-01T00:00:00.000Z"))
    write_run(db, RunRow(id="other", started_utc="2026-01-01T00:00:00.000Z", requests_seen=5))
    write_rows(
        db, [FlowRow(id="f-other", datetime_utc="2026-01-01T00:00:00.500Z", run_id="other", status=400)]
    )
    db.close()
    assert report(db_path, "mine", ["node", "app.js"], "regular") == (
        "toolguard saw 0 requests: nothing was checked; 0 flows stored.\n"
        "  likely cause: Node's built-in fetch ignores HTTPS_PROXY; toolguard preloads a module that routes it "
        "through undici's EnvHttpProxyAgent, which needs the undici package where the app can import it (npm "
        "install undici), or use reverse mode (the default); see docs/guide-node.md.\n"
    )


def test_report_counts_every_flow_in_sql_and_lists_the_newest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long run stores thousands of flows: the rule counts cover all of them (GROUP BY over the
    run's flows), the list shows the newest MAX_REPORT_FLOWS and says how many there are."""
    from toolguard_analysis import run as run_module
    from toolguard_core.store import FindingRow

    monkeypatch.setattr(run_module, "MAX_REPORT_FLOWS", 2)
    db_path = tmp_path / "long.db"
    db = open_db(db_path)
    counts = {
        "requests_seen": 3,
        "validated": 3,
        "with_findings": 3,
        "rejected": 3,
        "no_answer": 0,
        "stored": 3,
    }
    write_run(db, RunRow(id="long", started_utc="2026-01-01T00:00:00.000Z", **counts))
    # Each at another message: flows alike are listed once (test_run_report_repeats.py).
    write_rows(
        db,
        [
            FlowRow(
                id=f"flow-{i}",
                datetime_utc=f"2026-01-01T00:00:0{i}.000Z",
                run_id="long",
                method="POST",
                host="api.openai.com",
                path="/v1/chat/completions",
                status=400,
                verdict="predicted",
                findings=[
                    FindingRow(
                        idx=0,
                        rule="sequence.orphan-tool-message",
                        severity="error",
                        location=f"messages[{i}]",
                        message="x",
                    )
                ],
            )
            for i in range(3)
        ],
    )
    db.close()
    assert report(db_path, "long") == (
        "toolguard: 3 requests reached the proxy: 3 validated, 3 with findings, 3 rejected by the upstream, "
        "0 without an answer; 3 flows stored.\n"
        "  rules:\n"
        "       3  error    sequence.orphan-tool-message\n"
        "  flows (the newest 2 of 3):\n"
        "    flow-1  400  POST api.openai.com/v1/chat/completions  predicted: rejected by the upstream, as toolguard predicted\n"
        "        error    sequence.orphan-tool-message at messages[1]\n"
        "    flow-2  400  POST api.openai.com/v1/chat/completions  predicted: rejected by the upstream, as toolguard predicted\n"
        "        error    sequence.orphan-tool-message at messages[2]\n"
        f"  database: {db_path}\n"
        f"  one flow: toolguard show --db {db_path} flow-2\n"
        f"  more: toolguard summary --db {db_path}\n"
    )


def test_report_names_a_recognised_flow_by_the_rule_that_predicts_its_root_cause(tmp_path: Path) -> None:
    """Issue #10: the summary groups a recognised context overflow under the rule that predicts it
    (patterns.predicting_rule); the run report names it the same way, beside the root cause."""
    import json

    from toolguard_core.causes import recognise_error
    from toolguard_core.upstream_errors import parse_error

    body = json.dumps(
        {"type": "error", "error": {"type": "invalid_request_error",
                                    "message": "prompt is too long: 215432 tokens > 200000 maximum"}}
    )  # fmt: skip
    error = parse_error(body, status=400)
    found = recognise_error(error, status=400)
    assert found is not None
    db_path = tmp_path / "ctx.db"
    db = open_db(db_path)
    counts = {
        "requests_seen": 1,
        "validated": 1,
        "with_findings": 0,
        "rejected": 1,
        "no_answer": 0,
        "stored": 1,
    }
    write_run(db, RunRow(id="ctx", started_utc="2026-01-01T00:00:00.000Z", **counts))
    write_rows(
        db,
        [
            FlowRow(
                id="flow-1", datetime_utc="2026-01-01T00:00:01.000Z", run_id="ctx", method="POST",
                host="api.anthropic.com", path="/v1/messages", status=400, verdict="recognised",
                error_message=error.message, error_json=json.dumps(error.summary()),
                cause_json=json.dumps(found.summary()), cause_id=found.cause_id,
            )
        ],
    )  # fmt: skip
    db.close()
    flow_lines = (
        report(db_path, "ctx").split("  flows:\n", 1)[1].split("  hosts not recognised")[0].splitlines()
    )
    assert flow_lines[:5] == [
        "    flow-1  400  POST api.anthropic.com/v1/messages  recognised: rejected by the upstream for a known "
        "root cause; no rule is credited with it",
        "        upstream: prompt is too long: 215432 tokens > 200000 maximum",
        "        known failure: model.context-window-exceeded (the rule that predicts cause.context-length-exceeded)",
        f"        root cause: cause.context-length-exceeded: {found.cause.title}",
        f"        fix: {found.fix}",
    ]


def test_a_fix_longer_than_a_line_is_said_whole(tmp_path: Path) -> None:
    """Codex over its Responses WebSocket, turn 2 refused with OpenAI's unanswered-call text (trial17):
    the report cut the fix at 200 characters, mid-word ("... for a call th…"). Said whole; only a fix
    past MAX_FIX_CHARS (ids filled in) is cut, with where to read it whole."""
    import json

    from toolguard_analysis.run import MAX_FIX_CHARS
    from toolguard_core.causes import recognise_error
    from toolguard_core.upstream_errors import parse_error

    def flow_with(flow_id: str, call_id: str) -> tuple[FlowRow, str]:
        body = json.dumps(
            {"type": "error", "status": 400, "error": {"type": "invalid_request_error", "code": None,
             "message": f"No tool output found for function call {call_id}.", "param": "input"}}
        )  # fmt: skip
        error = parse_error(body, status=400)
        found = recognise_error(error, status=400)
        assert found is not None and found.cause_id == "cause.missing-tool-result"
        row = FlowRow(
            id=flow_id, datetime_utc="2026-01-01T00:00:01.000Z", run_id="ws", method="GET", host="127.0.0.1",
            port=8080, path="/v1/responses", status=400, verdict="recognised", error_message=error.message,
            error_json=json.dumps(error.summary()), cause_json=json.dumps(found.summary()), cause_id=found.cause_id,
        )  # fmt: skip
        return row, found.fix

    short, short_fix = flow_with("flow-short", "call_tg0002resp")
    long_id = "call_" + "x" * MAX_FIX_CHARS
    long, long_fix = flow_with("flow-long0", long_id)
    assert 200 < len(short_fix) < MAX_FIX_CHARS < len(long_fix)
    db_path = tmp_path / "ws.db"
    db = open_db(db_path)
    counts = {
        "requests_seen": 2,
        "validated": 2,
        "with_findings": 0,
        "rejected": 2,
        "no_answer": 0,
        "stored": 2,
    }
    write_run(db, RunRow(id="ws", started_utc="2026-01-01T00:00:00.000Z", **counts))
    write_rows(db, [short, long])
    db.close()
    fixes = [line for line in report(db_path, "ws").splitlines() if line.startswith("        fix: ")]
    assert sorted(fixes) == sorted(
        [
            f"        fix: {short_fix}",
            f"        fix: {long_fix[: MAX_FIX_CHARS - 1]}… (whole: toolguard show flow-lon)",
        ]
    )


@pytest.mark.parametrize(
    ("started", "cause"),
    [
        # Found on a fresh clone: `toolguard run -- no-such-command` said "command not found", then blamed
        # the client for not reading OPENAI_BASE_URL.
        (False, NOT_STARTED_HINT),
        (True, no_traffic_hint(["no-such-command"], "reverse")),
    ],
)
def test_report_of_a_command_that_never_started_says_so(tmp_path: Path, started: bool, cause: str) -> None:
    db_path = tmp_path / "none.db"
    db = open_db(db_path)
    write_run(db, RunRow(id="run", started_utc="2026-01-01T00:00:00.000Z"))
    db.close()
    assert report(db_path, "run", ["no-such-command"], "reverse", started=started) == (
        f"toolguard saw 0 requests: nothing was checked; 0 flows stored.\n  likely cause: {cause}.\n"
    )


@pytest.mark.parametrize(
    ("flows", "hosts_line"),
    [
        # A loopback fake, a company gateway: the generic profile's rules (plus the model catalog) ran, and
        # the report says so once, naming each host (seen on a fresh clone: nothing in the report said it).
        (
            [
                ("f1", "generic", "127.0.0.1"),
                ("f2", "generic", "llm.corp.example"),
                ("f3", "generic", "127.0.0.1"),
            ],
            "  hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic Messages, plus the model catalog): "
            "127.0.0.1, llm.corp.example; no provider-specific rule was applied; map a host to its provider with [[gateway]] in the providers config (--set toolguard_providers=FILE, docs/providers.md)",
        ),
        ([("f1", "openai", "api.openai.com")], None),
    ],
)
def test_report_names_the_hosts_toolguard_did_not_recognise(
    tmp_path: Path, flows: list[tuple[str, str, str]], hosts_line: str | None
) -> None:
    db_path = tmp_path / "hosts.db"
    db = open_db(db_path)
    counts = {"requests_seen": 3, "validated": 3, "with_findings": 0, "rejected": 3, "no_answer": 0}
    write_run(db, RunRow(id="run", started_utc="2026-01-01T00:00:00.000Z", stored=len(flows), **counts))
    write_rows(
        db,
        [
            FlowRow(id=flow_id, datetime_utc=f"2026-01-01T00:00:0{i}.000Z", run_id="run", method="POST", host=host,
                    path="/v1/chat/completions", provider=provider, status=400, verdict="unexplained")
            for i, (flow_id, provider, host) in enumerate(flows)
        ],
    )  # fmt: skip
    db.close()
    lines = report(db_path, "run", ["python", "agent.py"], "reverse").splitlines()
    # The report's own lines (the flows under "flows:" are indented further).
    assert [line for line in lines if line.startswith("  ") and not line.startswith("   ")] == [
        "  flows:",
        *([hosts_line] if hosts_line else []),
        f"  database: {db_path}",
        f"  one flow: toolguard show --db {db_path} {flows[-1][0]}",
        f"  more: toolguard summary --db {db_path}",
    ]


@pytest.mark.parametrize(
    ("command", "mode", "env", "cause"),
    [
        (
            ["codex", "exec", "hi"],
            "reverse",
            {},
            "the Codex CLI's built-in OpenAI provider ignores OPENAI_BASE_URL",
        ),
        (["npx", "qwen", "-p", "x"], "reverse", {}, "qwen-code takes its base URL from a settings.json"),
        (["env", "qwen", "-p", "x"], "reverse", {}, "qwen-code takes its base URL from a settings.json"),
        (
            ["opencode", "run", "hi"],
            "reverse",
            {},
            "opencode takes its provider's baseURL from opencode.json",
        ),
        (["node", "app.mjs"], "regular", {}, "Node's built-in fetch ignores HTTPS_PROXY; toolguard preloads"),
        # aider 0.86.2 without OPENAI_API_KEY for an openai/ model: its own error, then exit status 0, and
        # the general cause ("did not read OPENAI_BASE_URL ...; try --proxy-mode regular") misled (trial22).
        (
            ["aider", "--model", "openai/qwen2.5-coder-7b-instruct"],
            "reverse",
            {},
            "aider stops before its first request when the model's API key is missing",
        ),
        (
            ["python", "agent.py"],
            "reverse",
            {},
            "the client did not read OPENAI_BASE_URL, OPENAI_API_BASE, ANTHROPIC_BASE_URL, OLLAMA_HOST or "
            "OLLAMA_API_BASE",
        ),
        # Claude Code gets ANTHROPIC_BASE_URL from toolguard run: the general reverse-mode cause.
        (["claude", "-p", "hi"], "reverse", {}, "the client did not read OPENAI_BASE_URL"),
        (["python", "agent.py"], "regular", {}, "the client ignored HTTPS_PROXY/HTTP_PROXY"),
    ],
)
def test_no_traffic_hint_names_the_clients_likely_cause(
    command: list[str], mode: str, env: dict[str, str], cause: str
) -> None:
    assert no_traffic_hint(command, mode, env).startswith(cause)


def test_no_traffic_hint_in_regular_mode_names_a_no_proxy_entry() -> None:
    assert no_traffic_hint(["python", "agent.py"], "regular", {"NO_PROXY": "api.openai.com"}).endswith(
        "; or NO_PROXY (api.openai.com) names its API host"
    )


def test_report_counts_websocket_messages_and_says_why_nothing_was_validated(tmp_path: Path) -> None:
    db_path = tmp_path / "ws.db"
    db = open_db(db_path)
    codex = RunRow(
        id="codex", started_utc="2026-01-01T00:00:00.000Z", requests_seen=1, validated=3, websocket_messages=3
    )
    write_run(db, codex)
    write_run(db, RunRow(id="other-path", started_utc="2026-01-01T00:00:00.000Z", requests_seen=2))
    db.close()
    assert report(db_path, "codex", ["codex", "exec", "hi"], "regular") == (
        "toolguard: 1 request and 3 WebSocket messages reached the proxy: 3 validated, 0 with findings, "
        "0 rejected by the upstream, 0 without an answer; 0 flows stored.\n"
    )
    assert report(db_path, "other-path", ["python", "agent.py"], "reverse") == (
        "toolguard: 2 requests reached the proxy: 0 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer; 0 flows stored.\n"
        "  likely cause: requests reached the proxy, but none on an API path toolguard validates: toolguard "
        "validates POSTs to /chat/completions, /responses, /v1/messages and the native chat APIs' paths "
        "(toolguard_paths); send such requests to the right endpoint (a typo'd path is the client's to fix), or have "
        "toolguard validate a path of your own with --set toolguard_paths=REGEX (README, Options).\n"
    )


def test_help_documents_both_modes_with_examples() -> None:
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert result.exit_code == 0
    for text in (
        "Reverse mode (default)",
        "OPENAI_BASE_URL=http://127.0.0.1:PORT/v1",
        "OPENAI_API_BASE",
        "Regular mode (--proxy-mode regular)",
        "NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE",
        "NO_PROXY",
        "toolguard run -- qwen --auth-type openai --yolo",
        "toolguard run --proxy-mode regular -- python agent.py",
        "QWEN_USAGE_STATISTICS_ENABLED=false",
    ):
        assert text in result.output, text


# --------------------------------------------------------------------------- real processes


def toolguard_run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TOOLGUARD), "run", *args], capture_output=True, text=True, timeout=RUN_TIMEOUT, **kwargs
    )


@pytest.mark.e2e
def test_run_reports_the_flagged_flow_and_exits_with_the_clients_status(
    upstream: Upstream, tmp_path: Path
) -> None:
    db_path = tmp_path / "run.db"
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
        "--", PYTHON, "-c", ORPHAN_CLIENT,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert result.stdout == f"400 {ORPHAN_MESSAGE}\n"  # the client's stdout, untouched
    [flow] = sqlite_utils.Database(db_path)["flows"].rows
    assert (flow["status"], flow["verdict"], flow["error_message"]) == (400, "predicted", ORPHAN_MESSAGE)
    [run] = sqlite_utils.Database(db_path)["runs"].rows
    assert flow["run_id"] == run["id"]
    report_lines = result.stderr.splitlines()
    start = report_lines.index(COUNTS_ONE_PREDICTED)
    assert report_lines[start:] == [
        COUNTS_ONE_PREDICTED,
        "  rules:",
        "       1  error    sequence.orphan-tool-message",
        "  flows:",
        f"    {flow['id']}  400  POST 127.0.0.1:{upstream.port}/v1/chat/completions  predicted: rejected by the upstream, "
        "as toolguard predicted",
        "        error    sequence.orphan-tool-message at messages[0]",
        f"        upstream: {ORPHAN_MESSAGE}",
        "        root cause: cause.orphan-tool-result: A tool result answers no tool call of the assistant message "
        "before it.",
        "        fix: Send each tool message right after the assistant message whose tool_calls contain its id, "
        "once; drop results whose call was removed or already answered.",
        "  1 request to hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic Messages, plus the model catalog): "
        f"127.0.0.1:{upstream.port}; no provider-specific rule was applied; map a host to its provider with [[gateway]] in the providers config (--set toolguard_providers=FILE, docs/providers.md)",
        f"  database: {db_path}",
        f"  one flow: toolguard show --db {db_path} {flow['id'][:8]}",
        f"  more: toolguard summary --db {db_path}",
    ]


# Ollama's own Python client with no host given: it reads OLLAMA_HOST, as the ollama CLI and the JS library do
# (aider's ollama_chat/ models read OLLAMA_API_BASE through LiteLLM). Prints Ollama's error and exits 3.
OLLAMA_CLIENT = textwrap.dedent(
    """
    import ollama
    tools = [{"type": "function", "function": {"name": "ls", "description": "List files.",
              "parameters": {"type": "object", "properties": {}}}}]
    try:
        ollama.Client(timeout=15).chat(model="gemma3:12b", messages=[{"role": "user", "content": "ls"}],
                                       tools=tools)
    except ollama.ResponseError as exc:
        print(exc.status_code, exc.error)
        raise SystemExit(3)
    """
)
OLLAMA_NO_TOOLS = "registry.ollama.ai/library/gemma3:12b does not support tools"


@pytest.mark.e2e
def test_run_points_ollamas_own_clients_at_the_proxy(upstream: Upstream, tmp_path: Path) -> None:
    """trial22: ``toolguard run`` set only the OpenAI and Anthropic variables, so the ollama library (and
    aider's ollama_chat/ models) went straight to the server: "toolguard saw 0 requests", the 400 unseen."""
    pytest.importorskip("ollama")
    upstream.handler = canned(400, {"error": OLLAMA_NO_TOOLS})
    db_path = tmp_path / "run.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_")}
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
        "--", PYTHON, "-c", OLLAMA_CLIENT, env=env,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert result.stdout == f"400 {OLLAMA_NO_TOOLS}\n"  # Ollama's own words reach the client untouched
    assert "(Anthropic and Ollama clients: http://127.0.0.1:" in result.stderr.splitlines()[0]
    [flow] = sqlite_utils.Database(db_path)["flows"].rows
    assert (flow["path"], flow["status"], flow["verdict"], flow["error_message"], flow["cause_id"]) == (
        "/api/chat",
        400,
        "predicted",
        OLLAMA_NO_TOOLS,
        "cause.model-no-tools",
    )
    assert COUNTS_ONE_PREDICTED in result.stderr.splitlines()


COUNTS_ONE_PREDICTED = (
    "toolguard: 1 request reached the proxy: 1 validated, 1 with findings, 1 rejected by the upstream, "
    "0 without an answer; 1 flow stored."
)


@pytest.mark.e2e
def test_a_blocked_flow_is_reported_as_toolguards_answer_not_the_upstreams(
    upstream: Upstream, tmp_path: Path
) -> None:
    """Block mode: the report said "upstream: Invalid parameter: ..." and "known failure: ... (matched
    by the upstream's wording)", and `toolguard show` "upstream: upstream answered 400: ...", under a
    verdict that says the request was never sent upstream."""
    db_path = tmp_path / "run.db"
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
        "--mode", "block", "--", PYTHON, "-c", ORPHAN_CLIENT,
    )  # fmt: skip
    assert (result.returncode, result.stdout, upstream.requests) == (3, f"400 {ORPHAN_MESSAGE}\n", [])
    [flow] = sqlite_utils.Database(db_path)["flows"].rows
    lines = result.stderr.splitlines()
    start = lines.index("  flows:")
    assert lines[start : start + 5] == [
        "  flows:",
        f"    {flow['id']}  400  POST 127.0.0.1:{upstream.port}/v1/chat/completions  blocked: answered by toolguard with the "
        "provider's error (block mode); never sent upstream",
        "        error    sequence.orphan-tool-message at messages[0]",
        f"        toolguard answered 400 itself (block mode; never sent upstream): {ORPHAN_MESSAGE}",
        "  1 request to hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic Messages, plus the model catalog): "
        f"127.0.0.1:{upstream.port}; no provider-specific rule was applied; map a host to its provider with [[gateway]] in the providers config (--set toolguard_providers=FILE, docs/providers.md)",
    ]
    answer = f"toolguard answered 400 itself (block mode; never sent upstream): {ORPHAN_MESSAGE} (param: messages.[0].role)"
    shown = CliRunner().invoke(cli, ["show", "--db", str(db_path), "--last"]).output.splitlines()
    assert [line for line in shown if line.startswith(("  upstream:", "  answer:"))] == [
        f"  answer:     {answer}"
    ]
    markdown = (
        CliRunner().invoke(cli, ["show", "--db", str(db_path), "--last", "--format", "markdown"]).output
    )
    assert [
        line for line in markdown.splitlines() if line.startswith(("- **Upstream**", "- **Answer**"))
    ] == [f"- **Answer**: {answer}"]


# An upstream (or a relay, or a model's text echoed in an error) answering with terminal escapes:
# OSC 0 sets the window title, CSI 2J clears the screen, BEL; the SGR colour in the middle is harmless.
ESCAPES_MESSAGE = "Bad \x1b]0;pwned\x07title \x1b[2J\x1b[31mRED\x1b[0m value"


@pytest.mark.e2e
def test_terminal_escapes_from_the_upstream_never_reach_the_terminal(
    upstream: Upstream, tmp_path: Path
) -> None:
    """The run report, `toolguard show` and `toolguard summary` printed the upstream's error text as
    sent: its escape sequences set the terminal's title and cleared the screen."""
    upstream.handler = canned(400, {"error": {"message": ESCAPES_MESSAGE, "type": "invalid_request_error"}})
    db_path = tmp_path / "run.db"
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
        "--", PYTHON, "-c", ORPHAN_CLIENT.replace("BadRequestError", "APIStatusError"),
    )  # fmt: skip
    [flow] = sqlite_utils.Database(db_path)["flows"].rows
    assert flow["error_message"] == ESCAPES_MESSAGE  # stored as the upstream sent it
    shown = "Bad \\x1b]0;pwned\\x07title \\x1b[2J"
    assert f"        upstream: {shown}\x1b[31mRED\x1b[0m value" in result.stderr.splitlines()
    outputs = {
        "show": CliRunner().invoke(cli, ["show", "--db", str(db_path), "--last"]).output,
        "markdown": CliRunner()
        .invoke(cli, ["show", "--db", str(db_path), "--last", "--format", "markdown"])
        .output,
        "summary": CliRunner().invoke(cli, ["summary", "--db", str(db_path)]).output,
    }
    for name, output in {"run": result.stderr, **outputs}.items():
        assert "\x07" not in output and "\x1b]" not in output and "\x1b[2J" not in output, name
        assert shown in output, name


@pytest.mark.e2e
def test_a_clients_command_line_secrets_never_reach_the_database(upstream: Upstream, tmp_path: Path) -> None:
    """`toolguard run -- curl -H 'x-api-key: ...' '...?key=...'` stored the command in runs.command with
    the x-api-key value and the query key as typed (only Bearer tokens and key shapes were redacted)."""
    db_path = tmp_path / "run.db"
    url = f"{upstream.url}/v1/chat/completions?key=AIzaCmdLineQuery1"
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
        "--", "curl", "-s", "-o", "/dev/null", "-H", "x-api-key: cmdline-plain-secret", "--data", "{}", url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [run] = sqlite_utils.Database(db_path)["runs"].rows
    assert run["command"] == (
        f"curl -s -o /dev/null -H 'x-api-key: [REDACTED]' --data '{{}}' '{upstream.url}/v1/chat/completions?key=[REDACTED]'"
    )
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("run.db*"))
    assert b"cmdline-plain-secret" not in stored and b"AIzaCmdLineQuery1" not in stored


# One request over a 1 KB toolguard_max_body (passed through unvalidated, accepted) and one small one.
LARGE_THEN_SMALL_CLIENT = textwrap.dedent(
    """
    import openai
    client = openai.OpenAI(api_key="sk-test-run-command", max_retries=0, timeout=15)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x" * 5000}])
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    """
)


@pytest.mark.e2e
def test_run_says_which_requests_passed_through_without_validation(
    upstream: Upstream, tmp_path: Path
) -> None:
    """The report read "2 requests reached the proxy: 1 validated, 0 with findings" and then listed a
    body.too-large finding: nothing in the counts said one request was never checked, nor why."""
    db_path = tmp_path / "run.db"
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
        "--set", "toolguard_max_body=1k", "--", PYTHON, "-c", LARGE_THEN_SMALL_CLIENT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [flow] = sqlite_utils.Database(db_path)["flows"].rows
    lines = result.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("toolguard: 2 requests"))
    assert lines[start : start + 4] == [
        "toolguard: 2 requests reached the proxy: 1 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer; 1 flow stored.",
        "  1 request passed through without validation (body.too-large 1): no rule checked it "
        "(toolguard_max_body and the other limits: docs/robustness.md).",
        "  rules:",
        "       1  info     body.too-large",
    ]
    assert (flow["verdict"], flow["status"]) == ("accepted", 200)


#: OpenAI's answer to a POST on a path it has no endpoint for (here a typo'd /chat/completion): a 404
#: whose message names the method and path, in this body (a doubled path in
#: https://github.com/harry0703/MoneyPrinterTurbo/issues/57; the body whole in
#: https://github.com/chatboxai/chatbox/issues/199).
INVALID_URL = {
    "error": {
        "message": "Invalid URL (POST /v1/chat/completion)",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
}
# One chat call on the right path, two on a typo'd one, one embeddings call (a record-only path).
MIXED_PATHS_CLIENT = textwrap.dedent(
    """
    import json, os, urllib.error, urllib.request
    base = os.environ["OPENAI_BASE_URL"]
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    for path, body in [("/chat/completions", chat), ("/chat/completion", chat), ("/chat/completion", chat),
                       ("/embeddings", {"model": "text-embedding-3-small", "input": "hi"})]:
        request = urllib.request.Request(base + path, json.dumps(body).encode(),
                                         {"content-type": "application/json", "authorization": "Bearer sk-test"})
        try:
            print(path, urllib.request.urlopen(request, timeout=15).status)
        except urllib.error.HTTPError as exc:
            print(path, exc.code)
    """
)


@pytest.mark.e2e
def test_run_says_how_many_requests_went_unchecked_because_of_their_path(
    upstream: Upstream, tmp_path: Path
) -> None:
    """A new user's trial (session 15): a client that typo'd its path (/chat/completion) next to one
    right call read "1 validated, 0 with findings, 0 rejected by the upstream" and no hint (the hint
    was said only when nothing at all was validated). The run row counts the requests no rule
    validated because of their path, the rejected ones among them and their paths; the report says so
    right under the counts, with how to have them checked."""
    right = upstream.handler
    upstream.handler = lambda request: (
        Reply.json(404, INVALID_URL) if request.path.endswith("/chat/completion") else right(request)
    )
    db_path = tmp_path / "run.db"
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
        "--", PYTHON, "-c", MIXED_PATHS_CLIENT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == "/chat/completions 200\n/chat/completion 404\n/chat/completion 404\n/embeddings 200\n"
    )
    db = sqlite_utils.Database(db_path)
    [run] = db["runs"].rows
    where = f"127.0.0.1:{upstream.port}/v1"
    assert {k: run[k] for k in ("requests_seen", "validated", "rejected", "stored")} == {
        "requests_seen": 4, "validated": 1, "rejected": 0, "stored": 0
    }  # fmt: skip
    assert (run["unchecked_requests"], run["unchecked_rejected"], json.loads(run["unchecked_paths"])) == (
        3,
        2,
        {f"{where}/chat/completion": 2, f"{where}/embeddings": 1},
    )
    start = result.stderr.splitlines().index(
        "toolguard: 4 requests reached the proxy: 1 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer; 0 flows stored."
    )
    assert result.stderr.splitlines()[start + 1 :] == [
        f"  2 requests NOT checked because of their path ({where}/chat/completion (2)): no rule validated them; "
        "toolguard validates POSTs to /chat/completions, /responses, /v1/messages and the native chat APIs' paths "
        "(toolguard_paths); send such requests to the right endpoint (a typo'd path is the client's to fix), or have "
        "toolguard validate a path of your own with --set toolguard_paths=REGEX (README, Options).",
        # The embeddings call is no alarm (trial17); the rejections are counted per run, said for both.
        f"  1 request seen but not validated ({where}/embeddings (1, embeddings or moderations)): it went to "
        "an endpoint that carries no conversation, and toolguard's rules check only conversations (the chat "
        "endpoints' bodies, toolguard_paths): nothing in it was checked; of the 3 requests not validated because of their path, 2 were "
        "rejected by the upstream.",
        "  1 request to hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or "
        f"Anthropic Messages, plus the model catalog): 127.0.0.1:{upstream.port}; no provider-specific rule was "
        "applied; map a host to its provider with [[gateway]] in the providers config "
        "(--set toolguard_providers=FILE, docs/providers.md)",
    ]


@pytest.mark.e2e
def test_run_passes_stdin_through_and_says_no_request_reached_the_proxy(
    upstream: Upstream, tmp_path: Path
) -> None:
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(tmp_path / "run.db"), "--confdir", str(tmp_path / "conf"),
        "--", "cat",
        input="line one\nline two\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "line one\nline two\n"
    assert result.stderr.splitlines()[-2:] == [
        "toolguard saw 0 requests: nothing was checked; 0 flows stored.",
        "  likely cause: the client did not read OPENAI_BASE_URL, OPENAI_API_BASE, ANTHROPIC_BASE_URL, OLLAMA_HOST or "
        "OLLAMA_API_BASE (a base "
        "URL in its configuration, a .env of its own or its command line wins over them), or it made no API call; "
        "try --proxy-mode regular.",
    ]


# Sends `count` valid requests, then (when `orphan`) the orphan-tool request, pausing in between so
# that two runs started together overlap in time.
COUNTING_CLIENT = textwrap.dedent(
    """
    import sys, time, openai
    count, orphan = int(sys.argv[1]), sys.argv[2] == "orphan"
    client = openai.OpenAI(api_key="sk-test-parallel-runs", max_retries=0, timeout=15)
    for _ in range(count):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        time.sleep(0.3)
    if orphan:
        try:
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "tool", "content": "done", "tool_call_id": "dummy"}]
            )
        except openai.BadRequestError:
            pass
    """
)


@pytest.mark.e2e
def test_two_parallel_runs_on_one_database_each_report_only_their_own_flows(
    upstream: Upstream, tmp_path: Path
) -> None:
    db_path = tmp_path / "shared.db"
    common = ["run", "--upstream", upstream.url, "--db", str(db_path)]
    processes = [
        subprocess.Popen(
            [
                str(TOOLGUARD),
                *common,
                "--confdir",
                str(tmp_path / f"conf{n}"),
                "--",
                PYTHON,
                "-c",
                COUNTING_CLIENT,
                str(count),
                orphan,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, (count, orphan) in enumerate([(3, "orphan"), (2, "none")])
    ]
    outputs = [p.communicate(timeout=RUN_TIMEOUT)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    db = sqlite_utils.Database(db_path)
    runs = {run["command"].split()[-2]: run for run in db["runs"].rows}
    assert {
        name: (r["requests_seen"], r["validated"], r["with_findings"], r["rejected"], r["stored"])
        for name, r in runs.items()
    } == {"3": (4, 4, 1, 1, 1), "2": (2, 2, 0, 0, 0)}
    [flow] = db["flows"].rows
    assert flow["run_id"] == runs["3"]["id"]
    first, second = (err.splitlines() for err in outputs)
    assert (
        "toolguard: 4 requests reached the proxy: 4 validated, 1 with findings, 1 rejected by the upstream, "
        "0 without an answer; 1 flow stored."
    ) in first
    assert [line for line in first if line.startswith("    ") and "  POST " in line] == [
        f"    {flow['id']}  400  POST 127.0.0.1:{upstream.port}/v1/chat/completions  predicted: rejected by the upstream, "
        "as toolguard predicted"
    ]
    # Nothing stored, yet the report says the generic profile judged the loopback fake's requests.
    assert second[-2:] == [
        "toolguard: 2 requests reached the proxy: 2 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer; 0 flows stored.",
        "  2 requests to hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic Messages, plus the model catalog): "
        f"127.0.0.1:{upstream.port}; no provider-specific rule was applied; map a host to its provider with [[gateway]] in the providers config (--set toolguard_providers=FILE, docs/providers.md)",
    ]


def closed_port() -> int:
    """A loopback port nobody listens on (held bound: released, a concurrent test's server could take it)."""
    return refused_port()


@pytest.mark.e2e
def test_run_stores_an_unreachable_upstream_as_no_answer_with_the_request(tmp_path: Path) -> None:
    db_path = tmp_path / "run.db"
    client = textwrap.dedent(
        """
        import openai
        client = openai.OpenAI(api_key="sk-test-unreachable", max_retries=0, timeout=15)
        try:
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        except openai.APIStatusError as exc:
            print(exc.status_code)
        """
    )
    port = closed_port()
    result = toolguard_run(
        "--upstream", f"http://127.0.0.1:{port}/v1", "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
        "--", PYTHON, "-c", client,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "502\n"  # mitmproxy's Bad Gateway, naming the connect error
    [flow] = sqlite_utils.Database(db_path)["flows"].rows
    assert (flow["method"], flow["path"], flow["status"], flow["verdict"], flow["model"]) == (
        "POST", "/v1/chat/completions", None, "no_answer", "gpt-4o-mini",
    )  # fmt: skip
    assert f"Connect call failed ('127.0.0.1', {port})" in flow["flow_error"]
    assert (
        "toolguard: 1 request reached the proxy: 1 validated, 0 with findings, 0 rejected by the upstream, "
        "1 without an answer; 1 flow stored." in result.stderr.splitlines()
    )


def unreachable_api_client(port: int, *, caught: str, printed: str) -> str:
    """An openai SDK script calling an HTTPS API on a closed loopback port through the proxy, printing
    ``printed`` of the ``caught`` exception (the trial17 regular-mode tests)."""
    return textwrap.dedent(
        f"""
        import openai
        client = openai.OpenAI(api_key="sk-test-unreachable", base_url="https://127.0.0.1:{port}/v1",
                               max_retries=0, timeout=15)
        try:
            client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}])
        except {caught} as exc:
            print({printed})
        """
    )


@pytest.mark.e2e
def test_regular_mode_stores_an_unreachable_https_upstream_as_no_answer_with_the_request(
    tmp_path: Path,
) -> None:
    """Regular mode, an API the proxy cannot reach over HTTPS (offline, a wrong host): mitmproxy's
    eager CONNECT answered 502 before the client sent anything, and the report said "saw 0 requests"
    and blamed the client's proxy or CA settings (trial17). The request is read, validated, stored."""
    db_path = tmp_path / "run.db"
    port = closed_port()
    client = unreachable_api_client(port, caught="openai.APIStatusError", printed="exc.status_code")
    result = toolguard_run(
        "--proxy-mode", "regular", "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
        "--", PYTHON, "-c", client,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "502\n", result.stderr
    [flow] = sqlite_utils.Database(db_path)["flows"].rows
    assert (flow["method"], flow["scheme"], flow["path"], flow["status"], flow["verdict"], flow["model"]) == (
        "POST", "https", "/v1/chat/completions", None, "no_answer", "gpt-4o-mini",
    )  # fmt: skip
    assert f"Connect call failed ('127.0.0.1', {port})" in flow["flow_error"]
    lines = result.stderr.splitlines()
    assert (
        "toolguard: 1 request reached the proxy: 1 validated, 0 with findings, 0 rejected by the upstream, "
        "1 without an answer; 1 flow stored." in lines
    )
    assert not [line for line in lines if "likely cause" in line]


@pytest.mark.e2e
def test_mitmdump_reverse_mode_stores_a_refused_connection_as_no_answer(
    mitmdump_factory: Any, tmp_path: Path
) -> None:
    """Plain `mitmdump -s` (connection_strategy=eager): the connect fails before a request is read."""
    port = closed_port()
    proxy = mitmdump_factory(mode=f"reverse:http://127.0.0.1:{port}")
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()
    request = urllib.request.Request(f"{proxy.url}/v1/chat/completions", data=body, method="POST")
    with pytest.raises(OSError):  # the proxy closes the connection: there is nothing to answer with
        urllib.request.urlopen(request, timeout=10)
    proxy.wait_for_output(r"toolguard: no_answer: cannot reach the upstream")
    proxy.stop()
    [flow] = proxy.flows()
    [run] = proxy.db()["runs"].rows
    assert (flow["host"], flow["port"], flow["method"], flow["status"], flow["verdict"], flow["run_id"]) == (
        "127.0.0.1", port, None, None, "no_answer", run["id"],
    )  # fmt: skip
    assert flow["flow_error"].startswith(f"[Errno 111] Connect call failed ('127.0.0.1', {port})")
    assert (run["mode"], run["upstream"], run["no_answer"], run["stored"]) == (
        "reverse", f"http://127.0.0.1:{port}", 1, 1,
    )  # fmt: skip
    assert run["ended_utc"] and run["proxy_version"].startswith("mitmproxy 12.")


@pytest.mark.e2e
def test_plain_mitmdump_regular_mode_says_an_upstream_it_could_not_reach(
    mitmdump_factory: Any, tmp_path: Path
) -> None:
    """Plain ``mitmdump -s`` in regular mode (connection_strategy=eager): the CONNECT to an unreachable
    HTTPS upstream is answered 502 before the client sends anything. The shutdown said only "saw 0
    requests", as if the client had bypassed the proxy (trial17): it now names the upstream it could
    not reach, the stats count it, and nothing is stored (the host may be a client's telemetry)."""
    port = closed_port()
    proxy = mitmdump_factory(mode="regular")
    client = unreachable_api_client(port, caught="openai.APIConnectionError", printed="type(exc).__name__")
    env = {**os.environ, "HTTPS_PROXY": proxy.url, "SSL_CERT_FILE": str(proxy.ca_cert), "NO_PROXY": ""}
    ran = subprocess.run([PYTHON, "-c", client], env=env, capture_output=True, text=True, timeout=60)
    assert ran.stdout == "APIConnectionError\n", ran.stderr
    proxy.wait_for_output(r"toolguard: cannot reach the upstream")
    output = proxy.stop()
    said = [line.split("] ", 1)[-1] for line in output.splitlines()]
    upstream = f"127.0.0.1:{port}"
    assert [line for line in said if "could not open" in line] == [
        f"toolguard: 1 connection the proxy could not open to the upstream before the client sent a request "
        f"({upstream} (1)): nothing was validated for it; the network or the upstream is at fault, not the "
        "client's proxy settings (with --set connection_strategy=lazy the request is read first, validated, "
        "and stored as no_answer)"
    ]
    assert "toolguard saw 0 requests: nothing was checked; 0 flows stored." in said
    stats = proxy_stats.stats(output)
    assert (stats["unreachable_connects"], stats["unreachable_upstreams"]) == (1, {upstream: 1})
    assert proxy.flows() == []


@pytest.mark.e2e
def test_regular_mode_gives_the_client_the_proxy_and_an_existing_ca(tmp_path: Path) -> None:
    names = [
        "HTTPS_PROXY",
        "http_proxy",
        "SSL_CERT_FILE",
        "NODE_EXTRA_CA_CERTS",
        "REQUESTS_CA_BUNDLE",
        "NO_PROXY",
    ]
    printer = f"import json, os; print(json.dumps({{k: os.environ.get(k) for k in {names!r}}}))"
    confdir = tmp_path / "conf"
    result = toolguard_run(
        "--proxy-mode", "regular", "--db", str(tmp_path / "run.db"), "--confdir", str(confdir),
        "--", PYTHON, "-c", printer,
        env={**os.environ, "NO_PROXY": "localhost,127.0.0.1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    ca = str(confdir / "mitmproxy-ca-cert.pem")
    assert seen["HTTPS_PROXY"].startswith("http://127.0.0.1:") and seen["http_proxy"] == seen["HTTPS_PROXY"]
    assert (seen["SSL_CERT_FILE"], seen["NODE_EXTRA_CA_CERTS"], seen["REQUESTS_CA_BUNDLE"]) == (ca, ca, ca)
    assert seen["NO_PROXY"] is None
    assert Path(ca).read_text().startswith("-----BEGIN CERTIFICATE-----")


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("command", "status"),
    [
        pytest.param(["sh", "-c", "kill -TERM $$"], 128 + signal.SIGTERM, id="killed-by-signal"),
        pytest.param(["sh", "-c", "exit 7"], 7, id="exit-7"),
        pytest.param(["toolguard-no-such-command-here"], 127, id="not-found"),
        pytest.param([str(Path(__file__))], 126, id="not-executable"),
    ],
)
def test_exit_status(upstream: Upstream, tmp_path: Path, command: list[str], status: int) -> None:
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(tmp_path / "run.db"), "--confdir", str(tmp_path / "conf"),
        "--", *command,
    )  # fmt: skip
    assert result.returncode == status, result.stderr
    # A command that never started sent nothing: the report says so, not a base-URL cause; one that
    # started and failed before any request is named first (its own error came first, trial19).
    assert result.stderr.splitlines()[-1] == (
        f"  likely cause: {NOT_STARTED_HINT}."
        if status in (126, 127)
        else f"  likely cause: {failed_first_hint(command, status)}{no_traffic_hint(command, 'reverse')}."
    )


@pytest.mark.e2e
def test_sigint_reaches_the_whole_client_process_group_and_the_proxy_stops_cleanly(
    upstream: Upstream, tmp_path: Path
) -> None:
    """Like qwen-code, the client runs a child; Ctrl-C for toolguard must stop both, then the proxy."""
    pid_file = tmp_path / "grandchild.pid"
    client = textwrap.dedent(
        f"""
        import subprocess, pathlib
        child = subprocess.Popen(["sleep", "60"])
        pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))
        child.wait()
        """
    )
    process = subprocess.Popen(
        [str(TOOLGUARD), "run", "--upstream", upstream.url, "--db", str(tmp_path / "run.db"),
         "--confdir", str(tmp_path / "conf"), "--", PYTHON, "-c", client],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the client never started its child"
            time.sleep(0.05)
        grandchild = int(pid_file.read_text())
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=RUN_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGINT, stderr
    assert (
        "toolguard saw 0 requests: nothing was checked" in stderr
    )  # the report ran, so the proxy was stopped first
    assert not alive(grandchild)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


#: The handlers this test module started with.
ORIGINAL_HANDLERS = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_in_the_moment_the_client_starts_still_reaches_it(monkeypatch, sig):
    """The signal arrives right after the client's process exists, before anything else of
    run_client ran (a CI run on a loaded machine hit that moment: toolguard ended with Python's
    KeyboardInterrupt and the client's group ran on, 60 s of ``sleep``): the client gets it."""
    from toolguard_analysis import run as run_module

    real_popen = subprocess.Popen
    started: list[subprocess.Popen[bytes]] = []

    def popen_then_signal(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        process = real_popen(*args, **kwargs)
        started.append(process)
        os.kill(os.getpid(), sig)  # its handler runs before this returns
        return process

    monkeypatch.setattr(run_module.subprocess, "Popen", popen_then_signal)
    begun = time.monotonic()
    try:
        status = run_module.run_client(["sleep", "30"], dict(os.environ))
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert (status, started[0].returncode) == (128 + sig, -sig)
    assert time.monotonic() - begun < 10  # not the client's own 30 s
    assert signal.getsignal(sig) == ORIGINAL_HANDLERS[sig]  # run_client put its own back


@pytest.mark.e2e
def test_a_proxy_that_fails_at_startup_stops_the_run_before_the_client(
    upstream: Upstream, tmp_path: Path
) -> None:
    """mitmdump prints "listening" and then exits on a startup error: the client must not run proxy-less."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    # --log: the log kept on trouble goes to the test's directory (by default a /tmp/toolguard-run-*.log
    # that every run of this test left behind).
    log = tmp_path / "mitmdump.log"
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(blocker / "run.db"), "--confdir", str(tmp_path / "conf"),
        "--log", str(log), "--", "sh", "-c", "echo the client ran",
    )  # fmt: skip
    assert result.returncode == 125, result.stderr
    assert result.stdout == ""
    assert (
        f"toolguard: mitmdump did not start (exit status 1); its log, {log}:" in result.stderr
        and "toolguard_db: cannot open" in result.stderr
    )
    assert "toolguard_db: cannot open" in log.read_text()


@pytest.mark.e2e
def test_toolguard_proxy_is_mitmdump_with_the_addon(upstream: Upstream, tmp_path: Path) -> None:
    """`toolguard proxy ARGS` does what `mitmdump -s "$(toolguard addon-path)" ARGS` does, toolguard
    loaded as an addon, not a script: an orphan request is stored."""
    db_path = tmp_path / "proxy.db"
    process = subprocess.Popen(
        [str(TOOLGUARD), "proxy", "--listen-host", "127.0.0.1", "-p", "0", "--mode", f"reverse:{upstream.url}",
         "--set", f"confdir={tmp_path / 'conf'}", "--set", f"toolguard_db={db_path}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:  # ends when mitmdump listens, or exits (it then closes its output)
            lines.append(line)
            if "listening at" in line:
                break
        assert lines and "listening at" in lines[-1], "".join(lines)
        port = int(lines[-1].rsplit(":", 1)[1].rstrip(".\n"))
        body = json.dumps(
            {"model": "gpt-4o-mini", "messages": [{"role": "tool", "content": "x", "tool_call_id": "d"}]}
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/chat/completions",
            data=body.encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=15)
        assert answer.value.code == 400
        process.send_signal(signal.SIGINT)
        output = "".join(lines) + process.communicate(timeout=RUN_TIMEOUT)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "Loading script" not in output
    [flow] = sqlite_utils.Database(db_path)["flows"].rows
    assert (flow["status"], flow["verdict"]) == (400, "predicted")


def test_report_hosts_line_covers_every_flow_and_says_how_many_more(tmp_path: Path) -> None:
    """The hosts line is counted over every stored flow of the run (not the newest 50 shown), and a
    long list says how many hosts it left out instead of omitting them silently."""
    db_path = tmp_path / "many.db"
    db = open_db(db_path)
    # The oldest flow's host would fall outside the newest MAX_REPORT_FLOWS; 12 hosts in all.
    hosts = [f"gw{i:02}.corp.example" for i in range(12)]
    rows = [("f-old", hosts[0], "2026-01-01T00:00:00.000Z")] + [
        (f"f{i:03}", hosts[1 + i % 11], f"2026-01-01T00:01:{i % 60:02}.{i:03}Z")
        for i in range(MAX_REPORT_FLOWS)
    ]
    write_run(
        db,
        RunRow(id="run", started_utc="2026-01-01T00:00:00.000Z", requests_seen=len(rows), validated=len(rows),
               rejected=len(rows), stored=len(rows)),
    )  # fmt: skip
    write_rows(
        db,
        [
            FlowRow(id=flow_id, datetime_utc=when, run_id="run", method="POST", host=host,
                    path="/v1/chat/completions", provider="generic", status=400, verdict="unexplained")
            for flow_id, host, when in rows
        ],
    )  # fmt: skip
    db.close()
    lines = report(db_path, "run", ["python", "agent.py"], "reverse").splitlines()
    assert f"  flows (the newest {MAX_REPORT_FLOWS} of {len(rows)}):" in lines
    assert [line for line in lines if line.startswith("  hosts not recognised")] == [
        "  hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic Messages, plus the model catalog): "
        + ", ".join(hosts[:10])
        + " and 2 more; no provider-specific rule was applied; map a host to its provider with [[gateway]] in the providers config (--set toolguard_providers=FILE, docs/providers.md)"
    ]


def test_report_says_the_model_rules_were_skipped(tmp_path: Path) -> None:
    """Requests whose provider and model no catalog knows are usually not stored (the note alone is not
    worth a row): the run row counts them with their hosts, and the report says so once."""
    db_path = tmp_path / "skipped.db"
    db = open_db(db_path)
    write_run(
        db,
        RunRow(id="run", started_utc="2026-01-01T00:00:00.000Z", requests_seen=5, validated=5,
               model_rules_skipped=4, model_rules_skipped_hosts='{"llm.corp.example": 3, "127.0.0.1": 1}'),
    )  # fmt: skip
    db.close()
    assert report(db_path, "run", ["python", "agent.py"], "reverse").splitlines() == [
        "toolguard: 5 requests reached the proxy: 5 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer; 0 flows stored.",
        "  4 requests with models toolguard does not know for their host (llm.corp.example, 127.0.0.1): model "
        'rules were skipped (declare the host with [[gateway]] or the model with [models."name"] in the '
        "providers config, docs/providers.md).",
    ]


# A client asking for a model no catalog knows (a fine-tune) through an unrecognised host.
UNKNOWN_MODEL_CLIENT = textwrap.dedent(
    """
    import openai
    client = openai.OpenAI(api_key="sk-test-unknown-model", max_retries=0, timeout=15)
    client.chat.completions.create(model="acme-finetune-v3", messages=[{"role": "user", "content": "hi"}])
    """
)


@pytest.mark.e2e
def test_run_says_once_that_the_model_rules_were_skipped(upstream: Upstream, tmp_path: Path) -> None:
    """The accepted request is not stored (the model.rules-skipped note alone is not worth a row), so
    the run report reads the run row's count and hosts: never silent about what it could not check."""
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(tmp_path / "run.db"), "--confdir", str(tmp_path / "conf"),
        "--", PYTHON, "-c", UNKNOWN_MODEL_CLIENT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    start = lines.index(
        "toolguard: 1 request reached the proxy: 1 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer; 0 flows stored."
    )
    assert lines[start + 1 :] == [
        # Said once per model (session 23), with what to declare for this host.
        "  model-level checks (tools, images, limits, reasoning parameters) were skipped for 1 model toolguard has "
        f"no facts for on their host: acme-finetune-v3 (1 request); 1 request to 127.0.0.1:{upstream.port}: "
        'declare the host with [[gateway]] or the model with [models."name"] in the providers config '
        "(docs/providers.md) to check them.",
        "  1 request to hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic Messages, plus the model catalog): "
        f"127.0.0.1:{upstream.port}; no provider-specific rule was applied; map a host to its provider with [[gateway]] in the providers config (--set toolguard_providers=FILE, docs/providers.md)",
    ]


def test_report_says_the_flows_the_writer_dropped(tmp_path: Path) -> None:
    """``runs.stored`` is what the run handed to the writer; fewer of its flows in the database
    means the writer dropped some (its queue full, the process died or stuck): said, not hidden
    behind "3 flows stored". While the run has not ended, its row has no counts to compare yet."""
    db_path = tmp_path / "dropped.db"
    db = open_db(db_path)
    counts = {
        "requests_seen": 3,
        "validated": 3,
        "with_findings": 3,
        "rejected": 3,
        "no_answer": 0,
        "stored": 3,
    }
    write_run(
        db,
        RunRow(
            id="ended", started_utc="2026-01-01T00:00:00.000Z", ended_utc="2026-01-01T00:01:00.000Z", **counts
        ),
    )
    write_run(
        db,
        RunRow(
            id="complete",
            started_utc="2026-01-01T00:00:00.000Z",
            ended_utc="2026-01-01T00:01:00.000Z",
            **counts,
        ),
    )
    write_rows(
        db,
        [FlowRow(id="kept", datetime_utc="2026-01-01T00:00:01.000Z", run_id="ended", status=400, verdict="unexplained")]
        + [FlowRow(id=f"c{i}", datetime_utc="2026-01-01T00:00:01.000Z", run_id="complete", status=400, verdict="unexplained") for i in range(3)],
    )  # fmt: skip
    db.close()
    assert report(db_path, "ended").splitlines()[0] == (
        "toolguard: 3 requests reached the proxy: 3 validated, 3 with findings, 3 rejected by the upstream, "
        "0 without an answer; 1 flow stored, 2 of the 3 queued for storage NOT written (dropped by the writer; "
        "mitmdump's log says why)."
    )
    assert report(db_path, "complete").splitlines()[0] == (
        "toolguard: 3 requests reached the proxy: 3 validated, 3 with findings, 3 rejected by the upstream, "
        "0 without an answer; 3 flows stored."
    )


def test_report_says_which_flows_are_only_in_the_postgresql_spool(tmp_path: Path) -> None:
    """With a PostgreSQL store the report reads the proxy's spool; flows past the spool's sync mark
    (the database was down) are said to be only there, with the command that sends them, never
    counted as stored in the shared database without a word. Once synced, nothing is said."""
    spool = tmp_path / "spool.db"
    db = open_db(spool)
    counts = {
        "requests_seen": 3,
        "validated": 3,
        "with_findings": 3,
        "rejected": 3,
        "no_answer": 0,
        "stored": 3,
    }
    write_run(db, RunRow(id="r", started_utc="2026-01-01T00:00:00.000Z", **counts))
    write_rows(
        db,
        [
            FlowRow(id=f"f{i}", datetime_utc=f"2026-01-01T00:00:0{i}.000Z", run_id="r", status=400, verdict="unexplained")
            for i in range(3)
        ],
    )  # fmt: skip
    db.close()
    shared = "postgresql://toolguard@db.example:5432/team"
    state = spool.with_name(spool.name + ".sync.json")
    state.write_text(json.dumps({"target": shared, "after": {"flow_rows": 1}}))
    said = [line for line in report(spool, "r", database=shared).splitlines() if "NOT yet" in line]
    assert said == [
        f"  NOT yet in {shared}: 2 flows of this run, kept in the spool {spool} and sent when the database "
        f"answers (the next proxy start, or toolguard sync {spool} {shared})"
    ]
    state.write_text(json.dumps({"target": shared, "after": {"flow_rows": 3}}))
    assert [line for line in report(spool, "r", database=shared).splitlines() if "NOT yet" in line] == []
    # Marks of another database (the spool was kept across a new URL): nothing was sent to this one.
    state.write_text(
        json.dumps({"target": "postgresql://toolguard@other.example/db", "after": {"flow_rows": 3}})
    )
    assert ": 3 flows of this run" in report(spool, "r", database=shared)
    state.unlink()  # never synced: every flow of the run is only in the spool
    assert "NOT yet in" in report(spool, "r", database=shared) and ": 3 flows of this run" in report(
        spool, "r", database=shared
    )


def test_commands_the_report_prints_for_a_password_url_run_as_printed(tmp_path: Path) -> None:
    """With toolguard_db=postgresql://user:password@..., the report named the database
    `postgresql://toolguard:***@...` (right for a name) and printed `toolguard summary --db
    postgresql://toolguard:***@...` to run next: pasted, that logs in with the password `***` and
    fails. The commands now leave the password out, as libpq then takes it from PGPASSWORD or
    ~/.pgpass (docs/deployment.md)."""
    spool = tmp_path / "spool.db"
    db = open_db(spool)
    counts = {
        "requests_seen": 1,
        "validated": 1,
        "with_findings": 1,
        "rejected": 1,
        "no_answer": 0,
        "stored": 1,
    }
    write_run(db, RunRow(id="r", started_utc="2026-01-01T00:00:00.000Z", **counts))
    write_rows(db, [FlowRow(id="f0", datetime_utc="2026-01-01T00:00:00.000Z", run_id="r", status=400, verdict="unexplained")])  # fmt: skip
    db.close()
    shared = label("postgresql://toolguard:Sekr1t@db.example:5432/team?sslmode=require&password=Sekr1t")
    lines = report(spool, "r", database=shared).splitlines()
    runnable = "'postgresql://toolguard@db.example:5432/team?sslmode=require'"
    assert [line for line in lines if line.startswith(("  database:", "  NOT yet", "  more:"))] == [
        f"  database: {shared}",
        f"  NOT yet in {shared}: 1 flow of this run, kept in the spool {spool} and sent when the database "
        f"answers (the next proxy start, or toolguard sync {spool} {runnable})",
        f"  more: toolguard summary --db {runnable}",
    ]


def test_the_repair_option_names_every_family_of_fixes() -> None:
    """`toolguard run --help` said --repair takes "sequence, params, fields", and docs/modes.md that
    learned constraints "are not applied: that feature is not on main"; the addon has a `learned`
    family (toolguard_repair's own help names it) and run passes it on. The help derives the list."""
    from toolguard_core.repair import Family

    text = " ".join(CliRunner().invoke(cli, ["run", "--help"]).output.split())
    assert f"families of fixes to apply ({', '.join(Family)}; default sequence)" in text
    assert "not on main" not in (Path(__file__).parents[1] / "docs" / "modes.md").read_text()


def test_report_names_two_servers_on_one_host_as_two_upstreams(tmp_path: Path) -> None:
    """vLLM on 127.0.0.1:8000 and Ollama on 127.0.0.1:11434 are two upstreams: the flows and the
    unrecognised-hosts line name each host:port (learned.upstream_name), as ``toolguard learned`` keys
    them; a scheme's own port (https on 443) is not printed."""
    db_path = tmp_path / "two.db"
    db = open_db(db_path)
    write_run(db, RunRow(id="run", started_utc="2026-01-01T00:00:00.000Z", requests_seen=3, validated=3,
                         rejected=3, stored=3))  # fmt: skip
    servers = [("f1", "http", 8000), ("f2", "http", 11434), ("f3", "https", 443)]
    write_rows(
        db,
        [
            FlowRow(id=flow_id, datetime_utc=f"2026-01-01T00:00:0{i}.000Z", run_id="run", method="POST",
                    scheme=scheme, host="127.0.0.1", port=port, path="/v1/chat/completions",
                    provider="generic", status=400, verdict="unexplained")
            for i, (flow_id, scheme, port) in enumerate(servers)
        ],
    )  # fmt: skip
    db.close()
    lines = report(db_path, "run", ["python", "agent.py"], "reverse").splitlines()
    assert [line.split()[3] for line in lines if line.startswith("    f")] == [
        "127.0.0.1:8000/v1/chat/completions",
        "127.0.0.1:11434/v1/chat/completions",
        "127.0.0.1/v1/chat/completions",
    ]
    assert [line for line in lines if line.startswith("  hosts not recognised")] == [
        "  hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic Messages, plus the model catalog): "
        "127.0.0.1, 127.0.0.1:8000, 127.0.0.1:11434; no provider-specific rule was applied; map a host to its provider "
        "with [[gateway]] in the providers config (--set toolguard_providers=FILE, docs/providers.md)"
    ]


# A client that sends one chat call carrying the keys it is given (argv: the URL path's two keys, a
# third only on the command line, a fourth in the message: a GitHub token; the headers' as JSON in
# the environment) and one GET with a key in its path, printing each status. A JWT in a message is
# content toolguard keeps (docs/robustness.md): it is planted on the command line only.
PLANTED_KEYS_CLIENT = textwrap.dedent(
    """
    import json, os, sys, urllib.error, urllib.request
    base = os.environ["OPENAI_BASE_URL"]
    in_path, headers = sys.argv[1:3], json.loads(os.environ["PLANTED_HEADERS"])
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "my token " + sys.argv[4]}]}
    for method, path, body in [
        ("POST", "/%ZZ" + in_path[0] + "/" + in_path[1] + "/chat/completions", json.dumps(chat).encode()),
        ("GET", "/models/" + in_path[0], None),
    ]:
        request = urllib.request.Request(base + path, body, {"content-type": "application/json", **headers}, method=method)
        try:
            print(method, urllib.request.urlopen(request, timeout=15).status)
        except urllib.error.HTTPError as exc:
            print(method, exc.code)
    """
)


@pytest.mark.e2e
def test_no_planted_key_reaches_toolguard_runs_log_report_or_database(
    upstream: Upstream, tmp_path: Path
) -> None:
    """``toolguard run`` with keys in the command line (bare words: an AWS key id, a JWT, a GitHub
    token), the request's path (after an invalid escape), its headers and body, echoed whole by the
    upstream: its log file (--log), its report, the database and its WAL hold none of them, and the
    GET is said as a request that was no API call, its key redacted (session 19)."""
    keys = {
        "xai": "xai-" + "RunPlantedXaiKey0123456789abcd",
        "aws": "AKIA" + "RUNPLANTED7EXAMP",
        "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.RunPlantedSignature0123",
        "github": "ghp_" + "RunPlantedGitHubToken0123456789abcd",
        "openai": "sk-proj-" + "RunPlantedOpenAIKey0123456789abcdefghij",
        "anthropic": "sk-ant-api03-" + "RunPlantedAnthropicKey0123456789",
        "azure": "fedcba9876543210" + "0123456789abcdef",
    }
    headers = {
        "authorization": f"Bearer {keys['openai']}",
        "x-api-key": keys["anthropic"],
        "api-key": keys["azure"],
    }

    def echo(request: Any) -> Reply:
        said = f"Incorrect API key provided: {request.headers} at {request.path} with {request.body!r}"
        return Reply.json(401, {"error": {"message": said, "type": "invalid_request_error", "code": None}})

    upstream.handler = echo
    db_path, log = tmp_path / "run.db", tmp_path / "run.log"
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(db_path), "--confdir", str(tmp_path / "conf"), "--log", str(log),
        "--", PYTHON, "-c", PLANTED_KEYS_CLIENT, keys["xai"], keys["aws"], keys["jwt"], keys["github"],
        env={**os.environ, "PLANTED_HEADERS": json.dumps(headers)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "POST 401\nGET 401\n"
    assert (
        "  1 request was not an API call toolguard validates "
        f"(GET 127.0.0.1:{upstream.port}/v1/models/[REDACTED] (1)): passed through, nothing in it was checked; "
    ) in result.stderr
    texts = {"report": result.stderr, "log": log.read_text("utf-8", "replace")}
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{db_path}{suffix}")
        if path.exists():
            texts[f"database{suffix}"] = path.read_bytes().decode("utf-8", "replace")
    [run] = sqlite_utils.Database(db_path)["runs"].rows
    assert run["command"].count("[REDACTED]") == 4, run["command"]
    forms = {
        (name, form)
        for name, key in keys.items()
        for form in (key, key.lower(), urllib.parse.quote(key, safe=""))
    }
    assert [(where, name) for where, text in texts.items() for name, form in forms if form in text] == []
