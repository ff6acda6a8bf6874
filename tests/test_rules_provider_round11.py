"""Provider facts of issue 9's session-11 round, over the real request shapes their sources quote: each
case is a provider, the request a thread shows it refusing (or the one it accepts), and the severity the
rule declares there. The same shape elsewhere keeps the rule's level for that provider, so a provider that
accepts it is never flagged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request

USER = {"role": "user", "content": "What is the weather in Paris?"}

XAI = "https://api.x.ai/v1/chat/completions"
OPENAI = "https://api.openai.com/v1/chat/completions"
MINIMAX = "https://api.minimax.io/v1/chat/completions"


def findings(body: dict[str, Any], url: str, rule: str) -> list[tuple[str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors
    return [(f.severity.value, f.location) for f in analysis.findings if f.rule == rule]


def replayed_call(arguments: str) -> list[dict[str, Any]]:
    """A tool call replayed with ``arguments`` as sent, and its result (spiceai/spiceai#4734's turn)."""
    return [
        USER,
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "initial_list_datasets",
                    "type": "function",
                    "function": {"name": "list_datasets", "arguments": arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "initial_list_datasets", "content": "[]"},
    ]


ARGS = "messages[1].tool_calls[0].function.arguments"

# shape.invalid-tool-arguments: xAI parses the arguments of a replayed call and refuses what does not parse.
ARGUMENT_CASES = [
    # An empty string (spiceai/spiceai#4734: "EOF while parsing a value, line: 1, column: 0").
    ("xai", XAI, "grok-2-1212", "", [("error", ARGS)]),
    # Two objects merged by a streaming reducer (superagent-ai/grok-cli#65: "trailing characters").
    ("xai", XAI, "grok-code-fast-1", '{"command":"ls -la"}{"command":"ls -la"}', [("error", ARGS)]),
    ("xai", XAI, "grok-code-fast-1", '{"command":"ls -la"}', []),
    # OpenAI replays such a call: the rule's warning there is unchanged.
    ("openai", OPENAI, "gpt-4o", "", [("warning", ARGS)]),
    ("minimax", MINIMAX, "MiniMax-M2.7", '{"a":1}{"b":2}', [("error", ARGS)]),
]


@pytest.mark.parametrize(("provider", "url", "model", "arguments", "expected"), ARGUMENT_CASES)
def test_invalid_tool_arguments_per_provider(
    provider: str, url: str, model: str, arguments: str, expected: list[tuple[str, str]]
) -> None:
    body = {"model": model, "messages": replayed_call(arguments)}
    assert findings(body, url, "shape.invalid-tool-arguments") == expected


OPENROUTER = "https://openrouter.ai/api/v1/chat/completions"

# roles.name-unsupported: xAI takes `name` on user messages only.
NAME_CASES = [
    # The system message litellm#9720 quotes (and SillyTavern's example dialogue, as in autogen#4715).
    (
        XAI,
        "grok-2",
        [{"role": "system", "content": "*I press the green button*", "name": "example_user"}, USER],
        [("error", "messages[0].name")],
    ),
    # An assistant speaker's name, as a multi-agent client sends it (pipecat#2274's pushed messages).
    (
        XAI,
        "grok-4",
        [USER, {"role": "assistant", "content": "Sunny.", "name": "weather_bot"}, USER],
        [("error", "messages[1].name")],
    ),
    # A user's name is taken.
    (XAI, "grok-4", [{"role": "user", "content": "hi", "name": "alice"}], []),
    # OpenAI takes `name` on every role; OpenRouter is not xAI's validator for its own checks.
    (OPENAI, "gpt-4o", [{"role": "system", "content": "Be brief.", "name": "narrator"}, USER], []),
    (OPENROUTER, "x-ai/grok-2", [{"role": "system", "content": "Be brief.", "name": "narrator"}, USER], []),
]


@pytest.mark.parametrize(("url", "model", "messages", "expected"), NAME_CASES)
def test_name_only_on_user_messages_at_xai(
    url: str, model: str, messages: list[dict[str, Any]], expected: list[tuple[str, str]]
) -> None:
    assert findings({"model": model, "messages": messages}, url, "roles.name-unsupported") == expected


GROQ = "https://api.groq.com/openai/v1/chat/completions"
CEREBRAS = "https://api.cerebras.ai/v1/chat/completions"


def strict_format(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "answer", "strict": True, "schema": schema}}


# A Pydantic model's schema as agno sent it to Cerebras (agno-agi/agno#6014): required, no additionalProperties.
SUMMARY = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "topics": {"type": "array", "items": {"type": "string"}}},
    "required": ["summary", "topics"],
}
SCHEMA_AT = "response_format.json_schema.schema"

# response_format.strict-schema: Groq's and Cerebras' strict modes refuse what OpenAI's does, within their pages.
STRICT_CASES = [
    (CEREBRAS, "zai-glm-4.7", SUMMARY, [("error", SCHEMA_AT)]),
    (GROQ, "openai/gpt-oss-120b", SUMMARY, [("error", SCHEMA_AT)]),
    (OPENAI, "gpt-4o", SUMMARY, [("error", SCHEMA_AT)]),
    (CEREBRAS, "zai-glm-4.7", {**SUMMARY, "additionalProperties": False}, []),
    # A property left out of `required`: both pages state every property must be listed.
    (
        GROQ,
        "openai/gpt-oss-120b",
        {**SUMMARY, "required": ["summary"], "additionalProperties": False},
        [("error", SCHEMA_AT)],
    ),
    # Cerebras handles a missing additionalProperties quietly in one case its page leaves open: an object with
    # no `required` list is a warning there.
    (
        CEREBRAS,
        "zai-glm-4.7",
        {"type": "object", "properties": {}},
        [("warning", SCHEMA_AT)],
    ),
    # A string format outside OpenAI's list: an error at OpenAI, a warning where the subset is not documented.
    (
        GROQ,
        "openai/gpt-oss-120b",
        {
            "type": "object",
            "properties": {"url": {"type": "string", "format": "uri"}},
            "required": ["url"],
            "additionalProperties": False,
        },
        [("warning", f"{SCHEMA_AT}.properties.url")],
    ),
]


@pytest.mark.parametrize(("url", "model", "schema", "expected"), STRICT_CASES)
def test_strict_schema_per_provider(
    url: str, model: str, schema: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    body = {"model": model, "messages": [USER], "response_format": strict_format(schema)}
    assert findings(body, url, "response_format.strict-schema") == expected


MOONSHOT = "https://api.moonshot.ai/v1/chat/completions"
MOONSHOT_MESSAGES = "https://api.moonshot.cn/anthropic/v1/messages"
KIMI_CODE = "https://api.kimi.com/coding/v1/chat/completions"
ZAI = "https://api.z.ai/api/paas/v4/chat/completions"
ZAI_CODING = "https://api.z.ai/api/coding/paas/v4/chat/completions"
DEEPSEEK = "https://api.deepseek.com/chat/completions"
OFF = {"type": "disabled"}

# quirks.thinking-cannot-be-disabled: a model that always thinks, with thinking switched off.
THINKING_OFF_CASES = [
    # Moonshot's reference: kimi-k2.7-code's thinking.type "only accepts enabled" (lobehub#15725's answer).
    (
        MOONSHOT,
        {"model": "kimi-k2.7-code", "messages": [USER], "thinking": OFF},
        [("error", "thinking.type")],
    ),
    (
        MOONSHOT,
        {"model": "kimi-k2.7-code-highspeed", "messages": [USER], "thinking": OFF},
        [("error", "thinking.type")],
    ),
    # The same switch on Moonshot's Anthropic-compatible endpoint (Claude Code's subagents, Kimi-K2#141).
    (
        MOONSHOT_MESSAGES,
        {"model": "kimi-k2.7-code", "max_tokens": 1024, "messages": [USER], "thinking": OFF},
        [("error", "thinking.type")],
    ),
    (MOONSHOT, {"model": "kimi-k2.7-code", "messages": [USER], "thinking": {"type": "enabled"}}, []),
    (MOONSHOT, {"model": "kimi-k2.7-code", "messages": [USER]}, []),
    # kimi-k2.6 can switch it off.
    (MOONSHOT, {"model": "kimi-k2.6", "messages": [USER], "thinking": OFF}, []),
    # Kimi Code: kimi-for-coding refuses it (oh-my-pi#3853); for k3 no refusal is known: a warning.
    (
        KIMI_CODE,
        {"model": "kimi-for-coding", "messages": [USER], "thinking": OFF},
        [("error", "thinking.type")],
    ),
    (KIMI_CODE, {"model": "k3", "messages": [USER], "thinking": OFF}, [("warning", "thinking.type")]),
    # GLM-5.3 on Z.AI's pay-as-you-go API (code 1210), and on its coding plan, which accepts it.
    (ZAI, {"model": "glm-5.3", "messages": [USER], "thinking": OFF}, [("error", "thinking.type")]),
    (ZAI_CODING, {"model": "glm-5.3", "messages": [USER], "thinking": OFF}, [("warning", "thinking.type")]),
    (ZAI, {"model": "glm-5.2", "messages": [USER], "thinking": OFF}, []),
    (ZAI, {"model": "glm-5.3", "messages": [USER], "reasoning_effort": "low"}, []),
    # DeepSeek's reasoner always thinks too, but its switch is not known to be refused: not this rule's.
    (DEEPSEEK, {"model": "deepseek-reasoner", "messages": [USER], "thinking": OFF}, []),
]


@pytest.mark.parametrize(("url", "body", "expected"), THINKING_OFF_CASES)
def test_thinking_cannot_be_disabled(url: str, body: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert findings(body, url, "quirks.thinking-cannot-be-disabled") == expected


MINIMAX_MESSAGES = "https://api.minimax.io/anthropic/v1/messages"
ANTHROPIC = "https://api.anthropic.com/v1/messages"
EFFORT = {"effort": "low"}

# anthropic.compatible-field-refused: MiniMax's Anthropic-compatible endpoint refuses `output_config` with
# 400 "invalid params" (decolua/9router#817: Claude Code's haiku calls carry it; without it, answered).
COMPATIBLE_CASES = [
    (
        MINIMAX_MESSAGES,
        {"model": "MiniMax-M2.7", "max_tokens": 1024, "messages": [USER], "output_config": EFFORT},
        [("error", "output_config")],
    ),
    (MINIMAX_MESSAGES, {"model": "MiniMax-M2.7", "max_tokens": 1024, "messages": [USER]}, []),
    # Anthropic's own API takes the field.
    (
        ANTHROPIC,
        {"model": "claude-haiku-4-5", "max_tokens": 1024, "messages": [USER], "output_config": EFFORT},
        [],
    ),
]


@pytest.mark.parametrize(("url", "body", "expected"), COMPATIBLE_CASES)
def test_compatible_field_refused(url: str, body: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert findings(body, url, "anthropic.compatible-field-refused") == expected
