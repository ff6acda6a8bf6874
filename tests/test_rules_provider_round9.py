"""Provider facts of issue 9 round 9 (branch rules9p), each from the provider's own source.

Each row is a request a client really sends to the provider and every finding of the family involved as
(rule, severity, location); the rows beside it are what the source says the provider accepts and expect
no finding.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings

USER = {"role": "user", "content": "Summarise the report."}
E = "error"
FAMILIES = ("params.reasoning-effort-value",)


def req(model: str, **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": [USER], **fields}


CASES = [
    # Ollama's OpenAI layer (openai/openai.go thinkFromReasoningEffort at fb30760): a closed switch.
    # "default" is Groq's value (pi sent it to every provider, earendil-works/pi#1745), refused here.
    (
        "ollama-default",
        "ollama",
        req("qwen3:8b", reasoning_effort="default"),
        [(FAMILIES[0], E, "reasoning_effort")],
    ),
    (
        "ollama-uppercase",
        "ollama",
        req("gpt-oss:20b", reasoning_effort="High"),
        [(FAMILIES[0], E, "reasoning_effort")],
    ),
    # Clamped to the nearest tier, not refused, by the same switch.
    ("ollama-minimal", "ollama", req("gpt-oss:20b", reasoning_effort="minimal"), []),
    ("ollama-xhigh", "ollama", req("gpt-oss:20b", reasoning_effort="xhigh"), []),
    ("ollama-none", "ollama", req("qwen3:8b", reasoning_effort="none"), []),
]


@pytest.mark.parametrize(("name", "provider", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_round_nine_provider_facts(
    name: str, provider: str, body: dict[str, Any], expected: list[Any]
) -> None:
    assert findings(provider, body, *FAMILIES) == expected
