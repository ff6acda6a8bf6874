"""The commands a teammate runs against the shared PostgreSQL store, after a real proxy wrote to it
(issue #17): ``toolguard show --db postgresql://... --last`` shows the flow the proxy stored exactly as
the proxy's own spool shows it, and a constraint one proxy learned, exported from PostgreSQL and
imported into a SQLite file, makes a second proxy on that file give the same finding.

Real parts throughout: mitmdump with the addon, the openai SDK, Debian's PostgreSQL (a throwaway
cluster), the installed ``toolguard`` command; the upstream is a loopback server answering xAI's real
rejection body."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest
from support import proxy_stats
from support.proxy import Mitmdump
from support.upstream import GROK, XAI_PRESENCE_PENALTY, Reply, Upstream

from toolguard_core.dburl import redact_url
from toolguard_core.verdict import VERDICT_WORDS

pytestmark = pytest.mark.e2e
psycopg = pytest.importorskip("psycopg")

TOOLGUARD = Path(sys.executable).with_name("toolguard")
SYNC_TIMEOUT = 30.0


def toolguard(*args: str) -> str:
    result = subprocess.run([str(TOOLGUARD), *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def pg_rows(url: str, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    try:
        with psycopg.connect(url, row_factory=psycopg.rows.dict_row, connect_timeout=2) as conn:
            return conn.execute(sql, args).fetchall()
    except psycopg.errors.UndefinedTable:  # the proxy has not created the tables yet
        return []


def wait_for(probe: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + SYNC_TIMEOUT
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def grok_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model=GROK, messages=[{"role": "user", "content": "hi"}], presence_penalty=0.5
        )


def findings_of(flow_id: str, url_or_file: str) -> list[tuple[str, str, str, str]]:
    shown = json.loads(toolguard("show", flow_id, "--db", url_or_file, "--format", "json"))
    return [(f["rule"], f["severity"], f["location"], f["message"]) for f in shown["findings"]]


def test_a_flow_a_proxy_stored_in_postgresql_is_shown_and_its_lesson_travels_to_a_sqlite_file(
    upstream: Upstream,
    mitmdump_reverse: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    postgres_url: str,
    tmp_path: Path,
) -> None:
    upstream.handler = lambda request: Reply.json(400, XAI_PRESENCE_PENALTY)
    spool = tmp_path / "spool.db"
    proxy = mitmdump_reverse(
        options={"toolguard_db": postgres_url, "toolguard_spool": str(spool)}, db_path=spool
    )
    client = openai_client(proxy)

    grok_request(client)  # rejected, recognised, learned
    [first] = wait_for(
        lambda: pg_rows(postgres_url, "SELECT id, verdict FROM flows"), "the first flow in PostgreSQL"
    )
    assert first["verdict"] == "recognised"
    wait_for(lambda: pg_rows(postgres_url, "SELECT * FROM learned"), "the learned constraint in PostgreSQL")

    # `show --last` from PostgreSQL says what the proxy's own spool says, word for word.
    from_pg = toolguard("show", "--last", "--db", postgres_url)
    from_spool = toolguard("show", "--last", "--db", str(spool))
    # ... but for the replay hint, which names the --db each was read from.
    assert from_pg.replace(
        f"--db {shlex.quote(redact_url(postgres_url))} ", "--db DB "
    ) == from_spool.replace(f"--db {shlex.quote(str(spool))} ", "--db DB ")
    assert f"--db {shlex.quote(redact_url(postgres_url))} " in from_pg
    assert from_pg.startswith(f"flow {first['id']}\n")
    assert f"  verdict:    recognised: {VERDICT_WORDS['recognised']}\n" in from_pg

    grok_request(client)  # the same request again: now predicted, by what this proxy learned
    second = wait_for(
        lambda: pg_rows(postgres_url, "SELECT id, verdict FROM flows WHERE id != %s", (first["id"],)),
        "the second flow in PostgreSQL",
    )
    proxy.stop()
    assert [f["verdict"] for f in second] == ["predicted"]
    learned_by_the_proxy = findings_of(second[0]["id"], postgres_url)
    assert [f[:3] for f in learned_by_the_proxy] == [("learned.param", "error", "presence_penalty")]

    # Exported from PostgreSQL, imported into a fresh SQLite file behind another proxy.
    export = tmp_path / "team.json"
    toolguard("learned", "export", str(export), "--db", postgres_url)
    other_db = tmp_path / "other.db"
    assert toolguard("learned", "import", str(export), "--db", str(other_db)) == (
        "imported 1 constraint(s), 0 calibration(s)\n"
    )
    assert toolguard("learned", "list", "--db", str(other_db)).replace(
        "(imported)", "(observed)"
    ) == toolguard("learned", "list", "--db", postgres_url)
    other = mitmdump_reverse(db_path=other_db)
    grok_request(openai_client(other))
    other.stop()
    third = json.loads(toolguard("show", "--last", "--db", str(other_db), "--format", "json"))["flow"]["id"]
    assert findings_of(third, str(other_db)) == learned_by_the_proxy  # the same finding, citing the same flow


def test_what_one_proxy_learned_reaches_another_proxy_through_postgresql(
    upstream: Upstream,
    mitmdump_reverse: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    postgres_url: str,
    tmp_path: Path,
) -> None:
    """Issue #17: learned constraints are shared through the store. Proxy A learns that xAI rejects
    presence_penalty for grok-4; proxy B, on another spool, pulls it from PostgreSQL and flags the
    very first such request it sees (predicted, learned.param) without having been rejected itself."""
    upstream.handler = lambda request: Reply.json(400, XAI_PRESENCE_PENALTY)
    spools = [tmp_path / "spool-a.db", tmp_path / "spool-b.db"]
    a, b = (
        mitmdump_reverse(
            options={"toolguard_db": postgres_url, "toolguard_spool": str(s)}, db_path=s, stats_probe=True
        )
        for s in spools
    )
    grok_request(openai_client(a))
    wait_for(lambda: pg_rows(postgres_url, "SELECT * FROM learned"), "A's learned constraint in PostgreSQL")

    def in_b() -> list[Any]:
        import sqlite3

        conn = sqlite3.connect(spools[1])
        try:
            return conn.execute("SELECT name, source FROM learned").fetchall()
        except sqlite3.OperationalError:
            return []
        finally:
            conn.close()

    assert wait_for(in_b, "the constraint pulled into B's spool") == [("presence_penalty", "observed")]
    # The store's writer re-reads what was learned when idle (every 2 s): wait until B's proxy holds it.
    b.wait_for_stats(lambda s: s.get("learned_constraints", 0) >= 1, "the constraint in B's knowledge")
    grok_request(openai_client(b))
    b_out = b.stop()
    a.stop()
    flow = json.loads(toolguard("show", "--last", "--db", str(spools[1]), "--format", "json"))
    assert flow["flow"]["verdict"] == "predicted"
    assert [(f["rule"], f["severity"], f["location"]) for f in flow["findings"]] == [
        ("learned.param", "error", "presence_penalty")
    ]
    assert proxy_stats.stats(b_out)["pg_learned_pulled"] == 1
    # B's upstream rejected it too: B's row (pulled with A's count 1) counted it, and the updated row
    # reached PostgreSQL merged per key — one row, A's first flow, the count both proxies saw.
    [shared] = pg_rows(postgres_url, "SELECT * FROM learned")
    assert (shared["name"], shared["source"], shared["count"]) == ("presence_penalty", "observed", 2)
    # Whole rows: B's spool has the same row, but for the last flow (B's own; PostgreSQL keeps the rest
    # of a row as first sent, like toolguard merge) — the merged fields agree on both sides.
    import sqlite3

    conn = sqlite3.connect(spools[1])
    conn.row_factory = sqlite3.Row
    [b_row] = [dict(r) for r in conn.execute("SELECT * FROM learned")]
    conn.close()
    assert b_row["last_flow"] == flow["flow"]["id"] != shared["first_flow"]
    assert shared == {**b_row, "last_flow": shared["first_flow"]}


def test_a_rule_one_proxys_upstream_keeps_accepting_is_demoted_on_every_proxy(
    upstream: Upstream,
    mitmdump_reverse: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    postgres_url: str,
    tmp_path: Path,
) -> None:
    """Issue #10.3 through #17: proxy A's upstream accepts a lone tool message three times, so A
    demotes the orphan-tool-message rule there; the calibration row (updated in place on every
    acceptance) reaches PostgreSQL, B pulls it and B's next such request gets a warning, not an error."""
    from support.seeds import LONE_TOOL
    from support.upstream import completion

    upstream.handler = lambda request: Reply.json(200, completion())
    spools = [tmp_path / "spool-a.db", tmp_path / "spool-b.db"]
    a, b = (
        mitmdump_reverse(
            options={"toolguard_db": postgres_url, "toolguard_spool": str(s), "toolguard_demote_after": "3"},
            db_path=s,
            stats_probe=True,
        )
        for s in spools
    )
    body = LONE_TOOL.body()
    client_a = openai_client(a)
    for accepted in (1, 2, 3):
        client_a.chat.completions.create(**body)
        wait_for(
            lambda n=accepted: (
                [r["accepted"] for r in pg_rows(postgres_url, "SELECT * FROM rule_calibration")] == [n]
            ),
            f"A's count {accepted} in PostgreSQL",
        )
    [shared] = wait_for(
        lambda: pg_rows(postgres_url, "SELECT * FROM rule_calibration WHERE demoted_at IS NOT NULL"),
        "A's demotion in PostgreSQL",
    )
    assert (shared["rule"], shared["host"], shared["model"], shared["accepted"]) == (
        LONE_TOOL.rule,
        f"127.0.0.1:{upstream.port}",  # both proxies front this upstream: one key (learned_host)
        body["model"],
        3,
    )

    def in_b() -> list[dict[str, Any]]:
        import sqlite3

        conn = sqlite3.connect(spools[1])
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute("SELECT * FROM rule_calibration")]
        except sqlite3.OperationalError:
            return []
        finally:
            conn.close()

    assert wait_for(in_b, "the demotion pulled into B's spool") == [shared]
    # The store's writer re-reads what was learned within 2 s: wait until B's proxy has the demotion.
    demoted = f"{LONE_TOOL.rule} @ 127.0.0.1:{upstream.port} {body['model']}"
    b.wait_for_stats(lambda s: demoted in s.get("demoted_rules", []), "the demotion in B's knowledge")
    openai_client(b).chat.completions.create(**body)
    b_out = b.stop()
    a.stop()
    flow = json.loads(toolguard("show", "--last", "--db", str(spools[1]), "--format", "json"))
    assert (flow["flow"]["verdict"], flow["flow"]["model"]) == ("accepted", body["model"])
    assert [(f["rule"], f["severity"], f["location"]) for f in flow["findings"]] == [
        (LONE_TOOL.rule, "warning", LONE_TOOL.location)
    ]
    stats = proxy_stats.stats(b_out)
    # One pull per state of A's row that B saw (its pulls are timed, A's count moved three times).
    assert 1 <= stats["pg_learned_pulled"] <= 3
    assert (stats["pg_rows_pending"], stats["pg_sync_errors"]) == (0, 0)
    # B's acceptance was of a warning (not a false alarm): nothing changed, nothing sent back.
    assert pg_rows(postgres_url, "SELECT * FROM rule_calibration") == [shared] == in_b()
