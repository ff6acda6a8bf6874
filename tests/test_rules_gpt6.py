"""GPT-6 on OpenAI's hosts, gateways and the ChatGPT Codex backend (issue 9, session 16): the request families
OpenAI's validator applies to the gpt-6 models (providers.py OPENAI_FAMILIES), function tools on chat
completions for gpt-6-astra (model.tools-with-reasoning-effort), and the Codex backend's refusal of
``temperature`` for every model (params.rejected-by-provider). Each case is a request the threads cited on the
declarations show refused or accepted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request

OPENAI = "https://api.openai.com/v1/chat/completions"
AZURE = "https://example.openai.azure.com/openai/v1/chat/completions"
GATEWAY = "https://llm.corp.example/v1/chat/completions"
CODEX = "https://chatgpt.com/backend-api/codex/responses"
RESPONSES = "https://api.openai.com/v1/responses"
USER = {"role": "user", "content": "What's the weather in Oslo?"}
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def _errors(url: str, body: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (f.rule, f.location)
        for f in analyse_request(json.dumps(body), url).findings
        if str(f.severity) == "error"
    }


# (url, body, the error findings (rule, location)); an empty set: accepted.
CASES: list[tuple[str, dict[str, Any], set[tuple[str, str]]]] = [
    # gpt-6-astra always reasons: max_tokens, stop and temperature other than 1 refused (bolna-ai/bolna#1019).
    (
        OPENAI,
        {"model": "gpt-6-astra", "messages": [USER], "max_tokens": 100},
        {("params.max-tokens-on-reasoning-model", "max_tokens")},
    ),
    (
        OPENAI,
        {"model": "gpt-6-astra", "messages": [USER], "temperature": 0.7, "stop": ["x"]},
        {("params.temperature-on-reasoning-model", "temperature"), ("params.unsupported-for-model", "stop")},
    ),
    (OPENAI, {"model": "gpt-6-astra", "messages": [USER], "max_completion_tokens": 100}, set()),
    (
        GATEWAY,
        {"model": "gpt-6-astra", "messages": [USER], "temperature": 0.7},
        {("model.sampling-on-reasoning-model", "temperature")},
    ),
    # Tools on chat completions at every effort (bolna-ai/bolna#1019), on OpenAI, Azure and behind a gateway.
    (
        OPENAI,
        {"model": "gpt-6-astra", "messages": [USER], "tools": [TOOL]},
        {("model.tools-with-reasoning-effort", "reasoning_effort")},
    ),
    (
        AZURE,
        {"model": "gpt-6-astra", "messages": [USER], "tools": [TOOL], "reasoning_effort": "low"},
        {("model.tools-with-reasoning-effort", "reasoning_effort")},
    ),
    (
        GATEWAY,
        {"model": "gpt-6-astra", "messages": [USER], "tools": [TOOL]},
        {("model.tools-with-reasoning-effort", "reasoning_effort")},
    ),
    (OPENAI, {"model": "gpt-6-astra", "messages": [USER]}, set()),
    # The other gpt-6 models are the gpt-5 request family: max_tokens refused; sampling taken with effort none.
    (
        OPENAI,
        {"model": "gpt-6-luna", "messages": [USER], "max_tokens": 100},
        {("params.max-tokens-on-reasoning-model", "max_tokens")},
    ),
    (
        OPENAI,
        {"model": "gpt-6-sol", "messages": [USER], "temperature": 0.2, "reasoning_effort": "none"},
        set(),
    ),
    (OPENAI, {"model": "gpt-6-sol", "messages": [USER], "tools": [TOOL], "reasoning_effort": "none"}, set()),
    # The Codex backend refuses temperature for every model and value; the Platform API's Responses endpoint
    # judges it by the model's family.
    (
        CODEX,
        {"model": "gpt-5.6-luna", "input": "Reply with OK", "temperature": 0.2},
        {("params.rejected-by-provider", "temperature")},
    ),
    (
        CODEX,
        {"model": "gpt-6-astra", "input": "Reply with OK", "temperature": 1},
        {("params.rejected-by-provider", "temperature")},
    ),
    (CODEX, {"model": "gpt-6-astra", "input": "Reply with OK"}, set()),
    (
        RESPONSES,
        {"model": "gpt-6-astra", "input": "Reply with OK", "temperature": 0.2},
        {("model.sampling-on-reasoning-model", "temperature")},
    ),
    # gpt-6-sol and -luna: no thread shows their default effort, so temperature is only doubtful (a warning).
    (OPENAI, {"model": "gpt-6-sol", "messages": [USER], "temperature": 0.2}, set()),
    (RESPONSES, {"model": "gpt-6-luna", "input": "Reply with OK", "temperature": 0.2}, set()),
]


@pytest.mark.parametrize(("url", "body", "expected"), CASES)
def test_gpt6_requests_are_judged_as_openai_answers_them(
    url: str, body: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    assert _errors(url, body) == expected
