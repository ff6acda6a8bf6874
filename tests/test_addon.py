"""Hook tests with mitmproxy's own test helpers (taddons/tflow): verdicts on the flow, nothing
changed on the wire, bad bodies and internal errors handled, whole rows in the SQLite file."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import pytest
import sqlite_utils
from backports import zstd  # mitmproxy 12's zstd (its dependency)
from mitmproxy import exceptions, http
from mitmproxy import version as mitmproxy_version
from mitmproxy.log import LegacyLogEvents
from mitmproxy.test import taddons, tflow
from support.seeds import DUPLICATE, LONE_TOOL, MODEL, ONE_ANSWER, SEED_CASES, TOOLS, VALID_PARALLEL, SeedCase

import toolguard_core
from toolguard_core import addon as addon_module
from toolguard_core import analyze, catalog
from toolguard_core.addon import MARK, METADATA_KEY, ToolGuard
from toolguard_core.capture import MAX_STORED_RESPONSE, Capture
from toolguard_core.causes import CAUSES_BY_ID, recognise_error
from toolguard_core.fingerprint import fingerprint
from toolguard_core.grouping import group_key, summary_version
from toolguard_core.store import format_utc, open_db, write_rows
from toolguard_core.upstream_errors import UpstreamError
from toolguard_core.visibility import UNCHECKED_PATHS_HOW
from toolguard_core.writerproc import ProcessStore, WriterStartError

URL = "https://api.openai.com/v1/chat/completions"
API_KEY = "sk-proj-" + "T3stKeyForToolguardHooks0123456789abcdef"
HEADERS = {
    "content-type": "application/json",
    "authorization": f"Bearer {API_KEY}",
    "user-agent": "OpenAI/Python 1.54.0",
}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "toolguard.db"


@pytest.fixture
def guard(db_path: Path) -> Iterator[tuple[ToolGuard, Any]]:
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        yield addon, tctx
        addon.done()


def make_flow(
    body: bytes | str | dict[str, Any],
    url: str = URL,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> http.HTTPFlow:
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    request = http.Request.make(method, url, content, headers or HEADERS)
    return tflow.tflow(req=request)


def answer(status: int, body: bytes | dict[str, Any], headers: dict[str, str] | None = None) -> http.Response:
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    return http.Response.make(status, content, headers or {"content-type": "application/json"})


def run(addon: ToolGuard, flow: http.HTTPFlow, response: http.Response | None = None) -> None:
    """The hooks mitmproxy calls for one flow, in order (requestheaders is not used by toolguard)."""
    addon.request(flow)
    if response is not None:
        flow.response = response
        addon.responseheaders(flow)
        addon.response(flow)
    else:
        addon.error(flow)


def rows(db_path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    db = sqlite_utils.Database(db_path)
    return list(db["flows"].rows), list(db["findings"].rows_where(order_by="flow_id, idx"))


def ok_completion() -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "done"}, "finish_reason": "stop"}
        ],
    }


# ------------------------------------------------------------------------------ verdict on the flow


@pytest.mark.parametrize("case", SEED_CASES, ids=lambda c: c.name)
def test_verdict_written_onto_the_flow(guard, case: SeedCase):
    addon, _ = guard
    flow = make_flow(case.body())
    run(addon, flow, answer(400, case.error_body()))
    meta = flow.metadata[METADATA_KEY]
    assert meta["verdict"] == "predicted"
    assert [(f["rule"], f["severity"], f["location"]) for f in meta["findings"]] == [
        (case.rule, "error", case.location)
    ]
    assert flow.marked == MARK
    assert flow.comment == f"toolguard: {case.rule} at {case.location} [predicted]"
    assert "\n" not in flow.comment


def test_verdict_is_already_on_the_flow_after_the_request_hook(guard):
    addon, _ = guard
    flow = make_flow(LONE_TOOL.body())
    addon.request(flow)
    assert flow.metadata[METADATA_KEY]["verdict"] is None
    assert [f["rule"] for f in flow.metadata[METADATA_KEY]["findings"]] == [LONE_TOOL.rule]
    assert flow.marked == MARK
    assert flow.comment == f"toolguard: {LONE_TOOL.rule} at {LONE_TOOL.location}"


def test_valid_conversation_is_accepted_and_not_marked(guard, db_path):
    addon, _ = guard
    flow = make_flow({"model": "gpt-4o-mini", "messages": VALID_PARALLEL, "tools": TOOLS})
    run(addon, flow, answer(200, ok_completion()))
    assert flow.metadata[METADATA_KEY] == {"verdict": "accepted", "findings": []}
    assert flow.marked == ""
    assert flow.comment == ""
    addon.done()
    assert rows(db_path) == ([], [])


# Gemini's bare INVALID_ARGUMENT names nothing (google-gemini/gemini-cli#4635); a 429 whose text says
# "Rate limit" names its cause (cause.rate-limit, a structural recogniser).
GEMINI_BARE = {
    "error": {"code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT"}
}
RATE_LIMITED = {
    "error": {
        "message": "Rate limit reached",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}


def test_unexplained_rejection_is_marked_and_stored(guard, db_path):
    addon, _ = guard
    flow = make_flow({"model": "gpt-4o-mini", "messages": VALID_PARALLEL})
    run(addon, flow, answer(400, GEMINI_BARE))
    assert flow.metadata[METADATA_KEY]["verdict"] == "unexplained"
    assert flow.marked == MARK
    assert flow.comment == "toolguard: upstream rejected (400), no rule explains it"
    addon.done()
    (row,), findings = rows(db_path)
    assert (row["status"], row["error_message"], row["error_code"], row["verdict"]) == (
        400,
        "Request contains an invalid argument.",
        400,
        "unexplained",
    )
    assert findings == []


def test_a_rejection_its_text_explains_is_recognised_on_the_flow_as_in_the_row(guard, db_path):
    # The comment, the flow's verdict and the stored row agree (issue #10: they said `unexplained`).
    addon, _ = guard
    flow = make_flow({"model": "gpt-4o-mini", "messages": VALID_PARALLEL})
    run(addon, flow, answer(429, RATE_LIMITED))
    meta = flow.metadata[METADATA_KEY]
    assert (meta["verdict"], meta["cause"], flow.marked) == ("recognised", "cause.rate-limit", MARK)
    assert flow.comment == "toolguard: upstream rejected (429), cause.rate-limit [recognised]"
    addon.done()
    (row,), _ = rows(db_path)
    assert (row["status"], row["verdict"], row["error_code"]) == (429, "recognised", "rate_limit_exceeded")


def test_an_info_note_never_heads_the_comment_of_a_recognised_rejection(guard, db_path):
    # An unknown host and model (model.rules-skipped, an info note) answered 429: mitmweb's comment
    # read "toolguard: model.rules-skipped at model [recognised: cause.rate-limit]" (walkthrough6).
    addon, _ = guard
    flow = make_flow(
        {"model": "zz-private-7b", "messages": [{"role": "user", "content": "hi"}]},
        url="http://127.0.0.1:9/v1/chat/completions",
    )
    run(addon, flow, answer(429, RATE_LIMITED))
    assert (flow.metadata[METADATA_KEY]["verdict"], flow.comment) == (
        "recognised",
        "toolguard: upstream rejected (429), cause.rate-limit [recognised] (note: model.rules-skipped)",
    )
    addon.done()


# ------------------------------------------------------------------------------ nothing changes


@pytest.mark.parametrize("case", [*SEED_CASES, None], ids=lambda c: c.name if c else "valid")
def test_request_and_response_are_never_changed(guard, case: SeedCase | None):
    addon, _ = guard
    body = case.body() if case else {"model": "gpt-4o-mini", "messages": VALID_PARALLEL}
    flow = make_flow(body)
    response = answer(400, case.error_body()) if case else answer(200, ok_completion())
    request_before = flow.request.get_state()
    response_before = response.get_state()
    run(addon, flow, response)
    assert flow.request.get_state() == request_before
    assert flow.response.get_state() == response_before
    assert flow.response.stream is False  # not an event stream: left buffered as mitmproxy does


def test_event_stream_is_streamed_unchanged(guard):
    addon, _ = guard
    flow = make_flow({**ONE_ANSWER.body(), "stream": True})
    addon.request(flow)
    flow.response = http.Response.make(200, b"", {"content-type": "text/event-stream; charset=utf-8"})
    flow.response.raw_content = None  # a streamed body is never buffered
    addon.responseheaders(flow)
    tap = flow.response.stream
    assert callable(tap)
    chunks = [b'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n', b"data: [DO", b"NE]\n\n", b""]
    assert [tap(chunk) for chunk in chunks] == chunks  # every byte forwarded as it came
    addon.response(flow)
    assert flow.metadata[METADATA_KEY]["verdict"] == "false_alarm"


# ------------------------------------------------------------------------------ encodings


def _encoded(encoding: str, data: bytes) -> bytes:
    return {"gzip": gzip.compress, "br": brotli.compress, "zstd": zstd.compress}[encoding](data)


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
def test_encoded_request_bodies_are_validated_after_decoding(guard, encoding: str):
    addon, _ = guard
    plain = json.dumps(DUPLICATE.body()).encode()
    flow = make_flow(b"")
    flow.request.headers["content-encoding"] = encoding
    flow.request.raw_content = _encoded(encoding, plain)
    raw_before = flow.request.raw_content
    addon.request(flow)
    assert [(f["rule"], f["location"]) for f in flow.metadata[METADATA_KEY]["findings"]] == [
        (DUPLICATE.rule, DUPLICATE.location)
    ]
    assert flow.request.raw_content == raw_before
    assert flow.request.headers["content-encoding"] == encoding


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd", "x-unknown"])
def test_corrupt_or_unknown_encoding_gives_undecodable_and_passes(guard, db_path, encoding: str):
    addon, _ = guard
    flow = make_flow(b"")
    flow.request.headers["content-encoding"] = encoding  # after make(): it drops unknown encodings
    flow.request.raw_content = b"definitely not compressed"
    before = flow.request.get_state()
    run(addon, flow, answer(200, ok_completion()))
    assert [(f["rule"], f["severity"], f["location"]) for f in flow.metadata[METADATA_KEY]["findings"]] == [
        ("body.undecodable", "warning", "body")
    ]
    assert flow.request.get_state() == before
    assert addon.stats["internal_errors"] == 0


# ------------------------------------------------------------------------------ internal errors


def test_exception_in_a_rule_is_counted_logged_once_and_the_flow_untouched(guard, monkeypatch, caplog):
    addon, _ = guard

    def broken_rule(view):
        raise RuntimeError("rule bug")

    checks_for = analyze.checks_for
    monkeypatch.setattr(analyze, "checks_for", lambda endpoint: [*checks_for(endpoint), broken_rule])
    caplog.set_level(logging.WARNING)
    states = []
    for case in SEED_CASES:
        flow = make_flow(case.body())
        before = flow.request.get_state()
        run(addon, flow, answer(400, case.error_body()))
        states.append(flow.request.get_state() == before)
        # The other rules still ran.
        assert [f["rule"] for f in flow.metadata[METADATA_KEY]["findings"]] == [case.rule]
    assert states == [True, True, True]
    assert addon.stats["internal_errors"] == 3
    logged = [r for r in caplog.records if "broken_rule" in r.getMessage()]
    assert len(logged) == 1
    assert "rule bug" in logged[0].getMessage()


@pytest.mark.parametrize("hook", ["request", "response"])
def test_exception_in_a_hook_is_counted_logged_once_and_the_flow_untouched(guard, monkeypatch, caplog, hook):
    addon, _ = guard

    def explode(*args, **kwargs):
        raise ValueError("hook bug")

    target = "analyse_request" if hook == "request" else "verdict_for"
    monkeypatch.setattr(addon_module, target, explode)
    caplog.set_level(logging.WARNING)
    for case in SEED_CASES:
        flow = make_flow(case.body())
        response = answer(400, case.error_body())
        request_before, response_before = flow.request.get_state(), response.get_state()
        run(addon, flow, response)
        assert flow.request.get_state() == request_before
        assert flow.response.get_state() == response_before
    assert addon.stats["internal_errors"] == 3
    logged = [r for r in caplog.records if "hook bug" in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None  # the traceback, once
    assert f"internal error in {hook}" in logged[0].getMessage()
    assert API_KEY not in caplog.text


def test_error_hook_without_response_stores_the_flow_error(guard, db_path):
    addon, _ = guard
    flow = make_flow(LONE_TOOL.body())
    flow.error = tflow.terr("Client disconnected.")
    run(addon, flow, None)
    addon.done()
    (row,), _ = rows(db_path)
    assert (row["status"], row["flow_error"], row["response_body"]) == (None, "Client disconnected.", None)


# ------------------------------------------------------------------------------ stored rows


def test_whole_rows_for_a_predicted_rejection(guard, db_path):
    addon, _ = guard
    flow = make_flow(
        ONE_ANSWER.body(), url=URL + "?api-version=2024-06-01&key=AIzaSyDUMMYDUMMYDUMMYDUMMYDUMMYDUMMY12"
    )
    response = answer(400, ONE_ANSWER.error_body())
    run(addon, flow, response)
    addon.done()
    (row,), findings = rows(db_path)
    request_json = json.dumps(ONE_ANSWER.body())
    expected_row = {
        "id": flow.id,
        "datetime_utc": format_utc(flow.request.timestamp_start),
        "method": "POST",
        "scheme": "https",
        "host": "api.openai.com",
        "port": 443,
        "path": "/v1/chat/completions",
        "url": "https://api.openai.com/v1/chat/completions?api-version=2024-06-01&key=[REDACTED]",
        "provider": "openai",
        "client": "OpenAI/Python 1.54.0",
        "model": "gpt-4o-mini",
        "stream": None,
        "status": 400,
        "duration_ms": round((response.timestamp_end - flow.request.timestamp_start) * 1000),
        "request_headers_json": json.dumps(
            {
                "content-type": "application/json",
                "authorization": "[REDACTED]",
                "user-agent": "OpenAI/Python 1.54.0",
                "content-length": str(len(request_json)),
            }
        ),
        "request_json": request_json,
        "request_body": None,
        "request_bytes": len(request_json),
        "response_headers_json": json.dumps(
            {"content-type": "application/json", "content-length": str(len(ONE_ANSWER.error_body()))}
        ),
        "response_body": ONE_ANSWER.error_body().decode(),
        "error_message": ONE_ANSWER.error_message,
        "error_type": "invalid_request_error",
        "error_code": None,
        "error_param": "messages",
        "error_request_id": None,
        "error_provider": None,
        "error_shape": "openai",
        "error_source": "body",
        "flow_error": None,
        "verdict": "predicted",
        "cause_id": "cause.missing-tool-result",
        "finding_count": 1,
        "error_finding_count": 1,
        "internal_error": None,
        "toolguard_version": toolguard_core.__version__,
        # No toolguard_run_id set: the run of this process.
        "run_id": addon_module.PROCESS_RUN_ID,
        # The summary's grouping columns (m007), derived by the writer from this row and its finding.
        "client_name": "OpenAI/Python 1.54.0",
        "error_rules": "sequence.unanswered-tool-call",
        "fingerprint": fingerprint(ONE_ANSWER.error_message),
        "pattern": "sequence.unanswered-tool-call",
        "explanation": "predicted",
        "group_key": group_key(
            "cause.missing-tool-result",
            "sequence.unanswered-tool-call",
            fingerprint(ONE_ANSWER.error_message),
        ),
        "summary_version": summary_version(),
    }
    cause = json.loads(row.pop("cause_json"))
    # The rule that fired and the root cause the text names agree; the text named the call id.
    assert (cause["cause"], cause["rule"], cause["constraint"], cause["values"]) == (
        "cause.missing-tool-result",
        findings[0]["rule"],
        None,
        {"tool_call_id": re.search(r"call_[A-Za-z0-9]{20,}", ONE_ANSWER.error_message).group()},
    )
    error_json = json.loads(row.pop("error_json"))
    assert (error_json["message"], error_json["param"], error_json["shape"]) == (
        ONE_ANSWER.error_message,
        "messages",
        "openai",
    )
    # Columns added by later migrations must be empty for this flow; everything else exactly as expected.
    extra = {k: v for k, v in row.items() if k not in expected_row}
    assert all(v is None for v in extra.values()), extra
    assert {k: v for k, v in row.items() if k in expected_row} == expected_row
    assert findings == [
        {
            "flow_id": flow.id,
            "idx": 0,
            "rule": ONE_ANSWER.rule,
            "severity": "error",
            "location": ONE_ANSWER.location,
            "message": flow.metadata[METADATA_KEY]["findings"][0]["message"],
        }
    ]


def test_findings_rows_keep_their_order(guard, db_path):
    addon, _ = guard
    messages = [
        {"role": "user", "content": "x"},
        {"role": "tool", "content": "a"},
        {"role": "assistant", "content": None},
    ]
    flow = make_flow({"model": "gpt-4o", "messages": messages})
    run(addon, flow, answer(200, ok_completion()))
    addon.done()
    (row,), findings = rows(db_path)
    assert row["verdict"] == "false_alarm"
    assert [(f["idx"], f["rule"], f["location"]) for f in findings] == [
        (i, f["rule"], f["location"]) for i, f in enumerate(flow.metadata[METADATA_KEY]["findings"])
    ]
    assert row["finding_count"] == len(findings) >= 2


def test_non_json_request_is_stored_as_text(guard, db_path):
    addon, _ = guard
    flow = make_flow(
        b"model=gpt-4o&messages=hi", headers={**HEADERS, "content-type": "application/x-www-form-urlencoded"}
    )
    body = {
        "error": {
            "message": "We could not parse the JSON body of your request.",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }
    run(addon, flow, answer(400, body))
    addon.done()
    (row,), findings = rows(db_path)
    assert (row["request_json"], row["request_body"], row["verdict"]) == (
        None,
        "model=gpt-4o&messages=hi",
        "predicted",
    )
    assert [f["rule"] for f in findings] == ["body.not-json"]


def test_the_api_key_never_reaches_the_database(guard, db_path):
    addon, _ = guard
    echo = {
        "error": {
            "message": f"Incorrect API key provided: {API_KEY}.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    flow = make_flow(LONE_TOOL.body(), headers={**HEADERS, "cookie": "session=abcdefghijklmnop"})
    run(
        addon,
        flow,
        answer(401, echo, {"content-type": "application/json", "set-cookie": "sid=zyxwvutsrqponmlk"}),
    )
    addon.done()
    data = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    for secret in (API_KEY, "abcdefghijklmnop", "zyxwvutsrqponmlk"):
        assert secret.encode() not in data
    (row,), _ = rows(db_path)
    assert row["error_message"] == "Incorrect API key provided: [REDACTED]."


# ------------------------------------------------------------------------------ scope


@pytest.mark.parametrize(
    ("method", "url", "options"),
    [
        ("GET", URL, {}),
        ("POST", "https://api.openai.com/v1/embeddings", {"toolguard_record_paths": []}),
        ("POST", "https://api.openai.com/v1/completions", {"toolguard_record_paths": []}),
        ("POST", "https://api.openai.com/v1/chat/completions/extra", {}),
        ("POST", URL, {"toolguard_hosts": ["*.deepseek.com"]}),
        (
            "POST",
            "https://api.deepseek.com/chat/completions",
            {"toolguard_paths": [r"^/v1/chat/completions$"]},
        ),
    ],
    ids=["GET", "embeddings", "legacy completions", "longer path", "host filtered", "path filtered"],
)
def test_out_of_scope_flows_are_ignored(guard, db_path, method, url, options):
    addon, tctx = guard
    if options:
        tctx.configure(addon, **options)
    flow = make_flow(LONE_TOOL.body(), url=url, method=method)
    before = flow.request.get_state()
    run(addon, flow, answer(400, LONE_TOOL.error_body()))
    assert METADATA_KEY not in flow.metadata
    assert (flow.marked, flow.comment) == ("", "")
    assert flow.request.get_state() == before
    assert addon.stats["validated"] == 0
    addon.done()
    assert rows(db_path) == ([], [])


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("https://api.deepseek.com/chat/completions", {}),
        ("http://127.0.0.1:11434/v1/chat/completions/", {}),
        ("https://my.openai.azure.com/openai/deployments/gpt/chat/completions?api-version=2024-06-01", {}),
        ("https://api.deepseek.com/chat/completions", {"toolguard_hosts": ["*.deepseek.com"]}),
        ("https://API.DeepSeek.com/chat/completions", {"toolguard_hosts": ["api.deepseek.com"]}),
    ],
)
def test_in_scope_flows_on_any_host(guard, url, options):
    addon, tctx = guard
    if options:
        tctx.configure(addon, **options)
    flow = make_flow(LONE_TOOL.body(), url=url)
    addon.request(flow)
    rules = [f["rule"] for f in flow.metadata[METADATA_KEY]["findings"]]
    # Ollama's model gets no model rules, and its note says so (session 23).
    assert rules == (["model.rules-skipped"] if ":11434/" in url else []) + [LONE_TOOL.rule]


def test_store_all_keeps_accepted_flows(guard, db_path):
    addon, tctx = guard
    tctx.configure(addon, toolguard_store_all=True)
    flow = make_flow({"model": "gpt-4o-mini", "messages": VALID_PARALLEL})
    run(addon, flow, answer(200, ok_completion()))
    addon.done()
    (row,), findings = rows(db_path)
    assert (row["verdict"], row["status"], findings) == ("accepted", 200, [])


def test_max_body_option_passes_big_bodies_unvalidated(guard):
    addon, tctx = guard
    tctx.configure(addon, toolguard_max_body="1k")
    flow = make_flow({**LONE_TOOL.body(), "padding": "x" * 2000})
    addon.request(flow)
    assert [(f["rule"], f["severity"]) for f in flow.metadata[METADATA_KEY]["findings"]] == [
        ("body.too-large", "info")
    ]


@pytest.mark.parametrize(
    ("name", "raw", "encoding", "max_body", "rule"),
    [
        # Found on a fresh clone: `toolguard run --set toolguard_max_body=1m` with a 2 MB body reported
        # "7 requests reached the proxy: 6 validated" although one was passed through unvalidated.
        (
            "too large",
            json.dumps({**LONE_TOOL.body(), "padding": "x" * 2000}).encode(),
            None,
            "1k",
            "body.too-large",
        ),
        ("undecodable", b"definitely not compressed", "gzip", None, "body.undecodable"),
        ("too deep", b"[" * 5000 + b"]" * 5000, None, None, "body.too-deep"),
    ],
)
def test_a_body_passed_through_unvalidated_is_not_counted_as_validated(
    guard, db_path, name: str, raw: bytes, encoding: str | None, max_body: str | None, rule: str
):
    addon, tctx = guard
    if max_body:
        tctx.configure(addon, toolguard_max_body=max_body)
    flow = make_flow(b"")
    if encoding:
        flow.request.headers["content-encoding"] = encoding
    flow.request.raw_content = raw
    run(addon, flow, answer(200, ok_completion()))
    addon.done()
    assert [f["rule"] for f in flow.metadata[METADATA_KEY]["findings"]] == [rule]
    [row] = sqlite_utils.Database(db_path)["runs"].rows
    counts = {k: row[k] for k in ("requests_seen", "validated", "with_findings", "stored")}
    assert (counts, addon.stats["not_validated_body"]) == (
        {"requests_seen": 1, "validated": 0, "with_findings": 0, "stored": 1},
        1,
    ), name


def test_a_key_on_the_clients_command_line_never_reaches_the_database(guard, db_path):
    addon, tctx = guard
    key = "sk-proj-REVIEWcommandline0123456789"
    tctx.configure(addon, toolguard_run_command=f"qwen --openai-api-key {key} --auth-type openai -p hi")
    run(addon, make_flow(VALID_BODY), answer(200, ok_completion()))
    addon.done()
    [row] = sqlite_utils.Database(db_path)["runs"].rows
    assert row["command"] == "qwen --openai-api-key '[REDACTED]' --auth-type openai -p hi"
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert key.encode() not in raw


# ------------------------------------------------------------------------------ options


@pytest.mark.parametrize(
    "options",
    [
        {"toolguard_paths": ["(unclosed"]},
        {"toolguard_max_body": "lots"},
        {"toolguard_max_body": "12q"},
    ],
)
def test_bad_option_values_raise_options_error_once_running(guard, options):
    addon, tctx = guard
    addon._running = True  # a `:set` at runtime: mitmproxy must reject the change
    with pytest.raises(exceptions.OptionsError):
        tctx.configure(addon, **options)


@pytest.mark.writer_process
def test_unusable_database_path_at_start_up_is_one_error_line(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(blocker / "sub" / "toolguard.db"))
        # The writer process's start is not waited for at start-up (writerproc.py): its failure
        # arrives once it has tried to open the file (bounded by the store's own start timeout).
        store = addon.store
        assert store is not None
        with pytest.raises(WriterStartError):
            store.wait_started()
        deadline = time.monotonic() + 10
        while addon.store is not None and time.monotonic() < deadline:
            time.sleep(0.01)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [(r.getMessage().split(":")[0:2], r.exc_info) for r in errors] == [
        (["toolguard", " cannot start"], None)
    ]
    assert "toolguard_db: cannot open" in errors[0].getMessage()
    assert addon.store is None


def test_a_writer_that_fails_after_running_at_start_up_exits_with_status_1(tmp_path, monkeypatch):
    # At start-up, after `running` (mitmproxy's errorcheck has looked already): SystemExit(1), raised
    # on the event loop in mitmdump; called here directly, as the loop would.
    import toolguard_core.addon as addon_module

    monkeypatch.setattr(addon_module, "_PROXY_STARTED", threading.Event())  # a fresh mitmdump
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    addon = ToolGuard()
    with taddons.context(addon):
        addon._running = True
        store = ProcessStore(blocker / "t.db")
        store.start(wait=False)
        with pytest.raises(WriterStartError) as raised:
            store.wait_started()
        addon.store = store
        with pytest.raises(SystemExit) as exited:
            addon._store_started(store, raised.value, True)
    assert exited.value.code == 1
    assert addon.store is None


def test_a_writer_that_fails_on_a_hot_reload_leaves_the_proxy_running_without_a_store(
    tmp_path, caplog, monkeypatch
):
    import toolguard_core.addon as addon_module

    started = threading.Event()
    started.set()  # a proxy ran in this process: this start is a hot reload
    monkeypatch.setattr(addon_module, "_PROXY_STARTED", started)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    addon = ToolGuard()
    raised: list[BaseException] = []
    heard = addon._store_started

    def observed(*args: Any) -> None:  # the real handler; what it raises is kept for the test
        try:
            heard(*args)
        except BaseException as exc:
            raised.append(exc)

    monkeypatch.setattr(addon, "_store_started", observed)
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(blocker / "sub" / "toolguard.db"), toolguard_gc_freeze=False)
        addon.running()  # the reload's `running` comes before the writer's answer
        # Heard on the writer's thread (no event loop here); no SystemExit for a reload.
        deadline = time.monotonic() + 30
        while addon.store is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert addon.store is None
        addon.done()
    assert raised == []  # the proxy keeps running
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith("toolguard: cannot start: toolguard_db: cannot open ")


def test_stats_say_when_the_proxy_copies_bodies_for_the_worker(guard):
    """The start-up line and toolguard.stats say the same (session 19): a worker that cannot read the
    proxy's memory (its hello said why: offload.Validator._hello) means each large body is copied,
    said as ``worker_copies_bodies``; the normal case adds nothing."""
    addon, tctx = guard
    assert "worker_copies_bodies" not in json.loads(tctx.command(addon.stats_command))
    addon.validator.remote_refused = "the probe read back different bytes"  # as _hello records it
    stats = json.loads(tctx.command(addon.stats_command))
    assert stats["worker_copies_bodies"] == "the probe read back different bytes"


def test_default_database_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLGUARD_DB", str(tmp_path / "env.db"))
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db="")  # empty: $TOOLGUARD_DB, else the per-user default
        assert addon.settings is not None and addon.settings.db_path == str(tmp_path / "env.db")
        addon.done()
    assert (tmp_path / "env.db").exists()


def test_stats_command(guard):
    addon, tctx = guard
    run(addon, make_flow(LONE_TOOL.body()), answer(400, LONE_TOOL.error_body()))
    assert addon.store is not None
    addon.store.close()  # the writer has drained: "rows_written" counts rows on disk, not queued
    stats = json.loads(tctx.command(addon.stats_command))
    assert stats == {
        "requests_seen": 1,
        "model_rules_skipped": 0,  # said, not left out (api.openai.com and its model are known)
        "model_rules_skipped_local": 0,  # the same (no local server)
        "unrecognised_requests": 0,  # the same (api.openai.com is recognised)
        "unchecked_requests": 0,  # the same (its path is validated)
        "unchecked_rejected": 0,
        "ignored_requests": 0,  # the same (it is an API call toolguard validates)
        "validated": 1,
        "flagged": 1,
        "rejected": 1,
        "queued": 1,
        "rows_queued": 1,
        "rows_written": 1,
        "rows_dropped": 0,
        "rows_pending": 0,
        "write_retries": 0,
        "db_recreated": 0,
        "learned_constraints": 0,  # an OpenAI orphan sentence names no constraint to learn
        "learned_engines": [],  # nor any engine (toolguard_core.engines)
        "demoted_rules": [],
    }


def test_the_stats_command_says_the_run_so_far_in_words_in_the_event_log(guard, caplog):
    """mitmproxy's console shows toolguard.stats' JSON as one wrapped line (trial17): the command
    still returns it, and says the run so far in the shutdown's and the run report's words."""
    addon, tctx = guard
    run(addon, make_flow(LONE_TOOL.body()), answer(400, LONE_TOOL.error_body()))
    run(
        addon,
        make_flow(LONE_TOOL.body(), url="https://api.openai.com/v1/chat/completion"),
        answer(404, b"{}"),
    )
    with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
        stats = json.loads(tctx.command(addon.stats_command))
    assert (stats["requests_seen"], stats["validated"], stats["unchecked_requests"]) == (2, 1, 1)
    said = [r.getMessage() for r in caplog.records if r.name == "toolguard_core.addon"]
    assert said == [
        "toolguard: so far: 2 requests reached the proxy: 1 validated, 1 with findings, 1 rejected by the "
        "upstream, 0 without an answer; 1 flow stored.",
        "toolguard: 1 request NOT checked because of its path, rejected by the upstream "
        f"(api.openai.com/v1/chat/completion (1)): no rule validated it; {UNCHECKED_PATHS_HOW}",
    ]


def test_acceptances_demote_a_rule_for_that_host_and_model(guard):
    """The writer counts accepted requests a rule flagged; at toolguard_demote_after the addon's next
    request to that host and model gets the rule as a warning, and toolguard.stats lists it."""
    addon, tctx = guard
    tctx.configure(addon, toolguard_demote_after=2)
    for _ in range(2):
        run(addon, make_flow(LONE_TOOL.body()), answer(200, b'{"choices": []}'))
    deadline = time.monotonic() + 5
    while not addon.knowledge.demotion_count and time.monotonic() < deadline:
        time.sleep(0.02)  # the writer thread publishes the new snapshot after its transaction
    stats = json.loads(tctx.command(addon.stats_command))
    assert stats["demoted_rules"] == [f"{LONE_TOOL.rule} @ api.openai.com {MODEL}"]
    flow = make_flow(LONE_TOOL.body())
    addon.request(flow)
    assert [(f["rule"], f["severity"]) for f in flow.metadata["toolguard"]["findings"]] == [
        (LONE_TOOL.rule, "warning")
    ]
    other = make_flow({**LONE_TOOL.body(), "model": "gpt-4o"})
    addon.request(other)
    assert [f["severity"] for f in other.metadata["toolguard"]["findings"]] == ["error"]


def test_shutdown_says_the_run_in_the_run_reports_words_then_every_counter(db_path, caplog):
    """The shutdown stats were one raw Python dict (trial17): now the run's counts in the words of
    ``toolguard run``'s report (the same sentence, read back from the stored run row), what the
    upstreams taught, then every counter as the toolguard.stats command's JSON, for scripts."""
    from toolguard_analysis.run import counts_line
    from toolguard_core.addon import STATS_LINE_PREFIX

    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path), toolguard_demote_after=2)
        for _ in range(2):
            run(addon, make_flow(LONE_TOOL.body()), answer(200, b'{"choices": []}'))
        run(addon, make_flow(LONE_TOOL.body()), answer(400, LONE_TOOL.error_body()))
        deadline = time.monotonic() + 5
        while not addon.knowledge.demotion_count and time.monotonic() < deadline:
            time.sleep(0.02)
        with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
            addon.done()
    [row] = sqlite_utils.Database(db_path)["runs"].rows
    said = [r.getMessage() for r in caplog.records if r.name == "toolguard_core.addon"]
    counters = said[-1]
    assert counters.startswith(STATS_LINE_PREFIX)
    stats = json.loads(counters.removeprefix(STATS_LINE_PREFIX))
    assert (stats["requests_seen"], stats["validated"], stats["rejected"]) == (3, 3, 1)
    assert said[:-1] == [
        f"toolguard: this run: {counts_line(row)}",
        f"toolguard: warnings, not errors, where the upstream kept accepting them: {LONE_TOOL.rule} @ "
        f"api.openai.com {MODEL}",
    ]
    assert counts_line(row) == (
        "3 requests reached the proxy: 3 validated, 3 with findings, 1 rejected by the upstream, "
        "0 without an answer; 3 flows stored."
    )
    assert not any("{'" in line for line in said)  # no Python dict anywhere
    # Scripts read the line back through the one reader (scripts/bench_proxy.py, tests/support).
    assert addon_module.counters_from_output("\n".join(["mitmdump: other words", *said])) == stats


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        # The last of two shutdowns (a reloaded script logs its own).
        (
            f'{addon_module.STATS_LINE_PREFIX}{{"validated": 1}}\n'
            f'[12:00:00.000] {addon_module.STATS_LINE_PREFIX}{{"validated": 2, "rejected": 1}}\n',
            {"validated": 2, "rejected": 1},
        ),
        # The unlabelled raw-dict form of before 3ffbd83 is not the line (bench_proxy read only it).
        ("toolguard: {'validated': 2}\n", None),
        ("toolguard: saw 0 requests: nothing was checked\n", None),
        (f"{addon_module.STATS_LINE_PREFIX}{{not json}}\n", None),
        ("", None),
    ],
)
def test_the_counters_line_is_read_back_or_said_missing(output, expected):
    assert addon_module.counters_from_output(output) == expected


@pytest.mark.parametrize(
    ("chunks", "stored"),
    [
        ([b'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n', b"data: [DONE]\n\n"], False),
        ([b'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n'], True),
    ],
    ids=["closed after [DONE]", "closed mid-stream"],
)
def test_client_closing_a_stream(guard, db_path, chunks, stored):
    """The openai SDK closes the connection right after [DONE]; that is a complete answer, not a
    failure. A client gone before [DONE] is stored (flow_error says so)."""
    addon, _ = guard
    flow = make_flow({"model": "gpt-4o-mini", "messages": VALID_PARALLEL, "stream": True})
    addon.request(flow)
    flow.response = http.Response.make(200, b"", {"content-type": "text/event-stream"})
    flow.response.raw_content = None
    addon.responseheaders(flow)
    for chunk in chunks:
        flow.response.stream(chunk)
    flow.error = tflow.terr("Client disconnected.")
    addon.error(flow)
    addon.done()
    flows, _ = rows(db_path)
    assert [(r["status"], r["flow_error"]) for r in flows] == (
        [(200, "Client disconnected.")] if stored else []
    )


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_freeze_once_running_follows_the_option(guard, monkeypatch, enabled: bool):
    addon, tctx = guard
    frozen: list[bool] = []
    monkeypatch.setattr(addon_module.gc, "freeze", lambda: frozen.append(True))
    tctx.configure(addon, toolguard_gc_freeze=enabled)
    addon.running()
    addon.running()  # a second `running` (hot reload of another script) does not freeze again
    assert frozen == ([True] if enabled else [])


def test_summary_command_logs_the_summary_from_a_thread(guard, db_path, caplog, monkeypatch):
    addon, tctx = guard
    # The title is trimmed to the terminal width (100 without one); an xdist worker's tmp_path
    # (.../popen-gwN/...) made the path too long to fit, so the width is set past any tmp_path.
    monkeypatch.setenv("COLUMNS", "400")
    run(addon, make_flow(LONE_TOOL.body()), answer(400, LONE_TOOL.error_body()))
    addon.store.close()  # drain the queue so the row is on disk
    caplog.set_level(logging.INFO, logger="toolguard_core.addon")
    reply = tctx.command(addon.summary_command)
    assert reply == f"toolguard: the summary of {db_path} follows in the event log"
    assert addon.summary_thread is not None
    addon.summary_thread.join(30)
    [text] = [r.getMessage() for r in caplog.records if "Failures by pattern" in r.getMessage()]
    assert str(db_path) in text
    assert "sequence.orphan-tool-message" in text


@pytest.mark.parametrize(
    ("url", "status", "stored"),
    [
        ("https://api.openai.com/v1/embeddings", 400, True),
        ("https://api.openai.com/v1/completions", 400, True),
        ("https://api.openai.com/v1/audio/transcriptions", 400, True),
        ("https://api.openai.com/v1/embeddings", 200, False),
    ],
)
def test_other_api_endpoints_are_recorded_not_validated(guard, db_path, url, status, stored):
    addon, _ = guard
    body = {"model": "text-embedding-3-small", "input": ""}
    error = {"error": {"message": "'$.input' is invalid. Please check the API reference: "
                       "https://platform.openai.com/docs/api-reference.", "type": "invalid_request_error",
                       "param": None, "code": None}}  # fmt: skip
    flow = make_flow(body, url=url)
    before = flow.request.get_state()
    run(addon, flow, answer(status, error if status >= 400 else {"data": []}))
    assert flow.request.get_state() == before
    assert addon.stats["validated"] == 0
    addon.done()
    flows, findings = rows(db_path)
    assert findings == []
    if not stored:
        assert flows == []
        return
    [row] = flows
    assert (row["path"], row["status"], row["verdict"], row["finding_count"]) == (
        url.split("openai.com", 1)[1],
        400,
        "unexplained",
        0,
    )
    assert row["error_message"] == error["error"]["message"]
    assert json.loads(row["request_body"]) == body


def test_a_request_hook_failure_still_stores_the_flow_with_the_error(guard, db_path, monkeypatch):
    addon, _ = guard

    def explode(*args, **kwargs):
        raise LookupError("unknown encoding: rot13")

    monkeypatch.setattr(addon_module, "analyse_request", explode)
    flow = make_flow({"model": "gpt-4o-mini", "messages": VALID_PARALLEL, "tools": TOOLS})
    flow.request.headers["content-encoding"] = "rot13"  # set after: Request.make would encode the body
    run(addon, flow, answer(200, {"id": "chatcmpl-1"}))
    addon.done()
    flows, findings = rows(db_path)
    assert [(f["id"], f["verdict"], f["internal_error"], f["finding_count"]) for f in flows] == [
        (flow.id, "accepted", "request: LookupError('unknown encoding: rot13')", 0)
    ]
    assert findings == []


def test_flows_in_flight_at_shutdown_are_stored_as_no_answer(guard, db_path):
    addon, _ = guard
    flow = make_flow({"model": "gpt-4o-mini", "messages": VALID_PARALLEL, "tools": TOOLS})
    addon.request(flow)  # no response, no error: mitmproxy is shutting down
    addon.done()
    flows, _ = rows(db_path)
    assert [(f["id"], f["verdict"], f["status"], f["flow_error"]) for f in flows] == [
        (flow.id, "no_answer", None, "toolguard: mitmproxy shut down before the flow finished")
    ]


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
def test_an_upstream_error_body_bomb_is_decoded_bounded(guard, db_path, encoding: str):
    addon, _ = guard
    error = json.dumps({"error": {"message": "bad request", "type": "invalid_request_error"}}).encode()
    bomb = error + b" " * (64 << 20)  # 1000 times what is stored
    compress = {
        "gzip": lambda b: gzip.compress(b, compresslevel=1),
        "br": lambda b: brotli.compress(b, quality=1),
        "zstd": zstd.compress,
    }
    encoded = compress[encoding](bomb)
    flow = make_flow(LONE_TOOL.body())
    response = answer(400, b"", {"content-type": "application/json", "content-encoding": encoding})
    response.raw_content = encoded  # as received (Response.make would encode it once more)
    run(addon, flow, response)
    assert flow.response.raw_content is encoded  # never decoded in place
    addon.done()
    flows, _ = rows(db_path)
    assert [(f["status"], len(f["response_body"]) <= MAX_STORED_RESPONSE) for f in flows] == [(400, True)]
    assert flows[0]["response_body"].startswith('{"error": {"message": "bad request"')


def test_redact_headers_option_and_credential_shaped_headers_are_never_stored(guard, db_path):
    addon, tctx = guard
    tctx.configure(addon, toolguard_redact_headers=["x-my-gateway-*"])
    headers = {
        **HEADERS,
        "helicone-auth": "Bearer hlc-0123456789abcdef",
        "x-portkey-api-key": "pk-0123456789",
        "x-my-gateway-id": "gw-secret-98765",
        "x-trace": "Bearer abcdef1234",
    }
    run(addon, make_flow(LONE_TOOL.body(), headers=headers), answer(400, LONE_TOOL.error_body()))
    addon.done()
    flows, _ = rows(db_path)
    stored = json.loads(flows[0]["request_headers_json"])
    assert {k: stored[k] for k in ("helicone-auth", "x-portkey-api-key", "x-my-gateway-id", "x-trace")} == {
        "helicone-auth": "[REDACTED]",
        "x-portkey-api-key": "[REDACTED]",
        "x-my-gateway-id": "[REDACTED]",
        "x-trace": "[REDACTED]",
    }
    assert stored["user-agent"] == "OpenAI/Python 1.54.0"


# ------------------------------------------------------------------------------ runs and the console

VALID_BODY = {"model": "gpt-4o-mini", "messages": VALID_PARALLEL, "tools": TOOLS}


def test_one_console_line_per_flagged_or_rejected_flow(guard, caplog):
    addon, _ = guard
    flagged, rejected_only, recognised, fine = (
        make_flow(LONE_TOOL.body()),
        make_flow(VALID_BODY),
        make_flow(VALID_BODY),
        make_flow(VALID_BODY),
    )
    with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
        run(addon, flagged, answer(400, LONE_TOOL.error_body()))
        run(addon, rejected_only, answer(400, GEMINI_BARE))
        run(addon, recognised, answer(429, RATE_LIMITED))
        run(addon, fine, answer(200, ok_completion()))
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("toolguard: ")]
    show = f"toolguard show --db {addon.settings.db_path}"  # the test's own file, not the default
    assert lines == [
        f"toolguard: predicted: HTTP 400; error sequence.orphan-tool-message at messages[0]; "
        f"flow {flagged.id} ({show} {flagged.id[:8]})",
        f"toolguard: unexplained: HTTP 400; no rule explains it; flow {rejected_only.id} "
        f"({show} {rejected_only.id[:8]})",
        f"toolguard: recognised: HTTP 429; cause.rate-limit: {CAUSES_BY_ID['cause.rate-limit'].title}; "
        f"flow {recognised.id} ({show} {recognised.id[:8]})",
    ]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.getMessage() in lines)


@pytest.mark.parametrize(
    ("terminal_level", "shown"),
    [(logging.ERROR, False), (logging.INFO, True)],
    ids=["mitmdump-q", "mitmdump"],
)
def test_console_lines_are_built_only_when_a_handler_shows_them(guard, monkeypatch, terminal_level, shown):
    # Issue #12: under `mitmdump -q` (the terminal at ERROR) each line was still formatted and sent
    # through mitmproxy's bridge to the deprecated add_log hook, to every addon, on the event loop.
    addon, _ = guard
    captured: list[logging.LogRecord] = []

    class Terminal(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    class Bridge(LegacyLogEvents):  # mitmproxy's bridge, without the master it posts to
        def emit(self, record: logging.LogRecord) -> None:
            pass

    bridge = Bridge(master=None)  # type: ignore[arg-type]
    monkeypatch.setattr(logging.getLogger(), "handlers", [Terminal(terminal_level), bridge])
    addon_logger = logging.getLogger("toolguard_core.addon")
    level = addon_logger.level
    addon_logger.setLevel(logging.INFO)  # setLevel, not the attribute: it clears the logger's cache
    try:
        flow = make_flow(LONE_TOOL.body())
        run(addon, flow, answer(400, LONE_TOOL.error_body()))
    finally:
        addon_logger.setLevel(level)
    lines = [r.getMessage() for r in captured if "toolguard show" in r.getMessage()]
    assert lines == (
        [
            f"toolguard: predicted: HTTP 400; error sequence.orphan-tool-message at messages[0]; "
            f"flow {flow.id} (toolguard show --db {addon.settings.db_path} {flow.id[:8]})"
        ]
        if shown
        else []
    )
    assert flow.metadata[METADATA_KEY]["verdict"] == "predicted"  # the flow is judged either way


def test_toolguard_console_false_silences_the_flow_lines(guard, caplog):
    addon, tctx = guard
    tctx.configure(addon, toolguard_console=False)
    with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
        run(addon, make_flow(LONE_TOOL.body()), answer(400, LONE_TOOL.error_body()))
    assert not [r for r in caplog.records if "toolguard show" in r.getMessage()]


def test_the_run_row_has_the_counts_and_every_stored_flow_names_it(guard, db_path):
    addon, tctx = guard
    tctx.configure(addon, toolguard_run_id="run-42", toolguard_run_command="python agent.py")
    addon.running()
    run(addon, make_flow(LONE_TOOL.body()), answer(400, LONE_TOOL.error_body()))
    run(addon, make_flow(VALID_BODY), answer(200, ok_completion()))
    unanswered = make_flow(VALID_BODY)
    unanswered.error = tflow.terr("Connect call failed")
    run(addon, unanswered, None)
    run(
        addon, make_flow(b"", method="GET", url="https://api.openai.com/v1/models"), answer(200, {"data": []})
    )
    addon.done()
    [run_row] = sqlite_utils.Database(db_path)["runs"].rows
    assert run_row.pop("started_utc") <= run_row.pop("ended_utc")
    assert run_row == {
        "id": "run-42",
        "command": "python agent.py",
        "mode": "regular",
        "upstream": None,
        "proxy_version": f"mitmproxy {mitmproxy_version.VERSION}",
        "toolguard_version": toolguard_core.__version__,
        "requests_seen": 4,
        "validated": 3,
        "with_findings": 1,
        "rejected": 1,
        "no_answer": 1,
        "blocked": 0,
        "stored": 2,
        "internal_errors": 0,
        "websocket_messages": 0,
        "model_rules_skipped": 0,
        "model_rules_skipped_hosts": None,
        "model_rules_skipped_local": 0,
        "model_rules_skipped_models": None,
        "unrecognised_requests": 0,
        "unrecognised_hosts": None,
        "unchecked_requests": 0,  # the GET /v1/models is no POST: not counted as unchecked
        "unchecked_rejected": 0,
        "unchecked_paths": None,
        # but as no API call toolguard validates, with its method and path (session 19)
        "ignored_requests": 1,
        "ignored_paths": '{"GET api.openai.com/v1/models": 1}',
    }
    flows, _ = rows(db_path)
    assert sorted((f["verdict"], f["run_id"]) for f in flows) == [
        ("no_answer", "run-42"),
        ("predicted", "run-42"),
    ]


def test_a_hot_reload_keeps_counting_in_the_same_run(db_path):
    """mitmproxy reloads a changed script: a new ToolGuard instance, the same process and run."""
    for _ in range(2):
        addon = ToolGuard()
        with taddons.context(addon) as tctx:
            tctx.configure(addon, toolguard_db=str(db_path), toolguard_run_id="reloaded-run")
            addon.running()
            run(addon, make_flow(LONE_TOOL.body()), answer(400, LONE_TOOL.error_body()))
            addon.done()
    [run_row] = sqlite_utils.Database(db_path)["runs"].rows
    assert (run_row["requests_seen"], run_row["with_findings"], run_row["rejected"], run_row["stored"]) == (
        2,
        2,
        2,
        2,
    )


def test_the_parsed_body_is_let_go_once_the_request_hook_is_done(guard, db_path):
    # The pending flow lives until its answer ends (minutes for a stream); the parsed tree is many
    # times the body's size and nothing reads it after the request hook.
    addon, _ = guard
    flow = make_flow(LONE_TOOL.body())
    addon.request(flow)
    analysis = addon.pending[flow.id].analysis
    assert (analysis.body, analysis.is_json, analysis.has_error) == (None, True, True)
    flow.response = answer(200, ok_completion())
    addon.response(flow)
    addon.done()
    flows, _ = rows(db_path)
    assert [json.loads(f["request_json"]) for f in flows] == [LONE_TOOL.body()]


def test_a_failure_at_shutdown_is_counted_and_the_queued_rows_are_still_written(guard, db_path, monkeypatch):
    # done() settles bodies still waiting for the worker; a failure there used to escape into
    # mitmproxy and skip the store's drain, losing every row still queued.
    addon, _ = guard
    stored = make_flow(LONE_TOOL.body())
    run(addon, stored, answer(200, ok_completion()))
    waiting = make_flow(LONE_TOOL.body())
    addon.request(waiting)
    loop = asyncio.new_event_loop()
    try:
        addon.pending[waiting.id].validation = loop.create_future()  # the worker has not answered

        def explode(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(addon_module, "analyse_request", explode)
        addon.done()
    finally:
        loop.close()
    flows, _ = rows(db_path)
    assert sorted((f["id"], f["verdict"], f["internal_error"]) for f in flows) == sorted(
        [(stored.id, "false_alarm", None), (waiting.id, "no_answer", "done: RuntimeError('boom')")]
    )
    assert addon.stats["internal_errors"] == 1


def test_the_model_catalog_is_read_when_the_proxy_starts_not_in_the_first_request(guard):
    addon, _ = guard
    catalog._snapshot.cache_clear()
    addon.running()
    assert catalog._snapshot.cache_info().currsize == 1


# A body the worker validated under its Content-Encoding is decoded for the store on the writer
# thread (Capture.raw_request), not again on the event loop (issue #12): the stored row is the
# same as for a body decoded in place.
@pytest.mark.parametrize(
    ("encoding", "raw", "expected_json", "expected_body", "expected_bytes"),
    [
        ("gzip", gzip.compress(b'{"model": "m"}', mtime=0), '{"model": "m"}', None, 14),
        ("br", brotli.compress(b'{"model": "m"}'), '{"model": "m"}', None, 14),
        ("zstd", zstd.compress(b'{"model": "m"}'), '{"model": "m"}', None, 14),
        # Not decodable: the start of the bytes as sent, their size as sent.
        ("gzip", b"not gzip at all", None, "not gzip at all", 15),
    ],
)
def test_a_body_still_encoded_is_decoded_by_the_writer(
    db_path: Path,
    encoding: str,
    raw: bytes,
    expected_json: str | None,
    expected_body: str | None,
    expected_bytes: int,
) -> None:
    capture = Capture(
        flow_id="f",
        started=0.0,
        ended=1.0,
        method="POST",
        scheme="https",
        host="api.openai.com",
        port=443,
        path="/v1/chat/completions",
        url=URL,
        provider="openai",
        model="m",
        stream=None,
        request_headers=[("content-encoding", encoding)],
        request_text=None,
        request_is_json=expected_json is not None,
        request_bytes=len(raw),
        findings=[],
        secrets=[],
        verdict="unexplained",
        status=400,
        raw_request=(raw, encoding, 1 << 20),
    )
    db = open_db(db_path)
    write_rows(db, [capture.to_row()])
    (row,) = db["flows"].rows
    assert (row["request_json"], row["request_body"], row["request_bytes"]) == (
        expected_json,
        expected_body,
        expected_bytes,
    )


def test_a_flagged_request_answered_429_is_recognised_everywhere(guard, db_path):
    """The comment, the flow's metadata and the stored row give the same verdict: a rate limit neither
    confirms nor refutes the finding (verdict.rejection_verdict), so it is not `predicted`."""
    addon, _ = guard
    # OpenAI's 429 (TPM), quoted in TheR1D/shell_gpt#653.
    body = {
        "error": {
            "message": "Request too large for gpt-4o in organization org-78asdf87asdf9aaa8976 on tokens per min "
            "(TPM): Limit 30000, Requested 31538. The input or output tokens must be reduced in order to run "
            "successfully. Visit https://platform.openai.com/account/rate-limits to learn more.",
            "type": "tokens",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
    flow = make_flow(LONE_TOOL.body())
    run(addon, flow, answer(429, body))
    assert (flow.metadata[METADATA_KEY]["verdict"], flow.metadata[METADATA_KEY]["cause"], flow.comment) == (
        "recognised",
        "cause.rate-limit",
        f"toolguard: {LONE_TOOL.rule} at messages[0] [recognised: cause.rate-limit]",
    )
    addon.done()
    (row,), findings = rows(db_path)
    assert (row["verdict"], row["cause_id"], row["explanation"], row["pattern"]) == (
        "recognised",
        "cause.rate-limit",
        "recognised",
        None,
    )
    assert [(f["rule"], f["severity"]) for f in findings] == [(LONE_TOOL.rule, "error")]
    assert addon.stats["rejected"] == 1


@pytest.mark.parametrize(
    ("toolguard_db", "command"),
    [
        ("", "toolguard show"),  # the default database: `toolguard show` finds it
        (str(addon_module.default_db_path()), "toolguard show"),
        ("proxy.db", "toolguard show --db proxy.db"),
        ("/tmp/my captures/a.db", "toolguard show --db '/tmp/my captures/a.db'"),
        # A PostgreSQL URL loses its password: the log is no place for a secret, and a masked '***'
        # pasted back would be sent as the password (libpq reads PGPASSWORD or ~/.pgpass instead).
        ("postgresql://team:s3cret@db.internal/toolguard", "toolguard show --db postgresql://team@db.internal/toolguard"),
        ("postgresql://team@db.internal/toolguard?password=s3cret&sslmode=require", "toolguard show --db 'postgresql://team@db.internal/toolguard?sslmode=require'"),
    ],
)  # fmt: skip
def test_the_console_line_names_the_database_it_wrote(toolguard_db: str, command: str) -> None:
    # A bare `toolguard show ID` for a proxy started with --set toolguard_db=proxy.db answered "no
    # toolguard database at ~/.local/share/..." (found by a fresh-eyes review).
    show = addon_module.show_command_for(toolguard_db)
    finding = _lone_tool_finding()
    line = addon_module.console_line("0123456789ab", "predicted", 400, [finding], None, show=show)
    assert (show, line.endswith(f"({command} 01234567)")) == (command, True)


def _lone_tool_finding() -> Any:
    url = "https://api.openai.com/v1/chat/completions"
    body = json.dumps(LONE_TOOL.body()).encode()
    return next(f for f in analyze.analyse_request(body, url).findings if f.severity == "error")


def test_the_console_line_of_an_answer_cut_off_says_so() -> None:
    # The reliability walkthrough: an upstream that sent 200 and then reset the connection mid-body
    # (or mid-stream) got "false_alarm: HTTP 200", read as a clean answer; the row's flow_error
    # said it was cut off. mitmproxy's own Error, with its own message for that case.
    from mitmproxy.flow import Error

    cut = Error(
        "HTTP/1 protocol error: peer closed connection without sending complete message body (incomplete chunked read)"
    )
    line = addon_module.console_line("0123456789ab", "false_alarm", 200, [_lone_tool_finding()], cut)
    assert line.startswith(
        "toolguard: false_alarm: HTTP 200, cut off (HTTP/1 protocol error: peer closed connection without "
        "sending complete message body (incomplete chunked read)); error sequence.orphan-tool-message at "
    )


def test_an_info_note_never_heads_the_line_of_a_recognised_rejection() -> None:
    # An unknown host and model (model.rules-skipped, an info note) answered 401: the line names the
    # root cause, not the note (found by a fresh-eyes review: "info model.rules-skipped at model").
    body = json.dumps({"model": "zz-private-7b", "messages": [{"role": "user", "content": "hi"}]}).encode()
    [note] = analyze.analyse_request(body, "http://127.0.0.1:9/v1/chat/completions").findings
    recognition = recognise_error(
        UpstreamError(message="Incorrect API key provided: sk-****"), provider="openai", status=401
    )
    assert (note.severity, recognition is not None and recognition.cause_id) == ("info", "cause.auth")
    line = addon_module.console_line("0123456789ab", "recognised", 401, [note], None, recognition)
    assert line == (
        f"toolguard: recognised: HTTP 401; cause.auth: {recognition.title}; flow 0123456789ab (toolguard show 01234567)"
    )


def test_the_console_line_of_an_unvalidated_body_says_no_rule_checked_it() -> None:
    # A walkthrough saw "accepted: HTTP 200; info body.too-large at body" and read it as a checked
    # body: the line must say what the run report, show and the HTML report say.
    body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "x" * 400}]}).encode()
    url = "https://api.openai.com/v1/chat/completions"
    findings = analyze.analyse_request(body, url, max_body_bytes=100).findings
    line = addon_module.console_line("0123456789ab", "accepted", 200, findings, None)
    assert [f.rule for f in findings] == ["body.too-large"]
    assert line == (
        f"toolguard: accepted: HTTP 200; info body.too-large at {findings[0].location}; the body was not "
        "validated (body.too-large): no rule checked it; flow 0123456789ab (toolguard show 01234567)"
    )
