"""The ``repairs`` rows as readers see them: the bodies stored once (m010_repair_patches) expanded per
flow with toolguard_core.repair_rows.expand, the rows kept in the order the query gave them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from toolguard_core import repair_rows


def expanded_repairs(
    db: sqlite_utils.Database | str | Path, order_by: str = "flow_id, idx"
) -> list[dict[str, Any]]:
    database = db if isinstance(db, sqlite_utils.Database) else sqlite_utils.Database(db)
    rows = list(database["repairs"].rows_where(order_by=order_by))
    whole: dict[tuple[Any, Any], dict[str, Any]] = {}
    for flow_id in dict.fromkeys(r["flow_id"] for r in rows):
        mine = sorted((r for r in rows if r["flow_id"] == flow_id), key=lambda r: r["idx"])
        whole.update({(r["flow_id"], r["idx"]): r for r in repair_rows.expand(mine)})
    return [whole[(r["flow_id"], r["idx"])] for r in rows]
