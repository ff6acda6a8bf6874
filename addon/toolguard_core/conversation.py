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
from collections.abc import Iterable
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
    by_message: dict[int, list[Finding]] = {}
    general: list[Finding] = []
    for finding in sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9)):
        match = _LOCATION_MESSAGE.match(finding.location)
        if match and int(match.group(1)) < len(messages):
            by_message.setdefault(int(match.group(1)), []).append(finding)
        else:
            general.append(finding)

    out: list[str] = []
    out += _header(body, by_message, general, verdict, upstream_error)
    out += changes or []
    calls, answered_by = _pair_calls(messages)
    for index, message in enumerate(messages):
        out.append("")
        out += _render_message(index, message, calls, answered_by, by_message.get(index, []), max_text)
    return "\n".join(out) + "\n"


def _header(
    body: dict[str, Any],
    by_message: dict[int, list[Finding]],
    general: list[Finding],
    verdict: str | None,
    upstream_error: str | None,
) -> list[str]:
    all_findings = [f for group in by_message.values() for f in group] + general
    errors = sum(f.severity == Severity.ERROR for f in all_findings)
    lines = []
    summary = f"toolguard: {len(all_findings)} finding(s), {errors} error(s)"
    if verdict:
        summary += f", verdict: {verdict}"
    lines.append(summary)
    if upstream_error:
        lines.append(upstream_error)
    params = [f"model={json.dumps(body.get('model'))}"]
    for key in ("stream", "tool_choice", "parallel_tool_calls", "max_tokens", "max_completion_tokens"):
        if key in body:
            params.append(f"{key}={json.dumps(body[key])}")
    lines.append("request: " + " ".join(params))
    tools = body.get("tools")
    if isinstance(tools, list):
        names = [_tool_name(t) for t in tools]
        lines.append(f"tools ({len(names)}): {', '.join(names)}")
    for finding in general:
        lines += _render_finding(finding)
    return lines


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
            call = latest_by_id.get(message.get("tool_call_id"))  # type: ignore[arg-type]
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
) -> str:
    """A Responses API body's ``input`` as a transcript, the same way: each function call with the
    output answering it ("NO OUTPUT in this request"), each output with its call ("NO CALL with this
    call_id before it"), findings under the item they point at."""
    items = body.get("input")
    items = items if isinstance(items, list) else ([{"role": "user", "content": items}] if items else [])
    by_item: dict[int, list[Finding]] = {}
    general: list[Finding] = []
    for finding in sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9)):
        match = _LOCATION_INPUT.match(finding.location)
        if match and int(match.group(1)) < len(items):
            by_item.setdefault(int(match.group(1)), []).append(finding)
        else:
            general.append(finding)
    out = _header(body, by_item, general, verdict, upstream_error)
    if isinstance(body.get("previous_response_id"), str):
        out.append(f"previous_response_id: {body['previous_response_id']} (earlier items live upstream)")
    calls: dict[str, int] = {}
    outputs: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("call_id"), str):
            if item.get("type") in CALL_ITEMS:
                calls.setdefault(item["call_id"], index)
            elif item.get("type") in OUTPUT_ITEMS and index > calls.get(item["call_id"], len(items)):
                outputs.setdefault(item["call_id"], []).append(index)
    for index, item in enumerate(items):
        out.append("")
        out += _render_item(index, item, calls, outputs, max_text)
        out += [line for f in by_item.get(index, []) for line in _render_finding(f)]
    return "\n".join(out) + "\n"


def _render_item(
    index: int, item: Any, calls: dict[str, int], outputs: dict[str, list[int]], max_text: int | None
) -> list[str]:
    if not isinstance(item, dict):
        return [f"[{index}] (not an object) {_cut(json.dumps(item), max_text)}"]
    kind = item.get("type") or "message"
    call_id = item.get("call_id")
    if kind in CALL_ITEMS:
        arguments = item.get("arguments", item.get("input", ""))
        arguments = arguments if isinstance(arguments, str) else json.dumps(arguments)
        lines = [
            f"[{index}] {kind} {call_id or '(no call_id)'}: {item.get('name', '?')}({_cut(arguments, MAX_ARGUMENTS if max_text else None)})"
        ]
        answered = outputs.get(call_id, []) if isinstance(call_id, str) else []
        lines.append(
            f"     answered by {', '.join(f'input[{i}]' for i in answered)}"
            if answered
            else "     NO OUTPUT in this request"
        )
        return lines
    if kind in OUTPUT_ITEMS:
        called = calls.get(call_id) if isinstance(call_id, str) else None
        head = f"[{index}] {kind}  answers {call_id}" + (
            f", called at input[{called}]"
            if called is not None and called < index
            else ": NO CALL with this call_id before it"
        )
        output = item.get("output")
        return [head, *_indent(_cut(output if isinstance(output, str) else json.dumps(output), max_text))]
    role = item.get("role")
    head = f"[{index}] {kind}" + (f" ({role})" if isinstance(role, str) else "")
    text = _content_text(item.get("content")) if "content" in item else ""
    return [head, *(_indent(_cut(text, max_text)) if text else [])]
