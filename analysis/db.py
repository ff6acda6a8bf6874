"""Reading capture databases (the ``flows`` and ``findings`` tables of docs/schema.md) read-only,
with the summary's filters applied in SQL (time, host, model) and in Python (client)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolguard_analysis.clients import headers as _headers
from toolguard_analysis.clients import parse_client

FLOW_COLUMNS = (
    "id, datetime_utc, host, path, provider, client, model, status, error_message, error_type, error_code, "
    "error_param, error_provider, error_json, verdict, request_json, request_headers_json, flow_error"
)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def load(
    paths: Sequence[Path],
    since: str | None = None,
    until: str | None = None,
    host: str | None = None,
    client: str | None = None,
    model: str | None = None,
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Flows (deduplicated by id across databases, first database wins) and their findings."""
    flows: dict[str, dict[str, Any]] = {}
    findings: dict[str, list[dict[str, Any]]] = {}
    where: list[str] = []
    args: list[Any] = []
    if since:
        where.append("datetime_utc >= ?")
        args.append(since)
    if until:
        where.append("datetime_utc < ?")
        args.append(until)
    if host:
        where.append("lower(coalesce(host, '')) like ?")
        args.append(f"%{host.lower()}%")
    if model:
        where.append("lower(coalesce(model, '')) like ?")
        args.append(f"%{model.lower()}%")
    sql = f"select {FLOW_COLUMNS} from flows" + (f" where {' and '.join(where)}" if where else "")
    for path in paths:
        conn = _connect_readonly(path)
        try:
            for row in conn.execute(sql + " order by datetime_utc", args):
                flow = dict(row)
                if flow["id"] in flows:
                    continue
                flow["client_name"] = parse_client(
                    flow.get("client"), _headers(flow.get("request_headers_json"))
                )
                if (
                    client
                    and client.lower() not in f"{flow['client_name']} {flow.get('client') or ''}".lower()
                ):
                    continue
                flows[flow["id"]] = flow
            for row in conn.execute(
                "select flow_id, idx, rule, severity, location, message from findings order by flow_id, idx"
            ):
                if row["flow_id"] in flows and row["flow_id"] not in findings:
                    findings[row["flow_id"]] = []
                if row["flow_id"] in findings and not any(
                    f["idx"] == row["idx"] for f in findings[row["flow_id"]]
                ):
                    findings[row["flow_id"]].append(dict(row))
        finally:
            conn.close()
    return list(flows.values()), findings


def load_repairs(paths: Sequence[Path], flows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``repairs`` rows (docs/schema.md) of the given flows, each with its flow's ``verdict``;
    databases written before repair mode existed have no such table and give nothing."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for path in paths:
        conn = _connect_readonly(path)
        try:
            exists = conn.execute("select 1 from sqlite_master where type = 'table' and name = 'repairs'")
            if exists.fetchone() is None:
                continue
            for row in conn.execute(
                "select flow_id, idx, rule, family, location, applied from repairs order by flow_id, idx"
            ):
                key = (row["flow_id"], row["idx"])
                if row["flow_id"] in flows and key not in seen:
                    seen.add(key)
                    rows.append({**dict(row), "verdict": flows[row["flow_id"]].get("verdict")})
        finally:
            conn.close()
    return rows
