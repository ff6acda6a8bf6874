"""The Vercel AI SDK's Bedrock provider (``@ai-sdk/amazon-bedrock``, pinned in tests/e2e/node beside ``ai``)
through a real ``mitmdump -s addon/toolguard.py`` (reverse mode) to a loopback Bedrock.

``apps/ai-sdk-bedrock.mjs tools``: ``generateText`` with one tool over two steps, i.e. Converse
(``POST /model/{id}/converse``) with ``toolConfig``, then the history with the ``toolUse`` and its ``toolResult``.
Both requests are checked as Converse with the path's model and flag nothing.

``apps/ai-sdk-bedrock.mjs orphan``: a history whose tool result answers no call (an app's pruning dropped the
assistant turn that made it). The SDK sends it as given; the upstream judges it as Bedrock does and answers
Bedrock's real ValidationException (Just-Curieous/Curie#16: ``{"message": "The number of toolResult blocks at
messages.2.content exceeds the number of toolUse blocks of previous turn."}``). The row is predicted by
``converse.tool-result-pairing`` at the message Bedrock names.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support import clis
from support.proxy_stats import stats
from support.upstream import Handler, RecordedRequest, Reply

pytestmark = pytest.mark.e2e

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
APP = clis.APPS / "ai-sdk-bedrock.mjs"
TOOL_USE_ID = "tooluse_tgE2eBedrock0001"
FINAL_TEXT = "The tool said hi."
ORPHAN = "The number of toolResult blocks at messages.{index}.content exceeds the number of toolUse blocks of previous turn."
BEDROCK_ERROR_HEADERS = {
    "x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
}
ACCESS_KEY = "AKIA" + "TOOLGUARDE2E0AISDKB"
SECRET_KEY = "toolguard/e2e/secret/" + "0123456789abcdefABCDEF014"


def _answer(content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {"inputTokens": 30, "outputTokens": 8, "totalTokens": 38},
        "metrics": {"latencyMs": 40},
    }


def bedrock_like() -> Handler:
    """Converse: a toolUse for a fresh conversation, text once its result is in; a toolResult the previous
    assistant turn did not call is refused with Bedrock's text."""

    def handle(request: RecordedRequest) -> Reply:
        if not request.path.endswith("/converse"):
            return Reply.json(404, {"message": f"no route for {request.path}"})
        messages = request.json()["messages"]
        for index, message in enumerate(messages):
            results = [b["toolResult"]["toolUseId"] for b in message["content"] if "toolResult" in b]
            previous = messages[index - 1]["content"] if index else []
            calls = {b["toolUse"]["toolUseId"] for b in previous if "toolUse" in b}
            if len([r for r in results if r in calls]) < len(results):
                return Reply.json(400, {"message": ORPHAN.format(index=index)}, BEDROCK_ERROR_HEADERS)
        if any("toolResult" in b for b in messages[-1]["content"]):
            return Reply.json(200, _answer([{"text": FINAL_TEXT}], "end_turn"))
        call = {"toolUse": {"toolUseId": TOOL_USE_ID, "name": "echo", "input": {"text": "hi"}}}
        return Reply.json(200, _answer([call], "tool_use"))

    return handle


def run_app(mode: str, base_url: str, work: Path) -> subprocess.CompletedProcess[str]:
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "BEDROCK_BASE_URL": base_url,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "TOOLGUARD_MODEL": MODEL,
    }
    return subprocess.run(
        ["node", str(APP), mode], cwd=work, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def app_installed() -> None:
    missing = clis.node_missing()
    if missing is None and not (clis.NODE_DIR / "node_modules" / "@ai-sdk" / "amazon-bedrock").is_dir():
        missing = f"@ai-sdk/amazon-bedrock not installed in {clis.NODE_DIR}; run scripts/bootstrap --test"
    if missing:
        pytest.skip(missing)


def test_ai_sdk_bedrock_tool_conversation_is_clean_and_a_pruned_history_is_predicted(
    app_installed, upstream, mitmdump_reverse, tmp_path
):
    upstream.handler = bedrock_like()
    proxy = mitmdump_reverse()
    clean = run_app("tools", proxy.url, tmp_path / "tools")
    assert (clean.returncode, clean.stdout.strip()) == (0, FINAL_TEXT), clean.stderr
    orphan = run_app("orphan", proxy.url, tmp_path / "orphan")
    assert orphan.returncode == 1 and ORPHAN.format(index=2) in orphan.stderr, orphan.stderr
    output = proxy.stop()
    assert proxy.returncode == 0, output

    received = upstream.received()
    path = f"/model/{MODEL.replace(':', '%3A')}/converse"  # the SDK encodes the id's colon
    assert [r.path for r in received] == [path, path, path]
    second = received[1].json()
    assert [[next(iter(b)) for b in m["content"]] for m in second["messages"]] == [
        ["text"],
        ["toolUse"],
        ["toolResult"],
    ]
    # Three Converse requests checked; only the pruned history has a finding, and only it is stored.
    counters = stats(output)
    assert (counters["validated"], counters["flagged"], counters["rows_written"]) == (3, 1, 1), output
    (row,) = proxy.flows()
    columns = ("path", "model", "stream", "status", "verdict", "error_message", "error_finding_count")
    assert {k: row[k] for k in columns} == {
        "path": path,
        "model": MODEL,
        "stream": 0,
        "status": 400,
        "verdict": "predicted",
        "error_message": ORPHAN.format(index=2),
        "error_finding_count": 1,
    }
    assert [(f["rule"], f["severity"], f["location"]) for f in proxy.findings(row["id"])] == [
        ("converse.tool-result-pairing", "error", "messages[2].content")
    ]
    stored = proxy.db_files_bytes()
    assert SECRET_KEY.encode() not in stored and ACCESS_KEY.encode() not in stored
