"""Loopback ports a test names before anything binds them: one nothing listens on, or one a server
the test starts will listen on.

Both used to be "bind port 0, read the port, close the socket": the port went back to the kernel's
ephemeral range, where every concurrent ``-p 0`` server (mitmdump, the fake providers) and every
outgoing connection of the other xdist worker takes its ports. A port "nobody listens on" could be
a fake provider's a moment later, and a port chosen for ``toolguard run --port`` could be taken as a
client socket's local port before mitmdump bound it ("address already in use").

- :func:`refused_port`: the socket stays bound, without listening, for the rest of the test process:
  a connection to it is refused (RST), and no other socket can bind it (none sets ``SO_REUSEADDR``
  on ours, and Linux lets a second bind through only when both do).
- :func:`fixed_port`: a port free now, drawn outside the kernel's ephemeral range
  (``/proc/sys/net/ipv4/ip_local_port_range``), which ``bind(0)`` and ``connect`` never hand out;
  only another test drawing the same number could race for it (1 in some 20,000).
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

#: Sockets :func:`refused_port` keeps bound until the test process ends (a few per run).
_HELD: list[socket.socket] = []

#: The lowest port :func:`fixed_port` draws (above the registered ports most services use).
_LOWEST = 10_000


def refused_port() -> int:
    """A loopback port every connection to is refused, for as long as the test process lives."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _HELD.append(sock)
    return int(sock.getsockname()[1])


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):  # not Linux: the IANA dynamic range's start
        return 49152


def fixed_port() -> int:
    """A loopback port free now that no ``bind(0)`` or outgoing connection can take meanwhile."""
    high = _ephemeral_low()
    for _ in range(100):
        port = random.randrange(_LOWEST, high)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free loopback port in {_LOWEST}..{high - 1}")
