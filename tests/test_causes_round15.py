"""Issue #10, probe round 15 (non-English provider texts, gateway-relayed errors; docs/errors.md
"Generalisation"): what the round's untouched misses and the providers' code tables showed.

* precision: Zhipu's 1214 "<field>参数非法" ("${field} 参数非法", docs.bigmodel.cn/cn/api/api-code) on a
  generation parameter refuses its value, but on the conversation itself (messages, the old API's
  history/prompt) it refuses the list's shape, which has many causes: those names claim nothing;
* tolerance where a family already reads the words: one-api relays OpenAI's "Invalid URL (...)" without
  the space, and a doubled ``/v1`` in the path is a doubled path, not a missing ``/v1``; Dify prints
  DashScope's moderation sentence with two words run together (under its own 500);
* the providers' code tables (what a code alone can say when the sentence says nothing): Model Studio's
  ``Throttling.AllocationQuota`` is the account's allocation (quota), not its rate; the compatible mode's
  ``invalid_parameter_error`` names no cause (four causes share it) and only withdraws a relay's 5xx
  guess, as ``InvalidParameter`` does; its ``AccessDenied`` (three meanings in the table) is not read.

A row fails on any difference in the cause, the rule, the values read, the constraint, the wording's
provider or the tier that named it.
"""

from __future__ import annotations

import pytest
from support.recognition import assert_neighbour_cause, whole_recognition

from toolguard_core.causes import REFERENCE, REFERENCE_REFUSALS, Constraint

ROWS = [
    # one-api#717: a channel proxy set to a Cloudflare AI Gateway URL that already ends in /v1.
    (
        "https://github.com/songquanpeng/one-api/issues/717",
        None,
        "错误：type invalid request_error,code <nil>,message Invalid URL(POST /v1/v1/chat/completions)",
        (
            "cause.wrong-endpoint",
            "endpoint.doubled-path",
            {"method": "POST", "path": "/v1/v1/chat/completions"},
            None,
            "generic",
            "message",
        ),
    ),
    # Dify's tongyi plugin relays DashScope's moderation as a 500 "Server Unavailable Error": the
    # sentence, not the status, is the cause.
    (
        "https://github.com/langgenius/dify/issues/7932",
        500,
        "Run failed: Node LLM run failed: [tongyi] Server Unavailable Error, Failed to invokemodel gwen-max, "
        "status code: 500.message: Input data may containinappropriate content..",
        ("cause.moderation", None, {}, None, "dashscope", "message"),
    ),
    # The family's own sources read as before.
    (
        "https://github.com/songquanpeng/one-api/issues/1141",
        None,
        "temperature参数非法。请检查文档。 (request id: 2024031315392281877864286886360)",
        (
            "cause.param-value-unsupported",
            None,
            {"param": "temperature"},
            Constraint(kind="param", name="temperature"),
            "zhipu",
            "message",
        ),
    ),
    (
        "https://github.com/OpenHands/OpenHands/issues/485",
        404,
        "Invalid URL (POST /chat/completions)",
        (
            "cause.wrong-endpoint",
            "endpoint.missing-v1",
            {"method": "POST", "path": "/chat/completions"},
            None,
            "generic",
            "message",
        ),
    ),
    # Model Studio's 429 table: the allocation code (its code, with the table's sentence).
    (
        "https://help.aliyun.com/en/model-studio/error-code-start",
        429,
        '{"code":"Throttling.AllocationQuota","message":"For an exhausted free quota or a resource-count '
        'limit, follow the relevant entry before making another call.","request_id":"x"}',
        ("cause.quota", None, {}, None, "dashscope", "code"),
    ),
    # The compatible mode's generic code does not hide the sentence that names the cause (QwenPaw#6255).
    (
        "https://github.com/agentscope-ai/QwenPaw/issues/6255",
        400,
        "{'error': {'code': 'invalid_parameter_error', 'message': '<400> InternalError.Algo.InvalidParameter: "
        "Range of input length should be [1, 983616]', 'param': None, 'type': 'invalid_request_error'}}",
        ("cause.context-length-exceeded", None, {"limit": "983616"}, None, "dashscope", "message"),
    ),
]


@pytest.mark.parametrize(("source", "status", "body", "expected"), ROWS, ids=lambda v: str(v)[:40])
def test_round_fifteen_names_the_cause(
    source: str, status: int | None, body: str, expected: tuple[object, ...]
) -> None:
    assert whole_recognition(body, status, tier=True) == expected, source


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # The conversation itself refused: no cause (dify#1882 and FastGPT#1702 established none).
        (
            "https://github.com/labring/FastGPT/issues/1702",
            None,
            "[1214][history参数非法。请检查文档。]",
            None,
        ),
        (
            "https://github.com/langgenius/dify/issues/1882",
            None,
            "[1214], [history参数非法，请检查文档]",
            None,
        ),
        ("constructed: the messages list, no space", 400, "messages参数非法。请检查文档。", None),
        ("constructed: the old API's prompt", 400, "prompt参数非法。请检查文档。", None),
        # A generation parameter still refuses its value (one-api#952's top_p, in Zhipu's envelope).
        (
            "https://github.com/songquanpeng/one-api/issues/952",
            400,
            '{"error":{"code":"1214","message":"top_p参数非法。请检查文档。"}}',
            "cause.param-value-unsupported",
        ),
        # A parameter whose name only starts like a conversation field is still a parameter (constructed).
        (
            "constructed: a name starting with prompt",
            400,
            "prompt_cache_key参数非法",
            "cause.param-value-unsupported",
        ),
        # "Invalid URL" without a request line names nothing; the doubled suffix stays the OpenAI wording's.
        ("constructed: no method or path", None, "Invalid URL", None),
        (
            "https://github.com/harry0703/MoneyPrinterTurbo/issues/57",
            404,
            "Invalid URL (POST /v1/chat/completions/chat/completions)",
            "cause.wrong-endpoint",
        ),
        # DashScope's own spelling still reads as moderation; "data may contain" alone does not (constructed).
        (
            "https://github.com/QwenLM/qwen-code/issues/2905",
            400,
            "<400> InternalError.Algo.DataInspectionFailed: Input text data may contain inappropriate content.",
            "cause.moderation",
        ),
        ("constructed: no inappropriate content", 400, "Input data may contain unsupported characters", None),
        # The rate code beside the allocation one stays a rate limit.
        (
            "https://help.aliyun.com/en/model-studio/error-code-start",
            429,
            '{"code":"Throttling.RateQuota","message":"Requests rate limit exceeded, please try again later."}',
            "cause.rate-limit",
        ),
        # The generic compatible-mode code under a relay's 5xx: the request was refused, no server error
        # is claimed; under its own 400 it names nothing either (constructed message).
        (
            "constructed: a relay's 502 around the compatible mode's code",
            502,
            '{"error":{"code":"invalid_parameter_error","message":"something the relay kept",'
            '"type":"invalid_request_error"}}',
            None,
        ),
        (
            "constructed: the compatible mode's code under 400",
            400,
            '{"error":{"code":"invalid_parameter_error","message":"something the relay kept",'
            '"type":"invalid_request_error"}}',
            None,
        ),
        # AccessDenied is not read as a credential: the table gives it three meanings (constructed
        # with the table's synchronous-call case).
        (
            "constructed: Model Studio's AccessDenied for a synchronous call",
            400,
            '{"code":"AccessDenied","message":"current user api does not support synchronous calls"}',
            "not cause.auth",
        ),
    ],
)
def test_the_round_fifteen_changes_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


def test_the_compatible_mode_code_is_a_refusal_declared_once_beside_its_native_spelling() -> None:
    """Both spellings of Model Studio's parameter refusal are in the refusal set, neither names a cause."""
    assert ("invalidparameter", "any") in REFERENCE_REFUSALS
    assert ("invalid_parameter_error", "any") in REFERENCE_REFUSALS
    rows = [row for row in REFERENCE if row.code in ("InvalidParameter", "invalid_parameter_error")]
    assert {row.provider for row in rows} >= {"dashscope"}
    assert all(row.cause_id is None for row in rows)
