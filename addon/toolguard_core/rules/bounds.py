"""Declared value bounds, for the native APIs whose generated request models carry none, and the one walk
that reads them. Not a rule module: it defines no rules.

Anthropic's SDK types (``data/anthropic_request_schema.json``) and Gemini's protos
(``data/gemini_request_schema.json``) state each field's JSON kind but no numeric range, string length or
list size: those live in the providers' references and error texts. Each rule module declares its own
table of :class:`Bound` (one fact a row, with where it was read), and :func:`violations` finds the values
outside them; the rule module words and reports the finding through its rule, whose policy sets the level.
Pure: no I/O, and the walk is bounded by the request's own size (only the paths a table names are read).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: A path segment that stands for every item of a list (``messages.*.content.*.name``).
EACH = "*"


@dataclass(frozen=True, slots=True)
class Bound:
    """One declared bound of one field.

    ``path`` is the field's keys from the request's root, :data:`EACH` for every item of a list. A
    number is judged against ``low``/``high`` (``high_open``: the high end excluded), a list against
    ``max_items``, a string against ``max_length`` and ``one_of``. ``special`` values are not judged (a
    proto3 zero that reads as unset, ``-1`` for a dynamic budget). ``models`` limits the bound to the
    model names it matches (a per-model range); ``kind`` to the objects whose ``type`` is that value (a
    ``tool_use`` block). ``source`` is where the fact was read: a reference URL, or a real error text
    and its thread."""

    path: tuple[str, ...]
    source: str
    low: float | None = None
    high: float | None = None
    high_open: bool = False
    max_items: int | None = None
    max_length: int | None = None
    one_of: frozenset[str] = frozenset()
    special: frozenset[float] = frozenset()
    models: re.Pattern[str] | None = None
    kind: str | None = None

    @property
    def field(self) -> str:
        """The field's name as a finding names it (``generationConfig.temperature``)."""
        return ".".join(part for part in self.path if part != EACH)

    def accepted(self) -> str:
        """What the bound accepts, in words (``0 to 2``, ``at most 5 items``)."""
        if self.max_items is not None:
            return f"at most {self.max_items} items"
        if self.max_length is not None:
            return f"at most {self.max_length} characters"
        if self.one_of:
            return "one of " + ", ".join(sorted(self.one_of))
        if self.low is not None and self.high is not None:
            return f"{_num(self.low)} to {'below ' if self.high_open else ''}{_num(self.high)}"
        if self.low is not None:
            return f"{_num(self.low)} or more"
        return f"{'below ' if self.high_open else 'at most '}{_num(self.high or 0)}"


@dataclass(frozen=True, slots=True)
class Violation:
    """A value outside its bound: where it is (the request's own key spelling), the bound, the value
    and what is wrong with it in words (``is 2.5``, ``has 10 items``)."""

    location: str
    bound: Bound
    value: Any
    problem: str


#: Reads one key of an object: the key as the request spells it and its value, or None. Gemini's proto
#: JSON takes both ``topP`` and ``top_p``; Anthropic's JSON only the one spelling.
Getter = Callable[[Mapping[str, Any], str], tuple[str, Any] | None]


def plain_get(obj: Mapping[str, Any], key: str) -> tuple[str, Any] | None:
    return (key, obj[key]) if key in obj else None


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def violations(
    body: Mapping[str, Any],
    bounds: tuple[Bound, ...],
    model: str,
    *,
    get: Getter = plain_get,
    prefix: str = "",
) -> Iterator[Violation]:
    """Every value of ``body`` outside one of ``bounds`` (those whose ``models`` match ``model``).

    A value of the wrong JSON kind is not judged here (the modules' wrong-type rules word that)."""
    for bound in bounds:
        if bound.models is not None and not bound.models.search(model):
            continue
        for location, value, holder in _values(body, bound.path, get, prefix):
            if bound.kind is not None and (
                not isinstance(holder, Mapping) or holder.get("type") != bound.kind
            ):
                continue
            problem = _problem(bound, value)
            if problem is not None:
                yield Violation(location, bound, value, problem)


def _values(node: Any, path: tuple[str, ...], get: Getter, location: str) -> Iterator[tuple[str, Any, Any]]:
    """(location, value, the object holding it) for each value at ``path`` under ``node``."""
    stack: list[tuple[Any, int, str, Any]] = [(node, 0, location, None)]
    while stack:
        current, depth, where, holder = stack.pop()
        if depth == len(path):
            yield where, current, holder
            continue
        segment = path[depth]
        if segment == EACH:
            if isinstance(current, list):
                for index in range(len(current) - 1, -1, -1):
                    stack.append((current[index], depth + 1, f"{where}[{index}]", holder))
            continue
        if not isinstance(current, Mapping):
            continue
        found = get(current, segment)
        if found is not None:
            key, value = found
            stack.append((value, depth + 1, f"{where}.{key}" if where else key, current))


def _problem(bound: Bound, value: Any) -> str | None:
    if bound.max_items is not None:
        if isinstance(value, list) and len(value) > bound.max_items:
            return f"has {len(value)} items"
        return None
    if bound.max_length is not None or bound.one_of:
        if not isinstance(value, str):
            return None
        if bound.max_length is not None and len(value) > bound.max_length:
            return f"is {len(value)} characters long"
        if bound.one_of and value not in bound.one_of:
            return f"is {value!r}"
        return None
    if not _is_number(value) or value in bound.special:
        return None
    below = bound.low is not None and value < bound.low
    above = bound.high is not None and (value >= bound.high if bound.high_open else value > bound.high)
    return f"is {value}" if below or above else None
