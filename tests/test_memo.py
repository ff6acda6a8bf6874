"""rules/memo.py: the tool definitions' checks remembered across requests give exactly the findings
of checking them again, for every body the project has (dev corpus rows, probe rows, valid requests,
every rule's example) and mutations of their tools, on several targets."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import Target
from toolguard_core.rules import memo, spec, tools
from toolguard_core.rules.registry import RULES

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
API_URLS = {
    "chat": "https://api.openai.com/v1/chat/completions",
    "responses": "https://api.openai.com/v1/responses",
    "messages": "https://api.anthropic.com/v1/messages",
}
#: Other targets for the same bodies: a provider with its own tool rules, and an unrecognised host
#: where the checks judge as the model's vendor.
OTHER_URLS = (
    "https://api.groq.com/openai/v1/chat/completions",
    "https://llm.example.internal/v1/chat/completions",
)


OTHER_MODELS = ("gemini-2.5-flash", "claude-sonnet-4-5")


def bodies() -> list[tuple[str, dict[str, Any]]]:
    """(url, body) of every request the project's data holds, never a held-out row (issue #9/#10)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if row.get("split", "dev") != "dev" or not isinstance(row.get("request"), dict):
                continue
            found.append(
                (row.get("url") or API_URLS.get(row.get("api") or "chat", API_URLS["chat"]), row["request"])
            )
    for rule in RULES.values():
        if rule.example is not None:
            found.append((rule.example_url, rule.example))
    return found


def tool_mutations(body: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """Variants of ``body`` whose tools break a rule or differ by one value: a duplicated name, a bad
    name, a schema's type, an array without items, strict mode, a dropped definition."""
    defined = body.get("tools")
    if not isinstance(defined, list) or not defined:
        return []
    out = []
    for kind in range(6):
        changed = copy.deepcopy(defined)
        tool = changed[rng.randrange(len(changed))]
        inner = tool.get("function", tool) if isinstance(tool, dict) else None
        if not isinstance(inner, dict):
            continue
        if kind == 0:
            changed.append(copy.deepcopy(tool))
        elif kind == 1:
            inner["name"] = "bad name.v2"
        elif kind == 2:
            inner["parameters"] = {"type": "array"}
        elif kind == 3:
            inner["parameters"] = {"type": "object", "properties": {"xs": {"type": "array"}}}
        elif kind == 4:
            tool["strict"] = True
            inner["strict"] = True
        else:
            del changed[0]
        out.append({**body, "tools": changed})
    return out


def widened(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with at least memo.MIN_TOOLS definitions (copies of its own under new names), so
    its tools are remembered."""
    defined = body.get("tools")
    if not isinstance(defined, list) or not defined or len(defined) >= memo.MIN_TOOLS:
        return body
    more = []
    for n in range(memo.MIN_TOOLS - len(defined)):
        extra = copy.deepcopy(defined[n % len(defined)])
        inner = extra.get("function", extra) if isinstance(extra, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            inner["name"] = f"{inner['name']}_{n}"
        more.append(extra)
    return {**body, "tools": [*defined, *more]}


def cases() -> list[tuple[str, bytes]]:
    rng = random.Random(12)
    out = []
    for url, body in bodies():
        for variant in (body, widened(body), *tool_mutations(widened(body), rng)):
            raw = json.dumps(variant).encode()
            out.append((url, raw))
            if url == API_URLS["chat"]:
                out.extend((other, raw) for other in OTHER_URLS)
                # The same definitions for another vendor's model: judged as that vendor on an
                # unrecognised host (its tool-name pattern), so the model is part of what is remembered.
                for model in OTHER_MODELS:
                    out.extend(
                        (other, json.dumps({**variant, "model": model}).encode()) for other in OTHER_URLS
                    )
    return out


def findings(url: str, raw: bytes, targets: dict[str, Target]) -> list[tuple[str, str, str, str]]:
    # One Target per URL, reused as the worker reuses its context's: the memo's hits need it.
    target = targets.setdefault(url, Target.from_url(url, DEFAULT_REGISTRY))
    analysis = analyse_request(raw, url, target=target)
    assert not analysis.internal_errors, analysis.internal_errors
    return [(f.rule, str(f.severity), f.location, f.message) for f in analysis.findings]


def clear() -> None:
    tools._TOOL_LISTS.clear()
    spec._TOOLS_WALKED.clear()


def test_remembered_tool_checks_find_exactly_what_checking_again_finds(monkeypatch):
    all_cases = cases()
    assert len(all_cases) > 2000
    targets: dict[str, Target] = {}
    monkeypatch.setattr(memo, "MIN_TOOLS", 10**9)  # nothing remembered: the rules as they were
    clear()
    checked = [findings(url, raw, targets) for url, raw in all_cases]
    assert not len(tools._TOOL_LISTS) and not len(spec._TOOLS_WALKED)
    monkeypatch.setattr(memo, "MIN_TOOLS", 1)  # every list remembered, none dropped for room
    monkeypatch.setattr(tools._TOOL_LISTS, "max_bytes", 1 << 30)
    monkeypatch.setattr(spec._TOOLS_WALKED, "max_bytes", 1 << 30)
    # Grouped by target, as a worker sees a session's turns: remembered lists are found again.
    order = sorted(range(len(all_cases)), key=lambda n: all_cases[n][0])
    cold_by_case = {n: findings(*all_cases[n], targets) for n in order}
    cold = [cold_by_case[n] for n in range(len(all_cases))]
    remembered = len(tools._TOOL_LISTS)
    warm = [findings(url, raw, targets) for url, raw in reversed(all_cases)][::-1]
    assert remembered > 300
    assert len(tools._TOOL_LISTS) == remembered  # the warm pass found every list remembered
    assert sum(map(len, checked)) > 1000  # the tables hold findings to compare, not only clean bodies
    assert cold == checked
    assert warm == checked


def test_a_body_the_stdlib_parsed_is_never_remembered():
    # NaN is not JSON: orjson refuses it, the stdlib's fallback accepts it, and orjson would write
    # it back as null, the text of another schema.
    clear()
    fn = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "maximum": None}}}
    many = [copy.deepcopy(fn) for _ in range(memo.MIN_TOOLS)]
    for n, tool in enumerate(many):
        tool["function"]["name"] = f"f{n}"
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "tools": many}
    url = API_URLS["chat"]
    analyse_request(json.dumps(body).replace("null", "NaN").encode(), url)
    assert not len(tools._TOOL_LISTS) and not len(spec._TOOLS_WALKED)
    analyse_request(json.dumps(body).encode(), url)
    assert len(spec._TOOLS_WALKED) == 1


@pytest.mark.parametrize(
    ("puts", "max_bytes", "kept"),
    [
        # Least recently used first out, by the keys' text size.
        ([("a", 4), ("b", 4), ("c", 4)], 8, ["b", "c"]),
        # A read makes an entry recent.
        ([("a", 4), ("b", 4), ("a", None), ("c", 4)], 8, ["a", "c"]),
        # A key larger than the bound is not kept, and drops nothing.
        ([("a", 4), ("big", 9)], 8, ["a"]),
        # The same key again replaces its value without counting twice.
        ([("a", 4), ("a", 4), ("b", 4)], 8, ["a", "b"]),
    ],
)
def test_the_memo_is_bounded_by_its_keys_bytes(puts, max_bytes, kept):
    remembered = memo.Memo(max_bytes)
    for name, size in puts:
        if size is None:
            assert remembered.get((name, b"x" * 4)) == name
        else:
            remembered.put((name, b"x" * size), name)
    assert sorted(v for v in remembered._entries.values()) == sorted(kept)
    assert remembered._size == sum(len(k[-1]) for k in remembered._entries)


def test_the_rules_a_host_taught_toolguard_to_demote_are_part_of_what_is_remembered(monkeypatch):
    # learned.py's demoted rules change a finding's level (Rule.report): a list remembered without
    # them would give the level of before.
    import orjson

    from toolguard_core.request import RequestView

    monkeypatch.setattr(memo, "MIN_TOOLS", 1)
    clear()
    body = orjson.loads(
        json.dumps(
            {
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": "hi"}],
                "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "array"}}}],
            }
        )
    )
    target = Target.from_url(API_URLS["chat"], DEFAULT_REGISTRY)

    def levels(demoted: frozenset[str], exact: bool) -> list[tuple[str, str]]:
        view = RequestView(body=body, target=target, demoted=demoted, exact=exact)
        return [(f.rule, str(f.severity)) for f in tools.check_tools(view)]

    for demoted in (frozenset(), frozenset({"tools.parameters-not-object"}), frozenset()):
        assert levels(demoted, True) == levels(demoted, False)
    assert levels(frozenset(), True) != levels(frozenset({"tools.parameters-not-object"}), True)
