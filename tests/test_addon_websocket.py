"""The addon's WebSocket hooks on real mitmproxy flows: Codex's captured messages on a Responses
WebSocket, judged off the event loop, frames untouched, rejected turns stored like HTTP flows."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from mitmproxy import command, http
from mitmproxy.flow import Flow
from mitmproxy.test import taddons, tflow
from mitmproxy.websocket import WebSocketMessage
from support.answers import OPENAI_429
from support.dblock import database_locked
from support.scripted import (
    RESPONSES_TEXT_ITEM,
    RESPONSES_UNANSWERED,
    refused_cache_key,
    response_events,
    unanswered_ws_error,
)
from wsproto.frame_protocol import Opcode

from tests.test_verdict_from_writer import until
from toolguard_core import addon as addon_module
from toolguard_core.addon import ToolGuard
from toolguard_core.learned_store import import_learned
from toolguard_core.repair import SYNTHETIC_RESULT
from toolguard_core.store import open_db

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


def append_message(flow: http.HTTPFlow, from_client: bool, message: dict[str, Any]) -> bytes:
    """A text frame arriving on the connection, as mitmproxy appends it before calling the hook."""
    assert flow.websocket is not None
    content = json.dumps(message).encode()
    flow.websocket.messages.append(WebSocketMessage(Opcode.TEXT, from_client, content, 1_796_000_000.0))
    return content


def play(addon: ToolGuard, flow: http.HTTPFlow, from_client: bool, message: dict[str, Any]) -> bytes:
    content = append_message(flow, from_client, message)
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
    # Messages are counted apart from HTTP requests: `validated` never exceeds `requests_seen`;
    # the run row adds both up.
    [run] = sqlite_utils.Database(db_path)["runs"].rows
    assert {k: stats.get(k, 0) for k in ("requests_seen", "validated", "websocket_messages")} | {
        k: stats.get(k, 0) for k in ("websocket_messages_validated", "websocket_messages_rejected")
    } == {
        "requests_seen": 0,
        "validated": 0,
        "websocket_messages": 3,
        "websocket_messages_validated": 3,
        "websocket_messages_rejected": int(any(e.get("type") == "error" for e in answer_2)),
    }
    assert (run["requests_seen"], run["websocket_messages"], run["validated"], run["rejected"]) == (
        0,
        3,
        3,
        stats.get("websocket_messages_rejected", 0),
    )
    return list(sqlite_utils.Database(db_path)["flows"].rows) if db_path.exists() else []


def test_clean_codex_connection_stores_nothing(tmp_path: Path) -> None:
    assert (
        run_connection(tmp_path, FRAMES[2], response_events("resp_tg0003", "gpt-5", RESPONSES_TEXT_ITEM))
        == []
    )


def test_rejected_turn_is_a_row_like_an_http_flow(tmp_path: Path) -> None:
    dropped_output = {**FRAMES[2], "input": [{"role": "user", "content": "And now?"}]}
    error = unanswered_ws_error("call_tg0002resp")
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


# -- block and repair modes ---------------------------------------------------------------------


class InjectRecorder:
    """Stands in for mitmproxy's proxyserver addon, which owns ``inject.websocket`` and needs a live
    connection: records what block mode injects. The e2e test (tests/e2e/test_modes_e2e.py) checks
    that a real client receives it through a real mitmdump."""

    def __init__(self) -> None:
        self.injected: list[tuple[bool, bytes]] = []

    @command.command("inject.websocket")
    def inject_websocket(self, flow: Flow, to_client: bool, message: bytes, is_text: bool = True) -> None:
        self.injected.append((to_client, message))


DROPPED_OUTPUT = {**FRAMES[2], "input": [{"role": "user", "content": "And now?"}]}


async def act_on_connection(
    tmp_path: Path,
    mode: str,
    turn_2: dict[str, Any],
    answer_2: list[dict[str, Any]],
    after_turn_2: Callable[[], None] = lambda: None,
) -> tuple[http.HTTPFlow, list[tuple[bool, bytes]], list[dict[str, Any]], dict[str, Any], dict[str, int]]:
    """Codex's connection in ``mode``: the hooks' awaitables awaited as mitmproxy awaits them.
    Returns the flow, what was injected, the rows, the repairs rows and the counters."""
    db_path = tmp_path / "toolguard.db"
    addon, recorder = ToolGuard(), InjectRecorder()
    with taddons.context(addon, recorder) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path), toolguard_mode=mode)
        flow = socket_flow()
        addon.websocket_start(flow)

        async def send(from_client: bool, message: dict[str, Any]) -> None:
            append_message(flow, from_client, message)
            acting = addon.websocket_message(flow)
            assert (acting is not None) == from_client  # only client messages wait for a verdict
            if acting is not None:
                await acting

        await send(True, FRAMES[0])
        for event in response_events("resp_tg0001", "gpt-5", None):
            await send(False, event)
        await send(True, FRAMES[1])
        for event in response_events("resp_tg0002", "gpt-5", CALL):
            await send(False, event)
        await send(True, turn_2)
        after_turn_2()
        for event in answer_2:
            await send(False, event)
        addon.websocket_end(flow)
        addon.done()
        stats = addon.all_stats()
    db = sqlite_utils.Database(db_path)
    rows = list(db["flows"].rows)
    repairs = list(db["repairs"].rows) if db["repairs"].exists() else []
    return flow, recorder.injected, rows, {"repairs": repairs}, stats


def test_block_mode_answers_the_client_on_the_socket_and_forwards_nothing(tmp_path: Path) -> None:
    flow, injected, [row], _, stats = asyncio.run(act_on_connection(tmp_path, "block", DROPPED_OUTPUT, []))
    assert flow.websocket is not None
    sent = [m for m in flow.websocket.messages if m.from_client]
    assert [m.dropped for m in sent] == [False, False, True]  # the broken turn never reached the server
    [(to_client, text)] = injected
    event = json.loads(text)
    # OpenAI's own WebSocket error event, with the wording the rule quotes (modes.blocked_answer).
    assert (to_client, event["type"], event["status"], event["error"]) == (
        True,
        "error",
        400,
        {
            "message": RESPONSES_UNANSWERED.format(call_id="call_XXX"),
            "type": "invalid_request_error",
            "param": "input",
            "code": None,
        },
    )
    assert event["toolguard"]["findings"][0]["rule"] == "responses.unanswered-function-call"
    assert {
        k: row[k]
        for k in ("method", "status", "verdict", "error_finding_count", "request_json", "response_body")
    } == {
        "method": "WS",
        "status": 400,
        "verdict": "blocked",
        "error_finding_count": 1,
        "request_json": json.dumps(DROPPED_OUTPUT),
        "response_body": text.decode(),
    }
    assert (stats["websocket_messages_blocked"], stats.get("websocket_messages_rejected", 0)) == (1, 0)
    assert (stats["websocket_messages_validated"], stats.get("blocked", 0), stats.get("validated", 0)) == (
        3,
        0,
        0,
    )


def test_repair_mode_sends_the_repaired_message_and_records_the_repair(tmp_path: Path) -> None:
    flow, injected, [row], extra, stats = asyncio.run(
        act_on_connection(
            tmp_path, "repair", DROPPED_OUTPUT, response_events("resp_tg0003", "gpt-5", RESPONSES_TEXT_ITEM)
        )
    )
    assert flow.websocket is not None
    sent = [m for m in flow.websocket.messages if m.from_client]
    assert injected == [] and not any(m.dropped for m in sent)
    repaired = json.loads(sent[2].content)
    synthetic = {
        "type": "function_call_output",
        "call_id": "call_tg0002resp",
        "output": SYNTHETIC_RESULT.format(call_id="call_tg0002resp", name="exec_command"),
    }
    # The history stays upstream (previous_response_id); the synthetic output goes first in the new items.
    assert repaired == {
        "type": "response.create",
        "previous_response_id": "resp_tg0002",
        **{k: v for k, v in DROPPED_OUTPUT.items() if k not in ("type", "previous_response_id", "input")},
        "input": [synthetic, *DROPPED_OUTPUT["input"]],
    }
    assert (row["verdict"], row["status"], row["request_json"]) == (
        "repaired",
        200,
        json.dumps(DROPPED_OUTPUT),
    )
    [repair] = extra["repairs"]
    assert (repair["flow_id"], repair["rule"], repair["location"]) == (
        row["id"],
        "responses.unanswered-function-call",
        "input[4].call_id",  # in the body the server judged: the 5 items of history, then the new ones
    )
    assert (stats["websocket_messages_repaired"], stats.get("repaired", 0)) == (1, 0)


# -- large messages in the validation worker --------------------------------------------------------


async def offloaded_connection(
    tmp_path: Path, max_pending: int
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Codex's connection with toolguard_offload=16k (each of its messages is 20-38 KB), through the
    real worker process (offload.py), the event loop running as in mitmdump."""
    db_path = tmp_path / "toolguard.db"
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path), toolguard_offload="16k")
        addon.running()
        for _ in range(200):  # the worker starts in the background (about a second)
            if addon.validator._proc is not None:
                break
            await asyncio.sleep(0.05)
        assert addon.validator._proc is not None
        addon.validator.max_pending = max_pending
        flow = socket_flow()
        addon.websocket_start(flow)

        async def send(from_client: bool, message: dict[str, Any]) -> None:
            append_message(flow, from_client, message)
            assert addon.websocket_message(flow) is None  # observe mode: nothing waits
            if from_client:  # the socket thread hands the body to the loop: let it run
                judged = addon.all_stats().get("websocket_messages", 0) + 1
                for _ in range(400):
                    stats = addon.all_stats()
                    if (
                        stats.get("websocket_messages_validated", 0)
                        + stats.get("websocket_messages_not_validated_busy", 0)
                        >= judged
                    ):
                        break
                    await asyncio.sleep(0.01)

        await send(True, FRAMES[0])
        for event in response_events("resp_tg0001", "gpt-5", None):
            await send(False, event)
        await send(True, FRAMES[1])
        for event in response_events("resp_tg0002", "gpt-5", CALL):
            await send(False, event)
        await send(True, DROPPED_OUTPUT)
        error = unanswered_ws_error("call_tg0002resp")
        await send(False, error)
        addon.websocket_end(flow)
        addon.done()
        stats = addon.all_stats()
    return list(sqlite_utils.Database(db_path)["flows"].rows), stats


def test_large_messages_are_validated_in_the_worker_process(tmp_path: Path) -> None:
    [row], stats = asyncio.run(offloaded_connection(tmp_path, max_pending=32))
    assert (
        stats["websocket_messages_validated_in_worker"],
        stats["websocket_messages_validated"],
        stats.get("websocket_messages_not_validated_busy", 0),
    ) == (3, 3, 0)
    # The worker judged history + new items, as the in-place path does.
    assert (row["verdict"], row["error_finding_count"], row["error_message"]) == (
        "predicted",
        1,
        RESPONSES_UNANSWERED.format(call_id="call_tg0002resp"),
    )


def test_a_busy_worker_sheds_messages_with_a_count_and_a_finding(tmp_path: Path) -> None:
    rows, stats = asyncio.run(offloaded_connection(tmp_path, max_pending=0))
    assert (
        stats.get("websocket_messages_validated_in_worker", 0),
        stats.get("websocket_messages_validated", 0),
        stats["websocket_messages_not_validated_busy"],
    ) == (
        0,
        0,
        3,
    )
    # Never a silent pass: each message is kept with the note that it was not validated (as an HTTP
    # body the worker could not take), and the rejected one with the upstream's answer.
    assert [
        (json.loads(r["websocket_json"])["message"], r["verdict"], r["status"], r["finding_count"])
        for r in rows
    ] == [(1, "accepted", 200, 1), (2, "accepted", 200, 1), (3, "recognised", 400, 1)]
    findings = sqlite_utils.Database(tmp_path / "toolguard.db")["findings"].rows
    assert {(f["rule"], f["severity"], f["location"]) for f in findings} == {
        ("body.not-validated", "info", "body")
    }


def test_a_verdict_too_late_lets_the_message_pass_and_it_is_judged_as_in_observe_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Block mode holds a message at most SOCKET_ACT_TIMEOUT: here the socket thread is held back
    until the hook gave up, so the broken turn goes on as sent, counted, and is then stored as the
    server's rejection (predicted), not as blocked."""
    monkeypatch.setattr(addon_module, "SOCKET_ACT_TIMEOUT", 0.2)
    released = threading.Event()
    judge = addon_module.SocketWorker._analyse

    def late(self: Any, connection: Any, prepared: Any, acting: bool) -> Any:
        if prepared.index == 3:
            released.wait(10)
        return judge(self, connection, prepared, acting)

    monkeypatch.setattr(addon_module.SocketWorker, "_analyse", late)
    error = unanswered_ws_error("call_tg0002resp")

    async def run() -> Any:
        return await act_on_connection(tmp_path, "block", DROPPED_OUTPUT, [error], after_turn_2=released.set)

    flow, injected, [row], _, stats = asyncio.run(run())
    assert flow.websocket is not None
    assert injected == [] and not any(m.dropped for m in flow.websocket.messages)
    assert (
        row["verdict"],
        row["status"],
        stats["websocket_not_acted"],
        stats.get("websocket_messages_blocked", 0),
    ) == (
        "predicted",
        400,
        1,
        0,
    )


def test_a_message_over_toolguard_max_body_is_not_counted_as_validated(tmp_path: Path) -> None:
    """As for HTTP bodies (test_addon.py): a response.create message passed through beyond
    toolguard_max_body is counted as not_validated_body, not as validated or with findings."""
    db_path = tmp_path / "toolguard.db"
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path), toolguard_max_body="1k")
        flow = socket_flow()
        addon.websocket_start(flow)
        play(addon, flow, True, {**FRAMES[0], "instructions": "x" * 2000})
        addon.websocket_end(flow)
        addon.done()
        stats = addon.all_stats()
    [run] = sqlite_utils.Database(db_path)["runs"].rows
    assert (
        stats["websocket_messages"],
        stats.get("websocket_messages_validated", 0),
        stats["websocket_messages_not_validated_body"],
    ) == (1, 0, 1)
    assert (run["validated"], run["with_findings"]) == (0, 0)


def test_a_message_that_is_not_json_is_flagged_and_stored_like_an_http_body(tmp_path: Path) -> None:
    """It used to be only counted in websocket_messages: now it has body.not-json (rules/body.py), as
    an HTTP body that is not JSON, and is stored at once, numbered among the connection's messages."""
    db_path = tmp_path / "toolguard.db"
    addon = ToolGuard()
    text = '{"type": "response.create", "model": "gpt-5",}'  # a trailing comma
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        flow = socket_flow()
        addon.websocket_start(flow)
        assert flow.websocket is not None
        flow.websocket.messages.append(WebSocketMessage(Opcode.TEXT, True, text.encode(), 1_796_000_000.0))
        addon.websocket_message(flow)
        play(addon, flow, True, FRAMES[0])
        for event in response_events("resp_tg0001", "gpt-5", None):
            play(addon, flow, False, event)
        addon.websocket_end(flow)
        addon.done()
        stats = addon.all_stats()
    [row] = sqlite_utils.Database(db_path)["flows"].rows
    assert {
        k: row[k]
        for k in (
            "id",
            "method",
            "path",
            "request_json",
            "request_body",
            "status",
            "flow_error",
            "finding_count",
            "error_finding_count",
        )
    } == {
        "id": f"{flow.id}-ws1",
        "method": "WS",
        "path": "/v1/responses",
        "request_json": None,  # not a JSON object: the text is in request_body, as for HTTP
        "request_body": text,
        "status": None,
        "flow_error": None,  # it waits for no answer: the server's could not be told from the next turn's
        "finding_count": 1,
        "error_finding_count": 1,
    }
    [finding] = sqlite_utils.Database(db_path)["findings"].rows
    assert (finding["rule"], finding["location"]) == ("body.not-json", "body")
    assert json.loads(row["websocket_json"])["message"] == 1
    assert {
        k: stats.get(k, 0)
        for k in ("websocket_messages", "websocket_messages_validated", "websocket_messages_flagged")
    } == {
        "websocket_messages": 2,
        "websocket_messages_validated": 2,
        "websocket_messages_flagged": 1,
    }


@pytest.mark.parametrize(
    ("turn_2", "answer_2", "said"),
    [
        pytest.param(
            {**FRAMES[2], "input": [{"role": "user", "content": "And now?"}]},
            [unanswered_ws_error("call_tg0002resp")],
            "toolguard: predicted: status 400 on the WebSocket; error responses.unanswered-function-call at history[4].call_id",
            id="predicted",
        ),
        pytest.param(
            FRAMES[2],
            [{"type": "error", "status": 429, "error": OPENAI_429["error"]}],
            "toolguard: recognised: status 429 on the WebSocket; cause.rate-limit: The request exceeds the account's rate limit.",
            id="recognised-429",
        ),
    ],
)
def test_a_stored_message_gets_its_console_line_with_an_id_show_takes(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    turn_2: dict[str, Any],
    answer_2: list[dict[str, Any]],
    said: str,
) -> None:
    # trial20a: Codex's rejected turns through a proxy started by hand left the console silent (only
    # HTTP flows had a line), and every id a line could give named all messages of the connection.
    with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
        [row] = run_connection(tmp_path, turn_2, answer_2)
    lines = [r.getMessage() for r in caplog.records if "toolguard show" in r.getMessage()]
    short = row["id"][:8] + "-ws3"
    assert said.startswith(f"toolguard: {row['verdict']}: ")  # the line says what the row says
    assert lines == [f"{said}; flow {row['id']} (toolguard show --db {tmp_path / 'toolguard.db'} {short})"]


def test_an_accepted_message_with_only_the_unknown_model_note_is_not_stored(tmp_path: Path) -> None:
    # trial20a: Codex's prewarm of its default model through a host no profile knows was stored as an
    # "accepted" row with the model.rules-skipped note, which stores no HTTP flow (counted instead).
    db_path = tmp_path / "toolguard.db"
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        flow = socket_flow()
        flow.request.host, flow.request.port, flow.request.scheme = "127.0.0.1", 8765, "http"
        addon.websocket_start(flow)
        play(addon, flow, True, {**FRAMES[0], "model": "acme-coder-9"})
        for event in response_events("resp_tg0001", "acme-coder-9", None):
            play(addon, flow, False, event)
        addon.websocket_end(flow)
        addon.done()
        stats = addon.all_stats()
    assert (stats.get("model_rules_skipped"), stats.get("websocket_messages_validated")) == (1, 1)
    assert list(sqlite_utils.Database(db_path)["flows"].rows) == []


# -- what the upstreams taught ----------------------------------------------------------------------
# Until session 27 a Responses WebSocket message was judged without the learned knowledge: a
# constraint learned (or imported) for its host and model never flagged a Codex turn, and block mode
# blocked a turn on a rule the upstream had been accepting (demoted there). docs/learned.md.

#: What an earlier rejection taught about a gateway in front of gpt-5 (a team's export, imported):
#: it refuses Codex's ``prompt_cache_key`` (Azure OpenAI's wording for an argument it does not take),
#: and it accepted a function call left without its output often enough for that rule to be demoted.
TAUGHT = {
    "format": "toolguard-learned",
    "version": 1,
    "constraints": [refused_cache_key("api.openai.com")],
    "calibration": [
        {
            "rule": "responses.unanswered-function-call",
            "host": "api.openai.com",
            "model": "gpt-5",
            "accepted": 3,
            "first_flow": "f-gateway-2",
            "demoted_at": "2026-11-29T11:00:00.000Z",
        }
    ],
}
LEARNED = "learned.param"
UNANSWERED = "responses.unanswered-function-call"


def taught_db(tmp_path: Path) -> Path:
    db_path = tmp_path / "toolguard.db"
    db = open_db(db_path)
    import_learned(db, TAUGHT)
    db.close()
    return db_path


def without_cache_key(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "prompt_cache_key"}


async def taught_connection(
    db_path: Path, options: dict[str, Any], script: list[tuple[bool, dict[str, Any]]]
) -> tuple[http.HTTPFlow, list[tuple[bool, bytes]], dict[str, int]]:
    """``script``'s messages (from the client?, message) on one connection, once the writer brought
    what the database holds; each client message waited for until the socket thread judged it (in
    observe mode too: through the worker process with ``toolguard_offload``)."""
    addon, recorder = ToolGuard(), InjectRecorder()
    with taddons.context(addon, recorder) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path), **options)
        addon.running()
        await until(lambda: addon._store_ready and len(addon.knowledge) > 0)
        if options.get("toolguard_offload", "off") != "off":
            await until(lambda: addon.validator._proc is not None)
        flow = socket_flow()
        addon.websocket_start(flow)
        for from_client, message in script:
            judged = addon.all_stats().get("websocket_messages_validated", 0) + 1
            append_message(flow, from_client, message)
            acting = addon.websocket_message(flow)
            if acting is not None:
                await acting
            if from_client:
                await until(lambda n=judged: addon.all_stats().get("websocket_messages_validated", 0) >= n)
        addon.websocket_end(flow)
        addon.done()
        return flow, recorder.injected, addon.all_stats()


def conversation(
    turns: list[dict[str, Any]], answers: list[list[dict[str, Any]]]
) -> list[tuple[bool, dict[str, Any]]]:
    return [
        message
        for turn, events in zip(turns, answers, strict=True)
        for message in [(True, turn), *((False, e) for e in events)]
    ]


ANSWERS = [
    response_events("resp_tg0001", "gpt-5", None),
    response_events("resp_tg0002", "gpt-5", CALL),
    response_events("resp_tg0003", "gpt-5", RESPONSES_TEXT_ITEM),
]


def findings_of(db_path: Path) -> list[tuple[str, list[tuple[str, str, str]]]]:
    db = sqlite_utils.Database(db_path)
    return [
        (
            flow["verdict"],
            [
                (f["rule"], f["severity"], f["location"])
                for f in db.query("select * from findings where flow_id = ? order by rule", [flow["id"]])
            ],
        )
        for flow in db.query("select * from flows order by datetime_utc")
    ]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"toolguard_offload": "off"}, id="in-place"),
        # Each of Codex's messages is 20-38 KB: every one goes to the validation worker process.
        pytest.param({"toolguard_offload": "16k"}, id="in-the-worker"),
    ],
)
def test_observe_mode_judges_every_turn_with_what_its_upstream_taught(
    tmp_path: Path, options: dict[str, Any]
) -> None:
    db_path = taught_db(tmp_path)
    script = conversation([FRAMES[0], FRAMES[1], DROPPED_OUTPUT], ANSWERS)
    _, injected, stats = asyncio.run(taught_connection(db_path, options, script))
    assert injected == []
    # Every turn carries the refused argument: each is flagged with the learned constraint's error, and
    # this fake accepts it (a false alarm); the demoted rule says its pattern as a warning only.
    assert findings_of(db_path) == [
        ("false_alarm", [(LEARNED, "error", "prompt_cache_key")]),
        ("false_alarm", [(LEARNED, "error", "prompt_cache_key")]),
        (
            "false_alarm",
            [(LEARNED, "error", "prompt_cache_key"), (UNANSWERED, "warning", "history[4].call_id")],
        ),
    ]
    in_worker = stats.get("websocket_messages_validated_in_worker", 0)
    assert (stats["websocket_messages_validated"], in_worker) == (
        3,
        3 if options["toolguard_offload"] == "16k" else 0,
    )


def test_block_mode_blocks_on_a_learned_constraint_and_not_on_a_demoted_rule(tmp_path: Path) -> None:
    db_path = taught_db(tmp_path)
    # Codex's first turn as sent: answered on the socket by toolguard with the constraint's finding (the
    # upstream never sees it). Then the conversation without the refused argument; its last turn lacks
    # a call's output, a pattern this upstream keeps accepting: it goes on, with the rule's warning.
    script = [
        (True, FRAMES[0]),
        *conversation([without_cache_key(m) for m in (FRAMES[0], FRAMES[1], DROPPED_OUTPUT)], ANSWERS),
    ]
    flow, injected, stats = asyncio.run(
        taught_connection(db_path, {"toolguard_mode": "block", "toolguard_offload": "off"}, script)
    )
    assert flow.websocket is not None
    assert [m.dropped for m in flow.websocket.messages if m.from_client] == [True, False, False, False]
    [(to_client, text)] = injected
    event = json.loads(text)
    assert (to_client, event["type"], [f["rule"] for f in event["toolguard"]["findings"]]) == (
        True,
        "error",
        [LEARNED],
    )
    assert stats["websocket_messages_blocked"] == 1
    assert findings_of(db_path) == [
        ("blocked", [(LEARNED, "error", "prompt_cache_key")]),
        ("accepted", [(UNANSWERED, "warning", "history[4].call_id")]),
    ]


def test_block_mode_holds_a_message_come_before_the_knowledge_then_acts_on_it(tmp_path: Path) -> None:
    """mitmdump listens before the writer process's handshake brings what the database holds (here
    it cannot read it: another connection holds it in SQLite's exclusive locking mode). A client
    message in block mode then waits for it, as a request does (tests/test_knowledge_races.py), and is
    judged with it: blocked by the learned constraint. Before session 27 it was judged at once,
    without it, and went on to the upstream."""
    db_path = taught_db(tmp_path)

    async def scenario() -> tuple[http.HTTPFlow, list[tuple[bool, bytes]], dict[str, int], dict[str, int]]:
        addon, recorder = ToolGuard(), InjectRecorder()
        with taddons.context(addon, recorder) as tctx:
            tctx.configure(
                addon,
                toolguard_db=str(db_path),
                toolguard_writer="process",
                toolguard_mode="block",
                toolguard_offload="off",
            )
            addon.running()
            flow = socket_flow()
            flow.live = True
            addon.websocket_start(flow)
            try:
                append_message(flow, True, FRAMES[0])
                held = addon.websocket_message(flow)
                assert held is not None  # mitmproxy awaits it: the message and its connection wait
                await asyncio.sleep(0.3)  # what it would take to judge it, were it not held
                while_held = addon.all_stats()
            finally:
                release()  # the writer starts now (its busy timeout is 5 s)
            await held
            addon.websocket_end(flow)
            addon.done()
            return flow, recorder.injected, while_held, addon.all_stats()

    with database_locked(db_path) as release:
        flow, injected, while_held, stats = asyncio.run(scenario())
    assert (while_held["held_for_knowledge"], while_held.get("websocket_messages", 0)) == (1, 0)
    assert flow.websocket is not None
    assert [m.dropped for m in flow.websocket.messages] == [True]
    [(_, text)] = injected
    assert [f["rule"] for f in json.loads(text)["toolguard"]["findings"]] == [LEARNED]
    assert (stats["websocket_messages_blocked"], stats.get("judged_before_knowledge", 0)) == (1, 0)
    assert findings_of(db_path) == [("blocked", [(LEARNED, "error", "prompt_cache_key")])]
