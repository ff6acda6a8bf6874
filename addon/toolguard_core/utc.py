"""The one text form of a moment in toolguard's rows (``datetime_utc``): ISO 8601 in UTC with
milliseconds and a ``Z``, sortable as text. Kept apart from the store so the summary library can read
and write it without loading the store's dependencies (sqlite-utils loads click)."""

from __future__ import annotations

from datetime import UTC, datetime


def format_utc(timestamp: float) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. ``2026-11-22T20:45:28.123Z`` (sortable as text)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_utc(text: object) -> float | None:
    """The POSIX time of a ``datetime_utc`` value (:func:`format_utc`'s, or any ISO 8601 text), or
    ``None`` for anything else."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
