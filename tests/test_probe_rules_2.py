"""The second model/spec probe set (issue 9, round 3): real model-capability and spec failures
quoted in public threads that no rule was written from, none in ``failures-*.jsonl`` or the
earlier probe files, scored by ``scripts/eval_rules.py --probe-file``. These tests keep the set
honest: whole rows in the corpus shape, one public thread each, none shared with the corpus or
an earlier probe, and a spread of providers and classes."""

from __future__ import annotations

from collections import Counter

from support.corpus import CORPUS_DIR, read_jsonl
from support.probes import assert_corpus_shape, assert_scored_as_its_own_part, assert_unseen, rows_of

PROBE = CORPUS_DIR / "probe-rules-2.jsonl"
EARLIER = (CORPUS_DIR / "probe-rules.jsonl", CORPUS_DIR / "probe-provider-rules.jsonl")
ROWS = read_jsonl(PROBE)


def test_probe_rows_have_the_corpus_shape() -> None:
    assert_corpus_shape(ROWS, least=50, classes={"spec", "provider", "model"})


def test_probe_threads_are_new_and_distinct() -> None:
    assert_unseen(ROWS, rows_of(EARLIER), texts=False)


def test_probe_spreads_over_classes_and_providers() -> None:
    classes = Counter(r["class"] for r in ROWS)
    assert classes["model"] >= 30 and classes["spec"] >= 8
    assert len({r["provider"] for r in ROWS}) >= 12
    assert len({r["model"] for r in ROWS if r["model"]}) >= 30


def test_eval_scores_the_probe_file_as_its_own_part() -> None:
    assert_scored_as_its_own_part(PROBE, ("spec", "model"))
