"""The three canonical cases of the LangChain INVALID_TOOL_RESULTS page, with the seed's real ids.

Source: ``/work/shared/seeds/001_langchain-INVALID_TOOL_RESULTS.txt``
(https://python.langchain.com/docs/troubleshooting/errors/INVALID_TOOL_RESULTS/). gpt-4o-mini was asked
to call ``foo_tool`` twice and answered with two calls; each case below is a request the page sent
back, and the error body is OpenAI's verbatim answer to it.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

FIRST_ID = "call_dq9O0eGHrryBwDRCnk0deHK4"
SECOND_ID = "call_mjLuNyXNHoUIXHiBtXhaWdxN"
MODEL = "gpt-4o-mini"

USER = {"role": "user", "content": 'Call tool "foo" twice with no arguments'}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "foo_tool",
            "description": "A dummy tool that returns 'action complete!'",
            "parameters": {"type": "object", "properties": {}},
        },
    }
]


def call(call_id: str, name: str = "foo_tool", arguments: str = "{}") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def assistant(*call_ids: str, content: str | None = None) -> dict[str, Any]:
    return {"role": "assistant", "content": content, "tool_calls": [call(i) for i in call_ids]}


def tool(call_id: str, content: str = "action complete!") -> dict[str, Any]:
    return {"role": "tool", "content": content, "tool_call_id": call_id}


@dataclass(frozen=True)
class SeedCase:
    name: str
    messages: list[dict[str, Any]]
    rule: str
    location: str
    # The ids the finding's message must name.
    ids: tuple[str, ...]
    # OpenAI's real 400 answer (status 400), verbatim from the seed.
    error_message: str
    error_param: str
    error_type: str = "invalid_request_error"

    def body(self, **extra: Any) -> dict[str, Any]:
        return {"model": MODEL, "messages": copy.deepcopy(self.messages), "tools": TOOLS, **extra}

    def error_body(self) -> bytes:
        return json.dumps(
            {
                "error": {
                    "message": self.error_message,
                    "type": self.error_type,
                    "param": self.error_param,
                    "code": None,
                }
            }
        ).encode()


ORPHAN_TEXT = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
UNANSWERED_TEXT = (
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
    "'tool_call_id'. The following tool_call_ids did not have response messages: " + SECOND_ID
)

# Two calls, one answer: the second call is unanswered.
ONE_ANSWER = SeedCase(
    name="two-calls-one-answer",
    messages=[USER, assistant(FIRST_ID, SECOND_ID, content=""), tool(FIRST_ID)],
    rule="sequence.unanswered-tool-call",
    location="messages[1].tool_calls[1].id",
    ids=(SECOND_ID,),
    error_message=UNANSWERED_TEXT,
    error_param="messages",
)
# Both answered, then the second answered again.
DUPLICATE = SeedCase(
    name="duplicate-response",
    messages=[
        USER,
        assistant(FIRST_ID, SECOND_ID, content=""),
        tool(FIRST_ID),
        tool(SECOND_ID),
        tool(SECOND_ID),
    ],
    rule="sequence.duplicate-tool-response",
    location="messages[4].tool_call_id",
    ids=(SECOND_ID,),
    error_message=ORPHAN_TEXT,
    error_param="messages.[4].role",
)
# A lone ToolMessage with no assistant message at all.
LONE_TOOL = SeedCase(
    name="lone-tool-message",
    messages=[tool("dummy", "action completed!")],
    rule="sequence.orphan-tool-message",
    location="messages[0]",
    ids=("dummy",),
    error_message=ORPHAN_TEXT,
    error_param="messages.[0].role",
)
SEED_CASES = (ONE_ANSWER, DUPLICATE, LONE_TOOL)

# The valid conversation the seed shows succeeding: two parallel calls, both answered.
VALID_PARALLEL = [USER, assistant(FIRST_ID, SECOND_ID, content=""), tool(FIRST_ID), tool(SECOND_ID)]
