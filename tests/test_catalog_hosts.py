"""The catalog's per-host layer (issue 9): what each host's own listings in LiteLLM's model map and models.dev
say about the models it serves. The policy (``scripts/refresh_catalog.py``: ``host_fact``) is checked over
real entries of both datasets (copied verbatim into tests/data/catalog/), the shipped snapshot's hosts block
over its recorded sources, and the findings over requests to the hosts themselves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.scripts import load_script

from toolguard_core.analyze import analyse_request
from toolguard_core.catalog import Catalog, snapshot_meta

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "catalog"
SNAPSHOT = ROOT / "addon" / "toolguard_core" / "data" / "model_catalog.json"


SCRIPT = load_script("refresh_catalog")
LITELLM = SCRIPT.read_litellm_hosts(FIXTURES / "litellm" / "model_prices_and_context_window.json")
MODELS_DEV = SCRIPT.read_models_dev_hosts(FIXTURES / "models.dev")


# (host, model, field, expected value, single): the host's two listings, real entries of each dataset.
POLICY = [
    # deepinfra/zai-org/GLM-4.7: "supports_vision": false; providers/deepinfra/.../GLM-4.7.toml: input = ["text"].
    # Both listings say absent: a host fact at the rule's level.
    ("deepinfra", "glm-4.7", "vision", False, False),
    # Both state a limit (202752, 16384): the larger, so a limit finding is certain.
    ("deepinfra", "glm-4.7", "max_output_tokens", 202752, False),
    # Novita's models.dev file: tool_call = false; its LiteLLM entry does not say: one listing, a warning.
    ("novita", "gemma-3-27b-it", "function_calling", False, True),
    # Novita's LiteLLM entry: "supports_system_messages": true (models.dev has no such field): present.
    ("novita", "gemma-3-27b-it", "system_messages", True, False),
    # Both say it takes images.
    ("novita", "gemma-3-27b-it", "vision", True, False),
]


@pytest.mark.parametrize(("host", "model", "field", "expected", "single"), POLICY)
def test_host_policy_over_real_entries(
    host: str, model: str, field: str, expected: Any, single: bool
) -> None:
    litellm_id, models_dev_id = SCRIPT.HOST_LISTINGS[host]
    fact = SCRIPT.host_fact(LITELLM[litellm_id].get(model), MODELS_DEV[models_dev_id].get(model))
    assert fact[field] == expected
    assert (field in fact.get("single", {})) is single
    assert fact["from"] == ["LiteLLM", "models.dev"]


# (LiteLLM says, models.dev says, expected, the one listing that says so): every combination of the policy
# (the real entries above are these cases too).
CASES = [
    (False, False, False, None),  # both absent: the host's fact
    (None, False, False, "models.dev"),  # one listing absent, the other silent: a warning naming it
    (False, None, False, "LiteLLM"),
    (True, False, True, None),  # present on the host beats absent (no false error where it serves more)
    (False, True, True, None),
    (True, None, True, None),
]


@pytest.mark.parametrize(("litellm", "models_dev", "expected", "single"), CASES)
def test_host_policy_cases(
    litellm: bool | None, models_dev: bool | None, expected: bool, single: bool
) -> None:
    left = {} if litellm is None else {"function_calling": litellm}
    fact = SCRIPT.host_fact(left, {"function_calling": models_dev} if models_dev is not None else {})
    said = fact.get("single", {}).get("function_calling")
    assert (fact["function_calling"], said) == (expected, single)


def test_snapshot_hosts_block_records_its_listings_and_sources() -> None:
    meta = snapshot_meta()
    listed = {
        host: {name: ref for name, ref in (("LiteLLM", ll), ("models.dev", md)) if ref}
        for host, (ll, md) in SCRIPT.HOST_LISTINGS.items()
    }
    assert meta["host_listings"] == listed
    assert {source["name"] for source in meta["sources"]} == {"LiteLLM model map", "models.dev"}
    assert all(source["ref"] for source in meta["sources"])
    hosts = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["hosts"]
    # The hosts without a listing hold only hand-written facts (HOST_FACTS: Gemini, DeepSeek).
    assert set(hosts) - set(SCRIPT.HOST_FACTS) <= set(listed)
    for models in hosts.values():
        for fact in models.values():
            fields = set(fact) - {"from", "single", "fact"}
            assert fields and set(fact.get("single", {})) <= fields
            assert set(fact.get("single", {}).values()) <= set(fact.get("from", ()))
            # Every entry says where it comes from: the listings read, a hand-written fact's URLs, or both.
            assert fact.get("from") or fact.get("fact")
            assert set(fact.get("from", ())) <= {"LiteLLM", "models.dev"}
            written = fact.get("fact")
            if written is not None:
                assert written["from"] and all(f.startswith("https://") for f in written["from"])
                assert set(written["fields"]) <= fields
                # A field a fact sets is never also a single listing's (the fact is the host's word).
                assert not set(written["fields"]) & set(fact.get("single", {}))


# (model, host, expected): the shipped snapshot read for a host and elsewhere.
LOOKUPS = [
    # Novita's LiteLLM entry says Gemma 3 takes a system message: the model's own "absent" does not hold there.
    ("google/gemma-3-27b-it", "novita", {"system_messages": True, "function_calling": False}),
    ("google/gemma-3-27b-it", None, {"system_messages": False, "function_calling": True, "host": None}),
    ("zai-org/GLM-4.7", "deepinfra", {"vision": False, "host": "deepinfra", "host_single": ()}),
    # DeepSeek's API routes deepseek-v4-flash to V4.1 Flash, which takes images, since 2026-09-10 (HOST_FACTS);
    # the vendors' entries disagree elsewhere.
    ("deepseek-v4-flash", "deepseek", {"vision": True, "host": "deepseek", "host_single": ()}),
    ("deepseek-v4-flash", None, {"vision": None, "host": None}),
]


@pytest.mark.parametrize(("model", "host", "expected"), LOOKUPS)
def test_snapshot_host_lookups(model: str, host: str | None, expected: dict[str, Any]) -> None:
    info = Catalog().lookup(model, host)
    assert info is not None
    assert {k: getattr(info, k) for k in expected} == expected


PNG = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]


def _findings(url: str, body: dict[str, Any]) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors, analysis.internal_errors
    return [(f.rule, str(f.severity), f.message) for f in analysis.findings if f.rule.startswith("model.")]


# (url, body, rule, severity, words the message must hold: the host and its listings).
FINDINGS = [
    (
        "https://api.deepinfra.com/v1/openai/chat/completions",
        {
            "model": "zai-org/GLM-4.7",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "?"}, PNG]}],
        },
        "model.image-unsupported",
        # Both listings say text only: a host fact at the rule's level for the model's vendor, Z.ai/Zhipu,
        # whose API refuses images to GLM text models (an error since session 11).
        "error",
        ("From what DeepInfra states about the models it serves: its listing in LiteLLM and models.dev",),
    ),
    (
        "https://api.novita.ai/v3/openai/chat/completions",
        {"model": "google/gemma-3-27b-it", "messages": [{"role": "user", "content": "Hi"}], "tools": TOOLS},
        "model.tools-unsupported",
        "warning",
        (
            "From what Novita AI states about the models it serves: its listing in models.dev,",
            "(A warning: only Novita AI's listing in models.dev states this; its listing in LiteLLM does not.)",
        ),
    ),
]


@pytest.mark.parametrize(("url", "body", "rule", "severity", "words"), FINDINGS)
def test_finding_names_the_host_listing(
    url: str, body: dict[str, Any], rule: str, severity: str, words: tuple[str, ...]
) -> None:
    found = [f for f in _findings(url, body) if f[0] == rule]
    assert len(found) == 1 and found[0][1] == severity, found
    assert all(word in found[0][2] for word in words), found[0][2]


def test_deepseek_v4_flash_image_elsewhere_is_not_judged() -> None:
    """The vendors' entries disagree on V4 Flash's vision: a gateway may route it to a host that serves more,
    so on an unrecognised host (judged as DeepSeek's model, not as DeepSeek's API) nothing is said."""
    body = {
        "model": "deepseek-v4-flash",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "?"}, PNG]}],
    }
    assert not [
        f
        for f in _findings("https://llm.corp.example/v1/chat/completions", body)
        if f[0] == "model.image-unsupported"
    ]


def test_deepseek_v4_flash_takes_images_on_deepseek_since_v4_1() -> None:
    """deepseek-v4-flash refused image parts on DeepSeek's API until 2026-09-10 ("unknown variant `image_url`,
    expected `text`", DeepSeek-Reasonix#7859); DeepSeek now routes the name to V4.1 Flash, which takes them
    (its announcement and Vision guide, quoted in kuan-er/sjtu-agent#182): no finding there, while
    deepseek-chat, which stays text only, keeps its error."""
    image = {"role": "user", "content": [{"type": "text", "text": "?"}, PNG]}
    url = "https://api.deepseek.com/chat/completions"
    for model in ("deepseek-v4-flash", "deepseek-v4-pro"):  # V4 Pro routes to V4.1 Flash from 2026-09-14
        found = [
            f
            for f in _findings(url, {"model": model, "messages": [image]})
            if f[0] == "model.image-unsupported"
        ]
        assert not found, (model, found)
    found = [
        f
        for f in _findings(url, {"model": "deepseek-chat", "messages": [image]})
        if f[0] == "model.image-unsupported"
    ]
    assert [f[1] for f in found] == ["error"]


def test_host_present_beats_model_absent_in_findings() -> None:
    """Gemma 3 has no system role in the model's entry; Novita's listing says it takes one: no finding there,
    and the finding stands on a host without a listing for it."""
    body = {
        "model": "google/gemma-3-27b-it",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
    }
    assert not [
        f
        for f in _findings("https://api.novita.ai/v3/openai/chat/completions", body)
        if f[0] == "model.system-role-unsupported"
    ]
    assert [
        f
        for f in _findings("https://llm.corp.example/v1/chat/completions", body)
        if f[0] == "model.system-role-unsupported"
    ]


# --- hand-written host facts merged per field into the listings' entry (issue 9, session 10) ----------

_URL = "https://example.com/host-docs"
#: (the listings' entry or None, the fact's fields, the merged entry expected): a fact sets its fields only.
MERGES = [
    # A fact keeps the listings' other fields, their sources and their `single` for those fields.
    (
        {"vision": False, "max_output_tokens": 65536, "from": ["LiteLLM", "models.dev"], "single": {"vision": "models.dev"}},
        {"reasoning": True, "reasoning_efforts": ["low", "high"]},
        {
            "vision": False, "reasoning": True, "reasoning_efforts": ["low", "high"], "max_output_tokens": 65536,
            "from": ["LiteLLM", "models.dev"], "single": {"vision": "models.dev"},
            "fact": {"fields": ["reasoning", "reasoning_efforts"], "from": [_URL]},
        },
    ),
    # A model no listing has: the fact alone is the entry.
    (
        None,
        {"reasoning": False},
        {"reasoning": False, "fact": {"fields": ["reasoning"], "from": [_URL]}},
    ),
    # A fact over a field the listings state: the fact's value wins, the listings' value and its single
    # listing are kept under `fact`, so the fact can be taken out again.
    (
        {"function_calling": True, "vision": False, "from": ["models.dev"], "single": {"vision": "models.dev"}},
        {"vision": True},
        {
            "function_calling": True, "vision": True, "from": ["models.dev"],
            "fact": {"fields": ["vision"], "from": [_URL], "listed": {"vision": False}, "listed_single": {"vision": "models.dev"}},
        },
    ),
]  # fmt: skip


@pytest.mark.parametrize(("listed", "fields", "expected"), MERGES)
def test_host_fact_merges_per_field(
    listed: dict[str, Any] | None, fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    fact = SCRIPT.host_facts({"h": {"m": {**fields, "source": _URL}}})["h"]["m"]
    hosts = {"h": {"m": listed}} if listed is not None else {}
    merged = SCRIPT.with_host_facts(hosts, {"h": {"m": fact}})
    assert merged == {"h": {"m": expected}}
    # --facts-only takes each fact out again and re-applies it: the listings' entry comes back unchanged.
    assert SCRIPT.listings_of(merged) == hosts
    assert SCRIPT.with_host_facts(SCRIPT.listings_of(merged), {"h": {"m": fact}}) == merged


def test_facts_only_reapplies_over_the_shipped_snapshot(tmp_path: Path) -> None:
    """``--facts-only`` on the shipped snapshot changes nothing (it is current), keeps its date and sources,
    and every HOST_FACTS entry is in the hosts block with its fields and sources."""
    out = tmp_path / "catalog.json"
    out.write_text(SNAPSHOT.read_text(encoding="utf-8"), encoding="utf-8")
    assert SCRIPT.main(["--facts-only", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == SNAPSHOT.read_text(encoding="utf-8")
    hosts = json.loads(out.read_text(encoding="utf-8"))["hosts"]
    for host, models in SCRIPT.HOST_FACTS.items():
        for name, fact in models.items():
            entry = hosts[host][name]
            written = {k: v for k, v in fact.items() if k != "source"}
            assert {k: entry[k] for k in written} == written
            assert entry["fact"]["from"] == list(SCRIPT._as_list(fact["source"]))


def test_an_old_snapshot_reads_back_without_its_whole_entry_facts() -> None:
    """A hosts block written before the merge (a fact replaced the entry whole; its ``from`` are URLs) reads
    back as no listing entry, so re-applying the facts gives the merged form."""
    old = {"gemini": {"gemma-3-1b-it": {"function_calling": False, "from": [_URL]}}}
    assert SCRIPT.listings_of(old) == {}


# The Groq facts (HOST_FACTS["groq"]): the listing's own fields stay, the reasoning facts are Groq's.
GROQ = "https://api.groq.com/openai/v1/chat/completions"
GROQ_LOOKUPS = [
    (
        "openai/gpt-oss-120b",
        {
            "reasoning": True, "reasoning_efforts": ("low", "medium", "high"), "max_output_tokens": 65536,
            # Groq's vision page is the host's statement about images: no longer one listing's word (session 17).
            "vision": False, "host_single": (), "host_fact_fields": ("vision", "reasoning", "reasoning_efforts"),
        },
    ),
    ("qwen/qwen3-32b", {"reasoning_efforts": ("none", "default"), "host": "groq"}),
    ("llama-3.3-70b-versatile", {"reasoning": False, "max_output_tokens": 32768, "host_fact_fields": ("reasoning",)}),
]  # fmt: skip


@pytest.mark.parametrize(("model", "expected"), GROQ_LOOKUPS)
def test_groq_facts_merge_with_its_listing(model: str, expected: dict[str, Any]) -> None:
    info = Catalog().lookup(model, "groq")
    assert info is not None
    assert {k: getattr(info, k) for k in expected} == expected


def _effort(model: str, effort: str) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "Hi"}], "reasoning_effort": effort}


# (model, reasoning_effort, severity or None: no model.reasoning-effort-value finding).
GROQ_EFFORTS = [
    # Non-reasoning models refuse the field ("Groq models that do not support reasoning_effort ... will
    # simply throw a 400 error", inspect_ai#2395).
    ("llama-3.1-8b-instant", "low", "error"),
    ("llama-3.3-70b-versatile", "medium", "error"),
    ("meta-llama/llama-4-scout-17b-16e-instruct", "high", "error"),
    # Whether Groq takes "none" there is not known: a warning that says so.
    ("llama-3.1-8b-instant", "none", "warning"),
    # Qwen 3 takes none and default ("`reasoning_effort` must be one of `none` or `default`", pluely#219).
    ("qwen/qwen3-32b", "medium", "error"),
    ("qwen/qwen3-32b", "default", None),
    ("qwen/qwen3-32b", "none", None),
    # Qwen 3.6 27B switches thinking the same way on Groq (its model page; llmgateway#3422).
    ("qwen/qwen3.6-27b", "low", "error"),
    ("qwen/qwen3.6-27b", "default", None),
    # gpt-oss takes low, medium, high (Groq's reasoning guide); none is refused (llm-zoomcamp#183).
    ("openai/gpt-oss-120b", "high", None),
    ("openai/gpt-oss-20b", "low", None),
    ("openai/gpt-oss-120b", "none", "error"),
]


@pytest.mark.parametrize(("model", "effort", "severity"), GROQ_EFFORTS)
def test_groq_reasoning_effort_per_model(model: str, effort: str, severity: str | None) -> None:
    found = [f for f in _findings(GROQ, _effort(model, effort)) if f[0] == "model.reasoning-effort-value"]
    if severity is None:
        assert found == []
        return
    assert len(found) == 1 and found[0][1] == severity, found
    # The finding names Groq's own statement and its source, not a listing.
    assert (
        "From what Groq states about the models it serves, in toolguard's model catalog; source: https://"
        in found[0][2]
    )


def test_groq_facts_hold_on_groq_only() -> None:
    """On another host the resellers' entries stay what they were: a warning at most."""
    found = [
        f
        for f in _findings(
            "https://api.together.xyz/v1/chat/completions", _effort("llama-3.3-70b-versatile", "low")
        )
        if f[0] == "model.reasoning-effort-value"
    ]
    assert all(f[1] != "error" for f in found), found


# The Perplexity facts (HOST_FACTS["perplexity"]): its listings had tools the wrong way round. Live on
# api.perplexity.ai (rcconsult/ppxai perplexity_facts.py, 2026-08): sonar answers 400 "Tool calling is not
# supported for this model", sonar-pro and sonar-reasoning-pro emit tool_calls.
PERPLEXITY = "https://api.perplexity.ai/chat/completions"
PERPLEXITY_TOOLS = [
    ("sonar", "error"),
    ("sonar-pro", None),
    ("sonar-reasoning-pro", None),
    # The model's own entry (resellers' only) says no function calling, and the same measurement got a 400
    # ("Tool parameters must be a JSON object."); the host states nothing, so that entry's warning stands.
    ("sonar-deep-research", "warning"),
]


@pytest.mark.parametrize(("model", "severity"), PERPLEXITY_TOOLS)
def test_perplexity_tools_per_model(model: str, severity: str | None) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "Hi"}], "tools": TOOLS}
    found = [f for f in _findings(PERPLEXITY, body) if f[0] == "model.tools-unsupported"]
    assert [f[1] for f in found] == ([severity] if severity else []), found


def test_perplexity_sonar_fact_holds_on_perplexity_only() -> None:
    """Elsewhere (OpenRouter's perplexity/sonar-pro) the model's own entry is read, as before."""
    assert Catalog().lookup("sonar", "perplexity").host_fact_fields == ("function_calling",)
    assert Catalog().lookup("sonar-pro", None).function_calling is False
    assert Catalog().lookup("sonar-pro", "perplexity").function_calling is True


# The Copilot facts (HOST_FACTS["copilot"]): its Responses-only OpenAI models, checked against api.githubcopilot.com
# on 2026-09-15 (ericc-ch/copilot-api#274); gpt-5.4 lists both endpoints since its March refusals.
COPILOT = "https://api.githubcopilot.com/chat/completions"
COPILOT_CHAT = [
    ("gpt-5.5", "error"),
    ("gpt-5.6-luna", "error"),
    ("gpt-6-astra", "error"),
    ("gpt-5.4-mini", "error"),
    ("gpt-5.3-codex", "error"),  # the vendor's own entry (mode: responses)
    ("gpt-5.4", None),
    ("gpt-5-mini", None),
    ("claude-sonnet-4.6", None),
]


@pytest.mark.parametrize(("model", "severity"), COPILOT_CHAT)
def test_copilot_responses_only_models_on_chat_completions(model: str, severity: str | None) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "Hi"}]}
    found = [f for f in _findings(COPILOT, body) if f[0] == "model.chat-completions-unsupported"]
    assert [f[1] for f in found] == ([severity] if severity else []), found
    if severity and model != "gpt-5.3-codex":
        assert "GitHub Copilot" in found[0][2] and "ericc-ch/copilot-api/pull/274" in found[0][2]


def test_copilot_responses_only_fact_holds_on_copilot_only() -> None:
    """OpenAI's own API and an unrecognised gateway serve gpt-5.5 on chat completions; Copilot's Responses API
    takes it."""
    body = {"model": "gpt-5.5", "messages": [{"role": "user", "content": "Hi"}]}
    for url in ("https://api.openai.com/v1/chat/completions", "https://llm.corp.example/v1/chat/completions"):
        assert not [f for f in _findings(url, body) if f[0] == "model.chat-completions-unsupported"]
    assert not _findings("https://api.githubcopilot.com/responses", {"model": "gpt-5.5", "input": "Hi"})
    assert Catalog().lookup("gpt-5.5", "copilot").host_fact_fields == ("chat_completions",)
    assert Catalog().lookup("gpt-5.5", None).chat_completions is None
