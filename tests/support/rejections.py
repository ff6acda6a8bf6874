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
    datetime_utc: str = "2026-11-30T10:00:00.000Z",
) -> FlowRow:
    """A flow whose request drew ``findings`` (rule, location: all errors) and whose upstream answered
    ``status`` with ``body`` (``None``: an answer with no error to parse, e.g. accepted), stored with
    ``verdict``."""
    rules = [rule for rule, _ in findings]
    error = recognition = None
    if body is not None:
        error = parse_error(body_bytes(body), status=status, content_type="application/json")
        recognition = recognise_error(error, finding_rules=rules, status=status)
    return FlowRow(
        id=flow_id,
        datetime_utc=datetime_utc,
        host=host,
        provider=provider,
        model=model,
        status=status,
        verdict=verdict,
        error_message=error.message if error else None,
        error_type=error.type if error else None,
        error_json=json.dumps(error.summary()) if error else None,
        cause_id=recognition.cause_id if recognition else None,
        cause_json=json.dumps(recognition.summary(), sort_keys=True) if recognition else None,
        finding_count=len(findings),
        error_finding_count=len(findings),
        findings=[
            FindingRow(idx=i, rule=rule, severity="error", location=location, message="m")
            for i, (rule, location) in enumerate(findings)
        ],
    )
