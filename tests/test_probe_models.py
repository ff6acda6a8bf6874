"""The model probes: real model-capability rejections, each file gathered after the rules it measures
were written and scored before any change made from it.

- probe-models-8: self-hosted servers, Bedrock and gateways (catalog8);
- probe-models-9: system role, tools, vision, thinking, sampling and JSON mode on first-party APIs,
  gateways and Bedrock (models9).
"""

from __future__ import annotations

import pytest
from support.corpus import CORPUS_DIR, read_jsonl, thread_key
from support.probes import assert_corpus_shape, assert_unseen, rows_of

from toolguard_core.catalog import bedrock_meta, ollama_library_meta
from toolguard_core.rules import RULES

#: (file, row id prefix).
PROBES = (("probe-models-8.jsonl", "probe-m8-"), ("probe-models-9.jsonl", "probe-m9-"))


@pytest.mark.parametrize(("name", "prefix"), PROBES)
def test_probe_rows_have_the_corpus_shape_and_new_threads(name: str, prefix: str) -> None:
    rows = read_jsonl(CORPUS_DIR / name)
    assert_corpus_shape(rows, least=25, classes={"model"}, request_optional=True)
    assert all(row["id"].startswith(prefix) for row in rows)
    # Only the probe's own ids are reported: printing corpus threads would show held-out ones.
    assert_unseen(
        rows,
        # The cause probe's rows (``source`` alone) measure text recognition, not rules: sharing a
        # thread with them taints neither (docs/accuracy.md, the fifteenth pass).
        [
            r
            for r in rows_of(CORPUS_DIR.glob("probe-*.jsonl"))
            if isinstance(r.get("thread"), str) and r not in rows
        ],
        texts=False,
    )


@pytest.mark.parametrize(("name", "prefix"), PROBES)
def test_no_rule_or_data_source_is_a_probe_thread(name: str, prefix: str) -> None:
    probe = {thread_key(r["thread"]) for r in read_jsonl(CORPUS_DIR / name)}
    cited = {
        thread_key(p.source) for rule in RULES.values() for p in rule.predicts if p.source.startswith("http")
    }
    data = {thread_key(s["url"]) for meta in (bedrock_meta(), ollama_library_meta()) for s in meta["sources"]}
    assert sorted(probe & (cited | data)) == []
