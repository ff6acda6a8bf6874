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
    # Only the pairing rules: on the unknown server the unknown model also gets model.rules-skipped.
    assert [(f.rule, f.location, f.severity) for f in findings if f.rule.startswith("sequence.")] == [
        ("sequence.orphan-tool-message", "messages[0]", severity)
    ]


# A server recognised only by a port other servers share (8000, 8080, 30000) is a guess: its
# provider-specific errors become warnings that say so; declared in the config file, they stay errors.
TRAILING_ASSISTANTS = {
    "model": "m",
    "messages": [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "x"},
        {"role": "assistant", "content": "y"},
    ],
}


def test_port_guess_downgrades_provider_specific_errors() -> None:
    from support.rule_cases import analyse

    url = "http://127.0.0.1:8080/v1/chat/completions"
    guessed = analyse_request(json.dumps(TRAILING_ASSISTANTS).encode(), url)
    assert guessed.target.provider.guessed
    note, finding = guessed.findings  # llama-server's model gets no model rules: the note says so first
    assert (note.rule, note.severity) == ("model.rules-skipped", "info")
    assert (finding.rule, finding.severity) == ("roles.trailing-assistant-messages", "warning")
    assert "by its port only" in finding.message

    declared = analyse("llama.cpp", TRAILING_ASSISTANTS)
    assert not declared.target.provider.guessed
    assert [(f.rule, f.severity) for f in declared.findings] == [
        ("model.rules-skipped", "info"),
        ("roles.trailing-assistant-messages", "error"),
    ]


def test_ollamas_own_port_is_not_a_guess() -> None:
    body = {"model": "llava", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}]}  # fmt: skip
    analysis = analyse_request(json.dumps(body).encode(), "http://localhost:11434/v1/chat/completions")
    assert not analysis.target.provider.guessed
    assert [f.severity for f in analysis.findings if f.rule.startswith("content.")] == ["error"]
