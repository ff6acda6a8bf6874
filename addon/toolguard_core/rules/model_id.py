"""model_id.*: the spelling of the ``model`` field against the target's id scheme.

Routers (OpenRouter) name models ``vendor/model``; providers serving their own models take bare ids.
A router id sent straight to such a provider, or a bare id sent to the router, names no model, and
ids are matched exactly, so stray whitespace fails too. Whether a model *exists* is not judged here
(that needs the provider's catalogue); only the id's form.
"""

from __future__ import annotations

from collections.abc import Iterator

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RESPONSES, RequestView
from toolguard_core.rules.registry import PredictedError, check, define, policy

_USER = {"role": "user", "content": "Hello"}

#: Providers whose own ids never carry a ``vendor/`` prefix (their docs' model lists): a prefixed id is
#: a router's. Groq, Together, Fireworks, DeepInfra, NVIDIA and self-hosted servers do use slashes.
BARE_ID_PROVIDERS = frozenset({"perplexity", "openai", "azure", "deepseek", "mistral", "moonshot", "xai"})
#: OpenRouter ids that carry no vendor prefix (its routers).
OPENROUTER_BARE_IDS = frozenset({"openrouter/auto"})

VENDOR_PREFIX = define(
    "model_id.vendor-prefix",
    Severity.ERROR,
    "A router-style `vendor/model` id sent straight to a provider whose ids have no vendor prefix.",
    policy=policy(
        error=("perplexity",),
        warning=("openai", "azure", "deepseek", "mistral", "moonshot", "xai"),
    ),
    predicts=(
        PredictedError(
            provider="perplexity",
            text=(
                "Invalid model 'perplexity/sonar'. Permitted models can be found in the documentation at "
                "https://docs.perplexity.ai/docs/getting-started/models."
            ),
            source="https://github.com/FerroxLabs/wayland/issues/603",
        ),
    ),
    example={"model": "perplexity/sonar", "messages": [_USER]},
    example_url="https://api.perplexity.ai/chat/completions",
    fixed={"model": "sonar", "messages": [_USER]},
    notes=(
        "The OpenRouter spelling of a model kept after switching the base URL to the provider. Perplexity's "
        "rejection is quoted; on the other bare-id providers it is a warning until their text is seen."
    ),
)
ROUTER_BARE_ID = define(
    "model_id.router-without-vendor",
    Severity.WARNING,
    "A bare model id (`gpt-4o`) sent to OpenRouter, whose ids are `vendor/model` (`openai/gpt-4o`).",
    policy=policy(warning=("openrouter",)),
    example={"model": "gpt-4o", "messages": [_USER]},
    example_url="https://openrouter.ai/api/v1/chat/completions",
    fixed={"model": "openai/gpt-4o", "messages": [_USER]},
    notes=(
        "doc: OpenRouter's model list (https://openrouter.ai/models) names every model `vendor/model`; "
        "`openrouter/auto` routes automatically. A warning: no rejection text is quoted yet."
    ),
)
WHITESPACE = define(
    "model_id.whitespace",
    Severity.ERROR,
    "The model id has leading or trailing whitespace; ids are matched exactly.",
    policy=policy(error=("perplexity",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="perplexity",
            text=(
                "Invalid model 'sonar-pro '. Permitted models can be found in the documentation at "
                "https://docs.perplexity.ai/guides/model-cards."
            ),
            source="https://github.com/perplexityai/api-discussion/issues/262",
        ),
    ),
    example={"model": "sonar-pro ", "messages": [_USER]},
    example_url="https://api.perplexity.ai/chat/completions",
    fixed={"model": "sonar-pro", "messages": [_USER]},
    notes="Usually a pasted id or an environment variable with a trailing newline.",
)


@check(endpoints=("chat", RESPONSES))
def check_model_id(view: RequestView) -> Iterator[Finding]:
    model = view.model
    if not model:
        return
    if model != model.strip():
        yield from WHITESPACE.report(
            view, "model", f"The model id {model!r} has surrounding whitespace; send {model.strip()!r}."
        )
        model = model.strip()
    pid = view.provider.id  # not policy.provider_id: OpenRouter's openai/* ids are its own, not OpenAI's
    if pid in BARE_ID_PROVIDERS and "/" in model and not model.startswith("ft:"):
        vendor, _, bare = model.partition("/")
        yield from VENDOR_PREFIX.report(
            view,
            "model",
            f"{model!r} is a router id ({vendor}/...); {view.provider.name} names its models without a vendor "
            f"prefix: send {bare!r}.",
        )
    elif pid == "openrouter" and "/" not in model and model not in OPENROUTER_BARE_IDS:
        yield from ROUTER_BARE_ID.report(
            view,
            "model",
            f"{model!r} has no vendor prefix; OpenRouter ids are vendor/model (e.g. 'openai/{model}').",
        )
