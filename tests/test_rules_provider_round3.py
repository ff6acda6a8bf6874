"""Provider rule families of issue 9 round 3, over real request shapes.

Each row is a request as a client really sends it (the shapes quoted in the threads each rule cites),
the provider it goes to, and every finding of the families involved as (rule, severity, location);
rows that the provider accepts expect no finding. Where a rule predicts a provider error, the row's
rule must quote it (``predicted_texts``).
"""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings, predicted_texts

USER = {"role": "user", "content": "Summarise the report."}
E, W = "error", "warning"
FAMILIES = ("roles.", "messages.", "tools.", "params.response-format-type", "content.")


def req(model: str, *messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": list(messages) or [USER], **fields}


def tool(parameters: Any = None, **function: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": "search", "description": "Search.", **function}
    if parameters is not None:
        spec["parameters"] = parameters
    return {"type": "function", "function": spec}


OBJECT = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
CALL = {
    "id": "call_ShUM9uxonziXPYjU9a4uoy4s",
    "type": "function",
    "function": {"name": "Search", "arguments": "{}"},
}
JSON_SCHEMA = {
    "type": "json_schema",
    "json_schema": {"name": "out", "schema": {"type": "object", "properties": {"a": {"type": "string"}}}},
}

CASES = [
    # Perplexity's Sonar API takes system, user and assistant only (LiteLLM#11665's tool round).
    (
        "perplexity-tool-message",
        "perplexity",
        req(
            "sonar",
            {"role": "user", "content": "Find foobar."},
            {"role": "assistant", "content": "", "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": CALL["id"], "content": "this is a tool response"},
            {"role": "user", "content": "hi"},
        ),
        [("messages.unknown-role", E, "messages[2].role")],
    ),
    ("perplexity-plain-chat", "perplexity", req("sonar"), []),
    # DeepSeek's role is a closed serde enum (cc-switch#3330): developer → error, said once.
    (
        "deepseek-developer",
        "deepseek",
        req("deepseek-v4-pro", {"role": "developer", "content": "Be terse."}, USER),
        [("roles.developer-unsupported", E, "messages[0].role")],
    ),
    (
        "deepseek-function-role",
        "deepseek",
        req("deepseek-chat", USER, {"role": "function", "name": "search", "content": "ok"}),
        [("messages.unknown-role", E, "messages[1].role")],
    ),
    # Fireworks refuses a client's own bookkeeping fields (vscode#335780); its reasoning_content is its own.
    (
        "fireworks-cot-fields",
        "fireworks",
        req(
            "accounts/fireworks/models/glm-5p3-flash",
            USER,
            {"role": "assistant", "content": "Done.", "cot_id": "c1", "cot_summary": "thought"},
            USER,
        ),
        [
            ("roles.unknown-message-key", E, "messages[1].cot_id"),
            ("roles.unknown-message-key", E, "messages[1].cot_summary"),
        ],
    ),
    (
        "fireworks-reasoning-content-replay",
        "fireworks",
        req(
            "accounts/fireworks/models/deepseek-r1",
            USER,
            {"role": "assistant", "content": "Done.", "reasoning_content": "I summarised it."},
            USER,
        ),
        [],
    ),
    # DeepSeek JSON Output is json_object only (inspect_ai#4916, LiteLLM PR #31466).
    (
        "deepseek-json-schema",
        "deepseek",
        req("deepseek-v4-flash", response_format=JSON_SCHEMA),
        [("params.response-format-type", E, "response_format.type")],
    ),
    ("deepseek-json-object", "deepseek", req("deepseek-chat", response_format={"type": "json_object"}), []),
    ("openai-json-schema", "openai", req("gpt-4o", response_format=JSON_SCHEMA), []),
    # LM Studio: "'response_format.type' must be 'json_schema' or 'text'" (LoadShine/tada#16).
    (
        "lmstudio-json-object",
        "lmstudio",
        req("qwen3-30b-a3b", response_format={"type": "json_object"}),
        [("params.response-format-type", E, "response_format.type")],
    ),
    ("lmstudio-json-schema", "lmstudio", req("qwen3-30b-a3b", response_format=JSON_SCHEMA), []),
    # Moonshot resolves only #/$defs/ references (ms-365-mcp-server#458).
    (
        "moonshot-ref-into-properties",
        "moonshot",
        req(
            "kimi-k2.6",
            tools=[
                tool(
                    {
                        "type": "object",
                        "properties": {
                            "startDateTime": {"type": "string"},
                            "endDateTime": {"$ref": "#/properties/startDateTime"},
                        },
                    }
                )
            ],
        ),
        [("tools.schema-ref-not-defs", E, "tools[0].function.parameters.properties.endDateTime.$ref")],
    ),
    (
        "moonshot-ref-into-definitions",
        "moonshot",
        req(
            "kimi-k2.6",
            tools=[
                tool(
                    {
                        "type": "object",
                        "properties": {"d": {"$ref": "#/definitions/Duration"}},
                        "definitions": {"Duration": {"type": "number"}},
                    }
                )
            ],
        ),
        [("tools.schema-ref-not-defs", E, "tools[0].function.parameters.properties.d.$ref")],
    ),
    (
        "moonshot-ref-into-defs",
        "moonshot",
        req(
            "kimi-k2.6",
            tools=[
                tool(
                    {
                        "type": "object",
                        "properties": {"d": {"$ref": "#/$defs/Duration"}},
                        "$defs": {"Duration": {"type": "number"}},
                    }
                )
            ],
        ),
        [],
    ),
    (
        "openai-ref-into-properties",
        "openai",
        req(
            "gpt-4o",
            tools=[
                tool(
                    {
                        "type": "object",
                        "properties": {"a": {"type": "string"}, "b": {"$ref": "#/properties/a"}},
                    }
                )
            ],
        ),
        [],
    ),
    # LM Studio 0.3.29+ needs parameters.type "object" (Copilot's `parameters: {}`).
    (
        "lmstudio-empty-parameters",
        "lmstudio",
        req("qwen3-30b-a3b", tools=[tool({})]),
        [("tools.parameters-not-object", E, "tools[0].function.parameters")],
    ),
    ("lmstudio-object-parameters", "lmstudio", req("qwen3-30b-a3b", tools=[tool(OBJECT)]), []),
    # Cloudflare Workers AI: one content shape for the whole conversation (opencode#30381).
    (
        "cloudflare-mixed-content",
        "cloudflare",
        req(
            "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
            {"role": "system", "content": [{"type": "text", "text": "You are opencode."}]},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "Hello."},
        ),
        [("content.mixed-string-and-array", E, "messages[1].content")],
    ),
    (
        "cloudflare-all-strings",
        "cloudflare",
        req("@cf/meta/llama-3.3-70b-instruct-fp8-fast", {"role": "system", "content": "Be terse."}, USER),
        [],
    ),
    (
        "openai-mixed-content",
        "openai",
        req("gpt-4o", {"role": "system", "content": [{"type": "text", "text": "Be terse."}]}, USER),
        [],
    ),
    # MiniMax requires function.parameters (qwen-code#11905); OpenAI reads its absence as no arguments.
    (
        "minimax-parameterless-tool",
        "minimax",
        req("MiniMax-M2.7", tools=[tool()]),
        [("tools.parameters-missing", E, "tools[0].function")],
    ),
    ("openai-parameterless-tool", "openai", req("gpt-4o", tools=[tool()]), []),
]


@pytest.mark.parametrize(("name", "provider", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_round_three_families(name: str, provider: str, body: dict[str, Any], expected: list[Any]) -> None:
    assert findings(provider, body, *FAMILIES) == expected


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("roles.developer-unsupported", "unknown variant `developer`"),
        ("roles.unknown-message-key", "messages[2].cot_id"),
        ("roles.assistant-last", "Assistant response prefill is incompatible with enable_thinking"),
        ("params.response-format-type", "This response_format type is unavailable now"),
        ("params.response-format-type", "must be 'json_schema' or 'text'"),
        ("tools.schema-ref-not-defs", "references must start with #/$defs/"),
        ("tools.parameters-not-object", "Invalid discriminator value. Expected 'object'"),
        ("tools.parameters-missing", "function parameters is empty"),
        ("content.mixed-string-and-array", "'array' not in 'string'"),
    ],
)
def test_each_family_quotes_the_real_error(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))
