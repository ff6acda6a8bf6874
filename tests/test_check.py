"""``toolguard check``: offline lint of one request body, through the addon's code path."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.corpus import load_valid

from toolguard_analysis.check import ASSUMED_WORDS, DEFAULT_URL, SHAPE_URLS, check_bodies, shape_of
from toolguard_analysis.cli import cli
from toolguard_core.request import anthropic_platform, endpoint_kind, gemini_wrapped

ROOT = Path(__file__).resolve().parent.parent
TOOLGUARD = ROOT / ".venv" / "bin" / "toolguard"

VALID = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}
# An orphan tool message, as in the LangChain INVALID_TOOL_RESULTS seed: OpenAI rejects it.
ORPHAN = {
    "model": "gpt-4o",
    "messages": [{"role": "tool", "content": "action completed!", "tool_call_id": "dummy"}],
}
# A function name with a dot: an error on OpenAI, accepted by vLLM.
DOTTED_TOOL = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "hi"}],
    "tools": [
        {"type": "function", "function": {"name": "github.create_issue", "parameters": {"type": "object"}}}
    ],
}
# Suspicious but accepted: a warning only.
DUPLICATE_TOOLS = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "hi"}],
    "tools": [
        {"type": "function", "function": {"name": "a"}},
        {"type": "function", "function": {"name": "a"}},
    ],
}


@pytest.fixture(autouse=True)
def in_tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # relative file names in the cases resolve here


def run(args: list[str], body: Any = None, stdin: bytes | None = None) -> Any:
    if body is not None:
        Path("req.json").write_text(json.dumps(body))
    return CliRunner().invoke(cli, ["check", *args], input=stdin, catch_exceptions=False)


@pytest.mark.parametrize(
    ("body", "url", "exit_code", "rules"),
    [
        (VALID, None, 0, []),
        (ORPHAN, None, 1, [("sequence.orphan-tool-message", "error", "messages[0]")]),
        (DOTTED_TOOL, None, 1, [("tools.invalid-name", "error", "tools[0].function.name")]),
        # vLLM accepts the dotted name; its model gets no model rules, said by an info note (exit 0).
        (
            DOTTED_TOOL,
            "http://localhost:8000/v1/chat/completions",
            0,
            [("model.rules-skipped", "info", "model")],
        ),
        (DUPLICATE_TOOLS, None, 0, [("tools.duplicate-name", "warning", "tools[1].function.name")]),
    ],
    ids=["valid", "orphan-openai", "dotted-name-openai", "dotted-name-vllm", "warning-only"],
)
def test_json_output_and_exit_status(
    body: Any, url: str | None, exit_code: int, rules: list[tuple[str, str, str]]
) -> None:
    args = ["--format", "json", "req.json"] + (["--url", url] if url else [])
    result = run(args, body)
    assert result.exit_code == exit_code, result.output
    findings = json.loads(result.output)["findings"]
    assert [(f["rule"], f["severity"], f["location"]) for f in findings] == rules
    assert all(set(f) == {"rule", "severity", "location", "message"} for f in findings)


def test_text_output_from_stdin() -> None:
    result = run(["-"], stdin=json.dumps(ORPHAN).encode())
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"note: {ASSUMED_WORDS}"  # no --url
    assert lines[1].startswith(
        "error sequence.orphan-tool-message at messages[0]: messages[0] (tool, tool_call_id dummy)"
    )
    assert lines[-1] == "1 error(s), 0 warning(s) for OpenAI (https://api.openai.com/v1/chat/completions)"


def test_not_json_is_a_finding_not_a_crash() -> None:
    result = run(["-", "--format", "json"], stdin=b'{"model": "gpt-4o", "messages": [')
    assert result.exit_code == 1
    assert [f["rule"] for f in json.loads(result.output)["findings"]] == ["body.not-json"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json"], "'missing.json': No such file or directory"),
        (["--url", "api.openai.com/v1/chat/completions", "req.json"], "is not an http(s) URL with a host"),
        (["--url", "https://api.openai.com:99999/v1", "req.json"], "Invalid value for '--url'"),
        (["--format", "yaml", "req.json"], "'yaml' is not one of 'text', 'json'"),
        (["--providers", "nope.toml", "req.json"], "'nope.toml' does not exist"),
    ],
    ids=["missing-file", "url-without-scheme", "bad-port", "bad-format", "missing-providers-file"],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(args, VALID)
    assert result.exit_code == 2
    assert message in result.output


def test_bad_providers_file_is_a_usage_error() -> None:
    Path("req.json").write_text(json.dumps(VALID))
    Path("bad.toml").write_text("[gateways\nhost = ")
    result = CliRunner().invoke(cli, ["check", "--providers", "bad.toml", "req.json"])
    assert result.exit_code == 2, result.output
    assert "bad.toml" in result.output or "--providers" in result.output


def test_help_documents_examples() -> None:
    result = CliRunner().invoke(cli, ["check", "--help"])
    assert result.exit_code == 0
    assert "Exit status: 1 when any error-severity finding" in result.output
    assert "toolguard check --url https://api.deepseek.com/chat/completions request.json" in result.output
    assert "cat body.json | toolguard check --format json -" in result.output


def test_real_process_lints_a_file(tmp_path: Path) -> None:
    request = tmp_path / "req.json"
    request.write_text(json.dumps(DOTTED_TOOL))
    result = subprocess.run(
        [str(TOOLGUARD), "check", "--format", "json", str(request)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["tools.invalid-name"]


# --------------------------------------------------------------------------- several bodies, shapes, flows

# A Responses API body whose function_call_output answers no call (OpenAI rejects it).
RESPONSES_ORPHAN = {
    "model": "gpt-4o",
    "input": [
        {"role": "user", "content": "hi"},
        {"type": "function_call_output", "call_id": "call_nope", "output": "done"},
    ],
}


def test_json_output_names_the_source_provider_and_url() -> None:
    result = run(["--format", "json", "req.json"], ORPHAN)
    data = json.loads(result.output)
    assert {k: v for k, v in data.items() if k != "findings"} == {
        "source": "req.json",
        "url": "https://api.openai.com/v1/chat/completions",
        "provider": "openai",
        "provider_name": "OpenAI",
        "inferred": {"api": "chat", "clues": {}, "choices": {"chat": DEFAULT_URL}, "note": ASSUMED_WORDS},
    }


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions?key=AIzaS3cretCheck",
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions?key=[REDACTED]",
        ),
        (
            "https://bob:S3cretCheck@llm.corp.example/v1/chat/completions",
            "https://[REDACTED]@llm.corp.example/v1/chat/completions",
        ),
    ],
)
def test_the_url_is_shown_without_its_secrets(url: str, shown: str) -> None:
    """`toolguard check --url ...?key=AIza...` printed the key in its count line and its JSON "url",
    into the terminal and the CI log it runs in."""
    text = run(["--url", url, "req.json"], VALID)
    data = json.loads(run(["--url", url, "--format", "json", "req.json"], VALID).output)
    assert (text.output.splitlines()[-1].endswith(f"({shown})"), data["url"]) == (True, shown)
    bad = CliRunner().invoke(cli, ["check", "--url", url.replace("https://", "ftp://"), "-"], input=b"{}")
    assert bad.exit_code == 2
    assert "S3cret" not in text.output + json.dumps(data) + bad.output


def test_a_responses_body_is_recognised_by_its_shape() -> None:
    result = run(["--format", "json", "req.json"], RESPONSES_ORPHAN)
    data = json.loads(result.output)
    assert data["url"] == "https://api.openai.com/v1/responses"
    assert result.exit_code == 1
    assert [f["rule"] for f in data["findings"]] and all(
        f["rule"].startswith("responses.") for f in data["findings"]
    )


def test_several_files_and_json_lines() -> None:
    Path("a.json").write_text(json.dumps(VALID))
    Path("b.jsonl").write_text(json.dumps(ORPHAN) + "\n\n" + json.dumps(DOTTED_TOOL) + "\n")
    result = run(["a.json", "b.jsonl"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line for line in lines if line.startswith("==") or " error(s), " in line] == [
        "== a.json",
        "0 error(s), 0 warning(s) for OpenAI (https://api.openai.com/v1/chat/completions)",
        "== b.jsonl:1",
        "1 error(s), 0 warning(s) for OpenAI (https://api.openai.com/v1/chat/completions)",
        "== b.jsonl:3",
        "1 error(s), 0 warning(s) for OpenAI (https://api.openai.com/v1/chat/completions)",
    ]
    data = json.loads(run(["--format", "json", "a.json", "b.jsonl"]).output)
    assert [(d["source"], [f["rule"] for f in d["findings"]]) for d in data] == [
        ("a.json", []),
        ("b.jsonl:1", ["sequence.orphan-tool-message"]),
        ("b.jsonl:3", ["tools.invalid-name"]),
    ]


def test_flow_rechecks_a_stored_flow_with_its_own_url(tmp_path: Path) -> None:
    from toolguard_core.store import FlowRow, open_db, write_rows

    db_path = tmp_path / "t.db"
    db = open_db(db_path)
    write_rows(
        db,
        [
            FlowRow(
                id="f00d-1",
                datetime_utc="2026-01-01T00:00:00.000Z",
                url="http://localhost:8000/v1/chat/completions",
                request_json=json.dumps(DOTTED_TOOL),
            )
        ],
    )
    db.close()
    # vLLM (the stored URL) accepts a dotted tool name; OpenAI (an explicit --url) does not.
    result = run(["--flow", "f00d", "--db", str(db_path), "--format", "json"])
    output = json.loads(result.output)
    assert (result.exit_code, output["source"], [(f["rule"], f["severity"]) for f in output["findings"]]) == (
        0,
        "flow f00d-1",
        [("model.rules-skipped", "info")],  # vLLM's model gets no model rules (session 23); nothing else
    )
    result = run(
        ["--flow", "f00d", "--db", str(db_path), "--url", "https://api.openai.com/v1/chat/completions"]
    )
    assert result.exit_code == 1 and "tools.invalid-name" in result.output
    result = run(["--flow", "f00d", "--db", str(db_path), "req.json"], VALID)
    assert result.exit_code == 2 and "give FILES or --flow, not both" in result.output


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://api.openai.com/v1/embeddings", "/v1/embeddings"),
        ("http://127.0.0.1:9/v1/embeddings/", "/v1/embeddings/"),
        ("https://api.openai.com/v1/moderations", "/v1/moderations"),
        ("https://api.openai.com/v1/completions", "/v1/completions"),
        ("https://api.openai.com/v1/images/generations", "/v1/images/generations"),
        ("https://llm.corp.example/openai/v1/audio/transcriptions?x=1", "/openai/v1/audio/transcriptions"),
    ],
)
def test_an_endpoint_toolguard_does_not_check_is_said_plainly(url: str, path: str) -> None:
    """The addon only records these endpoints (a rejection is stored as unexplained), so check never
    judges a body sent there as if it were a chat request: a chat body that would be flagged on
    /v1/chat/completions gives no findings here, one plain line, and the usage-error status."""
    for fmt in ("text", "json"):
        result = CliRunner().invoke(
            cli, ["check", "--url", url, "--format", fmt, "-"], input=json.dumps(ORPHAN).encode()
        )
        assert (result.exit_code, result.stdout, result.stderr) == (
            2,
            "",
            f"toolguard does not check {path} requests: nothing was checked.\n",
        )


@pytest.mark.parametrize(
    "url",
    [
        "https://api.openai.com/v1/chat/completions",
        "https://gateway.example/openai/deployments/x/chat/completions",
        "https://api.anthropic.com/v1/messages",
        "https://api.openai.com/v1/responses",
    ],
)
def test_the_checked_endpoints_are_still_checked(url: str) -> None:
    result = CliRunner().invoke(cli, ["check", "--url", url, "--format", "json", "-"], input=b'{"model": 1}')
    assert result.exit_code in (0, 1) and json.loads(result.stdout)["url"] == url


@pytest.mark.parametrize(
    ("url", "words"),
    [
        # The anthropic SDK through a loopback gateway: the Messages rules ran, yet the line said
        # "OpenAI-compatible (unknown provider)" (a review-4 walkthrough).
        ("http://127.0.0.1:4000/v1/messages", "Anthropic Messages-compatible (unknown provider)"),
        ("http://127.0.0.1:4000/v1/chat/completions", "OpenAI-compatible (unknown provider)"),
        ("https://api.anthropic.com/v1/messages", "Anthropic"),
    ],
)
def test_the_summary_line_names_the_api_a_generic_host_was_checked_as(url: str, words: str) -> None:
    body = {"model": "claude-x", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
    result = run(["--url", url, "req.json"], body)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].endswith(f" for {words} ({url})")


def test_a_bad_line_in_json_lines_is_its_own_finding_and_the_other_lines_are_checked() -> None:
    """A user's 3-line capture with one truncated line: every other body used to go unchecked, and the
    whole file got one body.not-json ("Extra data: line 2 column 1"), naming neither the bad line nor
    the orphan tool message on line 3."""
    Path("capture.jsonl").write_text(
        json.dumps(VALID) + "\n" + '{"model": "gpt-4o", "mess\n' + json.dumps(ORPHAN) + "\n"
    )
    result = run(["--format", "json", "capture.jsonl"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [(d["source"], [(f["rule"], f["location"]) for f in d["findings"]]) for d in data] == [
        ("capture.jsonl:1", []),
        ("capture.jsonl:2", [("body.not-json", "body")]),
        ("capture.jsonl:3", [("sequence.orphan-tool-message", "messages[0]")]),
    ]


def test_a_pretty_printed_body_with_a_syntax_error_is_still_one_body() -> None:
    Path("req.json").write_text(json.dumps(ORPHAN, indent=2)[:-2] + ",\n}\n")
    result = run(["--format", "json", "req.json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert (data["source"], [f["rule"] for f in data["findings"]]) == ("req.json", ["body.not-json"])


def har(*bodies: dict[str, Any]) -> dict[str, Any]:
    """A HAR archive (mitmdump --set hardump=FILE, a browser's export) with one POST per body."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "mitmproxy", "version": "12.3.1"},
            "entries": [
                {
                    "request": {
                        "method": "POST",
                        "url": "https://api.openai.com/v1/chat/completions",
                        "postData": {"mimeType": "application/json", "text": json.dumps(body)},
                    }
                }
                for body in bodies
            ],
        }
    }


def test_a_har_archive_is_named_not_linted_as_a_request_body() -> None:
    """A user ran toolguard check on a HAR export of an orphan-tool-message request and was told
    "OpenAI does not accept the field `log` ... remove it" and "The request has no `messages`":
    advice about a body nobody sent. The file is named for what it is, with how to pull the bodies out."""
    Path("capture.har").write_text(json.dumps(har(ORPHAN)))
    result = CliRunner().invoke(cli, ["check", "capture.har"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for FILES: capture.har is a HAR archive (log.entries), not a request body: "
        "toolguard check reads request bodies. Take them out with jq: "
        "jq -c '.log.entries[].request.postData.text | select(.) | fromjson' capture.har | toolguard check -"
    )
    out = subprocess.run(
        ["jq", "-c", ".log.entries[].request.postData.text | select(.) | fromjson", "capture.har"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    rechecked = run(["--format", "json", "-"], stdin=out)
    assert [f["rule"] for f in json.loads(rechecked.output)["findings"]] == ["sequence.orphan-tool-message"]


CLAUDE_CODE_TURN2 = json.loads(
    (ROOT / "tests" / "data" / "requests" / "claude-code-2.1.332-messages-turn2.json").read_text()
)["body"]
# Anthropic's own example shapes (docs.anthropic.com, tool use): a tool_use answered by a tool_result.
ANTHROPIC_TOOL_TURN = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 1024,
    "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {}}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "18C"}]},
    ],
}


@pytest.mark.parametrize("body", [CLAUDE_CODE_TURN2, ANTHROPIC_TOOL_TURN], ids=["claude-code", "tool-turn"])
def test_an_anthropic_messages_body_is_checked_as_one_without_url(body: dict[str, Any]) -> None:
    """Claude Code's captured turn 2, checked without --url, was judged as an OpenAI chat body:
    18 errors (every tool "has no 'function' object", `system` and `thinking` unknown, tool_use
    "not a part OpenAI accepts"), none of them true of the request it is. With --url it gets the
    Messages rules; the body's shape now picks that API, as it picks the Responses API."""
    Path("req.json").write_text(json.dumps(body))
    shaped = json.loads(run(["--format", "json", "req.json"]).output)
    given = json.loads(
        run(["--format", "json", "--url", "https://api.anthropic.com/v1/messages", "req.json"]).output
    )
    assert (shaped["url"], shaped["provider"]) == ("https://api.anthropic.com/v1/messages", "anthropic")
    # The same findings at the same places; an error a beta lifts is a warning without --url (below).
    where = [(f["rule"], f["location"]) for f in shaped["findings"]]
    assert where == [(f["rule"], f["location"]) for f in given["findings"]]
    assert all(f["rule"].startswith("anthropic.") for f in shaped["findings"])


CLAUDE_CODE_CAPTURES = sorted((ROOT / "tests" / "data" / "requests").glob("claude-code-*-messages-*.json"))
MESSAGES = "https://api.anthropic.com/v1/messages"
BETA_WORDS = (
    " An error only without a beta: with no --url, whether the request had one is unknown (Claude Code "
    f"always sends {MESSAGES}?beta=true, where this is accepted); pass --url {MESSAGES} or "
    f"--url '{MESSAGES}?beta=true' to be sure."
)


@pytest.mark.parametrize("capture", CLAUDE_CODE_CAPTURES, ids=lambda p: p.stem)
def test_without_url_an_error_a_beta_lifts_is_not_a_confident_one(capture: Path) -> None:
    """Claude Code always sends /v1/messages?beta=true, where a mid-conversation system message is
    accepted; checked without --url (recognised as Messages by its shape) its real turns got
    anthropic.system-role-in-messages as an error. Without a URL the beta is unknown: a warning that
    says why and which URL to pass; exit status 0. Each URL given keeps its own verdict."""
    Path("req.json").write_text(json.dumps(json.loads(capture.read_text())["body"]))
    shaped = run(["--format", "json", "req.json"])
    plain = run(["--format", "json", "--url", MESSAGES, "req.json"])
    beta = run(["--format", "json", "--url", f"{MESSAGES}?beta=true", "req.json"])
    [error] = json.loads(plain.output)["findings"]
    assert (plain.exit_code, error["rule"], error["severity"]) == (
        1,
        "anthropic.system-role-in-messages",
        "error",
    )
    assert (beta.exit_code, json.loads(beta.output)["findings"]) == (0, [])
    assert (shaped.exit_code, json.loads(shaped.output)["findings"]) == (
        0,
        [{**error, "severity": "warning", "message": error["message"] + BETA_WORDS}],
    )


def test_a_chat_body_with_a_stray_system_field_is_still_checked_as_chat() -> None:
    body = {**VALID, "system": "Be brief."}  # an OpenAI user's mistake, not an Anthropic body
    Path("req.json").write_text(json.dumps(body))
    data = json.loads(run(["--format", "json", "req.json"]).output)
    assert (data["url"], [f["rule"] for f in data["findings"]]) == (
        "https://api.openai.com/v1/chat/completions",
        ["params.unknown"],
    )


# --------------------------------------------------------------------------- the API inferred from the body

VALID_BODIES = load_valid()  # real bodies each API accepted, with the URL they were sent to
# The valid bodies with no field only one API has (a plain `model` + `messages` of text): any of several
# APIs would take them, so without --url they stay chat completions bodies, as before, with no note.
PLAIN = {"av-007", "av-008", "bv-008", "nv-007"}


def _sent_as(url: str) -> str:
    """The :data:`SHAPE_URLS` key of the API a body was really sent to (its URL's)."""
    path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    kind = endpoint_kind("/" + path)
    platform = anthropic_platform("/" + path)
    if platform is not None:
        return f"messages-{platform}"
    return "code-assist" if gemini_wrapped("/" + path) else kind


@pytest.mark.parametrize("entry", VALID_BODIES, ids=lambda e: e["id"])
def test_without_url_a_real_body_is_taken_for_the_api_it_was_sent_to(entry: dict[str, Any]) -> None:
    """Bedrock Converse, Gemini native (and Code Assist's wrapper), Ollama /api/chat and Claude on
    Bedrock or Vertex bodies were checked as OpenAI chat bodies without --url (a Converse turn: 4
    errors, every one about fields Converse has). Each real body now names its own API by its own
    fields, and is then judged as with its own URL (no error that URL does not give)."""
    body = json.dumps(entry["request"]).encode()
    shape = shape_of(body)
    sent_as = _sent_as(entry["url"])
    if entry["id"] in PLAIN or sent_as == "chat":
        # A chat body's errors here are its provider's, not its API's: only the API is compared.
        assert (shape.clues, shape.kind, shape.words(), shape.url) == ({}, None, ASSUMED_WORDS, DEFAULT_URL)
        return
    assert shape.kind == sent_as, shape.clues
    [checked] = check_bodies([("req.json", body)], None)
    assert checked.url == SHAPE_URLS[shape.kind][1]
    # No error its own URL does not give, but for a rule whose level is the model's: without --url the model
    # is unknown (the note says so), and av-009's assistant-first turn is a warning only for the Claude 4.5 its
    # URL names (Bedrock refused it for Claude 3.5 Sonnet and other vendors' models).
    [own] = check_bodies([("req.json", body)], entry["url"])
    errors = [(f.rule, f.location) for f in checked.analysis.findings if f.severity == "error"]
    model_dependent = (
        [("converse.first-message-not-user", "messages[0].role")] if entry["id"] == "av-009" else []
    )
    expected = [(f.rule, f.location) for f in own.analysis.findings if f.severity == "error"]
    assert errors == expected + model_dependent


NATIVE = {e["id"]: e["request"] for e in VALID_BODIES if e["id"] in ("nv-002", "nv-011", "gv-003", "gv-010")}


@pytest.mark.parametrize(
    ("entry", "api", "clue"),
    [
        ("nv-002", "Bedrock Converse", "`toolConfig.tools[].toolSpec`"),
        ("nv-011", "Ollama native /api/chat", "`messages[].images`"),
        ("gv-003", "Gemini native generateContent", "`contents`"),
        ("gv-010", "Gemini Code Assist generateContent", "`request.contents`"),
    ],
)
def test_the_output_says_the_api_was_inferred_and_the_url_to_pass(entry: str, api: str, clue: str) -> None:
    Path("req.json").write_text(json.dumps(NATIVE[entry]))
    text = run(["req.json"])
    data = json.loads(run(["--format", "json", "req.json"]).output)
    [note, *_, count] = text.output.splitlines()
    url = data["url"]
    assert note.startswith(f"note: no --url: checked as {api}, inferred from the body ({clue}")
    assert f"pass --url {url}" in note and count.endswith(f"({url})")
    assert (text.exit_code, data["inferred"]["api"], data["inferred"]["choices"]) == (
        0,
        shape_of(json.dumps(NATIVE[entry]).encode()).kind,
        {data["inferred"]["api"]: url},
    )


def test_a_body_with_two_apis_fields_is_said_to_be_ambiguous_with_the_choices() -> None:
    """Ollama's real image turn (nv-011) with a Converse toolUse block (from nv-002) in it: no API has
    both. Checked as chat completions (the default), and the note lists each API's --url."""
    ollama, converse = NATIVE["nv-011"], NATIVE["nv-002"]
    tool_use = next(b for m in converse["messages"] for b in m["content"] if "toolUse" in b)
    body = {**ollama, "messages": [*ollama["messages"], {"role": "assistant", "content": [tool_use]}]}
    Path("req.json").write_text(json.dumps(body))
    text = run(["req.json"])
    data = json.loads(run(["--format", "json", "req.json"]).output)
    assert text.output.splitlines()[0] == (
        "note: no --url: the body's shape is ambiguous, checked as OpenAI Chat Completions "
        "(https://api.openai.com/v1/chat/completions); pass the --url of the API it is sent to: "
        "Bedrock Converse (a content block keyed `toolUse` without `type`): --url "
        f"{SHAPE_URLS['converse'][1]}; Ollama native /api/chat (`messages[].images`): --url http://localhost:11434/api/chat"
    )
    assert (data["url"], data["inferred"]["api"], sorted(data["inferred"]["choices"])) == (
        "https://api.openai.com/v1/chat/completions",
        None,
        ["converse", "ollama"],
    )


def test_with_url_nothing_is_inferred() -> None:
    Path("req.json").write_text(json.dumps(NATIVE["nv-002"]))
    data = json.loads(run(["--format", "json", "--url", SHAPE_URLS["converse"][1], "req.json"]).output)
    text = run(["--url", SHAPE_URLS["converse"][1], "req.json"]).output
    assert ("inferred" in data, "note:" in text) == (False, False)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("generationConfig", {"temperature": 0.2}),
        ("inferenceConfig", {"maxTokens": 100}),
        ("safetySettings", []),
    ],
)
def test_a_chat_body_with_a_stray_native_field_is_still_checked_as_chat(field: str, value: Any) -> None:
    """Gemini has no `messages` and Converse no top-level `model`: beside them, one of those APIs'
    fields is a chat body's mistake, reported as such, not a reason to judge the body as another API."""
    Path("req.json").write_text(json.dumps({**VALID, field: value}))
    data = json.loads(run(["--format", "json", "req.json"]).output)
    assert (data["url"], data["inferred"]["api"], [(f["rule"], f["location"]) for f in data["findings"]]) == (
        DEFAULT_URL,
        "chat",
        [("params.unknown", field)],
    )


def test_without_url_a_chat_body_is_said_once_to_be_checked_as_openai() -> None:
    """A plain chat body without --url was checked as OpenAI's with no word that the provider was
    assumed (a new user's trial, session 15). Text: one note before the bodies, however many there are
    (a JSON Lines file of chat bodies); JSON: every body's `inferred` says `chat`, assumed, and why."""
    Path("req.json").write_text(json.dumps(VALID))
    text = run(["req.json"])
    assert (text.exit_code, text.output) == (
        0,
        "note: no --url: checked as OpenAI Chat Completions (https://api.openai.com/v1/chat/completions), "
        "assumed: no field of the body names another API; pass --url with the URL it is sent to, whose "
        "provider decides which rules apply (a field or value OpenAI rejects may be accepted there, and "
        "the reverse)\n"
        "0 error(s), 0 warning(s) for OpenAI (https://api.openai.com/v1/chat/completions)\n",
    )
    data = json.loads(run(["--format", "json", "req.json"]).output)
    assert data["inferred"] == {
        "api": "chat",
        "clues": {},
        "choices": {"chat": DEFAULT_URL},
        "note": text.output.splitlines()[0].removeprefix("note: "),
    }
    Path("reqs.jsonl").write_text(
        json.dumps(VALID) + "\n" + json.dumps(NATIVE["nv-002"]) + "\n" + json.dumps(VALID) + "\n"
    )
    many = run(["reqs.jsonl"]).output.splitlines()
    assert [line.split(":", 1)[0] for line in many if line.startswith("note")] == [
        "note (2 of 3 bodies)",
        "note",
    ]
    assert many[0] == "note (2 of 3 bodies): " + ASSUMED_WORDS
    assert many[1:3] == [
        "== reqs.jsonl:1",
        "0 error(s), 0 warning(s) for OpenAI (https://api.openai.com/v1/chat/completions)",
    ]
    assert many[3] == "== reqs.jsonl:2" and many[4].startswith("note: no --url: checked as Bedrock Converse")
    with_url = run(["--url", DEFAULT_URL, "reqs.jsonl"]).output
    assert "note" not in with_url
