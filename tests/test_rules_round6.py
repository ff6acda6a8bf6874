"""Issue 9 round 6: the capability and spec facts added from sources outside the corpus.

Each row is a request a real thread shows being rejected (the provider's text is cited on the rule), and
its accepted counterpart; the whole list of error findings is asserted, so a new finding on either side
fails the test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request

OPENAI = "https://api.openai.com/v1/chat/completions"
AZURE = "https://example.openai.azure.com/openai/deployments/o1/chat/completions?api-version=2024-10-21"
GATEWAY = "https://llm.corp.example/v1/chat/completions"
OLLAMA = "http://localhost:11434/v1/chat/completions"
COPILOT = "https://api.githubcopilot.com/chat/completions"
USER = {"role": "user", "content": "What is the weather in SF?"}
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get weather",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    },
}


def _replay(name: str) -> list[dict[str, Any]]:
    """Continue's history (continuedev/continue#5091): a call whose function name the client lost."""
    call = {
        "id": "call_NXb8SS0nb3vaoLZyHxJB6mwJ",
        "type": "function",
        "function": {"name": name, "arguments": "{}"},
    }
    return [
        {"role": "user", "content": "read main.py"},
        {"role": "assistant", "content": " ", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "print(1)"},
    ]


def _tools(n: int) -> list[dict[str, Any]]:
    return [{**TOOL, "function": {**TOOL["function"], "name": f"tool_{i}"}} for i in range(n)]


CASES: list[tuple[str, dict[str, Any], str, list[tuple[str, str]]]] = [
    # o1-mini has no function calling (goose#921), on OpenAI, Azure and behind an unknown gateway.
    ("o1-mini tools, OpenAI", {"model": "o1-mini", "messages": [USER], "tools": [TOOL]}, OPENAI,
     [("model.tools-unsupported", "tools")]),
    ("o1-mini tools, Azure", {"model": "o1-mini", "messages": [USER], "tools": [TOOL]}, AZURE,
     [("model.tools-unsupported", "tools")]),
    ("o1-mini tools, gateway", {"model": "o1-mini", "messages": [USER], "tools": [TOOL]}, GATEWAY,
     [("model.tools-unsupported", "tools")]),
    ("o1-mini without tools", {"model": "o1-mini", "messages": [USER]}, OPENAI, []),
    ("o1 takes tools", {"model": "o1", "messages": [USER], "tools": [TOOL]}, OPENAI, []),
    # Ollama's deepseek-r1 and phi3 library templates (ollama#15023, finetic#7).
    ("deepseek-r1:latest tools", {"model": "deepseek-r1:latest", "messages": [USER], "tools": [TOOL]}, OLLAMA,
     [("quirks.ollama-model-no-tools", "tools")]),
    ("deepseek-r1:14b tools", {"model": "deepseek-r1:14b", "messages": [USER], "tools": [TOOL]}, OLLAMA,
     [("quirks.ollama-model-no-tools", "tools")]),
    ("phi3 tools", {"model": "phi3:latest", "messages": [USER], "tools": [TOOL]}, OLLAMA,
     [("quirks.ollama-model-no-tools", "tools")]),
    ("deepseek-r1 without tools", {"model": "deepseek-r1:14b", "messages": [USER]}, OLLAMA, []),
    ("qwen3 takes tools", {"model": "qwen3:8b", "messages": [USER], "tools": [TOOL]}, OLLAMA, []),
    ("phi3.5 is not phi3", {"model": "phi3.5:latest", "messages": [USER]}, OLLAMA, []),
    # An empty function name in a replayed call (continue#9784, #5091).
    ("empty replayed name", {"model": "gpt-4o", "messages": _replay("")}, OPENAI,
     [("tools.invalid-history-name", "messages[1].tool_calls[0].function.name")]),
    ("named replayed call", {"model": "gpt-4o", "messages": _replay("read_file")}, OPENAI, []),
    # A message name outside ^[a-zA-Z0-9_-]+$ (Flowise#2948, meowgram-client#11, LibreChat#1075).
    ("name with a space", {"model": "gpt-4o", "messages": [{"role": "user", "name": "John Doe", "content": "hi"}]},
     OPENAI, [("messages.name-pattern", "messages[0].name")]),
    ("empty name", {"model": "gpt-4o", "messages": [{"role": "user", "name": "", "content": "hi"}]},
     OPENAI, [("messages.name-pattern", "messages[0].name")]),
    ("name behind a gateway", {"model": "gpt-4o", "messages": [{"role": "system", "name": "ops.bot", "content": "x"}, USER]},
     GATEWAY, [("messages.name-pattern", "messages[0].name")]),
    ("valid name", {"model": "gpt-4o", "messages": [{"role": "user", "name": "John_Doe-2", "content": "hi"}]}, OPENAI, []),
    ("name on a self-hosted server", {"model": "Qwen/Qwen3-8B", "messages": [{"role": "user", "name": "John Doe", "content": "hi"}]},
     "http://127.0.0.1:8000/v1/chat/completions", []),
    # GitHub Copilot bounds tools at 128 for every model it serves (copilot-api#188, vscode-copilot-release#12160).
    ("copilot gpt-5.1 142 tools", {"model": "gpt-5.1", "messages": [USER], "tools": _tools(142)}, COPILOT,
     [("tools.too-many", "tools")]),
    ("copilot claude 129 tools", {"model": "claude-sonnet-4.5", "messages": [USER], "tools": _tools(129)}, COPILOT,
     [("tools.too-many", "tools")]),
    ("copilot 128 tools", {"model": "gpt-5.1", "messages": [USER], "tools": _tools(128)}, COPILOT, []),
]  # fmt: skip


@pytest.mark.parametrize(("body", "url", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_round6_errors(body: dict[str, Any], url: str, expected: list[tuple[str, str]]) -> None:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors, analysis.internal_errors
    errors = [(f.rule, f.location) for f in analysis.findings if str(f.severity) == "error"]
    assert errors == expected


def test_empty_replayed_name_is_silent_on_self_hosted() -> None:
    """vLLM and llama.cpp render the history through a chat template; no such validation is known."""
    body = {"model": "Qwen/Qwen3-8B", "messages": _replay("")}
    analysis = analyse_request(json.dumps(body), "http://127.0.0.1:8000/v1/chat/completions")
    assert [f.rule for f in analysis.findings if f.rule == "tools.invalid-history-name"] == []
