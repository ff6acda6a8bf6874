"""The small request's lean lane (issue #12, session 20): the same flows on both lanes, the same result.

In observe mode a small body the running worker can take at once skips the Pending and the Analysis
(``ToolGuard._on_queued_request``): its entry in ``addon.pending`` is a list, and a Pending is made
from it only when the flow leaves the lane. Each exit below runs twice with a real worker process
and a real store, once on the lean lane and once with the drain sent to the full path
(``_on_request``, as before the lane existed), and everything a user sees must be equal: the
flows' verdict metadata, marks and comments, the stored rows and the counters. Each run also
asserts which lane its flows took, so neither half can pass by taking the other's.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from mitmproxy import http
from mitmproxy.test import taddons, tflow
from support.answers import OPENAI_ORPHAN
from support.seeds import LONE_TOOL

from toolguard_core.addon import (
    _LEAN_NOTE,
    _LEAN_PENDING,
    _ROUTE_FIELDS,
    METADATA_KEY,
    Pending,
    ToolGuard,
    _lean_fields,
    _request_fields,
)

URL = "https://api.openai.com/v1/chat/completions"
ORPHAN = json.dumps(LONE_TOOL.body()).encode()
CLEAN = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()
OK = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    }
).encode()
BAD_REQUEST = json.dumps({"error": {"message": "Bad request", "type": "invalid_request_error"}}).encode()
# OpenRouter's error after generation started: status 200, the error in the body (capture.py).
ERROR_IN_200 = json.dumps({"error": {"message": "Provider returned error", "code": 502}}).encode()
SSE = (
    b'data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,'
    b'"delta":{"content":"hi"},"finish_reason":null}]}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,'
    b'"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)
JSON = {"content-type": "application/json"}
# A local vLLM server (its conventional port on loopback) serves any model name, so every request
# to it carries the model.rules-skipped note and nothing else: such a flow stays on the lane.
LOCAL_URL = "http://127.0.0.1:8000/v1/chat/completions"
LOCAL = json.dumps(
    {"model": "Qwen/Qwen2.5-Coder-7B-Instruct", "messages": [{"role": "user", "content": "hi"}]}
).encode()

# Columns that differ between any two runs (ids, clocks, durations), left out of the comparison.
VOLATILE = ("id", "run_id", "flow_id")


async def until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out after {seconds:g} s")


def make_flow(body: bytes, url: str = URL) -> http.HTTPFlow:
    return tflow.tflow(req=http.Request.make("POST", url, body, {"content-type": "application/json"}))


class Run:
    """One scenario's flows through the hooks on a running loop, with a real worker and store."""

    def __init__(self, addon: ToolGuard, tctx: Any) -> None:
        self.addon, self.tctx = addon, tctx
        self.flows: list[http.HTTPFlow] = []
        self.lanes: list[str] = []  # what each flow's entry was once its request was read

    async def request(self, body: bytes, url: str = URL) -> http.HTTPFlow:
        flow = make_flow(body, url)
        self.flows.append(flow)
        self.addon.request(flow)
        await asyncio.sleep(0)  # the drain: the request read (mitmproxy forwarded it meanwhile)
        entry = self.addon.pending.get(flow.id)
        self.lanes.append("lean" if type(entry) is list else "full" if isinstance(entry, Pending) else "none")
        return flow

    def answer(
        self, flow: http.HTTPFlow, status: int, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        flow.response = http.Response.make(status, body, headers or JSON)
        self.addon.responseheaders(flow)
        self.addon.response(flow)

    async def judged(self) -> None:
        await until(lambda: self.addon.validator.pending == 0)

    async def settled(self) -> None:
        await until(lambda: not self.addon.pending and not self.addon.validator.pending)

    async def local(self) -> tuple[http.HTTPFlow, http.HTTPFlow]:
        """Two requests to the local server, after a first one there (the lane takes routes seen
        before) that is not compared."""
        warm = await self.request(LOCAL, LOCAL_URL)
        await self.judged()
        self.answer(warm, 200, OK)
        await self.settled()
        self.flows, self.lanes = [], []
        return await self.request(LOCAL, LOCAL_URL), await self.request(LOCAL, LOCAL_URL)


Scenario = Callable[[Run], Awaitable[None]]


def run_scenario(db_path: Path, scenario: Scenario, *, lean: bool) -> dict[str, Any]:
    """What a user sees of the scenario's flows: their verdict metadata, marks and comments, the
    stored rows and the counters; and which lane each took."""

    async def main() -> tuple[Run, dict[str, int]]:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(addon, toolguard_db=str(db_path), toolguard_offload="0", toolguard_writer="thread")
            addon.running()
            if not lean:  # the full path for every request the drain reads
                addon._on_queued_request = addon._on_request  # type: ignore[method-assign]
            await until(lambda: addon.validator.ready)
            run = Run(addon, tctx)
            # A first request of the route: its route derived and its worker context sent (the lane
            # takes routes and contexts seen before).
            warm = await run.request(CLEAN)
            await run.judged()
            run.answer(warm, 200, OK)
            await run.settled()
            run.flows, run.lanes = [], []
            try:
                await scenario(run)
            finally:
                stats = dict(addon.stats)
                addon.done()
                stats = dict(addon.stats)
        return run, stats

    run, stats = asyncio.run(main())
    db = sqlite_utils.Database(db_path)
    ids = {flow.id: n for n, flow in enumerate(run.flows)}
    stored = sorted(
        (
            {
                "flow": ids.get(row["id"]),
                **{k: v for k, v in row.items() if k not in VOLATILE and not _clock(k)},
            }
            for row in db["flows"].rows
        ),
        key=lambda row: (row["flow"] is None, row["flow"] or 0),
    )
    findings = sorted(
        (
            {"flow": ids.get(row.get("flow_id")), **{k: v for k, v in row.items() if k not in VOLATILE}}
            for row in db["findings"].rows
        ),
        key=repr,
    )
    return {
        "lanes": run.lanes,
        "findings": findings,
        "flows": [(flow.metadata.get(METADATA_KEY), flow.marked, flow.comment) for flow in run.flows],
        "rows": stored,
        "stats": {k: v for k, v in stats.items() if k != "requests_seen"},
    }


def _clock(column: str) -> bool:
    return any(part in column for part in ("time", "_at", "started", "ended", "duration", "ms", "seconds"))


async def findings_answered_first(run: Run) -> None:
    flow = await run.request(ORPHAN)
    run.answer(flow, 400, json.dumps(OPENAI_ORPHAN).encode())
    await run.settled()


async def findings_judged_first(run: Run) -> None:
    flow = await run.request(ORPHAN)
    await run.judged()
    run.answer(flow, 400, json.dumps(OPENAI_ORPHAN).encode())
    await run.settled()


async def rejected_answered_first(run: Run) -> None:
    flow = await run.request(CLEAN)
    run.answer(flow, 400, BAD_REQUEST)
    await run.settled()


async def rejected_judged_first(run: Run) -> None:
    flow = await run.request(CLEAN)
    await run.judged()
    run.answer(flow, 400, BAD_REQUEST)
    await run.settled()


async def error_in_200(run: Run) -> None:
    first, second = await run.request(CLEAN), await run.request(CLEAN)
    run.answer(first, 200, ERROR_IN_200)  # before its verdict
    await run.judged()
    run.answer(second, 200, ERROR_IN_200)  # after it
    await run.settled()


async def stream(run: Run) -> None:
    first, second = await run.request(CLEAN), await run.request(CLEAN)
    sse = {"content-type": "text/event-stream"}
    run.answer(first, 200, SSE, sse)
    await run.judged()
    run.answer(second, 200, SSE, sse)
    await run.settled()


async def accepted(run: Run) -> None:
    first, second = await run.request(CLEAN), await run.request(CLEAN)
    run.answer(first, 200, OK)
    await run.judged()
    run.answer(second, 200, OK)
    await run.settled()


async def upstream_error(run: Run) -> None:
    await both_fail(run, await run.request(CLEAN), await run.request(CLEAN))


async def both_fail(run: Run, first: http.HTTPFlow, second: http.HTTPFlow) -> None:
    """The upstream fails both flows (the error hook): one before its verdict, one after it."""
    for flow in (first, second):
        flow.error = tflow.terr()
    run.addon.error(first)
    await run.judged()
    run.addon.error(second)
    await run.settled()


async def worker_killed(run: Run) -> None:
    worker = run.addon.validator._proc
    assert worker is not None
    os.kill(worker.pid, signal.SIGSTOP)  # holding jobs it will never answer
    try:
        flows = [await run.request(body) for body in (CLEAN, ORPHAN, CLEAN)]
        run.answer(flows[0], 200, OK)
        run.answer(flows[1], 400, json.dumps(OPENAI_ORPHAN).encode())
        await until(lambda: run.addon.validator.pending == 3)
        await asyncio.sleep(0.05)  # their descriptors written
    finally:
        os.kill(worker.pid, signal.SIGKILL)
    await until(lambda: run.addon.validator.ready and run.addon.validator._proc is not worker)
    await until(lambda: run.addon.validator.pending == 0)
    run.answer(flows[2], 200, OK)
    await run.settled()


async def shutdown(run: Run) -> None:
    worker = run.addon.validator._proc
    assert worker is not None
    os.kill(worker.pid, signal.SIGSTOP)  # done() settles what it holds, in place
    flows = [await run.request(body) for body in (CLEAN, ORPHAN, CLEAN, ORPHAN)]
    run.answer(flows[0], 200, OK)
    run.answer(flows[1], 400, json.dumps(OPENAI_ORPHAN).encode())
    # flows 2 and 3 have no answer yet: stored as no_answer, with their verdicts


async def shutdown_judged(run: Run) -> None:
    # Judged clean, never answered: done() stores it as no_answer.
    await run.request(CLEAN)
    await run.judged()


async def store_all_set_meanwhile(run: Run) -> None:
    # `:set toolguard_store_all=true` with lean flows in flight: stored as the full path stores them.
    first, second = await run.request(CLEAN), await run.request(CLEAN)
    run.answer(first, 200, OK)  # before its verdict
    run.tctx.configure(run.addon, toolguard_store_all=True)
    await run.judged()
    run.answer(second, 200, OK)  # after it
    await run.settled()


def local_answered(status: int, body: bytes, headers: dict[str, str] | None = None) -> Scenario:
    """Two requests to the local server, one answered before its verdict and one after it."""

    async def scenario(run: Run) -> None:
        first, second = await run.local()
        run.answer(first, status, body, headers)
        await run.judged()
        run.answer(second, status, body, headers)
        await run.settled()

    return scenario


local_accepted = local_answered(200, OK)


async def local_upstream_error(run: Run) -> None:
    await both_fail(run, *await run.local())


async def local_shutdown_judged(run: Run) -> None:
    # Judged with the note, never answered: done() stores the one with its verdict, as no_answer.
    await run.local()
    await run.judged()


async def local_store_all_set_meanwhile(run: Run) -> None:
    first, second = await run.local()
    run.answer(first, 200, OK)
    run.tctx.configure(run.addon, toolguard_store_all=True)
    await run.judged()
    run.answer(second, 200, OK)
    await run.settled()


SCENARIOS = {
    "findings, answered before the verdict": findings_answered_first,
    "findings, judged before the answer": findings_judged_first,
    "clean, rejected 400 before its verdict": rejected_answered_first,
    "clean, rejected 400 after its verdict": rejected_judged_first,
    "clean, an error body with 200": error_in_200,
    "clean, an SSE answer": stream,
    "clean, accepted": accepted,
    "clean, the upstream failed (error hook)": upstream_error,
    "the worker killed holding lean flows": worker_killed,
    "shutdown with lean flows outstanding": shutdown,
    "shutdown with a judged lean flow unanswered": shutdown_judged,
    "store_all set with lean flows in flight": store_all_set_meanwhile,
    "a local server's note, accepted": local_accepted,
    "a local server's note, rejected 400": local_answered(400, BAD_REQUEST),
    "a local server's note, an error body with 200": local_answered(200, ERROR_IN_200),
    "a local server's note, an SSE answer": local_answered(200, SSE, {"content-type": "text/event-stream"}),
    "a local server's note, the upstream failed (error hook)": local_upstream_error,
    "a local server's note, judged and never answered": local_shutdown_judged,
    "a local server's note, store_all set meanwhile": local_store_all_set_meanwhile,
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_exit_of_the_lean_lane_gives_what_the_full_path_gives(tmp_path, name):
    scenario = SCENARIOS[name]
    lean = run_scenario(tmp_path / "lean.db", scenario, lean=True)
    full = run_scenario(tmp_path / "full.db", scenario, lean=False)
    assert lean["lanes"] and set(lean["lanes"]) == {"lean"}
    assert set(full["lanes"]) == {"full"}
    assert {k: v for k, v in lean.items() if k != "lanes"} == {k: v for k, v in full.items() if k != "lanes"}
    assert lean["flows"] and all(meta is not None for meta, _, _ in lean["flows"])


def test_a_local_servers_note_stays_on_the_lane_and_reads_as_the_full_path_gives_it(tmp_path):
    # Pinned as it must be (the comparison above could pass on two equal wrongs): accepted, the note
    # in the metadata and the comment, no mark, nothing stored, counted once each.
    result = run_scenario(tmp_path / "lean.db", local_accepted, lean=True)
    note = {"rule": "model.rules-skipped", "severity": "info", "location": "model"}
    for meta, marked, comment in result["flows"]:
        assert meta["verdict"] == "accepted"
        assert [{k: f[k] for k in note} for f in meta["findings"]] == [note]
        assert "vLLM" in meta["findings"][0]["message"]
        assert (marked, comment) == ("", "toolguard: model.rules-skipped at model [accepted]")
    assert result["rows"] == []
    stats = result["stats"]
    assert (stats["validated"], stats["validated_in_worker"], stats["model_rules_skipped_local"]) == (4, 4, 3)
    assert stats.get("model_rules_skipped", 0) == 0


def test_a_local_servers_note_leaves_no_pending_behind(tmp_path):
    # The full path would give the same result: what the lane saves is the Pending and the Analysis,
    # so the flow judged with the note alone must still be a lean entry, holding the worker's result.
    entries: list[Any] = []

    async def judged_then_answered(run: Run) -> None:
        first, second = await run.local()
        await run.judged()
        entries.extend(run.addon.pending.get(flow.id) for flow in (first, second))
        for flow in (first, second):
            run.answer(flow, 200, OK)
        await run.settled()

    run_scenario(tmp_path / "lean.db", judged_then_answered, lean=True)
    assert [type(entry) for entry in entries] == [list, list]
    assert all(entry[_LEAN_PENDING] is None and entry[_LEAN_NOTE] is not None for entry in entries)
    assert [f.rule for entry in entries for f in entry[_LEAN_NOTE].findings] == ["model.rules-skipped"] * 2


def test_a_lean_flow_answered_accepted_carries_the_accepted_verdict_and_nothing_is_stored(tmp_path):
    # The comparison above could pass on two equal wrongs: the usual flow, pinned as it must be.
    result = run_scenario(tmp_path / "lean.db", accepted, lean=True)
    assert result["flows"] == [({"verdict": "accepted", "findings": []}, "", "")] * 2
    assert [row["flow"] for row in result["rows"]] == []
    assert (result["stats"].get("validated"), result["stats"].get("validated_in_worker")) == (3, 3)


# --------------------------------------------------------------- the route key's Host, read lean


@pytest.mark.parametrize(
    "fields",
    [
        ((b"Host", b"a.example"), (b"content-type", b"application/json")),
        ((b"content-type", b"application/json"), (b"host", b"a.example")),
        ((b"HOST", b"a.example"),),  # an unusual casing: the exact scan
        ((b"hOsT", b"a.example"), (b"x-forwarded-host", b"b.example")),
        ((b"Host", b"a.example"), (b"Host", b"b.example")),  # repeated: not lean
        ((b"Host", b"a.example"), (b"host", b"b.example")),  # repeated, two casings
        ((b"host", b"a.example"), (b"x", b"1"), (b"Host", b"b.example")),
        ((b"content-type", b"application/json"),),  # HTTP/2 (authority decides), or a bare 1.0
        ((b":authority", b"a.example"), (b"content-type", b"application/json")),
        ((b"Host", b"a.example"), (b"Content-Encoding", b"gzip")),  # decoded: the full path
        ((b"content-encoding", b"br"),),
        ((b"Host", b"a.example"), (b"x-content-encoding", b"gzip"), (b"hosts", b"x")),
        ((b"Host", b""),),
        (),
    ],
)
def test_the_lean_read_of_the_host_is_the_full_scans_for_every_header_order_and_casing(fields):
    hosts, encoding = _request_fields(fields)
    lean = _lean_fields(fields)
    if encoding is not None or len(hosts) > 1:
        assert lean is None  # the full path reads them
    else:
        assert lean == hosts
    assert _lean_fields(fields) == lean  # the second read, from what the first remembered


@pytest.mark.parametrize(
    ("url", "headers", "http_version"),
    [
        ("https://api.openai.com/v1/chat/completions", {}, "HTTP/1.1"),  # absolute form (a proxy's)
        ("https://api.openai.com/v1/chat/completions", {"Host": "api.openai.com"}, "HTTP/1.1"),
        ("https://api.openai.com/v1/chat/completions", {"host": "API.OpenAI.com:443"}, "HTTP/1.1"),
        ("http://10.0.0.1:8080/v1/chat/completions", {"HOST": "api.openai.com"}, "HTTP/1.1"),  # origin form
        ("https://api.openai.com/v1/chat/completions", {}, "HTTP/2.0"),
        ("https://api.openai.com/v1/chat/completions", {"host": "api.openai.com"}, "HTTP/2.0"),
    ],
)
def test_a_route_read_lean_is_the_route_the_full_path_derives(tmp_path, url, headers, http_version):
    # The lane looks up the key _route built; for every form, the same key from the same request.
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(tmp_path / "toolguard.db"), toolguard_offload="off")
        request = http.Request.make("POST", url, CLEAN, {"content-type": "application/json", **headers})
        request.http_version = http_version
        if http_version == "HTTP/2.0":
            request.authority = "api.openai.com"
        flow = tflow.tflow(req=request)
        data = request.data
        route = addon._route(flow)  # derived and cached under the full scan's key
        lean_key = (
            _ROUTE_FIELDS(data),
            _lean_fields(data.headers.fields),
        )  # the key _on_queued_request looks up
        assert addon._routes.get(lean_key) is route
        assert route.target is not None  # a validated route, as the lane takes
        addon.done()


# --------------------------------------------------------------- a clean reply taken whole


@pytest.mark.parametrize(
    ("seqs", "mark", "futures"),
    [
        ([1, 2, 3, 4], 4, ()),  # every job: the usual reply once the worker caught up
        ([1, 2, 3, 4], 2, ()),  # the first two, at the index consecutive seqs give the mark
        ([3, 5, 6], 5, ()),  # a gap (a job lost to a dead worker): the loop decides
        ([3, 5, 6], 4, ()),  # a mark between two jobs
        ([3, 5, 6], 2, ()),  # before the first
        ([1, 2, 3], 2, (1,)),  # a Future among them (Validator.submit's callers): resolved
        ([7], 9, ()),
    ],
)
def test_a_reply_of_clean_jobs_reaches_the_same_owners_however_it_is_taken(seqs, mark, futures):
    from collections import deque

    from toolguard_core.offload import CLEAN as CLEAN_RESULT
    from toolguard_core.offload import Validator, _Job

    async def scenario() -> tuple[list[tuple[object, object]], list[int], int, list[object]]:
        validator = Validator()
        loop = asyncio.get_running_loop()
        owners: list[object] = [
            loop.create_future() if n in futures else f"owner{n}" for n in range(len(seqs))
        ]
        validator._jobs = deque(
            _Job((seq, 10 + seq, 0.0, owner, b"x", "c", None, 0, 0))
            for seq, owner in zip(seqs, owners, strict=True)
        )
        validator._pending_bytes = sum(10 + seq for seq in seqs)
        got: list[tuple[object, object]] = []
        validator.on_done = got.extend
        validator._answered(mark, [])
        resolved = [o.result() for o in owners if isinstance(o, asyncio.Future) and o.done()]
        return got, [job.seq for job in validator._jobs], validator._pending_bytes, resolved

    got, left, pending_bytes, resolved = asyncio.run(scenario())
    done = [(f"owner{n}", None) for n, seq in enumerate(seqs) if seq <= mark and n not in futures]
    assert got == done
    assert left == [seq for seq in seqs if seq > mark]
    assert pending_bytes == sum(10 + seq for seq in left)
    assert resolved == [CLEAN_RESULT for n, seq in enumerate(seqs) if seq <= mark and n in futures]
