"""The syncer's COPY path (:func:`toolguard_core.pgstore.push`) against a real PostgreSQL server: every
awkward value a spool can hold arrives as the row-by-row path (:func:`pgstore._coerce`) would have
sent it — COPY's escapes (tab, newline, backslash, a literal ``\\N``), SQLite's any-type-in-any-column
(text in an integer column, an integer in a text column), a BLOB — and a batch PostgreSQL refuses
as COPY data (a BLOB that is not UTF-8, a NUL character) still arrives, row by row, with the rows
around it. No row is sent twice and none is lost: the batch's high-water mark is the last rowid."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from toolguard_core import pgstore
from toolguard_core.store import FlowRow, open_db, write_rows

psycopg = pytest.importorskip("psycopg")


# (column, value stored in SQLite, value PostgreSQL must hold)
CASES: list[tuple[str, Any, Any]] = [
    ("error_message", "tab\there, newline\nthere, cr\r, backslash \\ and \\N", None),
    ("error_message", "\\N", None),  # the text backslash-N, not NULL
    ("error_message", "", None),  # the empty string, not NULL
    ("error_message", "unicode: café 日本語 🚀", None),
    ("error_message", 429, "429"),  # SQLite keeps an integer in a text column
    ("error_message", 1.5, "1.5"),
    ("error_message", b"utf-8 bytes \xc3\xa9", "utf-8 bytes é"),
    ("error_code", 400, "400"),  # the untyped column: the wire's integer, as text
    ("error_code", "invalid_value", None),
    ("status", 400, None),
    ("status", "429", 429),  # integer-looking text in an integer column
    ("status", " -7 ", -7),
    ("status", 503.9, 503),  # truncated, as int() does
    ("status", "not a number", "NULL"),  # cannot be converted: NULL, not a stuck batch
    ("status", b"\x01\x02", "NULL"),
    ("status", None, None),
]


def _spool(path: Path, rows: list[tuple[str, str, Any]]) -> None:
    db = open_db(path)
    write_rows(db, [FlowRow(id=flow_id, datetime_utc="2026-11-30T00:00:00.000Z") for flow_id, _, _ in rows])
    db.close()
    conn = sqlite3.connect(path)
    for flow_id, column, value in rows:
        conn.execute(f'UPDATE flows SET "{column}" = ? WHERE id = ?', [value, flow_id])
    conn.commit()
    conn.close()


def _pg_values(url: str, rows: list[tuple[str, str, Any]]) -> list[Any]:
    with psycopg.connect(url) as conn:
        return [
            conn.execute(f'SELECT "{column}" FROM flows WHERE id = %s', [flow_id]).fetchone()[0]
            for flow_id, column, _ in rows
        ]


def _expected(value: Any, expected: Any) -> Any:
    if expected == "NULL":
        return None
    return value if expected is None else expected


def _push_all(path: Path, url: str, batch_size: int) -> list[dict[str, tuple[int, int]]]:
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    schema = pgstore.sqlite_schema()
    batches = []
    try:
        with pgstore.connect(url) as conn:
            pgstore.ensure_schema(conn, schema)
            after: dict[str, int] = {}
            while sent := pgstore.push(src, conn, schema, after, batch_size):
                batches.append(sent)
                after.update({table: last for table, (_, last) in sent.items()})
    finally:
        src.close()
    return batches


def test_every_awkward_value_arrives_as_the_row_by_row_path_sends_it(
    tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [(f"f{i:02d}", column, value) for i, (column, value, _) in enumerate(CASES)]
    spool = tmp_path / "spool.db"
    _spool(spool, rows)
    batches = _push_all(spool, postgres_url, batch_size=500)
    assert batches == [{"flow_rows": (len(CASES), len(CASES))}]
    assert "refused as COPY data" not in caplog.text  # all of it went as COPY, none row by row
    assert _pg_values(postgres_url, rows) == [_expected(value, expected) for _, value, expected in CASES]
    # The row-by-row conversion says the same of each value: one set of rules, two paths.
    flows = pgstore.sqlite_schema().table("flow_rows")
    columns = {c.name: c for c in flows.columns}
    assert [pgstore._coerce(value, columns[column]) for column, value, _ in CASES] == [
        _expected(value, expected) for _, value, expected in CASES
    ]


def test_a_batch_refused_as_copy_data_goes_row_by_row_and_nothing_is_lost_or_doubled(
    tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [(f"g{i:02d}", "error_message", f"row {i}") for i in range(7)]
    rows[3] = ("g03", "error_message", b"not utf-8: \xff\xfe")
    rows[6] = ("g06", "error_message", "a NUL\x00inside")  # PostgreSQL's text holds no NUL
    spool = tmp_path / "spool.db"
    _spool(spool, rows)
    batches = _push_all(spool, postgres_url, batch_size=3)
    assert batches == [{"flow_rows": (3, 3)}, {"flow_rows": (3, 6)}, {"flow_rows": (1, 7)}]
    assert _pg_values(postgres_url, rows) == [
        "row 0",
        "row 1",
        "row 2",
        "not utf-8: \ufffd\ufffd",  # decoded with replacement characters, as _coerce does
        "row 4",
        "row 5",
        "a NULinside",  # dropped, as _coerce does
    ]
    assert "flow_rows rows refused as COPY data" in caplog.text
    # Sending the whole spool again changes nothing (the upsert), and adds no row.
    _push_all(spool, postgres_url, batch_size=500)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT id) FROM flows").fetchone() == (7, 7)


def test_a_batch_stops_at_its_byte_bound_and_the_next_one_goes_on_from_there(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [(f"h{i:02d}", "request_json", "x" * 1000) for i in range(10)]
    spool = tmp_path / "spool.db"
    _spool(spool, rows)
    monkeypatch.setattr(pgstore, "MAX_BATCH_BYTES", 2500)  # two 1 kB rows and part of a third
    batches = _push_all(spool, postgres_url, batch_size=500)
    assert batches == [
        {"flow_rows": (3, 3)},
        {"flow_rows": (3, 6)},
        {"flow_rows": (3, 9)},
        {"flow_rows": (1, 10)},
    ]
    assert _pg_values(postgres_url, rows) == ["x" * 1000] * 10


def test_the_idle_poll_backs_off_and_rows_bring_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The syncer's timed pass (the safety net behind the writer's wake-ups) doubles its wait while
    passes find nothing, up to max_interval, and returns to `interval` once a pass sends rows. The
    passes are counted on the real thread; only what one pass finds is decided here."""
    import threading
    import time

    passes: list[float] = []
    rows_to_send = threading.Event()

    def sync_once(self: pgstore.Syncer) -> None:
        passes.append(time.monotonic())
        if rows_to_send.is_set():
            self.synced += 1

    monkeypatch.setattr(pgstore.Syncer, "_sync_once", sync_once)
    syncer = pgstore.Syncer(tmp_path / "spool.db", "postgresql://nobody@127.0.0.1:1/none", interval=0.05,
                            gather=0.0, max_interval=0.4)  # fmt: skip
    syncer.start()
    time.sleep(1.6)  # idle: waits of 0.1, 0.2, 0.4, 0.4, 0.4 after the first pass
    idle = len(passes)
    rows_to_send.set()
    syncer.wake()  # what the writer does after each batch it writes
    time.sleep(0.6)  # rows on every pass: back to 0.05 s between passes
    busy = len(passes) - idle
    syncer.close()
    # A fixed 0.05 s poll would have made ~30 idle passes; backing off makes 5-7 (timing slack).
    assert 4 <= idle <= 8, passes
    assert busy >= 6, passes
