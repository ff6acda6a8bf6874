"""Provider facts of issue 9's session-12 round (probe round 10), over the request shapes their sources
quote: each case is a provider, a request it refuses (or one it accepts), and the severity the rule
declares there. The same shape on a provider that accepts it keeps that provider's level, so what a
provider accepts is never flagged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request

USER = {"role": "user", "content": "Hello"}

OPENROUTER = "https://openrouter.ai/api/v1/chat/completions"
OPENAI = "https://api.openai.com/v1/chat/completions"


def findings(body: dict[str, Any], url: str, rule: str) -> list[tuple[str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors
    return [(f.severity.value, f.location) for f in analysis.findings if f.rule == rule]


def messages(analysis_body: dict[str, Any], url: str, rule: str) -> list[str]:
    analysis = analyse_request(json.dumps(analysis_body), url)
    return [f.message for f in analysis.findings if f.rule == rule]


# model_id.router-without-vendor: OpenRouter's catalogue names every model vendor/model and refuses any
# other id as "<id> is not a valid model ID" (BerriAI/litellm#24795, anomalyco/models.dev#1753).
ROUTER_ID_CASES = [
    ("gpt-4o", OPENROUTER, [("error", "model")]),
    ("claude-sonnet-4-6", OPENROUTER, [("error", "model")]),
    ("anthropic/claude-sonnet-4.6", OPENROUTER, []),
    ("openrouter/auto", OPENROUTER, []),
    # OpenAI's own ids are bare: nothing to say there.
    ("gpt-4o", OPENAI, []),
]


@pytest.mark.parametrize(("model", "url", "expected"), ROUTER_ID_CASES)
def test_openrouter_bare_model_id(model: str, url: str, expected: list[tuple[str, str]]) -> None:
    body = {"model": model, "messages": [USER]}
    assert findings(body, url, "model_id.router-without-vendor") == expected


@pytest.mark.parametrize(
    ("model", "hint"),
    [
        ("claude-sonnet-4-6", "'anthropic/claude-sonnet-4-6'"),
        ("ministral-3b", "'mistralai/ministral-3b'"),
        ("grok-4", "'x-ai/grok-4'"),
        ("some-new-model", "'<vendor>/some-new-model'"),
    ],
)
def test_openrouter_fix_names_the_models_vendor(model: str, hint: str) -> None:
    """The fix names the vendor OpenRouter files the model under, not OpenAI for every model."""
    (message,) = messages({"model": model, "messages": [USER]}, OPENROUTER, "model_id.router-without-vendor")
    assert hint in message


DEEPSEEK = "https://api.deepseek.com/chat/completions"
GROQ = "https://api.groq.com/openai/v1/chat/completions"

# params.wrong-type: DeepSeek's serde request model converts nothing ("temperature: invalid type: string
# \"1.3\", expected f32", NotIvny/Yunzai-DeepSeek-JS#2); vLLM converts numeric strings (lax), Groq is unconfirmed.
WRONG_TYPE_CASES = [
    (DEEPSEEK, "deepseek-chat", {"temperature": "1.3"}, [("error", "temperature")]),
    (DEEPSEEK, "deepseek-chat", {"max_tokens": ""}, [("error", "max_tokens")]),
    (DEEPSEEK, "deepseek-chat", {"temperature": 1.3, "max_tokens": 512}, []),
    (GROQ, "llama-3.3-70b-versatile", {"temperature": "1.3"}, [("warning", "temperature")]),
]


@pytest.mark.parametrize(("url", "model", "fields", "expected"), WRONG_TYPE_CASES)
def test_deepseek_takes_no_string_for_a_number(
    url: str, model: str, fields: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    body = {"model": model, "messages": [USER], **fields}
    assert findings(body, url, "params.wrong-type") == expected


GEMINI = "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"

# Reasoning that cannot be switched off. Google's OpenAI-compatibility page: "you can set reasoning_effort to
# "none" for 2.5 models. Reasoning cannot be turned off for Gemini 2.5 Pro or 3 models." OpenRouter answers
# "Reasoning is mandatory for this endpoint and cannot be disabled." (earendil-works/pi#4316, step-3.5-flash;
# musistudio/claude-code-router#1215, MiniMax-M2.5; elie222/rakazo#114 verified reasoning {enabled: false}
# refused and {effort: low} answered for google/gemini-3.7-flash).
REASONING_OFF_CASES = [
    (
        OPENROUTER,
        "google/gemini-3.7-flash",
        {"reasoning": {"enabled": False}},
        "quirks.thinking-cannot-be-disabled",
        [("error", "reasoning.enabled")],
    ),
    (
        OPENROUTER,
        "stepfun/step-3.5-flash",
        {"reasoning": {"effort": "none"}},
        "quirks.thinking-cannot-be-disabled",
        [("error", "reasoning.effort")],
    ),
    (
        OPENROUTER,
        "google/gemini-2.5-pro",
        {"reasoning_effort": "none"},
        "quirks.thinking-cannot-be-disabled",
        [("error", "reasoning_effort")],
    ),
    (
        OPENROUTER,
        "google/gemini-3.7-flash",
        {"reasoning": {"effort": "low"}},
        "quirks.thinking-cannot-be-disabled",
        [],
    ),
    # A model whose reasoning can be switched off: not judged.
    (
        OPENROUTER,
        "google/gemini-2.5-flash",
        {"reasoning": {"enabled": False}},
        "quirks.thinking-cannot-be-disabled",
        [],
    ),
    (
        OPENROUTER,
        "openai/gpt-4o",
        {"reasoning": {"enabled": False}},
        "quirks.thinking-cannot-be-disabled",
        [],
    ),
    (
        GEMINI,
        "gemini-3-pro-preview",
        {"reasoning_effort": "none"},
        "quirks.gemini-reasoning-effort-none",
        [("error", "reasoning_effort")],
    ),
    (
        GEMINI,
        "gemini-2.5-pro",
        {"reasoning_effort": "none"},
        "quirks.gemini-reasoning-effort-none",
        [("error", "reasoning_effort")],
    ),
    (GEMINI, "gemini-2.5-flash", {"reasoning_effort": "none"}, "quirks.gemini-reasoning-effort-none", []),
    (GEMINI, "gemini-3-pro-preview", {"reasoning_effort": "low"}, "quirks.gemini-reasoning-effort-none", []),
]


@pytest.mark.parametrize(("url", "model", "fields", "rule", "expected"), REASONING_OFF_CASES)
def test_reasoning_that_cannot_be_switched_off(
    url: str, model: str, fields: dict[str, Any], rule: str, expected: list[tuple[str, str]]
) -> None:
    body = {"model": model, "messages": [USER], **fields}
    assert findings(body, url, rule) == expected


VERTEX_OPENAPI = (
    "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi/"
    "chat/completions"
)
VERTEX_OWN_ENDPOINT = (
    "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/1234567890/"
    "chat/completions"
)

# model_id.publisher-missing: Vertex AI's shared OpenAI-compatible path names models publisher/model (Google's
# "Using OpenAI libraries with Vertex AI" samples: google/gemini-2.0-flash-001).
PUBLISHER_CASES = [
    (VERTEX_OPENAPI, "gemini-2.5-flash", [("error", "model")]),
    (VERTEX_OPENAPI, "google/gemini-2.5-flash", []),
    (VERTEX_OPENAPI, "meta/llama-3.3-70b-instruct-maas", []),
    # A self-deployed endpoint takes the name it was deployed with.
    (VERTEX_OWN_ENDPOINT, "my-llama", []),
    (GEMINI, "gemini-2.5-flash", []),
]


@pytest.mark.parametrize(("url", "model", "expected"), PUBLISHER_CASES)
def test_vertex_openapi_model_has_a_publisher(url: str, model: str, expected: list[tuple[str, str]]) -> None:
    body = {"model": model, "messages": [USER]}
    assert findings(body, url, "model_id.publisher-missing") == expected


# model_id.vendor-prefix: DeepSeek's own ids carry no vendor, and a router's is answered "Model Not Exist"
# (Mai-with-u/MaiBot#109: SiliconFlow's Pro/deepseek-ai/DeepSeek-R1 sent to api.deepseek.com).
VENDOR_PREFIX_CASES = [
    (DEEPSEEK, "Pro/deepseek-ai/DeepSeek-R1", [("error", "model")]),
    (DEEPSEEK, "deepseek/deepseek-chat", [("error", "model")]),
    (DEEPSEEK, "deepseek-chat", []),
    # Mistral keeps its warning: no refusal text is quoted yet.
    ("https://api.mistral.ai/v1/chat/completions", "mistralai/mistral-large", [("warning", "model")]),
]


@pytest.mark.parametrize(("url", "model", "expected"), VENDOR_PREFIX_CASES)
def test_router_id_sent_to_deepseek(url: str, model: str, expected: list[tuple[str, str]]) -> None:
    body = {"model": model, "messages": [USER]}
    assert findings(body, url, "model_id.vendor-prefix") == expected


XAI = "https://api.x.ai/v1/chat/completions"

# xAI: "Model xxx does not support parameter presencePenalty." for grok-4.6, grok-4.5, grok-4.3 and
# grok-4.20-0309-non-reasoning (miaoxworld/NativeTavern#83); xAI's reasoning guide lists the penalties and stop
# as unsupported by reasoning models, and grok-4.3 and later reason with a reasoning_effort knob.
XAI_CASES = [
    ("grok-4.6", {"presence_penalty": 0}, [("error", "presence_penalty")]),
    ("grok-4.5", {"stop": ["END"]}, [("error", "stop")]),
    ("grok-4.3", {"frequency_penalty": 0}, [("error", "frequency_penalty")]),
    ("grok-4.20-0309-non-reasoning", {"presence_penalty": 0}, [("error", "presence_penalty")]),
    ("grok-4.6", {"reasoning_effort": "high", "temperature": 0.5}, []),
    # grok-4-fast-non-reasoning is not reported to refuse it: nothing said.
    ("grok-4-fast-non-reasoning", {"presence_penalty": 0}, []),
]


@pytest.mark.parametrize(("model", "fields", "expected"), XAI_CASES)
def test_newer_grok_models_refuse_penalties(
    model: str, fields: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    body = {"model": model, "messages": [USER], **fields}
    assert findings(body, XAI, "params.unsupported-for-model") == expected


# model_id.context-suffix: Claude Code's `[1m]` long-context selector is the CLI's syntax, stripped before the
# API call, yet it leaks into requests (anthropics/claude-code#49781 on Bedrock: "The provided model identifier is
# invalid."; Wei-Shaw/sub2api#4505: Anthropic's 404). Anthropic, Bedrock and Vertex match ids exactly; a gateway
# may strip it (a warning); a self-hosted server serves its one model (silent).
ANTHROPIC_MESSAGES = "https://api.anthropic.com/v1/messages"
BEDROCK_RUNTIME = "https://bedrock-runtime.us-east-1.amazonaws.com/model"
MESSAGES_BODY = {"max_tokens": 256, "messages": [USER]}
CONTEXT_SUFFIX_CASES = [
    (ANTHROPIC_MESSAGES, {"model": "claude-opus-4-7[1m]", **MESSAGES_BODY}, [("error", "model")]),
    (ANTHROPIC_MESSAGES, {"model": "claude-sonnet-4-6[1M][1m]", **MESSAGES_BODY}, [("error", "model")]),
    (ANTHROPIC_MESSAGES, {"model": "claude-opus-4-7", **MESSAGES_BODY}, []),
    (
        f"{BEDROCK_RUNTIME}/global.anthropic.claude-opus-4-7%5B1m%5D/converse",
        {"messages": [{"role": "user", "content": [{"text": "Hello"}]}]},
        [("error", "model")],
    ),
    (
        f"{BEDROCK_RUNTIME}/global.anthropic.claude-opus-4-7[1m]/invoke",
        {"anthropic_version": "bedrock-2023-05-31", **MESSAGES_BODY},
        [("error", "model")],
    ),
    (
        "https://llm-gateway.example.com/v1/chat/completions",
        {"model": "claude-opus-4-7[1m]", "messages": [USER]},
        [("warning", "model")],
    ),
    # A bracket that is no context selector is not this rule's (a relay's own naming).
    (
        "https://llm-gateway.example.com/v1/chat/completions",
        {"model": "gpt-5.4[high]", "messages": [USER]},
        [],
    ),
    ("http://127.0.0.1:8080/v1/chat/completions", {"model": "local[1m]", "messages": [USER]}, []),
]


@pytest.mark.parametrize(("url", "body", "expected"), CONTEXT_SUFFIX_CASES)
def test_claude_code_context_selector_in_the_model_id(
    url: str, body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert findings(body, url, "model_id.context-suffix") == expected


def test_context_selector_message_names_the_id_to_send() -> None:
    body = {"model": "claude-opus-4-7[1m]", **MESSAGES_BODY}
    (message,) = messages(body, ANTHROPIC_MESSAGES, "model_id.context-suffix")
    assert "send 'claude-opus-4-7'" in message and "'[1m]'" in message
