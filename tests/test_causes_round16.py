"""Issue #10, probe round 16 (terse hosted-provider refusals as SDKs and agent CLIs print them;
docs/errors.md "Generalisation"): what a thin sentence's structured fields still say, and three terse
families with sources outside the probe set.

* a ``param`` that holds the sentence is read as one (Xiaomi MiMo answers ``"message": "Param
  Incorrect"`` and puts the explanation in ``param``, nyroway/nyro#131); such a param is never taken
  for a parameter's name;
* Google's ``details[].ErrorInfo.reason`` (google/api/error_reason.proto) names an account-level cause
  when the sentence is vague, and refines the status string beside it (``BILLING_DISABLED`` under
  ``PERMISSION_DENIED`` is money, not a credential);
* Vertex AI's "Unable to submit request because it must include at least one parts field" / "has an
  empty text parameter" (an empty turn), Anthropic's "messages: at least one message is required", and
  Gemini's refusal of tools with a JSON response mime type in any client's words ("Tool use", not only
  "Forced function calling (ANY mode)").

A row fails on any difference in the cause, the rule, the values read, the constraint, the wording's
provider or the tier that named it.
"""

from __future__ import annotations

import pytest
from support.recognition import assert_neighbour_cause, whole_recognition

from toolguard_core.causes import ERROR_INFO_REASONS, _texts
from toolguard_core.upstream_errors import parse_error

_ERROR_INFO = (
    '{{"error": {{"code": {code}, "message": "{message}", "status": "{status}", "details": [{{"@type": '
    '"type.googleapis.com/google.rpc.ErrorInfo", "reason": "{reason}", "domain": "googleapis.com"}}]}}}}'
)

ROWS = [
    # nyroway/nyro#131: MiMo's envelope relayed to Claude Code; the sentence is in `param`.
    (
        "https://github.com/nyroway/nyro/issues/131",
        400,
        '{"error":{"code":"400","message":"Param Incorrect","param":"The reasoning_content in the thinking '
        'mode must be passed back to the API.","type":""}}',
        (
            "cause.thinking-block-missing",
            "quirks.deepseek-reasoning-content-missing",
            {},
            None,
            "deepseek",
            "message",
        ),
    ),
    # google-gemini/gemini-cli#5831: Code Assist with an invalid project; only the reason says so.
    (
        "https://github.com/google-gemini/gemini-cli/issues/5831",
        400,
        '[API Error: [{"error": {"code": 400, "message": "Invalid resource field value in the request.", '
        '"errors": [{"message": "Invalid resource field value in the request.", "domain": "global", "reason": '
        '"invalidParameter"}], "status": "INVALID_ARGUMENT", "details": [{"@type": '
        '"type.googleapis.com/google.rpc.ErrorInfo", "reason": "RESOURCE_PROJECT_INVALID", "domain": '
        '"googleapis.com", "metadata": {"service": "cloudaicompanion.googleapis.com"}}]}}]]',
        ("cause.auth", None, {}, None, "google", "code"),
    ),
    # Billing off under PERMISSION_DENIED (constructed in Google's documented shape): the reason decides.
    (
        "constructed: ErrorInfo BILLING_DISABLED under PERMISSION_DENIED",
        403,
        _ERROR_INFO.format(
            code=403,
            message="This API method requires billing to be enabled.",
            status="PERMISSION_DENIED",
            reason="BILLING_DISABLED",
        ),
        ("cause.quota", None, {}, None, "google", "code"),
    ),
    # agno-agi/agno#5843, FoundationAgents/OpenManus#876: a Vertex turn with nothing in it.
    (
        "https://github.com/agno-agi/agno/issues/5843",
        400,
        'Gemini (Vertex AI) Error 400: "Unable to submit request because it must include at least one parts field',
        ("cause.empty-content", None, {}, None, "vertex", "message"),
    ),
    (
        "https://github.com/FoundationAgents/OpenManus/pull/876",
        400,
        "API error: Error code: 400 - [{'error': {'code': 400, 'message': 'Unable to submit request because it "
        "has an empty text parameter. Add a value to the parameter and try again. Learn more: "
        "https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini', 'status': "
        "'INVALID_ARGUMENT'}}]",
        ("cause.empty-content", None, {}, None, "vertex", "message"),
    ),
    # langchain-ai/langchain#31657: only system messages, which the SDK moves to `system`.
    (
        "https://github.com/langchain-ai/langchain/issues/31657",
        400,
        "Error code: 400 - {'type': 'error', 'error': {'type': 'invalid_request_error', 'message': 'messages: "
        "at least one message is required'}}",
        ("cause.messages-missing", "messages.missing", {}, None, "anthropic", "message"),
    ),
    # snailyp/gemini-balance#264: Gemini CLI through a key pool; the tool part called "Tool use".
    (
        "https://github.com/snailyp/gemini-balance/issues/264",
        400,
        '{"error": {"code": 400, "message": "Tool use with a response mime type: \'application/json\' is '
        'unsupported", "status": "INVALID_ARGUMENT"}}',
        ("cause.tools-with-json-mode", None, {}, None, "gemini", "message"),
    ),
]


@pytest.mark.parametrize(("source", "status", "body", "expected"), ROWS, ids=lambda v: str(v)[:40])
def test_round_sixteen_names_the_cause(
    source: str, status: int | None, body: str, expected: tuple[object, ...]
) -> None:
    assert whole_recognition(body, status, tier=True) == expected, source


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # A field path in `param` is still the parameter a wording falls back to, not a sentence.
        (
            "https://github.com/langgenius/dify/issues/18971",
            400,
            "{'error': {'message': \"Unsupported parameter: 'stop' is not supported with this model.\", 'type': "
            "'invalid_request_error', 'param': 'stop', 'code': 'unsupported_parameter'}}",
            "cause.param-unsupported",
        ),
        # MiMo's refusal with only a path in `param`, or none, names nothing (constructed; probe-m031's text).
        (
            "constructed: Param Incorrect with a path",
            400,
            '{"error":{"code":"400","message":"Param Incorrect","param":"messages[2]","type":""}}',
            None,
        ),
        (
            "https://github.com/zhukunpenglinyutong/jetbrains-cc-gui/issues/1225",
            400,
            "API Error: 400 Param Incorrect",
            None,
        ),
        # The message still wins over a sentence in `param` (constructed).
        (
            "constructed: a message that names its own cause",
            400,
            '{"error":{"message":"Unsupported parameter: \'stop\' is not supported with this model.",'
            '"param":"The reasoning_content in the thinking mode must be passed back to the API."}}',
            "cause.param-unsupported",
        ),
        # A `reason` outside an ErrorInfo (the legacy `errors[]` list) and an unread reason name nothing.
        (
            "https://github.com/google-gemini/gemini-cli/issues/19062",
            None,
            '{"error": {"code": 400, "message": "Request contains an invalid argument.", "errors": [{"message": '
            '"Request contains an invalid argument.", "domain": "global", "reason": "badRequest"}], "status": '
            '"INVALID_ARGUMENT"}}',
            None,
        ),
        (
            "constructed: RESOURCE_QUOTA_EXCEEDED is not read (buckets and daily caps alike)",
            None,
            _ERROR_INFO.format(
                code=400,
                message="Invalid request.",
                status="INVALID_ARGUMENT",
                reason="RESOURCE_QUOTA_EXCEEDED",
            ),
            None,
        ),
        # Vertex's other "Unable to submit request because ..." sentences keep their causes; the empty
        # `contents` list is not claimed (its one source is a probe row).
        (
            "https://github.com/spring-projects/spring-ai/issues/1373",
            400,
            "Unable to submit request because function parameters schema should be of type OBJECT. Learn more: "
            "https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/function-calling",
            "cause.tool-schema-invalid",
        ),
        (
            "constructed: an empty contents list",
            None,
            "Unable to submit request because at least one contents field is required.",
            None,
        ),
        # Anthropic's other messages sentences keep theirs.
        (
            "https://github.com/danny-avila/LibreChat/issues/3372",
            400,
            '400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.1: all messages must '
            'have non-empty content except for the optional final assistant message"}}',
            "cause.empty-content",
        ),
        # The mime-type family is about JSON output with tools, not a media type (constructed).
        (
            "constructed: an image mime type",
            None,
            "Unsupported MIME type: image/heic",
            "not cause.tools-with-json-mode",
        ),
        (
            "https://github.com/vercel/ai/pull/16540",
            400,
            "Forced function calling (ANY mode) with a response mime type: 'application/json' is unsupported",
            "cause.tools-with-json-mode",
        ),
    ],
)
def test_the_round_sixteen_changes_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


def test_a_param_is_prose_only_with_four_words_or_more() -> None:
    """A path never has whitespace; a sentence is read as a message and is nobody's parameter name."""
    for param, prose in (
        ("messages[9].tool_calls[0].function.name", False),
        ("text.format", False),
        ("prompt cache key", False),
        ("messages[2] assistant content must contain at least one part", True),
    ):
        error = parse_error(f'{{"error": {{"message": "Param Incorrect", "param": "{param}"}}}}', status=400)
        texts = _texts(error.chain())
        assert (texts[0][1] is None) is prose, param
        assert ((param, None) in texts) is prose, param


def test_every_error_info_reason_is_google_s_and_named_once() -> None:
    reasons = [wording.example for _, wording in ERROR_INFO_REASONS]
    assert len(reasons) == len(set(reasons))
    assert all(wording.provider == "google" and wording.on == "code" for _, wording in ERROR_INFO_REASONS)
    assert "RESOURCE_QUOTA_EXCEEDED" not in reasons
