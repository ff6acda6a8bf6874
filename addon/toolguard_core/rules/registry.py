"""The rule interface.

A :class:`Rule` is metadata: a stable id, a default severity, the providers it applies to,
an example bad request and the real provider errors it predicts (with sources). ``docs/rules.md``
is generated from these definitions.

A *check* is a plain function ``check(view: RequestView) -> Iterable[Finding]`` registered
with :func:`check`. One check may emit findings for several rules when they share one pass
over the messages (the tool-call sequence rules do). Checks import nothing from mitmproxy
and do no I/O.

Each check runs for one or more endpoint kinds (``chat`` by default, ``responses`` for
``POST /v1/responses``; see :func:`toolguard_core.request.endpoint_kind`): a Responses body
has ``input`` items, not ``messages``, and must never be judged by the chat rules.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import CHAT, ENDPOINT_KINDS, EndpointKind

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
#: The module that defines each rule (``toolguard_core.rules.tool_choice`` for ``tool_choice.*``):
#: a rule id's prefix names its module (tests/test_architecture.py holds every rule to it).
RULE_MODULES: dict[str, str] = {}

Check = Callable[["RequestView"], Iterable[Finding]]
#: Every registered check, in registration order (all endpoint kinds).
CHECKS: list[Check] = []
#: The checks that run for each endpoint kind, in registration order.
CHECKS_BY_ENDPOINT: dict[EndpointKind, list[Check]] = {kind: [] for kind in ENDPOINT_KINDS}


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
    RULE_MODULES[id] = sys._getframe(1).f_globals.get("__name__", "?")
    return rule


@overload
def check(fn: Check, /) -> Check: ...
@overload
def check(*, endpoints: Iterable[EndpointKind]) -> Callable[[Check], Check]: ...
def check(
    fn: Check | None = None, /, *, endpoints: Iterable[EndpointKind] = (CHAT,)
) -> Check | Callable[[Check], Check]:
    """Register a check function; checks run in registration order.

    ``@check`` registers a chat-completions check; ``@check(endpoints=("responses",))`` one for
    the Responses API (or both kinds, for a check that reads only endpoint-agnostic fields).
    """
    kinds = tuple(endpoints)
    unknown = [kind for kind in kinds if kind not in ENDPOINT_KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown endpoint kinds {unknown!r}; expected some of {ENDPOINT_KINDS}")

    def register(fn: Check) -> Check:
        CHECKS.append(fn)
        for kind in kinds:
            CHECKS_BY_ENDPOINT[kind].append(fn)
        return fn

    return register(fn) if fn is not None else register


def checks_for(endpoint: EndpointKind) -> list[Check]:
    """The checks registered for ``endpoint``, in registration order."""
    return CHECKS_BY_ENDPOINT[endpoint]
