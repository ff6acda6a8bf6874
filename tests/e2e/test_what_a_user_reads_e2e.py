"""End to end: what a fresh-clone walkthrough (session 12, walkthrough13) found misleading. Real
mitmdump + toolguard, a real HTTP client, a loopback upstream answering a real provider body, the
real SQLite file and the real ``toolguard`` CLI.

* A warning whose key the upstream's answer names (Gemini's ``Unknown name "stream"`` on
  ``gemini.unknown-field``, a warning on a host no provider profile claims) was reported on the
  console as "not confirmed by the answer": the answer said exactly what the warning said. A warning
  is never credited (the verdict stays ``recognised``); its line now just names the answer.
* A flow that got no answer was counted under the text and markdown summaries' Verdicts with no id
  and no reason (it has no error text, so it is in no group); the HTML report listed it.
* ``toolguard show`` said ``model ?`` for a body passed through unread (over toolguard_max_body).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.upstream import Abort, Reply, orphan_error

pytestmark = pytest.mark.e2e

# Gemini's 400 for a top-level field its request message does not have, quoted in
# https://github.com/sourcegraph/cody/issues/4566 (tests/data/error_corpus.json gemini-068); the
# body shape is Gemini's own error envelope (a one-element list, as the REST API answers).
GEMINI_UNKNOWN_STREAM = [
    {
        "error": {
            "code": 400,
            "message": 'Invalid JSON payload received. Unknown name "stream": Cannot find field.',
            "status": "INVALID_ARGUMENT",
        }
    }
]
GEMINI_KEY = "AIzaSyWalkthrough13NotARealKey0123456789"
TOOLGUARD = Path(sys.executable).with_name("toolguard")
openai = pytest.importorskip("openai")


def toolguard(*args: str) -> str:
    result = subprocess.run([str(TOOLGUARD), *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_warning_the_answer_confirms_is_not_called_unconfirmed(
    upstream: Any, mitmdump_reverse: Any
) -> None:
    upstream.handler = lambda request: Reply(400, json.dumps(GEMINI_UNKNOWN_STREAM))
    proxy = mitmdump_reverse()
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "stream": True}
    url = f"{proxy.url}/v1beta/models/gemini-2.5-flash:generateContent?key={GEMINI_KEY}"
    with httpx.Client(timeout=15.0) as client:
        assert client.post(url, json=body).status_code == 400
    output = proxy.stop()
    assert proxy.returncode == 0, output

    (row,) = proxy.flows()
    assert (row["verdict"], row["cause_id"]) == ("recognised", "cause.extra-request-field")
    (finding,) = proxy.findings(row["id"])
    assert (finding["rule"], finding["severity"], finding["location"]) == (
        "gemini.unknown-field",
        "warning",
        "stream",
    )
    (line,) = [line for line in output.splitlines() if f"flow {row['id']}" in line]
    assert "not confirmed" not in line, line
    assert (
        "toolguard: recognised: HTTP 400; warning gemini.unknown-field at stream, the answer: "
        "cause.extra-request-field: "
    ) in line
    assert GEMINI_KEY not in output


def test_the_summary_lists_the_flows_that_got_no_answer(
    upstream: Any, mitmdump_reverse: Any, openai_client: Any
) -> None:
    """The text and markdown summaries counted ``no_answer 1`` under Verdicts with no id and no
    reason (an answer-less flow has no error text, so it is in no group); the HTML report listed it."""
    upstream.handler = lambda request: Abort()
    proxy = mitmdump_reverse()
    client = openai_client(proxy)
    with pytest.raises(openai.APIError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    output = proxy.stop()
    assert proxy.returncode == 0, output
    (row,) = proxy.flows()
    assert row["verdict"] == "no_answer"

    text = toolguard("summary", "--db", str(proxy.db_path))
    assert "no_answer 1" in text
    listed = text[text.index("no answer from the upstream (1; toolguard show ID):") :].splitlines()
    assert listed[1].split()[0] == row["id"], text
    assert "/v1/chat/completions" in listed[1] and row["flow_error"] in listed[1], text

    markdown = toolguard("summary", "--db", str(proxy.db_path), "--format", "markdown")
    assert row["id"] in markdown[markdown.index("no answer from the upstream") :], markdown
    data = json.loads(toolguard("summary", "--db", str(proxy.db_path), "--format", "json"))
    assert [f["id"] for f in data["no_answer"]] == [row["id"]]


def test_show_says_why_the_model_of_an_unread_body_is_unknown(
    upstream: Any, mitmdump_reverse: Any, openai_client: Any
) -> None:
    """A body over toolguard_max_body is passed through unread: ``toolguard show`` said ``model ?``,
    as if the request had none; it names why the model was not read."""
    upstream.handler = lambda request: Reply(400, orphan_error(1))
    proxy = mitmdump_reverse(options={"toolguard_max_body": "1k"})
    client = openai_client(proxy)
    messages = [
        {"role": "user", "content": "x" * 4096},
        {"role": "tool", "tool_call_id": "call_1", "content": "1"},
    ]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    output = proxy.stop()
    assert proxy.returncode == 0, output
    (row,) = proxy.flows()
    assert row["model"] is None
    shown = toolguard("show", "--db", str(proxy.db_path), row["id"])
    assert "  provider:   generic, model not read (body.too-large)\n" in shown, shown
    assert "model ?" not in shown
