"""Wrong base URLs and endpoint paths (providers.md §1): every message names the correct base URL."""

from __future__ import annotations

import json

import pytest
from support.rule_cases import predicted_texts

from toolguard_core.analyze import analyse_request

E, W = "error", "warning"
BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}
NATIVE_BODY = {"model": "qwen-plus", "input": {"messages": [{"role": "user", "content": "Hello"}]}}


def endpoint_findings(url: str, body: dict = BODY) -> list[tuple[str, str, str, str]]:
    analysis = analyse_request(json.dumps(body).encode(), url)
    assert not analysis.internal_errors, analysis.internal_errors
    return [
        (f.rule, str(f.severity), f.location, f.message)
        for f in analysis.findings
        if f.rule.startswith("endpoint.")
    ]


CASES = [
    (
        "openai-missing-v1",
        "https://api.openai.com/chat/completions",
        [
            (
                "endpoint.missing-v1",
                E,
                "url",
                "/chat/completions lacks /v1; use the base URL https://api.openai.com/v1.",
            )
        ],
    ),
    (
        "openai-doubled",
        "https://api.openai.com/v1/chat/completions/chat/completions",
        [
            (
                "endpoint.doubled-path",
                E,
                "url",
                "The path /v1/chat/completions/chat/completions repeats a segment; configure the base URL "
                "https://api.openai.com/v1 and let the client append /chat/completions.",
            )
        ],
    ),
    (
        "groq-doubled-v1",
        "https://api.groq.com/openai/v1/v1/chat/completions",
        [
            (
                "endpoint.doubled-path",
                E,
                "url",
                "The path /openai/v1/v1/chat/completions repeats a segment; configure the base URL "
                "https://api.groq.com/openai/v1 and let the client append /chat/completions.",
            )
        ],
    ),
    (
        "groq-missing-openai",
        "https://api.groq.com/v1/chat/completions",
        [
            (
                "endpoint.groq-wrong-path",
                E,
                "url",
                "Groq serves /v1/chat/completions only under /openai/v1; use the base URL https://api.groq.com/openai/v1.",
            )
        ],
    ),
    (
        "groq-missing-v1",
        "https://api.groq.com/openai/chat/completions",
        [
            (
                "endpoint.groq-wrong-path",
                E,
                "url",
                "Groq serves /openai/chat/completions only under /openai/v1; use the base URL "
                "https://api.groq.com/openai/v1.",
            )
        ],
    ),
    (
        "openrouter-missing-api",
        "https://openrouter.ai/v1/chat/completions",
        [
            (
                "endpoint.openrouter-missing-api",
                W,
                "url",
                "OpenRouter's API is under /api/v1, not /v1; use the base URL https://openrouter.ai/api/v1.",
            )
        ],
    ),
    (
        "openrouter-missing-v1",
        "https://openrouter.ai/api/chat/completions",
        [
            (
                "endpoint.openrouter-wrong-path",
                E,
                "url",
                "OpenRouter's API is under /api/v1, not /api; use the base URL https://openrouter.ai/api/v1.",
            )
        ],
    ),
    (
        "gemini-v1-not-v1beta",
        "https://generativelanguage.googleapis.com/v1/openai/chat/completions",
        [
            (
                "endpoint.gemini-wrong-path",
                W,
                "url",
                "Gemini's OpenAI-compatible endpoint is under /v1beta/openai/; use the base URL "
                "https://generativelanguage.googleapis.com/v1beta/openai/.",
            )
        ],
    ),
    (
        "gemini-missing-openai",
        "https://generativelanguage.googleapis.com/v1beta/chat/completions",
        [
            (
                "endpoint.gemini-wrong-path",
                W,
                "url",
                "Gemini's OpenAI-compatible endpoint is under /v1beta/openai/; use the base URL "
                "https://generativelanguage.googleapis.com/v1beta/openai/.",
            )
        ],
    ),
    (
        "wandb-platform-host",
        "https://api.wandb.ai/v1/chat/completions",
        [
            (
                "endpoint.wandb-wrong-host",
                E,
                "url",
                "api.wandb.ai is W&B's platform API; W&B Inference is at https://api.inference.wandb.ai/v1.",
            )
        ],
    ),
    (
        "dashscope-native-aigc",
        "https://dashscope.aliyuncs.com/api/v1/services/aigc/text-generation/generation",
        [
            (
                "endpoint.dashscope-native-path",
                E,
                "url",
                "/api/v1/services/aigc/text-generation/generation is DashScope's native API, which does not take "
                "an OpenAI body; use the base URL https://dashscope.aliyuncs.com/compatible-mode/v1 (same region host).",
            )
        ],
    ),
    (
        "dashscope-api-v1-as-base",
        "https://dashscope-intl.aliyuncs.com/api/v1/chat/completions",
        [
            (
                "endpoint.dashscope-native-path",
                E,
                "url",
                "/api/v1/chat/completions is DashScope's native API, which does not take an OpenAI body; use the "
                "base URL https://dashscope-intl.aliyuncs.com/compatible-mode/v1 (same region host).",
            )
        ],
    ),
    (
        "azure-no-api-version",
        "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions",
        [
            (
                "endpoint.azure-missing-api-version",
                E,
                "url",
                "Azure's deployment path needs ?api-version=YYYY-MM-DD (e.g. 2024-10-21); without it Azure answers "
                "404 Resource not found. Or switch to the v1 base URL https://contoso.openai.azure.com/openai/v1.",
            )
        ],
    ),
    (
        "azure-v1-with-api-version",
        "https://contoso.openai.azure.com/openai/v1/chat/completions?api-version=2024-10-21",
        [
            (
                "endpoint.azure-v1-mixed",
                W,
                "url",
                "The v1 path takes neither api-version nor /deployments/; use https://contoso.openai.azure.com/openai/v1 "
                "with the deployment name as `model`, or the legacy "
                "https://contoso.openai.azure.com/openai/deployments/<deployment>/chat/completions?api-version=... .",
            )
        ],
    ),
    (
        "azure-openai-style-path",
        "https://contoso.openai.azure.com/v1/chat/completions",
        [
            (
                "endpoint.azure-wrong-path",
                W,
                "url",
                "/v1/chat/completions is not an Azure OpenAI path; use https://contoso.openai.azure.com/openai/v1 or "
                "https://contoso.openai.azure.com/openai/deployments/<deployment>/chat/completions?api-version=... .",
            )
        ],
    ),
    (
        "mistral-missing-v1",
        "https://api.mistral.ai/chat/completions",
        [
            (
                "endpoint.missing-v1",
                W,
                "url",
                "/chat/completions lacks /v1; use the base URL https://api.mistral.ai/v1.",
            )
        ],
    ),
    (
        "vllm-missing-v1",
        "http://127.0.0.1:8000/chat/completions",
        [
            (
                "endpoint.missing-v1",
                W,
                "url",
                "/chat/completions lacks /v1; use the base URL http://127.0.0.1:8000/v1.",
            )
        ],
    ),
    (
        "deepseek-unexpected",
        "https://api.deepseek.com/openai/chat/completions",
        [
            (
                "endpoint.unexpected-path",
                W,
                "url",
                "DeepSeek does not document /openai/chat/completions; its base URL is https://api.deepseek.com.",
            )
        ],
    ),
]

VALID = [
    "https://api.openai.com/v1/chat/completions",
    "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    "https://contoso.openai.azure.com/openai/v1/chat/completions",
    "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions",
    "https://dashscope-us.aliyuncs.com/compatible-mode/v1/chat/completions",
    "https://api.deepseek.com/chat/completions",
    "https://api.deepseek.com/v1/chat/completions",
    "https://openrouter.ai/api/v1/chat/completions",
    "https://api.groq.com/openai/v1/chat/completions",
    "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
    "https://api.mistral.ai/v1/chat/completions",
    "https://api.together.xyz/v1/chat/completions",
    "https://api.fireworks.ai/inference/v1/chat/completions",
    "https://api.x.ai/v1/chat/completions",
    "https://api.moonshot.ai/v1/chat/completions",
    "https://api.inference.wandb.ai/v1/chat/completions",
    "http://127.0.0.1:8000/v1/chat/completions",
    "http://127.0.0.1:8080/chat/completions",
    "http://localhost:11434/v1/chat/completions",
    "http://127.0.0.1:30000/v1/chat/completions",
    "http://127.0.0.1:45678/chat/completions",
    "https://gateway.example.com/openai/chat/completions",
]


@pytest.mark.parametrize(("url", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_wrong_endpoints(url: str, expected: list[tuple[str, str, str, str]]) -> None:
    assert endpoint_findings(url) == expected


@pytest.mark.parametrize("url", VALID)
def test_documented_endpoints_pass(url: str) -> None:
    assert endpoint_findings(url) == []


def test_dashscope_native_body_on_native_path_passes() -> None:
    url = "https://dashscope.aliyuncs.com/api/v1/services/aigc/text-generation/generation"
    assert endpoint_findings(url, NATIVE_BODY) == []


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        (
            "endpoint.missing-v1",
            "Unknown request URL: POST /chat/completions. Please check the URL for typos",
        ),
        ("endpoint.doubled-path", "Invalid URL (POST /v1/chat/completions/chat/completions)"),
        ("endpoint.groq-wrong-path", "Unknown request URL: POST /openai/chat/completions."),
        ("endpoint.dashscope-native-path", "404 status code (no body)"),
        ("endpoint.azure-missing-api-version", '"message":"Resource not found"'),
    ],
)
def test_rules_predict_the_real_provider_text(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))


VERTEX_OPENAPI = (
    "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/endpoints/openapi"
)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # Claude on Vertex is served at :rawPredict only (Google's Claude guide; cloudflare/vibesdk#311).
        ("anthropic/claude-sonnet-4-6", [("endpoint.vertex-claude-chat-completions", E, "model")]),
        ("claude-3-5-sonnet-v2@20241022", [("endpoint.vertex-claude-chat-completions", E, "model")]),
        # Gemini and Model Garden's open models are served by the OpenAI-compatible endpoint.
        ("google/gemini-2.5-flash", []),
        ("meta/llama-3.3-70b-instruct-maas", []),
        ("qwen/qwen3-coder-480b-a35b-instruct-maas", []),
    ],
)
def test_vertex_openai_endpoint_does_not_serve_claude(
    model: str, expected: list[tuple[str, str, str]]
) -> None:
    body = {"model": model, "messages": BODY["messages"]}
    found = endpoint_findings(f"{VERTEX_OPENAPI}/chat/completions", body)
    assert [(rule, severity, location) for rule, severity, location, _ in found] == expected


def test_claude_elsewhere_is_not_a_vertex_finding() -> None:
    body = {"model": "claude-sonnet-4-6", "messages": BODY["messages"]}
    assert endpoint_findings("https://openrouter.ai/api/v1/chat/completions", body) == []
    assert endpoint_findings("https://llm.internal.example/v1/chat/completions", body) == []
