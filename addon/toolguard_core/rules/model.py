"""Model rules (prefix ``model.``): what the requested model accepts, from the model catalog, on any host.

The catalog (:mod:`toolguard_core.catalog`) knows a model by its name whatever host serves it, so
these rules also run behind a company gateway, a LiteLLM proxy or a relay that toolguard does not
recognise (the generic profile): the provider is then inferred from the model name, and every
finding says so. A request whose host and model are both unknown gets one info finding saying the
model rules were skipped (issue #9: never silently).

Severity has two inputs. The rule's policy says, per provider, whether that provider rejects the request
(error: its own error text is cited on the rule), accepts it with risk (warning) or accepts it (silent:
self-hosted servers, whose model names and limits are whatever the operator configured). What the catalog's
fact rests on is the second input, declared once in :data:`KNOWLEDGE` (the vendor's own entry, the host's own
statement, a relay to the vendor, the vendor inferred from the name, the vendor's entry for the same model
under its alias, a family the vendor documents as a whole: the policy's level holds; a reseller's entry
alone, one of a host's two listings, a lossy name match, a host that is not the vendor, a vendor without a
profile: at most a warning saying why), with :data:`RULE_CERTAIN` for the rules that know better for their
own capability (a model without image input takes none on any host).

Rules that the model-family rules (``params.*``, ``roles.*``) already report on a recognised
provider are not repeated here: the reasoning-model rules below run only where those did not
(an unrecognised host whose model the catalog attributes to a vendor).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from toolguard_core.catalog import OLLAMA_CLOUD_ANY, ModelInfo, cloud_vendor, own_name
from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import (
    BUILTIN_PROFILES,
    DEFAULT_FAMILY,
    ModelFamily,
    normalise_model,
)
from toolguard_core.request import (
    CHAT,
    GEMINI,
    MESSAGES,
    RESPONSES,
    RequestView,
    gemini_field,
    gemini_key,
    gemini_many,
    gemini_payload,
)
from toolguard_core.rules.history import Entry
from toolguard_core.rules.modelinfo import (
    SAMPLING_EXCLUSIVE_MODEL,
    beta_enabled,
    claude_family,
    claude_version,
    family_of,
    is_number,
    temperature_removed,
)
from toolguard_core.rules.policy import OPENAI_FAMILY, SELF_HOSTED
from toolguard_core.rules.registry import Policy, PredictedError, Rule, check, define, policy

_USER = {"role": "user", "content": "Hello"}
_GENERIC_URL = "https://llm.corp.example/v1/chat/completions"
_OPENROUTER_URL = "https://openrouter.ai/api/v1/chat/completions"
_GEMINI_URL = "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

#: Each built-in profile's catalog vendor ids (declared on the profiles); Azure serves OpenAI's models
#: with OpenAI's validator, so it shares OpenAI's.
VENDOR_IDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {p.id: p.catalog_vendors for p in BUILTIN_PROFILES.values() if p.catalog_vendors}
)
#: The provider a model's catalog vendor ids point to on an unrecognised host (Azure is not inferred:
#: the same models, but a gateway speaking OpenAI's API is judged as OpenAI).
_INFERABLE = tuple(pid for pid in VENDOR_IDS if pid != "azure")


# --- policies ---------------------------------------------------------------------------------
# The level is read for the provider a request is judged as: the host, or on an unrecognised host the
# vendor the model name points to (``judged_as``, said in every finding). A capability only resellers'
# catalog entries state, or a host that is not the model's vendor, is reported as a warning whatever the
# level (``uncertain``: the check states its evidence, the policy sets the level). Self-hosted servers
# are silent: their model names and limits are whatever the operator configured.


def _capability_policy(*error: str) -> Policy:
    return policy(error=error, silent=("self-hosted",), otherwise=Severity.WARNING)


#: The OpenAI reasoning-family rules applied off OpenAI's own host: judged as OpenAI when the model name
#: is one of its families (providers.py OPENAI_FAMILIES); on api.openai.com and Azure params.* reports.
_FAMILY_POLICY = policy(
    error=("openai", "generic", "copilot"),
    conditions={
        "openai": "judged as OpenAI off its own host; on api.openai.com params.* reports it",
        "generic": "a model name of an OpenAI reasoning family",
        "copilot": "an OpenAI reasoning model (Copilot answers with OpenAI's validator)",
    },
)
#: Known hosts that hand OpenAI's models to OpenAI's own validator, so its reasoning-family rules hold
#: there: GitHub Copilot's chat API answers OpenAI's texts (caozhiyuan/copilot-api#164: "Unsupported
#: parameter: 'max_tokens' is not supported with this model."; microsoft/vscode#282170 for top_p).
FAMILY_RELAYS = frozenset({"copilot"})
#: The vendors whose models those relays hand to the vendor's own validator (catalog vendor id -> name):
#: Copilot answers Claude requests with Anthropic's texts too (microsoft/copilot-eclipse-feedback#79:
#: "temperature and top_p cannot both be specified for this model").
RELAYED_VENDORS: Mapping[str, str] = MappingProxyType({"openai": "OpenAI", "anthropic": "Anthropic"})


def _relayed_vendor(provider_id: str, info: ModelInfo) -> str | None:
    """The vendor (catalog id) whose validator a relay hands this model to, or None."""
    if provider_id not in FAMILY_RELAYS:
        return None
    if info.providers:
        return next((v for v in RELAYED_VENDORS if v in info.providers), None)
    # The relay's own catalog entry (models.dev's github-copilot ``claude-sonnet-4.5``) lists no vendor:
    # the name does.
    if own_name(info.name).startswith("claude-"):
        return "anthropic"
    return "openai" if BUILTIN_PROFILES["openai"].family_for(info.name) is not DEFAULT_FAMILY else None


# --- rule definitions -------------------------------------------------------------------------

TOOLS_UNSUPPORTED = define(
    "model.tools-unsupported",
    Severity.ERROR,
    "`tools` (or `functions`; on Gemini's native API `functionDeclarations`) sent to a model that has no "
    "function calling.",
    policy=_capability_policy("openrouter", "openai-family", "gemini", "perplexity", "generic"),
    predicts=(
        PredictedError(
            provider="openrouter",
            text=(
                "No endpoints found that support tool use. To learn more about provider routing, visit: "
                "https://openrouter.ai/docs/provider-routing"
            ),
            source="https://github.com/pydantic/pydantic-ai/issues/2896",
            status=404,
        ),
        PredictedError(
            provider="gemini",
            text=(
                "google.api_core.exceptions.InvalidArgument: 400 Function calling is not enabled for "
                "models/gemma-3-27b-it"
            ),
            source=(
                "https://github.com/ThatHunky/gryag/blob/main/docs/features/function-calling-support-detection.md"
            ),
            status=400,
        ),
        # Perplexity's Sonar API on `sonar` (its host fact in the catalog: sonar-pro and sonar-reasoning-pro
        # take tools there, measured live by rcconsult/ppxai).
        PredictedError(
            provider="perplexity",
            text="Error code: 400 - {'error': {'message': 'Tool calling is not supported for this model'}}",
            source="https://github.com/rcconsult/ppxai/blob/main/docs/TOOL_APPROACHES.md",
            status=400,
        ),
    ),
    fixed={"model": "openai/gpt-5-chat", "messages": [_USER]},
    example={
        "model": "openai/gpt-5-chat",
        "messages": [_USER],
        "tools": [{"type": "function", "function": {"name": "ls", "parameters": {"type": "object"}}}],
    },
    example_url=_OPENROUTER_URL,
    notes=(
        "The catalog's `function_calling` flag (LiteLLM `supports_function_calling`, models.dev "
        "`tool_call`); where the two sources disagree nothing is flagged. Also read on Gemini's native "
        "`generateContent`, where Google refuses `functionDeclarations` for a model without function calling "
        "(the hosted Gemma models). Use a model with tool calling, or drop `tools`/`tool_choice`."
    ),
)
TOOL_CHOICE_UNSUPPORTED = define(
    "model.tool-choice-unsupported",
    Severity.ERROR,
    "`tool_choice` forces a tool call (`required` or a named function) on a model that does not take a "
    "forced `tool_choice`.",
    policy=_capability_policy("deepseek", "generic"),
    predicts=(
        PredictedError(
            provider="deepseek",
            text="deepseek-reasoner does not support this tool_choice",
            source="https://github.com/google-gemini/gemini-fullstack-langgraph-quickstart/issues/123",
        ),
    ),
    example={
        "model": "deepseek-reasoner",
        "messages": [_USER],
        "tools": [{"type": "function", "function": {"name": "ls", "parameters": {"type": "object"}}}],
        "tool_choice": {"type": "function", "function": {"name": "ls"}},
    },
    example_url="https://api.deepseek.com/chat/completions",
    fixed={
        "model": "deepseek-reasoner",
        "messages": [_USER],
        "tools": [{"type": "function", "function": {"name": "ls", "parameters": {"type": "object"}}}],
    },
    notes=(
        "The catalog's `tool_choice` flag (LiteLLM `supports_tool_choice`). LangChain's "
        "`with_structured_output` forces a named tool this way. Only forcing values are flagged: whether "
        "such a model takes `auto` or `none` is not known. Drop `tool_choice` (or use `auto`) and ask for "
        "the tool in the prompt, or use a model that takes a forced choice."
    ),
)
IMAGE_UNSUPPORTED = define(
    "model.image-unsupported",
    Severity.ERROR,
    "An `image_url` content part sent to a model without image input.",
    # Z.ai/Zhipu and Alibaba Cloud's own APIs refuse an image part for their text models (GLM 4.5-5.x, Qwen
    # Max/Plus/Coder): the refusal texts below; the catalog's vendor entries say which models see images
    # (glm-4.6v, qwen-vl-*), and a fact only a reseller states stays a warning (``uncertain``). xAI's API
    # refuses an image for its text models (Grok 3, Grok Code Fast 1: the text below). GitHub Copilot
    # refuses one for grok-code-fast-1 too ("image media type not supported", microsoft/vscode#263970) in its
    # own words: it is not a relay of xAI's validator (FAMILY_RELAYS), but it does reject, so an error where
    # the catalog knows the model takes no images (session 14: the level says whether the host rejects; how
    # sure the catalog is stays the ``uncertain`` doubt). Groq's validator refuses any image part for a model
    # without vision ("message[0].content must be a string", vercel/ai#2837).
    policy=_capability_policy(
        "openai-family", "openrouter", "deepseek", "zhipu", "dashscope", "xai", "groq", "copilot", "generic"
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text="Invalid content type. image_url is only supported by certain models.",
            source="https://github.com/browser-use/web-ui/issues/274",
            param="messages.[1].content.[1].type",
        ),
        PredictedError(
            provider="openrouter",
            text=(
                '{"code":400,"message":"Provider returned error","metadata":{"provider_name":"OpenAI","raw":'
                '"{ \\"error\\": { \\"message\\": \\"Invalid content type. image_url is only supported by certain '
                'models.\\" } }"}}'
            ),
            source="https://github.com/danny-avila/LibreChat/issues/6333",
        ),
        PredictedError(
            provider="deepseek",
            text=(
                "Failed to deserialize the JSON body into the target type: messages[0]: data did not match "
                "any variant of untagged enum ChatCompletionRequestContent at line 1 column 286017"
            ),
            source="https://github.com/deepseek-ai/DeepSeek-V3/issues/337",
        ),
        PredictedError(
            provider="zhipu",
            # glm-4.6/glm-5 through a relay to Z.ai's endpoint: 1210 "messages.content.type 参数非法，取值范围
            # ['text']" (the relay's maintainer: a bare curl to Zhipu gets the same 1210).
            text='{"error":{"code":"1210","message":"Invalid API parameter, please check the documentation."}}',
            source="https://github.com/router-for-me/CLIProxyAPIPlus/issues/69",
        ),
        PredictedError(
            provider="zhipu",
            text="API 调用参数有误，请检查文档。",
            source="https://github.com/DayuanJiang/next-ai-draw-io/issues/656",
        ),
        PredictedError(
            provider="dashscope",
            text=(
                "<400> InternalError.Algo.InvalidParameter: The provided messages input is invalid. The error "
                "info is [Unexpected item type in content.]."
            ),
            source="https://github.com/aliyun/iac-code/issues/54",
            code="invalid_parameter_error",
        ),
        PredictedError(
            provider="xai",
            # grok-3 on api.x.ai, as LobeChat relayed it.
            text="The model does not support image input but some images are present in the request.",
            source="https://github.com/lobehub/lobehub/pull/7360",
        ),
        PredictedError(
            provider="groq",
            text="message[0].content must be a string",
            # An image part to a Groq text model (the AI SDK's request body quoted in the thread).
            source="https://github.com/vercel/ai/issues/2837",
        ),
        PredictedError(
            provider="copilot",
            text='{"error":{"message":"image media type not supported","code":"invalid_request_body"}}',
            # grok-code-fast-1 in VS Code's Copilot Chat.
            source="https://github.com/microsoft/vscode/issues/263970",
        ),
        PredictedError(
            # A `:cloud` model relayed by a local Ollama to ollama.com (Claude Code on /v1/messages).
            provider="ollama",
            text="400 this model does not support image input (ref: b1feda6a-…)",
            source="https://github.com/anthropics/claude-code/issues/91112",
            status=400,
        ),
    ),
    fixed={
        "model": "gpt-4o",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": _PNG}},
                ],
            }
        ],
    },
    example={
        "model": "o3-mini",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": _PNG}},
                ],
            }
        ],
    },
    notes="The catalog's `vision` flag (LiteLLM `supports_vision`, models.dev input modalities).",
)
AUDIO_UNSUPPORTED = define(
    "model.audio-unsupported",
    Severity.WARNING,
    "An `input_audio` content part sent to a model without audio input.",
    policy=_capability_policy(),
    fixed={
        "model": "gpt-4o-audio-preview",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZF", "format": "wav"}}
                ],
            }
        ],
    },
    example={
        "model": "gpt-4o-mini",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZF", "format": "wav"}}
                ],
            }
        ],
    },
    notes=(
        "A warning: no provider's rejection text for this case is collected yet (OpenAI's text-only "
        "models reject other non-text parts with `Invalid content type. ... is only supported by certain "
        "models.`, see model.image-unsupported). Use an audio model (gpt-4o-audio-preview, gemini-2.5-*)."
    ),
)
PARALLEL_UNSUPPORTED = define(
    "model.parallel-tool-calls-unsupported",
    Severity.ERROR,
    "`parallel_tool_calls` (even `false`) sent to an OpenAI model that does not take it (o1, o3, o3-mini, "
    "o4-mini).",
    # Acted on for OpenAI's own models only (the check's condition): other providers accept the field.
    policy=policy(
        error=("openai-family", "generic"),
        conditions={"generic": "a model the catalog attributes to OpenAI (judged as OpenAI)"},
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text="Unsupported parameter: 'parallel_tool_calls' is not supported with this model.",
            source="https://github.com/evalstate/fast-agent/issues/279",
            param="parallel_tool_calls",
            code="unsupported_parameter",
        ),
        PredictedError(
            provider="azure",
            text="Unsupported parameter: 'parallel_tool_calls' is not supported with this model.",
            source="https://github.com/microsoft/semantic-kernel/issues/10365",
            param="parallel_tool_calls",
            code="unsupported_parameter",
        ),
    ),
    fixed={
        "model": "o4-mini",
        "messages": [_USER],
        "tools": [{"type": "function", "function": {"name": "ls", "parameters": {"type": "object"}}}],
    },
    example={
        "model": "o4-mini",
        "messages": [_USER],
        "tools": [{"type": "function", "function": {"name": "ls", "parameters": {"type": "object"}}}],
        "parallel_tool_calls": False,
    },
    notes=(
        "The catalog's `parallel_tool_calls` flag (LiteLLM `supports_parallel_function_calling`), acted on "
        "for OpenAI's own models only: other providers accept the field whatever the model does. Omit the "
        "key. Without `tools` the request is parallel_tool_calls.without-tools instead."
    ),
)
MAX_TOKENS_ABOVE_LIMIT = define(
    "model.max-tokens-above-limit",
    Severity.ERROR,
    "`max_tokens` / `max_completion_tokens` above the model's output limit.",
    # Alibaba Cloud's DashScope and DeepSeek validate `max_tokens` against the model's own output limit and
    # answer with the range (the texts below), so the catalog's limit from their own entries is an error there.
    policy=_capability_policy("openai-family", "anthropic", "volcengine", "dashscope", "deepseek", "generic"),
    predicts=(
        PredictedError(
            provider="dashscope",
            text="400: <400> InternalError.Algo.InvalidParameter: Range of max_tokens should be [1, 8192]",
            source="https://github.com/open-webui/open-webui/issues/10507",
            code="invalid_parameter_error",
        ),
        PredictedError(
            provider="deepseek",
            text="Invalid max_tokens value, the valid range of max_tokens is [1, 8192]",
            # deepseek-reasoner through pollinations' DeepSeek backend.
            source="https://github.com/pollinations/pollinations/issues/1291",
        ),
        PredictedError(
            provider="volcengine",
            text=(
                "The parameter `max_tokens` specified in the request are not valid: integer above maximum "
                "value, expected a value <= 4096, but got 8192 instead."
            ),
            source="https://github.com/langgenius/dify/issues/14376",
            param="max_tokens",
            code="InvalidParameter",
        ),
        PredictedError(
            provider="volcengine",
            text=(
                "The parameter `max_completion_tokens` specified in the request are not valid: integer above "
                "maximum value, expected a value <= 12288, but got 16384 instead."
            ),
            source="https://github.com/xuanyustudio/LocalMiniDrama/issues/39",
            param="max_completion_tokens",
        ),
        PredictedError(
            provider="anthropic",
            text=(
                "max_tokens: 128001 > 64000, which is the maximum allowed number of output tokens for "
                "claude-opus-4-5-20251101"
            ),
            source="https://github.com/anthropics/claude-code/issues/24451",
        ),
        # Bedrock checks the limit of the model it serves too (Claude 3.5 Haiku there, 2024); a Bedrock id names the
        # vendor's release (catalog vendor_siblings), so the vendor's limit is the model's there as well.
        PredictedError(
            provider="bedrock",
            text=(
                "ValidationException: The maximum tokens you requested exceeds the model limit of 4096. Try again "
                "with a maximum tokens value that is lower than 4096."
            ),
            source="https://github.com/langgenius/dify/issues/10390",
        ),
        PredictedError(
            provider="openai",
            text=(
                "max_tokens is too large: 20480. This model supports at most 16384 completion tokens, "
                "whereas you provided 20480."
            ),
            source="https://github.com/tailcallhq/forgecode/issues/1185",
            param="max_tokens",
            code="invalid_value",
        ),
        PredictedError(
            provider="openai",
            text=(
                "max_tokens is too large: 32000. This model supports at most 16384 completion tokens, "
                "whereas you provided 32000."
            ),
            source="https://github.com/enoch3712/ExtractThinker/issues/346",
        ),
    ),
    fixed={"model": "gpt-4o", "messages": [_USER], "max_tokens": 16384},
    example={"model": "gpt-4o", "messages": [_USER], "max_tokens": 32000},
    notes=(
        "The limit is the larger of the two catalog sources' output limits, so a finding is certain for "
        "that model; other hosts of the model (warning) may cap differently. Checked for the Messages API "
        "too, on the beta surface as well (`?beta=true`, which Claude Code always sends, and Vertex): only "
        "Claude 3.5 Sonnet (June 2024) and Claude 3.7 Sonnet have a limit an output beta raises (OUTPUT_BETA_MODELS), "
        "and they are not judged there, since the rules do not see the beta headers."
    ),
)
CONTEXT_EXCEEDED = define(
    "model.context-window-exceeded",
    Severity.ERROR,
    "The messages and tool definitions cannot fit the model's context window.",
    policy=_capability_policy("openai-family", "deepseek", "generic"),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "This model's maximum context length is 128000 tokens. However, your messages resulted in "
                "204308 tokens. Please reduce the length of the messages."
            ),
            source="https://github.com/webtimemachine/wtm2/issues/579",
            param="messages",
            code="context_length_exceeded",
        ),
        PredictedError(
            provider="deepseek",
            text=(
                "This model's maximum context length is 131072 tokens. However, you requested 131134 tokens "
                "(122942 in the messages, 8192 in the completion). Please reduce the length of the messages "
                "or completion."
            ),
            source="https://github.com/evalstate/fast-agent/issues/621",
        ),
        PredictedError(
            provider="openai",
            text=(
                "This model's maximum context length is 8192 tokens. However, you requested 8256 tokens (64 in "
                "the messages, 8192 in the completion). Please reduce the length of the messages or completion."
            ),
            source="https://github.com/ChatGPTNextWeb/NextChat/issues/3195",
            param="messages",
            code="context_length_exceeded",
        ),
    ),
    fixed={"model": "gpt-4", "messages": [{"role": "user", "content": "word " * 100}]},
    example={"model": "gpt-4", "messages": [{"role": "user", "content": "word " * 9000}]},
    notes=(
        "No tokenizer is downloaded. Error only when the count of whitespace-separated words already "
        "exceeds the window: tokenizers split text at whitespace before merging (tiktoken, SentencePiece "
        "with whitespace splitting), so every word is at least one token and the count is a certain lower "
        "bound. The words are counted only when characters/4 (the usual English average) exceeds the window, "
        "which alone is a warning. Images are not counted. Where the catalog's output limit spans the whole "
        "window, `max_tokens` plus one token per message above the window is an error too."
    ),
)
REASONING_EFFORT_FOR_MODEL = define(
    "model.reasoning-effort-value",
    Severity.ERROR,
    "`reasoning_effort` has a value this model does not take (the set differs between o-series, gpt-5, "
    "gpt-5.1+, Grok, Kimi, ...).",
    policy=policy(
        # Groq refuses `reasoning_effort` on the models that do not reason ("Groq models that do not
        # support reasoning_effort ... will simply throw a 400 error", Groq staff in
        # UKGovernmentBEIS/inspect_ai#2395) and any value a reasoning model does not take (Qwen 3:
        # "`reasoning_effort` must be one of `none` or `default`"). Which model takes which values is
        # Groq's own statement (its reasoning guide), recorded as host facts in the catalog; a fact only
        # resellers' entries give stays a warning (the doubt).
        error=("openai-family", "generic", "copilot", "groq"),
        silent=("self-hosted",),
        otherwise=Severity.WARNING,
        conditions={
            "copilot": "an OpenAI model (Copilot answers with OpenAI's validator, kaitranntt/ccs#344)",
            "groq": "a model whose reasoning Groq states (the catalog's Groq host facts)",
        },
    ),
    predicts=(
        PredictedError(
            provider="kimi-code",
            text=(
                "Unsupported value: 'reasoning_effort' does not support 'none' with this model. Supported "
                "values are: 'minimal', 'low', 'medium', and 'high'."
            ),
            source="https://github.com/Kilo-Org/cloud/pull/3807",
        ),
        PredictedError(
            # A model that does not reason takes no value (gpt-4o with reasoning_effort "none").
            provider="openai",
            text="Unrecognized request argument supplied: reasoning_effort",
            source="https://github.com/generative-computing/mellea/issues/270",
        ),
        PredictedError(
            provider="openai",
            text="Unsupported parameter: 'reasoning.effort' is not supported with this model.",
            source="https://github.com/BoundaryML/baml/pull/2708",
            param="reasoning.effort",
            code="unsupported_parameter",
        ),
        PredictedError(
            # Groq's Qwen 3 takes none or default only (its reasoning guide); "medium" was refused
            # (the thread's own comment: "llama models also do not support reasoning_effort").
            provider="groq",
            text="`reasoning_effort` must be one of `none` or `default`",
            source="https://github.com/iamsrikanthnani/pluely/pull/219",
            param="reasoning_effort",
        ),
    ),
    fixed={"model": "o3-mini", "messages": [_USER], "reasoning_effort": "low"},
    example={"model": "o3-mini", "messages": [_USER], "reasoning_effort": "none"},
    notes=(
        "The model's values come from the catalog (models.dev `reasoning_options`, LiteLLM's "
        "`supports_*_reasoning_effort`); only values neither source lists are flagged. A value no model "
        "takes is params.reasoning-effort-value."
    ),
)
SYSTEM_UNSUPPORTED = define(
    "model.system-role-unsupported",
    Severity.ERROR,
    "A `system` or `developer` message (on Gemini's native API, a `systemInstruction`) sent to a model that "
    "has no system role.",
    policy=policy(
        error=("gemini", "generic", "openai"),
        silent=("self-hosted",),
        otherwise=Severity.WARNING,
        conditions={
            "openai": "o1-mini / o1-preview judged as OpenAI off its own host (there roles.system-unsupported)",
        },
    ),
    predicts=(
        PredictedError(
            provider="gemini",
            text="Developer instruction is not enabled for models/gemma-3-27b-it",
            source="https://github.com/0xPlaygrounds/rig/issues/788",
        ),
        PredictedError(
            provider="gemini",
            text="Developer instruction is not enabled for models/gemma-3-27b-it",
            source="https://github.com/CherryHQ/cherry-studio/issues/3242",
        ),
    ),
    fixed={"model": "gemma-3-27b-it", "messages": [{"role": "user", "content": "Be brief. Hello"}]},
    example={
        "model": "gemma-3-27b-it",
        "messages": [{"role": "system", "content": "Be brief."}, _USER],
    },
    example_url=_GEMINI_URL,
    notes=(
        "The catalog's `system_messages` flag, or the o1-mini family on an unrecognised host (on OpenAI "
        "itself that is roles.system-unsupported); on Gemini's native `generateContent` any "
        "`systemInstruction` (even an empty one, rig#788). Merge the instructions into the first user message."
    ),
)
MAX_TOKENS_REASONING = define(
    "model.max-tokens-on-reasoning-model",
    Severity.ERROR,
    "`max_tokens` sent through an unrecognised host (or GitHub Copilot, which relays OpenAI's validator) to "
    "a model of OpenAI's reasoning families (o-series, gpt-5), which only take `max_completion_tokens`.",
    policy=_FAMILY_POLICY,
    predicts=(
        PredictedError(
            provider="litellm proxy → openai",
            text=(
                "litellm.BadRequestError: OpenAIException - Error code: 400 - {'error': {'message': "
                "\"Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                "'max_completion_tokens' instead.\", 'type': 'invalid_request_error', 'param': 'max_tokens', "
                "'code': 'unsupported_parameter'}}"
            ),
            source="https://github.com/BerriAI/litellm/issues/8213",
        ),
        PredictedError(
            provider="litellm proxy → openai",
            text="Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead",
            source="https://github.com/logancyang/obsidian-copilot/issues/1477",
        ),
    ),
    fixed={"model": "o3-mini", "messages": [_USER], "max_completion_tokens": 100},
    example={"model": "o3-mini", "messages": [_USER], "max_tokens": 100},
    example_url=_GENERIC_URL,
    notes="On api.openai.com and Azure the same request is params.max-tokens-on-reasoning-model.",
)
SAMPLING_REASONING = define(
    "model.sampling-on-reasoning-model",
    Severity.ERROR,
    "A sampling field (`temperature` other than 1, `top_p`, penalties) sent to a model of OpenAI's "
    "reasoning families through an unrecognised host or GitHub Copilot (which relays OpenAI's validator), "
    "or on the Responses API.",
    policy=policy(
        error=("openai-family", "generic", "copilot"),
        conditions={
            "openai-family": "the Responses API, or judged as OpenAI off its own host (chat on api.openai.com "
            "and Azure: params.*)",
            "generic": "a model name of an OpenAI reasoning family",
            "copilot": "an OpenAI reasoning model (Copilot answers with OpenAI's validator)",
        },
    ),
    predicts=(
        PredictedError(
            provider="openai-compatible gateway → openai",
            text=(
                "OpenAI Compatible API error for model o3 after 4 attempts: Error code: 400 - {'error': "
                "{'message': \"Unsupported value: 'temperature' does not support 0.2 with this model. Only the "
                "default (1) value is supported.\", 'type': 'invalid_request_error', 'param': 'temperature', "
                "'code': 'unsupported_value'}}"
            ),
            source="https://github.com/BeehiveInnovations/pal-mcp-server/issues/78",
        ),
        PredictedError(
            # The Responses API with o3 (the client's "openai responses" API type).
            provider="openai",
            text="400 Unsupported parameter: 'temperature' is not supported with this model.",
            source="https://github.com/ThinkInAIXYZ/deepchat/issues/655",
            api="responses",
        ),
    ),
    fixed={"model": "o3-mini", "messages": [_USER]},
    example={"model": "o3-mini", "messages": [_USER], "temperature": 0.2},
    example_url=_GENERIC_URL,
    notes=(
        "On chat completions at api.openai.com and Azure these are params.temperature-on-reasoning-model and "
        "params.unsupported-for-model; the Responses API is judged here on every host (the same models "
        "reject the same fields there; effort is `reasoning.effort`). gpt-5.1 and later accept sampling "
        "with reasoning effort 'none'."
    ),
)
CLAUDE_SAMPLING = define(
    "model.temperature-with-top-p",
    Severity.ERROR,
    "Both `temperature` and `top_p` sent through an unrecognised host (a gateway, Bedrock's OpenAI-compatible "
    "endpoint) to a Claude 4.5-or-later model, which accepts only one of them.",
    policy=policy(
        error=("anthropic", "generic", "copilot"),
        conditions={
            "anthropic": "judged as Anthropic off its own host; on /v1/messages anthropic.temperature-with-top-p",
            "generic": "a Claude 4.5-or-later model the catalog attributes to Anthropic",
            "copilot": "a Claude 4.5-or-later model (Copilot passes it to Anthropic's validator)",
        },
    ),
    predicts=(
        PredictedError(
            provider="copilot",
            text=(
                '{"error":{"code":"invalid_request_error","message":"temperature and top_p cannot both be '
                'specified for this model. Please use only one.","type":"invalid_request_error","param":null}}'
            ),
            source="https://github.com/microsoft/copilot-eclipse-feedback/issues/79",
        ),
        PredictedError(
            provider="bedrock via litellm",
            text=(
                'litellm.BadRequestError: BedrockException - {"message":"The model returned the following '
                'errors: `temperature` and `top_p` cannot both be specified for this model. Please use only one."}'
            ),
            source="https://github.com/skydiscover-ai/skydiscover/issues/15",
        ),
    ),
    example={"model": "claude-sonnet-4-6", "messages": [_USER], "temperature": 0.7, "top_p": 0.9},
    example_url=_GENERIC_URL,
    fixed={"model": "claude-sonnet-4-6", "messages": [_USER], "temperature": 0.7},
    notes="The models are those of anthropic.temperature-with-top-p (one definition, in rules/anthropic.py).",
)
TEMPERATURE_REMOVED = define(
    "model.temperature-unsupported",
    Severity.ERROR,
    "A `temperature` other than 1 sent to a model whose vendor's entry says it takes none (the catalog's "
    "`temperature` false, from models.dev and LiteLLM): a Claude model from which Anthropic removed the sampling "
    "parameters (Opus 4.7 on), or, through a gateway in front of Moonshot, a Kimi model while it thinks.",
    # Anthropic's answer wherever the body reaches its validator (its API, Bedrock, Vertex, a gateway in
    # front of them: judged as Anthropic). OpenAI's reasoning models, which the catalog also marks, are
    # judged by params.* and model.sampling-on-reasoning-model (gpt-5.1 takes a temperature at effort
    # "none"), so OpenAI is not named. Moonshot is judged here only off its own host, on an unrecognised
    # host that relays its models (api.moonshot.ai is quirks.kimi-thinking-temperature's).
    policy=policy(
        error=("anthropic", "bedrock", "vertex", "azure-ai", "moonshot"),
        silent=("self-hosted",),
        conditions={
            "anthropic": "a model whose vendor entry is Anthropic's (or a gateway in front of it)",
            "bedrock": "a Claude model (InvokeModel hands the body to Anthropic's validator; a warning where "
            "only Bedrock's own listing states the fact)",
            "vertex": "a Claude model (rawPredict hands the body to Anthropic's validator)",
            "azure-ai": "a Claude model, judged as Anthropic's (the cloud serves several vendors' models)",
            "moonshot": "judged as Moonshot on an unrecognised host (inferred from the model name): a Kimi model "
            "whose vendor entry takes no temperature (kimi-k2.5, kimi-k2.7-code), thinking not switched off; on "
            "api.moonshot.ai quirks.kimi-thinking-temperature reports it",
        },
    ),
    predicts=(
        PredictedError(
            provider="anthropic",
            text="`temperature` is deprecated for this model.",
            # claude-opus-4-8 (and claude-fable-5) through LiteLLM, PR-Agent's default temperature.
            source="https://github.com/The-PR-Agent/pr-agent/issues/2456",
        ),
        PredictedError(
            provider="bedrock",
            text="`temperature` is deprecated for this model",
            # "non-default values return 400 from Bedrock" for claude-opus-4-7 (63 errors in 4 hours).
            source="https://github.com/pollinations/pollinations/pull/11319",
        ),
        PredictedError(
            provider="moonshot (through OpenCode Go)",
            text="invalid temperature: only 1 is allowed for this model",
            # OpenCode Go hands kimi-k2.7-code to Moonshot, whose validator answers with its own text; the
            # gateway strips the client's temperature since.
            source="https://github.com/decolua/9router/pull/1935",
        ),
    ),
    example={"model": "claude-opus-4-7", "max_tokens": 1024, "temperature": 0.2, "messages": [_USER]},
    example_url="https://api.anthropic.com/v1/messages",
    fixed={"model": "claude-opus-4-7", "max_tokens": 1024, "messages": [_USER]},
    notes=(
        "doc: Anthropic's What's new in Claude 4.7, \"Sampling parameters removed\" "
        "(https://platform.claude.com/docs/en/about-claude/models/whats-new-claude-4-7#sampling-parameters-removed): "
        "a non-default `temperature`, `top_p` or `top_k` returns a 400 (models.dev set `temperature = false` "
        "for the model from it, anomalyco/models.dev#1468; UiPath/uipath-langchain-python#790). Only "
        "`temperature` is judged: no refusal text for `top_p` or `top_k` was found. Which models is the "
        "catalog's (models.dev's `temperature = false` or LiteLLM's `supports_sampling_params: false` on the "
        "vendor's own entry: every Claude model from Opus 4.7 on, 'Whole Claude 5 family: non-default "
        "temperature/top_p/top_k are 400s', Significant-Gravitas/AutoGPT#13629); a Claude id newer than the "
        "snapshot is judged by its generation (Opus 4.7 and later, every Claude 5 model). Kimi: Moonshot's "
        "models overview fixes the temperature at 1 while a model thinks (0.6 with thinking off, on the models "
        "that can switch it off), and its validator refuses anything else; judged here only where the vendor's "
        "entry itself says the model takes no temperature, so the fact holds on every host that relays it."
    ),
)
#: The hosts that hand a Claude request to Anthropic's own validator (its API, Bedrock's InvokeModel and
#: Converse, Vertex's rawPredict, Azure AI Foundry), as for model.temperature-unsupported. GitHub Copilot's
#: Claude prefills are roles.assistant-last's.
_ANTHROPIC_VALIDATOR = policy(
    error=("anthropic", "bedrock", "vertex", "azure-ai"),
    silent=("self-hosted",),
    conditions={
        "anthropic": "a Claude model (its API, or a gateway in front of it: judged as Anthropic)",
        "bedrock": "a Claude model (Bedrock hands the body to Anthropic's validator)",
        "vertex": "a Claude model (rawPredict hands the body to Anthropic's validator)",
        "azure-ai": "a Claude model, judged as Anthropic's (the cloud serves several vendors' models)",
    },
)
#: Claude Opus and Sonnet 4.6 and every later generation take no assistant prefill; Haiku 4.5 still does.
PREFILL_REMOVED_FROM = (4, 6)
PREFILL_UNSUPPORTED = define(
    "model.prefill-unsupported",
    Severity.ERROR,
    "The conversation ends with an assistant message (a prefill) sent to a Claude model that takes none "
    "(Opus and Sonnet 4.6 and later).",
    policy=_ANTHROPIC_VALIDATOR,
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "API Error: 400 This model does not support assistant message prefill. The conversation must "
                "end with a user message."
            ),
            # Claude Code on Opus/Sonnet 4.6+ after an interrupted response left the assistant turn last.
            source="https://github.com/anthropics/claude-code/issues/52433",
        ),
        PredictedError(
            provider="anthropic",
            text="This model does not support assistant message prefill. The conversation must end with a user message.",
            # deepagents on Claude Opus 4.6 / Sonnet 4.6.
            source="https://github.com/langchain-ai/deepagents/issues/1585",
        ),
    ),
    example={
        "model": "claude-opus-4-6",
        "max_tokens": 1024,
        "messages": [_USER, {"role": "assistant", "content": "{"}],
    },
    example_url="https://api.anthropic.com/v1/messages",
    fixed={
        "model": "claude-opus-4-6",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Answer in JSON, starting with {."}],
    },
    notes=(
        "doc: Anthropic's What's new in Claude 4.6, \"Prefill removal\" "
        "(https://platform.claude.com/docs/en/about-claude/models/whats-new-claude-4-6#prefill-removal): "
        "prefilling assistant messages returns a 400 on Claude Opus 4.6 and later; Sonnet 4.6 refuses it too "
        "(langchain-ai/deepagents#1585, anthropics/claude-code#52433). Use structured outputs, a system "
        "instruction or tool calling instead. Which models is read from the model id's generation "
        "(rules/modelinfo.py `claude_version`): Opus and Sonnet 4.6 and later, every Claude 5 model; Haiku 4.5 "
        "takes a prefill. On chat completions only a gateway judged as Anthropic is flagged."
    ),
)
#: Claude models with the effort parameter (`output_config.effort`): Opus 4.5 and later, Sonnet 4.6 and
#: later, every Claude 5 model; no Haiku (Anthropic's effort guide).
EFFORT_FROM: Mapping[str, tuple[int, int]] = MappingProxyType(
    {"opus": (4, 5), "sonnet": (4, 6), "fable": (5, 0)}
)
#: "the Claude 5 models" take effort whatever the family (a Haiku 5 included): the guide's statement for the
#: generation, read by name for ids newer than the catalog.
EFFORT_ALL_FROM = (5, 0)
EFFORT_UNSUPPORTED = define(
    "model.effort-unsupported",
    Severity.ERROR,
    "`output_config.effort` sent to a Claude model without the effort parameter (Haiku, Sonnet 4.5 and "
    "earlier, Opus 4.1 and earlier).",
    policy=_ANTHROPIC_VALIDATOR,
    predicts=(
        PredictedError(
            provider="bedrock",
            text="API Error: 400 This model does not support the effort parameter.",
            # Claude Code 2.1.68 sending effort to Sonnet 4.5 through a Bedrock inference profile.
            source="https://github.com/anthropics/claude-code/issues/30795",
        ),
    ),
    example={
        "model": "claude-haiku-4-5",
        "max_tokens": 1024,
        "output_config": {"effort": "low"},
        "messages": [_USER],
    },
    example_url="https://api.anthropic.com/v1/messages",
    fixed={"model": "claude-haiku-4-5", "max_tokens": 1024, "messages": [_USER]},
    notes=(
        "doc: Anthropic's effort guide (https://platform.claude.com/docs/en/build-with-claude/effort): "
        "effort is supported on Claude Opus 4.5 and later, Sonnet 4.6 and later and the Claude 5 models; "
        'other models answer "This model does not support the effort parameter." (Sonnet 4.5 on Bedrock, '
        "anthropics/claude-code#30795; Claude Code's model configuration lists the models with effort, "
        "summarised in Loulen/prompt-driven-orchestrator#424: no Haiku). Drop `output_config.effort` (keep "
        "`output_config.format` if set)."
    ),
)
CHAT_UNSUPPORTED = define(
    "model.chat-completions-unsupported",
    Severity.ERROR,
    "A model served by the Responses API only (the codex and pro models) sent to Chat Completions.",
    # Error wherever the request reaches the vendor's validator; reported as a warning (saying why) on a
    # host that is not the vendor or may translate the request (``uncertain``); OpenRouter translates.
    policy=policy(silent=("openrouter", "self-hosted"), otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="openai",
            text="This model is only supported in v1/responses and not in v1/chat/completions.",
            source="https://github.com/egoist/chatwise-releases/issues/1122",
            status=404,
            param="model",
        ),
        PredictedError(
            provider="copilot",
            text="model gpt-5-codex is not accessible via the /chat/completions endpoint",
            source="https://github.com/anomalyco/opencode/issues/2758",
            code="unsupported_api_for_model",
        ),
        PredictedError(
            provider="copilot",
            text="model gpt-5.1-codex-mini is not accessible via the /chat/completions endpoint",
            source="https://github.com/router-for-me/CLIProxyAPIPlus/issues/41",
            code="unsupported_api_for_model",
        ),
    ),
    example={"model": "gpt-5-codex", "messages": [_USER]},
    example_url="https://api.openai.com/v1/chat/completions",
    fixed={"model": "gpt-5-codex", "input": "Hello"},
    fixed_url="https://api.openai.com/v1/responses",
    notes=(
        "The catalog's `chat_completions` flag: false where the vendor's own LiteLLM entry has `mode: "
        "responses` (gpt-5-codex, gpt-5.x-codex, gpt-5-pro, o1-pro, o3-pro, the deep-research models), and where "
        "a host states it for the models it serves: GitHub Copilot serves gpt-5.4-mini, gpt-5.5, gpt-5.6-luna/sol/"
        "terra and gpt-6-astra on /responses only (ericc-ch/copilot-api#274, checked against api.githubcopilot.com; "
        "'model \"gpt-5.4-mini\" is not accessible via the /chat/completions endpoint', coder/xum#3769). Send "
        "the request to `/v1/responses` (`input` instead of `messages`). A gateway may translate Chat "
        "Completions to the Responses API for such a model (LiteLLM's proxy does), so on an unrecognised "
        "host it is a warning; OpenRouter translates, so it is silent there."
    ),
)
JSON_SCHEMA_UNSUPPORTED = define(
    "model.json-schema-unsupported",
    Severity.ERROR,
    "A `json_schema` response format (Structured Outputs) sent to a model without structured outputs.",
    # OpenAI's validator refuses it; a gateway may emulate it with a forced tool (LiteLLM does), so off
    # the vendor's host it is a warning saying so.
    policy=policy(silent=("openrouter", "self-hosted"), otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="azure",
            text=(
                "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model. "
                "Learn more about supported models at the Structured Outputs guide: "
                "https://platform.openai.com/docs/guides/structured-outputs"
            ),
            source="https://github.com/langchain-ai/langchain/issues/31490",
        ),
    ),
    example={
        "model": "gpt-4",
        "messages": [_USER],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "out", "schema": {"type": "object", "properties": {}}},
        },
    },
    example_url="https://api.openai.com/v1/chat/completions",
    fixed={
        "model": "gpt-4",
        "messages": [{"role": "user", "content": "Answer in JSON."}],
        "response_format": {"type": "json_object"},
    },
    notes=(
        "The catalog's `structured_output` flag (LiteLLM `supports_response_schema`, models.dev "
        "`structured_output`), false for gpt-4, gpt-4-turbo and gpt-3.5-turbo. Use a model with Structured "
        "Outputs (gpt-4o-2024-08-06 and later, gpt-4.1, the o-series), or JSON mode "
        '(`{"type": "json_object"}`) with the schema described in the prompt.'
    ),
)
#: The thinking levels Google documents per Gemini Pro generation (the Gemini 3 guide's table; Vertex AI's model
#: reference): Gemini 3 Pro takes "low" and "high" (no "medium", no "minimal"); the 3.x Pro releases after it
#: take "low", "medium" and "high" (no "minimal": a Pro model cannot turn thinking that far down). Read by the
#: name's generation, so a dated or ``-preview`` id names the same Pro model.
#: Gemma 4 on the Gemini API thinks by level only (the same ``thinkingConfig``, read by name): it takes
#: thinkingLevel "minimal" or "high" ("Gemma 4 only supports two thinking levels: MINIMAL and HIGH. Sending LOW
#: or MEDIUM also returns 400", earendil-works/pi#2812; livekit/agents#7080 validates the same two) and no
#: thinking budget at all (:data:`THINKING_BUDGET_UNSUPPORTED`).
GEMMA_4 = re.compile(r"^gemma-4-")
THINKING_LEVELS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"^gemini-3-pro(?:$|[-@])"), ("low", "high")),
    (re.compile(r"^gemini-3\.\d+-pro(?:$|[-@])"), ("low", "medium", "high")),
    (GEMMA_4, ("minimal", "high")),
)
#: The other Gemini 3.x models (Flash, Flash-Lite) are judged by the levels the catalog's entry for that exact
#: model lists (``reasoning_efforts``: LiteLLM's gemini / vertex_ai entries and models.dev's google listing,
#: which follow Google's per-model table): their levels moved between releases (Gemini 3 Flash takes
#: "minimal", Gemini 3.7 Flash does not: "'minimal' is not a supported thinking level for this model. Allowed
#: values are: medium, low, high.", fishjar/kiss-translator#1051; Google's table marks minimal "Not supported
#: (error)" for 3.7 Flash, quoted in can1357/oh-my-pi#10543), so one table per generation would be wrong, and a
#: refresh of the catalog carries the next release's levels. Gemini 2.5 takes a thinking budget instead.
THINKING_LEVEL_MODELS = re.compile(r"^gemini-(?:[3-9]|\d{2,})(?:\.\d+)?-")
THINKING_LEVEL_UNSUPPORTED = define(
    "model.thinking-level-unsupported",
    Severity.ERROR,
    "`thinkingConfig.thinkingLevel` (Gemini's native API) has a level this Gemini 3.x or Gemma 4 model does not "
    "take (Gemini 3 Pro: low or high; later 3.x Pro: low, medium or high; Gemma 4: minimal or high; other 3.x "
    "models: the levels the vendor's catalog entry lists, e.g. Gemini 3.7 Flash: low, medium or high).",
    policy=policy(error=("gemini", "vertex", "generic"), silent=("self-hosted",)),
    predicts=(
        PredictedError(
            provider="vertex",
            text=(
                "Unable to submit request because thinking_level MEDIUM is not supported by this model. Learn more: "
                "https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini"
            ),
            # gemini-3-pro-preview through opencode-gemini-auth (Code Assist's backend).
            source="https://github.com/jenslys/opencode-gemini-auth/issues/14",
        ),
        PredictedError(
            provider="gemini",
            text="Thinking level MINIMAL is not supported for this model.",
            # gemini-3.1-pro-preview with a client's default "minimal".
            source="https://github.com/vellum-ai/vellum-assistant/pull/32687",
        ),
    ),
    example={
        "contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
        "generationConfig": {"thinkingConfig": {"thinkingLevel": "medium"}},
    },
    example_url="https://generativelanguage.googleapis.com/v1beta/models/gemini-3-pro-preview:generateContent",
    fixed={
        "contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
        "generationConfig": {"thinkingConfig": {"thinkingLevel": "low"}},
    },
    notes=(
        "doc: https://ai.google.dev/gemini-api/docs/gemini-3 (thinking levels per model) and Vertex AI's Gemini "
        "model reference; comet-ml/opik#8024 quotes the table for Gemini 3 Pro (low, high). Send a level the "
        "model takes, or omit `thinkingLevel`. Flash and Flash-Lite models are judged by the levels the catalog's "
        "entry for the exact model lists (they changed between releases: 3 Flash takes minimal, 3.7 Flash does "
        "not, fishjar/kiss-translator#1051); Gemini 2.5 (a thinking budget) is not judged. Gemma 4 on the Gemini "
        "API takes minimal or high (earendil-works/pi#2812, livekit/agents#7080)."
    ),
)
THINKING_BUDGET_UNSUPPORTED = define(
    "model.thinking-budget-unsupported",
    Severity.ERROR,
    "`thinkingConfig.thinkingBudget` (Gemini's native API) sent to a Gemma 4 model, which is steered by "
    "`thinkingLevel` only.",
    # The Gemini API serves Gemma 4 and refuses the budget (a gateway's Gemini-native path is judged as Gemini,
    # as for model.thinking-level-unsupported); Vertex AI serves Gemma through Model Garden endpoints whose
    # answer is not known, so a warning there; a self-hosted server has its own thinking switches.
    policy=policy(
        error=("gemini", "generic"), warning=("vertex",), silent=("self-hosted",), otherwise=Severity.WARNING
    ),
    predicts=(
        PredictedError(
            provider="gemini",
            text="Thinking budget is not supported for this model.",
            # google/gemma-4-31b-it through the AI SDK, which sent thinkingBudget 0 with reasoning off.
            source="https://github.com/perminder-klair/subwave/issues/1044",
            status=400,
        ),
    ),
    example={
        "contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
        "generationConfig": {"thinkingConfig": {"thinkingBudget": 0}},
    },
    example_url="https://generativelanguage.googleapis.com/v1beta/models/gemma-4-31b-it:generateContent",
    fixed={
        "contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
        "generationConfig": {"thinkingConfig": {"thinkingLevel": "minimal"}},
    },
    notes=(
        "Gemma 4 reasons by `thinkingLevel` (minimal or high) and the Gemini API answers any `thinkingBudget`, 0 "
        'included, with "Thinking budget is not supported for this model." (perminder-klair/subwave#1044; '
        "earendil-works/pi#2812: the budget path returns 400 for Gemma 4; danny-avila/LibreChat#13088 drops the "
        'budget for it). Send `thinkingLevel` "minimal" or "high" instead, or omit `thinkingConfig`.'
    ),
)
#: Mistral's models with adjustable reasoning: their thinking is steered by `reasoning_effort` (Mistral's reasoning
#: guide: "Mistral Small 4 (mistral-small-2603)", "Mistral Medium 3.5 (mistral-medium-3-5)" and Mistral Large 4
#: take it, https://docs.mistral.ai/inference/conversations/reasoning; "Adjustable reasoning is available on
#: mistral-small-latest and mistral-medium-3-5", https://docs.mistral.ai/capabilities/reasoning/adjustable).
#: `prompt_mode: "reasoning"` is the native reasoning models' (Magistral) system-prompt switch, and these refuse
#: it. Medium 3.5's dated id is mistral-medium-2604 (anomalyco/models.dev#1986, live-verified);
#: mistral-medium-latest still names Medium 3.1 (mistral-medium-2508, the same PR) and magistral-small-latest's
#: target is not documented, so neither is matched.
ADJUSTABLE_REASONING = re.compile(
    r"^(?:mistral-small-(?:2603|latest)|mistral-medium-(?:2604|3[.-]5)|mistral-large-4)(?:$|[-.:@])"
)
PROMPT_MODE_UNSUPPORTED = define(
    "model.prompt-mode-unsupported",
    Severity.ERROR,
    "`prompt_mode` sent to a Mistral model with adjustable reasoning (Small 4, Medium 3.5, Large 4), which takes "
    "`reasoning_effort` instead.",
    # Mistral's API refuses it; a gateway may drop a field it does not know, so elsewhere a warning; a self-hosted
    # server serving the weights has its own request schema.
    policy=policy(error=("mistral",), silent=("self-hosted",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="mistral",
            text="Reasoning prompt mode is not enabled for this model",
            # mistral-small-2603 (Mistral Small 4) asked with prompt_mode "reasoning" by pi.
            source="https://github.com/earendil-works/pi/issues/3096",
            code="3051",
            status=400,
        ),
    ),
    example={"model": "mistral-small-2603", "messages": [_USER], "prompt_mode": "reasoning"},
    example_url="https://api.mistral.ai/v1/chat/completions",
    fixed={"model": "mistral-small-2603", "messages": [_USER], "reasoning_effort": "high"},
    notes=(
        'Mistral answers "Reasoning prompt mode is not enabled for this model" (code 3051; earendil-works/pi#3096, '
        "Mistral Small 4). Its reasoning guide gives Small 4, Medium 3.5 and Large 4 adjustable reasoning through "
        '`reasoning_effort` ("none" or "high"); `prompt_mode` belongs to the Magistral models. Drop `prompt_mode` '
        'and send `reasoning_effort: "high"` to reason.'
    ),
)
#: How the model.rules-skipped note of a local server ends (the server serves whatever models it was given,
#: and the model rules never judge them): nothing is wrong, the note only says what was not checked.
LOCAL_NOTE = "Nothing to fix: this note says what was not checked."


def is_local_note(finding: Finding) -> bool:
    """Is ``finding`` the model.rules-skipped note of a local server (:data:`LOCAL_NOTE`)?"""
    return finding.rule == UNKNOWN_MODEL.id and finding.message.endswith(LOCAL_NOTE)


UNKNOWN_MODEL = define(
    "model.rules-skipped",
    Severity.INFO,
    "The model is not known for this host, so no model rules ran for this request.",
    # Context, not a rejection: an info finding where toolguard had nothing to judge the model by. A
    # self-hosted server serves whatever name it was started with, so there the note says that nothing is
    # to fix; it was silent there before session 23, and a local server's run read "0 with findings" as
    # if its models had been checked (trial22). Its requests are counted per model (the run report).
    policy=policy(otherwise=Severity.INFO),
    fixed={"model": "gpt-4o", "messages": [_USER], "max_tokens": 100},
    example={"model": "acme-finetune-v3", "messages": [_USER], "max_tokens": 100},
    example_url=_GENERIC_URL,
    notes=(
        'Declare the host with `[[gateway]]` or the model with `[models."name"]` in the providers config '
        "(docs/providers.md) to get the model's rules."
    ),
)


# --- how sure the catalog is -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Knowledge:
    """One kind of knowledge a catalog fact rests on, and the decision on it (issue 9, session 14): where the
    catalog *knows* (the vendor's documented capabilities, the host's own statement), the rule's declared
    level holds; where it guesses, the finding is at most a warning, saying why (``doubt``)."""

    certain: bool
    #: The reason a finding gives when not certain (``str.format`` fields: entry, step, host, said, others).
    doubt: str = ""
    #: Why the decision is what it is (printed in docs/accuracy.md's session-14 table; tests read it).
    why: str = ""


#: Every kind of knowledge a model rule's fact can rest on (:meth:`_Subject.knowledge` names it); the one place
#: the level's second input is decided. A rule that knows better for its own capability says so in
#: :data:`RULE_CERTAIN`, never in its check.
KNOWLEDGE: Mapping[str, Knowledge] = MappingProxyType(
    {
        "vendor-entry": Knowledge(
            True,
            why="the vendor's own listing of the model (LiteLLM/models.dev), or the user's providers config",
        ),
        "host-statement": Knowledge(
            True,
            why="what the host states about the models it serves: both its listings, or a cited host fact",
        ),
        "relayed-vendor": Knowledge(
            True,
            why="a relay (GitHub Copilot) hands the model to its vendor's validator: the vendor's facts hold",
        ),
        "inferred-vendor": Knowledge(
            True,
            why="an unrecognised host or a multi-vendor cloud: the model's vendor inferred from its name, whose own "
            "entry states the fact (every finding says it was inferred)",
        ),
        "family-name": Knowledge(
            True,
            why="no catalog entry, but the name is of a family whose vendor documents the constraint for the whole "
            "family (OpenAI's reasoning families, a Claude generation and every later one); only those rules run, "
            "and the finding and a model.rules-skipped note say the rest was not checked",
        ),
        "vendor-sibling": Knowledge(
            True,
            why="only resellers list this name, but the vendor's own entry for the same model under its alias or "
            "snapshot name (gpt-5.2-chat / gpt-5.2-chat-latest) states the same value",
        ),
        "reseller-entry": Knowledge(
            False,
            "only resellers' catalog entries state this, not the model's vendor",
            why="resellers' listings are sometimes wrong (grok-4's images, session 13)",
        ),
        "host-single-listing": Knowledge(
            False,
            "only {host}'s listing in {said} states this{others}",
            why="the host's two listings disagree",
        ),
        "lossy-name": Knowledge(
            False,
            "the name matched the catalog entry {entry} only after a lossy normalisation ({step}), so it may be "
            "another size, version or release",
            why="the entry may be another size, version or release of the model",
        ),
        "foreign-host": Knowledge(
            False,
            "{host} is not this model's vendor and may serve it differently",
            why="a host that is not the vendor may cap limits, add a tool parser or map parameters itself",
        ),
        "unprofiled-vendor": Knowledge(
            False,
            "the host is not recognised and the model's vendor has no built-in profile",
            why="neither the host nor the vendor's validator is known",
        ),
    }
)
#: The kinds a rule holds certain for its own capability beyond :data:`KNOWLEDGE`'s decisions. A model without
#: image or audio input has no encoder for them, and no host can add one: a host that is not the vendor serves
#: the same weights, so the vendor's "no images" holds there too (a host can only refuse the part, as the
#: policy's hosts do, or drop it: those hosts are not at error in the policy).
RULE_CERTAIN: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "model.image-unsupported": frozenset({"foreign-host"}),
        "model.audio-unsupported": frozenset({"foreign-host"}),
    }
)


def _agrees(info: ModelInfo, siblings: tuple[ModelInfo, ...], field: str) -> bool:
    """Whether every vendor sibling entry states the same value for ``field`` (unknown is not the same)."""
    value = getattr(info, field, None)
    return value is not None and bool(siblings) and all(getattr(s, field, None) == value for s in siblings)


# --- who the request is for -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Subject:
    """The requested model as the catalog knows it, and what the host tells about it."""

    model: str
    info: ModelInfo
    provider_id: str
    #: The built-in profile inferred from the model name on an unrecognised host, else None.
    inferred: str | None
    #: The vendor's own catalog entry (or the user's config) says so.
    confirmed: bool
    #: The catalog has no entry, but the name is one of OpenAI's model families (a gateway's alias such
    #: as ``gpt-5-nano-env``, a LiteLLM model group): only the family rules apply.
    by_name: bool = False
    #: An Ollama Cloud tag (``glm-5.2:cloud``) asked of an Ollama server: Ollama runs it on ollama.com.
    ollama_cloud: bool = False
    #: Where only resellers' entries describe the model: the vendor's own entries for the same model under its
    #: alias or snapshot names (``gpt-5.2-chat`` -> ``gpt-5.2-chat-latest``; catalog ``vendor_siblings``).
    siblings: tuple[ModelInfo, ...] = ()

    @property
    def judged_as(self) -> str:
        """The provider whose policy level applies: the inferred vendor, else the host itself (OpenRouter
        included: its own capability answers are quoted, so its openai/* models are not re-judged)."""
        return self.inferred or self.provider_id

    def hosted(self, field: str | None) -> bool:
        """Whether ``field``'s value is this host's own statement (the catalog's hosts block)."""
        return (
            self.info.host is not None
            and self.info.host == self.provider_id
            and field in self.info.host_fields
        )

    def knowledge(self, field: str | None = None) -> str:
        """What the catalog's fact about ``field`` (the capability a check read) rests on for this request: a
        key of :data:`KNOWLEDGE`, which declares whether an error may rest on it."""
        if self.by_name:
            return "family-name"
        if self.info.lossy is not None:
            return "lossy-name"
        if self.hosted(field):
            said = dict(self.info.host_single).get(field or "")
            return "host-single-listing" if said is not None else "host-statement"
        if not self.confirmed:
            if field is not None and _agrees(self.info, self.siblings, field):
                return "vendor-sibling"
            return "reseller-entry"
        if self.inferred is not None:
            return "inferred-vendor"
        if self.provider_id == "openrouter" or self.info.origin != "snapshot":
            return "vendor-entry"
        if _relayed_vendor(self.provider_id, self.info) is not None:
            return "relayed-vendor"
        if VENDOR_IDS.get(self.provider_id, frozenset()) & set(self.info.providers):
            return "vendor-entry"
        if self.provider_id == "generic":
            return "unprofiled-vendor"
        return "foreign-host"

    def doubt(self, field: str | None = None, certain: frozenset[str] = frozenset()) -> str | None:
        """Why a capability fact from the catalog may not hold for this request (None: it holds), as
        :data:`KNOWLEDGE` declares for the kind of knowledge it rests on. ``field``: the capability the check
        read, so a fact this host states about it is judged as such; ``certain``: the kinds the rule itself
        declares certain for its capability (:data:`RULE_CERTAIN`)."""
        kind = self.knowledge(field)
        known = KNOWLEDGE[kind]
        if known.certain or kind in certain:
            return None
        host = BUILTIN_PROFILES[self.provider_id].name if self.provider_id in BUILTIN_PROFILES else ""
        said = dict(self.info.host_single).get(field or "", "")
        others = [name for name in self.info.host_from if name != said]
        return known.doubt.format(
            entry=self.info.name,
            step=self.info.lossy,
            host=host,
            said=said,
            others=f"; its listing in {' and '.join(others)} does not" if others else "",
        )

    def name(self) -> str:
        """How messages name the model (and the catalog entry when the name was normalised)."""
        if self.by_name or self.info.matched_as == "exact" or self.info.name == self.model:
            return self.model
        return f"{self.model} (catalog entry {self.info.name})"

    def provenance(self, field: str | None = None) -> str:
        """The sentence every finding ends with: where the fact comes from (for ``field``, the capability the
        check read, the host's own listing when that is where it comes from)."""
        if self.hosted(field):
            host = BUILTIN_PROFILES[self.provider_id].name
            if field in self.info.host_fact_fields:
                # A hand-written host fact: its sources are the host's documentation or its answers.
                return (
                    f" (From what {host} states about the models it serves, in toolguard's model catalog; "
                    f"source: {', '.join(self.info.host_fact_from)}.)"
                )
            listed = dict(self.info.host_single).get(field or "") or " and ".join(self.info.host_from)
            return f" (From what {host} states about the models it serves: its listing in {listed}, in toolguard's model catalog.)"
        source = "your providers config" if self.info.origin != "snapshot" else "toolguard's model catalog"
        if self.knowledge(field) == "vendor-sibling":
            names = " and ".join(sibling.name for sibling in self.siblings)
            return (
                f" (From {source}: only resellers list {self.info.name}, and the vendor's own entries for the same "
                f"model ({names}) state the same.)"
            )
        relayed = _relayed_vendor(self.provider_id, self.info)
        if relayed is not None and self.inferred is None:
            host = BUILTIN_PROFILES[self.provider_id].name
            vendor = RELAYED_VENDORS[relayed]
            return (
                f" ({host} passes {vendor}'s models to {vendor}'s validator; the model is {vendor}'s in "
                f"{source}.)"
            )
        if self.by_name:
            vendor = BUILTIN_PROFILES[self.judged_as].name
            if self.inferred is None:
                return (
                    f" The model catalog has no entry for this name, but the name is one of {vendor}'s model "
                    f"families, so {vendor}'s documented rules for the family were applied by the name alone "
                    "(inferred; refresh the catalog or declare the model in the providers config)."
                )
            return (
                " The host is not a recognised provider and the model catalog has no entry for this name, but "
                f"the name is one of {vendor}'s model families, so the provider ({vendor}) was inferred from the "
                "model name; map the host with [[gateway]] or declare the model in the providers config if "
                "that is wrong."
            )
        if self.inferred is not None:
            vendor = BUILTIN_PROFILES[self.inferred].name
            if self.ollama_cloud:
                return (
                    f" Ollama runs `:cloud` models on ollama.com, not on this server, so the model is the "
                    f"vendor's whole model: the provider ({vendor}) was inferred from the model name, using "
                    f"{source}."
                )
            if self.provider_id != "generic":  # a multi-vendor cloud (ProviderProfile.multi_vendor)
                host = BUILTIN_PROFILES[self.provider_id].name
                return (
                    f" {host} serves several vendors' models: the model's vendor ({vendor}) was inferred from "
                    f"the model name, using {source}."
                )
            return (
                f" The host is not a recognised provider: the provider ({vendor}) was inferred from the "
                f"model name, using {source}; map the host with [[gateway]] in the providers config if "
                "that is wrong."
            )
        return f" (From {source}.)"


#: :func:`_subject`'s answers by (model, provider profile, catalog), the only inputs it reads. Keyed by
#: the objects' ids with the objects kept beside the answer, so a providers file reloaded (new profile
#: and catalog objects) never hits an old entry. Bounded; a pure cache, so losing it changes nothing.
_SUBJECTS: dict[tuple[str, int, int], tuple[object, object, _Subject | None]] = {}
_MAX_SUBJECTS = 4096


def _subject(view: RequestView) -> _Subject | None:
    """What the model rules judge: the catalog's entry for the requested model on this host, or
    None. The same few models and hosts come again and again, and each judgement reads the catalog,
    the model families and the vendor list: the larger part of ``check_model``'s time per 1 KB
    request (issue #12), so it is made once per model, profile and catalog."""
    model = view.model
    if not model:
        return None
    provider, catalog = view.provider, view.target.catalog
    key = (model, id(provider), id(catalog))
    hit = _SUBJECTS.get(key)
    if hit is not None and hit[0] is provider and hit[1] is catalog:
        return hit[2]
    subject = _judge_subject(view, model)
    if len(_SUBJECTS) >= _MAX_SUBJECTS:
        _SUBJECTS.clear()
    _SUBJECTS[key] = (provider, catalog, subject)
    return subject


def _judge_subject(view: RequestView, model: str) -> _Subject | None:
    pid = view.provider.id
    if not model:
        return None
    ollama_cloud = pid == "ollama" and OLLAMA_CLOUD_ANY.match(model) is not None
    if pid in SELF_HOSTED:
        # A server taken for vLLM or Ollama by its port alone that is asked for a cloud platform's model id
        # (Bedrock Access Gateway listens on :8000 too, aws-samples/bedrock-access-gateway) is a gateway to
        # that platform: judged like an unrecognised host (and the port-only guess keeps it a warning).
        # An Ollama Cloud tag is not the operator's model either: Ollama relays it to ollama.com, which
        # answers for the vendor's model ("this model does not support image input" for a text model).
        if not (ollama_cloud or (view.provider.guessed and cloud_vendor(model))):
            return None
        pid = "generic"
    info = view.model_info
    openai_family = BUILTIN_PROFILES["openai"].family_for(model) is not DEFAULT_FAMILY
    if info is None:
        if pid == "generic" and openai_family:
            # OpenAI's own host judges any name of these families by the family's rules (providers.py
            # OPENAI_FAMILIES); a gateway alias of one (BerriAI/litellm#33738's ``gpt-5-nano-env``) is
            # rejected the same way once the gateway forwards it.
            return _Subject(
                model=model,
                info=ModelInfo(name=model, matched_as="family-name"),
                provider_id=pid,
                inferred="openai",
                confirmed=True,
                by_name=True,
            )
        if (
            claude_version(model) is not None
            and claude_family(model) is not None
            and (pid in ("generic", "anthropic") or view.provider.multi_vendor)
        ):
            # A Claude id newer than the snapshot (``claude-opus-5-1``, a new dated release): Anthropic documents
            # the generation facts these rules read for every later model ("Prefill removal" from Claude 4.6 on,
            # the effort parameter's models, temperature with top_p from 4.5 on), so they hold by the name's
            # generation; the finding says the catalog has no entry and only the family's rules ran.
            return _Subject(
                model=model,
                info=ModelInfo(name=model, matched_as="family-name"),
                provider_id=pid,
                inferred=None if pid == "anthropic" else "anthropic",
                confirmed=True,
                by_name=True,
            )
        return None
    inferred = None
    if pid == "generic" or view.provider.multi_vendor:
        # A cloud platform's id names the vendor itself where the catalog's entry for it is a reseller's.
        served = set(info.providers) or {v for v in (cloud_vendor(model),) if v}
        inferred = _maker(model, [p for p in _INFERABLE if VENDOR_IDS[p] & served])
        if inferred is None and openai_family:
            inferred = "openai"  # only resellers list it (o1-mini), but the name is an OpenAI family's
    # A host's statement confirms only the fields it sets (:meth:`_Subject.doubt`), not the model's entry.
    confirmed = bool(info.providers) or info.origin != "snapshot"
    return _Subject(
        model=model,
        info=info,
        provider_id=pid,
        inferred=inferred,
        confirmed=confirmed,
        ollama_cloud=ollama_cloud,
        siblings=() if confirmed else view.target.catalog.vendor_siblings(info.name),
    )


def _maker(model: str, serving: list[str]) -> str | None:
    """Of the built-in providers whose own catalog entries list the model, the one judged as its vendor:
    the provider whose model families name it, else the first listed. Both datasets list some models under
    a marketplace as well as their maker (LiteLLM's ``dashscope/deepseek-v4-pro`` beside DeepSeek's own
    entry): Alibaba Cloud serves DeepSeek's, Moonshot's and Z.ai's models, so a gateway asked for
    ``deepseek-v4-pro`` is judged as DeepSeek, whose rules and answers the finding then cites."""
    named = (p for p in serving if BUILTIN_PROFILES[p].family_for(own_name(model)) is not DEFAULT_FAMILY)
    return next(named, serving[0] if serving else None)


def inferred_vendor(view: RequestView) -> tuple[str, str] | None:
    """On an unrecognised host, the built-in provider the model name points to and the sentence every
    finding judged as it ends with (the inference the model rules use, for rules/inferred.py); else None."""
    subject = _subject(view) if view.provider.id == "generic" else None
    if subject is None or subject.inferred is None:
        return None
    return subject.inferred, subject.provenance()


def _inferred_family(subject: _Subject) -> ModelFamily:
    """On an unrecognised host (or a relay of OpenAI's validator): the built-in family of the inferred
    vendor (o-series, gpt-5, ...)."""
    relayed = subject.provider_id in FAMILY_RELAYS and "openai" in subject.info.providers
    if subject.inferred != "openai" and not relayed:  # the families whose rejections are cited above
        return DEFAULT_FAMILY
    return BUILTIN_PROFILES["openai"].family_for(subject.model)


# --- the checks -------------------------------------------------------------------------------


def _rules_skipped(view: RequestView) -> Iterator[Finding]:
    """The note that the model rules did not run, for a model the catalog and the host's families do not know
    (issue 9: "0 errors" must not read as "the model was checked"). Every API the model rules read says it
    (Chat Completions, Responses, Messages, Gemini's native API): before session 18 only Chat Completions did, so
    an unknown model on the other three passed with no word."""
    multi = view.provider.multi_vendor
    # The profile's name is its OpenAI-compatible surface's ("Gemini (OpenAI compatibility)"); a Gemini native
    # path is the host's own API.
    host_name = view.provider.name.split(" (", 1)[0] if view.endpoint == GEMINI else view.provider.name
    if (view.provider.id == "generic" or multi) and view.model and not view.provider.guessed:
        host = (
            f"this host ({view.target.host or 'unknown'})"
            if not multi
            else f"which vendor's model {host_name} serves here"
        )
        yield from UNKNOWN_MODEL.report(
            view,
            "model",
            f"toolguard knows neither {host} nor the model "
            f"{view.model!r}, so the model rules (tools, images, limits, reasoning parameters) were "
            f'skipped. Map the host with [[gateway]] or add [models."{view.model}"] in the providers '
            "config to check them.",
        )
    elif (
        view.model
        and not view.provider.guessed
        and view.provider.id not in SELF_HOSTED
        and view.provider.family_for(view.model) is DEFAULT_FAMILY
    ):
        # A known single-vendor host asked for a name neither the catalog nor the host's model families
        # know (a new release, a typo, a fine-tune): "0 errors" must not read as "the model was checked".
        yield from UNKNOWN_MODEL.report(
            view,
            "model",
            f"the model catalog does not know {view.model!r} on {host_name}, so the model rules "
            "(tools, images, limits, reasoning parameters) were skipped; the provider's own rules ran. "
            f'Add [models."{view.model}"] in the providers config, or refresh the catalog '
            "(scripts/refresh_catalog.py), to check them.",
        )
    elif view.model and view.provider.id in SELF_HOSTED:
        # A local server (Ollama, vLLM, llama.cpp, LM Studio...): the model rules never judge its models
        # (_judge_subject), whatever the name. Said without blame: the server serves what it loaded.
        yield from UNKNOWN_MODEL.report(
            view,
            "model",
            f"{host_name} serves whatever models it was given, so the catalogue's model rules (tools, images, "
            f"limits, reasoning parameters) were skipped for {view.model!r}; {host_name}'s own rules ran. "
            f"{LOCAL_NOTE}",
        )


@check
def check_model(view: RequestView) -> Iterator[Finding]:
    subject = _subject(view)
    if subject is None:
        yield from _rules_skipped(view)
        return
    yield from _family_only(view, subject)
    yield from _check_capabilities(view, subject)
    yield from _check_limits(view, subject)
    yield from _check_reasoning(view, subject)
    if subject.inferred == "anthropic":
        # A gateway in front of Anthropic: the trailing assistant message reaches its validator.
        yield from _check_prefill(view, subject)


def _family_only(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    """A model judged by its family's name alone (no catalog entry) gets the family's rules, and one note that
    the catalog's rules (tools, images, limits) did not run: "0 errors" must not read as "the model was
    checked" (issue 9)."""
    if not subject.by_name:
        return
    vendor = BUILTIN_PROFILES[subject.judged_as].name
    yield from UNKNOWN_MODEL.report(
        view,
        "model",
        f"the model catalog does not know {subject.model!r}, so only {vendor}'s documented rules for its model "
        "family ran (inferred from the name); the catalog's rules (tools, images, limits, reasoning values) were "
        f'skipped. Add [models."{subject.model}"] in the providers config, or refresh the catalog '
        "(scripts/refresh_catalog.py), to check them.",
    )


def _no_image_input(subject: _Subject) -> str:
    return f"{subject.name()} takes no image input; send the image to a vision model or describe it in text."


@check(endpoints=(MESSAGES,))
def check_model_messages(view: RequestView) -> Iterator[Finding]:
    """The Messages API: the model's output limit (Anthropic's own answer is quoted on the rule). Not
    under ``?beta=true``, where output betas may raise the limit (see the rule's notes)."""
    subject = _subject(view)
    if subject is None:
        yield from _rules_skipped(view)
        return
    yield from _family_only(view, subject)
    # Sampling is refused on the beta surface too (Claude Code's requests are beta on Vertex and Bedrock).
    yield from _check_temperature_removed(view, subject)
    yield from _check_prefill(view, subject)
    yield from _check_effort_parameter(view, subject)
    if subject.ollama_cloud and subject.info.vision is False:
        # Claude Code against a local Ollama relaying a `:cloud` model: "400 this model does not support image
        # input" (anthropics/claude-code#91112, glm-5.3:cloud). Only Ollama Cloud is judged here: what another
        # Anthropic-compatible server does with an image block for a text model is not known.
        for where, part_type in _media_parts(view):
            if part_type == "image":
                yield from _report(
                    IMAGE_UNSUPPORTED,
                    view,
                    subject,
                    where,
                    _no_image_input(subject),
                )
                break
    if beta_enabled(view) and OUTPUT_BETA_MODELS.search(own_name(subject.info.name).lower()):
        return  # an output beta may raise this model's limit, and the rules do not see the beta headers
    yield from _check_output_limit(view, subject)


#: The Claude models whose output limit an Anthropic beta raises: Claude 3.5 Sonnet (June 2024) from 4,096 to 8,192
#: ("anthropic-beta": "max-tokens-3-5-sonnet-2024-07-15", Anthropic's July 2024 developer newsletter) and Claude 3.7
#: Sonnet from 64,000 to 128,000 (output-128k-2025-02-19). Only for these is a request that may be on the beta
#: surface (?beta=true, which Claude Code always sends; Vertex, whose beta headers the rules do not see) left
#: unjudged: no beta raises a later model's limit, which Anthropic states per model (Opus 4.5: "max_tokens: 128001 >
#: 64000, which is the maximum allowed number of output tokens for claude-opus-4-5-20251101" to Claude Code,
#: anthropics/claude-code#24451; the same on Vertex, "req_vrtx_" ids, RooCodeInc/Roo-Code#8454).
OUTPUT_BETA_MODELS = re.compile(r"claude-3-5-sonnet-20240620|claude-3-5-sonnet@20240620|claude-3-7-sonnet")


@check(endpoints=(RESPONSES,))
def check_model_responses(view: RequestView) -> Iterator[Finding]:
    """The Responses API: the reasoning-family sampling rules (the same models reject the same fields
    there: BerriAI/litellm#33738 quotes both endpoints). Effort is ``reasoning.effort``."""
    subject = _subject(view)
    if subject is None:
        yield from _rules_skipped(view)
        return
    yield from _family_only(view, subject)
    reasoning = view.body.get("reasoning")
    effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    # On OpenAI's own hosts no params.* rule reads a Responses body, so the family is the host's own.
    own = view.provider.openai_validator and subject.inferred is None
    yield from _check_effort_without_reasoning(view, subject, effort, "reasoning.effort")
    allowed = subject.info.reasoning_efforts
    if isinstance(effort, str) and allowed and effort not in allowed:
        # "Unsupported value: 'minimal' is not supported with the 'gpt-5.1' model. Supported values are:
        # 'none', 'low', 'medium', and 'high'." (param reasoning.effort, openai/openai-agents-python#2089)
        yield from _report(
            REASONING_EFFORT_FOR_MODEL,
            view,
            subject,
            "reasoning.effort",
            f"`reasoning.effort` is {effort!r}; {subject.name()} takes {', '.join(allowed)}.",
            field="reasoning_efforts",
        )
    text = view.body.get("text")
    text_format = text.get("format") if isinstance(text, dict) else None
    if subject.info.structured_output is False and isinstance(text_format, dict):
        yield from _check_json_schema(view, subject, text_format, "text.format")
    yield from _check_family_sampling(view, subject, effort, own_host=own)


@check(endpoints=(GEMINI,))
def check_model_gemini(view: RequestView) -> Iterator[Finding]:
    """Gemini's native API (the Gemini API, Vertex AI, Code Assist's wrapper): the catalog's system-role and
    function-calling facts for the model the path names. Google refuses both by name ("Developer
    instruction is not enabled for models/gemma-3-27b-it", "Function calling is not enabled for
    models/gemma-3-27b-it", cited on the rules), so the chat-completions reading of the same facts holds."""
    subject = _subject(view)
    body, prefix = gemini_payload(view)
    if body is not None:
        yield from _check_thinking_level(view, body, prefix, subject)
    if subject is None and body is not None:
        yield from _rules_skipped(view)
    if subject is None or body is None:
        return
    info = subject.info
    if info.system_messages is False and gemini_field(body, "systemInstruction") is not None:
        yield from _report(
            SYSTEM_UNSUPPORTED,
            view,
            subject,
            f"{prefix}{gemini_key(body, 'systemInstruction')}",
            f"{subject.name()} takes no system instruction, so Gemini rejects `systemInstruction` (even an "
            "empty one); merge its text into the first user turn.",
        )
    tools = gemini_many(gemini_field(body, "tools"))
    declared = isinstance(tools, list) and any(
        isinstance(tool, dict) and gemini_field(tool, "functionDeclarations") for tool in tools
    )
    if info.function_calling is False and declared:
        yield from _report(
            TOOLS_UNSUPPORTED,
            view,
            subject,
            f"{prefix}{gemini_key(body, 'tools')}",
            f"{subject.name()} has no function calling, so Gemini rejects `functionDeclarations`; use a "
            "model with function calling, or describe the tools in the prompt.",
        )


def _check_thinking_level(
    view: RequestView, body: Mapping[str, Any], prefix: str, subject: _Subject | None
) -> Iterator[Finding]:
    """A ``thinkingLevel`` the Gemini 3.x model does not take (model.thinking-level-unsupported): Google's Pro
    table by generation, else the levels the catalog's entry for the exact model lists."""
    if view.provider.id in SELF_HOSTED:
        return
    config = gemini_field(body, "generationConfig")
    thinking = gemini_field(config, "thinkingConfig") if isinstance(config, dict) else None
    if not isinstance(config, dict) or not isinstance(thinking, dict):
        return
    name = own_name(normalise_model(view.model or "")).lower()
    budget = gemini_field(thinking, "thinkingBudget")
    if GEMMA_4.match(name) and budget is not None:
        yield from THINKING_BUDGET_UNSUPPORTED.report(
            view,
            f"{prefix}{gemini_key(body, 'generationConfig')}.{gemini_key(config, 'thinkingConfig')}."
            f"{gemini_key(thinking, 'thinkingBudget')}",
            f"thinkingBudget is set, but {view.model} takes no thinking budget (Gemma 4 thinks by level); send "
            'thinkingLevel "minimal" or "high" instead, or omit thinkingConfig.',
            judged_as="gemini" if view.provider.id == "generic" else None,
        )
    level = gemini_field(thinking, "thinkingLevel")
    if not isinstance(level, str):
        return
    allowed = next((levels for pattern, levels in THINKING_LEVELS if pattern.match(name)), None)
    where = (
        f"{prefix}{gemini_key(body, 'generationConfig')}.{gemini_key(config, 'thinkingConfig')}."
        f"{gemini_key(thinking, 'thinkingLevel')}"
    )
    if allowed is None:
        listed = subject.info.reasoning_efforts if subject is not None else None
        if not listed or subject is None or not THINKING_LEVEL_MODELS.match(name) or level.lower() in listed:
            return
        if subject.doubt("reasoning_efforts") is not None:
            # Levels only a reseller lists (models.dev's bare gemini-3-flash omits the "minimal" Google's own
            # gemini-3-flash-preview entry takes) or a lossy name's: not flagged, as the levels differ per release.
            return
        yield from _report(
            THINKING_LEVEL_UNSUPPORTED,
            view,
            subject,
            where,
            f"thinkingLevel is {level!r}, but {subject.name()} takes {', '.join(listed)} (the levels its catalog "
            "entry lists); send one of those, or omit thinkingLevel.",
            field="reasoning_efforts",
        )
        return
    if level.lower() in allowed:
        return
    yield from THINKING_LEVEL_UNSUPPORTED.report(
        view,
        where,
        f"thinkingLevel is {level!r}, but {view.model} takes {', '.join(allowed)} (Google's thinking levels "
        "for the model's generation); send one of those, or omit thinkingLevel.",
        judged_as="gemini" if view.provider.id == "generic" else None,
    )


def _report(
    rule: Rule,
    view: RequestView,
    subject: _Subject,
    location: str,
    message: str,
    field: str | None = None,
    uncertain: str | None = None,
) -> Iterator[Finding]:
    """A capability finding: the level for the provider the request is judged as, a warning where the
    catalog's fact may not hold (:meth:`_Subject.doubt`). ``field``: the catalog capability the check
    read, where the rule reads more than one (else :data:`_RULE_FIELDS`); ``uncertain``: a doubt of the
    check's own, over the catalog's."""
    field = field or _RULE_FIELDS.get(rule.id)
    yield from rule.report(
        view,
        location,
        f"{message}{subject.provenance(field)}",
        judged_as=subject.judged_as,
        uncertain=uncertain or subject.doubt(field, RULE_CERTAIN.get(rule.id, frozenset())),
    )


#: The catalog capability each rule reads, where a host may state it (the catalog's hosts block).
_RULE_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        TOOLS_UNSUPPORTED.id: "function_calling",
        IMAGE_UNSUPPORTED.id: "vision",
        SYSTEM_UNSUPPORTED.id: "system_messages",
        MAX_TOKENS_ABOVE_LIMIT.id: "max_output_tokens",
    }
)


def _check_capabilities(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    info = subject.info
    body = view.body
    if info.chat_completions is False:
        # The field is read as the host's own statement where it makes one (Copilot's Responses-only models).
        yield from CHAT_UNSUPPORTED.report(
            view,
            "model",
            f"{subject.name()} is served by the Responses API only, so Chat Completions rejects it; send "
            f"the request to /v1/responses (`input` instead of `messages`).{subject.provenance('chat_completions')}",
            judged_as=subject.judged_as,
            uncertain=subject.doubt("chat_completions")
            or (
                None
                if subject.inferred is None
                else "a gateway may translate Chat Completions to the Responses API for this model"
            ),
        )
    # The OpenAI family's own fact (providers.py: o1-mini / o1-preview) where the catalog has it wrong or
    # not at all: on OpenAI/Azure judged by the host's families, elsewhere as the inferred vendor's.
    own_host = subject.provider_id in ("openai", "azure")
    family = view.provider.family_for(subject.model) if own_host else _inferred_family(subject)
    by_family = info.function_calling is not False and family.function_calling is False
    if info.function_calling is False or by_family:
        for key in ("tools", "functions"):
            value = body.get(key)
            if isinstance(value, list) and value:
                text = (
                    f"{subject.name()} has no function calling, so a request with `{key}` is rejected; use a "
                    f"model with tool calling or drop `{key}` (and `tool_choice`)."
                )
                if by_family:
                    yield from _report_family(TOOLS_UNSUPPORTED, view, subject, key, text)
                else:
                    yield from _report(TOOLS_UNSUPPORTED, view, subject, key, text)
    response_format = body.get("response_format")
    if info.structured_output is False and isinstance(response_format, dict):
        yield from _check_json_schema(view, subject, response_format, "response_format")
    choice = body.get("tool_choice")
    forced = choice == "required" or (isinstance(choice, dict) and choice.get("type") in ("function", "tool"))
    if info.tool_choice is False and forced and isinstance(body.get("tools"), list) and body["tools"]:
        what = "required" if choice == "required" else "a named function"
        yield from _report(
            TOOL_CHOICE_UNSUPPORTED,
            view,
            subject,
            "tool_choice",
            f"{subject.name()} does not take a forced `tool_choice` ({what}); drop `tool_choice` (or send "
            "`auto`) and ask for the tool in the prompt, or use a model that takes it.",
        )
    if (
        info.parallel_tool_calls is False
        and "parallel_tool_calls" in body
        and isinstance(body.get("tools"), list)
        and body["tools"]
        and "openai" in info.providers
        and (subject.provider_id in OPENAI_FAMILY or subject.inferred == "openai")
    ):
        yield from _report(
            PARALLEL_UNSUPPORTED,
            view,
            subject,
            "parallel_tool_calls",
            f"{subject.name()} does not take `parallel_tool_calls` (not even false); omit the key.",
        )
    check_images = info.vision is False
    check_audio = info.audio_input is False
    if check_images or check_audio:
        for where, part_type in _media_parts(view):
            if part_type == "image_url" and check_images:
                yield from _report(
                    IMAGE_UNSUPPORTED,
                    view,
                    subject,
                    where,
                    _no_image_input(subject),
                )
                check_images = False  # one finding is enough: every image fails the same way
            elif part_type == "input_audio" and check_audio:
                yield from _report(
                    AUDIO_UNSUPPORTED,
                    view,
                    subject,
                    where,
                    f"{subject.name()} takes no audio input; use an audio model or a transcript.",
                )
                check_audio = False
    # The o1-mini / o1-preview family's rejection is OpenAI's own answer ("Unsupported value:
    # 'messages[0].role' does not support 'system' with this model.", cited on roles.system-unsupported),
    # so a gateway relaying it is judged as OpenAI without the catalog's doubt; the catalog's flag is
    # the catalog's fact, reported with its provenance.
    by_family = (
        info.system_messages is not False
        and subject.inferred is not None
        and _inferred_family(subject).rejects_system_role
    )
    if (info.system_messages is False or by_family) and not family_of(view).rejects_system_role:
        for index, message in enumerate(view.messages):  # else roles.system-unsupported (the vendor's host)
            if isinstance(message, dict) and message.get("role") in ("system", "developer"):
                where = f"messages[{index}].role"
                text = (
                    f"{subject.name()} has no system role, so a {message['role']} message is rejected; merge "
                    "its text into the first user message."
                )
                if by_family:
                    yield from _report_family(SYSTEM_UNSUPPORTED, view, subject, where, text)
                else:
                    yield from _report(SYSTEM_UNSUPPORTED, view, subject, where, text)
                break


def _check_json_schema(
    view: RequestView, subject: _Subject, response_format: dict[str, Any], location: str
) -> Iterator[Finding]:
    if response_format.get("type") != "json_schema":
        return
    yield from JSON_SCHEMA_UNSUPPORTED.report(
        view,
        f"{location}.type",
        f"{subject.name()} has no Structured Outputs, so a `json_schema` response format is rejected; use a "
        "model that has them, or JSON mode (`json_object`) with the schema in the prompt."
        f"{subject.provenance()}",
        judged_as=subject.judged_as,
        uncertain=subject.doubt()
        or (
            None
            if subject.inferred is None
            else "a gateway may emulate Structured Outputs with a forced tool"
        ),
    )


#: The part types the capability check reads (image and audio input); every other part is passed by.
#: ``image`` is the Messages API's image block (read on that API only, check_model_messages).
_MEDIA_PARTS = frozenset({"image_url", "input_audio", "image"})
#: The name a remembered block's media parts are kept under (history.Entry.summaries).
_MEDIA_SUMMARY = "model.media-parts"


def _media_parts(view: RequestView) -> Iterator[tuple[str, str]]:
    """Every image and audio part of the messages, in order, as (location, type). A remembered block of
    the validation worker's split parse (rules/history.py) gives back the parts found in its messages the
    first time it was met (a function of its messages alone, kept with the block, found again by its
    exact bytes; only the indices are this request's), instead of walking its every message's content
    again (issue #12: ~9 % of an agent turn's validation)."""
    messages = view.messages
    split = view.remembered
    if split is None or not split.blocks or messages is not split.body.get("messages"):
        yield from _parts_in(messages, 0, len(messages))
        return
    index = 0
    for start, entry in split.blocks:
        yield from _parts_in(messages, index, start)
        for offset, j, part_type in _media_summary(entry):
            yield f"messages[{start + offset}].content[{j}]", part_type
        index = start + len(entry.values)
    yield from _parts_in(messages, index, len(messages))


def _media_summary(entry: Entry) -> tuple[tuple[int, int, str], ...]:
    found = entry.summaries.get(_MEDIA_SUMMARY)
    if found is None:
        found = entry.summaries[_MEDIA_SUMMARY] = tuple(_media_of(entry.values))
    return found  # type: ignore[no-any-return]


def _parts_in(messages: list[Any], lo: int, hi: int) -> Iterator[tuple[str, str]]:
    for index, j, part_type in _media_of(messages[lo:hi] if lo or hi < len(messages) else messages):
        yield f"messages[{lo + index}].content[{j}]", part_type


def _media_of(messages: Any) -> Iterator[tuple[int, int, str]]:
    """(index in ``messages``, part index, type) of every image and audio part."""
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            if isinstance(part, dict):
                part_type = part.get("type")
                if isinstance(part_type, str) and part_type in _MEDIA_PARTS:
                    yield index, j, part_type


def _check_limits(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    yield from _check_output_limit(view, subject)
    window = subject.info.max_input_tokens
    if window is not None:
        over = list(_check_context(view, subject, window))
        yield from over
        if not over:
            yield from _check_completion_share(view, subject, window)


def _check_completion_share(view: RequestView, subject: _Subject, window: int) -> Iterator[Finding]:
    """A model whose output limit spans its whole window (gpt-4: 8192 and 8192) shares the window between
    the prompt and the completion the request reserves: "This model's maximum context length is 8192
    tokens. However, you requested 8256 tokens (64 in the messages, 8192 in the completion)."
    (ChatGPTNextWeb/NextChat#3195). Every message costs at least one token (its role marker), so
    ``max_tokens`` plus the number of messages is a certain lower bound; O(1), no text is read."""
    limit = subject.info.max_output_tokens
    if "max_output_tokens" in subject.info.host_fields:
        return  # a host's cap on `max_tokens`, not the model's split of its window
    if limit is None or limit < window:
        return  # a separate input window (gpt-5: 272k in, 128k out): the completion does not share it
    for key in ("max_completion_tokens", "max_tokens"):
        value = view.body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value <= limit:
            prompt = max(1, len(view.messages))
            if value + prompt > window:
                yield from _report(
                    CONTEXT_EXCEEDED,
                    view,
                    subject,
                    "messages",  # OpenAI's param for this answer, as for the prompt-only case
                    f"`{key}` reserves {value} tokens for the completion, and the {prompt} message(s) take at "
                    f"least {prompt} more, but {subject.name()} has {window} tokens for both; lower `{key}` to "
                    "leave room for the prompt.",
                )
            return


def _check_output_limit(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    info = subject.info
    body = view.body
    if info.max_output_tokens is not None:
        for key in ("max_completion_tokens", "max_tokens"):
            value = body.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > info.max_output_tokens:
                yield from _report(
                    MAX_TOKENS_ABOVE_LIMIT,
                    view,
                    subject,
                    key,
                    f"`{key}` is {value}, but {subject.name()} writes at most {info.max_output_tokens} "
                    f"tokens; lower it to {info.max_output_tokens} or less.",
                )
                break


def _texts(view: RequestView) -> Iterator[str]:
    """The text the model reads: message text, text parts, tool-call arguments, tool definitions."""
    for message in view.messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            yield content
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    yield part["text"]
        calls = message.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                yield function["arguments"]
    tools = view.body.get("tools")
    if isinstance(tools, list) and tools:
        # Compact, so that (like every text above) it is never longer than its part of the body.
        yield json.dumps(tools, ensure_ascii=False, separators=(",", ":"))


# ASCII whitespace (what str.split() splits on, below 128) to a space, every other byte to "x": a
# word then starts at each " x" of the translated text. Non-ASCII spaces (U+00A0, U+3000) count as
# letters, so the count can only be lower than str.split()'s: still a lower bound on the tokens.
_WORD_BYTES = bytes(32 if chr(i).isspace() else 120 for i in range(128)) + b"x" * 128


def _words(text: str) -> int:
    """The whitespace-separated words of ``text``, at most ``len(text.split())``, counted in C
    without making a string per word (3-4x faster than split() on a 1 MB conversation)."""
    return (b" " + text.encode("utf-8", "surrogatepass").translate(_WORD_BYTES)).count(b" x")


def _check_context(view: RequestView, subject: _Subject, window: int) -> Iterator[Finding]:
    # Every text measured is at most its length in the body (JSON adds quotes and escapes, UTF-8
    # takes one byte or more a character), so a body within 4 bytes a token of the window is within
    # the estimate below whatever it holds: not walked (issue #12: the walk cost about 0.3 ms of a
    # 1 MB request's 2.5 ms, on every request to a model with a window).
    if view.size is not None and view.size // 4 <= window:
        return
    texts = list(_texts(view))
    chars = sum(len(t) for t in texts)
    if chars // 4 <= window:
        # Within the usual estimate: not counted (the word count costs a pass over the text, paid
        # only for requests that are likely over the window; short-word code may be missed here).
        return
    words = 0
    for text in texts:
        words += _words(text)
        if words > window:
            yield from _report(
                CONTEXT_EXCEEDED,
                view,
                subject,
                "messages",
                f"The request has more than {window} whitespace-separated words, so more than {window} "
                f"tokens, but {subject.name()} reads at most {window}; shorten or summarise the "
                "conversation, or use a model with a larger window.",
            )
            return
    yield from CONTEXT_EXCEEDED.report(
        view,
        "messages",
        f"The request has {chars} characters, about {chars // 4} tokens at the usual 4 characters a "
        f"token, more than the {window} that {subject.name()} reads; it is likely rejected. Shorten "
        f"the conversation.{subject.provenance()}",
        judged_as=subject.judged_as,
        uncertain="the token count is an estimate, not a certain bound",
    )


def _check_reasoning(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    body = view.body
    effort = body.get("reasoning_effort")
    if not _params_report_effort(view, effort) if isinstance(effort, str) else False:
        yield from _check_effort_without_reasoning(view, subject, effort, "reasoning_effort")
    allowed = subject.info.reasoning_efforts
    if (
        isinstance(effort, str)
        and allowed
        and effort not in allowed
        and not _params_report_effort(view, effort)
    ):
        yield from _report(
            REASONING_EFFORT_FOR_MODEL,
            view,
            subject,
            "reasoning_effort",
            f"`reasoning_effort` is {effort!r}; {subject.name()} takes {', '.join(allowed)}.",
            field="reasoning_efforts",
        )
    family = _inferred_family(subject)
    if family.rejects_max_tokens and "max_tokens" in body:
        yield from _report_family(
            MAX_TOKENS_REASONING,
            view,
            subject,
            "max_tokens",
            f"{subject.name()} ({family.name}) does not accept `max_tokens`; send the limit as "
            "`max_completion_tokens` instead.",
        )
    yield from _check_family_sampling(view, subject, effort)
    yield from _check_claude_sampling(view, subject)
    yield from _check_temperature_removed(view, subject)


def _check_temperature_removed(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    """A non-default `temperature` to a model the catalog says takes none, judged as its vendor: only
    Anthropic is named in the rule's policy (OpenAI's models have their own family rules). A Claude id the
    catalog lacks is judged by its generation (:func:`temperature_removed`)."""
    if view.provider.multi_vendor and not TEMPERATURE_REMOVED.policy.declares(view.provider.id):
        return  # a reseller cloud (Vercel's gateway, Novita...) may drop or map sampling fields itself
    temperature = view.body.get("temperature")
    removed = subject.info.temperature is False
    if subject.by_name:
        removed = temperature_removed(*_claude_generation(subject))
    if not (removed and is_number(temperature) and temperature != 1):
        return
    if subject.judged_as == "moonshot":
        yield from _check_kimi_temperature(view, subject, temperature)
        return
    yield from _report(
        TEMPERATURE_REMOVED,
        view,
        subject,
        "temperature",
        f"`temperature` is {temperature}, but {subject.name()} takes no sampling parameters; drop it "
        "(and `top_p`/`top_k`).",
        field="temperature",
    )


#: Moonshot's families whose temperature is fixed at 1 while they think (providers.py; the same families
#: quirks.kimi-thinking-temperature judges on api.moonshot.ai).
_KIMI_FIXED_TEMPERATURE_FAMILIES = frozenset({"kimi-k2.5+", "kimi-k2.7-code", "kimi-code"})


def _check_kimi_temperature(view: RequestView, subject: _Subject, temperature: float) -> Iterator[Finding]:
    """A Kimi model the vendor's entry says takes no temperature, judged as Moonshot on an unrecognised host
    (a gateway relaying Moonshot's validator): refused while the model thinks, which it does unless the request
    switches thinking off on a model that can (kimi-k2.5; kimi-k2.7-code always thinks). On api.moonshot.ai
    itself quirks.kimi-thinking-temperature reports it."""
    if subject.inferred != "moonshot":
        return  # Moonshot's own host: the quirk's
    family = BUILTIN_PROFILES["moonshot"].family_for(subject.model)
    if family.id not in _KIMI_FIXED_TEMPERATURE_FAMILIES:
        return
    thinking = view.body.get("thinking")
    if not family.thinking_only and isinstance(thinking, dict) and thinking.get("type") == "disabled":
        return  # thinking off: the model takes its non-thinking temperature (0.6), not judged here
    yield from _report(
        TEMPERATURE_REMOVED,
        view,
        subject,
        "temperature",
        f"`temperature` is {temperature}, but {subject.name()} takes only 1 while it thinks (Moonshot answers "
        '"invalid temperature: only 1 is allowed for this model"); omit it or send 1'
        + ("." if family.thinking_only else ', or switch thinking off with thinking: {"type": "disabled"}.'),
        field="temperature",
    )


def _claude_generation(subject: _Subject) -> tuple[str | None, tuple[int, int] | None]:
    """(family, (major, minor)) of the catalog entry's Claude model id (rules/modelinfo.py)."""
    name = own_name(subject.info.name)
    return claude_family(name), claude_version(name)


def _claude_name_doubt(subject: _Subject) -> str | None:
    """The doubt on a fact read from a Claude model id's generation: none unless the name matched only
    after a lossy step (an alias), since the fact is Anthropic's and the name fixes the model."""
    return subject.doubt() if subject.info.lossy is not None else None


def _check_prefill(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    """A final assistant message to a Claude model from Opus/Sonnet 4.6 on (model.prefill-unsupported)."""
    if subject.provider_id == "copilot":
        return  # roles.assistant-last reports Copilot's Claude prefills
    if view.provider.multi_vendor and not PREFILL_UNSUPPORTED.policy.declares(view.provider.id):
        return  # a reseller cloud may merge or drop the trailing message itself
    messages = view.body.get("messages")
    if not isinstance(messages, list) or not messages:
        return
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant" or last.get("tool_calls"):
        return
    content = last.get("content")
    if isinstance(content, list) and any(
        isinstance(b, dict) and b.get("type") == "tool_use" for b in content
    ):
        return  # a pending tool call, not a prefill: the missing tool result is another rule's
    family, version = _claude_generation(subject)
    if version is None or version < PREFILL_REMOVED_FROM or (family == "haiku" and version[0] < 5):
        return
    index = len(messages) - 1
    yield from PREFILL_UNSUPPORTED.report(
        view,
        f"messages[{index}].role",
        f"messages[{index}] is an assistant message at the end (a prefill), which {subject.name()} (Claude "
        f"{version[0]}.{version[1]}) does not take: Anthropic removed prefills from Claude 4.6 on. End with a "
        f"user message; ask for the format in it, or use structured outputs.{subject.provenance()}",
        judged_as=subject.judged_as,
        uncertain=_claude_name_doubt(subject),
    )


def _check_effort_parameter(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    """`output_config.effort` to a Claude model without effort (model.effort-unsupported)."""
    config = view.body.get("output_config")
    if not isinstance(config, dict) or "effort" not in config:
        return
    if view.provider.multi_vendor and not EFFORT_UNSUPPORTED.policy.declares(view.provider.id):
        return
    family, version = _claude_generation(subject)
    if version is None or family is None:
        return
    since = EFFORT_FROM.get(family)
    if (since is not None and version >= since) or version >= EFFORT_ALL_FROM:
        return
    yield from EFFORT_UNSUPPORTED.report(
        view,
        "output_config.effort",
        f"{subject.name()} (Claude {family.capitalize()} {version[0]}.{version[1]}) has no effort parameter "
        "(Claude Opus 4.5+, Sonnet 4.6+ and the Claude 5 models do); drop `output_config.effort`."
        f"{subject.provenance()}",
        judged_as=subject.judged_as,
        uncertain=_claude_name_doubt(subject),
    )


def _check_claude_sampling(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    """A Claude 4.5+ model behind an unrecognised host, or GitHub Copilot (which hands Claude models to
    Anthropic's validator: microsoft/copilot-eclipse-feedback#79), takes `temperature` or `top_p`, not
    both."""
    body = view.body
    to_anthropic = (
        subject.inferred == "anthropic" or _relayed_vendor(subject.provider_id, subject.info) == "anthropic"
    )
    if (
        to_anthropic
        and is_number(body.get("temperature"))
        and is_number(body.get("top_p"))
        and SAMPLING_EXCLUSIVE_MODEL.match(own_name(subject.info.name))
    ):
        # The fact is Anthropic's (its answer is cited on the rule) and the name fixes the model, so a
        # reseller-only catalog entry (Bedrock's own ids) casts no doubt; a lossy match (an alias) does.
        doubt = subject.doubt() if subject.info.lossy is not None else None
        yield from CLAUDE_SAMPLING.report(
            view,
            "top_p",
            f"{subject.name()} accepts `temperature` or `top_p`, not both; drop one (usually `top_p`)."
            f"{subject.provenance()}",
            judged_as=subject.judged_as,
            uncertain=doubt,
        )


def _report_family(
    rule: Rule, view: RequestView, subject: _Subject, location: str, message: str
) -> Iterator[Finding]:
    """A reasoning-family finding off OpenAI's host: judged as OpenAI. The fact is the family's (OpenAI's
    own rejections, cited on the rules), not the catalog's, so a reseller-only catalog entry casts no
    doubt on it."""
    yield from rule.report(view, location, f"{message}{subject.provenance()}", judged_as="openai")


def _check_family_sampling(
    view: RequestView, subject: _Subject, effort: Any, *, own_host: bool = False
) -> Iterator[Finding]:
    """An unrecognised host, a model of a known reasoning family: the family rules that params.* applies
    on the vendor's own host (providers.py OPENAI_FAMILIES; errors cited above). ``own_host``: the
    Responses API on OpenAI or Azure, judged by the host's own families."""
    family = view.provider.family_for(subject.model) if own_host else _inferred_family(subject)
    if family is DEFAULT_FAMILY:
        return
    body = view.body
    sampling_allowed = family.sampling_when_effort_none and effort == "none"
    temperature = body.get("temperature")
    if (
        family.fixed_temperature is not None
        and isinstance(temperature, int | float)
        and not isinstance(temperature, bool)
        and temperature != family.fixed_temperature
        and not sampling_allowed
    ):
        yield from _report_family(
            SAMPLING_REASONING,
            view,
            subject,
            "temperature",
            f"{subject.name()} ({family.name}) only takes temperature {family.fixed_temperature:g}; got "
            f"{temperature}. Omit `temperature`.",
        )
    for key in sorted(family.unsupported_params & body.keys()):
        yield from _report_family(
            SAMPLING_REASONING,
            view,
            subject,
            key,
            f"{subject.name()} ({family.name}) does not take `{key}`; remove it.",
        )


def _check_effort_without_reasoning(
    view: RequestView, subject: _Subject, effort: Any, location: str
) -> Iterator[Finding]:
    """A reasoning effort sent to a model the catalog says does not reason: no value is one it takes.
    OpenAI answers "Unrecognized request argument supplied: reasoning_effort" on Chat Completions and
    "Unsupported parameter: 'reasoning.effort' is not supported with this model." on the Responses API
    (the rule's texts); Copilot relays its OpenAI models to that validator. ``null`` is accepted."""
    if subject.info.reasoning is not False or not isinstance(effort, str):
        return
    if (
        subject.provider_id in FAMILY_RELAYS
        and _relayed_vendor(subject.provider_id, subject.info) != "openai"
    ):
        return  # the policy's Copilot level is for OpenAI's models only
    yield from _report(
        REASONING_EFFORT_FOR_MODEL,
        view,
        subject,
        location,
        f"{subject.name()} is not a reasoning model, so it takes no `{location}` ({effort!r} was sent); omit "
        "it, or send null.",
        field="reasoning",
        # Groq's refusals quoted for its non-reasoning models are for a value ("medium", "low"); whether it
        # takes "none" there (its way to turn reasoning off on Qwen 3) is not known, so that stays a warning.
        uncertain=(
            "no Groq answer to `none` on a model that does not reason is known"
            if subject.provider_id == "groq" and effort == "none"
            else None
        ),
    )


def _params_report_effort(view: RequestView, effort: str) -> bool:
    """Whether params.reasoning-effort-value already reports this value for the host (no model
    takes it there), or params.reasoning-effort-unsupported reports the key (a non-reasoning family)."""
    pid = view.provider.id
    allowed = view.provider.reasoning_efforts
    if allowed is not None and effort not in allowed:
        return True
    return pid in ("openai", "azure") and view.provider.family_for(view.model).reasoning_effort is False


# --- function tools with a reasoning effort on chat completions (issue 9 round 7) -----------------
#
# model.tools-with-reasoning-effort: function tools with a reasoning effort on chat completions, for the
# OpenAI models whose chat endpoint refuses the combination (issue 9 round 7).
#
# From gpt-5.2 on, OpenAI serves function tools together with reasoning only on the Responses API. Its chat
# endpoint answers "Function tools with reasoning_effort are not supported for gpt-5.4 in
# /v1/chat/completions. Please use /v1/responses instead." (openai/openai-openapi#541, whose minimal repro is
# gpt-5.4 with a developer message, ``reasoning_effort: "medium"`` and one function tool). Which models, from
# the threads that show each:
#
# * gpt-5.2 and gpt-5.4: livekit/agents#5088 drops ``reasoning_effort`` when tools are present because "chat
#   completions breaks otherwise" for exactly these two; ``gpt-5.4-mini`` takes the same agent request
#   (fazer-ai/agents#66), so only the plain names are matched;
# * gpt-5.5 is not matched: the only threads showing it refused are those of the round-7 probe set, which
#   measures this rule and is not its source;
# * gpt-5.6 and its -luna / -terra / -sol variants reason by default, so the endpoint refuses tools even
#   when the request sets no effort at all, and only an explicit ``"none"`` is accepted ("... or set
#   reasoning_effort to 'none'", LibreChat#14355 on a request without any effort, fazer-ai/agents#66 for all
#   three variants, LibreChat#14231).
#
# * gpt-6-astra has no "none" effort (it cannot stop reasoning: efforts low to max, inspect_ai#5254), so its
#   chat endpoint refuses function tools at every effort, the default included: bolna-ai/bolna#1019 verified
#   "function tools on chat completions, at every effort level" on the live model ("gpt-6-astra has no `none`,
#   so a tool-using agent has to reach the Responses API").
#
# Severity: an error on OpenAI's own API, on Azure OpenAI (Azure AI Foundry answers OpenAI's text for
# gpt-5.6-luna, agentgateway/agentgateway#2894; tools with the default effort or "medium" too,
# maximhq/bifrost#7275) and on GitHub Copilot, whose API answers OpenAI models with OpenAI's validator
# (kaitranntt/ccs#344, quoted on model.reasoning-effort-value); judged as OpenAI for one of these model names
# on an unrecognised host. A warning on OpenRouter, which no thread shows refusing it (it may translate the
# request; GEMISIS/leviath#333 leaves it unverified). Azure refused "none" as well for gpt-5.6-luna (the same
# two threads), so there the finding points to the Responses API only.

#: A pinned snapshot's date suffix (``gpt-5.4-2026-03-05``), which names the same model.
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")
#: Refuse tools together with an effort other than "none" (livekit/agents#5088, openai-openapi#541).
EFFORT_WITH_TOOLS = re.compile(r"^gpt-5\.(?:2|4)$")
#: Reason by default, so refuse tools unless the effort is explicitly "none" (LibreChat#14355, fazer-ai#66).
DEFAULT_EFFORT_WITH_TOOLS = re.compile(r"^gpt-5\.6(?:-luna|-terra|-sol)?$")
#: Always reason (no "none" effort), so refuse function tools on chat completions at every effort (bolna#1019).
ALWAYS_EFFORT_WITH_TOOLS = re.compile(r"^gpt-6-astra$")

_WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}

TOOLS_WITH_EFFORT = define(
    "model.tools-with-reasoning-effort",
    Severity.ERROR,
    "Function tools sent to chat completions with a reasoning effort for a model that takes tools with "
    "reasoning only on the Responses API (gpt-5.2 and gpt-5.4 with an effort set; the gpt-5.6 "
    'family unless `reasoning_effort` is "none"; gpt-6-astra, which always reasons, at every effort).',
    policy=policy(
        error=("openai", "azure", "copilot"),
        warning=("openrouter", "generic"),
        conditions={
            "copilot": "an OpenAI model (Copilot answers with OpenAI's validator, kaitranntt/ccs#344)",
        },
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Function tools with reasoning_effort are not supported for gpt-5.4 in /v1/chat/completions. "
                "Please use /v1/responses instead."
            ),
            source="https://github.com/openai/openai-openapi/issues/541",
            param="reasoning_effort",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Function tools with reasoning_effort are not supported for gpt-5.6-sol in /v1/chat/completions. "
                "To use function tools, use /v1/responses or set reasoning_effort to 'none'."
            ),
            source="https://github.com/danny-avila/LibreChat/issues/14355",
            param="reasoning_effort",
        ),
        PredictedError(
            provider="azure",
            text=(
                '{"type":"error","error":{"type":"invalid_request_error","message":"Function tools with '
                "reasoning_effort are not supported for gpt-5.6-luna in /v1/chat/completions. Please use "
                '/v1/responses instead."}}'
            ),
            # Azure AI Foundry, through agentgateway's Anthropic-to-chat translation.
            source="https://github.com/agentgateway/agentgateway/pull/2894",
        ),
    ),
    example={"model": "gpt-5.4", "messages": [_USER], "tools": [_WEATHER_TOOL], "reasoning_effort": "medium"},
    fixed={"model": "gpt-5.4", "messages": [_USER], "tools": [_WEATHER_TOOL]},
    notes=(
        "Use the Responses API (`POST /v1/responses`, effort as `reasoning.effort`) for tool turns that need "
        'reasoning, or send `reasoning_effort: "none"` (gpt-5.6 needs it explicitly: it reasons by default). '
        "Only the names the threads show are matched (`gpt-5.4-mini` takes the combination, fazer-ai/agents#66); "
        "a snapshot date suffix names the same model."
    ),
)


@check(endpoints=(CHAT,))
def check_prompt_mode(view: RequestView) -> Iterator[Finding]:
    """`prompt_mode` to one of Mistral's adjustable-reasoning models (:data:`ADJUSTABLE_REASONING`), read by name:
    the models are newer than the catalog's Mistral entries say about the field."""
    if "prompt_mode" not in view.body or not isinstance(view.model, str):
        return
    name = own_name(normalise_model(view.model)).lower()
    if not ADJUSTABLE_REASONING.match(name):
        return
    yield from PROMPT_MODE_UNSUPPORTED.report(
        view,
        "prompt_mode",
        f"`prompt_mode` is sent, but {view.model} reasons by `reasoning_effort` (Mistral's adjustable reasoning); "
        "Mistral refuses the Magistral prompt mode for it. Drop `prompt_mode`, and send "
        '`reasoning_effort: "high"` to reason or "none" not to.'
        + (
            ""
            if view.provider.id == "mistral"
            else " (Read from the model name; a gateway may drop the field.)"
        ),
    )


_TOOLS_EFFORT_NAMES: dict[str, str | None] = {}


def _tools_effort_name(model: str) -> str | None:
    """The normalised name when it is one of the matched families, else None (cached per model id: the
    same few ids come again and again, and this runs on every chat request with tools)."""
    if model in _TOOLS_EFFORT_NAMES:
        return _TOOLS_EFFORT_NAMES[model]
    name: str | None = _SNAPSHOT.sub("", normalise_model(model))
    if not (
        EFFORT_WITH_TOOLS.match(name)
        or DEFAULT_EFFORT_WITH_TOOLS.match(name)
        or ALWAYS_EFFORT_WITH_TOOLS.match(name)
    ):
        name = None
    if len(_TOOLS_EFFORT_NAMES) < 4096:
        _TOOLS_EFFORT_NAMES[model] = name
    return name


def _function_tools(tools: object) -> bool:
    return isinstance(tools, list) and any(
        isinstance(tool, dict) and tool.get("type", "function") == "function" for tool in tools
    )


@check(endpoints=(CHAT,))
def check_tools_with_reasoning_effort(view: RequestView) -> Iterator[Finding]:
    body = view.body
    model = view.model
    name = _tools_effort_name(model) if isinstance(model, str) else None
    if name is None or not _function_tools(body.get("tools")):
        return
    effort = body.get("reasoning_effort")
    if EFFORT_WITH_TOOLS.match(name):
        if not isinstance(effort, str) or effort == "none":
            return
        message = (
            f"`reasoning_effort` is {effort!r} with function tools, and {model} takes tools with reasoning only "
            'on the Responses API; drop `reasoning_effort` (or send "none") on tool turns, or move the '
            "request to `POST /v1/responses` with `reasoning.effort`."
        )
    elif DEFAULT_EFFORT_WITH_TOOLS.match(name):
        if effort == "none":
            return
        said = (
            f"`reasoning_effort` is {effort!r}"
            if isinstance(effort, str)
            else "no `reasoning_effort` is sent"
        )
        fix = (
            # Azure refused "none" too for gpt-5.6-luna (agentgateway#2894, bifrost#7275).
            'Move the request to `POST /v1/responses` (Azure refuses "none" for these models as well).'
            if view.provider.id == "azure"
            else 'Send "none", or move the request to `POST /v1/responses`.'
        )
        message = (
            f"{said} with function tools; {model} reasons by default and takes tools on chat completions only "
            f'with `reasoning_effort: "none"`. {fix}'
        )
    elif ALWAYS_EFFORT_WITH_TOOLS.match(name):
        said = (
            f"`reasoning_effort` is {effort!r}"
            if isinstance(effort, str)
            else "no `reasoning_effort` is sent (the model's default effort applies)"
        )
        message = (
            f'{said} with function tools; {model} always reasons (it takes no effort "none"), so chat '
            "completions refuse its function tools at every effort. Move tool turns to `POST /v1/responses`."
        )
    else:
        return
    # OpenAI's answer names ``reasoning_effort`` as its param even when the request sent none (the model's
    # default effort applies): the fix is that field's value.
    vendor = inferred_vendor(view)
    if vendor is not None and vendor[0] == "openai":
        # An unrecognised host asked for one of these OpenAI names: judged as OpenAI, and saying so.
        yield from TOOLS_WITH_EFFORT.report(
            view, "reasoning_effort", f"{message}{vendor[1]}", judged_as="openai"
        )
        return
    yield from TOOLS_WITH_EFFORT.report(view, "reasoning_effort", message)
