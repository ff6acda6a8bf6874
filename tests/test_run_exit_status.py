"""``toolguard run`` when no request reached the proxy and the command failed (trial19): the likely
cause starts with the command's own failure, not the base-URL variables.

Found in session 18's new-user trial: a script using the openai SDK without OPENAI_API_KEY raises
``OpenAIError: Missing credentials`` before any request; the report blamed the client for not reading
OPENAI_BASE_URL and said "try --proxy-mode regular", which sent the user after the proxy settings."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support.upstream import Upstream

from toolguard_analysis.run import no_traffic_hint, report
from toolguard_core.store import RunRow, open_db, write_run

TOOLGUARD = str(Path(sys.executable).parent / "toolguard")


def empty_run(tmp_path: Path) -> Path:
    db_path = tmp_path / "none.db"
    db = open_db(db_path)
    write_run(db, RunRow(id="run", started_utc="2026-01-01T00:00:00.000Z"))
    db.close()
    return db_path


@pytest.mark.parametrize(
    ("exit_status", "likely"),
    [
        (
            1,
            "python exited with status 1 before any request reached the proxy: its own error (above) "
            "came first, such as a missing API key or a crash at start-up; if it did reach its API call, "
            + no_traffic_hint(["python", "agent.py"], "reverse"),
        ),
        # Exit 0 (or unknown) with nothing sent: the base-URL hint alone, as before.
        (0, no_traffic_hint(["python", "agent.py"], "reverse")),
        (None, no_traffic_hint(["python", "agent.py"], "reverse")),
    ],
)
def test_a_command_that_failed_before_any_request_is_named_first(
    tmp_path: Path, exit_status: int | None, likely: str
) -> None:
    text = report(empty_run(tmp_path), "run", ["python", "agent.py"], "reverse", exit_status=exit_status)
    assert text == (
        f"toolguard saw 0 requests: nothing was checked; 0 flows stored.\n  likely cause: {likely}.\n"
    )


# The openai SDK with no key anywhere: it raises before sending anything.
NO_KEY_CLIENT = textwrap.dedent(
    """
    import openai
    client = openai.OpenAI(max_retries=0, timeout=15)
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    """
)


@pytest.mark.e2e
def test_run_of_a_client_without_its_key_names_its_failure(upstream: Upstream, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    result = subprocess.run(
        [TOOLGUARD, "run", "--upstream", upstream.url, "--db", str(tmp_path / "run.db"),
         "--confdir", str(tmp_path / "conf"), "--", sys.executable, "-c", NO_KEY_CLIENT],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 1
    assert "openai.OpenAIError: Missing credentials" in result.stderr  # the client's own error, untouched
    assert result.stderr.splitlines()[-2:] == [
        "toolguard saw 0 requests: nothing was checked; 0 flows stored.",
        f"  likely cause: {Path(sys.executable).name} exited with status 1 before any request reached the proxy: "
        "its own error (above) came first, such as a missing API key or a crash at start-up; if it did reach its "
        f"API call, {no_traffic_hint([sys.executable], 'reverse')}.",
    ]
    assert upstream.requests == []
