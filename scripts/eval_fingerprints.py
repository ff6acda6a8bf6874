#!/usr/bin/env python
"""Compare toolguard's hand-written error normaliser with drain3 on the labelled corpus.

    .venv/bin/pip install drain3   # not a dependency of toolguard; only this script needs it
    .venv/bin/python scripts/eval_fingerprints.py [--corpus tests/data/error_corpus.json]

Measure: pairwise precision and recall against the hand labels. Every pair of corpus entries is
"together" in the truth when it has the same root-cause label (and, for the strict truth, the same
wording tag: OpenAI's old and new orphan-tool sentences are one cause but two wordings), and
"together" in a method when the method puts both in one group. precision = correct together pairs /
pairs the method put together (low = different failures merged, the costly mistake: a group would
mix causes and the rule mapping would be wrong); recall = correct together pairs / pairs the truth
puts together (low = one failure split into several groups).

drain3 runs in two set-ups: its defaults (no masking), and with masking instructions for the
obvious variable tokens (numbers, uuids, call_/toolu_ ids), which is how its README suggests using it.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from toolguard_analysis.fingerprint import fingerprint

ROOT = Path(__file__).resolve().parent.parent


def pairwise(truth: Sequence[object], predicted: Sequence[object]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(truth)), 2):
        same_truth = truth[i] == truth[j]
        same_pred = predicted[i] == predicted[j]
        if same_pred and same_truth:
            tp += 1
        elif same_pred:
            fp += 1
        elif same_truth:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def drain_grouper(masking: bool) -> Callable[[list[str]], list[int]]:
    def run(messages: list[str]) -> list[int]:
        from drain3 import TemplateMiner
        from drain3.masking import MaskingInstruction
        from drain3.template_miner_config import TemplateMinerConfig

        config = TemplateMinerConfig()
        config.profiling_enabled = False
        if masking:
            config.masking_instructions = [
                MaskingInstruction(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID"),
                MaskingInstruction(r"\b(?:call|toolu|chatcmpl)[_-][A-Za-z0-9_\-]+", "ID"),
                MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)[-+]?\d+((?=[^A-Za-z0-9])|$)", "NUM"),
            ]
        miner = TemplateMiner(config=config)
        # Two passes: drain's clusters drift while it learns; the second pass reads the final clusters.
        for message in messages:
            miner.add_log_message(" ".join(message.split()))
        return [
            miner.match(" ".join(m.split())).cluster_id if miner.match(" ".join(m.split())) else -i
            for i, m in enumerate(messages, 1)
        ]

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "data" / "error_corpus.json")
    args = parser.parse_args()
    entries = json.loads(args.corpus.read_text())["entries"]
    messages = [e["message"] for e in entries]
    truths = {
        "label": [e["label"] for e in entries],
        "label+wording": [(e["label"], e.get("wording", "")) for e in entries],
    }
    methods: dict[str, Callable[[list[str]], list[object]]] = {
        "toolguard normalise()": lambda ms: [fingerprint(m) for m in ms],
        "drain3 (defaults)": drain_grouper(masking=False),
        "drain3 (+masking)": drain_grouper(masking=True),
    }
    print(
        f"corpus: {len(entries)} texts, {len(set(truths['label']))} labels, "
        f"{len({e['provider'] for e in entries})} providers\n"
    )
    print(f"{'method':24} {'groups':>6}  " + "  ".join(f"{t + ' P/R/F1':>26}" for t in truths))
    for name, method in methods.items():
        try:
            groups = method(messages)
        except ImportError:
            print(f"{name:24} (drain3 not installed: pip install drain3)")
            continue
        cells = []
        for truth in truths.values():
            p, r, f = pairwise(truth, groups)
            cells.append(f"{p:8.3f} {r:8.3f} {f:8.3f}")
        print(f"{name:24} {len(set(groups)):>6}  " + "  ".join(f"{c:>26}" for c in cells))


if __name__ == "__main__":
    main()
