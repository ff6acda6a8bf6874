"""The providers' own error references as a tier of ``recognise_error`` (issue #10, round 8;
``toolguard_core.causes.REFERENCE``, docs/errors.md "The providers' error references").

Table-driven over bodies in each provider's documented envelope with the reference's own message
(the reference's URL is the row's source), whole-recognition assertions (cause, rule, tier source),
and negative rows: a numeric code outside its provider's envelope, a generic refusal code, a status
guess kept when no refusal code is there."""

from __future__ import annotations

import json

import pytest

from toolguard_core import causes
from toolguard_core.causes import (
    CAUSES_BY_ID,
    REFERENCE,
    REFERENCE_CODES,
    REFERENCE_FAMILIES,
    could_match,
    fold_for_prefilter,
    recognise_error,
)
from toolguard_core.upstream_errors import parse_error

ZHIPU = "https://docs.bigmodel.cn/cn/api/api-code"
MINIMAX = "https://platform.minimax.io/docs/api-reference/errorcode.md"
BAIDU = "https://ai.baidu.com/ai-doc/WENXINWORKSHOP/tlmyncueh"
VOLCENGINE = "https://www.volcengine.com/docs/82379/1299023"
DASHSCOPE = "https://help.aliyun.com/en/model-studio/error-code-start"
DASHSCOPE_MESSAGES = "https://alibabacloud.com/help/en/model-studio/error-code"
MOONSHOT = "https://platform.kimi.ai/docs/api/errors"


def _recognise(body: str, status: int | None) -> tuple[str | None, str | None, str | None]:
    found = recognise_error(parse_error(body, status=status), status=status)
    if found is None:
        return None, None, None
    return found.cause_id, found.rule_id, found.wording.source


def _reference_alone(body: str, status: int | None) -> tuple[str | None, str | None]:
    """What the reference tier names by itself (the tiers above may name the same text first)."""
    chain = list(reversed(parse_error(body, status=status).chain()))
    found = causes._recognise_reference(chain, None, ())
    return (found.cause_id, found.wording.source) if found is not None else (None, None)


# (source of the body's text, status, body, expected (cause, rule, source of the naming wording))
NAMED = [
    # Zhipu's 1113 answered with HTTP 429 (docs.bigmodel.cn lists 429 for an exhausted balance): the
    # status alone would say rate limit; the reference's code says the account is in arrears.
    (
        ZHIPU,
        429,
        '{"error":{"code":"1113","message":"Insufficient balance or no resource package. Please recharge."}}',
        ("cause.quota", None, ZHIPU),
    ),
    (
        ZHIPU,
        400,
        '{"error":{"code":"1261","message":"Prompt 超长"}}',
        ("cause.context-length-exceeded", None, ZHIPU),
    ),
    (
        ZHIPU,
        400,
        '{"error":{"code":"1211","message":"Unknown Model, please check the model code."}}',
        ("cause.model-not-found", None, ZHIPU),
    ),
    (
        ZHIPU,
        429,
        '{"error":{"code":"1305","message":"该 API 已触发流量限制"}}',
        ("cause.rate-limit", None, ZHIPU),
    ),
    (
        ZHIPU,
        500,
        '{"error":{"code":"1312","message":"该模型当前访问量过大,请您稍后再试,或切换其他模型如 glm-4-flash 等"}}',
        ("cause.overloaded", None, ZHIPU),
    ),
    # Zhipu's sentence relayed without its code (a gateway's plain text).
    (
        ZHIPU,
        None,
        "上游错误: 您的 GLM Coding Plan 套餐已到期,暂无法使用,前往官方续订后即可恢复",
        ("cause.quota", None, ZHIPU),
    ),
    # MiniMax's native envelope, also sent with HTTP 200.
    (
        MINIMAX,
        200,
        '{"base_resp":{"status_code":1008,"status_msg":"insufficient balance"}}',
        ("cause.quota", None, MINIMAX),
    ),
    (
        MINIMAX,
        200,
        '{"base_resp":{"status_code":1004,"status_msg":"login fail: Please carry the API secret key in the Authorization field"}}',
        ("cause.auth", None, MINIMAX),
    ),
    # Baidu Qianfan's {"error_code", "error_msg"} (the reference's own example body).
    (
        BAIDU,
        None,
        '{"error_code": 110, "error_msg": "Access token invalid or no longer valid"}',
        ("cause.auth", None, BAIDU),
    ),
    (
        BAIDU,
        None,
        '{"error_code": 18, "error_msg": "Open api qps request limit reached"}',
        ("cause.rate-limit", None, BAIDU),
    ),
    (
        BAIDU,
        None,
        "{'error_code': 17, 'error_msg': 'Open api daily request limit reached', 'id': 'as-0'}",
        ("cause.quota", None, BAIDU),
    ),
    # Volcengine Ark: a 403 that is money, not credentials (the status alone would say auth).
    (
        VOLCENGINE,
        403,
        '{"error":{"code":"AccountOverdueError","message":"The request failed because your account has an overdue balance. '
        'Request ID: 021718","param":"","type":"Forbidden"}}',
        ("cause.quota", None, VOLCENGINE),
    ),
    (
        VOLCENGINE,
        404,
        '{"error":{"code":"ModelNotOpen","message":"Your account 210 has not activated the model doubao-seed-1.6. Please '
        'activate the model service in the Ark Console. Request id: 0217","param":"","type":"NotFound"}}',
        ("cause.model-not-found", "model.unknown", VOLCENGINE),
    ),
    # Model Studio (DashScope): a 400 InvalidParameter whose message names the refused value.
    (
        DASHSCOPE_MESSAGES,
        400,
        '{"error":{"code":"invalid_parameter_error","param":null,"message":"<400> InternalError.Algo.InvalidParameter: '
        'parameter.enable_thinking must be set to false for non-streaming calls","type":"invalid_request_error"}}',
        ("cause.param-value-unsupported", None, DASHSCOPE_MESSAGES),
    ),
    (
        DASHSCOPE_MESSAGES,
        400,
        '{"code":"InvalidParameter","message":"This model does not support enable_search.","request_id":"1a"}',
        ("cause.param-unsupported", None, DASHSCOPE_MESSAGES),
    ),
    (
        DASHSCOPE,
        401,
        '{"code":"InvalidApiKey","message":"Invalid API-key provided.","request_id":"1b"}',
        ("cause.auth", None, DASHSCOPE),
    ),
    (
        MOONSHOT,
        400,
        '{"error":{"type":"invalid_request_error","message":"Input token length too long"}}',
        ("cause.context-length-exceeded", None, MOONSHOT),
    ),
]


@pytest.mark.parametrize(
    ("source", "status", "body", "expected"), NAMED, ids=[f"{r[0][8:30]}-{i}" for i, r in enumerate(NAMED)]
)
def test_a_documented_code_or_message_names_its_cause(
    source: str, status: int | None, body: str, expected: tuple[str, str | None, str]
) -> None:
    assert _reference_alone(body, status) == (expected[0], expected[2])
    # Through every tier the same cause comes out (a sentence or family above may name it first,
    # with its own rule: DashScope's enable_thinking sentence is the quirks rule's).
    got = _recognise(body, status)
    assert got[0] == expected[0], (source, got)
    if got[2] == expected[2]:
        assert got[1] in (CAUSES_BY_ID[expected[0]].rule_id, expected[1])


NOT_NAMED = [
    # Tencent Hunyuan's OpenAI-compatible endpoint answers a role-order error with the string code
    # "1001" (https://github.com/FoundationAgents/OpenManus/issues/894); Zhipu's table calls 1001 a
    # missing Authentication header. Hunyuan's body carries `type`/`param`: outside Zhipu's envelope.
    (
        '{"error":{"id":"3d98","message":"messages 中 user（tool） 和 assistant 角色需交替出现","type":"invalid_request_error",'
        '"param":null,"code":"1001"}}',
        400,
        None,
    ),
    # A numeric code in another envelope is not MiniMax's or Baidu's: Cloudflare's v4 errors array.
    ('{"success":false,"errors":[{"code":1008,"message":"Workers AI: the request failed"}]}', 400, None),
    ('{"error":{"code":17,"message":"Open api daily request"}}', 400, None),
    # A generic refusal code names no cause (the request decides; Volcengine's reference).
    (
        '{"error":{"code":"InvalidParameter","message":"One or more parameters specified in the request are not valid. '
        'Request ID: 0217","param":"","type":"BadRequest"}}',
        400,
        None,
    ),
]


@pytest.mark.parametrize(("body", "status", "expected"), NOT_NAMED)
def test_a_code_outside_its_envelope_or_a_generic_refusal_names_nothing(
    body: str, status: int, expected: None
) -> None:
    assert _recognise(body, status) == (None, None, None)


def test_a_documented_refusal_withdraws_the_status_guess() -> None:
    """A router's 502 around Zhipu's 1214 "${field} 参数非法": the upstream refused the request's
    parameters, so the status tier's server-side guess is withdrawn (a wrong cause is worse than none).
    Without the refusal code the same 502 keeps its guess."""
    refused = (
        "502 All variants failed: Invalid status code: 400 Bad Request: "
        '{"error":{"code":"1214","message":"messages 参数非法。请检查文档。"}}'
    )
    assert _recognise(refused, 502) == (None, None, None)
    plain = "502 All variants failed: upstream closed the connection"
    assert _recognise(plain, 502)[0] == "cause.server-error"


def test_every_reference_row_is_sourced_and_well_formed() -> None:
    """One declaration per row: a cause the catalogue has (or a refusal), a URL, a code or a pattern
    that matches the reference's own text, and the prefilter lets every example through."""
    assert len(REFERENCE) >= 60
    for row in REFERENCE:
        assert row.source.startswith("https://"), row
        assert row.cause_id is None or row.cause_id in CAUSES_BY_ID, row
        assert (row.code is None) != (row.pattern is None), row
    for _, wording in REFERENCE_FAMILIES:
        assert wording.pattern.search(wording.example), wording.example
        assert could_match(wording.pattern, fold_for_prefilter(wording.example)), wording.example
    for _, wording, envelope in REFERENCE_CODES:
        assert wording.on == "code" and wording.pattern.fullmatch(wording.example), wording
        assert envelope in ("any", "zhipu", "minimax", "baidu")
    codes = [(row.provider, row.code) for row in REFERENCE if row.code is not None]
    assert len(codes) == len(set(codes))  # declared once


def test_the_tier_ranks_below_every_family_and_above_the_request() -> None:
    """A message a sentence or a structural family names keeps that name even when it carries a
    reference code (the tier only names what nothing above named)."""
    body = json.dumps(
        {
            "error": {
                "code": "1113",
                "message": "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
            }
        }
    )
    assert _recognise(body, 400)[0] == "cause.context-length-exceeded"
    assert causes._recognise_reference.__doc__  # the tier is one function, documented
