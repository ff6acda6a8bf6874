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
    # Second pass (issue #10.1): other providers' wordings of catalogued causes, from public threads that
    # are not corpus threads, so recognition generalises beyond the threads the catalogue was written from.
    Case(
        name="gemini-model-not-found-for-api-version",
        source="https://github.com/wwardaww/gnome-gemini-ai/issues/22",
        body='{"error": {"code": 404, "message": "models/gemini-pro is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.", "status": "NOT_FOUND"}}',
        cause="cause.model-not-found",
        rule=None,
        values={"model": "gemini-pro"},
        status=404,
    ),
    Case(
        name="ollama-model-not-found-try-pulling",
        source="https://github.com/netease-youdao/QAnything/issues/555",
        body='{"error": {"message": "model \\"ollama\\" not found, try pulling it first", "type": "api_error", "param": null, "code": null}}',
        cause="cause.model-not-found",
        rule=None,
        values={"model": "ollama"},
        status=404,
    ),
    Case(
        name="vllm-served-model-name-does-not-exist",
        source="https://github.com/vllm-project/vllm/issues/3485",
        body='{"object": "error", "message": "The model `Qwen1.5-14B-Chat-GPTQ-Int8` does not exist.", "type": "NotFoundError", "param": null, "code": 404}',
        cause="cause.model-not-found",
        rule=None,
        values={"model": "Qwen1.5-14B-Chat-GPTQ-Int8"},
        status=404,
    ),
    Case(
        name="vllm-no-chat-template",
        source="https://github.com/ByteDance-Seed/seed-oss/issues/6",
        body='{"error": {"message": "As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template if the tokenizer does not define one. None", "type": "BadRequestError", "param": null, "code": 400}}',
        cause="cause.chat-template-missing",
        rule=None,
    ),
    Case(
        name="anthropic-input-plus-max-tokens-over-window",
        source="https://github.com/docker/docker-agent/issues/569",
        body='{"type": "error", "error": {"type": "invalid_request_error", "message": "input length and `max_tokens` exceed context limit: 178959 + 64000 > 200000, decrease input length or `max_tokens` and try again"}, "request_id": "req_011CUB2XUHWkFnQzxcKBbjpF"}',
        cause="cause.context-length-exceeded",
        rule=None,
        values={"input_tokens": "178959", "max_tokens": "64000", "limit": "200000"},
    ),
    Case(
        name="xai-maximum-prompt-length",
        source="https://github.com/cline/cline/issues/3120",
        body="This model's maximum prompt length is 131072 but the request contains 136973 tokens.",
        cause="cause.context-length-exceeded",
        rule=None,
        values={"limit": "131072", "value": "136973"},
    ),
    Case(
        name="gemini-multiturn-must-end-with-user",
        source="https://github.com/songquanpeng/one-api/issues/836",
        body='{"error": {"message": "Please ensure that multiturn requests ends with a user role or a function response. (request id: 20231218115733848767070nWkJNglT)", "type": "", "param": "", "code": 400}}',
        cause="cause.last-message-assistant",
        rule="roles.trailing-assistant-messages",
        constraint=Constraint("role", "assistant", "last"),
    ),
    Case(
        name="gemini-multiturn-must-alternate",
        source="https://github.com/NousResearch/hermes-agent/pull/55623",
        body='{"error": {"code": 400, "message": "Please ensure that multiturn requests alternate between user and model", "status": "INVALID_ARGUMENT"}}',
        cause="cause.role-order",
        rule="roles.alternation",
        constraint=Constraint("role", "alternation"),
    ),
    Case(
        name="anthropic-first-message-must-be-user",
        source="https://github.com/lobehub/lobehub/issues/1601",
        body='{"type": "error", "error": {"type": "invalid_request_error", "message": "messages: first message must use the \\"user\\" role"}}',
        cause="cause.role-order",
        rule="anthropic.first-message-not-user",
        constraint=Constraint("role", "alternation"),
    ),
    Case(
        name="gemma-function-calling-not-enabled",
        source="https://github.com/agno-agi/agno/issues/3505",
        body='{"error": {"code": 400, "message": "Function calling is not enabled for models/gemma-3-12b-it", "status": "INVALID_ARGUMENT"}}',
        cause="cause.model-no-tools",
        rule=None,
        values={"model": "gemma-3-12b-it"},
        constraint=Constraint("param", "tools"),
    ),
    Case(
        name="gemma-developer-instruction-not-enabled",
        source="https://github.com/lobehub/lobehub/issues/7128",
        body='{"error": {"code": 400, "message": "Developer instruction is not enabled for models/gemma-3-27b-it", "status": "INVALID_ARGUMENT"}}',
        cause="cause.model-no-system-role",
        rule="roles.system-unsupported",
        values={"model": "gemma-3-27b-it"},
        constraint=Constraint("role", "system"),
    ),
    Case(
        name="openai-image-url-only-certain-models",
        source="https://github.com/browser-use/web-ui/issues/274",
        body='{"error": {"message": "Invalid content type. image_url is only supported by certain models.", "type": "invalid_request_error", "param": "messages.[1].content.[1].type", "code": null}}',
        cause="cause.model-no-vision",
        rule=None,
        constraint=Constraint("content_type", "image_url"),
    ),
    Case(
        name="bedrock-more-tool-results-than-tool-uses",
        source="https://github.com/Just-Curieous/Curie/issues/16",
        body='{"message": "The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of previous turn."}',
        cause="cause.orphan-tool-result",
        rule="sequence.orphan-tool-message",
        values={"index": "2"},
    ),
    Case(
        name="gemini-function-response-count",
        source="https://github.com/google-gemini/gemini-cli/issues/4217",
        body='{"error": {"code": 400, "message": "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.", "status": "INVALID_ARGUMENT"}}',
        cause="cause.missing-tool-result",
        rule="sequence.unanswered-tool-call",
    ),
    Case(
        name="anthropic-credit-balance-too-low",
        source="https://github.com/anthropics/claude-quickstarts/issues/229",
        body='{"type": "error", "error": {"type": "invalid_request_error", "message": "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}',
        cause="cause.quota",
        rule=None,
    ),
    Case(
        name="deepseek-402-insufficient-balance",
        source="https://github.com/Aider-AI/aider/issues/4851",
        body='{"error": {"message": "Insufficient Balance", "type": "unknown_error", "param": null, "code": "invalid_request_error"}}',
        cause="cause.quota",
        rule=None,
        status=402,
    ),
    Case(
        name="gemini-503-model-overloaded",
        source="https://github.com/lobehub/lobehub/issues/9728",
        body='{"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}',
        cause="cause.overloaded",
        rule=None,
        status=503,
    ),
    Case(
        name="gemini-503-high-demand",
        source="https://github.com/continuedev/continue/issues/10639",
        body='{"error": {"code": 503, "message": "This model is currently experiencing high demand. Spikes in demand are usually temporary. Please try again later.", "status": "UNAVAILABLE"}}',
        cause="cause.overloaded",
        rule=None,
        status=503,
    ),
    Case(
        name="gemini-api-key-not-valid",
        source="https://github.com/continuedev/continue/issues/10290",
        body='{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}]}}',
        cause="cause.auth",
        rule=None,
    ),
    Case(
        name="gemini-api-key-not-found",
        source="https://github.com/google-gemini/gemini-cli/issues/25198",
        body='{"error": {"code": 400, "message": "API Key not found. Please pass a valid API key.", "status": "INVALID_ARGUMENT"}}',
        cause="cause.auth",
        rule=None,
    ),
    Case(
        name="gemini-429-resource-exhausted",
        source="https://github.com/continuedev/continue/issues/10560",
        body='{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}',
        cause="cause.rate-limit",
        rule=None,
        status=429,
    ),
    Case(
        name="vertex-429-resource-exhausted",
        source="https://github.com/google-gemini/gemini-cli/issues/14811",
        body='{"error": {"code": 429, "message": "Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.", "status": "RESOURCE_EXHAUSTED"}}',
        cause="cause.rate-limit",
        rule=None,
        status=429,
    ),
    Case(
        name="openrouter-free-models-per-day",
        source="https://github.com/Gitlawb/openclaude/issues/936",
        body='{"error": {"message": "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day", "code": 429}}',
        cause="cause.rate-limit",
        rule=None,
        values={"limit_name": "free-models-per-day"},
        status=429,
    ),
    Case(
        name="groq-request-larger-than-tpm",
        source="https://github.com/ITSpecialist111/ai_automation_suggester/issues/61",
        body='{"error": {"message": "Request too large for model `llama-3.3-70b-versatile` in organization `org_01jp8byqwpfx9sp1m0dbhb6a1e` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Requested 14810, please reduce your message size and try again. Visit https://console.groq.com/docs/rate-limits for more information.", "type": "tokens", "code": "rate_limit_exceeded"}}',
        cause="cause.rate-limit",
        rule=None,
        values={"model": "llama-3.3-70b-versatile"},
        status=413,
    ),
    Case(
        name="anthropic-input-schema-not-draft-2020-12",
        source="https://github.com/home-assistant/core/issues/181282",
        body='{"type": "error", "error": {"type": "invalid_request_error", "message": "tools.41.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12 (https://json-schema.org/draft/2020-12)."}, "request_id": "req_..."}',
        cause="cause.tool-schema-invalid",
        rule="tools.invalid-definition",
        values={"field": "tools.41.custom.input_schema", "index": "41"},
    ),
    Case(
        name="gemini-empty-object-parameters",
        source="https://github.com/agno-agi/agno/issues/2112",
        body='{"error": {"code": 400, "message": "* GenerateContentRequest.tools[0].function_declarations[2].parameters.properties: should be non-empty for OBJECT type\\n", "status": "INVALID_ARGUMENT"}}',
        cause="cause.tool-schema-invalid",
        rule="tools.invalid-definition",
        values={"field": "tools[0].function_declarations[2].parameters.properties", "index": "0"},
    ),
    Case(
        name="groq-max-tokens-for-model-limit",
        source="https://github.com/skapadia3214/groq-moa/issues/8",
        body='{"error": {"message": "max_tokens for `llama-3.1-8b-instant` must be less than or equal to 8000", "type": "invalid_request_error"}}',
        cause="cause.max-tokens-too-large",
        rule=None,
        values={"model": "llama-3.1-8b-instant", "limit": "8000"},
    ),
    Case(
        name="groq-max-tokens-limit-without-model",
        source="https://github.com/anomalyco/opencode/issues/1000",
        body="AI_APICallError: `max_tokens` must be less than or equal to `16384`",
        cause="cause.max-tokens-too-large",
        rule=None,
        values={"limit": "16384"},
    ),
    Case(
        name="vllm-mistral-tool-content-list",
        source="https://github.com/vllm-project/vllm/pull/18729",
        body='{"object": "error", "message": "1 validation error for ChatCompletionRequest\\nmessages.2.tool.content\\n  Input should be a valid string [type=string_type, input_value=[{\'type\': \'text\', \'text\': \'Rainy\'}], input_type=list]\\n    For further information visit https://errors.pydantic.dev/2.11/v/string_type", "type": "BadRequestError", "param": null, "code": 400}',
        cause="cause.content-array-unsupported",
        rule=None,
        values={"index": "2"},
        constraint=Constraint("content_type", "array"),
    ),
    Case(
        name="anthropic-pydantic-v1-extra-fields",
        source="https://github.com/danny-avila/LibreChat/issues/932",
        body='{"error": {"type": "invalid_request_error", "message": "maxOutputTokens: extra fields not permitted"}}',
        cause="cause.extra-request-field",
        rule="params.unknown",
        values={"path": "maxOutputTokens", "field": "maxOutputTokens"},
        constraint=Constraint("field", "maxOutputTokens"),
    ),
    Case(
        name="gemini-type-list-in-function-declaration",
        source="https://github.com/zed-industries/zed/issues/53919",
        body='{"error": {"code": 400, "message": "Invalid JSON payload received. Unknown name \\"type\\" at \'tools[0].function_declarations[14].parameters.properties[3].value.properties[6].value\': Proto field is not repeating, cannot start list.", "status": "INVALID_ARGUMENT"}}',
        cause="cause.tool-schema-invalid",
        rule="tools.invalid-definition",
        values={
            "keyword": "type",
            "field": "tools[0].function_declarations[14].parameters.properties[3].value.properties[6].value",
        },
    ),
    Case(
        name="ollama-one-image-per-message",
        source="https://github.com/ollama/ollama-js/issues/213",
        body='{"error": "vision model only supports a single image per message"}',
        cause="cause.too-many-images",
        rule=None,
    ),
    Case(
        name="azure-max-tokens-not-of-type-integer",
        source="https://github.com/Azure/azure-sdk-for-js/issues/28164",
        body='{"error": {"message": "\'25000\' is not of type \'integer\' - \'max_tokens\'", "type": "invalid_request_error", "param": null, "code": null}}',
        cause="cause.param-type-invalid",
        rule="params.wrong-type",
        values={"value": "25000", "expected": "integer", "param": "max_tokens"},
    ),
    Case(
        name="openai-temperature-not-of-type-number",
        source="https://github.com/promptfoo/promptfoo/pull/29",
        body='{"error": {"message": "\'1\' is not of type \'number\' - \'temperature\'", "type": "invalid_request_error", "param": null, "code": null}}',
        cause="cause.param-type-invalid",
        rule="params.wrong-type",
        values={"value": "1", "expected": "number", "param": "temperature"},
    ),
    Case(
        name="deepseek-serde-invalid-type-temperature",
        source="https://github.com/NotIvny/Yunzai-DeepSeek-JS/issues/2",
        body='Failed to deserialize the JSON body into the target type: temperature: invalid type: string "1.3", expected f32 at line 13 column 22',
        cause="cause.param-type-invalid",
        rule="params.wrong-type",
        values={"param": "temperature", "got": "string", "expected": "f32"},
        status=422,
    ),
    Case(
        name="deepseek-response-format-type-unavailable",
        source="https://github.com/llm-exe/llm-exe/issues/662",
        body='{"error": {"message": "This response_format type is unavailable now", "type": "invalid_request_error", "param": null, "code": "invalid_request_error"}}',
        cause="cause.param-value-unsupported",
        rule=None,
        values={"param": "response_format"},
    ),
    Case(
        name="groq-response-format-type-not-allowed",
        source="https://github.com/dzhng/deep-research/issues/127",
        body="'response_format.type' : value is not one of the allowed values ['text','json_object']",
        cause="cause.param-value-unsupported",
        rule=None,
        values={"param": "response_format.type", "expected": "'text','json_object'"},
    ),
    Case(
        name="xai-response-format-parameter-unsupported",
        source="https://github.com/BerriAI/litellm/issues/6610",
        body='{"code": "Client specified an invalid argument", "error": "The response_format parameter is unsupported at the moment. Leave it unset."}',
        cause="cause.param-unsupported",
        rule="params.unsupported-for-model",
        values={"param": "response_format"},
        constraint=Constraint("param", "response_format"),
    ),
    Case(
        name="mistral-function-calls-and-responses-count",
        source="https://github.com/camel-ai/camel/issues/1467",
        body='{"object": "error", "message": "Not the same number of function calls and responses", "type": "invalid_request_error", "param": null, "code": null}',
        cause="cause.missing-tool-result",
        rule="sequence.unanswered-tool-call",
    ),
    Case(
        name="mistral-assistant-without-content-or-tool-calls",
        source="https://github.com/solbrowse/extension/issues/16",
        body='{"object": "error", "message": "Assistant message must have either content or tool_calls, but not none.", "type": "invalid_request_error", "param": null, "code": null}',
        cause="cause.empty-content",
        rule=None,
    ),
    Case(
        name="anthropic-thinking-blocks-modified",
        source="https://github.com/anthropics/claude-code/issues/63574",
        body='{"type": "error", "error": {"type": "invalid_request_error", "message": "messages.5.content.3: `thinking` or `redacted_thinking` blocks in the latest assistant message cannot be modified. These blocks must remain as they were in the original response."}, "request_id": "req_011CbWZEEL8Qmbt746TzhA2f"}',
        cause="cause.thinking-block-missing",
        rule=None,
        values={"index": "5"},
    ),
    Case(
        name="lmstudio-no-models-loaded",
        source="https://github.com/canopyai/Orpheus-TTS/issues/229",
        body='{"error": {"message": "No models loaded. Please load a model in the developer page or use the `lms load` command.", "type": "invalid_request_error", "param": "model", "code": "model_not_found"}}',
        cause="cause.model-not-found",
        rule=None,
        status=404,
    ),
    Case(
        name="sglang-input-longer-than-context",
        source="https://github.com/QwenLM/Qwen3/issues/1321",
        body='{"object": "error", "message": "The input (61709 tokens) is longer than the model\'s context length (40960 tokens).", "type": "BadRequestError", "param": null, "code": 400}',
        cause="cause.context-length-exceeded",
        rule=None,
        values={"value": "61709", "limit": "40960"},
    ),
    Case(
        name="sglang-input-exceeds-maximum-allowed",
        source="https://github.com/sgl-project/sglang/issues/4048",
        body="Input length (160062 tokens) exceeds the maximum allowed length (59862 tokens).",
        cause="cause.context-length-exceeded",
        rule=None,
        values={"value": "160062", "limit": "59862"},
    ),
    Case(
        name="anthropic-context-management-extra-input",
        source="https://github.com/decolua/9router/issues/1468",
        body='{"type": "error", "error": {"type": "invalid_request_error", "message": "context_management: Extra inputs are not permitted"}}',
        cause="cause.extra-request-field",
        rule="params.unknown",
        values={"path": "context_management", "field": "context_management"},
        constraint=Constraint("field", "context_management"),
    ),
    Case(
        name="zhipu-extra-inputs-field-headers",
        source="https://github.com/mitsuhiko/agent-stuff/issues/19",
        body="Extra inputs are not permitted, field: 'headers'",
        cause="cause.extra-request-field",
        rule="params.unknown",
        values={"path": "headers", "field": "headers"},
        constraint=Constraint("field", "headers"),
    ),
    Case(
        name="gemini-unknown-name-function-response-id",
        source="https://github.com/google-gemini/gemini-cli/issues/13972",
        body='{"error": {"code": 400, "message": "Invalid JSON payload received. Unknown name \\"id\\" at \'contents[7].parts[0].function_response\': Cannot find field.", "status": "INVALID_ARGUMENT"}}',
        cause="cause.extra-message-field",
        rule="roles.unknown-message-key",
        values={"field": "id", "path": "contents[7].parts[0].function_response", "index": "7"},
        constraint=Constraint("message_field", "id"),
    ),
    Case(
        name="llamacpp-unsupported-param-echo",
        source="https://github.com/ggml-org/llama.cpp/issues/12591",
        body='{"code": 500, "message": "Unsupported param: echo", "type": "server_error"}',
        cause="cause.param-unsupported",
        rule="params.unsupported-for-model",
        values={"param": "echo"},
        constraint=Constraint("param", "echo"),
        status=500,
    ),
    Case(
        name="groq-model-does-not-exist-or-no-access",
        source="https://github.com/continuedev/continue/issues/10832",
        body="404 The model `llama3.1-405b` does not exist or you do not have access to it.",
        cause="cause.model-not-found",
        rule=None,
        values={"model": "llama3.1-405b"},
        status=404,
    ),
    Case(
        name="openai-messages-resulted-in-tokens",
        source="https://github.com/smol-ai/developer/issues/7",
        body="This model's maximum context length is 4097 tokens. However, your messages resulted in 7575 tokens. Please reduce the length of the messages.",
        cause="cause.context-length-exceeded",
        rule=None,
        values={"limit": "4097", "value": "7575"},
    ),
    Case(
        name="openrouter-402-requires-more-credits",
        source="https://github.com/Taewan-P/gpt_mobile/issues/284",
        body='{"error": {"message": "This request requires more credits, or fewer max_tokens. You requested up to 16384 tokens, but can only afford 3919. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account", "code": 402, "metadata": {"provider_name": null}}}',
        cause="cause.quota",
        rule=None,
        status=402,
    ),
    Case(
        name="openrouter-402-key-limit-message",
        source="https://github.com/tailcallhq/forgecode/issues/571",
        body="More credits are required to run this request. 128000 token capacity required, 19484 available. To increase, visit https://openrouter.ai/settings/keys and create a key with a higher limit",
        cause="cause.quota",
        rule=None,
        status=402,
    ),
    Case(
        name="dashscope-data-inspection-native",
        source="https://github.com/QwenLM/qwen-code/issues/2905",
        body="400 <400> InternalError.Algo.DataInspectionFailed: Input text data may contain inappropriate content.",
        cause="cause.moderation",
        rule=None,
    ),
    Case(
        name="dashscope-data-inspection-compatible",
        source="https://github.com/camel-ai/owl/issues/432",
        body='{"error": {"code": "data_inspection_failed", "param": null, "message": "Input data may contain inappropriate content.", "type": "data_inspection_failed"}, "id": "chatcmpl-deab386b-2562-9a7b-b8fa-0ba9385a5c28", "request_id": "deab386b-2562-9a7b-b8fa-0ba9385a5c28"}',
        cause="cause.moderation",
        rule=None,
    ),
    Case(
        name="dashscope-invalid-api-key",
        source="https://github.com/dinoanderson/qwen_cli_coder/issues/1",
        body='{"code": "InvalidApiKey", "message": "Invalid API-key provided.", "request_id": "01415ff3-53f4-989d-83c0-3eb61fa1418e"}',
        cause="cause.auth",
        rule=None,
        status=401,
    ),
    Case(
        name="groq-invalid-api-key",
        source="https://github.com/ag5826000/resume-commentor/issues/4",
        body='{"error": {"message": "Invalid API Key", "type": "invalid_request_error", "code": "invalid_api_key"}}',
        cause="cause.auth",
        rule=None,
        status=401,
    ),
    Case(
        name="openrouter-no-auth-credentials",
        source="https://github.com/RooCodeInc/Roo-Code/issues/2445",
        body='{"error": {"message": "No auth credentials found", "code": 401}}',
        cause="cause.auth",
        rule=None,
        status=401,
    ),
    Case(
        name="mimo-gateway-no-endpoints-support-image-input",
        source="https://github.com/JohnnyZ93/oai-compatible-copilot/issues/229",
        body='{"error": {"code": "404", "message": "No endpoints found that support image input", "param": "", "type": ""}}',
        cause="cause.model-no-vision",
        rule=None,
        constraint=Constraint("content_type", "image_url"),
        status=404,
    ),
    Case(
        name="anthropic-system-role-in-messages",
        source="https://github.com/ianarawjo/ChainForge/issues/271",
        body='{"type": "error", "error": {"type": "invalid_request_error", "message": "messages: Unexpected role \\"system\\". The Messages API accepts a top-level `system` parameter, not \\"system\\" as an input message role."}}',
        cause="cause.model-no-system-role",
        rule="anthropic.system-role-in-messages",
        values={"role": "system"},
        constraint=Constraint("role", "system"),
    ),
    Case(
        name="bedrock-input-schema-type-not-object",
        source="https://github.com/aaif-goose/goose/pull/5064",
        body='ValidationException(ValidationException { message: Some("The value at toolConfig.tools.3.toolSpec.inputSchema.json.type must be one of the following: object."), meta: ErrorMetadata { code: Some("ValidationException") } })',
        cause="cause.tool-schema-invalid",
        rule="tools.parameters-not-object",
        values={"field": "toolConfig.tools.3.toolSpec.inputSchema.json.type", "index": "3"},
    ),
    Case(
        name="anthropic-thinking-with-forced-tool-choice",
        source="https://github.com/mastra-ai/mastra/issues/7507",
        body="Error creating stream APICallError [AI_APICallError]: Thinking may not be enabled when tool_choice forces tool use.",
        cause="cause.tool-choice-unsupported",
        rule="anthropic.thinking-with-forced-tool-choice",
    ),
    Case(
        name="gemini-500-internal-error-has-occurred",
        source="https://github.com/PublicAffairs/openai-gemini/issues/15",
        body='{"error": {"code": 500, "message": "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting", "status": "INTERNAL"}}',
        cause="cause.server-error",
        rule=None,
        status=500,
    ),
    Case(
        name="gemini-500-internal-error-encountered",
        source="https://github.com/justlovemaki/AIClient2API/issues/392",
        body="Internal error encountered.",
        cause="cause.server-error",
        rule=None,
        status=500,
    ),
    Case(
        name="anthropic-500-api-error",
        source="https://github.com/anthropics/claude-code/issues/91800",
        body='{"type": "error", "error": {"type": "api_error", "message": "Internal server error"}, "request_id": "req_011CegaXgT3UXCMC4LraDuee"}',
        cause="cause.server-error",
        rule=None,
        status=500,
    ),
    Case(
        name="openai-tool-call-id-not-in-previous-tool-calls",
        source="https://github.com/dapr/dapr-agents/issues/145",
        body="Invalid parameter: 'tool_call_id' of 'call_XXXXXXXXX' not found in 'tool_calls' of previous message.",
        cause="cause.orphan-tool-result",
        rule="sequence.unknown-tool-call-id",
        values={"tool_call_id": "call_XXXXXXXXX"},
    ),
    Case(
        name="openai-tool-must-follow-preceding-tool-calls",
        source="https://github.com/brainlid/langchain/issues/244",
        body='Invalid parameter: messages with role "tool" must follow a preceding message with "tool_calls".',
        cause="cause.orphan-tool-result",
        rule="sequence.orphan-tool-message",
    ),
    Case(
        name="anthropic-whitespace-only-text-block",
        source="https://github.com/anthropics/claude-code/issues/23440",
        body='{"type": "error", "error": {"type": "invalid_request_error", "message": "messages: text content blocks must contain non-whitespace text"}, "request_id": "req_011CXqXVfVqMJd8rzkVKPZDM"}',
        cause="cause.empty-content",
        rule=None,
    ),
    Case(
        name="moonshot-exceeded-model-token-limit",
        source="https://github.com/MoonshotAI/kimi-cli/issues/2011",
        body='{"error": {"message": "Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)", "type": "invalid_request_error"}}',
        cause="cause.context-length-exceeded",
        rule=None,
        values={"limit": "262144", "value": "269030"},
    ),
    Case(
        name="bedrock-tool-spec-name-pattern",
        source="https://github.com/aws-samples/remote-swe-agents/pull/457",
        body="Value 'Complete Session' at 'toolConfig.tools.22.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+",
        cause="cause.tool-name-invalid",
        rule="tools.invalid-name",
        values={"field": "toolConfig.tools.22.member.toolSpec.name", "index": "22"},
    ),
    Case(
        name="bedrock-replayed-tool-use-name-pattern",
        source="https://github.com/openclaw/openclaw/issues/12892",
        body="2 validation errors detected: Value at 'messages.73.member.content.2.member.toolUse.name' failed to satisfy constraint: Member must have length less than or equal to 64; Value at 'messages.73.member.content.2.member.toolUse.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+",
        cause="cause.tool-name-invalid",
        rule="tools.invalid-history-name",
        values={"field": "messages.73.member.content.2.member.toolUse.name", "index": "73"},
    ),
    Case(
        name="one-api-no-channel-for-model",
        source="https://github.com/songquanpeng/one-api/issues/2308",
        body='{"error": {"message": "当前分组 default 下对于模型 gpt-5 无可用渠道 (request id: 2025082215093026624875464905761)", "type": "one_api_error"}}',
        cause="cause.model-not-found",
        rule=None,
        values={"model": "gpt-5"},
        status=503,
    ),
    Case(
        name="one-api-no-channel-for-blank-model",
        source="https://github.com/songquanpeng/one-api/issues/2340",
        body='{"error": {"message": "当前分组 default 下对于模型  无可用渠道 (request id: 2025121521151664761470129816750)", "type": "one_api_error"}}',
        cause="cause.model-not-found",
        rule=None,
        status=503,
    ),
    Case(
        name="dashscope-arrearage",
        source="https://github.com/hsliuping/TradingAgents-CN/issues/170",
        body='{"error": {"code": "Arrearage", "param": null, "message": "Access denied, please make sure your account is in good standing.", "type": "Arrearage"}, "id": "chatcmpl-f9fdb027-830c-9e05-8366-ce479a878825", "request_id": "f9fdb027-830c-9e05-8366-ce479a878825"}',
        cause="cause.quota",
        rule=None,
    ),
    Case(
        name="zhipu-1113-account-in-arrears",
        source="https://github.com/langgenius/dify/issues/5850",
        body='{"error": {"code": "1113", "message": "您的账户已欠费，请充值后重试。"}}',
        cause="cause.quota",
        rule=None,
        status=429,
    ),
    Case(
        name="gemini-json-mode-not-enabled",
        source="https://github.com/google-gemini/deprecated-generative-ai-python/issues/137",
        body="google.api_core.exceptions.InvalidArgument: 400 Json mode is not enabled for models/gemini-pro",
        cause="cause.model-no-json-mode",
        rule=None,
        values={"model": "gemini-pro"},
        constraint=Constraint("value", "response_format", "json_object"),
    ),
    Case(
        name="siliconflow-json-mode-not-supported",
        source="https://github.com/egoist/chatwise-releases/issues/141",
        body='{"code": 20024, "message": "Json mode is not supported for this model.", "data": null}',
        cause="cause.model-no-json-mode",
        rule=None,
        constraint=Constraint("value", "response_format", "json_object"),
    ),
    Case(
        name="azure-json-object-not-supported-with-model",
        source="https://github.com/MicrosoftDocs/azure-docs/issues/120112",
        body='{"error": {"message": "Invalid parameter: \'response_format\' of type \'json_object\' is not supported with this model.", "type": "invalid_request_error", "param": "response_format", "code": null}}',
        cause="cause.model-no-json-mode",
        rule=None,
        constraint=Constraint("value", "response_format", "json_object"),
    ),
    Case(
        name="groq-tool-choice-null",
        source="https://github.com/brianpetro/obsidian-smart-connections/issues/942",
        body='{"error": {"message": "Only allowed string values for \'tool_choice\' are none, auto, and required", "type": "invalid_request_error"}}',
        cause="cause.tool-choice-unsupported",
        rule="tool_choice.invalid",
    ),
    Case(
        name="xai-reasoning-effort-parameter-unsupported",
        source="https://github.com/BerriAI/litellm/pull/16265",
        body='{"code": "Client specified an invalid argument", "error": "Model grok-4-latest does not support parameter reasoningEffort."}',
        cause="cause.reasoning-effort-unsupported",
        rule="params.reasoning-effort-unsupported",
        values={"param": "reasoning_effort"},
        constraint=Constraint("param", "reasoning_effort"),
    ),
    Case(
        name="ollama-tool-parameters-property-as-string",
        source="https://github.com/ollama/ollama/issues/14256",
        body='{"error": "json: cannot unmarshal string into Go struct field ToolFunctionParameters.tools.function.parameters.properties of type api.ToolProperty"}',
        cause="cause.tool-schema-invalid",
        rule="tools.invalid-definition",
    ),
    Case(
        name="lmstudio-context-overflow-keep-first",
        source="https://github.com/cline/cline/issues/3664",
        body="Trying to keep the first 10136 tokens when context the overflows. However, the model is loaded with context length of only 7866 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input. Error Data: n/a, Additional Data: n/a",
        cause="cause.context-length-exceeded",
        rule=None,
        values={"value": "10136", "limit": "7866"},
    ),
    Case(
        name="lmstudio-n-keep-over-n-ctx",
        source="https://github.com/Gitlawb/openclaude/issues/353",
        body='{"error": "The number of tokens to keep from the initial prompt is greater than the context length (n_keep: 13055>= n_ctx: 4096). Try to load the model with a larger context length, or provide a shorter input."}',
        cause="cause.context-length-exceeded",
        rule=None,
        values={"value": "13055", "limit": "4096"},
    ),
    Case(
        name="tgi-inputs-plus-max-new-tokens",
        source="https://github.com/opea-project/GenAIInfra/issues/487",
        body='{"error": "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 2048. Given: 1887 `inputs` tokens and 1024 `max_new_tokens`", "error_type": "validation"}',
        cause="cause.context-length-exceeded",
        rule=None,
        values={"limit": "2048"},
        status=422,
    ),
    Case(
        name="tgi-max-new-tokens-limit",
        source="https://github.com/huggingface/transformers/issues/28523",
        body='{"error": "Input validation error: `max_new_tokens` must be <= 192", "error_type": "validation"}',
        cause="cause.max-tokens-too-large",
        rule=None,
        values={"limit": "192"},
        status=422,
    ),
    Case(
        name="llamacpp-gpt-oss-template-content-and-thinking",
        source="https://github.com/ggml-org/llama.cpp/issues/17040",
        body='{"error": {"code": 500, "message": "Cannot pass both content and thinking in an assistant message with tool calls! Put the analysis message in one or the other, but not both. at row 290, column 178:\\n            {%- if message.content and message.thinking %}", "type": "server_error"}}',
        cause="cause.chat-template-error",
        rule=None,
        status=500,
    ),
    Case(
        name="mistral-service-tier-capacity",
        source="https://github.com/continuedev/continue/issues/6185",
        body='{"object": "error", "message": "Service tier capacity exceeded for this model.", "type": "invalid_request_error", "param": null, "code": null}',
        cause="cause.overloaded",
        rule=None,
        status=429,
    ),
    Case(
        name="gemini-no-capacity-for-model",
        source="https://github.com/google-gemini/gemini-cli/issues/27548",
        body='{"error": {"code": 429, "message": "No capacity available for model gemini-3.1-flash-lite on the server", "status": "RESOURCE_EXHAUSTED"}}',
        cause="cause.overloaded",
        rule=None,
        values={"model": "gemini-3.1-flash-lite"},
        status=429,
    ),
    Case(
        name="codex-selected-model-at-capacity",
        source="https://github.com/openai/codex/issues/19446",
        body="Selected model is at capacity. Please try a different model.",
        cause="cause.overloaded",
        rule=None,
        status=503,
    ),
    Case(
        name="bedrock-throttling-too-many-requests",
        source="https://github.com/kirodotdev/Kiro/issues/8113",
        body='Error { code: "ThrottlingException", message: "Too many requests, please wait before trying again.", aws_request_id: "bc9af776-2940-485e-ba33-d7933e178873" }',
        cause="cause.rate-limit",
        rule=None,
        status=429,
    ),
    Case(
        name="bedrock-throttling-too-many-tokens",
        source="https://github.com/aws-samples/amazon-bedrock-client-for-mac/issues/99",
        body='{"message": "Too many tokens, please wait before trying again."}',
        cause="cause.rate-limit",
        rule=None,
        status=429,
    ),
    Case(
        name="mistral-rate-limited",
        source="https://github.com/raycast/extensions/issues/31107",
        body='{"object": "error", "message": "Rate limit exceeded", "type": "rate_limited", "param": null, "code": "1300", "raw_status_code": 429}',
        cause="cause.rate-limit",
        rule=None,
        status=429,
    ),
    Case(
        name="deepseek-content-sequence-expected-string",
        source="https://github.com/QwenLM/qwen-code/issues/2695",
        body='{"message": "Failed to deserialize the JSON body into the target type: messages[5]: invalid type: sequence, expected a string at line 1 column 33915", "type": "invalid_request_error", "param": null, "code": "invalid_request_error"}',
        cause="cause.content-array-unsupported",
        rule=None,
        values={"index": "5"},
        constraint=Constraint("content_type", "array"),
    ),
    Case(
        name="bedrock-expected-tool-result-blocks",
        source="https://github.com/camel-ai/camel/issues/3954",
        body="botocore.errorfactory.ValidationException: An error occurred (ValidationException) when calling the Converse operation: Expected toolResult blocks at messages.2.content for the following Ids: tooluse_bRX9ftpYK3xO5tev2x4qtc",
        cause="cause.missing-tool-result",
        rule="sequence.unanswered-tool-call",
        values={"index": "2", "tool_call_id": "tooluse_bRX9ftpYK3xO5tev2x4qtc"},
    ),
    Case(
        name="bedrock-tool-config-tools-empty",
        source="https://github.com/Portkey-AI/gateway/issues/1124",
        body='{"error": {"message": "bedrock error: 1 validation error detected: Value at \'toolConfig.tools\' failed to satisfy constraint: Member must have length greater than or equal to 1", "type": null, "param": null, "code": null}, "provider": "bedrock"}',
        cause="cause.tools-empty",
        rule=None,
    ),
    Case(
        name="bedrock-tool-use-id-constraint",
        source="https://github.com/tontinton/maki/issues/38",
        body="{\"message\": \"Failed to call LLM service: invoking wrapper: http response error StatusCode: 400, ValidationException: 6 validation errors detected: Value at 'messages.2.member.content.1.member.toolUse.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+; Value at 'messages.2.member.content.1.member.toolUse.name' failed to satisfy constraint: Member must have length greater than or equal to 1; Value at 'messages.2.member.content.1.member.toolUse.toolUseId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.:-]+; Value at 'messages.2.member.content.1.member.toolUse.toolUseId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value at 'messages.3.member.content.1.member.toolResult.toolUseId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.:-]+; Value at 'messages.3.member.content.1.member.toolResult.toolUseId' failed to satisfy constraint: Member must have length greater than or equal to 1\", \"request_id\": \"646dd400-6c7c-47cd-ae6a-cfc3cc9e412e\"}",
        cause="cause.tool-call-id-invalid",
        rule=None,
        values={"field": "messages.2.member.content.1.member.toolUse.toolUseId", "index": "2"},
    ),
    Case(
        name="cerebras-current-length-over-limit",
        source="https://github.com/anomalyco/opencode/issues/1551",
        body="AI_APICallError: Please reduce the length of the messages or completion. Current length is 69553 while limit is 65536",
        cause="cause.context-length-exceeded",
        rule=None,
        values={"value": "69553", "limit": "65536"},
    ),
    Case(
        name="fireworks-max-tokens-needs-stream",
        source="https://github.com/nextlevelbuilder/goclaw/pull/660",
        body="fireworks: HTTP 400: Requests with max_tokens > 4096 must have stream=true",
        cause="cause.max-tokens-too-large",
        rule=None,
        values={"limit": "4096"},
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
    fixes = [cause.fix, *(w.fix for w in cause.wordings if w.fix)]
    for fix in fixes:
        bare = _render(fix, {})
        full = _render(fix, dict.fromkeys(groups | {"param", "field", "index"}, "VALUE"))
        for text in (bare, full):
            assert "[[" not in text and "]]" not in text
            assert not re.search(r"\{[a-z_]+\}", text), text  # no placeholder left unfilled


# Local servers refuse some requests for how they were started, not for what was sent: the fix names the
# server's flag or command, never a request change that cannot help (trial22: vLLM's "auto" refusal was told
# to send "auto", llama-server's --jinja refusal to remove tools, Ollama's missing model to list /v1/models).
@pytest.mark.parametrize(
    ("body", "provider", "cause_id", "fix_says"),
    [
        (
            '{"object":"error","message":"\\"auto\\" tool choice requires --enable-auto-tool-choice and '
            '--tool-call-parser to be set","type":"BadRequestError","param":null,"code":400}',
            "vllm",
            "cause.tool-choice-unsupported",
            "Start vLLM with --enable-auto-tool-choice and the --tool-call-parser",
        ),
        (
            '{"error":{"code":500,"message":"tools param requires --jinja flag","type":"server_error"}}',
            "llama.cpp",
            "cause.param-unsupported",
            "Start llama-server with --jinja: it takes tools and tool calls only through the model's chat template",
        ),
        (
            '{"error":"model \'qwen2.5-coder:7b\' not found, try pulling it first"}',
            "ollama",
            "cause.model-not-found",
            "Use a model this server has instead of qwen2.5-coder:7b: on Ollama, pull it first (ollama pull",
        ),
    ],
)
def test_a_local_servers_start_up_refusal_is_fixed_on_the_server(
    body: str, provider: str, cause_id: str, fix_says: str
) -> None:
    found = recognise_error(parse_error(body, status=400), provider=provider, status=400)
    assert found is not None and found.cause_id == cause_id
    assert fix_says in found.fix, found.fix


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


@pytest.mark.parametrize(
    ("url", "body", "rule"),
    [
        (
            "https://api.anthropic.com/v1/messages",
            {
                "model": "claude-sonnet-4-5",
                "max_tokens": 10,
                "tools": [{"name": "Bash", "input_schema": {"type": "object"}}] * 2,
                "messages": [{"role": "user", "content": "hi"}],
            },
            "anthropic.duplicate-tool-name",
        ),
        (
            "http://localhost:4000/v1/chat/completions",  # a gateway to Claude relays the same sentence
            {
                "model": "claude-sonnet-4-5",
                "tools": [
                    {"type": "function", "function": {"name": "Bash", "parameters": {"type": "object"}}}
                ]
                * 2,
                "messages": [{"role": "user", "content": "hi"}],
            },
            "tools.duplicate-name",
        ),
    ],
)
def test_claudes_duplicate_tool_name_sentence_names_the_rule_the_request_raised(
    url: str, body: dict, rule: str
) -> None:
    """Anthropic's "tools: Tool names must be unique." (anthropics/claude-code#10687) is one sentence for
    a Messages request's anthropic.duplicate-tool-name and a relayed chat request's tools.duplicate-name."""
    from toolguard_core.analyze import analyse_request

    findings = tuple(f.rule for f in analyse_request(json.dumps(body), url).findings)
    assert rule in findings
    text = {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "tools: Tool names must be unique."},
    }
    found = recognise_error(
        parse_error(json.dumps(text), status=400), finding_rules=findings, status=400, request=body
    )
    assert found is not None
    assert (found.cause.id, found.rule_id) == ("cause.tool-name-invalid", rule)
