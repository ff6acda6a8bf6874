"""docs/causes.md is generated and current, and every root cause toolguard can name is on it.

Run reports, the summary and ``toolguard show`` print a rejection's cause id (``cause.auth``, ...)
and ``show`` links it to this page: a cause missing from it is an id the user cannot look up.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

from toolguard_analysis.rule_links import CAUSES_DOC, rule_anchor
from toolguard_core.causes import CAUSES, STRUCTURAL

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen_causes_doc.py"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_causes_doc", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_causes_md_is_current() -> None:
    current = (ROOT / CAUSES_DOC).read_text(encoding="utf-8")
    assert current == _generator().render(), (
        "docs/causes.md is stale: run .venv/bin/python scripts/gen_causes_doc.py"
    )


def test_every_cause_has_a_section_its_links_resolve_to() -> None:
    text = (ROOT / CAUSES_DOC).read_text(encoding="utf-8")
    headings = re.findall(r"^### `([^`]+)`$", text, re.M)
    named = {cause.id for cause in CAUSES} | {cause_id for cause_id, _ in STRUCTURAL}
    assert sorted(headings) == sorted(named)
    # The anchor toolguard show links to is the one GitHub makes of each heading.
    assert {rule_anchor(h) for h in headings} == {rule_anchor(c) for c in named}
    for cause in CAUSES:  # a cause's rule link lands on a section of docs/rules.md
        if cause.rule_id:
            assert f"### `{cause.rule_id}`" in (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_check_flag_fails_on_a_stale_page(tmp_path: Path) -> None:
    """--check is what CI runs: exit 0 on the committed page, 1 once it differs."""
    ok = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert (ok.returncode, ok.stderr) == (0, "")
    module = _generator()
    module.DOC_PATH = tmp_path / "causes.md"
    module.DOC_PATH.write_text("stale\n", encoding="utf-8")
    assert module.main(["--check"]) == 1
