"""How an upstream is named (toolguard_core/upstreams.py): ``--host`` takes what the reports print,
an IPv6 host bracketed as a URI's authority writes it (RFC 3986 section 3.2.2), and the keys the
tenth session wrote for IPv6 hosts are read back. The names themselves, in Python and in SQLite's
and PostgreSQL's SQL: tests/test_learned.py (UPSTREAM_NAMES)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolguard_core.capture import Capture
from toolguard_core.learned_store import legacy_ipv6_key
from toolguard_core.store import open_db, write_rows
from toolguard_core.upstreams import has_port, host_argument, upstream_sort_key

#: A local server on [::1]:8080 refusing a parameter (xAI's words, https://github.com/lobehub/lobehub/issues/8389),
#: as the proxy's writer builds the row (mitmproxy's request.host: ``::1``, no brackets).
IPV6_REJECTION = Capture(
    flow_id="v6-1",
    started=1_700_000_000.0,
    ended=1_700_000_001.0,
    method="POST",
    scheme="http",
    host="::1",
    port=8080,
    path="/v1/chat/completions",
    url="http://[::1]:8080/v1/chat/completions",
    provider="generic",
    model="grok-4",
    stream=None,
    request_headers=[],
    request_text=json.dumps(
        {"model": "grok-4", "messages": [{"role": "user", "content": "hi"}], "presence_penalty": 1}
    ),
    request_is_json=True,
    request_bytes=80,
    findings=[],
    secrets=[],
    verdict="unexplained",
    status=400,
    response_body=json.dumps({"error": "Argument not supported on this model: presencePenalty"}).encode(),
    response_content_type="application/json",
).to_row()


@pytest.mark.parametrize(
    ("typed", "matched"),
    [
        ("[::1]:8080", "[::1]:8080"),  # what was printed
        ("[::1]", "[::1]"),
        ("::1", "[::1]"),  # a bare address: bracketed
        ("FE80::1", "[fe80::1]"),
        ("127.0.0.1:8080", "127.0.0.1:8080"),
        ("API.example.com", "api.example.com"),
        ("::1:8080", "[::1:8080]"),  # itself an address: a port needs the printed form
    ],
)
def test_host_argument_takes_what_the_reports_print(typed: str, matched: str):
    assert host_argument(typed) == matched


@pytest.mark.parametrize(
    ("name", "ported"),
    [("[::1]", False), ("[::1]:8080", True), ("localhost", False), ("localhost:8080", True)],
)
def test_has_port(name: str, ported: bool):
    assert has_port(name) is ported


@pytest.mark.parametrize(
    ("key", "now"),
    [
        ("::1:8080", "[::1]:8080"),  # the old key of ::1 on 8080
        ("::1", "[::1]"),  # ::1 on the scheme's own port
        ("fe80::1", "[fe80::1]"),
        ("fe80::1:11434", "[fe80::1]:11434"),
        ("127.0.0.1:8080", "127.0.0.1:8080"),  # no IPv6: unchanged
        ("localhost", "localhost"),
        ("[::1]:8080", "[::1]:8080"),
        ("fe80::1:\u00b2", "fe80::1:\u00b2"),  # a superscript two is a digit int() refuses: no port
    ],
)
def test_a_legacy_ipv6_key_is_read_as_the_old_function_wrote_it(key: str, now: str):
    assert legacy_ipv6_key(key) == now


def test_forget_takes_the_printed_ipv6_name(tmp_path: Path) -> None:
    """What ``learned list`` prints for an upstream on [::1]:8080 is what ``forget --host`` takes; the
    bare address points to it, as the bare host does for a host:port key."""
    from click.testing import CliRunner

    from toolguard_analysis.cli import cli

    path = tmp_path / "v6.db"
    db = open_db(path)
    write_rows(db, [IPV6_REJECTION], demote_after=3)
    db.close()
    runner = CliRunner()
    listed = runner.invoke(cli, ["learned", "list", "--db", str(path)])
    assert " [::1]:8080 " in listed.stdout
    bare = runner.invoke(cli, ["learned", "forget", "--host", "::1", "--db", str(path)])
    assert (bare.exit_code, bare.stdout, bare.stderr) == (
        1,
        "",
        "rows learned from ::1 on a port of its own are kept under host:port: --host [::1]:8080\n"
        "Error: nothing learned matches --host ::1 ('toolguard learned list' shows what is stored)\n",
    )
    printed = runner.invoke(cli, ["learned", "forget", "--host", "[::1]:8080", "--db", str(path)])
    assert (printed.exit_code, printed.stdout) == (0, "forgot 1 row(s)\n")


def test_upstream_names_sort_by_host_then_port_as_a_number():
    names = [
        "gw:10000",
        "gw:8080",
        "gw",
        "[::1]:10000",
        "[::1]:8080",
        "[::1]",
        "a.example:9",
        "::1",
        "gw:\u00b2",
    ]
    assert sorted(names, key=upstream_sort_key) == [
        "::1",  # an unbracketed IPv6 literal (an older row): a name without a port
        "[::1]",
        "[::1]:8080",
        "[::1]:10000",
        "a.example:9",
        "gw",
        "gw:\u00b2",  # no number: with the host alone (a client's Host header, as written)
        "gw:8080",
        "gw:10000",
    ]
