"""The link between toolguard's prediction and the upstream's answer, as one word per stored flow.

Each verdict and its meaning is declared once, here: :class:`Verdict`, :data:`VERDICT_MEANINGS` (in
full), :data:`REJECTION_VOCABULARY` (the three words for a rejection in a few words, for reports)
and :data:`DECISION_RULE` (how a rejection gets its word). docs/errors.md's verdict table and rule
of decision are generated from them (scripts/gen_verdicts_doc.py); the summary, ``toolguard run``,
``toolguard show`` and the HTML report read them.

A response that started (a status is known) counts as the upstream's answer even if the client
disconnected later in the stream: the upstream took the request. ``flow_error`` still records the
disconnect. See docs/errors.md.

This module also holds the other decisions on the data path, each made in one function that the
addon, the summary, ``toolguard run``'s report and the content view share (issue #15): whether a flow
was *rejected*, *the error text* of a rejection, whether a flow is *stored*, and a flow's *scope*.
They are pure (no mitmproxy import), so the click-free analysis library can use them too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from toolguard_core.request import MESSAGES_SUFFIX, NATIVE_PATHS
from toolguard_core.upstream_errors import UpstreamError, innermost_message

if TYPE_CHECKING:
    from toolguard_core.causes import Recognition

# The root-cause catalogue (toolguard_core.causes, which loads the rules) is imported where a
# decision reads it, not here: `toolguard summary` and `toolguard show` import this module for the
# verdict words and read the causes the rows already carry (docs/benchmarks.md, session 12: the
# catalogue was most of their start-up).


class Verdict(StrEnum):
    PREDICTED = "predicted"
    RECOGNISED = "recognised"
    UNEXPLAINED = "unexplained"
    FALSE_ALARM = "false_alarm"
    NO_ANSWER = "no_answer"
    ACCEPTED = "accepted"
    BLOCKED = "blocked"
    REPAIRED = "repaired"
    REPAIR_FAILED = "repair_failed"


#: The verdicts of a rejected request (the upstream said no). ``predicted``, ``recognised`` and
#: ``unexplained`` are the one vocabulary for a rejection that the verdict column, ``toolguard run``'s
#: report, the summary and the Datasette queries share; ``repair_failed`` is a rejection of a request
#: toolguard had repaired. A blocked request never reached the upstream, so it is not among them.
REJECTED_VERDICTS = frozenset(
    {Verdict.PREDICTED, Verdict.RECOGNISED, Verdict.UNEXPLAINED, Verdict.REPAIR_FAILED}
)
#: The rejections a constraint is learned from (learned_store.learn_from_rows): the vocabulary's three
#: words (a repaired request the upstream still rejected is not the request the client sent).
LEARNED_FROM_VERDICTS = frozenset({Verdict.PREDICTED, Verdict.RECOGNISED, Verdict.UNEXPLAINED})

#: Each verdict's meaning, in full (docs/errors.md's table is generated from this).
VERDICT_MEANINGS: dict[str, str] = {
    Verdict.PREDICTED: (
        "toolguard had an error-severity finding and the upstream rejected the request (status >= 400, or an "
        "error event inside a 200 stream) for a reason that may be what it flagged (see the rule of decision)"
    ),
    Verdict.RECOGNISED: (
        "the upstream rejected the request, no rule is credited with it, but its error text names a known root "
        "cause (`cause_id`, `cause_json`: the catalogue in `toolguard_core/causes.py`): no rule flagged the "
        "request, or the answer is unrelated to what the rules flagged (a 429, a 401, an overload)"
    ),
    Verdict.UNEXPLAINED: (
        "the upstream rejected the request and neither a credited rule nor a known root cause explains it: a "
        "candidate for a new rule or cause"
    ),
    Verdict.FALSE_ALARM: "toolguard had an error-severity finding and the upstream accepted the request",
    Verdict.NO_ANSWER: (
        "no response at all (`status` is NULL; `flow_error` says why: connection refused, timeout, client gone "
        "before the response headers, body size limit). In reverse mode a refused upstream connection is stored "
        "too, without the request unless `connection_strategy=lazy` (docs/schema.md)"
    ),
    Verdict.ACCEPTED: (
        "the upstream accepted a request whose findings were warnings/info only (stored because of those findings)"
    ),
    Verdict.BLOCKED: (
        "`toolguard_mode=block`: toolguard answered the request itself with the provider's error; the upstream "
        "never saw it (docs/modes.md)"
    ),
    Verdict.REPAIRED: (
        "`toolguard_mode=repair`: toolguard fixed the request (rows in `repairs`) and the upstream accepted it"
    ),
    Verdict.REPAIR_FAILED: (
        "`toolguard_mode=repair`: toolguard fixed the request and the upstream still rejected it (counted as a "
        "rejection; both bodies are in `repairs`)"
    ),
}

#: The one vocabulary for a rejection, each word in a few words: `toolguard summary` (every format),
#: `toolguard run`, the HTML report and the Datasette metadata (tests check they agree).
REJECTION_VOCABULARY: dict[str, str] = {
    Verdict.PREDICTED: "a rule flagged what the upstream rejected",
    Verdict.RECOGNISED: "no rule credited, the error text names a known root cause",
    Verdict.UNEXPLAINED: "neither",
}


class Answer(StrEnum):
    """What a rejection's answer says about the flow's error findings (:data:`DECISIONS`)."""

    #: The answer is what a fired rule predicted: the rule is credited, the flow is ``predicted``.
    CONFIRMS = "confirms"
    #: The answer names something precise that no fired finding is about: the findings are
    #: *unconfirmed* for this flow (neither a false alarm nor a confirmation: the upstream stopped at
    #: another problem before it judged theirs); the flow is ``recognised`` by its root cause.
    CONTRADICTS = "contradicts"
    #: The answer is about something no request rule checks (a 429, an unknown model, an unreadable
    #: body): the findings are neither confirmed nor refuted; the flow is ``recognised``/``unexplained``.
    UNRELATED = "unrelated"


@dataclass(frozen=True, slots=True)
class Decision:
    """One row of the rule of decision: when it applies, what the answer says about the findings."""

    id: str
    when: str
    answer: Answer


#: The rule of decision for a rejected request with error findings, one row per outcome, tried in
#: order (the first that applies decides). Declared once: :func:`judge` walks it, and docs/errors.md's
#: decision table is generated from it (scripts/gen_verdicts_doc.py).
DECISIONS: tuple[Decision, ...] = (
    Decision(
        "own-rule",
        "the root cause is one a fired rule predicts (the catalogue's rule for it or for the wording, a rule "
        "sharing the provider's sentence, a rule whose own predicted wordings are this cause: "
        "`patterns.predicting_rules`), or the text is a fired rule's known wording",
        Answer.CONFIRMS,
    ),
    Decision(
        "transient",
        "the root cause is *transient* (`Cause.transient`: credentials, quota, rate limit, overload, a server "
        "failure, moderation): a 429 says nothing about the request's fields. Not a bare HTTP 500 whose text "
        "names nothing: llama.cpp and servers whose Jinja chat templates raise answer malformed requests with "
        "500 (https://github.com/mistralai/mistral-vibe/issues/1006)",
        Answer.UNRELATED,
    ),
    Decision(
        "about-target",
        "the root cause is about the target, not the request's content (`Cause.about_target`: the model was "
        "not found, the endpoint or API version does not exist) and no fired rule is a `model.*`, "
        '`model_id.*`, `endpoint.*` or api-version rule: an Ollama 404 "model not found" says nothing '
        "about an orphan tool message",
        Answer.UNRELATED,
    ),
    Decision(
        "unreadable-body",
        "the text is the known wording of a `body.*` rule that did not fire (OpenAI's \"We could not parse "
        'the JSON body of your request"): the upstream never read the fields the other rules checked',
        Answer.UNRELATED,
    ),
    Decision(
        "names-a-finding",
        "the root cause names a request item by its index (`messages.3.user.name`, "
        "`tools[0].function.name`: the extracted path) that a fired finding's location is inside "
        "(`messages[3].name`), or a request parameter or field (the extracted `param`/`field`, or its "
        "constraint's name) that a fired finding's location is about (`temperature` for a finding at "
        "`temperature`, `response_format` for one at `response_format.type`)",
        Answer.CONFIRMS,
    ),
    Decision(
        "names-another-field",
        "the root cause names a top-level request parameter (one of the documented chat-completions keys, "
        "`toolguard_core.providers`, other than `messages` and `model`) that no fired finding's location "
        'is about, and no fired rule predicts it: Gemini\'s `Unknown name "web_search_options"` on a '
        "request flagged for an orphan tool message; or names a message by its index when every fired "
        "finding is about a top-level parameter, not a message (a message's index is never compared with "
        "another message's: providers count messages differently, Anthropic without the system prompt). "
        "The findings are *unconfirmed* for this flow: not a "
        "false alarm (the request was rejected) and not confirmed (the upstream stopped at another "
        "problem before it judged theirs)",
        Answer.CONTRADICTS,
    ),
    Decision(
        "unspecific",
        "anything else: the root cause names no request parameter (a structural sentence about the "
        "conversation, an error code, the status alone) or names one inside the messages, or no root cause "
        "is known: the answer may be what the rules flagged. The catalogue's sentences about a "
        "conversation are shared by sibling rules, so they cannot refute one",
        Answer.CONFIRMS,
    ),
)
DECISIONS_BY_ID: Mapping[str, Decision] = {decision.id: decision for decision in DECISIONS}
#: What each answer makes of the flow (its verdict) and of its error findings (how they are counted).
ANSWER_OUTCOMES: Mapping[Answer, tuple[str, str]] = {
    Answer.CONFIRMS: (
        "`predicted`",
        "confirmed: the credited rule names the summary group and counts as `predicted` (the summary's "
        "per-rule tally); the flow's other error findings are unconfirmed by this answer",
    ),
    Answer.CONTRADICTS: (
        "`recognised`",
        "unconfirmed: counted neither as `predicted` nor as a false alarm; `toolguard show`, `toolguard run` "
        "and the summary say so; the constraint the answer names is learned (docs/learned.md)",
    ),
    Answer.UNRELATED: (
        "`recognised` (`unexplained` when no root cause is known)",
        "neither confirmed nor refuted: counted neither as `predicted` nor as a false alarm",
    ),
}

#: How a rejection gets its word (:func:`rejection_verdict`), as the docs state it (Markdown); the
#: table between the two paragraphs is :data:`DECISIONS`.
DECISION_RULE: tuple[str, ...] = (
    "A rejection's verdict is decided from both sides: the request's error findings (their rules and "
    "locations) and the root cause the upstream's answer names. For a rejected request with error "
    "findings, the first row below that applies decides what the answer says about the findings: it "
    "*confirms* them (the flow is `predicted`, its rule is credited), *contradicts* them (the flow is "
    "`recognised` by its root cause; the findings are *unconfirmed* for this flow), or is *unrelated* "
    "to them (the flow is `recognised` when its root cause is known, else `unexplained`; the findings "
    "are neither confirmed nor refuted).",
    "A rejection no rule flagged is `recognised` when its root cause is known, else `unexplained`. "
    "Only a confirmed finding counts as a correct prediction (the summary's per-rule `predicted`, "
    "`toolguard run`); an unconfirmed or unrelated one is never counted as a false alarm (the upstream "
    "rejected the request), nor in `rule_calibration` (which counts accepted requests), and nothing "
    "is learned from an unrelated answer. The summary groups a rejection by its root cause and the fired "
    "rule credited with it, so a flow never sits under a rule that did not fire on it. The verdict "
    "column, the summary's `explanation` and `pattern` columns, the console line and `flow.comment`, "
    "`toolguard run`, `toolguard show` and `toolguard reexplain` all apply this one decision "
    "(`toolguard_core.verdict.judge`).",
)

#: What an unconfirmed finding (:attr:`Answer.CONTRADICTS`) is, in words: ``toolguard show``, the
#: summary (every format) and ``toolguard run`` say it after the rule ids.
UNCONFIRMED_WORDS = (
    "not confirmed by this answer: the upstream rejected the request for another problem it names "
    "precisely, before it judged what the finding flags (neither a false alarm nor a confirmation)"
)

#: Each verdict in words, for reports that a person reads (`toolguard run`, `toolguard show`, HTML).
VERDICT_WORDS: dict[str, str] = {
    Verdict.PREDICTED: "rejected by the upstream, as toolguard predicted",
    Verdict.RECOGNISED: "rejected by the upstream for a known root cause; no rule is credited with it",
    Verdict.UNEXPLAINED: "rejected by the upstream; neither a rule nor a known root cause explains it",
    Verdict.FALSE_ALARM: "accepted by the upstream despite an error finding (a false alarm)",
    Verdict.NO_ANSWER: "no answer from the upstream",
    Verdict.ACCEPTED: "accepted by the upstream (its findings are warnings)",
    Verdict.BLOCKED: "answered by toolguard with the provider's error (block mode); never sent upstream",
    Verdict.REPAIRED: "repaired by toolguard, then accepted by the upstream",
    Verdict.REPAIR_FAILED: "repaired by toolguard, still rejected by the upstream",
}


def verdict_words(verdict: str | None) -> str:
    """The verdict in words; a flow stored without one (an old row) says so."""
    return VERDICT_WORDS.get(verdict or "", f"verdict {verdict}" if verdict else "no verdict")


def answered_by(status: int | None, verdict: str | None) -> str:
    """Who answered with ``status``, in words: the upstream, or toolguard itself for a blocked request
    (block mode answers with the provider's error; no upstream ever saw it, docs/modes.md)."""
    if verdict == Verdict.BLOCKED:
        return f"toolguard answered {status} itself (block mode; never sent upstream)"
    return f"upstream answered {status}"


#: Said after the status of a rejection that came with a 2xx status (an error event inside a stream, or
#: an error body such as an HTML page: capture.error_in_2xx_body), by ``toolguard show``, the console
#: line, the run report and the summary alike: "recognised: HTTP 200" alone read as an accepted request.
IN_STREAM_WORDS = " (an error inside the answer, not an error status)"


#: Said of an answer that started and then broke off (:func:`answer_broke_off`) by the console line,
#: ``toolguard run``'s report, ``toolguard show`` and the HTML report: "accepted by the upstream" alone
#: read as a whole answer when the client had crashed on the half it got (trial21a).
BROKE_OFF_WORDS = "the answer broke off before its end: the client got an incomplete answer"


def answer_broke_off(status: int | None, verdict: str | None, flow_error: str | None) -> bool:
    """Did an answer start (a status came) and then break off (``flow_error``: the upstream dropped the
    connection mid-stream, or the client went away)? A rejection's error is its answer, and a flow
    without a status is ``no_answer``: neither is counted here. Such a flow is stored
    (:func:`should_store`: an interruption) under the verdict of the part that came."""
    return (
        status is not None
        and bool(flow_error)
        and verdict not in REJECTED_VERDICTS
        and verdict not in _NOT_BROKE_OFF
    )


_NOT_BROKE_OFF = (Verdict.NO_ANSWER, Verdict.BLOCKED)

#: How the ``flow_error`` of a 200 stream that ended without its end event begins (the upstream closed
#: the answer cleanly, with no ``data: [DONE]``, ``finish_reason``, ``message_stop``, ``response.completed``
#: or Gemini ``finishReason``: sse.SSETap.ended_without_end; trial22). No flow error came from
#: mitmproxy, so toolguard writes this one: the flow is stored as an interruption and is an answer that
#: broke off (:func:`answer_broke_off`), counted apart ("N streams ended without their end event").
ENDED_EARLY = "toolguard: the stream ended without its end event"
#: The whole ``flow_error`` text (:data:`ENDED_EARLY` and what was missing, and what it may be).
ENDED_EARLY_ERROR = (
    f"{ENDED_EARLY} (no [DONE], finish_reason, message_stop, response.completed or finishReason): "
    "the upstream closed it mid-answer (a server that stopped, a gateway's timeout)"
)


def ended_early(flow_error: str | None) -> bool:
    """Is ``flow_error`` toolguard's own for a stream that ended without its end event?"""
    return bool(flow_error) and flow_error.startswith(ENDED_EARLY)  # type: ignore[union-attr]


def ended_early_sql(alias: str = "") -> str:
    """:func:`ended_early` over a ``flows`` row in SQL (both stores; ENDED_EARLY holds no LIKE wildcard)."""
    t = f"{alias}." if alias else ""
    return f"{t}flow_error like '{ENDED_EARLY}%'"


def broke_off_sql(alias: str = "") -> str:
    """:func:`answer_broke_off` over a ``flows`` row in SQL (both stores), for the counts of stored rows;
    ``alias``: the flows table's alias in the query (``"f"``), or none."""
    t = f"{alias}." if alias else ""
    excluded = ", ".join(f"'{v.value}'" for v in sorted({*REJECTED_VERDICTS, *_NOT_BROKE_OFF}))
    return (
        f"{t}status is not null and {t}flow_error is not null and {t}flow_error != '' "
        f"and {t}verdict not in ({excluded})"
    )


def rejection_status(status: int) -> str:
    """The status of a stored rejection in words: a 2xx one came inside the answer, as an error event in
    its stream or an error body (the summary's groups said "status 200" alone; trial19)."""
    return f"{status}{IN_STREAM_WORDS}" if not rejected(status, False) else str(status)


def rejection_statuses(statuses: Iterable[int], sep: str = ", ") -> str:
    """A failure group's statuses (:func:`rejection_status` each), joined by ``sep``."""
    return sep.join(rejection_status(status) for status in statuses)


def rejected(status: int | None, stream_error: bool) -> bool:
    """Did the upstream reject the request? A status >= 400, or (``stream_error``) an error inside a 2xx
    answer: an error event in its stream or an error body (capture.error_in_2xx_body)."""
    return (status is not None and status >= 400) or stream_error


def verdict(
    has_error_finding: bool,
    status: int | None,
    stream_error: bool,
    flow_error: str | None,
    *,
    blocked: bool = False,
    repaired: bool = False,
) -> str:
    """One :class:`Verdict` value for a stored flow.

    ``blocked``: the proxy answered the request itself (block mode); ``repaired``: the request went
    upstream with toolguard's repairs applied (repair mode), so the upstream's answer judges the repair.

    ``status`` is ``None`` when no response arrived; ``flow_error`` is mitmproxy's ``flow.error.msg``
    (kept in the row, not needed for the decision: with no status there is no answer whatever the
    reason, and with a status the upstream has answered even if the flow failed afterwards).
    """
    del flow_error  # the reason matters for the row, not for the verdict (see the docstring)
    if blocked:
        return Verdict.BLOCKED.value
    if status is None and not stream_error:
        return Verdict.NO_ANSWER.value
    if repaired:
        return (Verdict.REPAIR_FAILED if rejected(status, stream_error) else Verdict.REPAIRED).value
    if rejected(status, stream_error):
        return (Verdict.PREDICTED if has_error_finding else Verdict.UNEXPLAINED).value
    return (Verdict.FALSE_ALARM if has_error_finding else Verdict.ACCEPTED).value


@functools.cache
def status_tier() -> str:
    """The wording "provider" of the catalogue's last tier, the HTTP status alone (causes.STATUS), as
    generated into toolguard_core/cause_rules.py (reading it does not load the catalogue)."""
    from toolguard_core.cause_rules import STATUS_TIER

    return STATUS_TIER


#: Statuses whose status-tier root cause does not discredit a finding: llama.cpp (and servers whose
#: Jinja chat templates raise) answer a malformed request with 500 (providers.md; mistral-vibe#1006).
AMBIGUOUS_STATUSES = frozenset({"500"})
#: The rule family whose wordings say the upstream could not read the body at all (rules/body.py).
UNREADABLE_BODY_FAMILY = "body"


@functools.cache
def _unreadable_body_rules() -> frozenset[str]:
    from toolguard_core.rules import RULES  # lazily: the rules import much more than this module needs

    return frozenset(rule.id for rule in RULES.values() if rule.family == UNREADABLE_BODY_FAMILY)


@functools.cache
def about_the_target() -> frozenset[str]:
    """Root causes about where the request went (which model, which endpoint), not what it carried:
    such an answer neither confirms nor refutes a finding about the request's content (walkthrough of
    2026-11-30: Ollama's 404 "model not found" was counted as confirming sequence.orphan-tool-message).
    The catalogue's ``Cause.about_target``, as generated into toolguard_core/cause_rules.py."""
    from toolguard_core.cause_rules import ABOUT_TARGET

    return ABOUT_TARGET


#: The rules that are about the target themselves, so such an answer may be what they predicted (an
#: Azure api-version too old for a parameter is answered "enabled only for api versions ...").
TARGET_RULE_PREFIXES = ("model.", "model_id.", "endpoint.", "params.azure-api-version")


@functools.cache
def named_request_keys() -> frozenset[str]:
    """Top-level request keys whose naming by an answer is precise enough to contradict a finding
    about something else: the documented chat-completions keys (OpenAI's, Groq's and Mistral's
    schemas, toolguard_core.providers). Not ``messages`` (every message finding is under it) nor
    ``model`` (the target: :func:`about_the_target`). A name outside this set (a value the
    catalogue's pattern caught as a name: "Unsupported value: 'none'") never contradicts."""
    from toolguard_core.providers import GROQ_PARAMS, MISTRAL_PARAMS, OPENAI_PARAMS

    return (OPENAI_PARAMS | GROQ_PARAMS | MISTRAL_PARAMS) - {"messages", "model"}


#: The names these functions had as constants, still importable (PEP 562), computed on first use.
_LAZY = {
    "STATUS_TIER": status_tier,
    "ABOUT_THE_TARGET": about_the_target,
    "NAMED_REQUEST_KEYS": named_request_keys,
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return _LAZY[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_KEY_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL_PART = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _key_parts(path: str | None) -> list[str]:
    """``generationConfig.thinkingConfig[0]`` / ``'body.max_tokens'`` -> ``["generation_config",
    "thinking_config"]`` / ``["max_tokens"]``: a location or a named field in the request's spelling."""
    parts = [_CAMEL_PART.sub(r"_\1", part).lower() for part in _KEY_PART.findall(path or "")]
    return parts[1:] if parts[:1] == ["body"] else parts


def named_key(cause: Mapping[str, Any] | None) -> str | None:
    """The top-level request key the root cause names (its extracted ``param`` or ``field``, else its
    constraint's name), when it is one of :func:`named_request_keys`; else ``None``."""
    if not cause:
        return None
    values = cause.get("values") or {}
    constraint = cause.get("constraint") or {}
    for name in (values.get("param"), values.get("field"), constraint.get("name")):
        parts = _key_parts(name if isinstance(name, str) else None)
        if parts and parts[0] in named_request_keys():
            return parts[0]
    return None


#: A request item named by its index, in an answer's path (``messages.3.user.name``,
#: ``body.messages[3].content``, ``tools.41.custom.input_schema``) or a finding's location
#: (``messages[3].name``, ``tools[0].function.parameters``): chat messages, tools, Responses items.
_ITEM = re.compile(r"^(?:body\.)?(messages|tools|input)(?:\.|\[)(\d+)\]?(?!\w)")


def _item(path: str | None) -> tuple[str, int] | None:
    """``("messages", 3)`` for a path or location inside ``messages[3]``, else ``None``."""
    match = _ITEM.match(path or "")
    return (match.group(1), int(match.group(2))) if match else None


def named_item(cause: Mapping[str, Any] | None) -> tuple[str, int] | None:
    """The request item the root cause's extracted path names by its index (its ``path``, ``field``
    or ``param``: pydantic's ``loc``, Anthropic's ``messages.3.content.0``, Gemini's ``tools[0]...``),
    else ``None``."""
    values = (cause or {}).get("values") or {}
    for name in (values.get("path"), values.get("field"), values.get("param")):
        item = _item(name) if isinstance(name, str) else None
        if item is not None:
            return item
    return None


def _about(location: str | None, key: str) -> bool:
    """Whether a finding at ``location`` is about the request key ``key`` (its first part, or any)."""
    return key in _key_parts(location)


class Judgement(NamedTuple):
    """:func:`judge`'s answer: the :data:`DECISIONS` row, the fired rule credited (``CONFIRMS``), and
    why (``UNRELATED``/``CONTRADICTS``: for the console line, ``toolguard show`` and the summary)."""

    decision: Decision
    rule: str | None = None
    reason: str | None = None

    @property
    def answer(self) -> Answer:
        return self.decision.answer


def judge(
    error_rules: Sequence[str],
    cause: Mapping[str, Any] | None,
    text: str | None,
    *,
    locations: Sequence[str | None] = (),
) -> Judgement | None:
    """What a rejection's answer says about the flow's error findings: the first :data:`DECISIONS`
    row that applies, or ``None`` when the flow has no error finding.

    ``error_rules``: the error-severity findings' rules in finding order; ``locations``: their
    locations in the same order (a ``learned.*`` finding is located at the key it learned, so the
    answer that taught it confirms it again); ``cause``: the root cause as stored (:meth:`~toolguard_core.causes.Recognition.summary`,
    the ``cause_json`` column); ``text``: the error text (:func:`error_text`). Pure and cheap (it runs
    in the writer for every stored rejection)."""
    rules = [rule for rule in dict.fromkeys(error_rules) if rule]
    if not rules:
        return None
    from toolguard_core.patterns import predicting_rules, rules_for_text

    try:
        by_wording = rules_for_text(text)
    except UnicodeError:  # a lone surrogate cannot be fingerprinted: it is no rule's wording
        by_wording = ()
    cause_id = cause.get("cause") if cause else None
    own = [rule for rule in rules if rule in by_wording]
    if cause and cause.get("rule") in rules:
        own.append(str(cause["rule"]))
    predicting = predicting_rules(cause_id) if isinstance(cause_id, str) else frozenset()
    own += [rule for rule in rules if rule in predicting]
    if own:
        return Judgement(DECISIONS_BY_ID["own-rule"], own[0])
    if cause and cause.get("transient"):
        status = (cause.get("values") or {}).get("status")
        if not (cause.get("provider") == status_tier() and status in AMBIGUOUS_STATUSES):
            reason = f"{cause_id}: {cause.get('title') or 'not about the request'}"
            return Judgement(DECISIONS_BY_ID["transient"], reason=reason)
    if cause_id in about_the_target() and not any(rule.startswith(TARGET_RULE_PREFIXES) for rule in rules):
        reason = f"{cause_id}: {(cause or {}).get('title') or 'about the model or endpoint'}"
        return Judgement(DECISIONS_BY_ID["about-target"], reason=reason)
    unreadable = [rule for rule in by_wording if rule in _unreadable_body_rules()]
    if unreadable:
        reason = f"the upstream could not read the body ({unreadable[0]}'s wording)"
        return Judgement(DECISIONS_BY_ID["unreadable-body"], reason=reason)
    item = named_item(cause)
    if item is not None and len(locations) == len(error_rules):
        pairs = list(zip(error_rules, locations, strict=True))
        inside = [rule for rule, location in pairs if rule and _item(location) == item]
        if inside:
            return Judgement(DECISIONS_BY_ID["names-a-finding"], inside[0])
        if item[0] == "messages" and all(
            location and _key_parts(location)[:1] not in (["messages"], []) for location in locations
        ):
            reason = (
                f"the upstream rejected `messages[{item[1]}]` ({cause_id}), which no finding is about: "
                f"{', '.join(rules)} unconfirmed (the request was rejected before the upstream judged it)"
            )
            return Judgement(DECISIONS_BY_ID["names-another-field"], reason=reason)
    key = named_key(cause)
    if key is not None:
        pairs = zip(error_rules, locations, strict=True) if len(locations) == len(error_rules) else ()
        about = [rule for rule, location in pairs if rule and _about(location, key)]
        if about or any(_about(location, key) for location in locations):
            return Judgement(DECISIONS_BY_ID["names-a-finding"], about[0] if about else rules[0])
        reason = (
            f"the upstream rejected `{key}` ({cause_id}), which no finding is about: "
            f"{', '.join(rules)} unconfirmed (the request was rejected before the upstream judged it)"
        )
        return Judgement(DECISIONS_BY_ID["names-another-field"], reason=reason)
    return Judgement(DECISIONS_BY_ID["unspecific"], rules[0])


def unrelated_answer(
    error_rules: Sequence[str],
    cause: Mapping[str, Any] | None,
    text: str | None,
    *,
    locations: Sequence[str | None] = (),
) -> str | None:
    """Why a rejection does not credit the request's error findings (an answer unrelated to them, or
    one that contradicts them), or ``None`` when it confirms them (:func:`judge`)."""
    judgement = judge(error_rules, cause, text, locations=locations)
    if judgement is None or judgement.answer == Answer.CONFIRMS:
        return None
    return judgement.reason


def rejection_verdict(
    error_rules: Sequence[str],
    cause: Mapping[str, Any] | None,
    text: str | None,
    *,
    locations: Sequence[str | None] = (),
) -> Verdict:
    """``predicted``, ``recognised`` or ``unexplained`` for a rejection: the one decision that the
    verdict column, the summary's ``explanation`` column, the console line and the reports share.
    ``locations``: the error findings' locations (:func:`judge`)."""
    return verdict_of(judge(error_rules, cause, text, locations=locations), cause)


def verdict_of(judgement: Judgement | None, cause: Mapping[str, Any] | None) -> Verdict:
    """:func:`rejection_verdict` from a :func:`judge` already made (the writer derives the verdict
    and the credited rule from one judgement: grouping.derive, issue #12)."""
    if judgement is not None and judgement.answer == Answer.CONFIRMS:
        return Verdict.PREDICTED
    return Verdict.RECOGNISED if cause else Verdict.UNEXPLAINED


#: The verdicts :func:`explained` decides again once the answer is read.
_REJECTION_WORDS = frozenset({Verdict.PREDICTED, Verdict.RECOGNISED, Verdict.UNEXPLAINED})


def explained(
    verdict: str | None,
    recognition: Recognition | None,
    *,
    error_rules: Sequence[str],
    text: str | None,
    locations: Sequence[str | None] = (),
) -> str | None:
    """The verdict once the upstream's answer is read (:func:`rejection_verdict`): an ``unexplained``
    rejection whose error text names a known root cause is ``recognised``, and so is a flagged one
    whose answer is unrelated to the findings (a 429). Decided where the row is written (the writer
    thread, :meth:`toolguard_core.capture.Capture.to_row`), by the addon for the console line, and by
    ``toolguard reexplain`` for stored rows. ``error_rules``: the flow's error-severity rules;
    ``locations``: their locations, in the same order (:func:`judge`)."""
    if verdict not in _REJECTION_WORDS:
        return verdict
    return explained_by(
        verdict,
        recognition.summary() if recognition is not None else None,
        error_rules=error_rules,
        text=text,
        locations=locations,
    )


def explained_by(
    verdict: str | None,
    cause: Mapping[str, Any] | None,
    *,
    error_rules: Sequence[str],
    text: str | None,
    locations: Sequence[str | None] = (),
) -> str | None:
    """:func:`explained` from the root cause's summary (the ``cause_json`` column's data), for a
    recognition read elsewhere (the proxy's early reading, :class:`toolguard_core.capture.EarlyAnswer`)."""
    if verdict not in _REJECTION_WORDS:
        return verdict
    return rejection_verdict(error_rules, cause, text, locations=locations).value


def recognise_stored(
    error_json: str | None,
    error_message: str | None,
    *,
    provider: str | None = None,
    finding_rules: Sequence[str] = (),
    status: int | None = None,
    request: Mapping[str, Any] | None = None,
) -> Recognition | None:
    """The root cause of a stored rejection: from its ``error_json`` (the parsed chain, innermost
    provider message first), else from the plain ``error_message``; ``status`` is the last tier.
    ``request``: the stored request body (``causes.request_object``), for the request-aware tier."""
    from toolguard_core.causes import recognise, recognise_error

    error = None
    if error_json:
        try:
            error = UpstreamError.model_validate_json(error_json)
        except ValueError:
            error = None
    if error is not None:
        return recognise_error(
            error, provider=provider, finding_rules=finding_rules, status=status, request=request
        )
    return recognise(error_message, provider=provider, finding_rules=finding_rules) or (
        recognise_error(UpstreamError(message=error_message), status=status, request=request)
        if status or request
        else None
    )


def row_rejected(verdict: str | None, status: int | None, error_message: str | None) -> bool:
    """:func:`rejected` for a stored row: its verdict when it has one, else its status and error
    (an error message on a 2xx row is an error event from the stream)."""
    if verdict:
        return verdict in REJECTED_VERDICTS
    return rejected(status, bool(error_message))


def error_text(error_json: str | None, error_message: str | None) -> str | None:
    """The error text of a rejection: the innermost provider message along the stored ``error_json``
    chain (a gateway's "Provider returned error" gives way to the provider error it wraps, see
    docs/errors.md), else the top-level message. Rules are matched and groups fingerprinted on it."""
    return innermost_message(error_json) or error_message or None


def should_store(
    *,
    has_findings: bool,
    rejected: bool,
    flow_failed: bool,
    stream_complete: bool,
    store_all: bool,
) -> bool:
    """Whether a finished flow becomes a row: findings, a rejection, an interrupted flow (a client
    that disconnects mid-stream lands in the ``error`` hook), or ``toolguard_store_all``.

    A flow error after a complete, accepted stream is not an interruption: the openai SDK closes the
    connection right after ``data: [DONE]``, which can beat mitmproxy to the end of the message."""
    interrupted = flow_failed and not (stream_complete and not rejected)
    return has_findings or rejected or interrupted or store_all


#: How the proxy's start-up line begins, once its store is open: ``toolguard run`` and the tests wait
#: for it (the rest says what :func:`should_store` keeps, and where).
STORE_READY = "toolguard: writing "


def store_ready_line(db_path: str, run_id: str, *, store_all: bool) -> str:
    """The start-up line: what :func:`should_store` keeps, in words, and where. "writing flagged flows
    to" was said with ``toolguard_store_all`` too, when every flow is stored, and never said that a
    rejection or an interrupted flow without a finding is stored as well (session 21)."""
    what = (
        "every flow (toolguard_store_all)"
        if store_all
        else "flows with findings, rejections and interrupted flows"
    )
    return f"{STORE_READY}{what} to {db_path} (run {run_id})"


# Anthropic's Messages API: /v1/messages under any prefix (Anthropic-compatible endpoints put it
# under /anthropic/...), not its /count_tokens and /batches siblings (request.endpoint_kind).
# Gemini's native API: .../models/{model}:generateContent and :streamGenerateContent on any host
# (request.GEMINI_METHODS; the Gemini API, Vertex AI, Code Assist's /v1internal:..., a gateway's copy).
# Bedrock's Converse and Anthropic-model InvokeModel, Claude on Vertex's :rawPredict, Ollama's /api/chat:
# request.NATIVE_PATHS.
DEFAULT_PATHS = (
    r"/chat/completions/?$",
    r"/responses/?$",
    rf"{re.escape(MESSAGES_SUFFIX)}/?$",
    r":(?:streamG|g)enerateContent/?$",
    *NATIVE_PATHS,
)
# The other OpenAI-compatible endpoints: no rules, but a rejection there is stored (as unexplained),
# so an agent's failing embeddings or legacy completions calls show up in the summary too.
DEFAULT_RECORD_PATHS = (
    r"(?<!/chat)/completions/?$",
    r"/(embeddings|moderations)/?$",
    r"/(images|audio)/[a-z_]+/?$",
)


class Scope(StrEnum):
    """What the addon does with a request."""

    #: A chat-completions, Responses or Anthropic Messages path (``toolguard_paths``): validated, stored when flagged.
    VALIDATE = "validate"
    #: A known provider's native path where clients wrongly send chat bodies: validated, kept only
    #: when an ``endpoint.*`` rule fires.
    ENDPOINT = "endpoint"
    #: Another API endpoint (``toolguard_record_paths``): not validated, stored if rejected.
    RECORD = "record"
    IGNORE = "ignore"


def scope(
    *,
    allowed: bool,
    path: str,
    paths: Sequence[re.Pattern[str]],
    record_paths: Sequence[re.Pattern[str]],
    native_chat_path: bool,
) -> Scope:
    """The scope of a request. ``allowed``: a POST to a host ``toolguard_hosts`` lets through;
    ``path``: without the query; ``native_chat_path``: the registry's
    :meth:`~toolguard_core.providers.ProviderRegistry.endpoint_candidate` answer (one cached lookup)."""
    if not allowed:
        return Scope.IGNORE
    if any(p.search(path) for p in paths):
        return Scope.VALIDATE
    if native_chat_path:
        return Scope.ENDPOINT
    if any(p.search(path) for p in record_paths):
        return Scope.RECORD
    return Scope.IGNORE
