"""Provider facts of issue 9's session-13 round (probe round 11), over the request shapes their sources
quote: each case is a provider, a request it refuses (or one it accepts), and the severity the rule
declares there. The same shape on a provider that accepts it keeps that provider's level, so what a
provider accepts is never flagged."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import BUILTIN_PROFILES, DEFAULT_REGISTRY, ProviderRegistry
from toolguard_core.request import Target

USER = {"role": "user", "content": "Hello"}

MODELSCOPE = "https://api-inference.modelscope.cn/v1/chat/completions"
DASHSCOPE = "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions"
VLLM = "http://localhost:8000/v1/chat/completions"


def findings(body: dict[str, Any], url: str, rule: str) -> list[tuple[str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors
    return [(f.severity.value, f.location) for f in analysis.findings if f.rule == rule]


def test_modelscope_is_recognised_by_its_host() -> None:
    assert (
        ProviderRegistry().detect("api-inference.modelscope.cn", 443, "/v1/chat/completions").id
        == "modelscope"
    )
    assert BUILTIN_PROFILES["modelscope"].base_url == "https://api-inference.modelscope.cn/v1"


# quirks.qwen-thinking-non-stream on ModelScope API-Inference: Qwen3 thinks only in streaming calls there, as
# on DashScope ("enable thinking can not be support when `stream=False`." for Qwen3-235B-A22B-Thinking-2507,
# musistudio/claude-code-router#948).
MODELSCOPE_CASES = [
    ({"model": "Qwen/Qwen3-8B", "messages": [USER]}, [("error", "stream")]),
    ({"model": "Qwen/Qwen3-8B", "messages": [USER], "stream": False}, [("error", "stream")]),
    ({"model": "Qwen/Qwen3-235B-A22B-Thinking-2507", "messages": [USER], "stream": False}, [("error", "stream")]),
    # The fixes the threads used: thinking off, or a streamed call.
    ({"model": "Qwen/Qwen3-8B", "messages": [USER], "enable_thinking": False}, []),
    ({"model": "Qwen/Qwen3-8B", "messages": [USER], "stream": True}, []),
    ({"model": "Qwen/Qwen3-235B-A22B-Thinking-2507", "messages": [USER], "stream": True}, []),
    # The 2507 Instruct releases and Qwen3-Coder do not think.
    ({"model": "Qwen/Qwen3-235B-A22B-Instruct-2507", "messages": [USER]}, []),
    ({"model": "Qwen/Qwen3-Coder-480B-A35B-Instruct", "messages": [USER]}, []),
    # Other thinking models on ModelScope: not known to be held to streaming there, so not judged.
    ({"model": "deepseek-ai/DeepSeek-R1-0528", "messages": [USER]}, []),
    ({"model": "Qwen/QwQ-32B", "messages": [USER]}, []),
]  # fmt: skip


@pytest.mark.parametrize(("body", "expected"), MODELSCOPE_CASES)
def test_modelscope_qwen3_thinking_needs_a_stream(
    body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert findings(body, MODELSCOPE, "quirks.qwen-thinking-non-stream") == expected


def test_modelscope_message_names_modelscope() -> None:
    analysis = analyse_request(json.dumps({"model": "Qwen/Qwen3-8B", "messages": [USER]}), MODELSCOPE)
    [message] = [f.message for f in analysis.findings if f.rule == "quirks.qwen-thinking-non-stream"]
    assert "ModelScope allows thinking only in streaming calls" in message
    assert "enable_thinking: false" in message


def test_modelscope_does_not_take_dashscopes_other_thinking_rules() -> None:
    """DashScope's JSON-mode and forced tool_choice refusals under thinking are not known on ModelScope."""
    body = {
        "model": "Qwen/Qwen3-8B",
        "messages": [USER],
        "stream": True,
        "response_format": {"type": "json_object"},
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "tool_choice": "required",
    }
    analysis = analyse_request(json.dumps(body), MODELSCOPE)
    assert not [f for f in analysis.findings if f.rule.startswith("quirks.qwen-")]
    # DashScope itself keeps them.
    on_dashscope = analyse_request(json.dumps({**body, "model": "qwen3-8b"}), DASHSCOPE)
    assert {f.rule for f in on_dashscope.findings} >= {
        "quirks.qwen-thinking-json-mode",
        "quirks.qwen-thinking-forced-tool-choice",
    }


def test_self_hosted_qwen3_non_stream_is_not_judged() -> None:
    """A vLLM server streams or not as asked: the same request there has no finding."""
    assert (
        findings({"model": "Qwen/Qwen3-8B", "messages": [USER]}, VLLM, "quirks.qwen-thinking-non-stream")
        == []
    )


# shape.empty-tool-calls on DashScope: "<400> InternalError.Algo.InvalidParameter: Empty tool_calls is not supported
# in message." (cnblogs/dashscope-sdk DashScopeChatClient.cs sends null for that reason). Mistral accepts the
# empty array (a recorded 200), so it stays silent there.
_CALLS_EMPTY = {"role": "assistant", "content": "Let me check.", "tool_calls": []}
EMPTY_TOOL_CALLS_CASES = [
    ("qwen-plus", DASHSCOPE, [("error", "messages[1].tool_calls")]),
    ("mistral-large-latest", "https://api.mistral.ai/v1/chat/completions", []),
    ("gpt-4o", "https://api.openai.com/v1/chat/completions", [("error", "messages[1].tool_calls")]),
]


@pytest.mark.parametrize(("model", "url", "expected"), EMPTY_TOOL_CALLS_CASES)
def test_empty_tool_calls_per_provider(model: str, url: str, expected: list[tuple[str, str]]) -> None:
    body = {"model": model, "messages": [USER, _CALLS_EMPTY, {"role": "user", "content": "Thanks"}]}
    assert findings(body, url, "shape.empty-tool-calls") == expected


def test_dashscope_without_the_empty_array_is_clean() -> None:
    body = {"model": "qwen-plus", "messages": [USER, {"role": "assistant", "content": "Let me check."}, USER]}
    assert findings(body, DASHSCOPE, "shape.empty-tool-calls") == []


# anthropic.too-many-cache-breakpoints on OpenRouter's chat completions: OpenRouter hands a Claude model's
# block-level cache_control to Anthropic, which takes at most four ("A maximum of 4 blocks with cache_control
# may be provided. Found 5."); OpenRouter's SDK reference says a block-level marker is an explicit breakpoint.
OPENROUTER = "https://openrouter.ai/api/v1/chat/completions"


def _marked(count: int) -> list[dict[str, Any]]:
    return [
        {
            "role": "user",
            "content": [{"type": "text", "text": f"Part {n}.", "cache_control": {"type": "ephemeral"}}],
        }
        for n in range(count)
    ]


CACHE_CASES = [
    ("anthropic/claude-sonnet-4.5", OPENROUTER, 5, [("error", "messages[4].content[0]")]),
    ("anthropic/claude-sonnet-4.5", OPENROUTER, 4, []),
    # A model OpenRouter does not hand to Anthropic: the limit is not that model's; nothing is said on chat.
    ("google/gemini-3.7-flash", OPENROUTER, 5, []),
    # OpenAI's own chat completions has no cache_control at all: not this rule's business.
    ("gpt-4o", "https://api.openai.com/v1/chat/completions", 5, []),
]


@pytest.mark.parametrize(("model", "url", "count", "expected"), CACHE_CASES)
def test_openrouter_claude_cache_breakpoints(
    model: str, url: str, count: int, expected: list[tuple[str, str]]
) -> None:
    body = {"model": model, "messages": _marked(count)}
    assert findings(body, url, "anthropic.too-many-cache-breakpoints") == expected


def test_openrouter_messages_api_non_claude_is_a_warning() -> None:
    """OpenRouter's Anthropic-compatible Messages endpoint with another vendor's model: a warning that says why."""
    body = {"model": "google/gemini-3.7-flash", "max_tokens": 64, "messages": _marked(5)}
    analysis = analyse_request(json.dumps(body), "https://openrouter.ai/api/v1/messages")
    found = [f for f in analysis.findings if f.rule == "anthropic.too-many-cache-breakpoints"]
    assert [f.severity.value for f in found] == ["warning"]
    assert "may ignore cache_control" in found[0].message


# responses.text-without-format: LM Studio's Responses API answers "Required" for `text.format` when `text` is sent
# without it (lmstudio-ai/lmstudio-bug-tracker#1576, n8n-io/n8n#24492, n8n-io/n8n#25113: n8n and LibreChat send
# `text: {}` by default). With the host mapped to LM Studio, an error; OpenAI takes `text: {}`.
LMSTUDIO_RESPONSES = "http://lmstudio.lan:1234/v1/responses"


def _on(provider: str, body: dict[str, Any], url: str) -> list[tuple[str, str]]:
    target = dataclasses.replace(Target.from_url(url, DEFAULT_REGISTRY), provider=BUILTIN_PROFILES[provider])
    analysis = analyse_request(json.dumps(body), url, target=target)
    return [
        (f.severity.value, f.location) for f in analysis.findings if f.rule == "responses.text-without-format"
    ]


TEXT_FORMAT_CASES = [
    (
        "lmstudio",
        {"model": "qwen/qwen3.5-35b-a3b", "input": "Title this chat", "text": {}},
        [("error", "text.format")],
    ),
    ("lmstudio", {"model": "qwen/qwen3.5-35b-a3b", "input": "Hi", "text": {"format": {"type": "text"}}}, []),
    ("lmstudio", {"model": "qwen/qwen3.5-35b-a3b", "input": "Hi"}, []),
    ("openai", {"model": "gpt-4.1", "input": "Hi", "text": {}}, []),
    ("vllm", {"model": "Qwen/Qwen3-8B", "input": "Hi", "text": {}}, []),
]


@pytest.mark.parametrize(("provider", "body", "expected"), TEXT_FORMAT_CASES)
def test_text_without_format_per_provider(
    provider: str, body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert _on(provider, body, LMSTUDIO_RESPONSES) == expected
