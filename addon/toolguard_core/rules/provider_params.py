"""What the provider × parameter table says about a request to a host it covers (issue 9, session 15).

The table (:mod:`toolguard_core.provider_params`, generated from modelparams.dev) lists, per host and
model, the parameters the host's API reference documents, with enum values and bounds. It is evidence
of what a host documents, not of what it refuses: a field it leaves out may be ignored, and an entry may
lag the host. So the rule here is info, on the hosts whose profile has no complete field list of its
own (``known_params``; where it has one, params.unknown and params.rejected-by-provider already decide,
from the provider's page or error text), and it stays silent on anything a profile declares itself.

Only values are read, not absences: the table's entries leave fields out on purpose (its Moonshot entries
omit temperature and top_p because kimi-k2.5/k2.6 pin them per thinking mode, and tool_choice as a transport
field, modelparams.dev PR 22), so "not listed" would flag requests the host accepts (kimi-k2.6 with
temperature 1). A listed enum or bound is a positive statement, and only that is reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from toolguard_core.findings import Finding, Severity
from toolguard_core.provider_params import ModelParams, model_params, providers, source_label
from toolguard_core.providers import BUILTIN_PROFILES, ParamRange, ProviderProfile
from toolguard_core.request import RequestView
from toolguard_core.rules.registry import check, define, policy

#: The hosts the table covers whose profile lists no fields of its own (derived, never hand-listed).
_LENIENT: Final = tuple(
    sorted(
        pid for pid in providers() if pid in BUILTIN_PROFILES and BUILTIN_PROFILES[pid].known_params is None
    )
)
#: Transport fields: out of the table's declared scope, so an enum it gives for one (Moonshot's tool_choice
#: "auto, none", the thinking-mode set; "required" is accepted with thinking off) is not its documented knob.
_OUT_OF_SCOPE: Final = frozenset(
    {"tool_choice", "tools", "parallel_tool_calls", "stream", "stream_options", "messages"}
)
VALUE_NOT_IN_PROVIDER_PARAMS = define(
    "provider_params.value-not-listed",
    Severity.INFO,
    "A value outside the enum or bounds the host's API reference gives for this model (per the provider × "
    "parameter table, modelparams.dev): the host may reject it or clamp it.",
    policy=policy(
        info=_LENIENT,
        conditions={
            pid: "models the table lists, values outside their listed enum or bounds" for pid in _LENIENT
        },
    ),
    example={
        "model": "moonshot-v1-8k",
        "messages": [{"role": "user", "content": "Hello"}],
        "temperature": 1.5,
    },
    example_url="https://api.moonshot.ai/v1/chat/completions",
    fixed={"model": "moonshot-v1-8k", "messages": [{"role": "user", "content": "Hello"}], "temperature": 0.3},
    notes=(
        "Silent where the profile declares the fact itself (reasoning_effort values, ranges): the profile "
        "cites the provider's page or error text and wins over the table."
    ),
)


def _lookup(body: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of ``body`` (``response_format.type``), or None."""
    value: Any = body
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def _profile_decides(declared: ParamRange | None, value: float) -> bool:
    """Whether the profile's own range for a field settles ``value``: where it is enforced (an error-level
    range, the provider's text cited on the profile) or where the value already breaks it (its range rule
    reports). A borrowed hint range (a warning) leaves a narrower documented bound to the table."""
    return declared is not None and (
        declared.severity == Severity.ERROR or not declared.bounds.contains(value)
    )


@check
def check_provider_params(view: RequestView) -> Iterator[Finding]:
    profile = view.provider
    if profile.known_params is not None or profile.id not in _LENIENT:
        return
    entry = model_params(profile.id, view.model)
    if entry is not None:
        yield from _check_values(view, view.body, profile, entry)


def _check_values(
    view: RequestView, body: Mapping[str, Any], profile: ProviderProfile, entry: ModelParams
) -> Iterator[Finding]:
    for path, spec in entry.params.items():
        if spec.get("conditional") or path.split(".", 1)[0] in _OUT_OF_SCOPE:
            continue
        value = _lookup(body, path)
        if value is None:
            continue
        if path == "reasoning_effort" and profile.reasoning_efforts is not None:
            continue  # the profile's own list (params.reasoning-effort-value) decides
        values = spec.get("values")
        if values and isinstance(value, str) and value not in values:
            yield from VALUE_NOT_IN_PROVIDER_PARAMS.report(
                view,
                path,
                f"{profile.name}'s API reference gives `{path}` for {entry.model} as one of "
                f"{', '.join(values)} ({source_label()}), not {value!r}; it may reject the request.",
            )
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if _profile_decides(profile.ranges.get(path), value):
                continue
            low, high = spec.get("min"), spec.get("max")
            # ``max`` is the last value a UI step reaches below the API's bound (DashScope: 1.9 at step 0.1
            # for [0.0, 2.0)): only a value past max + step is outside for certain.
            ceiling = None if high is None else high + (spec.get("step") or 0)
            if (low is not None and value < low) or (ceiling is not None and value > ceiling):
                bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
                yield from VALUE_NOT_IN_PROVIDER_PARAMS.report(
                    view,
                    path,
                    f"{profile.name}'s API reference bounds `{path}` for {entry.model} to {bounds} "
                    f"({source_label()}); {value} is outside it and may be rejected or clamped.",
                )
