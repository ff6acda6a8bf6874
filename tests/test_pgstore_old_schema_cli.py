"""The commands that rewrite stored rows, on a PostgreSQL store whose schema an older toolguard made
(trial21b). docs/deployment.md says to run ``toolguard reexplain`` (and ``refingerprint``) once after
an upgrade; on a store no upgraded proxy had connected to yet (a capture pushed by an older
``toolguard sync``), both stopped on PostgreSQL's 'column "cause_id" does not exist', where the same
command on a SQLite file migrates it first. Now they bring the tables up to date as a proxy does,
then rewrite the rows. Real PostgreSQL, real upstream error bodies (tests/support/answers.py)."""

from __future__ import annotations

import json

import pytest
import sqlite_utils
from click.testing import CliRunner
from support.answers import OPENAI_429

from toolguard_analysis.cli import cli
from toolguard_core import pgstore

psycopg = pytest.importorskip("psycopg")


def _older_store(url: str) -> None:
    """The tables as a toolguard from before m004_root_causes made them, with one stored 429."""
    old = sqlite_utils.Database(memory=True)
    pgstore.migrations.apply(old, stop_before="m004_root_causes")
    body = json.dumps(OPENAI_429)
    with psycopg.connect(url) as conn:
        pgstore.ensure_schema(conn, pgstore.sqlite_schema(old))
        conn.execute(
            "INSERT INTO flows (id, datetime_utc, method, scheme, host, port, path, provider, model, status, "
            "response_body, error_message, error_type, error_code, error_json, verdict) VALUES "
            "('old', '2026-11-01T00:00:00.000Z', 'POST', 'https', 'api.openai.com', 443, "
            "'/v1/chat/completions', 'openai', 'gpt-4o', 429, %s, %s, %s, %s, %s, 'unexplained')",
            [
                body,
                OPENAI_429["error"]["message"],
                OPENAI_429["error"]["type"],
                OPENAI_429["error"]["code"],
                json.dumps(OPENAI_429["error"]),
            ],
        )


@pytest.mark.parametrize(
    ("command", "said", "column", "value"),
    [
        (["reexplain"], "1 stored rejection(s) relabelled", "cause_id", "cause.rate-limit"),
        (["refingerprint"], "1 stored flow(s) refingerprinted", "summary_version", None),
    ],
)
def test_a_command_that_rewrites_rows_brings_an_older_schema_up_to_date_first(
    postgres_url: str, command: list[str], said: str, column: str, value: str | None
) -> None:
    _older_store(postgres_url)
    result = CliRunner().invoke(cli, [*command, "--db", postgres_url])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(said), result.output
    with psycopg.connect(postgres_url) as conn:
        # Every table and column the current toolguard declares is there now.
        have = {t.name: {c.name for c in t.columns} for t in pgstore.pg_schema(conn).tables}
        assert have == {t.name: {c.name for c in t.columns} for t in pgstore.sqlite_schema().tables}
        [(stored,)] = conn.execute(f'SELECT "{column}" FROM flows WHERE id = %s', ["old"]).fetchall()
    if value is None:
        assert stored  # the summary columns were computed
    else:
        assert stored == value
