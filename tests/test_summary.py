"""``toolguard summary`` over databases written by the real Store, with rows shaped like real captures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from toolguard_analysis.cli import cli
from toolguard_analysis.clients import parse_client
from toolguard_analysis.fingerprint import fingerprint
from toolguard_analysis.render import render_text
from toolguard_analysis.summary import build_summary, excerpt, message_index
from toolguard_analysis.timefilters import parse_when
from toolguard_core.store import FindingRow, FlowRow, Store

# Real texts (sources in tests/data/error_corpus.json).
OPENAI_ORPHAN = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
DEEPSEEK_ORPHAN = "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"
DASHSCOPE_UNANSWERED = (
    '<400> InternalError.Algo.InvalidParameter: An assistant message with "tool_calls" must be followed by tool '
    'messages responding to each "tool_call_id". The following tool_call_ids did not have response messages: '
    "message[15].role"
)

QWEN_HEADERS = json.dumps(
    {
        "user-agent": "QwenCode/0.24.4 (linux; x64)",
        "x-stainless-lang": "js",
        "x-stainless-package-version": "5.11.0",
    }
)


def conversation(orphan_at: int) -> str:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are Qwen Code, " + "x" * 500},
        {"role": "user", "content": [{"type": "text", "text": "List the files"}]},
    ]
    while len(messages) < orphan_at:
        messages.append({"role": "user", "content": "go on"})
    messages.append({"role": "tool", "tool_call_id": f"call_{orphan_at}abcDEF", "content": "hello.txt"})
    return json.dumps({"model": "gpt-4o", "stream": True, "messages": messages})


def flow(id: str, when: str, **kwargs: Any) -> FlowRow:
    base: dict[str, Any] = {
        "id": id,
        "datetime_utc": when,
        "method": "POST",
        "scheme": "https",
        "path": "/v1/chat/completions",
        "stream": True,
    }
    base.update(kwargs)
    return FlowRow(**base)


def orphan_finding(index: int) -> FindingRow:
    return FindingRow(
        idx=0,
        rule="sequence.orphan-tool-message",
        severity="error",
        location=f"messages[{index}]",
        message=f"tool message at messages[{index}] answers no tool call",
    )


def machine_a() -> list[FlowRow]:
    return [
        flow(
            "a1",
            "2026-11-20T10:00:00.000Z",
            host="api.openai.com",
            client="QwenCode/0.24.4 (linux; x64)",
            request_headers_json=QWEN_HEADERS,
            model="gpt-4o",
            status=400,
            request_json=conversation(3),
            error_message=OPENAI_ORPHAN + " (request id: 2024051116100984850589317176109)",
            error_param="messages.[3].role",
            error_provider="openai",
            verdict="predicted",
            finding_count=1,
            error_finding_count=1,
            findings=[orphan_finding(3)],
        ),
        flow(
            "a2",
            "2026-11-21T09:00:00.000Z",
            host="api.openai.com",
            client="QwenCode/0.24.4 (linux; x64)",
            request_headers_json=QWEN_HEADERS,
            model="gpt-4o",
            status=400,
            request_json=conversation(5),
            error_message=OPENAI_ORPHAN,
            error_param="messages.[5].role",
            error_provider="openai",
            verdict="predicted",
            finding_count=1,
            error_finding_count=1,
            findings=[orphan_finding(5)],
        ),
        flow(
            # An empty 400 body (openai-node then says "400 status code (no body)", qwen-code issue 373):
            # no message, so no rule can explain it - it stays unexplained whatever rules are added.
            "a3",
            "2026-11-21T11:00:00.000Z",
            host="api.openai.com",
            client="OpenAI/Python 1.54.0",
            model="gpt-5-mini",
            stream=False,
            status=400,
            request_json=json.dumps(
                {"model": "gpt-5-mini", "temperature": 0, "messages": [{"role": "user", "content": "hi"}]}
            ),
            response_body="",
            verdict="unexplained",
        ),
        flow(
            "a4",
            "2026-11-21T12:00:00.000Z",
            host="api.openai.com",
            client="OpenAI/Python 1.54.0",
            model="gpt-4o",
            status=200,
            request_json=json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
            verdict="false_alarm",
            finding_count=1,
            error_finding_count=1,
            findings=[
                FindingRow(
                    idx=0,
                    rule="sequence.unanswered-tool-call",
                    severity="error",
                    location="messages[0].tool_calls[0].id",
                    message="x",
                )
            ],
        ),
        flow(
            "a5",
            "2026-11-21T13:00:00.000Z",
            host="api.openai.com",
            model="gpt-4o",
            verdict="no_answer",
            flow_error="connection refused",
        ),
    ]


def machine_b() -> list[FlowRow]:
    return [
        # Same flow id as on machine A (a merged copy): must be counted once.
        machine_a()[0],
        flow(
            "b1",
            "2026-11-22T08:00:00.000Z",
            host="api.deepseek.com",
            client="OpenAI/Python 1.54.0",
            model="deepseek-chat",
            status=400,
            request_json=conversation(2),
            error_message=DEEPSEEK_ORPHAN,
            error_provider="deepseek",
            error_code="invalid_request_error",
            verdict="unexplained",  # an older toolguard without the rule: the wording still explains it
        ),
        flow(
            "b2",
            "2026-11-22T09:00:00.000Z",
            host="dashscope-intl.aliyuncs.com",
            client="QwenCode/0.5.0 (linux; x64)",
            model="qwen3-coder-plus",
            status=400,
            request_json=conversation(4),
            error_message=DASHSCOPE_UNANSWERED,
            error_provider="dashscope",
            error_code="invalid_parameter_error",
            verdict="predicted",
            finding_count=1,
            error_finding_count=1,
            findings=[
                FindingRow(
                    idx=0,
                    rule="sequence.unanswered-tool-call",
                    severity="error",
                    location="messages[3].tool_calls",
                    message="x",
                )
            ],
        ),
        flow(
            "b3",
            "2026-11-22T10:00:00.000Z",
            host="api.openai.com",
            client="OpenAI/Python 1.54.0",
            model="gpt-5-mini",
            stream=False,
            status=400,
            response_body="",
            verdict="unexplained",
        ),
    ]


def write_db(path: Path, rows: list[FlowRow]) -> Path:
    store = Store(path)
    store.start()
    for row in rows:
        store.put(row)
    store.close()
    assert store.written == len(rows) and store.failed == 0
    return path


@pytest.fixture
def dbs(tmp_path: Path) -> tuple[Path, Path]:
    return write_db(tmp_path / "a.db", machine_a()), write_db(tmp_path / "b.db", machine_b())


def test_groups_across_two_machines(dbs: tuple[Path, Path]) -> None:
    data = build_summary(list(dbs))
    groups = [
        {
            k: g[k]
            for k in (
                "pattern",
                "cause",
                "explanation",
                "explanations",
                "count",
                "flow_ids",
                "first_seen",
                "last_seen",
                "clients",
                "models",
                "hosts",
                "statuses",
            )
        }
        for g in data["groups"]
    ]
    assert groups == [
        {
            # The orphan rule fired on both: its group. These rows were stored without a root cause
            # (cause_json): the summary reads what is stored (test_reexplain_then_summary relabels it).
            "pattern": "sequence.orphan-tool-message",
            "cause": None,
            "explanation": "predicted",
            "explanations": {"predicted": 2},
            "count": 2,
            "flow_ids": ["a1", "a2"],
            "first_seen": "2026-11-20T10:00:00.000Z",
            "last_seen": "2026-11-21T09:00:00.000Z",
            "clients": ["QwenCode/0.24.4 (OpenAI/JS 5.11.0)"],
            "models": ["gpt-4o"],
            "hosts": ["api.openai.com"],
            "statuses": [400],
        },
        {
            "pattern": None,
            "cause": None,
            "explanation": "unexplained",
            "explanations": {"unexplained": 2},
            "count": 2,
            "flow_ids": ["a3", "b3"],
            "first_seen": "2026-11-21T11:00:00.000Z",
            "last_seen": "2026-11-22T10:00:00.000Z",
            "clients": ["OpenAI/Python 1.54.0"],
            "models": ["gpt-5-mini"],
            "hosts": ["api.openai.com"],
            "statuses": [400],
        },
        {
            # DeepSeek's orphan sentence (OpenAI's fingerprint) on a request no rule flagged (an older
            # toolguard stored it as unexplained): issue #10, a flow never sits under a rule that did
            # not fire on it, and a group never mixes `predicted` with `unexplained`.
            "pattern": None,
            "cause": None,
            "explanation": "unexplained",
            "explanations": {"unexplained": 1},
            "count": 1,
            "flow_ids": ["b1"],
            "first_seen": "2026-11-22T08:00:00.000Z",
            "last_seen": "2026-11-22T08:00:00.000Z",
            "clients": ["OpenAI/Python 1.54.0"],
            "models": ["deepseek-chat"],
            "hosts": ["api.deepseek.com"],
            "statuses": [400],
        },
        {
            "pattern": "sequence.unanswered-tool-call",
            "cause": None,
            "explanation": "predicted",
            "explanations": {"predicted": 1},
            "count": 1,
            "flow_ids": ["b2"],
            "first_seen": "2026-11-22T09:00:00.000Z",
            "last_seen": "2026-11-22T09:00:00.000Z",
            "clients": ["QwenCode/0.5.0"],
            "models": ["qwen3-coder-plus"],
            "hosts": ["dashscope-intl.aliyuncs.com"],
            "statuses": [400],
        },
    ]
    assert data["groups"][0]["fingerprint"] == fingerprint(OPENAI_ORPHAN) == fingerprint(DEEPSEEK_ORPHAN)
    assert data["groups"][2]["fingerprint"] == fingerprint(DEEPSEEK_ORPHAN)
    # An answer with no error text is opaque (toolguard_core.opaque); DeepSeek's sentence names the
    # tool messages, so it is not.
    assert [(g["fingerprint"], g["opaque"]) for g in data["unexplained"]] == [
        (fingerprint("HTTP 400 (no error message)"), True),
        (fingerprint(DEEPSEEK_ORPHAN), False),
    ]
    assert data["unexplained"][0]["template"] == "http <n> (no error message)"
    assert data["verdicts"] == {"false_alarm": 1, "no_answer": 1, "predicted": 3, "unexplained": 3}
    assert data["totals"] == {
        "flows": 8,
        "rejected": 6,
        "groups": 4,
        "predicted": 3,
        "recognised": 0,
        "unexplained": 3,
    }
    assert data["rules"] == [
        {
            "rule": "sequence.unanswered-tool-call",
            "predicted": 1,
            "false_alarm": 1,
            "false_alarm_flow_ids": ["a4"],
            "precision": 0.5,
            "demoted": [],
        },
        {
            "rule": "sequence.orphan-tool-message",
            "predicted": 2,
            "false_alarm": 0,
            "false_alarm_flow_ids": [],
            "precision": 1.0,
            "demoted": [],
        },
    ]


def test_excerpt_shows_the_messages_around_the_finding(dbs: tuple[Path, Path]) -> None:
    group = build_summary([dbs[0]])["groups"][0]
    assert group["example_flow_ids"] == ["a2", "a1"]
    assert group["excerpt"] == {
        "flow_id": "a2",
        "location": "messages[5]",
        "focus": 5,
        "messages_total": 6,
        "messages": [
            {"index": 3, "role": "user", "content": "go on"},
            {"index": 4, "role": "user", "content": "go on"},
            {"index": 5, "role": "tool", "content": "hello.txt", "tool_call_id": "call_5abcDEF"},
        ],
    }


def test_excerpt_truncates_long_contents() -> None:
    row = {"id": "f", "request_json": conversation(2)}
    shown = excerpt(row, "messages[2]")
    assert shown is not None
    assert shown["messages"][0]["content"].endswith("…") and len(shown["messages"][0]["content"]) == 160
    assert shown["messages"][1]["content"] == "List the files"
    assert excerpt({"id": "f", "request_json": "not json"}, None) is None


def test_excerpt_of_an_anthropic_body_names_the_tool_use_and_tool_result_ids() -> None:
    # Claude Code's second turn as captured (tests/data/requests), its tool_use left unanswered.
    capture = Path(__file__).parent / "data" / "requests" / "claude-code-2.1.332-messages-thinking-turn2.json"
    body = json.loads(capture.read_text(encoding="utf-8"))["body"]
    body["messages"][3] = {"role": "user", "content": [{"type": "text", "text": "Never mind."}]}
    shown = excerpt({"id": "cc", "request_json": json.dumps(body)}, "messages[2].content[1].id")
    assert shown is not None
    assert shown["messages"][2:] == [
        {
            "index": 2,
            "role": "assistant",
            "content": "[thinking] [tool_use toolu_01Toolguard0002 Bash]",
        },
        {"index": 3, "role": "user", "content": "Never mind."},
    ]


def test_excerpt_of_a_responses_body_is_the_responses_transcript() -> None:
    """Codex's incremental turn as stored for a WebSocket message: the items around the finding, as
    the content view and `toolguard show` render them (conversation.render_responses_items)."""
    body = {
        "type": "response.create",
        "model": "gpt-5",
        "previous_response_id": "resp_tg0002",
        "input": [
            {"role": "user", "content": "list the files"},
            {"type": "function_call", "id": "fc_1", "call_id": "call_ok", "name": "ls", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_ok", "output": "a.txt"},
            {"type": "function_call", "id": "fc_2", "call_id": "call_open", "name": "cat", "arguments": "{}"},
            {"role": "user", "content": "And now?"},
        ],
    }
    shown = excerpt({"id": "ws", "request_json": json.dumps(body)}, "input[3].call_id")
    assert shown == {
        "flow_id": "ws",
        "location": "input[3].call_id",
        "focus": 3,
        "messages_total": 5,
        "messages": [],
        "transcript": [
            "[1] function_call fc_1",
            "  -> call call_ok: ls({})",
            "     answered by input[2]",
            "[2] function_call_output  answers 'call_ok', called at input[1]",
            "    a.txt",
            "[3] function_call fc_2",
            "  -> call call_open: cat({})",
            "     NO OUTPUT in this request",
            "[4] user",
            "    And now?",
        ],
    }


def test_filters(dbs: tuple[Path, Path]) -> None:
    def flow_ids(**kwargs: Any) -> list[str]:
        return sorted(i for g in build_summary(list(dbs), **kwargs)["groups"] for i in g["flow_ids"])

    assert flow_ids(host="deepseek") == ["b1"]
    assert flow_ids(client="qwencode") == ["a1", "a2", "b2"]
    assert flow_ids(client="QwenCode/0.5") == ["b2"]
    assert flow_ids(model="gpt-5") == ["a3", "b3"]
    assert flow_ids(since="2026-11-22") == ["b1", "b2", "b3"]
    assert flow_ids(until="2026-11-21T09:00:00.000Z") == ["a1"]


@pytest.mark.parametrize(
    ("ua", "headers", "client"),
    [
        ("QwenCode/0.24.4 (linux; x64)", {}, "QwenCode/0.24.4"),
        (
            "QwenCode/0.24.4 (linux; x64)",
            {"X-Stainless-Lang": "js", "X-Stainless-Package-Version": "5.11.0"},
            "QwenCode/0.24.4 (OpenAI/JS 5.11.0)",
        ),
        (
            "OpenAI/Python 3.54.0",
            {"x-stainless-lang": "python", "x-stainless-package-version": "3.54.0"},
            "OpenAI/Python 3.54.0",
        ),
        ("OpenAI/JS 4.104.0", {}, "OpenAI/JS 4.104.0"),
        ("langchain-openai/0.3.1 OpenAI/Python 1.54.0", {}, "LangChain/0.3.1"),
        ("curl/8.5.0", {}, "curl/8.5.0"),
        (None, {}, "(no user-agent)"),
    ],
)
def test_parse_client_examples(ua: str | None, headers: dict[str, str], client: str) -> None:
    assert parse_client(ua, headers) == client


def test_parse_when() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert parse_when("7d", now) == "2026-11-15T12:00:00.000Z"
    assert parse_when("30m", now) == "2026-11-22T11:30:00.000Z"
    assert parse_when("2026-11-01") == "2026-11-01T00:00:00.000Z"
    assert parse_when("2026-11-01T12:00+01:00") == "2026-11-01T11:00:00.000Z"
    assert parse_when(None) is None


@pytest.mark.parametrize(
    ("location", "index"),
    [
        ("messages[4].tool_call_id", 4),
        ("messages.[3].role", 3),
        ("messages.0", 0),
        ("message[532].role", 532),
        ("temperature", None),
        (None, None),
    ],
)
def test_message_index(location: str | None, index: int | None) -> None:
    assert message_index(location) == index


def run(*args: str) -> Any:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["summary", *args], catch_exceptions=False)
    return result


def test_cli_json_is_the_documented_format(dbs: tuple[Path, Path]) -> None:
    result = run("--db", str(dbs[0]), "--db", str(dbs[1]), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"groups", "unexplained", "rules", "verdicts", "totals", "timeline", "format_version"}
    for group in data["groups"]:
        assert set(group) >= {
            "fingerprint",
            "pattern",
            "count",
            "flow_ids",
            "first_seen",
            "last_seen",
            "clients",
            "models",
            "hosts",
        }
    assert [g["count"] for g in data["groups"]] == [2, 2, 1, 1]


def test_cli_text_has_every_section_and_no_colour_when_piped(dbs: tuple[Path, Path]) -> None:
    result = run("--db", str(dbs[0]), "--db", str(dbs[1]))
    assert result.exit_code == 0, result.output
    text = result.output
    assert "\x1b[" not in text
    for needle in (
        "2×  sequence.orphan-tool-message",
        "2×  UNEXPLAINED",
        "clients: QwenCode/0.24.4 (OpenAI/JS 5.11.0)",
        "  → [5] tool tool_call_id=call_5abcDEF 'hello.txt'",
        "    [4] user 'go on'",
        "Unexplained rejections",
        "2×  400     (opaque) http <n> (no error message)",
        "  (opaque) the answer names nothing beyond its status, so no root cause can be read from its",
        "sequence.unanswered-tool-call",
        "  sequence.unanswered-tool-call                  1             1        50%",
        "false_alarm 1  no_answer 1  predicted 3  unexplained 3",
    ):
        assert needle in text, needle
    # Piped, nothing is cut (the ids at the end of OpenAI's unanswered-call message stay); on an
    # 80-column terminal every line fits.
    assert not [line for line in text.splitlines() if line.endswith("…")]
    assert max(len(line) for line in text.splitlines()) > 80
    on_terminal = render_text(build_summary(list(dbs)), width=80)
    assert max(len(line) for line in on_terminal.splitlines()) <= 80
    assert [line for line in on_terminal.splitlines() if line.endswith("…")]


def test_cli_markdown_and_output_file(dbs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = run("--db", str(dbs[1]), "--format", "markdown", "-o", str(out))
    assert result.exit_code == 0
    text = out.read_text()
    assert text.startswith("# toolguard summary")
    assert "| 1 | sequence.unanswered-tool-call |" in text
    assert "| sequence.unanswered-tool-call | 1 | 0 | 100% |" in text


def test_cli_errors_are_clear(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["summary", "--db", str(tmp_path / "missing.db")])
    assert result.exit_code == 1 and "no toolguard database at" in result.output
    result = CliRunner().invoke(
        cli, ["summary", "--db", str(write_db(tmp_path / "x.db", [])), "--since", "yesterday"]
    )
    assert result.exit_code == 2 and "7d/24h/30m" in result.output


@pytest.mark.parametrize(
    ("since", "until"), [("2021-01-01", "2020-01-01"), ("2021-01-01", "2021-01-01"), ("1d", "2d")]
)
def test_a_window_that_holds_no_moment_is_refused(tmp_path: Path, since: str, until: str) -> None:
    """--since after (or at) --until: "0 stored flows ... toolguard saw 0 requests" read as a quiet
    window over a database full of rejections (trial17). Refused, in one line, exit status 2."""
    db = str(write_db(tmp_path / "x.db", machine_a()))
    result = CliRunner().invoke(cli, ["summary", "--db", db, "--since", since, "--until", until])
    assert result.exit_code == 2
    [error] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert error.startswith(f"Error: Invalid value for '--since'/'--until': --since {since} (")
    assert error.endswith("): no moment is in that window")
    ok = CliRunner().invoke(cli, ["summary", "--db", db, "--since", "2026-11-20", "--until", "2026-11-22"])
    assert ok.exit_code == 0, ok.output


def test_empty_database(tmp_path: Path) -> None:
    result = run("--db", str(write_db(tmp_path / "empty.db", [])))
    assert result.exit_code == 0 and "(no rejected requests)" in result.output


def test_help_documents_every_option_with_examples() -> None:
    result = CliRunner().invoke(cli, ["summary", "--help"])
    for option in ("--db", "--since", "--until", "--host", "--client", "--model", "--format", "--output"):
        assert option in result.output
    assert "Examples:" in result.output and "toolguard summary --db laptop.db --db ci.db" in result.output


def test_gateway_errors_group_by_the_providers_own_message(tmp_path: Path) -> None:
    # OpenRouter answers "Provider returned error" for every upstream failure; the provider's own error
    # (metadata.raw, parsed into error_json's `upstream`) is what tells two failures apart.
    from toolguard_core.upstream_errors import parse_error

    def openrouter(id: str, inner: str) -> FlowRow:
        raw = json.dumps({"error": {"message": inner, "type": "invalid_request_error"}})
        body = json.dumps({"error": {"message": "Provider returned error", "code": 400,
                                     "metadata": {"raw": raw, "provider_name": "OpenAI"}}})  # fmt: skip
        error = parse_error(body, status=400)
        return flow(id, "2026-11-20T10:00:00.000Z", host="openrouter.ai", status=400, verdict="unexplained",
                    error_message=error.message, error_json=json.dumps(error.summary()))  # fmt: skip

    db = write_db(
        tmp_path / "or.db",
        [
            openrouter("o1", OPENAI_ORPHAN),
            openrouter("o2", OPENAI_ORPHAN.replace("preceeding", "preceding")),
            openrouter(
                "o3",
                "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
            ),
        ],
    )
    groups = build_summary([db])["groups"]
    assert sorted(sorted(g["flow_ids"]) for g in groups) == [["o1", "o2"], ["o3"]]
    assert {g["fingerprint"] for g in groups} == {fingerprint(OPENAI_ORPHAN), fingerprint(
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.")}  # fmt: skip


def test_openrouter_wrapped_orphan_tool_error_is_matched_to_its_rule(tmp_path: Path) -> None:
    # Issue #15: rules were matched against the gateway's outer "Provider returned error" while the
    # group was fingerprinted on the inner OpenAI message, so this group came out with no rule.
    # The body is OpenRouter's real envelope around OpenAI's 400 (tests/data/error_corpus.json).
    from toolguard_core.upstream_errors import parse_error

    raw = json.dumps(
        {"error": {"message": OPENAI_ORPHAN, "type": "invalid_request_error", "param": "messages.[2].role",
                   "code": None}}
    )  # fmt: skip
    body = json.dumps(
        {"error": {"message": "Provider returned error", "code": 400,
                   "metadata": {"raw": raw, "provider_name": "OpenAI"}}}
    )  # fmt: skip
    error = parse_error(body, status=400)
    # Flagged by the rule (a group is named only by a rule that fired on its flows: issue #10).
    finding = FindingRow(
        idx=0, rule="sequence.orphan-tool-message", severity="error", location="messages[2]", message="x"
    )
    row = flow(
        "or1", "2026-11-20T10:00:00.000Z", host="openrouter.ai", status=400, verdict="predicted",
        error_message=error.message, error_json=json.dumps(error.summary()), finding_count=1,
        error_finding_count=1, findings=[finding],
    )  # fmt: skip
    summary = build_summary([write_db(tmp_path / "or.db", [row])])
    (group,) = summary["groups"]
    assert (group["pattern"], group["flow_ids"], group["error_message"]) == (
        "sequence.orphan-tool-message",
        ["or1"],
        OPENAI_ORPHAN,
    )


def test_reexplain_then_summary(dbs: tuple[Path, Path]) -> None:
    """``toolguard reexplain`` labels stored rejections with the catalogue: b1 (stored unexplained by an
    older toolguard) is recognised, the predicted rows get their cause, and the summary agrees with
    the verdict column."""
    result = CliRunner().invoke(cli, ["reexplain", "--db", str(dbs[1])])
    assert result.exit_code == 0, result.output
    assert result.output == "3 stored rejection(s) relabelled\n"
    data = build_summary(list(dbs))
    assert data["verdicts"] == {
        "false_alarm": 1,
        "no_answer": 1,
        "predicted": 3,
        "recognised": 1,
        "unexplained": 2,
    }
    assert {k: data["totals"][k] for k in ("predicted", "recognised", "unexplained")} == {
        "predicted": 3,
        "recognised": 1,
        "unexplained": 2,
    }
    # a1/a2 (first database, not relabelled) are the orphan rule's; b1 carries the cause now, under no
    # rule: none fired on it (issue #10: a flow never sits under a rule that did not fire on it).
    groups = [(g["pattern"], g["cause"], g["explanations"], g["flow_ids"]) for g in data["groups"]]
    assert groups == [
        ("sequence.orphan-tool-message", None, {"predicted": 2}, ["a1", "a2"]),
        (None, None, {"unexplained": 2}, ["a3", "b3"]),
        (None, "cause.orphan-tool-result", {"recognised": 1}, ["b1"]),
        ("sequence.unanswered-tool-call", "cause.missing-tool-result", {"predicted": 1}, ["b2"]),
    ]


def _captured_requests() -> list[tuple[str, dict[str, str]]]:
    folder = Path(__file__).resolve().parent / "data" / "requests"
    out = []
    for path in sorted(folder.glob("*-turn1.json")):
        capture = json.loads(path.read_text())
        out.append((path.name, capture["headers"]))
    return out


# The name each captured client gets (tests/data/requests/*-turn1.json, their own headers).
CAPTURED_CLIENTS = {
    "ai-sdk-7.0.173-chat-turn1.json": "ai-sdk/7.0.173",
    "ai-sdk-7.0.173-responses-turn1.json": "ai-sdk/7.0.173",
    "claude-code-2.1.332-messages-turn1.json": "claude-cli/2.1.332 (Anthropic/JS 0.128.0)",
    "codex-0.171.0-responses-turn1.json": "codex_exec/0.171.0",
    "codex-0.171.0-responses-ws-turn1.json": "codex_exec/0.171.0",
    "openai-node-7.59.0-chat-turn1.json": "OpenAI/JS 7.59.0",
    "openai-node-7.59.0-responses-turn1.json": "OpenAI/JS 7.59.0",
    "opencode-1.18.33-chat-turn1.json": "opencode/1.18.33",
    "opencode-1.18.33-responses-turn1.json": "opencode/1.18.33",
}


def test_parse_client_names_every_captured_client_by_its_own_headers() -> None:
    named = {name: parse_client(h.get("user-agent"), h) for name, h in _captured_requests()}
    assert named == CAPTURED_CLIENTS


@pytest.mark.parametrize(
    ("times", "unit", "buckets", "counts"),
    [
        pytest.param(
            ["2026-11-20T10:00:10.000Z", "2026-11-20T10:00:50.000Z", "2026-11-20T10:03:05.000Z"],
            "minute",
            ["2026-11-20T10:00", "2026-11-20T10:01", "2026-11-20T10:02", "2026-11-20T10:03"],
            [2, 0, 0, 1],
            id="three-minutes-per-minute",
        ),
        pytest.param(
            ["2026-11-20T10:00:00.000Z", "2026-11-20T13:30:00.000Z"],
            "hour",
            ["2026-11-20T10", "2026-11-20T11", "2026-11-20T12", "2026-11-20T13"],
            [1, 0, 0, 1],
            id="hours-per-hour",
        ),
        pytest.param(
            ["2026-11-20T10:00:00.000Z", "2026-11-23T09:00:00.000Z"],
            "day",
            ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"],
            [1, 0, 0, 1],
            id="days-per-day",
        ),
    ],
)
def test_timeline_buckets_follow_the_capture_span_without_gaps(
    tmp_path: Path, times: list[str], unit: str, buckets: list[str], counts: list[int]
) -> None:
    rows = [
        flow(
            f"f{i}",
            when,
            host="api.openai.com",
            status=429,
            error_message="Rate limit",
            verdict="unexplained",
        )
        for i, when in enumerate(times)
    ]
    data = build_summary([write_db(tmp_path / "t.db", rows)])
    assert data["timeline"] == {"unit": unit, "buckets": buckets, "series": {"unexplained": counts}}


def test_markdown_root_cause_line_ends_each_sentence_once(dbs: tuple[Path, Path]) -> None:
    # Every cause title is a sentence ending in "." (causes.py); the line added another one, so each
    # bug report read "... before it.. Fix:" (seen on a fresh clone with `summary --format markdown`).
    from toolguard_analysis.render import render_markdown

    assert CliRunner().invoke(cli, ["reexplain", "--db", str(dbs[1])]).exit_code == 0  # stores causes
    data = build_summary(list(dbs))
    caused = [g for g in data["groups"] if g["cause"]]
    assert caused, "the fixture has groups with a root cause"
    lines = [line for line in render_markdown(data).splitlines() if line.startswith("Root cause: ")]
    assert lines == [
        f"Root cause: `{g['cause']}`: {g['cause_title']} Fix: {g.get('fix') or '-'}" for g in caused
    ]


@pytest.mark.parametrize(
    ("args", "hint", "words"),
    [
        (
            ["summary", "--db", ""],
            "--db",
            "empty: give a SQLite file's path or a postgresql:// URL, or leave it out",
        ),
        (["show", "--last", "--db", " "], "--db", "empty:"),
        (["learned", "list", "--db", ""], "--db", "empty:"),
        (["check", "--flow", "abc", "--db", ""], "--db", "empty:"),
        (["merge", "out.db", ""], "INPUTS", "empty: give a SQLite file's path or a postgresql:// URL"),
        (
            ["summary", "--db", "mysql://bob:S3cretDb@db.example/x"],
            "--db",
            "'mysql://bob:***@db.example/x': not a",
        ),
        (["reexplain", "--db", "sqlite:///x.db"], "--db", "'sqlite:///x.db': not a SQLite file's path"),
        (["merge", "mysql://db.example/x", "in.db"], "OUT", "'mysql://db.example/x': not a"),
    ],
)
def test_a_db_value_that_names_no_database_is_a_usage_error(
    args: list[str], hint: str, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walkthrough (leftovers9): `summary --db ""` (an unset variable) said "cannot read the
    database: disk I/O error" (it opened the current directory), `show --db ""` quietly read the
    default database, and `--db mysql://...` said "no toolguard database at mysql:/..." (the URL's
    `//` collapsed as a path's). Each is now a usage error naming the value (its password masked)."""
    monkeypatch.chdir(tmp_path)
    write_db(tmp_path / "in.db", [])
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, f"Invalid value for {hint}: {words}" in result.output) == (2, True), (
        result.output
    )
    assert "S3cretDb" not in result.output and not (tmp_path / "out.db").exists()


def test_a_db_path_with_a_tilde_is_expanded_by_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--db=~/x.db` (no shell expands that ~): `show` and `learned` expanded it, `summary` did not."""
    monkeypatch.setenv("HOME", str(tmp_path))
    write_db(tmp_path / "x.db", [])
    assert run("--db=~/x.db").exit_code == 0


@pytest.mark.parametrize("db", ["", "mysql://db.example/x"])
def test_run_refuses_a_db_value_that_names_no_database_before_it_starts(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`toolguard run --db mysql://db.example/x -- ...` made a directory `mysql:` in the current one and
    stored there; `--db ""` stored in the default database. Both are refused, nothing started."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--db", db, "--", "true"])
    assert (result.exit_code, "Invalid value for --db" in result.output) == (2, True)
    assert list(tmp_path.iterdir()) == []


def test_an_output_file_that_cannot_be_written_is_said_without_a_traceback(tmp_path: Path) -> None:
    """`toolguard summary -o missing-dir/report.md` ended in a FileNotFoundError traceback."""
    db = write_db(tmp_path / "x.db", [])
    result = CliRunner().invoke(cli, ["summary", "--db", str(db), "-o", str(tmp_path / "nope" / "r.md")])
    assert (result.exit_code, result.output.strip()) == (
        1,
        f"Error: cannot write {tmp_path / 'nope' / 'r.md'}: No such file or directory",
    )


@pytest.mark.parametrize("args", [["summary"], ["show", "--last"], ["learned", "list"], ["reexplain"]])
def test_a_first_run_without_a_database_says_how_one_comes_to_be(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh HOME (the walkthrough's): `toolguard summary` said only "no toolguard database at
    ~/.local/share/toolguard/toolguard.db". For the default database it now says that nothing was
    captured yet and what creates it; a --db file that is missing gets the plain sentence."""
    from toolguard_core.store import DB_ENV

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(DB_ENV, raising=False)
    default = tmp_path / ".local" / "share" / "toolguard" / "toolguard.db"
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.output.strip()) == (
        1,
        f"Error: no toolguard database at {default} (nothing captured yet: the proxy creates it when it "
        "starts; `toolguard run -- COMMAND`, `toolguard proxy`, or mitmdump with the addon, see README)",
    )
    elsewhere = CliRunner().invoke(cli, [*args, "--db", str(tmp_path / "other.db")])
    assert elsewhere.output.strip() == f"Error: no toolguard database at {tmp_path / 'other.db'}"


def test_a_relative_time_beyond_the_calendar_is_its_start_not_a_traceback(tmp_path: Path) -> None:
    """`toolguard summary --since 99999999d` (the walkthrough's "everything") ended in an OverflowError
    traceback; so did an ISO time whose UTC is before year 1."""
    from datetime import UTC, datetime

    from toolguard_analysis.errors import BadParameter

    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert [parse_when(v, now) for v in ("99999999d", "9999999999w")] == ["0001-01-01T00:00:00.000Z"] * 2
    with pytest.raises(BadParameter, match="out of the range of dates"):
        parse_when("0001-01-01T00:00+05:00")
    db = str(write_db(tmp_path / "x.db", []))
    result = CliRunner().invoke(cli, ["summary", "--db", db, "--since", "0001-01-01T00:00+05:00"])
    assert (result.exit_code, "out of the range of dates" in result.output) == (2, True)
