"""The "Responses" content view, through mitmproxy's own view selection (prettify_message)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from mitmproxy import contentviews, http
from mitmproxy.test import taddons, tflow
from support.flows import json_flow
from support.scripted import RESPONSES_UNANSWERED

from toolguard_core import contentview, contentview_messages, contentview_responses

URL = "https://api.openai.com/v1/responses"
CALL_ID = "call_Fo6YPd3EALEdfPLMbfr4BTKf"
TOOL = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
CALL = {
    "type": "function_call",
    "id": "fc_0a4d5126",
    "call_id": CALL_ID,
    "name": "get_weather",
    "arguments": '{"city":"Paris"}',
}
UNANSWERED_400 = json.dumps(
    {
        "error": {
            "message": RESPONSES_UNANSWERED.format(call_id=CALL_ID),
            "type": "invalid_request_error",
            "param": "input",
            "code": None,
        }
    }
)


@pytest.fixture
def tctx() -> Iterator[taddons.context]:
    contentview.register()
    contentview_messages.register()
    contentview_responses.register()
    with taddons.context() as context:
        yield context


def responses_flow(body: Any, response: http.Response | None = None) -> http.HTTPFlow:
    return json_flow(body, URL, response)


def test_unanswered_call_whole_transcript(tctx: taddons.context) -> None:
    body = {
        "model": "gpt-4.1",
        "instructions": "You are terse.\nSecond line.",
        "store": False,
        "tools": [TOOL],
        "input": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [{"type": "summary_text", "text": "Call it."}],
                "encrypted_content": "gAAA",
            },
            CALL,
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Never mind."}]},
        ],
    }
    response = http.Response.make(400, UNANSWERED_400, {"content-type": "application/json"})
    flow = responses_flow(body, response)
    result = contentviews.prettify_message(flow.request, flow)
    assert result.view_name == "Responses"
    assert result.text == (
        "toolguard: 1 finding(s), 1 error(s)\n"
        f"upstream answered 400: No tool output found for function call {CALL_ID}. (param: input)\n"
        'request: model="gpt-4.1" store=false\n'
        "tools (1): get_weather\n"
        "instructions: You are terse.\n"
        "\n"
        "[0] user\n"
        "    Weather in Paris?\n"
        "\n"
        "[1] reasoning rs_1 (encrypted)\n"
        "    Call it.\n"
        "\n"
        "[2] function_call fc_0a4d5126\n"
        f'  -> call {CALL_ID}: get_weather({{"city":"Paris"}})\n'
        "     NO OUTPUT in this request\n"
        "  !! ERROR responses.unanswered-function-call at input[2].call_id\n"
        f"     input[2] calls {CALL_ID} but no function_call_output with that call_id follows it. Add one (a "
        "failure text if the tool did not run) or remove the call.\n"
        "\n"
        "[3] user\n"
        "    Never mind.\n"
    )


def test_incremental_turn_names_the_output_and_the_stored_call(tctx: taddons.context) -> None:
    body = {
        "model": "gpt-5",
        "previous_response_id": "resp_tg0002",
        "input": [
            {"type": "function_call_output", "call_id": "call_tg0002resp", "output": "hi"},
            CALL,
            {"type": "function_call_output", "call_id": CALL_ID, "output": "18C"},
        ],
    }
    flow = responses_flow(body)
    text = contentviews.prettify_message(flow.request, flow).text
    assert text.splitlines()[1:] == [
        'request: model="gpt-5" previous_response_id="resp_tg0002"',
        "",
        "[0] function_call_output  answers 'call_tg0002resp': NO CALL in this request (previous_response_id may hold it)",
        "    hi",
        "",
        "[1] function_call fc_0a4d5126",
        f'  -> call {CALL_ID}: get_weather({{"city":"Paris"}})',
        "     answered by input[2]",
        "",
        f"[2] function_call_output  answers '{CALL_ID}', called at input[1]",
        "    18C",
    ]


def test_chat_and_messages_paths_keep_their_own_views(tctx: taddons.context) -> None:
    request = http.Request.make(
        "POST",
        "https://api.openai.com/v1/chat/completions",
        b'{"model": "x", "messages": []}',
        {"content-type": "application/json"},
    )
    flow = tflow.tflow(req=request)
    assert contentviews.prettify_message(flow.request, flow).view_name == "Chat Completions"
