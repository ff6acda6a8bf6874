"""``toolguard show``: finding a flow by id, prefix or --last, and what it says about rows without a request."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.flows import store_exchanges

from toolguard_analysis.check import check_body
from toolguard_analysis.cli import cli
from toolguard_analysis.rule_links import rule_anchor
from toolguard_core.causes import CAUSES_BY_ID, recognise
from toolguard_core.findings import Finding
from toolguard_core.store import FindingRow, FlowRow, cause_columns, open_db, write_rows


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id="abc-1", datetime_utc="2026-01-01T00:00:01.000Z", verdict="accepted", status=200),
            FlowRow(id="abc-2", datetime_utc="2026-01-01T00:00:03.000Z", verdict="unexplained", status=429),
            # A refused reverse-mode connection (connection_strategy=eager): no request was read.
            FlowRow(
                id="def-3",
                datetime_utc="2026-01-01T00:00:02.000Z",
                scheme="http",
                host="127.0.0.1",
                port=9,
                url="http://127.0.0.1:9",
                verdict="no_answer",
                flow_error="[Errno 111] Connect call failed ('127.0.0.1', 9)",
            ),
        ],
    )
    db.close()
    return path


def show(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["show", *args])
    return result.exit_code, result.output


def finding_rows(findings: Iterable[Finding]) -> list[FindingRow]:
    """The rows the store keeps for ``findings`` (index, rule, severity, location, message)."""
    return [
        FindingRow(idx=i, rule=f.rule, severity=f.severity, location=f.location, message=f.message)
        for i, f in enumerate(findings)
    ]


def test_an_ambiguous_prefix_lists_the_candidates(db_path: Path) -> None:
    assert show("--db", str(db_path), "abc") == (
        1,
        "Error: 'abc' matches more than one flow; give more of the id:\n"
        "  abc-1  2026-01-01T00:00:01.000Z\n"
        "  abc-2  2026-01-01T00:00:03.000Z\n",
    )


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["zzz"], 1, "Error: no flow with id 'zzz' (or starting with it) in {db}\n"),
        ([], 2, "Error: give a FLOW_ID (or a prefix of one), or --last\n"),
        (["abc-1", "--last"], 2, "Error: give a FLOW_ID (or a prefix of one), or --last\n"),
        (["abc-1", "--request"], 1, "Error: flow abc-1 has no stored request body\n"),
    ],
)
def test_errors_name_the_problem(db_path: Path, args: list[str], status: int, message: str) -> None:
    code, output = show("--db", str(db_path), *args)
    assert (code, output.splitlines()[-1] + "\n") == (status, message.format(db=db_path))


def test_a_missing_database_is_an_error(tmp_path: Path) -> None:
    assert show("--db", str(tmp_path / "none.db"), "--last") == (
        1,
        f"Error: no toolguard database at {tmp_path / 'none.db'}\n",
    )


def test_last_is_the_latest_and_a_request_less_no_answer_row_says_why(db_path: Path) -> None:
    code, output = show("--db", str(db_path), "--last")
    assert (code, output.splitlines()[0]) == (0, "flow abc-2")
    code, output = show("--db", str(db_path), "def")
    assert code == 0
    assert output.splitlines()[:8] == [
        "flow def-3",
        "  request:    (no request read) http://127.0.0.1:9",
        "  provider:   ?, model ?",
        "  client:     ?",
        "  when:       2026-01-01T00:00:02.000Z",
        "  verdict:    no_answer: no answer from the upstream",
        "  upstream:   no answer from the upstream: [Errno 111] Connect call failed ('127.0.0.1', 9)",
        "",
    ]
    assert "  (no request body was stored)" in output.splitlines()


def test_a_responses_flow_pairs_calls_and_outputs(tmp_path: Path) -> None:
    """A Responses API body (input items): each function_call with its output, the broken ones called out."""
    body = {
        "model": "gpt-4.1",
        "input": [
            {"role": "user", "content": "list the files"},
            {"type": "function_call", "call_id": "call_ok", "name": "ls", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_ok", "output": "a.txt"},
            {"type": "function_call", "call_id": "call_open", "name": "cat", "arguments": '{"f": "a.txt"}'},
            {"type": "function_call_output", "call_id": "call_gone", "output": "b"},
        ],
    }
    url = "https://api.openai.com/v1/responses"
    findings = check_body(json.dumps(body).encode(), url).findings
    path = tmp_path / "r.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(
                id="resp-1",
                datetime_utc="2026-01-01T00:00:00.000Z",
                url=url,
                method="POST",
                request_json=json.dumps(body),
                findings=finding_rows(findings),
            )
        ],
    )
    db.close()
    code, output = show("--db", str(path), "resp-1")
    assert code == 0
    lines = output.splitlines()
    assert "conversation (as mitmweb's Responses view shows it):" in lines
    start = lines.index("  [1] function_call")
    assert lines[start : start + 10] == [
        "  [1] function_call",
        "    -> call call_ok: ls({})",
        "       answered by input[2]",
        "",
        "  [2] function_call_output  answers 'call_ok', called at input[1]",
        "      a.txt",
        "",
        "  [3] function_call",
        '    -> call call_open: cat({"f": "a.txt"})',
        "       NO OUTPUT in this request",
    ]
    assert "  [4] function_call_output  answers 'call_gone': NO CALL in this request" in lines
    placed = {f.location.split(".")[0] for f in findings}
    assert placed >= {"input[3]", "input[4]"}  # the rules flag both broken items, shown in place
    assert sum(line.startswith("    !! ERROR responses.") for line in lines) == len(
        [f for f in findings if f.severity == "error"]
    )


def test_an_anthropic_messages_flow_uses_the_messages_view(tmp_path: Path) -> None:
    """A stored Anthropic Messages request renders as mitmweb's Anthropic Messages view does."""
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [
            {"role": "user", "content": "list the files"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_01Open", "name": "ls", "input": {}}],
            },
            {"role": "user", "content": "and then?"},
        ],
    }
    url = "https://api.anthropic.com/v1/messages"
    findings = check_body(json.dumps(body).encode(), url).findings
    path = tmp_path / "a.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(
                id="anth-1",
                datetime_utc="2026-01-01T00:00:00.000Z",
                url=url,
                path="/v1/messages",
                method="POST",
                request_json=json.dumps(body),
                findings=finding_rows(findings),
            )
        ],
    )
    db.close()
    code, output = show("--db", str(path), "anth-1")
    assert code == 0
    lines = output.splitlines()
    # Was "as mitmweb's Chat Completions view shows it" for a Messages flow (a review-4 walkthrough).
    assert "conversation (as mitmweb's Anthropic Messages view shows it):" in lines
    assert "    -> tool_use toolu_01Open: ls({})" in lines
    assert (
        lines[lines.index("    -> tool_use toolu_01Open: ls({})") + 1] == "       NO RESULT in this request"
    )


@pytest.mark.parametrize(
    ("provider", "host", "verdict", "status", "heading"),
    [
        # Found on a fresh clone: a loopback upstream gave "### generic rejects the request", the profile's
        # id in a sentence; the bug report names the API by its host (the provider has its own bullet).
        ("generic", "127.0.0.1", "unexplained", 400, "### The API at 127.0.0.1 rejects the request"),
        ("openai", "api.openai.com", "unexplained", 400, "### The API at api.openai.com rejects the request"),
        (None, None, "unexplained", 400, "### The API rejects the request"),
        ("openai", "api.openai.com", "accepted", 200, "### toolguard flagged the request"),
    ],
)
def test_markdown_heading_names_the_api_by_its_host(
    tmp_path: Path, provider: str | None, host: str | None, verdict: str, status: int, heading: str
) -> None:
    path = tmp_path / "h.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id="flow-1", datetime_utc="2026-01-01T00:00:01.000Z", provider=provider, host=host,
                    verdict=verdict, status=status, error_message="bad request" if status >= 400 else None)
        ],
    )  # fmt: skip
    db.close()
    code, output = show("--db", str(path), "--last", "--format", "markdown")
    assert (code, output.splitlines()[0]) == (0, heading)


def _truncated(why: str) -> str:
    return (
        f"flow big-1 stored only the first 65536 of its 2000133 bytes: {why}, and such a body is kept up to "
        "64 KB; it cannot be replayed or re-checked"
    )


_JSON_PREFIX = '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "' + "x" * 65470
#: The finding the addon stores with a 2 MB body over toolguard_max_body (1 MB), as rules/body.py words it.
_TOO_LARGE = (
    "body.too-large",
    "The body is 2000133 bytes, over toolguard_max_body (1048576); not validated.",
)


# Found on a fresh clone: a 2 MB body over toolguard_max_body is stored as its first 64 KB;
# `show --request` printed that prefix for curl and `check --flow` called it "not valid JSON". Session
# 13: the refusal said "a body that is not a JSON object toolguard could read is kept up to 64 KB" of a
# JSON body toolguard never read (too large): it says what happened to this body, from its finding.
@pytest.mark.parametrize(
    ("text", "size", "finding", "why"),
    [
        (_JSON_PREFIX, 2000133, _TOO_LARGE,
         "it was larger than toolguard_max_body, so toolguard passed it through unread"),
        ("<xml>" + "x" * 65531, 2000133, ("body.not-json", "The request body is not valid JSON: Expecting value"),
         "it is not valid JSON"),
        ("[" + "1," * 32767, 2000133, ("body.not-object", "The request body is JSON but not an object (a list)."),
         "it is JSON but not an object"),
        # A row with no body finding (an older capture): only what is known.
        (_JSON_PREFIX, 2000133, None, "toolguard did not store it as a JSON object (no finding says why)"),
    ],
)  # fmt: skip
def test_a_truncated_stored_body_says_what_happened_to_it_and_is_neither_replayed_nor_rechecked(
    tmp_path: Path, text: str, size: int, finding: tuple[str, str] | None, why: str
) -> None:
    path = tmp_path / "big.db"
    db = open_db(path)
    findings = (
        [FindingRow(idx=0, rule=finding[0], severity="info", location="body", message=finding[1])]
        if finding
        else []
    )
    write_rows(
        db,
        [
            FlowRow(id="big-1", datetime_utc="2026-01-01T00:00:01.000Z", url="http://127.0.0.1:9/v1/chat/completions",
                    verdict="accepted", status=200, request_body=text, request_bytes=size, findings=findings)
        ],
    )  # fmt: skip
    db.close()
    assert show("--db", str(path), "big-1", "--request") == (1, f"Error: {_truncated(why)}\n")
    # The text's last line offered "replay: toolguard show big-1 --request > body.json", the command
    # just refused (a new user's trial, session 15): it says why there is nothing to replay instead.
    code, output = show("--db", str(path), "big-1")
    assert (code, output.splitlines()[-1]) == (0, f"replay: not possible: {_truncated(why)}")
    result = CliRunner().invoke(cli, ["check", "--db", str(path), "--flow", "big-1"])
    # check: 2, nothing was checked (1 would tell a CI script "error findings").
    assert (result.exit_code, result.output) == (2, f"Error: {_truncated(why)}\n")


def test_a_short_body_that_is_not_json_is_stored_whole_and_both_work_on_it(tmp_path: Path) -> None:
    path = tmp_path / "short.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id="big-1", datetime_utc="2026-01-01T00:00:01.000Z", url="http://127.0.0.1:9/v1/chat/completions",
                    verdict="accepted", status=200, request_body="not json", request_bytes=8)
        ],
    )  # fmt: skip
    db.close()
    assert show("--db", str(path), "big-1", "--request") == (0, "not json\n")
    result = CliRunner().invoke(cli, ["check", "--db", str(path), "--flow", "big-1"])
    assert result.exit_code == 1
    assert result.output.startswith("error body.not-json at body: ")


def test_each_reason_a_body_was_not_stored_as_json_is_a_body_rules() -> None:
    from toolguard_analysis.show import _NOT_STORED_AS_JSON
    from toolguard_core.rules import RULES

    assert [rule for rule in _NOT_STORED_AS_JSON if RULES[rule].family != "body"] == []


def test_a_body_passed_through_unvalidated_is_not_called_not_json(tmp_path: Path) -> None:
    """A 5 KB JSON body over toolguard_max_body=1k was shown as "(the request body was not a JSON
    object: {"model":"gpt-4o-mini","messages":[{"role":"user","content":"xxxx...", 600 characters of
    it) in the text and in the markdown bug report: it was a JSON object, toolguard never read it."""
    path = tmp_path / "large.db"
    text = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x" * 5000}]})
    message = "The body is 5073 bytes, over toolguard_max_body (1024); not validated."
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id="large-1", datetime_utc="2026-01-01T00:00:01.000Z", url="http://127.0.0.1:9/v1/chat/completions",
                    verdict="accepted", status=200, request_body=text, request_bytes=len(text),
                    findings=[FindingRow(idx=0, rule="body.too-large", severity="info", location="body",
                                         message=message)])
        ],
    )  # fmt: skip
    db.close()
    said = f"(not read as a conversation: body.too-large: {message})"
    for fmt in ("text", "markdown"):
        code, output = show("--db", str(path), "large-1", "--format", fmt)
        assert (code, output.count(said), "not a JSON object" in output, "xxxx" in output) == (
            0,
            1,
            False,
            False,
        )
    assert show("--db", str(path), "large-1", "--request") == (0, text + "\n")


# Found on a fresh clone: `toolguard show --db capture.db --last` ended with
# "replay: toolguard show abc-2 --request > body.json", which opens the DEFAULT database and fails with
# "no toolguard database at ~/.local/share/toolguard/toolguard.db" (or finds no such flow). The hint
# must name the database the flow was read from, and only when the bare command would open another one.
@pytest.mark.parametrize(
    ("db_arg", "env_db", "hint_db"),
    [
        (True, False, True),  # --db given: the hint repeats it
        (False, True, False),  # $TOOLGUARD_DB: the bare command opens the same database
        (True, True, True),  # --db wins over $TOOLGUARD_DB, so the hint must say it
    ],
)
def test_the_replay_hint_runs_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_arg: bool, env_db: bool, hint_db: bool
) -> None:
    path = tmp_path / "capture dir" / "c.db"  # a space: the hint must quote it
    path.parent.mkdir()
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id="rep-1", datetime_utc="2026-01-01T00:00:01.000Z", url="https://api.openai.com/v1/chat/completions",
                    method="POST", verdict="unexplained", status=400, request_json=json.dumps(body))
        ],
    )  # fmt: skip
    db.close()
    monkeypatch.setenv("TOOLGUARD_DB", str(path) if env_db else str(tmp_path / "other.db"))
    code, output = show(*(["--db", str(path)] if db_arg else []), "--last")
    last = output.splitlines()[-1]
    db_part = f"--db {shlex.quote(str(path))} " if hint_db else ""
    assert (code, last) == (
        0,
        f"replay: toolguard show {db_part}rep-1 --request | curl -sS https://api.openai.com/v1/chat/completions "
        "-H 'content-type: application/json' --data-binary @-",
    )
    # ... and the command it names prints the request body (the whole pipeline runs in
    # test_show_replay.py against a loopback upstream).
    command = shlex.split(last.removeprefix("replay: ").split(" | ")[0])
    assert command[:2] == ["toolguard", "show"]
    assert show(*command[2:]) == (0, json.dumps(body) + "\n")


def _example(cause_id: str, words: str) -> str:
    """A provider's real error text, as the cause catalogue quotes it (with its source)."""
    return next(w.example for w in CAUSES_BY_ID[cause_id].wordings if w.example and words in w.example)


# Found on a fresh clone: a 401 (wrong key) through a host toolguard does not know is stored as
# `recognised` with cause.auth and its fix, and the run report prints that fix; but `toolguard show`,
# which the report points to, printed no cause at all, and its markdown bug report was headed
# "rejects the request: model.rules-skipped at model", blaming an info note for the rejection.
@pytest.mark.parametrize(
    ("cause_id", "words", "status", "error_source"),
    [
        ("cause.auth", "Incorrect API key provided", 401, None),
        ("cause.server-error", "The server had an error", 200, "stream"),  # an error event in a 200 stream
    ],
)
def test_a_recognised_rejection_shows_its_root_cause_and_fix(
    tmp_path: Path, cause_id: str, words: str, status: int, error_source: str | None
) -> None:
    message = _example(cause_id, words)
    recognition = recognise(message, provider="openai")
    assert recognition is not None and recognition.cause_id == cause_id
    stored_id, stored_json = cause_columns(recognition)
    body = {"model": "zz-private-7b", "messages": [{"role": "user", "content": "hi"}]}
    url = "http://127.0.0.1:9/v1/chat/completions"
    [note] = check_body(json.dumps(body).encode(), url).findings
    assert note.severity == "info"  # model.rules-skipped: an unknown host and model
    path = tmp_path / "c.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id="rec-1", datetime_utc="2026-01-01T00:00:01.000Z", url=url, host="127.0.0.1", method="POST",
                    provider="generic", model=body["model"], request_json=json.dumps(body), status=status,
                    error_message=message, error_source=error_source, verdict="recognised", cause_id=stored_id,
                    cause_json=stored_json,
                    findings=[FindingRow(idx=0, rule=note.rule, severity=note.severity, location=note.location,
                                         message=note.message)])
        ],
    )  # fmt: skip
    db.close()
    code, text = show("--db", str(path), "rec-1")
    facts = [line for line in text.splitlines() if line.startswith(("  root cause:", "  fix:"))]
    assert (code, facts) == (
        0,
        [
            f"  root cause: {cause_id} (docs/causes.md#{rule_anchor(cause_id)}): {recognition.title}",
            f"  fix:        {recognition.fix}",
        ],
    )
    code, markdown = show("--db", str(path), "rec-1", "--format", "markdown")
    lines = markdown.splitlines()
    assert (code, lines[0]) == (0, f"### The API at 127.0.0.1 rejects the request: {cause_id}")
    assert [line for line in lines if line.startswith(("- **Root cause**", "- **Fix**"))] == [
        # No link in a bug report: it is pasted into another project's tracker (no relative paths).
        f"- **Root cause**: `{cause_id}`: {recognition.title}",
        f"- **Fix**: {recognition.fix}",
    ]


def test_a_flagged_request_rejected_for_an_unrelated_reason_is_headed_by_its_cause(tmp_path: Path) -> None:
    """A 429 on a request with an orphan tool message: no rule is credited (docs/errors.md, the rule of
    decision), so the bug report is headed by the rate limit, not by the finding the 429 did not answer."""
    message = _example("cause.rate-limit", "Rate limit reached")
    recognition = recognise(message, provider="openai")
    assert recognition is not None and recognition.cause_id == "cause.rate-limit"
    stored_id, stored_json = cause_columns(recognition)
    body = {"model": "gpt-4o", "messages": [{"role": "tool", "tool_call_id": "call_1", "content": "42"}]}
    url = "https://api.openai.com/v1/chat/completions"
    findings = [f for f in check_body(json.dumps(body).encode(), url).findings if f.severity == "error"]
    assert findings, "the orphan tool message is an error finding"
    path = tmp_path / "c.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id="rl-1", datetime_utc="2026-01-01T00:00:01.000Z", url=url, host="api.openai.com", method="POST",
                    provider="openai", model=body["model"], request_json=json.dumps(body), status=429,
                    error_message=message, verdict="recognised", cause_id=stored_id, cause_json=stored_json,
                    findings=finding_rows(findings))
        ],
    )  # fmt: skip
    db.close()
    code, markdown = show("--db", str(path), "rl-1", "--format", "markdown")
    assert (code, markdown.splitlines()[0]) == (
        0,
        "### The API at api.openai.com rejects the request: cause.rate-limit",
    )


def test_a_rule_named_by_the_wording_but_not_flagged_is_not_shown_as_the_cause(tmp_path: Path) -> None:
    """Gemini's strict parser rejects a request that toolguard flagged for an orphan tool message; its
    text is params.unknown's wording. `show` said "cause: params.unknown" under "predicted ... as toolguard
    predicted", with only sequence.orphan-tool-message among the findings: params.unknown never fired."""
    message = 'Invalid JSON payload received. Unknown name "web_search_options": Cannot find field.'
    recognition = recognise(message, provider="gemini")
    assert recognition is not None
    stored_id, stored_json = cause_columns(recognition)
    body = {
        "model": "gemini-2.5-flash",
        "messages": [{"role": "tool", "tool_call_id": "call_1", "content": "42"}],
    }
    url = "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
    findings = [f for f in check_body(json.dumps(body).encode(), url).findings if f.severity == "error"]
    assert [f.rule for f in findings] == ["sequence.orphan-tool-message"]
    path = tmp_path / "c.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id="gm-1", datetime_utc="2026-01-01T00:00:01.000Z", url=url, host="generativelanguage.googleapis.com",
                    method="POST", provider="gemini", model=body["model"], request_json=json.dumps(body), status=400,
                    error_message=message, verdict="predicted", cause_id=stored_id, cause_json=stored_json,
                    findings=finding_rows(findings))
        ],
    )  # fmt: skip
    db.close()
    unflagged = "matched by the upstream's wording; this rule did not flag this request"
    code, text = show("--db", str(path), "gm-1")
    assert code == 0
    assert [
        line for line in text.splitlines() if line.startswith(("  known:", "  root cause:", "  fix:"))
    ] == [
        f"  known:      params.unknown (docs/rules.md#paramsunknown): {unflagged}",
        f"  root cause: cause.extra-request-field (docs/causes.md#causeextra-request-field): {recognition.title}",
        f"  fix:        {recognition.fix}",
    ]
    code, markdown = show("--db", str(path), "gm-1", "--format", "markdown")
    assert code == 0
    prefixes = ("- **Known failure**", "- **Root cause**", "- **Fix**")
    assert [line for line in markdown.splitlines() if line.startswith(prefixes)] == [
        f"- **Known failure**: `params.unknown`: {unflagged}",
        f"- **Root cause**: `cause.extra-request-field`: {recognition.title}",
        f"- **Fix**: {recognition.fix}",
    ]


def test_a_huge_upstream_error_is_clipped_in_text_and_markdown_but_whole_in_json(tmp_path: Path) -> None:
    """A 5 MB error body (its message one token) is stored at about 8,000 characters; ``show`` printed
    all of them as one header line. Text and Markdown now stop at 1,000 and say what was left out."""
    message = "x" * 8000
    path = tmp_path / "big.db"
    db = open_db(path)
    write_rows(
        db,
        [FlowRow(id="big-1", datetime_utc="2026-11-30T14:44:33.000Z", host="127.0.0.1", status=400,
                 verdict="unexplained", error_message=message)],
    )  # fmt: skip
    db.close()
    line = f"upstream answered 400: {message}"
    clipped = f"{line[:1000]}… ({len(line) - 1000} more characters: --format json has the whole text)"
    code, text = show("--db", str(path), "big-1")
    assert (code, f"  {'upstream:':<11} {clipped}" in text.splitlines()) == (0, True)
    code, markdown = show("--db", str(path), "big-1", "--format", "markdown")
    assert (code, f"- **Upstream**: {clipped}" in markdown.splitlines()) == (0, True)
    code, raw = show("--db", str(path), "big-1", "--format", "json")
    assert (code, json.loads(raw)["upstream"]) == (0, line)


# Session 13: a recognised cause named the catalogue's Chat Completions rule whatever API the flow
# spoke (`show` of a Gemini generateContent rejection said "known: params.unknown"). Each API's own
# rule, or that none predicts it there. The wordings are real: OpenAI's (nashsu/llm_wiki#336),
# OpenAI's Responses "Unknown parameter" (decolua/9router#1157), Anthropic's pydantic sentence
# (gpustack/gpustack#429), Gemini's (FuzzAnything/PromptFuzz#42), Bedrock's (docs/causes.md).
_USER = {"role": "user", "content": "hi"}
_UNKNOWN_FIELD = "matched by the upstream's wording; this rule did not flag this request"
#: (URL, a request no rule flags, the upstream's 400 naming a field "foo", what `show` says of its rule).
PER_API = [
    (
        "https://api.openai.com/v1/chat/completions",
        {"model": "gpt-4o", "messages": [_USER]},
        {
            "error": {
                "message": "Unrecognized request argument supplied: foo",
                "type": "invalid_request_error",
            }
        },
        ("known", "params.unknown"),
    ),
    (
        "https://api.openai.com/v1/responses",
        {"model": "gpt-4.1", "input": "hi"},
        {"error": {"message": "Unknown parameter: 'foo'.", "type": "invalid_request_error", "param": "foo"}},
        ("none", "Responses"),
    ),
    (
        "https://api.anthropic.com/v1/messages",
        {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [_USER]},
        {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": "foo: Extra inputs are not permitted"},
        },
        ("known", "anthropic.unknown-field"),
    ),
    (
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
        {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
        {
            "error": {
                "code": 400,
                "message": 'Invalid JSON payload received. Unknown name "foo": Cannot find field.',
            }
        },
        ("known", "gemini.unknown-field"),
    ),
    (
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse",
        {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
        {
            "message": "Malformed input request: #: extraneous key [foo] is not permitted, please reformat your "
            "input and try again."
        },
        ("known", "converse.unknown-field"),
    ),
    (
        "http://localhost:11434/api/chat",
        {"model": "llama3.1", "messages": [_USER], "stream": False},
        {"error": "Unrecognized request argument supplied: foo"},
        ("none", "Ollama /api/chat"),
    ),
]


@pytest.fixture(scope="module")
def per_api(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A database the real addon wrote (its hooks in mitmproxy's test context, tflow flows): one
    rejection per API, each recognised as cause.extra-request-field; the path and the rows in order."""
    path = tmp_path_factory.mktemp("per_api") / "toolguard.db"
    store_exchanges(path, [(url, body, 400, answer) for url, body, answer, _ in PER_API])
    db = open_db(path)
    rows = [dict(row) for row in db.query("select * from flows order by rowid")]
    db.close()
    return path, rows


@pytest.mark.parametrize("index", range(len(PER_API)), ids=[url.rsplit("/", 1)[-1] for url, *_ in PER_API])
def test_a_recognised_cause_names_the_rule_of_the_flows_api(
    per_api: tuple[Path, list[dict[str, Any]]], index: int
) -> None:
    path, rows = per_api
    row = rows[index]
    said, named = PER_API[index][-1]
    assert (row["verdict"], row["cause_id"]) == ("recognised", "cause.extra-request-field")
    cause = json.loads(row["cause_json"])
    cause_line = (
        f"  root cause: cause.extra-request-field (docs/causes.md#causeextra-request-field): {cause['title']}"
    )
    if said == "known":
        facts = [f"  known:      {named} (docs/rules.md#{rule_anchor(named)}): {_UNKNOWN_FIELD}", cause_line]
        bullets = [
            f"- **Known failure**: `{named}`: {_UNKNOWN_FIELD}",
            f"- **Root cause**: `cause.extra-request-field`: {cause['title']}",
        ]
    else:
        none = f"none predicts this root cause on {named} requests"
        facts = [cause_line, f"  rule:       {none}"]
        bullets = [f"- **Root cause**: `cause.extra-request-field`: {cause['title']}", f"- **Rule**: {none}"]
    code, text = show("--db", str(path), row["id"])
    header = text.split("\n\n")[0].splitlines()
    # The whole header after the upstream's answer: what explains it, the rule, the fix; nothing else.
    upstream = next(i for i, line in enumerate(header) if line.startswith("  upstream:"))
    assert (code, header[upstream + 1 :]) == (0, [*facts, f"  fix:        {cause['fix']}"])
    code, markdown = show("--db", str(path), row["id"], "--format", "markdown")
    lines = markdown.split("#### Findings")[0].splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("- **Upstream**"))
    assert (code, lines[first + 1 :]) == (0, [*bullets, f"- **Fix**: {cause['fix']}", ""])
    code, out = show("--db", str(path), row["id"], "--format", "json")
    assert (code, json.loads(out)["root_cause"]) == (
        0,
        named if said == "known" else "cause.extra-request-field",
    )


def test_the_summary_names_each_flows_cause_by_the_rule_of_its_api(
    per_api: tuple[Path, list[dict[str, Any]]],
) -> None:
    """The HTML report's drill-downs (the summary's ``flows``) carry each flow's stored cause: its
    ``rule`` is the flow's API's own, or null where no rule on that API predicts it."""
    from toolguard_analysis.summary import build_summary

    path, rows = per_api
    by_id = {
        flow["id"]: flow["cause"]["rule"] for flow in build_summary([str(path)], with_flows=True)["flows"]
    }
    assert [by_id[row["id"]] for row in rows] == [
        named if said == "known" else None for *_, (said, named) in PER_API
    ]


def test_each_rule_checks_the_api_of_its_own_example_and_each_declared_api_rule_checks_its_api() -> None:
    """rules.registry.rule_apis is derived from the checks' declared endpoints: every rule's example is
    sent to an API it checks, and every rule the catalogue declares for an API (Cause.api_rules) checks it."""
    from urllib.parse import urlsplit

    from toolguard_core.causes import CAUSES
    from toolguard_core.request import endpoint_kind
    from toolguard_core.rules import RULES
    from toolguard_core.rules.registry import rule_apis

    assert [
        rule.id
        for rule in RULES.values()
        if endpoint_kind(urlsplit(rule.example_url).path) not in rule_apis(rule.id)
    ] == []
    assert [
        (c.id, api, rule) for c in CAUSES for api, rule in c.api_rules if api not in rule_apis(rule)
    ] == []
    # A declared API rule is one the cause's own rule does not already cover there (declared once).
    assert [
        (c.id, api) for c in CAUSES for api, _ in c.api_rules if c.rule_id and api in rule_apis(c.rule_id)
    ] == []


def test_every_view_calls_a_flows_cause_by_one_term(per_api: tuple[Path, list[dict[str, Any]]]) -> None:
    """``show`` said "cause:" where the summary, the run report, the HTML report and docs/causes.md say
    "root cause": one term (rule_links.ROOT_CAUSE) in every view of the same recognised flow."""
    from toolguard_analysis.rule_links import ROOT_CAUSE

    path, rows = per_api
    row = next(r for r in rows if r["cause_id"] == "cause.extra-request-field")
    labelled = {}
    for fmt in ("text", "markdown"):
        code, out = show("--db", str(path), row["id"], "--format", fmt)
        assert code == 0
        labelled[f"show {fmt}"] = out.split("#### Findings")[0] if fmt == "markdown" else out.split("\n\n")[0]
    for fmt in ("text", "markdown", "html"):
        result = CliRunner().invoke(cli, ["summary", "--db", str(path), "--format", fmt])
        assert result.exit_code == 0, result.output
        labelled[f"summary {fmt}"] = result.output
    docs = Path(__file__).resolve().parents[1] / "docs"
    labelled["docs/causes.md"] = (docs / "causes.md").read_text("utf-8").split("\n## ")[0]
    term = {
        "show text": f"\n  {ROOT_CAUSE}: cause.extra-request-field",
        "show markdown": f"- **{ROOT_CAUSE.capitalize()}**: `cause.extra-request-field`",
        "summary text": f"{ROOT_CAUSE}: cause.extra-request-field",
        "summary markdown": f"{ROOT_CAUSE.capitalize()}: `cause.extra-request-field`",
        "summary html": f'<dt>{ROOT_CAUSE.capitalize()}</dt><dd><span class="mono">cause.extra-request-field',
        "docs/causes.md": f"`{ROOT_CAUSE}:` and `fix:` lines of the\nrun report, the summary and `toolguard show`",
    }
    assert {view: term[view] in text for view, text in labelled.items()} == dict.fromkeys(term, True)
    # No view labels it with the bare word ("cause:" at a line's start, after its indent or bullet).
    bare = {view for view, text in labelled.items() if any(
        line.lstrip(" -*").startswith(("cause:", "Cause:", "cause**:", "Cause**:"))
        for line in text.splitlines()
    )}  # fmt: skip
    assert bare == set()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # OpenRouter's wrapper whose metadata.raw is the bare sentinel ERROR (probe-w004's shape): opaque
        (
            '{"error":{"message":"Provider returned error","code":400,"metadata":{"raw":"ERROR","provider_name":"Stealth"}}}',
            ["  answer:     opaque: the answer names nothing beyond its status, so no root cause can be read "
             "from its text"],
        ),
        # MiniMax's generic prefix with "chat setting" (dev b-0075): it names something, no line
        (
            '{"type":"error","error":{"type":"bad_request_error","message":"invalid params, invalid chat setting (2013)"}}',
            [],
        ),
    ],
)  # fmt: skip
def test_an_unexplained_rejection_says_when_its_answer_names_nothing(
    tmp_path: Path, body: str, expected: list[str]
) -> None:
    from toolguard_core.upstream_errors import parse_error

    error = parse_error(body, status=400)
    path = tmp_path / "o.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id="op-1", datetime_utc="2026-01-01T00:00:01.000Z", verdict="unexplained", status=400,
                    error_message=error.effective_message, error_json=json.dumps(error.summary()))
        ],
    )  # fmt: skip
    db.close()
    code, text = show("--db", str(path), "op-1")
    assert (code, [line for line in text.splitlines() if line.startswith("  answer:")]) == (0, expected)
