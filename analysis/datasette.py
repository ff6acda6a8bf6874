"""The library behind ``toolguard datasette-metadata``: analysis/datasette.yml for any database file name.

Datasette keys metadata by database name, the file's stem; the shipped file describes ``toolguard``
(the default ``toolguard.db``). This renames its one database block for each given file, as text, so
the YAML file stays the single source (and toolguard needs no YAML library at run time).
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Sequence
from pathlib import Path

from toolguard_analysis.errors import BadParameter, ToolguardError
from toolguard_core.dburl import is_postgres_url, label

TEMPLATE_NAME = "toolguard"
_BLOCK_START = f"  {TEMPLATE_NAME}:\n"


def template() -> str:
    """The shipped metadata (package data of ``toolguard_analysis``)."""
    return importlib.resources.files("toolguard_analysis").joinpath("datasette.yml").read_text("utf-8")


def database_name(path: str | Path) -> str:
    """The name Datasette gives a database file: its stem (``capture.db`` -> ``capture``)."""
    return Path(path).stem


def metadata_for(paths: Sequence[str | Path], text: str | None = None) -> str:
    """The metadata with its database block repeated under each file's Datasette name."""
    text = template() if text is None else text
    head, marker, block = text.partition("\ndatabases:\n")
    if not marker or not block.startswith(_BLOCK_START):
        raise ToolguardError(f"the Datasette metadata template has no '{TEMPLATE_NAME}:' database block")
    body = block[len(_BLOCK_START) :]
    for path in paths:
        if is_postgres_url(path):
            # Datasette opens SQLite files only; a team's PostgreSQL store is read with its own tools.
            raise BadParameter(
                f"{label(path)}: Datasette reads SQLite files, not PostgreSQL; point a PostgreSQL "
                "dashboard (Grafana, Metabase) at the shared store instead (docs/deployment.md)",
                param="DATABASES",
            )
    names = [database_name(p) for p in paths] or [TEMPLATE_NAME]
    # A JSON string is a YAML string: any file name (spaces, colons, unicode) stays one key.
    blocks = "".join(f"  {json.dumps(name)}:\n{body}" for name in dict.fromkeys(names))
    return head + marker + blocks
