"""scripts/severity_cells.py: the rule x provider cells at warning or info, read from the rules' policies
(docs/accuracy.md, "Session 10: severity")."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from toolguard_core.findings import Severity
from toolguard_core.rules import RULES

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "severity_cells.py"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("severity_cells", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["severity_cells"] = module
    spec.loader.exec_module(module)
    return module


def test_rows_are_the_rules_with_a_warning_or_info_cell() -> None:
    rows = {row[0]: row for row in _script().rows()}
    soft = {
        rule_id
        for rule_id, rule in RULES.items()
        if rule.policy.otherwise in (Severity.WARNING, Severity.INFO)
        or any(level in (Severity.WARNING, Severity.INFO) for _, level in rule.policy.levels)
    }
    assert set(rows) == soft
    # A rule that is an error everywhere has no row; one promoted in session 10 keeps only its warnings.
    assert "sequence.orphan-tool-message" in rows  # a warning on self-hosted servers
    assert rows["roles.developer-unsupported"][1:3] == ("mistral", "dashscope, deepseek, openai-family")
    assert rows["anthropic.thinking-block-missing"][1:3] == ("generic", "anthropic, bedrock, vertex")
    assert rows["model.rules-skipped"][1] == "otherwise (info)"


def test_count_line(capsys) -> None:  # type: ignore[no-untyped-def]
    assert _script().main(["--count"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{len(_script().rows())} of {len(RULES)} rules, ")
