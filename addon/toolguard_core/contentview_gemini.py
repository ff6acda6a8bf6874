"""A mitmproxy content view that shows a Gemini native request (``:generateContent``,
``:streamGenerateContent``) as its turns, the native twin of the chat view in
:mod:`toolguard_core.contentview`: one block per ``contents`` entry, function calls and responses on
their own lines, toolguard's findings under the turn they point at (the rendering is
:func:`toolguard_core.conversation.render_gemini_contents`, which ``toolguard show`` prints too)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mitmproxy import http

from toolguard_core.contentview import EndpointContentview, upstream_error
from toolguard_core.conversation import render_gemini_contents
from toolguard_core.findings import Finding
from toolguard_core.request import GEMINI, gemini_path_model


def render_gemini(
    body: dict[str, Any],
    findings: Iterable[Finding],
    *,
    verdict: str | None = None,
    flow: http.HTTPFlow | None = None,
) -> str:
    """:func:`toolguard_core.conversation.render_gemini_contents` with the upstream's error and the model
    the flow's path names (a native request carries its model in the URL, not the body)."""
    model = gemini_path_model(flow.request.path.split("?", 1)[0]) if flow is not None else None
    return render_gemini_contents(
        body, findings, verdict=verdict, upstream_error=upstream_error(flow, verdict), model=model
    )


#: The Gemini native ``generateContent`` request view.
gemini_view = EndpointContentview("Gemini generateContent", GEMINI, render_gemini)
register = gemini_view.register
