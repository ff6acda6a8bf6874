"""Parameter rules over real request shapes, per provider (providers.md §3, §4, §5, §9).

Each row: a request as a client sends it, the provider it goes to, and every ``params.*`` finding
as (rule, severity, location). Errors are tied to the provider's verbatim error text below.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.rule_cases import findings, predicted_texts

from toolguard_core.analyze import analyse_request

USER = {"role": "user", "content": "Summarise the release notes."}
E, W = "error", "warning"


JSON_SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "release",
        "schema": {"type": "object", "properties": {"title": {"type": "string"}}},
    },
}


def req(model: str = "gpt-4o", **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": [USER], **fields}


CASES = [
    # --- unknown top-level fields: strict providers reject, lenient ones accept (§3) ---
    ("unknown-openai", "openai", req(thinking={"type": "enabled"}), [("params.unknown", E, "thinking")]),
    ("extra-body-literal-openai", "openai", req(extra_body={"x": 1}), [("params.unknown", E, "extra_body")]),
    # Azure answers with OpenAI's validator (quarkus-langchain4j#285: camelCase names, one-api#1978).
    ("unknown-azure", "azure", req(enable_thinking=False), [("params.unknown", E, "enable_thinking")]),
    ("unknown-azure-camelcase", "azure", req(topP=1.0), [("params.unknown", E, "topP")]),
    ("azure-data-sources-ok", "azure", req(data_sources=[]), []),
    (
        "azure-preview-own-fields-ok",
        "azure",
        req(dataSources=[], enhancements={"ocr": {"enabled": True}}),
        [],
    ),
    # Groq refused `store` in December 2024; its SDK's request type lists it since (groq-python, 18
    # August 2026), so it is known now. A field outside the SDK type is still refused.
    ("groq-store-ok", "groq", req("llama-3.3-70b-versatile", store=True), []),
    (
        "unknown-groq-chat-template-kwargs",
        "groq",
        req("llama-3.3-70b-versatile", chat_template_kwargs={}),
        [("params.unknown", E, "chat_template_kwargs")],
    ),
    (
        "unknown-gemini-web-search",
        "gemini",
        req("gemini-2.5-flash", web_search_options={}),
        [("params.unknown", E, "web_search_options")],
    ),
    # Gemini takes its own fields nested in extra_body; a top-level `google` (what an SDK's extra_body
    # merge produces) is "Unknown name \"google\": Cannot find field." (free-claude-code#542).
    (
        "unknown-gemini-google",
        "gemini",
        req("gemini-2.5-flash", google={"thinking_config": {}}),
        [("params.unknown", E, "google")],
    ),
    (
        "gemini-extra-body-google-ok",
        "gemini",
        req("gemini-2.5-flash", extra_body={"google": {"thinking_config": {"thinking_budget": 0}}}),
        [],
    ),
    (
        "unknown-mistral-max-completion-tokens",
        "mistral",
        req("mistral-large-latest", max_completion_tokens=32000),
        [("params.unknown", E, "max_completion_tokens")],
    ),
    # Mistral's SDK request model has `metadata` (client-python, 30 June 2026); it was once refused.
    ("mistral-metadata-ok", "mistral", req("devstral-small-2505", metadata={}), []),
    # Cerebras: the fields of its SDK request type (1.64.1) only; OpenAI's metadata is refused
    # ("body.metadata: property 'body.metadata' is unsupported").
    (
        "unknown-cerebras-metadata",
        "cerebras",
        req("gpt-oss-120b", metadata={"a": "b"}),
        [("params.unknown", E, "metadata")],
    ),
    ("cerebras-min-tokens-ok", "cerebras", req("gpt-oss-120b", min_tokens=10, reasoning_format="parsed"), []),
    # --- unknown keys inside tools, tool_choice, response_format, stream_options (strict providers) ---
    # Mistral refuses them ("extra_forbidden", loc body.tools.0.function.required: client-python#91).
    (
        "nested-mistral-function-required",
        "mistral",
        req(
            "mistral-large-latest",
            tools=[{"type": "function", "function": {"name": "f", "parameters": {}, "required": ["x"]}}],
        ),
        [("params.unknown-nested-field", E, "tools[0].function.required")],
    ),
    (
        "nested-mistral-strict-on-response-format",
        "mistral",
        req(
            "mistral-large-latest",
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "r", "schema": {}},
                "strict": True,
            },
        ),
        [("params.unknown-nested-field", E, "response_format.strict")],
    ),
    (
        "nested-mistral-defined-keys-ok",
        "mistral",
        req(
            "mistral-large-latest",
            tools=[
                {
                    "type": "function",
                    "function": {"name": "f", "description": "d", "parameters": {}, "strict": True},
                }
            ],
            tool_choice={"type": "function", "function": {"name": "f"}},
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "r", "schema": {}, "strict": True},
            },
            prediction={"type": "content", "content": "x"},
        ),
        [],
    ),
    # Cerebras and Groq: the same allowlists from their SDK types; a nested refusal is not shown in a
    # public error yet, so it is a warning there.
    (
        "nested-cerebras-stream-options-warning",
        "cerebras",
        req(
            "gpt-oss-120b",
            stream=True,
            stream_options={"include_usage": True, "continuous_usage_stats": True},
        ),
        [("params.unknown-nested-field", W, "stream_options.continuous_usage_stats")],
    ),
    (
        "nested-groq-tool-choice-warning",
        "groq",
        req(
            "llama-3.3-70b-versatile",
            tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
            tool_choice={"type": "function", "function": {"name": "f", "arguments": "{}"}},
        ),
        [("params.unknown-nested-field", W, "tool_choice.function.arguments")],
    ),
    # Lenient servers and OpenAI (spec.unknown-field's) are not checked by this rule.
    (
        "nested-vllm-ok",
        "vllm",
        req(
            "Qwen/Qwen3-8B", tools=[{"type": "function", "function": {"name": "f", "parameters": {}, "x": 1}}]
        ),
        [],
    ),
    (
        "unknown-vllm-extras-ok",
        "vllm",
        req("Qwen/Qwen3-8B", top_k=20, min_p=0.05, repetition_penalty=1.1),
        [],
    ),
    (
        "vllm-chat-template-kwargs-ok",
        "vllm",
        req("Qwen/Qwen3-8B", chat_template_kwargs={"enable_thinking": False}, stop_token_ids=[1]),
        [],
    ),
    # Cerebras is strict (opencode#6648: "property 'body.maxTokens' is unsupported"): a camelCase
    # spelling and a vendor switch are refused; its own reasoning fields and the OpenAI ones are not.
    (
        "unknown-cerebras-camelcase-and-thinking",
        "cerebras",
        req("gpt-oss-120b", maxTokens=4096, thinking={"type": "enabled"}),
        [("params.unknown", E, "maxTokens"), ("params.unknown", E, "thinking")],
    ),
    (
        "cerebras-own-fields-ok",
        "cerebras",
        req("zai-glm-4.7", reasoning_format="parsed", clear_thinking=False, max_completion_tokens=512),
        [],
    ),
    (
        "cerebras-store-rejected",
        "cerebras",
        req("llama3.1-8b", store=True),
        [("params.rejected-by-provider", E, "store")],
    ),
    # NVIDIA NIM: each model's schema is additionalProperties:false (openclaude#1950: tool_stream;
    # 9router#2268: thinking); extras some NIM model documents are not flagged.
    (
        "unknown-nvidia-tool-stream",
        "nvidia",
        req("z-ai/glm-5.2", tool_stream=True),
        [("params.unknown", E, "tool_stream")],
    ),
    (
        "unknown-nvidia-thinking",
        "nvidia",
        req("minimaxai/minimax-m2.7", thinking={"type": "enabled"}),
        [("params.unknown", E, "thinking")],
    ),
    (
        "nvidia-documented-extras-ok",
        "nvidia",
        req(
            "nvidia/nemotron-3-super-120b-a12b",
            chat_template_kwargs={"thinking": True},
            reasoning_budget=1024,
        ),
        [],
    ),
    ("unknown-llamacpp-ok", "llama.cpp", req("qwen3", mirostat=2, n_predict=64), []),
    ("unknown-dashscope-ok", "dashscope", req("qwen-plus", enable_thinking=False, enable_search=True), []),
    ("unknown-generic-ok", "generic", req(thinking={"type": "enabled"}), []),
    # --- provider-rejected standard fields (Groq doc) and ignored ones (Ollama doc) ---
    (
        "groq-logprobs",
        "groq",
        req("llama-3.3-70b-versatile", logprobs=True, top_logprobs=2),
        [("params.rejected-by-provider", E, "logprobs"), ("params.rejected-by-provider", E, "top_logprobs")],
    ),
    ("groq-n", "groq", req("llama-3.3-70b-versatile", n=2), [("params.n-range", E, "n")]),
    # xAI's Grok 4 line: no reasoning_effort (litellm#16265, grok2api#814), no penalties/stop on
    # its reasoning models (lobehub#8389); xAI reads camelCase names as their snake_case fields.
    (
        "xai-grok-4-reasoning-effort",
        "xai",
        req("grok-4-latest", reasoning_effort="high"),
        [("params.reasoning-effort-unsupported", E, "reasoning_effort")],
    ),
    (
        "xai-grok-4.20-reasoning-effort-camel",
        "xai",
        req("grok-4.20-0309-reasoning", reasoningEffort="medium"),
        [("params.reasoning-effort-unsupported", E, "reasoningEffort")],
    ),
    (
        "xai-grok-4-penalties-stop",
        "xai",
        req("grok-4", presence_penalty=0.5, frequencyPenalty=0.1, stop=["END"]),
        [
            ("params.unsupported-for-model", E, "presence_penalty"),
            ("params.unsupported-for-model", E, "frequencyPenalty"),
            ("params.unsupported-for-model", E, "stop"),
        ],
    ),
    (
        "xai-grok-4-fast-non-reasoning-penalty-ok",
        "xai",
        req("grok-4-fast-non-reasoning", presence_penalty=0.5, temperature=0.7),
        [],
    ),
    ("xai-grok-3-mini-effort-ok", "xai", req("grok-3-mini", reasoning_effort="high"), []),
    # grok-3-mini refuses the penalties (LinguaGacha#159, AIaW#62) and stop (xAI's reasoning guide).
    (
        "xai-grok-3-mini-penalties-stop",
        "xai",
        req("grok-3-mini-fast", presencePenalty=0, frequency_penalty=0.2, stop=["\n"]),
        [
            ("params.unsupported-for-model", E, "presencePenalty"),
            ("params.unsupported-for-model", E, "frequency_penalty"),
            ("params.unsupported-for-model", E, "stop"),
        ],
    ),
    ("xai-grok-3-mini-plain-ok", "xai", req("grok-3-mini", temperature=0.7, max_tokens=1024), []),
    ("xai-grok-3-penalty-ok", "xai", req("grok-3", presence_penalty=0.5, stop=["\n"]), []),
    # Kimi Code takes only temperature 1 (repowise#1323), thinking or not.
    (
        "moonshot-kimi-for-coding-temperature",
        "moonshot",
        req("kimi-for-coding", temperature=0.6),
        [("params.temperature-on-reasoning-model", E, "temperature")],
    ),
    (
        "moonshot-k3-256k-temperature",
        "moonshot",
        req("k3-256k", temperature=0.1, thinking={"type": "disabled"}),
        [("params.temperature-on-reasoning-model", E, "temperature")],
    ),
    ("moonshot-kimi-for-coding-temperature-1-ok", "moonshot", req("kimi-for-coding", temperature=1), []),
    ("moonshot-kimi-for-coding-no-temperature-ok", "moonshot", req("kimi-for-coding", max_tokens=4096), []),
    ("moonshot-kimi-k2-temperature-ok", "moonshot", req("kimi-k2-0905-preview", temperature=0.6), []),
    ("xai-grok-4.3-effort-ok", "xai", req("grok-4.3", reasoning_effort="low"), []),
    ("xai-grok-4-plain-ok", "xai", req("grok-4", temperature=0.7, max_tokens=1024), []),
    # Groq: reasoning_format only on reasoning models (rig#1134).
    (
        "groq-llama-reasoning-format",
        "groq",
        req("llama-3.1-8b-instant", reasoning_format="parsed"),
        [("params.unsupported-for-model", E, "reasoning_format")],
    ),
    # Groq's json_schema only on its Structured Outputs models (plune-ai/cairn#36 for Llama 3.3).
    (
        "groq-llama-3-json-schema",
        "groq",
        req("llama-3.3-70b-versatile", response_format=JSON_SCHEMA),
        [("params.json-schema-unsupported-for-model", E, "response_format.type")],
    ),
    (
        "groq-llama-3-json-object-ok",
        "groq",
        req("llama-3.1-8b-instant", response_format={"type": "json_object"}),
        [],
    ),
    ("groq-gpt-oss-json-schema-ok", "groq", req("openai/gpt-oss-20b", response_format=JSON_SCHEMA), []),
    (
        "groq-llama-4-json-schema-ok",
        "groq",
        req("meta-llama/llama-4-scout-17b-16e-instruct", response_format=JSON_SCHEMA),
        [],
    ),
    (
        "groq-kimi-json-schema-ok",
        "groq",
        req("moonshotai/kimi-k2-instruct-0905", response_format=JSON_SCHEMA),
        [],
    ),
    (
        "together-llama-3-json-schema-ok",
        "together",
        req("meta-llama/Llama-3.3-70B-Instruct-Turbo", response_format=JSON_SCHEMA),
        [],
    ),
    ("groq-qwen3-reasoning-format-ok", "groq", req("qwen/qwen3-32b", reasoning_format="parsed"), []),
    ("groq-gpt-oss-reasoning-format-ok", "groq", req("openai/gpt-oss-120b", reasoning_format="hidden"), []),
    (
        "groq-r1-distill-llama-reasoning-format-ok",
        "groq",
        req("deepseek-r1-distill-llama-70b", reasoning_format="raw"),
        [],
    ),
    # NVIDIA NIM's validator, whatever the model (OmniRoute#848, kimi-cli#2534, 9router#2268).
    (
        "nvidia-prompt-cache-key",
        "nvidia",
        req("z-ai/glm4.7", prompt_cache_key="session-1"),
        [("params.rejected-by-provider", E, "prompt_cache_key")],
    ),
    (
        "nvidia-chat-template-kwargs-ok",
        "nvidia",
        req("z-ai/glm4.7", chat_template_kwargs={"enable_thinking": True}, temperature=1, max_tokens=4096),
        [],
    ),
    ("ollama-tool-choice-ignored", "ollama", req("llama3.2", n=1), [("params.ignored-by-provider", W, "n")]),
    # --- OpenAI reasoning families (§5.1) ---
    (
        "o3-mini-all",
        "openai",
        req("o3-mini", max_tokens=100, temperature=0.5, top_p=0.9, presence_penalty=0.1),
        [
            ("params.max-tokens-on-reasoning-model", E, "max_tokens"),
            ("params.temperature-on-reasoning-model", E, "temperature"),
            ("params.unsupported-for-model", E, "top_p"),
            ("params.unsupported-for-model", E, "presence_penalty"),
        ],
    ),
    ("o1-temperature-1-ok", "openai", req("o1", temperature=1, max_completion_tokens=500), []),
    (
        "gpt-5-max-tokens",
        "openai",
        req("gpt-5", max_tokens=1024, temperature=0.7),
        [
            ("params.max-tokens-on-reasoning-model", E, "max_tokens"),
            ("params.temperature-on-reasoning-model", E, "temperature"),
        ],
    ),
    (
        # "Unsupported parameter: 'stop' is not supported with this model." (FlowiseAI/Flowise#5046)
        "gpt-5-stop-rejected",
        "openai",
        req("gpt-5-mini", stop=["\n"], logit_bias={"50256": -100}),
        [("params.unsupported-for-model", E, "stop"), ("params.doubtful-for-model", W, "logit_bias")],
    ),
    (
        "gpt-5.1-effort-none-sampling-ok",
        "openai",
        req("gpt-5.1", reasoning_effort="none", temperature=0.2, top_p=0.9),
        [],
    ),
    ("gpt-5-chat-is-chat", "openai", req("gpt-5-chat-latest", temperature=0.2, max_tokens=50), []),
    (
        "azure-deployment-o4-mini",
        "azure",
        req("o4-mini", max_tokens=10),
        [("params.max-tokens-on-reasoning-model", E, "max_tokens")],
    ),
    (
        "reasoning-effort-on-gpt-4o-mini",
        "openai",
        req("gpt-4o-mini", reasoning_effort="low"),
        [("params.reasoning-effort-unsupported", E, "reasoning_effort")],
    ),
    ("openrouter-normalises", "openrouter", req("openai/o3-mini", max_tokens=10, temperature=0.3), []),
    (
        "reasoning-effort-value-vllm",
        "vllm",
        req("openai/gpt-oss-20b", reasoning_effort="minimal"),
        [("params.reasoning-effort-value", E, "reasoning_effort")],
    ),
    # --- DeepSeek reasoner (doc [DSK-R]) ---
    (
        "deepseek-reasoner-logprobs",
        "deepseek",
        req("deepseek-reasoner", logprobs=True, temperature=0.3),
        [
            ("params.unsupported-for-model", E, "logprobs"),
            ("params.ignored-for-model", W, "temperature"),
        ],
    ),
    # --- ranges (§4) ---
    ("temperature-openai", "openai", req(temperature=2.5), [("params.temperature-range", E, "temperature")]),
    ("temperature-vllm", "vllm", req("m", temperature=3), [("params.temperature-range", E, "temperature")]),
    (
        "temperature-groq-warn",
        "groq",
        req("m", temperature=2.5),
        [("params.temperature-range", W, "temperature")],
    ),
    (
        "temperature-negative-generic",
        "generic",
        req(temperature=-1),
        [("params.temperature-range", E, "temperature")],
    ),
    ("temperature-high-generic-ok", "generic", req(temperature=2.5), []),
    ("top-p-zero-vllm", "vllm", req("m", top_p=0), [("params.top-p-range", E, "top_p")]),
    ("top-p-zero-openai-ok", "openai", req(top_p=0), []),
    # DashScope answered top_p 0 and 1 with 200 when probed live (modelparams.dev PR 235): closed [0, 1].
    ("top-p-one-dashscope-ok", "dashscope", req("qwen-plus", top_p=1), []),
    ("top-p-zero-dashscope-ok", "dashscope", req("qwen-plus", top_p=0), []),
    (
        "top-p-high-dashscope-warn",
        "dashscope",
        req("qwen-plus", top_p=1.5),
        [("params.top-p-range", W, "top_p")],
    ),
    # ... and temperature 2.0 with 400 "Temperature should be in [0.0, 2.0)" (same PR), 1.99 with 200.
    (
        "temperature-two-dashscope",
        "dashscope",
        req("qwen-plus", temperature=2.0),
        [("params.temperature-range", E, "temperature")],
    ),
    ("temperature-1-99-dashscope-ok", "dashscope", req("qwen-plus", temperature=1.99), []),
    (
        "penalty-openai",
        "openai",
        req(frequency_penalty=-3),
        [("params.penalty-range", E, "frequency_penalty")],
    ),
    ("n-openai", "openai", req(n=129), [("params.n-range", E, "n")]),
    ("max-tokens-zero-vllm", "vllm", req("m", max_tokens=0), [("params.max-tokens-range", E, "max_tokens")]),
    # OpenAI's validator: "integer below minimum value. Expected a value >= 1" (mucgpt#608).
    ("max-tokens-zero-openai", "openai", req(max_tokens=0), [("params.max-tokens-range", E, "max_tokens")]),
    (
        "max-completion-tokens-negative-azure",
        "azure",
        req(max_completion_tokens=-15335),
        [("params.max-tokens-range", E, "max_completion_tokens")],
    ),
    # An unrecognised OpenAI-compatible server follows the contract's floor (FastChat: "0 is less than the
    # minimum of 1 - 'max_tokens'"); the servers that take 0 keep their own silent cells.
    (
        "max-tokens-zero-generic",
        "generic",
        req("m", max_tokens=0),
        [("params.max-tokens-range", E, "max_tokens")],
    ),
    (
        "max-completion-tokens-negative-generic",
        "generic",
        req("m", max_completion_tokens=-1),
        [("params.max-tokens-range", E, "max_completion_tokens")],
    ),
    ("max-tokens-one-generic-ok", "generic", req("m", max_tokens=1), []),
    ("max-tokens-zero-llamacpp-ok", "llama.cpp", req("qwen3", max_tokens=0), []),
    ("max-tokens-zero-ollama-ok", "ollama", req("llama3.2", max_tokens=0), []),
    ("max-tokens-zero-sglang-ok", "sglang", req("m", max_tokens=0), []),
    (
        "max-tokens-zero-groq-warns",
        "groq",
        req("llama-3.3-70b-versatile", max_tokens=0),
        [("params.max-tokens-range", W, "max_tokens")],
    ),
    ("min-p-vllm", "vllm", req("m", min_p=1.5), [("params.sampling-range", E, "min_p")]),
    (
        "top-logprobs-range",
        "openai",
        req(logprobs=True, top_logprobs=25),
        [("params.top-logprobs-range", E, "top_logprobs")],
    ),
    # --- types ---
    ("temperature-string", "openai", req(temperature="0.7"), [("params.wrong-type", E, "temperature")]),
    ("seed-float", "openai", req(seed=1.5), [("params.wrong-type", E, "seed")]),
    # An unknown model on an unknown host (gpt-4o there is judged as OpenAI: test_inferred_vendor_rules.py).
    ("seed-string-generic", "generic", req("my-own-model", seed="42"), [("params.wrong-type", W, "seed")]),
    # vLLM and SGLang validate with pydantic's lax mode (ProviderProfile.lax_scalar_types): what it
    # converts is accepted, what it cannot convert is its 400.
    ("stream-string-vllm-converted", "vllm", req("m", stream="true"), []),
    ("temperature-string-vllm-converted", "vllm", req("m", temperature=" 0.7"), []),
    ("max-tokens-integral-float-sglang-converted", "sglang", req("m", max_tokens=256.0, logprobs=1), []),
    ("stream-word-vllm", "vllm", req("m", stream="maybe"), [("params.wrong-type", E, "stream")]),
    (
        "max-tokens-exponent-vllm",
        "vllm",
        req("m", max_tokens="1e3"),
        [("params.wrong-type", E, "max_tokens")],
    ),
    ("seed-fraction-vllm", "vllm", req("m", seed=1.5), [("params.wrong-type", E, "seed")]),
    (
        "temperature-list-vllm",
        "vllm",
        req("m", temperature=[0.7]),
        [("params.wrong-type", E, "temperature")],
    ),
    # --- combinations ---
    (
        "top-logprobs-without-logprobs",
        "openai",
        req(top_logprobs=3),
        [("params.top-logprobs-without-logprobs", E, "top_logprobs")],
    ),
    # A DeepSeek maintainer: top_logprobs needs logprobs=true (DeepSeek-V2#9).
    (
        "top-logprobs-without-logprobs-deepseek",
        "deepseek",
        req("deepseek-chat", top_logprobs=5),
        [("params.top-logprobs-without-logprobs", E, "top_logprobs")],
    ),
    (
        "top-logprobs-with-logprobs-deepseek-ok",
        "deepseek",
        req("deepseek-chat", logprobs=True, top_logprobs=5),
        [],
    ),
    (
        "top-logprobs-without-logprobs-llamacpp",
        "llama.cpp",
        req("qwen3", top_logprobs=3),
        [("params.top-logprobs-without-logprobs", E, "top_logprobs")],
    ),
    (
        "logit-bias-word-key",
        "vllm",
        req("m", logit_bias={"hello": 5}),
        [("params.logit-bias", E, "logit_bias")],
    ),
    ("logit-bias-value", "openai", req(logit_bias={"50256": 150}), [("params.logit-bias", E, "logit_bias")]),
    ("logit-bias-ok", "openai", req(logit_bias={"50256": -100}), []),
    ("stop-five", "openai", req(stop=["a", "b", "c", "d", "e"]), [("params.stop-count", E, "stop")]),
    # vLLM takes 4 by default since vllm-project/vllm#51447 (VLLM_MAX_STOP_STRINGS): a warning, releases differ.
    (
        "stop-five-vllm-warn",
        "vllm",
        req("m", stop=["a", "b", "c", "d", "e"]),
        [("params.stop-count", W, "stop")],
    ),
    ("stop-four-vllm-ok", "vllm", req("m", stop=["a", "b", "c", "d"]), []),
    # vLLM's and llama-server's prefill: add_generation_prompt defaults to true and the pair is refused
    # (vllm-project/vllm#8942; ggml-org/llama.cpp#23012, "Cannot set both ..." in unslothai/unsloth#10219).
    (
        "continue-final-message-vllm",
        "vllm",
        req("m", continue_final_message=True),
        [("params.continue-final-message-with-generation-prompt", E, "continue_final_message")],
    ),
    (
        "continue-final-message-llama-cpp",
        "llama.cpp",
        req("m", continue_final_message=True, add_generation_prompt=True),
        [("params.continue-final-message-with-generation-prompt", E, "continue_final_message")],
    ),
    (
        "continue-final-message-prefill-ok",
        "vllm",
        req("m", continue_final_message=True, add_generation_prompt=False),
        [],
    ),
    ("continue-final-message-ollama-silent", "ollama", req("m", continue_final_message=True), []),
    (
        "stream-options-no-stream-openai",
        "openai",
        req(stream=False, stream_options={"include_usage": True}),
        [("params.stream-options-without-stream", E, "stream_options")],
    ),
    (
        "stream-options-no-stream-vllm",
        "vllm",
        req("m", stream_options={"include_usage": True}),
        [("params.stream-options-without-stream", E, "stream_options")],
    ),
    (
        "stream-options-no-stream-deepseek-warn",
        "deepseek",
        req("deepseek-chat", stream_options={"include_usage": True}),
        [("params.stream-options-without-stream", W, "stream_options")],
    ),
    ("stream-options-with-stream", "openai", req(stream=True, stream_options={"include_usage": True}), []),
]


@pytest.mark.parametrize(("provider", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_param_rules(provider: str, body: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert findings(provider, body, "params.") == expected


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("params.unknown", "Unrecognized request argument supplied: thinking"),
        ("params.unknown", "property 'store' is unsupported, did you mean 'stop'?"),
        ("params.unknown", 'Unknown name "web_search_options": Cannot find field.'),
        ("params.unknown", '"type":"extra_forbidden","loc":["body","max_completion_tokens"]'),
        ("params.unknown", "body.maxTokens: property 'body.maxTokens' is unsupported"),
        (
            "params.max-tokens-on-reasoning-model",
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        ),
        (
            "params.temperature-on-reasoning-model",
            "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported.",
        ),
        ("params.unsupported-for-model", "Unsupported parameter: 'top_p' is not supported with this model."),
        ("params.unsupported-for-model", "'Argument not supported on this model: presencePenalty'"),
        ("params.temperature-on-reasoning-model", "invalid temperature: only 1 is allowed for this model"),
        (
            "params.json-schema-unsupported-for-model",
            "This model does not support response format `json_schema`.",
        ),
        ("params.reasoning-effort-unsupported", "Unrecognized request argument supplied: reasoning_effort"),
        ("params.top-p-range", "top_p must be in (0, 1], got 0.0."),
        ("params.temperature-range", "temperature must be in [0, 2], got"),
        ("params.stop-count", "Invalid 'stop': array too long. Expected an array with maximum length 4"),
        (
            "params.stream-options-without-stream",
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        ),
        ("params.stream-options-without-stream", "Stream options can only be defined when `stream=True`."),
        (
            "params.top-logprobs-without-logprobs",
            "when using `top_logprobs`, `logprobs` must be set to true.",
        ),
        ("params.logit-bias", "logit_bias contains key(s) that cannot be converted to integer token IDs"),
        (
            "params.max-tokens-range",
            "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1",
        ),
        ("params.max-tokens-range", "0 is less than the minimum of 1 - 'max_tokens'"),
    ],
)
def test_rules_predict_the_real_provider_text(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))


def test_messages_name_the_fix() -> None:
    import json

    from support.rule_cases import URLS, analyse

    from toolguard_core.analyze import analyse_request

    analysis = analyse_request(json.dumps(req("o3-mini", max_tokens=100)), URLS["openai"])
    [finding] = [f for f in analysis.findings if f.rule.startswith("params.")]
    assert finding.message == (
        "o3-mini (o3-mini reasoning, takes stop) does not accept `max_tokens`; send the limit as "
        "`max_completion_tokens` instead (it also counts reasoning tokens)."
    )
    cerebras = analyse("cerebras", req("gpt-oss-120b", maxTokens=4096))
    [finding] = [f for f in cerebras.findings if f.rule.startswith("params.")]
    assert finding.message == (
        "Cerebras Inference does not accept the field `maxTokens` and rejects the request; send it as "
        "`max_tokens`, the name the API defines."
    )
    vllm = analyse("vllm", req("m", top_p=0))
    [finding] = [f for f in vllm.findings if f.rule.startswith("params.")]
    assert finding.message == (
        "`top_p` is 0; vLLM accepts (0, 1] (code [VLLM-SP]). For greedy decoding use temperature 0 "
        "instead of top_p 0."
    )


@pytest.mark.parametrize(
    ("query", "body_extra", "expected"),
    [
        # Before 2024-09-01-preview Azure answers "Unrecognized request argument supplied: max_completion_tokens".
        (
            "api-version=2024-08-01-preview",
            {"max_completion_tokens": 100},
            [("max_completion_tokens", "error")],
        ),
        ("api-version=2024-06-01", {"max_completion_tokens": 100}, [("max_completion_tokens", "error")]),
        ("api-version=2024-09-01-preview", {"max_completion_tokens": 100}, []),
        ("api-version=2024-10-21", {"max_completion_tokens": 100}, []),
        # functions on 2023-05-15 (openinterpreter#618); tools need 2023-12-01-preview.
        (
            "api-version=2023-05-15",
            {"functions": [{"name": "f", "parameters": {"type": "object"}}]},
            [("functions", "error")],
        ),
        (
            "foo=1&api-version=2023-07-01-preview",
            {"tools": [{"type": "function", "function": {"name": "f"}}]},
            [("tools", "error")],
        ),
        ("api-version=2024-02-01", {"tools": [{"type": "function", "function": {"name": "f"}}]}, []),
        # Not a dated version: nothing is known.
        ("api-version=preview", {"max_completion_tokens": 100}, []),
    ],
)
def test_azure_api_version_predates_a_field(
    query: str, body_extra: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi."}], **body_extra}
    url = f"https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?{query}"
    analysis = analyse_request(json.dumps(body), url)
    found = [
        (f.location, f.severity) for f in analysis.findings if f.rule == "params.azure-api-version-too-old"
    ]
    assert found == expected


def test_the_api_version_rule_is_azure_only() -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi."}], "max_completion_tokens": 10}
    analysis = analyse_request(
        json.dumps(body), "https://api.openai.com/v1/chat/completions?api-version=2024-06-01"
    )
    assert [f.rule for f in analysis.findings if f.rule == "params.azure-api-version-too-old"] == []
