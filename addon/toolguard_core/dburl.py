"""Which database a ``--db``/``toolguard_db`` value names: a SQLite file, or a PostgreSQL URL.

Kept apart from :mod:`toolguard_core.pgstore` so that telling them apart (and naming a URL without
its password) never imports the PostgreSQL driver: the addon and the summary load it only when a
``postgresql://`` URL is actually given.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

URL_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(value: str | os.PathLike[str] | None) -> bool:
    return isinstance(value, str) and value.lower().startswith(URL_SCHEMES)


def redact_url(url: str) -> str:
    """The URL without its password, for logs, the summary's ``databases`` and file names."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, host = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}"))


def label(source: str | os.PathLike[str]) -> str:
    """How a database is named in output: a PostgreSQL URL without its password."""
    return redact_url(str(source)) if is_postgres_url(source) else str(source)


def spool_path_for(url: str, beside: Path | None = None) -> Path:
    """The local SQLite spool of a proxy writing to ``url``: beside the default database, named
    after the target (host, port, database; a digest keeps two targets on one host apart)."""
    parts = urlsplit(redact_url(url))
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{parts.hostname or 'local'}_{parts.port or 5432}{parts.path}")
    digest = hashlib.sha256(redact_url(url).encode()).hexdigest()[:8]
    # Imported here: the store pulls in sqlite-utils (and click), which the summary library must not.
    from toolguard_core.store import default_db_path

    directory = beside if beside is not None else default_db_path().parent
    return directory / f"spool-{name.strip('_')}-{digest}.db"
