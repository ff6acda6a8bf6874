#!/usr/bin/env python
"""Precision of the request-aware tier (``toolguard_core.causes.REQUEST_TIER``) on the labelled rows
that carry their request: the development split (never the held-out one) and the probe set.

    .venv/bin/python scripts/eval_request_tier.py          # the table
    .venv/bin/python scripts/eval_request_tier.py --rows   # plus each claim (dev and probe only)
    .venv/bin/python scripts/eval_request_tier.py --findings [--rows]  # request findings where the text names nothing

Two settings, as docs/errors.md "Generalisation" reports them:

* the tier alone: every row with a request, the tier run on its error chain as if no text tier
  existed (how often it claims, and how often the claim is the row's label);
* where it runs: the rows the text tiers (sentences, codes, families) leave unnamed, which is the
  only place ``recognise_error`` consults it (before the status alone).

A claim is right when the row's label is the recognised cause id or rule id (``Recognition.matches``).
Not a trained tier (nothing is fitted to these rows), so no cross-validation is needed.

``--findings`` asks the question of issue #10's ceiling (docs/errors.md "Opaque rejections"): when the
answer names nothing (every development and probe row that no tier names, with the request and the
status; the opaque ones, ``toolguard_core.opaque``, counted apart), what do the request rules say about
the request that was sent? The request is the row's recorded one, else the minimal request the held-out
replay sends for a row without one (tests/e2e/test_learn_e2e.py ``_request_for``), analysed against the
row's provider (``eval_rules.url_for``) and against a loopback upstream as the replay has it (an
unrecognised host). A finding *claims* the cause its rule predicts (``cause_rules.ALL_PREDICTING_RULES``
read backwards, only for a rule that predicts exactly one cause; a finding of a rule that predicts none,
such as ``model.rules-skipped``, or several, such as ``spec.out-of-range``, claims nothing); it is right when the row's label is that cause or that rule. Error findings are what the
rule of decision already credits on such an answer (``unspecific``: the flow is ``predicted``); warning
and info findings are what a "probably X" reading would add.
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
from toolguard_core.opaque import is_opaque
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


#: The path and minimal body the held-out replay sends for a row without a recorded request.
_API_PATHS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}


def _replay_request(entry: Mapping[str, Any]) -> tuple[str, dict[str, Any], bool]:
    """(API path, request, whether it is the row's own): as ``_request_for`` in the replay test."""
    api = entry.get("api") if entry.get("api") in _API_PATHS else "chat"
    request = entry.get("request")
    if isinstance(request, dict):
        return _API_PATHS[api], request, True
    model = entry.get("model") or "some-model"
    if api == "responses":
        return _API_PATHS[api], {"model": model, "input": "hi"}, False
    if api == "messages":
        body = {"model": model, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
        return _API_PATHS[api], body, False
    return _API_PATHS[api], {"model": model, "messages": [{"role": "user", "content": "hi"}]}, False


def _unnamed_entries() -> Iterator[dict[str, Any]]:
    """Development rows (held-out lines are never decoded) and probe rows no tier names, with the
    request when the row has one and the status."""
    for path in [*sorted(ROOT.glob(CORPUS_GLOB)), PROBE]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or (path != PROBE and not _DEV_SPLIT.search(line)):
                continue
            entry: dict[str, Any] = json.loads(line)
            body = entry.get("body")
            text = body if isinstance(body, str) else json.dumps(body)
            status = entry.get("status") if isinstance(entry.get("status"), int) else None
            request = entry.get("request") if isinstance(entry.get("request"), dict) else None
            error = parse_error(text, status=status)
            if recognise_error(error, provider=entry.get("provider"), status=status, request=request) is None:
                entry["_opaque"] = is_opaque(error)
                yield entry


def findings_table(show_rows: bool) -> None:
    """Where the text names nothing: what the request's findings would claim (module docstring)."""
    from eval_rules import url_for

    from toolguard_core.analyze import analyse_request
    from toolguard_core.cause_rules import ALL_PREDICTING_RULES
    from toolguard_core.findings import Severity

    predicted: dict[str, set[str]] = {}
    for cause_id, rules in ALL_PREDICTING_RULES.items():
        for rule in rules:
            predicted.setdefault(rule, set()).add(cause_id)
    # a rule that predicts several causes (tools.empty, spec.out-of-range) names none of them alone
    cause_of = {rule: next(iter(causes)) for rule, causes in predicted.items() if len(causes) == 1}
    entries = list(_unnamed_entries())
    own = sum(1 for e in entries if isinstance(e.get("request"), dict))
    dark = [e for e in entries if e["_opaque"]]
    print(
        f"rows the text leaves unnamed: {len(entries)} ({len(dark)} opaque), {own} with their request "
        f"({sum(1 for e in dark if isinstance(e.get('request'), dict))} of them opaque)"
    )
    print(
        f"  {'setting':<34} {'subset':<8} {'rows':>5} {'error: right/claims':>20} {'warn/info: right/claims':>24}"
    )
    for setting in ("the row's provider", "a loopback upstream (the replay)"):
        claims: list[tuple[str, str, str, str, bool]] = []
        tallies = {
            "all": {"rows": 0, "error": [0, 0], "other": [0, 0]},
            "opaque": {"rows": 0, "error": [0, 0], "other": [0, 0]},
        }
        for entry in entries:
            path, request, _ = _replay_request(entry)
            url = url_for(entry) if setting.startswith("the row") else "http://127.0.0.1:9" + path
            analysis = analyse_request(json.dumps(request), url)
            subsets = ["all", "opaque"] if entry["_opaque"] else ["all"]
            for subset in subsets:
                tallies[subset]["rows"] += 1
            label = str(entry.get("root_cause") or "")
            for kind, wanted in (("error", True), ("other", False)):
                fired = [f for f in analysis.findings if (f.severity == Severity.ERROR) == wanted]
                claimed = [(f.rule, cause_of[f.rule]) for f in fired if f.rule in cause_of]
                if not claimed:
                    continue
                rule, cause_id = claimed[0]
                right = label in (rule, cause_id)
                for subset in subsets:
                    tallies[subset][kind][0] += right
                    tallies[subset][kind][1] += 1
                claims.append((str(entry["id"]), kind, rule, cause_id, right))
        for subset, tally in tallies.items():
            error, other = tally["error"], tally["other"]
            print(
                f"  {setting:<34} {subset:<8} {tally['rows']:>5} {f'{error[0]}/{error[1]}':>20}"
                f" {f'{other[0]}/{other[1]}':>24}"
            )
        if show_rows:
            for row_id, kind, rule, cause_id, right in claims:
                print(f"    {'right' if right else 'WRONG'} {row_id} {kind} {rule} -> {cause_id}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", action="store_true", help="print each claim")
    parser.add_argument(
        "--findings",
        action="store_true",
        help="where the text names nothing: what the request's findings would claim (dev and probe only)",
    )
    args = parser.parse_args()
    if args.findings:
        findings_table(args.rows)
        return
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
