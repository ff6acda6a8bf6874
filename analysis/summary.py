"""``toolguard summary``: recurring failure patterns across one or more capture databases.

:func:`build_summary` reads the ``flows`` and ``findings`` tables (docs/schema.md) and returns one plain
dict, the documented JSON format (docs/summary.md); the text, markdown and HTML formats render that
dict, so every format shows the same numbers.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import click

from toolguard_analysis.cli import cli
from toolguard_analysis.fingerprint import NORMALISER_VERSION, fingerprint, normalise
from toolguard_analysis.patterns import explain, vote
from toolguard_core.store import default_db_path
from toolguard_core.upstream_errors import innermost_message

SUMMARY_FORMAT_VERSION = 1
EXAMPLE_FLOWS = 3
EXCERPT_CONTENT_CHARS = 160
REJECTED_VERDICTS = ("predicted", "unexplained")

# --- clients -----------------------------------------------------------------------------------------

_CLIENT_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"QwenCode/([\w.\-+]+)"), "QwenCode/{}"),
    (re.compile(r"\blangchain(?:[-_/ ]?\w+)?/([\w.\-+]+)", re.I), "LangChain/{}"),
    (re.compile(r"OpenAI/Python ([\w.\-+]+)"), "OpenAI/Python {}"),
    (re.compile(r"OpenAI/JS ([\w.\-+]+)"), "OpenAI/JS {}"),
    (re.compile(r"^([A-Za-z][\w.\-]*)/([\w.\-+]+)"), "{}/{}"),
]


def parse_client(user_agent: str | None, headers: dict[str, str] | None = None) -> str:
    """A short client name with its version from a User-Agent (plus openai-node's x-stainless headers).

    ``QwenCode/0.24.4 (linux; x64)`` -> ``QwenCode/0.24.4 (OpenAI/JS 5.11.0)`` when the SDK headers are
    there; ``OpenAI/Python 1.54.0`` stays; LangChain's own UA token wins over the SDK it wraps.
    """
    ua = (user_agent or "").strip()
    name = ""
    for pattern, template in _CLIENT_PATTERNS:
        match = pattern.search(ua)
        if match:
            name = template.format(*match.groups())
            break
    if not name:
        name = ua.split(" ")[0][:40] if ua else "(no user-agent)"
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    sdk_version = headers.get("x-stainless-package-version")
    lang = headers.get("x-stainless-lang")
    if sdk_version and not name.startswith("OpenAI/"):
        sdk = {"js": "OpenAI/JS", "python": "OpenAI/Python"}.get((lang or "").lower())
        if sdk:
            name = f"{name} ({sdk} {sdk_version})"
    return name


def _headers(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if isinstance(data, dict):
        return {str(k): str(v) for k, v in data.items()}
    if isinstance(data, list):
        return {str(p[0]): str(p[1]) for p in data if isinstance(p, list | tuple) and len(p) == 2}
    return {}


# --- time filters ---------------------------------------------------------------------------------------

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
        raise click.BadParameter(
            f"{value!r}: use an ISO date/time (2026-11-01, 2026-11-01T12:00) or 7d/24h/30m"
        ) from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --- loading -----------------------------------------------------------------------------------------------

FLOW_COLUMNS = (
    "id, datetime_utc, host, path, provider, client, model, status, error_message, error_type, error_code, "
    "error_param, error_provider, error_json, verdict, request_json, request_headers_json, flow_error"
)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def load(
    paths: Sequence[Path],
    since: str | None = None,
    until: str | None = None,
    host: str | None = None,
    client: str | None = None,
    model: str | None = None,
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Flows (deduplicated by id across databases, first database wins) and their findings."""
    flows: dict[str, dict[str, Any]] = {}
    findings: dict[str, list[dict[str, Any]]] = {}
    where: list[str] = []
    args: list[Any] = []
    if since:
        where.append("datetime_utc >= ?")
        args.append(since)
    if until:
        where.append("datetime_utc < ?")
        args.append(until)
    if host:
        where.append("lower(coalesce(host, '')) like ?")
        args.append(f"%{host.lower()}%")
    if model:
        where.append("lower(coalesce(model, '')) like ?")
        args.append(f"%{model.lower()}%")
    sql = f"select {FLOW_COLUMNS} from flows" + (f" where {' and '.join(where)}" if where else "")
    for path in paths:
        conn = _connect_readonly(path)
        try:
            for row in conn.execute(sql + " order by datetime_utc", args):
                flow = dict(row)
                if flow["id"] in flows:
                    continue
                flow["client_name"] = parse_client(
                    flow.get("client"), _headers(flow.get("request_headers_json"))
                )
                if (
                    client
                    and client.lower() not in f"{flow['client_name']} {flow.get('client') or ''}".lower()
                ):
                    continue
                flows[flow["id"]] = flow
            for row in conn.execute(
                "select flow_id, idx, rule, severity, location, message from findings order by flow_id, idx"
            ):
                if row["flow_id"] in flows and row["flow_id"] not in findings:
                    findings[row["flow_id"]] = []
                if row["flow_id"] in findings and not any(
                    f["idx"] == row["idx"] for f in findings[row["flow_id"]]
                ):
                    findings[row["flow_id"]].append(dict(row))
        finally:
            conn.close()
    return list(flows.values()), findings


# --- analysis -------------------------------------------------------------------------------------------------


def is_rejected(flow: dict[str, Any]) -> bool:
    verdict = flow.get("verdict")
    if verdict:
        return verdict in REJECTED_VERDICTS
    status = flow.get("status")
    return (status is not None and status >= 400) or bool(flow.get("error_message"))


def error_text(flow: dict[str, Any]) -> str:
    """What is fingerprinted: the innermost upstream message, else a stand-in naming the status.

    A gateway's own words say little ("Provider returned error" from OpenRouter, a LiteLLM
    "BadRequestError: ... Error code: 400 - {...}" wrapper): the provider's error nested inside
    (``error_json``'s ``upstream`` chain, see docs/errors.md) is what identifies the failure.
    """
    root = innermost_message(flow.get("error_json"))
    if root:
        return root
    if flow.get("error_message"):
        return str(flow["error_message"])
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


def _bucket_format(first: str | None, last: str | None) -> tuple[str, int]:
    """Day buckets, or hour buckets when everything happened within two days."""
    if first and last:
        try:
            span = datetime.fromisoformat(last.replace("Z", "+00:00")) - datetime.fromisoformat(
                first.replace("Z", "+00:00")
            )
            if span <= timedelta(days=2):
                return "hour", 13
        except ValueError:
            pass
    return "day", 10


def build_summary(
    paths: Sequence[Path],
    since: str | None = None,
    until: str | None = None,
    host: str | None = None,
    client: str | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    flows, findings = load(paths, since, until, host, client, model)
    verdicts = Counter(flow.get("verdict") or "unknown" for flow in flows)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for flow in flows:
        if not is_rejected(flow):
            continue
        error_rules = [f["rule"] for f in findings.get(flow["id"], []) if f["severity"] == "error"]
        flow["pattern"] = explain(flow.get("error_message"), error_rules)
        flow["fingerprint"] = fingerprint(error_text(flow))
        groups[flow["fingerprint"]].append(flow)

    group_items: list[dict[str, Any]] = []
    for fp, members in groups.items():
        members.sort(key=lambda f: (f.get("datetime_utc") or "", f["id"]))
        pattern = vote(f["pattern"] for f in members)
        example = next(
            (f for f in reversed(members) if f.get("pattern") == pattern and findings.get(f["id"])),
            members[-1],
        )
        example_findings = findings.get(example["id"], [])
        location = next(
            (f["location"] for f in example_findings if f["rule"] == pattern),
            next((f["location"] for f in example_findings), example.get("error_param")),
        )
        group_items.append(
            {
                "fingerprint": fp,
                "pattern": pattern,
                "count": len(members),
                "template": normalise(error_text(members[0])),
                "error_message": error_text(example),
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
        if g["pattern"] is None
    ]

    rule_stats: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"predicted": 0, "false_alarm": 0, "false_alarm_flow_ids": []}
    )
    for flow in flows:
        verdict = flow.get("verdict")
        if verdict not in ("predicted", "false_alarm"):
            continue
        for rule in sorted({f["rule"] for f in findings.get(flow["id"], []) if f["severity"] == "error"}):
            rule_stats[rule][verdict] += 1
            if verdict == "false_alarm":
                rule_stats[rule]["false_alarm_flow_ids"].append(flow["id"])
    rules = []
    for rule, stats in rule_stats.items():
        total = stats["predicted"] + stats["false_alarm"]
        rules.append(
            {"rule": rule, **stats, "precision": round(stats["predicted"] / total, 4) if total else None}
        )
    rules.sort(key=lambda r: (-r["false_alarm"], -r["predicted"], r["rule"]))

    rejected = [f for g in groups.values() for f in g]
    first = min((f["datetime_utc"] for f in rejected if f.get("datetime_utc")), default=None)
    last = max((f["datetime_utc"] for f in rejected if f.get("datetime_utc")), default=None)
    unit, width = _bucket_format(first, last)
    timeline: dict[str, Counter[str]] = defaultdict(Counter)
    for flow in rejected:
        if flow.get("datetime_utc"):
            timeline[flow["datetime_utc"][:width]][flow.get("pattern") or "unexplained"] += 1
    buckets = sorted(timeline)
    series_names = sorted({name for counter in timeline.values() for name in counter})

    return {
        "format_version": SUMMARY_FORMAT_VERSION,
        "normaliser_version": NORMALISER_VERSION,
        "databases": [str(p) for p in paths],
        "filters": {"since": since, "until": until, "host": host, "client": client, "model": model},
        "totals": {"flows": len(flows), "rejected": len(rejected), "groups": len(group_items)},
        "verdicts": dict(sorted(verdicts.items())),
        "groups": group_items,
        "unexplained": unexplained,
        "rules": rules,
        "timeline": {
            "unit": unit,
            "buckets": buckets,
            "series": {name: [timeline[b][name] for b in buckets] for name in series_names},
        },
    }


# --- rendering -------------------------------------------------------------------------------------------------------


def _trim(text: str, width: int) -> str:
    text = re.sub(r"\s*\n\s*|\t", " ", str(text)).rstrip()
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def render_text(summary: dict[str, Any], colour: bool = False, width: int | None = None) -> str:
    width = max(60, width or shutil.get_terminal_size((100, 24)).columns)

    def style(text: str, **kwargs: Any) -> str:
        return click.style(text, **kwargs) if colour else text

    out: list[str] = []
    totals = summary["totals"]
    out.append(style(_trim(f"toolguard summary — {', '.join(summary['databases'])}", width), bold=True))
    out.append(
        _trim(
            f"{totals['flows']} stored flows, {totals['rejected']} rejected by the upstream, "
            f"{totals['groups']} distinct failure(s)",
            width,
        )
    )
    out.append("")
    out.append(style("Failures by pattern (most frequent first)", bold=True, underline=True))
    if not summary["groups"]:
        out.append("  (no rejected requests)")
    for i, group in enumerate(summary["groups"], 1):
        pattern = group["pattern"] or "UNEXPLAINED"
        out.append(
            f"{style(f'{group["count"]:>5}×', bold=True)}  "
            + style(pattern, fg="green" if group["pattern"] else "yellow", bold=True)
            + f"  [{group['fingerprint']}]  status {', '.join(map(str, group['statuses'])) or '-'}"
        )
        indent = " " * 9
        out.append(indent + _trim(group["error_message"], width - len(indent)))
        out.append(indent + _trim(f"seen {group['first_seen']} … {group['last_seen']}", width - len(indent)))
        for label, key in (("clients", "clients"), ("models", "models"), ("hosts", "hosts")):
            if group[key]:
                out.append(indent + _trim(f"{label}: {', '.join(group[key])}", width - len(indent)))
        out.append(indent + _trim(f"flows: {', '.join(group['example_flow_ids'])}", width - len(indent)))
        ex = group.get("excerpt")
        if ex:
            out.append(indent + style(f"excerpt ({ex['location'] or 'end of messages'}):", dim=True))
            for message in ex["messages"]:
                marker = "→" if message["index"] == ex["focus"] else " "
                line = _trim(f"[{message['index']}] {_describe(message)}", width - len(indent) - 4)
                out.append(f"{indent}  {marker} {line}")
        if i < len(summary["groups"]):
            out.append("")
    out.append("")
    out.append(
        style(
            "Unexplained rejections (no rule explains them: candidates for a new rule)",
            bold=True,
            underline=True,
        )
    )
    if not summary["unexplained"]:
        out.append("  none")
    for group in summary["unexplained"]:
        statuses = ",".join(map(str, group["statuses"])) or "-"
        out.append(_trim(f"{group['count']:>5}×  {statuses:<7} {group['template']}", width))
    out.append("")
    out.append(
        style("Findings by rule: confirmed by the upstream vs false alarms", bold=True, underline=True)
    )
    if not summary["rules"]:
        out.append("  no error findings")
    else:
        out.append(f"  {'rule':<38}{'predicted':>10}{'false alarms':>14}{'precision':>11}")
    for rule in summary["rules"]:
        precision = "-" if rule["precision"] is None else f"{rule['precision']:.0%}"
        false_alarms = style(f"{rule['false_alarm']:>14}", fg="red" if rule["false_alarm"] else "green")
        out.append(f"  {_trim(rule['rule'], 38):<38}{rule['predicted']:>10}{false_alarms}{precision:>11}")
    out.append("")
    out.append(style("Verdicts", bold=True, underline=True))
    out.append(
        "  " + "  ".join(f"{name} {count}" for name, count in summary["verdicts"].items())
        if summary["verdicts"]
        else "  none"
    )
    return "\n".join(out) + "\n"


def _describe(message: dict[str, Any]) -> str:
    parts = [str(message.get("role") or "?")]
    if message.get("tool_call_id") is not None:
        parts.append(f"tool_call_id={message['tool_call_id']}")
    if message.get("tool_calls"):
        parts.append("tool_calls=" + ",".join(f"{c['id']}:{c['name']}" for c in message["tool_calls"]))
    if message.get("content") is not None:
        parts.append(repr(message["content"]))
    if "value" in message:
        parts.append(repr(message["value"]))
    return " ".join(parts)


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: dict[str, Any]) -> str:
    totals = summary["totals"]
    out = [
        "# toolguard summary",
        "",
        f"Databases: {', '.join(f'`{d}`' for d in summary['databases'])}  ",
        f"{totals['flows']} stored flows, {totals['rejected']} rejected, {totals['groups']} distinct failures.",
        "",
        "## Failures by pattern",
        "",
        "| count | pattern | fingerprint | status | error | first seen | last seen | clients | models | hosts |",
        "|---:|---|---|---|---|---|---|---|---|---|",
    ]
    for g in summary["groups"]:
        out.append(
            f"| {g['count']} | {_md(g['pattern'] or '**unexplained**')} | `{g['fingerprint']}` | "
            f"{', '.join(map(str, g['statuses']))} | {_md(_trim(g['error_message'], 160))} | {g['first_seen']} | "
            f"{g['last_seen']} | {_md(', '.join(g['clients']))} | {_md(', '.join(g['models']))} | {_md(', '.join(g['hosts']))} |"
        )
    for g in summary["groups"]:
        out += ["", f"### {g['pattern'] or 'unexplained'} — `{g['fingerprint']}` ({g['count']}×)", ""]
        out.append(f"Example flows: {', '.join(f'`{i}`' for i in g['example_flow_ids'])}")
        ex = g.get("excerpt")
        if ex:
            out += ["", f"Excerpt around `{ex['location']}`:", "", "```"]
            out += [
                f"{'→' if m['index'] == ex['focus'] else ' '} [{m['index']}] {_describe(m)}"
                for m in ex["messages"]
            ]
            out.append("```")
    out += ["", "## Unexplained rejections", ""]
    if summary["unexplained"]:
        out += ["| count | status | template |", "|---:|---|---|"]
        out += [
            f"| {g['count']} | {', '.join(map(str, g['statuses']))} | {_md(g['template'])} |"
            for g in summary["unexplained"]
        ]
    else:
        out.append("None.")
    out += ["", "## Findings by rule", ""]
    if summary["rules"]:
        out += ["| rule | predicted | false alarms | precision |", "|---|---:|---:|---:|"]
        for r in summary["rules"]:
            precision = "-" if r["precision"] is None else f"{r['precision']:.0%}"
            out.append(f"| {r['rule']} | {r['predicted']} | {r['false_alarm']} | {precision} |")
    else:
        out.append("No error findings.")
    out += ["", "## Verdicts", "", "| verdict | flows |", "|---|---:|"]
    out += [f"| {name} | {count} |" for name, count in summary["verdicts"].items()]
    return "\n".join(out) + "\n"


def render_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"


# --- command ---------------------------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--db",
    "db_paths",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Capture database; repeat for several machines (default: $TOOLGUARD_DB or {default_db_path()}).",
)
@click.option(
    "--since",
    help="Only flows at or after this time: ISO date/time (2026-11-01, 2026-11-01T12:00Z) or 7d, 24h, 30m ago.",
)
@click.option("--until", help="Only flows before this time (exclusive), same forms as --since.")
@click.option("--host", help="Only flows whose upstream host contains this text, e.g. api.openai.com.")
@click.option(
    "--client", help="Only flows whose client contains this text, e.g. QwenCode or 'OpenAI/Python 1.'."
)
@click.option("--model", help="Only flows whose model contains this text, e.g. gpt-4o.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json", "html"]),
    default="text",
    show_default=True,
    help="text fits a terminal (colour only on a TTY); json is the stable format of docs/summary.md; "
    "html is one self-contained page with a chart.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)
def summary(
    db_paths: tuple[Path, ...],
    since: str | None,
    until: str | None,
    host: str | None,
    client: str | None,
    model: str | None,
    output_format: str,
    output: Path | None,
) -> None:
    """Recurring failure patterns: what the upstream rejected, how often, since when, from which
    client, model and host, which rule explains it, and what toolguard flagged that was accepted.

    \b
    Examples:
        toolguard summary                                  # default database, text
        toolguard summary --since 7d --client QwenCode
        toolguard summary --db laptop.db --db ci.db --format markdown -o failures.md
        toolguard summary --host api.deepseek.com --model deepseek-reasoner --until 2026-11-20
        toolguard summary --format json | jq '.groups[] | {pattern, count}'
        toolguard summary --format html -o report.html
    """
    paths = list(db_paths) or [default_db_path()]
    for path in paths:
        if not path.exists():
            raise click.ClickException(f"no toolguard database at {path}")
    try:
        data = build_summary(paths, parse_when(since), parse_when(until), host, client, model)
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"cannot read the database: {exc}") from exc
    stream: TextIO = sys.stdout
    if output_format == "json":
        text = render_json(data)
    elif output_format == "markdown":
        text = render_markdown(data)
    elif output_format == "html":
        from toolguard_analysis.report_html import render_html

        text = render_html(data)
    else:
        text = render_text(data, colour=output is None and stream.isatty())
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False, color=stream.isatty())
