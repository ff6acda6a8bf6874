"""OpenTelemetry export of stored flows (issue #17, docs/opentelemetry.md).

Each flow the store writes becomes one OTLP log record and one span, with the GenAI semantic
conventions' attributes (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/:
``gen_ai.provider.name`` — and the older ``gen_ai.system`` that current backends still read —
``gen_ai.operation.name``, ``gen_ai.request.model``, ``error.type``, ``http.response.status_code``,
``server.address``) plus toolguard's own (``toolguard.verdict``, ``toolguard.rule_ids``, …).

Everything runs off mitmproxy's event loop: :meth:`OtlpExport.on_rows` is the store's
rows-written hook (the writer thread), and the SDK's BatchLogRecordProcessor/BatchSpanProcessor
send from their own threads through the OTLP/HTTP exporter. The queue is bounded: when the
collector is slow or down, records beyond ``max_queue`` are dropped and counted
(``otlp_dropped`` in ``toolguard.stats``), never waited for.

Request content (the redacted request body, as stored in the database) is exported only with
``toolguard_otlp_content=true``. The SDK is an optional dependency: ``toolguard[otel]``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import toolguard_core
from toolguard_core import grouping
from toolguard_core.dburl import redact_url
from toolguard_core.learned import upstream_name
from toolguard_core.providers import GENERIC
from toolguard_core.store import FlowRow
from toolguard_core.verdict import REJECTED_VERDICTS, Verdict

logger = logging.getLogger(__name__)

MISSING_SDK = (
    "the OpenTelemetry export needs the SDK: pip install 'toolguard[otel]' "
    "(or scripts/bootstrap --test, which installs it)"
)
DEFAULT_MAX_QUEUE = 2048
EXPORT_TIMEOUT = 5.0  # seconds per OTLP request: a black-holed collector holds only the SDK's thread

# The path's last segment -> gen_ai.operation.name (semconv's well-known values).
OPERATIONS = (
    ("/chat/completions", "chat"),
    ("/responses", "chat"),
    ("/messages", "chat"),
    ("/completions", "text_completion"),
    ("/embeddings", "embeddings"),
)
# toolguard's provider ids -> the semantic conventions' well-known gen_ai.provider.name values
# (https://opentelemetry.io/docs/specs/semconv/registry/attributes/gen-ai/#gen-ai-provider-name);
# an id not listed there (dashscope, vllm, ...) is exported as it is; toolguard's `generic` profile
# names no provider at all (attributes: the upstream's host instead).
SEMCONV_PROVIDERS = {
    "azure": "azure.ai.openai",
    "gemini": "gcp.gemini",
    "mistral": "mistral_ai",
    "xai": "x_ai",
}
# Verdicts whose span status is ERROR and whose log record is ERROR: every rejection (a `recognised`
# 429 or overload as much as a `predicted` 400) and a flow with no answer. Derived from verdict.py,
# not listed here: a hand-kept list once left `recognised` rejections logged as INFO.
ERROR_VERDICTS = frozenset({*REJECTED_VERDICTS, Verdict.NO_ANSWER})


def operation(path: str | None) -> str:
    path = (path or "").rstrip("/")
    return next((name for suffix, name in OPERATIONS if path.endswith(suffix)), "chat")


def provider_name(provider: str | None, upstream: str | None = None) -> str | None:
    """``gen_ai.provider.name``: the conventions' well-known value for a provider toolguard identified,
    its own id for another (custom values are allowed); for a host no profile claims (toolguard's
    ``generic`` profile), the upstream it is (host, and port when not the scheme's), or nothing
    without one. "generic" was exported as if it were a provider's name (session 21): the conventions
    ask for the instrumentation's best knowledge, and toolguard knows the host, not who serves it."""
    if provider == GENERIC.id:
        return upstream or None
    return SEMCONV_PROVIDERS.get(provider or "", provider)


def _ns(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1_000_000_000)


def attributes(row: FlowRow) -> dict[str, Any]:
    """The flow's attributes (no request content); None values are left out (OTLP has no null)."""
    status = row.status
    error_type = row.error_type
    if error_type is None and status is not None and status >= 400:
        error_type = str(status)  # semconv: the status code when there is no better class
    if error_type is None and row.flow_error:
        error_type = "_OTHER"
    # The summary's fingerprint is derived by the store's writer into the row it inserts, not onto
    # the FlowRow; derive it the same way (grouping.derive) so the record groups as the summary does.
    error_rules = [f.rule for f in row.findings if str(f.severity) == "error"]
    derived = dict(zip(grouping.COLUMNS, grouping.derive(row.columns(), error_rules), strict=True))
    provider = provider_name(
        row.provider, upstream_name(row.host, row.port, row.scheme) if row.host else None
    )
    attrs: dict[str, Any] = {
        "gen_ai.provider.name": provider,
        "gen_ai.system": provider,
        "toolguard.provider": row.provider,
        "gen_ai.operation.name": operation(row.path),
        "gen_ai.request.model": row.model,
        "http.request.method": row.method,
        "http.response.status_code": status,
        "server.address": row.host,
        "server.port": row.port,
        "url.path": row.path,
        "user_agent.original": row.client,
        "error.type": error_type,
        "toolguard.flow_id": row.id,
        "toolguard.verdict": row.verdict,
        "toolguard.rule_ids": sorted({f.rule for f in row.findings}),
        "toolguard.finding_count": row.finding_count,
        "toolguard.error_code": None if row.error_code is None else str(row.error_code),
        "toolguard.error_provider": row.error_provider,
        "toolguard.error_message": row.error_message,
        "toolguard.flow_error": row.flow_error,
        "toolguard.root_cause": row.cause_id,
        "toolguard.fingerprint": derived["fingerprint"],
        "toolguard.run_id": row.run_id,
    }
    return {k: v for k, v in attrs.items() if v is not None and v != []}


class OtlpExport:
    """The store's rows-written hook that turns rows into OTLP logs and spans (see module doc)."""

    def __init__(self, endpoint: str, *, content: bool = False, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        try:
            from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk._logs import LoggerProvider
            from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError as exc:
            raise ImportError(MISSING_SDK) from exc
        base = endpoint.rstrip("/")
        self.endpoint = redact_url(base)  # for the log: a token in the URL is not said
        self.content = content
        self.max_queue = max_queue
        self.emitted = 0
        self.exported = 0
        self.failed = 0
        self.dropped = 0
        self._lock = threading.Lock()
        resource = Resource.create(
            {"service.name": "toolguard", "service.version": toolguard_core.__version__}
        )
        # Providers of our own, never the global ones: another addon's tracing stays untouched.
        self.logger_provider = LoggerProvider(resource=resource)
        self.logger_provider.add_log_record_processor(
            BatchLogRecordProcessor(
                _Counting(self, OTLPLogExporter(endpoint=f"{base}/v1/logs", timeout=EXPORT_TIMEOUT)),
                max_queue_size=max_queue,
            )
        )
        self.tracer_provider = TracerProvider(resource=resource)
        self.tracer_provider.add_span_processor(
            BatchSpanProcessor(
                _Counting(
                    self, OTLPSpanExporter(endpoint=f"{base}/v1/traces", timeout=EXPORT_TIMEOUT), spans=True
                ),
                max_queue_size=max_queue,
            )
        )
        self.logger = self.logger_provider.get_logger("toolguard", toolguard_core.__version__)
        self.tracer = self.tracer_provider.get_tracer("toolguard", toolguard_core.__version__)

    def stats(self) -> dict[str, int]:
        return {"otlp_exported": self.exported, "otlp_failed": self.failed, "otlp_dropped": self.dropped}

    def on_rows(self, rows: Sequence[FlowRow]) -> None:
        for row in rows:
            with self._lock:
                # Records handed to the SDK and not yet exported or failed; past the bound they are
                # dropped here (and counted) so the SDK's own queue never overflows silently.
                if self.emitted - self.exported - self.failed >= self.max_queue:
                    self.dropped += 1
                    continue
                self.emitted += 1
            try:
                self._emit(row)
            except Exception:
                with self._lock:
                    self.emitted -= 1
                    self.dropped += 1
                logger.exception("toolguard: cannot export flow %s to OpenTelemetry", row.id)

    def _emit(self, row: FlowRow) -> None:
        from opentelemetry._logs import SeverityNumber
        from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

        attrs = attributes(row)
        start = _ns(row.datetime_utc)
        end = start + (row.duration_ms or 0) * 1_000_000
        op = operation(row.path)
        span = self.tracer.start_span(
            f"{op} {row.model}" if row.model else op, kind=SpanKind.CLIENT, start_time=start, attributes=attrs
        )
        if row.verdict in ERROR_VERDICTS:
            span.set_status(Status(StatusCode.ERROR, row.error_message or row.flow_error or None))
        span.end(end_time=end)
        severity = "ERROR" if row.verdict in ERROR_VERDICTS else "WARN" if row.finding_count else "INFO"
        body: Any = (
            f"toolguard {row.verdict or 'flow'}: {row.method} {upstream_name(row.host or '', row.port, row.scheme)}{row.path} -> "
            f"{row.status if row.status is not None else 'no answer'}"
            + (f": {row.error_message}" if row.error_message else "")
        )
        if self.content:
            # The stored (already redacted) request, parsed when it is JSON so backends can query it.
            request: Any = row.request_json or row.request_body
            if row.request_json:
                with contextlib.suppress(ValueError):
                    request = json.loads(row.request_json)
            body = {"summary": body, "request": _any_value(request), "response": row.response_body}
        self.logger.emit(
            timestamp=end,
            context=set_span_in_context(span),
            severity_number=getattr(SeverityNumber, severity),
            severity_text=severity,
            body=body,
            attributes=attrs,
            event_name="toolguard.flow",
        )

    def shutdown(self, timeout: float = 5.0) -> None:
        """Flush what is queued (bounded by ``timeout``), then stop the SDK's threads."""
        millis = int(timeout * 1000)
        self.logger_provider.force_flush(millis)
        self.tracer_provider.force_flush(millis)
        self.logger_provider.shutdown()
        self.tracer_provider.shutdown()
        logger.log(*self.closing_line())

    def closing_line(self) -> tuple[int, str]:
        """What the proxy's stop says of the export (level, words): before, nothing, so a collector
        that refused or never got a flow went unsaid until someone read the counters (trial21b)."""
        with self._lock:
            exported, failed, dropped = self.exported, self.failed, self.dropped
            unsent = max(0, self.emitted - exported - failed)
        words = f"toolguard: OpenTelemetry export to {self.endpoint}: {exported} flows exported"
        missed = [
            f"{n} {what}"
            for n, what in ((failed, "failed"), (dropped, "dropped"), (unsent, "unsent at exit"))
            if n
        ]
        if not missed:
            return logging.INFO, words
        return (
            logging.WARNING,
            f"{words}, {', '.join(missed)} (NOT in the collector; the database has every flow)",
        )


def _any_value(value: Any) -> Any:
    """JSON as an OTLP AnyValue: maps, lists and scalars; null becomes an empty string."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return {str(k): _any_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_any_value(v) for v in value]
    return value


class _Counting:
    """Wraps an OTLP exporter to count what reached the collector and what did not. The counters
    are per flow and follow the log records (one per flow); the span exporter is wrapped only so
    both pipelines look alike."""

    def __init__(self, owner: OtlpExport, inner: Any, spans: bool = False) -> None:
        self.owner = owner
        self.inner = inner
        self.spans = spans

    def export(self, batch: Sequence[Any]) -> Any:
        ok = False
        try:
            result = self.inner.export(batch)
            ok = getattr(result, "name", "") == "SUCCESS"
            return result
        finally:
            if not self.spans:
                with self.owner._lock:
                    if ok:
                        self.owner.exported += len(batch)
                    else:
                        self.owner.failed += len(batch)

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)
