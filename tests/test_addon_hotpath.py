"""The clean path's shortcuts (issue #12) keep every behaviour: the per-route cache follows option
changes and the Host header, and secrets collected only when needed are still the request's own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from mitmproxy import flow as mitmflow
from mitmproxy import http
from mitmproxy.test import taddons, tflow
from support.seeds import LONE_TOOL, VALID_PARALLEL

from toolguard_core.addon import MARK, METADATA_KEY, ToolGuard
from toolguard_core.analyze import analyse_request
from toolguard_core.profiles_config import load_registry
from toolguard_core.providers import DEFAULT_REGISTRY

KEY = "sk-proj-" + "H0tPathKeyForToolguardTests0123456789abcd"


@pytest.fixture
def guard(tmp_path: Path) -> Iterator[tuple[ToolGuard, Any, Path]]:
    addon = ToolGuard()
    db_path = tmp_path / "toolguard.db"
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path), toolguard_offload="off")
        yield addon, tctx, db_path
        addon.done()


def flow_for(url: str, body: dict[str, Any], host: str | None = None) -> http.HTTPFlow:
    request = http.Request.make(
        "POST",
        url,
        json.dumps(body).encode(),
        {"content-type": "application/json", "authorization": f"Bearer {KEY}"},
    )
    if host is not None:  # as a reverse proxy receives it: Host names the API, the line the proxy
        request.headers["host"] = host
    return tflow.tflow(req=request)


def finish(addon: ToolGuard, flow: http.HTTPFlow, status: int, body: dict[str, Any]) -> None:
    flow.response = http.Response.make(
        status, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    addon.responseheaders(flow)
    addon.response(flow)


def stored(db_path: Path) -> list[tuple[Any, ...]]:
    db = sqlite_utils.Database(db_path)
    return [
        (row["host"], row["url"], row["provider"], row["verdict"], row["error_message"])
        for row in db["flows"].rows_where(order_by="datetime_utc, rowid")
    ]


OK = {"id": "chatcmpl-1", "object": "chat.completion", "choices": []}


def test_the_same_request_line_follows_option_changes(guard):
    """The scope of a request line is remembered; changing toolguard_hosts or toolguard_paths at
    runtime (`:set` in the console) must still take effect on the next flow."""
    addon, tctx, _ = guard
    url = "https://api.openai.com/v1/chat/completions"
    seen: list[tuple[str, list[str] | None]] = []
    for options in (
        {},
        {"toolguard_hosts": ["*.deepseek.com"]},
        {"toolguard_hosts": []},
        {"toolguard_paths": [r"/v2/"]},
        {"toolguard_paths": [r"/chat/completions$"]},
    ):
        if options:
            tctx.configure(addon, **options)
        flow = flow_for(url, LONE_TOOL.body())
        addon.request(flow)
        meta = flow.metadata.get(METADATA_KEY)
        seen.append((json.dumps(options), [f["rule"] for f in meta["findings"]] if meta else None))
    assert seen == [
        ("{}", [LONE_TOOL.rule]),
        ('{"toolguard_hosts": ["*.deepseek.com"]}', None),
        ('{"toolguard_hosts": []}', [LONE_TOOL.rule]),
        ('{"toolguard_paths": ["/v2/"]}', None),
        ('{"toolguard_paths": ["/chat/completions$"]}', [LONE_TOOL.rule]),
    ]
    assert addon.stats["validated"] == 3


def test_the_same_request_line_with_another_host_header_is_another_route(guard):
    """A reverse proxy sees one request line for every upstream; the Host header names the provider
    (pretty_host), so it is part of what the route is remembered by."""
    addon, tctx, db_path = guard
    tctx.configure(addon, toolguard_store_all=True)
    for host in ("api.deepseek.com", "api.openai.com", "api.deepseek.com"):
        flow = flow_for(
            "http://127.0.0.1:9000/v1/chat/completions",
            {"model": "gpt-4o-mini", "messages": VALID_PARALLEL},
            host,
        )
        addon.request(flow)
        finish(addon, flow, 200, OK)
    addon.done()
    # DeepSeek's own host does not serve gpt-4o-mini (a finding, so a false alarm when answered 200);
    # OpenAI's does: the provider is the Host header's, not the first flow's.
    assert stored(db_path) == [
        ("api.deepseek.com", "http://api.deepseek.com/v1/chat/completions", "deepseek", "false_alarm", None),
        ("api.openai.com", "http://api.openai.com/v1/chat/completions", "openai", "accepted", None),
        ("api.deepseek.com", "http://api.deepseek.com/v1/chat/completions", "deepseek", "false_alarm", None),
    ]


def test_secrets_are_the_request_as_sent_even_when_collected_later(guard):
    """The secrets are collected only when a flow is stored (or a log line quotes it), from the
    headers as the request hook saw them: a key another addon swaps afterwards is still scrubbed
    from the upstream's echo."""
    addon, _, db_path = guard
    flow = flow_for(
        "https://api.openai.com/v1/chat/completions", {"model": "gpt-4o-mini", "messages": VALID_PARALLEL}
    )
    addon.request(flow)
    flow.request.headers["authorization"] = "Bearer sk-another-addon-swapped-this-key-000000"
    echo = {
        "error": {
            "message": f"Incorrect API key provided: {KEY}.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    finish(addon, flow, 401, echo)
    addon.done()
    assert stored(db_path) == [
        (
            "api.openai.com",
            "https://api.openai.com/v1/chat/completions",
            "openai",
            "recognised",
            "Incorrect API key provided: [REDACTED].",
        )
    ]


def test_model_judgements_follow_the_providers_file(tmp_path: Path):
    """The model rules' judgement of a model is remembered per model, profile and catalog: a providers
    file that corrects the model (a new registry, as a reload makes) is judged by the correction, and
    the built-in registry still by the snapshot, in one process."""
    config = tmp_path / "providers.toml"
    config.write_text('[models."gpt-4o-mini"]\nmax_output_tokens = 1000\n')
    corrected = load_registry(config)
    url = "https://api.openai.com/v1/chat/completions"
    body = json.dumps({"model": "gpt-4o-mini", "messages": VALID_PARALLEL, "max_tokens": 4000}).encode()
    judged = [
        [(f.rule, f.severity) for f in analyse_request(body, url, registry=registry).findings]
        for registry in (DEFAULT_REGISTRY, corrected, DEFAULT_REGISTRY, corrected)
    ]
    limit = [("model.max-tokens-above-limit", "error")]
    assert judged == [[], limit, [], limit]


ORPHAN_ANSWER = json.loads(LONE_TOOL.error_body())


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        # The rules' turn comes before the answer (as on the wire: the answer needs the network).
        (
            "rules, answer",
            ("predicted", 400, MARK, f"toolguard: {LONE_TOOL.rule} at {LONE_TOOL.location} [predicted]"),
        ),
        # The answer is handled in the same turn as the request: the flow waits for its verdict.
        (
            "answer, rules",
            ("predicted", 400, MARK, f"toolguard: {LONE_TOOL.rule} at {LONE_TOOL.location} [predicted]"),
        ),
        # mitmproxy stops before the rules' turn: done() judges it and stores it unanswered.
        (
            "shutdown",
            ("no_answer", None, MARK, f"toolguard: {LONE_TOOL.rule} at {LONE_TOOL.location} [no_answer]"),
        ),
    ],
)
# Queued: mitmproxy's `running` hook has come, so the hooks queue the loop turn's flows and read them
# together a turn later (test_requests_of_a_loop_turn_are_read_together): the same outcome.
@pytest.mark.parametrize("queued", [False, True], ids=["hooks by hand", "queued"])
def test_observe_mode_forwards_first_and_judges_a_turn_later(
    tmp_path: Path, order: str, expected: tuple[Any, ...], queued: bool
):
    """On mitmproxy's event loop the request hook returns before the rules run (the request goes on
    at once); the verdict, mark, comment, counters and stored row are those of in-place validation."""
    db_path = tmp_path / "toolguard.db"

    async def scenario() -> tuple[Any, ...]:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(addon, toolguard_db=str(db_path), toolguard_offload="off")
            if queued:
                addon.running()
            flow = flow_for("https://api.openai.com/v1/chat/completions", LONE_TOOL.body())
            addon.request(flow)
            forwarded_unjudged = METADATA_KEY not in flow.metadata
            if order == "rules, answer":
                await asyncio.sleep(0)
                if queued:  # the queue's turn, then the rules' turn
                    await asyncio.sleep(0)
                judged = [f["rule"] for f in flow.metadata[METADATA_KEY]["findings"]]
                assert (judged, flow.marked) == ([LONE_TOOL.rule], MARK)
                finish(addon, flow, 400, ORPHAN_ANSWER)
            elif order == "answer, rules":
                finish(addon, flow, 400, ORPHAN_ANSWER)
                assert METADATA_KEY not in flow.metadata  # waits for its verdict
                await asyncio.sleep(0)
            addon.done()
            meta = flow.metadata[METADATA_KEY]
            (row,) = sqlite_utils.Database(db_path)["flows"].rows
            findings = [r["rule"] for r in sqlite_utils.Database(db_path)["findings"].rows]
            return (
                forwarded_unjudged,
                (meta["verdict"], row["status"], flow.marked, flow.comment),
                (row["verdict"], findings),
                (addon.stats["validated"], addon.stats["flagged"], addon.stats["queued"]),
            )

    assert asyncio.run(scenario()) == (
        True,
        expected,
        (expected[0], [LONE_TOOL.rule]),
        (1, 1, 1),
    )


class _WithUpdate:
    def __init__(self) -> None:
        self.calls = 0

    def update(self, flows: Any) -> None:
        self.calls += 1


class _Parent:
    """An addon holding others (mitmproxy's ``traverse`` walks them, as a script's module)."""

    def __init__(self, *children: Any) -> None:
        self.addons = list(children)


@pytest.mark.parametrize(
    ("extra", "refreshed"),
    [
        ([], False),  # mitmdump's own addons: none has an update hook, so none is walked per batch
        ([_WithUpdate()], True),  # mitmweb's view, the console's
        ([_Parent(_WithUpdate())], True),  # one below another addon (a script's module)
        ([_Parent(object())], False),
    ],
)
def test_the_update_hook_is_triggered_only_when_an_addon_has_one(extra: list[Any], refreshed: bool) -> None:
    # perf9: the walk of the chain was ~800 of a flagged flow's ~4,200 opcodes on the loop, twice
    # per flow, for nothing in mitmdump; a UI that has the hook still hears every change.
    from mitmproxy.addons import default_addons

    from toolguard_core import addon as addon_module

    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        for other in default_addons():
            if other not in tctx.master.addons:
                tctx.master.addons.add(other)
        triggered: list[Any] = []
        original = tctx.master.addons.trigger
        tctx.master.addons.trigger = lambda event: (triggered.append(event), original(event))
        addon_module._flows_changed([tflow.tflow()])
        assert triggered == []
        # Added while the first answer still stands: seen at once (the chain's length changed).
        for other in extra:
            tctx.master.addons.add(other)
        addon_module._flows_changed([tflow.tflow()])
        assert bool(triggered) is refreshed
        hooked = [a for a in extra if isinstance(a, _WithUpdate)] + [
            c for a in extra if isinstance(a, _Parent) for c in a.addons if isinstance(c, _WithUpdate)
        ]
        assert [a.calls for a in hooked] == [1] * len(hooked)


@pytest.mark.parametrize(
    ("mode", "then", "expected"),
    [
        # Observe mode: the hooks queue; one callback a loop turn later reads both, in order.
        ("observe", "a loop turn", ((False, False), (True, True), ["first", "second"])),
        # A hook that reads a flow's state empties the queue first: a failure in the same turn
        # finds its request read.
        ("observe", "the first failure", ((False, False), (True, True), ["first", "second"])),
        # The answer's headers alone read nothing for an answer that is not a stream (its queued
        # request is read with the answer, session 16); a stream's do, to set up its tap.
        ("observe", "the first answer's headers", ((False, False), (False, False), [])),
        ("observe", "the first stream's headers", ((False, False), (True, True), ["first", "second"])),
        # Block mode judges each request in its own hook, before it goes on.
        ("block", "a loop turn", ((True, True), (True, True), ["first", "second"])),
        # At shutdown the queue is read, then every flow in flight is judged and stored.
        ("observe", "shutdown", ((False, False), (True, True), [])),
    ],
)
def test_requests_of_a_loop_turn_are_read_together(
    tmp_path: Path, mode: str, then: str, expected: tuple[Any, ...]
) -> None:
    """Issue #12: under load a loop turn brings several requests; reading them in one callback
    fetches toolguard's code and data into the CPU's caches once per batch (docs/benchmarks.md)."""

    async def scenario() -> tuple[Any, ...]:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(addon, toolguard_db=str(tmp_path / "toolguard.db"), toolguard_offload="off")
            tctx.configure(addon, toolguard_mode=mode)
            addon.running()
            flows = []
            for name in ("first", "second"):
                flow = flow_for("https://api.openai.com/v1/chat/completions", LONE_TOOL.body())
                flow.request.headers["x-name"] = name
                flows.append(flow)
                addon.request(flow)
            queued = tuple(f.id in addon.pending for f in flows)
            if then == "a loop turn":
                await asyncio.sleep(0)
            elif then == "the first failure":
                flows[0].error = mitmflow.Error("connection reset")
                addon.error(flows[0])
            elif then == "the first answer's headers":
                flows[0].response = http.Response.make(400, json.dumps(ORPHAN_ANSWER).encode())
                addon.responseheaders(flows[0])
            elif then == "the first stream's headers":
                flows[0].response = http.Response.make(200, b"", {"content-type": "text/event-stream"})
                addon.responseheaders(flows[0])
                assert flows[0].response.stream, "the stream passes on as it comes"
            elif then == "shutdown":
                addon.done()
                judged = tuple(METADATA_KEY in f.metadata for f in flows)
                return queued, judged, list(addon.pending)
            read = tuple(f.id in addon.pending for f in flows)
            order = [p.flow.request.headers["x-name"] for p in addon.pending.values() if p.flow]
            addon.done()
            return queued, read, order

    assert asyncio.run(scenario()) == expected


def test_a_queue_that_no_loop_turn_empties_is_read_at_its_bound(tmp_path: Path) -> None:
    """`mitmdump -r` of flows without answers never lets the loop turn between them: the queue is
    read each time it holds MAX_QUEUED flows, so it cannot hold a whole file."""
    from toolguard_core.addon import MAX_QUEUED

    async def scenario() -> list[int]:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(addon, toolguard_db=str(tmp_path / "toolguard.db"), toolguard_offload="off")
            addon.running()
            read = []
            for _ in range(2 * MAX_QUEUED + 1):
                addon.request(flow_for("https://api.openai.com/v1/chat/completions", LONE_TOOL.body()))
                read.append(len(addon.pending))
            addon.done()
            return read

    read = asyncio.run(scenario())
    # Requests read after the 1st, 2nd ... one less than the bound, the bound, twice the bound, one more.
    assert [read[n - 1] for n in (1, MAX_QUEUED - 1, MAX_QUEUED, 2 * MAX_QUEUED, 2 * MAX_QUEUED + 1)] == [
        0,
        0,
        MAX_QUEUED,
        2 * MAX_QUEUED,
        2 * MAX_QUEUED,
    ]


@pytest.mark.parametrize(
    ("turns_before_answer", "judged_at_once"),
    [
        # Its request was read in an earlier turn: the answer is read in its own hook (session 16:
        # no callback scheduled per batch of answers).
        (2, True),
        # Request and answer in one turn (a replayed flow): the answer waits behind its request and
        # both are read a turn later, in order.
        (0, False),
    ],
)
def test_an_answer_is_read_at_once_unless_requests_are_queued(
    tmp_path: Path, turns_before_answer: int, judged_at_once: bool
) -> None:
    async def scenario() -> tuple[bool, str, bool]:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(addon, toolguard_db=str(tmp_path / "toolguard.db"), toolguard_offload="off")
            addon.running()
            flow = flow_for("https://api.openai.com/v1/chat/completions", LONE_TOOL.body())
            addon.request(flow)
            for _ in range(turns_before_answer):  # the queue read, then the deferred rules run
                await asyncio.sleep(0)
            flow.response = http.Response.make(400, json.dumps(ORPHAN_ANSWER).encode())
            addon.responseheaders(flow)
            addon.response(flow)
            # The final verdict (the answer's, set by _finish), not the request's early annotation.
            at_once = flow.metadata.get(METADATA_KEY, {}).get("verdict") == "predicted"
            for _ in range(3):
                await asyncio.sleep(0)
            verdict = flow.metadata[METADATA_KEY]["verdict"]
            left = bool(addon.pending)
            addon.done()
            return at_once, verdict, left

    assert asyncio.run(scenario()) == (judged_at_once, "predicted", False)


def test_the_script_module_holds_the_hooks_itself(tmp_path: Path) -> None:
    """Session 16: the script exports the addon's hooks and commands as its own attributes, so
    mitmproxy's walk to them (every hook of every flow) is one level shorter; mitmproxy still loads
    its options, calls its hooks and registers its commands."""
    from mitmproxy.addons import script
    from mitmproxy.proxy.layers.http import HttpRequestHook

    from toolguard_core.addon import script_namespace

    names = script_namespace().keys() - {"toolguard"}
    assert {"load", "configure", "running", "done", "request", "responseheaders", "response"} <= names
    assert {"stats_command", "summary_command"} <= names
    with taddons.context() as tctx:
        module = script.load_script(str(Path(__file__).parent.parent / "addon" / "toolguard.py"))
        assert module is not None and not hasattr(module, "addons")
        assert all(getattr(module, name).__self__ is module.toolguard for name in names)
        tctx.master.addons.add(module)
        tctx.configure(module.toolguard, toolguard_db=str(tmp_path / "toolguard.db"), toolguard_offload="off")
        flow = flow_for("https://api.openai.com/v1/chat/completions", LONE_TOOL.body())
        tctx.master.addons.trigger(HttpRequestHook(flow))  # as mitmproxy dispatches it
        assert flow.id in module.toolguard.pending
        assert "toolguard.stats" in tctx.master.commands.commands
        module.toolguard.done()
