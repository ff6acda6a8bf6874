"""Issue 9 round 7: function tools with a reasoning effort on chat completions, per model and host.

Each row is a request whose shape a real thread shows refused (openai/openai-openapi#541 for gpt-5.4 with
an effort; LibreChat#14355 and fazer-ai/agents#66 for the gpt-5.6 family without one) or accepted (an
explicit "none"; gpt-5.4-mini, fazer-ai/agents#66); every finding of every severity is asserted, so a new
finding on either side fails the test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request

OPENAI = "https://api.openai.com/v1/chat/completions"
AZURE = "https://example.openai.azure.com/openai/deployments/gpt-54/chat/completions?api-version=2025-04-01-preview"
GATEWAY = "https://llm.corp.example/v1/chat/completions"
COPILOT = "https://api.githubcopilot.com/chat/completions"
RESPONSES = "https://api.openai.com/v1/responses"
USER = {"role": "user", "content": "What is 2+3? Use the tool."}
TOOL = {
    "type": "function",
    "function": {
        "name": "evaluate",
        "description": "Evaluate an arithmetic expression",
        "parameters": {"type": "object", "properties": {"expr": {"type": "string"}}, "required": ["expr"]},
    },
}
RULE = "model.tools-with-reasoning-effort"


def body(model: str, effort: str | None = None, tools: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"model": model, "messages": [USER]}
    if tools:
        out["tools"] = [TOOL]
    if effort is not None:
        out["reasoning_effort"] = effort
    return out


CASES: list[tuple[str, dict[str, Any], str, list[tuple[str, str, str]]]] = [
    ("gpt-5.4 tools + medium", body("gpt-5.4", "medium"), OPENAI, [(RULE, "error", "reasoning_effort")]),
    (
        "gpt-5.4 dated snapshot",
        body("gpt-5.4-2026-03-05", "low"),
        OPENAI,
        [(RULE, "error", "reasoning_effort")],
    ),
    ("gpt-5.2 tools + high", body("gpt-5.2", "high"), OPENAI, [(RULE, "error", "reasoning_effort")]),
    ("gpt-5.4 tools, no effort", body("gpt-5.4"), OPENAI, []),
    ("gpt-5.4 tools + none", body("gpt-5.4", "none"), OPENAI, []),
    ("gpt-5.4 effort, no tools", body("gpt-5.4", "high", tools=False), OPENAI, []),
    ("gpt-5.4-mini takes both", body("gpt-5.4-mini", "medium"), OPENAI, []),
    ("gpt-5.6-sol tools, no effort", body("gpt-5.6-sol"), OPENAI, [(RULE, "error", "reasoning_effort")]),
    (
        "gpt-5.6-terra tools + low",
        body("gpt-5.6-terra", "low"),
        OPENAI,
        [(RULE, "error", "reasoning_effort")],
    ),
    ("gpt-5.6 tools + none", body("gpt-5.6", "none"), OPENAI, []),
    ("gpt-5.6-luna, no tools", body("gpt-5.6-luna", tools=False), OPENAI, []),
    # Copilot serves gpt-5.6-luna on /responses only (catalog host fact, ericc-ch/copilot-api#274): chat
    # completions refuse the model itself as well.
    (
        "gpt-5.6-luna via Copilot",
        body("gpt-5.6-luna"),
        COPILOT,
        [("model.chat-completions-unsupported", "error", "model"), (RULE, "error", "reasoning_effort")],
    ),
    # Azure answers OpenAI's text (Azure AI Foundry, agentgateway#2894; maximhq/bifrost#7275).
    ("gpt-5.4 on Azure", body("gpt-5.4", "medium"), AZURE, [(RULE, "error", "reasoning_effort")]),
    ("gpt-5.6-luna on Azure, no effort", body("gpt-5.6-luna"), AZURE, [(RULE, "error", "reasoning_effort")]),
    ("gpt-5.4 on Azure, no effort", body("gpt-5.4"), AZURE, []),
    ("gpt-5.6 behind a gateway", body("openai/gpt-5.6-sol"), GATEWAY, [(RULE, "error", "reasoning_effort")]),
]


def findings(request: dict[str, Any], url: str) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps(request), url)
    assert not analysis.internal_errors, analysis.internal_errors
    return [(f.rule, str(f.severity), f.location) for f in analysis.findings]


@pytest.mark.parametrize(
    ("request_body", "url", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_tools_with_reasoning_effort(
    request_body: dict[str, Any], url: str, expected: list[tuple[str, str, str]]
) -> None:
    assert findings(request_body, url) == expected


def test_a_gateway_finding_says_the_provider_was_inferred() -> None:
    analysis = analyse_request(json.dumps(body("gpt-5.6-sol")), GATEWAY)
    (finding,) = [f for f in analysis.findings if f.rule == RULE]
    assert "inferred" in finding.message.lower() and "gpt-5.6-sol" in finding.message


def test_on_azure_the_finding_points_to_the_responses_api_only() -> None:
    """Azure refused "none" for gpt-5.6-luna as well (agentgateway#2894, bifrost#7275): no "send none" there."""
    analysis = analyse_request(json.dumps(body("gpt-5.6-luna")), AZURE)
    (finding,) = [f for f in analysis.findings if f.rule == RULE]
    assert "/v1/responses" in finding.message and 'Send "none"' not in finding.message


def test_the_responses_api_is_not_judged_by_the_chat_rule() -> None:
    request = {"model": "gpt-5.4", "input": "hi", "tools": [{"type": "function", "name": "f", "parameters": {}}],
               "reasoning": {"effort": "high"}}  # fmt: skip
    assert RULE not in [f.rule for f in analyse_request(json.dumps(request), RESPONSES).findings]
