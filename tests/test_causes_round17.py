"""Issue #10, probe round 17 (validation frameworks; docs/errors.md "Generalisation"): a server whose request
validation is a library answers in that library's format, which names a fault kind and a field path. The
framework tier (``toolguard_core.causes.FRAMEWORKS``) reads the format and maps (kind, path) to the
catalogue's causes, so it names the cause for every server built on the library:

* pydantic (v2 "Field required", "Input should be a valid ..."; v1 "field required", "none is not an
  allowed value", "value is not a valid integer") in FastAPI detail lists and plain ValidationError text;
* python-jsonschema's "'<key>' is a required property - '<container>'" (OpenAI's and Azure's 2023 validator);
* serde's "missing field `<key>`" behind axum's "Failed to deserialize the JSON body into the target type";
* Go's encoding/json "cannot unmarshal <type> into Go struct field <Struct>Request.<path> of type <T>";
* protobuf's JSON parser "Invalid value at '<path>' (<type>)" inside a tool declaration;
* CPython's "<handler>() missing 1 required positional argument: '<key>'" (LiteLLM's proxy);
* zod's issue code in ``code`` with its path in ``param`` (LM Studio);
* and nlohmann-json's type_error.302 "type must be string, but is array" (llama.cpp), read as a sentence.

A row fails on any difference in the cause, the rule, the values read, the constraint, the wording's
provider (for a framework: the library) or the tier that named it. The neighbours are texts in the same
formats whose path the mapping does not know, or that a Go client printed about an answer: nothing is
claimed for them.
"""

from __future__ import annotations

import pytest
from support.recognition import assert_neighbour_cause, recognise, whole_recognition

from toolguard_core.causes import FRAMEWORKS, Constraint, _framework_cause, _path_parts, _prepare

ROWS = [
    # microsoft/autogen#1829: pydantic v1 at an assistant tool-call turn's content (None).
    (
        "https://github.com/microsoft/autogen/issues/1829",
        422,
        "UnprocessableEntityError: Error code: 422 - {'detail': [{'loc': ['body', 'messages', 2, 'content'], "
        "'msg': 'none is not an allowed value', 'type': 'type_error.none.not_allowed'}]}",
        (
            "cause.empty-content",
            None,
            {"path": "messages.2.content", "index": "2"},
            None,
            "pydantic",
            "message",
        ),
    ),
    # A pydantic v1 detail naming a top-level parameter of the wrong type (constructed in FastAPI's shape).
    (
        "constructed: pydantic v1 value is not a valid integer",
        422,
        '{"detail":[{"loc":["body","max_tokens"],"msg":"value is not a valid integer","type":"type_error.integer"}]}',
        (
            "cause.param-type-invalid",
            "params.wrong-type",
            {"path": "max_tokens", "param": "max_tokens"},
            None,
            "pydantic",
            "message",
        ),
    ),
    # transitive-bullshit/agentic#497 and openinterpreter/openinterpreter#115 (Azure): python-jsonschema's
    # required keyword at a message.
    (
        "https://github.com/transitive-bullshit/agentic/issues/497",
        400,
        'ChatGPTError: OpenAI error 400: {\n  "error": {\n    "message": "\'content\' is a required property - '
        '\'messages.3\'",\n    "type": "invalid_request_error",\n    "param": null,\n    "code": null\n  }\n}',
        (
            "cause.empty-content",
            None,
            {"path": "messages.3.content", "index": "3"},
            None,
            "jsonschema",
            "message",
        ),
    ),
    (
        "https://github.com/openinterpreter/openinterpreter/issues/115",
        400,
        "InvalidRequestError: 'content' is a required property - 'messages.2'",
        (
            "cause.empty-content",
            None,
            {"path": "messages.2.content", "index": "2"},
            None,
            "jsonschema",
            "message",
        ),
    ),
    # pig-mesh/deepseek4j#41: serde behind axum, DeepSeek's chat endpoint.
    (
        "https://github.com/pig-mesh/deepseek4j/issues/41",
        422,
        "io.github.pigmesh.ai.deepseek.core.OpenAiHttpException: Failed to deserialize the JSON body into the "
        "target type: messages[1]: missing field `content` at line 8 column 5",
        ("cause.empty-content", None, {"path": "messages.1.content", "index": "1"}, None, "serde", "message"),
    ),
    # mudler/LocalAI#273: Go's encoding/json on LocalAI's request struct.
    (
        "https://github.com/mudler/LocalAI/issues/273",
        500,
        '{"error":{"code":500,"message":"failed reading parameters from request:json: cannot unmarshal string '
        'into Go struct field OpenAIRequest.temperature of type float64","type":""}}',
        (
            "cause.param-type-invalid",
            "params.wrong-type",
            {"path": "temperature", "param": "temperature"},
            None,
            "go-json",
            "message",
        ),
    ),
    # microsoft/azure-devops-mcp#145: protobuf JSON refusing numeric enum values in a tool's schema.
    (
        "https://github.com/microsoft/azure-devops-mcp/issues/145",
        400,
        "ons[23].parameters.properties[16].value.enum[0]' (TYPE_STRING), 2\\\\nInvalid value at "
        "'request.tools[0].function_declarations[23].parameters.properties[16].value.enum[1]' (TYPE_STRING), 3",
        (
            "cause.tool-schema-invalid",
            "tools.invalid-definition",
            {"path": "tools.0.function_declarations.23.parameters.properties.16.value.enum.1", "index": "0"},
            None,
            "protobuf-json",
            "message",
        ),
    ),
    # BerriAI/litellm#40126: CPython's TypeError from LiteLLM's proxy, the Responses API's input omitted.
    (
        "https://github.com/BerriAI/litellm/pull/40126",
        500,
        '{"error":{"message":"aresponses() missing 1 required positional argument: \'input\'","type":"None",'
        '"param":"None","code":"500"}}',
        ("cause.messages-missing", "messages.missing", {}, None, "python", "message"),
    ),
    # lmstudio-ai/lmstudio-bug-tracker#1812 and #1810: zod's issue through LM Studio, Codex's namespace tools.
    (
        "https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/1812",
        400,
        '2026-04-16 22:17:33 [ERROR] [Server Error] {\n  "error": {\n    "message": "Invalid",\n    "type": '
        '"invalid_request_error",\n    "param": "tools.14.type",\n    "code": "invalid_string"\n  }\n}',
        (
            "cause.tool-schema-invalid",
            "tools.invalid-definition",
            {"path": "tools.14.type", "index": "14"},
            None,
            "zod",
            "code",
        ),
    ),
    (
        "https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/1810",
        400,
        '{\n  "error": {\n    "message": "Invalid",\n    "type": "invalid_request_error",\n    "param": '
        '"tools.8.type",\n    "code": "invalid_string"\n  }\n}',
        (
            "cause.tool-schema-invalid",
            "tools.invalid-definition",
            {"path": "tools.8.type", "index": "8"},
            None,
            "zod",
            "code",
        ),
    ),
    # mozilla-ai/llamafile#631: nlohmann-json's type_error.302 under llama.cpp's "500 Internal Server Error".
    (
        "https://github.com/mozilla-ai/llamafile/issues/631",
        500,
        "500 Internal Server Error\n[json.exception.type_error.302] type must be string, but is array",
        (
            "cause.content-array-unsupported",
            None,
            {},
            Constraint(kind="content_type", name="array"),
            "llama.cpp",
            "message",
        ),
    ),
]


@pytest.mark.parametrize(("source", "status", "body", "expected"), ROWS, ids=lambda v: str(v)[:40])
def test_round_seventeen_names_the_cause(
    source: str, status: int | None, body: str, expected: tuple[object, ...]
) -> None:
    assert whole_recognition(body, status, tier=True) == expected, source


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # A response the server failed to validate (its own bug), not the request: nothing from the tier, the
        # status decides.
        (
            "https://github.com/JamePeng/llama-cpp-python/issues/113",
            500,
            "fastapi.exceptions.ResponseValidationError: 2 validation errors:\n  {'type': 'missing', 'loc': "
            "('response', 'CreateChatCompletionResponse', 'choices', 0, 'message', 'refusal'), 'msg': 'Field "
            "required', 'input': {'role': 'assistant', 'content': \"Hello!\"}}",
            "cause.server-error",
        ),
        # A Go client failing on an upstream's answer (a response struct): no request fault.
        (
            "https://github.com/sashabaranov/go-openai/issues/244",
            None,
            "error, json: cannot unmarshal number into Go struct field APIError.error.code of type string",
            None,
        ),
        # A handler argument that is not the conversation (LiteLLM's batches): the status decides.
        (
            "https://github.com/BerriAI/litellm/issues/37146",
            500,
            "acreate_batch() missing 1 required positional argument: 'input_file_id'",
            "cause.server-error",
        ),
        # zod through LM Studio at the conversation, not a tool: the code alone names nothing.
        (
            "https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/1106",
            400,
            '[Server Error] {\n  "error": {\n    "message": "Invalid type for \'input\'.",\n    "type": '
            '"invalid_request_error",\n    "param": "input",\n    "code": "invalid_union"\n  }\n}',
            None,
        ),
        # Constructed in each library's format at paths the mapping does not know: nothing is claimed.
        (
            "constructed: serde missing model",
            422,
            "Failed to deserialize the JSON body into the target type: missing field `model` at line 1 column 30",
            None,
        ),
        ("constructed: jsonschema required model", 400, "'model' is a required property", None),
        (
            "constructed: nlohmann number",
            500,
            '{"error":{"code":500,"message":"[json.exception.type_error.302] type must be number, but is null",'
            '"type":"server_error"}}',
            None,  # a refusal ("must be"), so not the status's server error either
        ),
        (
            "constructed: protobuf outside tools",
            400,
            "Invalid value at 'generation_config.response_modalities[0]' "
            '(type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), "AUDIO_X"',
            None,
        ),
        (
            "constructed: zod at a message role",
            400,
            '{"error":{"message":"Invalid","type":"invalid_request_error","param":"messages.0.role","code":'
            '"invalid_string"}}',
            None,
        ),
        # A library validating one message prints its content as "content.0": not a request parameter.
        (
            "constructed: pydantic sub-model content (dev b-0131's shape)",
            400,
            "1 validation error for Message\ncontent.0\n  Input should be a valid dictionary or instance of Content "
            "[type=model_type, input_value=ValidatorIterator(index=0), input_type=ValidatorIterator]",
            None,
        ),
        # zod's "Unrecognized key(s) in object: '<key>'" names the key, not "in" (a precision fix this round).
        (
            "constructed: zod unrecognized_keys",
            400,
            '[{"code":"unrecognized_keys","keys":["stream_options"],"path":[],"message":"Unrecognized key(s) in '
            "object: 'stream_options'\"}]",
            "cause.extra-request-field",
        ),
    ],
)
def test_the_framework_tier_leaves_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


def test_zod_unrecognized_keys_names_the_key() -> None:
    found = recognise(
        '[{"code":"unrecognized_keys","keys":["stream_options"],"path":[],"message":"Unrecognized key(s) in '
        "object: 'stream_options'\"}]",
        400,
    )
    assert found is not None and found.values.get("field") == "stream_options"


@pytest.mark.parametrize(
    ("fault", "path", "field", "got", "expected", "named"),
    [
        ("missing", None, "messages", None, None, "cause.messages-missing"),
        ("missing", "body", "contents", None, None, "cause.messages-missing"),
        ("missing", "messages[4]", "content", None, None, "cause.empty-content"),
        ("missing", "messages.4.tool_calls.0", "id", None, None, None),
        ("missing", None, "model", None, None, None),
        ("missing", "tools[2]", "function", None, None, "cause.tool-schema-invalid"),
        ("missing", "tools", None, None, None, None),  # the key itself, not a tool in it
        ("type", "body.messages.0.content", None, "none", None, "cause.empty-content"),
        ("type", "body.messages.0.content", None, None, "string", None),  # null or an array: not said
        ("type", "messages.content", None, "array", "string", "cause.content-array-unsupported"),
        ("type", "contents", None, "object", "[]dto.Content", "cause.param-type-invalid"),
        ("type", "temperature", None, "string", "float64", "cause.param-type-invalid"),
        ("type", "guardrail_config", None, "string", "object", None),  # not a request parameter
        ("enum", "request.tools[0].function_declarations[1]", None, None, None, "cause.tool-schema-invalid"),
        ("enum", "response_format.type", None, None, None, None),
    ],
)
def test_a_fault_and_a_path_map_to_one_cause_or_none(
    fault: str, path: str | None, field: str | None, got: str | None, expected: str | None, named: str | None
) -> None:
    found = _framework_cause(fault, _path_parts(path, field), got, expected)  # type: ignore[arg-type]
    assert (found[0] if found else None) == named


def test_every_framework_cites_its_library_and_a_real_answer() -> None:
    libraries = [framework.library for framework in FRAMEWORKS]
    assert len(set(libraries)) >= 6
    for framework in FRAMEWORKS:
        assert framework.library_source and framework.wording.source.startswith("https://github.com/")
        assert framework.wording.provider == framework.library
        if framework.wording.on == "message":
            assert framework.wording.pattern.search(_prepare(framework.wording.example)), framework.library
        else:
            assert framework.wording.pattern.fullmatch(framework.wording.example), framework.library
