"""A mitmproxy content view that shows an OpenAI Responses API request (``POST /v1/responses``) as the
conversation, the Responses twin of the chat view in :mod:`toolguard_core.contentview`.

The transcript itself is :func:`toolguard_core.conversation.render_responses_input`, the one Responses
renderer (``toolguard show`` prints the same text): each ``function_call`` with the output answering
its ``call_id``, each output with its call, reasoning items, findings under the item they point at.
This view adds what only a live flow has: the upstream's error and repair mode's changes. Findings
come from the addon's flow metadata, or are computed here for a flow the addon never saw (a ``.mitm``
file opened in mitmweb).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mitmproxy import contentviews, http

from toolguard_core import conversation
from toolguard_core.contentview import EndpointContentview, _changes_for, _error_message
from toolguard_core.findings import Finding
from toolguard_core.request import RESPONSES
from toolguard_core.verdict import answered_by, rejected


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
    """:func:`toolguard_core.conversation.render_responses_input` (the one Responses renderer, also
    ``toolguard show``'s), with the upstream's error read from ``flow.response`` and repair mode's
    changes from the flow's metadata."""
    upstream = None
    if flow is not None and flow.response is not None and rejected(flow.response.status_code, False):
        upstream = f"{answered_by(flow.response.status_code, verdict)}: {_error_message(flow.response)}"
    return conversation.render_responses_input(
        body, findings, verdict=verdict, upstream_error=upstream, changes=_changes_for(flow)
    )


responses = ResponsesContentview()


def register() -> None:
    """Add the view to mitmproxy's registry (re-adding on hot reload just replaces it)."""
    contentviews.add(responses)
