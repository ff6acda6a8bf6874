"""The ``learned`` and ``rule_calibration`` tables (docs/schema.md): written by the store's writer
thread as rows are stored, read into a :class:`~toolguard_core.learned.Knowledge` snapshot for the
addon, and listed, forgotten, exported and imported by ``toolguard learned``.

What is learned from one stored flow (:func:`learn_from_rows`):

- a rejection whose recognised root cause names what the upstream rejected (a
  :class:`~toolguard_core.causes.Constraint`) becomes, or refreshes, a ``learned`` row for the
  flow's host and model, unless a built-in rule that fired on it already predicts that very cause
  (any rule the verdict credits with it; the rule says it already: learning it twice would double the
  finding). Transient causes (rate limits,
  credentials, server errors) name nothing about the request and carry no constraint.
- an accepted request that carried error findings of built-in rules (verdict ``false_alarm``)
  counts once per rule in ``rule_calibration``; at ``demote_after`` acceptances the row gets
  ``demoted_at`` and the rule is a warning for that host and model from then on.

The export file is JSON (``{"format": "toolguard-learned", "version": 1, ...}``); importing merges
by key with max counts and the earliest/latest times, so importing one file twice changes nothing.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

import sqlite_utils

from toolguard_core.upstreams import (
    has_port,
    host_argument,
    is_learned,
    learned_host,
    learned_rule,
    upstream_sort_key,
)

if TYPE_CHECKING:
    from toolguard_core.learned import Knowledge

# toolguard_core.learned, .verdict and .findings are imported where rows are learned from or the
# snapshot is built (the writer, the addon): they load the causes catalogue and the rules, and
# `toolguard learned list|forget|export` reads and deletes rows without them (docs/benchmarks.md,
# "CLI start-up").

EXPORT_FORMAT = "toolguard-learned"
EXPORT_VERSION = 1
#: ``toolguard_demote_after``'s default: acceptances of a flagged request before the rule is a
#: warning for that host and model. Three: one acceptance may be a fluke (a retried request that a
#: load balancer sent to another server version), three in a row is the upstream's behaviour.
DEFAULT_DEMOTE_AFTER = 3


LEARNED_COLUMNS = (
    "host",
    "model",
    "kind",
    "name",
    "value",
    "rule",
    "cause_id",
    "error_text",
    "first_flow",
    "last_flow",
    "first_seen",
    "last_seen",
    "count",
    "source",
)
CALIBRATION_COLUMNS = (
    "rule",
    "host",
    "model",
    "accepted",
    "first_flow",
    "last_flow",
    "first_seen",
    "last_seen",
    "demoted_at",
    "source",
)


def learn_from_rows(db: sqlite_utils.Database, rows: Iterable[Any], demote_after: int) -> int:
    """Record what the stored ``rows`` (:class:`~toolguard_core.store.FlowRow`) teach; call inside the
    writer's transaction. Returns how many changes the addon's snapshot (:func:`load_knowledge`)
    would show: a new constraint, a rule demoted. A known constraint seen again or one more
    acceptance is stored (count, last seen) but is no part of the snapshot: reloading both tables
    and sending the same snapshot to the proxy (and from it to the validation worker) after every
    batch that repeats a learned rejection cost the writer ~50 us a row (issue #12)."""
    from toolguard_core.findings import Severity
    from toolguard_core.verdict import LEARNED_FROM_VERDICTS as learn_from
    from toolguard_core.verdict import Verdict

    changed = 0
    for row in rows:
        if not row.host:
            continue
        host, model = learned_host(row.host, row.port, row.scheme), row.model or ""
        error_rules = [f.rule for f in row.findings if f.severity == Severity.ERROR]
        builtin_errors = [f for f in row.findings if f.severity == Severity.ERROR and not is_learned(f.rule)]
        if row.verdict in learn_from and row.cause_json:
            cause = json.loads(row.cause_json)
            constraint = cause.get("constraint")
            if (
                constraint
                and not cause.get("transient")
                and not predicted_by_builtin(
                    cause.get("cause"), cause.get("rule"), constraint.get("name"), builtin_errors
                )
            ):
                changed += _observe_constraint(db, row, host, model, cause, constraint)
        elif row.verdict == Verdict.FALSE_ALARM:
            # Built-in and learned rules alike: an upstream that accepts what a learned constraint
            # flagged (it changed, or a gateway now drops the field) demotes that learned rule there.
            for rule in dict.fromkeys(error_rules):
                changed += _observe_acceptance(db, row, host, model, rule, demote_after)
        changed += _observe_servers(db, row, host, model)
    return changed


def _observe_servers(db: sqlite_utils.Database, row: Any, host: str, model: str) -> int:
    """What the answer says about the server behind ``host`` (toolguard_core.engines): an engine's own
    error text, a gateway's response headers. Kept as ``learned`` rows of kind ``engine``/``gateway``
    (``name`` the engine or gateway, ``value`` the gateway an engine's text came through or the host a
    gateway forwarded to, ``cause_id`` the signature or header read, ``error_text`` the words)."""
    from toolguard_core import engines
    from toolguard_core.verdict import error_text

    found = list(engines.from_headers(row.response_headers_json))
    if (row.status or 0) >= 400 or row.error_message or row.error_json:
        # The top-level message keeps a gateway's wrapper ("litellm.BadRequestError: ..."), the innermost
        # one the engine's own words; a body no parser read is searched as it came.
        texts = dict.fromkeys(
            t for t in (row.error_message, error_text(row.error_json, row.error_message)) if t
        )
        evidence = engines.from_error_text("\n".join(texts) or row.response_body)
        if evidence is not None:
            found.append(evidence)
    changed = 0
    for evidence in found:
        changed += _observe_server(db, row, host, model, evidence)
    return changed


def _observe_server(db: sqlite_utils.Database, row: Any, host: str, model: str, evidence: Any) -> int:
    key = [host, model, evidence.kind, evidence.name, evidence.via]
    return _upsert_learned(db, row, key, evidence.signature, evidence.text)


def _upsert_learned(
    db: sqlite_utils.Database, row: Any, key: list[str], cause_id: str | None, text: str
) -> int:
    """One observation of the learned row ``key`` (host, model, kind, name, value) in flow ``row``:
    its count and last sighting when it exists (0: not in the snapshot), else a new row first and last
    seen there (1). A constraint and a server's engine or gateway are learned alike."""
    updated = db.execute(
        "UPDATE learned SET count = count + 1, last_seen = max(last_seen, ?), last_flow = ? "
        "WHERE host = ? AND model = ? AND kind = ? AND name = ? AND value = ?",
        [row.datetime_utc, row.id, *key],
    ).rowcount
    if updated:
        return 0  # count and last_seen only: not in the snapshot
    db.execute(
        f"INSERT INTO learned ({', '.join(LEARNED_COLUMNS)}) VALUES ({', '.join('?' * len(LEARNED_COLUMNS))})",
        [
            *key,
            learned_rule(key[2]),
            cause_id,
            text,
            row.id,
            row.id,
            row.datetime_utc,
            row.datetime_utc,
            1,
            "observed",
        ],
    )
    return 1


class _Located(Protocol):
    rule: str
    location: str


def predicted_by_builtin(
    cause_id: str | None, named_rule: str | None, key: str | None, errors: Iterable[_Located]
) -> bool:
    """Whether a built-in error finding (``errors``: no ``learned.*`` ones) already says what a
    constraint on ``key`` would: the rule the recognition names (``named_rule``), or another rule the
    verdict credits with the cause (patterns.predicting_rules) at that very key. The proxy's writer
    learns nothing then, and scripts/eval_rules.py counts the same. The recognition names one rule per
    cause (``params.max-tokens-on-reasoning-model`` for "max_tokens is not supported"), but behind a
    host toolguard does not know, ``model.max-tokens-on-reasoning-model`` is the one that fires:
    learning the param as well doubled the finding on every later request (a new user's trial,
    session 15). Another crediting rule flagging another key does not stop the lesson: the upstream
    named a key no rule flagged."""
    from toolguard_core.patterns import predicting_rules

    crediting = predicting_rules(cause_id)
    return any(
        f.rule == named_rule or (f.rule in crediting and key and key in _KEY_PARTS.split(f.location))
        for f in errors
    )


#: A finding's location split into its keys: ``messages[3].reasoning_content`` -> messages, 3, reasoning_content.
_KEY_PARTS = re.compile(r"[.\[\]]+")


def _observe_constraint(
    db: sqlite_utils.Database,
    row: Any,
    host: str,
    model: str,
    cause: dict[str, Any],
    constraint: dict[str, Any],
) -> int:
    from toolguard_core.verdict import error_text

    key = [host, model, constraint["kind"], constraint.get("name") or "", constraint.get("value") or ""]
    return _upsert_learned(
        db, row, key, cause.get("cause"), error_text(row.error_json, row.error_message) or ""
    )


def _observe_acceptance(
    db: sqlite_utils.Database, row: Any, host: str, model: str, rule: str, demote_after: int
) -> int:
    key = [rule, host, model]
    updated = db.execute(
        "UPDATE rule_calibration SET accepted = accepted + 1, last_flow = ?, last_seen = max(last_seen, ?) "
        "WHERE rule = ? AND host = ? AND model = ?",
        [row.id, row.datetime_utc, *key],
    ).rowcount
    if not updated:
        db.execute(
            f"INSERT INTO rule_calibration ({', '.join(CALIBRATION_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(CALIBRATION_COLUMNS))})",
            [*key, 1, row.id, row.id, row.datetime_utc, row.datetime_utc, None, "observed"],
        )
    # Only a demotion changes the snapshot (it lists the demoted rules, not the counts).
    return db.execute(
        "UPDATE rule_calibration SET demoted_at = ? "
        "WHERE rule = ? AND host = ? AND model = ? AND demoted_at IS NULL AND accepted >= ?",
        [row.datetime_utc, *key, max(1, demote_after)],
    ).rowcount


def has_tables(db: sqlite_utils.Database) -> bool:
    # table_names(): what a PostgreSQL database (toolguard_analysis.writable) answers as well.
    return {"learned", "rule_calibration"} <= set(db.table_names())


def load_knowledge(db: sqlite_utils.Database) -> Knowledge:
    """The snapshot the addon checks requests against (both tables, keyed by host and model)."""
    from toolguard_core.engines import SERVER_KINDS
    from toolguard_core.learned import Calibration, Knowledge, LearnedConstraint, LearnedServer

    if not has_tables(db):
        return Knowledge()
    constraints: dict[tuple[str, str], list[LearnedConstraint]] = {}
    servers: dict[tuple[str, str], list[LearnedServer]] = {}
    for row in db.query("SELECT * FROM learned ORDER BY first_seen, host, model, kind, name, value"):
        if row["kind"] in SERVER_KINDS:
            servers.setdefault((row["host"], row["model"]), []).append(
                LearnedServer(
                    kind=row["kind"],
                    name=row["name"],
                    via=row["value"] or "",
                    signature=row["cause_id"] or "",
                    text=row["error_text"] or "",
                    first_flow=row["first_flow"],
                )
            )
            continue
        constraints.setdefault((row["host"], row["model"]), []).append(
            LearnedConstraint(
                kind=row["kind"],
                name=row["name"] or None,
                value=row["value"] or None,
                cause_id=row["cause_id"],
                error_text=row["error_text"],
                first_flow=row["first_flow"],
            )
        )
    demoted: dict[tuple[str, str], set[str]] = {}
    for row in db.query("SELECT rule, host, model FROM rule_calibration WHERE demoted_at IS NOT NULL"):
        demoted.setdefault((row["host"], row["model"]), set()).add(row["rule"])
    keys = set(constraints) | set(demoted) | set(servers)
    return Knowledge(
        {
            key: Calibration(
                tuple(constraints.get(key, ())), frozenset(demoted.get(key, ())), tuple(servers.get(key, ()))
            )
            for key in sorted(keys)
        }
    )


# ------------------------------------------------------------------ toolguard learned (the CLI)


def list_learned(db: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
    if not has_tables(db):
        return {"constraints": [], "calibration": []}
    # Sorted here, not by ORDER BY: PostgreSQL sorts text by its collation (often not byte order),
    # and the listing and export must be the same whichever database they come from.
    constraints = list(db.query("SELECT * FROM learned"))
    calibration = list(db.query("SELECT * FROM rule_calibration"))
    return {
        # Hosts by host, then numerically by port (upstream_sort_key: as text, host:10000 came first).
        "constraints": sorted(
            constraints,
            key=lambda r: (upstream_sort_key(r["host"]), *(r[c] for c in ("model", "kind", "name", "value"))),
        ),
        "calibration": sorted(
            calibration, key=lambda r: (upstream_sort_key(r["host"]), *(r[c] for c in ("model", "rule")))
        ),
    }


def forget(
    db: sqlite_utils.Database,
    *,
    host: str | None = None,
    model: str | None = None,
    rule: str | None = None,
    name: str | None = None,
) -> int:
    """Delete learned constraints and calibration rows matching every given filter (``rule`` matches
    a calibration's rule or a constraint's ``learned.*`` rule). Returns how many rows went."""
    removed = 0
    for table, rule_column in (("learned", "rule"), ("rule_calibration", "rule")):
        where, args = [], []
        for column, value in (("host", host and host_argument(host)), ("model", model), (rule_column, rule)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if name is not None:
            if table != "learned":
                continue
            where.append("name = ?")
            args.append(name)
        sql = f"DELETE FROM {table}" + (f" WHERE {' AND '.join(where)}" if where else "")
        with db.atomic():
            removed += db.execute(sql, args).rowcount
    return removed


def ported_keys(db: Any, host: str) -> list[str]:
    """The ``host:port`` keys stored for a bare ``host`` (:func:`~toolguard_core.learned.learned_host`):
    what ``toolguard learned forget --host HOST`` points to when it matched nothing. The run report,
    the summary and mitmdump's lines name the upstream by its host alone, so the key with the port
    was not guessed: the walkthrough's ``--host 127.0.0.1`` forgot 0 rows learned from
    127.0.0.1:38911."""
    host = host_argument(host)
    if has_port(host):
        return []
    keys: set[str] = set()
    for table in MERGE_KEYS:
        keys.update(
            row[0]
            for row in db.execute(
                f"SELECT DISTINCT host FROM {table} WHERE host LIKE ?", [f"{host}:%"]
            ).fetchall()
        )
    return sorted(keys)


def export_learned(db: sqlite_utils.Database) -> dict[str, Any]:
    listed = list_learned(db)
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, **listed}


class ImportError_(ValueError):
    """The file is not a toolguard learned export."""


def import_learned(db: sqlite_utils.Database, data: Any) -> tuple[int, int]:
    """Merge an export into ``db``; idempotent. Returns (constraints, calibration rows) in the file."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ImportError_(f"not a toolguard learned export (format must be {EXPORT_FORMAT!r})")
    if data.get("version") != EXPORT_VERSION:
        raise ImportError_(f"unsupported export version {data.get('version')!r} (expected {EXPORT_VERSION})")
    constraints = data.get("constraints") or []
    calibration = data.get("calibration") or []
    for name, entries in (("constraints", constraints), ("calibration", calibration)):
        if not isinstance(entries, list):  # a string was iterated: "an entry is not an object: 'n'"
            raise ImportError_(f"{name} is not a list: {type(entries).__name__}")
    with db.atomic():
        for item in constraints:
            row = _row(item, LEARNED_COLUMNS, required=("host", "kind", "error_text", "first_flow"))
            row["host"] = str(row["host"]).lower()
            row["source"] = "imported"
            row["rule"] = row.get("rule") or learned_rule(row["kind"])
            row["first_seen"] = row.get("first_seen") or row.get("last_seen") or ""
            row["last_seen"] = row.get("last_seen") or row["first_seen"]
            row["count"] = int(row.get("count") or 1)
            _merge(db, "learned", row, ("host", "model", "kind", "name", "value"), "count")
        for item in calibration:
            row = _row(item, CALIBRATION_COLUMNS, required=("rule", "host", "first_flow"))
            row["host"] = str(row["host"]).lower()
            row["source"] = "imported"
            row["last_flow"] = row.get("last_flow") or row["first_flow"]
            row["first_seen"] = row.get("first_seen") or row.get("last_seen") or ""
            row["last_seen"] = row.get("last_seen") or row["first_seen"]
            row["accepted"] = int(row.get("accepted") or 0)
            _merge(db, "rule_calibration", row, ("rule", "host", "model"), "accepted")
    return len(constraints), len(calibration)


#: Per learned table: its key and the counter two copies of one row are merged on.
MERGE_KEYS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "learned": (("host", "model", "kind", "name", "value"), "count", LEARNED_COLUMNS),
    "rule_calibration": (("rule", "host", "model"), "accepted", CALIBRATION_COLUMNS),
}


def rekey_ported_hosts(db: Any) -> int:
    """Move rows learned before the ninth session under a bare host to the key they have now.

    Since then a row is keyed by :func:`~toolguard_core.learned.learned_host`, ``host:port`` when the
    port is not the scheme's own; one learned earlier from ``localhost:8080`` stays under
    ``localhost`` and is never applied. Its ``first_flow``, when that flow is stored, names the port
    and scheme it came from: the row moves there, merged with a row already learned under that key the
    way an import merges (:func:`merge_rows`: larger count, earliest first and latest last sighting).
    A row whose first flow is gone, or was on the scheme's own port, stays as it was. Idempotent (a
    moved row's host has its port), so the PostgreSQL store runs it at every schema check and SQLite
    once, as migration m012_learned_host_ports.

    ``db``: anything with sqlite-utils' ``execute(sql, params)`` (``?`` placeholders), a SQLite file or
    PostgreSQL (:func:`toolguard_core.pgstore.ensure_schema`). Returns the rows moved."""
    moved = 0
    for table, (key, _, columns) in MERGE_KEYS.items():
        cursor = db.execute(
            f"SELECT t.*, f.port AS flow_port, f.scheme AS flow_scheme FROM {table} AS t "
            "JOIN flow_rows AS f ON f.id = t.first_flow "
            "WHERE t.host NOT LIKE '%:%' AND lower(f.host) = t.host AND f.port IS NOT NULL",
            [],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
        for row in rows:
            host = learned_host(row["host"], int(row["flow_port"]), row["flow_scheme"])
            if host == row["host"]:
                continue  # the scheme's own port: the bare host is its key still
            where = " AND ".join(f"{k} = ?" for k in key)
            db.execute(f"DELETE FROM {table} WHERE {where}", [row[k] for k in key])
            merge_rows(db, table, [{**{c: row[c] for c in columns if c in row}, "host": host}])
            moved += 1
    return moved


def merge_rows(db: sqlite_utils.Database, table: str, rows: Iterable[dict[str, Any]]) -> int:
    """Merge rows of another database's ``learned`` or ``rule_calibration`` table into ``db`` (``toolguard
    merge``), the way an import merges: a new key is inserted as it was (its ``source`` kept), a key
    both have gets the larger count, the earliest first and latest last sighting and the earliest
    demotion. Idempotent: merging the same rows again changes nothing. Returns the rows that changed."""
    key, counter, columns = MERGE_KEYS[table]
    where = " AND ".join(f"{k} = ?" for k in key)
    changed = 0
    for item in rows:
        row = {c: item[c] for c in columns if c in item}
        for column in ("model", "name", "value"):
            if column in row and row[column] is None:
                row[column] = ""
        if any(row.get(k) is None for k in key):
            continue  # not a row this schema can hold
        before = db.execute(f"SELECT * FROM {table} WHERE {where}", [row[k] for k in key]).fetchone()
        _merge(db, table, row, key, counter)
        after = db.execute(f"SELECT * FROM {table} WHERE {where}", [row[k] for k in key]).fetchone()
        changed += tuple(before or ()) != tuple(after or ())
    return changed


def _row(item: Any, columns: tuple[str, ...], *, required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ImportError_(f"an entry is not an object: {item!r}")
    missing = [c for c in required if not item.get(c)]
    if missing:
        raise ImportError_(f"an entry lacks {', '.join(missing)}: {item!r}")
    row = {c: item.get(c) for c in columns}
    for column in ("model", "name", "value"):
        if column in row and row[column] is None:
            row[column] = ""
    return row


def _merge(
    db: sqlite_utils.Database, table: str, row: dict[str, Any], key: tuple[str, ...], counter: str
) -> None:
    """Insert ``row``, or merge it into the row with its key (:func:`merge_values`), so one file
    imported twice changes nothing. An observed row stays observed."""
    where = " AND ".join(f"{k} = ?" for k in key)
    existing = db.execute(f"SELECT * FROM {table} WHERE {where}", [row[k] for k in key]).fetchone()
    if existing is None:
        columns = list(row)
        db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [row[c] for c in columns],
        )
        return
    names = [d[0] for d in db.execute(f"SELECT * FROM {table} LIMIT 0").description]
    merged = merge_values(table, dict(zip(names, existing, strict=True)), row)
    sets = ", ".join(f"{k} = ?" for k in merged)
    db.execute(f"UPDATE {table} SET {sets} WHERE {where}", [*merged.values(), *(row[k] for k in key)])


def merged_fields(table: str) -> tuple[str, ...]:
    """The columns two copies of one learned row are merged on (:func:`merge_values`); the rest of a
    row stays as it was first stored. Their values are the row's whole merge state: two copies that
    agree on them merge into no change (the PostgreSQL syncer compares them to know what to send)."""
    _, counter, _ = MERGE_KEYS[table]
    return (counter, "first_seen", "last_seen", *(("demoted_at",) if table == "rule_calibration" else ()))


def merge_values(table: str, current: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """The merged values of :func:`merged_fields` for two copies of one row: the larger count, the
    earliest first and latest last sighting ('' is "not seen" and loses to any time) and the
    earliest demotion. Commutative, associative and idempotent, so copies merged in any order, any
    number of times, end equal. pgstore._merge_action says the same in PostgreSQL's SQL."""
    _, counter, _ = MERGE_KEYS[table]
    merged: dict[str, Any] = {
        counter: max(int(current.get(counter) or 0), int(incoming.get(counter) or 0)),
        "first_seen": min(filter(None, (current.get("first_seen"), incoming.get("first_seen"))), default=""),
        "last_seen": max(filter(None, (current.get("last_seen"), incoming.get("last_seen"))), default=""),
    }
    if table == "rule_calibration":
        dates = [d for d in (current.get("demoted_at"), incoming.get("demoted_at")) if d]
        merged["demoted_at"] = min(dates) if dates else None
    return merged


def rekey_ipv6_hosts(db: Any) -> int:
    """Move rows learned before the eleventh session from an IPv6 host to its bracketed key.

    :func:`~toolguard_core.upstreams.learned_host` wrote ``::1:8080`` for ``[::1]:8080`` (and ``::1``
    for ``[::1]``), which is itself a valid IPv6 address: what was printed could not be told from a
    host without a port, and ``--host [::1]:8080`` matched nothing. A row whose first flow is stored
    takes that flow's key; one whose flow is gone is read as the old function wrote it
    (:func:`legacy_ipv6_key`). Merged with a row already under the new key the way an import merges.
    Idempotent (a bracketed key is not selected again): SQLite runs it once, as migration
    m015_bracketed_ipv6_hosts; the PostgreSQL store at every schema check, like
    :func:`rekey_ported_hosts`. Returns the rows moved."""
    moved = 0
    for table, (key, _, columns) in MERGE_KEYS.items():
        # replace()/substr(): a colon in a key not starting with '[' (no LIKE: a literal % is a
        # placeholder to psycopg).
        cursor = db.execute(
            f"SELECT t.*, f.host AS flow_host, f.port AS flow_port, f.scheme AS flow_scheme FROM {table} AS t "
            "LEFT JOIN flow_rows AS f ON f.id = t.first_flow "
            "WHERE replace(t.host, ':', '') <> t.host AND substr(t.host, 1, 1) <> '['",
            [],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
        for row in rows:
            if row["flow_host"]:
                port = int(row["flow_port"]) if row["flow_port"] is not None else None
                host = learned_host(row["flow_host"], port, row["flow_scheme"])
            else:
                host = legacy_ipv6_key(row["host"])
            if host == row["host"]:
                continue
            where = " AND ".join(f"{k} = ?" for k in key)
            db.execute(f"DELETE FROM {table} WHERE {where}", [row[k] for k in key])
            merge_rows(db, table, [{**{c: row[c] for c in columns if c in row}, "host": host}])
            moved += 1
    return moved


def legacy_ipv6_key(key: str) -> str:
    """A key the tenth session's :func:`learned_host` made for an IPv6 host, bracketed: ``::1:8080`` ->
    ``[::1]:8080``, ``fe80::1`` -> ``[fe80::1]``. That form is ambiguous (``::1:8080`` is also an
    address): a last group of decimal digits after a valid address is read as the port, since a port
    was written only when it was not the scheme's own, and local servers (``::1:8080``) are where
    IPv6 upstreams are met. A key that is no IPv6 form is returned unchanged."""
    head, _, tail = key.rpartition(":")
    if tail.isdecimal() and int(tail) <= 65535 and _is_ipv6(head):  # "²" isdigit, int() refuses it
        return f"[{head}]:{tail}"
    return f"[{key}]" if _is_ipv6(key) else key


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True
