"""Bad toolguard options on a real mitmdump's command line: one line saying what is accepted, exit 1.

The reliability walkthrough (reliability8) found that a ``--set`` value mitmproxy itself cannot
parse for a script's option (``toolguard_demote_after=abc``, ``toolguard_console=maybe``,
``toolguard_db`` given twice) made mitmproxy's script loader drop toolguard without a word: the
proxy kept forwarding traffic, nothing was checked or stored, and the user was never told. A
misspelt option (``toolguard_mdoe=block``) was ignored the same way, and ``toolguard_writer=fork``,
negative sizes and a negative ``toolguard_demote_after`` were taken as some default, and an OTLP
endpoint that is no URL failed every export with only a counter to say so.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support.proxy import Mitmdump

pytestmark = pytest.mark.e2e

SIZE = "a number of bytes with an optional k, m or g suffix, such as 64k"

CASES = [
    (
        ["toolguard_demote_after=abc"],
        "toolguard_demote_after: Failed to parse option toolguard_demote_after: not an integer: abc",
    ),
    (
        ["toolguard_console=maybe"],
        'toolguard_console: Failed to parse option toolguard_console: boolean must be "true", "false", '
        'or have the value omitted (a synonym for "true").',
    ),
    (
        ["toolguard_mode=block", "toolguard_mode=repair"],
        "toolguard_mode: Received multiple values for toolguard_mode: ['block', 'repair'] (give it once)",
    ),
    (["toolguard_mdoe=block"], "toolguard_mdoe: no such option (did you mean toolguard_mode?)"),
    (["toolguard_writer=fork"], "toolguard_writer: 'fork' is not one of process, thread"),
    (["toolguard_max_body=lots"], f"toolguard_max_body: 'lots' is not a size; give {SIZE}, at least 1"),
    (["toolguard_max_body=-1"], f"toolguard_max_body: '-1' is too small; give {SIZE}, at least 1"),
    (["toolguard_offload=-3"], f"toolguard_offload: '-3' is too small; give {SIZE}, at least 0, or 'off'"),
    (
        ["toolguard_otlp_endpoint=notaurl"],
        "toolguard_otlp_endpoint: 'notaurl' is not an http:// or https:// URL of an OTLP/HTTP collector, "
        "such as http://127.0.0.1:4318",
    ),
    (
        ["toolguard_demote_after=-5"],
        "toolguard_demote_after: -5 is negative; give a count of accepted requests (0 turns demotion off)",
    ),
]


@pytest.mark.parametrize(("sets", "message"), CASES, ids=[" ".join(sets) for sets, _ in CASES])
def test_a_bad_option_stops_mitmdump_with_one_line_saying_what_is_accepted(
    tmp_path: Path, sets: list[str], message: str
) -> None:
    proxy = Mitmdump(tmp_path / "m")
    command = proxy.command()
    for spec in sets:
        command += ["--set", spec]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    output = result.stdout + result.stderr
    lines = [line.split("] ", 1)[-1] for line in output.splitlines() if "toolguard:" in line]
    assert (result.returncode, lines) == (1, [f"toolguard: cannot start: {message}"]), output
    assert "Traceback" not in output
    assert not proxy.db_path.exists()  # stopped before the store opened: nothing half-started


def _directory(path: Path) -> None:
    path.mkdir()


def _text(path: Path) -> None:
    path.write_text("not a database\n")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        # Both said SQLite's words: "unable to open database file", "file is not a database" (a new
        # user's trial, session 15); the commands say "not a SQLite file" of the same file.
        (_directory, "it is a directory; give toolguard_db a database file, such as {db}/toolguard.db"),
        (_text, "not a SQLite file; give toolguard_db a file a toolguard proxy wrote, or a new file"),
    ],
    ids=["a directory", "not SQLite"],
)
def test_a_database_path_that_is_no_database_file_stops_mitmdump_with_one_line(
    tmp_path: Path, make: Callable[[Path], None], words: str
) -> None:
    db = tmp_path / "given.db"
    make(db)
    before = sorted(p.name for p in tmp_path.iterdir())
    proxy = Mitmdump(tmp_path / "m", db_path=db)
    result = subprocess.run(proxy.command(), capture_output=True, text=True, timeout=60, cwd=tmp_path)
    output = result.stdout + result.stderr
    lines = [line.split("] ", 1)[-1] for line in output.splitlines() if "toolguard:" in line]
    expected = f"toolguard: cannot start: toolguard_db: cannot open {db}: {words.format(db=db)}"
    assert (result.returncode, lines) == (1, [expected]), output
    assert "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "m") == before  # nothing created beside it


# ------------------------------------------------- what the start-up and shutdown lines say is done

STORED = {
    "default": "flows with findings, rejections and interrupted flows",
    "store_all": "every flow (toolguard_store_all)",
}


@pytest.mark.parametrize(
    ("options", "stored", "validates"),
    [
        (
            {},
            STORED["default"],
            "toolguard validates POSTs to the chat endpoints' paths (toolguard_paths) on the hosts "
            "toolguard_hosts lets through",
        ),
        (
            {"toolguard_store_all": "true", "toolguard_hosts": "api.openai.com"},
            STORED["store_all"],
            "toolguard validates POSTs to the chat endpoints' paths (toolguard_paths) on the hosts "
            "toolguard_hosts names (api.openai.com)",
        ),
        (
            {"toolguard_paths": "/v1/other", "toolguard_mode": "block"},
            STORED["default"],
            "toolguard validates POSTs to paths matching toolguard_paths (/v1/other) on the hosts "
            "toolguard_hosts lets through",
        ),
    ],
    ids=["defaults", "store_all and hosts", "paths and block"],
)
def test_the_start_up_and_shutdown_lines_say_what_the_options_make_the_proxy_do(
    tmp_path: Path, options: dict[str, str], stored: str, validates: str
) -> None:
    """``toolguard: writing flagged flows to`` was said with ``toolguard_store_all`` on, when every flow
    is stored (and a rejection without findings is stored without it too); the shutdown's line on the
    requests toolguard did not validate named "the chat endpoints' paths" when toolguard_paths had
    replaced them, and never which hosts toolguard_hosts lets through. A real mitmdump, one GET."""
    import httpx
    from support.upstream import Reply, Upstream

    upstream = Upstream().start()
    try:
        upstream.handler = lambda request: Reply.json(200, {"data": []})
        proxy = Mitmdump(tmp_path / "m", mode=f"reverse:{upstream.url}", options=options).start()
        run_id = proxy.wait_for_output(r"\(run ([0-9a-f-]+)\)").group(1)
        httpx.get(f"http://127.0.0.1:{proxy.port}/v1/models", timeout=30)
        output = proxy.stop()
    finally:
        upstream.stop()
    lines = [line.split("] ", 1)[-1] for line in output.splitlines() if "toolguard:" in line]
    assert f"toolguard: writing {stored} to {proxy.db_path} (run {run_id})" in lines, output
    [ignored] = [line for line in lines if "not an API call" in line]
    assert ignored.endswith(f"nothing in it was checked; {validates}"), ignored
    if options.get("toolguard_mode") == "block":
        assert "toolguard: mode block" in lines


def test_the_shutdown_says_why_a_body_over_toolguard_max_body_was_not_validated(tmp_path: Path) -> None:
    """ "1 request reached the proxy: 0 validated, 0 with findings" was all the shutdown said of a body
    over toolguard_max_body: it now says it passed through unchecked, in toolguard run's words."""
    import httpx
    from support.upstream import Reply, Upstream, completion

    upstream = Upstream().start()
    try:
        upstream.handler = lambda request: Reply.json(200, completion())
        proxy = Mitmdump(tmp_path / "m", mode=f"reverse:{upstream.url}", options={"toolguard_max_body": "1k"})
        proxy.start()
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x" * 3000}]}
        httpx.post(f"http://127.0.0.1:{proxy.port}/v1/chat/completions", json=body, timeout=30)
        output = proxy.stop()
    finally:
        upstream.stop()
    lines = [line.split("] ", 1)[-1] for line in output.splitlines() if "toolguard:" in line]
    assert (
        "toolguard: this run: 1 request reached the proxy: 0 validated, 0 with findings, 0 rejected by the "
        "upstream, 0 without an answer; 1 flow stored."
    ) in lines, output
    assert (
        "toolguard: 1 request passed through without validation (body.too-large 1): no rule checked it "
        "(toolguard_max_body and the other limits: docs/robustness.md)"
    ) in lines, output
