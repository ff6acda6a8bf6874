"""The Responses API's WebSocket mode, judged message by message with the connection's history.

Driven by the three ``response.create`` messages Codex 0.171.0 really sent on one connection
(tests/data/requests/codex-0.171.0-responses-ws-frames.json: prewarm, turn 1, incremental turn 2) and
the server's events as :mod:`support.scripted` plays them (the Responses API's event sequence).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.scripted import response_events, unanswered_ws_error

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import Target
from toolguard_core.wsresponses import ResponsesSocket, Turn, rebase

FRAMES = json.loads(
    (Path(__file__).parent / "data" / "requests" / "codex-0.171.0-responses-ws-frames.json").read_text()
)
URL = "https://api.openai.com/v1/responses"
CALL = {
    "type": "function_call",
    "id": "fc_tg0002",
    "call_id": "call_tg0002resp",
    "name": "exec_command",
    "arguments": '{"cmd":"echo hi"}',
    "status": "completed",
}
ANSWER = {
    "type": "message",
    "id": "msg_tg0003",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": "The tool said hi.", "annotations": []}],
}


def socket() -> ResponsesSocket:
    return ResponsesSocket(URL, Target.from_url(URL, DEFAULT_REGISTRY))


def send(conn: ResponsesSocket, message: dict[str, Any]) -> Turn:
    turn = conn.client_message(json.dumps(message), 1.0)
    assert turn is not None
    return turn


def answer(conn: ResponsesSocket, response_id: str, item: dict[str, Any] | None) -> Turn:
    finished = [conn.server_message(json.dumps(e), 2.0) for e in response_events(response_id, "gpt-5", item)]
    assert finished[:-1] == [None] * (len(finished) - 1)
    assert finished[-1] is not None
    return finished[-1]


def findings(turn: Turn) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.location) for f in turn.analysis.findings]


def play_turn_1(conn: ResponsesSocket) -> None:
    prewarm, turn_1, _ = FRAMES
    assert findings(send(conn, prewarm)) == []
    answer(conn, "resp_tg0001", None)
    assert findings(send(conn, turn_1)) == []
    answer(conn, "resp_tg0002", CALL)


def test_codex_clean_conversation_has_no_findings_and_turn_2_is_judged_with_its_history() -> None:
    conn = socket()
    play_turn_1(conn)
    turn_2 = send(conn, FRAMES[2])
    # The incremental turn (only the function_call_output) answers the call the server returned:
    # judged alone it would look orphaned; with the connection's history it is a clean pairing.
    assert (findings(turn_2), turn_2.previous_response_id, turn_2.history_items) == ([], "resp_tg0002", 5)
    done = answer(conn, "resp_tg0003", ANSWER)
    assert (done is turn_2, done.completed, done.status, done.rejected, done.response_id) == (
        True,
        True,
        200,
        False,
        "resp_tg0003",
    )
    assert done.context() == {
        "message": 3,
        "previous_response_id": "resp_tg0002",
        "history_items": 5,
        "response_id": "resp_tg0003",
    }


def test_turn_that_drops_the_output_is_predicted_and_the_error_message_is_parsed() -> None:
    conn = socket()
    play_turn_1(conn)
    broken = {**FRAMES[2], "input": [{"role": "user", "content": "And now?"}]}
    turn = send(conn, broken)
    assert findings(turn) == [("responses.unanswered-function-call", "error", "history[4].call_id")]
    assert turn.analysis.findings[0].message.startswith("history[4] calls call_tg0002resp but no")
    error = unanswered_ws_error("call_tg0002resp")
    done = conn.server_message(json.dumps(error), 3.0)
    assert done is turn
    assert (done.rejected, done.status, done.error.message if done.error else None, done.ended) == (
        True,
        400,
        "No tool output found for function call call_tg0002resp.",
        3.0,
    )
    assert conn.in_flight == []


def test_unknown_previous_response_is_judged_as_stateful() -> None:
    # A connection toolguard joined late (or a response it forgot): the call may be stored server-side.
    turn = send(socket(), FRAMES[2])
    assert (findings(turn), turn.history_items) == ([], 0)


def test_an_earlier_turns_finding_is_not_reported_again() -> None:
    conn = socket()
    bad_id = {"type": "message", "role": "user", "id": "0c6a1b52", "content": "hi"}
    first = send(conn, {"type": "response.create", "model": "gpt-5", "input": [bad_id]})
    assert findings(first) == [("responses.item-id-prefix", "error", "input[0].id")]
    answer(conn, "resp_a", ANSWER)
    second = send(
        conn,
        {
            "type": "response.create",
            "model": "gpt-5",
            "previous_response_id": "resp_a",
            "input": [{"role": "user", "content": "more"}],
        },
    )
    assert findings(second) == []


def test_other_messages_and_a_closed_connection() -> None:
    conn = socket()
    assert conn.client_message('{"type": "session.update"}', 1.0) is None
    assert conn.server_message('{"type": "response.created"}', 1.0) is None  # nothing in flight
    turn = send(conn, FRAMES[1])
    assert conn.server_message("garbage", 1.5) is None
    assert conn.close() == [turn]
    assert not turn.finished


def test_a_message_that_is_not_json_gets_the_http_bodys_finding_and_waits_for_no_answer() -> None:
    """As an HTTP body that is not JSON (rules/body.py): body.not-json, where it was only counted.
    It never waits for an answer: the server's reply to it could not be told from the next turn's."""
    conn = socket()
    bad = conn.client_message('{"type": "response.create", "model": "gpt-5",}', 1.0)
    assert bad is not None
    assert (findings(bad), bad.index, bad.answerable, bad.analysis.body, conn.in_flight) == (
        [("body.not-json", Severity.ERROR, "body")],
        1,
        False,
        None,
        [],
    )
    # The next turn is numbered after it and is the one the server's events finish.
    turn = send(conn, FRAMES[1])
    assert (turn.index, conn.in_flight) == (2, [turn])
    assert answer(conn, "resp_tg0002", CALL) is turn


def test_rebase_tells_locations_against_the_message_sent() -> None:
    found = [
        Finding(
            rule="r", severity=Severity.ERROR, location="input[6].call_id", message="input[6] and input[2]"
        ),
        Finding(rule="r", severity=Severity.ERROR, location="input[1].id", message="input[1]"),
    ]
    assert [(f.location, f.message) for f in rebase(found, 5, frozenset())] == [
        ("input[1].call_id", "input[1] and history[2]"),
        ("history[1].id", "history[1]"),
    ]
    assert rebase(found, 5, frozenset({("r", "input[1].id")})) == rebase(found[:1], 5, frozenset())
