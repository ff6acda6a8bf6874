#!/usr/bin/env python
"""Precision of the request-aware tier (``toolguard_core.causes.REQUEST_TIER``) on the labelled rows
that carry their request: the development split (never the held-out one) and the probe set.

    .venv/bin/python scripts/eval_request_tier.py          # the table
    .venv/bin/python scripts/eval_request_tier.py --rows   # plus each claim (dev and probe only)

Two settings, as docs/errors.md "Generalisation" reports them:

* the tier alone: every row with a request, the tier run on its error chain as if no text tier
  existed (how often it claims, and how often the claim is the row's label);
* where it runs: the rows the text tiers (sentences, codes, families) leave unnamed, which is the
  only place ``recognise_error`` consults it (before the status alone).

A claim is right when the row's label is the recognised cause id or rule id (``Recognition.matches``).
Not a trained tier (nothing is fitted to these rows), so no cross-validation is needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_causes import _DEV_SPLIT, CORPUS_GLOB, PROBE, ROOT

from toolguard_core.causes import Recognition, recognise_error, recognise_request
from toolguard_core.upstream_errors import parse_error


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    split: str
    provider: str | None
    label: str
    body: str
    status: int | None
    request: Mapping[str, Any]


def rows_with_requests() -> Iterator[Row]:
    """Development rows (held-out lines are skipped before they are decoded) and probe rows."""
    for path in [*sorted(ROOT.glob(CORPUS_GLOB)), PROBE]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            if path != PROBE and not _DEV_SPLIT.search(line):
                continue  # a held-out row is never decoded
            data: dict[str, Any] = json.loads(line)
            request = data.get("request")
            if not isinstance(request, dict):
                continue
            body = data.get("body")
            yield Row(
                id=str(data["id"]),
                split="probe" if path == PROBE else "dev",
                provider=data.get("provider"),
                label=str(data.get("root_cause") or ""),
                body=body if isinstance(body, str) else json.dumps(body),
                status=data.get("status") if isinstance(data.get("status"), int) else None,
                request=request,
            )


def tier_alone(row: Row) -> Recognition | None:
    error = parse_error(row.body, status=row.status)
    if error is None:
        return None
    for message in reversed(error.chain()):
        found = recognise_request(message.message, row.request, provider=row.provider)
        if found is not None:
            return found
    return None


def where_it_runs(row: Row) -> tuple[bool, Recognition | None]:
    """(the text tiers leave the row unnamed, what the tier then names)."""
    error = parse_error(row.body, status=row.status)
    text_only = recognise_error(error, provider=row.provider)
    if text_only is not None:
        return False, None
    with_request = recognise_error(error, provider=row.provider, request=row.request)
    return True, with_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", action="store_true", help="print each claim")
    args = parser.parse_args()
    rows = list(rows_with_requests())
    print(f"rows with a request: {len(rows)} ({sum(r.split == 'dev' for r in rows)} dev)")
    print(f"  {'setting':<28} {'rows':>5} {'claims':>7} {'right':>6} {'wrong':>6}")
    alone = [(row, tier_alone(row)) for row in rows]
    claims = [(row, found) for row, found in alone if found is not None]
    right = sum(1 for row, found in claims if found.matches(row.label))
    print(f"  {'the tier alone':<28} {len(rows):>5} {len(claims):>7} {right:>6} {len(claims) - right:>6}")
    runs = [(row, found) for row, (unnamed, found) in ((r, where_it_runs(r)) for r in rows) if unnamed]
    named = [(row, found) for row, found in runs if found is not None]
    right_runs = sum(1 for row, found in named if found.matches(row.label))
    print(
        f"  {'where it runs (text unnamed)':<28} {len(runs):>5} {len(named):>7} {right_runs:>6} "
        f"{len(named) - right_runs:>6}"
    )
    if args.rows:
        for row, found in claims:
            mark = "right" if found.matches(row.label) else "WRONG"
            print(f"    {mark} {row.id} {row.label} -> {found.cause_id}/{found.rule_id} {dict(found.values)}")


if __name__ == "__main__":
    main()
