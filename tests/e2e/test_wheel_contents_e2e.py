"""The wheel carries every file the packages read at run time, and building it gives no setuptools
warning about undeclared packages.

``toolguard_core/data/`` (the model catalog snapshot) was shipped as package data of ``toolguard_core``
while not being a declared package, so ``pip install .`` warned "Package 'toolguard_core.data' is
absent from the packages configuration" (setuptools' deprecation path before it stops shipping such
files). The expected contents come from the source tree itself: every tracked file under the two
package directories, so a new data file that the packaging config misses fails this test."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from support.wheel import BuiltWheel

ROOT = Path(__file__).resolve().parents[2]
# Where each import package's files live in the checkout (pyproject's [tool.setuptools.package-dir]).
PACKAGE_DIRS = {"toolguard_core": "addon/toolguard_core", "toolguard_analysis": "analysis"}


def expected_files() -> set[str]:
    """The wheel paths of every tracked file under the package directories."""
    out = subprocess.run(
        ["git", "ls-files", *PACKAGE_DIRS.values()],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    ).stdout.split()
    paths = set()
    for tracked in out:
        for package, directory in PACKAGE_DIRS.items():
            if tracked.startswith(directory + "/"):
                paths.add(package + tracked.removeprefix(directory))
    return paths


@pytest.mark.e2e
def test_the_wheel_ships_every_package_file_without_a_packaging_warning(built_wheel: BuiltWheel) -> None:
    # The wheel and `pip wheel -v`'s log come from tests/e2e/conftest.py (built once per session).
    log = built_wheel.log
    assert "absent from the `packages` configuration" not in log
    assert "absent from the packages configuration" not in log.replace("`", "")
    with zipfile.ZipFile(built_wheel.path) as archive:
        shipped = {name for name in archive.namelist() if name.split("/")[0] in PACKAGE_DIRS}
    expected = expected_files()
    assert "toolguard_core/data/model_catalog.json" in expected  # the file the warning was about
    assert shipped == expected
