"""repair.py: each fix on real broken bodies, its exact JSON Patch, the repaired body, and what is
left alone. Every repaired body is validated again here too: it must have no error finding left."""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
import pytest
from support.seeds import DUPLICATE, FIRST_ID, LONE_TOOL, ONE_ANSWER, SECOND_ID, TOOLS, USER, assistant, tool

from toolguard_core.analyze import analyse_request
from toolguard_core.profiles_config import load_registry
from toolguard_core.repair import (
    SYNTHETIC_MARK,
    Family,
    NotRepaired,
    RepairOptions,
    Unanswered,
    parse_families,
    repair_request,
)
from toolguard_core.request import Target
from toolguard_core.rules.registry import RULES

OPENAI = "https://api.openai.com/v1/chat/completions"
GROQ = "https://api.groq.com/openai/v1/chat/completions"
ALL = RepairOptions(families=frozenset(Family))


def repair(body: dict[str, Any], url: str = OPENAI, options: RepairOptions = ALL):
    analysis = analyse_request(json.dumps(body).encode(), url)
    assert analysis.has_error, analysis.findings
    return analysis, repair_request(analysis.body, analysis.target, analysis.findings, options)


def synthetic(call_id: str) -> str:
    return (
        f"{SYNTHETIC_MARK} No result was sent for tool call {call_id} (foo_tool): the client's history had "
        "no tool message answering it. The tool may not have run; treat the call as failed."
    )


# (name, body, url, options, [(rule, location, patch)], repaired messages or top-level body)
CASES: list[
    tuple[str, dict[str, Any], str, RepairOptions, list[tuple[str, str, list[Any]]], dict[str, Any]]
] = [
    (
        "seed: two calls, one answer -> synthetic answer",
        ONE_ANSWER.body(),
        OPENAI,
        ALL,
        [
            (
                "sequence.unanswered-tool-call",
                "messages[1].tool_calls[1].id",
                [
                    {
                        "op": "add",
                        "path": "/messages/3",
                        "value": {"role": "tool", "tool_call_id": SECOND_ID, "content": synthetic(SECOND_ID)},
                    }
                ],
            )
        ],
        {
            "messages": [
                *ONE_ANSWER.messages,
                {"role": "tool", "tool_call_id": SECOND_ID, "content": synthetic(SECOND_ID)},
            ]
        },
    ),
    (
        "seed: two calls, one answer -> call removed (by option)",
        ONE_ANSWER.body(),
        OPENAI,
        RepairOptions(unanswered=Unanswered.REMOVE),
        [
            (
                "sequence.unanswered-tool-call",
                "messages[1].tool_calls[1].id",
                [{"op": "remove", "path": "/messages/1/tool_calls/1"}],
            )
        ],
        {"messages": [USER, assistant(FIRST_ID, content=""), tool(FIRST_ID)]},
    ),
    (
        "seed: duplicate answer dropped",
        DUPLICATE.body(),
        OPENAI,
        ALL,
        [
            (
                "sequence.duplicate-tool-response",
                "messages[4].tool_call_id",
                [{"op": "remove", "path": "/messages/4"}],
            )
        ],
        {"messages": DUPLICATE.messages[:4]},
    ),
    (
        "seed: a lone tool message becomes a marked user message",
        LONE_TOOL.body(),
        OPENAI,
        ALL,
        [
            (
                "sequence.orphan-tool-message",
                "messages[0]",
                [
                    {
                        "op": "replace",
                        "path": "/messages/0",
                        "value": {
                            "role": "user",
                            "content": f"{SYNTHETIC_MARK} A tool result arrived without the call it answers "
                            "(tool_call_id dummy); its content follows.\naction completed!",
                        },
                    }
                ],
            )
        ],
        {},
    ),
    (
        "an orphan after a finished turn is removed",
        {
            "model": "gpt-4o",
            "tools": TOOLS,
            "messages": [USER, {"role": "assistant", "content": "hi"}, tool("call_gone")],
        },
        OPENAI,
        ALL,
        [("sequence.orphan-tool-message", "messages[2]", [{"op": "remove", "path": "/messages/2"}])],
        {"messages": [USER, {"role": "assistant", "content": "hi"}]},
    ),
    (
        "a late answer is moved next to its call (qwen-code PR #4622's case)",
        {
            "model": "gpt-4o",
            "tools": TOOLS,
            "messages": [
                USER,
                assistant(FIRST_ID),
                {"role": "user", "content": "<system-reminder>x</system-reminder>"},
                tool(FIRST_ID),
            ],
        },
        OPENAI,
        ALL,
        [
            (
                "sequence.non-adjacent-tool-response",
                "messages[3]",
                [{"op": "move", "from": "/messages/3", "path": "/messages/2"}],
            )
        ],
        {
            "messages": [
                USER,
                assistant(FIRST_ID),
                tool(FIRST_ID),
                {"role": "user", "content": "<system-reminder>x</system-reminder>"},
            ]
        },
    ),
    (
        "max_tokens renamed for a reasoning model",
        {"model": "gpt-5", "messages": [USER], "max_tokens": 1024},
        OPENAI,
        ALL,
        [
            (
                "params.max-tokens-on-reasoning-model",
                "max_tokens",
                [{"op": "move", "from": "/max_tokens", "path": "/max_completion_tokens"}],
            )
        ],
        {"max_completion_tokens": 1024},
    ),
    (
        "a sampling field the o-series rejects is dropped",
        {"model": "o3-mini", "messages": [USER], "top_p": 0.9},
        OPENAI,
        ALL,
        [("params.unsupported-for-model", "top_p", [{"op": "remove", "path": "/top_p"}])],
        {"model": "o3-mini", "messages": [USER]},
    ),
    (
        "the model catalog: max_tokens renamed for a reasoning model on any host",
        RULES["model.max-tokens-on-reasoning-model"].example,
        RULES["model.max-tokens-on-reasoning-model"].example_url,
        ALL,
        [
            (
                "model.max-tokens-on-reasoning-model",
                "max_tokens",
                [{"op": "move", "from": "/max_tokens", "path": "/max_completion_tokens"}],
            )
        ],
        {"max_completion_tokens": RULES["model.max-tokens-on-reasoning-model"].example["max_tokens"]},
    ),
    (
        "the model catalog: a sampling field a reasoning model rejects is dropped",
        RULES["model.sampling-on-reasoning-model"].example,
        RULES["model.sampling-on-reasoning-model"].example_url,
        ALL,
        [("model.sampling-on-reasoning-model", "temperature", [{"op": "remove", "path": "/temperature"}])],
        {k: v for k, v in RULES["model.sampling-on-reasoning-model"].example.items() if k != "temperature"},
    ),
    (
        "the model catalog: parallel_tool_calls dropped for a model without it",
        RULES["model.parallel-tool-calls-unsupported"].example,
        RULES["model.parallel-tool-calls-unsupported"].example_url,
        ALL,
        [
            (
                "model.parallel-tool-calls-unsupported",
                "parallel_tool_calls",
                [{"op": "remove", "path": "/parallel_tool_calls"}],
            )
        ],
        {
            k: v
            for k, v in RULES["model.parallel-tool-calls-unsupported"].example.items()
            if k != "parallel_tool_calls"
        },
    ),
    (
        "a field Groq rejects is dropped",
        {"model": "llama-3.3-70b-versatile", "messages": [USER], "logprobs": True},
        GROQ,
        ALL,
        [("params.rejected-by-provider", "logprobs", [{"op": "remove", "path": "/logprobs"}])],
        {"model": "llama-3.3-70b-versatile", "messages": [USER]},
    ),
    (
        "reasoning_content replayed to Groq is stripped",
        {
            "model": "llama-3.3-70b-versatile",
            "messages": [USER, {"role": "assistant", "content": "hi", "reasoning_content": "thinking"}, USER],
        },
        GROQ,
        ALL,
        [
            (
                "roles.unknown-message-key",
                "messages[1].reasoning_content",
                [{"op": "remove", "path": "/messages/1/reasoning_content"}],
            )
        ],
        {"messages": [USER, {"role": "assistant", "content": "hi"}, USER]},
    ),
]


@pytest.mark.parametrize(
    ("body", "url", "options", "expected", "repaired"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_fix(body, url, options, expected, repaired):
    original = json.loads(json.dumps(body))
    analysis, result = repair(body, url, options)
    assert [(r.rule, r.location, r.patch) for r in result.repairs] == expected
    assert result.not_repaired == []
    for key, value in repaired.items():
        assert result.body[key] == value
    # Nothing else changed, the input is untouched, and the patches replay to the same body.
    replayed = original
    for r in result.repairs:
        assert r.before == replayed
        replayed = jsonpatch.apply_patch(replayed, r.patch)
        assert r.after == replayed
    assert replayed == result.body
    assert analysis.body == original
    again = analyse_request(json.dumps(result.body).encode(), url)
    assert [f for f in again.findings if f.severity == "error"] == []
    assert result.findings_after == again.findings


def test_off_families_and_unfixable_rules_are_reported_not_touched():
    body = {"model": "gpt-5", "messages": [*ONE_ANSWER.messages], "tools": TOOLS, "max_tokens": 10, "n": 0}
    _, result = repair(body, options=RepairOptions())  # the default: sequence only
    assert [r.rule for r in result.repairs] == ["sequence.unanswered-tool-call"]
    assert result.body["max_tokens"] == 10
    assert result.not_repaired == [
        NotRepaired("params.n-range", "n", "no safe repair for this rule"),
        NotRepaired(
            "params.max-tokens-on-reasoning-model",
            "max_tokens",
            "the params repairs are off (toolguard_repair)",
        ),
    ]


def test_differing_duplicate_answers_are_not_safe():
    body = {
        "model": "gpt-4o",
        "tools": TOOLS,
        "messages": [USER, assistant(FIRST_ID), tool(FIRST_ID, "a"), tool(FIRST_ID, "b")],
    }
    _, result = repair(body)
    assert result.repairs == []
    assert result.body == body
    assert result.not_repaired == [
        NotRepaired(
            "sequence.duplicate-tool-response",
            "messages[3].tool_call_id",
            f"not safe to repair: the two answers to {FIRST_ID} differ; keeping one would hide the other",
        )
    ]


def test_a_result_before_its_call_is_not_removed():
    body = {
        "model": "gpt-4o",
        "tools": TOOLS,
        "messages": [USER, tool(FIRST_ID), assistant(FIRST_ID), tool(FIRST_ID)],
    }
    _, result = repair(body)
    assert [(n.rule, n.reason) for n in result.not_repaired] == [
        (
            "sequence.orphan-tool-message",
            f"not safe to repair: the call {FIRST_ID} comes after its result; the order needs a human",
        )
    ]
    assert result.body == body


def test_a_fix_that_leaves_its_finding_is_not_applied(monkeypatch: pytest.MonkeyPatch):
    from toolguard_core import repair as repair_module

    spec = repair_module.FIXES["sequence.duplicate-tool-response"]
    noop = repair_module.FixSpec(
        spec.family,
        lambda body, finding, options: (
            [{"op": "test", "path": "/model", "value": body["model"]}],
            "nothing",
        ),
        "x",
    )
    monkeypatch.setitem(repair_module.FIXES, "sequence.duplicate-tool-response", noop)
    _, result = repair(DUPLICATE.body())
    assert result.repairs == []
    assert result.not_repaired == [
        NotRepaired(
            "sequence.duplicate-tool-response",
            "messages[4].tool_call_id",
            "the fix did not remove the finding or brought a new error; not applied",
        )
    ]


def test_models_declared_in_a_providers_file_are_repaired(tmp_path):
    """A model the user declared (toolguard_providers) is repaired like a built-in one."""
    config = tmp_path / "providers.toml"
    config.write_text('[[model]]\nprovider = "openai"\nmatch = "acme-reasoner-*"\nlike = "openai-o-series"\n')
    registry = load_registry(str(config))
    target = Target.from_url(OPENAI, registry)
    body = {"model": "acme-reasoner-1", "messages": [USER], "max_tokens": 5}
    analysis = analyse_request(json.dumps(body).encode(), OPENAI, target=target)
    result = repair_request(analysis.body, target, analysis.findings, ALL)
    assert result.body == {"model": "acme-reasoner-1", "messages": [USER], "max_completion_tokens": 5}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sequence", {Family.SEQUENCE}),
        ("sequence, params,FIELDS", {Family.SEQUENCE, Family.PARAMS, Family.FIELDS}),
        ("", set()),
        (["sequence", "params"], {Family.SEQUENCE, Family.PARAMS}),
    ],
)
def test_parse_families(value, expected):
    assert parse_families(value) == expected


def test_parse_families_names_the_typo():
    with pytest.raises(
        ValueError, match="unknown repair family sequnce; expected some of fields, params, sequence"
    ):
        parse_families("sequnce,params")
