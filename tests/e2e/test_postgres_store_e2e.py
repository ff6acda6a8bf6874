"""The shared PostgreSQL store against a real PostgreSQL server (Debian's package, a throwaway
cluster): the schema derived from the SQLite migrations, ``toolguard sync``/``merge``/``summary``
with a postgresql:// URL, and two real mitmdump processes writing one database at once through the
real openai SDK, with the server stopped in the middle of the run."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import openai
import pytest
import sqlite_utils
from support import proxy_stats
from support.proxy import Mitmdump

from e2e.test_summary_e2e import CASES
from toolguard_core import pgstore
from toolguard_core.store import FindingRow, FlowRow, RepairRow, open_db, write_rows

pytestmark = pytest.mark.e2e
psycopg = pytest.importorskip("psycopg")  # the postgres extra (the test extra installs it)
dict_row = psycopg.rows.dict_row

TOOLGUARD = Path(sys.executable).with_name("toolguard")
ROOT = Path(__file__).resolve().parents[2]
SYNC_TIMEOUT = 45.0  # the syncer's back-off tops out at 10 s; a restarted server is reached well within


def toolguard(*args: str) -> str:
    result = subprocess.run([str(TOOLGUARD), *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def pg_rows(url: str, table: str, order: str) -> list[dict[str, Any]]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()


def sqlite_rows(path: Path, table: str, order: str) -> list[dict[str, Any]]:
    db = sqlite_utils.Database(path)
    try:
        return list(db.query(f"SELECT * FROM {table} ORDER BY {order}"))
    finally:
        db.close()


def as_pg(row: dict[str, Any], table: pgstore.Table) -> dict[str, Any]:
    """A SQLite row as PostgreSQL stores it (the untyped error_code as text)."""
    types = {c.name: c.pg_type for c in table.columns}
    return {k: (str(v) if v is not None and types[k] == "text" else v) for k, v in row.items()}


def flow_row(flow_id: str, when: str, status: int, error_code: str | int | None, rules: list[str]) -> FlowRow:
    return FlowRow(
        id=flow_id,
        datetime_utc=when,
        method="POST",
        scheme="https",
        host="api.openai.com",
        port=443,
        path="/v1/chat/completions",
        provider="openai",
        model="gpt-4o-mini",
        stream=False,
        status=status,
        error_message="Invalid parameter: messages with role 'tool' must be a response to a preceeding "
        "message with 'tool_calls'."
        if status == 400
        else None,
        error_code=error_code,
        verdict="predicted" if status == 400 else "false_alarm",
        # Compact JSON, as Node clients send it: its two messages are stored once, as contents, for all flows.
        request_json='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is 3 * 12?"},'
        '{"role":"tool","tool_call_id":"call_1","content":"36"}]}',
        finding_count=len(rules),
        error_finding_count=len(rules),
        findings=[
            FindingRow(idx=i, rule=rule, severity="error", location=f"messages[{i}]", message="m")
            for i, rule in enumerate(rules)
        ],
    )


# --------------------------------------------------------------------------- the derived schema


def test_the_postgresql_schema_is_the_sqlite_schema_table_for_table(postgres_url: str) -> None:
    derived = pgstore.sqlite_schema()
    with psycopg.connect(postgres_url) as conn:
        pgstore.ensure_schema(conn)
        pgstore.ensure_schema(conn)  # idempotent: a second proxy starting finds everything there
        actual = pgstore.pg_schema(conn)
    assert actual.shape() == derived.shape()
    # Every table the migrations create (bookkeeping aside), with every column, is in PostgreSQL.
    db = sqlite_utils.Database(memory=True)
    pgstore.migrations.apply(db)
    expected = {t.name: [c.name for c in t.columns] for t in db.tables if not t.name.startswith("_")}
    assert {t: [c[0] for c in s["columns"]] for t, s in actual.shape()["tables"].items()} == expected
    assert {"flow_rows", "contents", "findings"} <= set(expected)
    assert [v.name for v in actual.views] == ["flows"]


def test_an_index_a_later_migration_rebuilt_is_rebuilt_in_postgresql(postgres_url: str) -> None:
    """m014_summary_index_ports rebuilt the summary's covering indexes under their names with port and
    scheme (the summary names an upstream host:port): a store an older toolguard created holds them
    without, and ensure_schema's CREATE INDEX IF NOT EXISTS alone would keep them so."""
    from toolguard_core import grouping

    old = [c for c in grouping.SUMMARY_INDEX if c not in ("port", "scheme")]
    with psycopg.connect(postgres_url) as conn:
        pgstore.ensure_schema(conn)
        conn.execute("DROP INDEX idx_flows_summary")
        conn.execute(f"CREATE INDEX idx_flows_summary ON flow_rows ({', '.join(old)})")
        conn.commit()
        stale = pgstore.pg_schema(conn).shape()["tables"]["flow_rows"]
        pgstore.ensure_schema(conn)
        actual = pgstore.pg_schema(conn).shape()
    assert stale != pgstore.sqlite_schema().shape()["tables"]["flow_rows"]  # the set-up took
    assert actual == pgstore.sqlite_schema().shape()


def test_a_later_sqlite_migration_reaches_postgresql(postgres_url: str) -> None:
    """Simulates the next migration (a new table, a new column, a new index) on a database the
    current schema already created: ensure_schema adds exactly what is missing. Its names are ones
    no migration uses (`runs` and `flows.run_id` exist since m003_runs)."""
    db = sqlite_utils.Database(memory=True)
    pgstore.migrations.apply(db)
    with psycopg.connect(postgres_url) as conn:
        pgstore.ensure_schema(conn, pgstore.sqlite_schema(db))
        conn.execute("INSERT INTO flows (id, datetime_utc) VALUES ('f1', '2026-11-30T00:00:00.000Z')")
        conn.commit()
        # Since m008_content_dedup, flows is a view over flow_rows: columns are added to the table.
        db.execute("ALTER TABLE flow_rows ADD COLUMN later_note TEXT")
        db.execute(
            "CREATE TABLE later_runs (id TEXT PRIMARY KEY, started_utc TEXT NOT NULL, flows INTEGER DEFAULT 0)"
        )
        db["flow_rows"].create_index(["later_note"])
        later = pgstore.sqlite_schema(db)
        pgstore.ensure_schema(conn, later)
        shape = pgstore.pg_schema(conn).shape()
        tables = {t["primary_key"] for t in shape["tables"].values()}
        flows = conn.execute("SELECT id, later_note FROM flows").fetchall()
    # pg_schema reads the tables the *current* migrations know; compare those, and the new table by hand.
    assert shape["tables"]["flow_rows"] == later.shape()["tables"]["flow_rows"]
    assert ("id",) in tables and flows == [("f1", None)]
    with psycopg.connect(postgres_url) as conn:
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_name = 'later_runs' ORDER BY ordinal_position"
        ).fetchall()
    assert columns == [
        ("id", "text", "NO", None),
        ("started_utc", "text", "NO", None),
        ("flows", "bigint", "YES", "0"),
    ]


# --------------------------------------------------------------------------- sync, merge, summary


def test_sync_pushes_a_capture_once_and_the_summary_reads_it_back(tmp_path: Path, postgres_url: str) -> None:
    capture = tmp_path / "laptop.db"
    db = open_db(capture)
    repaired = flow_row("r", "2026-11-30T00:59:00.000Z", 200, None, ["sequence.orphan-tool-message"])
    repaired.repairs = [
        RepairRow(
            idx=0,
            datetime_utc="2026-11-30T00:59:00.001Z",
            rule="sequence.orphan-tool-message",
            family="sequence",
            location="messages[1]",
            applied=True,
            patch_json='[{"op": "remove", "path": "/messages/1"}]',
        )
    ]
    write_rows(
        db,
        [
            repaired,
            flow_row("a", "2026-11-30T01:00:00.000Z", 400, "invalid_value", ["sequence.orphan-tool-message"]),
            flow_row("b", "2026-11-30T01:01:00.000Z", 400, 400, ["sequence.orphan-tool-message"]),
            flow_row("c", "2026-11-30T01:02:00.000Z", 200, None, ["sequence.unanswered-tool-call", "x.y"]),
        ],
    )
    db.close()

    first = toolguard("sync", str(capture), postgres_url)
    again = toolguard("sync", str(capture), postgres_url)
    # Two messages and the chunk listing them: sent once for the four flows. The second sync upserts
    # the same rows and says none was new (it used to print the first line again).
    rest = f"5 findings, 1 repairs, 3 contents from {capture}\n"
    assert first == f"{postgres_url}: sent 4 flows (4 new), {rest}"
    assert again == f"{postgres_url}: sent 4 flows (0 new: PostgreSQL had them all), {rest}"

    schema = pgstore.sqlite_schema()
    for table, order in (
        ("flow_rows", "id"),
        ("contents", "id"),
        ("findings", "flow_id, idx"),
        ("repairs", "flow_id, idx"),
    ):
        assert pg_rows(postgres_url, table, order) == [
            as_pg(r, schema.table(table)) for r in sqlite_rows(capture, table, order)
        ]
    # The flows view rebuilds each request in PostgreSQL to the same text as in SQLite.
    assert pg_rows(postgres_url, "flows", "id") == [
        as_pg(r, schema.table("flow_rows")) for r in sqlite_rows(capture, "flows", "id")
    ]
    assert {r["request_json"] for r in pg_rows(postgres_url, "flows", "id")} == {
        flow_row("x", "", 400, None, []).request_json
    }

    from_pg = json.loads(toolguard("summary", "--db", postgres_url, "--format", "json"))
    from_file = json.loads(toolguard("summary", "--db", str(capture), "--format", "json"))
    assert from_pg["databases"] == [postgres_url] and from_file["databases"] == [str(capture)]
    from_pg.pop("databases"), from_file.pop("databases")
    assert from_pg == from_file
    assert from_pg["totals"] == {
        "flows": 4,
        "rejected": 2,
        "groups": 1,
        "predicted": 2,
        "recognised": 0,
        "unexplained": 0,
    }

    # merge into a URL is sync: a second capture adds its own flow only.
    other = tmp_path / "ci.db"
    db = open_db(other)
    write_rows(db, [flow_row("d", "2026-11-30T02:00:00.000Z", 400, None, [])])
    db.close()
    toolguard("merge", postgres_url, str(capture), str(other))
    assert [r["id"] for r in pg_rows(postgres_url, "flows", "id")] == ["a", "b", "c", "d", "r"]


def test_small_batches_send_contents_before_the_flows_that_need_them(
    tmp_path: Path, postgres_url: str
) -> None:
    """A growing agent session (several chunks per list, a system prompt) synced 5 rows at a time:
    PostgreSQL's flows view rebuilds every request to the text SQLite's does."""
    spec = importlib.util.spec_from_file_location("bench_storage", ROOT / "scripts" / "bench_storage.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    capture = tmp_path / "session.db"
    bench.through_store(24, capture)
    expected = {r["id"]: r["request_json"] for r in sqlite_rows(capture, "flows", "id")}
    assert [body.decode() for body in bench.session(24)] == [expected[i] for i in sorted(expected)]
    schema = pgstore.sqlite_schema()
    src = sqlite3.connect(f"file:{capture}?mode=ro", uri=True)
    after: dict[str, int] = {}
    batches = 0
    with psycopg.connect(postgres_url) as conn:
        pgstore.ensure_schema(conn, schema)
        while sent := pgstore.push(src, conn, schema, after, batch_size=5):
            after.update({table: last for table, (_, last) in sent.items()})
            batches += 1
            # After every batch, each flow PostgreSQL has reads back whole: its contents came first.
            for flow_id, text in conn.execute("SELECT id, request_json FROM flows").fetchall():
                assert text == expected[flow_id], (batches, flow_id)
        assert dict(conn.execute("SELECT id, request_json FROM flows").fetchall()) == expected
    src.close()
    assert batches > 24 // 5  # the contents held the flows back for several batches


def test_a_database_from_before_content_dedup_keeps_its_rows(tmp_path: Path, postgres_url: str) -> None:
    """A PostgreSQL store and a capture file both written before m008_content_dedup: the PG `flows`
    table becomes `flow_rows` (its rows whole), the old file syncs from its `flows` table, and the
    view answers reads, UPDATE and DELETE like the table did."""
    old_db = sqlite_utils.Database(memory=True)
    pgstore.migrations.apply(old_db, stop_before="m008_content_dedup")
    old_row = flow_row("old", "2026-11-29T00:00:00.000Z", 400, None, [])
    with psycopg.connect(postgres_url) as conn:
        pgstore.ensure_schema(conn, pgstore.sqlite_schema(old_db))
        conn.execute(
            "INSERT INTO flows (id, datetime_utc, request_json) VALUES ('old', %s, %s)",
            [old_row.datetime_utc, old_row.request_json],
        )
        conn.commit()
    capture = tmp_path / "old.db"  # never opened by this version: still the table `flows`
    legacy = sqlite_utils.Database(capture)
    pgstore.migrations.apply(legacy, stop_before="m008_content_dedup")
    write_rows(legacy, [flow_row("file", "2026-11-29T01:00:00.000Z", 400, None, ["x.y"])])
    legacy.close()

    assert (
        toolguard("sync", str(capture), postgres_url)
        == f"{postgres_url}: sent 1 flows (1 new), 1 findings from {capture}\n"
    )
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT to_regclass('flow_rows') IS NOT NULL").fetchone() == (True,)
        rows = conn.execute("SELECT id, request_json FROM flows ORDER BY id").fetchall()
        assert rows == [("file", old_row.request_json), ("old", old_row.request_json)]
        conn.execute("UPDATE flows SET verdict = 'recognised' WHERE id = 'old'")
        conn.execute("DELETE FROM flows WHERE id = 'file'")
        conn.commit()
        assert conn.execute("SELECT id, verdict FROM flows").fetchall() == [("old", "recognised")]


def test_a_password_never_reaches_the_output(tmp_path: Path, postgres_server: Any) -> None:
    url = postgres_server.url.replace("toolguard@", "toolguard:s3cret-pw@")  # trust auth ignores it
    capture = tmp_path / "one.db"
    db = open_db(capture)
    write_rows(db, [flow_row("a", "2026-11-30T01:00:00.000Z", 400, None, [])])
    db.close()
    out = toolguard("sync", str(capture), url)
    summary = toolguard("summary", "--db", url, "--format", "json")
    assert "s3cret-pw" not in out + summary
    assert json.loads(summary)["databases"] == [url.replace("s3cret-pw", "***")]


def test_an_unreachable_server_is_a_clean_error(tmp_path: Path) -> None:
    capture = tmp_path / "one.db"
    open_db(capture).close()
    result = subprocess.run(
        [str(TOOLGUARD), "summary", "--db", "postgresql://toolguard@127.0.0.1:1/none"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: cannot connect to postgresql://toolguard@127.0.0.1:1/none")
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- two proxies, one database


def send_cases(client: Any, rounds: int) -> int:
    sent = 0
    for _ in range(rounds):
        for messages in CASES:
            with contextlib.suppress(openai.BadRequestError):
                client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            sent += 1
    return sent


def stored_ids(spool: Path) -> set[str]:
    conn = sqlite3.connect(spool)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM flows")}
    finally:
        conn.close()


def pg_flow_ids(url: str) -> list[str]:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return [r[0] for r in conn.execute("SELECT id FROM flows").fetchall()]
    except psycopg.Error:
        return []


def test_two_proxies_write_one_database_and_survive_a_server_outage(
    upstream: Any,
    mitmdump_reverse: Any,
    openai_client: Any,
    postgres_server: Any,
    postgres_url: str,
    tmp_path: Path,
) -> None:
    upstream.max_requests = 200
    proxies = [
        mitmdump_reverse(
            options={
                "toolguard_db": postgres_url,
                "toolguard_spool": str(tmp_path / f"spool-{i}.db"),
                "toolguard_store_all": "true",
            },
            db_path=tmp_path / f"spool-{i}.db",
            stats_probe=True,
        )
        for i in range(2)
    ]
    clients = [openai_client(p) for p in proxies]

    def both(rounds: int) -> None:
        threads = [threading.Thread(target=send_cases, args=(c, rounds)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

    both(3)  # 2 proxies x 3 rounds x 4 requests, at the same time
    assert pgstore_wait(lambda: len(pg_flow_ids(postgres_url)) == 24), proxies[0].output[-3000:]

    postgres_server.stop()
    both(2)  # the server is down: the proxies keep answering and spool
    for proxy in proxies:  # each syncer met the outage (not a second's sleep that may not be enough)
        proxy.wait_for_stats(
            lambda s: s.get("pg_sync_errors", 0) >= 1, "a sync error while PostgreSQL is down"
        )
    postgres_server.start()
    assert pgstore_wait(lambda: len(pg_flow_ids(postgres_url)) == 40), len(pg_flow_ids(postgres_url))
    outputs = [p.stop() for p in proxies]

    spooled = [stored_ids(tmp_path / f"spool-{i}.db") for i in range(2)]
    assert [len(s) for s in spooled] == [20, 20] and not spooled[0] & spooled[1]
    ids = pg_flow_ids(postgres_url)
    assert sorted(ids) == sorted(spooled[0] | spooled[1])  # every flow of both proxies, exactly once

    data = json.loads(toolguard("summary", "--db", postgres_url, "--format", "json"))
    spools = [str(tmp_path / f"spool-{i}.db") for i in range(2)]
    from_spools = json.loads(toolguard("summary", "--db", spools[0], "--db", spools[1], "--format", "json"))
    data.pop("databases"), from_spools.pop("databases")
    assert data == from_spools  # the shared store says what the two proxies' own files say
    assert (data["totals"]["flows"], data["totals"]["rejected"], data["totals"]["predicted"]) == (40, 30, 30)
    rejected = {r["id"] for r in pg_rows(postgres_url, "flows", "id") if r["status"] == 400}
    assert sorted(i for g in data["groups"] for i in g["flow_ids"]) == sorted(rejected)
    # The outage was seen and counted, and nothing was left pending at exit.
    stats = [proxy_stats.stats(o) for o in outputs]
    assert sum(s["pg_sync_errors"] for s in stats) >= 1
    assert [s["pg_rows_pending"] for s in stats] == [0, 0]
    assert sum(s["pg_rows_synced"] for s in stats) >= 40 + 30  # flows and the findings of the flagged
    # What the logs said (trial21b): the outage with the rows waiting, the store back with what was
    # sent, every row delivered at the stop; and no deadlock between the two proxies reconnecting at
    # once (a proxy's schema check locked the tables the other was writing).
    target = pgstore.redact_url(postgres_url)
    for i, output in enumerate(outputs):
        assert "deadlock" not in output.lower()
        assert f"toolguard: cannot sync to {target} (" in output
        assert " rows wait in " in output
        assert f"toolguard: {target} is reachable again after " in output
        assert f"toolguard: every row of {tmp_path / f'spool-{i}.db'} reached {target} (" in output


def pgstore_wait(predicate: Any, timeout: float = SYNC_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return bool(predicate())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"toolguard_db": "postgresql://toolguard@127.0.0.1:1/none"},
            "toolguard_db: a postgresql:// database needs psycopg: pip install 'toolguard[postgres]'",
        ),
        (
            {"toolguard_otlp_endpoint": "http://127.0.0.1:1"},
            "toolguard_otlp_endpoint: the OpenTelemetry export needs the SDK: pip install 'toolguard[otel]'",
        ),
    ],
)
def test_without_the_extra_the_proxy_refuses_to_start_and_says_what_to_install(
    tmp_path: Path, options: dict[str, str], message: str
) -> None:
    # Packages that fail to import shadow the installed psycopg and opentelemetry: as if the extras
    # were not installed, with the real mitmdump and addon.
    hidden = tmp_path / "hidden"
    for package in ("psycopg", "opentelemetry"):
        (hidden / package).mkdir(parents=True)
        (hidden / package / "__init__.py").write_text(f"raise ImportError('{package} is not installed')\n")
    command = Mitmdump(tmp_path / "proxy", options=options).command()
    # The spool goes beside the default database: keep it in the test's directory, not the user's.
    env = dict(os.environ, PYTHONPATH=str(hidden), TOOLGUARD_DB=str(tmp_path / "default.db"))
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert message in result.stdout + result.stderr
    assert "Error logged during startup, exiting" in result.stdout + result.stderr


def test_toolguard_run_writes_to_postgresql_and_reports_from_its_spool(
    upstream: Any, postgres_url: str, tmp_path: Path
) -> None:
    from test_run import ORPHAN_CLIENT

    from toolguard_core.dburl import spool_path_for

    env = dict(os.environ, TOOLGUARD_DB=str(tmp_path / "default.db"))  # the spool goes beside it
    result = subprocess.run(
        [str(TOOLGUARD), "run", "--upstream", upstream.url, "--db", postgres_url,
         "--confdir", str(tmp_path / "conf"), "--", sys.executable, "-c", ORPHAN_CLIENT],
        capture_output=True, text=True, timeout=90, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    [flow] = pg_rows(postgres_url, "flows", "id")  # sent before the proxy exited
    assert (flow["status"], flow["verdict"]) == (400, "predicted")
    spool = spool_path_for(postgres_url, beside=tmp_path)
    assert stored_ids(spool) == {flow["id"]}
    lines = result.stderr.splitlines()
    assert lines[-3:] == [
        f"  database: {postgres_url}",
        f"  one flow: toolguard show --db {spool} {flow['id'][:8]}",  # read from the spool (issue #13)
        f"  more: toolguard summary --db {postgres_url}",
    ]
    assert (
        f"    {flow['id']}  400  POST 127.0.0.1:{upstream.port}/v1/chat/completions  predicted: rejected by the upstream, "
        "as toolguard predicted"
    ) in lines


def test_the_console_line_names_the_spool_while_postgresql_is_unreachable(
    upstream: Any,
    mitmdump_reverse: Any,
    openai_client: Any,
    postgres_server: Any,
    postgres_url: str,
    tmp_path: Path,
) -> None:
    """With a PostgreSQL target, a flagged flow's console line named ``toolguard show ID --db
    postgresql://...`` while the server was down and the row only in the local spool: that command
    answered "no flow with id". While the syncer's last attempt failed, the line names the spool and
    says why; once the server is back, the shared database again."""
    spool = tmp_path / "spool.db"
    proxy = mitmdump_reverse(
        options={"toolguard_db": postgres_url, "toolguard_spool": str(spool)},
        db_path=spool,
        stats_probe=True,
    )
    client = openai_client(proxy)
    target = pgstore.redact_url(postgres_url)

    def flagged_line() -> str:
        seen = proxy.output.count("toolguard: predicted: ")
        with contextlib.suppress(openai.BadRequestError):
            client.chat.completions.create(model="gpt-4o-mini", messages=CASES[0])
        assert pgstore_wait(lambda: proxy.output.count("toolguard: predicted: ") > seen, 30)
        return [line for line in proxy.output.splitlines() if "toolguard: predicted: " in line][-1]

    try:
        reachable = flagged_line()
        assert "(toolguard show --db postgresql://" in reachable, reachable
        assert "spool" not in reachable, reachable
        postgres_server.stop()
        proxy.wait_for_stats(lambda s: s.get("pg_unreachable") == 1, "the syncer meeting the outage")
        down = flagged_line()
        flow_id = down.split(" flow ")[1].split(" ")[0]
        assert down.endswith(
            f"(toolguard show --db {spool} {flow_id[:8]}; {target} is unreachable: the row waits in this spool)"
        ), down
    finally:
        postgres_server.start()
    proxy.wait_for_stats(lambda s: s.get("pg_unreachable") == 0, "the syncer reaching PostgreSQL again")
    back = flagged_line()
    assert "(toolguard show --db postgresql://" in back and "spool" not in back, back
    proxy.stop()
    # The line's command finds the row where it said it was (the spool then, PostgreSQL once synced).
    shown = subprocess.run(
        [str(TOOLGUARD), "show", "--db", str(spool), flow_id[:8]], capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0 and flow_id in shown.stdout, shown.stderr
