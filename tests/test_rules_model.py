"""The catalog-driven model rules (``model.*``): every example gives its documented severity, every
corrected example gives no model finding, the provider is inferred from the model name on an
unrecognised host (through the real CLI), and nothing is reported twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.rule_cases import URLS

from toolguard_core.analyze import analyse_request
from toolguard_core.profiles_config import build_registry, parse_config
from toolguard_core.request import Target
from toolguard_core.rules import RULES
from toolguard_core.rules.model import _words

ROOT = Path(__file__).resolve().parent.parent
GENERIC = "https://llm.corp.example/v1/chat/completions"
USER = {"role": "user", "content": "Hello"}
GEMINI_NATIVE = "https://generativelanguage.googleapis.com/v1beta/models"
GEMINI_USER = {"role": "user", "parts": [{"text": "Hello"}]}
PNG = RULES["model.image-unsupported"].example["messages"][0]["content"][1]  # type: ignore[index]
MODEL_RULES = sorted(rule_id for rule_id in RULES if rule_id.startswith("model."))


def model_findings(body: dict[str, Any], url: str, registry: Any = None) -> list[tuple[str, str, str]]:
    target = Target.from_url(url, registry) if registry is not None else None
    analysis = analyse_request(json.dumps(body), url, target=target)
    assert not analysis.internal_errors, analysis.internal_errors
    return [(f.rule, str(f.severity), f.location) for f in analysis.findings if f.rule.startswith("model.")]


# rule -> location of its example's finding (the corrected example is the rule's own ``fixed``).
LOCATIONS: dict[str, str] = {
    "model.tools-unsupported": "tools",
    "model.image-unsupported": "messages[0].content[1]",
    "model.audio-unsupported": "messages[0].content[0]",
    "model.parallel-tool-calls-unsupported": "parallel_tool_calls",
    "model.max-tokens-above-limit": "max_tokens",
    "model.context-window-exceeded": "messages",
    "model.reasoning-effort-value": "reasoning_effort",
    "model.system-role-unsupported": "messages[0].role",
    "model.max-tokens-on-reasoning-model": "max_tokens",
    "model.sampling-on-reasoning-model": "temperature",
    "model.temperature-with-top-p": "top_p",
    "model.tool-choice-unsupported": "tool_choice",
    "model.rules-skipped": "model",
    "model.chat-completions-unsupported": "model",
    "model.json-schema-unsupported": "response_format.type",
    "model.tools-with-reasoning-effort": "reasoning_effort",
    "model.temperature-unsupported": "temperature",
    "model.prefill-unsupported": "messages[1].role",
    "model.effort-unsupported": "output_config.effort",
    "model.thinking-level-unsupported": "generationConfig.thinkingConfig.thinkingLevel",
    "model.thinking-budget-unsupported": "generationConfig.thinkingConfig.thinkingBudget",
    "model.prompt-mode-unsupported": "prompt_mode",
}


def test_every_model_rule_has_a_corrected_example() -> None:
    assert sorted(LOCATIONS) == MODEL_RULES
    assert all(RULES[rule_id].fixed is not None for rule_id in MODEL_RULES)


@pytest.mark.parametrize("rule_id", MODEL_RULES)
def test_example_gives_the_documented_severity(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.example is not None
    assert model_findings(rule.example, rule.example_url) == [
        (rule_id, str(rule.severity), LOCATIONS[rule_id])
    ]


@pytest.mark.parametrize("rule_id", MODEL_RULES)
def test_corrected_example_gives_no_model_finding(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.fixed is not None
    assert model_findings(rule.fixed, rule.fixed_url or rule.example_url) == []


# (case, url, body, expected model findings): severity per provider, no double reports.
CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str]]]] = [
    # On OpenAI itself the family rules report these; the model rules stay quiet.
    ("openai-o3-max-tokens", URLS["openai"], {"model": "o3-mini", "messages": [USER], "max_tokens": 100}, []),
    ("openai-o3-temperature", URLS["openai"], {"model": "o3-mini", "messages": [USER], "temperature": 0.2}, []),
    (
        "openai-o1-mini-system",
        URLS["openai"],
        {"model": "o1-mini", "messages": [{"role": "system", "content": "x"}, USER]},
        [],
    ),
    ("openai-effort-no-model-takes", URLS["openai"], {"model": "o3-mini", "messages": [USER], "reasoning_effort": "extreme"}, []),
    # parallel_tool_calls without tools is the tools rule's; other vendors accept the key.
    ("openai-o3-parallel-no-tools", URLS["openai"], {"model": "o3", "messages": [USER], "parallel_tool_calls": False}, []),
    (
        "openrouter-gpt-4o-parallel",
        URLS["openrouter"],
        {"model": "openai/gpt-4o", "messages": [USER], "tools": [{"type": "function", "function": {"name": "f"}}], "parallel_tool_calls": True},
        [],
    ),
    (
        "generic-o3-parallel",
        GENERIC,
        {"model": "o3", "messages": [USER], "tools": [{"type": "function", "function": {"name": "f"}}], "parallel_tool_calls": True},
        [("model.parallel-tool-calls-unsupported", "error", "parallel_tool_calls")],
    ),
    # The same requests through an unrecognised gateway: the model's rules, provider inferred.
    (
        "generic-o3-top-p",
        GENERIC,
        {"model": "openai/o3-mini", "messages": [USER], "top_p": 0.5, "presence_penalty": 1},
        [
            ("model.sampling-on-reasoning-model", "error", "presence_penalty"),
            ("model.sampling-on-reasoning-model", "error", "top_p"),
        ],
    ),
    (
        "generic-o1-mini-system",
        GENERIC,
        {"model": "o1-mini", "messages": [{"role": "system", "content": "x"}, USER]},
        # The o1-mini family's rejection is OpenAI's own ("'messages[0].role' does not support 'system'
        # with this model."), as for max_tokens on the same model: an error whatever the catalog's source.
        [("model.system-role-unsupported", "error", "messages[0].role")],
    ),
    (
        "generic-o1-mini-developer",
        GENERIC,
        {"model": "o1-mini-2024-09-12", "messages": [{"role": "developer", "content": "x"}, USER]},
        [("model.system-role-unsupported", "error", "messages[0].role")],
    ),
    (
        "generic-gpt-5.1-sampling-with-effort-none",
        GENERIC,
        {"model": "gpt-5.1", "messages": [USER], "reasoning_effort": "none", "temperature": 0.3},
        [],
    ),
    (
        "generic-gpt-5.1-minimal",
        GENERIC,
        {"model": "gpt-5.1", "messages": [USER], "reasoning_effort": "minimal"},
        [("model.reasoning-effort-value", "error", "reasoning_effort")],
    ),
    (
        "generic-gpt-4o-output-limit",
        GENERIC,
        {"model": "gpt-4o-2024-08-06", "messages": [USER], "max_completion_tokens": 65536},
        [("model.max-tokens-above-limit", "error", "max_completion_tokens")],
    ),
    # A host that serves the model but is not its vendor: warnings.
    (
        "groq-llama-context",
        URLS["groq"],
        {"model": "llama-3.3-70b-versatile", "messages": [USER], "max_tokens": 1_000_000},
        [("model.max-tokens-above-limit", "warning", "max_tokens")],
    ),
    # Self-hosted servers run whatever the operator loaded: silent.
    # A local server's model gets no model rules, and the note says so without blame (session 23).
    ("vllm-gpt-4o-named", URLS["vllm"], {"model": "gpt-4o", "messages": [USER], "max_tokens": 100_000}, [("model.rules-skipped", "info", "model")]),
    ("ollama-o3-named", URLS["ollama"], {"model": "o3-mini", "messages": [USER], "max_tokens": 100}, [("model.rules-skipped", "info", "model")]),
    # An Ollama Cloud tag is not the operator's model: Ollama relays it to ollama.com, which answers for
    # the vendor's model ("this model does not support image input", anthropics/claude-code#91112).
    (
        "ollama-cloud-tag-image",
        URLS["ollama"],
        {"model": "glm-5.2:cloud", "messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, PNG]}]},
        [("model.image-unsupported", "error", "messages[0].content[1]")],
    ),
    (
        "ollama-cloud-tag-text-only-request",
        URLS["ollama"],
        {"model": "glm-5.2:cloud", "messages": [USER], "max_tokens": 100},
        [],
    ),
    (
        "ollama-local-tag-image-stays-silent",
        URLS["ollama"],
        {"model": "glm-5.2:latest", "messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, PNG]}]},
        [("model.rules-skipped", "info", "model")],  # no image finding: only the note that the local model got no model rules
    ),
    # The context bound: words are a certain lower bound (error), characters/4 an estimate (warning).
    (
        "openai-gpt-4-likely-too-long",
        URLS["openai"],
        {"model": "gpt-4", "messages": [{"role": "user", "content": ("x" * 19 + " ") * 2000}]},
        [("model.context-window-exceeded", "warning", "messages")],
    ),
    (
        "deepseek-chat-within-window",
        URLS["deepseek"],
        {"model": "deepseek-chat", "messages": [{"role": "user", "content": "word " * 9000}]},
        [],
    ),
    # DeepSeek's models take text only (corpus b-0120, DeepSeek-V3#337).
    (
        "deepseek-reasoner-image",
        URLS["deepseek"],
        {"model": "deepseek-reasoner", "messages": [{"role": "user", "content": [PNG, {"type": "text", "text": "?"}]}]},
        [("model.image-unsupported", "error", "messages[0].content[0]")],
    ),
    # Catalog sources disagree on deepseek-reasoner's tool calling: not flagged.
    (
        "deepseek-reasoner-tools",
        URLS["deepseek"],
        {"model": "deepseek-reasoner", "messages": [USER], "tools": [{"type": "function", "function": {"name": "f"}}]},
        [],
    ),
    # Known provider, unknown model: no "skipped" note (the provider's own rules ran).
    # A name neither the catalog nor OpenAI's families know: said so (info), so "0 errors" is not read as
    # "the model was checked"; a self-hosted server's names are its own, so there it says nothing.
    (
        "openai-unknown-model",
        URLS["openai"],
        {"model": "ft:acme-x", "messages": [USER]},
        [("model.rules-skipped", "info", "model")],
    ),
    ("vllm-unknown-model-silent", URLS["vllm"], {"model": "acme-x", "messages": [USER]}, [("model.rules-skipped", "info", "model")]),
    # A gateway's alias of an OpenAI family model (a LiteLLM model group, BerriAI/litellm#33738): no
    # catalog entry, but the name is the gpt-5 family's, judged as OpenAI by the family rules only.
    (
        "litellm-alias-gpt-5-nano-temperature",
        "http://localhost:4000/v1/chat/completions",
        {"model": "gpt-5-nano-env", "temperature": 0.1, "messages": [USER]},
        # The family's rule, and (session 14) one note that the catalog's own rules did not run for the name.
        [("model.rules-skipped", "info", "model"), ("model.sampling-on-reasoning-model", "error", "temperature")],
    ),
    (
        "litellm-alias-gpt-5-nano-temperature-1",
        "http://localhost:4000/v1/chat/completions",
        {"model": "gpt-5-nano-env", "temperature": 1, "messages": [USER]},
        [("model.rules-skipped", "info", "model")],
    ),
    # The same model family on the Responses API (the thread quotes both endpoints).
    (
        "litellm-alias-responses-temperature",
        "http://localhost:4000/v1/responses",
        {"model": "gpt-5-nano-env", "temperature": 0.1, "input": "Hi."},
        # Session 18: the note that the catalog's rules did not run is said on the Responses API too.
        [("model.rules-skipped", "info", "model"), ("model.sampling-on-reasoning-model", "error", "temperature")],
    ),
    (
        "generic-responses-gpt-5.1-effort-none",
        "https://llm.corp.example/v1/responses",
        {"model": "gpt-5.1", "temperature": 0.3, "reasoning": {"effort": "none"}, "input": "Hi."},
        [],
    ),
    # Claude 4.5+ through a gateway (Bedrock's OpenAI-compatible endpoint via LiteLLM,
    # skydiscover-ai/skydiscover#15): temperature or top_p, not both. Claude 4.0 takes both.
    (
        "generic-claude-sonnet-4-6-temperature-and-top-p",
        "https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1/chat/completions",
        {"model": "claude-sonnet-4-6", "messages": [USER], "temperature": 0.7, "top_p": 0.9},
        [("model.temperature-with-top-p", "error", "top_p")],
    ),
    (
        "generic-claude-sonnet-4-temperature-and-top-p",
        GENERIC,
        {"model": "claude-sonnet-4-20250514", "messages": [USER], "temperature": 0.7, "top_p": 0.9},
        [],
    ),
    # Anthropic's Messages API answers max_tokens above the model's limit (anthropics/claude-code#24451).
    (
        "anthropic-opus-4-5-max-tokens",
        "https://api.anthropic.com/v1/messages",
        {"model": "claude-opus-4-5-20251101", "max_tokens": 128001, "messages": [USER]},
        [("model.max-tokens-above-limit", "error", "max_tokens")],
    ),
    (
        "anthropic-opus-4-5-max-tokens-at-limit",
        "https://api.anthropic.com/v1/messages",
        {"model": "claude-opus-4-5-20251101", "max_tokens": 64000, "messages": [USER]},
        [],
    ),
    # Under ?beta=true an output beta may raise the limit (Claude 3.7 Sonnet's output-128k): not judged.
    (
        "anthropic-beta-max-tokens",
        "https://api.anthropic.com/v1/messages?beta=true",
        {"model": "claude-3-7-sonnet-20250219", "max_tokens": 128000, "messages": [USER]},
        [],
    ),
    # No beta raises a later model's limit: Claude Code always sends ?beta=true, and Anthropic refuses its
    # CLAUDE_CODE_MAX_OUTPUT_TOKENS above Opus 4.5's 64,000 (anthropics/claude-code#24451).
    (
        "anthropic-beta-opus-4-5-max-tokens",
        "https://api.anthropic.com/v1/messages?beta=true",
        {"model": "claude-opus-4-5-20251101", "max_tokens": 128001, "messages": [USER]},
        [("model.max-tokens-above-limit", "error", "max_tokens")],
    ),
    (
        "anthropic-beta-opus-4-6-max-tokens-at-limit",
        "https://api.anthropic.com/v1/messages?beta=true",
        {"model": "claude-opus-4-6", "max_tokens": 128000, "messages": [USER]},
        [],
    ),
    # Vertex's rawPredict (its beta headers unseen, so "may be beta"): the same limit ("req_vrtx_" ids,
    # RooCodeInc/Roo-Code#8454), including the @default version Claude Code sends.
    (
        "vertex-opus-4-5-default-max-tokens",
        "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/"
        "claude-opus-4-5@default:rawPredict",
        {"anthropic_version": "vertex-2023-10-16", "max_tokens": 200000, "messages": [USER]},
        [("model.max-tokens-above-limit", "error", "max_tokens")],
    ),
    (
        "vertex-sonnet-4-5-dated-max-tokens",
        "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/"
        "claude-sonnet-4-5@20250929:rawPredict",
        {"anthropic_version": "vertex-2023-10-16", "max_tokens": 64000, "messages": [USER]},
        [],
    ),
    (
        "vertex-sonnet-3-7-beta-max-tokens",
        "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/"
        "claude-3-7-sonnet@20250219:rawPredict",
        {"anthropic_version": "vertex-2023-10-16", "max_tokens": 128000, "messages": [USER]},
        [],
    ),
    # gpt-4's output limit spans its 8192-token window: max_tokens 8192 leaves no room for the prompt
    # ("you requested 8256 tokens (64 in the messages, 8192 in the completion)", NextChat#3195).
    (
        "openai-gpt-4-completion-fills-window",
        URLS["openai"],
        {"model": "gpt-4", "messages": [USER], "max_tokens": 8192},
        [("model.context-window-exceeded", "error", "messages")],
    ),
    ("openai-gpt-4-completion-leaves-room", URLS["openai"], {"model": "gpt-4", "messages": [USER], "max_tokens": 8000}, []),
    # gpt-4o's window is input-only in the catalog (128k in, 16k out): the completion is not added.
    ("openai-gpt-4o-max-output", URLS["openai"], {"model": "gpt-4o", "messages": [USER], "max_tokens": 16384}, []),
    # GitHub Copilot answers OpenAI's own texts for OpenAI's models (caozhiyuan/copilot-api#164).
    (
        "copilot-gpt-5-mini-max-tokens",
        URLS["copilot"],
        {"model": "gpt-5-mini", "messages": [USER], "max_tokens": 100},
        [("model.max-tokens-on-reasoning-model", "error", "max_tokens")],
    ),
    ("copilot-gpt-4-1-max-tokens", URLS["copilot"], {"model": "gpt-4.1", "messages": [USER], "max_tokens": 100}, []),
    # Copilot relays the catalog's OpenAI facts too: "'reasoning_effort' does not support 'xhigh' with
    # this model. Supported values are: 'minimal', 'low', 'medium', and 'high'." (kaitranntt/ccs#344).
    (
        "copilot-gpt-5-mini-effort-xhigh",
        URLS["copilot"],
        {"model": "gpt-5-mini", "messages": [USER], "reasoning_effort": "xhigh"},
        [("model.reasoning-effort-value", "error", "reasoning_effort")],
    ),
    # The Responses API's reasoning.effort against the model's values (openai/openai-agents-python#2089).
    (
        "openai-responses-gpt-5.1-effort-minimal",
        "https://api.openai.com/v1/responses",
        {"model": "gpt-5.1", "input": "Hi.", "reasoning": {"effort": "minimal"}},
        [("model.reasoning-effort-value", "error", "reasoning.effort")],
    ),
    (
        "generic-responses-gpt-5-effort-minimal-ok",
        "https://llm.corp.example/v1/responses",
        {"model": "gpt-5", "input": "Hi.", "reasoning": {"effort": "minimal"}},
        [],
    ),
    (
        "copilot-claude-max-tokens",
        URLS["copilot"],
        {"model": "claude-sonnet-4", "messages": [USER], "max_tokens": 100, "temperature": 0.2},
        [],
    ),
    # deepseek-reasoner takes no forced tool_choice (google-gemini/gemini-fullstack-langgraph-quickstart#123);
    # `auto` is not known to fail, and deepseek-chat takes it.
    (
        "deepseek-reasoner-required",
        URLS["deepseek"],
        {"model": "deepseek-reasoner", "messages": [USER], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "required"},
        [("model.tool-choice-unsupported", "error", "tool_choice")],
    ),
    (
        "deepseek-reasoner-auto",
        URLS["deepseek"],
        {"model": "deepseek-reasoner", "messages": [USER], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "auto"},
        [],
    ),
    (
        "deepseek-chat-required",
        URLS["deepseek"],
        {"model": "deepseek-chat", "messages": [USER], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "required"},
        [],
    ),
    # The Responses API on OpenAI's and Azure's own hosts (ThinkInAIXYZ/deepchat#655: o3, temperature).
    (
        "openai-responses-o3-mini-temperature",
        "https://api.openai.com/v1/responses",
        {"model": "o3-mini", "temperature": 0.2, "input": "Hi."},
        [("model.sampling-on-reasoning-model", "error", "temperature")],
    ),
    (
        "azure-responses-o4-mini-top-p",
        "https://example.openai.azure.com/openai/v1/responses",
        {"model": "o4-mini", "top_p": 0.5, "input": "Hi."},
        [("model.sampling-on-reasoning-model", "error", "top_p")],
    ),
    ("openai-responses-gpt-4o-temperature", "https://api.openai.com/v1/responses", {"model": "gpt-4o", "temperature": 0.2, "input": "Hi."}, []),
    ("openai-responses-gpt-5-temperature-1", "https://api.openai.com/v1/responses", {"model": "gpt-5", "temperature": 1, "input": "Hi."}, []),
    (
        "openai-responses-gpt-5.1-effort-none",
        "https://api.openai.com/v1/responses",
        {"model": "gpt-5.1", "temperature": 0.3, "reasoning": {"effort": "none"}, "input": "Hi."},
        [],
    ),
    # Responses-only models on Chat Completions (issue 9 round 3): OpenAI's and Azure's validator and
    # Copilot's relay refuse them; a gateway may translate (a warning); OpenRouter translates (silent).
    ("openai-codex-chat", URLS["openai"], {"model": "gpt-5-codex", "messages": [USER]}, [("model.chat-completions-unsupported", "error", "model")]),
    ("openai-o3-pro-dated-chat", URLS["openai"], {"model": "o3-pro-2025-06-10", "messages": [USER]}, [("model.chat-completions-unsupported", "error", "model")]),
    ("azure-codex-chat", URLS["azure"], {"model": "gpt-5.1-codex-mini", "messages": [USER]}, [("model.chat-completions-unsupported", "error", "model")]),
    ("copilot-codex-chat", "https://api.githubcopilot.com/chat/completions", {"model": "gpt-5.1-codex", "messages": [USER]}, [("model.chat-completions-unsupported", "error", "model")]),
    ("generic-codex-chat", GENERIC, {"model": "gpt-5-codex", "messages": [USER]}, [("model.chat-completions-unsupported", "warning", "model")]),
    ("openrouter-codex-chat", URLS["openrouter"], {"model": "openai/gpt-5-codex", "messages": [USER]}, []),
    ("openai-codex-responses", "https://api.openai.com/v1/responses", {"model": "gpt-5-codex", "input": "Hi."}, []),
    ("openai-gpt-5.1-chat", URLS["openai"], {"model": "gpt-5.1", "messages": [USER]}, []),
    # Structured Outputs on a model without them: OpenAI's validator (error), a gateway (may emulate:
    # warning), the Responses API's text.format; JSON mode and a model with them are fine.
    ("openai-gpt-4-json-schema", URLS["openai"], {"model": "gpt-4", "messages": [USER], "response_format": {"type": "json_schema", "json_schema": {"name": "o", "schema": {"type": "object"}}}}, [("model.json-schema-unsupported", "error", "response_format.type")]),
    ("azure-gpt-35-turbo-json-schema", URLS["azure"], {"model": "gpt-3.5-turbo", "messages": [USER], "response_format": {"type": "json_schema", "json_schema": {"name": "o", "schema": {"type": "object"}}}}, [("model.json-schema-unsupported", "error", "response_format.type")]),
    ("generic-gpt-4-turbo-json-schema", GENERIC, {"model": "gpt-4-turbo", "messages": [USER], "response_format": {"type": "json_schema", "json_schema": {"name": "o", "schema": {"type": "object"}}}}, [("model.json-schema-unsupported", "warning", "response_format.type")]),
    ("openai-responses-gpt-4-json-schema", "https://api.openai.com/v1/responses", {"model": "gpt-4", "input": "Hi.", "text": {"format": {"type": "json_schema", "name": "o", "schema": {"type": "object"}}}}, [("model.json-schema-unsupported", "error", "text.format.type")]),
    ("openai-gpt-4-json-object", URLS["openai"], {"model": "gpt-4", "messages": [{"role": "user", "content": "JSON please"}], "response_format": {"type": "json_object"}}, []),
    ("openai-gpt-4o-json-schema", URLS["openai"], {"model": "gpt-4o", "messages": [USER], "response_format": {"type": "json_schema", "json_schema": {"name": "o", "schema": {"type": "object"}}}}, []),
    # Claude 4.5+ takes temperature or top_p: through Copilot (Anthropic's validator answers,
    # copilot-eclipse-feedback#79), a Bedrock id on a gateway (the id names the vendor), a LiteLLM alias
    # (lossy: a warning), a Bedrock id on a server known by its port only (a warning); not Claude 4.0,
    # not a self-hosted model.
    ("copilot-claude-4.5-both", "https://api.githubcopilot.com/chat/completions", {"model": "claude-sonnet-4.5", "messages": [USER], "temperature": 0, "top_p": 1}, [("model.temperature-with-top-p", "error", "top_p")]),
    ("copilot-claude-4-both", "https://api.githubcopilot.com/chat/completions", {"model": "claude-sonnet-4", "messages": [USER], "temperature": 0, "top_p": 1}, []),
    ("generic-bedrock-id-both", GENERIC, {"model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "messages": [USER], "temperature": 0.7, "top_p": 1}, [("model.temperature-with-top-p", "error", "top_p")]),
    ("generic-alias-both", GENERIC, {"model": "bedrock-claude-sonnet-4-5", "messages": [USER], "temperature": 0.7, "top_p": 1}, [("model.temperature-with-top-p", "warning", "top_p")]),
    ("port-8000-bedrock-id-both", "http://localhost:8000/api/v1/chat/completions", {"model": "eu.anthropic.claude-haiku-4-5-20251001-v1:0", "messages": [USER], "temperature": 0.7, "top_p": 1}, [("model.temperature-with-top-p", "warning", "top_p")]),
    ("port-8000-qwen-both", "http://localhost:8000/v1/chat/completions", {"model": "Qwen/Qwen3-8B", "messages": [USER], "temperature": 0.7, "top_p": 1}, [("model.rules-skipped", "info", "model")]),
    # A reasoning effort sent to a model that does not reason (issue 9 round 4): OpenAI's "Unrecognized
    # request argument supplied: reasoning_effort" (generative-computing/mellea#270) and, on the Responses
    # API, "'reasoning.effort' is not supported with this model" (BoundaryML/baml#2708); Copilot relays its
    # OpenAI models; a gateway is judged as the vendor; null is accepted; OpenAI's own host answers through
    # params.* on Chat Completions (no model.* duplicate there).
    ("copilot-gpt-4.1-effort", URLS["copilot"], {"model": "gpt-4.1", "messages": [USER], "reasoning_effort": "medium"}, [("model.reasoning-effort-value", "error", "reasoning_effort")]),
    ("copilot-gpt-4o-dated-effort", URLS["copilot"], {"model": "gpt-4o-2024-11-20", "messages": [USER], "reasoning_effort": "medium"}, [("model.reasoning-effort-value", "error", "reasoning_effort")]),
    ("openai-responses-gpt-4o-effort", "https://api.openai.com/v1/responses", {"model": "gpt-4o", "input": "Hi.", "reasoning": {"effort": "medium"}}, [("model.reasoning-effort-value", "error", "reasoning.effort")]),
    ("generic-gpt-4o-mini-effort", GENERIC, {"model": "gpt-4o-mini", "messages": [USER], "reasoning_effort": "none"}, [("model.reasoning-effort-value", "error", "reasoning_effort")]),
    ("generic-gpt-4o-mini-effort-null", GENERIC, {"model": "gpt-4o-mini", "messages": [USER], "reasoning_effort": None}, []),
    ("generic-deepseek-chat-effort", GENERIC, {"model": "deepseek-chat", "messages": [USER], "reasoning_effort": "high"}, [("model.reasoning-effort-value", "warning", "reasoning_effort")]),
    ("openai-gpt-4o-effort-is-params", URLS["openai"], {"model": "gpt-4o", "messages": [USER], "reasoning_effort": "low"}, []),
    # GPT-5 pro reasons at high effort only (OpenAI's model page; opencode PR #26268).
    ("openai-responses-gpt-5-pro-medium", "https://api.openai.com/v1/responses", {"model": "gpt-5-pro", "input": "Hi.", "reasoning": {"effort": "medium"}}, [("model.reasoning-effort-value", "error", "reasoning.effort")]),
    ("openai-responses-gpt-5-pro-high", "https://api.openai.com/v1/responses", {"model": "gpt-5-pro", "input": "Hi.", "reasoning": {"effort": "high"}}, []),
    # Gemini's native API reads the catalog too (models9), with the Gemini API's own facts about the Gemma 3
    # models it serves (the catalog's host facts): any systemInstruction, even rig#788's empty one ("Developer
    # instruction is not enabled for models/gemma-3-27b-it"), and functionDeclarations ("Function calling is
    # not enabled for models/gemma-3-27b-it", ThatHunky/gryag's notes). Gemini models take both; other hosts
    # give Gemma 3 tools (OpenRouter), so only the Gemini API's requests are judged so.
    (
        "gemini-native-gemma-system",
        f"{GEMINI_NATIVE}/gemma-3-12b-it:generateContent",
        {"contents": [GEMINI_USER], "systemInstruction": {"parts": [{"thought": False, "text": ""}], "role": "model"}},
        [("model.system-role-unsupported", "error", "systemInstruction")],
    ),
    (
        "gemini-native-gemma-tools",
        f"{GEMINI_NATIVE}/gemma-3-27b-it:streamGenerateContent?alt=sse",
        {"contents": [GEMINI_USER], "tools": [{"functionDeclarations": [{"name": "calculator", "parameters": {"type": "OBJECT"}}]}]},
        [("model.tools-unsupported", "error", "tools")],
    ),
    (
        "gemini-native-gemini-system-tools",
        f"{GEMINI_NATIVE}/gemini-2.5-flash:generateContent",
        {"contents": [GEMINI_USER], "system_instruction": {"parts": [{"text": "Be brief."}]}, "tools": [{"function_declarations": [{"name": "calculator"}]}]},
        [],
    ),
    (
        "gemini-openai-gemma-tools",
        "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
        {"model": "gemma-3-27b-it", "messages": [USER], "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]},
        [("model.tools-unsupported", "error", "tools")],
    ),
    (
        "openrouter-gemma-tools",
        URLS["openrouter"],
        {"model": "google/gemma-3-27b-it", "messages": [USER], "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]},
        [],
    ),
    # xAI's -beta ids name the same model (grok-3-mini-beta is grok-3-mini).
    (
        "generic-grok-3-mini-beta-known",
        GENERIC,
        {"model": "grok-3-mini-beta", "messages": [USER], "max_tokens": 100},
        [],
    ),
    # Session 14: DashScope and DeepSeek answer a `max_tokens` above the vendor entry's limit with the range
    # (open-webui#10507, pollinations#1291): an error there; the limit itself is accepted.
    ("dashscope-qwen-max-over", URLS["dashscope"], {"model": "qwen-max", "messages": [USER], "max_tokens": 32000}, [("model.max-tokens-above-limit", "error", "max_tokens")]),
    ("dashscope-qwen-max-at-limit", URLS["dashscope"], {"model": "qwen-max", "messages": [USER], "max_tokens": 8192}, []),
    ("deepseek-chat-over", URLS["deepseek"], {"model": "deepseek-chat", "messages": [USER], "max_tokens": 400000}, [("model.max-tokens-above-limit", "error", "max_tokens")]),
    # Mistral's answer to an over-limit `max_tokens` is not collected: still a warning there.
    ("mistral-over-limit-warning", URLS["mistral"], {"model": "mistral-small-latest", "messages": [USER], "max_tokens": 10**7}, [("model.max-tokens-above-limit", "warning", "max_tokens")]),
]  # fmt: skip


@pytest.mark.parametrize(("url", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_model_rules_per_provider(
    url: str, body: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    assert model_findings(body, url) == expected


def test_config_models_make_an_unknown_model_checkable() -> None:
    registry = build_registry(
        parse_config(
            '[models."acme-llm-70b"]\nfunction_calling = false\nmax_output_tokens = 8192\n', "p.toml"
        ),
        "p.toml",
    )
    body = {
        "model": "acme/acme-llm-70b",
        "messages": [USER],
        "max_tokens": 10000,
        "tools": [{"type": "function", "function": {"name": "f"}}],
    }
    analysis = analyse_request(json.dumps(body), GENERIC, target=Target.from_url(GENERIC, registry))
    assert [
        (f.rule, str(f.severity), f.location) for f in analysis.findings if f.rule.startswith("model.")
    ] == [
        ("model.tools-unsupported", "error", "tools"),
        ("model.max-tokens-above-limit", "error", "max_tokens"),
    ]
    assert all("your providers config" in f.message for f in analysis.findings if f.rule.startswith("model."))
    # Without the config the same request only says the model rules were skipped.
    assert model_findings(body, GENERIC) == [("model.rules-skipped", "info", "model")]


def _cli(body: dict[str, Any], url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(body))
    toolguard = Path(sys.executable).parent / "toolguard"
    return subprocess.run(
        [str(toolguard), "check", str(path), "--url", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "HOME": str(tmp_path)},
        cwd=ROOT,
    )


def test_cli_infers_the_provider_from_the_model_on_an_unknown_host(tmp_path: Path) -> None:
    # Acceptance (issue #9): o3-mini with max_tokens behind an unrecognised host.
    body = {"model": "o3-mini", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    result = _cli(body, GENERIC, tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("error model.max-tokens-on-reasoning-model at max_tokens: o3-mini ")
    assert "the provider (OpenAI) was inferred from the model name" in lines[0]
    assert lines[1:] == [f"1 error(s), 0 warning(s) for OpenAI-compatible (unknown provider) ({GENERIC})"]


def test_cli_says_once_that_model_rules_were_skipped(tmp_path: Path) -> None:
    body = {"model": "acme-finetune-v3", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    result = _cli(body, GENERIC, tmp_path)
    assert result.returncode == 0, result.stderr
    skipped = [line for line in result.stdout.splitlines() if "model.rules-skipped" in line]
    assert skipped == [
        "info model.rules-skipped at model: toolguard knows neither this host (llm.corp.example) nor the "
        "model 'acme-finetune-v3', so the model rules (tools, images, limits, reasoning parameters) were "
        'skipped. Map the host with [[gateway]] or add [models."acme-finetune-v3"] in the providers config '
        "to check them."
    ]


_SKIPPED_ON_HOST = (
    "the model catalog does not know {model!r} on {host}, so the model rules (tools, images, limits, reasoning "
    'parameters) were skipped; the provider\'s own rules ran. Add [models."{model}"] in the providers config, or '
    "refresh the catalog (scripts/refresh_catalog.py), to check them."
)
_SKIPPED_ANYWHERE = (
    "toolguard knows neither {host} nor the model {model!r}, so the model rules (tools, images, limits, reasoning "
    'parameters) were skipped. Map the host with [[gateway]] or add [models."{model}"] in the providers config to '
    "check them."
)
_MESSAGES_BODY = {"model": "acme-9", "max_tokens": 100, "messages": [USER]}
_RESPONSES_BODY = {"model": "acme-9", "input": "Hi."}
_GEMINI_BODY = {"contents": [GEMINI_USER]}


# Session 18 (issue 9): a model the catalog does not know is said to be unchecked on every API the model rules read,
# not only on Chat Completions (before, the Responses, Messages and Gemini native APIs passed it with no word); a
# known model gets no note, and a self-hosted server's names are its own.
@pytest.mark.parametrize(
    ("url", "body", "message"),
    [
        (
            URLS["openai"],
            {"model": "acme-9", "messages": [USER]},
            _SKIPPED_ON_HOST.format(model="acme-9", host="OpenAI"),
        ),
        (
            "https://api.openai.com/v1/responses",
            _RESPONSES_BODY,
            _SKIPPED_ON_HOST.format(model="acme-9", host="OpenAI"),
        ),
        (
            "https://llm.corp.example/v1/responses",
            _RESPONSES_BODY,
            _SKIPPED_ANYWHERE.format(host="this host (llm.corp.example)", model="acme-9"),
        ),
        (
            "https://api.anthropic.com/v1/messages",
            _MESSAGES_BODY,
            _SKIPPED_ON_HOST.format(model="acme-9", host="Anthropic"),
        ),
        (
            "https://llm.corp.example/v1/messages",
            _MESSAGES_BODY,
            _SKIPPED_ANYWHERE.format(host="this host (llm.corp.example)", model="acme-9"),
        ),
        (
            f"{GEMINI_NATIVE}/acme-9:generateContent",
            _GEMINI_BODY,
            _SKIPPED_ON_HOST.format(model="acme-9", host="Gemini"),
        ),
        (
            "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/"
            "models/acme-9:generateContent",
            _GEMINI_BODY,
            _SKIPPED_ANYWHERE.format(
                host="which vendor's model Google Vertex AI serves here", model="acme-9"
            ),
        ),
        # Known models: nothing to say.
        ("https://api.anthropic.com/v1/messages", {**_MESSAGES_BODY, "model": "claude-opus-4-8"}, None),
        ("https://api.openai.com/v1/responses", {**_RESPONSES_BODY, "model": "gpt-5.2"}, None),
        (f"{GEMINI_NATIVE}/gemini-2.5-flash:generateContent", _GEMINI_BODY, None),
        # A self-hosted server (Ollama's Anthropic-compatible API) serves whatever it was given: said
        # without blame since session 23 (trial22: "0 with findings" read as checked).
        (
            "http://localhost:11434/v1/messages",
            _MESSAGES_BODY,
            "Ollama serves whatever models it was given, so the catalogue's model rules (tools, images, limits, "
            "reasoning parameters) were skipped for 'acme-9'; Ollama's own rules ran. Nothing to fix: this note "
            "says what was not checked.",
        ),
    ],
)
def test_an_unknown_model_is_said_to_be_unchecked_on_every_api(
    url: str, body: dict[str, Any], message: str | None
) -> None:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors, analysis.internal_errors
    notes = [
        (str(f.severity), f.location, f.message) for f in analysis.findings if f.rule == "model.rules-skipped"
    ]
    assert notes == ([] if message is None else [("info", "model", message)])


def test_an_alias_judged_by_its_family_name_says_the_provider_was_inferred() -> None:
    body = {"model": "gpt-5-nano-env", "temperature": 0.1, "messages": [USER]}
    analysis = analyse_request(json.dumps(body), "http://localhost:4000/v1/chat/completions")
    [finding] = [f for f in analysis.findings if f.rule == "model.sampling-on-reasoning-model"]
    assert "the provider (OpenAI) was inferred from the model name" in finding.message
    # Only the family's rules ran: said once, never as "the model was checked" (session 14).
    [note] = [f for f in analysis.findings if f.rule == "model.rules-skipped"]
    assert (
        str(note.severity) == "info"
        and "only OpenAI's documented rules for its model family ran" in note.message
    )


def test_a_beta_suffix_matches_the_catalog_entry() -> None:
    from toolguard_core.catalog import lookup

    info = lookup("grok-3-mini-beta")
    assert info is not None and (info.name, info.matched_as) == ("grok-3-mini", "date")


# The context-window bound (issue #12): a body of at most 4 bytes a token of the window is never
# walked; a larger one is measured on its text only, so bulky non-text content (an image's data URL)
# does not make a finding, and the word count stays a lower bound on str.split()'s.
IMAGE_MB = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 600_000}}


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        (
            "bulky-image-within-window",
            {
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": [IMAGE_MB, {"type": "text", "text": "?"}]}],
            },
            [],
        ),
        (
            "words-over-window",
            {"model": "gpt-4", "messages": [{"role": "user", "content": "word\t" * 9000}]},
            [("model.context-window-exceeded", "error", "messages")],
        ),
        (
            # No-break spaces are not counted as separators: fewer words, the estimate's warning.
            "no-break-spaces-are-not-word-breaks",
            {"model": "gpt-4", "messages": [{"role": "user", "content": "word\u00a0" * 9000}]},
            [("model.context-window-exceeded", "warning", "messages")],
        ),
    ],
)
def test_context_window_bound(name: str, body: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    findings = analyse_request(json.dumps(body).encode(), URLS["openai"]).findings
    assert [
        (f.rule, str(f.severity), f.location) for f in findings if f.rule.startswith("model.")
    ] == expected


@pytest.mark.parametrize(
    "text",
    ["", "one", "  two  words ", "a\tb\nc\rd\x0be\x0cf\x1cg\x1fh", "tabs\t\t\tand\n\nnewlines", "é è ü"],
)
def test_word_count_equals_split_on_ascii_whitespace(text: str) -> None:
    assert _words(text) == len(text.split())


def test_word_count_is_a_lower_bound_with_unicode_spaces() -> None:
    text = "a\u00a0b\u3000c d"
    assert _words(text) == 2 < len(text.split()) == 4


# A model both datasets list under its maker and a marketplace (Alibaba Cloud serves DeepSeek's, Moonshot's
# and Z.ai's models): on a gateway the maker is the vendor judged, the one whose model families name it.
@pytest.mark.parametrize(
    ("model", "serving", "maker"),
    [
        ("deepseek-v4-pro", ["dashscope", "deepseek"], "deepseek"),
        ("deepseek/deepseek-v4-pro", ["dashscope", "deepseek"], "deepseek"),  # a router's id
        ("kimi-k2.7-code", ["dashscope", "moonshot"], "moonshot"),
        ("glm-5.1", ["dashscope", "zhipu"], "dashscope"),  # no family names it: the first listed
        ("qwen3-max", ["dashscope"], "dashscope"),
    ],
)
def test_a_gateway_judges_a_resold_model_as_its_makers(model: str, serving: list[str], maker: str) -> None:
    from toolguard_core.catalog import lookup
    from toolguard_core.rules.model import _INFERABLE, VENDOR_IDS, _maker

    info = lookup(model)
    assert info is not None
    assert [p for p in _INFERABLE if VENDOR_IDS[p] & set(info.providers)] == serving  # the catalog's listing
    assert _maker(model, serving) == maker


def test_images_to_deepseek_v4_pro_behind_a_gateway_are_an_error_judged_as_deepseek() -> None:
    # DeepSeek's API takes text parts only (api-docs.deepseek.com create-chat-completion); behind a gateway
    # the same model refused an image_url part with DeepSeek's deserializer text (probe-models-11's zcode
    # row, scored before this change). Before, the gateway judged it as Alibaba Cloud's: a warning.
    body = {"model": "deepseek-v4-pro", "messages": [{"role": "user", "content": [PNG]}]}
    analysis = analyse_request(json.dumps(body), GENERIC)
    found = [f for f in analysis.findings if f.rule == "model.image-unsupported"]
    assert [str(f.severity) for f in found] == ["error"]
    assert "the provider (DeepSeek) was inferred" in found[0].message


# Z.ai/Zhipu and Alibaba Cloud refuse an image part for their own text models (the rule's predicted texts:
# router-for-me/CLIProxyAPIPlus#69, DayuanJiang/next-ai-draw-io#656, aliyun/iac-code#54); their vision
# models take it, and Moonshot (no refusal text found) keeps the warning.
@pytest.mark.parametrize(
    ("url", "model", "severity"),
    [
        ("https://open.bigmodel.cn/api/paas/v4/chat/completions", "glm-4.6", "error"),
        ("https://api.z.ai/api/paas/v4/chat/completions", "glm-5.1", "error"),
        ("https://api.z.ai/api/paas/v4/chat/completions", "glm-4.6v", None),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions", "qwen3.7-max", "error"),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions", "qwen3-coder-plus", "error"),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions", "qwen-vl-max", None),
        ("https://api.moonshot.ai/v1/chat/completions", "kimi-k2-0905-preview", "warning"),
        # xAI answers "The model does not support image input but some images are present in the request."
        # (lobehub/lobehub#7360). Grok Code Fast 1 is text only (VENDOR_FACTS: OCI's page for it, both
        # datasets said images); Grok 4 sees images (a reseller's "text only" was warned about before).
        ("https://api.x.ai/v1/chat/completions", "grok-code-fast-1", "error"),
        ("https://api.x.ai/v1/chat/completions", "grok-code-fast-1-0825", "error"),
        ("https://api.x.ai/v1/chat/completions", "grok-4", None),
        ("https://api.x.ai/v1/chat/completions", "grok-4-0709", None),
        (GENERIC, "x-ai/grok-code-fast-1", "error"),  # judged as xAI's
        # Copilot refuses it in its own words ("image media type not supported", microsoft/vscode#263970): not
        # a relay of xAI's validator, but a refusal, and a model without image input has no vision encoder on
        # any host (RULE_CERTAIN, session 14), so the host-not-vendor doubt does not apply to images.
        ("https://api.githubcopilot.com/chat/completions", "grok-code-fast-1", "error"),
    ],
)
def test_images_to_a_vendors_own_text_model_on_its_own_api(
    url: str, model: str, severity: str | None
) -> None:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "What?"}, PNG]}],
    }
    found = [s for rule, s, _ in model_findings(body, url) if rule == "model.image-unsupported"]
    assert found == ([severity] if severity else [])


# gpt-oss takes text only (OpenAI's model pages): an error on Groq, whose vision page names the models that take
# images (a host fact) and which refuses an image part to a text model (vercel/ai#2837); a warning where only a
# reseller's listing or the vendor fact over resellers' entries says it; nothing for Groq's vision model.
@pytest.mark.parametrize(
    ("url", "model", "severity"),
    [
        ("https://api.groq.com/openai/v1/chat/completions", "openai/gpt-oss-120b", "error"),
        ("https://api.groq.com/openai/v1/chat/completions", "openai/gpt-oss-20b", "error"),
        (
            "https://api.groq.com/openai/v1/chat/completions",
            "meta-llama/llama-4-scout-17b-16e-instruct",
            None,
        ),
        ("https://api.together.xyz/v1/chat/completions", "openai/gpt-oss-120b", "warning"),
        (GENERIC, "gpt-oss-120b", "warning"),
        ("http://localhost:8000/v1/chat/completions", "openai/gpt-oss-120b", None),
    ],
)
def test_images_to_gpt_oss(url: str, model: str, severity: str | None) -> None:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "What?"}, PNG]}],
    }
    found = [s for rule, s, _ in model_findings(body, url) if rule == "model.image-unsupported"]
    assert found == ([severity] if severity else [])


# Anthropic removed the sampling parameters from Claude Opus 4.7 on (the catalog's `temperature` false, from
# models.dev); a temperature of 1 is the default, earlier Claude models and OpenAI's (params.* judges those)
# are not this rule's, and a reseller cloud may drop the field itself.
@pytest.mark.parametrize(
    ("url", "body", "severity"),
    [
        ("https://api.anthropic.com/v1/messages", {"model": "claude-opus-4-7", "temperature": 0.2}, "error"),
        ("https://api.anthropic.com/v1/messages", {"model": "claude-opus-4-8", "temperature": 0}, "error"),
        ("https://api.anthropic.com/v1/messages", {"model": "claude-opus-4-7", "temperature": 1}, None),
        ("https://api.anthropic.com/v1/messages", {"model": "claude-opus-4-6", "temperature": 0.2}, None),
        (GENERIC, {"model": "claude-opus-4-7", "temperature": 0.2}, "error"),  # judged as Anthropic's
        (GENERIC, {"model": "gpt-5.1", "temperature": 0.2}, None),
        (
            "https://ai-gateway.vercel.sh/v1/chat/completions",
            {"model": "claude-opus-4-7", "temperature": 0.2},
            None,
        ),
        (
            "http://localhost:11434/v1/chat/completions",
            {"model": "claude-opus-4-7", "temperature": 0.2},
            None,
        ),
    ],
)
def test_temperature_to_a_claude_model_without_sampling(
    url: str, body: dict[str, Any], severity: str | None
) -> None:
    request = {"max_tokens": 1024, "messages": [USER], **body}
    found = [s for rule, s, _ in model_findings(request, url) if rule == "model.temperature-unsupported"]
    assert found == ([severity] if severity else [])


# Kimi through a gateway in front of Moonshot (OpenCode Go passes Moonshot's "invalid temperature: only 1 is
# allowed for this model", decolua/9router#1935): judged as Moonshot where the vendor's entry says the model takes
# no temperature, while it thinks. api.moonshot.ai is quirks.kimi-thinking-temperature's; a model the entry does
# not mark (kimi-k2.6), thinking switched off on a model that can, a temperature of 1, a reseller cloud and
# OpenRouter (its own host) are not this rule's.
@pytest.mark.parametrize(
    ("url", "body", "severity"),
    [
        (GENERIC, {"model": "kimi-k2.7-code", "temperature": 0.1}, "error"),
        (GENERIC, {"model": "moonshotai/kimi-k2.7-code", "temperature": 0.6}, "error"),
        (GENERIC, {"model": "kimi-k2.5", "temperature": 0.6}, "error"),
        (GENERIC, {"model": "kimi-k2.5", "temperature": 0.6, "thinking": {"type": "disabled"}}, None),
        (GENERIC, {"model": "kimi-k2.7-code", "temperature": 0.6, "thinking": {"type": "disabled"}}, "error"),
        (GENERIC, {"model": "kimi-k2.7-code", "temperature": 1}, None),
        (GENERIC, {"model": "kimi-k2.6", "temperature": 0.6}, None),
        (
            "https://api.moonshot.ai/v1/chat/completions",
            {"model": "kimi-k2.7-code", "temperature": 0.1},
            None,
        ),
        (
            "https://openrouter.ai/api/v1/chat/completions",
            {"model": "moonshotai/kimi-k2.5", "temperature": 0.1},
            None,
        ),
        (
            "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions",
            {"model": "kimi-k2.7-code", "temperature": 0.1},
            None,
        ),
        ("http://localhost:8000/v1/chat/completions", {"model": "kimi-k2.7-code", "temperature": 0.1}, None),
    ],
)
def test_temperature_to_a_thinking_kimi_model_through_a_gateway(
    url: str, body: dict[str, Any], severity: str | None
) -> None:
    request = {"messages": [USER], **body}
    found = [s for rule, s, _ in model_findings(request, url) if rule == "model.temperature-unsupported"]
    assert found == ([severity] if severity else [])


def test_moonshots_own_host_reports_the_kimi_temperature_once() -> None:
    body = {"model": "kimi-k2.7-code", "messages": [USER], "temperature": 0.1}
    analysis = analyse_request(json.dumps(body), "https://api.moonshot.ai/v1/chat/completions")
    rules = [f.rule for f in analysis.findings if f.location == "temperature"]
    assert rules == ["quirks.kimi-thinking-temperature"]


def test_claude_code_on_vertex_gets_the_temperature_finding_though_its_requests_may_be_beta() -> None:
    url = (
        "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/"
        "models/claude-opus-4-7:rawPredict"
    )
    body = {
        "anthropic_version": "vertex-2023-10-16",
        "max_tokens": 1024,
        "temperature": 0.3,
        "messages": [USER],
    }
    assert ("model.temperature-unsupported", "error", "temperature") in model_findings(body, url)


def test_an_ollama_cloud_tag_on_the_messages_api_is_judged_as_ollama_cloud() -> None:
    """Claude Code against a local Ollama relaying glm-5.x:cloud: an image block for a text model is refused
    ("400 this model does not support image input", anthropics/claude-code#91112); a vision model is not
    flagged, nor a local model (the operator's)."""
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
    url = "http://localhost:11434/v1/messages"

    def body(model: str) -> dict[str, Any]:
        return {"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": [image]}]}

    assert model_findings(body("glm-5.2:cloud"), url) == [
        ("model.image-unsupported", "error", "messages[0].content[0]")
    ]
    assert model_findings(body("qwen3-vl:235b-cloud"), url) == []
    assert model_findings(body("glm-5.2:latest"), url) == [
        ("model.rules-skipped", "info", "model")
    ]  # the operator's model: not judged


# Session 13: Claude's generation facts by name. Prefills are refused from Opus/Sonnet 4.6 on (Anthropic's
# "Prefill removal"; anthropics/claude-code#52433, langchain-ai/deepagents#1585); the effort parameter
# exists on Opus 4.5+, Sonnet 4.6+ and Claude 5 only ("This model does not support the effort parameter.",
# anthropics/claude-code#30795). Each on Anthropic's API, a gateway judged as Anthropic, and Bedrock.
_PREFILL = [{"role": "user", "content": "Answer in JSON."}, {"role": "assistant", "content": "{"}]
_ANTHROPIC = "https://api.anthropic.com/v1/messages"


@pytest.mark.parametrize(
    ("url", "model", "messages", "severity"),
    [
        (_ANTHROPIC, "claude-opus-4-6", _PREFILL, "error"),
        (_ANTHROPIC, "claude-sonnet-4-6", _PREFILL, "error"),
        (_ANTHROPIC, "claude-opus-4-7", _PREFILL, "error"),
        (_ANTHROPIC, "claude-sonnet-5", _PREFILL, "error"),
        (_ANTHROPIC, "claude-sonnet-4-5-20250929", _PREFILL, None),  # takes a prefill
        (_ANTHROPIC, "claude-haiku-4-5", _PREFILL, None),
        (_ANTHROPIC, "claude-opus-4-6", _PREFILL[:1], None),  # ends with the user's turn
        (
            _ANTHROPIC,
            "claude-opus-4-6",
            [
                _PREFILL[0],
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]},
            ],
            None,  # a pending tool call, not a prefill
        ),
        (GENERIC, "claude-opus-4-6", _PREFILL, "error"),  # judged as Anthropic's
        (GENERIC, "anthropic/claude-opus-4-6", _PREFILL, "error"),
        (GENERIC, "gpt-4o", _PREFILL, None),
        # Copilot's Claude prefills are roles.assistant-last's (one finding, not two).
        ("https://api.githubcopilot.com/chat/completions", "claude-opus-4.6", _PREFILL, None),
    ],
)
def test_a_prefill_to_a_claude_model_that_takes_none(
    url: str, model: str, messages: list[dict[str, object]], severity: str | None
) -> None:
    body: dict[str, object] = {"model": model, "messages": messages}
    if url == _ANTHROPIC:
        body["max_tokens"] = 1024
    found = [s for rule, s, _ in model_findings(body, url) if rule == "model.prefill-unsupported"]
    assert found == ([severity] if severity else [])


@pytest.mark.parametrize(
    ("model", "severity"),
    [
        ("claude-haiku-4-5-20251001", "error"),
        ("claude-sonnet-4-5", "error"),
        ("claude-opus-4-1", "error"),
        ("claude-opus-4-5", None),
        ("claude-opus-4-6", None),
        ("claude-sonnet-4-6", None),
        ("claude-opus-4-7", None),
        ("claude-sonnet-5", None),
        ("claude-fable-5", None),
    ],
)
def test_the_effort_parameter_to_a_claude_model_without_it(model: str, severity: str | None) -> None:
    body = {"model": model, "max_tokens": 1024, "output_config": {"effort": "low"}, "messages": [_PREFILL[0]]}
    found = [s for rule, s, _ in model_findings(body, _ANTHROPIC) if rule == "model.effort-unsupported"]
    assert found == ([severity] if severity else [])
    without = {k: v for k, v in body.items() if k != "output_config"}
    assert not [r for r, _, _ in model_findings(without, _ANTHROPIC) if r == "model.effort-unsupported"]
