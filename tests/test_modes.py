"""toolguard_mode in the hooks (mitmproxy's taddons/tflow): observe changes nothing, block answers
in the provider's shape, repair changes only the body (and its content-length), re-encoded as it
came; whole rows in the SQLite file, including the `repairs` table."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import jsonpatch
import pytest
import sqlite_utils
from backports import zstd
from mitmproxy.test import taddons
from support.repairs import expanded_repairs
from support.seeds import DUPLICATE, LONE_TOOL, ONE_ANSWER, SEED_CASES, VALID_PARALLEL, SeedCase
from test_addon import API_KEY, HEADERS, answer, make_flow, ok_completion, run

from toolguard_core import analyze
from toolguard_core.addon import METADATA_KEY, ToolGuard
from toolguard_core.capture import Capture
from toolguard_core.modes import _own_path, blocked_answer, quoted_error
from toolguard_core.repair import SYNTHETIC_MARK, NotRepaired


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "toolguard.db"


def start(db_path: Path, **options: Any) -> Iterator[ToolGuard]:
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path), **options)
        yield addon
        addon.done()


@pytest.fixture
def observe(db_path: Path) -> Iterator[ToolGuard]:
    yield from start(db_path, toolguard_mode="observe")


@pytest.fixture
def block(db_path: Path) -> Iterator[ToolGuard]:
    yield from start(db_path, toolguard_mode="block")


@pytest.fixture
def repair(db_path: Path) -> Iterator[ToolGuard]:
    yield from start(db_path, toolguard_mode="repair", toolguard_repair="sequence,params,fields")


def repairs_rows(db_path: Path) -> list[dict[str, Any]]:
    """The repairs rows as readers see them: the bodies the patches give back expanded (repair_rows.py)."""
    return expanded_repairs(db_path)


# ------------------------------------------------------------------------------ options


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"toolguard_mode": "fix"},
            "toolguard_mode: unknown mode 'fix'; expected one of observe, block, repair",
        ),
        (
            {"toolguard_repair": "sequence,parms"},
            "toolguard_repair: unknown repair family parms; expected some of fields, learned, params, sequence",
        ),
        (
            {"toolguard_repair_unanswered": "invent"},
            "toolguard_repair_unanswered: expected 'answer' or 'remove', got 'invent'",
        ),
    ],
)
def test_bad_option_values_stop_configuration(db_path, options, message, caplog):
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        # At start-up: one error line without a traceback; mitmdump then exits with status 1 (a bad
        # `:set` at runtime still raises OptionsError, see test_addon.py).
        tctx.configure(addon, toolguard_db=str(db_path), **options)
        errors = [(r.getMessage(), r.exc_info) for r in caplog.records if r.levelname == "ERROR"]
        assert errors == [(f"toolguard: cannot start: {message}", None)]
        assert addon.settings is None
        addon.done()


# ------------------------------------------------------------------------------ observe


@pytest.mark.parametrize("case", SEED_CASES, ids=lambda c: c.name)
def test_observe_changes_nothing_byte_for_byte(observe, case: SeedCase):
    flow = make_flow(case.body())
    response = answer(400, case.error_body())
    request_before, response_before = flow.request.get_state(), response.get_state()
    run(observe, flow, response)
    assert flow.request.get_state() == request_before
    assert flow.response.get_state() == response_before
    assert flow.metadata[METADATA_KEY]["verdict"] == "predicted"


# ------------------------------------------------------------------------------ block


def test_block_answers_with_openais_error_and_the_explanation(block, db_path):
    flow = make_flow(LONE_TOOL.body())
    block.request(flow)
    assert flow.response is not None  # answered in the request hook: mitmproxy never goes upstream
    assert flow.response.status_code == 400
    body = flow.response.json()
    assert body["error"] == {
        "message": LONE_TOOL.error_message,
        "type": "invalid_request_error",
        "param": LONE_TOOL.error_param,
        "code": None,
    }
    assert body["toolguard"]["findings"] == [
        {
            "rule": "sequence.orphan-tool-message",
            "severity": "error",
            "location": "messages[0]",
            "message": flow.metadata[METADATA_KEY]["findings"][0]["message"],
        }
    ]
    assert {
        k: v for k, v in flow.response.headers.items() if k.startswith(("x-toolguard-", "x-should-"))
    } == {
        "x-toolguard-blocked": "1",
        "x-toolguard-rule": "sequence.orphan-tool-message",
        "x-toolguard-location": "messages[0]",
        "x-toolguard-fix": flow.metadata[METADATA_KEY]["findings"][0]["message"],
        "x-should-retry": "false",
    }
    block.response(flow)
    assert (flow.marked, flow.metadata[METADATA_KEY]["verdict"]) == (":no_entry:", "blocked")
    block.done()
    [row] = sqlite_utils.Database(db_path)["flows"].rows
    assert (row["verdict"], row["status"], row["error_message"], row["error_param"]) == (
        "blocked",
        400,
        LONE_TOOL.error_message,
        "messages.[0].role",
    )
    # The run counts it as blocked, not as a rejection by the upstream (which never saw it).
    [run_row] = sqlite_utils.Database(db_path)["runs"].rows
    assert (run_row["blocked"], run_row["rejected"], run_row["stored"]) == (1, 0, 1)


def test_block_names_the_duplicates_own_message_index(block):
    flow = make_flow(DUPLICATE.body())
    block.request(flow)
    assert flow.response.json()["error"]["param"] == "messages.[4].role"  # OpenAI's own, from the seed


def test_block_lets_a_valid_request_through(block):
    flow = make_flow({"model": "gpt-4o-mini", "messages": VALID_PARALLEL})
    request_before = flow.request.get_state()
    block.request(flow)
    assert flow.response is None
    assert flow.request.get_state() == request_before


# ------------------------------------------------------------------------------ repair


def test_repair_changes_only_the_body_and_its_length(repair, db_path):
    flow = make_flow(ONE_ANSWER.body(), headers={**HEADERS, "x-custom": "kept"})
    before = flow.request.get_state()
    repair.request(flow)
    after = flow.request.get_state()
    sent = json.loads(flow.request.content)
    assert sent["messages"][3]["content"].startswith(SYNTHETIC_MARK)
    assert sent == {**ONE_ANSWER.body(), "messages": sent["messages"]}
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"content", "headers"}
    headers_before = [(k, v) for k, v in before["headers"] if k.lower() != b"content-length"]
    headers_after = [(k, v) for k, v in after["headers"] if k.lower() != b"content-length"]
    assert headers_after == headers_before
    assert flow.request.headers["content-length"] == str(len(flow.request.raw_content))
    flow.response = answer(200, ok_completion())
    repair.responseheaders(flow)
    repair.response(flow)
    assert (flow.marked, flow.metadata[METADATA_KEY]["verdict"]) == (":wrench:", "repaired")
    assert flow.comment == (
        "toolguard: repaired 1 (sequence.unanswered-tool-call at messages[1].tool_calls[1].id) [repaired]"
    )
    repair.done()
    db = sqlite_utils.Database(db_path)
    [row] = db["flows"].rows
    assert (row["verdict"], row["status"], json.loads(row["request_json"])) == (
        "repaired",
        200,
        ONE_ANSWER.body(),
    )
    [stored] = repairs_rows(db_path)
    patch = json.loads(stored["patch_json"])
    assert {k: stored[k] for k in ("flow_id", "idx", "rule", "family", "location", "applied")} == {
        "flow_id": flow.id,
        "idx": 0,
        "rule": "sequence.unanswered-tool-call",
        "family": "sequence",
        "location": "messages[1].tool_calls[1].id",
        "applied": 1,
    }
    assert json.loads(stored["request_before"]) == ONE_ANSWER.body()
    assert jsonpatch.apply_patch(json.loads(stored["request_before"]), patch) == sent
    assert json.loads(stored["request_after"]) == sent
    assert stored["datetime_utc"] >= row["datetime_utc"]


def test_repair_failed_keeps_both_bodies(repair, db_path):
    flow = make_flow(DUPLICATE.body())
    repair.request(flow)
    sent = json.loads(flow.request.content)
    run_response = answer(400, DUPLICATE.error_body())  # the upstream still says no
    flow.response = run_response
    repair.responseheaders(flow)
    repair.response(flow)
    repair.done()
    [row] = sqlite_utils.Database(db_path)["flows"].rows
    assert (row["verdict"], row["error_message"]) == ("repair_failed", DUPLICATE.error_message)
    [stored] = repairs_rows(db_path)
    assert (json.loads(stored["request_before"]), json.loads(stored["request_after"])) == (
        DUPLICATE.body(),
        sent,
    )


def _encode(encoding: str, data: bytes) -> bytes:
    return {"gzip": gzip.compress, "br": brotli.compress, "zstd": zstd.compress}[encoding](data)


def _decode(encoding: str, data: bytes) -> bytes:
    return {"gzip": gzip.decompress, "br": brotli.decompress, "zstd": zstd.decompress}[encoding](data)


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
def test_a_compressed_body_is_repaired_and_re_encoded_as_it_came(repair, encoding):
    flow = make_flow(b"")
    flow.request.headers["content-encoding"] = encoding
    flow.request.raw_content = _encode(encoding, json.dumps(DUPLICATE.body()).encode())
    repair.request(flow)
    assert flow.request.headers["content-encoding"] == encoding
    assert flow.request.headers["content-length"] == str(len(flow.request.raw_content))
    assert json.loads(_decode(encoding, flow.request.raw_content)) == {
        **DUPLICATE.body(),
        "messages": DUPLICATE.messages[:4],
    }


def test_repair_leaves_an_unsafe_request_untouched_and_reports_it(repair, db_path):
    body = {
        **ONE_ANSWER.body(),
        "messages": [*ONE_ANSWER.messages[:2], *[dict(m) for m in DUPLICATE.messages[2:4]]],
    }
    body["messages"].append(
        {"role": "tool", "content": "different", "tool_call_id": DUPLICATE.messages[3]["tool_call_id"]}
    )
    flow = make_flow(body)
    before = flow.request.get_state()
    repair.request(flow)
    assert flow.request.get_state() == before
    flow.response = answer(400, DUPLICATE.error_body())
    repair.response(flow)
    repair.done()
    [row] = sqlite_utils.Database(db_path)["flows"].rows
    assert row["verdict"] == "predicted"
    assert [(r["rule"], r["applied"], r["patch_json"]) for r in repairs_rows(db_path)] == [
        ("sequence.duplicate-tool-response", 0, None)
    ]


def test_secrets_in_a_repaired_body_are_redacted(repair, db_path):
    body = DUPLICATE.body()
    body["messages"][0] = {"role": "user", "content": f"my key is {API_KEY}"}
    flow = make_flow(body)
    repair.request(flow)
    flow.response = answer(200, ok_completion())
    repair.response(flow)
    repair.done()
    [stored] = repairs_rows(db_path)
    assert API_KEY not in json.dumps(stored)
    assert "[REDACTED]" in stored["request_before"] and "[REDACTED]" in stored["request_after"]


def test_a_secret_a_repair_drops_is_redacted_in_the_log_as_in_the_database(repair, db_path, caplog):
    # params.unknown's fix names the value it drops; a client that puts its key in the body
    # (some gateways read it there) must not find it in mitmdump's log either.
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "api_key": API_KEY}
    flow = make_flow(body)
    with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
        repair.request(flow)
    flow.response = answer(200, ok_completion())
    repair.response(flow)
    repair.done()
    assert "api_key" not in json.loads(flow.request.content)
    logged = [r.getMessage() for r in caplog.records if "repaired flow" in r.getMessage()]
    assert logged == [
        f"toolguard: repaired flow {flow.id}: params.unknown at api_key: dropped the field "
        'api_key ("[REDACTED]"), which the provider or model rejects'
    ]
    assert [(r["rule"], r["description"]) for r in repairs_rows(db_path)] == [
        ("params.unknown", 'dropped the field api_key ("[REDACTED]"), which the provider or model rejects')
    ]


@pytest.mark.parametrize(
    ("mode", "went_on"),
    [
        ("observe", "the flow passes through unchanged"),
        ("block", "the request was answered by toolguard (block mode)"),
        ("repair", "the request went on repaired (repair mode)"),
    ],
)
def test_a_rule_failure_logs_how_the_flow_really_went_on(db_path, monkeypatch, caplog, mode, went_on):
    # The log said "the flow passes through unchanged" after the other rules' findings had been
    # acted on: the request was blocked or its body repaired.
    def broken_rule(view: Any) -> list[Any]:
        raise RuntimeError("rule bug")

    checks_for = analyze.checks_for
    monkeypatch.setattr(analyze, "checks_for", lambda endpoint: [*checks_for(endpoint), broken_rule])
    for addon in start(db_path, toolguard_mode=mode):
        flow = make_flow(DUPLICATE.body())
        with caplog.at_level(logging.WARNING, logger="toolguard_core.addon"):
            addon.request(flow)
    [logged] = [r.getMessage() for r in caplog.records if "broken_rule" in r.getMessage()]
    assert logged.endswith(f"RuntimeError('rule bug'); the rule was skipped, {went_on}")


def test_a_lone_surrogate_is_sent_escaped_as_it_came_and_the_repair_applied(repair, db_path):
    # JSON allows "\ud800"; UTF-8 cannot encode it: the repaired body failed to encode, the hook
    # failed after recording the repair, and the flow was stored as repaired while it went as sent.
    body = DUPLICATE.body()
    body["messages"][0] = {"role": "user", "content": "half an emoji: \ud83d"}
    flow = make_flow(json.dumps(body).encode())
    repair.request(flow)
    sent = flow.request.content
    assert b"\\ud83d" in sent
    assert json.loads(sent)["messages"][0] == body["messages"][0]
    flow.response = answer(200, ok_completion())
    repair.response(flow)
    repair.done()
    [row] = sqlite_utils.Database(db_path)["flows"].rows
    assert (row["verdict"], row["internal_error"]) == ("repaired", None)
    assert [(r["rule"], r["applied"]) for r in repairs_rows(db_path)] == [
        ("sequence.duplicate-tool-response", 1)
    ]


def test_a_body_that_cannot_be_written_back_as_it_came_is_not_repaired(repair, db_path):
    # 1e400 parses as inf and would be written as Infinity, which no JSON parser accepts.
    text = json.dumps({**DUPLICATE.body(), "seed": "@"}).replace('"@"', "1e400").encode()
    flow = make_flow(text)
    before = flow.request.get_state()
    repair.request(flow)
    assert flow.request.get_state() == before
    flow.response = answer(400, DUPLICATE.error_body())
    repair.response(flow)
    repair.done()
    [row] = sqlite_utils.Database(db_path)["flows"].rows
    assert (row["verdict"], row["internal_error"]) == ("predicted", None)
    assert [(r["rule"], r["applied"], r["description"]) for r in repairs_rows(db_path)] == [
        (
            "sequence.duplicate-tool-response",
            0,
            "the repaired body cannot be written as the JSON that came (a number out of range)",
        ),
        ("params.wrong-type", 0, "no safe repair for this rule"),
    ]


def test_replayed_flows_are_never_answered_or_changed(block):
    flow = make_flow(LONE_TOOL.body())
    flow.live = False  # read with `mitmdump -r`: evidence, not traffic
    block.request(flow)
    assert flow.response is None


# ------------------------------------------------------------------------------ summary and run report


def test_summary_and_run_report_count_repairs_per_rule(db_path):
    from toolguard_analysis.render import render_markdown, render_text
    from toolguard_analysis.report_html import render_html
    from toolguard_analysis.run import report
    from toolguard_analysis.summary import build_summary
    from toolguard_core.addon import PROCESS_RUN_ID

    addon_iter = start(db_path, toolguard_mode="repair")
    addon = next(addon_iter)
    unsafe = {
        **DUPLICATE.body(),
        "messages": [*DUPLICATE.messages[:4], {**DUPLICATE.messages[4], "content": "other"}],
    }
    for body, status, error in [
        (DUPLICATE.body(), 200, None),  # repaired, accepted
        (DUPLICATE.body(), 400, DUPLICATE.error_body()),  # repaired, still rejected
        (ONE_ANSWER.body(), 200, None),  # repaired, accepted
        (unsafe, 400, DUPLICATE.error_body()),  # left as is
    ]:
        flow = make_flow(body)
        run(addon, flow, answer(status, error if error else ok_completion()))
    next(addon_iter, None)  # done(): the writer drains

    summary = build_summary([db_path])
    assert summary["repairs"] == [
        {
            "rule": "sequence.duplicate-tool-response",
            "applied": 2,
            "repaired": 1,
            "repair_failed": 1,
            "not_applied": 1,
            "success_rate": 0.5,
        },
        {
            "rule": "sequence.unanswered-tool-call",
            "applied": 1,
            "repaired": 1,
            "repair_failed": 0,
            "not_applied": 0,
            "success_rate": 1.0,
        },
    ]
    assert summary["verdicts"] == {"predicted": 1, "repair_failed": 1, "repaired": 2}
    text = render_text(summary, width=200)
    assert "  sequence.duplicate-tool-response             2         1       1      50%     1" in text
    assert "| sequence.unanswered-tool-call | 1 | 1 | 0 | 100% | 0 |" in render_markdown(summary)
    assert (
        '<tr><td class="mono">sequence.duplicate-tool-response</td><td class="num">2</td><td class="num">1</td>'
        '<td class="num">1</td><td class="num">50%</td><td class="num">1</td></tr>'
    ) in render_html(summary)
    lines = report(db_path, PROCESS_RUN_ID).splitlines()  # the run of this process (no toolguard_run_id)
    start_at = lines.index("  repairs (applied, accepted by the upstream):")
    assert lines[start_at + 1 : start_at + 3] == [
        "       2  sequence.duplicate-tool-response: 1 repaired, 1 failed (success 50%), 1 left as is",
        "       1  sequence.unanswered-tool-call: 1 repaired, 0 failed (success 100%)",
    ]


def test_the_content_view_shows_what_repair_changed(repair):
    from mitmproxy import contentviews

    from toolguard_core import contentview

    contentview.register()
    flow = make_flow(DUPLICATE.body())
    repair.request(flow)
    result = contentviews.prettify_message(flow.request, flow)
    lines = result.text.splitlines()
    assert result.view_name == "Chat Completions"
    start_at = lines.index(
        "toolguard repaired this request before sending it (1 change(s)); this is the repaired body, the "
        "findings are those of the request as the client sent it:"
    )
    assert lines[start_at + 1 : start_at + 3] == [
        "  repaired sequence.duplicate-tool-response at messages[4].tool_call_id: dropped messages[4], a "
        f"second, identical answer to {DUPLICATE.ids[0]}",
        '    patch: [{"op": "remove", "path": "/messages/4"}]',
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"repair_families": "params"}, "--repair chooses the fixes of --mode repair; add --mode repair"),
        (
            {"mode": "repair", "repair_families": "params,feilds"},
            "unknown repair family feilds; expected some of fields, learned, params, sequence",
        ),
    ],
)
def test_toolguard_run_checks_mode_options_before_starting_anything(kwargs, message):
    from toolguard_analysis.errors import ToolguardError
    from toolguard_analysis.run import run_session

    with pytest.raises(ToolguardError) as error:
        run_session(["true"], **kwargs)
    assert message in str(error.value)


def test_toolguard_run_help_shows_the_modes():
    from click.testing import CliRunner

    from toolguard_analysis.cli import cli

    result = CliRunner().invoke(cli, ["run", "--help"])
    assert "--mode [observe|block|repair]" in result.output
    assert "toolguard run --mode repair -- python agent.py" in result.output


def test_the_content_view_says_what_repair_left_as_is(repair):
    from mitmproxy import contentviews

    from toolguard_core import contentview

    contentview.register()
    body = {
        **DUPLICATE.body(),
        "messages": [*DUPLICATE.messages[:4], {**DUPLICATE.messages[4], "content": "other"}],
    }
    flow = make_flow(body)
    repair.request(flow)
    lines = contentviews.prettify_message(flow.request, flow).text.splitlines()
    assert (
        "  left as is: sequence.duplicate-tool-response at messages[4].tool_call_id: not safe to repair: the two "
        f"answers to {DUPLICATE.ids[0]} differ; keeping one would hide the other"
    ) in lines
    assert not any(line.startswith("toolguard repaired") for line in lines)


def test_block_answers_an_anthropic_messages_request_in_anthropics_shape(block):
    from toolguard_core.rules.registry import RULES

    rule = RULES["anthropic.tool-use-without-result"]
    [predicted] = [p for p in rule.predicts if p.provider == "anthropic"][:1]
    flow = make_flow(rule.example, url=rule.example_url, headers={"content-type": "application/json"})
    block.request(flow)
    assert flow.response.status_code == predicted.status
    body = flow.response.json()
    assert {k: v for k, v in body.items() if k != "toolguard"} == {
        "type": "error",
        # Anthropic's text, naming the example's own message (its call is messages[1]), not the thread's 6.
        "error": {
            "type": "invalid_request_error",
            "message": predicted.text.replace("messages.6:", "messages.1:"),
        },
        "request_id": "toolguard-blocked",
    }
    assert predicted.text.startswith("messages.6:")
    assert body["toolguard"]["findings"][0]["rule"] == "anthropic.tool-use-without-result"
    assert body["toolguard"]["findings"][0]["location"].startswith("messages[1].")
    assert flow.response.headers["x-toolguard-rule"] == "anthropic.tool-use-without-result"


def test_a_reason_for_leaving_a_finding_is_redacted_like_every_column():
    # A "left as is" reason can quote the request (a value, an exception's text): scrubbed too.
    capture = Capture(
        flow_id="f",
        started=0.0,
        ended=1.0,
        method="POST",
        scheme="https",
        host="api.openai.com",
        port=443,
        path="/v1/chat/completions",
        url="https://api.openai.com/v1/chat/completions",
        provider="openai",
        model="gpt-4o-mini",
        stream=False,
        request_headers=[("authorization", f"Bearer {API_KEY}")],
        request_text="{}",
        request_is_json=True,
        request_bytes=2,
        findings=[],
        secrets=[API_KEY],
        verdict="predicted",
        not_repaired=[
            NotRepaired(rule="params.unknown", location="api_key", reason=f"cannot drop {API_KEY}")
        ],
    )
    [row] = capture.to_row().repairs
    assert (row.rule, row.applied, row.description) == ("params.unknown", False, "cannot drop [REDACTED]")


# The request's own call id, where the provider's quoted text names the seed's example id
# (docs/modes.md): (case, url, body, the blocked answer's message).
_OWN_CALL = "call_OwnId7Q2xTz"
_OWN_TOOLU = "toolu_01OwnIdZZ9aBcDeFgH"
OWN_ID_CASES = [
    (
        "openai unanswered tool call",
        "https://api.openai.com/v1/chat/completions",
        {"model": "gpt-4o", "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": _OWN_CALL, "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
            {"role": "user", "content": "never mind"}]},
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        f"'tool_call_id'. The following tool_call_ids did not have response messages: {_OWN_CALL}",
    ),
    (
        "anthropic tool_use without its result",
        "https://api.anthropic.com/v1/messages",
        {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": _OWN_TOOLU, "name": "w", "input": {}}]},
            {"role": "user", "content": "never mind"}]},
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: "
        f"{_OWN_TOOLU}. Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("case", "url", "body", "message"), OWN_ID_CASES, ids=[c[0] for c in OWN_ID_CASES])
def test_block_quotes_the_requests_own_call_id(
    block, case: str, url: str, body: dict[str, Any], message: str
):
    """The provider's quoted text named the seed's example id (call_mjLu…), a call the client never made."""
    flow = make_flow(body, url=url, headers={"content-type": "application/json"})
    block.request(flow)
    answer_body = flow.response.json()
    assert (answer_body["error"]["message"], flow.response.headers["x-toolguard-blocked"]) == (message, "1")


# The request's own message path, where the provider's quoted text (and param) names its example
# request's (a new user's trial: the anthropic SDK raised "messages.48.content.1: unexpected
# `tool_use_id` ..." for a request with one message): (case, url, body, the blocked answer's error).
OWN_PATH_CASES = [
    (
        "anthropic tool_result with no tool_use before it",
        "https://api.anthropic.com/v1/messages",
        {"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": [
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"}]}]},
        {"type": "invalid_request_error",
         "message": "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_1. Each "
                    "`tool_result` block must have a corresponding `tool_use` block in the previous message."},
    ),
    (
        "openai message name with a space",
        "https://api.openai.com/v1/chat/completions",
        {"model": "gpt-4o", "messages": [
            {"role": "system", "content": "s"}, {"role": "user", "content": "a"},
            {"role": "user", "name": "Bob Smith", "content": "b"}]},
        {"message": "Invalid 'messages[2].name': string does not match pattern. Expected a string that matches "
                    "the pattern '^[a-zA-Z0-9_-]+$'.",
         "type": "invalid_request_error", "param": "messages[2].name", "code": None},
    ),
    (
        "openai content part of an unknown type (param only)",
        "https://api.openai.com/v1/chat/completions",
        {"model": "gpt-4o", "messages": [
            {"role": "user", "content": "a"},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"},
                                         {"type": "image", "image": "x"}]}]},
        {"message": "Invalid value: 'image'. Supported values are: 'text' and 'image_url'.",
         "type": "invalid_request_error", "param": "messages[1].content[2].type", "code": "invalid_value"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("case", "url", "body", "error"), OWN_PATH_CASES, ids=[c[0] for c in OWN_PATH_CASES])
def test_block_names_the_requests_own_message_path(
    block, case: str, url: str, body: dict[str, Any], error: dict[str, Any]
):
    flow = make_flow(body, url=url, headers={"content-type": "application/json"})
    block.request(flow)
    assert (flow.response.status_code, flow.response.json()["error"]) == (400, error)


@pytest.mark.parametrize(
    ("text", "location", "own"),
    [
        # Each spelling keeps its own; indices follow the location's names in order; a deeper index
        # the location does not give, or one off its path, stays the provider's.
        ("messages.48.content.1: unexpected", "messages[3].content[2].tool_use_id", "messages.3.content.2: unexpected"),
        ("messages.6: `tool_use` ids", "messages[1].content[0].id", "messages.1: `tool_use` ids"),
        ("messages.[4].role", "messages[2]", "messages.[2].role"),
        ("Invalid 'messages[5].content[0].type'.", "messages[1].content[3].type", "Invalid 'messages[1].content[3].type'."),
        ("messages.59.content.12.image.source.base64.data: bad", "messages[2]", "messages.2.content.12.image.source.base64.data: bad"),
        ("messages[2].tool_calls[0].id too long", "messages[7].content", "messages[7].tool_calls[0].id too long"),
        ("Value at 'messages.2.member.content.1.member.toolUse'", "messages[4].content[0]", "Value at 'messages.4.member.content.0.member.toolUse'"),
        ("'messages.0' : ... ('messages.0.content' :", "messages[3].content", "'messages.3' : ... ('messages.3.content' :"),
        ("messages.48.content.1: unexpected", "tools[0].input_schema", "messages.48.content.1: unexpected"),
        ("No tool output found for call_1", "messages[2]", "No tool output found for call_1"),
    ],
)  # fmt: skip
def test_own_path(text: str, location: str, own: str) -> None:
    assert _own_path(text, location) == own


# Block mode on an unrecognised host: the model rules judge the request as the model's vendor
# (rules/inferred.py), so the answer is that vendor's, with the rule's predicted text for this endpoint
# kind; a relay's text quoting the vendor's error object gives its message, param and code.
GATEWAY = "http://llm.corp.example:4000/v1/chat/completions"
_HI = {"role": "user", "content": "hi"}


@pytest.mark.parametrize(
    ("body", "rule", "error"),
    [
        (
            {"model": "o3-mini", "messages": [_HI], "max_tokens": 100},
            "model.max-tokens-on-reasoning-model",
            {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                "type": "invalid_request_error",
                "param": "max_tokens",
                "code": "unsupported_parameter",
            },
        ),
        (
            # Not the Responses API's text (its prediction says api="responses"): the chat one, relayed,
            # with the request's own value where the quote names its example's (0.2).
            {"model": "o3-mini", "messages": [_HI], "temperature": 0.5},
            "model.sampling-on-reasoning-model",
            {
                "message": "Unsupported value: 'temperature' does not support 0.5 with this model. "
                "Only the default (1) value is supported.",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": "unsupported_value",
            },
        ),
    ],
    ids=["max-tokens", "sampling"],
)
def test_block_on_an_unrecognised_host_answers_as_the_models_vendor(
    body: dict[str, Any], rule: str, error: dict[str, Any]
) -> None:
    analysis = analyze.analyse_request(json.dumps(body).encode(), GATEWAY)
    answer = blocked_answer(analysis.findings, analysis.target, analysis.body)
    assert answer is not None
    sent = json.loads(answer.body)
    assert (answer.status, answer.finding.rule, sent["error"], sent["toolguard"]["answered_as"]) == (
        400,
        rule,
        error,
        "openai",
    )


def test_block_with_no_prediction_for_the_vendor_says_toolguards_own_text() -> None:
    """A Claude model behind a gateway: the rule quotes Copilot's and Bedrock's relays, not Anthropic's
    own answer on this API, so the finding's text stands (never another provider's wording)."""
    body = {"model": "claude-sonnet-4-6", "messages": [_HI], "temperature": 0.7, "top_p": 0.9}
    analysis = analyze.analyse_request(json.dumps(body).encode(), GATEWAY)
    answer = blocked_answer(analysis.findings, analysis.target, analysis.body)
    assert answer is not None
    [finding] = analysis.findings
    assert (json.loads(answer.body)["error"], json.loads(answer.body)["toolguard"]["answered_as"]) == (
        {"message": finding.message, "type": "invalid_request_error", "param": None, "code": None},
        "anthropic",
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "litellm.BadRequestError: OpenAIException - Error code: 400 - {'error': {'message': \"No\", "
            "'type': 'invalid_request_error', 'param': 'max_tokens', 'code': None}}",
            {"message": "No", "type": "invalid_request_error", "param": "max_tokens", "code": None},
        ),
        (
            '{"error":{"code":"x","message":"Bad","param":null}}',
            {"code": "x", "message": "Bad", "param": None},
        ),
        ("Unsupported parameter: 'max_tokens'", None),
        ("Error code: 400 - {'error': {'message': 3}}", None),
        ("Error code: 400 - {'error': ", None),
    ],
)
def test_quoted_error(text: str, error: dict[str, Any] | None) -> None:
    assert quoted_error(text) == error


_OLLAMA_TOOLS = [
    {"type": "function", "function": {"name": "ls", "parameters": {"type": "object", "properties": {}}}}
]


@pytest.mark.parametrize(
    ("url", "error"),
    [
        # Ollama's OpenAI-compatible endpoint: OpenAI's envelope, Ollama's own message and type.
        (
            "http://127.0.0.1:11434/v1/chat/completions",
            {
                "message": "registry.ollama.ai/library/gemma3:12b does not support tools",
                "type": "api_error",
                "param": None,
                "code": None,
            },
        ),
        # Its native /api/chat: Ollama's own {"error": "<text>"} (ollama's clients raise ResponseError with it).
        ("http://127.0.0.1:11434/api/chat", "registry.ollama.ai/library/gemma3:12b does not support tools"),
    ],
    ids=["v1", "api-chat"],
)
def test_block_answers_ollama_in_its_shape_naming_the_requests_model(url: str, error: Any) -> None:
    """trial22: the blocked answer's message was the rule's whole quoted body, a JSON string naming the
    thread's model (`{"error":{"message":"registry.ollama.ai/library/gemma3:4b does not support tools",...}}`
    for a request asking gemma3:12b), in OpenAI's envelope on /api/chat too."""
    body = {"model": "gemma3:12b", "messages": [_HI], "tools": _OLLAMA_TOOLS}
    analysis = analyze.analyse_request(json.dumps(body).encode(), url)
    answer = blocked_answer(analysis.findings, analysis.target, analysis.body)
    assert answer is not None
    sent = json.loads(answer.body)
    assert (answer.status, answer.finding.rule, sent["error"]) == (400, "quirks.ollama-model-no-tools", error)
    assert set(sent) == {"error", "toolguard"}
