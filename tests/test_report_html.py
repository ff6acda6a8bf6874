"""The HTML report, rendered in headless Chromium (Debian's ``chromium``): what does the page show?"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_summary import OPENAI_ORPHAN, conversation, flow, machine_a, machine_b, orphan_finding, write_db

from toolguard_analysis.cli import cli
from toolguard_analysis.fingerprint import fingerprint
from toolguard_analysis.rule_links import rule_meaning
from toolguard_core.causes import CAUSES_BY_ID, generic_fix
from toolguard_core.grouping import group_key
from toolguard_core.store import FindingRow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags from the machine notes: no sandbox as root, and no background traffic on a closed network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def report(tmp_path: Path) -> Path:
    a = write_db(tmp_path / "a.db", machine_a())
    b = write_db(tmp_path / "b.db", machine_b())
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["summary", "--db", str(a), "--db", str(b), "--format", "html", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_report_is_self_contained(report: Path) -> None:
    html = report.read_text()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "<script src" not in html


class Page(HTMLParser):
    """The rendered DOM: group rows, chart bars, and the text inside each opened drill-down."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.bars: list[dict[str, str | None]] = []
        self.chart = False
        self.open_details_text: list[str] = []
        self._row: dict[str, Any] | None = None
        self._cell: list[str] | None = None
        self._details_depth = 0
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "svg" and a.get("id") == "chart":
            self.chart = True
        if tag == "rect" and a.get("class") == "bar":
            self.bars.append(a)
        if tag == "tr" and a.get("class") == "group":
            self._row = {"fingerprint": a.get("data-fingerprint"), "cells": [], "open": False}
            self.rows.append(self._row)
        if tag == "td" and self._row is not None and self._details_depth == 0:
            self._cell = []
        if tag == "details":
            self._details_depth += 1
            self._open = "open" in a
            if self._row is not None:
                self._row["open"] = self._open

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._details_depth -= 1
            self._open = False
        if tag == "td" and self._cell is not None and self._details_depth == 0 and self._row is not None:
            self._row["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "tr" and self._details_depth == 0:
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._open:
            self.open_details_text.append(data)


def rendered_dom(url: str, tmp_path: Path) -> Page:
    if not CHROMIUM:
        pytest.skip(
            "chromium is not installed (Debian package `chromium`; scripts/bootstrap --test installs it)"
        )
    result = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    page = Page()
    page.feed(result.stdout)
    return page


def test_chromium_shows_chart_groups_and_drill_down(report: Path, tmp_path: Path) -> None:
    orphan = "n2-5c3f8faf1746"  # fingerprint of the orphan-tool sentence (OpenAI + DeepSeek wordings)
    # Two groups share it (the orphan rule's, and b1's: no rule fired on b1), so each is anchored by its key.
    page = rendered_dom(report.as_uri() + "#" + ORPHAN_GROUP, tmp_path)

    assert page.chart
    assert sorted((b["data-pattern"], b["data-bucket"]) for b in page.bars) == [
        ("sequence.orphan-tool-message", "2026-11-20T10"),
        ("sequence.orphan-tool-message", "2026-11-21T09"),
        ("sequence.unanswered-tool-call", "2026-11-22T09"),
        ("unexplained", "2026-11-21T11"),
        ("unexplained", "2026-11-22T08"),
        ("unexplained", "2026-11-22T10"),
    ]
    assert [(r["cells"][0], r["cells"][1]) for r in page.rows] == [
        ("2", "sequence.orphan-tool-message"),
        ("2", "unexplained"),
        ("1", "unexplained"),
        ("1", "sequence.unanswered-tool-call"),
    ]
    assert [page.rows[0]["fingerprint"], page.rows[2]["fingerprint"]] == [orphan, orphan]
    # The linked group's drill-down is open (the inline script ran) and shows the example's context.
    assert [r["open"] for r in page.rows] == [True, False, False, False]
    drill = " ".join(" ".join(page.open_details_text).split())
    for needle in (
        "Clients QwenCode/0.24.4 (OpenAI/JS 5.11.0) Models gpt-4o Hosts api.openai.com",
        "a2 a1",  # the group's flows, newest first, each a link to its drill-down
        "tool_call_id: call_5abcDEF · hello.txt",
        "preceeding message with 'tool_calls'",
    ):
        assert needle in drill, needle


def test_empty_report_renders(tmp_path: Path) -> None:
    db = write_db(tmp_path / "empty.db", [])
    out = tmp_path / "empty.html"
    result = CliRunner().invoke(cli, ["summary", "--db", str(db), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0
    page = rendered_dom(out.as_uri(), tmp_path)
    assert page.rows == [] and not page.chart


class FlowPage(HTMLParser):
    """The rendered DOM's flow links (from group rows), flow drill-downs (open or not, their text),
    rule links, chart ticks, bar counts, axis labels and the no_answer table."""

    def __init__(self) -> None:
        super().__init__()
        self.group_flow_links: dict[str, list[str]] = {}
        self.rule_links: set[str] = set()
        self.flows: dict[str, dict[str, Any]] = {}
        self.svg_text: dict[str, list[str]] = {"tick": [], "count": [], "axis-label": [], "bucket": []}
        self.no_answer_rows: list[list[str]] = []
        self._group: str | None = None
        self._flow: dict[str, Any] | None = None
        self._svg_class: str | None = None
        self._in_no_answer = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("class") == "group":
            self._group = a.get("id")  # the group's anchor: its fingerprint, or its key when shared
            self.group_flow_links[self._group or ""] = []
        if tag == "a" and a.get("class") == "flow-link" and self._group is not None:
            self.group_flow_links[self._group].append(a.get("href") or "")
        if tag == "a" and a.get("class") == "rule":
            self.rule_links.add(a.get("href") or "")
        if tag == "details" and a.get("class") == "flow":
            self._flow = {"open": "open" in a, "text": []}
            self.flows[(a.get("id") or "").removeprefix("flow-")] = self._flow
        if tag == "text" and a.get("class") in self.svg_text:
            self._svg_class = a.get("class")
        if tag == "table" and a.get("id") == "no-answer":
            self._in_no_answer = True
        if self._in_no_answer and tag == "tr":
            self._row = []
        if self._in_no_answer and tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._flow = None
        if tag == "tr" and self._group is not None:
            self._group = None
        if tag == "text":
            self._svg_class = None
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None:
            if self._row:
                self.no_answer_rows.append(self._row)
            self._row = None
        if tag == "table":
            self._in_no_answer = False

    def handle_data(self, data: str) -> None:
        if self._flow is not None:
            self._flow["text"].append(data)
        if self._svg_class:
            self.svg_text[self._svg_class].append(data)
        if self._cell is not None:
            self._cell.append(data)


def dump_dom(url: str, tmp_path: Path) -> str:
    if not CHROMIUM:
        pytest.skip(
            "chromium is not installed (Debian package `chromium`; scripts/bootstrap --test installs it)"
        )
    result = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


# The orphan rule's group's anchor: its key, since its wording's fingerprint (it changes with
# NORMALISER_VERSION) is shared with b1's group (the same sentence on a request no rule flagged).
ORPHAN_GROUP = group_key(None, "sequence.orphan-tool-message", fingerprint(OPENAI_ORPHAN))


def test_chromium_click_through_from_a_group_to_a_flow_drill_down(report: Path, tmp_path: Path) -> None:
    page = FlowPage()
    page.feed(dump_dom(report.as_uri(), tmp_path))
    # The orphan group links to its three flows; no flow drill-down is open on a plain load.
    assert page.group_flow_links[ORPHAN_GROUP] == ["#flow-a2", "#flow-a1"]
    assert not any(f["open"] for f in page.flows.values())
    assert "#rule-sequenceorphan-tool-message" in page.rule_links
    # Axis: gridline labels from 0, each bar's count, both axis labels.
    assert page.svg_text["tick"][0] == "0" and page.svg_text["count"]
    assert page.svg_text["axis-label"] == ["rejected requests", "time (UTC), one bar per hour"]
    assert page.no_answer_rows == [
        ["2026-11-21T13:00:00.000Z", "api.openai.com/v1/chat/completions", "connection refused", "a5"]
    ]

    # Following the group's link to a2 (what a click does: the URL gets its #fragment) opens that flow.
    followed = FlowPage()
    followed.feed(dump_dom(report.as_uri() + page.group_flow_links[ORPHAN_GROUP][0], tmp_path))
    assert [flow_id for flow_id, f in followed.flows.items() if f["open"]] == ["a2"]
    text = " ".join(" ".join(followed.flows["a2"]["text"]).split())
    for needle in (
        "predicted: rejected by the upstream, as toolguard predicted",
        "Upstream error Invalid parameter: messages with role 'tool' must be a response",
        "error sequence.orphan-tool-message at messages[5] : tool message at messages[5] answers no tool call",
        "[5] tool tool_call_id: call_5abcDEF · hello.txt",  # the request excerpt around the finding
        "toolguard show --db DB a2 (DB: the database holding it, one of",
    ):
        assert needle in text, needle


def test_a_blocked_flows_answer_is_labelled_toolguards(tmp_path: Path) -> None:
    """The HTML drill-down of a block-mode flow said "Upstream error" under "never sent upstream"."""
    db = write_db(
        tmp_path / "blocked.db",
        [
            flow(
                "b1", "2026-11-20T10:00:00.000Z", status=400, error_message=OPENAI_ORPHAN, verdict="blocked"
            ),
            flow(
                "r1",
                "2026-11-20T10:01:00.000Z",
                status=400,
                error_message=OPENAI_ORPHAN,
                verdict="unexplained",
            ),
        ],
    )
    out = tmp_path / "blocked.html"
    result = CliRunner().invoke(cli, ["summary", "--db", str(db), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    labels = re.findall(r'<details class="flow" id="flow-(\w+)".*?<dt>(Answer|Upstream error)</dt><dd[^>]*>([^<]*)',
                        out.read_text(), re.S)  # fmt: skip
    escaped = html.escape(OPENAI_ORPHAN)
    assert sorted(labels) == [
        ("b1", "Answer", f"toolguard answered 400 itself (block mode; never sent upstream): {escaped}"),
        ("r1", "Upstream error", escaped),
    ]


def test_a_responses_flow_excerpt_is_the_responses_transcript(tmp_path: Path) -> None:
    """A rejected Responses turn (a WebSocket message, as Codex sends them): the group's excerpt is the
    one Responses renderer's text, not "no request body"."""
    body = {
        "type": "response.create",
        "model": "gpt-5",
        "input": [
            {"role": "user", "content": "list the files"},
            {"type": "function_call", "id": "fc_1", "call_id": "call_open", "name": "ls", "arguments": "{}"},
            {"role": "user", "content": "And <now>?"},
        ],
    }
    db = write_db(
        tmp_path / "ws.db",
        [
            flow(
                "ws1",
                "2026-11-20T10:00:00.000Z",
                method="WS",
                path="/v1/responses",
                host="api.openai.com",
                model="gpt-5",
                status=400,
                request_json=json.dumps(body),
                error_message="No tool output found for function call call_open.",
                error_param="input",
                error_provider="openai",
                verdict="predicted",
                finding_count=1,
                error_finding_count=1,
                findings=[
                    FindingRow(
                        idx=0,
                        rule="responses.unanswered-function-call",
                        severity="error",
                        location="input[1].call_id",
                        message="input[1] calls call_open but no function_call_output with that call_id follows it.",
                    )
                ],
            )
        ],
    )
    out = tmp_path / "ws.html"
    result = CliRunner().invoke(cli, ["summary", "--db", str(db), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    transcript = "\n".join(
        [
            "[0] user",
            "    list the files",
            "[1] function_call fc_1",
            "  -&gt; call call_open: ls({})",  # escaped like every text in the page
            "     NO OUTPUT in this request",
            "[2] user",
            "    And &lt;now&gt;?",
        ]
    )
    assert f'<pre class="excerpt">{transcript}</pre>' in text
    assert "No request body stored for the example flow." not in text
    # The text summary shows the same lines under the group.
    result = CliRunner().invoke(cli, ["summary", "--db", str(db)])
    lines = result.output.splitlines()
    start = lines.index("         excerpt (input[1].call_id):")
    assert lines[start + 1 : start + 8] == [
        "             [0] user",
        "                 list the files",
        "             [1] function_call fc_1",
        "               -> call call_open: ls({})",
        "                  NO OUTPUT in this request",
        "             [2] user",
        "                 And <now>?",
    ]


class Glossary(HTMLParser):
    """Every href on the page, each rule/cause link's target and tooltip, and the glossary's entries
    (id -> text) as the parser reads the file: no browser needed to check a file's links."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.rule_links: dict[str, set[str | None]] = {}
        self.entries: dict[str, str] = {}
        self._dt: str | None = None
        self._dd: list[str] | None = None
        self._in_glossary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("href") is not None:
            self.hrefs.append(a["href"] or "")
        if tag == "a" and a.get("class") == "rule":
            self.rule_links.setdefault(a.get("href") or "", set()).add(a.get("title"))
        if tag == "dl" and a.get("id") == "glossary":
            self._in_glossary = True
        if self._in_glossary and tag == "dt":
            self._dt = a.get("id")
        if self._in_glossary and tag == "dd":
            self._dd = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "dd" and self._dd is not None and self._dt is not None:
            self.entries[self._dt] = " ".join("".join(self._dd).split())
            self._dd = None
        if tag == "dl":
            self._in_glossary = False

    def handle_data(self, data: str) -> None:
        if self._dd is not None:
            self._dd.append(data)


ORPHAN_MEANING = (
    "A tool message is not in the contiguous block right after an assistant message with `tool_calls`."
)
UNANSWERED_MEANING = (
    "An assistant `tool_calls` entry has no tool message answering it in the block right after it."
)


def test_rule_ids_link_into_the_page_glossary_never_into_a_source_tree(report: Path) -> None:
    """A report copied anywhere (a pip install has no docs/): every link stays in the page, each rule
    id carries its meaning as a tooltip, and the glossary holds one entry per id with the registry's
    summary."""
    page = Glossary()
    page.feed(report.read_text())
    assert all(href.startswith("#") for href in page.hrefs), [h for h in page.hrefs if not h.startswith("#")]
    assert page.rule_links == {
        "#rule-sequenceorphan-tool-message": {ORPHAN_MEANING},
        "#rule-sequenceunanswered-tool-call": {UNANSWERED_MEANING},
    }
    assert page.entries == {
        "rule-sequenceorphan-tool-message": ORPHAN_MEANING,
        "rule-sequenceunanswered-tool-call": UNANSWERED_MEANING,
    }


@pytest.mark.parametrize(
    ("rule_id", "meaning"),
    [
        ("sequence.orphan-tool-message", (ORPHAN_MEANING, None)),
        (
            "cause.auth",
            (
                "The API key is missing, wrong or not valid for this endpoint.",
                generic_fix(CAUSES_BY_ID["cause.auth"]),
            ),
        ),
        ("rule.retired-long-ago", ("Not a rule or root cause this toolguard version knows.", None)),
    ],
)
def test_each_id_means_what_its_registry_says(rule_id: str, meaning: tuple[str, str | None]) -> None:
    """A rule's summary; a root cause's title and its fix in generic words (no [[...]] or {placeholders}
    left); an unknown id says so instead of failing the report."""
    assert rule_meaning(rule_id) == meaning
    fix = meaning[1] or ""
    assert "[[" not in fix and "{" not in fix


def test_a_huge_unbroken_error_text_wraps_inside_the_window(tmp_path: Path) -> None:
    """A 5 MB error body's message is one token thousands of characters long (stored capped, still
    about 8,000): the report showed it on one line, so the groups and unexplained tables widened the
    page to tens of thousands of pixels. Chromium lays the page out at 1280 px and the page's own
    scroll width is read back from the DOM."""
    message = "x" * 8000
    db = write_db(
        tmp_path / "huge.db",
        [
            flow("h1", "2026-11-30T14:44:33.000Z", host="127.0.0.1", model="big-error", status=400,
                 request_json=json.dumps({"model": "big-error", "messages": [{"role": "user", "content": "hi"}]}),
                 error_message=message, verdict="unexplained"),
        ],
    )  # fmt: skip
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["summary", "--db", str(db), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    probe = "<script>document.body.setAttribute('data-scroll-width', document.documentElement.scrollWidth)</script>"
    out.write_text(out.read_text().replace("</body>", probe + "</body>"))
    if not CHROMIUM:
        pytest.skip(
            "chromium is not installed (Debian package `chromium`; scripts/bootstrap --test installs it)"
        )
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, "--window-size=1280,900", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", out.as_uri()],
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    width = re.search(r'data-scroll-width="(\d+)"', dom.stdout)
    assert width is not None and message in dom.stdout
    assert int(width.group(1)) <= 1280


def test_a_recognised_flows_drill_down_names_its_root_cause_and_fix(tmp_path: Path) -> None:
    """Claude Code through a 529 overload: the terminal summary, `toolguard show` and the run report
    name `cause.overloaded` and its fix, but the HTML flow list said `-` where the failures table
    says `cause.overloaded`, and the flow's drill-down named no root cause at all (findings: none)."""
    from toolguard_core.causes import recognise_error
    from toolguard_core.upstream_errors import parse_error

    body = {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }  # answers.ANTHROPIC_529
    error = parse_error(json.dumps(body).encode(), status=529, content_type="application/json")
    found = recognise_error(error, provider="anthropic", status=529)
    assert found is not None and found.cause_id == "cause.overloaded"
    db = write_db(
        tmp_path / "overloaded.db",
        [
            flow(
                "o1", "2026-11-30T20:30:34.463Z", host="api.anthropic.com", path="/v1/messages",
                provider="anthropic", model="claude-sonnet-4-5", status=529, verdict="recognised",
                error_message=error.message, error_type=error.type, error_json=json.dumps(error.summary()),
                cause_id=found.cause_id, cause_json=json.dumps(found.summary(), sort_keys=True),
            )
        ],
    )  # fmt: skip
    out = tmp_path / "overloaded.html"
    result = CliRunner().invoke(cli, ["summary", "--db", str(db), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    (summary_line,) = re.findall(
        r'<details class="flow" id="flow-o1"[^>]*><summary>([^<]*)</summary>', out.read_text()
    )
    assert summary_line == (
        "2026-11-30T20:30:34.463Z · 529 · recognised · cause.overloaded · "
        "api.anthropic.com/v1/messages · claude-sonnet-4-5 · o1"
    )
    drill = re.search(r'<details class="flow" id="flow-o1".*?</details>', out.read_text(), re.S)
    assert drill is not None
    labels = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>(.*?)</dd>", drill.group(0), re.S))
    assert re.sub(r"<[^>]+>", "", labels["Root cause"]) == f"cause.overloaded: {found.title}"
    assert labels["Fix"] == html.escape(found.fix)


def table_text(page: str, table_id: str) -> list[str]:
    """The text of each row of one of the page's tables (its body), cells joined by " | "."""
    body = page.split(f'<table id="{table_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        " | ".join(
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
        )
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body)
    ]


def html_report(db: Path, out: Path) -> str:
    result = CliRunner().invoke(cli, ["summary", "--db", str(db), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text()


def test_a_run_that_saw_nothing_reassures_about_nothing(tmp_path: Path) -> None:
    """A proxy run that saw 0 requests. The page said "None: a rule or a known root cause explains every
    rejection." and "None: every request got an answer.", and left Verdicts blank: reassurance about
    requests that never existed."""
    from toolguard_core.store import RunRow, open_db, write_run

    db_path = tmp_path / "toolguard.db"
    with open_db(db_path) as db:
        write_run(
            db, RunRow(id="r1", started_utc="2026-11-30T09:00:00.000Z", ended_utc="2026-11-30T09:01:00.000Z")
        )
    page = html_report(db_path, tmp_path / "report.html")
    assert "toolguard saw 0 requests: nothing was checked." in page
    assert (table_text(page, "unexplained"), table_text(page, "no-answer"), table_text(page, "verdicts")) == (
        ["No rejected requests."],
        ["No requests seen."],
        ["No flows in the selection."],
    )


def test_a_no_answer_older_than_the_flows_on_the_page_is_still_counted(tmp_path: Path) -> None:
    """The page details the newest 500 flows; a flow that got no answer before them was missing from
    "No answer from the upstream", which said "None: every request got an answer."."""
    from toolguard_analysis.summary import MAX_FLOW_DETAILS

    rows = [
        flow("lost", "2026-11-20T09:00:00.000Z", host="api.openai.com", verdict="no_answer",
             flow_error="Server connection to ('api.openai.com', 443) failed: Connection refused"),
    ]  # fmt: skip
    rows += [
        flow(f"ok{n:04d}", f"2026-11-21T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z", host="api.openai.com",
             status=200, verdict="false_alarm", findings=[orphan_finding(0)])
        for n in range(MAX_FLOW_DETAILS)
    ]  # fmt: skip
    db_path = write_db(tmp_path / "a.db", rows)
    page = html_report(db_path, tmp_path / "report.html")
    assert table_text(page, "no-answer") == [
        "1 more flow got no answer, before the newest 500 flows this page details: narrow the report with "
        "--since/--until, or query flows where verdict = 'no_answer' (docs/schema.md)."
    ]


def test_each_flows_show_command_opens_that_flow(tmp_path: Path) -> None:
    """The drill-down's "Everything" said `toolguard show ID`: for a report of capture.db that looks in
    the default database and finds nothing ("no flow"). It names the report's database, as the run
    report's "one flow:" line does; run as printed, it shows the flow."""
    db_path = write_db(tmp_path / "capture.db", machine_a())
    page = html_report(db_path, tmp_path / "report.html")
    commands = [html.unescape(c) for c in re.findall(r"<dt>Everything</dt><dd><code>(.*?)</code></dd>", page)]
    ids = [f.id for f in machine_a()]
    assert sorted(commands) == sorted(f"toolguard show --db {db_path} {flow_id}" for flow_id in ids)
    for command in commands[:2]:
        shown = CliRunner().invoke(cli, command.split()[1:])
        assert shown.exit_code == 0 and shown.output.startswith(f"flow {command.split()[-1]}\n"), shown.output


def test_a_report_of_several_databases_says_the_flow_is_in_one_of_them(tmp_path: Path) -> None:
    a = write_db(tmp_path / "a.db", machine_a())
    b = write_db(tmp_path / "b.db", machine_b())
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["summary", "--db", str(a), "--db", str(b), "--format", "html", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    commands = [
        html.unescape(c)
        for c in re.findall(r"<dt>Everything</dt><dd><code>(.*?)</code></dd>", out.read_text())
    ]
    assert commands[0].startswith("toolguard show --db DB ") and commands[0].endswith(
        f" (DB: the database holding it, one of {a}, {b})"
    )


def test_every_verdict_count_says_what_the_verdict_means(report: Path) -> None:
    """The Verdicts table was bare words and numbers ("no_answer 1", "false_alarm 1"): the page
    explained no verdict anywhere. Each row now carries its meaning, the words `toolguard show` uses."""
    from toolguard_core.verdict import verdict_words

    rows = table_text(report.read_text(), "verdicts")
    assert rows and all(row.count(" | ") == 2 for row in rows)
    for row in rows:
        verdict, count, meaning = row.split(" | ")
        assert (int(count) > 0, meaning) == (True, verdict_words(verdict))


def test_a_one_message_excerpt_says_one_message(tmp_path: Path) -> None:
    rows = [
        flow("s1", "2026-11-21T09:00:00.000Z", host="api.openai.com", model="gpt-4o", status=400,
             request_json=json.dumps({"model": "gpt-4o", "messages": [{"role": "tool", "tool_call_id": "x", "content": "a"}]}),
             error_message=OPENAI_ORPHAN, verdict="predicted", findings=[orphan_finding(0)]),
    ]  # fmt: skip
    page = html_report(write_db(tmp_path / "a.db", rows), tmp_path / "report.html")
    assert "<code>messages[0]</code> (1 message):" in page and "(1 messages)" not in page


class ChartColours(HTMLParser):
    """Each chart bar's fill and each legend swatch's colour, by pattern."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: dict[str, set[str]] = {}
        self.legend: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "rect" and a.get("class") == "bar":
            self.bars.setdefault(a.get("data-pattern") or "", set()).add(a.get("fill") or "")
        if tag == "i" and a.get("class") == "swatch" and self._in_legend:
            self.legend.append((a.get("style") or "").removeprefix("background:"))
        if tag == "div" and a.get("class") == "legend":
            self._in_legend = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":  # the legend holds no div of its own
            self._in_legend = False

    _in_legend = False


def test_every_pattern_past_the_palettes_ten_keeps_a_colour_of_its_own(tmp_path: Path) -> None:
    """Fourteen rules' rejections in one week: fourteen colours in the bars and the legend (the
    palette has ten; the eleventh pattern was drawn in the first one's colour), none of them the
    red of unexplained, and each pattern one colour wherever it is drawn."""
    from toolguard_analysis.report_html import PALETTE, UNEXPLAINED_COLOUR
    from toolguard_core.rules import RULES

    rule_ids = sorted(RULES)[:14]
    assert len(rule_ids) == 14 > len(PALETTE)
    rows = [
        flow(
            f"f{i}",
            f"2026-11-2{i % 7}T10:00:00.000Z",
            host="api.openai.com",
            model="gpt-4o",
            status=400,
            request_json=conversation(3),
            error_message=f"rejected for reason {i}",
            error_provider="openai",
            verdict="predicted",
            finding_count=1,
            error_finding_count=1,
            findings=[FindingRow(idx=0, rule=rule, severity="error", location="messages[0]", message="x")],
        )
        for i, rule in enumerate(rule_ids)
    ]
    db = write_db(tmp_path / "many.db", rows)
    out = tmp_path / "many.html"
    result = CliRunner().invoke(cli, ["summary", "--db", str(db), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = ChartColours()
    page.feed(out.read_text())
    assert sorted(page.bars) == rule_ids
    assert all(len(fills) == 1 for fills in page.bars.values()), page.bars
    fills = [next(iter(page.bars[rule])) for rule in rule_ids]
    assert len(set(fills)) == 14, fills
    assert UNEXPLAINED_COLOUR not in fills
    assert sorted(page.legend) == sorted(fills)


def test_an_opaque_unexplained_group_is_marked_and_said_once(tmp_path: Path) -> None:
    """An answer that names nothing beyond its status (toolguard_core.opaque) is not a candidate for a new
    rule: the page marks its group "(opaque)" and says once what that means; an informative one is unmarked."""
    rows = [
        flow("o1", "2026-11-30T14:00:00.000Z", host="127.0.0.1", model="m", status=400,
             error_message="Bad Request", verdict="unexplained"),
        flow("i1", "2026-11-30T14:01:00.000Z", host="127.0.0.1", model="m", status=400,
             error_message="invalid params, invalid chat setting (2013)", verdict="unexplained"),
    ]  # fmt: skip
    page = html_report(write_db(tmp_path / "o.db", rows), tmp_path / "report.html")
    assert [row.split(" | ")[2] for row in table_text(page, "unexplained")] == [
        "(opaque) bad request",
        "invalid params, invalid chat setting (<n>)",
    ]
    assert page.count("(opaque) the answer names nothing beyond its status") == 1
