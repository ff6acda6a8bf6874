"""Helpers the rule modules share about providers: the named provider groups and the id policies
key on (both defined in :mod:`toolguard_core.rules.registry`, re-exported here), and whether a request
declares tools.

A rule's severity per provider is its declared :class:`~toolguard_core.rules.registry.Policy`; a check
reports through :meth:`Rule.report` and never picks a severity itself (issue 9).

Provider ids are the ``ProviderProfile.id`` values of :mod:`toolguard_core.providers`.
"""

from __future__ import annotations

from typing import Any

from toolguard_core.rules.registry import GROUPS, provider_id

__all__ = ["OPENAI_FAMILY", "SELF_HOSTED", "has_tools", "provider_id"]

#: OpenAI's own validator: OpenAI and Azure OpenAI (``ProviderProfile.openai_validator``).
OPENAI_FAMILY = GROUPS["openai-family"]

#: Self-hosted servers whose OpenAI layer is a permissive model (``ProviderProfile.local``).
SELF_HOSTED = GROUPS["self-hosted"]


def has_tools(body: dict[str, Any]) -> bool:
    """Whether the request declares at least one tool."""
    tools = body.get("tools")
    return isinstance(tools, list) and len(tools) > 0
