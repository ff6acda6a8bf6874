"""The toolguard_providers config file: parsing, validation errors, and its effect on analysis
(through the addon option and through the registry that ``toolguard check --providers`` uses)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from mitmproxy import exceptions, http
from mitmproxy.test import taddons, tflow, tutils

from toolguard_core.addon import ToolGuard
from toolguard_core.analyze import analyse_request
from toolguard_core.profiles_config import ProvidersConfigError, load_registry, parse_config
from toolguard_core.providers import ProviderRegistry
from toolguard_core.request import Target

CONFIG = """
[[gateway]]
host = "llm-gw.*.example.com"
provider = "groq"
name = "ACME gateway (Groq)"

[[gateway]]
host = "proxy.internal"
port = 4000
provider = "openai"
accept_params = ["cost_center"]

[[model]]
provider = "openai"
match = "acme-reasoner-*"
like = "openai-o-series"

[[model]]
match = "gpt-4o-thinker"
reasoning_effort = true
"""

USER = {"role": "user", "content": "Hi"}


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "providers.toml"
    path.write_text(CONFIG)
    return path


def rules(registry, url: str, body: dict) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    analysis = analyse_request(json.dumps(body), url, target=Target.from_url(url, registry))
    return [(f.rule, str(f.severity)) for f in analysis.findings]


def test_gateway_host_maps_to_provider(config_file: Path) -> None:
    registry = load_registry(config_file)
    url = "https://llm-gw.eu.example.com/openai/v1/chat/completions"
    assert Target.from_url(url, registry).provider.name == "ACME gateway (Groq)"
    assert rules(
        registry, url, {"model": "llama-3.3-70b-versatile", "messages": [USER], "logprobs": True}
    ) == [("params.rejected-by-provider", "error")]


def test_gateway_port_and_accepted_params(config_file: Path) -> None:
    registry = load_registry(config_file)
    body = {"model": "gpt-4o", "messages": [USER], "cost_center": "r&d", "thinking": {}}
    assert rules(registry, "http://proxy.internal:4000/v1/chat/completions", body) == [
        ("params.unknown", "error")
    ]
    # Another port of the same host is not the gateway: generic profile, nothing flagged.
    assert rules(registry, "http://proxy.internal:4001/v1/chat/completions", body) == []


def test_model_override_like_a_family(config_file: Path) -> None:
    registry = load_registry(config_file)
    body = {"model": "acme-reasoner-2", "messages": [USER], "max_tokens": 10}
    assert rules(registry, "https://api.openai.com/v1/chat/completions", body) == [
        ("params.max-tokens-on-reasoning-model", "error")
    ]


def test_model_override_capability(config_file: Path) -> None:
    body = {"model": "gpt-4o-thinker", "messages": [USER], "reasoning_effort": "low"}
    url = "https://api.openai.com/v1/chat/completions"
    # Built in: gpt-4o* does not reason. With the config: it does, so nothing is flagged.
    assert rules(ProviderRegistry(), url, body) == [("params.reasoning-effort-unsupported", "error")]
    assert rules(load_registry(config_file), url, body) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "[[gateway]]\nhost = 'x'\nprovider = 'openia'\n",
            "gateway[0].provider: Value error, unknown provider 'openia'",
        ),
        ("[[model]]\nprovider = 'openai'\n", "model[0].match: Field required"),
        ("[[model]]\nmatch = 'x'\nlike = 'o3'\n", "model[0].like: Value error, unknown model family 'o3'"),
        ("[[model]]\nmatch = 'x'\nreasoning_efort = true\n", "model[0].reasoning_efort: unknown field"),
        (
            "[[gateway]]\nhost = 'x'\nprovider = 'groq'\nport = 70000\n",
            "gateway[0].port: Input should be less than or equal to 65535",
        ),
        (
            "[[gateway]]\nhost = '127.0.0.1:4000'\nport = 4001\nprovider = 'groq'\n",
            "gateway[0]: Value error, host '127.0.0.1:4000' names port 4000 and port says 4001",
        ),
        (
            "[[gateway]]\nhost = 'gw.example:http'\nprovider = 'groq'\n",
            "gateway[0]: Value error, host 'gw.example:http' is not a host, host:port or [IPv6]:port",
        ),
        (
            "[[gateway]]\nhost = '127.0.0.1:0'\nprovider = 'groq'\n",
            "gateway[0].port: Input should be greater than or equal to 1",
        ),
        ("[gateway\nhost = 'x'\n", "invalid TOML: "),
        ("version = 2\n", "version: Input should be 1"),
    ],
)
def test_errors_name_the_field_and_reason(text: str, problem: str) -> None:
    with pytest.raises(ProvidersConfigError) as info:
        parse_config(text, "providers.toml")
    assert str(info.value).startswith("providers.toml: ")
    assert problem in str(info.value)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1:4000", ("127.0.0.1", 4000)),  # LiteLLM's default address
        ("[::1]:8080", ("::1", 8080)),
        ("[::1]", ("::1", None)),
        ("::1", ("::1", None)),  # a bare IPv6 literal: its colons are its own
        ("LLM-GW.*.example.com:8443", ("llm-gw.*.example.com", 8443)),
        ("llm-[ab].example.com", ("llm-[ab].example.com", None)),  # a glob's set, not an IPv6 literal
        ("127.0.0.1", ("127.0.0.1", None)),
    ],
)
def test_a_gateway_host_may_name_its_port(host: str, expected: tuple[str, int | None]) -> None:
    [gateway] = parse_config(f"[[gateway]]\nhost = '{host}'\nprovider = 'groq'\n").gateway
    assert (gateway.host, gateway.port) == expected


def test_toml_syntax_error_names_the_line() -> None:
    with pytest.raises(ProvidersConfigError, match=r"line 3"):
        parse_config("[[model]]\nmatch = 'x'\nlike = \n", "providers.toml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProvidersConfigError, match="cannot read the file"):
        load_registry(tmp_path / "nope.toml")


# ----------------------------------------------------------------- the addon option


@pytest.fixture
def addon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ToolGuard]:
    monkeypatch.setenv("TOOLGUARD_DB", str(tmp_path / "toolguard.db"))
    guard = ToolGuard()
    with taddons.context(guard) as tctx:
        tctx.configure(guard, toolguard_db=str(tmp_path / "toolguard.db"))
        guard.tctx = tctx  # type: ignore[attr-defined]
        yield guard
        guard.done()


def _flow(host: str, port: int, path: str, body: dict) -> http.HTTPFlow:
    request = tutils.treq(
        host=host,
        port=port,
        scheme=b"https",
        path=path.encode(),
        method=b"POST",
        content=json.dumps(body).encode(),
    )
    request.headers["host"] = host
    flow = tflow.tflow()
    flow.request = request
    return flow


def test_addon_rejects_a_bad_config_at_startup(addon: ToolGuard, tmp_path: Path, caplog) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[gateway]]\nhost = 'x'\nprovider = 'nope'\n")
    # At start-up: one error line (mitmdump then exits with status 1), no traceback.
    addon.tctx.configure(addon, toolguard_providers=str(bad))  # type: ignore[attr-defined]
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert re.match(
        r"toolguard: cannot start: toolguard_providers: .*bad.toml: gateway\[0\].provider", error.getMessage()
    )
    assert error.exc_info is None
    # Once running (a `:set` in the console), mitmproxy rejects the change.
    addon._running = True
    with pytest.raises(
        exceptions.OptionsError, match=r"toolguard_providers: .*bad.toml: gateway\[0\].provider"
    ):
        addon.tctx.configure(addon, toolguard_providers=str(bad))  # type: ignore[attr-defined]


def test_addon_uses_the_config(addon: ToolGuard, config_file: Path) -> None:
    addon.tctx.configure(addon, toolguard_providers=str(config_file))  # type: ignore[attr-defined]
    flow = _flow(
        "llm-gw.us.example.com",
        443,
        "/openai/v1/chat/completions",
        {"model": "llama-3.3-70b-versatile", "messages": [USER], "logit_bias": {"1": 1}},
    )
    addon.request(flow)
    assert [f["rule"] for f in flow.metadata["toolguard"]["findings"]] == ["params.rejected-by-provider"]


def test_addon_sees_dashscope_native_path_with_openai_body(addon: ToolGuard) -> None:
    path = "/api/v1/services/aigc/text-generation/generation"
    openai_body = _flow(
        "dashscope.aliyuncs.com", 443, path, {"model": "qwen-plus", "messages": [USER], "stream": True}
    )
    addon.request(openai_body)
    assert [f["rule"] for f in openai_body.metadata["toolguard"]["findings"]] == [
        "endpoint.dashscope-native-path"
    ]
    native = _flow("dashscope.aliyuncs.com", 443, path, {"model": "qwen-plus", "input": {"messages": [USER]}})
    addon.request(native)
    assert "toolguard" not in native.metadata
    other = _flow("api.openai.com", 443, "/v1/embeddings", {"model": "text-embedding-3-small", "input": "x"})
    addon.request(other)
    assert "toolguard" not in other.metadata


def test_content_view_judges_unseen_flows_by_the_config(addon: ToolGuard, config_file: Path) -> None:
    # Issue #15: the content view used the built-in profiles whatever toolguard_providers said. A flow
    # the addon never saw (opened from a .mitm file) is analysed there with the configured registry.
    from mitmproxy import contentviews

    from toolguard_core import contentview

    flow = _flow(
        "llm-gw.us.example.com",
        443,
        "/openai/v1/chat/completions",
        {"model": "llama-3.3-70b-versatile", "messages": [USER], "logit_bias": {"1": 1}},
    )
    contentview.register()
    before = contentviews.prettify_message(flow.request, flow).text
    assert "params.rejected-by-provider" not in before  # built-in profiles: a generic host
    addon.tctx.configure(addon, toolguard_providers=str(config_file))  # type: ignore[attr-defined]
    try:
        after = contentviews.prettify_message(flow.request, flow).text
        assert "params.rejected-by-provider" in after
    finally:
        addon.tctx.configure(addon, toolguard_providers="")  # type: ignore[attr-defined]
    assert contentview.chat_completions.registry is addon.registry
