"""A mitmproxy content view that shows an Anthropic Messages request (``POST /v1/messages``) as the
conversation, the Messages twin of the chat view in :mod:`toolguard_core.contentview`.

One block per message, one line per content block: each assistant ``tool_use`` with the
``tool_result`` that answers it (or "NO RESULT"), each ``tool_result`` with the call it answers (or
"NO CALL"), thinking blocks with whether they are signed, and toolguard's findings printed under the
block they point at (``messages[1].content[2]...``). Findings come from the addon's flow metadata, or
are computed here for a flow the addon never saw (a ``.mitm`` file opened in mitmweb).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mitmproxy import http

from toolguard_core.contentview import EndpointContentview, upstream_error
from toolguard_core.conversation import (
    MAX_ARGUMENTS,
    MAX_TEXT,
    _cut,
    _indent,
    _render_finding,
    place_findings,
    request_line,
    summary_lines,
    tools_lines,
)
from toolguard_core.findings import Finding
from toolguard_core.request import MESSAGES

# A finding's message index, and the content block index when it points into one.
_LOCATION = re.compile(r"^messages\[(\d+)\](?:\.content\[(\d+)\])?")
_REQUEST_PARAMS = ("stream", "max_tokens", "thinking", "tool_choice", "temperature", "top_p")


@dataclass(slots=True)
class _Use:
    """A ``tool_use`` block and the ``tool_result`` blocks answering its id (message, block)."""

    message: int
    block: int
    id: str | None
    name: str
    input: str
    results: list[tuple[int, int]] = field(default_factory=list)


def render_messages(
    body: dict[str, Any],
    findings: Iterable[Finding],
    *,
    verdict: str | None = None,
    flow: http.HTTPFlow | None = None,
) -> str:
    """The transcript text; pure apart from reading ``flow.response`` for the upstream's error."""
    messages = body.get("messages")
    messages = messages if isinstance(messages, list) else []
    placed, general = place_findings(findings, _LOCATION, len(messages), _message_and_block)
    out = _header(body, placed, general, verdict, flow)
    uses, use_of = _pair(messages)
    for index, message in enumerate(messages):
        out.append("")
        out += _render_message(index, message, uses, use_of, placed)
    return "\n".join(out) + "\n"


def _message_and_block(match: re.Match[str]) -> tuple[int, int | None]:
    """A finding's place in a Messages body: the message, and the content block when it names one."""
    return int(match.group(1)), int(match.group(2)) if match.group(2) is not None else None


def _tool_name(tool: Any) -> str:
    """A Messages tool by its name, a server tool without one by its type (``<web_search_20250305>``)."""
    return str(tool.get("name") or f"<{tool.get('type')}>") if isinstance(tool, dict) else "?"


def _header(
    body: dict[str, Any],
    placed: dict[tuple[int, int | None], list[Finding]],
    general: list[Finding],
    verdict: str | None,
    flow: http.HTTPFlow | None,
) -> list[str]:
    lines = summary_lines(placed, general, verdict, upstream_error(flow, verdict))
    lines.append(request_line(body, _REQUEST_PARAMS, ("messages", "tools", "system")))
    lines += tools_lines(body, _tool_name)
    system = body.get("system")
    if isinstance(system, str):
        lines.append(f"system: {_cut(system.splitlines()[0] if system else '', 120)}")
    elif isinstance(system, list):
        size = sum(
            len(b.get("text", "")) for b in system if isinstance(b, dict) and isinstance(b.get("text"), str)
        )
        lines.append(f"system: {len(system)} block(s), {size:,} characters")
    for finding in general:
        lines += _render_finding(finding)
    return lines


def _blocks(message: dict[str, Any]) -> list[Any]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return content if isinstance(content, list) else []


def _pair(messages: list[Any]) -> tuple[list[_Use], dict[tuple[int, int], _Use]]:
    """Each tool_use with the tool_result blocks answering its id, and each tool_result -> its call.

    A result answers the latest earlier call with its id; whether it sits where Anthropic wants it
    (the very next user message, first) is what the findings printed under it say.
    """
    uses: list[_Use] = []
    latest: dict[str, _Use] = {}
    use_of: dict[tuple[int, int], _Use] = {}
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        for position, block in enumerate(_blocks(message)):
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_use":
                raw_input = block.get("input")
                use = _Use(
                    message=index,
                    block=position,
                    id=block.get("id") if isinstance(block.get("id"), str) else None,
                    name=block.get("name") if isinstance(block.get("name"), str) else "?",
                    input=raw_input
                    if isinstance(raw_input, str)
                    else json.dumps(raw_input, ensure_ascii=False),
                )
                uses.append(use)
                if use.id:
                    latest[use.id] = use
            elif block.get("type") == "tool_result":
                found = latest.get(block.get("tool_use_id"))  # type: ignore[arg-type]
                if found is not None:
                    found.results.append((index, position))
                    use_of[(index, position)] = found
    return uses, use_of


def _render_message(
    index: int,
    message: Any,
    uses: list[_Use],
    use_of: dict[tuple[int, int], _Use],
    placed: dict[tuple[int, int | None], list[Finding]],
) -> list[str]:
    if not isinstance(message, dict):
        lines = [f"[{index}] (not an object) {_cut(json.dumps(message), MAX_TEXT)}"]
        return lines + [line for f in placed.get((index, None), []) for line in _render_finding(f)]
    role = message.get("role")
    lines = [f"[{index}] {role if isinstance(role, str) else repr(role)}"]
    for position, block in enumerate(_blocks(message)):
        lines += _render_block(index, position, block, uses, use_of)
        lines += [line for f in placed.get((index, position), []) for line in _render_finding(f)]
    # Findings about the message itself (role, empty content, string content) come last.
    return lines + [line for f in placed.get((index, None), []) for line in _render_finding(f)]


def _render_block(
    index: int, position: int, block: Any, uses: list[_Use], use_of: dict[tuple[int, int], _Use]
) -> list[str]:
    if not isinstance(block, dict):
        return [f"  <not a block> {_cut(json.dumps(block), MAX_TEXT)}"]
    kind = block.get("type")
    if kind == "text":
        text = block.get("text")
        return _indent(_cut(text, MAX_TEXT)) if isinstance(text, str) and text else ["    <empty text>"]
    if kind in ("thinking", "redacted_thinking"):
        signed = "signed" if block.get("signature") or kind == "redacted_thinking" else "NO SIGNATURE"
        return [f"  <{kind}, {signed}>"]
    if kind == "tool_use":
        use = next((u for u in uses if (u.message, u.block) == (index, position)), None)
        if use is None:
            return ["  -> tool_use ?"]
        lines = [f"  -> tool_use {use.id or '(no id)'}: {use.name}({_cut(use.input, MAX_ARGUMENTS)})"]
        if use.results:
            where = ", ".join(f"messages[{m}].content[{b}]" for m, b in use.results)
            lines.append(f"     answered by {where}")
        else:
            lines.append("     NO RESULT in this request")
        return lines
    if kind == "tool_result":
        tool_use_id = block.get("tool_use_id")
        found = use_of.get((index, position))
        error = " (is_error)" if block.get("is_error") else ""
        if found is not None:
            head = (
                f"  <- tool_result{error} for {tool_use_id} = {found.name}, called at "
                f"messages[{found.message}].content[{found.block}]"
            )
        else:
            head = f"  <- tool_result{error} for {tool_use_id!r}: NO CALL with this id before it"
        return [head, *_indent(_cut(_result_text(block.get("content")), MAX_TEXT))]
    return [f"  <{kind if isinstance(kind, str) else 'block'}>"]


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part["text"]
            if isinstance(part, dict) and isinstance(part.get("text"), str)
            else f"<{part.get('type', 'block')}>"
            if isinstance(part, dict)
            else json.dumps(part)
            for part in content
        )
    return "" if content is None else json.dumps(content)


#: The Anthropic Messages API request view.
anthropic_messages = EndpointContentview("Anthropic Messages", MESSAGES, render_messages)
register = anthropic_messages.register
