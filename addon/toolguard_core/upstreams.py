"""How an upstream is named and what it taught is keyed: ``host`` or ``host:port`` (the key of the
``learned`` and ``rule_calibration`` rows, and the name every report prints), and a learned
constraint's rule id and listing.

Light (the standard library and :mod:`toolguard_core.redact`, for a key-shaped host label): ``toolguard learned list|forget|export`` and the
summary's ``--host`` filter use these without loading what :mod:`toolguard_core.learned` needs to
check requests (the causes catalogue and the rules: most of a command's start-up time,
docs/benchmarks.md "CLI start-up"). :mod:`toolguard_core.learned` re-exports them.
"""

from __future__ import annotations

import ipaddress

from toolguard_core.redact import redact_host

#: Every learned finding's rule id starts with this (``learned.param``, ``learned.role`` ...).
LEARNED_PREFIX = "learned."


def learned_rule(kind: str) -> str:
    """The rule id of a learned constraint of ``kind``: ``learned.param``, ``learned.message-field`` ..."""
    return LEARNED_PREFIX + kind.replace("_", "-")


def listed(kind: str, name: str | None, value: str | None) -> str:
    """A learned row's constraint in ``toolguard learned list``: ``name=value``, or for the kinds whose
    value is no value of the key, what it is (the container, the role, the id shape)."""
    name, value = name or "", value or ""
    match kind:
        case "schema_keyword":
            return f"{name} in {value or 'any schema'}"
        case "id_format":
            return f"{name} shaped {value}"
        case "missing_field":
            return f"{name} missing on a replayed call"
        case "content_type" | "message_field" if value:
            return f"{name} on {value} messages"
        case "engine":  # toolguard_core.engines: the server an answer's own text named
            return f"{name} (quoted by {value})" if value else name
        case "gateway":
            return f"{name} forwarding to {value}" if value else f"{name} (forwarding to an unnamed upstream)"
    return name + (f"={value}" if value else "")


def is_learned(rule: str) -> bool:
    return rule.startswith(LEARNED_PREFIX)


#: The port a scheme implies: a host on it is keyed by its name alone.
_DEFAULT_PORTS = {"https": 443, "http": 80, "wss": 443, "ws": 80}


def authority_host(host: str) -> str:
    """``host`` as a URI's authority writes it (RFC 3986 section 3.2.2): lower case, an IPv6 literal
    in brackets (``::1`` -> ``[::1]``), so the port that follows is not read as one more group
    (``::1:8080`` is a valid IPv6 address). mitmproxy gives IPv6 hosts without brackets. A label
    shaped like an API key (a relay taking the key as a subdomain) is ``[REDACTED]``
    (redact.redact_host): every report and log line names an upstream through here."""
    name = redact_host(host.lower())
    return f"[{name}]" if ":" in name and not name.startswith("[") else name


def learned_host(host: str, port: int | None = None, scheme: str | None = None) -> str:
    """The key what a host taught is kept under: its name, and its port when that is not the scheme's
    own. Two servers on one machine are two upstreams (llama.cpp on localhost:8080 refusing what vLLM on
    localhost:8000 accepts), so a refusal learned from one must not flag requests to the other. An IPv6
    host is bracketed (:func:`authority_host`): ``[::1]:8080``."""
    name = authority_host(host)
    if port is None or _DEFAULT_PORTS.get((scheme or "").lower()) == port:
        return name
    return f"{name}:{port}"


#: How every report names an upstream (run report, summary, ``toolguard show``, the proxy's log and
#: stats, Datasette): the key its learned constraints are kept under, so ``toolguard learned forget
#: --host`` takes the name a report printed, and vLLM on 127.0.0.1:8000 and Ollama on
#: 127.0.0.1:11434 are two upstreams wherever a user reads them.
upstream_name = learned_host


def _default_port_sql(port: str, scheme: str) -> str:
    """SQL: ``port`` is its ``scheme``'s own (:data:`_DEFAULT_PORTS`), so the name leaves it out."""
    return " OR ".join(
        f"(lower({scheme}) = '{name}' AND {port} = {number})" for name, number in _DEFAULT_PORTS.items()
    )


def upstream_name_sql(host: str = "host", port: str = "port", scheme: str = "scheme") -> str:
    """:func:`upstream_name` as an SQL expression over the columns ``host``, ``port`` and ``scheme``
    (the same text in SQLite and PostgreSQL), for reports that group or list hosts in SQL. Built from
    :data:`_DEFAULT_PORTS`, so the two cannot drift; NULL when ``host`` is."""
    return (
        f"({upstream_host_sql(host)} || CASE WHEN {port} IS NULL OR {_default_port_sql(port, scheme)} "
        f"THEN '' ELSE ':' || CAST({port} AS TEXT) END)"
    )


def upstream_host_sql(host: str = "host") -> str:
    """:func:`authority_host` in SQL: a host with a colon not already bracketed is an IPv6 literal.
    replace() and substr(), not LIKE '%:%' (a literal % is a placeholder to psycopg) or instr()
    (SQLite only)."""
    return (
        f"(CASE WHEN replace({host}, ':', '') <> {host} AND substr({host}, 1, 1) <> '[' "
        f"THEN '[' || lower({host}) || ']' ELSE lower({host}) END)"
    )


def host_argument(text: str) -> str:
    """A ``--host`` value as the reports print names: lower case, and a bare IPv6 address (``::1``,
    what a user may type for ``[::1]``) bracketed. ``::1:8080`` is itself a valid address, so a port
    after an IPv6 host must be given in the printed form, ``[::1]:8080``."""
    name = text.strip().lower()
    if name.startswith("[") or ":" not in name:
        return name
    try:
        ipaddress.IPv6Address(name)
    except ValueError:
        return name  # host:port
    return f"[{name}]"


def has_port(name: str) -> bool:
    """Whether an upstream name (:func:`learned_host`'s form) carries a port: ``[::1]`` has none."""
    return "]:" in name if name.startswith("[") else ":" in name


def upstream_sort_key(name: str) -> tuple[str, int, str]:
    """How lists of upstream names sort (the run report's and the summary's host lists, ties between
    equal counts, ``learned list``): by host, then numerically by port, the host alone (the scheme's
    own port) first: ``host``, ``host:8080``, ``host:10000`` (as text, ``host:10000`` came first)."""
    if name.startswith("["):  # [v6] or [v6]:port
        host, _, rest = name.partition("]")
        host, port = host + "]", rest.removeprefix(":")
    elif name.count(":") == 1:
        host, _, port = name.partition(":")
    else:  # a bare name (or an unbracketed IPv6 literal from an older row): no port
        host, port = name, ""
    # isdecimal, not isdigit: "²" is a digit int() refuses (a Host header is the client's to write).
    return (host, int(port) if port.isdecimal() else -1, name)


def upstream_order_sql(host: str = "host", port: str = "port", scheme: str = "scheme") -> str:
    """:func:`upstream_sort_key` over the columns :func:`upstream_name_sql` reads, for reports that
    order and limit host lists in SQL: the port when the name shows it, else -1 (a ``min()`` of it per
    name is that value: the name determines it). Sort by :func:`upstream_host_sql`, then this."""
    return f"(CASE WHEN {port} IS NULL OR {_default_port_sql(port, scheme)} THEN -1 ELSE {port} END)"
