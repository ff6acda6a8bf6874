"""The rule interface.

A :class:`Rule` is metadata: a stable id, its severity :class:`Policy` (per provider: the provider
rejects → error, accepts with risk → warning, accepts → silent), an example bad request, the
corrected request, and the real provider errors it predicts (with sources). ``docs/rules.md`` is
generated from these definitions. A check reports through the rule (:meth:`Rule.report`), which
applies the policy: the check says *what* is wrong, never how severe it is.

A *check* is a plain function ``check(view: RequestView) -> Iterable[Finding]`` registered
with :func:`check`. One check may emit findings for several rules when they share one pass
over the messages (the tool-call sequence rules do). Checks import nothing from mitmproxy
and do no I/O.

Each check runs for one or more endpoint kinds (``chat`` by default, ``responses`` for
``POST /v1/responses``; see :func:`toolguard_core.request.endpoint_kind`): a Responses body
has ``input`` items, not ``messages``, and must never be judged by the chat rules.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, overload

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import BUILTIN_PROFILES, ProviderProfile
from toolguard_core.request import CHAT, ENDPOINT_KINDS, EndpointKind

if TYPE_CHECKING:
    from collections.abc import Iterator

    from toolguard_core.request import RequestView

ALL_PROVIDERS = ("*",)

#: A rule's level for one provider: ERROR (rejects), WARNING (accepted with risk, or undocumented),
#: None (accepted: the rule stays silent).
Level = Severity | None

#: Named provider groups a policy may use instead of listing ids; each is derived from a profile flag
#: so adding a provider profile updates every policy that names the group.
GROUPS: dict[str, frozenset[str]] = {
    # OpenAI's own request validator answers (OpenAI, Azure OpenAI: providers.md §2, §12).
    "openai-family": frozenset(p.id for p in BUILTIN_PROFILES.values() if p.openai_validator),
    # Self-hosted servers whose OpenAI layer is a permissive pydantic/Go/C++ model (providers.md §12).
    "self-hosted": frozenset(p.id for p in BUILTIN_PROFILES.values() if p.local),
    # A policy's "generic" level (the unrecognised host) holds too for the clouds that serve many
    # vendors' models (ProviderProfile.multi_vendor: Bedrock, Vertex AI, ...): knowing such a host says
    # nothing about the model, so the model is judged as on an unknown host (rules/model.py).
    "generic": frozenset({"generic"} | {p.id for p in BUILTIN_PROFILES.values() if p.multi_vendor}),
}


#: The named policy of a spec rule whose unrecognised host is an error (issue 9, session 19): what every
#: OpenAI-compatible engine with evidence refuses, and none is known to accept, is refused behind a host
#: toolguard cannot name too (mlx_lm.server, a company gateway, a LiteLLM proxy in front of a server). It
#: is declared as the condition of the rule's "generic" key (:func:`every_known_engine`), the rule's notes
#: carry the evidence (one cell per engine: the file and function that refuse it, or accept it), and a
#: check whose request falls outside the condition (a form one engine is known to take) reports through
#: ``uncertain=`` naming that engine, so the finding stays a warning there and says why.
EVERY_KNOWN_ENGINE = "rejected by every known engine"


def every_known_engine(scope: str) -> dict[str, str]:
    """The ``conditions`` entry of a rule under the :data:`EVERY_KNOWN_ENGINE` policy: the unrecognised
    host's error holds for ``scope``, the form every engine refuses."""
    return {"generic": f"{EVERY_KNOWN_ENGINE}: {scope}"}


@dataclass(frozen=True, slots=True)
class Policy:
    """What each provider does with the request a rule detects, declared once on the rule.

    ``levels`` maps a provider id or a :data:`GROUPS` name to a level; an id wins over a group.
    ``conditions`` says, per key, when the rule applies there at all (e.g. "deepseek-reasoner only"):
    the level holds whenever the check fires, and the docs print the condition. ``otherwise`` is the
    level of every other provider, the generic fallback included.
    """

    levels: tuple[tuple[str, Level], ...] = ()
    otherwise: Level = None
    conditions: tuple[tuple[str, str], ...] = ()

    def level(self, provider_id: str) -> Level:
        for key, level in self.levels:
            if key == provider_id:
                return level
        for key, level in self.levels:
            if provider_id in GROUPS.get(key, ()):
                return level
        return self.otherwise

    def declares(self, provider_id: str) -> bool:
        """Whether a level is declared for the provider itself (its id or a group of it), not only the
        ``otherwise`` fallback every other provider gets."""
        return any(key == provider_id or provider_id in GROUPS.get(key, ()) for key, _ in self.levels)

    def declares_own(self, provider_id: str) -> bool:
        """Whether a level is declared for the provider itself: its id or a group of it, the "generic"
        group aside (that is the unrecognised host's level, what an engine behind the host replaces)."""
        return any(
            key != "generic" and (key == provider_id or provider_id in GROUPS.get(key, ()))
            for key, _ in self.levels
        )

    def engine_error(self, provider_id: str, engine: str | None) -> bool:
        """Whether the engine behind ``provider_id``'s host lifts this rule to an error there: the host
        declares no level of its own and the engine's is an error. Only errors are taken: the engine's
        silences and warnings say "a permissive local template", which a hosted API in front of it is not."""
        # A level conditioned on a chat template (roles.alternation's "Gemma chat templates") holds for the
        # server's own local templates; behind another host the template is unknown, so it is not carried.
        return (
            engine is not None
            and not self.declares_own(provider_id)
            and self.level(engine) == Severity.ERROR
            and "template" not in self.condition(engine)
        )

    def host_level(self, provider_id: str) -> Level:
        """The level on a built-in host with its declared engine's errors taken (ProviderProfile.engine):
        what docs/rules.md prints per provider, and what Rule.report gives there."""
        level = self.level(provider_id)
        profile = BUILTIN_PROFILES.get(provider_id)
        engine = profile.engine if profile is not None and profile.engine_evidence else None
        return Severity.ERROR if level != Severity.ERROR and self.engine_error(provider_id, engine) else level

    def condition(self, provider_id: str) -> str:
        for key, text in self.conditions:
            if key == provider_id or provider_id in GROUPS.get(key, ()):
                return text
        return ""

    @property
    def every_known_engine(self) -> bool:
        """The unrecognised host's level is an error under the :data:`EVERY_KNOWN_ENGINE` policy."""
        return self.level("generic") == Severity.ERROR and self.condition("generic").startswith(
            EVERY_KNOWN_ENGINE
        )

    @property
    def uniform(self) -> bool:
        """Every provider gets the same level (a spec rule, not a provider's own)."""
        return all(level == self.otherwise for _, level in self.levels)

    @property
    def providers(self) -> tuple[str, ...]:
        """The keys a rule reports for (``("*",)`` when every provider does)."""
        if self.otherwise is not None:
            return ALL_PROVIDERS
        return tuple(key for key, level in self.levels if level is not None)

    @property
    def strongest(self) -> Severity:
        levels = [level for _, level in self.levels if level is not None]
        if self.otherwise is not None:
            levels.append(self.otherwise)
        # INFO only when nothing stronger is declared (body.too-large: context, not a rejection).
        if levels and set(levels) == {Severity.INFO}:
            return Severity.INFO
        return Severity.ERROR if Severity.ERROR in levels else Severity.WARNING


def policy(
    *,
    error: Iterable[str] = (),
    warning: Iterable[str] = (),
    silent: Iterable[str] = (),
    otherwise: Level = None,
    conditions: dict[str, str] | None = None,
    info: Iterable[str] = (),
) -> Policy:
    """A :class:`Policy` from lists of provider ids or group names per level (``info``: context, not a
    rejection, e.g. "no model rules ran")."""
    levels: list[tuple[str, Level]] = [(key, Severity.ERROR) for key in error]
    levels += [(key, Severity.WARNING) for key in warning]
    levels += [(key, Severity.INFO) for key in info]
    levels += [(key, None) for key in silent]
    keys = [key for key, _ in levels]
    if len(keys) != len(set(keys)):
        raise ValueError(f"a provider is given two levels: {keys}")
    return Policy(tuple(levels), otherwise, tuple((conditions or {}).items()))


def declared_policy(
    declared: Callable[[ProviderProfile], Any],
    condition: Callable[[Any], str],
    *,
    warning: bool = False,
) -> Policy:
    """The policy of a rule that applies exactly where a built-in profile declares something (a
    profile field, with its refusal's source there): those providers at the error level (the
    warning level with ``warning``), each one's condition said from what it declares."""
    declaring = [p for p in BUILTIN_PROFILES.values() if declared(p)]
    ids = tuple(p.id for p in declaring)
    conditions = {p.id: condition(declared(p)) for p in declaring}
    return policy(warning=ids, conditions=conditions) if warning else policy(error=ids, conditions=conditions)


def provider_id(view: RequestView) -> str:
    """The id policies key on. OpenRouter passes ``openai/*`` models through to OpenAI, whose
    validator then answers (the error arrives as ``metadata.raw``, providers.md §2), so such a
    request is judged by OpenAI's rules."""
    pid = view.provider.id
    if pid == "openrouter":
        model = view.model or ""
        if model.startswith("openai/"):
            return "openai"
    return pid


def checked_as(view: RequestView) -> str:
    """The id a check that runs for one server only asks about: the host's :func:`provider_id`, or, on a
    host that is not one of those servers itself (an unrecognised one, a port guess, a hosted API), the
    engine behind it (``RequestView.engine``: declared on the profile or learned from its answers), so an
    engine's own checks run there too. The level is still the policy's (Rule.report takes only the
    engine's errors, and only where the host declares none)."""
    pid = provider_id(view)
    engine = view.engine
    if engine is None or (pid == engine.engine) or (view.provider.local and not view.provider.guessed):
        return pid
    return engine.engine


def engine_profile(view: RequestView) -> ProviderProfile | None:
    """The built-in profile of the engine behind the host, when a check asks about it (:func:`checked_as`
    names it): the facts of that server a check reads (its accepted values, its model table)."""
    pid = checked_as(view)
    return BUILTIN_PROFILES.get(pid) if pid != provider_id(view) else None


@dataclass(frozen=True, slots=True)
class PredictedError:
    """A real error a provider returns for what a rule detects, quoted verbatim."""

    provider: str
    text: str
    source: str
    status: int = 400
    param: str | None = None
    code: str | None = None
    #: The endpoint kind the text was seen on, when the rule spans several and the wording differs
    #: (block mode answers a chat request only with a chat text); None: any, or not recorded.
    api: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    providers: tuple[str, ...] = ALL_PROVIDERS
    predicts: tuple[PredictedError, ...] = ()
    example: dict[str, Any] | None = None
    example_url: str = "https://api.openai.com/v1/chat/completions"
    notes: str = ""
    family: str = field(default="")
    #: The declared severity per provider; rules defined before policies existed get one derived
    #: from ``severity`` and ``providers`` (see :func:`define`).
    policy: Policy = field(default_factory=Policy)
    #: The example corrected ("use instead"): the same request the provider accepts.
    fixed: dict[str, Any] | None = None
    #: Where the corrected example goes when the fix is the URL itself; None = ``example_url``.
    fixed_url: str | None = None
    #: Whether the policy was declared (and the checks report through :meth:`report`).
    declared: bool = False
    #: The body exactly as sent, for rules about a body that is not a JSON object (``body.*``): the
    #: example then is these bytes, not ``example`` serialised.
    raw_example: bytes | None = None

    def finding(self, location: str, message: str) -> Finding:
        """The finding of a rule every provider answers alike, where there is no request view to read a
        provider from (the body rules run before a body is parsed). A rule whose level differs per
        provider must report through :meth:`report`."""
        if not self.policy.uniform or self.policy.otherwise is None:
            raise ValueError(f"{self.id}: its level differs per provider; report it through Rule.report")
        return Finding(rule=self.id, severity=self.policy.otherwise, location=location, message=message)

    def report(
        self,
        view: RequestView,
        location: str,
        message: str,
        *,
        judged_as: str | None = None,
        uncertain: str | None = None,
    ) -> Iterator[Finding]:
        """The finding for ``view``'s provider at the level the policy declares (nothing when silent).

        A provider recognised only by a shared local port (``guessed``) may be another server that
        accepts the request, so a provider-specific error is reported as a warning there, saying how
        to make it an error; a rule every provider enforces stays an error. ``judged_as`` is the
        provider a check inferred (the model catalog's vendor of a known model on an unknown host):
        the policy is read for it, and the message should say it was inferred. ``uncertain`` is the
        check's reason to doubt its own evidence (a capability only a reseller's catalog entry states, a
        thinking mode the model may not have used): the declared level is then at most a warning, and the
        reason is appended to the message. A check states its evidence; the policy alone sets the level.
        """
        # A policy that names the target itself (OpenRouter's own paths, say) is about that target;
        # otherwise OpenRouter's openai/* models are judged as OpenAI (provider_id).
        target = view.provider.id
        named = any(key == target for key, _ in self.policy.levels)
        if judged_as is not None:
            level = self.policy.level(judged_as)
        else:
            level = self.policy.level(target if named else provider_id(view))
        if level is None and view.engine is None:
            return
        if level == Severity.ERROR and uncertain is not None:
            level, message = Severity.WARNING, f"{message}{UNCERTAIN_NOTE}{uncertain}.)"
        if level == Severity.ERROR and self.id in view.demoted:
            # The second input of the level: this host accepted what the rule flags for this model.
            level, message = Severity.WARNING, message + DEMOTED_NOTE
        engine = view.engine if judged_as is None else None
        confirmed = engine is not None and engine.engine == target
        if level == Severity.ERROR and view.provider.guessed and not self.policy.uniform and not confirmed:
            level = Severity.WARNING
            message = (
                f"{message} (The server was taken for {view.provider.name} by its port only; map its "
                "host with toolguard_providers to make this an error.)"
            )
        if (
            level != Severity.ERROR
            and engine is not None
            and uncertain is None
            and self.id not in view.demoted
            # A port guess is no declaration: the engine its answers named is the better evidence.
            and self.policy.engine_error("generic" if view.provider.guessed else target, engine.engine)
        ):
            level, message = Severity.ERROR, f"{message}{ENGINE_NOTE_OPEN}{engine.source}{ENGINE_NOTE_CLOSE}"
        if level is None:
            return
        yield Finding(rule=self.id, severity=level, location=location, message=message)


#: Wraps the note on a finding the host's engine made an error (toolguard_core.engines): how it is known.
ENGINE_NOTE_OPEN = " (An error here: "
ENGINE_NOTE_CLOSE = ".)"

#: Opens the note appended to a finding whose check doubted its own evidence (``Rule.report(uncertain=...)``).
UNCERTAIN_NOTE = " (A warning: "

#: Appended to a finding whose rule is demoted for its host and model (toolguard_core.learned).
DEMOTED_NOTE = (
    " (A warning here: this host accepted requests this rule flagged for this model; see "
    "`toolguard learned list`.)"
)

RULES: dict[str, Rule] = {}
#: The module that defines each rule (``toolguard_core.rules.tool_choice`` for ``tool_choice.*``):
#: a rule id's prefix names its module (tests/test_architecture.py holds every rule to it).
RULE_MODULES: dict[str, str] = {}

Check = Callable[["RequestView"], Iterable[Finding]]
#: Every registered check, in registration order (all endpoint kinds).
CHECKS: list[Check] = []
#: The checks that run for each endpoint kind, in registration order.
CHECKS_BY_ENDPOINT: dict[EndpointKind, list[Check]] = {kind: [] for kind in ENDPOINT_KINDS}


def define(
    id: str,
    severity: Severity,
    summary: str,
    **kwargs: Any,
) -> Rule:
    """Register a rule definition; ids are unique and never reused for another meaning."""
    if id in RULES:
        raise ValueError(f"rule id {id!r} is defined twice")
    family = kwargs.pop("family", id.split(".", 1)[0])
    declared: Policy | None = kwargs.pop("policy", None)
    if declared is not None:
        kwargs["providers"] = declared.providers
        severity = declared.strongest
        rule_policy = declared
    else:
        providers = kwargs.get("providers", ALL_PROVIDERS)
        rule_policy = (
            Policy(otherwise=severity)
            if providers == ALL_PROVIDERS
            else Policy(
                tuple((p, severity) for p in providers if p != "*"), severity if "*" in providers else None
            )
        )
    rule = Rule(
        id=id,
        severity=severity,
        summary=summary,
        family=family,
        policy=rule_policy,
        declared=declared is not None,
        **kwargs,
    )
    RULES[id] = rule
    RULE_MODULES[id] = sys._getframe(1).f_globals.get("__name__", "?")
    return rule


@overload
def check(fn: Check, /) -> Check: ...
@overload
def check(*, endpoints: Iterable[EndpointKind]) -> Callable[[Check], Check]: ...
def check(
    fn: Check | None = None, /, *, endpoints: Iterable[EndpointKind] = (CHAT,)
) -> Check | Callable[[Check], Check]:
    """Register a check function; checks run in registration order.

    ``@check`` registers a chat-completions check; ``@check(endpoints=("responses",))`` one for
    the Responses API (or both kinds, for a check that reads only endpoint-agnostic fields).
    """
    kinds = tuple(endpoints)
    unknown = [kind for kind in kinds if kind not in ENDPOINT_KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown endpoint kinds {unknown!r}; expected some of {ENDPOINT_KINDS}")

    def register(fn: Check) -> Check:
        CHECKS.append(fn)
        for kind in kinds:
            CHECKS_BY_ENDPOINT[kind].append(fn)
        return fn

    return register(fn) if fn is not None else register


def rule_apis(rule_id: str) -> frozenset[EndpointKind]:
    """The APIs ``rule_id`` can fire on, derived from what the checks declare (:func:`check`'s
    ``endpoints``): the kinds of the checks its module registers. A module that registers none (``body.*``:
    read before any API's checks run) fires on every kind; an unknown rule on none. Read only after every
    rule module is imported (``toolguard_core.rules``), so the registry is complete."""
    module = RULE_MODULES.get(rule_id)
    if module is None:
        return frozenset()
    return _module_apis().get(module, frozenset(ENDPOINT_KINDS))


@cache
def _module_apis() -> dict[str, frozenset[EndpointKind]]:
    kinds: dict[str, set[EndpointKind]] = {}
    for kind, checks in CHECKS_BY_ENDPOINT.items():
        for fn in checks:
            kinds.setdefault(fn.__module__, set()).add(kind)
    return {module: frozenset(found) for module, found in kinds.items()}


def checks_for(endpoint: EndpointKind) -> list[Check]:
    """The checks registered for ``endpoint``, in registration order."""
    return CHECKS_BY_ENDPOINT[endpoint]
