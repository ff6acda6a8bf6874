"""Provider facts of issue 9's session-16 round (probe round 14), over the request shapes their sources quote:
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
PERPLEXITY = "https://api.perplexity.ai/chat/completions"
OPENAI = "https://api.openai.com/v1/chat/completions"
GROQ = "https://api.groq.com/openai/v1/chat/completions"


def findings(body: dict[str, Any], url: str, rule: str) -> list[tuple[str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors
    return [(f.severity.value, f.location) for f in analysis.findings if f.rule == rule]


# params.exclusive-fields: Perplexity's Sonar API refuses both penalties in one request ("Cannot set both
# presence_penalty and frequency_penalty.", BerriAI/litellm#1817); either alone is accepted, and hosts that
# take both are never flagged.
EXCLUSIVE_CASES = [
    (PERPLEXITY, {"model": "sonar", "messages": [USER], "presence_penalty": 0, "frequency_penalty": 0},
     [("error", "frequency_penalty")]),
    (PERPLEXITY, {"model": "sonar-pro", "messages": [USER], "presence_penalty": 0.4, "frequency_penalty": 0.5},
     [("error", "frequency_penalty")]),
    (PERPLEXITY, {"model": "sonar", "messages": [USER], "presence_penalty": 0.5}, []),
    (PERPLEXITY, {"model": "sonar", "messages": [USER], "frequency_penalty": 0.5}, []),
    # A null is a field not sent (clients serialise an unset option as null).
    (PERPLEXITY, {"model": "sonar", "messages": [USER], "presence_penalty": 0.5, "frequency_penalty": None}, []),
    (OPENAI, {"model": "gpt-4.1", "messages": [USER], "presence_penalty": 0.5, "frequency_penalty": 0.5}, []),
    (GROQ, {"model": "llama-3.3-70b-versatile", "messages": [USER], "presence_penalty": 0.5,
            "frequency_penalty": 0.5}, []),
]  # fmt: skip


@pytest.mark.parametrize(("url", "body", "expected"), EXCLUSIVE_CASES)
def test_exclusive_fields_are_judged_where_the_host_declares_the_pair(
    url: str, body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert findings(body, url, "params.exclusive-fields") == expected


def test_every_declared_pair_has_a_source_and_keeps_one_of_its_fields() -> None:
    declared = [(p.id, pair) for p in BUILTIN_PROFILES.values() for pair in p.exclusive_fields]
    assert declared
    for _pid, pair in declared:
        assert pair.source.startswith("https://") and pair.keep in pair.fields
    # The rule is an error exactly where a profile declares a pair (its policy is derived from them).
    assert set(RULES["params.exclusive-fields"].policy.providers) == {pid for pid, _ in declared}


def test_the_finding_cites_the_refusal_so_the_fact_is_traceable() -> None:
    analysis = analyse_request(
        json.dumps({"model": "sonar", "messages": [USER], "presence_penalty": 1, "frequency_penalty": 1}),
        PERPLEXITY,
    )
    (finding,) = [f for f in analysis.findings if f.rule == "params.exclusive-fields"]
    assert BUILTIN_PROFILES["perplexity"].exclusive_fields[0].source in finding.message


DASHSCOPE = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions"


def _tool(name: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "parameters": {"type": "object", "properties": {}}},
    }


# tools.reserved-name: DashScope keeps `search` for its own web search and refuses a client tool of that name
# ("Tool names are not allowed to be [search]", ikechan8370/chatgpt-plugin#696); other names and other hosts pass.
RESERVED_CASES = [
    (DASHSCOPE, {"model": "qwen-max", "messages": [USER], "tools": [_tool("search")]},
     [("error", "tools[0].function.name")]),
    (DASHSCOPE, {"model": "qwen-plus", "messages": [USER], "tools": [_tool("read_file"), _tool("search")]},
     [("error", "tools[1].function.name")]),
    (DASHSCOPE, {"model": "qwen-max", "messages": [USER], "tools": [_tool("web_search")]}, []),
    (OPENAI, {"model": "gpt-4.1", "messages": [USER], "tools": [_tool("search")]}, []),
    (GROQ, {"model": "llama-3.3-70b-versatile", "messages": [USER], "tools": [_tool("search")]}, []),
]  # fmt: skip


@pytest.mark.parametrize(("url", "body", "expected"), RESERVED_CASES)
def test_reserved_tool_names_are_judged_where_the_host_declares_them(
    url: str, body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert findings(body, url, "tools.reserved-name") == expected


def test_every_reserved_name_has_a_source_and_the_policy_follows_the_profiles() -> None:
    declared = {p.id: p.reserved_tool_names for p in BUILTIN_PROFILES.values() if p.reserved_tool_names}
    assert declared
    assert all(source.startswith("https://") for names in declared.values() for source in names.values())
    assert set(RULES["tools.reserved-name"].policy.providers) == set(declared)
