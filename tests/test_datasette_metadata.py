"""analysis/datasette.yml: every described column exists, every canned query runs on a real store DB."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from test_summary import machine_a, machine_b, write_db

from toolguard_analysis.cli import cli
from toolguard_core.learned import upstream_name_sql
from toolguard_core.learned_store import import_learned
from toolguard_core.store import RunRow, open_db, write_run

LEARNED_EXPORT = {
    "format": "toolguard-learned",
    "version": 1,
    "constraints": [
        {
            "host": "api.openai.com",
            "model": "gpt-4o",
            "kind": "param",
            "name": "presence_penalty",
            "error_text": "Argument not supported on this model: presencePenalty",
            "cause_id": "cause.param-unsupported",
            "first_flow": "b1",
            "first_seen": "2026-11-21T10:00:00.000Z",
            "last_seen": "2026-11-21T10:00:00.000Z",
            "count": 1,
        }
    ],
    "calibration": [
        {
            "rule": "sequence.unanswered-tool-call",
            "host": "api.openai.com",
            "model": "gpt-4o",
            "accepted": 3,
            "first_flow": "a4",
            "first_seen": "2026-11-21T12:00:00.000Z",
            "demoted_at": "2026-11-21T12:00:00.000Z",
        }
    ],
}

METADATA = yaml.safe_load((Path(__file__).parent.parent / "analysis" / "datasette.yml").read_text())
DATABASE = METADATA["databases"]["toolguard"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("ds") / "toolguard.db"
    write_db(path, machine_a() + machine_b()[1:])
    # The learned tables filled the way a team fills them: an export imported (toolguard learned import).
    with open_db(path) as store_db:
        import_learned(store_db, LEARNED_EXPORT)
    store = open_db(path)
    write_run(store, RunRow(id="run-1", started_utc="2026-11-21T10:00:00.000Z", requests_seen=9, stored=8))
    store.close()
    conn = sqlite3.connect(path)
    yield conn
    conn.close()


def test_described_columns_are_exactly_the_schema(db: sqlite3.Connection) -> None:
    for table, meta in DATABASE["tables"].items():
        schema = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        assert schema, table
        assert sorted(meta["columns"]) == sorted(schema), table
        assert meta["description"]


def test_every_table_of_the_store_is_described_and_bookkeeping_is_hidden(db: sqlite3.Connection) -> None:
    """A new table is described (or Datasette shows it bare); the migrations' bookkeeping table, which
    Datasette 0.65 listed first among the tables, is hidden."""
    names = {r[0] for r in db.execute("select name from sqlite_master where type in ('table', 'view')")}
    # flow_rows is the storage behind the `flows` view, which is described (docs/schema.md, Storage).
    assert (sorted(names - set(DATABASE["tables"])), sorted(set(DATABASE["tables"]) - names)) == (
        ["flow_rows"],
        [],
    )
    hidden = [name for name, meta in DATABASE["tables"].items() if meta.get("hidden")]
    assert hidden == ["_sqlite_migrations"]


@pytest.mark.parametrize("name", sorted(DATABASE["queries"]))
def test_canned_query_runs(db: sqlite3.Connection, name: str) -> None:
    params = {"since": "2026-11-21", "flow_id": "a2"}
    rows = db.execute(DATABASE["queries"][name]["sql"], params).fetchall()
    assert rows, name  # every query has something to show on this capture


def test_answers(db: sqlite3.Connection) -> None:
    queries = DATABASE["queries"]
    assert db.execute(queries["verdicts"]["sql"]).fetchall() == [
        ("predicted", 3),
        ("unexplained", 3),
        ("false_alarm", 1),
        ("no_answer", 1),
    ]
    assert db.execute(queries["precision_by_rule"]["sql"]).fetchall() == [
        ("sequence.unanswered-tool-call", 1, 1, 0.5),
        ("sequence.orphan-tool-message", 2, 0, 1.0),
    ]
    assert [r[0] for r in db.execute(queries["unexplained"]["sql"])] == ["b3", "b1", "a3"]
    assert [r[-4:-2] for r in db.execute(queries["flow"]["sql"], {"flow_id": "a2"})] == [
        ("sequence.orphan-tool-message", "error")
    ]


@pytest.mark.parametrize("names", [["capture-2026.db"], ["laptop.db", "ci: nightly.db"], []])
def test_metadata_for_any_file_name(names: list[str], tmp_path: Path) -> None:
    """Datasette keys metadata by file stem: each file gets the toolguard.db block under its own name."""
    for name in names:
        write_db(tmp_path / name, machine_a())
    result = CliRunner().invoke(cli, ["datasette-metadata", *(str(tmp_path / n) for n in names)])
    assert result.exit_code == 0, result.output
    generated = yaml.safe_load(result.output)
    expected_names = [Path(n).stem for n in names] or ["toolguard"]
    assert generated == {**METADATA, "databases": dict.fromkeys(expected_names, DATABASE)}


@pytest.mark.parametrize("name", sorted(DATABASE["queries"]))
def test_canned_queries_name_an_upstream_as_every_report_does(name: str) -> None:
    """A canned query over ``flows`` shows an upstream as ``host:port`` off the scheme's default port:
    the expression learned.upstream_name_sql builds, verbatim (one fact, so the YAML cannot drift);
    the learned tables' ``host`` is that name already."""
    sql = " ".join(DATABASE["queries"][name]["sql"].split())
    if "from flows" not in sql:
        return
    rest = sql.replace(upstream_name_sql("f.host", "f.port", "f.scheme"), "").replace(upstream_name_sql(), "")
    assert re.findall(r"\bhost\b(?! as)", re.sub(r"\bas hosts?\b", "", rest)) == [], sql
