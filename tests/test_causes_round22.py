"""Issue #10, round 22 (docs/errors.md "Generalisation", "Round 22"): one convention for access refusals,
and readings by mechanism.

A refusal that names the model the credential may not use is ``cause.model-not-found`` (the catalogue's
``ACCESS_REFUSAL_CONVENTION``), read from the text by sentence wordings so it wins over Bedrock's
AccessDeniedException code and a 401/403 status. The structural tier's "round 22" block reads a fault at a
path inside one tool's declaration (any validator's notation), a tool name refused for its pattern at its
path, JSON mode stated as a capability the model lacks, "inappropriate content", and an account refused for
its standing. Each wording is written from a thread no corpus or probe row comes from; round 22's own probe
texts (probe-v*) were collected and scored before any of it.

The first table runs access refusals through the live path (parse, then recognise) and checks the whole
recognition. The second runs each round-22 reading ALONE (the structural tier) on real texts of other
threads and providers than its source. The neighbours are real texts the readings must leave alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.recognition import CauseRow, assert_neighbour_cause, whole_recognition

from toolguard_core.causes import ACCESS_REFUSAL_CONVENTION, CAUSES_BY_ID, STRUCTURAL, _recognise_structural

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"

ACCESS: list[CauseRow] = [
    # Bedrock through the Anthropic SDK (the source thread) and through boto3 (another thread's text).
    CauseRow(
        "https://github.com/anthropics/claude-code/issues/536",
        403,
        "API Error: 403 You don't have access to the model with the specified model ID.",
        "cause.model-not-found",
        None,
        "bedrock",
    ),
    CauseRow(
        "https://github.com/aws-samples/amazon-bedrock-audio-summarizer/issues/15",
        None,
        "An error occurred (AccessDeniedException) when calling the InvokeModel operation: You don't have access "
        "to the model with the specified model ID.",
        "cause.model-not-found",
        None,
        "bedrock",
    ),
    # An OpenAI project's model allowlist; the model is extracted.
    CauseRow(
        "https://github.com/continuedev/continue/issues/10120",
        403,
        "403 Project `proj_JMo3Q9spNIEWhSxusokLegJY` does not have access to model `gpt-4.1-2025-04-14`",
        "cause.model-not-found",
        None,
        "openai",
        {"model": "gpt-4.1-2025-04-14"},
    ),
    # A LiteLLM virtual key, by its sentence (401 in the source thread's proxy) and by its type alone.
    CauseRow(
        "https://github.com/BerriAI/litellm/pull/39660",
        403,
        '{"error":{"message":"key not allowed to access model. This key can only access models=[\'us.anthropic.'
        'claude-haiku-4-5-20251001-v1:0\']. Tried to access us.anthropic.claude-sonnet-4-6","type":'
        '"key_model_access_denied","param":"model","code":"403"}}',
        "cause.model-not-found",
        None,
        "litellm",
    ),
    # OpenAI's verification gate on a model, streamed.
    CauseRow(
        "https://github.com/danny-avila/LibreChat/issues/6926",
        400,
        "400 Your organization must be verified to stream this model. Please go to: https://platform.openai.com/"
        "settings/organization/general and click on Verify Organization.",
        "cause.model-not-found",
        None,
        "openai",
    ),
]


@pytest.mark.parametrize("row", ACCESS, ids=[row.source for row in ACCESS])
def test_an_access_refusal_names_the_model_not_the_key(row: CauseRow) -> None:
    assert whole_recognition(row.body, row.status) == row.expected(), row.source


def test_the_convention_is_declared_once_and_the_fix_says_how_to_get_access() -> None:
    assert "cause.model-not-found" in ACCESS_REFUSAL_CONVENTION
    fix = CAUSES_BY_ID["cause.model-not-found"].fix
    assert "no access" in fix and "verification" in fix


#: Real texts the access readings must leave alone: (source, status, body, what it names).
NEIGHBOURS: list[tuple[str, int | None, str, str | None]] = [
    # A wrong key is still a credential problem.
    (
        "https://github.com/continuedev/continue/issues/10290",
        400,
        '{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": '
        '"INVALID_ARGUMENT"}}',
        "cause.auth",
    ),
    # An IAM role lacking Marketplace actions: a permission refused without naming the model (stays auth).
    (
        "https://github.com/ministryofjustice/modernisation-platform-environments/pull/18302",
        403,
        '{"error":{"message":"litellm.APIConnectionError: BedrockException - {\\"message\\":\\"Model access is denied '
        "due to IAM user or service role is not authorized to perform the required AWS Marketplace actions "
        "(aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model. Refer to the "
        'Amazon Bedrock documentation for further details.\\"}."}}',
        "cause.auth",
    ),
    # A gated parameter, not the model.
    (
        "https://github.com/continuedev/continue/issues/9938",
        400,
        '{"message":"Your organization must be verified to generate reasoning summaries. Please go to: '
        'https://platform.openai.com/settings/organization/general and click on Verify Organization.","type":'
        '"invalid_request_error","param":"reasoning.summary","code":"unsupported_value"}',
        "not cause.model-not-found",
    ),
]


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"), NEIGHBOURS, ids=[row[0] for row in NEIGHBOURS]
)
def test_the_access_readings_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


#: (where the text is from, the text, the cause a round-22 reading alone gives it, the field it names or None).
ALONE: list[tuple[str, str, str, str | None]] = [
    # A fault at a path inside one tool's declaration, in three validators' notations.
    (
        "https://github.com/aws-samples/bedrock-access-gateway/issues/213",
        "[ERROR] Stream error: 500: Parameter validation failed:\nInvalid length for parameter "
        "toolConfig.tools[13].toolSpec.description, value: 0, valid min length: 1",
        "cause.tool-schema-invalid",
        "toolConfig.tools[13].toolSpec.description",
    ),
    (
        "https://github.com/run-llama/llama-hub/issues/905",
        "Error code: 400 - {'error': {'message': \"'Use this tool to load data from the following function.' is too "
        "long - 'tools.0.function.description'\", 'type': 'invalid_request_error', 'param': None}}",
        "cause.tool-schema-invalid",
        "tools.0.function.description",
    ),
    (
        "https://github.com/coaidev/coai/issues/322",
        "tools[0].function.name:不能为空 (code: 1214)",
        "cause.tool-schema-invalid",
        "tools[0].function.name",
    ),
    # A tool name refused for its pattern, OpenAI's notation (the reading is written from Anthropic's).
    (
        "https://github.com/coinbase/agentkit/pull/217",
        "Error: 400 Invalid 'tools[0].function.name': string does not match pattern. Expected a string that "
        "matches the pattern '^[a-zA-Z0-9_-]+$'.",
        "cause.tool-name-invalid",
        "tools[0].function.name",
    ),
    # JSON mode as a capability the model lacks, SiliconFlow's and DeepInfra's words (the source is DeepSeek's).
    (
        "https://github.com/egoist/chatwise-releases/issues/141",
        '{"code":20024,"message":"Json mode is not supported for this model.","data":null}',
        "cause.model-no-json-mode",
        None,
    ),
    (
        "https://github.com/truefoundry/models/pull/913",
        "Error code: 405 - {'status': 'failure', 'message': 'deepinfra error: json_object response format is not "
        "supported for model: stepfun-ai/Step-3.5-Flash'}",
        "cause.model-no-json-mode",
        None,
    ),
    # An account refused for its standing: Fireworks' suspension (the source is DashScope's Arrearage).
    (
        "https://github.com/pollinations/pollinations/issues/12136",
        "Account pollinations is suspended, possibly due to reaching the monthly spending limit or failure to pay "
        "past invoices. Please go to https://fireworks.ai/account/billing for more information.",
        "cause.quota",
        None,
    ),
    # "Inappropriate content" alone.
    (
        "https://github.com/QwenLM/qwen-code/issues/875",
        "API Error: Inappropriate Content.",
        "cause.moderation",
        None,
    ),
]


@pytest.mark.parametrize(("source", "text", "cause", "field"), ALONE, ids=[row[0] for row in ALONE])
def test_a_round_twenty_two_reading_alone_names_the_text(
    source: str, text: str, cause: str, field: str | None
) -> None:
    found = _recognise_structural(text, None, (), fallback_param=None)
    assert found is not None, source
    assert found.cause_id == cause, (source, found.cause_id)
    if field is not None:
        assert found.values.get("field") == field, (source, dict(found.values))
    assert found.constraint is None, source


#: Real texts the round-22 structural readings must leave alone: (source, status, body, what it names).
READING_NEIGHBOURS: list[tuple[str, int | None, str, str | None]] = [
    # A key refused beside a tool's declaration, not inside it: the unknown-key families keep it.
    (
        "https://github.com/anomalyco/opencode/issues/23193",
        400,
        "Bad Request: tools.0.custom.eager_input_streaming: Extra inputs are not permitted",
        "not cause.tool-schema-invalid",
    ),
    # A tool name refused for its pattern is the name's cause, never the declaration's.
    (
        "https://github.com/apify/tester-mcp-client/issues/11",
        400,
        '{"type":"error","error":{"type":"invalid_request_error","message":"tools.7.custom.name: String should match '
        "pattern '^[a-zA-Z0-9_-]{1,64}$'\"}}",
        "cause.tool-name-invalid",
    ),
    # JSON mode refused for want of the word "json" in the prompt is not a model without JSON mode.
    (
        "https://github.com/reVrost/go-openrouter/pull/21",
        400,
        '{"error": {"message": "Response input messages must contain the word \'json\' in some form to use '
        '\'text.format\' of type \'json_object\'.", "type": "invalid_request_error", "param": "input"}}',
        "not cause.model-no-json-mode",
    ),
    # An account's key refused as wrong is a credential problem, not the account's standing.
    (
        "https://github.com/ag5826000/resume-commentor/issues/4",
        401,
        '{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}',
        "cause.auth",
    ),
]


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"), READING_NEIGHBOURS, ids=[row[0] for row in READING_NEIGHBOURS]
)
def test_the_round_twenty_two_readings_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


def _probe_rows() -> list[dict[str, object]]:
    return [
        json.loads(line)
        for line in (CORPUS / "probe-causes.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


#: The threads round 22's wordings were written from: the access refusals (sentences), then the
#: structural readings. apify/tester-mcp-client#11 is a development thread (the name reading), allowed.
ROUND_22_SOURCES = (
    "https://github.com/anthropics/claude-code/issues/536",
    "https://github.com/continuedev/continue/issues/10120",
    "https://github.com/BerriAI/litellm/pull/39660",
    "https://github.com/danny-avila/LibreChat/issues/6926",
)
ROUND_22_READING_SOURCES = (
    "https://github.com/dnakov/anon-kode/issues/45",
    "https://github.com/dzhng/deep-research/issues/121",
    "https://github.com/QwenLM/qwen-code/issues/3271",
    "https://github.com/QwenLM/Qwen/issues/1414",
)


def test_no_round_twenty_two_wording_cites_a_probe_or_corpus_thread() -> None:
    sources = {w.source for w in CAUSES_BY_ID["cause.model-not-found"].wordings}
    assert [s for s in ROUND_22_SOURCES if s not in sources] == []
    seen = {str(row["source"]).lower().rstrip("/") for row in _probe_rows()}
    for name in ("failures-a.jsonl", "failures-b.jsonl"):
        text = (CORPUS / name).read_text(encoding="utf-8").lower()
        assert [s for s in ROUND_22_SOURCES if f'"{s.lower()}"' in text] == []
    assert [s for s in ROUND_22_SOURCES if s.lower() in seen] == []
    structural = {w.source for _, w in STRUCTURAL}
    assert [s for s in ROUND_22_READING_SOURCES if s not in structural] == []
    assert "https://github.com/apify/tester-mcp-client/issues/11" in structural
    for name in ("failures-a.jsonl", "failures-b.jsonl"):
        text = (CORPUS / name).read_text(encoding="utf-8").lower()
        assert [s for s in ROUND_22_READING_SOURCES if f'"{s.lower()}"' in text] == []
    assert [s for s in ROUND_22_READING_SOURCES if s.lower() in seen] == []


def test_the_round_twenty_two_probe_is_twenty_two_texts_from_twenty_two_threads() -> None:
    rows = [row for row in _probe_rows() if row.get("round") == 22]
    assert len(rows) == 22
    assert len({row["source"] for row in rows}) == 22
    assert all(str(row["id"]).startswith("probe-v") and row["split"] == "probe" for row in rows)


@pytest.mark.parametrize(
    ("probe_id", "cause"),
    [
        ("probe-v009", "cause.model-not-found"),
        ("probe-v013", "cause.quota"),
        ("probe-v015", "cause.moderation"),
        # named before the round, kept
        ("probe-v006", "cause.orphan-tool-result"),
        ("probe-v011", "cause.tool-schema-invalid"),
    ],
)
def test_a_round_twenty_two_probe_text_is_named_on_the_live_path(probe_id: str, cause: str) -> None:
    row = next(r for r in _probe_rows() if r["id"] == probe_id)
    status = row["status"] if isinstance(row["status"], int) else None
    whole = whole_recognition(str(row["body"]), status)
    assert whole is not None, probe_id
    assert whole[0] == cause, (probe_id, whole)


def test_the_probe_rows_follow_the_access_convention() -> None:
    """Every development/probe access refusal that names a model is labelled the model, not the key."""
    relabelled = {
        row["id"]: row["root_cause"]
        for row in _probe_rows()
        if row["id"] in ("probe-c042", "probe-g047", "probe-g048", "probe-u008", "probe-u014", "probe-v009")
    }
    assert set(relabelled.values()) == {"cause.model-not-found"}
    assert len(relabelled) == 6
