"""The validation worker as the proxy runs it (a real ``python -m``-style process, real pipes):
its frames stay readable whatever else the process writes to its standard output."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys

import pytest
from support.seeds import LONE_TOOL

from toolguard_core.offload import (
    _LENGTH,
    Validator,
    WorkerResult,
    WorkerUnavailable,
    _worker_env,
    encode_job,
)

URL = "https://api.openai.com/v1/chat/completions"

# The worker's own entry point, with a rule-side print() added: what any imported library or a
# debugging line in the core could do.
NOISY_WORKER = """
import toolguard_core.worker as worker

real = worker.handle


def noisy(header, body):
    print("a library says hello")
    return real(header, body)


worker.handle = noisy
worker.main()
"""


def read_frames(data: bytes) -> list[dict]:
    frames = []
    while data:
        (length,) = _LENGTH.unpack(data[: _LENGTH.size])
        frames.append(json.loads(data[_LENGTH.size : _LENGTH.size + length]))
        data = data[_LENGTH.size + length :]
    return frames


def test_a_print_inside_the_worker_goes_to_stderr_not_between_the_frames():
    body = json.dumps(LONE_TOOL.body()).encode()
    header = {"url": URL, "max_body": 1 << 20, "content_encoding": None, "providers": ""}
    jobs = encode_job(1, body, header) + encode_job(2, body, header)
    done = subprocess.run(
        [sys.executable, "-c", NOISY_WORKER],
        input=jobs,
        capture_output=True,
        env=_worker_env(),
        timeout=60,
        check=True,
    )
    frames = read_frames(done.stdout)
    assert [(f["id"], sorted({r for r, *_ in f["findings"]}), f["internal_errors"]) for f in frames] == [
        (1, ["sequence.orphan-tool-message"], []),
        (2, ["sequence.orphan-tool-message"], []),
    ]
    assert done.stderr.decode().count("a library says hello") == 2


BODY = json.dumps(LONE_TOOL.body()).encode()
HEADER = {"url": URL, "max_body": 1 << 20, "content_encoding": None, "providers": ""}


async def rules_of(future: asyncio.Future[WorkerResult]) -> list[str]:
    return sorted({f.rule for f in (await asyncio.wait_for(future, 30)).findings})


def test_a_worker_that_died_is_restarted_on_the_next_request():
    # Before: a death before any restart left restarts at 0, so submit said "not started" forever
    # and every large body was validated on the event loop again (issue #12).
    async def scenario() -> None:
        validator = Validator()
        await validator.start()
        try:
            assert await rules_of(validator.submit(BODY, HEADER)) == ["sequence.orphan-tool-message"]
            first = validator._proc
            assert first is not None
            first.kill()
            await asyncio.wait_for(first.wait(), 10)
            await asyncio.wait_for(validator._reader, 10)  # it has seen the end of the output
            with pytest.raises(WorkerUnavailable, match="restarting"):
                validator.submit(BODY, HEADER)
            assert validator._starting is not None
            await asyncio.wait_for(validator._starting, 30)
            assert validator._proc is not None and validator._proc is not first
            assert await rules_of(validator.submit(BODY, HEADER)) == ["sequence.orphan-tool-message"]
            assert validator.restarts == 1
        finally:
            validator.close()

    asyncio.run(scenario())


def test_a_hung_worker_is_stopped_and_its_jobs_fail_instead_of_waiting_forever():
    async def scenario() -> None:
        validator = Validator(job_timeout=0.5)
        await validator.start()
        try:
            hung = validator._proc
            assert hung is not None
            os.kill(hung.pid, signal.SIGSTOP)  # a real process that stops answering
            future = validator.submit(BODY, HEADER)
            with pytest.raises(WorkerUnavailable, match="stopped"):
                await asyncio.wait_for(future, 10)
            assert await asyncio.wait_for(hung.wait(), 10) == -signal.SIGKILL
            assert validator.pending == 0
        finally:
            validator.close()

    asyncio.run(scenario())
