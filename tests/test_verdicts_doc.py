"""The verdict vocabulary is declared once (toolguard_core.verdict) and every place that states it
derives it or agrees with it: docs/errors.md's generated section (CI runs the same ``--check``), the
Datasette metadata, docs/schema.md and the summary's text line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from toolguard_analysis.render import _vocabulary_line
from toolguard_core.verdict import REJECTION_VOCABULARY, VERDICT_MEANINGS, Verdict

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen_verdicts_doc.py"


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_docs_errors_md_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_verdict_has_one_meaning() -> None:
    assert list(VERDICT_MEANINGS) == list(Verdict)
    assert list(REJECTION_VOCABULARY) == [Verdict.PREDICTED, Verdict.RECOGNISED, Verdict.UNEXPLAINED]


def test_the_datasette_metadata_and_the_schema_page_use_the_vocabulary() -> None:
    metadata = yaml.safe_load((ROOT / "analysis" / "datasette.yml").read_text(encoding="utf-8"))
    database = metadata["databases"]["toolguard"]
    texts = [
        database["tables"]["flows"]["columns"]["verdict"],
        database["queries"]["rejections_by_cause"]["description"],
    ]
    schema = _flat((ROOT / "docs" / "schema.md").read_text(encoding="utf-8"))
    for word, meaning in REJECTION_VOCABULARY.items():
        for text in [*texts, schema]:
            assert f"{word} ({meaning})" in _flat(text).replace("`", ""), (word, text[:80])


def test_the_summary_line_states_the_vocabulary() -> None:
    assert _vocabulary_line({"predicted": 2, "recognised": 1}) == (
        "2 predicted (a rule flagged what the upstream rejected), 1 recognised (no rule credited, the error text "
        "names a known root cause), 0 unexplained"
    )
