"""Issue #10, round 24 (docs/errors.md "Generalisation", "Round 24"): readings by mechanism for the informative
rejections nothing named.

Probe round 24 (probe-x*) was collected and scored before any of this. Then four readings, each a mechanism
several servers' texts share rather than one provider's sentence, each sourced from a development thread or
a thread no corpus or probe row comes from:

- the structural tier's "round 24" block: the system role restricted by position or count ("the system role
  can only be used in the first message", "only one system message", "role 'system' must precede") is
  ``cause.system-not-first``;
- the same block: a message addressed by its index whose content the text says is empty ("messages[4]:content
  and tool_calls fields can't both be empty", "messages[2] assistant content must contain at least one part") is
  ``cause.empty-content`` with the index; the stop list bounded by a count ("stop conditions must be less than
  4", "Length of stop (...) exceeds the limit") is ``params.stop-count``'s refused value;
- the request-aware tier: a validator that lists the values it expects and then echoes the one it got
  ("Expected 'enabled' | 'disabled', received 'adaptive'") refuses the request's value, not suggests it; and a
  refused value of a parameter whose values have a cause of their own (``reasoning_effort``) names that cause.

Each table runs real texts; the neighbours are real texts the readings must leave alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.recognition import assert_neighbour_cause

from toolguard_core.causes import REQUEST_TIER, STRUCTURAL, _recognise_structural, recognise_error
from toolguard_core.upstream_errors import parse_error

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"

#: The round's structural reading (the last of the "round 24" block).
SYSTEM_POSITION = next(
    w for c, w in STRUCTURAL if c == "cause.system-not-first" and "maritalk-api" in w.source
)

#: (thread the text is quoted from, text): the round-24 structural reading ALONE names each
#: ``cause.system-not-first``, with the rule that predicts it.
ALONE: list[tuple[str, str]] = [
    # Maritaca's API (the reading's own source; no thread outside the probe files shows another server's
    # words for it, so the probe's texts of this kind are checked on the live path below, tuned).
    (
        "https://github.com/maritaca-ai/maritalk-api/issues/183",
        "Sorry, the system role can only be used in the first message",
    ),
]


#: (thread, text, cause, rule, values): the block's other readings ALONE, each on its own source's text (no
#: thread outside the probe files shows another server's words for them; the probe's texts are checked on
#: the live path below, tuned).
OTHERS_ALONE: list[tuple[str, str, str, str | None, dict[str, str]]] = [
    (
        "https://github.com/AgentEra/Agently/issues/74",
        "messages[4]:content和tool_calls 字段不能同时为空",
        "cause.empty-content",
        None,
        {"index": "4"},
    ),
    (
        "https://github.com/ai-dynamo/dynamo/pull/12818",
        "stop conditions must be less than 4",
        "cause.param-value-unsupported",
        "params.stop-count",
        {"param": "stop"},
    ),
]


@pytest.mark.parametrize(
    ("source", "text", "cause", "rule", "values"), OTHERS_ALONE, ids=[row[0] for row in OTHERS_ALONE]
)
def test_a_round_twenty_four_reading_alone_names_its_text(
    source: str, text: str, cause: str, rule: str | None, values: dict[str, str]
) -> None:
    found = _recognise_structural(text, None, (), fallback_param=None)
    assert found is not None, source
    assert (found.cause_id, found.rule_id, dict(found.values), found.wording.source) == (
        cause,
        rule,
        values,
        source,
    )


@pytest.mark.parametrize(("source", "text"), ALONE, ids=[row[0] for row in ALONE])
def test_a_system_role_restricted_by_position_or_count_is_system_not_first(source: str, text: str) -> None:
    found = _recognise_structural(text, None, (), fallback_param=None)
    assert found is not None, source
    assert (found.cause_id, found.rule_id, dict(found.values), found.wording is SYSTEM_POSITION) == (
        "cause.system-not-first",
        "roles.system-not-first",
        {},
        True,
    ), source


#: Real texts the round-24 readings must leave alone: (source, status, body, what it names).
NEIGHBOURS: list[tuple[str, int | None, str, str | None]] = [
    # The system role refused as such (not its position) keeps its own cause.
    (
        "https://github.com/router-for-me/CLIProxyAPI/issues/4092",
        400,
        '{"detail":"System messages are not allowed"}',
        "not cause.system-not-first",
    ),
    (
        "https://github.com/zai-org/GLM-5/issues/74",
        422,
        '{"detail":[{"type":"literal_error","loc":["body","messages",1,"role"],"msg":"Input should be \'user\' or '
        '\'assistant\'","input":"system","ctx":{"expected":"\'user\' or \'assistant\'"}}]}',
        "cause.model-no-system-role",
    ),
    # "Only one message at a time" is ChatGPT's web backend refusing a second request in flight, not a role.
    (
        "https://github.com/0xk1h0/ChatGPT_DAN/issues/18",
        400,
        '{"detail":"Only one message at a time. Please allow any other responses to complete before sending '
        'another message, or wait one minute."}',
        "not cause.system-not-first",
    ),
    # The length of one stop string is another fault than how many there are: not the count reading (the
    # text is the probe thread's second example, FastDeploy's own PR; only its count text is a probe row).
    (
        "https://github.com/PaddlePaddle/FastDeploy/pull/3216",
        400,
        "{'object': 'error', 'message': 'Length of stop_seqs(16) exceeds the limit max_model_len(8).Please reduce "
        "the length of stop sequences or set a larger stop_seqs_max_len by `FD_STOP_SEQS_MAX_LEN`', 'code': 400}",
        None,
    ),
    # A message's content refused as null in OpenAI's words keeps the sentence that names it.
    (
        "https://github.com/livekit/agents/issues/1297",
        400,
        "{'error': {'message': \"Invalid value for 'content': expected a string, got null.\", 'type': "
        "'invalid_request_error', 'param': 'messages.[0].content', 'code': None}}",
        "cause.empty-content",
    ),
    # The round-7 reading's form keeps its reading (the same cause).
    (
        "https://github.com/looplj/axonhub/issues/1664",
        400,
        "API Error: 400 System message must be at the beginning.",
        "cause.system-not-first",
    ),
]


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"), NEIGHBOURS, ids=[row[0] for row in NEIGHBOURS]
)
def test_the_round_twenty_four_readings_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


ADAPTIVE_THINKING = {
    "model": "claude-opus-4-7",
    "max_tokens": 1024,
    "thinking": {"type": "adaptive"},
    "messages": [{"role": "user", "content": "hi"}],
}
ENABLED_THINKING = {**ADAPTIVE_THINKING, "thinking": {"type": "enabled", "budget_tokens": 1024}}
#: A gateway's zod validator (freellmapi) refusing the thinking type Claude Code sends to newer models.
ZOD_ECHO = (
    "API Error: 400 Invalid request: thinking.type: Invalid enum value. Expected 'enabled' | 'disabled', "
    "received 'adaptive'"
)


def test_a_value_echoed_after_the_expected_ones_is_the_requests_refused_value() -> None:
    """tashfeenahmed/freellmapi#632: the value after "received" is what the validator refused; before round 24
    the "Expected ..." before it made the request tier read it as the text's suggestion and name nothing."""
    error = parse_error(ZOD_ECHO, status=400)
    found = recognise_error(error, status=400, request=ADAPTIVE_THINKING)
    assert found is not None
    assert (
        found.cause_id,
        dict(found.values),
        found.wording is REQUEST_TIER["value"][1],
    ) == ("cause.param-value-unsupported", {"param": "thinking", "value": "adaptive"}, True)
    # Without the request the text names no key the request carries; with a request whose thinking type is
    # one the text lists, the echoed value is not the request's and nothing is claimed.
    assert recognise_error(error, status=400) is None
    assert recognise_error(error, status=400, request=ENABLED_THINKING) is None


def test_a_suggestion_after_a_refusal_stays_a_suggestion() -> None:
    """Groq's "did you mean 'stop'?" (fanenr/chatbot#21) still names the key it refused, not the one it
    suggests, on a request that carries both."""
    body = '{"error":{"message":"property \'store\' is unsupported, did you mean \'stop\'?","type":"invalid_request_error"}}'
    request = {"model": "llama-3.3-70b-versatile", "store": False, "stop": ["\n"], "messages": []}
    found = recognise_error(parse_error(body, status=400), status=400, request=request)
    assert found is not None
    assert found.values.get("field", found.values.get("param")) == "store"


def test_a_refused_reasoning_effort_value_names_its_own_cause() -> None:
    """A refused value of reasoning_effort is the cause whose fix lists the levels the model takes, as a
    refused key of it already was (causes.OWN_CAUSE_PARAMS); here through the validator's echo."""
    body = "Invalid enum value. Expected 'low' | 'medium' | 'high', received 'xhigh'"
    request = {
        "model": "kimi-k2.5",
        "reasoning_effort": "xhigh",
        "messages": [{"role": "user", "content": "hi"}],
    }
    found = recognise_error(parse_error(body, status=400), status=400, request=request)
    assert found is not None
    assert (found.cause_id, found.rule_id, dict(found.values)) == (
        "cause.reasoning-effort-unsupported",
        "params.reasoning-effort-value",
        {"param": "reasoning_effort", "value": "xhigh"},
    )


def _probe_rows() -> list[dict[str, object]]:
    return [
        json.loads(line)
        for line in (CORPUS / "probe-causes.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.mark.parametrize(
    ("probe_id", "cause", "rule"),
    [
        # gained by the round's readings (tuned: written after these rows were scored, from other threads)
        ("probe-j035", "cause.system-not-first", "roles.system-not-first"),
        ("probe-u018", "cause.system-not-first", "roles.system-not-first"),
        ("probe-u019", "cause.system-not-first", "roles.system-not-first"),
        ("probe-u020", "cause.system-not-first", "roles.system-not-first"),
        ("probe-t017", "cause.reasoning-effort-unsupported", "params.reasoning-effort-value"),
        ("probe-o004", "cause.empty-content", None),
        ("probe-l002", "cause.empty-content", None),
        ("probe-i039", "cause.param-value-unsupported", "params.stop-count"),
        ("probe-i041", "cause.param-value-unsupported", "params.stop-count"),
    ],
)
def test_a_probe_text_the_round_gained_is_named_on_the_live_path(
    probe_id: str, cause: str, rule: str | None
) -> None:
    row = next(r for r in _probe_rows() if r["id"] == probe_id)
    status = row["status"] if isinstance(row["status"], int) else None
    request = row.get("request") if isinstance(row.get("request"), dict) else None
    found = recognise_error(parse_error(str(row["body"]), status=status), status=status, request=request)
    assert found is not None, probe_id
    assert (found.cause_id, found.rule_id) == (cause, rule), probe_id


#: The threads round 24's readings and tests were written from.
ROUND_24_SOURCES = (
    "https://github.com/maritaca-ai/maritalk-api/issues/183",
    "https://github.com/tashfeenahmed/freellmapi/issues/632",
    "https://github.com/ai-dynamo/dynamo/pull/12818",
)


def test_no_round_twenty_four_source_is_a_probe_or_corpus_thread() -> None:
    assert SYSTEM_POSITION.source == ROUND_24_SOURCES[0]
    seen = {str(row["source"]).lower().rstrip("/") for row in _probe_rows()}
    assert [s for s in ROUND_24_SOURCES if s.lower() in seen] == []
    for name in ("failures-a.jsonl", "failures-b.jsonl"):
        text = (CORPUS / name).read_text(encoding="utf-8").lower()
        assert [s for s in ROUND_24_SOURCES if f'"{s.lower()}"' in text] == []


def test_the_round_twenty_four_probe_is_eight_texts_from_eight_threads() -> None:
    rows = [row for row in _probe_rows() if row.get("round") == 24]
    assert len(rows) == 8
    assert len({row["source"] for row in rows}) == 8
    assert all(str(row["id"]).startswith("probe-x") and row["split"] == "probe" for row in rows)
