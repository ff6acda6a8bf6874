"""Root causes named by the upstream's error text (toolguard_core.causes, issue #10.1).

Table-driven over real provider bodies; each row cites the thread it is quoted from. A row asserts
the whole recognition: cause, rule, every extracted value and the constraint.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from toolguard_core.causes import (
    CAUSES,
    CAUSES_BY_ID,
    EXTENSIONS,
    GENERATION_PARAMS,
    PARAM_CAUSES,
    UNCATALOGUED,
    VOCABULARY,
    Constraint,
    _prepare,
    _render,
    recognise,
    recognise_error,
)
from toolguard_core.providers import OPENAI_PARAMS
from toolguard_core.rules import RULES
from toolguard_core.upstream_errors import UpstreamError, parse_error

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    body: str
    cause: str
    rule: str | None
    values: dict[str, str] = field(default_factory=dict)
    constraint: Constraint | None = None
    status: int = 400
    provider: str | None = None


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


CASES = [
    Case(
        name="openai-max-tokens-on-reasoning-model",
        # Body fields as documented in providers.md §5.1 (code unsupported_parameter, param max_tokens).
        source="https://github.com/griptape-ai/ComfyUI-Griptape/issues/312",
        body=_json(
            {
                "error": {
                    "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                    "Use 'max_completion_tokens' instead.",
                    "type": "invalid_request_error",
                    "param": "max_tokens",
                    "code": "unsupported_parameter",
                }
            }
        ),
        cause="cause.max-tokens-not-supported",
        rule="params.max-tokens-on-reasoning-model",
        constraint=Constraint("param", "max_tokens"),
    ),
    Case(
        name="kimi-reasoning-effort-none",
        source="https://github.com/Kilo-Org/cloud/pull/3807",
        body=(
            "Unsupported value: 'reasoning_effort' does not support 'none' with this model. Supported values "
            "are: 'minimal', 'low', 'medium', and 'high'."
        ),
        cause="cause.reasoning-effort-unsupported",
        rule="params.reasoning-effort-value",
        values={"value": "none"},
        constraint=Constraint("value", "reasoning_effort", "none"),
    ),
    Case(
        name="xai-presence-penalty-camel-case",
        source="https://github.com/lobehub/lobehub/issues/7370",
        body=_json({"error": "Argument not supported on this model: presencePenalty"}),
        cause="cause.sampling-on-reasoning-model",
        rule="params.unsupported-for-model",
        values={"param": "presence_penalty"},
        constraint=Constraint("param", "presence_penalty"),
    ),
    Case(
        name="fireworks-extra-inputs-stream-options",
        source="https://github.com/FlowiseAI/Flowise/issues/2866",
        body="Extra inputs are not permitted, field: 'stream_options'",
        cause="cause.extra-request-field",
        rule="params.unknown",
        values={"path": "stream_options", "field": "stream_options"},
        constraint=Constraint("field", "stream_options"),
    ),
    Case(
        name="vllm-extra-forbidden-python-literal-in-sdk-error",
        source="https://github.com/modelscope/ms-agent/issues/489",
        body=(
            "openai.BadRequestError: Error code: 400 - {'object': 'error', 'message': \"[{'type': "
            "'extra_forbidden', 'loc': ('body', 'stream_options'), 'msg': 'Extra inputs are not permitted', "
            "'input': {}}]\", 'type': 'BadRequestError', 'param': None, 'code': 400}"
        ),
        cause="cause.extra-request-field",
        rule="params.unknown",
        values={"path": "stream_options", "field": "stream_options"},
        constraint=Constraint("field", "stream_options"),
    ),
    Case(
        name="mistral-422-detail-list-standard-parameter",
        source="https://github.com/partITech/php-mistral/issues/76",
        body=_json(
            {
                "object": "Error",
                "detail": [
                    {
                        "type": "extra_forbidden",
                        "loc": ["body", "tools"],
                        "msg": "Extra inputs are not permitted",
                        "input": [],
                    }
                ],
                "message": [
                    {
                        "type": "extra_forbidden",
                        "loc": ["body", "tools"],
                        "msg": "Extra inputs are not permitted",
                        "input": [],
                    }
                ],
                "type": "invalid_request_error",
                "code": 3001,
            }
        ),
        status=422,
        # A schema-strictness error (pydantic extra_forbidden) rejects any key outside the server's
        # schema: the key is an extra field here even though `tools` is an OpenAI parameter.
        cause="cause.extra-request-field",
        rule="params.unknown",
        values={"path": "tools", "field": "tools"},
        constraint=Constraint("field", "tools"),
    ),
    Case(
        name="azure-unrecognized-standard-parameter",
        # The server says it does not support a standard OpenAI parameter: the parameter is unsupported.
        source="https://github.com/openinterpreter/openinterpreter/issues/618",
        body="Unrecognized request argument supplied: functions",
        cause="cause.param-unsupported",
        rule="params.unknown",
        values={"field": "functions", "param": "functions"},
        constraint=Constraint("param", "functions"),
    ),
    Case(
        name="vllm-pydantic-message-name",
        source="https://github.com/vllm-project/vllm/issues/12864",
        body=(
            "1 validation error for ChatCompletionRequest messages.0.user.name   Extra inputs are not permitted "
            "[type=extra_forbidden, input_value='bob', input_type=str]     For further information visit "
            "https://errors.pydantic.dev/2"
        ),
        cause="cause.extra-message-field",
        rule="roles.name-unsupported",
        values={"path": "messages.0.user.name", "index": "0", "role": "user", "field": "name"},
        constraint=Constraint("message_field", "name"),
    ),
    Case(
        name="groq-message-property",
        source="https://github.com/SimonSchubert/Kai/issues/265",
        body=_json(
            {
                "error": {
                    "message": "'messages.2' : for 'role:assistant' the following must be satisfied[('messages.2' : "
                    "property 'reasoning_content' is unsupported)]",
                    "type": "invalid_request_error",
                }
            }
        ),
        cause="cause.extra-message-field",
        rule="roles.unknown-message-key",
        values={"index": "2", "role": "assistant", "field": "reasoning_content"},
        constraint=Constraint("message_field", "reasoning_content"),
    ),
    Case(
        name="anthropic-prompt-too-long",
        source="https://github.com/anthropics/claude-code/issues/12186",
        body=_json(
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "message": "prompt is too long: 208310 tokens > 200000 maximum",
                },
                "request_id": "req_011CVQe1dLrGNMJyE1ghG1av",
            }
        ),
        cause="cause.context-length-exceeded",
        rule=None,
        values={"value": "208310", "limit": "200000"},
    ),
    Case(
        name="openrouter-metadata-raw-wraps-anthropic",
        # OpenRouter's documented envelope (providers.md §2) around the Anthropic body above: the
        # provider's own message is the one recognised, not "Provider returned error".
        source="https://github.com/anthropics/claude-code/issues/12186",
        body=_json(
            {
                "error": {
                    "message": "Provider returned error",
                    "code": 400,
                    "metadata": {
                        "raw": _json(
                            {
                                "type": "error",
                                "error": {
                                    "type": "invalid_request_error",
                                    "message": "prompt is too long: 208310 tokens > 200000 maximum",
                                },
                            }
                        ),
                        "provider_name": "Anthropic",
                    },
                }
            }
        ),
        cause="cause.context-length-exceeded",
        rule=None,
        values={"value": "208310", "limit": "200000"},
    ),
    Case(
        name="openai-context-length-with-code",
        source="https://github.com/ChatGPTNextWeb/NextChat/issues/3195",
        body=_json(
            {
                "error": {
                    "message": "This model's maximum context length is 8192 tokens. However, you requested 8256 tokens "
                    "(64 in the messages, 8192 in the completion). Please reduce the length of the messages or "
                    "completion.",
                    "type": "invalid_request_error",
                    "param": "messages",
                    "code": "context_length_exceeded",
                }
            }
        ),
        cause="cause.context-length-exceeded",
        rule=None,
        values={"limit": "8192", "value": "8256"},
    ),
    Case(
        name="openai-max-tokens-too-large",
        source="https://github.com/ChatGPTNextWeb/NextChat/issues/3195",
        body=_json(
            {
                "error": {
                    "message": "max_tokens is too large: 8192. This model supports at most 4096 completion tokens, "
                    "whereas you provided 8192.",
                    "type": "invalid_request_error",
                    "param": "max_tokens",
                    "code": None,
                }
            }
        ),
        cause="cause.max-tokens-too-large",
        rule=None,
        values={"value": "8192", "limit": "4096"},
        constraint=Constraint("value", "max_tokens", "8192"),
    ),
    Case(
        name="ollama-model-without-tools",
        source="https://github.com/louisho5/picobot/issues/6",
        body=_json(
            {
                "error": {
                    "message": "registry.ollama.ai/library/gemma3:4b does not support tools",
                    "type": "api_error",
                    "param": None,
                    "code": None,
                }
            }
        ),
        cause="cause.model-no-tools",
        rule=None,
        values={"model": "registry.ollama.ai/library/gemma3:4b"},
        constraint=Constraint("param", "tools"),
    ),
    Case(
        name="gemini-array-thought-signature",
        source="https://github.com/niki914/zafiro/issues/100",
        body=(
            '[{\n  "error": {\n    "code": 400,\n    "message": "Function call is missing a thought_signature in '
            "functionCall parts. This is required for tools to work correctly, and missing thought_signature may "
            "lead to degraded model performance. Additional data, function call default_api:terminal , position 2. "
            'Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",\n    '
            '"status": "INVALID_ARGUMENT"\n  }\n}\n]'
        ),
        cause="cause.thought-signature-missing",
        rule=None,
        values={"name": "default_api:terminal", "index": "2"},
    ),
    Case(
        name="openai-model-not-found-404",
        source="https://github.com/openai/openai-agents-python/issues/458",
        body=_json(
            {
                "error": {
                    "message": "The model `computer-use-preview-2025-03-11` does not exist or you do not have access to it.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "model_not_found",
                }
            }
        ),
        status=404,
        cause="cause.model-not-found",
        rule=None,
        values={"model": "computer-use-preview-2025-03-11"},
    ),
    Case(
        name="anthropic-overloaded-529",
        source="https://github.com/anthropics/claude-code/issues/3572",
        body='{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
        status=529,
        cause="cause.overloaded",
        rule=None,
    ),
    Case(
        name="anthropic-thinking-block-via-vertex",
        source="https://github.com/Kilo-Org/kilocode/issues/5219",
        body=_json(
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "message": "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
                    "`tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking "
                    "block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you "
                    "include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. "
                    "Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking",
                },
                "request_id": "req_vrtx_011CXHqiZPJzdrvgn43AHAoA",
            }
        ),
        cause="cause.thinking-block-missing",
        rule=None,
        values={"value": "tool_use"},
    ),
    Case(
        name="openai-insufficient-quota-429",
        source="https://github.com/ChatGPTNextWeb/NextChat/issues/3123",
        body=_json(
            {
                "error": {
                    "message": "You exceeded your current quota, please check your plan and billing details.",
                    "type": "insufficient_quota",
                    "param": None,
                    "code": "insufficient_quota",
                }
            }
        ),
        status=429,
        cause="cause.quota",
        rule=None,
    ),
    Case(
        name="vllm-auto-tool-choice-flat-object",
        source="https://github.com/langchain4j/langchain4j/issues/3475",
        body=(
            '{"object":"error","message":"\\"auto\\" tool choice requires --enable-auto-tool-choice and '
            '--tool-call-parser to be set","type":"BadRequestError","param":null,"code":400}'
        ),
        cause="cause.tool-choice-unsupported",
        rule=None,
        values={"value": "auto"},
        constraint=Constraint("tool_choice", "tool_choice", "auto"),
    ),
    Case(
        name="openai-o1-mini-system-role",
        source="https://github.com/microsoft/agent-framework/issues/1077",
        body="Unsupported value: 'messages[0].role' does not support 'system' with this model.",
        cause="cause.model-no-system-role",
        rule="roles.system-unsupported",
        values={"index": "0", "role": "system"},
        constraint=Constraint("role", "system"),
    ),
    Case(
        name="responses-orphan-function-call-output",
        source="https://github.com/continuedev/continue/issues/10092",
        body=_json(
            {
                "error": {
                    "message": "No tool call found for function call output with call_id call_uelfkqtHfJDC4Btqeoozq82e.",
                    "type": "invalid_request_error",
                    "param": "input",
                    "code": None,
                }
            }
        ),
        cause="cause.orphan-tool-result",
        rule="responses.orphan-function-call-output",
        values={"tool_call_id": "call_uelfkqtHfJDC4Btqeoozq82e"},
    ),
    Case(
        name="anthropic-empty-text-block",
        source="https://github.com/anthropics/claude-code/issues/53473",
        body=_json(
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "message": "messages: text content blocks must be non-empty",
                },
                "request_id": "req_011CaS5ppDmw1XMSPZrr1DPU",
            }
        ),
        cause="cause.empty-content",
        rule=None,
    ),
    Case(
        name="openai-doubled-path-404",
        source="https://github.com/harry0703/MoneyPrinterTurbo/issues/57",
        body=_json(
            {
                "error": {
                    "message": "Invalid URL (POST /v1/chat/completions/chat/completions)",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": None,
                }
            }
        ),
        status=404,
        cause="cause.wrong-endpoint",
        rule="endpoint.doubled-path",
        values={"method": "POST", "path": "/v1/chat/completions/chat/completions"},
    ),
    Case(
        name="litellm-unsupported-params-wrapped",
        source="https://github.com/BerriAI/litellm/pull/33738",
        body=_json(
            {
                "error": {
                    "message": "litellm.UnsupportedParamsError: gpt-5-nano doesn't support temperature=0.1 while "
                    "reasoning is active. Only temperature=1 is supported unless reasoning_effort resolves to 'none', "
                    "either set explicitly on the request or declared as the model's default_reasoning_effort. To "
                    "drop unsupported params set `litellm.drop_params = True`. Received Model Group=gpt-5-nano-env\n"
                    "Available Model Group Fallbacks=None",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "400",
                }
            }
        ),
        cause="cause.sampling-on-reasoning-model",
        rule="params.temperature-on-reasoning-model",
        values={"model": "gpt-5-nano", "param": "temperature", "value": "0.1"},
        constraint=Constraint("value", "temperature", "0.1"),
    ),
    Case(
        name="dashscope-thinking-non-stream",
        source="https://github.com/infiniflow/ragflow/issues/8972",
        body=_json(
            {
                "error": {
                    "code": "invalid_parameter_error",
                    "param": None,
                    "message": "parameter.enable_thinking must be set to false for non-streaming calls",
                    "type": "invalid_request_error",
                },
                "id": "chatcmpl-x",
                "request_id": "x",
            }
        ),
        cause="cause.param-value-unsupported",
        rule="quirks.qwen-thinking-non-stream",
        constraint=Constraint("value", "enable_thinking", "true"),
    ),
    Case(
        name="bedrock-role-alternation-through-litellm",
        source="https://github.com/langchain-ai/langchain-aws/issues/130",
        body=(
            "ValidationException: An error occurred (ValidationException) when calling the Converse operation: A "
            "conversation must alternate between user and assistant roles. Make sure the conversation alternates "
            "between user and assistant roles and try again."
        ),
        cause="cause.role-order",
        rule="roles.alternation",
        constraint=Constraint("role", "alternation"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_real_bodies_give_cause_rule_values_and_constraint(case: Case) -> None:
    found = recognise_error(parse_error(case.body, status=case.status), provider=case.provider)
    assert found is not None, case.source
    assert (found.cause_id, found.rule_id, dict(found.values), found.constraint) == (
        case.cause,
        case.rule,
        case.values,
        case.constraint,
    ), case.source


def test_catalogue_entries_are_complete_and_sourced() -> None:
    ids = [cause.id for cause in CAUSES]
    assert len(ids) == len(set(ids))
    assert set(ids) <= set(VOCABULARY) | set(EXTENSIONS)
    # Every vocabulary id is catalogued, except the ones no real wording was found for.
    assert set(VOCABULARY) - set(ids) == set(UNCATALOGUED)
    assert not set(EXTENSIONS) & set(VOCABULARY)
    for cause in CAUSES:
        assert cause.title and cause.fix and cause.wordings, cause.id
        rules = (
            {cause.rule_id}
            | {w.rule_id for w in cause.wordings}
            | {r for w in cause.wordings for r in w.shared_by}
        )
        assert rules - {None} <= set(RULES), (cause.id, rules - set(RULES))
        for wording in cause.wordings:
            assert wording.source.startswith("https://"), (cause.id, wording.source)
            assert wording.example and wording.provider, cause.id
            if wording.on == "code":  # codes/types are matched whole, literally
                assert wording.pattern.pattern == re.escape(wording.example), wording.example


@pytest.mark.parametrize(
    "wording",
    [w for c in CAUSES for w in c.wordings],
    ids=lambda w: f"{w.provider}:{w.example[:40]}",
)
def test_every_wording_matches_the_real_text_it_was_written_from(wording) -> None:  # type: ignore[no-untyped-def]
    if wording.on == "code":
        assert wording.pattern.fullmatch(wording.example)
    else:
        assert wording.pattern.search(_prepare(wording.example)), wording.source
        assert recognise(wording.example) is not None  # an earlier, more specific cause may claim it


def test_refinement_tables_name_catalogued_causes_and_real_parameters() -> None:
    assert set(PARAM_CAUSES.values()) <= set(CAUSES_BY_ID)
    assert set(PARAM_CAUSES) <= OPENAI_PARAMS
    assert GENERATION_PARAMS < OPENAI_PARAMS and {"store", "stream_options", "metadata"}.isdisjoint(
        GENERATION_PARAMS
    )


def _legacy() -> list[tuple[dict, str]]:
    labels = json.loads((DATA / "legacy_cause_labels.json").read_text())["labels"]
    entries = json.loads((DATA / "error_corpus.json").read_text())["entries"]
    return [(entry, labels.get(entry["label"], entry["label"])) for entry in entries]


@pytest.mark.parametrize("entry,label", _legacy(), ids=lambda v: v["id"] if isinstance(v, dict) else "")
def test_legacy_corpus_entry_is_recognised_with_its_label(entry: dict, label: str) -> None:
    # The legacy corpus is development data: every entry must name its labelled cause or rule.
    found = recognise_error(parse_error(entry.get("body") or entry["message"], status=400))
    assert found is not None and found.matches(label), (entry["id"], found and found.labels)


def test_one_openai_sentence_two_causes_the_flows_finding_picks_the_rule() -> None:
    # OpenAI answers an orphan tool message and a duplicate tool answer with the same sentence. The
    # text says "a tool message without a preceding call"; which rule it was is the request's business.
    orphan = "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"
    alone = recognise(orphan)
    duplicate = recognise(orphan, finding_rules=["sequence.duplicate-tool-response"])
    unrelated = recognise(orphan, finding_rules=["shape.invalid-tool-arguments"])
    assert alone is not None and duplicate is not None and unrelated is not None
    assert (alone.cause_id, alone.rule_id) == ("cause.orphan-tool-result", "sequence.orphan-tool-message")
    assert (duplicate.cause_id, duplicate.rule_id) == (
        "cause.orphan-tool-result",
        "sequence.duplicate-tool-response",
    )
    assert unrelated.rule_id == "sequence.orphan-tool-message"
    # Both labels of one recognition match a corpus label: the cause id and the rule id.
    assert duplicate.matches("cause.orphan-tool-result") and duplicate.matches(
        "sequence.duplicate-tool-response"
    )
    assert not duplicate.matches("sequence.orphan-tool-message")


def test_fix_names_what_the_text_named_and_reads_without_placeholders() -> None:
    named = recognise("max_tokens is too large: 8192. This model supports at most 4096 completion tokens")
    unnamed = recognise(
        "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"
    )
    assert named is not None and unnamed is not None
    assert named.fix == "Lower max_tokens / max_completion_tokens from 8192 to at most 4096."
    # No id in the text: the optional "(tool_call_id ...)" segment is dropped, not filled with a stub.
    assert unnamed.fix.startswith("Send each tool message right after the assistant message")


@pytest.mark.parametrize("cause", CAUSES, ids=lambda c: c.id)
def test_every_fix_renders_with_and_without_the_values_its_wordings_extract(cause) -> None:  # type: ignore[no-untyped-def]
    groups = {name for w in cause.wordings for name in w.pattern.groupindex}
    bare = _render(cause.fix, {})
    full = _render(cause.fix, dict.fromkeys(groups | {"param", "field", "index"}, "VALUE"))
    for text in (bare, full):
        assert "[[" not in text and "]]" not in text
        assert not re.search(r"\{[a-z_]+\}", text), text  # no placeholder left unfilled


def test_code_is_used_when_no_message_is_recognised() -> None:
    # A gateway that keeps OpenAI's code but rewrites the message.
    error = UpstreamError(message="upstream said no", code="context_length_exceeded", shape="openai")
    found = recognise_error(error)
    assert found is not None and found.cause_id == "cause.context-length-exceeded"


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "{",
        "x" * 200_000,
        "\x00\ud800 broken",
        "Unsupported parameter: '' is not supported with this model",
    ],
)
def test_bad_input_is_a_clean_none_or_a_recognition_never_a_crash(text: str | None) -> None:
    found = recognise(text)
    assert found is None or found.cause_id in CAUSES_BY_ID
    assert recognise_error(None) is None
    parsed = recognise_error(parse_error(text, status=400))
    assert parsed is None or parsed.cause_id in CAUSES_BY_ID


def test_unknown_text_is_not_recognised() -> None:
    assert recognise("Request contains an invalid argument.") is None  # Gemini's bare INVALID_ARGUMENT
    assert recognise_error(parse_error("", status=400)) is None


@pytest.mark.parametrize("unit", ["x", "a:", "1.", "'x' ", "messages.0.", "a/", "Invalid 'a", "body -> x "])
def test_long_adversarial_messages_are_matched_in_linear_time(unit: str) -> None:
    # Every pattern is searched on every rejected flow's message: no pattern may backtrack
    # quadratically on a long run of characters it could start a match with (a 2 s regression seen
    # while developing, from unbounded leading `[\w.:/-]+` groups).
    text = unit * (20_000 // len(unit))
    started = time.perf_counter()
    recognise(text)
    assert time.perf_counter() - started < 1.0


def test_summary_is_json_ready_and_complete() -> None:
    found = recognise_error(
        parse_error(
            '{"error":{"message":"max_tokens is too large: 8192. This model supports at most 4096 completion '
            'tokens, whereas you provided 8192.","type":"invalid_request_error","param":"max_tokens","code":null}}',
            status=400,
        )
    )
    assert found is not None
    assert json.loads(json.dumps(found.summary())) == {
        "cause": "cause.max-tokens-too-large",
        "rule": None,
        "title": CAUSES_BY_ID["cause.max-tokens-too-large"].title,
        "fix": "Lower max_tokens / max_completion_tokens from 8192 to at most 4096.",
        "values": {"value": "8192", "limit": "4096"},
        "constraint": {"kind": "value", "name": "max_tokens", "value": "8192"},
        "transient": False,
        "provider": "openai",
        "source": "https://github.com/ChatGPTNextWeb/NextChat/issues/3195",
    }
