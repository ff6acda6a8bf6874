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

    def one_line(self) -> str:
        return f"{self.severity} {self.rule} at {self.location}: {self.message}"
