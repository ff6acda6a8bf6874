"""One parser for every provider's error body: bytes in, an :class:`UpstreamError` out. Never raises.

OpenAI-compatible servers agree on little beyond the status code. The shapes handled here, each
with a stable ``shape`` name (documented in ``docs/errors.md``; sources in providers.md §2):

=====================  ==========================================================================
shape                  body
=====================  ==========================================================================
``openai``             ``{"error": {"message", "type", "param", "code": str|null}}`` (OpenAI,
                       Azure, DeepSeek, Groq, Ollama ``/v1``)
``openai-int-code``    the same wrapper with an integer ``code`` (vLLM current, llama.cpp)
``google``             ``{"error": {"code": int, "message", "status"}}`` (Google APIs, not in an
                       array); ``status`` becomes ``type``
``gemini-array``       a JSON array ``[{"error": {"code", "message", "status", ...}}]``
``anthropic``          ``{"type": "error", "error": {"type", "message"}, "request_id"}`` (also the
                       ``data:`` of a Messages stream's ``event: error``); a relay's own envelope
                       holding Anthropic's body as ``error.upstream_error`` gets it as ``upstream``
``openrouter``         ``{"error": {"code": int, "message", "metadata": {"raw", "provider_name"}}}``;
                       ``metadata.raw`` (the upstream's own body, as a string) becomes ``upstream``
``dashscope``          OpenAI wrapper plus top-level ``request_id`` and a ``<400> ...`` message
                       prefix (compatible mode), or DashScope's native flat
                       ``{"request_id", "code", "message"}``
``flat-object-error``  ``{"object": "error", "message", "type", "param", "code"}`` (vLLM before
                       the wrapper, SGLang, Mistral)
``mistral``            the flat object with a list/dict ``message``, a ``detail`` key or
                       ``raw_status_code``
``flat-message``       a flat ``{"message", "type"?, "param"?, "code"?}`` without ``object``
                       (Cerebras, some gateways)
``fastapi-detail``     ``{"detail": "..."}``
``fastapi-validation`` ``{"detail": [{"loc", "msg", "type"}, ...]}``
``ollama-string``      ``{"error": "..."}`` (Ollama native API, many gateways)
``relay-nested``       any of the above whose message is itself an upstream JSON error (a relay
                       that stringified the upstream's body); the inner error is ``upstream``. Also
                       the Vercel AI SDK's ``APICallError`` serialized as JSON (opencode's and Kilo
                       Code's ``{"name": "APIError", "data": {"statusCode", "responseBody", ...}}``):
                       ``responseBody`` (the upstream's own body, as a string) becomes ``upstream``;
                       and a client's print of the error it got (Cline's ``{"message", "status",
                       "modelId", "providerId", "details": {...}}``): ``details`` is read as the
                       wrapper it is (its ``metadata.raw`` too) and becomes ``upstream``; and a
                       router's per-target answers (claude-code-router's "All target providers
                       failed." with ``attempts[].details``): the last target's answer becomes
                       ``upstream``
``responses-failed``   a Responses API ``response.failed`` event object ``{"type":
                       "response.failed", "response": {"error": {"code", "message"}}}``
``minimax``            MiniMax's native ``{"base_resp": {"status_code": int, "status_msg"}}`` (also
                       sent with HTTP 200); ``status_code`` becomes ``code``
``baidu``              Baidu Qianfan's ``{"error_code": int, "error_msg"}``; ``error_code`` becomes
                       ``code``
``sse``                an event stream body (``data:``/``event:`` lines): the first error event
                       (an ``error`` key, ``"type": "error"``, ``event: error`` or
                       ``response.failed``), parsed as above, its fields kept
``empty``              no body at all (SDKs print "400 status code (no body)")
``html``               an HTML page from a gateway; ``message`` is its ``<title>``
``text``               plain text
``unknown``            JSON of another shape; ``message`` is a best-effort guess
=====================  ==========================================================================

``code`` keeps its wire type (a string for OpenAI, an integer for vLLM, llama.cpp, OpenRouter), so
a query can tell ``"400"`` from ``400``. ``message`` is kept as sent (DashScope's
``<400> InternalError.Algo.InvalidParameter:`` prefix stays; fingerprinting strips it later).
"""

from __future__ import annotations

import ast
import html
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from toolguard_core.locations import dotted, normalise

# The stored raw body is bounded: error bodies are small, a gateway's HTML page need not be kept whole.
MAX_RAW_CHARS = 16 * 1024
# Longer messages are cut (a stack trace in a 500 can be megabytes).
MAX_MESSAGE_CHARS = 8 * 1024
# Bodies above this size are not JSON-decoded; they keep their raw start and a text message.
MAX_JSON_BYTES = 2 * 1024 * 1024
# Longest Python-literal error (a relay printing the upstream's dict) that is evaluated.
MAX_LITERAL_CHARS = 16 * 1024
# How deep relays may nest an upstream's body inside a string before we stop unwrapping.
MAX_NESTING = 4

# A relay's message is searched for an embedded JSON error at most this many `{`/`[` positions.
MAX_EMBEDDED_ATTEMPTS = 8
# A wrapper's other fields are searched for a stringified upstream body at most this many values deep
# (two levels below ``error``) and this many values in all.
MAX_WRAPPER_FIELDS = 24
_JSON_START = re.compile(r"[{\[]")
_DASHSCOPE_PREFIX = re.compile(r"^<\d{3}>\s")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
# An event stream body: its first line is an SSE field (https://html.spec.whatwg.org/#event-stream-interpretation).
_SSE_START = re.compile(r"(?:event|data|id|retry)\s*:|:")
# At most this many events of a stream body are looked at for its error event.
MAX_SSE_EVENTS = 4096
# Node's ``util.inspect`` (what ``console.log`` of an Error prints) shows a string property that holds
# newlines as one quoted literal per line joined by ``+`` ('{\n' +\n    '  "error": {\n' + ...), each
# literal in single quotes, or backticks/double quotes when it contains a single quote
# (https://nodejs.org/api/util.html#utilinspectobject-options): the Vercel AI SDK's
# ``APICallError.responseBody``, OpenRouter's ``metadata.raw`` inside an openai-node error. Joined and
# unescaped, such a run is the upstream's own JSON body.
_JS_LITERAL = r"'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|\"(?:[^\"\\\n]|\\.)*\""
_JS_CONCAT = re.compile(rf"(?:{_JS_LITERAL})(?:[ \t]*\+[ \t]*\r?\n?[ \t]*(?:{_JS_LITERAL}))+")
_JS_PIECE = re.compile(_JS_LITERAL)
_JS_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_JS_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
# At most this many joined strings of one text are tried as an error body.
MAX_INSPECTED_STRINGS = 8


class UpstreamError(BaseModel):
    """What an upstream said when it rejected a request (or failed mid-stream), in one shape."""

    model_config = ConfigDict(frozen=True)

    message: str | None = None
    type: str | None = None
    param: str | None = None
    code: str | int | None = None
    request_id: str | None = None
    provider_name: str | None = None
    upstream: UpstreamError | None = None
    shape: str = "unknown"
    raw: str = ""

    def root(self) -> UpstreamError:
        """The innermost error: the provider's own answer behind OpenRouter or a relay."""
        error = self
        while error.upstream is not None:
            error = error.upstream
        return error

    @property
    def effective_message(self) -> str | None:
        """The most specific message: the innermost error's, else the outer one's."""
        for error in reversed(self.chain()):
            if error.message:
                return error.message
        return None

    @property
    def answered_by(self) -> str | None:
        """The provider that answered, when the body names it: the innermost ``provider_name``
        (OpenRouter's ``metadata.provider_name``, read at whatever level a router nested it; "Novita"
        behind claude-code-router and OpenRouter). Stored as ``flows.error_provider``."""
        return next((e.provider_name for e in reversed(self.chain()) if e.provider_name), None)

    def chain(self) -> list[UpstreamError]:
        """This error followed by each nested upstream error, outermost first."""
        chain = [self]
        while chain[-1].upstream is not None:
            chain.append(chain[-1].upstream)  # type: ignore[arg-type]
        return chain

    def summary(self) -> dict[str, Any]:
        """Every parsed field without ``raw`` (the store keeps the body separately), nested included."""
        data = self.model_dump(exclude={"raw", "upstream"})
        data["upstream"] = self.upstream.summary() if self.upstream is not None else None
        return data


def parse_error(
    body: bytes | str | None, *, status: int | None, content_type: str | None = None
) -> UpstreamError:
    """Parse an upstream's error body of any known shape. Never raises.

    ``status`` is the HTTP status (``None`` for an error event inside a stream); it is not used to
    guess a shape today but keeps call sites explicit about what they parse.
    """
    del status  # the shape is recognised from the body alone; see the module docstring
    text = ""
    try:
        text = decode_text(body, content_type)
        return _parse_text(text, content_type, depth=0)
    except Exception:  # defensive: a parser bug must never reach the proxy
        return UpstreamError(shape="unknown", raw=_bound(text, MAX_RAW_CHARS) or "")


# ------------------------------------------------------------------------------------ internals


_CHARSET = re.compile(r";\s*charset=\"?([\w.:-]{1,40})", re.IGNORECASE)


def decode_text(body: bytes | str | None, content_type: str | None = None) -> str:
    """An answer's text: in the charset its Content-Type names, else UTF-8, else Latin-1.

    Most errors are UTF-8 JSON; a server that answers in a legacy charset (a French "Paramètre invalide"
    in ISO-8859-1, with or without ``charset=``) read as UTF-8 showed replacement characters in show,
    the summary and the report. Latin-1 maps every byte, so nothing is lost either way; it is read only
    when the body holds no valid multi-byte UTF-8 sequence at all."""
    if body is None:
        return ""
    if not isinstance(body, bytes | bytearray | memoryview):
        return str(body).removeprefix("\ufeff")
    data = bytes(body)
    match = _CHARSET.search(content_type or "")
    if match is not None:
        try:
            return data.decode(match.group(1), "replace").removeprefix("\ufeff")
        except LookupError:  # a charset Python does not know: the fallbacks below
            pass
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    if "\ufffd" in text and not any(ord(c) > 127 and c != "\ufffd" for c in text):
        # Not one valid multi-byte sequence: a legacy single-byte charset, not UTF-8 with a damaged
        # byte (a body cut at the stored bound mid-character keeps its UTF-8 reading).
        return data.decode("latin-1")
    return text


def _parse_text(text: str, content_type: str | None, *, depth: int) -> UpstreamError:
    raw = _bound(text, MAX_RAW_CHARS) or ""
    stripped = text.strip()
    if not stripped:
        return UpstreamError(shape="empty", raw=raw)
    if stripped[0] in "[{" and len(stripped) <= MAX_JSON_BYTES:
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError):
            data = _NOT_JSON
        if data is not _NOT_JSON:
            return _from_json(data, raw, depth=depth)
    if _SSE_START.match(stripped):
        event = _sse_error(stripped, depth=depth)
        if event is not None:
            return event.model_copy(update={"shape": "sse", "raw": raw})
    if _looks_like_html(stripped, content_type):
        return UpstreamError(shape="html", message=_html_message(stripped), raw=raw)
    text_error = UpstreamError(
        shape="text", message=_bound(_SPACE.sub(" ", stripped), MAX_MESSAGE_CHARS), raw=raw
    )
    # A client or relay that printed the upstream's error after its own words ("Error code: 400 - {...}",
    # "Error from provider: {...}") or as nothing but a Python dict (``str(exception)`` of the openai
    # SDK, LiteLLM: ``{'error': {'message': ..., 'code': 'model_not_found'}}``): the embedded error is
    # the provider's own answer, with its ``code``/``type`` fields, and becomes ``upstream``. The outer
    # text stays the row's message, so stored columns keep their wording.
    return _with_nested(text_error, stripped[:MAX_LITERAL_CHARS], depth=depth)


_NOT_JSON = object()


def _from_json(data: Any, raw: str, *, depth: int) -> UpstreamError:
    if isinstance(data, list):
        return _from_list(data, raw, depth=depth)
    if not isinstance(data, dict):
        return UpstreamError(shape="unknown", message=_bound(_text(data), MAX_MESSAGE_CHARS), raw=raw)

    error = data.get("error")
    if isinstance(error, dict):
        return _from_wrapper(data, error, raw, depth=depth)
    failed = _responses_failure(data)
    if failed is not None:
        # The Responses API's `response.failed` event: the error sits inside the response object
        # (doc [OAS] ResponseFailedEvent; openai/codex's stream tests quote real ones).
        inner = _from_wrapper(data, failed, raw, depth=depth)
        return inner.model_copy(update={"shape": "responses-failed"})
    base_resp = data.get("base_resp")
    if isinstance(base_resp, dict) and error is None and "message" not in data:
        status_code = base_resp.get("status_code")
        if isinstance(status_code, int) and not isinstance(status_code, bool) and status_code != 0:
            # MiniMax's native envelope: the error is base_resp.status_msg with a numeric status_code
            # (MiniMax sends it with HTTP 200 too: adrianlyjak/obsidian-aloud-tts#114).
            return UpstreamError(
                shape="minimax",
                message=_str(base_resp.get("status_msg")) or None,
                code=status_code,
                request_id=_str(data.get("id")) if isinstance(data.get("id"), str) else None,
                raw=raw,
            )
    error_code, error_msg = data.get("error_code"), data.get("error_msg")
    if isinstance(error_code, int) and not isinstance(error_code, bool) and isinstance(error_msg, str):
        # Baidu Qianfan (ERNIE)'s documented envelope: {"error_code": 110, "error_msg": "Access token
        # invalid or no longer valid"} (https://ai.baidu.com/ai-doc/WENXINWORKSHOP/tlmyncueh).
        return UpstreamError(
            shape="baidu",
            message=_bound(error_msg, MAX_MESSAGE_CHARS),
            code=error_code,
            request_id=_str(data.get("id")) if isinstance(data.get("id"), str) else None,
            raw=raw,
        )
    if isinstance(error, str):
        # Ollama native API and many gateways: {"error": "<text>"}.
        return _with_nested(
            UpstreamError(shape="ollama-string", message=_bound(error, MAX_MESSAGE_CHARS), raw=raw),
            error,
            depth=depth,
        )

    detail = data.get("detail")
    if "message" not in data and isinstance(detail, str):
        return _with_nested(
            UpstreamError(shape="fastapi-detail", message=_bound(detail, MAX_MESSAGE_CHARS), raw=raw),
            detail,
            depth=depth,
        )
    if "message" not in data and isinstance(detail, list):
        message, type_, param = _validation(detail)
        return UpstreamError(shape="fastapi-validation", message=message, type=type_, param=param, raw=raw)

    object_ = data.get("object")
    if isinstance(object_, str) and object_.lower() == "error":
        return _from_flat_object(data, raw, depth=depth)

    if "message" in data:
        message = data.get("message")
        # DashScope's native API: {"request_id", "code", "message"} (no `type`, no wrapper).
        shape = "dashscope" if "request_id" in data and "type" not in data else "flat-message"
        rendered, type_, param = _render_message(message)
        aws_type = data.get("__type")
        if isinstance(aws_type, str):
            # AWS JSON protocol (Bedrock): the exception name is the error type (x-amzn-ErrorType).
            shape, type_ = "aws", _aws_type(aws_type)
        result = UpstreamError(
            shape=shape,
            message=rendered,
            type=_str(data.get("type")) or type_,
            param=_str(data.get("param")) or param,
            code=_code(data.get("code")),
            request_id=_str(data.get("request_id")),
            raw=raw,
        )
        details = data.get("details")
        if (
            isinstance(details, dict)
            and ("message" in details or "metadata" in details)
            and depth < MAX_NESTING
        ):
            # A client's print of the error it got, the upstream's error object under `details` (Cline:
            # {"message": "400 Provider returned error", "status", "modelId", "providerId", "details":
            # {"message", "code", "metadata": {"raw", "provider_name"}}}, cline/cline#8337): read as the
            # wrapper it is, so OpenRouter's metadata.raw inside it is reached too.
            inner = _from_wrapper(data, details, _bound(_text(details), MAX_RAW_CHARS) or "", depth=depth + 1)
            return result.model_copy(update={"upstream": inner, "shape": "relay-nested"})
        return _with_nested(result, message, depth=depth)

    errors = data.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict) and "message" in errors[0]:
        # Cloudflare's v4 envelope ({"success": false, "errors": [{"code": 7003, "message": ...}]}) and
        # GraphQL-style gateways: every item's message, the first item's code.
        message, type_, param = _issues(errors)
        return UpstreamError(
            shape="errors-array",
            message=message,
            type=type_,
            param=param,
            code=_code(errors[0].get("code")),
            raw=raw,
        )
    call = _api_call_error(data, raw, depth=depth)
    if call is not None:
        return call
    aws_type = data.get("__type")
    if isinstance(aws_type, str) and isinstance(data.get("Message") or data.get("message"), str):
        # AWS JSON protocol (Bedrock): {"__type": "com.amazon.coral.service#ThrottlingException", "Message": ...};
        # the exception name is the error type (as the x-amzn-ErrorType header carries it).
        return UpstreamError(
            shape="aws",
            message=_str(data.get("Message") or data.get("message")),
            type=_aws_type(aws_type),
            raw=raw,
        )
    return UpstreamError(shape="unknown", message=_guess_message(data), raw=raw)


def _aws_type(value: str) -> str:
    """``com.amazon.coral.service#ThrottlingException:http://...`` -> ``ThrottlingException``."""
    return value.rpartition("#")[2].partition(":")[0] or value


def _issues(items: list[Any]) -> tuple[str | None, str | None, str | None]:
    """A list of ``{"message", "path"?, "code"?}`` issues (Cloudflare, GraphQL, zod) as one message:
    ``"2.function.parameters.properties: Required; ..."``; type and param from the first item."""
    parts: list[str] = []
    for item in items[:50]:
        if not isinstance(item, dict):
            continue
        path = item.get("path")
        where = ".".join(_text(part) for part in path) if isinstance(path, list) else _str(path)
        msg = _str(item.get("message")) or _text(item)
        parts.append(f"{where}: {msg}" if where else msg)
    first = items[0] if isinstance(items[0], dict) else {}
    path = first.get("path")
    param = ".".join(_text(part) for part in path) if isinstance(path, list) and path else None
    code = first.get("code")
    return _bound("; ".join(parts), MAX_MESSAGE_CHARS) if parts else None, _str(code) if code else None, param


def _responses_failure(data: dict[str, Any]) -> dict[str, Any] | None:
    """The error object of a Responses ``response.failed`` event, if ``data`` is one."""
    if data.get("type") != "response.failed":
        return None
    response = data.get("response")
    failure = response.get("error") if isinstance(response, dict) else None
    return failure if isinstance(failure, dict) else None


def _sse_error(text: str, *, depth: int) -> UpstreamError | None:
    """The first error event of an event stream body, parsed; ``None`` when it has none."""
    name = ""
    data_lines: list[str] = []
    events = 0
    for line in [*text.splitlines(), ""]:
        if line.strip():
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value.strip()
            elif field == "data":
                data_lines.append(value)
            continue
        if not data_lines:
            name = ""
            continue
        events += 1
        if events > MAX_SSE_EVENTS:
            return None
        data = "\n".join(data_lines)
        current, name, data_lines = name, "", []
        if current != "error" and "error" not in data and "failed" not in data:
            continue  # a content event: not decoded (streams can be megabytes)
        try:
            payload = json.loads(data)
        except (ValueError, RecursionError):
            payload = None
        if isinstance(payload, dict) and (
            current == "error"
            or payload.get("error") is not None
            or payload.get("type") in ("error", "response.failed")
            or str(payload.get("object") or "").lower() == "error"
        ):
            parsed = _from_json(payload, _bound(data, MAX_RAW_CHARS) or "", depth=depth)
            if parsed.message is not None or parsed.code is not None:
                return parsed
        elif current == "error" and data.strip():
            return UpstreamError(shape="text", message=_bound(data.strip(), MAX_MESSAGE_CHARS), raw=data)
    return None


def _from_list(data: list[Any], raw: str, *, depth: int) -> UpstreamError:
    first = data[0] if data else None
    if isinstance(first, dict) and isinstance(first.get("error"), dict):
        # Gemini's OpenAI-compatible endpoint answers with an array of Google API errors.
        inner = _from_wrapper(first, first["error"], raw, depth=depth)
        return inner.model_copy(update={"shape": "gemini-array"})
    if isinstance(first, dict) and ("loc" in first or "msg" in first):
        message, type_, param = _validation(data)
        return UpstreamError(shape="fastapi-validation", message=message, type=type_, param=param, raw=raw)
    if isinstance(first, dict) and "path" in first and "message" in first:
        # zod issues (LM Studio's server validates with zod and answers its issue list as the error text).
        message, type_, param = _issues(data)
        return UpstreamError(shape="zod-issues", message=message, type=type_, param=param, raw=raw)
    return UpstreamError(
        shape="unknown", message=_guess_message(first) if first is not None else None, raw=raw
    )


def _from_wrapper(top: dict[str, Any], error: dict[str, Any], raw: str, *, depth: int) -> UpstreamError:
    """``{"error": {...}}``: OpenAI and its dialects, Anthropic, OpenRouter, DashScope, Google."""
    message_value = error.get("message")
    message, detail_type, detail_param = _render_message(message_value)
    type_ = _str(error.get("type")) or detail_type
    param = _str(error.get("param")) or detail_param
    code = _code(error.get("code"))
    request_id = _str(error.get("request_id")) or _str(top.get("request_id"))
    provider_name = None
    upstream = None

    metadata = error.get("metadata")
    if top.get("type") == "error" and "type" in error:
        shape = "anthropic"
    elif isinstance(metadata, dict) and ("raw" in metadata or "provider_name" in metadata):
        # OpenRouter: the upstream provider's own body travels as a string in metadata.raw.
        shape = "openrouter"
        provider_name = _str(metadata.get("provider_name"))
        raw_upstream = metadata.get("raw")
        if isinstance(raw_upstream, str) and raw_upstream.strip() and depth < MAX_NESTING:
            upstream = _parse_text(raw_upstream, None, depth=depth + 1)
        elif isinstance(raw_upstream, dict | list) and depth < MAX_NESTING:
            upstream = _from_json(
                raw_upstream, _bound(_text(raw_upstream), MAX_RAW_CHARS) or "", depth=depth + 1
            )
    elif "request_id" in top and (
        (message and _DASHSCOPE_PREFIX.match(message)) or code == "invalid_parameter_error"
    ):
        shape = "dashscope"
    elif "status" in error and "type" not in error and not isinstance(error.get("status"), int):
        # Google APIs: {"error": {"code": 400, "message": ..., "status": "INVALID_ARGUMENT"}}.
        shape = "google"
        type_ = _str(error.get("status"))
        message = _with_violations(message, error.get("details"))
    elif isinstance(code, int):
        shape = "openai-int-code"
    else:
        shape = "openai"
    inner = error.get("innererror")
    if type_ is None and isinstance(inner, dict) and isinstance(inner.get("code"), str):
        # Azure OpenAI: {"error": {..., "type": null, "innererror": {"code": "ResponsibleAIPolicyViolation"}}}.
        type_ = _str(inner["code"])
    nested = error.get("upstream_error")
    if upstream is None and isinstance(nested, dict) and depth < MAX_NESTING:
        # A Claude Code relay (ding113/claude-code-hub#518) keeps Anthropic's whole answer as an object
        # under error.upstream_error, with its own type ("request_fail") and no message outside it.
        upstream = _from_json(nested, _bound(_text(nested), MAX_RAW_CHARS) or "", depth=depth + 1)

    result = UpstreamError(
        shape=shape,
        message=message,
        type=type_,
        param=param,
        code=code,
        request_id=request_id,
        provider_name=provider_name,
        upstream=upstream,
        raw=raw,
    )
    if upstream is None:
        result = _with_nested(result, message_value, depth=depth)
    if result.upstream is None and depth < MAX_NESTING:
        attempted = _attempts_upstream(error.get("attempts"), depth=depth + 1)
        if attempted is not None:
            result = result.model_copy(update={"upstream": attempted, "shape": "relay-nested"})
    if result.upstream is None and depth < MAX_NESTING:
        stringified = _stringified_upstream(error, depth=depth + 1)
        if stringified is not None:
            result = result.model_copy(update={"upstream": stringified, "shape": "relay-nested"})
    return result


def _attempts_upstream(attempts: Any, *, depth: int) -> UpstreamError | None:
    """A router's per-target answers (claude-code-router 3.x: ``{"error": {"message": "All target
    providers failed.", "attempts": [{"stage", "status", "message", "details"}]}}``,
    musistudio/claude-code-router#1773): the last target's own answer, its ``details`` (the upstream's
    body as an object: an OpenRouter wrapper whose ``metadata.raw`` holds the provider's, a FastAPI
    ``{"detail"}``), else that attempt's own ``message`` ("Unknown final model") with its status. The
    last is the one the fallback chain ended on; each earlier one was answered too, but the client was
    told this one."""
    if not isinstance(attempts, list):
        return None
    for attempt in reversed(attempts[:MAX_WRAPPER_FIELDS]):
        if not isinstance(attempt, dict):
            continue
        details = attempt.get("details")
        if isinstance(details, dict | list) and details:
            inner = _from_json(details, _bound(_text(details), MAX_RAW_CHARS) or "", depth=depth)
            if inner.effective_message:
                return inner
        message = _str(attempt.get("message"))
        if message:
            return UpstreamError(
                shape="flat-message",
                message=_bound(message, MAX_MESSAGE_CHARS),
                code=_code(attempt.get("status")),
                raw=_bound(_text(attempt), MAX_RAW_CHARS) or "",
            )
    return None


def _stringified_upstream(error: dict[str, Any], *, depth: int) -> UpstreamError | None:
    """A gateway that keeps its provider's whole answer as a JSON string under a key of its own, next to
    a message of its own ("Provider returned 500"): ``{"error": {"type": "provider", "message":
    "Provider returned 500", "provider": {"status": 500, "body": "{\\"error\\": {...}}"}}}``
    (dmxapi's relay, err.dmxapi.cn/detail.php?id=1323). OpenRouter's ``metadata.raw`` is the one
    documented case; this finds the same thing under any key, two levels deep at most. Only a string
    that is itself a recognised error body counts (a JSON-looking parameter value is not)."""
    queue: list[tuple[Any, int]] = [(value, 0) for key, value in error.items() if key != "message"]
    seen = 0
    while queue and seen < MAX_WRAPPER_FIELDS:
        value, level = queue.pop(0)
        seen += 1
        if isinstance(value, str):
            if value.lstrip()[:1] in ("{", "["):
                inner = _embedded_error(value[:MAX_LITERAL_CHARS], depth=depth)
                if inner is not None:
                    return inner
        elif isinstance(value, dict) and level < 2:
            queue.extend((item, level + 1) for item in list(value.values())[:MAX_WRAPPER_FIELDS])
    return None


def _with_violations(message: str | None, details: Any) -> str | None:
    """Google's ``details[].fieldViolations`` name the rejected field; append those the message lacks."""
    if not isinstance(details, list):
        return message
    extra: list[str] = []
    for detail in details[:10]:
        violations = detail.get("fieldViolations") if isinstance(detail, dict) else None
        for violation in violations[:10] if isinstance(violations, list) else ():
            if not isinstance(violation, dict):
                continue
            text = " ".join(_text(violation[k]) for k in ("field", "description") if violation.get(k))
            if text and text not in (message or ""):
                extra.append(text)
    if not extra:
        return message
    return _bound("; ".join([message, *extra] if message else extra), MAX_MESSAGE_CHARS)


#: The properties the Vercel AI SDK documents on ``APICallError`` besides ``responseBody``
#: (https://ai-sdk.dev/docs/reference/ai-sdk-errors/ai-api-call-error): one of them with a string
#: ``responseBody`` says the object is that error serialized, not any JSON that happens to hold the key.
_API_CALL_ERROR_KEYS = ("statusCode", "isRetryable", "responseHeaders", "requestBodyValues", "url")


def _api_call_error(data: dict[str, Any], raw: str, *, depth: int) -> UpstreamError | None:
    """The Vercel AI SDK's ``APICallError`` serialized as JSON, at the top (``JSON.stringify``) or under
    ``data`` (opencode's and Kilo Code's ``{"name": "APIError", "data": {...}}``, Kilo-Org/kilocode#9006
    and #12238): its ``responseBody`` is the upstream's own answer, read as ``upstream``. The SDK's
    ``message`` is often only the status text ("Bad Request") when it did not know the body's shape."""
    node = data.get("data") if isinstance(data.get("data"), dict) else data
    body = node.get("responseBody")
    if not isinstance(body, str) or depth >= MAX_NESTING:
        return None
    if not any(key in node for key in _API_CALL_ERROR_KEYS):
        return None
    inner = _embedded_error(body, depth=depth + 1)
    if inner is None:
        return None
    message = _str(node.get("message")) or inner.message
    return UpstreamError(
        shape="relay-nested",
        message=_bound(message, MAX_MESSAGE_CHARS),
        code=_code(node.get("statusCode")),
        raw=raw,
        upstream=inner,
    )


def _from_flat_object(data: dict[str, Any], raw: str, *, depth: int) -> UpstreamError:
    """``{"object": "error", ...}``: vLLM before the wrapper, SGLang, Mistral."""
    message_value = data.get("message")
    message, detail_type, detail_param = _render_message(message_value)
    structured = isinstance(message_value, dict | list)
    if structured and message is None and isinstance(data.get("detail"), list):
        message, detail_type, detail_param = _validation(data["detail"])
    mistral = structured or "detail" in data or "raw_status_code" in data
    result = UpstreamError(
        shape="mistral" if mistral else "flat-object-error",
        message=message,
        type=_str(data.get("type")) or detail_type,
        param=_str(data.get("param")) or detail_param,
        code=_code(data.get("code")),
        request_id=_str(data.get("request_id")),
        raw=raw,
    )
    return _with_nested(result, message_value, depth=depth)


def _with_nested(result: UpstreamError, message_value: Any, *, depth: int) -> UpstreamError:
    """A relay that stringified the upstream's JSON error into its own message: surface the inner one."""
    if not isinstance(message_value, str) or depth >= MAX_NESTING:
        return result
    inner = _embedded_error(message_value, depth=depth + 1)
    if inner is None:
        inner = _inspected_error(message_value, depth=depth + 1)
    if inner is None:
        return result
    return result.model_copy(update={"upstream": inner, "shape": "relay-nested"})


def _inspected_error(text: str, *, depth: int) -> UpstreamError | None:
    """The error body a Node client printed as a concatenation of string literals (:data:`_JS_CONCAT`)."""
    if "+" not in text:
        return None
    for number, match in enumerate(_JS_CONCAT.finditer(text[:MAX_LITERAL_CHARS])):
        if number >= MAX_INSPECTED_STRINGS:
            return None
        joined = "".join(_js_unescape(piece[1:-1]) for piece in _JS_PIECE.findall(match.group(0)))
        if "{" not in joined and "[" not in joined:
            continue
        inner = _embedded_error(joined, depth=depth)
        if inner is not None:
            return inner
    return None


def _js_unescape(literal: str) -> str:
    """A JavaScript string literal's body with its escapes resolved (``\\n``, ``\\'``, ``\\u0041``)."""

    def one(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape[0] in "ux" and len(escape) > 1:
            digits = escape[1:].strip("{}")
            try:
                return chr(int(digits, 16))
            except (ValueError, OverflowError):
                return escape
        return _JS_SIMPLE_ESCAPES.get(escape, escape)

    return _JS_ESCAPE.sub(one, literal)


def _embedded_error(text: str, *, depth: int) -> UpstreamError | None:
    """The JSON error embedded in ``text`` (whole, or after a prefix like ``"[model] [400]: "``)."""
    decoder = json.JSONDecoder()
    attempts = 0
    for match in _JSON_START.finditer(text):
        attempts += 1
        if attempts > MAX_EMBEDDED_ATTEMPTS:
            return None
        start = match.start()
        try:
            data, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            # LiteLLM and relays built on the openai SDK print the upstream error as a Python dict:
            # "Error code: 400 - {'error': {'message': ..., 'code': None}}".
            literal = _python_literal(text, start)
            if literal is None:
                continue
            data, end = literal
        if not isinstance(data, dict | list):
            continue
        inner = _from_json(data, _bound(text[start:end], MAX_RAW_CHARS) or "", depth=depth)
        # Only a recognised error counts; JSON that merely appears in a message is not an upstream error.
        if inner.shape in ("unknown", "text", "empty", "html") or inner.message is None:
            continue
        return inner
    return None


def _python_literal(text: str, start: int) -> tuple[Any, int] | None:
    """A Python dict literal starting at ``start`` (the longest one that parses), and where it ends.

    ``ast.literal_eval`` evaluates literals only (no names, calls or attributes), so it is safe on
    untrusted text; the candidate is bounded and every parse failure is caught.
    """
    if text[start] != "{" or "'" not in text[start : start + 200]:
        return None
    end = text.rfind("}", start, start + MAX_LITERAL_CHARS)
    attempts = 0
    while end > start and attempts < MAX_EMBEDDED_ATTEMPTS:
        attempts += 1
        try:
            return ast.literal_eval(text[start : end + 1]), end + 1
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            end = text.rfind("}", start, end)
    return None


def _render_message(value: Any) -> tuple[str | None, str | None, str | None]:
    """A readable message from a string, a FastAPI ``{"detail": [...]}`` dict or a list (Mistral)."""
    if value is None:
        return None, None, None
    if isinstance(value, str):
        return _bound(value, MAX_MESSAGE_CHARS), None, None
    if isinstance(value, dict) and isinstance(value.get("detail"), list):
        return _validation(value["detail"])
    if isinstance(value, dict) and isinstance(value.get("detail"), str):
        return _bound(value["detail"], MAX_MESSAGE_CHARS), None, None
    if (
        isinstance(value, list)
        and value
        and all(isinstance(item, dict) for item in value)
        and any("msg" in item or "loc" in item for item in value)
    ):
        return _validation(value)
    return _bound(_text(value), MAX_MESSAGE_CHARS), None, None


def _validation(items: list[Any]) -> tuple[str | None, str | None, str | None]:
    """FastAPI/pydantic validation errors as ``"body.store: Extra inputs are not permitted; ..."``.

    ``type`` and ``param`` come from the first item (its pydantic error type and dotted ``loc``).
    """
    parts: list[str] = []
    first_type: str | None = None
    first_param: str | None = None
    for item in items:
        if not isinstance(item, dict):
            parts.append(_text(item))
            continue
        loc = item.get("loc")
        # The location read once (toolguard_core.locations), as the cause wordings read it: FastAPI's
        # body and pydantic's bare tags kept, a bracketed validator tag (its parameters hold characters
        # no path has) dropped.
        location = (
            dotted(normalise(loc, keep_wrappers=True, keep_bare_tags=True))
            if isinstance(loc, list)
            else _str(loc)
        )
        msg = _str(item.get("msg")) or _str(item.get("message")) or _text(item)
        parts.append(f"{location}: {msg}" if location else msg)
        if first_type is None and first_param is None:
            first_type = _str(item.get("type"))
            first_param = location or None
    message = "; ".join(parts) if parts else None
    return _bound(message, MAX_MESSAGE_CHARS), first_type, first_param


def _guess_message(value: Any) -> str | None:
    """Best effort for unknown JSON: the first string under a message-like key, breadth first."""
    queue: list[Any] = [value]
    seen = 0
    while queue and seen < 200:
        item = queue.pop(0)
        seen += 1
        if isinstance(item, dict):
            for key in ("message", "msg", "error_message", "errorMessage", "detail", "error", "title"):
                candidate = item.get(key)
                if isinstance(candidate, str) and candidate.strip():
                    return _bound(candidate, MAX_MESSAGE_CHARS)
            queue.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            queue.extend(v for v in item[:20] if isinstance(v, dict | list))
    return None


def _looks_like_html(text: str, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    head = text[:512].lower()
    return head.startswith("<") and ("<html" in head or "<!doctype html" in head or "<title" in head)


def _html_message(text: str) -> str | None:
    for pattern in (_TITLE, _H1):
        match = pattern.search(text, 0, 256 * 1024)
        if match:
            cleaned = _SPACE.sub(" ", html.unescape(_TAG.sub("", match.group(1)))).strip()
            if cleaned:
                return _bound(cleaned, MAX_MESSAGE_CHARS)
    body = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text[: 64 * 1024]))).strip()
    return _bound(body, 500) or None


def _code(value: Any) -> str | int | None:
    """Keep the wire type of ``code``: a string stays a string, an integer an integer."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _text(value)


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _bound(value, MAX_MESSAGE_CHARS)
    return _bound(_text(value), MAX_MESSAGE_CHARS)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _bound(value: str | None, limit: int) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def innermost_param(error_json: str | None, param: str | None = None) -> str | None:
    """The ``param`` the provider itself blamed, from a stored ``error_json``: the last one along the
    ``upstream`` chain (a gateway wraps the provider's error; Xiaomi through OpenRouter puts its whole
    explanation there: "messages[2] assistant content must contain at least one part" under the message
    "Param Incorrect"), else ``param`` (the flow's ``error_param`` column)."""
    try:
        error = json.loads(error_json) if error_json else None
    except ValueError:
        return param
    for _ in range(MAX_NESTING + 1):
        if not isinstance(error, dict):
            break
        if isinstance(error.get("param"), str) and error["param"]:
            param = error["param"]
        error = error.get("upstream")
    return param


def innermost_message(error_json: str | None) -> str | None:
    """The provider's own message from a stored ``error_json`` (an :meth:`UpstreamError.summary`):
    the last message along the ``upstream`` chain, so a gateway's wrapper ("Provider returned error")
    gives way to the error it wraps."""
    try:
        error = json.loads(error_json) if error_json else None
    except ValueError:
        return None
    message = None
    for _ in range(MAX_NESTING + 1):
        if not isinstance(error, dict):
            break
        if isinstance(error.get("message"), str) and error["message"]:
            message = error["message"]
        error = error.get("upstream")
    return message
