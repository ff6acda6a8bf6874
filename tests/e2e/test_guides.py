"""The guides' commands, run as written: docs/guide-qwen-code.md and docs/guide-openai-sdk-langchain.md.

Every fenced ``bash`` block of a guide runs, in order, in ``bash -eu``; ``python`` blocks whose first
line is ``# name.py`` are written to the scratch project first (the guide's example apps). A block
starting with ``# terminal 1`` (a mitmdump) runs in the background from the repository root until the
next block (``# terminal 2``, the client) has finished, then gets Ctrl-C.

The only adaptations: the real API (``https://api.openai.com``) becomes a loopback fake (plain HTTP
for reverse mode, self-signed HTTPS for regular mode, which is why regular-mode proxies also get
``--set ssl_insecure=true``), the key ``sk-your-key`` a fake one, port 8080 a free port, and HOME
a scratch directory (so ``~/.mitmproxy``, ``~/.qwen`` and the default database are the test's own).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils
from support.ports import fixed_port
from support.upstream import RecordedRequest, Reply, StreamReply, TLSFiles, Upstream, completion, openai_like

from e2e.test_qwen_code_e2e import FINAL_TEXT, QWEN, provider, text_stream, tool_call_stream

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
BLOCK_TIMEOUT = 150
FAKE_KEY = "sk-toolguard-guide-test"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass
class Block:
    lang: str
    text: str


def blocks(guide: Path) -> list[Block]:
    return [Block(lang, text) for lang, text in _FENCE.findall(guide.read_text())]


def free_port() -> int:
    return fixed_port()  # outside the ephemeral range: no concurrent bind(0) or connection takes it first


def is_regular_mode(text: str) -> bool:
    return "--mode reverse" not in text and "--upstream" not in text and "127.0.0.1:8080/v1" not in text


def adapt(text: str, plain: Upstream, tls: Upstream, port: int) -> str:
    regular = is_regular_mode(text)
    text = text.replace("--mode reverse:https://api.openai.com", f"--mode reverse:{plain.url}")
    text = text.replace("--upstream https://api.openai.com/v1", f"--upstream {plain.url}/v1")
    text = text.replace("https://api.openai.com/v1", f"{tls.url}/v1")
    text = text.replace("sk-your-key", FAKE_KEY).replace("8080", str(port))
    if regular:  # only because the fake's certificate is self-signed
        text = text.replace(
            "toolguard run --proxy-mode regular", "toolguard run --proxy-mode regular --set ssl_insecure=true"
        )
        text = re.sub(r"^(mitmdump .*)$", r"\1 --set ssl_insecure=true", text, flags=re.MULTILINE)
    assert "api.openai.com" not in text, f"a guide command would reach the real API:\n{text}"
    return text


@dataclass
class Ran:
    block: str
    returncode: int
    stdout: str
    stderr: str


class GuideRunner:
    def __init__(self, tmp_path: Path, plain: Upstream, tls: Upstream) -> None:
        self.plain, self.tls = plain, tls
        self.home = tmp_path / "home"
        self.project = tmp_path / "project"
        self.home.mkdir()
        self.project.mkdir()
        (self.project / "hello.txt").write_text("hi\n")
        (self.home / ".qwen").mkdir()
        # qwen-code's background "managed memory" agents would send extra requests after a turn.
        (self.home / ".qwen" / "settings.json").write_text(
            json.dumps({"memory": {"enableManagedAutoMemory": False, "enableManagedAutoDream": False}})
        )
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("OPENAI_", "TOOLGUARD_"))}
        for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "XDG_DATA_HOME", "SSL_CERT_FILE"):
            env.pop(name, None)
            env.pop(name.lower(), None)
        env["HOME"] = str(self.home)
        env["PATH"] = os.pathsep.join(
            [str(Path(sys.executable).parent), str(QWEN.parent), env.get("PATH", "")]
        )
        env["QWEN_CODE_SUPPRESS_YOLO_WARNING"] = "1"
        self.env = env
        self.ran: list[Ran] = []

    @property
    def db_path(self) -> Path:
        return self.home / ".local" / "share" / "toolguard" / "toolguard.db"

    def run_guide(self, guide: Path) -> None:
        pending_server: subprocess.Popen[str] | None = None
        port = free_port()
        for block in blocks(guide):
            if block.lang == "python" and (match := re.match(r"# (\w+\.py)\n", block.text)):
                (self.project / match.group(1)).write_text(block.text)
                continue
            if block.lang != "bash":
                continue
            script = adapt(block.text, self.plain, self.tls, port)
            if script.startswith("# terminal 1"):
                pending_server = self._start_server(script)
                continue
            self.ran.append(self._run(script))
            if pending_server is not None:
                self._stop_server(pending_server)
                pending_server = None
                port = free_port()

    def _run(self, script: str) -> Ran:
        before = len(self.plain.requests) + len(self.tls.requests)
        process = subprocess.Popen(
            ["bash", "-euc", script], cwd=self.project, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            stdout, stderr = process.communicate(timeout=BLOCK_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            pytest.fail(f"guide block overstayed {BLOCK_TIMEOUT}s:\n{script}\n{stderr[-3000:]}")
        ran = Ran(script, process.returncode, stdout, stderr)
        assert ran.returncode == 0, (
            f"guide block failed ({ran.returncode}):\n{script}\n{stdout[-2000:]}\n{stderr[-3000:]}"
        )
        if "toolguard summary" not in script:  # every client block must have reached the fake API
            assert len(self.plain.requests) + len(self.tls.requests) > before, (
                f"no request reached the API:\n{script}"
            )
        return ran

    def _start_server(self, script: str) -> subprocess.Popen[str]:
        log = self.project / "mitmdump.log"
        process = subprocess.Popen(
            ["bash", "-euc", f"exec {script.split(chr(10), 1)[1].strip()}"], cwd=REPO, env=self.env,
            stdin=subprocess.DEVNULL, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while "listening at" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail(f"mitmdump from the guide did not start:\n{script}\n{log.read_text()}")
            time.sleep(0.05)
        return process

    def _stop_server(self, process: subprocess.Popen[str]) -> None:
        process.send_signal(signal.SIGINT)  # the guide says Ctrl-C
        try:
            assert process.wait(30) == 0
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def tls_upstream(upstream_tls: TLSFiles) -> Iterator[Upstream]:
    server = Upstream(tls=upstream_tls).start()
    yield server
    server.stop()


def test_guide_blocks_are_found() -> None:
    """The runner must not silently run nothing: both guides have client, proxy and summary blocks."""
    for guide, apps in (
        ("guide-qwen-code.md", set()),
        ("guide-openai-sdk-langchain.md", {"agent.py", "lc_agent.py"}),
    ):
        found = blocks(DOCS / guide)
        bash = [b.text for b in found if b.lang == "bash"]
        assert sum(t.startswith("# terminal 1") for t in bash) == 2, guide
        assert any("toolguard run --upstream" in t for t in bash) and any(
            "--proxy-mode regular" in t for t in bash
        )
        assert any(t.strip() == "toolguard summary" for t in bash)
        written = {
            m.group(1) for b in found if b.lang == "python" and (m := re.match(r"# (\w+\.py)\n", b.text))
        }
        assert written == apps


def test_qwen_code_guide(upstream: Upstream, tls_upstream: Upstream, tmp_path: Path) -> None:
    if not QWEN.exists():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"qwen-code not installed at {QWEN}")
    handler = provider(
        lambda body, results: text_stream(FINAL_TEXT) if results else tool_call_stream("call_guide_1")
    )
    upstream.handler = tls_upstream.handler = handler
    runner = GuideRunner(tmp_path, upstream, tls_upstream)
    runner.run_guide(DOCS / "guide-qwen-code.md")
    qwen_runs = [r for r in runner.ran if " qwen " in r.block]
    assert len(qwen_runs) == 4  # toolguard run (reverse, regular) and plain mitmdump (reverse, regular)
    for ran in qwen_runs:
        assert json.loads(ran.stdout)[-1]["result"] == FINAL_TEXT
    assert len(upstream.requests) == 4 and len(tls_upstream.requests) == 4  # 2 turns per run, both modes
    for request in upstream.requests + tls_upstream.requests:
        assert request.header("user-agent") == "QwenCode/0.24.4 (linux; x64)"
        assert request.header("authorization") == f"Bearer {FAKE_KEY}"
    toolguard_runs = [r for r in qwen_runs if "toolguard run" in r.block]
    for ran in toolguard_runs:
        # Regular mode also proxies whatever else qwen-code sends: only the validated count is fixed.
        # Then the loopback fakes' hosts, which no provider profile recognises (the generic rules).
        counts, hosts = ran.stderr.splitlines()[-2:]
        assert re.fullmatch(
            r"toolguard: \d+ requests reached the proxy: 2 validated, 0 with findings, 0 rejected by the "
            r"upstream, 0 without an answer; 0 flows stored\.",
            counts,
        ), ran.stderr
        assert re.fullmatch(
            r"  2 requests to hosts not recognised as a provider \(.+\): (127\.0\.0\.1|localhost):\d+; no "
            r"provider-specific rule was applied; map a host to its provider with \[\[gateway\]\] .+",
            hosts,
        ), ran.stderr
    assert "toolguard summary" in runner.ran[-1].stdout


def two_calls_then_validate() -> object:
    """The example apps' model: two get_weather calls first, then OpenAI's validation (real 400s)."""
    validate = openai_like()

    def handle(request: RecordedRequest) -> Reply | StreamReply:
        body = request.json()
        if body["messages"][-1].get("role") != "user":
            return validate(request)  # type: ignore[return-value]
        reply = completion(body["model"], content="")
        reply["choices"][0]["finish_reason"] = "tool_calls"
        reply["choices"][0]["message"] = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": f"call_guide_{city}", "type": "function",
                 "function": {"name": "get_weather", "arguments": json.dumps({"city": city})}}
                for city in ("Paris", "London")
            ],
        }  # fmt: skip
        return Reply.json(200, reply)

    return handle


def test_openai_sdk_langchain_guide(upstream: Upstream, tls_upstream: Upstream, tmp_path: Path) -> None:
    pytest.importorskip("langchain_openai")
    upstream.handler = tls_upstream.handler = two_calls_then_validate()  # type: ignore[assignment]
    runner = GuideRunner(tmp_path, upstream, tls_upstream)
    runner.run_guide(DOCS / "guide-openai-sdk-langchain.md")
    app_runs = [r for r in runner.ran if "python " in r.block]
    assert (
        len(app_runs) == 4
    )  # toolguard run (reverse: 2 apps; regular) and plain mitmdump (reverse, regular)
    unanswered = "An assistant message with 'tool_calls' must be followed by tool messages"
    assert all("rejected:" in r.stdout and unanswered in r.stdout for r in app_runs)
    reverse_run = app_runs[0]
    assert reverse_run.stdout.count("rejected:") == 2  # agent.py and lc_agent.py in one block
    assert (
        reverse_run.stderr.count(
            "        error    sequence.unanswered-tool-call at messages[1].tool_calls[1].id"
        )
        == 2
    )
    # Every rejected request of every mode is in the default database, predicted by the same rule.
    db = sqlite_utils.Database(runner.db_path)
    flows = list(db["flows"].rows_where("status = 400", order_by="datetime_utc"))
    assert [(f["verdict"], f["error_param"]) for f in flows] == [("predicted", "messages")] * 5
    rules = {row["rule"] for row in db.query("select distinct rule from findings where severity = 'error'")}
    assert rules == {"sequence.unanswered-tool-call"}
    assert "sequence.unanswered-tool-call" in runner.ran[-1].stdout  # toolguard summary shows the pattern
