#!/usr/bin/env python
"""Evaluate the similarity tier (``scripts/similar_tier.py``) by leave-one-thread-out
cross-validation on the labelled development and probe rows; prints the numbers docs/errors.md quotes.

    .venv/bin/python scripts/eval_similar_tier.py            # the table, the chosen setting, its claims
    .venv/bin/python scripts/eval_similar_tier.py --json     # the same numbers as JSON (for the test)

Rows: development rows of ``tests/data/corpus/failures-*.jsonl`` (a held-out row is skipped on its
raw ``split`` field before it is decoded, as ``eval_causes.py --dev-only`` does), the legacy corpus
(development data) and the probe rows; any row whose thread :func:`split_for` would send to the
held-out split is left out too, so no text from a thread the held-out split could hold is ever an
example. Each body goes through ``parse_error`` and :func:`similar_tier.error_text`, what the tier
would see at run time; its label becomes a cause id (a rule id maps to the cause whose rule it is);
rows labelled ``cause.unknown`` stay in as "nothing to name" neighbours.

Cross-validation: each row is matched against all rows but those of its own thread. The setting
(threshold on the cosine, margin to the nearest other cause) is the one with the most right claims
whose precision is at least ``MIN_PRECISION`` with 95% confidence (Wilson lower bound). The same
setting is then scored where the tier would run: on the rows the text tiers of ``recognise_error``
(sentences, codes, families) leave unnamed.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.corpus import CORPUS_DIR, LEGACY, legacy_failures, split_for  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))

from similar_tier import MIN_PRECISION, UNKNOWN, Example, Index, error_text, thread_key  # noqa: E402

from toolguard_core.causes import CAUSES, CAUSES_BY_ID, recognise_error  # noqa: E402
from toolguard_core.upstream_errors import parse_error  # noqa: E402

PROBE = CORPUS_DIR / "probe-causes.jsonl"
LEGACY_LABELS = ROOT / "tests" / "data" / "legacy_cause_labels.json"
_DEV_SPLIT = re.compile(r'"split"\s*:\s*"dev"')


@dataclass(frozen=True, slots=True)
class Labelled:
    example: Example
    thread: str
    status: int | None
    body: str
    provider: str | None


def _rule_causes() -> dict[str, str]:
    """Rule id -> the cause it predicts (the cause's own rule, its wordings' rules, shared rules)."""
    mapping: dict[str, str] = {}
    for cause in CAUSES:
        for wording in cause.wordings:
            for rule, target in wording.cause_by_rule:
                mapping.setdefault(rule, target)
        rules = [cause.rule_id, *(w.rule_id for w in cause.wordings)]
        rules += [rule for w in cause.wordings for rule in w.shared_by]
        for rule in rules:
            if rule:
                mapping.setdefault(rule, cause.id)
    return mapping


def _cause_of(label: str, rules: dict[str, str]) -> str | None:
    if label == UNKNOWN or label in CAUSES_BY_ID:
        return label
    return rules.get(label)


def _body(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _raw_rows(corpus_dir: Path) -> Iterator[tuple[str, str, str | None, int | None, str, str]]:
    """(id, thread, provider, status, body, label) of every development, legacy and probe row."""
    for path in sorted(corpus_dir.glob("failures-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not _DEV_SPLIT.search(line):
                continue  # a held-out row is never decoded
            row = json.loads(line)
            if row.get("split") != "dev":
                continue
            thread = str(row.get("thread") or row.get("source") or row["id"])
            status = row.get("status") if isinstance(row.get("status"), int) else None
            yield row["id"], thread, row.get("provider"), status, _body(row["body"]), str(row["root_cause"])
    labels = json.loads(LEGACY_LABELS.read_text(encoding="utf-8"))["labels"]
    for row in legacy_failures(LEGACY):
        label = labels.get(row["root_cause"], row["root_cause"])
        thread = str(row.get("thread") or row.get("source") or row["id"])
        yield row["id"], thread, row.get("provider"), None, _body(row["body"]), str(label)
    for line in PROBE.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        status = row.get("status") if isinstance(row.get("status"), int) else None
        yield row["id"], row["source"], row.get("provider"), status, _body(row["body"]), row["root_cause"]


def labelled_rows(corpus_dir: Path = CORPUS_DIR) -> list[Labelled]:
    rules = _rule_causes()
    out: list[Labelled] = []
    for row_id, thread, provider, status, body, label in _raw_rows(corpus_dir):
        if not body or split_for(thread) != "dev":
            continue  # no text from a thread the held-out split could hold
        cause = _cause_of(label, rules)
        if cause is None:
            continue
        text = error_text(parse_error(body, status=status))
        if not text.strip():
            continue
        key = thread_key(thread)
        out.append(
            Labelled(
                example=Example(id=row_id, cause=cause, source=key, text=text),
                thread=key,
                status=status,
                body=body,
                provider=provider,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Fold:
    """One row's leave-one-thread-out result: its label, the neighbour's cause and the similarity."""

    row: Labelled
    predicted: str | None
    similarity: float
    margin: float
    earlier_tiers_miss: bool


def cross_validate(rows: list[Labelled]) -> list[Fold]:
    index = Index.build((r.example for r in rows), threshold=1.0, margin=1.0)
    by_thread: dict[str, set[int]] = {}
    for i, r in enumerate(rows):
        by_thread.setdefault(r.thread, set()).add(i)
    folds: list[Fold] = []
    for r in rows:
        match = index.nearest(r.example.text, exclude=frozenset(by_thread[r.thread]))
        error = parse_error(r.body, status=r.status)
        # Where the tier would run: the text tiers (sentences, codes, families) named nothing.
        earlier = recognise_error(error, provider=r.provider, status=None)
        folds.append(
            Fold(
                row=r,
                predicted=match.example.cause if match else None,
                similarity=match.similarity if match else 0.0,
                margin=match.margin if match else 0.0,
                earlier_tiers_miss=earlier is None,
            )
        )
    return folds


@dataclass(frozen=True, slots=True)
class Score:
    threshold: float
    margin: float
    claims: int
    correct: int
    positives: int

    @property
    def precision(self) -> float:
        return self.correct / self.claims if self.claims else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.positives if self.positives else 0.0


def score(folds: list[Fold], threshold: float, margin: float) -> Score:
    claims = [
        f
        for f in folds
        if f.predicted not in (None, UNKNOWN) and f.similarity >= threshold and f.margin >= margin
    ]
    correct = sum(1 for f in claims if f.predicted == f.row.example.cause)
    positives = sum(1 for f in folds if f.row.example.cause != UNKNOWN)
    return Score(threshold, margin, len(claims), correct, positives)


MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2)


def wilson_lower(correct: int, claims: int, z: float = 1.96) -> float:
    """The lower end of the 95% Wilson interval of a proportion: a precision measured on few claims
    has to clear the bar by more than one measured on many."""
    if claims == 0:
        return 0.0
    p = correct / claims
    centre = p + z * z / (2 * claims)
    spread = z * math.sqrt(p * (1 - p) / claims + z * z / (4 * claims * claims))
    return (centre - spread) / (1 + z * z / claims)


def choose_threshold(folds: list[Fold]) -> Score | None:
    """Among thresholds (0.01 steps) and margins, the pair with the most right claims whose precision
    is at least ``MIN_PRECISION`` with 95% confidence (Wilson lower bound; ties: the first found, i.e.
    the lower margin and threshold); ``None`` if no pair gets there."""
    best: Score | None = None
    for margin in MARGINS:
        for step in range(5, 100):
            result = score(folds, step / 100, margin)
            if wilson_lower(result.correct, result.claims) >= MIN_PRECISION:
                if best is None or result.correct > best.correct:
                    best = result
                break  # higher thresholds at this margin only lose recall
    return best


def evaluate() -> dict[str, Any]:
    """The cross-validated numbers: rows, the chosen setting, and its claims where the tier would run."""
    rows = labelled_rows()
    folds = cross_validate(rows)
    chosen = choose_threshold(folds)
    result: dict[str, Any] = {"rows": len(rows), "min_precision": MIN_PRECISION, "chosen": None}
    result["table"] = [
        {"threshold": s.threshold, "margin": s.margin, "claims": s.claims, "correct": s.correct}
        for margin in MARGINS
        for s in (score(folds, step / 100, margin) for step in range(30, 95, 10))
    ]
    if chosen is None:
        return result
    misses = [f for f in folds if f.earlier_tiers_miss]
    fallthrough = score(misses, chosen.threshold, chosen.margin)
    result["chosen"] = {
        "threshold": chosen.threshold,
        "margin": chosen.margin,
        "claims": chosen.claims,
        "correct": chosen.correct,
        "precision": round(chosen.precision, 3),
        "recall": round(chosen.recall, 3),
    }
    result["where_text_tiers_miss"] = {
        "rows": len(misses),
        "claims": fallthrough.claims,
        "correct": fallthrough.correct,
        "precision_lower_bound": round(wilson_lower(fallthrough.correct, fallthrough.claims), 3),
        "claimed": [
            {
                "id": f.row.example.id,
                "label": f.row.example.cause,
                "named": f.predicted,
                "similarity": round(f.similarity, 2),
            }
            for f in misses
            if f.predicted not in (None, UNKNOWN)
            and f.similarity >= chosen.threshold
            and f.margin >= chosen.margin
        ],
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()
    result = evaluate()
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{result['rows']} rows (development and probe, dev-split threads); leave-one-thread-out")
    print(f"{'threshold':>9} {'margin':>6} {'claims':>6} {'correct':>7} {'precision':>9}")
    for s in result["table"]:
        precision = s["correct"] / s["claims"] if s["claims"] else 1.0
        print(
            f"{s['threshold']:>9.2f} {s['margin']:>6.2f} {s['claims']:>6} {s['correct']:>7} {precision:>9.3f}"
        )
    chosen = result["chosen"]
    if chosen is None:
        print(f"no setting keeps precision >= {MIN_PRECISION} with 95% confidence")
        return 0
    print(
        f"chosen: threshold {chosen['threshold']:.2f}, margin {chosen['margin']:.2f}: "
        f"{chosen['correct']}/{chosen['claims']} right (precision {chosen['precision']:.3f}, "
        f"recall {chosen['recall']:.3f})"
    )
    miss = result["where_text_tiers_miss"]
    print(
        f"where the text tiers miss ({miss['rows']} rows): {miss['correct']}/{miss['claims']} claims right "
        f"(95% lower bound {miss['precision_lower_bound']:.3f})"
    )
    for claim in miss["claimed"]:
        mark = "ok " if claim["named"] == claim["label"] else "BAD"
        print(f"  {mark} {claim['id']} {claim['label']} -> {claim['named']} ({claim['similarity']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
