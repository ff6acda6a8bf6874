"""The summary's renderers: text (a terminal, colour optional), markdown, JSON and HTML. Each renders
the one dict :func:`toolguard_analysis.summary.build_summary` returns, so every format shows the same
numbers. Click-free: colour is plain ANSI (what ``click.style`` writes)."""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

from toolguard_analysis.report_html import render_html
from toolguard_analysis.rule_links import ROOT_CAUSE
from toolguard_analysis.summary import (
    NO_JUDGED_FINDINGS,
    TRANSIENT_WORDS,
    grouping_notes,
    retries_words,
    seen_notes,
    unconfirmed_line,
)
from toolguard_analysis.terminal import printable
from toolguard_core.opaque import OPAQUE_MARK, OPAQUE_WORDS
from toolguard_core.upstreams import listed
from toolguard_core.verdict import REJECTION_VOCABULARY, Verdict, rejection_statuses
from toolguard_core.visibility import ANSWERED_BY, NOTHING_SEEN, answered_by_words

__all__ = ["render", "render_html", "render_json", "render_markdown", "render_text"]

_ANSI_COLOURS = {"red": 31, "green": 32, "yellow": 33}
_ANSI_FLAGS = (("bold", 1), ("dim", 2), ("underline", 4))


def ansi_style(text: str, fg: str | None = None, **flags: bool) -> str:
    """``text`` in ANSI colour/bold/dim/underline, reset at the end, as ``click.style`` writes it."""
    codes = [_ANSI_COLOURS[fg]] if fg else []
    codes += [code for name, code in _ANSI_FLAGS if flags.get(name)]
    return "".join(f"\x1b[{code}m" for code in codes) + text + "\x1b[0m"


#: A width that cuts nothing: piped or written to a file, the text keeps every id (OpenAI's
#: unanswered-call message ends with the tool_call ids, past any terminal's width).
NO_LIMIT = 1 << 30


def _trim(text: str, width: int) -> str:
    text = re.sub(r"\s*\n\s*|\t", " ", str(text)).rstrip()
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def _transient(group: dict[str, Any]) -> str:
    return TRANSIENT_WORDS if group.get("transient") else ""


def render_text(summary: dict[str, Any], colour: bool = False, width: int | None = None) -> str:
    width = max(60, width or shutil.get_terminal_size((100, 24)).columns)

    def style(text: str, **kwargs: Any) -> str:
        return ansi_style(text, **kwargs) if colour else text

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
    if totals["rejected"]:
        out.append(_trim(_vocabulary_line(totals), width))
    for note in seen_notes(summary):  # what was seen beyond the stored flows, never left out
        out.append(style(note, bold=True) if note == NOTHING_SEEN else style(note, fg="yellow"))
    for note in grouping_notes(summary):
        out.append(style(note, fg="yellow"))
    out.append("")
    out.append(style("Failures by pattern (most frequent first)", bold=True, underline=True))
    if not summary["groups"]:
        out.append("  (no rejected requests)")
    for i, group in enumerate(summary["groups"], 1):
        pattern = _label(group)
        out.append(
            f"{style(f'{group["count"]:>5}×', bold=True)}  "
            + style(pattern, fg="yellow" if group["explanation"] == "unexplained" else "green", bold=True)
            + f"  [{group['fingerprint']}]  status {rejection_statuses(group['statuses']) or '-'}"
        )
        indent = " " * 9
        out.append(indent + _trim(group["error_message"], width - len(indent)))
        out.append(indent + _trim(f"explained: {_explanations(group)}", width - len(indent)))
        if group.get("cause"):
            out.append(
                indent
                + _trim(
                    f"{ROOT_CAUSE}: {group['cause']}: {group['cause_title']}{_transient(group)}",
                    width - len(indent),
                )
            )
            if group.get("fix"):
                out.append(indent + _trim(f"fix: {group['fix']}", width - len(indent)))
        if group.get("unconfirmed"):
            out.append(indent + _trim(f"findings: {unconfirmed_line(group)}", width - len(indent)))
        out.append(indent + _trim(f"seen {group['first_seen']} … {group['last_seen']}", width - len(indent)))
        for label, key in (("clients", "clients"), ("models", "models"), ("hosts", "hosts")):
            if group[key]:
                out.append(indent + _trim(f"{label}: {', '.join(group[key])}", width - len(indent)))
        answered = answered_by_words(group.get("answered_by") or ())
        if answered:
            out.append(indent + _trim(f"{ANSWERED_BY}: {answered}", width - len(indent)))
        out.append(indent + _trim(f"flows: {', '.join(group['example_flow_ids'])}", width - len(indent)))
        retried = retries_words(group)  # "3×" for one call its SDK tried three times
        if retried:
            out.append(indent + _trim(retried, width - len(indent)))
        ex = group.get("excerpt")
        if ex:
            out.append(indent + style(f"excerpt ({ex['location'] or 'end of messages'}):", dim=True))
            for message in ex["messages"]:
                marker = "→" if message["index"] == ex["focus"] else " "
                line = _trim(f"[{message['index']}] {_describe(message)}", width - len(indent) - 4)
                out.append(f"{indent}  {marker} {line}")
            # A Responses API flow: the items as the one Responses renderer shows them.
            out += [
                f"{indent}    {_trim(line, width - len(indent) - 4)}" for line in ex.get("transcript", [])
            ]
        if i < len(summary["groups"]):
            out.append("")
    out.append("")
    out.append(
        style(
            "Unexplained rejections (neither a rule nor a known root cause explains them)",
            bold=True,
            underline=True,
        )
    )
    if not summary["unexplained"]:
        out.append("  none")
    for group in summary["unexplained"]:
        statuses = rejection_statuses(group["statuses"], ",") or "-"
        mark = f"{OPAQUE_MARK} " if group.get("opaque") else ""
        out.append(_trim(f"{group['count']:>5}×  {statuses:<7} {mark}{group['template']}", width))
    if any(group.get("opaque") for group in summary["unexplained"]):
        out.append(_trim(f"  {OPAQUE_MARK} {OPAQUE_WORDS}", width))
    out.append("")
    out.append(
        style("Findings by rule: confirmed by the upstream vs false alarms", bold=True, underline=True)
    )
    if not summary["rules"]:
        out.append(f"  {NO_JUDGED_FINDINGS[0].lower()}{NO_JUDGED_FINDINGS[1:]}")
    else:
        out.append(f"  {'rule':<38}{'predicted':>10}{'false alarms':>14}{'precision':>11}")
    for rule in summary["rules"]:
        precision = "-" if rule["precision"] is None else f"{rule['precision']:.0%}"
        false_alarms = style(f"{rule['false_alarm']:>14}", fg="red" if rule["false_alarm"] else "green")
        out.append(f"  {_trim(rule['rule'], 38):<38}{rule['predicted']:>10}{false_alarms}{precision:>11}")
        for where in rule.get("demoted") or ():
            out.append(
                style(_trim(f"      a warning on {where}: the upstream accepted it", width), fg="yellow")
            )
    if summary.get("repairs"):
        out.append("")
        out.append(
            style(
                "Repairs by rule (repair mode): applied, then accepted by the upstream",
                bold=True,
                underline=True,
            )
        )
        out.append(f"  {'rule':<38}{'applied':>8}{'repaired':>10}{'failed':>8}{'success':>9}{'left':>6}")
        for r in summary["repairs"]:
            rate = "-" if r["success_rate"] is None else f"{r['success_rate']:.0%}"
            out.append(
                f"  {_trim(r['rule'], 38):<38}{r['applied']:>8}{r['repaired']:>10}{r['repair_failed']:>8}"
                f"{rate:>9}{r['not_applied']:>6}"
            )
    out.append("")
    out.append(style("Learned from the upstreams", bold=True, underline=True))
    out += _learned_lines(summary)
    out.append("")
    out.append(style("Verdicts", bold=True, underline=True))
    out.append(
        "  " + "  ".join(f"{name} {count}" for name, count in summary["verdicts"].items())
        if summary["verdicts"]
        else "  none"
    )
    out += [_trim(line, width) for line in _no_answer_lines(summary, "  ")]
    out += [_trim(line, width) for line in _broke_off_lines(summary, "  ")]
    return "\n".join(out) + "\n"


def _no_answer_lines(summary: dict[str, Any], indent: str) -> list[str]:
    """The flows that got no answer (no error text, so in no group): their ids, newest first."""
    listed = summary.get("no_answer") or []
    if not listed:
        return []
    count = int(summary["verdicts"].get(Verdict.NO_ANSWER.value) or 0)
    lines = [f"{indent}no answer from the upstream ({count}; toolguard show ID):"]
    lines += [
        f"{indent}  {f['id']}  {f['datetime_utc'] or '-'}  {f['host'] or ''}{f['path'] or ''}  "
        f"{f['flow_error'] or 'no answer'}"
        for f in listed
    ]
    if count > len(listed):
        lines.append(f"{indent}  ... {count - len(listed)} older (narrow with --since/--until)")
    return lines


def _broke_off_lines(summary: dict[str, Any], indent: str) -> list[str]:
    """The flows whose answer started and broke off (counted under the verdict of the part that came,
    accepted most often): their ids and what mitmproxy said of the connection, newest first."""
    broke = summary.get("broke_off") or {}
    listed, count = broke.get("flows") or [], int(broke.get("count") or 0)
    if not listed:
        return []
    ended = int(broke.get("ended_early") or 0)
    # Streams the upstream closed before their end event are among them (verdict.ENDED_EARLY), said apart.
    among = (
        f", {ended} of them {'a stream' if ended == 1 else 'streams'} ended without the end event"
        if ended
        else ""
    )
    lines = [f"{indent}{BROKE_OFF_HEADING} ({count}{among}; toolguard show ID):"]
    lines += [
        f"{indent}  {f['id']}  {f['datetime_utc'] or '-'}  {f['host'] or ''}{f['path'] or ''}  {f['flow_error']}"
        for f in listed
    ]
    if count > len(listed):
        lines.append(f"{indent}  ... {count - len(listed)} older (narrow with --since/--until)")
    return lines


#: How the summary introduces the answers that broke off (verdict.BROKE_OFF_WORDS, for a list).
BROKE_OFF_HEADING = "answers that broke off before their end, so the client got an incomplete answer"


def _label(group: dict[str, Any]) -> str:
    """A group's name: its rule, else its root cause, else UNEXPLAINED."""
    return group.get("pattern") or group.get("cause") or "UNEXPLAINED"


def _explanations(group: dict[str, Any]) -> str:
    return ", ".join(f"{name} {n}" for name, n in (group.get("explanations") or {}).items())


def _vocabulary_line(totals: dict[str, Any]) -> str:
    """The three words for a rejection with their counts and meanings (verdict.REJECTION_VOCABULARY)."""
    return ", ".join(
        f"{totals.get(word, 0)} {word}" + (f" ({meaning})" if meaning != "neither" else "")
        for word, meaning in REJECTION_VOCABULARY.items()
    )


def _learned_lines(summary: dict[str, Any]) -> list[str]:
    lines = []
    learned = summary.get("learned") or []
    demoted = summary.get("demoted") or []
    if not learned and not demoted:
        return ["  nothing yet"]
    for row in learned:
        if row.get("kind") in ("engine", "gateway"):
            # What the host's answers said of the server behind it (toolguard_core.engines).
            lines.append(
                f"  {row['kind']} of {row['host']} inferred: {listed(row['kind'], row['name'], row['value'])} "
                f"(model {row['model'] or '*'}; from {row['cause_id'] or 'its answer'}: "
                f"{printable(' '.join(str(row['error_text']).split())[:120])!r}; {row['count']}×, first flow {row['first_flow']})"
            )
            continue
        what = row["name"] + (f"={row['value']}" if row["value"] else "")
        lines.append(
            f"  {row['rule']:<22} {what} on {row['host']} {row['model'] or '*'} "
            f"({row['count']}×, first flow {row['first_flow']})"
        )
    for row in demoted:
        lines.append(
            f"  demoted to a warning: {row['rule']} on {row['host']} {row['model'] or '*'} "
            f"(accepted {row['accepted']}×, since {row['demoted_at']})"
        )
    return lines


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
        _vocabulary_line(totals) + ".",
        "",
        *(f"{_md(note)}.\n" for note in seen_notes(summary)),
        *(f"**{_md(note)}.**\n" for note in grouping_notes(summary)),
        "## Failures by pattern",
        "",
        "| count | pattern | root cause | explained | fingerprint | status | error | first seen | last seen | clients | models | hosts |",
        "|---:|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for g in summary["groups"]:
        out.append(
            f"| {g['count']} | {_md(g['pattern'] or ('-' if g.get('cause') else '**unexplained**'))} | "
            f"{_md(g.get('cause') or '-')} | {_md(_explanations(g))} | `{g['fingerprint']}` | "
            f"{rejection_statuses(g['statuses'])} | {_md(_trim(g['error_message'], 160))} | {g['first_seen']} | "
            f"{g['last_seen']} | {_md(', '.join(g['clients']))} | {_md(', '.join(g['models']))} | {_md(', '.join(g['hosts']))} |"
        )
    for g in summary["groups"]:
        out += ["", f"### {_label(g)} — `{g['fingerprint']}` ({g['count']}×, {_explanations(g)})", ""]
        if g.get("cause"):
            out += [
                # Cause titles are sentences with their own full stop (causes.py): add one only if missing.
                f"{ROOT_CAUSE.capitalize()}: `{g['cause']}`: {_md(g['cause_title'].rstrip('.'))}.{_transient(g)} Fix: {_md(g.get('fix') or '-')}",
                "",
            ]
        if g.get("unconfirmed"):
            out += [f"Findings: {_md(unconfirmed_line(g))}", ""]
        answered = answered_by_words(g.get("answered_by") or ())
        if answered:
            out += [f"{ANSWERED_BY.capitalize()}: {_md(answered)}.", ""]
        out.append(f"Example flows: {', '.join(f'`{i}`' for i in g['example_flow_ids'])}")
        retried = retries_words(g)
        if retried:
            out += ["", f"{_md(retried)}."]
        ex = g.get("excerpt")
        if ex:
            out += ["", f"Excerpt around `{ex['location']}`:", "", "```"]
            out += [
                f"{'→' if m['index'] == ex['focus'] else ' '} [{m['index']}] {_describe(m)}"
                for m in ex["messages"]
            ]
            out += ex.get("transcript", [])
            out.append("```")
    out += ["", "## Unexplained rejections", ""]
    if summary["unexplained"]:
        out += ["| count | status | template |", "|---:|---|---|"]
        out += [
            f"| {g['count']} | {rejection_statuses(g['statuses'])} | "
            f"{OPAQUE_MARK + ' ' if g.get('opaque') else ''}{_md(g['template'])} |"
            for g in summary["unexplained"]
        ]
        if any(g.get("opaque") for g in summary["unexplained"]):
            out += ["", f"{OPAQUE_MARK} {OPAQUE_WORDS}."]
    else:
        out.append("None.")
    out += ["", "## Findings by rule", ""]
    if summary["rules"]:
        out += ["| rule | predicted | false alarms | precision | a warning on |", "|---|---:|---:|---:|---|"]
        for r in summary["rules"]:
            precision = "-" if r["precision"] is None else f"{r['precision']:.0%}"
            demoted = "; ".join(r.get("demoted") or ())
            out.append(
                f"| {r['rule']} | {r['predicted']} | {r['false_alarm']} | {precision} | {_md(demoted or '-')} |"
            )
    else:
        out.append(f"{NO_JUDGED_FINDINGS}.")
    out += ["", "## Learned from the upstreams", ""]
    out += [line.strip() and f"- {line.strip()}" for line in _learned_lines(summary)]
    if summary.get("repairs"):
        out += ["", "## Repairs by rule", ""]
        out += [
            "| rule | applied | repaired | repair failed | success | left as is |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in summary["repairs"]:
            rate = "-" if r["success_rate"] is None else f"{r['success_rate']:.0%}"
            out.append(
                f"| {r['rule']} | {r['applied']} | {r['repaired']} | {r['repair_failed']} | {rate} | {r['not_applied']} |"
            )
    out += ["", "## Verdicts", "", "| verdict | flows |", "|---|---:|"]
    out += [f"| {name} | {count} |" for name, count in summary["verdicts"].items()]
    for flows in (_no_answer_lines(summary, ""), _broke_off_lines(summary, "")):
        if flows:
            out += ["", flows[0], "", "```text", *(line.strip() for line in flows[1:]), "```"]
    return "\n".join(out) + "\n"


def render_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"


def render(
    summary: dict[str, Any], output_format: str, colour: bool = False, width: int | None = None
) -> str:
    """The summary in ``text``, ``markdown``, ``json`` or ``html``. ``width``: where text lines are cut
    (``None``: the terminal's width; the CLI passes :data:`NO_LIMIT` when stdout is not a terminal)."""
    if output_format == "json":
        return render_json(summary)
    if output_format == "markdown":
        return printable(render_markdown(summary))  # upstream texts in it: no escape reaches a terminal
    if output_format == "html":
        return render_html(summary)
    return printable(render_text(summary, colour=colour, width=width))
