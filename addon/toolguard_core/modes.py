"""The addon's modes (``toolguard_mode``) and block mode's answer, as pure functions.

* ``observe`` (default): nothing on the wire changes; toolguard only records.
* ``block``: a request with an error-severity finding is answered by the proxy itself, in the target
  provider's own error shape and status, so the client's SDK raises the error it would have raised
  on the provider's 400, without the round trip and its cost. toolguard's explanation travels in
  places clients ignore: ``x-toolguard-*`` response headers and an extra top-level ``toolguard`` key.
* ``repair``: the fixes of :mod:`toolguard_core.repair` are applied and the repaired request is sent.

docs/modes.md describes all three. No mitmproxy import: the addon turns :class:`BlockedAnswer` into
``http.Response.make(...)`` in its request hook.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from toolguard_core.choices import Mode as Mode  # declared free of imports, for the CLI's --help
from toolguard_core.findings import Finding, Severity
from toolguard_core.request import MESSAGES, OLLAMA, RequestView, Target
from toolguard_core.rules.model import inferred_vendor
from toolguard_core.rules.registry import RULES, PredictedError

HEADER_PREFIX = "x-toolguard-"
BODY_KEY = "toolguard"
# A message path in a provider's quoted text or param, in each spelling providers use: OpenAI's
# `messages[5].content[0].type` and `messages.[4].role` (the seed's param), Anthropic's and Bedrock's
# `messages.48.content.1` (`messages.2.member.content.1` in Bedrock's Converse wording).
_QUOTED_PATH = re.compile(
    r"\bmessages(?:\.\[\d+\]|\[\d+\]|\.\d+)(?:\.\[\d+\]|\[\d+\]|\.\d+|\.[A-Za-z_][A-Za-z0-9_]*)*"
)
_QUOTED_STEP = re.compile(r"(\.?\[?)(\d+)(\]?)|\.?([A-Za-z_][A-Za-z0-9_]*)")


def parse_mode(value: str) -> Mode:
    """The mode named by ``value`` (case-insensitive); ValueError names the choices."""
    try:
        return Mode(value.strip().lower())
    except ValueError:
        raise ValueError(
            f"unknown mode {value!r}; expected one of {', '.join(m.value for m in Mode)}"
        ) from None


@dataclass(frozen=True, slots=True)
class BlockedAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    #: The finding the answer is about (the first error finding).
    finding: Finding


#: A relay's text that quotes the vendor's own error object (litellm's ``Error code: 400 - {'error':
#: {...}}``, a gateway's ``{"error": {...}}``): where that object starts.
_QUOTED_ERROR = re.compile(r"""\{\s*['"]error['"]\s*:""")


def _relays(predicted: PredictedError, vendor: str) -> bool:
    """Whether the prediction is the vendor's validator seen through a relay (``litellm proxy →
    openai``): the provider names it after the arrow."""
    return predicted.provider.rsplit("→", 1)[-1].strip() == vendor and "→" in predicted.provider


def quoted_error(text: str) -> dict[str, Any] | None:
    """The vendor's error object a relay's text quotes (JSON, or the Python repr litellm prints),
    when it has a string ``message`` (or is one: Ollama's native ``{"error": "<text>"}``); None
    otherwise."""
    match = _QUOTED_ERROR.search(text)
    if match is None:
        return None
    quoted = text[match.start() :]
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(quoted)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            continue
        error = value.get("error") if isinstance(value, dict) else None
        if isinstance(error, str):
            return {"message": error}
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error
    return None


#: Ollama names the model it refuses (``registry.ollama.ai/library/gemma3:4b does not support tools``,
#: ``"qwen2.5-coder:1.5b" does not support thinking``): the quoted thread's model, said as the request's.
_REFUSED_MODEL = re.compile(r"""(registry\.ollama\.ai/library/)?([^\s"'/]+|"[^"]+")( does not support \w+)""")


def _own_model(text: str, body: Any) -> str:
    """``text`` with the model a refusal names replaced by the request's own ``model``."""
    model = body.get("model") if isinstance(body, dict) else None
    if not isinstance(model, str) or not model:
        return text

    def rewrite(match: re.Match[str]) -> str:
        name = f'"{model}"' if match[2].startswith('"') else model
        prefix = match[1] if match[1] and "/" not in model else ""
        return f"{prefix}{name}{match[3]}"

    return _REFUSED_MODEL.sub(rewrite, text, count=1)


def answering_provider(target: Target, body: Any = None) -> tuple[str, bool]:
    """The provider whose answer block mode gives, and whether it was inferred: the host's, or on an
    unrecognised host the vendor the model name points to (rules/inferred.py: the model rules judged
    the request as that vendor, so the answer is that vendor's)."""
    if target.provider.id == "generic" and isinstance(body, dict):
        vendor = inferred_vendor(RequestView(body=body, target=target))
        if vendor is not None:
            return vendor[0], True
    return target.provider.id, False


def predicted_error(finding: Finding, target: Target, body: Any = None) -> PredictedError | None:
    """The error the target provider really returns for this finding's rule, if the rule quotes one
    for this endpoint kind: the provider's own (on an unrecognised host, the vendor inferred from the
    model name), else that vendor's validator as a relay quotes it (``litellm proxy → openai``: the
    model rules' predictions on unrecognised hosts), else (for a generic compatible server)
    Anthropic's on the Messages API and OpenAI's elsewhere."""
    rule = RULES.get(finding.rule)
    if rule is None:
        return None
    predicts = [
        p for p in rule.predicts if (p.api is None or p.api == target.endpoint) and _fits(p, finding, body)
    ]
    vendor, _ = answering_provider(target, body)
    # The API the path speaks answers when the host is not known: Anthropic's on the Messages API,
    # Ollama's on its native /api/chat (only Ollama serves it), OpenAI's elsewhere.
    fallback = {MESSAGES: "anthropic", OLLAMA: "ollama"}.get(target.endpoint, "openai")
    for provider in dict.fromkeys((target.provider.id, vendor, fallback)):
        for predicted in predicts:
            if predicted.provider == provider:
                return predicted
        # A relay's text quoting the vendor's error object first: its message, param and code are the
        # vendor's own (the relay's wrapper is not what the vendor answers).
        relayed = [p for p in predicts if _relays(p, provider)]
        for predicted in sorted(relayed, key=lambda p: quoted_error(p.text) is None):
            return predicted
    return None


#: OpenAI's code for a required key that is absent: its sentence is quoted only for a value that is.
MISSING_CODE = "missing_required_parameter"
#: OpenAI's invalid-value sentence quotes the value its example request sent first.
_QUOTED_VALUE = re.compile(r"^(Invalid value: ')([^']*)(')")


def _last_key(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def _own_value_fits(predicted: PredictedError, finding: Finding) -> bool:
    """Whether the sentence is about the very key the finding points at (its ``param`` ends in it), so
    the request's own value may stand where its example's did."""
    return predicted.param is not None and _last_key(predicted.param) == _last_key(finding.location)


def _fits(predicted: PredictedError, finding: Finding, body: Any) -> bool:
    """Whether the provider's sentence fits this request's own value at the finding's location: a
    missing-parameter sentence only for a value that is absent, an invalid-value sentence only for a
    string that is there and is either the value it quotes or, the sentence being about that very key,
    can take its place (content.invalid-part declares both of OpenAI's sentences: a part with no
    ``type`` was answered "Invalid value: 'image'", session 20; spec.unknown-enum-value's quote of
    ``'image'`` does not fit a ``verbosity`` of ``'max'``). Any other sentence fits; without the body
    nothing is ruled out. A finding no sentence fits is answered in toolguard's own words."""
    if body is None:
        return True
    value = _value_at(body, finding.location)
    if predicted.code == MISSING_CODE:
        return value is None
    quoted = _QUOTED_VALUE.match(predicted.text)
    if quoted is None:
        return True
    value = _named_value(value)
    return value is not None and (value == quoted.group(2) or _own_value_fits(predicted, finding))


def _named_value(value: Any) -> str | None:
    """The value an invalid-value sentence names for what a finding points at: a string, or the
    ``type`` of a part the finding locates whole (responses.invalid-message-content's ``input[1].content[0]``)."""
    if isinstance(value, dict):
        value = value.get("type")
    return value if isinstance(value, str) else None


def _own_enum_value(text: str, predicted: PredictedError | None, finding: Finding, body: Any) -> str:
    """OpenAI's ``Invalid value: 'image'. Supported values are: ...`` quotes its example request's
    value: the request's own instead (``'document'``), when the sentence is about that very key."""
    if predicted is None or not _own_value_fits(predicted, finding):
        return text
    value = _named_value(_value_at(body, finding.location))
    if value is None:
        return text
    return _QUOTED_VALUE.sub(lambda m: f"{m.group(1)}{value}{m.group(3)}", text, count=1)


def _own_path(text: str, location: str) -> str:
    """The provider's quoted ``text`` (or ``param``) with the message path of its example request
    replaced by this request's own, as the finding locates it, each in the provider's spelling:
    Anthropic's ``messages.48.content.1: unexpected `tool_use_id` ...`` for a request whose only message
    holds the block says ``messages.0.content.0``, OpenAI's ``Invalid 'messages[5].name'`` for the name
    at ``messages[2].name`` says ``messages[2]`` (a blocked answer that named a message the request
    does not have sent the user looking for it). Indices are replaced in order while the names before
    them match the location's (``messages``, then ``content``, ``tool_calls`` ...; Bedrock's ``member``
    is skipped); a deeper index the location does not give stays as the provider wrote it. Unchanged
    when the finding is not located in ``messages``."""
    own = [(name, index) for name, index in _PATH_PART.findall(location)]
    pairs: list[tuple[str, str]] = []  # (the name before an index, the index) along the location
    for (name, _), (_, index) in itertools.pairwise(own):
        if name and index:
            pairs.append((name, index))
    if not pairs or pairs[0][0] != "messages":
        return text

    def rewrite(match: re.Match[str]) -> str:
        out: list[str] = []
        name, at = "", 0
        for step in _QUOTED_STEP.finditer(match.group()):
            before, number, after, word = step.groups()
            if word is not None:
                out.append(step.group())
                name = word if word != "member" else name
                continue
            if 0 <= at < len(pairs) and pairs[at][0] == name:
                number, at = pairs[at][1], at + 1
            else:
                at = -1  # past the location's depth or off its path: the rest stays the provider's
            out.append(f"{before}{number}{after}")
        return "".join(out)

    return _QUOTED_PATH.sub(rewrite, text)


def _quoted_param(quoted: dict[str, Any], finding: Finding) -> Any:
    """A relayed vendor error's ``param``, with this request's message path (:func:`_own_path`)."""
    param = quoted.get("param")
    return _own_path(param, finding.location) if isinstance(param, str) else param


def _param(predicted: PredictedError | None, finding: Finding) -> str | None:
    """The provider's ``param``, with the message path of this request where the provider names one."""
    if predicted is None or predicted.param is None:
        return None
    return _own_path(predicted.param, finding.location)


#: An example call id inside a provider's quoted text (OpenAI's ``call_…``, Anthropic's ``toolu_…``,
#: the Responses API's ``fc_…``/``rs_…``), each possibly listed with others (", ").
_QUOTED_ID = re.compile(r"\b(?:call|toolu|fc|rs)_[A-Za-z0-9_]+")
#: A location whose value is a call id (``messages[1].tool_calls[0].id``, ``input[2].call_id``,
#: ``messages[3].content[0].tool_use_id``).
_ID_KEY = re.compile(r"(?:^|\.)(?:id|tool_call_id|call_id|tool_use_id)$")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _value_at(body: Any, location: str) -> Any:
    """The value at a finding's ``location`` (``messages[1].tool_calls[0].id``) in ``body``, or None."""
    node = body
    for name, index in _PATH_PART.findall(location):
        if index and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        elif name and isinstance(node, dict):
            node = node.get(name)
        else:
            return None
    return node


def _own_id(text: str, finding: Finding, body: Any) -> str:
    """The provider's quoted ``text`` with its example call id replaced by this request's own, when
    the finding is located at an id (the seed's ``call_mjLu…`` in a blocked answer named a call the
    client never made: docs/modes.md). The ids of the request's kind are replaced (the Responses text
    that names a function call and its reasoning item keeps the other); a list of example ids becomes
    the one id. Unchanged when the finding is not at an id or the text quotes none."""
    own = _value_at(body, finding.location) if _ID_KEY.search(finding.location) else None
    if not isinstance(own, str) or not own:
        return text
    quoted = list(_QUOTED_ID.finditer(text))
    kinds = {m.group().split("_", 1)[0] for m in quoted}
    prefix = own.split("_", 1)[0] if "_" in own else None
    same = [m for m in quoted if m.group().split("_", 1)[0] == prefix] or (quoted if len(kinds) == 1 else [])
    if not same:
        return text
    start, end = same[0].start(), same[-1].end()
    if any(text[a.end() : b.start()] != ", " for a, b in itertools.pairwise(same)):
        start, end = same[0].start(), same[0].end()  # not one list: the first example id only
    return text[:start] + own + text[end:]


def _own_value(text: str, param: Any, body: Any) -> str:
    """OpenAI's ``Unsupported value: 'temperature' does not support 0.2 with this model`` quotes the
    value its example request sent: the request's own number instead, when ``param`` is a top-level
    field holding one (a blocked answer naming 0.2 for a request that sent 0.5 misleads)."""
    value = body.get(param) if isinstance(body, dict) and isinstance(param, str) else None
    if not isinstance(value, int | float) or isinstance(value, bool):
        return text
    pattern = re.compile(rf"('{re.escape(param)}' does not support )(-?\d+(?:\.\d+)?)( with this model)")
    return pattern.sub(lambda m: f"{m.group(1)}{json.dumps(value)}{m.group(3)}", text, count=1)


def _header_value(text: str, limit: int = 500) -> str:
    """A header-safe one-line value (headers are latin-1; a long message is cut)."""
    text = " ".join(text.split()).encode("ascii", "replace").decode("ascii")
    return text if len(text) <= limit else text[: limit - 1] + "~"


def blocked_answer(findings: list[Finding], target: Target, body: Any = None) -> BlockedAnswer | None:
    """The proxy's own answer to a request with error findings, or None when it has none.

    Shape and status are the target endpoint's: Anthropic's ``{"type": "error", "error": {type,
    message}, "request_id"}`` for the Messages API (providers.md §3; docs/errors.md), OpenAI's envelope
    ``{"error": {message, type, param, code}}`` for every OpenAI-compatible endpoint (chat completions
    and Responses alike). The message is the provider's real wording when the first error's rule
    quotes it, else toolguard's finding. ``body``: the parsed request, so a quoted example call id
    becomes the request's own (:func:`_own_id`).
    """
    errors = [f for f in findings if f.severity == Severity.ERROR]
    if not errors:
        return None
    first = errors[0]
    predicted = predicted_error(first, target, body)
    vendor, inferred = answering_provider(target, body)
    explanation: dict[str, Any] = {
        "blocked": True,
        "provider": target.provider.id,
        **({"answered_as": vendor} if inferred else {}),
        "findings": [
            {"rule": f.rule, "severity": str(f.severity), "location": f.location, "message": f.message}
            for f in errors
        ],
        "docs": "docs/modes.md",
    }
    if predicted is not None:
        explanation["predicted_error_source"] = predicted.source
    # A relay's text quoting the vendor's error object: the vendor's own message, param and code. So is
    # a prediction quoting the provider's whole body (Ollama's, from the threads it cites): its message.
    quoted = (
        quoted_error(predicted.text)
        if predicted is not None and ("→" in predicted.provider or predicted.text.lstrip().startswith("{"))
        else None
    )
    text = quoted["message"] if quoted is not None else predicted.text if predicted is not None else None
    if text is not None and predicted is not None and predicted.provider == "ollama":
        text = _own_model(text, body)
    message = (
        _own_path(_own_enum_value(_own_id(text, first, body), predicted, first, body), first.location)
        if text is not None
        else first.message
    )
    if quoted is not None:
        message = _own_value(message, quoted.get("param"), body)
    body: dict[str, Any]
    if target.endpoint == MESSAGES:
        # Anthropic's SDKs read `error.type` and `error.message`; the request id names toolguard as
        # the answerer, so a support ticket is never opened for a request Anthropic did not see.
        body = {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": message},
            "request_id": "toolguard-blocked",
            BODY_KEY: explanation,
        }
    elif target.endpoint == OLLAMA:
        # Ollama's native API answers {"error": "<text>"} (providers.md §3, ollama docs/api/errors.mdx);
        # its clients raise ResponseError with that text.
        body = {"error": message, BODY_KEY: explanation}
    else:
        body = {
            "error": {
                "message": message,
                "type": (quoted.get("type") if quoted is not None else None) or "invalid_request_error",
                "param": _quoted_param(quoted, first) if quoted is not None else _param(predicted, first),
                "code": quoted.get("code") if quoted is not None else predicted.code if predicted else None,
            },
            BODY_KEY: explanation,
        }
    headers = {
        "content-type": "application/json",
        f"{HEADER_PREFIX}blocked": "1",
        f"{HEADER_PREFIX}rule": first.rule,
        f"{HEADER_PREFIX}location": _header_value(first.location),
        f"{HEADER_PREFIX}fix": _header_value(first.message),
        # The same request would be blocked again: a 5xx status (llama.cpp and SGLang answer some of
        # these with 500) made the openai SDK retry it twice, three blocked rows for one mistake. The
        # openai (Python, Node) and anthropic SDKs obey this header before looking at the status.
        "x-should-retry": "false",
    }
    status = predicted.status if predicted is not None else 400
    return BlockedAnswer(
        status=status, headers=headers, body=json.dumps(body, ensure_ascii=False).encode(), finding=first
    )
