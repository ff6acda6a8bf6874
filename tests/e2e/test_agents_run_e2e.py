"""Acceptance for issue #11: each agent CLI through ``toolguard run`` and a real mitmdump, no bypass.

Chain: the real pinned client (tests/e2e/node, scratch HOME, telemetry off; :mod:`support.clis`) →
``toolguard run``'s mitmdump → the loopback fake provider playing the two-turn tool-using conversation
of :mod:`support.scripted`. Each client is run the way its guide in docs/ says:

* Codex, built-in OpenAI provider (Responses over a WebSocket), and a custom HTTP provider: regular
  mode (the built-in provider ignores OPENAI_BASE_URL; docs/guide-codex.md). The fake's URL stands in
  for api.openai.com (``-c openai_base_url``), reached through HTTPS_PROXY/HTTP_PROXY.
* opencode (Chat Completions provider from opencode.json): reverse mode on a fixed ``--port``.
* an openai-node app in regular mode: Node's fetch goes through the proxy only via toolguard's preload.
* Claude Code (``claude -p``): reverse mode with no ``--upstream``; the user's own ANTHROPIC_BASE_URL
  (the fake) is kept as the upstream and replaced by the proxy's URL for the client.

A run whose turn 2 the provider rejects with its real tool-pairing 400 stores that turn (one row, the
parsed error) and the report names the rule that predicts the provider's wording.

Where the client really sends a broken pairing, the row is ``predicted`` with the rule's finding
stored: the openai-node app with the bug apps really have, a naive context-window trim that keeps
the system prompt and the last message (``TOOLGUARD_APP_KEEP_LAST=1``) and so sends the tool message
without the assistant message that called it; the fake answers OpenAI's own sequencing 400.

Claude Code, opencode (on ``@ai-sdk/anthropic``, the Messages API) and Codex over HTTP end
``predicted`` too, by the path users really meet behind a gateway whose backend mints tool-call ids
the provider refuses (anomalyco/opencode#1279, BlockRunAI/ClawRouter#17, BigPizzaV3/CodexPlusPlus#1796):
Kimi numbers calls per turn, ``functions.bash:0`` each time; a relay mints ``item_…``. The fake,
judging ids the way the provider does (:func:`support.scripted.anthropic_pairing_error`,
:func:`support.scripted.responses_pairing_error`), answers the provider's real 400 to the client's own
request; nothing is scripted on that turn, and the stored finding is on the very item the provider
names (an error on an unknown host, most often a gateway). What each pinned client does with such
ids, seen on the wire:

* Claude Code 2.1.332 replays the id verbatim, so turn 2 breaks Anthropic's id pattern
  (``anthropic.invalid-tool-use-id``).
* opencode 1.18.33 rewrites ids for Anthropic models to ``[a-zA-Z0-9_-]`` (``functions_bash_0``), so
  the pattern case never reaches the provider; but the rewritten ids of two turns collide, and its
  third turn repeats the id (``anthropic.duplicate-tool-use-id``; the fake asks for the tool twice).
* Codex 0.171.0 over HTTP replays the whole history with each item's ``id`` as the server gave it; a
  relay in front of OpenAI that mints ``item_…`` ids for function calls (BigPizzaV3/CodexPlusPlus#1796)
  gets OpenAI's real ``invalid_id_prefix`` 400 for it (``responses.item-id-prefix``; the fake checks
  item id prefixes as OpenAI does). Over the WebSocket, Codex sends turn 2 incrementally
  (``previous_response_id`` and the new function_call_output only; tests/data/requests/
  codex-0.171.0-responses-ws-turn2.json), so a minted id is never replayed there: that case keeps the
  scripted, ``recognised`` 400.

The three agent CLIs pinned here repair a broken pairing before they send it, so no real path makes
them send one. The way users get one, resuming a session saved while a tool call was still running,
is run here for each (test_a_resumed_session_interrupted_mid_tool_call_is_sent_well_paired: the
client is killed mid tool call, then resumed under ``toolguard run``), and each answers the call
itself; the code doing it, in the pinned builds:

* Claude Code 2.1.332: on resume, a ``[Tool call interrupted: ...]`` tool_result; and before every
  request ``ensureToolResultPairing`` drops duplicate or orphan blocks and injects ``[Tool result
  missing due to internal error]`` for a tool_use without a result (with ``strictToolResultPairing``
  it refuses locally instead; nothing broken is sent either way).
* Codex 0.171.0: its history normaliser (codex-rs ``context_manager/normalize.rs``; the string
  "Function call output is missing for call id" is in the pinned binary) inserts an ``aborted``
  function_call_output for every call without one and drops outputs without a call, on resume too.
* opencode 1.18.33: a tool part still ``pending``/``running`` (an interrupted session) is replayed as an
  error result ``[Tool execution was interrupted]``, so every call is answered.

For them the provider's 400 is scripted on a well-paired turn: no finding predicted it, and the row
is ``recognised`` (the wording names a known root cause). The clean runs of the same clients, the
same ways, are the guides' commands (tests/e2e/test_agent_guides.py: each validated turn by turn,
nothing flagged, nothing stored); they are not run twice.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import clis
from support.clis import Client, ClientRun
from support.ports import fixed_port
from support.scripted import (
    ANTHROPIC_DUPLICATE_ID,
    ANTHROPIC_ID_PATTERN,
    ANTHROPIC_UNANSWERED,
    RESPONSES_ID_PREFIX,
    RESPONSES_UNANSWERED,
    Api,
    Conversation,
    ToolCall,
    turn_frames,
    turn_requests,
)
from support.upstream import ORPHAN_MESSAGE, Upstream

pytestmark = pytest.mark.e2e

TOOLGUARD = Path(sys.executable).parent / "toolguard"
# A tool_use id as Kimi mints it (numbered per turn, with a dot and a colon), which opencode and Claude
# Code users met replayed to Claude behind one gateway (anomalyco/opencode#1279).
KIMI_TOOL_USE_ID = "functions.Bash:0"
# A function_call item id as a relay in front of OpenAI minted it (BigPizzaV3/CodexPlusPlus#1796).
RELAY_ITEM_ID = "item_c270d5511c7129adc7475632"
FINAL_TEXT = "The tool said hi."


def whole(template: str) -> str:
    """A regex for a whole provider message whose ``{index}``/``{block}`` vary with the client."""
    return re.escape(template).replace(r"\{index\}", r"\d+").replace(r"\{block\}", r"\d+") + r"\Z"


def named_location(error: str) -> str:
    """The toolguard location of the item a provider's message names: Anthropic's
    ``messages.N.content.M`` (a block), OpenAI's ``'input[N].id'`` (an item's id)."""
    block = re.match(r"messages\.(\d+)\.content\.(\d+)", error)
    if block is not None:
        return "messages[{}].content[{}].id".format(*block.groups())
    item = re.match(r"Invalid 'input\[(\d+)\]\.id'", error)
    assert item is not None, error
    return f"input[{item.group(1)}].id"


@dataclass(frozen=True)
class Case:
    client: Client
    mode: str  # toolguard run's --proxy-mode
    # (fake provider URL, proxy port, work dir, prefix) -> the client's run
    launch: Callable[[str, int, Path, list[str]], ClientRun]
    error: str  # a regex matching the start of the real 400 the fake answers on turn 2 (ids vary)
    rule: str  # the rule whose wording it is
    method: str  # how the rejected turn reached the proxy
    upstream: bool = True  # reverse mode: pass --upstream (else the client's own base URL is kept)
    # "predicted": the client itself sent the broken pairing (the rule's finding is stored);
    # "recognised": the client repairs pairings (see the module docstring), the 400 is scripted.
    verdict: str = "recognised"
    # The id the fake gives its tool call (a Messages tool_use, a Responses function_call item) as a
    # gateway in front of another backend mints it. The client replays it and the fake judges that
    # turn as the provider does (its real 400, nothing scripted): the client's own request is rejected.
    minted_id: str | None = None
    tool_turns: int = 1  # turns whose answer is a tool call (2: turn 2 gets the same id again)
    name: str = ""  # the test id's suffix, for a client run more than one way


CASES = [
    Case(
        clis.CODEX_WS,
        "regular",
        lambda fake, port, work, prefix: clis.codex(fake, work, prefix=prefix),
        re.escape(RESPONSES_UNANSWERED.split("{")[0] + "call_tg"),
        "responses.unanswered-function-call",
        "WS",
    ),
    Case(
        clis.CODEX_HTTP,
        "regular",
        lambda fake, port, work, prefix: clis.codex(fake, work, websocket=False, prefix=prefix),
        re.escape(RESPONSES_UNANSWERED.split("{")[0] + "call_tg"),
        "responses.unanswered-function-call",
        "POST",
    ),
    Case(
        clis.CODEX_HTTP,
        "regular",
        lambda fake, port, work, prefix: clis.codex(fake, work, websocket=False, prefix=prefix),
        whole(RESPONSES_ID_PREFIX.replace("{id}", RELAY_ITEM_ID).replace("{prefix}", "fc")),
        "responses.item-id-prefix",
        "POST",
        verdict="predicted",
        minted_id=RELAY_ITEM_ID,
        name="relay-id",
    ),
    Case(
        clis.OPENCODE_CHAT,
        "reverse",
        lambda fake, port, work, prefix: clis.opencode(f"http://127.0.0.1:{port}", work, prefix=prefix),
        re.escape(ORPHAN_MESSAGE),
        "sequence.orphan-tool-message",
        "POST",
    ),
    Case(
        clis.OPENAI_NODE_CHAT,
        "regular",
        lambda fake, port, work, prefix: clis.node_app(
            clis.OPENAI_NODE_CHAT, fake, work, prefix=prefix, env={"TOOLGUARD_APP_KEEP_LAST": "1"}
        ),
        re.escape(ORPHAN_MESSAGE),
        "sequence.orphan-tool-message",
        "POST",
        verdict="predicted",
    ),
    Case(
        clis.CLAUDE_CODE,
        "reverse",
        lambda fake, port, work, prefix: clis.claude_code(fake, work, prefix=prefix),
        re.escape(ANTHROPIC_UNANSWERED.split("{")[0]),
        "anthropic.tool-use-without-result",
        "POST",
        upstream=False,
    ),
    Case(
        clis.CLAUDE_CODE,
        "reverse",
        lambda fake, port, work, prefix: clis.claude_code(fake, work, prefix=prefix),
        whole(ANTHROPIC_ID_PATTERN),
        "anthropic.invalid-tool-use-id",
        "POST",
        upstream=False,
        verdict="predicted",
        minted_id=KIMI_TOOL_USE_ID,
        name="foreign-id",
    ),
    Case(
        clis.OPENCODE_MESSAGES,
        "reverse",
        lambda fake, port, work, prefix: clis.opencode(
            f"http://127.0.0.1:{port}", work, messages=True, prefix=prefix
        ),
        whole(ANTHROPIC_DUPLICATE_ID),
        "anthropic.duplicate-tool-use-id",
        "POST",
        verdict="predicted",
        minted_id=KIMI_TOOL_USE_ID.lower(),
        tool_turns=2,
        name="repeated-id",
    ),
]
IDS = [f"{case.client.name}-{case.client.variant}" + (f"-{case.name}" if case.name else "") for case in CASES]


@pytest.fixture(scope="module", autouse=True)
def node_clients() -> None:
    clis.require_node_clients()


def free_port() -> int:
    return fixed_port()  # outside the ephemeral range: no concurrent bind(0) or connection takes it first


def run_under_toolguard(case: Case, upstream: Upstream, work: Path) -> tuple[ClientRun, Path, list[str]]:
    db = work / "run.db"
    port = free_port()
    prefix = [str(TOOLGUARD), "run", "--db", str(db), "--confdir", str(work / "conf"), "--port", str(port)]
    if case.mode == "reverse" and case.upstream:
        prefix += ["--upstream", upstream.url]
    else:
        prefix += ["--proxy-mode", "regular"]
    run = case.launch(upstream.url, port, work, [*prefix, "--"])
    report = run.stderr[run.stderr.index("toolguard: ", run.stderr.index("database ")) :].splitlines()
    return run, db, report


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_rejected_turn_is_stored_with_the_error_and_its_rule(
    case: Case, upstream: Upstream, tmp_path: Path
) -> None:
    if case.minted_id is None:
        Conversation(case.client.api, case.client.tool_call, fail_turn=2).install(upstream)
    else:
        minted = {"tool_use_id" if case.client.api == "messages" else "item_id": case.minted_id}
        Conversation(case.client.api, case.client.tool_call, tool_turns=case.tool_turns, **minted).install(
            upstream
        )
    run, db, report = run_under_toolguard(case, upstream, tmp_path)
    assert run.returncode != 0, run.output[-3000:]
    stored = rows(
        db, "select id, method, status, verdict, error_message, websocket_json is not null from flows"
    )
    # One row for the rejected turn (Claude Code retries it once: one row per attempt, all alike).
    assert len(stored) == 1 or case.client.name == "claude-code", stored
    flow_id, method, status, verdict, error, websocket = stored[0]
    assert {row[1:] for row in stored} == {stored[0][1:]}
    assert (method, status, verdict, bool(re.match(case.error, str(error))), bool(websocket)) == (
        case.method,
        400,
        case.verdict,
        True,
        case.method == "WS",
    )
    errors = rows(
        db, f"select rule, severity from findings where flow_id = '{flow_id}' and severity = 'error'"
    )
    assert f"        upstream: {error}" in report
    # Claude Code's retries are one entry (flows alike are listed once): headed by one of its rows.
    assert any(line.startswith(f"    {row[0]}  400  {case.method} ") for line in report for row in stored), (
        report
    )
    if len(stored) > 1:
        assert (
            f"        {len(stored) - 1} more flow{'s' if len(stored) > 2 else ''} alike (same client, request line, "
            "verdict, findings and answer): "
        ) in "\n".join(report), report
    if case.verdict == "predicted" and case.minted_id is not None:
        # The provider names the item it refused: the finding is on that very item.
        located = rows(
            db,
            f"select rule, severity, location from findings where flow_id = '{flow_id}' and severity = 'error'",
        )
        assert located == [(case.rule, "error", named_location(str(error)))], report
    elif case.verdict == "predicted":
        # The client sent the broken pairing: the rule that predicts the provider's wording found it.
        assert errors == [(case.rule, "error")], report
    else:
        # A well-paired turn (the fake's scripted 400): no finding predicted it; its wording names a
        # known root cause, the failure `case.rule` predicts when a client does send it.
        assert errors == []
        assert f"        known failure: {case.rule} (matched by the upstream's wording)" in report


# -- resuming a session interrupted mid tool call ------------------------------------------------

# A tool call that is still running when the client is killed (a closed terminal, a crash).
SLOW_COMMAND = "echo start; sleep 120; echo end"
# Each run's bound: opencode takes about 40 s here before its first request (more on a loaded
# machine), and each case runs its client twice.
RESUME_TIMEOUT = 150.0
SLOW_CALLS: dict[str, ToolCall] = {
    "codex": ToolCall("exec_command", {"cmd": SLOW_COMMAND}),
    "claude-code": ToolCall("Bash", {"command": SLOW_COMMAND, "description": "Wait"}),
    "opencode": ToolCall("bash", {"command": SLOW_COMMAND, "description": "Wait"}),
}


@dataclass(frozen=True)
class Resume:
    client: Client
    mode: str
    # (fake provider URL, proxy port, work dir, prefix, resume, stop_when) -> the client's run
    launch: Callable[[str, int, Path, list[str], bool, Callable[[], bool] | None], ClientRun]
    # The result the client itself puts in for the interrupted call when it resumes the session.
    synthetic: str
    upstream: bool = True


RESUMES = [
    Resume(
        clis.CLAUDE_CODE,
        "reverse",
        lambda fake, port, work, prefix, resume, stop: clis.claude_code(
            fake, work, prefix=prefix, resume=resume, stop_when=stop, timeout=RESUME_TIMEOUT
        ),
        # Claude Code 2.1.332 (--continue): its tool_result for a tool_use the session never answered.
        "[Tool call interrupted: the session ended before this call's result was recorded, so its outcome "
        "is unknown. Check whether it took effect before relying on it or running it again.]",
        upstream=False,
    ),
    Resume(
        clis.CODEX_HTTP,
        "regular",
        lambda fake, port, work, prefix, resume, stop: clis.codex(
            fake, work, websocket=False, prefix=prefix, resume=resume, stop_when=stop, timeout=RESUME_TIMEOUT
        ),
        "aborted",  # Codex 0.171.0 (exec resume): its history normaliser's output for a call without one
    ),
    Resume(
        clis.CODEX_WS,
        "regular",
        lambda fake, port, work, prefix, resume, stop: clis.codex(
            fake, work, prefix=prefix, resume=resume, stop_when=stop, timeout=RESUME_TIMEOUT
        ),
        "aborted",
    ),
    Resume(
        clis.OPENCODE_CHAT,
        "reverse",
        lambda fake, port, work, prefix, resume, stop: clis.opencode(
            f"http://127.0.0.1:{port}" if resume else fake,
            work,
            prefix=prefix,
            resume=resume,
            stop_when=stop,
            timeout=RESUME_TIMEOUT,
        ),
        "[Tool execution was interrupted]",  # opencode 1.18.33 (--continue): a tool part still running
    ),
]


def sent_turns(upstream: Upstream, api: Api) -> list[dict[str, Any]]:
    """The turns the fake received: HTTP bodies with tools, or WebSocket ``response.create`` messages."""
    return [r.json() for r in turn_requests(upstream.requests, api)] + turn_frames(upstream.requests)


def answered_calls(body: dict[str, Any], api: Api) -> dict[str, str]:
    """Each tool call of a request body -> the text of the result answering it ("" when none)."""
    calls: dict[str, str] = {}
    if api == "messages":
        for message in body["messages"]:
            for block in message["content"] if isinstance(message["content"], list) else []:
                if block["type"] == "tool_use":
                    calls[block["id"]] = ""
                elif block["type"] == "tool_result":
                    content = block["content"]
                    texts = [b["text"] for b in content] if isinstance(content, list) else [content]
                    calls[block["tool_use_id"]] = "".join(texts)
    elif api == "responses":
        for item in body["input"]:
            if item.get("type") == "function_call":
                calls[item["call_id"]] = ""
            elif item.get("type") == "function_call_output":
                calls[item["call_id"]] = item["output"]
    else:
        for message in body["messages"]:
            for call in message.get("tool_calls") or []:
                calls[call["id"]] = ""
            if message["role"] == "tool":
                calls[message["tool_call_id"]] = message["content"]
    return calls


@pytest.mark.parametrize("case", RESUMES, ids=[f"{c.client.name}-{c.client.variant}" for c in RESUMES])
def test_a_resumed_session_interrupted_mid_tool_call_is_sent_well_paired(
    case: Resume, tmp_path: Path
) -> None:
    """The way users get a broken pairing: the session is saved with a tool call still running when
    the client dies, then resumed. Each pinned CLI answers the call itself before sending it, so the
    resumed turn goes through toolguard well paired: validated, nothing flagged, nothing stored."""
    work = tmp_path / "work"
    with Upstream() as fake:
        first = Conversation(case.client.api, SLOW_CALLS[case.client.name]).install(fake)
        since: list[float] = []

        def tool_running() -> bool:  # the fake asked for the slow call: give the client time to start it
            if first.turns and not since:
                since.append(time.monotonic())
            return bool(since) and time.monotonic() - since[0] > 3.0

        killed = case.launch(fake.url, 0, work, [], False, tool_running)
        # Killed while the tool ran: the fake never got the call's result.
        assert (killed.stderr.endswith("[clis.py] stopped (stop_when)"), first.turns) == (
            True,
            [(1, case.client.api)],
        ), killed.output[-3000:]
    with Upstream() as fake:
        Conversation(case.client.api, clis.TOOL_CALLS[case.client.name]).install(fake)
        db, port = work / "run.db", free_port()
        prefix = [
            str(TOOLGUARD),
            "run",
            "--db",
            str(db),
            "--confdir",
            str(work / "conf"),
            "--port",
            str(port),
        ]
        if case.mode == "reverse" and case.upstream:
            prefix += ["--upstream", fake.url]
        elif case.mode == "regular":
            prefix += ["--proxy-mode", "regular"]
        run = case.launch(fake.url, port, work, [*prefix, "--"], True, None)
        assert run.returncode == 0, run.output[-3000:]
        [resumed, *_] = sent_turns(fake, case.client.api)
    # The interrupted call, answered by the client's own synthetic result.
    assert list(answered_calls(resumed, case.client.api).values()) == [case.synthetic]
    assert rows(db, "select id, verdict from flows") == []
    report = run.stderr[run.stderr.index("toolguard: ", run.stderr.index("database ")) :].splitlines()
    assert re.fullmatch(
        r"toolguard: .+ reached the proxy: [1-9]\d* validated, 0 with findings, "
        r"0 rejected by the upstream, 0 without an answer; 0 flows stored\.",
        report[0],
    ), report


def test_report_of_a_client_that_never_reached_the_proxy_says_so(upstream: Upstream, tmp_path: Path) -> None:
    """A Node script calling fetch where undici cannot be imported: fetch ignores HTTPS_PROXY, the
    request goes straight to the provider, and the report says nothing reached the proxy and why."""
    Conversation("chat", clis.TOOL_CALLS["openai-node"]).install(upstream)
    script = (
        f"const r = await fetch('{upstream.url}/v1/chat/completions', {{method: 'POST', "
        "headers: {'content-type': 'application/json'}, body: JSON.stringify({model: 'gpt-4o', "
        "messages: [{role: 'user', content: 'hi'}]})}); console.log(r.status);"
    )
    prefix = [
        str(TOOLGUARD),
        "run",
        "--proxy-mode",
        "regular",
        "--db",
        str(tmp_path / "run.db"),
        "--confdir",
        str(tmp_path / "conf"),
    ]
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run(
        [*prefix, "--", "node", "--input-type=module", "-e", script],
        cwd=home,
        env={"PATH": os.environ["PATH"], "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "200\n"  # it reached the provider, around the proxy
    assert [(r.method, r.path) for r in upstream.requests] == [("POST", "/v1/chat/completions")]
    lines = result.stderr.splitlines()
    assert lines[1].startswith("toolguard: Node's fetch ignores HTTPS_PROXY")  # the preload's own warning
    assert lines[-2:] == [
        "toolguard saw 0 requests: nothing was checked; 0 flows stored.",
        "  likely cause: Node's built-in fetch ignores HTTPS_PROXY; toolguard preloads a module that routes it "
        "through undici's EnvHttpProxyAgent, which needs the undici package where the app can import it "
        "(npm install undici), or use reverse mode (the default); see docs/guide-node.md.",
    ]
