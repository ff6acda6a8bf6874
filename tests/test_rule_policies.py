"""Every rule with a declared severity policy behaves as its policy (and docs/rules.md) says.

For each such rule and each built-in provider, the rule's example is analysed as if sent to that
provider: where the policy says silent there is no finding of the rule; where it gives a level without
a condition the rule fires at exactly that level; where the level holds only under a condition (a
model family, say) the rule fires at that level or not at all. The corrected example ("use instead")
gives no finding at all on the example's own provider, and no finding of the rule on any provider.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.catalog import DEFAULT_CATALOG
from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import BUILTIN_PROFILES, DEFAULT_REGISTRY
from toolguard_core.request import RequestView, Target
from toolguard_core.rules import RULES, Rule
from toolguard_core.rules.model import _RULE_FIELDS, inferred_vendor, is_local_note
from toolguard_core.rules.registry import UNCERTAIN_NOTE

DECLARED = sorted((rule for rule in RULES.values() if rule.declared), key=lambda rule: rule.id)
#: Rules about toolguard's own handling of a flow, not about a body a provider answers: the deployment's
#: size limit, a Content-Encoding header it could not decode, a saturated validation worker. No request
#: body alone shows them, so they have no example; each declares one level for every provider.
FLOW_RULES = frozenset({"body.too-large", "body.undecodable", "body.not-validated"})
EXAMPLED = [rule for rule in DECLARED if rule.id not in FLOW_RULES]


def _findings(
    rule: Rule, body: dict[str, object] | bytes, provider: str | None, url: str | None = None
) -> list[Finding]:
    """``body`` is a request object, or (a rule's ``raw_example``) the bytes sent as they are."""
    url = url or rule.example_url
    target = Target.from_url(url, DEFAULT_REGISTRY)
    if provider is not None:
        target = dataclasses.replace(target, provider=BUILTIN_PROFILES[provider])
    sent = body if isinstance(body, bytes) else json.dumps(body)
    analysis = analyse_request(sent, url, target=target)
    assert not analysis.internal_errors, analysis.internal_errors
    return analysis.findings


def test_some_rules_declare_a_policy() -> None:
    assert len(DECLARED) >= 10


def _example(rule: Rule) -> dict[str, object] | bytes:
    example = rule.raw_example if rule.raw_example is not None else rule.example
    assert example is not None, rule.id
    return example


@pytest.mark.parametrize("rule", EXAMPLED, ids=lambda rule: rule.id)
def test_declared_rule_has_example_and_correction(rule: Rule) -> None:
    assert (rule.example is not None or rule.raw_example is not None) and rule.fixed is not None
    # Grounded: a real provider error with its source, or (rules from a provider's docs/code) notes
    # naming the doc.
    assert rule.predicts or rule.notes, f"{rule.id} cites no real provider error"


def _host_serves_it(rule: Rule, provider: str) -> bool:
    """The host's own listing says the example's model takes what the rule flags (the catalog's hosts block:
    Novita's LiteLLM entry gives Gemma 3 a system role), so the rule is silent there."""
    field = _RULE_FIELDS.get(rule.id)
    model = rule.example.get("model") if isinstance(rule.example, dict) else None
    info = DEFAULT_CATALOG.lookup(model, provider) if field is not None and isinstance(model, str) else None
    return info is not None and field in info.host_fields and getattr(info, field) is True


@pytest.mark.parametrize("provider", sorted(BUILTIN_PROFILES))
@pytest.mark.parametrize("rule", EXAMPLED, ids=lambda rule: rule.id)
def test_example_gives_the_documented_severity(rule: Rule, provider: str) -> None:
    found = [f for f in _findings(rule, _example(rule), provider) if f.rule == rule.id]
    if _host_serves_it(rule, provider):
        assert found == []
        return
    # A check that doubts its evidence (a reseller's catalog fact, a host that is not the model's vendor)
    # reports the declared error as a warning and says why; that is the declared level, weakened in view.
    doubted = [f for f in found if UNCERTAIN_NOTE in f.message]
    assert all(f.severity == "warning" for f in doubted)
    # On an unrecognised host a model the catalog knows is judged by its vendor's declared level, and
    # the finding says so (rules/inferred.py, the model rules' inference): that vendor's level applies.
    vendors = {_inferred_vendor(f.message) for f in found if f not in doubted} - {None}
    assert len(vendors) <= 1 and (not vendors or provider == "generic"), vendors
    mine = [f.severity for f in found if f not in doubted] + [Severity.ERROR for f in doubted]
    judged = next(iter(vendors)) if vendors else provider
    # Judged as a vendor that accepts it: silent, so no message to read the vendor from (the families
    # that report through rules/inferred.py).
    if provider == "generic" and not found and rule.id.startswith(("responses.", "anthropic.")):
        judged = _example_vendor(rule) or provider
    # A host's declared engine (ProviderProfile.engine) adds that engine's errors: the documented level.
    level = rule.policy.host_level(judged)
    if level is None:
        assert mine == []
    elif rule.policy.condition(provider):
        assert set(mine) <= {level}
    else:
        assert mine and set(mine) == {level}


_VENDOR_NAMES = {profile.name: pid for pid, profile in BUILTIN_PROFILES.items()}


def _inferred_vendor(message: str) -> str | None:
    """The built-in provider a finding says was inferred from the model name, else None."""
    match = re.search(r"the provider \((.+?)\) was inferred from the model name", message)
    return _VENDOR_NAMES[match.group(1)] if match else None


def _example_vendor(rule: Rule) -> str | None:
    """The provider the example's model name is inferred as on an unrecognised host, where the rule
    declares a level for it (rules/inferred.py), else None."""
    example = rule.example
    if not isinstance(example, dict):
        return None
    target = dataclasses.replace(
        Target.from_url(rule.example_url, DEFAULT_REGISTRY), provider=BUILTIN_PROFILES["generic"]
    )
    vendor = inferred_vendor(RequestView(body=example, target=target))
    return vendor[0] if vendor is not None and rule.policy.declares(vendor[0]) else None


def test_example_fires_on_its_own_provider() -> None:
    for rule in EXAMPLED:
        assert any(f.rule == rule.id for f in _findings(rule, _example(rule), None)), rule.id


@pytest.mark.parametrize("rule", EXAMPLED, ids=lambda rule: rule.id)
def test_corrected_example_gives_no_finding(rule: Rule) -> None:
    assert rule.fixed is not None
    url = rule.fixed_url or rule.example_url
    # A local server's note that its model got no model rules (is_local_note) is no finding on the request.
    assert [f.one_line() for f in _findings(rule, rule.fixed, None, url) if not is_local_note(f)] == []
    if rule.fixed_url is not None:
        return  # a corrected URL is the example provider's own; another provider documents other paths
    for provider in BUILTIN_PROFILES:
        # (No name is known on a local server: model.rules-skipped's own fixed example gets its note there.)
        found = _findings(rule, rule.fixed, provider, url)
        assert [f for f in found if f.rule == rule.id and not is_local_note(f)] == [], provider


def test_port_only_provider_turns_a_declared_provider_error_into_a_warning_saying_why() -> None:
    """vLLM recognised by port 8000 alone may be another server: its template error is a warning."""
    body = {"model": "mistral-7b-instruct-v0.3", "messages": [{"role": "user", "content": "a"}] * 2}
    analysis = analyse_request(json.dumps(body), "http://localhost:8000/v1/chat/completions")
    assert analysis.target.provider.guessed
    # (With the note that vLLM's model got no model rules: it serves whatever models it was given.)
    assert [(f.rule, f.severity) for f in analysis.findings] == [
        ("model.rules-skipped", "info"),
        ("roles.alternation", "warning"),
    ]
    assert "by its port only" in analysis.findings[1].message


def test_a_uniform_declared_error_stays_an_error_on_a_port_only_provider() -> None:
    body = {"model": "m", "messages": [{"role": "tool", "content": "x", "tool_call_id": "c1"}]}
    analysis = analyse_request(json.dumps(body), "http://localhost:8000/v1/chat/completions")
    # The pairing rules warn on self-hosted servers by policy; the doubled path is an error everywhere.
    doubled = analyse_request(json.dumps(body), "http://localhost:8000/v1/chat/completions/chat/completions")
    assert [(f.rule, f.severity) for f in analysis.findings] == [
        ("model.rules-skipped", "info"),
        ("sequence.orphan-tool-message", "warning"),
    ]
    assert ("endpoint.doubled-path", "error") in [(f.rule, f.severity) for f in doubled.findings]


def test_a_check_can_judge_a_request_as_an_inferred_provider() -> None:
    """The catalog's case: a known model on an unknown host is judged by its vendor's policy."""
    from toolguard_core.request import RequestView

    rule = RULES["roles.assistant-last"]  # error on Mistral, silent on the generic fallback
    target = Target.from_url("https://llm.internal.example/v1/chat/completions", DEFAULT_REGISTRY)
    view = RequestView(body={"model": "mistral-large-latest", "messages": []}, target=target)
    assert list(rule.report(view, "messages[1]", "m")) == []
    assert [f.severity for f in rule.report(view, "messages[1]", "m", judged_as="mistral")] == ["error"]


@pytest.mark.parametrize(
    ("rule_id", "severity"),
    [
        ("body.not-json", "error"),
        ("body.invalid-utf8", "error"),
        ("body.not-object", "error"),
        ("body.empty", "error"),
        ("body.too-deep", "warning"),
    ],
)
def test_body_rules_declare_one_level_for_every_provider(rule_id: str, severity: str) -> None:
    """A body that is not a JSON object is the same failure wherever it goes (issue 9, second pass)."""
    rule = RULES[rule_id]
    assert rule.declared and rule.policy.uniform and rule.policy.otherwise == severity
    assert rule.severity == severity


def test_every_rule_declares_its_policy() -> None:
    """Issue 9: one declared severity per rule and provider; no rule left on a derived policy."""
    assert [rule.id for rule in RULES.values() if not rule.declared] == []


@pytest.mark.parametrize("rule_id", sorted(FLOW_RULES))
def test_flow_rules_are_uniform_and_never_errors(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.policy.uniform and rule.policy.otherwise in ("info", "warning")
    assert rule.example is None and rule.raw_example is None
