"""docs/rules.md is generated and current, and every rule carries what the page needs.

The completeness tests hold every engineer's rules to the same bar: a summary, an example that
triggers that rule (through the same ``analyse_request`` the addon uses), and predicted
errors with a real source.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen_rules_doc.py"
# Rules about the raw body (not JSON, not UTF-8, too large ...) cannot be shown as a JSON example.
RAW_BODY_FAMILIES = frozenset({"body"})


def _generator():
    spec = importlib.util.spec_from_file_location("gen_rules_doc", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_rules_md_is_current() -> None:
    expected = _generator().render()
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == expected, "docs/rules.md is stale: run .venv/bin/python scripts/gen_rules_doc.py"


def test_check_mode_exits_1_when_stale(tmp_path: Path) -> None:
    generator = _generator()
    stale = tmp_path / "rules.md"
    stale.write_text(
        generator.render().replace("### `tools.too-many`", "### `tools.renamed`"), encoding="utf-8"
    )
    generator.DOC_PATH = stale
    assert generator.main(["--check"]) == 1
    generator.main([])
    assert generator.main(["--check"]) == 0


def test_check_mode_runs_as_ci_does() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_page_lists_every_rule_with_its_errors_and_sources() -> None:
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert f"### `{rule.id}`" in page
        for error in rule.predicts:
            assert error.source in page


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_has_a_summary(rule_id: str) -> None:
    assert RULES[rule_id].summary.strip()


@pytest.mark.parametrize("rule_id", sorted(r.id for r in RULES.values() if r.family not in RAW_BODY_FAMILIES))
def test_rule_example_triggers_that_rule(rule_id: str) -> None:
    # Some faults imply another (a tool message without an id leaves its call unanswered), so the
    # example must trigger its rule, and may trigger others only at the same or lower severity.
    rule = RULES[rule_id]
    assert rule.example is not None, f"{rule_id} has no example request"
    analysis = analyse_request(json.dumps(rule.example).encode(), rule.example_url)
    assert not analysis.internal_errors
    own = [f for f in analysis.findings if f.rule == rule_id]
    assert own, f"{rule_id}: its example gives {[(f.rule, f.location) for f in analysis.findings]}"
    if own[0].severity != "error":
        others = [f.rule for f in analysis.findings if f.rule != rule_id and f.severity == "error"]
        assert not others, f"{rule_id}: its example also gives errors {others}"


@pytest.mark.parametrize("rule_id", sorted(r.id for r in RULES.values() if r.predicts))
def test_predicted_errors_have_real_sources(rule_id: str) -> None:
    for error in RULES[rule_id].predicts:
        assert error.text.strip()
        assert error.source.strip() and "VERIFY" not in error.source, f"{rule_id}: source {error.source!r}"
        assert error.source.startswith(("http", "code [", "doc [", "issue ")), (
            f"{rule_id}: source {error.source!r}"
        )
