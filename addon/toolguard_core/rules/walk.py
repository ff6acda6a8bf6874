"""Per-message checks that skip what they found clean before (issue #12): the remembered blocks of an
agent's resent history (rules/history.py), walked again only when the request's context differs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from toolguard_core.findings import Finding
from toolguard_core.request import RequestView
from toolguard_core.rules.history import Entry, Split

#: Contexts a block remembers clean checks for; past it, its marks are forgotten (bounded per block).
MAX_MARKS = 64


class Walk:
    """The messages a per-message check reads, without the remembered blocks it already found clean
    under the same context: the checks of a message that need nothing but that message and the request's
    context (its target, its demoted rules and every byte outside ``messages``), whose findings name the
    message by its index only in the location's and the message's text.

    A block is found clean when the check, walking it whole, yielded nothing from its first message
    until it asked for the message after its last (:func:`per_message` tells the walk of each finding); the marks are kept only when
    the check ran to its end (a check stopped by the findings cap, or that raised, marks nothing)."""

    __slots__ = ("_fresh", "_key", "_messages", "_split", "_target", "dirty")

    def __init__(self, messages: list[Any], split: Split, key: tuple[Any, ...], target: object) -> None:
        self._messages = messages
        self._split = split
        self._key = key
        self._target = target
        self._fresh: list[tuple[Entry, tuple[Any, ...]]] = []
        self.dirty = False

    def _met(self, entry: Entry) -> object | None:
        """What the walk tells the check where a remembered block starts, yielded as ``(start, it)``
        before the block (None: nothing; rules/roles.py tells its walk state there)."""
        return None

    def _mark(self, entry: Entry, met: object | None) -> tuple[Any, ...] | None:
        """The mark a block walked whole without a finding is kept under, or None to skip the block
        (found clean before under that mark)."""
        return None if entry.clean.get(self._key) is self._target else self._key

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        messages = self._messages
        index = 0
        for start, entry in self._split.blocks:
            while index < start:
                yield index, messages[index]
                index += 1
            met = self._met(entry)
            if met is not None:
                yield start, met
            end = start + len(entry.values)
            mark = self._mark(entry, met)
            if mark is None:
                index = end
                continue
            self.dirty = False
            while index < end:
                yield index, messages[index]
                index += 1
            if not self.dirty:  # resumed after the block's last message was checked
                self._fresh.append((entry, mark))
        while index < len(messages):
            yield index, messages[index]
            index += 1

    def finish(self) -> None:
        target = self._target
        for entry, mark in self._fresh:
            if len(entry.clean) >= MAX_MARKS:
                entry.clean.clear()
            entry.clean[mark] = target


def mark_key(name: str, split: Split, view: RequestView) -> tuple[tuple[Any, ...], object]:
    """What a block's clean mark is kept under: the check, the context's number (every byte outside
    ``messages``: the model, the tools, the parameters a check may read), the demoted rules (they only
    lower a level, a clean block stays clean: kept to be safe), the host's engine (a check may read it),
    and the target, told by identity (the
    worker keeps one per route and options; its provider decides every level)."""
    return (name, split.context, view.demoted, view.engine), view.target


PerMessageCheck = Callable[[RequestView, Iterable[tuple[int, Any]]], Iterator[Finding]]


def per_message(check: PerMessageCheck) -> Callable[[RequestView], Iterator[Finding]]:
    """A check over ``(index, message)`` pairs whose findings about a message depend on that message
    and the request's context only: given, for a body the validation worker split, the messages of the
    blocks it did not find clean before under the same context. Anything else (a body parsed whole, a
    context not remembered) walks every message, as the check always did.

    tests/test_history.py runs every body the project has and mutations of their histories through
    both paths, as one sequence sharing one cache, and compares the findings exactly."""
    name = f"{check.__module__}.{check.__qualname__}"

    @functools.wraps(check)
    def walked(view: RequestView) -> Iterator[Finding]:
        split = view.remembered
        messages = view.messages
        if split is None or split.context is None or messages is not split.body.get("messages"):
            yield from check(view, enumerate(messages))
            return
        key, target = mark_key(name, split, view)
        walk = Walk(messages, split, key, target)
        for finding in check(view, walk):
            walk.dirty = True
            yield finding
        walk.finish()

    return walked
