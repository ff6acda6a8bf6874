"""The user's provider config file (``--set toolguard_providers=FILE``, ``toolguard check --providers FILE``).

TOML (stdlib ``tomllib``), validated with pydantic, turned into a
:class:`~toolguard_core.providers.ProviderRegistry`::

    # A company gateway that speaks OpenAI's API and adds one field of its own.
    [[gateway]]
    host = "llm-gw.*.example.com"     # shell-style glob, case-insensitive; "host:port" names the port too
    port = 8443                       # optional
    provider = "openai"               # a built-in provider id (see docs/providers.md)
    accept_params = ["cost_center"]   # optional: extra top-level fields the gateway accepts

    # A fine-tuned or new model that reasons like the o-series.
    [[model]]
    provider = "openai"               # or "*" for every provider
    match = "acme-reasoner-*"         # glob over the model name (a "vendor/" prefix is ignored)
    like = "openai-o-series"          # optional: start from a built-in family
    reasoning_effort = true

    # Add a model to the catalog, or correct the shipped snapshot's entry (the fields given win).
    [models."acme-llm-70b"]
    function_calling = true
    vision = false
    max_output_tokens = 8192

Errors name the file, the line (TOML syntax) or the field (``model[1].like``) and the reason;
:class:`ProvidersConfigError` is raised, the addon turns it into an ``OptionsError`` at start-up.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from toolguard_core.catalog import Catalog, ModelInfo
from toolguard_core.providers import (
    BUILTIN_PROFILES,
    DEFAULT_FAMILY,
    GatewayRule,
    ModelFamily,
    ProviderProfile,
    ProviderRegistry,
)

_FAMILIES: dict[str, ModelFamily] = {
    family.id: family for profile in BUILTIN_PROFILES.values() for family in profile.families
}


class ProvidersConfigError(ValueError):
    """The config file cannot be used; ``str()`` is a complete, user-facing explanation."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def _known_provider(value: str) -> str:
    if value not in BUILTIN_PROFILES:
        raise ValueError(f"unknown provider {value!r}; known: {', '.join(sorted(BUILTIN_PROFILES))}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: A gateway's ``host`` with a port in it, as a URL's authority spells one: ``127.0.0.1:4000``
#: (LiteLLM's default), ``[::1]:8080`` (an IPv6 literal in brackets), ``gw.*.example.com:8443``
#: (a glob). A bare IPv6 literal (``::1``) has colons of its own and no port.
_HOST_PORT = re.compile(r"^(?:\[(?P<ipv6>[0-9A-Fa-f:.%]+)\]|(?P<name>[^:]+))(?::(?P<port>[0-9]+))?$")


class Gateway(_Strict):
    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    provider: str
    name: str | None = None
    accept_params: list[str] = []

    _check_provider = field_validator("provider")(_known_provider)

    @model_validator(mode="before")
    @classmethod
    def _split_port(cls, data: Any) -> Any:
        """``host = "127.0.0.1:4000"`` is ``host = "127.0.0.1"`` and ``port = 4000``: that host on that
        port only. Before session 12 the whole string was a glob over the host name, which a request's
        host never matched, so such a gateway silently mapped nothing."""
        if not isinstance(data, dict) or not isinstance(data.get("host"), str):
            return data
        host = data["host"].strip()
        if host.count(":") > 1 and not host.startswith("["):
            return data  # a bare IPv6 literal: the host alone
        match = _HOST_PORT.match(host)
        if match is None:
            raise ValueError(f"host {host!r} is not a host, host:port or [IPv6]:port")
        split = dict(data, host=match.group("ipv6") or match.group("name"))
        if match.group("port") is not None:
            port = int(match.group("port"))
            if data.get("port") not in (None, port):
                raise ValueError(f"host {host!r} names port {port} and port says {data['port']}")
            split["port"] = port
        return split

    @field_validator("host")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class ModelOverride(_Strict):
    provider: str = "*"
    match: Annotated[str, Field(min_length=1)]
    like: str | None = None
    reasoning: bool | None = None
    reasoning_effort: bool | None = None
    rejects_max_tokens: bool | None = None
    fixed_temperature: float | None = None
    rejects_system_role: bool | None = None
    thinking_default: bool | None = None
    thinking_only: bool | None = None
    unsupported_params: list[str] | None = None
    #: Fields to stop flagging for this model (removed from the base family's lists).
    supported_params: list[str] = []

    @field_validator("provider")
    @classmethod
    def _provider(cls, value: str) -> str:
        return value if value == "*" else _known_provider(value)

    @field_validator("like")
    @classmethod
    def _like(cls, value: str | None) -> str | None:
        if value is not None and value not in _FAMILIES:
            raise ValueError(f"unknown model family {value!r}; known: {', '.join(sorted(_FAMILIES))}")
        return value

    def family(self) -> ModelFamily:
        base = _FAMILIES[self.like] if self.like else DEFAULT_FAMILY
        changes: dict[str, object] = {
            "id": f"config:{self.match}",
            "name": f"{self.match} (config" + (f", like {self.like})" if self.like else ")"),
            "patterns": (fnmatch.translate(self.match.lower()),),
        }
        for name in (
            "reasoning",
            "reasoning_effort",
            "rejects_max_tokens",
            "fixed_temperature",
            "rejects_system_role",
            "thinking_default",
            "thinking_only",
        ):
            value = getattr(self, name)
            if value is not None:
                changes[name] = value
        if self.reasoning_effort and "reasoning" not in changes:
            changes["reasoning"] = True
        if self.unsupported_params is not None:
            changes["unsupported_params"] = frozenset(self.unsupported_params)
        supported = frozenset(self.supported_params)
        if supported:
            for name in ("unsupported_params", "doubtful_params", "ignored_params"):
                current = changes.get(name, getattr(base, name))
                changes[name] = frozenset(current) - supported  # type: ignore[arg-type]
        return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


class CatalogEntry(_Strict):
    """``[models."name"]``: a model-catalog entry (toolguard_core.catalog); unset = keep the snapshot's."""

    providers: list[str] | None = None
    function_calling: bool | None = None
    parallel_tool_calls: bool | None = None
    tool_choice: bool | None = None
    vision: bool | None = None
    audio_input: bool | None = None
    system_messages: bool | None = None
    reasoning: bool | None = None
    reasoning_efforts: list[str] | None = None
    structured_output: bool | None = None
    max_input_tokens: Annotated[int, Field(ge=1)] | None = None
    max_output_tokens: Annotated[int, Field(ge=1)] | None = None
    chat_completions: bool | None = None

    def info(self, name: str, origin: str) -> ModelInfo:
        values = self.model_dump(exclude_none=True)
        for key in ("providers", "reasoning_efforts"):
            if key in values:
                values[key] = tuple(values[key])
        return ModelInfo(name=name, origin=origin, **values)


class ProvidersConfig(_Strict):
    version: Literal[1] = 1
    gateway: list[Gateway] = []
    model: list[ModelOverride] = []
    models: dict[Annotated[str, Field(min_length=1)], CatalogEntry] = {}


def parse_config(text: str, origin: str = "<config>") -> ProvidersConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # the message carries "(at line N, column M)"
        raise ProvidersConfigError(origin, [f"invalid TOML: {exc}"]) from None
    try:
        return ProvidersConfig.model_validate(data)
    except ValidationError as exc:
        raise ProvidersConfigError(origin, [_describe(error) for error in exc.errors()]) from None


def _describe(error: dict) -> str:  # type: ignore[type-arg]
    where = ""
    for part in error.get("loc", ()):
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    message = error.get("msg", "invalid")
    if error.get("type") == "extra_forbidden":
        message = "unknown field (check the spelling; see docs/providers.md)"
    return f"{where or 'file'}: {message}"


def build_registry(config: ProvidersConfig, origin: str = "<config>") -> ProviderRegistry:
    """Built-in profiles plus the config: model overrides first (they win), then gateways."""
    overrides: dict[str, list[ModelFamily]] = {}
    for entry in config.model:
        targets = BUILTIN_PROFILES if entry.provider == "*" else (entry.provider,)
        for provider_id in targets:
            overrides.setdefault(provider_id, []).append(entry.family())
    profiles: dict[str, ProviderProfile] = {
        pid: profile.with_families(overrides[pid], origin) if pid in overrides else profile
        for pid, profile in BUILTIN_PROFILES.items()
    }
    gateways = []
    for gateway in config.gateway:
        profile = profiles[gateway.provider]
        changes: dict[str, object] = {"origin": origin}
        if gateway.name:
            changes["name"] = gateway.name
        if gateway.accept_params and profile.known_params is not None:
            changes["known_params"] = profile.known_params | frozenset(gateway.accept_params)
        if gateway.accept_params and profile.rejected_params:
            changes["rejected_params"] = MappingProxyType(
                {k: v for k, v in profile.rejected_params.items() if k not in gateway.accept_params}
            )
        gateways.append(
            GatewayRule(host=gateway.host, port=gateway.port, profile=dataclasses.replace(profile, **changes))  # type: ignore[arg-type]
        )
    catalog = Catalog({name: entry.info(name, origin) for name, entry in config.models.items()})
    return ProviderRegistry(profiles, gateways, origin=origin, catalog=catalog)


def load_registry(path: str | Path) -> ProviderRegistry:
    """Read, validate and build the registry for ``path``; :class:`ProvidersConfigError` on any problem.

    This is the one function the addon (option ``toolguard_providers``) and ``toolguard check
    --providers FILE`` call; then ``Target.from_url(url, registry)`` gives the ``target=`` for
    :func:`toolguard_core.analyze.analyse_request`.
    """
    origin = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ProvidersConfigError(origin, [f"cannot read the file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ProvidersConfigError(origin, [f"not UTF-8 text: {exc.reason} at byte {exc.start}"]) from None
    return build_registry(parse_config(text, origin), origin)
