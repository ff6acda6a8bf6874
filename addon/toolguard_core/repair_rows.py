"""A flow's ``repairs`` rows stored without the bodies that can be derived (m010_repair_patches).

Each applied repair step has the RFC 6902 patch that made it (``patch_json``). The request after the
step is the request before it with that patch applied, and the request before step *k* is the
request after step *k - 1*. Stored whole, a three-step repair of a 1 MB conversation took 6 MB for
1 MB of content; stored compactly it keeps the first step's ``request_before`` whole, next to the
patches, and NULL in place of a body that the patches give back byte for byte.

:func:`compact` is what the writer stores (a body is left out only when :func:`expand` rebuilds the
exact same text: a patch or body that redaction changed keeps its body whole); :func:`expand` is what
every reader (``toolguard show``, the tests, anyone with Python) reads. Pure functions over rows as
mappings, in ``idx`` order, of one flow: the same for SQLite and PostgreSQL rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import jsonpatch

BODY_COLUMNS = ("request_before", "request_after")


def patched(before: str | None, patch_json: str | None) -> str | None:
    """The request body after applying ``patch_json`` to ``before``, as the writer serialises it
    (``json.dumps(..., ensure_ascii=False)``, capture.py), or None when it cannot be applied."""
    if before is None or patch_json is None:
        return None
    try:
        return json.dumps(
            jsonpatch.apply_patch(json.loads(before), json.loads(patch_json)), ensure_ascii=False
        )
    except (ValueError, TypeError, jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
        return None


def _carries_bodies(row: Mapping[str, Any]) -> bool:
    return bool(row.get("applied")) and row.get("patch_json") is not None


def compact(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (one flow's, idx order, bodies whole) with each derivable body set to None."""
    out: list[dict[str, Any]] = []
    previous_after: str | None = None
    for row in rows:
        row = dict(row)
        if _carries_bodies(row):
            before, after = row.get("request_before"), row.get("request_after")
            if after is not None and patched(before, row["patch_json"]) == after:
                row["request_after"] = None
            if before is not None and before == previous_after:
                row["request_before"] = None
            previous_after = after
        out.append(row)
    return out


def expand(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (one flow's, idx order) with every applied step's bodies whole: the inverse of
    :func:`compact` (rows stored whole pass unchanged)."""
    out: list[dict[str, Any]] = []
    previous_after: str | None = None
    for row in rows:
        row = dict(row)
        if _carries_bodies(row):
            if row.get("request_before") is None:
                row["request_before"] = previous_after
            if row.get("request_after") is None:
                row["request_after"] = patched(row["request_before"], row["patch_json"])
            previous_after = row["request_after"]
        out.append(row)
    return out
