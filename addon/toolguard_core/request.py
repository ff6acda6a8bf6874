"""The parsed request that every check reads. Built once per request; checks never re-parse."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from toolguard_core.catalog import Catalog, ModelInfo
from toolguard_core.providers import ProviderProfile, ProviderRegistry

#: Which API a request speaks, decided by its path: the APIs share hosts and error envelopes but
#: not body shapes (chat ``messages``, Responses ``input`` items, Anthropic content blocks), so
#: their checks must not mix.
EndpointKind = Literal["chat", "responses", "messages", "gemini"]
CHAT: EndpointKind = "chat"
RESPONSES: EndpointKind = "responses"
#: Anthropic's Messages API, ``POST /v1/messages`` (also under the Anthropic-compatible prefixes of
#: other providers: ``/anthropic/v1/messages``, ``/api/anthropic/v1/messages``, ...).
MESSAGES: EndpointKind = "messages"
#: Gemini's native API, ``POST .../models/{model}:generateContent`` and ``:streamGenerateContent``
#: (Google AI Studio ``/v1beta/models/...``, Vertex AI ``.../publishers/google/models/...``, Code
#: Assist's ``/v1internal:generateContent`` that gemini-cli uses, which wraps the same request in
#: ``{"model", "project", "request"}``). The model is named by the path, not the body.
GEMINI: EndpointKind = "gemini"
ENDPOINT_KINDS: tuple[EndpointKind, ...] = (CHAT, RESPONSES, MESSAGES, GEMINI)
#: The RPC method suffixes of Gemini's native content generation (https://ai.google.dev/api/generate-content).
GEMINI_METHODS = (":generateContent", ":streamGenerateContent")
#: ``models/{model}:method`` (Gemini API, Vertex AI) or ``tunedModels/{model}:method``.
_GEMINI_MODEL = re.compile(r"(?:^|/)(?:tuned)?[mM]odels/([^/:]+):(?:stream)?[gG]enerateContent$")

#: The Messages API path every Anthropic SDK appends to its base URL. Its siblings
#: ``/v1/messages/count_tokens`` and ``/v1/messages/batches`` take other bodies and do not match.
MESSAGES_SUFFIX = "/v1/messages"


def endpoint_kind(path: str) -> EndpointKind:
    """``responses`` for a path ending in ``/responses`` (OpenAI's ``POST /v1/responses``),
    ``messages`` for one ending in ``/v1/messages`` (Anthropic's Messages API, any prefix), else
    ``gemini`` for one ending in ``:generateContent``/``:streamGenerateContent`` (Gemini's native API),
    else ``chat``. Everything else stays ``chat`` so the chat rules keep judging whatever path the
    addon's scope lets through (``/chat/completions``, a gateway's own path, a mistyped one).
    ``path`` carries no query (``?beta=true`` is in :attr:`Target.query`)."""
    trimmed = path.rstrip("/")
    if trimmed.endswith("/responses"):
        return RESPONSES
    if trimmed.endswith(MESSAGES_SUFFIX):
        return MESSAGES
    if trimmed.endswith(GEMINI_METHODS):
        return GEMINI
    return CHAT


def gemini_path_model(path: str) -> str | None:
    """The model a Gemini native path names (``/v1beta/models/gemini-2.5-flash:generateContent`` →
    ``gemini-2.5-flash``), or None (Code Assist's ``/v1internal:generateContent`` names none: its body
    carries ``model``)."""
    found = _GEMINI_MODEL.search(path.rstrip("/"))
    return found[1] if found else None


def gemini_wrapped(path: str) -> bool:
    """Whether the path is Code Assist's (gemini-cli's OAuth backend, ``cloudcode-pa.googleapis.com
    /v1internal:generateContent``), whose body carries the Gemini request under ``request``."""
    return path.rstrip("/").endswith(tuple("/v1internal" + method for method in GEMINI_METHODS))


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
    #: Model capabilities by name: the registry's catalog (the shipped snapshot plus the
    #: providers file's ``[models."name"]`` tables).
    catalog: Catalog
    #: Which API the path speaks (:func:`endpoint_kind`), decided once: every check's registration
    #: and many rules ask, several times per request (issue #12).
    endpoint: EndpointKind = field(init=False)

    #: The model the path names (Gemini's native API only, :func:`gemini_path_model`).
    path_model: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.endpoint = endpoint_kind(self.path)
        self.path_model = gemini_path_model(self.path) if self.endpoint == GEMINI else None

    @classmethod
    def from_url(cls, url: str, registry: ProviderRegistry) -> Target:
        """The only constructor: splits ``url`` once and asks ``registry`` (the built-in one or the
        user's providers file) for its provider."""
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
            provider=registry.detect(host, port, parts.path or "/"),
            catalog=registry.catalog,
        )


@dataclass(slots=True)
class RequestView:
    """A request body (already parsed into a dict) and its target: chat completions, or a
    Responses API request when ``endpoint == "responses"``."""

    body: dict[str, Any]
    target: Target
    #: Rules this user's upstream accepted for this host and model past ``toolguard_demote_after``
    #: (toolguard_core.learned): a policy input beside the declared provider levels (Rule.report).
    demoted: frozenset[str] = frozenset()
    #: The body's length as parsed (bytes, or characters for a text body); None when not known.
    #: Every text a rule measures is at most this long, so a size rule can rule a request out
    #: without walking it (model.context-window-exceeded).
    size: int | None = None

    @property
    def provider(self) -> ProviderProfile:
        return self.target.provider

    @property
    def endpoint(self) -> EndpointKind:
        return self.target.endpoint

    @property
    def messages(self) -> list[Any]:
        messages = self.body.get("messages")
        return messages if isinstance(messages, list) else []

    @property
    def model(self) -> str | None:
        """The body's ``model``; for Gemini's native API the model the path names (the body has none,
        except Code Assist's wrapper)."""
        if self.target.path_model is not None:
            return self.target.path_model
        model = self.body.get("model")
        return model if isinstance(model, str) else None

    @property
    def model_info(self) -> ModelInfo | None:
        """The catalog's entry for ``model`` on any host (a cached lookup), or None."""
        model = self.model
        return self.target.catalog.lookup(model) if model else None
