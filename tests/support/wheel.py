"""The package built from the checkout, for the packaging tests (fixtures in tests/e2e/conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIP_TIMEOUT = 600
# Written by scripts/bootstrap --test: where its wheelhouse of the runtime dependencies is.
WHEELHOUSE_POINTER = ROOT / ".venv" / ".toolguard-wheelhouse"


@dataclass(frozen=True)
class BuiltWheel:
    path: Path
    log: str  # `pip wheel -v`'s output and errors: setuptools' warnings are in it


def pip(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(python), "-m", "pip", *args, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT,
        check=False,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def wheelhouse() -> Path:
    """scripts/bootstrap --test's wheelhouse: toolguard's runtime dependencies and build requirements.

    The tests run with no network but loopback (tests/support/netns.py), so pip builds and installs
    from it alone (``--no-index --find-links``), never from an index.
    """
    try:
        path = Path(WHEELHOUSE_POINTER.read_text().strip())
    except OSError:
        path = None
    if path is None or not (path / ".toolguard-done").is_file():
        raise AssertionError(
            f"no wheelhouse ({WHEELHOUSE_POINTER} names none that is complete): run scripts/bootstrap --test"
        )
    return path


def offline(*args: str) -> tuple[str, ...]:
    """pip arguments that take packages from the wheelhouse only."""
    return ("--no-index", "--find-links", str(wheelhouse()), *args)


def build_wheel(work: Path) -> BuiltWheel:
    """``pip wheel --no-deps -v`` of a copy of the sources in ``work`` (the worktree gets no build files)."""
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("addon", "analysis"):
        shutil.copytree(
            ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    # The build requirements (setuptools) go into pip's isolated build environment from the wheelhouse.
    result = pip(
        Path(sys.executable),
        "wheel",
        *offline("--no-deps", "-v", "-w", str(work / "dist"), "./src"),
        cwd=work,
    )
    [wheel] = (work / "dist").glob("toolguard-*.whl")
    return BuiltWheel(wheel, result.stdout + result.stderr)


def install_in_new_venv(wheel: Path, work: Path) -> Path:
    """A new venv in ``work`` with only ``wheel`` and its runtime dependencies (no extra); its directory."""
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # --no-compile: byte-compiling all of mitmproxy at install time costs more than these runs save.
    pip(venv / "bin" / "python", "install", *offline("--quiet", "--no-compile", str(wheel)), cwd=work)
    return venv
