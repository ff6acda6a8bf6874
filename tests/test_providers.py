"""Provider detection, model families, and negative tests: valid requests as real clients send them
produce no error-severity finding from the provider rule families (params, roles, quirks, endpoint)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.rule_cases import URLS

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import BUILTIN_PROFILES, detect_provider

MY_FAMILIES = ("params.", "roles.", "quirks.", "endpoint.")


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("api.openai.com", 443, "openai"),
        ("API.OpenAI.com", None, "openai"),
        ("contoso.openai.azure.com", 443, "azure"),
        ("contoso.cognitiveservices.azure.com", 443, "azure"),
        ("dashscope.aliyuncs.com", 443, "dashscope"),
        ("dashscope-intl.aliyuncs.com", 443, "dashscope"),
        ("dashscope-us.aliyuncs.com", 443, "dashscope"),
        ("api.deepseek.com", 443, "deepseek"),
        ("openrouter.ai", 443, "openrouter"),
        ("api.groq.com", 443, "groq"),
        ("generativelanguage.googleapis.com", 443, "gemini"),
        ("api.mistral.ai", 443, "mistral"),
        ("api.together.xyz", 443, "together"),
        ("api.fireworks.ai", 443, "fireworks"),
        ("api.x.ai", 443, "xai"),
        ("api.moonshot.ai", 443, "moonshot"),
        ("api.moonshot.cn", 443, "moonshot"),
        ("api.inference.wandb.ai", 443, "wandb"),
        ("api.wandb.ai", 443, "wandb"),
        ("127.0.0.1", 11434, "ollama"),
        ("localhost", 8000, "vllm"),
        ("192.168.1.20", 8080, "llama.cpp"),
        ("10.0.0.5", 30000, "sglang"),
        ("[::1]", 8000, "vllm"),
        ("gpu-box.local", 8000, "vllm"),
        # The test suite's fake upstream: loopback on a random port is generic, not a local server.
        ("127.0.0.1", 43817, "generic"),
        # Conventional ports on a public host say nothing about the server.
        ("llm.example.com", 8000, "generic"),
        ("8.8.8.8", 11434, "generic"),
        ("evil-api.openai.com.example.org", 443, "generic"),
    ],
)
def test_detect_provider(host: str, port: int | None, expected: str) -> None:
    assert detect_provider(host, port).id == expected


@pytest.mark.parametrize(
    ("provider", "model", "family"),
    [
        ("openai", "o1-mini", "openai-o1-legacy"),
        ("openai", "o1-preview-2024-09-12", "openai-o1-legacy"),
        ("openai", "o1", "openai-o-series"),
        ("openai", "o3-mini-2025-01-31", "openai-o3-mini"),
        ("openai", "o4-mini", "openai-o-series"),
        ("openai", "gpt-5", "openai-gpt-5"),
        ("openai", "gpt-5-mini-2025-08-07", "openai-gpt-5"),
        ("openai", "gpt-5.1", "openai-gpt-5.1+"),
        ("openai", "gpt-5-chat-latest", "openai-gpt-5-chat"),
        ("openai", "gpt-4o-mini", "openai-chat"),
        ("openai", "ft:gpt-4o-mini-2024-07-18:acme::abc123", "openai-chat"),
        ("openai", "omni-moderation-latest", "default"),
        ("dashscope", "qwen3-32b", "qwen3-open-source"),
        ("dashscope", "qwen3-235b-a22b", "qwen3-open-source"),
        ("dashscope", "qwen3-235b-a22b-instruct-2507", "qwen-non-thinking"),
        ("dashscope", "qwen3-235b-a22b-thinking-2507", "qwen-thinking-only"),
        ("dashscope", "qwen3-coder-plus", "qwen-non-thinking"),
        ("dashscope", "qwen-plus-latest", "qwen-commercial-hybrid"),
        ("dashscope", "qwq-plus", "qwen-thinking-only"),
        ("deepseek", "deepseek-reasoner", "deepseek-reasoner"),
        ("deepseek", "deepseek-chat", "deepseek-chat"),
        ("deepseek", "deepseek-v4-flash", "deepseek-v4"),
        ("groq", "llama-3.3-70b-versatile", "groq-llama"),
        ("groq", "meta-llama/llama-4-scout-17b-16e-instruct", "groq-llama-4"),
        ("groq", "deepseek-r1-distill-llama-70b", "default"),
        ("groq", "qwen/qwen3-32b", "default"),
        ("xai", "grok-4-0709", "grok-4-reasoning"),
        ("xai", "grok-4-1-fast-reasoning", "grok-4-reasoning"),
        ("xai", "grok-4-1-fast-non-reasoning", "grok-4-1-fast-non-reasoning"),
        ("xai", "grok-4.20-0309-non-reasoning", "grok-4.20-non-reasoning"),
        ("xai", "grok-4.3", "grok-4.3+"),
        ("xai", "grok-3-mini", "grok-3-mini"),
        ("xai", "grok-3-mini-fast-beta", "grok-3-mini"),
        ("moonshot", "kimi-for-coding", "kimi-code"),
        ("moonshot", "k3-256k", "kimi-code"),
        ("moonshot", "kimi-k3", "kimi-k2.5+"),
        ("ollama", "gemma3:27b", "ollama-no-tools"),
        ("ollama", "llama3", "ollama-no-tools"),
        ("ollama", "llama3.2", "default"),
        ("ollama", "hf.co/eaddario/Hammer2.1-7b-GGUF:Q4_K_M", "default"),
        ("deepseek", "deepseek-v4-pro", "deepseek-v4"),
        ("deepseek", "deepseek-v3.2-exp", "deepseek-chat"),
        ("moonshot", "kimi-k2-thinking-turbo", "kimi-thinking"),
        ("vllm", "Qwen/Qwen3-8B", "default"),
    ],
)
def test_model_families(provider: str, model: str, family: str) -> None:
    assert BUILTIN_PROFILES[provider].family_for(model).id == family


def _qwen_code_request() -> dict[str, Any]:
    """A qwen-code request as its CLI sends it (docs: qwen-code.md): 14 tools, streamed, usage on,
    array tool-result content, a long system prompt — about 75 KB."""
    names = [
        "list_directory", "read_file", "search_file_content", "glob", "replace", "write_file",
        "web_fetch", "read_many_files", "run_shell_command", "save_memory", "todo_write", "task",
        "exit_plan_mode", "web_search",
    ]  # fmt: skip
    tools = [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": f"{name} tool. " + "Detailed usage notes. " * 120,
                "parameters": {
                    "type": "object",
                    "properties": {"path": {"type": "string", "description": "Absolute path."}},
                    "required": ["path"],
                },
            },
        }
        for name in names
    ]
    call = {
        "id": "call_8f2b0c",
        "type": "function",
        "function": {"name": "read_file", "arguments": '{"path": "/a"}'},
    }
    return {
        "model": "qwen3-coder-plus",
        "messages": [
            {"role": "system", "content": "You are Qwen Code, an interactive CLI agent. " * 600},
            {"role": "user", "content": [{"type": "text", "text": "Read /a and summarise it."}]},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {
                "role": "tool",
                "tool_call_id": "call_8f2b0c",
                "content": [{"type": "text", "text": "line 1\nline 2"}],
            },
            {"role": "user", "content": "Thanks, go on."},
        ],
        "tools": tools,
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0,
        "top_p": 0.8,
        "max_tokens": 8192,
        "metadata": {"sessionId": "7c1e", "promptId": "7c1e########1"},
    }


USER = {"role": "user", "content": "What's the weather in Paris and Rome?"}
PARALLEL = [
    USER,
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_a",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
            },
            {
                "id": "call_b",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'},
            },
        ],
    },
    {"role": "tool", "tool_call_id": "call_a", "content": "18 C"},
    {"role": "tool", "tool_call_id": "call_b", "content": "24 C"},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
    }
]
STRICT_OUTPUT = {
    "type": "json_schema",
    "json_schema": {
        "name": "weather",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"summary": {"type": "string"}},
            "required": ["summary"],
            "additionalProperties": False,
        },
    },
}
IMAGE = {
    "role": "user",
    "content": [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"}},
    ],
}

VALID = [
    (
        "openai-sdk-parallel",
        "openai",
        {
            "model": "gpt-4o",
            "messages": PARALLEL,
            "tools": TOOLS,
            "parallel_tool_calls": True,
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    ),
    (
        "openai-langchain",
        "openai",
        {
            "model": "gpt-4o-mini",
            "messages": PARALLEL,
            "tools": TOOLS,
            "temperature": 0.0,
            "n": 1,
            "stream": False,
        },
    ),
    (
        "openai-strict-output",
        "openai",
        {"model": "gpt-4o-2024-08-06", "messages": [USER], "response_format": STRICT_OUTPUT, "seed": 42},
    ),
    (
        "openai-reasoning",
        "openai",
        {
            "model": "o3",
            "messages": [{"role": "developer", "content": "Be terse."}, USER],
            "reasoning_effort": "high",
            "max_completion_tokens": 4000,
        },
    ),
    (
        "openai-gpt-5",
        "openai",
        {
            "model": "gpt-5",
            "messages": PARALLEL,
            "tools": TOOLS,
            "reasoning_effort": "minimal",
            "verbosity": "low",
            "max_completion_tokens": 2000,
        },
    ),
    ("openai-image", "openai", {"model": "gpt-4o", "messages": [IMAGE], "max_tokens": 300}),
    ("azure-legacy", "azure", {"messages": PARALLEL, "tools": TOOLS, "temperature": 0.2}),
    ("dashscope-qwen-code", "dashscope", _qwen_code_request()),
    (
        "dashscope-qwen3-thinking-stream",
        "dashscope",
        {
            "model": "qwen3-32b",
            "messages": [USER],
            "stream": True,
            "enable_thinking": True,
            "thinking_budget": 512,
        },
    ),
    (
        "deepseek-chat-tools",
        "deepseek",
        {"model": "deepseek-chat", "messages": PARALLEL, "tools": TOOLS, "temperature": 0.3},
    ),
    (
        "deepseek-reasoner",
        "deepseek",
        {"model": "deepseek-reasoner", "messages": [USER], "max_tokens": 4000, "stream": True},
    ),
    (
        "openrouter",
        "openrouter",
        {
            "model": "anthropic/claude-sonnet-4",
            "messages": PARALLEL,
            "tools": TOOLS,
            "provider": {"require_parameters": True},
            "transforms": [],
            "reasoning": {"effort": "low"},
        },
    ),
    (
        "groq",
        "groq",
        {
            "model": "llama-3.3-70b-versatile",
            "messages": PARALLEL,
            "tools": TOOLS,
            "temperature": 0.5,
            "max_completion_tokens": 1024,
            "stream": True,
        },
    ),
    (
        "gemini",
        "gemini",
        {
            "model": "gemini-2.5-flash",
            "messages": [{"role": "system", "content": "Be terse."}, IMAGE],
            "reasoning_effort": "low",
            "n": 1,
        },
    ),
    (
        "mistral",
        "mistral",
        {
            "model": "mistral-large-latest",
            "messages": [USER],
            "random_seed": 7,
            "safe_prompt": False,
            "max_tokens": 256,
        },
    ),
    (
        "together",
        "together",
        {
            "model": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            "messages": [USER],
            "top_k": 50,
            "repetition_penalty": 1.05,
        },
    ),
    ("moonshot", "moonshot", {"model": "kimi-k2-0905-preview", "messages": PARALLEL, "tools": TOOLS}),
    (
        "vllm-extras",
        "vllm",
        {
            "model": "Qwen/Qwen3-8B",
            "messages": [USER],
            "top_k": 20,
            "min_p": 0.0,
            "repetition_penalty": 1.05,
            "chat_template_kwargs": {"enable_thinking": False},
            "stop_token_ids": [151645],
            "priority": 1,
            "n": 2,
            "temperature": 0.7,
        },
    ),
    ("sglang", "sglang", {"model": "default", "messages": [USER], "top_k": 20, "separate_reasoning": True}),
    (
        "llama.cpp",
        "llama.cpp",
        {"model": "qwen3", "messages": PARALLEL, "tools": TOOLS, "cache_prompt": True, "n_probs": 0},
    ),
    (
        "ollama",
        "ollama",
        {"model": "llama3.2", "messages": [USER], "options": {"num_ctx": 8192}, "stream": True},
    ),
    (
        "generic",
        "generic",
        {"model": "anything", "messages": [USER], "custom_flag": True, "temperature": 1.8},
    ),
]


@pytest.mark.parametrize(("provider", "body"), [v[1:] for v in VALID], ids=[v[0] for v in VALID])
def test_valid_requests_have_no_error(provider: str, body: dict[str, Any]) -> None:
    analysis = analyse_request(json.dumps(body).encode(), URLS[provider])
    assert analysis.target.provider.id == provider
    assert not analysis.internal_errors
    errors = [
        f.one_line() for f in analysis.findings if f.severity == "error" and f.rule.startswith(MY_FAMILIES)
    ]
    assert errors == []


def test_qwen_code_request_is_about_75_kb() -> None:
    assert 60_000 < len(json.dumps(_qwen_code_request())) < 90_000


def test_openrouter_profile_does_not_apply_openai_families() -> None:
    body = {"model": "openai/gpt-5", "messages": [USER], "max_tokens": 100}
    analysis = analyse_request(json.dumps(body), URLS["openrouter"])
    assert [f for f in analysis.findings if f.rule.startswith("params.")] == []


def test_every_profile_has_a_documented_base_url() -> None:
    for profile in BUILTIN_PROFILES.values():
        assert profile.id == "generic" or profile.base_url, profile.id
