"""The README's quick start is a contract: two commands that work as written.

The second command (the whole suite) is what ``.ci/run`` calls; this test runs the first one for real
(with HOME and TOOLGUARD_DB in a temporary directory) and checks that mitmdump listens on
mitmproxy's default port 8080 with toolguard loaded, writing to the default database.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from support.seeds import LONE_TOOL

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
CI_RUN = REPO / ".ci" / "run"
DEFAULT_PORT = 8080
START_TIMEOUT = 300.0  # the first command may have to (re)install .venv when pyproject.toml changed
STOP_TIMEOUT = 30.0


def quick_start() -> list[str]:
    """The commands of the README's first fenced code block (comments and blank lines ignored)."""
    match = re.search(r"^```[\w-]*\n(.*?)^```", README.read_text(), re.MULTILINE | re.DOTALL)
    assert match, "README.md has no fenced code block"
    return [
        line.strip()
        for line in match.group(1).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_first_code_block_holds_exactly_two_commands():
    commands = quick_start()
    assert len(commands) == 2, commands
    start, test = commands
    assert "mitmdump -s addon/toolguard.py" in start
    assert "pytest" in test
    for command in commands:
        assert "\\" not in command, "one command per line, no continuation"


def test_ci_runs_the_readme_test_command_verbatim():
    _, test = quick_start()
    ci_lines = [line.strip() for line in CI_RUN.read_text().splitlines()]
    assert test in ci_lines
    assert os.access(CI_RUN, os.X_OK)


def port_is_free(port: int) -> bool:
    for host in ("0.0.0.0", "127.0.0.1"):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                return False
    return True


class Output:
    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.lines: list[str] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            with self.lock:
                self.lines.append(raw.decode("utf-8", "replace"))

    @property
    def text(self) -> str:
        with self.lock:
            return "".join(self.lines)


@pytest.mark.e2e
def test_first_command_starts_mitmdump_on_8080_with_the_default_database(tmp_path, upstream):
    if not port_is_free(DEFAULT_PORT):
        pytest.skip("port 8080 is busy (another mitmproxy or test run); the quick start needs it")
    start, _ = quick_start()
    home = tmp_path / "home"
    home.mkdir()
    db_path = tmp_path / "data" / "toolguard.db"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and k != "XDG_DATA_HOME"}
    env.update(HOME=str(home), TOOLGUARD_DB=str(db_path), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        ["bash", "-c", start],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGINT reaches mitmdump as Ctrl-C would
    )
    output = Output(process)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "listening at" not in output.text:
            if process.poll() is not None:
                if "Address already in use" in output.text:
                    pytest.skip("port 8080 was taken while the quick start was starting")
                pytest.fail(f"the README's first command exited with {process.returncode}:\n{output.text}")
            if time.monotonic() > deadline:
                pytest.fail(f"mitmdump did not listen within {START_TIMEOUT}s:\n{output.text}")
            time.sleep(0.1)
        deadline = time.monotonic() + 10
        while (
            f"writing flows with findings, rejections and interrupted flows to {db_path}" not in output.text
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        text = output.text
        assert re.search(r"proxy listening at (\*|127\.0\.0\.1):8080\b", text), text
        assert "Loading script" in text and "addon/toolguard.py" in text
        assert (
            f"toolguard: writing flows with findings, rejections and interrupted flows to {db_path}" in text
        )

        # The proxy works as routed in the README (HTTP(S)_PROXY): a bad request is stored.
        with httpx.Client(proxy=f"http://127.0.0.1:{DEFAULT_PORT}", timeout=15) as client:
            answer = client.post(f"{upstream.url}/v1/chat/completions", json=LONE_TOOL.body())
        assert answer.status_code == 400
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        output.thread.join(5)
    assert process.returncode == 0, output.text
    assert (home / ".mitmproxy" / "mitmproxy-ca-cert.pem").exists()  # mitmproxy's own default confdir
    db = sqlite_utils.Database(db_path)
    (row,) = db["flows"].rows
    assert json.loads(row["request_json"])["messages"] == LONE_TOOL.messages
    assert [f["rule"] for f in db["findings"].rows] == [LONE_TOOL.rule]
