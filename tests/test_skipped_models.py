"""Models whose model-level checks were skipped are said once per model, local servers' included
(trial22: a run against Ollama with ``qwen2.5-coder:7b`` read "0 with findings" as if its model had
been checked, because the model.rules-skipped note was silent on self-hosted servers).

On a local server (Ollama, vLLM, llama.cpp, LM Studio) the note says nothing is to fix (it serves
whatever models it was given) and is not printed per request; the shutdown line, ``toolguard run``'s
report and the summary name each model once with its requests. Models the catalogue knows add nothing.
The sentence is read whole; the proxy runs the real addon's hooks in mitmproxy's test context with a
real SQLite file, and ``toolguard run`` drives real mitmdump with the openai SDK (e2e).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from mitmproxy import http
from mitmproxy.test import taddons, tflow
from support.upstream import Reply, Upstream, completion

from toolguard_analysis.cli import cli
from toolguard_analysis.run import report
from toolguard_core.addon import ToolGuard
from toolguard_core.analyze import analyse_request
from toolguard_core.visibility import MAX_MODEL_NAME, shown_model, skipped_line

TOOLGUARD = Path(sys.executable).with_name("toolguard")
CHECKS = "model-level checks (tools, images, limits, reasoning parameters) were skipped for"
LOCAL = "to local servers (Ollama, vLLM, llama.cpp, LM Studio...), which serve whatever models they were given: expected there, nothing to fix"
DECLARE = 'declare the host with [[gateway]] or the model with [models."name"] in the providers config (docs/providers.md) to check them'


@pytest.mark.parametrize(
    ("count", "hosts", "models", "local", "said"),
    [
        (
            0,
            {},
            {"qwen2.5-coder:7b": 14, "/models/llama-3.1-8b-q4_k_m.gguf": 1},
            15,
            f"{CHECKS} 2 models toolguard has no facts for on their host: qwen2.5-coder:7b (14 requests), "
            f"/models/llama-3.1-8b-q4_k_m.gguf (1 request); 15 requests {LOCAL}",
        ),
        (
            1,
            {"llm.corp.example": 1},
            {"qwen2.5-coder:7b": 2, "acme-finetune-v3": 1},
            2,
            f"{CHECKS} 2 models toolguard has no facts for on their host: qwen2.5-coder:7b (2 requests), "
            f"acme-finetune-v3 (1 request); 2 requests {LOCAL}; 1 request to llm.corp.example: {DECLARE}",
        ),
        (
            7,
            {"llm.corp.example": 7},
            {f"ft-{i}": 1 for i in range(7)},
            0,
            f"{CHECKS} 7 models toolguard has no facts for on their host: ft-0 (1 request), ft-1 (1 request), "
            f"ft-2 (1 request), ft-3 (1 request), ft-4 (1 request) and 2 more models; 7 requests to "
            f"llm.corp.example: {DECLARE}",
        ),
        # A model not recorded (past the bounded tally, or a WebSocket message's): not claimed complete.
        (
            3,
            {"llm.corp.example": 3},
            {"acme-finetune-v3": 2},
            0,
            f"{CHECKS} models toolguard has no facts for on their host: acme-finetune-v3 (2 requests) and other "
            f"models; 3 requests to llm.corp.example: {DECLARE}",
        ),
        # A run row from before m018 has no models: the sentence it always had.
        (
            4,
            {"llm.corp.example": 3, "127.0.0.1": 1},
            None,
            0,
            "4 requests with models toolguard does not know for their host (llm.corp.example, 127.0.0.1): model "
            'rules were skipped (declare the host with [[gateway]] or the model with [models."name"] in the '
            "providers config, docs/providers.md)",
        ),
        (0, {}, {}, 0, None),
    ],
)
def test_the_sentence_names_each_model_once(
    count: int, hosts: dict[str, int], models: dict[str, int] | None, local: int, said: str | None
) -> None:
    assert skipped_line(count, hosts, models=models, local=local) == said


@pytest.mark.parametrize(
    ("model", "shown"),
    [
        ("qwen2.5-coder:7b", "qwen2.5-coder:7b"),
        ("/models/Llama 3.1 8B.gguf", "/models/Llama 3.1 8B.gguf"),
        ("gpt-4o\ud800", "gpt-4o\\ud800"),  # a lone surrogate no log can encode
        ("evil\x1b[31m\n", "evil\\x1b[31m\\n"),  # no terminal escape, no second line
        ("m" * 300, "m" * (MAX_MODEL_NAME - 1) + "…"),
    ],
)
def test_a_model_name_is_said_printable_and_bounded(model: str, shown: str) -> None:
    assert shown_model(model) == shown
    shown_model(model).encode("utf-8")  # never raises


@pytest.mark.parametrize(
    ("url", "model", "note"),
    [
        (
            "http://127.0.0.1:11434/v1/chat/completions",
            "qwen2.5-coder:7b",
            "Ollama serves whatever models it was given, so the catalogue's model rules (tools, images, limits, "
            "reasoning parameters) were skipped for 'qwen2.5-coder:7b'; Ollama's own rules ran. Nothing to fix: "
            "this note says what was not checked.",
        ),
        (
            "http://127.0.0.1:8000/v1/chat/completions",
            "/models/llama-3.1-8b-q4_k_m.gguf",
            "vLLM serves whatever models it was given, so the catalogue's model rules (tools, images, limits, "
            "reasoning parameters) were skipped for '/models/llama-3.1-8b-q4_k_m.gguf'; vLLM's own rules ran. "
            "Nothing to fix: this note says what was not checked.",
        ),
        ("https://api.openai.com/v1/chat/completions", "gpt-4o", None),  # a model the catalogue knows
    ],
)
def test_a_local_servers_model_gets_the_note_without_blame(url: str, model: str, note: str | None) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    findings = [
        (f.rule, f.severity, f.location, f.message) for f in analyse_request(json.dumps(body), url).findings
    ]
    assert findings == ([("model.rules-skipped", "info", "model", note)] if note else [])


REQUESTS = [
    ("http://127.0.0.1:11434/v1/chat/completions", "qwen2.5-coder:7b"),
    ("http://127.0.0.1:11434/v1/chat/completions", "qwen2.5-coder:7b"),
    ("http://127.0.0.1:8000/v1/chat/completions", "/models/llama-3.1-8b-q4_k_m.gguf"),
    ("http://llm.corp.example/v1/chat/completions", "acme-finetune-v3"),
    ("https://api.openai.com/v1/chat/completions", "gpt-4o"),
]


def test_the_proxy_the_run_report_and_the_summary_say_each_model_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path = tmp_path / "run.db"
    addon = ToolGuard()
    ids = []
    with caplog.at_level(logging.INFO), taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        for url, model in REQUESTS:
            body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
            flow = tflow.tflow(
                req=http.Request.make(
                    "POST", url, json.dumps(body).encode(), {"content-type": "application/json"}
                )
            )
            addon.request(flow)
            flow.response = http.Response.make(
                200, json.dumps(completion(model=model)).encode(), {"content-type": "application/json"}
            )
            addon.responseheaders(flow)
            addon.response(flow)
            ids.append(flow.id)
        stats = (
            addon.stats["model_rules_skipped_local"],
            addon.stats["model_rules_skipped"],
            dict(addon.skipped_models),
        )
        assert stats == (
            3,
            1,
            {"qwen2.5-coder:7b": 2, "/models/llama-3.1-8b-q4_k_m.gguf": 1, "acme-finetune-v3": 1},
        )
        run_id = addon.settings.run_id
        addon.done()
    logged = [r.getMessage() for r in caplog.records]
    # A console line for the unknown model on the unknown host only (its note can be acted on).
    assert [i for i, flow_id in enumerate(ids) if any(flow_id in line for line in logged)] == [3]
    said = (
        f"{CHECKS} 3 models toolguard has no facts for on their host: qwen2.5-coder:7b (2 requests), "
        "/models/llama-3.1-8b-q4_k_m.gguf (1 request), acme-finetune-v3 (1 request); "
        f"3 requests {LOCAL}; 1 request to llm.corp.example: {DECLARE}"
    )
    assert [line for line in logged if CHECKS in line] == [f"toolguard: {said}"]
    lines = report(db_path, run_id).splitlines()
    assert lines[0] == (
        "toolguard: 5 requests reached the proxy: 5 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer; 0 flows stored."
    )
    assert [line for line in lines if CHECKS in line] == [f"  {said}."]
    result = CliRunner().invoke(cli, ["summary", "--db", str(db_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    seen = json.loads(result.output)["seen"]
    assert (seen["model_rules_skipped_local"], seen["model_rules_skipped_models"], said in seen["notes"]) == (
        3,
        {"qwen2.5-coder:7b": 2, "/models/llama-3.1-8b-q4_k_m.gguf": 1, "acme-finetune-v3": 1},
        True,
    )


# An openai SDK script against a local server (toolguard maps the loopback fake to Ollama, as the
# port 11434 would): two models no catalogue can know, one of them a GGUF path.
LOCAL_CLIENT = textwrap.dedent(
    """
    import openai
    client = openai.OpenAI(api_key="ollama", max_retries=0, timeout=15)
    for model in ("qwen2.5-coder:7b", "qwen2.5-coder:7b", "/models/llama-3.1-8b-q4_k_m.gguf"):
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    """
)


@pytest.mark.e2e
def test_toolguard_run_against_a_local_server_names_its_models(upstream: Upstream, tmp_path: Path) -> None:
    upstream.handler = lambda request: Reply.json(200, completion(model=request.json()["model"]))
    providers = tmp_path / "providers.toml"
    providers.write_text(f'[[gateway]]\nhost = "127.0.0.1:{upstream.port}"\nprovider = "ollama"\n')
    result = subprocess.run(
        [
            str(TOOLGUARD), "run", "--upstream", upstream.url, "--db", str(tmp_path / "run.db"),
            "--confdir", str(tmp_path / "conf"), "--set", f"toolguard_providers={providers}",
            "--", sys.executable, "-c", LOCAL_CLIENT,
        ],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    start = lines.index(
        "toolguard: 3 requests reached the proxy: 3 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer; 0 flows stored."
    )
    assert lines[start + 1 :] == [
        f"  {CHECKS} 2 models toolguard has no facts for on their host: qwen2.5-coder:7b (2 requests), "
        f"/models/llama-3.1-8b-q4_k_m.gguf (1 request); 3 requests {LOCAL}.",
    ]
    # No console line per request: the note is said once per model, after the run.
    assert not any("model.rules-skipped" in line for line in lines)
