"""Block mode's answer to a content part OpenAI refuses quotes the sentence OpenAI gives for that very
part (session 20, leftovers21): a part with no `type` was answered "Invalid value: 'image'. ...", the
sentence for a part typed `image`. content.invalid-part declares both of OpenAI's sentences (its
predicts; docs/providers.md); the one that fits the request's own part is chosen, with its own path and
value, and a part neither fits (not an object) gets toolguard's own finding, never a misquote."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core import analyze
from toolguard_core.modes import blocked_answer

OPENAI = "https://api.openai.com/v1/chat/completions"
TEXT = {"type": "text", "text": "What is in this image?"}
IMAGE = {"source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}}


def _body(part: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": [TEXT, part]}]}


@pytest.mark.parametrize(
    ("part", "error"),
    [
        (
            IMAGE,  # no type at all: OpenAI's missing-parameter sentence (neuron-core/neuron-ai#76)
            {
                "message": "Missing required parameter: 'messages[0].content[1].type'.",
                "type": "invalid_request_error",
                "param": "messages[0].content[1].type",
                "code": "missing_required_parameter",
            },
        ),
        (
            {
                "type": "image",
                **IMAGE,
            },  # an Anthropic block: OpenAI's invalid-value sentence (aallam/openai-kotlin#320)
            {
                "message": "Invalid value: 'image'. Supported values are: 'text' and 'image_url'.",
                "type": "invalid_request_error",
                "param": "messages[0].content[1].type",
                "code": "invalid_value",
            },
        ),
        (
            {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "hi"}},
            {
                "message": "Invalid value: 'document'. Supported values are: 'text' and 'image_url'.",
                "type": "invalid_request_error",
                "param": "messages[0].content[1].type",
                "code": "invalid_value",
            },
        ),
    ],
    ids=["no-type", "image", "document"],
)
def test_the_blocked_answer_quotes_the_sentence_for_the_requests_own_part(
    part: Any, error: dict[str, Any]
) -> None:
    analysis = analyze.analyse_request(json.dumps(_body(part)).encode(), OPENAI)
    answer = blocked_answer(analysis.findings, analysis.target, analysis.body)
    assert answer is not None and answer.finding.rule == "content.invalid-part"
    assert (answer.status, json.loads(answer.body)["error"]) == (400, error)


def test_a_part_no_declared_sentence_fits_gets_toolguards_own_words() -> None:
    analysis = analyze.analyse_request(json.dumps(_body(42)).encode(), OPENAI)
    answer = blocked_answer(analysis.findings, analysis.target, analysis.body)
    assert answer is not None and answer.finding.rule == "content.invalid-part"
    assert json.loads(answer.body)["error"] == {
        "message": answer.finding.message,
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_an_invalid_value_sentence_about_another_value_is_not_quoted() -> None:
    """spec.unknown-enum-value declares OpenAI's sentences for a part typed 'image' and 'input_text':
    neither is what OpenAI says of a `verbosity` of 'max', so toolguard's own words answer it."""
    body = {"model": "gpt-5", "messages": [{"role": "user", "content": "Hello"}], "verbosity": "max"}
    analysis = analyze.analyse_request(json.dumps(body).encode(), OPENAI)
    answer = blocked_answer(analysis.findings, analysis.target, analysis.body)
    assert answer is not None and answer.finding.rule == "spec.unknown-enum-value"
    assert json.loads(answer.body)["error"] == {
        "message": "`verbosity` is 'max'; OpenAI's schema lists 'high', 'low', 'medium'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
