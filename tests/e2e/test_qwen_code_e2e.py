"""End-to-end: the real qwen-code CLI (pinned 0.24.4 from npm) under ``toolguard run``.

The chain is qwen-code → ``toolguard run``'s mitmdump (reverse mode) → a loopback fake provider that
streams like OpenAI and validates tool-call sequencing like OpenAI. qwen-code runs non-interactively
(``--auth-type openai --yolo -o json -p``) in a scratch HOME and a scratch project, in its own session
(it relaunches itself; the whole group is killed if the run overstays its timeout).

``TOOLGUARD_RECAPTURE=1`` rewrites ``tests/data/requests/qwen-code-0.24.4.json`` from the clean run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from support.upstream import (
    ORPHAN_MESSAGE,
    RecordedRequest,
    Reply,
    StreamReply,
    Upstream,
    orphan_error,
    sse_event,
    tool_sequence_error,
)

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
QWEN = REPO / "tests" / "e2e" / "node" / "node_modules" / ".bin" / "qwen"
QWEN_VERSION = "0.24.4"
TOOLGUARD = Path(sys.executable).parent / "toolguard"
CAPTURE = REPO / "tests" / "data" / "requests" / f"qwen-code-{QWEN_VERSION}.json"
RUN_TIMEOUT = 120  # qwen-code takes ~3 s per run here; its own request timeout is 120 s
FINAL_TEXT = "The directory holds hello.txt."


@pytest.fixture(scope="module")
def qwen() -> Path:
    return installed_qwen()


def installed_qwen() -> Path:
    """The pinned qwen-code, or a skip (a failure on CI) saying how to install it."""
    if not QWEN.exists():
        message = f"qwen-code not installed at {QWEN}; run scripts/bootstrap --test"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return QWEN


def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    return sse_event(
        {
            "id": "chatcmpl-toolguard-qwen",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
    )


def tool_call_stream(call_id: str, arguments: str = '{"command":"ls"}') -> StreamReply:
    """One run_shell_command call, its arguments split over two deltas, as OpenAI streams it."""
    return StreamReply(
        [
            chunk(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": call_id,
                            "type": "function",
                            "function": {"name": "run_shell_command", "arguments": ""},
                        }
                    ],
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[:5]}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[5:]}}]}),
            chunk({}, "tool_calls"),
            sse_event("[DONE]"),
        ],
        delay=0.01,
    )


def text_stream(text: str) -> StreamReply:
    return StreamReply(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": text}),
            chunk({}, "stop"),
            sse_event("[DONE]"),
        ],
        delay=0.01,
    )


Policy = Callable[[dict[str, Any], int], Reply | StreamReply]


def provider(policy: Policy) -> Callable[[RecordedRequest], Reply | StreamReply]:
    """OpenAI's validation first (its real 400 bodies), then ``policy(body, tool_results_so_far)``."""

    def handle(request: RecordedRequest) -> Reply | StreamReply:
        if request.method != "POST" or not request.path.endswith("/chat/completions"):
            return Reply.json(404, {"error": {"message": f"Unknown request URL: {request.path}"}})
        body = request.json()
        error = tool_sequence_error(body.get("messages"))
        if error is not None:
            return Reply(400, error)
        tool_results = sum(1 for m in body["messages"] if m.get("role") == "tool")
        return policy(body, tool_results)

    return handle


def run_qwen(
    qwen: Path, upstream: Upstream, tmp_path: Path, prompt: str = "List the files", *,
    toolguard_args: Sequence[str] = (), api_path: str = "", model: str = "gpt-4o",
) -> tuple[subprocess.CompletedProcess[str], Path]:  # fmt: skip
    """``toolguard run --upstream <fake><api_path> [toolguard_args] -- qwen ...`` in a scratch HOME and
    project; bounded. test_modes_qwen_code_e2e.py runs it with a mode and a providers file."""
    home, project, db_path = tmp_path / "home", tmp_path / "project", tmp_path / "toolguard.db"
    (home / ".qwen").mkdir(parents=True)
    project.mkdir()
    (project / "hello.txt").write_text("hi\n")
    # Background "managed memory" agents would send extra tool-calling requests after the turn.
    settings = {"memory": {"enableManagedAutoMemory": False, "enableManagedAutoDream": False}}
    (home / ".qwen" / "settings.json").write_text(json.dumps(settings))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "OPENAI_API_KEY": "sk-toolguard-e2e-not-a-key",
        "OPENAI_MODEL": model,
        "QWEN_USAGE_STATISTICS_ENABLED": "false",  # no telemetry host in the proxy (docs/guide-qwen-code.md)
        "QWEN_CODE_SUPPRESS_YOLO_WARNING": "1",
    }
    command = [
        str(TOOLGUARD), "run", "--upstream", upstream.url + api_path, "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
        *toolguard_args, "--", str(qwen), "--auth-type", "openai", "--yolo", "-o", "json", "-p", prompt,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=project, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"qwen-code under toolguard run overstayed {RUN_TIMEOUT}s:\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), db_path


def qwen_result(stdout: str) -> dict[str, Any]:
    """The final ``result`` object of ``-o json`` output."""
    return json.loads(stdout)[-1]


def test_tool_call_then_answer_stores_nothing(qwen: Path, upstream: Upstream, tmp_path: Path) -> None:
    upstream.handler = provider(
        lambda body, results: text_stream(FINAL_TEXT) if results else tool_call_stream("call_e2e_qwen_0001")
    )
    result, db_path = run_qwen(qwen, upstream, tmp_path)
    assert result.returncode == 0, result.stderr
    outcome = qwen_result(result.stdout)
    assert (outcome["is_error"], outcome["result"], outcome["num_turns"]) == (False, FINAL_TEXT, 2)
    requests = upstream.received("/chat/completions")
    assert len(requests) == 2
    second = requests[1].json()
    assert second["messages"][-1]["role"] == "tool"  # the tool really ran and its result went back
    assert "hello.txt" in second["messages"][-1]["content"][0]["text"]
    # Nothing stored, and the report says the loopback fake got the generic rules (no provider's).
    assert result.stderr.splitlines()[-2:] == [
        "toolguard: 2 requests reached the proxy: 2 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer; 0 flows stored.",
        "  2 requests to hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible "
        f"or Anthropic Messages, plus the model catalog): 127.0.0.1:{upstream.port}; no provider-specific rule was "
        "applied; map "
        "a host to its provider with [[gateway]] in the providers config (--set toolguard_providers=FILE, "
        "docs/providers.md)",
    ]
    db = sqlite_utils.Database(db_path)
    assert db["flows"].count == 0 and db["findings"].count == 0
    if os.environ.get("TOOLGUARD_RECAPTURE"):
        write_capture(requests[1], tmp_path)
    if CAPTURE.exists():  # the committed capture still looks like what this qwen-code sends
        captured = json.loads(CAPTURE.read_text())["body"]
        assert tool_names(second) == tool_names(captured)
        assert sorted(second) == sorted(captured)


def test_upstream_400_is_stored_with_its_parsed_error_and_qwens_status(
    qwen: Path, upstream: Upstream, tmp_path: Path
) -> None:
    """The provider rejects the turn carrying the tool result with OpenAI's real tool-message 400."""

    def policy(body: dict[str, Any], results: int) -> Reply | StreamReply:
        if results:
            first_tool = next(i for i, m in enumerate(body["messages"]) if m.get("role") == "tool")
            return Reply(400, orphan_error(first_tool))
        return tool_call_stream("call_e2e_qwen_0002")

    upstream.handler = provider(policy)
    result, db_path = run_qwen(qwen, upstream, tmp_path)
    assert result.returncode == 1, result.stderr  # qwen-code's status for an API error, passed through
    outcome = qwen_result(result.stdout)
    assert outcome["is_error"] is True
    assert ORPHAN_MESSAGE in outcome["error"]["message"]
    db = sqlite_utils.Database(db_path)
    [flow] = db["flows"].rows
    assert {
        k: flow[k] for k in ("status", "verdict", "error_message", "error_type", "error_param", "client")
    } == {
        "status": 400,
        # qwen-code 0.24.4 sends a valid history: no rule predicts this 400; OpenAI's sentence names
        # the root cause (a tool message without a preceding call), so it is recognised.
        "verdict": "recognised",
        "error_message": ORPHAN_MESSAGE,
        "error_type": "invalid_request_error",
        "error_param": "messages.[3].role",
        "client": f"QwenCode/{QWEN_VERSION} (linux; x64)",
    }
    assert json.loads(flow["request_json"])["messages"][3]["tool_call_id"] == "call_e2e_qwen_0002"
    assert "sk-toolguard-e2e-not-a-key" not in json.dumps(flow)
    assert (
        f"    {flow['id']}  400  POST 127.0.0.1:{upstream.port}/v1/chat/completions  recognised: rejected by the upstream for "
        "a known root cause; no rule is credited with it"
    ) in result.stderr
    assert "        root cause: cause.orphan-tool-result: " in result.stderr
    assert f"        upstream: {ORPHAN_MESSAGE}" in result.stderr


def test_reused_provider_ids_show_qwen_codes_silent_repair(
    qwen: Path, upstream: Upstream, tmp_path: Path
) -> None:
    """A gateway that reuses ``run_shell_command:0`` every turn (qwen-code #8382): qwen-code renames the
    id and answers the repeat with a synthetic result. The provider accepts it; toolguard says so."""

    def policy(body: dict[str, Any], results: int) -> StreamReply:
        return text_stream(FINAL_TEXT) if results >= 2 else tool_call_stream("run_shell_command:0")

    upstream.handler = provider(policy)
    result, db_path = run_qwen(qwen, upstream, tmp_path)
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(db_path)
    [flow] = db["flows"].rows
    assert (flow["status"], flow["verdict"], flow["finding_count"], flow["error_finding_count"]) == (
        200,
        "accepted",
        2,
        0,
    )
    findings = [(f["rule"], f["severity"], f["location"]) for f in db["findings"].rows_where(order_by="idx")]
    assert findings == [
        ("repairs.qwen-code-renamed-tool-call-id", "warning", "messages[4].tool_calls[0].id"),
        ("repairs.qwen-code-duplicate-id-result", "warning", "messages[5].content[0].text"),
    ]
    sent = json.loads(flow["request_json"])["messages"]
    assert sent[4]["tool_calls"][0]["id"] == "run_shell_command:0__qwen_dup_2"
    assert sent[5]["content"][0]["text"].startswith('Duplicate provider tool call id "run_shell_command:0"')


def tool_names(body: dict[str, Any]) -> list[str]:
    return [tool["function"]["name"] for tool in body["tools"]]


def write_capture(request: RecordedRequest, tmp_path: Path) -> None:
    """Write the redacted capture: scratch paths replaced, the key dropped, everything else verbatim."""
    text = request.body.decode("utf-8")
    text = text.replace(str(tmp_path / "project"), "/home/user/project").replace(
        str(tmp_path / "home"), "/home/user"
    )
    text = text.replace(str(tmp_path), "/tmp/scratch")
    headers = {k.lower(): v for k, v in request.headers if k.lower() not in ("host", "content-length")}
    headers["authorization"] = "Bearer <redacted>"
    capture = {
        "note": (
            f"A real request from qwen-code {QWEN_VERSION} (@qwen-code/qwen-code from npm, Node "
            f"{headers.get('x-stainless-runtime-version', '?')}): its second turn, carrying the result of a "
            "run_shell_command call, as it reached the upstream through toolguard run's mitmdump (reverse "
            "mode). Made by tests/e2e/test_qwen_code_e2e.py::test_tool_call_then_answer_stores_nothing with "
            "TOOLGUARD_RECAPTURE=1: `qwen --auth-type openai --yolo -o json -p 'List the files'` in a scratch "
            "HOME and project, against a loopback fake provider that streamed one tool call. Redacted: the "
            "scratch paths (now /home/user, /home/user/project) and the API key; the body is otherwise "
            "byte-for-byte what qwen-code sent, re-indented."
        ),
        "client": f"qwen-code {QWEN_VERSION}",
        "method": request.method,
        "path": request.path,
        "headers": headers,
        "body": json.loads(text),
    }
    CAPTURE.parent.mkdir(parents=True, exist_ok=True)
    CAPTURE.write_text(json.dumps(capture, indent=1, ensure_ascii=False) + "\n")
