"""Session 14's provider surface audit (issue 9): each hosted provider's documented parameter surface,
declared whole in its profile. Each case is a provider, a request shape its own documentation lists as
refused (or as taken, or ignored), and the severity the rule declares there; a field the page lists as
supported gives no error, so what a provider accepts is never flagged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import (
    BUILTIN_PROFILES,
    COHERE_UNSUPPORTED_PARAMS,
    ProviderRegistry,
)

USER = {"role": "user", "content": "Hello"}
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}

COHERE = "https://api.cohere.ai/compatibility/v1/chat/completions"


def errors(body: dict[str, Any], url: str) -> list[tuple[str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors
    return sorted((f.rule, f.location) for f in analysis.findings if f.severity.value == "error")


@pytest.mark.parametrize("host", ["api.cohere.ai", "api.cohere.com"])
def test_cohere_compatibility_api_is_recognised_by_its_host(host: str) -> None:
    assert ProviderRegistry().detect(host, 443, "/compatibility/v1/chat/completions").id == "cohere"
    assert BUILTIN_PROFILES["cohere"].base_url == "https://api.cohere.ai/compatibility/v1"


# docs.cohere.com/docs/compatibility-api, "Unsupported parameters ... Chat completions" (the page's source,
# cohere-ai/cohere-developer-experience fern/pages/v2/text-generation/compatibility-api.mdx at 0f369fc):
# store, metadata, logit_bias, top_logprobs, n, modalities, prediction, audio, service_tier,
# parallel_tool_calls. Each value is one a client really sends (n 1 is the OpenAI default openai_dart fills in).
COHERE_REFUSED: dict[str, Any] = {
    "store": False,
    "metadata": {"session": "s1"},
    "logit_bias": {"50256": -100},
    "top_logprobs": 2,
    "n": 1,
    "modalities": ["text"],
    "prediction": {"type": "content", "content": "draft"},
    "audio": {"voice": "alloy", "format": "wav"},
    "service_tier": "auto",
    "parallel_tool_calls": False,
}


def test_the_refused_table_is_the_pages_list() -> None:
    assert set(COHERE_REFUSED) == set(COHERE_UNSUPPORTED_PARAMS)
    assert set(BUILTIN_PROFILES["cohere"].rejected_params) == set(COHERE_UNSUPPORTED_PARAMS)


@pytest.mark.parametrize(("field", "value"), sorted(COHERE_REFUSED.items()))
def test_cohere_refuses_each_field_its_page_lists(field: str, value: Any) -> None:
    body = {"model": "command-a-03-2025", "messages": [USER], field: value}
    if field == "parallel_tool_calls":
        body["tools"] = [TOOL]
    assert errors(body, COHERE) == [("params.rejected-by-provider", field)]


# The same page's "Supported parameters ... Chat completions": model, messages, stream, reasoning_effort,
# response_format, tools, temperature, max_tokens, stop, seed, top_p, frequency_penalty, presence_penalty;
# `user` left the unsupported list (the same repo's PR #431); the page's own examples send a developer message
# and a tool message with a `name`.
COHERE_ACCEPTED = [
    {"model": "command-a-03-2025", "messages": [USER], "stream": True},
    {"model": "command-a-03-2025", "messages": [USER], "temperature": 0.7, "max_tokens": 200, "seed": 7},
    {"model": "command-a-03-2025", "messages": [USER], "stop": ["\n\n"], "top_p": 0.9},
    {"model": "command-a-03-2025", "messages": [USER], "frequency_penalty": 0.2, "presence_penalty": 0.1},
    {"model": "command-a-03-2025", "messages": [USER], "user": "u-1"},
    {"model": "command-a-reasoning-08-2025", "messages": [USER], "reasoning_effort": "high"},
    {"model": "command-a-reasoning-08-2025", "messages": [USER], "reasoning_effort": "none"},
    {
        "model": "command-a-03-2025",
        "messages": [
            {"role": "developer", "content": "Today is April 30th"},
            USER,
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "get_weather0",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "name": "get_weather", "tool_call_id": "get_weather0", "content": "18C"},
        ],
        "tools": [TOOL],
        "temperature": 0.7,
    },
]


@pytest.mark.parametrize("body", COHERE_ACCEPTED)
def test_cohere_takes_what_its_page_lists_as_supported(body: dict[str, Any]) -> None:
    assert errors(body, COHERE) == []


# "reasoning_effort (Only "none" and "high" are currently supported.) ... Passing medium or low is not
# supported at this time."
@pytest.mark.parametrize("effort", ["low", "medium"])
def test_cohere_reasoning_effort_takes_none_and_high_only(effort: str) -> None:
    body = {"model": "command-a-reasoning-08-2025", "messages": [USER], "reasoning_effort": effort}
    assert errors(body, COHERE) == [("params.reasoning-effort-value", "reasoning_effort")]


def test_cohere_refusal_says_what_the_page_says() -> None:
    body = {"model": "command-a-03-2025", "messages": [USER], "n": 1}
    [finding] = [
        f
        for f in analyse_request(json.dumps(body), COHERE).findings
        if f.rule == "params.rejected-by-provider"
    ]
    assert "Cohere's Compatibility API does not support `n`" in finding.message
    assert "docs.cohere.com/docs/compatibility-api" in finding.message


OPENROUTER = "https://openrouter.ai/api/v1/chat/completions"

# OpenRouter's reasoning-tokens page: the `reasoning` object takes "One of the following (not both)": effort or
# max_tokens; exclude and enabled combine with either.
OPENROUTER_REASONING = [
    ({"effort": "medium", "max_tokens": 900}, [("quirks.openrouter-reasoning-effort-and-max-tokens", "reasoning.max_tokens")]),
    ({"effort": "high", "max_tokens": 2000, "exclude": True}, [("quirks.openrouter-reasoning-effort-and-max-tokens", "reasoning.max_tokens")]),
    ({"effort": "medium"}, []),
    ({"max_tokens": 1500}, []),
    ({"effort": "low", "exclude": True}, []),
    ({"enabled": True, "max_tokens": 2000}, []),
    ({"enabled": True}, []),
]  # fmt: skip


@pytest.mark.parametrize(("reasoning", "expected"), OPENROUTER_REASONING)
def test_openrouter_reasoning_takes_effort_or_max_tokens(
    reasoning: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    body = {"model": "moonshotai/kimi-k2-thinking", "messages": [USER], "reasoning": reasoning}
    assert errors(body, OPENROUTER) == expected


def test_the_reasoning_pair_is_openrouters_rule_only() -> None:
    """Another host's `reasoning` object is not OpenRouter's: the pair is not judged there."""
    body = {"model": "some-model", "messages": [USER], "reasoning": {"effort": "medium", "max_tokens": 900}}
    for url in (
        "https://llm-gateway.example.com/v1/chat/completions",
        "https://api.together.xyz/v1/chat/completions",
    ):
        analysis = analyse_request(json.dumps(body), url)
        assert [
            f for f in analysis.findings if f.rule == "quirks.openrouter-reasoning-effort-and-max-tokens"
        ] == []
