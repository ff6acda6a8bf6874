"""Learned constraints and rule calibrations shared through a real PostgreSQL server (issue #17.1,
issue #10.3): two proxies' stores — each a real SQLite spool written by the real store writer with
learning on, and its real :class:`~toolguard_core.pgstore.Syncer` — against one throwaway cluster
(tests/support/postgres.py). Only the upstream's answers are made up, as the rows the proxy stores
for them (a real xAI rejection body, an acceptance of a flagged request).

What is checked: a row updated in place in one spool (a count that grows, a demotion) reaches
PostgreSQL and the other proxy's spool and knowledge snapshot; both directions merge per key the
way ``toolguard merge`` does; nothing pulled is sent back; a restarted syncer sends nothing, and
sending everything again changes nothing."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from toolguard_core.capture import Capture
from toolguard_core.findings import Finding, Severity
from toolguard_core.learned import Knowledge
from toolguard_core.learned_store import load_knowledge
from toolguard_core.store import FlowRow, Store, open_db

psycopg = pytest.importorskip("psycopg")
pgstore = pytest.importorskip("toolguard_core.pgstore")

XAI_BODY = json.dumps(
    {"error": "Argument not supported on this model: presencePenalty"}
)  # lobehub/lobehub#8389
RULE = "sequence.orphan-tool-message"
HOST, MODEL = "127.0.0.1", "grok-4"
#: What the upstream at HOST:9 taught is kept under (learned.learned_host: a port not the scheme's own is part of it).
KEY = f"{HOST}:9"
T0 = 1_764_500_000.0  # 2025-11-30T10:53:20Z
WAIT = 30.0


def flow(flow_id: str, started: float, *, rejected: bool) -> FlowRow:
    """The row the proxy stores: a rejection naming presence_penalty (recognised, a learned
    constraint), or an acceptance of a request the orphan-tool-message rule flagged as an error
    (false_alarm, a calibration)."""
    body = {"model": MODEL, "messages": [{"role": "tool", "tool_call_id": "c", "content": "36"}]}
    capture = Capture(
        flow_id=flow_id,
        started=started,
        ended=started + 0.5,
        method="POST",
        scheme="http",
        host=HOST,
        port=9,
        path="/v1/chat/completions",
        url=f"http://{HOST}:9/v1/chat/completions",
        provider="generic",
        model=MODEL,
        stream=None,
        request_headers=[],
        request_text=json.dumps({**body, "presence_penalty": 0.5} if rejected else body),
        request_is_json=True,
        request_bytes=10,
        findings=[]
        if rejected
        else [Finding(rule=RULE, severity=Severity.ERROR, location="messages[0]", message="m")],
        secrets=[],
        verdict="unexplained" if rejected else "false_alarm",
        status=400 if rejected else 200,
        response_body=XAI_BODY.encode() if rejected else None,
        response_content_type="application/json",
    )
    return capture.to_row()


class Snapshots:
    """The addon's side of the store: every knowledge snapshot the writer hands over."""

    def __init__(self) -> None:
        self.items: list[Knowledge] = []
        self.lock = threading.Lock()

    def __call__(self, knowledge: Knowledge) -> None:
        with self.lock:
            self.items.append(knowledge)

    @property
    def latest(self) -> Knowledge:
        with self.lock:
            return self.items[-1]


class Proxy:
    """One proxy's storage: the store's writer (learning on, as the addon runs it) on a spool, and the
    syncer to the shared PostgreSQL, hooked up the way the addon hooks them (store.listeners)."""

    def __init__(self, spool: Path, url: str) -> None:
        self.spool, self.url = spool, url
        self.snapshots = Snapshots()
        self.store = Store(spool, demote_after=3, on_knowledge=self.snapshots, refresh_seconds=0.1)
        self.store.start()
        self.syncer: Any = None

    def sync(self) -> None:
        self.syncer = pgstore.Syncer(
            self.spool,
            self.url,
            interval=0.1,
            gather=0.0,
            max_interval=0.2,
            pull_interval=0.2,
            max_backoff=0.5,
        )
        self.store.listeners.append(self.syncer.wake)
        self.syncer.start()

    def put(self, *rows: FlowRow) -> None:
        for row in rows:
            self.store.put(row)

    def close(self) -> None:
        self.store.close(timeout=30)
        if self.syncer is not None:
            self.syncer.close()
            assert not self.syncer._thread.is_alive()


@pytest.fixture
def proxies(tmp_path: Path, postgres_url: str) -> Iterator[Callable[[str], Proxy]]:
    started: list[Proxy] = []

    def make(name: str) -> Proxy:
        proxy = Proxy(tmp_path / f"spool-{name}.db", postgres_url)
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        proxy.close()


def rows(target: Path | str, table: str) -> list[dict[str, Any]]:
    if isinstance(target, Path):
        conn = sqlite3.connect(target)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
        except sqlite3.OperationalError:  # not created yet
            return []
        finally:
            conn.close()
    try:
        with psycopg.connect(target, row_factory=psycopg.rows.dict_row, connect_timeout=2) as conn:
            return conn.execute(f"SELECT * FROM {table}").fetchall()
    except psycopg.errors.UndefinedTable:
        return []


def wait_for(probe: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def counter(target: Path | str, table: str, column: str) -> Callable[[], Any]:
    return lambda: [r[column] for r in rows(target, table)]


def test_a_demotion_on_one_proxy_reaches_the_other_proxys_snapshot(
    proxies: Callable[[str], Proxy], postgres_url: str
) -> None:
    a, b = proxies("a"), proxies("b")
    a.sync()
    b.sync()
    # A's upstream accepts what the rule flags, three times: one calibration row, updated in place
    # (it keeps its rowid), every update in PostgreSQL — the count, then the demotion.
    for i in range(3):
        a.put(flow(f"accepted-{i}", T0 + i, rejected=False))
        wait_for(
            lambda i=i: counter(postgres_url, "rule_calibration", "accepted")() == [i + 1], f"count {i + 1}"
        )
    [shared] = wait_for(
        lambda: [r for r in rows(postgres_url, "rule_calibration") if r["demoted_at"]], "the demotion in PG"
    )
    assert shared == {
        "rule": RULE,
        "host": KEY,
        "model": MODEL,
        "accepted": 3,
        "first_flow": "accepted-0",
        # The rest of a row stays as first sent, as `toolguard merge` keeps it: the merged fields
        # are the count, the sightings and the demotion.
        "last_flow": "accepted-0",
        "first_seen": "2025-11-30T10:53:20.000Z",
        "last_seen": "2025-11-30T10:53:22.000Z",
        "demoted_at": "2025-11-30T10:53:22.000Z",
        "source": "observed",
    }
    assert rows(a.spool, "rule_calibration") == [{**shared, "last_flow": "accepted-2"}]
    # B pulls it into its spool, its writer reloads, and B's snapshot has the rule demoted there.
    wait_for(lambda: RULE in b.snapshots.latest.for_request(KEY, MODEL).demoted, "B's snapshot demoting it")
    assert rows(b.spool, "rule_calibration") == [shared]
    assert b.snapshots.latest == a.snapshots.latest == load_knowledge(open_db(a.spool))
    assert b.snapshots.latest.for_request(KEY, "another-model").demoted == frozenset()
    # B sent nothing: the row it pulled is not sent back, now or on any later pass.
    time.sleep(1.0)
    stats = b.syncer.stats()
    # Pulled once per state of A's row that B saw (the count moved three times, the pulls are timed).
    assert 1 <= stats["pg_learned_pulled"] <= 3
    assert stats == {"pg_rows_synced": 0, "pg_rows_pending": 0, "pg_sync_errors": 0, **stats}
    assert rows(postgres_url, "rule_calibration") == [shared]


def learned_row(first: str, last: str, first_seen: str, last_seen: str, count: int) -> dict[str, Any]:
    return {
        "host": KEY,
        "model": MODEL,
        "kind": "param",
        "name": "presence_penalty",
        "value": "",
        "rule": "learned.param",
        "cause_id": "cause.sampling-on-reasoning-model",
        "error_text": "Argument not supported on this model: presencePenalty",
        "first_flow": first,
        "last_flow": last,
        "first_seen": first_seen,
        "last_seen": last_seen,
        "count": count,
        "source": "observed",
    }


def test_a_constraint_seen_on_both_proxies_ends_with_the_merged_row_everywhere(
    proxies: Callable[[str], Proxy], postgres_url: str
) -> None:
    a, b = proxies("a"), proxies("b")
    # Learned before either reached PostgreSQL: 3 rejections on A, 2 on B, whose clock is an hour
    # behind (the merge compares counts and keeps the earliest/latest sighting, whatever the clocks).
    a.put(*(flow(f"a-{i}", T0 + i, rejected=True) for i in range(3)))
    b.put(*(flow(f"b-{i}", T0 - 3600 + i, rejected=True) for i in range(2)))
    wait_for(lambda: counter(a.spool, "learned", "count")() == [3], "A's constraint")
    wait_for(lambda: counter(b.spool, "learned", "count")() == [2], "B's constraint")
    assert rows(a.spool, "learned") == [
        learned_row("a-0", "a-2", "2025-11-30T10:53:20.000Z", "2025-11-30T10:53:22.000Z", 3)
    ]
    b_own = learned_row("b-0", "b-1", "2025-11-30T09:53:20.000Z", "2025-11-30T09:53:21.000Z", 2)
    assert rows(b.spool, "learned") == [b_own]

    a.sync()  # A first, so PostgreSQL's row is A's (the rest of a row stays as first sent)
    wait_for(lambda: counter(postgres_url, "learned", "count")() == [3], "A's row in PostgreSQL")
    b.sync()
    merged = learned_row("a-0", "a-2", "2025-11-30T09:53:20.000Z", "2025-11-30T10:53:22.000Z", 3)
    # A's row was sent whole once its count was 3: its last flow is a-2 there.
    wait_for(lambda: rows(postgres_url, "learned") == [merged], "B's earlier sighting merged in PostgreSQL")
    wait_for(lambda: rows(a.spool, "learned") == [merged], "the merged row pulled into A")
    wait_for(
        lambda: rows(b.spool, "learned") == [{**b_own, "count": 3, "last_seen": merged["last_seen"]}],
        "the merged row pulled into B",
    )
    # Settled: no more passes send anything (a row the pull changed does not look like an update).
    time.sleep(1.0)
    settled = [p.syncer.stats() for p in (a, b)]
    time.sleep(1.0)
    assert [p.syncer.stats() for p in (a, b)] == settled
    assert [s["pg_rows_pending"] for s in settled] == [0, 0]
    assert rows(postgres_url, "learned") == [merged]
    a.close()
    b.close()

    # Restarted (the proxies' stores are closed; each spool keeps its state file): a pass sends nothing.
    for proxy, own in ((a, merged), (b, {**b_own, "count": 3, "last_seen": merged["last_seen"]})):
        restarted = pgstore.Syncer(proxy.spool, postgres_url)
        try:
            restarted._sync_once()
            assert restarted.stats() == {
                "pg_rows_synced": 0,
                "pg_rows_pending": 0,
                "pg_sync_errors": 0,
                "pg_learned_pulled": 0,
                "pg_unreachable": 0,
            }
        finally:
            restarted._disconnect()
        assert rows(proxy.spool, "learned") == [own]
    # And sending every learned row again (a state file lost) changes nothing in PostgreSQL.
    state = b.spool.with_name(b.spool.name + ".sync.json")
    data = json.loads(state.read_text())
    assert list(data["learned"]["learned"].values()) == [
        json.dumps([3, "2025-11-30T09:53:20.000Z", "2025-11-30T10:53:22.000Z"])
    ]
    state.write_text(json.dumps({**data, "learned": {}}))
    again = pgstore.Syncer(b.spool, postgres_url)
    # No pull first (it would find B's row agreeing with PostgreSQL's and send nothing): a blind resend.
    again._next_pull = time.monotonic() + 3600
    try:
        again._sync_once()
        assert again.stats()["pg_rows_synced"] == 1  # B's one learned row, resent
    finally:
        again._disconnect()
    assert rows(postgres_url, "learned") == [merged]
    assert rows(postgres_url, "rule_calibration") == []


def test_a_busy_proxy_picks_up_what_the_team_learned(
    proxies: Callable[[str], Proxy], postgres_url: str
) -> None:
    """The writer re-reads the learned tables when another connection (the syncer's pull) changed
    them, also while rows keep arriving faster than its idle check would ever run."""
    a, b = proxies("a"), proxies("b")
    a.sync()
    b.sync()
    stop = threading.Event()

    def traffic() -> None:  # B keeps storing flows that teach nothing (accepted, no finding)
        i = 0
        while not stop.is_set():
            row = flow(f"b-{i}", T0 + i, rejected=False)
            b.put(row.model_copy(update={"verdict": "accepted", "findings": [], "finding_count": 0}))
            i += 1
            time.sleep(0.02)  # well under the writer's 0.1 s idle check

    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        a.put(*(flow(f"a-{i}", T0 + i, rejected=False) for i in range(3)))
        wait_for(
            lambda: [r["demoted_at"] is not None for r in rows(b.spool, "rule_calibration")] == [True], "pull"
        )
        wait_for(
            lambda: RULE in b.snapshots.latest.for_request(KEY, MODEL).demoted, "B's snapshot under load"
        )
    finally:
        stop.set()
        sender.join()
    assert b.store.failed == 0


CALIBRATION = {
    "rule": RULE,
    "host": KEY,
    "model": MODEL,
    "accepted": 1,
    "first_flow": "f1",
    "last_flow": "f1",
    "first_seen": "2025-11-30T10:00:00.000Z",
    "last_seen": "2025-11-30T10:00:00.000Z",
    "demoted_at": None,
    "source": "observed",
}
LATER = "2025-11-30T11:00:00.000Z"
EARLIER = "2025-11-30T09:00:00.000Z"


@pytest.mark.parametrize(
    ("current", "incoming"),
    [
        ({}, {"accepted": 3, "last_seen": LATER, "demoted_at": LATER}),  # the other proxy demoted it
        ({"accepted": 4, "demoted_at": LATER}, {"accepted": 3, "demoted_at": EARLIER}),  # earliest demotion
        ({"first_seen": ""}, {"first_seen": EARLIER, "last_seen": ""}),  # '' is "not seen"
        ({"first_seen": "", "last_seen": ""}, {"first_seen": "", "last_seen": ""}),
        ({"accepted": 5, "first_seen": EARLIER}, {"accepted": 2, "last_seen": LATER, "source": "imported"}),
        ({}, {}),  # the same row again: no change
    ],
)
def test_postgresql_merges_a_row_as_merge_values_does(
    postgres_url: str, current: dict[str, Any], incoming: dict[str, Any]
) -> None:
    """The syncer's upsert (pgstore._merge_action, in SQL) and the spool's merge
    (learned_store.merge_values, used by merge_rows) agree, in both orders."""
    from toolguard_core.learned_store import merge_values, merged_fields

    schema = pgstore.sqlite_schema()
    table = schema.table("rule_calibration")
    a, b = {**CALIBRATION, **current}, {**CALIBRATION, **incoming}
    statement = pgstore._upsert_sql(
        table,
        table.columns,
        pgstore.sql.SQL("VALUES ({})").format(
            pgstore.sql.SQL(", ").join(pgstore.sql.Placeholder() * len(table.columns))
        ),
    )
    for first, second in ((a, b), (b, a)):
        with psycopg.connect(postgres_url) as conn:
            pgstore.ensure_schema(conn, schema)
            conn.execute("DELETE FROM rule_calibration")
            for row in (first, second, second):  # sending again changes nothing
                conn.execute(statement, [row[c] for c in table.column_names])
            [stored] = conn.cursor(row_factory=psycopg.rows.dict_row).execute(
                "SELECT * FROM rule_calibration"
            )
        # The merged fields as merge_values gives them; the rest of the row as first stored.
        assert stored == {**first, **merge_values("rule_calibration", first, second)}
        assert set(merge_values("rule_calibration", first, second)) == set(merged_fields("rule_calibration"))
