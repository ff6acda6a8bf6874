"""Property: mitmweb's views (Chat Completions, Responses, Anthropic Messages, Gemini) give any request
body a rendering, or a clean "not mine" (ValueError: mitmproxy then shows the next view), whatever the
body, the addon's stored metadata and the upstream's answer; never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from mitmproxy import http
from mitmproxy.contentviews import Metadata
from mitmproxy.test import tflow
from support.fuzz import FUZZ, JSON, URLS, dumps, raw_variants, seed_mutations

from toolguard_core import contentview, contentview_gemini, contentview_messages, contentview_responses

VIEWS = (
    contentview.chat_completions,
    contentview_responses.responses,
    contentview_messages.anthropic_messages,
    contentview_gemini.gemini_view,
)

STORED = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"findings": st.lists(JSON, max_size=3), "verdict": JSON},
    ),
    st.fixed_dictionaries(
        {
            "findings": st.lists(
                st.fixed_dictionaries(
                    {
                        "rule": st.sampled_from(["tools.orphan", "x"]),
                        "severity": st.sampled_from(["error", "warning", "info"]),
                        "location": st.sampled_from(
                            ["messages[0]", "messages[1].tool_calls[0]", "input[0]", "", "x"]
                        ),
                        "message": st.text(max_size=20),
                    }
                ),
                max_size=3,
            ),
            "verdict": st.sampled_from(["predicted", "unexplained", "blocked", None]),
        }
    ),
)

ANSWERS = st.one_of(
    st.none(),
    st.tuples(st.sampled_from([200, 400, 403, 429, 500]), st.binary(max_size=200)),
    st.tuples(
        st.sampled_from([400, 422]), JSON.map(lambda v: dumps({"error": v}).encode("utf-8", "surrogatepass"))
    ),
)


def _render(url: str, content: bytes, stored: Any, answer: tuple[int, bytes] | None) -> None:
    request = http.Request.make("POST", url, content, {"content-type": "application/json"})
    response = (
        http.Response.make(answer[0], answer[1], {"content-type": "application/json"}) if answer else False
    )
    flow = tflow.tflow(req=request, resp=response)
    if stored is not None:
        flow.metadata[contentview.METADATA_KEY] = stored
    metadata = Metadata(flow=flow, http_message=flow.request)
    for view in VIEWS:
        view.render_priority(content, metadata)
        try:
            text = view.prettify(content, metadata)
        except ValueError:
            continue  # "not mine": mitmproxy falls back to the next view
        assert isinstance(text, str)


@FUZZ
@given(seed=seed_mutations(), stored=STORED, answer=ANSWERS)
def test_mutated_real_bodies_render_or_decline(
    seed: tuple[str, Any], stored: Any, answer: tuple[int, bytes] | None
) -> None:
    url, body = seed
    _render(url, dumps(body).encode("utf-8", "surrogatepass"), stored, answer)


@FUZZ
@given(url=st.sampled_from(URLS), body=JSON, stored=STORED, data=st.data())
def test_any_body_renders_or_declines(url: str, body: Any, stored: Any, data: st.DataObject) -> None:
    _render(url, data.draw(raw_variants(dumps(body))), stored, data.draw(ANSWERS))
