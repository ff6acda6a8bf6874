"""What the summary groups a stored flow by, derived once from the row when it is written.

Issue #12 point 4: ``toolguard summary``, the HTML report and ``toolguard run``'s report aggregate in
SQL (``GROUP BY``) instead of loading every flow, so each row carries its grouping keys as columns
(migration ``m007_summary_columns``, docs/schema.md):

- ``client_name``: the client with its version and SDK (:func:`toolguard_core.clients.parse_client`);
- ``error_rules``: the rule ids of the flow's error-severity findings, space-separated, each once, in
  finding order (NULL when none): the per-rule precision tallies group by it without a join;
- for a rejection (:func:`toolguard_core.verdict.row_rejected`) only, NULL otherwise:
  ``fingerprint`` (the normalised error text's id), ``pattern`` (the rule that explains it),
  ``explanation`` (``predicted``/``recognised``/``unexplained``) and ``group_key`` (root cause + rule +
  fingerprint: one summary group);
- ``summary_version``: :func:`summary_version`, the normaliser version and a digest of the cause
  catalogue and rule wordings these values were computed with. A row with another value is stale:
  the summary says how many, and ``toolguard refingerprint`` (or ``toolguard reexplain``) recomputes them.

The store computes them on its writer thread (:func:`toolguard_core.store.write_rows`), never on
mitmproxy's event loop. :func:`derive` is pure; :func:`refresh_columns` recomputes stored rows over a
connection it is handed (the migration, ``toolguard refingerprint``, the summary's staging file).
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from enum import Enum
from re import Pattern
from typing import Any

from toolguard_core.clients import headers as parse_headers
from toolguard_core.clients import parse_client
from toolguard_core.fingerprint import NORMALISER_VERSION, fingerprint
from toolguard_core.patterns import EXTRA_WORDINGS, PREFERRED
from toolguard_core.verdict import (
    Answer,
    Judgement,
    error_text,
    judge,
    recognise_stored,
    rejection_verdict,
    row_rejected,
    verdict_of,
)

__all__ = [
    "COLUMNS",
    "SUMMARY_INDEX",
    "SUMMARY_INDEXES",
    "catalogue_digest",
    "credited_rule",
    "derive",
    "error_findings",
    "explanation",
    "fingerprint_text",
    "group_key",
    "refresh_columns",
    "stored_cause",
    "summary_version",
]

#: The derived columns, in the order :func:`derive` returns them.
COLUMNS: tuple[str, ...] = (
    "client_name",
    "error_rules",
    "fingerprint",
    "pattern",
    "explanation",
    "group_key",
    "summary_version",
)
#: Bump when :func:`derive` itself changes what it computes (the normaliser and the catalogues are
#: digested into :func:`summary_version` on their own).
DERIVATION = "d5"  # d2: the explanation is decided from both sides (verdict.rejection_verdict);
# d3: a recognised cause is named by the rule that predicts it (patterns.predicting_rule);
# d4: the findings' locations take part (verdict.judge: an answer naming another parameter contradicts
# them), and a group's rule is the fired rule credited with the rejection, never one that did not fire
# d5: an answer naming a request item by index (messages.3.user.name) credits the finding inside it
# (verdict.named_item), or leaves findings about top-level parameters unconfirmed


def fingerprint_text(row: Mapping[str, Any]) -> str:
    """What is fingerprinted: the flow's error text (:func:`toolguard_core.verdict.error_text`, the
    innermost provider message), else a stand-in naming the status.

    A gateway's own words say little ("Provider returned error" from OpenRouter, a LiteLLM
    "BadRequestError: ... Error code: 400 - {...}" wrapper): the provider's error nested inside
    (``error_json``'s ``upstream`` chain, see docs/errors.md) is what identifies the failure.
    """
    return _fingerprint_text(row, error_text(row.get("error_json"), row.get("error_message")))


def _fingerprint_text(row: Mapping[str, Any], text: str | None) -> str:
    """:func:`fingerprint_text`, given the row's error text (:func:`derive` has read it already:
    reading it parses ``error_json``, issue #12)."""
    if text:
        return text
    parts = [f"HTTP {row['status']}" if row.get("status") is not None else "no response"]
    if row.get("error_type"):
        parts.append(str(row["error_type"]))
    return " ".join(parts) + " (no error message)"


def stored_cause(
    row: Mapping[str, Any], error_rules: Sequence[str], *, causes_stored: bool = True
) -> dict[str, Any] | None:
    """The flow's root cause: its ``cause_json`` as written (the same record the verdict column was
    decided with, so the summary and the column agree; ``toolguard reexplain`` refreshes both), or,
    for a database written before root causes were stored (``causes_stored`` false), recognised now."""
    if causes_stored:
        try:
            cause = json.loads(row.get("cause_json") or "null")
        except ValueError:
            return None
        return cause if isinstance(cause, dict) and cause.get("cause") else None
    recognition = recognise_stored(
        row.get("error_json"),
        row.get("error_message"),
        provider=row.get("provider"),
        finding_rules=error_rules,
        status=row.get("status") if isinstance(row.get("status"), int) else None,
    )
    return recognition.summary() if recognition is not None else None


def explanation(
    error_rules: Sequence[str],
    cause: Mapping[str, Any] | None,
    text: str | None,
    *,
    locations: Sequence[str | None] = (),
) -> str:
    """``predicted``, ``recognised`` or ``unexplained``: the verdict column's decision
    (:func:`toolguard_core.verdict.rejection_verdict`, from both sides), made again so older rows
    read the same way. ``locations``: the error findings' locations, in finding order."""
    return rejection_verdict(error_rules, cause, text, locations=locations).value


def credited_rule(
    error_rules: Sequence[str],
    cause: Mapping[str, Any] | None,
    text: str | None,
    *,
    locations: Sequence[str | None] = (),
) -> str | None:
    """The rule a rejection's group is named by (the ``pattern`` column): the fired rule the answer
    confirms (:func:`toolguard_core.verdict.judge`), else none. A rule that did not fire on the flow
    never names its group, even when the text is its known wording or it predicts the root cause:
    ``toolguard show`` says which rule would have caught it."""
    return credited_by(judge(error_rules, cause, text, locations=locations))


def credited_by(judgement: Judgement | None) -> str | None:
    """:func:`credited_rule` from a :func:`judge` already made."""
    return judgement.rule if judgement is not None and judgement.answer == Answer.CONFIRMS else None


def error_findings(conn: Any, flow_ids: Sequence[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Each flow's error-severity findings as (rules, locations), in finding order, for the flows
    ``flow_ids`` (one query; ``conn``: anything whose ``execute`` takes ``?`` placeholders)."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    if not flow_ids:
        return found
    for flow_id, rule, location in conn.execute(
        f"SELECT flow_id, rule, location FROM findings WHERE severity = 'error' "
        f"AND flow_id IN ({', '.join('?' * len(flow_ids))}) ORDER BY flow_id, idx",
        list(flow_ids),
    ).fetchall():
        rules, locations = found.setdefault(flow_id, ([], []))
        rules.append(rule)
        locations.append(location)
    return found


def group_key(cause_id: str | None, pattern: str | None, fp: str) -> str:
    """A group's stable id (anchors in the HTML report): its root cause, its rule and its wording."""
    return hashlib.sha256(f"{cause_id or '-'}\n{pattern or '-'}\n{fp}".encode()).hexdigest()[:12]


def _plain(value: Any) -> Any:
    """A JSON-ready, address-free form of catalogue objects (dataclasses, enums, compiled patterns),
    so the digest is the same on every machine and run (``repr`` of a pattern is cut at 200 chars)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Pattern):
        return [value.pattern, value.flags]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, frozenset | set) else items
    return value


@functools.cache
def summary_version() -> str:
    """``n2.d1.3fa9c0d1``: the normaliser version, :data:`DERIVATION`, and a digest of the root-cause
    catalogue and of every wording a rule predicts (:func:`catalogue_digest`); any of them changing
    makes stored values stale.

    The digest is read from ``toolguard_core/catalogue_digest.py``, written by
    scripts/gen_causes_doc.py (its ``--check`` and tests/test_grouping_digest.py fail while it is not
    :func:`catalogue_digest`'s value): computing it loads the catalogue and the rules, about a second
    that ``toolguard summary`` over rows that already carry their causes does not otherwise spend."""
    from toolguard_core.catalogue_digest import CATALOGUE_DIGEST

    return f"{NORMALISER_VERSION}.{DERIVATION}.{CATALOGUE_DIGEST}"


def catalogue_digest() -> str:
    """The digest :func:`summary_version` ends with, computed from the root-cause catalogue (its causes
    and the structural readings, which name causes for texts no cause's own wording matches: a new
    reading changes what a stored rejection is named, so its rows are derived again), every wording a
    rule predicts and the extra and preferred wordings (toolguard_core.patterns)."""
    from toolguard_core.causes import CAUSES, HTML_PAGE_ANSWER, STRUCTURAL
    from toolguard_core.rules import RULES

    material = {
        "causes": _plain(CAUSES),
        "structural": _plain(STRUCTURAL),
        "html_page_answer": _plain(HTML_PAGE_ANSWER),
        "wordings": sorted([rule.id, p.provider, p.text] for rule in RULES.values() for p in rule.predicts),
        "extra": _plain(EXTRA_WORDINGS),
        "preferred": list(PREFERRED),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()[:8]


def derive(
    row: Mapping[str, Any],
    error_rules: Sequence[str],
    *,
    causes_stored: bool = True,
    locations: Sequence[str | None] = (),
) -> tuple[str | None, ...]:
    """The derived columns (:data:`COLUMNS`) of one stored row, given the rule ids of its
    error-severity findings in finding order and their ``locations`` (same order). Never raises: a
    row that cannot be derived keeps NULLs (and no version, so it reads as not derived)."""
    try:
        client = parse_client(row.get("client"), parse_headers(row.get("request_headers_json")))
        rules = " ".join(dict.fromkeys(error_rules)) or None
        if not row_rejected(row.get("verdict"), row.get("status"), row.get("error_message")):
            return (client, rules, None, None, None, None, summary_version())
        cause = stored_cause(row, error_rules, causes_stored=causes_stored)
        # Rules are matched against the same text that is fingerprinted: the innermost provider
        # message, so an OpenRouter-wrapped OpenAI error is explained by OpenAI's wording.
        text = error_text(row.get("error_json"), row.get("error_message"))
        # One judgement for both columns (explanation and credited_rule would each judge again: a
        # tenth of the writer's row, issue #12); the same pure function, so the same answers.
        judgement = judge(error_rules, cause, text, locations=locations)
        verdict = verdict_of(judgement, cause).value
        # Only the fired rule the answer confirms names the group (verdict.judge): a finding the answer
        # does not credit (a 429, or Gemini's "Unknown name" on a request flagged for an orphan tool
        # message) does not, and neither does a rule that did not fire on this flow (issue #10: a flow
        # never sits under a rule that did not fire on it).
        pattern = credited_by(judgement)
        fp = fingerprint(_fingerprint_text(row, text))
        # Keyed by root cause AND rule, not by the sentence alone: OpenAI answers an orphan tool
        # message and a duplicate tool answer with one sentence; the rule that fired tells them apart.
        key = group_key(cause["cause"] if cause else None, pattern, fp)
        return (client, rules, fp, pattern, verdict, key, summary_version())
    except Exception:  # defensive: a bug here must not cost the row (house rule: never break traffic)
        return (None,) * len(COLUMNS)


#: The columns of a rejection's summary tallies (toolguard_analysis.summary), indexed together.
SUMMARY_INDEX = (
    "group_key",
    "datetime_utc",
    "explanation",
    "verdict",
    "status",
    "client_name",
    "model",
    "host",
    # With the host, the port and scheme: the summary names an upstream host:port off the scheme's
    # default port (learned.upstream_name_sql), so two servers on one machine are two hosts.
    "port",
    "scheme",
    "error_provider",
    "provider",
    "client",
)
#: The columns the summary's filters read (``--since``/``--until``, ``--host`` (host:port), ``--model``,
#: ``--client``: the parsed name or the raw User-Agent): in every covering index, so a filtered
#: summary reads no rows either.
FILTER_COLUMNS = ("datetime_utc", "host", "port", "scheme", "model", "client_name", "client")
#: Every index the summary's aggregates read (migration m007), by name: the tallies, the verdict and
#: stale-row counts, the per-rule counts. Named, because the names sqlite-utils derives from so many
#: columns pass PostgreSQL's 63-character identifier limit (which would cut them).
SUMMARY_INDEXES: dict[str, tuple[str, ...]] = {
    "idx_flows_summary": SUMMARY_INDEX,
    "idx_flows_summary_versions": ("summary_version", "verdict", *FILTER_COLUMNS),
    "idx_flows_summary_rules": ("verdict", "error_rules", *FILTER_COLUMNS),
}

#: The columns :func:`derive` reads, and how many rows the backfill holds at once.
_DERIVE_READS = (
    "id, verdict, status, error_message, error_type, error_json, provider, cause_json, client, "
    "request_headers_json"
)
REFRESH_BATCH = 2000


def refresh_columns(
    conn: Any,
    *,
    stale_only: bool = False,
    only_missing: bool = False,
    table: str = "flows",
    key: str = "rowid",
    batch_rows: int | None = None,
    after_batch: Callable[[int], None] | None = None,
    ids: Sequence[str] | None = None,
) -> int:
    """Recompute the summary columns (:data:`COLUMNS`) of stored rows with this
    toolguard's normaliser and catalogues, in batches of :data:`REFRESH_BATCH` rows (memory stays
    bounded on a database of millions). ``stale_only``: only rows not derived with the current
    :func:`summary_version`; ``only_missing``: only rows never derived (NULL
    version). ``table``: where the rows are (``flow_rows`` since m008_content_dedup: the ``flows`` view
    has no rowid to page by or update through). ``conn``: a sqlite3 connection, or anything with its
    ``execute(sql, params)`` taking ``?`` placeholders (the CLI's PostgreSQL database, paged by
    ``key="id"``: PostgreSQL has no rowid). Returns how many rows were recomputed. The caller owns the
    transaction; ``after_batch(rows)`` is called after each batch's updates (the migrations commit
    there, store.refresh_summary_columns_in_batches). ``ids``: only these flows (store.relabel_rows
    refreshes each batch's rows in the batch's transaction)."""
    current = summary_version()
    where = ""
    if only_missing:
        where, stale_only = "AND summary_version IS NULL", False
    elif stale_only:
        where = "AND (summary_version IS NULL OR summary_version != ?)"
    if ids is not None:
        if not ids:
            return 0
        where += f" AND id IN ({', '.join('?' * len(ids))})"
    done = 0
    last: Any = -1 if key == "rowid" else ""
    while True:
        rows = conn.execute(
            f"SELECT {key}, {_DERIVE_READS} FROM {table} WHERE {key} > ? {where} ORDER BY {key} LIMIT ?",
            [last, *([current] if stale_only else []), *(ids or ()), batch_rows or REFRESH_BATCH],
        ).fetchall()
        if not rows:
            return done
        last = rows[-1][0]
        names = ["_key", *(c.strip() for c in _DERIVE_READS.split(","))]
        batch = [dict(zip(names, row, strict=True)) for row in rows]
        errors = error_findings(conn, [r["id"] for r in batch])
        update = f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in COLUMNS)} WHERE {key} = ?"
        values = []
        for r in batch:
            rules, locations = errors.get(r["id"], ([], []))
            values.append((*derive(r, rules, locations=locations), r["_key"]))
        if isinstance(conn, sqlite3.Connection):
            conn.executemany(update, values)
        else:
            for row_values in values:
                conn.execute(update, row_values)
        done += len(batch)
        if after_batch is not None:
            after_batch(len(batch))
