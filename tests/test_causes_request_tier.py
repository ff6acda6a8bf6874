"""Issue #10, round 6 of the causes work: the request-aware tier (``causes.REQUEST_TIER``).

At answer time the request is known: a text that quotes something the request carries (a key, a
message field, a value, an instruction role) near a word rejecting it names the generic cause for
that kind of thing, after every text tier failed and before the status alone. Precision first: it
claims nothing the request does not carry, nothing nested under a key, nothing named without a
rejecting word, and no role without a catalogued cause.

Real texts from public threads, none of them a probe row's thread (the probe set measures the tier);
each request is what the thread shows or says it sent. Whole-row assertions: cause, rule, extracted
values, constraint.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from toolguard_core.capture import Capture
from toolguard_core.causes import (
    REQUEST_TIER,
    Constraint,
    recognise_error,
    recognise_request,
    request_object,
)
from toolguard_core.findings import Finding, Severity
from toolguard_core.learned import repeats
from toolguard_core.store import FindingRow, FlowRow, open_db, relabel_rows
from toolguard_core.upstream_errors import parse_error

HI = [{"role": "user", "content": "hi"}]


@dataclass(frozen=True)
class Row:
    source: str
    text: str
    request: dict[str, Any]
    cause: str
    rule: str | None
    values: dict[str, str] = field(default_factory=dict)
    constraint: Constraint | None = None


# The tier alone (recognise_request): one row per reading, from the development split's threads.
TIER_ROWS = [
    Row("https://github.com/charmbracelet/crush/issues/2623", 'think value "medium" is not supported for this model',
        {"model": "qwen3", "messages": HI, "think": "medium"},
        # Ollama's think is its name for reasoning_effort (causes._RESPONSES_ALIASES, round 25): the same cause
        # and rule the catalogue's own sentence for this text names.
        "cause.reasoning-effort-unsupported", "params.reasoning-effort-value", {"param": "think", "value": "medium"},
        Constraint("value", "think", "medium")),
    Row("https://github.com/LoadShine/tada/issues/16", "'response_format.type' must be 'json_schema' or 'text'",
        {"model": "local", "messages": HI, "response_format": {"type": "json_object"}},
        "cause.param-value-unsupported", None, {"param": "response_format"}),
    Row("https://github.com/WongSaang/chatgpt-ui/issues/99", "'1000' is not of type 'integer' - 'max_tokens'",
        {"model": "gpt-4", "messages": HI, "max_tokens": "1000"},
        "cause.param-type-invalid", "params.wrong-type", {"param": "max_tokens"}),
    Row("https://github.com/Gage-Technologies/mistral-go/pull/2", "body.messages.0.user.name: Extra inputs are not permitted",
        {"model": "mistral-small", "messages": [{"role": "user", "content": "hi", "name": ""}]},
        "cause.extra-message-field", "roles.name-unsupported", {"field": "name", "index": "0"},
        Constraint("message_field", "name")),
    Row("https://github.com/ggml-org/llama.cpp/issues/10920", "Unsupported param: tools",
        {"model": "local", "messages": HI, "tools": [{"type": "function", "function": {"name": "f"}}]},
        "cause.param-unsupported", "params.unsupported-for-model", {"param": "tools"}, Constraint("param", "tools")),
    # Schema strictness ("Unrecognized"): any key outside the schema, a generation parameter too, is a
    # field; the request's spelling is what is learned, not the text's camelCase.
    Row("https://github.com/quarkiverse/quarkus-langchain4j/issues/285",
        "Unrecognized request arguments supplied: frequencyPenalty, presencePenalty, topP",
        {"model": "gpt-4o", "messages": HI, "frequency_penalty": 0, "presence_penalty": 0, "top_p": 1},
        "cause.extra-request-field", "params.unknown", {"field": "frequency_penalty"},
        Constraint("field", "frequency_penalty")),
    Row("https://github.com/BigPizzaV3/CodexPlusPlus/issues/267",
        "invalid params, chat content has invalid message role: system (2013)",
        {"model": "MiniMax-M2", "messages": [{"role": "system", "content": "be brief"}, *HI]},
        "cause.model-no-system-role", "roles.system-unsupported", {"role": "system", "index": "0"},
        Constraint("role", "system")),
]  # fmt: skip

# Through recognise_error: texts no text tier names, which the request then explains.
ERROR_ROWS = [
    Row("https://github.com/browser-use/web-ui/issues/65",
        "Failed to deserialize the JSON body into the target type: response_format: response_format.type "
        "`json_schema` is unavailable now at line 1 column 12992",
        {"model": "deepseek-chat", "messages": HI, "response_format": {"type": "json_schema", "json_schema": {}}},
        "cause.param-value-unsupported", None, {"param": "response_format", "value": "json_schema"},
        Constraint("value", "response_format", "json_schema")),
]  # fmt: skip


def _row_of(found: Any) -> tuple[Any, ...]:
    return (found.cause_id, found.rule_id, dict(found.values), found.constraint, found.wording.provider)


@pytest.mark.parametrize("row", TIER_ROWS, ids=lambda r: r.source.rsplit("/", 3)[-3])
def test_the_tier_names_what_the_request_carries(row: Row) -> None:
    found = recognise_request(row.text, row.request)
    assert found is not None
    assert _row_of(found) == (row.cause, row.rule, row.values, row.constraint, "request")
    if found.constraint is not None:  # what is learned is where learned.repeats finds it again
        assert list(repeats(row.request, found.constraint)) != []


@pytest.mark.parametrize("row", ERROR_ROWS, ids=lambda r: r.source.rsplit("/", 3)[-3])
def test_recognise_error_consults_the_request_after_the_text_tiers(row: Row) -> None:
    error = parse_error(row.text, status=422)
    assert recognise_error(error, status=None) is None  # no text tier names it
    found = recognise_error(error, request=row.request)
    assert found is not None
    assert _row_of(found) == (row.cause, row.rule, row.values, row.constraint, "request")
    assert found.constraint is not None and list(repeats(row.request, found.constraint)) != []


def test_every_request_wording_matches_its_example_and_cites_no_probe_thread() -> None:
    text = (Path(__file__).parent / "data" / "corpus" / "probe-causes.jsonl").read_text(encoding="utf-8")
    probe = {json.loads(line)["source"] for line in text.splitlines() if line.strip()}
    for cause_id, wording in REQUEST_TIER.values():
        assert wording.pattern.search(wording.example), (cause_id, wording.example)
        assert wording.source not in probe


# Negative rows: real texts the tier must leave alone.
NEGATIVE = [
    # The text names a key the request does not carry (Groq, https://github.com/fanenr/chatbot/issues/21).
    ("property 'store' is unsupported, did you mean 'stop'?", {"model": "llama", "messages": HI, "stop": ["x"]}),
    # A key nested under a content part is not one of the message's keys
    # (https://github.com/cg-dot/vertexai-cf-workers/pull/21).
    ("*.cache_control: Extra inputs are not permitted",
     {"model": "claude", "messages": [{"role": "user", "content": [
         {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]}]}),
    # Something missing under the container is not the container refused
    # (https://github.com/lbjlaq/Antigravity-Manager/issues/1595).
    ("messages.19.content.0.text.text: Field required", {"model": "claude", "messages": HI}),
    # A role with no catalogued cause (a tool message refused) stays unexplained
    # (https://github.com/edison7009/EchoBird/issues/125).
    ("Failed to deserialize the JSON body into the target type: messages[62].role: unknown variant `tool`, "
     "expected `user` or `assistant` at line 1 column 64329",
     {"model": "x", "messages": [*HI, {"role": "tool", "content": "r", "tool_call_id": "c"}]}),
    # A key the request carries, named without a rejecting word
    # (https://github.com/foundation-model-stack/fms-guardrails-orchestrator/issues/91).
    ("Failed to deserialize the JSON body into the target type: guardrail_config.output: missing field `models` "
     "at line 9 column 3", {"inputs": "My email is", "guardrail_config": {"input": {"models": {}}, "output": {}}}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "request_body"), NEGATIVE)
def test_the_tier_claims_nothing_it_cannot_ground(text: str, request_body: dict[str, Any]) -> None:
    assert recognise_request(text, request_body) is None
    assert recognise_error(parse_error(text, status=400), request=request_body) == recognise_error(
        parse_error(text, status=400)
    )


def test_a_text_tier_answer_is_unchanged_by_the_request() -> None:
    # NVIDIA's refusal (https://github.com/Stack-Cairn/LiveAgent/issues/307): a family names it already.
    error = parse_error("Request failed: Validation: Unsupported parameter(s): prompt_cache_key", status=400)
    request = {"model": "nemotron", "messages": HI, "prompt_cache_key": "s1"}
    assert _row_of(recognise_error(error, request=request)) == _row_of(recognise_error(error))


def test_the_tier_ranks_above_the_status_alone() -> None:
    error = parse_error('think value "medium" is not supported for this model', status=404)
    assert recognise_error(error, status=404) is not None  # the status alone names something
    found = recognise_error(error, status=404, request={"model": "qwen3", "messages": HI, "think": "medium"})
    assert found is not None and found.wording.provider in ("request", "ollama", "generic")


def test_bad_and_huge_requests_are_bounded_and_never_raise() -> None:
    odd: list[Any] = [None, 1, "x", [], {"messages": "text"}, {"messages": [1, None, {"role": 3}]}, {1: 2}]
    for request in odd:
        assert recognise_request("property 'x' is unsupported", request) is None  # type: ignore[arg-type]
    big = {f"key_{i}": "v" for i in range(5000)}
    big["messages"] = [{"role": "user", "content": "hi", f"k_{i}": 1} for i in range(5000)]
    text = "Extra inputs are not permitted " * 300
    started = time.perf_counter()
    recognise_request(text, big)
    assert time.perf_counter() - started < 0.5


# Found by tests/test_fuzz_upstream_errors.py: a message whose role is not a string (a list, an object)
# raised "unhashable type" in the tier, and the defensive net dropped the whole reading.
@pytest.mark.parametrize("role", [[], {"r": "system"}, ["system"]])
def test_a_non_string_role_leaves_the_reading_intact(role: Any) -> None:
    row = ERROR_ROWS[0]
    request = {**row.request, "messages": [{"role": role, "content": "x"}, *row.request["messages"]]}
    found = recognise_error(parse_error(row.text, status=422), request=request)
    assert found is not None
    assert found.cause_id == row.cause


def test_request_object_reads_only_a_json_object() -> None:
    assert request_object('{"model": "m"}') == {"model": "m"}
    assert [request_object(t) for t in (None, "", "[1]", '{"cut": ', "[" * 100_000)] == [None] * 5


def test_the_writer_names_an_unexplained_rejection_from_the_request() -> None:
    """Capture.to_row, where the row is written: the stored verdict and cause come from the request."""
    body = json.dumps({"model": "deepseek-chat", "messages": HI, "response_format": {"type": "json_schema"}})
    answer = (
        "Failed to deserialize the JSON body into the target type: response_format: response_format.type "
        "`json_schema` is unavailable now at line 1 column 12992"
    )

    def row(request_text: str) -> Any:
        return Capture(
            flow_id="f1", started=1.0, ended=2.0, method="POST", scheme="http", host="127.0.0.1", port=9,
            path="/v1/chat/completions", url="http://127.0.0.1:9/v1/chat/completions", provider="deepseek",
            model="deepseek-chat", stream=None, request_headers=[], request_text=request_text,
            request_is_json=True, request_bytes=len(request_text),
            findings=[Finding(rule="x.warn", severity=Severity.WARNING, location="body", message="m")],
            secrets=[], verdict="unexplained", status=422, response_body=answer.encode(),
            response_content_type="text/plain; charset=utf-8",
        ).to_row()  # fmt: skip

    named = row(body)
    assert (named.verdict, named.cause_id) == ("recognised", "cause.param-value-unsupported")
    unnamed = row(json.dumps({"model": "deepseek-chat", "messages": HI}))  # the request carries no such value
    assert (unnamed.verdict, unnamed.cause_id) == ("unexplained", None)


def test_reexplain_reads_the_stored_request_as_the_writer_did(tmp_path: Path) -> None:
    """``toolguard reexplain`` (store.relabel_rows) decides a stored rejection again: a cause the
    request named must survive it, and an old unexplained row whose request explains it is relabelled."""
    db = open_db(tmp_path / "t.db")
    row = ERROR_ROWS[0]
    error = parse_error(row.text, status=422)
    stored = FlowRow(
        id="f1",
        datetime_utc="2026-11-30T10:00:00.000Z",
        status=422,
        error_message=error.message if error else None,
        error_json=json.dumps(error.summary()) if error else None,
        request_json=json.dumps(row.request),
        verdict="unexplained",
        findings=[FindingRow(idx=0, rule="x.y", severity="warning", location="body", message="m")],
    )
    db["flow_rows"].insert({k: v for k, v in stored.columns().items() if v is not None})
    assert relabel_rows(db) == 1
    got = db["flow_rows"].get("f1")
    assert (got["verdict"], got["cause_id"]) == ("recognised", row.cause)
    assert relabel_rows(db) == 0  # decided again the same way


_PRESENCE = (
    "Exception: Stream error: Exception: HTTP 400 Model {model} does not support parameter presencePenalty."
)
_TEMPERATURE = "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported."


@pytest.mark.parametrize(
    ("text", "model", "cause", "rule"),
    [
        # The catalog knows these do not reason: the parameter (or its value) is refused by the model.
        (
            _PRESENCE.format(model="gpt-4o"),
            "gpt-4o",
            "cause.param-unsupported",
            "params.unsupported-for-model",
        ),
        (_TEMPERATURE, "deepseek-chat", "cause.param-value-unsupported", None),
        # A reasoning model, a model the catalog does not know, or no model: the reasoning-model cause stays.
        (
            _PRESENCE.format(model="grok-4"),
            "grok-4",
            "cause.sampling-on-reasoning-model",
            "params.unsupported-for-model",
        ),
        (
            _TEMPERATURE,
            "o3-mini",
            "cause.sampling-on-reasoning-model",
            "params.temperature-on-reasoning-model",
        ),
        (
            _PRESENCE.format(model="acme-house-model"),
            "acme-house-model",
            "cause.sampling-on-reasoning-model",
            "params.unsupported-for-model",
        ),
        (_TEMPERATURE, None, "cause.sampling-on-reasoning-model", "params.temperature-on-reasoning-model"),
    ],
)
def test_a_sampling_refusal_names_reasoning_only_where_the_model_may_reason(text, model, cause, rule):
    request = {"messages": [{"role": "user", "content": "hi"}], "presence_penalty": 0.5, "temperature": 0.7}
    if model is not None:
        request["model"] = model
    found = recognise_error(
        parse_error(json.dumps({"error": {"message": text}}), status=400), request=request
    )
    assert found is not None
    assert (found.cause.id, found.rule_id) == (cause, rule)
    without = recognise_error(parse_error(json.dumps({"error": {"message": text}}), status=400))
    assert without is not None and without.cause.id == "cause.sampling-on-reasoning-model"
