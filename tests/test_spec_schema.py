"""spec.*: OpenAI's published request schema, snapshotted offline and checked on every request (issue 9,
round 5).

The refresh script runs on a small fixture spec (tests/data/openapi/mini-openapi.yaml) and its whole output
is compared; the shipped snapshot records its date, source and spec version; the validator is driven over
real request bodies through ``analyse_request`` (the whole finding list compared, per provider)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.rules import spec

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "openapi" / "mini-openapi.yaml"
SNAPSHOT = ROOT / "addon" / "toolguard_core" / "data" / "openai_request_schema.json"

OPENAI = "https://api.openai.com/v1/chat/completions"
OPENAI_RESPONSES = "https://api.openai.com/v1/responses"
GATEWAY = "https://llm-gateway.example.com/v1/chat/completions"
GROQ = "https://api.groq.com/openai/v1/chat/completions"
VLLM = "http://127.0.0.1:8000/v1/chat/completions"
USER = {"role": "user", "content": "Hello"}


def test_the_shipped_snapshot_records_its_source_date_and_spec_version() -> None:
    meta = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["_meta"]
    assert meta["source"] == "https://github.com/openai/openai-openapi/blob/master/openapi.yaml"
    assert meta["ref"].startswith("openai/openai-openapi ")
    assert dt.date.fromisoformat(meta["date"]) >= dt.date(2026, 8, 21)  # not older than the spec it read
    assert meta["spec_version"] == "2.3.0"
    assert meta["roots"] == {"chat": "CreateChatCompletionRequest", "responses": "CreateResponse"}
    assert meta == spec.META  # what the validator compiled is this file


def test_the_shipped_snapshot_compiles_both_request_bodies() -> None:
    chat, responses = spec.ROOTS["chat"], spec.ROOTS["responses"]
    assert chat.props is not None and {"messages", "model", "tools", "response_format"} <= set(chat.props)
    assert responses.props is not None and {"input", "instructions", "tools", "reasoning"} <= set(
        responses.props
    )


def test_refresh_compiles_the_fixture_spec_offline(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "refresh_openapi.py"), str(FIXTURE), "--ref", "fixture",
         "--date", "2026-01-02", "--out", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    snapshot = json.loads(out.read_text(encoding="utf-8"))
    string = {"type": ["string"]}
    user = {
        "type": ["object"],
        "props": {
            "content": {"any": [string, {"type": ["array"], "items": {"ref": "Part"}}]},
            "role": {"type": ["string"], "enum": ["user"]},
        },
        "req": ["content", "role"],
    }
    assert snapshot == {
        "_meta": {
            "source": "https://github.com/openai/openai-openapi/blob/master/openapi.yaml",
            "ref": "fixture",
            "spec_version": "9.9.9",
            "date": "2026-01-02",
            "roots": {"chat": "CreateChatCompletionRequest", "responses": "CreateResponse"},
            "generator": "scripts/refresh_openapi.py",
        },
        "roots": {"chat": {"ref": "CreateChatCompletionRequest"}, "responses": {"ref": "CreateResponse"}},
        "defs": {
            # allOf merged: the shared properties and the request's own, their required keys united.
            "CreateChatCompletionRequest": {
                "type": ["object"],
                "props": {
                    "filter": {"ref": "Filter"},
                    "messages": {"type": ["array"], "min_items": 1, "items": {"ref": "Message"}},
                    "model": string,
                    "n": {"type": ["integer", "null"], "min": 1, "max": 128},  # nullable folded in
                    "temperature": {"any": [{"type": ["number"], "min": 0, "max": 2}, {"type": ["null"]}]},
                },
                "req": ["messages", "model"],
            },
            "CreateResponse": {
                "type": ["object"],
                "props": {
                    "input": {"any": [string, {"type": ["array"], "items": {"ref": "Message"}}]},
                    "metadata": {"ref": "Metadata"},
                },
            },
            # A map's value schema (additionalProperties) is kept; the bounds the spec states only in
            # Metadata's description are added from the script's PROSE_BOUNDS.
            "Metadata": {
                "any": [
                    {
                        "type": ["object"],
                        "values": {"type": ["string"], "max_len": 512},
                        "max_props": 16,
                        "key_max_len": 64,
                    },
                    {"type": ["null"]},
                ]
            },
            "Filter": {"type": ["object"], "props": {"key": string}, "closed": True},
            "Message": {"any": [{"ref": "UserMessage"}, {"ref": "ToolMessage"}]},
            "Part": {
                "type": ["object"],
                "props": {"text": string, "type": {"type": ["string"], "enum": ["text"]}},
                "req": ["text", "type"],
            },
            # `strict` is required but nullable: a response key, not one a request must send.
            "ToolMessage": {
                "type": ["object"],
                "props": {
                    "role": {"type": ["string"], "enum": ["tool"]},
                    "strict": {"any": [{"type": ["boolean"]}, {"type": ["null"]}]},
                    "tool_call_id": {"type": ["string"], "min_len": 1, "max_len": 64},  # string lengths kept
                },
                "req": ["role", "tool_call_id"],
            },
            "UserMessage": user,
        },
    }


def _rows(body: dict[str, Any], url: str) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert analysis.internal_errors == []
    return [(f.rule, str(f.severity), f.location) for f in analysis.findings]


def _spec_rows(body: dict[str, Any], url: str) -> list[tuple[str, str, str]]:
    return [row for row in _rows(body, url) if row[0].startswith("spec.")]


FUNCTION_MESSAGE = {
    # probe3-026's request (a legacy function result without its name): OpenAI answers
    # "Missing parameter 'name': messages with role 'function' must have a 'name'."
    "model": "gpt-4o",
    "messages": [
        USER,
        {"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": "{}"}},
        {"role": "function", "content": "Sunny"},
    ],
}
VERBOSITY = {"model": "gpt-5", "messages": [USER], "verbosity": "max"}
INCLUDE_USAGE = {
    "model": "gpt-4o",
    "messages": [USER],
    "stream": True,
    "stream_options": {"include_usage": "1"},
}
UNKNOWN_MODEL = {**INCLUDE_USAGE, "model": "house-model-7b"}

CASES = [
    # OpenAI validates its schema: an error, at OpenAI's own parameter path.
    (FUNCTION_MESSAGE, OPENAI, [("spec.missing-required", "error", "messages[2].name")]),
    (VERBOSITY, OPENAI, [("spec.unknown-enum-value", "error", "verbosity")]),
    (INCLUDE_USAGE, OPENAI, [("spec.wrong-type", "error", "stream_options.include_usage")]),
    (
        {"model": "gpt-4o", "messages": [USER], "audio": {"voice": "alloy"}, "modalities": ["text", "video"]},
        OPENAI,
        [
            ("spec.missing-required", "error", "audio.format"),
            ("spec.unknown-enum-value", "error", "modalities[1]"),
        ],
    ),
    (
        {"model": "gpt-4o", "input": "Hi", "text": {"verbosity": "loud"}, "max_output_tokens": "64"},
        OPENAI_RESPONSES,
        [
            ("spec.unknown-enum-value", "error", "text.verbosity"),
            ("spec.wrong-type", "error", "max_output_tokens"),
        ],
    ),
    # Responses input items are told apart by their `type` (one item type, ItemReferenceParam, types it as
    # "item_reference" or null): probe9-019's computer_call_output with a string where OpenAI answers
    # "Invalid type for 'input[0].output': expected a computer call output, but got a string instead."
    (
        {
            "model": "computer-use-preview",
            "input": [{"type": "computer_call_output", "call_id": "call_1", "output": "screenshot taken"}],
            "truncation": "auto",
        },
        OPENAI_RESPONSES,
        [("spec.wrong-type", "error", "input[0].output")],
    ),
    # A replayed item's optional key sent as null is taken as absent (pydantic-ai's recorded
    # test_openai_responses_requires_function_call_status_none got a 200); an item reference is untouched.
    (
        {
            "model": "gpt-5",
            "input": [
                USER,
                {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}", "status": None},
                {"type": "function_call_output", "call_id": "c1", "output": "ok"},
                {"type": "item_reference", "id": "msg_1"},
            ],
        },
        OPENAI_RESPONSES,
        [],
    ),
    # String lengths the schema bounds (maxLength/minLength, issue 9 session 12): OpenAI's validator
    # enforces them with one wording, "Invalid 'input[95].call_id': string too long. Expected a string
    # with maximum length 64, ..." (code string_above_max_length, AnswerDotAI/fastllm#45).
    (
        {"model": "gpt-4o", "messages": [USER], "safety_identifier": "u" * 65},
        OPENAI,
        [("spec.out-of-range", "error", "safety_identifier")],
    ),
    (
        {"model": "gpt-5", "input": "Hi", "safety_identifier": "u" * 65},
        OPENAI_RESPONSES,
        [("spec.out-of-range", "error", "safety_identifier")],
    ),
    ({"model": "gpt-4o", "messages": [USER], "safety_identifier": "u" * 64}, OPENAI, []),
    # metadata: at most 16 keys of at most 64 characters, string values of at most 512 (the spec's
    # Metadata description; "Invalid 'metadata': too many properties. Expected an object with at most 16
    # properties" and "Expected a string with maximum length 512 ... (param: metadata.actual)",
    # spiceai/docs#928).
    (
        {"model": "gpt-4o", "messages": [USER], "metadata": {f"k{i}": "v" for i in range(17)}},
        OPENAI,
        [("spec.out-of-range", "error", "metadata")],
    ),
    (
        {"model": "gpt-4o", "messages": [USER], "metadata": {"actual": "a" * 513, "k" * 65: "v", "n": 3}},
        OPENAI,
        [
            ("spec.out-of-range", "error", "metadata.actual"),
            ("spec.out-of-range", "error", "metadata." + "k" * 65),
            ("spec.wrong-type", "error", "metadata.n"),
        ],
    ),
    (
        {"model": "gpt-5", "input": "Hi", "metadata": {f"k{i}": "v" * 512 for i in range(16)}},
        OPENAI_RESPONSES,
        [],
    ),
    # Bounds OpenAI's servers enforce that the published schema does not state (spec.SERVER_BOUNDS): at
    # most 2048 messages (Azure OpenAI's '"$.messages" exceeds the maximum length of 2048 items'), 128
    # replayed tool calls in one message (openai/openai-dotnet#317) and 1,048,576 characters of message
    # text (Azure OpenAI's quotas page); one more is refused, the bound itself is not.
    (
        {"model": "gpt-4o", "messages": [USER] * 2049},
        OPENAI,
        [("spec.out-of-range", "error", "messages")],
    ),
    ({"model": "gpt-4o", "messages": [USER] * 2048}, OPENAI, []),
    (
        {"model": "gpt-4o", "messages": [USER] * 2049},
        GATEWAY,
        [("spec.out-of-range", "error", "messages")],
    ),
    (
        {"model": "house-model-7", "messages": [USER] * 2049},
        GATEWAY,
        [("spec.out-of-range", "warning", "messages")],
    ),
    ({"model": "gpt-4o", "messages": [USER] * 2049}, VLLM, []),
    (
        {
            "model": "gpt-4o",
            "messages": [
                USER,
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": f"call_{i}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                        for i in range(129)
                    ],
                },
                *({"role": "tool", "tool_call_id": f"call_{i}", "content": "ok"} for i in range(129)),
            ],
        },
        OPENAI,
        [("spec.out-of-range", "error", "messages[1].tool_calls")],
    ),
    (
        {"model": "gpt-4o", "messages": [{"role": "user", "content": "a" * 1_048_577}]},
        OPENAI,
        [("spec.out-of-range", "error", "messages[0].content")],
    ),
    ({"model": "gpt-4o", "messages": [{"role": "user", "content": "a" * 1_048_576}]}, OPENAI, []),
    (
        {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "a" * 1_048_577}]}],
        },
        OPENAI,
        [],
    ),
    # An unrecognised host: a type fact is judged as the known model's vendor (an error); a value the
    # snapshot does not list may be a newer API's or an extension, so it stays the host's warning.
    (INCLUDE_USAGE, GATEWAY, [("spec.wrong-type", "error", "stream_options.include_usage")]),
    (VERBOSITY, GATEWAY, [("spec.unknown-enum-value", "warning", "verbosity")]),
    (UNKNOWN_MODEL, GATEWAY, [("spec.wrong-type", "warning", "stream_options.include_usage")]),
    # A recognised non-OpenAI provider is judged by its own rules, never by OpenAI's schema.
    (FUNCTION_MESSAGE, GROQ, []),
    (VERBOSITY, VLLM, []),
    # Valid requests: nothing.
    (
        {"model": "gpt-4o", "messages": [USER], "stream": True, "stream_options": {"include_usage": True}},
        OPENAI,
        [],
    ),
    (
        {
            "model": "gpt-4o",
            "input": [
                {"role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
                {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "call_1", "output": "ok"},
            ],
            "tools": [{"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}],
        },
        OPENAI_RESPONSES,
        [],
    ),
]


@pytest.mark.parametrize(("body", "url", "expected"), CASES)
def test_spec_findings_per_provider(
    body: dict[str, Any], url: str, expected: list[tuple[str, str, str]]
) -> None:
    assert _spec_rows(body, url) == expected


def test_a_violation_a_hand_written_rule_names_gives_that_rules_finding_only() -> None:
    # probe3-008's shape: `parameters` given as a list. The schema says object; tools.parameters-not-object
    # says it at the same place, with the fix: one finding.
    body = {
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [
            {"type": "function", "function": {"name": "edit", "description": "Edit", "parameters": []}}
        ],
    }
    assert _rows(body, OPENAI) == [("tools.parameters-not-object", "error", "tools[0].function.parameters")]
    assert spec.violations(body, "chat") == [
        (spec.WRONG_TYPE, "tools[0].function.parameters", "`tools[0].function.parameters` is a JSON array; "
         "OpenAI's schema takes object here."),
    ]  # fmt: skip


def test_top_level_ranges_a_profile_declares_are_the_params_rules() -> None:
    body = {"model": "gpt-4o", "messages": [USER], "temperature": 2.5}
    assert [r for r in _rows(body, OPENAI) if r[2] == "temperature"] == [
        ("params.temperature-range", "error", "temperature")
    ]


def test_the_validator_never_raises_on_odd_values() -> None:
    odd: list[Any] = [None, 1e308, -0.0, float("nan"), "", [], {}, [[[]]], {"type": None}, {"role": 5}, True]
    for value in odd:
        for key in ("messages", "tools", "input", "response_format", "stop", "tool_choice", "n", "metadata"):
            for endpoint in ("chat", "responses"):
                spec.violations({"model": "gpt-4o", key: value}, endpoint)
                spec.violations({"model": "gpt-4o", key: [value, {"x": value}]}, endpoint)


def test_a_finding_about_a_whole_top_level_field_does_not_hide_a_value_inside_it() -> None:
    # params.stream-options-without-stream is about `stream_options` being sent at all; the wrong type of
    # include_usage inside it is another violation, reported by spec.wrong-type.
    body = {"model": "gpt-4o", "messages": [USER], "stream_options": {"include_usage": "yes"}}
    assert _rows(body, OPENAI) == [
        ("params.stream-options-without-stream", "error", "stream_options"),
        ("spec.wrong-type", "error", "stream_options.include_usage"),
    ]


def test_a_long_conversation_is_walked_from_its_newest_messages() -> None:
    """Only the newest NEWEST_ITEMS messages are walked, with their real indices; an older one was the
    newest of an earlier turn of the same agent loop (issue #12: the walk's cost on 1 MB)."""
    from toolguard_core.rules.spec import NEWEST_ITEMS, violations

    messages: list[dict] = [{"role": "user", "content": f"turn {i}"} for i in range(100)]
    messages[0] = {"role": "user", "content": 7}  # older than the newest 48: not walked
    messages[99] = {"role": "user", "content": 8}
    messages[100 - NEWEST_ITEMS] = {"role": "user", "content": 9}  # the oldest one walked
    found = [
        (rule.id, location)
        for rule, location, _ in violations({"model": "gpt-4o", "messages": messages}, "chat")
    ]
    assert found == [
        ("spec.wrong-type", f"messages[{100 - NEWEST_ITEMS}].content"),
        ("spec.wrong-type", "messages[99].content"),
    ]
    short = [{"role": "user", "content": 7}] + [{"role": "user", "content": "x"}] * (NEWEST_ITEMS - 1)
    assert [loc for _, loc, _ in violations({"model": "gpt-4o", "messages": short}, "chat")] == [
        "messages[0].content"
    ]
