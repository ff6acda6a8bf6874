"""Issue #10, round 25 (docs/errors.md "Generalisation", "Round 25"): the probe round and what it measured.

Probe round 25 (probe-y*) was collected and scored before any catalogue change: 21 real provider, server and
gateway texts from 21 threads in no corpus or probe file (checked by thread and by the row's whole text), weighted
to provider- and spec-class refusals from hosts the corpus is thin on.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"


def _probe_rows() -> list[dict[str, object]]:
    return [
        json.loads(line)
        for line in (CORPUS / "probe-causes.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_the_round_twenty_five_probe_is_twenty_one_texts_from_twenty_one_threads() -> None:
    rows = [row for row in _probe_rows() if row.get("round") == 25]
    assert len(rows) == 21
    assert len({row["source"] for row in rows}) == 21
    assert all(str(row["id"]).startswith("probe-y") and row["split"] == "probe" for row in rows)
    assert all(row["class"] in {"provider", "spec", "model", "other"} for row in rows)


def test_no_round_twenty_five_thread_is_another_probe_or_corpus_thread() -> None:
    rows = _probe_rows()
    mine = {str(row["source"]).lower().rstrip("/") for row in rows if row.get("round") == 25}
    earlier = {str(row["source"]).lower().rstrip("/") for row in rows if row.get("round") != 25}
    assert mine & earlier == set()
    for name in ("failures-a.jsonl", "failures-b.jsonl"):
        text = (CORPUS / name).read_text(encoding="utf-8").lower()
        assert [s for s in sorted(mine) if f'"{s}"' in text] == []
