"""The third model/spec probe set (issue 9, round 4): real spec-violation and model-capability
failures quoted in public threads, none in ``failures-*.jsonl``, the legacy corpus or an earlier
probe file, scored by ``scripts/eval_rules.py --probe-file`` before any rule of the round was
changed. These tests keep the set honest: whole rows in the corpus shape, one public thread each,
none shared with the corpus or an earlier probe (only probe ids are reported: printing corpus
threads would show held-out ones), and the spread the round's brief asks for."""

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

PROBE = CORPUS_DIR / "probe-rules-3.jsonl"
EARLIER = tuple(p for p in sorted(CORPUS_DIR.glob("probe-*.jsonl")) if p != PROBE)
ROWS = read_jsonl(PROBE)


def test_probe_rows_have_the_corpus_shape() -> None:
    assert len(ROWS) >= 60
    for row in ROWS:
        assert tuple(row) == FAILURE_FIELDS, row["id"]
        assert row["split"] == "probe" and row["api"] in APIS and row["body_kind"] in BODY_KINDS
        assert row["thread"].startswith("https://") and row["source"] == row["thread"], row["id"]
        assert row["class"] in {"spec", "model"} and row["root_cause"] and row["body"], row["id"]
        assert row["request"] is not None and row["request_fidelity"] in FIDELITIES, row["id"]


def test_probe_threads_are_new_and_distinct() -> None:
    seen = {thread_key(r["thread"]) for r in load_failures()}
    for path in EARLIER:
        seen |= {thread_key(r.get("thread") or r.get("source") or "") for r in read_jsonl(path)}
    threads = [thread_key(r["thread"]) for r in ROWS]
    assert len(set(threads)) == len(threads)
    assert [r["id"] for r in ROWS if thread_key(r["thread"]) in seen] == []


def test_probe_spreads_over_classes_and_providers() -> None:
    classes = Counter(r["class"] for r in ROWS)
    assert classes["spec"] >= 25 and classes["model"] >= 35
    assert len({r["provider"] for r in ROWS}) >= 10
    assert {r["api"] for r in ROWS} == {"chat", "responses"}


def test_eval_scores_the_probe_file_as_its_own_part() -> None:
    result = eval_rules.score([], PROBE)
    assert list(result["splits"]) == ["probe"]
    for cls in ("spec", "model"):
        part = result["splits"]["probe"]["classes"][cls]
        assert part["entries"] == sum(r["class"] == cls for r in ROWS)
        assert 0 < part["evaluable"] <= part["entries"]
        assert 0 <= part["hits"] <= part["evaluable"]
