"""A root cause's fix speaks the vocabulary of the API whose answer named it (walkthrough of
2026-11-30: a Claude Code flow's fix said "tool message (tool_call_id toolu_01...) ... tool_calls",
words of the Chat Completions API that an Anthropic Messages user has no field for). Real bodies."""

from __future__ import annotations

import json

import pytest

from toolguard_core.causes import recognise_error
from toolguard_core.upstream_errors import parse_error

CASES = [
    (
        # https://github.com/anthropics/claude-code/issues/13460
        "anthropic",
        {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "message": "messages.48.content.1: unexpected `tool_use_id` found in `tool_result` blocks: "
                "toolu_01ABC. Each `tool_result` block must have a corresponding `tool_use` block in the "
                "previous message.",
            },
        },
        "cause.orphan-tool-result",
        # One template for every API (causes.API_TERMS), in the Messages API's words here.
        "Send each tool_result block (tool_use_id toolu_01ABC) right after the assistant message whose "
        "tool_use block has its id (in the next user message), once; drop results whose call was removed or "
        "already answered.",
    ),
    (
        # https://github.com/continuedev/continue/issues/10092
        "openai",
        {
            "error": {
                "message": "No tool call found for function call output with call_id call_uelfkqtHfJDC4Btqeoozq82e.",
                "type": "invalid_request_error",
                "param": "input",
                "code": None,
            }
        },
        "cause.orphan-tool-result",
        "Send each function_call_output (call_id call_uelfkqtHfJDC4Btqeoozq82e) with the function_call item "
        "of the same call_id before it in input (or a previous_response_id whose response made the call); "
        "drop outputs whose call was removed.",
    ),
    (
        # The Chat Completions wording keeps the cause's own fix (dapr/dapr-agents#145).
        "openai",
        {
            "error": {
                "message": "Invalid parameter: 'tool_call_id' of 'call_XXXXXXXXX' not found in 'tool_calls' of "
                "previous message.",
                "type": "invalid_request_error",
                "param": "messages.[2].tool_call_id",
                "code": None,
            }
        },
        "cause.orphan-tool-result",
        "Send each tool message (tool_call_id call_XXXXXXXXX) right after the assistant message whose "
        "tool_calls contain its id, once; drop results whose call was removed or already answered.",
    ),
]


@pytest.mark.parametrize(("provider", "body", "cause", "fix"), CASES)
def test_the_fix_uses_the_answering_apis_words(provider: str, body: dict, cause: str, fix: str) -> None:
    recognition = recognise_error(parse_error(json.dumps(body).encode(), status=400), provider=provider)
    assert recognition is not None
    assert (recognition.cause_id, recognition.fix, recognition.summary()["fix"]) == (cause, fix, fix)
