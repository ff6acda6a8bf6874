"""The worker polls its input while traffic lasts (worker.next_input), so the proxy's write of a
window's descriptors wakes nobody (issue #12); idle, it sleeps on the pipe. Real pipes, a real
writer thread: what each way of waiting returns, and that none of them loses or invents input."""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
from collections.abc import Iterator

import pytest

from toolguard_core import worker
from toolguard_core.offload import _REPLY, KIND_INLINE, encode_context, encode_job


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)  # as serve() sets its stdin
    yield read_end, write_end
    for fd in (read_end, write_end):
        with contextlib.suppress(OSError):
            os.close(fd)


def write_later(fd: int, data: bytes | None, delay: float) -> threading.Thread:
    """Write ``data`` (None: close the end) after ``delay`` seconds, on a thread."""

    def run() -> None:
        time.sleep(delay)
        if data is None:
            os.close(fd)
        else:
            os.write(fd, data)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("poll_for", "data", "delay", "expected"),
    [
        (1.0, b"descriptors", 0.0, b"descriptors"),  # already there: returned at once
        (1.0, b"descriptors", 0.05, b"descriptors"),  # came while polling
        (0.0, b"descriptors", 0.05, b"descriptors"),  # came while asleep on the pipe
        (1.0, None, 0.05, b""),  # the proxy closed its end while polling: the end of input
        (0.0, None, 0.05, b""),  # ... or while asleep
    ],
)
def test_next_input_returns_what_the_proxy_wrote(
    pipe: tuple[int, int], poll_for: float, data: bytes | None, delay: float, expected: bytes
) -> None:
    read_end, write_end = pipe
    writer = write_later(write_end, data, delay)
    got = worker.next_input(read_end, time.monotonic() + poll_for)
    writer.join()
    assert got == expected


def test_a_poll_finds_input_within_its_interval(pipe: tuple[int, int]) -> None:
    # Polling, not sleeping on the pipe: the write is seen by the next poll, so at most one
    # POLL_SECONDS after it (plus the machine's scheduling; the bound is generous for a shared VM).
    read_end, write_end = pipe
    writer = write_later(write_end, b"x", 0.02)
    started = time.monotonic()
    assert worker.next_input(read_end, started + 5.0) == b"x"
    writer.join()
    assert time.monotonic() - started < 0.02 + worker.POLL_SECONDS + 0.5


BODY = b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}'
CONTEXT = encode_context(1, {"url": "https://api.openai.com/v1/chat/completions", "max_body": 1 << 20})


def job(seq: int) -> bytes:
    return encode_job(KIND_INLINE, seq, length=len(BODY), context=1) + BODY


def served_marks(writes: list[tuple[bytes, float]]) -> list[int]:
    """Run the worker's whole loop on a real pipe the proxy side writes ``writes`` to (each write, then
    a pause of that many seconds), then closes; the watermark of each reply frame, in order."""
    read_end, write_end = os.pipe()

    def proxy() -> None:
        for data, pause in writes:
            os.write(write_end, data)
            time.sleep(pause)
        os.close(write_end)

    out = io.BytesIO()
    thread = threading.Thread(target=proxy)
    thread.start()
    try:
        worker.serve(read_end, out)
    finally:
        thread.join()
        os.close(read_end)
    data, marks = out.getvalue(), []
    while data:
        mark, length = _REPLY.unpack_from(data)
        marks.append(mark)
        data = data[_REPLY.size + length :]
    return marks


def test_serve_reads_a_pipe_it_polls_to_its_end() -> None:
    # The whole loop: two jobs on a real pipe, the second after a pause the worker spends polling,
    # then the end of input; every job is answered (the watermark reaches the last) and serve returns.
    assert served_marks([(CONTEXT + job(1), 0.05), (job(2), 0.05)]) == [1, 2]


def test_a_read_after_an_idle_spell_is_answered_in_one_frame() -> None:
    # FLUSH_EVERY bounds a long batch from when its input came: three jobs read together after the
    # worker waited longer than FLUSH_EVERY are one frame (one `update` hook in the proxy), not the
    # first job alone and then the rest.
    assert served_marks([(CONTEXT + job(1), 10 * worker.FLUSH_EVERY), (job(2) + job(3) + job(4), 0.05)]) == [
        1,
        4,
    ]
