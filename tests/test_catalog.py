"""The model catalog: the shipped snapshot, name matching on any host, the offline refresh script
and the providers-TOML overrides."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from toolguard_core.catalog import Catalog, ModelInfo, lookup, snapshot_meta
from toolguard_core.profiles_config import ProvidersConfigError, build_registry, parse_config
from toolguard_core.request import Target

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "catalog"
SCRIPT = ROOT / "scripts" / "refresh_catalog.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_catalog", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOST_LISTINGS = _script().HOST_LISTINGS
#: Groq's hand-written facts (HOST_FACTS): the fixture has no Groq listing, so they stand alone there.
_GROQ_FACTS = _script().HOST_FACTS["groq"]
#: Perplexity's (sonar refuses tools, sonar-pro and sonar-reasoning-pro take them): no Perplexity listing either.
_PERPLEXITY_FACTS = _script().HOST_FACTS["perplexity"]
#: Copilot's (its Responses-only OpenAI models): no Copilot listing, so they stand alone.
_COPILOT_FACTS = _script().HOST_FACTS["copilot"]


# --- the shipped snapshot ---------------------------------------------------------------------


def test_snapshot_records_its_sources_and_date() -> None:
    meta = snapshot_meta()
    assert dt.date.fromisoformat(meta["generated"]) >= dt.date(2026, 1, 1)
    assert meta["generator"] == "scripts/refresh_catalog.py"
    assert [(s["name"], s["url"], s["role"]) for s in meta["sources"]] == [
        (
            "LiteLLM model map",
            "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json",
            "primary",
        ),
        ("models.dev", "https://github.com/sst/models.dev", "secondary"),
    ]
    assert all(s["ref"] for s in meta["sources"])
    # Each source's ref says when it was taken (issue 9: "records its date and source"), and the
    # snapshot is a full run's, so --facts-only can take a vendor fact back out.
    assert all(re.search(r"\b20\d\d-\d\d-\d\d\b", s["ref"]) for s in meta["sources"])
    assert meta["vendor_fact_datasets"]
    assert meta["models"] > 1000


def test_snapshot_is_packaged() -> None:
    """The snapshot's directory is a declared (data-only) package with its JSON as package data; the
    built wheel's contents are checked in tests/e2e/test_wheel_contents_e2e.py."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "toolguard_core.data" in setuptools["packages"]
    assert setuptools["package-data"]["toolguard_core.data"] == ["*.json"]


# Real model ids seen in traffic -> (catalog entry, how it matched).
LOOKUPS = [
    ("o3-mini", "o3-mini", "exact"),
    ("O3-Mini", "o3-mini", "case"),
    ("openai/gpt-4o-2024-08-06", "gpt-4o", "router-prefix+date"),
    ("azure/o3-mini", "o3-mini", "router-prefix"),
    ("gpt-5.1", "gpt-5.1", "exact"),
    ("deepseek-reasoner", "deepseek-reasoner", "exact"),
    ("deepseek/deepseek-chat", "deepseek-chat", "router-prefix"),
    ("claude-sonnet-4-5", "claude-sonnet-4-5", "exact"),
    ("anthropic/claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "router-prefix+date"),
    ("us.anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet-20240620", "cloud-prefix"),
    ("qwen3-coder-plus", "qwen3-coder-plus", "exact"),
    ("gemini-2.5-flash", "gemini-2.5-flash", "exact"),
    ("models/gemini-2.5-flash", "gemini-2.5-flash", "models-prefix"),
    ("google/gemini-2.5-flash", "gemini-2.5-flash", "router-prefix"),
    ("grok-4", "grok-4", "exact"),
    ("x-ai/grok-4", "grok-4", "router-prefix"),
    ("kimi-k2", "kimi-k2", "exact"),
    ("moonshotai/kimi-k2:free", "kimi-k2", "router-prefix+tag"),
    ("llama-3.3-70b-versatile", "llama-3.3-70b-versatile", "exact"),
    ("meta-llama/llama-3.3-70b-instruct", "llama-3.3-70b-instruct", "router-prefix"),
    ("mistral-large-latest", "mistral-large-latest", "exact"),
    ("mistral/mistral-small-latest", "mistral-small-latest", "router-prefix"),
    # Gateways' and platforms' spellings (issue 9 round 2): each prefix or suffix is the platform's, the
    # entry is the model's own.
    ("openrouter/openai/gpt-4o", "gpt-4o", "router-prefix"),
    ("azure/gpt-4.1-2025-04-14", "gpt-4.1-2025-04-14", "router-prefix"),
    ("@cf/meta/llama-3.1-8b-instruct", "llama-3.1-8b-instruct", "router-prefix"),
    ("accounts/fireworks/models/llama-v3p1-8b-instruct", "llama-v3p1-8b-instruct", "router-prefix"),
    ("Qwen/Qwen2.5-72B-Instruct", "qwen2.5-72b-instruct", "case+router-prefix"),
    ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet-20250219", "cloud-prefix"),
    ("claude-3.5-sonnet-20241022", "claude-3.5-sonnet", "date"),
    ("gpt-4o:latest", "gpt-4o", "tag"),
    ("deepseek-chat-v3-0324:free", "deepseek-chat-v3-0324", "tag"),
    ("models/gemini-2.5-flash-preview-05-20", "gemini-2.5-flash-preview-05-20", "models-prefix"),
    # Lossy: an Ollama size/variant tag, a version spelled with '-' for '.' (rules warn on these).
    ("gemma3:27b-it-fp16", "gemma3:27b", "ollama-tag"),
    ("llama3.1:8b", "llama3.1-8b", "ollama-tag"),
    ("deepseek-r1:14b", "deepseek-r1", "ollama-tag"),
    ("grok-4-1-fast", "grok-4.1-fast", "spelling"),
    # Lossy: a gateway alias around the model's own name (a LiteLLM model group, litellm#15070).
    ("bedrock-claude-sonnet-4-5", "claude-sonnet-4-5", "alias"),
    ("prod-eu-claude-haiku-4-5", "claude-haiku-4-5", "alias"),
    # Issue 9 round 3: Volcengine's dated Doubao id, an Ollama library tag, a :free router tag.
    ("doubao-1-5-pro-32k-250115", "doubao-1-5-pro-32k", "date"),
    ("qwen/qwen3-235b-a22b:free", "qwen3-235b-a22b", "router-prefix+tag"),
    ("eu.anthropic.claude-haiku-4-5-20251001-v1:0", "eu.anthropic.claude-haiku-4-5-20251001-v1:0", "exact"),
    (
        "bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "claude-3-7-sonnet-20250219",
        "router-prefix+cloud-prefix",
    ),
    ("mistral.mistral-large-2407-v1:0", "mistral-large-2407", "cloud-prefix"),
    ("publishers/anthropic/models/claude-sonnet-4-5", "claude-sonnet-4-5", "router-prefix"),
    ("deepseek-ai/DeepSeek-V3", "deepseek-v3", "case+router-prefix"),
    ("moonshotai/Kimi-K2-Instruct", "kimi-k2-instruct", "case+router-prefix"),
    ("gemini-2.5-pro-latest", "gemini-2.5-pro", "date"),
    ("x-ai/grok-4-fast:free", "grok-4-fast", "router-prefix+tag"),
    # The tag's variant names the model (catalog8): the instruct entry, without the quantisation.
    ("llama3.2:3b-instruct-q4_K_M", "llama3.2-3b-instruct", "case+ollama-tag"),
    # Issue 9, catalog8: self-hosted spellings. A GGUF file name, a GGUF repo with its quant tag, an AWQ /
    # MLX quant repo: the quantisation is stripped (not lossy: it never changes what the template takes).
    ("Qwen2.5-7B-Instruct-Q4_K_M.gguf", "qwen2.5-7b-instruct", "case+quant"),
    ("hf.co/bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M", "qwen2.5-7b-instruct", "case+router-prefix+quant"),
    ("Qwen/Qwen2.5-7B-Instruct-AWQ", "qwen2.5-7b-instruct", "case+router-prefix+quant"),
    ("mlx-community/Qwen3-8B-4bit", "qwen3-8b", "case+router-prefix+quant"),
    ("Meta-Llama-3.1-8B-Instruct-Q8_0.gguf", "meta-llama-3.1-8b-instruct", "case+quant"),
    ("qwen2.5:7b-instruct-q4_K_M", "qwen2.5-7b-instruct", "case+ollama-tag"),
    # Issue 9 round 7: a relay's thinking variant (lossy: the relay switched thinking on); an entry of the
    # suffixed name itself still matches exactly.
    ("claude-3-7-sonnet-20250219-thinking", "claude-3-7-sonnet-20250219", "thinking-suffix"),
    ("openrouter/anthropic/claude-3.7-sonnet-thinking", "claude-3.7-sonnet", "router-prefix+thinking-suffix"),
    ("gpt-5-thinking", "gpt-5-thinking", "exact"),
    # Session 11, ids from public threads (docs/accuracy.md, "Session 11"): a client's provider:model
    # spelling (sigoden/aichat#1304), a relay's -think and effort variants (Deep-ai-inc/ch.at#36,
    # QuantumNous/new-api#957, decolua/9router#3514).
    ("claude:claude-sonnet-4-20250514:thinking", "claude-sonnet-4-20250514", "client-prefix+tag"),
    ("openai:gpt-4o", "gpt-4o", "client-prefix"),
    ("claude-sonnet-4.5-think", "claude-sonnet-4.5", "thinking-suffix"),
    ("grok-3-mini-beta-high", "grok-3-mini", "effort-suffix+date"),
    ("gcli/grok-4.6-xhigh", "grok-4.6", "router-prefix+effort-suffix"),
    # An Ollama name:tag is never read as provider:model: the tag is a variant, or follows a versioned name.
    ("mistral-nemo:instruct-2407", "mistral-nemo", "date+ollama-tag"),
    ("qwen2.5-coder:7b-instruct", "qwen2.5-coder-7b", "ollama-tag"),
    ("qwen3-max", "qwen3-max", "exact"),  # -max is a real name's end, never an effort suffix
    # Session 12: an Ollama Cloud tag names the vendor's whole model (not lossy); a sized one stays lossy.
    ("glm-5.2:cloud", "glm-5.2", "ollama-cloud"),
    ("deepseek-v4-pro:cloud", "deepseek-v4-pro", "ollama-cloud"),
    ("kimi-k2:1t-cloud", "kimi-k2", "ollama-tag"),
    # Claude Code's long-context selector leaked into the id (anthropics/claude-code#49781,
    # Wei-Shaw/sub2api#4505): the same model, the context chosen (not lossy; model_id.context-suffix says so).
    ("claude-opus-4-6[1m]", "claude-opus-4-6", "context-selector"),
    ("claude-sonnet-4-6[1M][1m]", "claude-sonnet-4-6", "case+context-selector"),
    ("anthropic/claude-opus-4-6[1m]", "claude-opus-4-6", "context-selector+router-prefix"),
]

LOSSY = {"ollama-tag", "preview", "spelling", "alias", "thinking-suffix", "effort-suffix"}


@pytest.mark.parametrize(("model", "name", "matched_as"), LOOKUPS)
def test_lookup_matches_real_model_ids(model: str, name: str, matched_as: str) -> None:
    info = lookup(model)
    assert info is not None, model
    assert (info.name, info.matched_as, info.origin, info.inferred) == (
        name,
        matched_as,
        "snapshot",
        matched_as != "exact",
    )
    assert info.lossy == next((step for step in matched_as.split("+") if step in LOSSY), None)


def test_a_lossy_match_is_a_warning_never_an_error() -> None:
    """gemma3:27b-it-fp16 behind a gateway: the catalog's gemma3:27b says no tools, but the tag may
    name another build, so the finding says why it is unsure and stays a warning."""
    import json

    from toolguard_core.analyze import analyse_request

    body = {
        "model": "gemma3:27b-it-fp16",
        "messages": [{"role": "user", "content": "Hi"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
    }
    analysis = analyse_request(json.dumps(body), "https://llm.corp.example/v1/chat/completions")
    found = [(f.rule, f.severity.value) for f in analysis.findings if f.rule.startswith("model.")]
    assert found == [("model.tools-unsupported", "warning")]
    [finding] = [f for f in analysis.findings if f.rule == "model.tools-unsupported"]
    assert "lossy normalisation (ollama-tag)" in finding.message


# Capabilities the rules read, for models whose vendor documents them.
CAPABILITIES = [
    ("o3-mini", {"reasoning": True, "vision": False, "reasoning_efforts": ("low", "medium", "high")}),
    (
        "gpt-5.1",
        {"reasoning": True, "function_calling": True, "reasoning_efforts": ("none", "low", "medium", "high")},
    ),
    ("gpt-4o", {"reasoning": False, "vision": True, "function_calling": True, "max_output_tokens": 16384}),
    ("claude-sonnet-4-5", {"vision": True, "function_calling": True, "max_output_tokens": 64000}),
    # Issue 9 round 3 data fixes. OpenAI's answer for the 1106 snapshot (NextChat#3195): 4096 out.
    ("gpt-3.5-turbo-1106", {"max_output_tokens": 4096, "chat_completions": None}),
    # Volcengine Ark's answer for Doubao 1.5 Pro 32k (openclaude#331), under its dated id.
    (
        "doubao-1-5-pro-32k-250115",
        {"name": "doubao-1-5-pro-32k", "max_output_tokens": 12288, "providers": ("volcengine",)},
    ),
    # Issue 9 round 4: GPT-5 pro takes high effort only (VENDOR_FACTS; opencode PR #26268).
    ("gpt-5-pro", {"reasoning": True, "reasoning_efforts": ("high",)}),
    # Session 10: the retired Claude 3 models are Anthropic's (VENDOR_FACTS; Anthropic's model table), so
    # their output limit is the vendor's fact on api.anthropic.com, not a reseller's.
    (
        "claude-3-haiku-20240307",
        {"name": "claude-3-haiku", "max_output_tokens": 4096, "providers": ("anthropic",)},
    ),
    ("claude-3-5-haiku-20241022", {"max_output_tokens": 8192, "providers": ("anthropic",)}),
    # LiteLLM's vendor entries with mode "responses": served by the Responses API only.
    ("gpt-5-codex", {"chat_completions": False}),
    ("gpt-5.1-codex-mini", {"chat_completions": False}),
    ("o3-pro-2025-06-10", {"chat_completions": False}),
    ("gpt-5.1", {"chat_completions": None}),
    # docs/accuracy.md, forty-ninth pass: a vendor whose models.dev directory is its own API (Xiaomi's MiMo: text in only), and a host's
    # own systems filed under its own name (Groq's Compound: no function calling), are the vendor's entries.
    ("mimo-v2.5-pro", {"providers": ("xiaomi",), "vision": False}),
    ("groq/compound-mini", {"providers": ("groq",), "function_calling": False}),
    # LiteLLM's entries for a vendor's own API (xiaomi_mimo, meta_llama, amazon_nova, ai21, inception, sarvam).
    ("mimo-v2.6-pro", {"providers": ("xiaomi_mimo",), "function_calling": True}),
    ("amazon-nova/nova-pro-v1", {"providers": ("amazon_nova",)}),
    # LiteLLM's supports_sampling_params false on Anthropic's own entries: the Claude models after Opus 4.8
    # and Sonnet 5 take no temperature either (models.dev's flag stops there).
    ("claude-opus-5", {"temperature": False, "providers": ("anthropic",)}),
    ("claude-haiku-5-5", {"temperature": False}),
    # Routers' own-named entries are routing aliases, not models they make.
    ("openrouter/auto", {"providers": ()}),
]


@pytest.mark.parametrize(("model", "expected"), CAPABILITIES)
def test_snapshot_capabilities(model: str, expected: dict[str, object]) -> None:
    info = lookup(model)
    assert info is not None
    assert {k: getattr(info, k) for k in expected} == expected


# (model, host, expected): the Gemini API's own facts about the Gemma 3 models it serves (HOST_FACTS:
# "Function calling is not enabled for models/gemma-3-27b-it", ThatHunky/gryag; Gemma's format has no
# system role, Google's Gemma formatting guide) are read for that host only; elsewhere the model's entry
# (LiteLLM: gemini/gemma-3-27b-it calls functions; models.dev: so it does on OpenRouter) stands.
HOSTED = [
    ("gemma-3-27b-it", "gemini", {"function_calling": False, "system_messages": False, "host": "gemini"}),
    (
        "models/gemma-3-12b-it",
        "gemini",
        {"function_calling": False, "system_messages": False, "vision": False},
    ),
    ("gemma-3-27b-it", None, {"function_calling": True, "system_messages": False, "host": None}),
    # OpenRouter's LiteLLM listing states a larger output limit only: the model's capabilities stand.
    (
        "google/gemma-3-27b-it",
        "openrouter",
        {"function_calling": True, "host": "openrouter", "host_fields": ("max_output_tokens",)},
    ),
    ("gemini-2.5-flash", "gemini", {"function_calling": True, "host": None}),
    # Groq's vision page names the models that take images; gpt-oss is text only (OpenAI's model pages, a vendor
    # fact): Groq's statement, where only one of its listings said it.
    ("openai/gpt-oss-120b", "groq", {"vision": False, "host": "groq", "host_single": ()}),
    ("openai/gpt-oss-20b", "groq", {"vision": False, "host": "groq", "host_single": ()}),
    # The vendor fact on every host: the model's entry no longer says it takes images.
    ("gpt-oss-120b", None, {"vision": False, "host": None}),
]


@pytest.mark.parametrize(("model", "host", "expected"), HOSTED)
def test_host_facts_hold_on_their_host_only(
    model: str, host: str | None, expected: dict[str, object]
) -> None:
    info = Catalog().lookup(model, host)
    assert info is not None
    assert {k: getattr(info, k) for k in expected} == expected


def test_config_models_win_over_host_facts() -> None:
    catalog = Catalog(
        {"gemma-3-27b-it": ModelInfo(name="gemma-3-27b-it", origin="p.toml", function_calling=True)}
    )
    info = catalog.lookup("gemma-3-27b-it", "gemini")
    assert info is not None and info.function_calling is True and info.system_messages is False


@pytest.mark.parametrize("model", ["my-private-finetune-v3", "", "   ", "x" * 400])
def test_unknown_names_are_none(model: str) -> None:
    assert lookup(model) is None


def test_sources_that_disagree_leave_the_capability_unknown() -> None:
    # LiteLLM says deepseek-reasoner has no function calling, models.dev says it has:
    # the catalog does not claim either, so no rule flags tools for it.
    info = lookup("deepseek-reasoner")
    assert info is not None and info.function_calling is None


# --- the refresh script -----------------------------------------------------------------------

EXPECTED_FIXTURE_SNAPSHOT = {
    "_meta": {
        "generated": "2026-01-02",
        "generator": "scripts/refresh_catalog.py",
        "models": 24,
        "host_listings": {
            host: {name: ref for name, ref in (("LiteLLM", ll), ("models.dev", md)) if ref}
            for host, (ll, md) in HOST_LISTINGS.items()
        },
        # Which fields each VENDOR_FACTS entry set, and its sources (whatever the datasets say).
        "vendor_facts": {
            name: {
                "fields": [k for k in ("providers", *_script()._FIELDS) if k in fact],
                "from": [fact["source"]] if isinstance(fact["source"], str) else fact["source"],
                **({"same_as": fact["same_as"]} if "same_as" in fact else {}),
            }
            for name, fact in _script().VENDOR_FACTS.items()
        },
        # What the datasets had under each fact: the fixture lists none of those models, so the facts
        # made their entries (--facts-only takes such an entry out with its fact).
        "vendor_fact_datasets": {
            # (A fact naming a model after another, ``same_as``, applies nothing where that one is not listed.)
            **dict.fromkeys(sorted(n for n, f in _script().VENDOR_FACTS.items() if "same_as" not in f)),
            # The fixture lists grok-4 (models.dev): its entry as it was under the fact.
            "grok-4": {
                "audio_input": False, "function_calling": True, "max_input_tokens": 256000,
                "max_output_tokens": 64000, "reasoning": True, "vision": True,
            },
        },
        "sources": [
            {
                "name": "LiteLLM model map",
                "ref": "litellm@abc123 (2026-01-01)",
                "role": "primary",
                "url": "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json",
            },
            {
                "name": "models.dev",
                "ref": "models.dev@def456 (2026-01-01)",
                "role": "secondary",
                "url": "https://github.com/sst/models.dev",
            },
        ],
    },
    "models": {
        # Only resellers list GLM-4.7 (DeepInfra's entries in both datasets).
        "glm-4.7": {
            "function_calling": True, "tool_choice": True, "vision": False, "audio_input": False, "reasoning": True,
            "structured_output": True, "max_input_tokens": 202752, "max_output_tokens": 202752,
        },
        # Gemini's own entry (calls functions) and Novita's models.dev file (does not) disagree: unknown.
        "gemma-3-27b-it": {
            "providers": ["gemini"], "tool_choice": True, "vision": True, "audio_input": False,
            "system_messages": False, "reasoning": False, "structured_output": True, "max_input_tokens": 131072,
            "max_output_tokens": 16384,
        },
        # VENDOR_FACTS: the vendor's own answer over both datasets (a doubao entry neither lists).
        "doubao-1-5-pro-32k": {"providers": ["volcengine"], "max_input_tokens": 32768, "max_output_tokens": 12288},
        "gpt-3.5-turbo-1106": {"max_output_tokens": 4096},
        # GPT-5 pro's one effort (OpenAI's model page; opencode PR #26268).
        "gpt-5-pro": {"reasoning_efforts": ["high"]},
        # The retired Claude 3 models: Anthropic's output limits, Anthropic as the vendor (its model table).
        "claude-3-haiku": {"providers": ["anthropic"], "max_output_tokens": 4096},
        "claude-3-opus": {"providers": ["anthropic"], "max_output_tokens": 4096},
        "claude-3-5-haiku": {"providers": ["anthropic"], "max_output_tokens": 8192},
        # ... and Doubao's tool-calling models on Ark (Ark's model list, through LobeChat's model cards).
        "doubao-seed-1-6-250615": {"function_calling": True, "vision": True, "reasoning": True},
        "doubao-seed-1-6-thinking-250615": {"function_calling": True, "vision": True, "reasoning": True},
        "doubao-1-5-thinking-pro-250415": {"function_calling": True, "reasoning": True},
        "doubao-1-5-thinking-vision-pro-250428": {"function_calling": True, "vision": True, "reasoning": True},
        # xAI: Grok Code Fast 1 (and its alias) takes text only (OCI's page for it, Copilot's refusal).
        "grok-code-fast-1": {"providers": ["xai"], "vision": False},
        "grok-code-fast": {"providers": ["xai"], "vision": False},
        # OpenAI: gpt-oss takes text only (OpenAI's model pages, llm-leaderboard#73), no vendor API of its own.
        "gpt-oss-120b": {"vision": False},
        "gpt-oss-20b": {"vision": False},
        # The vendor's own entry has mode "responses": Chat Completions is refused.
        "gpt-5-codex": {
            "providers": ["openai"], "function_calling": True, "reasoning": True,
            "max_input_tokens": 272000, "max_output_tokens": 128000, "chat_completions": False,
        },
        # Disagreement on function calling -> absent; the larger limits win.
        "deepseek-reasoner": {
            "providers": ["deepseek"], "tool_choice": False, "vision": False, "audio_input": False,
            "system_messages": True, "reasoning": True, "max_input_tokens": 1000000, "max_output_tokens": 384000,
        },
        # gpt-4o-2024-08-06 said the same as gpt-4o: dropped (the lookup strips dates). A reseller's
        # Responses-only route (perplexity/openai/gpt-4o) says nothing about OpenAI's endpoint.
        "gpt-4o": {
            "providers": ["openai"], "function_calling": True, "parallel_tool_calls": True, "tool_choice": True,
            "vision": True, "system_messages": True, "structured_output": True,
            "max_input_tokens": 128000, "max_output_tokens": 16384,
        },
        "gpt-4o-2024-05-13": {
            "providers": ["openai"], "function_calling": True, "parallel_tool_calls": True, "tool_choice": True,
            "vision": True, "system_messages": True, "max_input_tokens": 128000, "max_output_tokens": 4096,
        },
        # Effort values from LiteLLM's supports_*_reasoning_effort flags.
        "gpt-5.1": {
            "providers": ["openai"], "function_calling": True, "vision": True, "audio_input": False,
            "system_messages": True, "reasoning": True, "reasoning_efforts": ["none", "low", "medium", "high"],
            "max_input_tokens": 272000, "max_output_tokens": 128000,
        },
        # Only in models.dev, through a reseller's file that extends models/xai/grok-4.toml; xAI as its
        # vendor and its image input are VENDOR_FACTS (xAI's image-understanding guide).
        "grok-4": {
            "providers": ["xai"], "function_calling": True, "vision": True, "audio_input": False, "reasoning": True,
            "max_input_tokens": 256000, "max_output_tokens": 64000,
        },
        # A Bedrock key: region, vendor and the model's own name.
        "kimi-k2.5": {"function_calling": True, "vision": True, "max_input_tokens": 262144, "max_output_tokens": 16384},
        # The vendor's own entry wins over azure/o3-mini's; effort values from models.dev.
        "o3-mini": {
            "providers": ["openai"], "function_calling": True, "parallel_tool_calls": False, "tool_choice": True,
            "vision": False, "audio_input": False, "reasoning": True, "reasoning_efforts": ["low", "medium", "high"],
            "structured_output": True, "max_input_tokens": 200000, "max_output_tokens": 100000,
            # models.dev's temperature = false (o3-mini.toml); grok-4's and the others' true is not recorded.
            "temperature": False,
        },
    },
    # HOST_FACTS, whatever the sources: what one host states about the models it serves, with its sources;
    # and the hosts' own listings (HOST_LISTINGS), read from both datasets.
    "hosts": {
        # Both DeepInfra listings say GLM-4.7 takes text only; the limits (LiteLLM 202752, models.dev 16384)
        # take the larger, which is the model's own: not repeated.
        "deepinfra": {"glm-4.7": {"vision": False, "from": ["LiteLLM", "models.dev"]}},
        # Hand-written (HOST_FACTS): DeepSeek's API routes deepseek-v4-flash to V4.1 Flash, which takes images.
        # A model no listing has on the host: the fact is the whole entry, and ``fact`` says so.
        "deepseek": {
            "deepseek-v4-flash": {
                "vision": True,
                "fact": {
                    "fields": ["vision"],
                    "from": [
                        "https://api-docs.deepseek.com/zh-cn/news/news260910/",
                        "https://api-docs.deepseek.com/guides/vision/",
                        "https://github.com/kuan-er/sjtu-agent/pull/182",
                        "https://github.com/coulsontl/ai-toolbox/issues/337",
                    ],
                },
            },
            "deepseek-v4-pro": {
                "vision": True,
                "fact": {
                    "fields": ["vision"],
                    "from": [
                        "https://api-docs.deepseek.com/",
                        "https://github.com/EvoScientist/EvoScientist/pull/483",
                        "https://api-docs.deepseek.com/quick_start/pricing",
                        "https://github.com/gptme/gptme/pull/3799",
                        "https://github.com/ikaijua/Awesome-AITools/pull/967",
                    ],
                },
            },
        },
        "gemini": {
            f"gemma-3-{size}-it": {
                "function_calling": False, "system_messages": False,
                "fact": {
                    "fields": ["function_calling", "system_messages"],
                    "from": [
                        "https://github.com/ThatHunky/gryag/blob/main/docs/features/function-calling-support-detection.md",
                        "https://ai.google.dev/gemma/docs/formatting",
                    ],
                },
            }
            for size in ("12b", "1b", "27b", "4b")
        },
        # The fixture has no Groq listing: Groq's hand-written facts stand alone (the merge with a listing
        # is tests/test_catalog_hosts.py's).
        "groq": {
            name: {
                **{k: v for k, v in fact.items() if k != "source"},
                "fact": {"fields": [k for k in fact if k != "source"], "from": fact["source"]},
            }
            for name, fact in sorted(_GROQ_FACTS.items())
        },
        "perplexity": {
            name: {
                **{k: v for k, v in fact.items() if k != "source"},
                "fact": {
                    "fields": [k for k in fact if k != "source"],
                    "from": [fact["source"]] if isinstance(fact["source"], str) else fact["source"],
                },
            }
            for name, fact in sorted(_PERPLEXITY_FACTS.items())
        },
        "copilot": {
            name: {
                "chat_completions": False,
                "fact": {"fields": ["chat_completions"], "from": fact["source"]},
            }
            for name, fact in sorted(_COPILOT_FACTS.items())
        },
        # Novita's models.dev file says tool_call = false, its LiteLLM entry does not say: one listing. Its
        # LiteLLM entry says system messages are taken, where Gemini's own entry says not: present wins there.
        "novita": {
            "gemma-3-27b-it": {
                "function_calling": False, "system_messages": True, "from": ["LiteLLM", "models.dev"],
                "single": {"function_calling": "models.dev"},
            },
        },
    },
}  # fmt: skip


def test_refresh_script_runs_offline_on_the_fixture(tmp_path: Path) -> None:
    out = tmp_path / "catalog.json"
    result = subprocess.run(
        [
            sys.executable, str(SCRIPT),
            "--litellm", str(FIXTURES / "litellm" / "model_prices_and_context_window.json"),
            "--litellm-ref", "litellm@abc123 (2026-01-01)",
            "--models-dev", str(FIXTURES / "models.dev"),
            "--models-dev-ref", "models.dev@def456 (2026-01-01)",
            "--date", "2026-01-02",
            "--out", str(out),
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text()) == EXPECTED_FIXTURE_SNAPSHOT


def test_refresh_script_needs_a_source(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path / "x.json")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "give --litellm and/or --models-dev" in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_refresh_with_one_source_records_only_that_source() -> None:
    script = _script()
    data = script.snapshot(
        FIXTURES / "litellm" / "model_prices_and_context_window.json", None, "l1", "", "2026-01-02"
    )
    assert [s["name"] for s in data["_meta"]["sources"]] == ["LiteLLM model map"]
    # Without models.dev the LiteLLM-only facts stand (function calling false for the reasoner).
    assert data["models"]["deepseek-reasoner"]["max_output_tokens"] == 65536
    assert data["models"]["deepseek-reasoner"].get("function_calling") is False
    assert "text-embedding-3-small" not in data["models"]


def _toml_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_providers_own_models_are_the_vendors_entries(tmp_path: Path) -> None:
    """models.dev files a provider's own models under its own name (``groq/models/groq/compound.toml``) beside
    the other makers' models it resells (``groq/models/qwen/...``); a vendor's own API directory (Xiaomi's)
    lists only its models. Only those are vendor entries: a reseller's file and a router's alias are not."""
    script = _script()
    root = tmp_path / "models.dev"
    text = 'name = "m"\ntool_call = false\n[modalities]\ninput = ["text"]\noutput = ["text"]\n'
    for rel in (
        "providers/groq/models/groq/compound.toml",
        "providers/groq/models/qwen/qwen3-32b.toml",
        "providers/xiaomi/models/mimo-v2.5-pro.toml",
        "providers/openrouter/models/openrouter/auto.toml",
        "providers/novita-ai/models/xiaomimimo/mimo-v2-flash.toml",
    ):
        _toml_file(root / rel, text)
    models = script.snapshot(None, root, "", "m1 (2026-01-01)", "2026-01-02")["models"]
    names = ("compound", "qwen3-32b", "mimo-v2.5-pro", "auto", "mimo-v2-flash")
    assert {name: models[name].get("providers") for name in names} == {
        "compound": ["groq"],
        "qwen3-32b": None,
        "mimo-v2.5-pro": ["xiaomi"],
        "auto": None,
        "mimo-v2-flash": None,
    }


def test_no_sampling_temperature_is_read_from_both_sources_and_a_disagreement_is_unknown(
    tmp_path: Path,
) -> None:
    """LiteLLM's ``supports_sampling_params: false`` and models.dev's ``temperature = false`` are one fact;
    where models.dev says ``true`` against LiteLLM's false the snapshot records nothing (never flagged), and
    a ``true`` alone is not kept (it says nothing a rule reads)."""
    script = _script()
    litellm = tmp_path / "litellm.json"
    chat = {"litellm_provider": "anthropic", "mode": "chat", "max_output_tokens": 1000}
    litellm.write_text(
        json.dumps(
            {
                "claude-a": {**chat, "supports_sampling_params": False},
                "claude-b": {**chat, "supports_sampling_params": False},
                "claude-c": chat,
            }
        ),
        encoding="utf-8",
    )
    root = tmp_path / "models.dev"
    for name, flag in (("claude-b", "true"), ("claude-c", "true")):
        _toml_file(root / "providers" / "anthropic" / "models" / f"{name}.toml", f"temperature = {flag}\n")
    models = script.snapshot(litellm, root, "l1 (2026-01-01)", "m1 (2026-01-01)", "2026-01-02")["models"]
    assert [models[name].get("temperature") for name in ("claude-a", "claude-b", "claude-c")] == [
        False,
        None,
        None,
    ]


# --- overrides from the providers TOML --------------------------------------------------------

OVERRIDES = """
[models."acme-llm-70b"]
function_calling = false
vision = false
max_output_tokens = 8192

[models."o3-mini"]
max_output_tokens = 50000
"""


def test_toml_models_add_and_override_entries() -> None:
    registry = build_registry(parse_config(OVERRIDES, "providers.toml"), "providers.toml")
    catalog = Target.from_url("https://llm.corp.example/v1/chat/completions", registry).catalog
    assert catalog.lookup("acme/acme-llm-70b") == ModelInfo(
        name="acme-llm-70b",
        matched_as="router-prefix",
        origin="providers.toml",
        function_calling=False,
        vision=False,
        max_output_tokens=8192,
    )
    o3 = catalog.lookup("o3-mini")
    shipped = lookup("o3-mini")
    assert o3 is not None and shipped is not None
    # The field the config sets wins; the snapshot's other fields stay.
    assert (o3.max_output_tokens, o3.origin) == (50000, "providers.toml")
    assert (o3.reasoning, o3.reasoning_efforts, o3.vision) == (
        shipped.reasoning,
        shipped.reasoning_efforts,
        shipped.vision,
    )
    # The default catalog is untouched.
    assert shipped.max_output_tokens == 100000


def test_toml_models_reject_unknown_fields() -> None:
    with pytest.raises(ProvidersConfigError) as raised:
        parse_config('[models."m"]\nfunction_calls = true\n', "p.toml")
    assert (
        str(raised.value)
        == "p.toml: models.m.function_calls: unknown field (check the spelling; see docs/providers.md)"
    )


def test_catalog_overrides_are_case_insensitive() -> None:
    catalog = Catalog({"Acme-LLM": ModelInfo(name="Acme-LLM", origin="cfg", vision=True)})
    info = catalog.lookup("ACME-llm")
    assert info is not None and (info.name, info.vision, info.matched_as) == ("acme-llm", True, "case")


def test_facts_only_reproduces_the_shipped_snapshot(tmp_path: Path) -> None:
    """``--facts-only`` re-applies VENDOR_FACTS offline; on the shipped snapshot it changes nothing (the
    facts are already there, applied last), so a fact added to the table is all a refresh changes."""
    shipped = ROOT / "addon" / "toolguard_core" / "data" / "model_catalog.json"
    out = tmp_path / "catalog.json"
    out.write_bytes(shipped.read_bytes())
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--facts-only", "--out", str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == shipped.read_bytes()


def test_facts_only_takes_out_a_vendor_fact_the_table_no_longer_states(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Session 12: ``--facts-only`` laid the facts over the snapshot's entries, which already held the
    old facts' values, so a fact taken out of VENDOR_FACTS stayed. The snapshot now records what the
    datasets had under each fact, and ``--facts-only`` gives what a full run over the same sources gives:
    two snapshot files, one refreshed with the facts only, one from a full run."""
    script = _script()
    litellm = FIXTURES / "litellm" / "model_prices_and_context_window.json"
    args = (litellm, FIXTURES / "models.dev", "l1", "m1", "2026-01-02")
    # gpt-4o's limit as a vendor fact (its dated snapshots take it too), and one about a model the
    # datasets do not list (the fact makes its entry).
    old = {
        "gpt-4o": {"max_output_tokens": 4096, "source": "https://example.com/old"},
        "acme-1": {"max_output_tokens": 1000, "source": "https://example.com/acme"},
    }
    new = {"acme-1": {"max_output_tokens": 2000, "source": "https://example.com/acme"}}
    monkeypatch.setattr(script, "VENDOR_FACTS", old)
    before = script.snapshot(*args)
    assert before["models"]["gpt-4o"]["max_output_tokens"] == 4096
    assert "gpt-4o-2024-08-06" not in before["models"]  # the fact made it repeat its base: dropped
    refreshed = tmp_path / "refreshed.json"
    refreshed.write_text(script.dump(before), encoding="utf-8")

    monkeypatch.setattr(script, "VENDOR_FACTS", new)
    assert script.main(["--facts-only", "--out", str(refreshed)]) == 0
    full = tmp_path / "full.json"
    full.write_text(script.dump(script.snapshot(*args)), encoding="utf-8")
    assert refreshed.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")
    models = json.loads(refreshed.read_text(encoding="utf-8"))["models"]
    assert models["gpt-4o"]["max_output_tokens"] == 16384  # LiteLLM's value, the fact gone
    assert models["acme-1"]["max_output_tokens"] == 2000
    assert "gpt-4o-2024-08-06" in models or "gpt-4o-2024-05-13" in models  # as the datasets have them

    # A snapshot written before the record: said, and the facts only laid over it (no full run's answer).
    stale = json.loads(script.dump(before))
    del stale["_meta"]["vendor_fact_datasets"]
    refreshed.write_text(script.dump(stale), encoding="utf-8")
    capsys.readouterr()
    assert script.main(["--facts-only", "--out", str(refreshed)]) == 0
    assert "no record of the datasets' entries under the vendor facts" in capsys.readouterr().err
    assert json.loads(refreshed.read_text(encoding="utf-8"))["models"]["gpt-4o"]["max_output_tokens"] == 4096


def test_a_vendor_fact_holds_for_the_models_dated_snapshots() -> None:
    """LiteLLM lists gpt-5-pro-2025-10-06 with gpt-5's four efforts; the fact (high only) is the snapshot's too,
    so the dated entry then says what the base says and is dropped, as the shipped snapshot has it."""
    script = _script()
    four = {"reasoning": True, "reasoning_efforts": ["minimal", "low", "medium", "high"]}
    models = {"gpt-5-pro": dict(four), "gpt-5-pro-2025-10-06": dict(four), "gpt-5-pro-max": dict(four)}
    script.apply_vendor_facts(models, {"gpt-5-pro": {"reasoning_efforts": ["high"], "source": "x"}})
    assert models["gpt-5-pro-2025-10-06"]["reasoning_efforts"] == ["high"]
    assert models["gpt-5-pro-max"]["reasoning_efforts"] == four["reasoning_efforts"]
    assert set(script._drop_dated_aliases(models)) == {"gpt-5-pro", "gpt-5-pro-max"}


def test_the_catalog_resolves_model_ids_from_public_threads() -> None:
    """Session 11's measure (docs/accuracy.md): 87 ids of 2025-2026 models as users and gateways spelled
    them in public threads (vendor prefixes, dates, ``:free``/``-latest``/``@cf/``, Bedrock and Vertex
    ids, Ollama tags, a client's ``provider:model``, relays' variants), each with its thread. 84 resolve
    (``kimi-for-coding`` since session 20: models.dev's entry for Kimi Code's plan id, a vendor fact);
    the rest are models no dataset lists (a CodeQwen GGUF file, Together's ``Llama-3-8b-chat-hf``,
    Ollama's ``gemma4:e4b-mlx``)."""
    rows = [
        line.split("\t") for line in (ROOT / "tests/data/catalog/model-ids-11.tsv").read_text().splitlines()
    ]
    assert len(rows) == 87 and all(source.startswith("https://github.com/") for _, source in rows)
    unresolved = sorted(model for model, _ in rows if lookup(model) is None)
    assert unresolved == [
        "codeqwen-1_5-7b-chat-q5_k_m.gguf",
        "gemma4:e4b-mlx",
        "meta-llama/Llama-3-8b-chat-hf",
    ]


def _model_ids_13() -> list[list[str]]:
    path = ROOT / "tests/data/catalog/model-ids-13.tsv"
    return [line.split("\t") for line in path.read_text().splitlines()]


@pytest.mark.parametrize(("model", "entry", "steps", "source", "note"), _model_ids_13())
def test_real_model_ids_resolve_to_the_right_entry_or_to_none(
    model: str, entry: str, steps: str, source: str, note: str
) -> None:
    """Session 13's table (docs/accuracy.md): ids users and servers really send, from dev rows and probe
    files (``corpus:<row id>``) and public threads, each with the entry it must resolve to and the steps
    taken, or ``-`` where any entry would be a guess (an Azure deployment name, a fine-tune, a size the
    datasets do not list; the note says why). A lossy step (a spelling, a relay's effort suffix) makes
    every finding read from the entry a warning."""
    assert source.startswith(("https://", "corpus:")) and note
    info = lookup(model)
    if entry == "-":
        assert info is None, (model, info and (info.name, info.matched_as), note)
        return
    assert info is not None, (model, note)
    assert (info.name, info.matched_as) == (entry, steps), note
    assert info.lossy == next((step for step in steps.split("+") if step in LOSSY), None)


def _model_ids_15() -> list[list[str]]:
    path = ROOT / "tests/data/catalog/model-ids-15.tsv"
    return [line.split("\t") for line in path.read_text().splitlines()]


@pytest.mark.parametrize(("model", "entry", "steps", "source", "note"), _model_ids_15())
def test_2026_model_ids_resolve_to_the_right_entry_or_to_none(
    model: str, entry: str, steps: str, source: str, note: str
) -> None:
    """The forty-ninth pass's table (docs/accuracy.md): ids of 2026 models as users, gateways and clouds send them
    (probe round 15's rows as ``corpus:<row id>``, and threads and catalog pull requests), each with the
    entry and steps it must resolve by, or ``-`` where any entry would be a guess."""
    test_real_model_ids_resolve_to_the_right_entry_or_to_none(model, entry, steps, source, note)


def _model_ids_16() -> list[list[str]]:
    path = ROOT / "tests/data/catalog/model-ids-16.tsv"
    return [line.split("\t") for line in path.read_text().splitlines()]


@pytest.mark.parametrize(("model", "entry", "steps", "source", "note"), _model_ids_16())
def test_late_2026_model_ids_resolve_to_the_right_entry_or_to_none(
    model: str, entry: str, steps: str, source: str, note: str
) -> None:
    """Session 16's table (docs/accuracy.md): late-2026 ids (gpt-6, Kimi K3, Gemini 3.7 Flash, Claude on Vertex
    ``@default`` and Bedrock ``global.`` profiles, DeepSeek V4.1, relays' prefixes and ``:free``) from probe round
    16's rows (``corpus:<row id>``) and public threads, each with the entry and steps it must resolve by, or ``-``
    where any entry would be a guess."""
    test_real_model_ids_resolve_to_the_right_entry_or_to_none(model, entry, steps, source, note)


def _model_ids_17() -> list[list[str]]:
    path = ROOT / "tests/data/catalog/model-ids-17.tsv"
    return [line.split("\t") for line in path.read_text().splitlines()]


@pytest.mark.parametrize(("model", "entry", "steps", "source", "note"), _model_ids_17())
def test_session_17_model_ids_resolve_to_the_right_entry_or_to_none(
    model: str, entry: str, steps: str, source: str, note: str
) -> None:
    """Session 17's table (docs/accuracy.md): ids from probe round 17's rows (``corpus:<row id>``) and public threads
    (GPT-5.5/5.6 snapshots, Claude Sonnet 5 and Fable 5, Copilot's dotted Claude names, Mistral Medium 3.5, Grok 4.6,
    MiniMax-M3 spellings, OpenCode Go's prefix, Antigravity's effort suffix), each with the entry and steps it must
    resolve by, or ``-`` where any entry would be a guess (a relay's ``-fast`` aliases, Cursor's Composer, a client's
    short MiniMax name)."""
    test_real_model_ids_resolve_to_the_right_entry_or_to_none(model, entry, steps, source, note)


def test_a_relays_fast_alias_of_an_openai_model_gets_its_familys_rules_by_name() -> None:
    """gpt-5.6-luna-fast (a relay's priority alias no dataset lists) behind a gateway: the gpt-5.1+ family's rules
    run by the name, saying so, and the rest is noted skipped."""
    from toolguard_core.analyze import analyse_request

    body = {"model": "gpt-5.6-luna-fast", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 100}
    findings = analyse_request(json.dumps(body), "https://llm.corp.example/v1/chat/completions").findings
    errors = [f for f in findings if str(f.severity) == "error"]
    assert [(f.rule, f.location) for f in errors] == [("model.max-tokens-on-reasoning-model", "max_tokens")]
    assert "model.rules-skipped" in {f.rule for f in findings}


def test_an_unlisted_gpt6_variant_gets_its_familys_rules_by_name() -> None:
    """gpt-6-astra-pro (a catalog variant no dataset lists) behind a gateway: the gpt-6-astra family's rules run
    by the name, saying the catalog has no entry and the provider was inferred, and the rest is noted skipped."""
    from toolguard_core.analyze import analyse_request

    body = {"model": "gpt-6-astra-pro", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 100}
    findings = analyse_request(json.dumps(body), "https://llm.corp.example/v1/chat/completions").findings
    errors = [f for f in findings if str(f.severity) == "error"]
    assert [(f.rule, f.location) for f in errors] == [("model.max-tokens-on-reasoning-model", "max_tokens")]
    assert "inferred" in errors[0].message
    assert "model.rules-skipped" in {f.rule for f in findings}


def test_the_session_13_table_reaches_every_new_step() -> None:
    """Each normalisation step added in session 13 is exercised by a real id in the table (a step with no
    real id behind it would be a guess)."""
    used = {step for _, _, steps, _, _ in _model_ids_13() for step in steps.split("+")}
    assert {"azure-name", "quant", "org-prefix", "spelling", "effort-suffix", "namespace"} <= used
