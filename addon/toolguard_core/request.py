"""The parsed request that every check reads. Built once per request; checks never re-parse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from toolguard_core.providers import ProviderProfile, detect_provider


@dataclass(slots=True)
class Target:
    """Where a request goes: the URL split once, and the provider it belongs to."""

    url: str
    scheme: str
    host: str
    port: int | None
    path: str
    query: str
    provider: ProviderProfile

    @classmethod
    def from_url(cls, url: str, provider: ProviderProfile | None = None) -> Target:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        try:
            port = parts.port
        except ValueError:
            port = None
        return cls(
            url=url,
            scheme=parts.scheme,
            host=host,
            port=port,
            path=parts.path or "/",
            query=parts.query,
            provider=provider or detect_provider(host, port, parts.path),
        )


@dataclass(slots=True)
class RequestView:
    """A chat-completions request body (already parsed into a dict) and its target."""

    body: dict[str, Any]
    target: Target

    @property
    def provider(self) -> ProviderProfile:
        return self.target.provider

    @property
    def messages(self) -> list[Any]:
        messages = self.body.get("messages")
        return messages if isinstance(messages, list) else []

    @property
    def model(self) -> str | None:
        model = self.body.get("model")
        return model if isinstance(model, str) else None
