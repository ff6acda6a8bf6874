"""A scripted, tool-using conversation for the loopback fake provider, in each API an agent CLI speaks.

Every client plays the same two-turn story against :class:`Conversation` plugged into an
:class:`~support.upstream.Upstream` (``conversation.install(upstream)``):

* turn 1: the client's prompt arrives; the fake asks for one harmless tool call (the client names the
  tool and its arguments, e.g. Claude Code's ``Bash`` with ``echo hi``);
* turn 2: the request carries the tool's result; the fake gives the final answer (``final_text``).

``fail_turn=N`` answers turn N with a REAL provider 400 body instead (the text each provider returns
for a broken tool pairing, quoted with its source below), so a test can prove the client surfaces it.

APIs, each as the provider streams it:

* Chat Completions (``POST …/chat/completions``): ``chat.completion.chunk`` SSE or a JSON completion;
  OpenAI's tool-sequencing validation (:func:`support.upstream.tool_sequence_error`) runs first.
* Responses (``POST …/responses``): typed SSE events ``response.created`` … ``response.completed`` or a
  JSON response; and the WebSocket mode (``GET …/responses`` upgraded): each ``response.create``
  message gets the same events as text messages; ``generate: false`` (Codex's prewarm) gets an empty
  completed response; ``previous_response_id`` must name a response this fake made on that
  connection (else OpenAI's "Previous response ... not found" 400); errors are
  ``{"type": "error", "status": 400, "error": {...}}`` messages.
* Anthropic Messages (``POST …/messages``): ``message_start`` / ``content_block_*`` / ``message_delta``
  / ``message_stop`` SSE with a ``tool_use`` block (after a signed ``thinking`` block with
  ``thinking=True`` when the request enables thinking), or a JSON message.

Before any scripted answer, each request is judged on tool pairing the way the provider does and
a broken one gets that provider's real 400: OpenAI's chat sequencing
(:func:`support.upstream.tool_sequence_error`), :func:`responses_pairing_error` (following
``previous_response_id`` to the calls this fake's responses left open) and
:func:`anthropic_pairing_error`.

Chat, Responses and Messages requests without ``tools`` (side requests such as opencode's title) get a short text
answer and are not turns.

Requests that are none of these (``GET /v1/models`` …) get a 404 in the provider's error shape.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from support.upstream import (
    ORPHAN_MESSAGE,
    RecordedRequest,
    Reply,
    StreamReply,
    Upstream,
    openai_error,
    sse_event,
    tool_sequence_error,
)

Api = Literal["chat", "responses", "messages"]

# OpenAI (Responses API) for a function_call replayed without its function_call_output; param "input".
# Source: https://github.com/tjardoo/openai-client/pull/124 (also openai/openai-agents-python#673).
RESPONSES_UNANSWERED = "No tool output found for function call {call_id}."
# Anthropic (Messages API) for a tool_use not answered in the next message; N is the message index.
# Source: https://github.com/anthropics/claude-code/issues/5989 (and #5060, providers.md §11).
ANTHROPIC_UNANSWERED = (
    "messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately after: {ids}. "
    "Each `tool_use` block must have a corresponding `tool_result` block in the next message."
)
# OpenAI (Responses API) for a function_call_output whose call is not in the conversation; param "input".
# Source: https://github.com/continuedev/continue/issues/10092 (tests/data/error_corpus.json openai-resp-000).
RESPONSES_ORPHAN = "No tool call found for function call output with call_id {call_id}."
# Anthropic for a tool_result whose tool_use is not in the previous message (N: message, M: block).
# Source: https://github.com/anthropics/claude-code/issues/13460 (providers.md §11).
ANTHROPIC_ORPHAN = (
    "messages.{index}.content.{block}: unexpected `tool_use_id` found in `tool_result` blocks: {id}. "
    "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
)
# OpenAI (Responses API) for a replayed item whose id lacks its type's prefix (code invalid_id_prefix,
# param input[N].id): a relay had minted ``item_…`` for a function_call and Codex replayed it.
# Source: https://github.com/BigPizzaV3/CodexPlusPlus/issues/1796 (also openai/codex#33176 for 'msg').
RESPONSES_ID_PREFIX = "Invalid 'input[{index}].id': '{id}'. Expected an ID that begins with '{prefix}'."
# The prefix OpenAI mints, per item type, that it checks on replay (the ones the sources above show).
RESPONSES_ID_PREFIXES = {"message": "msg", "function_call": "fc", "reasoning": "rs"}
# Anthropic for a tool_use id outside its pattern, e.g. a Kimi id replayed to Claude (N: message, M: block).
# Source: https://github.com/anomalyco/opencode/issues/1279 (also BlockRunAI/ClawRouter#17).
ANTHROPIC_ID_PATTERN = (
    "messages.{index}.content.{block}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'"
)
# Anthropic for a tool_use id that an earlier block of the request already has (the later block is named).
# Source: https://github.com/anthropics/claude-code/issues/21317 (also #20901, anomalyco/opencode#1279).
ANTHROPIC_DUPLICATE_ID = "messages.{index}.content.{block}: `tool_use` ids must be unique"
# A thinking block as Anthropic returns it: the signature is opaque base64 the client must replay.
ANTHROPIC_THINKING = {
    "type": "thinking",
    "thinking": "The user wants the command run; I will call the shell tool.",
    "signature": "EqQBCkgIARABGAIiQBtoolguardTestSignatureAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
}
# OpenAI's answer to an unknown previous_response_id (code previous_response_not_found), as Codex
# received it in a WebSocket error message: https://github.com/maximhq/bifrost/issues/2441
PREVIOUS_NOT_FOUND = "Previous response with id '{id}' not found."
# OpenAI (Chat Completions), ORPHAN_MESSAGE in support.upstream: the LangChain INVALID_TOOL_RESULTS page.


def responses_ws_error(error: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's Responses WebSocket error event around an error object: the wire shape Codex receives
    (``{"type": "error", "status": 400, "error": {...}}``, openai/codex's responses_websocket)."""
    return {"type": "error", "status": 400, "error": error}


def refused_cache_key(host: str) -> dict[str, Any]:
    """A learned constraint as ``toolguard learned export`` writes it: a gateway in front of gpt-5 at
    ``host`` refuses Codex's ``prompt_cache_key`` (Azure OpenAI's wording for an argument it does
    not take), for a test to import (learned_store.import_learned) before the proxy starts."""
    return {
        "host": host,
        "model": "gpt-5",
        "kind": "param",
        "name": "prompt_cache_key",
        "error_text": "Unrecognized request argument supplied: prompt_cache_key",
        "first_flow": "f-gateway-1",
        "first_seen": "2026-11-29T10:00:00.000Z",
    }


def unanswered_ws_error(call_id: str) -> dict[str, Any]:
    """The WebSocket error event for a function_call replayed without its output (RESPONSES_UNANSWERED)."""
    return responses_ws_error(
        {
            "type": "invalid_request_error",
            "code": None,
            "message": RESPONSES_UNANSWERED.format(call_id=call_id),
            "param": "input",
        }
    )


STREAM_DELAY = 0.005  # between SSE chunks: fast, but still one chunk per write


@dataclass(frozen=True)
class ToolCall:
    """The tool call turn 1 asks for: a tool the client offers, with arguments it accepts."""

    name: str
    arguments: dict[str, Any]

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments, separators=(",", ":"))


@dataclass
class Conversation:
    api: Api
    tool_call: ToolCall
    final_text: str = "The tool said hi."
    fail_turn: int | None = None
    model: str = "gpt-5"
    # Messages API: answer turn 1 of a request that enables thinking with a signed thinking block
    # before the tool_use, as Anthropic does, so the client must replay it (signature included).
    thinking: bool = False
    # Responses API: the id of turn 1's function_call item, as a relay in front of OpenAI mints it
    # (``item_…``, CodexPlusPlus#1796); None: OpenAI's own, ``fc_…``.
    item_id: str | None = None
    # Messages API: the id of each tool_use, as a gateway in front of another backend mints it (Kimi
    # numbers calls per turn: ``functions.bash:0`` every time); None: Anthropic's own, ``toolu_…``.
    tool_use_id: str | None = None
    # Messages API: how many turns ask for the tool call before the final answer (turn N is the request
    # carrying N-1 tool results), so a later turn can replay an id an earlier one got.
    tool_turns: int = 1
    # (turn, api) of each answered turn; side requests and prewarms are not turns.
    turns: list[tuple[int, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Each response this fake made -> the call ids it left open (its function_call), for
    # previous_response_id: the next request must answer them.
    _responses: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, upstream: Upstream) -> Conversation:
        upstream.handler = self.handle
        upstream.websocket = self.websocket_message
        return self

    def _next(self) -> int:
        with self._lock:
            return next(self._ids)

    def _turn(self, turn: int) -> None:
        with self._lock:
            self.turns.append((turn, self.api))

    # -- HTTP -------------------------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply | StreamReply:
        path = request.path.rstrip("/")
        if request.method == "POST" and path.endswith("/chat/completions"):
            return self._chat(request.json())
        if request.method == "POST" and path.endswith("/responses"):
            return self._responses_http(request.json())
        if request.method == "POST" and path.endswith("/messages"):
            return self._messages(request.json())
        if "/messages" in path:  # e.g. /v1/messages/count_tokens: not scripted, in Anthropic's shape
            return Reply.json(404, anthropic_error("not_found_error", f"Not found: {request.path}"))
        return Reply(404, openai_error(f"Unknown request URL: {request.method} {request.path}.", None))

    # -- Chat Completions -------------------------------------------------------------------------

    def _chat(self, body: dict[str, Any]) -> Reply | StreamReply:
        messages = body.get("messages") or []
        error = tool_sequence_error(messages)
        if error is not None:
            return Reply(400, error)
        model = body.get("model", self.model)
        if not body.get("tools"):  # a side request (opencode's title): plain text, not a turn
            message = {"role": "assistant", "content": "Tool check"}
            if not body.get("stream"):
                return Reply.json(200, chat_completion(model, message, "stop"))
            return StreamReply(chat_chunks(model, message, "stop", include_usage(body)), delay=STREAM_DELAY)
        results = [i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "tool"]
        turn = 2 if results else 1
        self._turn(turn)
        if turn == self.fail_turn:
            index = results[0] if results else len(messages) - 1
            return Reply(400, openai_error(ORPHAN_MESSAGE, f"messages.[{index}].role"))
        call_id = f"call_tg{self._next():04d}chat"
        message: dict[str, Any]
        if turn == 1:
            call = {
                "id": call_id,
                "type": "function",
                "function": {"name": self.tool_call.name, "arguments": self.tool_call.arguments_json},
            }
            message, finish = {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
        else:
            message, finish = {"role": "assistant", "content": self.final_text}, "stop"
        if not body.get("stream"):
            return Reply.json(200, chat_completion(model, message, finish))
        return StreamReply(chat_chunks(model, message, finish, include_usage(body)), delay=STREAM_DELAY)

    # -- Responses --------------------------------------------------------------------------------

    def _responses_turn(self, body: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        """(turn, error) for a Responses body: the error is an OpenAI error object, or None."""
        previous = body.get("previous_response_id")
        if previous and previous not in self._responses:
            error = {
                "type": "invalid_request_error",
                "code": "previous_response_not_found",
                "message": PREVIOUS_NOT_FOUND.format(id=previous),
                "param": "previous_response_id",
            }
            return 0, error
        items = body.get("input") if isinstance(body.get("input"), list) else []
        outputs = [i for i in items if isinstance(i, dict) and i.get("type") == "function_call_output"]
        turn = 2 if outputs else 1
        self._turn(turn)
        error = responses_pairing_error(items, self._responses.get(previous, []) if previous else [])
        if error is not None:
            return turn, error
        if turn == self.fail_turn:
            call_id = outputs[0].get("call_id") if outputs else "call_tg0000none"
            message = RESPONSES_UNANSWERED.format(call_id=call_id)
            return turn, {"type": "invalid_request_error", "code": None, "message": message, "param": "input"}
        return turn, None

    def _response_events(self, body: dict[str, Any], turn: int | None) -> list[dict[str, Any]]:
        """The events answering ``body``: turn 1 a function call, turn 2 the final text, ``None`` a
        side request (a short text), turn 0 a prewarm (no output)."""
        number = self._next()
        response_id = f"resp_tg{number:04d}"
        model = body.get("model", self.model)
        item: dict[str, Any] | None = None
        with self._lock:
            self._responses[response_id] = [f"call_tg{number:04d}resp"] if turn == 1 else []
        if turn == 1:
            item = {
                "type": "function_call",
                "id": f"fc_tg{number:04d}" if self.item_id is None else self.item_id,
                "call_id": f"call_tg{number:04d}resp",
                "name": self.tool_call.name,
                "arguments": self.tool_call.arguments_json,
                "status": "completed",
            }
        elif turn != 0:
            text = self.final_text if turn == 2 else "Tool check"
            item = {
                "type": "message",
                "id": f"msg_tg{number:04d}",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        return response_events(response_id, model, item)

    def _responses_http(self, body: dict[str, Any]) -> Reply | StreamReply:
        if not body.get("tools"):  # a side request (opencode's title): a short text, not a turn
            events = self._response_events(body, None)
        else:
            turn, error = self._responses_turn(body)
            if error is not None:
                return Reply.json(400, {"error": error})
            events = self._response_events(body, turn)
        if not body.get("stream"):
            return Reply.json(200, events[-1]["response"])
        return StreamReply([typed_sse(e["type"], e) for e in events], delay=STREAM_DELAY)

    def websocket_message(self, request: RecordedRequest, text: str) -> list[str]:
        message = json.loads(text)
        if message.get("type") != "response.create":
            error = {"type": "invalid_request_error", "code": None, "param": "type"}
            error["message"] = f"Unsupported message type: {message.get('type')!r}"
            return [json.dumps(responses_ws_error(error))]
        if message.get("generate") is False:  # Codex's prewarm: an empty completed response
            return [json.dumps(e) for e in self._response_events(message, 0)]
        turn, error = self._responses_turn(message)
        if error is not None:
            return [json.dumps(responses_ws_error(error))]
        return [json.dumps(e) for e in self._response_events(message, turn)]

    # -- Anthropic Messages -----------------------------------------------------------------------

    def _messages(self, body: dict[str, Any]) -> Reply | StreamReply:
        messages = body.get("messages") or []
        model = body.get("model", "claude-sonnet-4-5")
        number = self._next()
        if not body.get("tools"):  # a side request (title, summary): plain text, not a turn
            content: list[dict[str, Any]] = [{"type": "text", "text": "Tool check"}]
            return self._message_reply(body, model, number, content, "end_turn")
        results = [
            i
            for i, m in enumerate(messages)
            if isinstance(m, dict)
            and isinstance(m.get("content"), list)
            and any(isinstance(b, dict) and b.get("type") == "tool_result" for b in m["content"])
        ]
        turn = 1 + len(results)
        self._turn(turn)
        invalid = anthropic_pairing_error(messages)
        if invalid is not None:
            return Reply.json(400, anthropic_error("invalid_request_error", invalid))
        if turn == self.fail_turn:
            index = results[0] - 1 if results else len(messages) - 1
            ids = [b.get("id") for _, b in _blocks(messages[index], "tool_use")] or ["toolu_tg0000none"]
            message = ANTHROPIC_UNANSWERED.format(index=index, ids=", ".join(ids))
            return Reply.json(400, anthropic_error("invalid_request_error", message))
        if turn <= self.tool_turns:
            use_id = f"toolu_tg{number:04d}" if self.tool_use_id is None else self.tool_use_id
            use = {"type": "tool_use", "id": use_id, "name": self.tool_call.name}
            thinks = isinstance(body.get("thinking"), dict) and body["thinking"].get("type") != "disabled"
            content = [ANTHROPIC_THINKING] if self.thinking and thinks else []
            return self._message_reply(
                body, model, number, [*content, {**use, "input": self.tool_call.arguments}], "tool_use"
            )
        return self._message_reply(
            body, model, number, [{"type": "text", "text": self.final_text}], "end_turn"
        )

    def _message_reply(
        self, body: dict[str, Any], model: str, number: int, content: list[dict[str, Any]], stop: str
    ) -> Reply | StreamReply:
        message = anthropic_message(f"msg_tg{number:04d}", model, content, stop)
        if not body.get("stream"):
            return Reply.json(200, message, {"request-id": f"req_tg{number:04d}"})
        return StreamReply(
            [typed_sse(e["type"], e) for e in anthropic_events(message)],
            delay=STREAM_DELAY,
            headers={
                "content-type": "text/event-stream; charset=utf-8",
                "cache-control": "no-cache",
                "request-id": f"req_tg{number:04d}",
            },
        )


# -- the providers' tool-pairing verdicts --------------------------------------------------------


def responses_pairing_error(items: Sequence[Any], open_calls: Sequence[str]) -> dict[str, Any] | None:
    """OpenAI's verdict on a Responses ``input``: each replayed item's id has its type's prefix, each
    output answers an earlier call (or one left open by ``previous_response_id``), each call is
    answered. An OpenAI error object, or None."""
    for index, item in enumerate(items):
        kind = item.get("type") if isinstance(item, dict) else None
        prefix = RESPONSES_ID_PREFIXES.get(kind) if isinstance(kind, str) else None
        item_id = item.get("id") if isinstance(item, dict) else None
        if prefix is not None and isinstance(item_id, str) and not item_id.startswith(prefix):
            return {
                "type": "invalid_request_error",
                "code": "invalid_id_prefix",
                "message": RESPONSES_ID_PREFIX.format(index=index, id=item_id, prefix=prefix),
                "param": f"input[{index}].id",
            }
    still_open = list(open_calls)
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "function_call":
            still_open.append(item.get("call_id"))
        elif kind == "function_call_output":
            if item.get("call_id") not in still_open:
                message = RESPONSES_ORPHAN.format(call_id=item.get("call_id"))
                return {"type": "invalid_request_error", "code": None, "message": message, "param": "input"}
            still_open.remove(item.get("call_id"))
    if still_open:
        message = RESPONSES_UNANSWERED.format(call_id=still_open[0])
        return {"type": "invalid_request_error", "code": None, "message": message, "param": "input"}
    return None


def _blocks(message: Any, kind: str) -> list[tuple[int, dict[str, Any]]]:
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return []
    return [(n, b) for n, b in enumerate(content) if isinstance(b, dict) and b.get("type") == kind]


def anthropic_pairing_error(messages: Sequence[Any]) -> str | None:
    """Anthropic's verdict on tool ids and pairing: each ``tool_use`` id in its pattern and unique in the
    request, every ``tool_use`` answered by a ``tool_result`` in the next message, every ``tool_result``
    answering a ``tool_use`` of the previous one. Its message, or None."""
    seen: set[Any] = set()
    for index, message in enumerate(messages):
        for block_index, block in _blocks(message, "tool_use"):
            use_id = block.get("id")
            if not isinstance(use_id, str) or not re.fullmatch(r"[a-zA-Z0-9_-]+", use_id):
                return ANTHROPIC_ID_PATTERN.format(index=index, block=block_index)
            if use_id in seen:
                return ANTHROPIC_DUPLICATE_ID.format(index=index, block=block_index)
            seen.add(use_id)
    for index, message in enumerate(messages):
        previous = messages[index - 1] if index else None
        uses = {b.get("id") for _, b in _blocks(previous, "tool_use")}
        for block_index, block in _blocks(message, "tool_result"):
            if block.get("tool_use_id") not in uses:
                return ANTHROPIC_ORPHAN.format(index=index, block=block_index, id=block.get("tool_use_id"))
        following = messages[index + 1] if index + 1 < len(messages) else None
        answered = {b.get("tool_use_id") for _, b in _blocks(following, "tool_result")}
        missing = [b.get("id") for _, b in _blocks(message, "tool_use") if b.get("id") not in answered]
        if missing:
            return ANTHROPIC_UNANSWERED.format(index=index, ids=", ".join(missing))
    return None


# -- wire shapes ----------------------------------------------------------------------------------


def include_usage(body: dict[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def typed_sse(event: str, data: Any) -> bytes:
    """One named server-sent event, as the Responses and Messages APIs stream them."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def chat_completion(model: str, message: dict[str, Any], finish: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-tg-scripted",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25},
    }


def chat_chunks(model: str, message: dict[str, Any], finish: str, usage: bool = False) -> list[bytes]:
    """The message as OpenAI streams it: role first, text or a tool call over deltas, then (when the
    request set ``stream_options.include_usage``) a usage chunk with no choices, then [DONE]."""

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> bytes:
        data = {
            "id": "chatcmpl-tg-scripted",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
            "choices": choices,
            **extra,
        }
        return sse_event(data)

    def delta_chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        return chunk([{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}])

    chunks = [delta_chunk({"role": "assistant", "content": ""})]
    for call in message.get("tool_calls") or []:
        arguments = call["function"]["arguments"]
        head = {"index": 0, "id": call["id"], "type": "function"}
        opened = {**head, "function": {"name": call["function"]["name"], "arguments": ""}}
        chunks.append(delta_chunk({"tool_calls": [opened]}))
        for part in (arguments[: len(arguments) // 2], arguments[len(arguments) // 2 :]):
            chunks.append(delta_chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}))
    if message.get("content"):
        chunks.append(delta_chunk({"content": message["content"]}))
    chunks.append(delta_chunk({}, finish))
    if usage:
        chunks.append(chunk([], usage={"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}))
    chunks.append(sse_event("[DONE]"))
    return chunks


#: The Responses API's output item for an answer in plain text (an assistant message saying hi).
RESPONSES_TEXT_ITEM: dict[str, Any] = {
    "type": "message",
    "id": "msg_tg0003",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "hi"}],
}


def response_events(response_id: str, model: str, item: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The Responses API's event sequence for one output item (or none), ending in response.completed."""
    base = {
        "id": response_id,
        "object": "response",
        "created_at": 1_700_000_000,
        "model": model,
        "output": [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "store": False,
        "error": None,
        "incomplete_details": None,
        "usage": None,
    }
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {**base, "status": "in_progress"}},
        {"type": "response.in_progress", "response": {**base, "status": "in_progress"}},
    ]
    if item is not None:
        item_id = item["id"]
        if item["type"] == "function_call":
            events += [
                {
                    "type": "response.output_item.added",
                    "output_index": 0,
                    "item": {**item, "arguments": "", "status": "in_progress"},
                },
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item_id,
                    "output_index": 0,
                    "delta": item["arguments"],
                },
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": item_id,
                    "output_index": 0,
                    "arguments": item["arguments"],
                },
            ]
        else:
            text = item["content"][0]["text"]
            part = {"type": "output_text", "text": "", "annotations": []}
            where = {"item_id": item_id, "output_index": 0, "content_index": 0}
            events += [
                {
                    "type": "response.output_item.added",
                    "output_index": 0,
                    "item": {**item, "content": [], "status": "in_progress"},
                },
                {"type": "response.content_part.added", **where, "part": part},
                {"type": "response.output_text.delta", **where, "delta": text},
                {"type": "response.output_text.done", **where, "text": text},
                {"type": "response.content_part.done", **where, "part": {**part, "text": text}},
            ]
        events.append({"type": "response.output_item.done", "output_index": 0, "item": item})
    usage = {
        "input_tokens": 20,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 5,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 25,
    }
    output = [item] if item is not None else []
    events.append(
        {
            "type": "response.completed",
            "response": {**base, "status": "completed", "output": output, "usage": usage},
        }
    )
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return events


def anthropic_message(
    message_id: str, model: str, content: list[dict[str, Any]], stop: str
) -> dict[str, Any]:
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 20,
            "output_tokens": 5,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def anthropic_events(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The Messages API's stream for a finished message: blocks opened, filled by deltas, closed."""
    start = {**message, "content": [], "stop_reason": None, "usage": {**message["usage"], "output_tokens": 1}}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}, {"type": "ping"}]
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            opened = {**block, "input": {}}
            deltas = [
                {
                    "type": "input_json_delta",
                    "partial_json": json.dumps(block["input"], separators=(",", ":")),
                }
            ]
        elif block["type"] == "thinking":  # the signature arrives last, in its own delta
            opened = {**block, "thinking": "", "signature": ""}
            deltas = [
                {"type": "thinking_delta", "thinking": block["thinking"]},
                {"type": "signature_delta", "signature": block["signature"]},
            ]
        else:
            opened = {**block, "text": ""}
            deltas = [{"type": "text_delta", "text": block["text"]}]
        events.append({"type": "content_block_start", "index": index, "content_block": opened})
        events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        events.append({"type": "content_block_stop", "index": index})
    events += [
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": message["usage"]["output_tokens"]},
        },
        {"type": "message_stop"},
    ]
    return events


def anthropic_error(type_: str, message: str) -> dict[str, Any]:
    """Anthropic's error envelope (providers.md: ``type: error``, ``error``, ``request_id``)."""
    return {
        "type": "error",
        "error": {"type": type_, "message": message},
        "request_id": "req_011CTgScripted0001",
    }


# -- what the tests save --------------------------------------------------------------------------

SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "openai-api-key", "cookie"})


def recorded_headers(request: RecordedRequest) -> dict[str, str]:
    """The request's headers without credentials (and without hop-by-hop framing)."""
    skip = SECRET_HEADERS | {"host", "content-length", "connection", "sec-websocket-key"}
    return {k.lower(): v for k, v in request.headers if k.lower() not in skip}


def turn_requests(requests: Sequence[RecordedRequest], api: Api) -> list[RecordedRequest]:
    """The HTTP requests that were turns of the conversation: POSTs to the API's path with ``tools``
    (side requests such as titles have none). WebSocket turns are frames: see :func:`turn_frames`."""
    suffix = {"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"}[api]
    return [
        r
        for r in requests
        if r.method == "POST" and r.path.rstrip("/").endswith(suffix) and r.json().get("tools")
    ]


def turn_frames(requests: Sequence[RecordedRequest]) -> list[Any]:
    """The ``response.create`` messages sent over WebSockets that were turns (not prewarms)."""
    frames = [json.loads(f) for r in requests for f in r.frames]
    return [f for f in frames if f.get("type") == "response.create" and f.get("generate") is not False]
