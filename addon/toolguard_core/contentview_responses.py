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

from mitmproxy import http

from toolguard_core import conversation
from toolguard_core.contentview import EndpointContentview, _changes_for, upstream_error
from toolguard_core.findings import Finding
from toolguard_core.request import RESPONSES


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
    return conversation.render_responses_input(
        body,
        findings,
        verdict=verdict,
        upstream_error=upstream_error(flow, verdict),
        changes=_changes_for(flow),
    )


#: The OpenAI Responses API request view.
responses = EndpointContentview("Responses", RESPONSES, render_responses)
register = responses.register
