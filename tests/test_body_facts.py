"""analyze.body_facts: the model and stream a stored flow records when no rule ran on it.

The writer reads them for a flow the worker found clean and the upstream rejected (or
``toolguard_store_all``); Gemini's native API names the model in the path and streams by its method,
so a rejected native request must not be stored with an empty model (the gemini7 branch's report).
"""

from __future__ import annotations

import json

import pytest

from toolguard_core.analyze import analyse_request, body_facts

CHAT_BODY = json.dumps({"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
GEMINI_BODY = json.dumps({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]})
# gemini-cli's Code Assist backend: the path names no model, the wrapper carries it.
CODE_ASSIST_BODY = json.dumps({"model": "gemini-2.5-pro", "project": "p", "request": json.loads(GEMINI_BODY)})


@pytest.mark.parametrize(
    ("body", "path", "expected"),
    [
        (CHAT_BODY, "/v1/chat/completions", ("gpt-4o", True, True)),
        (CHAT_BODY, None, ("gpt-4o", True, True)),
        (GEMINI_BODY, "/v1beta/models/gemini-2.5-flash:generateContent", ("gemini-2.5-flash", False, True)),
        (GEMINI_BODY, "/v1/models/gemini-2.0-flash:streamGenerateContent", ("gemini-2.0-flash", True, True)),
        (CODE_ASSIST_BODY, "/v1internal:streamGenerateContent", ("gemini-2.5-pro", True, True)),
        ("not json", "/v1beta/models/gemini-2.5-flash:generateContent", (None, None, False)),
    ],
)
def test_body_facts_reads_the_model_where_the_api_puts_it(
    body: str, path: str | None, expected: tuple[str | None, bool | None, bool]
) -> None:
    assert body_facts(body.encode(), 1 << 20, None, path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/v1/chat/completions",
        "/v1beta/models/gemini-2.5-flash:generateContent",
        "/v1/models/gemini-2.0-flash:streamGenerateContent",
    ],
)
def test_body_facts_agree_with_the_analysis(path: str) -> None:
    body = (CHAT_BODY if "chat" in path else GEMINI_BODY).encode()
    analysis = analyse_request(body, "https://generativelanguage.googleapis.com" + path)
    assert body_facts(body, 1 << 20, None, path) == (analysis.model, analysis.stream, analysis.is_json)
