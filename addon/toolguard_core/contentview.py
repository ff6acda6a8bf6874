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
from typing import Any, Protocol

from mitmproxy import contentviews, http
from mitmproxy.contentviews import Metadata, SyntaxHighlight

from toolguard_core import conversation
from toolguard_core.conversation import MAX_TEXT, _cut
from toolguard_core.findings import Finding
from toolguard_core.providers import DEFAULT_REGISTRY, ProviderRegistry
from toolguard_core.request import GEMINI, MESSAGES, EndpointKind, endpoint_kind
from toolguard_core.upstream_errors import parse_error
from toolguard_core.verdict import answered_by, error_text, rejected

METADATA_KEY = "toolguard"
# The addon's default scope (toolguard_paths): POST …/chat/completions.
CHAT_PATH = re.compile(r"/chat/completions/?$")
RESPONSES_PATH = re.compile(r"/responses/?$")


def request_flow(data: bytes, metadata: Metadata) -> http.HTTPFlow | None:
    """The flow when ``data`` is a POST request's body worth a conversation view, else None."""
    flow = metadata.flow
    if not isinstance(flow, http.HTTPFlow) or metadata.http_message is not flow.request:
        return None
    if flow.request.method != "POST" or not data:
        return None
    return flow


class EndpointRenderer(Protocol):
    """The one signature every endpoint's transcript renderer has (``render_messages``,
    ``render_responses``, ``render_gemini``): pure apart from reading the flow's response and metadata."""

    def __call__(
        self,
        body: dict[str, Any],
        findings: Iterable[Finding],
        *,
        verdict: str | None = None,
        flow: http.HTTPFlow | None = None,
    ) -> str: ...


class EndpointContentview(contentviews.Contentview):
    """A request body of one endpoint kind (the Responses API, Anthropic's Messages API, Gemini native)
    rendered as a conversation with the findings in place by that kind's renderer."""

    def __init__(self, title: str, endpoint: EndpointKind, renderer: EndpointRenderer) -> None:
        self.title = title
        self.endpoint = endpoint
        self.render = renderer

    @property
    def name(self) -> str:
        return self.title

    @property
    def syntax_highlight(self) -> SyntaxHighlight:
        return "none"

    def render_priority(self, data: bytes, metadata: Metadata) -> float:
        flow = request_flow(data, metadata)
        if flow is None:
            return -1
        path = flow.request.path.split("?", 1)[0]
        return 2 if endpoint_kind(path) == self.endpoint else -1  # above the built-in JSON view (1)

    def prettify(self, data: bytes, metadata: Metadata) -> str:
        flow = metadata.flow if isinstance(metadata.flow, http.HTTPFlow) else None
        body, findings, verdict = analysed(data, flow)
        return self.render(body, findings, verdict=verdict, flow=flow)

    def register(self) -> None:
        """Add the view to mitmproxy's registry (re-adding on hot reload just replaces it)."""
        contentviews.add(self)


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
        flow = request_flow(data, metadata)
        if flow is None:
            return -1
        path = flow.request.path.split("?", 1)[0]
        if RESPONSES_PATH.search(path):  # the Responses API has `input`, not `messages`
            return -1
        if endpoint_kind(path) in (MESSAGES, GEMINI):  # contentview_messages.py, contentview_gemini.py
            return -1
        # Flows the addon analysed are in scope by definition (whatever toolguard_paths says).
        if METADATA_KEY in flow.metadata or CHAT_PATH.search(path):
            return 2  # above the built-in JSON view (1)
        return -1

    def prettify(self, data: bytes, metadata: Metadata) -> str:
        flow = metadata.flow if isinstance(metadata.flow, http.HTTPFlow) else None
        body, findings, verdict = analysed(data, flow)
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


def analysed(data: bytes, flow: http.HTTPFlow | None) -> tuple[dict[str, Any], list[Finding], str | None]:
    """The request body parsed once, with its findings and verdict.

    A flow the addon analysed carries its findings and verdict in ``flow.metadata`` (the addon's
    ``_annotate``): those are shown as they are, never recomputed, and the body is only parsed for
    rendering. A flow the addon never saw (a ``.mitm`` file opened in mitmweb, a flow still in
    flight) is analysed here, and the view renders the tree that analysis parsed: one parse either
    way. Raises ValueError for a body that is not a JSON object (mitmproxy then shows the next view).
    """
    stored = flow.metadata.get(METADATA_KEY) if flow is not None else None
    if isinstance(stored, dict) and isinstance(stored.get("findings"), list):
        findings = []
        for item in stored["findings"]:
            try:
                findings.append(Finding.model_validate(item))
            except ValueError:
                continue
        verdict = stored.get("verdict") if isinstance(stored.get("verdict"), str) else None
        return _json_object(data), findings, verdict
    url = flow.request.pretty_url if flow is not None else "https://api.openai.com/v1/chat/completions"
    # Imported here: the analysis loads the rules and the causes catalogue (learned constraints), which
    # `toolguard show` (rendering a stored Messages flow through this module) never needs.
    from toolguard_core.analyze import analyse_request

    analysis = analyse_request(data, url, registry=chat_completions.registry)
    # No tree when the analysis did not parse the body: bad JSON (raised below), or a body over the
    # parse limit, which is still shown, with the finding that says it was not validated.
    body = analysis.body if analysis.body is not None else _json_object(data)
    return body, analysis.findings, None


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        body = json.loads(data)
    except RecursionError as exc:
        # Nested deeper than Python's parser goes: not a body this view can show, the ValueError
        # that makes mitmproxy show the next view, not a RecursionError (found by
        # tests/test_fuzz_contentview.py; the analysis already reports it as body.too-deep).
        raise ValueError("JSON nested too deeply to show") from exc
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    return body


def render_conversation(
    body: dict[str, Any],
    findings: Iterable[Finding],
    *,
    verdict: str | None = None,
    flow: http.HTTPFlow | None = None,
    changes: list[str] | None = None,
) -> str:
    """The transcript (:func:`toolguard_core.conversation.render_conversation`), with the upstream's
    error read from ``flow.response``. ``changes``: lines describing repair mode's changes, shown
    right under the header."""
    if flow is not None:  # Bedrock Converse and Ollama's /api/chat are shown in the chat shape
        body = conversation.native_as_chat(body, endpoint_kind(flow.request.path.split("?", 1)[0]))
    return conversation.render_conversation(
        body, findings, verdict=verdict, upstream_error=upstream_error(flow, verdict), changes=changes
    )


def upstream_error(flow: http.HTTPFlow | None, verdict: str | None) -> str | None:
    """The line every view prints for a rejected flow: who answered (the upstream, or toolguard for a
    blocked flow) and the upstream's error; ``None`` when the flow has no rejecting response."""
    if flow is None or flow.response is None or not rejected(flow.response.status_code, False):
        return None
    return f"{answered_by(flow.response.status_code, verdict)}: {_error_message(flow.response)}"


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


chat_completions = ChatCompletionsContentview()


def register() -> None:
    """Add the view to mitmproxy's registry (re-adding on hot reload just replaces it)."""
    contentviews.add(chat_completions)
