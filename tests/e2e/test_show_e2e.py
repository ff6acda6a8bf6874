"""``toolguard show`` on the real output of a real mitmdump run: an orphan tool message that OpenAI
(the loopback fake, answering OpenAI's real 400 body) rejects, sent by the real openai SDK."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.ports import refused_port
from support.proxy import Mitmdump
from support.upstream import ORPHAN_MESSAGE

TOOLGUARD = Path(sys.executable).parent / "toolguard"

# An agent that lost the assistant turn holding the call: its tool result now answers nothing.
MESSAGES = [
    {"role": "user", "content": "What is in the build log?"},
    {"role": "assistant", "content": "Let me look."},
    {"role": "tool", "tool_call_id": "call_Lost42", "content": "BUILD FAILED: missing semicolon"},
]


def show(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TOOLGUARD), "show", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def stored_orphan(
    mitmdump_reverse: Callable[..., Mitmdump], openai_client: Callable[..., Any]
) -> tuple[Mitmdump, dict[str, Any], str]:
    openai = pytest.importorskip("openai")
    proxy = mitmdump_reverse()
    client = openai_client(proxy)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    output = proxy.stop()
    [flow] = proxy.flows()
    # mitmdump's console said so at once, naming the command that shows the flow.
    assert (
        f"toolguard: predicted: HTTP 400; error sequence.orphan-tool-message at messages[2]; flow {flow['id']} "
        f"(toolguard show --db {proxy.db_path} {flow['id'][:8]})"
    ) in output
    return proxy, flow, client.api_key


@pytest.mark.e2e
def test_show_renders_the_orphan_with_the_broken_pair_called_out(stored_orphan: Any) -> None:
    proxy, flow, api_key = stored_orphan
    result = show(proxy.db_path, flow["id"][:8])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        f"flow {flow['id']}",
        f"  request:    POST {flow['url']}",
        "  provider:   generic, model gpt-4o-mini",
    ]
    assert "  verdict:    predicted: rejected by the upstream, as toolguard predicted" in lines
    assert f"  upstream:   upstream answered 400: {ORPHAN_MESSAGE} (param: messages.[2].role)" in lines
    assert "  root cause: sequence.orphan-tool-message (docs/rules.md#sequenceorphan-tool-message)" in lines
    # The conversation as the content view renders it: the tool message and its missing call.
    header = "  [2] tool  answers 'call_Lost42': NO CALL with this id before it"
    assert header in lines, result.stdout
    block = lines[lines.index(header) :]
    assert block[1:4] == [
        "      BUILD FAILED: missing semicolon",
        "    !! ERROR sequence.orphan-tool-message at messages[2]",
        "       messages[2] (tool, tool_call_id call_Lost42) does not follow an assistant message with tool_calls "
        "(the message before its block is assistant). Drop it, or restore the assistant message that made the "
        "call right before it.",
    ]
    assert "  authorization: [REDACTED]" in lines
    assert api_key not in result.stdout
    # --last finds the same flow; the full id too.
    assert show(proxy.db_path, "--last").stdout == result.stdout == show(proxy.db_path, flow["id"]).stdout


@pytest.mark.e2e
def test_show_markdown_is_a_bug_report_without_secrets(stored_orphan: Any) -> None:
    proxy, flow, api_key = stored_orphan
    result = show(proxy.db_path, "--last", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith(
        f"### The API at 127.0.0.1:{flow['port']} rejects the request: sequence.orphan-tool-message at messages[2]\n"
    )
    # No relative link (it resolves nowhere in another project's tracker): the rule and what it means.
    assert (
        "- **Root cause**: `sequence.orphan-tool-message`: A tool message is not in the contiguous block right "
        "after an assistant message with `tool_calls`.\n"
    ) in text
    assert "](" not in text  # no markdown link at all: toolguard has no published docs URL
    assert "[2] tool  answers 'call_Lost42': NO CALL with this id before it" in text
    assert "authorization: [REDACTED]" in text
    # No secret in any form: not the key, not its tail, not a bearer token.
    assert api_key not in text and api_key[-12:] not in text and "Bearer sk-" not in text


@pytest.mark.e2e
def test_show_json_and_the_request_body_for_replay(stored_orphan: Any) -> None:
    proxy, flow, _ = stored_orphan
    data = json.loads(show(proxy.db_path, flow["id"][:8], "--format", "json").stdout)
    assert (data["flow"]["id"], data["flow"]["verdict"], data["root_cause"]) == (
        flow["id"],
        "predicted",
        "sequence.orphan-tool-message",
    )
    assert data["flow"]["request"]["messages"] == MESSAGES
    assert [(f["rule"], f["severity"], f["location"]) for f in data["findings"]] == [
        ("sequence.orphan-tool-message", "error", "messages[2]")
    ]
    body = show(proxy.db_path, flow["id"][:8], "--request").stdout
    assert json.loads(body) == {"messages": MESSAGES, "model": "gpt-4o-mini"}


@pytest.mark.e2e
def test_show_of_a_refused_upstream_says_no_answer_and_no_replay(
    mitmdump_factory: Callable[..., Mitmdump], tmp_path: Path
) -> None:
    # A new user's trial (session 15): the upstream was down. show said "7 ms until the answer ended"
    # of a flow that got no answer, and ended with "replay: toolguard show <id> --request > body.json",
    # which answers "has no stored request body" (reverse mode connects before reading the request).
    port = refused_port()  # a loopback port nothing listens on (held bound for the test's process)
    proxy = mitmdump_factory(mode=f"reverse:http://127.0.0.1:{port}")
    httpx = pytest.importorskip("httpx")
    with pytest.raises(httpx.HTTPError):
        httpx.post(f"{proxy.url}/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": MESSAGES})
    proxy.stop()
    [flow] = proxy.flows()
    assert (flow["verdict"], flow["status"]) == ("no_answer", None)
    result = show(proxy.db_path, flow["id"][:8])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[4] == f"  when:       {flow['datetime_utc']}, no answer after {flow['duration_ms']} ms"
    assert lines[-1] == f"replay: not possible: flow {flow['id']} has no stored request body"
    refused = show(proxy.db_path, flow["id"][:8], "--request")
    assert (refused.returncode, refused.stderr) == (
        1,
        f"Error: flow {flow['id']} has no stored request body\n",
    )
