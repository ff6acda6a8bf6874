"""The provider inferred from the model name, for the rules of the other API families (issue 9,
deliver 1: "a known model behind an unknown gateway gets the model's rules; say in the finding that the
provider was inferred from the model name").

The inference itself is the model rules' (:func:`toolguard_core.rules.model.inferred_vendor`): this
module only applies it to a rule's declared policy, so responses.* and anthropic.* read one mechanism
without a rule module importing another."""

from __future__ import annotations

from collections.abc import Iterator

from toolguard_core.findings import Finding
from toolguard_core.providers import BUILTIN_PROFILES
from toolguard_core.request import RequestView
from toolguard_core.rules.model import inferred_vendor
from toolguard_core.rules.registry import GROUPS, Rule, provider_id


def judged_id(view: RequestView) -> str:
    """The provider a check's own branching reads (which name pattern, which schema subset, which
    tool_choice modes): on an unrecognised host the vendor inferred from the model name, so the check
    asks what that vendor's validator asks and :func:`report_judged` gives its level (a Gemini model's
    dotted tool name is not flagged by OpenAI's pattern); else the host's :func:`provider_id`."""
    vendor = inferred_vendor(view)
    return vendor[0] if vendor is not None else provider_id(view)


def _judging(rule: Rule, view: RequestView) -> tuple[str, str] | None:
    """(vendor id, provenance sentence) when ``rule`` is judged as the model's vendor on this unrecognised
    host: only where the rule declares a level for the vendor itself that differs from the host's; a
    vendor that merely falls to ``otherwise`` says nothing about that API (Anthropic for a Responses
    rule), so the host's level stands there."""
    vendor = inferred_vendor(view)
    if vendor is None:
        return None
    pid = vendor[0]
    host = provider_id(view)
    # The unrecognised host's error under the "rejected by every known engine" policy holds only for the
    # form its condition names (registry.EVERY_KNOWN_ENGINE), so the vendor's unconditional level is read.
    conditional = rule.policy.every_known_engine and host in GROUPS["generic"]
    if rule.policy.declares(pid) and (conditional or rule.policy.level(pid) != rule.policy.level(host)):
        return vendor
    return None


def judged_name(rule: Rule, view: RequestView) -> str:
    """The provider a finding of ``rule`` names as refusing the request: the inferred vendor where
    :func:`report_judged` judges as it (not "OpenAI-compatible (unknown provider) refuses it" on an
    error whose level is OpenAI's), else the host."""
    judging = _judging(rule, view)
    return BUILTIN_PROFILES[judging[0]].name if judging is not None else view.provider.name


def report_judged(
    rule: Rule, view: RequestView, location: str, message: str, *, uncertain: str | None = None
) -> Iterator[Finding]:
    """``rule.report``, judged as the model's vendor on an unrecognised host (:func:`_judging`): the
    level the rule declares for that vendor, and the message ends with the sentence saying the provider
    was inferred from the model name."""
    judging = _judging(rule, view)
    if judging is not None:
        pid, provenance = judging
        yield from rule.report(view, location, f"{message}{provenance}", judged_as=pid, uncertain=uncertain)
        return
    yield from rule.report(view, location, message, uncertain=uncertain)
