"""Tool-call sequence and shape rules (rules/sequence.py, rules/shape.py): exact findings for every rule, over real bodies.

The three seed cases use the LangChain INVALID_TOOL_RESULTS page's real ids and OpenAI's real 400
answers (tests/support/seeds.py); the rule metadata must predict exactly those texts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.seeds import (
    FIRST_ID,
    SECOND_ID,
    SEED_CASES,
    USER,
    VALID_PARALLEL,
    SeedCase,
    assistant,
    call,
    tool,
)

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import RequestView, Target
from toolguard_core.rules import RULES, sequence
from toolguard_core.rules.sequence import check_tool_sequence
from toolguard_core.rules.shape import check_message_shape

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
OLLAMA_URL = "http://127.0.0.1:11434/v1/chat/completions"
SEQUENCE_RULES = {rule_id for rule_id in RULES if rule_id.startswith(("sequence.", "shape."))}


def findings(messages: list[Any], url: str = OPENAI_URL) -> list[tuple[str, str, str]]:
    view = RequestView(
        body={"model": "gpt-4o-mini", "messages": messages}, target=Target.from_url(url, DEFAULT_REGISTRY)
    )
    # The shape.* and sequence.* checks, in the order the registry runs them.
    return [
        (f.rule, f.severity.value, f.location)
        for f in (*check_message_shape(view), *check_tool_sequence(view))
    ]


def messages_of(messages: list[Any], url: str = OPENAI_URL) -> list[str]:
    view = RequestView(
        body={"model": "gpt-4o-mini", "messages": messages}, target=Target.from_url(url, DEFAULT_REGISTRY)
    )
    return [f.message for f in (*check_message_shape(view), *check_tool_sequence(view))]


def bad_arguments(arguments: Any) -> list[Any]:
    return [
        USER,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": arguments}}
            ],
        },
        tool("call_1"),
    ]


# (name, messages, exact findings, ids each finding's message must name (one tuple per finding))
CASES: list[tuple[str, list[Any], list[tuple[str, str, str]], list[tuple[str, ...]]]] = [
    ("valid single call", [USER, assistant("call_1"), tool("call_1")], [], []),
    ("valid parallel calls, seed ids", VALID_PARALLEL, [], []),
    (
        "valid parallel calls answered in reverse order",
        [USER, assistant(FIRST_ID, SECOND_ID), tool(SECOND_ID), tool(FIRST_ID)],
        [],
        [],
    ),
    (
        "valid two turns",
        [USER, assistant("call_1"), tool("call_1"), {"role": "assistant", "content": "ok"}, USER],
        [],
        [],
    ),
    ("no tool calls at all", [USER, {"role": "assistant", "content": "hi"}, USER], [], []),
    (
        "orphan after a user message",
        [USER, tool("call_1")],
        [("sequence.orphan-tool-message", "error", "messages[1]")],
        [("call_1",)],
    ),
    (
        "tool result before its call",
        [USER, tool("call_1"), assistant("call_1"), tool("call_1")],
        [("sequence.orphan-tool-message", "error", "messages[1]")],
        [("call_1", "messages[2]")],
    ),
    (
        "answer for an id the assistant did not call",
        [USER, assistant("call_1"), tool("call_9")],
        [
            ("sequence.unknown-tool-call-id", "error", "messages[2].tool_call_id"),
            ("sequence.unanswered-tool-call", "error", "messages[1].tool_calls[0].id"),
        ],
        [("call_9", "call_1"), ("call_1",)],
    ),
    (
        "two of three calls unanswered: every id named",
        [USER, assistant("call_1", "call_2", "call_3"), tool("call_2")],
        [("sequence.unanswered-tool-call", "error", "messages[1].tool_calls")],
        [("call_1", "call_3")],
    ),
    (
        "unanswered call at the end of the conversation",
        [USER, assistant("call_1")],
        [("sequence.unanswered-tool-call", "error", "messages[1].tool_calls[0].id")],
        [("call_1",)],
    ),
    (
        "non-adjacent answer after a user message",
        [
            USER,
            assistant("call_1"),
            {"role": "user", "content": "<system-reminder>x</system-reminder>"},
            tool("call_1"),
        ],
        [("sequence.non-adjacent-tool-response", "error", "messages[3]")],
        [("call_1", "messages[1]", "messages[2]")],
    ),
    (
        "non-adjacent answer after a system message",
        [USER, assistant("call_1"), {"role": "system", "content": "x"}, tool("call_1")],
        [("sequence.non-adjacent-tool-response", "error", "messages[3]")],
        [("call_1",)],
    ),
    (
        "late duplicate answer after a user message",
        [USER, assistant("call_1"), tool("call_1"), USER, tool("call_1")],
        [("sequence.duplicate-tool-response", "error", "messages[4].tool_call_id")],
        [("call_1",)],
    ),
    (
        "duplicate tool-call id across turns",
        [USER, assistant("call_1"), tool("call_1"), assistant("call_1"), tool("call_1")],
        [("sequence.duplicate-tool-call-id", "warning", "messages[3].tool_calls[0].id")],
        [("call_1", "messages[1].tool_calls[0]")],
    ),
    (
        "duplicate tool-call id in one message",
        [USER, assistant("call_1", "call_1"), tool("call_1")],
        [("sequence.duplicate-tool-call-id", "warning", "messages[1].tool_calls[1].id")],
        [("call_1",)],
    ),
    (
        "empty tool_calls with content",
        [USER, {"role": "assistant", "content": "ok", "tool_calls": []}],
        [("shape.empty-tool-calls", "error", "messages[1].tool_calls")],
        [()],
    ),
    (
        "empty tool_calls without content",
        [USER, {"role": "assistant", "content": None, "tool_calls": []}],
        [
            ("shape.empty-tool-calls", "error", "messages[1].tool_calls"),
            ("shape.empty-assistant-message", "error", "messages[1]"),
        ],
        [(), ()],
    ),
    (
        "tool call without id",
        [
            USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
        ],
        [("shape.missing-tool-call-id", "error", "messages[1].tool_calls[0].id")],
        [()],
    ),
    (
        "tool call with an empty id",
        [USER, {"role": "assistant", "content": None, "tool_calls": [call("")]}],
        [("shape.missing-tool-call-id", "error", "messages[1].tool_calls[0].id")],
        [()],
    ),
    (
        "tool call that is not an object",
        [USER, {"role": "assistant", "content": None, "tool_calls": ["call_1"]}],
        [("shape.missing-tool-call-id", "error", "messages[1].tool_calls[0]")],
        [()],
    ),
    (
        "tool message without tool_call_id",
        [USER, assistant("call_1"), {"role": "tool", "content": "done"}],
        [
            ("shape.tool-message-without-id", "error", "messages[2].tool_call_id"),
            ("sequence.unanswered-tool-call", "error", "messages[1].tool_calls[0].id"),
        ],
        [(), ("call_1",)],
    ),
    (
        "assistant with neither content nor tool_calls",
        [USER, {"role": "assistant", "content": None}, USER],
        [("shape.empty-assistant-message", "error", "messages[1]")],
        [()],
    ),
    (
        "assistant with only a legacy function_call is not empty",
        [USER, {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}}],
        [],
        [],
    ),
    (
        "tool_calls given as its JSON text (vllm#34438)",
        [USER, {"role": "assistant", "content": "...", "tool_calls": '[{"id": "call_1"}]'}, USER],
        [("shape.tool-calls-not-array", "warning", "messages[1].tool_calls")],
        [()],
    ),
    (
        "arguments {a:1}{b:2} from a bad stream merge",
        bad_arguments('{"a":1}{"b":2}'),
        [("shape.invalid-tool-arguments", "warning", "messages[1].tool_calls[0].function.arguments")],
        [()],
    ),
    (
        "arguments not JSON",
        bad_arguments('{"a":'),
        [("shape.invalid-tool-arguments", "warning", "messages[1].tool_calls[0].function.arguments")],
        [()],
    ),
    (
        "arguments a JSON list",
        bad_arguments("[1]"),
        [("shape.invalid-tool-arguments", "warning", "messages[1].tool_calls[0].function.arguments")],
        [()],
    ),
    (
        # OpenAI: "Invalid type for 'messages[2].tool_calls[0].function.arguments': expected a string, but
        # got an object instead." (aaif-goose/goose-mobile#20)
        "arguments an object instead of a string",
        bad_arguments({"a": 1}),
        [("shape.tool-arguments-not-string", "error", "messages[1].tool_calls[0].function.arguments")],
        [()],
    ),
    ("non-object messages are skipped here", ["hello", USER], [], []),
]


@pytest.mark.parametrize(("messages", "expected", "ids"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_sequence_findings(
    messages: list[Any], expected: list[tuple[str, str, str]], ids: list[tuple[str, ...]]
):
    assert findings(messages) == expected
    for message, names in zip(messages_of(messages), ids, strict=True):
        for name in names:
            assert name in message


@pytest.mark.parametrize("case", SEED_CASES, ids=lambda c: c.name)
def test_seed_cases(case: SeedCase):
    """Exactly one finding, the right rule at the right location, naming the seed's ids."""
    assert findings(case.messages) == [(case.rule, "error", case.location)]
    (message,) = messages_of(case.messages)
    for call_id in case.ids:
        assert call_id in message


@pytest.mark.parametrize("case", SEED_CASES, ids=lambda c: c.name)
def test_seed_case_rule_predicts_openais_real_answer(case: SeedCase):
    """The rule's metadata quotes OpenAI's verbatim answer to this very request."""
    predicted = {(p.provider, p.text) for p in RULES[case.rule].predicts}
    assert ("openai", case.error_message) in predicted


@pytest.mark.parametrize("case", SEED_CASES, ids=lambda c: c.name)
def test_seed_cases_through_analyse_request(case: SeedCase):
    """The addon's single entry point gives the same sequence findings for the seed's real body."""
    analysis = analyse_request(json.dumps(case.body()).encode(), OPENAI_URL)
    ours = [(f.rule, f.severity.value, f.location) for f in analysis.findings if f.rule in SEQUENCE_RULES]
    assert ours == [(case.rule, "error", case.location)]
    assert analysis.internal_errors == []


def test_valid_parallel_conversation_has_no_finding_at_all():
    from support.seeds import MODEL, TOOLS

    body = {"model": MODEL, "messages": VALID_PARALLEL, "tools": TOOLS}
    analysis = analyse_request(json.dumps(body).encode(), OPENAI_URL)
    assert analysis.findings == []
    assert analysis.internal_errors == []


def test_bad_arguments_are_an_error_where_the_provider_rejects_them():
    """Ollama rejects arguments that are not one JSON object (providers.md §6.2): error, not warning."""
    assert findings(bad_arguments('{"a":1}{"b":2}'), OLLAMA_URL) == [
        ("shape.invalid-tool-arguments", "error", "messages[1].tool_calls[0].function.arguments")
    ]


@pytest.mark.parametrize(
    "url",
    [
        # '<400> InternalError.Algo.InvalidParameter: The "function.arguments" parameter of the code model
        # must be in JSON format.' (HKUDS/nanobot#2469, continuedev/continue#11556)
        "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions",
        # "invalid params, invalid function arguments json string, tool_call_id: ... (2013)"
        # (earendil-works/pi#5468, HKUDS/nanobot#2373)
        "https://api.minimax.io/v1/chat/completions",
    ],
)
def test_arguments_cut_off_mid_stream_are_an_error_on_dashscope_and_minimax(url: str) -> None:
    assert findings(bad_arguments('{"city": "Par'), url) == [
        ("shape.invalid-tool-arguments", "error", "messages[1].tool_calls[0].function.arguments")
    ]
    assert findings(bad_arguments('{"city": "Paris"}'), url) == []


def test_tool_calls_as_text_are_an_error_on_vllm() -> None:
    """vllm#34438's request, to a host mapped to vLLM (a port-only guess would make it a warning)."""
    import dataclasses

    from toolguard_core.providers import BUILTIN_PROFILES

    body = [
        USER,
        {"role": "assistant", "content": "...", "tool_calls": "should_be_serialized_object_but_its_str"},
    ]
    target = Target.from_url("http://gpu-box:8000/v1/chat/completions", DEFAULT_REGISTRY)
    view = RequestView(
        body={"model": "m", "messages": body},
        target=dataclasses.replace(target, provider=BUILTIN_PROFILES["vllm"]),
    )
    assert [(f.rule, f.severity.value, f.location) for f in check_message_shape(view)] == [
        ("shape.tool-calls-not-array", "error", "messages[1].tool_calls")
    ]


def test_stream_merge_is_named_in_the_message():
    (message,) = messages_of(bad_arguments('{"a":1}{"b":2}'))
    assert "more than one JSON value" in message


def test_deeply_nested_arguments_do_not_crash():
    deep = "[" * 100_000 + "]" * 100_000
    assert findings(bad_arguments(deep)) == [
        ("shape.invalid-tool-arguments", "warning", "messages[1].tool_calls[0].function.arguments")
    ]


def test_many_parallel_calls_stay_linear_enough():
    """A large agent turn (2,000 parallel calls, all answered) is valid and checked without error."""
    ids = [f"call_{i}" for i in range(2000)]
    assert findings([USER, assistant(*ids), *[tool(i) for i in ids]]) == []


# ---------------------------------------------------------------------------------------- metadata


def test_every_sequence_rule_has_an_example_that_triggers_it():
    for rule_id in SEQUENCE_RULES:
        rule = RULES[rule_id]
        if rule.example is None or not rule_id.startswith(("sequence.", "shape.")):
            continue
        if rule_id not in {r.id for r in vars(sequence).values() if hasattr(r, "predicts")}:
            continue  # another module's shape.* rule
        produced = {f[0] for f in findings(rule.example["messages"], rule.example_url)}
        assert rule_id in produced, rule_id


def test_no_predicted_error_is_unverified():
    """Every predicted provider error cites a real source; placeholders never ship."""
    for rule in RULES.values():
        for predicted in rule.predicts:
            assert predicted.source and "VERIFY" not in predicted.source, rule.id
            assert not predicted.source.startswith("inf"), rule.id


OPENROUTER_URL = "https://openrouter.ai/api/v1/chat/completions"


@pytest.mark.parametrize(
    ("model", "severity"),
    [
        # Claude behind OpenRouter: Anthropic's validator ("`tool_use` ids must be unique", BerriAI/litellm#23510).
        ("anthropic/claude-sonnet-4.5", "error"),
        # OpenAI's models behind OpenRouter's Azure backend ("Duplicate item found with id fc_2", opencode#32748).
        ("openai/gpt-5.4", "error"),
        # Other backends are not known to refuse a repeated id: the rule's general warning.
        ("qwen/qwen3-coder", "warning"),
    ],
)
def test_repeated_tool_call_id_through_openrouter(model: str, severity: str) -> None:
    repeated = [USER, assistant("call_0"), tool("call_0"), assistant("call_0"), tool("call_0")]
    analysis = analyse_request(json.dumps({"model": model, "messages": repeated}), OPENROUTER_URL)
    assert [(f.rule, f.severity.value) for f in analysis.findings if f.rule.startswith("sequence.")] == [
        ("sequence.duplicate-tool-call-id", severity)
    ]
