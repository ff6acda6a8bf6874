"""Provider profiles: which API a request goes to decides which rules apply and how severe they are.

The provider is recognised from the request URL (host, port and path). Where providers
disagree, the profile decides; a rule never flags what the target provider accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# OpenAI's documented roles (doc [OAS]); `function` is deprecated but accepted.
OPENAI_ROLES = frozenset({"developer", "system", "user", "assistant", "tool", "function"})


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    id: str
    name: str
    base_url: str | None = None
    # Roles the provider accepts; None means any string reaches a chat template.
    roles: frozenset[str] | None = OPENAI_ROLES
    # Whether the provider validates tool-call pairing itself (OpenAI-style 400s).
    validates_tool_pairing: bool = True
    extra: dict[str, object] = field(default_factory=dict)


OPENAI = ProviderProfile(id="openai", name="OpenAI", base_url="https://api.openai.com/v1")
GENERIC = ProviderProfile(
    id="generic",
    name="OpenAI-compatible (unknown provider)",
    validates_tool_pairing=True,
)

_HOSTS: dict[str, ProviderProfile] = {"api.openai.com": OPENAI}


def detect_provider(host: str, port: int | None = None, path: str = "") -> ProviderProfile:
    """The profile for a request URL; unknown hosts get the generic OpenAI-compatible profile."""
    return _HOSTS.get(host.lower(), GENERIC)
