"""Issue #10, precision pass 2: causes a user can trust, fixed by mechanism (docs/errors.md
"Generalisation", precision pass 2).

* a body over the API's byte limit (HTTP 413, Anthropic's ``request_too_large``) is its own cause,
  not the context window: the fixes differ (send attachments by URL vs shorten the conversation);
* ``tool_choice`` sent without tools is ``cause.tool-choice-without-tools`` (rule
  ``tool_choice.without-tools``), not a tool_choice form the server refuses;
* Gemini's free tier used up (a ``free_tier`` quota metric, "doesn't have a free quota tier") is a
  quota (billing or the daily reset), not a rate limit that backoff gets past;
* a status whose text also states the status's own cause (a 429 saying "tokens per min") keeps its
  guess although the text says "must be" or "billing"; bare "错误" (a relay's label for any error)
  no longer counts as a word refusing a key in the request-aware tier;
* every fix speaks the API the request spoke (``causes.API_TERMS``: tool message / tool_result
  block / function_call_output item);
* a generic refusal of ``reasoning_effort`` or ``tool_choice`` (the key or a value) names that
  parameter's own cause (``causes.OWN_CAUSE_PARAMS``); a 404 echoing a path that repeats its suffix
  names the doubled-path rule (test_causes_precision.py, dev b-0072's thread).

Real texts from public threads (none a probe row's thread, except where a row says it is the
negative of one), each row asserting the whole recognition or that nothing is named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from support.recognition import named

from toolguard_core.causes import (
    _VALUE_REJECTED,
    api_kind,
    recognise_error,
    status_contradicted,
)
from toolguard_core.upstream_errors import parse_error


@dataclass(frozen=True)
class Row:
    source: str
    provider: str | None
    status: int | None
    body: str
    #: (cause, rule, wording provider, values), or None when nothing may be named.
    expected: tuple[str, str | None, str, dict[str, str]] | None


_GEMINI_FREE_TIER = (
    "You exceeded your current quota, please check your plan and billing details. For more information on "
    "this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, "
    "head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: "
    "generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: "
    "gemini-2.5-pro\n* Quota exceeded for metric: "
    "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count, limit: 0, model: "
    "gemini-2.5-pro\nPlease retry in 38.863719904s."
)

ROWS = [
    # -- 1. the byte limit is not the context window.
    Row(
        "https://docs.anthropic.com/en/api/errors",
        "anthropic",
        413,
        '{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed '
        'number of bytes."},"request_id":"req_011CVt"}',
        ("cause.request-too-large", None, "anthropic", {}),
    ),
    # a front proxy's own 413 page names the status's reason phrase (the same page as probe-g031's,
    # relabelled to this cause: its notes say client_max_body_size)
    Row(
        "https://www.rfc-editor.org/rfc/rfc9110#name-413-content-too-large",
        "nginx",
        413,
        "<html>\n<head><title>413 Request Entity Too Large</title></head>\n<body>\n<center><h1>413 Request "
        "Entity Too Large</h1></center>\n<hr><center>nginx/1.26.1</center>\n</body>\n</html>",
        ("cause.request-too-large", None, "generic", {}),
    ),
    # negative: Groq's 413 is a tokens-per-minute limit, named so by its own sentence.
    Row(
        "https://github.com/ITSpecialist111/ai_automation_suggester/issues/61",
        "groq",
        413,
        '{"error": {"message": "Request too large for model `llama-3.3-70b-versatile` in organization '
        "`org_01jp8byqwpfx9sp1m0dbhb6a1e` service tier `on_demand` on tokens per minute (TPM): Limit 6000, "
        'Requested 14810, please reduce your message size and try again.", "type": "tokens", "code": '
        '"rate_limit_exceeded"}}',
        ("cause.rate-limit", None, "groq", {"model": "llama-3.3-70b-versatile"}),
    ),
    # negative: a context window in tokens stays the context window.
    Row(
        "https://github.com/vllm-project/vllm/issues/525",
        "vllm",
        400,
        '{"object":"error","message":"Input prompt (2716 tokens) is too long and exceeds limit of 4096"}',
        ("cause.context-length-exceeded", None, "vllm", {}),
    ),
    # -- 3. tool_choice without tools.
    Row(
        "https://github.com/writer/writer-framework/pull/1013",
        None,
        400,
        "Error code: 400 - {'tpe': 'fail.input.generic', 'errors': [{'description': \"Invalid value for "
        "'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.\", 'key': "
        "'fail.input.generic', 'extras': None}], 'extras': None}",
        ("cause.tool-choice-without-tools", "tool_choice.without-tools", "generic", {}),
    ),
    Row(
        "https://github.com/langgenius/dify/issues/12485",
        "vllm",
        400,
        "{\"object\":\"error\",\"message\":\"[{'type': 'value_error', 'loc': ('body',), 'msg': 'Value "
        'error, When using `tool_choice`, `tools` must be set.\'}]","type":"BadRequestError","code":400}',
        ("cause.tool-choice-without-tools", "tool_choice.without-tools", "vllm", {}),
    ),
    # negative: vLLM refusing the "auto" form itself stays an unsupported tool_choice form.
    Row(
        "https://github.com/langchain4j/langchain4j/issues/3475",
        "vllm",
        400,
        '{"object":"error","message":"\\"auto\\" tool choice requires --enable-auto-tool-choice and '
        '--tool-call-parser to be set","type":"BadRequestError","param":null,"code":400}',
        ("cause.tool-choice-unsupported", None, "vllm", {"value": "auto"}),
    ),
    # negative: DashScope refusing "required" in thinking mode is the form, with its rule.
    Row(
        "https://github.com/cloudwego/eino/issues/994",
        "dashscope",
        400,
        "<400> InternalError.Algo.InvalidParameter: The tool_choice parameter does not support being set to "
        "required or object in thinking mode",
        (
            "cause.tool-choice-unsupported",
            "quirks.qwen-thinking-forced-tool-choice",
            "dashscope",
            {"value": "required or object"},
        ),
    ),
    # -- 4. Gemini's free tier used up: a quota, with the metric, limit and model.
    Row(
        "https://github.com/continuedev/continue/issues/10085",
        "gemini",
        429,
        json.dumps({"error": {"code": 429, "message": _GEMINI_FREE_TIER, "status": "RESOURCE_EXHAUSTED"}}),
        (
            "cause.quota",
            None,
            "gemini",
            {
                "metric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                "limit": "0",
                "model": "gemini-2.5-pro",
            },
        ),
    ),
    Row(
        "https://github.com/danny-avila/LibreChat/issues/7283",
        "gemini",
        429,
        "[GoogleGenerativeAI Error]: Error fetching from https://generativelanguage.googleapis.com/v1beta/models/"
        "gemini-2.5-pro-preview-05-06:streamGenerateContent?alt=sse: [429 Too Many Requests] Gemini 2.5 Pro "
        "Preview doesn't have a free quota tier. Please use Gemini 2.5 Pro Experimental "
        "(models/gemini-2.5-pro-exp-03-25) instead.",
        ("cause.quota", None, "gemini", {}),
    ),
    # negative: a per-minute limit on a paid project's metric is a rate limit (retry after the delay).
    Row(
        "https://github.com/GoogleCloudPlatform/generative-ai/issues/382",
        "gemini",
        429,
        json.dumps(
            {
                "error": {
                    "code": 429,
                    "message": "Quota exceeded for quota metric 'Generate Content API requests per minute' and "
                    "limit 'GenerateContent request limit per minute for a region' of service "
                    "'generativelanguage.googleapis.com' for consumer 'project_number:696498078762'.",
                    "status": "RESOURCE_EXHAUSTED",
                }
            }
        ),
        ("cause.rate-limit", None, "google", {}),
    ),
    # negative: Gemini's quota sentence with its rate-limits link and no free-tier metric.
    Row(
        "https://github.com/googleapis/python-genai/issues/1446",
        "gemini",
        429,
        "{'error': {'code': 429, 'message': 'You exceeded your current quota, please check your plan and billing "
        "details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',"
        " 'status': 'RESOURCE_EXHAUSTED'}}",
        ("cause.rate-limit", None, "gemini", {}),
    ),
]


ROWS += [
    # -- a parameter with a cause of its own: a generic refusal of its value names that cause.
    Row(
        "https://github.com/earendil-works/pi/issues/3764",
        "groq",
        400,
        "Error: 400 'reasoning_effort' : value is not one of the allowed values ['none', 'default', 'low', "
        "'medium', 'high']",
        (
            "cause.reasoning-effort-unsupported",
            "params.reasoning-effort-value",
            "groq",
            {"param": "reasoning_effort", "expected": "'none', 'default', 'low', 'medium', 'high'"},
        ),
    ),
    # negative: a refused value whose parameter the text does not name stays a refused value.
    Row(
        "https://github.com/microsoft/vscode/issues/301045",
        "copilot",
        400,
        '{"error":{"message":"Unsupported value: \'xhigh\' is not supported with the \'gpt-5-mini\' model. '
        "Supported values are: 'minimal', 'low', 'medium', and 'high'.\",\"code\":\"invalid_request_body\"}}",
        ("cause.param-value-unsupported", None, "openai", {"value": "xhigh", "model": "gpt-5-mini"}),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.source.rsplit('/', 2)[-2]}-{r.status}")
def test_precision_pass_2_rows(row: Row) -> None:
    assert named(row.body, row.status, row.provider) == row.expected


def test_the_byte_limit_and_the_free_tier_fixes_say_what_helps() -> None:
    """The fixes, not just the ids: the byte limit says max_tokens does not help; the free tier names
    billing and the model, and says backoff does not help."""
    too_large = recognise_error(parse_error(ROWS[0].body, status=413), provider="anthropic", status=413)
    free_tier = recognise_error(parse_error(ROWS[8].body, status=429), provider="gemini", status=429)
    assert too_large is not None and free_tier is not None
    assert (
        "context window" in too_large.title,
        "lowering max_tokens does not help" in too_large.fix,
        free_tier.fix,
    ) == (
        True,
        True,
        "The Google project's free tier has no quota left for this model (gemini-2.5-pro) (limit 0): enable "
        "billing on the project (a paid tier) or use a model the free tier covers; a free-tier daily limit "
        "resets at midnight Pacific time, so retrying with backoff does not help.",
    )


# -- 5. status contradictions: a text that states the status's own cause keeps the guess.
CONTRADICTIONS = [
    # OpenAI's TPM 429 says "must be reduced": still a rate limit.
    (
        "https://github.com/vanna-ai/vanna-flask/issues/11",
        "cause.rate-limit",
        "Request too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 342389. The input or "
        "output tokens must be reduced in order to run successfully.",
        False,
    ),
    # Groq's TPM 413 redacts the organization as "<my api key>"; the text says tokens per minute.
    (
        "https://github.com/ITSpecialist111/ai_automation_suggester/issues/61",
        "cause.rate-limit",
        "Request too large for model `llama-3.3-70b-versatile` in organization `org_01` service tier "
        "`on_demand` on tokens per minute (TPM): Limit 6000, Requested 14810, please reduce your message size",
        False,
    ),
    # negatives: money and a missing key still withdraw the status's guess.
    (
        "https://github.com/Aider-AI/aider/issues/4851",
        "cause.rate-limit",
        "Insufficient Balance",
        True,
    ),
    (
        "https://github.com/QuantumNous/new-api/issues/6773",
        "cause.server-error",
        "field messages is required",
        True,
    ),
    # a status cause the text is consistent with: kept.
    (
        "https://github.com/dinoanderson/qwen_cli_coder/issues/1",
        "cause.auth",
        "Invalid API-key provided.",
        False,
    ),
]


@pytest.mark.parametrize(("source", "cause", "text", "withdrawn"), CONTRADICTIONS)
def test_status_contradiction_needs_the_text_not_to_state_the_status_cause(
    source: str, cause: str, text: str, withdrawn: bool
) -> None:
    assert status_contradicted(cause, text) is withdrawn, source


# "错误" is a relay's label for any error (one-api/new-api); the request-aware tier's value-rejecting
# words keep the words that refuse something.
VALUE_WORDS = [
    # dev a-0108 (a Gemini refusal relayed with the label): no value refused near the label.
    (
        "错误: Please ensure that function call turn comes immediately after a user turn or after a function "
        "response turn. (request id: 20251011110425324645053M6N3S7Zq)",
        False,
    ),
    # Zhipu's "API call parameters are wrong" and "messages parameter illegal": refusals.
    ("API 调用参数有误，请检查文档。", True),
    ("messages 参数非法。请检查文档。", True),
]


@pytest.mark.parametrize(("text", "rejects"), VALUE_WORDS)
def test_a_relays_error_label_is_not_a_word_refusing_a_value(text: str, rejects: bool) -> None:
    assert (_VALUE_REJECTED.search(text) is not None) is rejects


# -- 2. the fix in the words of the API the request spoke (causes.API_TERMS).
_ANTHROPIC_UNANSWERED = {
    # https://github.com/anthropics/claude-code/issues/5060
    "type": "error",
    "error": {
        "type": "invalid_request_error",
        "message": "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: "
        "toolu_01Q8. Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
    },
}
_OPENAI_UNANSWERED = {
    # https://python.langchain.com/docs/troubleshooting/errors/INVALID_TOOL_RESULTS/
    "error": {
        "message": "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        "'tool_call_id'. The following tool_call_ids did not have response messages: call_abc",
        "type": "invalid_request_error",
        "param": "messages",
        "code": None,
    }
}
_CHAT_REQUEST: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
_RESPONSES_REQUEST: dict[str, Any] = {
    "model": "m",
    "input": [{"type": "function_call", "call_id": "call_abc"}],
}

VOCABULARY = [
    # The Messages API's envelope: tool_use / tool_result blocks.
    (
        _ANTHROPIC_UNANSWERED,
        None,
        "messages",
        "Answer every tool_use block (toolu_01Q8, as the upstream's text names it) with a tool_result block "
        "immediately after the assistant "
        "message that made it (first in the next user message), before anything else; send a placeholder "
        "result for a call that was cancelled.",
    ),
    # Chat completions: tool calls and tool messages.
    (
        _OPENAI_UNANSWERED,
        _CHAT_REQUEST,
        "chat",
        # The request (a user message only) carries no call_abc: named as the upstream's (session 21).
        "Answer every tool call (the upstream's text names call_abc; this request does not carry that id) with "
        "a tool message immediately after the assistant message that "
        "made it, before anything else; send a placeholder result for a call that was cancelled.",
    ),
    # The same text on a Responses request: function_call / function_call_output items.
    (
        _OPENAI_UNANSWERED,
        _RESPONSES_REQUEST,
        "responses",
        "Answer every function_call item (call_abc) with a function_call_output item immediately after the "
        "function_call item that made it, before anything else; send a placeholder result for a call that "
        "was cancelled.",
    ),
    # Anthropic's answer relayed by a chat gateway (OpenRouter): the client spoke chat completions.
    (
        {
            "error": {
                "message": "Provider returned error",
                "code": 400,
                "metadata": {"raw": json.dumps(_ANTHROPIC_UNANSWERED), "provider_name": "Anthropic"},
            }
        },
        None,
        "chat",
        "Answer every tool call (toolu_01Q8, as the upstream's text names it) with a tool message immediately "
        "after the assistant message that "
        "made it, before anything else; send a placeholder result for a call that was cancelled.",
    ),
]


@pytest.mark.parametrize(("body", "request_body", "api", "fix"), VOCABULARY)
def test_the_fix_is_worded_for_the_api_the_request_spoke(
    body: dict[str, Any], request_body: dict[str, Any] | None, api: str, fix: str
) -> None:
    error = parse_error(json.dumps(body).encode(), status=400)
    found = recognise_error(error, status=400, request=request_body)
    assert found is not None
    assert (found.cause_id, found.api, api_kind(error, request_body, found.wording), found.fix) == (
        "cause.missing-tool-result",
        api,
        api,
        fix,
    )
    assert found.summary()["fix"] == fix
