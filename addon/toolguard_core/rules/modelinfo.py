"""Model and value helpers shared by the rule modules (params.*, quirks.*, roles.*, anthropic.*, model.*):
the model family a request is judged by, the Claude models whose sampling fields exclude each other,
whether a Messages request asks for beta behaviour. Not a rule module: it defines no rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qs

from toolguard_core.catalog import own_name
from toolguard_core.providers import DEFAULT_FAMILY, ModelFamily, normalise_model
from toolguard_core.request import RequestView

#: Gemini 3 model ids (bare or behind a router prefix): the models that validate thought signatures on
#: replayed function calls (quirks.gemini-thought-signature-missing; rules/gemini.py on the native API).
GEMINI_3 = re.compile(r"(^|/)gemini-3")
#: Gemini's function names: a letter or underscore first, then letters, digits, '_', '.', ':', '-', at
#: most 64 characters (providers.md §5.4, https://github.com/google-gemini/gemini-cli/issues/2966; the
#: validator's wording since 2025 adds colons: "Must be a-z, A-Z, 0-9, or contain underscores (_), dots
#: (.), colons (:), or dashes (-), with a maximum length of 64", https://github.com/kaitranntt/ccs/issues/25);
#: read by the chat rules (tools.invalid-name) and the native API's (rules/gemini.py).
GEMINI_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_.:-]*")

#: Claude models that reject ``temperature`` together with ``top_p``: the 4.5 generation and later
#: (Sonnet 4.5 langfuse/langfuse#9882, Sonnet 4.6 skydiscover-ai/skydiscover#15). ``claude-sonnet-4-20250514``
#: is Claude 4.0: the date after ``4-`` must not be read as a minor version. Copilot spells ``claude-sonnet-4.5``.
SAMPLING_EXCLUSIVE_MODEL = re.compile(r"^claude-(opus|sonnet|haiku)-(4[-.][5-9](?!\d)|[5-9](?!\d))")
#: A Claude model id's family and version: ``claude-opus-4-7``, ``claude-sonnet-4-5-20250929``,
#: ``claude-3-7-sonnet-latest``, ``claude-opus-4.7`` (a router's spelling), ``claude-sonnet-5``. Read by
#: anthropic.thinking-mode-for-model and by the model rules' Claude generation facts (prefill, effort).
CLAUDE_ID = re.compile(
    r"^claude-(?:(?P<family>opus|sonnet|haiku|fable)-(?P<major>\d)(?:[-.](?P<minor>\d)(?!\d))?"
    r"|(?P<major3>\d)(?:[-.](?P<minor3>\d))?-(?P<family3>opus|sonnet|haiku))(?![a-z])"
)


def claude_version(model: str) -> tuple[int, int] | None:
    """(major, minor) of a Claude model id on any host (a cloud prefix, a router prefix and a date
    suffix are allowed), or None for a name that is not a Claude model's."""
    found = CLAUDE_ID.match(own_name(normalise_model(model)))
    if found is None:
        return None
    if found.group("major") is not None:
        return int(found.group("major")), int(found.group("minor") or 0)
    return int(found.group("major3")), int(found.group("minor3") or 0)


def claude_family(model: str) -> str | None:
    """The family (opus, sonnet, haiku, fable) of a Claude model id on any host, or None."""
    found = CLAUDE_ID.match(own_name(normalise_model(model)))
    if found is None:
        return None
    return found.group("family") or found.group("family3")


#: The Claude generations that take no sampling temperature, per family, and for every family: Anthropic removed
#: the sampling parameters from Opus 4.7 on ("What's new in Claude 4.7"), and the whole Claude 5 family refuses
#: them (Significant-Gravitas/AutoGPT#13629); the vendor's catalog entries say the same for every model
#: (tests/test_model_knowledge.py holds the two together). Read for a Claude id the catalog lacks (a release
#: newer than the snapshot), judged by the name's generation (model.temperature-unsupported), and for the Claude id
#: a Bedrock Converse path names (converse.temperature-unsupported).
TEMPERATURE_REMOVED_FROM: Mapping[str, tuple[int, int]] = MappingProxyType({"opus": (4, 7)})
TEMPERATURE_REMOVED_ALL_FROM = (5, 0)


def temperature_removed(family: str | None, version: tuple[int, int] | None) -> bool:
    """Whether a Claude model of ``family`` and ``version`` takes no sampling temperature (by generation)."""
    if version is None:
        return False
    since = TEMPERATURE_REMOVED_FROM.get(family or "")
    return version >= TEMPERATURE_REMOVED_ALL_FROM or (since is not None and version >= since)


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


def beta_enabled(view: RequestView) -> bool:
    """Whether the request may be on the beta surface, where mid-conversation system messages are accepted:
    the URL's ``?beta=true`` (what the Anthropic SDK's beta client and Claude Code send to Anthropic).

    On Bedrock and Vertex the SDK builds the platform's own URL and drops that query, so the body or nothing
    tells: Bedrock takes betas as the ``anthropic_beta`` body list, Vertex only in the ``anthropic-beta``
    header, which a rule does not see (so a Vertex request may always be beta). Claude Code 2.1.332 on either
    platform sends a system message mid-conversation on every turn (tests/e2e/test_native_agents_e2e.py)."""
    platform = view.target.platform
    if platform == "bedrock" and view.body.get("anthropic_beta"):
        return True
    if platform == "vertex":
        return True
    return any(v.lower() == "true" for v in parse_qs(view.target.query).get("beta", ()))


#: Models whose reasoning cannot be switched off, wherever they are served (quirks.thinking-cannot-be-disabled on
#: OpenRouter, quirks.gemini-reasoning-effort-none on Gemini's OpenAI layer), matched anywhere in the lower-cased
#: id: Gemini 2.5 Pro and the Gemini 3 line (Google's OpenAI-compatibility page: "If you want to disable
#: thinking, you can set reasoning_effort to "none" for 2.5 models. Reasoning cannot be turned off for Gemini 2.5
#: Pro or 3 models."), StepFun's step-3.5-flash ("400 Reasoning is mandatory for this endpoint and cannot be
#: disabled." on OpenRouter, earendil-works/pi#4316) and MiniMax-M2.5 (the same text, musistudio/
#: claude-code-router#1215).
REASONING_ALWAYS_ON = re.compile(r"gemini-2\.5-pro|gemini-3|step-3\.5-flash|minimax-m2\.5")
#: Always-thinking models whose refusal of a disabled thinking is quoted (quirks.thinking-cannot-be-disabled).
_THINKING_OFF_REFUSED = re.compile(r"kimi-k2\.7-code|kimi-for-coding|glm-5\.3")
#: Z.AI's coding-plan paths (api.z.ai/api/coding/paas/v4, open.bigmodel.cn/api/coding/paas/v4).
_ZAI_CODING_PATH = re.compile(r"/api/coding/")


def thinking_off_judged(view: RequestView) -> tuple[str, str | None] | None:
    """`thinking: {"type": "disabled"}` for a model whose family always thinks, on the providers whose
    thinking switch it is (the same field on their chat and Anthropic-compatible endpoints): the finding's
    message and its doubt (None: a refusal is known), or None when there is nothing to report. Read by
    quirks.thinking-cannot-be-disabled on both endpoint kinds (rules/quirks.py, rules/anthropic.py)."""
    if view.provider.id not in ("moonshot", "zhipu"):
        return None
    thinking = view.body.get("thinking")
    if not (isinstance(thinking, dict) and thinking.get("type") == "disabled"):
        return None
    family = family_of(view)
    if not family.thinking_only:
        return None
    model = (view.model or "").lower()
    if view.provider.id == "zhipu" and _ZAI_CODING_PATH.search(view.target.path):
        doubt: str | None = "Z.AI's coding-plan endpoint accepts it and the model thinks anyway"
    elif not _THINKING_OFF_REFUSED.search(model):
        doubt = f"no refusal of a disabled thinking is known for {view.model}, which always thinks"
    else:
        doubt = None
    message = (
        f'thinking.type is "disabled", but {view.model} always thinks ({family.name}) and '
        f'{view.provider.name} refuses to switch it off. Omit `thinking` (or send "enabled") and lower the '
        "reasoning effort instead."
    )
    return message, doubt


def reasoning_off_on_router(view: RequestView) -> str | None:
    """On OpenRouter, the field that switches reasoning off (`reasoning.enabled: false`, `reasoning.effort:
    "none"`, or its alias `reasoning_effort: "none"`, OpenRouter's reasoning-tokens guide) for a model whose
    reasoning cannot be switched off (REASONING_ALWAYS_ON); else None. Read by quirks.thinking-cannot-be-disabled."""
    if view.provider.id != "openrouter" or not REASONING_ALWAYS_ON.search((view.model or "").lower()):
        return None
    body = view.body
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict):
        if reasoning.get("enabled") is False:
            return "reasoning.enabled"
        if reasoning.get("effort") == "none":
            return "reasoning.effort"
    if body.get("reasoning_effort") == "none":
        return "reasoning_effort"
    return None
