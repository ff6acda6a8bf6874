"""``toolguard run``: the environment it builds, and the real command around a real mitmdump."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from support.upstream import ORPHAN_MESSAGE, Upstream

from toolguard_analysis.cli import cli
from toolguard_analysis.run import NODE_PRELOAD, default_upstream, regular_env, report, reverse_env
from toolguard_analysis.run import Upstream as UpstreamURL

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
    ],
)
def test_upstream_url_keeps_the_api_path(url: str, origin: str, api_path: str) -> None:
    assert UpstreamURL.parse(url) == UpstreamURL(origin=origin, api_path=api_path)


@pytest.mark.parametrize("url", ["ftp://example.com", "https://", "https://api.openai.com/v1?x=1"])
def test_bad_upstream_url_is_a_usage_error(url: str) -> None:
    result = CliRunner().invoke(cli, ["run", "--upstream", url, "--", "true"])
    assert result.exit_code == 2
    assert "--upstream" in result.output


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


def test_report_of_a_run_with_traffic_and_nothing_flagged(tmp_path: Path) -> None:
    stats = {"requests": 2, "validated": 2}
    assert report(tmp_path / "none.db", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z", stats) == (
        "toolguard: 2 request(s) reached the proxy, 2 validated; nothing flagged in this run.\n"
    )


@pytest.mark.parametrize(
    ("client", "mode", "env", "cause"),
    [
        ("codex", "reverse", {}, "Codex's built-in OpenAI provider ignores OPENAI_BASE_URL"),
        ("node", "regular", {}, "Node's built-in fetch ignores HTTPS_PROXY"),
        (
            "python",
            "regular",
            {"NO_PROXY": "api.openai.com"},
            "or NO_PROXY (api.openai.com) names its API host",
        ),
        ("opencode", "reverse", {}, "opencode reads the base URL from opencode.json"),
        (
            "qwen",
            "reverse",
            {},
            "the client did not read OPENAI_BASE_URL, OPENAI_API_BASE or ANTHROPIC_BASE_URL",
        ),
    ],
)
def test_report_of_a_run_that_never_reached_the_proxy_names_the_cause(
    tmp_path: Path, client: str, mode: str, env: dict[str, str], cause: str
) -> None:
    text = report(
        tmp_path / "none.db",
        "2026-01-01T00:00:00.000Z",
        "2026-01-01T00:00:01.000Z",
        {"requests": 0, "validated": 0},
        client=client,
        proxy_mode=mode,
        env=env,
    )
    first, second = text.splitlines()
    assert first == "toolguard: 0 request(s) reached the proxy, 0 validated; nothing was checked in this run."
    assert second.startswith("  likely cause: ") and cause in second


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
    report_lines = result.stderr.splitlines()
    first = "toolguard: 1 request(s) reached the proxy, 1 validated; 1 flow(s) flagged in this run."
    start = report_lines.index(first)
    assert report_lines[start:] == [
        first,
        "  rules:",
        "       1  error    sequence.orphan-tool-message",
        "  flows:",
        f"    {flow['id']}  400  POST 127.0.0.1/v1/chat/completions  verdict: predicted",
        "        error    sequence.orphan-tool-message at messages[0]",
        f"        upstream: {ORPHAN_MESSAGE}",
        f"  database: {db_path}",
        f"  more: toolguard summary --db {db_path}",
    ]


@pytest.mark.e2e
def test_run_passes_stdin_through_and_reports_nothing_for_no_traffic(
    upstream: Upstream, tmp_path: Path
) -> None:
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(tmp_path / "run.db"), "--confdir", str(tmp_path / "conf"),
        "--", "cat",
        input="line one\nline two\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "line one\nline two\n"
    # `cat` makes no API call: the report says nothing reached the proxy, and why that may be.
    assert result.stderr.splitlines()[-2:] == [
        "toolguard: 0 request(s) reached the proxy, 0 validated; nothing was checked in this run.",
        "  likely cause: the client did not read OPENAI_BASE_URL, OPENAI_API_BASE or ANTHROPIC_BASE_URL (a "
        "config file or .env of its own may set the base URL); try --proxy-mode regular.",
    ]


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
    ],
)
def test_exit_status(upstream: Upstream, tmp_path: Path, command: list[str], status: int) -> None:
    result = toolguard_run(
        "--upstream", upstream.url, "--db", str(tmp_path / "run.db"), "--confdir", str(tmp_path / "conf"),
        "--", *command,
    )  # fmt: skip
    assert result.returncode == status, result.stderr


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
    assert "nothing was checked in this run." in stderr  # the report ran, so the proxy was stopped first
    assert not alive(grandchild)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"
