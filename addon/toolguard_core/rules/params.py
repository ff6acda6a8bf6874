"""Top-level parameter rules: unknown fields, fields the model family rejects, value ranges and types.

Every check here is O(number of top-level keys). The provider profile decides what is an error:
OpenAI rejects unknown fields and values outside its documented ranges; vLLM ignores unknown
fields but validates sampling values; Ollama drops what it does not know (providers.md §3, §4).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import (
    AZURE_FIELD_API_VERSIONS,
    AZURE_VALUE_API_VERSIONS,
    BUILTIN_PROFILES,
    DEFAULT_FAMILY,
    HOSTED_VENDOR_FIELDS,
    PARTNER_REJECTED_PARAMS,
    ParamRange,
    ProviderProfile,
)
from toolguard_core.request import RequestView
from toolguard_core.rules.inferred import report_judged
from toolguard_core.rules.jsonvalues import lax_converts
from toolguard_core.rules.modelinfo import family_of, is_number, model_for_family
from toolguard_core.rules.registry import (
    PredictedError,
    check,
    declared_policy,
    define,
    engine_profile,
    policy,
)

_USER = {"role": "user", "content": "Hello"}
#: A lower-case letter followed by an upper-case one: where a camelCase name splits into snake_case.
_CAMEL = re.compile(r"[a-z][A-Z]")

OPENAI_UNRECOGNIZED = PredictedError(
    provider="openai",
    text="Unrecognized request argument supplied: thinking",
    source="https://github.com/nashsu/llm_wiki/issues/336",
)
GROQ_UNSUPPORTED_PROPERTY = PredictedError(
    provider="groq",
    text="property 'store' is unsupported, did you mean 'stop'?",
    source="https://github.com/fanenr/chatbot/issues/21",
)
GEMINI_UNKNOWN_NAME = PredictedError(
    provider="gemini",
    text='Invalid JSON payload received. Unknown name "web_search_options": Cannot find field.',
    source="https://github.com/FuzzAnything/PromptFuzz/issues/42",
)
MISTRAL_EXTRA_FORBIDDEN = PredictedError(
    provider="mistral",
    text=(
        '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body",'
        '"max_completion_tokens"],"msg":"Extra inputs are not permitted","input":32000}]},'
        '"type":"invalid_request_error","param":null,"code":null}'
    ),
    source="https://github.com/editor-code-assistant/eca/issues/231",
    status=422,
)

CEREBRAS_UNSUPPORTED_PROPERTY = PredictedError(
    provider="cerebras",
    text="body.maxTokens: property 'body.maxTokens' is unsupported\nbody.thinking: property 'body.thinking' is unsupported",
    source="https://github.com/anomalyco/opencode/issues/6648",
)

UNKNOWN_PARAM = define(
    "params.unknown",
    Severity.ERROR,
    "A top-level field the target provider does not know; strict providers reject the request.",
    # Checked where the profile lists the fields it knows (``known_params``).
    policy=policy(error=("openai", "azure", "groq", "gemini", "mistral", "cerebras", "nvidia")),
    predicts=(
        OPENAI_UNRECOGNIZED,
        GROQ_UNSUPPORTED_PROPERTY,
        GEMINI_UNKNOWN_NAME,
        MISTRAL_EXTRA_FORBIDDEN,
        CEREBRAS_UNSUPPORTED_PROPERTY,
        PredictedError(
            provider="azure",
            text="Unrecognized request arguments supplied: frequencyPenalty, presencePenalty, topP",
            source="https://github.com/quarkiverse/quarkus-langchain4j/issues/285",
        ),
        PredictedError(
            provider="nvidia",
            text="API Error: 400 Validation: Unsupported parameter(s): `tool_stream`",
            source="https://github.com/Gitlawb/openclaude/issues/1950",
        ),
        PredictedError(
            provider="nvidia",
            text='{"error":{"message":"Validation: Unsupported parameter(s): thinking","type":"Bad Request","code":400}}',
            source="https://github.com/decolua/9router/issues/2268",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "thinking": {"type": "enabled"}},
    fixed={"model": "gpt-4o", "messages": [_USER]},
    notes=(
        "Lenient providers are not flagged: current vLLM ignores unknown fields (code [VLLM-ENG]), "
        "llama.cpp passes them to its sampler, Ollama drops them. Azure's own fields (data_sources, "
        "enhancements, ...) are known; an OpenAI field an old Azure api-version lacks is not flagged. "
        "Gateways that accept extra fields: list them in the config file."
    ),
)
UNKNOWN_FOR_HOSTED_VENDOR = define(
    "params.unknown-for-hosted-vendor",
    Severity.ERROR,
    "A field outside the model vendor's own request model, sent to a cloud that validates that vendor's models "
    "with it (a Mistral model on Azure AI Foundry refuses what api.mistral.ai refuses: max_completion_tokens, "
    "stream_options.include_usage, ...).",
    # Every (profile, vendor) pair declared in providers.HOSTED_VENDOR_FIELDS, and only those.
    policy=policy(
        error=tuple(HOSTED_VENDOR_FIELDS),
        conditions={
            pid: f"{vendor} models ({pattern.pattern})"
            for pid, (pattern, vendor) in HOSTED_VENDOR_FIELDS.items()
        },
    ),
    predicts=(
        PredictedError(
            provider="azure-ai",
            text='litellm.BadRequestError: Azure_aiException - {"error":{"code":"Invalid input","message":"{"detail":'
            '[{"type":"extra_forbidden","loc":["body","stream_options","include_usage"],"msg":"Extra inputs are not '
            'permitted","input":true,"url":"https://errors.pydantic.dev/2.10/v/extra_forbidden"}]}","status":422}}',
            source="https://github.com/BerriAI/litellm/issues/11696",
        ),
    ),
    example={"model": "mistral-small-2503", "messages": [_USER], "max_completion_tokens": 256},
    example_url="https://example.services.ai.azure.com/models/chat/completions",
    fixed={"model": "mistral-small-2503", "messages": [_USER], "max_tokens": 256},
    notes=(
        "Mistral's field list is the Mistral profile's (MISTRAL_PARAMS, from its SDK's request model); "
        "stream_options is taken there but not its include_usage (litellm#11696). Other vendors on Foundry keep "
        "the profile's own rules."
    ),
)
REJECTED_FOR_PARTNER_MODEL = define(
    "params.rejected-for-partner-model",
    Severity.ERROR,
    "A field a cloud's OpenAI-compatible front refuses for a partner model it serves (not one of OpenAI's), "
    "though it takes the field for OpenAI's models and the model's own vendor may too (Azure's /openai/v1: "
    "prompt_cache_key for Kimi, DeepSeek, Grok, Llama, ...).",
    # Every profile declared in providers.PARTNER_REJECTED_PARAMS, and only those.
    policy=policy(
        error=tuple(PARTNER_REJECTED_PARAMS),
        conditions={
            pid: ", ".join(sorted(fields)) + " for partner models"
            for pid, (_pattern, fields) in PARTNER_REJECTED_PARAMS.items()
        },
    ),
    predicts=(
        PredictedError(
            provider="azure",
            text="400 Unrecognized request argument supplied: prompt_cache_key",
            source="https://github.com/MoonshotAI/kimi-code/issues/2611",
            param="prompt_cache_key",
            code="unrecognized_request_argument",
        ),
    ),
    example={"model": "Kimi-K2.7-Code", "messages": [_USER], "prompt_cache_key": "session-1"},
    example_url="https://example.openai.azure.com/openai/v1/chat/completions",
    fixed={"model": "Kimi-K2.7-Code", "messages": [_USER]},
    notes=(
        "Clients that send OpenAI's prompt-cache key to every OpenAI-compatible host hit it on Azure's partner "
        "models; OpenAI's own models there (gpt-*, o*) take it and are not flagged."
    ),
)
#: Profiles that declare the keys of their nested objects (``ProviderProfile.nested_keys``): an error where
#: a public error text shows the provider refusing an unknown nested key (``nested_keys_refusal``), a
#: warning where that is inferred from its top-level and message strictness only.
_NESTED = [p for p in BUILTIN_PROFILES.values() if p.nested_keys is not None]
UNKNOWN_NESTED_FIELD = define(
    "params.unknown-nested-field",
    Severity.ERROR,
    "A key inside a tool, its function, tool_choice, response_format, its json_schema, stream_options or "
    "prediction that the strict target provider does not define; it refuses the request as it does an "
    "unknown top-level field.",
    policy=policy(
        error=tuple(p.id for p in _NESTED if p.nested_keys_refusal),
        warning=tuple(p.id for p in _NESTED if not p.nested_keys_refusal),
        conditions={
            p.id: "refusal below the top level inferred from its top-level and message strictness"
            for p in _NESTED
            if not p.nested_keys_refusal
        },
    ),
    predicts=(
        PredictedError(
            provider="mistral",
            text='{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","tools",0,'
            '"function","required"],"msg":"Extra inputs are not permitted","input":["content"]}]},'
            '"type":"invalid_request_error","param":null,"code":null}',
            source="https://github.com/mistralai/client-python/issues/91",
            status=422,
        ),
    ),
    example={
        "model": "mistral-large-latest",
        "messages": [_USER],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "reverse",
                    "parameters": {"type": "object", "properties": {"text": {"type": "string"}}},
                    "required": ["text"],
                },
            }
        ],
    },
    example_url="https://api.mistral.ai/v1/chat/completions",
    fixed={
        "model": "mistral-large-latest",
        "messages": [_USER],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "reverse",
                    "parameters": {
                        "type": "object",
                        "properties": {"text": {"type": "string"}},
                        "required": ["text"],
                    },
                },
            }
        ],
    },
    notes="The keys per object are each provider's SDK request types, with the SDK version and date in "
    "providers.py (Mistral client-python 30 June 2026, Groq groq-python 18 August 2026, Cerebras "
    "cerebras-cloud-sdk-python 1.64.1). Function tools only: a provider's built-in tools take other keys. "
    "Lenient providers (vLLM, SGLang, Ollama, ...) and OpenAI (spec.unknown-field) are not checked here.",
)
REJECTED_BY_PROVIDER = define(
    "params.rejected-by-provider",
    Severity.ERROR,
    "A field that this provider documents or answers as unsupported (Groq: logprobs, top_logprobs, "
    "logit_bias; Cerebras: store; NVIDIA NIM: prompt_cache_key; the Gemini API: frequency_penalty; Cohere's "
    "Compatibility API: n, store, metadata, parallel_tool_calls and the other fields its page lists; the "
    "ChatGPT Codex backend: max_output_tokens, metadata, prompt_cache_retention, temperature).",
    # Checked where the profile lists such fields (``rejected_params``, each with its reason; for a
    # Responses body ``responses_rejected_params``, rules/responses.py).
    # Every profile that declares such fields (``rejected_params``, ``responses_rejected_params``), and only those.
    policy=policy(
        error=tuple(
            p.id for p in BUILTIN_PROFILES.values() if p.rejected_params or p.responses_rejected_params
        ),
        conditions={
            "chatgpt-codex": ", ".join(sorted(BUILTIN_PROFILES["chatgpt-codex"].responses_rejected_params))
            + " on its Responses endpoint"
        },
    ),
    predicts=(
        PredictedError(
            provider="chatgpt-codex",
            text='{"detail":"Unsupported parameter: max_output_tokens"}',
            source="https://github.com/mangowhoiscloud/geode/pull/818",
        ),
        PredictedError(
            provider="gemini",
            text='Invalid JSON payload received. Unknown name "frequency_penalty": Cannot find field.',
            source="https://github.com/MinLL/SkyrimNet-GamePlugin/issues/77",
        ),
        PredictedError(
            provider="nvidia",
            text="[400]: Validation: Unsupported parameter(s): `prompt_cache_key`",
            source="https://github.com/diegosouzapw/OmniRoute/issues/848",
        ),
        PredictedError(
            provider="cerebras",
            text="API Error: 422 body.store: property 'body.store' is unsupported",
            source="https://github.com/Gitlawb/openclaude/issues/740",
            status=422,
        ),
    ),
    example={
        "model": "llama-3.3-70b-versatile",
        "messages": [_USER],
        "logprobs": True,
        "store": True,
        "prompt_cache_key": "session-1",
        "frequency_penalty": 0.5,
    },
    example_url="https://api.groq.com/openai/v1/chat/completions",
    fixed={"model": "llama-3.3-70b-versatile", "messages": [_USER]},
    notes="doc [GROQ] https://console.groq.com/docs/openai: these fields return a 400.",
)
IGNORED_BY_PROVIDER = define(
    "params.ignored-by-provider",
    Severity.WARNING,
    "A field the provider accepts but ignores, so the request does not do what the client expects.",
    # Every profile that declares ignored fields (ProviderProfile.ignored_params), and only those.
    policy=declared_policy(lambda p: p.ignored_params, lambda names: ", ".join(sorted(names)), warning=True),
    example={"model": "llama3.2", "messages": [_USER], "tool_choice": "required", "tools": []},
    example_url="http://localhost:11434/v1/chat/completions",
    fixed={"model": "llama3.2", "messages": [_USER]},
    notes=(
        "doc [OLL-DOC]: tool_choice, logit_bias, user and n are not supported on Ollama's /v1 chat. "
        "Anthropic's OpenAI SDK compatibility layer lists its ignored fields in "
        "platform.claude.com/docs/en/api/openai-sdk (response_format, seed, logprobs, penalties, ...)."
    ),
)
UNSUPPORTED_FOR_MODEL = define(
    "params.unsupported-for-model",
    Severity.ERROR,
    "A sampling field the model family rejects (OpenAI o-series: top_p, presence_penalty, "
    "frequency_penalty; DeepSeek reasoner: logprobs, top_logprobs; Groq Llama: reasoning_format; Grok 4 "
    "reasoning and grok-3-mini: presence_penalty, frequency_penalty, stop).",
    policy=policy(
        error=("openai-family", "deepseek", "groq", "xai"),
        conditions={
            "openai-family": "model families that reject the field",
            "deepseek": "deepseek-reasoner",
            "groq": "Llama chat models (reasoning_format)",
            "xai": "Grok 4 reasoning models and grok-3-mini (presence_penalty, frequency_penalty, stop)",
        },
    ),
    predicts=(
        PredictedError(
            provider="xai",
            text='{"error": "Argument not supported on this model: presencePenalty"}',
            source="https://github.com/lobehub/lobehub/issues/8389",
        ),
        PredictedError(
            provider="xai",
            text=(
                "Error code: 400 - {'code': 'Client specified an invalid argument', 'error': 'Argument not "
                "supported on this model: presencePenalty'}"
            ),
            source="https://github.com/neavo/LinguaGacha/issues/159",
        ),
        PredictedError(
            provider="groq",
            text="`reasoning_format` is not supported with this model",
            source="https://github.com/0xPlaygrounds/rig/issues/1134",
        ),
        PredictedError(
            provider="openai",
            text="Unsupported parameter: 'top_p' is not supported with this model.",
            source="https://github.com/aandrew-me/tgpt/issues/333",
            param="top_p",
            code="unsupported_parameter",
        ),
        PredictedError(
            provider="azure",
            text="Unsupported parameter: 'top_p' is not supported with this model.",
            source="https://github.com/lobehub/lobehub/issues/7493",
            param="top_p",
            code="unsupported_parameter",
        ),
    ),
    example={"model": "o3-mini", "messages": [_USER], "top_p": 0.9},
    notes=(
        "o-series penalties: https://github.com/simonw/llm/issues/731. gpt-5 exclusions and o-series "
        "logprobs/logit_bias come from LiteLLM code [LL-GPT5][LL-O] and a community matrix [OAI-COMM]: "
        "reported as warnings. DeepSeek reasoner logprobs: doc [DSK-R]."
    ),
    fixed={"model": "o3-mini", "messages": [_USER]},
)
DOUBTFUL_FOR_MODEL = define(
    "params.doubtful-for-model",
    Severity.WARNING,
    "A sampling field that secondary sources (LiteLLM, a community matrix) report the model family rejects.",
    policy=policy(
        warning=("openai-family",), conditions={"openai-family": "reasoning families (o-series, gpt-5)"}
    ),
    example={"model": "o3", "messages": [_USER], "logprobs": True},
    fixed={"model": "o3", "messages": [_USER]},
    notes="Not confirmed by a provider's own text, hence a warning; the confirmed ones are "
    "`params.unsupported-for-model`.",
)
IGNORED_FOR_MODEL = define(
    "params.ignored-for-model",
    Severity.WARNING,
    "A sampling field the model accepts without effect (deepseek-reasoner: temperature, top_p, penalties).",
    policy=policy(warning=("deepseek",), conditions={"deepseek": "deepseek-reasoner"}),
    example={"model": "deepseek-reasoner", "messages": [_USER], "temperature": 0.2},
    example_url="https://api.deepseek.com/chat/completions",
    notes="doc [DSK-R].",
    fixed={"model": "deepseek-reasoner", "messages": [_USER]},
)
MAX_TOKENS_REASONING = define(
    "params.max-tokens-on-reasoning-model",
    Severity.ERROR,
    "`max_tokens` sent to an OpenAI reasoning model (o-series, gpt-5), which only takes `max_completion_tokens`.",
    policy=policy(
        error=("openai-family",), conditions={"openai-family": "reasoning models (o-series, gpt-5)"}
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead."
            ),
            source="https://github.com/griptape-ai/ComfyUI-Griptape/issues/312",
            param="max_tokens",
            code="unsupported_parameter",
        ),
        PredictedError(
            provider="azure",
            text=(
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead."
            ),
            source="https://github.com/anomalyco/opencode/issues/37964",
            param="max_tokens",
            code="unsupported_parameter",
        ),
    ),
    example={"model": "gpt-5", "messages": [_USER], "max_tokens": 1024},
    fixed={"model": "gpt-5", "messages": [_USER], "max_completion_tokens": 1024},
)
TEMPERATURE_REASONING = define(
    "params.temperature-on-reasoning-model",
    Severity.ERROR,
    "A `temperature` other than 1 sent to an OpenAI reasoning model or Kimi Code's models.",
    policy=policy(
        error=("openai-family", "moonshot"),
        conditions={
            "openai-family": "reasoning models (o-series, gpt-5)",
            "moonshot": "Kimi Code's kimi-for-coding* and k3* (thinking or not)",
        },
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Unsupported value: 'temperature' does not support 0.7 with this model. "
                "Only the default (1) value is supported."
            ),
            source="https://github.com/gabrii/Cursor-Azure-GPT-5/issues/33",
            param="temperature",
            code="unsupported_value",
        ),
        PredictedError(
            provider="openai",
            text="Unsupported parameter: 'temperature' is not supported with this model.",
            source="https://github.com/simonw/llm/issues/731",
            param="temperature",
            code="unsupported_parameter",
        ),
        PredictedError(
            provider="moonshot",
            text="400 invalid_request_error: invalid temperature: only 1 is allowed for this model",
            source="https://github.com/repowise-dev/repowise/pull/1323",
        ),
    ),
    example={"model": "gpt-5-mini", "messages": [_USER], "temperature": 0.7},
    notes="gpt-5.1 and later accept other temperatures when reasoning_effort is 'none' (code [LL-GPT5]).",
    fixed={"model": "gpt-5-mini", "messages": [_USER]},
)
REASONING_EFFORT_UNSUPPORTED = define(
    "params.reasoning-effort-unsupported",
    Severity.ERROR,
    "`reasoning_effort` sent to a model that does not take it (gpt-4o, gpt-4.1, o1-mini; Grok 4 before 4.3).",
    policy=policy(
        error=("openai-family", "xai"),
        conditions={
            "openai-family": "models without reasoning (gpt-4o, gpt-4.1, o1-mini)",
            "xai": "the Grok 4 line before grok-4.3 (grok-4, grok-4-fast-*, grok-4.20-*, grok-code-fast-1)",
        },
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text="Unrecognized request argument supplied: reasoning_effort",
            source="https://github.com/davidmigloz/langchain_dart/issues/712",
        ),
        PredictedError(
            provider="xai",
            text='{"code":"Client specified an invalid argument","error":"Model grok-4-latest does not support '
            'parameter reasoningEffort."}',
            source="https://github.com/BerriAI/litellm/pull/16265",
        ),
    ),
    example={"model": "gpt-4o-mini", "messages": [_USER], "reasoning_effort": "low"},
    notes="Omit the key entirely (not even null). A model that does reason can be declared in the config file.",
    fixed={"model": "gpt-4o-mini", "messages": [_USER]},
)
REASONING_EFFORT_VALUE = define(
    "params.reasoning-effort-value",
    Severity.ERROR,
    "`reasoning_effort` has a value the provider does not accept.",
    # Every profile that lists the values its API reference takes (``reasoning_efforts``).
    policy=policy(error=tuple(p.id for p in BUILTIN_PROFILES.values() if p.reasoning_efforts is not None)),
    example={"model": "o3", "messages": [_USER], "reasoning_effort": "extreme"},
    notes=(
        "Each provider's list is its profile's `reasoning_efforts`, from its API reference: OpenAI none, "
        "minimal, low, medium, high, xhigh, max (doc [OAS]); vLLM low, medium, high (pydantic enum, code "
        "[VLLM-CHAT]); Cerebras none, low, medium, high (inference-docs.cerebras.ai/api-reference/"
        "chat-completions); Groq none, default, low, medium, high (console.groq.com/docs/reasoning); Cohere's "
        "Compatibility API none and high only (docs.cohere.com/docs/compatibility-api); Ollama "
        "none, minimal, low, medium, high, xhigh, ultra, max (its OpenAI layer's closed switch, "
        'openai/openai.go thinkFromReasoningEffort: "invalid reasoning value: ..."; older releases took fewer). '
        "A model may take fewer (Ollama's thinking levels are gpt-oss's; \"think value ... is not supported "
        "for this model\" is the model's answer): the model catalog's rules say which."
    ),
    fixed={"model": "o3", "messages": [_USER], "reasoning_effort": "high"},
)

_RANGE_PREDICTS: dict[str, tuple[PredictedError, ...]] = {
    "temperature": (
        PredictedError(
            provider="vllm", text="temperature must be in [0, 2], got 2.5.", source="code [VLLM-SP]"
        ),
    ),
    "top_p": (
        PredictedError(provider="vllm", text="top_p must be in (0, 1], got 0.0.", source="code [VLLM-SP]"),
    ),
    "penalty": (
        PredictedError(
            provider="vllm", text="presence_penalty must be in [-2, 2], got 3.0.", source="code [VLLM-SP]"
        ),
    ),
    "max_tokens": (
        PredictedError(
            provider="vllm", text="max_tokens must be at least 1, got 0.", source="code [VLLM-SP]"
        ),
        PredictedError(
            provider="openai",
            text="Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.",
            source="https://github.com/it-at-m/mucgpt/issues/608",
            param="max_tokens",
            code="integer_below_min_value",
        ),
        # FastChat's OpenAI server (jsonschema wording), what an unrecognised host answers (GENERIC).
        PredictedError(
            provider="generic",
            text="0 is less than the minimum of 1 - 'max_tokens'",
            source="https://github.com/chatchat-space/Langchain-Chatchat/issues/2065",
        ),
    ),
}


#: The parameters each range rule covers (``sampling``: vLLM's extras).
_RANGE_PARAMS: dict[str, tuple[str, ...]] = {
    "temperature": ("temperature",),
    "top_p": ("top_p",),
    "penalty": ("presence_penalty", "frequency_penalty"),
    "n": ("n",),
    "top_logprobs": ("top_logprobs",),
    "max_tokens": ("max_tokens", "max_completion_tokens"),
    "sampling": ("min_p", "top_k", "repetition_penalty"),
}


def _range_policy(param: str) -> Any:
    """Derived from the profiles' ranges (each declared once, on its ProviderProfile): a provider's
    level is the severity its range carries, under the condition that the value is outside it."""
    levels: dict[str, list[str]] = {"error": [], "warning": []}
    conditions: dict[str, str] = {}
    for profile in BUILTIN_PROFILES.values():
        specs = [profile.ranges[k] for k in _RANGE_PARAMS[param] if k in profile.ranges]
        if not specs:
            continue
        severities = {spec.severity for spec in specs}
        level = Severity.ERROR if Severity.ERROR in severities else Severity.WARNING
        levels[str(level)].append(profile.id)
        conditions[profile.id] = "outside " + ", ".join(
            f"{k} {profile.ranges[k].bounds.describe()}" for k in _RANGE_PARAMS[param] if k in profile.ranges
        )
    return policy(error=levels["error"], warning=levels["warning"], conditions=conditions)


def _range_rule(
    id: str, param: str, summary: str, example: dict[str, Any], notes: str = "", **kwargs: Any
) -> Any:
    return define(
        id,
        Severity.ERROR,
        summary,
        policy=_range_policy(param),
        predicts=_RANGE_PREDICTS.get(param, ()),
        example={"model": "gpt-4o", "messages": [_USER], **example},
        fixed={"model": "gpt-4o", "messages": [_USER]},
        notes=notes
        or "Error where the provider documents or enforces the range (OpenAI doc [OAS], vLLM code [VLLM-SP]); "
        "a warning where only documented ranges of a similar API are known.",
        **kwargs,
    )


TEMPERATURE_RANGE = _range_rule(
    "params.temperature-range", "temperature", "`temperature` outside the provider's range (OpenAI: 0–2).",
    {"temperature": 2.5},
)  # fmt: skip
TOP_P_RANGE = _range_rule(
    "params.top-p-range", "top_p", "`top_p` outside the provider's range (OpenAI: 0–1; vLLM: (0, 1], so 0 fails).",
    {"top_p": 1.5},
)  # fmt: skip
PENALTY_RANGE = _range_rule(
    "params.penalty-range", "penalty", "`presence_penalty` / `frequency_penalty` outside −2…2.",
    {"presence_penalty": 3},
)  # fmt: skip
N_RANGE = _range_rule(
    "params.n-range", "n", "`n` outside the provider's range (OpenAI 1–128; Groq only 1).", {"n": 0},
    notes="Groq: n must be 1 (doc [GROQ]). llama.cpp's single-choice limit is quirks.llamacpp-single-choice.",
)  # fmt: skip
TOP_LOGPROBS_RANGE = _range_rule(
    "params.top-logprobs-range", "top_logprobs", "`top_logprobs` outside 0–20.",
    {"logprobs": True, "top_logprobs": 25},
)  # fmt: skip
MAX_TOKENS_RANGE = _range_rule(
    "params.max-tokens-range", "max_tokens", "`max_tokens` / `max_completion_tokens` below 1.",
    {"max_tokens": 0},
)  # fmt: skip
SAMPLING_RANGE = _range_rule(
    "params.sampling-range", "sampling", "A vLLM sampling extra (`min_p`, `top_k`, `repetition_penalty`) out of range.",
    {"min_p": 1.5},
    notes="code [VLLM-SP]: min_p in [0, 1], top_k ≥ -1, repetition_penalty > 0.",
    example_url="http://127.0.0.1:8000/v1/chat/completions",
)  # fmt: skip

_RANGE_RULES = {
    "temperature": TEMPERATURE_RANGE,
    "top_p": TOP_P_RANGE,
    "presence_penalty": PENALTY_RANGE,
    "frequency_penalty": PENALTY_RANGE,
    "n": N_RANGE,
    "top_logprobs": TOP_LOGPROBS_RANGE,
    "max_tokens": MAX_TOKENS_RANGE,
    "max_completion_tokens": MAX_TOKENS_RANGE,
    "min_p": SAMPLING_RANGE,
    "top_k": SAMPLING_RANGE,
    "repetition_penalty": SAMPLING_RANGE,
}

WRONG_TYPE = define(
    "params.wrong-type",
    Severity.ERROR,
    'A numeric or boolean field has the wrong JSON type (e.g. `"temperature": "0.7"`, `"seed": 1.5`, '
    '`"stream": "true"`).',
    # Error where the server judges the JSON type: OpenAI's validator, vLLM after pydantic's lax
    # conversion (the check skips what it converts), and the servers whose request model converts nothing
    # (ProviderProfile.strict_scalar_types: DeepSeek's and TGI's serde, Ollama's Go decoding).
    policy=policy(
        error=("openai-family", "vllm", *(p.id for p in BUILTIN_PROFILES.values() if p.strict_scalar_types)),
        otherwise=Severity.WARNING,
    ),
    predicts=(
        # DeepSeek deserialises the body into typed (serde) fields and converts nothing.
        PredictedError(
            provider="deepseek",
            text=(
                'Failed to deserialize the JSON body into the target type: temperature: invalid type: string "1.3", '
                "expected f32 at line 13 column 22"
            ),
            source="https://github.com/NotIvny/Yunzai-DeepSeek-JS/issues/2",
            status=422,
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "temperature": "0.7", "seed": 1.5},
    notes=(
        "The types are OpenAI's schema (doc [OAS]); vLLM's pydantic model has the same types but "
        'converts before judging (a numeric string, an integral float for an integer, "true"/"1" for a '
        "boolean), so on vLLM and SGLang only what pydantic cannot convert is flagged. DeepSeek's request "
        "model is serde's, which converts nothing: a numeric string is refused (its \"invalid type: string ..., "
        'expected f32" answer, NotIvny/Yunzai-DeepSeek-JS#2, like its "invalid type: sequence, expected a '
        "string\" for array content); TGI's router is serde too (aws/amazon-sagemaker-feedback#34), and Ollama's "
        "/v1 route decodes the body with Go's encoding/json into typed fields and answers 400 with its error "
        '("json: cannot unmarshal ...", code [OLL-GO] middleware/openai.go); a key their models do not declare '
        "is dropped unread (ProviderProfile.strict_scalar_fields). Error on OpenAI/Azure/vLLM/DeepSeek/TGI/"
        "Ollama, warning elsewhere (llama.cpp's json_value() falls back to the default for a wrong type; an "
        "unrecognised host may convert as pydantic does)."
    ),
    fixed={"model": "gpt-4o", "messages": [_USER], "temperature": 0.7, "seed": 1},
)
TOP_LOGPROBS_WITHOUT_LOGPROBS = define(
    "params.top-logprobs-without-logprobs",
    Severity.ERROR,
    "`top_logprobs` is set but `logprobs` is not true.",
    # Silent where the provider refuses `top_logprobs` itself (``rejected_params``: Groq, Cohere).
    policy=policy(
        error=("openai-family", "vllm", "llama.cpp", "deepseek"),
        silent=tuple(p.id for p in BUILTIN_PROFILES.values() if "top_logprobs" in p.rejected_params),
        otherwise=Severity.WARNING,
    ),
    predicts=(
        PredictedError(
            provider="deepseek",
            text='"detail": "Invalid top_logprobs and logprobs value"',
            source="https://github.com/deepseek-ai/DeepSeek-V2/issues/9",
        ),
        PredictedError(
            provider="vllm",
            text="when using `top_logprobs`, `logprobs` must be set to true.",
            source="code [VLLM-CHAT]",
        ),
        PredictedError(
            provider="llama.cpp",
            text="top_logprobs requires logprobs to be set to true",
            source="code [LCPP]",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "top_logprobs": 5},
    notes="OpenAI: `logprobs` must be true if `top_logprobs` is used (doc [OAS]).",
    fixed={"model": "gpt-4o", "messages": [_USER], "logprobs": True, "top_logprobs": 5},
)
LOGIT_BIAS = define(
    "params.logit-bias",
    Severity.ERROR,
    "`logit_bias` is not a map of token ids to integers in −100…100.",
    # A provider that refuses the field itself (``rejected_params``: Groq, Cohere) gets that rule's finding
    # instead, so this one is silent there.
    policy=policy(
        error=("openai-family", "vllm"),
        silent=tuple(p.id for p in BUILTIN_PROFILES.values() if "logit_bias" in p.rejected_params),
        otherwise=Severity.WARNING,
    ),
    predicts=(
        PredictedError(
            provider="vllm",
            text="logit_bias contains key(s) that cannot be converted to integer token IDs: ['hello']",
            source="code [VLLM-SP]",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "logit_bias": {"hello": 5}},
    notes="OpenAI: keys are token ids, values −100…100 (doc [OAS]); vLLM clamps values but rejects keys.",
    fixed={"model": "gpt-4o", "messages": [_USER], "logit_bias": {"50256": -100}},
)
STOP_COUNT = define(
    "params.stop-count",
    Severity.ERROR,
    "More stop sequences than the provider allows (OpenAI: 4).",
    # OpenAI's validator answers with the text below, DeepSeek with its own (ProviderProfile.max_stop_refusal);
    # the other limits (ProviderProfile.max_stop) are what each provider's API reference states (Groq,
    # Cerebras, SiliconFlow 4; Moonshot 5; Zhipu 1) without a rejection text at hand, so they are warnings.
    policy=policy(
        error=tuple(
            p.id
            for p in BUILTIN_PROFILES.values()
            if p.max_stop is not None and (p.openai_validator or p.max_stop_refusal is not None)
        ),
        warning=tuple(
            p.id
            for p in BUILTIN_PROFILES.values()
            if p.max_stop is not None and not p.openai_validator and p.max_stop_refusal is None
        ),
        conditions={
            p.id: f"more than {p.max_stop}" for p in BUILTIN_PROFILES.values() if p.max_stop is not None
        },
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array "
                "with length 14 instead."
            ),
            source="https://github.com/continuedev/continue/issues/1572",
            param="stop",
            code="array_above_max_length",
        ),
        PredictedError(
            provider="deepseek",
            text="Stop string array too long: 17",
            source="code [new-api fork] relay/helper deepSeekV4StopTooLongMessage (probed live)",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "stop": ["a", "b", "c", "d", "e"]},
    # One sequence: within every provider's limit (Zhipu takes a single stop word).
    fixed={"model": "gpt-4o", "messages": [_USER], "stop": ["a"]},
)
STREAM_OPTIONS = define(
    "params.stream-options-without-stream",
    Severity.ERROR,
    "`stream_options` is set but `stream` is not true.",
    policy=policy(
        error=tuple(p.id for p in BUILTIN_PROFILES.values() if p.stream_options_severity == Severity.ERROR),
        warning=tuple(
            p.id for p in BUILTIN_PROFILES.values() if p.stream_options_severity == Severity.WARNING
        ),
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text="The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            source="https://github.com/BerriAI/litellm/issues/5803",
            param="stream_options",
        ),
        PredictedError(
            provider="vllm",
            text="Stream options can only be defined when `stream=True`.",
            source="code [VLLM-CHAT]",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "stream_options": {"include_usage": True}},
    notes="Error on OpenAI, Azure and vLLM; warning elsewhere (not every server validates it).",
    fixed={"model": "gpt-4o", "messages": [_USER], "stream": True, "stream_options": {"include_usage": True}},
)

CONTINUE_WITH_GENERATION_PROMPT = define(
    "params.continue-final-message-with-generation-prompt",
    Severity.ERROR,
    "`continue_final_message: true` (vLLM's and llama.cpp's prefill of the last assistant message) while "
    "`add_generation_prompt` is true or left at its default, true: the servers refuse the pair.",
    # vLLM's ChatCompletionRequest.check_generation_prompt (vllm-project/vllm#8942 added it) and llama-server
    # (ggml-org/llama.cpp#23012: "Mutual exclusion with add_generation_prompt true is enforced, matching
    # vLLM behavior"); an unknown host may be either.
    policy=policy(error=("vllm", "llama.cpp"), warning=("generic",)),
    predicts=(
        PredictedError(
            provider="vllm",
            text="Cannot set both `continue_final_message` and `add_generation_prompt` to True.",
            source="https://github.com/vllm-project/vllm/pull/8942",
        ),
        PredictedError(
            provider="llama.cpp",
            text='llama-server returned 400: "Cannot set both add_generation_prompt and continue_final_message '
            'to true."',
            source="https://github.com/unslothai/unsloth/pull/10219",
        ),
    ),
    example={
        "model": "Qwen/Qwen3-8B",
        "messages": [_USER, {"role": "assistant", "content": "Here is the plan:"}],
        "continue_final_message": True,
    },
    example_url="http://localhost:8000/v1/chat/completions",
    fixed={
        "model": "Qwen/Qwen3-8B",
        "messages": [_USER, {"role": "assistant", "content": "Here is the plan:"}],
        "continue_final_message": True,
        "add_generation_prompt": False,
    },
    notes="`add_generation_prompt` defaults to true on both servers, so a prefill must send it as false. Other "
    "providers do not take either field (their own unknown-field rules say so).",
)

# Numeric fields and whether they must be integers (doc [OAS]).
_NUMERIC = {
    "temperature": False,
    "top_p": False,
    "presence_penalty": False,
    "frequency_penalty": False,
    "n": True,
    "top_logprobs": True,
    "max_tokens": True,
    "max_completion_tokens": True,
    "seed": True,
}
_BOOLEAN = ("stream", "logprobs", "parallel_tool_calls", "store")


AZURE_API_VERSION_FIELD = define(
    "params.azure-api-version-too-old",
    Severity.ERROR,
    "A field (or a field's value) that the request's Azure OpenAI `api-version` predates (tools before "
    "2023-12-01-preview, a json_schema response_format before 2024-08-01-preview, "
    "max_completion_tokens before 2024-09-01-preview, ...).",
    policy=policy(error=("azure",)),
    predicts=(
        PredictedError(
            provider="azure",
            text="Unrecognized request argument supplied: max_completion_tokens",
            source="https://github.com/OpenHands/OpenHands/issues/6777",
        ),
        PredictedError(
            provider="azure",
            text="Unrecognized request argument supplied: functions",
            source="https://github.com/openinterpreter/openinterpreter/issues/618",
        ),
        PredictedError(
            provider="azure",
            text="response_format value as json_schema is enabled only for api versions 2024-08-01-preview and later",
            source="https://github.com/dotnet/extensions/issues/6130",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "max_completion_tokens": 100},
    example_url="https://example.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01",
    fixed={"model": "gpt-4o", "messages": [_USER], "max_tokens": 100},
    notes=(
        "Only when the URL carries a dated api-version (the deployment path); the v1 path and "
        "`preview`/`latest` are current. Raise the api-version, or send the older field (max_tokens)."
    ),
)
#: Providers that document which ``response_format.type`` values they take (ProviderProfile.response_format_types).
_RESPONSE_FORMAT_PROVIDERS = tuple(
    p.id for p in BUILTIN_PROFILES.values() if p.response_format_types is not None
)
JSON_SCHEMA_FOR_MODEL = define(
    "params.json-schema-unsupported-for-model",
    Severity.ERROR,
    "A `json_schema` response format sent to a model the provider serves without Structured Outputs "
    "(Groq: Llama 3.x).",
    policy=policy(
        error=("groq",), conditions={"groq": "Llama 3.x (Structured Outputs: gpt-oss, Kimi K2, Llama 4)"}
    ),
    predicts=(
        PredictedError(
            provider="groq",
            text="400 This model does not support response format `json_schema`.",
            source="https://github.com/plune-ai/cairn/pull/36",
        ),
    ),
    example={
        "model": "llama-3.3-70b-versatile",
        "messages": [_USER],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "answer",
                "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
            },
        },
    },
    example_url="https://api.groq.com/openai/v1/chat/completions",
    fixed={
        "model": "openai/gpt-oss-120b",
        "messages": [_USER],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "answer",
                "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
            },
        },
    },
    notes=(
        "Use a model Groq lists for Structured Outputs (https://console.groq.com/docs/structured-outputs), JSON "
        "mode (`json_object`, with the schema in the prompt), or a forced tool call. Other hosts of the same "
        "Llama weights may serve json_schema; the rule is Groq's."
    ),
)
MAX_TOKENS_BOTH = define(
    "params.max-tokens-and-max-completion-tokens",
    Severity.ERROR,
    "Both `max_tokens` and `max_completion_tokens` in one request, which Volcengine Ark refuses.",
    policy=policy(error=("volcengine",)),
    predicts=(
        PredictedError(
            provider="volcengine",
            text=(
                "The parameter max_tokens specified in the request are not valid: max_tokens and "
                "max_completion_tokens cannot be set at the same time."
            ),
            source="https://github.com/HKUDS/nanobot/issues/2548",
            param="max_tokens",
            code="InvalidParameter",
        ),
    ),
    example={
        "model": "doubao-seed-1-6-250615",
        "messages": [_USER],
        "max_tokens": 4096,
        "max_completion_tokens": 4096,
    },
    example_url="https://ark.cn-beijing.volces.com/api/v3/chat/completions",
    fixed={"model": "doubao-seed-1-6-250615", "messages": [_USER], "max_completion_tokens": 4096},
    notes=(
        "Ark's max_completion_tokens counts reasoning and answer together, max_tokens the answer only "
        "(cloudwego/eino-ext#597); send one of them. Other providers take both (OpenAI uses "
        "max_completion_tokens), so the rule is Ark's only."
    ),
)
EXCLUSIVE_FIELDS = define(
    "params.exclusive-fields",
    Severity.ERROR,
    "Two fields this provider refuses in one request, though it takes each alone (Perplexity: "
    "presence_penalty with frequency_penalty).",
    # Every profile that declares such a pair (ProviderProfile.exclusive_fields, each with its refusal's
    # source), and only those: the pair is a host's validator choice, not the OpenAI schema's.
    policy=declared_policy(
        lambda p: p.exclusive_fields, lambda pairs: "; ".join(" with ".join(pair.fields) for pair in pairs)
    ),
    predicts=(
        PredictedError(
            provider="perplexity",
            text="Cannot set both presence_penalty and frequency_penalty.",
            source="https://github.com/BerriAI/litellm/issues/1817",
            param="frequency_penalty",
        ),
    ),
    example={
        "model": "sonar",
        "messages": [_USER],
        "presence_penalty": 0.5,
        "frequency_penalty": 0.5,
    },
    example_url="https://api.perplexity.ai/chat/completions",
    fixed={"model": "sonar", "messages": [_USER], "presence_penalty": 0.5},
    notes=(
        "Clients that send OpenAI's defaults for both penalties (0 and 0) hit it on every request; keep one. "
        "Volcengine Ark's max_tokens with max_completion_tokens is params.max-tokens-and-max-completion-tokens."
    ),
)
RESPONSE_FORMAT_TYPE = define(
    "params.response-format-type",
    Severity.ERROR,
    "`response_format.type` is one OpenAI defines but the provider does not take (DeepSeek's JSON Output is "
    "`json_object` only, no `json_schema`; LM Studio takes `json_schema`, not `json_object`).",
    policy=policy(
        error=_RESPONSE_FORMAT_PROVIDERS,
        conditions={
            p.id: "types other than " + ", ".join(sorted(p.response_format_types or ()))
            for p in BUILTIN_PROFILES.values()
            if p.response_format_types is not None
        },
    ),
    predicts=(
        PredictedError(
            provider="deepseek",
            text=(
                "Error code: 400 - {'error': {'message': 'This response_format type is unavailable now', 'type': "
                "'invalid_request_error', 'param': None, 'code': 'invalid_request_error'}}"
            ),
            source="https://github.com/UKGovernmentBEIS/inspect_ai/issues/4916",
        ),
        PredictedError(
            provider="deepseek",
            text="DeepseekException - response_format.type `json_schema` is unavailable now",
            source="https://github.com/BerriAI/litellm/pull/31466",
            status=422,
        ),
        PredictedError(
            provider="lmstudio",
            text="API request failed with status 400: {\"error\":\"'response_format.type' must be 'json_schema' or 'text'\"}",
            source="https://github.com/LoadShine/tada/issues/16",
        ),
    ),
    example={
        "model": "deepseek-chat",
        "messages": [{"role": "user", "content": "Reply in JSON with a key `a`."}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "out",
                "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
            },
        },
    },
    example_url="https://api.deepseek.com/chat/completions",
    # The fix differs per provider (DeepSeek: json_object; LM Studio: json_schema); the one every such
    # provider takes is to describe the format in the prompt alone.
    fixed={
        "model": "deepseek-chat",
        "messages": [{"role": "user", "content": "Reply in JSON with a key `a`."}],
    },
    notes=(
        "DeepSeek documents `text` and `json_object` (api-docs.deepseek.com/guides/json_mode): send "
        "`json_object` and put the schema in the prompt, which must mention JSON. LM Studio answers JSON mode "
        'only as structured output: a `json_schema` whose schema is `{"type": "object"}` means the same.'
    ),
)
#: ``2024-09-01-preview`` → ((2024, 9, 1), preview=True): a GA version of a date is later than its preview.
_API_VERSION = re.compile(r"(?:^|&)api-version=(\d{4})-(\d{2})-(\d{2})(-preview)?(?:&|$)")


def _api_version(value: str) -> tuple[int, int, int, int] | None:
    match = _API_VERSION.search(value)
    if match is None:
        return None
    year, month, day, preview = match.groups()
    return int(year), int(month), int(day), 0 if preview else 1


@check
def check_params(view: RequestView) -> Iterator[Finding]:
    body = view.body
    profile = view.provider
    yield from _check_keys(view, body, profile)
    if profile.id in HOSTED_VENDOR_FIELDS:
        yield from _check_hosted_vendor(view, body, profile)
    if profile.id in PARTNER_REJECTED_PARAMS:
        yield from _check_partner_model(view, body, profile)
    if profile.nested_keys is not None:
        yield from _check_nested_keys(view, body, profile.nested_keys, profile.name)
    yield from _check_types_and_ranges(view, body, profile)
    yield from _check_family(view, body, profile)
    yield from _check_combinations(view, body, profile)
    accepted = profile.response_format_types
    response_format = body.get("response_format")
    if accepted is not None and isinstance(response_format, dict):
        kind = response_format.get("type")
        # Only OpenAI's own types: a name OpenAI does not define is response_format.unknown-type's.
        if kind in ("json_schema", "json_object", "text") and kind not in accepted:
            fix = (
                "send {'type': 'json_object'} and describe the schema in the prompt"
                if "json_object" in accepted
                else "send {'type': 'json_schema', 'json_schema': {'name': ..., 'schema': {'type': 'object', ...}}}"
            )
            yield from RESPONSE_FORMAT_TYPE.report(
                view,
                "response_format.type",
                f"{profile.name} does not take response_format type {kind!r} (it takes "
                f"{', '.join(sorted(accepted))}); {fix}.",
            )


#: A nested-keys path compiled once: its steps as (key, each element of a list) pairs, its accepted keys.
_Plan = tuple[tuple[tuple[str, bool], ...], frozenset[str], str]
_PLANS: dict[int, tuple[_Plan, ...]] = {}


def _plan(nested: Mapping[str, frozenset[str]]) -> tuple[_Plan, ...]:
    """``nested``'s paths compiled (cached per mapping: profiles are built once)."""
    plan = _PLANS.get(id(nested))
    if plan is None:
        plan = tuple(
            (tuple((step.removesuffix("[]"), step.endswith("[]")) for step in path.split(".")), known, path)
            for path, known in nested.items()
        )
        if len(_PLANS) < 256:
            _PLANS[id(nested)] = plan
    return plan


def _nested_objects(
    value: Any, steps: tuple[tuple[str, bool], ...], at: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """The objects ``steps`` lead to from ``value``, each with its path. A list step keeps function tools
    only (``type`` absent or ``function``): a provider's built-in tools take other keys."""
    if not steps:
        if isinstance(value, dict):
            yield at, value
        return
    if not isinstance(value, dict):
        return
    (key, each), rest = steps[0], steps[1:]
    child = value.get(key)
    if child is None:
        return
    if not each:
        yield from _nested_objects(child, rest, (*at, key))
    elif isinstance(child, list):
        for i, item in enumerate(child):
            if isinstance(item, dict) and item.get("type", "function") == "function":
                yield from _nested_objects(item, rest, (*at, key, i))


def _location(at: tuple[str | int, ...], key: str) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in (*at, key)).lstrip(".")


def _check_nested_keys(
    view: RequestView, body: dict[str, Any], nested: Mapping[str, frozenset[str]], name: str
) -> Iterator[Finding]:
    for steps, known, path in _plan(nested):
        if steps[0][0] not in body:
            continue  # most requests carry none of these objects: one dict lookup each
        for at, value in _nested_objects(body, steps):
            for key in value:
                if key not in known:
                    yield from UNKNOWN_NESTED_FIELD.report(
                        view,
                        _location(at, key),
                        f"{name} does not define `{key}` in `{path}` (it takes {', '.join(sorted(known))}) "
                        f"and refuses the request; remove `{key}` or move it where the API defines it.",
                    )


def _check_keys(view: RequestView, body: dict[str, Any], profile: ProviderProfile) -> Iterator[Finding]:
    known = profile.known_params
    if profile.id == "azure" and view.target.query and not _AZURE_GATED_KEYS.isdisjoint(body):
        yield from _check_azure_api_version(view, body)
    for key in body:
        if known is not None and key not in known:
            snake = _CAMEL.sub(lambda m: f"{m.group()[0]}_{m.group()[1].lower()}", key)
            if snake != key and snake in known:
                # A client's camelCase spelling (maxTokens, topP): the fix is the wire name.
                hint = f"; send it as `{snake}`, the name the API defines."
            elif key == "extra_body":
                hint = "; `extra_body` is an SDK argument, its contents belong at the top level."
            else:
                hint = "; remove it (with the OpenAI SDK, extra_body fields are merged into the top level)."
            yield from UNKNOWN_PARAM.report(
                view, key, f"{profile.name} does not accept the field `{key}` and rejects the request{hint}"
            )
        elif key in profile.rejected_params:
            yield from REJECTED_BY_PROVIDER.report(
                view, key, f"{profile.rejected_params[key]}; remove `{key}` from requests to {profile.name}."
            )
        elif key in profile.ignored_params:
            yield from IGNORED_BY_PROVIDER.report(
                view, key, f"{profile.name} ignores `{key}`; the request runs as if it were not set."
            )


def _check_partner_model(
    view: RequestView, body: dict[str, Any], profile: ProviderProfile
) -> Iterator[Finding]:
    pattern, fields = PARTNER_REJECTED_PARAMS[profile.id]
    model = view.model
    if not isinstance(model, str) or not pattern.search(model):
        return
    for key, why in fields.items():
        if body.get(key) is not None:
            yield from REJECTED_FOR_PARTNER_MODEL.report(
                view, key, f"{why}; {model} is a partner model there: remove `{key}` from its requests."
            )


def _check_hosted_vendor(
    view: RequestView, body: dict[str, Any], profile: ProviderProfile
) -> Iterator[Finding]:
    pattern, vendor_id = HOSTED_VENDOR_FIELDS[profile.id]
    model = view.model
    vendor = BUILTIN_PROFILES[vendor_id]
    if not isinstance(model, str) or not pattern.search(model) or vendor.known_params is None:
        return
    for key in body:
        if key == "stream_options":
            # Taken, but Mistral's model has no include_usage (litellm#11696 names that key).
            options = body[key]
            if isinstance(options, dict) and "include_usage" in options:
                yield from UNKNOWN_FOR_HOSTED_VENDOR.report(
                    view,
                    "stream_options.include_usage",
                    f"{profile.name} validates {model} with {vendor.name}'s request model, which refuses "
                    "`stream_options.include_usage` (422 extra_forbidden); drop it.",
                )
        # A key the host's own list lacks is params.unknown's already (one finding a field).
        elif key not in vendor.known_params and (profile.known_params is None or key in profile.known_params):
            hint = " send `max_tokens` instead." if key == "max_completion_tokens" else " remove it."
            yield from UNKNOWN_FOR_HOSTED_VENDOR.report(
                view,
                key,
                f"{profile.name} validates {model} with {vendor.name}'s request model, which refuses `{key}` "
                f"(422 extra_forbidden);{hint}",
            )


#: The top-level keys whose presence (or value) a dated Azure api-version may predate.
_AZURE_GATED_KEYS: Final = frozenset(AZURE_FIELD_API_VERSIONS) | {key for key, _ in AZURE_VALUE_API_VERSIONS}


def _check_azure_api_version(view: RequestView, body: dict[str, Any]) -> Iterator[Finding]:
    sent = _api_version(view.target.query)
    if sent is None:
        return
    version = view.target.query.split("api-version=", 1)[1].split("&", 1)[0]
    for (key, value), first in AZURE_VALUE_API_VERSIONS.items():
        needed = _api_version(f"api-version={first}")
        field = body.get(key)
        kind = field.get("type") if isinstance(field, dict) else None
        if kind == value and needed is not None and sent < needed:
            yield from AZURE_API_VERSION_FIELD.report(
                view,
                f"{key}.type",
                f"api-version {version} predates `{key}` of type `{value}` (Azure OpenAI takes it from "
                f"{first}); raise the api-version in the URL.",
            )
    for key, first in AZURE_FIELD_API_VERSIONS.items():
        needed = _api_version(f"api-version={first}")
        if key in body and body[key] is not None and needed is not None and sent < needed:
            yield from AZURE_API_VERSION_FIELD.report(
                view,
                key,
                f"api-version {view.target.query.split('api-version=', 1)[1].split('&', 1)[0]} predates "
                f"`{key}` (Azure OpenAI has it from {first}); raise the api-version in the URL"
                + (", or send `max_tokens`." if key == "max_completion_tokens" else "."),
            )


def _check_types_and_ranges(
    view: RequestView, body: dict[str, Any], profile: ProviderProfile
) -> Iterator[Finding]:
    lax = profile.lax_scalar_types
    # A strict server's typed model drops a key it does not declare, whatever its type.
    typed = profile.strict_scalar_fields
    for key, integer in _NUMERIC.items():
        value = body.get(key)
        if value is None or (typed is not None and key not in typed):
            continue
        if lax and lax_converts(value, "int" if integer else "float"):
            continue  # the server converts it before judging it (ProviderProfile.lax_scalar_types)
        if not is_number(value) or (integer and isinstance(value, float) and not value.is_integer()):
            expected = "an integer" if integer else "a number"
            yield from report_judged(
                WRONG_TYPE, view, key, f"`{key}` is {value!r} ({type(value).__name__}); send {expected}."
            )
            continue
        if isinstance(value, float) and not math.isfinite(value):
            yield from report_judged(WRONG_TYPE, view, key, f"`{key}` is {value}; send a finite number.")
    for key in _BOOLEAN:
        value = body.get(key)
        if typed is not None and key not in typed:
            continue
        if value is not None and not isinstance(value, bool) and not (lax and lax_converts(value, "bool")):
            yield from report_judged(WRONG_TYPE, view, key, f"`{key}` is {value!r}; send true or false.")
    for key, spec in profile.ranges.items():
        value = body.get(key)
        if not is_number(value) or spec.bounds.contains(value):
            continue
        yield from _range_finding(view, key, value, spec, profile)


def _range_finding(
    view: RequestView, key: str, value: float, spec: ParamRange, profile: ProviderProfile
) -> Iterator[Finding]:
    rule = _RANGE_RULES.get(key, SAMPLING_RANGE)
    hint = ""
    if key == "top_p" and value == 0 and spec.bounds.low_open:
        hint = " For greedy decoding use temperature 0 instead of top_p 0."
    yield from rule.report(
        view,
        key,
        f"`{key}` is {value}; {profile.name} accepts {spec.bounds.describe()} ({spec.source}).{hint}",
    )


def _field_name(key: str, profile: ProviderProfile) -> str:
    """The field ``key`` names at ``profile``: itself, or on a proto3-JSON provider the snake_case
    field of a lowerCamelCase key (``presencePenalty`` → ``presence_penalty``)."""
    if not profile.proto_json_names or not any(c.isupper() for c in key):
        return key
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


def _check_family(view: RequestView, body: dict[str, Any], profile: ProviderProfile) -> Iterator[Finding]:
    family = family_of(view)
    if family is DEFAULT_FAMILY:
        return
    model = model_for_family(view)
    # On a proto3-JSON provider (xAI) `reasoningEffort` is `reasoning_effort`: judge each key by the
    # field it names there, and report it as sent.
    names = {key: _field_name(key, profile) for key in body}
    effort_key = next((key for key, name in names.items() if name == "reasoning_effort"), None)
    effort = body.get(effort_key) if effort_key is not None else None
    sampling_allowed = family.sampling_when_effort_none and effort == "none"
    if family.rejects_max_tokens and "max_tokens" in body:
        yield from MAX_TOKENS_REASONING.report(
            view,
            "max_tokens",
            f"{model} ({family.name}) does not accept `max_tokens`; send the limit as "
            "`max_completion_tokens` instead (it also counts reasoning tokens).",
        )
    temperature = body.get("temperature")
    if (
        family.fixed_temperature is not None
        and is_number(temperature)
        and temperature != family.fixed_temperature
        and not sampling_allowed
    ):
        yield from TEMPERATURE_REASONING.report(
            view,
            "temperature",
            f"{model} ({family.name}) only supports temperature {_fmt(family.fixed_temperature)}; "
            f"got {temperature}. Omit `temperature`"
            + (" or set reasoning_effort to 'none'." if family.sampling_when_effort_none else "."),
        )
    for key in body:
        if names[key] in family.unsupported_params:
            yield from UNSUPPORTED_FOR_MODEL.report(
                view, key, f"{model} ({family.name}) does not support `{key}`; remove it from the request."
            )
        elif key in family.doubtful_params and not sampling_allowed:
            yield from DOUBTFUL_FOR_MODEL.report(
                view,
                key,
                f"{model} ({family.name}) is reported not to support `{key}`; remove it if the provider "
                "rejects the request.",
            )
        elif key in family.ignored_params:
            yield from IGNORED_FOR_MODEL.report(
                view, key, f"{model} ({family.name}) accepts `{key}` but ignores it; it has no effect."
            )
    response_format = body.get("response_format")
    if (
        family.json_schema is False
        and isinstance(response_format, dict)
        and response_format.get("type") == "json_schema"
    ):
        yield from JSON_SCHEMA_FOR_MODEL.report(
            view,
            "response_format.type",
            f"{model} ({family.name}) is served without Structured Outputs on {profile.name}, so a json_schema "
            "response format is refused; use a model that has them, or json_object with the schema in the "
            "prompt.",
        )
    if effort is not None and effort_key is not None and family.reasoning_effort is False:
        yield from REASONING_EFFORT_UNSUPPORTED.report(
            view,
            effort_key,
            f"{model} ({family.name}) does not take `{effort_key}`; remove the key entirely. "
            "If this model does reason, declare it in the toolguard_providers config file.",
        )


def _check_combinations(
    view: RequestView, body: dict[str, Any], profile: ProviderProfile
) -> Iterator[Finding]:
    pid = profile.id
    rejected = profile.rejected_params
    top_logprobs = body.get("top_logprobs")
    if (
        top_logprobs is not None
        and top_logprobs != 0
        and body.get("logprobs") is not True
        and "top_logprobs" not in rejected
    ):
        yield from report_judged(
            TOP_LOGPROBS_WITHOUT_LOGPROBS,
            view,
            "top_logprobs",
            "`top_logprobs` needs `logprobs: true`; set it or drop `top_logprobs`.",
        )
    logit_bias = body.get("logit_bias")
    if logit_bias is not None and "logit_bias" not in rejected:
        problem = _logit_bias_problem(logit_bias)
        if problem:
            yield from report_judged(
                LOGIT_BIAS,
                view,
                "logit_bias",
                f'`logit_bias` {problem}; send {{"<token id>": <integer -100..100>}}.',
            )
    if (
        pid == "volcengine"
        and body.get("max_tokens") is not None
        and body.get("max_completion_tokens") is not None
    ):
        yield from MAX_TOKENS_BOTH.report(
            view,
            "max_tokens",
            "the request sets both max_tokens and max_completion_tokens; Volcengine Ark takes one. Keep "
            "max_completion_tokens (it bounds reasoning and answer together) and drop max_tokens.",
        )
    for pair in profile.exclusive_fields:
        first, second = pair.fields
        if body.get(first) is not None and body.get(second) is not None:
            drop = second if pair.keep == first else first
            yield from EXCLUSIVE_FIELDS.report(
                view,
                drop,
                f"the request sets both {first} and {second}; {profile.name} refuses the pair ({pair.source}). "
                f"Keep {pair.keep} and drop {drop}.",
            )
    stop = body.get("stop")
    if profile.max_stop is not None and isinstance(stop, list) and len(stop) > profile.max_stop:
        yield from STOP_COUNT.report(
            view,
            "stop",
            f"`stop` has {len(stop)} sequences; {profile.name} allows at most {profile.max_stop}.",
        )
    if body.get("continue_final_message") is True and body.get("add_generation_prompt", True) is not False:
        yield from CONTINUE_WITH_GENERATION_PROMPT.report(
            view,
            "continue_final_message",
            "`continue_final_message` is true and `add_generation_prompt` is "
            + ("true" if "add_generation_prompt" in body else "left at its default, true")
            + "; the server takes one of them. Send `add_generation_prompt: false` with the prefill.",
        )
    if "stream_options" in body and body.get("stream_options") is not None and body.get("stream") is not True:
        yield from report_judged(
            STREAM_OPTIONS,
            view,
            "stream_options",
            "`stream_options` is only allowed with `stream: true`; drop it for non-streaming requests.",
        )
    effort = body.get("reasoning_effort")
    if isinstance(effort, str):
        # The engine behind the host reads the field with its own list (Ollama's behind ollama.com).
        engine = engine_profile(view) if profile.reasoning_efforts is None else None
        allowed = profile.reasoning_efforts if engine is None else engine.reasoning_efforts
        if allowed is not None and effort not in allowed:
            yield from REASONING_EFFORT_VALUE.report(
                view,
                "reasoning_effort",
                f"`reasoning_effort` is {effort!r}; {(engine or profile).name} accepts {', '.join(sorted(allowed))}.",
            )


def _logit_bias_problem(logit_bias: Any) -> str | None:
    if not isinstance(logit_bias, dict):
        return f"is a {type(logit_bias).__name__}, not an object"
    for key, value in logit_bias.items():
        if not str(key).lstrip("-").isdigit():
            return f"has the key {key!r}, which is not a token id"
        if not is_number(value) or not -100 <= value <= 100:
            return f"maps {key} to {value!r}, outside -100..100"
    return None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
