"""What every command that reads or changes a capture database answers for a file that is none.

The walkthrough of session 10 found three answers to one bad input: ``summary`` exited 1 ("cannot read
the database: no such table: flows"), ``merge`` exited 0 ("added 0 flows") and ``learned list`` exited 0
after migrating the file, adding toolguard's tables beside another program's; a missing input exited 1
for ``summary`` and 2 for ``merge``/``sync``. Now each command exits 1 with the same words
(:func:`toolguard_analysis.db.require`), and the file is left byte for byte as it was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_summary import machine_a, write_db

from toolguard_analysis.cli import cli
from toolguard_core.store import NotToolguardDatabase, open_db


def other_program(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("create table invoices (id integer primary key, total real)")
    conn.execute("insert into invoices (total) values (12.5)")
    conn.commit()
    conn.close()


def zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def text_file(path: Path) -> None:
    path.write_text("not a database\n")


#: Each bad database, how it is made (None: no file) and what every command says of it.
BAD: dict[str, tuple[Callable[[Path], None] | None, str]] = {
    "missing": (None, "Error: no toolguard database at {path}"),
    "other program's": (
        other_program,
        "Error: {path} is not a toolguard database (its tables are another program's: invoices); "
        "toolguard leaves it untouched: give the file a toolguard proxy wrote, or a new file",
    ),
    "0 bytes": (zero_bytes, "Error: {path} is not a toolguard database (it is empty: no proxy wrote to it)"),
    "not SQLite": (text_file, "Error: {path} is not a toolguard database (not a SQLite file)"),
    # Was "(disk I/O error)", SQLite's word for it (a new user's trial, session 15).
    "a directory": (
        Path.mkdir,
        "Error: {path} is not a toolguard database (it is a directory: give the database file)",
    ),
}

#: Every command given the database as the one it reads (F), with what else it needs.
COMMANDS: dict[str, list[str]] = {
    "summary": ["summary", "--db", "F"],
    "summary html": ["summary", "--db", "F", "--format", "html"],
    "merge input": ["merge", "OUT", "F"],
    "show": ["show", "--last", "--db", "F"],
    "check --flow": ["check", "--flow", "abc", "--db", "F"],
    "learned list": ["learned", "list", "--db", "F"],
    "learned export": ["learned", "export", "-", "--db", "F"],
    "learned forget": ["learned", "forget", "--all", "--db", "F"],
    "reexplain": ["reexplain", "--db", "F"],
    "refingerprint": ["refingerprint", "--db", "F"],
    "datasette-metadata": ["datasette-metadata", "F"],
    # Said before any connection is tried: nothing listens on port 1.
    "sync": ["sync", "F", "postgresql://toolguard@127.0.0.1:1/toolguard"],
}


def snapshot(directory: Path) -> dict[str, bytes | dict[str, bytes]]:
    return {p.name: snapshot(p) if p.is_dir() else p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_file_that_is_no_capture_exits_1_with_the_same_words_and_stays_untouched(
    command: str, bad: str, tmp_path: Path
) -> None:
    make, words = BAD[bad]
    place = tmp_path / "given"
    place.mkdir()
    path = place / "capture.db"
    if make is not None:
        make(path)
    before = snapshot(place)
    args = [{"F": str(path), "OUT": str(tmp_path / "out.db")}.get(arg, arg) for arg in COMMANDS[command]]
    result = CliRunner().invoke(cli, args)
    # check exits 1 for error findings: a flow it could not load is "nothing checked", 2, as a missing FILE.
    status = 2 if command == "check --flow" else 1
    assert (result.exit_code, result.output.strip()) == (status, words.format(path=path))
    assert snapshot(place) == before  # no tables added, no -wal/-shm beside it
    assert not (tmp_path / "out.db").exists()  # merge stopped before creating OUT


@pytest.mark.parametrize(
    "args",
    [
        ["merge", "F", "GOOD"],  # OUT is another program's database
        ["learned", "import", "EXPORT", "--db", "F"],
    ],
    ids=["merge into it", "learned import into it"],
)
def test_writing_into_another_programs_database_is_refused(args: list[str], tmp_path: Path) -> None:
    place = tmp_path / "given"
    place.mkdir()
    path = place / "app.db"
    other_program(path)
    before = snapshot(place)
    good = write_db(tmp_path / "good.db", machine_a())
    export = tmp_path / "export.json"
    export.write_text(
        json.dumps({"format": "toolguard-learned", "version": 1, "constraints": [], "calibration": []})
    )
    values = {"F": str(path), "GOOD": str(good), "EXPORT": str(export)}
    result = CliRunner().invoke(cli, [values.get(arg, arg) for arg in args])
    assert result.exit_code == 1
    assert f"{path} is not a toolguard database (its tables are another program's: invoices)" in result.output
    assert snapshot(place) == before


@pytest.mark.parametrize(
    "args", [["summary", "--db", "F"], ["merge", "OUT", "F"], ["learned", "list", "--db", "F"]]
)
def test_a_capture_with_no_flows_is_a_database_all_the_same(args: list[str], tmp_path: Path) -> None:
    """A proxy that saw nothing wrote a toolguard database with no flows: read, exit 0."""
    path = tmp_path / "quiet.db"
    open_db(path).close()
    result = CliRunner().invoke(
        cli, [{"F": str(path), "OUT": str(tmp_path / "out.db")}.get(a, a) for a in args]
    )
    assert result.exit_code == 0, result.output


def test_the_store_refuses_another_programs_file_and_takes_a_new_or_empty_one(tmp_path: Path) -> None:
    """The proxy's own store (toolguard_db) too: another program's file is refused at start-up,
    untouched; a 0-byte file (touch, mktemp) becomes a toolguard database."""
    app = tmp_path / "app.db"
    other_program(app)
    before = app.read_bytes()
    with pytest.raises(NotToolguardDatabase, match="its tables are another program's: invoices"):
        open_db(app)
    assert app.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    db = open_db(empty)
    assert "flows" in db.view_names()
    db.close()
    db = open_db(empty)  # and opens again as toolguard's
    db.close()


@pytest.mark.parametrize(
    "command",
    [
        ["summary"],
        ["show"],
        ["merge"],
        ["sync"],
        ["reexplain"],
        ["refingerprint"],
        ["datasette-metadata"],
        ["learned"],
        ["learned", "list"],
        ["learned", "forget"],
        ["learned", "export"],
        ["learned", "import"],
    ],
    ids=" ".join,
)
def test_every_database_command_documents_its_exit_status(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=10_000)
    assert result.exit_code == 0
    assert (
        "Exit status: 0 on success; 1 when a database is missing, is not a toolguard database"
        in result.output
    )


def test_check_flow_not_found_is_nothing_checked_not_an_error_finding(tmp_path: Path) -> None:
    path = write_db(tmp_path / "capture.db", machine_a())
    result = CliRunner().invoke(cli, ["check", "--flow", "no-such-flow", "--db", str(path)])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: no flow with id 'no-such-flow' (or starting with it) in {path}"


def test_a_merge_that_fails_leaves_no_new_out_behind(tmp_path: Path) -> None:
    """A team store that cannot be reached: `merge all.db postgresql://...` exited 1 but left an empty
    all.db, which summary then read as a capture with nothing in it. An OUT that existed is kept."""
    pytest.importorskip("psycopg")
    url = "postgresql://toolguard@127.0.0.1:1/toolguard"  # nothing listens on port 1
    out = tmp_path / "all.db"
    result = CliRunner().invoke(cli, ["merge", str(out), url])
    # As summary says it (the input is checked before OUT is made; it said "cannot read" before).
    assert result.exit_code == 1 and result.output.startswith(f"Error: cannot connect to {url}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    kept = write_db(tmp_path / "kept.db", machine_a())
    before = CliRunner().invoke(cli, ["summary", "--db", str(kept), "--format", "json"]).output
    assert CliRunner().invoke(cli, ["merge", str(kept), url]).exit_code == 1
    assert CliRunner().invoke(cli, ["summary", "--db", str(kept), "--format", "json"]).output == before


def test_learned_export_says_what_it_wrote_only_when_it_wrote_a_file(tmp_path: Path) -> None:
    db_path = tmp_path / "t.db"
    open_db(db_path).close()
    to_stdout = CliRunner().invoke(cli, ["learned", "export", "-", "--db", str(db_path)])
    assert to_stdout.exit_code == 0, to_stdout.output
    assert (json.loads(to_stdout.stdout)["format"], to_stdout.stderr) == ("toolguard-learned", "")
    out = tmp_path / "learned.json"
    to_file = CliRunner().invoke(cli, ["learned", "export", str(out), "--db", str(db_path)])
    assert (to_file.exit_code, to_file.stdout, to_file.stderr) == (
        0,
        "",
        "exported 0 constraint(s), 0 calibration(s)\n",
    )
    assert json.loads(out.read_text())["constraints"] == []


#: The commands that read a database given a URL (datasette-metadata refuses URLs, sync's F is a file).
URL_COMMANDS = [c for c in COMMANDS if c not in ("datasette-metadata", "sync")]


@pytest.mark.parametrize("command", URL_COMMANDS)
def test_a_postgresql_database_no_proxy_wrote_to_is_said_as_an_empty_file_is(
    command: str, postgres_url: str, tmp_path: Path
) -> None:
    """trial21b: a team lead who creates the database as docs/deployment.md says and runs a command
    before any proxy started got PostgreSQL's 'relation "flows" does not exist' with a SQL excerpt
    from summary, show, check, forget, reexplain and refingerprint, 'nothing learned yet' from
    learned list and export, and an empty OUT file from merge (exit 0). Now each exits as for an
    empty file, with the same words, and no table is created."""
    psycopg = pytest.importorskip("psycopg")
    args = [{"F": postgres_url, "OUT": str(tmp_path / "out.db")}.get(arg, arg) for arg in COMMANDS[command]]
    result = CliRunner().invoke(cli, args)
    status = 2 if command == "check --flow" else 1
    words = (
        f"Error: {postgres_url} is not a toolguard database (it has no toolguard tables: no proxy "
        "or `toolguard sync` wrote to it yet)"
    )
    assert (result.exit_code, result.output.strip()) == (status, words)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute(
            "select count(*) from pg_class where relnamespace = 'public'::regnamespace"
        ).fetchone() == (0,)
    assert not (tmp_path / "out.db").exists()
