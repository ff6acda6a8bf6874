"""End-to-end: toolguard_mode through a real mitmdump, with real clients, against a loopback upstream
that enforces OpenAI's rules with OpenAI's real 400 bodies (tests/support/upstream.py).

* repair: the seed's three broken LangChain conversations succeed and are stored as ``repaired`` with
  their patches; a repair the upstream still rejects is ``repair_failed`` with both bodies; a gzip
  request body is re-encoded as it came.
* block: the openai SDK raises ``BadRequestError`` with OpenAI's message; the upstream gets nothing.
* observe: what the upstream receives is byte for byte what the client sent, and back.
"""

from __future__ import annotations

import gzip
import http.client
import json
from collections.abc import Callable
from typing import Any

import jsonpatch
import pytest
import sqlite_utils
from support.proxy import Mitmdump
from support.repairs import expanded_repairs
from support.seeds import DUPLICATE, ONE_ANSWER, SEED_CASES
from support.upstream import (
    ORPHAN_MESSAGE,
    RecordedRequest,
    Reply,
    Upstream,
    canned,
    completion,
    openai_like,
    openai_request_error,
    orphan_error,
)

from toolguard_core.repair import SYNTHETIC_MARK

pytestmark = pytest.mark.e2e


def repairs(proxy: Mitmdump) -> list[dict[str, Any]]:
    return expanded_repairs(proxy.db(), order_by="datetime_utc, idx")  # bodies stored once, expanded


def post(proxy: Mitmdump, body: bytes, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
    """One raw HTTP/1.1 POST through the proxy, so the exact bytes sent are known."""
    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=15)
    try:
        connection.request("POST", "/v1/chat/completions", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


# ------------------------------------------------------------------------------ repair


def test_repair_mode_makes_the_seeds_three_langchain_cases_succeed(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], monkeypatch: pytest.MonkeyPatch
) -> None:
    langchain_openai = pytest.importorskip("langchain_openai")
    from langchain_core.messages import HumanMessage, ToolMessage

    from e2e.test_langchain_e2e import CALL_IDS, FINAL, foo_tool, seed_model

    upstream.handler = seed_model()
    proxy = mitmdump_reverse(options={"toolguard_mode": "repair"})
    monkeypatch.setenv("OPENAI_API_BASE", f"{proxy.url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-toolguard-langchain-e2e")
    model = langchain_openai.ChatOpenAI(model="gpt-4o-mini", max_retries=0, timeout=15).bind_tools([foo_tool])

    history: list[Any] = [HumanMessage(content='Call tool "foo" twice with no arguments')]
    calls = model.invoke(history)
    history += [calls, foo_tool.invoke(calls.tool_calls[0])]
    # Case 1: only one ToolMessage for two calls. OpenAI would answer 400; the repaired request passes.
    assert model.invoke(history).content == FINAL
    # Case 2: both answered, then the second answered again.
    history += [foo_tool.invoke(calls.tool_calls[1]), foo_tool.invoke(calls.tool_calls[1])]
    assert model.invoke(history).content == FINAL
    # Case 3: a lone ToolMessage. It becomes a marked user message, which the model answers.
    lone = model.invoke([ToolMessage(content="action completed!", tool_call_id="dummy")])
    assert [c["id"] for c in lone.tool_calls] == list(CALL_IDS)

    proxy.stop()
    assert proxy.returncode == 0
    # What the upstream received: the repaired requests, each valid by OpenAI's rules.
    sent = [r.json()["messages"] for r in upstream.requests[1:]]
    assert sent[0][-1]["tool_call_id"] == CALL_IDS[1] and sent[0][-1]["content"].startswith(SYNTHETIC_MARK)
    assert [m.get("tool_call_id") for m in sent[1]] == [None, None, *CALL_IDS]
    assert sent[2] == [
        {
            "role": "user",
            "content": f"{SYNTHETIC_MARK} A tool result arrived without the call it answers (tool_call_id "
            "dummy); its content follows.\naction completed!",
        }
    ]
    flows = proxy.flows()
    assert [(f["status"], f["verdict"], f["error_message"], f["finding_count"]) for f in flows] == [
        (200, "repaired", None, 1),
        (200, "repaired", None, 1),
        (200, "repaired", None, 1),
    ]
    rows = repairs(proxy)
    assert [
        (r["flow_id"], r["rule"], r["location"], r["applied"], json.loads(r["patch_json"])) for r in rows
    ] == [
        (
            flows[0]["id"],
            "sequence.unanswered-tool-call",
            "messages[1].tool_calls[1].id",
            1,
            [{"op": "add", "path": "/messages/3", "value": sent[0][3]}],
        ),
        (
            flows[1]["id"],
            "sequence.duplicate-tool-response",
            "messages[4].tool_call_id",
            1,
            [{"op": "remove", "path": "/messages/4"}],
        ),
        (
            flows[2]["id"],
            "sequence.orphan-tool-message",
            "messages[0]",
            1,
            [{"op": "replace", "path": "/messages/0", "value": sent[2][0]}],
        ),
    ]
    for row, flow, messages in zip(rows, flows, sent, strict=True):
        before = json.loads(row["request_before"])
        assert before == json.loads(flow["request_json"])  # what the client sent
        assert jsonpatch.apply_patch(before, json.loads(row["patch_json"]))["messages"] == messages
        assert json.loads(row["request_after"])["messages"] == messages


def test_a_repair_the_upstream_still_rejects_is_repair_failed_with_both_bodies(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], openai_client: Callable[..., Any]
) -> None:
    openai = pytest.importorskip("openai")
    upstream.handler = canned(400, orphan_error(3))  # this upstream rejects whatever it gets
    proxy = mitmdump_reverse(options={"toolguard_mode": "repair"})
    client = openai_client(proxy)
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(**DUPLICATE.body())
    assert error.value.body["message"] == ORPHAN_MESSAGE  # the upstream's own answer reaches the client
    proxy.stop()
    [flow] = proxy.flows()
    assert (flow["status"], flow["verdict"], flow["error_message"], flow["error_param"]) == (
        400,
        "repair_failed",
        ORPHAN_MESSAGE,
        "messages.[3].role",
    )
    [row] = repairs(proxy)
    sent = upstream.requests[0].json()
    assert (json.loads(row["request_before"]), json.loads(row["request_after"])) == (DUPLICATE.body(), sent)
    assert sent["messages"] == DUPLICATE.messages[:4]


def test_a_gzip_request_is_repaired_and_re_encoded_as_it_came(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
) -> None:
    def gunzip_then_validate(request: RecordedRequest) -> Reply:
        body = json.loads(gzip.decompress(request.body))
        error = openai_request_error(body)
        return Reply(400, error) if error else Reply.json(200, completion(body["model"]))

    upstream.handler = gunzip_then_validate
    proxy = mitmdump_reverse(options={"toolguard_mode": "repair"})
    headers = {
        "content-type": "application/json",
        "content-encoding": "gzip",
        "authorization": "Bearer sk-toolguard-e2e-gzip",
        "x-client-header": "kept as is",
    }
    status, _, _ = post(proxy, gzip.compress(json.dumps(DUPLICATE.body()).encode()), headers)
    assert status == 200
    proxy.stop()
    [received] = upstream.requests
    assert received.header("content-encoding") == "gzip"
    assert received.header("content-length") == str(len(received.body))
    assert json.loads(gzip.decompress(received.body)) == {
        **DUPLICATE.body(),
        "messages": DUPLICATE.messages[:4],
    }
    assert {k.lower(): v for k, v in received.headers if k.lower() not in ("host", "content-length")} == {
        "content-type": "application/json",
        "content-encoding": "gzip",
        "authorization": "Bearer sk-toolguard-e2e-gzip",
        "x-client-header": "kept as is",
        "accept-encoding": "identity",
    }
    assert proxy.flows()[0]["verdict"] == "repaired"


# ------------------------------------------------------------------------------ block


@pytest.mark.parametrize("case", SEED_CASES, ids=lambda c: c.name)
def test_block_mode_raises_openais_error_in_the_sdk_and_sends_nothing(
    case, upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], openai_client: Callable[..., Any]
) -> None:
    openai = pytest.importorskip("openai")
    proxy = mitmdump_reverse(options={"toolguard_mode": "block"})
    client = openai_client(proxy)
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(**case.body())
    assert error.value.status_code == 400
    assert error.value.body == {
        "message": case.error_message,
        "type": "invalid_request_error",
        "param": case.error_param,
        "code": None,
    }
    assert error.value.response.headers["x-toolguard-rule"] == case.rule
    assert error.value.response.json()["toolguard"]["findings"][0]["location"] == case.location
    proxy.stop()
    assert upstream.requests == []
    [flow] = proxy.flows()
    assert (flow["status"], flow["verdict"], flow["error_message"]) == (400, "blocked", case.error_message)


def test_block_mode_on_an_unrecognised_host_answers_as_the_models_vendor(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], openai_client: Callable[..., Any]
) -> None:
    """The loopback upstream is no provider toolguard knows: the model rules judge o3-mini as OpenAI's
    (rules/inferred.py), and the SDK now raises OpenAI's own error (param and code included, as a
    relay quotes it: BerriAI/litellm#8213), not toolguard's text with param and code null."""
    openai = pytest.importorskip("openai")
    proxy = mitmdump_reverse(options={"toolguard_mode": "block"})
    client = openai_client(proxy)
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(
            model="o3-mini", messages=[{"role": "user", "content": "hi"}], max_tokens=100
        )
    assert (error.value.status_code, error.value.body) == (
        400,
        {
            "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "type": "invalid_request_error",
            "param": "max_tokens",
            "code": "unsupported_parameter",
        },
    )
    explanation = error.value.response.json()["toolguard"]
    assert (explanation["provider"], explanation["answered_as"], explanation["predicted_error_source"]) == (
        "generic",
        "openai",
        "https://github.com/BerriAI/litellm/issues/8213",
    )
    proxy.stop()
    assert upstream.requests == []


def test_block_mode_answers_ollamas_own_client_in_ollamas_shape(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
) -> None:
    """trial22: Ollama's native /api/chat was answered in OpenAI's envelope with the rule's whole quoted
    body as the message, so the ollama client's ResponseError held a dict naming another model."""
    ollama = pytest.importorskip("ollama")
    proxy = mitmdump_reverse(options={"toolguard_mode": "block"})
    client = ollama.Client(host=proxy.url, timeout=15)
    tools = [
        {"type": "function", "function": {"name": "ls", "parameters": {"type": "object", "properties": {}}}}
    ]
    with pytest.raises(ollama.ResponseError) as refused:
        client.chat(model="gemma3:12b", messages=[{"role": "user", "content": "ls"}], tools=tools)
    assert (refused.value.status_code, refused.value.error) == (
        400,
        "registry.ollama.ai/library/gemma3:12b does not support tools",
    )
    proxy.stop()
    assert upstream.requests == []
    [flow] = proxy.flows()
    assert (flow["path"], flow["status"], flow["verdict"]) == ("/api/chat", 400, "blocked")


# ------------------------------------------------------------------------------ observe


def test_observe_mode_passes_bytes_through_unchanged(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
) -> None:
    upstream.handler = openai_like()
    proxy = mitmdump_reverse(options={"toolguard_mode": "observe"})
    # Odd but valid JSON formatting and a header order of our own: any re-serialisation would show.
    body = json.dumps(ONE_ANSWER.body(), indent=3, ensure_ascii=True).encode()
    headers = {
        "content-type": "application/json",
        "x-b": "2",
        "x-a": "1",
        "authorization": "Bearer sk-observe",
    }
    status, response_headers, response_body = post(proxy, body, headers)
    proxy.stop()
    [received] = upstream.requests
    assert received.body == body
    assert [(k.lower(), v) for k, v in received.headers if k.lower() != "host"] == [
        ("accept-encoding", "identity"),  # http.client's own, then its content-length, then ours
        ("content-length", str(len(body))),
        *headers.items(),
    ]
    assert status == 400
    assert json.loads(response_body)["error"]["message"].startswith("An assistant message with 'tool_calls'")
    assert dict(response_headers)["content-length"] == str(len(response_body))
    assert proxy.flows()[0]["verdict"] == "predicted"
    assert sqlite_utils.Database(proxy.db_path)["repairs"].count == 0


def test_block_mode_lets_a_valid_request_through(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], openai_client: Callable[..., Any]
) -> None:
    proxy = mitmdump_reverse(options={"toolguard_mode": "block"})
    client = openai_client(proxy)
    body = ONE_ANSWER.body()
    body["messages"] = [
        *ONE_ANSWER.messages,
        {"role": "tool", "content": "ok", "tool_call_id": DUPLICATE.ids[0]},
    ]
    assert client.chat.completions.create(**body).choices[0].message.content
    proxy.stop()
    assert len(upstream.requests) == 1
    assert proxy.flows() == []


def test_the_upstream_rejects_the_seeds_cases_like_openai(upstream: Upstream) -> None:
    """The upstream enforces OpenAI's rule on the seed's cases (a fake that accepted them would prove nothing)."""
    for case in SEED_CASES:
        request = RecordedRequest(
            "POST", "/v1/chat/completions", "", [], json.dumps(case.body()).encode(), 0.0
        )
        reply = upstream.handler(request)
        assert isinstance(reply, Reply)
        assert (reply.status, json.loads(reply.body)) == (400, json.loads(case.error_body()))


def test_a_large_body_is_repaired_before_it_is_forwarded(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], openai_client: Callable[..., Any]
) -> None:
    """Bodies of toolguard_offload's size or more are validated in a worker in observe mode; repair
    needs the verdict first, so they are validated in place and repaired like any other."""
    proxy = mitmdump_reverse(options={"toolguard_mode": "repair"})
    proxy.wait_for_output(r"toolguard: mode repair \(repairs: sequence\)")
    body = DUPLICATE.body()
    body["messages"][0] = {"role": "user", "content": "x" * 100_000}  # above the 64k default
    client = openai_client(proxy)
    assert client.chat.completions.create(**body).choices[0].message.content
    proxy.stop()
    [received] = upstream.requests
    assert received.json()["messages"] == [body["messages"][0], *DUPLICATE.messages[1:4]]
    assert [f["verdict"] for f in proxy.flows()] == ["repaired"]


@pytest.mark.filterwarnings(
    "ignore:The model .* is deprecated:DeprecationWarning"
)  # the rule example's model
def test_block_mode_raises_anthropics_error_in_the_anthropic_sdk(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
) -> None:
    """The Messages API gets Anthropic's error shape: the real anthropic SDK raises its BadRequestError
    with the message Anthropic sends for a tool_use left without its tool_result (rules.md)."""
    anthropic = pytest.importorskip("anthropic")
    from toolguard_core.rules.registry import RULES

    rule = RULES["anthropic.tool-use-without-result"]
    [predicted] = [p for p in rule.predicts if p.provider == "anthropic"][:1]
    proxy = mitmdump_reverse(options={"toolguard_mode": "block"})
    client = anthropic.Anthropic(
        base_url=proxy.url, api_key="sk-ant-toolguard-e2e", max_retries=0, timeout=15
    )
    # Anthropic's text names the thread's messages.6; the answer names the example's own call message,
    # messages[1] (a new user's trial: "messages.48.content.1" for a request with one message).
    assert predicted.text.startswith("messages.6:")
    message = predicted.text.replace("messages.6:", "messages.1:")
    with pytest.raises(anthropic.BadRequestError) as error:
        client.messages.create(**rule.example)
    assert error.value.status_code == predicted.status
    assert error.value.body["error"] == {"type": "invalid_request_error", "message": message}
    assert f"Error code: {predicted.status} - " in str(error.value) and message in str(error.value)
    assert error.value.response.headers["x-toolguard-rule"] == rule.id
    proxy.stop()
    assert upstream.requests == []
    [flow] = proxy.flows()
    assert (flow["verdict"], flow["error_message"]) == ("blocked", message)
