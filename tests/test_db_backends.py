"""Every command that reads or changes a database, on a SQLite file and on a real PostgreSQL server
(a throwaway cluster, tests/support/postgres.py) holding the same rows: ``show`` (every format and
every error), ``check --flow``, ``learned list|export|forget|import`` and ``reexplain`` give the same
output on both, word for word, but for the database's name.

The PostgreSQL database gets its rows the way a team's does: ``toolguard sync`` of the SQLite file
(:func:`toolguard_core.pgstore.push_file`)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from toolguard_analysis.cli import cli
from toolguard_core.store import FindingRow, FlowRow, open_db, write_rows

pytest.importorskip("psycopg")

ORPHAN_BODY = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "user", "content": "What is the weather?"},
        {"role": "tool", "content": "sunny", "tool_call_id": "call_9"},
    ],
}
# OpenAI's answer to a tool message with no call before it (docs/errors.md, providers.md).
ORPHAN_ERROR = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
# xAI's rejection of a parameter (https://github.com/lobehub/lobehub/issues/8389), as the learned
# constraint tests store it.
XAI_TEXT = "Argument not supported on this model: presencePenalty"

EXPORT = {
    "format": "toolguard-learned",
    "version": 1,
    "constraints": [
        {
            "host": "api.x.ai",
            "model": "grok-4",
            "kind": "param",
            "name": "presence_penalty",
            "value": "",
            "rule": "learned.param",
            "cause_id": "cause.sampling-on-reasoning-model",
            "error_text": XAI_TEXT,
            "first_flow": "f-grok-1",
            "last_flow": "f-grok-2",
            "first_seen": "2026-11-29T10:00:00.000Z",
            "last_seen": "2026-11-29T11:00:00.000Z",
            "count": 2,
            "source": "observed",
        },
        {
            "host": "API.example.com",  # lower-cased on import
            "model": "",
            "kind": "param",
            "name": "logit_bias",
            "value": "",
            "error_text": "Unrecognized request argument supplied: logit_bias",
            "first_flow": "f-ex-1",
            "first_seen": "2026-11-28T09:00:00.000Z",
            "count": 1,
        },
    ],
    "calibration": [
        {
            "rule": "sequence.orphan-tool-message",
            "host": "127.0.0.1",
            "model": "qwen3",
            "accepted": 3,
            "first_flow": "f-q-1",
            "last_flow": "f-q-3",
            "first_seen": "2026-11-27T08:00:00.000Z",
            "last_seen": "2026-11-27T08:05:00.000Z",
            "demoted_at": "2026-11-27T08:05:00.000Z",
        }
    ],
}


def _flows() -> list[FlowRow]:
    predicted = FlowRow(
        id="6f9bebcc-0001",
        datetime_utc="2026-11-30T01:00:00.000Z",
        method="POST",
        scheme="https",
        host="api.openai.com",
        port=443,
        path="/v1/chat/completions",
        url="https://api.openai.com/v1/chat/completions",
        provider="openai",
        model="gpt-4o-mini",
        client="OpenAI/Python 1.99.0",
        stream=False,
        status=400,
        duration_ms=182,
        error_message=ORPHAN_ERROR,
        error_type="invalid_request_error",
        error_code="invalid_value",
        error_param="messages.[1].role",
        error_json=json.dumps(
            {"message": ORPHAN_ERROR, "type": "invalid_request_error", "param": "messages.[1].role"}
        ),
        verdict="predicted",
        request_json=json.dumps(ORPHAN_BODY),
        request_headers_json=json.dumps(
            {"user-agent": "OpenAI/Python 1.99.0", "authorization": "Bearer [REDACTED]"}
        ),
        finding_count=1,
        error_finding_count=1,
        findings=[
            FindingRow(
                idx=0,
                rule="sequence.orphan-tool-message",
                severity="error",
                location="messages[1]",
                message="messages[1] answers call_9, but no assistant message before it made that call.",
            )
        ],
    )
    accepted = FlowRow(
        id="6f9bebcc-0002",
        datetime_utc="2026-11-30T00:59:00.000Z",
        method="POST",
        host="api.openai.com",
        path="/v1/chat/completions",
        url="https://api.openai.com/v1/chat/completions",
        provider="openai",
        model="gpt-4o-mini",
        status=200,
        verdict="accepted",
        request_json=json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}),
    )
    # A rejection stored before the catalogue knew its text (as an older toolguard labelled it):
    # `reexplain` recognises it.
    grok = FlowRow(
        id="a1b2c3d4-0003",
        datetime_utc="2026-11-30T00:58:00.000Z",
        method="POST",
        host="api.x.ai",
        path="/v1/chat/completions",
        url="https://api.x.ai/v1/chat/completions",
        provider="xai",
        model="grok-4",
        status=400,
        error_message=XAI_TEXT,
        error_json=json.dumps({"message": XAI_TEXT}),
        verdict="unexplained",
        request_json=json.dumps(
            {"model": "grok-4", "messages": [{"role": "user", "content": "hi"}], "presence_penalty": 0.5}
        ),
    )
    return [predicted, accepted, grok]


@pytest.fixture
def databases(tmp_path: Path, postgres_url: str) -> dict[str, str]:
    """The same capture as a SQLite file and in PostgreSQL (pushed with `toolguard sync`)."""
    from toolguard_core import pgstore

    path = tmp_path / "capture.db"
    db = open_db(path)
    write_rows(db, _flows())
    db.execute(
        "UPDATE flows SET cause_id = NULL, cause_json = NULL, verdict = 'unexplained' WHERE id LIKE 'a1%'"
    )
    db.conn.commit()
    db.close()
    pgstore.push_file(path, postgres_url)
    return {"sqlite": str(path), "postgresql": postgres_url}


def toolguard(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def on_both(databases: dict[str, str], command: Callable[[str], tuple[int, str]]) -> tuple[int, str]:
    """Run ``command`` on both databases; the answers must be the same but for the database's name,
    which is replaced by ``DB``. Returns that one answer."""
    answers = {}
    for name, source in databases.items():
        status, output = command(source)
        answers[name] = (status, output.replace(source, "DB"))
    assert answers["postgresql"] == answers["sqlite"]
    return answers["sqlite"]


# ---------------------------------------------------------------------------------------- show


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("ref", ["--last", "6f9bebcc-0001", "a1b2", "6f9bebcc-0002"])
def test_show_says_the_same_from_a_file_and_from_postgresql(
    databases: dict[str, str], ref: str, fmt: str
) -> None:
    status, output = on_both(databases, lambda db: toolguard("show", ref, "--db", db, "--format", fmt))
    assert status == 0
    if fmt == "json":
        shown = json.loads(output)
        expected_id = {"--last": "6f9bebcc-0001", "a1b2": "a1b2c3d4-0003"}.get(ref, ref)
        assert shown["flow"]["id"] == expected_id
        assert shown["flow"]["error_code"] == ("invalid_value" if expected_id.endswith("1") else None)


def test_show_last_as_text_from_postgresql(databases: dict[str, str]) -> None:
    status, output = toolguard("show", "--last", "--db", databases["postgresql"])
    assert status == 0
    assert output == (
        "flow 6f9bebcc-0001\n"
        "  request:    POST https://api.openai.com/v1/chat/completions\n"
        "  provider:   openai, model gpt-4o-mini\n"
        "  client:     OpenAI/Python 1.99.0\n"
        "  stream:     no\n"
        "  when:       2026-11-30T01:00:00.000Z, 182 ms until the answer ended\n"
        "  verdict:    predicted: rejected by the upstream, as toolguard predicted\n"
        f"  upstream:   upstream answered 400: {ORPHAN_ERROR} (param: messages.[1].role)\n"
        "  root cause: sequence.orphan-tool-message (docs/rules.md#sequenceorphan-tool-message)\n"
        "\n"
        "findings (1):\n"
        "  ERROR   sequence.orphan-tool-message at messages[1]\n"
        "          messages[1] answers call_9, but no assistant message before it made that call.\n"
        "\n"
        "conversation (as mitmweb's Chat Completions view shows it):\n"
        "  toolguard: 1 finding(s), 1 error(s), verdict: predicted\n"
        '  request: model="gpt-4o-mini"\n'
        "\n"
        "  [0] user\n"
        "      What is the weather?\n"
        "\n"
        "  [1] tool  answers 'call_9': NO CALL with this id before it\n"
        "      sunny\n"
        "    !! ERROR sequence.orphan-tool-message at messages[1]\n"
        "       messages[1] answers call_9, but no assistant message before it made that call.\n"
        "\n"
        "request headers (redacted):\n"
        "  user-agent: OpenAI/Python 1.99.0\n"
        "  authorization: Bearer [REDACTED]\n"
        "\n"
        # The replay hint repeats the --db it was given, so it runs as printed.
        f"replay: toolguard show --db {databases['postgresql']} 6f9bebcc --request | curl -sS "
        "https://api.openai.com/v1/chat/completions -H 'content-type: application/json' "
        "-H 'authorization: Bearer '\"$API_KEY\" --data-binary @-\n"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["6f9bebcc"], (1, "Error: '6f9bebcc' matches more than one flow; give more of the id:\n"
                           "  6f9bebcc-0002  2026-11-30T00:59:00.000Z\n"
                           "  6f9bebcc-0001  2026-11-30T01:00:00.000Z\n")),
        (["zzz"], (1, "Error: no flow with id 'zzz' (or starting with it) in DB\n")),
        (["6f9bebcc-0001", "--request"], (0, json.dumps(ORPHAN_BODY) + "\n")),
        # A LIKE wildcard in the reference is a literal character, on both databases.
        (["6f9bebcc_"], (1, "Error: no flow with id '6f9bebcc_' (or starting with it) in DB\n")),
    ],
)  # fmt: skip
def test_show_finds_and_refuses_flows_alike(
    databases: dict[str, str], args: list[str], expected: tuple[int, str]
) -> None:
    assert on_both(databases, lambda db: toolguard("show", *args, "--db", db)) == expected


def test_check_rechecks_a_stored_flow_from_either_database(databases: dict[str, str]) -> None:
    status, output = on_both(
        databases, lambda db: toolguard("check", "--flow", "6f9bebcc-0001", "--db", db, "--format", "json")
    )
    assert status == 1
    checked = json.loads(output)
    assert (checked["source"], checked["url"]) == (
        "flow 6f9bebcc-0001",
        "https://api.openai.com/v1/chat/completions",
    )
    assert [(f["rule"], f["location"]) for f in checked["findings"]] == [
        ("sequence.orphan-tool-message", "messages[1]")
    ]


def test_an_empty_postgresql_database_has_no_flows(postgres_url: str) -> None:
    from toolguard_core import pgstore

    with pgstore.connect(postgres_url) as conn:
        pgstore.ensure_schema(conn)
    assert toolguard("show", "--last", "--db", postgres_url) == (1, f"Error: {postgres_url} has no flows\n")


# ------------------------------------------------------------------------------- learned, reexplain


def test_learned_list_shows_an_upstreams_terminal_escapes_without_running_them(tmp_path: Path) -> None:
    """`toolguard learned list` printed each constraint's error text (the upstream's) as sent: an
    ESC ] 0;...BEL in it set the terminal's title (a team's shared export carries others' texts)."""
    constraint = {**EXPORT["constraints"][0], "error_text": "Bad \x1b]0;pwned\x07presence_penalty"}
    export_file = tmp_path / "team.json"
    export_file.write_text(json.dumps({**EXPORT, "constraints": [constraint], "calibration": []}))
    db = str(tmp_path / "l.db")
    assert toolguard("learned", "import", str(export_file), "--db", db)[0] == 0
    status, output = toolguard("learned", "list", "--db", db)
    assert (status, output.splitlines()[1]) == (0, "    Bad \\x1b]0;pwned\\x07presence_penalty")


def test_learned_import_list_export_forget_alike(databases: dict[str, str], tmp_path: Path) -> None:
    export_file = tmp_path / "team.json"
    export_file.write_text(json.dumps(EXPORT))

    imported = on_both(databases, lambda db: toolguard("learned", "import", str(export_file), "--db", db))
    assert imported == (0, "imported 2 constraint(s), 1 calibration(s)\n")
    again = on_both(databases, lambda db: toolguard("learned", "import", str(export_file), "--db", db))
    # Idempotent (the listing below has each row once), and said: it used to repeat "imported 2 ...".
    assert again == (
        0,
        "imported 2 constraint(s), 1 calibration(s); 3 of them were already here (merged, nothing added twice)\n",
    )

    listing = on_both(databases, lambda db: toolguard("learned", "list", "--db", db))
    assert listing == (
        0,
        "learned.param          logit_bias                     api.example.com *  1× first flow f-ex-1 (imported)\n"
        "    Unrecognized request argument supplied: logit_bias\n"
        "learned.param          presence_penalty               api.x.ai grok-4  2× first flow f-grok-1 (imported)\n"
        f"    {XAI_TEXT}\n"
        "sequence.orphan-tool-message             127.0.0.1 qwen3  accepted 3×: "
        "a warning since 2026-11-27T08:05:00.000Z\n",
    )

    exported: dict[str, Any] = {}
    for name, db in databases.items():
        out = tmp_path / f"{name}.json"
        assert toolguard("learned", "export", str(out), "--db", db) == (
            0,
            "exported 2 constraint(s), 1 calibration(s)\n",
        )
        exported[name] = json.loads(out.read_text())
    assert exported["postgresql"] == exported["sqlite"]
    assert [(c["host"], c["name"], c["count"], c["source"]) for c in exported["sqlite"]["constraints"]] == [
        ("api.example.com", "logit_bias", 1, "imported"),
        ("api.x.ai", "presence_penalty", 2, "imported"),
    ]
    assert on_both(databases, lambda db: toolguard("learned", "list", "--json", "--db", db)) == (
        0,
        json.dumps(exported["sqlite"], indent=2, ensure_ascii=False) + "\n",
    )

    forgot = on_both(
        databases,
        lambda db: toolguard(
            "learned", "forget", "--host", "API.x.ai", "--name", "presence_penalty", "--db", db
        ),
    )
    assert forgot == (0, "forgot 1 row(s)\n")
    assert on_both(databases, lambda db: toolguard("learned", "forget", "--all", "--db", db)) == (
        0,
        "forgot 2 row(s)\n",
    )
    assert on_both(databases, lambda db: toolguard("learned", "list", "--db", db)) == (
        0,
        "nothing learned yet\n",
    )


def test_reexplain_relabels_alike(databases: dict[str, str]) -> None:
    assert on_both(databases, lambda db: toolguard("reexplain", "--db", db)) == (
        0,
        "2 stored rejection(s) relabelled\n",  # the grok row, and the root cause of the predicted one
    )
    assert on_both(databases, lambda db: toolguard("reexplain", "--db", db)) == (
        0,
        "0 stored rejection(s) relabelled\n",
    )
    shown = on_both(databases, lambda db: toolguard("show", "a1b2", "--db", db, "--format", "json"))
    flow = json.loads(shown[1])["flow"]
    assert (flow["verdict"], flow["cause_id"]) == ("recognised", "cause.sampling-on-reasoning-model")


@pytest.mark.parametrize(
    "args",
    [
        ["show", "--last"],
        ["learned", "list"],
        ["learned", "forget", "--all"],
        ["reexplain"],
    ],
)
@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("postgresql://toolguard:s3cret@127.0.0.1:1/none", "postgresql://toolguard:***@127.0.0.1:1/none"),
        # libpq's query-string form of the password: it was printed as given.
        (
            "postgresql://127.0.0.1:1/none?user=toolguard&password=s3cret",
            "postgresql://127.0.0.1:1/none?user=toolguard&password=***",
        ),
    ],
)
def test_an_unreachable_server_is_an_error_naming_it_without_its_password(
    args: list[str], url: str, named: str
) -> None:
    status, output = toolguard(*args, "--db", url)
    assert status == 1
    assert output.startswith(f"Error: cannot connect to {named}: ")
    assert "s3cret" not in output and "Traceback" not in output


def test_datasette_metadata_says_datasette_reads_sqlite_only() -> None:
    status, output = toolguard("datasette-metadata", "postgresql://toolguard:pw@db.example/toolguard")
    assert status == 2
    assert "Datasette reads SQLite files, not PostgreSQL" in output
    assert "postgresql://toolguard:***@db.example/toolguard" in output and ":pw@" not in output


def test_merge_takes_the_shared_store_offline_into_a_file(databases: dict[str, str], tmp_path: Path) -> None:
    offline = tmp_path / "offline.db"
    url = databases["postgresql"]
    assert toolguard("merge", str(offline), url) == (
        0,
        f"{offline}: added 3 flows and 1 findings from 1 database(s)\n",
    )
    assert toolguard("merge", str(offline), url) == (  # idempotent, like merging files
        0,
        f"{offline}: added 0 flows and 0 findings from 1 database(s)\n",
    )
    summaries = [
        json.loads(toolguard("summary", "--db", db, "--format", "json")[1])
        for db in (databases["sqlite"], str(offline))
    ]
    for summary in summaries:
        summary.pop("databases")
    assert summaries[0] == summaries[1]
    assert (
        on_both(
            {"sqlite": databases["sqlite"], "postgresql": str(offline)},
            lambda db: toolguard("show", "--last", "--db", db, "--format", "json"),
        )[0]
        == 0
    )


def test_a_read_only_role_lists_and_exports_and_an_empty_database_gets_no_tables(
    databases: dict[str, str], postgres_server: Any, tmp_path: Path
) -> None:
    """Reading what was learned needs no right to create tables (a teammate's read-only login), and
    listing an empty database leaves it empty: only an import creates the tables."""
    import psycopg

    url = databases["postgresql"]
    export_file = tmp_path / "team.json"
    export_file.write_text(json.dumps(EXPORT))
    assert toolguard("learned", "import", str(export_file), "--db", url)[0] == 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS reader")
        conn.execute("CREATE ROLE reader LOGIN")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
    reader = url.replace("toolguard@", "reader@")
    owner_listing = toolguard("learned", "list", "--db", url)
    assert toolguard("learned", "list", "--db", reader) == owner_listing
    assert owner_listing[1].startswith("learned.param          logit_bias")

    empty = postgres_server.create_database("t_empty_" + secrets.token_hex(4))
    # As an empty file (trial21b): no proxy wrote to it, said so, exit 1 — and still no table made.
    assert toolguard("learned", "list", "--db", empty) == (
        1,
        f"Error: {empty} is not a toolguard database (it has no toolguard tables: no proxy or "
        "`toolguard sync` wrote to it yet)\n",
    )
    with psycopg.connect(empty) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)


def test_summary_names_two_servers_on_one_host_alike(tmp_path: Path, postgres_url: str) -> None:
    """vLLM on 127.0.0.1:8000 and Ollama on 127.0.0.1:11434: two upstreams in the summary (its groups'
    hosts and the unrecognised-hosts list, computed in SQL from host, port and scheme) and in show's
    markdown title, word for word alike on SQLite and PostgreSQL; --host selects by that name."""
    from toolguard_core import pgstore

    path = tmp_path / "two.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id=flow_id, datetime_utc=f"2026-11-30T09:0{i}:00.000Z", method="POST", scheme="http",
                    host="127.0.0.1", port=port, path="/v1/chat/completions",
                    url=f"http://127.0.0.1:{port}/v1/chat/completions", provider="generic", model="qwen",
                    status=400, verdict="unexplained", error_message="bad request")
            for i, (flow_id, port) in enumerate([("v1", 8000), ("v2", 8000), ("o1", 11434)])
        ],
    )  # fmt: skip
    db.close()
    pgstore.push_file(path, postgres_url)
    databases = {"sqlite": str(path), "postgresql": postgres_url}
    status, output = on_both(databases, lambda db: toolguard("summary", "--db", db, "--format", "json"))
    assert status == 0
    data = json.loads(output)
    assert [g["hosts"] for g in data["groups"]] == [["127.0.0.1:8000", "127.0.0.1:11434"]]
    assert data["seen"]["unrecognised_hosts"] == ["127.0.0.1:8000", "127.0.0.1:11434"]  # numerically by port
    status, output = on_both(
        databases, lambda db: toolguard("summary", "--db", db, "--host", "127.0.0.1:8000")
    )
    assert status == 0 and "2 stored flows" in output
    _, output = on_both(databases, lambda db: toolguard("show", "o1", "--db", db, "--format", "markdown"))
    assert output.startswith("### The API at 127.0.0.1:11434 rejects the request")


# ------------------------------------------------------------------------------ one snapshot


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_connection_reads_one_snapshot_while_a_proxy_writes(
    databases: dict[str, str], tmp_path: Path, backend: str
) -> None:
    """A flow (with its finding) committed after a command's first query is not seen by its later
    queries: a summary's sections count the same flows, and no finding is read without its flow (a
    CI run read a finding whose flow its earlier query had not seen, stop 41). A new connection
    (the next command) sees it."""
    from toolguard_analysis.db import Connection
    from toolguard_core import pgstore

    late = _flows()[0].model_copy(update={"id": "6f9bebcc-0099", "datetime_utc": "2026-11-30T02:00:00.000Z"})
    flows_sql = "select id from flows order by id"
    findings_sql = "select flow_id, rule from findings order by flow_id"
    before = [
        ["6f9bebcc-0001", "6f9bebcc-0002", "a1b2c3d4-0003"],
        [{"flow_id": "6f9bebcc-0001", "rule": "sequence.orphan-tool-message"}],
    ]
    reader = Connection(databases[backend])
    try:
        assert [r["id"] for r in reader.query(flows_sql)] == before[0]
        if backend == "sqlite":
            db = open_db(databases["sqlite"])
            write_rows(db, [late])
            db.close()
        else:
            path = tmp_path / "late.db"
            db = open_db(path)
            write_rows(db, [late])
            db.close()
            pgstore.push_file(path, databases["postgresql"])
        assert [[r["id"] for r in reader.query(flows_sql)], list(reader.query(findings_sql))] == before
    finally:
        reader.close()
    after = Connection(databases[backend])
    try:
        assert [r["id"] for r in after.query(flows_sql)] == [*before[0][:2], "6f9bebcc-0099", before[0][2]]
        assert [r["flow_id"] for r in after.query(findings_sql)] == ["6f9bebcc-0001", "6f9bebcc-0099"]
    finally:
        after.close()
