"""Pairing findings are errors where the provider validates pairing and warnings where it does not
(vLLM, SGLang, llama.cpp and Ollama pass messages to the chat template unchecked: providers.md §6.3)."""

from __future__ import annotations

import json

import pytest

from toolguard_core.analyze import analyse_request

ORPHAN = {
    "model": "m",
    "messages": [{"role": "tool", "content": "action completed!", "tool_call_id": "dummy"}],
}


@pytest.mark.parametrize(
    ("url", "severity"),
    [
        ("https://api.openai.com/v1/chat/completions", "error"),
        ("https://api.deepseek.com/chat/completions", "error"),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions", "error"),
        ("http://127.0.0.1:5555/v1/chat/completions", "error"),  # unknown server: the OpenAI contract
        ("http://127.0.0.1:8000/v1/chat/completions", "warning"),  # vLLM
        ("http://localhost:11434/v1/chat/completions", "warning"),  # Ollama
        ("http://127.0.0.1:8080/v1/chat/completions", "warning"),  # llama.cpp
    ],
)
def test_orphan_severity_follows_the_provider(url: str, severity: str) -> None:
    findings = analyse_request(json.dumps(ORPHAN).encode(), url).findings
    assert [(f.rule, f.location, f.severity) for f in findings] == [
        ("sequence.orphan-tool-message", "messages[0]", severity)
    ]
