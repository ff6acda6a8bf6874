"""Provider profiles: which API a request goes to decides which rules apply and how severe they are.

The provider is recognised from the request URL (host, port and path); the model family inside
the provider from the request's ``model`` (and, for Qwen/DeepSeek/Moonshot, the thinking flag).
Where providers disagree, the profile decides; a rule never flags what the target provider accepts.

Everything here is data plus two cheap lookups (a dict hit or a few globs per host, cached; a few
regexes per model name, cached). Users extend the built-in registry with a TOML file
(:mod:`toolguard_core.profiles_config`): gateway hosts mapped to a provider, model overrides.

Sources are cited with the keys of ``providers.md`` (``[OAS]``, ``[VLLM-SP]``, …) or issue URLs.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from toolguard_core.catalog import DEFAULT_CATALOG, Catalog
from toolguard_core.findings import Severity
from toolguard_core.provider_params import provider_names

# OpenAI's documented roles (doc [OAS]); `function` is deprecated but accepted.
OPENAI_ROLES = frozenset({"developer", "system", "user", "assistant", "tool", "function"})

#: Top-level fields of OpenAI's CreateChatCompletionRequest (doc [OAS] @ f85dbe223d40).
OPENAI_PARAMS = frozenset(
    {
        "model", "messages", "audio", "frequency_penalty", "function_call", "functions",
        "logit_bias", "logprobs", "max_completion_tokens", "max_tokens", "metadata", "modalities",
        "n", "parallel_tool_calls", "prediction", "presence_penalty", "prompt_cache_key",
        "prompt_cache_retention", "reasoning_effort", "response_format", "safety_identifier",
        "seed", "service_tier", "stop", "store", "stream", "stream_options", "temperature",
        "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity", "web_search_options",
    }
)  # fmt: skip

#: ``reasoning_effort`` values OpenAI's schema lists (doc [OAS]); each model takes a subset (the
#: model catalog knows it for many). vLLM's pydantic enum takes three (code [VLLM-CHAT]).
OPENAI_REASONING_EFFORTS = frozenset({"none", "minimal", "low", "medium", "high", "xhigh", "max"})
VLLM_REASONING_EFFORTS = frozenset({"low", "medium", "high"})
#: Cerebras' chat-completions reference (https://inference-docs.cerebras.ai/api-reference/chat-completions,
#: `reasoning_effort`): low, medium, high for gpt-oss, and none to turn reasoning off on the models that
#: allow it; its strict validator refuses anything else (`default`, which Groq takes, included).
CEREBRAS_REASONING_EFFORTS = frozenset({"none", "low", "medium", "high"})
#: Groq's reasoning guide (https://console.groq.com/docs/reasoning, "Reasoning Effort"): none and default
#: for Qwen 3, low, medium and high for gpt-oss.
GROQ_REASONING_EFFORTS = frozenset({"none", "default", "low", "medium", "high"})
#: Ollama's OpenAI layer maps `reasoning_effort` (and `reasoning.effort`) to its `think` value in one
#: closed switch and answers anything else with 400 "invalid reasoning value: ..." before any model is
#: asked (ollama/ollama openai/openai.go, thinkFromReasoningEffort, at fb30760, 21 August 2026). Each
#: release widened it ("minimal" was refused until the clamp was added: "invalid reasoning value: 'minimal'
#: (must be "high", "medium", "low", or "none")", xunbu/docutranslate#18, December 2025), so a value outside
#: today's set is refused by every release. Whether a given model thinks at levels is the catalog's.
OLLAMA_REASONING_EFFORTS = frozenset({"none", "minimal", "low", "medium", "high", "xhigh", "ultra", "max"})

#: Fields Groq documents for chat completions (https://console.groq.com/docs/api-reference), checked
#: against its SDK's request type (groq/groq-python, src/groq/types/chat/completion_create_params.py at
#: 9620fde, 18 August 2026, which lists `store`: refused in December 2024, accepted since; `stream_options`
#: is in the API reference but not the SDK type); anything else is rejected with "property 'X' is
#: unsupported, did you mean 'Y'?" (providers.md §3).
GROQ_PARAMS = frozenset(
    {
        "model", "messages", "frequency_penalty", "function_call", "functions", "logit_bias",
        "logprobs", "max_completion_tokens", "max_tokens", "metadata", "n", "parallel_tool_calls",
        "presence_penalty", "reasoning_effort", "reasoning_format", "include_reasoning",
        "response_format", "search_settings", "seed", "service_tier", "stop", "store", "stream",
        "stream_options", "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user",
        "citation_options", "compound_custom", "documents", "exclude_domains", "include_domains",
        "disable_tool_validation",
    }
)  # fmt: skip

#: Fields of Mistral's chat request; its pydantic model forbids extras (422 extra_forbidden for
#: `max_completion_tokens`, ...: issues cited in rules/params.py). Checked against the SDK's request
#: model (mistralai/client-python, src/mistralai/client/models/chatcompletionrequest.py at 05629d2, 30 June
#: 2026): `metadata`, once refused (extra_forbidden), is a field of it now.
MISTRAL_PARAMS = frozenset(
    {
        "model", "messages", "temperature", "top_p", "max_tokens", "stream", "stop", "random_seed", "metadata",
        "response_format", "tools", "tool_choice", "presence_penalty", "frequency_penalty", "n",
        "prediction", "parallel_tool_calls", "prompt_mode", "safe_prompt", "reasoning_effort",
        "guardrails", "document_image_limit", "document_page_limit",
        # Accepted: a recorded 200 from api.mistral.ai carries it (pydantic-ai cassette
        # test_mistral_history_uses_prompt_cache, tests/data/corpus/valid-a.jsonl av-014).
        "prompt_cache_key",
    }
)  # fmt: skip

#: Groq's message keys per role, from its SDK's message types (groq/groq-python at 9620fde, 18 August
#: 2026: chat_completion_*_message_param.py). `name` on system, user and assistant messages is there now (an
#: earlier reference answered messages[].name with a 400, doc [GROQ]); `reasoning` is what Groq itself
#: returns for reasoning models, so replaying it is not flagged.
GROQ_MESSAGE_KEYS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "system": frozenset({"role", "content", "name"}),
        "developer": frozenset({"role", "content", "name"}),
        "user": frozenset({"role", "content", "name"}),
        "assistant": frozenset({"role", "content", "name", "tool_calls", "function_call", "reasoning"}),
        "tool": frozenset({"role", "content", "tool_call_id"}),
        "function": frozenset({"role", "content", "name"}),
    }
)
#: Mistral: `name` only on tool messages, `prefix` on assistant (code [LL-MIS]; issues in roles.py); the same
#: keys as its SDK's message models (client-python at 05629d2, 30 June 2026: systemmessage.py, usermessage.py,
#: assistantmessage.py, toolmessage.py).
MISTRAL_MESSAGE_KEYS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "system": frozenset({"role", "content"}),
        "user": frozenset({"role", "content"}),
        "assistant": frozenset({"role", "content", "tool_calls", "prefix"}),
        "tool": frozenset({"role", "content", "tool_call_id", "name"}),
    }
)


#: The keys a strict provider accepts inside the request's nested objects, by path: ``tools[]`` is each
#: function tool (a tool whose ``type`` is absent or ``function``), ``tools[].function`` its function,
#: ``tool_choice`` / ``tool_choice.function`` the object form, ``response_format.json_schema`` the schema
#: wrapper. A strict server refuses any other key there as it does at the top level (issue 9 round 6:
#: one complete allowlist per level instead of one fact per field). Read by params.unknown-nested-field.
NestedKeys = Mapping[str, frozenset[str]]
#: A function definition as OpenAI, Mistral, Groq and Cerebras all define it.
_FUNCTION_KEYS = frozenset({"name", "description", "parameters", "strict"})
_JSON_SCHEMA_KEYS = frozenset({"name", "description", "schema", "strict"})
#: Mistral's request models (mistralai/client-python at 05629d2, 30 June 2026, src/mistralai/client/models:
#: tool.py, function.py, toolchoice.py, functionname.py, responseformat.py, jsonschema.py, prediction.py).
#: Its server forbids extra keys inside them as at the top level: "extra_forbidden", loc ["body", "tools", 0,
#: "function", "required"] for `required` beside `parameters` (https://github.com/mistralai/client-python/issues/91).
MISTRAL_NESTED_KEYS: NestedKeys = MappingProxyType(
    {
        "tools[]": frozenset({"type", "function"}),
        "tools[].function": _FUNCTION_KEYS,
        "tool_choice": frozenset({"type", "function"}),
        "tool_choice.function": frozenset({"name"}),
        "response_format": frozenset({"type", "json_schema"}),
        "response_format.json_schema": _JSON_SCHEMA_KEYS,
        "prediction": frozenset({"type", "content"}),
    }
)
#: Groq's SDK request types (groq/groq-python at 9620fde, 18 August 2026: chat_completion_tool_param.py,
#: shared_params/function_definition.py, chat_completion_named_tool_choice_param.py, completion_create_params.py
#: ResponseFormat*). Only function tools: Groq's built-in tools (browser_search, code_interpreter) take others.
GROQ_NESTED_KEYS: NestedKeys = MappingProxyType(
    {
        "tools[]": frozenset({"type", "function"}),
        "tools[].function": _FUNCTION_KEYS,
        "tool_choice": frozenset({"type", "function"}),
        "tool_choice.function": frozenset({"name"}),
        "response_format": frozenset({"type", "json_schema"}),
        "response_format.json_schema": _JSON_SCHEMA_KEYS,
    }
)
#: Cerebras' SDK request type, generated from the OpenAPI document Cerebras publishes
#: (Cerebras/cerebras-cloud-sdk-python 1.64.1, 31 December 2025, src/cerebras/cloud/sdk/types/chat/
#: completion_create_params.py: ToolTyped, ToolFunctionTyped, ToolChoiceChoiceObject*, ResponseFormat*,
#: StreamOptionsTyped, PredictionTyped).
CEREBRAS_NESTED_KEYS: NestedKeys = MappingProxyType(
    {
        "tools[]": frozenset({"type", "function"}),
        "tools[].function": _FUNCTION_KEYS,
        "tool_choice": frozenset({"type", "function"}),
        "tool_choice.function": frozenset({"name"}),
        "response_format": frozenset({"type", "json_schema"}),
        "response_format.json_schema": _JSON_SCHEMA_KEYS,
        "stream_options": frozenset({"include_usage"}),
        "prediction": frozenset({"type", "content"}),
    }
)
#: Cerebras' top-level fields, from the same SDK type (1.64.1): OpenAI's minus audio, functions,
#: function_call, metadata, modalities, prompt_cache_key, prompt_cache_retention, safety_identifier,
#: verbosity and web_search_options, plus its own reasoning switches and minimum-length fields. Its
#: validator refuses any other field ("body.metadata: property 'body.metadata' is unsupported" for
#: LiteLLM's metadata, https://github.com/OpenHands/software-agent-sdk/issues/1124; Bifrost's provider
#: page drops prompt_cache_key and verbosity for Cerebras, docs.getbifrost.ai/providers/supported-providers/
#: cerebras). `store` stays listed: params.rejected-by-provider says why it is refused.
CEREBRAS_PARAMS = frozenset(
    {
        "model", "messages", "clear_thinking", "disable_reasoning", "frequency_penalty", "logit_bias",
        "logprobs", "max_completion_tokens", "max_tokens", "min_completion_tokens", "min_tokens", "n",
        "parallel_tool_calls", "prediction", "presence_penalty", "reasoning_effort", "reasoning_format",
        "response_format", "seed", "service_tier", "stop", "store", "stream", "stream_options",
        "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Bounds:
    """A numeric range; ``None`` means unbounded on that side."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def contains(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (self.high is not None and (value >= self.high if self.high_open else value > self.high))

    def describe(self) -> str:
        low = "-inf" if self.low is None else _num(self.low)
        high = "inf" if self.high is None else _num(self.high)
        return f"{'(' if self.low_open else '['}{low}, {high}{')' if self.high_open else ']'}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True, slots=True)
class ParamRange:
    bounds: Bounds
    severity: Severity
    source: str


#: OpenAI's documented ranges (doc [OAS]); OpenAI rejects values outside them.
OPENAI_RANGES: Mapping[str, ParamRange] = MappingProxyType(
    {
        "temperature": ParamRange(Bounds(0, 2), Severity.ERROR, "doc [OAS]"),
        "top_p": ParamRange(Bounds(0, 1), Severity.ERROR, "doc [OAS]"),
        "presence_penalty": ParamRange(Bounds(-2, 2), Severity.ERROR, "doc [OAS]"),
        "frequency_penalty": ParamRange(Bounds(-2, 2), Severity.ERROR, "doc [OAS]"),
        "n": ParamRange(Bounds(1, 128, integer=True), Severity.ERROR, "doc [OAS]"),
        "top_logprobs": ParamRange(Bounds(0, 20, integer=True), Severity.ERROR, "doc [OAS]"),
        # "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead."
        # (https://github.com/it-at-m/mucgpt/issues/608; -15335 in OpenBMB/ChatDev#446).
        "max_tokens": ParamRange(Bounds(1, None, integer=True), Severity.ERROR, "issue it-at-m/mucgpt#608"),
        "max_completion_tokens": ParamRange(
            Bounds(1, None, integer=True), Severity.ERROR, "issue it-at-m/mucgpt#608 (same validator)"
        ),
    }
)
#: vLLM's SamplingParams validation (code [VLLM-SP], [VLLM-CHAT]): each raises a 400.
VLLM_RANGES: Mapping[str, ParamRange] = MappingProxyType(
    {
        "temperature": ParamRange(Bounds(0, 2), Severity.ERROR, "code [VLLM-SP]"),
        "top_p": ParamRange(Bounds(0, 1, low_open=True), Severity.ERROR, "code [VLLM-SP]"),
        "presence_penalty": ParamRange(Bounds(-2, 2), Severity.ERROR, "code [VLLM-SP]"),
        "frequency_penalty": ParamRange(Bounds(-2, 2), Severity.ERROR, "code [VLLM-SP]"),
        "n": ParamRange(Bounds(1, None, integer=True), Severity.ERROR, "code [VLLM-SP]"),
        "top_logprobs": ParamRange(Bounds(-1, None, integer=True), Severity.ERROR, "code [VLLM-CHAT]"),
        "max_tokens": ParamRange(Bounds(1, None, integer=True), Severity.ERROR, "code [VLLM-SP]"),
        "max_completion_tokens": ParamRange(Bounds(1, None, integer=True), Severity.ERROR, "code [VLLM-SP]"),
        "min_p": ParamRange(Bounds(0, 1), Severity.ERROR, "code [VLLM-SP]"),
        "repetition_penalty": ParamRange(Bounds(0, None, low_open=True), Severity.ERROR, "code [VLLM-SP]"),
        "top_k": ParamRange(Bounds(-1, None, integer=True), Severity.ERROR, "code [VLLM-SP]"),
    }
)
#: What every provider rejects: negative temperature, top_p above 1, n below 1, ...
GENERIC_RANGES: Mapping[str, ParamRange] = MappingProxyType(
    {
        "temperature": ParamRange(Bounds(0, None), Severity.ERROR, "doc [OAS]; code [VLLM-SP]"),
        "top_p": ParamRange(Bounds(0, 1), Severity.ERROR, "doc [OAS]; code [VLLM-SP]"),
        "n": ParamRange(Bounds(1, None, integer=True), Severity.ERROR, "doc [OAS]; code [VLLM-SP]"),
        "top_logprobs": ParamRange(Bounds(-1, None, integer=True), Severity.ERROR, "doc [OAS]"),
    }
)


def _warn(ranges: Mapping[str, ParamRange], source: str) -> Mapping[str, ParamRange]:
    """The same ranges as warnings: a provider documents them but no rejection text is known."""
    return MappingProxyType(
        {k: dataclasses.replace(r, severity=Severity.WARNING, source=source) for k, r in ranges.items()}
    )


@dataclass(frozen=True, slots=True)
class ExclusiveFields:
    """Two top-level fields a provider refuses in one request (each alone is accepted): which to keep, and
    the public refusal (URL) that shows the host answers the pair with a 400."""

    fields: tuple[str, str]
    keep: str
    source: str


@dataclass(frozen=True, slots=True)
class ModelFamily:
    """What a group of models accepts. First matching family of a profile wins."""

    id: str
    name: str
    #: Regular expressions matched (``re.match``) against the lower-cased model name, after a
    #: ``vendor/`` prefix and a ``ft:`` prefix are stripped.
    patterns: tuple[str, ...] = ()
    reasoning: bool = False
    #: Rejected outright (OpenAI: ``Unsupported parameter: 'X' is not supported with this model.``).
    unsupported_params: frozenset[str] = frozenset()
    #: Reported as unsupported by secondary sources only (LiteLLM code, community matrix): warning.
    doubtful_params: frozenset[str] = frozenset()
    #: Parameters accepted but without effect (DeepSeek reasoner, doc [DSK-R]): warning.
    ignored_params: frozenset[str] = frozenset()
    #: Only this temperature is accepted (OpenAI reasoning models: 1).
    fixed_temperature: float | None = None
    #: ``max_tokens`` rejected in favour of ``max_completion_tokens``.
    rejects_max_tokens: bool = False
    #: Whether ``reasoning_effort`` is accepted; None = not known, not checked.
    reasoning_effort: bool | None = None
    #: gpt-5.1+: sampling knobs are accepted when ``reasoning_effort`` is ``none`` (code [LL-GPT5]).
    sampling_when_effort_none: bool = False
    rejects_system_role: bool = False
    #: Thinking (Qwen/DeepSeek/Moonshot): on by default? None = unknown; ``thinking_only`` = always on.
    thinking_default: bool | None = None
    thinking_only: bool = False
    #: DashScope: whether thinking is allowed only in streaming calls (Qwen3's rule; the 3.5 series is
    #: not held to it, see QWEN_FAMILIES).
    thinking_needs_stream: bool = True
    #: Whether the model takes `tools`; None = not known here (the model catalog may know).
    function_calling: bool | None = None
    #: Whether the provider serves a `json_schema` response format for the model; None = not known here.
    json_schema: bool | None = None

    def matches(self, model: str) -> bool:
        return any(re.match(p, model) for p in self.patterns)


DEFAULT_FAMILY = ModelFamily(id="default", name="any model")

#: Mistral AI's model names (searched in the lower-cased model id, any host): served through
#: mistral_common, whose request validator answers the same way on Mistral's API, on vLLM and on
#: NVIDIA NIM (tool-call ids of 9 characters, no user message right after a tool message).
MISTRAL_MODELS = re.compile(r"(mistral|mixtral|codestral|devstral|magistral|ministral|pixtral)")
#: Open-weight models whose stock chat template thinks unless told not to (searched in the lower-cased
#: model id or GGUF file name a self-hosted server is given): llama.cpp's llama-server turns
#: enable_thinking on for such a template and then refuses an assistant prefill (common/chat.cpp;
#: ggml-org/llama.cpp#15404). Qwen3's 2507 Instruct releases are the non-thinking variants.
THINKING_TEMPLATE_MODELS = re.compile(
    r"(qwen3(?![\w.-]*instruct-2507)|qwq|gpt-oss|deepseek-r1|r1-distill|glm-4\.[5-9]|glm-?5|"
    r"kimi-k2-thinking|minimax-m2|magistral)"
)

_O_SAMPLING = frozenset({"top_p", "presence_penalty", "frequency_penalty"})
_O_DOUBTFUL = frozenset({"logprobs", "top_logprobs", "logit_bias"})
#: ``stop`` is refused by the reasoning models that followed o1-mini / o3-mini, with OpenAI's
#: "Unsupported parameter: 'stop' is not supported with this model." (param ``stop``): o1-preview on
#: Azure (https://github.com/crewAIInc/crewAI/issues/1908), o3 (crewAIInc/crewAI#2738), o4-mini
#: (EleutherAI/lm-evaluation-harness#3215), gpt-5 (FlowiseAI/Flowise#5046, BittnerPierre/AI-Agent-Casebook#133)
#: and gpt-5.2 on Azure (huggingface/smolagents#1893). o3-mini takes it (huggingface/smolagents#1211 drops
#: `stop` for o3 and o4-mini only), so o3-mini is its own family below.
_O_STOP = frozenset({"stop"})


def _reasoning_only(id: str, name: str, patterns: tuple[str, ...]) -> ModelFamily:
    """An OpenAI family that only reasons (no effort 'none'): no sampling field and no `stop`, temperature
    fixed at 1, `max_completion_tokens` instead of `max_tokens`, `reasoning_effort` taken (the
    reasoning-models doc; each family below cites its refusals)."""
    return ModelFamily(
        id=id,
        name=name,
        patterns=patterns,
        reasoning=True,
        unsupported_params=_O_SAMPLING | _O_STOP,
        doubtful_params=_O_DOUBTFUL,
        fixed_temperature=1,
        rejects_max_tokens=True,
        reasoning_effort=True,
    )


OPENAI_FAMILIES: tuple[ModelFamily, ...] = (
    ModelFamily(
        id="openai-gpt-5-chat",
        name="gpt-5-chat (non-reasoning)",
        patterns=(r"gpt-5(\.\d+)?-chat",),
    ),
    ModelFamily(
        id="openai-o1-legacy",
        name="o1-mini / o1-preview",
        patterns=(r"o1-mini", r"o1-preview"),
        reasoning=True,
        unsupported_params=_O_SAMPLING | _O_STOP,
        doubtful_params=_O_DOUBTFUL,
        fixed_temperature=1,
        rejects_max_tokens=True,
        reasoning_effort=False,
        rejects_system_role=True,
        # No function calling: "tools is not supported in this model. For a list of supported models,
        # refer to https://platform.openai.com/docs/guides/function-calling#models-supporting-function-calling."
        # (o1-mini on api.openai.com, https://github.com/aaif-goose/goose/pull/921). The catalog's primary
        # source marks o1-mini as function-calling, so the family states it.
        function_calling=False,
    ),
    ModelFamily(
        id="openai-o3-mini",
        name="o3-mini reasoning, takes stop",
        patterns=(r"o3-mini",),
        reasoning=True,
        unsupported_params=_O_SAMPLING,
        doubtful_params=_O_DOUBTFUL,
        fixed_temperature=1,
        rejects_max_tokens=True,
        reasoning_effort=True,
    ),
    _reasoning_only(
        id="openai-o-series",
        name="o-series reasoning (o1, o3, o4-mini)",
        patterns=(r"o[1-9](-|$)",),
    ),
    # The codex models only reason (efforts low..xhigh, no 'none'), so no sampling field is ever taken:
    # "Unsupported parameter: 'top_p' is not supported with this model." for gpt-5.1-codex-max through
    # GitHub Copilot (https://github.com/microsoft/vscode/issues/282170).
    _reasoning_only(
        id="openai-gpt-5-codex",
        name="gpt-5 codex models (reasoning only)",
        patterns=(r"gpt-5(\.\d+)?-codex",),
    ),
    # GPT-6 Astra cannot stop reasoning: efforts low to max, no 'none' or 'minimal' (400 "Unsupported value ...
    # Supported values are: 'low', 'medium', 'high', 'xhigh', and 'max'", UKGovernmentBEIS/inspect_ai#5254 and
    # BerriAI/litellm-docs#1173, both live probes), so no sampling field is ever taken: bolna-ai/bolna#1019
    # verified `max_tokens`, `stop` and any temperature other than 1 refused on the live model, and dcdpr/jp#1086
    # `temperature` and `top_p` "refused outright". Tools on chat completions: model.tools-with-reasoning-effort.
    _reasoning_only(
        id="openai-gpt-6-astra",
        name="gpt-6-astra (reasoning only)",
        patterns=(r"gpt-6-astra",),
    ),
    # The other GPT-6 models (sol, luna) take effort 'none' (OpenAI's catalog entries) and are served as the
    # gpt-5 request family (BerriAI/litellm#39631 maps `max_tokens` to `max_completion_tokens`). Their default
    # effort is not shown by any thread, and gpt-5.6-sol took temperature in one live test (mozilla/pontoon#4399),
    # so sampling and `stop` stay doubtful (a warning) until a Platform API refusal for them is collected.
    ModelFamily(
        id="openai-gpt-6",
        name="gpt-6 (reasoning; effort none available)",
        patterns=(r"gpt-6(-|$)",),
        reasoning=True,
        doubtful_params=_O_SAMPLING | _O_DOUBTFUL | _O_STOP | frozenset({"temperature"}),
        rejects_max_tokens=True,
        reasoning_effort=True,
        sampling_when_effort_none=True,
    ),
    ModelFamily(
        id="openai-gpt-5.1+",
        name="gpt-5.1 and later (reasoning; sampling only with reasoning_effort none)",
        patterns=(r"gpt-5\.[1-9]",),
        reasoning=True,
        # stop is refused even at gpt-5.2's default effort (smolagents#1893); the sampling knobs are
        # accepted with effort 'none' (code [LL-GPT5]), so they stay doubtful.
        unsupported_params=_O_STOP,
        doubtful_params=_O_SAMPLING | _O_DOUBTFUL,
        fixed_temperature=1,
        rejects_max_tokens=True,
        reasoning_effort=True,
        sampling_when_effort_none=True,
    ),
    # gpt-5, gpt-5-mini, gpt-5-nano have no 'none' effort, so they never take sampling fields (Azure's
    # reasoning-models doc lists temperature, top_p, presence_penalty, frequency_penalty, logprobs,
    # top_logprobs, logit_bias and max_tokens as unsupported): "Unsupported parameter: 'top_p' is not
    # supported with this model." (lfnovo/open-notebook#107), the same for 'presence_penalty' on
    # gpt-5-mini (nextai-translator/nextai-translator#1781).
    _reasoning_only(
        id="openai-gpt-5",
        name="gpt-5 reasoning (gpt-5, gpt-5-mini, gpt-5-nano)",
        patterns=(r"gpt-5(-|$)",),
    ),
    ModelFamily(
        id="openai-chat",
        name="non-reasoning chat models (gpt-4o, gpt-4.1, gpt-3.5, ...)",
        patterns=(r"gpt-4", r"gpt-3\.5", r"chatgpt-4o"),
        reasoning_effort=False,
    ),
)

QWEN_FAMILIES: tuple[ModelFamily, ...] = (
    # Thinking-only models always think (doc [DS-THINK]).
    ModelFamily(
        id="qwen-thinking-only",
        name="Qwen thinking-only (qwq, qvq, *-thinking)",
        patterns=(r"qwq", r"qvq", r"qwen[\w.-]*-thinking", r"deepseek-r1"),
        reasoning=True,
        thinking_default=True,
        thinking_only=True,
    ),
    # Instruct/coder variants of Qwen3 do not think.
    ModelFamily(
        id="qwen-non-thinking",
        name="Qwen non-thinking (qwen3-*-instruct, qwen3-coder, qwen-max, qwen2.5)",
        patterns=(r"qwen3[\w.-]*-instruct", r"qwen3-coder", r"qwen-max", r"qwen2", r"qwen-vl", r"qwen-long"),
        thinking_default=False,
    ),
    # Open-source Qwen3 (qwen3-32b, qwen3-235b-a22b, ...): thinking ON by default, so a non-stream
    # request fails unless enable_thinking=false (https://github.com/vanna-ai/vanna/issues/918).
    ModelFamily(
        id="qwen3-open-source",
        name="open-source Qwen3 hybrid (thinking on by default)",
        patterns=(r"qwen3-\d+(\.\d+)?b",),
        reasoning=True,
        thinking_default=True,
    ),
    # Qwen 3.5 and later commercial models think by default: Model Studio's docs, quoted in
    # https://github.com/langgenius/dify-official-plugins/pull/2628 ("qwen3.5-plus ... 默认开启"), and
    # DashScope's "The tool_choice parameter does not support being set to required or object in
    # thinking mode" for a plain qwen3.6-plus request. Dify stopped forcing them into streaming
    # (dify-official-plugins#2626), so the streaming-only rule of Qwen3 thinking is not applied.
    ModelFamily(
        id="qwen3.5+-commercial",
        name="Qwen 3.5 and later plus/flash (thinking on by default)",
        patterns=(r"qwen3\.[5-9]-(plus|flash)",),
        reasoning=True,
        thinking_default=True,
        thinking_needs_stream=False,
    ),
    # Commercial hybrid models: thinking off unless enable_thinking=true (doc [DS-THINK]).
    ModelFamily(
        id="qwen-commercial-hybrid",
        name="commercial Qwen hybrid (qwen-plus, qwen-flash, qwen-turbo, qwen3-max; thinking off by default)",
        patterns=(r"qwen-plus", r"qwen-flash", r"qwen-turbo", r"qwen3-max", r"qwen3\.\d+-(plus|flash)"),
        reasoning=True,
        thinking_default=False,
    ),
)

DEEPSEEK_FAMILIES: tuple[ModelFamily, ...] = (
    ModelFamily(
        id="deepseek-reasoner",
        name="deepseek-reasoner (thinking mode)",
        patterns=(r"deepseek-reasoner",),
        reasoning=True,
        # doc [DSK-R]: logprobs/top_logprobs are an error; sampling knobs accepted without effect.
        unsupported_params=frozenset({"logprobs", "top_logprobs"}),
        ignored_params=frozenset({"temperature", "top_p", "presence_penalty", "frequency_penalty"}),
        thinking_default=True,
        thinking_only=True,
    ),
    # V4 (deepseek-v4-flash, deepseek-v4-pro) is hybrid but thinks unless `thinking: {"type":
    # "disabled"}`: a plain request replaying tool calls without reasoning_content gets "The
    # reasoning_content in the thinking mode must be passed back to the API."
    # (https://github.com/JohnnyZ93/oai-compatible-copilot/issues/202; "V4 models run with thinking
    # mode enabled by default", https://docs.agno.com/models/providers/native/deepseek/usage/thinking-mode.md).
    ModelFamily(
        id="deepseek-v4",
        name="deepseek-v4-* (thinking unless thinking.type=disabled)",
        patterns=(r"deepseek-v4",),
        thinking_default=True,
    ),
    ModelFamily(
        id="deepseek-chat",
        name="deepseek-chat (thinking only with thinking.type=enabled)",
        patterns=(r"deepseek-chat", r"deepseek-v"),
        thinking_default=False,
    ),
)

#: Groq's Llama chat models are not reasoning models: `reasoning_format` (Groq's switch for how a
#: reasoning model returns its thinking) is refused — "`reasoning_format` is not supported with this
#: model" for llama-3.1-8b-instant (https://github.com/0xPlaygrounds/rig/issues/1134). Groq's
#: reasoning models (openai/gpt-oss-*, qwen/qwen3-32b, deepseek-r1-distill-*) do not match.
GROQ_FAMILIES: tuple[ModelFamily, ...] = (
    # Groq serves `json_schema` response formats on the models its Structured Outputs page lists
    # (https://console.groq.com/docs/structured-outputs: gpt-oss, Kimi K2, Llama 4 Scout/Maverick; the
    # first list in groq/groq-changelog#11). Llama 3.x is not one: "This model does not support response
    # format `json_schema`." for llama-3.3-70b-versatile (https://github.com/plune-ai/cairn/pull/36).
    # Other models off the list are not flagged: no refusal text is known for them.
    ModelFamily(
        id="groq-llama",
        name="Groq Llama 3 chat models (llama-3.x, llama3-*; no reasoning, no json_schema)",
        patterns=(r"llama-3\.", r"llama3-"),
        unsupported_params=frozenset({"reasoning_format"}),
        json_schema=False,
    ),
    ModelFamily(
        id="groq-llama-4",
        name="Groq Llama 4 chat models (llama-4-*; no reasoning)",
        patterns=(r"llama-4-",),
        unsupported_params=frozenset({"reasoning_format"}),
    ),
)

#: xAI's Grok 4 line (grok-4, grok-4-0709/-latest, grok-4-fast-*, grok-4-1-fast-*, grok-4.20-*,
#: grok-code-fast-1) reasons without an effort knob: "Model grok-4-latest does not support parameter
#: reasoningEffort." (https://github.com/BerriAI/litellm/pull/16265) and the same for
#: grok-4.20-0309-reasoning (https://github.com/chenyme/grok2api/issues/814); the non-reasoning
#: variants refuse it too (the AI SDK drops it for grok-4.20-non-reasoning). Its reasoning models
#: refuse the penalties and stop: "Argument not supported on this model: presencePenalty" for grok-4
#: (https://github.com/lobehub/lobehub/issues/8389); xAI's reasoning guide lists presencePenalty,
#: frequencyPenalty and stop as unsupported by reasoning models. grok-3-mini, grok-4.3 and later take
#: reasoning_effort (their own families below).
XAI_FAMILIES: tuple[ModelFamily, ...] = (
    # grok-3-mini (and -fast, -beta) reasons and takes reasoning_effort ("low"/"high"), but refuses the
    # penalties like the Grok 4 reasoning models: "Argument not supported on this model: presencePenalty"
    # (https://github.com/neavo/LinguaGacha/issues/159, grok-3-mini;
    # https://github.com/NitroRCr/AIaW/issues/62, grok-3-mini-fast); LobeChat drops presence_penalty and
    # frequency_penalty for the series (https://github.com/lobehub/lobehub/pull/7371). `stop` is on the
    # list of xAI's reasoning guide (https://docs.x.ai/docs/guides/reasoning) for reasoning models.
    ModelFamily(
        id="grok-3-mini",
        name="grok-3-mini (reasoning; no penalties or stop)",
        patterns=(r"grok-3-mini",),
        reasoning=True,
        unsupported_params=frozenset({"presence_penalty", "frequency_penalty", "stop"}),
        reasoning_effort=True,
    ),
    # "grok-4-1-fast-non-reasoning does not support parameter presencePenalty"
    # (https://github.com/lobehub/lobehub/issues/13332); grok-4-fast-non-reasoning is not reported to.
    ModelFamily(
        id="grok-4-1-fast-non-reasoning",
        name="grok-4-1-fast-non-reasoning (no reasoning_effort or presence_penalty)",
        patterns=(r"grok-4-1-fast-non-reasoning",),
        unsupported_params=frozenset({"presence_penalty"}),
        doubtful_params=frozenset({"frequency_penalty", "stop"}),
        reasoning_effort=False,
    ),
    # "Model xxx does not support parameter presencePenalty." for grok-4.6, grok-4.5, grok-4.3 and
    # grok-4.20-0309-non-reasoning alike, with both penalties set to 0 (miaoxworld/NativeTavern#83).
    ModelFamily(
        id="grok-4.20-non-reasoning",
        name="grok-4.20 non-reasoning (no reasoning_effort or presence_penalty)",
        patterns=(r"grok-4\.20-(\d+-)?non-reasoning",),
        unsupported_params=frozenset({"presence_penalty"}),
        doubtful_params=frozenset({"frequency_penalty", "stop"}),
        reasoning_effort=False,
    ),
    ModelFamily(
        id="grok-4-non-reasoning",
        name="Grok 4 non-reasoning variants (no reasoning_effort)",
        patterns=(r"grok-4-fast-non-reasoning",),
        reasoning_effort=False,
    ),
    ModelFamily(
        id="grok-4-reasoning",
        name="Grok 4 reasoning models (no reasoning_effort, penalties or stop)",
        patterns=(
            r"grok-4$",
            r"grok-4-0709",
            r"grok-4-latest",
            r"grok-4-fast-reasoning",
            r"grok-4-1-fast-reasoning",
            # The bare fast aliases name the reasoning variants (xAI's model list).
            r"grok-4-fast$",
            r"grok-4-1-fast$",
            r"grok-4\.20-(\d+-)?reasoning",
            r"grok-code-fast",
        ),
        reasoning=True,
        unsupported_params=frozenset({"presence_penalty", "frequency_penalty", "stop"}),
        reasoning_effort=False,
    ),
    # grok-4.3, grok-4.5, grok-4.6: reasoning models that take reasoning_effort (xAI's reasoning guide,
    # https://docs.x.ai/developers/model-capabilities/text/reasoning) and, as reasoning models, refuse the
    # penalties and stop (the same guide): presencePenalty refused for all three (miaoxworld/NativeTavern#83).
    ModelFamily(
        id="grok-4.3+",
        name="Grok 4.3 and later (reasoning with reasoning_effort; no penalties or stop)",
        patterns=(r"grok-4\.[3-9](?!\d)",),
        reasoning=True,
        unsupported_params=frozenset({"presence_penalty", "frequency_penalty", "stop"}),
        reasoning_effort=True,
    ),
)

#: Ollama library models whose chat template has no tool support: Ollama refuses `tools` for them
#: with "registry.ollama.ai/library/gemma3:4b does not support tools"
#: (https://github.com/louisho5/picobot/issues/6), the same for llama3:8b
#: (https://github.com/pydantic/pydantic-ai/issues/703) and llama3
#: (https://github.com/ollama/ollama/issues/5793). Only the library names are matched (any tag):
#: llama3.1+ and other families do take tools, and a custom model name is unknown. deepseek-r1's
#: library template has no tools either, whatever its page says: "registry.ollama.ai/library/
#: deepseek-r1:latest does not support tools" for the curl request in
#: https://github.com/ollama/ollama/issues/15023 (Ollama 0.18.2), the 7b tag in
#: https://github.com/langgenius/dify/issues/16005, and the 0528 8b tag lists only completion and
#: thinking (https://github.com/ollama/ollama/issues/12115); phi3 likewise ("registry.ollama.ai/library/
#: phi3:latest does not support tools", https://github.com/AyaanZaveri/finetic/issues/7). gemma3n: its library
#: page lists no capability (https://ollama.com/library/gemma3n, read 2026-12-01) and its template is gemma3's
#: turn template, which renders no tools (data/ollama_library.json).
OLLAMA_FAMILIES: tuple[ModelFamily, ...] = (
    ModelFamily(
        id="ollama-no-tools",
        name="Ollama library models without tool support (llama3, gemma3, gemma3n, deepseek-r1, phi3)",
        patterns=(r"llama3(:|$)", r"gemma3n?(:|$)", r"deepseek-r1(:|$)", r"phi3(:|$)"),
        function_calling=False,
    ),
)

MOONSHOT_FAMILIES: tuple[ModelFamily, ...] = (
    # Kimi Code's models (api.kimi.com/coding/v1: kimi-for-coding, -highspeed, k3, k3-256k) take only
    # temperature 1, thinking or not: "invalid temperature: only 1 is allowed for this model" for 0.3 and
    # 0.6, while 1 or no temperature is accepted (checked against the live endpoint in
    # https://github.com/repowise-dev/repowise/pull/1323, which also names k3). In April 2026 the same
    # endpoint answered "only 0.6 is allowed" (MoonshotAI/kimi-cli#1924): the fixed value has changed once.
    # They also always think, and thinking cannot be turned off: the official CLI's managed /models payload
    # marks the kimi-for-coding pair always_thinking with no effort control and k3/k3-256k always_thinking
    # (docs.rs synaps runtime::openai::catalog::kimi_code_capability), and a tool-call turn replayed without
    # reasoning_content is refused at api.kimi.com/coding/v1 with reasoning effort set to none
    # (Kilo-Org/kilocode#10986; 1jehuang/jcode#322, tailcallhq/forgecode#2590).
    ModelFamily(
        id="kimi-code",
        name="Kimi Code models (kimi-for-coding*, k3*; temperature 1 only; always thinking)",
        patterns=(r"kimi-for-coding", r"k3($|-)"),
        fixed_temperature=1,
        thinking_default=True,
        thinking_only=True,
    ),
    # Kimi K2.7 Code (kimi-k2.7-code, kimi-k2.7-code-highspeed) always thinks: Moonshot's chat reference
    # (platform.kimi.ai/docs/api/chat, `thinking.type`) "only accepts "enabled". Unlike kimi-k2.6,
    # "disabled" is NOT supported — passing it returns an error. Thinking is always on for this model."
    # (quoted in ltmoerdani/opencode-copilot-chat#45), answered with "invalid thinking: only type=enabled is
    # allowed for this model" (lobehub/lobehub#15725, MoonshotAI/kimi-code#797). It matches before kimi-k2.5+,
    # whose other thinking rules (temperature 1 only, reasoning_content, no forced tool_choice) it shares.
    ModelFamily(
        id="kimi-k2.7-code",
        name="Kimi K2.7 Code (kimi-k2.7-code*; always thinking)",
        patterns=(r"kimi-k2\.7-code",),
        reasoning=True,
        thinking_default=True,
        thinking_only=True,
    ),
    # kimi-k2.5 and later think unless `thinking: {"type": "disabled"}`: a plain request replaying tool
    # calls without reasoning_content is refused ("thinking is enabled but reasoning_content is missing",
    # https://github.com/mastra-ai/mastra/issues/12592). Its temperature rule holds in thinking mode only,
    # so it is quirks.kimi-thinking-temperature's, not the family's fixed_temperature.
    ModelFamily(
        id="kimi-k2.5+",
        name="Kimi K2.5 and later (thinking on by default)",
        patterns=(r"kimi-k2\.[5-9]", r"kimi-k[3-9]"),
        reasoning=True,
        thinking_default=True,
    ),
    ModelFamily(
        id="kimi-thinking",
        name="Kimi thinking models (kimi-k2-thinking*)",
        patterns=(r"kimi[\w.-]*-thinking",),
        reasoning=True,
        thinking_default=True,
        thinking_only=True,
    ),
)


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    id: str
    name: str
    base_url: str | None = None
    # Roles the provider accepts; None means any string reaches a chat template.
    roles: frozenset[str] | None = OPENAI_ROLES
    # Whether the provider validates tool-call pairing itself (OpenAI-style 400s).
    validates_tool_pairing: bool = True
    #: Full paths (no trailing slash) where this provider serves chat completions. Empty: any path.
    chat_paths: tuple[str, ...] = ()
    #: Top-level fields the provider accepts; None = it accepts (or silently drops) anything.
    known_params: frozenset[str] | None = None
    #: Known fields the provider documents as rejected (Groq: logprobs, logit_bias, ...): field → why.
    rejected_params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Top-level fields the provider's Responses endpoint refuses (field → why); params.rejected-by-provider
    #: reports them there as ``rejected_params`` does for chat completions.
    responses_rejected_params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Fields the provider accepts but ignores (Ollama: tool_choice, n, ...): warning.
    ignored_params: frozenset[str] = frozenset()
    #: The ``response_format.type`` values the provider documents; None = not restricted (or unknown).
    response_format_types: frozenset[str] | None = None
    #: The ``reasoning_effort`` values the provider's API reference lists (its validator refuses any
    #: other); None = not restricted here (a model may still take a subset: the model catalog's).
    reasoning_efforts: frozenset[str] | None = None
    #: Message keys per role for providers that reject unknown keys inside messages; None = lenient.
    message_keys: Mapping[str, frozenset[str]] | None = None
    #: The keys a strict provider accepts on an assistant message's ``tool_calls[]`` entries; None =
    #: not checked. (Mistral: id, type, function and its own index.)
    tool_call_keys: frozenset[str] | None = None
    #: The roles whose messages may carry ``name``, for a provider that refuses it on the others but is
    #: otherwise lenient about message keys (xAI: user only); None = not checked here (``message_keys``
    #: says it for the strict providers).
    name_roles: frozenset[str] | None = None
    #: The server validates requests with pydantic's default (lax) mode, which converts a numeric
    #: string to a number, an integral float to an integer and "true"/"1"/"yes"/... to a boolean
    #: before judging them (https://docs.pydantic.dev/latest/concepts/conversion_table/): vLLM's and
    #: SGLang's request models declare no strict mode (vllm/entrypoints/openai/protocol.py,
    #: sglang/srt/entrypoints/openai/protocol.py), so such a value is accepted there.
    lax_scalar_types: bool = False
    #: Where it is shown that the server's request model converts nothing: it is decoded straight into
    #: typed fields (serde, Go's encoding/json), so a number sent as a string, "true" for a boolean or a
    #: fractional number for an integer is refused (params.wrong-type is an error there; its policy is
    #: derived from this field). None = not known to be strict.
    strict_scalar_types: str | None = None
    #: The top-level scalar fields such a server's typed model declares; a key it lacks is dropped unread
    #: (serde's and Go's default), so a wrong type there is not refused. None = every field is typed.
    strict_scalar_fields: frozenset[str] | None = None
    #: Keys accepted inside nested request objects (:data:`NestedKeys`); None = not checked.
    nested_keys: NestedKeys | None = None
    #: A public error text (its URL) showing this provider refuses an unknown key below the top level;
    #: None = only inferred from its top-level and message strictness, so params.unknown-nested-field is a
    #: warning there (its policy is derived from these two fields).
    nested_keys_refusal: str | None = None
    #: Tool types the provider runs itself, which carry no `function` object (Groq: browser_search).
    builtin_tool_types: frozenset[str] = frozenset()
    ranges: Mapping[str, ParamRange] = GENERIC_RANGES
    #: Function names the provider keeps for its own built-in tools and refuses on a client's tool
    #: (tools.reserved-name): name → the public refusal's source.
    reserved_tool_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Field pairs the provider refuses together (params.exclusive-fields), each with its refusal's source.
    exclusive_fields: tuple[ExclusiveFields, ...] = ()
    #: A public refusal (URL) showing the provider answers a tools list whose ``strict`` values differ (one
    #: tool strict, another not) with a 400 (tools.mixed-strict); None = not known to refuse it (OpenAI takes
    #: strict per function).
    mixed_strict_refusal: str | None = None
    #: Max number of stop sequences (OpenAI: 4); None = not limited/not known.
    max_stop: int | None = None
    #: Where a public text shows this provider refusing a longer ``stop`` list (params.stop-count is an
    #: error there; a limit read only from the API reference stays a warning). None = no text known.
    max_stop_refusal: str | None = None
    #: Whether the provider documents the `developer` role (roles.developer-unsupported's policy says
    #: how severe it is where it does not).
    developer_role_documented: bool = True
    #: `stream_options` without `stream: true`: severity (OpenAI and vLLM reject it, §9).
    stream_options_severity: Severity | None = Severity.WARNING
    families: tuple[ModelFamily, ...] = ()
    #: Model families are checked with this severity (OpenRouter normalises, so None there).
    family_rules: bool = True
    #: A self-hosted server whose OpenAI layer is a permissive pydantic/Go/C++ model (providers.md
    #: §12); rules/policy.py derives SELF_HOSTED from it.
    local: bool = False
    #: Recognised only by a conventional port that other servers share (8000, 8080, 30000): the
    #: provider-specific errors are then reported as warnings (see analyze.py); map the host in the
    #: config file to make them errors.
    guessed: bool = False
    #: Where the profile came from ("builtin" or the config file) — shown in docs and messages.
    origin: str = "builtin"
    #: Hosts that identify this provider, exact (lower-case) and as globs tried after every exact host.
    #: The registry indexes them (:class:`ProviderRegistry`); docs/providers.md is generated from them.
    hosts: tuple[str, ...] = ()
    host_globs: tuple[str, ...] = ()
    #: Conventional ports of a self-hosted server, recognised only on loopback/private hosts.
    local_ports: tuple[int, ...] = ()
    #: Native (non-OpenAI) chat path regex that clients hit with an OpenAI body (providers.md §1):
    #: such a POST still reaches the endpoint rules. None = no native chat path known.
    native_chat_path: str | None = None
    #: OpenAI's own request validator answers (OpenAI, Azure OpenAI: same schema and error envelope,
    #: providers.md §2 and §12 "Azure OpenAI"); rules/policy.py derives OPENAI_FAMILY from it.
    openai_validator: bool = False
    #: The model catalog's provider ids (LiteLLM / models.dev) under which this provider publishes
    #: its OWN models: a catalog entry listing one is the vendor's data (rules/model.py).
    catalog_vendors: frozenset[str] = frozenset()
    #: The body is read as proto3 JSON, which takes a field's lowerCamelCase name as well as its own
    #: (xAI names fields that way in its errors: presencePenalty, reasoningEffort), so the family
    #: rules match ``presencePenalty`` as ``presence_penalty``.
    proto_json_names: bool = False
    #: A cloud that serves many vendors' models under its own host (Bedrock, Vertex AI, Databricks,
    #: Azure AI Foundry): the model rules infer the vendor from the model name as on an unrecognised
    #: host (rules/model.py), since recognising the host says nothing about the model.
    multi_vendor: bool = False
    #: The serving engine behind every model of this host (a toolguard_core.engines.ENGINES id), declared
    #: only with ``engine_evidence`` (a doc, or an error text showing the host answers with that engine's
    #: texts): the rules take the engine's **error** levels where they declare none for this host
    #: (Rule.report), never its silences or warnings. None: not known, or not one engine for the host
    #: (``engine_per_model`` then says why; an engine learned from an answer holds per model there).
    engine: str | None = None
    engine_evidence: str | None = None
    engine_per_model: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    _family_cache: dict[str, ModelFamily] = field(default_factory=dict, init=False, compare=False, repr=False)

    def family_for(self, model: str | None) -> ModelFamily:
        """The model family of ``model`` (cached per profile; bounded)."""
        if not model or not self.families:
            return DEFAULT_FAMILY
        cached = self._family_cache.get(model)
        if cached is not None:
            return cached
        key = normalise_model(model)
        family = next((f for f in self.families if f.matches(key)), DEFAULT_FAMILY)
        if len(self._family_cache) < 4096:
            self._family_cache[model] = family
        return family

    def with_families(self, families: Iterable[ModelFamily], origin: str) -> ProviderProfile:
        """A copy whose families start with ``families`` (user overrides win over built-ins)."""
        return dataclasses.replace(self, families=(*families, *self.families), origin=origin)


def normalise_model(model: str) -> str:
    """``openai/gpt-5`` → ``gpt-5``; ``ft:gpt-4o-mini:org::id`` → ``gpt-4o-mini:org::id``."""
    name = model.strip().lower()
    if name.startswith("ft:"):
        name = name[3:]
    if "/" in name:
        name = name.rsplit("/", 1)[1]
    return name


_OPENAI_CHAT = ("/v1/chat/completions",)

OPENAI = ProviderProfile(
    id="openai",
    name="OpenAI",
    base_url="https://api.openai.com/v1",
    chat_paths=_OPENAI_CHAT,
    known_params=OPENAI_PARAMS,
    ranges=OPENAI_RANGES,
    reasoning_efforts=OPENAI_REASONING_EFFORTS,
    max_stop=4,
    stream_options_severity=Severity.ERROR,
    families=OPENAI_FAMILIES,
    # Helicone's OpenAI proxy forwards the body unchanged (docs.helicone.ai "How to integrate":
    # base URL https://oai.helicone.ai/v1; oai.hconeai.com is its older name).
    hosts=("api.openai.com", "oai.helicone.ai", "oai.hconeai.com"),
    openai_validator=True,
    catalog_vendors=frozenset({"openai"}),
)
AZURE = dataclasses.replace(
    OPENAI,
    id="azure",
    name="Azure OpenAI",
    base_url="https://{resource}.openai.azure.com/openai/v1",
    chat_paths=(),  # checked by the Azure endpoint rules (deployment path or v1 path)
    # OpenAI's validator: a name outside every api-version's schema is refused ("Unrecognized request
    # arguments supplied: frequencyPenalty, presencePenalty, topP",
    # https://github.com/quarkiverse/quarkus-langchain4j/issues/285; "... character_profile",
    # https://github.com/songquanpeng/one-api/issues/1978). Known: OpenAI's fields plus Azure's own
    # (data_sources for On Your Data, its 2023 preview spelling dataSources, the GPT-4V enhancements,
    # user_security_context). An OpenAI field an old api-version lacks is not flagged (version unknown).
    known_params=OPENAI_PARAMS | {"data_sources", "dataSources", "enhancements", "user_security_context"},
    hosts=(),
    host_globs=("*.openai.azure.com", "*.cognitiveservices.azure.com"),
)
#: The first Azure OpenAI data-plane ``api-version`` whose chat schema has the field (Azure OpenAI
#: "API version lifecycle" / REST reference changelog): an older api-version answers "Unrecognized
#: request argument supplied: <field>" (functions on 2023-05-15, openinterpreter/openinterpreter#618;
#: max_completion_tokens before 2024-09-01-preview, OpenHands/OpenHands#6777).
AZURE_FIELD_API_VERSIONS: Mapping[str, str] = MappingProxyType(
    {
        "functions": "2023-07-01-preview",
        "function_call": "2023-07-01-preview",
        "tools": "2023-12-01-preview",
        "tool_choice": "2023-12-01-preview",
        "max_completion_tokens": "2024-09-01-preview",
        # Azure OpenAI "Reasoning models" (learn.microsoft.com/azure/ai-foundry/openai/how-to/reasoning):
        # reasoning_effort needs api-version 2024-12-01-preview or later.
        "reasoning_effort": "2024-12-01-preview",
        # "Predicted outputs" (learn.microsoft.com/azure/ai-foundry/openai/how-to/predicted-outputs): API
        # support from 2025-01-01-preview.
        "prediction": "2025-01-01-preview",
    }
)
#: Values of a field that a dated Azure OpenAI ``api-version`` predates although the field itself is
#: older: ``(field, value) -> first api-version``. Structured Outputs: "response_format value as
#: json_schema is enabled only for api versions 2024-08-01-preview and later"
#: (https://github.com/dotnet/extensions/issues/6130, https://github.com/crmne/ruby_llm/issues/600).
AZURE_VALUE_API_VERSIONS: Mapping[tuple[str, str], str] = MappingProxyType(
    {("response_format", "json_schema"): "2024-08-01-preview"}
)
#: An unrecognised OpenAI-compatible server: GENERIC_RANGES plus the output floor. Every server that
#: follows the Chat Completions contract refuses ``max_tokens`` below 1 (OpenAI: "Expected a value >= 1,
#: but got 0 instead.", it-at-m/mucgpt#608; vLLM: "max_tokens must be at least 1", code [VLLM-SP]; TGI;
#: FastChat: "0 is less than the minimum of 1 - 'max_tokens'", chatchat-space/Langchain-Chatchat#2065).
#: The servers that take 0 (llama.cpp's n_predict, Ollama's num_predict, SGLang's max_new_tokens >= 0)
#: have their own profiles, which keep no floor: the profile decides, and a self-hosted server on an
#: unrecognised host is mapped to its profile with toolguard_providers.
GENERIC_OUTPUT_FLOOR: ParamRange = ParamRange(
    Bounds(1, None, integer=True),
    Severity.ERROR,
    "issue it-at-m/mucgpt#608; code [VLLM-SP]; FastChat (Langchain-Chatchat#2065)",
)
GENERIC = ProviderProfile(
    id="generic",
    name="OpenAI-compatible (unknown provider)",
    validates_tool_pairing=True,
    ranges=MappingProxyType(
        {**GENERIC_RANGES, "max_tokens": GENERIC_OUTPUT_FLOOR, "max_completion_tokens": GENERIC_OUTPUT_FLOOR}
    ),
)
DASHSCOPE = ProviderProfile(
    id="dashscope",
    name="Alibaba Cloud Model Studio (DashScope)",
    base_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    chat_paths=("/compatible-mode/v1/chat/completions",),
    # `search` names DashScope's own web search (enable_search): a client tool of that name is refused with
    # "Tool names are not allowed to be [search]" (InvalidParameter; qwen via the compatible mode and the
    # native API alike, https://github.com/ikechan8370/chatgpt-plugin/issues/696).
    reserved_tool_names=MappingProxyType(
        {"search": "https://github.com/ikechan8370/chatgpt-plugin/issues/696"}
    ),
    ranges=MappingProxyType(
        {
            # Ranges only from a sibling product's doc ([DS-OS]): hints, hence warnings. top_p is closed:
            # 0, 0.01, 0.99 and 1 all answered 200 on dashscope-intl's compatible mode when probed live on
            # 2026-08-17 (https://github.com/mnfst/modelparams.dev/pull/235); the older "(0, 1)" text
            # (aicommit2#66) no longer holds at the ends.
            **_warn(
                {
                    "top_p": ParamRange(Bounds(0, 1), Severity.WARNING, ""),
                    "presence_penalty": ParamRange(Bounds(-2, 2), Severity.WARNING, ""),
                    **{k: GENERIC_RANGES[k] for k in ("n", "top_logprobs")},
                },
                "hint [DS-OS]; https://github.com/mnfst/modelparams.dev/pull/235 (top_p probed live)",
            ),
            # Enforced: temperature 2.0 is answered 400 "InternalError.Algo.InvalidParameter: Temperature
            # should be in [0.0, 2.0)" while 1.9/1.99/1.9999 pass (probed live on dashscope-intl compatible
            # mode, https://github.com/mnfst/modelparams.dev/pull/235; applied to sixteen more models in its
            # #239). The provider x parameter table's qwen3.8 entries still say max 2: this wins (listed in
            # provider_params.DISAGREEMENTS).
            "temperature": ParamRange(
                Bounds(0, 2, high_open=True),
                Severity.ERROR,
                "https://github.com/mnfst/modelparams.dev/pull/235 (Temperature should be in [0.0, 2.0))",
            ),
        }
    ),
    stream_options_severity=Severity.WARNING,
    families=QWEN_FAMILIES,
    # "developer is not one of ['system', 'assistant', 'user', 'tool', 'function']"
    # (https://github.com/DayuanJiang/next-ai-draw-io/issues/304).
    developer_role_documented=False,
    # Every region: Beijing, -intl Singapore, -us Virginia.
    host_globs=("dashscope*.aliyuncs.com",),
    native_chat_path=r"^/api/v1/(services/aigc/|chat)",
    catalog_vendors=frozenset({"dashscope", "alibaba"}),
)
DEEPSEEK = ProviderProfile(
    id="deepseek",
    name="DeepSeek",
    base_url="https://api.deepseek.com",
    chat_paths=("/chat/completions", "/v1/chat/completions", "/beta/chat/completions"),
    ranges=_warn(OPENAI_RANGES, "doc [OAS] (DeepSeek follows OpenAI's ranges; no rejection text known)"),
    developer_role_documented=False,
    # serde converts nothing: 'Failed to deserialize the JSON body into the target type: temperature: invalid
    # type: string "1.3", expected f32' (params.wrong-type's predicted answer).
    strict_scalar_types="https://github.com/NotIvny/Yunzai-DeepSeek-JS/issues/2",
    # DeepSeek's request model is a closed serde enum: "messages[1].role: unknown variant `developer`,
    # expected one of `system`, `user`, `assistant`, `tool`, `latest_reminder`"
    # (https://github.com/farion1231/cc-switch/issues/3330, 2026-05-30). `developer` stays in this set
    # only so that roles.developer-unsupported, which says to send it as `system`, reports it once.
    roles=frozenset({"system", "user", "assistant", "tool", "latest_reminder", "developer"}),
    # JSON Output takes `json_object` only (api-docs.deepseek.com/guides/json_mode); `json_schema` is
    # answered "This response_format type is unavailable now" (params.response-format-type).
    response_format_types=frozenset({"text", "json_object"}),
    # API reference (https://api-docs.deepseek.com/api/create-chat-completion): stop, "Up to 16 sequences".
    max_stop=16,
    # DeepSeek answers 17 with "Stop string array too long: 17" (a new-api fork's relay/helper test
    # TestDeepSeekV4StopArrayValidationMatchesOfficial, "probed live"; 16 is accepted there).
    max_stop_refusal="code [new-api fork] relay/helper deepSeekV4StopTooLongMessage (probed live)",
    families=DEEPSEEK_FAMILIES,
    hosts=("api.deepseek.com",),
    catalog_vendors=frozenset({"deepseek"}),
)
OPENROUTER = ProviderProfile(
    id="openrouter",
    name="OpenRouter",
    base_url="https://openrouter.ai/api/v1",
    chat_paths=("/api/v1/chat/completions",),
    ranges=_warn(OPENAI_RANGES, "doc [OR-PARAM]"),
    # OpenRouter drops parameters an upstream does not support (doc [OR-PARAM]); it also maps
    # max_tokens for reasoning models, so model-family parameter rules do not apply.
    family_rules=False,
    hosts=("openrouter.ai",),
)
GROQ = ProviderProfile(
    id="groq",
    name="Groq",
    base_url="https://api.groq.com/openai/v1",
    chat_paths=("/openai/v1/chat/completions",),
    known_params=GROQ_PARAMS,
    reasoning_efforts=GROQ_REASONING_EFFORTS,
    # API reference (https://console.groq.com/docs/api-reference#chat-create): stop, "up to 4 sequences".
    max_stop=4,
    families=GROQ_FAMILIES,
    rejected_params=MappingProxyType(
        {
            "logprobs": "Groq does not support logprobs (doc [GROQ])",
            "top_logprobs": "Groq does not support top_logprobs (doc [GROQ])",
            "logit_bias": "Groq does not support logit_bias (doc [GROQ])",
        }
    ),
    message_keys=GROQ_MESSAGE_KEYS,
    nested_keys=GROQ_NESTED_KEYS,
    # groq-python 18 August 2026, chat_completion_tool_param.py: type "function", "browser_search" or
    # "code_interpreter", `function` only for the first.
    builtin_tool_types=frozenset({"browser_search", "code_interpreter"}),
    ranges=MappingProxyType(
        {
            **_warn(OPENAI_RANGES, "doc [GROQ]"),
            "n": ParamRange(Bounds(1, 1, integer=True), Severity.ERROR, "doc [GROQ]: n must be 1"),
        }
    ),
    stream_options_severity=Severity.WARNING,
    # Groq's own systems (Compound, Compound Mini) are filed under groq/ in its models.dev listing: that
    # listing is the vendor's for them (scripts/refresh_catalog.py models_dev_makers), not a reseller's.
    catalog_vendors=frozenset({"groq"}),
    hosts=("api.groq.com",),
)
GEMINI = ProviderProfile(
    id="gemini",
    name="Gemini (OpenAI compatibility)",
    base_url="https://generativelanguage.googleapis.com/v1beta/openai/",
    chat_paths=("/v1beta/openai/chat/completions",),
    # Strict proto parsing: unknown names are rejected (providers.md §3). OpenAI fields Gemini
    # does not document are not flagged (not confirmed), only names outside OpenAI's schema.
    known_params=(OPENAI_PARAMS - {"web_search_options"}) | {"extra_body"},
    rejected_params=MappingProxyType(
        {
            # The proto behind the Gemini API's OpenAI layer has no frequency_penalty: "Invalid JSON payload
            # received. Unknown name \"frequency_penalty\": Cannot find field." (August 2025,
            # https://github.com/MinLL/SkyrimNet-GamePlugin/issues/77). Vertex AI's OpenAI endpoint lists it
            # as supported, so only this host's profile declares it.
            "frequency_penalty": "The Gemini API's OpenAI compatibility layer has no `frequency_penalty` "
            '(400 Invalid JSON payload received. Unknown name "frequency_penalty")',
        }
    ),
    ranges=_warn(OPENAI_RANGES, "doc [GEM]"),
    hosts=("generativelanguage.googleapis.com",),
    catalog_vendors=frozenset({"gemini", "google", "vertex_ai-language-models"}),
)
MISTRAL = ProviderProfile(
    id="mistral",
    name="Mistral AI",
    base_url="https://api.mistral.ai/v1",
    chat_paths=_OPENAI_CHAT,
    known_params=MISTRAL_PARAMS,
    message_keys=MISTRAL_MESSAGE_KEYS,
    # A tool call's own schema is closed too: a `name` next to `function` is refused with
    # extra_forbidden at loc ["body","messages",6,"assistant","tool_calls",0,"name"] for
    # mistral-large-latest (https://github.com/zeroclaw-labs/zeroclaw/issues/2693). `index` is Mistral's own field (its ToolCall model, API reference).
    tool_call_keys=frozenset({"id", "type", "function", "index"}),
    nested_keys=MISTRAL_NESTED_KEYS,
    nested_keys_refusal="https://github.com/mistralai/client-python/issues/91",
    ranges=_warn(OPENAI_RANGES, "doc (Mistral API reference); no rejection text known"),
    developer_role_documented=False,
    hosts=("api.mistral.ai", "codestral.mistral.ai"),
    catalog_vendors=frozenset({"mistral", "codestral"}),
)
TOGETHER = ProviderProfile(
    id="together",
    name="Together AI",
    base_url="https://api.together.xyz/v1",
    chat_paths=_OPENAI_CHAT,
    ranges=_warn(OPENAI_RANGES, "inf"),
    # together.helicone.ai: Helicone's proxy in front of Together (docs.helicone.ai/external/togetherai).
    hosts=("api.together.xyz", "api.together.ai", "together.helicone.ai"),
)
#: Fireworks validates messages with a closed pydantic model: keys outside it are refused with
#: "Extra inputs are not permitted" ("messages[2].cot_id messages[2].cot_summary",
#: https://github.com/microsoft/vscode/issues/335780; the same validator on a response_format field,
#: "Extra inputs are not permitted, field: 'response_format.schema_field'",
#: https://github.com/BerriAI/litellm/issues/7533). Known: OpenAI's message keys plus the reasoning
#: fields Fireworks itself returns for reasoning models (reasoning_content), so a replay of them is
#: not flagged.
FIREWORKS_MESSAGE_KEYS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "system": frozenset({"role", "content", "name"}),
        "developer": frozenset({"role", "content", "name"}),
        "user": frozenset({"role", "content", "name"}),
        "assistant": frozenset(
            {"role", "content", "name", "tool_calls", "function_call", "refusal", "reasoning_content"}
        ),
        "tool": frozenset({"role", "content", "tool_call_id", "name"}),
        "function": frozenset({"role", "content", "name"}),
    }
)
FIREWORKS = ProviderProfile(
    id="fireworks",
    name="Fireworks AI",
    base_url="https://api.fireworks.ai/inference/v1",
    chat_paths=("/inference/v1/chat/completions",),
    message_keys=FIREWORKS_MESSAGE_KEYS,
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("api.fireworks.ai",),
)
XAI = ProviderProfile(
    id="xai",
    name="xAI",
    base_url="https://api.x.ai/v1",
    chat_paths=_OPENAI_CHAT,
    ranges=_warn(OPENAI_RANGES, "inf"),
    families=XAI_FAMILIES,
    proto_json_names=True,
    # `name` on any message but a user's is refused: "Only messages of role 'user' can have a name." for a
    # system message (microsoft/autogen#4715, BerriAI/litellm#9720; the same through OpenRouter,
    # SillyTavern/SillyTavern#2981) and "Invalid request content: Only message of role user can have a
    # name." (pipecat-ai/pipecat#2274).
    name_roles=frozenset({"user"}),
    hosts=("api.x.ai",),
    catalog_vendors=frozenset({"xai"}),
)
MOONSHOT = ProviderProfile(
    id="moonshot",
    name="Moonshot AI (Kimi)",
    base_url="https://api.moonshot.ai/v1",
    # Kimi Code's OpenAI-compatible base is https://api.kimi.com/coding/v1 (kimi-code#2661's provider,
    # jiuwenswarm#3942's configuration), so its chat path is /coding/v1/chat/completions.
    chat_paths=(*_OPENAI_CHAT, "/coding/v1/chat/completions"),
    ranges=_warn(OPENAI_RANGES, "inf"),
    # Chat API reference (https://platform.moonshot.ai/docs/api/chat, `stop`): at most 5 stop strings, each
    # of at most 32 bytes.
    max_stop=5,
    families=MOONSHOT_FAMILIES,
    # api.kimi.com: Kimi Code's Anthropic-compatible endpoint (https://api.kimi.com/coding/v1/messages).
    hosts=("api.moonshot.ai", "api.moonshot.cn", "api.kimi.com"),
    catalog_vendors=frozenset({"moonshot", "moonshotai"}),
)
WANDB = ProviderProfile(
    id="wandb",
    name="W&B Inference",
    base_url="https://api.inference.wandb.ai/v1",
    chat_paths=_OPENAI_CHAT,
    ranges=_warn(OPENAI_RANGES, "inf"),
    # `api.wandb.ai` is W&B's platform API, not inference: recognised so the endpoint rule can
    # name the right host.
    hosts=("api.inference.wandb.ai", "api.wandb.ai"),
)
PERPLEXITY = ProviderProfile(
    id="perplexity",
    name="Perplexity (Sonar API)",
    base_url="https://api.perplexity.ai",
    # Documented path is /chat/completions; /v1/chat/completions is served too (clients use both).
    chat_paths=("/chat/completions", "/v1/chat/completions"),
    # The Sonar API's message roles (docs.perplexity.ai API reference: system, user, assistant); a tool
    # message is refused by its request model: "At body -> messages -> 1 -> role: Input should be
    # 'system', 'user' or 'assistant'" (https://github.com/BerriAI/litellm/issues/11665).
    roles=frozenset({"system", "user", "assistant"}),
    # Structured outputs (https://docs.perplexity.ai/guides/structured-outputs and the Sonar API reference's
    # `response_format`): `json_schema`, and `regex` for sonar; there is no JSON mode (`json_object`). The
    # request model is the same strict pydantic model that refuses a `tool` role (above).
    response_format_types=frozenset({"text", "json_schema", "regex"}),
    ranges=_warn(OPENAI_RANGES, "inf"),
    # The Sonar API refuses both penalties in one request: "Cannot set both presence_penalty and
    # frequency_penalty." (February 2024, https://github.com/BerriAI/litellm/issues/1817; Perplexity's answer,
    # not LiteLLM's, per its maintainer). Either one alone is accepted.
    exclusive_fields=(
        ExclusiveFields(
            ("presence_penalty", "frequency_penalty"),
            keep="presence_penalty",
            source="https://github.com/BerriAI/litellm/issues/1817",
        ),
    ),
    hosts=("api.perplexity.ai",),
)
#: Cerebras: OpenAI's message keys; a replayed `reasoning_content` is rejected
#: ("property 'messages.2.assistant.reasoning_content' is unsupported",
#: https://github.com/Alishahryar1/free-claude-code/issues/1136). `reasoning` is the field Cerebras
#: itself returns for reasoning models, so replaying it is not flagged.
CEREBRAS_MESSAGE_KEYS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "system": frozenset({"role", "content", "name"}),
        "developer": frozenset({"role", "content", "name"}),
        "user": frozenset({"role", "content", "name"}),
        "assistant": frozenset(
            {"role", "content", "name", "tool_calls", "function_call", "reasoning", "refusal"}
        ),
        "tool": frozenset({"role", "content", "tool_call_id", "name"}),
        "function": frozenset({"role", "content", "name"}),
    }
)
CEREBRAS = ProviderProfile(
    id="cerebras",
    name="Cerebras Inference",
    base_url="https://api.cerebras.ai/v1",
    chat_paths=_OPENAI_CHAT,
    # Strict: any field outside its schema is refused, a camelCase spelling and a vendor switch
    # alike ("body.maxTokens: property 'body.maxTokens' is unsupported\nbody.thinking: property
    # 'body.thinking' is unsupported", https://github.com/anomalyco/opencode/issues/6648). Known: the
    # fields of its SDK's request type (CEREBRAS_PARAMS), its own reasoning switches among them.
    known_params=CEREBRAS_PARAMS,
    rejected_params=MappingProxyType(
        {
            # "API Error: 422 body.store: property 'body.store' is unsupported"
            # (https://github.com/Gitlawb/openclaude/issues/740).
            "store": "Cerebras rejects `store` (422 property 'body.store' is unsupported)",
        }
    ),
    message_keys=CEREBRAS_MESSAGE_KEYS,
    nested_keys=CEREBRAS_NESTED_KEYS,
    reasoning_efforts=CEREBRAS_REASONING_EFFORTS,
    # Chat-completions reference: stop, "up to 4 stop sequences".
    max_stop=4,
    ranges=_warn(OPENAI_RANGES, "inf"),
    # One `strict` value for every tool: "Tools with mixed values for 'strict' are not allowed. Please set all
    # tools to 'strict: true' or 'strict: false'" (param tools, code wrong_api_format; zai-glm-4.7, May 2026,
    # https://github.com/mpfaffenberger/code_puppy/pull/368: a tool without `strict` counts as false). Kilo
    # Code's fix sets every tool non-strict for the same answer (Kilo-Org/kilocode#5193).
    mixed_strict_refusal="https://github.com/mpfaffenberger/code_puppy/pull/368",
    hosts=("api.cerebras.ai",),
)
COPILOT = ProviderProfile(
    id="copilot",
    name="GitHub Copilot (chat API)",
    base_url="https://api.githubcopilot.com",
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=(
        "api.githubcopilot.com",
        "api.individual.githubcopilot.com",
        "api.business.githubcopilot.com",
        "api.enterprise.githubcopilot.com",
    ),
)
CLOUDFLARE = ProviderProfile(
    id="cloudflare",
    name="Cloudflare Workers AI",
    base_url="https://api.cloudflare.com/client/v4/accounts/{account_id}/ai/v1",
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("api.cloudflare.com",),
)
VLLM = ProviderProfile(
    id="vllm",
    name="vLLM",
    base_url="http://<host>:8000/v1",
    roles=None,
    validates_tool_pairing=False,
    chat_paths=_OPENAI_CHAT,
    ranges=VLLM_RANGES,
    reasoning_efforts=VLLM_REASONING_EFFORTS,
    # VLLM_MAX_STOP_STRINGS, 4 by default since vllm-project/vllm#51447 (August 2026: "ChatCompletionRequest
    # .stop: List should have at most 4 items", quoted in vllm-project/vllm#51997); a server may raise it and
    # older releases take any count, so no refusal is recorded: params.stop-count is a warning here.
    max_stop=4,
    stream_options_severity=Severity.ERROR,
    lax_scalar_types=True,
    local=True,
    local_ports=(8000,),
)
SGLANG = ProviderProfile(
    id="sglang",
    name="SGLang",
    base_url="http://<host>:30000/v1",
    roles=None,
    validates_tool_pairing=False,
    chat_paths=_OPENAI_CHAT,
    lax_scalar_types=True,
    local=True,
    local_ports=(30000,),
)
LLAMA_CPP = ProviderProfile(
    id="llama.cpp",
    name="llama.cpp llama-server",
    base_url="http://<host>:8080/v1",
    roles=None,
    validates_tool_pairing=False,
    chat_paths=("/v1/chat/completions", "/chat/completions"),
    local=True,
    # 1337: Jan's local API server, which serves its models through llama.cpp's llama-server (the
    # errors Jan users quote are llama-server's: https://github.com/hotovo/aider-desk/issues/785).
    local_ports=(8080, 1337),
)
OLLAMA = ProviderProfile(
    id="ollama",
    name="Ollama",
    base_url="http://localhost:11434/v1",
    roles=None,
    validates_tool_pairing=False,
    chat_paths=_OPENAI_CHAT,
    # doc [OLL-DOC]: not supported in /v1 chat; Go decoding drops them silently.
    ignored_params=frozenset({"tool_choice", "logit_bias", "user", "n"}),
    # middleware/openai.go ChatMiddleware: c.ShouldBindJSON(&req) into openai.ChatCompletionRequest
    # (Stream bool, Temperature *float64, MaxTokens *int, ...), answering 400 with Go's decoding error
    # ("json: cannot unmarshal string into Go struct field ..."): nothing is converted.
    strict_scalar_types="code [OLL-GO] middleware/openai.go ChatMiddleware",
    # openai.ChatCompletionRequest's scalar fields (n, user, logit_bias, store, parallel_tool_calls and
    # max_completion_tokens are not among them).
    strict_scalar_fields=frozenset(
        {"stream", "temperature", "top_p", "presence_penalty", "frequency_penalty", "seed", "max_tokens"}
        | {"logprobs", "top_logprobs"}
    ),
    reasoning_efforts=OLLAMA_REASONING_EFFORTS,
    families=OLLAMA_FAMILIES,
    local=True,
    local_ports=(11434,),
)
#: Ollama's hosted API: ollama.com serves Ollama's own API (``/api/chat``, ``/v1``) for the models of its
#: cloud catalog, to Ollama's own libraries pointed at it as a host. Many vendors' models (gpt-oss, Kimi,
#: Qwen, DeepSeek...): the model rules infer the vendor from the name (``multi_vendor``); the request is
#: read by Ollama's server, so the engine's errors hold (``engine``), never its silences (a hosted API is
#: not a permissive local template).
OLLAMA_CLOUD = ProviderProfile(
    id="ollama-cloud",
    name="Ollama Cloud (ollama.com)",
    base_url="https://ollama.com/v1",
    hosts=("ollama.com",),
    multi_vendor=True,
    engine="ollama",
    engine_evidence=(
        "docs.ollama.com/api/introduction: Ollama's official libraries take either a local server or the "
        "hosted API, the host set to https://ollama.com; docs.ollama.com/api/authentication: direct cloud "
        "inference at https://ollama.com/api and https://ollama.com/v1"
    ),
)

LMSTUDIO = ProviderProfile(
    id="lmstudio",
    name="LM Studio",
    base_url="http://localhost:1234/v1",
    roles=None,
    validates_tool_pairing=False,
    chat_paths=_OPENAI_CHAT,
    # Structured output only: "'response_format.type' must be 'json_schema' or 'text'" for json_object
    # (LM Studio 0.4.20, webai-at-home/webai-at-home#219; LoadShine/tada#16; lmstudio-bug-tracker#189,
    # where releases before 0.3.6 said "must be 'json_schema'" and refused text too).
    response_format_types=frozenset({"json_schema", "text"}),
    local=True,
    local_ports=(1234,),
)
#: Hugging Face Text Generation Inference (TGI), Messages API at ``/v1/chat/completions``. Its router
#: validates sampling parameters before generation (router/src/validation.rs, ValidationError): "`top_p`
#: must be > 0.0 and < 1.0" (so 1.0, OpenAI's default, is refused), "`temperature` must be strictly
#: positive", "`frequency_penalty` must be >= -2.0 and <= 2.0". Its launcher's default port is 3000, which
#: one-api/new-api and many dev servers use too, so no port is claimed: a host is mapped to it in the
#: providers config (docs/providers.md), as is a Hugging Face Inference Endpoint serving TGI.
TGI = ProviderProfile(
    id="tgi",
    name="Hugging Face Text Generation Inference (TGI)",
    base_url="http://<host>:3000/v1",
    roles=None,
    validates_tool_pairing=False,
    chat_paths=_OPENAI_CHAT,
    # The router's axum Json extractor deserialises into typed serde fields (422 "Failed to deserialize
    # the JSON body into the target type: parameters.max_new_tokens: invalid type: string \"50\", expected
    # u32" on TGI's generate route, aws/amazon-sagemaker-feedback#34).
    strict_scalar_types="https://github.com/aws/amazon-sagemaker-feedback/issues/34",
    # router/src/lib.rs ChatRequest's scalar fields (no store, parallel_tool_calls, max_completion_tokens).
    strict_scalar_fields=frozenset(
        {"stream", "temperature", "top_p", "presence_penalty", "frequency_penalty", "seed", "max_tokens", "n"}
        | {"logprobs", "top_logprobs"}
    ),
    ranges=MappingProxyType(
        {
            "top_p": ParamRange(
                Bounds(0, 1, low_open=True, high_open=True),
                Severity.ERROR,
                "code huggingface/text-generation-inference router/src/validation.rs",
            ),
            # The chat route maps temperature 0 to greedy decoding in recent releases; older ones refuse it.
            "temperature": ParamRange(
                Bounds(0, None, low_open=True),
                Severity.WARNING,
                "code huggingface/text-generation-inference router/src/validation.rs",
            ),
            "frequency_penalty": ParamRange(
                Bounds(-2, 2),
                Severity.ERROR,
                "code huggingface/text-generation-inference router/src/validation.rs",
            ),
            # --max-top-n-tokens, 5 by default: "`top_n_tokens` must be >= 0 and <= 5".
            "top_logprobs": ParamRange(
                Bounds(0, 5, integer=True),
                Severity.WARNING,
                "code huggingface/text-generation-inference (--max-top-n-tokens, default 5)",
            ),
            "max_tokens": ParamRange(
                Bounds(1, None, integer=True),
                Severity.ERROR,
                "code huggingface/text-generation-inference router/src/validation.rs",
            ),
        }
    ),
    local=True,
)
#: NVIDIA NIM's hosted API (build.nvidia.com): one OpenAI-compatible front for many vendors' models,
#: whose request validator answers unknown top-level fields with "Validation: Unsupported
#: parameter(s): ..." whatever the model behind it (GLM, MiniMax and Kimi threads alike).
NVIDIA = ProviderProfile(
    id="nvidia",
    name="NVIDIA NIM (integrate.api.nvidia.com)",
    base_url="https://integrate.api.nvidia.com/v1",
    chat_paths=_OPENAI_CHAT,
    # Each model's request schema is `additionalProperties: false` (the per-model OpenAPI pages of
    # docs.api.nvidia.com, as https://github.com/can1357/oh-my-pi/issues/2299 found for
    # qwen3.5 rejecting enable_thinking): "Validation: Unsupported parameter(s): `tool_stream`" for
    # z-ai/glm-5.2 (https://github.com/Gitlawb/openclaude/issues/1950), "... thinking" for MiniMax.
    # Known: OpenAI's fields plus the extras some NIM model documents (chat_template_kwargs and
    # reasoning_budget for the thinking models, nvext and the vLLM sampling knobs): a field one model
    # takes is not flagged for another, so only fields no NIM schema has are errors. The provider ×
    # parameter table adds the fields NVIDIA's per-model references document for its other NIMs (GLiNER
    # PII's threshold, chunk_length, overlap, flat_ner; the safety models' expert_type), derived from it
    # rather than copied.
    known_params=OPENAI_PARAMS
    | {"chat_template_kwargs", "reasoning_budget", "nvext", "top_k", "min_p", "repetition_penalty"}
    | provider_names("nvidia"),
    rejected_params=MappingProxyType(
        {
            # "[400]: Validation: Unsupported parameter(s): `prompt_cache_key`" for z-ai/glm4.7
            # (https://github.com/diegosouzapw/OmniRoute/issues/848) and again when kimi-cli started
            # sending it (https://github.com/MoonshotAI/kimi-cli/issues/2534).
            "prompt_cache_key": "NVIDIA NIM rejects `prompt_cache_key` (400 Validation: Unsupported "
            "parameter(s))",
        }
    ),
    ranges=_warn(OPENAI_RANGES, "inf"),
    # NVIDIA's own models (Nemotron) are filed under nvidia/ in its models.dev listing: the vendor's
    # listing for them (scripts/refresh_catalog.py models_dev_makers); other vendors' models stay resold.
    catalog_vendors=frozenset({"nvidia"}),
    hosts=("integrate.api.nvidia.com",),
    # Not one engine: NIM serves each model on one of several backends (vLLM, TensorRT-LLM, SGLang), and
    # a vLLM-served model answers with vLLM's texts ("\"auto\" tool choice requires
    # --enable-auto-tool-choice and --tool-call-parser to be set" for mixtral-8x22b,
    # hidenobunagai/nvidia-nim-provider#2), so no engine is declared; a learned one holds per model.
    engine_per_model=(
        "NIM runs each model on one of several backends (vLLM, TensorRT-LLM, SGLang): "
        "https://docs.nvidia.com/nim/large-language-models/latest/profiles.html; a vLLM-served model "
        "answers with vLLM's texts (hidenobunagai/nvidia-nim-provider#2)"
    ),
)
#: The Responses endpoint behind a ChatGPT sign-in (Codex CLI's built-in provider, and the relays that
#: reuse its token: ChatMock, CLIProxyAPI, 9router, ...): chatgpt.com/backend-api/codex/responses. It is
#: not the Platform API: it manages the output budget itself and refuses a cap outright.
CHATGPT_CODEX = ProviderProfile(
    id="chatgpt-codex",
    name="ChatGPT Codex backend (chatgpt.com)",
    base_url="https://chatgpt.com/backend-api/codex",
    responses_rejected_params=MappingProxyType(
        {
            # 400 {"detail":"Unsupported parameter: max_output_tokens"} for every value, measured by
            # https://github.com/mangowhoiscloud/geode/pull/818, https://github.com/kortix-ai/suna/pull/5124
            # and https://github.com/askalf/dario/pull/1142 (with max_output_tokens: 400; without: 200);
            # the real Codex CLI never sends it.
            "max_output_tokens": 'The ChatGPT Codex backend answers 400 "Unsupported parameter: '
            'max_output_tokens" (it sets the output budget itself)',
            # {"detail":"Unsupported parameter: metadata"}: "Identical request without metadata: HTTP 200 /
            # Identical request with metadata: HTTP 400" (https://github.com/router-for-me/CLIProxyAPI/issues/5112,
            # August 2026; the metadata LiteLLM injects, router-for-me/CLIProxyAPI#1704).
            "metadata": 'The ChatGPT Codex backend answers 400 "Unsupported parameter: metadata"',
            # {"detail":"Unsupported parameter: prompt_cache_retention"} on /v1/responses for gpt-5.1-codex-max
            # (https://github.com/router-for-me/CLIProxyAPI/issues/897, January 2026).
            "prompt_cache_retention": 'The ChatGPT Codex backend answers 400 "Unsupported parameter: '
            'prompt_cache_retention"',
            # {"detail":"Unsupported parameter: temperature"} whatever the model or value: gpt-5.4
            # (https://github.com/AprilNEA/BYOKEY/pull/69), gpt-5.4-mini (https://github.com/EasyMetaAu/helm-api/pull/351),
            # gpt-5.6-luna (https://github.com/finch-xu/cc-router/issues/32), gpt-6-astra at 0.7
            # (https://github.com/danielmiessler/Fabric/issues/2215), an auxiliary call at 0.3
            # (https://github.com/NousResearch/hermes-agent/pull/16487). The key itself is refused, so every
            # value is (the Platform API's reasoning families take 1 or, with effort none, any value).
            "temperature": 'The ChatGPT Codex backend answers 400 "Unsupported parameter: temperature" (it '
            "sets sampling itself, for every model)",
        }
    ),
    hosts=("chatgpt.com",),
    # Its 400s are OpenAI's validator's, word for word and with its codes: "Invalid 'input[95].call_id':
    # string too long. Expected a string with maximum length 64 ..." (code string_above_max_length,
    # endpoint POST /backend-api/codex/responses: https://github.com/AnswerDotAI/fastllm/issues/45), so
    # the OpenAI family's contract rules are errors here too. It serves OpenAI's own models with OpenAI's
    # reasoning efforts (Codex CLI's model list), so the model rules judge them as the vendor's.
    openai_validator=True,
    reasoning_efforts=OPENAI_REASONING_EFFORTS,
    catalog_vendors=frozenset({"openai"}),
)
#: Anthropic's own API: its Messages API (``/v1/messages``, rules/anthropic.py) and its OpenAI SDK
#: compatibility layer (``/v1/chat/completions``), which the chat rules judge like any provider.
#: The OpenAI SDK compatibility layer's field table (https://platform.claude.com/docs/en/api/openai-sdk,
#: "Request fields"): these are "Ignored" there, so the request runs as if they were not set.
ANTHROPIC_OPENAI_IGNORED = frozenset(
    {
        "logprobs", "metadata", "response_format", "prediction", "presence_penalty", "frequency_penalty",
        "seed", "service_tier", "audio", "logit_bias", "store", "user", "modalities", "top_logprobs",
        "reasoning_effort",
    }
)  # fmt: skip
ANTHROPIC = ProviderProfile(
    id="anthropic",
    name="Anthropic",
    base_url="https://api.anthropic.com",
    chat_paths=("/v1/chat/completions",),
    ignored_params=ANTHROPIC_OPENAI_IGNORED,
    ranges=MappingProxyType(
        {
            **GENERIC_RANGES,
            # Same table: "n: Must be exactly 1"; "temperature: Between 0 and 1 (inclusive). Values greater
            # than 1 are capped at 1." (accepted, but not the sampling the client asked for: a warning).
            "n": ParamRange(
                Bounds(1, 1, integer=True), Severity.ERROR, "doc platform.claude.com/docs/en/api/openai-sdk"
            ),
            "temperature": ParamRange(
                Bounds(0, 1), Severity.WARNING, "doc platform.claude.com/docs/en/api/openai-sdk (capped at 1)"
            ),
        }
    ),
    hosts=("api.anthropic.com",),
    catalog_vendors=frozenset({"anthropic"}),
)
#: Zhipu GLM (open.bigmodel.cn; Z.ai abroad): chat under /api/paas/v4, Anthropic-compatible Messages
#: under /api/anthropic (ANTHROPIC_BASE_URL https://open.bigmodel.cn/api/anthropic in their Claude Code
#: guides; https://api.z.ai/api/anthropic abroad).
#: GLM-5.3 (and GLM-5.3-Flash) always think: "thinking.type supports enabled only. The old disabled behavior
#: is gone.", with reasoning_effort low, high or max (the AIHubMix guide, dev.to/aihubmix "GLM-5.3 API Guide:
#: Always-On Thinking", August 2026; HenriGrimm/Minnow#964 for 5.3 Flash). Z.AI's pay-as-you-go API answers
#: `thinking: {"type": "disabled"}` with code 1210 "This model always engages in thinking and cannot be
#: disabled" (NousResearch/hermes-agent#85890); its coding-plan endpoint accepts it and thinks anyway.
ZHIPU_FAMILIES: tuple[ModelFamily, ...] = (
    ModelFamily(
        id="glm-5.3",
        name="GLM-5.3 (glm-5.3*; always thinking)",
        patterns=(r"glm-5\.3",),
        reasoning=True,
        thinking_default=True,
        thinking_only=True,
    ),
)

ZHIPU = ProviderProfile(
    id="zhipu",
    name="Zhipu AI (GLM) / Z.ai",
    base_url="https://open.bigmodel.cn/api/paas/v4",
    ranges=MappingProxyType(
        {
            **_warn(OPENAI_RANGES, "inf"),
            # The chat API reference (https://docs.bigmodel.cn/api-reference/模型-api/对话补全, and
            # docs.z.ai's chat-completion page): temperature in [0.0, 1.0], top_p in [0.01, 1.0]. Out of range
            # is refused with code 1214 "temperature参数非法。请检查文档。" (songquanpeng/one-api#1141, when the
            # range was still the open (0, 1)).
            "temperature": ParamRange(
                Bounds(0, 1), Severity.ERROR, "doc docs.bigmodel.cn chat API reference; one-api#1141"
            ),
            "top_p": ParamRange(Bounds(0.01, 1), Severity.WARNING, "doc docs.bigmodel.cn chat API reference"),
        }
    ),
    # Same reference, `stop`: "currently only a single stop word is supported" (["stop_word1"]).
    max_stop=1,
    families=ZHIPU_FAMILIES,
    hosts=("open.bigmodel.cn", "api.z.ai"),
    catalog_vendors=frozenset({"zai", "zhipuai"}),
)
#: MiniMax: Anthropic-compatible Messages at https://api.minimax.io/anthropic
#: (https://platform.minimax.io/docs/api-reference/text-anthropic-api; api.minimaxi.com in China).
MINIMAX = ProviderProfile(
    id="minimax",
    name="MiniMax",
    base_url="https://api.minimax.io/v1",
    ranges=MappingProxyType(
        {
            **_warn(OPENAI_RANGES, "inf"),
            # The OpenAI-compatible API reference (platform.minimax.io/docs/api-reference/text-openai-api):
            # "temperature: range (0.0, 1.0] ... values outside this range will return an error", and "n: only
            # 1 is supported".
            "temperature": ParamRange(
                Bounds(0, 1, low_open=True), Severity.ERROR, "doc platform.minimax.io text-openai-api"
            ),
            "n": ParamRange(
                Bounds(1, 1, integer=True), Severity.ERROR, "doc platform.minimax.io text-openai-api"
            ),
        }
    ),
    # api.minimax.chat: the older host still in client configs (sigoden/aichat#1091).
    hosts=("api.minimax.io", "api.minimaxi.com", "api.minimax.chat"),
    catalog_vendors=frozenset({"minimax"}),
)

#: Volcengine Ark (ByteDance's Doubao models, and DeepSeek/Kimi/GLM models it hosts) in every region
#: (ark.cn-beijing.volces.com, ark.cn-shanghai...), and BytePlus ModelArk abroad
#: (ark.ap-southeast.bytepluses.com), both under /api/v3; the coding plan is /api/coding/v3
#: (HKUDS/nanobot#2548) and bots (applications) are /api/v3/bots. Ark validates numbers against each
#: model's own limits ("The parameter `max_tokens` specified in the request are not valid: integer above
#: maximum value, expected a value <= 4096, but got 8192 instead.", langgenius/dify#14376), so a limit the
#: catalog has from Ark itself (scripts/refresh_catalog.py VENDOR_FACTS) is an error here. Not a
#: multi-vendor cloud in the profile's sense: Ark answers with its own validator and caps whatever the
#: model, so a hosted model is judged as on Ark (the model rules report other vendors' facts as warnings).
VOLCENGINE = ProviderProfile(
    id="volcengine",
    name="Volcengine Ark / BytePlus ModelArk (Doubao)",
    base_url="https://ark.cn-beijing.volces.com/api/v3",
    chat_paths=(
        "/api/v3/chat/completions",
        "/api/coding/v3/chat/completions",
        "/api/v3/bots/chat/completions",
    ),
    ranges=_warn(OPENAI_RANGES, "inf"),
    host_globs=("ark.*.volces.com", "ark.*.bytepluses.com"),
    catalog_vendors=frozenset({"volcengine", "byteplus"}),
)

#: Google Vertex AI's OpenAI-compatible endpoint (``.../endpoints/openapi/chat/completions``) for
#: Gemini and partner models, in every region (``{location}-aiplatform.googleapis.com``) and the global
#: endpoint (``aiplatform.googleapis.com``). Lenient until a Vertex-specific rejection is confirmed;
#: recognising it keeps catalog and Gemini-model findings from being reported as "unknown provider".
VERTEX = ProviderProfile(
    id="vertex",
    name="Google Vertex AI (OpenAI-compatible endpoint)",
    base_url="https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/endpoints/openapi",
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("aiplatform.googleapis.com",),
    host_globs=("*-aiplatform.googleapis.com",),
    catalog_vendors=frozenset({"vertex_ai", "vertex_ai-language-models"}),
    multi_vendor=True,
)
#: Amazon Bedrock's runtime: OpenAI-compatible Chat Completions under ``/openai/v1`` next to the native
#: Converse API, in every region (``bedrock-runtime.{region}.amazonaws.com``, FIPS variants too).
BEDROCK = ProviderProfile(
    id="bedrock",
    name="Amazon Bedrock (runtime)",
    base_url="https://bedrock-runtime.{region}.amazonaws.com/openai/v1",
    ranges=_warn(OPENAI_RANGES, "inf"),
    host_globs=("bedrock-runtime.*.amazonaws.com", "bedrock-runtime-fips.*.amazonaws.com"),
    native_chat_path=r"^/model/[^/]+/(converse|invoke)",
    catalog_vendors=frozenset({"bedrock", "bedrock_converse"}),
    multi_vendor=True,
)
#: Databricks Model Serving (Foundation Model APIs and external models): workspace hosts on AWS, Azure
#: and GCP, chat under ``/serving-endpoints/chat/completions`` or ``/serving-endpoints/{name}/...``.
DATABRICKS = ProviderProfile(
    id="databricks",
    name="Databricks Model Serving",
    base_url="https://{workspace}.cloud.databricks.com/serving-endpoints",
    ranges=_warn(OPENAI_RANGES, "inf"),
    host_globs=("*.cloud.databricks.com", "*.azuredatabricks.net", "*.gcp.databricks.com"),
    catalog_vendors=frozenset({"databricks"}),
    multi_vendor=True,
)
SAMBANOVA = ProviderProfile(
    id="sambanova",
    name="SambaNova Cloud",
    base_url="https://api.sambanova.ai/v1",
    chat_paths=_OPENAI_CHAT,
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("api.sambanova.ai",),
    catalog_vendors=frozenset({"sambanova"}),
)
#: Models that a multi-vendor Azure front serves behind their vendor's own strict request model: on Azure AI
#: Foundry (its model-inference path, and its OpenAI v1 path, which the Azure OpenAI profile reads) a Mistral
#: model's body is validated by Mistral's pydantic model, so a field outside Mistral's is refused:
#: "extra_forbidden", loc ["body", "stream_options", "include_usage"], 422 "Invalid input" for
#: mistral-small-2503 (https://github.com/BerriAI/litellm/issues/11696), and max_completion_tokens refused for
#: mistral-large-3 (https://github.com/BerriAI/litellm/issues/26322). Model name pattern → the vendor profile
#: id whose field list applies; read by params.unknown-for-hosted-vendor.
HOSTED_VENDOR_FIELDS: Mapping[str, tuple[re.Pattern[str], str]] = MappingProxyType(
    {
        "azure-ai": (
            re.compile(r"(?i)^(?:.*/)?(?:mistral|ministral|codestral|pixtral|magistral|devstral)"),
            "mistral",
        ),
        "azure": (
            re.compile(r"(?i)^(?:.*/)?(?:mistral|ministral|codestral|pixtral|magistral|devstral)"),
            "mistral",
        ),
    }
)
#: Fields a cloud's OpenAI-compatible front refuses for the models it serves that are not OpenAI's, though the
#: model's own vendor may take them: profile id → (the partner models' name pattern, field → why with its
#: source); read by params.rejected-for-partner-model. On Azure's `/openai/v1` path a Foundry partner model is
#: answered by Azure's own argument check ("unrecognized_request_argument"), not by the vendor: Moonshot's API
#: takes `prompt_cache_key`, Azure refuses it for Kimi ("400 Unrecognized request argument supplied:
#: prompt_cache_key", Kimi-K2.7-Code on MS Foundry, https://github.com/MoonshotAI/kimi-code/issues/2611), while
#: its OpenAI models take it. Mistral's models are HOSTED_VENDOR_FIELDS' (Mistral's own request model answers
#: there), and gpt-oss, OpenAI's open-weight model, is left out (no answer known either way).
PARTNER_REJECTED_PARAMS: Mapping[str, tuple[re.Pattern[str], Mapping[str, str]]] = MappingProxyType(
    {
        "azure": (
            re.compile(
                r"(?i)^(?:.*/)?(?:kimi|moonshot|deepseek|mai-ds|grok|(?:meta-)?llama|phi-\d|cohere|command-"
                r"|jamba|ai21|qwen|glm|minimax)"
            ),
            MappingProxyType(
                {
                    "prompt_cache_key": "Azure refuses `prompt_cache_key` for a Foundry partner model (400 "
                    "Unrecognized request argument supplied: prompt_cache_key, "
                    "https://github.com/MoonshotAI/kimi-code/issues/2611)",
                }
            ),
        ),
    }
)
#: Azure AI Foundry's model-inference endpoint (``/models/chat/completions`` on
#: ``*.services.ai.azure.com``; the older serverless ``*.models.ai.azure.com``): many vendors' models
#: behind one schema. Its ``/openai/...`` paths are Azure OpenAI (:data:`PATH_ROUTES`).
AZURE_AI = ProviderProfile(
    id="azure-ai",
    name="Azure AI Foundry (model inference)",
    base_url="https://{resource}.services.ai.azure.com/models",
    ranges=_warn(OPENAI_RANGES, "inf"),
    host_globs=("*.services.ai.azure.com", "*.models.ai.azure.com"),
    multi_vendor=True,
)

#: Hosts of many vendors' open-weight models behind one OpenAI-compatible API, recognised so that a
#: report names them and the model rules infer the vendor from the model name (``multi_vendor``), as on
#: an unknown host; no provider-specific rejection of theirs is confirmed yet, so none is declared.
#: Base URLs from each provider's API docs (and the client configs quoted beside them).
DEEPINFRA = ProviderProfile(
    id="deepinfra",
    name="DeepInfra",
    base_url="https://api.deepinfra.com/v1/openai",
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("api.deepinfra.com",),
    multi_vendor=True,
)
#: Nebius AI Studio, renamed Token Factory (https://api.studio.nebius.com/v1/ in WrenAI#1700's config;
#: https://api.tokenfactory.nebius.com/v1 in PrimeIntellect-ai/prime-agent#715).
NEBIUS = ProviderProfile(
    id="nebius",
    name="Nebius AI Studio / Token Factory",
    base_url="https://api.tokenfactory.nebius.com/v1",
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("api.studio.nebius.com", "api.studio.nebius.ai", "api.tokenfactory.nebius.com"),
    multi_vendor=True,
)
#: Novita AI (https://api.novita.ai/v3/openai; newer docs https://api.novita.ai/openai).
NOVITA = ProviderProfile(
    id="novita",
    name="Novita AI",
    base_url="https://api.novita.ai/v3/openai",
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("api.novita.ai",),
    multi_vendor=True,
)
#: Hyperbolic (Base URL https://api.hyperbolic.xyz/v1, as its founder answers in cline/cline#1109).
HYPERBOLIC = ProviderProfile(
    id="hyperbolic",
    name="Hyperbolic",
    base_url="https://api.hyperbolic.xyz/v1",
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("api.hyperbolic.xyz",),
    multi_vendor=True,
)
#: Baseten Model APIs (https://inference.baseten.co/v1).
BASETEN = ProviderProfile(
    id="baseten",
    name="Baseten Model APIs",
    base_url="https://inference.baseten.co/v1",
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("inference.baseten.co",),
    multi_vendor=True,
)
#: SiliconFlow (硅基流动): https://api.siliconflow.cn/v1 in China, https://api.siliconflow.com/v1 abroad
#: (JohnnyZ93/oai-compatible-copilot#12's configuration; chatboxai/chatbox#2573 on the two hosts). Its
#: errors carry `{"code": 20015, "message": ..., "data": null}`.
SILICONFLOW = ProviderProfile(
    id="siliconflow",
    name="SiliconFlow",
    base_url="https://api.siliconflow.cn/v1",
    ranges=_warn(OPENAI_RANGES, "inf"),
    # Chat completions reference (https://docs.siliconflow.cn/docs/api/chat-completions-post): "up to 4
    # sequences" for stop.
    max_stop=4,
    hosts=("api.siliconflow.cn", "api.siliconflow.com"),
    multi_vendor=True,
)
#: ModelScope API-Inference: ModelScope's OpenAI-compatible endpoint for open-weight models, ids as on the
#: model hub (``Qwen/Qwen3-8B``, ``deepseek-ai/DeepSeek-V3``; https://modelscope.cn/docs/model-service/API-Inference/intro,
#: "请以模型页面的 API-Inference 示范代码为准，尤其例如对于reasoning模型"). Qwen3 is served as on DashScope:
#: thinking only in streaming calls ("enable thinking can not be support when `stream=False`" for
#: Qwen/Qwen3-235B-A22B-Thinking-2507, musistudio/claude-code-router#948), open-source Qwen3 thinking by default
#: as DashScope documents, so Qwen's families apply (quirks.qwen-thinking-non-stream).
MODELSCOPE = ProviderProfile(
    id="modelscope",
    name="ModelScope API-Inference",
    base_url="https://api-inference.modelscope.cn/v1",
    ranges=_warn(OPENAI_RANGES, "inf"),
    families=QWEN_FAMILIES,
    hosts=("api-inference.modelscope.cn",),
    multi_vendor=True,
)
#: Vercel AI Gateway: one OpenAI-compatible endpoint for many vendors, model ids ``vendor/model``
#: (https://ai-gateway.vercel.sh/v1; the gateway Helicone fronts in its Vercel example).
VERCEL = ProviderProfile(
    id="vercel",
    name="Vercel AI Gateway",
    base_url="https://ai-gateway.vercel.sh/v1",
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("ai-gateway.vercel.sh",),
    multi_vendor=True,
)

#: Cohere's Compatibility API (https://api.cohere.ai/compatibility/v1, the OpenAI SDK's base URL in Cohere's
#: "Using Cohere models via the OpenAI SDK", docs.cohere.com/docs/compatibility-api; api.cohere.com serves the
#: same paths). The page lists the chat fields it takes and, separately, the ones it does not:
COHERE_COMPAT_DOC = "docs.cohere.com/docs/compatibility-api"
#: "Unsupported parameters ... Chat completions" (cohere-ai/cohere-developer-experience
#: fern/pages/v2/text-generation/compatibility-api.mdx at 0f369fc); such a field is answered 422
#: "unprocessable entity: <field> is not supported". `user` left that list in February 2025 (the same repo's
#: PR #431), so it is not here.
COHERE_UNSUPPORTED_PARAMS = (
    "store", "metadata", "logit_bias", "top_logprobs", "n", "modalities", "prediction", "audio",
    "service_tier", "parallel_tool_calls",
)  # fmt: skip
COHERE = ProviderProfile(
    id="cohere",
    name="Cohere (Compatibility API)",
    base_url="https://api.cohere.ai/compatibility/v1",
    chat_paths=("/compatibility/v1/chat/completions",),
    rejected_params=MappingProxyType(
        {
            key: f"Cohere's Compatibility API does not support `{key}` (422 unprocessable entity: {key} is not "
            f"supported; {COHERE_COMPAT_DOC}, Unsupported parameters)"
            for key in COHERE_UNSUPPORTED_PARAMS
        }
    ),
    # Same page, Supported parameters: "reasoning_effort (Only "none" and "high" are currently supported.)
    # ... Passing medium or low is not supported at this time."
    reasoning_efforts=frozenset({"none", "high"}),
    ranges=_warn(OPENAI_RANGES, "inf"),
    hosts=("api.cohere.ai", "api.cohere.com"),
    catalog_vendors=frozenset({"cohere", "cohere_chat"}),
)

BUILTIN_PROFILES: Mapping[str, ProviderProfile] = MappingProxyType(
    {
        p.id: p
        for p in (
            OPENAI, AZURE, DASHSCOPE, DEEPSEEK, OPENROUTER, GROQ, GEMINI, MISTRAL, TOGETHER,
            FIREWORKS, XAI, MOONSHOT, WANDB, PERPLEXITY, CEREBRAS, COPILOT, CLOUDFLARE, VLLM, SGLANG,
            LLAMA_CPP, OLLAMA, OLLAMA_CLOUD, LMSTUDIO, TGI, ANTHROPIC, ZHIPU, MINIMAX, NVIDIA, VERTEX, BEDROCK, DATABRICKS,
            SAMBANOVA, AZURE_AI, DEEPINFRA, NEBIUS, NOVITA, HYPERBOLIC, BASETEN, SILICONFLOW, VERCEL, VOLCENGINE,
            MODELSCOPE, COHERE, CHATGPT_CODEX, GENERIC,
        )
    }
)  # fmt: skip

#: Local ports other servers use too (8000: any FastAPI app, SGLang, LocalAI; 8080: TGI,
#: LocalAI, mitmproxy itself; 30000; 1234: LM Studio's default, a common dev port): the profile is a
#: guess there. 11434 is Ollama's own.
SHARED_LOCAL_PORTS = frozenset({8000, 8080, 30000, 1234})


def is_local_host(host: str) -> bool:
    """Loopback, private or link-local addresses, and names that only resolve locally."""
    host = host.strip("[]").lower()
    if host in ("localhost", "host.docker.internal") or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


@dataclass(frozen=True, slots=True)
class GatewayRule:
    """A user mapping: requests to hosts matching ``host`` (glob) go to ``profile``."""

    host: str
    profile: ProviderProfile
    port: int | None = None

    def matches(self, host: str, port: int | None) -> bool:
        """``port`` None is a URL that names no port: its scheme's default, which a gateway given
        port 443 or 80 (``host = "gw.example.com:443"``) means too."""
        if self.port is not None and self.port != port and not (port is None and self.port in _DEFAULT_PORTS):
            return False
        return fnmatch.fnmatchcase(host, self.host)


#: The ports a URL leaves out (https, http): a request without one went to one of them.
_DEFAULT_PORTS = frozenset({443, 80})


@dataclass(frozen=True, slots=True)
class PathRoute:
    """A host whose URL path, not its name, says which provider answers: a gateway that names its
    upstream in the path, or a host serving two APIs under two prefixes. ``pattern`` either has a
    group ``upstream`` (looked up in ``upstreams``; an unknown name leaves the host's own profile) or
    routes every match to ``provider``."""

    host: str
    pattern: re.Pattern[str]
    upstreams: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    provider: str | None = None

    def provider_for(self, path: str) -> str | None:
        match = self.pattern.match(path)
        if match is None:
            return None
        if self.provider is not None:
            return self.provider
        return self.upstreams.get(match.group("upstream").lower())


#: Cloudflare AI Gateway's provider path segments (``/v1/{account}/{gateway}/{provider}/...``,
#: developers.cloudflare.com/ai-gateway/providers/) → toolguard's provider ids. ``compat`` (the unified
#: OpenAI-compatible endpoint, which routes by a ``provider/model`` id) is left to the gateway's own
#: profile.
CLOUDFLARE_GATEWAY_UPSTREAMS: Mapping[str, str] = MappingProxyType(
    {
        "openai": "openai", "azure-openai": "azure", "anthropic": "anthropic", "groq": "groq",
        "mistral": "mistral", "deepseek": "deepseek", "perplexity-ai": "perplexity", "cerebras": "cerebras",
        "grok": "xai", "openrouter": "openrouter", "google-ai-studio": "gemini", "google-vertex-ai": "vertex",
        "aws-bedrock": "bedrock", "workers-ai": "cloudflare",
    }
)  # fmt: skip
#: Hosts whose path decides the provider. A routed profile takes any path (``chat_paths=()``): the
#: gateway's prefix is not the upstream's documented path.
PATH_ROUTES: tuple[PathRoute, ...] = (
    PathRoute(
        "gateway.ai.cloudflare.com",
        re.compile(r"^/v1/[^/]+/[^/]+/(?P<upstream>[^/]+)(?:/|$)"),
        upstreams=CLOUDFLARE_GATEWAY_UPSTREAMS,
    ),
    # Azure AI Foundry resources serve Azure OpenAI under /openai/ (deployments and the v1 API).
    PathRoute("*.services.ai.azure.com", re.compile(r"^/openai(?:/|$)"), provider="azure"),
)


class ProviderRegistry:
    """Recognises the provider of a URL: user gateways first, then the profiles' exact hosts, then
    their host globs, then local servers by port, then the generic fallback. The host, glob, port
    and native-path indexes are built once from the profiles (each fact is declared on its
    profile); lookups are cached per (host, port)."""

    def __init__(
        self,
        profiles: Mapping[str, ProviderProfile] = BUILTIN_PROFILES,
        gateways: Iterable[GatewayRule] = (),
        origin: str = "builtin",
        catalog: Catalog = DEFAULT_CATALOG,
    ) -> None:
        self.profiles: Mapping[str, ProviderProfile] = MappingProxyType(dict(profiles))
        self.gateways: tuple[GatewayRule, ...] = tuple(gateways)
        self.origin = origin
        #: The model catalog with the config's ``[models."name"]`` entries (toolguard_core.catalog).
        self.catalog = catalog
        self.exact_hosts: Mapping[str, str] = MappingProxyType(
            {host: p.id for p in self.profiles.values() for host in p.hosts}
        )
        self.host_globs: tuple[tuple[str, str], ...] = tuple(
            (glob, p.id) for p in self.profiles.values() for glob in p.host_globs
        )
        self.local_ports: Mapping[int, str] = MappingProxyType(
            {port: p.id for p in self.profiles.values() for port in p.local_ports}
        )
        self._native_paths: Mapping[str, re.Pattern[str]] = MappingProxyType(
            {p.id: re.compile(p.native_chat_path) for p in self.profiles.values() if p.native_chat_path}
        )
        self.path_routes: tuple[PathRoute, ...] = PATH_ROUTES
        self._cache: dict[tuple[str, int | None] | tuple[str, int | None, str], ProviderProfile] = {}

    def get(self, provider_id: str) -> ProviderProfile:
        return self.profiles[provider_id]

    def detect(self, host: str, port: int | None = None, path: str = "") -> ProviderProfile:
        """The profile for a host and port; for a host of :data:`PATH_ROUTES` (and no user gateway
        mapping it) the path may name another provider. Cached per (host, port[, routed provider])."""
        host = host.lower()
        routed = self._routed(host, port, path) if path else None
        key = (host, port) if routed is None else (host, port, routed)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._detect(host, port)
            if routed is not None and routed in self.profiles:
                cached = dataclasses.replace(self.profiles[routed], chat_paths=())
            if len(self._cache) < 4096:
                self._cache[key] = cached
        return cached

    def _routed(self, host: str, port: int | None, path: str) -> str | None:
        if not self.path_routes or any(g.matches(host, port) for g in self.gateways):
            return None  # a user mapping wins over any path
        for route in self.path_routes:
            if fnmatch.fnmatchcase(host, route.host):
                return route.provider_for(path)
        return None

    def endpoint_candidate(self, host: str, port: int | None, path: str) -> bool:
        """Whether a POST outside the chat-completions paths may still be a chat request sent to a
        provider's wrong (native) endpoint, so the endpoint rules should see it. One cached host
        lookup and at most one regex."""
        pattern = self._native_paths.get(self.detect(host, port).id)
        return pattern is not None and pattern.search(path) is not None

    def _detect(self, host: str, port: int | None) -> ProviderProfile:
        for gateway in self.gateways:
            if gateway.matches(host, port):
                return gateway.profile
        provider_id = self.exact_hosts.get(host)
        if provider_id is None:
            provider_id = next(
                (pid for glob, pid in self.host_globs if fnmatch.fnmatchcase(host, glob)), None
            )
        if provider_id is None and port in self.local_ports and is_local_host(host):
            profile = self.profiles.get(self.local_ports[port], self.profiles["generic"])
            return dataclasses.replace(profile, guessed=True) if port in SHARED_LOCAL_PORTS else profile
        return self.profiles.get(provider_id or "generic", self.profiles["generic"])


DEFAULT_REGISTRY = ProviderRegistry()


def detect_provider(host: str, port: int | None = None, path: str = "") -> ProviderProfile:
    """The built-in profile for a host, port and path; unknown hosts get the generic OpenAI-compatible
    profile."""
    return DEFAULT_REGISTRY.detect(host, port, path)
