"""Model and value helpers shared by the rule modules (params.*, quirks.*, roles.*): the model family
a request is judged by. Not a rule module: it defines no rules."""

from __future__ import annotations

from typing import Any

from toolguard_core.providers import DEFAULT_FAMILY, ModelFamily
from toolguard_core.request import RequestView


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def model_for_family(view: RequestView) -> str | None:
    """The body's model, or for Azure's legacy path the deployment name (often the model name)."""
    model = view.model
    if model is None and view.provider.id == "azure":
        parts = view.target.path.split("/")
        if "deployments" in parts:
            index = parts.index("deployments") + 1
            if index < len(parts):
                return parts[index]
    return model


def family_of(view: RequestView) -> ModelFamily:
    profile = view.provider
    if not profile.family_rules:
        return DEFAULT_FAMILY
    return profile.family_for(model_for_family(view))
