"""The provider × parameter table (issue 9, session 15): the shipped snapshot, its refresh script on a fixture
tree, its agreement with the provider profiles' own facts, and the one rule that reads it."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.findings import Severity
from toolguard_core.provider_params import (
    DISAGREEMENTS,
    model_params,
    provider_names,
    providers,
    source_label,
    table_meta,
)
from toolguard_core.providers import BUILTIN_PROFILES

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import refresh_provider_params as refresh  # noqa: E402

FIXTURE = ROOT / "tests" / "data" / "provider_params"
RULE = "provider_params.value-not-listed"


# --- the shipped snapshot -------------------------------------------------------------------------------
def test_the_shipped_table_records_its_source_commit_and_dates() -> None:
    meta = table_meta()
    assert meta["source"] == "mnfst/modelparams.dev" and meta["url"] == refresh.SOURCE_URL
    assert re.fullmatch(r"[0-9a-f]{40}", meta["commit"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["commit_date"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["generated"]) and meta["generated"] >= meta["commit_date"]
    assert source_label() == f"mnfst/modelparams.dev@{meta['commit'][:7]} ({meta['commit_date']})"


def test_the_shipped_table_covers_only_built_in_profiles_on_the_chat_surface() -> None:
    assert providers() == set(table_meta()["catalog_providers"].values())
    assert providers() <= set(BUILTIN_PROFILES)
    assert providers() <= set(refresh.CHAT_PROVIDERS.values())


# --- the refresh script, on a fixture tree written in the source's shape ----------------------------------
def test_refresh_reads_the_chat_surface_api_key_routes_and_records_the_source(tmp_path: Path) -> None:
    out = tmp_path / "table.json"
    argv = ["--source", str(FIXTURE), "--commit", "a" * 40, "--commit-date", "2026-08-22"]
    assert refresh.main([*argv, "--out", str(out), "--date", "2026-12-02"]) == 0
    table = json.loads(out.read_text(encoding="utf-8"))
    assert table["_meta"]["commit"] == "a" * 40 and table["_meta"]["commit_date"] == "2026-08-22"
    assert table["_meta"]["generated"] == "2026-12-02"
    assert table["_meta"]["catalog_providers"] == {"moonshot": "moonshot", "groq": "groq"}
    # Anthropic (Messages) and Cohere (native v2) are other surfaces; the subscription route, the retired
    # model and the entry with no parameters are skipped.
    assert table["providers"] == {
        "groq": {
            "demo-70b": {
                "params": {
                    "reasoning_effort": {"values": ["low", "high"]},
                    "temperature": {"min": 0, "max": 1.9, "step": 0.1},
                    "top_p": {"min": 0, "max": 1, "conditional": True},
                },
                "wire_id": "demo-org/demo-70b",
            }
        },
        "moonshot": {"new-8k": {"params": {"response_format.type": {"values": ["text", "json_object"]}}}},
    }


def test_refresh_needs_a_commit_when_the_source_is_not_a_git_checkout(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        refresh.main(["--source", str(FIXTURE), "--out", str(tmp_path / "t.json")])
    with pytest.raises(SystemExit):
        refresh.main(["--source", str(tmp_path), "--commit", "a" * 40, "--commit-date", "2026-08-22"])


# --- derive, don't duplicate: the profiles' own facts agree with the table --------------------------------
def _listed(provider: str) -> dict[str, list[dict[str, Any]]]:
    table = json.loads((ROOT / "addon" / "toolguard_core" / "data" / "provider_params.json").read_text())
    by_path: dict[str, list[dict[str, Any]]] = {}
    for entry in table["providers"][provider].values():
        for path, spec in entry["params"].items():
            by_path.setdefault(path, []).append(spec)
    return by_path


def _differences() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for pid in providers():
        profile = BUILTIN_PROFILES[pid]
        listed = _listed(pid)
        for name in provider_names(pid):
            if profile.known_params is not None and name not in profile.known_params:
                found.add((pid, name))  # the table documents a field the profile would call unknown
            if name in profile.rejected_params:
                found.add((pid, name))  # the table documents a field the profile says is refused
        efforts = {v for spec in listed.get("reasoning_effort", []) for v in spec.get("values", [])}
        if profile.reasoning_efforts is not None and not efforts <= profile.reasoning_efforts:
            found.add((pid, "reasoning_effort"))
        for path, specs in listed.items():
            declared = profile.ranges.get(path)
            if declared is None or declared.severity != Severity.ERROR:
                continue
            for spec in specs:
                if spec.get("conditional"):
                    continue
                low, high = spec.get("min"), spec.get("max")
                if (low is not None and not declared.bounds.contains(low)) or (
                    high is not None and not declared.bounds.contains(high)
                ):
                    found.add((pid, path))  # the profile would error on a value the table documents
    return found


def test_every_difference_between_the_table_and_a_profile_is_listed_with_its_winner() -> None:
    assert _differences() == set(DISAGREEMENTS)


def test_nvidia_field_list_is_derived_from_the_table() -> None:
    nvidia = BUILTIN_PROFILES["nvidia"]
    assert nvidia.known_params is not None and provider_names("nvidia") <= nvidia.known_params
    body = {"model": "nvidia/gliner-pii", "messages": [{"role": "user", "content": "a"}], "threshold": 0.5}
    findings = analyse_request(
        json.dumps(body), "https://integrate.api.nvidia.com/v1/chat/completions"
    ).findings
    assert [f.rule for f in findings if f.rule == "params.unknown"] == []


# --- lookups ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("provider", "model", "found"),
    [
        ("moonshot", "moonshot-v1-8k", "moonshot-v1-8k"),
        ("moonshot", "MOONSHOT-V1-8K", "moonshot-v1-8k"),
        ("moonshot", "moonshotai/moonshot-v1-8k", "moonshot-v1-8k"),
        ("groq", "openai/gpt-oss-120b", "gpt-oss-120b"),  # its wire id
        ("moonshot", "kimi-unknown", None),
        ("moonshot", None, None),
        ("generic", "gpt-4o", None),
    ],
)
def test_model_params_matches_name_wire_id_and_vendor_prefix(
    provider: str, model: str | None, found: str | None
) -> None:
    entry = model_params(provider, model)
    assert (entry.model if entry else None) == found


# --- the rule, over real bodies ---------------------------------------------------------------------------
_USER = [{"role": "user", "content": "Hello"}]


@pytest.mark.parametrize(
    ("url", "body", "expected"),
    [
        # Moonshot's reference bounds moonshot-v1 temperature to [0, 1].
        (
            "https://api.moonshot.ai/v1/chat/completions",
            {"model": "moonshot-v1-8k", "temperature": 1.5},
            ["temperature"],
        ),
        ("https://api.moonshot.ai/v1/chat/completions", {"model": "moonshot-v1-8k", "temperature": 0.3}, []),
        # DashScope: max 1.9 is the last 0.1 step below the API's open bound 2.0, so 1.95 is inside.
        (
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions",
            {"model": "deepseek-v4-pro", "temperature": 1.95},
            [],
        ),
        # Outside it, DashScope's own error-level range (a live 400 text) decides: no second, weaker finding.
        (
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions",
            {"model": "deepseek-v4-pro", "temperature": 2.5},
            [],
        ),
        # An enum at a dotted path: Kimi K2.7 Code documents thinking.type "enabled" only.
        (
            "https://api.moonshot.ai/v1/chat/completions",
            {"model": "kimi-k2.7-code", "thinking": {"type": "disabled"}},
            ["thinking.type"],
        ),
        # The profile's own error-level range decides (Zhipu [0, 1]): no second, weaker finding.
        ("https://api.z.ai/api/paas/v4/chat/completions", {"model": "glm-4.6", "temperature": 1.5}, []),
        # A transport field is out of the table's scope (Moonshot accepts tool_choice "required" unthinking).
        (
            "https://api.moonshot.ai/v1/chat/completions",
            {"model": "kimi-k2.6", "tool_choice": "required", "thinking": {"type": "disabled"}},
            [],
        ),
        # A model the table does not list; a host with its own field list (Groq); an unknown host.
        ("https://api.moonshot.ai/v1/chat/completions", {"model": "kimi-unknown", "temperature": 9}, []),
        (
            "https://api.groq.com/openai/v1/chat/completions",
            {"model": "openai/gpt-oss-120b", "reasoning_effort": "x"},
            [],
        ),
        ("https://llm.example/v1/chat/completions", {"model": "moonshot-v1-8k", "temperature": 1.5}, []),
        # A value of another type than the enum or bound is the type rules' business.
        (
            "https://api.moonshot.ai/v1/chat/completions",
            {"model": "moonshot-v1-8k", "temperature": "hot"},
            [],
        ),
    ],
)
def test_value_outside_the_documented_enum_or_bounds_is_info(
    url: str, body: dict[str, Any], expected: list[str]
) -> None:
    findings = analyse_request(json.dumps({"messages": _USER, **body}), url).findings
    mine = [f for f in findings if f.rule == RULE]
    assert [f.location for f in mine] == expected
    assert all(f.severity == Severity.INFO and source_label() in f.message for f in mine)


# --- a vendor's own request model on a multi-vendor Azure front (session 15) --------------------------------
FOUNDRY = "https://example.services.ai.azure.com/models/chat/completions"
FOUNDRY_V1 = "https://example.services.ai.azure.com/openai/v1/chat/completions"


@pytest.mark.parametrize(
    ("url", "body", "expected"),
    [
        # litellm#11696: mistral-small-2503 on Foundry, 422 extra_forbidden at stream_options.include_usage.
        (
            FOUNDRY,
            {"model": "mistral-small-2503", "stream": True, "stream_options": {"include_usage": True}},
            ["stream_options.include_usage"],
        ),
        # litellm#26322: mistral-large-3 on Foundry refuses max_completion_tokens; max_tokens is Mistral's.
        (FOUNDRY, {"model": "mistral-large-3", "max_completion_tokens": 256}, ["max_completion_tokens"]),
        (FOUNDRY_V1, {"model": "Ministral-3B", "max_completion_tokens": 256}, ["max_completion_tokens"]),
        (FOUNDRY_V1, {"model": "Ministral-3B", "max_tokens": 256, "temperature": 0.3, "stream": True}, []),
        (FOUNDRY, {"model": "mistral-small-2503", "stream": True, "stream_options": {}}, []),
        # Other vendors on Foundry, and Azure OpenAI deployments, keep their own rules.
        (FOUNDRY, {"model": "Llama-3.3-70B-Instruct", "max_completion_tokens": 256}, []),
        (
            "https://example.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
            {"model": "gpt-4o", "max_completion_tokens": 256},
            [],
        ),
        # api.mistral.ai itself: params.unknown's, not this rule's.
        (
            "https://api.mistral.ai/v1/chat/completions",
            {"model": "mistral-small-2503", "max_completion_tokens": 9},
            [],
        ),
    ],
)
def test_a_mistral_model_on_foundry_is_held_to_mistrals_fields(
    url: str, body: dict[str, Any], expected: list[str]
) -> None:
    findings = analyse_request(json.dumps({"messages": _USER, **body}), url).findings
    mine = [f for f in findings if f.rule == "params.unknown-for-hosted-vendor"]
    assert [f.location for f in mine] == expected
    assert all(f.severity == Severity.ERROR for f in mine)
