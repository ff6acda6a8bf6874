"""Root-cause patterns: which rule explains an upstream error.

Two sources, in this order:

1. **The finding on the same flow.** toolguard validated the very request the upstream rejected; an
   error-severity finding whose rule predicts the upstream's wording explains it, and so does the only
   error finding of a flow whose wording no rule knows yet.
2. **Known provider wordings of the same failure.** Every rule carries the verbatim texts it predicts
   (``toolguard_core.rules.RULES[id].predicts``, each with its source). Their fingerprints map to the
   rule, so OpenAI's, DeepSeek's and DashScope's orphan-tool messages all lead to
   ``sequence.orphan-tool-message`` even on a flow toolguard did not flag (an older capture, another
   machine, a rule added later). :data:`EXTRA_WORDINGS` adds real wordings that no rule lists (yet).

A pattern can therefore span providers: it is keyed by rule id, not by text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from toolguard_core.fingerprint import fingerprint

if TYPE_CHECKING:
    from toolguard_core.request import EndpointKind

__all__ = [
    "EXTRA_WORDINGS",
    "Wording",
    "catalogue_rules",
    "explain",
    "known_wordings",
    "predicting_rule",
    "predicting_rules",
    "rule_on_api",
    "rules_for_text",
    "vote",
]


@dataclass(frozen=True, slots=True)
class Wording:
    """A real provider text and the rule whose failure it reports."""

    rule: str
    provider: str
    text: str
    source: str


#: Real wordings that the rule definitions do not quote. Each has its source; never invent one.
EXTRA_WORDINGS: tuple[Wording, ...] = (
    Wording(
        rule="sequence.unanswered-tool-call",
        provider="openai",
        text=(
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
            "'tool_call_id'. (insufficient tool messages following tool_calls message)"
        ),
        source="https://github.com/agno-agi/agno/issues/3105",
    ),
)


def _rule_wordings() -> Iterable[Wording]:
    from toolguard_core.rules import RULES

    for rule in RULES.values():
        for predicted in rule.predicts:
            yield Wording(
                rule=rule.id, provider=predicted.provider, text=predicted.text, source=predicted.source
            )


#: When several rules predict the same wording (OpenAI answers an unknown id, a duplicate response and a
#: non-adjacent response all with its orphan-tool sentence), the rule whose failure the sentence names
#: comes first. Otherwise the rule that predicts the wording for the most providers comes first.
PREFERRED: tuple[str, ...] = ("sequence.orphan-tool-message", "sequence.unanswered-tool-call")


@cache
def known_wordings() -> Mapping[str, tuple[str, ...]]:
    """Fingerprint -> the rule ids whose predicted texts have that fingerprint, best explanation first."""
    providers: dict[str, dict[str, set[str]]] = {}
    for wording in (*_rule_wordings(), *EXTRA_WORDINGS):
        providers.setdefault(fingerprint(wording.text), {}).setdefault(wording.rule, set()).add(
            wording.provider
        )

    def rank(item: tuple[str, set[str]]) -> tuple[int, int, str]:
        rule, provider_set = item
        preferred = PREFERRED.index(rule) if rule in PREFERRED else len(PREFERRED)
        return (preferred, -len(provider_set), rule)

    return {fp: tuple(rule for rule, _ in sorted(rules.items(), key=rank)) for fp, rules in providers.items()}


@cache
def _predicting_rules() -> Mapping[str, str]:
    """Root cause id -> the one rule whose predicted wordings name that cause (derived: each rule's
    ``predicts`` texts go through the root-cause catalogue), for the causes that exactly one rule
    predicts. A cause several rules predict (``cause.param-value-unsupported``) gets none here."""
    from toolguard_core.causes import recognise

    rules: dict[str, set[str]] = {}
    for wording in _rule_wordings():
        found = recognise(wording.text, provider=wording.provider)
        if found is not None:
            rules.setdefault(found.cause_id, set()).add(wording.rule)
    return {cause: next(iter(names)) for cause, names in rules.items() if len(names) == 1}


@cache
def _all_predicting_rules() -> Mapping[str, frozenset[str]]:
    """Root cause id -> every rule that predicts it: the catalogue's rule for the cause and for each of
    its wordings, the rules that share a wording's sentence (``shared_by``), the rules a shared sentence
    stands for this cause with (``cause_by_rule``), and every rule whose own predicted wordings the
    catalogue recognises as this cause (sibling rules: ``model.sampling-on-reasoning-model`` and
    ``params.temperature-on-reasoning-model`` both predict a temperature refused by a reasoning model)."""
    from toolguard_core.causes import CAUSES, recognise

    rules: dict[str, set[str]] = {}
    for cause in CAUSES:
        named = rules.setdefault(cause.id, set())
        if cause.rule_id:
            named.add(cause.rule_id)
        named.update(rule for _api, rule in cause.api_rules)
        for wording in cause.wordings:
            if wording.rule_id:
                named.add(wording.rule_id)
            named.update(wording.shared_by)
            for rule, other in wording.cause_by_rule:
                rules.setdefault(other, set()).add(rule)
    for wording in _rule_wordings():
        found = recognise(wording.text, provider=wording.provider)
        if found is not None:
            rules.setdefault(found.cause_id, set()).add(wording.rule)
    return {cause: frozenset(names) for cause, names in rules.items()}


def predicting_rules(cause_id: str | None) -> frozenset[str]:
    """Every rule that predicts the root cause ``cause_id`` (:func:`_all_predicting_rules`); the
    verdict's rule of decision credits a fired rule among them (toolguard_core.verdict.judge). Read
    from the generated toolguard_core/cause_rules.py: computing it loads the catalogue and recognises
    every rule's wordings (over a second of CPU), which ``toolguard show`` of a stored rejection and the
    writer's verdict do not otherwise need."""
    from toolguard_core.cause_rules import ALL_PREDICTING_RULES

    return ALL_PREDICTING_RULES.get(cause_id or "", frozenset())


def predicting_rule(cause: Mapping[str, object] | None, api: EndpointKind) -> str | None:
    """The rule that predicts a recognised root cause (its ``summary()`` record) on a request of
    ``api`` (the flow's endpoint kind, :func:`toolguard_core.request.endpoint_kind`), or ``None`` when no
    rule on that API predicts it: :func:`rule_on_api` when the record names a rule, else the one rule
    whose predicted wordings are that cause (:func:`_predicting_rules`) if it checks ``api`` (issue #10:
    a context window exceeded is one root cause, whether ``model.context-window-exceeded`` flagged the
    request or only the answer named it, so both group under that rule). Reads the generated
    toolguard_core/cause_rules.py, not the catalogue."""
    if not cause:
        return None
    if cause.get("rule"):
        return rule_on_api(cause, api)
    from toolguard_core.cause_rules import DERIVED_RULES

    derived = DERIVED_RULES.get(str(cause.get("cause")))
    return derived if derived is not None and api in _rule_apis(derived) else None


def rule_on_api(cause: Mapping[str, object], api: EndpointKind) -> str | None:
    """The record's ``rule`` for a request of ``api``: itself when it checks ``api``
    (:func:`toolguard_core.rules.registry.rule_apis`), else the catalogue's rule for the cause on ``api``
    (``Cause.api_rules``, :data:`toolguard_core.cause_rules.PREDICTING_RULES`), else ``None``. A
    recognition names the catalogue's rule for the cause, a Chat Completions rule, whatever API the
    rejected request spoke: Gemini's "Unknown name" on a generateContent request is not params.unknown's."""
    rule = cause.get("rule")
    if not isinstance(rule, str) or not rule:
        return None
    if api in _rule_apis(rule):
        return rule
    from toolguard_core.cause_rules import PREDICTING_RULES

    return PREDICTING_RULES.get(str(cause.get("cause")), {}).get(api)


def _rule_apis(rule: str) -> frozenset[str]:
    """:func:`toolguard_core.rules.registry.rule_apis`, as written down in toolguard_core/cause_rules.py
    (reading it loads neither the rules nor the catalogue: ``toolguard summary`` loads neither)."""
    from toolguard_core.cause_rules import RULE_APIS

    return RULE_APIS.get(rule, frozenset())


def catalogue_rules() -> dict[str, dict[EndpointKind, str]]:
    """Root cause id -> API -> the rule that predicts it there: the cause's own rule (or the one rule
    whose predicted wordings are the cause, :func:`_predicting_rules`) on the APIs that rule checks, and
    the rule the catalogue declares for another API (``Cause.api_rules``). Loads the catalogue and the
    rules: scripts/gen_causes_doc.py writes it down as toolguard_core/cause_rules.py."""
    from toolguard_core.causes import CAUSES
    from toolguard_core.request import ENDPOINT_KINDS
    from toolguard_core.rules.registry import rule_apis

    derived = _predicting_rules()
    table: dict[str, dict[EndpointKind, str]] = {}
    for cause in CAUSES:
        rule = cause.rule_id or derived.get(cause.id)
        declared = dict(cause.api_rules)
        row = {
            api: declared.get(api) or rule
            for api in ENDPOINT_KINDS
            if api in declared or (rule is not None and api in rule_apis(rule))
        }
        table[cause.id] = {api: r for api, r in row.items() if r is not None}
    return table


def rules_for_text(text: str | None) -> tuple[str, ...]:
    """Rules whose known provider wordings match ``text`` (after normalisation)."""
    if not text:
        return ()
    return known_wordings().get(fingerprint(text), ())


def explain(
    error_text: str | None, error_finding_rules: Iterable[str] = (), *, api: EndpointKind | None = None
) -> str | None:
    """The rule id that explains one rejected flow, or ``None`` (a candidate for a new rule).

    ``error_finding_rules`` are the rules of the flow's error-severity findings, in finding order.
    ``api``: the flow's endpoint kind, when known: a rule whose wording the text is but which does not
    check that API (Gemini's "Unknown name" is params.unknown's wording on Chat Completions) does not
    explain it.
    """
    findings = [rule for rule in error_finding_rules if rule]
    by_wording = rules_for_text(error_text)
    if api is not None:
        by_wording = tuple(rule for rule in by_wording if api in _rule_apis(rule))
    for rule in findings:
        if rule in by_wording:
            return rule  # toolguard's finding and the upstream's wording agree
    if by_wording:
        # The upstream says what failed; a finding about something else did not explain it.
        return by_wording[0]
    if findings:
        # A wording no rule lists yet (another provider, a new phrasing): the finding on the very
        # request the upstream rejected is the best explanation there is.
        return findings[0]
    return None


def vote(patterns: Iterable[str | None]) -> str | None:
    """One pattern for a group of flows: the most common non-null one (ties: smallest rule id)."""
    counts = Counter(p for p in patterns if p)
    if not counts:
        return None
    best = max(counts.values())
    return min(rule for rule, n in counts.items() if n == best)
