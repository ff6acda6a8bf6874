"""The scripted fake provider (tests/support/scripted.py) judges tool pairing like the real providers.

Table-driven over the real request bodies captured from each client (tests/data/requests/*-turn*.json):
every captured turn is accepted, and the same body with its tool result (or its tool call) removed
gets the provider's real 400 body, whole. The WebSocket replay feeds Codex's captured messages, in
order, to a fresh fake (whose response ids are the ones Codex chained with previous_response_id).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from support.scripted import (
    ANTHROPIC_DUPLICATE_ID,
    ANTHROPIC_ID_PATTERN,
    ANTHROPIC_ORPHAN,
    ANTHROPIC_UNANSWERED,
    RESPONSES_ID_PREFIX,
    RESPONSES_ORPHAN,
    RESPONSES_UNANSWERED,
    Conversation,
    ToolCall,
    anthropic_error,
)
from support.upstream import RecordedRequest, Reply, unanswered_error

from toolguard_core.analyze import analyse_request

REQUESTS = Path(__file__).parent / "data" / "requests"
HTTP_TURNS = sorted(p for p in REQUESTS.glob("*-turn[12].json") if "-responses-ws-" not in p.name)
TURN2 = [p for p in HTTP_TURNS if p.name.endswith("-turn2.json")]
PATHS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}


def post(conversation: Conversation, api: str, body: dict[str, Any]) -> Reply:
    request = RecordedRequest("POST", PATHS[api], "", [], json.dumps(body).encode(), 0.0)
    reply = conversation.handle(request)
    assert isinstance(reply, Reply) or reply.status == 200
    return reply if isinstance(reply, Reply) else Reply(200, b"streamed")


def capture(path: Path) -> tuple[str, dict[str, Any]]:
    data = json.loads(path.read_text())
    return data["api"], data["body"]


@pytest.mark.parametrize("path", HTTP_TURNS, ids=lambda p: p.stem)
def test_every_captured_turn_is_accepted(path: Path) -> None:
    api, body = capture(path)
    reply = post(Conversation(api, ToolCall("echo", {})), api, body)
    assert reply.status == 200, reply.body


def tool_use_index(messages: list[dict[str, Any]]) -> int:
    """The index of the (only) assistant message with a tool_use block."""
    [index] = [
        i
        for i, m in enumerate(messages)
        if isinstance(m["content"], list) and any(b.get("type") == "tool_use" for b in m["content"])
    ]
    return index


def openai_body(message: str) -> dict[str, Any]:
    return {"error": {"type": "invalid_request_error", "code": None, "message": message, "param": "input"}}


@pytest.mark.parametrize("path", TURN2, ids=lambda p: p.stem)
def test_a_dropped_tool_result_gets_the_providers_400(path: Path) -> None:
    api, body = capture(path)
    broken = copy.deepcopy(body)
    if api == "chat":
        index = next(i for i, m in enumerate(broken["messages"]) if m["role"] == "tool")
        call_id = broken["messages"].pop(index)["tool_call_id"]
        expected = json.loads(unanswered_error([call_id]))
    elif api == "responses":
        index = next(i for i, m in enumerate(broken["input"]) if m.get("type") == "function_call_output")
        call_id = broken["input"].pop(index)["call_id"]
        expected = openai_body(RESPONSES_UNANSWERED.format(call_id=call_id))
    else:
        index = tool_use_index(broken["messages"])
        [use] = [b for b in broken["messages"][index]["content"] if b.get("type") == "tool_use"]
        del broken["messages"][index + 1]
        expected = anthropic_error(
            "invalid_request_error", ANTHROPIC_UNANSWERED.format(index=index, ids=use["id"])
        )
    reply = post(Conversation(api, ToolCall("echo", {})), api, broken)
    assert (reply.status, json.loads(reply.body)) == (400, expected)


@pytest.mark.parametrize("path", [p for p in TURN2 if "-chat-" not in p.name], ids=lambda p: p.stem)
def test_a_tool_result_without_its_call_gets_the_providers_400(path: Path) -> None:
    api, body = capture(path)
    broken = copy.deepcopy(body)
    if api == "responses":
        [call] = [i for i in broken["input"] if i.get("type") == "function_call"]
        broken["input"].remove(call)
        expected = openai_body(RESPONSES_ORPHAN.format(call_id=call["call_id"]))
    else:
        index = tool_use_index(broken["messages"])
        del broken["messages"][index]
        [(block, result)] = [
            (n, b)
            for n, b in enumerate(broken["messages"][index]["content"])
            if b.get("type") == "tool_result"
        ]
        message = ANTHROPIC_ORPHAN.format(index=index, block=block, id=result["tool_use_id"])
        expected = anthropic_error("invalid_request_error", message)
    reply = post(Conversation(api, ToolCall("echo", {})), api, broken)
    assert (reply.status, json.loads(reply.body)) == (400, expected)


MESSAGES_TURN2 = [p for p in TURN2 if "-messages-" in p.name]


@pytest.mark.parametrize("path", MESSAGES_TURN2, ids=lambda p: p.stem)
@pytest.mark.parametrize(
    ("case", "rule"),
    [("foreign-id", "anthropic.invalid-tool-use-id"), ("repeated-id", "anthropic.duplicate-tool-use-id")],
)
def test_a_tool_use_id_anthropic_refuses_gets_its_400_and_the_rule_names_the_same_block(
    path: Path, case: str, rule: str
) -> None:
    """A client replaying a tool_use id a gateway's backend minted (Kimi's ``functions.Bash:0``) or
    repeated on a later turn: the fake answers Anthropic's real 400 for the block, and toolguard's rule
    (on the generic profile of a loopback host) reports the same block as an error."""
    _, body = capture(path)
    broken = copy.deepcopy(body)
    index = tool_use_index(broken["messages"])
    [(block, use)] = [
        (n, b) for n, b in enumerate(broken["messages"][index]["content"]) if b["type"] == "tool_use"
    ]
    [result] = [b for b in broken["messages"][index + 1]["content"] if b.get("type") == "tool_result"]
    if case == "foreign-id":
        use["id"] = result["tool_use_id"] = "functions.Bash:0"
        expected, at = ANTHROPIC_ID_PATTERN.format(index=index, block=block), (index, block)
    else:
        # The same call and result again as the next turn, same id (a backend numbering per turn).
        repeat = [copy.deepcopy(broken["messages"][index]), copy.deepcopy(broken["messages"][index + 1])]
        broken["messages"][index + 2 : index + 2] = repeat
        expected, at = ANTHROPIC_DUPLICATE_ID.format(index=index + 2, block=block), (index + 2, block)
    reply = post(Conversation("messages", ToolCall("echo", {})), "messages", broken)
    assert (reply.status, json.loads(reply.body)) == (400, anthropic_error("invalid_request_error", expected))
    analysis = analyse_request(json.dumps(broken).encode(), "http://127.0.0.1:8765/v1/messages?beta=true")
    errors = [(f.rule, f.location) for f in analysis.findings if str(f.severity) == "error"]
    assert (analysis.target.provider.id, errors) == (
        "generic",
        [(rule, f"messages[{at[0]}].content[{at[1]}].id")],
    )


RESPONSES_TURN2 = [p for p in TURN2 if "-responses-" in p.name]


@pytest.mark.parametrize("path", RESPONSES_TURN2, ids=lambda p: p.stem)
def test_a_replayed_item_id_without_its_prefix_gets_openais_400_and_the_rule_names_the_same_item(
    path: Path,
) -> None:
    """A client replaying a function_call whose id a relay minted (``item_…``, CodexPlusPlus#1796): the
    fake answers OpenAI's real invalid_id_prefix 400, and toolguard's rule (on the generic profile of a
    loopback host) reports the same item as an error."""
    _, body = capture(path)
    broken = copy.deepcopy(body)
    [(index, call)] = [(n, i) for n, i in enumerate(broken["input"]) if i.get("type") == "function_call"]
    call["id"] = "item_c270d5511c7129adc7475632"
    message = RESPONSES_ID_PREFIX.format(index=index, id=call["id"], prefix="fc")
    expected = {
        "error": {
            "type": "invalid_request_error",
            "code": "invalid_id_prefix",
            "message": message,
            "param": f"input[{index}].id",
        }
    }
    reply = post(Conversation("responses", ToolCall("echo", {})), "responses", broken)
    assert (reply.status, json.loads(reply.body)) == (400, expected)
    analysis = analyse_request(json.dumps(broken).encode(), "http://127.0.0.1:8765/v1/responses")
    errors = [(f.rule, f.location) for f in analysis.findings if str(f.severity) == "error"]
    assert (analysis.target.provider.id, errors) == (
        "generic",
        [("responses.item-id-prefix", f"input[{index}].id")],
    )


def codex_frames() -> list[str]:
    [path] = REQUESTS.glob("codex-*-responses-ws-frames.json")
    return [json.dumps(frame) for frame in json.loads(path.read_text())]


def event_types(replies: list[str]) -> list[str]:
    return [json.loads(r)["type"] for r in replies]


def test_codex_websocket_messages_replay_against_a_fresh_fake() -> None:
    prewarm, turn1, turn2 = codex_frames()
    conversation = Conversation("responses", ToolCall("exec_command", {"cmd": "echo hi"}))
    request = RecordedRequest("GET", "/v1/responses", "", [], b"", 0.0)
    assert event_types(conversation.websocket_message(request, prewarm)) == [
        "response.created",
        "response.in_progress",
        "response.completed",
    ]
    call = conversation.websocket_message(request, turn1)
    assert event_types(call)[2:6] == [
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
    ]
    assert (
        json.loads(call[-1])["response"]["output"][0]["call_id"] == json.loads(turn2)["input"][0]["call_id"]
    )
    answer = conversation.websocket_message(request, turn2)
    assert json.loads(answer[-1])["response"]["output"][0]["content"][0]["text"] == conversation.final_text
    assert conversation.turns == [(1, "responses"), (2, "responses")]


def test_codex_websocket_turn_without_its_output_or_with_an_unknown_previous_response() -> None:
    prewarm, turn1, turn2 = codex_frames()
    request = RecordedRequest("GET", "/v1/responses", "", [], b"", 0.0)
    conversation = Conversation("responses", ToolCall("exec_command", {"cmd": "echo hi"}))
    for frame in (prewarm, turn1):
        conversation.websocket_message(request, frame)
    broken = json.loads(turn2)
    call_id = broken["input"].pop()["call_id"]
    broken["input"] = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go on"}]}
    ]
    [error] = conversation.websocket_message(request, json.dumps(broken))
    assert json.loads(error) == {
        "type": "error",
        "status": 400,
        **openai_body(RESPONSES_UNANSWERED.format(call_id=call_id)),
    }

    fresh = Conversation("responses", ToolCall("exec_command", {"cmd": "echo hi"}))
    [error] = fresh.websocket_message(request, turn2)
    previous = json.loads(turn2)["previous_response_id"]
    assert json.loads(error) == {
        "type": "error",
        "status": 400,
        "error": {
            "type": "invalid_request_error",
            "code": "previous_response_not_found",
            "message": f"Previous response with id '{previous}' not found.",
            "param": "previous_response_id",
        },
    }
