"""The spec probe of round 11 (issue 9): real spec-class rejections (the request breaks the API's own
definition: Chat Completions, Responses, Anthropic Messages, Gemini generateContent) quoted in public
threads, none in ``failures-*.jsonl`` or any other probe file by thread or by error text, scored by
``scripts/eval_rules.py --probe-file`` before the round's checks changed (docs/accuracy.md, "Session 11:
spec probe round"). Only probe ids are reported: printing corpus threads would show held-out ones."""

from __future__ import annotations

from collections import Counter

from support.corpus import CORPUS_DIR, read_jsonl
from support.probes import (
    assert_corpus_shape,
    assert_no_rule_or_source_cites,
    assert_scored_as_its_own_part,
    assert_unseen,
    rows_of,
)

PROBE = CORPUS_DIR / "probe-spec-11.jsonl"
OTHERS = tuple(p for p in sorted(CORPUS_DIR.glob("probe-*.jsonl")) if p != PROBE)
ROWS = read_jsonl(PROBE)


def test_probe_rows_have_the_corpus_shape() -> None:
    assert_corpus_shape(ROWS, least=25, classes={"spec"}, request_optional=True)


def test_probe_threads_and_texts_are_new_and_distinct() -> None:
    assert_unseen(ROWS, rows_of(OTHERS))


def test_probe_spreads_over_the_four_apis() -> None:
    apis = Counter(r["api"] for r in ROWS)
    assert set(apis) == {"chat", "responses", "messages", "gemini"}
    assert min(apis.values()) >= 5


def test_no_rule_or_data_source_cites_a_probe_thread() -> None:
    assert_no_rule_or_source_cites(ROWS)


def test_eval_scores_the_probe_file_as_its_own_part() -> None:
    assert_scored_as_its_own_part(PROBE, ("spec",))
