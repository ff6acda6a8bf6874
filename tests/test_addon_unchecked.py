"""The proxy counts the POSTs it did not validate because of their path (addon.py,
``_Route.unchecked_path``): a record-only path (``toolguard_record_paths``: ``/embeddings``) or a path
no option matches (a typo'd ``/chat/completion``), with those the upstream rejected and their upstream
and path. A new user's trial (session 15): a run with one right call and typo'd ones read "1 validated,
0 rejected" and no hint. Real hooks (taddons, tflow), a real SQLite file."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from mitmproxy import http
from mitmproxy.test import tflow

from toolguard_core.addon import ToolGuard
from toolguard_core.visibility import UNCHECKED_PATHS_HOW

CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()
OK = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "done"}, "finish_reason": "stop"}],
}
#: OpenAI's 404 for a path it has no endpoint for (https://github.com/chatboxai/chatbox/issues/199).
INVALID_URL = {
    "error": {
        "message": "Invalid URL (POST /v1/chat/completion)",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
}


def _exchange(addon: ToolGuard, method: str, url: str, status: int, answer: dict[str, Any]) -> None:
    flow = tflow.tflow(req=http.Request.make(method, url, CHAT, {"content-type": "application/json"}))
    addon.request(flow)
    flow.response = http.Response.make(
        status, json.dumps(answer).encode(), {"content-type": "application/json"}
    )
    addon.responseheaders(flow)
    addon.response(flow)


def test_posts_not_validated_because_of_their_path_are_counted_with_their_rejections(
    guard_db: tuple[ToolGuard, Any, Path], caplog: pytest.LogCaptureFixture
) -> None:
    addon, _, db_path = guard_db
    for method, url, status, answer in [
        ("POST", "https://api.openai.com/v1/chat/completions", 200, OK),  # validated
        ("POST", "https://api.openai.com/v1/chat/completion", 404, INVALID_URL),  # typo'd: no option matches
        ("POST", "https://api.openai.com/v1/chat/completion?api-key=sk-abc", 404, INVALID_URL),
        ("POST", "https://api.openai.com/v1/embeddings", 200, {"data": []}),  # record-only, accepted
        ("POST", "http://127.0.0.1:4000/v1/embeddings", 401, {"error": {"message": "bad key"}}),  # rejected
        # A key-shaped path segment never reaches the count (redact.scrub).
        ("POST", "https://gw.example/sk-proj-abcdefghijklmnopqrstuvwxyz0123/v1/chat/completion", 200, OK),
        ("GET", "https://api.openai.com/v1/models", 200, {"data": []}),  # no POST: not counted
    ]:
        _exchange(addon, method, url, status, answer)
    stats = json.loads(addon.stats_command())
    paths = {
        "api.openai.com/v1/chat/completion": 2,
        "api.openai.com/v1/embeddings": 1,
        "127.0.0.1:4000/v1/embeddings": 1,
    }
    [scrubbed] = set(stats["unchecked_paths"]) - set(paths)
    assert "sk-proj-abcdefghijklmnopqrstuvwxyz0123" not in scrubbed and scrubbed.startswith("gw.example/")
    paths[scrubbed] = 1
    assert (stats["requests_seen"], stats["validated"], stats["unchecked_requests"], stats["unchecked_rejected"]) == (
        7, 1, 5, 3
    )  # fmt: skip
    assert stats["unchecked_paths"] == paths
    with caplog.at_level(logging.INFO):
        addon.done()
    [run] = sqlite_utils.Database(db_path)["runs"].rows
    assert (run["unchecked_requests"], run["unchecked_rejected"], json.loads(run["unchecked_paths"])) == (
        5,
        3,
        paths,
    )
    # Stored: only the record-only path's rejection (as before); the typo'd ones are counted, not stored.
    stored = [(f["path"], f["status"]) for f in sqlite_utils.Database(db_path)["flows"].rows]
    assert stored == [("/v1/embeddings", 401)]
    # The typo'd chat paths are the alarm; the embeddings calls are said as what they are (trial17),
    # and the rejections, counted per run, for the two together.
    lines = [
        "toolguard: 3 requests NOT checked because of their path "
        f"(api.openai.com/v1/chat/completion (2), {scrubbed} (1)): no rule validated them; {UNCHECKED_PATHS_HOW}",
        "toolguard: 2 requests seen but not validated (127.0.0.1:4000/v1/embeddings "
        "(1, embeddings or moderations), api.openai.com/v1/embeddings (1, embeddings or moderations)): they "
        "went to endpoints that carry no conversation, and toolguard's rules check only conversations (the "
        "chat endpoints' bodies, toolguard_paths): nothing in them was checked; of the 5 requests not validated because of their path, 3 were rejected by "
        "the upstream",
    ]
    said = [r.getMessage() for r in caplog.records]
    assert [m for m in said if "because of their path" in m or "seen but not validated" in m] == lines


def test_a_run_whose_paths_are_all_validated_says_nothing_of_unchecked_paths(
    guard_db: tuple[ToolGuard, Any, Path], caplog: pytest.LogCaptureFixture
) -> None:
    addon, _, db_path = guard_db
    _exchange(addon, "POST", "https://api.openai.com/v1/chat/completions", 200, OK)
    stats = json.loads(addon.stats_command())
    assert (stats["unchecked_requests"], stats["unchecked_rejected"], "unchecked_paths" in stats) == (
        0,
        0,
        False,
    )
    with caplog.at_level(logging.INFO):
        addon.done()
    [run] = sqlite_utils.Database(db_path)["runs"].rows
    assert (run["unchecked_requests"], run["unchecked_rejected"], run["unchecked_paths"]) == (0, 0, None)
    assert not [r for r in caplog.records if "NOT checked" in r.getMessage()]


def test_claude_codes_side_calls_are_said_as_such_not_as_an_alarm(
    guard_db: tuple[ToolGuard, Any, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Claude Code counts tokens before it sends and, with telemetry on, posts its event log: a run
    of it read "NOT checked because of their path" next to a clean turn (trial17). Said as what they
    are; the run row keeps counting them as before."""
    addon, _, db_path = guard_db
    for url in (
        "https://api.anthropic.com/v1/messages/count_tokens?beta=true",
        "https://api.anthropic.com/api/event_logging/v2/batch",
    ):
        _exchange(addon, "POST", url, 200, {"input_tokens": 12})
    with caplog.at_level(logging.INFO):
        addon.done()
    [run] = sqlite_utils.Database(db_path)["runs"].rows
    assert (run["unchecked_requests"], run["unchecked_rejected"]) == (2, 0)
    said = [r.getMessage() for r in caplog.records]
    assert not [m for m in said if "NOT checked" in m]
    assert [m for m in said if "seen but not validated" in m] == [
        "toolguard: 2 requests seen but not validated (api.anthropic.com/api/event_logging/v2/batch (1, "
        "telemetry), api.anthropic.com/v1/messages/count_tokens (1, token counting)): they went to endpoints "
        "that carry no conversation, and toolguard's rules check only conversations (the chat endpoints' "
        "bodies, toolguard_paths): nothing in them was checked"
    ]


def test_requests_that_are_no_api_call_toolguard_validates_are_counted_by_method_and_path_shape(
    guard_db: tuple[ToolGuard, Any, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Codex lists the models (``GET /v1/models``) before its first turn, clients probe health
    endpoints, SDKs delete files: the proxy saw them, passed them through and validated nothing in
    them. "3 requests reached the proxy: 1 validated" left the others unexplained (session 19): they
    are counted by method and path shape (an id-like segment as ``*``, key shapes redacted) in the
    stats, the run row, the shutdown log and toolguard run's report."""
    from toolguard_analysis.run import report

    addon, _, db_path = guard_db
    for method, url in [
        ("POST", "https://api.openai.com/v1/chat/completions"),  # validated
        ("GET", "https://api.openai.com/v1/models"),
        ("GET", "https://api.openai.com/v1/models?limit=5"),
        ("GET", "http://127.0.0.1:11434/api/tags"),
        ("DELETE", "https://api.openai.com/v1/files/file-AbCdEf0123456789XyZ"),
        ("GET", "https://api.openai.com/v1/models/sk-proj-abcdefghijklmnopqrstuvwxyz0123"),
    ]:
        _exchange(addon, method, url, 200, OK)
    stats = json.loads(addon.stats_command())
    paths = {
        "GET api.openai.com/v1/models": 2,
        "GET 127.0.0.1:11434/api/tags": 1,
        "DELETE api.openai.com/v1/files/*": 1,
        "GET api.openai.com/v1/models/[REDACTED]": 1,
    }
    assert (stats["requests_seen"], stats["validated"], stats["ignored_requests"], stats["ignored_paths"]) == (
        6, 1, 5, paths
    )  # fmt: skip
    with caplog.at_level(logging.INFO):
        addon.done()
    [run] = sqlite_utils.Database(db_path)["runs"].rows
    assert (run["ignored_requests"], json.loads(run["ignored_paths"])) == (5, paths)
    said = (
        "5 requests were not API calls toolguard validates (GET api.openai.com/v1/models (2), "
        "DELETE api.openai.com/v1/files/* (1), GET 127.0.0.1:11434/api/tags (1), "
        "GET api.openai.com/v1/models/[REDACTED] (1)): passed through, nothing in them was checked; "
        "toolguard validates POSTs to the chat endpoints' paths (toolguard_paths) on the hosts "
        "toolguard_hosts lets through"
    )
    assert [r.getMessage() for r in caplog.records if "API call" in r.getMessage()] == [f"toolguard: {said}"]
    lines = report(db_path, run["id"]).splitlines()
    assert lines[:2] == [
        "toolguard: 6 requests reached the proxy: 1 validated, 0 with findings, 0 rejected by the upstream, "
        "0 without an answer; 0 flows stored.",
        f"  {said}.",
    ]


def test_one_get_is_said_in_the_singular_and_none_says_nothing(
    guard_db: tuple[ToolGuard, Any, Path], caplog: pytest.LogCaptureFixture
) -> None:
    addon, _, _ = guard_db
    _exchange(addon, "GET", "https://api.openai.com/v1/models", 200, {"data": []})
    stats = json.loads(addon.stats_command())
    assert (stats["ignored_requests"], stats["ignored_paths"]) == (1, {"GET api.openai.com/v1/models": 1})
    with caplog.at_level(logging.INFO):
        addon.done()
    assert [r.getMessage() for r in caplog.records if "API call" in r.getMessage()] == [
        "toolguard: 1 request was not an API call toolguard validates (GET api.openai.com/v1/models (1)): "
        "passed through, nothing in it was checked; toolguard validates POSTs to the chat endpoints' paths "
        "(toolguard_paths) on the hosts toolguard_hosts lets through"
    ]


def test_a_run_of_api_calls_only_says_nothing_of_other_requests(
    guard_db: tuple[ToolGuard, Any, Path],
) -> None:
    addon, _, db_path = guard_db
    _exchange(addon, "POST", "https://api.openai.com/v1/chat/completions", 200, OK)
    stats = json.loads(addon.stats_command())
    assert (stats["ignored_requests"], "ignored_paths" in stats) == (0, False)
    addon.done()
    [run] = sqlite_utils.Database(db_path)["runs"].rows
    assert (run["ignored_requests"], run["ignored_paths"]) == (0, None)
