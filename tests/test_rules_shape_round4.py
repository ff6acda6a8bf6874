"""shape.tool-call-id-too-long and shape.tool-arguments-not-string (issue 9 round 4): the id OpenAI's
validator caps at 40 characters and the arguments it requires as a string, per provider, over the real
bodies the rules cite."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.rules import RULES

USER = {"role": "user", "content": "What is the weather in Paris?"}
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def turn(
    call_id: str, arguments: Any = '{"city": "Paris"}', *, drop_arguments: bool = False
) -> list[dict[str, Any]]:
    function: dict[str, Any] = {"name": "get_weather", "arguments": arguments}
    if drop_arguments:
        del function["arguments"]
    return [
        USER,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": call_id, "type": "function", "function": function}],
        },
        {"role": "tool", "tool_call_id": call_id, "content": "Sunny"},
    ]


def rows(model: str, messages: list[dict[str, Any]], url: str) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps({"model": model, "messages": messages, "tools": [TOOL]}), url)
    assert not analysis.internal_errors
    return [
        (f.rule, f.severity.value, f.location)
        for f in analysis.findings
        if f.rule
        in ("shape.tool-call-id-too-long", "shape.tool-arguments-not-string", "shape.invalid-tool-arguments")
    ]


ID_51 = "ws_689e2d4880a0819d98acca37694989b00b15d90494fc6b87"  # vercel/ai#8132
ID_44 = "portkey-6aa6db90-1b84-4155-9f32-f658c97d6b1b"  # Portkey-AI/gateway#1062
ID_40 = "call_" + "x" * 35
AT = "messages[1].tool_calls[0].id"

ID_CASES = [
    (
        "openai",
        "gpt-4o-mini",
        ID_51,
        "https://api.openai.com/v1/chat/completions",
        [("shape.tool-call-id-too-long", "error", AT)],
    ),
    (
        "azure",
        "gpt-4o",
        ID_44,
        "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
        [("shape.tool-call-id-too-long", "error", AT)],
    ),
    # OpenRouter's openai/* models reach OpenAI's validator (openclaw/openclaw#875).
    (
        "openrouter-openai",
        "openai/gpt-4o-mini",
        "e" * 83,
        "https://openrouter.ai/api/v1/chat/completions",
        [("shape.tool-call-id-too-long", "error", AT)],
    ),
    (
        "copilot-openai",
        "gpt-5-mini",
        "toolu_" + "d" * 40,
        "https://api.githubcopilot.com/chat/completions",
        [("shape.tool-call-id-too-long", "error", AT)],
    ),
    # Copilot hands Claude models to Anthropic's validator, which has no 40-character cap.
    (
        "copilot-claude",
        "claude-sonnet-4.5",
        "toolu_" + "d" * 40,
        "https://api.githubcopilot.com/chat/completions",
        [],
    ),
    # An unrecognised gateway in front of a known OpenAI model: judged as OpenAI, saying so.
    (
        "gateway-openai-model",
        "gpt-4o-mini",
        ID_51,
        "https://llm.internal.example/v1/chat/completions",
        [("shape.tool-call-id-too-long", "error", AT)],
    ),
    (
        "gateway-unknown-model",
        "house-model",
        ID_51,
        "https://llm.internal.example/v1/chat/completions",
        [("shape.tool-call-id-too-long", "warning", AT)],
    ),
    ("self-hosted", "qwen3:8b", ID_51, "http://127.0.0.1:11434/v1/chat/completions", []),
    ("exactly-40", "gpt-4o-mini", ID_40, "https://api.openai.com/v1/chat/completions", []),
]


@pytest.mark.parametrize(
    ("model", "call_id", "url", "expected"), [c[1:] for c in ID_CASES], ids=[c[0] for c in ID_CASES]
)
def test_tool_call_id_length_per_provider(
    model: str, call_id: str, url: str, expected: list[tuple[str, str, str]]
) -> None:
    assert rows(model, turn(call_id), url) == expected


def test_gateway_finding_says_the_provider_was_inferred() -> None:
    analysis = analyse_request(
        json.dumps({"model": "gpt-4o-mini", "messages": turn(ID_51)}),
        "https://llm.internal.example/v1/chat/completions",
    )
    (finding,) = [f for f in analysis.findings if f.rule == "shape.tool-call-id-too-long"]
    assert "51 characters" in finding.message and "inferred" in finding.message


ARGS = "messages[1].tool_calls[0].function.arguments"
ARG_CASES = [
    # aaif-goose/goose-mobile#20: the parsed object replayed.
    (
        "object-openai",
        turn("call_1", {"city": "Paris"}),
        "https://api.openai.com/v1/chat/completions",
        [("shape.tool-arguments-not-string", "error", ARGS)],
    ),
    # mark3labs/mcphost#117: empty arguments dropped by the client.
    (
        "missing-openai",
        turn("call_1", drop_arguments=True),
        "https://api.openai.com/v1/chat/completions",
        [("shape.tool-arguments-not-string", "error", ARGS)],
    ),
    (
        "object-generic-unknown-model",
        turn("call_1", {"city": "Paris"}),
        "https://llm.internal.example/v1/chat/completions",
        [("shape.tool-arguments-not-string", "warning", ARGS)],
    ),
    # A string that does not parse stays shape.invalid-tool-arguments (OpenAI replays it: a warning).
    (
        "string-not-json-openai",
        turn("call_1", '{"city": "Par'),
        "https://api.openai.com/v1/chat/completions",
        [("shape.invalid-tool-arguments", "warning", ARGS)],
    ),
    ("string-ok", turn("call_1"), "https://api.openai.com/v1/chat/completions", []),
]


@pytest.mark.parametrize(
    ("messages", "url", "expected"), [c[1:] for c in ARG_CASES], ids=[c[0] for c in ARG_CASES]
)
def test_arguments_type_per_provider(
    messages: list[dict[str, Any]], url: str, expected: list[tuple[str, str, str]]
) -> None:
    model = "house-model" if "internal" in url else "gpt-4o-mini"
    assert rows(model, messages, url) == expected


def test_the_rules_cite_real_answers() -> None:
    for rule_id in ("shape.tool-call-id-too-long", "shape.tool-arguments-not-string"):
        assert RULES[rule_id].predicts and all(
            p.source.startswith("https://") for p in RULES[rule_id].predicts
        )


GATEWAY = "https://llm.internal.example/v1/chat/completions"
JUDGED_CASES = [
    # OpenAI's validator refuses these (the rules' texts); a gateway in front of an OpenAI model forwards
    # them, so the rule's OpenAI level applies there, saying the provider was inferred; an unknown model
    # stays a warning.
    ("unknown-type", {"messages": [USER], "response_format": {"type": "object"}}, "response_format.unknown-type", "response_format.type"),
    ("json-schema-missing", {"messages": [USER], "response_format": {"type": "json_schema", "schema": {"type": "object"}}}, "response_format.json-schema-missing", "response_format.json_schema"),
    ("call-missing-type", {"messages": [USER, {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "function": {"name": "get_weather", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "Sunny"}]}, "shape.tool-call-missing-type", "messages[1].tool_calls[0].type"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "rule", "location"), [c[1:] for c in JUDGED_CASES], ids=[c[0] for c in JUDGED_CASES]
)
def test_spec_rules_on_a_gateway_are_judged_as_the_models_vendor(
    body: dict[str, Any], rule: str, location: str
) -> None:
    def found(model: str) -> list[tuple[str, str, str, bool]]:
        analysis = analyse_request(json.dumps({"model": model, **body}), GATEWAY)
        return [
            (f.rule, f.severity.value, f.location, "inferred" in f.message)
            for f in analysis.findings
            if f.rule == rule
        ]

    assert found("gpt-4o-mini") == [(rule, "error", location, True)]
    assert found("house-model") == [(rule, "warning", location, False)]
