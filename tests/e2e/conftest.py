"""Session fixtures for the packaging tests: the wheel is built once and installed into one fresh venv.

Three tests need a package built from the checkout (test_wheel_contents_e2e, test_wheel_install_e2e,
test_plain_install_e2e). Each built its own, and two created a venv with every runtime dependency
installed (mitmproxy and its tree): the same work three times. None of them changes the wheel or the
venv (the installed ``toolguard`` writes its database and confdir in the test's own directory), so one
of each serves them all, across pytest-xdist workers too.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from support.wheel import BuiltWheel, build_wheel, install_in_new_venv


def made_once_per_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]
) -> Path:
    """The directory ``name``, filled by ``make`` once per test run whichever pytest-xdist worker asks first.

    A session fixture is per worker: spread over two workers, the wheel would be built and its venv
    installed twice (~30 s of pip each). Under xdist the workers' temporary directories share a parent
    (pytest-N/popen-gwK), so the first worker builds there under an exclusive lock and the others wait
    and reuse it: pytest-xdist's documented recipe for "session fixtures that execute only once". A
    failed ``make`` leaves no ``.done`` stamp: the next worker tries again (and fails the same way).
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    target = base / name
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".done").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            make(target)
            (target / ".done").touch()
    return target


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> BuiltWheel:
    def make(work: Path) -> None:
        (work / "pip-wheel.log").write_text(build_wheel(work).log)

    work = made_once_per_run(tmp_path_factory, "wheel-build", make)
    [wheel] = (work / "dist").glob("toolguard-*.whl")
    return BuiltWheel(wheel, (work / "pip-wheel.log").read_text())


@pytest.fixture(scope="session")
def wheel_venv(built_wheel: BuiltWheel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = made_once_per_run(
        tmp_path_factory, "wheel-venv", lambda work: install_in_new_venv(built_wheel.path, work)
    )
    return work / "venv"
