"""Volcengine Ark (ByteDance Doubao) and BytePlus ModelArk: the profile's own rules and the catalog's
limits on Ark's host, over request shapes clients send (nanobot, Dify, LocalMiniDrama). Each row is the
whole list of findings (rule, severity, location) for the request.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings, predicted_texts

USER = {"role": "user", "content": "把这段话翻译成英文。"}
E, W = "error", "warning"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def req(model: str, **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": [USER], **fields}


CASES = [
    # Both token limits at once: Ark refuses it (HKUDS/nanobot#2548, the coding plan's endpoint too).
    (
        "both-token-limits",
        req("doubao-seed-1-6-250615", max_tokens=8192, max_completion_tokens=8192),
        [("params.max-tokens-and-max-completion-tokens", E, "max_tokens")],
    ),
    ("max-completion-tokens-alone-ok", req("doubao-seed-1-6-250615", max_completion_tokens=8192), []),
    ("max-tokens-alone-ok", req("doubao-seed-1-6-250615", max_tokens=8192), []),
    # Doubao 1.5 Pro 32k writes at most 12288 (Ark's own answer; a dated id matches the catalog entry).
    (
        "doubao-1.5-pro-32k-above-limit",
        req("doubao-1-5-pro-32k-250115", max_tokens=16384),
        [("model.max-tokens-above-limit", E, "max_tokens")],
    ),
    ("doubao-1.5-pro-32k-at-limit-ok", req("doubao-1-5-pro-32k-250115", max_tokens=12288), []),
    # A limit only a reseller's entry states stays a warning on Ark.
    (
        "seed-1.6-reseller-limit-warning",
        req("doubao-seed-1-6-250615", max_tokens=32000),
        [("model.max-tokens-above-limit", W, "max_tokens")],
    ),
    # Doubao's thinking and Seed 1.6 models call tools (Ark's model list, via VENDOR_FACTS): no finding.
    ("seed-1.6-tools-ok", req("doubao-seed-1-6-250615", tools=[WEATHER]), []),
    ("thinking-pro-tools-ok", req("doubao-1-5-thinking-pro-250415", tools=[WEATHER], temperature=0.3), []),
    # Ark's own thinking switch is a field it documents; no finding.
    ("thinking-switch-ok", req("doubao-seed-1-6-250615", thinking={"type": "disabled"}), []),
    # A DeepSeek model hosted on Ark: DeepSeek's own limits are not Ark's, so nothing is an error.
    ("hosted-deepseek-ok", req("deepseek-r1-250528", max_tokens=8192), []),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_volcengine_rules(body: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert findings("volcengine", body) == expected


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("params.max-tokens-and-max-completion-tokens", "max_tokens and max_completion_tokens cannot be set"),
        ("model.max-tokens-above-limit", "integer above maximum value, expected a value <= 4096"),
    ],
)
def test_rules_predict_arks_real_text(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))


def test_the_both_limits_rule_is_arks_only() -> None:
    body = req("gpt-4o", max_tokens=100, max_completion_tokens=100)
    assert findings("openai", body, "params.max-tokens-and") == []
    assert findings("generic", body, "params.max-tokens-and") == []
