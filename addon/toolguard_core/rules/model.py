"""Model rules (prefix ``model.``): what the requested model accepts, from the model catalog, on any host.

The catalog (:mod:`toolguard_core.catalog`) knows a model by its name whatever host serves it, so
these rules also run behind a company gateway, a LiteLLM proxy or a relay that toolguard does not
recognise (the generic profile): the provider is then inferred from the model name, and every
finding says so. A request whose host and model are both unknown gets one info finding saying the
model rules were skipped (issue #9: never silently).

Severity: **error** where the provider's own error text is known (cited per rule) and the fact
comes from the vendor's own catalog entry (or the user's config); **warning** where the fact
comes only from a reseller's entry, or the host serves the model but is not its vendor; **silent**
on self-hosted servers, whose model names and limits are whatever the operator configured.

Rules that the model-family rules (``params.*``, ``roles.*``) already report on a recognised
provider are not repeated here: the reasoning-model rules below run only where those did not
(an unrecognised host whose model the catalog attributes to a vendor).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from toolguard_core.catalog import ModelInfo
from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import (
    BUILTIN_PROFILES,
    DEFAULT_FAMILY,
    OPENAI_REASONING_EFFORTS,
    VLLM_REASONING_EFFORTS,
    ModelFamily,
)
from toolguard_core.request import RequestView
from toolguard_core.rules.modelinfo import family_of
from toolguard_core.rules.policy import SELF_HOSTED
from toolguard_core.rules.registry import PredictedError, check, define

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


# --- rule definitions -------------------------------------------------------------------------

TOOLS_UNSUPPORTED = define(
    "model.tools-unsupported",
    Severity.ERROR,
    "`tools` (or `functions`) sent to a model that has no function calling.",
    providers=("openrouter", "openai", "azure", "generic"),
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
    ),
    example={
        "model": "openai/gpt-5-chat",
        "messages": [_USER],
        "tools": [{"type": "function", "function": {"name": "ls", "parameters": {"type": "object"}}}],
    },
    example_url=_OPENROUTER_URL,
    notes=(
        "The catalog's `function_calling` flag (LiteLLM `supports_function_calling`, models.dev "
        "`tool_call`); where the two sources disagree nothing is flagged. Use a model with tool calling, "
        "or drop `tools`/`tool_choice`."
    ),
)
IMAGE_UNSUPPORTED = define(
    "model.image-unsupported",
    Severity.ERROR,
    "An `image_url` content part sent to a model without image input.",
    providers=("openai", "azure", "openrouter", "deepseek", "generic"),
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
    ),
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
    providers=("*",),
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
    providers=("openai", "azure", "generic"),
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
    providers=("openai", "azure", "generic"),
    predicts=(
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
    example={"model": "gpt-4o", "messages": [_USER], "max_tokens": 32000},
    notes=(
        "The limit is the larger of the two catalog sources' output limits, so a finding is certain for "
        "that model; other hosts of the model (warning) may cap differently."
    ),
)
CONTEXT_EXCEEDED = define(
    "model.context-window-exceeded",
    Severity.ERROR,
    "The messages and tool definitions cannot fit the model's context window.",
    providers=("openai", "azure", "deepseek", "generic"),
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
    ),
    example={"model": "gpt-4", "messages": [{"role": "user", "content": "word " * 9000}]},
    notes=(
        "No tokenizer is downloaded. Error only when the count of whitespace-separated words already "
        "exceeds the window: tokenizers split text at whitespace before merging (tiktoken, SentencePiece "
        "with whitespace splitting), so every word is at least one token and the count is a certain lower "
        "bound. The words are counted only when characters/4 (the usual English average) exceeds the window, "
        "which alone is a warning. Images are not counted."
    ),
)
REASONING_EFFORT_FOR_MODEL = define(
    "model.reasoning-effort-value",
    Severity.ERROR,
    "`reasoning_effort` has a value this model does not take (the set differs between o-series, gpt-5, "
    "gpt-5.1+, Grok, Kimi, ...).",
    providers=("openai", "azure", "generic"),
    predicts=(
        PredictedError(
            provider="kimi-code",
            text=(
                "Unsupported value: 'reasoning_effort' does not support 'none' with this model. Supported "
                "values are: 'minimal', 'low', 'medium', and 'high'."
            ),
            source="https://github.com/Kilo-Org/cloud/pull/3807",
        ),
    ),
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
    "A `system` or `developer` message sent to a model that has no system role.",
    providers=("gemini", "generic"),
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
    example={
        "model": "gemma-3-27b-it",
        "messages": [{"role": "system", "content": "Be brief."}, _USER],
    },
    example_url=_GEMINI_URL,
    notes=(
        "The catalog's `system_messages` flag, or the o1-mini family on an unrecognised host (on OpenAI "
        "itself that is roles.system-unsupported). Merge the instructions into the first user message."
    ),
)
MAX_TOKENS_REASONING = define(
    "model.max-tokens-on-reasoning-model",
    Severity.ERROR,
    "`max_tokens` sent through an unrecognised host to a model the catalog attributes to OpenAI's "
    "reasoning families (o-series, gpt-5), which only take `max_completion_tokens`.",
    providers=("generic",),
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
    example={"model": "o3-mini", "messages": [_USER], "max_tokens": 100},
    example_url=_GENERIC_URL,
    notes="On api.openai.com and Azure the same request is params.max-tokens-on-reasoning-model.",
)
SAMPLING_REASONING = define(
    "model.sampling-on-reasoning-model",
    Severity.ERROR,
    "A sampling field (`temperature` other than 1, `top_p`, penalties) sent through an unrecognised host "
    "to a model the catalog attributes to OpenAI's reasoning families.",
    providers=("generic",),
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
    ),
    example={"model": "o3-mini", "messages": [_USER], "temperature": 0.2},
    example_url=_GENERIC_URL,
    notes=(
        "On api.openai.com and Azure these are params.temperature-on-reasoning-model and "
        "params.unsupported-for-model. gpt-5.1 and later accept sampling with reasoning_effort 'none'."
    ),
)
UNKNOWN_MODEL = define(
    "model.rules-skipped",
    Severity.INFO,
    "Neither the host nor the model is known, so no model rules ran for this request.",
    providers=("generic",),
    example={"model": "acme-finetune-v3", "messages": [_USER], "max_tokens": 100},
    example_url=_GENERIC_URL,
    notes=(
        'Declare the host with `[[gateway]]` or the model with `[models."name"]` in the providers config '
        "(docs/providers.md) to get the model's rules."
    ),
)


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

    def severity(self, error_on: frozenset[str]) -> Severity:
        """ERROR where ``error_on`` holds the host's provider (or the inferred one) and the fact is
        the vendor's; WARNING otherwise (a reseller's fact, or a host that is not the vendor)."""
        if not self.confirmed:
            return Severity.WARNING
        if self.inferred is not None:
            return Severity.ERROR if self.inferred in error_on else Severity.WARNING
        if self.provider_id == "openrouter":
            return Severity.ERROR if "openrouter" in error_on else Severity.WARNING
        vendor = VENDOR_IDS.get(self.provider_id, frozenset())
        own = bool(vendor & set(self.info.providers)) or self.info.origin != "snapshot"
        return Severity.ERROR if own and self.provider_id in error_on else Severity.WARNING

    def name(self) -> str:
        """How messages name the model (and the catalog entry when the name was normalised)."""
        if self.info.matched_as == "exact" or self.info.name == self.model:
            return self.model
        return f"{self.model} (catalog entry {self.info.name})"

    def provenance(self) -> str:
        """The sentence every finding ends with: where the fact comes from."""
        source = "your providers config" if self.info.origin != "snapshot" else "toolguard's model catalog"
        if self.inferred is not None:
            vendor = BUILTIN_PROFILES[self.inferred].name
            return (
                f" The host is not a recognised provider: the provider ({vendor}) was inferred from the "
                f"model name, using {source}; map the host with [[gateway]] in the providers config if "
                "that is wrong."
            )
        return f" (From {source}.)"


def _subject(view: RequestView) -> _Subject | None:
    model = view.model
    pid = view.provider.id
    if not model or pid in SELF_HOSTED:
        return None
    info = view.model_info
    if info is None:
        return None
    inferred = None
    if pid == "generic":
        served = set(info.providers)
        inferred = next((p for p in _INFERABLE if VENDOR_IDS[p] & served), None)
        if inferred is None and BUILTIN_PROFILES["openai"].family_for(model) is not DEFAULT_FAMILY:
            inferred = "openai"  # only resellers list it (o1-mini), but the name is an OpenAI family's
    confirmed = bool(info.providers) or info.origin != "snapshot"
    return _Subject(model=model, info=info, provider_id=pid, inferred=inferred, confirmed=confirmed)


def _inferred_family(subject: _Subject) -> ModelFamily:
    """On an unrecognised host: the built-in family of the inferred vendor (o-series, gpt-5, ...)."""
    if subject.inferred != "openai":  # the families whose rejections are cited above
        return DEFAULT_FAMILY
    return BUILTIN_PROFILES[subject.inferred].family_for(subject.model)


# --- the check --------------------------------------------------------------------------------


@check
def check_model(view: RequestView) -> Iterator[Finding]:
    subject = _subject(view)
    if subject is None:
        if view.provider.id == "generic" and view.model and not view.provider.guessed:
            yield UNKNOWN_MODEL.finding(
                "model",
                f"toolguard knows neither this host ({view.target.host or 'unknown'}) nor the model "
                f"{view.model!r}, so the model rules (tools, images, limits, reasoning parameters) were "
                f'skipped. Map the host with [[gateway]] or add [models."{view.model}"] in the providers '
                "config to check them.",
            )
        return
    yield from _check_capabilities(view, subject)
    yield from _check_limits(view, subject)
    yield from _check_reasoning(view, subject)


def _check_capabilities(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    info = subject.info
    body = view.body
    if info.function_calling is False:
        for key in ("tools", "functions"):
            value = body.get(key)
            if isinstance(value, list) and value:
                yield TOOLS_UNSUPPORTED.finding(
                    key,
                    f"{subject.name()} has no function calling, so a request with `{key}` is rejected; use a "
                    f"model with tool calling or drop `{key}` (and `tool_choice`).{subject.provenance()}",
                    severity=subject.severity(frozenset(TOOLS_UNSUPPORTED.providers)),
                )
    if (
        info.parallel_tool_calls is False
        and "parallel_tool_calls" in body
        and isinstance(body.get("tools"), list)
        and body["tools"]
        and "openai" in info.providers
        and (subject.provider_id in ("openai", "azure") or subject.inferred == "openai")
    ):
        yield PARALLEL_UNSUPPORTED.finding(
            "parallel_tool_calls",
            f"{subject.name()} does not take `parallel_tool_calls` (not even false); omit the key."
            f"{subject.provenance()}",
            severity=subject.severity(frozenset(PARALLEL_UNSUPPORTED.providers)),
        )
    check_images = info.vision is False
    check_audio = info.audio_input is False
    if check_images or check_audio:
        for where, part_type in _parts(view.messages):
            if part_type == "image_url" and check_images:
                yield IMAGE_UNSUPPORTED.finding(
                    where,
                    f"{subject.name()} takes no image input; send the image to a vision model or describe it "
                    f"in text.{subject.provenance()}",
                    severity=subject.severity(frozenset(IMAGE_UNSUPPORTED.providers)),
                )
                check_images = False  # one finding is enough: every image fails the same way
            elif part_type == "input_audio" and check_audio:
                yield AUDIO_UNSUPPORTED.finding(
                    where,
                    f"{subject.name()} takes no audio input; use an audio model or a transcript."
                    f"{subject.provenance()}",
                )
                check_audio = False
    rejects_system = info.system_messages is False or (
        subject.inferred is not None and _inferred_family(subject).rejects_system_role
    )
    if rejects_system and not family_of(view).rejects_system_role:  # else roles.system-unsupported
        for index, message in enumerate(view.messages):
            if isinstance(message, dict) and message.get("role") in ("system", "developer"):
                yield SYSTEM_UNSUPPORTED.finding(
                    f"messages[{index}].role",
                    f"{subject.name()} has no system role, so a {message['role']} message is rejected; merge "
                    f"its text into the first user message.{subject.provenance()}",
                    severity=subject.severity(frozenset(SYSTEM_UNSUPPORTED.providers)),
                )
                break


def _parts(messages: list[Any]) -> Iterator[tuple[str, str]]:
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            if isinstance(part, dict) and isinstance(part.get("type"), str):
                yield f"messages[{index}].content[{j}]", part["type"]


def _check_limits(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    info = subject.info
    body = view.body
    if info.max_output_tokens is not None:
        for key in ("max_completion_tokens", "max_tokens"):
            value = body.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > info.max_output_tokens:
                yield MAX_TOKENS_ABOVE_LIMIT.finding(
                    key,
                    f"`{key}` is {value}, but {subject.name()} writes at most {info.max_output_tokens} "
                    f"tokens; lower it to {info.max_output_tokens} or less.{subject.provenance()}",
                    severity=subject.severity(frozenset(MAX_TOKENS_ABOVE_LIMIT.providers)),
                )
                break
    if info.max_input_tokens is not None:
        yield from _check_context(view, subject, info.max_input_tokens)


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
            yield CONTEXT_EXCEEDED.finding(
                "messages",
                f"The request has more than {window} whitespace-separated words, so more than {window} "
                f"tokens, but {subject.name()} reads at most {window}; shorten or summarise the "
                f"conversation, or use a model with a larger window.{subject.provenance()}",
                severity=subject.severity(frozenset(CONTEXT_EXCEEDED.providers)),
            )
            return
    yield CONTEXT_EXCEEDED.finding(
        "messages",
        f"The request has {chars} characters, about {chars // 4} tokens at the usual 4 characters a "
        f"token, more than the {window} that {subject.name()} reads; it is likely rejected. Shorten "
        f"the conversation.{subject.provenance()}",
        severity=Severity.WARNING,
    )


def _check_reasoning(view: RequestView, subject: _Subject) -> Iterator[Finding]:
    body = view.body
    effort = body.get("reasoning_effort")
    allowed = subject.info.reasoning_efforts
    family = _inferred_family(subject)
    if (
        isinstance(effort, str)
        and allowed
        and effort not in allowed
        and not _params_report_effort(view, effort)
    ):
        yield REASONING_EFFORT_FOR_MODEL.finding(
            "reasoning_effort",
            f"`reasoning_effort` is {effort!r}; {subject.name()} takes {', '.join(allowed)}."
            f"{subject.provenance()}",
            severity=subject.severity(frozenset(REASONING_EFFORT_FOR_MODEL.providers)),
        )
    if family is DEFAULT_FAMILY:
        return
    # An unrecognised host, a model of a known reasoning family: the family rules that params.*
    # applies on the vendor's own host (providers.py OPENAI_FAMILIES; errors cited above).
    sampling_allowed = family.sampling_when_effort_none and effort == "none"
    if family.rejects_max_tokens and "max_tokens" in body:
        yield MAX_TOKENS_REASONING.finding(
            "max_tokens",
            f"{subject.name()} ({family.name}) does not accept `max_tokens`; send the limit as "
            f"`max_completion_tokens` instead.{subject.provenance()}",
            severity=subject.severity(frozenset({"openai"})),
        )
    temperature = body.get("temperature")
    if (
        family.fixed_temperature is not None
        and isinstance(temperature, int | float)
        and not isinstance(temperature, bool)
        and temperature != family.fixed_temperature
        and not sampling_allowed
    ):
        yield SAMPLING_REASONING.finding(
            "temperature",
            f"{subject.name()} ({family.name}) only takes temperature {family.fixed_temperature:g}; got "
            f"{temperature}. Omit `temperature`.{subject.provenance()}",
            severity=subject.severity(frozenset({"openai"})),
        )
    for key in sorted(family.unsupported_params & body.keys()):
        yield SAMPLING_REASONING.finding(
            key,
            f"{subject.name()} ({family.name}) does not take `{key}`; remove it.{subject.provenance()}",
            severity=subject.severity(frozenset({"openai"})),
        )


def _params_report_effort(view: RequestView, effort: str) -> bool:
    """Whether params.reasoning-effort-value already reports this value for the host (no model
    takes it there), or params.reasoning-effort-unsupported reports the key (a non-reasoning family)."""
    pid = view.provider.id
    if pid in ("openai", "azure"):
        return (
            effort not in OPENAI_REASONING_EFFORTS
            or view.provider.family_for(view.model).reasoning_effort is False
        )
    return pid == "vllm" and effort not in VLLM_REASONING_EFFORTS
