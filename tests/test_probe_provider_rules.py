"""The provider-rule probe set (issue 9, round 2): real provider rejections from public threads
that no rule was written from and that are not in the failure corpus, scored by
``scripts/eval_rules.py --probe-file``. These tests keep the set honest: whole rows in the corpus
shape, one public thread each, none shared with ``failures-*.jsonl``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import eval_rules
from support.corpus import APIS, BODY_KINDS, CORPUS_DIR, FAILURE_FIELDS, FIDELITIES, load_failures, read_jsonl

PROBE = CORPUS_DIR / "probe-provider-rules.jsonl"
ROWS = read_jsonl(PROBE)


def _key(url: str) -> str:
    return url.strip().lower().split("#", 1)[0].rstrip("/")


def test_probe_rows_have_the_corpus_shape() -> None:
    assert len(ROWS) >= 40
    for row in ROWS:
        assert tuple(row) == FAILURE_FIELDS, row["id"]
        assert row["split"] == "probe" and row["api"] in APIS and row["body_kind"] in BODY_KINDS
        assert row["thread"].startswith("https://") and row["source"] == row["thread"]
        assert row["class"] in {"provider", "model", "other"} and row["root_cause"]
        if row["request"] is None:
            assert row["request_fidelity"] is None, row["id"]
        else:
            assert row["request_fidelity"] in FIDELITIES, row["id"]


def test_probe_threads_are_new_and_distinct() -> None:
    corpus = {_key(r["thread"]) for r in load_failures()}
    threads = [_key(r["thread"]) for r in ROWS]
    assert len(set(threads)) == len(threads)
    assert not corpus & set(threads)
    assert len({r["provider"] for r in ROWS}) >= 20


def test_eval_scores_the_probe_file_as_its_own_part() -> None:
    result = eval_rules.score([], PROBE)
    assert list(result["splits"]) == ["probe"]
    provider = result["splits"]["probe"]["classes"]["provider"]
    assert provider["entries"] == sum(r["class"] == "provider" for r in ROWS)
    assert 0 < provider["evaluable"] <= provider["entries"]
    assert 0 <= provider["hits"] <= provider["evaluable"]
