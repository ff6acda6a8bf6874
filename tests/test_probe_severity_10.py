"""The severity probe (issue 9, session 10): model-capability and provider rejections from public threads
that no corpus or probe file held and no rule or catalog source cited when it was gathered, scored before
any rule or policy was changed from it (docs/accuracy.md, "Session 10: severity")."""

from __future__ import annotations

from pathlib import Path

from support.corpus import CORPUS_DIR, read_jsonl
from support.probes import (
    assert_corpus_shape,
    assert_no_rule_or_source_cites,
    assert_scored_as_its_own_part,
    assert_unseen,
    rows_of,
)

ROOT = Path(__file__).resolve().parent.parent
PROBE = CORPUS_DIR / "probe-severity-10.jsonl"


def test_probe_rows_have_the_corpus_shape_and_new_threads() -> None:
    rows = read_jsonl(PROBE)
    assert_corpus_shape(rows, least=15, classes={"model", "provider"}, request_optional=True)
    assert all(row["id"].startswith("probe-s10-") for row in rows)
    # Earlier probes' rows that name a thread (the cause probe's ``source``-only rows measure text
    # recognition, not rules); no held-out row is printed: only this probe's ids are reported.
    earlier = [r for r in rows_of(CORPUS_DIR.glob("probe-*.jsonl")) if isinstance(r.get("thread"), str)]
    assert_unseen(rows, [r for r in earlier if r not in rows])


def test_no_rule_or_data_source_is_a_probe_thread() -> None:
    assert_no_rule_or_source_cites(read_jsonl(PROBE))


def test_the_probe_is_scored_as_its_own_part() -> None:
    assert_scored_as_its_own_part(PROBE, ("model", "provider"))
