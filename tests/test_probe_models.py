"""The model probes: real model-capability rejections, each file gathered after the rules it measures
were written and scored before any change made from it.

- probe-models-8: self-hosted servers, Bedrock and gateways (catalog8);
- probe-models-9: system role, tools, vision, thinking, sampling and JSON mode on first-party APIs,
  gateways and Bedrock (models9);
- probe-hosts-9: tools and images refused by the host that serves the model (DeepInfra, Fireworks,
  OpenRouter's ``:free`` routes, Groq), measuring the catalog's per-host layer (hosts9).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus import CORPUS_DIR, read_jsonl
from support.probes import assert_corpus_shape, assert_no_rule_or_source_cites, assert_unseen, rows_of

ROOT = Path(__file__).resolve().parent.parent
#: (file, row id prefix, least rows).
PROBES = (
    ("probe-models-8.jsonl", "probe-m8-", 25),
    ("probe-models-9.jsonl", "probe-m9-", 25),
    ("probe-hosts-9.jsonl", "probe-h9-", 4),
    # Groq's reasoning_effort refusals, gathered after the Groq host facts were written (session 10).
    ("probe-catalog-10.jsonl", "probe-c10-", 2),
    # Session 11: reasoning efforts, sampling, images, tools, output limits and thinking budgets on
    # 2025-2026 models (gpt-5.x, DeepSeek V4, GLM 5.2 on Ollama Cloud), gathered before its changes.
    ("probe-models-11.jsonl", "probe-m11-", 15),
    # Session 12: Claude Sonnet 5 / 4.6 sampling with and without thinking, Kimi K2.5's fixed temperature,
    # gpt-5.x-codex efforts (OpenAI, Copilot), o3's stop and max_tokens, Gemini 3.1 budget 0, DeepSeek V4's
    # forced tool_choice, gathered and scored before its changes.
    ("probe-models-12.jsonl", "probe-m12-", 15),
    # Session 13: 2026 models (Kimi K2.6, MiniMax-M2.7, GLM-4.7, qwen3.7-max, grok-4.5, gpt-5.2, Claude 4.5-4.7
    # effort and 4.6 prefills, Gemini 2.5 Flash-Lite logprobs, functiongemma), scored before its changes.
    ("probe-models-13.jsonl", "probe-m13-", 15),
    # Session 14: 2026 models (MiMo V2.5 Pro, GLM-5, Kimi K2.6 and K3, gpt-5.x efforts and sampling, gpt-5.6-sol,
    # Gemini 2.x-3.x thinking fields, Qwen max_tokens ranges, Claude Haiku 4.5 effort, Sonnet 4.6/5 prefills),
    # scored before its changes.
    ("probe-models-14.jsonl", "probe-m14-", 20),
    # Session 15: 2026 models (temperature on Claude Opus 4.7+ and Claude 5, efforts on new models and hosts,
    # DeepSeek V4.x thinking), gathered and scored before its changes (docs/accuracy.md, forty-ninth pass).
    ("probe-models-15.jsonl", "probe-m15-", 15),
    # Session 16: late-2026 models (gpt-6 Astra/Luna and gpt-5.6 on OpenAI, Azure, Copilot, Codex and a relay, Kimi
    # K3, Gemini 3.7 Flash, Claude Opus 4.5/4.6 limits and prefill, MiniMax M2.1 on Bailian, DeepSeek V4 Flash images
    # through a gateway), gathered and scored before its changes (docs/accuracy.md, session 16).
    ("probe-models-16.jsonl", "probe-m16-", 15),
    # Session 17: late-2026 models and hosted providers (gpt-5.6 Terra tools on Azure, Kimi K3/K2.6/K2.7 Code
    # temperature on Moonshot and OpenCode Go, Claude Sonnet 5 through a relay,
    # Mistral Medium 3.5, DeepSeek V4 Flash limits through OpenCode Go, Copilot's gpt-5.4 and Claude 4.5),
    # gathered and scored before its changes (docs/accuracy.md, session 17).
    ("probe-models-17.jsonl", "probe-m17-", 14),
    # Session 18: late-2026 models and hosted providers (gpt-5.6 Terra/Luna tools, Kimi K2.7 Code and GLM-5.3
    # thinking switches on Kimi Code and OpenCode Go, DeepSeek V4 Flash's forced tool_choice, Claude Opus 4.8 and
    # Opus 5 temperature on Bedrock, gpt-6-astra tool-result images on Converse, Gemma 4 thinking budgets,
    # Magistral's prompt mode, Cerebras efforts), gathered and scored before its changes (docs/accuracy.md, session 18).
    ("probe-models-18.jsonl", "probe-m18-", 14),
    # Session 19: late-2026 models and hosted providers (Grok 4.1 Fast and Grok Code Fast efforts on xAI, Kimi K2.7
    # Code highspeed thinking off on Moonshot, Claude Opus 4.7 thinking.type.enabled direct and through LiteLLM, MiniMax
    # M2.7 temperature on Fireworks, Haiku 4.5 effort on Bedrock, DeepSeek V4 Flash images through OpenCode Go, Copilot's
    # gpt-5.4 on chat completions, Qwen2.5-Coder tools on Hugging Face, an Ollama model without thinking), gathered
    # and scored before its changes (docs/accuracy.md, session 19).
    ("probe-models-19.jsonl", "probe-m19-", 11),
)
#: Rows of another probe file collected in the same session, in parallel, from the same thread: each file
#: was scored untouched before the other existed, and neither branch wrote a rule from it.
PARALLEL: dict[str, set[str]] = {
    # Provider probe round 13 (branch provider16): DeepSeek V4.1 refusing a top-level `thinking` object.
    "probe-models-15.jsonl": {"probe16-deepseek-v4-1-top-level-thinking"},
}


@pytest.mark.parametrize(("name", "prefix", "least"), PROBES)
def test_probe_rows_have_the_corpus_shape_and_new_threads(name: str, prefix: str, least: int) -> None:
    rows = read_jsonl(CORPUS_DIR / name)
    assert_corpus_shape(rows, least=least, classes={"model"}, request_optional=True)
    assert all(row["id"].startswith(prefix) for row in rows)
    # Only the probe's own ids are reported: printing corpus threads would show held-out ones.
    assert_unseen(
        rows,
        # The cause probe's rows (``source`` alone) measure text recognition, not rules: sharing a
        # thread with them taints neither (docs/accuracy.md, the fifteenth pass).
        [
            r
            for r in rows_of(CORPUS_DIR.glob("probe-*.jsonl"))
            if isinstance(r.get("thread"), str) and r not in rows and r["id"] not in PARALLEL.get(name, set())
        ],
        texts=False,
    )


@pytest.mark.parametrize(("name", "prefix", "least"), PROBES)
def test_no_rule_or_data_source_is_a_probe_thread(name: str, prefix: str, least: int) -> None:
    assert_no_rule_or_source_cites(read_jsonl(CORPUS_DIR / name))
