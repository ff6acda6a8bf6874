"""Structural recognisers (toolguard_core.causes.STRUCTURAL, issue #10): family phrases that name a
root cause in text no catalogue sentence was written from, ranked below the sentences and the codes.

Table-driven over real texts (each cites its thread; none is from the probe set, which measures the
recognisers and must stay unseen). A row asserts the whole recognition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from toolguard_core.causes import (
    CAUSES_BY_ID,
    PARAM_CAUSES,
    STRUCTURAL,
    Constraint,
    _prepare,
    _recognise_structural,
    recognise,
    recognise_error,
)
from toolguard_core.upstream_errors import UpstreamError, parse_error

REFINED = {
    "cause.extra-request-field": {"cause.extra-message-field", "cause.param-unsupported"},
    "cause.param-unsupported": set(PARAM_CAUSES.values()),
}


@pytest.mark.parametrize(("cause_id", "wording"), STRUCTURAL, ids=lambda v: v if isinstance(v, str) else "")
def test_every_structural_recogniser_is_sourced_and_matches_its_real_text(cause_id, wording) -> None:  # type: ignore[no-untyped-def]
    assert cause_id in CAUSES_BY_ID
    assert wording.source.startswith("https://") and wording.example
    assert wording.pattern.search(_prepare(wording.example)), wording.example
    # Alone (without the catalogue's sentences), the recognisers give the example its cause (or the
    # cause its extracted name refines it to: a field under messages is a message field).
    found = _recognise_structural(wording.example, None, (), fallback_param=None)
    assert found is not None and found.cause_id in {cause_id, *REFINED.get(cause_id, ())}, wording.example


@dataclass(frozen=True)
class Row:
    source: str
    body: str
    cause: str
    rule: str | None
    values: dict[str, str] = field(default_factory=dict)
    constraint: Constraint | None = None
    provider: str | None = None


ROWS = [
    # OpenAI's older JSON-schema request validator: the rejected key and the message it sat in.
    Row("https://github.com/adamrushy/OpenAISwift/pull/122",
        '{"error": {"message": "Additional properties are not allowed (\'id\' was unexpected) - \'messages.0\'", '
        '"type": "invalid_request_error", "param": null, "code": null}}',
        "cause.extra-message-field", "roles.unknown-message-key",
        {"path": "messages.0.id", "index": "0", "field": "id"}, Constraint("message_field", "id")),
    Row("https://github.com/microsoft/azurechat/issues/503",
        "BadRequestError: 400 Additional properties are not allowed ('parsed', 'refusal' were unexpected) - "
        "'messages.2'",
        "cause.extra-message-field", "roles.unknown-message-key",
        {"path": "messages.2.parsed", "index": "2", "field": "parsed"}, Constraint("message_field", "parsed")),
    # vLLM's VLLMValidationError names the parameter and value in "(parameter=…, value=…)".
    Row("https://github.com/vllm-project/vllm/pull/31870",
        '{"error": {"message": "Requested sample logprobs of 25, which is greater than max allowed: 20 '
        '(parameter=logprobs, value=25)", "type": "BadRequestError", "param": "logprobs", "code": 400}}',
        "cause.param-value-unsupported", None, {"param": "logprobs", "value": "25"},
        Constraint("value", "logprobs", "25")),
    Row("https://github.com/vllm-project/vllm/pull/31870",
        '{"error": {"message": "temperature must be non-negative, got -1.0.", "type": "BadRequestError", '
        '"param": "temperature", "code": 400}}',
        "cause.param-value-unsupported", None, {"param": "temperature"}, Constraint("param", "temperature")),
    # Gemini's per-minute limit in OpenAI's quota sentence: a rate limit, not billing.
    Row("https://github.com/google-gemini/gemini-cli/issues/8437",
        "Generate error: 429 RESOURCE_EXHAUSTED. {'error': {'code': 429, 'message': 'You exceeded your current "
        "quota, please check your plan and billing details. For more information on this error, head to: "
        "https://ai.google.dev/gemini-api/docs/rate-limits.', 'status': 'RESOURCE_EXHAUSTED'}}",
        "cause.rate-limit", None, provider="gemini"),
    # OpenAI's billing quota stays a quota.
    Row("https://github.com/dev-hato/hato-bot/pull/4552",
        "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please "
        "check your plan and billing details. For more information on this error, read the docs: "
        "https://platform.openai.com/docs/guides/error-codes/api-errors.', 'type': 'insufficient_quota', "
        "'param': None, 'code': 'insufficient_quota'}}",
        "cause.quota", None),
    # OpenAI's rate-limit sentence sends the user to billing ("add a payment method"): still a rate limit.
    Row("https://github.com/nextai-translator/nextai-translator/issues/15",
        "Rate limit reached for default-gpt-3.5-turbo in organization org-MnYDCjjkmogNTOZelkmrrb6G on requests "
        "per min. Limit: 20 / min. Current: 30 / min. Contact support@openai.com if you continue to have "
        "issues. Please add a payment method to your account to increase your rate limit. Visit "
        "https://platform.openai.com/account/billing to add a payment method.",
        "cause.rate-limit", None, {"model": "default-gpt-3.5-turbo"}),
    # Cerebras's schema-keyword rejection: the response_format cause, but not the "word json" rule.
    Row("https://github.com/musistudio/claude-code-router/issues/708",
        '{"message":"Unsupported JSON schema fields: {\'minItems\', \'items\'}","type":"invalid_request_error",'
        '"param":"response_format","code":"wrong_api_format"}',
        "cause.response-format-invalid", None, {"value": "{'minItems', 'items'}"}, provider="cerebras"),
    # A Responses parameter sent where it moved.
    Row("https://github.com/cline/cline/issues/5419",
        "400 Unsupported parameter: 'messages'. In the Responses API, this parameter has moved to 'input'.",
        "cause.wrong-endpoint", "responses.chat-body"),
    # "'response_format' of type 'json_object' is not supported with this model" is the JSON mode, not a
    # parameter named json_object (the generic "X is not supported with this model" sentence).
    Row("https://github.com/MicrosoftDocs/azure-docs/issues/120112",
        "Invalid parameter: 'response_format' of type 'json_object' is not supported with this model.",
        "cause.model-no-json-mode", None, {}, Constraint("value", "response_format", "json_object")),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.source.rsplit("/", 2)[-2] + "-" + r.cause)
def test_real_texts_give_cause_rule_values_and_constraint(row: Row) -> None:
    found = recognise_error(parse_error(row.body, status=400), provider=row.provider)
    assert found is not None, row.source
    assert (found.cause_id, found.rule_id, dict(found.values), found.constraint) == (
        row.cause,
        row.rule,
        row.values,
        row.constraint,
    ), row.source


def test_a_catalogue_sentence_wins_over_a_family_phrase() -> None:
    # "Unsupported parameter: 'max_tokens' ... Use 'max_completion_tokens'" is a catalogue sentence
    # (cause.max-tokens-not-supported); the structural "unsupported parameter: X" must not take it.
    text = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
    found = recognise(text)
    assert found is not None and found.cause_id == "cause.max-tokens-not-supported"
    assert found.wording.pattern.pattern not in {w.pattern.pattern for _, w in STRUCTURAL}


def test_an_error_code_wins_over_a_family_phrase() -> None:
    # A gateway that rewrote the message into something rate-limit-like but kept OpenAI's code.
    error = UpstreamError(
        message="too many requests in the queue", code="context_length_exceeded", shape="openai"
    )
    found = recognise_error(error)
    assert found is not None and found.cause_id == "cause.context-length-exceeded"


def test_the_flows_own_rule_is_picked_for_the_cerebras_sentence() -> None:
    body = (
        '{"message":"Unsupported JSON schema fields: {\'minItems\', \'items\'}","type":"invalid_request_error",'
        '"param":"response_format","code":"wrong_api_format"}'
    )
    found = recognise_error(
        parse_error(body, status=400), finding_rules=("tools.schema-keyword-unsupported",)
    )
    assert found is not None and (found.cause_id, found.rule_id) == (
        "cause.response-format-invalid",
        "tools.schema-keyword-unsupported",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Request contains an invalid argument.",  # Gemini's bare INVALID_ARGUMENT names nothing
        "Invalid API parameter, please check the documentation.",
        "exception parsing response",
        # DashScope's double complaint names no single cause (corpus label cause.unknown).
        "Role must be user or assistant and Content length must be greater than 0",
    ],
)
def test_texts_that_name_nothing_stay_unrecognised(text: str) -> None:
    assert recognise(text) is None
