"""The validation worker reads a body straight from the proxy's memory (Linux cross-memory attach).

Handing a ~1 MB agent conversation to the worker through shared memory (offload.Arena) means
copying it into the ring on mitmproxy's event loop: about 0.2 ms a body on this project's VM, most
of what toolguard still added to the loop per 1 MB request (issue #12, docs/benchmarks.md, the
twelfth session). With ``process_vm_readv(2)`` the worker copies the body out of the proxy's
address space itself, on its own CPU, and the proxy's share is the body's address in a descriptor.
MPI implementations move large messages between processes of one node the same way ("CMA").

The proxy keeps a reference to every body until the worker has answered its job (offload._Job
does already, to send it again should the worker die), so the bytes stay where the descriptor says
for as long as the worker may read them: CPython neither moves nor mutates a ``bytes`` object.

Whether the worker may read the proxy depends on the machine: the kernel (Linux 3.2+), a seccomp
filter (containers), Yama's ``ptrace_scope`` (1, Ubuntu's default, lets a process be read by its
ancestors only, so the proxy names the worker with ``PR_SET_PTRACER``; 2 and 3 forbid it) and the
proxy being dumpable. So it is never assumed: the worker reads :data:`PROBE` from the proxy once at
start and says whether that worked, and until it has said yes, and wherever it says no, bodies go
through the shared-memory ring as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

#: What the worker reads from the proxy at start to find out whether it can (offload.Validator keeps
#: this object alive and sends its address; the worker compares what it read with its own copy).
PROBE = b"toolguard: can the validation worker read the proxy's memory? " * 64

#: prctl(2): who may ptrace (and so process_vm_readv) this process under Yama's ptrace_scope 1.
PR_SET_PTRACER = 0x59616D61


class _IoVec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None
    if not hasattr(libc, "process_vm_readv"):  # a libc older than glibc 2.15
        return None
    libc.process_vm_readv.argtypes = [
        ctypes.c_int,
        ctypes.POINTER(_IoVec),
        ctypes.c_ulong,
        ctypes.POINTER(_IoVec),
        ctypes.c_ulong,
        ctypes.c_ulong,
    ]
    libc.process_vm_readv.restype = ctypes.c_ssize_t
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    libc.prctl.restype = ctypes.c_int
    return libc


def _c_address(body: bytes) -> int:
    address = ctypes.cast(ctypes.c_char_p(body), ctypes.c_void_p).value
    assert address is not None
    return address


def _data_offset() -> int | None:
    """How far a bytes object's bytes are from its ``id()`` (CPython: the object's address), asked
    of ctypes once: ``id(body) + offset`` then costs the request hook nothing, where ``ctypes.cast``
    per body cost about 10 µs of the event loop. None: ask ctypes every time."""
    samples = [b"toolguard", bytes(range(40))]
    offsets = {_c_address(sample) - id(sample) for sample in samples}
    offset = offsets.pop() if len(offsets) == 1 else None
    return offset if offset is not None and 0 < offset <= 64 else None


try:
    # A new bytes object of a given size whose contents are filled in before anyone else sees it, as
    # C code does with PyBytes_FromStringAndSize(NULL, n): the body is read into the object the rules
    # get, not into a buffer copied once more (another 0.1-0.2 ms a 1 MB body).
    _new_bytes = ctypes.pythonapi.PyBytes_FromStringAndSize
    _new_bytes.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
    _new_bytes.restype = ctypes.py_object
    _LIBC = _libc()
    _DATA_OFFSET = _data_offset()
except AttributeError:  # not CPython: no pythonapi
    _LIBC, _DATA_OFFSET = None, None


def available() -> bool:
    """This platform has ``process_vm_readv`` at all (whether this worker may use it is the probe's)."""
    return _LIBC is not None


def address_of(body: bytes) -> int:
    """Where ``body``'s bytes are in this process (valid while ``body`` is referenced)."""
    if type(body) is not bytes:  # a subclass or a buffer: elsewhere
        raise TypeError(f"only bytes have a fixed address, not {type(body).__name__}")
    return id(body) + _DATA_OFFSET if _DATA_OFFSET is not None else _c_address(body)


def allow_reader(pid: int) -> None:
    """Let process ``pid`` (the worker, a child, not an ancestor) read this one where Yama's
    ``ptrace_scope`` is 1. Without Yama the call fails harmlessly (EINVAL); the probe decides."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PTRACER, pid, 0, 0, 0)


def read(pid: int, address: int, length: int) -> bytes:
    """``length`` bytes at ``address`` in process ``pid``, as a new bytes object; OSError when the
    kernel refuses (permission, an address not mapped) or reads short."""
    if _LIBC is None:
        raise OSError("process_vm_readv is not available here")
    if length < 2:
        # Empty and one-byte bytes objects are shared singletons: never written into.
        return _read_into_buffer(pid, address, length)
    body: bytes = _new_bytes(None, length)
    _read_at(pid, address, length, _c_address(body))
    return body


def _read_into_buffer(pid: int, address: int, length: int) -> bytes:
    buffer = ctypes.create_string_buffer(max(length, 1))
    if length:
        _read_at(pid, address, length, ctypes.addressof(buffer))
    return buffer.raw[:length]


def _read_at(pid: int, address: int, length: int, into: int) -> None:
    assert _LIBC is not None
    done = 0
    while done < length:  # the kernel may read less than asked (it says so; then the rest)
        local = _IoVec(into + done, length - done)
        remote = _IoVec(address + done, length - done)
        got = _LIBC.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
        if got <= 0:
            errno = ctypes.get_errno() if got < 0 else 0
            raise OSError(errno, f"process_vm_readv: {os.strerror(errno) if errno else 'read nothing'}")
        done += got


def probe(pid: int, address: int, length: int) -> str | None:
    """Read :data:`PROBE` from the proxy: None when that worked, else why not (for its log line)."""
    if length != len(PROBE):
        return f"the probe is {length} bytes, not {len(PROBE)}"
    try:
        seen = read(pid, address, length)
    except OSError as exc:
        return str(exc)
    return None if seen == PROBE else "the probe read back different bytes"
