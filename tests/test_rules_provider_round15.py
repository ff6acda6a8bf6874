"""Provider facts of issue 9's session-17 round (probe round 15), over the request shapes their sources quote:
each case is a provider, a request it refuses (or one it accepts), and the severity the rule declares there.
The same shape on a provider that accepts it is not flagged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import BUILTIN_PROFILES
from toolguard_core.rules import RULES

USER = {"role": "user", "content": "Hello"}
CEREBRAS = "https://api.cerebras.ai/v1/chat/completions"
OPENAI = "https://api.openai.com/v1/chat/completions"
GROQ = "https://api.groq.com/openai/v1/chat/completions"
AZURE_V1 = "https://example.openai.azure.com/openai/v1/chat/completions"
FOUNDRY_V1 = "https://example.services.ai.azure.com/openai/v1/chat/completions"
MOONSHOT = "https://api.moonshot.ai/v1/chat/completions"


def findings(body: dict[str, Any], url: str, rule: str) -> list[tuple[str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors
    return [(f.severity.value, f.location) for f in analysis.findings if f.rule == rule]


def _tool(name: str, strict: bool | None = None) -> dict[str, Any]:
    function: dict[str, Any] = {"name": name, "parameters": {"type": "object", "properties": {}}}
    if strict is not None:
        function["strict"] = strict
    return {"type": "function", "function": function}


def _tools(*tools: dict[str, Any]) -> dict[str, Any]:
    return {"model": "zai-glm-4.7", "messages": [USER], "tools": list(tools)}


# tools.mixed-strict: Cerebras takes one `strict` value for every tool ("Tools with mixed values for 'strict' are
# not allowed", mpfaffenberger/code_puppy#368; a tool without `strict` counts as false there). One value for all,
# true or false, passes; OpenAI and Groq take `strict` per function.
MIXED_STRICT_CASES = [
    (CEREBRAS, _tools(_tool("read_file", True), _tool("use_mcp_tool", False)), [("error", "tools[1].function.strict")]),
    (CEREBRAS, _tools(_tool("read_file", True), _tool("use_mcp_tool")), [("error", "tools[1].function.strict")]),
    (CEREBRAS, _tools(_tool("a"), _tool("b"), _tool("c", True)), [("error", "tools[2].function.strict")]),
    (CEREBRAS, _tools(_tool("read_file", True), _tool("use_mcp_tool", True)), []),
    (CEREBRAS, _tools(_tool("read_file", False), _tool("use_mcp_tool")), []),
    (CEREBRAS, _tools(_tool("read_file", True)), []),
    (OPENAI, {**_tools(_tool("read_file", True), _tool("use_mcp_tool")), "model": "gpt-4.1"}, []),
    (GROQ, {**_tools(_tool("read_file", True), _tool("use_mcp_tool")), "model": "llama-3.3-70b-versatile"}, []),
]  # fmt: skip


@pytest.mark.parametrize(("url", "body", "expected"), MIXED_STRICT_CASES)
def test_mixed_strict_tools_are_judged_where_the_host_declares_the_refusal(
    url: str, body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert findings(body, url, "tools.mixed-strict") == expected


def test_every_declared_refusal_has_a_source_and_the_policy_follows_the_profiles() -> None:
    declared = {p.id: p.mixed_strict_refusal for p in BUILTIN_PROFILES.values() if p.mixed_strict_refusal}
    assert declared
    assert all(source.startswith("https://") for source in declared.values())
    assert set(RULES["tools.mixed-strict"].policy.providers) == set(declared)


def test_the_finding_cites_the_refusal_so_the_fact_is_traceable() -> None:
    analysis = analyse_request(json.dumps(_tools(_tool("a", True), _tool("b"))), CEREBRAS)
    (finding,) = [f for f in analysis.findings if f.rule == "tools.mixed-strict"]
    assert BUILTIN_PROFILES["cerebras"].mixed_strict_refusal in finding.message


def _cached(model: str) -> dict[str, Any]:
    return {"model": model, "messages": [USER], "prompt_cache_key": "session-1"}


# params.rejected-for-partner-model: Azure's /openai/v1 answers a Foundry partner model itself ("400 Unrecognized
# request argument supplied: prompt_cache_key" for Kimi-K2.7-Code, MoonshotAI/kimi-code#2611) though its OpenAI
# models take the key and Moonshot's own API takes it for Kimi; a deployment name that names no partner vendor is
# not judged.
PARTNER_CASES = [
    (AZURE_V1, _cached("Kimi-K2.7-Code"), [("error", "prompt_cache_key")]),
    (FOUNDRY_V1, _cached("DeepSeek-V3.2"), [("error", "prompt_cache_key")]),
    (FOUNDRY_V1, _cached("grok-4-fast-reasoning"), [("error", "prompt_cache_key")]),
    (FOUNDRY_V1, _cached("Llama-4-Maverick-17B-128E-Instruct-FP8"), [("error", "prompt_cache_key")]),
    (AZURE_V1, {"model": "Kimi-K2.7-Code", "messages": [USER]}, []),
    (AZURE_V1, {**_cached("Kimi-K2.7-Code"), "prompt_cache_key": None}, []),
    (AZURE_V1, _cached("gpt-5.4"), []),
    (AZURE_V1, _cached("o4-mini"), []),
    (AZURE_V1, _cached("my-prod-deployment"), []),
    (MOONSHOT, _cached("kimi-k2.6"), []),
]  # fmt: skip


@pytest.mark.parametrize(("url", "body", "expected"), PARTNER_CASES)
def test_partner_model_fields_are_judged_where_the_cloud_declares_them(
    url: str, body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert findings(body, url, "params.rejected-for-partner-model") == expected


def test_every_partner_refusal_cites_its_source_and_the_policy_follows_the_declarations() -> None:
    from toolguard_core.providers import PARTNER_REJECTED_PARAMS

    assert PARTNER_REJECTED_PARAMS
    for _pattern, fields in PARTNER_REJECTED_PARAMS.values():
        assert fields and all("https://" in why for why in fields.values())
    assert set(RULES["params.rejected-for-partner-model"].policy.providers) == set(PARTNER_REJECTED_PARAMS)
