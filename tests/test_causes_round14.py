"""Issue #10, probe round 14: what the round's untouched misses showed no tier reads, each written
from threads outside the probe set (which keeps measuring it unseen; docs/errors.md "Generalisation"):

* LM Studio's answer to a path it does not route, "Unexpected endpoint or method. (POST /path)"
  (a wrong endpoint, with the method and path it names);
* the Codex backend's "System messages are not allowed" (the model takes no system message: send
  instructions or a developer message);
* SGLang's "Unsupported tool_call_parser: None" (a server started without a tool parser takes no tools);
* quote tolerance where a family already reads the words: "'tools' is not supported" is a model without
  tools (not a generic unsupported parameter), and "does not support this `tool_choice`" keeps the model
  DeepSeek's sentence names;
* a required field missing, located by its path, when the path is a tool definition's (Anthropic's
  "<path>: Field required", serde's "<path>: missing field `<name>`", Groq's "Value is not nullable");
* a client wrapper not unwrapped: the Vercel AI SDK's ``APICallError`` printed as JSON (opencode's and
  Kilo Code's ``{"name": "APIError", "data": {...}}``) carries the upstream's body in ``responseBody``;
* precision: a retry delay in seconds is a weak rate-limit signal, withdrawn when the same text says the
  request was refused as invalid (``causes.REFUSED_AS_INVALID``, the status tier's rule declared once),
  and a key opened with a quote must be closed by one in the generic unknown-key family (a printout cut
  inside the name names no key).

A row fails on any difference in the cause, the rule, the values read, the constraint or the
wording's provider.
"""

from __future__ import annotations

import json

import pytest
from support.recognition import CauseRow as Row
from support.recognition import assert_neighbour_cause, whole_recognition

from toolguard_core.causes import REFUSED_AS_INVALID, Constraint
from toolguard_core.upstream_errors import parse_error

ROWS = [
    # LM Studio: GET and POST paths alike, in its log line and as a client quoted it.
    Row(
        "https://github.com/SillyTavern/SillyTavern/issues/2849",
        200,
        "[2024-09-14 23:58:13.792] [ERROR] Unexpected endpoint or method. (GET /v1/internal/model/info). "
        "Returning 200 anyway",
        "cause.wrong-endpoint",
        "endpoint.unexpected-path",
        "lmstudio",
        {"method": "GET", "path": "/v1/internal/model/info"},
    ),
    Row(
        "https://github.com/OpenHands/OpenHands/issues/419",
        200,
        "[2024-05-03 18:13:56.284] [ERROR] Unexpected endpoint or method. (POST /v1/api/generate). Returning 200 "
        "anyway",
        "cause.wrong-endpoint",
        "endpoint.unexpected-path",
        "lmstudio",
        {"method": "POST", "path": "/v1/api/generate"},
    ),
    Row(
        "https://github.com/lmstudio-ai/lms/issues/169",
        None,
        "Unexpected endpoint or method. (POST /chat/completions)",
        "cause.wrong-endpoint",
        "endpoint.unexpected-path",
        "lmstudio",
        {"method": "POST", "path": "/chat/completions"},
    ),
    # The Codex backend behind three gateways.
    Row(
        "https://github.com/router-for-me/CLIProxyAPI/issues/4092",
        400,
        '"detail":"System messages are not allowed"',
        "cause.model-no-system-role",
        "roles.system-unsupported",
        "codex",
        constraint=Constraint(kind="role", name="system"),
    ),
    Row(
        "https://github.com/finch-xu/cc-router/issues/33",
        400,
        'error_message: {"detail":"System messages are not allowed"}',
        "cause.model-no-system-role",
        "roles.system-unsupported",
        "codex",
        constraint=Constraint(kind="role", name="system"),
    ),
    Row(
        "https://github.com/james-6-23/codex2api/issues/409",
        400,
        "invalid_request_error · System messages are not allowed",
        "cause.model-no-system-role",
        "roles.system-unsupported",
        "codex",
        constraint=Constraint(kind="role", name="system"),
    ),
    # SGLang without --tool-call-parser.
    Row(
        "https://github.com/sgl-project/sglang/issues/9102",
        400,
        "[2025-08-12 08:24:37] Error in request: Unsupported tool_call_parser: None",
        "cause.model-no-tools",
        None,
        "sglang",
        constraint=Constraint(kind="param", name="tools"),
    ),
    # A tool definition missing a required field, in three validators' words.
    Row(
        "https://github.com/Kilo-Org/kilocode/issues/12238",
        400,
        '{"type":"error","error":{"type":"invalid_request_error","message":"tools.0.custom.input_schema.type: Field '
        'required"},"request_id":"xxx"}',
        "cause.tool-schema-invalid",
        "anthropic.tool-input-schema-missing",
        "anthropic",
        {"path": "tools.0.custom.input_schema.type"},
    ),
    Row(
        "https://github.com/langchain4j/langchain4j-community/issues/389",
        400,
        "Error returned by Chat operation in GenerativeAiInference service.(400, 400, false) Failed to deserialize the "
        "JSON body into the target type: tools[5]: missing field `parameters` at line 1 column 8109",
        "cause.tool-schema-invalid",
        "tools.invalid-definition",
        "oci",
        {"path": "tools[5]", "field": "parameters"},
    ),
    Row(
        "https://github.com/hinthornw/trustcall/issues/19",
        400,
        "BadRequestError: Error code: 400 - {'error': {'message': \"'tools.0.function.description' : Value is not "
        "nullable\", 'type': 'invalid_request_error'}}",
        "cause.tool-schema-invalid",
        "tools.invalid-definition",
        "groq",
        {"path": "tools.0.function.description"},
    ),
    # DeepSeek's sentence, unquoted as its API writes it (the family's source) and in backticks as omp
    # prints it (constructed from the same sentence): the model and the refused form either way.
    Row(
        "https://github.com/deepseek-ai/DeepSeek-R1/issues/836",
        400,
        '{"error":{"message":"deepseek-reasoner does not support this tool_choice","type":"invalid_request_error",'
        '"param":null,"code":"invalid_request_error"}}',
        "cause.tool-choice-unsupported",
        None,
        "deepseek",
        {"model": "deepseek-reasoner"},
        Constraint(kind="tool_choice", name="tool_choice"),
    ),
    Row(
        "constructed: DeepSeek-R1#836's sentence with the parameter in backticks",
        400,
        "400 Error from provider (DeepSeek): deepseek-reasoner does not support this `tool_choice`",
        "cause.tool-choice-unsupported",
        None,
        "deepseek",
        {"model": "deepseek-reasoner"},
        Constraint(kind="tool_choice", name="tool_choice"),
    ),
    # The structural family for a model without tools, with the parameter quoted (constructed from the
    # family's sentence "Tool calling is not supported for model").
    Row(
        "constructed: the tools family's words with the parameter quoted",
        400,
        '{"code":10163,"message":"\'tools\' is not supported for this model"}',
        "cause.model-no-tools",
        None,
        "generic",
        {"param": "tools"},
        Constraint(kind="param", name="tools"),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.body[:40])
def test_round_fourteen_families_name_the_cause(row: Row) -> None:
    assert whole_recognition(row.body, row.status) == row.expected()


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("field messages is required", True),  # new-api#6773
        ("Unsupported parameter: 'stop' is not supported with this model.", True),  # dify#18971
        ("No deployments available for selected model, Try again in 60 seconds.", False),  # litellm#5177
        ("Please retry in 7.967587226s.", False),  # Gemini's quota answer
    ],
)
def test_refused_as_invalid_is_one_rule_for_the_status_tier_and_weak_families(
    text: str, refused: bool
) -> None:
    assert bool(REFUSED_AS_INVALID.search(text)) is refused


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # A retry delay alone is still a limiter's answer (LiteLLM's router; the delay form).
        (
            "https://github.com/BerriAI/litellm/issues/5177",
            None,
            "No deployments available for selected model, Try again in 60 seconds. Passed model=claude-3-haiku.",
            "cause.rate-limit",
        ),
        ("constructed: a bare retry delay", None, "Please try again in 20s.", "cause.rate-limit"),
        # A client's retry loop around a validation refusal is not a rate limit (constructed).
        (
            "constructed: a refusal, then a client's retry",
            None,
            "invalid value: must be positive, retry in 2s",
            None,
        ),
        # A key cut inside its quotes names nothing; a closed one is still the unknown key (constructed).
        ("constructed: a name cut in its quotes", 400, "Unsupported parameter: 'max_t", None),
        (
            "constructed: a quoted unknown key",
            400,
            "Unsupported parameter: 'foo_bar' is unknown",
            "cause.extra-request-field",
        ),
        # An unquoted name still reads as before (the family's source).
        (
            "https://github.com/decolua/9router/issues/2268",
            400,
            "Validation: Unsupported parameter(s): thinking",
            "cause.extra-request-field",
        ),
        # A named tool parser SGLang does not know is not a server without one (constructed).
        ("constructed: another parser name", 400, "Unsupported tool_call_parser: hermes2", None),
        # parallel tool calls refused stay the parallel family's, quoted or not (constructed).
        ("constructed: parallel tools", 400, "parallel 'tools' is not supported", "not cause.model-no-tools"),
        # Another server's "Invalid URL (...)" stays OpenAI's wording, not LM Studio's.
        (
            "https://github.com/OpenHands/OpenHands/issues/485",
            404,
            "Invalid URL (POST /chat/completions)",
            "cause.wrong-endpoint",
        ),
        # A required field at a path that is not a tool's names nothing (Anthropic-compatible, pydantic).
        ("constructed: a top-level field", 400, "max_tokens: Field required", None),
        (
            "constructed: a message's text block",
            400,
            "messages.7.content.0.text.text: Field required",
            "not cause.tool-schema-invalid",
        ),
        # A tool's message in a conversation is not a tool definition (constructed).
        (
            "constructed: a tool message",
            400,
            "messages.2.tools_calls: Field required",
            "not cause.tool-schema-invalid",
        ),
        # A system message refused for its place, not for existing, is not a model without one.
        (
            "constructed: a system message after the first",
            400,
            "System messages are only allowed at the beginning of the conversation",
            "not cause.model-no-system-role",
        ),
    ],
)
def test_the_round_fourteen_families_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


#: Kilo Code's printout of the AI SDK's APICallError (Kilo-Org/kilocode#12238; response headers cut to two).
KILO_API_ERROR = """{
  "name": "APIError",
  "data": {
    "message": "tools.0.custom.input_schema.type: Field required",
    "statusCode": 400,
    "isRetryable": false,
    "responseHeaders": {
      "content-type": "application/json",
      "x-should-retry": "false"
    },
    "responseBody": "{\\"type\\":\\"error\\",\\"error\\":{\\"type\\":\\"invalid_request_error\\",\\"message\\":\\"tools.0.custom.input_schema.type: Field required\\"},\\"request_id\\":\\"xxx\\"}",
    "metadata": {
      "url": "https://api.anthropic.com/v1/messages"
    }
  }
}"""


def test_an_ai_sdk_api_call_error_printed_as_json_is_unwrapped_to_its_response_body() -> None:
    """The AI SDK's responseBody is the upstream's own answer: its shape and type reach the stored error
    (before this round the printout was an unknown shape with only the SDK's message)."""
    error = parse_error(KILO_API_ERROR, status=400)
    assert (error.shape, error.code) == ("relay-nested", 400)
    assert error.upstream is not None
    assert (error.upstream.shape, error.upstream.type, error.upstream.message) == (
        "anthropic",
        "invalid_request_error",
        "tools.0.custom.input_schema.type: Field required",
    )
    assert whole_recognition(KILO_API_ERROR, 400) == (
        "cause.tool-schema-invalid",
        "anthropic.tool-input-schema-missing",
        {"path": "tools.0.custom.input_schema.type"},
        None,
        "anthropic",
    )


def test_the_response_body_names_the_cause_when_the_sdk_message_is_only_the_status_text() -> None:
    """Constructed in the AI SDK's JSON.stringify form (no message: it is not enumerable), around
    dify#18971's OpenAI body: the SDK knew no more than the status, the body says what was refused."""
    body = json.dumps(
        {
            "name": "AI_APICallError",
            "url": "https://api.openai.com/v1/chat/completions",
            "statusCode": 400,
            "isRetryable": False,
            "responseBody": json.dumps(
                {
                    "error": {
                        "message": "Unsupported parameter: 'stop' is not supported with this model.",
                        "type": "invalid_request_error",
                        "param": "stop",
                        "code": "unsupported_parameter",
                    }
                }
            ),
        }
    )
    error = parse_error(body, status=400)
    assert error.upstream is not None and error.upstream.param == "stop"
    found = whole_recognition(body, 400)
    assert found is not None and found[0] == "cause.param-unsupported"


@pytest.mark.parametrize(
    ("source", "data"),
    [
        # A responseBody key in an object that is not an APICallError (none of its other properties).
        ("constructed: a log record", {"level": "error", "responseBody": '{"error":{"message":"x"}}'}),
        # An APICallError whose body is not an error (an HTML page a gateway served).
        ("constructed: an HTML body", {"statusCode": 502, "responseBody": "<html><title>502</title></html>"}),
    ],
)
def test_json_holding_a_response_body_that_is_not_an_api_call_error_is_not_unwrapped(
    source: str, data: dict[str, object]
) -> None:
    assert parse_error(json.dumps(data), status=400).upstream is None, source
