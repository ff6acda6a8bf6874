"""Provider URLs and helpers shared by the rule-catalog tests (issue 3).

Each URL is one the provider registry recognises (host, or a conventional port on loopback), so
a test says "as if sent to Groq" by picking ``URLS["groq"]``.
"""

from __future__ import annotations

import json
from typing import Any

from toolguard_core.analyze import analyse_request
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
}


def findings(provider: str, body: dict[str, Any], *prefixes: str) -> list[tuple[str, str, str]]:
    """(rule, severity, location) of every finding whose rule id starts with one of ``prefixes``."""
    analysis = analyse_request(json.dumps(body).encode(), URLS[provider])
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
