"""Checks are dispatched by endpoint kind: a Responses body is never judged by the chat rules
(``messages.missing`` ...), a chat body never by the Responses rules, and a body sent to the
wrong endpoint gets the finding that endpoint's validator would answer with."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from toolguard_core.addon import DEFAULT_PATHS
from toolguard_core.analyze import analyse_request, check_name
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import Target, endpoint_kind
from toolguard_core.rules import responses, sequence
from toolguard_core.rules.registry import CHECKS, CHECKS_BY_ENDPOINT, check

CHAT_URL = "https://api.openai.com/v1/chat/completions"
RESPONSES_URL = "https://api.openai.com/v1/responses"

USER = {"role": "user", "content": "What is 3 * 12?"}
# The LangChain seed's lone tool message (INVALID_TOOL_RESULTS), as a chat body.
CHAT_ORPHAN = {
    "model": "gpt-4o",
    "messages": [USER, {"role": "tool", "tool_call_id": "call_1", "content": "36"}],
}
CHAT_VALID = {"model": "gpt-4o", "messages": [USER]}
# continuedev/continue#10092's situation, as a Responses body: an output whose call is missing.
RESPONSES_ORPHAN = {
    "model": "gpt-5",
    "input": [
        USER,
        {"type": "function_call_output", "call_id": "call_uelfkqtHfJDC4Btqeoozq82e", "output": "36"},
    ],
}
RESPONSES_VALID = {
    "model": "gpt-5",
    "input": [
        USER,
        {"type": "function_call", "call_id": "call_1", "name": "multiply", "arguments": '{"a":3,"b":12}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "36"},
    ],
    "tools": [{"type": "function", "name": "multiply", "parameters": {"type": "object", "properties": {}}}],
}


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/v1/responses", "responses"),
        ("/v1/responses/", "responses"),
        ("/openai/v1/responses", "responses"),  # Azure's v1 path
        ("/api/v1/responses", "responses"),  # OpenRouter
        ("/v1/chat/completions", "chat"),
        ("/chat/completions/", "chat"),
        ("/compatible-mode/v1/chat/completions", "chat"),
        ("/v1/responses/resp_123/input_items", "chat"),  # not a create call; chat is the default
        ("/v1/myresponses", "chat"),
        ("/", "chat"),
        ("/v1beta/models/gemini-2.5-flash:generateContent", "gemini"),
        ("/v1beta/models/gemini-2.5-flash:streamGenerateContent", "gemini"),
        (
            "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent",
            "gemini",
        ),
        ("/v1internal:streamGenerateContent", "gemini"),  # Code Assist (gemini-cli's OAuth backend)
        ("/v1beta/models/gemini-2.5-flash:countTokens", "chat"),  # another method: not validated as gemini
        ("/v1beta/models/gemini-2.5-flash:generateContentX", "chat"),
    ],
)
def test_endpoint_kind_from_path(path: str, kind: str) -> None:
    assert endpoint_kind(path) == kind
    assert Target.from_url(f"https://api.openai.com{path}?api-version=1", DEFAULT_REGISTRY).endpoint == kind


def rules(body: dict[str, Any], url: str) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps(body).encode(), url)
    assert not analysis.internal_errors, analysis.internal_errors
    return [(f.rule, str(f.severity), f.location) for f in analysis.findings]


@pytest.mark.parametrize(
    ("body", "url", "expected"),
    [
        # Before the dispatch a valid Responses body got messages.missing (an error) from the chat rules.
        pytest.param(RESPONSES_VALID, RESPONSES_URL, [], id="responses-valid"),
        pytest.param(
            RESPONSES_ORPHAN,
            RESPONSES_URL,
            [("responses.orphan-function-call-output", "error", "input[1].call_id")],
            id="responses-orphan",
        ),
        pytest.param(CHAT_VALID, CHAT_URL, [], id="chat-valid"),
        pytest.param(
            CHAT_ORPHAN,
            CHAT_URL,
            [("sequence.orphan-tool-message", "error", "messages[1]")],
            id="chat-orphan",
        ),
        # A chat body sent to /responses: the Responses validator's answer, not the chat sequence rules.
        pytest.param(
            CHAT_ORPHAN, RESPONSES_URL, [("responses.chat-body", "error", "messages")], id="chat-to-responses"
        ),
        # A Responses body sent to /chat/completions: OpenAI answers "Missing required parameter: 'messages'.",
        # and `input` is not a chat parameter.
        pytest.param(
            RESPONSES_ORPHAN,
            CHAT_URL,
            [("messages.missing", "error", "messages"), ("params.unknown", "error", "input")],
            id="responses-to-chat",
        ),
    ],
)
def test_each_body_gets_only_its_endpoints_rules(
    body: dict[str, Any], url: str, expected: list[tuple[str, str, str]]
) -> None:
    assert rules(body, url) == expected


def test_body_level_parsing_is_shared() -> None:
    analysis = analyse_request(b'{"model": "gpt-5", "input": [', RESPONSES_URL)
    assert [f.rule for f in analysis.findings] == ["body.not-json"]
    assert analysis.target.endpoint == "responses"


def test_registry_keeps_each_endpoint_kinds_checks_apart() -> None:
    chat, resp = CHECKS_BY_ENDPOINT["chat"], CHECKS_BY_ENDPOINT["responses"]
    messages = CHECKS_BY_ENDPOINT["messages"]
    assert sequence.check_tool_sequence in chat and sequence.check_tool_sequence not in resp
    assert responses.check_function_call_pairing in resp and responses.check_function_call_pairing not in chat
    # Besides the Responses rules, only checks of endpoint-agnostic fields (the model id), the
    # model's own per-endpoint check (sampling on reasoning models, output limits) and the strict
    # subset of flat function tools (tools.strict-*, defined once in rules/tools.py) run there, the
    # strict subset of `text.format` (response_format.strict-schema, defined once in
    # rules/response_format.py), the schema check (rules/spec.py), which reads the endpoint kind's
    # own request schema, and an input_file's inline bytes (content.invalid-file-data, rules/content.py).
    assert {fn.__module__ for fn in resp} == {
        "toolguard_core.rules.responses",
        "toolguard_core.rules.model_id",
        "toolguard_core.rules.model",
        "toolguard_core.rules.tools",
        "toolguard_core.rules.response_format",
        "toolguard_core.rules.spec",
        "toolguard_core.rules.content",
    }
    # The Messages API: Anthropic's own rules, the model's, an empty `messages` (messages.empty,
    # defined once in rules/messages.py), and the one model-id check that reads nothing but the id
    # (model_id.context-suffix: Claude Code's `[1m]` leaks into Messages and Bedrock requests alike).
    assert {fn.__module__ for fn in messages} == {
        "toolguard_core.rules.anthropic",
        "toolguard_core.rules.model",
        "toolguard_core.rules.messages",
        "toolguard_core.rules.model_id",
    }
    from toolguard_core.rules import model_id

    shared_by_every_api = {model_id.check_context_selector}
    # The model checks are one per endpoint kind, each reading that kind's own fields.
    from toolguard_core.rules import model

    assert model.check_model in chat and model.check_model_responses in resp
    assert model.check_model_messages in messages
    assert set(messages) & (set(chat) | set(resp)) == shared_by_every_api
    # Gemini's native API (:generateContent) has its own body shape and its own checks, plus the model
    # catalog's reading of that shape (models9: system instruction and function declarations).
    gemini = CHECKS_BY_ENDPOINT["gemini"]
    assert {fn.__module__ for fn in gemini} == {"toolguard_core.rules.gemini", "toolguard_core.rules.model"}
    assert model.check_model_gemini in gemini
    assert not set(gemini) & (set(chat) | set(resp) | set(messages))
    # Bedrock's Converse and Ollama's /api/chat likewise (nineteenth pass): their own modules' checks only.
    converse, ollama = CHECKS_BY_ENDPOINT["converse"], CHECKS_BY_ENDPOINT["ollama"]
    assert {fn.__module__ for fn in converse} == {
        "toolguard_core.rules.converse",
        "toolguard_core.rules.model_id",
    }
    assert {fn.__module__ for fn in ollama} == {"toolguard_core.rules.ollama"}
    assert (set(converse) | set(ollama)) & (
        set(chat) | set(resp) | set(messages) | set(gemini)
    ) == shared_by_every_api
    assert set(CHECKS) == set(chat) | set(resp) | set(messages) | set(gemini) | set(converse) | set(ollama)
    # Registration order is the run order, per kind as in CHECKS.
    assert chat == [fn for fn in CHECKS if fn in chat]


def test_check_rejects_an_unknown_endpoint_kind() -> None:
    before = list(CHECKS)
    with pytest.raises(ValueError, match="unknown endpoint kinds"):
        check(endpoints=("completions",))  # type: ignore[arg-type]
    assert before == CHECKS


@pytest.mark.parametrize(
    ("path", "in_scope"),
    [
        ("/v1/chat/completions", True),
        ("/v1/responses", True),
        ("/openai/v1/responses/", True),
        ("/v1/responses/resp_123/cancel", False),
        ("/v1/embeddings", False),
        ("/v1/messages", True),
        ("/anthropic/v1/messages", True),
        ("/v1/messages/count_tokens", False),
        ("/v1/messages/batches", False),
    ],
)
def test_default_scope_includes_responses_and_messages(path: str, in_scope: bool) -> None:
    assert any(re.search(pattern, path) for pattern in DEFAULT_PATHS) is in_scope


def test_every_check_has_a_distinct_name_in_internal_error_logs() -> None:
    # Issue #15: two checks were both logged as `check_tools`; the module names which one failed.
    names = [check_name(c) for c in CHECKS]
    assert len(set(names)) == len(names)
    assert "toolguard_core.rules.tools.check_tools" in names
    assert "toolguard_core.rules.responses.check_tools" in names
