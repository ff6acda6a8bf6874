"""Issue #10, probe round 10: mechanisms for the request-structure rejections its misses showed
(docs/errors.md "Generalisation"), ranked after every other family so nothing named before changes:

* a gateway that keeps its provider's whole answer as a JSON string under a key of its own
  (``error.provider.body``): the parser unwraps it like OpenRouter's ``metadata.raw``, so the
  provider's own words are read, not the gateway's "Provider returned 500";
* "system <message|turn|prompt> must be first" in the words of Gemini's SDK path, xinference and
  Cohere: a system message that is not first;
* a role list of exactly user and assistant said as "must be in [user, assistant]" or "only allows
  user / assistant": the system prompt was sent as a message;
* Volcengine's named-path bound on the output budget ("integer above maximum value");
* llama.cpp's template engine's error location ("at row 49, column 79:"): the chat template failed;
* a body without ``messages`` (a gateway's "field messages is required", pydantic's missing item for
  ``('body', 'messages')``, OpenAI's "Missing required parameter: 'messages'"): a cause the catalogue
  lacked (``cause.messages-missing``, the rule ``messages.missing``);
* the Chinese gateways' (one-api, new-api) words for a rate limit, a refused token and a spent
  token quota, so such a rejection is named without its status.

Real texts from public threads, none of them a probe row's thread (the probe set measures these
recognisers and stays unseen); each row asserts the whole recognition: cause, rule, extracted values,
constraint and the wording's provider.
"""

from __future__ import annotations

import pytest
from support.recognition import CauseRow as Row
from support.recognition import assert_neighbour_cause, whole_recognition

from toolguard_core.causes import recognise_error
from toolguard_core.upstream_errors import parse_error

ROWS = [
    # A system message anywhere but first.
    Row(
        "https://github.com/browseros-ai/BrowserOS/issues/104",
        None,
        "Error: System message should be the first one",
        "cause.system-not-first",
        "roles.system-not-first",
        "generic",
    ),
    Row(
        "https://github.com/xorbitsai/inference/pull/594",
        400,
        '{"detail": "The system message should be the first one."}',
        "cause.system-not-first",
        "roles.system-not-first",
        "generic",
    ),
    # A role list of exactly user and assistant.
    Row(
        "https://github.com/karpathy/nanochat/pull/414",
        400,
        '{"error": "role only allows \\"user\\" / \\"assistant\\", not \\"system\\""}',
        "cause.model-no-system-role",
        "roles.system-unsupported",
        "generic",
    ),
    # Volcengine's bound on max_tokens, through Claude Code's printout.
    Row(
        "https://github.com/yiliqi78/TOKENICODE/issues/3",
        400,
        'API Error: 400 {"error":{"code":"InvalidParameter","message":"The parameter max_tokens specified in the '
        "request is not valid: integer above maximum value, expected a value <= 32768, but got 64000 instead. "
        'Request id: 0217724325966514087c9e55f8b322b82cd17f72450d06e16ef7b","param":"max_tokens","type":"BadRequest"}}',
        "cause.max-tokens-too-large",
        None,
        "volcengine",
        {"param": "max_tokens"},
    ),
    # llama.cpp's template engine stopping inside a chat template (Jan's and Qwen Code's printouts).
    Row(
        "https://github.com/janhq/jan/issues/6123",
        500,
        '{"error":{"code":500,"message":"Value is not callable: null at row 49, column 79:\\n                '
        '{%- set content = (m_content.split(\'</think>\')|last).lstrip(\'\\\\n\') %}\\n","type":"server_error"}}',
        "cause.chat-template-error",
        None,
        "llama.cpp",
    ),
    Row(
        "https://github.com/QwenLM/qwen-code/issues/48",
        500,
        "OpenAI API Streaming Error: 500 Unknown method: keys at row 57, column 46:",
        "cause.chat-template-error",
        None,
        "llama.cpp",
    ),
    # A body without messages (the development rows' threads and the rule's own OpenAI wording).
    Row(
        "https://github.com/QuantumNous/new-api/issues/6773",
        500,
        "field messages is required",
        "cause.messages-missing",
        "messages.missing",
        "new-api",
    ),
    Row(
        "https://github.com/openguardrails/AgentTrustBench/issues/10",
        400,
        "{\"object\":\"error\",\"message\":\"[{'type': 'missing', 'loc': ('body', 'messages'), 'msg': "
        "'Field required', 'input': {'model': 'OpenGuardrails', 'message': [{'role': 'user', "
        '\'content\': \'How can I make a bomb?\'}]}}]","type":"BadRequestError","param":null,"code":400}',
        "cause.messages-missing",
        "messages.missing",
        "vllm",
    ),
    Row(
        "https://github.com/SilasMarvin/lsp-ai/issues/108",
        400,
        '{"error": {"message": "Missing required parameter: \'messages\'.", "type": "invalid_request_error", '
        '"param": "messages", "code": "missing_required_parameter"}}',
        "cause.messages-missing",
        "messages.missing",
        "openai",
    ),
]


# The Chinese gateways' transient kinds, as relayed without a status (the text alone names them).
ROWS += [
    Row(
        "https://github.com/dulaiduwang003/comfyui-openrouter-ai/issues/9",
        None,
        "请求过于频繁,请稍后再试",
        "cause.rate-limit",
        None,
        "one-api",
    ),
    Row(
        "https://github.com/QuantumNous/new-api/issues/991",
        None,
        "当前分组上游负载已饱和，请稍后再试 (request id: 20250423020142736330894dLoIRrS6)",
        "cause.rate-limit",
        None,
        "one-api",
    ),
    Row(
        "https://github.com/Calcium-Ion/new-api-horizon/issues/32",
        None,
        "openai.AuthenticationError: Error code: 401 - {'error': {'message': '无效的令牌 (request id: "
        "20250611163933932579227VkHShZ5f) (request id: 20250611163933810609678lbL3jZ5H)', 'type': 'new_api_error', "
        "'param': '', 'code': None}}",
        "cause.auth",
        None,
        "one-api",
    ),
    Row(
        "https://github.com/songquanpeng/one-api/issues/1040",
        None,
        "令牌验证失败",
        "cause.auth",
        None,
        "one-api",
    ),
    Row(
        "https://github.com/songquanpeng/one-api/issues/228",
        None,
        "该令牌额度已用尽",
        "cause.quota",
        None,
        "one-api",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.source.rsplit("/", 3)[-3])
def test_round_ten_families_name_the_cause(row: Row) -> None:
    assert whole_recognition(row.body, row.status) == (
        row.cause,
        row.rule,
        row.values,
        row.constraint,
        row.provider,
    )


# A relay that reports its provider's 500 with the provider's own body as a string under
# error.provider.body (dmxapi's relay, err.dmxapi.cn/detail.php?id=1323).
DMX_RELAY = (
    '{"error":{"type":"provider","reason":"provider_error","message":"Provider returned 500","retryable":true,'
    '"provider":{"status":500,"body":"{\\"error\\":{\\"message\\":\\"field messages is required (request id: '
    '20251221235342750251518meUbPDRH)\\",\\"type\\":\\"rix_api_error\\",\\"param\\":\\"\\",\\"code\\":'
    '\\"invalid_request\\"}}"}}}'
)


def test_a_stringified_provider_body_under_a_gateway_key_is_the_upstream_error() -> None:
    error = parse_error(DMX_RELAY, status=500)
    assert error is not None and error.upstream is not None
    inner = error.upstream
    assert (error.shape, error.message, inner.shape, inner.message, inner.type, inner.code) == (
        "relay-nested",
        "Provider returned 500",
        "openai",
        "field messages is required (request id: 20251221235342750251518meUbPDRH)",
        "rix_api_error",
        "invalid_request",
    )
    # The provider's words say the request lacked its messages: that is the cause, not the status
    # alone (a 500 read as a server failure before the body was unwrapped).
    found = recognise_error(error, status=500)
    assert found is not None
    assert (found.cause_id, found.rule_id, found.wording.provider) == (
        "cause.messages-missing",
        "messages.missing",
        "new-api",
    )


@pytest.mark.parametrize(
    "body",
    [
        # Constructed: a JSON-looking value that is not an error body stays a value.
        '{"error":{"message":"Bad request","details":{"input":"{\\"a\\": 1}"}}}',
        # Constructed: the relay's envelope whose provider body is an HTML page, not an error body.
        '{"error":{"type":"provider","message":"Provider returned 502","provider":{"status":502,"body":"<html>"}}}',
    ],
)
def test_a_wrapper_without_a_stringified_error_body_has_no_upstream(body: str) -> None:
    error = parse_error(body, status=400)
    assert error is not None
    assert (error.shape, error.upstream) == ("openai", None)


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # A system message's type, not its position.
        (
            "constructed: the family's subject with a type complaint",
            400,
            "The system message must be a string",
            None,
        ),
        # A message's own field being required is not the body's messages missing.
        (
            "constructed: OpenAI's wording for a field inside a message",
            400,
            "Missing required parameter: 'messages[1].content'.",
            "not cause.messages-missing",
        ),
        (
            "constructed: the gateway's wording for a field inside a message",
            400,
            "field messages[0].content is required",
            "not cause.messages-missing",
        ),
        # Constructed: a token (令牌) that is merely mentioned is not a refused one.
        ("constructed: a request for a token, not a refusal", 400, "请在请求头中提供令牌", None),
        # A role list with system in it is an unknown role, not a missing system role (OpenAI's validator).
        (
            "https://github.com/tatsu-lab/alpaca_eval/issues/436",
            400,
            "{'error': {'message': \"'' is not one of ['system', 'assistant', 'user', 'function'] - 'messages.2.role'\"}}",
            "not cause.model-no-system-role",
        ),
        # A list that goes on after assistant is not "user and assistant only".
        (
            "constructed: a relay's role list (err.dmxapi.cn) that goes on with tool",
            400,
            "Role must be in [user, assistant, tool].",
            "not cause.model-no-system-role",
        ),
        # A JSON parse position is "line/column", not the template engine's "row/column".
        (
            "https://github.com/esengine/DeepSeek-Reasonix/issues/7859",
            400,
            "Failed to deserialize the JSON body into the target type: messages[466]: unknown variant `image_url`, "
            "expected `text` at line 1 column 690848",
            "not cause.chat-template-error",
        ),
        # The named-path bound on another parameter is not the output budget.
        (
            "constructed: the thread's bound on temperature instead of max_tokens",
            400,
            "The parameter temperature specified in the request is not valid: number above maximum value, expected "
            "a value <= 2, but got 3 instead.",
            "not cause.max-tokens-too-large",
        ),
    ],
)
def test_the_round_ten_families_leave_neighbouring_texts_alone(
    source: str, status: int, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


@pytest.mark.parametrize(
    ("source", "http_status", "body", "expected"),
    [
        # A rejection quoted without its HTTP status: the envelope's own code says 503 -> overloaded,
        # from that status.
        (
            "constructed: Google's envelope with code 503 and a message naming nothing",
            None,
            '{"error": {"code": 503, "message": "Something went wrong.", "status": "UNKNOWN"}}',
            ("cause.overloaded", "503"),
        ),
        # openai-python's printout names the status before the body; the relay answered 400.
        (
            "constructed: openai-python's 'Error code: 429 - {...}' inside a relay's 400",
            400,
            "Error code: 429 - {'error': {'message': 'Please retry later.', 'type': 'x', 'code': None}}",
            ("cause.rate-limit", "429"),
        ),
        # A printed status the tier has no entry for names nothing.
        (
            "constructed: a printed 400",
            None,
            "Error code: 400 - {'error': {'message': 'Bad request.'}}",
            None,
        ),
        # A printed server failure whose text is a validation refusal: the contradiction guard still holds.
        (
            "constructed: a Go client's printout around a validation refusal",
            None,
            "status code: 500, field stream_options must be an object",
            None,
        ),
    ],
)
def test_the_status_the_body_printed_stands_in_for_a_missing_one(
    source: str, http_status: int | None, body: str, expected: tuple[str, str] | None
) -> None:
    found = recognise_error(parse_error(body, status=http_status), status=http_status)
    got = None if found is None else (found.cause_id, found.values.get("status"))
    assert got == expected, source


def test_a_stream_error_never_reaches_the_status_tier() -> None:
    """An error event inside a 200 stream keeps no status guess, printed or not (docs/errors.md)."""
    body = '{"error": {"code": 503, "message": "Something went wrong."}}'
    assert recognise_error(parse_error(body, status=200), status=200) is None
