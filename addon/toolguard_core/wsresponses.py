"""The Responses API over a WebSocket: judge each ``response.create`` message with its history.

Codex's built-in OpenAI provider opens ``GET /v1/responses`` with ``Upgrade: websocket`` and sends
each turn as one text message ``{"type": "response.create", ...}`` (the body of a ``POST
/v1/responses`` plus ``type``). Later turns are *incremental*: ``previous_response_id`` names the
response before and ``input`` holds only the new items (e.g. the ``function_call_output``). The
server answers with the same typed events as the SSE stream, one text message each, and rejects a
message with ``{"type": "error", "status": 400, "error": {...}}`` (agent-clis.md).

:class:`ResponsesSocket` follows one connection from plain text: it keeps, per response the server
completed on this connection, the items that response stands for (the judged input plus its output
items), bounded, so an incremental turn is judged as the server sees it: history + new items, with
``previous_response_id`` resolved. Findings are reported against the message the client sent:
``input[k]`` of the new items, ``history[k]`` of an item from an earlier turn. A finding the earlier
turn already had (same rule, same place) is not reported again.

Pure: no mitmproxy import and no I/O. The addon feeds it messages from its socket thread and stores
the turns it returns: :meth:`ResponsesSocket.prepare` resolves the history, the rules run on the
prepared body (here, or in the validation worker for a large message), :meth:`ResponsesSocket.judge`
records the turn. Block mode withdraws a turn it answered itself; repair mode sends the repaired
message (:meth:`ResponsesSocket.repaired`).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from toolguard_core.analyze import DEFAULT_MAX_BODY_BYTES, Analysis, analyse_request
from toolguard_core.findings import Finding
from toolguard_core.repair import NotRepaired, RepairResult
from toolguard_core.request import Target
from toolguard_core.upstream_errors import UpstreamError, parse_error

#: The message type that starts a response (doc: Responses API WebSocket mode; agent-clis.md).
CREATE = "response.create"
#: Completed responses whose items are kept per connection (a turn chains on the one before it).
MAX_RESPONSES = 8
#: Items kept per response: a longer history is judged without its oldest items (stateful rules then
#: treat the turn as depending on server-side state, as they do for an unknown previous_response_id).
MAX_HISTORY_ITEMS = 4000
#: Messages sent and not yet answered; the server answers one at a time, in order.
MAX_IN_FLIGHT = 16
#: The error message kept for storage (an error frame is small).
MAX_ERROR_TEXT = 64 * 1024

_INPUT_INDEX = re.compile(r"\binput\[(\d+)\]")


@dataclass(slots=True)
class Turn:
    """One ``response.create`` message: what was judged, and the server's answer once it arrives."""

    index: int  # 1-based position among this connection's response.create messages
    started: float
    text: str  # the message as sent
    analysis: Analysis
    previous_response_id: str | None
    history_items: int  # items of earlier turns judged with it (0: none known)
    generate: bool = True  # Codex's prewarm sends generate: false
    ended: float | None = None
    response_id: str | None = None
    output: list[Any] = field(default_factory=list)
    completed: bool = False
    status: int | None = None  # the error frame's status; 200 when the response completed
    error: UpstreamError | None = None  # from an error frame or a response.failed event
    error_text: str | None = None  # that frame, as received
    items: list[Any] = field(default_factory=list)  # the judged input (history + new)
    keys: frozenset[tuple[str, str]] = frozenset()  # (rule, location) found in the judged input
    repair: RepairResult | None = None  # repair mode ran on it (turn.text stays as the client sent it)
    blocked: bool = False  # block mode answered it: the server never saw it
    repaired_at: float | None = None
    # False for a message that is not JSON: it is judged (body.not-json) but never waits for an
    # answer, as the server's answer to it (if any) cannot be told from the next turn's.
    answerable: bool = True

    @property
    def finished(self) -> bool:
        return self.completed or self.error is not None

    @property
    def rejected(self) -> bool:
        return self.error is not None

    def context(self) -> dict[str, Any]:
        """What the stored row says about the message (``flows.websocket_json``)."""
        return {
            "message": self.index,
            "previous_response_id": self.previous_response_id,
            "history_items": self.history_items,
            "response_id": self.response_id,
        }


@dataclass(slots=True)
class Prepared:
    """A ``response.create`` message before its judgement: the body the server will judge."""

    index: int
    started: float
    text: str
    message: dict[str, Any]
    body: bytes  # the message without `type`, history + new items when previous_response_id is known
    previous: str | None
    history: list[Any] | None  # the earlier turns' items, when previous_response_id names a known one
    reported: frozenset[tuple[str, str]]
    items: list[Any]  # the judged input (history + new)
    findings: list[Finding] = field(default_factory=list)  # on `body`, before rebase (for repair)
    parsed: bool = True  # False: the text is not JSON; `body` is the text, for body.not-json


@dataclass(slots=True)
class _Response:
    items: list[Any]
    reported: frozenset[tuple[str, str]]  # (rule, location) of the findings of the turn behind it


class ResponsesSocket:
    """One Responses WebSocket connection, fed message by message in the order they crossed it."""

    def __init__(self, url: str, target: Target, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.url = url
        self.target = target
        self.max_body_bytes = max_body_bytes
        self.responses: OrderedDict[str, _Response] = OrderedDict()
        self.in_flight: list[Turn] = []
        self.count = 0

    # -- the client -------------------------------------------------------------------------------

    def client_message(self, text: str, timestamp: float) -> Turn | None:
        """Judge a client message here. Returns the turn when it is a ``response.create`` (else
        None); a turn pushed out of a full in-flight list is dropped unanswered."""
        prepared = self.prepare(text, timestamp)
        if prepared is None:
            return None
        analysis = analyse_request(
            prepared.body, self.url, target=self.target, max_body_bytes=self.max_body_bytes
        )
        return self.judge(prepared, analysis)

    def prepare(self, text: str, timestamp: float) -> Prepared | None:
        """The body the server will judge for a ``response.create`` message (its history resolved),
        as bytes for the rules here or in the worker process (offload.py); None for other messages.
        A message that is not JSON is prepared as is: the rules give it the finding an HTTP body that
        is not JSON gets (body.not-json), where it used to be only counted as seen."""
        try:
            message = json.loads(text)
        except (ValueError, RecursionError):
            self.count += 1
            return Prepared(
                index=self.count,
                started=timestamp,
                text=text,
                message={},
                body=text.encode(),
                previous=None,
                history=None,
                reported=frozenset(),
                items=[],
                parsed=False,
            )
        if not isinstance(message, dict) or message.get("type") != CREATE:
            return None
        self.count += 1
        body = {k: v for k, v in message.items() if k != "type"}
        previous = body.get("previous_response_id")
        previous = previous if isinstance(previous, str) and previous else None
        known = self.responses.get(previous) if previous else None
        history: list[Any] = known.items if known is not None else []
        new_items = body.get("input")
        if known is not None:
            # The server resolves previous_response_id to these items; judge what it will judge.
            del body["previous_response_id"]
            if isinstance(new_items, str):
                new_items = [{"role": "user", "content": new_items}]
            if isinstance(new_items, list):
                body["input"] = [*history, *new_items]
        judged = body.get("input") if isinstance(body.get("input"), list) else []
        return Prepared(
            index=self.count,
            started=timestamp,
            text=text,
            message=message,
            body=json.dumps(body, ensure_ascii=False).encode(),
            previous=previous,
            history=history if known is not None else None,
            reported=known.reported if known is not None else frozenset(),
            items=list(judged),
        )

    def judge(self, prepared: Prepared, analysis: Analysis) -> Turn:
        """The turn of a prepared message, given the analysis of its body (``prepare().body``);
        the turn now waits for the server's answer."""
        # Where each finding sits in what was judged: the next turn's history has the same positions.
        keys = frozenset((f.rule, f.location) for f in analysis.findings)
        prepared.findings = list(analysis.findings)
        history = prepared.history
        if history is not None:
            analysis.findings = rebase(analysis.findings, len(history), prepared.reported)
        if analysis.body is not None or history is not None:
            # The stored model and stream come from the message itself.
            message = {k: v for k, v in prepared.message.items() if k != "type"}
            analysis.body = message
            analysis.body_facts(model=message.get("model"), stream=message.get("stream"), is_json=True)
        turn = Turn(
            index=prepared.index,
            started=prepared.started,
            text=prepared.text,
            analysis=analysis,
            previous_response_id=prepared.previous,
            history_items=len(history or []),
            generate=prepared.message.get("generate") is not False,
            items=prepared.items,
            keys=keys,
            answerable=prepared.parsed,
        )
        if not turn.answerable:
            return turn  # the caller stores it now (SocketWorker._handle)
        self.in_flight.append(turn)
        if len(self.in_flight) > MAX_IN_FLIGHT:
            self.in_flight.pop(0)
        return turn

    def withdraw(self, turn: Turn) -> None:
        """The message never reaches the server (block mode answered it): no answer will follow."""
        if turn in self.in_flight:
            self.in_flight.remove(turn)

    def repaired(self, turn: Turn, prepared: Prepared, result: RepairResult) -> str | None:
        """Apply repair mode's result for the judged body to the message: the text to send instead,
        or None when nothing changed. A repair that touches an item of an earlier turn (which the
        server keeps under ``previous_response_id``) cannot be sent and is reported as not repaired."""
        if not result.changed or not isinstance(result.body, dict):
            return None
        body = dict(result.body)
        history = prepared.history
        if history is not None:
            items = body.get("input") if isinstance(body.get("input"), list) else []
            if items[: len(history)] != history:
                reason = (
                    "it changes an item of an earlier turn, which the server keeps (previous_response_id)"
                )
                result.not_repaired.extend(NotRepaired(r.rule, r.location, reason) for r in result.repairs)
                result.repairs = []
                return None
            body["input"] = items[len(history) :]
            body = {"previous_response_id": prepared.previous, **body}
        message = {"type": CREATE, **body}
        text = json.dumps(message, ensure_ascii=False)
        # turn.text stays the message as the client sent it (stored, like an HTTP body before repair);
        # the next turn's history is what the server saw.
        turn.items = (
            list(result.body.get("input") or []) if isinstance(result.body.get("input"), list) else []
        )
        turn.repair = result
        return text

    # -- the server -------------------------------------------------------------------------------

    def server_message(self, text: str, timestamp: float) -> Turn | None:
        """Follow a server event; returns the turn it finished (completed or rejected), if any."""
        if not self.in_flight:
            return None
        try:
            event = json.loads(text)
        except (ValueError, RecursionError):
            return None
        if not isinstance(event, dict):
            return None
        turn = self.in_flight[0]
        kind = event.get("type")
        response = event.get("response") if isinstance(event.get("response"), dict) else {}
        if kind == "response.created" and isinstance(response.get("id"), str):
            turn.response_id = response["id"]
        elif kind == "response.output_item.done" and isinstance(event.get("item"), dict):
            turn.output.append(event["item"])
        elif kind in ("response.completed", "response.incomplete"):
            if isinstance(response.get("id"), str):
                turn.response_id = response["id"]
            output = response.get("output")
            if isinstance(output, list) and output:
                turn.output = list(output)
            turn.completed = True
            turn.status = 200
            self._remember(turn)
        elif kind == "response.failed":
            failure = response.get("error")
            turn.error = parse_error(json.dumps({"error": failure}), status=None)
            turn.error_text = text[:MAX_ERROR_TEXT]
        elif kind == "error":
            status = event.get("status")
            turn.status = status if isinstance(status, int) and not isinstance(status, bool) else None
            turn.error = parse_error(text, status=turn.status)
            turn.error_text = text[:MAX_ERROR_TEXT]
        else:
            return None
        if not turn.finished:
            return None
        turn.ended = timestamp
        self.in_flight.pop(0)
        return turn

    def close(self) -> list[Turn]:
        """The connection ended: the turns still waiting for an answer (they got none)."""
        pending, self.in_flight = self.in_flight, []
        return pending

    def _remember(self, turn: Turn) -> None:
        if not turn.response_id:
            return
        items = [*turn.items, *turn.output][-MAX_HISTORY_ITEMS:]
        self.responses[turn.response_id] = _Response(items=items, reported=turn.keys)
        self.responses.move_to_end(turn.response_id)
        while len(self.responses) > MAX_RESPONSES:
            self.responses.popitem(last=False)


def rebase(findings: list[Finding], history: int, reported: frozenset[tuple[str, str]]) -> list[Finding]:
    """Findings on history + new items, told against the message that was sent: ``input[k]`` for the
    new items (k counted from the message's own input), ``history[k]`` for an item of an earlier
    turn. A finding the earlier turn already had (same rule and place) is dropped: it was reported
    with that turn."""

    def place(match: re.Match[str]) -> str:
        k = int(match.group(1))
        return f"input[{k - history}]" if k >= history else f"history[{k}]"

    out = []
    for finding in findings:
        # The earlier turn's locations are its own message's; its items sit at the same positions.
        if (finding.rule, finding.location) in reported and _all_in_history(finding.location, history):
            continue
        location = _INPUT_INDEX.sub(place, finding.location)
        message = _INPUT_INDEX.sub(place, finding.message)
        out.append(finding.model_copy(update={"location": location, "message": message}))
    return out


def _all_in_history(location: str, history: int) -> bool:
    indexes = [int(k) for k in _INPUT_INDEX.findall(location)]
    return bool(indexes) and all(k < history for k in indexes)
