"""``cause.missing-tool-result``'s fix names the tool-call id Anthropic's text quotes as the request's
own only when the request carries it (session 21): a truncated or rewritten history (an agent that
dropped the turn with the call, a gateway that rewrote ids) was told to answer a call it no longer
sends. Real parts: Anthropic's real answer (claude-code#5060's text), the Store's writer thread and a
real SQLite file, the Capture the proxy hands over; and recognise_error for the three cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from toolguard_core.capture import Capture
from toolguard_core.causes import recognise_error
from toolguard_core.store import Store
from toolguard_core.upstream_errors import parse_error

# https://github.com/anthropics/claude-code/issues/5060
ANSWER = {
    "type": "error",
    "error": {
        "type": "invalid_request_error",
        "message": "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: "
        "toolu_01Q8. Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
    },
}
CARRIES = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 64,
    "messages": [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_01Q8", "name": "w", "input": {}}],
        },
        {"role": "user", "content": "and?"},
    ],
}
# The history after a client cut it: the call's turn is gone, or its id rewritten.
REWRITTEN = {
    **CARRIES,
    "messages": [
        CARRIES["messages"][0],
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_other", "name": "w", "input": {}}],
        },
        CARRIES["messages"][2],
    ],
}
TAIL = (
    "with a tool_result block immediately after the assistant message that made it (first in the next user "
    "message), before anything else; send a placeholder result for a call that was cancelled."
)
FIXES = {
    "carries": f"Answer every tool_use block (toolu_01Q8) {TAIL}",
    "rewritten": (
        "Answer every tool_use block (the upstream's text names toolu_01Q8; this request does not carry that "
        f"id) {TAIL}"
    ),
    "unknown": f"Answer every tool_use block (toolu_01Q8, as the upstream's text names it) {TAIL}",
}


@pytest.mark.parametrize(
    ("request_body", "case"), [(CARRIES, "carries"), (REWRITTEN, "rewritten"), (None, "unknown")]
)
def test_the_id_is_the_requests_own_only_when_the_request_carries_it(
    request_body: dict[str, Any] | None, case: str
) -> None:
    error = parse_error(json.dumps(ANSWER).encode(), status=400)
    found = recognise_error(error, provider="anthropic", status=400, request=request_body)
    assert found is not None
    assert (found.cause_id, found.values.get("tool_call_id"), found.fix) == (
        "cause.missing-tool-result",
        "toolu_01Q8",
        FIXES[case],
    )


def _capture(flow_id: str, body: dict[str, Any]) -> Capture:
    text = json.dumps(body)
    return Capture(
        flow_id=flow_id, started=1000.0, ended=1000.2, method="POST", scheme="https", host="api.anthropic.com",
        port=443, path="/v1/messages", url="https://api.anthropic.com/v1/messages", provider="anthropic",
        model=body["model"], stream=False, request_headers=((b"user-agent", b"claude-cli/2.1.0"),),
        request_text=None, request_is_json=True, request_bytes=len(text), raw_request=(text.encode(), None, 1 << 20),
        findings=[], secrets=None, verdict="unexplained", status=400,
        response_headers=((b"content-type", b"application/json"),),
        response_body=json.dumps(ANSWER).encode(), response_content_type="application/json",
    )  # fmt: skip


def test_the_stored_row_says_where_the_id_comes_from(tmp_path: Path) -> None:
    """The writer reads such a rejection with the stored request (causes.completes_from_request), so the
    row's fix is the checked one, as `toolguard show` and the summary print it."""
    path = tmp_path / "ids.db"
    store = Store(path)
    store.put(_capture("carries", CARRIES))
    store.put(_capture("rewritten", REWRITTEN))
    store.start()
    store.close()
    rows = {
        r["id"]: (r["cause_id"], json.loads(r["cause_json"])["fix"])
        for r in sqlite_utils.Database(path).query("select id, cause_id, cause_json from flows")
    }
    assert rows == {
        "carries": ("cause.missing-tool-result", FIXES["carries"]),
        "rewritten": ("cause.missing-tool-result", FIXES["rewritten"]),
    }
