"""Issue #10, probe round 13: what the round's untouched misses showed no tier reads, each written
from threads outside the probe set (which keeps measuring it unseen) and ranked after every other
family, so nothing named before changes (docs/errors.md "Generalisation"):

* a client-printed wrapper not unwrapped: Node's ``util.inspect`` prints a string property holding
  newlines (the Vercel AI SDK's ``APICallError.responseBody``, OpenRouter's ``metadata.raw`` in an
  openai-node error) as one quoted literal per line joined by ``+``; joined and unescaped, it is the
  upstream's JSON body, with its ``code`` and ``param`` (``upstream_errors._inspected_error``);
* a replayed ``tool_use`` input that is not an object, in the Messages API validator's words;
* tool-call arguments that do not parse, in gateways' words (GitHub Copilot, "must be valid JSON");
* xAI's "Each message must have at least one content element";
* a model without vision in the plural form ("Model do not support image input") and in Chinese;
* Gemini's unknown keyword in a function declaration when the printout is cut before its end;
* the Responses API's "Missing required parameter: 'tools[0].name'" (a Chat Completions-shaped tool),
  which the rule ``responses.chat-style-function-tool`` predicts;
* Volcengine's named path with the value it refused, for any path ("The parameter `<path>` specified in
  the request are not valid: invalid value: `<v>`");
* a message role refused as a value, when the value is the system prompt's own role (``developer``,
  ``system``): the model takes no system message, whatever family read it as a value (``causes._build``);
  zod's enum refusal of the developer role; and "Invalid enum value" no longer read as a parameter
  named "enum" (a wrong value the vLLM family gave);
* the struct field Go's JSON decoder names: a tool call's arguments (Ollama's /api/chat takes an
  object), Ollama's format (a JSON schema needs 0.5 or later), a gateway's string-only tool_choice;
* new-api's ``insufficient_user_quota`` code: a spent quota, not the refused credential its 403 suggests.

A row fails on any difference in the cause, the rule, the values read, the constraint or the
wording's provider.
"""

from __future__ import annotations

import time

import pytest
from support.recognition import CauseRow as Row
from support.recognition import assert_neighbour_cause, whole_recognition

from toolguard_core.causes import Constraint
from toolguard_core.upstream_errors import parse_error

#: The Vercel AI SDK's APICallError as ``console.log`` printed it (Next.js dev server log), from
#: responseBody up to isRetryable; the outer "Error [AI_APICallError]: ..." line is left out, so only
#: the concatenated literal holds the answer.
VERCEL_INSPECTED = "  responseBody: '{\\n' +\n    '  \"error\": {\\n' +\n    `    \"message\": \"Invalid schema for function 'clinical_trials': In context=('properties', 'parsedIntent'), 'required' is required to be supplied and to be an array including every key in properties. Missing 'isNewSearch'.\",\\n` +\n    '    \"type\": \"invalid_request_error\",\\n' +\n    '    \"param\": \"tools[2].parameters\",\\n' +\n    '    \"code\": \"invalid_function_parameters\"\\n' +\n    '  }\\n' +\n    '}',\n"
VERCEL_SOURCE = (
    "https://github.com/metamonk/oncobot-funnels/blob/9b6cb3e2bc1f968de06e93add4d763cbff51bb59/CONTEXT.md"
)

ROWS = [
    Row(
        VERCEL_SOURCE,
        400,
        VERCEL_INSPECTED,
        "cause.tool-schema-invalid",
        "tools.strict-required",
        "openai",
        {"name": "clinical_trials", "field": "isNewSearch"},
    ),
    Row(
        "https://github.com/anthropics/anthropic-sdk-typescript/issues/648",
        400,
        'BadRequestError: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.3.content.1.'
        'tool_use.input: Input should be a valid dictionary"}}',
        "cause.tool-arguments-invalid",
        "shape.invalid-tool-arguments",
        "anthropic",
    ),
    Row(
        "https://github.com/anthropics/claude-code/issues/6695",
        400,
        'Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.1.content.0.tool_use.'
        'input: Input should be a valid dictionary"},"request_id":"req_011CSZ9EFrtHKE96XbLLND1a"}',
        "cause.tool-arguments-invalid",
        "shape.invalid-tool-arguments",
        "anthropic",
    ),
    Row(
        "https://github.com/microsoft/vscode/issues/268550",
        400,
        'Reason: Request Failed: 400 {"error":{"message":"Invalid JSON format in tool call arguments","code":'
        '"invalid_tool_call_format"}}',
        "cause.tool-arguments-invalid",
        "shape.invalid-tool-arguments",
        "generic",
    ),
    Row(
        "https://github.com/n8n-io/n8n/issues/14797",
        400,
        '400 "Each message must have at least one content element."',
        "cause.empty-content",
        None,
        "xai",
    ),
    Row(
        "https://github.com/Wei-Shaw/sub2api/issues/6899",
        None,
        "此模型不支持图像输入。请尝试其他模型",
        "cause.model-no-vision",
        None,
        "generic",
        constraint=Constraint(kind="content_type", name="image_url", value=None),
    ),
    # Cut where a terminal or a client truncates it (the thread's text, ended after the declaration's
    # index): the whole text is named by the complete-path family ranked above.
    Row(
        "https://github.com/musistudio/claude-code-router/issues/187",
        400,
        'Invalid JSON payload received. Unknown name "additionalProperties" at '
        "'tools[0].function_declarations[34].parameters.properties[6].value.i",
        "cause.tool-schema-invalid",
        "tools.invalid-definition",
        "gemini",
        {
            "field": "additionalProperties",
            "path": "tools[0].function_declarations[34].parameters.properties[6].value.i",
        },
    ),
    Row(
        "https://community.openai.com/t/responses-api-function-calling-tool-specs-vs-completions-api/1324866",
        400,
        '{"error":{"message":"Missing required parameter: \'tools[0].name\'.","type":"invalid_request_error",'
        '"param":"tools[0].name","code":"missing_required_parameter"}}',
        "cause.tool-schema-invalid",
        "responses.chat-style-function-tool",
        "openai",
        {"field": "tools[0].name", "index": "0"},
    ),
]


ROWS += [
    Row(
        "https://github.com/volcengine/volcengine-java-sdk/issues/105",
        400,
        "ArkHttpException{statusCode=400, message='The parameter `messages.role` specified in the request are not "
        "valid: invalid value: `SYSTEM`, supported values are: `system`, `assistant`, `user`, `tool`. Request id: ",
        "cause.param-value-unsupported",
        None,
        "volcengine",
        {"param": "messages.role", "value": "SYSTEM"},
        Constraint(kind="value", name="messages.role", value="SYSTEM"),
    ),
    Row(
        "https://github.com/egoist/chatwise-releases/issues/971",
        400,
        "Invalid enum value. Expected 'system' | 'user' | 'assistant' | 'tool', received 'developer' "
        "{\"error\":{\"message\":\"Invalid enum value. Expected 'system' | 'user' | 'assistant' | 'tool', "
        'received \'developer\'","type":"invalid_request_error","param":"messages.0.role","code":"invalid_request_error"}}',
        "cause.model-no-system-role",
        "roles.system-unsupported",
        "vercel",
        {"role": "developer"},
        Constraint(kind="role", name="developer", value=None),
    ),
]


# Go's JSON decoder names the struct field it could not fill; the field decides the cause.
ROWS += [
    Row(
        "https://github.com/neuron-core/neuron-ai/issues/219",
        400,
        '{"error":"json: cannot unmarshal string into Go struct field ChatRequest.messages of type '
        'api.ToolCallFunctionArguments"}',
        "cause.tool-arguments-invalid",
        None,
        "ollama",
    ),
    Row(
        "https://github.com/ollama/ollama/issues/7991",
        400,
        '{"error":"json: cannot unmarshal object into Go struct field GenerateRequest.format of type string"}',
        "cause.response-format-invalid",
        None,
        "ollama",
    ),
    Row(
        "https://github.com/ollama/ollama-python/issues/428",
        400,
        "json: cannot unmarshal object into Go struct field ChatRequest.format of type string (status code: 400)",
        "cause.response-format-invalid",
        None,
        "ollama",
    ),
    Row(
        "https://github.com/songquanpeng/one-api/issues/1461",
        400,
        '{"error":{"message":"json: cannot unmarshal object into Go struct field ChatCompletion.tool_choice of type '
        'string"}}',
        "cause.tool-choice-unsupported",
        None,
        "one-api",
    ),
]


# new-api's code for a spent user quota, under a 403 the status tier read as a refused credential.
ROWS += [
    Row(
        "https://github.com/popjane/free_chatgpt_api/issues/78",
        403,
        "An error occurred: Error code: 403 - {'error': {'message': 'user quota is not enough (request id: "
        "202502281247138307582052662997)', 'type': 'v_api_error', 'param': '', 'code': 'insufficient_user_quota'}}",
        "cause.quota",
        None,
        "new-api",
    ),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("developer", ("cause.model-no-system-role", {"role": "developer"})),
        ("system", ("cause.model-no-system-role", {"role": "system"})),
        # A misspelt role is still a refused value (the list supports "system", lower-case).
        ("SYSTEM", ("cause.param-value-unsupported", {"param": "messages.role", "value": "SYSTEM"})),
        ("function", ("cause.param-value-unsupported", {"param": "messages.role", "value": "function"})),
    ],
)
def test_a_refused_system_role_value_is_a_model_without_a_system_role(
    value: str, expected: tuple[str, dict[str, str]]
) -> None:
    """Constructed from volcengine-java-sdk#105's sentence with other values: only the system prompt's
    own roles, spelt as the API spells them, refine the refused value."""
    text = (
        f"The parameter `messages.role` specified in the request are not valid: invalid value: `{value}`, "
        "supported values are: `system`, `assistant`, `user`, `tool`."
    )
    found = whole_recognition(text, 400)
    assert found is not None and (found[0], found[2]) == expected


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.body[:40])
def test_round_thirteen_families_name_the_cause(row: Row) -> None:
    assert whole_recognition(row.body, row.status) == row.expected()


def test_a_node_inspected_response_body_is_unwrapped_with_its_code_and_param() -> None:
    """The joined literal is the upstream's own body: its code and param reach the stored error (before
    this round the text was a message without either)."""
    error = parse_error(VERCEL_INSPECTED, status=400)
    assert error.shape == "relay-nested" and error.upstream is not None
    assert (error.upstream.shape, error.upstream.code, error.upstream.param, error.upstream.type) == (
        "openai",
        "invalid_function_parameters",
        "tools[2].parameters",
        "invalid_request_error",
    )
    assert error.upstream.message is not None
    assert error.upstream.message.startswith("Invalid schema for function 'clinical_trials'")


@pytest.mark.parametrize(
    ("source", "text"),
    [
        # Constructed in the shape passport's Google profile prints: JSON that is not an error.
        (
            "constructed: a concatenated profile",
            "  _raw: '{\\n' +\n    '  \"sub\": \"1003\",\\n' +\n    '  \"email_verified\": true\\n' +\n    '}',",
        ),
        # Constructed: concatenated literals that hold no JSON at all.
        ("constructed: plain strings", "text: 'first line\\n' +\n    'second line'"),
        # Constructed: an unterminated literal.
        ("constructed: unterminated", "responseBody: '{\\n' +\n    '  \"error\": {"),
    ],
)
def test_concatenations_that_are_not_an_error_body_stay_plain_text(source: str, text: str) -> None:
    error = parse_error(text, status=400)
    assert error.upstream is None, source


def test_the_unwrap_is_bounded_on_a_long_run_of_literals() -> None:
    """Constructed: a log of many concatenated literals (none an error) is read in bounded time."""
    text = " +\n".join(f"'line {i} {{\\n'" for i in range(4000))
    start = time.process_time()
    error = parse_error(text, status=400)
    assert error.upstream is None
    assert time.process_time() - start < 1.0


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # Another field's dictionary error is not a tool_use input (constructed on the same path shape).
        (
            "constructed: a content block, not a tool_use input",
            400,
            "messages.1.content.0.image.source: Input should be a valid dictionary",
            "not cause.tool-arguments-invalid",
        ),
        # A tool result that takes no images is not a model without vision (constructed).
        (
            "constructed: tool results, not the model",
            400,
            "Tool results do not support images",
            "not cause.model-no-vision",
        ),
        # Gemini's unknown name in a message part stays the message-part family's.
        (
            "https://github.com/gera2ld/ai.nvim/issues/13",
            400,
            '{"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \\"role\\" at '
            '\'contents[0].parts\': Cannot find field.","status":"INVALID_ARGUMENT"}}',
            "not cause.tool-schema-invalid",
        ),
        # zod's enum refusal of another value names no parameter called "enum" (and no role).
        (
            "constructed: zod's enum sentence for a response format",
            400,
            "Invalid enum value. Expected 'text' | 'json_object', received 'json_schema'",
            None,
        ),
        # A gateway failing to decode its own upstream's answer names no request field.
        (
            "https://github.com/songquanpeng/one-api/issues/1948",
            400,
            '{"message": "json: cannot unmarshal string into Go struct field Error.Response.Error.Code of type int", '
            '"model": "hunyuan-lite", "success": false, "time": 0}',
            None,
        ),
        # A client's own decoder (go-openai reading a schema) is not Ollama's format refusal.
        (
            "https://github.com/sashabaranov/go-openai/issues/884",
            400,
            "json: cannot unmarshal object into Go struct field ChatCompletionResponseFormatJSONSchema.response_format."
            "json_schema.schema of type json.Marshaler",
            None,
        ),
        # A nested function object's missing name is not the Responses API's flat-name sentence.
        (
            "https://github.com/bolna-ai/bolna/issues/144",
            400,
            "Missing required parameter: 'tools[0].function'.",
            "cause.tool-schema-invalid",
        ),
    ],
)
def test_the_round_thirteen_families_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)
