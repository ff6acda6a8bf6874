"""``toolguard run``'s report for what a user's own failing traffic looks like (trial19): a client
that retries one refused request lists it once with the ids of its repeats, and a rejection that came
as an error event inside a 200 stream says so next to the upstream's words.

Found in session 18's new-user trial: Claude Code with a wrong key retried ten times and the report
printed the same four lines eleven times (Codex six); the anthropic SDK's stream ended by an
``overloaded_error`` event read ``200 ... rejected by the upstream`` / ``upstream: Overloaded``."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlite_utils
from support.answers import ANTHROPIC_529, OPENAI_401, OPENAI_429
from support.upstream import RecordedRequest, Reply, StreamReply, Upstream

from toolguard_analysis.run import report
from toolguard_core.causes import recognise_error
from toolguard_core.store import FindingRow, FlowRow, RunRow, open_db, write_rows, write_run
from toolguard_core.upstream_errors import parse_error

TOOLGUARD = str(Path(sys.executable).parent / "toolguard")
RUN_TIMEOUT = 60


def rejected_flow(
    flow_id: str, second: int, status: int, body: dict, path: str, *, stream: bool = False, **extra: object
) -> FlowRow:
    """A stored rejection as the proxy writes it: the real body parsed and its root cause recognised."""
    error = parse_error(json.dumps(body), status=status)
    found = recognise_error(error, status=status)
    assert found is not None
    return FlowRow(
        id=flow_id, datetime_utc=f"2026-01-01T00:00:{second:02}.000Z", run_id="run", method="POST",
        host="127.0.0.1", port=8080, path=path, provider="generic", status=status,
        verdict="recognised", error_message=error.message, error_json=json.dumps(error.summary()),
        cause_json=json.dumps(found.summary()), cause_id=found.cause_id, **extra,
    )  # fmt: skip


def write(db_path: Path, rows: list[FlowRow]) -> None:
    db = open_db(db_path)
    n = len(rows)
    write_run(
        db,
        RunRow(id="run", started_utc="2026-01-01T00:00:00.000Z", requests_seen=n, validated=n, rejected=n,
               stored=n),
    )  # fmt: skip
    write_rows(db, rows)
    db.close()


def flow_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  flows"))
    end = next(i for i, line in enumerate(lines) if i > start and not line.startswith("    "))
    return lines[start:end]


ANTHROPIC_FIX = "Retry later with backoff; nothing is wrong with the request."


def test_a_retried_rejection_is_listed_once_with_the_ids_of_its_repeats(tmp_path: Path) -> None:
    # Anthropic's 529 three times (an SDK retrying), an OpenAI 401 in between, then the 529 once more:
    # the 529s are one entry where the first of them came, the 401 keeps its place.
    rows = [
        rejected_flow("aaaaaaaa-0001", 1, 529, ANTHROPIC_529, "/v1/messages"),
        rejected_flow("bbbbbbbb-0002", 2, 529, ANTHROPIC_529, "/v1/messages"),
        rejected_flow("cccccccc-0003", 3, 401, OPENAI_401, "/v1/chat/completions"),
        rejected_flow("dddddddd-0004", 4, 529, ANTHROPIC_529, "/v1/messages"),
    ]
    db_path = tmp_path / "retries.db"
    write(db_path, rows)
    text = report(db_path, "run")
    assert flow_lines(text) == [
        "  flows:",
        "    aaaaaaaa-0001  529  POST 127.0.0.1:8080/v1/messages  recognised: rejected by the upstream for a known "
        "root cause; no rule is credited with it",
        "        upstream: Overloaded",
        "        root cause: cause.overloaded: The provider is overloaded.",
        f"        fix: {ANTHROPIC_FIX}",
        "        2 more flows alike (same client, request line, verdict, findings and answer): bbbbbbbb, dddddddd",
        "    cccccccc-0003  401  POST 127.0.0.1:8080/v1/chat/completions  recognised: rejected by the upstream for a "
        "known root cause; no rule is credited with it",
        "        upstream: Incorrect API key provided: sk-PMafP***************************************E873. You can "
        "find your API key at https://platform.openai.com/account/api-keys.",
        "        root cause: cause.auth: The API key is missing, wrong or not valid for this endpoint.",
        "        fix: Check the API key (and that it belongs to this provider and base URL).",
    ]
    # The command to look at one flow still names the newest.
    assert "  one flow: toolguard show --db " + str(db_path) + " dddddddd\n" in text


def test_flows_that_differ_in_a_finding_the_answer_or_the_client_are_not_folded(tmp_path: Path) -> None:
    finding = FindingRow(
        idx=0, rule="sequence.orphan-tool-message", severity="error", location="messages[1]", message="x"
    )
    rows = [
        rejected_flow("aaaaaaaa-0001", 1, 529, ANTHROPIC_529, "/v1/messages"),
        rejected_flow("bbbbbbbb-0002", 2, 529, ANTHROPIC_529, "/v1/messages", findings=[finding]),
        rejected_flow("cccccccc-0003", 3, 429, OPENAI_429, "/v1/messages"),
        # Another program failing the same way: the report's guide runs the openai SDK and LangChain.
        rejected_flow("dddddddd-0004", 4, 529, ANTHROPIC_529, "/v1/messages", client="langchain"),
    ]
    db_path = tmp_path / "distinct.db"
    write(db_path, rows)
    lines = flow_lines(report(db_path, "run"))
    assert [
        line.split()[0] for line in lines if line.startswith("    ") and not line.startswith("     ")
    ] == [
        "aaaaaaaa-0001",
        "bbbbbbbb-0002",
        "cccccccc-0003",
        "dddddddd-0004",
    ]
    assert not [line for line in lines if "more flows alike" in line or "more flow alike" in line]


def test_many_repeats_name_the_first_ids_and_count_the_rest(tmp_path: Path) -> None:
    rows = [rejected_flow(f"{i:08x}-rep", i, 529, ANTHROPIC_529, "/v1/messages") for i in range(14)]
    db_path = tmp_path / "many.db"
    write(db_path, rows)
    lines = flow_lines(report(db_path, "run"))
    assert lines[-1] == (
        "        13 more flows alike (same client, request line, verdict, findings and answer): "
        + ", ".join(f"{i:08x}" for i in range(1, 11))
        + " and 3 more, the newest 0000000d"
    )
    assert len(lines) == 6


# What the anthropic and openai SDKs' x-stainless-retry-count says (1, 2: the SDK's own second and third
# tries of one call), under the flows they are (a new user's trial, session 19: the openai SDK's
# max_retries=2 made one call answered 500 three stored flows, read as three failing calls).
SDK_RETRIES = (
    "2 of these 3 flows are the client's own retries (x-stainless-retry-count 1, 2): its SDK resent a failed "
    "call (max_retries), the app did not call again"
)


# OpenAI's 500 (the text of its server_error, as tests/support/upstream.py sends it in a stream).
OPENAI_500 = {
    "error": {
        "message": "The server had an error while processing your request.",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}


def headers(retry: int | None) -> str:
    """A stored request's headers as the writer keeps them (authorization redacted)."""
    sent = {"authorization": "[REDACTED]", "user-agent": "OpenAI/Python 3.57.0", "x-stainless-lang": "python"}
    return json.dumps(sent | ({"x-stainless-retry-count": str(retry)} if retry is not None else {}))


def test_the_sdks_own_retries_are_said_under_the_flows_they_are(tmp_path: Path) -> None:
    # One call answered 500 three times (tries 0, 1, 2); a 429 whose retry got a 400 (try 1 alone);
    # a client that does not say (no header, or a bad value) gets no line.
    rows = [
        rejected_flow("aaaaaaaa-0001", 1, 529, ANTHROPIC_529, "/v1/messages", request_headers_json=headers(0)),
        rejected_flow("bbbbbbbb-0002", 2, 529, ANTHROPIC_529, "/v1/messages", request_headers_json=headers(1)),
        rejected_flow("cccccccc-0003", 3, 529, ANTHROPIC_529, "/v1/messages", request_headers_json=headers(2)),
        rejected_flow("dddddddd-0004", 4, 429, OPENAI_429, "/v1/chat/completions", request_headers_json=headers(0)),
        rejected_flow("eeeeeeee-0005", 5, 401, OPENAI_401, "/v1/chat/completions", request_headers_json=headers(1)),
        rejected_flow("ffffffff-0006", 6, 401, OPENAI_401, "/v1/messages", request_headers_json=headers(None)),
        # The openai SDK with max_retries=1 (LangChain's ChatOpenAI): one retry of two flows alike.
        rejected_flow("77777777-0008", 8, 500, OPENAI_500, "/v1/chat/completions", request_headers_json=headers(0)),
        rejected_flow("88888888-0009", 9, 500, OPENAI_500, "/v1/chat/completions", request_headers_json=headers(1)),
        rejected_flow("99999999-0007", 7, 429, OPENAI_429, "/v1/messages", request_headers_json='{"x-stainless-retry-count": "-1"}'),
    ]  # fmt: skip
    db_path = tmp_path / "sdk-retries.db"
    write(db_path, rows)
    lines = flow_lines(report(db_path, "run"))
    said = [line.strip() for line in lines if "x-stainless-retry-count" in line]
    assert said == [
        SDK_RETRIES,
        "the client's own retry 1 of a call (x-stainless-retry-count): its SDK resent the call after a failed try "
        "(max_retries), the app did not call again",
        "1 of these 2 flows is the client's own retry (x-stainless-retry-count 1): its SDK resent a failed call "
        "(max_retries), the app did not call again",
    ]
    # Each under its own block: the three 529s', then the 401 that was a retry.
    assert lines[lines.index(f"        {SDK_RETRIES}") - 1].startswith("        2 more flows alike")
    retry_at = next(i for i, line in enumerate(lines) if "retry 1 of a call" in line)
    block_head = max(i for i, line in enumerate(lines[:retry_at]) if not line.startswith("     "))
    assert lines[block_head].startswith("    eeeeeeee-0005  401")


def test_an_error_event_inside_a_200_stream_is_said_next_to_the_upstreams_words(tmp_path: Path) -> None:
    # Anthropic's overloaded_error as an SSE `error` event after message_start: the status is 200.
    row = rejected_flow("aaaaaaaa-0001", 1, 200, ANTHROPIC_529, "/v1/messages")
    db_path = tmp_path / "stream.db"
    write(db_path, [row])
    assert flow_lines(report(db_path, "run"))[1:3] == [
        "    aaaaaaaa-0001  200  POST 127.0.0.1:8080/v1/messages  recognised: rejected by the upstream for a known "
        "root cause; no rule is credited with it",
        "        upstream (an error inside the answer, not an error status): Overloaded",
    ]


# The anthropic SDK (ANTHROPIC_BASE_URL, which `toolguard run` sets) as a user's script: one create
# the SDK retries twice on Anthropic's 529 (retry-after-ms keeps the wait short), then one stream the
# upstream ends with an `error` event after message_start.
RETRYING_CLIENT = textwrap.dedent(
    """
    import anthropic
    client = anthropic.Anthropic(api_key="sk-ant-trial19-not-a-key", max_retries=2, timeout=15)
    for stream in (False, True):
        try:
            if stream:
                with client.messages.stream(model="claude-sonnet-4-5", max_tokens=64,
                                            messages=[{"role": "user", "content": "hi"}]) as events:
                    for _ in events:
                        pass
            else:
                client.messages.create(model="claude-sonnet-4-5", max_tokens=64,
                                       messages=[{"role": "user", "content": "hi"}])
        except anthropic.APIStatusError as exc:
            print(type(exc).__name__)
    """
)

# Anthropic's streamed error: message_start, then an `error` event (docs.anthropic.com/en/api/errors,
# "errors can occur after returning a 200 response"; the 529's body as the event's data).
STREAM_ERROR_EVENTS = [
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01","type":"message",'
    b'"role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,'
    b'"usage":{"input_tokens":8,"output_tokens":1}}}\n\n',
    b"event: error\ndata: " + json.dumps(ANTHROPIC_529).encode() + b"\n\n",
]


@pytest.mark.e2e
def test_run_lists_a_retried_rejection_once_and_says_an_in_stream_error(
    upstream: Upstream, tmp_path: Path
) -> None:
    def answer(request: RecordedRequest) -> Reply | StreamReply:
        if json.loads(request.body).get("stream"):
            return StreamReply(STREAM_ERROR_EVENTS, delay=0.0)
        return Reply.json(529, ANTHROPIC_529, {"retry-after-ms": "10"})

    upstream.handler = answer
    db_path = tmp_path / "run.db"
    result = subprocess.run(
        [TOOLGUARD, "run", "--upstream", upstream.url, "--db", str(db_path), "--confdir", str(tmp_path / "conf"),
         "--", sys.executable, "-c", RETRYING_CLIENT],
        capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, "OverloadedError\nAPIStatusError\n"), result.stderr
    flows = list(sqlite_utils.Database(db_path).query("select id, status from flows order by datetime_utc"))
    assert [f["status"] for f in flows] == [529, 529, 529, 200]  # three tries of one request, one stream
    where = f"POST 127.0.0.1:{upstream.port}/v1/messages"
    recognised = "recognised: rejected by the upstream for a known root cause; no rule is credited with it"
    assert flow_lines(result.stderr) == [
        "  flows:",
        f"    {flows[0]['id']}  529  {where}  {recognised}",
        "        upstream: Overloaded",
        "        root cause: cause.overloaded: The provider is overloaded.",
        f"        fix: {ANTHROPIC_FIX}",
        "        2 more flows alike (same client, request line, verdict, findings and answer): "
        f"{flows[1]['id'][:8]}, {flows[2]['id'][:8]}",
        f"        {SDK_RETRIES}",
        f"    {flows[3]['id']}  200  {where}  {recognised}",
        "        upstream (an error inside the answer, not an error status): Overloaded",
        "        root cause: cause.overloaded: The provider is overloaded.",
        f"        fix: {ANTHROPIC_FIX}",
    ]
    # show says it on the client line of the SDK's own retry, not on the first try's.
    clients = []
    for flow in (flows[0], flows[2]):
        shown = subprocess.run(
            [TOOLGUARD, "show", "--db", str(db_path), flow["id"][:8]],
            capture_output=True,
            text=True,
            timeout=30,
        )
        # Its exit and stderr first: CI once saw one of the two print no client line at all.
        assert shown.returncode == 0, (flow["id"], shown.returncode, shown.stdout, shown.stderr)
        clients += [line for line in shown.stdout.splitlines() if line.startswith("  client:")]
    sdk = f"Anthropic/Python {importlib.metadata.version('anthropic')}"
    assert clients == [
        f"  client:     {sdk}",
        f"  client:     {sdk} (its SDK's retry 2 of this call: x-stainless-retry-count)",
    ]


def test_many_repeats_name_the_newest_which_the_one_flow_command_names(tmp_path: Path) -> None:
    # trial20a: qwen-code retried a 502 27 times; the repeats line named ten ids "and 17 more", and the
    # report's last lines said "one flow: toolguard show ... <the newest>", an id printed nowhere.
    rows = [rejected_flow(f"{n:08x}-0000", n, 529, ANTHROPIC_529, "/v1/messages") for n in range(1, 14)]
    db_path = tmp_path / "many.db"
    write(db_path, rows)
    text = report(db_path, "run")
    named = ", ".join(f"{n:08x}" for n in range(2, 12))
    assert (
        f"        12 more flows alike (same client, request line, verdict, findings and answer): {named} "
        "and 2 more, the newest 0000000d\n"
    ) in text, text
    assert f"  one flow: toolguard show --db {db_path} 0000000d\n" in text
