"""A wheel installed into a fresh venv outside the checkout runs ``toolguard run`` end to end (issue #13).

``toolguard run`` once looked for the addon at ``…/site-packages/toolguard.py``, a path that exists only
in a checkout, and the top-level help named ``addon/toolguard.py``. The script now ships inside the
package (``toolguard_core/script/toolguard.py``); this test builds the wheel (``pip wheel --no-deps``,
from a copy of the sources in its tmp dir so the worktree gets no build files), installs it into a
new venv (dependencies from scripts/bootstrap --test's wheelhouse, no index: the tests have no network
but loopback), and runs the installed ``toolguard`` from a directory outside the checkout with the
openai SDK against the loopback fake provider."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlite_utils
from support.upstream import ORPHAN_MESSAGE, Upstream

# The client is the project's python (it has the openai SDK); toolguard is the freshly installed one.
ORPHAN_CLIENT = textwrap.dedent(
    """
    import openai
    client = openai.OpenAI(api_key="sk-test-wheel-install", max_retries=0, timeout=15)
    try:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "tool", "content": "done", "tool_call_id": "dummy"}]
        )
    except openai.BadRequestError as exc:
        print("400", exc.body["message"])
        raise SystemExit(3)
    """
)


@pytest.mark.e2e
def test_a_wheel_installed_outside_the_checkout_runs_toolguard_run(
    upstream: Upstream, wheel_venv: Path, tmp_path: Path
) -> None:
    venv = wheel_venv  # the session's wheel in a fresh venv (tests/e2e/conftest.py)
    toolguard = venv / "bin" / "toolguard"
    work = tmp_path / "elsewhere"  # not the checkout: nothing there to find by accident
    work.mkdir()

    path = subprocess.run(
        [str(toolguard), "addon-path"], capture_output=True, text=True, timeout=60, check=True, cwd=work
    ).stdout.strip()
    assert path.startswith(str(venv / "lib")) and path.endswith(
        "site-packages/toolguard_core/script/toolguard.py"
    )
    assert Path(path).is_file()
    help_text = subprocess.run(
        [str(toolguard), "--help"], capture_output=True, text=True, timeout=60, check=True, cwd=work
    ).stdout
    assert "addon/toolguard.py" not in help_text and 'mitmdump -s "$(toolguard addon-path)"' in help_text

    db_path = work / "run.db"
    result = subprocess.run(
        [str(toolguard), "run", "--upstream", upstream.url, "--db", str(db_path), "--confdir", str(work / "conf"),
         "--", sys.executable, "-c", ORPHAN_CLIENT],
        capture_output=True, text=True, timeout=120, check=False, cwd=work,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert result.stdout == f"400 {ORPHAN_MESSAGE}\n"
    db = sqlite_utils.Database(db_path)
    [flow] = db["flows"].rows
    [run] = db["runs"].rows
    assert (flow["verdict"], flow["run_id"], run["command"].split()[0]) == (
        "predicted",
        run["id"],
        sys.executable,
    )
    assert (
        "toolguard: 1 request reached the proxy: 1 validated, 1 with findings, 1 rejected by the upstream, "
        "0 without an answer; 1 flow stored."
    ) in result.stderr.splitlines()
    assert "        error    sequence.orphan-tool-message at messages[0]" in result.stderr.splitlines()
