"""The engine behind a host (issue #9, toolguard_core.engines): read from real engine texts and gateway
headers, kept by the store's writer in the ``learned`` table, and applied by Rule.report as the
engine's error levels only, where the host declares none."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.corpus import load_failures
from test_learned import _row as learned_row

from toolguard_core import engines
from toolguard_core.analyze import analyse_request
from toolguard_core.findings import Severity
from toolguard_core.learned import Calibration, HostEngine, Knowledge, LearnedServer, host_engine, listed
from toolguard_core.learned_store import (
    LEARNED_COLUMNS,
    export_learned,
    forget,
    import_learned,
    load_knowledge,
)
from toolguard_core.providers import BUILTIN_PROFILES, ProviderProfile
from toolguard_core.rules import RULES
from toolguard_core.rules.registry import ENGINE_NOTE_OPEN
from toolguard_core.store import FlowRow, Store, open_db

E, W = Severity.ERROR, Severity.WARNING

#: Development rows whose answer is an engine's own text (dev rows only; never the held-out part).
ENGINE_ROWS = {
    "b-0002": ("vllm", ""),  # vLLM: "auto" tool choice requires --enable-auto-tool-choice ...
    "b-0030": ("llama.cpp", ""),  # llama-server: Cannot have 2 or more assistant messages ...
    "b-0017": ("ollama", ""),  # registry.ollama.ai/library/deepseek-r1:14b does not support tools
    "b-0097": ("tgi", ""),  # TGI: Input validation error: `max_new_tokens` must be <= ...
    "b-0172": ("vllm", ""),  # NVIDIA NIM serving mixtral on vLLM: vLLM's own text
    "a-0098": ("vllm", "litellm"),  # LiteLLM quoting GitHub Models' vLLM answer
    "a-0219": ("tgi", ""),  # Together (2023) answering with TGI's validation text
}


def _dev_bodies() -> dict[str, str]:
    out = {}
    for entry in load_failures():
        if entry["split"] == "dev" and entry["id"] in ENGINE_ROWS:
            body = entry["body"]
            out[entry["id"]] = body if isinstance(body, str) else json.dumps(body)
    return out


DEV_BODIES = _dev_bodies()


@pytest.mark.parametrize("row_id", sorted(ENGINE_ROWS))
def test_a_real_engine_text_names_its_engine(row_id: str) -> None:
    evidence = engines.from_error_text(DEV_BODIES[row_id])
    assert evidence is not None
    assert (evidence.kind, evidence.name, evidence.via) == ("engine", *ENGINE_ROWS[row_id])
    assert evidence.text and evidence.text in " ".join(DEV_BODIES[row_id].split())


@pytest.mark.parametrize("signature", engines.SIGNATURES, ids=lambda s: s.id)
def test_each_signature_reads_its_own_example_and_is_sourced(signature: engines.Signature) -> None:
    evidence = engines.from_error_text(signature.example)
    assert evidence is not None and (evidence.name, evidence.signature) == (signature.engine, signature.id)
    assert signature.engine in engines.ENGINES and signature.engine in BUILTIN_PROFILES
    assert signature.source.startswith("https://")


def test_a_gateways_route_name_is_no_engine() -> None:
    # LiteLLM's hosted_vllm route fronts any OpenAI-compatible server: the quoted text decides.
    lcpp = "Cannot have 2 or more assistant messages at the end of the list."
    wrapped = f'litellm.BadRequestError: Hosted_vllmException - {{"error":{{"code":400,"message":"{lcpp}"}}}}'
    evidence = engines.from_error_text(wrapped)
    assert evidence is not None and (evidence.name, evidence.via) == ("llama.cpp", "litellm")
    assert engines.from_error_text("litellm.BadRequestError: Hosted_vllmException - Error code: 400") is None


@pytest.mark.parametrize(
    "text",
    [
        # Texts several servers write: no engine is read from them.
        "deepseek-r1 does not support tools",  # DeepInfra/Ollama alike without the registry path
        "No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing",
        "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
        "Unrecognized request argument supplied: prompt_cache_key",
        "litellm.BadRequestError: OpenAIException - Invalid value for 'tool_choice'",
        "",
    ],
)
def test_a_text_no_single_engine_writes_names_none(text: str) -> None:
    assert engines.from_error_text(text) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {
                "x-litellm-version": "1.80.0",
                "x-litellm-model-api-base": "http://user:pw@vllm.internal:8000/v1",
            },
            [("gateway", "litellm", "vllm.internal:8000", "x-litellm-model-api-base")],
        ),
        (
            {"x-litellm-model-api-base": "https://api.fireworks.ai/inference/v1"},
            [("gateway", "litellm", "api.fireworks.ai", "x-litellm-model-api-base")],
        ),
        ({"x-litellm-call-id": "1f0c"}, [("gateway", "litellm", "", "x-litellm-call-id")]),
        ({"server": "uvicorn", "content-type": "application/json"}, []),
    ],
)
def test_gateway_headers(headers: dict[str, str], expected: list[tuple[str, ...]]) -> None:
    found = list(engines.from_headers(json.dumps(headers)))
    assert [(e.kind, e.name, e.via, e.signature) for e in found] == expected


@pytest.mark.parametrize("raw", [None, "", "not json", "[1, 2]", '{"x-litellm-a": null}', "[[1, 2, 3]]"])
def test_malformed_headers_never_raise(raw: str | None) -> None:
    assert [e.kind for e in engines.from_headers(raw)] in ([], ["gateway"])


# ------------------------------------------------------------------------------------------ levels

GW = "https://gw.example.com/v1/chat/completions"
USER = {"role": "user", "content": "hi"}
#: An image in a system message: vLLM refuses it ("System messages can only contain text content",
#: vllm-project/vllm#34072), an unrecognised host gets a warning.
SYSTEM_IMAGE: dict[str, Any] = {
    "model": "qwen3",
    "messages": [
        {"role": "system", "content": [{"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]},
        USER,
    ],
}
VLLM_TEXT = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'


def _server(name: str = "vllm", via: str = "", kind: str = "engine", flow: str = "f1") -> LearnedServer:
    return LearnedServer(kind, name, via, "vllm.auto-tool-choice-flag", VLLM_TEXT, flow)


def _knowledge(*rows: tuple[str, str, LearnedServer]) -> Knowledge:
    by_key: dict[tuple[str, str], list[LearnedServer]] = {}
    for host, model, server in rows:
        by_key.setdefault((host, model), []).append(server)
    return Knowledge({key: Calibration(servers=tuple(s)) for key, s in by_key.items()})


def _found(
    body: dict[str, Any], url: str = GW, knowledge: Knowledge | None = None
) -> list[tuple[str, Severity]]:
    analysis = analyse_request(json.dumps(body), url, knowledge=knowledge)
    return [(f.rule, f.severity) for f in analysis.findings if not f.rule.startswith("model.rules-skipped")]


def test_a_learned_engine_lifts_its_errors_on_an_unrecognised_host() -> None:
    assert _found(SYSTEM_IMAGE) == [("content.part-not-allowed-for-role", W)]
    knowledge = _knowledge(("gw.example.com", "other-model", _server()))  # any model: one server
    analysis = analyse_request(json.dumps(SYSTEM_IMAGE), GW, knowledge=knowledge)
    [finding] = [f for f in analysis.findings if f.rule == "content.part-not-allowed-for-role"]
    assert finding.severity == E
    assert ENGINE_NOTE_OPEN + "this host answers with vLLM's texts" in finding.message
    assert "flow f1" in finding.message and "--enable-auto-tool-choice" in finding.message


def test_an_engine_check_runs_behind_an_unrecognised_host() -> None:
    # A null message name: vLLM's pydantic model refuses it (parsers.non-string-field, silent elsewhere).
    body = {"model": "qwen3", "messages": [{"role": "user", "content": "hi", "name": None}]}
    assert _found(body) == []
    knowledge = _knowledge(("gw.example.com", "", _server()))
    assert _found(body, knowledge=knowledge) == [("parsers.non-string-field", E)]
    # llama.cpp's two trailing assistant messages, once the host answered with llama.cpp's text.
    tail = {
        "model": "m",
        "messages": [USER, {"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}],
    }
    lcpp = _knowledge(("gw.example.com", "", LearnedServer("engine", "llama.cpp", "", "x", "t", "f2")))
    assert ("roles.trailing-assistant-messages", E) in _found(tail, knowledge=lcpp)
    assert ("roles.trailing-assistant-messages", E) not in _found(tail)


def test_the_engines_silences_and_warnings_are_never_taken() -> None:
    # tools.too-many: a warning on an unrecognised host, silent on vLLM: it stays a warning.
    assert RULES["tools.too-many"].policy.level("vllm") is None
    tools = [
        {"type": "function", "function": {"name": f"t{i}", "parameters": {"type": "object"}}}
        for i in range(200)
    ]
    body = {"model": "qwen3", "messages": [USER], "tools": tools}
    knowledge = _knowledge(("gw.example.com", "", _server()))
    before = [f for f in _found(body) if f[0] == "tools.too-many"]
    assert before and before == [f for f in _found(body, knowledge=knowledge) if f[0] == "tools.too-many"]


def test_a_host_that_declares_its_own_level_keeps_it() -> None:
    # OpenAI declares content.part-not-allowed-for-role itself: an engine read there changes nothing.
    url = "https://api.openai.com/v1/chat/completions"
    body = {**SYSTEM_IMAGE, "model": "gpt-4o"}
    knowledge = _knowledge(("api.openai.com", "gpt-4o", _server()))
    assert _found(body, url, knowledge) == _found(body, url)


def test_a_demoted_rule_is_not_lifted() -> None:
    knowledge = Knowledge(
        {
            ("gw.example.com", ""): Calibration(servers=(_server(),)),
            ("gw.example.com", "qwen3"): Calibration(
                demoted=frozenset({"content.part-not-allowed-for-role"})
            ),
        }
    )
    assert _found(SYSTEM_IMAGE, knowledge=knowledge) == [("content.part-not-allowed-for-role", W)]


@pytest.mark.parametrize(
    ("servers", "profile", "model", "expected"),
    [
        # One server: an engine learned from any model's answer holds for all.
        ([("m1", _server())], "generic", "m2", "vllm"),
        # A gateway in between (its headers, or the engine's text quoted by it): per model only.
        ([("m1", _server()), ("m1", _server("litellm", "vllm:8000", "gateway"))], "generic", "m2", None),
        ([("m1", _server()), ("m1", _server("litellm", "vllm:8000", "gateway"))], "generic", "m1", "vllm"),
        ([("m1", _server(via="litellm"))], "generic", "m2", None),
        # Two engines on one host: a router, not one server.
        ([("m1", _server()), ("m2", _server("llama.cpp"))], "generic", "m1", "vllm"),
        ([("m1", _server()), ("", _server("llama.cpp"))], "generic", "m3", None),
        # A hosted API serving each model on its own backend (NVIDIA NIM): per model.
        ([("mixtral", _server())], "nvidia", "mixtral", "vllm"),
        ([("mixtral", _server())], "nvidia", "llama-3", None),
        # A self-hosted server is one server.
        ([("a", _server())], "vllm", "b", "vllm"),
        # Only a gateway: no engine.
        ([("m1", _server("litellm", "", "gateway"))], "generic", "m1", None),
    ],
)
def test_which_models_a_learned_engine_holds_for(
    servers: list[tuple[str, LearnedServer]], profile: str, model: str, expected: str | None
) -> None:
    knowledge = _knowledge(*[("h.test", m, s) for m, s in servers])
    engine = host_engine(BUILTIN_PROFILES[profile], knowledge, "h.test", model)
    assert (engine.engine if engine else None) == expected


def test_a_declared_engine_needs_evidence_and_none_is_declared_without() -> None:
    for profile in BUILTIN_PROFILES.values():
        assert (profile.engine is None) or (profile.engine in engines.ENGINES and profile.engine_evidence)
        assert not (profile.engine and profile.engine_per_model)
    assert BUILTIN_PROFILES["nvidia"].engine is None and BUILTIN_PROFILES["nvidia"].engine_per_model
    declared = ProviderProfile(
        id="acme", name="Acme", engine="vllm", engine_evidence="https://acme.test/docs"
    )
    assert host_engine(declared, None, "acme.test", "m") == HostEngine(
        "vllm", "Acme serves its models on vLLM (https://acme.test/docs)"
    )
    assert host_engine(ProviderProfile(id="x", name="X", engine="vllm"), None, "x.test", "m") is None


def test_knowledge_with_engines_round_trips_through_the_worker_snapshot() -> None:
    knowledge = _knowledge(
        ("gw.example.com", "m", _server()), ("gw.example.com", "m", _server("litellm", "a:1", "gateway"))
    )
    part = knowledge.for_host("gw.example.com")
    again = Knowledge.from_json(json.loads(json.dumps(part.as_json())))
    assert again == part and again.engine_for("gw.example.com", "m", host_wide=True) is not None
    assert listed("engine", "vllm", "litellm") == "vllm (quoted by litellm)"
    assert listed("gateway", "litellm", "a:1") == "litellm forwarding to a:1"


# ------------------------------------------------------------------------------------- the writer


def _row(
    flow_id: str,
    *,
    status: int,
    body: str | None,
    headers: list[tuple[str, str]] | None = None,
    model: str = "qwen3",
) -> FlowRow:
    return learned_row(
        flow_id,
        "unexplained" if status >= 400 else "accepted",
        status=status,
        body=body,
        model=model,
        request={"model": model, "messages": [USER]},
        response_headers=headers,
    )


def test_the_writer_learns_the_engine_and_the_gateway_and_the_cli_manages_them(tmp_path: Path) -> None:
    vllm = json.dumps(
        {"object": "error", "message": VLLM_TEXT, "type": "BadRequestError", "param": None, "code": 400}
    )
    rows = [
        _row("a", status=400, body=vllm),
        _row("bb", status=400, body=vllm),
        _row(
            "ccc",
            status=200,
            body=None,
            headers=[("x-litellm-model-api-base", "http://vllm.internal:8000/v1")],
        ),
        _row("dddd", status=400, body=json.dumps({"error": {"message": "model not found"}})),
    ]
    snapshots: list[Knowledge] = []
    store = Store(
        tmp_path / "t.db", demote_after=3, on_knowledge=snapshots.append
    )  # learning on, as the proxy
    store.start()
    for row in rows:
        store.put(row)
    store.close()
    assert store.failed == 0
    db = open_db(tmp_path / "t.db")
    # Every learned column (learned_store.LEARNED_COLUMNS) but the error text, the times (they vary
    # from run to run) and the source.
    shown = [k for k in LEARNED_COLUMNS if k not in ("error_text", "first_seen", "last_seen", "source")]
    servers = [
        {k: c[k] for k in shown}
        for c in export_learned(db)["constraints"]
        if c["kind"] in engines.SERVER_KINDS
    ]
    assert servers == [
        {
            "host": "127.0.0.1:9",
            "model": "qwen3",
            "kind": "engine",
            "name": "vllm",
            "value": "",
            "rule": "learned.engine",
            "cause_id": "vllm.auto-tool-choice-flag",
            "first_flow": "a",
            "last_flow": "bb",
            "count": 2,
        },
        {
            "host": "127.0.0.1:9",
            "model": "qwen3",
            "kind": "gateway",
            "name": "litellm",
            "value": "vllm.internal:8000",
            "rule": "learned.gateway",
            "cause_id": "x-litellm-model-api-base",
            "first_flow": "ccc",
            "last_flow": "ccc",
            "count": 1,
        },
    ]
    knowledge = load_knowledge(db)
    assert snapshots and snapshots[-1] == knowledge  # published to the proxy as it changed
    # The gateway says a router is in between: the engine holds for the model it was learned for.
    assert knowledge.engine_for("127.0.0.1:9", "qwen3", host_wide=True) is not None
    assert knowledge.engine_for("127.0.0.1:9", "other", host_wide=True) is None
    # Exported and imported like the other learned rows; forgotten by rule.
    exported = export_learned(db)
    fresh = open_db(tmp_path / "u.db")  # migrated on open
    import_learned(fresh, exported)
    assert load_knowledge(fresh).engine_for("127.0.0.1:9", "qwen3", host_wide=True) is not None
    assert forget(db, rule="learned.engine") == 1
    assert load_knowledge(db).engine_for("127.0.0.1:9", "qwen3", host_wide=True) is None


@pytest.mark.parametrize(
    ("body", "generic", "cloud"),
    [
        # Ollama's Go decoder refuses a string temperature (params.wrong-type): an error at ollama.com.
        ({"model": "gpt-oss:120b", "messages": [USER], "temperature": "0.5"}, W, E),
        # Ollama downloads no image URL (content.remote-image-url): silent on an unknown host, an error there.
        (
            {
                "model": "gemma3:27b",
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}],
                    }
                ],
            },
            None,
            E,
        ),
    ],
)
def test_ollama_cloud_declares_its_engine(
    body: dict[str, Any], generic: Severity | None, cloud: Severity
) -> None:
    profile = BUILTIN_PROFILES["ollama-cloud"]
    assert profile.engine == "ollama" and "ollama.com" in (profile.engine_evidence or "")
    rule = {"params.wrong-type", "content.remote-image-url"}
    unknown = [s for r, s in _found(body) if r in rule]
    assert unknown == ([generic] if generic else [])
    analysis = analyse_request(json.dumps(body), "https://ollama.com/v1/chat/completions")
    found = [f for f in analysis.findings if f.rule in rule]
    assert [f.severity for f in found] == [cloud]
    assert "Ollama Cloud (ollama.com) serves its models on Ollama" in found[0].message


def test_an_engine_read_from_the_answers_confirms_a_port_guess() -> None:
    # 127.0.0.1:8000 is taken for vLLM by its port only: its errors are warnings until an answer shows it.
    url = "http://127.0.0.1:8000/v1/chat/completions"
    body = {"model": "qwen3", "messages": [{"role": "user", "content": "hi", "name": None}]}
    guessed = analyse_request(json.dumps(body), url)
    assert guessed.target.provider.guessed
    # (First the note that vLLM's model got no model rules: it serves whatever models it was given.)
    assert [(f.rule, f.severity) for f in guessed.findings] == [
        ("model.rules-skipped", "info"),
        ("parsers.non-string-field", W),
    ]
    knowledge = _knowledge(("127.0.0.1:8000", "", _server()))
    confirmed = analyse_request(json.dumps(body), url, knowledge=knowledge)
    note, finding = confirmed.findings
    assert note.rule == "model.rules-skipped"
    assert (finding.rule, finding.severity) == ("parsers.non-string-field", E)
    assert "by its port only" not in finding.message
    # Another engine's text there: the guess was wrong, and that engine's errors are taken instead.
    lcpp = _knowledge(("127.0.0.1:8000", "", LearnedServer("engine", "llama.cpp", "", "x", "t", "f3")))
    tail = {
        "model": "m",
        "messages": [USER, {"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}],
    }
    assert ("roles.trailing-assistant-messages", E) in [
        (f.rule, f.severity) for f in analyse_request(json.dumps(tail), url, knowledge=lcpp).findings
    ]
