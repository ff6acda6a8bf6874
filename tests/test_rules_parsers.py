"""rules/parsers.py and the session-17 server facts elsewhere (params.wrong-type on the strict decoders,
shape.* on llama-server, content.part-not-allowed-for-role on vLLM and LM Studio), table-driven over the
bodies public threads and the servers' code show, each on the server that refuses it and on those that
take it (session 17, issue 9: servers stricter than OpenAI's schema)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.findings import Severity
from toolguard_core.providers import BUILTIN_PROFILES, DEFAULT_REGISTRY
from toolguard_core.request import Target

URL = "https://llm.example.test/v1/chat/completions"
USER = {"role": "user", "content": "What is 2+3?"}
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def _call(function: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    call: dict[str, Any] = {"id": "call_1", "type": "function", **extra}
    if function is not None:
        call["function"] = function
    return call


def _history(call: dict[str, Any], result: Any = "5") -> list[dict[str, Any]]:
    return [
        USER,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]


ADD = {"name": "add", "arguments": '{"a":2,"b":3}'}
TOOLS = [
    {"type": "function", "function": {"name": "add", "parameters": {"type": "object", "properties": {}}}}
]


def levels(body: dict[str, Any], provider: str) -> dict[tuple[str, str], Severity]:
    """(rule, location) → severity of every finding for ``body`` sent to ``provider``."""
    target = dataclasses.replace(Target.from_url(URL, DEFAULT_REGISTRY), provider=BUILTIN_PROFILES[provider])
    analysis = analyse_request(json.dumps({"model": "m", **body}), URL, target=target)
    assert not analysis.internal_errors
    return {(f.rule, f.location): f.severity for f in analysis.findings}


CASES = [
    # (what, body, rule, location, {provider: expected level, None = no finding of the rule there})
    (
        "a null tool description (llm-tools-mcp's request to llama-server)",
        {
            "messages": [USER],
            "tools": [
                {
                    "type": "function",
                    "function": {"name": "MCP_introspect_methods", "description": None, "parameters": {}},
                }
            ],
        },
        "parsers.non-string-field",
        "tools[0].function.description",
        {"llama.cpp": Severity.ERROR, "vllm": None, "ollama": None, "openai": None},
    ),
    (
        "a null user name (EvalScope's tool_bench request to vLLM)",
        {"messages": [{"role": "user", "content": "plan a party", "name": None}]},
        "parsers.non-string-field",
        "messages[0].name",
        {"llama.cpp": Severity.ERROR, "vllm": Severity.ERROR, "sglang": None, "lmstudio": None},
    ),
    (
        "a null tool_call_id and reasoning_content replayed to llama-server",
        {
            "messages": [
                USER,
                {"role": "assistant", "content": "ok", "reasoning_content": None},
                {"role": "user", "content": "again"},
            ]
        },
        "parsers.non-string-field",
        "messages[1].reasoning_content",
        {"llama.cpp": Severity.ERROR, "vllm": None},
    ),
    (
        "a text part without text",
        {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
        "parsers.llamacpp-message-shape",
        "messages[0].content[0].text",
        {"llama.cpp": Severity.ERROR, "vllm": None},
    ),
    (
        "an empty tool call a model streamed, replayed (Crush to LM Studio; llama-server's parser too)",
        {"messages": _history({"id": "", "type": "function"}), "tools": TOOLS},
        "parsers.llamacpp-message-shape",
        "messages[1].tool_calls[0].function",
        {"llama.cpp": Severity.ERROR, "lmstudio": None, "vllm": None},
    ),
    (
        "a replayed call without arguments",
        {"messages": _history(_call({"name": "add"})), "tools": TOOLS},
        "parsers.llamacpp-message-shape",
        "messages[1].tool_calls[0].function.arguments",
        {"llama.cpp": Severity.ERROR, "ollama": None},
    ),
    (
        "a replayed call with another type",
        {"messages": _history(_call(ADD, type="custom")), "tools": TOOLS},
        "parsers.llamacpp-message-shape",
        "messages[1].tool_calls[0].type",
        {"llama.cpp": Severity.ERROR, "vllm": None},
    ),
    (
        "a replayed call without type (llama-server: Missing tool call type)",
        {"messages": _history({"id": "call_1", "function": ADD}), "tools": TOOLS},
        "shape.tool-call-missing-type",
        "messages[1].tool_calls[0].type",
        {"llama.cpp": Severity.ERROR, "vllm": None, "ollama": None, "openai": Severity.ERROR},
    ),
    (
        "replayed arguments cut short by max_tokens (llama-server: Failed to parse tool call arguments as JSON)",
        {"messages": _history(_call({"name": "add", "arguments": '{"a":2,"b'})), "tools": TOOLS},
        "shape.invalid-tool-arguments",
        "messages[1].tool_calls[0].function.arguments",
        {"llama.cpp": Severity.ERROR, "ollama": Severity.ERROR, "vllm": Severity.WARNING},
    ),
    (
        '"stream": "true" to the servers that decode into typed fields',
        {"messages": [USER], "stream": "true"},
        "params.wrong-type",
        "stream",
        {
            "ollama": Severity.ERROR,
            "tgi": Severity.ERROR,
            "deepseek": Severity.ERROR,
            "vllm": None,  # pydantic's lax mode converts it
            "llama.cpp": Severity.WARNING,  # json_value() falls back to the default
        },
    ),
    (
        '"n": "1" where Ollama\'s model has no n (dropped unread) and TGI\'s has',
        {"messages": [USER], "n": "1"},
        "params.wrong-type",
        "n",
        {"ollama": None, "tgi": Severity.ERROR, "openai": Severity.ERROR},
    ),
    (
        "an image in a system message (vLLM since vllm#34072)",
        {
            "messages": [
                {"role": "system", "content": [{"type": "image_url", "image_url": {"url": PNG}}]},
                USER,
            ]
        },
        "content.part-not-allowed-for-role",
        "messages[0].content[0]",
        {"vllm": Severity.ERROR, "lmstudio": None, "llama.cpp": None, "openai": Severity.ERROR},
    ),
    (
        "an image in a tool result (LM Studio keeps tool results to text)",
        {
            "messages": _history(
                _call(ADD),
                [{"type": "text", "text": "shot"}, {"type": "image_url", "image_url": {"url": PNG}}],
            ),
            "tools": TOOLS,
        },
        "content.part-not-allowed-for-role",
        "messages[2].content[1]",
        {"lmstudio": Severity.ERROR, "vllm": None, "ollama": None, "openai": Severity.ERROR},
    ),
]


@pytest.mark.parametrize(("what", "body", "rule", "location", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_server_answers_as_its_parser_does(
    what: str, body: dict[str, Any], rule: str, location: str, expected: dict[str, Severity | None]
) -> None:
    for provider, level in expected.items():
        assert levels(body, provider).get((rule, location)) == level, (what, provider)


@pytest.mark.parametrize(
    "body",
    [
        # What the parsers take: names and descriptions as strings or absent, a null assistant content beside
        # tool calls, a parsed object as arguments on llama-server (it dumps it), text parts with text.
        {"messages": [{"role": "user", "content": "hi", "name": "bob"}], "tools": TOOLS},
        {"messages": _history(_call(ADD)), "tools": TOOLS},
        {"messages": _history(_call({"name": "add", "arguments": {"a": 2}})), "tools": TOOLS},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},
        {"messages": [{"role": "system", "content": [{"type": "text", "text": "be brief"}]}, USER]},
    ],
)
def test_what_the_parsers_take_gives_no_parser_finding(body: dict[str, Any]) -> None:
    for provider in ("llama.cpp", "vllm", "lmstudio"):
        found = levels(body, provider)
        assert [key for key in found if key[0].startswith("parsers.")] == [], provider
