"""The test run's own network namespace: only ``lo``, so nothing a test starts can leave 127.0.0.1.

The guide's rule (traffic goes to 127.0.0.1 only) held by care: each client pointed at a loopback
fake. Agent CLIs still looked up or connected to their vendors' hosts on their own (session 23:
Claude Code to api.anthropic.com, opencode to registry.npmjs.org, a Node app test looked up api.openai.test).
Here the rule holds by construction: pytest's main process moves into a new network namespace
before pytest-xdist starts its workers, and every process started from then on (the workers,
mitmdump, the SDKs, the agent CLIs, chromium, PostgreSQL) is its child and inherits it. The
namespace has one interface, ``lo``, brought up here; any other address answers ENETUNREACH at once
(no route), and a DNS query to the machine's resolver fails the same way, so no test waits on a
timeout for it.

``unshare(2)`` with ``CLONE_NEWNET`` needs CAP_SYS_ADMIN: root has it; anyone else gets it in a new
user namespace (``CLONE_NEWUSER``) mapping their own uid and gid to themselves (not to root, as
``unshare -r`` does: PostgreSQL's initdb refuses to run as root). Both need a single-threaded process
(the kernel refuses ``CLONE_NEWUSER`` otherwise, and ``CLONE_NEWNET`` would move only the calling
thread).

``lo`` is brought up with the ``SIOCSIFFLAGS`` ioctl (netdevice(7)) from this process rather than
``ip link set lo up``: iproute2 is not on every machine, and a process in a user namespace where its
uid is not 0 loses the namespace's capabilities at ``execve``, so a child ``ip`` could not do it.

Where the platform refuses (not Linux, user namespaces disabled, a seccomp profile, threads already
running), the run goes on without isolation and says so in the report header and terminal summary.
``TOOLGUARD_TEST_NETWORK=host`` turns it off on purpose.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import struct
import sys
from dataclasses import dataclass

ENV = "TOOLGUARD_TEST_NETWORK"
# Set by the main process for the workers and every child: what was done and why (workers report it).
STATE_ENV = "TOOLGUARD_TEST_NETWORK_STATE"

_SIOCGIFFLAGS = 0x8913  # <linux/sockios.h>
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
_CLONE_NEWNET = 0x40000000  # <linux/sched.h>; os.CLONE_NEWNET on Python >= 3.12
_CLONE_NEWUSER = 0x10000000


@dataclass(frozen=True)
class NetworkState:
    isolated: bool
    detail: str  # one line for the report: what was done, or why not

    def encode(self) -> str:
        return ("isolated:" if self.isolated else "host:") + self.detail

    @classmethod
    def decode(cls, text: str) -> NetworkState:
        kind, _, detail = text.partition(":")
        return cls(kind == "isolated", detail)

    def header(self) -> str:
        if self.isolated:
            return f"network: isolated ({self.detail})"
        return f"network: NOT isolated: {self.detail}"


def interfaces() -> list[str]:
    """The names of this process's network interfaces (its namespace's)."""
    return sorted(name for _, name in socket.if_nameindex())


def only_loopback() -> bool:
    return interfaces() == ["lo"]


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _bring_up_lo() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock.fileno(), _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock.fileno(), _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


def _unshare() -> str:
    """Move this process into a new network namespace with ``lo`` up; what it took (raises OSError)."""
    newnet = getattr(os, "CLONE_NEWNET", _CLONE_NEWNET)
    newuser = getattr(os, "CLONE_NEWUSER", _CLONE_NEWUSER)
    uid, gid = os.geteuid(), os.getegid()
    how = "own network namespace"
    try:
        if uid != 0:
            raise PermissionError(errno.EPERM, "not root")
        os.unshare(newnet)
    except PermissionError:
        # Not root, or root without CAP_SYS_ADMIN (a container): a user namespace gives it.
        os.unshare(newuser | newnet)
        how = "own user and network namespaces"
    # From here on the process is in the new namespace whatever fails: isolated, said with the error.
    try:
        if how != "own network namespace":
            _write("/proc/self/setgroups", "deny")  # required before gid_map without CAP_SETGID outside
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        _bring_up_lo()
    except OSError as error:
        return f"{how}, but setting it up failed: {error}; loopback may not work"
    return f"{how}, only lo: {', '.join(interfaces())}"


def isolate() -> NetworkState:
    """Isolate this process (pytest's main) once; the state the run reports. Never raises."""
    inherited = os.environ.get(STATE_ENV)
    if inherited is not None:  # a pytest started by a test: already inside the run's namespace
        return NetworkState.decode(inherited)
    wanted = os.environ.get(ENV, "").strip().lower()
    if wanted == "host":
        state = NetworkState(False, f"turned off ({ENV}=host); tests can reach any address")
    elif wanted not in ("", "isolated"):
        state = NetworkState(False, f"{ENV}={wanted!r} is not 'host' or 'isolated'; left as is")
    elif not sys.platform.startswith("linux") or not hasattr(os, "unshare"):
        state = NetworkState(False, f"network namespaces need Linux and Python >= 3.12 ({sys.platform})")
    elif (threads := _threads()) != 1:
        state = NetworkState(False, f"pytest already runs {threads} threads; unshare(2) needs one")
    else:
        try:
            state = NetworkState(True, _unshare())
        except OSError as error:
            state = NetworkState(False, f"the platform refused a network namespace: {error}")
    os.environ[STATE_ENV] = state.encode()
    return state


def current() -> NetworkState | None:
    """The run's state as the main process set it (in a worker or child too); None before ``isolate``."""
    text = os.environ.get(STATE_ENV)
    return None if text is None else NetworkState.decode(text)
