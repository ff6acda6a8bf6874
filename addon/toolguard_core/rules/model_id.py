"""model_id.*: the spelling of the ``model`` field against the target's id scheme.

Routers (OpenRouter) name models ``vendor/model``; providers serving their own models take bare ids.
A router id sent straight to such a provider, or a bare id sent to the router, names no model, and
ids are matched exactly, so stray whitespace fails too. Whether a model *exists* is not judged here
(that needs the provider's catalogue); only the id's form.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from toolguard_core.catalog import CONTEXT_SELECTOR
from toolguard_core.findings import Finding, Severity
from toolguard_core.request import CHAT, CONVERSE, MESSAGES, RESPONSES, RequestView
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
        error=("perplexity", "deepseek"),
        warning=("openai", "azure", "mistral", "moonshot", "xai"),
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
        # SiliconFlow's ids (Pro/deepseek-ai/DeepSeek-R1) kept after switching to api.deepseek.com.
        PredictedError(
            provider="deepseek",
            text=(
                "Error code: 400 - {'error': {'message': 'Model Not Exist', 'type': 'invalid_request_error', "
                "'param': None, 'code': 'invalid_request_error'}}"
            ),
            source="https://github.com/Mai-with-u/MaiBot/issues/109",
        ),
    ),
    example={"model": "perplexity/sonar", "messages": [_USER]},
    example_url="https://api.perplexity.ai/chat/completions",
    fixed={"model": "sonar", "messages": [_USER]},
    notes=(
        "The OpenRouter spelling of a model kept after switching the base URL to the provider. Perplexity's "
        'and DeepSeek\'s rejections are quoted (DeepSeek answers 400 "Model Not Exist", its ids being only its '
        "own: deepseek-chat, deepseek-reasoner, deepseek-v4-*); on the other bare-id providers it is a warning "
        "until their text is seen."
    ),
)
ROUTER_BARE_ID = define(
    "model_id.router-without-vendor",
    Severity.ERROR,
    "A bare model id (`gpt-4o`) sent to OpenRouter, whose ids are `vendor/model` (`openai/gpt-4o`).",
    policy=policy(error=("openrouter",)),
    predicts=(
        # OpenRouter answers any id outside its catalogue with "<id> is not a valid model ID" (a doubled
        # prefix, BerriAI/litellm#24795; a misspelt one, anomalyco/models.dev#1753), and every id in that
        # catalogue carries a vendor prefix, so a bare id is always refused.
        PredictedError(
            provider="openrouter",
            text='{"error":{"message":"openrouter/google/gemini-2.5-flash is not a valid model ID","code":400}}',
            source="https://github.com/BerriAI/litellm/issues/24795",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER]},
    example_url="https://openrouter.ai/api/v1/chat/completions",
    fixed={"model": "openai/gpt-4o", "messages": [_USER]},
    notes=(
        "doc: OpenRouter's model list (https://openrouter.ai/models, and GET /api/v1/models) names every "
        "model `vendor/model`, its routers included (`openrouter/auto`); an id outside that list is refused "
        'with "<id> is not a valid model ID" (BerriAI/litellm#24795, anomalyco/models.dev#1753). The fix names '
        "the vendor OpenRouter files the model under when the name shows it (OPENROUTER_VENDORS)."
    ),
)
#: OpenRouter's vendor slug for a model family, by the name's start (OpenRouter's model list, e.g.
#: anthropic/claude-sonnet-4.6, mistralai/ministral-3b, x-ai/grok-4, meta-llama/llama-3.3-70b-instruct):
#: used only to word the fix; an unknown family gets a placeholder.
OPENROUTER_VENDORS: tuple[tuple[str, str], ...] = (
    ("claude", "anthropic"),
    ("gpt", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("chatgpt", "openai"),
    ("gemini", "google"),
    ("gemma", "google"),
    ("grok", "x-ai"),
    ("llama", "meta-llama"),
    ("deepseek", "deepseek"),
    ("qwen", "qwen"),
    ("qwq", "qwen"),
    ("kimi", "moonshotai"),
    ("glm", "z-ai"),
    ("minimax", "minimax"),
    ("mistral", "mistralai"),
    ("ministral", "mistralai"),
    ("mixtral", "mistralai"),
    ("codestral", "mistralai"),
    ("devstral", "mistralai"),
    ("magistral", "mistralai"),
    ("pixtral", "mistralai"),
    ("command", "cohere"),
)


def openrouter_id(model: str) -> str:
    """The ``vendor/model`` spelling OpenRouter would expect for a bare ``model`` (a hint only)."""
    name = model.lower()
    vendor = next((v for prefix, v in OPENROUTER_VENDORS if name.startswith(prefix)), "<vendor>")
    return f"{vendor}/{model}"


PUBLISHER_MISSING = define(
    "model_id.publisher-missing",
    Severity.ERROR,
    "A model id without its publisher (`gemini-2.5-flash`) sent to Vertex AI's OpenAI-compatible endpoint, "
    "whose ids are `publisher/model` (`google/gemini-2.5-flash`, `meta/llama-3.3-70b-instruct-maas`).",
    policy=policy(error=("vertex",), conditions={"vertex": "the shared endpoints/openapi path"}),
    example={"model": "gemini-2.5-flash", "messages": [_USER]},
    example_url=(
        "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi/"
        "chat/completions"
    ),
    fixed={"model": "google/gemini-2.5-flash", "messages": [_USER]},
    notes=(
        'doc: Google\'s "Using OpenAI libraries with Vertex AI" names the model `google/<model>` on '
        "`.../endpoints/openapi/chat/completions` (its samples send google/gemini-2.0-flash-001; partner models are "
        'meta/..., deepseek-ai/..., qwen/...), and the endpoint answers a bare id with "Malformed publisher model '
        "name: expected format '<publisher>/<model>'\" (Ikalus1988/MisakaNet#1472, the round-12 probe's thread, so "
        "that probe hit is not blind). A self-deployed endpoint (`endpoints/<id>`) takes its own model name and is "
        "not judged."
    ),
)
#: Vertex AI's shared OpenAI-compatible path (Gemini and the partner models served as a service).
_VERTEX_OPENAPI = "/endpoints/openapi/"
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


CONTEXT_SUFFIX = define(
    "model_id.context-suffix",
    Severity.ERROR,
    "The model id ends with Claude Code's `[1m]` long-context selector, which is not part of any API's "
    "model id.",
    # Anthropic, Bedrock and Vertex match ids exactly; a gateway may strip the suffix (sub2api does since
    # its #4505) or route by it, so elsewhere it is a warning; a self-hosted server serves its one model.
    policy=policy(
        error=("anthropic", "bedrock", "vertex"), silent=("self-hosted",), otherwise=Severity.WARNING
    ),
    predicts=(
        PredictedError(
            provider="bedrock",
            text="The provided model identifier is invalid.",
            source="https://github.com/anthropics/claude-code/issues/49781",
        ),
    ),
    example={"model": "claude-opus-4-7[1m]", "max_tokens": 1024, "messages": [_USER]},
    example_url="https://api.anthropic.com/v1/messages",
    fixed={"model": "claude-opus-4-7", "max_tokens": 1024, "messages": [_USER]},
    notes=(
        "`[1m]` is how Claude Code's `/model`, `ANTHROPIC_MODEL` and settings select the 1M-token context "
        "(code.claude.com/docs/en/model-config); the CLI removes it before sending, and the models that offer "
        "1M tokens take it without a beta header since April 2026. When it reaches the API it names no model: "
        'Bedrock answers 400 "The provided model identifier is invalid." (Claude Code 2.1.112 on Bedrock, '
        "anthropics/claude-code#49781) and Anthropic 404 `not_found_error` (Wei-Shaw/sub2api#4505, whose gateway "
        "now strips it). Fix: strip the suffix in the client or gateway that forwards the configured name."
    ),
)


@check(endpoints=(CHAT, RESPONSES, MESSAGES, CONVERSE))
def check_context_selector(view: RequestView) -> Iterator[Finding]:
    model = view.model
    if not model or "[" not in model:
        return
    selector = CONTEXT_SELECTOR.search(model.strip())
    if selector is None:
        return
    bare = model.strip()[: selector.start()]
    yield from CONTEXT_SUFFIX.report(
        view,
        "model",
        f"{model!r} ends with {selector.group(0)!r}, Claude Code's long-context selector, which no API takes "
        f"as part of a model id; send {bare!r} (the suffix is stripped by Claude Code itself; a client or "
        "gateway that forwards the configured name must strip it too).",
    )


#: Hosts that take the model from the URL (an Azure deployment, a Databricks or Baseten serving
#: endpoint, Workers AI's model path), where a body without `model` is normal.
MODEL_IN_URL: Final = ("azure", "azure-ai", "databricks", "baseten", "cloudflare")
MODEL_MISSING = define(
    "model_id.missing",
    Severity.ERROR,
    "The request has no `model` (or an empty or non-string one) where the API routes by it.",
    # OpenAI's validator answers it; the other hosted APIs document `model` as required (a warning until
    # their answer is seen); self-hosted servers serve their one model without it (vLLM's request model
    # makes it optional, llama-server ignores it).
    policy=policy(error=("openai",), silent=("self-hosted", *MODEL_IN_URL), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="you must provide a model parameter",
            source="https://github.com/danielmiessler/Fabric/issues/239",
        ),
    ),
    example={"messages": [_USER]},
    fixed={"model": "gpt-4o", "messages": [_USER]},
    notes=(
        "doc [OAS]: `model` is required on CreateChatCompletionRequest; CreateResponse lists it as optional "
        "because a stored prompt (`prompt.id`, OpenAI's reusable prompts) carries its own model, so a Responses "
        "body with `prompt` is left alone. OpenAI's answer, "
        '"you must provide a model parameter" (danielmiessler/Fabric#239, Winnie09/GPTCelltype#12, '
        "coze-dev/coze-studio#2064), also follows a body lost on the way (a redirect after a doubled slash, "
        "lss233/kirara-ai#800); here it is reported only when the body toolguard saw lacks the model. A "
        "client or router that fills the model from its configuration left it empty: set it."
    ),
)


@check(endpoints=("chat", RESPONSES))
def check_model_present(view: RequestView) -> Iterator[Finding]:
    body = view.body
    model = body.get("model")
    if (isinstance(model, str) and model.strip()) or ("messages" not in body and "input" not in body):
        return  # a body that is not a request yet is messages.missing's (or the Responses rules')
    if "model" not in body and view.endpoint == RESPONSES and body.get("prompt") is not None:
        # A reusable prompt names its model in the dashboard; CreateResponse's `model` is optional for it
        # (doc [OAS]: no `required` on CreateResponse; platform.openai.com/docs/guides/prompting).
        return
    what = "is missing" if "model" not in body else f"is {model!r}"
    yield from MODEL_MISSING.report(
        view, "model", f"`model` {what}; name the model to run (the id the provider lists)."
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
    elif pid == "vertex" and "/" not in model and _VERTEX_OPENAPI in view.target.path:
        yield from PUBLISHER_MISSING.report(
            view,
            "model",
            f"{model!r} names no publisher; Vertex AI's OpenAI-compatible endpoint takes publisher/model "
            f"(e.g. 'google/{model}' for a Gemini model) and answers a bare id with \"Malformed publisher model "
            'name".',
        )
    elif pid == "openrouter" and "/" not in model and model not in OPENROUTER_BARE_IDS:
        yield from ROUTER_BARE_ID.report(
            view,
            "model",
            f"{model!r} has no vendor prefix; OpenRouter ids are vendor/model (e.g. {openrouter_id(model)!r}) "
            "and it refuses any other id as not a valid model ID.",
        )
