"""Claude Code on Bedrock and on Vertex AI through a real ``mitmdump -s addon/toolguard.py`` (reverse mode) to a
loopback upstream that answers as those platforms do (docs/native-apis.md's ``messages`` rows).

The pinned Claude Code (tests/e2e/node, scratch HOME, telemetry off; :mod:`support.clis`) runs its two-turn tool
conversation (turn 1: a ``Bash`` call, turn 2: its result) with

* ``CLAUDE_CODE_USE_BEDROCK=1``, ``ANTHROPIC_BEDROCK_BASE_URL`` = the proxy, ``CLAUDE_CODE_SKIP_BEDROCK_AUTH=1``:
  it lists ``GET /inference-profiles`` first, then always streams, ``POST /model/{id}/invoke-with-response-stream``,
  and refuses any answer not framed as AWS's event stream (:mod:`support.eventstream`);
* ``CLAUDE_CODE_USE_VERTEX=1``, ``ANTHROPIC_VERTEX_BASE_URL`` = the proxy + ``/v1``, ``CLAUDE_CODE_SKIP_VERTEX_AUTH=1``:
  ``POST .../publishers/anthropic/models/{model}:streamRawPredict``, answered with the Messages API's SSE stream.

Every request is checked as the Messages API on its platform with the model from the path; the clean runs flag
nothing and store nothing. A turn 2 that Bedrock rejects with its ValidationException (the JSON ``{"message"}`` and
``x-amzn-errortype`` header Bedrock answers before a stream starts) is stored with the path's model and the
provider's text; the CLI pairs its tool calls itself (test_agents_run_e2e.py's docstring), so that 400 is scripted
on a well-formed turn and the row is ``recognised``, not predicted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import clis
from support.eventstream import CONTENT_TYPE, chunk
from support.proxy_stats import stats
from support.scripted import (
    ANTHROPIC_UNANSWERED,
    STREAM_DELAY,
    anthropic_events,
    anthropic_message,
    typed_sse,
)
from support.upstream import Handler, RecordedRequest, Reply, StreamReply

pytestmark = pytest.mark.e2e

# What the pinned CLI asks for by default on each platform (its own default model, seen on the wire).
BEDROCK_MODEL = "us.anthropic.claude-opus-5-5"
VERTEX_MODEL = "claude-opus-5-5"
FINAL_TEXT = "The tool said hi."
TOOL_USE_ID = "toolu_bdrk_01TgE2eNative0001"
# Bedrock's headers on a ValidationException (boto's parsers read the type from x-amzn-errortype).
BEDROCK_ERROR_HEADERS = {
    "x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
}
# Turn 2 is [user, system, assistant tool_use, user tool_result]: the tool_use is message 2.
REJECTED = ANTHROPIC_UNANSWERED.format(index=2, ids=TOOL_USE_ID)


def _events(request: RecordedRequest, model: str) -> list[dict[str, Any]]:
    """Turn 1 asks for the CLI's Bash tool; a request carrying its result gets the final text."""
    messages = request.json().get("messages", [])
    answered = any(
        isinstance(m.get("content"), list) and any(b.get("type") == "tool_result" for b in m["content"])
        for m in messages
    )
    if answered:
        content = [{"type": "text", "text": FINAL_TEXT}]
        stop = "end_turn"
    else:
        call = clis.CLAUDE_CODE.tool_call
        content = [{"type": "tool_use", "id": TOOL_USE_ID, "name": call.name, "input": call.arguments}]
        stop = "tool_use"
    return anthropic_events(anthropic_message("msg_bdrk_01TgE2e", model, content, stop))


def platform_like(reject_turn_2: bool = False) -> Handler:
    def handle(request: RecordedRequest) -> Reply | StreamReply:
        if request.method == "GET" and request.path == "/inference-profiles":
            return Reply.json(200, {"inferenceProfileSummaries": []})
        if request.path.endswith("/invoke-with-response-stream"):
            if reject_turn_2 and "tool_result" in request.body.decode():
                return Reply.json(400, {"message": REJECTED}, BEDROCK_ERROR_HEADERS)
            return StreamReply(
                [chunk(e) for e in _events(request, BEDROCK_MODEL)],
                delay=STREAM_DELAY,
                headers={"content-type": CONTENT_TYPE},
            )
        if request.path.endswith(":streamRawPredict"):
            return StreamReply(
                [typed_sse(e["type"], e) for e in _events(request, VERTEX_MODEL)], delay=STREAM_DELAY
            )
        return Reply.json(404, {"message": f"no route for {request.method} {request.path}"})

    return handle


def _claude(proxy_url: str, work: Path, platform: str) -> clis.ClientRun:
    env = {
        "bedrock": {
            "CLAUDE_CODE_USE_BEDROCK": "1",
            "CLAUDE_CODE_SKIP_BEDROCK_AUTH": "1",
            "ANTHROPIC_BEDROCK_BASE_URL": proxy_url,
            "AWS_REGION": "us-east-1",
        },
        "vertex": {
            "CLAUDE_CODE_USE_VERTEX": "1",
            "CLAUDE_CODE_SKIP_VERTEX_AUTH": "1",
            "ANTHROPIC_VERTEX_BASE_URL": f"{proxy_url}/v1",
            "ANTHROPIC_VERTEX_PROJECT_ID": "toolguard-e2e",
            "CLOUD_ML_REGION": "us-east5",
        },
    }[platform]
    # No ANTHROPIC_BASE_URL / key: the platform's own variables route the CLI.
    return clis.claude_code(proxy_url, work, env={"ANTHROPIC_BASE_URL": "", "ANTHROPIC_API_KEY": "", **env})


@pytest.fixture
def claude_installed() -> None:
    missing = clis.node_missing() or clis.installed()
    if missing:
        pytest.skip(missing)


@pytest.mark.parametrize(
    ("platform", "turn_path"),
    [
        ("bedrock", f"/model/{BEDROCK_MODEL}/invoke-with-response-stream"),
        (
            "vertex",
            f"/v1/projects/toolguard-e2e/locations/us-east5/publishers/anthropic/models/{VERTEX_MODEL}:streamRawPredict",
        ),
    ],
)
def test_claude_code_on_a_platform_is_checked_and_clean(
    claude_installed, upstream, mitmdump_reverse, tmp_path, platform, turn_path
):
    upstream.handler = platform_like()
    proxy = mitmdump_reverse()
    run = _claude(proxy.url, tmp_path, platform)
    assert run.returncode == 0 and FINAL_TEXT in run.stdout, run.output
    output = proxy.stop()
    assert proxy.returncode == 0, output
    turns = [r for r in upstream.received() if r.method == "POST"]
    assert [r.path for r in turns] == [turn_path, turn_path], [r.path for r in upstream.received()]
    # Both turns were validated as the Messages API and flagged nothing; nothing was stored.
    counters = stats(output)
    assert (counters["validated"], counters.get("flagged", 0), counters["rows_written"]) == (2, 0, 0), output
    assert proxy.flows() == []


def test_claude_code_on_bedrock_rejected_turn_is_stored_with_its_model(
    claude_installed, upstream, mitmdump_reverse, tmp_path
):
    upstream.handler = platform_like(reject_turn_2=True)
    proxy = mitmdump_reverse()
    run = _claude(proxy.url, tmp_path, "bedrock")
    # The CLI shows its own wording for this 400 ("API Error: 400 due to tool use concurrency issues.").
    assert run.returncode != 0 and "API Error: 400" in run.output, run.output
    output = proxy.stop()
    assert proxy.returncode == 0, output
    rows = proxy.flows()
    # Claude Code retries that turn on its own (six requests with 2.1.332); each is stored alike.
    columns = (
        "path",
        "model",
        "stream",
        "status",
        "verdict",
        "error_message",
        "error_finding_count",
        "internal_error",
        "cause_id",
    )
    assert rows and {tuple((k, row[k]) for k in columns) for row in rows} == {
        (
            ("path", f"/model/{BEDROCK_MODEL}/invoke-with-response-stream"),
            ("model", BEDROCK_MODEL),  # from the path: Bedrock's body has no `model`
            ("stream", 1),  # from the path's -with-response-stream: the body has no `stream` either
            ("status", 400),
            ("verdict", "recognised"),
            ("error_message", REJECTED),
            ("error_finding_count", 0),
            ("internal_error", None),
            # Explained: the provider's wording names the root cause (toolguard_core.causes).
            ("cause_id", "cause.missing-tool-result"),
        )
    }
    assert all(proxy.findings(row["id"]) == [] for row in rows)
