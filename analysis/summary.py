"""The summary: recurring failure patterns across one or more capture databases.

:func:`build_summary` aggregates the ``flows`` table in SQL (docs/schema.md): each row carries its
grouping keys (fingerprint, pattern, explanation, group, client name; computed when it was written,
``toolguard_core.grouping``), so the summary is a handful of ``GROUP BY`` queries over covering
indexes plus a bounded number of example rows per group, never every flow (issue #12: a million flows
in seconds and a few hundred MB). It returns one plain dict, the documented JSON format
(docs/summary.md); the text, markdown and HTML formats render that dict, so every format shows the
same numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from toolguard_analysis.db import Source, load_learned, load_runs
from toolguard_analysis.selection import UPSTREAM_SQL, Selection, select_flows
from toolguard_core.clients import (
    RESEND_SECONDS,
    RETRY_COLUMNS,
    RETRY_COUNT_HEADER,
    TRANSIENT_SQL,
    Retry,
    retried,
    retry_count,
    transient_answer,
)
from toolguard_core.conversation import render_responses_items, responses_items
from toolguard_core.dburl import label
from toolguard_core.dedup import FLOW_ROWS_TABLE, PARTS_COLUMN
from toolguard_core.fingerprint import NORMALISER_VERSION, normalise
from toolguard_core.grouping import explanation, fingerprint_text, group_key, stored_cause, summary_version
from toolguard_core.opaque import is_opaque_stored
from toolguard_core.patterns import rule_on_api
from toolguard_core.providers import GENERIC
from toolguard_core.request import endpoint_kind
from toolguard_core.upstreams import upstream_host_sql, upstream_order_sql, upstream_sort_key
from toolguard_core.utc import format_utc, parse_utc
from toolguard_core.verdict import (
    UNCONFIRMED_WORDS,
    Answer,
    Verdict,
    broke_off_sql,
    ended_early_sql,
    error_text,
    judge,
    row_rejected,
)
from toolguard_core.visibility import (
    NOTHING_SEEN,
    UNVALIDATED_RULES,
    ignored_line,
    merge_hosts,
    parse_hosts,
    passed_through_line,
    retries_count_line,
    seen_line,
    skipped_line,
    unchecked_lines,
    unrecognised_line,
)

__all__ = [
    "EXPLANATIONS",
    "build_summary",
    "excerpt",
    "explanation",
    "fingerprint_text",
    "flow_details",
    "group_key",
    "grouping_notes",
    "is_rejected",
    "message_index",
    "repair_stats",
    "retries_words",
    "seen_notes",
    "stored_cause",
    "unconfirmed_line",
]

SUMMARY_FORMAT_VERSION = 1
# The HTML report's per-flow drill-downs: the newest flows, bounded so a large capture stays a page.
MAX_FLOW_DETAILS = 500
EXAMPLE_FLOWS = 3
#: A group lists the ids of its newest flows, at most this many (``count`` says how many it has).
MAX_GROUP_FLOW_IDS = 100
#: A rule lists the ids of its newest false alarms, at most this many.
MAX_RULE_FLOW_IDS = 100
EXCERPT_CONTENT_CHARS = 160


def is_rejected(flow: dict[str, Any]) -> bool:
    return row_rejected(flow.get("verdict"), flow.get("status"), flow.get("error_message"))


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
    if isinstance(body, dict) and not isinstance(messages, list) and "input" in body:
        return _responses_excerpt(flow, body, location)
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


_INPUT_INDEX = re.compile(r"\binput\[(\d+)\]")


def _responses_excerpt(
    flow: dict[str, Any], body: dict[str, Any], location: str | None
) -> dict[str, Any] | None:
    """A Responses API body's items around ``location`` (two before, one after), as the one Responses
    renderer shows them (``transcript``: the content view's and ``toolguard show``'s lines)."""
    items = responses_items(body)
    if not items:
        return None
    match = _INPUT_INDEX.search(location or "")
    index = int(match.group(1)) if match and int(match.group(1)) < len(items) else len(items) - 1
    start, end = max(0, index - 2), min(len(items), index + 2)
    lines = render_responses_items(body, start=start, end=end, max_text=EXCERPT_CONTENT_CHARS)
    return {
        "flow_id": flow["id"],
        "location": location,
        "focus": index,
        "messages_total": len(items),
        "messages": [],
        "transcript": [line for line in lines if line],
    }


def _ranked(counts: Mapping[Any, int], tie: Callable[[Any], Any] = lambda value: value) -> list[str]:
    """The non-empty values, most frequent first (ties: alphabetical, or by ``tie``: hosts by host,
    then numerically by port)."""
    return [
        value
        for value, _ in sorted(((v, n) for v, n in counts.items() if v), key=lambda kv: (-kv[1], tie(kv[0])))
    ]


#: The vocabulary for a rejection (the verdict column's rejected values): a rule flagged it before
#: the answer, the error text names a known root cause, or neither.
EXPLANATIONS = (Verdict.PREDICTED.value, Verdict.RECOGNISED.value, Verdict.UNEXPLAINED.value)


def _main_explanation(counts: Counter[str]) -> str:
    for name in EXPLANATIONS:
        if counts.get(name):
            return name
    return Verdict.UNEXPLAINED.value


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


def flow_details(selection: Selection) -> list[dict[str, Any]]:
    """Each flow for a per-flow drill-down (the HTML report): its answer, its findings with their
    fixes, the messages around the first finding, newest first, at most :data:`MAX_FLOW_DETAILS`
    (read one at a time: only the shown flows' request bodies are read)."""
    details = []
    newest = list(
        selection.query(
            f"select {_DETAIL_COLUMNS} from flows f where {selection.where} "
            f"order by f.datetime_utc desc, f.id desc limit {MAX_FLOW_DETAILS}",
            selection.args,
        )
    )
    for flow in newest:
        flow_findings = _findings(selection, flow["id"])
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
                # The root cause as stored with the flow (its provider's wording of the fix), so the
                # drill-down names what `toolguard show` and the run report name.
                "cause": _cause(flow.get("cause_json"), flow.get("path")),
                "findings": [
                    {k: f[k] for k in ("rule", "severity", "location", "message")} for f in flow_findings
                ],
                "excerpt": excerpt({**flow, "request_json": selection.request_json(flow["id"])}, location),
                # What toolguard changed before sending it (repair mode), as the repairs table says.
                "repairs": _repairs(selection, flow["id"]),
            }
        )
    return details


def _repairs(selection: Selection, flow_id: str) -> list[dict[str, Any]]:
    if not selection.has_repairs:
        return []
    return list(
        selection.query(
            "select rule, location, applied, description from repairs where flow_id = ? order by idx",
            [flow_id],
        )
    )


def repair_stats(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Repairs per rule (repair mode, docs/modes.md): how many were applied, how many requests the
    upstream then accepted (``repaired``) or still rejected (``repair_failed``), the success rate over
    those two, and how many were left as is (not safe, family off, or the fix failed re-validation).
    ``rows`` are ``repairs`` rows with their flow's ``verdict`` (and ``n``, how many such rows, when
    they are counted in SQL); ``toolguard run``'s report shares this."""
    stats: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"applied": 0, Verdict.REPAIRED.value: 0, Verdict.REPAIR_FAILED.value: 0, "not_applied": 0}
    )
    for row in rows:
        entry = stats[row["rule"]]
        n = int(row.get("n", 1))
        if not row["applied"]:
            entry["not_applied"] += n
            continue
        entry["applied"] += n
        if row.get("verdict") in (Verdict.REPAIRED, Verdict.REPAIR_FAILED):
            entry[row["verdict"]] += n
    out = []
    for rule, entry in stats.items():
        judged = entry["repaired"] + entry["repair_failed"]
        out.append(
            {"rule": rule, **entry, "success_rate": round(entry["repaired"] / judged, 4) if judged else None}
        )
    out.sort(key=lambda r: (-r["applied"], -r["not_applied"], r["rule"]))
    return out


def _findings(selection: Selection, flow_id: str) -> list[dict[str, Any]]:
    return list(
        selection.query(
            "select rule, severity, location, message from findings where flow_id = ? order by idx", [flow_id]
        )
    )


#: How the summary names a flow's upstream in its groups, lists and examples.
_UPSTREAM = UPSTREAM_SQL
_UPSTREAM_HOST = upstream_host_sql("f.host")
_UPSTREAM_ORDER = upstream_order_sql("f.host", "f.port", "f.scheme")

#: What an example or a drill-down shows of a flow (never its request body: read separately, once).
#: How many of the flows that got no answer the text and markdown summaries list (newest first).
MAX_NO_ANSWER_LISTED = 10

_DETAIL_COLUMNS = ", ".join(
    f"f.{c}" if c != "host" else f"{_UPSTREAM} as host"
    for c in (
        "id",
        "datetime_utc",
        "host",
        "path",
        "model",
        "client_name",
        "status",
        "verdict",
        "error_message",
        "error_type",
        "error_param",
        "error_json",
        "flow_error",
        "pattern",
        "fingerprint",
        "cause_id",
        "cause_json",
    )
)


def _cause(cause_json: str | None, path: str | None = None) -> dict[str, Any] | None:
    """The stored root cause; given the flow's ``path``, its ``rule`` is the one that predicts the cause
    on that API, or None (a recognition names the catalogue's Chat Completions rule whatever the API:
    patterns.predicting_rule)."""
    cause = stored_cause({"cause_json": cause_json}, ())
    if cause is not None and path is not None:
        cause = {**cause, "rule": rule_on_api(cause, endpoint_kind(path.split("?", 1)[0]))}
    return cause


def _int(value: Any) -> int:
    return int(value or 0)


def build_summary(
    paths: Sequence[Source],
    since: str | None = None,
    until: str | None = None,
    host: str | None = None,
    client: str | None = None,
    model: str | None = None,
    with_flows: bool = False,
) -> dict[str, Any]:
    """The summary dict (docs/summary.md). ``with_flows`` adds ``flows``: the newest flows' details
    for the HTML report's drill-downs (:func:`flow_details`)."""
    learned = load_learned(paths)
    runs = load_runs(paths, since, until)
    with select_flows(paths, since, until, host, client, model) as selection:
        data = _summarise(selection, learned, with_flows)
        narrowed = tuple(
            f"--{name}" for name, value in (("host", host), ("client", client), ("model", model)) if value
        )
        data["seen"] = _seen(selection, runs, host, data["totals"]["flows"], narrowed)
    return {
        "format_version": SUMMARY_FORMAT_VERSION,
        "normaliser_version": NORMALISER_VERSION,
        "databases": [label(p) for p in paths],
        "filters": {"since": since, "until": until, "host": host, "client": client, "model": model},
        **data,
    }


def running_line(count: int) -> str:
    """The sentence for runs whose counts are not written yet (still running, or stopped uncleanly)."""
    runs, its, it = ("1 run", "its", "it") if count == 1 else (f"{count} runs", "their", "they")
    return (
        f"{runs} still running (or stopped without writing {its} counts): how many requests {it} saw is "
        "recorded when mitmdump stops"
    )


#: At most this many unrecognised hosts are listed in the summary's ``seen`` block (the count is whole).
MAX_SEEN_HOSTS = 100


def _seen(
    selection: Selection,
    runs: list[dict[str, Any]],
    host: str | None,
    stored: int,
    narrowed: tuple[str, ...] = (),
) -> dict[str, Any]:
    """What the proxies saw, beyond the stored flows (docs/summary.md, "What was seen"): the requests
    the runs in the time window saw and checked, the requests whose provider and model no catalog knows
    (the model rules were skipped; usually not stored), and the hosts of the selected flows that no
    provider profile recognises. ``notes`` says each in words, once; every format shows them.

    The run counts follow ``--since``/``--until`` (runs overlapping the window) but not ``--host``,
    ``--model`` or ``--client`` (a run row is not per host), and say so when one of those (``narrowed``)
    was given: "saw 8 requests" beside "0 stored flows" for ``--host nosuch`` read as 8 requests to it.
    The skipped hosts follow ``--host``."""
    skipped_hosts = merge_hosts(parse_hosts(run.get("model_rules_skipped_hosts")) for run in runs)
    skipped = sum(int(run.get("model_rules_skipped") or 0) for run in runs)
    # The models of those requests and of local servers' (m018; said once per model): not per host, so
    # a --host narrowing leaves them out, as it leaves out the local count.
    skipped_models = merge_hosts(parse_hosts(run.get("model_rules_skipped_models")) for run in runs)
    skipped_local = sum(int(run.get("model_rules_skipped_local") or 0) for run in runs)
    if host:
        skipped_hosts = {h: n for h, n in skipped_hosts.items() if host.lower() in h.lower()}
        skipped = sum(skipped_hosts.values())
        skipped_models, skipped_local = {}, 0
    # By host, then numerically by port (upstream_sort_key; as text "host:10000" came before
    # "host:8080"), in SQL for the limit, then in Python: PostgreSQL orders text by its collation.
    unrecognised = sorted(
        (
            row["host"]
            for row in selection.query(
                f"select {_UPSTREAM} as host from flows f where {selection.where} and f.provider = ? "
                f"and f.host is not null and f.host != '' group by 1 "
                f"order by min({_UPSTREAM_HOST}), min({_UPSTREAM_ORDER}), 1 limit {MAX_SEEN_HOSTS + 1}",
                [*selection.args, GENERIC.id],
            )
        ),
        key=upstream_sort_key,
    )
    more_hosts = 0
    if len(unrecognised) > MAX_SEEN_HOSTS:
        more_hosts = next(
            selection.query(
                f"select count(distinct {_UPSTREAM}) as n from flows f where {selection.where} and f.provider = ? "
                "and f.host is not null and f.host != ''",
                [*selection.args, GENERIC.id],
            )
        )["n"]
        unrecognised = unrecognised[:MAX_SEEN_HOSTS]
    requests_seen = sum(int(run.get("requests_seen") or 0) for run in runs)
    messages = sum(int(run.get("websocket_messages") or 0) for run in runs)
    validated = sum(int(run.get("validated") or 0) for run in runs)
    notes = []
    # A run's counts reach its row only when mitmdump stops (addon.py, _put_run): a run without an end
    # is still running (or was killed), and its zeros mean "not written yet", not "saw nothing".
    running = sum(1 for run in runs if not run.get("ended_utc"))
    if runs:
        finished = len(runs) - running
        if requests_seen or messages:
            where = f"{finished} finished run(s)" if running else f"{len(runs)} run(s)"
            whole = (
                f" (all of them: {' and '.join(narrowed)} {'narrow' if len(narrowed) > 1 else 'narrows'} the flows, not a run's counts)"
                if narrowed
                else ""
            )
            notes.append(f"{seen_line(requests_seen, validated, messages)} in {where}{whole}")
        elif not running:
            notes.append(NOTHING_SEEN)
        if running:
            notes.append(running_line(running))
    else:
        # Flows copied in (toolguard merge) or a database written before runs were recorded.
        notes.append(
            NOTHING_SEEN
            if not stored
            else "toolguard recorded no run here: how many requests it saw is unknown"
        )
    line = skipped_line(skipped, skipped_hosts, models=skipped_models, local=skipped_local)
    if line:
        notes.append(line)
    # "(N checked)" alone does not say why the others were not: the stored flows a body.* limit
    # passed through unvalidated are counted and named (each has that finding).
    marks = ", ".join("?" * len(UNVALIDATED_RULES))
    unvalidated = {
        row["rule"]: row["n"]
        for row in selection.query(
            # Driven by idx_findings_rule: only the flows with such a finding are read.
            "select x.rule as rule, count(distinct f.id) as n from findings x join flows f on f.id = x.flow_id "
            f"where x.rule in ({marks}) and {selection.where} group by x.rule",
            [*UNVALIDATED_RULES, *selection.args],
        )
    }
    line = passed_through_line(unvalidated)
    if line:
        notes.append(line)
    # The proxies' count (every request, stored or not: a clean run against a gateway stores nothing)
    # and the hosts of the selected stored flows (databases written before runs counted them).
    counted_hosts = merge_hosts(parse_hosts(run.get("unrecognised_hosts")) for run in runs)
    counted = sum(int(run.get("unrecognised_requests") or 0) for run in runs)
    if host:
        counted_hosts = {h: n for h, n in counted_hosts.items() if host.lower() in h.lower()}
        counted = sum(counted_hosts.values())
    named = list(dict.fromkeys([*counted_hosts, *unrecognised]))[:MAX_SEEN_HOSTS]
    # Stored hosts past the capped list are counted in SQL, not named: they may be counted ones.
    host_count = len(set(counted_hosts) | set(unrecognised)) + max(0, more_hosts - len(unrecognised))
    line = unrecognised_line(
        counted,
        counted_hosts,
        unrecognised,
        total_hosts=host_count,
        websocket=any(int(run.get("websocket_messages") or 0) for run in runs),
    )
    if line:
        notes.append(line)
    # The proxies' count of requests no rule validated because of their path (runs from m016 on).
    unchecked_paths = merge_hosts(parse_hosts(run.get("unchecked_paths")) for run in runs)
    unchecked = sum(int(run.get("unchecked_requests") or 0) for run in runs)
    unchecked_rejected = sum(int(run.get("unchecked_rejected") or 0) for run in runs)
    if host:
        # Counted per upstream+path, rejected per run only: under --host the rejections are not said.
        unchecked_paths = {
            p: n for p, n in unchecked_paths.items() if host.lower() in p.split("/", 1)[0].lower()
        }
        unchecked, unchecked_rejected = sum(unchecked_paths.values()), 0
    notes += unchecked_lines(unchecked, unchecked_rejected, unchecked_paths)
    # The requests that were no API call toolguard validates (a GET /v1/models, a health check; runs
    # from m017 on), said as toolguard run's report says them (visibility.ignored_line). Keyed
    # "METHOD upstream/path": under --host only that upstream's.
    ignored_paths = merge_hosts(parse_hosts(run.get("ignored_paths")) for run in runs)
    ignored = sum(int(run.get("ignored_requests") or 0) for run in runs)
    if host:
        ignored_paths = {
            p: n
            for p, n in ignored_paths.items()
            if host.lower() in p.partition(" ")[2].split("/", 1)[0].lower()
        }
        ignored = sum(ignored_paths.values())
    line = ignored_line(ignored, ignored_paths)
    if line:
        notes.append(line)
    return {
        "runs": len(runs),
        "requests_seen": requests_seen,
        "websocket_messages": messages,
        "validated": validated,
        "model_rules_skipped": skipped,
        "model_rules_skipped_hosts": skipped_hosts,
        "model_rules_skipped_local": skipped_local,
        "model_rules_skipped_models": skipped_models,
        "passed_through": unvalidated,
        "unrecognised_requests": counted,
        "unrecognised_hosts": named,
        "unrecognised_host_count": host_count,
        "unchecked_requests": unchecked,
        "unchecked_rejected": unchecked_rejected,
        "unchecked_paths": dict(list(unchecked_paths.items())[:MAX_SEEN_HOSTS]),
        "ignored_requests": ignored,
        "ignored_paths": dict(list(ignored_paths.items())[:MAX_SEEN_HOSTS]),
        "notes": notes,
    }


def _summarise(
    selection: Selection, learned: dict[str, list[dict[str, Any]]], with_flows: bool
) -> dict[str, Any]:
    where, args = selection.where, selection.args
    current = summary_version()

    # Verdicts, and whether every row's grouping columns are current (one covering index).
    verdicts: Counter[str] = Counter()
    versions: Counter[str] = Counter()
    for row in selection.query(
        f"select f.summary_version as version, f.verdict as verdict, count(*) as n from flows f "
        f"where {where} group by f.summary_version, f.verdict",
        args,
    ):
        verdicts[row["verdict"] or "unknown"] += _int(row["n"])
        versions[row["version"] or ""] += _int(row["n"])
    total = sum(verdicts.values())

    # The rejections' span decides the time buckets; then one GROUP BY gives every per-group tally
    # and the timeline (the summary index covers every column it reads).
    span = next(
        selection.query(
            f"select min(f.datetime_utc) as first, max(f.datetime_utc) as last from flows f "
            f"where {where} and f.group_key is not null",
            args,
        )
    )
    unit, width = _bucket_format(span["first"], span["last"])
    tallies: dict[str, dict[str, Any]] = {}
    by_bucket: dict[str, Counter[str]] = defaultdict(Counter)
    for row in selection.query(
        f"select f.group_key as k, substr(f.datetime_utc, 1, {width}) as bucket, f.explanation as explanation, "
        "f.verdict as verdict, f.status as status, f.client_name as client, f.model as model, "
        f"{_UPSTREAM} as host, "
        "f.error_provider as error_provider, f.provider as provider, count(*) as n, "
        "min(f.datetime_utc) as first, max(f.datetime_utc) as last "
        f"from flows f where {where} and f.group_key is not null "
        "group by f.group_key, substr(f.datetime_utc, 1, "
        f"{width}), f.explanation, f.verdict, f.status, f.client_name, f.model, {_UPSTREAM}, f.error_provider, "
        "f.provider",
        args,
    ):
        n = _int(row["n"])
        t = tallies.setdefault(
            row["k"],
            {
                "count": 0,
                "first": None,
                "last": None,
                "explanations": Counter(),
                "verdicts": {},
                "clients": Counter(),
                "models": Counter(),
                "hosts": Counter(),
                "providers": Counter(),
                "answered_by": Counter(),
                "statuses": set(),
            },
        )
        t["count"] += n
        t["first"] = min(filter(None, (t["first"], row["first"])), default=None)
        t["last"] = max(filter(None, (t["last"], row["last"])), default=None)
        t["explanations"][row["explanation"] or Verdict.UNEXPLAINED.value] += n
        # A group's verdicts in the order they first occurred.
        verdict = row["verdict"] or "unknown"
        seen = t["verdicts"].setdefault(verdict, [row["first"] or "", 0])
        seen[0] = min(seen[0], row["first"] or "")
        seen[1] += n
        t["clients"][row["client"]] += n
        t["models"][row["model"]] += n
        t["hosts"][row["host"]] += n
        t["providers"][row["error_provider"] or row["provider"]] += n
        if row["error_provider"]:
            t["answered_by"][row["error_provider"]] += n
        if row["status"] is not None:
            t["statuses"].add(int(row["status"]))
        if row["bucket"]:
            by_bucket[row["bucket"]][row["k"]] += n

    group_items = [_group(selection, key, t) for key, t in tallies.items()]
    group_items.sort(key=lambda g: (-g["count"], g["last_seen"] or "", g["fingerprint"]))

    unexplained = [
        {k: g[k] for k in ("fingerprint", "count", "template", "statuses", "flow_ids", "last_seen", "opaque")}
        for g in group_items
        if g["explanation"] == Verdict.UNEXPLAINED
    ]

    # The chart's series of a rejection: its rule, else its root cause, else unexplained.
    series_of = {g["key"]: g["pattern"] or g["cause"] or Verdict.UNEXPLAINED.value for g in group_items}
    timeline: dict[str, Counter[str]] = defaultdict(Counter)
    for bucket, counts in by_bucket.items():
        for key, n in counts.items():
            timeline[bucket][series_of[key]] += n
    buckets = _all_buckets(timeline, unit)
    series_names = sorted({name for counter in timeline.values() for name in counter})

    rules = _rule_stats(selection, learned, group_items)
    repairs: list[dict[str, Any]] = []
    if selection.has_repairs:
        repairs = repair_stats(
            selection.query(
                "select r.rule as rule, r.applied as applied, f.verdict as verdict, count(*) as n "
                f"from repairs r join flows f on f.id = r.flow_id where {where} "
                "group by r.rule, r.applied, f.verdict",
                args,
            )
        )
    demoted = [row for row in learned["calibration"] if row.get("demoted_at")]
    stale = sum(n for version, n in versions.items() if version and version != current)
    extra: dict[str, Any] = {"flows": flow_details(selection)} if with_flows else {}
    # The flows that got no answer have no error text to group: the text and markdown summaries
    # counted them under Verdicts with no id to look at, while the HTML report listed them
    # (walkthrough13). The newest few, each with what mitmproxy said of the connection.
    no_answer = (
        [
            dict(row)
            for row in selection.query(
                f"select f.id as id, f.datetime_utc as datetime_utc, {_UPSTREAM} as host, f.path as path, "
                f"f.flow_error as flow_error from flows f where {where} and f.verdict = ? "
                f"order by f.datetime_utc desc, f.id desc limit {MAX_NO_ANSWER_LISTED}",
                [*args, Verdict.NO_ANSWER.value],
            )
        ]
        if verdicts.get(Verdict.NO_ANSWER.value)
        else []
    )
    # Answers that started and broke off (verdict.answer_broke_off): stored under the verdict of the
    # part that came ("accepted 5" alone read as five whole answers; trial21a). The newest few.
    # A stream that ended without its end event is one of them (verdict.ENDED_EARLY), also counted apart.
    broke_off_count, ended_count, broke_off = 0, 0, []
    if total:
        counted = next(
            iter(
                selection.query(
                    f"select count(*) as n, coalesce(sum(case when {ended_early_sql('f')} then 1 else 0 end), 0) "
                    f"as ended from flows f where {where} and {broke_off_sql('f')}",
                    args,
                )
            )
        )
        broke_off_count, ended_count = counted["n"], counted["ended"]
    if broke_off_count:
        broke_off = [
            dict(row)
            for row in selection.query(
                f"select f.id as id, f.datetime_utc as datetime_utc, {_UPSTREAM} as host, f.path as path, "
                f"f.flow_error as flow_error from flows f where {where} and {broke_off_sql('f')} "
                f"order by f.datetime_utc desc, f.id desc limit {MAX_NO_ANSWER_LISTED}",
                args,
            )
        ]
    return {
        "totals": {
            "flows": total,
            "rejected": sum(g["count"] for g in group_items),
            "groups": len(group_items),
            **{name: sum(t["explanations"][name] for t in tallies.values()) for name in EXPLANATIONS},
        },
        "verdicts": dict(sorted(verdicts.items())),
        "groups": group_items,
        "unexplained": unexplained,
        "rules": rules,
        "learned": learned["constraints"],
        "demoted": demoted,
        "repairs": repairs,
        "no_answer": no_answer,
        "broke_off": {"count": broke_off_count, "ended_early": ended_count, "flows": broke_off},
        "timeline": {
            "unit": unit,
            "buckets": buckets,
            "series": {name: [timeline[b][name] for b in buckets] for name in series_names},
        },
        # How current the stored grouping columns are (docs/summary.md, "Stale groups").
        "grouping": {
            "summary_version": current,
            "stale_flows": stale,
            "stale_versions": sorted(v for v in versions if v and v != current),
            "ungrouped_flows": versions.get("", 0),
            "derived_on_read": selection.derived_on_read,
        },
        **extra,
    }


def _group(selection: Selection, key: str, t: dict[str, Any]) -> dict[str, Any]:
    """One group's entry: the tallies from the GROUP BY, and its newest members read by index (the ids
    shown, the example with its findings and excerpt)."""
    where, args = selection.where, selection.args
    newest = list(
        selection.query(
            "select f.id, f.pattern, f.fingerprint, f.cause_id, f.cause_json from flows f "
            f"where f.group_key = ? and {where} order by f.datetime_utc desc, f.id desc limit {MAX_GROUP_FLOW_IDS}",
            [key, *args],
        )
    )
    head = newest[0]
    pattern, fp = head["pattern"], head["fingerprint"]
    cause = next((c for c in (_cause(r["cause_json"]) for r in newest) if c), None)
    cause_id = cause["cause"] if cause else None
    # The example: the newest member with findings (its excerpt shows what the rule saw), else the newest.
    example = next(
        selection.query(
            f"select {_DETAIL_COLUMNS} from flows f where f.group_key = ? and {where} "
            "and exists (select 1 from findings x where x.flow_id = f.id) "
            "order by f.datetime_utc desc, f.id desc limit 1",
            [key, *args],
        ),
        None,
    ) or next(selection.query(f"select {_DETAIL_COLUMNS} from flows f where f.id = ?", [head["id"]]))
    example_findings = _findings(selection, example["id"])
    # An info note (model.rules-skipped "at model") is no place in the conversation: a 429's excerpt was
    # headed "excerpt (model)" with an arrow on a message (a new user's trial, session 15).
    location = next(
        (f["location"] for f in example_findings if f["rule"] == pattern),
        next(
            (f["location"] for f in example_findings if f["severity"] != "info"),
            example.get("error_param"),
        ),
    )
    verdicts = sorted(t["verdicts"].items(), key=lambda item: item[1][0])
    tally = _retries(selection).get(key, _NO_RETRIES)
    unconfirmed = _unconfirmed(
        selection, key, pattern, cause, error_text(example.get("error_json"), example.get("error_message"))
    )
    return {
        "fingerprint": fp,
        "key": key,
        "pattern": pattern,
        "cause": cause_id,
        "cause_title": cause.get("title") if cause else None,
        "fix": cause.get("fix") if cause else None,
        # A 429, a 529, a 503, a 401: not about the request's shape (causes.Cause.transient).
        "transient": bool(cause.get("transient")) if cause else False,
        "values": cause.get("values") if cause else None,
        "explanation": _main_explanation(t["explanations"]),
        "explanations": dict(sorted(t["explanations"].items())),
        "count": t["count"],
        # Every member has this template (the fingerprint is its hash).
        "template": normalise(fingerprint_text(example)),
        "error_message": fingerprint_text(example),
        "flow_ids": [r["id"] for r in reversed(newest)],
        "example_flow_ids": [r["id"] for r in newest[:EXAMPLE_FLOWS]],
        "first_seen": t["first"],
        "last_seen": t["last"],
        "clients": _ranked(t["clients"]),
        "models": _ranked(t["models"]),
        "hosts": _ranked(t["hosts"], upstream_sort_key),
        "providers": _ranked(t["providers"]),
        # The providers the answers themselves name (OpenRouter's metadata.provider_name at any level;
        # flows.error_provider), most flows first: [] when none does.
        "answered_by": _ranked(t["answered_by"]),
        "statuses": sorted(t["statuses"]),
        # The answer names nothing beyond its status (toolguard_core.opaque): for an unexplained group,
        # the provider's silence rather than a gap of the catalogue (docs/errors.md "Opaque rejections").
        "opaque": is_opaque_stored(example.get("error_json"), example.get("error_message")),
        "verdicts": {verdict: n for verdict, (_, n) in verdicts},
        "excerpt": excerpt({**example, "request_json": selection.request_json(example["id"])}, location),
        # Its members the client's SDK resent on its own (x-stainless-retry-count > 0): "3×" for one
        # call tried three times (retries_words; toolguard run's report says the same).
        "sdk_retries": tally.declared,
        "sdk_retry_counts": sorted(tally.counts),
        # Its members the same client resent soon after a transient answer without declaring it (the
        # Vercel AI SDK, Claude Code's retry count 0: clients.retries).
        "resent_retries": tally.resent,
        # The group's flagged flows whose findings its answer contradicts (verdict.judge):
        # [{"rule", "count"}], most flows first; [] when none (docs/summary.md).
        "unconfirmed": unconfirmed,
    }


@dataclass(slots=True)
class RetryTally:
    """A group's members that retried an earlier call (clients.retried): how many its client's SDK
    declared, with which counts, and how many were resent without saying so. A tally, not the flows:
    the summary's memory does not grow with the retries of a capture dense with 429s (session 24)."""

    declared: int = 0
    counts: set[int] = field(default_factory=set)
    resent: int = 0

    def add(self, retry: Retry) -> None:
        if retry.declared:
            self.declared += 1
            self.counts.add(retry.number)
        else:
            self.resent += 1


_NO_RETRIES = RetryTally()


#: From this share of the selected flows answered 429 or 5xx, the summary reads every flow of a named
#: client once (:func:`_flows`) rather than a first pass for the spans near transient answers and then
#: the flows within them (:func:`_transient_spans_and_declared`, :func:`_flows_in`), which then hold
#: nearly every flow, each read twice. Either gives the same retries; below it the spans are cheaper (on
#: the 1,000,000 flows of bench_summary.py: all 400s 6.0 s of CPU in two passes, 11.5 s in one; 90 %
#: 429/5xx 33.7 s in two, 22.6 s in one: session 24).
DENSE_SHARE = 0.1


def _retries(selection: Selection) -> dict[str | None, RetryTally]:
    """The selection's flows that retried an earlier call (clients.retried: the one detector the run
    report and show use too), tallied by group key, read once per summary: on a capture dense with
    transient answers in one pass (:data:`DENSE_SHARE`); otherwise the flows whose client declared a
    count from a first pass, which reads each of them, and the resends from the stream of the flows
    around transient answers (its declared ones are among the first pass's)."""
    if selection.retry_groups is None:
        stored = _stored_requests(selection)
        if _dense(selection):
            groups: dict[str | None, RetryTally] = {}
            rows = _flows(selection, stored)
            declared_counted = False
        else:
            spans, groups = _transient_spans_and_declared(selection)
            rows = _flows_in(selection, spans, stored)
            declared_counted = True
        for row, retry in retried(
            rows, selection.request_json, ordered=True, stored_key=_stored_key if stored else None
        ):
            if not (retry.declared and declared_counted):
                groups.setdefault(row["group_key"], RetryTally()).add(retry)
        selection.retry_groups = groups
    return selection.retry_groups


def _dense(selection: Selection) -> bool:
    """Whether :data:`DENSE_SHARE` of the selected flows were answered 429 or 5xx, counted on the
    summary's covering index (status is one of its columns; an overload event inside a 200 stream is
    not counted here: this only chooses how to read, never what is found)."""
    row = next(
        selection.query(
            "select count(*) as n, coalesce(sum(case when f.status = 429 or f.status >= 500 then 1 else 0 end), 0) "
            f"as transient from flows f where {selection.where}",
            selection.args,
        )
    )
    return int(row["n"] or 0) > 0 and int(row["transient"] or 0) >= DENSE_SHARE * int(row["n"])


#: Windows of one client and upstream closer than this are read as one (fewer queries, a little more read).
_WINDOW_GAP_SECONDS = 600.0


def _transient_spans_and_declared(
    selection: Selection,
) -> tuple[dict[tuple[Any, ...], list[list[float]]], dict[str | None, RetryTally]]:
    """One pass over the selection (issue #12: a million flows read every flow and held them all, 1.25
    GB): each client's spans of time, per upstream, from a transient answer (a 429, a 5xx, an overload
    event) to :data:`RESEND_SECONDS` after it ended, where clients.retried can find a resend; and the
    flows whose client declared a retry count (:data:`RETRY_COUNT_HEADER`), which need no earlier flow,
    tallied by group key."""
    spans: dict[tuple[Any, ...], list[list[float]]] = {}
    declared: dict[str | None, RetryTally] = {}
    rows = selection.query(
        "select f.client, f.host, f.port, f.path, f.datetime_utc, f.duration_ms, f.status, f.error_type, "
        f"f.group_key, case when lower(f.request_headers_json) like ? then f.request_headers_json end "
        f"as retry_headers from flows f where {selection.where} and ((coalesce(f.client, '') != '' and "
        f"{TRANSIENT_SQL}) or lower(f.request_headers_json) like ?) order by f.datetime_utc",
        [f"%{RETRY_COUNT_HEADER}%", *selection.args, f"%{RETRY_COUNT_HEADER}%"],
    )
    for row in rows:
        if number := retry_count(row["retry_headers"]):
            declared.setdefault(row["group_key"], RetryTally()).add(Retry(number, True))
        if not row["client"] or not transient_answer(row["status"], row["error_type"]):
            continue
        if (start := parse_utc(row["datetime_utc"])) is None:
            continue
        end = start + float(row["duration_ms"] or 0) / 1000 + RESEND_SECONDS + 1
        windows = spans.setdefault((row["client"], row["host"], row["port"], row["path"]), [])
        if windows and start <= windows[-1][1] + _WINDOW_GAP_SECONDS:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    return spans, declared


def _stored_requests(selection: Selection) -> bool:
    """Whether the selection's rows are one SQLite file's ``flow_rows`` (m008_content_dedup), so the
    stream of :func:`_flows` can carry each request as stored (its skeleton and references) and
    clients.retried compares those instead of reading two request texts per candidate. Not for the
    staging file (it holds no requests) nor PostgreSQL: their requests are read one by one, as before."""
    if selection.staged or selection.conn.postgres or not selection.conn.has_table(FLOW_ROWS_TABLE):
        return False
    return PARTS_COLUMN in selection.conn.columns(FLOW_ROWS_TABLE)


def _stored_key(row: Mapping[str, Any]) -> bytes | None:
    """A split request's skeleton and references, digested (bounded, however large the skeleton), or
    None for a request stored whole (its text is compared: clients.retried)."""
    parts = row.get("stored_parts")
    if parts is None:
        return None
    text = f"{row.get('stored_request') or ''}\x00{parts}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _flows(selection: Selection, stored: bool = False) -> Iterator[dict[str, Any]]:
    """The selected flows clients.retried can tell anything of, in time order, with their group key:
    those of a named client (a transient answer, or a resend of one) and those that declare a retry
    count (:data:`RETRY_COUNT_HEADER`). One pass, streamed (issue #12: a million flows held were 1.25
    GB). Session 23 read a first pass for the spans near transient answers, then the flows within them;
    on a capture dense with 429s the spans held every flow and each row was read twice (session 24),
    and the filter of the first pass read every row anyway. ``stored``: read ``flow_rows`` with each
    request as stored (:func:`_stored_requests`), not the ``flows`` view, which would rebuild every
    request's text."""
    columns = ", ".join(f"f.{c}" for c in (*RETRY_COLUMNS, "group_key"))
    relation = "flows f"
    if stored:
        columns += f", f.request_json as stored_request, f.{PARTS_COLUMN} as stored_parts"
        relation = f"{FLOW_ROWS_TABLE} f"
    yield from selection.query(
        f"select {columns} from {relation} where {selection.where} and (coalesce(f.client, '') != '' "
        "or lower(f.request_headers_json) like ?) order by f.datetime_utc, f.id",
        [*selection.args, f"%{RETRY_COUNT_HEADER}%"],
    )


def _flows_in(
    selection: Selection, spans: dict[tuple[Any, ...], list[list[float]]], stored: bool = False
) -> Iterator[dict[str, Any]]:
    """The selected flows of each client and upstream within its spans, in time order (what
    clients.retried reads with ``ordered``), with their group key: a capture without transient answers
    reads none. The spans of every client and upstream are merged into one time line, read once, and
    each row kept when a span of its own client and upstream holds it: read per client and upstream, a
    capture dense with 429s read every row once per client (each span covered the whole month; session
    24). ``stored``: read ``flow_rows`` with each request as stored (:func:`_stored_requests`), not the
    ``flows`` view, which would rebuild every request's text."""
    columns = ", ".join(f"f.{c}" for c in (*RETRY_COLUMNS, "group_key"))
    relation = "flows f"
    if stored:
        columns += f", f.request_json as stored_request, f.{PARTS_COLUMN} as stored_parts"
        relation = f"{FLOW_ROWS_TABLE} f"
    # Each client and upstream's spans as the texts its rows are compared with (datetime_utc is text,
    # sorted as text: the bounds are those a query per client and upstream compared), in time order.
    bounds: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
    for key, windows in spans.items():
        bounds.setdefault(_span_key(*key), []).extend((format_utc(a), format_utc(b)) for a, b in windows)
    for key in bounds:
        bounds[key].sort()
    line: list[list[float]] = []
    for start, end in sorted(w for windows in spans.values() for w in windows):
        if line and start <= line[-1][1] + _WINDOW_GAP_SECONDS:
            line[-1][1] = max(line[-1][1], end)
        else:
            line.append([start, end])
    position = dict.fromkeys(bounds, 0)
    for start, end in line:
        for row in selection.query(
            f"select {columns} from {relation} where {selection.where} and coalesce(f.client, '') != '' "
            "and f.datetime_utc >= ? and f.datetime_utc <= ? order by f.datetime_utc, f.id",
            [*selection.args, format_utc(start), format_utc(end)],
        ):
            key = _span_key(row["client"], row["host"], row["port"], row["path"])
            if (windows := bounds.get(key)) is None:
                continue
            at, n = row["datetime_utc"], position[key]
            while (
                n < len(windows) and windows[n][1] < at
            ):  # rows come in time order: spans behind stay behind
                n += 1
            position[key] = n
            if n < len(windows) and windows[n][0] <= at:
                yield row


def _span_key(client: Any, host: Any, port: Any, path: Any) -> tuple[Any, ...]:
    """A client and upstream as the spans' rows are matched to it (an absent host, port or path as none)."""
    return (client, host or "", -1 if port is None else port, path or "")


def retries_words(group: dict[str, Any]) -> str | None:
    """The sentence for a group's members its client's SDK resent (visibility.retries_line), or None."""
    return retries_count_line(
        int(group.get("sdk_retries") or 0),
        group.get("sdk_retry_counts") or (),
        group["count"],
        int(group.get("resent_retries") or 0),
    )


#: Said after a transient root cause's title (causes.Cause.transient: rate limits, overload, server
#: errors, and a wrong key, an exhausted quota, a refused prompt, a region) in every format: such a
#: rejection counts among the upstream's, but no rule on the request's shape can predict it. Not
#: "retry later": that is the fix of three of them only, and each cause's own fix is printed beside it
#: (a wrong key was told to retry later: a new user's trial, session 15).
TRANSIENT_WORDS = " (not about the request's shape: no rule can predict it; see the fix)"


def unconfirmed_line(group: dict[str, Any]) -> str:
    """``sequence.orphan-tool-message (3 flows) not confirmed by this answer: ...``: the group's
    findings its answer contradicts (summary ``unconfirmed``; verdict.UNCONFIRMED_WORDS)."""
    rules = ", ".join(
        f"{item['rule']} ({item['count']} flow{'s' if item['count'] != 1 else ''})"
        for item in group["unconfirmed"]
    )
    return f"{rules} {UNCONFIRMED_WORDS}"


def _unconfirmed(
    selection: Selection, key: str, pattern: str | None, cause: dict[str, Any] | None, text: str | None
) -> list[dict[str, Any]]:
    """Per rule, how many of the group's flows carry its error finding while the answer contradicts
    them (:attr:`~toolguard_core.verdict.Answer.CONTRADICTS`: another parameter named precisely). A
    group named by no rule shares one root cause and text, so one decision per distinct ``error_rules``
    holds for all its flows (no location of theirs was credited, or the group would have a rule)."""
    if pattern is not None or not cause:
        return []
    counts: Counter[str] = Counter()
    for row in selection.query(
        "select f.error_rules as rules, count(*) as n from flows f "
        f"where f.group_key = ? and {selection.where} and f.error_rules is not null group by f.error_rules",
        [key, *selection.args],
    ):
        rules = str(row["rules"]).split()
        judgement = judge(rules, cause, text)
        if judgement is not None and judgement.answer == Answer.CONTRADICTS:
            for rule in dict.fromkeys(rules):
                counts[rule] += _int(row["n"])
    return [{"rule": rule, "count": n} for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


#: Said where no rule has a confirmed or refuted error finding: flows can still carry error findings
#: whose request got no answer, or an answer that neither confirms nor refutes them (a 429, a block),
#: so "no error findings" would say more than the store shows.
NO_JUDGED_FINDINGS = "No error finding has been confirmed or refuted by an upstream's answer yet"


def _rule_stats(
    selection: Selection, learned: dict[str, list[dict[str, Any]]], groups: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per rule: requests it flagged as an error that the upstream rejected confirming it
    (``predicted``) or accepted (``false_alarm``), and the precision.

    A ``predicted`` flow credits only the rule its answer confirmed: its group's rule (the
    ``pattern`` column, :func:`toolguard_core.grouping.credited_rule`; ``groups`` are the summary's
    groups, whose tallies count each stored verdict). On a request flagged by two rules, an answer
    that confirms one leaves the other *unconfirmed*: neither a correct prediction nor a false alarm
    (docs/errors.md, the rule of decision). A ``false_alarm`` flow counts every error rule it carried
    (the upstream accepted all of them), counted over ``error_rules`` (a covering index)."""
    where, args = selection.where, selection.args
    stats: dict[str, dict[str, Any]] = defaultdict(
        lambda: {Verdict.PREDICTED.value: 0, Verdict.FALSE_ALARM.value: 0, "false_alarm_flow_ids": []}
    )
    for group in groups:
        predicted = group["verdicts"].get(Verdict.PREDICTED.value, 0)
        if group["pattern"] and predicted:
            stats[group["pattern"]][Verdict.PREDICTED.value] += predicted
    for row in selection.query(
        "select f.error_rules as rules, count(*) as n from flows f "
        f"where {where} and f.verdict = ? and f.error_rules is not null "
        "group by f.error_rules",
        [*args, Verdict.FALSE_ALARM.value],
    ):
        for rule in set(row["rules"].split()):
            stats[rule][Verdict.FALSE_ALARM.value] += _int(row["n"])
    for rule, entry in stats.items():
        if entry[Verdict.FALSE_ALARM.value]:
            pattern = "% " + rule.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + " %"
            entry["false_alarm_flow_ids"] = [
                r["id"]
                for r in selection.query(
                    f"select f.id from flows f where {where} and f.verdict = ? "
                    "and (' ' || f.error_rules || ' ') like ? escape '\\' "
                    f"order by f.datetime_utc, f.id limit {MAX_RULE_FLOW_IDS}",
                    [*args, Verdict.FALSE_ALARM.value, pattern],
                )
            ]
    rules = []
    for rule, entry in stats.items():
        total = entry["predicted"] + entry["false_alarm"]
        rules.append(
            {"rule": rule, **entry, "precision": round(entry["predicted"] / total, 4) if total else None}
        )
    demoted = [row for row in learned["calibration"] if row.get("demoted_at")]
    for item in rules:
        item["demoted"] = [
            f"{row['host']} {row['model'] or '*'}" for row in demoted if row["rule"] == item["rule"]
        ]
    rules.sort(key=lambda r: (-r["false_alarm"], -r["predicted"], r["rule"]))
    return rules


def grouping_notes(summary: dict[str, Any]) -> list[str]:
    """What the groups cannot be trusted for: rows grouped by an older normaliser or catalogue, rows
    not grouped at all (docs/summary.md, "Stale groups"). Empty when every row is current."""
    grouping = summary.get("grouping") or {}
    notes = []
    if grouping.get("stale_flows"):
        notes.append(
            f"{grouping['stale_flows']} flow(s) were grouped by an older normaliser or root-cause catalogue "
            f"({', '.join(grouping['stale_versions'])}; this toolguard: {grouping['summary_version']}), so "
            "their groups may be split or named differently: run toolguard refingerprint"
        )
    if grouping.get("ungrouped_flows"):
        notes.append(
            f"{grouping['ungrouped_flows']} flow(s) have no grouping columns (copied in from an older "
            "toolguard) and are NOT counted in the groups below: run toolguard refingerprint"
        )
    return notes


def filters_note(summary: dict[str, Any]) -> str | None:
    """The sentence naming the active --since/--until/--host/--client/--model, or ``None``. Without
    it a filtered report (a typo in --client included) read "0 stored flows ... (no rejected
    requests)" as if the database held nothing, and a pasted markdown report never said its scope."""
    filters = {name: value for name, value in (summary.get("filters") or {}).items() if value}
    if not filters:
        return None
    given = " ".join(f"--{name} {value}" for name, value in filters.items())
    return f"only flows matching {given} are counted, not the whole database"


def seen_notes(summary: dict[str, Any]) -> list[str]:
    """The "what was seen" sentences (:func:`_seen`): the filters in force, requests seen (zero said
    plainly), model rules skipped, unrecognised hosts. Every format shows them; a summary from an
    older toolguard has none."""
    note = filters_note(summary)
    return ([note] if note else []) + list((summary.get("seen") or {}).get("notes") or [])
