"""response_format rules over real request shapes, per provider (providers.md §8)."""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings, predicted_texts

FAMILY = "response_format."
E, W = "error", "warning"
COLOURS = {
    "type": "object",
    "properties": {"colours": {"type": "array", "items": {"type": "string"}}},
    "required": ["colours"],
    "additionalProperties": False,
}


def req(
    response_format: Any, content: Any = "List three primary colours.", model: str = "gpt-4o"
) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "response_format": response_format,
    }


def schema_format(**json_schema: Any) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": json_schema}


CASES = [
    # must be an object: OpenAI and Moonshot texts
    (
        "string-openai",
        "openai",
        req("json_object"),
        [("response_format.not-an-object", E, "response_format")],
    ),
    (
        "string-moonshot",
        "moonshot",
        req("json_object"),
        [("response_format.not-an-object", E, "response_format")],
    ),
    ("string-vllm", "vllm", req("json_object"), [("response_format.not-an-object", E, "response_format")]),
    ("null-ok", "openai", req(None), []),
    # type
    (
        "type-json-openai",
        "openai",
        req({"type": "json"}),
        [("response_format.unknown-type", E, "response_format.type")],
    ),
    (
        "type-missing-llama-cpp",
        "llama.cpp",
        req({"schema": COLOURS}),
        [("response_format.unknown-type", E, "response_format.type")],
    ),
    ("structural-tag-vllm-ok", "vllm", req({"type": "structural_tag", "structures": [], "triggers": []}), []),
    (
        "structural-tag-openai",
        "openai",
        req({"type": "structural_tag"}),
        [("response_format.unknown-type", E, "response_format.type")],
    ),
    ("unknown-type-ollama-ignored", "ollama", req({"type": "grammar"}), []),
    (
        "unknown-type-dashscope-warn",
        "dashscope",
        req({"type": "json"}),
        [("response_format.unknown-type", W, "response_format.type")],
    ),
    # json_object needs the word json
    (
        "json-object-no-word-openai",
        "openai",
        req({"type": "json_object"}),
        [("response_format.json-without-json-word", E, "messages")],
    ),
    (
        "json-object-no-word-azure",
        "azure",
        req({"type": "json_object"}),
        [("response_format.json-without-json-word", E, "messages")],
    ),
    (
        "json-object-no-word-openrouter-openai",
        "openrouter",
        req({"type": "json_object"}, model="openai/gpt-4o-mini"),
        [("response_format.json-without-json-word", E, "messages")],
    ),
    ("json-object-word-ok", "openai", req({"type": "json_object"}, "Answer in JSON: three colours."), []),
    (
        "json-object-word-in-part-ok",
        "openai",
        req({"type": "json_object"}, [{"type": "text", "text": "Reply as a Json object."}]),
        [],
    ),
    ("json-object-no-word-vllm", "vllm", req({"type": "json_object"}), []),
    (
        "json-object-no-word-deepseek-warn",
        "deepseek",
        req({"type": "json_object"}),
        [("response_format.json-without-json-word", W, "messages")],
    ),
    # json_schema shape
    (
        "flat-responses-shape",
        "openai",
        req({"type": "json_schema", "name": "colours", "schema": COLOURS}),
        [("response_format.json-schema-missing", E, "response_format.json_schema")],
    ),
    (
        "no-name-azure",
        "azure",
        req(schema_format(schema=COLOURS, strict=True)),
        [("response_format.json-schema-invalid-name", E, "response_format.json_schema.name")],
    ),
    (
        "no-name-vllm",
        "vllm",
        req(schema_format(schema=COLOURS)),
        [("response_format.json-schema-invalid-name", E, "response_format.json_schema.name")],
    ),
    ("no-name-llama-cpp-ok", "llama.cpp", req(schema_format(schema=COLOURS)), []),
    (
        "name-with-space",
        "openai",
        req(schema_format(name="primary colours", schema=COLOURS)),
        [("response_format.json-schema-invalid-name", E, "response_format.json_schema.name")],
    ),
    (
        "no-schema-warn",
        "openai",
        req(schema_format(name="colours")),
        [("response_format.json-schema-without-schema", W, "response_format.json_schema.schema")],
    ),
    # strict structured outputs
    ("strict-ok", "openai", req(schema_format(name="colours", schema=COLOURS, strict=True)), []),
    (
        # Strict mode's nine string formats hold for response schemas too (tools.strict-unsupported-format).
        "strict-format-uri",
        "openai",
        req(
            schema_format(
                name="link",
                strict=True,
                schema={
                    "type": "object",
                    "properties": {"url": {"type": "string", "format": "uri"}},
                    "required": ["url"],
                    "additionalProperties": False,
                },
            )
        ),
        [("response_format.strict-schema", E, "response_format.json_schema.schema.properties.url")],
    ),
    (
        "strict-missing-additional-properties",
        "openai",
        req(
            schema_format(
                name="default",
                strict=True,
                schema={"type": "object", "properties": {"c": {"type": "string"}}, "required": ["c"]},
            )
        ),
        [("response_format.strict-schema", E, "response_format.json_schema.schema")],
    ),
    (
        "strict-missing-required-nested",
        "azure",
        req(
            schema_format(
                name="default",
                strict=True,
                schema={
                    "type": "object",
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                                "required": ["a"],
                                "additionalProperties": False,
                            },
                        }
                    },
                    "required": ["items"],
                    "additionalProperties": False,
                },
            )
        ),
        [("response_format.strict-schema", E, "response_format.json_schema.schema.properties.items.items")],
    ),
    (
        "not-strict-ok",
        "openai",
        req(
            schema_format(name="default", schema={"type": "object", "properties": {"c": {"type": "string"}}})
        ),
        [],
    ),
    (
        "strict-vllm-ignored",
        "vllm",
        req(schema_format(name="default", strict=True, schema={"type": "object", "properties": {"c": {}}})),
        [],
    ),
    # Cerebras rejects a json_schema without `name` (Cerebras/cerebras-cloud-sdk-python#4: the request
    # of the thread, strict schema and all); a present name of another form is not confirmed there.
    (
        "name-missing-cerebras",
        "cerebras",
        {
            "model": "llama-3.3-70b",
            "messages": [{"role": "user", "content": "invent a dog"}],
            "stream": True,
            "response_format": schema_format(strict=True, schema=COLOURS),
        },
        [("response_format.json-schema-invalid-name", E, "response_format.json_schema.name")],
    ),
    (
        "name-pattern-cerebras",
        "cerebras",
        req(schema_format(name="my colours", schema=COLOURS)),
        [("response_format.json-schema-invalid-name", W, "response_format.json_schema.name")],
    ),
]


@pytest.mark.parametrize(("provider", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_response_format_rules(
    provider: str, body: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    assert findings(provider, body, FAMILY) == expected


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("response_format.not-an-object", "'json_object' is not of type 'object' - 'response_format'"),
        ("response_format.not-an-object", "expected type object) is illegal, and string is not acceptable"),
        (
            "response_format.json-without-json-word",
            "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        ),
        ("response_format.json-schema-missing", "Missing required parameter: 'response_format.json_schema'."),
        (
            "response_format.json-schema-invalid-name",
            "Missing required parameter: 'response_format.json_schema.name'.",
        ),
        (
            "response_format.strict-schema",
            "'additionalProperties' is required to be supplied and to be false.",
        ),
        ("response_format.unknown-type", 'response_format type must be one of "text" or "json_object"'),
        ("response_format.json-schema-invalid-name", "type: Input should be 'text'"),
    ],
)
def test_rules_predict_the_real_provider_text(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))
