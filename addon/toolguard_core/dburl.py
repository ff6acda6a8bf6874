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
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from platformdirs import user_data_path

#: The environment variable naming the default database (the addon's ``toolguard_db`` and every
#: command's ``--db`` default to it).
DB_ENV = "TOOLGUARD_DB"
URL_SCHEMES = ("postgresql://", "postgres://")
#: libpq takes a password in the query string as well as in the userinfo ("Connection URIs":
#: https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS, any keyword of
#: the parameter list, and `password`/`sslpassword` are two of them): both are masked.
SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})


def is_postgres_url(value: str | os.PathLike[str] | None) -> bool:
    return isinstance(value, str) and value.lower().startswith(URL_SCHEMES)


def redact_url(url: str) -> str:
    """The URL without its password, for logs, the summary's ``databases`` and file names."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key.lower() in SECRET_QUERY_KEYS for key, _ in query):
        masked = [(key, "***" if key.lower() in SECRET_QUERY_KEYS else value) for key, value in query]
        parts = parts._replace(query=urlencode(masked, safe="*"))
    if parts.password is not None:
        user, host = parts.netloc.rsplit("@", 1)
        parts = parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}")
    return urlunsplit(parts) if parts != urlsplit(url) else url


def command_url(url: str) -> str:
    """The URL for a command toolguard prints for the user to run: without any password (not masked,
    since a pasted ``***`` would be sent as the password), so libpq takes it from ``PGPASSWORD`` or
    ``~/.pgpass``. Works on a URL :func:`redact_url` already masked."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in query if key.lower() not in SECRET_QUERY_KEYS]
    if len(kept) != len(query):
        parts = parts._replace(query=urlencode(kept))
    if parts.password is not None:
        user, host = parts.netloc.rsplit("@", 1)
        parts = parts._replace(netloc=f"{user.split(':', 1)[0]}@{host}")
    return urlunsplit(parts) if parts != urlsplit(url) else url


def label(source: str | os.PathLike[str]) -> str:
    """How a database is named in output: a PostgreSQL URL without its password."""
    return redact_url(str(source)) if is_postgres_url(source) else str(source)


def spool_path_for(url: str, beside: Path | None = None) -> Path:
    """The local SQLite spool of a proxy writing to ``url``: beside the default database, named
    after the target (host, port, database; a digest keeps two targets on one host apart)."""
    parts = urlsplit(redact_url(url))
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{parts.hostname or 'local'}_{parts.port or 5432}{parts.path}")
    digest = hashlib.sha256(redact_url(url).encode()).hexdigest()[:8]
    directory = beside if beside is not None else default_db_path().parent
    return directory / f"spool-{name.strip('_')}-{digest}.db"


def default_db_path() -> Path:
    """``$TOOLGUARD_DB``, else the per-user data dir (``~/.local/share/toolguard/toolguard.db`` on Linux).
    Here, not in the store: every command's ``--help`` names it, and the store's import (the rules
    and the causes catalogue) is most of a command's start-up time."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return user_data_path("toolguard", appauthor=False) / "toolguard.db"


#: The names SQLite opens without a file: ``:memory:`` and ``""`` (a private temporary database,
#: https://www.sqlite.org/inmemorydb.html).
MEMORY_NAMES = frozenset({":memory:", ""})


def is_sqlite_uri(name: str | os.PathLike[str]) -> bool:
    """Whether SQLite reads ``name`` as a URI filename (https://www.sqlite.org/uri.html): Python's
    sqlite3 passes one through with ``uri=True``, and Debian's SQLite (built with SQLITE_USE_URI)
    takes a ``file:`` name as a URI even without it."""
    return os.fspath(name).startswith("file:")


def sqlite_file(name: str | os.PathLike[str]) -> Path | None:
    """The file SQLite opens for ``name``, or None for an in-memory database (``:memory:``, ``""``,
    ``file::memory:``, a ``file:`` URI with ``mode=memory``): what toolguard creates with private
    permissions, locks while migrating and watches for replacement. A ``file:`` URI names the file
    in its path (``file:data.db?mode=rwc`` is ``data.db``, not a file called ``file:data.db?...``)."""
    text = os.fspath(name)
    if text in MEMORY_NAMES:
        return None
    if not is_sqlite_uri(text):
        return Path(text)
    parts = urlsplit(text)
    if "memory" in parse_qs(parts.query).get("mode", []) or parts.path in MEMORY_NAMES:
        return None
    return Path(unquote(parts.path))


def pg_sql(statement: str) -> str:
    """SQL written for both stores (``?`` placeholders, as sqlite3 takes them) as psycopg takes it:
    ``%s`` placeholders, a literal ``%`` doubled."""
    return statement.replace("%", "%%").replace("?", "%s")
