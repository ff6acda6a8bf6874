#!/usr/bin/env python3
"""Regenerate toolguard's model catalog snapshot from files you downloaded yourself (offline).

Primary source: LiteLLM's model map, ``model_prices_and_context_window.json``
(https://github.com/BerriAI/litellm, MIT; the PyPI wheel ships the same file as
``litellm/model_prices_and_context_window_backup.json``). It is the only public dataset with every
flag toolguard's rules read (parallel tool calls, tool_choice, system messages, audio input).

Secondary source: models.dev (https://github.com/sst/models.dev, MIT), a checkout's ``providers/``
and ``models/`` directories. It lists explicit ``reasoning_effort`` values, covers first-party
models LiteLLM lacks (``grok-4``, ``kimi-k2-*``), and is a cross-check: where the two sources
disagree on a capability the snapshot records "unknown", so no rule flags it (a rule never flags
what a provider may accept), and limits take the larger value (a limit finding must be certain).

Usage::

    python scripts/refresh_catalog.py \\
        --litellm path/to/model_prices_and_context_window.json --litellm-ref "litellm 1.110.2" \\
        --models-dev path/to/models.dev --models-dev-ref "f3fc692 (2026-07-02)" \\
        [--out addon/toolguard_core/data/model_catalog.json] [--date YYYY-MM-DD]

Nothing is downloaded; either source may be omitted. ``--facts-only`` re-applies :data:`VENDOR_FACTS`
and :data:`HOST_FACTS` (what one host says about a model it serves, read only for that host)
to the snapshot already at ``--out`` (its sources and date kept): the facts are applied last, over the
merged entries, so this gives what a full run over the recorded sources would. That includes a fact
taken out of (or narrowed in) the tables: a full run records, in ``_meta.vendor_fact_datasets``, the
datasets' merged entry under every entry a vendor fact changed (``null`` where the fact made the entry),
and ``--facts-only`` puts those back before it applies the facts again; host facts are marked in
their entries and taken out the same way. A snapshot written before that record existed (session 12)
has no datasets' values under its vendor facts: ``--facts-only`` then says so and only lays the facts
over the entries as they are, so a fact removed from the table stays until the next full run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "addon" / "toolguard_core" / "data" / "model_catalog.json"
LITELLM_URL = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
MODELS_DEV_URL = "https://github.com/sst/models.dev"

#: Providers that serve their own models: their entry describes the model, a reseller's may not.
LITELLM_FIRST_PARTY = frozenset(
    {
        "openai", "anthropic", "gemini", "vertex_ai-language-models", "deepseek", "xai", "mistral",
        "codestral", "dashscope", "moonshot", "zai", "minimax", "cohere_chat",
        # Vendors' own APIs that list only their own models (session 15): Xiaomi MiMo, Meta's Llama API,
        # Amazon Nova, AI21, Inception, Sarvam.
        "xiaomi_mimo", "meta_llama", "amazon_nova", "ai21", "inception", "sarvam",
    }
)  # fmt: skip
MODELS_DEV_FIRST_PARTY = (
    "openai", "anthropic", "google", "deepseek", "xai", "moonshotai", "alibaba", "mistral",
    "zhipuai", "zai", "minimax", "cohere", "meta",
    # Vendors whose models.dev directory is their own API and lists only their own models (session 15):
    # Xiaomi's MiMo (its provider.toml cites platform.xiaomimimo.com's API docs), StepFun's Step (its
    # files cite platform.stepfun.com's model guides), Upstage's Solar, Inception's Mercury. Without them a
    # model only they make was "only resellers' entries" even where the vendor's own listing states the
    # capability. Not Perplexity: the name is also LiteLLM's provider id for Perplexity's routes to other
    # vendors' models (``perplexity/openai/gpt-5``); its Sonar facts are HOST_FACTS.
    "xiaomi", "stepfun", "upstage", "inception",
)  # fmt: skip
#: models.dev providers whose files under their own name are routing aliases (``openrouter/auto``,
#: ``openrouter/free``), not models they make: :func:`_own_namespace` does not read them as the maker's.
_ROUTERS = frozenset({"openrouter", "orcarouter"})
#: LiteLLM modes that take a conversation (``responses``: models served by the Responses API only).
CHAT_MODES = frozenset({"chat", "responses"})
#: models.dev has no mode field; these names are not chat models.
_NOT_CHAT = re.compile(r"embed|rerank|tts|whisper|transcri|moderation|image|video|dall-e|speech|ocr")
_EFFORT_ORDER = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
#: Facts the vendor states (its docs or its own error text) where both datasets are wrong or silent;
#: applied last, over the merged entry. Each names its source. Keep it short: a fact here is one a
#: public dataset should carry, and is dropped once it does.
VENDOR_FACTS: dict[str, dict[str, Any]] = {
    # OpenAI: GPT-5 pro reasons at high effort only (its model page: "reasoning.effort: high"; checked
    # against the live API's "Unsupported value: 'medium' is not supported with the 'gpt-5-pro' model.
    # Supported values are: 'high'." by anomalyco/opencode#26268). LiteLLM lists gpt-5's four values.
    "gpt-5-pro": {
        "reasoning_efforts": ["high"],
        "source": "https://github.com/anomalyco/opencode/pull/26268",
    },
    # OpenAI: the 1106 snapshot writes at most 4,096 tokens ("max_tokens is too large: 8192. This model
    # supports at most 4096 completion tokens", ChatGPTNextWeb/NextChat#3195; LiteLLM's own entry says
    # 4096, models.dev 16384, and the merge keeps the larger limit).
    "gpt-3.5-turbo-1106": {
        "max_output_tokens": 4096,
        "source": "https://github.com/ChatGPTNextWeb/NextChat/issues/3195",
    },
    # Anthropic: the Claude 3 models' output limits from Anthropic's model table (Claude 3 Haiku and Opus 4,096
    # tokens, Claude 3.5 Haiku 8,192; "max_tokens: 8192 > 4096, which is the maximum allowed number of output
    # tokens for claude-3-haiku-20240307" is its answer above the limit). Both datasets dropped Anthropic's own
    # entries for them when they were retired, so only the clouds' (Bedrock, Vertex) entries were left and a
    # finding read from them said "only resellers' catalog entries state this": the vendor is Anthropic.
    **{
        name: {
            "providers": ["anthropic"],
            "max_output_tokens": limit,
            "source": [
                "https://docs.anthropic.com/en/docs/about-claude/models/all-models",
                *(["https://github.com/avante-corp/avante.nvim/pull/1761"] if limit == 8192 else []),
            ],
        }
        for name, limit in (("claude-3-haiku", 4096), ("claude-3-opus", 4096), ("claude-3-5-haiku", 8192))
    },
    # ByteDance's Doubao models on Volcengine Ark (neither dataset lists the 1.5 generation): Ark's own
    # answer states the output limit ("integer above maximum value, expected a value <= 12288, but got
    # 32000 instead", param max_completion_tokens, Gitlawb/openclaude#331); 32k is the model's window.
    "doubao-1-5-pro-32k": {
        "providers": ["volcengine"],
        "max_input_tokens": 32768,
        "max_output_tokens": 12288,
        "source": "https://github.com/Gitlawb/openclaude/issues/331",
    },
    # Doubao's thinking and Seed 1.6 models on Ark call tools and reason (Seed 1.6 sees images): the
    # reseller entry the merge has for them says false to every capability. LobeChat's Volcengine model
    # cards, written from Ark's model list (https://www.volcengine.com/docs/82379/1330310), give
    # functionCall/reasoning/vision per model.
    **{
        name: {
            "function_calling": True,
            "reasoning": True,
            **({"vision": True} if vision else {}),
            "source": "https://unpkg.com/@lobehub/chat@1.94.11/src/config/aiModels/volcengine.ts",
        }
        for name, vision in (
            ("doubao-seed-1-6-250615", True),
            ("doubao-seed-1-6-thinking-250615", True),
            ("doubao-1-5-thinking-pro-250415", False),
            ("doubao-1-5-thinking-vision-pro-250428", True),
        )
    },
    # xAI: Grok Code Fast 1 is text in, text out ("Text Mode Only: ... Image and file inputs such as audio,
    # video and document files aren't supported", the model's page on OCI Generative AI, which serves it
    # as xAI manages it); an image part, even one left in the history by another model, is refused
    # ("400 image media type not supported", microsoft/vscode#263970, Copilot's grok-code-fast-1).
    # Both datasets' entries say it takes images; ``grok-code-fast`` is xAI's alias for it.
    **{
        name: {
            "providers": ["xai"],
            "vision": False,
            "source": [
                "https://docs.oracle.com/pt-br/iaas/Content/generative-ai/xai-grok-code-fast-1.htm",
                "https://github.com/microsoft/vscode/issues/263970",
            ],
        }
        for name in ("grok-code-fast-1", "grok-code-fast")
    },
    # OpenAI: gpt-oss-120b and gpt-oss-20b take text only (OpenAI's model pages give "Text" as the only input
    # modality, quoted in JonathanChavezTamales/llm-leaderboard#73; "gpt-oss is text only and is not a VLM", LM
    # Studio's maintainer in lmstudio-ai/lmstudio-bug-tracker#1183). Resellers' entries give the 120b images, so the
    # merged entry said it takes them and an image to it behind a gateway got no finding. No `providers`: OpenAI's
    # own API does not serve the weights, and the other facts of the entry stay the resellers' (a warning).
    **{
        name: {
            "vision": False,
            "source": [
                "https://github.com/JonathanChavezTamales/llm-leaderboard/issues/73",
                "https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/1183",
            ],
        }
        for name in ("gpt-oss-120b", "gpt-oss-20b")
    },
    # Late-2026 names with no entry of their own (session 20), each the name of one model that has one:
    # ``same_as`` copies that entry's facts (not its providers: no vendor lists the name itself), then the
    # fact's own keys apply. Moonshot serves Kimi K2.7 as ``kimi-k2.7-code`` only ("Not found the model
    # kimi-k2.7" from its API, whose /models lists kimi-k2.7-code and kimi-k2.7-code-highspeed:
    # NorthlandPositronics/Cogtrix#2363; "Moonshot's own API names it kimi-k2.7-code",
    # langchain-ai/open-swe#1515); resellers name it ``kimi-k2.7`` (the snapshot's umans-kimi-k2.7,
    # databricks-kimi-k2-7).
    "kimi-k2.7": {
        "same_as": "kimi-k2.7-code",
        "source": [
            "https://github.com/NorthlandPositronics/Cogtrix/pull/2363",
            "https://github.com/langchain-ai/open-swe/pull/1515",
        ],
    },
    # Kimi Code's subscription id (api.kimi.com/coding): models.dev's entry for it names K2.7 Code as its
    # base model with a 32,768-token output limit (providers/kimi-for-coding/models/kimi-for-coding.toml,
    # after the snapshot's models.dev commit). The plan decides the model behind it (anomalyco/models.dev#2263),
    # which models.dev gives as K2.7 Code.
    "kimi-for-coding": {
        "same_as": "kimi-k2.7-code",
        "max_output_tokens": 32768,
        "source": [
            "https://github.com/anomalyco/models.dev/blob/cddcdd671134bab8f35048bde2b0bde07aff8e3f/providers/kimi-for-coding/models/kimi-for-coding.toml",
            "https://github.com/anomalyco/models.dev/pull/2263",
        ],
    },
    # Mistral Small 3.2 is release 25.06, ``mistral-small-2506`` (docs.mistral.ai/models: "Mistral Small 3.2
    # v25.06", the replacement of the retired Small models; Hugging Face's Mistral-Small-3.2-24B-Instruct-2506).
    "mistral-small-3.2": {
        "same_as": "mistral-small-2506",
        "source": [
            "https://docs.mistral.ai/models/mistral-small-1-0-24-02",
            "https://huggingface.co/mistralai/Mistral-Small-3.2-24B-Instruct-2506",
        ],
    },
    # Not added: a bare ``deepseek-v4`` names no single model (DeepSeek serves deepseek-v4-pro and
    # deepseek-flash, which took over deepseek-v4-flash, and answers other names "The supported API model
    # names are deepseek-flash, deepseek-v4-pro", kolega-ai/kolega-code#695; neovateai/neovate-code#788
    # dropped it as an unofficial alias); the two differ in what they take (images), so it keeps "model
    # rules skipped".
    # xAI: Grok 4 takes images (xAI's image-understanding guide lists it; Roo Code's xAI page: "grok-4 -
    # xAI's Grok-4 model with 256K context window, image support"). Only resellers' entries list it, and
    # they say text only, so an image to grok-4 was warned about.
    "grok-4": {
        "providers": ["xai"],
        "vision": True,
        "source": [
            "https://docs.x.ai/developers/model-capabilities/images/understanding",
            "https://github.com/RooCodeInc/Roo-Code-Docs/pull/320",
        ],
    },
}
#: Facts one host states about a model it serves where the model's facts elsewhere differ, keyed by
#: toolguard's provider profile id and the catalog entry's name; written to the snapshot's ``hosts`` block
#: and read only for a request to that host (``Catalog.lookup(model, host)``). Neither dataset can carry
#: them: LiteLLM's ``gemini/gemma-3-27b-it`` says it calls functions, and models.dev lists Gemma 3 as
#: calling tools on OpenRouter, Nebius and Scaleway, which is true there. Each names its source.
HOST_FACTS: dict[str, dict[str, dict[str, Any]]] = {
    # The Gemini API serves the Gemma 3 instruction-tuned models without function calling ("400 Function
    # calling is not enabled for models/gemma-3-27b-it"; "Gemma models (all variants: 1B, 4B, 12B, 27B) do
    # not support function calling/tools") and without a system instruction: Gemma's own format has only
    # the user and model roles ("the system role or a system turn isn't supported", Google's Gemma
    # formatting guide; the API answers "Developer instruction is not enabled for models/gemma-3-27b-it",
    # cited on model.system-role-unsupported). Other hosts fold the system text into the first turn.
    "gemini": {
        f"gemma-3-{size}-it": {
            "function_calling": False,
            "system_messages": False,
            "source": [
                "https://github.com/ThatHunky/gryag/blob/main/docs/features/function-calling-support-detection.md",
                "https://ai.google.dev/gemma/docs/formatting",
            ],
        }
        for size in ("1b", "4b", "12b", "27b")
    },
    # DeepSeek's own API took text content parts only until V4.1 ("unknown variant `image_url`, expected `text`",
    # esengine/DeepSeek-Reasonix#7859 and ChatLunaLab/chatluna#867, both DeepSeek's API, 2026-05 to 2026-07).
    # On 2026-09-10 DeepSeek put V4.1 Flash on its API as `deepseek-flash`, natively multimodal, and routes the old
    # names `deepseek-v4-flash` and `deepseek-v4-flash-vision-exp` to it (DeepSeek's announcement and Vision guide,
    # https://api-docs.deepseek.com/zh-cn/news/news260910/ and https://api-docs.deepseek.com/guides/vision/, quoted
    # in kuan-er/sjtu-agent#182; coulsontl/ai-toolbox#337): an image to deepseek-v4-flash is taken there now. The
    # vendors' entries for V4 Flash disagree (LiteLLM: vision, models.dev: text only; the open weights are text
    # only), so this host's statement is what decides on DeepSeek. deepseek-v4-pro routes to V4.1 Flash too from
    # 2026-09-14 until a V4.1 Pro ships ("requests to `deepseek-v4-pro` will all be routed to V4.1 Flash", DeepSeek's
    # API docs' first page, quoted in EvoScientist/EvoScientist#483; its pricing page, gptme/gptme#3799; "V4-Pro goes offline
    # Sept 14, requests migrate to Flash", ikaijua/Awesome-AITools#967), so its model entry's "text only" no longer
    # holds there. deepseek-chat stays text only (kuan-er/sjtu-agent#182: it does not take the native vision path).
    "deepseek": {
        "deepseek-v4-flash": {
            "vision": True,
            "source": [
                "https://api-docs.deepseek.com/zh-cn/news/news260910/",
                "https://api-docs.deepseek.com/guides/vision/",
                "https://github.com/kuan-er/sjtu-agent/pull/182",
                "https://github.com/coulsontl/ai-toolbox/issues/337",
            ],
        },
        "deepseek-v4-pro": {
            "vision": True,
            "source": [
                "https://api-docs.deepseek.com/",
                "https://github.com/EvoScientist/EvoScientist/pull/483",
                "https://api-docs.deepseek.com/quick_start/pricing",
                "https://github.com/gptme/gptme/pull/3799",
                "https://github.com/ikaijua/Awesome-AITools/pull/967",
            ],
        },
    },
    # Groq states per model which take `reasoning_effort` (its reasoning guide, "Reasoning Effort":
    # gpt-oss low, medium, high; Qwen 3 32B none and default; https://console.groq.com/docs/reasoning).
    # The values refused elsewhere: "none" on gpt-oss ("gpt-oss-120b only accepts "low", "medium", or
    # "high" for the reasoning_effort parameter", DataTalksClub/llm-zoomcamp#183; "none correctly excluded
    # - rejected for GPT-OSS models", theopenco/llmgateway#3422), "medium" on Qwen 3 ("`reasoning_effort`
    # must be one of `none` or `default`", iamsrikanthnani/pluely#219). Its Llama models do not reason and
    # refuse the field ("Groq models that do not support reasoning_effort ... will simply throw a 400
    # error", Groq staff in UKGovernmentBEIS/inspect_ai#2395; llama-3.3-70b-versatile and Llama 4 Scout,
    # diegosouzapw/OmniRoute#3277; "llama models also do not support reasoning_effort", pluely#219). The
    # catalog's reasoning facts for these names come from resellers' entries only (a warning); these are
    # Groq's own. Groq's listings carry no reasoning field, so each fact merges into the listing's entry.
    "groq": {
        # Groq's "Images and Vision" page names the models that take images (Llama 4 Scout); gpt-oss is text only on
        # every host (the vendor fact above), and Groq refuses an image part to a text model ("message[0].content must
        # be a string", vercel/ai#2837, cited on model.image-unsupported). Only one of Groq's listings stated it.
        **{
            name: {
                "vision": False,
                "reasoning": True,
                "reasoning_efforts": ["low", "medium", "high"],
                "source": [
                    "https://console.groq.com/docs/reasoning",
                    "https://github.com/DataTalksClub/llm-zoomcamp/issues/183",
                    "https://github.com/theopenco/llmgateway/pull/3422",
                    "https://console.groq.com/docs/vision",
                ],
            }
            for name in ("gpt-oss-120b", "gpt-oss-20b")
        },
        "qwen3-32b": {
            "reasoning": True,
            "reasoning_efforts": ["none", "default"],
            "source": [
                "https://console.groq.com/docs/reasoning",
                "https://github.com/iamsrikanthnani/pluely/pull/219",
                "https://github.com/vercel/ai/pull/7731",
            ],
        },
        # Qwen 3.6 27B, Groq's successor to Qwen 3 32B, switches thinking the same way: none or default
        # (Groq's model page: "thinking mode ... and non-thinking mode"; theopenco/llmgateway#3422 reading
        # Groq's reasoning guide: "none/default are Qwen-3.6-27B-only"; Kiln-AI/Kiln#1728 declares Groq's
        # levels for it with "default" as the default). The model's own entry (Alibaba's) lists no values.
        "qwen3.6-27b": {
            "reasoning": True,
            "reasoning_efforts": ["none", "default"],
            "source": [
                "https://console.groq.com/docs/model/qwen/qwen3.6-27b",
                "https://github.com/theopenco/llmgateway/pull/3422",
                "https://github.com/Kiln-AI/Kiln/pull/1728",
            ],
        },
        **{
            name: {
                "reasoning": False,
                "source": [
                    "https://github.com/UKGovernmentBEIS/inspect_ai/pull/2395",
                    "https://github.com/diegosouzapw/OmniRoute/pull/3277",
                    "https://github.com/iamsrikanthnani/pluely/pull/219",
                ],
            }
            for name in (
                "llama-3.1-8b-instant",
                "llama-3.3-70b-versatile",
                "llama-4-scout-17b-16e-instruct",
                "llama-4-maverick-17b-128e-instruct",
            )
        },
    },
    # GitHub Copilot serves some OpenAI models on its Responses endpoint only: its models list gives each model's
    # `supported_endpoints`, and a model without /chat/completions there is refused on it ("model \"gpt-5.4-mini\"
    # is not accessible via the /chat/completions endpoint", code unsupported_api_for_model, coder/xum#3769,
    # 2026-07-31). Checked against api.githubcopilot.com on 2026-09-15 (ericc-ch/copilot-api#274): gpt-5.3-codex,
    # gpt-5.5, gpt-5.6-luna, gpt-5.6-sol, gpt-5.6-terra and gpt-6-astra are /responses-only, while gpt-5.4 and
    # gpt-5-mini list both endpoints (gpt-5.4 was /responses-only in March, ericc-ch/copilot-api#208, and works on
    # chat completions since: no fact for it). OpenAI's own API serves these on chat completions, so the model's
    # entry cannot carry it. The codex entry already says so (its vendor entry's `mode: responses`).
    "copilot": {
        name: {
            "chat_completions": False,
            "source": [
                "https://github.com/ericc-ch/copilot-api/pull/274",
                *(["https://github.com/coder/xum/issues/3769"] if name == "gpt-5.4-mini" else []),
            ],
        }
        for name in ("gpt-5.4-mini", "gpt-5.5", "gpt-5.6-luna", "gpt-5.6-sol", "gpt-5.6-terra", "gpt-6-astra")
    },
    # Perplexity's Sonar API takes client function tools on sonar-pro and sonar-reasoning-pro and refuses
    # them on sonar. Both listings have it the other way round (their perplexity/sonar says tools, the
    # models' own entries say sonar-pro and sonar-reasoning-pro have none). A live measurement against
    # api.perplexity.ai (2026-08-13, re-verified 2026-08-23): "sonar 400 'Tool calling is not supported
    # for this model'; sonar-pro 200 emits tool_calls; sonar-reasoning-pro 200 emits tool_calls"
    # (rcconsult/ppxai perplexity_facts.py); LangChain's Perplexity integration tests run sonar with
    # has_tool_calling False for that 400.
    "perplexity": {
        "sonar": {
            "function_calling": False,
            "source": [
                "https://github.com/rcconsult/ppxai/blob/main/ppxai/engine/search/perplexity_facts.py",
                "https://github.com/langchain-ai/langchain/blob/master/libs/partners/perplexity/tests/integration_tests/test_chat_models_standard.py",
            ],
        },
        **{
            name: {
                "function_calling": True,
                "source": "https://github.com/rcconsult/ppxai/blob/main/ppxai/engine/search/perplexity_facts.py",
            }
            for name in ("sonar-pro", "sonar-reasoning-pro")
        },
    },
}
#: The hosts whose own listings the per-host layer reads: toolguard's provider profile id -> (LiteLLM's
#: ``litellm_provider``, models.dev's provider directory); None where that source has no listing for the
#: host. The vendors' own APIs are left out (their listing is the model's entry), so is Bedrock (its
#: Converse table, ``data/bedrock_converse.json``, is the host's own statement). The policy
#: (:func:`host_listings`): a capability one listing says is there is there on that host, whatever the
#: model's entry says; a capability both listings say is absent is a host fact (the rules' level); one
#: listing alone saying so is recorded as ``single`` (a rule reading it reports a warning).
HOST_LISTINGS: dict[str, tuple[str | None, str | None]] = {
    "baseten": ("baseten", "baseten"),
    "cerebras": ("cerebras", "cerebras"),
    "cloudflare": ("cloudflare", "cloudflare-workers-ai"),
    "databricks": ("databricks", "databricks"),
    "deepinfra": ("deepinfra", "deepinfra"),
    "fireworks": ("fireworks_ai", "fireworks-ai"),
    "groq": ("groq", "groq"),
    "hyperbolic": ("hyperbolic", None),
    "nebius": ("nebius", "nebius"),
    "novita": ("novita", "novita-ai"),
    "nvidia": ("nvidia_nim", "nvidia"),
    "openrouter": ("openrouter", "openrouter"),
    "perplexity": ("perplexity", "perplexity"),
    "sambanova": ("sambanova", None),
    "siliconflow": ("siliconflow", "siliconflow"),
    "together": ("together_ai", "togetherai"),
    "vercel": ("vercel_ai_gateway", "vercel"),
    "wandb": ("wandb", "wandb"),
}
#: The capabilities a host listing states per model (both sources carry them, except ``system_messages``,
#: which only LiteLLM lists, so its "absent" is never more than a warning).
HOST_FIELDS = ("function_calling", "vision", "system_messages", "max_output_tokens")
#: Bedrock ids: an optional region group, the vendor, the model, a ``-v1:0`` version.
_BEDROCK = re.compile(
    r"^(?:(?:us|eu|apac|global|jp|au|ca|us-gov)\.)?[a-z0-9-]+\.(?P<name>.+?)(?:-v\d+(?::\d+)?|:\d+)?$"
)
_BEDROCK_PROVIDERS = frozenset({"bedrock", "bedrock_converse", "oci"})
_FIELDS = (
    "function_calling", "parallel_tool_calls", "tool_choice", "vision", "audio_input",
    "system_messages", "reasoning", "reasoning_efforts", "structured_output",
    "max_input_tokens", "max_output_tokens", "chat_completions", "temperature",
)  # fmt: skip


def base_name(key: str, provider: str = "") -> str:
    """The model's own name in a dataset key: ``bedrock/us-east-1/moonshotai.kimi-k2.5`` -> ``kimi-k2.5``."""
    name = key.strip().lower().rsplit("/", 1)[-1]
    if provider in _BEDROCK_PROVIDERS or provider.startswith("bedrock"):
        match = _BEDROCK.match(name)
        if match:
            name = match.group("name")
    return name


# --- LiteLLM ----------------------------------------------------------------------------------


def _litellm_efforts(entry: Mapping[str, Any]) -> list[str] | None:
    levels = entry.get("reasoning_effort_levels")
    if isinstance(levels, list) and levels:
        return [str(v) for v in levels]
    flags = {
        level: entry[f"supports_{level}_reasoning_effort"]
        for level in _EFFORT_ORDER
        if isinstance(entry.get(f"supports_{level}_reasoning_effort"), bool)
    }
    if not flags or not entry.get("supports_reasoning"):
        return None  # the source does not know the set
    base = {"low": True, "medium": True, "high": True}
    return [level for level in _EFFORT_ORDER if flags.get(level, base.get(level, False))]


def _litellm_info(entry: Mapping[str, Any]) -> dict[str, Any]:
    modalities = entry.get("supported_modalities")
    audio = entry.get("supports_audio_input")
    if audio is None and isinstance(modalities, list):
        audio = "audio" in modalities
    vision = entry.get("supports_vision")
    if vision is None and isinstance(modalities, list):
        vision = "image" in modalities
    structured = entry.get("supports_response_schema")
    info: dict[str, Any] = {
        "function_calling": entry.get("supports_function_calling"),
        "parallel_tool_calls": entry.get("supports_parallel_function_calling"),
        "tool_choice": entry.get("supports_tool_choice"),
        "vision": vision,
        "audio_input": audio,
        "system_messages": entry.get("supports_system_messages"),
        "reasoning": entry.get("supports_reasoning"),
        "reasoning_efforts": _litellm_efforts(entry),
        "structured_output": structured,
        "max_input_tokens": _int(entry.get("max_input_tokens")),
        "max_output_tokens": _int(entry.get("max_output_tokens")),
        # LiteLLM's ``mode: responses``: served by the Responses API only ("This model is only supported
        # in v1/responses and not in v1/chat/completions."). Only ever False: absence is "unknown".
        "chat_completions": False if entry.get("mode") == "responses" else None,
        # LiteLLM's ``supports_sampling_params: false`` (session 15): the model takes no sampling
        # parameters, models.dev's ``temperature = false`` (the same fact; LiteLLM states it on Claude Opus
        # 4.7 and every later Claude model, where models.dev's flag stopped at Opus 4.8 and Sonnet 5).
        "temperature": False if entry.get("supports_sampling_params") is False else None,
    }
    return {k: v for k, v in info.items() if v is not None}


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return int(value)


def read_litellm(path: Path) -> dict[str, tuple[int, dict[str, Any], set[str]]]:
    """base name -> (rank, info of the best entry, providers serving it)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    best: dict[str, tuple[int, dict[str, Any], set[str]]] = {}
    for key, entry in data.items():
        if key == "sample_spec" or not isinstance(entry, dict) or entry.get("mode") not in CHAT_MODES:
            continue
        provider = str(entry.get("litellm_provider", ""))
        name = base_name(key, provider)
        # A key without a prefix is LiteLLM's entry for the vendor's own API.
        rank = (0 if "/" not in key else 1) if provider in LITELLM_FIRST_PARTY else 2
        info = _litellm_info(entry)
        if rank == 2:
            # A reseller's route may be Responses-only where the vendor serves chat (Perplexity's
            # ``perplexity/openai/gpt-5``): only the vendor's own entry says which endpoint serves it.
            info.pop("chat_completions", None)
        previous = best.get(name)
        providers = (previous[2] if previous else set()) | ({provider} if provider else set())
        if previous is None or rank < previous[0]:
            best[name] = (rank, info, providers)
        else:
            best[name] = (previous[0], previous[1], providers)
    return best


# --- models.dev -------------------------------------------------------------------------------


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _models_dev_info(model: Mapping[str, Any]) -> dict[str, Any]:
    modalities = model.get("modalities") or {}
    inputs = modalities.get("input") if isinstance(modalities, dict) else None
    limit = model.get("limit") or {}
    efforts: list[str] | None = None
    for option in model.get("reasoning_options") or ():
        if isinstance(option, dict) and option.get("type") == "effort" and option.get("values"):
            efforts = [str(v) for v in option["values"]]
    info: dict[str, Any] = {
        "function_calling": model.get("tool_call"),
        "vision": ("image" in inputs) if isinstance(inputs, list) else None,
        "audio_input": ("audio" in inputs) if isinstance(inputs, list) else None,
        "reasoning": model.get("reasoning"),
        "reasoning_efforts": efforts,
        "structured_output": model.get("structured_output"),
        "max_input_tokens": _int(limit.get("input") or limit.get("context")),
        "max_output_tokens": _int(limit.get("output")),
        # models.dev's ``temperature = false``: the model takes no sampling temperature (Claude Opus 4.7 on,
        # whose sampling parameters Anthropic removed; OpenAI's reasoning models). Its ``true`` is read too,
        # so that LiteLLM's ``supports_sampling_params: false`` against it is a disagreement (unknown, never
        # flagged); :func:`build` keeps only False (a model that takes one says nothing a rule reads).
        "temperature": model.get("temperature") if isinstance(model.get("temperature"), bool) else None,
    }
    return {k: v for k, v in info.items() if v is not None}


def _is_chat(model: Mapping[str, Any], name: str) -> bool:
    modalities = model.get("modalities") or {}
    outputs = modalities.get("output") if isinstance(modalities, dict) else None
    return (not isinstance(outputs, list) or "text" in outputs) and not _NOT_CHAT.search(name)


def read_models_dev(root: Path) -> dict[str, tuple[int, dict[str, Any], set[str]]]:
    """base name -> (rank, info of the best provider's file, providers serving it)."""
    best: dict[str, tuple[int, dict[str, Any], set[str]]] = {}
    providers_dir = root / "providers"
    for path in sorted(providers_dir.glob("*/models/**/*.toml")):
        provider = path.relative_to(providers_dir).parts[0]
        model = _toml(path)
        base_ref = model.get("base_model")
        if isinstance(base_ref, str):
            # Provider fields win over the shared model file (models.dev README).
            model = {**_toml(root / "models" / f"{base_ref}.toml"), **model}
        name = base_name(path.stem)
        if not model or not _is_chat(model, name):
            continue
        rank = MODELS_DEV_FIRST_PARTY.index(provider) if provider in MODELS_DEV_FIRST_PARTY else 99
        if _own_namespace(path, providers_dir):
            rank = min(rank, len(MODELS_DEV_FIRST_PARTY))
        previous = best.get(name)
        providers = (previous[2] if previous else set()) | {provider}
        if previous is None or rank < previous[0]:
            best[name] = (rank, _models_dev_info(model), providers)
        else:
            best[name] = (previous[0], previous[1], providers)
    return best


def _own_namespace(path: Path, providers_dir: Path) -> bool:
    """Whether a models.dev file is a provider's listing of its own model: filed under the provider's own
    name as the maker (``providers/groq/models/groq/compound.toml``: Groq's Compound systems, which only Groq
    serves), where the provider's other files are other makers' models (``groq/models/qwen/qwen3-32b``)."""
    parts = path.relative_to(providers_dir).parts
    return len(parts) > 3 and parts[2] == parts[0] and parts[0] not in _ROUTERS


def models_dev_makers(root: Path) -> dict[str, set[str]]:
    """base name -> the models.dev providers that list it as their own model (:func:`_own_namespace`)."""
    providers_dir = root / "providers"
    makers: dict[str, set[str]] = {}
    for path in sorted(providers_dir.glob("*/models/*/**/*.toml")):
        if _own_namespace(path, providers_dir):
            makers.setdefault(base_name(path.stem), set()).add(path.relative_to(providers_dir).parts[0])
    return makers


# --- merge ------------------------------------------------------------------------------------


def _effort_rank(value: str) -> tuple[int, str]:
    return (_EFFORT_ORDER.index(value) if value in _EFFORT_ORDER else len(_EFFORT_ORDER), value)


def merge(primary: Mapping[str, Any], secondary: Mapping[str, Any]) -> dict[str, Any]:
    """One model's capabilities from both sources (see the module docstring for the policy)."""
    merged: dict[str, Any] = {}
    for field in _FIELDS:
        a, b = primary.get(field), secondary.get(field)
        if field.startswith("max_"):
            value = max((v for v in (a, b) if v is not None), default=None)
        elif field == "reasoning_efforts":
            # Only values neither source lists are flagged: the union.
            union = set(a or ()) | set(b or ())
            value = sorted(union, key=_effort_rank) if union else None
        elif a is not None and b is not None and a != b:
            value = None  # the sources disagree: unknown, never flagged
        else:
            value = a if a is not None else b
        if value is not None:
            merged[field] = value
    return merged


def build(
    litellm: Mapping[str, tuple[int, dict[str, Any], set[str]]],
    models_dev: Mapping[str, tuple[int, dict[str, Any], set[str]]],
    record: dict[str, dict[str, Any] | None] | None = None,
    makers: Mapping[str, set[str]] | None = None,
) -> dict[str, dict[str, Any]]:
    """The merged entries with the vendor facts over them; ``record`` (when given) receives the datasets'
    entries under the facts (:func:`apply_vendor_facts`); ``makers``: the models a provider lists as its
    own (:func:`models_dev_makers`), whose listing is the vendor's for that model only."""
    models: dict[str, dict[str, Any]] = {}
    for name in sorted(set(litellm) | set(models_dev)):
        primary = litellm.get(name)
        secondary = models_dev.get(name)
        info = merge(primary[1] if primary else {}, secondary[1] if secondary else {})
        if info.get("temperature") is True:
            del info["temperature"]  # only the absence of a sampling temperature is a fact a rule reads
        if not info:
            continue
        # Only the vendors' own APIs: resellers number in the dozens and no rule reads them.
        serving = (primary[2] if primary else set()) | (secondary[2] if secondary else set())
        providers = sorted(
            (serving & (LITELLM_FIRST_PARTY | set(MODELS_DEV_FIRST_PARTY))) | (makers or {}).get(name, set())
        )
        models[name] = {"providers": providers, **info} if providers else info
    datasets = apply_vendor_facts(models)
    if record is not None:
        record.update(datasets)
    return _drop_dated_aliases(dict(sorted(models.items())))


def read_litellm_hosts(path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """LiteLLM's per-host listings: ``litellm_provider`` -> base name -> the host fields its entry states."""
    wanted = {pair[0] for pair in HOST_LISTINGS.values() if pair[0]}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
        provider = entry.get("litellm_provider") if isinstance(entry, dict) else None
        if provider not in wanted or entry.get("mode") not in CHAT_MODES:
            continue
        info = _litellm_info(entry)
        out.setdefault(provider, {})[base_name(key, provider)] = {
            k: info[k] for k in HOST_FIELDS if k in info
        }
    return out


def read_models_dev_hosts(root: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """models.dev's per-host listings: provider directory -> base name -> the host fields its file states."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for directory in sorted({pair[1] for pair in HOST_LISTINGS.values() if pair[1]}):
        for path in sorted((root / "providers" / directory).glob("models/**/*.toml")):
            model = _toml(path)
            base_ref = model.get("base_model")
            if isinstance(base_ref, str):
                model = {**_toml(root / "models" / f"{base_ref}.toml"), **model}
            name = base_name(path.stem)
            if not model or not _is_chat(model, name):
                continue
            info = _models_dev_info(model)
            out.setdefault(directory, {})[name] = {k: info[k] for k in HOST_FIELDS if k in info}
    return out


def host_fact(litellm: Mapping[str, Any] | None, models_dev: Mapping[str, Any] | None) -> dict[str, Any]:
    """One model on one host from the host's two listings (either may be None: not listed there).

    A capability either listing says is there is True (the host serves it; no rule flags it there). One
    both say is absent is False; one that one listing says is absent and the other does not state is False
    and named in ``single`` with the listing that says so (a warning). An output limit takes the larger
    value (a limit finding must be certain) and is ``single`` when one listing alone states it. ``from``
    names the listings read."""
    listed = {"LiteLLM": litellm, "models.dev": models_dev}
    fact: dict[str, Any] = {"from": [name for name, entry in listed.items() if entry is not None]}
    single: dict[str, str] = {}
    for field in HOST_FIELDS:
        said = {name: entry[field] for name, entry in listed.items() if entry is not None and field in entry}
        if not said:
            continue
        fact[field] = max(said.values()) if field.startswith("max_") else any(said.values())
        if len(said) == 1 and (field.startswith("max_") or not fact[field]):
            single[field] = next(iter(said))
    if single:
        fact["single"] = single
    return fact


def host_listings(
    litellm: Mapping[str, Mapping[str, Mapping[str, Any]]],
    models_dev: Mapping[str, Mapping[str, Mapping[str, Any]]],
    models: Mapping[str, Mapping[str, Any]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """The per-host layer: for each host of :data:`HOST_LISTINGS`, the models whose host facts differ from
    the model's own entry (the rest would only repeat it)."""
    hosts: dict[str, dict[str, dict[str, Any]]] = {}
    for host, (ll_id, md_id) in sorted(HOST_LISTINGS.items()):
        ll = litellm.get(ll_id or "", {})
        md = models_dev.get(md_id or "", {})
        for name in sorted(set(ll) | set(md)):
            fact = host_fact(ll.get(name), md.get(name))
            own = models.get(name, {})
            single = fact.get("single", {})
            # An absence both listings state is kept (the host's own fact: the rule's level there, not a
            # reseller's warning); one listing's absence only where the model's entry does not already say
            # so (it would only weaken the model's fact); a presence only where the model's entry says
            # absent; a limit only below the model's own (a host caps `max_tokens`, it cannot make the model
            # write more; reseller entries sometimes give the context window there: LiteLLM's
            # deepinfra/google/gemini-2.5-flash says 1000000).
            stated = {
                k: v
                for k, v in fact.items()
                if k in HOST_FIELDS
                and (
                    (v is False and (k not in single or own.get(k) is not False))
                    or (v is True and own.get(k) is False)
                    or (k.startswith("max_") and (own.get(k) is None or v < own[k]))
                )
            }
            if stated:
                kept = {k: v for k, v in single.items() if k in stated}
                hosts.setdefault(host, {})[name] = {
                    **stated,
                    "from": fact["from"],
                    **({"single": kept} if kept else {}),
                }
    return hosts


def host_facts(
    facts: Mapping[str, Mapping[str, Mapping[str, Any]]] = HOST_FACTS,
) -> dict[str, dict[str, dict[str, Any]]]:
    """The hand-written part of the snapshot's ``hosts`` block: :data:`HOST_FACTS`, each entry the fields
    it states and ``fact`` (:data:`FACT_KEY`): which fields those are and their sources."""
    return {
        host: {
            name: {
                **{k: fact[k] for k in _FIELDS if k in fact},
                FACT_KEY: {
                    "fields": [k for k in _FIELDS if k in fact],
                    "from": list(_as_list(fact["source"])),
                },
            }
            for name, fact in sorted(models.items())
        }
        for host, models in sorted(facts.items())
    }


#: The key of a hosts-block entry that records what a hand-written fact (:data:`HOST_FACTS`) set over the
#: host's listings: ``fields`` (the capabilities the fact states), ``from`` (its sources, URLs) and,
#: where the listings also stated a field the fact states, ``listed`` (their values) and ``listed_single`` (the
#: listing that alone stated one), so ``--facts-only`` can take the fact out again and re-apply it.
FACT_KEY = "fact"


def _hand_written(fact: Mapping[str, Any]) -> bool:
    """A hosts-block entry written by an older generator from :data:`HOST_FACTS` alone (its ``from`` are
    URLs, a listing's are source names, and it has no :data:`FACT_KEY`): read back as no listing entry."""
    return FACT_KEY not in fact and any(str(v).startswith("http") for v in fact.get("from", ()))


def _as_list(value: str | Iterable[str]) -> Iterable[str]:
    return [value] if isinstance(value, str) else value


def _ordered(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A hosts-block entry's keys in one order: the capabilities, then ``from``, ``single``, ``fact``."""
    return {k: entry[k] for k in (*_FIELDS, "from", "single", FACT_KEY) if k in entry}


def merge_host_fact(listed: Mapping[str, Any] | None, fact: Mapping[str, Any]) -> dict[str, Any]:
    """One hand-written fact (a :func:`host_facts` entry) over the listings' entry for the same model on
    the same host, per field: the fact sets the fields it states and only those; the listings' other
    fields, their ``from`` and their ``single`` for fields the fact leaves alone are kept. A value the listings
    gave for a field the fact states is kept under ``fact.listed`` (and its ``single`` under ``fact.listed_single``)."""
    out = dict(listed or {})
    record = dict(fact[FACT_KEY])
    fields = list(record["fields"])
    replaced = {k: out[k] for k in fields if k in out}
    single = dict(out.get("single", {}))
    dropped = {k: single.pop(k) for k in fields if k in single}
    out.update({k: fact[k] for k in fields})
    if single:
        out["single"] = single
    else:
        out.pop("single", None)
    if replaced:
        record["listed"] = replaced
    if dropped:
        record["listed_single"] = dropped
    out[FACT_KEY] = record
    return _ordered(out)


def strip_host_fact(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """The listings' entry a :func:`merge_host_fact` result was made from (None: the listings had none)."""
    record = entry.get(FACT_KEY)
    if record is None:
        return None if _hand_written(entry) else dict(entry)
    out = {k: v for k, v in entry.items() if k != FACT_KEY and k not in record["fields"]}
    out.update(record.get("listed", {}))
    single = {**entry.get("single", {}), **record.get("listed_single", {})}
    if single:
        out["single"] = single
    return _ordered(out) if any(k in out for k in _FIELDS) else None


def listings_of(
    hosts: Mapping[str, Mapping[str, Mapping[str, Any]]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """A snapshot's hosts block with every hand-written fact taken out (:func:`strip_host_fact`): what the
    listings alone gave, to merge :data:`HOST_FACTS` into again (``--facts-only``)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for host, models in hosts.items():
        for name, entry in models.items():
            kept = strip_host_fact(entry)
            if kept is not None:
                out.setdefault(host, {})[name] = kept
    return out


def with_host_facts(
    hosts: Mapping[str, Mapping[str, Mapping[str, Any]]], facts: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """The hosts block with the hand-written facts (:func:`host_facts`) merged per field into the listings'
    entry for the same model on the same host (:func:`merge_host_fact`): a fact there is the host's own
    word about that field, read where the listings erred or were silent; the listings' other fields stay."""
    out = {host: dict(models) for host, models in hosts.items()}
    for host, models in facts.items():
        for name, fact in models.items():
            out.setdefault(host, {})[name] = merge_host_fact(out.get(host, {}).get(name), fact)
    return {host: dict(sorted(models.items())) for host, models in sorted(out.items())}


def apply_vendor_facts(
    models: dict[str, dict[str, Any]], facts: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, dict[str, Any] | None]:
    """Overlay :data:`VENDOR_FACTS` (their ``source`` is documentation, not data). A fact about a model holds
    for its dated snapshots in the map too (``gpt-5-pro-2025-10-06`` takes high effort only, like
    ``gpt-5-pro``): left with the dataset's values, the dated entry would contradict the fact.

    Returns what was under the facts: each changed entry as it was before (``None`` where a fact made
    it), which the snapshot records so that ``--facts-only`` can take a fact out again."""
    before: dict[str, dict[str, Any] | None] = {}
    for name, fact in (VENDOR_FACTS if facts is None else facts).items():
        if "same_as" in fact and fact["same_as"] not in models:
            continue  # the datasets carry no such model (a partial run): nothing to name after it
        dated = [key for key in models if (found := _DATED.match(key)) and found.group("base") == name]
        for key in (name, *dated):
            before.setdefault(key, dict(models[key]) if key in models else None)
            entry = dict(models.get(key, {}))
            if "same_as" in fact:  # the one model the name names: its facts, not its vendors
                entry = {k: v for k, v in models[fact["same_as"]].items() if k != "providers"} | entry
            entry.update({k: v for k, v in fact.items() if k not in ("source", "same_as")})
            models[key] = {k: entry[k] for k in ("providers", *_FIELDS) if k in entry}
    return dict(sorted(before.items()))


def reapply_vendor_facts(data: dict[str, Any], facts: Mapping[str, Mapping[str, Any]] | None = None) -> bool:
    """``--facts-only``'s vendor half, in place on a snapshot: the datasets' entries recorded under the
    previous facts put back, the facts applied again and the dated aliases that then repeat their base
    dropped, as a full run does. False (and the facts only laid over the entries as they are) for a
    snapshot without the record."""
    meta = data["_meta"]
    recorded = meta.get("vendor_fact_datasets")
    if recorded is None:
        apply_vendor_facts(data["models"], facts)
        return False
    models = dict(data["models"])
    for key, entry in recorded.items():
        if entry is None:
            models.pop(key, None)
        else:  # in the entries' field order (the record is written with its keys sorted)
            models[key] = {k: entry[k] for k in ("providers", *_FIELDS) if k in entry}
    meta["vendor_fact_datasets"] = apply_vendor_facts(models, facts)
    data["models"] = _drop_dated_aliases(dict(sorted(models.items())))
    return True


_DATED = re.compile(r"^(?P<base>.+?)-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")


def vendor_facts_record(facts: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """The snapshot's ``_meta.vendor_facts``: for each :data:`VENDOR_FACTS` entry, the fields it sets over
    the datasets' merged entry (the others are the datasets') and its sources. ``providers`` is not a
    capability: a fact naming the vendor says whose word it is."""
    return {
        name: {
            "fields": [k for k in ("providers", *_FIELDS) if k in fact],
            "from": list(_as_list(fact["source"])),
            # The entry whose facts the name's are (the others, not in ``fields``, are that entry's).
            **({"same_as": fact["same_as"]} if "same_as" in fact else {}),
        }
        for name, fact in sorted((VENDOR_FACTS if facts is None else facts).items())
    }


def _drop_dated_aliases(models: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``gpt-4o-2024-08-06`` is dropped when it says the same as ``gpt-4o``: the lookup strips
    date suffixes, so the alias would only repeat the base entry."""
    kept: dict[str, dict[str, Any]] = {}
    for name, info in models.items():
        match = _DATED.match(name)
        base = models.get(match.group("base")) if match else None
        if base is not None and _same(base, info):
            continue
        kept[name] = info
    return kept


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether dated entry ``b`` says what base entry ``a`` says. ``temperature`` comes from models.dev
    alone, which seldom files the dated ids: a base that states it and an alias that does not still agree
    (the lookup reaches the base through the date step, fact included)."""
    return {k: v for k, v in a.items() if k != "providers" and (k != "temperature" or k in b)} == {
        k: v for k, v in b.items() if k != "providers"
    }


def snapshot(
    litellm_path: Path | None,
    models_dev_path: Path | None,
    litellm_ref: str,
    models_dev_ref: str,
    generated: str,
) -> dict[str, Any]:
    sources: list[dict[str, str]] = []
    if litellm_path is not None:
        sources.append(
            {"name": "LiteLLM model map", "url": LITELLM_URL, "ref": litellm_ref, "role": "primary"}
        )
    if models_dev_path is not None:
        sources.append(
            {"name": "models.dev", "url": MODELS_DEV_URL, "ref": models_dev_ref, "role": "secondary"}
        )
    datasets: dict[str, dict[str, Any] | None] = {}
    models = build(
        read_litellm(litellm_path) if litellm_path else {},
        read_models_dev(models_dev_path) if models_dev_path else {},
        datasets,
        models_dev_makers(models_dev_path) if models_dev_path else {},
    )
    listed = host_listings(
        read_litellm_hosts(litellm_path) if litellm_path else {},
        read_models_dev_hosts(models_dev_path) if models_dev_path else {},
        models,
    )
    return {
        "_meta": {
            "sources": sources,
            "generated": generated,
            "generator": "scripts/refresh_catalog.py",
            "models": len(models),
            # Which listing of each source the hosts block read per host (the sources' refs above).
            "host_listings": {
                host: {name: ref for name, ref in (("LiteLLM", ll), ("models.dev", md)) if ref}
                for host, (ll, md) in sorted(HOST_LISTINGS.items())
            },
            # Which fields of which model entries a hand-written vendor fact set, and its sources (the
            # hosts block records its own under each entry's ``fact``).
            "vendor_facts": vendor_facts_record(),
            # The datasets' entries under those facts, for --facts-only to put back (reapply_vendor_facts).
            "vendor_fact_datasets": datasets,
        },
        "models": models,
        "hosts": with_host_facts(listed, host_facts()),
    }


def dump(data: Mapping[str, Any]) -> str:
    """One model a line: small diffs when a refresh changes a few models."""
    lines = ["{", f' "_meta": {json.dumps(data["_meta"], sort_keys=True)},', ' "models": {']
    items = list(data["models"].items())
    for i, (name, info) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(name)}: {json.dumps(info, separators=(',', ':'))}{comma}")
    hosts = data.get("hosts")
    if not hosts:
        return "\n".join([*lines, " }", "}", ""])
    lines += [" },", ' "hosts": {']
    for h, (host, models) in enumerate(sorted(hosts.items())):
        lines.append(f"  {json.dumps(host)}: {{")
        entries = sorted(models.items())
        for i, (name, fact) in enumerate(entries):
            comma = "," if i < len(entries) - 1 else ""
            lines.append(f"   {json.dumps(name)}: {json.dumps(fact, separators=(',', ':'))}{comma}")
        lines.append("  }," if h < len(hosts) - 1 else "  }")
    return "\n".join([*lines, " }", "}", ""])


# --- Bedrock's Converse feature table -----------------------------------------------------------
# AWS's "Supported models and model features" table for the Converse API says, per Bedrock model,
# whether Converse takes system prompts, document chat, vision, tool use and streaming tool use. It is
# where Bedrock's own refusals come from ("This model doesn't support tool use."), and it differs from
# the model's capabilities elsewhere (Llama 3 Instruct calls tools on other hosts, not on Converse), so it
# is shipped beside the catalog (``data/bedrock_converse.json``) instead of merged into it.
BEDROCK_TABLE_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html"
BEDROCK_OUT = OUT.with_name("bedrock_converse.json")
#: The table's columns after "Model", in its order (the last two are not read).
BEDROCK_COLUMNS = (
    "converse",
    "converse_stream",
    "system_prompts",
    "document_chat",
    "vision",
    "tool_use",
    "streaming_tool_use",
)
#: Each table row's Bedrock model ids: a regex over the id without its region prefix or ARN
#: (``deepseek.r1-v1:0`` for ``arn:aws:bedrock:...:inference-profile/us.deepseek.r1-v1:0``). A row the
#: script meets that is not here is reported and skipped, never guessed.
BEDROCK_ROW_IDS: dict[str, str] = {
    "AI21 Jamba-Instruct": r"ai21\.jamba-instruct",
    "AI21 Labs Jurassic-2 (Text)": r"ai21\.j2-",
    "AI21 Labs Jamba 1.5 Large": r"ai21\.jamba-1-5-large",
    "AI21 Labs Jamba 1.5 Mini": r"ai21\.jamba-1-5-mini",
    "Amazon Nova Premier": r"amazon\.nova-premier",
    "Amazon Nova Pro": r"amazon\.nova-pro",
    "Amazon Nova Lite": r"amazon\.nova-lite",
    "Amazon Nova Micro": r"amazon\.nova-micro",
    "Amazon Titan models": r"amazon\.titan-(?:text|tg1)",
    "Anthropic Claude 2.x and earlier models": r"anthropic\.claude-(?:v2|instant)",
    "Anthropic Claude 3 models": r"anthropic\.claude-3-(?:haiku|sonnet|opus)-",
    "Anthropic Claude 3.5 Sonnet": r"anthropic\.claude-3-5-sonnet-20240620",
    "Anthropic Claude 3.5 Sonnet v2": r"anthropic\.claude-3-5-sonnet-20241022",
    "Anthropic Claude 3.7 Sonnet": r"anthropic\.claude-3-7-sonnet",
    "Anthropic Claude 3.5 Haiku": r"anthropic\.claude-3-5-haiku",
    "Anthropic Claude Sonnet 4": r"anthropic\.claude-sonnet-4-2",
    "Anthropic Claude Opus 4": r"anthropic\.claude-opus-4-2",
    "Anthropic Claude Opus 4.1": r"anthropic\.claude-opus-4-1",
    "Cohere Command": r"cohere\.command-text",
    "Cohere Command Light": r"cohere\.command-light-text",
}
#: Facts the table did not give when it was read, each from a public thread quoting Bedrock's refusal
#: (tool use only; the other columns stay unknown). Applied over the table's rows.
BEDROCK_THREAD_FACTS: tuple[dict[str, Any], ...] = (
    {
        "label": "DeepSeek-R1",
        "ids": r"deepseek\.r1",
        "tool_use": False,
        "streaming_tool_use": False,
        "source": "https://github.com/danny-avila/LibreChat/issues/6351",
        "note": 'us.deepseek.r1-v1:0 with an agent tool: "This model doesn\'t support tool use in streaming mode"; '
        'langchain-ai/langchain-aws#688: "DeepSeek-R1 does not support tools" on ChatBedrockConverse',
    },
    {
        "label": "Meta Llama 3 Instruct (8B, 70B)",
        "ids": r"meta\.llama3-(?:8b|70b)-instruct",
        "tool_use": False,
        "source": "https://github.com/langchain-ai/langchain-aws/issues/175",
        "note": 'meta.llama3-8b-instruct-v1:0: "This model doesn\'t support tool use."',
    },
    {
        "label": "Meta Llama 3.2 1B, 3B, 11B Instruct",
        "ids": r"meta\.llama3-2-(?:1b|3b|11b)-instruct",
        "tool_use": False,
        "source": "https://github.com/epam/ai-dial-adapter-bedrock/issues/181",
        "note": '"Converse return 400 with `tools not supported` for small llama 3.2 models (1B, 3B, 11B)"',
    },
)


def _bedrock_cell(text: str) -> bool | None:
    """A table cell as a fact: "Yes" / "Yes (except ...)" is True, "No" and "Limited. No chat support." False."""
    cell = text.strip().lower()
    if cell.startswith("yes"):
        return True
    if cell.startswith(("no", "limited")):
        return False
    return None


def read_bedrock_table(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of AWS's table saved as text (``Model | Converse | ... |`` lines, as the page renders
    it) and the labels the script has no ids for."""
    rows: list[dict[str, Any]] = []
    unknown: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 1 + len(BEDROCK_COLUMNS) or cells[0] in ("Model", "") or set(cells[0]) <= {"-"}:
            continue
        label = cells[0]
        if label not in BEDROCK_ROW_IDS:
            unknown.append(label)
            continue
        row: dict[str, Any] = {"label": label, "ids": BEDROCK_ROW_IDS[label]}
        for column, cell in zip(BEDROCK_COLUMNS, cells[1:], strict=False):
            row[column] = _bedrock_cell(cell)
        row["source"] = BEDROCK_TABLE_URL
        rows.append(row)
    return rows, unknown


def bedrock_snapshot(path: Path, ref: str, date: str) -> dict[str, Any]:
    """``data/bedrock_converse.json``: the table's rows, then the threads' facts (first match wins at lookup,
    so the thread rows, more specific, come first)."""
    rows, unknown = read_bedrock_table(path)
    for label in unknown:
        print(f"bedrock table: no model ids known for row {label!r}; skipped", file=sys.stderr)
    return {
        "_meta": {
            "sources": [
                {
                    "name": "AWS Bedrock: Supported models and model features (Converse)",
                    "url": BEDROCK_TABLE_URL,
                    "ref": ref,
                },
                *({"name": fact["label"], "url": fact["source"]} for fact in BEDROCK_THREAD_FACTS),
            ],
            "generated": date,
            "generator": "scripts/refresh_catalog.py --bedrock-table",
            "columns": list(BEDROCK_COLUMNS),
        },
        "models": [*(dict(f) for f in BEDROCK_THREAD_FACTS), *rows],
    }


# --- Ollama's library capability tags -----------------------------------------------------------
OLLAMA_LIBRARY_URL = "https://ollama.com/library"
OLLAMA_OUT = OUT.with_name("ollama_library.json")
#: The capability tags ollama.com and ``ollama show`` print (``completion`` is implied and dropped).
OLLAMA_TAGS = frozenset({"tools", "vision", "thinking", "embedding", "insert", "audio"})


def ollama_snapshot(path: Path, ref: str, date: str) -> dict[str, Any]:
    """``data/ollama_library.json`` from a saved JSON file ``{"name": {"capabilities": [...], "source": url,
    "note": ...}}`` (what the library pages, or ``ollama show``'s Capabilities, list per library model).
    Unknown tags are refused, so a typo never becomes a missing capability."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    models: dict[str, dict[str, Any]] = {}
    for name, entry in sorted(saved.items()):
        tags = [t for t in entry["capabilities"] if t != "completion"]
        unknown = set(tags) - OLLAMA_TAGS
        if unknown:
            raise ValueError(f"{name}: unknown capability tags {sorted(unknown)}")
        models[name.lower()] = {
            "capabilities": tags,
            "source": entry.get("source", f"{OLLAMA_LIBRARY_URL}/{name}"),
        }
        if entry.get("note"):
            models[name.lower()]["note"] = entry["note"]
    return {
        "_meta": {
            "generated": date,
            "generator": "scripts/refresh_catalog.py --ollama-library",
            "sources": [
                {"name": "Ollama library pages (capability tags)", "url": OLLAMA_LIBRARY_URL, "ref": ref}
            ],
        },
        "models": models,
    }


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--litellm", type=Path, help="LiteLLM's model_prices_and_context_window.json")
    parser.add_argument("--litellm-ref", default="", help="its commit or release, recorded in _meta")
    parser.add_argument("--models-dev", type=Path, help="a models.dev checkout (providers/, models/)")
    parser.add_argument("--models-dev-ref", default="", help="its commit and date, recorded in _meta")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="generated date (default today)")
    parser.add_argument(
        "--facts-only",
        action="store_true",
        help="re-apply VENDOR_FACTS and HOST_FACTS to the snapshot at --out (offline)",
    )
    parser.add_argument(
        "--bedrock-table", type=Path, help="AWS's Converse feature table saved as text (offline)"
    )
    parser.add_argument("--bedrock-ref", default="", help="when the table was read, recorded in _meta")
    parser.add_argument("--bedrock-out", type=Path, default=BEDROCK_OUT)
    parser.add_argument(
        "--ollama-library", type=Path, help="Ollama library capability tags saved as JSON (offline)"
    )
    parser.add_argument(
        "--ollama-ref", default="", help="when the library pages were read, recorded in _meta"
    )
    parser.add_argument("--ollama-out", type=Path, default=OLLAMA_OUT)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.ollama_library is not None:
        library = ollama_snapshot(args.ollama_library, args.ollama_ref, args.date)
        args.ollama_out.write_text(json.dumps(library, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{args.ollama_out}: {len(library['models'])} models", file=sys.stderr)
        if args.litellm is None and args.models_dev is None and args.bedrock_table is None:
            return 0
    if args.bedrock_table is not None:
        table = bedrock_snapshot(args.bedrock_table, args.bedrock_ref, args.date)
        args.bedrock_out.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{args.bedrock_out}: {len(table['models'])} rows", file=sys.stderr)
        if args.litellm is None and args.models_dev is None:
            return 0
    if args.facts_only:
        data = json.loads(args.out.read_text(encoding="utf-8"))
        if not reapply_vendor_facts(data):
            print(
                f"{args.out}: no record of the datasets' entries under the vendor facts (written before "
                "_meta.vendor_fact_datasets): the facts are laid over the entries as they are, so a fact "
                "taken out of VENDOR_FACTS stays until a full run over the sources",
                file=sys.stderr,
            )
        data["_meta"]["models"] = len(data["models"])
        data["_meta"]["vendor_facts"] = vendor_facts_record()
        data["hosts"] = with_host_facts(listings_of(data.get("hosts", {})), host_facts())
        args.out.write_text(dump(data), encoding="utf-8")
        print(
            f"{args.out}: vendor facts ({len(VENDOR_FACTS)}) and host facts "
            f"({sum(len(m) for m in HOST_FACTS.values())}) re-applied",
            file=sys.stderr,
        )
        return 0
    if args.litellm is None and args.models_dev is None:
        parser.error("give --litellm and/or --models-dev")
    data = snapshot(args.litellm, args.models_dev, args.litellm_ref, args.models_dev_ref, args.date)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump(data), encoding="utf-8")
    print(f"{args.out}: {data['_meta']['models']} models", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
