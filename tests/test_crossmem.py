"""crossmem: the worker reads a body straight from the proxy's memory (issue #12, session 12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from toolguard_core import crossmem
from toolguard_core.offload import _worker_env

pytestmark = pytest.mark.skipif(not crossmem.available(), reason="process_vm_readv is Linux's")


@pytest.mark.parametrize("size", [0, 1, 2, 4096, (1 << 20) + 3])
def test_a_body_read_by_address_is_the_same_bytes(size: int) -> None:
    body = os.urandom(size)
    seen = crossmem.read(os.getpid(), crossmem.address_of(body), size)
    assert (type(seen), seen) == (bytes, body)
    assert size < 2 or seen is not body  # b"" and one-byte bytes are CPython's shared singletons


def test_a_read_never_writes_into_shared_small_bytes() -> None:
    # Empty and one-byte bytes are singletons CPython shares: read() must make a new object for them.
    source = b"z"
    assert crossmem.read(os.getpid(), crossmem.address_of(source), 1) == b"z"
    assert bytes(0) == b"" and bytes([97]) == b"a"  # the singletons are intact


def test_only_bytes_have_an_address() -> None:
    with pytest.raises(TypeError, match="bytearray"):
        crossmem.address_of(bytearray(b"{}"))  # type: ignore[arg-type]


def test_an_address_not_mapped_is_an_oserror_not_a_crash() -> None:
    with pytest.raises(OSError, match="process_vm_readv"):
        crossmem.read(os.getpid(), 8, 4096)


# A child process probing its parent, as the validation worker does (the parent names it with
# allow_reader first, which Yama's ptrace_scope 1 requires; elsewhere the call changes nothing).
CHILD = """
import sys
from toolguard_core import crossmem
print(repr(crossmem.probe(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
"""


def probe_from_child(address: int, length: int) -> str:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(os.getpid()), str(address), str(length)],
        stdout=subprocess.PIPE,
        env=_worker_env(),
    )
    crossmem.allow_reader(child.pid)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    return out.decode().strip()


def test_a_child_reads_the_probe_from_its_parent() -> None:
    assert probe_from_child(crossmem.address_of(crossmem.PROBE), len(crossmem.PROBE)) == "None"


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("other bytes of the same length", "'the probe read back different bytes'"),
        ("a shorter probe", f"'the probe is 10 bytes, not {len(crossmem.PROBE)}'"),
    ],
)
def test_a_probe_that_does_not_read_back_says_why(what: str, expected: str) -> None:
    other = bytes(len(crossmem.PROBE))
    length = 10 if what == "a shorter probe" else len(other)
    assert probe_from_child(crossmem.address_of(other), length) == expected


def test_the_probe_is_json_safe_for_the_worker_hello() -> None:
    why = crossmem.probe(os.getpid(), 8, len(crossmem.PROBE))
    assert why is not None and json.loads(json.dumps({"why": why}))["why"] == why


def test_the_address_from_id_is_the_one_ctypes_gives() -> None:
    # address_of adds a once-measured offset to id() instead of asking ctypes per body (the request
    # hook's cost); it must name the same bytes for objects of every size.
    for body in (b"ab", bytes(1000), os.urandom(1 << 16)):
        assert crossmem.address_of(body) == crossmem._c_address(body)
