"""Client names from stored request headers: a short name with its version from the User-Agent,
plus the SDK underneath when a Stainless-generated SDK (openai-node, openai-python, the Anthropic
SDKs) says so in its own ``x-stainless-*`` headers."""

from __future__ import annotations

import functools
import json
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from toolguard_core.utc import parse_utc

# The agent CLIs and SDKs people run, by the token their User-Agent leads with (captured bodies in
# tests/data/requests/): claude-cli/2.1.332, codex_exec/0.171.0 (codex_cli_rs/… interactively),
# opencode/1.18.33, the Vercel AI SDK's "ai/7.0.173 ai-sdk-provider-utils/…", QwenCode/0.24.4.
_CLIENT_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"QwenCode/([\w.\-+]+)"), "QwenCode/{}"),
    (re.compile(r"\blangchain(?:[-_/ ]?\w+)?/([\w.\-+]+)", re.I), "LangChain/{}"),
    (re.compile(r"^ai/([\w.\-+]+)\s+ai-sdk"), "ai-sdk/{}"),
    (re.compile(r"OpenAI/Python ([\w.\-+]+)"), "OpenAI/Python {}"),
    (re.compile(r"OpenAI/JS ([\w.\-+]+)"), "OpenAI/JS {}"),
    (re.compile(r"Anthropic/(JS|Python) ([\w.\-+]+)"), "Anthropic/{} {}"),
    (re.compile(r"^([A-Za-z][\w.\-]*)/([\w.\-+]+)"), "{}/{}"),
]
_LANGS = {"js": "JS", "python": "Python"}


def stainless_sdk(headers: dict[str, str]) -> str | None:
    """``OpenAI/JS 5.11.0`` or ``Anthropic/JS 0.128.0`` from a Stainless SDK's own headers, or None.

    Every Stainless SDK sends ``x-stainless-lang`` and ``x-stainless-package-version``; which vendor's
    SDK it is shows in the API headers it always adds: ``anthropic-version`` for Anthropic's."""
    headers = {k.lower(): v for k, v in headers.items()}
    version = headers.get("x-stainless-package-version")
    lang = _LANGS.get((headers.get("x-stainless-lang") or "").lower())
    if not version or not lang:
        return None
    vendor = "Anthropic" if "anthropic-version" in headers else "OpenAI"
    return f"{vendor}/{lang} {version}"


def parse_client(user_agent: str | None, headers: dict[str, str] | None = None) -> str:
    """A short client name with its version from a User-Agent (plus the Stainless SDK underneath).

    ``QwenCode/0.24.4 (linux; x64)`` -> ``QwenCode/0.24.4 (OpenAI/JS 5.11.0)`` when openai-node's
    headers are there; ``claude-cli/2.1.332 (external, sdk-cli)`` -> ``claude-cli/2.1.332 (Anthropic/JS
    0.128.0)``; ``OpenAI/Python 1.54.0`` stays; LangChain's own UA token wins over the SDK it wraps.
    """
    sdk = stainless_sdk(headers or {})
    ua = (user_agent or "").strip()
    # Memoised for the User-Agents clients send; a very long one is named afresh (bounded memory).
    return _client_name(ua, sdk) if len(ua) <= 512 else _client_name.__wrapped__(ua, sdk)


@functools.lru_cache(maxsize=1024)
def _client_name(ua: str, sdk: str | None) -> str:
    """:func:`parse_client` from the stripped User-Agent and the Stainless SDK: seven patterns tried
    on the same few User-Agents for every stored flow (the writer's row, issue #12), judged once each."""
    name = ""
    for pattern, template in _CLIENT_PATTERNS:
        match = pattern.search(ua)
        if match:
            name = template.format(*match.groups())
            break
    if not name:
        name = ua.split(" ")[0][:40] if ua else "(no user-agent)"
    if sdk and not name.startswith(("OpenAI/", "Anthropic/")):
        name = f"{name} ({sdk})"
    return name


def headers(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if isinstance(data, dict):
        return {str(k): str(v) for k, v in data.items()}
    if isinstance(data, list):
        return {str(p[0]): str(p[1]) for p in data if isinstance(p, list | tuple) and len(p) == 2}
    return {}


#: The header a Stainless SDK (openai-python and openai-node, the anthropic SDKs) sends with the number
#: of times it already tried this call: 0 on the first try, then 1, 2 ... up to its ``max_retries``
#: (openai-python ``_base_client.py``: ``headers["x-stainless-retry-count"] = str(retries_taken)``).
RETRY_COUNT_HEADER = "x-stainless-retry-count"


def retry_count(headers_json: str | None) -> int:
    """How many earlier tries of this call the client's SDK made (its :data:`RETRY_COUNT_HEADER`), from
    a row's ``request_headers_json``; 0 for a first try, a client that does not say, or bad input."""
    # Memoised: a client sends the same headers on every call but for its count (the summary reads
    # this for every flow near a transient answer, twice: session 24); a long text is read afresh.
    if isinstance(headers_json, str) and len(headers_json) <= _MEMO_CHARS:
        return _retry_count(headers_json)
    return _retry_count.__wrapped__(headers_json)


#: Headers texts up to this long are remembered by :func:`retry_count` (1024 of them at most).
_MEMO_CHARS = 4096


@functools.lru_cache(maxsize=1024)
def _retry_count(headers_json: str | None) -> int:
    try:
        headers = json.loads(headers_json) if headers_json else None
    except ValueError:
        return 0
    if not isinstance(headers, dict):
        return 0
    value = next((v for k, v in headers.items() if str(k).lower() == RETRY_COUNT_HEADER), None)
    return int(value) if isinstance(value, str) and value.isdecimal() and len(value) < 6 else 0


# ------------------------------------------------------------------ retries a client does not declare

#: How soon after a transient answer the same client's same request counts as a retry of that call:
#: the openai SDK backs off 0.5-8 s, the Vercel AI SDK 2 s then 4 s (its maxRetries, default 2), Claude
#: Code up to tens of seconds; an app calling again with the very same body that soon is retrying too.
RESEND_SECONDS = 60.0
#: The ``flows`` columns :func:`retries` reads: each report selects these (run report, show, summary).
RETRY_COLUMNS = (
    "id",
    "datetime_utc",
    "duration_ms",
    "client",
    "host",
    "port",
    "path",
    "status",
    "error_type",
    "request_headers_json",
)
#: Error types of a transient answer inside a 200 stream (Anthropic's overloaded and rate-limit events).
TRANSIENT_ERROR_TYPES = frozenset({"overloaded_error", "rate_limit_error"})


@dataclass(frozen=True, slots=True)
class Retry:
    """A flow that retried an earlier call: ``number`` (1 for the first retry) and whether the client
    said so (``declared``: its :data:`RETRY_COUNT_HEADER`) or toolguard saw the same client resend the
    same request soon after a transient answer (:func:`retries`)."""

    number: int
    declared: bool


#: :func:`transient_answer` over ``flows f`` in portable SQL (SQLite and PostgreSQL): the summary reads only
#: the flows around such answers instead of every flow (issue #12: a million flows).
TRANSIENT_SQL = (
    "(f.status = 429 or f.status >= 500 or lower(coalesce(f.error_type, '')) in ("
    + ", ".join(f"'{t}'" for t in sorted(TRANSIENT_ERROR_TYPES))
    + "))"
)


def transient_answer(status: int | None, error_type: str | None) -> bool:
    """A 429, a 5xx (Anthropic's 529 overloaded among them) or such an error event in a 200 stream: an
    answer a client retries as it is."""
    if status is not None and (status == 429 or status >= 500):
        return True
    return (error_type or "").lower() in TRANSIENT_ERROR_TYPES


def retries(
    rows: Iterable[Mapping[str, Any]], body: Callable[[str], str | None], *, ordered: bool = False
) -> dict[str, Retry]:
    """Which of ``rows`` (flows with :data:`RETRY_COLUMNS`) retried an earlier call, by flow id. The one
    detector of the run report, ``toolguard show`` and the summary. A client's own count
    (:data:`RETRY_COUNT_HEADER` > 0: openai-python and openai-node) is taken as it is. A client that
    sends none (the Vercel AI SDK) or sends 0 on its retries (Claude Code) retried when it sent the
    same request (``body``: the stored request text of a flow id, read only for such a candidate) to
    the same upstream and path, within :data:`RESEND_SECONDS` after an earlier flow of it got a
    transient answer (:func:`transient_answer`); a chain of them counts 1, 2, ... Each resend was
    stored as a rejection of its own, and the reports counted one failing call as several (session 21).

    ``ordered``: ``rows`` already come by ``datetime_utc`` then ``id`` within each client and upstream
    (:func:`retried`, which the summary streams instead of holding this dict)."""
    return {str(row.get("id")): retry for row, retry in retried(rows, body, ordered=ordered)}


def retried(
    rows: Iterable[Mapping[str, Any]],
    body: Callable[[str], str | None],
    *,
    ordered: bool = False,
    stored_key: Callable[[Mapping[str, Any]], Hashable | None] | None = None,
) -> Iterator[tuple[Mapping[str, Any], Retry]]:
    """:func:`retries` as a stream: each row that retried an earlier call with its :class:`Retry`, as
    it is read. With ``ordered`` (``rows`` by ``datetime_utc`` then ``id`` within each client and
    upstream; the state is kept per client and upstream, so the streams of two may follow each other)
    nothing grows with the rows: only the transient flows of the last :data:`RESEND_SECONDS` per client
    and upstream (at most :data:`_RECENT_KEPT`, each with its own retry number, which a resend of it
    continues) and the last :data:`_BODIES_KEPT` request texts compared are kept. The summary runs this
    over a million flows (issue #12: 500 MB), most of them candidates on a capture dense with 429s.

    ``stored_key``: a row's request as stored, when the reader has it at hand (the summary streams the
    store's skeleton and references: a digest of them, or None for a request stored whole), compared
    instead of reading both texts: the store splits a text by one pure function (dedup.split_request),
    so two equal texts have equal keys and two split requests with different keys have different texts.
    Where either key is None the texts are compared, as without it (session 24: on a capture dense with
    rate limits, reading one request text per candidate was most of the summary's time)."""
    recent: dict[tuple[Any, ...], list[tuple[float, str, int, Hashable | None]]] = {}
    bodies: OrderedDict[str, str | None] = OrderedDict()

    def text(flow_id: str) -> str | None:
        if flow_id in bodies:
            bodies.move_to_end(flow_id)
            return bodies[flow_id]
        bodies[flow_id] = found_text = body(flow_id)
        if len(bodies) > _BODIES_KEPT:
            bodies.popitem(last=False)
        return found_text

    def same(flow_id: str, key: Hashable | None, other_id: str, other_key: Hashable | None) -> bool:
        if key is not None and other_key is not None:
            return key == other_key
        return (found := text(flow_id)) is not None and found == text(other_id)

    if not ordered:
        rows = sorted(rows, key=lambda r: (str(r.get("datetime_utc") or ""), str(r.get("id") or "")))
    for row in rows:
        key = (row.get("client"), row.get("host"), row.get("port"), row.get("path"))
        number = retry_count(row.get("request_headers_json"))
        transient = transient_answer(row.get("status"), row.get("error_type"))
        earlier = recent.get(key) if row.get("client") else None
        if not (number or transient or earlier):
            continue  # no count declared, no transient answer, none of its client's to resend: nothing to read
        flow_id = str(row.get("id"))
        if number:
            yield row, Retry(number, True)
        if (start := parse_utc(row.get("datetime_utc"))) is None:
            continue
        stored: Hashable | None = None
        if earlier and not number:
            if start - max(entry[0] for entry in earlier) > RESEND_SECONDS:
                del recent[key]  # rows come in time order per client and upstream: too old now stays so
            else:
                stored = stored_key(row) if stored_key is not None else None
                for ended, previous, previous_number, previous_stored in reversed(earlier):
                    if -0.05 <= start - ended <= RESEND_SECONDS and same(
                        flow_id, stored, previous, previous_stored
                    ):
                        number = previous_number + 1
                        yield row, Retry(number, False)
                        break
        if transient:
            if stored is None and stored_key is not None:
                stored = stored_key(row)
            ended = start + (row.get("duration_ms") or 0) / 1000
            kept = [entry for entry in recent.get(key, ()) if start - entry[0] <= RESEND_SECONDS]
            recent[key] = [*kept, (ended, flow_id, number, stored)][-_RECENT_KEPT:]


#: Transient answers kept per client and upstream, and request texts kept for comparison: a resend is
#: compared with the latest few transient answers of its client (a retry chain is at most a few tries).
_RECENT_KEPT = 16
_BODIES_KEPT = 4 * _RECENT_KEPT
