"""Storage that grows with distinct content (issue #12.3, m008_content_dedup).

Real request bodies (tests/data/requests, as the clients sent them: compact JSON) go through the
store's writer into a real SQLite file; the ``flows`` view must give back every row exactly as
written (whole-row comparisons), whether the request was split into contents or kept whole.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from toolguard_analysis.merge import merge
from toolguard_core import dedup, grouping
from toolguard_core.capture import Capture
from toolguard_core.store import FindingRow, FlowRow, Store, migrations, open_db, write_rows

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = ROOT / "tests" / "data" / "requests"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_storage", ROOT / "scripts" / "bench_storage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wire(name: str) -> str:
    """A captured request body as its client put it on the wire (Node and Rust send compact JSON)."""
    data = json.loads((REQUESTS / name).read_text())
    body = data.get("body", data.get("message"))
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def row(flow_id: str, request_json: str | None, request_body: str | None = None) -> FlowRow:
    return FlowRow(
        id=flow_id,
        datetime_utc="2026-11-30T08:00:00.000Z",
        method="POST",
        host="127.0.0.1",
        path="/v1/chat/completions",
        status=400,
        stream=True,
        request_headers_json='{"authorization": "[REDACTED]"}',
        request_json=request_json,
        request_body=request_body,
        request_bytes=len(request_json or request_body or ""),
        error_message="bad request",
        verdict="unexplained",
        finding_count=1,
        findings=[FindingRow(idx=0, rule="x.y", severity="warning", location="body", message="m")],
    )


def stored(flow: FlowRow) -> dict[str, Any]:
    """The whole row the writer stores for ``flow``: its columns plus the summary's grouping columns
    it derives (m007_summary_columns)."""
    columns = flow.columns()
    error_rules = [f.rule for f in flow.findings if str(f.severity) == "error"]
    return {**columns, **dict(zip(grouping.COLUMNS, grouping.derive(columns, error_rules), strict=True))}


def flows(path: Path) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return {r["id"]: dict(r) for r in conn.execute("SELECT * FROM flows")}
    finally:
        conn.close()


def split_ids(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT id FROM flow_rows WHERE request_parts_json IS NOT NULL")}
    finally:
        conn.close()


def store(path: Path, rows: list[FlowRow]) -> None:
    writer = Store(path)
    writer.start()
    for item in rows:
        writer.put(item)
    writer.close()
    assert writer.written == len(rows)


COMPACT = '{"model":"gpt-4o","messages":[{"role":"user","content":"What is 3 * 12?"}]}'
# name -> (request_json, request_body, stored as contents?)
CASES: dict[str, tuple[str | None, str | None, bool]] = {
    "chat openai-node": (wire("openai-node-7.59.0-chat-turn2.json"), None, True),
    "chat opencode": (wire("opencode-1.18.33-chat-turn2.json"), None, True),
    "chat qwen-code": (wire("qwen-code-0.24.4.json"), None, True),
    "responses codex": (wire("codex-0.171.0-responses-turn2.json"), None, True),
    "responses opencode": (wire("opencode-1.18.33-responses-turn2.json"), None, True),
    "responses websocket message": (wire("codex-0.171.0-responses-ws-turn2.json"), None, True),
    "anthropic claude-code": (wire("claude-code-2.1.332-messages-turn2.json"), None, True),
    "anthropic thinking": (wire("claude-code-2.1.332-messages-thinking-turn2.json"), None, True),
    "non-ascii escaped (Python's default)": (
        json.dumps(
            {"model": "m", "messages": [{"role": "user", "content": "héllo ☃"}]}, separators=(",", ":")
        ),
        None,
        True,
    ),
    "a lone surrogate escape": (
        '{"model":"m","messages":[{"role":"tool","tool_call_id":"\\ud83d"}]}',
        None,
        True,
    ),
    # Kept whole: splitting would not give these texts back byte for byte.
    "pretty-printed": (json.dumps(json.loads(COMPACT), indent=2), None, False),
    "python separators": (json.dumps(json.loads(COMPACT)), None, False),
    "duplicate keys": (
        '{"model":"m","messages":[{"role":"user","role":"system","content":"x"}]}',
        None,
        False,
    ),
    "respelled number": (
        '{"model":"m","temperature":1.0e0,"messages":[{"role":"user","content":"x"}]}',
        None,
        False,
    ),
    "NaN": ('{"model":"m","temperature":NaN,"messages":[{"role":"user","content":"x"}]}', None, False),
    "no content keys": ('{"model":"m","prompt":"x"}', None, False),
    "empty messages": ('{"model":"m","messages":[]}', None, False),
    "unparseable": ("{not json", None, False),
    "not a JSON object": (None, "model=gpt-4o&prompt=hi", False),
    "a marker-like string": (
        '{"model":"m","messages":[{"role":"user","content":"x"}],"x":"\\u0000toolguard:messages"}',
        None,
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_stored_flow_reads_back_as_it_was_sent(name: str, tmp_path: Path) -> None:
    request_json, request_body, split = CASES[name]
    sent = row("f", request_json, request_body)
    path = tmp_path / "t.db"
    store(path, [sent, row("g", request_json, request_body)])  # twice: the second reuses every content
    assert flows(path) == {"f": stored(sent), "g": stored(row("g", request_json, request_body))}
    assert split_ids(path) == ({"f", "g"} if split else set())


def test_a_session_grows_with_its_distinct_content(tmp_path: Path) -> None:
    """The 3x bound of scripts/bench_storage.py, on a 40-turn session through the real writer, and
    every request read back as sent. The same session kept whole is the control: over 10x."""
    bench = _bench()
    path = tmp_path / "session.db"
    size, final = bench.through_store(40, path)
    assert size <= 3 * final, (size, final)
    bodies = [b.decode() for b in bench.session(40)]
    assert [r["request_json"] for r in sorted(flows(path).values(), key=lambda r: r["id"])] == bodies
    with bench.layout("whole"):
        whole, _ = bench.through_store(40, tmp_path / "whole.db")
    assert whole > 10 * final


def test_identical_failing_requests_are_stored_once(tmp_path: Path) -> None:
    body = wire("claude-code-2.1.332-messages-turn2.json")
    path = tmp_path / "t.db"
    store(path, [row(f"f{i}", body) for i in range(10)])
    db = sqlite_utils.Database(path)
    stored = db.execute("SELECT sum(length(content_json)) FROM contents").fetchone()[0]
    assert len(body) * 0.9 < stored < len(body) * 1.1  # the contents hold the request about once
    assert {r["request_json"] for r in flows(path).values()} == {body}


def test_the_migration_moves_existing_rows_and_keeps_them_equal(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m008_content_dedup")
    rows = [row(name, request_json, request_body) for name, (request_json, request_body, _) in CASES.items()]
    write_rows(old, rows)  # the table `flows`, every request whole, as before
    before = {r["id"]: r for r in old["flows"].rows}
    old.close()
    db = open_db(path)
    db.close()
    assert flows(path) == before == {r.id: stored(r) for r in rows}
    assert split_ids(path) == {name for name, (_, _, split) in CASES.items() if split}


def test_flows_stays_writable_like_the_table_it_was(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    body = wire("openai-node-7.59.0-chat-turn2.json")
    store(path, [row("f", body)])
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE flows SET verdict = 'recognised' WHERE id = 'f'")  # the request stays split
        conn.execute("INSERT INTO flows (id, datetime_utc, request_json) VALUES ('g', 't', ?)", [COMPACT])
        conn.execute("INSERT OR IGNORE INTO flows (id, datetime_utc) VALUES ('g', 'other')")
    assert split_ids(path) == {"f"}
    with conn:
        conn.execute("UPDATE flows SET request_json = '{}' WHERE id = 'f'")  # a changed request is kept whole
        conn.execute("DELETE FROM flows WHERE id = 'g'")
    conn.close()
    assert flows(path) == {"f": {**stored(row("f", body)), "verdict": "recognised", "request_json": "{}"}}
    assert split_ids(path) == set()


def test_a_colliding_content_id_keeps_the_request_whole(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    db = open_db(path)
    message = '{"role":"user","content":"What is 3 * 12?"}'
    db.execute(
        "INSERT INTO contents (id, content_json) VALUES (?, ?)", [dedup.content_id(message), '"other"']
    )
    write_rows(db, [row("f", COMPACT)])
    db.close()
    assert flows(path) == {"f": stored(row("f", COMPACT))}
    assert split_ids(path) == set()


def test_a_column_added_to_flow_rows_reaches_the_view(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    db = open_db(path)
    db.execute("ALTER TABLE flow_rows ADD COLUMN later_note TEXT")  # what a later migration does
    db.close()
    db = open_db(path)
    write_rows(db, [row("f", COMPACT)])
    db.execute("UPDATE flows SET later_note = 'n' WHERE id = 'f'")
    assert list(db["flows"].columns_dict)[-1] == "later_note"
    assert db.execute("SELECT later_note, request_json FROM flows").fetchall() == [("n", COMPACT)]
    db.close()


def test_merge_stores_shared_contents_once_and_is_idempotent(tmp_path: Path) -> None:
    bench = _bench()
    bodies = [b.decode() for b in bench.session(12)]
    a, b, old = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "old.db"
    store(a, [row(f"a{i}", body) for i, body in enumerate(bodies[:8])])
    store(b, [row(f"b{i}", body) for i, body in enumerate(bodies)])  # the same session, longer
    legacy = sqlite_utils.Database(old)  # a file from before m008: its flows a table, kept whole
    migrations.apply(legacy, stop_before="m008_content_dedup")
    write_rows(legacy, [row("o0", bodies[11])])
    legacy.close()

    out = tmp_path / "out.db"
    added = merge(out, [a, b, old])
    contents_b = sqlite_utils.Database(b)["contents"].count
    # The tables this layout concerns (merge also reports others, e.g. what was learned: none here).
    shown = ("contents", "flows", "findings", "repairs", "runs")
    assert {t: added[t] for t in shown} == {
        "contents": contents_b,
        "flows": 21,
        "findings": 21,
        "repairs": 0,
        "runs": 0,
    }
    assert not any(n for t, n in added.items() if t not in shown)
    expected = {**flows(a), **flows(b), **flows(old)}
    assert flows(out) == expected
    assert split_ids(out) == set(expected)  # the old file's row took the content layout too
    assert sqlite_utils.Database(out)["contents"].count == contents_b  # nothing of a or old was new
    snapshot = {t: list(sqlite_utils.Database(out)[t].rows) for t in ("flow_rows", "contents", "findings")}
    assert not any(merge(out, [a, b, old]).values())
    assert {
        t: list(sqlite_utils.Database(out)[t].rows) for t in ("flow_rows", "contents", "findings")
    } == snapshot


def test_secrets_are_scrubbed_before_anything_is_hashed_or_stored(tmp_path: Path) -> None:
    key = "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789"
    body = json.dumps(
        {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": f"my key is {key}, why is it rejected?"}],
        },
        separators=(",", ":"),
    )
    capture = Capture(
        flow_id="f",
        started=0.0,
        ended=1.0,
        method="POST",
        scheme="https",
        host="api.openai.com",
        port=443,
        path="/v1/chat/completions",
        url="https://api.openai.com/v1/chat/completions",
        provider="openai",
        model="gpt-4o",
        stream=None,
        request_headers=[("authorization", f"Bearer {key}")],
        request_text=body,
        request_is_json=True,
        request_bytes=len(body),
        findings=[],
        secrets=[key],
        verdict="accepted",
        status=200,
    )
    path = tmp_path / "t.db"
    store(path, [capture.to_row()])
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    assert split_ids(path) == {"f"}
    assert key.encode() not in path.read_bytes()
    assert "[REDACTED]" in flows(path)["f"]["request_json"]


def _documented_sql(comment: str) -> str:
    """The SQL block of docs/schema.md that starts with this comment line."""
    text = (ROOT / "docs" / "schema.md").read_text()
    start = text.index(f"-- {comment}\n")
    return text[start : text.index("```", start)]


def test_the_documented_pruning_removes_exactly_the_unreferenced_contents(tmp_path: Path) -> None:
    bench = _bench()
    bodies = [b.decode() for b in bench.session(20)]
    anthropic = wire("claude-code-2.1.332-messages-turn2.json")  # a system prompt as one content
    path = tmp_path / "t.db"
    store(path, [row(f"f{i:02d}", body) for i, body in enumerate(bodies)] + [row("a", anthropic)])
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM flows WHERE id >= 'f10' AND id < 'f99'")  # the longer half of the session
    kept = flows(path)
    before = conn.execute("SELECT count(*) FROM contents").fetchone()[0]
    with conn:
        conn.execute(_documented_sql("Contents no flow references any more"))
    after = conn.execute("SELECT count(*) FROM contents").fetchone()[0]
    conn.close()
    assert flows(path) == kept  # every remaining flow still reads back whole
    # What is left is exactly what the remaining flows need: writing them again adds nothing.
    fresh = tmp_path / "fresh.db"
    store(fresh, [row(f"f{i:02d}", body) for i, body in enumerate(bodies[:10])] + [row("a", anthropic)])
    assert after == sqlite_utils.Database(fresh)["contents"].count < before


def test_a_spool_synced_before_the_migration_resumes_where_it_was(tmp_path: Path) -> None:
    """The syncer's rowid bookmark for the old `flows` table is flow_rows' (the rename keeps rowids),
    so upgrading a proxy does not send its whole spool again."""
    pgstore = pytest.importorskip("toolguard_core.pgstore")
    pytest.importorskip("psycopg")
    spool = tmp_path / "spool.db"
    spool.with_name("spool.db.sync.json").write_text(json.dumps({"after": {"flows": 7, "findings": 3}}))
    syncer = pgstore.Syncer(spool, "postgresql://toolguard@127.0.0.1:1/none")
    assert syncer._after == {"flow_rows": 7, "findings": 3}
