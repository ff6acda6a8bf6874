"""The summary: recurring failure patterns across one or more capture databases.

:func:`build_summary` reads the ``flows`` and ``findings`` tables (docs/schema.md) and returns one plain
dict, the documented JSON format (docs/summary.md); the text, markdown and HTML formats render that
dict, so every format shows the same numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from toolguard_analysis.db import Source, load, load_learned, load_repairs
from toolguard_analysis.fingerprint import NORMALISER_VERSION, fingerprint, normalise
from toolguard_analysis.patterns import explain
from toolguard_core.dburl import label
from toolguard_core.verdict import Verdict, error_text, recognise_stored, row_rejected

SUMMARY_FORMAT_VERSION = 1
# The HTML report's per-flow drill-downs: the newest flows, bounded so a large capture stays a page.
MAX_FLOW_DETAILS = 500
EXAMPLE_FLOWS = 3
EXCERPT_CONTENT_CHARS = 160


def is_rejected(flow: dict[str, Any]) -> bool:
    return row_rejected(flow.get("verdict"), flow.get("status"), flow.get("error_message"))


def fingerprint_text(flow: dict[str, Any]) -> str:
    """What is fingerprinted: the flow's error text (:func:`toolguard_core.verdict.error_text`, the
    innermost provider message), else a stand-in naming the status.

    A gateway's own words say little ("Provider returned error" from OpenRouter, a LiteLLM
    "BadRequestError: ... Error code: 400 - {...}" wrapper): the provider's error nested inside
    (``error_json``'s ``upstream`` chain, see docs/errors.md) is what identifies the failure.
    """
    text = error_text(flow.get("error_json"), flow.get("error_message"))
    if text:
        return text
    parts = [f"HTTP {flow['status']}" if flow.get("status") is not None else "no response"]
    if flow.get("error_type"):
        parts.append(str(flow["error_type"]))
    return " ".join(parts) + " (no error message)"


_LOCATION_INDEX = re.compile(r"messages?\.?\[?\s*(\d+)")


def message_index(location: str | None) -> int | None:
    """``messages[4].tool_call_id`` / ``messages.[3].role`` / ``messages.0`` -> 4 / 3 / 0."""
    if not location:
        return None
    match = _LOCATION_INDEX.search(location)
    return int(match.group(1)) if match else None


def _short(value: Any, limit: int = EXCERPT_CONTENT_CHARS) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        parts = []
        if isinstance(value, list):
            for part in value:
                if isinstance(part, dict) and part.get("type") == "text":
                    parts.append(str(part.get("text", "")))
                elif isinstance(part, dict) and part.get("type") in ("tool_use", "tool_result"):
                    # Anthropic's blocks: the ids are what a pairing error is about.
                    ident = part.get("id") if part.get("type") == "tool_use" else part.get("tool_use_id")
                    name = f" {part['name']}" if isinstance(part.get("name"), str) else ""
                    parts.append(f"[{part['type']} {ident}{name}]")
                else:
                    parts.append(f"[{part.get('type', 'part')}]" if isinstance(part, dict) else str(part))
        value = " ".join(parts) if parts else json.dumps(value, ensure_ascii=False)
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def excerpt(flow: dict[str, Any], location: str | None) -> dict[str, Any] | None:
    """The messages around ``location`` (two before, one after), long contents truncated."""
    try:
        body = json.loads(flow.get("request_json") or "null")
    except ValueError:
        return None
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages:
        return None
    index = message_index(location)
    if index is None or index >= len(messages):
        index = len(messages) - 1
    start, end = max(0, index - 2), min(len(messages), index + 2)
    shown = []
    for i in range(start, end):
        message = messages[i]
        if not isinstance(message, dict):
            shown.append({"index": i, "value": _short(message)})
            continue
        item: dict[str, Any] = {"index": i, "role": message.get("role")}
        if message.get("content") is not None:
            item["content"] = _short(message.get("content"))
        if isinstance(message.get("tool_calls"), list):
            item["tool_calls"] = [
                {"id": c.get("id"), "name": (c.get("function") or {}).get("name")}
                for c in message["tool_calls"]
                if isinstance(c, dict)
            ]
        if "tool_call_id" in message:
            item["tool_call_id"] = message.get("tool_call_id")
        shown.append(item)
    return {
        "flow_id": flow["id"],
        "location": location,
        "focus": index,
        "messages_total": len(messages),
        "messages": shown,
    }


def _ranked(values: Iterable[str | None]) -> list[str]:
    counts = Counter(v for v in values if v)
    return [value for value, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


#: The vocabulary for a rejection (the verdict column's rejected values): a rule flagged it before
#: the answer, the error text names a known root cause, or neither.
EXPLANATIONS = (Verdict.PREDICTED.value, Verdict.RECOGNISED.value, Verdict.UNEXPLAINED.value)


def stored_cause(flow: dict[str, Any], error_rules: Sequence[str]) -> dict[str, Any] | None:
    """The flow's root cause: its ``cause_json`` as written (the same record the verdict column was
    decided with, so the summary and the column agree; ``toolguard reexplain`` refreshes both), or,
    for a database written before root causes were stored, recognised now."""
    if flow.get("causes_stored", True):
        try:
            cause = json.loads(flow.get("cause_json") or "null")
        except ValueError:
            return None
        return cause if isinstance(cause, dict) and cause.get("cause") else None
    recognition = recognise_stored(
        flow.get("error_json"),
        flow.get("error_message"),
        provider=flow.get("provider"),
        finding_rules=error_rules,
        status=flow.get("status") if isinstance(flow.get("status"), int) else None,
    )
    return recognition.summary() if recognition is not None else None


def explanation(error_rules: Sequence[str], cause: dict[str, Any] | None) -> str:
    """``predicted``, ``recognised`` or ``unexplained``: the same decision as the verdict column
    (:func:`toolguard_core.verdict.explained`), made again so older rows read the same way."""
    if error_rules:
        return Verdict.PREDICTED.value
    return (Verdict.RECOGNISED if cause else Verdict.UNEXPLAINED).value


def group_key(cause_id: str | None, pattern: str | None, fp: str) -> str:
    """A group's stable id (anchors in the HTML report): its root cause, its rule and its wording."""
    return hashlib.sha256(f"{cause_id or '-'}\n{pattern or '-'}\n{fp}".encode()).hexdigest()[:12]


def _main_explanation(counts: Counter[str]) -> str:
    for name in EXPLANATIONS:
        if counts.get(name):
            return name
    return Verdict.UNEXPLAINED.value


def _series_name(flow: dict[str, Any]) -> str:
    """The chart's series of a rejection: its rule, else its root cause, else unexplained."""
    return flow.get("pattern") or (flow["cause"] or {}).get("cause") or Verdict.UNEXPLAINED.value


#: Bucket units by the capture's span: (unit, longest span, ISO prefix length, step).
BUCKET_UNITS: tuple[tuple[str, timedelta, int, timedelta], ...] = (
    ("minute", timedelta(hours=3), 16, timedelta(minutes=1)),
    ("hour", timedelta(days=2), 13, timedelta(hours=1)),
    ("day", timedelta.max, 10, timedelta(days=1)),
)


def _parse_utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _bucket_format(first: str | None, last: str | None) -> tuple[str, int]:
    """Minute buckets for a capture of up to three hours, hours up to two days, days beyond."""
    if first and last:
        try:
            span = _parse_utc(last) - _parse_utc(first)
        except ValueError:
            return "day", 10
        for unit, longest, width, _ in BUCKET_UNITS:
            if span <= longest:
                return unit, width
    return "day", 10


def _all_buckets(present: Iterable[str], unit: str) -> list[str]:
    """Every bucket from the first to the last with data, empty ones included: a time axis without gaps."""
    present = sorted(present)
    if not present:
        return []
    width, step = next((w, st) for u, _, w, st in BUCKET_UNITS if u == unit)
    suffix = {"minute": ":00", "hour": ":00:00", "day": "T00:00:00"}[unit]
    try:
        current, end = (datetime.fromisoformat(b + suffix) for b in (present[0], present[-1]))
    except ValueError:
        return present
    buckets = []
    while current <= end and len(buckets) < 5000:  # bounded: a corrupt timestamp must not loop on
        buckets.append(current.isoformat()[:width])
        current += step
    return sorted(set(buckets) | set(present))


def flow_details(
    flows: Iterable[dict[str, Any]], findings: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Each flow for a per-flow drill-down (the HTML report): its answer, its findings with their
    fixes, the messages around the first finding, newest first, at most :data:`MAX_FLOW_DETAILS`."""
    details = []
    for flow in sorted(flows, key=lambda f: (f.get("datetime_utc") or "", f["id"]), reverse=True)[
        :MAX_FLOW_DETAILS
    ]:
        flow_findings = findings.get(flow["id"], [])
        location = flow_findings[0]["location"] if flow_findings else flow.get("error_param")
        details.append(
            {
                "id": flow["id"],
                "datetime_utc": flow.get("datetime_utc"),
                "host": flow.get("host"),
                "path": flow.get("path"),
                "model": flow.get("model"),
                "client": flow.get("client_name"),
                "status": flow.get("status"),
                "verdict": flow.get("verdict"),
                "error": error_text(flow.get("error_json"), flow.get("error_message")),
                "flow_error": flow.get("flow_error"),
                "pattern": flow.get("pattern"),
                "fingerprint": flow.get("fingerprint"),
                "findings": [
                    {k: f[k] for k in ("rule", "severity", "location", "message")} for f in flow_findings
                ],
                "excerpt": excerpt(flow, location),
            }
        )
    return details


def repair_stats(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Repairs per rule (repair mode, docs/modes.md): how many were applied, how many requests the
    upstream then accepted (``repaired``) or still rejected (``repair_failed``), the success rate over
    those two, and how many were left as is (not safe, family off, or the fix failed re-validation).
    ``rows`` are ``repairs`` rows with their flow's ``verdict``; ``toolguard run``'s report shares this."""
    stats: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"applied": 0, Verdict.REPAIRED.value: 0, Verdict.REPAIR_FAILED.value: 0, "not_applied": 0}
    )
    for row in rows:
        entry = stats[row["rule"]]
        if not row["applied"]:
            entry["not_applied"] += 1
            continue
        entry["applied"] += 1
        if row.get("verdict") in (Verdict.REPAIRED, Verdict.REPAIR_FAILED):
            entry[row["verdict"]] += 1
    out = []
    for rule, entry in stats.items():
        judged = entry["repaired"] + entry["repair_failed"]
        out.append(
            {"rule": rule, **entry, "success_rate": round(entry["repaired"] / judged, 4) if judged else None}
        )
    out.sort(key=lambda r: (-r["applied"], -r["not_applied"], r["rule"]))
    return out


def build_summary(
    paths: Sequence[Source],
    since: str | None = None,
    until: str | None = None,
    host: str | None = None,
    client: str | None = None,
    model: str | None = None,
    with_flows: bool = False,
) -> dict[str, Any]:
    """The summary dict (docs/summary.md). ``with_flows`` adds ``flows``: each flow's details for the
    HTML report's drill-downs (:func:`flow_details`)."""
    flows, findings = load(paths, since, until, host, client, model)
    learned = load_learned(paths)
    groups: dict[tuple[str | None, str | None, str], list[dict[str, Any]]] = defaultdict(list)
    for flow in flows:
        if not is_rejected(flow):
            continue
        error_rules = [f["rule"] for f in findings.get(flow["id"], []) if f["severity"] == "error"]
        cause = stored_cause(flow, error_rules)
        flow["cause"] = cause
        flow["explanation"] = explanation(error_rules, cause)
        # Rules are matched against the same text that is fingerprinted: the innermost provider
        # message, so an OpenRouter-wrapped OpenAI error is explained by OpenAI's wording.
        text = error_text(flow.get("error_json"), flow.get("error_message"))
        flow["pattern"] = explain(text, error_rules) or (cause or {}).get("rule")
        flow["fingerprint"] = fingerprint(fingerprint_text(flow))
        # Keyed by root cause AND rule, not by the sentence alone: OpenAI answers an orphan tool
        # message and a duplicate tool answer with one sentence; the rule that fired tells them apart.
        cause_id = cause["cause"] if cause else None
        groups[(cause_id, flow["pattern"], flow["fingerprint"])].append(flow)
    verdicts = Counter(flow.get("verdict") or "unknown" for flow in flows)

    group_items: list[dict[str, Any]] = []
    for (cause_id, pattern, fp), members in groups.items():
        members.sort(key=lambda f: (f.get("datetime_utc") or "", f["id"]))
        example = next(
            (f for f in reversed(members) if f.get("pattern") == pattern and findings.get(f["id"])),
            members[-1],
        )
        example_findings = findings.get(example["id"], [])
        location = next(
            (f["location"] for f in example_findings if f["rule"] == pattern),
            next((f["location"] for f in example_findings), example.get("error_param")),
        )
        explanations = Counter(f["explanation"] for f in members)
        cause = next((f["cause"] for f in reversed(members) if f["cause"]), None)
        group_items.append(
            {
                "fingerprint": fp,
                "key": group_key(cause_id, pattern, fp),
                "pattern": pattern,
                "cause": cause_id,
                "cause_title": cause.get("title") if cause else None,
                "fix": cause.get("fix") if cause else None,
                "values": cause.get("values") if cause else None,
                "explanation": _main_explanation(explanations),
                "explanations": dict(sorted(explanations.items())),
                "count": len(members),
                "template": normalise(fingerprint_text(members[0])),
                "error_message": fingerprint_text(example),
                "flow_ids": [f["id"] for f in members],
                "example_flow_ids": [f["id"] for f in members[-EXAMPLE_FLOWS:]][::-1],
                "first_seen": members[0].get("datetime_utc"),
                "last_seen": members[-1].get("datetime_utc"),
                "clients": _ranked(f.get("client_name") for f in members),
                "models": _ranked(f.get("model") for f in members),
                "hosts": _ranked(f.get("host") for f in members),
                "providers": _ranked(f.get("error_provider") or f.get("provider") for f in members),
                "statuses": sorted({f["status"] for f in members if f.get("status") is not None}),
                "verdicts": dict(Counter(f.get("verdict") or "unknown" for f in members)),
                "excerpt": excerpt(example, location),
            }
        )
    group_items.sort(key=lambda g: (-g["count"], g["last_seen"] or "", g["fingerprint"]))

    unexplained = [
        {k: g[k] for k in ("fingerprint", "count", "template", "statuses", "flow_ids", "last_seen")}
        for g in group_items
        if g["explanation"] == Verdict.UNEXPLAINED
    ]

    rule_stats: dict[str, dict[str, Any]] = defaultdict(
        lambda: {Verdict.PREDICTED.value: 0, Verdict.FALSE_ALARM.value: 0, "false_alarm_flow_ids": []}
    )
    for flow in flows:
        verdict = flow.get("verdict")
        if verdict not in (Verdict.PREDICTED, Verdict.FALSE_ALARM):
            continue
        for rule in sorted({f["rule"] for f in findings.get(flow["id"], []) if f["severity"] == "error"}):
            rule_stats[rule][verdict] += 1
            if verdict == Verdict.FALSE_ALARM:
                rule_stats[rule]["false_alarm_flow_ids"].append(flow["id"])
    rules = []
    for rule, stats in rule_stats.items():
        total = stats["predicted"] + stats["false_alarm"]
        rules.append(
            {"rule": rule, **stats, "precision": round(stats["predicted"] / total, 4) if total else None}
        )
    demoted = [row for row in learned["calibration"] if row.get("demoted_at")]
    for item in rules:
        item["demoted"] = [
            f"{row['host']} {row['model'] or '*'}" for row in demoted if row["rule"] == item["rule"]
        ]
    rules.sort(key=lambda r: (-r["false_alarm"], -r["predicted"], r["rule"]))

    repairs = repair_stats(load_repairs(paths, {flow["id"]: flow for flow in flows}))

    rejected = [f for g in groups.values() for f in g]
    first = min((f["datetime_utc"] for f in rejected if f.get("datetime_utc")), default=None)
    last = max((f["datetime_utc"] for f in rejected if f.get("datetime_utc")), default=None)
    unit, width = _bucket_format(first, last)
    timeline: dict[str, Counter[str]] = defaultdict(Counter)
    for flow in rejected:
        if flow.get("datetime_utc"):
            timeline[flow["datetime_utc"][:width]][_series_name(flow)] += 1
    buckets = _all_buckets(timeline, unit)
    series_names = sorted({name for counter in timeline.values() for name in counter})

    extra: dict[str, Any] = {"flows": flow_details(flows, findings)} if with_flows else {}
    return {
        "format_version": SUMMARY_FORMAT_VERSION,
        "normaliser_version": NORMALISER_VERSION,
        "databases": [label(p) for p in paths],
        "filters": {"since": since, "until": until, "host": host, "client": client, "model": model},
        "totals": {
            "flows": len(flows),
            "rejected": len(rejected),
            "groups": len(group_items),
            **{name: sum(1 for f in rejected if f["explanation"] == name) for name in EXPLANATIONS},
        },
        "verdicts": dict(sorted(verdicts.items())),
        "groups": group_items,
        "unexplained": unexplained,
        "rules": rules,
        "learned": learned["constraints"],
        "demoted": demoted,
        "repairs": repairs,
        "timeline": {
            "unit": unit,
            "buckets": buckets,
            "series": {name: [timeline[b][name] for b in buckets] for name in series_names},
        },
        **extra,
    }
