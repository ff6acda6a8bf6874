"""Late-2026 model names the catalog could not match (session 20, leftovers21): each looked up in the
data the catalog refreshes from (scripts/refresh_catalog.py's sources, the vendors' model pages) and,
where the name names one model, given that model's facts as an entry with its source (VENDOR_FACTS'
``same_as``); a name that names no single model keeps "model rules skipped"."""

from __future__ import annotations

import json

import pytest

from toolguard_core import analyze
from toolguard_core.catalog import lookup


@pytest.mark.parametrize(
    ("name", "entry", "facts"),
    [
        # Moonshot serves K2.7 as kimi-k2.7-code only (its /models; "Not found the model kimi-k2.7"):
        # resellers' kimi-k2.7 is that model, with no vendor listing of its own.
        (
            "kimi-k2.7",
            "kimi-k2.7",
            {"function_calling": True, "vision": True, "reasoning": True, "providers": ()},
        ),
        ("moonshotai/kimi-k2.7", "kimi-k2.7", {"function_calling": True, "providers": ()}),
        # Kimi Code's plan id: models.dev's entry, K2.7 Code with a 32,768-token output limit.
        ("kimi-for-coding", "kimi-for-coding", {"function_calling": True, "max_output_tokens": 32768}),
        # Mistral Small 3.2 is mistral-small-2506 (docs.mistral.ai's model page: v25.06).
        (
            "mistral-small-3.2",
            "mistral-small-3.2",
            {"function_calling": True, "vision": True, "providers": ()},
        ),
    ],
)
def test_the_name_gets_its_models_facts(name: str, entry: str, facts: dict[str, object]) -> None:
    info = lookup(name)
    assert info is not None and info.name == entry
    assert not info.lossy
    for key, value in facts.items():
        assert getattr(info, key) == value, key


def test_a_bare_deepseek_v4_names_no_single_model_and_keeps_rules_skipped() -> None:
    # DeepSeek serves deepseek-v4-pro and deepseek-flash (V4 Flash, then V4.1 Flash, behind one name);
    # "deepseek-v4" is neither, and the two differ in what they take (images).
    assert lookup("deepseek-v4") is None
    body = {"model": "deepseek-v4", "messages": [{"role": "user", "content": "hi"}]}
    analysis = analyze.analyse_request(
        json.dumps(body).encode(), "https://llm.corp.example/v1/chat/completions"
    )
    assert [f.rule for f in analysis.findings] == ["model.rules-skipped"]
