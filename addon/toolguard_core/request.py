"""The parsed request that every check reads. Built once per request; checks never re-parse."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote, urlsplit

from toolguard_core.catalog import Catalog, ModelInfo
from toolguard_core.providers import ProviderProfile, ProviderRegistry

if TYPE_CHECKING:  # rules/ imports this module: the type only
    from toolguard_core.engines import HostEngine
    from toolguard_core.rules.history import Split

#: Which API a request speaks, decided by its path: the APIs share hosts and error envelopes but
#: not body shapes (chat ``messages``, Responses ``input`` items, Anthropic content blocks), so
#: their checks must not mix.
EndpointKind = Literal["chat", "responses", "messages", "gemini", "converse", "ollama"]
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
#: Amazon Bedrock's Converse API, ``POST /model/{modelId}/converse`` and ``/converse-stream``
#: (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html): camelCase
#: ``messages`` of typed content blocks (``text``, ``toolUse``, ``toolResult``, ...), ``system``,
#: ``inferenceConfig``, ``toolConfig``. LiteLLM, the Vercel AI SDK and boto3 users send it. The model is the
#: path's (URL-encoded: ``us.anthropic.claude-sonnet-4-5-20250929-v1%3A0``, or an ARN).
CONVERSE: EndpointKind = "converse"
#: Ollama's native chat API, ``POST /api/chat`` (https://docs.ollama.com/api/chat): ``model``,
#: ``messages`` of string ``content`` with ``images``/``tool_calls``/``thinking`` beside it, OpenAI-shaped
#: ``tools``, ``format``, ``options``, ``think``; it streams unless ``stream`` is false. ``/api/generate``
#: (a ``prompt``, no tools or conversation) is not a kind: what it is refused for (a model that is not
#: pulled, an unknown ``options`` key that Ollama only logs) is not a request property a rule can judge.
OLLAMA: EndpointKind = "ollama"
ENDPOINT_KINDS: tuple[EndpointKind, ...] = (CHAT, RESPONSES, MESSAGES, GEMINI, CONVERSE, OLLAMA)
#: What a user calls each API, where a report names the API a flow spoke (``toolguard show``, docs/causes.md).
ENDPOINT_NAMES: Mapping[EndpointKind, str] = {
    CHAT: "Chat Completions",
    RESPONSES: "Responses",
    MESSAGES: "Anthropic Messages",
    GEMINI: "Gemini generateContent",
    CONVERSE: "Bedrock Converse",
    OLLAMA: "Ollama /api/chat",
}
#: The RPC method suffixes of Gemini's native content generation (https://ai.google.dev/api/generate-content).
GEMINI_METHODS = (":generateContent", ":streamGenerateContent")
#: ``models/{model}:method`` (Gemini API, Vertex AI) or ``tunedModels/{model}:method``.
_GEMINI_MODEL = re.compile(r"(?:^|/)(?:tuned)?[mM]odels/([^/:]+):(?:stream)?[gG]enerateContent$")

#: The Messages API path every Anthropic SDK appends to its base URL. Its siblings
#: ``/v1/messages/count_tokens`` and ``/v1/messages/batches`` take other bodies and do not match.
MESSAGES_SUFFIX = "/v1/messages"

#: Bedrock's runtime paths that carry a model id (InvokeModel, InvokeModelWithResponseStream, Converse,
#: ConverseStream: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html).
#: The id is one URL-encoded segment: ``:`` may come as ``%3A`` and an ARN's ``/`` as ``%2F``.
_BEDROCK_MODEL = re.compile(r"/model/([^/]+)/(invoke|invoke-with-response-stream|converse|converse-stream)$")
#: Claude on Vertex AI: ``.../publishers/anthropic/models/{model}:rawPredict`` and ``:streamRawPredict``
#: (https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude), the Messages
#: body without ``model`` and with ``anthropic_version: "vertex-2023-10-16"``.
_VERTEX_ANTHROPIC = re.compile(r"/publishers/anthropic/models/([^/:]+):(?:stream)?[rR]awPredict$")
#: A Bedrock model id whose InvokeModel body is Anthropic's Messages body: Anthropic's models (``anthropic.``,
#: a cross-region ``us.anthropic.``/``global.anthropic.`` profile, an ARN naming one). Other vendors'
#: InvokeModel bodies are their own (Titan's ``inputText``, Llama's ``prompt``) and are not checked, nor is an
#: application inference profile's opaque ARN (it names no model).
_ANTHROPIC_ON_BEDROCK = re.compile(r"(?:^|[./])anthropic\.|claude", re.IGNORECASE)
#: Where the Anthropic Messages body goes on the two clouds that host Claude natively; the profile-free
#: fact the Messages rules read (``anthropic_version`` required, ``model`` absent, ``anthropic_beta``).
AnthropicPlatform = Literal["bedrock", "vertex"]
#: Ollama's native chat path (any prefix: a gateway may mount Ollama under its own).
OLLAMA_CHAT_SUFFIX = "/api/chat"
#: The addon's scope patterns (``toolguard_paths`` defaults, verdict.DEFAULT_PATHS) for the native kinds
#: above, each the path test of :func:`endpoint_kind` as a regex: Bedrock's InvokeModel only for Anthropic's
#: models (another vendor's InvokeModel body is its own), Converse for every model.
NATIVE_PATHS = (
    r"/model/[^/]+/converse(?:-stream)?/?$",
    r"/model/[^/]*(?i:anthropic\.|claude)[^/]*/invoke(?:-with-response-stream)?/?$",
    r"/publishers/anthropic/models/[^/:]+:(?:stream)?[rR]awPredict/?$",
    rf"{re.escape(OLLAMA_CHAT_SUFFIX)}/?$",
)


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
    if trimmed.endswith(OLLAMA_CHAT_SUFFIX):
        return OLLAMA
    if "/model" in trimmed:
        bedrock = _BEDROCK_MODEL.search(trimmed)
        if bedrock is not None:
            if bedrock[2].startswith("converse"):
                return CONVERSE
            if _ANTHROPIC_ON_BEDROCK.search(unquote(bedrock[1])):
                return MESSAGES
        elif _VERTEX_ANTHROPIC.search(trimmed):
            return MESSAGES
    return CHAT


def anthropic_platform(path: str) -> AnthropicPlatform | None:
    """``bedrock`` for a Messages body on Bedrock's InvokeModel path, ``vertex`` for one on Vertex AI's
    ``:rawPredict``, None for Anthropic's own ``/v1/messages`` (and every other path)."""
    trimmed = path.rstrip("/")
    if "/model" not in trimmed or trimmed.endswith(MESSAGES_SUFFIX):
        return None
    if _VERTEX_ANTHROPIC.search(trimmed):
        return "vertex"
    bedrock = _BEDROCK_MODEL.search(trimmed)
    if (
        bedrock is not None
        and bedrock[2].startswith("invoke")
        and _ANTHROPIC_ON_BEDROCK.search(unquote(bedrock[1]))
    ):
        return "bedrock"
    return None


def path_model(path: str) -> str | None:
    """The model a path names, URL-decoded: Gemini's native ``models/{model}:generateContent``, Bedrock's
    ``/model/{modelId}/invoke|converse`` (``us.anthropic.claude-sonnet-4-5-20250929-v1:0``, or an ARN),
    Vertex AI's ``publishers/anthropic/models/{model}:rawPredict``; None when the path names none (the
    body's ``model`` is then the model)."""
    trimmed = path.rstrip("/")
    if trimmed.endswith(GEMINI_METHODS):
        return gemini_path_model(trimmed)
    if "/model" not in trimmed:
        return None
    found = _BEDROCK_MODEL.search(trimmed) or _VERTEX_ANTHROPIC.search(trimmed)
    return unquote(found[1]) if found else None


def stream_by_path(path: str) -> bool | None:
    """Whether the path itself asks for a stream (Gemini's ``:streamGenerateContent``, Bedrock's
    ``invoke-with-response-stream`` and ``converse-stream``, Vertex's ``:streamRawPredict``); None when the
    path does not decide (the body's ``stream`` does)."""
    trimmed = path.rstrip("/")
    if trimmed.endswith(GEMINI_METHODS):
        return trimmed.endswith(":streamGenerateContent")
    if "/model" in trimmed:
        bedrock = _BEDROCK_MODEL.search(trimmed)
        if bedrock is not None:
            return bedrock[2].endswith("stream")
        if _VERTEX_ANTHROPIC.search(trimmed):
            return trimmed.endswith(("streamRawPredict", "streamrawPredict"))
    return None


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


#: The kinds whose path may name the model (the others read the body's ``model``).
_PATH_MODEL_KINDS = frozenset({GEMINI, CONVERSE, MESSAGES})


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

    #: The model the path names (Gemini's native API, Bedrock, Claude on Vertex: :func:`path_model`).
    path_model: str | None = field(init=False)
    #: Where a Messages body goes when it is not Anthropic's own API (:func:`anthropic_platform`).
    platform: AnthropicPlatform | None = field(init=False)

    def __post_init__(self) -> None:
        self.endpoint = endpoint_kind(self.path)
        self.path_model = path_model(self.path) if self.endpoint in _PATH_MODEL_KINDS else None
        self.platform = anthropic_platform(self.path) if self.endpoint == MESSAGES else None

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
    #: The engine behind the host, beside its profile (toolguard_core.engines): the profile's declared
    #: ``engine``, or one this host's answers named (learned.Knowledge.engine_for). Rule.report takes the
    #: engine's error levels where the rule declares none for the host.
    engine: HostEngine | None = None
    #: The body's length as parsed (bytes, or characters for a text body); None when not known.
    #: Every text a rule measures is at most this long, so a size rule can rule a request out
    #: without walking it (model.context-window-exceeded).
    size: int | None = None
    #: Parsed by orjson (analyse_request): every value is one orjson writes back exactly, so checks of
    #: a part of the body may be remembered by that part's JSON text (rules/memo.py). False for a
    #: body the stdlib parsed (NaN, integers over 64 bits) and for views built elsewhere.
    exact: bool = False
    #: The validation worker's split parse of this body (rules/history.py): the remembered blocks of
    #: its history, whose per-message checks found nothing before under the same context are not walked
    #: again (rules/walk.py). None for a body parsed whole.
    remembered: Split | None = None

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
        """The body's ``model``; for Gemini's native API, Bedrock and Claude on Vertex the model the path
        names (the body has none, except Code Assist's wrapper)."""
        if self.target.path_model is not None:
            return self.target.path_model
        model = self.body.get("model")
        return model if isinstance(model, str) else None

    @property
    def model_info(self) -> ModelInfo | None:
        """The catalog's entry for ``model`` (a cached lookup) with what this request's host states about the
        models it serves (the catalog's host facts), or None."""
        model = self.model
        return self.target.catalog.lookup(model, self.provider.id) if model else None


# --- Gemini's native body, read by the Gemini rules and the model rules alike ----------------------------


@lru_cache(maxsize=256)  # called with the rules' own field names only; bounded anyway
def gemini_snake(name: str) -> str:
    """A field's proto name (``systemInstruction`` → ``system_instruction``)."""
    return re.sub(r"(?<!^)([A-Z])", lambda m: "_" + m[1].lower(), name)


def gemini_field(obj: Mapping[str, Any], name: str) -> Any:
    """A field by its JSON name or its proto name (the API takes either)."""
    value = obj.get(name)
    return obj.get(gemini_snake(name)) if value is None else value


def gemini_many(value: Any) -> Any:
    """A repeated field's value as a list: the JSON mapping also takes a single object for it, which
    Vertex AI's own curl examples send (``"contents": {"role": "user", "parts": {"text": ...}}``,
    https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference)."""
    return [value] if isinstance(value, dict) else value


def gemini_key(obj: Mapping[str, Any], name: str) -> str:
    """The spelling ``obj`` uses for ``name`` (for locations), the JSON name when absent."""
    return name if name in obj or gemini_snake(name) not in obj else gemini_snake(name)


def gemini_payload(view: RequestView) -> tuple[dict[str, Any] | None, str]:
    """The GenerateContentRequest and the location prefix of its fields: Code Assist wraps it in
    ``request`` (gemini-cli sends ``{"model", "project", "user_prompt_id", "request": {...}}``)."""
    if gemini_wrapped(view.target.path):
        inner = view.body.get("request")
        return (inner, "request.") if isinstance(inner, dict) else (None, "")
    return view.body, ""
