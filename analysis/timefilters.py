"""``--since``/``--until`` values: ``7d``/``24h``/``30m`` ago or an ISO date/time, as the text form
stored in ``flows.datetime_utc``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from toolguard_analysis.errors import BadParameter

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(value: str | None, now: datetime | None = None) -> str | None:
    """``7d``/``24h``/``30m`` (ago) or an ISO date/time -> the text form stored in ``datetime_utc``."""
    if not value:
        return None
    value = value.strip()
    match = _RELATIVE.match(value)
    if match:
        now = now or datetime.now(UTC)
        moment = now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadParameter(
            f"{value!r}: use an ISO date/time (2026-11-01, 2026-11-01T12:00) or 7d/24h/30m"
        ) from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
