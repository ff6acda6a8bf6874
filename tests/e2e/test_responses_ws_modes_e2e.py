"""Block and repair modes on a Responses WebSocket, through a real mitmdump (reverse mode) against the
loopback fake's WebSocket mode (support.scripted: OpenAI's error events, previous_response_id kept per
connection), with a real WebSocket client (wsproto over a socket) sending the three ``response.create``
messages Codex 0.171.0 sent on one connection, turn 2 without the output of turn 1's function call.

* block: the client reads OpenAI's own error event from the proxy; the fake never sees turn 2.
* repair: the fake gets turn 2 with a marked synthetic function_call_output, still incremental
  (previous_response_id), and answers it; the row is ``repaired`` with its ``repairs`` row.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import proxy_stats
from support.clis import TOOL_CALLS
from support.proxy import Mitmdump
from support.scripted import RESPONSES_UNANSWERED, Conversation, refused_cache_key
from support.upstream import Upstream
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

from toolguard_core.learned_store import import_learned
from toolguard_core.repair import SYNTHETIC_RESULT
from toolguard_core.store import open_db

pytestmark = pytest.mark.e2e

FRAMES = json.loads(
    (Path(__file__).parents[1] / "data" / "requests" / "codex-0.171.0-responses-ws-frames.json").read_text()
)
# Turn 2 as a client that lost the tool's output sends it: only a new user message after turn 1's call.
DROPPED_OUTPUT = {**FRAMES[2], "input": [{"role": "user", "content": "And now?"}]}
TIMEOUT = 15.0


class Client:
    """A minimal blocking WebSocket client: one connection, text messages in, events out."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.events: list[Any] = []
        self.sock.sendall(self.ws.send(Request(host=f"127.0.0.1:{port}", target=path)))
        assert isinstance(self._next(), AcceptConnection)

    def _next(self) -> Any:
        while not self.events:
            data = self.sock.recv(65536)
            self.ws.receive_data(data or None)
            self.events += list(self.ws.events())
            if not data and not self.events:
                raise ConnectionError("the proxy closed the connection")
        return self.events.pop(0)

    def send(self, message: dict[str, Any]) -> None:
        self.sock.sendall(self.ws.send(TextMessage(data=json.dumps(message))))

    def until(self, *kinds: str) -> list[dict[str, Any]]:
        """The server's events up to and including the first of ``kinds``."""
        received: list[dict[str, Any]] = []
        partial = ""
        while True:
            event = self._next()
            if isinstance(event, CloseConnection):
                raise ConnectionError(f"closed after {received}")
            if isinstance(event, TextMessage):
                partial += event.data
                if not event.message_finished:
                    continue
                received.append(json.loads(partial))
                partial = ""
                if received[-1].get("type") in kinds:
                    return received

    def close(self) -> None:
        try:
            self.sock.sendall(self.ws.send(CloseConnection(code=1000)))
        finally:
            self.sock.close()


def play(proxy: Mitmdump) -> dict[str, Any]:
    """Prewarm and turn 1 as Codex sent them, then the broken turn 2: the last event it got back."""
    client = Client(proxy.port or 0, "/v1/responses")
    try:
        for frame in FRAMES[:2]:
            client.send(frame)
            assert client.until("response.completed", "error")[-1]["type"] == "response.completed"
        client.send(DROPPED_OUTPUT)
        return client.until("response.completed", "error")[-1]
    finally:
        client.close()


def start(upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], mode: str) -> Mitmdump:
    Conversation("responses", TOOL_CALLS["codex"]).install(upstream)
    return mitmdump_reverse(options={"toolguard_mode": mode})


def test_block_mode_answers_the_broken_turn_on_the_socket(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
) -> None:
    proxy = start(upstream, mitmdump_reverse, "block")
    last = play(proxy)
    proxy.stop()
    # OpenAI's error event, with the wording the rule quotes; toolguard's explanation beside it.
    assert {k: last[k] for k in ("type", "status", "error")} == {
        "type": "error",
        "status": 400,
        "error": {
            "message": RESPONSES_UNANSWERED.format(call_id="call_XXX"),
            "type": "invalid_request_error",
            "param": "input",
            "code": None,
        },
    }
    assert [f["rule"] for f in last["toolguard"]["findings"]] == ["responses.unanswered-function-call"]
    # The fake got the prewarm and turn 1 only: the broken turn never left the proxy.
    [connection] = upstream.requests
    assert [json.loads(f) for f in connection.frames] == FRAMES[:2]
    [row] = proxy.flows()
    assert {k: row[k] for k in ("method", "status", "verdict", "request_json", "error_finding_count")} == {
        "method": "WS",
        "status": 400,
        "verdict": "blocked",
        "request_json": json.dumps(DROPPED_OUTPUT),
        "error_finding_count": 1,
    }
    assert json.loads(row["response_body"]) == last


def test_repair_mode_sends_the_repaired_turn_and_the_server_accepts_it(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
) -> None:
    proxy = start(upstream, mitmdump_reverse, "repair")
    last = play(proxy)
    proxy.stop()
    assert last["type"] == "response.completed"
    [connection] = upstream.requests
    sent = [json.loads(f) for f in connection.frames]
    synthetic = {
        "type": "function_call_output",
        "call_id": "call_tg0002resp",
        "output": SYNTHETIC_RESULT.format(call_id="call_tg0002resp", name="exec_command"),
    }
    assert sent[:2] == FRAMES[:2]
    assert sent[2] == {
        "type": "response.create",
        "previous_response_id": "resp_tg0002",
        **{k: v for k, v in DROPPED_OUTPUT.items() if k not in ("type", "previous_response_id", "input")},
        "input": [synthetic, *DROPPED_OUTPUT["input"]],
    }
    [row] = proxy.flows()
    assert {k: row[k] for k in ("method", "status", "verdict", "request_json")} == {
        "method": "WS",
        "status": 200,
        "verdict": "repaired",
        "request_json": json.dumps(DROPPED_OUTPUT),  # as the client sent it; the repairs row has both
    }
    [repair] = list(proxy.db()["repairs"].rows)
    assert (repair["flow_id"], repair["rule"], repair["location"]) == (
        row["id"],
        "responses.unanswered-function-call",
        "input[4].call_id",
    )


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_observe_mode_counts_messages_apart_and_flags_a_message_that_is_not_json(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
) -> None:
    """What a user read: ``toolguard.stats`` said ``validated`` 4 with ``requests_seen`` 1 (the
    upgrade), and a text frame that was not JSON got no finding. Now messages have counters of their
    own and that frame has body.not-json, stored like an HTTP body that is not JSON."""
    Conversation("responses", TOOL_CALLS["codex"]).install(upstream)
    answer = upstream.websocket
    assert answer is not None
    # How OpenAI's server answers a frame that is not JSON is not recorded: the fake says nothing.
    upstream.websocket = lambda request, text: answer(request, text) if _is_json(text) else []
    proxy = mitmdump_reverse()
    not_json = '{"type": "response.create", "model": "gpt-5",'  # cut short
    client = Client(proxy.port or 0, "/v1/responses")
    try:
        client.sock.sendall(client.ws.send(TextMessage(data=not_json)))
        for frame in FRAMES[:2]:
            client.send(frame)
            assert client.until("response.completed", "error")[-1]["type"] == "response.completed"
        client.send(DROPPED_OUTPUT)
        last = client.until("response.completed", "error")[-1]
    finally:
        client.close()
    assert last["type"] == "error"
    output = proxy.stop()
    stats = proxy_stats.stats(output)
    counted = (
        "requests_seen",
        "validated",
        "flagged",
        "rejected",
        "websocket_messages",
        "websocket_messages_validated",
        "websocket_messages_flagged",
        "websocket_messages_rejected",
        "queued",
    )
    assert {k: stats.get(k, 0) for k in counted} == {
        "requests_seen": 1,  # the upgrade request
        "validated": 0,
        "flagged": 0,
        "rejected": 0,
        "websocket_messages": 4,
        "websocket_messages_validated": 4,
        "websocket_messages_flagged": 2,
        "websocket_messages_rejected": 1,
        "queued": 2,
    }
    # The loopback fake on its own port is no provider any profile recognises: each message is
    # counted with the host as an HTTP request to it is (the upgrade request itself is not validated).
    fake = f"127.0.0.1:{upstream.port}"
    assert (stats["unrecognised_requests"], stats["unrecognised_hosts"]) == (4, {fake: 4})
    # Said as including the messages: "1 request and 4 WebSocket messages" then "4 requests to hosts
    # not recognised" read as a miscount (trial17).
    assert (
        "toolguard: 4 requests (WebSocket messages included) to hosts not recognised as a provider" in output
    )
    rows = sorted(proxy.flows(), key=lambda r: json.loads(r["websocket_json"])["message"])
    assert [
        (json.loads(r["websocket_json"])["message"], r["status"], r["request_body"], r["flow_error"])
        for r in rows
    ] == [(1, None, not_json, None), (4, 400, None, None)]
    assert [f["rule"] for f in proxy.findings(rows[0]["id"])] == ["body.not-json"]
    [run] = list(proxy.db()["runs"].rows)
    assert (
        run["requests_seen"],
        run["websocket_messages"],
        run["validated"],
        run["with_findings"],
        run["rejected"],
        run["unrecognised_requests"],
        json.loads(run["unrecognised_hosts"]),
    ) == (
        1,
        4,
        4,
        2,
        1,
        4,
        {fake: 4},
    )


def test_block_mode_blocks_a_turn_on_what_the_upstream_taught(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], tmp_path: Path
) -> None:
    """A constraint this gateway taught (exported by a teammate, imported here): it refuses Codex's
    ``prompt_cache_key``. Until session 27 no WebSocket message was judged with what was learned, so
    the turn went on and was refused; now block mode answers it on the socket with the constraint's
    finding, and the same turn without the argument goes through."""
    Conversation("responses", TOOL_CALLS["codex"]).install(upstream)
    db_path = tmp_path / "taught.db"
    db = open_db(db_path)
    import_learned(
        db,
        {
            "format": "toolguard-learned",
            "version": 1,
            "constraints": [refused_cache_key(f"127.0.0.1:{upstream.port}")],
        },
    )
    db.close()
    proxy = mitmdump_reverse(db_path=db_path, options={"toolguard_mode": "block"})
    client = Client(proxy.port or 0, "/v1/responses")
    try:
        client.send(FRAMES[0])
        refused = client.until("response.completed", "error")
        client.send({k: v for k, v in FRAMES[0].items() if k != "prompt_cache_key"})
        accepted = client.until("response.completed", "error")
    finally:
        client.close()
    proxy.stop()
    assert (refused[-1]["type"], [f["rule"] for f in refused[-1]["toolguard"]["findings"]]) == (
        "error",
        ["learned.param"],
    )
    assert "prompt_cache_key" in refused[-1]["error"]["message"]
    assert accepted[-1]["type"] == "response.completed"
    # The fake saw only the turn without the refused argument.
    [connection] = upstream.requests
    assert [json.loads(f).get("prompt_cache_key") for f in connection.frames] == [None]
    [row] = proxy.flows()
    assert (row["method"], row["verdict"], row["error_finding_count"]) == ("WS", "blocked", 1)
