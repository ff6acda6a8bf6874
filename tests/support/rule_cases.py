"""Provider URLs and helpers shared by the rule-catalog tests (issue 3).

Each URL is one the provider registry recognises, so a test says "as if sent to Groq" by picking
``URLS["groq"]``. Self-hosted servers are declared the way a user declares theirs, with a gateway
mapping in the providers config (`REGISTRY`): recognised by their port alone they would be a guess,
and their provider-specific errors warnings (analyze.py).
"""

from __future__ import annotations

import json
from typing import Any

from toolguard_core.analyze import analyse_request
from toolguard_core.profiles_config import build_registry, parse_config
from toolguard_core.request import Target
from toolguard_core.rules import RULES

URLS = {
    "openai": "https://api.openai.com/v1/chat/completions",
    "azure": "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    "deepseek": "https://api.deepseek.com/chat/completions",
    "groq": "https://api.groq.com/openai/v1/chat/completions",
    "gemini": "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
    "mistral": "https://api.mistral.ai/v1/chat/completions",
    "dashscope": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions",
    "openrouter": "https://openrouter.ai/api/v1/chat/completions",
    "moonshot": "https://api.moonshot.ai/v1/chat/completions",
    "together": "https://api.together.xyz/v1/chat/completions",
    "vllm": "http://localhost:8000/v1/chat/completions",
    "sglang": "http://127.0.0.1:30000/v1/chat/completions",
    "llama.cpp": "http://127.0.0.1:8080/v1/chat/completions",
    "ollama": "http://localhost:11434/v1/chat/completions",
    "generic": "https://llm.internal.example/v1/chat/completions",
    "perplexity": "https://api.perplexity.ai/chat/completions",
    "cerebras": "https://api.cerebras.ai/v1/chat/completions",
    "nvidia": "https://integrate.api.nvidia.com/v1/chat/completions",
    "xai": "https://api.x.ai/v1/chat/completions",
    "copilot": "https://api.githubcopilot.com/chat/completions",
    "zhipu": "https://open.bigmodel.cn/api/paas/v4/chat/completions",
    "cloudflare": "https://api.cloudflare.com/client/v4/accounts/abc123/ai/v1/chat/completions",
    "lmstudio": "http://127.0.0.1:1234/v1/chat/completions",
    "fireworks": "https://api.fireworks.ai/inference/v1/chat/completions",
    "minimax": "https://api.minimax.io/v1/chat/completions",
    "volcengine": "https://ark.cn-beijing.volces.com/api/v3/chat/completions",
    "anthropic": "https://api.anthropic.com/v1/chat/completions",
    "tgi": "http://127.0.0.1:3000/v1/chat/completions",
}


REGISTRY = build_registry(
    parse_config(
        """
        [[gateway]]
        host = "localhost"
        port = 8000
        provider = "vllm"

        [[gateway]]
        host = "127.0.0.1"
        port = 30000
        provider = "sglang"

        [[gateway]]
        host = "127.0.0.1"
        port = 8080
        provider = "llama.cpp"

        [[gateway]]
        host = "127.0.0.1"
        port = 1234
        provider = "lmstudio"

        [[gateway]]
        host = "127.0.0.1"
        port = 3000
        provider = "tgi"
        """
    )
)


def target(provider: str) -> Target:
    """The target of ``URLS[provider]``, with self-hosted servers declared (see the module doc)."""
    return Target.from_url(URLS[provider], REGISTRY)


def analyse(provider: str, body: Any) -> Any:
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return analyse_request(raw, URLS[provider], target=target(provider))


def findings(provider: str, body: dict[str, Any], *prefixes: str) -> list[tuple[str, str, str]]:
    """(rule, severity, location) of every finding whose rule id starts with one of ``prefixes``."""
    analysis = analyse(provider, body)
    assert analysis.target.provider.id == provider, (
        f"{URLS[provider]} detected as {analysis.target.provider.id}"
    )
    assert not analysis.internal_errors, analysis.internal_errors
    return [
        (f.rule, str(f.severity), f.location)
        for f in analysis.findings
        if not prefixes or f.rule.startswith(prefixes)
    ]


def predicted_texts(rule_id: str) -> list[str]:
    return [p.text for p in RULES[rule_id].predicts]
