"""The similarity tier's evaluation (scripts/similar_tier.py, scripts/eval_similar_tier.py): it never
reads held-out text, it cross-validates by thread, and the measurement that keeps it out of
``recognise_error`` (docs/errors.md "A similarity tier, measured and not shipped") still holds."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support.corpus import split_for

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"


def _load(name: str) -> ModuleType:
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through the module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tier() -> ModuleType:
    return _load("similar_tier")


@pytest.fixture(scope="module")
def evaluation() -> ModuleType:
    return _load("eval_similar_tier")


@pytest.fixture(scope="module")
def result(evaluation: ModuleType) -> dict[str, Any]:
    return evaluation.evaluate()


def test_a_held_out_row_is_never_decoded(evaluation: ModuleType, tmp_path: Path) -> None:
    dev = {
        "id": "d1",
        "thread": "https://github.com/anthropics/claude-code/issues/12186",
        "split": "dev",
        "provider": "anthropic",
        "root_cause": "cause.context-length-exceeded",
        "status": 400,
        "body": '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208310 tokens > 200000 maximum"}}',
    }
    held_out = '{"id": "h1", "split": "heldout", "body": '  # not even JSON: reading it would raise
    (tmp_path / "failures-x.jsonl").write_text(json.dumps(dev) + "\n" + held_out + "\n", encoding="utf-8")

    rows = evaluation.labelled_rows(tmp_path)

    corpus_rows = [r for r in rows if not r.example.id.startswith(("legacy-", "probe-"))]
    assert [(r.example.id, r.example.cause, r.example.text) for r in corpus_rows] == [
        (
            "d1",
            "cause.context-length-exceeded",
            "prompt is too long: 208310 tokens > 200000 maximum ; invalid_request_error",
        )
    ]


def test_no_example_comes_from_a_thread_the_held_out_split_could_hold(evaluation: ModuleType) -> None:
    rows = evaluation.labelled_rows()
    assert len(rows) > 500
    assert {split_for(r.thread) for r in rows} == {"dev"}
    assert all(r.example.cause.startswith("cause.") for r in rows)


def test_features_keep_words_codes_and_chinese_but_not_ids(tier: ModuleType) -> None:
    # https://github.com/popjane/free_chatgpt_api/issues/65 (new-api), probe-f001
    text = "当前分组上游负载已饱和，请稍后再试 (request id: 2024121602163036521732429064585) ; new_api_error ; 429"
    found = tier.features(text)
    assert {"负载", "饱和", "稍后", "new", "new api", "429"} <= set(found)
    assert not [f for f in found if re.search(r"\d{5}", f)]  # the request id is no feature


def test_leave_one_thread_out_never_matches_the_rows_own_thread(
    evaluation: ModuleType, tier: ModuleType
) -> None:
    rows = evaluation.labelled_rows()
    index = tier.Index.build((r.example for r in rows), threshold=0.0, margin=0.0)
    threads = [r.thread for r in rows]
    for position, row in enumerate(rows[:200]):
        own = frozenset(i for i, t in enumerate(threads) if t == row.thread)
        match = index.nearest(row.example.text, exclude=own)
        assert match is None or match.example.source != row.thread, (position, row.example.id)


def test_matching_one_text_visits_a_small_part_of_the_index(evaluation: ModuleType, tier: ModuleType) -> None:
    """The cost claim ("well under a millisecond", docs/errors.md) rests on the inverted index: a query
    multiplies only the postings of its own features, not every example's vector. Counted, not timed:
    this was a wall-clock assertion (< 1 ms a text) that failed on a fresh clone whenever the machine
    was busy (1.94 ms with the suite sharing two cores), and the project keeps timings in benchmarks,
    never in tests. A full scan visits every posting (~17,700 over ~570 texts); the index visits ~750."""
    rows = evaluation.labelled_rows()
    index = tier.Index.build((r.example for r in rows), threshold=0.63, margin=0.05)
    every_posting = sum(len(postings) for postings in index.postings.values())
    counting = _CountingPostings(index.postings)
    index = dataclasses.replace(index, postings=counting)
    for row in rows:
        index.recognise(row.example.text)
    per_text = counting.visited / len(rows)
    assert 0 < per_text < every_posting / 10, (per_text, every_posting)


class _CountingPostings(Mapping[str, tuple[tuple[int, float], ...]]):
    """The index's postings, counting every posting handed out (however the lookup is made)."""

    def __init__(self, postings: Mapping[str, tuple[tuple[int, float], ...]]) -> None:
        self.postings = postings
        self.visited = 0

    def __getitem__(self, feature: str) -> tuple[tuple[int, float], ...]:
        found = self.postings[feature]
        self.visited += len(found)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self.postings)

    def __len__(self) -> int:
        return len(self.postings)


def test_the_tier_alone_keeps_its_precision_but_not_where_it_would_run(result: dict[str, Any]) -> None:
    """Why the tier is not in ``recognise_error``: cross-validated alone it is right at least 95% of the
    time (with 95% confidence), but on the rows the text tiers leave unnamed, where it would run, its
    claims do not reach that bar. If this starts failing, the corpus now supports the tier there:
    re-run scripts/eval_similar_tier.py and reconsider shipping it (docs/errors.md)."""
    chosen = result["chosen"]
    assert chosen is not None
    assert chosen["precision"] >= result["min_precision"]
    # Recall over the whole corpus, a sanity bound: 0.398 at 937 rows once probe round 20 added 26 texts
    # of gateways and hosts no earlier row comes from (a nearest neighbour has nothing to match for them).
    assert chosen["recall"] >= 0.35
    where_it_runs = result["where_text_tiers_miss"]
    assert where_it_runs["rows"] >= 30
    assert where_it_runs["precision_lower_bound"] < result["min_precision"]
