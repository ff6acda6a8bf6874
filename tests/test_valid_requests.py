"""Negative tests: valid requests produce no error-severity finding, from any rule.

The SDK and LangChain bodies are produced at test time by the real ``openai`` SDK and
``langchain-openai`` against a loopback server that records the body (tests/support/upstream.py);
the qwen-code body is tests/data/requests/qwen-code-like.json (scripts/make_qwen_code_like.py,
from the documented 0.24.4 capture) until a real capture lands next to it.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from support.rule_cases import URLS
from support.upstream import Upstream

from toolguard_core.analyze import analyse_request

DATA = Path(__file__).parent / "data" / "requests"
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": ["string", "null"], "enum": ["c", "f", None]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


def errors(body: bytes | dict[str, Any], url: str) -> list[str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    analysis = analyse_request(raw, url)
    assert not analysis.internal_errors, analysis.internal_errors
    assert analysis.body is not None
    return [f.one_line() for f in analysis.findings if f.severity == "error"]


def parallel_history(model: str, tool_parts: bool = True) -> dict[str, Any]:
    """Two parallel calls and their results; the second result as text parts unless ``tool_parts`` is
    False (DeepSeek takes a tool message's content only as a string: Gitlawb/openclaude#774,
    QwenLM/qwen-code#2318, rule content.array-not-supported)."""
    calls = [
        {
            "id": f"call_{i}",
            "type": "function",
            "function": {"name": "get_weather", "arguments": json.dumps({"city": c, "unit": None})},
        }
        for i, c in enumerate(["Paris", "Berlin"])
    ]
    return {
        "model": model,
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Weather in Paris and Berlin?"},
            {"role": "assistant", "content": None, "tool_calls": calls},
            {"role": "tool", "tool_call_id": "call_0", "content": "18 C"},
            {
                "role": "tool",
                "tool_call_id": "call_1",
                "content": [{"type": "text", "text": "12 C"}] if tool_parts else "12 C",
            },
        ],
        "tools": [WEATHER],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
    }


STRUCTURED = {
    "model": "gpt-4o-2024-08-06",
    "messages": [{"role": "user", "content": "Solve 8x + 31 = 2 step by step."}],
    "response_format": {
        "type": "json_schema",
        "json_schema": {
            "name": "math_response",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {
                    "steps": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}},
                            "required": ["explanation", "output"],
                            "additionalProperties": False,
                        },
                    },
                    "final_answer": {"type": "string"},
                },
                "required": ["steps", "final_answer"],
                "additionalProperties": False,
            },
        },
    },
}
IMAGES = {
    "model": "gpt-4o",
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Compare these images."},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://upload.wikimedia.org/cat.jpg", "detail": "low"},
                },
                {"type": "image_url", "image_url": {"url": PNG, "detail": "high"}},
            ],
        }
    ],
    "max_completion_tokens": 300,
}
VLLM_SAMPLING = {
    "model": "Qwen/Qwen3-8B",
    "messages": [{"role": "user", "content": "Write a haiku."}],
    "temperature": 0.7,
    "top_p": 0.8,
    "top_k": 20,
    "min_p": 0.0,
    "repetition_penalty": 1.05,
    "presence_penalty": 1.5,
    "stop_token_ids": [151645],
    "chat_template_kwargs": {"enable_thinking": False},
    "max_tokens": 512,
    "seed": 7,
}
OLLAMA_IMAGE = {
    "model": "llava",
    "messages": [
        {
            "role": "user",
            "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": PNG}],
        }
    ],
    "stream": True,
}
JSON_MODE = {
    "model": "deepseek-chat",
    "messages": [
        {"role": "system", "content": "Reply in JSON."},
        {"role": "user", "content": "Three colours."},
    ],
    "response_format": {"type": "json_object"},
}

CASES = [
    ("openai-parallel-calls", "openai", parallel_history("gpt-4o")),
    ("azure-parallel-calls", "azure", parallel_history("gpt-4o")),
    ("openai-strict-structured-output", "openai", STRUCTURED),
    ("openai-images", "openai", IMAGES),
    ("vllm-extra-sampling", "vllm", VLLM_SAMPLING),
    ("vllm-parallel-calls", "vllm", parallel_history("Qwen/Qwen3-8B")),
    ("sglang-parallel-calls", "sglang", parallel_history("Qwen/Qwen3-8B")),
    ("llama-cpp-parallel-calls", "llama.cpp", parallel_history("qwen3")),
    ("ollama-base64-image", "ollama", OLLAMA_IMAGE),
    ("deepseek-json-mode", "deepseek", JSON_MODE),
    ("deepseek-parallel-calls", "deepseek", parallel_history("deepseek-chat", tool_parts=False)),
    ("groq-parallel-calls", "groq", parallel_history("llama-3.3-70b-versatile")),
    ("gemini-parallel-calls", "gemini", parallel_history("gemini-2.5-flash")),
    (
        "mistral-chat",
        "mistral",
        {"model": "mistral-large-latest", "messages": [{"role": "user", "content": "hi"}]},
    ),
    ("openrouter-parallel-calls", "openrouter", parallel_history("openai/gpt-4o")),
    (
        "moonshot-chat",
        "moonshot",
        {"model": "kimi-k2", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.6},
    ),
    (
        "together-chat",
        "together",
        {"model": "meta-llama/Llama-3.3-70B-Instruct-Turbo", "messages": [{"role": "user", "content": "hi"}]},
    ),
    ("generic-parallel-calls", "generic", parallel_history("some-model")),
]


@pytest.mark.parametrize(("provider", "body"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_valid_request_has_no_error(provider: str, body: dict[str, Any]) -> None:
    assert errors(body, URLS[provider]) == []


@pytest.mark.parametrize("provider", ["openai", "dashscope", "vllm", "generic"])
def test_qwen_code_request_has_no_error(provider: str) -> None:
    paths = sorted(DATA.glob("qwen-code-*.json"))
    assert paths, "no qwen-code request under tests/data/requests"
    for path in paths:
        body = json.loads(path.read_bytes())
        if (
            "body" in body and "messages" not in body
        ):  # a capture: {note, client, method, path, headers, body}
            body = body["body"]
        raw = json.dumps(body).encode()
        # The documented shape: ~75 KB, 14 tools, streamed, array tool-result content.
        assert len(raw) > 60_000 and len(body["tools"]) == 14 and body["stream"] is True
        assert any(m["role"] == "tool" and isinstance(m["content"], list) for m in body["messages"])
        assert errors(raw, URLS[provider]) == [], path.name


def _record_one(upstream: Upstream) -> bytes:
    [request] = upstream.received("/chat/completions")
    return request.body


def test_openai_sdk_parallel_tool_calls(upstream: Upstream) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{upstream.url}/v1", api_key="sk-test", max_retries=0, timeout=15)
    history = parallel_history("gpt-4o")
    client.chat.completions.create(
        model="gpt-4o",
        messages=history["messages"],
        tools=[WEATHER],
        tool_choice="auto",
        parallel_tool_calls=True,
        stream=False,
    )
    body = _record_one(upstream)
    assert json.loads(body)["messages"][2]["tool_calls"][1]["id"] == "call_1"
    assert errors(body, URLS["openai"]) == []


def test_openai_sdk_structured_output_parse(upstream: Upstream) -> None:
    """``client.chat.completions.parse`` turns a pydantic model into a strict json_schema."""
    import openai
    from pydantic import BaseModel

    class Step(BaseModel):
        explanation: str
        output: str

    class MathResponse(BaseModel):
        steps: list[Step]
        final_answer: str

    client = openai.OpenAI(base_url=f"{upstream.url}/v1", api_key="sk-test", max_retries=0, timeout=15)
    # The fake answer is not a MathResponse (pydantic's ValidationError is a ValueError); only the
    # request matters here.
    with contextlib.suppress(ValueError):
        client.chat.completions.parse(
            model="gpt-4o-2024-08-06",
            messages=[{"role": "user", "content": "solve 8x + 31 = 2"}],
            response_format=MathResponse,
        )
    body = _record_one(upstream)
    assert json.loads(body)["response_format"]["json_schema"]["strict"] is True
    assert errors(body, URLS["openai"]) == []


def test_langchain_parallel_tool_calls(upstream: Upstream) -> None:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI

    @tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return "18 C"

    model = ChatOpenAI(
        model="gpt-4o", base_url=f"{upstream.url}/v1", api_key="sk-test", max_retries=0, timeout=15
    )
    bound = model.bind_tools([get_weather], parallel_tool_calls=True)
    calls = [
        {"name": "get_weather", "args": {"city": c}, "id": f"call_{i}"}
        for i, c in enumerate(["Paris", "Berlin"])
    ]
    bound.invoke(
        [
            SystemMessage("You are a helpful assistant."),
            HumanMessage("Weather in Paris and Berlin?"),
            AIMessage(content="", tool_calls=calls),
            ToolMessage("18 C", tool_call_id="call_0"),
            ToolMessage("12 C", tool_call_id="call_1"),
        ]
    )
    body = _record_one(upstream)
    sent = json.loads(body)
    assert [m["role"] for m in sent["messages"]] == ["system", "user", "assistant", "tool", "tool"]
    assert sent["parallel_tool_calls"] is True
    assert errors(body, URLS["openai"]) == []


VALID_CLIENTS = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "corpus" / "valid-clients.jsonl").read_text().splitlines()
    if line.strip()
]


@pytest.mark.parametrize("entry", VALID_CLIENTS, ids=lambda e: e["id"])
def test_captured_client_request_has_no_error(entry: dict[str, Any]) -> None:
    """Every request a real client sent in a clean run (tests/support/captures.py), judged at the
    provider URL it stood for: chat, Responses (HTTP and WebSocket messages) and Anthropic Messages
    (Claude Code on /v1/messages?beta=true) give no error-severity finding."""
    analysis = analyse_request(json.dumps(entry["request"]).encode(), entry["url"])
    assert not analysis.internal_errors
    assert analysis.target.endpoint == {"responses-ws": "responses"}.get(entry["api"], entry["api"])
    assert [f.one_line() for f in analysis.findings if f.severity == "error"] == []
