"""The one entry point shared by the addon and ``toolguard check``: bytes in, findings out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

from toolguard_core.decoding import decode_body
from toolguard_core.findings import Finding, Severity
from toolguard_core.learned import NOTHING_LEARNED, Knowledge, calibrate, host_engine, learned_host
from toolguard_core.providers import DEFAULT_REGISTRY, ProviderRegistry
from toolguard_core.request import (
    OLLAMA,
    EndpointKind,
    RequestView,
    Target,
    endpoint_kind,
    path_model,
    stream_by_path,
)
from toolguard_core.rules import body as body_rules
from toolguard_core.rules.history import HistoryCache
from toolguard_core.rules.registry import ALL_PROVIDERS, RULES, checks_for
from toolguard_core.rules.spec import restated

# Bodies above this size are not parsed (a finding says so); the flow passes through untouched.
# The same limit bounds Content-Encoding decoding: a body that decodes past it is not validated.
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
# Bounded work per request (issue #16, #12): a 4 MB body with a million bad elements yielded two
# million findings, stalled every other flow for 30 s and added 2 GB to the database. A rule keeps
# its first MAX_FINDINGS_PER_RULE findings, then one "and N more"; a check is not iterated past
# MAX_FINDINGS_PER_CHECK findings (its "N more" then says "at least").
MAX_FINDINGS_PER_RULE = 20
MAX_FINDINGS_PER_CHECK = 10_000


@dataclass(slots=True)
class InternalError:
    """A bug inside toolguard met while checking one request (the check is skipped, not the flow)."""

    where: str
    error: str


@dataclass(slots=True)
class Analysis:
    target: Target
    findings: list[Finding] = field(default_factory=list)
    body: dict[str, Any] | None = None
    internal_errors: list[InternalError] = field(default_factory=list)
    #: The body after Content-Encoding decoding (its first ``max_body_bytes`` when it decodes to
    #: more); None when it could not be decoded. What the addon stores as the request text.
    decoded: bytes | None = None
    # Facts about the body the store keeps; set with the parse, or from a worker's answer (offload.py).
    model: str | None = None
    stream: bool | None = None
    is_json: bool = False

    def body_facts(self, *, model: object, stream: object, is_json: bool) -> None:
        self.model = model if isinstance(model, str) else None
        self.stream = stream if isinstance(stream, bool) else None
        self.is_json = is_json

    @property
    def has_error(self) -> bool:
        return any(f.severity == "error" for f in self.findings)


def check_name(check: Any) -> str:
    """``module.function`` of a check, as internal-error logs name it: two checks may share a
    function name (``rules.tools.check_tools`` and ``rules.responses.check_tools``)."""
    qualname = getattr(check, "__qualname__", None)
    if qualname is None:
        return repr(check)
    return f"{getattr(check, '__module__', '?')}.{qualname}"


def analyse_request(
    body: bytes | str | None,
    url: str,
    *,
    target: Target | None = None,
    registry: ProviderRegistry = DEFAULT_REGISTRY,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    decode_error: str | None = None,
    knowledge: Knowledge = NOTHING_LEARNED,
    content_encoding: str | None = None,
    history: HistoryCache | None = None,
) -> Analysis:
    """Parse ``body`` once and run the checks registered for its endpoint kind on it.

    The endpoint kind (chat completions or the Responses API) comes from ``target.path``: the
    body-level parsing below is shared, the rules are not.

    ``body`` is the body as sent: its ``content_encoding`` (the header's value) is undone here,
    streamed and bounded by ``max_body_bytes`` (decoding.py). ``decode_error`` is set by a caller
    that could not undo the body's Content-Encoding itself.
    Never raises for bad input: non-JSON, invalid UTF-8, huge, deeply nested or undecodable bodies
    become findings. A check that raises is recorded in ``internal_errors`` and the others still run.
    Findings are capped per rule (:data:`MAX_FINDINGS_PER_RULE`).
    ``knowledge`` is what this user's upstreams taught (:mod:`toolguard_core.learned`): the
    calibration of the request's host and model is the second input of each finding's severity,
    beside the rule's declared provider levels, and adds the ``learned.*`` findings.
    ``history`` (the validation worker's) remembers the parsed messages of earlier bodies by their
    bytes (rules/history.py): the same findings, the resent history not parsed again. The parsed body
    then shares objects with earlier ones: a caller must not mutate ``Analysis.body``.
    """
    analysis = Analysis(target=target or Target.from_url(url, registry))
    if decode_error is not None:
        analysis.findings.append(
            body_rules.UNDECODABLE.finding(
                "body", f"body not validated: it could not be decoded ({decode_error})."
            )
        )
        return analysis
    if content_encoding and isinstance(body, bytes):
        decoded = decode_body(body, content_encoding, max_body_bytes)
        analysis.decoded = decoded.body
        if decoded.problem is not None:
            rule = body_rules.UNDECODABLE if decoded.complete else body_rules.TOO_LARGE
            analysis.findings.append(rule.finding("body", f"body not validated: {decoded.problem}."))
            return analysis
        body = decoded.body
    else:
        analysis.decoded = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    split = (
        history.parse(body)
        if history is not None and isinstance(body, bytes) and len(body) <= max_body_bytes
        else None
    )
    if split is not None:
        parsed, exact = split.body, True
    else:
        parsed, exact = body_rules.parse_body_exact(body, max_body_bytes, analysis.findings)
        if parsed is None:
            return analysis
    analysis.body = parsed
    target = analysis.target
    model, stream = request_facts(parsed, target.endpoint, target.path)
    analysis.body_facts(model=model, stream=stream, is_json=True)
    # What this user's upstreams taught about this host and model (learned.py): the demoted rules
    # are an input of every rule's level (Rule.report); the learned constraints are checked below.
    host_key = learned_host(target.host, target.port, target.scheme)
    calibration = knowledge.for_request(host_key, analysis.model) if knowledge else None
    view = RequestView(
        body=parsed,
        target=analysis.target,
        demoted=calibration.demoted if calibration else frozenset(),
        engine=host_engine(target.provider, knowledge, host_key, analysis.model),
        size=len(body) if body is not None else None,
        exact=exact,
        remembered=split,
    )
    for check in checks_for(analysis.target.endpoint):
        try:
            found = iter(check(view))
            # Almost every check finds nothing: one step of it says so, without the cap's list and
            # slice (a fifth of the rules' time for a 1 KB request, issue #12).
            first = next(found, _NOTHING)
            if first is not _NOTHING:
                analysis.findings.extend(_capped(chain((first,), found)))
        except Exception as exc:  # a rule bug must never break the caller
            analysis.internal_errors.append(InternalError(where=check_name(check), error=repr(exc)))
    # A schema violation a hand-written rule already names is that rule's (rules/spec.py): one
    # violation, one finding.
    analysis.findings = restated(analysis.findings)
    if calibration:
        try:
            analysis.findings = calibrate(parsed, analysis.findings, calibration)
        except Exception as exc:  # as for a rule: never break the caller
            analysis.internal_errors.append(InternalError(where="learned.calibrate", error=repr(exc)))
    if analysis.target.provider.guessed:
        analysis.findings = [_as_guess(f, analysis.target.provider.name) for f in analysis.findings]
    return analysis


_NOTHING: Any = object()


def request_facts(parsed: dict[str, Any], endpoint: EndpointKind, path: str) -> tuple[object, object]:
    """(model, stream) as a parsed request states them. Gemini's native API, Bedrock (InvokeModel,
    Converse) and Claude on Vertex name the model in the path and stream by their method
    (``:streamGenerateContent``, ``/converse-stream``, ...), not by body fields; Code Assist's path names
    no model and its body carries one. Ollama's ``/api/chat`` streams unless ``stream`` is false
    (https://docs.ollama.com/api/chat)."""
    model = path_model(path) or parsed.get("model")
    stream = stream_by_path(path)
    if stream is None:
        stream = parsed.get("stream")
        if endpoint == OLLAMA and stream is None:
            stream = True
    return model, stream


def body_facts(
    body: bytes | None, max_body_bytes: int, content_encoding: str | None, path: str | None = None
) -> tuple[str | None, bool | None, bool]:
    """(model, stream, is JSON) of a request body as :func:`analyse_request` records them, without the
    rules. The validation worker sends nothing for a clean body (issue #12), so a flow that is stored
    anyway (rejected upstream, or ``toolguard_store_all``) has them read here, by the writer
    (:meth:`toolguard_core.capture.Capture.to_row`): decoding and parsing a body of up to
    ``toolguard_max_body`` again on the event loop would hold every other flow."""
    if body is None:
        return None, None, False
    if content_encoding:
        decoded = decode_body(body, content_encoding, max_body_bytes)
        if decoded.problem is not None or decoded.body is None:
            return None, None, False
        body = decoded.body
    parsed = body_rules.parse_body(body, max_body_bytes, [])
    if parsed is None:
        return None, None, False
    trimmed = (path or "").split("?", 1)[0]
    model, stream = request_facts(parsed, endpoint_kind(trimmed), trimmed)
    return (model if isinstance(model, str) else None, stream if isinstance(stream, bool) else None, True)


def _capped(findings: Iterable[Finding]) -> list[Finding]:
    """One check's findings, at most :data:`MAX_FINDINGS_PER_RULE` per rule plus one "and N more"
    per rule that had more. Stops iterating after :data:`MAX_FINDINGS_PER_CHECK` findings."""
    # Almost every check yields nothing or a few findings: no counting for those (it was a tenth of
    # a 1 KB request's rule time, issue #12). Past the per-rule cap, counted as before.
    findings = iter(findings)
    head = list(islice(findings, MAX_FINDINGS_PER_RULE + 1))
    if len(head) <= MAX_FINDINGS_PER_RULE:
        return head
    kept: list[Finding] = []
    per_rule: Counter[str] = Counter()
    first_omitted: dict[str, Finding] = {}
    stopped = False
    for total, finding in enumerate(chain(head, findings), 1):
        per_rule[finding.rule] += 1
        if per_rule[finding.rule] <= MAX_FINDINGS_PER_RULE:
            kept.append(finding)
        else:
            first_omitted.setdefault(finding.rule, finding)
        if total >= MAX_FINDINGS_PER_CHECK:
            stopped = True
            break
    for rule, omitted in first_omitted.items():
        more = per_rule[rule] - MAX_FINDINGS_PER_RULE
        count = f"at least {more}" if stopped else str(more)
        kept.append(
            omitted.model_copy(
                update={
                    "message": f"and {count} more {rule} findings in this request, from "
                    f"{omitted.location} on (toolguard lists the first {MAX_FINDINGS_PER_RULE} of each "
                    f"rule); the first one not listed: {omitted.message}",
                }
            )
        )
    return kept


def _as_guess(finding: Finding, provider: str) -> Finding:
    """A provider-specific error on a server recognised only by a shared port is a warning: the
    port may belong to another server that accepts the request (never flag what it accepts)."""
    rule = RULES.get(finding.rule)
    if finding.severity != Severity.ERROR or rule is None or rule.declared or rule.providers == ALL_PROVIDERS:
        # A declared policy already applied the port-only downgrade in Rule.report.
        return finding
    return finding.model_copy(
        update={
            "severity": Severity.WARNING,
            "message": f"{finding.message} (The server was taken for {provider} by its port only; map "
            "its host with toolguard_providers to make this an error.)",
        }
    )
