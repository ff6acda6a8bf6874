"""The fifth model/spec probe set (issue 9, round 7): real spec-violation and model-capability failures
quoted in public threads, none in ``failures-*.jsonl`` or any other probe file by thread or by error text,
scored by ``scripts/eval_rules.py --probe-file`` before the round's rules changed (docs/accuracy.md,
eighteenth pass). Only probe ids are reported: printing corpus threads would show held-out ones."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import eval_rules
from support.corpus import (
    APIS,
    BODY_KINDS,
    CORPUS_DIR,
    FAILURE_FIELDS,
    FIDELITIES,
    load_failures,
    read_jsonl,
    thread_key,
)

PROBE = CORPUS_DIR / "probe-rules-5.jsonl"
OTHERS = tuple(p for p in sorted(CORPUS_DIR.glob("probe-*.jsonl")) if p != PROBE)
ROWS = read_jsonl(PROBE)


def test_probe_rows_have_the_corpus_shape() -> None:
    assert len(ROWS) >= 40
    for row in ROWS:
        assert tuple(row) == FAILURE_FIELDS, row["id"]
        assert row["split"] == "probe" and row["api"] in APIS and row["body_kind"] in BODY_KINDS
        assert row["thread"].startswith("https://") and row["source"] == row["thread"], row["id"]
        assert row["class"] in {"spec", "model"} and row["root_cause"] and row["body"], row["id"]
        assert row["request"] is not None and row["request_fidelity"] in FIDELITIES, row["id"]


def test_probe_threads_and_texts_are_new_and_distinct() -> None:
    others = [row for path in OTHERS for row in read_jsonl(path)]
    seen_threads = {thread_key(r.get("thread") or r.get("source") or "") for r in [*load_failures(), *others]}
    seen_texts = {eval_rules._text(r.get("body")) for r in [*load_failures(), *others]}
    threads = [thread_key(r["thread"]) for r in ROWS]
    assert len(set(threads)) == len(threads)
    assert [r["id"] for r in ROWS if thread_key(r["thread"]) in seen_threads] == []
    assert [r["id"] for r in ROWS if eval_rules._text(r["body"]) in seen_texts] == []


def test_probe_spreads_over_classes_and_the_messages_api() -> None:
    classes = Counter(r["class"] for r in ROWS)
    assert classes["spec"] >= 15 and classes["model"] >= 20
    assert {r["api"] for r in ROWS} == {"chat", "responses", "messages"}
    assert sum(r["api"] == "messages" for r in ROWS) >= 15


def test_eval_scores_the_probe_file_as_its_own_part() -> None:
    result = eval_rules.score([], PROBE)
    assert list(result["splits"]) == ["probe"]
    for cls in ("spec", "model"):
        part = result["splits"]["probe"]["classes"][cls]
        assert part["entries"] == sum(r["class"] == cls for r in ROWS)
        assert 0 < part["evaluable"] <= part["entries"]
        assert 0 <= part["hits"] <= part["evaluable"]
