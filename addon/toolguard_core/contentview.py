"""A mitmproxy content view that shows a chat-completions request as the conversation.

In mitmweb or the mitmproxy console, a request in toolguard's scope opens as a transcript: one
block per message, each assistant tool call listed with the tool message that answers it (or
"NO ANSWER"), each tool message with the call it answers, and toolguard's findings printed under
the message they point at. The findings come from ``flow.metadata["toolguard"]`` (written by the
addon); for a flow the addon never saw (a ``.mitm`` file opened in mitmweb) the request is analysed
here with the same code.

Registered by ``addon/toolguard.py`` with ``contentviews.add``. The JSON view stays one click away.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mitmproxy import contentviews, http
from mitmproxy.contentviews import Metadata, SyntaxHighlight

from toolguard_core.analyze import analyse_request
from toolguard_core.findings import SEVERITY_ORDER, Finding, Severity
from toolguard_core.providers import DEFAULT_REGISTRY, ProviderRegistry
from toolguard_core.request import MESSAGES, endpoint_kind
from toolguard_core.upstream_errors import parse_error
from toolguard_core.verdict import error_text, rejected

METADATA_KEY = "toolguard"
# The addon's default scope (toolguard_paths): POST …/chat/completions.
CHAT_PATH = re.compile(r"/chat/completions/?$")
RESPONSES_PATH = re.compile(r"/responses/?$")
# Long texts (qwen-code's system prompt is ~27k characters) are cut; the JSON view has them whole.
MAX_TEXT = 600
MAX_ARGUMENTS = 300
_LOCATION_MESSAGE = re.compile(r"^messages\[(\d+)\]")


@dataclass(slots=True)
class _Call:
    message_index: int
    call_index: int
    id: str | None
    name: str
    arguments: str
    answers: list[int]


class ChatCompletionsContentview(contentviews.Contentview):
    """Render an OpenAI-compatible chat-completions request body as a conversation."""

    def __init__(self) -> None:
        #: The provider registry flows the addon never saw are judged with: the addon sets the one
        #: built from the user's providers file (``toolguard_providers``) when it configures.
        self.registry: ProviderRegistry = DEFAULT_REGISTRY

    @property
    def name(self) -> str:
        return "Chat Completions"

    @property
    def syntax_highlight(self) -> SyntaxHighlight:
        return "none"

    def render_priority(self, data: bytes, metadata: Metadata) -> float:
        flow = metadata.flow
        if not isinstance(flow, http.HTTPFlow) or metadata.http_message is not flow.request:
            return -1
        if flow.request.method != "POST" or not data:
            return -1
        path = flow.request.path.split("?", 1)[0]
        if RESPONSES_PATH.search(path):  # the Responses API has `input`, not `messages`
            return -1
        if endpoint_kind(path) == MESSAGES:  # Anthropic's Messages API: contentview_messages.py
            return -1
        # Flows the addon analysed are in scope by definition (whatever toolguard_paths says).
        if METADATA_KEY in flow.metadata or CHAT_PATH.search(path):
            return 2  # above the built-in JSON view (1)
        return -1

    def prettify(self, data: bytes, metadata: Metadata) -> str:
        body = json.loads(data)
        if not isinstance(body, dict):
            raise ValueError("not a JSON object")
        flow = metadata.flow if isinstance(metadata.flow, http.HTTPFlow) else None
        findings, verdict = _findings_for(data, flow)
        return render_conversation(body, findings, verdict=verdict, flow=flow, changes=_changes_for(flow))


def _changes_for(flow: http.HTTPFlow | None) -> list[str]:
    """Repair mode's record of what it changed in this request (the addon's metadata), as lines."""
    stored = flow.metadata.get(METADATA_KEY) if flow is not None else None
    if not isinstance(stored, dict):
        return []
    repairs = stored.get("repairs") if isinstance(stored.get("repairs"), list) else []
    left = stored.get("not_repaired") if isinstance(stored.get("not_repaired"), list) else []
    if not repairs and not left:
        return []
    lines = []
    if repairs:
        lines.append(
            f"toolguard repaired this request before sending it ({len(repairs)} change(s)); this is the "
            "repaired body, the findings are those of the request as the client sent it:"
        )
    for repair in repairs:
        if not isinstance(repair, dict):
            continue
        lines.append(
            f"  repaired {repair.get('rule')} at {repair.get('location')}: {repair.get('description')}"
        )
        lines.append(f"    patch: {_cut(json.dumps(repair.get('patch'), ensure_ascii=False), MAX_TEXT)}")
    for item in left:
        if isinstance(item, dict):
            lines.append(f"  left as is: {item.get('rule')} at {item.get('location')}: {item.get('reason')}")
    return lines


def _findings_for(data: bytes, flow: http.HTTPFlow | None) -> tuple[list[Finding], str | None]:
    stored = flow.metadata.get(METADATA_KEY) if flow is not None else None
    if isinstance(stored, dict) and isinstance(stored.get("findings"), list):
        findings = []
        for item in stored["findings"]:
            try:
                findings.append(Finding.model_validate(item))
            except ValueError:
                continue
        return findings, stored.get("verdict") if isinstance(stored.get("verdict"), str) else None
    url = flow.request.pretty_url if flow is not None else "https://api.openai.com/v1/chat/completions"
    return analyse_request(data, url, registry=chat_completions.registry).findings, None


def render_conversation(
    body: dict[str, Any],
    findings: Iterable[Finding],
    *,
    verdict: str | None = None,
    flow: http.HTTPFlow | None = None,
    changes: list[str] | None = None,
) -> str:
    """The transcript text; pure apart from reading ``flow.response`` for the upstream's error.
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
    out += _header(body, by_message, general, verdict, flow)
    out += changes or []
    calls, answered_by = _pair_calls(messages)
    for index, message in enumerate(messages):
        out.append("")
        out += _render_message(index, message, calls, answered_by, by_message.get(index, []))
    return "\n".join(out) + "\n"


def _header(
    body: dict[str, Any],
    by_message: dict[int, list[Finding]],
    general: list[Finding],
    verdict: str | None,
    flow: http.HTTPFlow | None,
) -> list[str]:
    all_findings = [f for group in by_message.values() for f in group] + general
    errors = sum(f.severity == Severity.ERROR for f in all_findings)
    lines = []
    summary = f"toolguard: {len(all_findings)} finding(s), {errors} error(s)"
    if verdict:
        summary += f", verdict: {verdict}"
    lines.append(summary)
    if flow is not None and flow.response is not None and rejected(flow.response.status_code, False):
        lines.append(f"upstream answered {flow.response.status_code}: {_error_message(flow.response)}")
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


def _error_message(response: http.Response) -> str:
    """The upstream's error as the store records it (:func:`parse_error`): the innermost provider
    message with its ``param``, else the start of the body."""
    error = parse_error(
        response.content, status=response.status_code, content_type=response.headers.get("content-type")
    )
    text = error_text(json.dumps(error.summary()), error.message)
    if not text:
        return _cut(response.get_text(strict=False) or "", 200)
    param = next((e.param for e in reversed(error.chain()) if e.param), None)
    return f"{text} (param: {param})" if param else text


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
    index: int, message: Any, calls: list[_Call], answered_by: dict[int, _Call], findings: list[Finding]
) -> list[str]:
    """One message; a finding located at one of its tool calls is printed right under that call."""
    placed: set[int] = set()
    if not isinstance(message, dict):
        lines = [f"[{index}] (not an object) {_cut(json.dumps(message), MAX_TEXT)}"]
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
        lines += _indent(_cut(text, MAX_TEXT))
    if role == "assistant":
        for call in (c for c in calls if c.message_index == index):
            arguments = _cut(call.arguments, MAX_ARGUMENTS)
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


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def _indent(text: str) -> list[str]:
    return ["    " + line for line in text.splitlines() or [""]]


chat_completions = ChatCompletionsContentview()


def register() -> None:
    """Add the view to mitmproxy's registry (re-adding on hot reload just replaces it)."""
    contentviews.add(chat_completions)
