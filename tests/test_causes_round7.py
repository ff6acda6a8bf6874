"""Issue #10, probe round 7: the families its misses and the development misses showed, written to
generalise rather than to fit (docs/errors.md "Generalisation"):

* a parameter's bounds said with numbers ("<param> range is [2, 2048]", "Range of <param> should be
  [1, 8192]", "must be in range (0, +inf)", "range: -1 or 0..1"), whatever the sentence around them,
  for a parameter a request carries in any spelling; the output budget's upper bound is its own cause;
* a rejected value followed by the list the server takes ("invalid <param>: <v> (allowed: a, b)");
* a conversation that must start with a user message (role order in other words than "alternate");
* a cap on requests in flight ("Concurrency limit exceeded", "Too many concurrent requests");
* "<model> is not supported" (a model the server does not serve, not a parameter named "model");
* a model that exists but not on this API, and a path that does not take a POST ("Method Not
  Allowed" as text; the status tier takes 405 alone, RFC 9110).

Real texts from public threads, none of them a probe row's thread (the probe set measures these
recognisers and stays unseen); each row asserts the whole recognition: cause, rule, extracted values,
constraint and which tier named it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from support.recognition import assert_neighbour_cause, whole_recognition

from toolguard_core.causes import Constraint


@dataclass(frozen=True)
class Row:
    source: str
    status: int | None
    body: str
    cause: str
    rule: str | None
    provider: str  # the wording's provider: "generic" for a family, "http-status" for the status tier
    on: str  # which tier: "message" (sentence or family), "code" or "status"
    values: dict[str, str] = field(default_factory=dict)
    constraint: Constraint | None = None


_ALTERNATION = Constraint(kind="role", name="alternation")

ROWS = [
    # Bounds in numbers: the output budget's upper bound (Qianfan via new-api, DashScope twice, one of
    # them inside an event stream).
    Row("https://github.com/QuantumNous/new-api/issues/353", 400,
        "错误：parameter check failed, max_output_tokens range is [2, 2048]",
        "cause.max-tokens-too-large", None, "generic", "message", {"param": "max_output_tokens"}),
    Row("https://github.com/open-webui/open-webui/issues/10507", 400,
        "400: <400> InternalError.Algo.InvalidParameter: Range of max_tokens should be [1, 8192]",
        "cause.max-tokens-too-large", None, "generic", "message", {"param": "max_tokens"}),
    Row("https://github.com/anomalyco/opencode/issues/40770", 200,
        'data: {"error":{"code":"invalid_parameter_error","param":null,"message":"Range of max_tokens should be '
        '[1, 131072]","type":"invalid_request_error"},"id":"chatcmpl-4c782706-981b-4ab6-a38e-3478f7c37a7e"}\n\n',
        "cause.max-tokens-too-large", None, "generic", "message", {"param": "max_tokens"}),
    # Bounds on sampling parameters (GigaChat, Anthropic, DashScope with a capitalised name).
    Row("https://github.com/ai-forever/gigachain/issues/237", 422,
        '{"status":422,"message":"Invalid params: temperature must be in range (0, +inf)"}',
        "cause.param-value-unsupported", None, "generic", "message", {"param": "temperature"}),
    Row("https://github.com/anthropics/anthropic-sdk-python/issues/893", 400,
        '{"type": "error", "error": {"type": "invalid_request_error", "message": "temperature: range: -1 or 0..1"}}',
        "cause.param-value-unsupported", None, "generic", "message", {"param": "temperature"}),
    Row("https://github.com/mnfst/modelparams.dev/pull/232", 400,
        "InternalError.Algo.InvalidParameter: Temperature should be in [0.0, 2.0)",
        "cause.param-value-unsupported", None, "generic", "message", {"param": "temperature"}),
    # A rejected value and the values the server takes (MiniMax through a relay).
    Row("https://github.com/HenriGrimm/Minnow/issues/364", 400,
        'Upstream HTTP 400: {"type":"error","error":{"type":"bad_request_error","message":"Error from provider '
        '(MiniMax): invalid params, invalid thinking.type: \\"enabled\\" (allowed: adaptive, disabled) (2013)",'
        '"http_code":"400"},"request_id":"068a807bc9c47de0db57062e"}',
        "cause.param-value-unsupported", None, "minimax", "message",
        {"param": "thinking.type", "value": "enabled"}, Constraint(kind="value", name="thinking.type", value="enabled")),
    # The first turn must be the user's (Bedrock Converse through three clients).
    Row("https://github.com/langgenius/dify/issues/12340", 400,
        "[bedrock] Error: ValidationException: A conversation must start with a user message. Try again with a "
        "conversation that starts with a user message.",
        "cause.role-order", "roles.alternation", "bedrock", "message", {}, _ALTERNATION),
    Row("https://github.com/quarkiverse/quarkus-langchain4j/issues/1764", 400,
        "ValidationException: A conversation must start with a user message.",
        "cause.role-order", "roles.alternation", "bedrock", "message", {}, _ALTERNATION),
    Row("https://github.com/strands-agents/harness-sdk/issues/2085", 400,
        "ValidationException: A conversation must start with a user message",
        "cause.role-order", "roles.alternation", "bedrock", "message", {}, _ALTERNATION),
    # A model the server does not serve, said as "... model is not supported".
    Row("https://github.com/Ivy-Interactive/Ivy-Tendril/issues/1403", 400,
        '{"type":"error","status":400,"error":{"type":"invalid_request_error","message":"The \'gpt-5\' model is not '
        'supported when using Codex with a ChatGPT account."}}',
        "cause.model-not-found", None, "generic", "message", {"model": "gpt-5"}),
    Row("https://github.com/microsoft/vscode-extension-samples/issues/1248", 400,
        'Request Failed: 400 {"error":{"message":"Model is not supported for this request.","code":'
        '"model_not_supported","param":"model","type":"invalid_request_error"}}',
        "cause.model-not-found", None, "generic", "message"),
    # A cap on requests in flight (a relay pooling accounts, a relay's own limiter).
    Row("https://github.com/Wei-Shaw/sub2api/issues/3821", 429,
        '{\n  "error": {\n    "message": "Concurrency limit exceeded for user, please retry later",\n    "type": '
        '"rate_limit_error"\n  },\n  "type": "error"\n}',
        "cause.rate-limit", None, "anthropic", "code"),
    Row("https://github.com/Wei-Shaw/claude-relay-service/pull/773", 429,
        "429 Too many concurrent requests. Limit: 1 concurrent requests",
        "cause.rate-limit", None, "generic", "message"),
    # A model on the wrong API; a path that does not take a POST (text, and the status alone).
    Row("https://github.com/danny-avila/LibreChat/issues/2005", 400,
        "The model mistral-xxx does not support the /v1/completions API",
        "cause.wrong-endpoint", "endpoint.unexpected-path", "generic", "message", {"model": "mistral-xxx"}),
    Row("https://github.com/vllm-project/vllm/issues/7463", 405,
        "openai.APIStatusError: Error code: 405 - {'detail': 'Method Not Allowed'}",
        "cause.wrong-endpoint", "endpoint.unexpected-path", "generic", "message"),
    Row("https://github.com/xtekky/gpt4free/issues/2149", None, '{"detail":"Method Not Allowed"}',
        "cause.wrong-endpoint", "endpoint.unexpected-path", "generic", "message"),
    Row("https://github.com/whyiyhw/chatgpt-wechat/issues/119", 405,
        'Chat Stream resp error: error, status code: 405, status: 405 Method Not Allowed, message: %!s(<nil>), '
        'body: {"detail":"Method Not Allowed"}',
        "cause.wrong-endpoint", "endpoint.unexpected-path", "generic", "message"),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.source.split("github.com/")[1])
def test_round_seven_families_name_the_cause(row: Row) -> None:
    assert whole_recognition(row.body, row.status, tier=True) == (
        row.cause,
        row.rule,
        row.values,
        row.constraint,
        row.provider,
        row.on,
    )


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # A lower bound on the output budget is a value the server refuses, not a budget too large.
        (
            "https://github.com/QwenLM/Qwen3/issues/241",
            400,
            "Error code: 400 - {'object': 'error', 'message': 'max_tokens must be at least 1, got -2815.', 'type': "
            "'BadRequestError', 'param': None, 'code': 400}",
            "cause.param-value-unsupported",
        ),
        # A model "not supported" for a capability is that capability, not a missing model.
        (
            "https://github.com/truefoundry/models/pull/944",
            405,
            "Error code: 405 - {'status': 'failure', 'message': 'deepinfra error: Tool calling is not supported for "
            "model: mistralai/Mistral-Small-24B-Instruct-2501'}",
            "cause.model-no-tools",
        ),
        # "Range of input length" is the prompt, not a parameter: the context family keeps it.
        (
            "https://github.com/QwenLM/qwen-code/issues/2384",
            400,
            "400 <400> InternalError.Algo.InvalidParameter: Range of input length should be [1, 983616]",
            "cause.context-length-exceeded",
        ),
    ],
)
def test_the_new_families_leave_neighbouring_causes_alone(
    source: str, status: int, body: str, cause: str
) -> None:
    assert_neighbour_cause(source, status, body, cause)
