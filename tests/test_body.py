"""Body rules (rules/body.py) through the single entry point: bad input becomes a finding, never a crash."""

from __future__ import annotations

import gzip
import json

import pytest

from toolguard_core.analyze import DEFAULT_MAX_BODY_BYTES, analyse_request
from toolguard_core.rules import RULES

URL = "https://api.openai.com/v1/chat/completions"
VALID = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "héllo"}]}).encode()

# (name, body, exact findings)
CASES: list[tuple[str, bytes | str | None, list[tuple[str, str, str]]]] = [
    ("valid bytes", VALID, []),
    ("valid str", VALID.decode(), []),
    (
        "valid with raw UTF-8",
        '{"model":"gpt-4o","messages":[{"role":"user","content":"héllo ☃"}]}'.encode(),
        [],
    ),
    ("not JSON", b"model=gpt-4o&messages=hi", [("body.not-json", "error", "body")]),
    ("truncated JSON", VALID[:-5], [("body.not-json", "error", "body")]),
    ("two objects", b'{"a":1}{"b":2}', [("body.not-json", "error", "body")]),
    ("gzip bytes without Content-Encoding", gzip.compress(VALID), [("body.invalid-utf8", "error", "body")]),
    (
        "invalid UTF-8",
        b'{"model":"m","messages":[{"role":"user","content":"\xff\xfe"}]}',
        [("body.invalid-utf8", "error", "body")],
    ),
    (
        "latin-1 encoded",
        '{"model":"m","messages":[{"role":"user","content":"é"}]}'.encode("latin-1"),
        [("body.invalid-utf8", "error", "body")],
    ),
    ("array", b"[1, 2]", [("body.not-object", "error", "body")]),
    ("string", b'"hello"', [("body.not-object", "error", "body")]),
    ("number", b"42", [("body.not-object", "error", "body")]),
    ("null", b"null", [("body.not-object", "error", "body")]),
    ("empty bytes", b"", [("body.empty", "error", "body")]),
    ("no body", None, [("body.empty", "error", "body")]),
    ("100k nested lists", b"[" * 100_000 + b"]" * 100_000, [("body.too-deep", "warning", "body")]),
    (
        "deep nesting inside messages",
        b'{"model":"m","messages":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        [("body.too-deep", "warning", "body")],
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_body_findings(body: bytes | str | None, expected: list[tuple[str, str, str]]):
    analysis = analyse_request(body, URL)
    assert [(f.rule, f.severity.value, f.location) for f in analysis.findings] == expected
    assert analysis.internal_errors == []
    if expected:
        assert analysis.body is None
    else:
        assert analysis.body is not None


def test_body_over_the_limit_is_passed_through_unvalidated():
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "x" * 2000}]}).encode()
    analysis = analyse_request(body, URL, max_body_bytes=1000)
    assert [(f.rule, f.severity.value, f.location) for f in analysis.findings] == [
        ("body.too-large", "info", "body")
    ]
    assert str(len(body)) in analysis.findings[0].message and "1000" in analysis.findings[0].message
    assert analysis.body is None


def test_huge_body_over_the_default_limit_is_not_parsed():
    body = b'{"model":"m","messages":[{"role":"user","content":"' + b"x" * DEFAULT_MAX_BODY_BYTES + b'"}]}'
    analysis = analyse_request(body, URL)
    assert [f.rule for f in analysis.findings] == ["body.too-large"]


def test_body_exactly_at_the_limit_is_validated():
    analysis = analyse_request(VALID, URL, max_body_bytes=len(VALID))
    assert analysis.findings == [] and analysis.body is not None


def test_undecodable_content_encoding_is_reported_not_parsed():
    analysis = analyse_request(b"\x1f\x8bgarbage", URL, decode_error="Invalid gzip data")
    assert [(f.rule, f.severity.value, f.location) for f in analysis.findings] == [
        ("body.undecodable", "warning", "body")
    ]
    assert "Invalid gzip data" in analysis.findings[0].message


def test_invalid_utf8_names_the_byte():
    analysis = analyse_request(b'{"a":"\xff"}', URL)
    assert "byte 6" in analysis.findings[0].message


def test_not_object_uses_json_type_names():
    assert "JSON array" in analyse_request(b"[]", URL).findings[0].message
    assert "JSON null" in analyse_request(b"null", URL).findings[0].message


def test_not_json_predicts_openais_real_text():
    (predicted,) = RULES["body.not-json"].predicts
    assert predicted.text.startswith("We could not parse the JSON body of your request. (HINT:")
    assert predicted.source == "https://github.com/ChatGPTNextWeb/NextChat/issues/4064"


# orjson parses the fast path; what it refuses goes to the stdlib, so these keep their old answers.
@pytest.mark.parametrize(
    ("name", "body", "expected_rules"),
    [
        (
            "nan is accepted as before",
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": NaN}',
            [],
        ),
        (
            "integer over 64 bits",
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "seed": 123456789012345678901234567890}',
            [],
        ),
        (
            "lone surrogate escape",
            b'{"model": "m", "messages": [{"role": "user", "content": "\\ud800"}]}',
            [],
        ),
        (
            "1500 levels deep",
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "x": '
            + b"[" * 1500
            + b"]" * 1500
            + b"}",
            ["body.too-deep"],
        ),
        ("invalid utf-8", b'{"model": "m", "messages": "\xff"}', ["body.invalid-utf8"]),
        ("trailing garbage", b'{"model": "m"} x', ["body.not-json"]),
    ],
)
def test_stdlib_fallback_keeps_answers(name: str, body: bytes, expected_rules: list[str]) -> None:
    findings = analyse_request(body, "http://127.0.0.1:5555/v1/chat/completions").findings
    assert [f.rule for f in findings if f.rule.startswith("body.")] == expected_rules, name
