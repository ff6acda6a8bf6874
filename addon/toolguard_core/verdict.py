"""The link between toolguard's prediction and the upstream's answer, as one word per stored flow.

=================  =====================================================================================
verdict            meaning
=================  =====================================================================================
``predicted``      toolguard found an error-severity problem and the upstream rejected the request
                   (status >= 400, or an error event inside a 200 stream)
``unexplained``    the upstream rejected the request and toolguard had no error finding: a candidate
                   for a new rule (this includes 401/429/5xx; filter on ``status`` to narrow it)
``false_alarm``    toolguard found an error-severity problem but the upstream accepted the request
``no_answer``      no upstream response at all: connection refused, timeout, client gone before the
                   response headers, body size limit (``flow_error`` says which)
``accepted``       the upstream accepted a request that had findings of lower severity only
                   (warnings/info); stored because of those findings
=================  =====================================================================================

A response that started (a status is known) counts as the upstream's answer even if the client
disconnected later in the stream: the upstream took the request. ``flow_error`` still records the
disconnect. See docs/errors.md.
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    PREDICTED = "predicted"
    UNEXPLAINED = "unexplained"
    FALSE_ALARM = "false_alarm"
    NO_ANSWER = "no_answer"
    ACCEPTED = "accepted"


def rejected(status: int | None, stream_error: bool) -> bool:
    """Did the upstream reject the request? A status >= 400, or an error event inside a 2xx stream."""
    return (status is not None and status >= 400) or stream_error


def verdict(has_error_finding: bool, status: int | None, stream_error: bool, flow_error: str | None) -> str:
    """One :class:`Verdict` value for a stored flow.

    ``status`` is ``None`` when no response arrived; ``flow_error`` is mitmproxy's ``flow.error.msg``
    (kept in the row, not needed for the decision: with no status there is no answer whatever the
    reason, and with a status the upstream has answered even if the flow failed afterwards).
    """
    del flow_error  # the reason matters for the row, not for the verdict (see the docstring)
    if status is None and not stream_error:
        return Verdict.NO_ANSWER.value
    if rejected(status, stream_error):
        return (Verdict.PREDICTED if has_error_finding else Verdict.UNEXPLAINED).value
    return (Verdict.FALSE_ALARM if has_error_finding else Verdict.ACCEPTED).value
