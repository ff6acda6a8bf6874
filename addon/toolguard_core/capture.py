"""What the hooks copy off a flow, and how it becomes a stored row.

The hooks run on mitmproxy's event loop, and the ``response`` hook delays the answer to the
client, so they only *copy* plain data into a :class:`Capture`. Everything costly — redaction
regexes over a 100 KB body, error parsing, JSON encoding of headers, the pydantic row — happens in
:meth:`Capture.to_row`, which the store's writer thread calls. A Capture holds no reference to the
flow (the writer thread must never touch it).
"""

from __future__ import annotations

import json
import operator
import pickle
import re
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field, fields
from typing import Any

import toolguard_core
from toolguard_core import redact
from toolguard_core.analyze import body_facts
from toolguard_core.causes import (
    STATUS_ONLY,
    Recognition,
    completes_from_request,
    recognise_error,
    request_object,
)
from toolguard_core.decoding import decode_body, decode_head
from toolguard_core.findings import Finding, Severity
from toolguard_core.learned import Calibration, Knowledge, calibrate, demoted_finding, learned_host
from toolguard_core.repair import NotRepaired, Repair
from toolguard_core.rules.model import UNKNOWN_MODEL
from toolguard_core.store import (
    MAX_STORED_NON_JSON_REQUEST,
    FindingRow,
    FlowRow,
    RepairRow,
    cause_columns,
    format_utc,
    summary_json,
)
from toolguard_core.upstream_errors import UpstreamError, decode_text, parse_error
from toolguard_core.verdict import REJECTED_VERDICTS, Verdict, explained, explained_by, rejected

Headers = list[tuple[str, str]]
#: A message's header fields as mitmproxy holds them (``Headers.fields``: an immutable tuple of byte
#: pairs). The hooks hand these over as they are and the writer decodes them (:func:`text_headers`):
#: building the text list on the event loop was a tenth of a flagged flow's hook time (issue #12).
RawHeaders = tuple[tuple[bytes, bytes], ...]


def text_headers(headers: Headers | RawHeaders) -> Headers:
    """Header fields as text, decoded as mitmproxy's ``Headers.items(multi=True)`` gives them
    (UTF-8, undecodable bytes kept as surrogate escapes); text fields are returned as they are."""
    return [
        (
            key.decode("utf-8", "surrogateescape") if isinstance(key, bytes) else key,
            value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value,
        )
        for key, value in headers
    ]


#: A response body is stored up to this size (error bodies are small; a gateway's page is cut, a
#: stream keeps only its start and error events). The proxy reads the same bounded body to name a
#: rejection's root cause early, for the console line and the flow's comment, so what it parsed is
#: what the row stores, and the parse travels to the writer with the flow (:class:`EarlyAnswer`).
MAX_STORED_RESPONSE = 64 * 1024


@dataclass(frozen=True, slots=True)
class EarlyAnswer:
    """The upstream's rejection as the proxy read it when the flow finished: the parsed error, where
    it was found, and the root cause it names (``cause``: :meth:`Recognition.summary`, plain data,
    so it pickles small). :meth:`Capture.to_row` stores these instead of parsing and recognising the
    same body again (issue #12), and so the row's verdict is the console line's and the comment's by
    construction, not by running the same code twice."""

    error: UpstreamError | None
    source: str | None
    cause_id: str | None
    cause: dict[str, Any] | None
    #: This answer pickled, made on its first trip to the writer and kept: the reading is remembered
    #: per body (:func:`early_recognition`), so a retried failure's flows all carry the same object,
    #: and pickling its pydantic error and cause dict again per flow was a third of a Capture's
    #: pickle (issue #12). Unpickled, it is read back from the bytes (:func:`_early_from`).
    pickled: bytes | None = field(default=None, compare=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        blob = self.pickled
        if blob is None:
            blob = pickle.dumps((self.error, self.source, self.cause_id, self.cause), protocol=5)
            object.__setattr__(self, "pickled", blob)  # frozen: a cache of what it holds, not a change
        return _early_from, (blob,)


def _early_from(blob: bytes) -> EarlyAnswer:
    return EarlyAnswer(*pickle.loads(blob), pickled=blob)


#: The start of a 2xx answer that may be an error rather than the API's answer: an HTML page, or a JSON
#: object whose first key is ``error``. Read on the raw bytes, so the clean path's check costs one bounded
#: match (addon._finish); :func:`is_error_in_2xx_body` decides.
ERROR_HEAD = re.compile(rb'\A\s*(?:<|\{\s*"error"\s*:)')
ERROR_HEAD_BYTES = 64


def may_be_error_body[Source](
    raw: bytes | None, content_encoding: Callable[[Source], str | None], source: Source
) -> bytes | None:
    """The 2xx answer's body, decoded, when it may be an error (:data:`ERROR_HEAD`), else None. A plain
    JSON answer costs one bounded match; ``content_encoding(source)`` (the header, read lazily) is asked
    only for a body that does not start like JSON. A compressed one (a gateway's gzip or br to a client
    that accepts them) has only its first :data:`ERROR_HEAD_BYTES` decoded to decide (decoding.decode_head:
    the cost of those bytes, whatever the body's length), and only one that starts like an error is
    decoded whole, bounded like every stored answer (:func:`response_body`). Until session 20 such an
    answer was decoded only up to 4 KB, so a longer error page passed unread and accepted. A function
    and its argument rather than a closure: every clean answer passes here, and a closure was an
    allocation per flow (issue #12)."""
    if not raw:
        return None
    if ERROR_HEAD.match(raw, 0, ERROR_HEAD_BYTES) is not None:
        return raw
    if raw[:1] == b"{":
        return None
    encoding = content_encoding(source)
    if not encoding:
        return None
    head = decode_head(raw, encoding, ERROR_HEAD_BYTES)
    if not head or ERROR_HEAD.match(head) is None:
        return None
    body = response_body(raw, encoding)
    return body if body and ERROR_HEAD.match(body[:ERROR_HEAD_BYTES]) is not None else None


#: Top-level keys of an API's answer (Chat Completions, Responses, Anthropic Messages, Gemini, Ollama):
#: an object with one of them is an answer, whatever its ``error`` key says.
_ANSWER_KEYS = frozenset(("choices", "output", "content", "candidates", "message", "data"))


def is_error_in_2xx_body(body: bytes | None, content_type: str | None) -> bool:
    """Whether a 2xx answer without a stream carries an error instead of the API's answer.

    An HTML page (a base URL that points at a web app or a login page: the openai SDK returns the page as
    a string) and a JSON object with a non-null top-level ``error`` and none of an answer's keys
    (OpenRouter keeps status 200 once generation started and sends the error in the body,
    shared/reference/providers.md [OR-ERR]; some local servers answer an unknown path with status 200).
    The proxy's hook needs only this answer; the writer parses the error (:func:`error_in_2xx_body`)."""
    if not body or ERROR_HEAD.match(body, 0, ERROR_HEAD_BYTES) is None:
        return False
    if body.lstrip()[:1] == b"<":
        # A page, not XML or a text that starts with "<".
        return "html" in (content_type or "").lower() or body.lstrip()[:5].lower() in (b"<!doc", b"<html")
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return (
        isinstance(data, dict) and data.get("error") not in (None, "", {}) and not _ANSWER_KEYS & data.keys()
    )


def error_in_2xx_body(
    body: bytes | None, content_type: str | None, status: int = 200
) -> UpstreamError | None:
    """The error a 2xx answer without a stream carries instead of the API's answer
    (:func:`is_error_in_2xx_body`), parsed, or None."""
    if not is_error_in_2xx_body(body, content_type):
        return None
    return parse_error(body, status=status, content_type=content_type)


def answer_error(
    status: int | None, body: bytes | None, content_type: str | None, stream_error: UpstreamError | None
) -> tuple[UpstreamError | None, str | None]:
    """The upstream's rejection, if any, and where it was found (``body`` or ``stream``): an error status,
    an error event inside a 2xx stream, or an error a 2xx answer carries in its body
    (:func:`error_in_2xx_body`)."""
    if rejected(status, False):
        if stream_error is not None and body is None:
            # A rejection sent as an event stream: the tap already parsed its error event.
            return stream_error, "stream"
        return parse_error(body, status=status, content_type=content_type), "body"
    if stream_error is not None:
        return stream_error, "stream"
    if status is not None and 200 <= status < 300:
        error = error_in_2xx_body(body, content_type, status)
        if error is not None:
            return error, "body"
    return None, None


def response_body(raw_body: bytes | None, content_encoding: str | None) -> bytes | None:
    """The answer's body as stored and read for its error: decoded bounded (decoding.py: an
    upstream's compressed error body can be a bomb too), or, undecodable (corrupt or unknown
    Content-Encoding), the start of the raw bytes."""
    if raw_body is None:
        return None
    if not content_encoding:  # identity: decode_body would only slice (most answers)
        return raw_body[:MAX_STORED_RESPONSE]
    decoded = decode_body(raw_body, content_encoding, MAX_STORED_RESPONSE)
    return decoded.body if decoded.body is not None else raw_body[:MAX_STORED_RESPONSE]


#: Early answers remembered, by everything :func:`early_recognition` reads: an agent retrying a
#: failing request gets the same error body each time, and parsing and recognising it again was a
#: sixth of a flagged flow's hook time (issue #12). Bounded; emptied when full.
MAX_EARLY_ANSWERS = 256
_early_answers: dict[tuple[Any, ...], tuple[Recognition | None, str | None, EarlyAnswer | None]] = {}


def early_recognition(
    *,
    status: int | None,
    body: bytes | None,
    content_type: str | None,
    stream_error: UpstreamError | None,
    provider: str | None,
    finding_rules: list[str],
) -> tuple[Recognition | None, str | None, EarlyAnswer | None]:
    """The root cause a rejection's answer names and its error text, read when the flow finishes so
    the console line and ``flow.comment`` give the verdict the stored row will (a flagged request
    answered 429 is ``recognised``, not ``predicted``: :func:`toolguard_core.verdict.explained`),
    and what was parsed, for the row (:class:`EarlyAnswer`). ``body``: :func:`response_body`.
    Never raises (a failure gives no early answer; the writer then parses the body itself)."""
    key = None
    if stream_error is None:  # a stream's error is its own object: not remembered
        key = (status, content_type, body, provider, tuple(finding_rules))
        known = _early_answers.get(key)
        if known is not None:
            return known
    try:
        error, source = answer_error(status, body, content_type, stream_error)
        if error is None:
            answer: tuple[Recognition | None, str | None, EarlyAnswer | None] = (
                None,
                None,
                EarlyAnswer(None, source, None, None),
            )
        else:
            recognition = recognise_error(
                error, provider=provider, finding_rules=finding_rules, status=status
            )
            summary = recognition.summary() if recognition is not None else None
            early = EarlyAnswer(error, source, recognition.cause_id if recognition else None, summary)
            answer = (recognition, error.effective_message, early)
    except Exception:  # defensive: naming a cause early must never break the flow
        return None, None, None
    if key is not None:
        if len(_early_answers) >= MAX_EARLY_ANSWERS:
            _early_answers.clear()
        _early_answers[key] = answer
    return answer


def worth_keeping(findings: list[Finding]) -> bool:
    """Whether the findings make a flow worth storing, and count it as one with findings. The
    model.rules-skipped note alone does not: every request of an unknown model through an unknown
    gateway carries it, and storing each one would fill the database with accepted requests; it is
    counted in the stats instead."""
    return any(f.rule != UNKNOWN_MODEL.id for f in findings)


@dataclass(slots=True)
class Capture:
    flow_id: str
    started: float
    ended: float
    method: str | None
    scheme: str
    host: str
    port: int
    path: str | None
    url: str
    provider: str
    model: str | None
    stream: bool | None
    request_headers: Headers | RawHeaders
    request_text: str | None
    request_is_json: bool
    request_bytes: int
    findings: list[Finding]
    # The literal secrets to scrub (redact.secret_values); None: collected by the writer from the
    # request headers, ``query`` and ``redact_headers`` before anything is written (issue #12).
    secrets: list[str] | None
    verdict: str | None
    status: int | None = None
    response_headers: Headers | RawHeaders | None = None
    response_body: bytes | None = None
    response_content_type: str | None = None
    # An error seen inside a 200 event stream (already parsed by the SSE tap), and the stream's
    # bounded capture (its start and its error events) to store instead of the whole generation.
    stream_error: UpstreamError | None = None
    stream_capture: str | None = None
    flow_error: str | None = None
    internal_error: str | None = None
    run_id: str | None = None
    # Extra credential header globs (the addon's toolguard_redact_headers option), see redact.py.
    redact_headers: tuple[str, ...] = ()
    # Repair mode: the fixes applied to the request before it went upstream, the findings left alone,
    # and when (repair.py). The request bodies of each step are serialised on the writer thread.
    repairs: list[Repair] = field(default_factory=list)
    not_repaired: list[NotRepaired] = field(default_factory=list)
    repaired_at: float | None = None
    extra: dict[str, object] = field(default_factory=dict)
    # A message on a WebSocket (the Responses API's WebSocket mode): which connection and message.
    websocket: dict[str, object] | None = None
    # The request body for request_text and request_bytes, turned into text on this thread (body,
    # its Content-Encoding or None, the decoding bound): decoding a compressed body again, or only
    # decoding a 30 MB one to text, would hold the event loop (issue #12). The hooks set it.
    raw_request: tuple[bytes, str | None, int] | None = None
    # The request's query string, for the secrets it may carry (``secrets`` None).
    query: str = ""
    # The rejection as the proxy already parsed and recognised it (set only by the HTTP hooks, when
    # they named the root cause early); None: to_row parses the response itself.
    early: EarlyAnswer | None = None
    # The worker found the body clean and sent none of its facts (model, stream, JSON or not): to_row
    # reads them from raw_request, here and not on the event loop (analyze.body_facts).
    facts_unknown: bool = False
    # The proxy left the rejection's reading to the writer (observe mode, issue #12: the catalogue
    # costs 0.5-3 ms for a new body, and real error bodies are new each time): to_row reads it as the
    # proxy would have (:func:`early_recognition`), and the store reports the row's verdict and cause
    # back (``Store.on_verdicts``) for the console line, the comment and the mark: one decision.
    report_verdict: bool = False
    # A false alarm whose console line and comment wait for the row's verdict: the writer lowers the
    # errors of a rule it demoted from an answer that ended before this request started, a demotion
    # the proxy's snapshot did not hold yet (:meth:`apply_demoted`), and reports the row's verdict and
    # the rules it lowered back (``Store.on_verdicts``), so the proxy says what the row says.
    report_demoted: bool = False
    # False: the row keeps the body's size and facts (model, stream) but not the body itself: one
    # shed under load that the upstream accepted (addon._capture; issue #12).
    request_body_kept: bool = True
    # Judged before the proxy held the learned knowledge the writer read at its start (observe mode
    # holds nothing for it: docs/learned.md): Capture.apply_learned then also applies what the
    # database held before this run, so an early rejection a stored constraint predicts reads
    # ``predicted``, as it would a moment later (session 23's closing note).
    judged_before_knowledge: bool = False

    def wire(self) -> tuple[Any, ...]:
        """Its fields' values in order, the findings as plain tuples (:func:`capture_from` makes the
        Capture again): what the proxy pickles for the writer process, once per stored flow. A
        dataclass's own pickling names every field, and a pydantic Finding's goes through its
        ``__getstate__`` (4 us each); pickling this tuple takes 1.7 us (issue #12)."""
        values = list(_capture_values(self))
        values[_FINDINGS] = [(f.rule, f.severity.value, f.location, f.message) for f in self.findings]
        return tuple(values)

    def __reduce__(self) -> tuple[Any, ...]:
        return capture_from, (self.wire(),)

    def upstream_error(self) -> tuple[UpstreamError | None, str | None]:
        """The upstream's rejection, if any, and where it was found (``body`` or ``stream``)."""
        return answer_error(self.status, self.response_body, self.response_content_type, self.stream_error)

    def _read_request(self) -> None:
        """The request's facts and stored text, read once from ``raw_request`` (on the writer)."""
        if self.facts_unknown and self.raw_request is not None:
            body, encoding, max_body = self.raw_request
            self.model, self.stream, self.request_is_json = body_facts(body, max_body, encoding, self.path)
        self.facts_unknown = False
        if self.raw_request is not None:
            body, encoding, max_body = self.raw_request
            if self.request_body_kept:
                self.request_text, self.request_bytes = stored_request(
                    body, encoding, max_body, self.request_is_json
                )
            else:
                self.request_text, self.request_bytes = None, len(body)
            self.raw_request = None

    def flagged(self) -> bool:
        """Whether its findings count it among the flows with findings (:func:`worth_keeping`)."""
        return worth_keeping(self.findings)

    def apply_learned(
        self, knowledge: Knowledge, answered: Mapping[str, float], known_at_start: Set[str] = frozenset()
    ) -> list[Finding]:
        """The ``learned.*`` findings the proxy could not make: what an earlier flow's answer taught
        (``answered``: the flows this writer stored, by id, with when their answer ended), which the
        proxy's snapshot did not hold yet when this request came. An agent resending a rejected request
        ~50 ms after its answer beat the snapshot's trip from the writer process (session 20), so
        the second try was judged ``unexplained`` and only the third got the finding. Only what was
        answered before this request started counts: the proxy could have known it; and, for a
        request judged before the proxy held the writer's first snapshot (``judged_before_knowledge``),
        the constraints that snapshot held (``known_at_start``: their first flows). The findings
        are added (a new list: the proxy's own is not touched) and an ``unexplained`` rejection they
        flag becomes ``predicted``, before :meth:`to_row` reads the verdict. Rare: only when the
        host and model have such a constraint."""
        host = learned_host(redact.redact_host(self.host) if self.host else self.host, self.port, self.scheme)
        self._read_request()
        calibration = knowledge.for_request(host, self.model)
        fresh = tuple(
            c
            for c in calibration.constraints
            if ((at := answered.get(c.first_flow)) is not None and at <= self.started)
            or (self.judged_before_knowledge and c.first_flow in known_at_start)
        )
        body = request_object(self.request_text) if fresh and self.request_is_json else None
        if body is None:
            return []
        have = {(f.rule, f.location) for f in self.findings}
        late = [
            f
            for f in calibrate(body, [], Calibration(fresh, calibration.demoted))
            if (f.rule, f.location) not in have
        ]
        if late:
            self.findings = [*self.findings, *late]
            if self.verdict == Verdict.UNEXPLAINED and any(f.severity == Severity.ERROR for f in late):
                self.verdict = Verdict.PREDICTED.value
        return late

    def apply_demoted(self, demoted_at: Mapping[tuple[str, str, str], float]) -> list[str]:
        """The demotions the proxy could not apply: a rule demoted for this host and model by an
        answer that ended before this request started (``demoted_at``: (host, model, rule) -> when,
        what this writer demoted), which the proxy's snapshot did not hold yet when it judged the
        request (the writer process publishes it a pipe-trip after the commit). Its errors of that
        rule become warnings with the demotion's note, as the proxy makes them once it knows, and a
        ``false_alarm`` left with no error is ``accepted``. Returns the rules it lowered (the
        proxy's console line says them: Store.on_verdicts' ``demoted``)."""
        host = learned_host(redact.redact_host(self.host) if self.host else self.host, self.port, self.scheme)
        self._read_request()
        model = self.model or ""
        lowered: list[str] = []
        findings: list[Finding] = []
        for finding in self.findings:
            at = demoted_at.get((host, model, finding.rule)) if finding.severity == Severity.ERROR else None
            if at is not None and at <= self.started:
                finding = demoted_finding(finding)
                if finding.rule not in lowered:
                    lowered.append(finding.rule)
            findings.append(finding)
        if lowered:
            self.findings = findings
            if self.verdict == Verdict.FALSE_ALARM and not any(
                f.severity == Severity.ERROR for f in findings
            ):
                self.verdict = Verdict.ACCEPTED.value
        return lowered

    def to_row(self) -> FlowRow:
        self._read_request()
        extra = self.redact_headers
        request_headers = text_headers(self.request_headers)
        secrets = self.secrets
        if secrets is None:  # collected here, off the event loop, before any text is written
            secrets = self.secrets = redact.secret_values(request_headers, self.query, extra, self.url)

        def scrub(text: str | None) -> str | None:
            return redact.scrub(text, secrets)

        early = self.early
        if early is None and self.report_verdict:
            # The proxy's early reading, made here instead of on its event loop: the same function on
            # the same bounded body, remembered per body in this process as it was in the proxy.
            early = early_recognition(
                status=self.status,
                body=self.response_body,
                content_type=self.response_content_type,
                stream_error=self.stream_error,
                provider=self.provider,
                finding_rules=[f.rule for f in self.findings if f.severity == Severity.ERROR],
            )[2]
        error, error_source = (early.error, early.source) if early is not None else self.upstream_error()
        if self.stream_capture is not None:
            response_text: str | None = self.stream_capture
        elif self.response_body is not None:
            response_text = decode_text(self.response_body, self.response_content_type)
        else:
            response_text = None
        request_text = self.request_text
        # The root cause the answer names (issue #10): read here, on the writer thread, from the
        # parsed error; an unexplained rejection it explains is stored as ``recognised``, and so is a
        # flagged one whose answer is unrelated to the findings (a 429: verdict.rejection_verdict).
        error_findings = [f for f in self.findings if f.severity == Severity.ERROR]
        error_rules = [f.rule for f in error_findings]
        locations = [f.location for f in error_findings]  # what each finding is about (verdict.judge)
        text = error.effective_message if error is not None else None
        # The request-aware tier (causes.REQUEST_TIER) needs the request, which the early reading
        # (made above in observe mode, or by block/repair mode in place) does not parse: a rejection
        # it left without a cause, or named by its status alone (the tier ranks above the status),
        # is read again here with the request (rare: only such rejections).
        request = (
            request_object(request_text)
            if self.request_is_json
            and error is not None
            and self.verdict in REJECTED_VERDICTS
            and (
                early is None
                or early.cause is None
                or early.cause.get("provider") == STATUS_ONLY
                or completes_from_request(early.cause)  # learn9: the constraint only the request names
            )
            else None
        )
        if early is not None and request is None:  # the proxy's own reading: its console line's verdict
            cause_id = early.cause_id
            cause_json = summary_json(early.cause) if early.cause is not None else None
            verdict = explained_by(
                self.verdict, early.cause, error_rules=error_rules, text=text, locations=locations
            )
        else:
            recognition = (
                recognise_error(
                    error,
                    provider=self.provider,
                    finding_rules=error_rules,
                    status=self.status,
                    request=request,
                )
                if error is not None and self.verdict in REJECTED_VERDICTS
                else None
            )
            cause_id, cause_json = cause_columns(recognition)
            verdict = explained(
                self.verdict, recognition, error_rules=error_rules, text=text, locations=locations
            )
        columns: dict[str, Any] = dict(
            id=self.flow_id,
            datetime_utc=format_utc(self.started),
            method=self.method,
            scheme=self.scheme,
            host=redact.redact_host(self.host) if self.host else self.host,
            port=self.port,
            path=redact.redact_path(self.path) if self.path else self.path,
            url=redact.redact_url(self.url),
            provider=self.provider,
            client=_header(request_headers, "user-agent"),
            model=self.model,
            stream=self.stream,
            status=self.status,
            duration_ms=round((self.ended - self.started) * 1000),
            request_headers_json=json.dumps(redact.redact_headers(request_headers, extra)),
            request_json=request_text if self.request_is_json else None,
            request_body=None if self.request_is_json else request_text,
            request_bytes=self.request_bytes,
            response_headers_json=(
                json.dumps(redact.redact_headers(text_headers(self.response_headers), extra))
                if self.response_headers is not None
                else None
            ),
            response_body=response_text,
            error_message=error.message if error else None,
            error_type=error.type if error else None,
            error_code=error.code if error else None,
            error_param=error.param if error else None,
            error_request_id=error.request_id if error else None,
            error_provider=error.answered_by if error else None,  # the innermost named
            error_shape=error.shape if error else None,
            error_json=json.dumps(error.summary(), ensure_ascii=False) if error else None,
            error_source=error_source,
            flow_error=self.flow_error,
            verdict=verdict,
            cause_id=cause_id,
            cause_json=cause_json,
            finding_count=len(self.findings),
            error_finding_count=sum(f.severity == Severity.ERROR for f in self.findings),
            internal_error=self.internal_error,
            toolguard_version=toolguard_core.__version__,
            run_id=self.run_id,
            websocket_json=json.dumps(self.websocket) if self.websocket is not None else None,
        )
        # Every text column is scrubbed, not a list of them (issue #16: a key echoed in error.param
        # or error.code was stored raw): a column added later is covered without thinking of it.
        # With the findings' texts, in one pass (redact.scrub_many; issue #12).
        names = [name for name, value in columns.items() if isinstance(value, str)]
        n_findings = len(self.findings)
        texts: list[str | None] = [columns[name] for name in names]
        texts += [f.location for f in self.findings] + [f.message for f in self.findings]
        scrubbed = redact.scrub_many(texts, secrets)
        columns.update(zip(names, scrubbed, strict=False))
        locations = scrubbed[len(names) : len(names) + n_findings]
        messages = scrubbed[len(names) + n_findings :]
        findings = [
            FindingRow(
                idx=i,
                rule=f.rule,
                severity=f.severity,
                location=locations[i] or "",
                message=messages[i] or "",
            )
            for i, f in enumerate(self.findings)
        ]
        return FlowRow(**columns, findings=findings, repairs=self._repair_rows(scrub))

    def _repair_rows(self, scrub: Callable[[str | None], str | None]) -> list[RepairRow]:
        if not self.repairs and not self.not_repaired:
            return []  # almost every flow: no timestamp to format (issue #12)
        when = format_utc(self.repaired_at if self.repaired_at is not None else self.started)
        rows = [
            RepairRow(
                idx=i,
                datetime_utc=when,
                rule=r.rule,
                family=str(r.family),
                location=scrub(r.location) or "",
                applied=True,
                description=scrub(r.description),
                patch_json=scrub(r.patch_json()),
                request_before=scrub(json.dumps(r.before, ensure_ascii=False)),
                request_after=scrub(json.dumps(r.after, ensure_ascii=False)),
            )
            for i, r in enumerate(self.repairs)
        ]
        rows += [
            RepairRow(
                idx=len(rows) + i,
                datetime_utc=when,
                rule=n.rule,
                location=scrub(n.location) or "",
                applied=False,
                # The reason can quote the request (a value, a tool-call id, an exception's text).
                description=scrub(n.reason),
            )
            for i, n in enumerate(self.not_repaired)
        ]
        return rows


_CAPTURE_FIELDS = tuple(f.name for f in fields(Capture))
_capture_values = operator.attrgetter(*_CAPTURE_FIELDS)
_FINDINGS = _CAPTURE_FIELDS.index("findings")


def finding_from(values: tuple[str, str, str, str] | list[str]) -> Finding:
    """A finding from its wire form ``(rule, severity, location, message)`` (:meth:`Capture.wire`, and
    the ``learned.*`` findings the writer reports back: Store.on_verdicts' ``late``), as it was made."""
    rule, severity, location, message = values
    return Finding.model_construct(rule=rule, severity=Severity(severity), location=location, message=message)


def capture_from(values: tuple[Any, ...]) -> Capture:
    """A Capture from :meth:`Capture.wire`'s values (the writer process's side)."""
    capture = Capture(*values)
    capture.findings = [finding_from(f) for f in capture.findings]
    return capture


def stored_request(
    body: bytes | None, content_encoding: str | None, max_body: int, is_json: bool
) -> tuple[str | None, int]:
    """The request text to store and its size (docs/schema.md): decoded from ``content_encoding``
    (bounded by ``max_body``; the bytes as sent when they cannot be decoded), and the size decoded,
    or as sent when it was not (fully) decoded. A JSON body is stored whole, another one's start."""
    if body is None:
        return None, 0
    size = len(body)
    if content_encoding:
        decoded = decode_body(body, content_encoding, max_body)
        if decoded.body is not None and decoded.complete:
            body, size = decoded.body, len(decoded.body)
        else:
            body = decoded.body or body
    if is_json:
        return body.decode("utf-8"), size
    return body[:MAX_STORED_NON_JSON_REQUEST].decode("utf-8", "replace") or None, size


def _header(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None
