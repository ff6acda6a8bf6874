"""An error sent with a 2xx status and no stream (a new user's trial, session 19): a base URL that points
at a web app answers a chat POST with its HTML page, and some servers answer an error with status 200 and
an ``{"error": ...}`` body (OpenRouter once generation started, shared/reference/providers.md [OR-ERR];
LM Studio for an unknown path). The openai SDK then returns a string or a ``ChatCompletion`` whose
``choices`` is None and the app crashes on it, while toolguard said "0 rejected by the upstream; 0 flows
stored". Such an answer is now a rejection like an error event inside a 200 stream: stored, with its error
parsed from the body (``error_source`` ``body``) and its verdict, and said as an error inside the answer.
A completion, even one that carries an ``error`` key beside its ``choices``, stays accepted."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from mitmproxy.test import taddons
from support.upstream import RecordedRequest, Reply, Upstream
from test_addon import answer, make_flow, ok_completion, run

from toolguard_core.addon import METADATA_KEY, ToolGuard
from toolguard_core.capture import answer_error
from toolguard_core.causes import CAUSES_BY_ID, HTML_PAGE_ANSWER
from toolguard_core.verdict import IN_STREAM_WORDS

URL = "http://127.0.0.1:9/v1/chat/completions"  # an unrecognised host: a loopback gateway or local server
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
HTML = {"content-type": "text/html; charset=utf-8"}
PAGE = b"<!doctype html><html><head><title>Open WebUI</title></head><body><div id=app></div></body></html>"
# OpenAI's envelope, as a gateway relays it with status 200.
ORPHAN_200 = (
    b'{"error": {"message": "Invalid parameter: messages with role \'tool\' must be a response to a '
    b'preceeding message with \'tool_calls\'.", "type": "invalid_request_error", '
    b'"param": "messages.[1].role", "code": null}}'
)


@pytest.fixture
def guard(tmp_path: Path) -> Iterator[tuple[ToolGuard, Path]]:
    db_path = tmp_path / "toolguard.db"
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        yield addon, db_path


def _built_app_page() -> bytes:
    """A web app's index page as its build serves it (Open WebUI, NextChat): a title, then a few hundred
    hashed chunk names and an inline state blob. Over 4 KB even gzip'd or br'd (the hashes do not
    compress): capture.may_be_error_body decoded at most 4 KB of a compressed answer, so a base URL
    pointing at such an app, behind a server that compresses, passed as accepted (session 20)."""
    chunks = "".join(
        f'<link rel="modulepreload" href="/_app/immutable/chunks/{hashlib.sha256(str(i).encode()).hexdigest()[:16]}.js">'
        for i in range(400)
    )
    return (
        b"<!doctype html><html lang=en><head><meta charset=utf-8><title>Open WebUI</title>"
        + chunks.encode()
        + b"</head><body><div id=app></div></body></html>"
    )


BIG_PAGE = _built_app_page()

# (case, the answer's headers, body, then the stored row: verdict, error_source, error_message, cause_id)
ORPHAN_ROW = (
    "recognised",
    "body",
    "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
    "cause.orphan-tool-result",
)
CASES = [
    (
        "an HTML page: the base URL is a web app",
        HTML,
        PAGE,
        ("recognised", "body", "Open WebUI", "cause.wrong-endpoint"),
    ),
    # Compressed as a real gateway sends it to a client that accepts gzip or br (mitmproxy encodes the
    # body by the header): read decoded, like any stored answer.
    ("gzip", {"content-type": "application/json", "content-encoding": "gzip"}, ORPHAN_200, ORPHAN_ROW),
    ("brotli", {"content-type": "application/json", "content-encoding": "br"}, ORPHAN_200, ORPHAN_ROW),
    # Over 4 KB compressed: its start is decoded to decide, then the body, bounded.
    (
        "a web app's page, gzip'd, over 4 KB",
        {**HTML, "content-encoding": "gzip"},
        BIG_PAGE,
        ("recognised", "body", "Open WebUI", "cause.wrong-endpoint"),
    ),
    (
        "a web app's page, br'd, over 4 KB",
        {**HTML, "content-encoding": "br"},
        BIG_PAGE,
        ("recognised", "body", "Open WebUI", "cause.wrong-endpoint"),
    ),
    (
        "LM Studio's error object with status 200",
        None,
        b'{"error":"Unexpected endpoint or method. (POST /chat/completions)"}',
        (
            "recognised",
            "body",
            "Unexpected endpoint or method. (POST /chat/completions)",
            "cause.wrong-endpoint",
        ),
    ),
    (
        "OpenAI's envelope relayed with status 200, pretty-printed",
        None,
        b'{\n  "error": ' + ORPHAN_200[len(b'{"error": ') :],
        (
            "recognised",
            "body",
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
            "'tool_calls'.",
            "cause.orphan-tool-result",
        ),
    ),
]


@pytest.mark.parametrize(("case", "headers", "body", "row"), CASES, ids=[c[0] for c in CASES])
def test_an_error_in_a_200_answer_is_a_rejection(
    guard: tuple[ToolGuard, Path],
    case: str,
    headers: dict[str, str] | None,
    body: bytes,
    row: tuple[Any, ...],
) -> None:
    addon, db_path = guard
    flow = make_flow(BODY, url=URL)
    run(addon, flow, answer(200, body, headers))
    if body is BIG_PAGE:  # compressed as a real server does it, and still over the old 4 KB bound
        assert len(flow.response.raw_content) > 4096
    assert flow.metadata[METADATA_KEY]["verdict"] == row[0]
    assert addon.stats["rejected"] == 1
    addon.done()
    [stored] = sqlite_utils.Database(db_path)["flows"].rows
    assert (stored["status"], stored["verdict"], stored["error_source"], stored["error_message"]) == (
        200,
        *row[:3],
    )
    assert stored["cause_id"] == row[3]
    [run_row] = sqlite_utils.Database(db_path)["runs"].rows
    assert (run_row["rejected"], run_row["stored"]) == (1, 1)


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (None, ok_completion()),
        # A completion that also names an error key (null, or beside its choices) is still a completion.
        (None, {"error": None, **ok_completion()}),
        (None, {"error": {"message": "partial"}, **ok_completion()}),
        (None, b""),
        (None, b"[]"),
        # A long completion, gzip'd over 4 KB: its decoded start is a completion's, nothing more is read.
        (
            {"content-type": "application/json", "content-encoding": "gzip"},
            {**ok_completion(), "system_fingerprint": BIG_PAGE.hex()[:20000]},
        ),
    ],
)
def test_a_completion_stays_accepted(guard: tuple[ToolGuard, Path], headers: Any, body: Any) -> None:
    addon, db_path = guard
    flow = make_flow(BODY, url=URL)
    run(addon, flow, answer(200, body, headers))
    assert (flow.metadata[METADATA_KEY]["verdict"], addon.stats["rejected"]) == ("accepted", 0)
    addon.done()
    assert list(sqlite_utils.Database(db_path)["flows"].rows) == []


def test_answer_error_reads_a_2xx_body() -> None:
    error, source = answer_error(200, PAGE, "text/html", None)
    assert (error.effective_message if error else None, source) == ("Open WebUI", "body")
    assert answer_error(200, b'{"id": "x", "choices": []}', "application/json", None) == (None, None)
    assert answer_error(204, b"", None, None) == (None, None)


def test_the_words_for_a_2xx_rejection_fit_a_body_and_a_stream() -> None:
    assert IN_STREAM_WORDS == " (an error inside the answer, not an error status)"


# ------------------------------------------------------------------ end to end: toolguard run, the openai SDK

TOOLGUARD = str(Path(sys.executable).parent / "toolguard")
RUN_TIMEOUT = 90
# The app a user runs: two calls, each answered 200 with something that is not a completion; the SDK
# returns the page as a string and a ChatCompletion without choices, and the app crashes on each.
APP = textwrap.dedent(
    """
    import openai
    client = openai.OpenAI(api_key="sk-trial20b-not-a-key", max_retries=0, timeout=15)
    for model in ("page", "error"):
        try:
            reply = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
            print(reply.choices[0].message.content)
        except Exception as exc:
            print(type(exc).__name__)
    """
)


@pytest.mark.e2e
def test_toolguard_run_reports_errors_in_200_answers(upstream: Upstream, tmp_path: Path) -> None:
    def answer_by_model(request: RecordedRequest) -> Reply:
        if request.json()["model"] == "page":
            return Reply(200, PAGE, HTML)
        return Reply(200, ORPHAN_200)

    upstream.handler = answer_by_model
    db_path = tmp_path / "run.db"
    result = subprocess.run(
        [TOOLGUARD, "run", "--upstream", f"{upstream.url}/v1", "--db", str(db_path),
         "--confdir", str(tmp_path / "conf"), "--", sys.executable, "-c", APP],
        capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, "AttributeError\nTypeError\n"), result.stderr
    flows = list(sqlite_utils.Database(db_path).query("select id from flows order by datetime_utc"))
    assert len(flows) == 2
    where = f"POST 127.0.0.1:{upstream.port}/v1/chat/completions"
    lines = result.stderr.splitlines()
    assert lines[1] == (
        "toolguard: 2 requests reached the proxy: 2 validated, 0 with findings, 2 rejected by the upstream, "
        "0 without an answer; 2 flows stored."
    )
    start = lines.index("  flows:")
    assert lines[start + 1 : start + 7] == [
        f"    {flows[0]['id']}  200  {where}  recognised: rejected by the upstream for a known root cause; no rule "
        "is credited with it",
        "        info     model.rules-skipped at model",
        "        upstream (an error inside the answer, not an error status): Open WebUI",
        "        known failure: endpoint.unexpected-path (the rule that predicts cause.wrong-endpoint)",
        f"        root cause: cause.wrong-endpoint: {CAUSES_BY_ID['cause.wrong-endpoint'].title}",
        f"        fix: {HTML_PAGE_ANSWER[1].fix}",
    ]
    assert lines[start + 7 : start + 12] == [
        f"    {flows[1]['id']}  200  {where}  recognised: rejected by the upstream for a known root cause; no rule "
        "is credited with it",
        "        info     model.rules-skipped at model",
        "        upstream (an error inside the answer, not an error status): Invalid parameter: messages with role "
        "'tool' must be a response to a preceeding message with 'tool_calls'.",
        "        known failure: sequence.orphan-tool-message (matched by the upstream's wording)",
        f"        root cause: cause.orphan-tool-result: {CAUSES_BY_ID['cause.orphan-tool-result'].title}",
    ]


@pytest.mark.e2e
def test_a_compressed_page_over_4_kb_is_read_through_a_real_proxy(upstream: Upstream, tmp_path: Path) -> None:
    """A web app behind a server that gzips its answers (session 20): its 20 KB page came over 4 KB
    compressed and passed as accepted, unread. Through `toolguard run`'s real mitmdump, gzip'd by the
    loopback server as such a server sends it, it is a rejection with the page's title."""
    raw = gzip.compress(BIG_PAGE)
    assert len(raw) > 4096
    upstream.handler = lambda request: Reply(200, raw, {**HTML, "content-encoding": "gzip"})
    db_path = tmp_path / "run.db"
    result = subprocess.run(
        [TOOLGUARD, "run", "--upstream", f"{upstream.url}/v1", "--db", str(db_path),
         "--confdir", str(tmp_path / "conf"), "--", sys.executable, "-c", APP],
        capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(
        sqlite_utils.Database(db_path).query(
            "select status, verdict, error_source, error_message, cause_id from flows order by datetime_utc"
        )
    )
    assert rows == [
        {"status": 200, "verdict": "recognised", "error_source": "body", "error_message": "Open WebUI",
         "cause_id": "cause.wrong-endpoint"},
    ] * 2  # fmt: skip
    assert (
        "toolguard: 2 requests reached the proxy: 2 validated, 0 with findings, 2 rejected by the upstream"
        in result.stderr
    )
