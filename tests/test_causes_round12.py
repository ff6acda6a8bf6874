"""Issue #10, probe round 12: families for the kinds of rejection the round's untouched misses showed
no tier reads (docs/errors.md "Generalisation"), ranked after every other family so nothing named
before changes:

* new-api's own account words ("用户额度不足, 剩余额度: ..."), relayed under a 403 the status tier
  read as a credential problem: a quota;
* Vertex AI's "Not allowed to use Publisher Model" (a partner model not enabled for the project);
* Google's quota metrics that name a per-minute window: a rate limit, not an exhausted quota;
* "expected an integer, but got ..." in the words typed validators print (OpenAI, Volcengine): a
  parameter of the wrong JSON type, the parameter read where the text names it;
* pydantic's missing item at a message's content (``'loc': ['body', 'messages', 2, 'content']``);
* DashScope's "you must provide a messages parameter": a body without messages;
* Baidu Qianfan's credential messages (error codes 13 and 14 of its reference) outside its envelope.

The rows quote public threads outside the probe set (which keeps measuring these families unseen)
and Baidu's reference; a row fails on any difference in the cause, the rule, the values read, the
constraint or the wording's provider.
"""

from __future__ import annotations

import pytest
from support.recognition import CauseRow as Row
from support.recognition import assert_neighbour_cause, whole_recognition

from toolguard_core.causes import STRUCTURAL, Constraint

ROWS = [
    Row(
        "https://github.com/QuantumNous/new-api/issues/6306",
        403,
        "用户额度不足, 剩余额度: ¥0.000000",
        "cause.quota",
        None,
        "new-api",
    ),
    Row(
        "https://github.com/continuedev/continue/issues/4392",
        None,
        "Codestral Not allowed to use Publisher Model in the VertexAI",
        "cause.model-not-found",
        None,
        "vertex",
    ),
    Row(
        "https://github.com/GoogleCloudPlatform/Open_Data_QnA/issues/61",
        None,
        "google.api_core.exceptions.ResourceExhausted: 429 Quota exceeded for "
        "aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model with base "
        "model: gemini-pro. Please submit a quota increase request. "
        "https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai.",
        "cause.rate-limit",
        None,
        "vertex",
    ),
    Row(
        "https://github.com/microsoft/autogen/issues/6788",
        422,
        "openai.UnprocessableEntityError: Error code: 422 - {'detail': [{'type': 'missing', 'loc': ['body', "
        "'messages', 2, 'content'], 'msg': 'Field required', 'input': {'role': 'assistant', 'tool_calls': "
        "[{'id': 'call_v3KmocuVBPqIV8QilBkZR5SH', 'function': {'arguments': '{\"number\": 5}', 'name': "
        "'increment_number'}, 'type': 'function'}]}}]}",
        "cause.empty-content",
        None,
        "pydantic",
    ),
    Row(
        "https://github.com/InternLM/MindSearch/issues/307",
        400,
        '{"error":{"code":"missing_required_parameter","param":"message","message":"you must provide a messages '
        'parameter","type":"invalid_request_error"},"request_id":"chatcmpl-a421315e-56ce-9088-b5bb-2f26c57f594b"}',
        "cause.messages-missing",
        "messages.missing",
        "generic",
    ),
    # Baidu's reference messages (https://ai.baidu.com/ai-doc/WENXINWORKSHOP/tlmyncueh), as the qianfan
    # SDK prints them outside the {"error_code", "error_msg"} envelope.
    Row(
        "https://ai.baidu.com/ai-doc/WENXINWORKSHOP/tlmyncueh",
        None,
        "IAM Certification failed",
        "cause.auth",
        None,
        "qianfan",
    ),
    Row(
        "https://ai.baidu.com/ai-doc/WENXINWORKSHOP/tlmyncueh",
        None,
        "Get service token failed",
        "cause.auth",
        None,
        "qianfan",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.body[:40])
def test_round_twelve_families_name_the_cause(row: Row) -> None:
    assert whole_recognition(row.body, row.status) == row.expected()


def _family(source: str):  # type: ignore[no-untyped-def]
    return next(wording for _, wording in STRUCTURAL if wording.source == source)


def test_the_type_family_reads_the_parameter_the_text_names() -> None:
    """The family's own source is named by OpenAI's sentence first; alone, the family reads the
    parameter and builds the constraint a later request is checked for."""
    wording = _family("https://github.com/diffbot/code-gpt-docs/issues/273")
    match = wording.pattern.search(wording.example)
    assert match is not None and match.group("param") == "max_tokens"
    assert wording.constraint is not None
    assert wording.constraint.build({"param": "max_tokens"}) == Constraint(kind="param", name="max_tokens")


@pytest.mark.parametrize(
    ("source", "text"),
    [
        # A bound is not a type ("Expected an array with minimum length 1, but got an empty array").
        (
            "https://github.com/marimo-team/marimo/issues/5493",
            "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        ),
        # A value that is not a data URL is not a type either.
        (
            "https://github.com/Alibaba-NLP/OmniSearch/issues/3",
            "Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,...'), "
            "but got a value without the 'data:' prefix.",
        ),
        # Constructed: a null content is an empty content (the family stays off a message's content).
        ("constructed", 'expected string, received null at "params.messages[3].content"'),
    ],
)
def test_the_type_family_leaves_bounds_and_contents_alone(source: str, text: str) -> None:
    wording = _family("https://github.com/diffbot/code-gpt-docs/issues/273")
    assert wording.pattern.search(text) is None, source


def test_the_window_family_claims_no_per_day_quota() -> None:
    """Constructed: Google's per-day metric is not a per-minute window (other families may still read
    it; this one does not claim it)."""
    wording = _family("https://github.com/GoogleCloudPlatform/Open_Data_QnA/issues/61")
    text = (
        "Quota exceeded for quota metric 'Generate Content API requests per day' and limit 'GenerateContent'"
    )
    assert wording.pattern.search(text) is None
    assert wording.pattern.search(wording.example) is not None


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # A key restricted to other models: round 22's access-refusal convention names the model it may not
        # use (cause.model-not-found), never a balance.
        (
            "https://github.com/winfunc/opcode/issues/358",
            401,
            '{"error":{"message":"key not allowed to access model. This key can only access models=[\'gpt-5\']. '
            'Tried to access claude-sonnet-4-20250514","type":"key_model_access_denied","param":"model","code":"401"}}',
            "cause.model-not-found",
        ),
        # A balance that is shown, not refused, names nothing.
        ("constructed: new-api's balance line alone", None, "剩余额度: ¥12.5", None),
        # A missing item elsewhere than a message's content is not an empty content.
        (
            "https://github.com/microsoft/teams-sdk/issues/925",
            400,
            "Error: 400 1 validation error for Request\nbody -> tool_outputs -> 0 -> tool_call_id\n  field required "
            "(type=value_error.missing)",
            "not cause.empty-content",
        ),
    ],
)
def test_the_round_twelve_families_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)
