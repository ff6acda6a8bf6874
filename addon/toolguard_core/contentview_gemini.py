"""A mitmproxy content view that shows a Gemini native request (``:generateContent``,
``:streamGenerateContent``) as its turns, the native twin of the chat view in
:mod:`toolguard_core.contentview`: one block per ``contents`` entry, function calls and responses on
their own lines, toolguard's findings under the turn they point at (the rendering is
:func:`toolguard_core.conversation.render_gemini_contents`, which ``toolguard show`` prints too)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mitmproxy import contentviews, http

from toolguard_core.contentview import EndpointContentview, _error_message
from toolguard_core.conversation import render_gemini_contents
from toolguard_core.findings import Finding
from toolguard_core.request import GEMINI, gemini_path_model
from toolguard_core.verdict import answered_by, rejected


class GeminiContentview(EndpointContentview):
    """Render a Gemini ``GenerateContentRequest`` body as its turns."""

    title = "Gemini generateContent"
    endpoint = GEMINI

    def render(
        self,
        body: dict[str, Any],
        findings: Iterable[Finding],
        *,
        verdict: str | None,
        flow: http.HTTPFlow | None,
    ) -> str:
        upstream = None
        if flow is not None and flow.response is not None and rejected(flow.response.status_code, False):
            upstream = f"{answered_by(flow.response.status_code, verdict)}: {_error_message(flow.response)}"
        model = gemini_path_model(flow.request.path.split("?", 1)[0]) if flow is not None else None
        return render_gemini_contents(body, findings, verdict=verdict, upstream_error=upstream, model=model)


gemini_view = GeminiContentview()


def register() -> None:
    """Add the view to mitmproxy's registry (re-adding on hot reload just replaces it)."""
    contentviews.add(gemini_view)
