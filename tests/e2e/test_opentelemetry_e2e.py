"""OpenTelemetry export end to end: real mitmdump + toolguard with ``toolguard_otlp_endpoint``, the
real openai SDK, and a loopback OTLP/HTTP receiver that decodes the protobuf payloads
(opentelemetry-proto) the way a collector does."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any

import openai
import pytest
from support import proxy_stats

from e2e.test_summary_e2e import CALL_A, CALL_B, USER, call, tool

pytestmark = pytest.mark.e2e
pytest.importorskip("opentelemetry.sdk")  # the otel extra (the test extra installs it)
from support.answers import OPENAI_429  # noqa: E402
from support.otlp import Receiver, attrs, value  # noqa: E402
from support.upstream import Reply, openai_like  # noqa: E402

ORPHAN = [USER, tool(CALL_A)]  # the fake answers OpenAI's real 400 for a lone tool message
VALID = [USER, call(CALL_A, CALL_B), tool(CALL_A), tool(CALL_B)]


def send(client: Any, messages: list[dict[str, Any]]) -> str | None:
    with contextlib.suppress(openai.BadRequestError):
        return (
            client.chat.completions.create(model="gpt-4o-mini", messages=messages).choices[0].message.content
        )
    return None


def stored(db: Path) -> dict[str, dict[str, Any]]:
    # One read transaction: the proxy's writer commits a flow and its findings together, and two
    # autocommit SELECTs could see its next flow's findings without the flow (a CI flake, stop 41).
    conn = sqlite3.connect(db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("BEGIN")
        flows = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM flows")}
        for flow_id, rule in conn.execute("SELECT flow_id, rule FROM findings ORDER BY flow_id, idx"):
            flows[flow_id].setdefault("rules", []).append(rule)
        return flows
    finally:
        conn.close()


def final_stats(output: str) -> dict[str, int]:
    return proxy_stats.stats(output)


def test_each_stored_flow_becomes_a_log_record_and_a_span(upstream, mitmdump_reverse, openai_client) -> None:
    with Receiver() as receiver:
        proxy = mitmdump_reverse(
            options={"toolguard_otlp_endpoint": receiver.url, "toolguard_store_all": "true"}
        )
        client = openai_client(proxy)
        assert send(client, ORPHAN) is None
        assert send(client, VALID) == "Both calls completed."
        output = proxy.stop()  # shutdown flushes the batch processors
        flows = stored(proxy.db_path)

    assert len(flows) == 2 and len(receiver.logs) == 2 and len(receiver.spans) == 2
    assert receiver.resources[0]["service.name"] == "toolguard"
    by_flow = {attrs(r.attributes)["toolguard.flow_id"]: r for r in receiver.logs}
    assert set(by_flow) == set(flows)
    for flow_id, flow in flows.items():
        record = by_flow[flow_id]
        rejected = flow["status"] == 400
        expected = {
            # The loopback fake is no known provider's host: the upstream toolguard knows, never
            # "generic" (toolguard's profile, no provider's name).
            "gen_ai.provider.name": f"127.0.0.1:{upstream.port}",
            "gen_ai.system": f"127.0.0.1:{upstream.port}",
            "toolguard.provider": flow["provider"],
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o-mini",
            "http.request.method": "POST",
            "http.response.status_code": flow["status"],
            "server.address": "127.0.0.1",
            "server.port": flow["port"],
            "url.path": "/v1/chat/completions",
            "user_agent.original": flow["client"],
            "toolguard.flow_id": flow_id,
            "toolguard.run_id": flow["run_id"],
            "toolguard.verdict": flow["verdict"],
            "toolguard.finding_count": flow["finding_count"],
        }
        if rejected:
            expected |= {
                "error.type": "invalid_request_error",
                "toolguard.rule_ids": ["sequence.orphan-tool-message"],
                "toolguard.error_code": flow["error_code"],
                "toolguard.error_provider": flow["error_provider"],
                "toolguard.error_message": flow["error_message"],
                # docs/opentelemetry.md promises these of a stored rejection (the summary's group).
                "toolguard.root_cause": flow["cause_id"],
                "toolguard.fingerprint": flow["fingerprint"],
            }
            assert flow["cause_id"] and flow["fingerprint"]
            expected = {k: v for k, v in expected.items() if v is not None}
        assert attrs(record.attributes) == expected
        assert record.severity_text == ("ERROR" if rejected else "INFO")
        assert record.event_name == "toolguard.flow"
        # Content is off by default: the body is a one-line summary, not the conversation.
        body = value(record.body)
        assert body.startswith(
            f"toolguard {flow['verdict']}: POST 127.0.0.1:{upstream.port}/v1/chat/completions -> "
        )
        assert "What is 3 * 12?" not in body
    spans = {attrs(s.attributes)["toolguard.flow_id"]: s for s in receiver.spans}
    assert set(spans) == set(flows)
    for flow_id, span in spans.items():
        assert span.name == "chat gpt-4o-mini"
        assert attrs(span.attributes) == attrs(by_flow[flow_id].attributes)
        assert span.trace_id == by_flow[flow_id].trace_id and span.span_id == by_flow[flow_id].span_id
        assert (span.end_time_unix_nano - span.start_time_unix_nano) // 1_000_000 == flows[flow_id][
            "duration_ms"
        ]
    stats = final_stats(output)
    assert (stats["otlp_exported"], stats["otlp_failed"], stats["otlp_dropped"]) == (2, 0, 0)


def test_content_is_exported_only_when_asked_and_redacted(upstream, mitmdump_reverse, openai_client) -> None:
    with Receiver() as receiver:
        proxy = mitmdump_reverse(
            options={"toolguard_otlp_endpoint": receiver.url, "toolguard_otlp_content": "true"}
        )
        client = openai_client(proxy)
        send(client, ORPHAN)
        proxy.stop()
    (record,) = receiver.logs
    body = value(record.body)
    assert body["request"]["messages"] == ORPHAN
    assert body["request"]["model"] == "gpt-4o-mini"
    assert "Invalid parameter" in body["response"]
    everything = b"".join(r.SerializeToString() for r in [*receiver.logs, *receiver.spans])
    assert client.api_key.encode() not in everything  # the key never leaves the proxy


def test_a_down_receiver_does_not_affect_traffic(upstream, mitmdump_reverse, openai_client) -> None:
    with Receiver() as receiver:
        dead = receiver.url  # closed when the block ends: nothing listens there any more
    proxy = mitmdump_reverse(options={"toolguard_otlp_endpoint": dead, "toolguard_store_all": "true"})
    client = openai_client(proxy)
    started = time.monotonic()
    answers = [send(client, VALID) for _ in range(5)] + [send(client, ORPHAN) for _ in range(3)]
    elapsed = time.monotonic() - started
    assert answers == ["Both calls completed."] * 5 + [None] * 3
    assert elapsed < 10, elapsed  # the export's retries never hold a flow
    stop_started = time.monotonic()
    output = proxy.stop()
    assert time.monotonic() - stop_started < 25
    assert len(stored(proxy.db_path)) == 8  # the database is complete regardless
    stats = final_stats(output)
    assert stats["otlp_exported"] == 0
    assert stats["otlp_failed"] + stats["otlp_dropped"] == 8
    # And said in words at the stop, not only in the counters (trial21b).
    [said] = [line for line in output.splitlines() if "OpenTelemetry export to" in line]
    assert f"toolguard: OpenTelemetry export to {dead}: 0 flows exported, " in said, said
    assert said.endswith("(NOT in the collector; the database has every flow)"), said


def test_every_rejection_is_an_error_record_with_its_root_cause(
    upstream, mitmdump_reverse, openai_client
) -> None:
    """A rejection no rule predicted (a 429 the error text names, ``recognised``) is logged as ERROR
    like a predicted one, as the span's status already says, and carries its root cause: a user
    filtering the backend on severity or on ``toolguard.root_cause`` saw neither before."""
    orphan_like = openai_like()
    upstream.handler = lambda request: (
        Reply.json(429, OPENAI_429) if request.json()["model"] == "gpt-4o" else orphan_like(request)
    )
    with Receiver() as receiver:
        proxy = mitmdump_reverse(options={"toolguard_otlp_endpoint": receiver.url})
        client = openai_client(proxy)
        assert send(client, ORPHAN) is None
        with contextlib.suppress(openai.RateLimitError):
            client.chat.completions.create(model="gpt-4o", messages=[USER])
        proxy.stop()
        flows = stored(proxy.db_path)

    rows = {
        attrs(r.attributes)["toolguard.flow_id"]: (
            r.severity_text,
            attrs(r.attributes).get("toolguard.verdict"),
            attrs(r.attributes).get("toolguard.root_cause"),
            attrs(r.attributes).get("toolguard.fingerprint"),
        )
        for r in receiver.logs
    }
    assert rows == {
        flow_id: ("ERROR", flow["verdict"], flow["cause_id"], flow["fingerprint"])
        for flow_id, flow in flows.items()
    }
    assert sorted((flow["verdict"], flow["cause_id"]) for flow in flows.values()) == [
        ("predicted", "cause.orphan-tool-result"),
        ("recognised", "cause.rate-limit"),
    ]
    spans = {attrs(s.attributes)["toolguard.flow_id"]: s.status.code for s in receiver.spans}
    assert spans == dict.fromkeys(flows, 2)  # STATUS_CODE_ERROR, the same as the log's severity
