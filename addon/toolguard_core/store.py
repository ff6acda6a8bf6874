"""The capture store: one SQLite file written by one thread.

Hooks never touch SQLite. They copy what they need off the flow into a :class:`FlowRow`
(plain data, already redacted) and :meth:`Store.put` it on a queue; the writer thread owns the
connection, applies migrations, and writes batches in transactions. :meth:`Store.close` drains the
queue, so everything queued is on disk before mitmdump exits (Ctrl-C or SIGTERM both run ``done``).

The schema is a public interface, documented in docs/schema.md. Change it only with a new migration.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import queue
import resource
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import sqlite_utils
from pydantic import BaseModel, field_validator
from sqlite_utils import Migrations

import toolguard_core
from toolguard_core import dedup
from toolguard_core.dburl import DB_ENV as DB_ENV  # re-exported: declared with the database URLs
from toolguard_core.dburl import default_db_path as default_db_path
from toolguard_core.dburl import is_sqlite_uri, sqlite_file
from toolguard_core.utc import format_utc

if TYPE_CHECKING:
    from toolguard_core.learned import Knowledge

# The grouping, the verdicts, the causes catalogue, the learned constraints and the repair rows are
# imported in the functions that derive or relabel rows (the writer, the migrations that rewrite
# rows, `reexplain`): they load the catalogue and the rules (~1 s of CPU), and a command that only
# opens an up-to-date database and reads or deletes rows (`toolguard learned list|forget|export`)
# needs none of them (docs/benchmarks.md, "CLI start-up"; tests/test_cli_start.py).

logger = logging.getLogger(__name__)

#: The modules the functions below import where they derive, relabel or learn from rows.
ROW_MODULES = (
    "toolguard_core.grouping",
    "toolguard_core.learned_store",
    "toolguard_core.repair_rows",
    "toolguard_core.verdict",
)

#: A request body is kept whole (it is the evidence); one that is not JSON up to this size
#: (flows.request_body; request_bytes keeps the whole size, so `toolguard show` can tell it was cut).
MAX_STORED_NON_JSON_REQUEST = 64 * 1024
#: How often the writer (idle, or between batches) checks whether another connection changed what was learned.
KNOWLEDGE_REFRESH_SECONDS = 2.0
#: How long an opener keeps retrying while other processes migrate the same new file. A deadline, not
#: a count: on a loaded machine six openers racing through m008 outlasted twenty short retries.
MIGRATE_DEADLINE_SECONDS = 60.0
#: compact_rows says what it is doing from this many flows on (m008_content_dedup on a large file).
COMPACT_NOTICE_ROWS = 10_000
#: Rows (m010: flows) per transaction in the migrations that rewrite every stored row (m007's and
#: m009's summary columns, m008's content split, m009's verdicts, m010's repair bodies). Each batch
#: commits: on a multi-GB capture the write lock is held for one batch, not for the whole file
#: (minutes), memory holds one batch, and a migration interrupted (Ctrl-C, a kill, a full disk)
#: resumes where it stopped: each batch selects only rows still to do, and a migration is recorded as
#: applied only once every batch is in (docs/benchmarks.md, "Migrations on a large file").
MIGRATION_BATCH_ROWS = 1000


def utc_now() -> str:
    return format_utc(datetime.now(UTC).timestamp())


migrations = Migrations("toolguard")


class NotToolguardDatabase(sqlite3.DatabaseError):
    """A SQLite file that is another program's database (:func:`foreign_tables`): toolguard neither
    migrates it nor reads it as an empty capture. A ``DatabaseError``, so every place that says
    "cannot open the database" says this too."""


def foreign_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of a SQLite file that has some but none of toolguard's (``flows``, a table before
    m008_content_dedup and a view since, ``flow_rows``, or toolguard's rows in ``_sqlite_migrations``);
    [] for a toolguard database or one with no tables at all (a new or 0-byte file). Raises sqlite3's
    ``DatabaseError`` for a file that is not SQLite.

    Without it, ``toolguard learned list --db app.db`` (or ``toolguard_db`` pointing at the wrong file)
    migrated another program's database, adding toolguard's 30 tables and views beside its own, and
    ``toolguard merge`` took such a file as a capture with nothing in it ("added 0 flows")."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    if not names or {dedup.FLOWS_VIEW, dedup.FLOW_ROWS_TABLE} & set(names):
        return []
    if "_sqlite_migrations" in names:
        # Empty: another toolguard process is creating this file right now (sqlite-migrate creates
        # the table before it applies m001).
        sets = {row[0] for row in conn.execute("SELECT DISTINCT migration_set FROM _sqlite_migrations")}
        if not sets or migrations.name in sets:
            return []
    return names


def not_toolguard(path: str | os.PathLike[str], tables: list[str]) -> str:
    """What toolguard says of a file :func:`foreign_tables` found another program's tables in."""
    shown = ", ".join(tables[:4]) + (f" and {len(tables) - 4} more" if len(tables) > 4 else "")
    return (
        f"{path} is not a toolguard database (its tables are another program's: {shown}); "
        "toolguard leaves it untouched: give the file a toolguard proxy wrote, or a new file"
    )


@migrations()
def m001_flows_and_findings(db: sqlite_utils.Database) -> None:
    # Raw DDL so that `error_code` has no declared type: SQLite then keeps the wire type
    # (OpenAI sends a string code, vLLM/llama.cpp/OpenRouter an integer).
    db.execute(
        """
        CREATE TABLE flows (
            id TEXT PRIMARY KEY,
            datetime_utc TEXT NOT NULL,
            method TEXT,
            scheme TEXT,
            host TEXT,
            port INTEGER,
            path TEXT,
            url TEXT,
            provider TEXT,
            client TEXT,
            model TEXT,
            stream INTEGER,
            status INTEGER,
            duration_ms INTEGER,
            request_headers_json TEXT,
            request_json TEXT,
            request_body TEXT,
            request_bytes INTEGER,
            response_headers_json TEXT,
            response_body TEXT,
            error_message TEXT,
            error_type TEXT,
            error_code,
            error_param TEXT,
            error_request_id TEXT,
            error_provider TEXT,
            error_shape TEXT,
            error_json TEXT,
            error_source TEXT,
            flow_error TEXT,
            verdict TEXT,
            finding_count INTEGER NOT NULL DEFAULT 0,
            error_finding_count INTEGER NOT NULL DEFAULT 0,
            internal_error TEXT,
            toolguard_version TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE findings (
            flow_id TEXT NOT NULL REFERENCES flows(id),
            idx INTEGER NOT NULL,
            rule TEXT NOT NULL,
            severity TEXT NOT NULL,
            location TEXT NOT NULL,
            message TEXT NOT NULL,
            PRIMARY KEY (flow_id, idx)
        )
        """
    )
    db["flows"].create_index(["datetime_utc"])
    db["flows"].create_index(["verdict"])
    db["flows"].create_index(["host"])
    db["findings"].create_index(["rule"])


#: SQLite's INTEGER range; a larger Python int makes the whole INSERT fail ("Python int too large").
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def storable(value: Any) -> Any:
    """``value`` as SQLite can store it, the evidence kept (issue #16: 101 fuzz rows were lost).

    A string with lone surrogates (JavaScript clients that cut a string mid-character send ``\\ud800``
    escapes; Python decodes them to unpaired surrogates) cannot be encoded as UTF-8: each one becomes
    the six characters ``\\ud800``, which is also the JSON escape it came from. An integer outside
    SQLite's 64-bit range (an upstream error code of 2**64) is kept as its decimal text.
    """
    if isinstance(value, str):
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        return str(value)
    return value


@migrations()
def m002_repairs(db: sqlite_utils.Database) -> None:
    # One row per repair toolguard attempted on a flow in repair mode (docs/modes.md): the applied
    # ones with their RFC 6902 patch and the request before and after that step, the declined ones
    # with the reason. The upstream's verdict on the repaired request is the flow's `verdict`.
    db.execute(
        """
        CREATE TABLE repairs (
            flow_id TEXT NOT NULL REFERENCES flows(id),
            idx INTEGER NOT NULL,
            datetime_utc TEXT NOT NULL,
            rule TEXT NOT NULL,
            family TEXT,
            location TEXT NOT NULL,
            applied INTEGER NOT NULL,
            description TEXT,
            patch_json TEXT,
            request_before TEXT,
            request_after TEXT,
            PRIMARY KEY (flow_id, idx)
        )
        """
    )
    db["repairs"].create_index(["rule"])


@migrations()
def m003_runs(db: sqlite_utils.Database) -> None:
    # Runs as data (issue #13): one row per proxy process (or per `toolguard run`), and each flow
    # names its run, so `toolguard run` reports its own flows even when several runs share a file.
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS runs (
            id TEXT PRIMARY KEY,
            started_utc TEXT NOT NULL,
            ended_utc TEXT,
            command TEXT,
            mode TEXT,
            upstream TEXT,
            proxy_version TEXT,
            toolguard_version TEXT,
            requests_seen INTEGER NOT NULL DEFAULT 0,
            validated INTEGER NOT NULL DEFAULT 0,
            with_findings INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            no_answer INTEGER NOT NULL DEFAULT 0,
            blocked INTEGER NOT NULL DEFAULT 0,
            stored INTEGER NOT NULL DEFAULT 0,
            internal_errors INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    # IF NOT EXISTS: a database from a development build recorded this migration under another name.
    if "run_id" not in db["flows"].columns_dict:
        db.execute("ALTER TABLE flows ADD COLUMN run_id TEXT")
    db["flows"].create_index(["run_id"], if_not_exists=True)


class RunRow(BaseModel):
    """One proxy run: written when it starts and again (with its counts) when it stops."""

    id: str
    started_utc: str
    ended_utc: str | None = None
    command: str | None = None
    mode: str | None = None
    upstream: str | None = None
    proxy_version: str | None = None
    toolguard_version: str | None = None
    requests_seen: int = 0
    validated: int = 0
    with_findings: int = 0
    rejected: int = 0
    no_answer: int = 0
    blocked: int = 0
    stored: int = 0
    internal_errors: int = 0
    websocket_messages: int = 0
    #: Requests whose provider and model no catalog knows (the model rules were skipped), and their
    #: hosts as JSON ``{host: requests}`` (m009_visibility).
    model_rules_skipped: int = 0
    model_rules_skipped_hosts: str | None = None
    #: Requests to local servers (Ollama, vLLM, llama.cpp, LM Studio...) whose model rules were skipped
    #: (not in ``model_rules_skipped``: no host to declare), and the models of both as JSON
    #: ``{model: requests}`` (m018_skipped_models).
    model_rules_skipped_local: int = 0
    model_rules_skipped_models: str | None = None
    #: Requests to hosts no provider profile recognises (judged by the generic profile), stored or
    #: not, and those hosts as JSON ``{host: requests}`` (m013_unrecognised_hosts).
    unrecognised_requests: int = 0
    unrecognised_hosts: str | None = None
    #: POSTs not validated because of their path (toolguard_record_paths, or no path pattern at all),
    #: those the upstream rejected, and their upstream and path as JSON ``{path: requests}``
    #: (m016_unchecked_paths).
    unchecked_requests: int = 0
    unchecked_rejected: int = 0
    unchecked_paths: str | None = None
    #: Requests that were no API call toolguard validates (a GET such as ``/v1/models``, a health check,
    #: a POST to a host toolguard_hosts leaves out), and their method, upstream and path shape as JSON
    #: ``{"METHOD upstream/path": requests}`` (m017_ignored_requests).
    ignored_requests: int = 0
    ignored_paths: str | None = None


@migrations(transactional=False)  # batches of its own: MIGRATION_BATCH_ROWS (relabel_rows)
def m004_root_causes(db: sqlite_utils.Database) -> None:
    # Issue #10: the root cause the upstream's error text names, computed when the row is written
    # (cause_json: the Recognition's summary with the values the text named), and the
    # ``recognised`` verdict for stored rejections the catalogue explains (see relabel_rows).
    # Idempotent: a file migrated by a development build under another migration name keeps its columns.
    # The columns in one transaction; the rows then in committed batches (resumable: relabel_rows).
    columns = db["flows"].columns_dict
    with db.atomic():
        for column in ("cause_id", "cause_json"):
            if column not in columns:
                db["flows"].add_column(column, str)
        db["flows"].create_index(["cause_id"], if_not_exists=True)
    relabel_rows(db, step="m004_root_causes")


@migrations()
def m005_learned(db: sqlite_utils.Database) -> None:
    # Issue #10.3: what each host+model rejected (learned constraints), and how often it accepted a
    # request a built-in rule flagged as an error (rule calibration). '' stands for "no model"/"no
    # value" so the primary keys stay unique (SQLite treats NULLs in a key as distinct).
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS learned (
            host TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            value TEXT NOT NULL DEFAULT '',
            rule TEXT NOT NULL,
            cause_id TEXT,
            error_text TEXT NOT NULL,
            first_flow TEXT NOT NULL,
            last_flow TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 1,
            source TEXT NOT NULL DEFAULT 'observed',
            PRIMARY KEY (host, model, kind, name, value)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS rule_calibration (
            rule TEXT NOT NULL,
            host TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            accepted INTEGER NOT NULL DEFAULT 0,
            first_flow TEXT NOT NULL,
            last_flow TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            demoted_at TEXT,
            source TEXT NOT NULL DEFAULT 'observed',
            PRIMARY KEY (rule, host, model)
        )
        """
    )


@migrations()
def m006_websocket_messages(db: sqlite_utils.Database) -> None:
    # After m003_runs (Migrations applies in definition order). A row can be one message on a
    # WebSocket (a Responses API `response.create` that the server rejected, or that had findings,
    # issue #11): `websocket_json` says which connection and message, NULL for HTTP. The run row
    # counts the client's WebSocket messages next to its HTTP requests. IF-NOT-EXISTS checks: a
    # database from the `agents` development build added `websocket_json` as `m003_websocket_messages`.
    if "websocket_json" not in db["flows"].columns_dict:
        db.execute("ALTER TABLE flows ADD COLUMN websocket_json TEXT")
    if "websocket_messages" not in db["runs"].columns_dict:
        db.execute("ALTER TABLE runs ADD COLUMN websocket_messages INTEGER NOT NULL DEFAULT 0")


@migrations(transactional=False)  # batches of its own: MIGRATION_BATCH_ROWS
def m007_summary_columns(db: sqlite_utils.Database) -> None:
    # Issue #12.4: the summary's grouping keys as columns (toolguard_core.grouping), so summaries
    # aggregate with GROUP BY instead of loading every flow. Rows already stored are backfilled here
    # in batches; new rows get them from write_rows.
    # flows_table: a file a development build moved to m008_content_dedup first has `flow_rows`.
    from toolguard_core import grouping

    table = db[flows_table(db)]
    columns = table.columns_dict
    with db.atomic():
        for column in grouping.COLUMNS:
            if column not in columns:
                db.execute(f"ALTER TABLE {table.name} ADD COLUMN {column} TEXT")
    # Covering indexes, so the summary's GROUP BYs read an index instead of the rows (a row carries
    # its request body: a million flows are gigabytes), filters on time, host and model included:
    # a group's tallies and time buckets (its leading (group_key, datetime_utc) also finds a group's
    # newest members), the verdict and stale-row counts, the per-rule precision counts.
    # fingerprint and pattern: Datasette look-ups.
    with db.atomic():
        for name, index in grouping.SUMMARY_INDEXES.items():
            table.create_index(list(index), index_name=name, if_not_exists=True)
        table.create_index(["fingerprint"], if_not_exists=True)
        table.create_index(["pattern"], if_not_exists=True)
    # Every row, then: none has a version yet, and a resumed run skips the ones already derived.
    refresh_summary_columns_in_batches(db, "m007_summary_columns")


def refresh_summary_columns(db: Any, *, stale_only: bool = False, only_missing: bool = False) -> int:
    """:func:`toolguard_core.grouping.refresh_columns` in one transaction (a savepoint inside a
    migration's). ``db``: a sqlite-utils ``Database``, or the CLI's PostgreSQL database (paged by id)."""
    from toolguard_core import grouping

    with db.atomic():
        if isinstance(db, sqlite_utils.Database):
            return grouping.refresh_columns(
                db.conn, stale_only=stale_only, only_missing=only_missing, table=flows_table(db)
            )
        table = dedup.FLOW_ROWS_TABLE if dedup.FLOW_ROWS_TABLE in db.table_names() else "flows"
        return grouping.refresh_columns(
            db, stale_only=stale_only, only_missing=only_missing, table=table, key="id"
        )


def migration_progress(step: str, done: int, total: int) -> None:
    """Called after each committed batch of a migration that rewrites rows (``step``: its name): logs
    how far it is, at most every :data:`PROGRESS_SECONDS`, from :data:`COMPACT_NOTICE_ROWS` rows on."""
    global _progress_logged
    now = time.monotonic()
    if total < COMPACT_NOTICE_ROWS or (now - _progress_logged < PROGRESS_SECONDS and done < total):
        return
    _progress_logged = now
    logger.warning("toolguard: migrating %s: %d of %d rows done", step, done, total)


_progress_logged = 0.0


@contextlib.contextmanager
def _batch(db: sqlite_utils.Database) -> Iterator[None]:
    """One batch of a row-rewriting migration: its own transaction, which takes the write lock first
    (``BEGIN IMMEDIATE``, waiting up to the busy timeout). A deferred one reads, then writes, and that
    upgrade gets "database is locked" at once when another connection (a running proxy's writer)
    holds the lock: SQLite does not wait on the busy timeout there (found by
    scripts/bench_migrations.py's lock probe). Inside a caller's transaction: a savepoint."""
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def refresh_summary_columns_in_batches(db: sqlite_utils.Database, step: str) -> int:
    """The stale summary columns recomputed in committed batches of :data:`MIGRATION_BATCH_ROWS` (the
    migrations: outside any transaction, so each batch commits; resumable since a derived row is no
    longer stale). Returns how many rows were recomputed."""
    from toolguard_core import grouping

    table = flows_table(db)
    current = grouping.summary_version()
    total = db.execute(
        f"SELECT count(*) FROM {table} WHERE summary_version IS NULL OR summary_version != ?", [current]
    ).fetchone()[0]
    done = 0

    def committed(batch: int) -> None:
        nonlocal done
        db.conn.commit()
        done += batch
        migration_progress(step, done, total)

    return grouping.refresh_columns(
        db.conn, stale_only=True, table=table, batch_rows=MIGRATION_BATCH_ROWS, after_batch=committed
    )


def has_summary_columns(db: Any) -> bool:
    """Whether m007_summary_columns' columns exist (m004 relabels before m007 added them)."""
    if isinstance(db, sqlite_utils.Database):
        return "summary_version" in db["flows"].columns_dict
    rows = db.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'flows' AND column_name = 'summary_version'"
    ).fetchall()
    return bool(rows)


@migrations(transactional=False)  # batches of its own: MIGRATION_BATCH_ROWS
def m008_content_dedup(db: sqlite_utils.Database) -> None:
    # Issue #12.3: each distinct message, input item, system prompt and tool list is stored once, in
    # `contents`, and a flow keeps its request as a skeleton plus references (toolguard_core/dedup.py).
    # The table becomes `flow_rows`; `flows` is a view with the documented columns that rebuilds
    # `request_json`, so every documented query, Datasette and the readers work unchanged.
    # `contents.id` is declared INT, not INTEGER: an INTEGER PRIMARY KEY would be the rowid, and ids
    # derived from hashes would then break the rowid order that the PostgreSQL syncer relies on.
    # Idempotent, like the migrations before it: a half-applied development build, or this migration
    # interrupted between two batches, finishes here. The layout changes in one transaction; the rows
    # then move in committed batches, and the view reads moved and not-yet-moved rows alike.
    with db.atomic():
        if dedup.FLOW_ROWS_TABLE not in db.table_names():
            db.execute(f"ALTER TABLE flows RENAME TO {dedup.FLOW_ROWS_TABLE}")
        if dedup.PARTS_COLUMN not in db[dedup.FLOW_ROWS_TABLE].columns_dict:
            db.execute(f"ALTER TABLE {dedup.FLOW_ROWS_TABLE} ADD COLUMN {dedup.PARTS_COLUMN} TEXT")
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {dedup.CONTENTS_TABLE} (id INT NOT NULL PRIMARY KEY, content_json TEXT NOT NULL)"
        )
        create_flows_view(db)
    # The rows stored whole so far move to the new layout (the file shrinks after `sqlite-utils vacuum`).
    compact_rows(db)


@migrations(transactional=False)  # batches of its own: MIGRATION_BATCH_ROWS
def m009_visibility(db: sqlite_utils.Database) -> None:
    # Issue #9/#10 ("never reassuring about what was not seen"): requests whose provider and model no
    # catalog knows (the model rules could not run, `model.rules-skipped`) are counted per run, with
    # their hosts (JSON {host: requests}), since such a request is usually not stored. And a flagged
    # request the upstream rejected for an unrelated reason (a 429, a 401, an overload) is no longer
    # `predicted` (verdict.rejection_verdict): stored verdicts and summary columns are decided again.
    # Idempotent: columns added only when missing; rows decided again in committed batches (a row
    # that left `predicted` is not selected again, one that stays is decided the same way again).
    columns = db["runs"].columns_dict
    with db.atomic():
        if "model_rules_skipped" not in columns:
            db.execute("ALTER TABLE runs ADD COLUMN model_rules_skipped INTEGER NOT NULL DEFAULT 0")
        if "model_rules_skipped_hosts" not in columns:
            db.execute("ALTER TABLE runs ADD COLUMN model_rules_skipped_hosts TEXT")
    recredit_rows(db, step="m009_visibility")
    if has_summary_columns(db):
        refresh_summary_columns_in_batches(db, "m009_visibility")


@migrations(transactional=False)  # batches of its own: MIGRATION_BATCH_ROWS flows
def m010_repair_patches(db: sqlite_utils.Database) -> None:
    # A repaired request stored its whole body before and after every step: a three-step repair of a
    # 1 MB conversation took 6 MB. Each step's change is its RFC 6902 patch (patch_json), so a body
    # the patches give back is no longer stored (toolguard_core/repair_rows.py; readers expand it).
    # Resumable: a flow whose afters are all derived is not selected again; one whose rows are
    # compacted already is expanded and compacted to the same rows.
    compact_repairs(db)


@migrations(transactional=False)  # batches of its own: MIGRATION_BATCH_ROWS
def m011_precise_verdicts(db: sqlite_utils.Database) -> None:
    # Issue #10: the rule of decision reads the findings' locations (verdict.judge): a flagged request
    # the upstream rejected for another parameter it names precisely (Gemini's `Unknown name
    # "web_search_options"` on an orphan-tool finding) is `recognised`, not `predicted`. Stored
    # `predicted` rows are decided again, then their summary columns (grouping DERIVATION d4).
    # Resumable like m009: a row that left `predicted` is not selected again.
    recredit_rows(db, step="m011_precise_verdicts")
    if has_summary_columns(db):
        refresh_summary_columns_in_batches(db, "m011_precise_verdicts")


@migrations()
def m012_learned_host_ports(db: sqlite_utils.Database) -> None:
    # The ninth session keyed what a host taught by host:port when the port is not the scheme's own
    # (learned.learned_host); rows learned before that from such a port were kept under the bare host
    # and never applied. Their first flow names the port: moved there (learned_store.rekey_ported_hosts;
    # the PostgreSQL store runs the same function in pgstore.ensure_schema).
    from toolguard_core.learned_store import rekey_ported_hosts

    rekey_ported_hosts(db)


@migrations()
def m013_unrecognised_hosts(db: sqlite_utils.Database) -> None:
    # Issue #9/#10 ("never reassuring about what was not seen"): requests to hosts no provider profile
    # recognises (a company gateway, a LiteLLM proxy, a local vLLM: the generic profile judged them)
    # are counted per run with their hosts (JSON {host: requests}), since a clean run stores no flow
    # that would name them. Idempotent: columns added only when missing.
    _add_missing_columns(
        db, "runs", {"unrecognised_requests": "INTEGER NOT NULL DEFAULT 0", "unrecognised_hosts": "TEXT"}
    )


@migrations()
def m014_summary_index_ports(db: sqlite_utils.Database) -> None:
    # Session 10: every report names an upstream host:port when the port is not the scheme's own
    # (learned.upstream_name_sql over host, port and scheme), and the summary's --host filters on that
    # name. The covering indexes m007 made lack port and scheme, so each tally would read the rows
    # (their request bodies): rebuilt under the same names with grouping.SUMMARY_INDEXES' columns.
    from toolguard_core import grouping

    table = db[flows_table(db)]
    if not set(grouping.COLUMNS) <= set(table.columns_dict):
        return  # m007 not applied (a file this toolguard only reads): nothing to rebuild
    for name, index in grouping.SUMMARY_INDEXES.items():
        db.execute(f"DROP INDEX IF EXISTS {name}")
        table.create_index(list(index), index_name=name)


@migrations()
def m015_bracketed_ipv6_hosts(db: sqlite_utils.Database) -> None:
    # Session 11: an IPv6 upstream is named as a URI's authority writes it, [::1]:8080 (RFC 3986
    # 3.2.2; upstreams.authority_host), where the learned rows were keyed ::1:8080, itself a valid
    # address. Rows keyed so move to the bracketed key (learned_store.rekey_ipv6_hosts; the
    # PostgreSQL store runs the same function in pgstore.ensure_schema).
    from toolguard_core.learned_store import rekey_ipv6_hosts

    rekey_ipv6_hosts(db)


@migrations()
def m016_unchecked_paths(db: sqlite_utils.Database) -> None:
    # Issue #9/#10 ("never reassuring about what was not seen"): POSTs that reached the proxy but were
    # not validated because of their path (a typo'd /chat/completion, an /embeddings call) are counted
    # per run, with those the upstream rejected and their paths (JSON {upstream+path: requests}): a
    # mixed run otherwise read as clean (a new user's trial, session 15). Idempotent like m013.
    _add_missing_columns(
        db,
        "runs",
        {
            "unchecked_requests": "INTEGER NOT NULL DEFAULT 0",
            "unchecked_rejected": "INTEGER NOT NULL DEFAULT 0",
            "unchecked_paths": "TEXT",
        },
    )


@migrations()
def m017_ignored_requests(db: sqlite_utils.Database) -> None:
    # Issue #9 ("never reassuring about what was not seen"): requests that reached the proxy but were
    # no API call toolguard validates (Codex's GET /v1/models, health checks) are counted per run with
    # their method and path shape: "3 requests reached the proxy: 1 validated" left two unexplained
    # (session 19). Idempotent like m013.
    _add_missing_columns(
        db, "runs", {"ignored_requests": "INTEGER NOT NULL DEFAULT 0", "ignored_paths": "TEXT"}
    )


@migrations()
def m018_skipped_models(db: sqlite_utils.Database) -> None:
    # Issue #9 ("never reassuring about what was not seen"), trial22: requests to a local server
    # (Ollama, vLLM, llama.cpp, LM Studio) were validated without any model rule and counted nowhere,
    # so its run read "0 with findings" as if its models had been checked. They are counted per run,
    # and the models whose rules were skipped (local or not) kept as JSON {model: requests}, said
    # once per model. Idempotent like m013.
    _add_missing_columns(
        db,
        "runs",
        {"model_rules_skipped_local": "INTEGER NOT NULL DEFAULT 0", "model_rules_skipped_models": "TEXT"},
    )


def _add_missing_columns(db: sqlite_utils.Database, table: str, columns: Mapping[str, str]) -> None:
    """Each column (name: SQL declaration) that ``table`` lacks, added: a migration run again, or on
    a file that already has some of them, changes nothing else."""
    present = db[table].columns_dict
    for name, declaration in columns.items():
        if name not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")


def compact_repairs(db: sqlite_utils.Database) -> int:
    """Store every flow's repair rows compactly (:func:`toolguard_core.repair_rows.compact`), one flow's
    rows in memory at a time, :data:`MIGRATION_BATCH_ROWS` flows per transaction. Returns how many
    bodies were left out."""
    from toolguard_core import repair_rows

    pending = "applied = 1 AND patch_json IS NOT NULL AND request_after IS NOT NULL"
    total = db.execute(f"SELECT count(DISTINCT flow_id) FROM repairs WHERE {pending}").fetchone()[0]
    names = ", ".join(REPAIR_COLUMNS)
    last, done, dropped = "", 0, 0
    while True:
        with _batch(db):
            flow_ids = [
                flow_id
                for (flow_id,) in db.execute(
                    f"SELECT DISTINCT flow_id FROM repairs WHERE flow_id > ? AND {pending} ORDER BY flow_id LIMIT ?",
                    [last, MIGRATION_BATCH_ROWS],
                ).fetchall()
            ]
            if not flow_ids:
                return dropped
            for flow_id in flow_ids:
                cursor = db.execute(f"SELECT {names} FROM repairs WHERE flow_id = ? ORDER BY idx", [flow_id])
                stored = [dict(zip(REPAIR_COLUMNS, values, strict=True)) for values in cursor.fetchall()]
                for old, new in zip(stored, repair_rows.compact(repair_rows.expand(stored)), strict=True):
                    changed = [c for c in repair_rows.BODY_COLUMNS if old[c] != new[c]]
                    if changed:
                        db.execute(
                            f"UPDATE repairs SET {', '.join(f'{c} = ?' for c in changed)} WHERE flow_id = ? AND idx = ?",
                            [*(new[c] for c in changed), flow_id, old["idx"]],
                        )
                        dropped += sum(new[c] is None for c in changed)
        last = flow_ids[-1]
        done += len(flow_ids)
        migration_progress("m010_repair_patches", done, total)


def recredit_rows(db: sqlite_utils.Database, *, step: str | None = None) -> int:
    """Decide again, from both sides (:func:`toolguard_core.verdict.rejection_verdict`), the verdict of
    every stored ``predicted`` row with its stored root cause; returns how many became ``recognised``
    or ``unexplained``. In batches of :data:`MIGRATION_BATCH_ROWS` by rowid, each in its own
    transaction (a savepoint inside a caller's): memory and the write lock stay bounded on a large
    file. ``step``: the migration running it, for :func:`migration_progress`."""
    from toolguard_core import grouping
    from toolguard_core.verdict import error_text, rejection_verdict

    table = flows_table(db)
    total = db.execute(f"SELECT count(*) FROM {table} WHERE verdict = ?", ["predicted"]).fetchone()[0]
    changed, last, done = 0, -1, 0
    while True:
        with _batch(db):
            rows = db.execute(
                f"SELECT rowid, id, error_json, error_message, cause_json FROM {table} "
                "WHERE verdict = ? AND rowid > ? ORDER BY rowid LIMIT ?",
                ["predicted", last, MIGRATION_BATCH_ROWS],
            ).fetchall()
            if not rows:
                return changed
            last = rows[-1][0]
            errors = grouping.error_findings(db.conn, [row[1] for row in rows])
            for rowid, flow_id, error_json, error_message, cause_json in rows:
                cause = grouping.stored_cause({"cause_json": cause_json}, ())
                rules, locations = errors.get(flow_id, ((), ()))
                decided = rejection_verdict(
                    rules, cause, error_text(error_json, error_message), locations=locations
                )
                if decided != "predicted":
                    db.execute(f"UPDATE {table} SET verdict = ? WHERE rowid = ?", [decided.value, rowid])
                    changed += 1
        done += len(rows)
        if step is not None:
            migration_progress(step, done, total)


def compact_rows(db: sqlite_utils.Database) -> int:
    """Move every flow whose request is stored whole into contents + skeleton where it splits (the
    migration, and ``toolguard merge`` for rows from older files). Returns how many moved.

    In batches of :data:`MIGRATION_BATCH_ROWS` by rowid, each its own transaction (a savepoint inside
    a caller's, as in ``merge``), one body read at a time: a large capture's bodies never sit in
    memory together, and an interrupted run leaves whole rows that the next run moves (a row that
    does not split stays whole, and is tried again: the same answer)."""
    pending = f"{dedup.PARTS_COLUMN} IS NULL AND request_json IS NOT NULL"
    total = db.execute(f"SELECT count(*) FROM {dedup.FLOW_ROWS_TABLE} WHERE {pending}").fetchone()[0]
    if total >= COMPACT_NOTICE_ROWS:  # a large capture takes a while (10-40 MB of requests a second)
        logger.warning("toolguard: storing the requests of %d flows once per distinct content ...", total)
    moved, last, done = 0, -1, 0
    while True:
        with _batch(db):
            batch = db.execute(
                f"SELECT rowid FROM {dedup.FLOW_ROWS_TABLE} WHERE rowid > ? AND {pending} ORDER BY rowid LIMIT ?",
                [last, MIGRATION_BATCH_ROWS],
            ).fetchall()
            if not batch:
                return moved
            for (rowid,) in batch:
                (text,) = db.execute(
                    f"SELECT request_json FROM {dedup.FLOW_ROWS_TABLE} WHERE rowid = ?", [rowid]
                ).fetchone()
                stored, parts = store_request(db, text)
                if parts is not None:
                    db.execute(
                        f"UPDATE {dedup.FLOW_ROWS_TABLE} SET request_json = ?, {dedup.PARTS_COLUMN} = ? "
                        "WHERE rowid = ?",
                        [stored, parts, rowid],
                    )
                    moved += 1
        last = batch[-1][0]
        done += len(batch)
        migration_progress("m008_content_dedup", done, total)


def flows_table(db: sqlite_utils.Database) -> str:
    """The table flows are written to: ``flow_rows`` once m008_content_dedup ran, ``flows`` before
    (migrations before it, and later ones that add a column, use this name)."""
    return dedup.FLOW_ROWS_TABLE if dedup.FLOW_ROWS_TABLE in db.table_names() else "flows"


def create_flows_view(db: sqlite_utils.Database) -> None:
    """(Re)create the ``flows`` view and its write triggers over flow_rows' current columns: a
    migration that adds a column to flow_rows calls this (and open_db does when they differ)."""
    columns = list(db[dedup.FLOW_ROWS_TABLE].columns_dict)
    for trigger in ("flows_insert", "flows_update", "flows_delete"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute(f"DROP VIEW IF EXISTS {dedup.FLOWS_VIEW}")
    db.execute(f"CREATE VIEW {dedup.FLOWS_VIEW} AS {dedup.flows_view_sql(columns)}")
    defaults = {
        row[1]: row[4]
        for row in db.execute(f"PRAGMA table_info({dedup.FLOW_ROWS_TABLE})")
        if row[4] is not None
    }
    for statement in dedup.flows_trigger_sql(columns, defaults):
        db.execute(statement)


def _view_is_current(db: sqlite_utils.Database) -> bool:
    if dedup.FLOW_ROWS_TABLE not in db.table_names():
        return True
    wanted = dedup.view_columns(list(db[dedup.FLOW_ROWS_TABLE].columns_dict))
    have = [row[1] for row in db.execute(f"PRAGMA table_info({dedup.FLOWS_VIEW})").fetchall()]
    return have == wanted


def store_request(db: sqlite_utils.Database, text: str | None) -> tuple[str | None, str | None]:
    """``(request_json, request_parts_json)`` to store for a request body: the skeleton and its
    references after inserting the contents not yet stored, or ``(text, None)`` to keep it whole
    (not splittable, or an id already taken by a different text: a hash collision)."""
    try:
        split = dedup.split_request(text)
    except Exception:  # a toolguard bug must not cost the row: it is stored whole, as before
        logger.exception("toolguard: could not split a request into contents; it is stored whole")
        split = None
    if split is None:
        return text, None
    ids = list(split.contents)
    known: dict[int, str] = {}
    for start in range(0, len(ids), 500):  # SQLite's variable limit
        chunk = ids[start : start + 500]
        known.update(
            db.execute(
                f"SELECT id, content_json FROM {dedup.CONTENTS_TABLE} WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
        )
    if any(known[i] != split.contents[i] for i in known):
        logger.warning("toolguard: content id collision; this request is stored whole")
        return text, None
    db.conn.executemany(
        f"INSERT INTO {dedup.CONTENTS_TABLE} (id, content_json) VALUES (?, ?)",
        [(i, t) for i, t in split.contents.items() if i not in known],
    )
    return split.skeleton, split.parts_json


class FindingRow(BaseModel):
    idx: int
    rule: str
    severity: str
    location: str
    message: str

    # Every row model sanitises its own values, so no builder can hand SQLite a value it rejects.
    _storable = field_validator("*", mode="before")(lambda value: storable(value))


#: The ``repairs`` columns after ``flow_id``, in table order (RepairRow's fields).
REPAIR_COLUMNS = (
    "idx",
    "datetime_utc",
    "rule",
    "family",
    "location",
    "applied",
    "description",
    "patch_json",
    "request_before",
    "request_after",
)


class RepairRow(BaseModel):
    idx: int
    datetime_utc: str
    rule: str
    family: str | None = None
    location: str
    applied: bool
    description: str | None = None
    patch_json: str | None = None
    request_before: str | None = None
    request_after: str | None = None

    _storable = field_validator("*", mode="before")(lambda value: storable(value))


class FlowRow(BaseModel):
    """One stored flow: the columns of ``flows`` plus its findings. Built on the event loop thread."""

    id: str
    datetime_utc: str
    method: str | None = None
    scheme: str | None = None
    host: str | None = None
    port: int | None = None
    path: str | None = None
    url: str | None = None
    provider: str | None = None
    client: str | None = None
    model: str | None = None
    stream: bool | None = None
    status: int | None = None
    duration_ms: int | None = None
    request_headers_json: str | None = None
    request_json: str | None = None
    request_body: str | None = None
    request_bytes: int | None = None
    response_headers_json: str | None = None
    response_body: str | None = None
    error_message: str | None = None
    error_type: str | None = None
    error_code: str | int | None = None
    error_param: str | None = None
    error_request_id: str | None = None
    error_provider: str | None = None
    error_shape: str | None = None
    error_json: str | None = None
    error_source: str | None = None
    flow_error: str | None = None
    verdict: str | None = None
    cause_id: str | None = None
    cause_json: str | None = None
    finding_count: int = 0
    error_finding_count: int = 0
    internal_error: str | None = None
    toolguard_version: str | None = None
    run_id: str | None = None
    websocket_json: str | None = None
    # The summary's grouping keys (m007_summary_columns): write_rows derives them on the writer thread
    # from the other columns and the findings (toolguard_core.grouping); whatever is set here is replaced.
    client_name: str | None = None
    error_rules: str | None = None
    fingerprint: str | None = None
    pattern: str | None = None
    explanation: str | None = None
    group_key: str | None = None
    summary_version: str | None = None
    findings: list[FindingRow] = []
    repairs: list[RepairRow] = []

    _storable = field_validator("*", mode="before")(lambda value: storable(value))

    def columns(self) -> dict[str, Any]:
        return self.model_dump(exclude={"findings", "repairs"})


def relabel_rows(db: Any, *, step: str | None = None) -> int:
    """Recompute ``cause_id``/``cause_json`` of every stored rejection with the current catalogue, and
    its verdict among ``predicted``, ``recognised`` and ``unexplained`` (``toolguard reexplain``; the
    migrations that added the columns and the two-sided decision run it once), and the summary
    columns of those rows, which follow the root cause. Returns how many rows changed.

    ``db``: a sqlite-utils ``Database`` or the CLI's PostgreSQL database (toolguard_analysis.writable).
    In batches of :data:`MIGRATION_BATCH_ROWS` rejections by flow id, each its own transaction (a
    savepoint inside a caller's), as m007–m010: memory and the write lock stay bounded on a large
    capture, and an interrupted run leaves its committed batches done (deciding a row again gives the
    same answer, so running it again finishes the rest). ``step``: the migration running it, for
    :func:`migration_progress`."""
    from toolguard_core import grouping
    from toolguard_core.causes import STATUS_ONLY, request_object
    from toolguard_core.verdict import REJECTED_VERDICTS, error_text, explained, recognise_stored

    table = flows_table(db)
    sqlite = isinstance(db, sqlite_utils.Database)
    rejected = tuple(v.value for v in REJECTED_VERDICTS)
    in_rejected = f"verdict IN ({', '.join('?' * len(rejected))})"
    summary = has_summary_columns(db)
    total = db.execute(f"SELECT count(*) FROM {table} WHERE {in_rejected}", rejected).fetchone()[0]
    changed, last, done = 0, "", 0
    while True:
        with _batch(db) if sqlite else db.atomic():
            rows = db.execute(
                f"SELECT id, verdict, error_json, error_message, provider, cause_id, cause_json, status "
                f"FROM {table} WHERE {in_rejected} AND id > ? ORDER BY id LIMIT ?",
                [*rejected, last, MIGRATION_BATCH_ROWS],
            ).fetchall()
            if not rows:
                return changed
            last = rows[-1][0]
            errors = grouping.error_findings(db.conn if sqlite else db, [row[0] for row in rows])
            for flow_id, verdict, error_json, error_message, provider, old_id, old_json, status in rows:
                rules, locations = errors.get(flow_id, ((), ()))
                recognition = recognise_stored(
                    error_json,
                    error_message,
                    provider=provider,
                    finding_rules=rules,
                    status=status,
                )
                if recognition is None or recognition.wording.provider == STATUS_ONLY:
                    # The request-aware tier reads the stored request, as the writer did (issue #10);
                    # fetched only for these rows, so a batch never holds every request body, and
                    # through the view, which rebuilds a deduplicated request (dedup.py).
                    found = db.execute(
                        f"SELECT request_json FROM {dedup.FLOWS_VIEW} WHERE id = ?", [flow_id]
                    ).fetchone()
                    request = request_object(found[0]) if found else None
                    if request is not None:
                        recognition = recognise_stored(
                            error_json,
                            error_message,
                            provider=provider,
                            finding_rules=errors.get(flow_id, ()),
                            status=status,
                            request=request,
                        )
                cause_id, cause_json = cause_columns(recognition)
                new_verdict = explained(
                    verdict,
                    recognition,
                    error_rules=rules,
                    text=error_text(error_json, error_message),
                    locations=locations,
                )
                if (cause_id, cause_json, new_verdict) != (old_id, old_json, verdict):
                    db.execute(
                        f"UPDATE {table} SET cause_id = ?, cause_json = ?, verdict = ? WHERE id = ?",
                        [cause_id, cause_json, new_verdict, flow_id],
                    )
                    changed += 1
            # The summary's groups follow the root cause (toolguard_core.grouping): the batch's rows
            # again, in its transaction. (m004 runs this before m007 added the columns; m007 then
            # derives them itself.)
            if summary:
                grouping.refresh_columns(
                    db.conn if sqlite else db,
                    table=table,
                    key="rowid" if sqlite else "id",
                    ids=[row[0] for row in rows],
                )
        done += len(rows)
        if step is not None:
            migration_progress(step, done, total)


def cause_columns(recognition: Any) -> tuple[str | None, str | None]:
    """``cause_id`` and ``cause_json`` of a :class:`~toolguard_core.causes.Recognition` (or None)."""
    if recognition is None:
        return None, None
    return recognition.cause_id, summary_json(recognition.summary())


#: How many stored rejections' answer times the writer keeps for Capture.apply_learned (the newest).
MAX_ANSWERED = 4096


#: A stored row's decision as the proxy reports it (console line, comment, mark): the flow's id,
#: its verdict, and the root cause's id and title (None when no cause was named).
Verdicts = tuple[str, str | None, str | None, str | None]


def row_verdict(row: FlowRow) -> Verdicts:
    """The decision :meth:`Capture.to_row` reached for ``row`` (its ``verdict`` and cause columns)."""
    title = None
    if row.cause_json:
        title = json.loads(row.cause_json).get("title")
    return (row.id, row.verdict, row.cause_id, title)


def summary_json(summary: dict[str, Any]) -> str:
    """The ``cause_json`` column of a root cause's :meth:`~toolguard_core.causes.Recognition.summary`."""
    return json.dumps(summary, ensure_ascii=False, sort_keys=True)


@contextlib.contextmanager
def _migration_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``<db>.migrate.lock`` while migrations are applied (POSIX
    ``flock``; where it is missing, as on Windows, the bounded retry in :func:`open_db` remains).

    The lock file is removed when the migrations are done, so no ``toolguard.db.migrate.lock`` stays
    beside the user's database. Removing it is safe for concurrent openers because the holder
    unlinks it while still holding the lock, and a process that got the lock checks that the path
    still names the file it locked (same device and inode): one that waited on a file since removed
    drops that lock and takes the lock on the new file instead, so two processes never migrate at
    once under two different files."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    lock_path = path.with_name(path.name + ".migrate.lock")
    while True:
        handle = open(lock_path, "a+b")  # noqa: SIM115 - closed below, after the unlink
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            held = os.fstat(handle.fileno())
            try:
                current = os.stat(lock_path)
            except FileNotFoundError:
                current = None
            if current is None or (current.st_dev, current.st_ino) != (held.st_dev, held.st_ino):
                continue  # removed (and maybe recreated) by the previous holder: lock the path's file
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(lock_path)
            return
        finally:
            handle.close()  # releases the flock


def unwritable(path: str | os.PathLike[str]) -> str | None:
    """Why SQLite cannot write ``path`` (a file, its directory or the nearest existing ancestor of
    both, since open_db creates them), in words, or None. SQLite itself says only "unable to open
    database file" or "attempt to write a readonly database"."""
    place = Path(path)
    if place.exists() and not os.access(place, os.W_OK):
        where = f"the file {place}"
    else:
        place = place.parent
        while not place.exists() and place != place.parent:
            place = place.parent
        if os.access(place, os.W_OK):
            return None
        where = f"the directory {place}"
    try:
        read_only_fs = bool(os.statvfs(place).f_flag & os.ST_RDONLY)
    except OSError:
        read_only_fs = False
    return f"{where} is {'on a read-only file system' if read_only_fs else 'not writable by this user'}"


def cannot_open(path: str | os.PathLike[str], exc: BaseException) -> str:
    """The start-up error for a database that cannot be opened, with what to do when the place is
    not writable (the proxy's thread store and the writer process say the same)."""
    if Path(path).is_dir():
        # SQLite says only "unable to open database file" (a new user's trial, session 15).
        return f"cannot open {path}: it is a directory; give toolguard_db a database file, such as {Path(path) / 'toolguard.db'}"
    if isinstance(exc, sqlite3.DatabaseError) and "file is not a database" in str(exc):
        # The words toolguard's commands use of the same file (toolguard_analysis.db.require).
        return f"cannot open {path}: not a SQLite file; give toolguard_db a file a toolguard proxy wrote, or a new file"
    reason = unwritable(path)
    hint = f" ({reason}; give toolguard_db a path where this user can write)" if reason else ""
    return f"cannot open {path}: {exc}{hint or storage_limits(path)}"


#: A database toolguard creates is readable by its owner only: secrets are redacted, but the stored
#: conversations (prompts, code, tool output) are as private as the user's own files. SQLite gives the
#: ``-wal`` and ``-shm`` files the database file's permissions. An existing file keeps its mode.
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def create_private(path: Path) -> None:
    """Create ``path`` (and its missing parent directories) readable by its owner only, unless it exists."""
    if not path.parent.exists():
        path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        pass  # the user's file, and its mode, as they are
    except OSError:
        pass  # not creatable here: sqlite3.connect fails on it next and its callers say why (cannot_open)


def open_db(path: str | os.PathLike[str], busy_timeout: float = 5.0) -> sqlite_utils.Database:
    """Open (creating if needed) a toolguard database with the schema migrated to the latest version.

    ``busy_timeout``: how long one statement waits for another process's lock before SQLite says
    "database is locked" (sqlite3's default, 5 s); the writer retries beyond that.
    """
    # An in-memory database (``:memory:``, a ``file:`` URI with ``mode=memory``) touches no file: none
    # is created, none locked while migrating. A ``file:`` URI's file is the one in its path.
    file = sqlite_file(path)
    if file is not None:
        create_private(file)
    name = os.fspath(path)  # as given: Path() would fold a URI's "file:///" and "?" is no path
    db = sqlite_utils.Database(sqlite3.connect(name, timeout=busy_timeout, uri=is_sqlite_uri(name)))
    try:
        foreign = foreign_tables(db.conn)  # before WAL mode: another program's file stays as it was
    except BaseException:
        db.close()
        raise
    if foreign:
        db.close()
        raise NotToolguardDatabase(not_toolguard(path, foreign))
    # Two proxies starting on one new file (two `toolguard run`s sharing a database) both migrate it:
    # SQLite answers the loser "database is locked" at once (a lock upgrade does not wait on the busy
    # timeout), or its migration finds the table the other just created ("already exists": each
    # migration is its own transaction). Retry, bounded: the migrations the other applied are skipped.
    deadline = time.monotonic() + MIGRATE_DEADLINE_SECONDS
    attempt = 0
    while True:
        attempt += 1
        try:
            db.enable_wal()
            if migrations.pending(db):
                # One migrating process at a time: sqlite-utils reads the applied list once, so a process
                # that read it before another finished m008 would re-run an early migration against
                # `flows`, a view by then (`'View' object has no attribute 'create_index'`).
                with _migration_lock(file) if file is not None else contextlib.nullcontext():
                    migrations.apply(db)
            if not _view_is_current(db):  # a later migration added a column to flow_rows
                with db.atomic():
                    create_flows_view(db)
            break
        except (sqlite3.OperationalError, sqlite3.IntegrityError) as exc:
            # An idempotent migration (IF NOT EXISTS, a column added only when missing) runs through in
            # both processes; the loser then fails recording it (UNIQUE on _sqlite_migrations).
            racing = any(
                text in str(exc)
                for text in ("locked", "already exists", "duplicate column", "_sqlite_migrations")
            )
            if not racing or time.monotonic() > deadline:
                raise
            time.sleep(min(0.05 * attempt, 0.5))
    note = newer_schema(db)
    if note and str(path) not in _said_newer:  # once per file and process (merge opens it twice)
        _said_newer.add(str(path))
        logger.warning("toolguard: %s %s", path, note)
    return db


_said_newer: set[str] = set()


def _migration_number(name: str) -> int:
    """``m011_precise_verdicts`` -> 11 (every migration's name starts with its number; development
    builds recorded some under other names, e.g. ``m002_runs``, with a number as low)."""
    digits = name[1:].split("_", 1)[0]
    return int(digits) if name.startswith("m") and digits.isdigit() else 0


def newer_schema(db: sqlite_utils.Database) -> str | None:
    """What to tell the user when a newer toolguard has migrated this database (a migration numbered
    past this version's last one), else None. sqlite-migrate itself ignores applied migrations it does
    not know, so without this an older toolguard wrote to such a file without a word."""
    known = [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]
    latest = max(known, key=_migration_number)
    newer = sorted(
        (m.name for m in migrations.applied(db) if _migration_number(m.name) > _migration_number(latest)),
        key=_migration_number,
    )
    if not newer:
        return None
    return (
        f"was migrated by a newer toolguard (it has {', '.join(newer)}; this toolguard "
        f"{toolguard_core.__version__} knows migrations up to {latest}). This version reads and "
        "writes it as its own schema: what the newer one added is kept, but left empty in the rows "
        "written now and not shown. Upgrade toolguard to the version that wrote it."
    )


def write_rows(
    db: sqlite_utils.Database,
    rows: list[FlowRow],
    *,
    demote_after: int | None = None,
    on_learned: Callable[[sqlite_utils.Database], None] | None = None,
) -> None:
    """Write flows and their findings; a flow written again replaces its earlier row and findings.

    With ``demote_after`` the rows also teach the ``learned`` and ``rule_calibration`` tables
    (:func:`toolguard_core.learned_store.learn_from_rows`) in the same transaction; ``on_learned`` is
    then called inside it when they changed, so a new snapshot is published before the commit."""
    from toolguard_core.learned_store import learn_from_rows

    table = flows_table(db)
    with db.atomic():
        built = [_flow_columns(db, table, row) for row in rows]
        names = list(built[0]) if built else []
        ids = [(row.id,) for row in rows]
        if not built:
            pass  # nothing to write (the learned tables below learn nothing either)
        elif len(set(ids)) == len(ids) and all(list(columns) == names for columns in built):
            # The batch's statements at once (issue #12: three statements per row through
            # sqlite-utils' wrapper were ~10 us of the writer's row): the same rows end up stored,
            # since no two rows of the batch share an id (else each row in turn, below).
            conn = db.conn
            conn.executemany(
                f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [list(columns.values()) for columns in built],
            )
            conn.executemany("DELETE FROM findings WHERE flow_id = ?", ids)
            conn.executemany(
                "INSERT INTO findings (flow_id, idx, rule, severity, location, message) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (row.id, f.idx, f.rule, str(f.severity), f.location, f.message)
                    for row in rows
                    for f in row.findings
                ],
            )
            conn.executemany("DELETE FROM repairs WHERE flow_id = ?", ids)
            for row in rows:
                _insert_repairs(db, row)
        else:
            for row, columns in zip(rows, built, strict=True):
                db.execute(
                    f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                    list(columns.values()),
                )
                db.execute("DELETE FROM findings WHERE flow_id = ?", [row.id])
                db.conn.executemany(
                    "INSERT INTO findings (flow_id, idx, rule, severity, location, message) VALUES (?, ?, ?, ?, ?, ?)",
                    [(row.id, f.idx, f.rule, str(f.severity), f.location, f.message) for f in row.findings],
                )
                db.execute("DELETE FROM repairs WHERE flow_id = ?", [row.id])
                _insert_repairs(db, row)
        if demote_after is not None and learn_from_rows(db, rows, demote_after) and on_learned is not None:
            on_learned(db)


def _flow_columns(db: sqlite_utils.Database, table: str, row: FlowRow) -> dict[str, Any]:
    """The stored columns of one flow: its own, the summary's (derived here, on the writer's
    thread, not the event loop's), and its request's contents stored (m008_content_dedup)."""
    from toolguard_core import grouping

    columns = row.columns()
    errors = [f for f in row.findings if str(f.severity) == "error"]
    derived = grouping.derive(columns, [f.rule for f in errors], locations=[f.location for f in errors])
    columns.update(zip(grouping.COLUMNS, derived, strict=True))
    if table == dedup.FLOW_ROWS_TABLE:  # each distinct content once
        columns["request_json"], columns[dedup.PARTS_COLUMN] = store_request(db, row.request_json)
    return columns


def _insert_repairs(db: sqlite_utils.Database, row: FlowRow) -> None:
    from toolguard_core import repair_rows

    if not row.repairs:
        return
    # The bodies the patches give back are not stored (m010_repair_patches, repair_rows.py).
    repairs = repair_rows.compact(r.model_dump() for r in sorted(row.repairs, key=lambda r: r.idx))
    db.conn.executemany(
        f"INSERT INTO repairs (flow_id, {', '.join(REPAIR_COLUMNS)}) "
        f"VALUES (?, {', '.join('?' * len(REPAIR_COLUMNS))})",
        [(row.id, *(int(r[c]) if c == "applied" else r[c] for c in REPAIR_COLUMNS)) for r in repairs],
    )


def write_run(db: sqlite_utils.Database, run: RunRow) -> None:
    """Insert or update one run row (the same run is written at start and at stop)."""
    db["runs"].upsert(run.model_dump(), pk="id")


class RowSource(Protocol):
    """Anything the writer thread can turn into a row (``capture.Capture``); see ``Store.put``."""

    def to_row(self) -> FlowRow: ...


_STOP = object()

#: SQLite errors that pass: another process holds a lock, the disk is full, a transient I/O error.
#: The writer retries these with back-off instead of dropping rows (issue #16: a lock held over 5 s
#: and a full disk each lost every row written meanwhile).
_TRANSIENT = (
    "database is locked",
    "database table is locked",
    "busy",
    "database or disk is full",
    "disk i/o error",
)
#: How long the writer keeps retrying while no write succeeds, before it drops a batch (and says so).
DEFAULT_RETRY_SECONDS = 60.0
#: Back-off between retries: doubles from the first value up to the second.
BACKOFF = (0.05, 2.0)
#: At shutdown, a progress line this often while the queue drains.
PROGRESS_SECONDS = 2.0


#: Below this much free space, a write failure's line says how much is left.
LOW_SPACE_BYTES = 64 * 1024 * 1024


def storage_limits(path: str | os.PathLike[str]) -> str:
    """What limits writes to ``path``, for a failed write's line: SQLite says only "disk I/O error"
    when a file passes this process's file size limit (``ulimit -f``: Python ignores SIGXFSZ, so the
    write fails with EFBIG) and "database or disk is full" on a full file system. Empty when
    neither limit is near."""
    said = []
    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft != resource.RLIM_INFINITY:
        said.append(f"this process may write files of at most {soft} bytes (ulimit -f)")
    try:
        stat = os.statvfs(Path(path).parent)
    except OSError:
        stat = None
    if stat is not None and stat.f_bavail * stat.f_frsize < LOW_SPACE_BYTES:
        said.append(f"{stat.f_bavail * stat.f_frsize} bytes free on its file system")
    return f" ({'; '.join(said)})" if said else ""


def progress_line(path: str | os.PathLike[str], pending: int, written: int) -> str:
    """What a shutdown waiting on the writer says every :data:`PROGRESS_SECONDS`. With nothing queued
    it waits for the writer to finish (closing the file, the PostgreSQL sync, the OpenTelemetry
    export): "still writing: 0 rows queued, 1 written so far", as a replay printed it, read as rows
    stuck somewhere."""
    if pending:
        return f"still writing to {path}: {pending} rows queued, {written} written so far"
    return f"waiting for the writer to finish with {path}: nothing left to write ({written} rows written)"


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and any(t in str(exc).lower() for t in _TRANSIENT)


class Store:
    """Queue + writer thread. ``put`` never blocks on SQLite; ``close`` drains and joins.

    Nothing handed to ``put`` is lost silently: a row is either written (``written``) or counted in
    ``dropped`` under its reason and logged. Locked or full databases are retried with back-off
    (``retries``) for up to ``retry_seconds`` without progress; a database file deleted or replaced
    while running is recreated before the next batch (``recreated``).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        batch_size: int = 200,
        *,
        demote_after: int | None = None,
        on_knowledge: Callable[[Knowledge], None] | None = None,
        refresh_seconds: float = KNOWLEDGE_REFRESH_SECONDS,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
        busy_timeout: float = 5.0,
        on_verdicts: Callable[..., None] | None = None,
    ) -> None:
        # What the writer derives every row with, loaded when the proxy starts (as the module-level
        # imports did), not by the writer thread on the first flow, beside the event loop.
        for module in ROW_MODULES:
            importlib.import_module(module)
        self.path = Path(path)
        #: Told each batch's decisions for the rows that asked (``report_verdict``), as soon as the
        #: rows are built and before they are written: the proxy's console line waits for them.
        #: Called ``on_verdicts(verdicts, late)`` when some rows also got ``learned.*`` findings the
        #: proxy could not make (``late``: {flow id: [(rule, severity, location, message)]}), and
        #: ``on_verdicts(verdicts, late, demoted)`` when some false alarms' errors were lowered by a
        #: demotion the proxy's snapshot did not hold yet (``demoted``: {flow id: [rule]},
        #: Capture.apply_demoted).
        self.on_verdicts = on_verdicts
        #: The snapshot last published (None until then), and when the answers of the rejections
        #: this writer stored ended, by flow id (bounded): Capture.apply_learned reads both.
        self.knowledge: Knowledge | None = None
        self._answered: dict[str, float] = {}
        #: The first flows of the constraints the first snapshot held (what the database held when
        #: this writer started): Capture.apply_learned applies them to a rejection the proxy judged
        #: before that snapshot reached it.
        self._known_at_start: frozenset[str] | None = None
        #: The rules this writer demoted, by (host, model, rule), with when the demoting answer ended
        #: (bounded): Capture.apply_demoted reads it. And this batch's false alarms' answer ends.
        self._demoted_at: dict[tuple[str, str, str], float] = {}
        self._false_alarm_ends: dict[str, float] = {}
        #: By run: the flows only those late findings flagged, added to the run row's with_findings.
        self.late_flagged: Counter[str] = Counter()
        self.busy_timeout = busy_timeout
        self.batch_size = batch_size
        #: Learning is on when ``on_knowledge`` is given (the addon); plain writers only store rows.
        self.demote_after = demote_after
        self.on_knowledge = on_knowledge
        self.refresh_seconds = refresh_seconds
        self._data_version: int | None = None
        self._checked_at = 0.0  # time.monotonic() of the last data_version check
        self.retry_seconds = retry_seconds
        self.queue: queue.Queue[Any] = queue.Queue()
        self.queued = 0
        self.written = 0
        self.retries = 0
        self.recreated = 0
        self.dropped: Counter[str] = Counter()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._inode: tuple[int, int] | None = None
        # When the current run of failed writes began (None while writes succeed): the retry budget
        # counts from there, so a first failure after an idle hour is still retried.
        self._failing_since: float | None = None
        self._thread = threading.Thread(target=self._run, name="toolguard-writer", daemon=True)
        # "Rows written" hooks, called on the writer thread after each committed batch: the
        # PostgreSQL syncer and the OpenTelemetry exporter (issue #17). A failing hook is logged.
        self.listeners: list[Callable[[list[FlowRow]], None]] = []

    @property
    def failed(self) -> int:
        """Rows given up on, all reasons together."""
        return sum(self.dropped.values())

    def counters(self) -> dict[str, int]:
        """The writer's counters for ``toolguard.stats``: rows queued, written, dropped (by reason)."""
        result = {
            "rows_queued": self.queued,
            "rows_written": self.written,
            "rows_dropped": self.failed,
            "rows_pending": self.queue.qsize(),
            "write_retries": self.retries,
            "db_recreated": self.recreated,
        }
        result.update({f"rows_dropped[{reason}]": n for reason, n in sorted(self.dropped.items())})
        return result

    def start(self) -> None:
        """Start the writer and wait until the database is open (so a bad path fails here, loudly)."""
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def put(self, item: FlowRow | RunRow | RowSource) -> None:
        """Queue a row, or a source whose ``to_row()`` the writer thread calls (costly work off the loop).
        A run's row is queued too (after its flows) but not counted: the counters are about flows."""
        if not isinstance(item, RunRow):
            self.queued += 1
        self.queue.put(item)

    def close(self, timeout: float | None = None) -> None:
        """Write everything queued, however long it takes (``timeout`` only for tests), then stop.

        A progress line is logged every :data:`PROGRESS_SECONDS` while rows remain, and a last line
        says how many rows were written and, if any, how many were dropped and why.
        """
        if not self._thread.is_alive():
            return
        self.queue.put(_STOP)
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._thread.is_alive():
            wait = (
                PROGRESS_SECONDS if deadline is None else min(PROGRESS_SECONDS, deadline - time.monotonic())
            )
            if wait <= 0:
                break
            self._thread.join(wait)
            if self._thread.is_alive():
                logger.info("toolguard: %s", progress_line(self.path, self.queue.qsize(), self.written))
        if self._thread.is_alive():  # only with an explicit timeout
            lost = self.queue.qsize()
            self.dropped["shutdown timeout"] += lost
            logger.error("toolguard: gave up waiting for the writer; %d queued rows not written", lost)
        logger.info("toolguard: %s", self.shutdown_line())

    def shutdown_line(self) -> str:
        line = f"{self.written} of {self.queued} rows written to {self.path}"
        if self.dropped:
            reasons = ", ".join(f"{n} {reason}" for reason, n in self.dropped.most_common())
            line += f"; {self.failed} DROPPED ({reasons})"
        if self.retries:
            line += f"; {self.retries} write retries"
        if self.recreated:
            line += f"; database file recreated {self.recreated} time(s)"
        return line

    def _drop(self, n: int, reason: str) -> None:
        self.dropped[reason] += n

    def _open(self) -> sqlite_utils.Database:
        db = open_db(self.path, self.busy_timeout)
        # WAL's recommended level: a commit no longer waits for fsync (the WAL is synced at each
        # checkpoint); a crash of the proxy loses nothing, a power loss at most the last commits.
        # Measured (py-spy on bench_proxy's flagged scenario): the writer spent most of its time
        # in the per-batch fsync, batches of one or two rows at a few hundred flows a second.
        db.execute("PRAGMA synchronous=NORMAL")
        file = sqlite_file(self.path)
        if file is not None:  # an in-memory database has no file to be deleted or replaced
            st = os.stat(file)
            self._inode = (st.st_dev, st.st_ino)
        return db

    def _run(self) -> None:
        try:
            db = self._open()
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()
            return
        self._publish(db)
        self._ready.set()
        try:
            while True:
                try:
                    item = self.queue.get(timeout=self.refresh_seconds if self.on_knowledge else None)
                except queue.Empty:
                    # Idle: another process (``toolguard learned import|forget``) may have changed the
                    # tables. data_version moves only when another connection commits.
                    self._refresh_if_changed(db)
                    continue
                batch: list[Any] = []
                stop = item is _STOP
                if not stop:
                    batch.append(item)
                while not stop and len(batch) < self.batch_size:
                    try:
                        item = self.queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stop = True
                    else:
                        batch.append(item)
                if batch:
                    db = self._write(db, batch)
                    if self.on_knowledge and time.monotonic() - self._checked_at >= self.refresh_seconds:
                        # Busy: rows keep coming, so the idle check above never runs; what another
                        # connection changed (the PostgreSQL syncer's pull) is picked up all the same.
                        self._refresh_if_changed(db)
                if stop:
                    return
        finally:
            db.close()

    def _publish(self, db: sqlite_utils.Database) -> None:
        """Hand a fresh :class:`Knowledge` snapshot to the addon (one reference swap on its side)."""
        from toolguard_core.learned_store import load_knowledge

        if self.on_knowledge is None:
            return
        try:
            self.knowledge = load_knowledge(db)
            if self._known_at_start is None:
                self._known_at_start = frozenset(
                    c.first_flow
                    for calibration in self.knowledge.by_key.values()
                    for c in calibration.constraints
                )
            self.on_knowledge(self.knowledge)
            self._data_version = db.execute("PRAGMA data_version").fetchone()[0]
        except Exception:
            logger.exception("toolguard: could not load what was learned from %s", self.path)

    def _refresh_if_changed(self, db: sqlite_utils.Database) -> None:
        self._checked_at = time.monotonic()
        try:
            version = db.execute("PRAGMA data_version").fetchone()[0]
        except Exception:
            logger.exception("toolguard: could not read %s", self.path)
            return
        if version != self._data_version:
            self._publish(db)

    def _write(self, db: sqlite_utils.Database, items: list[Any]) -> sqlite_utils.Database:
        """Write a batch in queue order: flows, and run rows (a run's counts follow its flows)."""
        flows: list[Any] = []
        for item in items:
            if not isinstance(item, RunRow):
                flows.append(item)
                continue
            db = self._write_flows(db, flows)
            flows = []
            late = self.late_flagged.get(item.id)
            if late and item.ended_utc:  # the counts come with the run's end
                item = item.model_copy(update={"with_findings": item.with_findings + late})
            try:
                write_run(db, item)
            except Exception as exc:
                self._drop(1, f"run row: {type(exc).__name__}")
                logger.exception("toolguard: could not store run %s in %s", item.id, self.path)
        return self._write_flows(db, flows)

    def _same_file(self) -> bool:
        file = sqlite_file(self.path)
        if file is None:
            return True
        try:
            st = os.stat(file)
        except FileNotFoundError:
            return False
        return (st.st_dev, st.st_ino) == self._inode

    def _reopen_if_replaced(self, db: sqlite_utils.Database) -> sqlite_utils.Database:
        """A database file deleted (or replaced) while running: writes would go to an unlinked inode
        and vanish. Close the old connection (its WAL goes with it) and create the file again."""
        if self._same_file():
            return db
        logger.warning(
            "toolguard: the database file %s was deleted or replaced; creating it again", self.path
        )
        db.close()
        db = self._open()
        self.recreated += 1
        return db

    def _write_flows(self, db: sqlite_utils.Database, items: list[Any]) -> sqlite_utils.Database:
        from toolguard_core.verdict import Verdict

        false_alarm = Verdict.FALSE_ALARM
        batch: list[FlowRow] = []
        verdicts: list[Verdicts] = []
        late: dict[str, list[tuple[str, str, str, str]]] = {}
        demoted: dict[str, list[str]] = {}
        for n, item in enumerate(items):
            rejection = getattr(item, "report_verdict", False)
            reported = rejection or getattr(item, "report_demoted", False)
            try:
                if rejection and self.on_knowledge is not None:
                    # Observe mode's rejections: what an earlier answer taught that the proxy's
                    # snapshot did not hold yet (Capture.apply_learned), then remembered as one.
                    found = self._apply_learned(item)
                    if found:
                        late[item.flow_id] = found
                if (
                    self.on_knowledge is not None
                    and not isinstance(item, FlowRow)  # a Capture: a built row is stored as it is
                    and getattr(item, "verdict", None) == false_alarm
                ):
                    # A demotion the proxy's snapshot did not hold yet (Capture.apply_demoted).
                    if self._demoted_at:
                        lowered = item.apply_demoted(self._demoted_at)
                        if lowered and reported:
                            demoted[item.flow_id] = lowered
                    self._false_alarm_ends[item.flow_id] = item.ended
                row = item if isinstance(item, FlowRow) else item.to_row()
            except Exception:
                self._drop(1, "row could not be built")
                logger.exception("toolguard: could not build the row for %r", getattr(item, "flow_id", item))
                continue
            batch.append(row)
            if reported:
                verdicts.append(row_verdict(row))
            if (
                n + 1 < len(items)
                and self.on_knowledge is not None
                and (self._teaches(row) or self._may_demote(row))
            ):
                # A later row of this batch may repeat what this one teaches: learned first (one
                # more transaction, only for a rejection that names a constraint not yet known).
                db = self._write_built(db, batch, verdicts, late, demoted)
                batch, verdicts, late, demoted = [], [], {}, {}
        return self._write_built(db, batch, verdicts, late, demoted)

    def _apply_learned(self, item: Any) -> list[tuple[str, str, str, str]]:
        answered = self._answered
        if len(answered) >= MAX_ANSWERED:
            for flow_id in list(answered)[: MAX_ANSWERED // 2]:
                del answered[flow_id]
        answered[item.flow_id] = item.ended
        if self.knowledge is None or not self.knowledge.by_key:
            return []
        flagged = item.flagged()
        late = item.apply_learned(self.knowledge, answered, self._known_at_start or frozenset())
        if late and not flagged and item.run_id:
            self.late_flagged[item.run_id] += 1
        return [(f.rule, f.severity.value, f.location, f.message) for f in late]

    def _may_demote(self, row: FlowRow) -> bool:
        """Whether ``row`` (a false alarm) may demote a rule the published snapshot does not hold
        demoted: learned before the batch's next rows are built (Capture.apply_demoted), one more
        transaction only for a false alarm of a rule not yet demoted there."""
        from toolguard_core.findings import Severity
        from toolguard_core.learned import learned_host
        from toolguard_core.verdict import Verdict

        if row.verdict != Verdict.FALSE_ALARM or not self.demote_after:
            return False
        demoted = (
            self.knowledge.for_request(learned_host(row.host or "", row.port, row.scheme), row.model).demoted
            if self.knowledge is not None
            else frozenset()
        )
        return any(f.severity == Severity.ERROR and f.rule not in demoted for f in row.findings)

    def _note_demotions(self, before: Knowledge | None, batch: list[FlowRow]) -> None:
        """The rules the batch just written demoted (the snapshot published changed), with when the
        last false alarm of each in the batch ended: what Capture.apply_demoted compares to a later
        request's start."""
        from toolguard_core.findings import Severity
        from toolguard_core.learned import learned_host

        ends, self._false_alarm_ends = self._false_alarm_ends, {}
        after = self.knowledge
        if after is None or after is before or not ends:
            return
        for row in reversed(batch):  # the newest false alarm is the demoting one
            ended = ends.get(row.id)
            if ended is None:
                continue
            host, model = learned_host(row.host or "", row.port, row.scheme), row.model or ""
            now = after.by_key.get((host, model))
            was = before.by_key.get((host, model)) if before is not None else None
            for rule in (now.demoted if now else frozenset()) - (was.demoted if was else frozenset()):
                key = (host, model, rule)
                if key not in self._demoted_at and any(
                    f.rule == rule and f.severity == Severity.ERROR for f in row.findings
                ):
                    if len(self._demoted_at) >= MAX_ANSWERED:
                        self._demoted_at.clear()
                    self._demoted_at[key] = ended

    def _teaches(self, row: FlowRow) -> bool:
        """Whether ``row`` may teach a constraint the published snapshot does not hold (learned_store
        decides; this only says when learning it before the batch's next rows is worth a commit)."""
        from toolguard_core.learned import learned_host
        from toolguard_core.verdict import LEARNED_FROM_VERDICTS

        if (
            row.verdict not in LEARNED_FROM_VERDICTS
            or not row.cause_json
            or '"constraint"' not in row.cause_json
        ):
            return False
        constraint = json.loads(row.cause_json).get("constraint")
        if not constraint:
            return False
        known = (
            self.knowledge.for_request(learned_host(row.host or "", row.port, row.scheme), row.model)
            if self.knowledge is not None
            else None
        )
        key = (constraint.get("kind"), constraint.get("name") or None, constraint.get("value") or None)
        return known is None or all((c.kind, c.name, c.value) != key for c in known.constraints)

    def _write_built(
        self,
        db: sqlite_utils.Database,
        batch: list[FlowRow],
        verdicts: list[Verdicts],
        late: dict[str, list[tuple[str, str, str, str]]],
        demoted: dict[str, list[str]] | None = None,
    ) -> sqlite_utils.Database:
        if verdicts and self.on_verdicts is not None:
            try:
                if demoted:
                    self.on_verdicts(verdicts, late, demoted)
                elif late:
                    self.on_verdicts(verdicts, late)
                else:
                    self.on_verdicts(verdicts)
            except Exception:  # the proxy's console line is not worth a row
                logger.exception("toolguard: could not report %d verdicts", len(verdicts))
        if not batch:
            return db
        # With the addon's snapshot callback, the rows also teach the learned tables (same transaction).
        learn = {"demote_after": self.demote_after, "on_learned": self._publish} if self.on_knowledge else {}
        delay = BACKOFF[0]
        before = self.knowledge
        while True:
            try:
                db = self._reopen_if_replaced(db)
                write_rows(db, batch, **learn)  # type: ignore[arg-type]
                self.written += len(batch)
                self._failing_since = None
                if self._false_alarm_ends:
                    self._note_demotions(before, batch)
                self._notify(batch)
                return db
            except Exception as exc:
                if not _transient(exc):
                    break
                now = time.monotonic()
                if self._failing_since is None:
                    self._failing_since = now
                if now - self._failing_since > self.retry_seconds:
                    self._drop(len(batch), f"{exc} for over {self.retry_seconds:g}s")
                    logger.error(
                        "toolguard: DROPPED %d rows: %s in %s%s for over %gs (%d dropped so far)",
                        len(batch),
                        exc,
                        self.path,
                        storage_limits(self.path),
                        self.retry_seconds,
                        self.failed,
                    )
                    return db
                if self.retries == 0 or delay >= BACKOFF[1]:
                    logger.warning(
                        "toolguard: %s in %s%s; retrying (%d rows waiting)",
                        exc,
                        self.path,
                        storage_limits(self.path),
                        len(batch),
                    )
                self.retries += 1
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF[1])
        # One bad row must not cost the batch: write row by row, drop (and name) what SQLite refuses.
        written: list[FlowRow] = []
        for row in batch:
            try:
                write_rows(db, [row], **learn)  # type: ignore[arg-type]
                self.written += 1
                written.append(row)
            except Exception as exc:
                self._drop(1, f"rejected by SQLite: {type(exc).__name__}")
                logger.exception("toolguard: could not store flow %s in %s", row.id, self.path)
        self._notify(written)
        return db

    def _notify(self, rows: list[FlowRow]) -> None:
        """Run the rows-written hooks on the rows just committed (a failing hook is logged only)."""
        for listener in self.listeners:
            try:
                listener(rows)
            except Exception:
                logger.exception("toolguard: a rows-written hook failed")
