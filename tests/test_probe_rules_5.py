"""The fifth model/spec probe set (issue 9, round 7): real spec-violation and model-capability failures
quoted in public threads, none in ``failures-*.jsonl`` or any other probe file by thread or by error text,
scored by ``scripts/eval_rules.py --probe-file`` before the round's rules changed (docs/accuracy.md,
eighteenth pass). Only probe ids are reported: printing corpus threads would show held-out ones."""

from __future__ import annotations

from collections import Counter

from support.corpus import CORPUS_DIR, read_jsonl
from support.probes import assert_corpus_shape, assert_scored_as_its_own_part, assert_unseen, rows_of

PROBE = CORPUS_DIR / "probe-rules-5.jsonl"
OTHERS = tuple(p for p in sorted(CORPUS_DIR.glob("probe-*.jsonl")) if p != PROBE)
ROWS = read_jsonl(PROBE)


def test_probe_rows_have_the_corpus_shape() -> None:
    assert_corpus_shape(ROWS, least=40, classes={"spec", "model"})


def test_probe_threads_and_texts_are_new_and_distinct() -> None:
    assert_unseen(ROWS, rows_of(OTHERS))


def test_probe_spreads_over_classes_and_the_messages_api() -> None:
    classes = Counter(r["class"] for r in ROWS)
    assert classes["spec"] >= 15 and classes["model"] >= 20
    assert {r["api"] for r in ROWS} == {"chat", "responses", "messages"}
    assert sum(r["api"] == "messages" for r in ROWS) >= 15


def test_eval_scores_the_probe_file_as_its_own_part() -> None:
    assert_scored_as_its_own_part(PROBE, ("spec", "model"))
