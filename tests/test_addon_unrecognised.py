"""The proxy counts requests to hosts no provider profile recognises (addon.py, ``_Route.unrecognised``),
stored or not: a clean run against a company gateway, a LiteLLM proxy or a local vLLM stores no flow,
and its report, summary and shutdown log said nothing about the generic profile judging it (issue
#9/#10: never reassuring about what was not seen). Real hooks (taddons, tflow), a real SQLite file."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from mitmproxy import http
from mitmproxy.test import taddons, tflow

from toolguard_core import visibility
from toolguard_core.addon import ToolGuard

USER = {"role": "user", "content": "hi"}
OK = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "done"}, "finish_reason": "stop"}],
}
UNRECOGNISED = (
    "hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic "
    "Messages, plus the model catalog)"
)
MAP = (
    "no provider-specific rule was applied; map a host to its provider with [[gateway]] in the providers "
    "config (--set toolguard_providers=FILE, docs/providers.md)"
)


def _exchange(addon: ToolGuard, url: str) -> None:
    """A clean chat request (a model the catalog knows) answered 200: nothing is stored."""
    body = json.dumps({"model": "gpt-4o-mini", "messages": [USER]}).encode()
    flow = tflow.tflow(req=http.Request.make("POST", url, body, {"content-type": "application/json"}))
    addon.request(flow)
    flow.response = http.Response.make(200, json.dumps(OK).encode(), {"content-type": "application/json"})
    addon.responseheaders(flow)
    addon.response(flow)


def _run(db_path: Path) -> tuple[int, int, int, dict[str, int] | None]:
    db = sqlite_utils.Database(db_path)
    [run] = list(db["runs"].rows)
    flows = db.execute("select count(*) from flows").fetchone()[0]
    hosts = json.loads(run["unrecognised_hosts"]) if run["unrecognised_hosts"] else None
    return run["requests_seen"], flows, run["unrecognised_requests"], hosts


def test_requests_to_unrecognised_hosts_are_counted_stored_or_not(
    guard_db: tuple[ToolGuard, Any, Path], caplog: pytest.LogCaptureFixture
) -> None:
    addon, _, db_path = guard_db
    for url in [
        "http://127.0.0.1:4000/v1/chat/completions",  # a LiteLLM proxy
        "https://llm.corp.example/v1/chat/completions",
        "http://127.0.0.1:4000/v1/chat/completions",
        "http://127.0.0.1:8000/v1/chat/completions",  # vLLM's default port: recognised, not counted
        "https://api.openai.com/v1/chat/completions",  # recognised: not counted
    ]:
        _exchange(addon, url)
    stats = json.loads(addon.stats_command())
    assert (stats["unrecognised_requests"], stats["unrecognised_hosts"]) == (
        3,
        {"127.0.0.1:4000": 2, "llm.corp.example": 1},
    )
    with caplog.at_level(logging.INFO):
        addon.done()
    assert _run(db_path) == (5, 0, 3, {"127.0.0.1:4000": 2, "llm.corp.example": 1})
    line = f"toolguard: 3 requests to {UNRECOGNISED}: 127.0.0.1:4000, llm.corp.example; {MAP}"
    assert [r.getMessage() for r in caplog.records].count(line) == 1


def test_a_recognised_host_alone_says_nothing_of_unrecognised_hosts(
    guard_db: tuple[ToolGuard, Any, Path], caplog: pytest.LogCaptureFixture
) -> None:
    addon, _, db_path = guard_db
    _exchange(addon, "https://api.openai.com/v1/chat/completions")
    stats = json.loads(addon.stats_command())
    assert (stats["unrecognised_requests"], "unrecognised_hosts" in stats) == (0, False)  # zero said
    with caplog.at_level(logging.INFO):
        addon.done()
    assert _run(db_path) == (1, 0, 0, None)
    assert not [r for r in caplog.records if "not recognised" in r.getMessage()]


def test_a_host_mapped_with_a_gateway_is_recognised(
    guard_db: tuple[ToolGuard, Any, Path], tmp_path: Path
) -> None:
    addon, tctx, db_path = guard_db
    config = tmp_path / "providers.toml"
    config.write_text('[[gateway]]\nhost = "127.0.0.1"\nport = 4000\nprovider = "openai"\n')
    tctx.configure(addon, toolguard_providers=str(config))
    _exchange(addon, "http://127.0.0.1:4000/v1/chat/completions")  # mapped: OpenAI's rules
    _exchange(addon, "http://127.0.0.1:4001/v1/chat/completions")  # another port: not mapped
    addon.done()
    assert _run(db_path) == (2, 0, 1, {"127.0.0.1:4001": 1})


@pytest.mark.parametrize(
    ("host", "mapped", "other"),
    [
        # LiteLLM's default address, as its docs and users write it (host:port in one string).
        (
            "127.0.0.1:4000",
            "http://127.0.0.1:4000/v1/chat/completions",
            "http://127.0.0.1:4001/v1/chat/completions",
        ),
        ("[::1]:8080", "http://[::1]:8080/v1/chat/completions", "http://[::1]:8081/v1/chat/completions"),
        (
            "llm-gw.*.example:8443",
            "https://llm-gw.eu.example:8443/v1/chat/completions",
            "https://llm-gw.eu.example:9443/v1/chat/completions",
        ),
    ],
)
def test_a_gateway_host_with_a_port_maps_that_port_only(
    guard_db: tuple[ToolGuard, Any, Path], tmp_path: Path, host: str, mapped: str, other: str
) -> None:
    # Session 12: the whole "host:port" string was a glob over the host name, which no request's
    # host is, so the gateway mapped nothing and every request counted as unrecognised.
    addon, tctx, db_path = guard_db
    config = tmp_path / "providers.toml"
    config.write_text(f'[[gateway]]\nhost = "{host}"\nprovider = "openai"\n')
    tctx.configure(addon, toolguard_providers=str(config))
    _exchange(addon, mapped)  # mapped: OpenAI's rules
    _exchange(addon, other)  # the same host on another port: not mapped
    addon.done()
    other_host = other.split("/")[2].replace("[", "").replace("]", "")
    seen, stored, unrecognised, hosts = _run(db_path)
    assert (seen, stored, unrecognised) == (2, 0, 1)
    assert (
        hosts is not None and list(hosts.values()) == [1] and other_host.split(":")[-1] in next(iter(hosts))
    )


def test_a_gateway_host_without_a_port_maps_every_port(
    guard_db: tuple[ToolGuard, Any, Path], tmp_path: Path
) -> None:
    addon, tctx, db_path = guard_db
    config = tmp_path / "providers.toml"
    config.write_text('[[gateway]]\nhost = "127.0.0.1"\nprovider = "openai"\n')
    tctx.configure(addon, toolguard_providers=str(config))
    _exchange(addon, "http://127.0.0.1:4000/v1/chat/completions")
    _exchange(addon, "http://127.0.0.1:4001/v1/chat/completions")
    addon.done()
    assert _run(db_path) == (2, 0, 0, None)


def test_the_hosts_are_bounded_and_the_rest_still_counted(
    guard_db: tuple[ToolGuard, Any, Path], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(visibility, "MAX_TRACKED_HOSTS", 2)
    addon, _, db_path = guard_db
    for host in ("a.corp.example", "b.corp.example", "c.corp.example", "a.corp.example"):
        _exchange(addon, f"https://{host}/v1/chat/completions")
    with caplog.at_level(logging.INFO):
        addon.done()
    assert _run(db_path) == (4, 0, 4, {"a.corp.example": 2, "b.corp.example": 1})
    line = f"toolguard: 4 requests to {UNRECOGNISED}: a.corp.example, b.corp.example and other hosts; {MAP}"
    assert [r.getMessage() for r in caplog.records].count(line) == 1


def test_a_hot_reload_keeps_counting_in_the_same_run(tmp_path: Path) -> None:
    """mitmproxy reloads a changed script: a new ToolGuard instance, the same run row."""
    db_path = tmp_path / "reloaded.db"
    for _ in range(2):
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(addon, toolguard_db=str(db_path), toolguard_run_id="reloaded-unrecognised")
            addon.running()
            _exchange(addon, "https://llm.corp.example/v1/chat/completions")
            addon.done()
    assert _run(db_path) == (2, 0, 2, {"llm.corp.example": 2})


def test_websocket_messages_to_an_unrecognised_host_are_counted(
    guard_db: tuple[ToolGuard, Any, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Codex's Responses API over a WebSocket through a company gateway: each ``response.create`` is
    counted as an HTTP request to that host is (the upgrade itself is not validated here: the hooks
    see only websocket_start), and the run row and the shutdown line name the host. A connection to
    api.openai.com is recognised and not counted."""
    from test_addon_websocket import FRAMES, play, socket_flow

    addon, _, db_path = guard_db
    for host, port, messages in (("gw.corp.example", 8443, FRAMES[:2]), ("api.openai.com", 443, FRAMES[:1])):
        flow = socket_flow()
        flow.request.host, flow.request.port = host, port
        addon.websocket_start(flow)
        for frame in messages:
            play(addon, flow, True, frame)
        addon.websocket_end(flow)
    _exchange(addon, "https://llm.corp.example/v1/chat/completions")  # and an HTTP request elsewhere
    assert addon.sockets is not None
    addon.sockets.close()  # every queued message judged, so the live counts below are final
    stats = json.loads(addon.stats_command())
    assert (stats["unrecognised_requests"], stats["unrecognised_hosts"]) == (
        3,
        {"gw.corp.example:8443": 2, "llm.corp.example": 1},
    )
    with caplog.at_level(logging.INFO):
        addon.done()
    assert _run(db_path)[2:] == (3, {"gw.corp.example:8443": 2, "llm.corp.example": 1})
    # Two of the three are WebSocket messages, and the sentence says they are counted in (trial17).
    line = (
        f"toolguard: 3 requests (WebSocket messages included) to {UNRECOGNISED}: gw.corp.example:8443, "
        f"llm.corp.example; {MAP}"
    )
    assert [r.getMessage() for r in caplog.records].count(line) == 1


def test_a_gateway_given_the_default_port_matches_a_url_that_names_none(
    guard_db: tuple[ToolGuard, Any, Path], tmp_path: Path
) -> None:
    # mitmproxy leaves a scheme's default port out of the URL (pretty_url): the request still went to 443.
    addon, tctx, db_path = guard_db
    config = tmp_path / "providers.toml"
    config.write_text('[[gateway]]\nhost = "llm.corp.example:443"\nprovider = "openai"\n')
    tctx.configure(addon, toolguard_providers=str(config))
    _exchange(addon, "https://llm.corp.example/v1/chat/completions")
    _exchange(addon, "https://llm.corp.example:8443/v1/chat/completions")
    addon.done()
    assert _run(db_path) == (2, 0, 1, {"llm.corp.example:8443": 1})
