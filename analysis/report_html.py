"""The HTML report: one self-contained file (inline CSS and SVG, no scripts or fonts fetched).

``toolguard summary --format html -o report.html`` renders the same dict as the JSON format: a chart of
rejections over time by pattern (stacked bars, drawn as inline SVG so it needs no JavaScript), the
group table with a drill-down per group (native ``<details>``: error text, clients, models, hosts,
example flows and the messages around the finding), the unexplained rejections, precision per rule and
verdict counts, the flows that got no answer, and a drill-down per flow (its upstream error, its
findings with their fixes, the messages around the first finding). Groups link to their flows, and
each rule or root-cause id carries its one-line meaning (a tooltip) and links to the glossary at the
end of the page, generated from the rule registry and the causes catalogue: the page is read wherever
it is copied, so nothing links into a source tree. ``report.html#<fingerprint>`` opens that group,
``report.html#flow-<id>`` that flow. The summary JSON is embedded too (``<script type="application/json"
id="toolguard-summary">``) for anyone who wants to post-process the page.
"""

from __future__ import annotations

import json
import shlex
from collections import Counter
from collections.abc import Callable
from html import escape
from typing import Any

from toolguard_analysis.rule_links import ROOT_CAUSE, rule_anchor, rule_meaning
from toolguard_analysis.summary import (
    NO_JUDGED_FINDINGS,
    TRANSIENT_WORDS,
    grouping_notes,
    retries_words,
    seen_notes,
    unconfirmed_line,
)
from toolguard_core.opaque import OPAQUE_MARK, OPAQUE_WORDS
from toolguard_core.verdict import (
    REJECTED_VERDICTS,
    Verdict,
    answer_broke_off,
    answered_by,
    rejection_status,
    rejection_statuses,
    verdict_words,
)
from toolguard_core.visibility import ANSWERED_BY, answered_by_words, flow_verdict_words

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#86bcb6",
)
UNEXPLAINED_COLOUR = "#e15759"

CSS = """
:root { color-scheme: light; --fg:#1d232a; --muted:#5b6673; --line:#d9dee4; --bg:#fff; --head:#f4f6f8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.muted { color: var(--muted); } code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 6px 8px;
       border-bottom: 1px solid var(--line); } th { background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.pattern { font-weight: 600; } .unexplained { color: #b42318; font-weight: 600; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
details { margin: 0; } summary { cursor: pointer; }
.drill { background: #fafbfc; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin: 6px 0 4px; }
.drill dt { font-weight: 600; margin-top: 6px; } .drill dd { margin: 0 0 0 0; }
.excerpt { border-collapse: collapse; margin-top: 4px; } .excerpt td { border: none; padding: 2px 8px 2px 0; }
.excerpt td:not(:last-child) { width: 1%; white-space: nowrap; }
.excerpt tr.focus td { background: #fff4ce; }
.legend span { margin-right: 14px; white-space: nowrap; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
.nowrap, td.when, td.fp { white-space: nowrap; }
a { color: #1f5fa8; } a.rule { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
details.flow { border-bottom: 1px solid var(--line); padding: 4px 0; }
details.flow > summary { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
details.flow[open] { background: #fafbfc; }
.findings li { margin: 4px 0; } .sev-error { color: #b42318; font-weight: 600; } .sev-warning { color: #b54708; }
.flowlinks a { margin-right: 8px; white-space: nowrap; }
/* An error text can be one unbroken token thousands of characters long (a 5 MB body's message):
   without this its cell widens the page far past the window instead of wrapping. */
.err { overflow-wrap: anywhere; }
"""


# report.html#<fingerprint> opens that group's drill-down, report.html#flow-<id> that flow's, also when a
# link inside the page is followed (hashchange). Inline, no external script.
OPEN_LINKED = """(function () {
  function openLinked() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    var details = target.tagName === "DETAILS" ? target : target.querySelector("details");
    if (details && (target.classList.contains("group") || target.classList.contains("flow"))) {
      details.open = true;
      target.scrollIntoView();
    }
  }
  openLinked();
  window.addEventListener("hashchange", openLinked);
})();"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


#: Past the palette, each further series gets a hue a golden angle (about 137.5°) from the one before,
#: at one of three lightnesses: every series keeps a colour of its own. ``PALETTE[i % 10]`` gave the
#: 11th pattern the 1st one's colour, so two stacked bars of a 12-pattern week read as one (trial17).
GOLDEN_ANGLE = 137.50776405003785
#: Hues this near red are skipped: red is the colour of *unexplained* alone.
RED_HUES = 20.0


def extra_colour(index: int) -> str:
    """The colour of the series ``index`` positions past :data:`PALETTE` (0 for the first one)."""
    hue = (index * GOLDEN_ANGLE) % 360.0
    if hue < RED_HUES or hue > 360.0 - RED_HUES:
        hue = (hue + 2 * RED_HUES) % 360.0
    lightness = (42, 58, 34)[index % 3]
    return f"hsl({hue:.1f}, 55%, {lightness}%)"


def _colours(series: list[str]) -> dict[str, str]:
    colours: dict[str, str] = {}
    others = [s for s in series if s != "unexplained"]
    for i, name in enumerate(others):
        colours[name] = PALETTE[i] if i < len(PALETTE) else extra_colour(i - len(PALETTE))
    colours["unexplained"] = UNEXPLAINED_COLOUR
    return colours


def _nice_step(peak: int, ticks: int = 4) -> int:
    """A gridline step of 1, 2 or 5 times a power of ten giving about ``ticks`` lines up to ``peak``."""
    raw = max(1.0, peak / ticks)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def _bucket_label(bucket: str, unit: str) -> str:
    if unit == "minute":
        return bucket[11:]  # 10:03
    if unit == "hour":
        return bucket[5:].replace("T", " ") + "h"  # 11-20 10h
    return bucket[5:]  # 11-20


def chart_svg(timeline: dict[str, Any], colours: dict[str, str], width: int = 1100, height: int = 290) -> str:
    """Stacked bars of rejections per time bucket, one colour per pattern, with gridlines, axis labels
    and each bar's total above it."""
    buckets: list[str] = timeline.get("buckets", [])
    series: dict[str, list[int]] = timeline.get("series", {})
    unit = timeline.get("unit", "day")
    if not buckets:
        return '<p class="muted" id="chart-empty">No rejected requests in the selection.</p>'
    left, right, top, bottom = 56, 10, 20, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(buckets))]
    step = _nice_step(max(totals) or 1)
    peak = max(step, -(-max(totals) // step) * step)  # the top gridline, a multiple of the step
    slot = plot_w / len(buckets)
    bar_w = max(2.0, min(48.0, slot * 0.7))
    parts = [
        f'<svg id="chart" role="img" aria-label="Rejections over time by pattern" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet">',
    ]
    for value in range(0, peak + 1, step):
        y = top + plot_h - plot_h * value / peak
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{"#9aa4ae" if value == 0 else "#e6e9ed"}"/>'
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#5b6673">{value}</text>'
        )
    parts.append(
        f'<text class="axis-label" transform="translate(14 {top + plot_h / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle" font-size="11" fill="#5b6673">rejected requests</text>'
        f'<text class="axis-label" x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle" '
        f'font-size="11" fill="#5b6673">time (UTC), one bar per {_e(unit)}</text>'
    )
    label_every = max(1, len(buckets) // 10)
    for i, bucket in enumerate(buckets):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for name, values in series.items():
            count = values[i]
            if not count:
                continue
            h = plot_h * count / peak
            y -= h
            parts.append(
                f'<rect class="bar" data-pattern="{_e(name)}" data-bucket="{_e(bucket)}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}" fill="{colours.get(name, "#888")}">'
                f"<title>{_e(bucket)}: {count} × {_e(name)}</title></rect>"
            )
        if totals[i]:
            parts.append(
                f'<text class="count" data-bucket="{_e(bucket)}" x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" '
                f'text-anchor="middle" font-size="11" fill="#1d232a">{totals[i]}</text>'
            )
        if i % label_every == 0 or i == len(buckets) - 1:
            parts.append(
                f'<text class="bucket" x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'font-size="11" fill="#5b6673">{_e(_bucket_label(bucket, unit))}</text>'
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i class="swatch" style="background:{colours.get(name, "#888")}"></i>{_e(name)}</span>'
        for name in series
    )
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _rule_link(rule: str | None) -> str:
    if not rule:
        return '<span class="unexplained">unexplained</span>'
    meaning, _ = rule_meaning(rule)
    return f'<a class="rule" href="#rule-{_e(rule_anchor(rule))}" title="{_e(meaning)}">{_e(rule)}</a>'


def _page_ids(summary: dict[str, Any]) -> list[str]:
    """Every rule and root-cause id the page names, sorted: the glossary's entries."""
    ids = {g.get("pattern") for g in summary["groups"]} | {g.get("cause") for g in summary["groups"]}
    ids |= {r["rule"] for r in summary["rules"]}
    ids |= {f["rule"] for flow in summary.get("flows", []) for f in flow["findings"]}
    return sorted(i for i in ids if i)


def _glossary(summary: dict[str, Any]) -> str:
    """One entry per id on the page: its meaning and, for a root cause, its fix in generic words."""
    entries = []
    for rule in _page_ids(summary):
        meaning, fix = rule_meaning(rule)
        entries.append(
            f'<dt id="rule-{_e(rule_anchor(rule))}" class="mono">{_e(rule)}</dt><dd>{_e(meaning)}'
            + (f'<br><span class="fix">Fix: {_e(fix)}</span>' if fix else "")
            + "</dd>"
        )
    return "".join(entries) or '<dd class="muted">No rules or root causes on this page.</dd>'


def _flow_link(flow_id: str, known: set[str]) -> str:
    """A link to the flow's drill-down, or its id alone when the page has no drill-down for it."""
    if flow_id in known:
        return f'<a class="flow-link" href="#flow-{_e(flow_id)}">{_e(flow_id)}</a>'
    return f'<span class="mono">{_e(flow_id)}</span>'


def _excerpt_html(excerpt: dict[str, Any] | None) -> str:
    if not excerpt:
        return '<p class="muted">No request body stored for the example flow.</p>'
    if excerpt.get("transcript"):  # a Responses API flow, as the one Responses renderer shows it
        return (
            f'<p class="muted">Flow <code>{_e(excerpt["flow_id"])}</code>, around '
            f"<code>{_e(excerpt['location'])}</code> ({excerpt['messages_total']} input items):</p>"
            f'<pre class="excerpt">{_e(chr(10).join(excerpt["transcript"]))}</pre>'
        )
    rows = []
    for message in excerpt["messages"]:
        detail = []
        if message.get("tool_calls"):
            detail.append(
                "tool_calls: " + ", ".join(f"{c.get('id')} ({c.get('name')})" for c in message["tool_calls"])
            )
        if message.get("tool_call_id") is not None:
            detail.append(f"tool_call_id: {message['tool_call_id']}")
        if message.get("content") is not None:
            detail.append(str(message["content"]))
        if "value" in message:
            detail.append(str(message["value"]))
        focus = ' class="focus"' if message["index"] == excerpt["focus"] else ""
        rows.append(
            f'<tr{focus}><td class="mono">[{message["index"]}]</td><td class="mono">{_e(message.get("role"))}</td>'
            f'<td class="mono">{_e(" · ".join(detail))}</td></tr>'
        )
    return (
        f'<p class="muted">Flow <code>{_e(excerpt["flow_id"])}</code>, around <code>{_e(excerpt["location"])}</code> '
        f"({excerpt['messages_total']} message{'' if excerpt['messages_total'] == 1 else 's'}):</p>"
        f'<table class="excerpt">{"".join(rows)}</table>'
    )


def _group_rows(groups: list[dict[str, Any]], colours: dict[str, str], known: set[str]) -> str:
    rows = []
    # report.html#<fingerprint> opens a group; a wording shared by two root causes or rules (OpenAI's
    # orphan/duplicate sentence) has one group per cause and rule, each anchored by its key instead.
    shared = {fp for fp, n in Counter(g["fingerprint"] for g in groups).items() if n > 1}
    for group in groups:
        anchor = group["key"] if group["fingerprint"] in shared else group["fingerprint"]
        explained = group["explanation"] != "unexplained"
        name = ((group["pattern"] or group.get("cause")) if explained else None) or "unexplained"
        if explained and group["pattern"]:
            pattern = f'<span class="pattern">{_rule_link(group["pattern"])}</span>'
        elif explained:
            pattern = f'<span class="pattern">{_rule_link(name)}</span>'
        else:
            pattern = '<span class="unexplained">unexplained</span>'
        explanations = ", ".join(f"{k} {v}" for k, v in group["explanations"].items())
        cause = (
            f'<dt>{ROOT_CAUSE.capitalize()}</dt><dd><span class="mono">{_e(group["cause"])}</span>: {_e(group["cause_title"])}'
            f"{_e(TRANSIENT_WORDS) if group.get('transient') else ''}</dd>"
            f"<dt>Fix</dt><dd>{_e(group.get('fix') or '-')}</dd>"
            if group.get("cause")
            else ""
        )
        if group.get("unconfirmed"):
            # The group's findings its answer contradicts (verdict.judge): neither confirmed nor false alarms.
            cause += f"<dt>Findings</dt><dd>{_e(unconfirmed_line(group))}</dd>"
        flows = " ".join(_flow_link(flow_id, known) for flow_id in reversed(group["flow_ids"]))
        answered = answered_by_words(group.get("answered_by") or ())  # the provider behind a router
        drill = (
            '<div class="drill"><dl>'
            f"{cause}"
            f'<dt>Upstream error</dt><dd class="mono">{_e(group["error_message"])}</dd>'
            f'<dt>Template</dt><dd class="mono">{_e(group["template"])}</dd>'
            f"<dt>Clients</dt><dd>{_e(', '.join(group['clients']) or '-')}</dd>"
            f"<dt>Models</dt><dd>{_e(', '.join(group['models']) or '-')}</dd>"
            f"<dt>Hosts</dt><dd>{_e(', '.join(group['hosts']) or '-')}</dd>"
            f"{f'<dt>{_e(ANSWERED_BY.capitalize())}</dt><dd>{_e(answered)}</dd>' if answered else ''}"
            f'<dt>Flows (newest first)</dt><dd class="flowlinks mono">{flows}</dd>'
            f"{f'<dt>Retries</dt><dd>{_e(retried)}</dd>' if (retried := retries_words(group)) else ''}"
            f"<dt>Minimal offending excerpt</dt><dd>{_excerpt_html(group.get('excerpt'))}</dd>"
            "</dl></div>"
        )
        rows.append(
            f'<tr class="group" id="{_e(anchor)}" data-cause="{_e(group.get("cause") or "")}" data-fingerprint="{_e(group["fingerprint"])}">'
            f'<td class="num">{group["count"]}</td>'
            f'<td><i class="swatch" style="background:{colours.get(name, "#888")}"></i>{pattern}</td>'
            f'<td class="explained">{_e(explanations)}</td>'
            f'<td class="err"><details><summary>{_e(group["template"])}</summary>{drill}</details></td>'
            f'<td class="mono">{_e(rejection_statuses(group["statuses"]))}</td>'
            f'<td class="mono when">{_e(group["first_seen"])}<br>{_e(group["last_seen"])}</td>'
            f'<td class="mono fp">{_e(group["fingerprint"])}</td></tr>'
        )
    return "".join(rows)


def _repairs_html(repairs: list[dict[str, Any]]) -> str:
    """A repaired flow's fixes (repair mode), applied or left as is, with what each did or why not."""
    if not repairs:
        return ""
    items = "".join(
        f'<li><span class="{"fix" if r["applied"] else "muted"}">{"applied" if r["applied"] else "left as is"}</span> '
        f"{_rule_link(r['rule'])} at <code>{_e(r['location'])}</code>: {_e(r['description'] or '')}</li>"
        for r in repairs
    )
    return f'<dt>Repairs</dt><dd><ul class="findings">{items}</ul></dd>'


def _show_command(databases: list[str]) -> Callable[[str], str]:
    """``toolguard show --db DB ID`` for a flow of the report: without --db it looked in the default
    database, where a report of capture.db has no such flow. A report of several databases cannot
    say which holds the flow (they are read as one), so it names them."""
    if len(databases) == 1:
        return lambda flow_id: f"toolguard show --db {shlex.quote(databases[0])} {flow_id}"
    names = ", ".join(databases)
    return lambda flow_id: f"toolguard show --db DB {flow_id} (DB: the database holding it, one of {names})"


def _flow_sections(flows: list[dict[str, Any]], show_command: Callable[[str], str]) -> str:
    """One ``<details class="flow" id="flow-<id>">`` per flow: what the upstream said, the findings
    with their fixes, and the messages around the first finding."""
    if not flows:
        return '<p class="muted">No flows in the selection.</p>'
    out = []
    for flow in flows:
        cause = flow.get("cause") or {}
        # The label the failures table gives the flow's group: its first finding, else the rule that
        # predicts its root cause, else the root cause itself (a 429, an overload).
        first = (
            flow["findings"][0]["rule"]
            if flow["findings"]
            else (flow.get("pattern") or cause.get("cause") or "")
        )
        status = (
            "no answer"
            if flow["status"] is None
            else rejection_status(flow["status"])
            if flow["verdict"] in REJECTED_VERDICTS
            else flow["status"]
        )
        summary_line = (
            f"{_e(flow['datetime_utc'])} · {_e(status)} · {_e(flow['verdict'] or '-')} · {_e(first) or '-'} · "
            f"{_e(flow['host'])}{_e(flow['path'] or '')} · {_e(flow['model'] or '-')} · {_e(flow['id'])}"
        )
        answer = []
        if flow.get("error") and flow.get("verdict") == Verdict.BLOCKED:
            # Block mode: the provider's error as toolguard answered it; no upstream ever saw the request.
            who = answered_by(flow["status"], flow["verdict"])
            answer.append(f'<dt>Answer</dt><dd class="mono err">{_e(who)}: {_e(flow["error"])}</dd>')
        elif flow.get("error"):
            answer.append(f'<dt>Upstream error</dt><dd class="mono err">{_e(flow["error"])}</dd>')
        if flow.get("flow_error"):
            answer.append(f'<dt>Connection</dt><dd class="mono err">{_e(flow["flow_error"])}</dd>')
        if cause.get("cause"):
            answer.append(
                f'<dt>{ROOT_CAUSE.capitalize()}</dt><dd><span class="mono">{_e(cause["cause"])}</span>: {_e(cause.get("title") or "")}</dd>'
                f"<dt>Fix</dt><dd>{_e(cause.get('fix') or '-')}</dd>"
            )
        findings = "".join(
            f'<li><span class="sev-{_e(f["severity"])}">{_e(f["severity"])}</span> {_rule_link(f["rule"])} '
            f'at <code>{_e(f["location"])}</code>: <span class="fix">{_e(f["message"])}</span></li>'
            for f in flow["findings"]
        )
        said_verdict = flow_verdict_words(
            flow["verdict"],
            (f["rule"] for f in flow["findings"]),
            broke_off=answer_broke_off(flow.get("status"), flow["verdict"], flow.get("flow_error")),
        )
        out.append(
            f'<details class="flow" id="flow-{_e(flow["id"])}" data-verdict="{_e(flow["verdict"])}">'
            f"<summary>{summary_line}</summary>"
            '<div class="drill"><dl>'
            f"<dt>Verdict</dt><dd>{_e(flow['verdict'] or '-')}: {_e(said_verdict)}</dd>"
            f"<dt>Client</dt><dd>{_e(flow['client'] or '-')}</dd>"
            + "".join(answer)
            + _repairs_html(flow.get("repairs") or [])
            + "<dt>Findings (each with its fix)</dt><dd>"
            + (f'<ul class="findings">{findings}</ul>' if findings else '<span class="muted">none</span>')
            + "</dd>"
            f"<dt>Request excerpt</dt><dd>{_excerpt_html(flow.get('excerpt'))}</dd>"
            f"<dt>Everything</dt><dd><code>{_e(show_command(flow['id']))}</code></dd>"
            "</dl></div></details>"
        )
    return "".join(out)


def _no_answer_rows(summary: dict[str, Any], flows: list[dict[str, Any]], known: set[str]) -> str:
    """The flows that got no answer among those the page details, and how many more the selection has
    (the page details only the newest flows: an older one must not read as "every request got an
    answer"); a selection that saw no request says that instead."""
    rows = [
        f'<tr><td class="mono when">{_e(f["datetime_utc"])}</td><td class="mono">{_e(f["host"])}{_e(f["path"] or "")}</td>'
        f'<td class="mono">{_e(f["flow_error"] or "-")}</td><td>{_flow_link(f["id"], known)}</td></tr>'
        for f in flows
        if f.get("verdict") == "no_answer"
    ]
    more = int(summary["verdicts"].get("no_answer") or 0) - len(rows)
    if more > 0:
        rows.append(
            f'<tr><td colspan="4" class="muted">{more} {"more flow" if more == 1 else "more flows"} got no answer, '
            f"before the newest {len(flows)} flows this page details: narrow the report with --since/--until, "
            "or query flows where verdict = 'no_answer' (docs/schema.md).</td></tr>"
        )
    if rows:
        return "".join(rows)
    if not summary["totals"]["flows"] and not (summary.get("seen") or {}).get("requests_seen"):
        return '<tr><td colspan="4" class="muted">No requests seen.</td></tr>'
    return '<tr><td colspan="4" class="muted">None: every request got an answer.</td></tr>'


def render_html(summary: dict[str, Any]) -> str:
    series = list(summary["timeline"]["series"])
    colours = _colours(series)
    totals = summary["totals"]
    cards = "".join(
        f'<div class="card"><b>{value}</b><span class="muted">{_e(label)}</span></div>'
        for label, value in (
            ("stored flows", totals["flows"]),
            ("rejected", totals["rejected"]),
            ("distinct failures", totals["groups"]),
            ("predicted", totals.get("predicted", 0)),
            ("recognised", totals.get("recognised", 0)),
            ("unexplained", totals.get("unexplained", 0)),
        )
    )
    unexplained = "".join(
        f'<tr><td class="num">{g["count"]}</td><td class="mono">{_e(rejection_statuses(g["statuses"]))}</td>'
        f'<td class="mono err">{_e(OPAQUE_MARK + " ") if g.get("opaque") else ""}{_e(g["template"])}</td>'
        f'<td class="mono fp">{_e(g["fingerprint"])}</td></tr>'
        for g in summary["unexplained"]
    ) or (
        '<tr><td colspan="4" class="muted">None: a rule or a known root cause explains every rejection.</td></tr>'
        if totals["rejected"]
        else '<tr><td colspan="4" class="muted">No rejected requests.</td></tr>'
    )
    # An opaque answer names nothing beyond its status (toolguard_core.opaque): not a candidate for a rule.
    opaque_note = (
        f'<p class="muted">{_e(OPAQUE_MARK)} {_e(OPAQUE_WORDS)}.</p>'
        if any(g.get("opaque") for g in summary["unexplained"])
        else ""
    )
    learned = (
        "".join(
            f'<tr><td class="mono">{_e(r["rule"])}</td><td class="mono">{_e(r["name"])}{"=" + _e(r["value"]) if r["value"] else ""}</td>'
            f'<td class="mono">{_e(r["host"])}</td><td class="mono">{_e(r["model"] or "*")}</td><td class="num">{r["count"]}</td>'
            f'<td class="mono">{_e(r["first_flow"])}</td></tr>'
            for r in summary.get("learned") or []
        )
        + "".join(
            f'<tr class="demoted"><td class="mono">{_e(r["rule"])}</td><td>a warning here (accepted {r["accepted"]}×)</td>'
            f'<td class="mono">{_e(r["host"])}</td><td class="mono">{_e(r["model"] or "*")}</td><td class="num">{r["accepted"]}</td>'
            f'<td class="mono">{_e(r["last_flow"])}</td></tr>'
            for r in summary.get("demoted") or []
        )
        or '<tr><td colspan="6" class="muted">Nothing learned yet.</td></tr>'
    )
    rules = (
        "".join(
            f'<tr><td>{_rule_link(r["rule"])}</td><td class="num">{r["predicted"]}</td>'
            f'<td class="num">{r["false_alarm"]}</td>'
            f'<td class="num">{"-" if r["precision"] is None else f"{r['precision']:.0%}"}</td></tr>'
            for r in summary["rules"]
        )
        or f'<tr><td colspan="4" class="muted">{_e(NO_JUDGED_FINDINGS)}.</td></tr>'
    )
    verdicts = (
        "".join(
            f'<tr><td>{_e(k)}</td><td class="num">{v}</td><td class="muted">{_e(verdict_words(k))}</td></tr>'
            for k, v in summary["verdicts"].items()
        )
        or '<tr><td class="muted">No flows in the selection.</td></tr>'
    )

    repairs = "".join(
        f'<tr><td class="mono">{_e(r["rule"])}</td><td class="num">{r["applied"]}</td>'
        f'<td class="num">{r["repaired"]}</td><td class="num">{r["repair_failed"]}</td>'
        f'<td class="num">{"-" if r["success_rate"] is None else f"{r['success_rate']:.0%}"}</td>'
        f'<td class="num">{r["not_applied"]}</td></tr>'
        for r in summary.get("repairs", [])
    )
    repairs_section = (
        '<h2>Repairs by rule (repair mode)</h2><table id="repairs"><thead><tr><th>rule</th>'
        '<th class="num">applied</th><th class="num">repaired</th><th class="num">repair failed</th>'
        f'<th class="num">success</th><th class="num">left as is</th></tr></thead><tbody>{repairs}</tbody></table>'
        if repairs
        else ""
    )
    data = json.dumps(summary, ensure_ascii=False).replace("</", "<\\/")
    flows: list[dict[str, Any]] = summary.get("flows", [])
    known = {f["id"] for f in flows}
    groups = (
        _group_rows(summary["groups"], colours, known)
        or '<tr><td colspan="7" class="muted">No rejected requests.</td></tr>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>toolguard report</title>
<style>{CSS}</style></head>
<body>
<h1>toolguard report</h1>
<p class="muted">{_e(", ".join(summary["databases"]))} · normaliser {_e(summary["normaliser_version"])}</p>
<div class="cards">{cards}</div>
{"".join(f'<p class="seen-note">{_e(note)}.</p>' for note in seen_notes(summary))}
{"".join(f'<p class="unexplained grouping-note">{_e(note)}.</p>' for note in grouping_notes(summary))}
<h2>Rejections over time by pattern (per {_e(summary["timeline"]["unit"])})</h2>
{chart_svg(summary["timeline"], colours)}
<h2>Failures by pattern</h2>
<p class="muted">Click a row's error text for the drill-down: clients, models, hosts, its flows and the
messages around the finding. A rule or root cause links to its meaning in the glossary at the end.</p>
<table id="groups"><thead><tr><th class="num">count</th><th>pattern (rule or root cause)</th>
<th>explained</th><th>error (normalised)</th>
<th>status</th><th>first / last seen</th><th>fingerprint</th></tr></thead><tbody>{groups}</tbody></table>
<h2>Unexplained rejections</h2>
<p class="muted">No rule flagged these and no known root cause matches their error text: candidates for a
new rule.</p>
<table id="unexplained"><thead><tr><th class="num">count</th><th>status</th><th>error (normalised)</th>
<th>fingerprint</th></tr></thead><tbody>{unexplained}</tbody></table>
{opaque_note}
<h2>Findings by rule</h2>
<table id="rules"><thead><tr><th>rule</th><th class="num">predicted</th><th class="num">false alarms</th>
<th class="num">precision</th></tr></thead><tbody>{rules}</tbody></table>
<h2>Learned from the upstreams</h2>
<table id="learned"><thead><tr><th>rule</th><th>what</th><th>host</th><th>model</th><th class="num">count</th>
<th>flow</th></tr></thead><tbody>{learned}</tbody></table>
{repairs_section}
<h2>Verdicts</h2>
<table id="verdicts" style="max-width:760px"><tbody>{verdicts}</tbody></table>
<h2>No answer from the upstream</h2>
<p class="muted">Connection refused, timeouts, clients gone before the answer: no status to judge.</p>
<table id="no-answer"><thead><tr><th>when</th><th>upstream</th><th>error</th><th>flow</th></tr></thead>
<tbody>{_no_answer_rows(summary, flows, known)}</tbody></table>
<h2>Flows</h2>
<p class="muted">Each flow{f" (the newest {len(flows)})" if len(flows) < summary["totals"]["flows"] else ""}: its
answer, its findings with their fixes, and the messages around the first finding.</p>
<div id="flows">{_flow_sections(flows, _show_command(list(summary["databases"])))}</div>
<h2>Glossary</h2>
<p class="muted">Each rule and root cause this page names; every finding's message says what to change.</p>
<dl id="glossary">{_glossary(summary)}</dl>
<script type="application/json" id="toolguard-summary">{data}</script>
<script>{OPEN_LINKED}</script>
</body></html>
"""
