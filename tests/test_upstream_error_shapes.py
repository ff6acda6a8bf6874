"""`parse_error` over the shapes added for issue #10 (parser gaps): an error inside an event stream,
a Responses ``response.failed`` event, MiniMax's ``base_resp`` envelope, OpenRouter's ``metadata.raw``
nested behind a relay, Gemini's array. Table-driven over real bodies; each asserts every field the
recogniser relies on, and the root cause the body then gets.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from toolguard_core.causes import recognise_error
from toolguard_core.upstream_errors import parse_error

# openai/codex, codex-rs stream tests (error_when_error_event): a real Responses `response.failed`.
CODEX_FAILED = (
    '{"type":"response.failed","sequence_number":3,"response":{"id":"resp_689bcf18d7f08194bf3440ba62fe05d8'
    '03fee0cdac429894","object":"response","created_at":1755041560,"status":"failed","background":false,'
    '"error":{"code":"rate_limit_exceeded","message":"Rate limit reached for gpt-5.1 in organization org-AAA '
    "on tokens per min (TPM): Limit 30000, Used 22999, Requested 12528. Please try again in 11.054s. Visit "
    'https://platform.openai.com/account/rate-limits to learn more."}, "usage":null,"user":null,"metadata":{}}}'
)
CODEX_CONTEXT = (
    '{"type":"response.failed","sequence_number":3,"response":{"id":"resp_5c66275b97b9baef1ed95550adb3b7ec13'
    'b17aafd1d2f11b","object":"response","created_at":1759510079,"status":"failed","background":false,'
    '"error":{"code":"context_length_exceeded","message":"Your input exceeds the context window of this '
    'model. Please adjust your input and try again."},"usage":null,"user":null,"metadata":{}}}'
)
# musistudio/claude-code-router#338: a relay's error whose message holds OpenRouter's body, whose
# metadata.raw holds Cerebras's own body (three levels).
CCR_OPENROUTER_CEREBRAS = (
    '{"error": {"message": "Error from provider: {\\"error\\":{\\"message\\":\\"Provider returned error\\",'
    '\\"code\\":400,\\"metadata\\":{\\"raw\\":\\"{\\\\\\"message\\\\\\":\\\\\\"Unsupported JSON schema fields: '
    '[\\\\\\\\\\\\\\"items\\\\\\\\\\\\\\", \\\\\\\\\\\\\\"minItems\\\\\\\\\\\\\\"]\\\\\\",\\\\\\"type\\\\\\":'
    '\\\\\\"invalid_request_error\\\\\\",\\\\\\"param\\\\\\":\\\\\\"response_format\\\\\\", \\\\\\"code\\\\\\":'
    '\\\\\\"wrong_api_format\\\\\\"}\\",\\"provider_name\\":\\"Cerebras\\"}},\\"user_id\\":\\"user_...\\"}", '
    '"type": "api_error", "code": "provider_response_error"}}'
)
# dottxt-ai/outlines#1666: OpenRouter's body (printed as a Python dict by the openai SDK) wrapping
# OpenAI's own JSON error in metadata.raw.
OUTLINES_OPENROUTER = (
    "Error code: 400 - {'error': {'message': 'Provider returned error', 'code': 400, 'metadata': {'raw': "
    '\'{\\n  "error": {\\n    "message": "Invalid schema for response_format \\\'default\\\': In context=(), '
    '\\\'additionalProperties\\\' is required to be supplied and to be false.",\\n    "type": '
    '"invalid_request_error",\\n    "param": "response_format",\\n    "code": null\\n  }\\n}\', '
    "'provider_name': 'OpenAI'}}, 'user_id': 'user_xxxxxxxxxxxxxxxxx'}"
)
# google-gemini/gemini-cli#4217-style array from gemini-cli#6704's inner body: Gemini's array of errors.
GEMINI_ARRAY = (
    '[{"error": {"code": 400, "message": "Please ensure that the number of function response parts is equal '
    'to the number of function call parts of the function call turn.", "status": "INVALID_ARGUMENT"}}]'
)


@dataclass(frozen=True)
class Shape:
    name: str
    body: str
    shape: str
    message_start: str
    code: str | int | None
    param: str | None
    cause: str | None
    depth: int = 1  # errors along the upstream chain


SHAPES = [
    Shape("responses-failed event", CODEX_FAILED, "responses-failed", "Rate limit reached for gpt-5.1",
          "rate_limit_exceeded", None, "cause.rate-limit"),
    Shape("response.failed inside an event stream", f"event: response.failed\ndata: {CODEX_CONTEXT}\n\n",
          "sse", "Your input exceeds the context window", "context_length_exceeded", None,
          "cause.context-length-exceeded"),
    # An error after content deltas in a 200 Chat Completions stream (providers.md §9: `data: {"error":…}`);
    # the message is OpenAI's, from the codex test above.
    Shape("error event after content in a chat stream",
          'data: {"choices":[{"index":0,"delta":{"content":"partial"}}]}\n\n'
          'data: {"error":{"message":"Your input exceeds the context window of this model. Please adjust your '
          'input and try again.","type":"invalid_request_error","code":"context_length_exceeded"}}\n\n',
          "sse", "Your input exceeds the context window", "context_length_exceeded", None,
          "cause.context-length-exceeded"),
    # Anthropic's Messages stream error event (docs.anthropic.com streaming "Error events"; the
    # overloaded body is the one quoted in anthropics/claude-code#3572).
    Shape("anthropic event: error",
          'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1"}}\n\n'
          'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
          "sse", "Overloaded", None, None, "cause.overloaded"),
    # MiniMax answers errors in base_resp (status_code 1008 = insufficient balance, sent with HTTP 200:
    # adrianlyjak/obsidian-aloud-tts#114); body reconstructed from that thread's description.
    Shape("minimax base_resp", '{"base_resp":{"status_code":1008,"status_msg":"insufficient balance"}}',
          "minimax", "insufficient balance", 1008, None, "cause.quota"),
    # Baidu Qianfan's documented envelope, the reference's own example body
    # (https://ai.baidu.com/ai-doc/WENXINWORKSHOP/tlmyncueh); its code 110 is an invalid access token.
    Shape("baidu error_code", '{"error_code": 110, "error_msg": "Access token invalid or no longer valid"}',
          "baidu", "Access token invalid or no longer valid", 110, None, "cause.auth"),
    Shape("relay > openrouter > cerebras", CCR_OPENROUTER_CEREBRAS, "relay-nested",
          "Unsupported JSON schema fields", "provider_response_error", "response_format",
          "cause.response-format-invalid", depth=3),
    Shape("openrouter metadata.raw as a python dict", OUTLINES_OPENROUTER, "relay-nested",
          "Invalid schema for response_format", None, "response_format", "cause.response-format-invalid",
          depth=3),
    Shape("gemini array", GEMINI_ARRAY, "gemini-array", "Please ensure that the number of function response",
          400, None, "cause.missing-tool-result"),
]  # fmt: skip


@pytest.mark.parametrize("case", SHAPES, ids=lambda c: c.name)
def test_shape_message_code_param_and_cause(case: Shape) -> None:
    error = parse_error(case.body, status=None)
    root = error.root()
    found = recognise_error(error)
    assert (
        error.shape,
        (error.effective_message or "")[: len(case.message_start)],
        error.code,
        root.param,
        len(error.chain()),
        found.cause_id if found else None,
    ) == (case.shape, case.message_start, case.code, case.param, case.depth, case.cause)


def test_minimax_success_envelope_is_not_an_error() -> None:
    # A MiniMax success body also has base_resp, with status_code 0 (its docs' text-chat example).
    error = parse_error('{"base_resp":{"status_code":0,"status_msg":""}}', status=200)
    assert (error.shape, error.message, error.code) == ("unknown", None, None)


def test_event_stream_without_an_error_event_stays_text() -> None:
    body = 'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n'
    error = parse_error(body, status=400)
    assert (error.shape, error.upstream) == ("text", None)


def test_a_huge_stream_is_scanned_within_its_bound() -> None:
    body = (
        'data: {"choices":[{"delta":{"content":"x"}}]}\n\n' * 10_000
        + 'data: {"error":{"message":"late"}}\n\n'
    )
    error = parse_error(body, status=None)  # past MAX_SSE_EVENTS: not searched further, never a crash
    assert error.shape == "text"
