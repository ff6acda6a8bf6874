"""Shared fixtures: the loopback fake provider, a real mitmdump in front of it, a real openai client.

Only the provider is fake (127.0.0.1, port 0, bounded request count, timeouts on every socket);
mitmdump, the addon, SQLite and the openai SDK are the real ones.

    def test_something(upstream, mitmdump_reverse, openai_client):
        upstream.handler = openai_like()            # or canned(400, {...}), StreamReply, Abort
        proxy = mitmdump_reverse()                  # started; stopped (SIGINT) at teardown
        client = openai_client(proxy)               # base_url=<proxy>/v1, unique fake key
        ...
        proxy.stop()                                # then read proxy.flows(), proxy.findings()
"""

from __future__ import annotations

import itertools
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import netns
from support.proxy import Mitmdump, MitmdumpError
from support.upstream import TLSFiles, Upstream, make_self_signed, openai_like

# Per-request timeout for the openai SDK in tests: a stuck proxy fails the test instead of hanging it.
CLIENT_TIMEOUT = 15.0


_NETWORK = pytest.StashKey[netns.NetworkState]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """The run's own network namespace, only ``lo`` (tests/support/netns.py), before anything starts.

    In the main process, before pytest-xdist starts its workers (at session start): they, and every
    process a test starts, inherit it. A worker reads the main process's state from the environment.
    """
    config.stash[_NETWORK] = netns.isolate()


def pytest_report_header(config: pytest.Config) -> str:
    return config.stash[_NETWORK].header()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Said again at the end when the run was not isolated: never silently unisolated."""
    state = config.stash.get(_NETWORK, None)
    if state is not None and not state.isolated:
        terminalreporter.write_sep("=", state.header(), yellow=True, bold=True)


def _worker_count() -> int:
    """The CPUs this process may run on (a container's or taskset's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """How many pytest-xdist workers ``-n auto`` (pyproject's addopts) starts.

    One per CPU: the suite is mostly waiting on child processes (mitmdump, the SDKs, the agent CLIs,
    PostgreSQL), so both cores of a CI machine are kept busy. None (in-process, as without xdist)
    when the command line names a single file or node ids in one file: a developer's quick run does
    not pay ~2 s of worker start-up and keeps ``print``/``--pdb`` behaving as usual.
    ``TOOLGUARD_TEST_WORKERS=N`` overrides both (0: in-process).
    """
    override = os.environ.get("TOOLGUARD_TEST_WORKERS", "").strip()
    if override:
        return int(override)
    if config.args_source is pytest.Config.ArgsSource.ARGS:
        files = {arg.split("::", 1)[0] for arg in config.args}
        if len(files) == 1 and not os.path.isdir(next(iter(files))):
            return 0
    return _worker_count()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The end-to-end tests first, the rest after, each in file order (a stable sort).

    They are 1 % of the tests and about half of the time. xdist deals tests out in collection order,
    in chunks (``--maxschedchunk`` in pyproject), so started first they are shared by both workers
    while the thousands of short in-process tests fill in around them and even out the end. Started
    last (tests/e2e/ sorts after tests/*.py), they ran on whichever worker happened to hold them
    while the other sat idle. Within each half the order is unchanged.
    """
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


@pytest.fixture(autouse=True)
def _in_process_hooks_write_on_a_thread(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process hook tests (taddons) build rows on the writer thread, not a child process.

    Starting the writer process costs about 0.3 s per addon (2.9 s under load) and some 350 hook
    tests each start one: ten times their own run time. The rows are the same either way (the child
    runs the same Store code; tests/test_writerproc.py checks process and thread give equal rows and
    stats), and the process transport keeps its own tests: tests/test_writerproc.py, tests marked
    ``writer_process``, and every e2e test, whose real mitmdump runs the default. A test that passes
    ``toolguard_writer`` explicitly gets what it asks for.
    """
    if request.node.get_closest_marker("e2e") or request.node.get_closest_marker("writer_process"):
        return
    from toolguard_core import addon

    monkeypatch.setattr(addon, "DEFAULT_WRITER", "thread")


@pytest.fixture(autouse=True)
def _test_masters_unhook_their_log_bridge(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mitmproxy test context, on leaving, takes its master's log bridge off the root logger.

    ``Master.__init__`` installs ``LegacyLogEvents`` (every log record posted to the master's loop
    with ``call_soon_threadsafe``) and only ``Master.done`` (the end of ``Master.run``, what a real
    mitmdump goes through once) uninstalls it; ``taddons.context`` never does. A test that runs two
    contexts under two ``asyncio.run`` calls (tests/test_lean_lane.py: the lean path, then the full
    one) kept the first master's bridge: the second run's first log record raised "Event loop is
    closed" out of ``logger.warning`` in the caller (the validator's reader task, which then ended
    with that exception, reported as never retrieved: the PytestUnraisableExceptionWarning of every
    CI log, session 21). Leaving the context is the test master's end, as ``done`` is a real one's.
    """
    taddons = sys.modules.get("mitmproxy.test.taddons")
    if taddons is None:  # the test uses no mitmproxy test context
        return
    leave = taddons.context.__exit__

    def exit_and_unhook(self: Any, *exc_info: Any) -> Any:
        self.master._legacy_log_events.uninstall()
        return leave(self, *exc_info)

    monkeypatch.setattr(taddons.context, "__exit__", exit_and_unhook)


@pytest.fixture
def guard_db(tmp_path: Path) -> Iterator[tuple[Any, Any, Path]]:
    """The real addon's hooks in mitmproxy's test context, storing to a new SQLite file: ``(addon,
    tctx, db_path)``; ``done()`` at teardown (the run row written, the store drained). For tests
    that drive the hooks with tflow flows and read the file (tests/test_addon_unrecognised.py,
    tests/test_addon_catalog.py)."""
    from mitmproxy.test import taddons

    from toolguard_core.addon import ToolGuard

    db_path = tmp_path / "toolguard.db"
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        yield addon, tctx, db_path
        addon.done()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """A started fake provider answering like OpenAI (``upstream.handler`` can be replaced)."""
    server = Upstream(openai_like())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def upstream_tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    """A self-signed certificate for ``Upstream(tls=...)`` (127.0.0.1 and localhost)."""
    return make_self_signed(tmp_path_factory.mktemp("upstream-tls"))


@pytest.fixture
def mitmdump_factory(tmp_path: Path) -> Iterator[Callable[..., Mitmdump]]:
    """Start real mitmdump processes with toolguard; each gets its own confdir and database.

    ``mitmdump_factory(mode=None, options=None, args=(), env=None, db_path=None)``; all still running
    at teardown are stopped with SIGINT (killed if that fails).
    """
    started: list[Mitmdump] = []
    counter = itertools.count()

    def start(**kwargs: Any) -> Mitmdump:
        proxy = Mitmdump(tmp_path / f"mitmdump-{next(counter)}", **kwargs)
        started.append(proxy)
        return proxy.start()

    try:
        yield start
    finally:
        for proxy in started:
            if proxy.running:
                try:
                    proxy.stop()
                except MitmdumpError:
                    proxy.kill()


@pytest.fixture
def mitmdump_reverse(
    upstream: Upstream, mitmdump_factory: Callable[..., Mitmdump]
) -> Callable[..., Mitmdump]:
    """``mitmdump_reverse(**kwargs)``: mitmdump in ``--mode reverse:<upstream.url>``."""

    def start(**kwargs: Any) -> Mitmdump:
        return mitmdump_factory(mode=f"reverse:{upstream.url}", **kwargs)

    return start


def fake_api_key() -> str:
    """A unique, realistic-looking key (``sk-proj-`` + 48 random chars) to hunt for in the database."""
    return "sk-proj-" + secrets.token_urlsafe(36)


@pytest.fixture
def openai_client() -> Callable[..., Any]:
    """``openai_client(proxy_or_url, api_key=None, **kwargs)``: a real ``openai.OpenAI`` client.

    Given a :class:`Mitmdump` it uses ``<proxy.url>/v1`` (reverse mode); given a string, that base URL.
    ``max_retries=0`` so every request reaches the upstream once; the key is on ``client.api_key``.
    """
    openai = pytest.importorskip("openai")
    clients: list[Any] = []

    def make(target: Mitmdump | str, api_key: str | None = None, **kwargs: Any) -> Any:
        base_url = f"{target.url}/v1" if isinstance(target, Mitmdump) else target
        kwargs.setdefault("max_retries", 0)
        kwargs.setdefault("timeout", CLIENT_TIMEOUT)
        client = openai.OpenAI(base_url=base_url, api_key=api_key or fake_api_key(), **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(autouse=True)
def _no_proxy_env_leaks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients under test must go exactly where the test says, never through a proxy from the env."""
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "")
    if "OPENAI_BASE_URL" in os.environ:
        monkeypatch.delenv("OPENAI_BASE_URL")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A real PostgreSQL server (Debian's package) on a throwaway cluster, for the whole session."""
    pytest.importorskip("psycopg")
    from support.postgres import PostgresServer, binaries

    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; scripts/bootstrap --test does)")
    server = PostgresServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def postgres_url(postgres_server: Any) -> str:
    """The URL of a new, empty database on the session's PostgreSQL server."""
    return postgres_server.create_database("t_" + secrets.token_hex(6))
