"""Secrets never reach disk or logs: header, query-string and body redaction.

The addon collects the secret *values* a request carries (bearer tokens, api keys, cookies, key-like
query parameters) and scrubs them from every text it stores, so a key echoed back in an error body
("Incorrect API key provided: sk-...") is caught too, in whichever encoding it comes back: raw,
percent-encoded, JSON-escaped or inside base64. Generic key shapes are scrubbed as a second net.

Which headers are credentials (the documented rule, docs/schema.md "What is stored"): a header whose
name is in :data:`SECRET_HEADERS` or matches one of :data:`CREDENTIAL_HEADER_GLOBS` (gateways invent
their own: ``Helicone-Auth``, ``X-Portkey-Api-Key``), or a glob given with the addon's
``toolguard_redact_headers`` option, or whose *value* looks like a credential (``Bearer ...``, a
provider key shape such as ``sk-...``).
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import functools
import json
import re
import shlex
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit, urlunsplit

import ahocorasick_rs

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

# Header names that carry credentials beyond the fixed list (shell-style, matched lower-cased).
CREDENTIAL_HEADER_GLOBS = (
    "*auth*",  # authorization, proxy-authorization, helicone-auth, x-auth-token, x-goog-user-auth ...
    "*-key",
    "*_key",
    "*api-key*",  # x-portkey-api-key, x-api-key-id
    "*apikey*",
    "*-token",
    "*_token",
    "*secret*",
    "*password*",
    "*cookie*",
    "*credential*",
    "*signature*",
)
# A header value that is a credential whatever the header's name: an auth scheme with a token.
_CREDENTIAL_VALUE = re.compile(r"(?i)^\s*(bearer|basic|token|digest|apikey|key)\s+\S{3,}")

# Query parameters that carry credentials (Gemini's `key=`, signed URLs, OAuth codes, ...).
_SECRET_QUERY_NAME = re.compile(
    r"(^|[_\-.])(key|apikey|api_key|token|access_token|secret|sig|signature|password|passwd|pwd|auth|"
    r"credential|credentials|code|session)([_\-.]|$)",
    re.IGNORECASE,
)

# Key shapes from the providers toolguard knows (OpenAI sk-, sk-proj-, sk-svcacct-, OpenRouter sk-or-,
# Groq gsk_, Google AIza, Anthropic sk-ant-, xAI xai-, Hugging Face hf_, and GitHub's tokens, which
# GitHub Models takes as its API key: ghp_/gho_/ghu_/ghs_/ghr_ + 36, github_pat_ + 82, per GitHub's
# "About authentication to GitHub" token prefixes. W&B-style long hex is too generic to catch here).
# A key starts at a word boundary or right after a percent sign and up to two characters, a valid
# escape or not (``key%3Dsk-...``, ``x%2Fsk-...`` in a URL echoed in a body: "D" and "s" are both
# word characters, so no boundary lies between them; ``%ZZsk-...``: an invalid escape a decoder
# leaves as it is, session 19).
_KEY_START = r"(?:\b|(?<=%[0-9A-Za-z]{2})|(?<=%[0-9A-Za-z]))"
_KEY_SHAPES = re.compile(
    _KEY_START
    + r"(?:sk-[A-Za-z0-9_\-]{16,}|gsk_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_\-]{30,}|xai-[A-Za-z0-9]{20,}"
    r"|hf_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"
)
_KEY_PREFIXES = ("sk-", "gsk_", "AIza", "xai-", "hf_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")
# In a URL's components (path segments, query values, fragment, host labels) two more shapes are
# secrets: an AWS access key id (AKIA + 16, or ASIA + 16 for an STS temporary one: AWS IAM's documented
# formats) and a JWT (a bearer token some gateways take in the path). In a stored body they may be
# content (an id_token a tool returns), so the net over every stored text keeps to the providers' key
# shapes above.
_URL_KEY_SHAPES = re.compile(
    _KEY_SHAPES.pattern
    + "|"
    + _KEY_START
    + r"(?:A[KS]IA[0-9A-Z]{16}|eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})"
)
_URL_KEY_PREFIXES = (*_KEY_PREFIXES, "AKIA", "ASIA", "eyJ")
# A host label that is a key (some relays take the key as a subdomain, ``<key>.relay.example``):
# hosts reach toolguard lower-cased (DNS is case-insensitive), so the shapes are matched ignoring
# case, and the label must hold a digit (real keys do; ``sk-hynix`` or ``task-force-...`` do not).
_HOST_KEY_LABEL = re.compile(rf"(?i)(?=[^.]*\d)(?:{_URL_KEY_SHAPES.pattern})")
_HOST_KEY_PREFIXES = tuple(sorted({p.lower() for p in _URL_KEY_PREFIXES}))
# A token must contain a digit: real tokens do, while prose ("basic functionality", "a bearer
# instrument") would otherwise be mangled in the stored request.
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+(?=[A-Za-z._~+/=\-]*\d)[A-Za-z0-9._~+/=\-]{8,}")

# Values shorter than this are scrubbed only as whole tokens: replacing "abc" inside words would
# mangle text. A short value is kept as a secret only when it came from a credential header.
_MIN_SECRET_LENGTH = 8
# Shorter than this even a credential header's value is not scrubbed (a "1" would erase every digit).
_MIN_SHORT_SECRET_LENGTH = 3
# A base64 run that may hide a key: decoded and searched for key shapes (bounded: long runs are
# images or files, and a key is short).
# Only texts up to this size are scanned for such runs: answers (stored up to 64 KB), error fields,
# headers. A 1 MB request body would cost ~150 ms of regex; its known secrets (in every encoding,
# base64 included) and raw key shapes are still scrubbed.
_BASE64_SCAN_MAX = 64 * 1024
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{20,400}={0,2}(?![A-Za-z0-9+/=_\-])")


def _base64_cores(prefixes: Iterable[str]) -> tuple[str, ...]:
    """For each key prefix and each of base64's three alignments, the longest run of characters its
    encoding has whatever bytes surround it (found by encoding it between zero bytes and between
    0xff bytes: a character that mixes in a neighbour's bits differs). A run that decodes to text
    holding a prefix (:func:`_redact_base64_key`: decoded from the run's start, ``-``/``_`` read as
    ``+``/``/``) holds one of these as a substring; a text holding none has no run to redact."""
    cores: set[str] = set()
    for prefix in prefixes:
        raw = prefix.encode()
        for shift in range(3):
            low = base64.b64encode(b"\0" * shift + raw + b"\0" * 3).decode()
            high = base64.b64encode(b"\xff" * shift + raw + b"\xff" * 3).decode()
            fixed = "".join(a if a == b and a != "=" else " " for a, b in zip(low, high, strict=True))
            core = max(fixed.split(), key=len)
            # Letters and digits only: the same in both alphabets (a + or / would need its -/_ twin).
            assert core.isalnum(), core
            cores.add(core)
    return tuple(sorted(cores))


#: The base64 scan is one regex pass over every stored text, each position tried (its lookbehind
#: defeats the engine's skip-ahead): about half the writer's own time per stored row (issue #12,
#: scripts/bench_writer.py). A text without any of these substrings has no run it would redact,
#: so the pass is skipped; with one, it runs as before.
_BASE64_KEY_CORES = _base64_cores(_KEY_PREFIXES)


def is_secret_query_name(name: str) -> bool:
    return bool(_SECRET_QUERY_NAME.search(name))


def is_secret_header(name: str, value: str = "", extra: Iterable[str] = ()) -> bool:
    """The documented rule (module docstring): by name, by ``extra`` globs, or by the value's shape."""
    if _secret_name(name.lower(), tuple(extra)):
        return True
    return bool(value) and bool(_CREDENTIAL_VALUE.match(value) or _KEY_SHAPES.search(value))


_CACHED_HEADER_VALUE = 512


@functools.lru_cache(maxsize=4096)
def _secret_header(key: str, value: str, extra: tuple[str, ...]) -> bool:
    """:func:`is_secret_header` of one (lower-cased) header, judged once: a client sends the same
    headers with every request, and two regexes per value of every stored flow's request and answer
    headers were ~10 us of the writer's row (issue #12). The answer depends on nothing else."""
    return is_secret_header(key, value, extra)


@functools.lru_cache(maxsize=1024)
def _secret_name(key: str, extra: tuple[str, ...]) -> bool:
    """Whether a (lower-cased) header name is a credential's: a handful of names per client, asked
    for every header of every stored flow, so the globs are matched once per name."""
    return key in SECRET_HEADERS or _globs(extra).match(key) is not None


@functools.lru_cache(maxsize=64)
def _globs(extra: tuple[str, ...]) -> re.Pattern[str]:
    """:data:`CREDENTIAL_HEADER_GLOBS` and the option's globs as one pattern (fnmatchcase's rules)."""
    globs = (*CREDENTIAL_HEADER_GLOBS, *(g.lower() for g in extra))
    return re.compile("|".join(f"(?:{fnmatch.translate(glob)})" for glob in globs))


def redact_headers(headers: Iterable[tuple[str, str]], extra: Iterable[str] = ()) -> dict[str, str]:
    """Headers as a dict with lower-cased names; secret values replaced, repeated names joined."""
    extra = tuple(extra)
    result: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        # Memoised for the short values a client repeats; a long one (a cookie jar) is judged afresh,
        # so the cache's memory stays bounded by _CACHED_HEADER_VALUE per entry.
        judge = _secret_header if len(value) <= _CACHED_HEADER_VALUE else is_secret_header
        shown = REDACTED if judge(key, value, extra) else value
        result[key] = f"{result[key]}, {shown}" if key in result else shown
    return result


def redact_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(
        [(k, REDACTED if is_secret_query_name(k) else _shapes_out(v)) for k, v in pairs], safe="[]"
    )


def _shapes_out(value: str) -> str:
    """A query value with its key shapes (:data:`_URL_KEY_SHAPES`) redacted, read decoded: re-encoded,
    a key after an escaped separator (``note=x%2Fsk-...``) has no word boundary before it, and
    :func:`scrub`'s key shapes missed it in the stored URL (found by tests/test_fuzz_redact.py)."""
    return _URL_KEY_SHAPES.sub(REDACTED, value) if _contains_any(value, _URL_KEY_PREFIXES) else value


# A ``name=value`` pair inside a path segment or a fragment (matrix parameters ``;key=...``, an OAuth
# fragment ``#access_token=...``, a key pasted as ``/key=...``): a secret name's value is redacted.
_SEGMENT_PARAM = re.compile(r"(?P<name>[^;=&,:/]+)=(?P<value>[^;&,/]*)")
# What stays unescaped when a redacted segment is written back: RFC 3986's pchar minus "%" (the
# segment was decoded), and the brackets of [REDACTED] (as redact_query keeps them).
_SEGMENT_SAFE = "!$&'()*+,;=:@-._~[]"


def _redact_segment(segment: str) -> str:
    """One path segment with its key shapes and secret-named ``name=value`` values redacted, read
    decoded (``key%3Dsk-...``); a segment with nothing to redact is returned exactly as given."""
    text = unquote(segment) if "%" in segment else segment
    redacted = text
    if _contains_any(text, _URL_KEY_PREFIXES):
        redacted = _URL_KEY_SHAPES.sub(REDACTED, redacted)
    if "=" in redacted:
        redacted = _SEGMENT_PARAM.sub(
            lambda m: (
                f"{m['name']}={REDACTED}"
                if m["value"] and is_secret_query_name(m["name"].strip())
                else m.group(0)
            ),
            redacted,
        )
    if redacted == text:
        return segment
    # surrogatepass: header bytes mitmproxy kept as lone surrogates are written back, not raised on.
    return quote(redacted, safe=_SEGMENT_SAFE, errors="surrogatepass")


def redact_path(path: str) -> str:
    """A request target (``/path?query``, what the ``path`` column stores) or any ``/``-separated text
    with every segment's key shapes and secret-named parameters redacted, percent-encoded or not
    (``/v1beta/models/x:generateContent/key%3Dsk-...``, a ``/sk-...`` segment), and its query's
    key-like parameters (:func:`redact_query`, only when it holds one: a harmless query is kept
    byte for byte). Unchanged when there is nothing to redact."""
    if not path:
        return path
    target, mark, query = path.partition("?")
    target = "/".join(_redact_segment(segment) for segment in target.split("/"))
    if mark and _query_holds_secret(query):
        query = redact_query(query)
    return f"{target}{mark}{query}"


def _query_holds_secret(query: str) -> bool:
    return any(
        is_secret_query_name(name) or _contains_any(value, _URL_KEY_PREFIXES)
        for name, value in parse_qsl(query, keep_blank_values=True)
    )


def redact_host(host: str) -> str:
    """A host name with every label shaped like a key replaced by ``[REDACTED]``
    (``sk-...relay.example`` -> ``[REDACTED].relay.example``); any other host exactly as given. What
    the host column stores and every report names an upstream by (:func:`upstreams.authority_host`)."""
    if not host or not _contains_any(host.lower(), _HOST_KEY_PREFIXES):
        return host
    labels = host.split(".")
    redacted = [REDACTED if _HOST_KEY_LABEL.fullmatch(label) else label for label in labels]
    return ".".join(redacted) if redacted != labels else host


def _redact_netloc(netloc: str) -> str:
    """A URL's authority with its userinfo and its key-shaped host labels redacted."""
    _userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # an IPv6 literal: no label is a key
        host, port = hostport, ""
    else:
        host, colon, port = hostport.partition(":")
        port = f"{colon}{port}"
    # Credentials in the authority (https://user:pass@host).
    return f"{REDACTED + at if at else ''}{redact_host(host)}{port}"


def redact_url(url: str) -> str:
    """A URL with its userinfo, its key-like query parameters and every key shape in its host, path
    and fragment redacted (secrets never reach disk, whichever component carries them)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an authority urlsplit refuses ("https://[x]/"): redacted as a line of text
        return redact_text_urls(url)
    netloc = _redact_netloc(parts.netloc) if parts.netloc else parts.netloc
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            redact_path(parts.path),
            redact_query(parts.query) if _query_holds_secret(parts.query) else parts.query,
            _redact_segment(parts.fragment),
        )
    )


#: A query string inside a line of text (a URL or a bare path followed by ``?``), up to the next blank
#: or quote: what mitmdump's per-flow lines print (``POST https://host/v1/models/x:generate?key=...``).
_QUERY_IN_TEXT = re.compile(r"(?P<before>[^\s?\"'<>]*)\?(?P<query>[^\s\"'<>#]+)")
#: A URL's or a bare path's part before its query (or its fragment), in a line of text.
_PATH_IN_TEXT = re.compile(r"(?:\b[a-zA-Z][a-zA-Z0-9+.-]*:/)?/[^\s?\"'<>]*")
_USERINFO_IN_TEXT = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/@\"'<>]+@")
#: A URL's host name in a line of text (after its scheme and any userinfo), for its key-shaped labels.
_HOST_IN_TEXT = re.compile(
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^\s/@\"'<>]+@)?)(?P<host>[^\s/:?#@\"'<>\[\]]+)"
)


def _redact_query_in_text(match: re.Match[str]) -> str:
    """One ``?...`` of a text line: rewritten only when it holds a key-like parameter or a key shape.
    A question mark in prose ("accepting TCP/IP connections?); rows stay ...") or a harmless query
    stays as printed."""
    query = match["query"]
    if not _query_holds_secret(query):
        return match.group(0)
    return f"{match['before']}?{redact_query(query)}"


def redact_text_urls(line: str) -> str:
    """A log line with every URL's key-like query parameters and userinfo redacted, whatever else it
    says: ``toolguard run`` writes mitmdump's own output to a file, and mitmdump's per-flow line
    prints the request URL, a ``?key=`` included (Gemini's and Azure's API keys travel there)."""
    if "?" in line:
        line = _QUERY_IN_TEXT.sub(_redact_query_in_text, line)
    if "/" in line and ("%" in line or "=" in line or _contains_any(line, _URL_KEY_PREFIXES)):
        line = _PATH_IN_TEXT.sub(lambda m: redact_path(m.group(0)), line)
    if "@" in line:
        line = _USERINFO_IN_TEXT.sub(lambda m: f"{m['scheme']}{REDACTED}@", line)
    if "://" in line and _contains_any(line.lower(), _HOST_KEY_PREFIXES):
        line = _HOST_IN_TEXT.sub(lambda m: f"{m['scheme']}{redact_host(m['host'])}", line)
    return line


def secret_values(
    headers: Iterable[tuple[str, str]], query: str = "", extra: Iterable[str] = (), url: str = ""
) -> list[str]:
    """The literal secrets a request carries, longest first, for :func:`scrub`.

    From credential headers (see :func:`is_secret_header`) every value counts down to
    :data:`_MIN_SHORT_SECRET_LENGTH` characters (a 6-character key echoed in an error is still a key);
    from the query string only values of :data:`_MIN_SECRET_LENGTH` or more; from ``url`` (the
    request's URL or target) every key shape its host, path or query holds (:func:`_url_secrets`).
    """
    extra = tuple(extra)
    found: set[str] = set()
    for name, value in headers:
        if value:
            found.update(_header_secrets(name, value, extra))
    if query:
        for name, value in parse_qsl(query, keep_blank_values=True):
            if is_secret_query_name(name) and len(value) >= _MIN_SECRET_LENGTH:
                found.add(value)
    if url:
        found.update(_url_secrets(url))
    return sorted(found, key=len, reverse=True)


@functools.lru_cache(maxsize=1024)
def _url_secrets(url: str) -> tuple[str, ...]:
    """The key shapes a request's URL carries (:data:`_URL_KEY_SHAPES` in it, raw or decoded, and a
    key-shaped host label), so an upstream echoing one back (``invalid path /v1/AKIA...``: an AWS key
    id or a JWT is not in the net over every stored text) has it scrubbed in every encoding like a
    header's key (session 19). A client sends the same URL again and again: judged once."""
    found: set[str] = set()
    for text in {url, unquote(url)}:
        if _contains_any(text, _URL_KEY_PREFIXES):
            found.update(m.group(0) for m in _URL_KEY_SHAPES.finditer(text))
        if "://" in text and _contains_any(text.lower(), _HOST_KEY_PREFIXES):
            host = text.split("://", 1)[1].split("/", 1)[0].rpartition("@")[2].split(":", 1)[0]
            found.update(label for label in host.split(".") if _HOST_KEY_LABEL.fullmatch(label))
    return tuple(found)


@functools.lru_cache(maxsize=4096)
def _header_secrets(name: str, value: str, extra: tuple[str, ...]) -> tuple[str, ...]:
    """The secrets one header carries. Called in the request hook for every header of every
    request; a client sends the same few headers again and again, so each pair is judged once."""
    if not is_secret_header(name, value, extra):
        return ()
    found = {value.strip()}
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if token and scheme.lower() in ("bearer", "basic", "token", "digest", "apikey", "key"):
        found.add(token)
        if scheme.lower() == "basic":  # base64("user:password"): the password is the secret
            found.update(_basic_parts(token))
    # Cookies: name=value pairs; only long values (a "theme=dark" cookie is no secret).
    cookie_values = (part.split("=", 1)[1] for part in re.split(r"[;,]\s*", value) if "=" in part)
    found.update(v for v in cookie_values if len(v) >= _MIN_SECRET_LENGTH)
    return tuple(s for s in found if len(s) >= _MIN_SHORT_SECRET_LENGTH)


def _basic_parts(token: str) -> list[str]:
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return []
    _user, _, password = decoded.partition(":")
    return [decoded, password] if password else [decoded]


@functools.lru_cache(maxsize=256)
def _variants(secret: str) -> tuple[str, ...]:
    """The forms an echoed secret takes in stored text: raw, percent-encoded (upper and lower hex,
    ``+`` for spaces), JSON-escaped (``\\"``, ``\\/``), and the part of its base64 encoding that is
    the same at any offset inside a longer base64 text (three alignments, standard and URL-safe)."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in forms}
    escaped = json.dumps(secret)[1:-1]
    forms |= {escaped, escaped.replace("/", "\\/"), json.dumps(secret, ensure_ascii=False)[1:-1]}
    if len(secret) >= _MIN_SECRET_LENGTH:
        raw = secret.encode("utf-8")
        for shift in range(3):
            encoded = base64.b64encode(b"\0" * shift + raw).decode()
            # Drop the characters that also encode the neighbours' bits (the shift's and the tail's).
            start = (shift * 4 + 2) // 3 + (1 if shift else 0)
            end = len(encoded) - (4 if (shift + len(raw)) % 3 else 0)
            core = encoded[start:end]
            if len(core) >= 8:
                forms |= {core, core.replace("+", "-").replace("/", "_")}
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


@functools.lru_cache(maxsize=256)
def _short_pattern(secret: str) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(v) for v in _variants(secret))
    return re.compile(rf"(?<![A-Za-z0-9_\-])(?:{alternatives})(?![A-Za-z0-9_\-])")


def scrub(text: str | None, secrets: Iterable[str] = ()) -> str | None:
    """Replace the given secret values (in any of their encodings) and anything shaped like a key."""
    if not text:
        return text
    return _scrub(text, secrets, base64_scan=20 <= len(text) <= _BASE64_SCAN_MAX)


# Joins the texts scrub_many scrubs in one pass: no secret, variant or pattern matches across it
# (header values and keys hold no NUL; every pattern's character classes and \s exclude it).
_SEPARATOR = "\x00"


def scrub_many(texts: list[str | None], secrets: Iterable[str] = ()) -> list[str | None]:
    """:func:`scrub` of each text, with one pass over the texts up to :data:`_BASE64_SCAN_MAX`
    joined (a stored row has about twenty short texts: one pass instead of twenty cost about a
    third of the writer's time per flagged flow, issue #12). Longer texts are scrubbed alone, as
    :func:`scrub` would (their base64 runs are not scanned)."""
    secrets = tuple(secrets)
    short: list[int] = []
    out = list(texts)
    for i, text in enumerate(texts):
        if text:
            if len(text) <= _BASE64_SCAN_MAX:
                short.append(i)
            else:
                out[i] = _scrub(text, secrets, base64_scan=False)
    if not short:
        return out
    joined = _SEPARATOR.join([texts[i] or "" for i in short])
    if joined.count(_SEPARATOR) != len(short) - 1:
        # A text holding the separator itself (one C pass over the join tells, issue #12): one at
        # a time.
        for i in short:
            out[i] = scrub(texts[i], secrets)
        return out
    # Texts under 20 characters were not scanned for base64 runs alone, and a run needs 20.
    parts = _scrub(joined, secrets, base64_scan=True).split(_SEPARATOR)
    for i, part in zip(short, parts, strict=True):
        out[i] = part
    return out


def _scrub(text: str, secrets: Iterable[str], *, base64_scan: bool) -> str:
    for secret in secrets:
        if len(secret) < _MIN_SECRET_LENGTH:
            if any(v in text for v in _variants(secret)):
                text = _short_pattern(secret).sub(REDACTED, text)
            continue
        for variant in _variants(secret):
            if variant in text:
                text = text.replace(variant, REDACTED)
    # The regexes scan slowly (one is case-insensitive); plain substring tests over a 100 KB body
    # are an order of magnitude cheaper and rule them out almost always.
    lowered = text.lower()
    if "bearer" in lowered or "basic" in lowered:
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    if _contains_any(text, _KEY_PREFIXES):
        text = _KEY_SHAPES.sub(REDACTED, text)
    if base64_scan and _contains_any(text, _BASE64_KEY_CORES):
        text = _BASE64_RUN.sub(_redact_base64_key, text)
    return text


@functools.lru_cache(maxsize=8)
def _automaton(needles: tuple[str, ...]) -> ahocorasick_rs.AhoCorasick:
    return ahocorasick_rs.AhoCorasick(list(needles))


def _contains_any(text: str, needles: tuple[str, ...]) -> bool:
    """``any(needle in text for needle in needles)``, in one pass over ``text`` (Aho-Corasick).

    Each ``in`` is its own pass, and a needle of 3-5 characters barely skips ahead: the fifteen
    base64 cores and five key prefixes over a flagged row's ~3 KB of joined texts were ~45 us of
    the writer's ~270 us per row (issue #12, scripts/bench_writer.py), one automaton pass ~6 us.
    The needles are read at each call (tests force the base64 pass by setting the cores to
    ``("",)``: the empty needle is in every text)."""
    if not needles:
        return False
    if "" in needles:
        return True
    try:
        return bool(_automaton(needles).find_matches_as_indexes(text))
    except UnicodeEncodeError:  # a lone surrogate (header bytes kept by surrogateescape): not UTF-8
        return any(needle in text for needle in needles)


def _redact_base64_key(match: re.Match[str]) -> str:
    """A base64 run that decodes to text holding a provider key shape (``Basic`` auth, a key
    smuggled in a token) is a secret too."""
    run = match.group(0)
    try:
        decoded = base64.b64decode(run.replace("-", "+").replace("_", "/") + "==", validate=False)
    except (binascii.Error, ValueError):
        return run
    text = decoded.decode("latin-1")
    if any(prefix in text for prefix in _KEY_PREFIXES) and _KEY_SHAPES.search(text):
        return REDACTED
    return run


# A command-line option or environment assignment whose name ends in a credential word carries a
# secret as its value (qwen-code's `--openai-api-key`, `OPENAI_API_KEY=...`, `--token`); a name that
# only contains one (`--auth-type`, `--max-tokens`) does not.
_SECRET_ARG_NAME = re.compile(r"(?i)(^|[_\-.])(key|apikey|token|secret|password|passwd|pwd|credentials?)$")


def redact_command(command: str) -> str:
    """A command line as stored in ``runs.command``: the values of secret-named options and
    assignments, key shapes and bearer tokens replaced by ``[REDACTED]`` (secrets never reach disk)."""
    try:
        words = shlex.split(command)
    except ValueError:  # unbalanced quotes: scrub it as one text
        return scrub(command) or command
    out: list[str] = []
    secret_next = False
    for word in words:
        if secret_next:
            out.append(REDACTED)
            secret_next = False
            continue
        name, eq, value = word.partition("=")
        bare = name.lstrip("-")
        if eq and value and _SECRET_ARG_NAME.search(bare):
            out.append(f"{name}={REDACTED}")
            continue
        if word.startswith("-") and not eq and _SECRET_ARG_NAME.search(bare):
            secret_next = True
        scrubbed = scrub(word) or word
        if _contains_any(scrubbed, _URL_KEY_PREFIXES):
            # A command line is no content: an AWS key id or a JWT in it is a credential too, bare or
            # assigned to a name no secret word ends (AWS_ACCESS_KEY_ID=AKIA...; session 19).
            scrubbed = _URL_KEY_SHAPES.sub(REDACTED, scrubbed)
        header, colon, header_value = word.partition(":")
        secret_header = colon and header_value.strip() and " " not in header.strip()
        if secret_header and scrubbed == word and is_secret_header(header.strip()):
            # A header given on the command line (curl -H 'x-api-key: ...'): its value, whatever its
            # shape (a Bearer token is already redacted by scrub, keeping its scheme word).
            out.append(f"{header}: {REDACTED}")
            continue
        # A URL's ?key= and user:password@ (curl 'https://...?key=AIza...').
        out.append(redact_text_urls(scrubbed))
    return shlex.join(out)
