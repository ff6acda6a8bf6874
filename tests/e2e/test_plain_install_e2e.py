"""A plain ``pip install .`` (no test extra) parses zstd-encoded SSE error events (issue #15).

sse.py once imported ``zstandard``, which only the test extra's dependencies (httpx, langsmith)
pulled in, so the test suite passed while a plain install stopped parsing zstd streams. This test
installs the worktree into a throwaway venv and runs the stream tap there, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

# The mid-stream error OpenAI/vLLM send as a `data:` JSON (providers.md §9); OpenAI's real
# context-length error from https://github.com/crewAIInc/crewAI-examples/issues/121
ERROR_BODY = {
    "error": {
        "message": "This model's maximum context length is 8192 tokens. However, your messages resulted in "
        "8227 tokens. Please reduce the length of the messages.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
}

SCRIPT = textwrap.dedent(
    """
    import importlib.util, json, sys
    from backports import zstd
    from toolguard_core.sse import SSETap

    error_body = json.loads(sys.argv[1])
    chunk = {"choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}]}
    stream = b"data: " + json.dumps(chunk).encode() + b"\\n\\n" + b"data: " + json.dumps(error_body).encode() + b"\\n\\n"
    half = len(stream) // 2
    wire = zstd.compress(stream[:half]) + zstd.compress(stream[half:])  # two frames, as servers send
    tap = SSETap("zstd")
    for i in range(0, len(wire), 7):
        piece = wire[i : i + 7]
        assert tap(piece) is piece
    tap(b"")
    print(json.dumps({
        "zstandard_installed": importlib.util.find_spec("zstandard") is not None,
        "pytest_installed": importlib.util.find_spec("pytest") is not None,
        "parsing": tap.parsing,
        "stream_error": tap.stream_error,
        "error": tap.error.summary() if tap.error else None,
    }))
    """
)


@pytest.mark.e2e
def test_plain_install_parses_zstd_error_events(wheel_venv: Path, tmp_path: Path) -> None:
    # The session's wheel installed without the test extra into a fresh venv (tests/e2e/conftest.py):
    # the dependencies a plain `pip install .` gets (it builds the same wheel and installs that).
    python = wheel_venv / "bin" / "python"
    result = subprocess.run(
        [str(python), "-c", SCRIPT, json.dumps(ERROR_BODY)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,  # not the worktree: the installed package is what runs
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "zstandard_installed": False,
        "pytest_installed": False,
        "parsing": True,
        "stream_error": True,
        "error": {
            "message": ERROR_BODY["error"]["message"],
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
            "request_id": None,
            "provider_name": None,
            "upstream": None,
            "shape": "openai",
        },
    }
