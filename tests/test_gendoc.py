"""The five doc generators share one ``--check`` (toolguard_analysis.gendoc): on a stale page each exits 1,
prints the unified diff from the page on disk to the generated one, and names the command that
regenerates it; on a current page it exits 0 and prints nothing; without ``--check`` it writes the page."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATORS = ["rules", "providers", "causes", "cli", "verdicts"]


def _generator(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"gen_{name}_doc", ROOT / "scripts" / f"gen_{name}_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", GENERATORS)
def test_check_prints_the_diff_and_the_command(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = _generator(name)
    current = module.DOC_PATH.read_text(encoding="utf-8")
    if name == "cli":  # its render runs `toolguard --help` per command (tests/test_cli_doc.py does that)
        monkeypatch.setattr(module, "render", lambda: current)
    lines = current.splitlines(keepends=True)
    # A line of the generated part goes missing: two lines after the GENERATED marker, or the page's third.
    begin = next((i for i, line in enumerate(lines) if getattr(module, "BEGIN", "\0") in line), 0)
    dropped = lines.pop(begin + 2)
    page = tmp_path / f"{name}.md"
    page.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(module, "DOC_PATH", page)

    assert module.main(["--check"]) == 1
    out, err = capsys.readouterr()
    diff = out.splitlines()
    assert diff[:2] == [f"--- {page} (on disk)", f"+++ {page} (generated)"]
    assert [line for line in diff[2:] if line[:1] in "+-"] == [f"+{dropped.rstrip(chr(10))}"]
    assert err == f"{page} is stale: run .venv/bin/python scripts/gen_{name}_doc.py and commit it.\n"

    assert module.main([]) == 0  # regenerate: the page is current again
    assert page.read_text(encoding="utf-8") == current
    capsys.readouterr()
    assert module.main(["--check"]) == 0
    assert capsys.readouterr() == ("", "")
