"""Session fixtures for the packaging tests: the wheel is built once and installed into one fresh venv.

Three tests need a package built from the checkout (test_wheel_contents_e2e, test_wheel_install_e2e,
test_plain_install_e2e). Each built its own, and two created a venv with every runtime dependency
installed (mitmproxy and its tree): the same work three times. None of them changes the wheel or the
venv (the installed ``toolguard`` writes its database and confdir in the test's own directory), so one
of each serves them all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.wheel import BuiltWheel, build_wheel, install_in_new_venv


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> BuiltWheel:
    return build_wheel(tmp_path_factory.mktemp("wheel-build"))


@pytest.fixture(scope="session")
def wheel_venv(built_wheel: BuiltWheel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_in_new_venv(built_wheel.path, tmp_path_factory.mktemp("wheel-venv"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test using the built wheel runs on one pytest-xdist worker (``--dist loadgroup``).

    A session fixture is per worker: spread over two, the wheel would be built and its venv installed
    twice (~30 s of pip each), and the point of sharing them is to do that once. Derived from the
    fixtures a test asks for, so a new wheel test joins the group without a mark.
    """
    for item in items:
        if {"built_wheel", "wheel_venv"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("wheel"))
