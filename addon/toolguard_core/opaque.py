"""Opaque rejections: an error answer whose text names nothing beyond a generic status.

Issue #10 asks what the ceiling of recognition from the text is. Some rejections carry no text a root
cause can be read from: an HTML error page titled with its status, "Bad Request", OpenRouter's
"Provider returned error" with nothing inside, a client's "400 status code (no body)", a generic
refusal ("Request contains an invalid argument."). Such an answer is **opaque**: after
:func:`~toolguard_core.upstream_errors.parse_error`, no field of its error chain (each level's
``message``, ``type``, ``code`` and ``param``; the raw text when nothing was parsed) holds a word
outside :data:`GENERIC_STATUS_VOCABULARY`. Numbers (statuses, numeric error codes, request ids) and
hexadecimal ids are not words. The test is mechanical and knows no catalogue: it says what the text
*could* name, not what the tiers of :mod:`toolguard_core.causes` do name, so the number of opaque
rejections bounds what any reading of the text can recognise.

The vocabulary is declared here once; ``scripts/eval_causes.py`` counts opaque rows per split (an
aggregate), the held-out replay counts the unexplained ones that are opaque, and docs/errors.md
("Opaque rejections") shows it with examples from development rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .upstream_errors import UpstreamError

#: Words that say only that something failed, where, or with which status: HTTP reason phrases
#: (RFC 9110 section 15), the generic wrapper words of SDKs and gateways ("API call error",
#: "Provider returned error", "Upstream request failed", "Request failed with status code 400",
#: "retrying in 1s (attempt 1/10)"), generic refusals of a whole request ("Request contains an
#: invalid argument.", Gemini's INVALID_ARGUMENT; "One or more parameters specified in the request
#: are not valid.", Volcengine; "Invalid API parameter, please check the documentation.", Zhipu's
#: 1210; "Param Incorrect", MiniMax/Xiaomi), the error-type vocabularies' generic members
#: (``invalid_request_error``, ``api_error``, ``server_error``, ``BadRequestError``,
#: ``ValidationException``) and the function words between them. A word naming a part of a request
#: (model, messages, content, tool, role, token, image, stream ...), a limit, a credential or a
#: provider's host is never here: its presence makes a text informative.
_VOCABULARY_WORDS = """
    a an the of to in on at for with from by as is are was were be been has have had it its this that
    or and not no any one more some something went wrong please try again later check see
    error errors err exception failed failure fail fails failing occurred occurs unknown unexpected
    bad request requests response invalid incorrect illegal valid malformed validation
    param params parameter parameters argument arguments input inputs value values
    contains contain specified provided specify
    status code http https api call called calling client upstream
    server internal gateway service unavailable timeout timed out temporarily
    unauthorized forbidden payment required found method allowed acceptable conflict gone
    payload entity large too many unprocessable implemented
    body empty null none undefined true false detail details message type
    documentation docs doc reference
    retry retrying attempt attempts
    processing process parsing parse object nil
    openai openrouter litellm anthropic google genai together sdk ai llm erro
"""
GENERIC_STATUS_VOCABULARY: frozenset[str] = frozenset(_VOCABULARY_WORDS.split())

#: The generic phrases of the Chinese gateways and providers, said in Chinese: "错误" (error),
#: "API 调用参数有误，请检查文档" (Zhipu's 1210: the API call's parameters are wrong, check the
#: documentation), "请求失败" (request failed), "服务器内部错误" (internal server error), "参数非法"
#: (illegal parameter), "异常" (exception). Removed from a text before any CJK character left
#: counts as content.
GENERIC_STATUS_PHRASES_CJK: tuple[str, ...] = (
    "请检查文档",
    "服务器内部错误",
    "调用",
    "参数",
    "有误",
    "非法",
    "错误",
    "请求",
    "失败",
    "异常",
    "响应",
    "服务器",
    "内部",
)

#: Generic phrases said in English whose words alone would not all be generic: OpenRouter's wrapper
#: "Provider returned error" (a provider named in words is content elsewhere: "Invalid provider").
GENERIC_STATUS_PHRASES: tuple[str, ...] = ("provider returned error",)

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_GENERIC_PHRASE = re.compile("|".join(re.escape(p) for p in GENERIC_STATUS_PHRASES), re.IGNORECASE)
# a request id or trace id printed beside the error ("request id: 2024...", "req_id: as-3euhp023ev")
_REQUEST_ID = re.compile(r"\b(?:request|req|trace)[ _-]?id\b\W{0,3}[\w-]+", re.IGNORECASE)
# a path into the request that carries an index: ``input[3].status``, ``messages.0.content``
_INDEXED_PATH = re.compile(r"\b[A-Za-z_]\w*(?:\[\d+\]|\.\d+)(?:\[\d+\]|\.\w+)*")
# a run of letters, digits and underscores; a run with a digit is a number or an id, not a word
_RUN = re.compile(r"[A-Za-z0-9_]+")
# camelCase and PascalCase boundaries ("BadRequestError" -> "Bad Request Error")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def content_words(text: str) -> list[str]:
    """The words of ``text`` outside the generic-status vocabulary (lowercased). Each CJK character
    left after the generic CJK phrases are removed counts as one word, and so does each path into the
    request that carries an index (``input[3].status``, ``messages.0``) whatever its words: a text
    pointing at an item of the request names something. A request id and a run of letters with a
    digit in it (``1s``, ``v0``, an id) are not words. A quoted name made only of generic words
    (``'status'``) is not counted: an error object printed as ``'type': 'error'`` looks the same."""
    text = _REQUEST_ID.sub(" ", _GENERIC_PHRASE.sub(" ", text))
    for phrase in GENERIC_STATUS_PHRASES_CJK:
        text = text.replace(phrase, " ")
    out = [c for c in text if _CJK.match(c)]
    out.extend(m.group(0) for m in _INDEXED_PATH.finditer(text))
    for run in _RUN.findall(text):
        if any(c.isdigit() for c in run) or run.lower() in GENERIC_STATUS_VOCABULARY:
            continue  # a number or an id; a wrapper's name spelt as one run ("OpenRouter")
        for word in _CAMEL.sub("_", run).split("_"):
            if word and word.lower() not in GENERIC_STATUS_VOCABULARY:
                out.append(word.lower())
    return out


def _fields(error: UpstreamError) -> Iterator[str]:
    for level in error.chain():
        for value in (level.message, level.type, level.code, level.param):
            if isinstance(value, str) and value:
                yield value


def is_opaque(error: UpstreamError | None) -> bool:
    """True when no field of the error chain holds a content word (see the module docstring). A
    body nothing was parsed from is read as its raw text; an absent or empty answer is opaque."""
    if error is None:
        return True
    fields = list(_fields(error))
    if not fields and error.raw:
        fields = [error.raw]
    return not any(content_words(field) for field in fields)


def _summary_fields(summary: Mapping[str, Any]) -> Iterator[str]:
    level: Any = summary
    for _ in range(16):
        if not isinstance(level, Mapping):
            return
        for key in ("message", "type", "code", "param"):
            value = level.get(key)
            if isinstance(value, str) and value:
                yield value
        level = level.get("upstream")


def is_opaque_summary(error_json: str | None) -> bool:
    """:func:`is_opaque` for a stored ``error_json`` (an :meth:`UpstreamError.summary`)."""
    try:
        summary = json.loads(error_json) if error_json else None
    except ValueError:
        return False  # not a summary: nothing is claimed about it
    if not isinstance(summary, Mapping):
        return True
    return not any(content_words(field) for field in _summary_fields(summary))


def is_opaque_stored(error_json: str | None, error_message: str | None) -> bool:
    """:func:`is_opaque` for a stored rejection: its ``error_json`` when there is one, else its
    ``error_message`` (a body nothing was parsed from); a rejection with neither is opaque."""
    if error_json:
        return is_opaque_summary(error_json)
    return not content_words(error_message or "")


#: What the summary, ``toolguard show`` and the run report say of an opaque rejection no rule and no
#: root cause explains: honest about what the answer does not say, so "unexplained" is not read as a
#: catalogue gap when it is the provider's silence.
OPAQUE_WORDS = "the answer names nothing beyond its status, so no root cause can be read from its text"

#: The mark an opaque group carries in the summary's list of unexplained rejections.
OPAQUE_MARK = "(opaque)"
