"""The provider inferred from the model name (issue 9, deliver 1) reaches the Responses and Messages
rules the way it reaches the model rules: on an unrecognised host a model the catalog knows is judged
by its vendor's declared policy, and the finding says the provider was inferred from the model name.
A model the catalog does not know, and the vendor's own host, are judged as before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_analysis.check import check_body

UNKNOWN_HOST = "http://127.0.0.1:9"
USER = {"role": "user", "content": "Hello"}
REASONING_LAST = [USER, {"type": "reasoning", "id": "rs_0c3876fcd4", "summary": []}]
REASONING_MESSAGE = (
    "input[1] is a reasoning item with nothing after it; replay the message or function_call it produced, "
    "or drop the reasoning item."
)


def inferred(vendor: str) -> str:
    return (
        f" The host is not a recognised provider: the provider ({vendor}) was inferred from the model name, "
        "using toolguard's model catalog; map the host with [[gateway]] in the providers config if that is wrong."
    )


CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, str, str]]]] = [
    # The gap: an OpenAI model on an unknown host got a warning where OpenAI's validator rejects it.
    (
        f"{UNKNOWN_HOST}/v1/responses",
        {"model": "o4-mini", "input": REASONING_LAST},
        [
            (
                "responses.reasoning-without-following-item",
                "error",
                "input[1]",
                REASONING_MESSAGE + inferred("OpenAI"),
            )
        ],
    ),
    # OpenAI's own host: an error, and nothing inferred.
    (
        "https://api.openai.com/v1/responses",
        {"model": "o4-mini", "input": REASONING_LAST},
        [("responses.reasoning-without-following-item", "error", "input[1]", REASONING_MESSAGE)],
    ),
    # A model no catalog knows on an unknown host: the host's level, unchanged.
    (
        f"{UNKNOWN_HOST}/v1/responses",
        {"model": "my-own-model", "input": REASONING_LAST},
        [("responses.reasoning-without-following-item", "warning", "input[1]", REASONING_MESSAGE)],
    ),
    # Claude 4.5 on an unknown host: Anthropic's rejection of temperature with top_p (silent on an unknown
    # host before), and an OpenAI-style tool_choice string (a warning before).
    (
        f"{UNKNOWN_HOST}/v1/messages",
        {
            "model": "claude-sonnet-4-5",
            "max_tokens": 100,
            "temperature": 0.5,
            "top_p": 0.9,
            "messages": [USER],
        },
        [
            (
                "anthropic.temperature-with-top-p",
                "error",
                "top_p",
                "claude-sonnet-4-5 accepts `temperature` or `top_p`, not both; drop one (usually `top_p`)."
                + inferred("Anthropic"),
            )
        ],
    ),
    (
        f"{UNKNOWN_HOST}/v1/messages",
        {"model": "my-own-model", "max_tokens": 100, "temperature": 0.5, "top_p": 0.9, "messages": [USER]},
        [],
    ),
    # Valid requests stay clean whoever the vendor is.
    (f"{UNKNOWN_HOST}/v1/responses", {"model": "o4-mini", "input": [USER]}, []),
    (
        f"{UNKNOWN_HOST}/v1/messages",
        {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [USER]},
        [],
    ),
]


@pytest.mark.parametrize(("url", "body", "expected"), CASES)
def test_rules_judge_a_known_model_by_its_vendor_on_an_unknown_host(
    url: str, body: dict[str, Any], expected: list[tuple[str, str, str, str]]
) -> None:
    analysis = check_body(json.dumps(body).encode(), url)
    assert [(f.rule, f.severity, f.location, f.message) for f in analysis.findings] == expected
