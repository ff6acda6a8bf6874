"""No check chooses a severity itself (issue 9, deliverable 3).

A rule declares its level per provider once (``policy=`` on :func:`define`); a check reports through
:meth:`Rule.report`, which reads that policy. These tests read the source of every module that emits
findings for a request and fail on the three ways a check could pick a level on its own:

* building a ``Finding(...)`` directly (only the registry, which applies the policy, may);
* passing a severity to ``Rule.finding``/``Rule.report`` (keyword or an extra positional argument);
* naming ``Severity.X`` inside a function that reads a request (a function with a ``view`` parameter).

Findings that are not a rule's verdict on a request are outside this check and named here: the learned
constraints (``learned.py``: what this host answered before, always an error) and the deserialisers that
rebuild stored findings (``offload.py``, ``analysis/show.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "addon" / "toolguard_core"
#: Where a Finding may be built: the registry applies the declared policy.
POLICY_MODULES = frozenset({"registry.py", "policy.py"})
#: Every module whose findings are a rule's verdict on a request.
EMITTERS = sorted([*(CORE / "rules").glob("*.py"), CORE / "analyze.py", CORE / "addon.py"])


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _violations(path: Path) -> list[str]:
    out: list[str] = []
    tree = _tree(path)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if name == "Finding" and path.name not in POLICY_MODULES:
            out.append(f"{where}: builds a Finding itself; report through the rule")
        if name in ("finding", "report"):
            if any(k.arg == "severity" for k in node.keywords):
                out.append(f"{where}: passes a severity to Rule.{name}")
            limit = 2 if name == "finding" else 3  # (location, message) / (view, location, message)
            if len(node.args) > limit:
                out.append(f"{where}: passes an extra positional argument (a severity?) to Rule.{name}")
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or path.name in POLICY_MODULES:
            continue
        if "view" not in {a.arg for a in [*fn.args.args, *fn.args.kwonlyargs]}:
            continue
        for node in ast.walk(fn):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Severity"
            ):
                out.append(
                    f"{path.relative_to(ROOT)}:{node.lineno}: {fn.name}() reads a request and names "
                    f"Severity.{node.attr}; declare the level on the rule's policy"
                )
    return out


@pytest.mark.parametrize("path", EMITTERS, ids=lambda p: str(p.relative_to(CORE)))
def test_no_check_chooses_a_severity(path: Path) -> None:
    assert _violations(path) == []


def test_the_scan_sees_each_way_of_choosing_a_severity(tmp_path: Path) -> None:
    """The scan itself can fail: each forbidden form in a scratch module is reported."""
    module = tmp_path / "rules_sample.py"
    module.write_text(
        "def check_x(view):\n"
        "    yield Finding(rule='x', severity='error', location='a', message='b')\n"
        "    yield RULE.finding('a', 'b', severity=Severity.ERROR)\n"
        "    yield RULE.finding('a', 'b', Severity.WARNING)\n"
        "    yield from RULE.report(view, 'a', 'b', severity='error')\n",
        encoding="utf-8",
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = _violations(module)
    finally:
        ROOT = saved
    assert len(found) == 6, found
    assert sum("builds a Finding" in v for v in found) == 1
    assert sum("passes a severity" in v for v in found) == 2
    assert sum("extra positional" in v for v in found) == 1
    assert sum("names Severity." in v for v in found) == 2
