"""End to end for the Responses API: the real ``openai`` SDK's ``client.responses.create(...)``
through a real ``mitmdump -s addon/toolguard.py`` (reverse mode) to a loopback upstream that
answers like OpenAI's ``POST /v1/responses``, then the real SQLite file is read.

The upstream pairs ``function_call`` and ``function_call_output`` items the way OpenAI does and
answers with OpenAI's real 400 bodies (texts from continuedev/continue#10092 and
tjardoo/openai-client#124, ``param: "input"``).
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from support.upstream import RecordedRequest, Reply, openai_error

pytestmark = pytest.mark.e2e

MODEL = "gpt-5"
CALL_ID = "call_uqaym698xduZM7eXCT0SUABW"  # the id of james-6-23/codex2api#414
USER = {"role": "user", "content": "What is 3 * 12? Use the multiply tool."}
CALL = {"type": "function_call", "call_id": CALL_ID, "name": "multiply", "arguments": '{"a": 3, "b": 12}'}
OUTPUT = {"type": "function_call_output", "call_id": CALL_ID, "output": "36"}
TOOLS = [
    {
        "type": "function",
        "name": "multiply",
        "description": "Multiply two integers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
            "additionalProperties": False,
        },
        "strict": True,
    }
]


def unanswered_error(call_id: str) -> bytes:
    return openai_error(f"No tool output found for function call {call_id}.", "input")


def orphan_error(call_id: str) -> bytes:
    return openai_error(f"No tool call found for function call output with call_id {call_id}.", "input")


def response_object(model: str) -> dict[str, Any]:
    return {
        "id": "resp_68af4030592c81938ec0a5fbab4a3e9f",
        "object": "response",
        "created_at": 1_756_000_000,
        "status": "completed",
        "model": model,
        "output": [
            {
                "type": "message",
                "id": "msg_68af40305c",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "3 * 12 = 36.", "annotations": []}],
            }
        ],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {"input_tokens": 30, "output_tokens": 8, "total_tokens": 38},
    }


def responses_like(request: RecordedRequest) -> Reply:
    """OpenAI's pairing verdict for a Responses body: each call answered by a later output, each
    output answering an earlier call (unless previous_response_id holds the calls)."""
    if not request.path.endswith("/responses"):
        return Reply(404, openai_error(f"Unknown request URL: POST {request.path}.", None))
    body = request.json()
    items = body.get("input") if isinstance(body.get("input"), list) else []
    open_calls: list[str] = []
    for item in items:
        if item.get("type") == "function_call":
            open_calls.append(item["call_id"])
        elif item.get("type") == "function_call_output":
            if item["call_id"] in open_calls:
                open_calls.remove(item["call_id"])
            elif not body.get("previous_response_id"):
                return Reply(400, orphan_error(item["call_id"]))
    if open_calls:
        return Reply(400, unanswered_error(open_calls[0]))
    return Reply.json(200, response_object(body.get("model", MODEL)))


def test_responses_unanswered_call_is_stored_with_openais_answer(upstream, mitmdump_reverse, openai_client):
    upstream.handler = responses_like
    proxy = mitmdump_reverse()
    client = openai_client(proxy)

    # An interrupted tool run replayed without its output (Codex, openai-agents): OpenAI's 400.
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model=MODEL, input=[USER, CALL], tools=TOOLS)
    assert raised.value.status_code == 400
    assert raised.value.body == {
        "message": f"No tool output found for function call {CALL_ID}.",
        "type": "invalid_request_error",
        "param": "input",
        "code": None,
    }
    # The complete round passes, and so does a stateful follow-up that sends only the output.
    reply = client.responses.create(model=MODEL, input=[USER, CALL, OUTPUT], tools=TOOLS)
    assert reply.output_text == "3 * 12 = 36."
    follow_up = client.responses.create(
        model=MODEL, input=[OUTPUT], previous_response_id="resp_68aef0f1c7a08193", tools=TOOLS
    )
    assert follow_up.status == "completed"

    output = proxy.stop()
    assert proxy.returncode == 0, output
    # Nothing was changed on the way: the upstream got the three bodies the SDK built.
    received = upstream.received("/v1/responses")
    assert [json.loads(r.body)["input"] for r in received] == [
        [USER, CALL],
        [USER, CALL, OUTPUT],
        [OUTPUT],
    ]

    # Only the flagged request is stored (the valid and the stateful ones have no findings).
    (row,) = proxy.flows()
    assert {
        k: row[k]
        for k in (
            "method",
            "path",
            "provider",
            "model",
            "stream",
            "status",
            "verdict",
            "error_source",
            "error_shape",
            "error_message",
            "error_type",
            "error_param",
            "error_code",
            "finding_count",
            "error_finding_count",
            "internal_error",
        )
    } == {
        "method": "POST",
        "path": "/v1/responses",
        "provider": "generic",
        "model": MODEL,
        "stream": None,
        "status": 400,
        "verdict": "predicted",
        "error_source": "body",
        "error_shape": "openai",
        "error_message": f"No tool output found for function call {CALL_ID}.",
        "error_type": "invalid_request_error",
        "error_param": "input",
        "error_code": None,
        "finding_count": 1,
        "error_finding_count": 1,
        "internal_error": None,
    }
    assert json.loads(row["request_json"])["input"] == [USER, CALL]
    assert json.loads(row["response_body"]) == json.loads(unanswered_error(CALL_ID))
    assert row["client"].startswith("OpenAI/Python")
    assert [(f["rule"], f["severity"], f["location"], f["message"]) for f in proxy.findings(row["id"])] == [
        (
            "responses.unanswered-function-call",
            "error",
            "input[1].call_id",
            f"input[1] calls {CALL_ID} but no function_call_output with that call_id follows it. Add one "
            "(a failure text if the tool did not run) or remove the call.",
        )
    ]
    assert client.api_key.encode() not in proxy.db_files_bytes()
