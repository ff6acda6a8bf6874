"""What a rule reports: a :class:`Finding` with a stable rule id, a severity and a location."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    """How sure toolguard is that the target provider rejects the request.

    ``error``: the provider rejects this request (grounded in its error text or docs).
    ``warning``: suspicious or risky, but accepted (a client-side repair, a deprecated field,
    a fact that is only inferred). ``info``: context, e.g. a body toolguard did not validate.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Finding(BaseModel):
    """One problem in one request, at one JSON location such as ``messages[4].tool_call_id``."""

    model_config = ConfigDict(frozen=True)

    rule: str
    severity: Severity
    location: str
    message: str

    def as_json(self) -> dict[str, str]:
        """``model_dump(mode="json")``, built directly: every finding of every flagged flow goes
        into its ``flow.metadata`` on the event loop, and pydantic's dump took 4.7 us a finding
        against 0.4 (issue #12; tests/test_findings_json.py keeps the two equal)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "location": self.location,
            "message": self.message,
        }

    def one_line(self) -> str:
        return f"{self.severity} {self.rule} at {self.location}: {self.message}"
