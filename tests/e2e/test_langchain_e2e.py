"""End-to-end: LangChain ``ChatOpenAI`` with bound tools through a real mitmdump, the seed's three cases.

The seed is LangChain's INVALID_TOOL_RESULTS page (/work/shared/seeds/001_langchain-INVALID_TOOL_RESULTS.txt):
a model asked to call ``foo_tool`` twice, then (1) only one ToolMessage sent back, (2) a duplicate
extra ToolMessage, (3) a lone ToolMessage with ``tool_call_id="dummy"``. The loopback provider
answers the first turn with the two calls and validates every later turn like OpenAI, with OpenAI's
real 400 bodies. The base URL reaches LangChain through ``OPENAI_API_BASE``, as ``toolguard run`` sets it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support.proxy import Mitmdump
from support.upstream import (
    ORPHAN_MESSAGE,
    UNANSWERED_PREFIX,
    RecordedRequest,
    Reply,
    Upstream,
    completion,
    openai_like,
)

pytestmark = pytest.mark.e2e

langchain_openai = pytest.importorskip("langchain_openai")
from langchain_core.messages import HumanMessage, ToolMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402

CALL_IDS = ("call_dq9O0eGHrryBwDRCnk0deHK4", "call_mjLuNyXNHoUIXHiBtXhaWdxN")  # the seed's ids
FINAL = 'Both calls to the tool "foo" have been completed successfully. The output for each call is "action complete!".'


@tool
def foo_tool() -> str:
    """A dummy tool that returns 'action complete!'"""
    return "action complete!"


def seed_model() -> Callable[[RecordedRequest], Reply]:
    """First turn: the seed's response (two foo_tool calls). Later turns: OpenAI's validation."""
    validate = openai_like()

    def handle(request: RecordedRequest) -> Reply:
        body = request.json()
        if body["messages"][-1].get("role") == "user":
            reply = completion(body["model"], content="")
            reply["choices"][0]["message"] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": call_id, "type": "function", "function": {"name": "foo_tool", "arguments": "{}"}}
                    for call_id in CALL_IDS
                ],
            }
            reply["choices"][0]["finish_reason"] = "tool_calls"
            return Reply.json(200, reply)
        answer = validate(request)
        assert isinstance(answer, Reply)
        if answer.status == 200:
            return Reply.json(200, completion(body["model"], FINAL))
        return answer

    return handle


def test_the_seeds_three_cases(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream.handler = seed_model()
    proxy = mitmdump_reverse()
    monkeypatch.setenv("OPENAI_API_BASE", f"{proxy.url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-toolguard-langchain-e2e")
    model = langchain_openai.ChatOpenAI(model="gpt-4o-mini", max_retries=0, timeout=15)
    model_with_tools = model.bind_tools([foo_tool])
    openai = pytest.importorskip("openai")

    chat_history: list[Any] = [HumanMessage(content='Call tool "foo" twice with no arguments')]
    response_message = model_with_tools.invoke(chat_history)
    assert [c["id"] for c in response_message.tool_calls] == list(CALL_IDS)

    # Case 1: only one ToolMessage for two calls.
    chat_history.append(response_message)
    chat_history.append(foo_tool.invoke(response_message.tool_calls[0]))
    with pytest.raises(openai.BadRequestError) as unanswered:
        model_with_tools.invoke(chat_history)
    assert unanswered.value.body["message"] == UNANSWERED_PREFIX + CALL_IDS[1]

    # The fix from the seed: answer the second call too; the provider accepts it.
    chat_history.append(foo_tool.invoke(response_message.tool_calls[1]))
    assert model_with_tools.invoke(chat_history).content == FINAL

    # Case 2: a duplicate, extra tool response.
    chat_history.append(foo_tool.invoke(response_message.tool_calls[1]))
    with pytest.raises(openai.BadRequestError) as duplicate:
        model_with_tools.invoke(chat_history)
    assert duplicate.value.body["param"] == "messages.[4].role"

    # Case 3: a ToolMessage that answers no call at all.
    with pytest.raises(openai.BadRequestError) as orphan:
        model_with_tools.invoke([ToolMessage(content="action completed!", tool_call_id="dummy")])
    assert orphan.value.body["param"] == "messages.[0].role"

    proxy.stop()
    assert proxy.returncode == 0
    assert len(upstream.requests) == 5
    rows = proxy.flows()
    stored = [
        (
            r["status"],
            r["verdict"],
            r["error_message"],
            r["error_param"],
            r["finding_count"],
            r["client"][:13],
        )
        for r in rows
    ]
    assert stored == [
        (400, "predicted", UNANSWERED_PREFIX + CALL_IDS[1], "messages", 1, "OpenAI/Python"),
        (400, "predicted", ORPHAN_MESSAGE, "messages.[4].role", 1, "OpenAI/Python"),
        (400, "predicted", ORPHAN_MESSAGE, "messages.[0].role", 1, "OpenAI/Python"),
    ]
    findings = [(f["rule"], f["severity"], f["location"]) for r in rows for f in proxy.findings(r["id"])]
    assert findings == [
        ("sequence.unanswered-tool-call", "error", "messages[1].tool_calls[1].id"),
        ("sequence.duplicate-tool-response", "error", "messages[4].tool_call_id"),
        ("sequence.orphan-tool-message", "error", "messages[0]"),
    ]
