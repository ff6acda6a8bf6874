"""The provider inferred from the model name, for the rules of the other API families (issue 9,
deliver 1: "a known model behind an unknown gateway gets the model's rules; say in the finding that the
provider was inferred from the model name").

The inference itself is the model rules' (:func:`toolguard_core.rules.model.inferred_vendor`): this
module only applies it to a rule's declared policy, so responses.* and anthropic.* read one mechanism
without a rule module importing another."""

from __future__ import annotations

from collections.abc import Iterator

from toolguard_core.findings import Finding
from toolguard_core.request import RequestView
from toolguard_core.rules.model import inferred_vendor
from toolguard_core.rules.registry import Rule, provider_id


def report_judged(
    rule: Rule, view: RequestView, location: str, message: str, *, uncertain: str | None = None
) -> Iterator[Finding]:
    """``rule.report``, judged as the model's vendor on an unrecognised host: the level the rule
    declares for that vendor, and the message ends with the sentence saying the provider was inferred
    from the model name. Only where the rule declares a level for the vendor itself that differs from
    the host's: a vendor that merely falls to ``otherwise`` says nothing about that API (Anthropic for a
    Responses rule), so the host's level stands there."""
    vendor = inferred_vendor(view)
    if vendor is not None:
        pid, provenance = vendor
        if rule.policy.declares(pid) and rule.policy.level(pid) != rule.policy.level(provider_id(view)):
            yield from rule.report(
                view, location, f"{message}{provenance}", judged_as=pid, uncertain=uncertain
            )
            return
    yield from rule.report(view, location, message, uncertain=uncertain)
