"""The Gemini native view (mitmweb, and ``toolguard show`` through the same renderer): a
``:generateContent`` body shown as its turns with the findings in place, the whole text compared."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from mitmproxy import contentviews, http
from mitmproxy.test import taddons, tflow
from support.flows import json_flow

from toolguard_core import contentview, contentview_gemini, contentview_messages, contentview_responses

URL = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
COUNT_ERROR = (
    "Please ensure that the number of function response parts is equal to the number of function call "
    "parts of the function call turn."
)


@pytest.fixture
def tctx() -> Iterator[taddons.context]:
    contentview.register()
    contentview_messages.register()
    contentview_responses.register()
    contentview_gemini.register()
    with taddons.context() as context:
        yield context


def test_short_function_response_turn_whole_transcript(tctx: taddons.context) -> None:
    body = {
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Weather in Paris and Rome?"}]},
            {
                "role": "model",
                "parts": [
                    {
                        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                        "thoughtSignature": "c2ln",
                    },
                    {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
                ],
            },
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "get_weather", "response": {"t": "18C"}}}],
            },
        ],
    }
    answer = http.Response.make(
        400, json.dumps({"error": {"code": 400, "message": COUNT_ERROR, "status": "INVALID_ARGUMENT"}})
    )
    flow = json_flow(body, URL, answer)
    shown = contentviews.prettify_message(flow.request, flow)
    assert shown.view_name == "Gemini generateContent"
    assert shown.text == (
        "toolguard: 1 finding(s), 1 error(s)\n"
        f"upstream answered 400: {COUNT_ERROR}\n"
        'request: model="gemini-2.5-flash" (Gemini generateContent)\n'
        "systemInstruction:\n"
        "    Be brief.\n"
        "\n"
        "[0] user\n"
        "    Weather in Paris and Rome?\n"
        "\n"
        "[1] model\n"
        '  -> call get_weather({"city": "Paris"}) (signed)\n'
        '  -> call get_weather({"city": "Rome"})\n'
        "\n"
        "[2] user\n"
        '  <- response get_weather: {"t": "18C"}\n'
        "  !! ERROR gemini.function-response-count at contents[2]\n"
        "     contents[2] answers with 1 functionResponse part(s) but the call turn before it made 2 "
        "functionCall part(s); send one response per call, in one turn.\n"
    )


def test_chat_paths_keep_the_chat_view(tctx: taddons.context) -> None:
    request = http.Request.make(
        "POST",
        "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
        b'{"model": "x", "messages": []}',
    )
    flow = tflow.tflow(req=request)
    assert contentviews.prettify_message(flow.request, flow).view_name == "Chat Completions"
