"""End to end for the native kinds of the nineteenth pass, with real clients through a real
``mitmdump -s addon/toolguard.py`` (reverse mode) to a loopback upstream that answers like the provider:

* boto3's ``bedrock-runtime`` client (``converse``), the client LangChain's ChatBedrockConverse and Strands use,
  pointed at the proxy with ``endpoint_url`` and fake credentials (SigV4 signs them; nothing checks it);
* the Anthropic SDK's ``AnthropicBedrock`` (InvokeModel with the Messages body, as Claude Code's Bedrock mode)
  and ``AnthropicVertex`` (``:rawPredict``) with fake credentials;
* a plain HTTP POST to Ollama's ``/api/chat`` (the ``ollama`` package is not a test dependency: its request is a
  plain JSON body).

The upstream answers the one thing each request breaks with the provider's real text (Bedrock's
ValidationException JSON, Anthropic's error envelope, Ollama's ``{"error": ...}``), and a success otherwise.
Only rejected flows are stored; each is predicted by the rule of its kind, with the model the path names.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from support.upstream import RecordedRequest, Reply

boto3 = pytest.importorskip("boto3")
botocore_config = pytest.importorskip("botocore.config")
anthropic = pytest.importorskip("anthropic")

pytestmark = pytest.mark.e2e

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
#: Bedrock refused an assistant-first Converse history for Claude 3.5 Sonnet v2 (aws-solutions-library-samples/
#: guidance-for-multi-provider-generative-ai-gateway-on-aws#123) but answered one for Claude Sonnet 4.5 with 200
#: (the corpus's av-009), so the refused turn is sent for the model that refused it.
REFUSED_MODEL = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
ACCESS_KEY = "AKIA" + "TOOLGUARDE2E0NATIVE"
SECRET_KEY = "toolguard/e2e/secret/" + "0123456789abcdefABCDEF012"
FIRST_USER = "A conversation must start with a user message. Try again with a conversation that starts with a user message."
EMPTY_TEXT = "messages: text content blocks must be non-empty"
NO_TOOLS = "registry.ollama.ai/library/gemma3:12b does not support tools"
CONVERSE_OK = {
    "output": {"message": {"role": "assistant", "content": [{"text": "Sunny, 18C."}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 12, "outputTokens": 5, "totalTokens": 17},
    "metrics": {"latencyMs": 42},
}
MESSAGE_OK = {
    "id": "msg_bdrk_01",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "text", "text": "Sunny, 18C."}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 12, "output_tokens": 5},
}


def provider_like(request: RecordedRequest) -> Reply:
    """Bedrock, Vertex's Claude and Ollama as far as this test needs them."""
    body = request.json()
    if request.path.endswith("/converse"):
        messages = body.get("messages", [])
        if messages and messages[0].get("role") != "user":
            return Reply.json(
                400,
                {"message": FIRST_USER},
                {
                    "x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"
                },
            )
        return Reply.json(200, CONVERSE_OK)
    if request.path.endswith("/invoke") or request.path.endswith(":rawPredict"):
        for message in body.get("messages", []):
            content = message.get("content")
            if isinstance(content, list) and any(
                b.get("type") == "text" and not b.get("text") for b in content
            ):
                error = {"type": "error", "error": {"type": "invalid_request_error", "message": EMPTY_TEXT}}
                return Reply.json(400, error, {"x-amzn-errortype": "ValidationException"})
        return Reply.json(200, MESSAGE_OK)
    if request.path.endswith("/api/chat"):
        if body.get("tools") and body.get("model") == "gemma3:12b":
            return Reply.json(400, {"error": NO_TOOLS})
        return Reply.json(
            200,
            {"model": body.get("model"), "message": {"role": "assistant", "content": "Hi."}, "done": True},
        )
    return Reply.json(404, {"message": "not found"})


def test_native_clients_through_mitmdump(upstream, mitmdump_reverse, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # a scratch HOME: no ~/.aws, no SDK config read
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    upstream.handler = provider_like
    proxy = mitmdump_reverse()

    bedrock = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=proxy.url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=botocore_config.Config(retries={"max_attempts": 1}, read_timeout=15, connect_timeout=5),
    )
    user = {"role": "user", "content": [{"text": "Weather in Paris?"}]}
    with pytest.raises(bedrock.exceptions.ValidationException) as raised:
        bedrock.converse(
            modelId=REFUSED_MODEL, messages=[{"role": "assistant", "content": [{"text": "Hello."}]}, user]
        )
    assert raised.value.response["Error"]["Message"] == FIRST_USER
    answer = bedrock.converse(modelId=MODEL, messages=[user], inferenceConfig={"maxTokens": 256})
    assert answer["output"]["message"]["content"] == [{"text": "Sunny, 18C."}]

    claude_bedrock = anthropic.AnthropicBedrock(
        aws_access_key=ACCESS_KEY,
        aws_secret_key=SECRET_KEY,
        aws_region="us-east-1",
        base_url=proxy.url,
        max_retries=0,
    )
    with pytest.raises(anthropic.BadRequestError) as bad:
        claude_bedrock.messages.create(
            model=MODEL,
            max_tokens=256,
            messages=[{"role": "user", "content": [{"type": "text", "text": ""}]}],
        )
    assert bad.value.status_code == 400

    claude_vertex = anthropic.AnthropicVertex(
        access_token="ya29.toolguard-e2e-fake",
        region="us-east5",
        project_id="toolguard-e2e",
        base_url=proxy.url,
        max_retries=0,
    )
    reply = claude_vertex.messages.create(
        model="claude-sonnet-4-5@20250929", max_tokens=256, messages=[{"role": "user", "content": "Weather?"}]
    )
    assert reply.content[0].text == "Sunny, 18C."

    ollama_body = {
        "model": "gemma3:12b",
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "tools": [
            {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
        ],
        "stream": False,
    }
    request = urllib.request.Request(
        f"{proxy.url}/api/chat",
        data=json.dumps(ollama_body).encode(),
        headers={"content-type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=15)
    assert (refused.value.code, json.loads(refused.value.read())) == (400, {"error": NO_TOOLS})

    output = proxy.stop()
    assert proxy.returncode == 0, output
    received = upstream.received()
    # Nothing was changed on the way: the clients' own paths and bodies reached the upstream.
    assert [r.path for r in received] == [
        f"/model/{REFUSED_MODEL.replace(':', '%3A')}/converse",
        f"/model/{MODEL.replace(':', '%3A')}/converse",
        f"/model/{MODEL}/invoke",  # the Anthropic SDK does not encode the id's colon; boto3 does
        "/projects/toolguard-e2e/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict",
        "/api/chat",
    ]
    # The SDK moves the model to the path and puts its own API version in the body (not AWS's documented
    # bedrock-2023-05-31): anthropic.platform-version checks the field's presence only, for this reason.
    invoke, raw = received[2].json(), received[3].json()
    assert ("model" in invoke, "model" in raw) == (False, False)
    assert (
        invoke["anthropic_version"] == raw["anthropic_version"] == anthropic._constants.ANTHROPIC_API_VERSION
    )

    rows = sorted(proxy.flows(), key=lambda row: row["path"])  # only the three rejected requests are stored
    columns = (
        "path",
        "model",
        "stream",
        "status",
        "verdict",
        "error_message",
        "error_finding_count",
        "internal_error",
    )
    assert [{k: row[k] for k in columns} for row in rows] == [
        {
            "path": "/api/chat",
            "model": "gemma3:12b",
            "stream": False,
            "status": 400,
            "verdict": "predicted",
            "error_message": NO_TOOLS,
            "error_finding_count": 1,
            "internal_error": None,
        },
        {
            "path": f"/model/{REFUSED_MODEL.replace(':', '%3A')}/converse",
            "model": REFUSED_MODEL,
            "stream": False,
            "status": 400,
            "verdict": "predicted",
            "error_message": FIRST_USER,
            "error_finding_count": 1,
            "internal_error": None,
        },
        {
            "path": f"/model/{MODEL}/invoke",
            "model": MODEL,
            "stream": False,
            "status": 400,
            "verdict": "predicted",
            "error_message": EMPTY_TEXT,
            "error_finding_count": 1,
            "internal_error": None,
        },
    ]
    assert [
        [(f["rule"], f["severity"], f["location"]) for f in proxy.findings(row["id"])] for row in rows
    ] == [
        [("quirks.ollama-model-no-tools", "error", "tools")],
        [("converse.first-message-not-user", "error", "messages[0].role")],
        [("anthropic.empty-text-block", "error", "messages[0].content[0].text")],
    ]
    stored = proxy.db_files_bytes()
    assert SECRET_KEY.encode() not in stored and ACCESS_KEY.encode() not in stored
