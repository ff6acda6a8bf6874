"""Wrong base URLs and endpoint paths: each message names the correct base URL.

Only the URL (already split by :class:`toolguard_core.request.Target`) is read, plus one key of the
body for DashScope's native path. Providers answer a wrong path with a 404 before validating the
body, so these findings usually explain a 404, not a 400.
"""

from __future__ import annotations

from collections.abc import Iterator

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import BUILTIN_PROFILES, ProviderProfile, normalise_model
from toolguard_core.request import RequestView, Target
from toolguard_core.rules.registry import PredictedError, check, define, policy

_BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}
#: Providers whose documented chat paths all carry /v1 (derived from the profiles, so a new profile
#: joins endpoint.missing-v1's policy by its own data).
_V1_ONLY = tuple(
    p.id
    for p in BUILTIN_PROFILES.values()
    if p.chat_paths and all(path.startswith("/v1/") for path in p.chat_paths) and not p.openai_validator
)

MISSING_V1 = define(
    "endpoint.missing-v1",
    Severity.ERROR,
    "The path lacks the `/v1` segment (base URL configured without `/v1`).",
    policy=policy(error=("openai",), warning=_V1_ONLY),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Unknown request URL: POST /chat/completions. Please check the URL for typos, or see the docs "
                "at https://platform.openai.com/docs/api-reference/."
            ),
            source="https://github.com/nomic-ai/gpt4all/issues/3214",
            status=404,
            code="unknown_url",
        ),
        PredictedError(
            provider="generic",
            text="Invalid URL (POST /chat/completions)",
            source="https://github.com/OpenHands/OpenHands/issues/485",
            status=404,
        ),
    ),
    example=_BODY,
    example_url="https://api.openai.com/chat/completions",
    notes="Error on OpenAI; a warning elsewhere (llama.cpp serves both paths, others are not confirmed).",
    fixed=_BODY,
    fixed_url="https://api.openai.com/v1/chat/completions",
)
DOUBLED_PATH = define(
    "endpoint.doubled-path",
    Severity.ERROR,
    "The path repeats a segment (`/chat/completions/chat/completions`, `/v1/v1/`): the base URL already "
    "ended in what the SDK appends.",
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="openai",
            text="Invalid URL (POST /v1/chat/completions/chat/completions)",
            source="https://github.com/harry0703/MoneyPrinterTurbo/issues/57",
            status=404,
        ),
        PredictedError(
            provider="groq",
            text=(
                "Unknown request URL: POST /openai/v1/v1/chat/completions. Please check the URL for typos, or "
                "see the docs at https://console.groq.com/docs/"
            ),
            source="https://github.com/ChatGPTNextWeb/NextChat/issues/4599",
            status=404,
            code="unknown_url",
        ),
    ),
    example=_BODY,
    example_url="https://api.openai.com/v1/chat/completions/chat/completions",
    fixed=_BODY,
    fixed_url="https://api.openai.com/v1/chat/completions",
)
GROQ_PATH = define(
    "endpoint.groq-wrong-path",
    Severity.ERROR,
    "A Groq request outside `/openai/v1/` (e.g. `api.groq.com/v1` or `api.groq.com/openai`).",
    policy=policy(error=("groq",)),
    predicts=(
        PredictedError(
            provider="groq",
            text=(
                "Unknown request URL: POST /openai/chat/completions. Please check the URL for typos, or see "
                "the docs at https://console.groq.com/docs/"
            ),
            source="https://github.com/theJayTea/WritingTools/issues/263",
            status=404,
            code="unknown_url",
        ),
    ),
    example={"model": "llama-3.3-70b-versatile", "messages": _BODY["messages"]},
    example_url="https://api.groq.com/v1/chat/completions",
    fixed={"model": "llama-3.3-70b-versatile", "messages": _BODY["messages"]},
    fixed_url="https://api.groq.com/openai/v1/chat/completions",
)
OPENROUTER_MISSING_API = define(
    "endpoint.openrouter-missing-api",
    Severity.WARNING,
    "An OpenRouter request to `openrouter.ai/v1/...`, without the `/api` segment.",
    policy=policy(warning=("openrouter",)),
    example={"model": "openai/gpt-4o", "messages": _BODY["messages"]},
    example_url="https://openrouter.ai/v1/chat/completions",
    fixed={"model": "openai/gpt-4o", "messages": _BODY["messages"]},
    fixed_url="https://openrouter.ai/api/v1/chat/completions",
    notes="The same kind of mistake as `endpoint.openrouter-wrong-path`, but OpenRouter's answer to it is not "
    "confirmed: a warning.",
)
OPENROUTER_PATH = define(
    "endpoint.openrouter-wrong-path",
    Severity.ERROR,
    "An OpenRouter request under `/api` without `/v1`, which lands on the website.",
    policy=policy(error=("openrouter",)),
    example={"model": "openai/gpt-4o", "messages": _BODY["messages"]},
    example_url="https://openrouter.ai/api/chat/completions",
    notes=(
        "`/api` without `/v1` lands on the website and returns a 404 HTML page "
        "(https://github.com/intersystems-community/ai-hub-eap/issues/30). `/v1` without `/api` is "
        "`endpoint.openrouter-missing-api`."
    ),
    fixed={"model": "openai/gpt-4o", "messages": _BODY["messages"]},
    fixed_url="https://openrouter.ai/api/v1/chat/completions",
)
GEMINI_PATH = define(
    "endpoint.gemini-wrong-path",
    Severity.WARNING,
    "A Gemini OpenAI-compatibility request not under `/v1beta/openai/` (dropped `/openai/`, or `/v1/` "
    "instead of `/v1beta/`).",
    policy=policy(warning=("gemini",)),
    example={"model": "gemini-2.5-flash", "messages": _BODY["messages"]},
    example_url="https://generativelanguage.googleapis.com/v1/openai/chat/completions",
    notes="doc [GEM]: the base URL is https://generativelanguage.googleapis.com/v1beta/openai/. "
    "The error for other paths is not confirmed, hence a warning.",
    fixed={"model": "gemini-2.5-flash", "messages": _BODY["messages"]},
    fixed_url="https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
)
WANDB_HOST = define(
    "endpoint.wandb-wrong-host",
    Severity.ERROR,
    "A chat request to `api.wandb.ai` (W&B's platform API) instead of `api.inference.wandb.ai/v1`.",
    policy=policy(error=("wandb",)),
    example={"model": "moonshotai/Kimi-K2-Instruct", "messages": _BODY["messages"]},
    example_url="https://api.wandb.ai/v1/chat/completions",
    fixed={"model": "moonshotai/Kimi-K2-Instruct", "messages": _BODY["messages"]},
    fixed_url="https://api.inference.wandb.ai/v1/chat/completions",
    notes=(
        "W&B's own troubleshooting page for Inference 400/422 errors (seed "
        "003_wandb-inference-400-422.txt, doc [WB]): point the client at https://api.inference.wandb.ai/v1, "
        "not https://api.wandb.ai; 'The Multi-tenant Cloud API host does not serve Inference chat "
        "completions.' The provider documents the rejection, so it is an error."
    ),
)
_VERTEX_OPENAPI = (
    "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/endpoints/openapi"
)
VERTEX_CLAUDE = define(
    "endpoint.vertex-claude-chat-completions",
    Severity.ERROR,
    "A Claude model asked for on Vertex AI's OpenAI-compatible endpoint, which does not serve Anthropic's "
    "models (they take Anthropic's Messages body at `:rawPredict` / `:streamRawPredict`).",
    policy=policy(error=("vertex",)),
    predicts=(
        PredictedError(
            # The only verbatim answer found is a probe-2 thread's (in-sample there); the fact itself is
            # Google's Claude guide (rawPredict only) and cloudflare/vibesdk#311's maintainer: "Vertex AI
            # Claude models use the Anthropic API format, not OpenAI-compatible endpoints".
            provider="vertex",
            text=(
                "The deployed model does not support ChatCompletions. endpoint_id: ..., deployed_model_id: ..."
            ),
            source="https://github.com/docker/docker-agent/issues/2469",
            code="FAILED_PRECONDITION",
        ),
    ),
    example={"model": "anthropic/claude-sonnet-4-6", "messages": _BODY["messages"]},
    example_url=f"{_VERTEX_OPENAPI}/chat/completions",
    fixed={"model": "google/gemini-2.5-flash", "messages": _BODY["messages"]},
    notes=(
        "Send Claude requests to https://{region}-aiplatform.googleapis.com/v1/projects/{project}/locations/"
        "{region}/publishers/anthropic/models/{model}:rawPredict with Anthropic's Messages body and "
        '"anthropic_version": "vertex-2023-10-16" (https://cloud.google.com/vertex-ai/generative-ai/docs/'
        "partner-models/claude/use-claude), or through a gateway that translates; the corrected example is "
        "a model the OpenAI-compatible endpoint serves. Open models from Model Garden (Llama, Qwen, "
        "DeepSeek, Kimi, gpt-oss) are served there and are not flagged."
    ),
)
DASHSCOPE_NATIVE = define(
    "endpoint.dashscope-native-path",
    Severity.ERROR,
    "An OpenAI-style body (top-level `messages`) sent to DashScope's native `/api/v1/...` path instead of "
    "the compatible-mode base URL.",
    policy=policy(error=("dashscope",)),
    predicts=(
        PredictedError(
            provider="dashscope",
            text="404 status code (no body)",
            source="https://github.com/cline/cline/issues/926",
            status=404,
        ),
    ),
    example={"model": "qwen-plus", "messages": _BODY["messages"]},
    example_url="https://dashscope.aliyuncs.com/api/v1/chat/completions",
    notes="The native text-generation API expects `input.messages` and `parameters`; OpenAI clients need "
    "https://dashscope.aliyuncs.com/compatible-mode/v1 (or the -intl / -us region host) (doc [DS-COMPAT]).",
    fixed={"model": "qwen-plus", "messages": _BODY["messages"]},
    fixed_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions",
)
AZURE_API_VERSION = define(
    "endpoint.azure-missing-api-version",
    Severity.ERROR,
    "An Azure OpenAI deployment path (`/openai/deployments/{name}/...`) without the `api-version` query.",
    policy=policy(error=("azure",)),
    predicts=(
        PredictedError(
            provider="azure",
            text='{"error":{"code":"404","message":"Resource not found"}}',
            source="https://github.com/ThinkInAIXYZ/deepchat/issues/262",
            status=404,
        ),
    ),
    example={"messages": _BODY["messages"]},
    example_url="https://myres.openai.azure.com/openai/deployments/gpt-4o/chat/completions",
    notes="Also https://github.com/MicrosoftDocs/azure-docs/issues/114602 (404 without api-version).",
    fixed=_BODY,
    fixed_url="https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
)
AZURE_MIXED = define(
    "endpoint.azure-v1-mixed",
    Severity.WARNING,
    "Azure's v1 path (`/openai/v1/`) mixed with `api-version` or `/deployments/`.",
    policy=policy(warning=("azure",)),
    example=_BODY,
    example_url="https://myres.openai.azure.com/openai/v1/chat/completions?api-version=2024-10-21",
    notes="doc [AZ-V1]: the v1 API needs no api-version and takes the deployment as `model`. "
    "The exact error is not confirmed, hence a warning.",
    fixed=_BODY,
    fixed_url="https://contoso.openai.azure.com/openai/v1/chat/completions",
)
AZURE_PATH = define(
    "endpoint.azure-wrong-path",
    Severity.WARNING,
    "An Azure OpenAI request that is neither a deployment path nor the v1 path.",
    policy=policy(warning=("azure",)),
    example=_BODY,
    example_url="https://myres.openai.azure.com/v1/chat/completions",
    notes="doc/issue [AZ-404]: wrong paths get 404 Resource not found.",
    fixed=_BODY,
    fixed_url="https://contoso.openai.azure.com/openai/v1/chat/completions",
)
#: Providers whose documented paths the generic path rule judges (the ones with their own path rule,
#: Azure's two URL schemes and self-hosted servers excepted).
_DOCUMENTED_PATHS = tuple(
    p.id
    for p in BUILTIN_PROFILES.values()
    if p.chat_paths and not p.local and p.id not in ("azure", "groq", "openrouter", "gemini")
)
UNEXPECTED_PATH = define(
    "endpoint.unexpected-path",
    Severity.WARNING,
    "A chat-completions request to a known provider host on a path that provider does not document.",
    policy=policy(warning=_DOCUMENTED_PATHS),
    example=_BODY,
    example_url="https://api.deepseek.com/openai/chat/completions",
    fixed=_BODY,
    fixed_url="https://api.deepseek.com/chat/completions",
    notes="Each provider's documented paths are its profile's chat_paths (docs/providers.md).",
)

_CHAT = "/chat/completions"


@check
def check_endpoint(view: RequestView) -> Iterator[Finding]:
    target = view.target
    profile = view.provider
    path = target.path.rstrip("/") or "/"
    if _CHAT + _CHAT in path or "/v1/v1/" in path + "/":
        yield from DOUBLED_PATH.report(
            view,
            "url",
            f"The path {path} repeats a segment; configure the base URL {_base(profile, target)} and let "
            "the client append /chat/completions.",
        )
        return
    pid = profile.id
    if pid == "azure":
        yield from _azure(view, path, target.query, target.host)
        return
    if pid == "dashscope" and path.startswith("/api/v1"):
        if "messages" in view.body and "input" not in view.body:
            yield from DASHSCOPE_NATIVE.report(
                view,
                "url",
                f"{path} is DashScope's native API, which does not take an OpenAI body; use the base URL "
                f"https://{target.host}/compatible-mode/v1 (same region host).",
            )
        return
    if pid == "vertex" and path.endswith(_CHAT) and normalise_model(view.model or "").startswith("claude-"):
        yield from VERTEX_CLAUDE.report(
            view,
            "model",
            f"{view.model} is not served by Vertex AI's OpenAI-compatible endpoint; Claude on Vertex takes "
            "Anthropic's Messages body at .../publishers/anthropic/models/<model>:rawPredict (or use a gateway "
            "that translates).",
        )
    if pid == "wandb" and target.host == "api.wandb.ai":
        yield from WANDB_HOST.report(
            view,
            "url",
            "api.wandb.ai is W&B's platform API; W&B Inference is at https://api.inference.wandb.ai/v1.",
        )
        return
    if not profile.chat_paths or path in profile.chat_paths or not path.endswith(_CHAT):
        return
    base = _base(profile, target)
    if pid == "groq":
        yield from GROQ_PATH.report(
            view, "url", f"Groq serves {path} only under /openai/v1; use the base URL {base}."
        )
    elif pid == "openrouter":
        rule = OPENROUTER_MISSING_API if not path.startswith("/api/") else OPENROUTER_PATH
        yield from rule.report(
            view,
            "url",
            f"OpenRouter's API is under /api/v1, not {path[: -len(_CHAT)] or '/'}; use the base URL {base}.",
        )
    elif pid == "gemini":
        yield from GEMINI_PATH.report(
            view,
            "url",
            f"Gemini's OpenAI-compatible endpoint is under /v1beta/openai/; use the base URL {base}.",
        )
    elif path == _CHAT and any(p.startswith("/v1/") for p in profile.chat_paths):
        yield from MISSING_V1.report(view, "url", f"{path} lacks /v1; use the base URL {base}.")
    elif not profile.local:
        yield from UNEXPECTED_PATH.report(
            view, "url", f"{profile.name} does not document {path}; its base URL is {base}."
        )


def _base(profile: ProviderProfile, target: Target) -> str:
    if profile.base_url and not profile.local and "{" not in profile.base_url:
        return profile.base_url.rstrip("/") + ("/" if profile.id == "gemini" else "")
    if profile.id == "azure":
        return f"https://{target.host}/openai/v1"
    port = f":{target.port}" if target.port else ""
    return f"{target.scheme}://{target.host}{port}/v1"


def _azure(view: RequestView, path: str, query: str, host: str) -> Iterator[Finding]:
    has_version = "api-version=" in query
    if path.startswith("/openai/v1/") or path == "/openai/v1":
        if has_version or "/deployments/" in path:
            yield from AZURE_MIXED.report(
                view,
                "url",
                "The v1 path takes neither api-version nor /deployments/; use "
                f"https://{host}/openai/v1 with the deployment name as `model`, or the legacy "
                f"https://{host}/openai/deployments/<deployment>/chat/completions?api-version=... .",
            )
        return
    if path.startswith("/openai/deployments/"):
        if not has_version:
            yield from AZURE_API_VERSION.report(
                view,
                "url",
                "Azure's deployment path needs ?api-version=YYYY-MM-DD (e.g. 2024-10-21); without it Azure "
                f"answers 404 Resource not found. Or switch to the v1 base URL https://{host}/openai/v1.",
            )
        return
    if path.endswith(_CHAT):
        yield from AZURE_PATH.report(
            view,
            "url",
            f"{path} is not an Azure OpenAI path; use https://{host}/openai/v1 or "
            f"https://{host}/openai/deployments/<deployment>/chat/completions?api-version=... .",
        )
