"""Issue #10, precision pass: a wrong root cause is worse than none. Four mechanisms that stopped
naming wrong causes on probe round 9 (docs/errors.md "Generalisation", precision pass):

* ``PARAM_CAUSES`` refines a model-scoped refusal into "a sampling parameter sent to a reasoning
  model" only for the knobs whose refusal is the reasoning models' signature (temperature, top_p,
  the penalties); ``logprobs`` is refused by non-reasoning models too (Gemini), so it names the
  coarser true cause, an unsupported parameter;
* the status-alone guess is withdrawn when the text plainly says a cause of another kind (billing,
  a credential, a validation refusal, an unknown model name);
* OpenAI's "Unsupported value: 'x' is not supported with the 'm' model" is a refused value, never
  the parameter 'x';
* Groq's "property 'x' is unsupported" says unsupported, not unknown: a generation parameter named
  there is ``cause.param-unsupported`` (as NVIDIA's "Unsupported parameter(s)").

Real texts from public threads, none of them a probe row's thread (the probe set measures these and
stays unseen), or development rows by id; each row asserts the whole recognition (cause, rule,
values, which wording's provider named it) or that nothing is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from support.recognition import named

from toolguard_core.causes import STATUS_ONLY, recognise_error
from toolguard_core.upstream_errors import parse_error


@dataclass(frozen=True)
class Row:
    source: str
    provider: str
    status: int | None
    body: str
    #: (cause, rule, wording provider, values), or None when nothing may be named.
    expected: tuple[str, str | None, str, dict[str, str]] | None = None
    note: str = field(default="")


ROWS = [
    # -- logprobs refused by a non-reasoning model: the parameter, not a reasoning model.
    Row(
        "https://github.com/BerriAI/litellm/issues/7248",
        "gemini",
        400,
        '{"error":{"code":400,"message":"Logprobs is not supported for the current model.",'
        '"status":"INVALID_ARGUMENT"}}',
        ("cause.param-unsupported", "params.unsupported-for-model", "generic", {"param": "logprobs"}),
    ),
    # negative: top_p refused "with this model" is still the reasoning models' signature (dev a-0236).
    Row(
        "https://github.com/microsoft/vscode/issues/282170",
        "copilot",
        400,
        '{"error":{"message":"Unsupported parameter: \'top_p\' is not supported with this model.",'
        '"code":"invalid_request_body"}}',
        ("cause.sampling-on-reasoning-model", "params.unsupported-for-model", "groq", {"param": "top_p"}),
    ),
    # -- the status alone, withdrawn when the text says another kind of cause.
    Row(
        "https://github.com/666ghj/BettaFish/issues/498",
        "aihubmix",
        403,
        "Error code: 403 - {'error': {'message': 'Your account balance is insufficient. Please recharge your "
        "account to continue using the API. (tid: 2025121504014619744820954697486)', 'type': "
        "'Aihubmix_api_error', 'param': '', 'code': 'insufficient_user_quota'}}",
        ("cause.quota", None, "new-api", {}),
        # Round 13 (causes10) gave the catalogue new-api's code; before, the status guess was withdrawn to none.
        "billing, not auth",
    ),
    Row(
        "https://github.com/QuantumNous/new-api/issues/6773",
        "new-api",
        500,
        "field messages is required",
        ("cause.messages-missing", "messages.missing", "new-api", {}),
        # Round 10 gave the catalogue this cause; before, the status guess was withdrawn to none.
        "a validation refusal, not a server bug (dev b-0105)",
    ),
    # negative: a text saying nothing else keeps the status guess (dev b-0072); the path it echoes
    # repeats its suffix, so the rule is the doubled path (precision pass 2).
    Row(
        "https://github.com/CosmosShadow/gptpdf/issues/39",
        "zhipu",
        404,
        "{'timestamp': '2024-07-25T07:03:07.620+00:00', 'status': 404, 'error': 'Not Found', "
        "'path': '/v4/chat/completions/chat/completions'}",
        ("cause.wrong-endpoint", "endpoint.doubled-path", STATUS_ONLY, {"status": "404"}),
    ),
    # -- a refused value is not a parameter.
    Row(
        "https://github.com/microsoft/vscode/issues/301045",
        "copilot",
        400,
        '{"error":{"message":"Unsupported value: \'xhigh\' is not supported with the \'gpt-5-mini\' model. '
        "Supported values are: 'minimal', 'low', 'medium', and 'high'.\",\"code\":\"invalid_request_body\"}}",
        ("cause.param-value-unsupported", None, "openai", {"value": "xhigh", "model": "gpt-5-mini"}),
    ),
    # negative: a parameter "not supported with this model" is still the parameter.
    Row(
        "https://github.com/0xPlaygrounds/rig/issues/1134",
        "groq",
        400,
        "`reasoning_format` is not supported with this model",
        ("cause.param-unsupported", "params.unsupported-for-model", "groq", {"param": "reasoning_format"}),
    ),
    # -- Groq's "is unsupported": a generation parameter is an unsupported parameter ...
    Row(
        "https://github.com/anomalyco/opencode/issues/6648",
        "cerebras",
        None,
        "body.maxTokens: property 'body.maxTokens' is unsupported\nbody.thinking: property 'body.thinking' "
        "is unsupported",
        (
            "cause.param-unsupported",
            "params.unknown",
            "groq",
            {"path": "maxTokens", "field": "maxTokens", "param": "max_tokens"},
        ),
    ),
    # ... and any other key stays an extra request field (the wording's own example).
    Row(
        "https://github.com/fanenr/chatbot/issues/21",
        "groq",
        400,
        "property 'store' is unsupported, did you mean 'stop'?",
        ("cause.extra-request-field", "params.unknown", "groq", {"path": "store", "field": "store"}),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.source.rsplit('/', 2)[-2]}-{r.status}")
def test_precision_rows(row: Row) -> None:
    assert named(row.body, row.status, row.provider) == row.expected


@pytest.mark.parametrize(
    ("body", "status", "content_type"),
    [
        # Anthropic's 413 (https://docs.anthropic.com/en/api/errors), as Claude Code got it (walkthrough6)
        (
            '{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum '
            'allowed number of bytes."},"request_id":"req_011CVt"}',
            413,
            "application/json",
        ),
        # a proxy's own 413 page: the status alone
        ("<html><head><title>413 Request Entity Too Large</title></head></html>", 413, "text/html"),
    ],
)
def test_a_body_over_the_byte_limit_is_not_fixed_by_lowering_max_tokens(
    body: str, status: int, content_type: str
) -> None:
    recognition = recognise_error(
        parse_error(body, status=status, content_type=content_type), provider="anthropic", status=status
    )
    assert recognition is not None
    fix = recognition.summary()["fix"]
    assert (recognition.cause_id, "not tokens" in fix, "lowering max_tokens does not help" in fix) == (
        "cause.request-too-large",
        True,
        True,
    )
