"""End-to-end: each real agent client runs straight against the loopback fake provider (no proxy yet).

This proves the harness that issue #11's acceptance tests will put ``toolguard run`` into: every
pinned client (tests/e2e/node/package-lock.json) completes the scripted tool-using conversation of
:mod:`support.scripted` (turn 1: call its own shell tool with ``echo hi``; turn 2: final answer) in
the API it speaks, and surfaces the real provider 400 when the fake answers one on turn 2.

``TOOLGUARD_RECAPTURE=1`` rewrites the committed captures (tests/data/requests/, and the entries in
tests/data/corpus/valid-clients.jsonl) from the clean runs; without it, the clean runs check that each
client still sends what was captured (same top-level keys, same tool names).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import captures, clis
from support.clis import Client, ClientRun
from support.scripted import RESPONSES_UNANSWERED, Conversation, turn_frames, turn_requests
from support.upstream import ORPHAN_MESSAGE, Upstream

pytestmark = pytest.mark.e2e

Launch = Callable[[str, Path], ClientRun]

# (client, how to launch it against a base URL). One row per way a user runs a client.
CASES: list[tuple[Client, Launch]] = [
    (clis.CODEX_WS, lambda url, work: clis.codex(url, work)),
    (clis.CODEX_HTTP, lambda url, work: clis.codex(url, work, websocket=False)),
    (clis.CLAUDE_CODE, lambda url, work: clis.claude_code(url, work)),
    (clis.OPENCODE_CHAT, lambda url, work: clis.opencode(url, work)),
    (clis.OPENCODE_RESPONSES, lambda url, work: clis.opencode(url, work, responses=True)),
    (clis.OPENAI_NODE_CHAT, lambda url, work: clis.node_app(clis.OPENAI_NODE_CHAT, url, work)),
    (clis.OPENAI_NODE_RESPONSES, lambda url, work: clis.node_app(clis.OPENAI_NODE_RESPONSES, url, work)),
    (clis.AI_SDK_CHAT, lambda url, work: clis.node_app(clis.AI_SDK_CHAT, url, work)),
    (clis.AI_SDK_RESPONSES, lambda url, work: clis.node_app(clis.AI_SDK_RESPONSES, url, work)),
]
IDS = [f"{client.name}-{client.variant}" for client, _ in CASES]
FINAL_TEXT = "The tool said hi."


@pytest.fixture(scope="module", autouse=True)
def node_clients() -> None:
    clis.require_node_clients()


def tool_result(api: str, body: dict[str, Any]) -> str:
    """The text of the tool result a turn-2 body carries (it must be the only one)."""
    if api == "chat":
        [message] = [m for m in body["messages"] if m["role"] == "tool"]
        content = message["content"]
        return content if isinstance(content, str) else "".join(p["text"] for p in content)
    if api == "responses":
        [item] = [i for i in body["input"] if i.get("type") == "function_call_output"]
        return str(item["output"])
    [block] = [
        b
        for m in body["messages"]
        if isinstance(m["content"], list)
        for b in m["content"]
        if b.get("type") == "tool_result"
    ]
    content = block["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def turn_bodies(client: Client, upstream: Upstream) -> list[dict[str, Any]]:
    if client.variant == "websocket":
        return turn_frames(upstream.received("/v1/responses"))
    return [r.json() for r in turn_requests(upstream.requests, client.api)]


def tool_names(api: str, body: dict[str, Any]) -> list[str]:
    names = []
    for tool in body.get("tools") or []:
        function = tool.get("function") if api == "chat" else tool
        names.append(function.get("name") or tool.get("type"))
    return names


@pytest.mark.parametrize(("client", "launch"), CASES, ids=IDS)
def test_clean_tool_using_run(client: Client, launch: Launch, upstream: Upstream, tmp_path: Path) -> None:
    conversation = Conversation(client.api, client.tool_call, final_text=FINAL_TEXT).install(upstream)
    run = launch(upstream.url, tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    assert FINAL_TEXT in run.stdout
    assert conversation.turns == [(1, client.api), (2, client.api)]
    _first, second = turn_bodies(client, upstream)
    # The tool really ran in the client, and its result went back on turn 2.
    assert "hi" in tool_result(client.api, second)
    if client.variant == "websocket":
        # Codex's built-in provider: one upgraded connection, turn 2 incremental on turn 1's response.
        [connection] = upstream.requests
        assert (connection.method, connection.path, connection.header("upgrade")) == (
            "GET",
            "/v1/responses",
            "websocket",
        )
        completed = [json.loads(r)["response"] for r in connection.replies if '"response.completed"' in r]
        [call_response] = [
            r["id"] for r in completed if r["output"] and r["output"][0]["type"] == "function_call"
        ]
        assert second["previous_response_id"] == call_response
        assert [i["type"] for i in second["input"]] == ["function_call_output"]
    if os.environ.get("TOOLGUARD_RECAPTURE"):
        requests = upstream.received("/v1/responses") if client.variant == "websocket" else None
        captures.save(run, requests or turn_requests(upstream.requests, client.api))
    committed = captures.REQUESTS / (
        f"{client.name}-{client.version}-{'responses-ws' if client.variant == 'websocket' else client.api}-turn2.json"
    )
    assert committed.exists(), f"no committed capture {committed.name}: run with TOOLGUARD_RECAPTURE=1"
    saved = json.loads(committed.read_text())
    saved_body = saved["message"] if client.variant == "websocket" else saved["body"]
    assert (sorted(second), tool_names(client.api, second)) == (
        sorted(saved_body),
        tool_names(client.api, saved_body),
    )


# The real 400 body the fake answers on turn 2, and what of it each client shows the user.
def expected_error(client: Client) -> str:
    if client.name == "claude-code":
        # Claude Code recognises Anthropic's pairing 400 and prints its own line for it (after retrying).
        return "API Error: 400"
    if client.api == "chat":
        return ORPHAN_MESSAGE
    return RESPONSES_UNANSWERED.split("{")[0]  # "No tool output found for function call "


@pytest.mark.parametrize(("client", "launch"), CASES, ids=IDS)
def test_provider_400_on_turn_2_is_surfaced(
    client: Client, launch: Launch, upstream: Upstream, tmp_path: Path
) -> None:
    conversation = Conversation(client.api, client.tool_call, fail_turn=2).install(upstream)
    run = launch(upstream.url, tmp_path)
    assert run.returncode != 0, run.output[-3000:]
    assert expected_error(client) in run.output
    assert FINAL_TEXT not in run.stdout
    assert conversation.turns[:2] == [(1, client.api), (2, client.api)]
    if client.variant == "websocket":
        [connection] = upstream.received("/v1/responses")
        error = json.loads(connection.replies[-1])
        assert (error["type"], error["status"], error["error"]["param"]) == ("error", 400, "input")


@pytest.mark.parametrize("client", [clis.OPENAI_NODE_CHAT, clis.AI_SDK_RESPONSES], ids=lambda c: c.name)
def test_node_app_regular_mode_goes_through_the_proxy(
    client: Client, upstream: Upstream, tmp_path: Path
) -> None:
    """Forward mode: with undici's EnvHttpProxyAgent the app's fetch tunnels through HTTP_PROXY (the
    fake answers CONNECT); without it, Node's fetch ignores HTTP_PROXY and never reaches the proxy."""
    Conversation(client.api, client.tool_call, final_text=FINAL_TEXT).install(upstream)
    api_url = "http://api.openai.test"  # .test never resolves: only the proxy can reach it
    run = clis.node_app(client, api_url, tmp_path / "agent", proxy=upstream.url)
    assert run.returncode == 0, run.output[-3000:]
    assert FINAL_TEXT in run.stdout
    paths = [(r.method, r.path) for r in upstream.requests]
    suffix = "/v1/chat/completions" if client.api == "chat" else "/v1/responses"
    assert paths == [("CONNECT", "api.openai.test:80"), ("POST", suffix)] * 2

    upstream.requests.clear()
    bypass = clis.node_app(
        client, api_url, tmp_path / "plain", env={"HTTPS_PROXY": upstream.url, "HTTP_PROXY": upstream.url}
    )
    assert bypass.returncode == 1
    assert upstream.requests == []
