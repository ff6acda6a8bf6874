"""Responses API rules (POST /v1/responses, providers.md §10) over real request shapes.

Each case is a body as a client sends it (Codex CLI, openai-agents, a chat-to-Responses adapter),
the provider it goes to, and the exact (rule, severity, location) findings. Error cases also name
the real provider error text the rule predicts, so a rule cannot lose its grounding silently.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.rules import RULES
from toolguard_core.rules.model import is_local_note
from toolguard_core.rules.policy import SELF_HOSTED

E, W = "error", "warning"
URLS = {
    "openai": "https://api.openai.com/v1/responses",
    "azure": "https://contoso.openai.azure.com/openai/v1/responses",
    "openrouter": "https://openrouter.ai/api/v1/responses",
    "vllm": "http://localhost:8000/v1/responses",
    "ollama": "http://localhost:11434/v1/responses",
    "generic": "https://llm.internal.example/v1/responses",
    "xai": "https://api.x.ai/v1/responses",
    "deepseek": "https://api.deepseek.com/v1/responses",
    "lmstudio": "http://localhost:1234/v1/responses",
}

# Real ids from the issues the texts come from (continuedev/continue#10092, cline/cline#12242).
CALL_ID = "call_uelfkqtHfJDC4Btqeoozq82e"
CALL_ID_2 = "call_qbEiQ4HdHutj0aVuIQGIKbhN"
USER = {"role": "user", "content": "What is the weather in Kyiv and in Paris?"}
TOOL = {
    "type": "function",
    "name": "get_current_weather",
    "description": "Current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
    "strict": False,
}


def call(call_id: str = CALL_ID, arguments: Any = '{"location":"Kyiv"}', **extra: Any) -> dict[str, Any]:
    return {
        "type": "function_call",
        "call_id": call_id,
        "name": "get_current_weather",
        "arguments": arguments,
        **extra,
    }


def text_format(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A Responses body whose structured output is a json_schema `text.format` named "decision"."""
    fmt = {"type": "json_schema", "name": "decision", "schema": schema, **extra}
    return {"model": "gpt-5", "input": "Review this command", "text": {"format": fmt}}


def output(call_id: Any = CALL_ID, text: str = "18C, sunny") -> dict[str, Any]:
    item: dict[str, Any] = {"type": "function_call_output", "output": text}
    if call_id is not None:
        item["call_id"] = call_id
    return item


def reasoning(item_id: str = "rs_0a4d512680f81369006a5364c4142481a1803037dcae023e29") -> dict[str, Any]:
    return {"type": "reasoning", "id": item_id, "summary": [], "encrypted_content": "gAAAAABo..."}


def req(input_items: Any, model: str = "gpt-4.1", **fields: Any) -> dict[str, Any]:
    return {"model": model, "input": input_items, "tools": [TOOL], **fields}


def findings(provider: str, body: dict[str, Any]) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps(body).encode(), URLS[provider])
    assert analysis.target.provider.id == provider, analysis.target.provider.id
    assert analysis.target.endpoint == "responses"
    assert not analysis.internal_errors, analysis.internal_errors
    found = [(f.rule, str(f.severity), f.location) for f in analysis.findings]
    if provider in SELF_HOSTED and body.get("model"):
        # A local server's model gets no model rules, and its note says so first (session 23): checked
        # here once, so that each case lists the findings about its request.
        assert found[:1] == [("model.rules-skipped", "info", "model")], found
        assert is_local_note(analysis.findings[0]), analysis.findings[0]
        return found[1:]
    return found


# (id, provider, body, expected findings, a real error text the first finding's rule predicts)
CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str]], str | None]] = [
    # ------------------------------------------- text without format (LM Studio requires text.format)
    # LM Studio found by its default port only, so a warning here; with the host mapped to LM Studio it is an
    # error (tests/test_rules_provider_round13.py). OpenAI takes `text: {}` as the default format.
    (
        "text-without-format-lmstudio",
        "lmstudio",
        req("Hi", text={}),
        [("responses.text-without-format", W, "text.format")],
        None,
    ),
    ("text-without-format-openai", "openai", req("Hi", text={}), [], None),
    ("text-with-format-lmstudio", "lmstudio", req("Hi", text={"format": {"type": "text"}}), [], None),
    # ------------------------------------------- chat parameters the Responses API moved (issue 9 round 7)
    (
        "chat-reasoning-effort",
        "openai",
        req("Hi", model="gpt-5", reasoning_effort="high"),
        [("responses.chat-parameter", E, "reasoning_effort")],
        None,
    ),
    (
        "chat-response-format",
        "openai",
        req("Hi", response_format={"type": "json_object"}),
        [("responses.chat-parameter", E, "response_format")],
        None,
    ),
    (
        "moved-parameters-in-place",
        "openai",
        req("Hi", model="gpt-5", reasoning={"effort": "high"}, text={"format": {"type": "text"}}),
        [],
        None,
    ),
    # ------------------------------------------- flat function tools' names (Chat Completions' pattern)
    (
        # openai/openai-dotnet#441: an MCP server's host in the name; "Invalid 'tools[0].name': string does
        # not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."
        "flat-tool-name-with-dots",
        "openai",
        {"model": "gpt-4.1", "input": "Hi", "tools": [{**TOOL, "name": "mcp.example.com_-_search"}]},
        [("tools.invalid-name", E, "tools[0].name")],
        "Invalid 'tools[0].name': string does not match pattern.",
    ),
    (
        # 65-128 characters: the Responses API's own limit is 128 (FunctionToolParam.name), not 64.
        "flat-tool-name-long-ok",
        "openai",
        {"model": "gpt-4.1", "input": "Hi", "tools": [{**TOOL, "name": "a" * 100}]},
        [],
        None,
    ),
    (
        "flat-tool-name-vllm-silent",
        "vllm",
        {"model": "m", "input": "Hi", "tools": [{**TOOL, "name": "a.b"}]},
        [],
        None,
    ),
    # ------------------------------------------- the schema root of flat function tools (not only strict)
    (
        "flat-tool-parameters-without-type",
        "openai",
        {
            "model": "gpt-4o-mini",
            "input": "Hi",
            "tools": [{**TOOL, "parameters": {"properties": {"to": {"type": "string"}}}}],
        },
        [("tools.parameters-not-object", E, "tools[0].parameters")],
        "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'.",
    ),
    (
        "flat-tool-root-anyof",
        "azure",
        {
            "model": "gpt-4.1",
            "input": "Hi",
            "tools": [{**TOOL, "parameters": {**TOOL["parameters"], "anyOf": [{"required": ["location"]}]}}],
        },
        [("tools.parameters-root-combinator", E, "tools[0].parameters.anyOf")],
        "schema must have type 'object' and not have 'oneOf'/'anyOf'/'allOf'/'enum'/'not' at the top level.",
    ),
    (
        "flat-tool-root-anyof-generic-warning",
        "generic",
        {
            "model": "m",
            "input": "Hi",
            "tools": [{**TOOL, "parameters": {**TOOL["parameters"], "oneOf": [{"required": ["location"]}]}}],
        },
        # Session 18: the unknown model on an unknown host is said to be unchecked, as on Chat Completions.
        [
            ("model.rules-skipped", "info", "model"),
            ("tools.parameters-root-combinator", W, "tools[0].parameters.oneOf"),
        ],
        None,
    ),
    (
        "flat-tool-null-parameters-ok",
        "openai",
        {"model": "gpt-4o", "input": "Hi", "tools": [{**TOOL, "parameters": None}]},
        [],
        None,
    ),
    ("flat-tool-ok", "openai", {"model": "gpt-4o", "input": "Hi", "tools": [TOOL]}, [], None),
    # The validator's other sentences hold for flat tools too, strict or not (RooCodeInc/Roo-Code#10198
    # quotes them from /v1/responses): an array without items, a keyword value the metaschema refuses.
    (
        "flat-tool-array-without-items",
        "openai",
        {
            "model": "gpt-5",
            "input": "Hi",
            "tools": [{**TOOL, "parameters": {"type": "object", "properties": {"paths": {"type": "array"}}}}],
        },
        [("tools.array-without-items", E, "tools[0].parameters.properties.paths")],
        None,
    ),
    (
        "flat-tool-required-null",
        "openai",
        {
            "model": "gpt-5",
            "input": "Hi",
            "tools": [{**TOOL, "parameters": {**TOOL["parameters"], "required": None}}],
        },
        [("tools.invalid-schema", E, "tools[0].parameters.required")],
        None,
    ),
    (
        "flat-strict-tool-format-uri",
        "openai",
        {
            "model": "gpt-5",
            "input": "Hi",
            "tools": [
                {
                    **TOOL,
                    "name": "mcp--fetch--fetch",
                    "strict": True,
                    "parameters": {
                        "type": "object",
                        "properties": {"url": {"type": "string", "format": "uri"}},
                        "required": ["url"],
                        "additionalProperties": False,
                    },
                }
            ],
        },
        [("tools.strict-unsupported-format", E, "tools[0].parameters.properties.url")],
        "Invalid schema for function 'mcp--fetch--fetch': In context=('properties', 'url'), 'uri' is not a valid format.",
    ),
    # ------------------------------------------- strict flat function tools (the Agents SDK sends strict)
    (
        "strict-tool-without-additional-properties",
        "openai",
        {
            "model": "gpt-4o",
            "input": "Hi",
            "tools": [{**TOOL, "name": "process_user", "strict": True}],
        },
        [("tools.strict-additional-properties", E, "tools[0].parameters")],
        None,
    ),
    (
        "strict-tool-nested-object-open",
        "openai",
        {
            "model": "gpt-4o",
            "input": "Hi",
            "tools": [
                {
                    **TOOL,
                    "strict": True,
                    "parameters": {
                        "type": "object",
                        "properties": {
                            "p": {
                                "type": "object",
                                "properties": {"m": {"type": "string"}},
                                "required": ["m"],
                            }
                        },
                        "required": ["p"],
                        "additionalProperties": False,
                    },
                }
            ],
        },
        [("tools.strict-additional-properties", E, "tools[0].parameters.properties.p")],
        None,
    ),
    # Structured outputs in text.format: the strict subset of Chat Completions' json_schema (one validator).
    (
        "strict-text-format-open-object",
        "openai",
        text_format(
            {"type": "object", "properties": {"decision": {"type": "string"}}, "required": ["decision"]},
            strict=True,
        ),
        [("response_format.strict-schema", E, "text.format.schema")],
        None,
    ),
    (
        "text-format-not-strict-not-judged",
        "openai",
        text_format({"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}}),
        [],
        None,
    ),
    # Without the key (Codex, most adapters) nothing is judged; strict: false opts out explicitly.
    (
        "tool-without-strict-not-judged",
        "openai",
        {"model": "gpt-4o", "input": "Hi", "tools": [TOOL]},
        [],
        None,
    ),
    (
        "strict-false-not-judged",
        "openai",
        {"model": "gpt-4o", "input": "Hi", "tools": [{**TOOL, "strict": False}]},
        [],
        None,
    ),
    (
        "strict-tool-vllm-silent",
        "vllm",
        {"model": "m", "input": "Hi", "tools": [{**TOOL, "strict": True}]},
        [],
        None,
    ),
    # ---------------------------------------------------------------- valid traffic: no findings
    ("string-input", "openai", {"model": "gpt-4.1", "input": "Say hello."}, [], None),
    ("one-round", "openai", req([USER, call(), output()]), [], None),
    (
        "parallel-calls-answered-after-both",
        "openai",
        req([USER, call(), call(CALL_ID_2, '{"location":"Paris"}'), output(), output(CALL_ID_2)]),
        [],
        None,
    ),
    (
        # Codex-style replay of a reasoning model's turn: reasoning, the call (with its fc_ id), output.
        "reasoning-replay",
        "openai",
        req([USER, reasoning(), call(id="fc_0a4d5126"), output()], model="gpt-5"),
        [],
        None,
    ),
    (
        # openai-agents with previous_response_id sends only the outputs: the calls are stored.
        "stateful-outputs-only",
        "openai",
        req([output(), output(CALL_ID_2)], previous_response_id="resp_68af4030592c8193"),
        [],
        None,
    ),
    ("stateful-conversation", "openai", req([output()], conversation="conv_68af4030592c8193"), [], None),
    (
        "json-word-in-instructions",
        "openai",
        {
            "model": "gpt-4.1",
            "input": "Colours?",
            "instructions": "Answer in JSON.",
            "text": {"format": {"type": "json_object"}},
        },
        [],
        None,
    ),
    (
        "assistant-output-text-replayed",
        "openai",
        req(
            [
                USER,
                {"role": "assistant", "content": [{"type": "output_text", "text": "18C"}]},
                {"role": "user", "content": "Thanks"},
            ]
        ),
        [],
        None,
    ),
    # ---------------------------------------------------------------- pairing
    (
        "orphan-output",
        "openai",
        req([USER, output()]),
        [("responses.orphan-function-call-output", E, "input[1].call_id")],
        "No tool call found for function call output with call_id call_uelfkqtHfJDC4Btqeoozq82e.",
    ),
    (
        "output-before-its-call",
        "openai",
        req([USER, output(), call()]),
        [("responses.orphan-function-call-output", E, "input[1].call_id")],
        "No tool call found for function call output with call_id call_uelfkqtHfJDC4Btqeoozq82e.",
    ),
    (
        # Stateful, but the call is right there after the output: still misordered.
        "stateful-output-before-its-call",
        "openai",
        req([output(), call()], previous_response_id="resp_68af4030592c8193"),
        [("responses.orphan-function-call-output", E, "input[0].call_id")],
        None,
    ),
    (
        "unanswered-call",
        "openai",
        req([USER, call()]),
        [("responses.unanswered-function-call", E, "input[1].call_id")],
        "No tool output found for function call call_XXX.",
    ),
    (
        "one-of-two-parallel-calls-unanswered",
        "openai",
        req([USER, call(), call(CALL_ID_2), output()]),
        [("responses.unanswered-function-call", E, "input[2].call_id")],
        "No tool output found for function call call_XXX.",
    ),
    (
        # previous_response_id does not excuse a call sent in this very request.
        "stateful-unanswered-call",
        "openai",
        req([call()], previous_response_id="resp_68af4030592c8193"),
        [("responses.unanswered-function-call", E, "input[0].call_id")],
        None,
    ),
    (
        "unanswered-call-self-hosted-is-warning",
        "vllm",
        req([USER, call()]),
        [("responses.unanswered-function-call", W, "input[1].call_id")],
        None,
    ),
    (
        "unanswered-call-generic-is-error",
        "generic",
        req([USER, call()]),
        [("responses.unanswered-function-call", E, "input[1].call_id")],
        None,
    ),
    (
        "duplicate-output",
        "openai",
        req([USER, call(), output(), output()]),
        [("responses.duplicate-function-call-output", W, "input[3].call_id")],
        "Duplicate function_call_output for call_id 'terminal:0'. Each function_call must have exactly one "
        "matching function_call_output",
    ),
    (
        # hermes-agent#102629: per-turn ids such as terminal:0 reused every turn.
        "per-turn-id-reused",
        "openai",
        req(
            [
                USER,
                call("terminal:0"),
                output("terminal:0"),
                {"role": "user", "content": "again"},
                call("terminal:0"),
                output("terminal:0"),
            ]
        ),
        [("responses.duplicate-call-id", W, "input[4].call_id")],
        "Duplicate function_call_output for call_id 'terminal:0'. Each function_call must have exactly one "
        "matching function_call_output",
    ),
    (
        "empty-call-id",
        "openai",
        req([USER, call(), output("")]),
        [("responses.missing-call-id", E, "input[2].call_id")],
        "Invalid 'input[4].call_id': empty string. Expected a string with minimum length 1, but got an empty "
        "string instead.",
    ),
    (
        # openai/codex#42088: an output emitted without call_id; the open call is not reported twice.
        "output-without-call-id",
        "openai",
        req([USER, call(), output(None)]),
        [("responses.missing-call-id", E, "input[2].call_id")],
        None,
    ),
    (
        "call-without-call-id",
        "openai",
        req([USER, {"type": "function_call", "name": "get_current_weather", "arguments": "{}"}]),
        [("responses.missing-call-id", E, "input[1].call_id")],
        None,
    ),
    # ---------------------------------------------------------------- arguments
    (
        "arguments-object-not-string",
        "openai",
        req([USER, call(arguments={"location": "Kyiv"}), output()]),
        [("responses.function-arguments-not-string", E, "input[1].arguments")],
        None,
    ),
    (
        "arguments-two-objects-merged",
        "openai",
        req([USER, call(arguments='{"location":"Kyiv"}{"location":"Paris"}'), output()]),
        [("responses.invalid-function-arguments", W, "input[1].arguments")],
        None,
    ),
    # ---------------------------------------------------------------- messages
    (
        # kelivo#281: chat history passed through unconverted.
        "chat-tool-message",
        "openai",
        req([USER, {"role": "tool", "tool_call_id": CALL_ID, "content": "18C"}]),
        [("responses.invalid-message-role", E, "input[1].role")],
        "Invalid value: 'tool'. Supported values are: 'assistant', 'system', 'developer', and 'user'.",
    ),
    (
        "unknown-role-ollama-is-warning",
        "ollama",
        req([{"role": "human", "content": "hi"}]),
        [("responses.invalid-message-role", W, "input[0].role")],
        None,
    ),
    (
        "assistant-input-text",
        "openai",
        req(
            [
                USER,
                {"role": "assistant", "content": [{"type": "input_text", "text": "18C"}]},
                {"role": "user", "content": "ok"},
            ]
        ),
        [("responses.invalid-message-content", E, "input[1].content[0]")],
        "Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'.",
    ),
    (
        # Chat Completions parts on the Responses API: OpenAI lists every part type it takes (PraisonAI#3934).
        "chat-style-text-part",
        "openai",
        req([{"role": "user", "content": [{"type": "text", "text": "hi"}]}]),
        [("responses.invalid-message-content", E, "input[0].content[0]")],
        (
            "Invalid value: 'text'. Supported values are: 'input_text', 'input_image', 'input_audio', "
            "'output_text', 'refusal', 'input_file', 'computer_screenshot', 'summary_text', and "
            "'encrypted_content'."
        ),
    ),
    (
        # The same for an image_url part (langchain-ai/langchainjs#11248), on Azure's validator too...
        "chat-style-image-url-part-azure",
        "azure",
        req(
            [
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}],
                }
            ]
        ),
        [("responses.invalid-message-content", E, "input[0].content[0]")],
        None,
    ),
    (
        # ...a warning on a self-hosted Responses server (its answer is not established)...
        "chat-style-text-part-ollama-warning",
        "ollama",
        req([{"role": "user", "content": [{"type": "text", "text": "hi"}]}]),
        [("responses.invalid-message-content", W, "input[0].content[0]")],
        None,
    ),
    (
        # input_file bytes go as a data URL (community.openai.com thread 1377908: "Expected a base64-encoded
        # data URL ... but got an invalid base64-encoded value")...
        "input-file-bare-base64",
        "openai",
        req(
            [
                {
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "Summarise."},
                        {"type": "input_file", "filename": "a.pdf", "file_data": "JVBERi0xLjQK"},
                    ],
                }
            ]
        ),
        [("content.invalid-file-data", E, "input[0].content[1].file_data")],
        None,
    ),
    (
        # ...of any document type the guide lists (PDF only is Chat Completions' limit, not this API's).
        "input-file-docx-data-url",
        "openai",
        req(
            [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "input_file",
                            "filename": "a.docx",
                            "file_data": "data:application/vnd.openxmlformats-officedocument.wordprocessingml.document;base64,UEsDBBQ",
                        }
                    ],
                }
            ]
        ),
        [],
        None,
    ),
    (
        # ...and a Responses part type the role does not take stays unconfirmed.
        "output-text-in-user-message-is-warning",
        "openai",
        req([{"role": "user", "content": [{"type": "output_text", "text": "hi"}]}]),
        [("responses.content-part-unconfirmed", W, "input[0].content[0]")],
        None,
    ),
    (
        "null-content",
        "azure",
        req([{"role": "user", "content": None}]),
        [("responses.invalid-message-content", E, "input[0].content")],
        None,
    ),
    # ---------------------------------------------------------------- request fields
    (
        "json-object-without-json",
        "openai",
        {
            "model": "gpt-4.1",
            "input": "List three primary colours.",
            "text": {"format": {"type": "json_object"}},
        },
        [("responses.json-without-json-word", E, "text.format")],
        "Response input messages must contain the word 'json' in some form to use 'text.format' of type "
        "'json_object'.",
    ),
    (
        # go-openrouter#21: OpenRouter relays OpenAI's validator for openai/* models.
        "json-object-without-json-openrouter-openai-model",
        "openrouter",
        {"model": "openai/gpt-4.1", "input": [USER], "text": {"format": {"type": "json_object"}}},
        [("responses.json-without-json-word", E, "text.format")],
        None,
    ),
    (
        "json-object-without-json-vllm-is-warning",
        "vllm",
        {"model": "Qwen/Qwen3-8B", "input": "Colours?", "text": {"format": {"type": "json_object"}}},
        [("responses.json-without-json-word", W, "text.format")],
        None,
    ),
    (
        "previous-response-with-conversation",
        "openai",
        req(
            "And tomorrow?",
            previous_response_id="resp_68af4030592c8193",
            conversation="conv_68af4030592c8193",
        ),
        [("responses.previous-response-with-conversation", E, "previous_response_id")],
        None,
    ),
    (
        "max-output-tokens-5",
        "openai",
        {"model": "gpt-5-mini", "input": "Answer A, B, C or D.", "max_output_tokens": 5},
        [("responses.max-output-tokens-below-minimum", E, "max_output_tokens")],
        "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 5 instead.",
    ),
    (
        "max-output-tokens-16-ok",
        "openai",
        {"model": "gpt-5-mini", "input": "Hi", "max_output_tokens": 16},
        [],
        None,
    ),
    (
        "chat-style-tool",
        "openai",
        {
            "model": "gpt-5-nano",
            "input": "hi",
            "tools": [
                {
                    "type": "function",
                    "function": {"name": "rechazar_mensaje", "description": "Rechazar el mensaje"},
                }
            ],
        },
        [("responses.chat-style-function-tool", E, "tools[0].name")],
        "Missing required parameter: 'tools[0].name'.",
    ),
    (
        "chat-body",
        "openai",
        {"model": "gpt-4.1", "messages": [USER]},
        [("responses.chat-body", E, "messages")],
        "Unsupported parameter: 'messages'. In the Responses API, this parameter has moved to 'input'. Try again "
        "with the new parameter. See the API documentation for more information: "
        "https://platform.openai.com/docs/api-reference/responses/create.",
    ),
    (
        "messages-with-input",
        "openai",
        {"model": "gpt-4.1", "input": [USER], "messages": [USER]},
        [("responses.messages-with-input", E, "messages")],
        None,
    ),
    (
        "messages-with-input-vllm-warns",
        "vllm",
        {"model": "gpt-oss-20b", "input": [USER], "messages": [USER]},
        [("responses.messages-with-input", W, "messages")],
        None,
    ),
    (
        "input-object",
        "openai",
        {"model": "gpt-4.1", "input": USER},
        [("responses.invalid-input", E, "input")],
        None,
    ),
    (
        "input-item-string",
        "openai",
        {"model": "gpt-4.1", "input": ["hello"]},
        [("responses.invalid-input", E, "input[0]")],
        None,
    ),
    # ---------------------------------------------------------------- a step's items kept together
    (
        # A Codex hook's developer message lands inside the tool step (deepseek-ai/DeepSeek-V3#1588).
        "hook-message-between-call-and-output-on-deepseek",
        "deepseek",
        req(
            [USER, call(), {"role": "developer", "content": "Hook: tests passed."}, output()],
            model="deepseek-v4-pro",
        ),
        [("responses.function-call-output-not-adjacent", E, "input[3].call_id")],
        '{"error":{"message":"No tool output found for tool call call_...","type":"invalid_request_error",'
        '"param":"","code":"invalid_request_error"}}',
    ),
    (
        # One parallel step: both calls, then both outputs, is a chat turn DeepSeek can rebuild.
        "parallel-step-on-deepseek",
        "deepseek",
        req([USER, call(), call(CALL_ID_2), output(), output(CALL_ID_2)], model="deepseek-v4-pro"),
        [],
        None,
    ),
    (
        # OpenAI pairs by call_id wherever the output stands (awesome-deepseek-integration#740 measured it).
        "message-between-call-and-output-on-openai",
        "openai",
        req([USER, call(), {"role": "user", "content": "Also Paris."}, output()]),
        [],
        None,
    ),
    # ---------------------------------------------------------------- item ids and reasoning
    (
        "duplicate-item-id",
        "openai",
        req(
            [
                USER,
                reasoning(),
                call(id="fc_1"),
                output(),
                reasoning(),
                call(CALL_ID_2, id="fc_2"),
                output(CALL_ID_2),
            ],
            model="gpt-5",
        ),
        [("responses.duplicate-item-id", E, "input[4].id")],
        "Duplicate item found with id rs_0468ed37bb668691006993cda255988190ac105e2c82965386. Remove duplicate "
        "items from your input and try again.",
    ),
    (
        "reasoning-last",
        "openai",
        req([USER, reasoning()], model="o4-mini"),
        [("responses.reasoning-without-following-item", E, "input[1]")],
        "Item 'rs_0c3876fcd4da19ef00692a14046bc8819eba6941c05c5ab7e7' of type 'reasoning' was provided without "
        "its required following item.",
    ),
    (
        # openai/openai-node#1567: the assistant's answer retyped as {role, content} after its reasoning item.
        "reasoning-then-retyped-assistant",
        "openai",
        req([USER, reasoning(), {"role": "assistant", "content": "There are 3."}, USER], model="o4-mini"),
        [("responses.reasoning-without-following-item", E, "input[1]")],
        "rs_68636eda2eec81a09eae5a780d7953000caa926c51f9f663 of type 'reasoning' was provided without its "
        "required following item",
    ),
    (
        "reasoning-then-user-message",
        "azure",
        req([USER, reasoning(), USER], model="gpt-5"),
        [("responses.reasoning-without-following-item", E, "input[1]")],
        None,
    ),
    (
        # The produced item follows (with its id, or a call): no finding; nor for a stateless replay of its
        # own encrypted reasoning that retypes the message without an id (Codex, opencode).
        "reasoning-then-its-message-or-call",
        "openai",
        req(
            [
                USER,
                reasoning(),
                {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "Hi"}],
                },
                USER,
                reasoning("rs_2"),
                call(),
                output(),
            ],
            model="gpt-5",
        ),
        [],
        None,
    ),
    (
        "stateless-replay-retypes-message",
        "openai",
        req(
            [USER, reasoning(), {"role": "assistant", "content": "Hi"}, USER],
            model="gpt-5",
            store=False,
            include=["reasoning.encrypted_content"],
        ),
        [],
        None,
    ),
    (
        "reasoning-without-summary",
        "openai",
        req([USER, {"type": "reasoning", "id": "rs_1"}, call(id="fc_1"), output()], model="o4-mini"),
        [("responses.reasoning-without-summary", E, "input[1].summary")],
        None,
    ),
    (
        # AnswerDotAI/fastllm#45 (ChatGPT's Codex backend): a 116-character call_id.
        "call-id-too-long",
        "openai",
        req([USER, call("c" * 116), output("c" * 116)], model="gpt-5"),
        [
            ("responses.call-id-too-long", E, "input[1].call_id"),
            ("responses.call-id-too-long", E, "input[2].call_id"),
        ],
        "Invalid 'input[95].call_id': string too long. Expected a string with maximum length 64, but got a string "
        "with length 116 instead.",
    ),
    (
        "call-id-of-64-is-fine",
        "openai",
        req([USER, call("c" * 64), output("c" * 64)], model="gpt-5"),
        [],
        None,
    ),
    (
        # cline#12242: the reasoning items were filtered out, the fc_ ids kept.
        "fc-id-without-reasoning",
        "openai",
        req(
            [USER, call(id="fc_0a4d5126"), call(CALL_ID_2, id="fc_0a4d5127"), output(), output(CALL_ID_2)],
            model="gpt-5.5",
        ),
        [
            ("responses.function-call-without-reasoning", W, "input[1]"),
            ("responses.function-call-without-reasoning", W, "input[2]"),
        ],
        "Item 'fc_0a4d512680f81369006a5364c645f481a1a979134e6d548de1' of type 'function_call' was provided "
        "without its required 'reasoning' item: 'rs_0a4d512680f81369006a5364c4142481a1803037dcae023e29'.",
    ),
    ("fc-id-non-reasoning-model", "openai", req([USER, call(id="fc_0a4d5126"), output()]), [], None),
    (
        # Codex (store: false, encrypted reasoning requested) replays every reasoning item it got: a call
        # with none before it had none to replay (the captured Codex turn 2), so no warning.
        "fc-id-stateless-client-replaying-its-reasoning",
        "openai",
        req(
            [USER, call(id="fc_0a4d5126"), output()],
            model="gpt-5",
            store=False,
            include=["reasoning.encrypted_content"],
        ),
        [],
        None,
    ),
    (
        # openai/codex#33176: a replayed message whose id Codex made up (a uuid, no msg_ prefix).
        "message-id-without-msg-prefix",
        "openai",
        req(
            [
                USER,
                {
                    "type": "message",
                    "role": "assistant",
                    "id": "019f629b-43ee-7a82-acb1-3071dbffbdad",
                    "content": [{"type": "output_text", "text": "Checking."}],
                },
                {"role": "user", "content": "Go on."},
            ]
        ),
        [("responses.item-id-prefix", E, "input[1].id")],
        "Invalid 'input[371].id': '019f629b-43ee-7a82-acb1-3071dbffbdad'. Expected an ID that begins with 'msg'.",
    ),
    (
        # A chat-completions call id replayed as the item id of a function call; cockpit-tools#2090 for rs.
        "call-and-reasoning-ids-without-their-prefix",
        "openai",
        req([USER, reasoning("item_df7e40c3f04fc8ade5c3800e"), call(id=CALL_ID), output()], model="gpt-5"),
        [("responses.item-id-prefix", E, "input[1].id"), ("responses.item-id-prefix", E, "input[2].id")],
        "Invalid 'input[66].id': 'item_df7e40c3f04fc8ade5c3800e'. Expected an ID that begins with 'rs'.",
    ),
    (
        # Codex's function_call_output ids (fco_...) and ids on self-hosted servers are not judged.
        "prefixed-ids-and-unjudged-types",
        "openai",
        req([USER, call(id="fc_0a4d5126"), {**output(), "id": "fco_01a22ad1-3980-7e23"}]),
        [],
        None,
    ),
    (
        # A relay in front of OpenAI (an unknown host) minted `item_` ids for function calls; Codex
        # replayed them and OpenAI's 400 came back through the relay (BigPizzaV3/CodexPlusPlus#1796).
        "relay-minted-call-id-on-an-unknown-host",
        "generic",
        req([USER, call(id="item_c270d5511c7129adc7475632"), output()]),
        [("responses.item-id-prefix", E, "input[1].id")],
        "Invalid 'input[274].id': 'item_c270d5511c7129adc7475632'. Expected an ID that begins with 'fc'.",
    ),
    (
        "id-prefix-on-vllm-is-a-warning",
        "vllm",
        req([USER, call(id=CALL_ID), output()]),
        [("responses.item-id-prefix", W, "input[1].id")],
        None,
    ),
    # ---------------------------------------------------------------- state kept server-side or not
    (
        "item-reference-with-store-false",
        "openai",
        req([{"type": "item_reference", "id": "rs_01"}, USER], store=False),
        [("responses.item-reference-without-store", "error", "input[0]")],
        "Item with id 'rs_xxxxx' not found. Items are not persisted when 'store' is set to false",
    ),
    (
        "reasoning-id-without-encrypted-content-store-false",
        "openai",
        req(
            [USER, {"type": "reasoning", "id": "rs_01", "summary": []}, call(), output()],
            model="gpt-5",
            store=False,
        ),
        [("responses.item-reference-without-store", "error", "input[1]")],
        None,
    ),
    # Codex's stateless replay: reasoning items carry encrypted_content.
    (
        "encrypted-reasoning-store-false",
        "openai",
        req([USER, reasoning(), call(id="fc_0a4d5126"), output()], model="gpt-5", store=False),
        [],
        None,
    ),
    ("item-reference-stored", "openai", req([{"type": "item_reference", "id": "msg_01"}, USER]), [], None),
    # A reference that lost its id (a client stripping ids when store is false) is the schema's missing
    # id, not a reference to a stored item: one finding, at the id.
    (
        "item-reference-without-id-store-false",
        "openai",
        req([USER, {"type": "item_reference"}], store=False),
        [("spec.missing-required", "error", "input[1].id")],
        None,
    ),
    (
        "xai-previous-response-with-instructions",
        "xai",
        {
            "model": "grok-4",
            "input": "And now?",
            "instructions": "Be brief.",
            "previous_response_id": "resp_1",
        },
        [("responses.previous-response-with-instructions", "error", "instructions")],
        None,
    ),
    (
        "openai-previous-response-with-instructions",
        "openai",
        {
            "model": "gpt-4.1",
            "input": "And now?",
            "instructions": "Be brief.",
            "previous_response_id": "resp_1",
        },
        [],
        None,
    ),
    (
        # Codex 0.34 with gpt-5 at effort minimal and its web_search tool (openai/codex#3559).
        "openai-web-search-with-minimal-effort",
        "openai",
        {
            "model": "gpt-5",
            "input": "hi",
            "reasoning": {"effort": "minimal"},
            "tools": [{"type": "web_search"}],
        },
        [("responses.hosted-tool-with-minimal-effort", "error", "reasoning.effort")],
        "The following tools cannot be used with reasoning.effort 'minimal': web_search.",
    ),
]


@pytest.mark.parametrize(
    ("provider", "body", "expected", "real_error"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_responses_rules(
    provider: str, body: dict[str, Any], expected: list[tuple[str, str, str]], real_error: str | None
) -> None:
    assert findings(provider, body) == expected
    if real_error is not None:
        assert real_error in [p.text for p in RULES[expected[0][0]].predicts]


def test_pairing_messages_name_the_ids_and_the_fix() -> None:
    analysis = analyse_request(json.dumps(req([USER, output(), call(CALL_ID_2)])), URLS["openai"])
    assert [f.message for f in analysis.findings] == [
        f"input[1] answers {CALL_ID}, but no function_call item with that call_id comes before it and the request "
        "has no previous_response_id or conversation that could hold it. Send the function_call item before its "
        "output, or drop the output.",
        f"input[2] calls {CALL_ID_2} but no function_call_output with that call_id follows it. Add one (a failure "
        "text if the tool did not run) or remove the call.",
    ]


RESPONSES_RULES = sorted(rule_id for rule_id in RULES if rule_id.startswith("responses."))


@pytest.mark.parametrize("rule_id", RESPONSES_RULES)
def test_every_rule_example_triggers_exactly_that_rule(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.example is not None and rule.example_url.endswith("/v1/responses")
    analysis = analyse_request(json.dumps(rule.example), rule.example_url)
    assert {f.rule for f in analysis.findings if not is_local_note(f)} == {rule_id}
    for predicted in rule.predicts:
        assert predicted.source.startswith(("https://", "code [", "doc [")), predicted


def test_every_responses_rule_is_covered_by_a_case() -> None:
    covered = {rule for case in CASES for rule, _severity, _location in case[3]}
    # tools.strict-* and the schema-root rules are defined once in rules/tools.py and applied to flat
    # tools here too.
    shared = {
        # The note an unknown model gets on every API the model rules read (rules/model.py, session 18).
        "model.rules-skipped",
        "tools.strict-additional-properties",
        "tools.parameters-not-object",
        "tools.parameters-root-combinator",
        "tools.array-without-items",
        "tools.invalid-schema",
        "tools.strict-unsupported-format",
        "tools.invalid-name",
        "response_format.strict-schema",
        # rules/content.py reads an input_file's bytes as it reads a chat file part's.
        "content.invalid-file-data",
        # rules/spec.py walks input items against OpenAI's schema (an item_reference's missing id).
        "spec.missing-required",
    }
    assert covered - shared == set(RESPONSES_RULES)


# model_id.missing on the Responses API: `model` is required unless a stored prompt names it (CreateResponse
# lists `model` as optional for reusable prompts; the chat endpoint requires it always).
PROMPT = {"id": "pmpt_68b0c4f0a1b881948a7f8cb1d2e3f4a5", "version": "2"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"input": [USER]},
            [("model_id.missing", E, "model")],
            id="no-model-no-prompt",
        ),
        pytest.param({"prompt": PROMPT, "input": [USER]}, [], id="stored-prompt-names-the-model"),
        pytest.param(
            {"model": "", "prompt": PROMPT, "input": [USER]},
            [("model_id.missing", E, "model")],
            id="empty-model-beside-a-prompt",
        ),
        pytest.param({"model": "gpt-4.1", "input": [USER]}, [], id="model-given"),
    ],
)
def test_model_missing_on_responses(body: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert [f for f in findings("openai", body) if f[0].startswith("model_id.")] == expected
