"""Issue #10, round 22 (docs/errors.md "Generalisation", "Round 22"): one convention for access refusals.
A refusal that names the model the credential may not use is ``cause.model-not-found`` (the catalogue's
``ACCESS_REFUSAL_CONVENTION``), read from the text by sentence wordings so it wins over Bedrock's
AccessDeniedException code and a 401/403 status. Each wording is written from a thread no corpus or probe row
comes from; round 22's own probe texts (probe-v*) were collected and scored before any of it.

The first table runs real texts through the live path (parse, then recognise) and checks the whole
recognition: cause, rule, what the text named, no learned constraint, the wording's provider. The second lists
real texts the readings must leave alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.recognition import CauseRow, assert_neighbour_cause, whole_recognition

from toolguard_core.causes import ACCESS_REFUSAL_CONVENTION, CAUSES_BY_ID

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


def _probe_rows() -> list[dict[str, object]]:
    return [
        json.loads(line)
        for line in (CORPUS / "probe-causes.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


#: The threads round 22's wordings were written from.
ROUND_22_SOURCES = (
    "https://github.com/anthropics/claude-code/issues/536",
    "https://github.com/continuedev/continue/issues/10120",
    "https://github.com/BerriAI/litellm/pull/39660",
    "https://github.com/danny-avila/LibreChat/issues/6926",
)


def test_no_round_twenty_two_wording_cites_a_probe_or_corpus_thread() -> None:
    sources = {w.source for w in CAUSES_BY_ID["cause.model-not-found"].wordings}
    assert [s for s in ROUND_22_SOURCES if s not in sources] == []
    seen = {str(row["source"]).lower().rstrip("/") for row in _probe_rows()}
    for name in ("failures-a.jsonl", "failures-b.jsonl"):
        text = (CORPUS / name).read_text(encoding="utf-8").lower()
        assert [s for s in ROUND_22_SOURCES if f'"{s.lower()}"' in text] == []
    assert [s for s in ROUND_22_SOURCES if s.lower() in seen] == []


def test_the_round_twenty_two_probe_is_twenty_two_texts_from_twenty_two_threads() -> None:
    rows = [row for row in _probe_rows() if row.get("round") == 22]
    assert len(rows) == 22
    assert len({row["source"] for row in rows}) == 22
    assert all(str(row["id"]).startswith("probe-v") and row["split"] == "probe" for row in rows)


def test_the_probe_rows_follow_the_access_convention() -> None:
    """Every development/probe access refusal that names a model is labelled the model, not the key."""
    relabelled = {
        row["id"]: row["root_cause"]
        for row in _probe_rows()
        if row["id"] in ("probe-c042", "probe-g047", "probe-g048", "probe-u008", "probe-u014", "probe-v009")
    }
    assert set(relabelled.values()) == {"cause.model-not-found"}
    assert len(relabelled) == 6
