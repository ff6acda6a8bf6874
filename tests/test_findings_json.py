"""``Finding.as_json`` is ``model_dump(mode="json")`` built by hand for the event loop (issue #12):
the two must stay equal, value and type, for every finding the rules give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.findings import Finding, Severity

DATA = Path(__file__).parent / "data"
CHAT = "https://api.openai.com/v1/chat/completions"

# Real rule output: an orphan tool message, a tool without a name and out-of-range parameters, and a
# body that is not JSON.
BODIES = {
    "orphan tool message": {
        "model": "gpt-4o",
        "messages": [
            {"role": "tool", "tool_call_id": "call_orphan", "content": "stale result"},
            {"role": "user", "content": "hi"},
        ],
    },
    "tool without a name, stray fields": {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"parameters": {"type": "object"}}}],
        "tool_choice": "required",
        "temperature": 9,
    },
    "not JSON": "{not json",
}


def findings_of(body: object) -> list[Finding]:
    raw = body if isinstance(body, str) else json.dumps(body)
    return analyse_request(raw.encode(), CHAT).findings


@pytest.mark.parametrize("name", sorted(BODIES))
def test_as_json_is_the_json_dump_of_every_finding(name):
    findings = findings_of(BODIES[name])
    assert findings, name  # each body gives real findings to compare
    for finding in findings:
        dumped = finding.as_json()
        assert dumped == finding.model_dump(mode="json")
        # Plain str values, as pydantic's JSON mode gives them (not the Severity enum).
        assert {key: type(value) for key, value in dumped.items()} == dict.fromkeys(dumped, str)


def test_as_json_names_every_field_of_the_model():
    finding = Finding(rule="r", severity=Severity.WARNING, location="body", message="m")
    assert list(finding.as_json()) == list(Finding.model_fields)
