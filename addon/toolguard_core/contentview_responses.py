"""A mitmproxy content view that shows an OpenAI Responses API request (``POST /v1/responses``) as the
conversation, the Responses twin of the chat view in :mod:`toolguard_core.contentview`.

One line block per ``input`` item: messages with their text, each ``function_call`` with the
``function_call_output`` that answers its ``call_id`` (or "NO OUTPUT in this request"), each output
with the call it answers (or "NO CALL in this request", which ``previous_response_id`` may explain),
reasoning items with whether they carry ``encrypted_content``, and toolguard's findings printed under
the item they point at (``input[3].call_id``). Findings come from the addon's flow metadata, or are
computed here for a flow the addon never saw (a ``.mitm`` file opened in mitmweb).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from mitmproxy import contentviews, http

from toolguard_core.contentview import EndpointContentview, _error_message
from toolguard_core.conversation import MAX_ARGUMENTS, MAX_TEXT, _content_text, _cut, _indent, _render_finding
from toolguard_core.findings import SEVERITY_ORDER, Finding, Severity
from toolguard_core.request import RESPONSES

_LOCATION = re.compile(r"^input\[(\d+)\]")
_REQUEST_PARAMS = ("stream", "store", "previous_response_id", "conversation", "tool_choice", "include")


class ResponsesContentview(EndpointContentview):
    """Render an OpenAI Responses API request body as a conversation."""

    title = "Responses"
    endpoint = RESPONSES

    def render(
        self,
        body: dict[str, Any],
        findings: Iterable[Finding],
        *,
        verdict: str | None,
        flow: http.HTTPFlow | None,
    ) -> str:
        return render_responses(body, findings, verdict=verdict, flow=flow)


def render_responses(
    body: dict[str, Any],
    findings: Iterable[Finding],
    *,
    verdict: str | None = None,
    flow: http.HTTPFlow | None = None,
) -> str:
    """The transcript text; pure apart from reading ``flow.response`` for the upstream's error."""
    raw = body.get("input")
    items: list[Any] = (
        [{"role": "user", "content": raw}] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    )
    placed: dict[int, list[Finding]] = {}
    general: list[Finding] = []
    for finding in sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9)):
        match = _LOCATION.match(finding.location)
        if match and int(match.group(1)) < len(items):
            placed.setdefault(int(match.group(1)), []).append(finding)
        else:
            general.append(finding)
    out = _header(body, placed, general, verdict, flow)
    calls, outputs = _pair(items)
    for index, item in enumerate(items):
        out.append("")
        out += _render_item(index, item, calls, outputs, bool(body.get("previous_response_id")))
        for finding in placed.get(index, []):
            out += _render_finding(finding)
    return "\n".join(out) + "\n"


def _header(
    body: dict[str, Any],
    placed: dict[int, list[Finding]],
    general: list[Finding],
    verdict: str | None,
    flow: http.HTTPFlow | None,
) -> list[str]:
    every = [f for group in placed.values() for f in group] + general
    errors = sum(f.severity == Severity.ERROR for f in every)
    summary = f"toolguard: {len(every)} finding(s), {errors} error(s)"
    if verdict:
        summary += f", verdict: {verdict}"
    lines = [summary]
    if flow is not None and flow.response is not None and flow.response.status_code >= 400:
        lines.append(f"upstream answered {flow.response.status_code}: {_error_message(flow.response)}")
    params = [f"model={json.dumps(body.get('model'))}"]
    params += [f"{key}={json.dumps(body[key])}" for key in _REQUEST_PARAMS if key in body]
    lines.append("request: " + " ".join(params))
    tools = body.get("tools")
    if isinstance(tools, list):
        names = [str(t.get("name") or f"<{t.get('type')}>") if isinstance(t, dict) else "?" for t in tools]
        lines.append(f"tools ({len(names)}): {', '.join(names)}")
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        lines.append(f"instructions: {_cut(instructions.splitlines()[0], 120)}")
    for finding in general:
        lines += _render_finding(finding)
    return lines


def _pair(items: list[Any]) -> tuple[dict[int, list[int]], dict[int, int]]:
    """function_call index -> the outputs answering its call_id; output index -> the call it answers
    (the latest earlier call with that call_id)."""
    calls: dict[int, list[int]] = {}
    outputs: dict[int, int] = {}
    latest: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("call_id"), str):
            continue
        if item.get("type") == "function_call":
            calls[index] = []
            latest[item["call_id"]] = index
        elif item.get("type") == "function_call_output" and item["call_id"] in latest:
            call = latest[item["call_id"]]
            calls[call].append(index)
            outputs[index] = call
    return calls, outputs


def _render_item(
    index: int, item: Any, calls: dict[int, list[int]], outputs: dict[int, int], stateful: bool
) -> list[str]:
    if not isinstance(item, dict):
        return [f"[{index}] (not an object) {_cut(json.dumps(item), MAX_TEXT)}"]
    kind = item.get("type") or ("message" if "role" in item else None)
    item_id = f" {item['id']}" if isinstance(item.get("id"), str) else ""
    if kind == "message":
        lines = [f"[{index}] {item.get('role')!s}{item_id}"]
        text = _content_text(item.get("content"))
        return lines + (_indent(_cut(text, MAX_TEXT)) if text else [])
    if kind == "function_call":
        arguments = item.get("arguments")
        arguments = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
        lines = [f"[{index}] function_call{item_id}"]
        lines.append(
            f"  -> call {item.get('call_id') or '(no call_id)'}: {item.get('name')}({_cut(arguments, MAX_ARGUMENTS)})"
        )
        answers = calls.get(index)
        if answers:
            lines.append(f"     answered by {', '.join(f'input[{i}]' for i in answers)}")
        else:
            lines.append("     NO OUTPUT in this request")
        return lines
    if kind == "function_call_output":
        head = f"[{index}] function_call_output{item_id}  answers {item.get('call_id')!r}"
        if index in outputs:
            head += f", called at input[{outputs[index]}]"
        else:
            head += ": NO CALL in this request" + (" (previous_response_id may hold it)" if stateful else "")
        output = item.get("output")
        text = output if isinstance(output, str) else _content_text(output)
        return [head] + (_indent(_cut(text, MAX_TEXT)) if text else [])
    if kind == "reasoning":
        encrypted = "encrypted" if item.get("encrypted_content") else "not encrypted"
        lines = [f"[{index}] reasoning{item_id} ({encrypted})"]
        summary = item.get("summary")
        text = (
            "\n".join(p["text"] for p in summary if isinstance(p, dict) and isinstance(p.get("text"), str))
            if isinstance(summary, list)
            else ""
        )
        return lines + (_indent(_cut(text, MAX_TEXT)) if text else [])
    return [f"[{index}] {kind}{item_id}"]


responses = ResponsesContentview()


def register() -> None:
    """Add the view to mitmproxy's registry (re-adding on hot reload just replaces it)."""
    contentviews.add(responses)
