"""A loopback fake provider for end-to-end tests: the only faked part of the pipeline.

:class:`Upstream` is a ``ThreadingHTTPServer`` on ``127.0.0.1`` port 0 (optionally TLS with a self-signed
certificate made in the test). It records every request byte for byte and answers with whatever
the test plugged in as ``upstream.handler``: a function ``(RecordedRequest) -> Reply``.

Replies:

* :class:`Reply`: a canned ``(status, headers, body)`` answer (Content-Length framed).
* :class:`StreamReply`: ``text/event-stream`` chunks sent with ``Transfer-Encoding: chunked``, one HTTP
  chunk per item, flushed, with a delay between them; the send time of each chunk is recorded on the
  request (``recorded.sent``) so a test can prove the client saw the first chunk before the last was sent.
* :class:`Abort`: close the connection abruptly (optionally after sending some bytes first).

WebSocket: when ``upstream.websocket`` is set, a ``GET`` with ``Upgrade: websocket`` is accepted on the
same port (as OpenAI serves the Responses API's WebSocket mode on ``GET /v1/responses``) and each text
message the client sends is recorded on the request (``recorded.frames``) and passed to
``upstream.websocket(recorded, text)``, whose returned texts are sent back as text messages. The
framing is wsproto's (sans-IO, already installed as a mitmproxy dependency), so the frames go through
the same socket handler as HTTP instead of a second server on another port.

:func:`openai_like` is a handler that validates tool-call sequencing (and ``max_tokens`` on reasoning
models, :func:`openai_request_error`) the way OpenAI does and answers
with OpenAI's real 400 bodies (quoted from the LangChain INVALID_TOOL_RESULTS page, see
``/work/shared/seeds/001_langchain-INVALID_TOOL_RESULTS.txt``), a normal completion otherwise, and a
streamed completion (with tool-call deltas) for ``"stream": true``.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Every socket the fake upstream touches times out: a hung test fails instead of hanging CI.
SOCKET_TIMEOUT = 10.0
# A test that sends more than this many requests is broken (a retry loop, a redirect loop).
DEFAULT_MAX_REQUESTS = 50

# OpenAI's real error texts, verbatim from the seed (LangChain INVALID_TOOL_RESULTS page).
ORPHAN_MESSAGE = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
UNANSWERED_PREFIX = (
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
    "'tool_call_id'. The following tool_call_ids did not have response messages: "
)


def openai_error(
    message: str, param: str | None, type_: str = "invalid_request_error", code: Any = None
) -> bytes:
    return json.dumps({"error": {"message": message, "type": type_, "param": param, "code": code}}).encode()


def orphan_error(index: int) -> bytes:
    """OpenAI's 400 body for a tool message that answers nothing, e.g. ``param: "messages.[4].role"``."""
    return openai_error(ORPHAN_MESSAGE, f"messages.[{index}].role")


def unanswered_error(ids: Sequence[str]) -> bytes:
    """OpenAI's 400 body for unanswered tool calls (the seed shows one id; several are joined by ", ")."""
    return openai_error(UNANSWERED_PREFIX + ", ".join(ids), "messages")


@dataclass
class RecordedRequest:
    method: str
    path: str  # without the query
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    received: float
    # Send times (time.monotonic()) of each chunk of a StreamReply; empty for other replies.
    sent: list[float] = field(default_factory=list)
    # WebSocket only: the text messages the client sent, and those the fake answered, in order.
    frames: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(data).encode(), {"content-type": "application/json", **(headers or {})})


@dataclass
class StreamReply:
    chunks: Sequence[bytes]
    delay: float = 0.05
    status: int = 200
    headers: dict[str, str] = field(
        default_factory=lambda: {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
        }
    )
    # Close the connection abruptly after this many chunks instead of finishing the stream.
    abort_after: int | None = None


@dataclass
class Abort:
    """Close the connection without a (complete) answer; ``partial`` bytes are sent first."""

    partial: bytes = b""


Handler = Callable[[RecordedRequest], Reply | StreamReply | Abort]
# Called with each text message a WebSocket client sends; returns the text messages to send back.
WebSocketHandler = Callable[[RecordedRequest, str], Sequence[str]]


def sse_event(data: Any) -> bytes:
    """One server-sent event ``data: <json>\\n\\n`` (or the literal ``[DONE]``)."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {payload}\n\n".encode()


def completion(model: str = "gpt-4o-mini", content: str = "Both calls completed.") -> dict[str, Any]:
    return {
        "id": "chatcmpl-toolguard-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def stream_chunks(model: str = "gpt-4o-mini", with_tool_call: bool = True) -> list[bytes]:
    """A realistic chat.completion.chunk stream: text deltas, a tool call split over deltas, [DONE]."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return sse_event(
            {
                "id": "chatcmpl-toolguard-stream",
                "object": "chat.completion.chunk",
                "created": 1_700_000_000,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
        )

    chunks = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Let me "}),
        chunk({"content": "check."}),
    ]
    if with_tool_call:
        chunks += [
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_stream0000000000000001",
                            "type": "function",
                            "function": {"name": "foo_tool", "arguments": ""},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}),
            chunk({}, finish="tool_calls"),
        ]
    else:
        chunks.append(chunk({}, finish="stop"))
    chunks.append(sse_event("[DONE]"))
    return chunks


def error_event_chunks(
    message: str = "The server had an error while processing your request.",
) -> list[bytes]:
    """A stream that starts normally and then carries an ``{"error": ...}`` event mid-stream."""
    good = stream_chunks(with_tool_call=False)
    return [
        *good[:2],
        sse_event({"error": {"message": message, "type": "server_error", "param": None, "code": None}}),
    ]


def tool_sequence_error(messages: Any) -> bytes | None:
    """OpenAI's tool-call sequencing verdict for ``messages``: its 400 body, or None when valid.

    Mirrors the behaviour shown in the seed: a tool message must sit in the contiguous block right
    after an assistant message with ``tool_calls`` and answer one of its still-open ids (else the
    "preceeding message" error with ``param: messages.[i].role``); when the block ends, every call must
    have been answered (else the "did not have response messages" error with ``param: messages``).
    """
    if not isinstance(messages, list):
        return None
    open_ids: list[str] | None = None  # ids still unanswered in the current tool block
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "tool":
            tool_call_id = message.get("tool_call_id")
            if open_ids is None or tool_call_id not in open_ids:
                return orphan_error(index)
            open_ids.remove(tool_call_id)
            continue
        if open_ids:
            return unanswered_error(open_ids)
        open_ids = None
        if role == "assistant" and message.get("tool_calls"):
            open_ids = [c.get("id") for c in message["tool_calls"] if isinstance(c, dict)]
    if open_ids:
        return unanswered_error(open_ids)
    return None


# OpenAI's real answer to `max_tokens` sent to a reasoning model (o-series, gpt-5); quoted by the rule
# params.max-tokens-on-reasoning-model from https://github.com/griptape-ai/ComfyUI-Griptape/issues/312.
MAX_TOKENS_MESSAGE = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")


def max_tokens_error(body: Any) -> bytes | None:
    """OpenAI's 400 body for ``max_tokens`` on a reasoning model, or None."""
    if isinstance(body, dict) and "max_tokens" in body and _REASONING_MODEL.match(str(body.get("model", ""))):
        return openai_error(MAX_TOKENS_MESSAGE, "max_tokens", code="unsupported_parameter")
    return None


def openai_request_error(body: Any) -> bytes | None:
    """What OpenAI rejects in a chat-completions body, as far as this fake enforces it: tool-call
    sequencing (the seed's two errors) and ``max_tokens`` on reasoning models; None when accepted."""
    return max_tokens_error(body) or tool_sequence_error(
        body.get("messages") if isinstance(body, dict) else None
    )


def groq_message_key_error(body: Any) -> bytes | None:
    """Groq's 400 for a key it does not accept inside a message, or None. Groq is strict about message
    keys (providers.md §4): an assistant message replaying ``reasoning_content`` gets, verbatim from
    https://github.com/SimonSchubert/Kai/issues/265, in Groq's envelope (no param, no code; providers.md §3):
    ``'messages.2' : for 'role:assistant' the following must be satisfied[('messages.2' : property
    'reasoning_content' is unsupported)]``."""
    messages = body.get("messages") if isinstance(body, dict) else None
    for index, message in enumerate(messages if isinstance(messages, list) else []):
        if (
            isinstance(message, dict)
            and message.get("role") == "assistant"
            and "reasoning_content" in message
        ):
            text = (
                f"'messages.{index}' : for 'role:assistant' the following must be satisfied"
                f"[('messages.{index}' : property 'reasoning_content' is unsupported)]"
            )
            return json.dumps({"error": {"message": text, "type": "invalid_request_error"}}).encode()
    return None


def openai_like(*, delay: float = 0.05, chunks: Sequence[bytes] | None = None) -> Handler:
    """A handler that answers like OpenAI's chat completions for the tool-call sequencing rules."""

    def handle(request: RecordedRequest) -> Reply | StreamReply | Abort:
        try:
            body = request.json()
        except ValueError:
            return Reply(
                400,
                openai_error(
                    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
                    "sent was not valid JSON. If you have trouble figuring out how to fix this, please "
                    "contact us through our help center at help.openai.com.)",
                    None,
                ),
            )
        error = openai_request_error(body)
        if error is not None:
            return Reply(400, error)
        model = body.get("model", "gpt-4o-mini")
        if body.get("stream"):
            return StreamReply(list(chunks) if chunks is not None else stream_chunks(model), delay=delay)
        return Reply.json(200, completion(model))

    return handle


# xAI's rejection of a parameter, as LobeChat relayed it (https://github.com/lobehub/lobehub/issues/8389,
# corpus row a-0031). No built-in rule flags presence_penalty for this model on a loopback host, so the
# answer is what toolguard learns from (learned.param).
XAI_PRESENCE_PENALTY: dict[str, Any] = {
    "error": "Argument not supported on this model: presencePenalty",
    "endpoint": "https://api.x.ai/v1",
    "provider": "xai",
}
GROK = "grok-4"


def canned(status: int, body: bytes | str | dict[str, Any], headers: dict[str, str] | None = None) -> Handler:
    """A handler that answers every request with the same (status, headers, body)."""
    if isinstance(body, dict):
        reply = Reply.json(status, body, headers)
    else:
        reply = Reply(status, body, {"content-type": "application/json", **(headers or {})})
    return lambda request: reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    upstream: Upstream


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows failures, not access logs
        pass

    def _handle(self) -> None:
        upstream = self.server.upstream
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        recorded = RecordedRequest(
            method=self.command,
            path=parts.path,
            query=parts.query,
            headers=list(self.headers.items()),
            body=body,
            received=time.monotonic(),
        )
        with upstream.lock:
            upstream.requests.append(recorded)
            over_limit = len(upstream.requests) > upstream.max_requests
        if (
            upstream.websocket is not None
            and self.command == "GET"
            and (self.headers.get("upgrade") or "").lower() == "websocket"
            and not over_limit
        ):
            self._websocket(upstream.websocket, recorded)
            return
        if over_limit:
            reply: Reply | StreamReply | Abort = Reply(
                599, b'{"error": {"message": "toolguard test upstream: request limit exceeded"}}'
            )
        else:
            try:
                reply = upstream.handler(recorded)
            except Exception as exc:  # a broken handler is a test bug: answer 599 so it shows up
                reply = Reply(
                    599, json.dumps({"error": {"message": f"test handler failed: {exc!r}"}}).encode()
                )
        if isinstance(reply, Abort):
            self._abort(reply.partial)
        elif isinstance(reply, StreamReply):
            self._stream(reply, recorded)
        else:
            self._reply(reply)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def do_CONNECT(self) -> None:
        """Open a tunnel to "anywhere": answer 200 and serve the tunnelled HTTP on this connection.

        Lets a test prove a client honours ``HTTP_PROXY`` without a real proxy: undici's proxy agents
        tunnel even plain-http targets with CONNECT, then send ordinary requests through it.
        """
        recorded = RecordedRequest(
            method="CONNECT", path=self.path, query="", headers=list(self.headers.items()), body=b"",
            received=time.monotonic(),
        )  # fmt: skip
        with self.server.upstream.lock:
            self.server.upstream.requests.append(recorded)
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = False  # the tunnel stays open whatever the CONNECT's headers said

    def _reply(self, reply: Reply) -> None:
        body = reply.body.encode() if isinstance(reply.body, str) else reply.body
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _stream(self, reply: StreamReply, recorded: RecordedRequest) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for number, chunk in enumerate(reply.chunks):
            if reply.abort_after is not None and number >= reply.abort_after:
                self._abort(b"")
                return
            if number:
                time.sleep(reply.delay)
            recorded.sent.append(time.monotonic())
            frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
            if number == len(reply.chunks) - 1:
                # The last event and the end of the body in one write, as a server that ends the stream
                # right after it does: two writes let a client that stops reading at the last event (the
                # openai SDK raising on an error event closes its response) hang up before the proxy read
                # the end, and the flow was stored "cut off" now and then under load (CI, session 17).
                frame += b"0\r\n\r\n"
            self.wfile.write(frame)
            self.wfile.flush()
        if not reply.chunks:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _websocket(self, handler: WebSocketHandler, recorded: RecordedRequest) -> None:
        """Accept the upgrade (no extensions), then answer each text message until the client closes."""
        from wsproto import ConnectionType, WSConnection
        from wsproto.events import AcceptConnection, CloseConnection, Ping, Request, TextMessage

        self.close_connection = True
        connection = WSConnection(ConnectionType.SERVER)
        head = f"{self.command} {self.path} HTTP/1.1\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in self.headers.items()) + "\r\n"
        connection.receive_data(head.encode("latin-1"))
        partial: list[str] = []
        while True:
            for event in connection.events():
                out = b""
                if isinstance(event, Request):
                    out = connection.send(AcceptConnection())
                elif isinstance(event, TextMessage):
                    partial.append(event.data)
                    if event.message_finished:
                        text, partial = "".join(partial), []
                        recorded.frames.append(text)
                        try:
                            answers = list(handler(recorded, text))
                        except Exception as exc:  # a broken handler is a test bug: say so on the socket
                            answers = [
                                json.dumps(
                                    {"type": "error", "error": {"message": f"test handler failed: {exc!r}"}}
                                )
                            ]
                        for answer in answers:
                            recorded.replies.append(answer)
                            out += connection.send(TextMessage(data=answer))
                elif isinstance(event, Ping):
                    out = connection.send(event.response())
                elif isinstance(event, CloseConnection):
                    self.wfile.write(connection.send(event.response()))
                    self.wfile.flush()
                    return
                if out:
                    self.wfile.write(out)
                    self.wfile.flush()
            try:
                data = self.rfile.read1(65536)
            except OSError:  # the socket timeout: an idle client is done
                return
            if not data:
                return
            connection.receive_data(data)

    def _abort(self, partial: bytes) -> None:
        if partial:
            self.wfile.write(partial)
            self.wfile.flush()
        self.close_connection = True
        try:
            # RST instead of FIN: SO_LINGER with a zero timeout makes close() abort the connection.
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()


@dataclass
class TLSFiles:
    cert: Path
    key: Path


def make_self_signed(directory: Path, hostname: str = "localhost") -> TLSFiles:
    """A throwaway self-signed certificate for 127.0.0.1 / ``hostname`` (cryptography ships with mitmproxy)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(hostname), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    files = TLSFiles(cert=directory / "upstream-cert.pem", key=directory / "upstream-key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


class Upstream:
    """The fake provider. Use as a context manager or call :meth:`start`/:meth:`stop`."""

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        tls: TLSFiles | None = None,
        max_requests: int = DEFAULT_MAX_REQUESTS,
    ) -> None:
        self.handler: Handler = handler or openai_like()
        self.websocket: WebSocketHandler | None = None
        self.tls = tls
        self.max_requests = max_requests
        self.requests: list[RecordedRequest] = []
        self.lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Upstream:
        server = _Server(("127.0.0.1", 0), _RequestHandler)
        server.upstream = self
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls.cert, self.tls.key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-upstream", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(SOCKET_TIMEOUT)
            self._thread = None

    def __enter__(self) -> Upstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "upstream not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234`` (https when TLS is on)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def received(self, path_suffix: str = "") -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith(path_suffix)]

    def wait_for_requests(self, count: int, timeout: float = SOCKET_TIMEOUT) -> list[RecordedRequest]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        raise TimeoutError(f"upstream got {len(self.requests)} requests, expected {count}")
