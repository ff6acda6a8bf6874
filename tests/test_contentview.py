"""The "Chat Completions" content view, through mitmproxy's own view selection (prettify_message)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mitmproxy import contentviews, http
from mitmproxy.test import taddons, tflow
from support.flows import json_flow

from toolguard_core import analyze, contentview, contentview_messages, contentview_responses
from toolguard_core.addon import ToolGuard

URL = "https://api.openai.com/v1/chat/completions"
SEED_USER = {"role": "user", "content": 'Call tool "foo" twice with no arguments'}


def call(call_id: str) -> dict[str, Any]:
    return {"type": "function", "id": call_id, "function": {"name": "foo_tool", "arguments": "{}"}}


# The seed's three INVALID_TOOL_RESULTS cases (/work/shared/seeds/001_langchain-INVALID_TOOL_RESULTS.txt).
UNANSWERED = {
    "model": "gpt-4o-mini",
    "messages": [
        SEED_USER,
        {"role": "assistant", "content": None, "tool_calls": [call("call_1"), call("call_2")]},
        {"role": "tool", "content": "action complete!", "tool_call_id": "call_1"},
    ],
    "tools": [{"type": "function", "function": {"name": "foo_tool", "parameters": {"type": "object"}}}],
}
DUPLICATE = {
    "model": "gpt-4o-mini",
    "messages": [
        SEED_USER,
        {"role": "assistant", "content": None, "tool_calls": [call("call_1"), call("call_2")]},
        {"role": "tool", "content": "action complete!", "tool_call_id": "call_1"},
        {"role": "tool", "content": "action complete!", "tool_call_id": "call_2"},
        {"role": "tool", "content": "action complete!", "tool_call_id": "call_2"},
    ],
}
ORPHAN = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "tool", "content": "action completed!", "tool_call_id": "dummy"}],
}
OPENAI_UNANSWERED_400 = {
    "error": {
        "message": (
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
            "'tool_call_id'. The following tool_call_ids did not have response messages: call_2"
        ),
        "type": "invalid_request_error",
        "param": "messages",
        "code": None,
    }
}


@pytest.fixture
def tctx() -> Iterator[taddons.context]:
    contentview.register()
    contentview_responses.register()  # what addon/toolguard.py registers next to it
    with taddons.context() as context:
        yield context


def chat_flow(body: Any, *, url: str = URL, response: http.Response | None = None) -> http.HTTPFlow:
    return json_flow(body, url, response)


def test_unanswered_call_whole_transcript(tctx: taddons.context) -> None:
    response = http.Response.make(
        400, json.dumps(OPENAI_UNANSWERED_400), {"content-type": "application/json"}
    )
    flow = chat_flow(UNANSWERED, response=response)
    result = contentviews.prettify_message(flow.request, flow)
    assert result.view_name == "Chat Completions"
    assert result.text == (
        "toolguard: 1 finding(s), 1 error(s)\n"
        "upstream answered 400: An assistant message with 'tool_calls' must be followed by tool messages "
        "responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        "call_2 (param: messages)\n"
        'request: model="gpt-4o-mini"\n'
        "tools (1): foo_tool\n"
        "\n"
        "[0] user\n"
        '    Call tool "foo" twice with no arguments\n'
        "\n"
        "[1] assistant\n"
        "  -> call call_1: foo_tool({})\n"
        "     answered by messages[2]\n"
        "  -> call call_2: foo_tool({})\n"
        "     NO ANSWER in this request\n"
        "  !! ERROR sequence.unanswered-tool-call at messages[1].tool_calls[1].id\n"
        "     messages[1] calls call_2 but no tool message answers it right after it. Add one tool message "
        "per call (a failure text if the tool did not run) or remove the unanswered calls.\n"
        "\n"
        "[2] tool  answers call_1 = foo_tool, called at messages[1].tool_calls[0]\n"
        "    action complete!\n"
    )


@pytest.mark.parametrize(
    ("body", "message_header", "finding_line"),
    [
        pytest.param(
            DUPLICATE,
            "[4] tool  answers call_2 = foo_tool, called at messages[1].tool_calls[1]",
            "  !! ERROR sequence.duplicate-tool-response at messages[4]",
            id="duplicate",
        ),
        pytest.param(
            ORPHAN,
            "[0] tool  answers 'dummy': NO CALL with this id before it",
            "  !! ERROR sequence.orphan-tool-message at messages[0]",
            id="orphan",
        ),
    ],
)
def test_broken_pair_is_called_out_under_its_message(
    tctx: taddons.context, body: dict[str, Any], message_header: str, finding_line: str
) -> None:
    flow = chat_flow(body)
    lines = contentviews.prettify_message(flow.request, flow).text.splitlines()
    assert message_header in lines
    # The finding sits in the block of the message it locates (before the next message starts).
    block = lines[lines.index(message_header) :]
    block = block[: block.index("")] if "" in block else block
    assert any(line.startswith(finding_line) for line in block), block


def test_uses_the_addons_findings_and_verdict_from_flow_metadata(tctx: taddons.context) -> None:
    flow = chat_flow(UNANSWERED)
    # What the addon wrote; the view must show it rather than re-analysing (a made-up rule proves it).
    flow.metadata["toolguard"] = {
        "verdict": "predicted",
        "findings": [
            {"rule": "x.from-metadata", "severity": "warning", "location": "messages[2]", "message": "stored"}
        ],
    }
    text = contentviews.prettify_message(flow.request, flow).text
    assert text.splitlines()[0] == "toolguard: 1 finding(s), 0 error(s), verdict: predicted"
    assert "  !  WARNING x.from-metadata at messages[2]" in text
    assert "sequence.unanswered-tool-call" not in text


def test_flow_analysed_by_the_real_addon(tctx: taddons.context, tmp_path: Path) -> None:
    addon = ToolGuard()
    tctx.master.addons.add(addon)
    tctx.configure(addon, toolguard_db=str(tmp_path / "toolguard.db"))
    response = http.Response.make(
        400, json.dumps(OPENAI_UNANSWERED_400), {"content-type": "application/json"}
    )
    flow = chat_flow(UNANSWERED, response=response)
    asyncio.run(_cycle(tctx, addon, flow))
    addon.done()
    text = contentviews.prettify_message(flow.request, flow).text
    assert text.startswith("toolguard: 1 finding(s), 1 error(s), verdict: predicted\n")
    assert "  !! ERROR sequence.unanswered-tool-call at messages[1].tool_calls[1].id" in text


def test_a_blocked_flows_answer_is_toolguards_not_the_upstreams(
    tctx: taddons.context, tmp_path: Path
) -> None:
    """mitmweb showed a block-mode flow as "verdict: blocked" and, right under it, "upstream answered
    400: ...": the upstream never saw the request, the 400 was toolguard's own."""
    addon = ToolGuard()
    tctx.master.addons.add(addon)
    tctx.configure(addon, toolguard_db=str(tmp_path / "toolguard.db"), toolguard_mode="block")
    flow = chat_flow(UNANSWERED)
    asyncio.run(_cycle(tctx, addon, flow))
    addon.done()
    assert flow.response is not None and flow.response.status_code == 400  # answered by the addon
    lines = contentviews.prettify_message(flow.request, flow).text.splitlines()
    answered = flow.response.json()["error"]  # the rule's quote of OpenAI's text (docs/modes.md)
    assert lines[:2] == [
        "toolguard: 1 finding(s), 1 error(s), verdict: blocked",
        f"toolguard answered 400 itself (block mode; never sent upstream): {answered['message']} "
        f"(param: {answered['param']})",
    ]


async def _cycle(tctx: taddons.context, addon: ToolGuard, flow: http.HTTPFlow) -> None:
    await tctx.cycle(addon, flow)


def test_qwen_code_shape_array_content_and_long_system_prompt(tctx: taddons.context) -> None:
    body = {
        "model": "gpt-4o",
        "stream": True,
        "messages": [
            {"role": "system", "content": "You are Qwen Code. " * 100},
            {"role": "user", "content": [{"type": "text", "text": "<system-reminder>x</system-reminder>"}]},
            {"role": "assistant", "content": None, "tool_calls": [call("call_9")]},
            {
                "role": "tool",
                "tool_call_id": "call_9",
                "content": [{"type": "text", "text": "Output: a.txt"}],
            },
        ],
    }
    flow = chat_flow(body)
    text = contentviews.prettify_message(flow.request, flow).text
    assert 'request: model="gpt-4o" stream=true' in text
    assert "… (1,300 more characters)" in text  # 1,900-character system prompt cut at 600
    assert "    Output: a.txt" in text
    assert "     answered by messages[3]" in text


@pytest.mark.parametrize(
    ("method", "url", "with_metadata", "expected"),
    [
        pytest.param("POST", URL, False, "Chat Completions", id="chat-path"),
        pytest.param("POST", "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions", False,
                     "Chat Completions", id="path-prefix"),
        pytest.param("POST", "https://api.openai.com/v1/embeddings", False, "JSON", id="other-path"),
        pytest.param("POST", "https://gw.example.test/llm/invoke", True, "Chat Completions", id="analysed-flow"),
        pytest.param("GET", URL, False, "JSON", id="get"),
        pytest.param("POST", "https://api.openai.com/v1/responses", True, "Responses", id="responses-api"),
    ],
)  # fmt: skip
def test_selected_only_for_requests_in_scope(
    tctx: taddons.context, method: str, url: str, with_metadata: bool, expected: str
) -> None:
    request = http.Request.make(method, url, json.dumps(ORPHAN), {"content-type": "application/json"})
    flow = tflow.tflow(req=request)
    if with_metadata:
        flow.metadata["toolguard"] = {"verdict": None, "findings": []}
    assert contentviews.prettify_message(flow.request, flow).view_name == expected


def test_response_keeps_the_json_view(tctx: taddons.context) -> None:
    response = http.Response.make(
        400, json.dumps(OPENAI_UNANSWERED_400), {"content-type": "application/json"}
    )
    flow = chat_flow(UNANSWERED, response=response)
    assert contentviews.prettify_message(flow.response, flow).view_name == "JSON"


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_bad_body_falls_back_to_raw(tctx: taddons.context, content: bytes) -> None:
    flow = chat_flow(content)
    result = contentviews.prettify_message(flow.request, flow)
    assert result.view_name == "Raw"
    assert "[failed to parse as Chat Completions]" in result.description


RESPONSES_BODY = {"model": "gpt-4o", "input": [{"role": "user", "content": "hi"}]}
MESSAGES_BODY = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "hi"}],
}
VIEWS = {
    "chat": (contentview.chat_completions, URL, UNANSWERED),
    "responses": (contentview_responses.responses, "https://api.openai.com/v1/responses", RESPONSES_BODY),
    "messages": (
        contentview_messages.anthropic_messages,
        "https://api.anthropic.com/v1/messages",
        MESSAGES_BODY,
    ),
}


@pytest.mark.parametrize("stored", [False, True], ids=["not-analysed", "analysed"])
@pytest.mark.parametrize("kind", list(VIEWS))
def test_the_body_is_parsed_once_and_stored_findings_are_not_recomputed(
    tctx: taddons.context, monkeypatch: pytest.MonkeyPatch, kind: str, stored: bool
) -> None:
    """A view opened on a large request must not parse it twice (once to render, once to validate),
    and a flow the addon analysed is never validated again: its stored findings are what it shows.
    The view's own prettify is called (mitmproxy's selection asks every view, and its GraphQL view
    parses JSON bodies itself)."""
    from mitmproxy.contentviews import Metadata

    from toolguard_core.rules import body as body_rules

    view, url, body = VIEWS[kind]
    flow = chat_flow(body, url=url)
    data = flow.request.content
    assert data is not None
    stored_finding = {"rule": "x.stored", "severity": "warning", "location": "model", "message": "kept"}
    if stored:
        flow.metadata["toolguard"] = {"verdict": "false_alarm", "findings": [stored_finding]}
    parses: list[str] = []
    # parse_body_exact: the one parse under parse_body and analyse_request (RequestView.exact).
    real_loads, real_parse, real_analyse = (
        json.loads,
        body_rules.parse_body_exact,
        analyze.analyse_request,  # imported where it is called (contentview loads the rules lazily)
    )

    def loads(text: Any, *args: Any, **kwargs: Any) -> Any:
        if text == data:
            parses.append("json.loads")
        return real_loads(text, *args, **kwargs)

    def parse_body(raw: Any, *args: Any, **kwargs: Any) -> Any:
        if raw == data:
            parses.append("parse_body")
        return real_parse(raw, *args, **kwargs)

    def analyse_request(*args: Any, **kwargs: Any) -> Any:
        parses.append("analyse_request")
        return real_analyse(*args, **kwargs)

    monkeypatch.setattr(json, "loads", loads)
    monkeypatch.setattr(body_rules, "parse_body_exact", parse_body)
    monkeypatch.setattr(analyze, "analyse_request", analyse_request)
    text = view.prettify(data, Metadata(flow=flow, http_message=flow.request))
    assert parses == (["json.loads"] if stored else ["analyse_request", "parse_body"])
    assert ("x.stored at model" in text) is stored
    monkeypatch.undo()  # the same text as before the change: one parse renders what two did
    analysis = real_analyse(data, url, registry=contentview.chat_completions.registry)
    findings = analysis.findings if not stored else [contentview.Finding.model_validate(stored_finding)]
    verdict = "false_alarm" if stored else None
    body_tree = real_loads(data)
    if kind == "chat":
        expected = contentview.render_conversation(
            body_tree, findings, verdict=verdict, flow=flow, changes=[]
        )
    else:
        expected = view.render(body_tree, findings, verdict=verdict, flow=flow)
    assert text == expected


# Found by tests/test_fuzz_contentview.py: a tool message whose tool_call_id is not a string (the
# user's mistake, flagged by the rules) raised "unhashable type" while pairing calls, and the view failed.
@pytest.mark.parametrize("tool_call_id", [["call_1"], {"id": "call_1"}, None, 7])
def test_a_tool_message_with_a_non_string_id_still_renders(tctx: taddons.context, tool_call_id: Any) -> None:
    body = json.loads(json.dumps(UNANSWERED))
    body["messages"][2]["tool_call_id"] = tool_call_id
    flow = chat_flow(body)
    result = contentviews.prettify_message(flow.request, flow)
    assert result.view_name == "Chat Completions"
    assert "NO ANSWER" in result.text


# Found by tests/test_fuzz_contentview.py: a body nested past Python's JSON parser raised RecursionError
# from the views, not the ValueError by which a view declines a body (mitmproxy then shows the next one).
@pytest.mark.parametrize("kind", list(VIEWS))
@pytest.mark.parametrize(
    "content", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000]
)
def test_a_body_nested_too_deep_is_declined(kind: str, content: bytes) -> None:
    from mitmproxy.contentviews import Metadata

    view, url, _ = VIEWS[kind]
    flow = json_flow(content, url)
    with pytest.raises(ValueError, match="nested too deeply"):
        view.prettify(content, Metadata(flow=flow, http_message=flow.request))


# Found by tests/test_fuzz_contentview.py: a Responses input item whose type is a list or object (the
# user's mistake, flagged by the rules) raised "unhashable type" and the Responses view failed.
@pytest.mark.parametrize("item_type", [["function_call"], {"t": "function_call"}])
def test_a_responses_item_with_a_non_string_type_still_renders(tctx: taddons.context, item_type: Any) -> None:
    call = {"type": item_type, "call_id": "call_1", "name": "shell", "arguments": "{}"}
    output = {"type": "function_call_output", "call_id": "call_1", "output": "ok"}
    body = {"model": "gpt-4o", "input": [{"role": "user", "content": "hi"}, call, output]}
    flow = json_flow(body, "https://api.openai.com/v1/responses")
    result = contentviews.prettify_message(flow.request, flow)
    assert result.view_name == "Responses"
    assert "NO CALL in this request" in result.text
