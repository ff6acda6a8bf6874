"""Hostile request bodies through the same code path as the proxy (issue #16): no check may crash.

A table of type-confused bodies: every rule's own example body (so every check's code path is
reached), with every value in it replaced in turn by each value of a wrong JSON type. A check that
raises is an internal error (the proxy logs it and skips the rule); here it fails the test. Three
rules crashed this way with "unhashable type" before (role, response_format.type, image detail,
Responses item role, required entries).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from support.rule_cases import REGISTRY

from toolguard_core.analyze import MAX_FINDINGS_PER_RULE, analyse_request
from toolguard_core.capture import Capture
from toolguard_core.request import Target
from toolguard_core.rules import RULES
from toolguard_core.store import open_db, write_rows

# One of each JSON type, plus the containers rules index into; unhashable ones first.
WRONG_TYPES: tuple[Any, ...] = ([], {}, [{}], None, 7, "x")

Path = tuple[str | int, ...]


# Long lists (tools.too-many declares 129 tools) are mutated in their first items only: the others
# take the same code path, and the test stays at seconds.
MAX_LIST_ITEMS = 3


def _paths(value: Any, path: Path = ()) -> Iterator[Path]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:MAX_LIST_ITEMS]):
            yield from _paths(item, (*path, index))


def _replaced(body: Any, path: Path, new: Any) -> Any:
    if not path:
        return new
    body = copy.deepcopy(body)
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return body


EXAMPLES = sorted((rule.id, rule.example, rule.example_url) for rule in RULES.values() if rule.example)


def test_every_rule_example_is_in_the_table():
    assert len(EXAMPLES) > 100  # the table reaches every check through the rules' own examples


@pytest.mark.parametrize(("rule_id", "example", "url"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_type_confused_bodies_never_crash_a_check(rule_id: str, example: dict[str, Any], url: str):
    target = Target.from_url(url, REGISTRY)
    crashes: dict[str, tuple[Path, Any]] = {}
    for path in _paths(example):
        for wrong in WRONG_TYPES:
            analysis = analyse_request(json.dumps(_replaced(example, path, wrong)), url, target=target)
            for internal in analysis.internal_errors:
                crashes.setdefault(f"{internal.where}: {internal.error}", (path, wrong))
    assert crashes == {}


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 100,
        b"\xff\xfe{}",
        b'{"model": "\\ud800", "messages": [{"role": "user", "content": "\\udfff"}]}',
        b'{"model": 18446744073709551616, "messages": []}',
        b'{"model": "gpt-4o", "messages": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
        b'{"model": "gpt-4o", "messages": NaN}',
        b'{"a": 1, "a": 2}',
        b"[]",
        b'"just a string"',
        b'{"model": "gpt-4o", "messages": [{"role": "tool", "tool_call_id": "\\ud83d"}]}',
    ],
    ids=repr,
)
def test_malformed_bodies_become_findings_and_storable_rows(raw: bytes, tmp_path):
    url = "https://api.openai.com/v1/chat/completions"
    analysis = analyse_request(raw, url)
    assert analysis.internal_errors == []
    capture = Capture(
        flow_id="f",
        started=0.0,
        ended=1.0,
        method="POST",
        scheme="https",
        host="api.openai.com",
        port=443,
        path="/v1/chat/completions",
        url=url,
        provider=analysis.target.provider.id,
        model=analysis.model,
        stream=analysis.stream,
        request_headers=[("content-type", "application/json")],
        request_text=raw.decode("utf-8", "replace"),
        request_is_json=analysis.body is not None,
        request_bytes=len(raw),
        findings=analysis.findings,
        secrets=[],
        verdict="unexplained",
        status=400,
        response_body=b'{"error": {"message": "bad \\ud800", "code": 18446744073709551616, "param": null}}',
        response_content_type="application/json",
    )
    db = open_db(tmp_path / "t.db")
    write_rows(db, [capture.to_row()])
    (row,) = db["flows"].rows
    assert (row["id"], row["error_code"], row["finding_count"]) == (
        "f",
        "18446744073709551616",
        len(analysis.findings),
    )
    assert row["error_message"] == "bad \\ud800"


def test_a_million_bad_elements_give_capped_findings_per_rule():
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}] + [{"role": "tool"}] * 100_000}
    analysis = analyse_request(json.dumps(body), "https://api.openai.com/v1/chat/completions")
    by_rule: dict[str, int] = {}
    for finding in analysis.findings:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
    assert by_rule and all(n <= MAX_FINDINGS_PER_RULE + 1 for n in by_rule.values())
    capped = [f for f in analysis.findings if f.message.startswith("and ")]
    assert capped, analysis.findings[-3:]
    assert all(" more " in f.message for f in capped)
