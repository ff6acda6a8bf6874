"""End-to-end: a real ``mitmdump -s addon/toolguard.py`` in reverse mode in front of a loopback
upstream that answers like OpenAI, driven by the real ``openai`` SDK; then the SQLite file is read.

Only the provider is fake (tests/support/upstream.py). Every test is bounded: the SDK has a timeout
and no retries, the upstream a request limit and socket timeouts, mitmdump a start/stop timeout.
"""

from __future__ import annotations

import json
import signal
import ssl
import time
from typing import Any

import httpx
import openai
import pytest
from support.proxy import Mitmdump
from support.seeds import MODEL, SEED_CASES, TOOLS, VALID_PARALLEL, SeedCase
from support.upstream import (
    Abort,
    StreamReply,
    Upstream,
    error_event_chunks,
    openai_like,
    stream_chunks,
)

pytestmark = pytest.mark.e2e

CLIENT_TIMEOUT = 15.0


class Sent:
    """What the SDK put on the wire (httpx request hook), to compare with what the upstream got."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        request.read()
        self.requests.append(request)


def sdk_client(openai_client, proxy_or_url: Mitmdump | str, sent: Sent, **http_kwargs: Any):
    http_client = httpx.Client(event_hooks={"request": [sent]}, timeout=CLIENT_TIMEOUT, **http_kwargs)
    return openai_client(proxy_or_url, http_client=http_client)


def send_case(client, case: SeedCase) -> openai.BadRequestError:
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=MODEL, messages=case.messages, tools=TOOLS)
    return raised.value


def rows_by_messages(proxy: Mitmdump) -> dict[str, dict[str, Any]]:
    """Stored flows keyed by their request's messages (JSON), which identify each case."""
    result = {}
    for row in proxy.flows():
        body = json.loads(row["request_json"])
        result[json.dumps(body["messages"], sort_keys=True)] = row
    return result


def key_of(messages: list[Any]) -> str:
    return json.dumps(messages, sort_keys=True)


def assert_forwarded_unchanged(upstream: Upstream, sent: Sent) -> None:
    """Method, path, query, headers (but Host, rewritten by reverse mode) and body bytes all equal."""
    received = upstream.received("/chat/completions")
    assert len(received) == len(sent.requests)
    for got, original in zip(received, sent.requests, strict=True):
        assert got.method == original.method
        assert got.path == original.url.path
        assert got.query == original.url.query.decode()
        assert got.body == original.content
        original_headers = [(k.lower(), v) for k, v in original.headers.multi_items() if k.lower() != "host"]
        got_headers = [(k.lower(), v) for k, v in got.headers if k.lower() != "host"]
        assert got_headers == original_headers


# --------------------------------------------------------------------------------------- the issue


def test_capture_seed_cases_valid_and_streamed(upstream, mitmdump_reverse, openai_client):
    upstream.handler = openai_like(delay=0.25)
    proxy = mitmdump_reverse()
    proxy.wait_for_output(
        r"toolguard: writing flows with findings, rejections and interrupted flows to "
        + str(proxy.db_path).replace(".", r"\.")
    )
    sent = Sent()
    client = sdk_client(openai_client, proxy, sent)

    # The seed's three failing requests: the client gets OpenAI's real 400 through the proxy.
    for case in SEED_CASES:
        error = send_case(client, case)
        assert error.status_code == 400
        assert error.body == {
            "message": case.error_message,
            "type": case.error_type,
            "param": case.error_param,
            "code": None,
        }

    # A valid parallel-tool-call conversation passes.
    reply = client.chat.completions.create(model=MODEL, messages=VALID_PARALLEL, tools=TOOLS)
    assert reply.choices[0].finish_reason == "stop"

    # A streamed request reaches the client chunk by chunk.
    stream = client.chat.completions.create(model=MODEL, messages=VALID_PARALLEL, tools=TOOLS, stream=True)
    arrivals: list[float] = []
    arguments = ""
    for chunk in stream:
        arrivals.append(time.monotonic())
        for delta_call in chunk.choices[0].delta.tool_calls or ():
            arguments += delta_call.function.arguments or ""
    streamed = upstream.received("/chat/completions")[-1]
    assert len(arrivals) == len(stream_chunks()) - 1  # every event but [DONE]
    assert arrivals[0] < streamed.sent[-1], "the first chunk arrived only after the upstream sent the last"
    assert arguments == '{"a":1}'

    output = proxy.stop()
    assert proxy.returncode == 0, output

    assert_forwarded_unchanged(upstream, sent)

    rows = rows_by_messages(proxy)
    assert len(rows) == len(SEED_CASES), [
        {k: r[k] for k in ("status", "stream", "verdict", "flow_error", "finding_count")}
        for r in rows.values()
    ]
    assert key_of(VALID_PARALLEL) not in rows
    for case in SEED_CASES:
        row = rows[key_of(case.messages)]
        assert {
            k: row[k]
            for k in (
                "status",
                "model",
                "stream",
                "verdict",
                "error_message",
                "error_type",
                "error_param",
                "error_code",
            )
        } == {
            "status": 400,
            "model": MODEL,
            "stream": None,
            "verdict": "predicted",
            "error_message": case.error_message,
            "error_type": case.error_type,
            "error_param": case.error_param,
            "error_code": None,
        }
        assert json.loads(row["response_body"]) == json.loads(case.error_body())
        assert row["client"].startswith("OpenAI/Python")
        assert row["path"] == "/v1/chat/completions"
        findings = proxy.findings(row["id"])
        assert [(f["rule"], f["severity"], f["location"]) for f in findings] == [
            (case.rule, "error", case.location)
        ]
        for call_id in case.ids:
            assert call_id in findings[0]["message"]

    # The API key the client sent is nowhere in the database files, nor in mitmdump's output.
    assert client.api_key.encode() not in proxy.db_files_bytes()
    assert client.api_key not in output


def test_sigterm_still_writes_every_queued_row(upstream, mitmdump_reverse, openai_client):
    proxy = mitmdump_reverse()
    client = sdk_client(openai_client, proxy, Sent())
    for case in SEED_CASES:
        send_case(client, case)
    proxy.stop(signal.SIGTERM)
    stored = rows_by_messages(proxy)
    assert sorted(stored) == sorted(key_of(case.messages) for case in SEED_CASES)
    assert len(proxy.findings()) == len(SEED_CASES)


# --------------------------------------------------------------------------------------- harness paths


def test_error_event_inside_a_200_stream_is_stored(upstream, mitmdump_reverse, openai_client):
    upstream.handler = lambda request: StreamReply(error_event_chunks("The server had an error"), delay=0.05)
    proxy = mitmdump_reverse()
    client = sdk_client(openai_client, proxy, Sent())
    with pytest.raises(openai.APIError):
        for _ in client.chat.completions.create(model=MODEL, messages=VALID_PARALLEL, stream=True):
            pass
    proxy.stop()
    (row,) = proxy.flows()
    assert (row["status"], row["error_message"], row["error_source"]) == (
        200,
        "The server had an error",
        "stream",
    )
    assert proxy.findings(row["id"]) == []


def test_upstream_closing_the_connection_is_stored_as_a_flow_error(upstream, mitmdump_reverse, openai_client):
    upstream.handler = lambda request: Abort()
    proxy = mitmdump_reverse()
    client = sdk_client(openai_client, proxy, Sent())
    with pytest.raises(openai.APIStatusError) as raised:
        client.chat.completions.create(model=MODEL, messages=VALID_PARALLEL)
    assert raised.value.status_code == 502  # mitmproxy answers for the vanished upstream
    proxy.stop()
    assert proxy.returncode == 0
    (row,) = proxy.flows()
    assert (row["status"], row["flow_error"], row["verdict"]) == (
        None,
        "server closed connection",
        "no_answer",
    )
    assert proxy.findings(row["id"]) == []


def test_regular_proxy_mode_with_a_tls_upstream(upstream_tls, mitmdump_factory, openai_client):
    """Regular (forward) mode, HTTPS upstream with its own self-signed certificate, client trusting
    mitmproxy's CA: the README's HTTPS_PROXY + SSL_CERT_FILE route."""
    with Upstream(openai_like(), tls=upstream_tls) as tls_upstream:
        proxy = mitmdump_factory(options={"ssl_insecure": "true"})
        sent = Sent()
        client = sdk_client(
            openai_client,
            f"{tls_upstream.url}/v1",
            sent,
            proxy=proxy.url,
            verify=ssl.create_default_context(cafile=str(proxy.ca_cert)),
        )
        case = SEED_CASES[0]
        error = send_case(client, case)
        assert error.body["message"] == case.error_message
        proxy.stop()
        assert_forwarded_unchanged(tls_upstream, sent)
    (row,) = proxy.flows()
    assert (row["scheme"], row["host"], row["status"]) == ("https", "127.0.0.1", 400)
    assert [f["rule"] for f in proxy.findings(row["id"])] == [case.rule]
