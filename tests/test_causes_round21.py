"""Issue #10, round 21 (docs/errors.md "Generalisation", "Round 21"): readings by mechanism, continued.
The leave-one-out score (``scripts/eval_causes.py --leave-one-out``) listed the development and probe
rows no reading of another thread names; sorted by what the text does, the mechanisms below got one
reading each that needs no provider's sentence (a model name said invalid, a model retired and no longer
available, a tool message with no previous tool call, parallel_tool_calls refused for want of tools, an
image the server cannot decode, an account's spending limit reached, a function-call turn out of place).
Each is sourced from a development thread or a thread no corpus row comes from, so a probe text stays
unseen; round 21's own probe texts (probe-u*) were collected before any of it.

The first table runs each reading ALONE (the structural tier, no catalogue sentence) on real texts, most
of other providers or threads than its source. The second runs the live path on the round-21 probe
texts. The neighbours are real texts each reading must leave alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.recognition import assert_neighbour_cause, recognise, whole_recognition

from toolguard_core.causes import STRUCTURAL, _recognise_structural
from toolguard_core.upstream_errors import parse_error

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"

#: (where the text is from, the text, the cause the round-21 readings alone give it, its rule or None).
ALONE: list[tuple[str, str, str, str | None]] = [
    # The model named as unknown in other words than "not found".
    (
        "https://github.com/liuw1535/antigravity2api-nodejs/issues/16",
        'API请求失败 (400): {"error": {"code": 400, "message": "You don\'t have access to this model or the model '
        'name is invalid", "status": "INVALID_ARGUMENT"}}',
        "cause.model-not-found",
        None,
    ),
    (
        "https://github.com/anomalyco/opencode/issues/11037",
        "undefined: The provided model identifier is invalid",
        "cause.model-not-found",
        None,
    ),
    (
        "https://github.com/deepwn/addi/issues/15",
        "Failed after 2 attempts with non-retryable error: '9d411bad-9f72-4dfb-9e3c-8cef358526dc is not a valid "
        "model ID'",
        "cause.model-not-found",
        None,
    ),
    # A model retired and no longer available, in two providers' words.
    (
        "https://github.com/epam/ai-dial-chat/issues/4403",
        "410 {'error': {'code': 'ModelDeprecated', 'message': 'The model associated with the deployment is "
        "deprecated and no longer available for use. Please refer to the Azure OpenAI service documentation for "
        "more information.'}}",
        "cause.model-not-found",
        None,
    ),
    (
        "https://github.com/valentinfrlch/ha-llmvision/issues/324",
        "The model `llama-3.2-11b-vision-preview` has been decommissioned and is no longer supported. Please refer "
        "to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.",
        "cause.model-not-found",
        None,
    ),
    # A tool message with no previous tool call, from the tool message's side.
    (
        "https://github.com/HKUDS/nanobot/issues/2007",
        "Error code: 400 - {'object':'error', 'message':'Message has tool role, but there was no previous "
        "assistant message with a tool call!','type':'BadRequest','param':None,'code':400}",
        "cause.orphan-tool-result",
        "sequence.orphan-tool-message",
    ),
    # parallel_tool_calls without tools, relayed by a Go client's print.
    (
        "https://github.com/antgroup/aievo/issues/10",
        "error, status code: 400, status: 400 Bad Request, message: Invalid value for 'parallel_tool_calls': "
        "'parallel_tool_calls' is only allowed when 'tools' are specified.",
        "cause.parallel-tool-calls-unsupported",
        "parallel_tool_calls.without-tools",
    ),
    # An image the server cannot decode.
    (
        "https://github.com/TeamWiseFlow/xiaobei/issues/219",
        "Error code: 400 - {'error': {'message': 'invalid image input', 'type': 'invalid_request_error', 'param': "
        "None, 'code': None}}",
        "cause.invalid-image",
        None,
    ),
    (
        "https://github.com/ThinkInAIXYZ/deepchat/issues/525",
        "请求失败illegal base64 data at input byte 4",
        "cause.invalid-image",
        None,
    ),
    # A spending limit reached.
    (
        "https://github.com/volcengine/MineContext/issues/328",
        "Your account ［2100334555］ has reached the set inference limit for the ［doubao-seed-1-6-flashl model, and "
        "the model service has been paused.",
        "cause.quota",
        None,
    ),
    # A function-call turn out of place, in the plural too.
    (
        "https://github.com/google-gemini/gemini-cli/issues/11814",
        "400 Bad request\nPlease ensure that function call turn comes immediately after a user turn or after a "
        "function response turn.",
        "cause.role-order",
        "roles.alternation",
    ),
]


@pytest.mark.parametrize(("source", "text", "cause", "rule"), ALONE, ids=[row[0] for row in ALONE])
def test_a_round_twenty_one_reading_alone_names_the_text(
    source: str, text: str, cause: str, rule: str | None
) -> None:
    found = _recognise_structural(text, None, (), fallback_param=None)
    assert found is not None, source
    assert found.cause_id == cause, (source, found.cause_id)
    if rule is not None:
        assert found.rule_id == rule, (source, found.rule_id)


def _round(number: int) -> list[dict[str, object]]:
    rows = [
        json.loads(line)
        for line in (CORPUS / "probe-causes.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [row for row in rows if row.get("round") == number]


#: The threads round 21's readings were written from (one each).
ROUND_21_SOURCES = (
    "https://github.com/google-gemini/gemini-cli/issues/15251",
    "https://github.com/deepwn/addi/issues/15",
    "https://github.com/epam/ai-dial-chat/issues/5147",
    "https://github.com/HKUDS/nanobot/issues/2007",
    "https://github.com/lofcz/LLMTornado/issues/18",
    "https://github.com/BerriAI/litellm/issues/18338",
    "https://github.com/volcengine/MineContext/issues/328",
    "https://github.com/google-gemini/gemini-cli/issues/26486",
)


def test_no_round_twenty_one_reading_cites_a_probe_thread() -> None:
    """A reading written from a probe text would make it seen: every source is a development thread, a
    document or a thread no corpus row comes from."""
    sources = {w.source for _, w in STRUCTURAL}
    assert [s for s in ROUND_21_SOURCES if s not in sources] == []
    probe = {
        json.loads(line)["source"].lower().rstrip("/")
        for line in (CORPUS / "probe-causes.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert [s for s in ROUND_21_SOURCES if s.lower().rstrip("/") in probe] == []


def test_the_round_twenty_one_probe_is_twenty_five_texts_from_twenty_five_threads() -> None:
    rows = _round(21)
    assert len(rows) == 25
    assert len({row["source"] for row in rows}) == 25
    assert all(str(row["id"]).startswith("probe-u") for row in rows)
    assert all(row["split"] == "probe" and row["class"] in ("other", "provider", "spec") for row in rows)


@pytest.mark.parametrize(
    ("probe_id", "cause", "rule"),
    [
        ("probe-u006", "cause.model-not-found", None),
        ("probe-u009", "cause.model-not-found", None),
        ("probe-u017", "cause.parallel-tool-calls-unsupported", None),
        ("probe-u025", "cause.orphan-tool-result", "sequence.orphan-tool-message"),
        # named before the round, kept
        ("probe-u004", "cause.region-unavailable", None),
        ("probe-u026", "cause.request-too-large", None),
    ],
)
def test_a_round_twenty_one_probe_text_is_named_on_the_live_path(
    probe_id: str, cause: str, rule: str | None
) -> None:
    row = next(r for r in _round(21) if r["id"] == probe_id)
    status = row["status"] if isinstance(row["status"], int) else None
    whole = whole_recognition(str(row["body"]), status)
    assert whole is not None, probe_id
    assert (whole[0], whole[1]) == (cause, rule), (probe_id, whole)


def test_a_refused_value_of_parallel_tool_calls_names_its_own_cause_without_the_rule() -> None:
    """The key refused keeps the cause's rule (no tools in the request); a refused value of it names the
    cause without that rule, which checks a condition the text does not state."""
    value = recognise("invalid tool config: parallel_tool_calls must be false when using built-in tools", 400)
    assert value is not None
    assert (value.cause_id, value.rule_id) == ("cause.parallel-tool-calls-unsupported", None)
    key = recognise(
        '{"error": {"message": "Unsupported parameter: \'parallel_tool_calls\' is not supported with this model.", '
        '"type": "invalid_request_error", "param": "parallel_tool_calls", "code": "unsupported_parameter"}}',
        400,
    )
    assert key is not None
    assert (key.cause_id, key.rule_id) == (
        "cause.parallel-tool-calls-unsupported",
        "parallel_tool_calls.without-tools",
    )


def test_a_clients_printed_error_is_read_through_its_details() -> None:
    """Cline prints the error it got as ``{"message", "status", "modelId", "providerId", "details"}``: the
    upstream's error object is ``details`` (here OpenRouter's, with Novita's own body in metadata.raw)."""
    body = (
        '{"message":"400 Provider returned error","status":400,"code":400,"modelId":"deepseek/deepseek-v3.1-'
        'terminus:exacto","providerId":"openrouter","details":{"message":"Provider returned error","code":400,'
        '"metadata":{"raw":"{\\"code\\":400, \\"reason\\":\\"INVALID_REQUEST_BODY\\", \\"message\\":\\"max_tokens '
        '(current value: 65536) must be between 0 and 32768 \\", \\"metadata\\":{}}","provider_name":"Novita"}}}'
    )
    error = parse_error(body, status=400)
    assert error is not None
    chain = error.chain()
    assert [e.shape for e in chain] == ["relay-nested", "openrouter", "flat-message"]
    assert chain[1].provider_name == "Novita"
    assert (chain[-1].message or "").startswith(
        "max_tokens (current value: 65536) must be between 0 and 32768"
    )
    # a refused value of max_tokens: the coarser cause, not nothing
    found = recognise(body, 400)
    assert found is not None and found.cause_id == "cause.param-value-unsupported"


def test_details_without_an_error_object_are_left_alone() -> None:
    """A flat error whose ``details`` is no error object (no message, no metadata) keeps its own message."""
    error = parse_error('{"message": "Bad request", "details": {"request_id": "abc"}}', status=400)
    assert error is not None
    assert error.shape == "flat-message"
    assert error.upstream is None


#: Real texts each reading must leave alone: (source, status, body, what it names: a cause, None, or
#: "not <cause>").
NEIGHBOURS: list[tuple[str, int | None, str, str | None]] = [
    # A deprecation warning on a model still served: no retired model.
    (
        "https://github.com/openai/openai-node/issues/208",
        None,
        '{"warning":"This model version is deprecated. Migrate before January 4, 2024 to avoid disruption of '
        'service. Learn more https://platform.openai.com/docs/deprecations"}',
        None,
    ),
    # A key without access to a model: round 22's access-refusal convention names the model, not the key.
    (
        "https://github.com/continuedev/continue/issues/10120",
        403,
        "403 Project `proj_JMo3Q9spNIEWhSxusokLegJY` does not have access to model `gpt-4.1-2025-04-14`",
        "cause.model-not-found",
    ),
    # A tool call without its answer: a missing result, not an orphan one.
    (
        "https://github.com/BloomLabsInc/genkit-plugins/issues/225",
        400,
        "Error: 400 An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        "'tool_call_id'. The following tool_call_ids did not have response messages",
        "not cause.orphan-tool-result",
    ),
    # A per-minute rate limit reached: not the account's spending limit.
    (
        "https://github.com/BuilderIO/micro-agent/issues/86",
        429,
        "429 Rate limit reached for gpt-4o in organization org-uOtiSEwvUnroadaOnJJquBEC on tokens per min (TPM): "
        "Limit 30000, Used 29937, Requested 385. Please try again in 644ms.",
        "cause.rate-limit",
    ),
    # A tool-call id refused by its format: not a model id.
    (
        "https://github.com/continuedev/continue/issues/11500",
        400,
        "400 Tool call id was  but must be a-z, A-Z, 0-9, with a length of 9. Tool call id was  but must be a-z, "
        "A-Z, 0-9, with a length of 9.",
        "cause.tool-call-id-invalid",
    ),
    # An image refused for its media type keeps its own sentence's cause.
    (
        "https://github.com/anthropics/claude-code/issues/6300",
        400,
        '{"type":"error","error":{"type":"invalid_request_error","message":"messages.2.content.0.image.source.'
        'base64.data: Image does not match the provided media type image/png"},"request_id":"req_011CSMw71bWRSzQu'
        'ETRVRHMe"}',
        "cause.invalid-image",
    ),
    # A function-response count mismatch is no turn order.
    (
        "https://github.com/google-gemini/gemini-cli/issues/17208",
        400,
        '[{"error": {"code": 400, "message": "Please ensure that the number of function response parts is equal '
        'to the number of function call parts of the function call turn.", "status": "INVALID_ARGUMENT"}}]',
        "not cause.role-order",
    ),
]


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"), NEIGHBOURS, ids=[row[0] for row in NEIGHBOURS]
)
def test_the_round_twenty_one_readings_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)
