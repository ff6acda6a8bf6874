"""A stored rejection built the way the writer builds it, for the verdict tests (test_verdict_credit.py,
test_verdict_decision.py): the error and cause columns come from the real parser and recogniser, so a
row is what toolguard would have stored for that answer, not a hand-written guess."""

from __future__ import annotations

import json
from typing import Any

from toolguard_core.causes import recognise_error
from toolguard_core.store import FindingRow, FlowRow
from toolguard_core.upstream_errors import parse_error


def body_bytes(body: Any) -> bytes:
    """An answer's body as the wire carries it: bytes as they are, a text encoded, anything else as JSON."""
    if isinstance(body, bytes):
        return body
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


def rejection_row(
    flow_id: str,
    status: int,
    body: Any,
    findings: list[tuple[str, str]],
    verdict: str,
    *,
    host: str,
    provider: str,
    model: str,
) -> FlowRow:
    """A flow whose request drew ``findings`` (rule, location: all errors) and whose upstream answered
    ``status`` with ``body``, stored with ``verdict``."""
    error = parse_error(body_bytes(body), status=status, content_type="application/json")
    rules = [rule for rule, _ in findings]
    recognition = recognise_error(error, finding_rules=rules, status=status)
    return FlowRow(
        id=flow_id,
        datetime_utc="2026-11-30T10:00:00.000Z",
        host=host,
        provider=provider,
        model=model,
        status=status,
        verdict=verdict,
        error_message=error.message,
        error_type=error.type,
        error_json=json.dumps(error.summary()),
        cause_id=recognition.cause_id if recognition else None,
        cause_json=json.dumps(recognition.summary(), sort_keys=True) if recognition else None,
        finding_count=len(findings),
        error_finding_count=len(findings),
        findings=[
            FindingRow(idx=i, rule=rule, severity="error", location=location, message="m")
            for i, (rule, location) in enumerate(findings)
        ],
    )
