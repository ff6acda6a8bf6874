"""The HTML report, rendered in headless Chromium (Debian's ``chromium``): what does the page show?"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_summary import machine_a, machine_b, write_db

from toolguard_analysis.cli import cli

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
    orphan = "n2-5c3f8faf1746"  # fingerprint of the orphan-tool group (OpenAI + DeepSeek wordings)
    page = rendered_dom(report.as_uri() + "#" + orphan, tmp_path)

    assert page.chart
    assert sorted((b["data-pattern"], b["data-bucket"]) for b in page.bars) == [
        ("sequence.orphan-tool-message", "2026-11-20T10"),
        ("sequence.orphan-tool-message", "2026-11-21T09"),
        ("sequence.orphan-tool-message", "2026-11-22T08"),
        ("sequence.unanswered-tool-call", "2026-11-22T09"),
        ("unexplained", "2026-11-21T11"),
        ("unexplained", "2026-11-22T10"),
    ]
    assert [(r["cells"][0], r["cells"][1]) for r in page.rows] == [
        ("3", "sequence.orphan-tool-message"),
        ("2", "unexplained"),
        ("1", "sequence.unanswered-tool-call"),
    ]
    assert page.rows[0]["fingerprint"] == orphan
    # The linked group's drill-down is open (the inline script ran) and shows the example's context.
    assert [r["open"] for r in page.rows] == [True, False, False]
    drill = " ".join(" ".join(page.open_details_text).split())
    for needle in (
        "QwenCode/0.24.4 (OpenAI/JS 5.11.0), OpenAI/Python 1.54.0",
        "gpt-4o, deepseek-chat",
        "api.openai.com, api.deepseek.com",
        "b1, a2, a1",
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
