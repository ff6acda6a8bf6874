"""mitmproxy hooks: copy data off the flow, call the core, write the verdict back, queue a row.

In the default ``observe`` mode nothing here changes a request or a response. The opt-in modes
(``toolguard_mode``, docs/modes.md) are one branch in the request hook: ``block`` answers a request
with an error finding itself (:func:`toolguard_core.modes.blocked_answer`), ``repair`` replaces the
request body with :func:`toolguard_core.repair.repair_request`'s result. Every hook body runs under
:meth:`ToolGuard._guard`: an exception inside toolguard is logged with the flow's context, counted,
and the flow goes on untouched.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import difflib
import fnmatch
import functools
import gc
import json
import logging
import operator
import pickle
import queue
import re
import shlex
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from mitmproxy import command, ctx, exceptions, hooks, http, version
from mitmproxy.addonmanager import traverse
from mitmproxy.flow import Error as FlowError
from mitmproxy.log import LegacyLogEvents
from mitmproxy.net.http import url as net_url
from mitmproxy.proxy import server_hooks
from mitmproxy.proxy.mode_specs import ProxyMode, ReverseMode
from mitmproxy.utils import human

import toolguard_core
from toolguard_core import (
    catalog,
    contentview,
    contentview_gemini,
    contentview_messages,
    contentview_responses,
    redact,
)
from toolguard_core.analyze import (
    DEFAULT_MAX_BODY_BYTES,
    Analysis,
    InternalError,
    analyse_request,
)
from toolguard_core.capture import (
    Capture,
    EarlyAnswer,
    early_recognition,
    finding_from,
    is_error_in_2xx_body,
    may_be_error_body,
    response_body,
    stored_request,
    worth_keeping,
)
from toolguard_core.causes import (
    STATUS_ONLY,
    Recognition,
    completes_from_request,
    recognise_error,
    request_object,
)
from toolguard_core.dburl import command_url, is_postgres_url, redact_url, spool_path_for
from toolguard_core.findings import Finding, Severity
from toolguard_core.flowids import message_flow_id, short_flow_id
from toolguard_core.learned import (
    NOTHING_LEARNED,
    Knowledge,
    LearnedConstraint,
    demoted_finding,
    is_learned,
    learned_host,
    listed,
    upstream_name,
)
from toolguard_core.learned_store import DEFAULT_DEMOTE_AFTER, predicted_by_builtin
from toolguard_core.modes import BODY_KEY, Mode, blocked_answer, parse_mode
from toolguard_core.offload import (
    DEFAULT_OFFLOAD_MIN_BYTES,
    SMALL_BODY_BYTES,
    Validator,
    WorkerCrashed,
    WorkerNotReady,
    WorkerResult,
    WorkerUnavailable,
)
from toolguard_core.profiles_config import ProvidersConfigError, load_registry
from toolguard_core.providers import DEFAULT_REGISTRY, GENERIC, ProviderRegistry
from toolguard_core.rawstream import EVENT_STREAM, RawStreamTap
from toolguard_core.rawstream import STREAM_TYPES as RAW_STREAM_TYPES
from toolguard_core.repair import (
    RepairOptions,
    RepairResult,
    Unanswered,
    parse_families,
    parse_unanswered,
    repair_request,
)
from toolguard_core.request import OLLAMA, RESPONSES, Target, endpoint_kind
from toolguard_core.rules.body import NOT_VALIDATED, TOO_DEEP, TOO_LARGE, UNDECODABLE
from toolguard_core.rules.model import UNKNOWN_MODEL
from toolguard_core.rules.policy import SELF_HOSTED
from toolguard_core.sse import SSETap
from toolguard_core.store import (
    RunRow,
    Store,
    Verdicts,
    cannot_open,
    default_db_path,
    format_utc,
    row_verdict,
    utc_now,
)
from toolguard_core.upstream_errors import UpstreamError
from toolguard_core.verdict import (
    BROKE_OFF_WORDS,
    DEFAULT_PATHS,
    DEFAULT_RECORD_PATHS,
    ENDED_EARLY_ERROR,
    IN_STREAM_WORDS,
    LEARNED_FROM_VERDICTS,
    REJECTED_VERDICTS,
    Scope,
    Verdict,
    answer_broke_off,
    ended_early,
    explained_by,
    rejected,
    scope,
    should_store,
    store_ready_line,
)
from toolguard_core.verdict import verdict as verdict_for
from toolguard_core.visibility import (
    NOTHING_SEEN,
    add_host,
    counts_line,
    hosts_json,
    ignored_how,
    ignored_line,
    merge_hosts,
    passed_through_line,
    path_shape,
    shown_model,
    skipped_line,
    unchecked_lines,
    unreachable_line,
    unrecognised_line,
    unvalidated_note,
)
from toolguard_core.writerproc import ProcessStore, WriterStartError
from toolguard_core.wsresponses import Prepared, ResponsesSocket, Turn

logger = logging.getLogger(__name__)

METADATA_KEY = "toolguard"
MARK = ":warning:"
# mitmweb shows these emoji shortcodes as the flow's mark (mitmproxy-notes.md (e)).
MARK_BLOCKED = ":no_entry:"
MARK_REPAIRED = ":wrench:"
# The default toolguard_paths and toolguard_record_paths: declared in verdict.py next to scope(), so
# `toolguard check --url` decides what it checks from the same patterns.
# Flows seen in `request` but not yet finished; bounded so a proxy bug cannot leak memory.
MAX_PENDING = 10_000
#: Flows the hooks queue before reading them in place (see ToolGuard.request): a loop turn under load
#: brings a few; a file replayed with `mitmdump -r` whose flows have no answer never lets the loop turn.
MAX_QUEUED = 64
#: A rejection whose reading was left to the writer (observe mode) waits at most this long for the
#: writer's verdict before the proxy decides it itself, with the same code (a writer that died with
#: the row, or dropped it); at most MAX_AWAITING wait at once, the oldest decided here beyond that.
VERDICT_WAIT_SECONDS = 10.0
MAX_AWAITING = 10_000
#: How long a constraint the proxy read in a rejection itself (block and repair mode) waits in its
#: snapshot for the writer's to hold it: the writer's comes within milliseconds of the row's commit;
#: past this the writer read that answer otherwise (_learn_early), and its snapshot is taken as it is.
EARLY_LESSON_SECONDS = 10.0
#: How long block or repair mode holds a request that came before the writer process's start ended
#: (mitmdump listens before it: about 0.7 s of imports and migrations on an idle machine, a few
#: seconds on a loaded one). Its handshake brings what the upstreams taught (learned constraints,
#: demotions): a request judged without it was forwarded and refused where a learned constraint
#: said so, or blocked by a demoted rule. Past this the request goes on judged without it, counted
#: (``judged_before_knowledge``) and logged. Observe mode never holds a request.
KNOWLEDGE_WAIT_SECONDS = 5.0
MAX_EARLY_LESSONS = 64
# Responses WebSockets followed at once, and WebSocket messages waiting for the worker thread.
MAX_SOCKETS = 256
MAX_QUEUED_MESSAGES = 10_000
#: The prefix of the counters the WebSocket worker keeps per message (validated, flagged, blocked,
#: rejected, ...): apart from the HTTP hooks' per-request ones, so `validated` never exceeds
#: `requests_seen` (a user read "validated 4, requests_seen 2" as a bug). The run row adds both up
#: (docs/schema.md: its counts cover requests and messages).
WS_COUNTED_APART = "websocket_messages_"
# A proxy process without `toolguard_run_id` is one run: the id is made once per process, so a hot
# reload of the script (a new ToolGuard instance) keeps writing the same run row.
PROCESS_RUN_ID = str(uuid.uuid4())
PROCESS_STARTED = time.time()
# Counts of addon instances that already stopped in this process, per (database, run): a hot reload
# replaces the ToolGuard instance (and its stats) but the run row keeps counting from where it was.
_STOPPED_COUNTS: dict[tuple[str, str], Counter[str]] = {}
# The same for the hosts of requests whose provider and model no catalog knows (runs.model_rules_skipped_hosts).
_STOPPED_SKIPPED_HOSTS: dict[tuple[str, str], Counter[str]] = {}
# The same for those models, local servers' included (runs.model_rules_skipped_models).
_STOPPED_SKIPPED_MODELS: dict[tuple[str, str], Counter[str]] = {}
# The same for the hosts no provider profile recognises (runs.unrecognised_hosts).
_STOPPED_UNRECOGNISED_HOSTS: dict[tuple[str, str], Counter[str]] = {}
# The same for the paths not validated because of their path (runs.unchecked_paths).
_STOPPED_UNCHECKED_PATHS: dict[tuple[str, str], Counter[str]] = {}
# The same for the requests that were no API call toolguard validates (runs.ignored_paths).
_STOPPED_IGNORED_PATHS: dict[tuple[str, str], Counter[str]] = {}


@dataclass(frozen=True, slots=True)
class _Route:
    """What the request hook derives from a request's method, URL and Host header: its scope, its
    URL as mitmproxy shows it (``pretty_url``) and its :class:`Target` (None for an ignored flow).
    A client sends the same few of these again and again; deriving them every time (the Host header
    parsed and IDNA-checked twice, the URL unparsed and split again, the provider looked up) was about
    a fifth of the hooks' time for a 1 KB request (issue #12)."""

    scope: Scope
    url: str
    target: Target | None
    # ``pretty_host`` as it was (not lower-cased): the stored row's host, copied from here instead of
    # parsing the Host header again for every stored flow (issue #12).
    host: str = ""
    #: No provider profile recognises the host (the generic profile judges it): decided here, once
    #: per route, so the request hook's count of such requests is one dict increment.
    unrecognised: bool = False
    #: The upstream as every report names it (learned.upstream_name: ``host:port`` off the scheme's
    #: default port), for the unrecognised hosts' counts.
    upstream: str = ""
    #: A POST toolguard_hosts lets through that is not validated because of its path (Scope.RECORD,
    #: or IGNORE by path alone: a typo'd /chat/completion): the upstream and path as the run report
    #: names them (key-shaped values scrubbed, no query), else "". Derived once per route.
    unchecked_path: str = ""
    #: A request that is no API call toolguard validates (a GET such as Codex's ``/v1/models``, a
    #: health check, a POST to a host toolguard_hosts leaves out): its method, upstream and path shape
    #: as the run report names them (visibility.path_shape; key shapes redacted, no query), else "".
    ignored_path: str = ""


_IGNORED = _Route(Scope.IGNORE, "", None)

# A lean flow's entry in ToolGuard.pending (see ToolGuard._on_queued_request): a list, one
# BUILD_LIST instead of a Pending and an Analysis per small clean request (session 20).
_LEAN_FLOW = 0  #: the flow
_LEAN_ROUTE = 1  #: its _Route
_LEAN_BODY = 2  #: the body as sent (data.content)
_LEAN_HEADERS = 3  #: the request's header fields as sent
_LEAN_PATH = 4  #: the request target as sent (bytes)
_LEAN_STARTED = 5  #: the request's timestamp_start
_LEAN_JOB = 6  #: the worker's sequence number while it validates the body; 0 once judged clean
_LEAN_ANSWERED = 7  #: the flow, once its answer came before its verdict
_LEAN_PENDING = 8  #: the Pending made from it once the flow left the lane (ToolGuard._pending_of)
#: The worker's result when its only finding is a local server's model.rules-skipped note (such a
#: server serves any name, so every request to it carries the note: _local_note_only); else None.
_LEAN_NOTE = 9
#: Distinct routes remembered; past it the cache starts again (a client varying its query string).
MAX_ROUTES = 1024


def _native(raw: bytes) -> str:
    """A header name or value as mitmproxy's ``Headers`` gives it (UTF-8, undecodable bytes kept)."""
    return raw.decode("utf-8", "surrogateescape")


def _header(fields: tuple[tuple[bytes, bytes], ...], name: bytes) -> str | None:
    """``Headers.get(name)`` over the raw fields (``name`` lower-case; repeated headers folded with
    ", " as mitmproxy folds them), without the multidict's per-call key conversions: a fifth of the
    cost, on every hook of every flow (issue #12). Only a field of the name's length is lower-cased
    (0.37 instead of 0.81 us for an answer's five fields)."""
    size = len(name)
    return _folded([value for key, value in fields if len(key) == size and key.lower() == name])


def _folded(values: list[bytes]) -> str | None:
    """A header's values as ``Headers.get`` gives them: None, the one value, or all joined by ", "."""
    if not values:
        return None
    return _native(values[0]) if len(values) == 1 else ", ".join(map(_native, values))


def _request_fields(fields: tuple[tuple[bytes, bytes], ...]) -> tuple[tuple[bytes, ...], str | None]:
    """A request's Host header values (part of its route's key) and its Content-Encoding (as
    :func:`_header` gives it), in one pass over the fields instead of two (perf9)."""
    hosts: list[bytes] = []
    encodings: list[bytes] = []
    for key, value in fields:
        size = len(key)
        if size == 4:
            if key.lower() == b"host":
                hosts.append(value)
        elif size == 16 and key.lower() == b"content-encoding":
            encodings.append(value)
    return tuple(hosts), _folded(encodings) if encodings else None


#: A field's name and value, for C-speed reads of all of them (map over the fields tuple).
_NAME_OF: Final = operator.itemgetter(0)
_VALUE_OF: Final = operator.itemgetter(1)
#: A route's key, with the Host header's values: everything ``pretty_url``, ``pretty_host`` and the
#: scope read of a request (mitmproxy's RequestData), read at C speed; declared once for
#: :meth:`ToolGuard._route` and the lean lane (:meth:`ToolGuard._on_queued_request`).
_ROUTE_FIELDS: Final = operator.attrgetter(
    "method", "scheme", "host", "port", "path", "authority", "http_version"
)


def _lean_fields(fields: tuple[tuple[bytes, bytes], ...]) -> tuple[bytes, ...] | None:
    """The Host header's values as :func:`_request_fields` gives them, for a request with neither
    a Content-Encoding nor more than one Host field; None for one with either (the caller then
    takes the full path, which reads them with :func:`_request_fields`).

    Without a Python loop over the fields (issue #12, session 20: the scan was 90 of the small
    request's ~1,450 bytecodes): a client sends the same header names in the same order on every
    request, so where the Host field is (or that the request is not lean) is remembered per tuple of
    names, exactly as the scan decides it, and each request costs a ``map`` and a dict lookup."""
    names = tuple(map(_NAME_OF, fields))
    at = _HOST_AT.get(names)
    if at is None:
        at = _host_at(names)
        if len(_HOST_AT) >= MAX_ROUTES:
            _HOST_AT.clear()
        _HOST_AT[names] = at
    if at >= 0:
        return (fields[at][1],)
    return () if at == _NO_HOST else None


#: Per tuple of request header names: the index of its one Host field, or one of the two below.
_HOST_AT: dict[tuple[bytes, ...], int] = {}
_NO_HOST: Final = -1  #: no Host field (HTTP/2, or a bare HTTP/1.0 request)
_NOT_LEAN: Final = -2  #: a Content-Encoding, or Host more than once: the full path reads them


def _host_at(names: tuple[bytes, ...]) -> int:
    """What :data:`_HOST_AT` remembers for ``names``, by the same tests as :func:`_request_fields`."""
    at = _NO_HOST
    for index, name in enumerate(names):
        size = len(name)
        if size == 4 and name.lower() == b"host":
            if at != _NO_HOST:
                return _NOT_LEAN
            at = index
        elif size == 16 and name.lower() == b"content-encoding":
            return _NOT_LEAN
    return at


#: The answers passed through chunk by chunk: Server-Sent Events (``sse.py``), and the raw streams of
#: ``rawstream.py`` (Bedrock's event stream, Ollama's NDJSON), as raw Content-Type media types.
_SSE_TYPE: Final = b"text/event-stream"
_RAW_STREAM_TYPES: Final = frozenset(media.encode() for media in RAW_STREAM_TYPES)
#: Any stream type inside a lower-cased header value: an answer without one is no stream.
_STREAM_HINT: Final = re.compile(b"|".join(re.escape(t) for t in (_SSE_TYPE, *sorted(_RAW_STREAM_TYPES))))


def _encoding_of(response: http.Response) -> str | None:
    """The answer's Content-Encoding, which capture.may_be_error_body reads only when it needs it."""
    return _header(response.data.headers.fields, b"content-encoding")


def _stream_kind(fields: tuple[tuple[bytes, bytes], ...]) -> Literal["sse", "raw"] | None:
    """Whether the answer is Server-Sent Events (``"sse"``: what ``_header(fields, b"content-type")``
    would say, its folded value starting with the first field's), one of the raw streams
    (``"raw"``), or neither, read on the raw bytes. The responseheaders hook runs for every flow and
    only a stream needs its Content-Type there; `_finish` reads it for the flows it stores (issue
    #12: a clean flow's hooks do only what its verdict needs). An answer none of whose values names a
    stream type, the usual one, is told at C speed without the loop (session 20)."""
    if _STREAM_HINT.search(b"\n".join(map(_VALUE_OF, fields)).lower()) is None:
        return None  # neither test below can hold: each needs its type inside a value
    for key, value in fields:
        if len(key) == 12 and key.lower() == b"content-type":
            if value[:17].lower() == _SSE_TYPE:
                return "sse"
            if value.split(b";", 1)[0].strip().lower() in _RAW_STREAM_TYPES:
                return "raw"
            return None
    return None


class Pending:
    """What `request` learned, kept until `response`/`error` decides whether to store the flow.

    A plain class with slots (no dataclass): the request hook passes its ten fields positionally
    and ``__init__`` sets the rest to constants (the dataclass's generated ``__init__`` took
    keywords and a default factory, on every request: issue #12, perf9). Slots, not class-level
    defaults: those made every read of an unset field a generic attribute lookup."""

    __slots__ = (
        "_secrets",
        "analysis",
        "answer_type",
        "answered_flow",
        "blocked",
        "body",
        "client_conn",
        "content_encoding",
        "extra",
        "facts_unknown",
        "flow",
        "headers",
        "job",
        "raw_path",
        "redact_headers",
        "repair",
        "repaired_at",
        "route",
        "sse_tap",
        "started",
        "validation",
    )

    analysis: Analysis
    started: float
    body: bytes | None  # as sent; decoded to the stored text only if the flow is stored
    # The request's header fields as sent (mitmproxy's immutable tuple of byte pairs: a later change
    # to the headers replaces it, never alters it) and its query string, for :attr:`secrets`.
    headers: tuple[tuple[bytes, bytes], ...]
    #: The request target as sent (mitmproxy's bytes; a later change replaces them), for
    #: :attr:`query`: decoded only when a stored flow or a quoted request needs its secrets.
    raw_path: bytes
    redact_headers: tuple[str, ...]
    content_encoding: str | None
    sse_tap: Any
    #: A stream's header fields as the responseheaders hook saw them and their Content-Type, so
    #: `_finish` does not read the same field again (mitmproxy replaces the tuple when they change);
    #: None for any other answer, whose Content-Type `_finish` reads only if it stores the flow.
    answer_type: tuple[tuple[tuple[bytes, bytes], ...], str | None] | None
    # The flow itself, so that `done` can store flows still in flight at shutdown (as no_answer).
    flow: http.HTTPFlow | None
    extra: dict[str, Any]
    # While the rules are still to run on the body in this process (observe mode: a loop turn later).
    validation: asyncio.Future[WorkerResult] | None
    #: The worker's sequence number while it validates the body (offload.py); 0 once judged.
    job: int
    #: Judged clean by the worker's watermark alone: the body facts a stored row needs (model,
    #: stream, JSON or not) were not sent and are read here only if the flow is stored.
    facts_unknown: bool
    answered_flow: http.HTTPFlow | None  # the flow ended before its verdict arrived
    #: Block mode answered the request itself; repair mode ran on it (``repair.changed``: it changed it).
    blocked: bool
    repair: RepairResult | None
    repaired_at: float | None
    # The client connection the flow came in on: a failed upstream connect is matched to it.
    client_conn: str
    # The request's route (its URL and host as mitmproxy shows them), for the stored row; None when
    # the request hook failed before deriving it.
    route: _Route | None
    _secrets: list[str] | None

    def __init__(
        self,
        analysis: Analysis,
        started: float,
        body: bytes | None,
        headers: tuple[tuple[bytes, bytes], ...] = (),
        raw_path: bytes = b"",
        redact_headers: tuple[str, ...] = (),
        content_encoding: str | None = None,
        flow: http.HTTPFlow | None = None,
        client_conn: str = "",
        route: _Route | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.analysis = analysis
        self.started = started
        self.body = body
        self.headers = headers
        self.raw_path = raw_path
        self.redact_headers = redact_headers
        self.content_encoding = content_encoding
        self.flow = flow
        self.client_conn = client_conn
        self.route = route
        self.extra = {} if extra is None else extra
        self.sse_tap = None
        self.answer_type = None
        self.validation = None
        self.job = 0
        self.facts_unknown = False
        self.answered_flow = None
        self.blocked = False
        self.repair = None
        self.repaired_at = None
        self._secrets = None

    @property
    def query(self) -> str:
        """The query string, as ``request.path.partition("?")[2]`` gives it."""
        return _native(self.raw_path).partition("?")[2]

    @property
    def secrets(self) -> list[str]:
        """The literal secrets the request carries (:func:`redact.secret_values`), collected on first
        use: only a stored flow or a log line that quotes the request needs them, and a clean flow
        is neither (issue #12: the clean path does only what its verdict needs)."""
        if self._secrets is None:
            self._secrets = redact.secret_values(
                ((_native(k), _native(v)) for k, v in self.headers),
                self.query,
                self.redact_headers,
                self.route.url if self.route is not None else _native(self.raw_path),
            )
        return self._secrets

    def request_to_store(self) -> tuple[bytes | None, str | None]:
        """The request body for the store and its Content-Encoding: the bytes decoded here when
        they were (and parsed), else the body as sent. The writer thread turns them into the stored
        text (:func:`capture.stored_request`): decoding, or only turning a 30 MB body into text, on
        the event loop would hold every other flow (issue #12)."""
        body = self.body
        if body is not None and self.content_encoding:
            if self.analysis.decoded is not None and self.analysis.is_json:  # decoded here already
                return self.analysis.decoded, None
            return body, self.content_encoding
        return body, None


@dataclass(slots=True, frozen=True)
class _Named:
    """A root cause as the store reported it: what the comment and the console line say of it."""

    cause_id: str
    title: str


@dataclass(slots=True)
class _Awaiting:
    """A stored rejection (or false alarm) whose verdict the writer decides: what its console line
    needs."""

    flow: http.HTTPFlow
    capture: Capture
    findings: list[Finding]
    status: int | None
    console: bool  # the line is shown (the console option, and no UI that shows it already)
    since: float  # time.monotonic() when it was handed over
    # The writer changed its findings (learned.* added, a demoted rule's error lowered): the
    # provisional annotation does not stand even with the same verdict.
    findings_changed: bool = False


@dataclass(slots=True)
class Settings:
    db_path: str  # the SQLite file written; with a PostgreSQL target, its local spool
    hosts: tuple[str, ...]
    paths: tuple[re.Pattern[str], ...]
    record_paths: tuple[re.Pattern[str], ...]
    max_body_bytes: int
    store_all: bool
    offload_min_bytes: int | None  # None: every body is validated in the proxy's own process
    demote_after: int
    redact_headers: tuple[str, ...] = ()
    mode: Mode = Mode.OBSERVE
    repair: RepairOptions = field(default_factory=RepairOptions)
    run_id: str = PROCESS_RUN_ID
    console: bool = True
    pg_url: str | None = None  # toolguard_db=postgresql://...: the spool is synced there (pgstore.py)
    otlp_endpoint: str = ""
    otlp_content: bool = False
    # The command the console line names for a stored flow: `toolguard show` reads the default
    # database, so a proxy writing elsewhere must say where (a bare `toolguard show ID` answered
    # "no toolguard database at ..." for `--set toolguard_db=proxy.db`).
    show_command: str = "toolguard show"
    writer: str = "process"  # toolguard_writer: the store in a child process (writerproc.py) or a thread

    def sinks(self) -> tuple[str, str | None, str, bool, str]:
        """What the store and its hooks depend on: a change reopens them."""
        return (self.db_path, self.pg_url, self.otlp_endpoint, self.otlp_content, self.writer)


class ToolGuard:
    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.store: Store | ProcessStore | None = None
        self.syncer: Any = None  # pgstore.Syncer when toolguard_db is a postgresql:// URL
        self.otlp: Any = None  # otel.OtlpExport when toolguard_otlp_endpoint is set
        self.pending: dict[str, Pending] = {}
        self.stats: Counter[str] = Counter()
        # Hosts of the requests counted in stats["model_rules_skipped"] (bounded: visibility.add_host).
        self.skipped_hosts: Counter[str] = Counter()
        # The models of the requests whose model rules were skipped, local servers' too (bounded like
        # the hosts): said once per model at shutdown and in the run report (trial22).
        self.skipped_models: Counter[str] = Counter()
        # Requests (stats["unrecognised_requests"]) per host no provider profile recognises, stored or
        # not: a clean run against a gateway stores nothing, yet its report must say the generic
        # profile judged it (bounded: visibility.add_host).
        self.unrecognised_hosts: Counter[str] = Counter()
        # Requests (stats["unchecked_requests"]) per upstream and path that no rule validated because
        # of the path, and the ids of those awaiting their answer (stats["unchecked_rejected"]): a run
        # whose client typo'd its path otherwise read "0 validated, 0 rejected" (bounded like pending).
        self.unchecked_paths: Counter[str] = Counter()
        self._unchecked_flows: dict[str, None] = {}
        # Requests (stats["ignored_requests"]) that were no API call toolguard validates, per method,
        # upstream and path shape (_Route.ignored_path; bounded: visibility.add_host).
        self.ignored_paths: Counter[str] = Counter()
        # The HTTP bodies passed through beyond toolguard's limits, by the rule that says which
        # (body.too-large ...): the shutdown says them as toolguard run's report does.
        self.passed_through: Counter[str] = Counter()
        # Connections to an upstream that failed before the client sent anything (stats
        # ["unreachable_connects"]), per upstream: a regular-mode CONNECT that mitmproxy's eager
        # strategy answered 502 (bounded: visibility.add_host).
        self.unreachable_upstreams: Counter[str] = Counter()
        self._gc_frozen = False
        self._running = False
        # The store said it is ready (the writer process's handshake is read off the event loop).
        self._store_ready = False
        # When the store's first snapshot of the learned knowledge reached this proxy (time.time(),
        # as a request's timestamp_start): a rejection of a request that started before it is stored
        # with judged_before_knowledge, and the writer applies what that snapshot held.
        self._knowledge_at: float | None = None
        self._start_failed = False  # the one line said it: no "nothing seen" at the stop
        # Command-line values of toolguard's options that mitmproxy could not take (see load).
        self._option_errors: list[str] = []
        self.summary_thread: threading.Thread | None = None
        self._logged_errors: set[tuple[str, str]] = set()
        self.registry: ProviderRegistry = DEFAULT_REGISTRY
        self.sockets: SocketWorker | None = None
        self.run_started = PROCESS_STARTED
        self.validator = Validator()
        self.validator.on_done = self._on_jobs_done
        self.validator.on_lost = self._on_jobs_lost
        # The knowledge the worker's contexts were made with (they carry its JSON for their host).
        self._context_knowledge: Knowledge | None = None
        # What the upstreams taught (learned.py): a snapshot the writer thread replaces whole after
        # each write that changed it, so the event loop reads it without touching SQLite.
        self.knowledge: Knowledge = NOTHING_LEARNED
        # Block and repair mode: the constraints this proxy read in a rejection itself, kept in
        # its snapshot until the writer's holds them (_learn_early): (when, host, model, constraint).
        self._early_lessons: tuple[tuple[float, str, str, LearnedConstraint], ...] = ()
        self._early_lock = threading.Lock()
        self._routes: dict[tuple[Any, ...], _Route] = {}
        # The lean lane's routes (see _on_queued_request), by _route's key: a validated route, its
        # worker context and the context's header source, made once per route; cleared with _routes.
        self._lean_routes: dict[
            tuple[Any, ...], tuple[_Route, Hashable, Callable[[], dict[str, object]]]
        ] = {}
        # Rejections whose root cause the writer reads (observe mode): their console line and final
        # comment wait for its verdict (issue #12: the catalogue off the event loop). The inbox is
        # filled on the store's threads and emptied on the loop.
        self._awaiting: dict[str, _Awaiting] = {}
        self._verdict_inbox: deque[list[Verdicts]] = deque()
        # Flows only the writer's learned.* findings flagged (_hear_verdicts; Capture.apply_learned).
        self.late_flagged = 0
        self._inbox_scheduled = False
        self._verdict_loop: asyncio.AbstractEventLoop | None = None
        self._verdict_sweep: asyncio.TimerHandle | None = None
        # Observe mode inside mitmproxy's running loop: the request and response hooks only queue the
        # flow, and one callback a loop turn later reads the turn's requests, then its answers (see
        # `request`). None: each flow is read in its own hook (block and repair mode, hooks by hand).
        self._inbox_loop: asyncio.AbstractEventLoop | None = None
        self._running_loop: asyncio.AbstractEventLoop | None = None  # mitmproxy's, from `running`
        self._request_inbox: list[http.HTTPFlow] = []
        self._answer_inbox: list[http.HTTPFlow] = []  # their `response` hooks, read after them
        self._drain_due = False  # a `_drain` is scheduled, or a queue holds a flow
        # The lean lane (session 20, issue #12): with the inbox armed, a small body the running
        # worker can take at once is handed to it without a Pending; ``self.pending`` then holds a
        # list for the flow (see _LEAN_*), made a Pending only if the flow leaves the lane. None: the
        # lane is closed (block and repair mode, store_all, no worker); else the body's size floor.
        self._lean_min: int | None = None
        # The drain's one Handle, appended to the loop's ready queue instead of a call_soon and a new
        # Handle per batch (asyncio's base loop; None on another loop: call_soon as before).
        self._ready: deque[asyncio.Handle] | None = None
        self._drain_handle: asyncio.Handle | None = None

    # ----------------------------------------------------------------- lifecycle

    def load(self, loader: Any) -> None:
        loader.add_option(
            "toolguard_db",
            str,
            "",
            "Path of the SQLite database toolguard writes flagged flows to. Empty means $TOOLGUARD_DB, "
            "or else the per-user default (~/.local/share/toolguard/toolguard.db on Linux). "
            "A postgresql:// URL writes to a shared PostgreSQL database instead, through a local "
            "spool file (see toolguard_spool and docs/deployment.md).",
        )
        loader.add_option(
            "toolguard_spool",
            str,
            "",
            "With toolguard_db=postgresql://...: the local SQLite file rows are written to first and "
            "synced from (kept while PostgreSQL is unreachable). Empty means a file beside the default "
            "database named after the PostgreSQL target; give each proxy on one machine its own.",
        )
        loader.add_option(
            "toolguard_otlp_endpoint",
            str,
            "",
            "Export each stored flow as an OpenTelemetry log record and span to this OTLP/HTTP "
            "endpoint (e.g. http://127.0.0.1:4318; /v1/logs and /v1/traces are appended). Empty: off.",
        )
        loader.add_option(
            "toolguard_otlp_content",
            bool,
            False,
            "Include the (redacted) request body and response in the exported log records.",
        )
        loader.add_option(
            "toolguard_hosts",
            Sequence[str],
            [],
            "Only validate requests to these hosts (shell-style globs such as '*.openai.azure.com'; "
            "repeat the option for several). Empty means every host.",
        )
        loader.add_option(
            "toolguard_paths",
            Sequence[str],
            list(DEFAULT_PATHS),
            "Only validate POST requests whose path matches one of these regular expressions "
            "(searched, not anchored unless the pattern says so).",
        )
        loader.add_option(
            "toolguard_record_paths",
            Sequence[str],
            list(DEFAULT_RECORD_PATHS),
            "POST requests to other API paths matching these regular expressions are not validated, "
            "but stored when the upstream rejects them (or does not answer), as unexplained rejections.",
        )
        loader.add_option(
            "toolguard_max_body",
            str,
            "32m",
            "Request bodies larger than this (k/m/g suffixes) are passed through without validation; "
            "a finding records that they were skipped.",
        )
        loader.add_option(
            "toolguard_offload",
            str,
            "0",
            "Request bodies of at least this size (k/m/g suffixes; 0, the default: every body) are "
            "validated in a separate worker process, so in observe mode the proxy forwards them without "
            "waiting for the rules and its own share is a few microseconds; smaller bodies are validated "
            "in place. WebSocket messages go to the worker from this size too (from 64k when it is 0). 'off' "
            "validates every body in the proxy's own process.",
        )
        loader.add_option(
            "toolguard_writer",
            str,
            DEFAULT_WRITER,
            "Where stored flows are turned into rows and written: 'process' (a child process, so the "
            "redaction, error parsing and inserts of a stored flow cost the proxy almost nothing; "
            "the PostgreSQL syncer and the OpenTelemetry export run there too) or 'thread' (a thread "
            "in the proxy's own process).",
            choices=list(WRITERS),
        )
        loader.add_option(
            "toolguard_gc_freeze",
            bool,
            True,
            "Once the proxy is running, move the objects that exist then (mitmproxy's own, long-lived) "
            "out of the garbage collector's scans with gc.freeze(). Parsing large request bodies "
            "allocates many objects, and every full collection would otherwise walk the whole proxy.",
        )
        loader.add_option(
            "toolguard_store_all",
            bool,
            False,
            "Store every intercepted API flow, not only flows with a finding or an upstream rejection.",
        )
        loader.add_option(
            "toolguard_demote_after",
            int,
            DEFAULT_DEMOTE_AFTER,
            "After the upstream accepts this many requests that a built-in rule flagged as an error, the "
            "rule is a warning for that host and model (see `toolguard learned list`). 0 turns learning "
            "from accepted requests off.",
        )
        loader.add_option(
            "toolguard_mode",
            str,
            Mode.OBSERVE.value,
            "What toolguard does with a request that has an error finding. 'observe' (the default) changes "
            "nothing on the wire and only records. 'block' answers the request itself with the provider's "
            "own error shape and status, so it never reaches the upstream. 'repair' applies the fixes "
            "enabled by toolguard_repair and sends the repaired request, recording every change. See "
            "docs/modes.md.",
        )
        loader.add_option(
            "toolguard_repair",
            str,
            "sequence",
            "In repair mode, the comma-separated families of fixes to apply: 'sequence' (tool-call "
            "pairing), 'params' (top-level fields the provider or model rejects), 'fields' (message keys "
            "a strict server rejects), 'learned' (what this upstream rejected before, from the learned "
            "constraints). Each fix is listed with its risks in docs/modes.md.",
        )
        loader.add_option(
            "toolguard_repair_unanswered",
            str,
            Unanswered.ANSWER.value,
            "In repair mode, what to do with a tool call that no tool message answers: 'answer' adds a "
            "tool result marked as synthetic by toolguard, 'remove' removes the call from the assistant "
            "message.",
        )
        loader.add_option(
            "toolguard_providers",
            str,
            "",
            "TOML file mapping gateway hosts to providers and declaring model capabilities "
            "(see docs/providers.md). Empty means the built-in provider profiles only.",
        )
        loader.add_option(
            "toolguard_run_id",
            str,
            "",
            "Id of the run this proxy's flows belong to (the runs table, flows.run_id). `toolguard run` "
            "sets it so that it reports exactly its own flows; empty means a new id for this process.",
        )
        loader.add_option(
            "toolguard_run_command",
            str,
            "",
            "The command recorded in this run's row (`toolguard run` records the client it ran). "
            "Empty means mitmdump's own command line.",
        )
        loader.add_option(
            "toolguard_console",
            bool,
            True,
            "Print one line to the console (at info level) for each flow with findings or an upstream "
            "rejection: its verdict, first rule, location and flow id. Set it to false to silence these lines.",
        )
        loader.add_option(
            "toolguard_redact_headers",
            Sequence[str],
            [],
            "More request/response header names to treat as credentials (shell-style globs such as "
            "'x-my-gateway-*'; repeat the option for several). Their values are never stored, and are "
            "scrubbed wherever they are echoed. Built in: Authorization, Cookie, *auth*, *-key, *-token, "
            "*api-key*, *secret* and more, and any value shaped like 'Bearer ...' or a provider key "
            "(docs/schema.md).",
        )
        self._option_errors = _command_line_errors(loader.master.options)

    def configure(self, updated: set[str]) -> None:
        if self._drain_due:  # read by the settings they came under
            self._drain()
        try:
            self._configure(updated)
            self._arm_inbox()
        except exceptions.OptionsError as exc:
            if self._running:  # a change at runtime (`:set` in the console): mitmproxy rejects it
                raise
            # At start-up mitmproxy would print a 20-line traceback ("error in script ...") and still
            # announce "listening at"; one line says what is wrong, and mitmdump exits (errorcheck:
            # an error logged during start-up stops it with exit code 1).
            logger.error("toolguard: cannot start: %s", exc)

    def _configure(self, updated: set[str]) -> None:
        if self._option_errors:  # said once, as every start-up error, and mitmdump exits
            errors, self._option_errors = self._option_errors, []
            raise exceptions.OptionsError("; ".join(errors))
        self._routes.clear()  # they depend on the settings and the providers file
        self._lean_routes.clear()
        # So do the worker's contexts (the providers file, toolguard_max_body): sent again.
        self.validator.forget_contexts()
        if "toolguard_providers" in updated:
            # Parsed once here; a bad file stops start-up with the file, line/field and reason.
            path = ctx.options.toolguard_providers
            try:
                self.registry = load_registry(path) if path else DEFAULT_REGISTRY
                # The content view judges flows the addon never saw by the same providers file.
                contentview.chat_completions.registry = self.registry
            except ProvidersConfigError as exc:
                raise exceptions.OptionsError(f"toolguard_providers: {exc}") from None
        if not updated & {
            "toolguard_db",
            "toolguard_hosts",
            "toolguard_paths",
            "toolguard_record_paths",
            "toolguard_max_body",
            "toolguard_store_all",
            "toolguard_run_id",
            "toolguard_console",
            "toolguard_redact_headers",
            "toolguard_offload",
            "toolguard_writer",
            "toolguard_demote_after",
            "toolguard_spool",
            "toolguard_otlp_endpoint",
            "toolguard_otlp_content",
            "toolguard_mode",
            "toolguard_repair",
            "toolguard_repair_unanswered",
        }:
            return
        opts = ctx.options
        paths = _compile_patterns("toolguard_paths", opts.toolguard_paths)
        record_paths = _compile_patterns("toolguard_record_paths", opts.toolguard_record_paths)
        max_body = _size_option("toolguard_max_body", opts.toolguard_max_body, minimum=1)
        offload = opts.toolguard_offload.strip().lower()
        offload_min = (
            None if offload == "off" else _size_option("toolguard_offload", offload, minimum=0, also="'off'")
        )
        if opts.toolguard_writer not in WRITERS:  # mitmproxy checks `choices` in its console only
            raise exceptions.OptionsError(
                f"toolguard_writer: {opts.toolguard_writer!r} is not one of {', '.join(WRITERS)}"
            )
        otlp_endpoint = opts.toolguard_otlp_endpoint.strip()
        if otlp_endpoint:
            parts = urllib.parse.urlsplit(otlp_endpoint)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                # Taken before: every export then failed, counted in otlp_failed with no reason said.
                raise exceptions.OptionsError(
                    f"toolguard_otlp_endpoint: {otlp_endpoint!r} is not an http:// or https:// URL of an "
                    "OTLP/HTTP collector, such as http://127.0.0.1:4318"
                )
        if opts.toolguard_demote_after < 0:  # read as 0 before: learning silently off
            raise exceptions.OptionsError(
                f"toolguard_demote_after: {opts.toolguard_demote_after} is negative; give a count of "
                "accepted requests (0 turns demotion off)"
            )
        pg_url = opts.toolguard_db if is_postgres_url(opts.toolguard_db) else None
        if pg_url:
            db_path = opts.toolguard_spool or str(spool_path_for(pg_url))
        else:
            db_path = str(opts.toolguard_db or default_db_path())
        try:
            mode = parse_mode(opts.toolguard_mode)
        except ValueError as exc:
            raise exceptions.OptionsError(f"toolguard_mode: {exc}") from None
        try:
            families = parse_families(opts.toolguard_repair)
        except ValueError as exc:
            raise exceptions.OptionsError(f"toolguard_repair: {exc}") from None
        try:
            unanswered = parse_unanswered(opts.toolguard_repair_unanswered)
        except ValueError as exc:
            raise exceptions.OptionsError(f"toolguard_repair_unanswered: {exc}") from None
        settings = Settings(
            db_path=db_path,
            hosts=tuple(h.lower() for h in opts.toolguard_hosts),
            paths=paths,
            record_paths=record_paths,
            max_body_bytes=max_body if max_body is not None else DEFAULT_MAX_BODY_BYTES,
            store_all=opts.toolguard_store_all,
            run_id=opts.toolguard_run_id or PROCESS_RUN_ID,
            console=opts.toolguard_console,
            offload_min_bytes=offload_min
            if offload_min is not None or offload == "off"
            else DEFAULT_OFFLOAD_MIN_BYTES,
            demote_after=opts.toolguard_demote_after,
            redact_headers=tuple(opts.toolguard_redact_headers),
            pg_url=pg_url,
            otlp_endpoint=otlp_endpoint,
            otlp_content=opts.toolguard_otlp_content,
            writer=opts.toolguard_writer,
            mode=mode,
            repair=RepairOptions(families=families, unanswered=unanswered),
            show_command=show_command_for(opts.toolguard_db),
        )
        if self.store is None or self.settings is None or settings.sinks() != self.settings.sinks():
            self.knowledge = NOTHING_LEARNED
            self._knowledge_at = None
            self._early_lessons = ()
            store, syncer, otlp = self._open_store(settings)
            self._close_sockets()  # it writes to the old store: finish it first
            self._close_store()
            self.store, self.syncer, self.otlp = store, syncer, otlp
            if isinstance(store, ProcessStore) and not self._store_ready:
                self._hear_start(store)  # once it is self.store: _store_started checks that
        elif self.sockets is not None:
            self.sockets.store_all = settings.store_all
            self.sockets.run_id = settings.run_id
        self.store.demote_after = _demote_after(settings)
        self.settings = settings

    def running(self) -> None:
        self._running = True
        _PROXY_STARTED.set()
        try:
            self._running_loop = asyncio.get_running_loop()
        except RuntimeError:  # the hook called by hand, outside a loop (tests)
            self._running_loop = None
        self._arm_inbox()
        # The model catalog is read on its first lookup (catalog.py): here, before traffic, rather
        # than in the first request's hook (about 30 ms of file read and JSON parse on the loop).
        try:
            catalog.snapshot_meta()
        except Exception as exc:  # never stops the proxy; the model rules then fail per flow, counted
            logger.warning("toolguard: cannot read the model catalog: %r", exc)
        if self.settings:
            if self._store_ready:  # else once the writer process is (_store_started)
                self._store_running()
            if self.settings.pg_url:
                logger.info(
                    "toolguard: rows are written to the spool %s first and synced from it to %s",
                    self.settings.db_path,
                    redact_url(self.settings.pg_url),
                )
            if self.settings.mode is not Mode.OBSERVE:
                families = ",".join(sorted(self.settings.repair.families)) or "none"
                logger.info(
                    "toolguard: mode %s%s",
                    self.settings.mode,
                    f" (repairs: {families})" if self.settings.mode is Mode.REPAIR else "",
                )
        self._put_run(ended=False)
        # Measured with scripts/bench_proxy.py: about half of toolguard's added latency on a 70 KB
        # agent request was full collections walking mitmproxy's start-up objects.
        if ctx.options.toolguard_gc_freeze and not self._gc_frozen:
            gc.collect()
            gc.freeze()
            self._gc_frozen = True

    def done(self) -> None:
        self._inbox_loop = None
        if self._drain_due:  # flows of the last loop turn: read like any other
            self._drain()
        # Bodies the worker has not answered yet, and bodies whose rules were still to run a loop
        # turn later, are validated here, so a flow that ended just before shutdown keeps its
        # verdict (at most the worker's bounded backlog).
        unjudged = [
            self._pending_of(o) if type(o) is list else o  # lean flows: on the full path from here
            for o in self.validator.outstanding()
            if (o[_LEAN_JOB] if type(o) is list else isinstance(o, Pending) and o.job)
        ]
        unjudged += [p for p in self.pending.values() if isinstance(p, Pending) and p.validation is not None]
        for pending in unjudged:
            flow = pending.answered_flow or pending.flow
            if flow is None:
                continue
            # Guarded like every hook: one flow's failure must not skip the flows after it, nor the
            # store's drain below (the rows already queued would be lost).
            self._guard("done", flow, lambda f, p=pending: self._settle(f, p))
        self.validator.close()
        # Flows still in flight (the upstream has not answered, or a stream is still running) never
        # reach `response`/`error` once mitmproxy shuts down: store them now, as no_answer.
        for flow_id in list(self.pending):
            pending = self.pending.get(flow_id)
            if type(pending) is list:  # a lean flow judged clean, its answer not come
                pending = self._pending_of(pending)
            if pending is not None and pending.flow is not None:
                self._guard("done", pending.flow, lambda flow: self._finish(flow, shutdown=True))
        self.pending.clear()
        # The content view outlives this addon (hot reload, tests): it falls back to the built-ins.
        contentview.chat_completions.registry = DEFAULT_REGISTRY
        self._close_sockets()  # its last rows and counts go to the store before the run row and the drain
        said_counts = False
        if self.store is not None:
            self._put_run(ended=True)
            run_counts = _said_counts(self._run_stats())  # before this instance's join the stopped ones
            if self.settings is not None:
                key = (self.settings.db_path, self.settings.run_id)
                _STOPPED_COUNTS[key] = _STOPPED_COUNTS.get(key, Counter()) + self.stats
                _STOPPED_SKIPPED_HOSTS[key] = _STOPPED_SKIPPED_HOSTS.get(key, Counter()) + self.skipped_hosts
                _STOPPED_SKIPPED_MODELS[key] = (
                    _STOPPED_SKIPPED_MODELS.get(key, Counter()) + self.skipped_models
                )
                _STOPPED_UNRECOGNISED_HOSTS[key] = (
                    _STOPPED_UNRECOGNISED_HOSTS.get(key, Counter()) + self.unrecognised_hosts
                )
                _STOPPED_UNCHECKED_PATHS[key] = (
                    _STOPPED_UNCHECKED_PATHS.get(key, Counter()) + self.unchecked_paths
                )
                _STOPPED_IGNORED_PATHS[key] = _STOPPED_IGNORED_PATHS.get(key, Counter()) + self.ignored_paths
            # Drains the whole queue however long it takes, with progress lines, and logs how many
            # rows were written (and dropped, and why); see Store.close. Then the syncer and the
            # exporter send what is left (both bounded).
            closed = self._close_store()
            self._flush_verdicts()  # the drained writer's verdicts: every console line before the stats
            # The flows the writer's learned.* findings flagged (it adds them to the run row it writes).
            run_counts["with_findings"] += self.late_flagged
            for line in self._stopped_lines(run_counts, json.loads(closed)):
                logger.info("%s", line)
            # Every counter, for scripts: the toolguard.stats command's JSON, after the words.
            logger.info("%s%s", STATS_LINE_PREFIX, closed)
            said_counts = True
        elif self._awaiting:  # the store failed meanwhile
            self._flush_verdicts()
        for line in [] if self._start_failed else self._unseen_lines(nothing_seen=not said_counts):
            logger.info("%s", line)

    def _stopped_lines(self, run_counts: Mapping[str, int], stats: Mapping[str, Any]) -> list[str]:
        """The run's counts at shutdown in the words of ``toolguard run``'s report (a raw dict of
        counters before; trial17), then what the upstreams taught, when they taught anything."""
        counts = counts_line(run_counts)
        lines = [counts if counts.startswith(NOTHING_SEEN) else f"toolguard: this run: {counts}"]
        learned = int(stats.get("learned_constraints") or 0)
        if learned:
            constraints = "1 constraint" if learned == 1 else f"{learned} constraints"
            lines.append(
                f"toolguard: {constraints} learned from the upstreams' answers in force (toolguard learned list)"
            )
        engines = list(stats.get("learned_engines") or [])
        if engines:
            lines.append(
                "toolguard: engines and gateways inferred from the upstreams' answers (their error levels "
                "apply there; toolguard learned list): " + "; ".join(engines)
            )
        demoted = list(stats.get("demoted_rules") or [])
        if demoted:
            lines.append(
                "toolguard: warnings, not errors, where the upstream kept accepting them: "
                + ", ".join(demoted)
            )
        return lines

    def _unseen_lines(self, *, nothing_seen: bool = True) -> list[str]:
        """What the proxy did not see or could not check, in words (visibility.py): no request at all
        (unless the counts line said it: ``nothing_seen``), requests whose provider and model no catalog
        knows. Said at shutdown, after the stats."""
        stats = self.all_stats()
        lines = []
        if nothing_seen and not stats.get("requests_seen") and not stats.get("websocket_messages"):
            lines.append(NOTHING_SEEN)
        skipped = skipped_line(
            stats.get("model_rules_skipped", 0),
            self.skipped_hosts,
            models=self.skipped_models,  # this instance's, as the counts and hosts beside it
            local=stats.get("model_rules_skipped_local", 0),
        )
        if skipped:
            lines.append(f"toolguard: {skipped}")
        unrecognised = unrecognised_line(
            stats.get("unrecognised_requests", 0),
            self.unrecognised_hosts,
            websocket=bool(stats.get("websocket_messages")),
        )
        if unrecognised:
            lines.append(f"toolguard: {unrecognised}")
        unreachable = unreachable_line(stats.get("unreachable_connects", 0), self.unreachable_upstreams)
        if unreachable:
            lines.append(f"toolguard: {unreachable}")
        lines += [
            f"toolguard: {line}"
            for line in unchecked_lines(
                stats.get("unchecked_requests", 0), stats.get("unchecked_rejected", 0), self.unchecked_paths
            )
        ]
        # "1 request reached the proxy: 0 validated, 0 with findings" said nothing of why (a body over
        # toolguard_max_body): the same sentence as toolguard run's report (session 21).
        passed = passed_through_line(self.passed_through)
        if passed:
            lines.append(f"toolguard: {passed}")
        ignored = ignored_line(
            stats.get("ignored_requests", 0), merge_hosts([self.ignored_paths]), how=self._ignored_how()
        )
        if ignored:
            lines.append(f"toolguard: {ignored}")
        return lines

    def _ignored_how(self) -> str:
        """What this proxy validates, naming its toolguard_hosts and toolguard_paths when they are not
        the defaults (visibility.ignored_how)."""
        settings = self.settings
        if settings is None:
            return ignored_how()
        paths = tuple(p.pattern for p in settings.paths)
        return ignored_how(settings.hosts, paths if paths != DEFAULT_PATHS else None)

    def _store_running(self) -> None:
        """Running, with the store ready: start the validation worker, and say the proxy is storing
        (``toolguard run`` waits for that line). Not before: a proxy whose writer process cannot
        start stops at once, with one line."""
        if self.settings is not None:
            if self.settings.offload_min_bytes is not None:
                # Started in the background; until it is up, bodies are validated in place.
                self.validator.launch()
            settings = self.settings
            logger.info(
                "%s", store_ready_line(settings.db_path, settings.run_id, store_all=settings.store_all)
            )

    def _open_store(self, settings: Settings) -> tuple[Store | ProcessStore, Any, Any]:
        """The store, started, and its sinks: built in the writer process with
        ``toolguard_writer=process`` (writerproc.py), else here. A bad database path fails here,
        loudly (OptionsError) — except the writer process's at start-up, which is not waited for
        (about 0.7 s of imports and migrations would hold mitmdump's start and its event loop):
        ``_store_started`` hears how it went, and a failure then stops mitmdump just the same."""
        if settings.writer == "process":
            store = ProcessStore(
                settings.db_path,
                demote_after=_demote_after(settings),
                on_knowledge=self._set_knowledge,
                on_verdicts=self._hear_verdicts,
                pg_url=settings.pg_url,
                otlp_endpoint=settings.otlp_endpoint,
                otlp_content=settings.otlp_content,
            )
            # A change at runtime (`:set toolguard_db=...`) is waited for: mitmproxy must be able to
            # reject it (OptionsError), keeping the store that works.
            wait = self._running
            try:
                store.start(wait=wait)
            except WriterStartError as exc:
                raise exceptions.OptionsError(f"{exc.option}: {exc.message}") from None
            except Exception as exc:
                raise exceptions.OptionsError(
                    f"toolguard_db: cannot start the writer process: {exc!r}"
                ) from None
            self._store_ready = wait
            return store, None, None
        thread_store = Store(
            settings.db_path,
            demote_after=_demote_after(settings),
            on_knowledge=self._set_knowledge,
            on_verdicts=self._hear_verdicts,
        )
        try:
            thread_store.start()
        except Exception as exc:
            raise exceptions.OptionsError(f"toolguard_db: {cannot_open(settings.db_path, exc)}") from None
        try:
            syncer, otlp = _open_sinks(settings, thread_store)
        except Exception:
            thread_store.close()
            raise
        self._store_ready = True
        return thread_store, syncer, otlp

    def _hear_start(self, store: ProcessStore) -> None:
        """Have ``_store_started`` called on the event loop when the writer process's start ends."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a test driving the hooks by hand): on its thread
            loop = None
        at_startup = not _PROXY_STARTED.is_set()  # not a hot reload of a running proxy
        store.started.add_done_callback(
            lambda future: _call_on_loop(loop, self._store_started, store, future.exception(), at_startup)
        )

    def _store_started(self, store: ProcessStore, error: BaseException | None, at_startup: bool) -> None:
        """How the writer process's start went (on the event loop). Ready: say the proxy is storing.
        Failed: the one ``cannot start`` line, and no store (flows pass, nothing stored); at
        mitmdump's start-up it then exits with status 1, as for any start-up error."""
        if store is not self.store:  # replaced or closed meanwhile
            return
        if error is None:
            self._store_ready = True
            if self._running:
                self._store_running()
            return
        message = f"{error.option}: {error.message}" if isinstance(error, WriterStartError) else repr(error)
        logger.error("toolguard: cannot start: %s", message)
        self._start_failed = True
        self._close_sockets()
        self.store = None
        store.close()
        if at_startup and self._running:
            # mitmproxy's errorcheck stops a start-up that logged an error before `running`; this
            # one came after (the writer is not waited for), so stop it the same way: exit status 1
            # (SystemExit leaves the event loop; mitmproxy still runs every addon's `done`), with the
            # line errorcheck prints (mitmproxy/addons/errorcheck.py), which scripts look for.
            print("Error logged during startup, exiting...", file=sys.stderr)
            raise SystemExit(1)

    def _close_store(self) -> str:
        """Drain the store, then let the syncer send the rest and the exporter flush (both bounded);
        returns the final ``toolguard.stats``."""
        if self.store is not None:
            self.store.close()
        if self.syncer is not None:
            self.syncer.close()
        if self.otlp is not None:
            self.otlp.shutdown()
        final = self._stats_json()
        self.store = self.syncer = self.otlp = None
        return final

    def _close_sockets(self) -> None:
        """Let the WebSocket worker judge what it queued and hand its last rows to the store; its
        counters join the hooks' (the run row and `toolguard.stats` count both)."""
        if self.sockets is not None:
            self.sockets.close()
            self.stats.update(self.sockets.stats)
            for host, n in self.sockets.skipped_hosts.items():
                add_host(self.skipped_hosts, host, n)
            for host, n in self.sockets.unrecognised_hosts.items():
                add_host(self.unrecognised_hosts, host, n)
            self.sockets = None

    def _sink_stats(self) -> dict[str, int]:
        stats: dict[str, int] = {}
        for sink in (self.syncer, self.otlp):
            if sink is not None:
                stats.update(sink.stats())
        return stats

    def _settle(self, flow: http.HTTPFlow, pending: Pending) -> None:
        """At shutdown: a body not judged yet (the worker's verdict did not come, or its rules were
        still to run) is validated here; an answered flow is then finished."""
        pending.validation = None
        pending.job = 0
        self._validate_in_place(flow, pending)
        if pending.answered_flow is not None:
            self._finish(pending.answered_flow)

    def _all_hosts(self, name: str) -> list[Mapping[str, int]]:
        """The hooks' host tally ``name`` and the WebSocket worker's, as :meth:`all_stats` adds up
        their counts (the worker's joins the hooks' at close). A copy of the worker's: its thread
        adds to it meanwhile."""
        tallies: list[Mapping[str, int]] = [getattr(self, name)]
        if self.sockets is not None:
            tallies.append(dict(getattr(self.sockets, name)))
        return tallies

    def all_stats(self) -> dict[str, int]:
        """The counters of the hooks and of the WebSocket worker, added up."""
        counts = Counter(self.stats)
        if self.sockets is not None:
            counts.update(self.sockets.stats)
        return dict(counts)

    # ----------------------------------------------------------------- flow hooks

    # The three hooks of every HTTP flow catch in place instead of going through `_guard`: a call
    # and a bound method fewer per hook, on every flow (issue #12; docs/benchmarks.md, perf9).
    def request(self, flow: http.HTTPFlow) -> Awaitable[None] | None:
        self.stats["requests_seen"] += 1
        loop = self._inbox_loop
        if loop is not None:
            # Observe mode: nothing waits for toolguard, so the flow is only queued, and one callback
            # a loop turn later reads every request and answer this turn brought (three requests on
            # average under wrk's 8 connections): toolguard's code and data are then fetched into the
            # CPU's caches once per batch instead of once per flow between mitmproxy's own
            # (docs/benchmarks.md, session 14). The answer cannot overtake its request: requests are
            # read first, and every other hook that reads a flow's state empties the queues first.
            inbox = self._request_inbox  # _queue's work, inline: every request comes here
            inbox.append(flow)
            if not self._drain_due:
                self._schedule_drain(loop)
            elif len(inbox) >= MAX_QUEUED:
                self._drain()
            return None
        if not self._store_ready:
            started = self._knowledge_coming(flow)
            if started is not None:
                # mitmproxy awaits what a hook returns when it is awaitable: this request only.
                self.stats["held_for_knowledge"] += 1
                return self._request_when_known(flow, started)
        try:
            self._on_request(flow)
        except Exception as exc:
            self._failed("request", flow, exc)
        return None

    def _knowledge_coming(self, flow: http.HTTPFlow) -> concurrent.futures.Future[None] | None:
        """The writer process's start, when block or repair mode must wait for it to judge ``flow``:
        a live request toolguard validates, come before the handshake that brings the learned
        knowledge (the proxy listens before it ends). None: judged now."""
        started = self._knowledge_not_yet(flow)
        if started is None:
            return None
        hosts, _ = _request_fields(flow.request.data.headers.fields)
        if self._route(flow, hosts).scope in (Scope.RECORD, Scope.IGNORE):
            return None  # no rule judges it: nothing learned applies
        return started

    def _knowledge_not_yet(self, flow: http.HTTPFlow) -> concurrent.futures.Future[None] | None:
        """The writer process's start while it has not brought the learned knowledge yet, when
        ``flow`` is live traffic block or repair mode acts on (a request, or a client message on a
        Responses WebSocket); None: nothing to wait for."""
        settings, store = self.settings, self.store
        if (
            settings is None
            or settings.mode is Mode.OBSERVE
            or not isinstance(store, ProcessStore)
            or store.started.done()
            or self._running_loop is None  # hooks driven by hand: nothing would await it
            or not flow.live  # a flow read from a file (`mitmdump -r`) is not acted on
        ):
            return None
        return store.started

    async def _until_known(self, flow: http.HTTPFlow, started: concurrent.futures.Future[None]) -> None:
        """Wait until the writer's start has brought the learned knowledge (the handshake's snapshot
        is taken before ``started`` is done), at most KNOWLEDGE_WAIT_SECONDS: past it ``flow`` is
        judged without it (counted and logged)."""
        try:
            # Shielded: a timeout cancels the wrapper only, never the store's own future.
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(started)), KNOWLEDGE_WAIT_SECONDS)
        except TimeoutError:
            self.stats["judged_before_knowledge"] += 1
            logger.warning(
                "toolguard: flow %s judged without what the upstreams taught (learned constraints, "
                "demoted rules): the writer process had not started after %gs",
                flow.id,
                KNOWLEDGE_WAIT_SECONDS,
            )
        except Exception:  # the writer could not start: _store_started says it, once
            pass

    async def _request_when_known(
        self, flow: http.HTTPFlow, started: concurrent.futures.Future[None]
    ) -> None:
        """Block or repair mode's request that came before the writer's start ended: judged once the
        start has brought the learned knowledge, or after KNOWLEDGE_WAIT_SECONDS without it."""
        await self._until_known(flow, started)
        try:
            self._on_request(flow)
        except Exception as exc:
            self._failed("request", flow, exc)

    def _drain(self) -> None:
        """Read the queued requests, then the queued answers, each in the order they came (see
        :meth:`request`). Called by the scheduled callback, or earlier by a hook that needs it."""
        self._drain_due = False
        requests, answers = self._request_inbox, self._answer_inbox
        if requests:
            self._request_inbox = []
            read = self._on_queued_request
            for flow in requests:  # _read_queued's loop, inline: every request comes here
                try:
                    read(flow)
                except Exception as exc:
                    self._failed("request", flow, exc)
        if answers:
            self._answer_inbox = []
            self._read_queued("response", answers, self._finish)

    def _queue(
        self, inbox: list[http.HTTPFlow], flow: http.HTTPFlow, loop: asyncio.AbstractEventLoop
    ) -> None:
        inbox.append(flow)
        if not self._drain_due:
            self._schedule_drain(loop)
        elif len(inbox) >= MAX_QUEUED:
            self._drain()

    def _schedule_drain(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run :meth:`_drain` at the loop's next turn (once per batch, not per flow): the one Handle
        appended to the base loop's ready queue again (see :meth:`_arm_inbox`), else a call_soon."""
        self._drain_due = True
        ready = self._ready
        if ready is not None:
            ready.append(self._drain_handle)  # type: ignore[arg-type]
        else:
            loop.call_soon(self._drain)

    def _read_queued(
        self, hook: str, flows: list[http.HTTPFlow], handle: Callable[[http.HTTPFlow], None]
    ) -> None:
        for flow in flows:  # each guarded as its hook would be: one flow's failure is its own
            try:
                handle(flow)
            except Exception as exc:
                self._failed(hook, flow, exc)

    def _arm_inbox(self) -> None:
        """Queue flows (see :meth:`request`) only in observe mode, inside mitmproxy's loop: block and
        repair mode must judge a request before it goes on."""
        settings = self.settings
        loop = self._inbox_loop = (
            self._running_loop if settings is not None and settings.mode is Mode.OBSERVE else None
        )
        self._lean_min = (
            settings.offload_min_bytes
            if loop is not None and settings is not None and not settings.store_all
            else None
        )
        # asyncio's base loop runs what its ``_ready`` deque holds at its next turn, as call_soon
        # would have it: the same Handle appended again is the same callback without a call_soon,
        # a Handle and a context copy per batch (session 20: a third of what a batch cost the loop).
        ready = getattr(loop, "_ready", None) if isinstance(loop, asyncio.BaseEventLoop) else None
        if type(ready) is deque:
            self._ready, self._drain_handle = ready, asyncio.Handle(self._drain, (), loop)
        else:
            self._ready = self._drain_handle = None

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        # Only a stream needs this hook (its tap set up): every other answer is decided on its raw
        # Content-Type alone, without reading the queued requests or the flow's state (issue #12,
        # session 16: this hook ran for every flow; the queue is read when the answer comes).
        try:
            response = flow.response
            if response is None:
                return
            fields = response.data.headers.fields
            if _STREAM_HINT.search(b"\n".join(map(_VALUE_OF, fields)).lower()) is None:
                return  # no stream (_stream_kind's first test, without its call: every answer)
            kind = _stream_kind(fields)
            if kind is None:
                return
            if self._drain_due:
                self._drain()
            self._on_responseheaders(flow, fields, kind)
        except Exception as exc:
            self._failed("responseheaders", flow, exc)

    def response(self, flow: http.HTTPFlow) -> None:
        loop = self._inbox_loop
        if loop is not None and self._drain_due:
            # Observe mode with requests of this turn still queued (see request): read after them, so
            # that the answer never overtakes its request (a replayed flow's come in one turn). With
            # none queued, its request was read in an earlier turn and the answer is read here: a
            # callback scheduled per batch of answers cost the loop more than reading them at once
            # (issue #12, session 16: live, answers come in other turns than the requests).
            self._queue(self._answer_inbox, flow, loop)
            return
        try:
            entry = self.pending.get(flow.id)
            if type(entry) is list and entry[_LEAN_JOB]:
                # A lean flow answered before its verdict (the usual case under load): what _finish
                # does for it, without its call (a lean flow is never among _unchecked_flows).
                entry[_LEAN_ANSWERED] = flow
                return
            self._finish(flow)
        except Exception as exc:
            self._failed("response", flow, exc)

    def error(self, flow: http.HTTPFlow) -> None:
        if self._drain_due:
            self._drain()
        self._guard("error", flow, self._finish)

    def websocket_start(self, flow: http.HTTPFlow) -> None:
        if self._drain_due:
            self._drain()
        self._guard("websocket_start", flow, self._on_websocket_start)

    def websocket_message(self, flow: http.HTTPFlow) -> Awaitable[None] | None:
        # Observe mode: only a copy of the message is queued, the frame goes on at once, unchanged;
        # the socket thread judges it (a 100 KB Codex turn must not wait for the rules). Block and
        # repair modes must know the verdict of a client message before it goes on: the hook then
        # returns an awaitable, which mitmproxy awaits before relaying the message (its layer holds
        # the connection's later events meanwhile, so the order on the wire is kept).
        acting: list[Awaitable[None]] = []
        self._guard("websocket_message", flow, lambda f: self._on_websocket_message(f, acting))
        return acting[0] if acting else None

    def websocket_end(self, flow: http.HTTPFlow) -> None:
        self._guard("websocket_end", flow, self._on_websocket_end)

    def server_connect_error(self, data: server_hooks.ServerConnectionHookData) -> None:
        """A reverse proxy that cannot reach its upstream, before any request was read.

        With mitmproxy's default ``connection_strategy=eager``, a reverse proxy connects to the
        upstream as soon as a client connects and, when that fails, closes the client's connection
        without reading a request: no flow, no ``error`` hook. The failure is stored here as a
        ``no_answer`` row without a request (docs/errors.md). When a request is waiting on this
        connection (``connection_strategy=lazy``, as ``toolguard run`` sets), its ``error`` hook
        stores it with the request instead.
        """
        if self._drain_due:
            self._drain()
        try:
            self._on_server_connect_error(data)
        except Exception as exc:
            self.stats["internal_errors"] += 1
            logger.exception("toolguard: internal error in server_connect_error: %r", exc)

    @command.command("toolguard.stats")
    def stats_command(self) -> str:
        """Every counter as JSON (:meth:`_stats_json`), for scripts; the run so far is said in words in
        the event log, as at shutdown (mitmproxy's console shows the JSON as one wrapped line, which a
        user read as a raw dump; trial17)."""
        counters = self._stats_json()
        if self.settings is not None:
            counts = counts_line(_said_counts(self._run_stats()))
            logger.info("%s", counts if counts.startswith(NOTHING_SEEN) else f"toolguard: so far: {counts}")
            for line in self._unseen_lines(nothing_seen=False):
                logger.info("%s", line)
        return counters

    def _stats_json(self) -> str:
        """Counters: HTTP requests seen, validated, flagged; Responses WebSocket messages apart
        (``websocket_messages``, ``websocket_messages_validated``, ...); rows queued for storage,
        internal errors, the writer's rows written, dropped (by reason) and write retries, the PostgreSQL syncer's and the OpenTelemetry
        export's (docs/deployment.md, docs/opentelemetry.md), and what the upstreams taught."""
        knowledge = self.knowledge
        stats: dict[str, Any] = dict(self.all_stats())
        # Zero is said, not left out: "0 requests seen" is what tells a misconfigured client apart.
        stats.setdefault("requests_seen", 0)
        stats.setdefault("model_rules_skipped", 0)
        skipped = merge_hosts(self._all_hosts("skipped_hosts"))
        if skipped:
            stats["model_rules_skipped_hosts"] = skipped
        stats.setdefault("model_rules_skipped_local", 0)
        if self.skipped_models:
            stats["model_rules_skipped_models"] = merge_hosts([self.skipped_models])
        stats.setdefault("unrecognised_requests", 0)
        unrecognised = merge_hosts(self._all_hosts("unrecognised_hosts"))
        if unrecognised:
            stats["unrecognised_hosts"] = unrecognised
        stats.setdefault("unchecked_requests", 0)
        stats.setdefault("unchecked_rejected", 0)
        unchecked = merge_hosts([self.unchecked_paths])  # HTTP requests only: no WebSocket tally
        if unchecked:
            stats["unchecked_paths"] = unchecked
        stats.setdefault("ignored_requests", 0)
        ignored = merge_hosts([self.ignored_paths])  # HTTP requests only
        if ignored:
            stats["ignored_paths"] = ignored
        if self.unreachable_upstreams:  # said only once it happened, like worker_hung
            stats["unreachable_upstreams"] = merge_hosts([self.unreachable_upstreams])
        if self.store is not None:
            stats.update(self.store.counters())
        stats.update(self._sink_stats())
        # The validation worker's deadline: which way it went (offload.Validator._sweep_now), said
        # only once it happened.
        if self.validator.hung:
            stats["worker_hung"] = self.validator.hung
        if self.validator.starved:
            stats["worker_starved"] = self.validator.starved
        # Why the worker cannot read bodies from the proxy's memory, so the proxy copies them (the
        # start-up line says the same; offload.Validator._hello), said only when it is so.
        if self.validator.remote_refused is not None:
            stats["worker_copies_bodies"] = self.validator.remote_refused
        stats["learned_constraints"] = knowledge.constraint_count
        # The servers the upstreams' answers named (toolguard_core.engines): host, what, from which words.
        stats["learned_engines"] = sorted(
            f"{host} {model or '*'}: {listed(s.kind, s.name, s.via)} ({s.kind}, from {s.signature}, flow {s.first_flow})"
            for host, model, s in knowledge.servers
        )
        # Which rules are warnings where, because that upstream kept accepting what they flagged.
        stats["demoted_rules"] = sorted(
            f"{rule} @ {host} {model or '*'}"
            for (host, model), calibration in knowledge.by_key.items()
            for rule in calibration.demoted
        )
        return json.dumps(stats, sort_keys=True)

    def _show_where(self) -> dict[str, str]:
        """The ``toolguard show`` command a console line names (``show`` and ``show_note`` of
        :func:`console_line`). With a PostgreSQL target the row is written to the local spool and
        synced from it: while the server is out of reach (the syncer's last attempt failed), the row
        is only in the spool, and ``show --db postgresql://...`` answered "no flow with id" (session
        20's leftovers): the line names the spool then, and says why."""
        settings = self.settings
        assert settings is not None
        if settings.pg_url is None or not self._pg_unreachable():
            return {"show": settings.show_command}
        return {
            "show": f"toolguard show --db {shlex.quote(settings.db_path)}",
            "show_note": f"; {redact_url(settings.pg_url)} is unreachable: the row waits in this spool",
        }

    def _pg_unreachable(self) -> bool:
        """Whether the PostgreSQL syncer's last attempt failed (pgstore.Syncer.unreachable; in the writer
        process, the gauge its last acknowledgement carried)."""
        if self.syncer is not None:
            return bool(self.syncer.unreachable)
        store = self.store
        return isinstance(store, ProcessStore) and bool(store.sink_gauge("pg_unreachable"))

    def _set_knowledge(self, knowledge: Knowledge) -> None:
        """Called on the writer thread (the writer process's reader thread): one reference swap, read by
        the next request. What this proxy read in a rejection itself (block and repair mode,
        :meth:`_learn_early`) is kept in it until the writer's snapshot holds it, for a few seconds
        at most (the writer may have read that answer otherwise)."""
        if self._early_lessons:
            with self._early_lock:
                now = time.monotonic()
                kept = tuple(
                    e
                    for e in self._early_lessons
                    if now - e[0] < EARLY_LESSON_SECONDS and not knowledge.holds(e[1], e[2], e[3])
                )
                self._early_lessons = kept
                for _, host, model, learned in kept:
                    knowledge = knowledge.with_constraint(host, model, learned)
                self.knowledge = knowledge
        else:
            self.knowledge = knowledge
        if self._knowledge_at is None:
            self._knowledge_at = time.time()

    def _learn_early(
        self,
        flow_id: str,
        pending: Pending,
        cause: Mapping[str, Any],
        text: str | None,
        findings: list[Finding],
    ) -> None:
        """Block and repair mode judge a request before it goes upstream, with the proxy's snapshot:
        the writer process's new one reaches the proxy a pipe-trip after the rejection's row is
        committed, and a client resending the rejected request at once (a tight agent loop) was judged
        without it and sent on as it was, rejected again; only the third request was acted on (observe
        mode has the writer add the finding to the row instead: Capture.apply_learned). The constraint
        this proxy's own reading of the rejection names is added to its snapshot now, under the
        writer's conditions (learned_store.learn_from_rows: not transient, not a built-in rule's
        prediction), so the next request is judged with it."""
        constraint = cause.get("constraint")
        if not constraint or cause.get("transient") or not constraint.get("kind"):
            return
        builtin = [f for f in findings if f.severity == Severity.ERROR and not is_learned(f.rule)]
        if predicted_by_builtin(cause.get("cause"), cause.get("rule"), constraint.get("name"), builtin):
            return
        target = pending.analysis.target
        host = learned_host(target.host, target.port, target.scheme)
        model = pending.analysis.model or ""
        learned = LearnedConstraint(
            kind=constraint["kind"],
            name=constraint.get("name") or None,
            value=constraint.get("value") or None,
            cause_id=cause.get("cause"),
            error_text=text or "",
            first_flow=flow_id,
        )
        with self._early_lock:
            knowledge = self.knowledge
            if knowledge.holds(host, model, learned):
                return
            self._early_lessons = (*self._early_lessons, (time.monotonic(), host, model, learned))[
                -MAX_EARLY_LESSONS:
            ]
            self.knowledge = knowledge.with_constraint(host, model, learned)

    @command.command("toolguard.summary")
    def summary_command(self) -> str:
        """Write the `toolguard summary` of this proxy's database to the event log.

        The database is read on a thread of its own: a large file must not stall the proxy's event
        loop. Rows still queued for the writer are not in it yet.
        """
        if self.settings is None:
            return "toolguard is not configured"
        path: Path | str = self.settings.pg_url or Path(self.settings.db_path)
        self.summary_thread = threading.Thread(
            target=_log_summary, args=(path,), name="toolguard-summary", daemon=True
        )
        self.summary_thread.start()
        return f"toolguard: the summary of {path} follows in the event log"

    # ----------------------------------------------------------------- internals

    def _guard(self, hook: str, flow: http.HTTPFlow, fn: Callable[[http.HTTPFlow], None]) -> None:
        try:
            fn(flow)
        except Exception as exc:
            self._failed(hook, flow, exc)

    def _failed(self, hook: str, flow: http.HTTPFlow, exc: Exception) -> None:
        """A hook failed on ``flow``: counted, logged, said in its stored row; the flow goes on.
        Called inside the ``except`` clause (``logger.exception`` logs the exception being handled)."""
        self.stats["internal_errors"] += 1
        key = (hook, type(exc).__name__)
        # With its traceback once per hook and error type; repeats are only counted (and debug-logged).
        log = logger.debug if key in self._logged_errors else logger.exception
        self._logged_errors.add(key)
        pending = self._pending_for(flow.id)
        log(
            "toolguard: internal error in %s for %s %s (flow %s): %r; %s",
            hook,
            flow.request.method,
            redact.redact_url(flow.request.pretty_url),
            flow.id,
            exc,
            _what_went_on(pending),
        )
        if pending is not None:
            pending.extra["internal_error"] = f"{hook}: {exc!r}"
        elif hook == "request":
            # Remembered anyway, so the flow is stored with the error when it finishes (issue #16:
            # a request hook failing on an unusual Content-Encoding left no trace of the flow).
            try:
                if self.scope(flow) is not Scope.IGNORE:
                    self._track_unvalidated(flow, internal_error=f"{hook}: {exc!r}")
            except Exception as again:  # the same bug again: counted and logged, never raised
                logger.debug("toolguard: could not remember flow %s: %r", flow.id, again)

    def _allowed(self, flow: http.HTTPFlow, host: str) -> bool:
        """A POST to a host that ``toolguard_hosts`` lets through (all hosts when it is empty)."""
        settings = self.settings
        if settings is None or flow.request.method != "POST":
            return False
        return not settings.hosts or any(fnmatch.fnmatchcase(host, pattern) for pattern in settings.hosts)

    def scope(self, flow: http.HTTPFlow) -> Scope:
        """What to do with this flow (:func:`toolguard_core.verdict.scope`)."""
        return self._route(flow).scope

    def _route(self, flow: http.HTTPFlow, hosts: tuple[bytes, ...] | None = None) -> _Route:
        """The flow's scope, URL and target, derived once per distinct request line and Host header
        (see :class:`_Route`); the cache is emptied when the options or providers change. ``hosts``:
        the Host header's values when the caller read them already (:func:`_request_fields`)."""
        if self.settings is None:
            return _IGNORED
        data = flow.request.data
        if hosts is None:
            # A list comprehension, inlined by Python 3.12 (PEP 709): a generator here was a tenth
            # of the clean path's own (non-rule) loop samples in py-spy under wrk (issue #12).
            hosts = tuple(
                [value for name, value in data.headers.fields if len(name) == 4 and name.lower() == b"host"]
            )
        # The same key, the same answer (_ROUTE_FIELDS).
        key = (_ROUTE_FIELDS(data), hosts)
        route = self._routes.get(key)
        if route is None:
            route = self._derive_route(flow)
            if len(self._routes) >= MAX_ROUTES:
                self._routes.clear()
                self._lean_routes.clear()
            self._routes[key] = route
        return route

    def _derive_route(self, flow: http.HTTPFlow) -> _Route:
        assert self.settings is not None
        request = flow.request
        path = request.path.split("?", 1)[0]
        # mitmproxy re-parses and IDNA-checks the Host header on every access of these (issue #12).
        pretty_host = request.pretty_host
        host = pretty_host.lower()
        allowed = self._allowed(flow, host)
        flow_scope = scope(
            allowed=allowed,
            path=path,
            paths=self.settings.paths,
            record_paths=self.settings.record_paths,
            native_chat_path=allowed and self.registry.endpoint_candidate(host, request.port, path),
        )
        # A POST the hosts let through, not validated because of its path: named as the reports name
        # an upstream, its path scrubbed of anything shaped like a key, percent-encoded or not
        # (redact.redact_path, then redact.scrub's net; no query).
        unchecked = (
            f"{upstream_name(pretty_host, request.port, request.scheme)}{redact.scrub(redact.redact_path(path))}"
            if allowed and flow_scope in (Scope.RECORD, Scope.IGNORE)
            else ""
        )
        if flow_scope is Scope.IGNORE:  # nothing more is read of an ignored flow
            ignored = (
                ""
                if unchecked
                else f"{request.method} {upstream_name(pretty_host, request.port, request.scheme)}"
                f"{path_shape(redact.scrub(redact.redact_path(path)) or path)}"
            )
            return _Route(flow_scope, "", None, unchecked_path=unchecked, ignored_path=ignored)
        url = target_url(request)
        target = Target.from_url(url, self.registry)
        unrecognised = target.provider.id == GENERIC.id
        upstream = upstream_name(pretty_host, request.port, request.scheme) if unrecognised else ""
        return _Route(flow_scope, url, target, pretty_host, unrecognised, upstream, unchecked)

    def _on_request(self, flow: http.HTTPFlow) -> None:
        request = flow.request
        data = request.data  # its fields read directly: mitmproxy's properties are a call each
        headers = data.headers.fields
        hosts, content_encoding = _request_fields(headers)
        route = self._route(flow, hosts)
        flow_scope = route.scope
        if flow_scope in (Scope.RECORD, Scope.IGNORE):
            if route.unchecked_path:
                self._count_unchecked(flow, route.unchecked_path)
            elif route.ignored_path and not _header(headers, b"upgrade"):
                # A WebSocket's upgrade (Codex's Responses socket) is said with its messages instead.
                self.stats["ignored_requests"] += 1
                add_host(self.ignored_paths, route.ignored_path)
            if flow_scope is Scope.RECORD:
                self._track_unvalidated(flow, route=route)
            return
        wide = flow_scope is Scope.ENDPOINT
        assert self.settings is not None and route.target is not None
        if route.unrecognised:
            # Judged by the generic profile: counted, stored or not (the run report and the summary
            # say which hosts, and how to map them to their provider).
            self.stats["unrecognised_requests"] += 1
            add_host(self.unrecognised_hosts, route.upstream)
        # The body as sent (``raw_content``): the core decodes it bounded by toolguard_max_body
        # (decoding.py), in the worker or here, never through request.content, which decompresses
        # whole and unbounded.
        body = data.content
        url, target = route.url, route.target
        pending = Pending(  # positional: keywords cost a dict per call (perf9)
            Analysis(target),
            data.timestamp_start,
            body,
            headers,
            data.path,
            self.settings.redact_headers,
            content_encoding,
            flow,
            flow.client_conn.id,
            route,
        )
        offload_min = self.settings.offload_min_bytes
        # Block and repair must know the verdict before the request goes on: validated in place.
        observing = self.settings.mode is Mode.OBSERVE
        if (
            observing
            and not wide
            and offload_min is not None
            and body is not None
            and len(body) >= offload_min
        ):
            # Forward now; the verdict follows from the worker (issue #12: validation off the event
            # loop). The loop's share is a descriptor and the copy into shared memory: the route's
            # provider and options go to the worker once per context, not with every job.
            if self.knowledge is not self._context_knowledge:
                self.validator.forget_contexts()  # their learned JSON is stale
                self._context_knowledge = self.knowledge
            large = len(body) >= SMALL_BODY_BYTES
            try:
                pending.job = self.validator.enqueue(
                    body,
                    (url, content_encoding),
                    # A partial, not a lambda: a closure made this function keep its variables in
                    # cells, allocated on every call (issue #12, perf9).
                    functools.partial(self._job_header, url, content_encoding, target),
                    pending,
                    # A small body is validated in place while the first worker starts; a large
                    # one waits for it (validating it here would hold the loop, issue #12).
                    wait_for_start=large,
                )
            except WorkerNotReady:
                pass  # validated in place below
            except WorkerUnavailable as exc:
                if large:  # a small body costs less validated here than not validated
                    self._not_validated(pending, "busy", str(exc))
                    self._remember(flow, pending)
                    return
            else:
                self._remember(flow, pending)
                return
        if observing and not wide:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop (a test driving the hooks by hand): judged now
                loop = None
            if loop is not None:
                # Observe mode needs no verdict before the request goes on: the hook returns at once,
                # mitmproxy forwards the request, and the rules run a loop turn later while the
                # upstream works on it (a small clean request no longer waits for them, issue #12).
                # The answer never overtakes them: it needs the network, a later turn; if it does,
                # _finish waits for the verdict as it does for the worker's.
                marker: asyncio.Future[WorkerResult] = loop.create_future()
                pending.validation = marker
                self._remember(flow, pending)
                loop.call_soon(
                    self._guard,
                    "request",
                    flow,
                    functools.partial(self._validate_deferred, pending=pending, marker=marker),
                )
                return
        analysis = self._analyse(pending)
        # A native path is kept only when a rule explains the wrong endpoint (a native body is fine).
        if wide and not any(f.rule.startswith("endpoint.") for f in analysis.findings):
            return
        self._remember(flow, pending)
        # The opt-in modes act on live flows only: a flow replayed with `mitmdump -r` is evidence.
        if not observing and analysis.has_error and flow.live and not flow.response:
            self._act(flow, pending)
        # The parsed tree (several times the body's size in Python objects) is not read after this
        # point, but the pending flow lives until its answer ends (minutes for a stream): let it go.
        analysis.body = None
        self._validated(flow, pending, analysis.internal_errors)

    def _on_queued_request(self, flow: http.HTTPFlow) -> None:
        """A request the drain reads (observe mode, on the loop): the lean lane when it can take it,
        else :meth:`_on_request`.

        The lean lane (issue #12, session 20) is the small clean request's: a route seen before that
        is validated (not a native path, recorded or ignored), no Content-Encoding, a body the worker
        takes now (its fast path: running, within its bounds, the route's context sent). No Pending
        and no Analysis: the flow's entry in ``self.pending`` is a list (see _LEAN_*) kept as the
        job's owner, and :meth:`_pending_of` makes the Pending from it, as :meth:`_on_request` would
        have, when the flow leaves the lane (findings, an answer to store or read, a stream, a hook
        failure, a lost job, shutdown). Everything a user sees is the same: the proof is
        tests/test_lean_lane.py, each exit on both lanes."""
        lean_min = self._lean_min
        if lean_min is None or self.knowledge is not self._context_knowledge:
            self._on_request(flow)  # (a knowledge change: _on_request tells the worker first)
            return
        data = flow.request.data
        fields = data.headers.fields
        hosts = _lean_fields(fields)
        body = data.content
        if hosts is None or body is None or len(body) < lean_min:
            self._on_request(flow)
            return
        key = (_ROUTE_FIELDS(data), hosts)
        lane = self._lean_routes.get(key)
        if lane is None:
            route = self._routes.get(key)  # _route's key: a route seen before (else _on_request)
            if route is None or route.scope is not Scope.VALIDATE:
                self._on_request(flow)
                return
            # The job's context and header source, as _on_request makes them, made once per route.
            context = (route.url, None)
            lane = (route, context, functools.partial(self._job_header, route.url, None, route.target))
            if len(self._lean_routes) >= MAX_ROUTES:
                self._lean_routes.clear()
            self._lean_routes[key] = lane
        route = lane[0]
        entry = [flow, route, body, fields, data.path, data.timestamp_start, 0, None, None, None]
        seq = self.validator.enqueue_ready(body, lane[1], lane[2], entry)
        if not seq:  # the worker cannot take it now: the full path decides what then
            self._on_request(flow)
            return
        entry[_LEAN_JOB] = seq
        if route.unrecognised:
            self.stats["unrecognised_requests"] += 1
            hosts_seen, upstream = self.unrecognised_hosts, route.upstream
            if upstream in hosts_seen:  # add_host's first case, without its call (every such flow)
                hosts_seen[upstream] += 1
            else:
                add_host(hosts_seen, upstream)
        pending = self.pending
        if len(pending) >= MAX_PENDING:
            pending.pop(next(iter(pending)))
            self.stats["pending_dropped"] += 1
        pending[flow.id] = entry  # type: ignore[assignment]

    def _pending_of(self, entry: list[Any]) -> Pending:
        """The Pending :meth:`_on_request` would have made for a lean flow, with what the lane
        learned since (its job, its clean verdict, its answer); it replaces the entry in
        ``self.pending`` when the entry is still there (not dropped by MAX_PENDING)."""
        pending = entry[_LEAN_PENDING]
        if pending is not None:
            return pending  # type: ignore[no-any-return]
        assert self.settings is not None
        flow, route = entry[_LEAN_FLOW], entry[_LEAN_ROUTE]
        pending = Pending(
            Analysis(route.target),
            entry[_LEAN_STARTED],
            entry[_LEAN_BODY],
            entry[_LEAN_HEADERS],
            entry[_LEAN_PATH],
            self.settings.redact_headers,
            None,
            flow,
            flow.client_conn.id,
            route,
        )
        pending.job = entry[_LEAN_JOB]
        noted: WorkerResult | None = entry[_LEAN_NOTE]
        if noted is not None:  # judged with the local note alone: what _worker_verdict gave the analysis
            pending.analysis.findings = noted.findings
            pending.analysis.body_facts(model=noted.model, stream=noted.stream, is_json=noted.is_json)
        else:
            pending.facts_unknown = not pending.job  # judged clean by the watermark alone
        pending.answered_flow = entry[_LEAN_ANSWERED]
        entry[_LEAN_PENDING] = pending
        if self.pending.get(flow.id) is entry:  # type: ignore[comparison-overlap]
            self.pending[flow.id] = pending
        return pending

    def _pending_for(self, flow_id: str) -> Pending | None:
        """``self.pending``'s Pending for the flow, made from its lean entry if it has one."""
        pending = self.pending.get(flow_id)
        if type(pending) is list:
            return self._pending_of(pending)
        return pending

    def _act(self, flow: http.HTTPFlow, pending: Pending) -> None:
        """Block mode's own answer, or repair mode's repaired body (docs/modes.md)."""
        assert self.settings is not None
        analysis = pending.analysis
        if self.settings.mode is Mode.BLOCK:
            answer = blocked_answer(analysis.findings, analysis.target, analysis.body)
            if answer is None:
                return
            # Answered here, in the request hook: mitmproxy never opens the upstream connection.
            flow.response = http.Response.make(answer.status, answer.body, answer.headers)
            pending.blocked = True
            self.stats["blocked"] += 1
            logger.info(
                "toolguard: blocked flow %s: %s at %s", flow.id, answer.finding.rule, answer.finding.location
            )
            return
        if analysis.body is None:
            return
        result = repair_request(
            analysis.body,
            analysis.target,
            analysis.findings,
            self.settings.repair,
            max_body_bytes=self.settings.max_body_bytes,
        )
        pending.repair = result
        pending.repaired_at = time.time()
        for skipped in result.not_repaired:
            logger.info(
                "toolguard: flow %s: %s at %s not repaired (%s)",
                flow.id,
                skipped.rule,
                skipped.location,
                redact.scrub(skipped.reason, pending.secrets),
            )
        if not result.changed:
            return
        # Setting `content` re-encodes with the request's own Content-Encoding and updates
        # Content-Length; every other header and the method, URL and HTTP version stay as they came.
        assert result.content is not None  # set whenever a repair was applied
        flow.request.content = result.content
        self.stats["repaired"] += 1
        for repair in result.repairs:
            logger.info(
                "toolguard: repaired flow %s: %s at %s: %s",
                flow.id,
                repair.rule,
                repair.location,
                # The description quotes the value it dropped (an unknown `api_key` field, say):
                # scrubbed like the stored column (capture.py), since logs reach disk too.
                redact.scrub(repair.description, pending.secrets),
            )

    def _analyse(self, pending: Pending) -> Analysis:
        assert self.settings is not None
        target = pending.analysis.target
        pending.analysis = analyse_request(
            pending.body,
            target.url,
            target=target,
            max_body_bytes=self.settings.max_body_bytes,
            content_encoding=pending.content_encoding,
            knowledge=self.knowledge,
        )
        return pending.analysis

    def _validate_in_place(self, flow: http.HTTPFlow, pending: Pending) -> None:
        self._validated(flow, pending, self._analyse(pending).internal_errors)

    def _validate_deferred(
        self, flow: http.HTTPFlow, pending: Pending, marker: asyncio.Future[WorkerResult]
    ) -> None:
        """The rules on a body the request hook forwarded unjudged (observe mode, below the worker's
        threshold); then the flow is finished if its answer already came."""
        if pending.validation is not marker:
            return  # settled at shutdown (done)
        pending.validation = None
        try:
            self._validate_in_place(flow, pending)
            pending.analysis.body = None  # the parsed tree is not read after this point
        finally:
            if pending.answered_flow is not None:
                self._finish(pending.answered_flow)

    def _job_header(self, url: str, content_encoding: str | None, target: Target) -> dict[str, object]:
        """A worker context: what the jobs of one route need (sent once per worker, offload.py); the
        learned part is the upstream's own (its host, and its port when not the scheme's)."""
        host = learned_host(target.host, target.port, target.scheme)
        assert self.settings is not None
        return {
            "url": url,
            "max_body": self.settings.max_body_bytes,
            "content_encoding": content_encoding,
            "providers": ctx.options.toolguard_providers,
            "learned": self.knowledge.for_host(host).as_json(),
        }

    def _on_jobs_done(self, done: list[tuple[object, WorkerResult | None]]) -> None:
        """A batch of the worker's verdicts (offload.Validator.on_done), oldest first: ``None`` for a
        clean body (the watermark passed it), else its full result. A flow whose answer came first
        is finished now, with its verdict, row, mark, comment and console line."""
        clean = 0
        # The flows this batch changed after their answer went on: the UIs are told once per batch,
        # in one `update` hook carrying them all. One hook per flow was a quarter of toolguard's own
        # event-loop samples for bench_proxy's flagged scenario (py-spy): mitmproxy's `trigger` walks
        # every addon under a context manager each time (issue #12).
        changed: list[http.HTTPFlow] = []
        for owner, result in done:
            pending = owner
            if type(owner) is list:  # a lean flow (see _on_queued_request)
                if not owner[_LEAN_JOB]:
                    continue  # judged meanwhile (at shutdown, see done)
                # Every request to a local server carries its model.rules-skipped note: such a result
                # stays on the lane (what _worker_verdict and _validated do, without a Pending).
                noted = (
                    result
                    if result is not None
                    and not result.internal_errors
                    and _local_note_only(owner[_LEAN_ROUTE].target, result.findings)
                    else None
                )
                if owner[_LEAN_PENDING] is None and (result is None or noted is not None):
                    owner[_LEAN_JOB] = 0
                    flow = owner[_LEAN_ANSWERED]
                    if noted is not None:
                        owner[_LEAN_NOTE] = noted
                        self.stats["validated_in_worker"] += 1
                        self._count_validated(
                            owner[_LEAN_FLOW], noted.findings, owner[_LEAN_ROUTE].target, noted.model
                        )
                        if flow is None:
                            self._annotate(owner[_LEAN_FLOW], noted.findings, verdict=None)
                    else:
                        clean += 1
                    if flow is not None:  # its answer came first: finished now, as below
                        try:
                            if not self._finish_lean(flow, owner):
                                self._pending_of(owner)  # its Pending, in self.pending: the full path
                                self._finish(flow)
                            if flow.marked or noted is not None:  # its comment is new (_worker_verdict)
                                changed.append(flow)
                        except Exception as exc:
                            self._failed("validated", flow, exc)
                    continue
                pending = self._pending_of(owner)  # findings: on the full path from here
                owner[_LEAN_JOB] = 0
            if not isinstance(pending, Pending) or not pending.job:
                continue  # judged meanwhile (at shutdown, see done)
            pending.job = 0
            flow = pending.flow
            if flow is None:
                continue
            if result is None:
                clean += 1
                pending.facts_unknown = True
                if pending.answered_flow is not None:
                    # A clean body whose answer came first, finished now (most flows under load):
                    # caught here rather than through _guard and a lambda per flow (perf9). The UIs
                    # are told only when that marked the flow (a clean body the upstream rejected):
                    # an accepted flow shows nothing new, and the update hook is not free.
                    try:
                        self._finish(flow)
                        if flow.marked:
                            changed.append(flow)
                    except Exception as exc:
                        self._failed("validated", flow, exc)
            else:
                try:  # in place, not through _guard and a lambda per flow (perf9)
                    self._worker_verdict(flow, pending, result, changed)
                except Exception as exc:
                    self._failed("validated", flow, exc)
        if clean:
            # Counted per batch: what _validated counts for a clean body, and apart from it, as a body
            # meant for the worker but validated in place must not look the same in the counters.
            self.stats["validated"] += clean
            self.stats["validated_in_worker"] += clean
        if changed:
            try:
                _flows_changed(changed)
            except Exception as exc:  # an addon's update hook: counted and logged, never raised
                self.stats["internal_errors"] += 1
                logger.debug("toolguard: the update hook failed for %d flows: %r", len(changed), exc)

    def _worker_verdict(
        self, flow: http.HTTPFlow, pending: Pending, result: WorkerResult, changed: list[http.HTTPFlow]
    ) -> None:
        self.stats["validated_in_worker"] += 1
        analysis = pending.analysis
        analysis.findings = result.findings
        analysis.body_facts(model=result.model, stream=result.stream, is_json=result.is_json)
        self._validated(flow, pending, result.internal_errors)
        if pending.answered_flow is not None:
            self._finish(flow)
            # The answer went on before the verdict: the UIs show the mark and comment set now.
            changed.append(flow)

    def _on_jobs_lost(self, owners: list[object], exc: Exception) -> None:
        """Jobs the worker will never answer (it died, hung or could not start): counted and said in
        the stored row, or validated here when no worker could start."""
        for pending in owners:
            if type(pending) is list:  # a lean flow: on the full path from here
                if not pending[_LEAN_JOB]:
                    continue
                entry, pending = pending, self._pending_of(pending)  # its job still set
                entry[_LEAN_JOB] = 0
            if not isinstance(pending, Pending) or not pending.job or pending.flow is None:
                continue
            pending.job = 0
            self._guard("validated", pending.flow, lambda f, p=pending: self._job_lost(f, p, exc))

    def _job_lost(self, flow: http.HTTPFlow, pending: Pending, exc: Exception) -> None:
        if isinstance(exc, WorkerNotReady):
            # The body waited for a worker that could not start: validated here, as without one.
            self._validate_in_place(flow, pending)
            pending.analysis.body = None  # the parsed tree is not read after this point
        elif isinstance(exc, WorkerCrashed):
            # Two workers died holding it (offload.MAX_WORKER_DEATHS): counted apart, it may be a
            # body that crashes the worker (docs/robustness.md).
            self._not_validated(pending, "worker_crash", str(exc))
        else:
            self._not_validated(pending, "worker", repr(exc))
        if pending.answered_flow is not None:
            self._finish(flow)

    def _not_validated(self, pending: Pending, reason: str, detail: str) -> None:
        """Counted and said in the stored row: never a silent pass (the flow is still forwarded)."""
        self.stats[f"not_validated_{reason}"] += 1
        pending.analysis.findings.append(NOT_VALIDATED.finding("body", f"Not validated: {detail}."))
        # No verdict means none of the body's facts either: the writer reads the model, the stream
        # flag and JSON-or-not from the body, as for a body the worker found clean (a shed row had
        # no model, and its JSON body was stored as the first 64 KB of a non-JSON one).
        pending.facts_unknown = True
        if reason == "busy":
            pending.extra["shed"] = True  # _capture: its body is stored only if the answer was an error

    def _count_validated(
        self, flow: http.HTTPFlow, findings: list[Finding], target: Target, model: str | None
    ) -> None:
        """A verdict's counters: validated (or passed through beyond a limit), flagged, and the model
        rules skipped with their host and model."""
        beyond = next((f.rule for f in findings if f.rule in PASSED_THROUGH_RULES), None)
        if beyond is not None:
            # Beyond toolguard's own limits: passed through unvalidated, so not counted as validated
            # (the run report's "N validated" said otherwise); its finding and row say which limit.
            self.stats["not_validated_body"] += 1
            self.passed_through[beyond] += 1
        else:
            self.stats["validated"] += 1
            if _worth_keeping(findings):
                self.stats["flagged"] += 1
            if findings and any(f.rule == UNKNOWN_MODEL.id for f in findings):
                # Counted with its host whether or not the flow is stored (the note alone is not):
                # the run report, the summary and the stats line say the model rules were skipped.
                if target.provider.id in SELF_HOSTED:
                    # A local server serves any name: counted apart, nothing to declare (trial22).
                    self.stats["model_rules_skipped_local"] += 1
                else:
                    self.stats["model_rules_skipped"] += 1
                    # Named as every report names an upstream (host:port off the scheme's default port).
                    req = flow.request
                    add_host(self.skipped_hosts, upstream_name(req.pretty_host, req.port, req.scheme))
                if model:  # and with its model, said once per model
                    add_host(self.skipped_models, shown_model(model))

    def _validated(self, flow: http.HTTPFlow, pending: Pending, internal_errors: list[InternalError]) -> None:
        analysis = pending.analysis
        self._count_validated(flow, analysis.findings, analysis.target, analysis.model)
        request = flow.request
        for internal in internal_errors:
            self.stats["internal_errors"] += 1
            # Logged once per rule and error type (a broken rule fails on every flow); always counted.
            key = (f"rule {internal.where}", internal.error.split("(", 1)[0])
            log = logger.debug if key in self._logged_errors else logger.warning
            self._logged_errors.add(key)
            log(
                "toolguard: rule %s failed on %s %s (flow %s): %s; the rule was skipped, %s",
                internal.where,
                request.method,
                redact.redact_url(request.pretty_url),
                flow.id,
                redact.scrub(internal.error, pending.secrets),  # an exception's repr may quote the body
                _what_went_on(pending),
            )
        if pending.answered_flow is None:
            self._annotate(flow, analysis.findings, verdict=None, pending=pending)

    def _on_websocket_start(self, flow: http.HTTPFlow) -> None:
        """Follow a Responses API WebSocket (Codex's built-in provider): ``GET .../responses`` upgraded,
        on a host ``toolguard_hosts`` lets through, with a path ``toolguard_paths`` validates."""
        settings = self.settings
        if settings is None or self.store is None:
            return
        request = flow.request
        path = request.path.split("?", 1)[0]
        host = request.pretty_host.lower()
        if settings.hosts and not any(fnmatch.fnmatchcase(host, p) for p in settings.hosts):
            return
        if endpoint_kind(path) != RESPONSES or not any(p.search(path) for p in settings.paths):
            return
        if self.sockets is None:
            offload = None
            if settings.offload_min_bytes is not None:
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:  # no event loop (a test driving the hooks by hand): in place
                    loop = None
                if loop is not None:
                    offload = _SocketOffload(
                        loop,
                        self.validator,
                        # 0 (every HTTP body) is not every message: the socket thread waits on the
                        # worker's reply for each one it hands over.
                        settings.offload_min_bytes or SMALL_BODY_BYTES,
                        ctx.options.toolguard_providers,
                    )
            self.sockets = SocketWorker(
                self.store,
                settings.store_all,
                settings.run_id,
                mode=settings.mode,
                repair=settings.repair,
                offload=offload,
                console=self._show_where if settings.console else None,
                # What the upstreams taught, read for each message as a request reads it: the
                # reference the writer's reader thread swaps (_set_knowledge), and when it first did.
                knowledge=lambda: (self.knowledge, self._knowledge_at),
            )
        url = target_url(request)
        target = Target.from_url(url, self.registry)
        unrecognised = target.provider.id == GENERIC.id
        self.sockets.open(
            flow.id,
            _Connection(
                socket=ResponsesSocket(url, target, settings.max_body_bytes),
                flow_id=flow.id,
                scheme=request.scheme,
                host=request.pretty_host,
                port=request.port,
                path=path,
                url=url,
                headers=list(request.headers.items(multi=True)),
                secrets=redact.secret_values(
                    request.headers.items(multi=True), request.path.partition("?")[2], url=url
                ),
                unrecognised=upstream_name(request.pretty_host, request.port, request.scheme)
                if unrecognised
                else "",
            ),
        )

    def _on_websocket_message(self, flow: http.HTTPFlow, acting: list[Awaitable[None]]) -> None:
        sockets = self.sockets
        if sockets is None or flow.websocket is None or not sockets.follows(flow.id):
            return
        message = flow.websocket.messages[-1]
        # An injected message is toolguard's own block answer (or another addon's): not the server's.
        if not message.is_text or message.injected:
            return
        if self.settings is None or self.settings.mode is Mode.OBSERVE or not message.from_client:
            sockets.message(flow.id, message.from_client, message.content, message.timestamp)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not called from mitmproxy's event loop: judged, not acted on
            sockets.message(flow.id, True, message.content, message.timestamp)
            return
        started = self._knowledge_not_yet(flow)
        if started is not None:
            # Come before the writer's start brought the learned knowledge: judged once it did, as a
            # request is (_request_when_known). mitmproxy holds the connection's later messages
            # while this one's hook is awaited, so the order the socket thread sees is kept.
            self.stats["held_for_knowledge"] += 1
            acting.append(self._socket_message_when_known(flow, message, loop, started))
            return
        reply = _SocketReply(loop, loop.create_future())
        sockets.message(flow.id, True, message.content, message.timestamp, reply)
        acting.append(self._act_on_socket_message(flow, message, reply))

    async def _socket_message_when_known(
        self,
        flow: http.HTTPFlow,
        message: Any,
        loop: asyncio.AbstractEventLoop,
        started: concurrent.futures.Future[None],
    ) -> None:
        """Block or repair mode's client message on a Responses WebSocket that came before the
        writer's start ended: judged, and acted on, once the learned knowledge is in (or past
        KNOWLEDGE_WAIT_SECONDS without it)."""
        await self._until_known(flow, started)
        sockets = self.sockets
        if sockets is None or not sockets.follows(flow.id):
            return  # the socket ended meanwhile (or toolguard stopped): it goes on as sent
        reply = _SocketReply(loop, loop.create_future())
        sockets.message(flow.id, True, message.content, message.timestamp, reply)
        await self._act_on_socket_message(flow, message, reply)

    async def _act_on_socket_message(self, flow: http.HTTPFlow, message: Any, reply: _SocketReply) -> None:
        """Block mode: drop the message and answer the client on the socket with the provider's own
        error event; repair mode: send the repaired message instead. Any failure lets it pass."""
        try:
            try:
                action = await asyncio.wait_for(asyncio.shield(reply.decided), SOCKET_ACT_TIMEOUT)
            except TimeoutError:
                # The socket thread is behind: the message goes on as sent, and is then judged as in
                # observe mode (the thread sees `abandoned` before acting on it).
                reply.abandoned.set()
                self.stats["websocket_not_acted"] += 1
                logger.warning(
                    "toolguard: no verdict for a WebSocket message within %ss (flow %s); it passed unchanged",
                    SOCKET_ACT_TIMEOUT,
                    flow.id,
                )
                return
            if action is None:
                return
            if action.kind == "block":
                # Through mitmproxy's own injection: the client reads it like the server's error event.
                # Injected first: if that fails, the message goes on as sent rather than unanswered.
                ctx.master.commands.call("inject.websocket", flow, True, action.text.encode(), True)
                message.drop()
                flow.marked = MARK_BLOCKED
                logger.info("toolguard: blocked WebSocket message on flow %s: %s", flow.id, action.what)
            else:
                message.content = action.text.encode()
                flow.marked = MARK_REPAIRED
                logger.info("toolguard: repaired WebSocket message on flow %s: %s", flow.id, action.what)
        except Exception as exc:  # never break traffic: the message goes on as the client sent it
            self.stats["internal_errors"] += 1
            logger.warning(
                "toolguard: internal error acting on a WebSocket message (flow %s): %r; it passed unchanged",
                flow.id,
                exc,
            )

    def _on_websocket_end(self, flow: http.HTTPFlow) -> None:
        if self.sockets is not None and self.sockets.follows(flow.id):
            self.sockets.end(flow.id, time.time())

    def _count_unchecked(self, flow: http.HTTPFlow, path: str) -> None:
        """Count a request not validated because of its path (runs.unchecked_requests), by upstream
        and path (bounded: visibility.add_host), and await its answer to count a rejection (_finish)."""
        self.stats["unchecked_requests"] += 1
        add_host(self.unchecked_paths, path)
        if len(self._unchecked_flows) >= MAX_PENDING:
            self._unchecked_flows.pop(next(iter(self._unchecked_flows)))
        self._unchecked_flows[flow.id] = None

    def _track_unvalidated(
        self, flow: http.HTTPFlow, internal_error: str | None = None, route: _Route | None = None
    ) -> None:
        """Remember a record-only flow without parsing its body (nothing validates it), or a flow
        whose request hook failed (``internal_error``), which is then stored whatever its answer."""
        request = flow.request
        raw = request.raw_content or b""
        if route is not None and route.target is not None:
            target = route.target
        else:  # after a failure: derived again, not from the cache
            target = Target.from_url(target_url(request), self.registry)
        self._remember(
            flow,
            Pending(
                analysis=Analysis(target=target),
                started=request.timestamp_start,
                body=raw,
                headers=request.data.headers.fields,
                raw_path=request.data.path,
                redact_headers=self.settings.redact_headers if self.settings else (),
                client_conn=flow.client_conn.id,
                flow=flow,
                extra={"internal_error": internal_error} if internal_error else {},
                route=route,
            ),
        )
        if internal_error is None:
            self.stats["recorded_only"] += 1

    def _remember(self, flow: http.HTTPFlow, pending: Pending) -> None:
        if len(self.pending) >= MAX_PENDING:
            self.pending.pop(next(iter(self.pending)))
            self.stats["pending_dropped"] += 1
        self.pending[flow.id] = pending

    def _on_responseheaders(
        self, flow: http.HTTPFlow, fields: tuple[tuple[bytes, bytes], ...], kind: Literal["sse", "raw"]
    ) -> None:
        """A stream's answer (``kind``, from its header ``fields``): passed on as it comes, tapped."""
        pending = self._pending_for(flow.id)
        if pending is None or flow.response is None:
            return
        content_type = _header(fields, b"content-type") or ""
        pending.answer_type = (fields, content_type)
        if kind == "sse":
            # Stream SSE through unbuffered: mitmproxy buffers whole bodies by default and qwen-code
            # (always streaming) would see nothing until the generation ends (mitmproxy#4469).
            # The tap returns every chunk unchanged and parses a copy on the side, so an error event
            # inside a 200 stream (OpenAI, vLLM, OpenRouter) is still seen and stored (sse.py).
            tap = SSETap(flow.response.headers.get("content-encoding"))
            pending.sse_tap = tap
            flow.response.stream = tap
        else:
            # Bedrock's event stream and Ollama's NDJSON: passed through as they come too (rawstream.py).
            raw = RawStreamTap(content_type, flow.response.headers.get("content-encoding"))
            pending.sse_tap = raw
            flow.response.stream = raw

    def _finish_lean(self, flow: http.HTTPFlow, entry: list[Any]) -> bool:
        """A lean flow judged clean, answered: finished here when its answer is accepted (True);
        False when the full path must (the caller makes its Pending and goes on)."""
        pending = self.pending
        if pending.get(flow.id) is not entry:  # type: ignore[comparison-overlap]
            return True  # dropped meanwhile (MAX_PENDING): as _finish does for a dropped Pending
        response = flow.response
        if (
            self._lean_min is not None  # else the options changed meanwhile (store_all: stored)
            and response is not None
            and response.data.status_code < 400
            and flow.error is None
            and may_be_error_body(response.data.content, _encoding_of, response) is None
        ):
            # Judged clean and accepted: what the full path's first branch gives it (the lane has no
            # findings, tap, hook failure, block, repair or store_all, by construction).
            del pending[flow.id]
            noted: WorkerResult | None = entry[_LEAN_NOTE]
            if noted is None:
                flow.metadata[METADATA_KEY] = {"verdict": _ACCEPTED, "findings": []}
            else:
                # The local note alone: what the full path gives it (accepted; not stored, worth_keeping;
                # no console line, _local_note_only): its annotation, and nothing else.
                self._annotate(flow, noted.findings, Verdict.ACCEPTED)
            return True
        return False

    def _finish(self, flow: http.HTTPFlow, shutdown: bool = False) -> None:
        if self._unchecked_flows and flow.id in self._unchecked_flows:
            del self._unchecked_flows[flow.id]
            answer = flow.response
            if answer is not None and rejected(answer.data.status_code, False):
                self.stats["unchecked_rejected"] += 1  # also in stats["rejected"] when recorded (RECORD)
        pending = self.pending.get(flow.id)
        if pending is None:
            return
        if type(pending) is list:  # a lean flow (see _on_queued_request)
            if pending[_LEAN_JOB]:
                pending[_LEAN_ANSWERED] = flow  # finished when its verdict arrives (_on_jobs_done)
                return
            if self._finish_lean(flow, pending):
                return
            pending = self._pending_of(pending)
        # Until its verdict is in (the worker's, or the rules a loop turn later).
        if pending.validation is not None or pending.job:
            pending.answered_flow = flow  # finished when the verdict arrives (_on_jobs_done)
            return
        del self.pending[flow.id]
        response = flow.response
        if (
            response is not None
            and response.data.status_code < 400
            and not pending.analysis.findings
            and pending.sse_tap is None
            and flow.error is None
            and not pending.extra  # no hook failure, no shutdown
            # An HTML page or an {"error": ...} object sent with a 2xx status (capture.is_error_in_2xx_body):
            # a slice of the raw bytes, decided below (a new user's trial, session 19).
            and may_be_error_body(response.data.content, _encoding_of, response) is None
            and not pending.blocked
            and pending.repair is None
            and not (self.settings is not None and self.settings.store_all)
        ):
            # Most flows: clean and accepted, nothing to store, count or say. What the path below
            # gives such a flow (verdict.verdict: accepted; _annotate: this metadata and no mark or
            # comment; should_store: no), without deriving it again per flow (issue #12).
            flow.metadata[METADATA_KEY] = {"verdict": _ACCEPTED, "findings": []}
            return
        if shutdown:  # mitmproxy is exiting with this flow unfinished; nothing else will store it
            pending.extra["flow_error"] = "toolguard: mitmproxy shut down before the flow finished"
        findings = pending.analysis.findings
        status = flow.response.status_code if flow.response is not None else None
        tap: SSETap | None = pending.sse_tap
        if tap is not None and tap.raw_bytes == 0 and flow.response is not None and flow.response.raw_content:
            # The body arrived whole instead of through the tap: a flow replayed with `mitmdump -r`,
            # or one another addon buffered. Read it the same way so its error events count too.
            tap(flow.response.raw_content)
            tap(b"")
        stream_error = tap is not None and tap.stream_error
        if tap is None and status is not None and 200 <= status < 300 and flow.response is not None:
            # An error the 2xx answer carries in its body instead of the API's answer (an HTML page, an
            # {"error": ...} object): a rejection like an error event inside a stream. The row's error is
            # read from the stored body again (capture.answer_error), so only the bool is kept here.
            decoded = may_be_error_body(flow.response.data.content, _encoding_of, flow.response)
            if decoded is not None:
                content_type_seen = _header(flow.response.data.headers.fields, b"content-type")
                stream_error = is_error_in_2xx_body(decoded, content_type_seen)
        was_rejected = rejected(status, stream_error)
        if (
            tap is not None
            and flow.error is None
            and not was_rejected
            and status is not None
            and 200 <= status < 300
            and "flow_error" not in pending.extra
            and tap.ended_without_end
            # NDJSON's "done": true is Ollama's: judged on its native chat path only (rawstream.py); a
            # Bedrock event stream is judged by its own events wherever it comes from (the tap's
            # expects_end: only streams whose format ends with an end event).
            and (
                type(tap) is SSETap
                or tap.format == EVENT_STREAM
                or pending.analysis.target.endpoint == OLLAMA
            )
        ):
            # A 200 stream the upstream closed cleanly before its end event (a crashed llama-server or
            # vLLM worker, a gateway's timeout; trial22): the client got half an answer and mitmproxy
            # saw no error. Stored as an interruption, with toolguard's own flow error saying why.
            pending.extra["flow_error"] = ENDED_EARLY_ERROR
        flow_error = flow.error.msg if flow.error else pending.extra.get("flow_error")
        verdict = verdict_for(
            pending.analysis.has_error,
            status,
            stream_error,
            flow_error,
            blocked=pending.blocked,
            repaired=pending.repair is not None and pending.repair.changed,
        )
        response = flow.response
        # The answer's header fields as mitmproxy holds them: read without the multidict's per-call
        # key conversions, and handed to the writer as they are (issue #12).
        response_fields = response.data.headers.fields if response is not None else None
        seen = pending.answer_type
        if seen is not None and seen[0] is response_fields:  # as the responseheaders hook read it
            content_type = seen[1]
        else:
            content_type = _header(response_fields, b"content-type") if response_fields is not None else None
        hook_failed = "internal_error" in pending.extra  # a hook failed on it: stored with the error
        keep = hook_failed or should_store(
            has_findings=_worth_keeping(findings),
            rejected=was_rejected,
            flow_failed=flow_error is not None,
            # (RawStreamTap.done is "the body ended": not complete when it ended before its end line.)
            stream_complete=tap is not None and tap.done and not ended_early(flow_error),
            store_all=bool(self.settings and self.settings.store_all),
        )
        body: bytes | None = None
        recognition = early = None
        explaining = verdict in (Verdict.UNEXPLAINED, Verdict.PREDICTED)
        # Observe mode leaves the rejection's reading to the writer, which decides the row: the
        # console line and the comment then say what the row says, without the catalogue on the loop.
        later = self._read_later() if explaining and keep else None
        demotable = verdict == Verdict.FALSE_ALARM and keep and later is None
        if demotable:
            # The writer may store it `accepted` with the rule's warning: a demotion from an answer
            # that ended before this request started reaches this proxy's snapshot a pipe-trip after
            # the writer commits it (Capture.apply_demoted). Its line and comment wait for the row's.
            later = self._demotion_may_come()
        if explaining and later is None:
            # Name the root cause now, so the console line and the comment give the verdict the stored
            # row will (the row takes this reading, capture.EarlyAnswer): an unexplained rejection
            # the catalogue names is `recognised`, and so is a flagged one the upstream rejected for
            # an unrelated reason (a 429 neither confirms nor refutes a rule).
            error_rules = [f.rule for f in findings if f.severity == Severity.ERROR]
            if response is not None and response_fields is not None:
                body = response_body(response.raw_content, _header(response_fields, b"content-encoding"))
            recognition, error_message, early = early_recognition(
                status=status,
                body=body,
                content_type=content_type,
                stream_error=tap.error if tap is not None else None,
                provider=pending.analysis.target.provider.id,
                finding_rules=error_rules,
            )
            cause = early.cause if early is not None else None
            if (
                keep
                and early is not None
                and early.error is not None
                and pending.analysis.is_json
                and (
                    cause is None
                    or cause.get("provider") == STATUS_ONLY
                    or completes_from_request(cause)  # as Capture.to_row reads it again
                )
            ):
                # The request-aware tier, as Capture.to_row reads this row (block and repair mode
                # judge in place): else the line said `unexplained` where the row said `recognised`.
                # Rare: rejections no text names.
                named = _with_request(early.error, pending, status, error_rules, self.settings)
                if named is not None:
                    recognition, cause = named, named.summary()
            verdict = explained_by(
                verdict,
                cause,
                error_rules=error_rules,
                text=error_message,
                locations=[f.location for f in findings if f.severity == Severity.ERROR],
            )
            if cause is not None and keep and self.store is not None and verdict in LEARNED_FROM_VERDICTS:
                self._learn_early(flow.id, pending, cause, error_message, findings)
        self._annotate(flow, findings, verdict, pending=pending, recognition=recognition)
        if tap is not None:
            flow.metadata[METADATA_KEY]["stream"] = tap.summary()
        if pending.blocked:
            pass  # toolguard's own answer (counted as blocked when given): the upstream never saw it
        elif was_rejected:
            self.stats["rejected"] += 1
        elif verdict == Verdict.NO_ANSWER:
            self.stats["no_answer"] += 1
        # An answer that started and broke off (trial21a: Claude Code's stream dropped mid-way was
        # "accepted" with no line at all, and "0 without an answer" at shutdown): counted and said.
        broke_off = keep and answer_broke_off(status, verdict, flow_error)
        if broke_off:
            # A stream that ended without its end event is counted apart from a connection that broke.
            self.stats["streams_ended_early" if ended_early(flow_error) else "answers_broke_off"] += 1
        console = (
            self.settings is not None
            and self.settings.console
            and bool(
                (findings and not _local_note_only(pending.analysis.target, findings))
                or verdict in CONSOLE_VERDICTS
                or broke_off
            )
            and _console_shown()
        )
        if console and later is None:
            # The line names `toolguard show` only for a flow that is stored: an unstored one (the
            # model.rules-skipped note alone) would send the user to "no flow with id ...".
            logger.info(
                "%s",
                console_line(
                    flow.id,
                    verdict,
                    status,
                    findings,
                    # A stream that ended without its end event has toolguard's flow error, not mitmproxy's.
                    FlowError(flow_error) if flow.error is None and ended_early(flow_error) else flow.error,
                    recognition,
                    stored=keep,
                    **self._show_where(),
                ),
            )
        if not keep:
            return
        if self.store is not None:
            capture = self._capture(flow, pending, verdict, content_type, body, early)
            if later is not None:
                if demotable:
                    capture.report_demoted = True
                else:
                    capture.report_verdict = True
                self._await_verdict(
                    later, _Awaiting(flow, capture, findings, status, console, time.monotonic())
                )
            self.store.put(capture)
            self.stats["queued"] += 1

    # ------------------------------------------------- the rejection's reading, by the writer

    def _read_later(self) -> asyncio.AbstractEventLoop | None:
        """The event loop when a stored rejection's root cause can be left to the writer: observe
        mode (block and repair judge in place), a store, a running loop (tests driving the hooks by
        hand decide here)."""
        settings = self.settings
        if settings is None or settings.mode is not Mode.OBSERVE or self.store is None:
            return None
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    def _demotion_may_come(self) -> asyncio.AbstractEventLoop | None:
        """The event loop when a stored false alarm's verdict is left to the writer, in every mode
        (a demotion lowers an error whatever acted on the request): the store learns from
        acceptances (``toolguard_demote_after`` above 0), a running loop (tests driving the hooks
        by hand decide here)."""
        settings = self.settings
        if settings is None or self.store is None or settings.demote_after <= 0:
            return None
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    def _await_verdict(self, loop: asyncio.AbstractEventLoop, waiting: _Awaiting) -> None:
        self._verdict_loop = loop
        awaiting = self._awaiting
        if len(awaiting) >= MAX_AWAITING:  # the writer is far behind, or gone: the oldest decided here
            changed: list[http.HTTPFlow] = []
            self._decide_here(awaiting.pop(next(iter(awaiting))), changed)
            self._refresh(changed)
        awaiting[waiting.flow.id] = waiting
        if self._verdict_sweep is None:
            self._verdict_sweep = loop.call_later(VERDICT_WAIT_SECONDS, self._sweep_verdicts)

    def _hear_verdicts(
        self,
        verdicts: list[Verdicts],
        late: dict[str, list[tuple[str, str, str, str]]] | None = None,
        demoted: dict[str, list[str]] | None = None,
    ) -> None:
        """The store's decisions for the rows that asked: called on its thread (the writer process's
        supervisor, or the writer thread), handled on the event loop. ``late``: the ``learned.*``
        findings the writer added to some of them (Capture.apply_learned: what an earlier answer
        taught before this proxy's snapshot held it), joined to their findings before the verdicts
        reach the loop, so the comment and the console line say them; counted on the loop.
        ``demoted``: the rules whose errors the writer lowered to warnings in some false alarms (a
        demotion this proxy's snapshot did not hold yet, Capture.apply_demoted), lowered here too."""
        if demoted:
            for flow_id, rules in demoted.items():
                waiting = self._awaiting.get(flow_id)
                if waiting is not None:
                    lowered = set(rules)
                    waiting.findings = [
                        demoted_finding(f) if f.severity == Severity.ERROR and f.rule in lowered else f
                        for f in waiting.findings
                    ]
                    waiting.findings_changed = True
        if late:
            for flow_id, found in late.items():
                if not found:
                    continue
                waiting = self._awaiting.get(flow_id)
                if waiting is not None:
                    # Counted in the run's "with findings" by the writer, in the run row it writes
                    # (Store.late_flagged); here for the shutdown's words (this thread alone adds).
                    self.late_flagged += not _worth_keeping(waiting.findings)
                    waiting.findings = [*waiting.findings, *(finding_from(f) for f in found)]
                    waiting.findings_changed = True
        self._verdict_inbox.append(verdicts)
        if not self._inbox_scheduled and self._verdict_loop is not None:
            self._inbox_scheduled = True
            _call_on_loop(self._verdict_loop, self._take_verdicts)

    def _take_verdicts(self) -> None:
        """On the loop: each verdict the writer reached, said as the flow's comment, mark and console
        line; the UIs refreshed once for the batch."""
        self._inbox_scheduled = False  # before draining: a batch appended meanwhile schedules again
        changed: list[http.HTTPFlow] = []
        inbox = self._verdict_inbox
        while inbox:
            for flow_id, verdict, cause_id, title in inbox.popleft():
                waiting = self._awaiting.pop(flow_id, None)
                if waiting is None:  # decided here already (waited too long, or at shutdown)
                    continue
                named = _Named(cause_id, title or "") if cause_id is not None else None
                self._report(waiting, verdict, named, changed)
        self._refresh(changed)

    def _report(
        self, waiting: _Awaiting, verdict: str | None, named: _Named | None, changed: list[http.HTTPFlow]
    ) -> None:
        """The flow's annotations and console line with the row's verdict (as _finish gives them in
        place): the comment and metadata are rewritten, the stream summary kept, and the flow added
        to ``changed`` (the UIs' refresh) only when that changed what they show."""
        try:  # in place, not through _guard and a lambda per flow (perf9)
            self._annotate_verdict(waiting.flow, waiting, verdict, named, changed)
        except Exception as exc:
            self._failed("verdict", waiting.flow, exc)

    def _annotate_verdict(
        self,
        flow: http.HTTPFlow,
        waiting: _Awaiting,
        verdict: str | None,
        named: _Named | None,
        changed: list[http.HTTPFlow],
    ) -> None:
        before = flow.metadata.get(METADATA_KEY)
        recognition: Any = named  # what _annotate and console_line read of a Recognition
        if (
            before is not None
            and verdict == waiting.capture.verdict == before.get("verdict")
            and verdict != Verdict.RECOGNISED
            and not waiting.findings_changed
            and (named is None or any(f.severity != Severity.INFO for f in waiting.findings))
        ):
            # The provisional annotation stands (the usual case: a rule's rejection confirmed): with
            # the same verdict and findings, _annotate's comment names no cause, so only the cause's
            # metadata is new. Not rebuilt: a tenth of toolguard's live loop samples per flagged flow.
            if named is not None:
                before["cause"] = named.cause_id
                changed.append(flow)
        else:
            shown = (dict(before) if before is not None else None, flow.comment, flow.marked)
            self._annotate(flow, waiting.findings, verdict, recognition=recognition)
            if before is not None and "stream" in before:
                flow.metadata[METADATA_KEY]["stream"] = before["stream"]
            if (flow.metadata.get(METADATA_KEY), flow.comment, flow.marked) != shown:
                changed.append(flow)
        if waiting.console:
            assert self.settings is not None
            logger.info(
                "%s",
                console_line(
                    flow.id,
                    verdict,
                    waiting.status,
                    waiting.findings,
                    flow.error,
                    recognition,
                    stored=True,
                    **self._show_where(),
                ),
            )

    def _refresh(self, changed: list[http.HTTPFlow]) -> None:
        """One ``update`` hook for the flows a batch of verdicts changed (mitmweb shows them)."""
        if not changed:
            return
        try:
            _flows_changed(changed)
        except Exception as exc:  # an addon's update hook: counted and logged, never raised
            self.stats["internal_errors"] += 1
            logger.debug("toolguard: the update hook failed for %d flows: %r", len(changed), exc)

    def _decide_here(self, waiting: _Awaiting, changed: list[http.HTTPFlow]) -> None:
        """The writer's verdict did not come (it died with the row, dropped it, or toolguard is
        stopping): the same decision, made here from a copy of the Capture, and reported."""
        flow = waiting.flow
        try:
            _, verdict, cause_id, title = row_verdict(_readable_copy(waiting.capture).to_row())
        except Exception as exc:  # counted and logged; the flow keeps its provisional verdict
            self.stats["internal_errors"] += 1
            logger.debug("toolguard: could not decide flow %s here: %r", flow.id, exc)
            verdict, cause_id, title = waiting.capture.verdict, None, None
        named = _Named(cause_id, title or "") if cause_id is not None else None
        self._report(waiting, verdict, named, changed)

    def _sweep_verdicts(self) -> None:
        """Every VERDICT_WAIT_SECONDS while verdicts are awaited: what waited that long is decided here."""
        self._verdict_sweep = None
        self._take_verdicts()
        deadline = time.monotonic() - VERDICT_WAIT_SECONDS
        late = [w for w in self._awaiting.values() if w.since <= deadline]
        changed: list[http.HTTPFlow] = []
        for waiting in late:
            del self._awaiting[waiting.flow.id]
            self._decide_here(waiting, changed)
        self._refresh(changed)
        if self._awaiting and self._verdict_loop is not None:
            self._verdict_sweep = self._verdict_loop.call_later(VERDICT_WAIT_SECONDS, self._sweep_verdicts)

    def _flush_verdicts(self) -> None:
        """At shutdown, once the store is drained: the verdicts it reported, then the rest decided
        here, so no console line is lost."""
        if self._verdict_sweep is not None:
            self._verdict_sweep.cancel()
            self._verdict_sweep = None
        self._take_verdicts()
        awaiting, self._awaiting = self._awaiting, {}
        changed: list[http.HTTPFlow] = []
        for waiting in awaiting.values():
            self._decide_here(waiting, changed)
        self._refresh(changed)

    def _annotate(
        self,
        flow: http.HTTPFlow,
        findings: list[Finding],
        verdict: str | None,
        pending: Pending | None = None,
        recognition: Recognition | None = None,
    ) -> None:
        errors = [f for f in findings if f.severity == Severity.ERROR]
        flow.metadata[METADATA_KEY] = {
            "verdict": verdict,
            "findings": [f.as_json() for f in findings],
        }
        if errors or (verdict in REJECTED_VERDICTS):
            flow.marked = MARK
        elif flow.marked == MARK:  # annotated again without an error (a late demotion): unmarked
            flow.marked = ""
        repair = pending.repair if pending is not None else None
        if repair is not None:
            # Also when nothing could be repaired: the content view says what was left as is, and why.
            flow.metadata[METADATA_KEY]["mode"] = Mode.REPAIR.value
            flow.metadata[METADATA_KEY]["not_repaired"] = [
                {"rule": n.rule, "location": n.location, "reason": n.reason} for n in repair.not_repaired
            ]
        if pending is not None and pending.blocked:
            flow.marked = MARK_BLOCKED
            first = errors[0]
            flow.comment = f"toolguard: blocked ({first.rule} at {first.location}); the upstream never saw it"
            flow.metadata[METADATA_KEY]["mode"] = Mode.BLOCK.value
        elif repair is not None and repair.changed:
            flow.marked = MARK_REPAIRED
            # For the content view: what changed, as the JSON Patch of each step (plain data only).
            flow.metadata[METADATA_KEY]["repairs"] = [
                {"rule": r.rule, "location": r.location, "description": r.description, "patch": r.patch}
                for r in repair.repairs
            ]
            rules = ", ".join(dict.fromkeys(f"{r.rule} at {r.location}" for r in repair.repairs))
            left = f"; {len(repair.not_repaired)} left as is" if repair.not_repaired else ""
            flow.comment = f"toolguard: repaired {len(repair.repairs)} ({rules}){left}" + (
                f" [{verdict}]" if verdict else ""
            )
        elif any(f.severity != Severity.INFO for f in findings) or (
            findings and verdict not in REJECTED_VERDICTS
        ):
            first = (
                errors[0]
                if errors
                else next((f for f in findings if f.severity != Severity.INFO), findings[0])
            )
            more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
            # A flagged request rejected for an unrelated reason (a 429) names that cause: not credited.
            cause = f": {recognition.cause_id}" if verdict == Verdict.RECOGNISED and recognition else ""
            flow.comment = f"toolguard: {first.rule} at {first.location}{more}" + (
                f" [{verdict}{cause}]" if verdict else ""
            )
        elif verdict in (Verdict.UNEXPLAINED, Verdict.RECOGNISED):
            status = flow.response.status_code if flow.response else "?"
            where = "an error event in the stream" if status == 200 else status
            # Info notes (model.rules-skipped) never head a rejection's comment, as in console_line: the
            # note did not make the 429 happen (found by a mitmweb walkthrough).
            note = f" (note: {findings[0].rule})" if findings else ""
            flow.comment = (
                f"toolguard: upstream rejected ({where}), "
                + (
                    f"{recognition.cause_id} [recognised]"
                    if recognition is not None
                    else "no rule explains it"
                )
                + note
            )
        if recognition is not None:
            flow.metadata[METADATA_KEY]["cause"] = recognition.cause_id

    def _capture(
        self,
        flow: http.HTTPFlow,
        pending: Pending,
        verdict: str | None,
        content_type: str | None,
        body: bytes | None,
        early: EarlyAnswer | None,
    ) -> Capture:
        """Copy plain data off the flow; the writer turns it into a row (see capture.py). ``body``:
        the answer's body as _finish already read it for its error (None: not read yet)."""
        request, response = flow.request, flow.response
        analysis = pending.analysis
        response_fields = None
        if response is not None:
            response_fields = response.data.headers.fields
            if body is None:
                body = response_body(response.raw_content, _header(response_fields, b"content-encoding"))
        end = (response.timestamp_end if response is not None else None) or time.time()
        route = pending.route
        if route is None or route.target is None:  # the request hook failed: derived again
            route = _Route(Scope.RECORD, target_url(request), None, request.pretty_host)
        request_fields = request.data.headers.fields
        # The writer collects the secrets from the header fields handed over, unless they were
        # collected already (a log line quoted the request) or the headers changed since the request
        # hook saw them (another addon, repair mode): then from what the request hook saw, as before.
        secrets = pending._secrets
        if secrets is None and request_fields is not pending.headers:
            secrets = pending.secrets
        tap: SSETap | None = pending.sse_tap
        max_body = self.settings.max_body_bytes if self.settings else DEFAULT_MAX_BODY_BYTES
        request_body, request_encoding = pending.request_to_store()
        findings = list(analysis.findings)
        body_kept = True
        if (
            request_body is not None
            and pending.extra.get("shed")
            and response is not None
            and response.status_code < 400
            and not (self.settings is not None and self.settings.store_all)
        ):
            # Shed under load and accepted upstream: the row and its finding say what was not
            # validated, without the body: under load toolguard does not also store every accepted
            # ~1 MB agent turn it had no time to check (issue #12, docs/benchmarks.md, the eleventh
            # session's runs); an error answer keeps its body, the evidence of the rejection. The
            # writer still reads its facts (model, stream) from it, and its size.
            body_kept = False
            findings = [
                _body_not_stored(f, len(request_body)) if f.rule == NOT_VALIDATED.id else f for f in findings
            ]
        return Capture(
            flow_id=flow.id,
            started=pending.started,
            ended=end,
            method=request.method,
            scheme=request.scheme,
            host=route.host,
            port=request.port,
            path=request.path.split("?", 1)[0],
            url=route.url,
            provider=analysis.target.provider.id,
            model=analysis.model,
            stream=analysis.stream,
            request_headers=request_fields,
            request_text=None,  # set by the writer thread from raw_request
            request_is_json=analysis.is_json,
            request_bytes=len(request_body or b""),
            raw_request=(request_body, request_encoding, max_body) if request_body is not None else None,
            findings=findings,
            secrets=secrets,
            query=pending.query,
            verdict=verdict,
            status=response.status_code if response is not None else None,
            response_headers=response_fields,
            response_body=body,
            response_content_type=content_type,
            stream_error=tap.error if tap is not None else None,
            stream_capture=tap.captured_body() if tap is not None else None,
            flow_error=flow.error.msg if flow.error else pending.extra.get("flow_error"),
            internal_error=pending.extra.get("internal_error"),
            redact_headers=self.settings.redact_headers if self.settings else (),
            repairs=list(pending.repair.repairs) if pending.repair is not None else [],
            not_repaired=list(pending.repair.not_repaired) if pending.repair is not None else [],
            repaired_at=pending.repaired_at,
            run_id=self.settings.run_id if self.settings else None,
            early=early,
            facts_unknown=pending.facts_unknown,
            request_body_kept=body_kept,
            judged_before_knowledge=(at := self._knowledge_at) is None or pending.started < at,
        )

    def _on_server_connect_error(self, data: server_hooks.ServerConnectionHookData) -> None:
        mode = data.client.proxy_mode
        if self.settings is None:
            return
        if ctx.options.connection_strategy == "lazy" or any(
            (p[_LEAN_FLOW].client_conn.id if type(p) is list else p.client_conn) == data.client.id
            for p in self.pending.values()
        ):
            return  # a request waits on this connection: its `error` hook stores it (when in scope)
        if not isinstance(mode, ReverseMode):
            self._count_unreachable(data)
            return
        if self.store is None:
            return
        address = data.server.address
        host, port = (str(address[0]), int(address[1])) if address else ("", 0)
        scheme = "https" if data.server.tls else "http"
        error = data.server.error or "cannot connect to the upstream"
        now = time.time()
        flow_id = str(uuid.uuid4())
        self.stats["no_answer"] += 1
        self.stats["queued"] += 1
        if self.settings.console:
            logger.info(
                "toolguard: no_answer: cannot reach the upstream %s://%s:%s (%s); the client's connection "
                "was closed before it sent a request (flow %s)",
                scheme,
                host,
                port,
                error,
                flow_id,
            )
        self.store.put(
            Capture(
                flow_id=flow_id,
                started=data.server.timestamp_start or now,
                ended=now,
                method=None,
                scheme=scheme,
                host=host,
                port=port,
                path=None,
                url=f"{scheme}://{host}:{port}",
                provider=Target.from_url(f"{scheme}://{host}:{port}/", self.registry).provider.id,
                model=None,
                stream=None,
                request_headers=[],
                request_text=None,
                request_is_json=False,
                request_bytes=0,
                findings=[],
                secrets=[],
                verdict=Verdict.NO_ANSWER.value,
                flow_error=f"{error} (reverse mode connects before reading the request, so none was stored)",
                run_id=self.settings.run_id,
            )
        )

    def _count_unreachable(self, data: server_hooks.ServerConnectionHookData) -> None:
        """Regular (and other forward) modes, eager: the upstream of a client's CONNECT could not be
        reached, so mitmproxy answered 502 before the client sent a request. Nothing to validate or
        store (the host may be a client's telemetry endpoint), but counted, per upstream, and said: an
        offline run read "saw 0 requests" and nothing else, as if the client had bypassed the proxy
        (trial17)."""
        address = data.server.address
        host, port = (str(address[0]), int(address[1])) if address else ("", 0)
        upstream = upstream_name(host, port, "https" if port == 443 else "http")
        self.stats["unreachable_connects"] += 1
        add_host(self.unreachable_upstreams, upstream)
        if self.settings is not None and self.settings.console:
            logger.info(
                "toolguard: cannot reach the upstream %s (%s): the client's connection was refused before "
                "it sent a request, so nothing was validated",
                upstream,
                data.server.error or "connect failed",
            )

    def _put_run(self, *, ended: bool) -> None:
        """Queue this run's row: at start (no counts yet), and at stop with its counts."""
        if self.store is None or self.settings is None:
            return
        modes = [ProxyMode.parse(spec) for spec in ctx.options.mode]
        stats = self._run_stats()
        self.store.put(
            RunRow(
                id=self.settings.run_id,
                started_utc=format_utc(self.run_started),
                ended_utc=utc_now() if ended else None,
                # The client's command line may carry its key (qwen --openai-api-key ...): never to disk.
                command=redact.redact_command(ctx.options.toolguard_run_command or shlex.join(sys.argv)),
                mode=",".join(m.type_name for m in modes),
                upstream=",".join(m.data for m in modes if isinstance(m, ReverseMode)) or None,
                proxy_version=f"mitmproxy {version.VERSION}",
                toolguard_version=toolguard_core.__version__,
                **_run_counts(stats),
                model_rules_skipped=stats["model_rules_skipped"],
                model_rules_skipped_hosts=hosts_json(
                    self._run_hosts(_STOPPED_SKIPPED_HOSTS, self.skipped_hosts)
                ),
                model_rules_skipped_local=stats["model_rules_skipped_local"],
                model_rules_skipped_models=hosts_json(
                    self._run_hosts(_STOPPED_SKIPPED_MODELS, self.skipped_models)
                ),
                unrecognised_requests=stats["unrecognised_requests"],
                unrecognised_hosts=hosts_json(
                    self._run_hosts(_STOPPED_UNRECOGNISED_HOSTS, self.unrecognised_hosts)
                ),
                unchecked_requests=stats["unchecked_requests"],
                unchecked_rejected=stats["unchecked_rejected"],
                unchecked_paths=hosts_json(self._run_hosts(_STOPPED_UNCHECKED_PATHS, self.unchecked_paths)),
                ignored_requests=stats["ignored_requests"],
                ignored_paths=hosts_json(self._run_hosts(_STOPPED_IGNORED_PATHS, self.ignored_paths)),
            )
        )

    def _run_stats(self) -> Counter[str]:
        """This run's counters: this instance's and those of the instances before a hot reload."""
        key = (self.settings.db_path, self.settings.run_id) if self.settings is not None else None
        stopped = _STOPPED_COUNTS.get(key, Counter()) if key is not None else Counter()
        return stopped + Counter(self.all_stats())

    def _run_hosts(self, stopped: dict[tuple[str, str], Counter[str]], current: Counter[str]) -> Counter[str]:
        """This run's host counts, ``current`` plus what the addon's instances before a hot reload
        counted (``stopped``: _STOPPED_SKIPPED_HOSTS or _STOPPED_UNRECOGNISED_HOSTS)."""
        key = (self.settings.db_path, self.settings.run_id) if self.settings is not None else None
        return (stopped.get(key, Counter()) if key is not None else Counter()) + current


def _run_counts(stats: Counter[str]) -> dict[str, int]:
    """The run row's counts (``runs``, docs/schema.md) from the run's counters: said in words at
    shutdown (visibility.counts_line) as ``toolguard run``'s report says them from the row."""
    return {
        "requests_seen": stats["requests_seen"],
        "validated": stats["validated"] + stats[WS_COUNTED_APART + "validated"],
        "with_findings": stats["flagged"] + stats[WS_COUNTED_APART + "flagged"],
        "rejected": stats["rejected"] + stats[WS_COUNTED_APART + "rejected"],
        "no_answer": stats["no_answer"],
        "blocked": stats["blocked"] + stats[WS_COUNTED_APART + "blocked"],
        "stored": stats["queued"],  # queued for the writer, which drains before exit
        "internal_errors": stats["internal_errors"],
        "websocket_messages": stats["websocket_messages"],
    }


def _local_note_only(target: Target, findings: list[Finding]) -> bool:
    """Is the flow's one finding the model.rules-skipped note of a local server? Said once per model at
    shutdown, not on a console line per request: such a server serves any name (trial22); and such a
    flow stays on the lean lane (_on_jobs_done)."""
    return len(findings) == 1 and findings[0].rule == UNKNOWN_MODEL.id and target.provider.id in SELF_HOSTED


def _said_counts(stats: Counter[str]) -> dict[str, int]:
    """:func:`_run_counts` and what the run row has no column for but the counts line says: the answers
    that started and broke off (verdict.answer_broke_off; ``toolguard run`` counts its stored rows)."""
    return {
        **_run_counts(stats),
        "answers_broke_off": stats["answers_broke_off"],
        "streams_ended_early": stats["streams_ended_early"],
    }


#: How the shutdown's line of every counter (the ``toolguard.stats`` command's JSON) begins.
STATS_LINE_PREFIX = "toolguard: counters (toolguard.stats): "
_STATS_LINE = re.compile(re.escape(STATS_LINE_PREFIX) + r"(\{.*\})")


def counters_from_output(output: str) -> dict[str, Any] | None:
    """The counters of the last shutdown line :data:`STATS_LINE_PREFIX` begins in a stopped
    mitmdump's ``output`` (the ``toolguard.stats`` JSON), for scripts and tests; None when there is
    none, or it cannot be read. One reader for every caller: scripts/bench_proxy.py kept its own
    pattern for the line's unlabelled form and read nothing from 3ffbd83 on (session 26)."""
    found = _STATS_LINE.findall(output)
    if not found:
        return None
    try:
        counters = json.loads(found[-1])
    except ValueError:
        return None
    return counters if isinstance(counters, dict) else None


#: Set once a proxy in this process ran (`running`): a later start of the addon is a hot reload,
#: whose failure must not stop the proxy.
_PROXY_STARTED = threading.Event()


def _with_request(
    error: Any, pending: Pending, status: int | None, error_rules: list[str], settings: Settings | None
) -> Recognition | None:
    """The root cause with the request-aware tier, read from the request text the row stores
    (capture.stored_request), exactly as :meth:`Capture.to_row` reads it; None without a request
    object (to_row then keeps the reading without it too)."""
    body, encoding = pending.request_to_store()
    max_body = settings.max_body_bytes if settings else DEFAULT_MAX_BODY_BYTES
    request = request_object(stored_request(body, encoding, max_body, True)[0])
    if request is None:
        return None
    return recognise_error(
        error,
        provider=pending.analysis.target.provider.id,
        finding_rules=error_rules,
        status=status,
        request=request,
    )


def _readable_copy(capture: Capture) -> Capture:
    """A copy of a Capture handed to the store, to build its row here: the writer process's sender
    may have marked its bulky bytes for out-of-band pickling (writerproc._out_of_band)."""
    dup = copy.copy(capture)
    raw = dup.raw_request
    if raw is not None and isinstance(raw[0], pickle.PickleBuffer):
        dup.raw_request = (bytes(raw[0].raw()), *raw[1:])
    if isinstance(dup.response_body, pickle.PickleBuffer):
        dup.response_body = bytes(dup.response_body.raw())
    return dup


def _flows_changed(flows: list[http.HTTPFlow]) -> None:
    """Flows changed outside their own hooks (verdicts that came after their answers): have
    mitmproxy's UIs refresh them, as its own ``flow.comment`` command does (mitmproxy-notes.md).
    One hook for all of them: ``update`` takes a sequence of flows (mitmproxy's ``view.update``).

    Only when some addon has an ``update`` hook: mitmdump's have none (mitmweb's and the
    console's view do), and ``trigger`` walks the whole chain anyway, a context manager and a
    generator per addon — a fifth of a flagged flow's instructions on the loop, twice per flow
    (the worker's verdict, then the writer's: docs/benchmarks.md, perf9)."""
    master = getattr(ctx, "master", None)
    if master is not None and _has_update_hook(master.addons.chain):
        master.addons.trigger(hooks.UpdateHook(flows))


#: The chain last looked at by :func:`_has_update_hook`, its length, the answer, and until when
#: (time.monotonic) that answer stands.
_UPDATE_HOOKS: list[Any] = [None, 0, False, float("-inf")]
#: An addon added or removed is seen at once (the chain's length changes); a script reloaded with
#: an ``update`` hook (a new module under the same Script addon) at most this late. Walking the
#: chain per batch instead was a tenth of what skipping the hook saves.
UPDATE_HOOKS_SECONDS = 1.0


def _has_update_hook(chain: list[Any]) -> bool:
    """Whether an addon of ``chain`` or below it (mitmproxy's ``traverse``: a script's module, an
    addon's ``addons``) has a callable ``update``."""
    known, length, answer, until = _UPDATE_HOOKS
    now = time.monotonic()
    if chain is known and len(chain) == length and now < until:
        return answer
    answer = any(callable(getattr(addon, "update", None)) for addon in traverse(chain))
    _UPDATE_HOOKS[:] = [chain, len(chain), answer, now + UPDATE_HOOKS_SECONDS]
    return answer


def _call_on_loop(loop: asyncio.AbstractEventLoop | None, callback: Callable[..., None], *args: Any) -> None:
    """Run ``callback`` on the proxy's event loop (from any thread); without one, here."""
    if loop is None:
        callback(*args)
        return
    with contextlib.suppress(RuntimeError):  # the loop is closed: mitmdump is gone
        loop.call_soon_threadsafe(callback, *args)


def make_addons() -> list[ToolGuard]:
    """What a toolguard mitmproxy script exports as ``addons`` (``addon/toolguard.py`` in a checkout,
    ``toolguard_core/script/toolguard.py`` when installed): the addon, with the "Chat Completions" and
    "Anthropic Messages" and "Responses" content views registered in mitmweb/mitmproxy (the request
    as a conversation, findings in place)."""
    contentview.register()
    contentview_messages.register()
    contentview_responses.register()
    contentview_gemini.register()
    return [ToolGuard()]


def script_namespace() -> dict[str, Any]:
    """What a toolguard mitmproxy script exports (``addon/toolguard.py``, ``script/toolguard.py``):
    the addon's hooks and commands as the script module's own attributes (bound methods of one
    :class:`ToolGuard`, made by :func:`make_addons`), and the addon itself as ``toolguard``.

    Not ``addons = [ToolGuard()]``: for every hook of every flow, mitmproxy walks each addon's
    children (``addonmanager.traverse``: a generator per level, ``hasattr(a, "addons")``, then
    ``getattr(a, hook)`` on each), and a script is already two levels (its ``Script`` and its
    module); a module holding the hooks itself spares the third. Live, that walk was the largest
    part of what toolguard adds to a small request (issue #12, docs/benchmarks.md "Session 16":
    ``bench_instr.py --live --opcodes``)."""
    addon = make_addons()[0]
    namespace: dict[str, Any] = {"toolguard": addon}
    for name in dir(ToolGuard):
        if name in hooks.all_hooks or isinstance(
            getattr(getattr(ToolGuard, name), "command_name", None), str
        ):
            namespace[name] = getattr(addon, name)
    return namespace


#: Findings that say the body was passed through without validation (toolguard's limits, rules/body.py).
PASSED_THROUGH_RULES = frozenset({TOO_LARGE.id, UNDECODABLE.id, TOO_DEEP.id})

#: Verdicts that get a console line even without findings: the upstream said no, or nothing answered.
CONSOLE_VERDICTS = frozenset({*REJECTED_VERDICTS, Verdict.NO_ANSWER})
_ACCEPTED = Verdict.ACCEPTED.value


def _console_shown() -> bool:
    """Whether an INFO line reaches anyone: a handler on the root logger that takes INFO, other
    than mitmproxy's bridge to the deprecated ``add_log`` hook. With ``mitmdump -q`` (terminal at
    ERROR) nothing shows the console line, yet each one was formatted and sent through that bridge to
    every addon: measured with py-spy on bench_proxy's flagged scenario, the largest part of
    toolguard's own time on the event loop per flagged flow (issue #12)."""
    root = logging.getLogger()
    if not logger.isEnabledFor(logging.INFO):
        return False
    return any(
        handler.level <= logging.INFO and not isinstance(handler, LegacyLogEvents)
        for handler in root.handlers
    )


def show_command_for(toolguard_db: str) -> str:
    """``toolguard show`` with the ``--db`` the proxy writes to, unless that is the default database
    (a PostgreSQL URL without its password: the log is no place for a secret, and a masked ``***``
    pasted back would be sent as the password; libpq takes it from PGPASSWORD or ~/.pgpass)."""
    if not toolguard_db or Path(toolguard_db).expanduser() == default_db_path():
        return "toolguard show"
    where = command_url(toolguard_db) if is_postgres_url(toolguard_db) else toolguard_db
    return f"toolguard show --db {shlex.quote(where)}"


def console_line(
    flow_id: str,
    verdict: str | None,
    status: int | None,
    findings: list[Finding],
    error: Any,
    recognition: Recognition | None = None,
    *,
    stored: bool = True,
    show: str = "toolguard show",
    websocket: bool = False,
    show_note: str = "",
) -> str:
    """The console line of a flagged flow: verdict, status, first rule and location (or the root cause
    the answer names), flow id, and the command that shows it (or why it is not stored). ``websocket``:
    a message on a Responses WebSocket, whose status is its error event's, not an HTTP answer's."""
    answer = (
        (f"status {status} on the WebSocket" if websocket else f"HTTP {status}")
        if status is not None
        else f"no answer ({error.msg if error else 'no response'})"
    )
    if status is not None and not rejected(status, False) and verdict in REJECTED_VERDICTS:
        # A rejection with a 2xx status came inside the stream: "recognised: HTTP 200" read as an
        # accepted request (a new user's trial, session 15); show says it in the same words.
        answer += IN_STREAM_WORDS
    if status is not None and error:
        # Headers came, the body or stream did not end (a reset, a truncated event stream): the line
        # read "false_alarm: HTTP 200" as a clean answer (found by the reliability walkthrough).
        answer += f", cut off ({error.msg})"
    broke_off = answer_broke_off(status, verdict, error.msg if error else None)
    # Info notes (model.rules-skipped) never head the line of a rejection whose cause is known: the
    # note did not make the 401 happen.
    significant = [f for f in findings if f.severity != Severity.INFO]
    # (verdict.REJECTED_VERDICTS: a 4xx/5xx and an error event inside a 200 stream alike)
    if significant or (findings and recognition is None and verdict not in REJECTED_VERDICTS):
        first = next((f for f in findings if f.severity == Severity.ERROR), (significant or findings)[0])
        more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
        what = f"{first.severity} {first.rule} at {first.location}{more}"
        if verdict == Verdict.RECOGNISED and recognition is not None:
            # An error finding: the answer is unrelated to it (verdict.rejection_verdict), say what it
            # was. A warning is never credited, so its flow is recognised even when the answer names
            # its very key (Gemini's `Unknown name "stream"` on gemini.unknown-field, a warning on a
            # host no profile claims): "not confirmed" said the opposite of the upstream (walkthrough13).
            said = "not confirmed by the answer" if first.severity == Severity.ERROR else "the answer"
            what += f", {said}: {recognition.cause_id}: {recognition.title}"
    elif recognition is not None:
        what = f"{recognition.cause_id}: {recognition.title}"
    elif broke_off:
        what = BROKE_OFF_WORDS
    else:
        # A rejection with only notes: the note did not cause it, it says what was not checked
        # (a fresh-clone walkthrough read "unexplained: HTTP 400; info model.rules-skipped" as the reason).
        what = "no rule explains it" + (f" (note: {findings[0].rule})" if findings else "")
    if (note := unvalidated_note(f.rule for f in findings)) is not None:
        # "accepted ... info body.too-large" read as if the body was checked: say that it was not,
        # in the words the run report, show and the HTML report use (visibility.flow_verdict_words).
        what += f"; {note}"
    if broke_off and what != BROKE_OFF_WORDS:
        what += f"; {BROKE_OFF_WORDS}"
    where = (
        f"{show} {short_flow_id(flow_id)}{show_note}"
        if stored
        else f"not stored: only the {UNKNOWN_MODEL.id} note; counted in the stats"
    )
    return f"toolguard: {verdict or '-'}: {answer}; {what}; flow {flow_id} ({where})"


@dataclass(slots=True)
class _Connection:
    """A followed WebSocket: its judge and plain copies of the upgrade request (for the rows)."""

    socket: ResponsesSocket
    flow_id: str
    scheme: str
    host: str
    port: int
    path: str
    url: str
    headers: list[tuple[str, str]]
    secrets: list[str]
    #: The upstream as every report names it when no provider profile recognises the host (the
    #: generic profile judges it), else "": each ``response.create`` on it is counted as
    #: ``_Route.upstream`` counts an HTTP request (Codex's Responses API over a WebSocket to a
    #: company gateway is as unrecognised as its HTTP requests were).
    unrecognised: str = ""


#: Where stored flows become rows (option ``toolguard_writer``): a child process (the default, so
#: the proxy pays almost nothing per stored flow) or a thread in the proxy's own process. The
#: in-process hook tests select the thread (tests/conftest.py): the process transport has its own
#: tests (tests/test_writerproc.py, the e2e suite through real mitmdump).
WRITERS = ("process", "thread")
DEFAULT_WRITER = "process"

_STOP = object()
#: How long block or repair mode holds a client's WebSocket message for its verdict (the socket
#: thread judges messages in order; past this the message goes on unchanged and it is counted).
SOCKET_ACT_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class _SocketAction:
    """What block or repair mode does with a client message: ``block`` answers the client with
    ``text`` (an error event) instead of forwarding; ``repair`` forwards ``text`` instead."""

    kind: str
    text: str
    what: str  # for the log line: the rule and location


def _resolve(future: asyncio.Future[_SocketAction | None], action: _SocketAction | None) -> None:
    if not future.done():
        future.set_result(action)


@dataclass(slots=True)
class _SocketReply:
    """How the socket thread tells the waiting hook what to do with a client message."""

    loop: asyncio.AbstractEventLoop
    decided: asyncio.Future[_SocketAction | None]
    #: Set by the hook when it stopped waiting (the message went on as sent): do not act on it.
    abandoned: threading.Event = field(default_factory=threading.Event)

    def send(self, action: _SocketAction | None) -> None:
        """On the socket thread; a second call is ignored."""
        with contextlib.suppress(RuntimeError):  # the event loop is closed: nobody waits any more
            self.loop.call_soon_threadsafe(_resolve, self.decided, action)


@dataclass(slots=True)
class _SocketOffload:
    """Large WebSocket messages go to the same validation worker as HTTP bodies (offload.py), with
    the same bounds: the socket thread hands the body to the event loop, which submits it."""

    loop: asyncio.AbstractEventLoop
    validator: Validator
    min_bytes: int
    providers: str

    def validate(
        self,
        body: bytes,
        url: str,
        max_body: int,
        stopping: Callable[[], bool],
        learned: dict[str, Any] | None,
    ) -> tuple[str, WorkerResult | None, str]:
        """On the socket thread: ``("ok", result, "")``, or ``(reason, None, detail)`` when the body
        was not validated, ``reason`` as the HTTP hooks count it: ``busy`` (the worker's bounds were
        reached, or it is restarting) or ``worker`` (it failed while holding the body).
        :class:`WorkerNotReady` when it has not started, or toolguard is stopping: the caller then
        validates in place, as the HTTP hooks do."""
        header: dict[str, object] = {
            "url": url,
            "max_body": max_body,
            "content_encoding": None,
            "providers": self.providers,
            "learned": learned,  # the host's (ToolGuard._job_header's, for a request)
        }

        async def submit() -> tuple[str, WorkerResult | None, str]:
            try:
                job = self.validator.submit(body, header)
            except WorkerUnavailable as exc:
                return "busy", None, str(exc)
            try:
                return "ok", await job, ""
            except (WorkerUnavailable, asyncio.CancelledError) as exc:
                return "worker", None, str(exc) or "cancelled"

        future = asyncio.run_coroutine_threadsafe(submit(), self.loop)
        deadline = time.monotonic() + self.validator.job_timeout + 5.0
        while True:
            try:
                return future.result(timeout=0.1)
            except concurrent.futures.TimeoutError:
                # The event loop is blocked in `done` (it joins this thread), or the worker hangs
                # past its own deadline: stop waiting for it.
                if stopping() or time.monotonic() > deadline:
                    future.cancel()
                    raise WorkerNotReady("toolguard is stopping") from None
            except concurrent.futures.CancelledError:
                return "worker", None, "the validation was cancelled"


class SocketWorker:
    """Judges WebSocket messages on a thread of its own, in the order they crossed the proxy.

    The hooks only queue ``(connection, from_client, bytes, timestamp)``; the thread parses, follows
    each connection's turns (:class:`~toolguard_core.wsresponses.ResponsesSocket`) and queues a row
    for the store when a turn is rejected or has findings. Its counters are its own (no lock shared
    with the event loop); :meth:`ToolGuard.all_stats` adds them up.
    """

    def __init__(
        self,
        store: Store | ProcessStore,
        store_all: bool,
        run_id: str | None,
        *,
        mode: Mode = Mode.OBSERVE,
        repair: RepairOptions | None = None,
        offload: _SocketOffload | None = None,
        console: Callable[[], dict[str, str]] | None = None,
        knowledge: Callable[[], tuple[Knowledge, float | None]] = lambda: (NOTHING_LEARNED, None),
    ) -> None:
        self.store = store
        self.store_all = store_all
        # The `toolguard show` command of the console lines, as the proxy's own lines name it at the
        # time (Toolguard._show_where; None: toolguard_console is off).
        self.console = console
        self.run_id = run_id  # the rows name their run like the HTTP hooks' (issue #13)
        self.mode = mode
        self.repair = repair or RepairOptions()
        self.offload = offload
        # The proxy's learned knowledge and when it first held the writer's snapshot (None: not yet).
        # Until session 27 a message was judged without it: a constraint learned on that host and
        # model never flagged a Responses WebSocket turn, and block mode blocked on a demoted rule.
        self.knowledge = knowledge
        self._stopping = False
        # Hosts of messages whose provider and model no catalog knows, and of messages to hosts no
        # provider profile recognises (both join the addon's at close, as the counts do).
        self.skipped_hosts: Counter[str] = Counter()
        self.unrecognised_hosts: Counter[str] = Counter()
        self.stats: Counter[str] = Counter()
        self._followed: set[str] = set()  # touched on the event loop only
        self._connections: dict[str, _Connection] = {}  # touched on the worker thread only
        self._queue: queue.Queue[Any] = queue.Queue(MAX_QUEUED_MESSAGES)
        self._thread = threading.Thread(target=self._run, name="toolguard-websocket", daemon=True)
        self._thread.start()

    def follows(self, flow_id: str) -> bool:
        return flow_id in self._followed

    def open(self, flow_id: str, connection: _Connection) -> None:
        if len(self._followed) >= MAX_SOCKETS:
            self.stats["websockets_not_followed"] += 1
            return
        self._followed.add(flow_id)
        self._put(("open", flow_id, connection))

    def message(
        self,
        flow_id: str,
        from_client: bool,
        content: bytes,
        timestamp: float,
        reply: _SocketReply | None = None,
    ) -> None:
        """Queue a message. ``reply`` (block and repair modes): told on the socket thread what to do
        with it (None: let it pass), also when it cannot be judged."""
        if not self._put(("message", flow_id, from_client, content, timestamp, reply)) and reply is not None:
            reply.send(None)

    def end(self, flow_id: str, timestamp: float) -> None:
        self._followed.discard(flow_id)
        self._put(("end", flow_id, timestamp))

    def close(self, timeout: float = 30.0) -> None:
        # The event loop waits here: a message waiting for the worker process is validated in place.
        self._stopping = True
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def _put(self, item: tuple[Any, ...]) -> bool:
        try:
            self._queue.put_nowait(item)
        except queue.Full:  # never block the event loop: a message not judged is counted
            self.stats["websocket_messages_dropped"] += 1
            return False
        return True

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                for flow_id in list(self._connections):
                    self._end(flow_id, time.time())
                return
            reply = item[5] if item[0] == "message" else None
            try:
                self._handle(item)
            except Exception:
                self.stats["internal_errors"] += 1
                logger.exception("toolguard: internal error judging a WebSocket message; it passed unchanged")
                if reply is not None:
                    reply.send(None)  # a second call is ignored (_resolve)

    def _handle(self, item: tuple[Any, ...]) -> None:
        kind, flow_id = item[0], item[1]
        if kind == "open":
            self._connections[flow_id] = item[2]
            return
        if kind == "end":
            self._end(flow_id, item[2])
            return
        connection = self._connections.get(flow_id)
        if connection is None:
            return
        _, _, from_client, content, timestamp, reply = item
        text = content.decode("utf-8", "replace")
        if from_client:
            self.stats["websocket_messages"] += 1
            action = None
            prepared = connection.socket.prepare(text, timestamp)
            if prepared is not None and connection.unrecognised:
                self.stats["unrecognised_requests"] += 1  # as the request hook counts an HTTP request
                add_host(self.unrecognised_hosts, connection.unrecognised)
            if prepared is not None:
                analysis = self._analyse(connection, prepared, acting=reply is not None)
                turn = connection.socket.judge(prepared, analysis)
                if turn.analysis.findings and not any(
                    f.rule in PASSED_THROUGH_RULES for f in turn.analysis.findings
                ):
                    if _worth_keeping(turn.analysis.findings):
                        self.stats[WS_COUNTED_APART + "flagged"] += 1
                    if any(f.rule == UNKNOWN_MODEL.id for f in turn.analysis.findings):
                        self.stats["model_rules_skipped"] += 1  # as the HTTP hooks count it, with its host
                        add_host(
                            self.skipped_hosts,
                            upstream_name(connection.host, connection.port, connection.scheme),
                        )
                if reply is not None and analysis.has_error and not reply.abandoned.is_set():
                    action = self._act(connection, turn, prepared)
                if not turn.answerable and not turn.blocked:  # not JSON: stored now (wsresponses.py)
                    turn.ended = timestamp
                    self._finish(connection, turn)
            if reply is not None:
                reply.send(action)
            return
        finished = connection.socket.server_message(text, timestamp)
        if finished is not None:
            self._finish(connection, finished)

    def _analyse(self, connection: _Connection, prepared: Prepared, acting: bool) -> Analysis:
        """The rules on the message's body: in the validation worker for a large message in observe
        mode (block and repair modes need the verdict now: in place, as for HTTP bodies)."""
        socket = connection.socket
        offload = self.offload
        knowledge, _ = self.knowledge()
        if offload is not None and not acting and len(prepared.body) >= offload.min_bytes:
            analysis = Analysis(target=socket.target)
            outcome: str | None
            target = socket.target
            try:
                outcome, result, detail = offload.validate(
                    prepared.body,
                    socket.url,
                    socket.max_body_bytes,
                    lambda: self._stopping,
                    knowledge.for_host(learned_host(target.host, target.port, target.scheme)).as_json(),
                )
            except WorkerNotReady:  # validated in place below
                outcome, result, detail = None, None, ""
            if outcome is not None and result is None:  # counted and said in the row, as for HTTP
                self.stats[f"{WS_COUNTED_APART}not_validated_{outcome}"] += 1
                analysis.findings.append(NOT_VALIDATED.finding("body", f"Not validated: {detail}."))
                return analysis
            if result is not None:
                self.stats[WS_COUNTED_APART + "validated_in_worker"] += 1
                self._count_validated(result.findings)
                analysis.findings = result.findings
                analysis.internal_errors = result.internal_errors
                analysis.body_facts(model=result.model, stream=result.stream, is_json=result.is_json)
                self._count_internal(result.internal_errors)
                return analysis
        analysis = analyse_request(
            prepared.body,
            socket.url,
            target=socket.target,
            max_body_bytes=socket.max_body_bytes,
            knowledge=knowledge,
        )
        self._count_validated(analysis.findings)
        self._count_internal(analysis.internal_errors)
        return analysis

    def _count_validated(self, findings: list[Finding]) -> None:
        """As for HTTP bodies (ToolGuard._validated): a message passed through beyond toolguard's
        limits is counted as not validated."""
        passed_through = any(f.rule in PASSED_THROUGH_RULES for f in findings)
        self.stats[WS_COUNTED_APART + ("not_validated_body" if passed_through else "validated")] += 1

    def _count_internal(self, internal_errors: list[InternalError]) -> None:
        for internal in internal_errors:  # a rule that failed: counted like the HTTP hooks count it
            self.stats["internal_errors"] += 1
            logger.debug(
                "toolguard: rule %s failed on a WebSocket message: %s", internal.where, internal.error
            )

    def _act(self, connection: _Connection, turn: Turn, prepared: Prepared) -> _SocketAction | None:
        """Block or repair mode on a message with an error finding (docs/modes.md)."""
        socket = connection.socket
        analysis = turn.analysis
        if self.mode is Mode.BLOCK:
            answer = blocked_answer(analysis.findings, socket.target, analysis.body)
            if answer is None:
                return None
            body = json.loads(answer.body)
            # The Responses WebSocket's own error event (agent-clis.md; the server's `error` message):
            # the client's SDK raises what it raises on the provider's 400; toolguard's explanation
            # rides in the extra `toolguard` key, as in block mode's HTTP answer.
            event = {
                "type": "error",
                "status": answer.status,
                "error": body["error"],
                BODY_KEY: body[BODY_KEY],
            }
            text = json.dumps(event, ensure_ascii=False)
            socket.withdraw(turn)
            turn.blocked = True
            turn.status = answer.status
            turn.error_text = text
            turn.ended = time.time()
            self.stats[WS_COUNTED_APART + "blocked"] += 1
            self._finish(connection, turn)
            return _SocketAction("block", text, f"{answer.finding.rule} at {answer.finding.location}")
        if self.mode is not Mode.REPAIR:
            return None
        try:
            judged = json.loads(prepared.body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(judged, dict):
            return None
        result = repair_request(
            judged, socket.target, prepared.findings, self.repair, max_body_bytes=socket.max_body_bytes
        )
        turn.repair = result
        turn.repaired_at = time.time()
        text = socket.repaired(turn, prepared, result)
        if text is None:
            return None
        self.stats[WS_COUNTED_APART + "repaired"] += 1
        rules = ", ".join(dict.fromkeys(f"{r.rule} at {r.location}" for r in result.repairs))
        return _SocketAction("repair", text, rules)

    def _end(self, flow_id: str, timestamp: float) -> None:
        connection = self._connections.pop(flow_id, None)
        if connection is None:
            return
        for turn in connection.socket.close():  # sent, never answered: kept only with findings
            turn.ended = timestamp
            self._finish(connection, turn)

    def _finish(self, connection: _Connection, turn: Turn) -> None:
        analysis = turn.analysis
        if turn.rejected:  # counted like the HTTP hooks' rejections (the run row's `rejected`)
            self.stats[WS_COUNTED_APART + "rejected"] += 1
        # The unknown-model note alone stores no message, as it stores no HTTP flow: Codex's prewarm of
        # a model the catalog does not know was a stored "accepted" row (trial20a).
        worth_keeping = _worth_keeping(list(analysis.findings))
        if not turn.blocked and not should_store(
            has_findings=worth_keeping,
            rejected=turn.rejected,
            flow_failed=False,
            stream_complete=turn.completed,
            store_all=self.store_all,
        ):
            return
        stream_error = turn.error if turn.error is not None and turn.status is None else None
        repair = turn.repair
        verdict = verdict_for(
            analysis.has_error,
            turn.status,
            stream_error is not None,
            None,
            blocked=turn.blocked,
            repaired=repair is not None and repair.changed,
        )
        self.store.put(
            Capture(
                flow_id=message_flow_id(connection.flow_id, turn.index),
                started=turn.started,
                ended=turn.ended or time.time(),
                method="WS",
                scheme=connection.scheme,
                host=connection.host,
                port=connection.port,
                path=connection.path,
                url=connection.url,
                provider=analysis.target.provider.id,
                model=analysis.model,
                stream=analysis.stream,
                request_headers=connection.headers,
                request_text=turn.text,
                request_is_json=analysis.body is not None,
                request_bytes=len(turn.text.encode()),
                findings=list(analysis.findings),
                secrets=connection.secrets,
                verdict=verdict,
                status=turn.status,
                response_body=turn.error_text.encode() if turn.error_text and stream_error is None else None,
                response_content_type="application/json" if turn.error_text else None,
                stream_error=stream_error,
                stream_capture=turn.error_text if stream_error is not None else None,
                flow_error=None
                if turn.finished or turn.blocked or not turn.answerable
                else "no answer on the WebSocket before it closed",
                websocket={"connection": connection.flow_id, **turn.context()},
                repairs=list(repair.repairs) if repair is not None else [],
                not_repaired=list(repair.not_repaired) if repair is not None else [],
                repaired_at=turn.repaired_at,
                run_id=self.run_id,
                # As a request's (ToolGuard._capture): the writer then adds what its first snapshot held.
                judged_before_knowledge=(at := self.knowledge()[1]) is None or turn.started < at,
            )
        )
        self.stats["queued"] += 1  # as the HTTP hooks count a row handed to the store
        if worth_keeping or verdict in CONSOLE_VERDICTS:
            self._websocket_console(
                message_flow_id(connection.flow_id, turn.index), turn, verdict, stream_error
            )

    def _websocket_console(
        self, flow_id: str, turn: Turn, verdict: Verdict, stream_error: UpstreamError | None
    ) -> None:
        """The console line of a stored message on a Responses WebSocket, as a flagged HTTP flow gets:
        none was said, so Codex's rejected turns through a proxy started by hand left the console
        silent until the shutdown counts (trial20a). The root cause is named as the writer will name
        it for the row (the HTTP hooks' early reading, without the rare request-aware tier)."""
        if self.console is None or not _console_shown():
            return
        findings = list(turn.analysis.findings)
        recognition = None
        if verdict in (Verdict.UNEXPLAINED, Verdict.PREDICTED):
            error_rules = [f.rule for f in findings if f.severity == Severity.ERROR]
            body = turn.error_text.encode() if turn.error_text and stream_error is None else None
            recognition, error_message, early = early_recognition(
                status=turn.status,
                body=body,
                content_type="application/json" if body is not None else None,
                stream_error=stream_error,
                provider=turn.analysis.target.provider.id,
                finding_rules=error_rules,
            )
            verdict = explained_by(
                verdict,
                early.cause if early is not None else None,
                error_rules=error_rules,
                text=error_message,
                locations=[f.location for f in findings if f.severity == Severity.ERROR],
            )
        logger.info(
            "%s",
            console_line(
                flow_id, verdict, turn.status, findings, None, recognition, websocket=True, **self.console()
            ),
        )


def _size_option(option: str, value: str, *, minimum: int, also: str = "") -> int | None:
    """A size option in bytes (mitmproxy's own parser: digits with an optional k, m or g suffix),
    or an OptionsError that says what is accepted."""
    accepted = f"a number of bytes with an optional k, m or g suffix, such as 64k, at least {minimum}" + (
        f", or {also}" if also else ""
    )
    try:
        size = human.parse_size(value)
    except ValueError:
        raise exceptions.OptionsError(f"{option}: {value!r} is not a size; give {accepted}") from None
    if size is not None and size < minimum:
        raise exceptions.OptionsError(f"{option}: {value!r} is too small; give {accepted}")
    return size


def _command_line_errors(options: Any) -> list[str]:
    """What is wrong with the toolguard options given on the command line, one sentence each.

    mitmproxy keeps a ``--set`` for an option no addon has declared yet ("deferred") and parses it
    once the addon has (``OptManager.process_deferred``, right after ``load``). A value it cannot
    parse there (``toolguard_demote_after=abc``, ``toolguard_console=maybe``, ``toolguard_db`` given
    twice) raises inside mitmproxy's script loader, which drops the whole script without a word: the
    proxy then forwarded traffic with toolguard not loaded. And a misspelt name
    (``toolguard_mdoe=block``) stayed deferred forever. Both are found here, while the options are
    declared, and removed so that the script loads and ``configure`` says them as a start-up error.
    ``_parse_setval`` is mitmproxy's own parser, so "accepted" means what ``--set`` accepts."""
    errors: list[str] = []
    deferred: dict[str, Any] = getattr(options, "deferred", {})
    known = sorted(name for name in options.keys() if name.startswith("toolguard_"))  # noqa: SIM118 - an OptManager
    for name in sorted(n for n in deferred if n.startswith("toolguard_")):
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
            hint = f"did you mean {close[0]}?" if close else f"toolguard's options are {', '.join(known)}"
            errors.append(f"{name}: no such option ({hint})")
            del deferred[name]
            continue
        values = getattr(deferred[name], "val", None)  # mitmproxy's _UnconvertedStrings
        if not isinstance(values, list):
            continue  # set from code with its type already
        try:
            options._parse_setval(options._options[name], values)
        except exceptions.OptionsError as exc:
            once = " (give it once)" if len(values) > 1 else ""
            errors.append(f"{name}: {exc}{once}")
            del deferred[name]
    return errors


def _compile_patterns(option: str, patterns: Sequence[str]) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise exceptions.OptionsError(
                f"{option}: invalid regular expression {pattern!r}: {exc}"
            ) from None
    return tuple(compiled)


def _open_sinks(settings: Settings, store: Store) -> tuple[Any, Any]:
    """The PostgreSQL syncer and the OpenTelemetry export, hooked to the store's written rows.
    Their libraries are optional extras, imported only when asked for (a clear message if missing)."""
    syncer = otlp = None
    if settings.pg_url:
        from toolguard_core.pgstore import Syncer

        try:
            syncer = Syncer(Path(settings.db_path), settings.pg_url)
        except ImportError as exc:
            raise exceptions.OptionsError(f"toolguard_db: {exc}") from None
    if settings.otlp_endpoint:
        from toolguard_core.otel import OtlpExport

        try:
            otlp = OtlpExport(settings.otlp_endpoint, content=settings.otlp_content)
        except ImportError as exc:
            raise exceptions.OptionsError(f"toolguard_otlp_endpoint: {exc}") from None
    if syncer is not None:
        store.listeners.append(syncer.wake)
        syncer.start()
    if otlp is not None:
        store.listeners.append(otlp.on_rows)
    return syncer, otlp


def target_url(request: http.Request) -> str:
    """The request's URL as toolguard reads it (``pretty_url``), with an IPv6 literal host in brackets.

    mitmproxy writes such a host bare (``http://::1:8080/v1/...``: mitmproxy.net.http.url.hostport),
    which urllib cannot split into host and port, so a request to ``[::1]:8080`` matched neither a
    ``[[gateway]]`` for it nor any local port. Called once per route (``_route`` caches them)."""
    if ":" not in request.host:
        return request.pretty_url
    host = request.pretty_host
    authority = request.host_header
    port = (net_url.parse_authority(authority, check=False)[1] if authority else None) or request.port
    default = net_url.default_port(request.scheme)
    hostport = f"[{host}]" if ":" in host else host
    if port and port != default:
        hostport += f":{port}"
    return f"{request.scheme}://{hostport}{request.path if request.path != '*' else ''}"


def _log_summary(path: Path | str) -> None:
    try:  # the CLI package is installed with toolguard; a bare `mitmdump -s` may run without it
        from toolguard_analysis.render import render_text
        from toolguard_analysis.summary import build_summary
    except ImportError:
        logger.warning(
            "toolguard: install toolguard (pip install -e .) and run: toolguard summary --db %s", path
        )
        return
    try:
        logger.info("%s", render_text(build_summary([path])))
    except Exception as exc:  # a broken or missing file: say so, never raise into the proxy
        logger.warning("toolguard: cannot summarise %s: %r", path, exc)


def _demote_after(settings: Settings) -> int:
    """The store's threshold. ``toolguard_demote_after=0`` never demotes (a count no upstream
    reaches); constraints are still learned from rejections either way."""
    return settings.demote_after if settings.demote_after > 0 else 1 << 30


def _what_went_on(pending: Pending | None) -> str:
    """How the flow went on, for a failure's log line: "unchanged" only when no mode acted on it
    (a rule failing in repair mode leaves the other rules' repairs in place)."""
    if pending is not None and pending.blocked:
        return "the request was answered by toolguard (block mode)"
    if pending is not None and pending.repair is not None and pending.repair.changed:
        return "the request went on repaired (repair mode)"
    return "the flow passes through unchanged"


def _body_not_stored(finding: Finding, size: int) -> Finding:
    """A shed body's finding, saying its body was not stored (see ``_capture``)."""
    return finding.model_copy(
        update={
            "message": f"{finding.message} Its body ({size} bytes) was not stored: the upstream accepted "
            "it (toolguard_store_all keeps every body)."
        }
    )


#: Whether findings make a flow worth storing (declared beside the writer's use of it).
_worth_keeping = worth_keeping
