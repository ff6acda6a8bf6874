"""Provider inference from real base URLs (issue 9 round 2): regional and custom domains, and the
path of a gateway that names its upstream. Each row is a base URL as a provider's docs or a client's
config shows it, plus the chat path a client appends; the whole Target's provider and whether the
routed profile keeps the upstream's path check are asserted per row."""

from __future__ import annotations

import pytest

from toolguard_core.providers import DEFAULT_REGISTRY, GatewayRule, ProviderRegistry
from toolguard_core.request import Target

CASES = [
    # Azure OpenAI: classic resource, AI Services resource, Foundry resource (OpenAI paths) ...
    ("https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", "azure"),
    ("https://contoso.cognitiveservices.azure.com/openai/v1/chat/completions", "azure"),
    ("https://contoso.services.ai.azure.com/openai/v1/chat/completions", "azure"),
    # ... and Foundry's model-inference endpoint for other vendors' models.
    ("https://contoso.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview", "azure-ai"),
    ("https://DeepSeek-R1-abcd.eastus2.models.ai.azure.com/chat/completions", "azure-ai"),
    # Vertex AI: regional and global endpoints of the OpenAI-compatible API.
    ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi/chat/completions", "vertex"),
    ("https://europe-west4-aiplatform.googleapis.com/v1beta1/projects/p/locations/europe-west4/endpoints/openapi/chat/completions", "vertex"),
    ("https://aiplatform.googleapis.com/v1/projects/p/locations/global/endpoints/openapi/chat/completions", "vertex"),
    ("https://generativelanguage.googleapis.com/v1beta/openai/chat/completions", "gemini"),
    # Bedrock runtime in any region, FIPS included.
    ("https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1/chat/completions", "bedrock"),
    ("https://bedrock-runtime-fips.us-east-1.amazonaws.com/openai/v1/chat/completions", "bedrock"),
    # Databricks workspaces on AWS, Azure, GCP.
    ("https://dbc-6daebf39-7148.cloud.databricks.com/serving-endpoints/chat/completions", "databricks"),
    ("https://adb-1234567890123456.7.azuredatabricks.net/serving-endpoints/chat/completions", "databricks"),
    ("https://1234567890123456.7.gcp.databricks.com/serving-endpoints/chat/completions", "databricks"),
    ("https://api.sambanova.ai/v1/chat/completions", "sambanova"),
    ("https://api.groq.com/openai/v1/chat/completions", "groq"),
    ("https://openrouter.ai/api/v1/chat/completions", "openrouter"),
    # Cloudflare AI Gateway: the path names the upstream.
    ("https://gateway.ai.cloudflare.com/v1/acct/gw/groq/chat/completions", "groq"),
    ("https://gateway.ai.cloudflare.com/v1/acct/gw/openai/chat/completions", "openai"),
    ("https://gateway.ai.cloudflare.com/v1/acct/gw/mistral/v1/chat/completions", "mistral"),
    ("https://gateway.ai.cloudflare.com/v1/acct/gw/google-ai-studio/v1beta/openai/chat/completions", "gemini"),
    ("https://gateway.ai.cloudflare.com/v1/acct/gw/perplexity-ai/chat/completions", "perplexity"),
    ("https://gateway.ai.cloudflare.com/v1/acct/gw/workers-ai/v1/chat/completions", "cloudflare"),
    ("https://gateway.ai.cloudflare.com/v1/acct/gw/grok/v1/chat/completions", "xai"),
    # The unified endpoint routes by model id, and an unknown segment names nothing.
    ("https://gateway.ai.cloudflare.com/v1/acct/gw/compat/chat/completions", "generic"),
    ("https://gateway.ai.cloudflare.com/v1/acct/gw/somethingnew/chat/completions", "generic"),
    ("https://api.cloudflare.com/client/v4/accounts/acct/ai/v1/chat/completions", "cloudflare"),
    # Helicone's per-provider proxies forward the body unchanged (docs.helicone.ai).
    ("https://oai.helicone.ai/v1/chat/completions", "openai"),
    ("https://oai.hconeai.com/v1/chat/completions", "openai"),
    ("https://together.helicone.ai/v1/chat/completions", "together"),
    # Hosts of many vendors' open models, and routers.
    ("https://api.deepinfra.com/v1/openai/chat/completions", "deepinfra"),
    ("https://api.studio.nebius.com/v1/chat/completions", "nebius"),
    ("https://api.tokenfactory.nebius.com/v1/chat/completions", "nebius"),
    ("https://api.novita.ai/v3/openai/chat/completions", "novita"),
    ("https://api.hyperbolic.xyz/v1/chat/completions", "hyperbolic"),
    ("https://inference.baseten.co/v1/chat/completions", "baseten"),
    ("https://ai-gateway.vercel.sh/v1/chat/completions", "vercel"),
    ("https://api.minimax.chat/v1/chat/completions", "minimax"),
    ("https://api.minimaxi.com/v1/chat/completions", "minimax"),
    # Volcengine Ark in its regions, its coding plan and bots paths, and BytePlus ModelArk abroad.
    ("https://ark.cn-beijing.volces.com/api/v3/chat/completions", "volcengine"),
    ("https://ark.cn-shanghai.volces.com/api/v3/chat/completions", "volcengine"),
    ("https://ark.cn-beijing.volces.com/api/coding/v3/chat/completions", "volcengine"),
    ("https://ark.cn-beijing.volces.com/api/v3/bots/chat/completions", "volcengine"),
    ("https://ark.ap-southeast.bytepluses.com/api/v3/chat/completions", "volcengine"),
    # Look-alikes stay generic.
    ("https://ark.cn-beijing.volces.com.example.org/api/v3/chat/completions", "generic"),
    ("https://bedrock-runtime.us-east-1.amazonaws.com.example.org/openai/v1/chat/completions", "generic"),
    ("https://aiplatform.googleapis.com.evil.example/v1/chat/completions", "generic"),
    ("https://oai.helicone.ai.example.org/v1/chat/completions", "generic"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "expected"), CASES)
def test_base_url_names_the_provider(url: str, expected: str) -> None:
    target = Target.from_url(url, DEFAULT_REGISTRY)
    assert (target.provider.id, target.provider.guessed) == (expected, False)


def test_a_routed_profile_takes_the_gateways_path() -> None:
    """Groq documents /openai/v1/chat/completions; behind the gateway its prefix differs, and the
    endpoint rules must not call that a wrong path."""
    direct = Target.from_url("https://api.groq.com/openai/v1/chat/completions", DEFAULT_REGISTRY)
    routed = Target.from_url(
        "https://gateway.ai.cloudflare.com/v1/a/g/groq/chat/completions", DEFAULT_REGISTRY
    )
    assert (direct.provider.chat_paths, routed.provider.chat_paths) == (("/openai/v1/chat/completions",), ())
    assert routed.provider.known_params == direct.provider.known_params


def test_a_user_mapping_wins_over_the_path() -> None:
    registry = ProviderRegistry(
        gateways=[GatewayRule("gateway.ai.cloudflare.com", DEFAULT_REGISTRY.get("mistral"))]
    )
    target = Target.from_url("https://gateway.ai.cloudflare.com/v1/a/g/groq/chat/completions", registry)
    assert target.provider.id == "mistral"
