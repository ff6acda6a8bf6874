"""Secrets never reach disk or logs: header, query-string and body redaction.

The addon collects the secret *values* a request carries (bearer tokens, api keys, cookies, key-like
query parameters) and scrubs them from every text it stores, so a key echoed back in an error body
("Incorrect API key provided: sk-...") is caught too. Generic key shapes are scrubbed as a second net.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[REDACTED]"

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "cookie",
        "set-cookie",
        "x-goog-api-key",
        "anthropic-api-key",
        "x-auth-token",
        "x-amz-security-token",
        "ocp-apim-subscription-key",
    }
)

# Query parameters that carry credentials (Gemini's `key=`, signed URLs, OAuth codes, ...).
_SECRET_QUERY_NAME = re.compile(
    r"(^|[_\-.])(key|apikey|api_key|token|access_token|secret|sig|signature|password|passwd|pwd|auth|"
    r"credential|credentials|code|session)([_\-.]|$)",
    re.IGNORECASE,
)

# Key shapes from the providers toolguard knows (OpenAI sk-, sk-proj-, OpenRouter sk-or-, Groq gsk_,
# Google AIza, Anthropic sk-ant-, xAI xai-, W&B/HF-style long hex is too generic to catch here).
_KEY_SHAPES = re.compile(
    r"\b(?:sk-[A-Za-z0-9_\-]{16,}|gsk_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_\-]{30,}|xai-[A-Za-z0-9]{20,}"
    r"|hf_[A-Za-z0-9]{20,})"
)
_KEY_PREFIXES = ("sk-", "gsk_", "AIza", "xai-", "hf_")
# A token must contain a digit: real tokens do, while prose ("basic functionality", "a bearer
# instrument") would otherwise be mangled in the stored request.
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+(?=[A-Za-z._~+/=\-]*\d)[A-Za-z0-9._~+/=\-]{8,}")

# Values shorter than this are not scrubbed from bodies: replacing "abc" everywhere would mangle text.
_MIN_SECRET_LENGTH = 8


def is_secret_query_name(name: str) -> bool:
    return bool(_SECRET_QUERY_NAME.search(name))


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a dict with lower-cased names; secret values replaced, repeated names joined."""
    result: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        shown = REDACTED if key in SECRET_HEADERS else value
        result[key] = f"{result[key]}, {shown}" if key in result else shown
    return result


def redact_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if is_secret_query_name(k) else v) for k, v in pairs], safe="[]")


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:  # credentials in the authority (https://user:pass@host)
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    return urlunsplit((parts.scheme, netloc, parts.path, redact_query(parts.query), parts.fragment))


def secret_values(headers: Iterable[tuple[str, str]], query: str = "") -> list[str]:
    """The literal secrets a request carries, longest first, for :func:`scrub`."""
    found: set[str] = set()
    for name, value in headers:
        if name.lower() not in SECRET_HEADERS or not value:
            continue
        found.add(value)
        scheme, _, token = value.partition(" ")
        if token and scheme.lower() in ("bearer", "basic", "token"):
            found.add(token.strip())
        for part in re.split(r"[;,]\s*", value):  # cookies: name=value pairs
            if "=" in part:
                found.add(part.split("=", 1)[1])
    for name, value in parse_qsl(query, keep_blank_values=True):
        if is_secret_query_name(name) and value:
            found.add(value)
    return sorted((s for s in found if len(s) >= _MIN_SECRET_LENGTH), key=len, reverse=True)


def scrub(text: str | None, secrets: Iterable[str] = ()) -> str | None:
    """Replace the given secret values and anything shaped like a provider key."""
    if not text:
        return text
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    # The regexes scan slowly (one is case-insensitive); plain substring tests over a 100 KB body
    # are an order of magnitude cheaper and rule them out almost always.
    lowered = text.lower()
    if "bearer" in lowered or "basic" in lowered:
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    if any(prefix in text for prefix in _KEY_PREFIXES):
        text = _KEY_SHAPES.sub(REDACTED, text)
    return text
