from __future__ import annotations

import pytest
from toolguard_core.verdict import Verdict, rejected, verdict


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


def test_values_are_plain_strings():
    assert {v.value for v in Verdict} == {"predicted", "unexplained", "false_alarm", "no_answer", "accepted"}
    assert type(verdict(True, 400, False, None)) is str


def test_rejected():
    assert rejected(400, False)
    assert rejected(200, True)
    assert not rejected(200, False)
    assert not rejected(None, False)
