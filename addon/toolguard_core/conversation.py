"""A chat-completions request as a conversation, in plain text: the mitmweb content view's rendering.

One block per message, each assistant tool call listed with the tool message that answers it (or
"NO ANSWER"), each tool message with the call it answers ("NO CALL with this id before it"), and
toolguard's findings printed under the message they point at. Pure (no mitmproxy import): the
content view (:mod:`toolguard_core.contentview`) shows it in mitmweb, ``toolguard show`` in a terminal
and in a bug report (issue #13), so both render the same transcript.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from toolguard_core.findings import SEVERITY_ORDER, Finding, Severity

# Long texts (qwen-code's system prompt is ~27k characters) are cut; the JSON view has them whole.
MAX_TEXT = 600
MAX_ARGUMENTS = 300
_LOCATION_MESSAGE = re.compile(r"^messages\[(\d+)\]")
_LOCATION_INPUT = re.compile(r"^input\[(\d+)\]")
#: The Responses API items that carry a call id and those that answer one (OpenAI's item types).
CALL_ITEMS = frozenset({"function_call", "custom_tool_call", "local_shell_call"})
OUTPUT_ITEMS = frozenset({"function_call_output", "custom_tool_call_output", "local_shell_call_output"})


def place_findings[K](
    findings: Iterable[Finding],
    location: re.Pattern[str],
    count: int,
    key: Callable[[re.Match[str]], K] = lambda match: int(match.group(1)),
) -> tuple[dict[K, list[Finding]], list[Finding]]:
    """Findings by the block they point at, most severe first: ``location`` matches a finding's
    location and its first group is the block's index (``messages[3]``, ``input[2]``, ``contents[0]``);
    ``key`` is where it is placed (by default that index). A finding past the last of ``count`` blocks,
    or about the request as a whole, goes to the general list printed under the header."""
    placed: dict[K, list[Finding]] = {}
    general: list[Finding] = []
    for finding in sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9)):
        match = location.match(finding.location)
        if match and int(match.group(1)) < count:
            placed.setdefault(key(match), []).append(finding)
        else:
            general.append(finding)
    return placed, general


def summary_lines(
    placed: Mapping[Any, list[Finding]],
    general: list[Finding],
    verdict: str | None,
    upstream_error: str | None,
) -> list[str]:
    """Every transcript's first lines: how many findings and errors (and the verdict), then the line
    naming the upstream's rejection, if any."""
    every = [f for group in placed.values() for f in group] + general
    errors = sum(f.severity == Severity.ERROR for f in every)
    summary = f"toolguard: {len(every)} finding(s), {errors} error(s)"
    if verdict:
        summary += f", verdict: {verdict}"
    return [summary, upstream_error] if upstream_error else [summary]


#: How many of the other top-level fields :func:`request_line` names before "and N more".
MAX_OTHER_FIELDS = 12


def request_line(body: dict[str, Any], params: Iterable[str], shown: Iterable[str] = ()) -> str:
    """``request: model=... <param>=...`` for the model and those of ``params`` the body sets, in order,
    then the names of the body's other top-level fields (``shown``: those the view renders below, the
    messages, tools, system prompt...). Names only: a value may be large. A request refused for an
    extra field (``context_management: Extra inputs are not permitted``) showed no trace of it in
    ``toolguard show``'s transcript (trial17)."""
    params = tuple(params)
    named = [f"model={json.dumps(body.get('model'))}"]
    named += [f"{key}={json.dumps(body[key])}" for key in params if key in body]
    skip = {"model", *params, *shown}
    others = [str(key) for key in body if key not in skip]
    line = "request: " + " ".join(named)
    if others:
        more = len(others) - MAX_OTHER_FIELDS
        line += (
            "; other fields: "
            + ", ".join(others[:MAX_OTHER_FIELDS])
            + (f" and {more} more" if more > 0 else "")
        )
    return line


@dataclass(slots=True)
class _Call:
    message_index: int
    call_index: int
    id: str | None
    name: str
    arguments: str
    answers: list[int]


def render_conversation(
    body: dict[str, Any],
    findings: Iterable[Finding],
    *,
    verdict: str | None = None,
    upstream_error: str | None = None,
    max_text: int | None = MAX_TEXT,
    changes: list[str] | None = None,
) -> str:
    """The transcript text. ``upstream_error``: the line naming the upstream's rejection, if any
    (e.g. ``upstream answered 400: ...``); ``max_text``: where long contents are cut (None: never);
    ``changes``: lines describing repair mode's changes, shown right under the header."""
    messages = body.get("messages")
    messages = messages if isinstance(messages, list) else []
    by_message, general = place_findings(findings, _LOCATION_MESSAGE, len(messages))
    out: list[str] = []
    out += _header(body, by_message, general, verdict, upstream_error)
    out += changes or []
    calls, answered_by = _pair_calls(messages)
    for index, message in enumerate(messages):
        out.append("")
        out += _render_message(index, message, calls, answered_by, by_message.get(index, []), max_text)
    return "\n".join(out) + "\n"


# The request parameters the chat header names (besides the model), in this order.
_CHAT_PARAMS = ("stream", "tool_choice", "parallel_tool_calls", "max_tokens", "max_completion_tokens")


def _header(
    body: dict[str, Any],
    by_message: dict[int, list[Finding]],
    general: list[Finding],
    verdict: str | None,
    upstream_error: str | None,
) -> list[str]:
    lines = summary_lines(by_message, general, verdict, upstream_error)
    lines.append(request_line(body, _CHAT_PARAMS, ("messages", "tools")))
    lines += tools_lines(body)
    for finding in general:
        lines += _render_finding(finding)
    return lines


def tools_lines(body: dict[str, Any], name: Callable[[Any], str] | None = None) -> list[str]:
    """``tools (N): a, b`` when the body declares a ``tools`` list (``name``: how one is named, by
    default the chat/Responses way, :func:`_tool_name`), else nothing."""
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    names = [(name or _tool_name)(tool) for tool in tools]
    return [f"tools ({len(names)}): {', '.join(names)}"]


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        function = tool.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            return function["name"]
        if isinstance(tool.get("name"), str):
            return tool["name"]
        if isinstance(tool.get("type"), str):
            return f"<{tool['type']}>"
    return "?"


def _pair_calls(messages: list[Any]) -> tuple[list[_Call], dict[int, _Call]]:
    """Each assistant tool call and the tool messages answering it, plus tool message → its call.

    A tool message answers the latest earlier call with its id (ids can be reused across turns).
    Where the pairing breaks the rules, the findings say so at that message.
    """
    calls: list[_Call] = []
    latest_by_id: dict[str, _Call] = {}
    answered_by: dict[int, _Call] = {}
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        if message.get("role") == "assistant" and isinstance(message.get("tool_calls"), list):
            for call_index, raw in enumerate(message["tool_calls"]):
                raw = raw if isinstance(raw, dict) else {}
                function = raw.get("function") if isinstance(raw.get("function"), dict) else {}
                arguments = function.get("arguments")
                call = _Call(
                    message_index=index,
                    call_index=call_index,
                    id=raw.get("id") if isinstance(raw.get("id"), str) else None,
                    name=function.get("name") if isinstance(function.get("name"), str) else "?",
                    arguments=arguments if isinstance(arguments, str) else json.dumps(arguments),
                    answers=[],
                )
                calls.append(call)
                if call.id:
                    latest_by_id[call.id] = call
        elif message.get("role") == "tool":
            # Only a string id pairs: a list or object here (the user's mistake, which the rules
            # flag) raised "unhashable type" and the view failed (found by tests/test_fuzz_contentview.py).
            call_id = message.get("tool_call_id")
            call = latest_by_id.get(call_id) if isinstance(call_id, str) else None
            if call is not None:
                call.answers.append(index)
                answered_by[index] = call
    return calls, answered_by


def _render_message(
    index: int,
    message: Any,
    calls: list[_Call],
    answered_by: dict[int, _Call],
    findings: list[Finding],
    max_text: int | None = MAX_TEXT,
) -> list[str]:
    """One message; a finding located at one of its tool calls is printed right under that call."""
    placed: set[int] = set()
    if not isinstance(message, dict):
        lines = [f"[{index}] (not an object) {_cut(json.dumps(message), max_text)}"]
        return lines + [line for f in findings for line in _render_finding(f)]
    role = message.get("role")
    head = f"[{index}] {role if isinstance(role, str) else repr(role)}"
    if isinstance(message.get("name"), str):
        head += f" ({message['name']})"
    lines = []
    if role == "tool":
        tool_call_id = message.get("tool_call_id")
        call = answered_by.get(index)
        if call is not None:
            head += (
                f"  answers {tool_call_id} = {call.name}, called at "
                f"messages[{call.message_index}].tool_calls[{call.call_index}]"
            )
        else:
            head += f"  answers {tool_call_id!r}: NO CALL with this id before it"
    lines.append(head)
    text = _content_text(message.get("content"))
    if text:
        lines += _indent(_cut(text, max_text))
    if role == "assistant":
        for call in (c for c in calls if c.message_index == index):
            arguments = _cut(call.arguments, MAX_ARGUMENTS if max_text else None)
            lines.append(f"  -> call {call.id or '(no id)'}: {call.name}({arguments})")
            if call.answers:
                where = ", ".join(f"messages[{i}]" for i in call.answers)
                lines.append(f"     answered by {where}")
            else:
                lines.append("     NO ANSWER in this request")
            prefix = f"messages[{index}].tool_calls[{call.call_index}]"
            for number, finding in enumerate(findings):
                if finding.location == prefix or finding.location.startswith((prefix + ".", prefix + "[")):
                    placed.add(number)
                    lines += _render_finding(finding)
    for number, finding in enumerate(findings):
        if number not in placed:
            lines += _render_finding(finding)
    return lines


def _render_finding(finding: Finding) -> list[str]:
    marker = {"error": "!!", "warning": "! ", "info": "i "}.get(finding.severity, "? ")
    return [
        f"  {marker} {finding.severity.upper()} {finding.rule} at {finding.location}",
        f"     {finding.message}",
    ]


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, dict):
                parts.append(f"<{part.get('type', 'part')}>")
            else:
                parts.append(json.dumps(part))
        return "\n".join(parts)
    return json.dumps(content)


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def _indent(text: str) -> list[str]:
    return ["    " + line for line in text.splitlines() or [""]]


def render_responses_input(
    body: dict[str, Any],
    findings: Iterable[Finding],
    *,
    verdict: str | None = None,
    upstream_error: str | None = None,
    max_text: int | None = MAX_TEXT,
    changes: list[str] | None = None,
) -> str:
    """A Responses API body's ``input`` as a transcript: one block per item, messages with their
    text, each call (``function_call`` and its siblings) with the outputs answering its ``call_id``
    ("NO OUTPUT in this request"), each output with the call it answers ("NO CALL in this request",
    which ``previous_response_id`` may explain), reasoning items with whether they carry
    ``encrypted_content``, and findings under the item they point at (``input[3].call_id``).

    The one Responses renderer: mitmweb's "Responses" view (:mod:`toolguard_core.contentview_responses`,
    which adds the upstream's error from the live flow) and ``toolguard show`` both call it."""
    items = responses_items(body)
    placed, general = _place_items(findings, len(items))
    out = _responses_header(body, placed, general, verdict, upstream_error)
    out += changes or []
    out += render_responses_items(body, findings, max_text=max_text)
    return "\n".join(out) + "\n"


def responses_items(body: dict[str, Any]) -> list[Any]:
    """A Responses body's ``input`` as items (a plain string is one user message)."""
    raw = body.get("input")
    return (
        [{"role": "user", "content": raw}] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    )


def render_responses_items(
    body: dict[str, Any],
    findings: Iterable[Finding] = (),
    *,
    start: int = 0,
    end: int | None = None,
    max_text: int | None = MAX_TEXT,
) -> list[str]:
    """The item blocks of :func:`render_responses_input` for ``input[start:end]`` (each preceded by a
    blank line), paired over the whole input: the summary's excerpt of a Responses flow shows these."""
    items = responses_items(body)
    placed, _ = _place_items(findings, len(items))
    calls, outputs = _pair_items(items)
    stateful = bool(body.get("previous_response_id"))
    out: list[str] = []
    for index in range(max(0, start), len(items) if end is None else min(end, len(items))):
        out.append("")
        out += _render_item(index, items[index], calls, outputs, stateful, max_text)
        out += [line for f in placed.get(index, []) for line in _render_finding(f)]
    return out


def _place_items(findings: Iterable[Finding], count: int) -> tuple[dict[int, list[Finding]], list[Finding]]:
    """Findings by the ``input[k]`` item they point at (most severe first), and the others."""
    return place_findings(findings, _LOCATION_INPUT, count)


# The request parameters the Responses header names (besides the model), in this order.
_RESPONSES_PARAMS = ("stream", "store", "previous_response_id", "conversation", "tool_choice", "include")


def _responses_header(
    body: dict[str, Any],
    placed: dict[int, list[Finding]],
    general: list[Finding],
    verdict: str | None,
    upstream_error: str | None,
) -> list[str]:
    lines = summary_lines(placed, general, verdict, upstream_error)
    lines.append(request_line(body, _RESPONSES_PARAMS, ("input", "tools", "instructions")))
    lines += tools_lines(body)
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        lines.append(f"instructions: {_cut(instructions.splitlines()[0], 120)}")
    for finding in general:
        lines += _render_finding(finding)
    return lines


def _pair_items(items: list[Any]) -> tuple[dict[int, list[int]], dict[int, int]]:
    """Call item index -> the outputs answering its call_id; output index -> the call it answers
    (the latest earlier call with that call_id: ids can be reused across turns)."""
    calls: dict[int, list[int]] = {}
    outputs: dict[int, int] = {}
    latest: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("call_id"), str):
            continue
        kind = _item_type(item)
        if kind in CALL_ITEMS:
            calls[index] = []
            latest[item["call_id"]] = index
        elif kind in OUTPUT_ITEMS and item["call_id"] in latest:
            call = latest[item["call_id"]]
            calls[call].append(index)
            outputs[index] = call
    return calls, outputs


def _item_type(item: dict[str, Any]) -> str | None:
    """An item's ``type`` when it is a string: a list or object there (the user's mistake, which the
    rules flag) raised "unhashable type" against the item sets and the Responses view failed (found by
    tests/test_fuzz_contentview.py)."""
    kind = item.get("type")
    return kind if isinstance(kind, str) else None


def _render_item(
    index: int,
    item: Any,
    calls: dict[int, list[int]],
    outputs: dict[int, int],
    stateful: bool,
    max_text: int | None,
) -> list[str]:
    if not isinstance(item, dict):
        return [f"[{index}] (not an object) {_cut(json.dumps(item), max_text)}"]
    kind = _item_type(item) or ("message" if "role" in item else None)
    item_id = f" {item['id']}" if isinstance(item.get("id"), str) else ""
    if kind == "message":
        lines = [f"[{index}] {item.get('role')!s}{item_id}"]
        text = _content_text(item.get("content"))
        return lines + (_indent(_cut(text, max_text)) if text else [])
    if kind in CALL_ITEMS:
        # A custom tool call carries `input` (free text), a function call `arguments` (JSON text).
        arguments = item.get("arguments", item.get("input", ""))
        arguments = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
        cut = _cut(arguments, MAX_ARGUMENTS if max_text else None)
        lines = [f"[{index}] {kind}{item_id}"]
        lines.append(f"  -> call {item.get('call_id') or '(no call_id)'}: {item.get('name', '?')}({cut})")
        answers = calls.get(index)
        if answers:
            lines.append(f"     answered by {', '.join(f'input[{i}]' for i in answers)}")
        else:
            lines.append("     NO OUTPUT in this request")
        return lines
    if kind in OUTPUT_ITEMS:
        head = f"[{index}] {kind}{item_id}  answers {item.get('call_id')!r}"
        if index in outputs:
            head += f", called at input[{outputs[index]}]"
        else:
            head += ": NO CALL in this request" + (" (previous_response_id may hold it)" if stateful else "")
        output = item.get("output")
        text = output if isinstance(output, str) else _content_text(output)
        return [head] + (_indent(_cut(text, max_text)) if text else [])
    if kind == "reasoning":
        encrypted = "encrypted" if item.get("encrypted_content") else "not encrypted"
        lines = [f"[{index}] reasoning{item_id} ({encrypted})"]
        summary = item.get("summary")
        text = (
            "\n".join(p["text"] for p in summary if isinstance(p, dict) and isinstance(p.get("text"), str))
            if isinstance(summary, list)
            else ""
        )
        return lines + (_indent(_cut(text, max_text)) if text else [])
    return [f"[{index}] {kind}{item_id}"]


_LOCATION_CONTENT = re.compile(r"^(?:request\.)?contents\[(\d+)\]")


def gemini_request(body: dict[str, Any]) -> dict[str, Any]:
    """The GenerateContentRequest of a native Gemini body: Code Assist's (gemini-cli's OAuth backend)
    wraps it in ``request`` beside ``model`` and ``project``."""
    inner = body.get("request")
    return inner if isinstance(inner, dict) and "contents" not in body else body


def render_gemini_contents(
    body: dict[str, Any],
    findings: Iterable[Finding],
    *,
    verdict: str | None = None,
    upstream_error: str | None = None,
    max_text: int | None = MAX_TEXT,
    model: str | None = None,
) -> str:
    """A Gemini native request (``:generateContent``) as its turns: one block per ``contents`` entry,
    one line per part (text, ``functionCall`` name(args), ``functionResponse`` name), findings under the
    turn they point at (``contents[2]...``, ``request.contents[2]...``). ``model``: the path's."""
    request = gemini_request(body)
    contents = request.get("contents")
    contents = [contents] if isinstance(contents, dict) else contents if isinstance(contents, list) else []
    by_turn, general = place_findings(findings, _LOCATION_CONTENT, len(contents))
    out = summary_lines(by_turn, general, verdict, upstream_error)
    out.append(f"request: model={json.dumps(model or body.get('model'))} (Gemini generateContent)")
    system = request.get("systemInstruction", request.get("system_instruction"))
    if isinstance(system, dict):
        out.append("systemInstruction:")
        out += _gemini_parts(system, max_text)
    for finding in general:
        out += _render_finding(finding)
    for index, content in enumerate(contents):
        out.append("")
        role = content.get("role") if isinstance(content, dict) else None
        out.append(f"[{index}] {role if isinstance(role, str) else '(no role)'}")
        out += _gemini_parts(content, max_text)
        for finding in by_turn.get(index, []):
            out += _render_finding(finding)
    return "\n".join(out) + "\n"


def _gemini_parts(content: Any, max_text: int | None) -> list[str]:
    parts = content.get("parts") if isinstance(content, dict) else None
    parts = [parts] if isinstance(parts, dict) else parts if isinstance(parts, list) else []
    lines: list[str] = []
    for part in parts:
        if not isinstance(part, dict):
            lines += _indent(_cut(json.dumps(part), max_text))
            continue
        call = part.get("functionCall", part.get("function_call"))
        response = part.get("functionResponse", part.get("function_response"))
        if isinstance(part.get("text"), str):
            lines += _indent(_cut(part["text"], max_text))
        elif isinstance(call, dict):
            arguments = _cut(json.dumps(call.get("args", {})), MAX_ARGUMENTS if max_text else None)
            signed = " (signed)" if part.get("thoughtSignature", part.get("thought_signature")) else ""
            lines.append(f"  -> call {call.get('name')}({arguments}){signed}")
        elif isinstance(response, dict):
            lines.append(
                f"  <- response {response.get('name')}: {_cut(json.dumps(response.get('response')), 200)}"
            )
        else:
            lines.append(f"  <{', '.join(part) or 'empty part'}>")
    return lines


def native_as_chat(body: dict[str, Any], kind: str) -> dict[str, Any]:
    """A Bedrock Converse or Ollama ``/api/chat`` body in the chat shape :func:`render_conversation` reads, message
    for message (so findings at ``messages[N]`` stay on their turn). Converse: ``text`` blocks become text parts,
    ``toolUse`` blocks the message's ``tool_calls``, ``toolResult`` blocks a line naming the call they answer.
    Ollama pairs a tool result with its call by order, not by id: calls and results get matching ordinal ids.
    Any other body is returned as it is."""
    messages = body.get("messages")
    if kind not in ("converse", "ollama") or not isinstance(messages, list):
        return body
    out: list[Any] = []
    if kind == "converse":
        for message in messages:
            if not isinstance(message, dict) or not isinstance(message.get("content"), list):
                out.append(message)
                continue
            parts: list[dict[str, Any]] = []
            calls: list[dict[str, Any]] = []
            for block in message["content"]:
                if not isinstance(block, dict):
                    continue
                use, result = block.get("toolUse"), block.get("toolResult")
                if isinstance(use, dict):
                    calls.append(
                        {
                            "id": use.get("toolUseId"),
                            "type": "function",
                            "function": {"name": use.get("name"), "arguments": json.dumps(use.get("input"))},
                        }
                    )
                elif isinstance(result, dict):
                    inner = result.get("content") if isinstance(result.get("content"), list) else []
                    texts = [
                        str(c.get("text")) if "text" in c else json.dumps(c.get("json", c))
                        for c in inner
                        if isinstance(c, dict)
                    ]
                    parts.append(
                        {"type": "text", "text": f"[toolResult {result.get('toolUseId')}] " + " ".join(texts)}
                    )
                elif "text" in block:
                    parts.append({"type": "text", "text": block["text"]})
                else:
                    parts.append({"type": next(iter(block), "block")})
            results = [
                b["toolResult"] for b in message["content"] if isinstance(b, dict) and "toolResult" in b
            ]
            if len(results) == 1 and len(parts) == 1 and isinstance(results[0], dict):
                # One result alone in its turn reads as the chat tool message it stands for.
                text = str(parts[0]["text"]).split("] ", 1)[-1]
                out.append({"role": "tool", "tool_call_id": results[0].get("toolUseId"), "content": text})
                continue
            converted: dict[str, Any] = {"role": message.get("role"), "content": parts or None}
            if calls:
                converted["tool_calls"] = calls
            out.append(converted)
        return {**body, "messages": out}
    calls_seen = 0
    answered = 0
    for message in messages:
        if not isinstance(message, dict):
            out.append(message)
            continue
        converted = dict(message)
        calls = message.get("tool_calls")
        if isinstance(calls, list):
            converted["tool_calls"] = []
            for call in calls:
                calls_seen += 1
                function = call.get("function") if isinstance(call, dict) else None
                arguments = function.get("arguments") if isinstance(function, dict) else None
                converted["tool_calls"].append(
                    {
                        "id": f"call_{calls_seen}",
                        "type": "function",
                        "function": {
                            "name": function.get("name") if isinstance(function, dict) else None,
                            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                        },
                    }
                )
        if message.get("role") == "tool":
            answered += 1
            converted["tool_call_id"] = f"call_{answered}"
        out.append(converted)
    return {**body, "messages": out}
