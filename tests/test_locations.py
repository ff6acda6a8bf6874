"""toolguard_core.locations: every location notation upstreams print, read once for the scorer and the
causes extraction (issue 9, session 18). Table-driven over real error bodies quoted in public threads
and pages; each row gives every location the body names, in the reader's order."""

from __future__ import annotations

import pytest

from toolguard_core.locations import (
    dotted,
    is_tag,
    iter_pairs,
    keys,
    locations_in,
    normalise,
    parse_location,
    strip_tags,
)

#: Top-level request fields, as the scorer passes them (its KNOWN_PARAMS is larger).
ROOTS = frozenset({"messages", "input", "tools", "response_format", "temperature", "stop", "model"})

#: (source, body, every location read with ROOTS).
REAL_BODIES = [
    # FastAPI's detail list from a pydantic v2 model (ogx's /v1/messages; the loc is a JSON list).
    (
        "https://github.com/ogx-ai/ogx/issues/5982",
        "API Error: 400 {'errors': [{'loc': ['body', 'messages', 1, 'role'], 'msg': \"Input should be 'user' "
        "or 'assistant'\", 'type': 'literal_error'}]}",
        [("messages", 1, "role")],
    ),
    # pydantic v2's printed ValidationError with SGLang's union tags: model class names and a
    # bracketed list[union[...]] validator between the keys.
    (
        "https://github.com/sgl-project/sglang/issues/17853",
        "17 validation errors for ChatCompletionRequest\nmessages.0.ChatCompletionMessageGenericParam.role\n"
        "  Value error, 'role' must be one of 'system', 'developer', 'assistant', 'tool', or 'function' "
        "(case-insensitive). [type=value_error, input_value='user', input_type=str]\n"
        "messages.0.ChatCompletionMessageGenericParam.content.str\n  Input should be a valid string "
        "[type=string_type, input_value=[{'text': 'Who are you?', 'type': 'input_text'}], input_type=list]\n"
        "messages.0.ChatCompletionMessageGenericParam.content.list[union[ChatCompletionMessageContentTextPart,"
        "ChatCompletionMessageContentImagePart]].0.ChatCompletionMessageContentTextPart.type\n"
        "  Input should be 'text' [type=literal_error, input_value='input_text', input_type=str]",
        [("messages", 0, "role"), ("messages", 0, "content"), ("messages", 0, "content", 0, "type")],
    ),
    # serde_path_to_error behind axum (DeepSeek): the path, then a position in the body, which is no path.
    (
        "https://github.com/deepseek-ai/awesome-deepseek-integration/issues/57",
        "API Error: Status Code 422, Failed to deserialize the JSON body into the target type: messages[2]: "
        "invalid type: sequence, expected a string at line 1 column 325",
        [("messages", 2)],
    ),
    # Go's encoding/json (Ollama): the struct's name, then the field path without indices.
    (
        "https://github.com/ollama/ollama/issues/6451",
        "cannot unmarshal array into Go struct field ChatRequest.messages of type string",
        [("messages",)],
    ),
    # Zod issues (OpenRouter's Responses endpoint): the path is a JSON array under "path".
    (
        "https://github.com/CherryHQ/cherry-studio/issues/10477",
        '{"issues": [{"code": "invalid_literal", "expected": "message", "path": ["input", 1, "type"], '
        '"message": "Invalid literal value, expected \\"message\\""}, {"code": "invalid_type", "expected": '
        '"string", "received": "undefined", "path": ["input", 1, "id"], "message": "Required"}], '
        '"name": "ZodError"}',
        [("input", 1, "type"), ("input", 1, "id")],
    ),
    # A JSONPath root (Azure OpenAI's validator).
    (
        "https://portkey.ai/error-library/length-limit-error-10026",
        '"$.messages" exceeds the maximum length of 2048 items. Please reduce the number of items in the '
        "messages.",
        [("messages",)],
    ),
    # OpenAI's own brackets.
    (
        "https://github.com/openai/openai-dotnet/issues/317",
        "Invalid 'messages[2].tool_calls': array too long. Expected an array with maximum length 128, but got "
        "an array with length 200 instead.",
        [("messages", 2, "tool_calls")],
    ),
    # A JSON Pointer after '#' (Bedrock's JSON Schema validator); the schema in braces names no location.
    (
        "https://github.com/x3n0cr4735/celi/pull/91",
        "Error code: 400 - {'message': 'Malformed input request: #: subject must not be valid against schema "
        '{"required":["messages"]}#/temperature: expected type: Number, found: Null, please reformat your '
        "input and try again.'}",
        [("temperature",)],
    ),
]


@pytest.mark.parametrize(("source", "body", "expected"), REAL_BODIES, ids=[r[0] for r in REAL_BODIES])
def test_every_location_a_real_body_names_is_read(source: str, body: str, expected: list[tuple]) -> None:
    assert locations_in(body, roots=ROOTS) == expected, source


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # pydantic v2's loc tuple as vLLM prints it, with the TypedDict tag (pydantic-core's
        # TypedDictValidator is named "typed-dict"), and with a function wrapper's parameters.
        ("('body', 'messages', 1, 'typed-dict', 'name')", ("messages", 1, "name")),
        (
            "('body', 'tools', 0, 'function-after[check(), ChatCompletionToolsParam]', 'function', 'name')",
            ("tools", 0, "function", "name"),
        ),
        (
            "('body', 'messages', 2, 'tagged-union[UserMessage,AssistantMessage]', 'content')",
            ("messages", 2, "content"),
        ),
        (
            "('body', 'messages', 2, 'typed-dict', 'content', 'generator[typed-dict]')",
            ("messages", 2, "content"),
        ),
        ("('body', 'stop', 'list[str]', 0)", ("stop", 0)),
        # FastAPI/pydantic v1 as a list, as a JSON array, and v1's arrows (error_wrappers' " -> ").
        (["body", "messages", 0, "content"], ("messages", 0, "content")),
        ('["messages", 1, "name"]', ("messages", 1, "name")),
        ("body -> messages -> 0 -> content", ("messages", 0, "content")),
        # Dotted and bracketed forms.
        ("body.messages.2.typed-dict.content", ("messages", 2, "content")),
        ("messages.[0].content", ("messages", 0, "content")),
        ("request.tools[0].function_declarations[3]", ("tools", 0, "function_declarations", 3)),
        ("GenerateContentRequest.contents[1].parts", ("contents", 1, "parts")),
        (".messages[1]", ("messages", 1)),
        # JSONPath, JSON Pointer (RFC 6901's escapes), python-jsonschema's subscripts.
        ("$.messages[1].name", ("messages", 1, "name")),
        ("$['messages'][1]['name']", ("messages", 1, "name")),
        ("/messages/1/name", ("messages", 1, "name")),
        (
            "#/tools/0/function/parameters/properties/a~1b",
            ("tools", 0, "function", "parameters", "properties", "a/b"),
        ),
        ("instance['messages'][1]['name']", ("messages", 1, "name")),
        # No location: a position in the body, words, nothing.
        ("at line 1 column 2", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_one_location_in_any_notation(raw: object, expected: tuple | None) -> None:
    assert parse_location(raw) == expected


def test_tags_and_keys_are_told_apart() -> None:
    tags = [
        "typed-dict",
        "json-or-python[json=str,python=str]",
        "str",
        "list[union[str,int]]",
        "ChatCompletionMessageParam",
    ]
    keys_ = ["messages", "content", "tool_calls", "functionDeclarations", "generationConfig", "0", "user"]
    assert [t for t in tags if not is_tag(t)] == []
    assert [k for k in keys_ if is_tag(k)] == []


def test_bracketed_tags_go_whole_from_free_text() -> None:
    text = "function-after[validate(), ChatCompletionRequest].messages.0.typed-dict.name: Input should be a valid string"
    assert strip_tags(text) == "messages.0.name: Input should be a valid string"


def test_pydantic_dicts_pair_each_location_with_its_message_in_either_order() -> None:
    # vLLM's answer prints loc before msg; a FastAPI handler may print msg first. A message holding
    # quotes is printed double-quoted by Python.
    text = (
        "[{'type': 'extra_forbidden', 'loc': ('body', 'messages', 0, "
        "'function-after[validate(), ChatCompletionUserMessageParam]', 'cache_control'), "
        "'msg': 'Extra inputs are not permitted', 'input': {}}, "
        "{'msg': \"Input should be 'user' or 'system'\", 'loc': ['body', 'messages', 1, 'role']}]"
    )
    assert list(iter_pairs(text)) == [
        (("messages", 0, "cache_control"), "Extra inputs are not permitted"),
        (("messages", 1, "role"), "Input should be 'user' or 'system'"),
    ]
    # The causes' rendering keeps FastAPI's body and the bare tags its wordings were written against.
    assert [dotted(loc) for loc, _ in iter_pairs(text, rendering=True)] == [
        "body.messages.0.cache_control",
        "body.messages.1.role",
    ]
    assert normalise(["body", "messages", 1, "typed-dict", "name"], True, True) == (
        "body",
        "messages",
        1,
        "typed-dict",
        "name",
    )


def test_hosts_model_names_and_urls_are_not_paths() -> None:
    text = "POST https://api.openai.com/v1/chat/completions failed for gpt-4.1 (see /v1/models, e.g. this)"
    assert locations_in(text, roots=ROOTS) == []
    assert keys(("messages", 2, "content")) == ("messages", "content")


def test_a_huge_text_is_read_within_bounds() -> None:
    text = "'loc': ('body', 'messages', 1, 'name'), " * 10_000 + "x" * 1_000_000
    found = locations_in(text)
    assert found == [("messages", 1, "name")]
