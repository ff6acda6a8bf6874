"""A loopback OTLP/HTTP receiver: /v1/logs and /v1/traces, protobuf (gzip or not), decoded with
opentelemetry-proto as a collector does. Used by the export's end-to-end tests and by
``scripts/bench_proxy.py --otlp`` (which counts what arrived against what was stored).

``opentelemetry-proto`` comes with the ``otel`` extra (the test extra installs it); it is imported
when a receiver is made, so importing this module never needs it."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def value(any_value: Any) -> Any:
    """An OTLP AnyValue as plain Python."""
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value(v) for v in any_value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: value(kv.value) for kv in any_value.kvlist_value.values}
    return getattr(any_value, kind) if kind else None


def attrs(key_values: Any) -> dict[str, Any]:
    return {kv.key: value(kv.value) for kv in key_values}


class Receiver:
    """An OTLP/HTTP receiver on 127.0.0.1 that keeps every log record, span and resource it gets."""

    def __init__(self) -> None:
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
            ExportLogsServiceRequest,
            ExportLogsServiceResponse,
        )
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        self.logs: list[Any] = []  # LogRecord messages
        self.spans: list[Any] = []
        self.resources: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path == "/v1/logs":
                    request = ExportLogsServiceRequest.FromString(body)
                    with receiver.lock:
                        for resource_logs in request.resource_logs:
                            receiver.resources.append(attrs(resource_logs.resource.attributes))
                            for scope in resource_logs.scope_logs:
                                receiver.logs.extend(scope.log_records)
                    reply = ExportLogsServiceResponse().SerializeToString()
                elif self.path == "/v1/traces":
                    request = ExportTraceServiceRequest.FromString(body)
                    with receiver.lock:
                        for resource_spans in request.resource_spans:
                            for scope in resource_spans.scope_spans:
                                receiver.spans.extend(scope.spans)
                    reply = ExportTraceServiceResponse().SerializeToString()
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 5
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
