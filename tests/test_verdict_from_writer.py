"""One decision for a rejection, reached once, reported everywhere (issue #12).

In observe mode the proxy no longer reads a rejection's root cause on its event loop (the catalogue
costs 0.5-3 ms for a new body, and real error bodies are new each time: DashScope's and Anthropic's
carry a request id). The writer process reads it where it builds the row, with the request (the
request-aware tier), and reports the row's verdict and cause back; the console line, the comment,
the mark and the metadata say exactly what the row says. A writer that never answers does not lose
a line: the proxy decides it with the same code after ``VERDICT_WAIT_SECONDS``, and at shutdown.

Real parts: the addon's hooks on a running event loop, the real writer process and SQLite file; only
the provider is fake (its real error bodies, each answer as the provider sends it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pickle
import signal
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from mitmproxy import http
from mitmproxy.test import taddons, tflow
from support.answers import OPENAI_ORPHAN
from support.seeds import LONE_TOOL

from toolguard_core import addon as addon_module
from toolguard_core import capture as capture_module
from toolguard_core import writerproc
from toolguard_core.addon import MARK, METADATA_KEY, ToolGuard
from toolguard_core.capture import Capture
from toolguard_core.store import row_verdict

HI = [{"role": "user", "content": "hi"}]
OPENAI = "https://api.openai.com/v1/chat/completions"
# A local gateway (LiteLLM, one-api) in front of DeepSeek passes its answer on: no rule of a known
# provider applies, so the request is clean and its rejection was `unexplained` on the console line.
GATEWAY = "http://127.0.0.1:8000/v1/chat/completions"
DASHSCOPE = "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions"


def dashscope_orphan() -> bytes:
    """DashScope's compatible-mode answer to a lone tool message (providers.md: Qwen's phrasing,
    QwenLM/qwen-code#606; the envelope with ``id`` and ``request_id``, infiniflow/ragflow#8972): a
    new request id on every answer, so no two bodies are the same."""
    return json.dumps(
        {
            "error": {
                "code": "invalid_parameter_error",
                "param": None,
                "message": '<400> InternalError.Algo.InvalidParameter: messages with role "tool" must be '
                'a response to a preceeding message with "tool_calls".',
                "type": "invalid_request_error",
            },
            "id": f"chatcmpl-{uuid.uuid4()}",
            "request_id": str(uuid.uuid4()),
        }
    ).encode()


# DeepSeek's 422 to a response_format it does not take (the request-aware tier's example,
# tests/test_causes_request_tier.py): the text tiers name nothing; the request carries the value.
DEEPSEEK_422 = (
    b"Failed to deserialize the JSON body into the target type: response_format: response_format.type "
    b"`json_schema` is unavailable now at line 1 column 12992"
)


@dataclass(frozen=True)
class Case:
    name: str
    url: str
    request: dict[str, Any]
    status: int
    answer: Any  # bytes, or a callable making a new body per flow
    content_type: str


CASES = [
    Case(
        "openai-orphan",
        OPENAI,
        {"model": "gpt-4o-mini", "messages": LONE_TOOL.body()["messages"]},
        400,
        json.dumps(OPENAI_ORPHAN).encode(),
        "application/json",
    ),
    Case(
        "dashscope-orphan",
        DASHSCOPE,
        {"model": "qwen-plus", "messages": LONE_TOOL.body()["messages"]},
        400,
        dashscope_orphan,
        "application/json",
    ),
    Case(
        "deepseek-request-tier",
        GATEWAY,
        {
            "model": "deepseek-chat",
            "messages": HI,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": {"type": "object"}},
            },
        },
        422,
        DEEPSEEK_422,
        "text/plain; charset=utf-8",
    ),
    Case(
        "openai-unexplained",
        OPENAI,
        {"model": "gpt-4o-mini", "messages": HI},
        400,
        json.dumps({"error": {"message": "Bad request", "type": "x"}}).encode(),
        "application/json",
    ),
]


def make_flow(case: Case) -> http.HTTPFlow:
    body = json.dumps(case.request).encode()
    return tflow.tflow(req=http.Request.make("POST", case.url, body, {"content-type": "application/json"}))


def answer(flow: http.HTTPFlow, case: Case) -> None:
    body = case.answer() if callable(case.answer) else case.answer
    flow.response = http.Response.make(case.status, body, {"content-type": case.content_type})


async def until(condition: Any, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def lines_of(caplog: pytest.LogCaptureFixture, flow_id: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "toolguard_core.addon" and f"; flow {flow_id} (" in r.getMessage()
    ]


def stored(db_path: Path) -> dict[str, tuple[str, str | None, str | None]]:
    """Each row's verdict, cause and the cause's title (from its cause_json)."""
    db = sqlite_utils.Database(db_path)
    return {
        r["id"]: (
            r["verdict"],
            r["cause_id"],
            json.loads(r["cause_json"])["title"] if r["cause_json"] else None,
        )
        for r in db["flows"].rows
    }


def shown(flow: http.HTTPFlow) -> tuple[Any, ...]:
    meta = flow.metadata[METADATA_KEY]
    return (meta["verdict"], meta.get("cause"), flow.marked)


#: What the console line and the comment say of each case's row, whole (``{title}``: the row's cause
#: title, ``{flow}``: the flow's id, ``{show}``: the command that shows it).
SAID = {
    "openai-orphan": (
        "toolguard: predicted: HTTP 400; error sequence.orphan-tool-message at messages[0]; flow {flow} ({show})",
        "toolguard: sequence.orphan-tool-message at messages[0] [predicted]",
    ),
    "dashscope-orphan": (
        "toolguard: predicted: HTTP 400; error sequence.orphan-tool-message at messages[0]; flow {flow} ({show})",
        "toolguard: sequence.orphan-tool-message at messages[0] [predicted]",
    ),
    # The request-aware tier: before this change the console line said `unexplained` here, and the
    # comment `no rule explains it`, while the row said `recognised`.
    "deepseek-request-tier": (
        "toolguard: recognised: HTTP 422; cause.param-value-unsupported: {title}; flow {flow} ({show})",
        # vLLM's port: its model gets no model rules, and the comment notes it (session 23).
        "toolguard: upstream rejected (422), cause.param-value-unsupported [recognised] (note: model.rules-skipped)",
    ),
    "openai-unexplained": (
        "toolguard: unexplained: HTTP 400; no rule explains it; flow {flow} ({show})",
        "toolguard: upstream rejected (400), no rule explains it",
    ),
}
ROWS = {
    "openai-orphan": ("predicted", "cause.orphan-tool-result"),
    "dashscope-orphan": ("predicted", "cause.orphan-tool-result"),
    "deepseek-request-tier": ("recognised", "cause.param-value-unsupported"),
    "openai-unexplained": ("unexplained", None),
}


def assert_said_as_stored(
    caplog: pytest.LogCaptureFixture, db_path: Path, flows: list[tuple[http.HTTPFlow, Case]]
) -> None:
    """Each flow: exactly one console line, and it, the comment, the metadata and the mark say what
    its row says."""
    rows = stored(db_path)
    for flow, case in flows:
        verdict, cause, title = rows[flow.id]
        assert (verdict, cause) == ROWS[case.name], case.name
        line, comment = SAID[case.name]
        show = f"toolguard show --db {db_path} {flow.id[:8]}"
        assert lines_of(caplog, flow.id) == [line.format(flow=flow.id, show=show, title=title)]
        assert (flow.comment, shown(flow)) == (comment, (verdict, cause, MARK)), case.name


async def run_flows(
    addon: ToolGuard, flows: list[tuple[http.HTTPFlow, Case]], *, settle: bool = True
) -> None:
    for flow, case in flows:
        addon.request(flow)
        await asyncio.sleep(0)  # the deferred validation, as on mitmproxy's loop
        answer(flow, case)
        addon.responseheaders(flow)
        addon.response(flow)
    if settle:
        await until(lambda: not addon.pending and not addon._awaiting)


def started(tmp_path: Path, tctx: Any, addon: ToolGuard) -> Path:
    db_path = tmp_path / "toolguard.db"
    tctx.configure(addon, toolguard_db=str(db_path), toolguard_writer="process", toolguard_offload="off")
    addon.running()
    return db_path


@pytest.fixture
def loop_only_catalogue(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every recognition made in this process, by thread: with the writer process, none may
    happen on the event loop's thread (the fallback after a lost verdict is the exception)."""
    calls: list[str] = []
    real = capture_module.recognise_error

    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(capture_module, "recognise_error", recording)
    return calls


def test_the_console_line_comment_and_mark_say_what_the_row_says(tmp_path, caplog, loop_only_catalogue):
    flows = [(make_flow(case), case) for case in CASES for _ in range(2)]

    async def scenario() -> Path:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            db_path = started(tmp_path, tctx, addon)
            await until(lambda: addon._store_ready)
            with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
                await run_flows(addon, flows)
                addon.done()
        return db_path

    db_path = asyncio.run(scenario())
    # The proxy read no rejection: the writer process did, with the request.
    assert loop_only_catalogue == []
    assert_said_as_stored(caplog, db_path, flows)


def test_block_mode_judges_in_place_and_agrees_with_the_row(tmp_path, caplog, loop_only_catalogue):
    case = CASES[0]
    flows = [(make_flow(case), case)]

    async def scenario() -> Path:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            db_path = tmp_path / "toolguard.db"
            tctx.configure(
                addon, toolguard_db=str(db_path), toolguard_writer="process", toolguard_mode="block"
            )
            addon.running()
            await until(lambda: addon._store_ready)
            flow, _ = flows[0]
            flow.live = True
            with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
                addon.request(flow)  # blocked: toolguard's own answer, judged in place
                addon.responseheaders(flow)
                addon.response(flow)
                assert lines_of(caplog, flow.id)  # said at once, not left to the writer
                addon.done()
        return db_path

    db_path = asyncio.run(scenario())
    flow = flows[0][0]
    verdict, cause, _ = stored(db_path)[flow.id]
    (line,) = lines_of(caplog, flow.id)
    assert (verdict, cause, flow.comment) == (
        "blocked",
        None,
        "toolguard: blocked (sequence.orphan-tool-message at messages[0]); the upstream never saw it",
    )
    assert line.startswith(
        "toolguard: blocked: HTTP 400; error sequence.orphan-tool-message at messages[0]; "
    )


def test_a_writer_that_never_answers_loses_no_line(tmp_path, caplog, monkeypatch, loop_only_catalogue):
    # The writer process stopped (SIGSTOP) before the rejections reach it: after VERDICT_WAIT_SECONDS
    # the proxy decides them itself, with the same code, so the lines come; once the writer runs
    # again its late verdicts are not said twice.
    monkeypatch.setattr(addon_module, "VERDICT_WAIT_SECONDS", 0.3)
    flows = [(make_flow(case), case) for case in CASES]

    async def scenario() -> Path:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            db_path = started(tmp_path, tctx, addon)
            await until(lambda: addon._store_ready)
            pid = addon.store.pid  # type: ignore[union-attr]
            assert pid is not None
            os.kill(pid, signal.SIGSTOP)
            try:
                with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
                    await run_flows(addon, flows, settle=False)
                    assert all(
                        lines_of(caplog, f.id) == [] for f, _ in flows
                    )  # not yet: the writer reads them
                    await until(lambda: not addon._awaiting, seconds=10)
                    assert all(len(lines_of(caplog, f.id)) == 1 for f, _ in flows)
            finally:
                os.kill(pid, signal.SIGCONT)
            with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
                addon.done()
        return db_path

    db_path = asyncio.run(scenario())
    # Decided here (the fallback runs the catalogue on this thread), and the same as the rows.
    assert loop_only_catalogue
    assert_said_as_stored(caplog, db_path, flows)


def test_lines_still_waiting_at_shutdown_are_said_before_the_stats(tmp_path, caplog, loop_only_catalogue):
    flows = [(make_flow(case), case) for case in CASES]

    async def scenario() -> Path:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            db_path = started(tmp_path, tctx, addon)
            await until(lambda: addon._store_ready)
            with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
                await run_flows(addon, flows, settle=False)
                addon.done()  # at once: the writer's verdicts are still to come
        return db_path

    db_path = asyncio.run(scenario())
    messages = [r.getMessage() for r in caplog.records if r.name == "toolguard_core.addon"]
    stats_at = next(i for i, m in enumerate(messages) if m.startswith("toolguard: this run: "))
    assert all(messages.index(lines_of(caplog, f.id)[0]) < stats_at for f, _ in flows)
    assert_said_as_stored(caplog, db_path, flows)


def test_a_capture_the_sender_marked_out_of_band_is_decided_as_it_was_sent() -> None:
    # The fallback builds the row here from the Capture handed to the store; the writer process's
    # sender may have swapped its bulky bytes (64 KB and more) for pickle buffers meanwhile.
    request = json.dumps(
        {
            "model": "deepseek-chat",
            "messages": HI * 4000,
            "response_format": CASES[2].request["response_format"],
        }
    ).encode()

    def capture() -> Capture:
        return Capture(
            flow_id="f1", started=1.0, ended=2.0, method="POST", scheme="http", host="127.0.0.1",
            port=8000, path="/v1/chat/completions", url=GATEWAY, provider="vllm", model="deepseek-chat",
            stream=None, request_headers=(), request_text=None, request_is_json=True,
            request_bytes=len(request), findings=[], secrets=None, verdict="unexplained", status=422,
            response_body=DEEPSEEK_422 + b" " * 70_000, response_content_type="text/plain; charset=utf-8",
            raw_request=(request, None, 1 << 24), report_verdict=True,
        )  # fmt: skip

    marked = capture()
    writerproc._out_of_band(marked)
    assert isinstance(marked.response_body, pickle.PickleBuffer)  # both swapped, as the sender does
    assert isinstance(marked.raw_request[0], pickle.PickleBuffer)  # type: ignore[index]
    decided = row_verdict(addon_module._readable_copy(marked).to_row())
    assert (
        decided
        == row_verdict(capture().to_row())
        == (
            "f1",
            "recognised",
            "cause.param-value-unsupported",
            decided[3],
        )
    )
    assert decided[3]  # the cause's title, for the console line


@pytest.mark.parametrize("mode", ["block", "repair"])
def test_block_and_repair_mode_read_the_request_tier_in_place_as_the_row_does(tmp_path, caplog, mode):
    # A clean request (nothing to block or repair) rejected with a text only the request names:
    # judged in place, the console line and the comment say `recognised`, as the row does.
    case = CASES[2]
    flows = [(make_flow(case), case)]

    async def scenario() -> Path:
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            db_path = tmp_path / "toolguard.db"
            tctx.configure(addon, toolguard_db=str(db_path), toolguard_writer="process", toolguard_mode=mode)
            addon.running()
            await until(lambda: addon._store_ready)
            with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
                await run_flows(addon, flows, settle=False)
                flow = flows[0][0]
                assert len(lines_of(caplog, flow.id)) == 1  # said at once: judged in place
                addon.done()
        return db_path

    assert_said_as_stored(caplog, asyncio.run(scenario()), flows)
