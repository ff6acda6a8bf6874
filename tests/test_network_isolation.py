"""The test run cannot leave loopback: its processes live in a network namespace with only ``lo``.

tests/conftest.py moves pytest's main process into it (tests/support/netns.py) before the workers
start. These tests fail if that is lost: a worker, or a process a test starts, that has another
interface or reaches an address off loopback. Where the platform refused the namespace (or
``TOOLGUARD_TEST_NETWORK=host`` turned it off) they skip with the reason the report header gives.

192.0.2.1 (TEST-NET-1, RFC 5737) and 2001:db8::1 (RFC 3849) are documentation addresses, never
routed on the internet; a machine may still have them on its own network (one of ours has its
gateway at 192.0.2.1), so nothing here connects before the namespace is checked to hold only ``lo``.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support import netns

ROOT = Path(__file__).resolve().parents[1]
UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH}
OFF_LOOPBACK = [("192.0.2.1", socket.AF_INET), ("2001:db8::1", socket.AF_INET6)]

# What a child reports: its interfaces, its namespace, and the errno of a connection off loopback
# (made only when it has nothing but lo).
CHILD_PROBE = """
import os, socket, sys
names = sorted(name for _, name in socket.if_nameindex())
print(",".join(names))
print(os.readlink("/proc/self/ns/net"))
if names != ["lo"]:
    sys.exit(0)
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.settimeout(10)
try:
    sock.connect(("192.0.2.1", 443))
    print("connected")
except TimeoutError:
    print("timeout")
except OSError as error:
    print(error.errno)
"""


@pytest.fixture
def isolated() -> netns.NetworkState:
    state = netns.current()
    assert state is not None, "tests/conftest.py did not set the run's network state"
    if not state.isolated:
        pytest.skip(state.header())
    return state


def _connect_errno(address: str, family: socket.AddressFamily) -> int | str:
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)  # a namespace that lost its isolation would wait here, not answer at once
        try:
            sock.connect((address, 443))
        except TimeoutError:
            return "timeout"
        except OSError as error:
            return error.errno
    return "connected"


def test_the_worker_has_only_loopback_and_it_works(isolated: netns.NetworkState) -> None:
    assert netns.interfaces() == ["lo"]
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=10) as client:
            accepted, _ = server.accept()
            with accepted:
                client.sendall(b"ping")
                assert accepted.recv(4) == b"ping"


@pytest.mark.parametrize(("address", "family"), OFF_LOOPBACK, ids=["ipv4", "ipv6"])
def test_a_connection_off_loopback_is_refused_at_once(
    isolated: netns.NetworkState, address: str, family: socket.AddressFamily
) -> None:
    assert netns.interfaces() == ["lo"]  # checked before connecting: see the module's docstring
    assert _connect_errno(address, family) in UNREACHABLE


def test_a_public_name_does_not_resolve(isolated: netns.NetworkState) -> None:
    """The first thing the agent CLIs did on their own (api.anthropic.com, registry.npmjs.org): the
    machine's resolver is off loopback, so the lookup fails instead of leaving the machine."""
    assert netns.interfaces() == ["lo"]
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("api.anthropic.com", 443, type=socket.SOCK_STREAM)


def test_a_python_child_is_isolated_too(isolated: netns.NetworkState) -> None:
    run = subprocess.run(
        [sys.executable, "-c", CHILD_PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    names, namespace, outcome = run.stdout.split()
    assert (names, namespace) == ("lo", os.readlink("/proc/self/ns/net"))
    assert int(outcome) in UNREACHABLE


NODE_PROBE = """
const os = require("os"), net = require("net"), fs = require("fs");
const names = Object.keys(os.networkInterfaces()).sort();
console.log(names.join(","));
console.log(fs.readlinkSync("/proc/self/ns/net"));
if (names.join(",") === "lo") {
  const sock = net.connect({ host: "192.0.2.1", port: 443, timeout: 10000 });
  sock.on("connect", () => { console.log("connected"); sock.destroy(); });
  sock.on("timeout", () => { console.log("timeout"); sock.destroy(); });
  sock.on("error", (error) => console.log(error.code));
}
"""


def test_a_node_child_is_isolated_too(isolated: netns.NetworkState) -> None:
    """Node, as the agent CLIs (Claude Code, Codex, opencode, qwen-code) and the apps are started."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (scripts/bootstrap --test needs it for the agent CLIs)")
    run = subprocess.run([node, "-e", NODE_PROBE], capture_output=True, text=True, timeout=60, check=True)
    names, namespace, outcome = run.stdout.split()
    assert (names, namespace, outcome) == ("lo", os.readlink("/proc/self/ns/net"), "ENETUNREACH")


def _inner_pytest(env: dict[str, str], prelude: str = "") -> str:
    """A pytest run of this file's ``test_the_run_knows_its_state`` as a developer would start it
    (the run's state not inherited), its output. ``prelude`` runs first in that process."""
    env = {key: value for key, value in os.environ.items() if key != netns.STATE_ENV} | env
    code = f"{prelude}\nimport pytest\nraise SystemExit(pytest.main())"
    node_id = f"{Path(__file__).relative_to(ROOT)}::test_the_run_knows_its_state"
    run = subprocess.run(
        [sys.executable, "-c", code, "-p", "no:cacheprovider", "-n", "0", node_id],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run.stdout


def test_the_run_knows_its_state() -> None:
    state = netns.current()
    assert state is not None
    if state.isolated:
        assert netns.only_loopback()


def _header_and_summary(output: str) -> tuple[list[str], list[str]]:
    """The report header's network line and the terminal summary's (a ``=`` separator line)."""
    lines = output.splitlines()
    header = [line for line in lines if line.startswith("network: ")]
    summary = [line.strip("= ") for line in lines if line.startswith("=") and "network: " in line]
    return header, summary


def test_turned_off_is_said_in_the_header_and_the_summary() -> None:
    output = _inner_pytest({netns.ENV: "host"})
    said = "network: NOT isolated: turned off (TOOLGUARD_TEST_NETWORK=host); tests can reach any address"
    header, summary = _header_and_summary(output)
    assert (header, summary) == ([said], [said])


def test_a_refused_namespace_is_said_and_the_run_goes_on() -> None:
    """As where user namespaces are disabled (a container's seccomp profile, a sysctl): EPERM."""
    refuse = (
        "import errno, os\n"
        "def unshare(flags):\n"
        "    raise PermissionError(errno.EPERM, 'Operation not permitted')\n"
        "os.unshare = unshare"
    )
    output = _inner_pytest({netns.ENV: ""}, prelude=refuse)
    said = (
        "network: NOT isolated: the platform refused a network namespace: [Errno 1] Operation not permitted"
    )
    header, summary = _header_and_summary(output)
    assert (header, summary) == ([said], [said])
