"""A repaired request's bodies are stored once (m010_repair_patches, toolguard_core/repair_rows.py): the
first step's request before it, whole, next to each step's RFC 6902 patch; a body the patches give back
byte for byte is NULL. Readers expand it: ``toolguard show`` prints the same text, markdown, JSON and
before/after bodies as from a file that stored every body whole, and that file's migration stores
exactly what the writer now stores. The real addon in repair mode (mitmproxy's taddons), a 1 MB
conversation, the ``toolguard`` command (click's runner)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from mitmproxy.test import taddons
from support.seeds import FIRST_ID, SECOND_ID, USER, assistant, tool
from test_addon import HEADERS, answer, make_flow, ok_completion

from toolguard_analysis.cli import cli
from toolguard_core import repair_rows
from toolguard_core.addon import ToolGuard
from toolguard_core.store import open_db

BODIES = "coalesce(length(request_before), 0) + coalesce(length(request_after), 0)"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "toolguard.db"


@pytest.fixture
def repair(db_path: Path) -> Iterator[ToolGuard]:
    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path), toolguard_mode="repair", toolguard_repair="sequence")
        yield addon
        addon.done()


def conversation(size: int) -> dict[str, Any]:
    """A long agent session (``size`` bytes of earlier turns), then two calls, the first answered twice
    and the second not at all: two fixes, one after the other."""
    history: list[dict[str, Any]] = []
    turn = 0
    while sum(len(m["content"]) for m in history) < size:
        history += [
            {"role": "user", "content": f"step {turn}: " + "read the file and summarise it. " * 60},
            {"role": "assistant", "content": f"summary {turn}: " + "the file defines a parser. " * 60},
        ]
        turn += 1
    messages = [*history, USER, assistant(FIRST_ID, SECOND_ID, content=""), tool(FIRST_ID), tool(FIRST_ID)]
    return {"model": "gpt-4o-mini", "messages": messages}


def toolguard(*args: str) -> str:
    """The ``toolguard`` command in this process (click's runner): ten calls on a 1 MB flow."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def shown(db: Path, flow_id: str) -> dict[str, str]:
    """Everything ``toolguard show`` prints about the flow (the replay hint's --db path as DB)."""
    return {
        **{
            fmt: toolguard("show", flow_id, "--db", str(db), "--format", fmt)
            for fmt in ("text", "markdown", "json")
        },
        **{
            body: toolguard("show", flow_id, "--db", str(db), "--repair-body", body)
            for body in ("before", "after")
        },
    } | {"text": toolguard("show", flow_id, "--db", str(db)).replace(str(db), "DB")}


def repairs(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM repairs ORDER BY flow_id, idx").fetchall()


def test_a_repaired_1mb_conversation_is_stored_once_and_shown_the_same(
    repair: ToolGuard, db_path: Path, tmp_path: Path
) -> None:
    body = conversation(1_000_000)
    flow = make_flow(body, headers=HEADERS)
    repair.request(flow)
    flow.response = answer(200, ok_completion())
    repair.responseheaders(flow)
    repair.response(flow)
    repair.done()
    sent = json.loads(flow.request.content)
    compact = repairs(db_path)

    # As a toolguard before m010 stored it: every applied step's bodies whole.
    old = tmp_path / "old.db"
    with sqlite3.connect(db_path) as src, sqlite3.connect(old) as dst:
        src.backup(dst)
    with sqlite3.connect(old) as conn:
        columns = [c[1] for c in conn.execute("PRAGMA table_info(repairs)")]
        rows = [
            dict(zip(columns, r, strict=True)) for r in conn.execute("SELECT * FROM repairs ORDER BY idx")
        ]
        for row in repair_rows.expand(rows):
            conn.execute(
                "UPDATE repairs SET request_before = ?, request_after = ? WHERE flow_id = ? AND idx = ?",
                [row["request_before"], row["request_after"], row["flow_id"], row["idx"]],
            )
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_repair_patches'")
        whole_size = conn.execute(f"SELECT sum({BODIES}) FROM repairs").fetchone()[0]
    conn.close()

    applied = [r for r in repair_rows.expand(rows) if r["applied"]]
    assert [(r["rule"], r["idx"]) for r in applied] == [
        ("sequence.duplicate-tool-response", 0),
        ("sequence.unanswered-tool-call", 1),
    ]
    # The before body of the first step is what the client sent, the after of the last what went upstream.
    assert (
        json.loads(applied[0]["request_before"]) == body and json.loads(applied[-1]["request_after"]) == sent
    )
    assert whole_size > 4_000_000  # two steps, each with both ~1 MB bodies
    before = shown(old, flow.id)
    assert json.loads(before["before"]) == body and json.loads(before["after"]) == sent

    open_db(old).close()  # m010_repair_patches
    assert repairs(old) == compact  # the migration stores what the writer stores, whole rows
    compact_size = sum(len(r[columns.index("request_before")] or "") for r in compact)
    assert compact_size == len(applied[0]["request_before"])  # one body of ~1 MB left
    assert [r[columns.index("request_after")] for r in compact] == [None] * len(compact)
    assert shown(old, flow.id) == before
    assert shown(db_path, flow.id) == before


def test_the_repair_body_hint_runs_as_printed(repair: ToolGuard, db_path: Path) -> None:
    """`toolguard show --db rep.db ID` printed "toolguard show ID --repair-body before|after", which
    opens the default database: there, no such flow (the replay hint below it already named --db)."""
    body = conversation(0)
    flow = make_flow(body, headers=HEADERS)
    repair.request(flow)
    flow.response = answer(200, ok_completion())
    repair.responseheaders(flow)
    repair.response(flow)
    repair.done()
    text = toolguard("show", flow.id, "--db", str(db_path))
    [hint] = [line for line in text.splitlines() if "--repair-body" in line]
    assert hint == (
        f"  the request before and after: toolguard show --db {db_path} {flow.id[:8]} --repair-body before|after"
    )
    command = hint.split(": ", 1)[1].replace("before|after", "before").split()
    assert command[:2] == ["toolguard", "show"]
    assert json.loads(toolguard(*command[1:])) == body


ROW = {"rule": "r", "location": "l", "applied": 1}
A, B, C = '{"m": [1, 2, 3]}', '{"m": [1, 3]}', '{"m": [1, 3, 4]}'


@pytest.mark.parametrize(
    ("whole", "stored"),
    [
        # Two chained steps: only the first before body is stored.
        (
            [
                {
                    **ROW,
                    "idx": 0,
                    "patch_json": '[{"op": "remove", "path": "/m/1"}]',
                    "request_before": A,
                    "request_after": B,
                },
                {
                    **ROW,
                    "idx": 1,
                    "patch_json": '[{"op": "add", "path": "/m/-", "value": 4}]',
                    "request_before": B,
                    "request_after": C,
                },
            ],
            [(A, None), (None, None)],
        ),
        # A patch that does not give back the stored after (redaction changed one of them): kept whole.
        (
            [
                {
                    **ROW,
                    "idx": 0,
                    "patch_json": '[{"op": "remove", "path": "/m/0"}]',
                    "request_before": A,
                    "request_after": B,
                }
            ],
            [(A, B)],
        ),
        # A finding left as it was between two fixes: no bodies; the chain goes on over it.
        (
            [
                {
                    **ROW,
                    "idx": 0,
                    "patch_json": '[{"op": "remove", "path": "/m/1"}]',
                    "request_before": A,
                    "request_after": B,
                },
                {
                    **ROW,
                    "idx": 1,
                    "applied": 0,
                    "patch_json": None,
                    "request_before": None,
                    "request_after": None,
                },
                {
                    **ROW,
                    "idx": 2,
                    "patch_json": '[{"op": "add", "path": "/m/-", "value": 4}]',
                    "request_before": B,
                    "request_after": C,
                },
            ],
            [(A, None), (None, None), (None, None)],
        ),
        # A patch that is not JSON: both bodies kept.
        ([{**ROW, "idx": 0, "patch_json": "[not json", "request_before": A, "request_after": B}], [(A, B)]),
    ],
)
def test_compact_leaves_out_what_expand_gives_back(
    whole: list[dict[str, Any]], stored: list[tuple[Any, Any]]
) -> None:
    compact = repair_rows.compact(whole)
    assert [(r["request_before"], r["request_after"]) for r in compact] == stored
    assert repair_rows.expand(compact) == whole
    assert repair_rows.compact(repair_rows.expand(compact)) == compact  # the migration is idempotent
