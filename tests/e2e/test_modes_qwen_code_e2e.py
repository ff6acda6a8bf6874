"""End-to-end: the real qwen-code (0.24.4) under ``toolguard run --mode repair`` completes runs the
upstream would reject: its parameters (OpenAI, gpt-5) and its history (Groq, at the end of this file).

qwen-code sends ``max_tokens`` on every request, whatever the model (16384 for gpt-4o in its captured request,
tests/data/requests/qwen-code-0.24.4.json; 64000 for gpt-5). With ``OPENAI_MODEL=gpt-5`` OpenAI rejects each one:
"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens'
instead." The loopback upstream enforces that (and OpenAI's tool-call sequencing) with OpenAI's real
body. The proxy is told the loopback upstream is OpenAI with a providers file, as a user would map
a gateway (docs/providers.md). In observe mode the run fails on the first request; in repair mode
(``--repair params``) every request is renamed to ``max_completion_tokens``, the tool call and the
turn carrying its result both go through, and each change is in the ``repairs`` table.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import sqlite_utils
from support.repairs import expanded_repairs
from support.upstream import (
    MAX_TOKENS_MESSAGE,
    RecordedRequest,
    Reply,
    StreamReply,
    Upstream,
    groq_message_key_error,
    openai_request_error,
    sse_event,
    tool_sequence_error,
)

from e2e.test_qwen_code_e2e import (
    FINAL_TEXT,
    chunk,
    installed_qwen,
    qwen_result,
    text_stream,
    tool_call_stream,
)
from e2e.test_qwen_code_e2e import run_qwen as run_qwen_code

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def qwen() -> Path:
    return installed_qwen()


# Each provider's own API path (Groq serves OpenAI's API under /openai/v1; docs/providers.md).
API_PATHS = {"openai": "/v1", "groq": "/openai/v1"}
MOVE = [{"op": "move", "from": "/max_tokens", "path": "/max_completion_tokens"}]


def openai_enforcing(request: RecordedRequest) -> Reply | StreamReply:
    if request.method != "POST" or not request.path.endswith("/chat/completions"):
        return Reply.json(404, {"error": {"message": f"Unknown request URL: {request.path}"}})
    body = request.json()
    error = openai_request_error(body)
    if error is not None:
        return Reply(400, error)
    if any(m.get("role") == "tool" for m in body["messages"]):
        return text_stream(FINAL_TEXT)
    return tool_call_stream("call_e2e_qwen_repair1")


def run_qwen(
    qwen: Path, upstream: Upstream, tmp_path: Path, *toolguard_args: str, provider: str = "openai", model: str = "gpt-5"
) -> tuple[subprocess.CompletedProcess[str], Path]:  # fmt: skip
    """The shared runner, told by a providers file that the loopback upstream is ``provider``."""
    providers = tmp_path / "providers.toml"
    providers.write_text(
        f'[[gateway]]\nhost = "127.0.0.1"\nprovider = "{provider}"\nname = "{provider} (loopback fake)"\n'
    )
    return run_qwen_code(
        qwen,
        upstream,
        tmp_path,
        toolguard_args=("--set", f"toolguard_providers={providers}", *toolguard_args),
        api_path=API_PATHS[provider],
        model=model,
    )


def test_observe_mode_the_run_fails(qwen: Path, upstream: Upstream, tmp_path: Path) -> None:
    """The contrast: without repair the upstream's 400 ends qwen-code's run."""
    upstream.handler = openai_enforcing
    result, db_path = run_qwen(qwen, upstream, tmp_path)
    assert result.returncode == 1, result.stderr
    assert MAX_TOKENS_MESSAGE in qwen_result(result.stdout)["error"]["message"]
    [flow] = sqlite_utils.Database(db_path)["flows"].rows
    assert (flow["status"], flow["verdict"], flow["error_message"]) == (400, "predicted", MAX_TOKENS_MESSAGE)


def test_repair_mode_the_run_completes(qwen: Path, upstream: Upstream, tmp_path: Path) -> None:
    upstream.handler = openai_enforcing
    result, db_path = run_qwen(qwen, upstream, tmp_path, "--mode", "repair", "--repair", "sequence,params")
    assert result.returncode == 0, result.stderr
    outcome = qwen_result(result.stdout)
    assert (outcome["is_error"], outcome["result"]) == (False, FINAL_TEXT)
    received = [r.json() for r in upstream.received("/chat/completions")]
    assert len(received) == 2
    assert [("max_tokens" in b, b.get("max_completion_tokens"), b["stream"]) for b in received] == [
        (False, 64000, True),
        (False, 64000, True),
    ]
    assert received[1]["messages"][-1]["role"] == "tool"  # the tool ran; its result went back
    db = sqlite_utils.Database(db_path)
    flows = list(db["flows"].rows_where(order_by="datetime_utc"))
    assert [(f["status"], f["verdict"], f["stream"]) for f in flows] == [
        (200, "repaired", 1),
        (200, "repaired", 1),
    ]
    rows = expanded_repairs(db, order_by="datetime_utc, idx")  # bodies stored once, expanded
    assert [
        (r["flow_id"], r["rule"], r["location"], r["applied"], json.loads(r["patch_json"])) for r in rows
    ] == [
        (flows[0]["id"], "params.max-tokens-on-reasoning-model", "max_tokens", 1, MOVE),
        (flows[1]["id"], "params.max-tokens-on-reasoning-model", "max_tokens", 1, MOVE),
    ]
    for row, sent in zip(rows, received, strict=True):
        assert json.loads(row["request_after"]) == json.loads(
            json.dumps(sent).replace("sk-toolguard-e2e-not-a-key", "[REDACTED]")
        )
    assert "sk-toolguard-e2e-not-a-key" not in json.dumps(rows)
    report = result.stderr
    assert "  repairs (applied, accepted by the upstream):" in report
    assert "       2  params.max-tokens-on-reasoning-model: 2 repaired, 0 failed (success 100%)" in report


# ------------------------------------------------------------------------------ a history Groq rejects
# qwen-code 0.24.4 replays the ``reasoning_content`` its provider streamed (seen on the wire in this
# test) on the assistant message of the next turn; Groq rejects any key it does not know inside a
# message (providers.md §4), so the turn carrying the tool result fails with Groq's real 400.
# ``--repair fields`` strips the key (roles.unknown-message-key) and the run completes.

GROQ_MODEL = "openai/gpt-oss-120b"
GROQ_ERROR = (
    "'messages.2' : for 'role:assistant' the following must be satisfied[('messages.2' : property "
    "'reasoning_content' is unsupported)]"
)


def groq_enforcing(request: RecordedRequest) -> Reply | StreamReply:
    """Groq, as far as this test needs: strict about message keys. The first turn streams reasoning
    (``reasoning_content`` deltas, as Groq's reasoning models do) and one tool call."""
    if request.method != "POST" or not request.path.endswith("/chat/completions"):
        return Reply.json(404, {"error": {"message": f"Unknown request URL: {request.path}"}})
    body = request.json()
    error = groq_message_key_error(body) or tool_sequence_error(body.get("messages"))
    if error is not None:
        return Reply(400, error)
    if any(m.get("role") == "tool" for m in body["messages"]):
        return text_stream(FINAL_TEXT)
    call = {
        "index": 0,
        "id": "call_e2e_groq_1",
        "type": "function",
        "function": {"name": "run_shell_command", "arguments": '{"command":"ls"}'},
    }
    return StreamReply(
        [
            chunk({"role": "assistant", "content": None, "reasoning_content": "The user wants the files."}),
            chunk({"reasoning_content": " I will run ls."}),
            chunk({"tool_calls": [call]}),
            chunk({}, "tool_calls"),
            sse_event("[DONE]"),
        ],
        delay=0.01,
    )


def test_observe_mode_groq_rejects_qwen_codes_history(qwen: Path, upstream: Upstream, tmp_path: Path) -> None:
    upstream.handler = groq_enforcing
    result, db_path = run_qwen(qwen, upstream, tmp_path, provider="groq", model=GROQ_MODEL)
    assert result.returncode == 1, result.stderr
    assert GROQ_ERROR in qwen_result(result.stdout)["error"]["message"]
    [flow] = sqlite_utils.Database(db_path)["flows"].rows
    assert (flow["status"], flow["verdict"], flow["error_message"]) == (400, "predicted", GROQ_ERROR)


def test_repair_mode_strips_the_replayed_reasoning_and_the_run_completes(
    qwen: Path, upstream: Upstream, tmp_path: Path
) -> None:
    upstream.handler = groq_enforcing
    result, db_path = run_qwen(
        qwen, upstream, tmp_path, "--mode", "repair", "--repair", "fields", provider="groq", model=GROQ_MODEL
    )
    assert result.returncode == 0, result.stderr
    outcome = qwen_result(result.stdout)
    assert (outcome["is_error"], outcome["result"]) == (False, FINAL_TEXT)
    second = upstream.received("/chat/completions")[1].json()
    assert [(m["role"], "reasoning_content" in m) for m in second["messages"]] == [
        ("system", False),
        ("user", False),
        ("assistant", False),
        ("tool", False),
    ]
    db = sqlite_utils.Database(db_path)
    [flow] = db["flows"].rows
    assert (flow["status"], flow["verdict"]) == (200, "repaired")
    assert json.loads(flow["request_json"])["messages"][2]["reasoning_content"] == (
        "The user wants the files. I will run ls."
    )
    [row] = expanded_repairs(db)
    assert (row["rule"], row["family"], row["location"], row["applied"], json.loads(row["patch_json"])) == (
        "roles.unknown-message-key",
        "fields",
        "messages[2].reasoning_content",
        1,
        [{"op": "remove", "path": "/messages/2/reasoning_content"}],
    )
    assert json.loads(row["request_after"])["messages"] == json.loads(
        json.dumps(second["messages"]).replace("sk-toolguard-e2e-not-a-key", "[REDACTED]")
    )
