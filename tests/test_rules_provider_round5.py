"""Provider facts of issue 9 round 5, taken from each provider's own API reference.

Each row is a request shape a client really sends, the provider it goes to, and every finding of the
families involved as (rule, severity, location); the row beside it is what the provider's reference
says it accepts and expects no finding. Each fact is declared once, on the provider profile or the
rule's table, and cites the reference page it comes from.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings, predicted_texts

from toolguard_core.providers import BUILTIN_PROFILES

USER = {"role": "user", "content": "Summarise the report."}
E = "error"
FAMILIES = (
    "params.reasoning-effort-value",
    "params.response-format-type",
    "response_format.unknown-type",
    "content.array-not-supported",
    "content.invalid-part",
    "params.ignored-by-provider",
    "params.n-range",
    "params.temperature-range",
    "params.top-p-range",
    "params.stop-count",
    "params.azure-api-version-too-old",
)
TEXT_PARTS = [{"type": "text", "text": "Here is the summary."}]
CALL = {"id": "call_1", "type": "function", "function": {"name": "search", "arguments": "{}"}}


def req(model: str, *messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": list(messages) or [USER], **fields}


CASES = [
    # Cerebras' reference lists none/low/medium/high; `default` is Groq's value, not Cerebras'.
    (
        "cerebras-effort-default",
        "cerebras",
        req("zai-glm-4.7", reasoning_effort="default"),
        [("params.reasoning-effort-value", E, "reasoning_effort")],
    ),
    ("cerebras-effort-none", "cerebras", req("zai-glm-4.7", reasoning_effort="none"), []),
    ("cerebras-effort-high", "cerebras", req("gpt-oss-120b", reasoning_effort="high"), []),
    # Groq's reasoning guide: none/default (Qwen 3) and low/medium/high (gpt-oss); `minimal` is OpenAI's.
    (
        "groq-effort-minimal",
        "groq",
        req("openai/gpt-oss-120b", reasoning_effort="minimal"),
        [("params.reasoning-effort-value", E, "reasoning_effort")],
    ),
    ("groq-effort-default", "groq", req("qwen/qwen3-32b", reasoning_effort="default"), []),
    # Ollama's names are model-defined: not checked there.
    ("ollama-effort-any", "ollama", req("qwen3", reasoning_effort="minimal"), []),
    # Perplexity: json_schema or regex, no JSON mode.
    (
        "perplexity-json-object",
        "perplexity",
        req("sonar", response_format={"type": "json_object"}),
        [("params.response-format-type", E, "response_format.type")],
    ),
    (
        "perplexity-regex",
        "perplexity",
        req("sonar", response_format={"type": "regex", "regex": {"regex": "[0-9]+"}}),
        [],
    ),
    (
        "perplexity-json-schema",
        "perplexity",
        req(
            "sonar",
            response_format={
                "type": "json_schema",
                "json_schema": {"schema": {"type": "object", "properties": {"n": {"type": "integer"}}}},
            },
        ),
        [],
    ),
    # `regex` is Perplexity's own type: elsewhere it is still unknown (a warning on an unknown host).
    (
        "openai-regex",
        "openai",
        req("gpt-4o", response_format={"type": "regex", "regex": {"regex": "[0-9]+"}}),
        [("response_format.unknown-type", E, "response_format.type")],
    ),
    # DeepSeek: an assistant message's content is a string (API reference); user and system text parts
    # are accepted, and so is a null content beside tool calls.
    (
        "deepseek-assistant-parts",
        "deepseek",
        req(
            "deepseek-chat",
            USER,
            {"role": "assistant", "content": TEXT_PARTS},
            {"role": "user", "content": "Go on."},
            thinking={"type": "disabled"},
        ),
        [("content.array-not-supported", E, "messages[1].content")],
    ),
    (
        "deepseek-user-and-system-parts",
        "deepseek",
        req(
            "deepseek-chat",
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "user", "content": TEXT_PARTS},
            thinking={"type": "disabled"},
        ),
        [],
    ),
    (
        "deepseek-assistant-string",
        "deepseek",
        req(
            "deepseek-chat",
            USER,
            {"role": "assistant", "content": "Here is the summary."},
            {"role": "user", "content": "Go on."},
            thinking={"type": "disabled"},
        ),
        [],
    ),
    # A part type outside OpenAI's (Anthropic's tool_reference, forwarded by a Claude Code GUI) is a
    # variant DeepSeek's serde enum does not have.
    (
        "deepseek-tool-reference-part",
        "deepseek",
        req(
            "deepseek-chat",
            {"role": "user", "content": [{"type": "tool_reference", "tool_name": "search"}]},
            thinking={"type": "disabled"},
        ),
        [("content.invalid-part", E, "messages[0].content[0].type")],
    ),
    # On a host that documents nothing about it, the same part stays a warning.
    (
        "together-tool-reference-part",
        "together",
        req(
            "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            {"role": "user", "content": [{"type": "tool_reference", "tool_name": "search"}]},
        ),
        [("content.invalid-part", "warning", "messages[0].content[0].type")],
    ),
    # Anthropic's OpenAI SDK compatibility layer: n must be exactly 1, temperature above 1 is capped,
    # and the "Ignored" fields of its table run as if unset.
    (
        "anthropic-n-2",
        "anthropic",
        req("claude-sonnet-4-5", n=2),
        [("params.n-range", E, "n")],
    ),
    (
        "anthropic-ignored-fields",
        "anthropic",
        req("claude-sonnet-4-5", response_format={"type": "json_object"}, seed=7, temperature=1.5),
        [
            ("params.ignored-by-provider", "warning", "response_format"),
            ("params.ignored-by-provider", "warning", "seed"),
            ("params.temperature-range", "warning", "temperature"),
        ],
    ),
    (
        "anthropic-supported-fields",
        "anthropic",
        req("claude-sonnet-4-5", n=1, temperature=0.7, top_p=0.9, max_completion_tokens=512, stream=True),
        [],
    ),
    # Zhipu's chat reference: temperature in [0, 1], top_p in [0.01, 1].
    (
        "zhipu-temperature-1.5",
        "zhipu",
        req("glm-4.6", temperature=1.5),
        [("params.temperature-range", E, "temperature")],
    ),
    ("zhipu-temperature-1", "zhipu", req("glm-4.6", temperature=1.0, top_p=0.95), []),
    (
        "zhipu-top-p-0",
        "zhipu",
        req("glm-4.6", top_p=0),
        [("params.top-p-range", "warning", "top_p")],
    ),
    # MiniMax's OpenAI-compatible reference: temperature in (0, 1] ("outside this range will return an
    # error") and n only 1.
    (
        "minimax-temperature-0-n-2",
        "minimax",
        req("MiniMax-M2", temperature=0, n=2),
        [("params.temperature-range", E, "temperature"), ("params.n-range", E, "n")],
    ),
    ("minimax-temperature-1", "minimax", req("MiniMax-M2", temperature=1.0, n=1), []),
    # Stop-sequence limits: OpenAI's validator refuses a fifth (error); the limits other references state
    # (Groq 4, Zhipu 1, DeepSeek 16) are warnings.
    (
        "openai-five-stops",
        "openai",
        req("gpt-4o", stop=["a", "b", "c", "d", "e"]),
        [("params.stop-count", E, "stop")],
    ),
    (
        "groq-five-stops",
        "groq",
        req("llama-3.3-70b-versatile", stop=["a", "b", "c", "d", "e"]),
        [("params.stop-count", "warning", "stop")],
    ),
    ("groq-four-stops", "groq", req("llama-3.3-70b-versatile", stop=["a", "b", "c", "d"]), []),
    (
        "zhipu-two-stops",
        "zhipu",
        req("glm-4.6", stop=["a", "b"]),
        [("params.stop-count", "warning", "stop")],
    ),
    ("zhipu-one-stop", "zhipu", req("glm-4.6", stop=["a"]), []),
    (
        "deepseek-sixteen-stops",
        "deepseek",
        req("deepseek-chat", stop=[str(i) for i in range(16)], thinking={"type": "disabled"}),
        [],
    ),
    # TGI's router validation: top_p strictly inside (0, 1), so OpenAI's default 1.0 is refused.
    (
        "tgi-top-p-1",
        "tgi",
        req("tgi", top_p=1.0),
        [("params.top-p-range", E, "top_p")],
    ),
    ("tgi-top-p-0.95", "tgi", req("tgi", top_p=0.95, temperature=0.7), []),
    (
        "tgi-temperature-0",
        "tgi",
        req("tgi", temperature=0),
        [("params.temperature-range", "warning", "temperature")],
    ),
    # Azure OpenAI's api-version lifecycle: reasoning_effort from 2024-12-01-preview, prediction from
    # 2025-01-01-preview (URLS["azure"] sends api-version=2024-10-21).
    (
        "azure-reasoning-effort-2024-10-21",
        "azure",
        req("o3-mini", reasoning_effort="low"),
        [("params.azure-api-version-too-old", E, "reasoning_effort")],
    ),
    (
        "azure-prediction-2024-10-21",
        "azure",
        req("gpt-4o", prediction={"type": "content", "content": "def f(): pass"}),
        [("params.azure-api-version-too-old", E, "prediction")],
    ),
]


@pytest.mark.parametrize(("name", "provider", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_round_five_provider_facts(
    name: str, provider: str, body: dict[str, Any], expected: list[Any]
) -> None:
    assert findings(provider, body, *FAMILIES) == expected


def test_reasoning_effort_values_are_declared_on_the_profiles() -> None:
    """One declaration per provider: the rule reads the profile's list, the policy names who refuses."""
    declared = {pid: p.reasoning_efforts for pid, p in BUILTIN_PROFILES.items() if p.reasoning_efforts}
    assert sorted(declared) == [
        "azure",
        "cerebras",
        "chatgpt-codex",
        "cohere",
        "groq",
        "ollama",
        "openai",
        "vllm",
    ]
    # Ollama's OpenAI layer: one closed switch (openai/openai.go thinkFromReasoningEffort, rules9p).
    assert declared["ollama"] == frozenset(
        {"none", "minimal", "low", "medium", "high", "xhigh", "ultra", "max"}
    )
    assert declared["cerebras"] == frozenset({"none", "low", "medium", "high"})
    assert declared["groq"] == frozenset({"none", "default", "low", "medium", "high"})
    # Cohere's Compatibility API page: reasoning_effort "none" or "high" (providers.COHERE).
    assert declared["cohere"] == frozenset({"none", "high"})


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [("content.invalid-part", "unknown variant `image_url`, expected `text`")],
)
def test_each_fact_quotes_the_real_error(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))
