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
        try:
            moment = now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        except OverflowError:  # further back than the calendar goes (99999999d): from its start
            moment = datetime.min
        return _stored(moment)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadParameter(
            f"{value!r}: use an ISO date/time (2026-11-01, 2026-11-01T12:00) or 7d/24h/30m"
        ) from exc
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC)
        except OverflowError as exc:  # 0001-01-01T00:00+05:00 is before the calendar's start in UTC
            raise BadParameter(f"{value!r}: out of the range of dates") from exc
    return _stored(moment)


def _stored(moment: datetime) -> str:
    """``datetime_utc``'s text form (``2026-11-01T12:00:00.000Z``), the year in four digits even
    before 1000 (``strftime("%Y")`` writes year 1 as ``1``)."""
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
