"""The addon's WebSocket hooks on real mitmproxy flows: Codex's captured messages on a Responses
WebSocket, judged off the event loop, frames untouched, rejected turns stored like HTTP flows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlite_utils
from mitmproxy import http
from mitmproxy.test import taddons, tflow
from mitmproxy.websocket import WebSocketMessage
from support.scripted import RESPONSES_UNANSWERED, response_events
from wsproto.frame_protocol import Opcode

from toolguard_core.addon import ToolGuard

CAPTURE = json.loads(
    (Path(__file__).parent / "data" / "requests" / "codex-0.171.0-responses-ws-turn2.json").read_text()
)
FRAMES = json.loads(
    (Path(__file__).parent / "data" / "requests" / "codex-0.171.0-responses-ws-frames.json").read_text()
)
CALL = {
    "type": "function_call",
    "id": "fc_tg0002",
    "call_id": "call_tg0002resp",
    "name": "exec_command",
    "arguments": '{"cmd":"echo hi"}',
}
KEY = "sk-toolguard-unit-not-a-key"


def socket_flow(path: str = "/v1/responses") -> http.HTTPFlow:
    flow = tflow.twebsocketflow()
    assert flow.websocket is not None
    flow.websocket.messages = []  # tflow's sample messages are not part of this connection
    flow.request.host, flow.request.port, flow.request.scheme = "api.openai.com", 443, "https"
    flow.request.path = path
    flow.request.headers["user-agent"] = CAPTURE["headers"]["user-agent"]
    flow.request.headers["authorization"] = f"Bearer {KEY}"
    return flow


def play(addon: ToolGuard, flow: http.HTTPFlow, from_client: bool, message: dict[str, Any]) -> bytes:
    assert flow.websocket is not None
    content = json.dumps(message).encode()
    flow.websocket.messages.append(WebSocketMessage(Opcode.TEXT, from_client, content, 1_796_000_000.0))
    addon.websocket_message(flow)
    return content


def run_connection(
    tmp_path: Path, turn_2: dict[str, Any], answer_2: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    db_path = tmp_path / "toolguard.db"
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        flow = socket_flow()
        addon.websocket_start(flow)
        sent = [play(addon, flow, True, FRAMES[0])]
        for event in response_events("resp_tg0001", "gpt-5", None):
            play(addon, flow, False, event)
        sent.append(play(addon, flow, True, FRAMES[1]))
        for event in response_events("resp_tg0002", "gpt-5", CALL):
            play(addon, flow, False, event)
        sent.append(play(addon, flow, True, turn_2))
        for event in answer_2:
            play(addon, flow, False, event)
        addon.websocket_end(flow)
        # The hooks never touch a frame: what crossed the proxy is byte for byte what was sent.
        assert flow.websocket is not None
        assert [m.content for m in flow.websocket.messages if m.from_client] == sent
        assert not any(m.dropped for m in flow.websocket.messages)
        addon.done()
        stats = addon.all_stats()
    assert (stats["validated"], stats["websocket_messages"]) == (3, 3)
    return list(sqlite_utils.Database(db_path)["flows"].rows) if db_path.exists() else []


def test_clean_codex_connection_stores_nothing(tmp_path: Path) -> None:
    answer = {
        "type": "message",
        "id": "msg_tg0003",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "hi"}],
    }
    assert run_connection(tmp_path, FRAMES[2], response_events("resp_tg0003", "gpt-5", answer)) == []


def test_rejected_turn_is_a_row_like_an_http_flow(tmp_path: Path) -> None:
    dropped_output = {**FRAMES[2], "input": [{"role": "user", "content": "And now?"}]}
    error = {
        "type": "error",
        "status": 400,
        "error": {
            "type": "invalid_request_error",
            "code": None,
            "message": RESPONSES_UNANSWERED.format(call_id="call_tg0002resp"),
            "param": "input",
        },
    }
    [row] = run_connection(tmp_path, dropped_output, [error])
    connection = row["id"].removesuffix("-ws3")
    assert {
        k: row[k]
        for k in (
            "method",
            "host",
            "path",
            "status",
            "verdict",
            "error_message",
            "error_param",
            "model",
            "client",
            "finding_count",
            "error_finding_count",
        )
    } == {
        "method": "WS",
        "host": "api.openai.com",
        "path": "/v1/responses",
        "status": 400,
        "verdict": "predicted",
        "error_message": "No tool output found for function call call_tg0002resp.",
        "error_param": "input",
        "model": "gpt-5",
        "client": CAPTURE["headers"]["user-agent"],
        "finding_count": 1,
        "error_finding_count": 1,
    }
    assert json.loads(row["websocket_json"]) == {
        "connection": connection,
        "message": 3,
        "previous_response_id": "resp_tg0002",
        "history_items": 5,
        "response_id": None,
    }
    assert json.loads(row["request_json"]) == dropped_output
    assert KEY not in row["request_headers_json"]


def test_other_paths_are_not_followed(tmp_path: Path) -> None:
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(tmp_path / "toolguard.db"))
        flow = socket_flow("/v1/realtime")
        addon.websocket_start(flow)
        play(addon, flow, True, FRAMES[1])
        addon.websocket_end(flow)
        addon.done()
        assert addon.all_stats().get("validated", 0) == 0
