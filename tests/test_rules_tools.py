"""Tool rules over real request shapes, per provider (providers.md §7, §6.2).

Each row: a request as a client really sends it, the provider it goes to, and every finding of
the tool rule families, as (rule, severity, location). Errors are checked against the verbatim
provider error the rule predicts.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings, predicted_texts

FAMILIES = ("tools.", "tool_choice.", "parallel_tool_calls.")
USER = {"role": "user", "content": "What is the weather in Paris?"}
PARAMS = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}


def tool(name: str = "get_weather", parameters: Any = PARAMS, **extra: Any) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": "Weather.", "parameters": parameters, **extra},
    }


def props(**properties: Any) -> dict[str, Any]:
    """A parameter schema with these properties (and nothing else)."""
    return {"type": "object", "properties": properties}


def req(**fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [USER], **fields}


def call_history(name: str) -> list[dict[str, Any]]:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": "{}"}}
    return [
        USER,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
    ]


E, W = "error", "warning"
NAME = "tools[0].function.name"

CASES = [
    # --- Z.AI takes only "auto" (hindsight#4246: "Tool choice must be auto") ---
    (
        "zhipu-required",
        "zhipu",
        req(model="glm-4.6", tools=[tool()], tool_choice="required"),
        [("tool_choice.form-unsupported", E, "tool_choice")],
    ),
    (
        "zhipu-forced-function",
        "zhipu",
        req(
            model="glm-4.6",
            tools=[tool()],
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
        ),
        [("tool_choice.form-unsupported", E, "tool_choice")],
    ),
    ("zhipu-auto-ok", "zhipu", req(model="glm-4.6", tools=[tool()], tool_choice="auto"), []),
    ("openai-required-ok", "openai", req(tools=[tool()], tool_choice="required"), []),
    # --- tool_choice on Fireworks: "any" is a mode, null is refused (onyx#9010) ---
    (
        "fireworks-null-choice",
        "fireworks",
        req(tool_choice=None),
        [("tool_choice.invalid", E, "tool_choice")],
    ),
    ("fireworks-any-ok", "fireworks", req(tools=[tool()], tool_choice="any"), []),
    (
        "fireworks-name-string",
        "fireworks",
        req(tools=[tool()], tool_choice="get_weather"),
        [("tool_choice.invalid", E, "tool_choice")],
    ),
    ("openai-null-choice-ok", "openai", req(tool_choice=None), []),
    ("fireworks-no-choice-ok", "fireworks", req(), []),
    # --- an empty tools array (koog#786, marimo#5493, php-mistral#76; Ollama accepts it) ---
    ("empty-openai", "openai", req(tools=[]), [("tools.empty", E, "tools")]),
    ("empty-deepseek", "deepseek", req(model="deepseek-chat", tools=[]), [("tools.empty", E, "tools")]),
    ("empty-mistral", "mistral", req(model="mistral-small-latest", tools=[]), [("tools.empty", E, "tools")]),
    (
        "empty-groq-warns",
        "groq",
        req(model="llama-3.3-70b-versatile", tools=[]),
        [("tools.empty", W, "tools")],
    ),
    ("empty-ollama-ok", "ollama", req(model="llama3.2", tools=[]), []),
    # vLLM refuses it since April 2026 (vllm-project/vllm#39780); older releases take it: a warning.
    ("empty-vllm-warn", "vllm", req(model="Qwen/Qwen3-8B", tools=[]), [("tools.empty", W, "tools")]),
    ("empty-sglang-ok", "sglang", req(model="Qwen/Qwen3-8B", tools=[]), []),
    ("null-tools-ok", "openai", req(tools=None), []),
    # --- function name pattern (OpenAI doc [OAS]; DeepSeek/Groq same; Gemini/Azure variants) ---
    ("name-space-openai", "openai", req(tools=[tool("get weather")]), [("tools.invalid-name", E, NAME)]),
    (
        "name-dot-openai",
        "openai",
        req(tools=[tool("github.create_issue")]),
        [("tools.invalid-name", E, NAME)],
    ),
    ("name-dot-azure", "azure", req(tools=[tool("github.create_issue")]), [("tools.name-with-dot", W, NAME)]),
    ("name-space-azure", "azure", req(tools=[tool("get weather")]), [("tools.invalid-name", E, NAME)]),
    ("name-deepseek", "deepseek", req(tools=[tool("查询天气")]), [("tools.invalid-name", E, NAME)]),
    ("name-groq", "groq", req(tools=[tool("mcp:weather")]), [("tools.invalid-name", E, NAME)]),
    # Groq's own tools carry no function object (groq-python's ChatCompletionToolParam, August 2026);
    # the same shape elsewhere is still an invalid definition.
    ("groq-builtin-tool-ok", "groq", req(tools=[{"type": "browser_search"}, tool("f")]), []),
    (
        "builtin-tool-elsewhere",
        "openai",
        req(tools=[{"type": "browser_search"}]),
        [("tools.invalid-definition", E, "tools[0].function")],
    ),
    ("name-dot-gemini-ok", "gemini", req(tools=[tool("github.create_issue")]), []),
    # Gemini's validator names colons among the characters it takes (kaitranntt/ccs#25).
    ("name-colon-gemini-ok", "gemini", req(tools=[tool("github:create_issue")]), []),
    (
        "name-digit-first-gemini",
        "gemini",
        req(tools=[tool("1password_lookup")]),
        [("tools.invalid-name", E, NAME)],
    ),
    ("name-vllm-any", "vllm", req(tools=[tool("weather lookup.v2")]), []),
    ("name-ollama-any", "ollama", req(tools=[tool("weather lookup.v2")]), []),
    ("name-llama-cpp-any", "llama.cpp", req(tools=[tool("weather lookup.v2")]), []),
    ("name-dashscope-warn", "dashscope", req(tools=[tool("get weather")]), [("tools.invalid-name", W, NAME)]),
    # An unknown host with a model no catalog knows: a warning (a known model there is judged as its
    # vendor: tests/test_inferred_vendor_rules.py).
    (
        "name-generic-warn",
        "generic",
        req(model="my-own-model", tools=[tool("get weather")]),
        [("tools.invalid-name", W, NAME)],
    ),
    (
        "name-openrouter-openai-model",
        "openrouter",
        {**req(tools=[tool("get weather")]), "model": "openai/gpt-4o"},
        [("tools.invalid-name", E, NAME)],
    ),
    # --- name length ---
    ("name-65-openai", "openai", req(tools=[tool("a" * 65)]), [("tools.name-too-long", E, NAME)]),
    ("name-64-openai-ok", "openai", req(tools=[tool("a" * 64)]), []),
    ("name-65-gemini", "gemini", req(tools=[tool("a" * 65)]), [("tools.name-too-long", E, NAME)]),
    ("name-65-mistral", "mistral", req(tools=[tool("a" * 65)]), [("tools.name-too-long", W, NAME)]),
    # DeepSeek and DashScope hold names to 64 too (claude-mem#2112; Qwen3-VL#2069's curl request).
    (
        "name-69-deepseek",
        "deepseek",
        req(model="deepseek-chat", tools=[tool("mcp__plugin_claude-mem_mcp-search__" + "I" * 30)]),
        [("tools.name-too-long", E, NAME)],
    ),
    (
        "name-76-dashscope",
        "dashscope",
        req(
            model="qwen3-vl-235b-a22b-instruct",
            tools=[tool("mcp__plugin_chrome-devtools-mcp_chrome-devtools__performance_analyze_insight")],
        ),
        [("tools.name-too-long", E, NAME)],
    ),
    ("name-65-vllm", "vllm", req(tools=[tool("a" * 65)]), []),
    # --- count ---
    (
        "129-tools-openai",
        "openai",
        req(tools=[tool(f"t{i}") for i in range(129)]),
        [("tools.too-many", E, "tools")],
    ),
    ("128-tools-openai-ok", "openai", req(tools=[tool(f"t{i}") for i in range(128)]), []),
    ("129-tools-vllm", "vllm", req(tools=[tool(f"t{i}") for i in range(129)]), []),
    (
        "129-tools-groq",
        "groq",
        req(tools=[tool(f"t{i}") for i in range(129)]),
        [("tools.too-many", W, "tools")],
    ),
    # --- duplicates: a warning everywhere (OpenAI unconfirmed) ---
    (
        "duplicate-openai",
        "openai",
        req(tools=[tool(), tool()]),
        [("tools.duplicate-name", W, "tools[1].function.name")],
    ),
    (
        "duplicate-vllm",
        "vllm",
        req(tools=[tool(), tool()]),
        [("tools.duplicate-name", W, "tools[1].function.name")],
    ),
    # --- definition shape ---
    (
        "flat-responses-shape",
        "openai",
        req(tools=[{"type": "function", "name": "get_weather", "parameters": PARAMS}]),
        [("tools.invalid-definition", E, "tools[0].function")],
    ),
    ("tools-object", "vllm", req(tools={"get_weather": PARAMS}), [("tools.invalid-definition", E, "tools")]),
    (
        "missing-type",
        "openai",
        req(tools=[{"function": {"name": "get_weather", "parameters": PARAMS}}]),
        [("tools.invalid-definition", E, "tools[0].type")],
    ),
    (
        "missing-name",
        "groq",
        req(tools=[{"type": "function", "function": {"parameters": PARAMS}}]),
        [("tools.invalid-definition", E, NAME)],
    ),
    ("no-parameters-ok", "openai", req(tools=[{"type": "function", "function": {"name": "now"}}]), []),
    # --- parameters must be an object schema ---
    (
        "parameters-no-type",
        "openai",
        req(tools=[tool(parameters={"properties": {"city": {"type": "string"}}})]),
        [("tools.parameters-not-object", E, "tools[0].function.parameters")],
    ),
    (
        "parameters-null-type-deepseek",
        "deepseek",
        req(tools=[tool(parameters={"type": None})]),
        [("tools.parameters-not-object", E, "tools[0].function.parameters")],
    ),
    (
        "parameters-string-vllm",
        "vllm",
        req(tools=[tool(parameters="{}")]),
        [("tools.parameters-not-object", E, "tools[0].function.parameters")],
    ),
    (
        "parameters-array-schema-vllm-ok",
        "vllm",
        req(tools=[tool(parameters={"type": "array", "items": {}})]),
        [],
    ),
    # --- no combinator beside type: object at the root (GPT_API_free#403 relays OpenAI's text) ---
    (
        "root-anyof-openai",
        "openai",
        req(tools=[tool(parameters={**PARAMS, "anyOf": [{"required": ["city"]}, {"required": ["zip"]}]})]),
        [("tools.parameters-root-combinator", E, "tools[0].function.parameters.anyOf")],
    ),
    (
        "root-oneof-azure",
        "azure",
        req(tools=[tool(parameters={**PARAMS, "oneOf": [{"required": ["city"]}]})]),
        [("tools.parameters-root-combinator", E, "tools[0].function.parameters.oneOf")],
    ),
    (
        "root-allof-generic-warning",
        "generic",
        req(model="my-own-model", tools=[tool(parameters={**PARAMS, "allOf": [{"required": ["city"]}]})]),
        [("tools.parameters-root-combinator", W, "tools[0].function.parameters.allOf")],
    ),
    (
        "root-anyof-vllm-silent",
        "vllm",
        req(model="m", tools=[tool(parameters={**PARAMS, "anyOf": [{}]})]),
        [],
    ),
    (
        "root-anyof-without-type-is-not-object",
        "openai",
        req(tools=[tool(parameters={"anyOf": [{"type": "object", "properties": {}}]})]),
        [("tools.parameters-not-object", E, "tools[0].function.parameters")],
    ),
    (
        "nested-anyof-ok",
        "openai",
        req(
            tools=[
                tool(
                    parameters={
                        "type": "object",
                        "properties": {"when": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    }
                )
            ]
        ),
        [],
    ),
    # --- array without items (OpenAI rejects it even without strict) ---
    (
        "array-no-items-openai",
        "openai",
        req(tools=[tool(parameters={"type": "object", "properties": {"paths": {"type": "array"}}})]),
        [("tools.array-without-items", E, "tools[0].function.parameters.properties.paths")],
    ),
    (
        "nested-array-no-items-azure",
        "azure",
        req(
            tools=[
                tool(
                    parameters={
                        "type": "object",
                        "properties": {"values": {"type": "array", "items": {"type": ["array", "null"]}}},
                    }
                )
            ]
        ),
        [("tools.array-without-items", E, "tools[0].function.parameters.properties.values.items")],
    ),
    (
        "array-no-items-ollama",
        "ollama",
        req(tools=[tool(parameters={"type": "object", "properties": {"paths": {"type": "array"}}})]),
        [],
    ),
    (
        "array-no-items-dashscope",
        "dashscope",
        req(tools=[tool(parameters={"type": "object", "properties": {"paths": {"type": "array"}}})]),
        [("tools.array-without-items", W, "tools[0].function.parameters.properties.paths")],
    ),
    # --- keyword values JSON Schema's metaschema refuses (OpenAI validates parameters as a schema) ---
    (
        "metaschema-required-null-openai",
        "openai",
        req(tools=[tool(parameters={**props(city={"type": "string"}), "required": None})]),
        [("tools.invalid-schema", E, "tools[0].function.parameters.required")],
    ),
    (
        "metaschema-python-type-name-azure",
        "azure",
        req(tools=[tool(parameters=props(city={"type": "str"}))]),
        [("tools.invalid-schema", E, "tools[0].function.parameters.properties.city.type")],
    ),
    (
        "metaschema-property-list-openai",
        "openai",
        req(tools=[tool(parameters=props(args=[]))]),
        [("tools.invalid-schema", E, "tools[0].function.parameters.properties.args")],
    ),
    (
        # griptape#2150: pydantic's title copied into $id, "'Parameters Schema' is not a 'uri-reference'".
        "metaschema-id-with-space-openai",
        "openai",
        req(tools=[tool(parameters={**PARAMS, "$id": "Parameters Schema"})]),
        [("tools.invalid-schema", E, "tools[0].function.parameters.$id")],
    ),
    ("metaschema-required-null-vllm", "vllm", req(tools=[tool(parameters={**PARAMS, "required": None})]), []),
    (
        "metaschema-valid-forms-ok",
        "openai",
        req(
            tools=[
                tool(
                    parameters={
                        "$id": "https://example.com/weather.json",
                        "type": "object",
                        "properties": {
                            "city": {"type": ["string", "null"], "description": "City", "minLength": 1},
                            "pair": {"type": "array", "items": [{"type": "string"}, {"type": "number"}]},
                            "unit": {"enum": ["c", "f"]},
                            "any": {},
                            "flag": True,
                        },
                        "required": [],
                        "additionalProperties": {"type": "string"},
                    }
                )
            ]
        ),
        [],
    ),
    # --- strict mode ---
    ("strict-ok", "openai", req(tools=[tool(strict=True)]), []),
    (
        # cyanheads/git-mcp-server#47, RooCodeInc/Roo-Code#10198: "'uri' is not a valid format."
        "strict-format-uri-openai",
        "openai",
        req(
            tools=[
                tool(
                    parameters={**PARAMS, "properties": {"city": {"type": "string", "format": "uri"}}},
                    strict=True,
                )
            ]
        ),
        [("tools.strict-unsupported-format", E, "tools[0].function.parameters.properties.city")],
    ),
    (
        "strict-format-date-time-ok",
        "openai",
        req(
            tools=[
                tool(
                    parameters={**PARAMS, "properties": {"city": {"type": "string", "format": "date-time"}}},
                    strict=True,
                )
            ]
        ),
        [],
    ),
    (
        # posit-dev/chatlas#255: without strict, OpenAI takes the format as an annotation.
        "format-uri-without-strict-ok",
        "openai",
        req(tools=[tool(parameters={**PARAMS, "properties": {"city": {"type": "string", "format": "uri"}}})]),
        [],
    ),
    (
        "strict-no-additional-properties",
        "openai",
        req(
            tools=[
                tool(
                    parameters={
                        "type": "object",
                        "properties": {"value": {"type": "object", "properties": {}, "required": []}},
                        "required": ["value"],
                        "additionalProperties": False,
                    },
                    strict=True,
                )
            ]
        ),
        [("tools.strict-additional-properties", E, "tools[0].function.parameters.properties.value")],
    ),
    (
        "strict-missing-required",
        "openai",
        req(
            tools=[
                tool(
                    parameters={
                        "type": "object",
                        "properties": {"foo": {"type": "string"}, "bar": {"type": "string"}},
                        "required": ["foo"],
                        "additionalProperties": False,
                    },
                    strict=True,
                )
            ]
        ),
        [("tools.strict-required", E, "tools[0].function.parameters")],
    ),
    (
        "strict-defs-walked",
        "openai",
        req(
            tools=[
                tool(
                    parameters={
                        "type": "object",
                        "properties": {"p": {"$ref": "#/$defs/P"}},
                        "required": ["p"],
                        "additionalProperties": False,
                        "$defs": {
                            "P": {
                                "type": "object",
                                "properties": {"x": {"type": "string"}},
                                "required": ["x"],
                            }
                        },
                    },
                    strict=True,
                )
            ]
        ),
        [("tools.strict-additional-properties", E, "tools[0].function.parameters.$defs.P")],
    ),
    (
        # can1357/oh-my-pi#211: "In context=('properties', 'slide_instructions', 'items'), schema must have
        # a 'type' key." (an MCP tool's empty `items` under strict mode).
        "strict-typeless-items",
        "openai",
        req(
            tools=[
                tool(
                    parameters={
                        "type": "object",
                        "properties": {"slide_instructions": {"type": "array", "items": {}}},
                        "required": ["slide_instructions"],
                        "additionalProperties": False,
                    },
                    strict=True,
                )
            ]
        ),
        [
            (
                "tools.strict-type-missing",
                E,
                "tools[0].function.parameters.properties.slide_instructions.items",
            )
        ],
    ),
    (
        # A property with only a description, and the same with anyOf / $ref / enum giving its values.
        "strict-typeless-property-and-typed-siblings",
        "openai",
        req(
            tools=[
                tool(
                    parameters={
                        "type": "object",
                        "properties": {
                            "filter": {"description": "filter methods by name"},
                            "either": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                            "ref": {"$ref": "#/$defs/R"},
                            "unit": {"enum": ["c", "f"]},
                        },
                        "required": ["filter", "either", "ref", "unit"],
                        "additionalProperties": False,
                        "$defs": {"R": {"type": "string"}},
                    },
                    strict=True,
                )
            ]
        ),
        [("tools.strict-type-missing", E, "tools[0].function.parameters.properties.filter")],
    ),
    (
        "strict-not-set-ok",
        "openai",
        req(tools=[tool(parameters={"type": "object", "properties": {"a": {}}})]),
        [],
    ),
    (
        "strict-vllm-ignored",
        "vllm",
        req(
            tools=[tool(parameters={"type": "object", "properties": {"a": {"type": "string"}}}, strict=True)]
        ),
        [],
    ),
    (
        "strict-mistral-stripped",
        "mistral",
        req(
            tools=[tool(parameters={"type": "object", "properties": {"a": {"type": "string"}}}, strict=True)]
        ),
        [],
    ),
    # --- description length: warning on OpenAI only ---
    (
        "long-description-openai",
        "openai",
        req(tools=[tool(description="x" * 1025)]),
        [("tools.description-too-long", W, "tools[0].function.description")],
    ),
    ("long-description-vllm", "vllm", req(tools=[tool(description="x" * 5000)]), []),
    # --- tool_choice / parallel_tool_calls without tools ---
    (
        "tool-choice-no-tools-vllm",
        "vllm",
        req(tool_choice="auto"),
        [("tool_choice.without-tools", E, "tool_choice")],
    ),
    ("tool-choice-none-no-tools-vllm", "vllm", req(tool_choice="none"), []),
    # Older vLLM took "required" with an empty tools array; since vllm-project/vllm#39780 the array is
    # refused first (tools.empty's warning: releases differ).
    (
        "tool-choice-empty-tools-vllm",
        "vllm",
        req(tool_choice="required", tools=[]),
        [("tools.empty", W, "tools")],
    ),
    (
        "tool-choice-no-tools-openai",
        "openai",
        req(tool_choice="auto"),
        [("tool_choice.without-tools", E, "tool_choice")],
    ),
    ("tool-choice-no-tools-ollama", "ollama", req(tool_choice="auto"), []),
    (
        "parallel-no-tools-openai",
        "openai",
        req(parallel_tool_calls=True),
        [("parallel_tool_calls.without-tools", E, "parallel_tool_calls")],
    ),
    (
        "parallel-empty-tools-azure",
        "azure",
        req(parallel_tool_calls=False, tools=[]),
        [("tools.empty", E, "tools"), ("parallel_tool_calls.without-tools", E, "parallel_tool_calls")],
    ),
    ("parallel-no-tools-vllm", "vllm", req(parallel_tool_calls=True), []),
    ("parallel-with-tools-ok", "openai", req(parallel_tool_calls=True, tools=[tool()]), []),
    # --- tool_choice naming an unknown function / malformed ---
    (
        "tool-choice-unknown-vllm",
        "vllm",
        req(tools=[tool()], tool_choice={"type": "function", "function": {"name": "get_forecast"}}),
        [("tool_choice.unknown-function", E, "tool_choice.function.name")],
    ),
    (
        "tool-choice-unknown-openai",
        "openai",
        req(tools=[tool()], tool_choice={"type": "function", "function": {"name": "get_forecast"}}),
        [("tool_choice.unknown-function", W, "tool_choice.function.name")],
    ),
    (
        "tool-choice-known-ok",
        "openai",
        req(tools=[tool()], tool_choice={"type": "function", "function": {"name": "get_weather"}}),
        [],
    ),
    (
        "tool-choice-bare-name",
        "openai",
        req(tools=[tool()], tool_choice="get_weather"),
        [("tool_choice.invalid", E, "tool_choice")],
    ),
    (
        "tool-choice-flat-object",
        "azure",
        req(tools=[tool()], tool_choice={"type": "function", "name": "get_weather"}),
        [("tool_choice.invalid", E, "tool_choice")],
    ),
    ("tool-choice-any-mistral-ok", "mistral", req(tools=[tool()], tool_choice="any"), []),
    (
        "tool-choice-any-openai",
        "openai",
        req(tools=[tool()], tool_choice="any"),
        [("tool_choice.invalid", E, "tool_choice")],
    ),
    # --- function names replayed in history ---
    (
        "history-name-openai",
        "openai",
        {"model": "gpt-4o", "messages": call_history("weather.get")},
        [("tools.invalid-history-name", E, "messages[1].tool_calls[0].function.name")],
    ),
    (
        "history-name-gemini-ok",
        "gemini",
        {"model": "gemini-2.5-flash", "messages": call_history("weather.get")},
        [],
    ),
    ("history-name-vllm", "vllm", {"model": "qwen", "messages": call_history("weather get")}, []),
]


@pytest.mark.parametrize(("provider", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_tool_rules(provider: str, body: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert findings(provider, body, *FAMILIES) == expected


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("tools.empty", "[] is too short - 'tools'"),
        ("tool_choice.invalid", "Input should be 'auto', 'none', 'any' or 'required'"),
        ("tool_choice.form-unsupported", "Tool choice must be auto"),
        ("tools.empty", "Invalid 'tools': empty array. Expected an array with minimum length 1"),
        (
            "tools.invalid-name",
            "string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'",
        ),
        ("tools.name-too-long", "Expected a string with maximum length 64"),
        ("tools.too-many", "Expected an array with maximum length 128"),
        ("tools.array-without-items", "array schema missing items."),
        ("tools.invalid-schema", "is not a 'uri-reference'."),
        ("tools.strict-unsupported-format", "'uri' is not a valid format."),
        (
            "tools.strict-additional-properties",
            "'additionalProperties' is required to be supplied and to be false.",
        ),
        (
            "tools.strict-required",
            "'required' is required to be supplied and to be an array including every key",
        ),
        (
            "parallel_tool_calls.without-tools",
            "'parallel_tool_calls' is only allowed when 'tools' are specified.",
        ),
        ("tool_choice.without-tools", "When using `tool_choice`, `tools` must be set."),
        ("tool_choice.unknown-function", "does not match any of the specified `tools`"),
        (
            "tools.invalid-history-name",
            "'messages[9].tool_calls[0].function.name': string does not match pattern",
        ),
    ],
)
def test_rules_predict_the_real_provider_text(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))


def test_message_quotes_openai_context_and_names_the_fix() -> None:
    from support.rule_cases import URLS

    from toolguard_core.analyze import analyse_request

    body = req(tools=[tool("list_files", {"type": "object", "properties": {"paths": {"type": "array"}}})])
    import json

    [finding] = analyse_request(json.dumps(body), URLS["openai"]).findings
    assert finding.message == (
        "Function 'list_files': In context=('properties', 'paths'), array schema missing items. Add an 'items' "
        "schema, e.g. {'type': 'string'}."
    )


def test_hostile_schema_depth_does_not_crash() -> None:
    deep: dict[str, Any] = {"type": "object", "properties": {}}
    node = deep
    for _ in range(500):
        child: dict[str, Any] = {"type": "object", "properties": {}}
        node["properties"]["x"] = child
        node = child
    node["properties"]["y"] = {"type": "array"}
    # The array sits below the walk's depth limit: no finding, and above all no exception.
    assert findings("openai", req(tools=[tool(parameters=deep, strict=True)]), "tools.array") == []


def _tool_findings(url: str, tools: list[dict[str, object]], model: str = "m") -> list[tuple[str, str, str]]:
    import json as _json

    from toolguard_core.analyze import analyse_request as _analyse

    body = {"model": model, "messages": [{"role": "user", "content": "Hi."}], "tools": tools}
    analysis = _analyse(_json.dumps(body), url)
    return [(f.rule, f.severity, f.location) for f in analysis.findings if f.rule.startswith("tools.")]


MOONSHOT_URL = "https://api.moonshot.ai/v1/chat/completions"


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        # A property without type: Moonshot's "type is not defined" (earendil-works/pi#4138).
        (
            {"type": "object", "properties": {"source": {"description": "Path."}}},
            [("tools.schema-type-missing", "error", "tools[0].function.parameters.properties.source")],
        ),
        # Nested: the items' property is checked too.
        (
            {
                "type": "object",
                "properties": {"q": {"type": "array", "items": {"type": "object", "properties": {"x": {}}}}},
            },
            [
                (
                    "tools.schema-type-missing",
                    "error",
                    "tools[0].function.parameters.properties.q.items.properties.x",
                )
            ],
        ),
        # anyOf gives the type; a type beside anyOf is refused on Kimi Code and was taken by api.moonshot.cn
        # in a September 2026 test (MiqroForge-Desktop#1165), so it is a warning on api.moonshot.ai.
        ({"type": "object", "properties": {"v": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}, []),
        (
            {"type": "object", "anyOf": [{"properties": {"a": {"type": "string"}}}]},
            [("tools.schema-type-beside-anyof", "warning", "tools[0].function.parameters.anyOf")],
        ),
        # The root without type: Moonshot's "parameters.type is required and must be \"object\"".
        (
            {"properties": {"a": {"type": "string"}}},
            [("tools.parameters-not-object", "error", "tools[0].function.parameters")],
        ),
    ],
)
def test_moonshot_tool_schema_subset(
    parameters: dict[str, object], expected: list[tuple[str, str, str]]
) -> None:
    tool = {"type": "function", "function": {"name": "read", "parameters": parameters}}
    assert _tool_findings(MOONSHOT_URL, [tool], "kimi-k2.6") == expected


def test_kimi_code_refuses_a_type_beside_anyof() -> None:
    """kimi-code#2661: Kimi Code's validator refuses the Notion MCP tool's root `type` beside `anyOf`."""
    parameters = {
        "type": "object",
        "anyOf": [
            {"type": "object", "properties": {"filename": {"type": "string"}}, "required": ["filename"]},
            {"type": "object", "properties": {"source_url": {"type": "string"}}, "required": ["source_url"]},
        ],
    }
    tool = {"type": "function", "function": {"name": "notion-create-attachment", "parameters": parameters}}
    assert _tool_findings("https://api.kimi.com/coding/v1/chat/completions", [tool], "k3") == [
        ("tools.schema-type-beside-anyof", "error", "tools[0].function.parameters.anyOf")
    ]


def test_a_property_without_type_passes_elsewhere() -> None:
    tool = {
        "type": "function",
        "function": {"name": "read", "parameters": {"type": "object", "properties": {"s": {}}}},
    }
    assert _tool_findings("https://api.openai.com/v1/chat/completions", [tool], "gpt-4o") == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://dbc-1.cloud.databricks.com/serving-endpoints/chat/completions",
            [("tools.parameters-missing", "error", "tools[0].function")],
        ),
        (
            "https://adb-1.7.azuredatabricks.net/serving-endpoints/chat/completions",
            [("tools.parameters-missing", "error", "tools[0].function")],
        ),
        ("https://api.openai.com/v1/chat/completions", []),
        ("https://api.groq.com/openai/v1/chat/completions", []),
    ],
)
def test_a_function_without_parameters(url: str, expected: list[tuple[str, str, str]]) -> None:
    tool = {"type": "function", "function": {"name": "reset", "description": "Reset."}}
    assert _tool_findings(url, [tool]) == expected
