"""Every body handed to the validation worker in batches (issue #12), with real worker processes.

The proxy writes a fixed-size descriptor per job and nothing else per job; the worker answers in
batches with a watermark ("every job up to N is done") and full results only for the jobs that
have something to say. These tests pin what that must keep: a clean job costs the proxy nothing but
the watermark, a flagged one among clean ones gets its findings, a verdict that arrives after the
answer still marks, comments, stores and counts the flow, and a worker killed with jobs outstanding
is restarted at once and its jobs validated by the next worker (a job two dead workers held is
given up, counted and said in the row).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from mitmproxy import http
from mitmproxy.test import taddons, tflow
from support.answers import OPENAI_ORPHAN
from support.seeds import LONE_TOOL

from toolguard_core.addon import MARK, METADATA_KEY, ToolGuard
from toolguard_core.learned import Calibration, Knowledge
from toolguard_core.offload import (
    _REPLY,
    KIND_INLINE,
    SMALL_BODY_BYTES,
    Validator,
    WorkerProcess,
    WorkerResult,
    _worker_env,
    encode_context,
    encode_job,
)

URL = "https://api.openai.com/v1/chat/completions"
HEADER = {"url": URL, "max_body": 1 << 20, "content_encoding": None, "providers": ""}
ORPHAN = json.dumps(LONE_TOOL.body()).encode()
CLEAN = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()
OK = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
}


async def until(condition: Any, seconds: float = 30.0, message: str = "timed out") -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{message} (after {seconds:g} s)")


def test_the_worker_answers_a_batch_with_a_watermark_and_only_the_flagged_jobs_results():
    # A real worker process fed one read's worth of jobs: clean, flagged, clean. One frame comes
    # back (see below): the watermark 3 and the orphan tool message's result alone.
    jobs = encode_context(1, HEADER) + b"".join(
        encode_job(KIND_INLINE, seq, length=len(body), context=1) + body
        for seq, body in ((1, CLEAN), (2, ORPHAN), (3, CLEAN))
    )
    done = subprocess.run(
        [sys.executable, "-m", "toolguard_core.worker"],
        input=jobs,
        capture_output=True,
        env=_worker_env(),
        timeout=60,
        check=True,
    )
    marks, results, data = [], [], done.stdout
    while data:
        mark, length = _REPLY.unpack(data[: _REPLY.size])
        end = _REPLY.size + length
        marks.append(mark)
        results += [(row[0], [f[0] for f in row[1]]) for row in json.loads(data[_REPLY.size : end] or b"[]")]
        data = data[end:]
    # One frame, or more when a job took longer than worker.FLUSH_EVERY (a loaded machine): the
    # watermarks rise to the last job, and only the flagged job's result was ever sent.
    assert marks == sorted(set(marks)) and marks[-1] == 3
    assert results == [(2, ["sequence.orphan-tool-message"])]


def test_a_batch_with_one_flagged_job_among_clean_ones_reaches_its_owners_in_order():
    async def scenario() -> list[tuple[object, list[str] | None]]:
        validator = Validator()
        got: list[tuple[object, list[str] | None]] = []

        def on_done(done: list[tuple[object, WorkerResult | None]]) -> None:
            got.extend((owner, None if r is None else [f.rule for f in r.findings]) for owner, r in done)

        validator.on_done = on_done
        await validator.start()
        try:
            bodies = [CLEAN, CLEAN, ORPHAN, CLEAN, CLEAN]
            for n, body in enumerate(bodies):
                validator.enqueue(body, "openai", lambda: HEADER, n)
            await until(lambda: validator.pending == 0)
            assert validator._arena is not None and not validator._arena._regions  # all released
            assert len(validator._contexts) == 1  # the route's context was sent once
        finally:
            validator.close()
        return got

    assert asyncio.run(scenario()) == [
        (0, None),
        (1, None),
        (2, ["sequence.orphan-tool-message"]),
        (3, None),
        (4, None),
    ]


class Updates:
    """Records mitmproxy's ``update`` hook: what the UIs are told to refresh."""

    def __init__(self) -> None:
        self.flows: list[str] = []
        self.calls = 0
        self.batches: list[list[str]] = []  # the flows of each hook, in order

    def update(self, flows: Sequence[http.HTTPFlow]) -> None:
        self.flows.extend(f.id for f in flows)
        self.batches.append([f.id for f in flows])
        self.calls += 1


def make_flow(body: bytes) -> http.HTTPFlow:
    request = http.Request.make("POST", URL, body, {"content-type": "application/json"})
    return tflow.tflow(req=request)


async def answered(addon: ToolGuard, flow: http.HTTPFlow, status: int, body: dict[str, Any]) -> None:
    """The request hook, one loop turn (mitmproxy sends the request on, and observe mode reads the
    queued request: ToolGuard.request), then the answer: the worker's window is written 10 ms later,
    so it cannot have answered yet."""
    addon.request(flow)
    await asyncio.sleep(0)
    flow.response = http.Response.make(
        status, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    addon.responseheaders(flow)
    addon.response(flow)


_CONTEXTS: list[Any] = []


def ctx_configure(addon: ToolGuard, **options: Any) -> None:
    """An option set at runtime, as ``:set`` in mitmproxy's console does."""
    _CONTEXTS[-1].configure(addon, **options)


async def with_worker(db_path: Path, scenario: Any) -> dict[str, int]:
    addon, updates = ToolGuard(), Updates()
    with taddons.context(addon, updates) as tctx:
        _CONTEXTS.append(tctx)
        tctx.configure(addon, toolguard_db=str(db_path), toolguard_offload="0", toolguard_writer="thread")
        addon.running()
        await until(lambda: addon.validator.ready)
        try:
            await scenario(addon, updates)
        finally:
            stats = dict(addon.stats)
            addon.done()
    return stats


def rows(db_path: Path) -> list[dict[str, Any]]:
    db = sqlite_utils.Database(db_path)
    return [
        {
            "id": r["id"],
            "verdict": r["verdict"],
            "status": r["status"],
            "model": r["model"],
            "stream": r["stream"],
            "request_json": r["request_json"],
            "request_body": r["request_body"],
        }
        for r in db["flows"].rows_where(order_by="status")
    ]


def test_verdicts_arriving_after_the_answer_still_mark_store_and_count_the_flows(tmp_path):
    db_path = tmp_path / "toolguard.db"
    flows: dict[str, http.HTTPFlow] = {}

    async def scenario(addon: ToolGuard, updates: Updates) -> None:
        flows["flagged"] = make_flow(ORPHAN)
        flows["clean"] = make_flow(CLEAN)
        flows["rejected"] = make_flow(CLEAN)  # clean, but the upstream says 400: stored
        await answered(addon, flows["flagged"], 400, OPENAI_ORPHAN)
        await answered(addon, flows["clean"], 200, OK)
        await answered(addon, flows["rejected"], 400, {"error": {"message": "Bad request", "type": "x"}})
        # Answered, not judged: nothing is on the flows yet, and they are kept until the watermark.
        assert [(METADATA_KEY in f.metadata, f.marked) for f in flows.values()] == [(False, "")] * 3
        assert len(addon.pending) == 3
        await until(lambda: not addon.pending)
        # The late verdicts that marked a flow told the UIs; the accepted one needed no refresh. (The
        # writer's reading of a rejection may tell them again, once it named a cause: issue #12.)
        assert sorted(set(updates.flows)) == sorted([flows["flagged"].id, flows["rejected"].id])

    stats = asyncio.run(with_worker(db_path, scenario))
    flagged, clean, rejected = flows["flagged"], flows["clean"], flows["rejected"]
    assert (flagged.metadata[METADATA_KEY]["verdict"], flagged.marked) == ("predicted", MARK)
    assert flagged.comment.startswith("toolguard: sequence.orphan-tool-message at ")
    assert (clean.metadata[METADATA_KEY], clean.marked, clean.comment) == (
        {"verdict": "accepted", "findings": []},
        "",
        "",
    )
    assert (rejected.metadata[METADATA_KEY]["verdict"], rejected.marked) == ("unexplained", MARK)
    assert {
        k: stats.get(k) for k in ("validated", "validated_in_worker", "flagged", "rejected", "queued")
    } == {
        "validated": 3,
        "validated_in_worker": 3,
        "flagged": 1,
        "rejected": 2,
        "queued": 2,
    }
    # The clean-but-rejected row has the body facts the worker never sent (read by the writer): its
    # model, and a JSON body stored as request_json.
    assert sorted(rows(db_path), key=lambda r: r["verdict"]) == [
        {
            "id": flagged.id,
            "verdict": "predicted",
            "status": 400,
            "model": "gpt-4o-mini",
            "stream": None,
            "request_json": ORPHAN.decode(),
            "request_body": None,
        },
        {
            "id": rejected.id,
            "verdict": "unexplained",
            "status": 400,
            "model": "gpt-4o-mini",
            "stream": None,
            "request_json": CLEAN.decode(),
            "request_body": None,
        },
    ]


def test_late_verdicts_of_one_reply_batch_refresh_the_uis_in_one_update_hook(tmp_path):
    # Four flagged flows answered before the worker judged them: their descriptors go out in one
    # write, the worker answers them in one batch, and mitmproxy's `update` hook (which walks every
    # addon) runs once for the batch, not once per flow (issue #12). Each flow is still refreshed.
    db_path = tmp_path / "toolguard.db"
    flows = [make_flow(ORPHAN) for _ in range(4)]

    async def scenario(addon: ToolGuard, updates: Updates) -> None:
        # The hooks each reply frame of the worker caused. One write of descriptors usually comes back
        # as one frame, but the worker also answers every FLUSH_EVERY, so a loaded machine may split
        # the four into two frames: what must hold is one hook per frame, never one per flow. (The
        # writer's reading of the rejections, which names their cause, refreshes them later in hooks
        # of its own batches: issue #12.)
        per_frame: list[list[list[str]]] = []
        answer = addon.validator._answered

        def counted(mark: int, rows: list[list[Any]]) -> None:
            before = len(updates.batches)
            answer(mark, rows)
            per_frame.append(updates.batches[before:])

        addon.validator._answered = counted  # type: ignore[method-assign]
        for flow in flows:
            await answered(addon, flow, 400, OPENAI_ORPHAN)
        await until(lambda: not addon.pending)
        assert [len(hooks) for hooks in per_frame] == [1] * len(per_frame)
        assert sorted(i for hooks in per_frame for i in hooks[0]) == sorted(f.id for f in flows)

    stats = asyncio.run(with_worker(db_path, scenario))
    assert [(f.metadata[METADATA_KEY]["verdict"], f.marked) for f in flows] == [("predicted", MARK)] * 4
    assert {k: stats.get(k) for k in ("validated_in_worker", "flagged", "queued", "internal_errors")} == {
        "validated_in_worker": 4,
        "flagged": 4,
        "queued": 4,
        "internal_errors": None,
    }


def test_a_worker_killed_with_jobs_outstanding_is_restarted_and_its_bodies_validated_by_the_next(tmp_path):
    # docs/robustness.md: a `kill -9` of the worker mid-batch costs no flow its validation; the
    # jobs it held go to the worker started in its place, and their verdicts reach the flows.
    db_path = tmp_path / "toolguard.db"
    flows: list[http.HTTPFlow] = []

    async def scenario(addon: ToolGuard, updates: Updates) -> None:
        worker = addon.validator._proc
        assert worker is not None
        done_before = make_flow(CLEAN)
        await answered(addon, done_before, 200, OK)
        await until(lambda: not addon.pending)
        os.kill(worker.pid, signal.SIGSTOP)  # a real process holding jobs it will never answer
        flows.extend(make_flow(body) for body in (CLEAN, ORPHAN))
        for flow in flows:
            await answered(addon, flow, 200, OK)
        await until(lambda: addon.validator.pending == 2)
        await asyncio.sleep(0.05)  # their descriptors written
        os.kill(worker.pid, signal.SIGKILL)
        # Restarted at once (not on the next request): the two flows wait for it.
        await until(lambda: addon.validator.ready and addon.validator._proc is not worker)
        assert addon.validator.restarts == 1
        await until(lambda: not addon.pending)
        after = make_flow(ORPHAN)
        await answered(addon, after, 400, OPENAI_ORPHAN)
        await until(lambda: not addon.pending)
        assert after.metadata[METADATA_KEY]["verdict"] == "predicted"

    stats = asyncio.run(with_worker(db_path, scenario))
    judged = [
        (
            flow.metadata[METADATA_KEY].get("verdict"),
            [f["rule"] for f in flow.metadata[METADATA_KEY]["findings"]],
        )
        for flow in flows
    ]
    # Both judged by the second worker: the clean one clean, the orphan tool message flagged (the
    # upstream's 200 makes that a false alarm, as for any flow; neither is body.not-validated).
    assert judged == [("accepted", []), ("false_alarm", ["sequence.orphan-tool-message"])]
    assert {
        k: stats.get(k)
        for k in ("not_validated_worker", "not_validated_worker_crash", "validated", "validated_in_worker")
    } == {
        "not_validated_worker": None,
        "not_validated_worker_crash": None,
        "validated": 4,  # the clean one before, the two the dead worker held, the one after
        "validated_in_worker": 4,
    }


def test_a_body_held_by_two_workers_that_died_is_reported_and_not_sent_to_a_third(tmp_path, monkeypatch):
    # The second worker is stopped as soon as it is spawned and killed holding the same jobs: each
    # job was sent again once, and is now given up as one that may crash the worker, counted apart.
    db_path = tmp_path / "toolguard.db"
    flows: list[http.HTTPFlow] = []
    spawned: list[WorkerProcess] = []
    original = WorkerProcess.spawn.__func__  # type: ignore[attr-defined]

    async def spawn_and_record(cls: type[WorkerProcess], *args: Any, **kwargs: Any) -> WorkerProcess:
        proc = await original(cls, *args, **kwargs)
        if spawned:  # the restarted worker: held before it can read a descriptor
            os.kill(proc.pid, signal.SIGSTOP)
        spawned.append(proc)
        return proc

    monkeypatch.setattr(WorkerProcess, "spawn", classmethod(spawn_and_record))

    async def scenario(addon: ToolGuard, updates: Updates) -> None:
        first = addon.validator._proc
        assert first is not None
        os.kill(first.pid, signal.SIGSTOP)
        flows.extend(make_flow(body) for body in (CLEAN, ORPHAN))
        for flow in flows:
            await answered(addon, flow, 200, OK)
        await until(lambda: addon.validator.pending == 2)
        await asyncio.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        await until(lambda: len(spawned) == 2 and addon.validator.ready)
        await asyncio.sleep(0.05)  # the two jobs written to it again
        assert addon.validator.resent == 2 and addon.validator.pending == 2
        os.kill(spawned[1].pid, signal.SIGKILL)
        await until(lambda: not addon.pending)
        assert addon.validator.pending == 0 and len(spawned) == 2  # no third worker for them

    stats = asyncio.run(with_worker(db_path, scenario))
    for flow in flows:
        findings = flow.metadata[METADATA_KEY]["findings"]
        assert [f["rule"] for f in findings] == ["body.not-validated"]
        assert findings[0]["message"] == (
            "Not validated: 2 validation workers died holding this body; it may be what kills them, "
            "so it is not sent again."
        )
    assert {k: stats.get(k) for k in ("not_validated_worker", "not_validated_worker_crash", "validated")} == {
        "not_validated_worker": None,
        "not_validated_worker_crash": 2,
        "validated": None,
    }


def test_what_the_upstream_taught_reaches_the_worker_and_a_change_replaces_its_contexts(tmp_path):
    # The route's learned calibration travels once per context, not per job: when the writer swaps
    # in new knowledge (this host accepted orphan tool messages for this model), the next job must
    # get a new context, or the worker would keep judging with the old calibration.
    severities: list[str] = []

    async def scenario(addon: ToolGuard, updates: Updates) -> None:
        judged_with: list[object] = []
        for n in range(3):
            if n == 2:
                addon._set_knowledge(
                    Knowledge(
                        {
                            ("api.openai.com", ""): Calibration(
                                demoted=frozenset({"sequence.orphan-tool-message"})
                            )
                        }
                    )
                )
            # The writer may swap in knowledge of its own too (it counts accepted flagged requests):
            # the knowledge each job is judged with, kept alive so identities stay distinct.
            judged_with.append(addon.knowledge)
            flow = make_flow(ORPHAN)
            await answered(addon, flow, 200, OK)
            await until(lambda: not addon.pending)
            [finding] = flow.metadata[METADATA_KEY]["findings"]
            severities.append(finding["severity"])
            # The flagged row is stored, and the writer publishes what it learned from it inside
            # the write, before counting it written: wait for that, or its snapshot (without the
            # demotion) can land after the one set above and the next job is judged with it.
            await until(
                lambda stored=n + 1: (
                    addon.store is not None and addon.store.counters()["rows_written"] == stored
                ),
                message=f"the writer never wrote flow {n + 1}'s row",
            )
        # One context per knowledge the jobs were judged with, not one per job.
        assert addon.validator._next_context == len({id(k) for k in judged_with})

    asyncio.run(with_worker(tmp_path / "toolguard.db", scenario))
    assert severities == ["error", "error", "warning"]


def test_an_option_changed_at_runtime_reaches_the_worker(tmp_path):
    # toolguard_max_body travels in the context: after `:set toolguard_max_body=10` the worker
    # must judge the next body with the new limit, not the one its context was sent with.
    rules: list[list[str]] = []

    async def scenario(addon: ToolGuard, updates: Updates) -> None:
        for n in range(2):
            if n == 1:
                ctx_configure(addon, toolguard_max_body="10")
            flow = make_flow(CLEAN)
            await answered(addon, flow, 200, OK)
            await until(lambda: not addon.pending)
            rules.append([f["rule"] for f in flow.metadata[METADATA_KEY]["findings"]])

    asyncio.run(with_worker(tmp_path / "toolguard.db", scenario))
    assert rules == [[], ["body.too-large"]]


@pytest.mark.parametrize("store_all", [False, True], ids=["default", "store_all"])
def test_a_body_shed_under_load_is_stored_only_when_the_upstream_refused_it(tmp_path, store_all):
    # Issue #12, the eleventh session: a ~1 MB agent turn the worker had no time for cost the writer
    # ~4 ms to store, on the CPU the worker was short of. Its row and finding stay; its body only when
    # the answer is an error (the evidence) or toolguard_store_all asks for every body.
    db_path = tmp_path / "toolguard.db"
    big = json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x" * (SMALL_BODY_BYTES + 10)}]}
    ).encode()
    flows: dict[str, http.HTTPFlow] = {}

    async def scenario(addon: ToolGuard, updates: Updates) -> None:
        ctx_configure(addon, toolguard_store_all=store_all)
        await until(lambda: addon.validator.ready)
        addon.validator.max_pending_bytes = 1  # every large body past the bound: shed as busy
        flows["accepted"], flows["refused"] = make_flow(big), make_flow(big)
        await answered(addon, flows["accepted"], 200, OK)
        await answered(addon, flows["refused"], 400, {"error": {"message": "Bad request", "type": "x"}})
        await until(lambda: not addon.pending)

    stats = asyncio.run(with_worker(db_path, scenario))
    assert (stats.get("not_validated_busy"), stats.get("validated")) == (2, None)
    db = sqlite_utils.Database(db_path)
    stored = {
        r["id"]: (r["status"], r["model"], r["request_json"], r["request_body"], r["request_bytes"])
        for r in db["flows"].rows_where(select="id, status, model, request_json, request_body, request_bytes")
    }
    messages = {
        r["flow_id"]: r["message"] for r in db["findings"].rows_where("rule = ?", ["body.not-validated"])
    }
    accepted, refused = flows["accepted"].id, flows["refused"].id
    # Both with their model and size, read by the writer from the body the worker never saw; a body
    # kept is stored whole as JSON (it was the first 64 KB of a non-JSON one, with no model).
    assert stored == {
        accepted: (200, "gpt-4o-mini", big.decode() if store_all else None, None, len(big)),
        refused: (400, "gpt-4o-mini", big.decode(), None, len(big)),
    }
    busy = "Not validated: 0 requests already wait for validation."
    assert messages == {
        accepted: busy
        if store_all
        else f"{busy} Its body ({len(big)} bytes) was not stored: the upstream accepted it "
        "(toolguard_store_all keeps every body).",
        refused: busy,
    }
