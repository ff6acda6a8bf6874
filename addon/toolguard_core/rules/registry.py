"""The rule interface.

A :class:`Rule` is metadata: a stable id, a default severity, the providers it applies to,
an example bad request and the real provider errors it predicts (with sources). ``docs/rules.md``
is generated from these definitions.

A *check* is a plain function ``check(view: RequestView) -> Iterable[Finding]`` registered
with :func:`check`. One check may emit findings for several rules when they share one pass
over the messages (the tool-call sequence rules do). Checks import nothing from mitmproxy
and do no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolguard_core.findings import Finding, Severity

if TYPE_CHECKING:
    from toolguard_core.request import RequestView

ALL_PROVIDERS = ("*",)


@dataclass(frozen=True, slots=True)
class PredictedError:
    """A real error a provider returns for what a rule detects, quoted verbatim."""

    provider: str
    text: str
    source: str
    status: int = 400
    param: str | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    providers: tuple[str, ...] = ALL_PROVIDERS
    predicts: tuple[PredictedError, ...] = ()
    example: dict[str, Any] | None = None
    example_url: str = "https://api.openai.com/v1/chat/completions"
    notes: str = ""
    family: str = field(default="")

    def finding(self, location: str, message: str, severity: Severity | None = None) -> Finding:
        return Finding(rule=self.id, severity=severity or self.severity, location=location, message=message)


RULES: dict[str, Rule] = {}

Check = Callable[["RequestView"], Iterable[Finding]]
CHECKS: list[Check] = []


def define(
    id: str,
    severity: Severity,
    summary: str,
    **kwargs: Any,
) -> Rule:
    """Register a rule definition; ids are unique and never reused for another meaning."""
    if id in RULES:
        raise ValueError(f"rule id {id!r} is defined twice")
    family = kwargs.pop("family", id.split(".", 1)[0])
    rule = Rule(id=id, severity=severity, summary=summary, family=family, **kwargs)
    RULES[id] = rule
    return rule


def check(fn: Check) -> Check:
    """Register a check function; checks run in registration order."""
    CHECKS.append(fn)
    return fn
