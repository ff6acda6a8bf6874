"""End to end for Gemini's native API: the real ``google-genai`` SDK (the library gemini-cli's
``@google/genai`` twin and LangChain's google-genai use) through a real ``mitmdump -s addon/toolguard.py``
(reverse mode) to a loopback upstream that answers ``:generateContent``/``:streamGenerateContent`` the way
the Gemini API does, then the real SQLite file is read.

The upstream answers a function-response turn that does not answer every call of the call turn before
it with Gemini's real 400 (google-gemini/gemini-cli#4217's text, Google's error envelope), and a text
reply otherwise, streamed as SSE when the SDK streams.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from support.upstream import RecordedRequest, Reply, StreamReply, sse_event

genai = pytest.importorskip("google.genai")
types = pytest.importorskip("google.genai.types")

pytestmark = pytest.mark.e2e

MODEL = "gemini-2.5-flash"
API_KEY = "AIzaSy" + "toolguardE2Egemini0123456789ab"
COUNT_ERROR = (
    "Please ensure that the number of function response parts is equal to the number of function call "
    "parts of the function call turn."
)
GEMINI_400 = {
    "error": {
        "code": 400,
        "message": COUNT_ERROR,
        "errors": [{"message": COUNT_ERROR, "domain": "global", "reason": "badRequest"}],
        "status": "INVALID_ARGUMENT",
    }
}
ANSWER = {
    "candidates": [
        {"content": {"role": "model", "parts": [{"text": "Sunny, 18C."}]}, "finishReason": "STOP", "index": 0}
    ],
    "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 5, "totalTokenCount": 17},
    "modelVersion": MODEL,
}
CALL = {"function_call": {"name": "get_weather", "args": {"city": "Paris"}}}
RESPONSE = {"function_response": {"name": "get_weather", "response": {"temperature": "18C"}}}


def gemini_like(request: RecordedRequest) -> Reply | StreamReply:
    """Gemini's validation of the one thing this test breaks, its real answers otherwise."""
    contents = request.json().get("contents", [])
    for before, turn in itertools.pairwise(contents):
        calls = sum("functionCall" in part for part in before.get("parts", []))
        responses = sum("functionResponse" in part for part in turn.get("parts", []))
        if calls and responses and calls != responses:
            return Reply.json(400, GEMINI_400)
    if request.path.endswith(":streamGenerateContent"):
        return StreamReply([sse_event(ANSWER)])
    return Reply.json(200, ANSWER)


def client_for(proxy: Any) -> Any:
    options = types.HttpOptions(base_url=proxy.url, timeout=15_000)
    return genai.Client(api_key=API_KEY, http_options=options)


def test_google_genai_requests_through_mitmdump(upstream, mitmdump_reverse, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # a scratch HOME for the SDK
    upstream.handler = gemini_like
    proxy = mitmdump_reverse()
    client = client_for(proxy)
    user = {"role": "user", "parts": [{"text": "Weather in Paris and Rome?"}]}
    short = [user, {"role": "model", "parts": [CALL, CALL]}, {"role": "user", "parts": [RESPONSE]}]

    with pytest.raises(genai.errors.ClientError) as raised:
        client.models.generate_content(model=MODEL, contents=short)
    assert (raised.value.code, raised.value.message) == (400, COUNT_ERROR)

    # A clean request, plain and streamed (snake_case config the SDK serialises in camelCase).
    config = types.GenerateContentConfig(
        system_instruction="Be brief.", temperature=0.2, max_output_tokens=256
    )
    assert client.models.generate_content(model=MODEL, contents="Weather in Paris?", config=config).text == (
        "Sunny, 18C."
    )
    streamed = "".join(
        chunk.text or "" for chunk in client.models.generate_content_stream(model=MODEL, contents="Weather?")
    )
    assert streamed == "Sunny, 18C."

    output = proxy.stop()
    assert proxy.returncode == 0, output
    # Nothing was changed on the way: the upstream got what the SDK built, on the SDK's paths (google-genai
    # 3.3 defaults to the v1 API).
    received = upstream.received()
    assert [r.path for r in received] == [
        f"/v1/models/{MODEL}:generateContent",
        f"/v1/models/{MODEL}:generateContent",
        f"/v1/models/{MODEL}:streamGenerateContent",
    ]
    sent = received[1].json()
    assert (sent["systemInstruction"], sent["generationConfig"]) == (
        {"parts": [{"text": "Be brief."}], "role": "user"},
        {"temperature": 0.2, "maxOutputTokens": 256},
    )

    (row,) = proxy.flows()  # only the rejected request is stored
    columns = (
        "method", "path", "provider", "model", "stream", "status", "verdict", "error_source", "error_shape",
        "error_message", "finding_count", "error_finding_count", "internal_error", "flow_error",
    )  # fmt: skip
    assert {k: row[k] for k in columns} == {
        "method": "POST",
        "path": f"/v1/models/{MODEL}:generateContent",
        "provider": "generic",
        "model": MODEL,
        "stream": False,
        "status": 400,
        "verdict": "predicted",
        "error_source": "body",
        "error_shape": "google",
        "error_message": COUNT_ERROR,
        "finding_count": 1,
        "error_finding_count": 1,
        "internal_error": None,
        "flow_error": None,
    }
    assert json.loads(row["response_body"]) == GEMINI_400
    assert [(f["rule"], f["severity"], f["location"]) for f in proxy.findings(row["id"])] == [
        ("gemini.function-response-count", "error", "contents[2]")
    ]
    assert API_KEY.encode() not in proxy.db_files_bytes()
