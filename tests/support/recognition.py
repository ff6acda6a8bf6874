"""How the root-cause tests read an error text: the live path (``parse_error`` then ``recognise_error``)
and the whole recognition as one comparable tuple, shared by the ``tests/test_causes_round*.py`` rounds."""

from __future__ import annotations

from dataclasses import dataclass, field

from toolguard_core.causes import Constraint, Recognition, recognise_error
from toolguard_core.upstream_errors import parse_error

#: cause, rule, extracted values, constraint, the wording's provider (and, with ``tier``, its tier).
Whole = tuple[str, str | None, dict[str, str], Constraint | None, str | None, *tuple[str, ...]]


@dataclass(frozen=True)
class CauseRow:
    """One real error text and the whole recognition it must get (a round's table row)."""

    source: str
    status: int | None
    body: str
    cause: str
    rule: str | None
    provider: str  # the wording's provider
    values: dict[str, str] = field(default_factory=dict)
    constraint: Constraint | None = None

    def expected(self) -> Whole:
        """The whole recognition this row must get, in :func:`whole_recognition`'s order."""
        return (self.cause, self.rule, self.values, self.constraint, self.provider)


def recognise(body: str, status: int | None, provider: str | None = None) -> Recognition | None:
    """What the proxy names for an upstream answer: the body parsed with its status, then recognised
    (for the flow's ``provider`` when the test names one)."""
    return recognise_error(parse_error(body, status=status), provider=provider, status=status)


def named(
    body: str, status: int | None, provider: str | None
) -> tuple[str, str | None, str, dict[str, str]] | None:
    """The precision passes' comparison: (cause, rule, the wording's provider, values), or None."""
    found = recognise(body, status, provider)
    if found is None:
        return None
    return (found.cause_id, found.rule_id, found.wording.provider, dict(found.values))


def whole_recognition(body: str, status: int | None, *, tier: bool = False) -> Whole | None:
    """Every field a round asserts at once, so a changed rule, value or constraint fails the row; with
    ``tier``, also which tier named it ("message", "code" or "status")."""
    found = recognise(body, status)
    if found is None:
        return None
    fields = (found.cause_id, found.rule_id, dict(found.values), found.constraint, found.wording.provider)
    return (*fields, found.wording.on) if tier else fields


def assert_neighbour_cause(source: str, status: int | None, body: str, cause: str | None) -> None:
    """A text a new family must leave alone: ``cause`` is what it names (``None``: nothing), or
    ``"not <cause>"``: anything but that cause."""
    found = recognise(body, status)
    got = found.cause_id if found is not None else None
    if cause is not None and cause.startswith("not "):
        assert got != cause.removeprefix("not "), source
    else:
        assert got == cause, source
