"""``scripts/eval_rules.py --soft-matches`` (issue 9, session 17): the dev and probe misses that a warning or info
finding would hit if it were an error, each with its rule and host, so each rule + host cell can be decided on
evidence. The rows are real corpus rows scored by the real rules; the held-out part is never read."""

from __future__ import annotations

import pytest
from support.corpus import CORPUS_DIR, read_jsonl
from test_eval_rules import EVAL


def _probe_row(name: str, row_id: str) -> dict[str, object]:
    (row,) = [r for r in read_jsonl(CORPUS_DIR / name) if r["id"] == row_id]
    return row


def test_a_miss_whose_only_match_is_a_warning_names_its_rule_and_host() -> None:
    # Groq's string-only assistant content: a warning there (its schema took text parts from July 2025).
    row = _probe_row("probe-provider-rules-8.jsonl", "probe10h-groq-assistant-content-array-chatlas")
    (match,) = EVAL.soft_matches(row, "probe")
    assert (match.provider, match.rule, match.severity) == ("groq", "content.array-not-supported", "warning")


def test_a_hit_has_no_soft_match() -> None:
    # Cerebras' mixed strict tools: an error finding of tools.mixed-strict matches the label.
    row = _probe_row("probe-provider-rules-14.jsonl", "probe17-cerebras-mixed-strict-tools")
    assert EVAL.evaluate_failure(row).hit
    assert EVAL.soft_matches(row, "probe") == []


def test_every_listed_row_is_a_dev_or_probe_miss() -> None:
    matches = EVAL.soft_match_rows()
    assert matches
    assert {m.part.split(":")[0] for m in matches} <= {"dev", "probe"}
    assert all(m.severity in ("warning", "info") for m in matches)


def test_the_held_out_part_is_refused() -> None:
    with pytest.raises(SystemExit):
        EVAL.main(["--soft-matches", "--split", "heldout"])
