"""probe-models-8: real model-capability rejections from self-hosted servers, Bedrock and gateways,
gathered after catalog8's rules were written and scored before any change made from them."""

from __future__ import annotations

from support.corpus import APIS, BODY_KINDS, CORPUS_DIR, FAILURE_FIELDS, load_failures, read_jsonl, thread_key

from toolguard_core.catalog import bedrock_meta, ollama_library_meta
from toolguard_core.rules import RULES

PROBE = CORPUS_DIR / "probe-models-8.jsonl"


def test_probe_rows_have_the_corpus_shape_and_new_threads() -> None:
    rows = read_jsonl(PROBE)
    assert len(rows) >= 25
    for row in rows:
        assert tuple(row) == FAILURE_FIELDS, row["id"]
        assert row["split"] == "probe" and row["api"] in APIS and row["body_kind"] in BODY_KINDS
        assert row["class"] == "model" and row["id"].startswith("probe-m8-")
        assert row["thread"].startswith("https://") and row["source"] == row["thread"]
    threads = [thread_key(r["thread"]) for r in rows]
    assert len(set(threads)) == len(threads)
    corpus = {thread_key(r["thread"]) for r in load_failures()}
    others = {
        thread_key(r["thread"])
        for path in CORPUS_DIR.glob("probe-*.jsonl")
        if path != PROBE
        for r in read_jsonl(path)
        if isinstance(r.get("thread"), str)
    }
    # Only the probe's own ids are reported: printing corpus threads would show held-out ones.
    assert [r["id"] for r in rows if thread_key(r["thread"]) in corpus | others] == []


def test_no_rule_or_data_source_is_a_probe_thread() -> None:
    probe = {thread_key(r["thread"]) for r in read_jsonl(PROBE)}
    cited = {
        thread_key(p.source) for rule in RULES.values() for p in rule.predicts if p.source.startswith("http")
    }
    data = {thread_key(s["url"]) for meta in (bedrock_meta(), ollama_library_meta()) for s in meta["sources"]}
    assert sorted(probe & (cited | data)) == []
