from __future__ import annotations

import json
import re

import pytest

from toolguard_core.verdict import (
    Scope,
    Verdict,
    error_text,
    rejected,
    row_rejected,
    scope,
    should_store,
    verdict,
)


@pytest.mark.parametrize(
    ("has_error_finding", "status", "stream_error", "flow_error", "expected"),
    [
        # The seed's orphan tool message: toolguard predicted it, OpenAI answered 400.
        (True, 400, False, None, "predicted"),
        # DeepSeek's 422 for invalid parameters and llama.cpp's 500 for bad requests are rejections too.
        (True, 422, False, None, "predicted"),
        (True, 500, False, None, "predicted"),
        # An error event inside a 200 stream (OpenAI/vLLM/OpenRouter) is a rejection.
        (True, 200, True, None, "predicted"),
        (False, 200, True, None, "unexplained"),
        (False, 400, False, None, "unexplained"),
        (False, 404, False, None, "unexplained"),
        (True, 200, False, None, "false_alarm"),
        (True, 201, False, None, "false_alarm"),
        (False, 200, False, None, "accepted"),
        (True, 399, False, None, "false_alarm"),
        # No response at all.
        (True, None, False, "Connection refused", "no_answer"),
        (False, None, False, "Client disconnected.", "no_answer"),
        (False, None, False, None, "no_answer"),
        # The client went away mid-stream: the upstream had answered 200, the flow error is kept apart.
        (True, 200, False, "Client disconnected.", "false_alarm"),
        (False, 200, True, "Client disconnected.", "unexplained"),
        (True, 400, False, "Client disconnected.", "predicted"),
    ],
)
def test_verdict(has_error_finding, status, stream_error, flow_error, expected):
    assert verdict(has_error_finding, status, stream_error, flow_error) == expected


@pytest.mark.parametrize(
    ("blocked", "repaired", "status", "stream_error", "expected"),
    [
        # Block mode: the proxy answered itself, whatever status it chose.
        (True, False, 400, False, "blocked"),
        # Repair mode: the upstream's answer judges the repaired request.
        (False, True, 200, False, "repaired"),
        (False, True, 400, False, "repair_failed"),
        (False, True, 200, True, "repair_failed"),
        (False, True, None, False, "no_answer"),
        # Repair mode that changed nothing: the ordinary verdicts.
        (False, False, 400, False, "predicted"),
    ],
)
def test_mode_verdicts(blocked, repaired, status, stream_error, expected):
    assert verdict(True, status, stream_error, None, blocked=blocked, repaired=repaired) == expected


def test_values_are_plain_strings():
    assert {v.value for v in Verdict} == {
        "predicted",
        "unexplained",
        "false_alarm",
        "no_answer",
        "accepted",
        "blocked",
        "repaired",
        "repair_failed",
    }
    assert type(verdict(True, 400, False, None)) is str


def test_rejected():
    assert rejected(400, False)
    assert rejected(200, True)
    assert not rejected(200, False)
    assert not rejected(None, False)


# ------------------------------------------------------------------ hooks: taddons/tflow, real SQLite

ORPHAN_TOOL_REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "user", "content": "What is 3 * 12?"},
        {"role": "tool", "tool_call_id": "call_123", "content": "36"},
    ],
}
# OpenRouter ids are vendor/model (a bare id draws model_id.router-without-vendor).
VALID_REQUEST = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
# OpenAI's answer to the orphan tool message (../shared/seeds/001, LangChain INVALID_TOOL_RESULTS).
OPENAI_400 = {
    "error": {
        "message": "Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
        "with 'tool_calls'.",
        "type": "invalid_request_error",
        "param": "messages.[1].role",
        "code": None,
    }
}
# OpenRouter relaying OpenAI: https://github.com/reVrost/go-openrouter/pull/21
OPENROUTER_400 = {
    "error": {
        "message": "Provider returned error",
        "code": 400,
        "metadata": {
            "raw": '{\n  "error": {\n    "message": "Response input messages must contain the word \'json\' in some '
            'form to use \'text.format\' of type \'json_object\'.",\n    "type": "invalid_request_error",\n    '
            '"param": "input",\n    "code": null\n  }\n}',
            "provider_name": "OpenAI",
        },
    },
    "user_id": "org_2x...f5",
}
OK_200 = {"id": "chatcmpl-1", "object": "chat.completion", "choices": []}


def _run(tmp_path, request_body, *, status=None, body=None, flow_error=None):
    import sqlite_utils
    from mitmproxy import flow as mflow
    from mitmproxy import http
    from mitmproxy.test import taddons, tflow

    from toolguard_core.addon import ToolGuard

    db_path = tmp_path / "toolguard.db"
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        req = http.Request.make(
            "POST",
            "https://openrouter.ai/api/v1/chat/completions",
            json.dumps(request_body),
            {"content-type": "application/json"},
        )
        f = tflow.tflow(req=req)
        addon.request(f)
        if status is None:
            f.error = mflow.Error(flow_error)
            addon.error(f)
        else:
            f.response = http.Response.make(status, json.dumps(body), {"content-type": "application/json"})
            addon.responseheaders(f)
            addon.response(f)
        addon.done()
    return [
        {
            k: row[k]
            for k in ("status", "verdict", "error_shape", "error_message", "error_code", "error_provider")
        }
        | {"upstream": json.loads(row["error_json"])["upstream"] if row["error_json"] else None}
        for row in sqlite_utils.Database(db_path)["flows"].rows
    ]


def test_hook_predicted(tmp_path):
    assert _run(tmp_path, ORPHAN_TOOL_REQUEST, status=400, body=OPENAI_400) == [
        {
            "status": 400,
            "verdict": "predicted",
            "error_shape": "openai",
            "error_message": OPENAI_400["error"]["message"],
            "error_code": None,
            "error_provider": None,
            "upstream": None,
        }
    ]


def test_hook_unexplained_keeps_the_openrouter_upstream(tmp_path):
    assert _run(tmp_path, VALID_REQUEST, status=400, body=OPENROUTER_400) == [
        {
            "status": 400,
            "verdict": "unexplained",
            "error_shape": "openrouter",
            "error_message": "Provider returned error",
            "error_code": 400,
            "error_provider": "OpenAI",
            "upstream": {
                "message": "Response input messages must contain the word 'json' in some form to use "
                "'text.format' of type 'json_object'.",
                "type": "invalid_request_error",
                "param": "input",
                "code": None,
                "request_id": None,
                "provider_name": None,
                "upstream": None,
                "shape": "openai",
            },
        }
    ]


def test_hook_false_alarm(tmp_path):
    assert _run(tmp_path, ORPHAN_TOOL_REQUEST, status=200, body=OK_200) == [
        {
            "status": 200,
            "verdict": "false_alarm",
            "error_shape": None,
            "error_message": None,
            "error_code": None,
            "error_provider": None,
            "upstream": None,
        }
    ]


def test_hook_no_answer(tmp_path):
    assert _run(tmp_path, VALID_REQUEST, flow_error="Connection refused") == [
        {
            "status": None,
            "verdict": "no_answer",
            "error_shape": None,
            "error_message": None,
            "error_code": None,
            "error_provider": None,
            "upstream": None,
        }
    ]


def test_hook_accepted_clean_flow_is_not_stored(tmp_path):
    assert _run(tmp_path, VALID_REQUEST, status=200, body=OK_200) == []


@pytest.mark.parametrize(
    ("has_findings", "rejected_", "flow_failed", "stream_complete", "store_all", "stored"),
    [
        (True, False, False, False, False, True),
        (False, True, False, False, False, True),
        (False, False, False, False, True, True),
        (False, False, False, False, False, False),
        # A client gone mid-stream: stored.
        (False, False, True, False, False, True),
        # The openai SDK closes right after `data: [DONE]`: a complete, accepted stream is not stored.
        (False, False, True, True, False, False),
        # ... but a complete stream that carried an error event is.
        (False, True, True, True, False, True),
    ],
)
def test_should_store(has_findings, rejected_, flow_failed, stream_complete, store_all, stored):
    assert (
        should_store(
            has_findings=has_findings,
            rejected=rejected_,
            flow_failed=flow_failed,
            stream_complete=stream_complete,
            store_all=store_all,
        )
        is stored
    )


PATHS = (re.compile(r"/chat/completions/?$"),)
RECORD_PATHS = (re.compile(r"/embeddings/?$"),)


@pytest.mark.parametrize(
    ("allowed", "path", "native", "expected"),
    [
        (True, "/v1/chat/completions", False, Scope.VALIDATE),
        (True, "/v1/chat/completions", True, Scope.VALIDATE),
        (True, "/api/v1/services/aigc/text-generation/generation", True, Scope.ENDPOINT),
        (True, "/v1/embeddings", False, Scope.RECORD),
        (True, "/v1/models", False, Scope.IGNORE),
        (False, "/v1/chat/completions", False, Scope.IGNORE),
    ],
)
def test_scope(allowed, path, native, expected):
    assert (
        scope(allowed=allowed, path=path, paths=PATHS, record_paths=RECORD_PATHS, native_chat_path=native)
        is expected
    )


@pytest.mark.parametrize(
    ("error_json", "error_message", "expected"),
    [
        # OpenRouter's wrapper gives way to the provider's own message.
        (
            json.dumps(
                {"message": "Provider returned error", "upstream": {"message": "inner", "upstream": None}}
            ),
            "Provider returned error",
            "inner",
        ),
        (None, "top-level only", "top-level only"),
        (None, None, None),
        ("not json", "", None),
    ],
)
def test_error_text(error_json, error_message, expected):
    assert error_text(error_json, error_message) == expected


@pytest.mark.parametrize(
    ("verdict_", "status", "error_message", "expected"),
    [
        ("predicted", 400, "x", True),
        ("accepted", 200, None, False),
        (None, 400, None, True),
        (None, 200, "error event in the stream", True),
        (None, 200, None, False),
    ],
)
def test_row_rejected(verdict_, status, error_message, expected):
    assert row_rejected(verdict_, status, error_message) is expected
