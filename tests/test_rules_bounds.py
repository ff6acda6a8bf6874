"""rules/bounds.py: the one walk over the declared bounds (rules/gemini.py's GEMINI_BOUNDS, rules/anthropic.py's
ANTHROPIC_BOUNDS), on small bodies: each kind of bound, both ends, the values a bound leaves alone (its
``special`` ones, another JSON kind, other models, other block types), and paths through lists."""

from __future__ import annotations

import re
from typing import Any

import pytest

from toolguard_core.rules.bounds import EACH, Bound, violations

RANGE = Bound(("t",), low=0, high=2, source="doc")
OPEN = Bound(("p",), low=-2, high=2, high_open=True, source="doc")
ITEMS = Bound(("cfg", "stop"), max_items=2, source="doc")
LENGTH = Bound(("messages", EACH, "content", EACH, "name"), max_length=3, kind="tool_use", source="doc")
ONE_OF = Bound(("mime",), one_of=frozenset({"a/b"}), source="doc")
MODEL = Bound(
    ("budget",), low=128, high=512, special=frozenset({-1, 0}), models=re.compile("^pro"), source="doc"
)
ALL = (RANGE, OPEN, ITEMS, LENGTH, ONE_OF, MODEL)


def found(body: dict[str, Any], model: str = "pro-1") -> list[tuple[str, str]]:
    return [(v.location, v.problem) for v in violations(body, ALL, model)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"t": 2.5}, [("t", "is 2.5")]),
        ({"t": -0.1}, [("t", "is -0.1")]),
        ({"p": 2}, [("p", "is 2")]),  # the high end excluded
        ({"cfg": {"stop": ["a", "b", "c"]}}, [("cfg.stop", "has 3 items")]),
        ({"mime": "c/d"}, [("mime", "is 'c/d'")]),
        ({"budget": 64}, [("budget", "is 64")]),
        (
            {
                "messages": [
                    {"content": "x"},
                    {"content": [{"type": "text"}, {"type": "tool_use", "name": "long"}]},
                ]
            },
            [("messages[1].content[1].name", "is 4 characters long")],
        ),
    ],
)
def test_values_outside_a_bound_are_found(body: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert found(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        {"t": 0, "p": -2, "cfg": {"stop": ["a", "b"]}, "mime": "a/b", "budget": 512},
        {"budget": -1},  # special
        {"budget": 0},  # special
        {"t": "3", "p": True, "cfg": {"stop": "abc"}, "mime": 5},  # another JSON kind is not judged here
        {"messages": [{"content": [{"type": "tool_reference", "name": "long"}]}]},  # another block type
        {"messages": "x", "cfg": [1]},  # not the shapes the paths expect
    ],
)
def test_values_a_bound_leaves_alone(body: dict[str, Any]) -> None:
    assert found(body) == []


def test_a_per_model_bound_reads_only_its_models() -> None:
    assert found({"budget": 64}, model="flash-1") == []


def test_words_of_each_bound() -> None:
    assert [b.accepted() for b in ALL] == [
        "0 to 2",
        "-2 to below 2",
        "at most 2 items",
        "at most 3 characters",
        "one of a/b",
        "128 to 512",
    ]
    assert LENGTH.field == "messages.content.name"
