"""The package's import structure (issue #15): no import cycle anywhere, the summary library loads
neither click nor subprocess, and the addon loads no CLI module.

The cycle check reads the source with ``ast`` (module-level and function-level imports alike: a
deferred import that closes a cycle is still a cycle in the design)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"toolguard_core": ROOT / "addon" / "toolguard_core", "toolguard_analysis": ROOT / "analysis"}


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package, directory in PACKAGES.items():
        for path in directory.rglob("*.py"):
            parts = path.relative_to(directory).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import module` imports the submodule; `from module import name` the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_packages() -> None:
    graph = _graph()
    assert "toolguard_core.request" in graph and "toolguard_analysis.summary" in graph
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True, cwd=ROOT
    )
    return set(result.stdout.split())


def test_the_summary_library_loads_neither_click_nor_subprocess() -> None:
    loaded = _loaded_after("from toolguard_analysis.summary import build_summary")
    assert "toolguard_analysis.summary" in loaded
    assert not {"click", "subprocess", "toolguard_analysis.cli"} & loaded


def test_the_addon_loads_no_cli_module() -> None:
    # (click itself is loaded by sqlite-utils, the store's dependency; toolguard's CLI is not.)
    loaded = _loaded_after("import toolguard_core.addon; from toolguard_analysis import render, summary")
    assert {"toolguard_core.addon", "toolguard_analysis.summary"} <= loaded
    assert "toolguard_analysis.cli" not in loaded


def test_a_rule_ids_prefix_names_its_module() -> None:
    from toolguard_core.rules import RULES
    from toolguard_core.rules.registry import RULE_MODULES

    assert set(RULE_MODULES) == set(RULES)
    misplaced = {
        rule_id: module
        for rule_id, module in RULE_MODULES.items()
        if module != f"toolguard_core.rules.{rule_id.split('.', 1)[0]}"
    }
    assert misplaced == {}


def test_no_rule_module_imports_another() -> None:
    from toolguard_core.rules.registry import RULE_MODULES

    rule_modules = set(RULE_MODULES.values())
    graph = _graph()
    crossing = {m: sorted(graph[m] & rule_modules) for m in rule_modules if graph[m] & rule_modules}
    assert crossing == {}
