"""Opaque rejections (toolguard_core.opaque): the text names nothing beyond a generic status.

Table-driven over real bodies of the development split and public threads (each row's source in its
comment): what :func:`content_words` leaves, and whether the parsed answer is opaque.
"""

from __future__ import annotations

import json

import pytest

from toolguard_core.opaque import content_words, is_opaque, is_opaque_summary
from toolguard_core.upstream_errors import parse_error

ROWS = [
    # (body, status, opaque, content words of the innermost message)
    # dev a-0091: Gemini's generic refusal (INVALID_ARGUMENT)
    (
        '{"error": {"code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT"}}',
        400,
        True,
        [],
    ),
    # dev b-0087: Volcengine's generic refusal, printed by a client with its status
    ("400 One or more parameters specified in the request are not valid.", 400, True, []),
    # dev b-0067: Zhipu's 1210 in Chinese
    ('{"error": {"code": "1210", "message": "API 调用参数有误，请检查文档。"}}', None, True, []),
    # dev b-0164: Zhipu's 1210 in English
    ("400 Invalid API parameter, please check the documentation.", 400, True, []),
    # dev b-0104: Ollama's 401 as a bare string
    ('{"error": "Unauthorized"}', 401, True, []),
    # OpenRouter's wrapper with nothing inside (https://openrouter.ai/docs/api-reference/errors)
    ('{"error": {"message": "Provider returned error", "code": 400}}', 400, True, []),
    # an nginx page (its title is the status)
    (
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        502,
        True,
        [],
    ),
    # an empty body
    ("", 400, True, []),
    # informative: the key it rejects (dev a-0022, Groq)
    (
        '{"error": {"message": "property \'reasoning\' is unsupported", "type": "invalid_request_error"}}',
        400,
        False,
        ["property", "reasoning", "unsupported"],
    ),
    # informative: MiniMax's generic prefix, but "chat setting" (dev b-0075)
    (
        '{"type": "error", "error": {"type": "bad_request_error", "message": "invalid params, invalid chat setting (2013)"}}',
        400,
        False,
        ["chat", "setting"],
    ),
    # informative: a path with an index, whatever its words (OpenAI's Responses, "input[3].status")
    (
        '{"error": {"message": "Unknown parameter: \'input[3].status\'.", "type": "invalid_request_error"}}',
        400,
        False,
        ["input[3].status"],
    ),
    # informative: Zhipu's 1214 names the key (dev b-0162's wording, "history" in another thread)
    ("[1214][history参数非法。请检查文档。]", None, False, ["history"]),
    # a request id and a retry delay are not words
    ("bad response status code 400 (request id: 202504100222113072328576MsviYEC)", 400, True, []),
    ("API error (400), retrying in 1s... (attempt 1/10)", 400, True, []),
]


@pytest.mark.parametrize(("body", "status", "opaque", "words"), ROWS)
def test_opaque_rows(body: str, status: int | None, opaque: bool, words: list[str]) -> None:
    error = parse_error(body, status=status)
    message = error.effective_message or ""
    assert (is_opaque(error), content_words(message)) == (opaque, words)
    assert is_opaque_summary(json.dumps(error.summary())) == opaque


def test_no_answer_is_opaque_and_a_stored_non_summary_claims_nothing() -> None:
    assert is_opaque(None) is True
    assert is_opaque_summary(None) is True
    assert is_opaque_summary("not json") is False
