"""The "Anthropic Messages" content view, through mitmproxy's own view selection (prettify_message)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mitmproxy import contentviews, http
from mitmproxy.test import taddons
from support.flows import json_flow
from support.scripted import ANTHROPIC_UNANSWERED, anthropic_error

from toolguard_core import contentview, contentview_messages
from toolguard_core.addon import ToolGuard
from toolguard_core.profiles_config import build_registry, parse_config

URL = "https://api.anthropic.com/v1/messages"
CALL_ID = "toolu_01AbmHJypDhKqBF7NKdRPJ6d"
TOOL = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}
CALL = {
    "role": "assistant",
    "content": [
        {"type": "thinking", "thinking": "Call the tool.", "signature": "EqQBCkgIARABGAIiQL0Wd8yM"},
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": CALL_ID, "name": "get_weather", "input": {"city": "Paris"}},
    ],
}
UNANSWERED = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 1024,
    "tools": [TOOL],
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        CALL,
        {"role": "user", "content": "Never mind."},
    ],
}
# Anthropic's real 400 for it (claude-code#5060's text, request_id envelope).
UNANSWERED_400 = json.dumps(
    anthropic_error("invalid_request_error", ANTHROPIC_UNANSWERED.format(index=1, ids=CALL_ID))
)
CAPTURE = Path(__file__).parent / "data" / "requests" / "claude-code-2.1.332-messages-thinking-turn2.json"


@pytest.fixture
def tctx() -> Iterator[taddons.context]:
    contentview.register()
    contentview_messages.register()
    with taddons.context() as context:
        yield context


def messages_flow(body: Any, *, url: str = URL, response: http.Response | None = None) -> http.HTTPFlow:
    return json_flow(body, url, response)


def test_unanswered_tool_use_whole_transcript(tctx: taddons.context) -> None:
    response = http.Response.make(400, UNANSWERED_400, {"content-type": "application/json"})
    flow = messages_flow(UNANSWERED, response=response)
    result = contentviews.prettify_message(flow.request, flow)
    assert result.view_name == "Anthropic Messages"
    assert result.text == (
        "toolguard: 1 finding(s), 1 error(s)\n"
        f"upstream answered 400: messages.1: `tool_use` ids were found without `tool_result` blocks immediately "
        f"after: {CALL_ID}. Each `tool_use` block must have a corresponding `tool_result` block in the next "
        "message.\n"
        'request: model="claude-sonnet-4-5" max_tokens=1024\n'
        "tools (1): get_weather\n"
        "\n"
        "[0] user\n"
        "    Weather in Paris?\n"
        "\n"
        "[1] assistant\n"
        "  <thinking, signed>\n"
        "    Let me check.\n"
        f'  -> tool_use {CALL_ID}: get_weather({{"city": "Paris"}})\n'
        "     NO RESULT in this request\n"
        "  !! ERROR anthropic.tool-use-without-result at messages[1].content[2].id\n"
        f"     messages[1].content[2] calls {CALL_ID} but the next message, messages[2], has no tool_result for "
        "it. Send a user message right after it that starts with a tool_result block for each id (is_error: "
        "true if the tool did not run), or drop the tool_use.\n"
        "\n"
        "[2] user\n"
        "    Never mind.\n"
    )


def test_real_claude_code_turn_pairs_the_tool_use_with_its_result(tctx: taddons.context) -> None:
    body = json.loads(CAPTURE.read_text(encoding="utf-8"))["body"]
    flow = messages_flow(body, url=URL + "?beta=true")
    result = contentviews.prettify_message(flow.request, flow)
    lines = result.text.splitlines()
    assert result.view_name == "Anthropic Messages"
    assert lines[0] == "toolguard: 0 finding(s), 0 error(s)"
    assert lines[1].startswith('request: model="claude-opus-5-5" stream=true max_tokens=128000 thinking=')
    assert lines[2].startswith("tools (12): Agent, Bash, Edit,")
    assert lines[3].startswith("system: 3 block(s), ")
    assert "[1] system" in lines
    use = lines.index(
        '  -> tool_use toolu_01Toolguard0002: Bash({"command": "echo toolguard", "description": "Print a word"})'
    )
    assert lines[use - 1] == "  <thinking, signed>"
    assert lines[use + 1] == "     answered by messages[3].content[0]"
    answer = lines.index("[3] user")
    assert lines[answer + 1 : answer + 3] == [
        "  <- tool_result for toolu_01Toolguard0002 = Bash, called at messages[2].content[1]",
        "    toolguard",
    ]


@pytest.mark.parametrize(
    ("messages", "header", "finding_line"),
    [
        pytest.param(
            [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": CALL_ID, "content": "18C"}]}],
            f"  <- tool_result for '{CALL_ID}': NO CALL with this id before it",
            "  !! ERROR anthropic.orphan-tool-result at messages[2].content[0].tool_use_id",
            id="orphan",
        ),
        pytest.param(
            [{"role": "user", "content": "Hi"}, CALL,
             {"role": "user", "content": [{"type": "text", "text": "Here:"},
                                          {"type": "tool_result", "tool_use_id": CALL_ID, "content": "18C"}]}],
            "    Here:",
            "  !! ERROR anthropic.tool-result-not-first at messages[2].content[0]",
            id="result-not-first",
        ),
        pytest.param(
            [{"role": "user", "content": "Hi"},
             {"role": "assistant", "content": [{"type": "thinking", "thinking": "x"}, *CALL["content"][2:]]},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": CALL_ID, "content": "18C"}]}],
            "  <thinking, NO SIGNATURE>",
            "  !! ERROR anthropic.thinking-signature-missing at messages[1].content[0].signature",
            id="unsigned-thinking",
        ),
    ],
)  # fmt: skip
def test_broken_block_is_called_out_under_it(
    tctx: taddons.context, messages: list[dict[str, Any]], header: str, finding_line: str
) -> None:
    flow = messages_flow(
        {"model": "claude-sonnet-4-5", "max_tokens": 64, "tools": [TOOL], "messages": messages}
    )
    lines = contentviews.prettify_message(flow.request, flow).text.splitlines()
    assert header in lines
    after = lines[lines.index(header) + 1 :]
    # The finding follows its block directly (a tool_result's own text lines may come first).
    assert finding_line in after[: after.index(finding_line) + 1 if finding_line in after else 0]
    assert all(not line.startswith("[") for line in after[: after.index(finding_line)])


def test_flow_analysed_by_the_real_addon(tctx: taddons.context, tmp_path: Path) -> None:
    addon = ToolGuard()
    tctx.master.addons.add(addon)
    tctx.configure(addon, toolguard_db=str(tmp_path / "toolguard.db"))
    response = http.Response.make(400, UNANSWERED_400, {"content-type": "application/json"})
    flow = messages_flow(UNANSWERED, response=response)
    asyncio.run(tctx.cycle(addon, flow))
    addon.done()
    text = contentviews.prettify_message(flow.request, flow).text
    assert text.startswith("toolguard: 1 finding(s), 1 error(s), verdict: predicted\n")
    assert "  !! ERROR anthropic.tool-use-without-result at messages[1].content[2].id" in text


@pytest.mark.parametrize(
    ("url", "with_metadata", "expected"),
    [
        pytest.param(URL, False, "Anthropic Messages", id="messages"),
        pytest.param(URL + "?beta=true", True, "Anthropic Messages", id="beta-analysed"),
        pytest.param(
            "https://api.deepseek.com/anthropic/v1/messages", False, "Anthropic Messages", id="prefix"
        ),
        pytest.param(URL + "/count_tokens", False, "JSON", id="count-tokens"),
        pytest.param("https://api.anthropic.com/v1/messages/batches", False, "JSON", id="batches"),
        pytest.param("https://api.openai.com/v1/chat/completions", True, "Chat Completions", id="chat"),
    ],
)
def test_selected_only_for_messages_requests(
    tctx: taddons.context, url: str, with_metadata: bool, expected: str
) -> None:
    flow = messages_flow(UNANSWERED, url=url)
    if with_metadata:
        flow.metadata["toolguard"] = {"verdict": None, "findings": []}
    assert contentviews.prettify_message(flow.request, flow).view_name == expected


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]"])
def test_bad_body_falls_back_to_raw(tctx: taddons.context, content: bytes) -> None:
    flow = messages_flow(content)
    result = contentviews.prettify_message(flow.request, flow)
    assert result.view_name == "Raw"
    assert "[failed to parse as Anthropic Messages]" in result.description


INFERRED = "the provider (Anthropic) was inferred from the model name"


def test_flow_the_addon_never_saw_is_judged_with_the_users_providers_file(tctx: taddons.context) -> None:
    # A company gateway in front of Anthropic, mapped to `anthropic` in the providers file: the view
    # judges an opened capture with the registry the addon configured (contentview.chat_completions).
    body = {**UNANSWERED, "messages": UNANSWERED["messages"][:1], "temperature": 0.5, "top_p": 0.9}
    body["model"] = "claude-sonnet-4-6"
    url = "https://llm-gateway.example.test/v1/messages"
    default = contentview.chat_completions.registry
    try:
        # Unmapped, the provider is only inferred from the model name (rules/inferred.py), and says so.
        unmapped = messages_flow(body, url=url)
        assert INFERRED in contentviews.prettify_message(unmapped.request, unmapped).text
        contentview.chat_completions.registry = build_registry(
            parse_config('[[gateway]]\nhost = "llm-gateway.example.test"\nprovider = "anthropic"\n')
        )
        flow = messages_flow(body, url=url)
        text = contentviews.prettify_message(flow.request, flow).text
    finally:
        contentview.chat_completions.registry = default
    assert "  !! ERROR anthropic.temperature-with-top-p at top_p" in text.splitlines()
    assert INFERRED not in text  # mapped: judged as Anthropic because the user said so


def test_the_request_line_names_the_fields_the_transcript_does_not_show(tctx: taddons.context) -> None:
    """Claude Code's real turn carries metadata, context_management and output_config: a gateway that
    refuses one ("context_management: Extra inputs are not permitted") left no trace of it in the
    transcript (trial17). Named, values left out; the fields rendered below are not repeated."""
    body = json.loads(CAPTURE.read_text(encoding="utf-8"))["body"]
    flow = messages_flow(body, url=URL + "?beta=true")
    request = contentviews.prettify_message(flow.request, flow).text.splitlines()[1]
    assert request.endswith("; other fields: metadata, context_management, output_config")
    assert request.startswith('request: model="claude-opus-5-5" stream=true max_tokens=128000 thinking=')
    many = {"model": "m", "messages": [{"role": "user", "content": "hi"}], **{f"x{i}": i for i in range(14)}}
    flow = messages_flow(many)
    request = contentviews.prettify_message(flow.request, flow).text.splitlines()[1]
    assert request == (
        'request: model="m"; other fields: ' + ", ".join(f"x{i}" for i in range(12)) + " and 2 more"
    )
