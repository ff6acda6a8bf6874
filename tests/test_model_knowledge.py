"""The model rules' second input (issue 9, session 14): what a catalog fact rests on, and whether an error may
rest on it. rules/model.py declares every kind once (``KNOWLEDGE``) and the rules that know better for their own
capability (``RULE_CERTAIN``); these tests hold each declared decision to a real request: the kind the request
is judged under and the level it gets."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support.rule_cases import URLS

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import RequestView, Target
from toolguard_core.rules.model import KNOWLEDGE, RULE_CERTAIN, _agrees, _subject

GENERIC = "https://llm.corp.example/v1/chat/completions"
MESSAGES = "https://api.anthropic.com/v1/messages"
USER = {"role": "user", "content": "Hello"}
IMAGE = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        ],
    }
]

# (case, url, body, the capability read, the kind, the rule, the level it gets)
CASES: list[tuple[str, str, dict[str, Any], str, str, str, str]] = [
    # The vendor's own entry on its own API: the rule's level.
    ("vendor-entry", URLS["openai"], {"model": "gpt-4o", "messages": [USER], "max_tokens": 32000},
     "max_output_tokens", "vendor-entry", "model.max-tokens-above-limit", "error"),
    # What the Gemini API states about Gemma 3 (a cited host fact): its own statement.
    ("host-statement", URLS["gemini"], {"model": "gemma-3-27b-it", "messages": [USER], "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]},
     "function_calling", "host-statement", "model.tools-unsupported", "error"),
    # Copilot hands OpenAI's models to OpenAI's validator.
    ("relayed-vendor", URLS["copilot"], {"model": "o3-mini", "messages": IMAGE},
     "vision", "relayed-vendor", "model.image-unsupported", "error"),
    # An unrecognised gateway: the vendor inferred from the name (DeepSeek's own entry).
    ("inferred-vendor", GENERIC, {"model": "deepseek-v4-pro", "messages": IMAGE},
     "vision", "inferred-vendor", "model.image-unsupported", "error"),
    # No catalog entry (a Claude release newer than the snapshot): Anthropic's prefill removal covers "Claude 4.6
    # and later", so the name's generation carries it; the finding says it was inferred.
    ("family-name", MESSAGES, {"model": "claude-opus-5-1", "max_tokens": 100, "messages": [USER, {"role": "assistant", "content": "{"}]},
     "vision", "family-name", "model.prefill-unsupported", "error"),
    # Only resellers list gpt-5.2-chat, but OpenAI's own gpt-5.2-chat-latest takes the same efforts ("Supported
    # values are: 'medium'." for gpt-5.2-chat-2025-12-11).
    ("vendor-sibling", URLS["openai"], {"model": "gpt-5.2-chat", "messages": [USER], "reasoning_effort": "high"},
     "reasoning_efforts", "vendor-sibling", "model.reasoning-effort-value", "error"),
    # docs/accuracy.md, forty-ninth pass: the vendor's own listing in models.dev (Xiaomi's API directory: MiMo V2.5 Pro takes text only),
    # read on OpenRouter, which quotes its upstreams' capability answers.
    ("vendor-entry-own-api", URLS["openrouter"], {"model": "xiaomi/mimo-v2.5-pro", "messages": IMAGE},
     "vision", "vendor-entry", "model.image-unsupported", "error"),
    # Only resellers' entries, and no vendor sibling: a warning saying so.
    ("reseller-entry", GENERIC, {"model": "command-r", "messages": IMAGE},
     "vision", "reseller-entry", "model.image-unsupported", "warning"),
    # Meta's own entry, but neither the host nor Meta has a built-in profile (its validator is unknown). Cohere's
    # command-a was this case until the fourteenth session gave Cohere's compatibility API a profile.
    ("unprofiled-vendor", GENERIC, {"model": "muse-spark-1.3", "messages": [USER], "max_tokens": 10**7},
     "max_output_tokens", "unprofiled-vendor", "model.max-tokens-above-limit", "warning"),
    # DeepInfra's two listings disagree on gpt-oss-120b's images (DeepInfra is at error for images). Groq was this
    # case until session 17 read its vision page as Groq's statement (a host fact).
    ("host-single-listing", "https://api.deepinfra.com/v1/openai/chat/completions",
     {"model": "openai/gpt-oss-120b", "messages": IMAGE},
     "vision", "host-single-listing", "model.image-unsupported", "warning"),
    # A relay's thinking suffix: maybe another variant.
    ("lossy-name", GENERIC, {"model": "gpt-4o-think", "messages": [USER], "max_tokens": 32000},
     "max_output_tokens", "lossy-name", "model.max-tokens-above-limit", "warning"),
    # A host that is not the vendor may cap limits itself (DashScope, at error for its own models' limits)...
    ("foreign-host-limit", URLS["dashscope"], {"model": "deepseek-chat", "messages": [USER], "max_tokens": 10**7},
     "max_output_tokens", "foreign-host", "model.max-tokens-above-limit", "warning"),
    # ...but cannot give a text model a vision encoder (RULE_CERTAIN): Groq refuses the image part.
    ("foreign-host-image", URLS["groq"], {"model": "deepseek-chat", "messages": IMAGE},
     "vision", "foreign-host", "model.image-unsupported", "error"),
]  # fmt: skip


def _view(url: str, body: dict[str, Any]) -> RequestView:
    return RequestView(body=body, target=Target.from_url(url, DEFAULT_REGISTRY))


@pytest.mark.parametrize(
    ("url", "body", "field", "kind", "rule", "level"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_kind_of_knowledge_gets_its_declared_level(
    url: str, body: dict[str, Any], field: str, kind: str, rule: str, level: str
) -> None:
    subject = _subject(_view(url, body))
    assert subject is not None
    assert subject.knowledge(field) == kind
    found = [f for f in analyse_request(json.dumps(body), url).findings if f.rule == rule]
    assert [str(f.severity) for f in found] == [level]
    certain = KNOWLEDGE[kind].certain or kind in RULE_CERTAIN.get(rule, frozenset())
    assert (level == "error") == certain
    if not certain:  # the warning says why, in the declared words
        assert "(A warning: " in found[0].message


def test_every_declared_kind_is_exercised_and_explained() -> None:
    assert {c[4] for c in CASES} == set(KNOWLEDGE)
    assert all(k.why for k in KNOWLEDGE.values())
    assert all(k.certain or k.doubt for k in KNOWLEDGE.values())
    assert set(RULE_CERTAIN) <= {"model.image-unsupported", "model.audio-unsupported"}


@pytest.mark.parametrize(
    ("name", "siblings"),
    [
        ("gpt-5.2-chat", ["gpt-5.2-chat-latest"]),  # the alias OpenAI lists
        # A pinned snapshot is no sibling: the snapshot keeps one only where it differs from the alias.
        ("command-r", []),
        ("no-such-model-xyz", []),
    ],
)
def test_vendor_siblings_are_the_vendors_entries_for_other_spellings_of_the_same_release(
    name: str, siblings: list[str]
) -> None:
    found = DEFAULT_REGISTRY.catalog.vendor_siblings(name)
    assert [info.name for info in found] == siblings
    assert all(info.providers for info in found)


def test_a_fact_is_the_vendors_only_where_the_sibling_states_the_same_value() -> None:
    [latest] = DEFAULT_REGISTRY.catalog.vendor_siblings("gpt-5.2-chat")
    reseller = replace(latest, name="gpt-5.2-chat", providers=())
    assert _agrees(reseller, (latest,), "reasoning_efforts")
    assert not _agrees(replace(reseller, reasoning_efforts=("low", "medium")), (latest,), "reasoning_efforts")
    assert not _agrees(replace(reseller, reasoning_efforts=None), (latest,), "reasoning_efforts")
    assert not _agrees(reseller, (), "reasoning_efforts")


# Ids newer than the snapshot, judged by the family's documented facts (session 14, issue 9 item 2): every one
# gets the family's finding and one info note that the catalog's rules were skipped; a name of no family
# documented that way gets only the note.
@pytest.mark.parametrize(
    ("url", "body", "expected"),
    [
        (MESSAGES, {"model": "claude-sonnet-5-2-20261015", "max_tokens": 100, "messages": [USER, {"role": "assistant", "content": "{"}]},
         [("model.rules-skipped", "info"), ("model.prefill-unsupported", "error")]),
        # Haiku 4.x takes a prefill and has no effort; a later Haiku 4 is read the same way.
        (MESSAGES, {"model": "claude-haiku-4-7", "max_tokens": 100, "messages": [USER], "output_config": {"effort": "low"}},
         [("model.rules-skipped", "info"), ("model.effort-unsupported", "error")]),
        # "the Claude 5 models" take effort, whatever the family.
        (MESSAGES, {"model": "claude-haiku-5", "max_tokens": 100, "messages": [USER], "output_config": {"effort": "low"}},
         [("model.rules-skipped", "info")]),
        (GENERIC, {"model": "claude-opus-5-1", "messages": [USER], "temperature": 0.5, "top_p": 0.9},
         [("model.rules-skipped", "info"), ("model.temperature-with-top-p", "error"),
          ("model.temperature-unsupported", "error")]),
        # docs/accuracy.md, forty-ninth pass: Opus 4.7 on and every Claude 5 model take no temperature; Sonnet 4.x and Haiku 4.x do.
        (MESSAGES, {"model": "claude-opus-5-6", "max_tokens": 100, "messages": [USER], "temperature": 0.2},
         [("model.rules-skipped", "info"), ("model.temperature-unsupported", "error")]),
        (GENERIC, {"model": "claude-haiku-5-7-20261201", "messages": [USER], "temperature": 0.2},
         [("model.rules-skipped", "info"), ("model.temperature-unsupported", "error")]),
        (MESSAGES, {"model": "claude-haiku-4-7", "max_tokens": 100, "messages": [USER], "temperature": 0.2},
         [("model.rules-skipped", "info")]),
        (GENERIC, {"model": "gpt-5.7-mini", "messages": [USER], "max_tokens": 100},
         [("model.rules-skipped", "info"), ("model.max-tokens-on-reasoning-model", "error")]),
        (URLS["openai"], {"model": "gpt-5.7-mini", "messages": [USER], "max_tokens": 100},
         [("params.max-tokens-on-reasoning-model", "error")]),
        (GENERIC, {"model": "gemini-3.9-flash-lite", "messages": [USER], "max_tokens": 100},
         [("model.rules-skipped", "info")]),
    ],
)  # fmt: skip
def test_a_newer_id_of_a_documented_family_gets_the_familys_rules_and_says_it_inferred(
    url: str, body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    findings = analyse_request(json.dumps(body), url).findings
    got = [(f.rule, str(f.severity)) for f in findings if f.rule.startswith(("model.", "params."))]
    assert got == expected
    for finding in findings:
        if finding.rule.startswith("model.") and finding.severity.value == "error":
            assert "inferred" in finding.message


GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/{}:generateContent"


# Google's thinking levels per Gemini Pro generation (model.thinking-level-unsupported): the table's refusals,
# the levels each takes; other 3.x models by their vendor catalog entry's levels; 2.5 (a budget) not judged.
@pytest.mark.parametrize(
    ("url", "level", "expected"),
    [
        (GEMINI.format("gemini-3-pro-preview"), "MEDIUM", ["error"]),
        (GEMINI.format("gemini-3-pro-preview"), "minimal", ["error"]),
        (GEMINI.format("gemini-3-pro-preview"), "high", []),
        (GEMINI.format("gemini-3.1-pro-preview"), "minimal", ["error"]),
        (GEMINI.format("gemini-3.1-pro-preview"), "medium", []),
        (GEMINI.format("gemini-3-flash-preview"), "minimal", []),
        # Later Flash releases by the levels Google's own catalog entries list for the exact model (session 16):
        # 3.7 Flash takes low, medium, high ("'minimal' is not a supported thinking level for this model.
        # Allowed values are: medium, low, high.", fishjar/kiss-translator#1051); 3.5 Flash lists minimal.
        (GEMINI.format("gemini-3.7-flash"), "MINIMAL", ["error"]),
        (GEMINI.format("gemini-3.7-flash"), "low", []),
        (GEMINI.format("gemini-3.5-flash"), "minimal", []),
        ("https://llm.corp.example/v1beta/models/gemini-3.7-flash:generateContent", "minimal", ["error"]),
        # Only a reseller lists gemini-3-flash's levels (without the minimal Google's own 3 Flash entry takes):
        # no finding, the levels differ per release.
        (GEMINI.format("gemini-3-flash"), "minimal", []),
        (GEMINI.format("gemini-2.5-flash"), "minimal", []),
        (GEMINI.format("gemini-2.5-pro"), "low", []),
        ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-3-pro-preview:generateContent", "medium", ["error"]),
        # Gemma 4 on the Gemini API takes minimal or high (earendil-works/pi#2812, livekit/agents#7080).
        (GEMINI.format("gemma-4-31b-it"), "low", ["error"]),
        (GEMINI.format("gemma-4-26b-a4b-it"), "MEDIUM", ["error"]),
        (GEMINI.format("gemma-4-31b-it"), "MINIMAL", []),
        (GEMINI.format("gemma-4-26b-a4b-it"), "high", []),
        (GEMINI.format("gemma-3-27b-it"), "low", []),
    ],
)  # fmt: skip
def test_thinking_levels_per_gemini_pro_generation(url: str, level: str, expected: list[str]) -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
        "generationConfig": {"thinkingConfig": {"thinkingLevel": level}},
    }
    found = [
        f
        for f in analyse_request(json.dumps(body), url).findings
        if f.rule == "model.thinking-level-unsupported"
    ]
    assert [str(f.severity) for f in found] == expected


@pytest.mark.parametrize(
    ("url", "thinking", "expected"),
    [
        # "Thinking budget is not supported for this model." (perminder-klair/subwave#1044: budget 0 from the AI SDK).
        (GEMINI.format("gemma-4-31b-it"), {"thinkingBudget": 0}, ["error"]),
        (GEMINI.format("gemma-4-26b-a4b-it"), {"thinkingBudget": 8192, "includeThoughts": True}, ["error"]),
        ("https://generativelanguage.googleapis.com/v1beta/models/gemma-4-31b-it:streamGenerateContent?alt=sse", {"thinking_budget": 1024}, ["error"]),
        # A gateway's Gemini-native path is judged as Gemini; Vertex AI's answer for Gemma is not known.
        ("https://llm.corp.example/v1beta/models/gemma-4-31b-it:generateContent", {"thinkingBudget": 512}, ["error"]),
        ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemma-4-31b-it:generateContent", {"thinkingBudget": 512}, ["warning"]),
        # A self-hosted server's own switches; the level instead of the budget; other models' budgets.
        ("http://localhost:11434/v1beta/models/gemma-4-31b-it:generateContent", {"thinkingBudget": 512}, []),
        (GEMINI.format("gemma-4-31b-it"), {"thinkingLevel": "minimal"}, []),
        (GEMINI.format("gemma-3-27b-it"), {"thinkingBudget": 512}, []),
        (GEMINI.format("gemini-2.5-flash"), {"thinkingBudget": 0}, []),
    ],
)  # fmt: skip
def test_gemma_4_takes_no_thinking_budget(url: str, thinking: dict[str, Any], expected: list[str]) -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
        "generationConfig": {"thinkingConfig": thinking},
    }
    found = [
        f
        for f in analyse_request(json.dumps(body), url).findings
        if f.rule == "model.thinking-budget-unsupported"
    ]
    assert [str(f.severity) for f in found] == expected


MISTRAL = "https://api.mistral.ai/v1/chat/completions"


@pytest.mark.parametrize(
    ("url", "model", "expected"),
    [
        # "Reasoning prompt mode is not enabled for this model" (earendil-works/pi#3096, Mistral Small 4); Mistral's
        # reasoning guide gives Small 4, Medium 3.5 and Large 4 `reasoning_effort` instead.
        (MISTRAL, "mistral-small-2603", ["error"]),
        (MISTRAL, "mistral-small-latest", ["error"]),
        (MISTRAL, "mistral-medium-2604", ["error"]),
        (MISTRAL, "mistral-medium-3-5", ["error"]),
        (MISTRAL, "mistral-large-4-0", ["error"]),
        # The Magistral models take it; the aliases whose target is another model or undocumented are not read.
        (MISTRAL, "magistral-medium-2509", []),
        (MISTRAL, "magistral-small-2509", []),
        (MISTRAL, "magistral-small-latest", []),
        (MISTRAL, "mistral-medium-latest", []),
        (MISTRAL, "mistral-small-2506", []),
        (MISTRAL, "mistral-large-2512", []),
        # Through a gateway a warning (it may drop the field); a self-hosted server's schema is its own.
        (GENERIC, "mistral/mistral-small-2603", ["warning"]),
        ("http://localhost:8000/v1/chat/completions", "mistral-small-2603", []),
    ],
)  # fmt: skip
def test_prompt_mode_on_mistrals_adjustable_reasoning_models(
    url: str, model: str, expected: list[str]
) -> None:
    body = {"model": model, "messages": [USER], "prompt_mode": "reasoning"}
    found = [
        f
        for f in analyse_request(json.dumps(body), url).findings
        if f.rule == "model.prompt-mode-unsupported"
    ]
    assert [str(f.severity) for f in found] == expected
    fixed = {"model": model, "messages": [USER], "reasoning_effort": "high"}
    assert not [
        f
        for f in analyse_request(json.dumps(fixed), url).findings
        if f.rule == "model.prompt-mode-unsupported"
    ]


def test_a_hosts_own_system_is_its_vendor_entry() -> None:
    """Groq's Compound systems are Groq's own (filed under groq/ in its models.dev listing): on Groq the fact is
    the vendor's, so the finding carries no reseller doubt; its level is the policy's for Groq, a warning while
    Groq's refusal text for tools on them is not collected (``scripts/severity_cells.py``)."""
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    body = {"model": "groq/compound-mini", "messages": [USER], "tools": tools}
    subject = _subject(_view(URLS["groq"], body))
    assert subject is not None and subject.knowledge("function_calling") == "vendor-entry"
    found = [
        f
        for f in analyse_request(json.dumps(body), URLS["groq"]).findings
        if f.rule == "model.tools-unsupported"
    ]
    assert len(found) == 1 and "(A warning: " not in found[0].message


def test_the_temperature_generation_fact_agrees_with_the_vendors_catalog_entries() -> None:
    """TEMPERATURE_REMOVED_FROM (read for Claude ids the catalog lacks) is what Anthropic's own catalog entries
    say: every Claude entry the vendor lists takes no temperature exactly when its generation says so."""
    from toolguard_core.catalog import lookup
    from toolguard_core.rules.model import temperature_removed
    from toolguard_core.rules.modelinfo import claude_family, claude_version

    models = json.loads(
        (Path(__file__).resolve().parent.parent / "addon/toolguard_core/data/model_catalog.json").read_text()
    )["models"]
    judged = 0
    for name in models:
        info = lookup(name)
        if info is None or "anthropic" not in info.providers or not name.startswith("claude-"):
            continue
        version = claude_version(name)
        if version is None or version < (4, 5):
            continue
        judged += 1
        assert (info.temperature is False) == temperature_removed(claude_family(name), version), name
    assert judged >= 15


# A cloud id embeds the vendor's name for the release (catalog vendor_siblings, session 16): Bedrock's listing of
# Claude Sonnet 4.5 states the same 64,000-token limit as Anthropic's own entry, so the limit is the vendor's
# (an error, as Anthropic judges it); where the cloud's listing and the vendor's disagree it stays a warning.
@pytest.mark.parametrize(
    ("model", "max_tokens", "expected"),
    [
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", 100000, ["error"]),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", 64000, []),
        ("global.anthropic.claude-opus-4-6-v1", 200000, ["error"]),
    ],
)
def test_a_cloud_id_is_the_vendors_release(model: str, max_tokens: int, expected: list[str]) -> None:
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": max_tokens, "messages": [USER]}
    url = f"https://bedrock-runtime.us-east-1.amazonaws.com/model/{model}/invoke"
    found = [
        f for f in analyse_request(json.dumps(body), url).findings if f.rule == "model.max-tokens-above-limit"
    ]
    assert [str(f.severity) for f in found] == expected
    assert all("vendor's own entries for the same model" in f.message for f in found)
