"""The third model/spec probe set (issue 9, round 4): real spec-violation and model-capability
failures quoted in public threads, none in ``failures-*.jsonl``, the legacy corpus or an earlier
probe file, scored by ``scripts/eval_rules.py --probe-file`` before any rule of the round was
changed. These tests keep the set honest: whole rows in the corpus shape, one public thread each,
none shared with the corpus or an earlier probe (only probe ids are reported: printing corpus
threads would show held-out ones), and the spread the round's brief asks for."""

from __future__ import annotations

from collections import Counter

from support.corpus import CORPUS_DIR, read_jsonl
from support.probes import assert_corpus_shape, assert_scored_as_its_own_part, assert_unseen, rows_of

PROBE = CORPUS_DIR / "probe-rules-3.jsonl"
EARLIER = tuple(p for p in sorted(CORPUS_DIR.glob("probe-*.jsonl")) if p != PROBE)
ROWS = read_jsonl(PROBE)


def test_probe_rows_have_the_corpus_shape() -> None:
    assert_corpus_shape(ROWS, least=60, classes={"spec", "model"})


def test_probe_threads_are_new_and_distinct() -> None:
    assert_unseen(ROWS, rows_of(EARLIER), texts=False)


def test_probe_spreads_over_classes_and_providers() -> None:
    classes = Counter(r["class"] for r in ROWS)
    assert classes["spec"] >= 25 and classes["model"] >= 35
    assert len({r["provider"] for r in ROWS}) >= 10
    assert {r["api"] for r in ROWS} == {"chat", "responses"}


def test_eval_scores_the_probe_file_as_its_own_part() -> None:
    assert_scored_as_its_own_part(PROBE, ("spec", "model"))
