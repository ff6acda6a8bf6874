"""The learn9 probe (issue 10): fresh refusals of the kinds learning could not express before (a nested
schema keyword, Gemini's missing thought signature), gathered after the new
constraint kinds were written and scored before any change made from them (docs/accuracy.md,
twenty-fourth pass)."""

from __future__ import annotations

from support.corpus import CORPUS_DIR, read_jsonl
from support.probes import assert_corpus_shape, assert_scored_as_its_own_part, assert_unseen, rows_of

PROBE = CORPUS_DIR / "probe-learn-9.jsonl"


def test_probe_rows_have_the_corpus_shape_and_new_threads() -> None:
    rows = read_jsonl(PROBE)
    assert_corpus_shape(rows, least=6, classes={"provider"}, request_optional=True)
    assert all(row["id"].startswith("probe-l9-") for row in rows)
    assert_unseen(rows, [r for r in rows_of(CORPUS_DIR.glob("probe-*.jsonl")) if r not in rows])


def test_eval_scores_the_probe_file_as_its_own_part() -> None:
    assert_scored_as_its_own_part(PROBE, ("provider",))
