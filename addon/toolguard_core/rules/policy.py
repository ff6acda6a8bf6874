"""Which providers enforce what: the severity a rule gets for the request's target provider.

A rule that OpenAI enforces is an *error* on OpenAI and Azure OpenAI, a *warning* on providers
whose behaviour is not documented (the generic fallback flags only what every provider rejects),
and *silent* on providers known to accept it (vLLM, llama.cpp and Ollama accept any function
name, for example). Each rule states its own table with :func:`severity_for`; the provider
groups below are shared so the tables stay short.

Provider ids are the ``ProviderProfile.id`` values of :mod:`toolguard_core.providers`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import BUILTIN_PROFILES
from toolguard_core.request import RequestView
from toolguard_core.rules.registry import Rule

#: OpenAI's own validator: OpenAI and Azure OpenAI (``ProviderProfile.openai_validator``).
OPENAI_FAMILY = frozenset(p.id for p in BUILTIN_PROFILES.values() if p.openai_validator)

#: Self-hosted servers whose OpenAI layer is a permissive model (``ProviderProfile.local``).
SELF_HOSTED = frozenset(p.id for p in BUILTIN_PROFILES.values() if p.local)


def provider_id(view: RequestView) -> str:
    """The id rules key on. OpenRouter passes ``openai/*`` models through to OpenAI, whose
    validator then answers (the error arrives as ``metadata.raw``, providers.md §2), so such a
    request is judged by OpenAI's rules."""
    pid = view.provider.id
    if pid == "openrouter":
        model = view.model or ""
        if model.startswith("openai/"):
            return "openai"
    return pid


def severity_for(
    view: RequestView,
    *,
    error: Iterable[str] = OPENAI_FAMILY,
    silent: Iterable[str] = SELF_HOSTED,
    otherwise: Severity | None = Severity.WARNING,
) -> Severity | None:
    """``ERROR`` for providers in ``error``, ``None`` (do not report) for ``silent``, else
    ``otherwise`` (a warning by default: the provider's behaviour is not documented)."""
    pid = provider_id(view)
    if pid in error:
        return Severity.ERROR
    if pid in silent:
        return None
    return otherwise


def has_tools(body: dict[str, Any]) -> bool:
    """Whether the request declares at least one tool."""
    tools = body.get("tools")
    return isinstance(tools, list) and len(tools) > 0


def report(rule: Rule, severity: Severity | None, location: str, message: str) -> Iterator[Finding]:
    """``rule``'s finding at ``severity`` (from :func:`severity_for`); nothing when it is ``None``."""
    if severity is not None:
        yield rule.finding(location, message, severity=severity)
