"""Root causes named by the upstream's own error text (issue #10, deliverable 1).

A rejection that no request rule flagged is not necessarily unexplained: the provider's sentence
often says exactly what is wrong ("Unsupported value: 'reasoning_effort' does not support 'none'
with this model"). This module is a catalogue of root causes, each with

- a stable id (``cause.param-unsupported`` ...; the vocabulary the labelled corpus uses),
- what is wrong and how to fix it (a template naming the extracted parameter, value, model ...),
- the provider wordings that name it: compiled regexes whose NAMED GROUPS capture what the text
  names (``param``, ``value``, ``model``, ``index``, ``field``, ``role``, ``tool_call_id`` ...),
  each with the real text it was written from (``example``) and that text's source URL,
- the rule id that predicts it on the request side, when one exists (``docs/rules.md``),
- how a match becomes a :class:`Constraint` (what the upstream rejected: a parameter, a field, a
  value, a role, a content type, a tool-choice form, a message field) for the learned constraints
  of #10.3. Causes that say nothing about the host (an orphan tool message, a rate limit) have none.

:func:`recognise` matches one message; :func:`recognise_error` takes a parsed
:class:`~toolguard_core.upstream_errors.UpstreamError` and tries the innermost provider message first
(OpenRouter's ``metadata.raw``, relays, FastAPI/pydantic ``detail`` lists are already unwrapped by the
parser), then the error codes/types that name a cause (``context_length_exceeded``,
``overloaded_error`` ..., then the providers' documented vocabularies in :data:`CODES`), then the
structural recognisers (:data:`STRUCTURAL`): family phrases rather than one provider's sentence,
ranked, for text no catalogued sentence was written from; and last, lowest-ranked and saying so,
the HTTP status alone (:data:`STATUS`: 401 auth, 429 rate limit, 503 overloaded ...).

Matching rules (why the catalogue is ordered): causes are tried in catalogue order and the first
wording that matches wins, so specific sentences come before generic ones ("Unsupported parameter:
'max_tokens' ... Use 'max_completion_tokens'" before "Unsupported parameter: 'X'"). (Picking the
earliest match in the text instead was tried on the development split: no better, and it lets a
generic lead-in beat the specific sentence after it.) A few generic sentences are refined by what
they name, through declared tables: :data:`PARAM_CAUSES` (the parameter a model-scoped rejection
names: ``top_p`` on "this model" is a sampling parameter on a reasoning model),
:data:`GENERATION_PARAMS` (a server saying it does not support ``functions`` rejects a parameter,
not an unknown field; a schema-strictness error such as pydantic's ``extra_forbidden`` rejects any
key outside its schema and stays an extra field), and the ``loc`` path of pydantic and Bedrock
errors (``body.messages.0.user.name`` is a message field, ``body.stream_options`` a request field,
``#/toolConfig/tools/1/...`` a tool schema).

Ids: :data:`VOCABULARY` is the root-cause vocabulary of issue #10 (kept identical);
:data:`EXTENSIONS` are further ids the corpus engineers label with; :data:`UNCATALOGUED` lists
vocabulary ids no real provider sentence was found for (never invented). Wordings that are error
codes/types (``context_length_exceeded``, ``overloaded_error``) are matched whole, after every
message wording failed.

One sentence, several causes: OpenAI answers an orphan tool message, a duplicate tool answer, a
tool answer with an unknown id and a non-adjacent tool answer with the same sentence ("Messages with
role 'tool' must be a response to a preceding message with 'tool_calls'"). What the text allows us to
say is the shared cause: a tool message without a preceding call (``cause.orphan-tool-result``). Which
of the rules it was is decided by the request, not by the text: pass the flow's error-finding rules as
``finding_rules`` and a rule listed in the wording's ``shared_by`` becomes the recognition's
``rule_id``, so the summary can keep the orphan and the duplicate groups apart.

Pure: no mitmproxy import, no I/O. Never raises on any input (a bug here must not reach the proxy).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from toolguard_core import catalog
from toolguard_core.engines import SIGNATURES as _ENGINE_SIGNATURES
from toolguard_core.learned_forms import (
    THOUGHT_SIGNATURE,
    id_shape,
    message_roles,
    tool_call_ids,
    unsigned_calls,
)
from toolguard_core.locations import dotted, iter_pairs, parse_location
from toolguard_core.providers import GROQ_MESSAGE_KEYS, OPENAI_PARAMS
from toolguard_core.request import CONVERSE, GEMINI, MESSAGES, RESPONSES, EndpointKind
from toolguard_core.rules.content import OPENAI_PART_TYPES as _CHAT_PART_TYPES
from toolguard_core.rules.responses import INPUT_PART_TYPES as _RESPONSES_PART_TYPES
from toolguard_core.rules.schemas import COMMON_KEYWORDS, schema_keywords
from toolguard_core.upstream_errors import MAX_MESSAGE_CHARS, UpstreamError

__all__ = [
    "API_TERMS",
    "CAUSES",
    "CAUSES_BY_ID",
    "CODES",
    "EXTENSIONS",
    "FOREIGN_BODY_KEYS",
    "FRAMEWORKS",
    "GENERATION_PARAMS",
    "OWN_CAUSE_PARAMS",
    "PARAM_CAUSES",
    "REQUEST_TIER",
    "STATUS",
    "STATUS_ONLY",
    "STRUCTURAL",
    "UNCATALOGUED",
    "VOCABULARY",
    "ApiKind",
    "Cause",
    "Constraint",
    "ConstraintKind",
    "ConstraintSpec",
    "FaultKind",
    "Framework",
    "Recognition",
    "Wording",
    "api_kind",
    "generic_fix",
    "recognise",
    "recognise_error",
    "recognise_request",
    "request_object",
    "status_contradicted",
]

ConstraintKind = Literal[
    "param",
    "field",
    "value",
    "role",
    "content_type",
    "tool_choice",
    "message_field",
    # Issue 10.3, learn9: a keyword at any depth of a tool's or response format's schema (value: the
    # container), a tool-call id's shape (value), a replayed function call without a field (name).
    "schema_keyword",
    "id_format",
    "missing_field",
    # A numeric bound the text states and the request broke (value: "<16", ">4096").
    "bound",
]

#: The APIs a fix can be worded for (``toolguard_core.request.EndpointKind``'s values).
ApiKind = Literal["chat", "responses", "messages"]

#: What each API calls the parts a fix names (precision pass 2, issue #10): a fix template says
#: ``{api_tool_result}`` and is rendered in the words of the API the rejected request spoke. Chat
#: completions answer a call (``tool_calls``) with a ``tool`` message; the Messages API answers a
#: ``tool_use`` block with a ``tool_result`` block in the next user message
#: (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use); the
#: Responses API answers a ``function_call`` item with a ``function_call_output`` item of the same
#: ``call_id`` (https://platform.openai.com/docs/guides/function-calling).
API_TERMS: Mapping[ApiKind, Mapping[str, str]] = {
    "chat": {
        "api_tool_result": "tool message",
        "api_tool_call": "tool call",
        "api_call_id": "tool_call_id",
        "api_call_site": "the assistant message whose tool_calls contain its id",
        "api_call_turn": "the assistant message that made it",
    },
    "messages": {
        "api_tool_result": "tool_result block",
        "api_tool_call": "tool_use block",
        "api_call_id": "tool_use_id",
        "api_call_site": "the assistant message whose tool_use block has its id (in the next user message)",
        "api_call_turn": "the assistant message that made it (first in the next user message)",
    },
    "responses": {
        "api_tool_result": "function_call_output item",
        "api_tool_call": "function_call item",
        "api_call_id": "call_id",
        "api_call_site": "the function_call item with its call_id in input (or a previous_response_id whose response made the call)",
        "api_call_turn": "the function_call item that made it",
    },
}

#: The root-cause ids the labelled corpus uses (issue #10). Keep identical; never reuse an id.
VOCABULARY: tuple[str, ...] = (
    "cause.param-unsupported",
    "cause.param-value-unsupported",
    "cause.param-type-invalid",
    "cause.max-tokens-not-supported",
    "cause.max-tokens-too-large",
    "cause.context-length-exceeded",
    "cause.model-no-tools",
    "cause.model-no-vision",
    "cause.model-no-audio",
    "cause.model-no-system-role",
    "cause.model-not-found",
    "cause.reasoning-effort-unsupported",
    "cause.sampling-on-reasoning-model",
    "cause.tool-choice-unsupported",
    "cause.parallel-tool-calls-unsupported",
    "cause.role-order",
    "cause.system-not-first",
    "cause.last-message-assistant",
    "cause.extra-message-field",
    "cause.extra-request-field",
    "cause.tool-schema-invalid",
    "cause.response-format-invalid",
    "cause.tools-with-json-mode",
    "cause.content-array-unsupported",
    "cause.empty-content",
    "cause.invalid-image",
    "cause.tool-call-id-invalid",
    "cause.tool-name-invalid",
    "cause.orphan-tool-result",
    "cause.missing-tool-result",
    "cause.thinking-block-missing",
    "cause.thought-signature-missing",
    "cause.reasoning-item-missing",
    "cause.previous-response-not-found",
    "cause.item-id-prefix",
    "cause.wrong-endpoint",
    "cause.auth",
    "cause.rate-limit",
    "cause.quota",
    "cause.server-error",
    "cause.overloaded",
    "cause.moderation",
)

#: Vocabulary ids with no catalogue entry yet: no real provider sentence for them was found (a
#: wording is never invented). ``cause.model-no-audio``: the only audio 400 seen is the reverse case
#: ("This model requires that either input content or output modality contain audio").
UNCATALOGUED: tuple[str, ...] = ("cause.model-no-audio",)

#: Cause ids beyond :data:`VOCABULARY` that the corpus engineers label with (issue #9 corpus).
EXTENSIONS: tuple[str, ...] = (
    "cause.temperature-with-top-p",
    "cause.thinking-budget-invalid",
    "cause.tool-config-missing",
    "cause.tool-arguments-invalid",
    "cause.model-no-json-mode",
    "cause.too-many-images",
    "cause.chat-template-missing",
    "cause.chat-template-error",
    "cause.reserved-keyword-in-system",
    "cause.item-reference-without-store",
    "cause.duplicate-item",
    "cause.too-many-cache-breakpoints",
    "cause.tool-name-reserved",
    "cause.tools-empty",
    "cause.region-unavailable",
    "cause.messages-missing",
    # Precision pass 2 (issue #10): a body over the API's byte limit is not the context window, and
    # tool_choice sent without tools is not a tool_choice form the server refuses.
    "cause.request-too-large",
    "cause.tool-choice-without-tools",
)


@dataclass(frozen=True, slots=True)
class Constraint:
    """What an upstream rejected, in a form a later request can be compared with (#10.3)."""

    kind: ConstraintKind
    name: str | None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class ConstraintSpec:
    """How a match becomes a :class:`Constraint`: a fixed name/value or the value of a named group."""

    kind: ConstraintKind
    name: str | None = None
    name_group: str | None = None
    value: str | None = None
    value_group: str | None = None

    def build(self, values: Mapping[str, str]) -> Constraint | None:
        name = values.get(self.name_group) if self.name_group else self.name
        value = values.get(self.value_group) if self.value_group else self.value
        if self.name_group and not name:
            return None  # the text did not say what was rejected: nothing to learn
        return Constraint(kind=self.kind, name=name, value=value)


@dataclass(frozen=True, slots=True)
class Wording:
    """One provider sentence (or error code) that names a cause.

    ``example`` is the real text the pattern was written from, quoted from ``source``; the tests
    check that every pattern matches its example. ``on`` says what the pattern is matched against:
    the provider's message, or its error ``code``/``type`` (matched whole).
    """

    provider: str
    pattern: re.Pattern[str]
    source: str
    example: str
    rule_id: str | None = None
    #: Other rules whose failure the provider reports with this same sentence (see the module doc).
    shared_by: tuple[str, ...] = ()
    #: (rule, cause) pairs: when the flow's own finding is that rule, the request shows which cause the
    #: shared sentence stands for (vLLM's "roles must alternate" for a system message is that the model
    #: takes no system role), so the recognition names that cause, not the sentence's.
    cause_by_rule: tuple[tuple[str, str], ...] = ()
    on: Literal["message", "code", "status"] = "message"
    #: The sentence says the model rejects it ("with this model"): :data:`PARAM_CAUSES` may refine it.
    model_scoped: bool = False
    #: The server says it does not support the named key (not a schema-strictness error such as
    #: pydantic's "Extra inputs are not permitted", which rejects any key outside its schema): a
    #: standard generation parameter named here is ``cause.param-unsupported``, not an unknown field.
    names_parameters: bool = False
    #: No built-in rule predicts what this sentence reports (the cause's rule would be a wrong claim);
    #: a rule in ``shared_by`` that the flow itself raised is still picked.
    no_rule: bool = False
    #: Overrides the cause's constraint for this wording; ``no_constraint`` drops it.
    constraint: ConstraintSpec | None = None
    no_constraint: bool = False
    #: The fix in this wording's own API vocabulary, where it differs from the cause's (an Anthropic
    #: Messages ``tool_result`` block or a Responses ``function_call_output`` is not a "tool message").
    fix: str | None = None
    #: A weak signal, not claimed when the same text says the request was refused as invalid
    #: (:data:`REFUSED_AS_INVALID`): a retry delay in seconds is a limiter's answer, but a client's own
    #: retry loop prints one after any error ("Unsupported parameter: ..., round 5 exhausted, retry in 3.8s").
    weak: bool = False


@dataclass(frozen=True, slots=True)
class Cause:
    id: str
    title: str
    fix: str
    wordings: tuple[Wording, ...]
    rule_id: str | None = None
    constraint: ConstraintSpec | None = None
    #: Not a property of the request (credentials, limits, the server's health): retrying or an
    #: account change fixes it, and nothing is learned about the host's request constraints.
    transient: bool = False
    #: About where the request went (which model, which endpoint or API version), not what it
    #: carried: such an answer neither confirms nor refutes a finding about the request's content
    #: (toolguard_core.verdict.unrelated_answer).
    about_target: bool = False
    #: The rule that predicts this cause on an API its ``rule_id`` does not check (an Anthropic
    #: Messages or a Gemini request is never judged by a Chat Completions rule: rules.registry.rule_apis),
    #: as (API, rule) pairs. An API neither names has no rule that predicts the cause: a report says so
    #: rather than name another API's rule (generated into toolguard_core/cause_rules.py).
    api_rules: tuple[tuple[EndpointKind, str], ...] = ()


#: Labels the corpora have used that are not catalogue causes, and the cause that names the same root
#: cause instead (issue #10, round 20; docs/causes.md "Label conventions"): (retired label, the cause used
#: for it, why). A row labelled with a retired label could never agree, whatever the text said; the
#: development and probe rows now carry the cause instead (held-out rows are never read and may still
#: carry a retired label: they then count as disagreeing).
LABEL_CONVENTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "cause.content-part-unsupported",
        "cause.param-value-unsupported",
        "a content part of a type the server does not take (a document or tool_reference block) is a refused "
        "value of content[].type, as Volcengine's own text says (\"invalid value: `document`, supported values "
        'are ..."); where the server takes only a string and refuses any part, the cause is '
        "cause.content-array-unsupported",
    ),
    (
        "cause.server-bug",
        "cause.server-error",
        "the server or gateway failed on a well-formed request (a relay that cannot parse its upstream's "
        "answer, a server that turns one field into two conflicting ones): the provider failed while "
        "processing it, which is what cause.server-error names",
    ),
)


#: The convention for refusals of ACCESS to a model (issue #10, round 22; docs/causes.md "Label conventions").
ACCESS_REFUSAL_CONVENTION = (
    "a refusal that names the model the credential may not use (Bedrock's \"You don't have access to the model "
    'with the specified model ID", an OpenAI project that "does not have access to model X", a LiteLLM key or '
    'team "not allowed to access model", an organisation that "must be verified to use/stream the model", '
    "Google's \"You don't have access to this model\") is cause.model-not-found, as OpenAI's own sentence and "
    'code already have it ("does not exist or you do not have access to it", model_not_found): the key is '
    "valid, and the fix is another model or access to this one. cause.auth stays for a credential that is "
    "missing, wrong or expired, and for a permission refused without naming a model (an IAM role lacking "
    'Marketplace actions); a gated parameter ("must be verified to generate reasoning summaries") is the '
    "parameter's value refused"
)


@dataclass(frozen=True, slots=True)
class Recognition:
    """A recognised root cause: the cause, what the text named, and what the upstream rejected."""

    cause: Cause
    values: Mapping[str, str]
    constraint: Constraint | None
    rule_id: str | None
    wording: Wording
    message: str
    provider: str | None = None
    #: The API the rejected request spoke (:data:`API_TERMS`): the fix is written in its words.
    api: ApiKind = "chat"
    #: Whether the refused request carries the tool-call id the text names (:data:`_QUOTED_ID_CAUSES`):
    #: None when it was read without the request (:func:`_checked_call_id`).
    id_in_request: bool | None = None

    @property
    def cause_id(self) -> str:
        return self.cause.id

    @property
    def title(self) -> str:
        return self.cause.title

    @property
    def fix(self) -> str:
        """The cause's fix with the extracted values filled in (generic words where the text named none)."""
        values = {**API_TERMS[self.api], **self.values}
        quoted = values.get("tool_call_id")
        if quoted and self.cause.id in _QUOTED_ID_CAUSES and not self.id_in_request:
            # Named as the request's own only when the request carries it (session 21): Anthropic's
            # text quotes the id of a call a truncated or rewritten history may no longer hold.
            values["tool_call_id"] = (
                f"{quoted}, as the upstream's text names it"
                if self.id_in_request is None
                else f"the upstream's text names {quoted}; this request does not carry that id"
            )
        return _render(self.wording.fix or self.cause.fix, values)

    @property
    def labels(self) -> frozenset[str]:
        """Every id a corpus label may use for this rejection: the cause id and the rule id."""
        return frozenset(label for label in (self.cause.id, self.rule_id) if label)

    def matches(self, label: str | None) -> bool:
        return label is not None and label in self.labels

    def summary(self) -> dict[str, object]:
        """A JSON-ready record of the recognition (for a stored flow, the summary, the report)."""
        constraint = self.constraint
        return {
            "cause": self.cause.id,
            "rule": self.rule_id,
            "title": self.cause.title,
            "fix": self.fix,
            "values": dict(self.values),
            "constraint": (
                {"kind": constraint.kind, "name": constraint.name, "value": constraint.value}
                if constraint is not None
                else None
            ),
            "transient": self.cause.transient,
            "provider": self.wording.provider,
            "source": self.wording.source,
        }


# ------------------------------------------------------------------------------------------ helpers

_Q = r"\\?[`'\"]?"  # providers quote names with ', ", ` or not at all


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace("{Q}", _Q), re.IGNORECASE | re.DOTALL)


#: The error texts only one engine writes, as :data:`toolguard_core.engines.SIGNATURES` declares them
#: (the engine, an example, its source): a wording of one of them here reads its provider, source and
#: example from there (``**_ENGINE_TEXTS[id]``), so the two tables cannot drift. Its pattern is its
#: own: a wording captures the values its cause names, a signature only finds the engine.
_ENGINE_TEXTS: dict[str, dict[str, str]] = {
    s.id: {"provider": s.engine, "source": s.source, "example": s.example} for s in _ENGINE_SIGNATURES
}


#: A text saying the server validated the request and refused it (a required field, a bound, an
#: unsupported key or value): no status-only guess and no weak family (:attr:`Wording.weak`) stands
#: next to it. Declared once for both (:data:`_STATUS_CONTRADICTIONS`, :func:`_recognise_structural`).
REFUSED_AS_INVALID = re.compile(
    r"\b(?:is|are) required\b|\brequired (?:field|parameter)\b|\bmust be\b|\bshould be\b|"
    r"\bis not supported\b|\bunsupported\b",
    re.IGNORECASE,
)


def _code(code: str) -> re.Pattern[str]:
    return re.compile(re.escape(code), re.IGNORECASE)


# The catalogue's message tiers try a few hundred case-insensitive patterns in rank order, and a
# regex search over a 1 KB text costs tens of microseconds each: 10-25 ms a text, paid on the event
# loop by the early reading of every rejection whose body is new (Anthropic's carry a request_id, so
# each is; issue #12: nothing slow on the loop). Most patterns cannot match because a word they
# require is absent, so each pattern's required literal runs are read once from its parse tree and a
# substring test on the folded text skips it. The test is sound (it only skips a pattern that cannot
# match): only ASCII literals in mandatory positions are required, and the text is folded as the
# regex engine folds case (the four non-ASCII letters whose simple case mapping is ASCII first).
_ASCII_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_MIN_LITERAL = 3


def fold_for_prefilter(text: str) -> str:
    """``text`` as :func:`could_match` compares it: ASCII letters lower-cased after the four
    non-ASCII letters that match an ASCII one under ``re.IGNORECASE`` are mapped to it."""
    return text.translate(_ASCII_FOLD).lower() if not text.isascii() else text.lower()


def _requirements(items: Any) -> list[tuple[str, ...]]:
    """What every match of ``items`` (a parsed sequence) contains: a list of groups, each a tuple of
    lower-cased ASCII runs of which at least one occurs (one run for a plain literal; one run per
    alternative for a branch in a mandatory position)."""
    from re import _constants as c  # the parser's opcodes (stdlib, stable since 3.11)

    groups: list[tuple[str, ...]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= _MIN_LITERAL:
            groups.append(("".join(run),))
        run.clear()

    for op, av in items:
        if op is c.LITERAL and av < 128:
            run.append(chr(av).lower())
            continue
        flush()
        if op is c.SUBPATTERN:
            groups.extend(_requirements(av[3]))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            groups.extend(_requirements(av[2]))
        elif op is c.ATOMIC_GROUP:
            groups.extend(_requirements(av))
        elif op is c.BRANCH:
            best: list[str] = []
            for alternative in av[1]:
                singles = [group[0] for group in _requirements(alternative) if len(group) == 1]
                if not singles:
                    break  # an alternative that requires nothing: the branch requires nothing
                best.append(max(singles, key=len))
            else:
                groups.append(tuple(best))
        # anything else (classes, assertions, back references) requires no literal
    flush()
    return groups


_REQUIRED: dict[re.Pattern[str], tuple[tuple[str, ...], ...]] = {}


def required_literals(pattern: re.Pattern[str]) -> tuple[tuple[str, ...], ...]:
    """What every match of ``pattern`` contains (:func:`_requirements`), the most selective three."""
    known = _REQUIRED.get(pattern)
    if known is None:
        from re import _parser

        try:
            groups = _requirements(_parser.parse(pattern.pattern, pattern.flags))
        except Exception:  # defensive: an unparsable pattern is simply never skipped
            groups = []
        unique = sorted(set(groups), key=lambda group: (len(group), -min(map(len, group))))
        known = _REQUIRED[pattern] = tuple(unique[:3])
    return known


def could_match(pattern: re.Pattern[str], folded: str) -> bool:
    """False only when ``pattern`` cannot match the text ``folded`` (:func:`fold_for_prefilter`) was
    made from."""
    groups = _REQUIRED.get(pattern)
    if groups is None:
        groups = required_literals(pattern)
    for group in groups:
        for run in group:
            if run in folded:
                break
        else:
            return False
    return True


_PARAM = ConstraintSpec("param", name_group="param")
_VALUE = ConstraintSpec("value", name_group="param", value_group="value")
_FIELD = ConstraintSpec("field", name_group="field")
_MESSAGE_FIELD = ConstraintSpec("message_field", name_group="field")

# --------------------------------------------------------------------------------------- catalogue
# Ordered from specific to generic (the first matching wording wins). Sources are public threads;
# the example is the text as quoted there (ids and numbers kept).

_TOOL_ORPHAN_EXAMPLE = "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"
_TOOL_UNANSWERED_EXAMPLE = (
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
    "'tool_call_id'. The following tool_call_ids did not have response messages: call_mjLuNyXNHoUIXHiBtXhaWdxN"
)


def _qwen_thinking_non_stream(provider: str, pattern: str, source: str, example: str) -> Wording:
    """One of the Qwen hosts' wordings for thinking left on in a non-streaming call: each names the
    same rule and the same refused value (enable_thinking=true), declared here once."""
    return Wording(
        provider=provider,
        pattern=_re(pattern),
        source=source,
        example=example,
        rule_id="quirks.qwen-thinking-non-stream",
        constraint=ConstraintSpec("value", name="enable_thinking", value="true"),
    )


#: Gemini's free tier used up: not a rate limit that backoff gets past. "Requests per day (RPD) quotas
#: reset at midnight Pacific time"; billing moves the project to a paid tier
#: (https://ai.google.dev/gemini-api/docs/rate-limits).
_FREE_TIER_FIX = (
    "The Google project's free tier has no quota left for this model[[ ({model})]][[ (limit {limit})]]: enable "
    "billing on the project (a paid tier) or use a model the free tier covers; a free-tier daily limit resets at "
    "midnight Pacific time, so retrying with backoff does not help."
)


CAUSES: tuple[Cause, ...] = (
    Cause(
        id="cause.orphan-tool-result",
        title="A tool result answers no tool call of the assistant message before it.",
        fix="Send each {api_tool_result}[[ ({api_call_id} {tool_call_id})]] right after {api_call_site}, once; drop results whose call was removed or already answered.",
        rule_id="sequence.orphan-tool-message",
        api_rules=(
            (RESPONSES, "responses.orphan-function-call-output"),
            (MESSAGES, "anthropic.orphan-tool-result"),
        ),
        wordings=(
            Wording(
                provider="openai",
                # Names the id: the tool message answers an id the previous assistant message did not call.
                pattern=_re(
                    r"{Q}tool_call_id{Q} of {Q}(?P<tool_call_id>[\w:.-]{1,200}){Q} not found in {Q}tool_calls{Q} of "
                    r"previous message"
                ),
                source="https://github.com/dapr/dapr-agents/issues/145",
                example="Invalid parameter: 'tool_call_id' of 'call_XXXXXXXXX' not found in 'tool_calls' of previous message.",
                rule_id="sequence.unknown-tool-call-id",
                shared_by=("sequence.orphan-tool-message", "sequence.non-adjacent-tool-response"),
            ),
            Wording(
                provider="openai",
                # The older wording of OpenAI's orphan sentence ("must follow a preceding message").
                pattern=_re(
                    r"messages with role {Q}tool{Q} must follow a preceding message with {Q}tool_calls{Q}"
                ),
                source="https://github.com/brainlid/langchain/issues/244",
                example='Invalid parameter: messages with role "tool" must follow a preceding message with "tool_calls".',
                shared_by=(
                    "sequence.duplicate-tool-response",
                    "sequence.unknown-tool-call-id",
                    "sequence.non-adjacent-tool-response",
                ),
            ),
            Wording(
                provider="bedrock",
                # Converse counts results against the previous turn's toolUse blocks (orphan or duplicate).
                pattern=_re(
                    r"The number of toolResult blocks at messages?\.(?P<index>\d+)\.content exceeds the number "
                    r"of toolUse blocks of previous turn"
                ),
                source="https://github.com/Just-Curieous/Curie/issues/16",
                example=(
                    "The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of "
                    "previous turn."
                ),
                shared_by=("sequence.duplicate-tool-response",),
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"messages with role {Q}tool{Q} must be a response to a prece+ding message with {Q}tool_calls{Q}"
                ),
                source="https://github.com/qwersyk/Newelle/issues/425",
                example=_TOOL_ORPHAN_EXAMPLE,
                shared_by=(
                    "sequence.duplicate-tool-response",
                    "sequence.unknown-tool-call-id",
                    "sequence.non-adjacent-tool-response",
                ),
            ),
            Wording(
                provider="dashscope",
                pattern=_re(
                    r"messages with role {Q}tool{Q} must be a response to a prece+ding message with {Q}tool_calls{Q}"
                ),
                source="https://github.com/philschmid/mcp-openai-gemini-llama-example/pull/5",
                example=(
                    '<400> InternalError.Algo.InvalidParameter: messages with role "tool" must be a response '
                    'to a preceeding message with "tool_calls".'
                ),
                shared_by=("sequence.duplicate-tool-response", "sequence.unknown-tool-call-id"),
            ),
            Wording(
                provider="anthropic",
                pattern=_re(
                    r"(?:messages\.(?P<index>\d+)\.content\.\d+: )?unexpected {Q}tool_use_id{Q} found in "
                    r"{Q}tool_result{Q} blocks: (?P<tool_call_id>[\w-]+)"
                ),
                source="https://github.com/anthropics/claude-code/issues/13460",
                example=(
                    "messages.48.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_..... "
                    "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"No tool call found for function call output with call_id (?P<tool_call_id>[\w:-]+)"
                ),
                source="https://github.com/continuedev/continue/issues/10092",
                example="No tool call found for function call output with call_id call_uelfkqtHfJDC4Btqeoozq82e.",
                rule_id="responses.orphan-function-call-output",
                fix=(
                    "Send each function_call_output[[ (call_id {tool_call_id})]] with the function_call item of "
                    "the same call_id before it in input (or a previous_response_id whose response made the "
                    "call); drop outputs whose call was removed."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Duplicate function_call_output for call_id {Q}(?P<tool_call_id>[^'\"`]+){Q}"),
                source="https://github.com/NousResearch/hermes-agent/issues/102629",
                example=(
                    "Duplicate function_call_output for call_id 'terminal:0'. Each function_call must have "
                    "exactly one matching function_call_output"
                ),
                rule_id="responses.duplicate-function-call-output",
                fix="Send one function_call_output per call_id[[ ({tool_call_id})]]; drop the repeated one.",
            ),
        ),
    ),
    Cause(
        id="cause.missing-tool-result",
        title="An assistant tool call is not answered by a tool result right after it.",
        fix="Answer every {api_tool_call}[[ ({tool_call_id})]] with a {api_tool_result} immediately after {api_call_turn}, before anything else; send a placeholder result for a call that was cancelled.",
        rule_id="sequence.unanswered-tool-call",
        api_rules=(
            (RESPONSES, "responses.unanswered-function-call"),
            (MESSAGES, "anthropic.tool-use-without-result"),
            (GEMINI, "gemini.function-response-count"),
            (CONVERSE, "converse.tool-result-pairing"),
        ),
        wordings=(
            Wording(
                provider="bedrock",
                pattern=_re(
                    r"Expected toolResult blocks at messages\.(?P<index>\d+)\.content for the following Ids: "
                    r"(?P<tool_call_id>[\w.:-]{1,200})"
                ),
                source="https://github.com/camel-ai/camel/issues/3954",
                example=(
                    "An error occurred (ValidationException) when calling the Converse operation: Expected toolResult "
                    "blocks at messages.2.content for the following Ids: tooluse_bRX9ftpYK3xO5tev2x4qtc"
                ),
            ),
            Wording(
                provider="mistral",
                pattern=_re(r"Not the same number of function calls and responses"),
                source="https://github.com/camel-ai/camel/issues/1467",
                example="Not the same number of function calls and responses",
            ),
            Wording(
                provider="gemini",
                pattern=_re(
                    r"number of function response parts is equal to the number of function call parts"
                ),
                source="https://github.com/google-gemini/gemini-cli/issues/4217",
                example=(
                    "Please ensure that the number of function response parts is equal to the number of function "
                    "call parts of the function call turn."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"An assistant message with {Q}tool_calls{Q} must be followed by tool messages responding "
                    r"to each {Q}tool_call_id{Q}(?:.{0,80}?did not have response messages: "
                    # DashScope names the message index instead of the id: "message[532].role".
                    r"(?:message\[(?P<index>\d+)\]\.role|(?P<tool_call_id>[\w:.-]+)))?"
                ),
                source="https://python.langchain.com/docs/troubleshooting/errors/INVALID_TOOL_RESULTS/",
                example=_TOOL_UNANSWERED_EXAMPLE,
                shared_by=("sequence.unknown-tool-call-id", "sequence.non-adjacent-tool-response"),
            ),
            Wording(
                provider="anthropic",
                pattern=_re(
                    r"(?:messages\.(?P<index>\d+): )?{Q}tool_use{Q} ids were found without {Q}tool_result{Q} "
                    r"blocks immediately after: (?P<tool_call_id>[\w-]+)"
                ),
                source="https://github.com/anthropics/claude-code/issues/5060",
                example=(
                    "messages.6: `tool_use` ids were found without `tool_result` blocks immediately after: "
                    "toolu_01AbmHJypDhKqBF7NKdRPJ6d. Each `tool_use` block must have a corresponding "
                    "`tool_result` block in the next message."
                ),
            ),
            Wording(
                provider="anthropic",
                pattern=_re(
                    r"Did not find (?P<count>\d+) tool_result block\(s\) at the beginning of this message"
                ),
                source="https://github.com/anthropics/anthropic-sdk-typescript/issues/653",
                example=(
                    "Did not find 1 tool_result block(s) at the beginning of this message. Messages following "
                    "tool_use blocks must begin with a matching number of tool_result blocks."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(r"No tool output found for function call (?P<tool_call_id>[\w:-]+)"),
                source="https://github.com/tjardoo/openai-client/pull/124",
                example="No tool output found for function call call_XXX.",
                rule_id="responses.unanswered-function-call",
            ),
        ),
    ),
    Cause(
        id="cause.thinking-block-missing",
        title="A replayed assistant turn lacks the reasoning/thinking content the provider requires with thinking on.",
        fix="Send back the assistant's reasoning exactly as received (Anthropic thinking blocks first in the assistant message; DeepSeek/Kimi reasoning_content on every replayed assistant message[[, message {index}]]), or turn thinking off.",
        wordings=(
            Wording(
                provider="anthropic",
                # The replayed thinking blocks were changed (reordered, trimmed, re-serialised): send them verbatim.
                pattern=_re(
                    r"(?:messages\.(?P<index>\d+)\.content\.\d+: )?{Q}thinking{Q} or {Q}redacted_thinking{Q} blocks in the "
                    r"latest assistant message cannot be modified"
                ),
                source="https://github.com/anthropics/claude-code/issues/63574",
                example=(
                    "messages.5.content.3: `thinking` or `redacted_thinking` blocks in the latest assistant message "
                    "cannot be modified. These blocks must remain as they were in the original response."
                ),
            ),
            Wording(
                provider="anthropic",
                pattern=_re(
                    r"Expected {Q}thinking{Q} or {Q}redacted_thinking{Q}, but found {Q}(?P<value>\w+)"
                ),
                source="https://github.com/anomalyco/opencode/issues/3077",
                example=(
                    "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. "
                    "When `thinking` is enabled, a final `assistant` message must start with a thinking block"
                ),
            ),
            Wording(
                provider="deepseek",
                pattern=_re(
                    r"Missing {Q}reasoning_content{Q} field in the assistant message at message index (?P<index>\d+)"
                ),
                source="https://github.com/hotovo/aider-desk/issues/529",
                example=(
                    "Missing `reasoning_content` field in the assistant message at message index 2. For more "
                    "information, please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls"
                ),
                rule_id="quirks.deepseek-reasoning-content-missing",
            ),
            Wording(
                provider="deepseek",
                pattern=_re(
                    r"The {Q}reasoning_content{Q} in the thinking mode must be passed back to the API"
                ),
                source="https://github.com/openclaw/openclaw/issues/73417",
                example="The `reasoning_content` in the thinking mode must be passed back to the API.",
                rule_id="quirks.deepseek-reasoning-content-missing",
            ),
            Wording(
                provider="moonshot",
                pattern=_re(
                    r"thinking is enabled but reasoning_content is missing in assistant tool call message"
                    r"(?: at index (?P<index>\d+))?"
                ),
                source="https://github.com/iOfficeAI/AionUi/issues/2746",
                example="thinking is enabled but reasoning_content is missing in assistant tool call message at index 2",
                rule_id="quirks.moonshot-reasoning-content-missing",
            ),
        ),
    ),
    Cause(
        id="cause.thought-signature-missing",
        title="A replayed Gemini function call lacks the thought_signature it was returned with.",
        fix="Keep the thought_signature of each function call[[ ({name}, position {index})]] and send it back unchanged when replaying the conversation (https://ai.google.dev/gemini-api/docs/thought-signatures).",
        wordings=(
            Wording(
                provider="gemini",
                pattern=_re(
                    r"Function call is missing a thought_signature in functionCall parts"
                    r"(?:.{0,200}?function call {Q}(?P<name>[\w:.-]+){Q}\s*, position (?P<index>\d+))?"
                ),
                source="https://github.com/manthanabc/paws/issues/103",
                example=(
                    "Function call is missing a thought_signature in functionCall parts. This is required for "
                    "tools to work correctly, and missing thought_signature may lead to degraded model "
                    "performance. Additional data, function call `default_api:shell` , position 2. Please refer "
                    "to https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
                ),
            ),
        ),
    ),
    Cause(
        id="cause.reasoning-item-missing",
        title="A Responses API input replays a function call or reasoning item without its companion item.",
        fix="Replay each reasoning item[[ ({reasoning_id})]] together with the item that follows it[[ ({item_id})]], in the original order, or send neither (drop the item ids when store is false).",
        rule_id="responses.function-call-without-reasoning",
        wordings=(
            Wording(
                provider="openai",
                pattern=_re(
                    r"Item {Q}(?P<item_id>[\w-]+){Q} of type {Q}function_call{Q} was provided without its "
                    r"required {Q}reasoning{Q} item: {Q}(?P<reasoning_id>[\w-]+)"
                ),
                source="https://github.com/cline/cline/issues/12242",
                example=(
                    "Item 'fc_0a4d512680f81369006a5364c645f481a1a979134e6d548de1' of type 'function_call' was "
                    "provided without its required 'reasoning' item: "
                    "'rs_0a4d512680f81369006a5364c4142481a1803037dcae023e29'."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"(?<![\w-])(?:Item )?{Q}(?P<reasoning_id>[\w-]{1,200}){Q} of type {Q}reasoning{Q} was provided without its "
                    r"required following item"
                ),
                source="https://github.com/continuedev/continue/issues/8933",
                example=(
                    "Item 'rs_0c3876fcd4da19ef00692a14046bc8819eba6941c05c5ab7e7' of type 'reasoning' was "
                    "provided without its required following item."
                ),
                rule_id="responses.reasoning-without-following-item",
            ),
        ),
    ),
    Cause(
        id="cause.previous-response-not-found",
        title="previous_response_id names a response the upstream does not have (not stored, expired, other key).",
        fix="Send the full input instead of previous_response_id[[ {response_id}]], or create the previous response with store: true on the same account and endpoint.",
        wordings=(
            Wording(
                provider="openai",
                pattern=_re(r"Previous response with id {Q}(?P<response_id>[\w-]+){Q} not found"),
                source="https://github.com/maximhq/bifrost/issues/2441",
                example="Previous response with id 'resp_0f09a275409xxx' not found.",
            ),
            Wording(
                provider="openai",
                pattern=_code("previous_response_not_found"),
                source="https://github.com/maximhq/bifrost/issues/2441",
                example="previous_response_not_found",
                on="code",
            ),
        ),
    ),
    Cause(
        id="cause.item-id-prefix",
        title="A Responses API input item carries an id in a format the upstream does not issue.",
        fix="Send input item ids the API issued[[ (at {field} the id must begin with '{prefix}')]], or omit the item id.",
        wordings=(
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid {Q}(?P<field>input\[(?P<index>\d+)\]\.id){Q}: {Q}(?P<value>[^'\"`\s]*){Q}\. "
                    r"Expected an ID that begins with {Q}(?P<prefix>\w+){Q}"
                ),
                source="https://github.com/Wei-Shaw/sub2api/issues/3981",
                example=(
                    "Invalid 'input[177].id': 'item_3bc5a3fa8ccde25f1c0000d4'. Expected an ID that begins with 'msg'."
                ),
            ),
        ),
    ),
    Cause(
        id="cause.tool-call-id-invalid",
        title="A tool call id is missing or has a format the upstream rejects.",
        fix="Send tool call ids in the provider's format (Mistral: exactly 9 characters a-z, A-Z, 0-9; OpenAI: at most 40 characters) and the same id on the call and its result[[ (got {tool_call_id})]].",
        wordings=(
            Wording(
                provider="bedrock",
                # AWS's member constraint on a replayed toolUse/toolResult id: [a-zA-Z0-9_.:-]+, at least 1 long.
                pattern=_re(
                    r"at {Q}(?P<field>messages\.(?P<index>\d+)\.member\.content\.\d+\.member\.(?:toolUse|toolResult)"
                    r"\.toolUseId){Q} failed to satisfy constraint"
                ),
                source="https://github.com/tontinton/maki/issues/38",
                example=(
                    "Value at 'messages.2.member.content.1.member.toolUse.toolUseId' failed to satisfy constraint: "
                    "Member must satisfy regular expression pattern: [a-zA-Z0-9_.:-]+"
                ),
            ),
            Wording(
                provider="deepseek",
                pattern=_re(r"messages\[(?P<index>\d+)\]: missing field {Q}tool_call_id{Q}"),
                source="https://github.com/EKKOLearnAI/hermes-studio/issues/323",
                example="Failed to deserialize the JSON body into the target type: messages[3]: missing field `tool_call_id` ...",
                rule_id="shape.tool-message-without-id",
            ),
            Wording(
                provider="anthropic",
                pattern=_re(
                    r"(?P<field>messages\.(?P<index>\d+)\.content\.\d+\.tool_use\.id): String should match pattern"
                ),
                source="https://github.com/RooCodeInc/Roo-Code/pull/10649",
                example="messages.1.content.1.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
            ),
            Wording(
                provider="mistral",
                pattern=_re(
                    r"Tool call id (?:was )?(?P<tool_call_id>\S+?) (?:but )?must be a-z, A-Z, 0-9, with a length of 9"
                ),
                source="https://github.com/jackmpcollins/magentic/issues/276",
                example="Tool call id was call_0fypS1hVX but must be a-z, A-Z, 0-9, with a length of 9.",
                rule_id="quirks.mistral-tool-call-id",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid {Q}(?P<field>messages\[(?P<index>\w+)\]\.tool_calls\[\d+\]\.id){Q}: string too long"
                ),
                source="https://github.com/agno-agi/agno/issues/5382",
                example=(
                    "Invalid 'messages[N].tool_calls[0].id': string too long. Expected a string with maximum "
                    "length 40, but got a string with length 53 instead."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Invalid {Q}(?P<field>input\[(?P<index>\d+)\]\.call_id){Q}: empty string"),
                source="https://github.com/BigPizzaV3/CodexPlusPlus/issues/315",
                example=(
                    "Invalid 'input[4].call_id': empty string. Expected a string with minimum length 1, but got "
                    "an empty string instead."
                ),
                rule_id="responses.missing-call-id",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Missing parameter {Q}tool_call_id{Q}: messages with role {Q}tool{Q} must have"),
                source="https://github.com/run-llama/multi-agent-concierge/pull/16",
                example="Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.",
                rule_id="shape.tool-message-without-id",
            ),
        ),
    ),
    Cause(
        id="cause.tool-name-invalid",
        title="A tool (or replayed tool call) name breaks the provider's name rule.",
        fix="Rename the tool[[ at {field}]] to match ^[a-zA-Z0-9_-]{{1,64}}$ (no dots, spaces or colons), unique within the request, and use the same name in replayed tool calls.",
        rule_id="tools.invalid-name",
        api_rules=((MESSAGES, "anthropic.invalid-tool-name"), (CONVERSE, "converse.tool-name-invalid")),
        wordings=(
            Wording(
                provider="bedrock",
                # AWS's member-constraint wording; the tool name must match [a-zA-Z0-9_-]+.
                pattern=_re(
                    r"at {Q}(?P<field>toolConfig\.tools\.(?P<index>\d+)\.member\.toolSpec\.name){Q} failed to satisfy "
                    r"constraint: Member must satisfy regular expression pattern"
                ),
                source="https://github.com/aws-samples/remote-swe-agents/pull/457",
                example=(
                    "Value 'Complete Session' at 'toolConfig.tools.22.member.toolSpec.name' failed to satisfy "
                    "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"
                ),
            ),
            Wording(
                provider="bedrock",
                # The same rule on a replayed toolUse block.
                pattern=_re(
                    r"at {Q}(?P<field>messages\.(?P<index>\d+)\.member\.content\.\d+\.member\.toolUse\.name){Q} failed to "
                    r"satisfy constraint: Member must (?:satisfy regular expression pattern|have length less than)"
                ),
                source="https://github.com/openclaw/openclaw/issues/12892",
                example=(
                    "2 validation errors detected: Value at 'messages.73.member.content.2.member.toolUse.name' failed "
                    "to satisfy constraint: Member must have length less than or equal to 64; Value at "
                    "'messages.73.member.content.2.member.toolUse.name' failed to satisfy constraint: Member must "
                    "satisfy regular expression pattern: [a-zA-Z0-9_-]+"
                ),
                rule_id="tools.invalid-history-name",
            ),
            Wording(
                provider="gemini",
                pattern=_re(
                    r"(?P<field>tools\[(?P<index>\d+)\]\.function_declarations\[\d+\]\.name):(?: \[FIELD_INVALID\])? Invalid function name"
                ),
                source="https://github.com/cline/cline/issues/7339",
                example="* GenerateContentRequest.tools[0].function_declarations[35].name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid {Q}(?P<field>tools\[(?P<index>\d+)\]\.function\.name){Q}: string does not match pattern"
                ),
                source="https://github.com/brekkylab/ailoy/pull/109",
                example=(
                    "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that "
                    "matches the pattern '^[a-zA-Z0-9_-]+$'."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid {Q}(?P<field>tools\[(?P<index>\d+)\]\.function\.name){Q}: string too long"
                ),
                source="https://github.com/ravitemer/mcphub.nvim/pull/243",
                example=(
                    "Invalid 'tools[0].function.name': string too long. Expected a string with maximum length 64, "
                    "but got a string with length 81 instead."
                ),
                rule_id="tools.name-too-long",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid {Q}(?P<field>messages\[(?P<index>\d+)\]\.tool_calls\[\d+\]\.function\.name){Q}: "
                    r"string does not match pattern"
                ),
                source="https://github.com/mcp-use/mcp-use/issues/90",
                example=(
                    "Invalid 'messages[9].tool_calls[0].function.name': string does not match pattern. Expected "
                    "a string that matches the pattern '^[a-zA-Z0-9_-]+$'."
                ),
                rule_id="tools.invalid-history-name",
            ),
            Wording(
                provider="anthropic",
                pattern=_re(
                    r"(?P<field>tools\.(?P<index>\d+)\.(?:custom\.)?name): String should match pattern"
                ),
                source="https://github.com/apify/tester-mcp-client/issues/11",
                example="tools.7.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"tools: Tool names must be unique"),
                source="https://github.com/anthropics/claude-code/issues/10687",
                example="tools: Tool names must be unique.",
                rule_id="tools.duplicate-name",
                # A Messages request's own rule for it (a chat request through a gateway to Claude
                # gets the same sentence for tools.duplicate-name).
                shared_by=("anthropic.duplicate-tool-name",),
            ),
        ),
    ),
    Cause(
        id="cause.tool-schema-invalid",
        title="A tool definition or its parameter schema is not accepted by the provider.",
        fix="Fix the tool definition[[ {name}]][[ at {field}]]: parameters must be a JSON Schema object; with strict every object needs additionalProperties: false and all properties in required; arrays need items; Gemini takes an OpenAPI subset (no additionalProperties, const, $ref).",
        rule_id="tools.invalid-definition",
        api_rules=(
            (MESSAGES, "anthropic.invalid-input-schema"),
            (GEMINI, "gemini.schema-keyword-unsupported"),
            (CONVERSE, "converse.input-schema-not-object"),
        ),
        wordings=(
            Wording(
                provider="ollama",
                # Ollama's Go decoder on a tool's parameters (properties as an array, a property as a string).
                pattern=_re(
                    r"cannot unmarshal \w+ into Go struct field \w{0,80}\.tools\.function\.parameters(?:\.\w+){0,10} of type"
                ),
                source="https://github.com/ollama/ollama/issues/14256",
                example=(
                    "json: cannot unmarshal string into Go struct field "
                    "ToolFunctionParameters.tools.function.parameters.properties of type api.ToolProperty"
                ),
            ),
            Wording(
                provider="bedrock",
                # Converse requires every toolSpec.inputSchema.json to be an object schema.
                pattern=_re(
                    r"The value at (?P<field>toolConfig\.tools\.(?P<index>\d+)\.toolSpec\.inputSchema\.json\.type) must be "
                    r"one of the following: object"
                ),
                source="https://github.com/aaif-goose/goose/pull/5064",
                example=(
                    "The value at toolConfig.tools.3.toolSpec.inputSchema.json.type must be one of the following: "
                    "object."
                ),
                rule_id="tools.parameters-not-object",
            ),
            Wording(
                provider="gemini",
                # JSON Schema's list form of "type" (["string", "null"]) inside a function declaration: Gemini's
                # proto takes one type. Checked before the generic "Proto field is not repeating" (param type).
                pattern=_re(
                    r"Unknown name {Q}(?P<keyword>\w+){Q} at {Q}(?P<field>tools\[\d+\]\.function_declarations\[\d+\]"
                    r"[^'\"`]{0,300}){Q}: Proto field is not repeating"
                ),
                source="https://github.com/zed-industries/zed/issues/53919",
                example=(
                    'Invalid JSON payload received. Unknown name "type" at '
                    "'tools[0].function_declarations[14].parameters.properties[3].value.properties[6].value': Proto "
                    "field is not repeating, cannot start list."
                ),
            ),
            Wording(
                provider="anthropic",
                pattern=_re(
                    r"(?P<field>tools\.(?P<index>\d+)\.(?:custom\.)?input_schema): JSON schema is invalid"
                ),
                source="https://github.com/home-assistant/core/issues/181282",
                example=(
                    "tools.41.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12 "
                    "(https://json-schema.org/draft/2020-12)."
                ),
            ),
            Wording(
                provider="gemini",
                # A parameterless tool sent as {"type": "object", "properties": {}}.
                pattern=_re(
                    r"(?P<field>tools\[(?P<index>\d+)\]\.function_declarations\[\d+\]\.parameters[\w.\[\]]{0,200}): "
                    r"should be non-empty for OBJECT type"
                ),
                source="https://github.com/agno-agi/agno/issues/2112",
                example=(
                    "* GenerateContentRequest.tools[0].function_declarations[2].parameters.properties: should be "
                    "non-empty for OBJECT type"
                ),
            ),
            Wording(
                provider="vertex",
                pattern=_re("(?:function|functionDeclaration) parameters schema should be of type OBJECT"),
                source="https://github.com/vercel/ai/issues/12183",
                example="INVALID_ARGUMENT: Unable to submit request because `readFile` functionDeclaration parameters schema should be of type OBJECT",
                rule_id="tools.parameters-not-object",
            ),
            Wording(
                provider="vertex",
                pattern=_re(
                    "Invalid value at {Q}(?P<path>tools\\[\\d+\\]\\.function_declarations[^'\\\"`]*){Q}"
                ),
                source="https://github.com/decolua/9router/issues/1081",
                example="Invalid value at 'tools[0].function_declarations[37].parameters.properties[9].value' (type.googleapis.com/google.cloud.aiplatform.v1.Schema), \"object\"",
            ),
            Wording(
                provider="zhipu",
                pattern=_re(r"(?P<field>tools\[(?P<index>\d+)\]\.function\.name):不能为空"),
                source="https://github.com/coaidev/coai/issues/322",
                example="tools[0].function.name:不能为空 (code: 1214)",
            ),
            Wording(
                provider="bedrock",
                pattern=_re(
                    r"#/(?:toolConfig/)?tools/(?P<index>\d+)[\w/]*: extraneous key \[(?P<field>[\w.-]+)\] is not permitted"
                ),
                source="https://github.com/zed-industries/zed/issues/31815",
                example="The model returned the following errors: Malformed input request: #/toolConfig/tools/1/toolSpec/inputSchema/json: extraneous key [definitions] is not permitted, please reformat your input and try again.",
            ),
            Wording(
                provider="moonshot",
                pattern=_re(
                    r"(?P<field>tools\.function\.parameters) is not a valid moonshot flavored json schema"
                ),
                source="https://github.com/MoonshotAI/kimi-cli/issues/1903",
                example="Invalid request: tools.function.parameters is not a valid moonshot flavored json schema, details: <At path 'properties.variantOptions': conflicting keywords found after $ref expansion: description>",
            ),
            Wording(
                provider="minimax",
                pattern=_re("function name or parameters is empty"),
                source="https://github.com/zhangyang-crazy-one/tabby-ai-assistant/issues/13",
                example="invalid params, function name or parameters is empty (2013)",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid schema for function {Q}(?P<name>[^'\"`]+){Q}:.{0,200}?{Q}additionalProperties{Q} "
                    r"is required to be supplied and to be false"
                ),
                source="https://github.com/bytedance/trae-agent/issues/173",
                example=(
                    "Invalid schema for function 'json_edit_tool': In context=('properties', 'value'), "
                    "'additionalProperties' is required to be supplied and to be false."
                ),
                rule_id="tools.strict-additional-properties",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid schema for function {Q}(?P<name>[^'\"`]+){Q}:.{0,200}?{Q}required{Q} is required "
                    r"to be supplied and to be an array including every key in properties"
                    r"(?:\. Missing {Q}(?P<field>[^'\"`]+){Q})?"
                ),
                source="https://github.com/lastmile-ai/openai-agents-mcp/issues/2",
                example=(
                    "Invalid schema for function 'X': In context=(), 'required' is required to be supplied and "
                    "to be an array including every key in properties. Missing 'bar'."
                ),
                rule_id="tools.strict-required",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid schema for function {Q}(?P<name>[^'\"`]+){Q}:.{0,200}?array schema missing items"
                ),
                source="https://github.com/modelscope/ms-agent/pull/610",
                example=(
                    "Invalid schema for function 'get_room_layout': In context=('properties', 'objects'), "
                    "array schema missing items."
                ),
                rule_id="tools.array-without-items",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"schema must be a JSON Schema of {Q}type: \"?object\"?{Q}"),
                source="https://github.com/openai/openai-java/issues/68",
                example="schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'.",
                rule_id="tools.parameters-not-object",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Invalid schema for function {Q}(?P<name>[^'\"`]+){Q}"),
                source="https://github.com/farion1231/cc-switch/issues/5490",
                example=(
                    "Invalid schema for function 'codex_app__automation_update': schema must be a JSON Schema of "
                    "'type: \"object\"', got 'type: null'."
                ),
            ),
            Wording(
                provider="gemini",
                pattern=_re(
                    r"Unknown name {Q}(?P<field>[\w$-]+){Q} at {Q}(?:request\.)?(?P<path>tools\[\d+\]\.function_declarations[^'\"`]*){Q}: Cannot find field"
                ),
                source="https://github.com/glowingjade/obsidian-smart-composer/issues/455",
                example=(
                    'Invalid JSON payload received. Unknown name "additionalProperties" at '
                    "'tools[10].function_declarations[0].parameters.properties[0].value.items': Cannot find field."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid {Q}(?P<field>tools\[(?P<index>\d+)\]\.function\.description){Q}: string too long"
                ),
                source="https://github.com/nanbingxyz/5ire/issues/33",
                example=(
                    "Invalid 'tools[6].function.description': string too long. Expected a string with maximum "
                    "length 1024, but got a string with length 2780 instead."
                ),
                rule_id="tools.description-too-long",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Invalid {Q}tools{Q}: array too long"),
                source="https://github.com/vishalmysore/Tools4AI/issues/16",
                example=(
                    "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an "
                    "array with length 133 instead."
                ),
                rule_id="tools.too-many",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Missing required parameter: {Q}(?P<field>tools\[(?P<index>\d+)\]\.(?:function|type)){Q}"
                ),
                source="https://github.com/bolna-ai/bolna/issues/144",
                example="Missing required parameter: 'tools[0].function'.",
            ),
        ),
    ),
    # Causes below are labels the corpus engineers added beyond the brief's vocabulary (EXTENSIONS).
    Cause(
        id="cause.temperature-with-top-p",
        title="temperature and top_p are both set, and this model takes only one of them.",
        fix="Send either temperature or top_p[[ to {model}]], not both.",
        constraint=ConstraintSpec("param", name="top_p", value="with temperature"),
        wordings=(
            Wording(
                provider="anthropic",
                pattern=_re(r"{Q}temperature{Q} and {Q}top_p{Q} cannot both be specified for this model"),
                source="https://github.com/fwdai/reticle/issues/7",
                example="AI_APICallError: `temperature` and `top_p` cannot both be specified for this model. Please use only one.",
            ),
        ),
    ),
    Cause(
        id="cause.thinking-budget-invalid",
        title="The thinking budget does not fit the request (it must be below max_tokens).",
        fix="Raise max_tokens above thinking.budget_tokens, or lower the budget.",
        wordings=(
            Wording(
                provider="gemini",
                pattern=_re(r"does not support setting thinking_budget to (?P<value>\d+)"),
                source="https://github.com/earendil-works/pi/issues/3460",
                example="Unable to submit request because The model does not support setting thinking_budget to 0",
            ),
            Wording(
                provider="vertex",
                pattern=_re("Thinking can't be disabled for this model"),
                source="https://github.com/pydantic/pydantic-ai/issues/1967",
                example="Unable to submit request because Thinking can't be disabled for this model. Remove 'thinking_config.thinking_budget' or set it to a value other than 0.",
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"{Q}max_tokens{Q} must be greater than {Q}thinking\.budget_tokens{Q}"),
                source="https://github.com/ProfSynapse/nexus/issues/17",
                example=(
                    "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
                    "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size"
                ),
            ),
        ),
    ),
    Cause(
        id="cause.tool-config-missing",
        title="The conversation replays tool calls/results but the request declares no tools (Bedrock toolConfig).",
        fix="Send the tool definitions (toolConfig) whenever the history contains tool calls or results, or flatten them to text.",
        wordings=(
            Wording(
                provider="bedrock",
                pattern=_re(
                    r"The toolConfig field must be defined when using toolUse and toolResult content blocks"
                ),
                source="https://github.com/langgenius/dify/issues/17545",
                example="The toolConfig field must be defined when using toolUse and toolResult content blocks.",
            ),
        ),
    ),
    Cause(
        id="cause.tool-arguments-invalid",
        title="A replayed tool call's arguments are not a valid JSON string.",
        fix='Send function.arguments as a JSON-encoded string ("{{}}" when there are none), exactly as the model produced it.',
        rule_id="shape.invalid-tool-arguments",
        api_rules=((MESSAGES, "anthropic.tool-use-input-not-object"),),
        wordings=(
            Wording(
                provider="dashscope",
                pattern=_re(
                    r"The {Q}function\.arguments{Q} parameter of the code model must be in JSON format"
                ),
                source="https://github.com/continuedev/continue/issues/11556",
                example=(
                    'Upstream error from Alibaba: <400> InternalError.Algo.InvalidParameter: The "function.arguments" '
                    "parameter of the code model must be in JSON format."
                ),
            ),
            Wording(
                provider="minimax",
                pattern=_re(r"invalid function arguments json string"),
                source="https://github.com/earendil-works/pi/issues/5468",
                example="invalid params, invalid function arguments json string, tool_call_id: call_function_abraty2ssz2_1 (2013)",
            ),
        ),
    ),
    Cause(
        id="cause.model-no-json-mode",
        title="The model does not support JSON output mode.",
        fix="Drop response_format json_object[[ for {model}]] and ask for JSON in the prompt instead.",
        constraint=ConstraintSpec("value", name="response_format", value="json_object"),
        wordings=(
            Wording(
                provider="gemini",
                # Gemini (response_mime_type application/json) and SiliconFlow word it alike.
                pattern=_re(
                    r"Json mode is not (?:enabled|supported) for (?:this model|(?:models/)?(?P<model>[\w.:/-]{1,200}))"
                ),
                source="https://github.com/google-gemini/deprecated-generative-ai-python/issues/137",
                example="400 Json mode is not enabled for models/gemini-pro",
            ),
            Wording(
                provider="siliconflow",
                pattern=_re(
                    r"Json mode is not (?:enabled|supported) for (?:this model|(?:models/)?(?P<model>[\w.:/-]{1,200}))"
                ),
                source="https://github.com/egoist/chatwise-releases/issues/141",
                example="Json mode is not supported for this model.",
            ),
            Wording(
                provider="azure",
                pattern=_re(
                    r"{Q}response_format{Q} of type {Q}json_object{Q} is not supported with this model"
                ),
                source="https://github.com/MicrosoftDocs/azure-docs/issues/120112",
                example="Invalid parameter: 'response_format' of type 'json_object' is not supported with this model.",
            ),
            Wording(
                provider="deepseek",
                pattern=_re(r"(?<![\w.:/-])(?P<model>[\w.:/-]{1,200}) does not support Json Output"),
                source="https://github.com/gomate-community/TrustRAG/issues/140",
                example="deepseek-reasoner does not support Json Output.",
            ),
        ),
    ),
    Cause(
        id="cause.too-many-images",
        title="The request has more images than the server allows.",
        fix="Send fewer images per request[[ (at most {limit})]], or raise the server's limit (vLLM: --limit-mm-per-prompt).",
        wordings=(
            Wording(
                provider="ollama",
                pattern=_re(r"vision model only supports a single image per message"),
                source="https://github.com/ollama/ollama-js/issues/213",
                example="vision model only supports a single image per message",
            ),
            Wording(
                provider="crucible",
                pattern=_re(r"supports at most (?P<limit>\d+) image per prompt"),
                source="https://github.com/diegosouzapw/OmniRoute/issues/3044",
                example="Model 'moonshotai/kimi-k2.6' supports at most 1 image per prompt.",
            ),
            Wording(
                provider="vllm",
                pattern=_re(r"At most (?P<limit>\d+) image\(s\) may be provided in one request"),
                source="https://github.com/vllm-project/vllm/issues/13397",
                example="At most 1 image(s) may be provided in one request.",
            ),
        ),
    ),
    Cause(
        id="cause.chat-template-missing",
        title="The server has no chat template for this model.",
        fix="Serve the model with a chat template (e.g. --chat-template) or use the completions endpoint.",
        wordings=(
            Wording(
                provider="vllm",
                # vLLM (transformers >= 4.44) refuses a tokenizer without chat_template on /v1/chat/completions.
                pattern=_re(
                    r"default chat template is no longer allowed, so you must provide a chat template"
                ),
                source="https://github.com/ByteDance-Seed/seed-oss/issues/6",
                example=(
                    "As of transformers v4.44, default chat template is no longer allowed, so you must provide a "
                    "chat template if the tokenizer does not define one. None"
                ),
            ),
            Wording(
                provider="tgi",
                pattern=_re(r"Template error: template not found"),
                source="https://github.com/huggingface/text-generation-inference/issues/1870",
                example="Template error: template not found",
            ),
        ),
    ),
    Cause(
        id="cause.chat-template-error",
        title="The model's chat template failed to render this conversation.",
        fix="Fix or replace the model's chat template on the server; the request shape is only the trigger.",
        wordings=(
            Wording(
                provider="llama.cpp",
                # gpt-oss's chat template raises this when an assistant tool-call turn carries both content and
                # thinking (llama.cpp renders templates server-side and answers 500).
                pattern=_re(r"Cannot pass both content and thinking in an assistant message with tool calls"),
                source="https://github.com/ggml-org/llama.cpp/issues/17040",
                example=(
                    "Cannot pass both content and thinking in an assistant message with tool calls! Put the analysis "
                    "message in one or the other, but not both. at row 290, column 178:"
                ),
            ),
            Wording(
                provider="lmstudio",
                pattern=_re(r"Error rendering prompt with jinja template"),
                source="https://github.com/zed-industries/zed/issues/45379",
                example='Error rendering prompt with jinja template: "Unknown test: sequence".',
            ),
        ),
    ),
    Cause(
        id="cause.reserved-keyword-in-system",
        title="The system prompt contains a keyword the provider reserves.",
        fix="Remove the reserved keyword[[ {value}]] from the system prompt.",
        wordings=(
            Wording(
                provider="anthropic",
                pattern=_re(
                    r"(?<![\w-])(?P<value>[\w-]{1,100}) is a reserved keyword and may not be used in the system prompt"
                ),
                source="https://github.com/farion1231/cc-switch/issues/761",
                example="x-anthropic-billing-header is a reserved keyword and may not be used in the system prompt.",
            ),
        ),
    ),
    Cause(
        id="cause.item-reference-without-store",
        title="The input references a stored item, but items are not stored (store: false).",
        fix="Send the referenced item[[ ({item_id})]] inline instead of by id, or create the responses with store: true.",
        wordings=(
            Wording(
                provider="openai",
                pattern=_re(
                    r"Item with id {Q}(?P<item_id>[\w-]+){Q} not found\. Items are not persisted when {Q}store{Q} is set to false"
                ),
                source="https://github.com/anomalyco/opencode/issues/7724",
                example="Item with id 'rs_xxxxx' not found. Items are not persisted when 'store' is set to false",
            ),
        ),
    ),
    Cause(
        id="cause.duplicate-item",
        title="The Responses API input contains the same item twice.",
        fix="Send each input item[[ (id {item_id})]] once.",
        rule_id="responses.duplicate-item-id",
        wordings=(
            Wording(
                provider="openai",
                pattern=_re(r"Duplicate item found with id (?P<item_id>[\w-]+)"),
                source="https://github.com/OpenRouterTeam/ai-sdk-provider/issues/254",
                example=(
                    "Duplicate item found with id rs_0ad20f1f8629dc53016924443203408193abb5b3d0b4301e26. Remove "
                    "duplicate items from your input and try again."
                ),
            ),
        ),
    ),
    Cause(
        id="cause.too-many-cache-breakpoints",
        title="More cache_control breakpoints than the provider allows.",
        fix="Mark fewer blocks with cache_control[[ (at most {limit})]].",
        wordings=(
            Wording(
                provider="anthropic",
                pattern=_re(r"A maximum of (?P<limit>\d+) blocks with cache_control may be provided"),
                source="https://github.com/tghamm/Anthropic.SDK/issues/50",
                example="A maximum of 4 blocks with cache_control may be provided. Found 5.",
            ),
        ),
    ),
    Cause(
        id="cause.tool-name-reserved",
        title="A tool uses a name the provider reserves for a built-in tool.",
        fix="Rename the tool[[ {value}]]: the provider reserves that name for a built-in tool.",
        wordings=(
            Wording(
                provider="dashscope",
                pattern=_re(r"Tool names are not allowed to be \[(?P<value>[\w-]+)\]"),
                source="https://github.com/ikechan8370/chatgpt-plugin/issues/696",
                example="Tool names are not allowed to be [search]",
            ),
        ),
    ),
    Cause(
        id="cause.tools-empty",
        title="tools is an empty array.",
        fix="Omit tools (and tool_choice) when there are no tools instead of sending [].",
        wordings=(
            Wording(
                provider="bedrock",
                pattern=_re(
                    r"Value at {Q}toolConfig\.tools{Q} failed to satisfy constraint: Member must have length greater "
                    r"than or equal to 1"
                ),
                source="https://github.com/genkit-ai/aws-bedrock-js-plugin/issues/43",
                example=(
                    "1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: Member "
                    "must have length greater than or equal to 1"
                ),
            ),
            Wording(
                provider="deepseek",
                pattern=_re(r"Invalid {Q}tools{Q}: empty array"),
                source="https://github.com/marimo-team/marimo/issues/5493",
                example=(
                    "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead."
                ),
            ),
        ),
    ),
    Cause(
        id="cause.tools-with-json-mode",
        title="Tools are combined with JSON mode / a JSON response format, which this provider refuses.",
        fix="Send either tools or response_format json_object/json_schema, not both (or ask for JSON in the prompt).",
        wordings=(
            Wording(
                provider="groq",
                pattern=_re(r"(?:json_object|json mode) cannot be combined with tool/function calling"),
                source="https://github.com/agno-agi/agno/issues/1065",
                example="'response_format` json_object cannot be combined with tool/function calling",
            ),
            Wording(
                provider="gemini",
                pattern=_re(
                    r"Forced function calling \(ANY mode\) with a response mime type: {Q}application/json{Q} is unsupported"
                ),
                source="https://github.com/vercel/ai/pull/16540",
                example="Forced function calling (ANY mode) with a response mime type: 'application/json' is unsupported",
            ),
        ),
    ),
    Cause(
        id="cause.response-format-invalid",
        title="response_format (text.format) is malformed or not allowed with this request.",
        fix=(
            "Send response_format as an object ({{'type': 'json_object'}} or a json_schema with a name and a "
            "schema); with json_object mention JSON in the messages; with thinking on, drop JSON mode."
        ),
        rule_id="response_format.json-without-json-word",
        wordings=(
            Wording(
                provider="cerebras",
                # Cerebras rejects JSON-Schema keywords outside its subset and says param
                # "response_format" even when the schema is a tool's (both threads are Claude Code's tool
                # calls through a router: musistudio/claude-code-router#338, #708). Not the cause's rule
                # (response_format.json-without-json-word is about the word "json"): no built-in rule
                # predicts it, unless the flow's own finding is one of the schema-keyword rules.
                pattern=_re(r"Unsupported JSON schema fields: (?P<value>[\{\[][^}\]]{1,200}[\}\]])"),
                source="https://github.com/musistudio/claude-code-router/issues/708",
                example="Unsupported JSON schema fields: {'minItems', 'items'}",
                no_rule=True,
                shared_by=("tools.schema-keyword-unsupported", "response_format.strict-schema"),
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"{Q}messages{Q} must contain the word {Q}json{Q} in some form, to use {Q}response_format{Q} "
                    r"of type {Q}json_object{Q}"
                ),
                source="https://github.com/ultimatejimmy/xray.koplugin/issues/33",
                example=(
                    "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
                    "'json_object'."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Response input messages must contain the word {Q}json{Q} in some form to use "
                    r"{Q}text\.format{Q} of type {Q}json_object{Q}"
                ),
                source="https://github.com/reVrost/go-openrouter/pull/21",
                example=(
                    "Response input messages must contain the word 'json' in some form to use 'text.format' of "
                    "type 'json_object'."
                ),
                rule_id="responses.json-without-json-word",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"(?<!\w){Q}(?P<value>\w{1,64}){Q} is not of type {Q}object{Q} - {Q}response_format{Q}"
                ),
                source="https://github.com/openai-php/client/issues/265",
                example="'json_object' is not of type 'object' - 'response_format'",
                rule_id="response_format.not-an-object",
            ),
            Wording(
                provider="moonshot",
                pattern=_re(
                    r"the {Q}response_format{Q} field in the request \(expected type object\) is illegal"
                ),
                source="https://github.com/langgenius/dify/issues/9785",
                example=(
                    "Invalid request: the `response_format` field in the request (expected type object) is "
                    "illegal, and string is not acceptable"
                ),
                rule_id="response_format.not-an-object",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Missing required parameter: {Q}(?P<field>response_format\.json_schema(?:\.name)?){Q}"
                ),
                source="https://github.com/sherifkozman/the-llm-council/issues/8",
                example="Missing required parameter: 'response_format.json_schema'.",
                rule_id="response_format.json-schema-missing",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Invalid schema for response_format {Q}(?P<name>[^'\"`]+){Q}"),
                source="https://github.com/dottxt-ai/outlines/issues/844",
                example=(
                    "Invalid schema for response_format 'default': In context=(), 'additionalProperties' is "
                    "required to be supplied and to be false."
                ),
                rule_id="response_format.strict-schema",
            ),
            Wording(
                provider="dashscope",
                pattern=_re(r"Json mode response is not supported when enable_thinking is true"),
                source="https://github.com/presenton/presenton/issues/184",
                example="Json mode response is not supported when enable_thinking is true",
                rule_id="quirks.qwen-thinking-json-mode",
                constraint=ConstraintSpec("value", name="response_format", value="json_object"),
            ),
        ),
    ),
    Cause(
        # tool_choice sent with no tools to choose from: the request's shape, not a tool_choice form the
        # server refuses (precision pass 2; the "tool_choice ... requires" family named it
        # cause.tool-choice-unsupported, whose fix, send "auto", does not help). Before that cause.
        id="cause.tool-choice-without-tools",
        title="tool_choice is set but the request has no tools (absent or an empty array).",
        fix=(
            "Send tool_choice only together with a non-empty tools array: omit tool_choice on requests "
            "without tools[[ (it was {value})]]; if the request did carry tools, something between the client "
            "and the server dropped them."
        ),
        rule_id="tool_choice.without-tools",
        wordings=(
            Wording(
                provider="vllm",
                # vLLM's ChatCompletionRequest validator (pydantic "Value error, ...").
                pattern=_re(r"When using {Q}tool_choice{Q}, {Q}tools{Q} must be set"),
                source="https://github.com/langgenius/dify/issues/12485",
                example="Value error, When using `tool_choice`, `tools` must be set.",
            ),
            Wording(
                provider="generic",
                # OpenAI's sentence (here from Writer's OpenAI-compatible API), and servers that say
                # tool_choice "requires" tools: the family, with tools named after the verb.
                pattern=_re(
                    r"\btool[ _]choice{Q}(?:\s?=\s?{Q}(?P<value>\w{1,20}){Q})?[^.;]{0,60}?\b(?:requires?|is only "
                    r"allowed when|needs?)\b[^.;]{0,30}?{Q}\btools\b{Q}"
                ),
                source="https://github.com/writer/writer-framework/pull/1013",
                example=(
                    "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified."
                ),
            ),
        ),
    ),
    Cause(
        id="cause.tool-choice-unsupported",
        title="The tool_choice form sent is not accepted by this model, mode or server.",
        fix=(
            "Send tool_choice 'auto' (or omit it): this upstream refuses this tool_choice[[ ({value})]] here "
            "(DashScope's thinking mode refuses required and object); when 'auto' itself is refused, the server "
            "has tool calling turned off (vLLM: start it with --enable-auto-tool-choice and --tool-call-parser)."
        ),
        constraint=ConstraintSpec("tool_choice", name="tool_choice", value_group="value"),
        wordings=(
            Wording(
                provider="xai",
                # xAI's serde enum of tool_choice forms: a form outside it (a built-in tool's type) fails to
                # deserialise; the form is the one the refused request sent (_completed_from_request).
                pattern=_re(r"did not match any variant of untagged enum ModelToolChoice"),
                source="https://github.com/router-for-me/CLIProxyAPI/issues/4718",
                example=(
                    "Failed to deserialize the JSON body into the target type: data did not match any variant "
                    "of untagged enum ModelToolChoice"
                ),
            ),
            Wording(
                provider="groq",
                # Groq refuses any other string, and null, for tool_choice.
                pattern=_re(
                    r"Only allowed string values for {Q}tool_choice{Q} are none, auto,? and required"
                ),
                source="https://github.com/brianpetro/obsidian-smart-connections/issues/942",
                example="Only allowed string values for 'tool_choice' are none, auto, and required",
                rule_id="tool_choice.invalid",
                # The refused value is not named (null in the thread): nothing host-specific to learn.
                no_constraint=True,
            ),
            Wording(
                provider="anthropic",
                # Anthropic (and Claude on Bedrock) refuse tool_choice any/tool while extended thinking is on.
                pattern=_re(r"Thinking may not be enabled when tool_choice forces tool use"),
                source="https://github.com/can1357/oh-my-pi/issues/341",
                example=(
                    "The model returned the following errors: Thinking may not be enabled when tool_choice forces "
                    "tool use."
                ),
                rule_id="anthropic.thinking-with-forced-tool-choice",
                # Refused only together with thinking: a learned tool_choice constraint would flag it without.
                no_constraint=True,
            ),
            Wording(
                provider="vllm",
                pattern=_re("Only {Q}auto{Q} or {Q}none{Q} tool_choice is supported"),
                source="https://github.com/vllm-project/vllm/issues/53626",
                example="Only 'auto' or 'none' tool_choice is supported in response API with Harmony",
            ),
            Wording(
                provider="cerebras",
                pattern=_re("Unsupported tool_choice: .{0,200}?Expected {Q}auto{Q} or {Q}none{Q}"),
                source="https://github.com/567-labs/instructor/issues/1766",
                example="Unsupported tool_choice: type='function' function=ChoiceObjectFunction(name='Steps'). Expected 'auto' or 'none'.",
            ),
            Wording(
                provider="openrouter",
                pattern=_re("No endpoints found that support the provided {Q}tool_choice{Q} value"),
                source="https://github.com/zed-industries/zed/issues/36094",
                example="No endpoints found that support the provided 'tool_choice' value. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing",
            ),
            Wording(
                provider="deepseek",
                # Clients print the parameter in backticks ("does not support this `tool_choice`", omp).
                pattern=_re(
                    r"(?<![\w.:/-])(?P<model>[\w.:/-]{1,200}) does not support this {Q}tool_choice{Q}(?!\w)"
                ),
                source="https://github.com/google-gemini/gemini-fullstack-langgraph-quickstart/issues/123",
                example="deepseek-reasoner does not support this tool_choice",
            ),
            Wording(
                provider="lmstudio",
                pattern=_re(r"Invalid tool_choice type: {Q}(?P<value>\w+){Q}\. Supported string values"),
                source="https://github.com/567-labs/instructor/issues/2048",
                example="Invalid tool_choice type: 'object'. Supported string values: none, auto, required",
            ),
            Wording(
                provider="dashscope",
                pattern=_re(
                    r"The tool_choice parameter does not support being set to (?P<value>required or object) in thinking mode"
                ),
                source="https://github.com/cloudwego/eino/issues/994",
                example=(
                    "<400> InternalError.Algo.InvalidParameter: The tool_choice parameter does not support being "
                    "set to required or object in thinking mode"
                ),
                rule_id="quirks.qwen-thinking-forced-tool-choice",
            ),
            Wording(
                **_ENGINE_TEXTS["vllm.auto-tool-choice-flag"],  # provider, source, example
                pattern=_re(r"{Q}(?P<value>auto|required){Q} tool choice requires --enable-auto-tool"),
                # The server's flags, not the request: vLLM counts tools sent without tool_choice as "auto"
                # (ChatCompletionRequest.check_tool_usage), so "send 'auto' or omit it" cannot help (trial22).
                # https://docs.vllm.ai/en/latest/features/tool_calling/
                fix=(
                    "Start vLLM with --enable-auto-tool-choice and the --tool-call-parser for this model (vLLM's "
                    "tool calling docs list them: hermes, llama3_json, mistral, ...): without them it refuses "
                    "tool_choice[[ {value}]], and a request with tools and no tool_choice counts as 'auto'. "
                    "Without the flags, only a named function in tool_choice (or no tools) gets through."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(r"{Q}\$\.tool_choice{Q} is invalid"),
                source="https://github.com/Azure/azure-sdk-for-js/issues/28325",
                example="'$.tool_choice' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
                rule_id="tool_choice.invalid",
                no_constraint=True,
            ),
        ),
    ),
    Cause(
        id="cause.parallel-tool-calls-unsupported",
        title="parallel_tool_calls is not accepted here (no tools in the request, or the model refuses it).",
        fix="Omit parallel_tool_calls when the request has no tools or the model does not take it.",
        rule_id="parallel_tool_calls.without-tools",
        constraint=ConstraintSpec("param", name="parallel_tool_calls"),
        wordings=(
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid value for {Q}parallel_tool_calls{Q}: {Q}parallel_tool_calls{Q} is only allowed when "
                    r"{Q}tools{Q} are specified"
                ),
                source="https://github.com/Upsonic/Upsonic/issues/323",
                example=(
                    "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' "
                    "are specified."
                ),
                # Rejected only without tools: a learned constraint would wrongly flag requests with tools.
                no_constraint=True,
            ),
        ),
    ),
    Cause(
        id="cause.max-tokens-not-supported",
        title="max_tokens is rejected by this (reasoning) model.",
        fix="Send max_completion_tokens instead of max_tokens[[ for {model}]].",
        rule_id="params.max-tokens-on-reasoning-model",
        constraint=ConstraintSpec("param", name="max_tokens"),
        wordings=(
            Wording(
                provider="openai",
                pattern=_re(
                    r"Unsupported parameter: {Q}max_tokens{Q} is not supported with this model\. "
                    r"Use {Q}max_completion_tokens{Q} instead"
                ),
                source="https://github.com/griptape-ai/ComfyUI-Griptape/issues/312",
                example=(
                    "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                    "'max_completion_tokens' instead."
                ),
            ),
        ),
    ),
    Cause(
        id="cause.max-tokens-too-large",
        title="The requested output length is above what the model can produce.",
        fix="Lower max_tokens / max_completion_tokens[[ from {value}]][[ to at most {limit}]][[ for {model}]].",
        constraint=ConstraintSpec("value", name="max_tokens", value_group="value"),
        wordings=(
            Wording(
                provider="fireworks",
                # Fireworks caps non-streaming completions: larger max_tokens needs stream=true.
                pattern=_re(r"Requests with max_tokens > (?P<limit>\d+) must have stream=true"),
                source="https://github.com/nextlevelbuilder/goclaw/pull/660",
                example="fireworks: HTTP 400: Requests with max_tokens > 4096 must have stream=true",
                # Accepted when streamed: a learned max_tokens constraint would flag streaming requests too.
                no_constraint=True,
            ),
            Wording(
                **_ENGINE_TEXTS["tgi.max-new-tokens"],  # provider, source, example
                # Anchored on TGI's prefix: "`inputs` tokens + `max_new_tokens` must be <= N" is the context window.
                pattern=_re(r"validation error: {Q}max_new_tokens{Q} must be <= (?P<limit>\d+)"),
                # The limit is named, not the value sent: learning "max_tokens" would flag small values too.
                no_constraint=True,
            ),
            Wording(
                provider="groq",
                # Groq, with and without the model: "max_tokens for `m` must be ..." / "`max_tokens` must be ...".
                pattern=_re(
                    r"{Q}max_tokens{Q}(?: for {Q}(?P<model>[\w./:-]{1,200}){Q})? must be less than or equal to "
                    r"{Q}(?P<limit>\d+)"
                ),
                source="https://github.com/skapadia3214/groq-moa/issues/8",
                example="max_tokens for `llama-3.1-8b-instant` must be less than or equal to 8000",
                # The text names the limit, not the value sent: learning "max_tokens" would flag every
                # later request that sets it, however small.
                no_constraint=True,
            ),
            Wording(
                provider="groq",
                pattern=_re(
                    r"{Q}max_tokens{Q}(?: for {Q}(?P<model>[\w./:-]{1,200}){Q})? must be less than or equal to "
                    r"{Q}(?P<limit>\d+)"
                ),
                source="https://github.com/anomalyco/opencode/issues/1000",
                example="AI_APICallError: `max_tokens` must be less than or equal to `16384`",
                no_constraint=True,
            ),
            Wording(
                provider="anthropic",
                pattern=_re(
                    r"max_tokens: (?P<value>\d+) > (?P<limit>\d+), which is the maximum allowed number of output tokens for (?P<model>[\w.@-]+)"
                ),
                source="https://github.com/anthropics/claude-code/issues/24451",
                example="max_tokens: 128001 > 64000, which is the maximum allowed number of output tokens for claude-opus-4-5-20251101",
            ),
            Wording(
                provider="bedrock",
                pattern=_re(
                    r"Malformed input request: (?P<value>\d+) is not less or equal to (?P<limit>\d+)"
                ),
                source="https://github.com/langchain-ai/langchain/issues/9697",
                example="Malformed input request: 8192 is not less or equal to 8191, please reformat your input and try again.",
            ),
            Wording(
                provider="deepseek",
                pattern=_re(
                    r"Invalid max_tokens value, the valid range of max_tokens is \[\d+, ?(?P<limit>\d+)\]"
                ),
                source="https://github.com/pollinations/pollinations/issues/1291",
                example="Invalid max_tokens value, the valid range of max_tokens is [1, 8192]",
                # Names the limit, not the rejected value: learning "max_tokens" would flag every
                # later request that sets it, within the range or not.
                no_constraint=True,
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"max_tokens is too large: (?P<value>\d+)\. This model supports at most (?P<limit>\d+) completion tokens"
                ),
                source="https://github.com/ChatGPTNextWeb/NextChat/issues/3195",
                example=(
                    "max_tokens is too large: 8192. This model supports at most 4096 completion tokens, whereas "
                    "you provided 8192."
                ),
            ),
            Wording(
                provider="vllm",
                pattern=_re(
                    r"{Q}max_tokens{Q} or {Q}max_completion_tokens{Q} is too large: (?P<value>\d+)\. This model's "
                    r"maximum context length is (?P<limit>\d+)"
                ),
                source="https://github.com/claude-code-best/claude-code/issues/272",
                example=(
                    "'max_tokens' or 'max_completion_tokens' is too large: 64000. This model's maximum context "
                    "length is 64001 tokens and your request has 24235 input tokens (64000 > 64001 - 24235)."
                ),
            ),
        ),
    ),
    Cause(
        # A body over the API's size limit (HTTP 413, Anthropic's ``request_too_large``) is a limit in
        # bytes, not the context window: lowering max_tokens does not help (walkthrough6 on Claude
        # Code's 413; precision pass 2 gave it its own cause, the title said "context window" before).
        id="cause.request-too-large",
        title="The request body is larger than the API accepts (a size limit in bytes, not the context window).",
        fix=(
            "Make the request body smaller (a limit in bytes, not tokens: Anthropic's Messages API takes 32 MB): "
            "send large images and documents by URL or through the provider's Files API, fewer or smaller "
            "attachments, and shorter tool results; lowering max_tokens does not help."
        ),
        wordings=(
            Wording(
                provider="anthropic",
                pattern=_re(r"Request exceeds the maximum allowed number of bytes"),
                source="https://docs.anthropic.com/en/api/errors",
                example="Request exceeds the maximum allowed number of bytes.",
            ),
            Wording(
                provider="anthropic",
                pattern=_code("request_too_large"),
                source="https://docs.anthropic.com/en/api/errors",
                example="request_too_large",
                on="code",
            ),
            Wording(
                provider="generic",
                # HTTP 413's reason phrase (RFC 9110 §15.5.14; RFC 7231 called it "Payload Too Large",
                # RFC 2616 "Request Entity Too Large"), as nginx and other front proxies print it.
                pattern=_re(r"\b(?:Request Entity|Payload|Content) Too Large\b"),
                source="https://www.rfc-editor.org/rfc/rfc9110#name-413-content-too-large",
                example="413 Request Entity Too Large",
            ),
        ),
    ),
    Cause(
        id="cause.context-length-exceeded",
        title="The prompt (plus the requested output) is longer than the model's context window.",
        fix="Shorten the conversation (drop or summarise old turns and large tool results) or lower max_tokens[[: the model takes {limit} tokens]][[, the request needed {value}]].",
        wordings=(
            Wording(
                provider="cerebras",
                pattern=_re(r"Current length is (?P<value>\d+) while limit is (?P<limit>\d+)"),
                source="https://github.com/cline/cline/issues/5140",
                example=(
                    "400 Please reduce the length of the messages or completion. Current length is 42328 while limit "
                    "is 40000"
                ),
            ),
            Wording(
                provider="lmstudio",
                pattern=_re(
                    r"Trying to keep the first (?P<value>\d+) tokens when context the overflows\. However, the model is "
                    r"loaded with context length of only (?P<limit>\d+) tokens"
                ),
                source="https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/546",
                example=(
                    "Trying to keep the first 111490 tokens when context the overflows. However, the model is loaded "
                    "with context length of only 32768 tokens, which is not enough. Try to load the model with a "
                    "larger context length, or provide a shorter input."
                ),
            ),
            Wording(
                provider="lmstudio",
                # The llama.cpp engine's n_keep check, as LM Studio returns it.
                pattern=_re(
                    r"number of tokens to keep from the initial prompt is greater than the context length "
                    r"\(n_keep: (?P<value>\d+) ?>= ?n_ctx: (?P<limit>\d+)\)"
                ),
                source="https://github.com/Gitlawb/openclaude/issues/353",
                example=(
                    "The number of tokens to keep from the initial prompt is greater than the context length "
                    "(n_keep: 13055>= n_ctx: 4096). Try to load the model with a larger context length, or provide a "
                    "shorter input."
                ),
            ),
            Wording(
                provider="moonshot",
                pattern=_re(r"exceeded model token limit: (?P<limit>\d+)(?: \(requested: (?P<value>\d+)\))?"),
                source="https://github.com/MoonshotAI/kimi-cli/issues/2011",
                example="Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)",
            ),
            Wording(
                **_ENGINE_TEXTS["sglang.context-length"],  # provider, source, example
                pattern=_re(
                    r"The input \((?P<value>\d+) tokens\) is longer than the model.s context length \((?P<limit>\d+) tokens\)"
                ),
            ),
            Wording(
                provider="sglang",
                pattern=_re(
                    r"Input length \((?P<value>\d+) tokens\) exceeds the maximum allowed length \((?P<limit>\d+) tokens\)"
                ),
                source="https://github.com/sgl-project/sglang/issues/4048",
                example="Input length (160062 tokens) exceeds the maximum allowed length (59862 tokens).",
            ),
            Wording(
                provider="anthropic",
                # Anthropic counts the input plus max_tokens against the window.
                pattern=_re(
                    r"input length and {Q}max_tokens{Q} exceed context limit: (?P<input_tokens>\d+) \+ "
                    r"(?P<max_tokens>\d+) > (?P<limit>\d+)"
                ),
                source="https://github.com/docker/docker-agent/issues/569",
                example=(
                    "input length and `max_tokens` exceed context limit: 178959 + 64000 > 200000, decrease input "
                    "length or `max_tokens` and try again"
                ),
            ),
            Wording(
                provider="xai",
                pattern=_re(
                    r"maximum prompt length is (?P<limit>\d+) but the request contains (?P<value>\d+) tokens"
                ),
                source="https://github.com/cline/cline/issues/3120",
                example="This model's maximum prompt length is 131072 but the request contains 136973 tokens.",
            ),
            Wording(
                provider="bedrock",
                pattern=_re("Input is too long for requested model"),
                source="https://github.com/aws-samples/bedrock-chat/issues/95",
                example="An error occurred (validationException) when calling the InvokeModelWithResponseStream operation: Input is too long for requested model.",
            ),
            Wording(
                provider="bedrock",
                pattern=_re(
                    "Malformed input request: expected maxLength: (?P<limit>\\d+), actual: (?P<value>\\d+)"
                ),
                source="https://github.com/ryanadoty/Amazon-Bedrock-Amazon-RDS-POC/issues/9",
                example="Malformed input request: expected maxLength: 42000, actual: 46735, please reformat your input and try again.",
            ),
            Wording(
                provider="vllm",
                pattern=_re(
                    "(?:decoder prompt \\(length|Prompt length of) (?P<value>\\d+)\\)? is longer than the maximum model length of (?P<limit>\\d+)"
                ),
                source="https://github.com/xorbitsai/inference/issues/3785",
                example="ValueError: [address=0.0.0.0:37591, pid=324770] The decoder prompt (length 17772) is longer than the maximum model length of 16384.",
            ),
            Wording(
                **_ENGINE_TEXTS["llama.cpp.context-size"],  # provider, source, example
                pattern=_re("the request exceeds the available context size"),
            ),
            Wording(
                provider="llama.cpp",
                pattern=_re(
                    "request \\((?P<value>\\d+) tokens\\) exceeds the available context size \\((?P<limit>\\d+) tokens\\)"
                ),
                source="https://github.com/ggml-org/llama.cpp/issues/19774",
                example="request (4390 tokens) exceeds the available context size (4096 tokens), try increasing it",
            ),
            Wording(
                provider="llama.cpp",
                pattern=_re("^Context size has been exceeded"),
                source="https://github.com/ggml-org/llama.cpp/issues/19774",
                example="Context size has been exceeded.",
            ),
            Wording(
                provider="llama.cpp",
                pattern=_code("exceed_context_size_error"),
                source="https://github.com/ggml-org/llama.cpp/pull/15780",
                example="exceed_context_size_error",
                on="code",
            ),
            Wording(
                provider="llama-cpp-python",
                pattern=_re(
                    "Requested tokens \\((?P<value>\\d+)\\) exceed context window of (?P<limit>\\d+)"
                ),
                source="https://github.com/fedora-copr/logdetective-website/pull/193",
                example="Exception: Requested tokens (2285) exceed context window of 2048",
            ),
            Wording(
                provider="copilot",
                pattern=_re(r"prompt token count of (?P<value>\d+) exceeds the limit of (?P<limit>\d+)"),
                source="https://github.com/microsoft/vscode/issues/293419",
                example="CAPIError: 400 prompt token count of 184399 exceeds the limit of 128000",
            ),
            Wording(
                provider="copilot",
                pattern=_code("model_max_prompt_tokens_exceeded"),
                source="https://github.com/ericc-ch/copilot-api/issues/65",
                example="model_max_prompt_tokens_exceeded",
                on="code",
            ),
            Wording(
                provider="gemini",
                pattern=_re(
                    r"The input token count \((?P<value>\d+)\) exceeds the maximum number of tokens allowed \((?P<limit>\d+)\)"
                ),
                source="https://github.com/google-gemini/gemini-cli/issues/6678",
                example="The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).",
            ),
            Wording(
                provider="deepinfra",
                pattern=_re(
                    r"Requested input length (?P<value>\d+) exceeds maximum input length (?P<limit>\d+)"
                ),
                source="https://github.com/langchain-ai/langchain/pull/25671",
                example="Requested input length 99009 exceeds maximum input length 8192",
            ),
            Wording(
                provider="dashscope",
                pattern=_re(r"Range of input length should be \[\d+, ?(?P<limit>\d+)\]"),
                source="https://github.com/QwenLM/qwen-code/issues/2384",
                example="400 <400> InternalError.Algo.InvalidParameter: Range of input length should be [1, 983616]",
            ),
            Wording(
                provider="siliconflow",
                pattern=_re(
                    r"length of prompt_tokens \((?P<value>\d+)\) must be less than max_seq_len \((?P<limit>\d+)\)"
                ),
                source="https://github.com/chatboxai/chatbox/issues/2060",
                example="length of prompt_tokens (68957) must be less than max_seq_len (65536).",
            ),
            Wording(
                provider="tgi",
                pattern=_re(
                    r"{Q}inputs{Q} (?:tokens \+ {Q}max_new_tokens{Q} must be <=|must have less than) (?P<limit>\d+)"
                ),
                source="https://github.com/meta-llama/llama/issues/1103",
                example="Input validation error: `inputs` must have less than 4096 tokens. Given: 4545",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    # The number must be a total ("requested 8256 tokens"), not vLLM's output budget
                    # ("you requested 32000 output tokens and your prompt contains ..."), which would tell
                    # the user the request fitted (https://github.com/anomalyco/opencode/issues/38108).
                    r"maximum context length is (?P<limit>\d+) tokens\.?(?:.{0,40}?(?:requested|resulted in)\s+(?P<value>\d+)(?= tokens))?"
                ),
                source="https://github.com/ChatGPTNextWeb/NextChat/issues/3195",
                example=(
                    "This model's maximum context length is 8192 tokens. However, you requested 8256 tokens (64 "
                    "in the messages, 8192 in the completion). Please reduce the length of the messages or completion."
                ),
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"prompt is too long: (?P<value>\d+) tokens > (?P<limit>\d+) maximum"),
                source="https://github.com/anthropics/claude-code/issues/12186",
                example="prompt is too long: 208310 tokens > 200000 maximum",
            ),
            Wording(
                provider="openai",
                pattern=_code("context_length_exceeded"),
                source="https://github.com/ChatGPTNextWeb/NextChat/issues/3195",
                example="context_length_exceeded",
                on="code",
            ),
        ),
    ),
    Cause(
        id="cause.reasoning-effort-unsupported",
        title="reasoning_effort (or this value of it) is not accepted by this model.",
        fix="Send a reasoning_effort value the model[[ ({model})]] accepts[[ instead of '{value}']], or omit reasoning_effort entirely for a model that does not reason (and never send it together with Gemini's thinking_config).",
        rule_id="params.reasoning-effort-value",
        constraint=ConstraintSpec("value", name="reasoning_effort", value_group="value"),
        wordings=(
            Wording(
                provider="ollama",
                pattern=_re(r"(?<![\w./:-])(?P<model>[\w./:-]{1,200}){Q} does not support thinking"),
                source="https://github.com/ollama/ollama/issues/11439",
                example="registry.ollama.ai/library/test-deepseekr1:7b does not support thinking",
                no_constraint=True,
            ),
            Wording(
                provider="ollama",
                pattern=_re(r"think value {Q}(?P<value>\w+){Q} is not supported for this model"),
                source="https://github.com/charmbracelet/crush/issues/2623",
                example='think value "medium" is not supported for this model',
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Unsupported value: {Q}reasoning_effort{Q} does not support {Q}(?P<value>[^'\"`\s]+){Q}"
                ),
                source="https://github.com/Kilo-Org/cloud/pull/3807",
                example=(
                    "Unsupported value: 'reasoning_effort' does not support 'none' with this model. Supported "
                    "values are: 'minimal', 'low', 'medium', and 'high'."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Unrecognized request argument supplied: reasoning_effort\b"),
                source="https://github.com/davidmigloz/langchain_dart/issues/712",
                example="Unrecognized request argument supplied: reasoning_effort",
                rule_id="params.reasoning-effort-unsupported",
                constraint=ConstraintSpec("param", name="reasoning_effort"),
            ),
            Wording(
                provider="gemini",
                pattern=_re(
                    r"Expected one of either {Q}reasoning_effort{Q} or custom {Q}thinking_config{Q}; found both"
                ),
                source="https://github.com/Alishahryar1/free-claude-code/issues/565",
                example="Expected one of either `reasoning_effort` or custom `thinking_config`; found both.",
                rule_id="quirks.gemini-thinking-config-conflict",
                no_constraint=True,
            ),
        ),
    ),
    Cause(
        id="cause.sampling-on-reasoning-model",
        title="A sampling parameter is sent to a reasoning model that rejects it.",
        fix="Remove {param} (or leave it at the default)[[ for {model}]]: reasoning models fix their sampling; on gpt-5.1 and later it is accepted only with reasoning_effort 'none'.",
        rule_id="params.unsupported-for-model",
        constraint=_PARAM,
        wordings=(
            Wording(
                provider="xai",
                pattern=_re(r"does not support parameter (?P<param>\w+)"),
                source="https://github.com/miaoxworld/NativeTavern/issues/83",
                example="Exception: Stream error: Exception: HTTP 400 Model xxx does not support parameter presencePenalty.",
                model_scoped=True,
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Unsupported value: {Q}(?P<param>temperature|top_p){Q} does not support {Q}(?P<value>[^'\"`\s]+){Q} "
                    r"with this model"
                ),
                source="https://github.com/gabrii/Cursor-Azure-GPT-5/issues/33",
                example=(
                    "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) "
                    "value is supported."
                ),
                rule_id="params.temperature-on-reasoning-model",
                constraint=_VALUE,
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Unsupported parameter: {Q}(?P<param>temperature){Q} is not supported with this model"
                ),
                source="https://github.com/simonw/llm/issues/731",
                example="Unsupported parameter: 'temperature' is not supported with this model.",
                rule_id="params.temperature-on-reasoning-model",
            ),
            Wording(
                provider="litellm",
                pattern=_re(
                    r"UnsupportedParamsError: (?P<model>[\w./:-]+) doesn't support (?P<param>\w+)=(?P<value>[^\s.]+(?:\.\d+)?) "
                    r"while reasoning is active"
                ),
                source="https://github.com/BerriAI/litellm/pull/33738",
                example=(
                    "litellm.UnsupportedParamsError: gpt-5-nano doesn't support temperature=0.1 while reasoning "
                    "is active. Only temperature=1 is supported unless reasoning_effort resolves to 'none'"
                ),
                rule_id="params.temperature-on-reasoning-model",
                constraint=_VALUE,
            ),
        ),
    ),
    Cause(
        id="cause.model-no-system-role",
        title="The model does not take a system (or developer) message.",
        fix="Move the {role} message's text into the first user message (or use 'developer' where the model takes it).",
        rule_id="roles.system-unsupported",
        api_rules=((MESSAGES, "anthropic.system-role-in-messages"), (CONVERSE, "converse.model-no-system")),
        constraint=ConstraintSpec("role", name_group="role"),
        wordings=(
            Wording(
                provider="anthropic",
                # The Messages API takes the system prompt as a top-level field, never as a message role.
                pattern=_re(
                    r"Unexpected role {Q}(?P<role>system){Q}\. The Messages API accepts a top-level {Q}system{Q}"
                ),
                source="https://github.com/ianarawjo/ChainForge/issues/271",
                example=(
                    'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, '
                    'not "system" as an input message role.'
                ),
                rule_id="anthropic.system-role-in-messages",
            ),
            Wording(
                provider="gemini",
                # "Developer instruction" is Gemini's name for systemInstruction (an OpenAI system message).
                pattern=_re(
                    r"Developer instruction is not enabled for (?:models/)?(?P<model>[\w.:-]{1,200})"
                ),
                source="https://github.com/lobehub/lobehub/issues/7128",
                example="Developer instruction is not enabled for models/gemma-3-27b-it",
                constraint=ConstraintSpec("role", name="system"),
            ),
            Wording(
                provider="vllm",
                pattern=_re("Unknown role: (?P<role>system|developer)\\b"),
                source="https://github.com/vllm-project/vllm/pull/53071",
                example="Unknown role: SYSTEM",
                rule_id="messages.unknown-role",
            ),
            Wording(
                provider="sglang",
                pattern=_re("(?P<role>System) role not supported"),
                source="https://github.com/sgl-project/sglang/issues/892",
                example="System role not supported",
            ),
            Wording(
                provider="dashscope",
                pattern=_re(r"(?P<role>developer) is not one of \[{Q}system{Q}"),
                source="https://github.com/DayuanJiang/next-ai-draw-io/issues/304",
                example="developer is not one of ['system', 'assistant', 'user', 'tool', 'function'] - 'messages.['0].role'",
                rule_id="roles.developer-unsupported",
            ),
            Wording(
                provider="minimax",
                pattern=_re("invalid message role: (?P<role>system|developer)"),
                source="https://github.com/BigPizzaV3/CodexPlusPlus/issues/267",
                example="invalid params, chat content has invalid message role: system (2013)",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Unsupported value: {Q}messages\[(?P<index>\d+)\]\.role{Q} does not support {Q}(?P<role>system|developer){Q}"
                ),
                source="https://github.com/microsoft/agent-framework/issues/1077",
                example="Unsupported value: 'messages[0].role' does not support 'system' with this model.",
            ),
            Wording(
                provider="codex",
                # The ChatGPT (Codex) backend's Responses endpoint takes instructions or a developer message,
                # never a system one (CLIProxyAPI's maintainer; codex2api#409 and cc-router#33 show the same
                # refusal behind other gateways).
                pattern=_re(r"\bSystem messages are not allowed\b"),
                source="https://github.com/router-for-me/CLIProxyAPI/issues/4092",
                example='"detail":"System messages are not allowed"',
                constraint=ConstraintSpec("role", name="system"),
                fix="Send the system text as `instructions` (or as a developer message): this endpoint takes no "
                "system message.",
            ),
            Wording(
                provider="azure",
                pattern=_re(r"Invalid value: {Q}(?P<role>developer){Q}\. Supported values are: {Q}system{Q}"),
                source="https://github.com/run-llama/llama_index/issues/17748",
                example=(
                    "Invalid value: 'developer'. Supported values are: 'system', 'assistant', 'user', 'function', "
                    "and 'tool'."
                ),
                rule_id="messages.unknown-role",
            ),
        ),
    ),
    Cause(
        id="cause.model-no-tools",
        title="The model does not support tools (function calling).",
        fix="Use a model with tool support for tool calls, or remove tools/tool_choice for this model[[ ({model})]].",
        constraint=ConstraintSpec("param", name="tools"),
        wordings=(
            Wording(
                provider="gemini",
                # Gemma models on the Gemini API take no function declarations.
                pattern=_re(r"Function calling is not enabled for (?:models/)?(?P<model>[\w.:-]{1,200})"),
                source="https://github.com/agno-agi/agno/issues/3505",
                example="Function calling is not enabled for models/gemma-3-12b-it",
            ),
            Wording(
                provider="deepseek",
                pattern=_re(r"(?<![\w.:/-])(?P<model>[\w.:/-]{1,200}) does not support Function Calling"),
                source="https://github.com/dnakov/anon-kode/issues/10",
                example="API Error: 400 deepseek-reasoner does not support Function Calling",
            ),
            Wording(
                provider="sglang",
                # SGLang started without --tool-call-parser refuses any request carrying tools (its
                # FunctionCallParser has no parser to pick); the served model takes no tools until it is.
                pattern=_re(r"\bUnsupported tool_call_parser: None\b"),
                source="https://github.com/sgl-project/sglang/issues/9102",
                example="Error in request: Unsupported tool_call_parser: None",
                fix="Start the server with --tool-call-parser (a parser for this model), or remove tools for it.",
            ),
            Wording(
                provider="openai",
                pattern=_re("tools is not supported in this model"),
                source="https://github.com/sbintuitions/flexeval/pull/242",
                example="tools is not supported in this model. For a list of supported models, refer to https://platform.openai.com/docs/guides/function-calling#models-supporting-function-calling.",
            ),
            Wording(
                provider="azure",
                pattern=_re("Functions are not supported for this API version or this model version"),
                source="https://github.com/MicrosoftDocs/azure-docs/issues/121504",
                example="Functions are not supported for this API version or this model version. To learn how to user use function calling with Azure OpenAI Service.",
            ),
            Wording(
                provider="cocore",
                pattern=_re("No connected provider supports tool calling for this model"),
                source="https://github.com/graze-social/cocore/issues/166",
                example="No connected provider supports tool calling for this model. The provider must be started with vLLM tool calling enabled and pass the startup forced-tool canary.",
            ),
            Wording(
                provider="deepinfra",
                pattern=_re(r"Tool calling is not supported for model: (?P<model>[\w./:-]{1,200})"),
                source="https://github.com/truefoundry/models/pull/944",
                example="deepinfra error: Tool calling is not supported for model: mistralai/Mistral-Small-24B-Instruct-2501",
            ),
            Wording(
                provider="openrouter",
                pattern=_re("No endpoints found that support tool use"),
                source="https://github.com/evalstate/fast-agent/issues/122",
                example="No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing",
            ),
            Wording(
                **_ENGINE_TEXTS["ollama.registry-model"],  # provider, source, example
                pattern=_re(r"(?<![\w./:-])(?P<model>[\w./:-]{1,200}) does not support tools"),
            ),
        ),
    ),
    Cause(
        id="cause.model-no-vision",
        title="The model does not take image input.",
        fix="Send images only to a vision model; for this model[[ ({model})]] remove the image_url parts or describe them in text.",
        constraint=ConstraintSpec("content_type", name="image_url"),
        wordings=(
            Wording(
                provider="openrouter",
                # OpenRouter (and gateways built like it) finds no provider of the model that takes images.
                pattern=_re(r"No endpoints found that support image input"),
                source="https://github.com/NousResearch/hermes-agent/pull/23411",
                example="HTTP 404: No endpoints found that support image input",
            ),
            Wording(
                provider="openai",
                # OpenAI and Azure, for a text-only model; the param field is messages.[i].content.[j].type.
                pattern=_re(r"Invalid content type\. image_url is only supported by certain models"),
                source="https://github.com/browser-use/web-ui/issues/274",
                example="Invalid content type. image_url is only supported by certain models.",
            ),
            Wording(
                provider="vllm",
                pattern=_re(r"(?<![\w./:-])(?P<model>[\w./:-]{1,200}) is not a multimodal model"),
                source="https://github.com/studio-dots-ai/dots.ocr/issues/26",
                example="Qwen/Qwen3-0.6B is not a multimodal model None",
            ),
            Wording(
                provider="deepseek",
                pattern=_re(
                    r"messages\[(?P<index>\d+)\]: (?:unknown variant {Q}image_url{Q}|data did not match any variant of untagged enum ChatCompletionRequestContent)"
                ),
                source="https://github.com/esengine/DeepSeek-Reasonix/issues/7859",
                example="Failed to deserialize the JSON body into the target type: messages[466]: unknown variant `image_url`, expected `text` at line 1 column 690848",
            ),
            Wording(
                provider="llama.cpp",
                pattern=_re("Unsupported content part type: {Q}image_url{Q}"),
                source="https://github.com/ggml-org/llama.cpp/issues/12947",
                example='Failed to parse messages: Unsupported content part type: "image_url"',
            ),
            Wording(
                provider="llama.cpp",
                pattern=_re("image input is not supported"),
                source="https://github.com/ggml-org/llama.cpp/issues/13566",
                example="image input is not supported by this server",
            ),
            Wording(
                provider="generic",
                pattern=_re(r"model does not support image input"),
                source="https://github.com/decolua/9router/issues/1269",
                example="this model does not support image input (ref: 9152fe9a-b690-4322-999d-8158be100749)",
            ),
            Wording(
                provider="litellm",
                pattern=_re(r"The provided model is not a vision model"),
                source="https://github.com/BerriAI/litellm/issues/7908",
                example="The provided model is not a vision model. Please provide a vision model.",
            ),
        ),
    ),
    Cause(
        id="cause.model-not-found",
        about_target=True,
        title="The model id is unknown to this upstream (or the key has no access to it).",
        fix=(
            "Use a model id this endpoint serves (list them with GET /v1/models)[[ instead of {model}]]; when the "
            "text says the key, project or organisation has no access to it, use a model it can access or get "
            "access (Bedrock model access in this region, OpenAI organisation verification, the key's model list)."
        ),
        wordings=(
            Wording(
                provider="one-api",
                # one-api/new-api gateways: no channel of the key's group serves the model (HTTP 503). The model
                # name may be empty when the request's model was blank.
                pattern=_re(r"当前分组 ?\S{1,100}? ?下对于模型 ?(?P<model>[^\s(（]{1,200})? ?无可用渠道"),
                source="https://github.com/songquanpeng/one-api/issues/2308",
                example="当前分组 default 下对于模型 gpt-5 无可用渠道 (request id: 2025082215093026624875464905761)",
            ),
            Wording(
                provider="lmstudio",
                # LM Studio answers 404 code model_not_found when no model is loaded.
                pattern=_re(r"No models loaded\. Please load a model"),
                source="https://github.com/canopyai/Orpheus-TTS/issues/229",
                example="No models loaded. Please load a model in the developer page or use the `lms load` command.",
            ),
            Wording(
                provider="gemini",
                # Gemini names the model with its resource prefix and the API version it looked in.
                pattern=_re(r"models/(?P<model>[\w.:-]{1,200}) is not found for API version"),
                source="https://github.com/wwardaww/gnome-gemini-ai/issues/22",
                example=(
                    "models/gemini-pro is not found for API version v1beta, or is not supported for "
                    "generateContent. Call ListModels to see the list of available models and their supported "
                    "methods."
                ),
            ),
            Wording(
                **_ENGINE_TEXTS["ollama.pull-model"],  # provider, source, example
                # Ollama adds ", try pulling it first" (api/generate, api/chat and /v1): the core is kept.
                pattern=_re(r"\bmodel {Q}(?P<model>[^'\"`\s]{1,200}){Q} not found"),
                # Ollama serves only the models pulled onto it, by exact name and tag (trial22: "list them with
                # GET /v1/models" did not say how to get one). https://github.com/ollama/ollama/blob/main/docs/faq.md
                fix=(
                    "Use a model this server has[[ instead of {model}]]: on Ollama, pull it first (ollama pull "
                    "<name:tag>) or pick a name `ollama list` shows, tag included (a name without a tag means "
                    ":latest); other servers list theirs at GET /v1/models."
                ),
            ),
            Wording(
                provider="vllm",
                # vLLM's 404 NotFoundError: the served model name differs from the request's "model".
                pattern=_re(r"The model {Q}(?P<model>[^'\"`\s]{1,200}){Q} does not exist"),
                source="https://github.com/vllm-project/vllm/issues/3485",
                example="The model `Qwen1.5-14B-Chat-GPTQ-Int8` does not exist.",
            ),
            Wording(
                provider="groq",
                pattern=_re(r"The model {Q}(?P<model>[^'\"`\s]+){Q} has been decommissioned"),
                source="https://github.com/valentinfrlch/ha-llmvision/issues/324",
                example="The model `llama-3.2-11b-vision-preview` has been decommissioned and is no longer supported. Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.",
            ),
            Wording(
                provider="groq",
                pattern=_code("model_decommissioned"),
                source="https://github.com/valentinfrlch/ha-llmvision/issues/324",
                example="model_decommissioned",
                on="code",
            ),
            Wording(
                provider="azure",
                pattern=_re("The API deployment for this resource does not exist"),
                source="https://github.com/chatboxai/chatbox/issues/861",
                example="The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
            ),
            Wording(
                provider="azure",
                pattern=_code("DeploymentNotFound"),
                source="https://github.com/MicrosoftDocs/azure-docs/issues/114013",
                example="DeploymentNotFound",
                on="code",
            ),
            Wording(
                provider="perplexity",
                pattern=_re(r"Invalid model {Q}(?P<model>[^'\"`]+?)\s*{Q}\. Permitted models"),
                source="https://github.com/FerroxLabs/wayland/issues/603",
                example="Invalid model 'perplexity/sonar'. Permitted models can be found in the documentation at https://docs.perplexity.ai/docs/getting-started/models.",
            ),
            Wording(
                provider="litellm",
                pattern=_re("Invalid model name passed in"),
                source="https://github.com/BerriAI/litellm/issues/2398",
                example="400: {'error': 'Invalid model name passed in'}",
            ),
            Wording(
                provider="fastchat",
                pattern=_re(r"Only allowed now, your model (?P<model>\S+)"),
                source="https://github.com/chatchat-space/Langchain-Chatchat/issues/3728",
                example="Only allowed now, your model local_chatglm3-6b",
            ),
            Wording(
                provider="nvidia",
                pattern=_re(r"Function {Q}[\w-]+{Q}: Not found for account"),
                source="https://github.com/Alishahryar1/free-claude-code/issues/1021",
                example="Function '23d4f03a-b8a6-4adb-a183-7daa083a09cc': Not found for account 'Qawmu2vUw3rdcREnubcAVqe1c55nUTb1hCogKQx4BCA'",
            ),
            Wording(
                provider="openrouter",
                pattern=_re(r"No endpoints found for (?P<model>[\w./:-]+?)\.?$"),
                source="https://github.com/vyancharuk/nodejs-api-boilerplate/issues/16",
                example="No endpoints found for nousresearch/hermes-3-llama-3.1-405b:free.",
            ),
            Wording(
                provider="github-models",
                pattern=_re(r"Unknown model: (?P<model>[\w./:-]+)"),
                source="https://github.com/BerriAI/litellm/issues/9740",
                example="litellm.BadRequestError: GithubException - Unknown model: mixtral-8x7b-32768",
            ),
            Wording(
                provider="copilot",
                pattern=_re("The requested model is not supported"),
                source="https://github.com/anomalyco/opencode/issues/34048",
                example="The requested model is not supported.",
            ),
            Wording(
                provider="moonshot",
                pattern=_re(r"Not found the model (?P<model>\S+) or Permission denied"),
                source="https://github.com/langgenius/dify/issues/39778",
                example="Not found the model kimi‑k2‑0711‑preview or Permission denied",
            ),
            Wording(
                provider="zhipu",
                pattern=_re("模型不存在"),
                source="https://github.com/nexu-io/nexu/issues/855",
                example="400 模型不存在，请检查模型代码。",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"The model (?:or endpoint )?{Q}(?P<model>[^'\"`\s]+){Q} does not exist or you do not have access to it"
                ),
                source="https://github.com/openai/openai-agents-python/issues/458",
                example="The model `computer-use-preview-2025-03-11` does not exist or you do not have access to it.",
            ),
            Wording(
                provider="deepseek",
                pattern=_re(r"^Model Not Exist$"),
                source="https://github.com/deepwn/addi/issues/13",
                example="Model Not Exist",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"That model does not exist"),
                source="https://github.com/josStorer/chatGPT-search-engine-extension/issues/14",
                example="That model does not exist",
            ),
            Wording(
                provider="openai",
                pattern=_code("model_not_found"),
                source="https://github.com/openai/openai-agents-python/issues/458",
                example="model_not_found",
                on="code",
            ),
            # Round 22: the convention for ACCESS REFUSALS (docs/causes.md "Label conventions"). A refusal
            # that names the model the credential may not use is this cause, not cause.auth: the key is
            # valid (another model works with it), and the fix is another model or access to this one.
            # OpenAI's own sentence joins both ("does not exist or you do not have access to it", code
            # model_not_found). One reading per form, each from a thread no corpus row comes from; they
            # are sentences so they win over Bedrock's AccessDeniedException code and a 401/403 status.
            Wording(
                provider="bedrock",
                # Bedrock (InvokeModel/Converse, any SDK) and Google's "You don't have access to this model".
                pattern=_re(r"\b(?:do not|don't|does not|doesn't) have access to (?:this|the) model\b"),
                source="https://github.com/anthropics/claude-code/issues/536",
                example="API Error: 403 You don't have access to the model with the specified model ID.",
                no_constraint=True,
            ),
            Wording(
                provider="openai",
                # An OpenAI project whose model allowlist leaves the model out.
                pattern=_re(r"\bdoes not have access to model {Q}?(?P<model>[\w./:@-]{0,199}\w)"),
                source="https://github.com/continuedev/continue/issues/10120",
                example="403 Project `proj_JMo3Q9spNIEWhSxusokLegJY` does not have access to model `gpt-4.1-2025-04-14`",
                no_constraint=True,
            ),
            Wording(
                provider="litellm",
                # LiteLLM's proxy: a virtual key (or team, or token) whose model list leaves the model out.
                pattern=_re(r"\b(?:key|team|token) not allowed to access model\b"),
                source="https://github.com/BerriAI/litellm/pull/39660",
                example=(
                    "key not allowed to access model. This key can only access models=['us.anthropic.claude-haiku-"
                    "4-5-20251001-v1:0']. Tried to access us.anthropic.claude-sonnet-4-6"
                ),
                no_constraint=True,
            ),
            Wording(
                provider="litellm",
                pattern=_code("key_model_access_denied"),
                source="https://github.com/BerriAI/litellm/pull/39660",
                example="key_model_access_denied",
                on="code",
                no_constraint=True,
            ),
            Wording(
                provider="openai",
                # OpenAI's gated models for unverified organisations ("to use the model `o3`", "to stream this
                # model"); a gated parameter ("to generate reasoning summaries") is not the model's refusal.
                pattern=_re(r"organization must be verified to (?:use|stream|access) (?:the |this )?model\b"),
                source="https://github.com/danny-avila/LibreChat/issues/6926",
                example=(
                    "400 Your organization must be verified to stream this model. Please go to: "
                    "https://platform.openai.com/settings/organization/general and click on Verify Organization."
                ),
                no_constraint=True,
            ),
        ),
    ),
    Cause(
        id="cause.system-not-first",
        title="A system message appears after the first position (the chat template allows one, first).",
        fix="Merge every system message into one system message at index 0.",
        rule_id="roles.system-not-first",
        constraint=ConstraintSpec("role", name="system", value="not-first"),
        wordings=(
            Wording(
                provider="vllm",
                pattern=_re(r"System message must be at the beginning"),
                source="https://github.com/nashsu/llm_wiki/issues/45",
                example="System message must be at the beginning.",
            ),
        ),
    ),
    Cause(
        id="cause.role-order",
        title="The message roles are not in the order the model's chat template requires.",
        fix=(
            "Make roles alternate user/assistant after one optional leading system message: merge consecutive "
            "messages of one role and keep tool results right after their calls."
        ),
        rule_id="roles.alternation",
        # Each native API's own rule (its predicted wording is this cause: "messages: first message must
        # use the \"user\" role", Gemini's "function call turn comes immediately after a user turn",
        # Bedrock's "A conversation must alternate between user and assistant roles").
        api_rules=(
            (MESSAGES, "anthropic.first-message-not-user"),
            (GEMINI, "gemini.function-call-turn-order"),
            (CONVERSE, "converse.role-alternation"),
        ),
        constraint=ConstraintSpec("role", name="alternation"),
        wordings=(
            Wording(
                provider="gemini",
                pattern=_re(r"Please ensure that multiturn requests alternate between user and model"),
                source="https://github.com/NousResearch/hermes-agent/pull/55623",
                example="Please ensure that multiturn requests alternate between user and model",
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"first message must use the {Q}user{Q} role"),
                source="https://github.com/lobehub/lobehub/issues/1601",
                example='messages: first message must use the "user" role',
                rule_id="anthropic.first-message-not-user",
            ),
            Wording(
                provider="anthropic",
                pattern=_re(
                    "roles must alternate between {Q}user{Q} and {Q}assistant{Q}, but found multiple {Q}(?P<role>user|assistant){Q} roles in a row"
                ),
                source="https://github.com/etkecc/baibot/issues/13",
                example='messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row',
            ),
            Wording(
                provider="perplexity",
                pattern=_re(r"user or tool message\(s\) should alternate with assistant message\(s\)"),
                source="https://github.com/serac-labs/serac/issues/53",
                example="After the (optional) system message(s), user or tool message(s) should alternate with assistant message(s).",
            ),
            Wording(
                provider="nvidia",
                pattern=_re("chat messages must alternate roles between {Q}user{Q} and {Q}assistant{Q}"),
                source="https://github.com/NVIDIA/GenerativeAIExamples/issues/113",
                example="chat messages must alternate roles between 'user' and 'assistant'. Message may have a leading 'system' role message",
            ),
            Wording(
                provider="deepseek",
                pattern=_re(
                    r"The first message \(except the system message\) of (?P<model>[\w.-]+) must be a user message"
                ),
                source="https://github.com/ChatGPTNextWeb/NextChat/issues/6343",
                example="The first message (except the system message) of deepseek-reasoner must be a user message, but an assistant message detected.",
            ),
            Wording(
                provider="bedrock",
                pattern=_re("A conversation must alternate between user and assistant roles"),
                source="https://github.com/langgenius/dify/issues/9294",
                example="ValidationException: A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
            ),
            Wording(
                provider="perplexity",
                pattern=_re("user and assistant roles should be alternating"),
                source="https://github.com/perplexityai/api-discussion/issues/265",
                example="After the (optional) system message(s), user and assistant roles should be alternating.",
            ),
            Wording(
                provider="deepseek",
                pattern=_re("does not support successive user or assistant messages"),
                source="https://github.com/xerrors/Yuxi/issues/126",
                example="deepseek-reasoner does not support successive user or assistant messages (messages[0] and messages[1] in your input). You should interleave the user/assistant messages in the message sequence.",
            ),
            Wording(
                provider="gemini",
                pattern=_re("Please ensure that function (?:call|response) turn comes immediately after"),
                source="https://github.com/google-gemini/gemini-cli/issues/26486",
                example="Please ensure that function call turn comes immediately after a user turn or after a function response turn.",
            ),
            Wording(
                provider="mistral",
                pattern=_re(r"Unexpected role {Q}(?P<role>\w+){Q} after role {Q}(?P<previous_role>\w+){Q}"),
                source="https://github.com/datapizza-labs/datapizza-ai/issues/98",
                example="Unexpected role 'user' after role 'tool'",
            ),
            Wording(
                provider="qianfan",
                pattern=_re("the length of messages must be an odd number"),
                source="https://github.com/Undertone0809/promptulate/issues/60",
                example="the length of messages must be an odd number",
            ),
            Wording(
                provider="vllm",
                pattern=_re(r"conversation roles must alternate user"),
                source="https://github.com/microsoft/autogen/issues/1037",
                example="Conversation roles must alternate user/assistant/user/assistant/...",
                # vLLM's Mistral templates raise it for a system message too: one not first
                # (roles.system-not-first) or any at all (roles.system-unsupported; the thread's case).
                shared_by=("roles.system-not-first", "roles.system-unsupported"),
                cause_by_rule=(("roles.system-unsupported", "cause.model-no-system-role"),),
            ),
        ),
    ),
    Cause(
        id="cause.last-message-assistant",
        title="The conversation ends with an assistant message (a prefill) the model does not take.",
        fix="End the request with a user (or tool) message; drop the trailing assistant message or turn it into context.",
        rule_id="roles.trailing-assistant-messages",
        constraint=ConstraintSpec("role", name="assistant", value="last"),
        wordings=(
            Wording(
                provider="gemini",
                # Gemini's grammar slip ("ends") is kept optional: the stable core is the sentence.
                pattern=_re(
                    r"Please ensure that multiturn requests ends? with a user role or a function response"
                ),
                source="https://github.com/songquanpeng/one-api/issues/836",
                example=(
                    "Please ensure that multiturn requests ends with a user role or a function response. (request "
                    "id: 20231218115733848767070nWkJNglT)"
                ),
            ),
            Wording(
                provider="nvidia",
                pattern=_re("Last message role should be {Q}user{Q}"),
                source="https://github.com/NVIDIA/GenerativeAIExamples/issues/113",
                example="Last message role should be 'user'",
            ),
            Wording(
                provider="deepseek",
                pattern=_re(r"The last message of (?P<model>[\w.-]+) must be a user message"),
                source="https://github.com/BerriAI/litellm/issues/8090",
                example="The last message of deepseek-reasoner must be a user message, or an assistant message with prefix mode on (refer to https://api-docs.deepseek.com/guides/chat_prefix_completion).",
            ),
            Wording(
                provider="mistral",
                pattern=_re(
                    r"Expected last role User or Tool \(or Assistant with prefix True\) for serving but got assistant"
                ),
                source="https://github.com/0xPlaygrounds/rig/pull/1130",
                example="Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant",
            ),
            Wording(
                **_ENGINE_TEXTS["llama.cpp.trailing-assistants"],  # provider, source, example
                pattern=_re("Cannot have 2 or more assistant messages at the end of the list"),
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"This model does not support assistant message prefill"),
                source="https://github.com/smallmain/vscode-unify-chat-provider/issues/249",
                example=(
                    "This model does not support assistant message prefill. The conversation must end with a "
                    "user message."
                ),
            ),
        ),
    ),
    Cause(
        id="cause.empty-content",
        title="A message or text block has empty content.",
        fix="Drop empty messages and empty text blocks (or put real text in them) before sending[[; message {index}]].",
        wordings=(
            Wording(
                provider="mistral",
                pattern=_re(r"Assistant message must have either content or tool_calls, but not none"),
                source="https://github.com/solbrowse/extension/issues/16",
                example="Assistant message must have either content or tool_calls, but not none.",
            ),
            Wording(
                provider="gemini",
                pattern=_re(r"contents\.parts must not be empty"),
                source="https://github.com/langchain-ai/langgraph/issues/3939",
                example="GenerateContentRequest.contents[3].parts: contents.parts must not be empty.",
            ),
            Wording(
                provider="gemini",
                pattern=_re(r"GenerateContentRequest\.contents: contents is not specified"),
                source="https://github.com/vercel/ai/issues/3775",
                example="Error [AI_APICallError]: * GenerateContentRequest.contents: contents is not specified",
                rule_id="messages.empty",
            ),
            Wording(
                provider="cohere",
                pattern=_re("message must be at least 1 token long or tool results must be specified"),
                source="https://github.com/yym68686/uni-api/issues/6",
                example="invalid request: message must be at least 1 token long or tool results must be specified.",
            ),
            Wording(
                provider="zhipu",
                pattern=_re(r"messages\[(?P<index>\d+)\]:content和tool_calls 字段不能同时为空"),
                source="https://github.com/AgentEra/Agently/issues/74",
                example="messages[4]:content和tool_calls 字段不能同时为空",
                rule_id="shape.empty-assistant-message",
            ),
            Wording(
                provider="llama.cpp",
                pattern=_re("Expected {Q}content{Q} to be a string or an array"),
                source="https://github.com/ggml-org/llama.cpp/issues/13471",
                example="Expected 'content' to be a string or an array",
            ),
            Wording(
                provider="dashscope",
                pattern=_re("The content field is a required field"),
                source="https://github.com/QwenLM/qwen-code/issues/5265",
                example="[API Error: 400 <400> InternalError.Algo.InvalidParameter: The content field is a required field.]",
                rule_id="messages.missing-content",
            ),
            Wording(
                provider="sglang",
                pattern=_re(
                    r"messages\.(?P<index>\d+)\.\w+\.content(?:\.str)? Input should be a valid string \[type=string_type, input_value=None"
                ),
                source="https://github.com/danny-avila/LibreChat/issues/6256",
                example="pydantic_core._pydantic_core.ValidationError: 5 validation errors for ChatCompletionRequest messages.1.ChatCompletionMessageGenericParam.content.str Input should be a valid string [type=string_type, input_value=None, input_type=NoneType]",
            ),
            Wording(
                provider="moonshot",
                pattern=_re(
                    r"the message at position (?P<index>\d+) with role {Q}(?P<role>\w+){Q} must not be empty"
                ),
                source="https://github.com/labring/FastGPT/issues/3575",
                example="400 Invalid request: the message at position 4 with role 'assistant' must not be empty (request id: 2025011303374215804122836717847)",
            ),
            Wording(
                provider="zhipu",
                pattern=_re(r"messages\[(?P<index>\d+)\]\.content\[\d+\]\.text:text cannot be empty"),
                source="https://github.com/agentscope-ai/QwenPaw/issues/287",
                example="messages[20].content[0].text:text cannot be empty.",
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"text content blocks must (?:be non-empty|contain non-whitespace text)"),
                source="https://github.com/anthropics/claude-code/issues/53473",
                example="messages: text content blocks must be non-empty",
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"messages\.(?P<index>\d+): all messages must have non-empty content"),
                source="https://github.com/anthropics/claude-code/issues/4416",
                example=(
                    "messages.11: all messages must have non-empty content except for the optional final "
                    "assistant message"
                ),
            ),
            Wording(
                provider="moonshot",
                pattern=_re(r"text content is empty"),
                source="https://github.com/LLM-Red-Team/kimi-cc/issues/23",
                example="Invalid request: text content is empty",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Invalid value for {Q}content{Q}: expected a string, got null"),
                source="https://github.com/songquanpeng/one-api/issues/784",
                example="Invalid value for 'content': expected a string, got null.",
                rule_id="messages.missing-content",
            ),
        ),
    ),
    Cause(
        id="cause.content-array-unsupported",
        title="Message content is sent as an array of parts where this server takes only a string.",
        fix="Send message content as one string (join the text parts) for this endpoint[[; message {index}]].",
        constraint=ConstraintSpec("content_type", name="array"),
        wordings=(
            Wording(
                provider="deepseek",
                # serde: the message's content is a list of parts where this model takes a string.
                pattern=_re(r"messages\[(?P<index>\d+)\]: invalid type: sequence, expected a string"),
                source="https://github.com/tailcallhq/forgecode/issues/2008",
                example=(
                    "Failed to deserialize the JSON body into the target type: messages[9]: invalid type: sequence, "
                    "expected a string at line 1 column 45446"
                ),
            ),
            Wording(
                provider="vllm",
                # vLLM's pydantic models where a role's content is str only (Mistral tool messages, assistant
                # messages): "messages.2.tool.content Input should be a valid string ... input_type=list", or
                # the dict form whose loc ends in content.str.
                pattern=_re(
                    r"messages\.(?P<index>\d+)\.(?:\w{1,80}\.)?content(?:\.str)?:? Input should be a valid string"
                ),
                source="https://github.com/vllm-project/vllm/pull/18729",
                example=(
                    "pydantic_core._pydantic_core.ValidationError: 1 validation error for ChatCompletionRequest "
                    "messages.2.tool.content Input should be a valid string [type=string_type, "
                    "input_value=[{'type': 'text', 'text': 'Rainy'}], input_type=list]"
                ),
            ),
            Wording(
                provider="ollama",
                pattern=_re(
                    r"cannot unmarshal array into Go struct field \w+\.messages\.content of type string"
                ),
                source="https://github.com/ollama/ollama/issues/10255",
                example="json: cannot unmarshal array into Go struct field ChatRequest.messages.content of type string",
            ),
            Wording(
                provider="azure",
                pattern=_re(
                    r"Invalid type for {Q}(?P<field>messages\[(?P<index>\d+)\]\.content){Q}: expected a string, "
                    r"but got an array"
                ),
                source="https://github.com/danny-avila/LibreChat/issues/3111",
                example="Invalid type for 'messages[0].content': expected a string, but got an array instead",
            ),
            Wording(
                provider="groq",
                pattern=_re(r"{Q}messages\.(?P<index>\d+)\.content{Q} : value must be a string"),
                source="https://github.com/gptme/gptme/issues/375",
                example="'messages.0.content' : value must be a string",
            ),
            Wording(
                # nlohmann::json's type_error.302 (llama.cpp's server, llamafile), a validation library's format
                # (round 17) read here rather than in FRAMEWORKS: it names no path (in a chat request the string
                # field an array reaches is a message's content), and llama.cpp prints it under "500 Internal
                # Server Error", which the generic server-error sentence later in the catalogue would take.
                # Format: nlohmann/json include/nlohmann/detail/conversions/from_json.hpp
                # (type_error::create(302, concat("type must be string, but is ", j.type_name()), &j)).
                provider="llama.cpp",
                pattern=_re(r"\[json\.exception\.type_error\.302\] type must be string, but is array\b"),
                source="https://github.com/mozilla-ai/llamafile/issues/631",
                example="500 Internal Server Error\n[json.exception.type_error.302] type must be string, but is array",
            ),
        ),
    ),
    Cause(
        id="cause.invalid-image",
        title="An image part is not a valid image the provider can read (bad URL, bad base64, wrong type).",
        fix=(
            "Send images as data:image/png|jpeg|webp;base64,<valid base64> (or a reachable https URL where "
            "the provider downloads them), with the declared media type matching the bytes."
        ),
        rule_id="content.invalid-image-url",
        wordings=(
            Wording(
                provider="llama.cpp",
                pattern=_re("failed to decode image bytes"),
                source="https://github.com/potato-os/core/pull/89",
                example="mtmd_helper_bitmap_init_from_buf: failed to decode image bytes",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid (?:image URL: )?{Q}(?P<field>[^'\"`]+){Q}\. Expected a base64-encoded data URL.{0,200}?"
                    r"but got empty base64-encoded bytes"
                ),
                source="https://github.com/anomalyco/opencode/issues/23983",
                example=(
                    "Invalid image URL: 'messages[0].content[1].image_url.url'. Expected a base64-encoded data "
                    "URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got "
                    "empty base64-encoded bytes."
                ),
                rule_id="content.empty-base64",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid (?:image URL: )?{Q}(?P<field>[^'\"`]+){Q}\. Expected a base64-encoded data URL"
                ),
                source="https://github.com/Alibaba-NLP/OmniSearch/issues/3",
                example=(
                    "Invalid image URL: 'messages[0].content[1].image_url.url'. Expected a base64-encoded data "
                    "URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a "
                    "value without the 'data:' prefix."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Invalid MIME type\. Only image types are supported"),
                source="https://github.com/langgenius/dify/issues/11527",
                example="Invalid MIME type. Only image types are supported.",
                rule_id="content.non-image-data-url",
            ),
            Wording(
                provider="ollama",
                pattern=_re(r"illegal base64 data at input byte (?P<index>\d+)"),
                source="https://github.com/jakobdylanc/llmcord/issues/29",
                example="illegal base64 data at input byte 4",
            ),
            Wording(
                provider="ollama",
                pattern=_re(r"^invalid image input$"),
                source="https://github.com/ollama/ollama/issues/6753",
                example="invalid image input",
                rule_id="content.non-image-data-url",
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"Image does not match the provided media type (?P<value>[\w/+.-]+)"),
                source="https://github.com/anthropics/claude-code/issues/6300",
                example="messages.2.content.0.image.source.base64.data: Image does not match the provided media type image/png",
            ),
        ),
    ),
    Cause(
        id="cause.extra-message-field",
        title="A message carries a field this server does not accept.",
        fix="Remove {field} from the message[[ (message {index})]] before sending (strict servers reject non-standard message keys).",
        rule_id="roles.unknown-message-key",
        constraint=_MESSAGE_FIELD,
        wordings=(
            Wording(
                provider="dashscope",
                pattern=_re(r"The \[(?P<field>function_call)\] is not supported in the message"),
                source="https://github.com/QwenLM/Qwen3/issues/573",
                example="The [function_call] is not supported in the message; however, you may be able to use [tool_calls]",
            ),
            Wording(
                provider="bedrock",
                pattern=_re(
                    r"#/(?P<ptr>messages/\d+[\w/]*): extraneous key \[(?P<field>[\w.-]+)\] is not permitted"
                ),
                source="https://github.com/crmne/ruby_llm/issues/586",
                example="Malformed input request: #/messages/0/content/0: extraneous key [type] is not permitted, reformat your input and try again.",
            ),
            Wording(
                provider="groq",
                pattern=_re(
                    r"{Q}messages\.(?P<index>\d+){Q} : for {Q}role:(?P<role>\w+){Q} the following must be satisfied"
                    r"\[\({Q}messages\.\d+{Q} : property {Q}(?P<field>[\w.-]+){Q} is unsupported"
                ),
                source="https://github.com/SimonSchubert/Kai/issues/265",
                example=(
                    "'messages.2' : for 'role:assistant' the following must be satisfied[('messages.2' : property "
                    "'reasoning_content' is unsupported)]"
                ),
            ),
            Wording(
                provider="gemini",
                pattern=_re(
                    r"Unknown name {Q}(?P<field>\w+){Q} at {Q}(?P<path>contents\[(?P<index>\d+)\][^'\"`]*){Q}: Cannot find field"
                ),
                source="https://github.com/gera2ld/ai.nvim/issues/13",
                example=(
                    "Invalid JSON payload received. Unknown name \"role\" at 'contents[0].parts': Cannot find field."
                ),
            ),
            Wording(
                provider="vllm",
                # pydantic extra_forbidden with a loc inside messages (FastAPI detail rendered by the parser,
                # pydantic's text form, or a Python-literal list; see _prepare).
                pattern=_re(
                    r"(?:^|[\s;\[(,'\"])(?:body\.)?(?P<loc>messages\.\d+(?:\.[\w\[\]-]+)+)\s*:?\s+Extra inputs are not permitted"
                ),
                source="https://github.com/vllm-project/vllm/issues/12864",
                example=(
                    "1 validation error for ChatCompletionRequest messages.0.user.name   Extra inputs are not "
                    "permitted [type=extra_forbidden, input_value='bob', input_type=str]"
                ),
            ),
        ),
    ),
    Cause(
        id="cause.extra-request-field",
        title="The request carries a top-level field this server does not accept.",
        fix="Remove {field} from the request body for this endpoint (strict servers reject unknown keys).",
        rule_id="params.unknown",
        api_rules=(
            (MESSAGES, "anthropic.unknown-field"),
            (GEMINI, "gemini.unknown-field"),
            (CONVERSE, "converse.unknown-field"),
        ),
        constraint=_FIELD,
        wordings=(
            Wording(
                provider="anthropic",
                # pydantic v1's wording of the same error (Anthropic's API in 2023; FastAPI servers on v1).
                pattern=_re(
                    r"(?:^|[\s;\[(,'\"])(?:body\.)?(?P<loc>[A-Za-z_][\w-]*(?:\.[\w\[\]-]+)*)\s*:?\s+extra fields not permitted"
                ),
                source="https://github.com/danny-avila/LibreChat/issues/932",
                example="maxOutputTokens: extra fields not permitted",
            ),
            Wording(
                provider="dial",
                # EPAM DIAL's gateway (pydantic v1 behind it) naming the path whose object has extra keys.
                pattern=_re(
                    r"invalid structure on path (?P<loc>[A-Za-z_][\w-]*(?:\.[\w-]+)*)\.? extra fields not permitted"
                ),
                source="https://github.com/epam/ai-dial/issues/338",
                example=(
                    "Your request contained invalid structure on path stream_options. extra fields not permitted"
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Unknown parameter: {Q}(?P<loc>[\w.\[\]-]+){Q}"),
                source="https://github.com/decolua/9router/issues/1157",
                example="Unknown parameter: 'client_metadata'",
            ),
            Wording(
                provider="bedrock",
                pattern=_re(r"#: extraneous key \[(?P<loc>[\w.-]+)\] is not permitted"),
                source="https://github.com/fumito-ito/AnthropicSwiftSDK/issues/19",
                example='Malformed input request: #: subject must not be valid against schema {"required":["messages"]}#: extraneous key [stream] is not permitted#: extraneous key [model] is not permitted, please reformat your input and try again.',
            ),
            Wording(
                provider="nvidia",
                pattern=_re(r"Unsupported parameter\(s\): {Q}(?P<field>\w+)"),
                source="https://github.com/MoonshotAI/kimi-cli/issues/2534",
                example="400 Validation: Unsupported parameter(s): `prompt_cache_key`",
                names_parameters=True,
            ),
            Wording(
                provider="groq",
                pattern=_re(r"property {Q}(?P<loc>[\w.-]+){Q} is unsupported"),
                source="https://github.com/fanenr/chatbot/issues/21",
                example="property 'store' is unsupported, did you mean 'stop'?",
                # "unsupported", not "unknown": a generation parameter named here is one the server
                # does not support (``cause.param-unsupported``), as for NVIDIA's wording above.
                names_parameters=True,
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Unrecognized request arguments? supplied: (?P<field>\w+)"),
                source="https://github.com/nashsu/llm_wiki/issues/336",
                example="Unrecognized request argument supplied: thinking",
                names_parameters=True,
            ),
            Wording(
                provider="gemini",
                # Round 19: not a name unknown inside a tool's schema or a turn ("at 'tools[10].function_declarations
                # [0]...'", "at 'contents[0].parts'"): those are a tool schema's or a message's fault, named by the
                # wordings for those paths; a top-level field is not what was refused.
                pattern=_re(
                    r"Unknown name {Q}(?P<field>\w+){Q}(?: at {Q}(?!(?:request\.)?(?:tools|contents)\[)(?P<path>[^'\"`]*){Q})?: "
                    r"Cannot find field"
                ),
                source="https://github.com/FuzzAnything/PromptFuzz/issues/42",
                example='Invalid JSON payload received. Unknown name "web_search_options": Cannot find field.',
            ),
            Wording(
                provider="fireworks",
                pattern=_re(r"Extra inputs are not permitted, field: {Q}(?P<loc>[\w.\[\]-]+){Q}"),
                source="https://github.com/FlowiseAI/Flowise/issues/2866",
                example="Extra inputs are not permitted, field: 'stream_options'",
            ),
            Wording(
                provider="vllm",
                pattern=_re(
                    r"(?:^|[\s;\[(,'\"])(?:body\.)?(?P<loc>[A-Za-z_][\w-]*(?:\.[\w\[\]-]+)*)\s*:?\s+Extra inputs are not permitted"
                ),
                source="https://github.com/gpustack/gpustack/issues/429",
                example=(
                    "[{'type': 'extra_forbidden', 'loc': ('body', 'stream_otpions'), 'msg': 'Extra inputs are "
                    "not permitted', 'input': {'include_usage': True}}]"
                ),
            ),
        ),
    ),
    Cause(
        id="cause.param-type-invalid",
        title="A parameter has the wrong JSON type.",
        fix="Send {param} as {expected}[[ (it was {got})]].",
        rule_id="params.wrong-type",
        wordings=(
            Wording(
                provider="azure",
                # The JSON-Schema validator wording of OpenAI's older API (and Azure's): "<value> is not of type
                # '<type>' - '<param>'". The opening quote is required: an optional one would let every
                # position start a 200-character scan (linear-time matching, see the tests).
                pattern=_re(
                    r"['\"](?P<value>[^'\"`]{0,200})['\"] is not of type {Q}(?P<expected>\w+){Q} - {Q}(?P<param>[\w.\[\]]{1,100}){Q}"
                ),
                source="https://github.com/Azure/azure-sdk-for-js/issues/28164",
                example="'25000' is not of type 'integer' - 'max_tokens'",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"['\"](?P<value>[^'\"`]{0,200})['\"] is not of type {Q}(?P<expected>\w+){Q} - {Q}(?P<param>[\w.\[\]]{1,100}){Q}"
                ),
                source="https://github.com/promptfoo/promptfoo/pull/29",
                example="'1' is not of type 'number' - 'temperature'",
            ),
            Wording(
                provider="deepseek",
                # serde's "invalid type" for a top-level parameter (messages[...] content shapes have their own
                # causes: an array where a string is required, an unknown content part).
                pattern=_re(
                    r"Failed to deserialize the JSON body into the target type: (?!messages)(?P<param>[\w.\[\]]{1,100}): "
                    r"invalid type: (?P<got>\w+).{0,200}?, expected (?P<expected>\w+)"
                ),
                source="https://github.com/NotIvny/Yunzai-DeepSeek-JS/issues/2",
                example=(
                    "Failed to deserialize the JSON body into the target type: temperature: invalid type: string "
                    '"1.3", expected f32 at line 13 column 22'
                ),
            ),
            Wording(
                provider="gemini",
                pattern=_re(
                    "Unknown name {Q}(?P<param>\\w+){Q} at {Q}(?P<path>[^'\\\"`]*){Q}: Proto field is not repeating, cannot start list"
                ),
                source="https://github.com/DanielEdrisian/AlexSideBar-Public/issues/104",
                example="Invalid JSON payload received. Unknown name \"text\" at 'contents[1].parts[0]': Proto field is not repeating, cannot start list.",
            ),
            Wording(
                provider="moonshot",
                pattern=_re(
                    r"the {Q}(?P<param>\w+){Q} field in the request \(expected type (?P<expected>\w+)\) is illegal, and (?P<got>\w+) is not acceptable"
                ),
                source="https://github.com/LionSR/TeXRA/pull/1905",
                example="the thinking field in the request (expected type object) is illegal, and bool is not acceptable",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid type for {Q}(?P<param>[^'\"`]+){Q}: expected (?P<expected>.{1,80}?), but got "
                    r"(?P<got>an? \w+|\w+)"
                ),
                source="https://github.com/coze-dev/coze-studio/issues/2317",
                example=(
                    "Invalid type for 'messages.[0].content': expected one of a string or array of objects, but "
                    "got an object instead."
                ),
            ),
        ),
    ),
    Cause(
        id="cause.param-value-unsupported",
        title="A parameter has a value this model or server does not accept.",
        fix="Change {param}[[ from '{value}']] to a value the model accepts (or omit it).",
        constraint=_VALUE,
        wordings=(
            Wording(
                provider="deepseek",
                # DeepSeek takes response_format text and json_object only (json_schema is refused).
                pattern=_re(r"This (?P<param>response_format) type is unavailable"),
                source="https://github.com/llm-exe/llm-exe/issues/662",
                example="This response_format type is unavailable now",
                # The text does not name the type it refused: learning "response_format" would flag json_object too.
                no_constraint=True,
            ),
            Wording(
                provider="groq",
                # Groq's request validator: "'<path>' : value is not one of the allowed values [...]".
                pattern=_re(
                    # Quoted path required: an optional quote would let every position start a 100-character scan.
                    r"['\"](?P<param>[\w.\[\]]{1,100})['\"] : value is not one of the allowed values \[(?P<expected>[^\]]{0,200})\]"
                ),
                source="https://github.com/dzhng/deep-research/issues/127",
                example="'response_format.type' : value is not one of the allowed values ['text','json_object']",
                # The refused value is not named: learning the parameter would flag the allowed values too.
                no_constraint=True,
            ),
            Wording(
                provider="moonshot",
                pattern=_re(
                    r"invalid (?P<param>temperature): only (?P<expected>[\d.]+) is allowed for this model"
                ),
                source="https://github.com/HKUDS/nanobot/pull/202",
                example="invalid temperature: only 1 is allowed for this model",
                rule_id="params.temperature-on-reasoning-model",
            ),
            Wording(
                provider="deepseek",
                pattern=_re("Invalid top_logprobs and logprobs value"),
                source="https://github.com/deepseek-ai/DeepSeek-V2/issues/9",
                example="Invalid top_logprobs and logprobs value",
                rule_id="params.top-logprobs-without-logprobs",
                no_constraint=True,
            ),
            Wording(
                provider="vllm",
                pattern=_re(r"Cannot request more than (?P<limit>\d+) (?P<param>logprobs)"),
                source="https://github.com/EleutherAI/lm-evaluation-harness/issues/1735",
                example="Cannot request more than 5 logprobs.",
            ),
            Wording(
                provider="vllm",
                pattern=_re(r"(?<!\w){Q}(?P<param>\w{1,64}){Q} must be a positive value"),
                source="https://github.com/vllm-project/vllm/issues/24948",
                example="`prompt_logprobs` must be a positive value.",
            ),
            Wording(
                provider="fastchat",
                pattern=_re(
                    r"(?<![\d.])(?P<value>-?[\d.]{1,30}) is (?:less than the minimum|greater than the maximum) of "
                    r"[\d.]+ - {Q}(?P<param>\w+){Q}"
                ),
                source="https://github.com/chatchat-space/Langchain-Chatchat/issues/2065",
                example="0 is less than the minimum of 1 - 'max_tokens'",
                rule_id="params.max-tokens-range",
            ),
            Wording(
                provider="fireworks",
                pattern=_re(
                    "Input should be (?P<expected>.{1,200}?), field: {Q}(?P<param>[\\w.\\[\\]]+){Q}, value: {Q}(?P<value>[^'\\\"`]*){Q}"
                ),
                source="https://github.com/boldsoftware/shelley/issues/242",
                example="Error: 2 request validation errors: - Input should be 'function', 'web_search_preview' or 'code_interpreter', field: 'tools[8].type', value: 'web_search_20250305' - Extra inputs are not permitted, field: 'tools[8].name', value: 'web_search'",
            ),
            Wording(
                provider="anthropic",
                pattern=_re(
                    r"Unexpected value\(s\) {Q}(?P<value>[^\s`'\"]+){Q} for the {Q}(?P<param>anthropic-beta){Q} header"
                ),
                source="https://github.com/caozhiyuan/copilot-api/issues/251",
                example="Unexpected value(s) context-1m-2025-08-07 for the anthropic-beta header. Please consult our documentation at docs.anthropic.com or try again without the header.",
            ),
            Wording(
                provider="lmstudio",
                pattern=_re(r"{Q}(?P<param>response_format\.type){Q} must be {Q}(?P<expected>\w+){Q}"),
                source="https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/307",
                example="'response_format.type' must be 'json_schema'",
                constraint=ConstraintSpec("value", name="response_format.type"),
            ),
            Wording(
                provider="zhipu",
                # Zhipu's 1214 "${field} 参数非法" (docs.bigmodel.cn/cn/api/api-code) on a generation
                # parameter refuses its value. On the conversation itself (messages, the old API's
                # history/prompt) it refuses the list's shape, which has many causes (dify#1882 and
                # FastGPT#1702: "history参数非法", no cause established), so those names claim nothing.
                pattern=_re(
                    r"(?<![a-z_])(?!(?:messages|history|prompt|contents|input)参数)(?P<param>[a-z_]{1,64})参数非法"
                ),
                source="https://github.com/songquanpeng/one-api/issues/1141",
                example="temperature参数非法。请检查文档。 (request id: 2024031315392281877864286886360)",
            ),
            _qwen_thinking_non_stream(
                "dashscope",
                r"parameter\.enable_thinking must be set to false for non-streaming calls",
                "https://github.com/infiniflow/ragflow/issues/8972",
                "parameter.enable_thinking must be set to false for non-streaming calls",
            ),
            _qwen_thinking_non_stream(
                "dashscope",
                r"parameter\.enable_thinking必须设置为false",
                "https://github.com/infiniflow/ragflow/issues/8972",
                "parameter.enable_thinking必须设置为false才能进行非流式调用",
            ),
            _qwen_thinking_non_stream(
                "modelscope",
                r"enable thinking can not be support when {Q}stream=False{Q}",
                "https://github.com/musistudio/claude-code-router/issues/948",
                "enable thinking can not be support when `stream=False`.",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Unsupported value: {Q}(?P<param>[\w.\[\]]+){Q} does not support {Q}(?P<value>[^'\"`\s]+){Q} with this model"
                ),
                source="https://github.com/Kilo-Org/cloud/pull/3807",
                example=(
                    "Unsupported value: 'reasoning_effort' does not support 'none' with this model. Supported "
                    "values are: 'minimal', 'low', 'medium', and 'high'."
                ),
                model_scoped=True,
            ),
            Wording(
                provider="vllm",
                pattern=_re(
                    r"\b(?P<param>max_tokens|max_completion_tokens|temperature|top_p|top_k|min_p|presence_penalty|"
                    r"frequency_penalty|repetition_penalty|n) must be (?:in|at least|at most|greater|less|>|<)[^,]{0,30}, "
                    r"got (?P<value>-?[\d.]+?)\.?(?:\s|$)"
                ),
                source="https://github.com/vllm-project/vllm/issues/4667",
                example="max_tokens must be at least 1, got -186.",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid {Q}(?P<param>max_output_tokens){Q}: integer below minimum value.{0,60}?got (?P<value>\d+)"
                ),
                source="https://github.com/UKGovernmentBEIS/inspect_evals/issues/694",
                example=(
                    "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 5 "
                    "instead."
                ),
                rule_id="responses.max-output-tokens-below-minimum",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Invalid {Q}(?P<param>stop){Q}: array too long"),
                source="https://github.com/continuedev/continue/issues/1572",
                example=(
                    "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array "
                    "with length 14 instead."
                ),
                rule_id="params.stop-count",
                no_constraint=True,
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"The {Q}(?P<param>stream_options){Q} parameter is only allowed when {Q}stream{Q} is enabled"
                ),
                source="https://github.com/BerriAI/litellm/issues/5803",
                example="The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                rule_id="params.stream-options-without-stream",
                no_constraint=True,
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Invalid value: {Q}(?P<value>[^'\"`]*){Q}\. Supported values are:"),
                source="https://github.com/quarkiverse/quarkus-langchain4j/issues/412",
                example="Invalid value: 'LOW'. Supported values are: 'low', 'high', and 'auto'.",
                no_constraint=True,
            ),
        ),
    ),
    Cause(
        id="cause.param-unsupported",
        title="A parameter is not accepted by this model or provider.",
        fix="Remove {param} from requests to this model[[ ({model})]] (or set the gateway to drop unsupported parameters).",
        rule_id="params.unsupported-for-model",
        constraint=_PARAM,
        wordings=(
            Wording(
                provider="xai",
                pattern=_re(r"The (?P<param>\w+) parameter is unsupported"),
                source="https://github.com/BerriAI/litellm/issues/6610",
                example="The response_format parameter is unsupported at the moment. Leave it unset.",
            ),
            Wording(
                provider="groq",
                # Not after "of type": "'response_format' of type 'json_schema' is not supported with this
                # model" names a value of response_format, not a parameter (cause.model-no-json-mode).
                pattern=_re(
                    r"(?<![\w./])(?<!of type )(?<!of type ')(?<!of type \")(?<!of type `){Q}(?P<param>\w{1,64}){Q} is not supported with this model"
                ),
                source="https://github.com/0xPlaygrounds/rig/issues/1134",
                example="`reasoning_format` is not supported with this model",
                model_scoped=True,
            ),
            Wording(
                provider="litellm",
                pattern=_re(
                    r"(?<![\w.-])[\w.-]{1,60} does not support parameters:(?: ?[\[{]{Q}(?P<param>\w+){Q})?"
                ),
                source="https://github.com/lm-sys/RouteLLM/pull/72",
                example="'ollama_chat does not support parameters:",
            ),
            Wording(
                provider="llama.cpp",
                pattern=_re(r"Unsupported param: (?P<param>\w+)"),
                source="https://github.com/ggml-org/llama.cpp/issues/10920",
                example="Unsupported param: tools",
            ),
            Wording(
                provider="llama.cpp",
                pattern=_re("(?P<param>tools|tool_choice) param requires --jinja flag"),
                source="https://github.com/defilantech/LLMKube/issues/126",
                example="500 tools param requires --jinja flag",
                # The server's start-up flag, not the request: "remove tools" would stop the agent calling
                # tools at all (trial22). https://github.com/ggml-org/llama.cpp/blob/master/docs/function-calling.md
                fix=(
                    "Start llama-server with --jinja: it takes[[ {param} and]] tool calls only through the model's "
                    "chat template, which it uses only with that flag (llama.cpp's function-calling docs); or "
                    "send the request without tools."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Unsupported parameter: {Q}(?P<param>[\w.\[\]]+){Q} is not supported with this model"
                ),
                source="https://github.com/aandrew-me/tgpt/issues/333",
                example="Unsupported parameter: 'top_p' is not supported with this model.",
                model_scoped=True,
            ),
            Wording(
                provider="xai",
                pattern=_re(r"Argument not supported(?: on this model)?: (?P<param>\w+)"),
                source="https://github.com/n8n-io/n8n/issues/14581",
                example="Argument not supported on this model: presencePenalty",
                model_scoped=True,
            ),
            Wording(
                provider="gemini",
                pattern=_re(r"Penalty is not enabled for models/(?P<model>[\w.-]+)"),
                source="https://github.com/PublicAffairs/openai-gemini/issues/63",
                example="Penalty is not enabled for models/gemini-2.5-flash-preview-05-20",
                no_constraint=True,
            ),
            Wording(
                provider="gemini",
                # Gemma 4 on the Gemini API, which thinks by level and takes no thinkingBudget (0 included):
                # model.thinking-budget-unsupported.
                pattern=_re(r"Thinking budget is not supported for this model"),
                source="https://github.com/perminder-klair/subwave/issues/1044",
                example="Thinking budget is not supported for this model.",
                no_constraint=True,
            ),
            Wording(
                provider="mistral",
                # Mistral Small 4 asked with prompt_mode "reasoning" (code 3051): model.prompt-mode-unsupported.
                pattern=_re(r"Reasoning prompt mode is not enabled for this model"),
                source="https://github.com/earendil-works/pi/issues/3096",
                example="Reasoning prompt mode is not enabled for this model",
                no_constraint=True,
            ),
        ),
    ),
    Cause(
        id="cause.wrong-endpoint",
        about_target=True,
        title="The request went to a URL or API the upstream does not serve for this body.",
        fix="Fix the base URL / path[[: {path} is not an endpoint here]] (check for a missing or doubled /v1, a doubled /chat/completions, or a Chat Completions body sent to /v1/responses).",
        rule_id="endpoint.unexpected-path",
        wordings=(
            Wording(
                provider="cohere",
                pattern=_re(
                    "generate API is not supported for model {Q}(?P<model>[^'\\\"`]+){Q}\\. Please use the chat API"
                ),
                source="https://github.com/BerriAI/litellm/issues/9485",
                example="invalid request: generate API is not supported for model 'command-a-03-2025'. Please use the chat API instead",
            ),
            # Round 19 (docs/errors.md "Generalisation"): a model refused for an API, the API named by its
            # path or its name ("model gemini-3.1-pro-preview does not support Responses API", GitHub
            # Copilot through 9router; "this model is not supported with '/v1/chat'", Cohere): the model
            # exists, the endpoint is the wrong one. Read before an error code that says model_not_found
            # and before the families that read "not supported with this model" as a parameter's refusal.
            Wording(
                provider="generic",
                pattern=_re(
                    r"\bmodel\b(?: {Q}(?P<model>(?=[\w./:@-]*[\d-])[\w@][\w./:@-]{0,200}\w){Q})?(?:[^.;]|\.(?=\S)){0,80}?\b"
                    r"(?:is not supported|is unsupported|is not available|does not support|"
                    r"doesn't support)(?: (?:with|on|by|in|for|via))?(?: the)? (?:{Q}/v\d+[\w/.-]{0,60}{Q}|"
                    r"(?P<api>(?:OpenAI )?(?:Responses|Chat Completions|Completions|Messages|Assistants|Realtime|chat|"
                    r"generate) API))(?![\w-])"
                ),
                source="https://github.com/decolua/9router/issues/1062",
                example='{"error": {"message": "model gemini-3.1-pro-preview does not support Responses API.", '
                '"code": "unsupported_api_for_model", "type": "invalid_request_error"}}',
                no_constraint=True,
            ),
            # The same, the API first ("generate API is not supported for model 'command-a-03-2025'", Cohere
            # through LiteLLM; the sentence above is its provider's own wording of one case).
            Wording(
                provider="generic",
                pattern=_re(
                    r"\b(?P<api>(?:chat|generate|completions?|responses|messages|embed(?:dings?)?|assistants) API) is "
                    r"not supported for (?:this )?model\b"
                ),
                source="https://github.com/BerriAI/litellm/issues/9218",
                example='{"message":"invalid request: generate API is not supported for model \'command-a-03-2025\'. '
                'Please use the chat API instead"}',
                no_constraint=True,
            ),
            Wording(
                provider="qianfan",
                pattern=_re("Unsupported openapi method"),
                source="https://github.com/chatchat-space/Langchain-Chatchat/issues/2475",
                example="Unsupported openapi method",
            ),
            Wording(
                provider="cloudflare",
                pattern=_re(r"Could not route to (?P<path>\S+?), perhaps your object identifier is invalid"),
                source="https://github.com/musistudio/claude-code-router/issues/1630",
                example="Could not route to /accounts/xxx/ai/v1, perhaps your object identifier is invalid?",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Invalid URL \((?P<method>[A-Z]+) (?P<path>[^)\s]*/chat/completions/chat/completions)\)"
                ),
                source="https://github.com/harry0703/MoneyPrinterTurbo/issues/57",
                example="Invalid URL (POST /v1/chat/completions/chat/completions)",
                rule_id="endpoint.doubled-path",
            ),
            Wording(
                provider="lmstudio",
                # LM Studio's server answers a path it does not route (no /v1 prefix, Ollama's /api/chat,
                # another server's admin route) with this text, logged as "Returning 200 anyway" (SillyTavern
                # #2849, OpenHands#419 and lmstudio-ai/lms#169 show it for GET and POST paths alike).
                pattern=_re(
                    r"\bUnexpected endpoint or method\. \((?P<method>[A-Z]+) (?P<path>/[^)\s]{0,200})\)"
                ),
                source="https://github.com/SillyTavern/SillyTavern/issues/2849",
                example="[ERROR] Unexpected endpoint or method. (GET /v1/internal/model/info). Returning 200 anyway",
            ),
            Wording(
                provider="generic",
                # one-api relays OpenAI's sentence without the space ("Invalid URL(POST /v1/v1/...)",
                # one-api#717).
                pattern=_re(r"Invalid URL ?\((?P<method>[A-Z]+) (?P<path>[^)\s]+)\)"),
                source="https://github.com/OpenHands/OpenHands/issues/485",
                example="Invalid URL (POST /chat/completions)",
                rule_id="endpoint.missing-v1",
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Unknown request URL: (?P<method>[A-Z]+) (?P<path>\S+?)\.? Please check the URL"
                ),
                source="https://github.com/nomic-ai/gpt4all/issues/3214",
                example=(
                    "Unknown request URL: POST /chat/completions. Please check the URL for typos, or see the docs "
                    "at https://platform.openai.com/docs/api-reference/."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(
                    r"Unsupported parameter: {Q}messages{Q}\. In the Responses API, this parameter has moved to {Q}input{Q}"
                ),
                source="https://github.com/madox2/vim-ai/issues/162",
                example=(
                    "Unsupported parameter: 'messages'. In the Responses API, this parameter has moved to 'input'. "
                    "Try again with the new parameter."
                ),
                rule_id="responses.chat-body",
            ),
            Wording(
                provider="azure",
                pattern=_re(r"^Resource not found$"),
                source="https://github.com/ThinkInAIXYZ/deepchat/issues/262",
                example="Resource not found",
                rule_id="endpoint.azure-missing-api-version",
            ),
        ),
    ),
    Cause(
        id="cause.moderation",
        title="The provider's safety system refused the prompt.",
        fix="Rephrase or remove the flagged content; if it is a false positive, start a fresh conversation or contact the provider.",
        transient=True,
        wordings=(
            Wording(
                provider="dashscope",
                # DashScope's content inspection, native (DataInspectionFailed) and OpenAI-compatible form.
                pattern=_re(r"(?:Input|Output) (?:text )?data may contain ?inappropriate content"),
                source="https://github.com/QwenLM/qwen-code/issues/2905",
                example=(
                    "<400> InternalError.Algo.DataInspectionFailed: Input text data may contain inappropriate "
                    "content."
                ),
            ),
            Wording(
                provider="dashscope",
                pattern=_code("data_inspection_failed"),
                source="https://github.com/camel-ai/owl/issues/432",
                example="data_inspection_failed",
                on="code",
            ),
            Wording(
                provider="azure",
                pattern=_re(
                    "The response was filtered due to the prompt triggering Azure OpenAI.s content management policy"
                ),
                source="https://github.com/openai/openai-python/issues/331",
                example="The response was filtered due to the prompt triggering Azure OpenAI’s content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
            ),
            Wording(
                provider="azure",
                pattern=_code("content_filter"),
                source="https://github.com/openai/openai-python/issues/331",
                example="content_filter",
                on="code",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"your prompt was flagged as potentially violating our usage policy"),
                source="https://github.com/alan-turing-institute/t0-1/issues/69",
                example=(
                    "Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try "
                    "again with a different prompt: https://platform.openai.com/docs/guides/reasoning#advice-on-prompting"
                ),
            ),
            Wording(
                provider="openai",
                pattern=_code("invalid_prompt"),
                source="https://github.com/alan-turing-institute/t0-1/issues/69",
                example="invalid_prompt",
                on="code",
            ),
        ),
    ),
    # The provider refuses the caller's country or region (Gemini's FAILED_PRECONDITION, OpenAI's
    # request_forbidden): not the key (cause.auth's fix would send the user to the wrong place) and not
    # the request; the region the call comes from (a proxy, a CDN node) decides.
    Cause(
        id="cause.region-unavailable",
        title="The provider does not serve requests from the caller's country or region.",
        fix="Call the API from a region the provider supports (its list of available regions), or through a "
        "gateway located there; the request itself is not at fault.",
        transient=True,
        wordings=(
            Wording(
                provider="gemini",
                pattern=_re(r"\bUser location is not supported for the API use\b"),
                source="https://github.com/Xeift/Telegram-Discord-Bot/issues/4",
                example="400 FAILED_PRECONDITION. {'error': {'code': 400, 'message': 'User location is not supported "
                "for the API use.', 'status': 'FAILED_PRECONDITION'}}",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"\bCountry, region, or territory not supported\b"),
                source="https://github.com/home-assistant/core/issues/120072",
                example="Error code: 403 - {'error': {'code': 'unsupported_country_region_territory', 'message': "
                "'Country, region, or territory not supported', 'param': None, 'type': 'request_forbidden'}}",
            ),
            Wording(
                provider="openai",
                pattern=_code("unsupported_country_region_territory"),
                source="https://github.com/home-assistant/core/issues/120072",
                example="unsupported_country_region_territory",
                on="code",
            ),
        ),
    ),
    Cause(
        id="cause.auth",
        title="The API key is missing, wrong or not valid for this endpoint.",
        fix="Check the API key (and that it belongs to this provider and base URL).",
        transient=True,
        wordings=(
            Wording(
                provider="dashscope",
                # DashScope "Invalid API-key provided." and Groq "Invalid API Key" (both 401).
                pattern=_re(r"\bInvalid API[- ]key(?: provided)?\b"),
                source="https://github.com/dinoanderson/qwen_cli_coder/issues/1",
                example="Invalid API-key provided.",
            ),
            Wording(
                provider="groq",
                pattern=_re(r"\bInvalid API[- ]key(?: provided)?\b"),
                source="https://github.com/ag5826000/resume-commentor/issues/4",
                example="Invalid API Key",
            ),
            Wording(
                provider="openrouter",
                pattern=_re(r"No auth credentials found"),
                source="https://github.com/RooCodeInc/Roo-Code/issues/2445",
                example="No auth credentials found",
            ),
            Wording(
                provider="gemini",
                pattern=_re(r"API key not (?:valid|found)\. Please pass a valid API key"),
                source="https://github.com/continuedev/continue/issues/10290",
                example="API key not valid. Please pass a valid API key.",
            ),
            Wording(
                provider="gemini",
                pattern=_re(r"API key not (?:valid|found)\. Please pass a valid API key"),
                source="https://github.com/google-gemini/gemini-cli/issues/25198",
                example="API Key not found. Please pass a valid API key.",
            ),
            Wording(
                provider="anthropic",
                pattern=_re("invalid x-api-key"),
                source="https://github.com/eyaltoledano/claude-task-master/issues/222",
                example="invalid x-api-key",
            ),
            Wording(
                provider="anthropic",
                pattern=_code("authentication_error"),
                source="https://github.com/eyaltoledano/claude-task-master/issues/222",
                example="authentication_error",
                on="code",
            ),
            Wording(
                provider="deepinfra",
                pattern=_re("^Not authenticated$"),
                source="https://github.com/xtekky/gpt4free/issues/3446",
                example="Not authenticated",
            ),
            Wording(
                provider="sglang",
                pattern=_re("^Unauthorized$"),
                source="https://github.com/sgl-project/sglang/issues/25127",
                example="Unauthorized",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Incorrect API key provided"),
                source="https://github.com/chatanywhere/GPT_API_free/issues/62",
                example=(
                    "Incorrect API key provided: sk-VKMIs***************************************wjh3. You can find "
                    "your API key at https://platform.openai.com/account/api-keys."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_code("invalid_api_key"),
                source="https://github.com/chatanywhere/GPT_API_free/issues/62",
                example="invalid_api_key",
                on="code",
            ),
        ),
    ),
    Cause(
        id="cause.quota",
        title="The account has no quota or credit left.",
        fix="Add credit or raise the quota of the account (plan and billing); retrying does not help.",
        transient=True,
        wordings=(
            Wording(
                provider="dashscope",
                # DashScope's overdue-payment error (code Arrearage).
                pattern=_re(r"Access denied, please make sure your account is in good standing"),
                source="https://github.com/hsliuping/TradingAgents-CN/issues/170",
                example="Access denied, please make sure your account is in good standing.",
            ),
            Wording(
                provider="dashscope",
                pattern=_code("Arrearage"),
                source="https://github.com/hsliuping/TradingAgents-CN/issues/170",
                example="Arrearage",
                on="code",
            ),
            Wording(
                provider="zhipu",
                # Zhipu code 1113 "your account is in arrears, top up and retry" (sent with HTTP 429).
                pattern=_re(r"您的账户已欠费"),
                source="https://github.com/langgenius/dify/issues/5850",
                example="您的账户已欠费，请充值后重试。",
            ),
            Wording(
                provider="openrouter",
                # OpenRouter's 402 pre-flight: the balance cannot pay for max_tokens (or the key's limit is hit).
                pattern=_re(
                    r"This request requires more credits|More credits are required to run this request"
                ),
                source="https://github.com/Taewan-P/gpt_mobile/issues/284",
                example=(
                    "This request requires more credits, or fewer max_tokens. You requested up to 16384 tokens, but "
                    "can only afford 3919. To increase, visit https://openrouter.ai/settings/credits and upgrade to "
                    "a paid account"
                ),
            ),
            Wording(
                provider="openrouter",
                pattern=_re(
                    r"This request requires more credits|More credits are required to run this request"
                ),
                source="https://github.com/tailcallhq/forgecode/issues/571",
                example=(
                    "More credits are required to run this request. 128000 token capacity required, 19484 available. "
                    "To increase, visit https://openrouter.ai/settings/keys and create a key with a higher limit"
                ),
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"Your credit balance is too low"),
                source="https://github.com/anthropics/claude-quickstarts/issues/229",
                example=(
                    "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to "
                    "upgrade or purchase credits."
                ),
            ),
            Wording(
                provider="deepseek",
                # DeepSeek's 402 body says only this.
                pattern=_re(r"\bInsufficient (?:account )?balance\b"),
                source="https://github.com/Aider-AI/aider/issues/4851",
                example="Insufficient Balance",
            ),
            Wording(
                provider="anthropic",
                pattern=_re("You're out of extra usage"),
                source="https://github.com/anthropics/claude-code/issues/45035",
                example="You're out of extra usage. Add more at claude.ai/settings/usage and keep going.",
            ),
            Wording(
                provider="volcengine",
                pattern=_re("has reached the set inference limit for the"),
                source="https://github.com/volcengine/MineContext/issues/328",
                example="Your account ［2100334555］ has reached the set inference limit for the ［doubao-seed-1-6-flashl model, and the model service has been paused.",
            ),
            Wording(
                provider="gemini",
                # Gemini's free tier used up (precision pass 2): a QuotaFailure on a *free_tier* metric,
                # "limit: 0" when the project's free tier grants the model nothing. A rate limit's
                # backoff does not get past it: billing (a paid tier) does, or the daily reset.
                pattern=_re(
                    r"Quota exceeded for (?:quota )?metric:? {Q}(?P<metric>[\w./-]{0,120}free_tier[\w./-]{0,60}){Q}"
                    r"(?:, limit: (?P<limit>\d+))?(?:, model: (?P<model>[\w.:/-]{1,100}))?"
                ),
                source="https://github.com/continuedev/continue/issues/10066",
                example=(
                    "You exceeded your current quota, please check your plan and billing details. For more "
                    "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To "
                    "monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: "
                    "generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: "
                    "gemini-2.0-flash\nPlease retry in 7.967587226s."
                ),
                fix=_FREE_TIER_FIX,
            ),
            Wording(
                provider="gemini",
                pattern=_re(r"(?:does ?n[o']t|does not) have a free quota tier"),
                source="https://github.com/danny-avila/LibreChat/issues/7283",
                example=(
                    "[429 Too Many Requests] Gemini 2.5 Pro Preview doesn't have a free quota tier. Please use Gemini "
                    "2.5 Pro Experimental (models/gemini-2.5-pro-exp-03-25) instead."
                ),
                fix=_FREE_TIER_FIX,
            ),
            Wording(
                provider="openai",
                # Gemini answers its per-minute limits with OpenAI's quota sentence, then links its
                # rate-limit page (google-gemini/gemini-cli#8437): that one is cause.rate-limit.
                pattern=_re(r"exceeded (?:your )?current quota(?!.{0,300}?rate-limits)"),
                source="https://github.com/ChatGPTNextWeb/NextChat/issues/3123",
                example="You exceeded your current quota, please check your plan and billing details.",
            ),
            Wording(
                provider="openai",
                pattern=_code("insufficient_quota"),
                source="https://github.com/ChatGPTNextWeb/NextChat/issues/3123",
                example="insufficient_quota",
                on="code",
            ),
        ),
    ),
    Cause(
        id="cause.rate-limit",
        title="The request exceeds the account's rate limit.",
        fix="Retry after the delay the response gives (Retry-After), send fewer or smaller requests, or ask for a higher limit.",
        transient=True,
        wordings=(
            Wording(
                provider="bedrock",
                # Bedrock's ThrottlingException, per request or per token.
                pattern=_re(r"Too many (?:requests|tokens), please wait before trying again"),
                source="https://github.com/kirodotdev/Kiro/issues/8113",
                example=(
                    'Error { code: "ThrottlingException", message: "Too many requests, please wait before trying '
                    'again.", aws_request_id: "bc9af776-2940-485e-ba33-d7933e178873" }'
                ),
            ),
            Wording(
                provider="bedrock",
                pattern=_re(r"Too many (?:requests|tokens), please wait before trying again"),
                source="https://github.com/anthropics/claude-code/issues/236",
                example="429 Too many tokens, please wait before trying again.",
            ),
            Wording(
                provider="mistral",
                pattern=_re(r"^Rate limit exceeded\.?$"),
                source="https://github.com/raycast/extensions/issues/31107",
                example="Rate limit exceeded",
            ),
            Wording(
                provider="gemini",
                # Gemini's and Vertex's 429 RESOURCE_EXHAUSTED (per-minute limits and daily quota alike).
                pattern=_re(r"Resource (?:has been )?exhausted"),
                source="https://github.com/continuedev/continue/issues/10560",
                example="Resource has been exhausted (e.g. check quota).",
            ),
            Wording(
                provider="vertex",
                pattern=_re(r"Resource (?:has been )?exhausted"),
                source="https://github.com/google-gemini/gemini-cli/issues/14811",
                example=(
                    "Resource exhausted. Please try again later. Please refer to "
                    "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details."
                ),
            ),
            Wording(
                provider="openrouter",
                pattern=_re(r"Rate limit exceeded: (?P<limit_name>[\w-]{1,100})"),
                source="https://github.com/Gitlawb/openclaude/issues/936",
                example=(
                    "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests "
                    "per day"
                ),
            ),
            Wording(
                provider="groq",
                # Groq rejects one request larger than the tokens-per-minute limit (code rate_limit_exceeded).
                pattern=_re(
                    r"Request too large for model {Q}(?P<model>[\w./:-]{1,200}){Q}.{0,200}?on tokens per minute"
                ),
                source="https://github.com/ITSpecialist111/ai_automation_suggester/issues/61",
                example=(
                    "Request too large for model `llama-3.3-70b-versatile` in organization "
                    "`org_01jp8byqwpfx9sp1m0dbhb6a1e` service tier `on_demand` on tokens per minute (TPM): Limit "
                    "6000, Requested 14810, please reduce your message size and try again. Visit "
                    "https://console.groq.com/docs/rate-limits for more information."
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Rate limit reached for (?P<model>[\w.-]+)"),
                source="https://github.com/BuilderIO/micro-agent/issues/86",
                example=(
                    "Rate limit reached for gpt-4o in organization org-uOtiSEwvUnroadaOnJJquBEC on tokens per min "
                    "(TPM): Limit 30000, Used 29937, Requested 385. Please try again in 644ms."
                ),
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"would exceed the rate limit for your organization"),
                source="https://github.com/FoundationAgents/OpenManus/issues/746",
                example=(
                    "This request would exceed the rate limit for your organization of 20,000 input tokens per "
                    "minute. For details, refer to: https://docs.anthropic.com/en/api/rate-limits."
                ),
            ),
            Wording(
                provider="gemini",
                # Gemini's per-minute/per-day limits (QuotaFailure ...PerMinute...) use OpenAI's quota
                # sentence; the link to its rate-limits page tells them from a billing quota.
                pattern=_re(r"exceeded (?:your )?current quota.{0,300}?/rate-limits"),
                source="https://github.com/google-gemini/gemini-cli/issues/8437",
                example=(
                    "You exceeded your current quota, please check your plan and billing details. For more "
                    "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
                ),
            ),
            Wording(
                provider="anthropic",
                pattern=_code("rate_limit_error"),
                source="https://github.com/FoundationAgents/OpenManus/issues/746",
                example="rate_limit_error",
                on="code",
            ),
        ),
    ),
    Cause(
        id="cause.overloaded",
        title="The provider is overloaded.",
        fix="Retry later with backoff; nothing is wrong with the request.",
        transient=True,
        wordings=(
            Wording(
                provider="mistral",
                # Mistral's backend at capacity for the model (not the account's rate limit).
                pattern=_re(r"Service tier capacity exceeded for this model"),
                source="https://github.com/continuedev/continue/issues/6185",
                example="Service tier capacity exceeded for this model.",
            ),
            Wording(
                provider="gemini",
                # Gemini's MODEL_CAPACITY_EXHAUSTED (sent as 429 or 503).
                pattern=_re(r"No capacity available for model(?: (?P<model>[\w.:/-]{1,200}))? on the server"),
                source="https://github.com/google-gemini/gemini-cli/issues/27548",
                example="No capacity available for model gemini-3.1-flash-lite on the server",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Selected model is at capacity"),
                source="https://github.com/openai/codex/issues/19446",
                example="Selected model is at capacity. Please try a different model.",
            ),
            Wording(
                provider="gemini",
                # Gemini's 503 UNAVAILABLE, in its older and newer wording.
                pattern=_re(r"The model is overloaded|currently experiencing high demand"),
                source="https://github.com/lobehub/lobehub/issues/9728",
                example="The model is overloaded. Please try again later.",
            ),
            Wording(
                provider="gemini",
                pattern=_re(r"The model is overloaded|currently experiencing high demand"),
                source="https://github.com/continuedev/continue/issues/10639",
                example=(
                    "This model is currently experiencing high demand. Spikes in demand are usually temporary. "
                    "Please try again later."
                ),
            ),
            Wording(
                provider="deepinfra",
                pattern=_re("Model busy, retry later"),
                source="https://github.com/truefoundry/models/pull/862",
                example='{"error":{"message":"Model busy, retry later"}}',
            ),
            Wording(
                provider="anthropic",
                pattern=_re(r"^Overloaded$"),
                source="https://github.com/anthropics/claude-code/issues/3572",
                example="Overloaded",
            ),
            Wording(
                provider="anthropic",
                pattern=_code("overloaded_error"),
                source="https://github.com/anthropics/claude-code/issues/3572",
                example="overloaded_error",
                on="code",
            ),
        ),
    ),
    Cause(
        id="cause.server-error",
        title="The provider failed while processing the request.",
        fix="Retry; if it persists for one request only, report it to the provider with the request id.",
        transient=True,
        wordings=(
            Wording(
                provider="gemini",
                # Gemini's 500 INTERNAL, in its older and newer wording.
                pattern=_re(r"An internal error has occurred\. Please retry|^Internal error encountered\.?$"),
                source="https://github.com/PublicAffairs/openai-gemini/issues/15",
                example=(
                    "An internal error has occurred. Please retry or report in "
                    "https://developers.generativeai.google/guide/troubleshooting"
                ),
            ),
            Wording(
                provider="gemini",
                pattern=_re(r"An internal error has occurred\. Please retry|^Internal error encountered\.?$"),
                source="https://github.com/justlovemaki/AIClient2API/issues/392",
                example="Internal error encountered.",
            ),
            Wording(
                provider="anthropic",
                # Anthropic's 500 api_error says only this (the type alone is not used: Ollama's 4xx share it).
                pattern=_re(r"^Internal server error\.?$"),
                source="https://github.com/anthropics/claude-code/issues/91800",
                example="Internal server error",
            ),
            Wording(
                provider="openai",
                # OpenAI's model_error: the model's own output failed the server's checks (HTTP 500 on Chat
                # Completions, a response.failed event on Responses, where no status says it): retry, and
                # change the prompt only if it persists, as the sentence itself says.
                pattern=_re(r"The model produced invalid content\b"),
                source="https://github.com/BerriAI/litellm/issues/8020",
                example=(
                    "The model produced invalid content. Consider modifying your prompt if you are seeing "
                    "this error persistently."
                ),
            ),
            Wording(
                provider="nvidia",
                pattern=_re("DEGRADED function cannot be invoked"),
                source="https://github.com/decolua/9router/issues/2268",
                example="Function id '87ea0ddc-cff1-4bca-bf8b-3bd98a35ddd0': DEGRADED function cannot be invoked",
            ),
            Wording(
                provider="new-api",
                pattern=_re("upstream error: do request failed"),
                source="https://github.com/chenyme/grok2api/issues/37",
                example="do request failed: upstream error: do request failed",
            ),
            Wording(
                provider="openai",
                pattern=_re(r"The server had an error (?:while )?processing your request"),
                source="https://github.com/LlmKira/Openaibot/issues/125",
                example="The server had an error while processing your request. Sorry about that!",
            ),
        ),
    ),
    # Round 7 (probe round 10): the catalogue had no cause for a body without its conversation,
    # which the development split labels messages.missing (a gateway's, pydantic's and OpenAI's
    # wordings below). Last in the catalogue, so no sentence above loses a text to it.
    Cause(
        id="cause.messages-missing",
        title="The request body has no `messages` array.",
        fix=(
            "Send the conversation as `messages`; a body written for another API (`input` for the Responses "
            "API, `contents` for Gemini, `prompt` for legacy completions) belongs at that API's endpoint."
        ),
        rule_id="messages.missing",
        wordings=(
            Wording(
                provider="new-api",
                pattern=_re(r"(?<![\w.\[])field {Q}messages{Q} is required"),
                source="https://github.com/QuantumNous/new-api/issues/6773",
                example="field messages is required",
            ),
            Wording(
                provider="vllm",
                # pydantic's missing-field item for the body's top-level messages, as vLLM/FastAPI servers
                # print the validation list (Python repr).
                pattern=_re(
                    r"{Q}loc{Q}: \(\s*{Q}body{Q},\s*{Q}messages{Q}\s*\),\s*{Q}msg{Q}: {Q}Field required"
                ),
                source="https://github.com/openguardrails/AgentTrustBench/issues/10",
                example=(
                    "[{'type': 'missing', 'loc': ('body', 'messages'), 'msg': 'Field required', 'input': "
                    "{'model': 'OpenGuardrails', 'message': [{'role': 'user', 'content': 'How can I make a bomb?'}]}}]"
                ),
            ),
            Wording(
                provider="openai",
                pattern=_re(r"Missing required parameter: {Q}messages{Q}(?![\w.\[])"),
                source="https://github.com/SilasMarvin/lsp-ai/issues/108",
                example="Missing required parameter: 'messages'.",
            ),
        ),
    ),
)

CAUSES_BY_ID: Mapping[str, Cause] = {cause.id: cause for cause in CAUSES}

#: A generic, model-scoped rejection ("Unsupported parameter: 'X' is not supported with this model",
#: "Argument not supported on this model: X") names a more specific cause when X is one of these
#: parameters. Keys are snake_case request parameters.
#: Only the sampling knobs whose refusal is the reasoning models' signature (OpenAI's o-series and
#: gpt-5, xAI's grok reasoning models fix temperature, top_p and the penalties). ``logprobs``,
#: ``top_logprobs`` and ``logit_bias`` are left out: non-reasoning models refuse them as well (Gemini
#: on Vertex: "Logprobs is not supported for the current model"; Azure deployments; vLLM on Gaudi),
#: so "this model does not support logprobs" says the parameter is unsupported, not that the model
#: reasons. Naming the reasoning-model cause there was wrong on all three such texts of probe round 9
#: (docs/errors.md "Generalisation", precision pass); the coarser true cause is named instead.
_SAMPLING = (
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
)
PARAM_CAUSES: Mapping[str, str] = {
    "max_tokens": "cause.max-tokens-not-supported",
    "reasoning_effort": "cause.reasoning-effort-unsupported",
    "parallel_tool_calls": "cause.parallel-tool-calls-unsupported",
    "tool_choice": "cause.tool-choice-unsupported",
    **dict.fromkeys(_SAMPLING, "cause.sampling-on-reasoning-model"),
}

#: Parameters whose refusal, of the key or of one of its values, has a cause of its own whose fix
#: names the values the model takes: a generic "unsupported parameter" or "unsupported value" that
#: names one of them names that cause, model-scoped or not (precision pass 2: Groq's "property
#: 'reasoning_effort' is unsupported", "'reasoning_effort' : value is not one of the allowed values").
#: Not the sampling knobs (their cause is the reasoning models' signature, model-scoped only), nor
#: max_tokens (a refused value of it is a bound, cause.max-tokens-too-large).
OWN_CAUSE_PARAMS: Mapping[str, str] = {
    param: PARAM_CAUSES[param] for param in ("reasoning_effort", "tool_choice")
}

#: Parameters whose refused VALUE names their own cause too (round 21: "parallel_tool_calls must be false
#: when using built-in tools", vLLM's agentic gateway), without the cause's rule: the rule checks one
#: condition (no tools in the request) that a refused value does not state. A refusal of the key itself
#: already reaches the cause through :data:`PARAM_CAUSES`.
OWN_CAUSE_VALUE_PARAMS: Mapping[str, str] = {param: PARAM_CAUSES[param] for param in ("parallel_tool_calls",)}

#: What refuses a key when it is not a model: a gateway's own profile or policy (round 18: "The parameter
#: 'top_p' is not supported by this gateway profile."). A sampling knob refused there is no reasoning
#: model's signature; a text naming no subject at all keeps the refinement (xAI's "Argument not
#: supported: presencePenalty" is a reasoning model's).
_OTHER_SUBJECT = _re(r"\b(?:gateway|proxy|router|profile|policy)\b")

#: The Responses API's names for a Chat Completions knob that has its own cause: OpenAI answers
#: "Unsupported parameter: 'reasoning_effort'. In the Responses API, this parameter has moved to
#: 'reasoning.effort'" (https://github.com/lobehub/lobehub/issues/8116), so a refusal of
#: ``reasoning.effort`` is a refusal of the same knob (Azure AI Foundry, round 18); Anthropic's Messages API
#: spells it ``output_config.effort`` (its "thinking.type.enabled" refusal says "Use ... output_config.effort").
_RESPONSES_ALIASES: Mapping[str, str] = {
    "reasoning.effort": "reasoning_effort",
    "output_config.effort": "reasoning_effort",
    # Ollama's /api/chat names the same knob ``think`` (true/false or "low"/"medium"/"high"): a refused value of
    # it is the reasoning-effort cause, as the catalogue's 'think value "medium" is not supported' already is
    # (round 25: "invalid think value: \"false\" (must be \"high\", \"medium\", \"low\", \"max\", true, or false)").
    "think": "reasoning_effort",
}

#: Request fields that steer generation (OpenAI's parameters minus the plumbing fields). A strict
#: server that rejects one of these as an unknown field does not know the *parameter*
#: (``cause.param-unsupported``); rejecting any other field (``store``, ``prompt_cache_key``,
#: ``stream_options``, a typo, a vendor extension) is ``cause.extra-request-field``.
_PLUMBING = frozenset(
    {
        "model", "messages", "metadata", "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
        "service_tier", "store", "stream", "stream_options", "user",
    }
)  # fmt: skip
GENERATION_PARAMS: frozenset[str] = OPENAI_PARAMS - _PLUMBING

#: The rule predicting a parameter's outright rejection, where it differs from its cause's rule
#: (``cause.reasoning-effort-unsupported`` is mostly about values: params.reasoning-effort-value).
_PARAM_REJECTION_RULES: Mapping[str, str] = {"reasoning_effort": "params.reasoning-effort-unsupported"}

#: A rejected message field whose own rule exists (else the cause's rule, roles.unknown-message-key).
_MESSAGE_FIELD_RULES: Mapping[str, str] = {"name": "roles.name-unsupported"}

#: The first path component of a pydantic ``loc`` under which a field belongs to a message.
_MESSAGE_CONTAINERS = ("messages", "contents", "input")
#: The body keys that say which API a request is for (Chat Completions' `messages`, Gemini's
#: `contents`, the Responses API's `input`, the legacy completions' `prompt`). A server that calls one
#: of them an unknown field serves another API: the request went to the wrong endpoint (Gemini's
#: native endpoint given a chat body, a gateway route for another API), and nothing about the key
#: itself is learned. Round 5, docs/errors.md "Generalisation".
FOREIGN_BODY_KEYS: frozenset[str] = frozenset({"messages", "contents", "input", "prompt"})
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})

# --------------------------------------------------------------------------- structural recognisers
# The wordings above are sentences: each fits the provider text it was written from. Unseen text of
# the same family ("Function call is not supported for this model", "role 'system' is not supported
# on this model") then goes unexplained although it plainly names the cause. The recognisers below
# match a family's STRUCTURE instead: the phrases real validators and providers build their messages
# from ("<x> is not supported", "Additional properties are not allowed ('<f>' was unexpected) -
# '<loc>'", "<param> must be less than or equal to", "tokens per minute" ...), with the named groups
# that extract what the text names. They are tried only after every sentence wording AND every error
# code failed (see :func:`recognise_error`), in the rank order of :data:`STRUCTURAL`: the more
# specific family first (a parameter that moved to another API before an unsupported parameter; the
# tools of "tools is not supported" before a generic unsupported parameter; a quota sentence before a
# rate-limit one). Each is written from a real text (``example``, checked by the tests) of the
# development split or of a public thread outside the probe set (docs/errors.md, "Generalisation").

_NAME = r"[A-Za-z_][\w.\[\]-]{0,100}"  # a parameter/field path as providers print it (bounded)
_GEN = "generic"


def _s(
    cause_id: str, provider: str, pattern: str, source: str, example: str, **kw: object
) -> tuple[str, Wording]:
    return cause_id, Wording(provider=provider, pattern=_re(pattern), source=source, example=example, **kw)  # type: ignore[arg-type]


#: Request keys a family may read unquoted ("tools is not supported"): the generation parameters but the
#: conversation's own keys ("image input is not supported" names no key), longest first.
_UNQUOTED_KEYS = "|".join(
    # longest first, then by name: the same pattern text in every process (a set's order is not)
    sorted(
        (re.escape(k) for k in GENERATION_PARAMS - FOREIGN_BODY_KEYS if len(k) > 1),
        key=lambda k: (-len(k), k),
    )
)


#: Output-budget parameters under their providers' names (OpenAI, Gemini/Qianfan, TGI, Ollama).
_MAX_TOKEN_PARAMS = (
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "max_new_tokens",
    "num_predict",
)
#: Parameters a bound in numbers can be about: the sampling knobs and the output budget. A bound on
#: a name outside this list is not claimed (it may be a limit of something the request does not set).
_BOUNDED_PARAMS = (
    *_MAX_TOKEN_PARAMS, "temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty",
    "repetition_penalty", "seed", "top_logprobs", "n",
)  # fmt: skip


def _bounded_params(names: Iterable[str]) -> str:
    """An alternation of parameter names in any spelling providers print them: ``frequency_penalty``,
    ``frequencyPenalty``, ``Frequency penalty`` (the patterns are case-insensitive); longest first."""
    return "|".join(name.replace("_", "[ _]?") for name in sorted(names, key=len, reverse=True))


#: Vertex AI's "Unable to submit request because ..." for a turn with nothing in it (round 16; two
#: sources each for the parts and the text wordings, below).
_VERTEX_EMPTY_TURN = (
    r"\bUnable to submit request because it (?:must include at least one parts field|must have a text "
    r"parameter|has an empty text parameter)\b"
)


#: Structural recognisers, ranked: (cause id, wording). The first that matches wins.
STRUCTURAL: tuple[tuple[str, Wording], ...] = (
    # Round 4 (docs/errors.md "Generalisation"): "<model> is not supported" names a model the server
    # does not serve, not a parameter: before the generic "<x> is not supported" family, which read
    # "Model" as a rejected parameter. Written from the development row's sentence, generalised to the
    # forms that quote the model id; a model "not supported for tools/vision/..." is a capability, left
    # to the capability families.
    _s(
        "cause.model-not-found",
        "generic",
        r"(?:\b(?:the )?(?:requested )?model(?: {Q}(?P<model>[\w./:@-]{1,200}){Q})?|\bthe {Q}(?P<model2>[\w./:@-]{1,200}){Q}"
        r" model) (?:is|was) not supported(?= ?(?:[.,;:!\"'}\])]|$|for this request\b|when using\b))",
        "https://github.com/anomalyco/opencode/issues/34048",
        "The requested model is not supported.",
        no_constraint=True,
    ),
    # A model or deployment the upstream does not have, in phrasings that would otherwise read as a path
    # problem (Azure's deployment, OpenRouter's "No endpoints found for <model>").
    _s(
        "cause.model-not-found",
        "generic",
        r"\bdeployment for this resource does not exist\b|\bThe requested model is not supported\b|模型不存在|"
        r"\bNo endpoints found for (?!that\b)(?P<model>[\w./:@-]{1,200})",
        "https://github.com/MicrosoftDocs/azure-docs/issues/114013",
        "An error occurred: The API deployment for this resource does not exist. If you created the deployment "
        "within the last 5 minutes, please wait a moment and try again.",
        no_constraint=True,
    ),
    # LiteLLM's router has no model group of that name (its cooldown, "No deployments available for
    # selected model", is a rate limit below).
    _s(
        "cause.model-not-found",
        "litellm",
        r"\bYou passed in model=(?P<model>[\w./:@-]{1,200})\. There are no healthy deployments for this model",
        "https://github.com/emcie-co/parlant/issues/507",
        "litellm.BadRequestError: You passed in model=gpt-4o-2024-08-06. There are no healthy deployments for this "
        "model. Received Model Group=gpt-4o-2024-08-06\nAvailable Model Group Fallbacks=None",
        no_constraint=True,
    ),
    # The caller's country or region, in the providers' and gateways' words: before any "<x> is not
    # supported" family, which would read the location as a rejected parameter.
    _s(
        "cause.region-unavailable",
        "generic",
        r"\b(?:user |your )?(?:country|region|location|territory)(?:, region,? or territory)? (?:is |are )?not "
        r"(?:supported|available)\b|\bnot available in your (?:country|region|territory)\b|\bunsupported[ _]country\b",
        "https://github.com/pengzhile/pandora/issues/640",
        "access_denied: OpenAI's services are not available in your country. (error=unsupported_country)",
        no_constraint=True,
    ),
    # Round 5 (probe round 8's families, docs/errors.md "Generalisation"). An API version the resource
    # does not serve (Azure's api-version query parameter; OpenAI's OpenAI-Version header): the request
    # is for another version of the API, whatever its body says. Written from a thread outside the
    # probe set; a bare "version" (a model's) is not claimed.
    _s(
        "cause.wrong-endpoint",
        "azure",
        r"\benabled only for api[ -]?versions?\b|\bapi[ _-]?version (?:is )?(?:not supported|unsupported|not valid|"
        r"invalid)\b|\bunsupported (?:OpenAI-Version header|api[ _-]?version)\b",
        "https://github.com/langchain4j/langchain4j/issues/2636",
        '{"error":{"code":"BadRequest","message":"Model {modelName} is enabled only for api versions '
        '2024-12-01-preview and later"}}',
        no_constraint=True,
    ),
    # Several choices (`n` above 1) refused by a server or gateway that generates one: a value of `n`,
    # not the key (n=1 is accepted). The parameter is named as a lone `n`, so the pattern insists on
    # its own phrasings ("n > 1", "n must equal 1", "the n parameter", "value of n").
    _s(
        "cause.param-value-unsupported",
        "generic",
        r"(?:^|[\s\"'`(:])(?P<param>n) ?(?:> ?1\b|must (?:equal|be) 1\b)|\b(?:does not|doesn't) support the {Q}"
        r"(?P<param2>n){Q} parameter\b|\binvalid value (?:of|for) {Q}(?P<param3>n){Q}(?![\w-])|"
        r"\bmultiple (?:choices|completions) (?:are |is )?not supported\b",
        "https://github.com/theopenco/llmgateway/pull/2433",
        "Model ${usedInternalModel} with provider ${usedProvider} does not support the n parameter for multiple "
        "choices. Send n separate requests instead.",
        no_constraint=True,
    ),
    # A message role restricted to user/assistant (the Messages API's schema in vLLM's, SGLang's and
    # gateways' validators): the system prompt was sent as a message. Not claimed when the text says
    # the rejected role was a tool's.
    _s(
        "cause.model-no-system-role",
        "generic",
        r"^(?!.*{Q}input{Q}\s*:\s*{Q}(?:tool|function){Q})(?:.*?\brole\b[^;]{0,60}?\b(?:Input should be|expected one of|"
        r"(?:must|should) be one of|Invalid option: expected one of) ?[\[(]?{Q}user{Q} ?(?:or|,|\|) ?{Q}assistant{Q}"
        r"(?! ?(?:,|\||or) ?{Q}(?:system|developer|tool))|.*?\b(?:expected one of|Input should be) ?[\[(]?{Q}user{Q} ?"
        r"(?:or|,|\|) ?{Q}assistant{Q}[^;]{0,40}?\brole\b)",
        "https://github.com/ogx-ai/ogx/issues/5982",
        "API Error: 400 {'errors': [{'loc': ['body', 'messages', 1, 'role'], 'msg': \"Input should be 'user' or "
        "'assistant'\", 'type': 'literal_error'}]}",
        no_constraint=True,
    ),
    # A gateway that got no answer from the provider behind it (Cloudflare AI Gateway's code 2005,
    # ngrok's ERR_NGROK_3800): a server-side failure whatever the request was, even when the gateway
    # answers it with a 400.
    _s(
        "cause.server-error",
        "generic",
        r"\bFailed to get (?:a )?response from (?:the )?provider\b|\bCould not reach the AI provider\b",
        "https://github.com/cloudflare/ai/issues/611",
        '{"success": false, "result": [], "messages": [], "error": [{"code": 2005, "message": "Failed to get '
        'response from provider"}]}',
        no_constraint=True,
    ),
    # Azure's validator names the key by a JSON pointer ("#/stream_options"), which the pydantic-path
    # families do not read: the same schema-strictness rejection of a key outside its schema.
    _s(
        "cause.extra-request-field",
        "azure",
        r"\bValidation error at #/(?P<ptr>[A-Za-z_][\w/\[\]-]{0,160}): Extra inputs are not permitted\b",
        "https://github.com/microsoft/semantic-kernel/issues/10510",
        "Validation error at #/stream_options: Extra inputs are not permitted",
    ),
    # Volcengine Ark's "The parameter `<path>` specified in the request are not valid": the path names
    # what was refused. Only the path a real text shows is claimed (a content part's type); other
    # paths wait for a real example, and "One or more parameters ..." names no path and stays
    # unexplained.
    _s(
        # A content part's type the model does not take: a value of that path (the catalogue has no
        # cause of its own for a content part; the corpus's label for it is an extension id).
        "cause.param-value-unsupported",
        "volcengine",
        r"\bThe parameter {Q}(?P<param>(?:messages|input)(?:\.[\w\[\]]+)*\.content(?:\.[\w\[\]]+)*\.type){Q} specified in "
        r"the request (?:are|is) not valid\b(?:: invalid value: {Q}(?P<value>[\w-]{1,60}){Q})?",
        "https://github.com/farion1231/cc-switch/issues/1519",
        "The parameter `messages.content.type` specified in the request are not valid: invalid value: `document`, "
        "supported values are: `text`, `thinking`, `image`, 'tool_use' and `tool_result`.",
        no_constraint=True,
    ),
    # Bedrock's output budget above the model's ("The maximum tokens you requested exceed(s) the model
    # limit of N"): said without the parameter's name, so the max-tokens families below miss it.
    _s(
        "cause.max-tokens-too-large",
        "bedrock",
        r"\bmaximum tokens you requested exceeds? the model limit\b|\bmaximum tokens value that is lower than\b",
        "https://github.com/sigoden/aichat/pull/813",
        "The maximum tokens you requested exceeds the model limit of 4096. Try again with a maximum tokens value "
        "that is lower than 4096.",
        # A bound says which values are refused, not that the key is: nothing to learn from it.
        no_constraint=True,
    ),
    # A Chat Completions parameter sent to the Responses API (or back): OpenAI names where it moved.
    _s(
        "cause.wrong-endpoint",
        "openai",
        r"Unsupported parameter: {Q}(?P<param>"
        + _NAME
        + r"){Q}\.? In the [\w ]{1,40}? API, this parameter has "
        r"moved to {Q}(?P<moved_to>" + _NAME + r"){Q}",
        "https://github.com/cline/cline/issues/5419",
        "400 Unsupported parameter: 'messages'. In the Responses API, this parameter has moved to 'input'.",
        no_constraint=True,
    ),
    # max_tokens refused in favour of max_completion_tokens (OpenAI's reasoning models and their relays):
    # before any generic "not supported" family, which would name a plain unsupported parameter.
    _s(
        "cause.max-tokens-not-supported",
        "openai",
        r"\b(?P<param>max_tokens){Q}?\b[^;]{0,80}?\b(?:use|in favou?r of|replaced by)\b {Q}?max_completion_tokens\b",
        "https://github.com/koosoli/ESPHomeDesigner/issues/379",
        "Error: Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' "
        "instead.",
    ),
    # A tool_choice form the server cannot honour ("auto" without a tool parser, "required"/an object in
    # thinking mode, a router with no endpoint for it), written with or without the underscore.
    _s(
        "cause.tool-choice-unsupported",
        "generic",
        r"\b(?P<param>tool[ _]choice)\b[^.;]{0,80}?\b(?:requires|does not support|doesn't support|is not supported|"
        r"not supported|unsupported|is supported in)\b|\b(?:does not|doesn't) support (?:this|the|that) {Q}tool[ _]choice{Q}(?!\w)|"
        r"\bInvalid tool[ _]choice\b|\bOnly {Q}\w+{Q} or {Q}\w+{Q} tool[ _]choice\b|\bsupport the provided {Q}tool_choice{Q}",
        "https://github.com/vllm-project/vllm/issues/9986",
        '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
        no_constraint=True,
    ),
    # A path the server does not serve (a doubled /chat/completions, a chat model on the completions
    # endpoint): OpenAI's, Express's and Go's routers word it as below.
    _s(
        "cause.wrong-endpoint",
        "generic",
        r"\bInvalid URL \((?:POST|GET) [^)]{1,200}\)|\bCannot (?:POST|GET) /[\w/.-]{0,200}|\b404 page not found\b|"
        r"\bUnknown request URL\b|\bThis is (?:a|not a) chat model\b|\bDid you mean to use v1/|"
        r"\b(?:only )?supported in v1/(?:responses|chat/completions|completions)\b",
        "https://github.com/OpenHands/OpenHands/issues/485",
        "Invalid URL (POST /chat/completions)",
        no_constraint=True,
    ),
    # Money before limits: "quota" also appears in rate-limit texts, these phrases do not.
    _s(
        "cause.quota",
        "generic",
        r"\binsufficient[ _](?:account[ _])?(?:balance|credits?|funds|quota)\b|\bcredit balance is too low\b|"
        r"\bpayment[ _]required\b|\bout of credits\b|余额不足|\breached your (?:specified )?(?:API )?usage limits?\b|\bexceeded (?:your )?current quota\b(?!.{0,300}?rate-limits)",
        "https://github.com/MoonshotAI/Kimi-K2/issues/5",
        "Your account xx> is not active, organization <xx> exceeded current quota, please check your plan and "
        "billing details",
    ),
    # An account in arrears (DashScope's overdue-payment page, gateways' "overdue account").
    _s(
        "cause.quota",
        "generic",
        r"\boverdue[ _-](?:account|payment|bill(?:ing)?)s?\b|\baccount (?:is )?(?:overdue|in arrears)\b|欠费",
        "https://github.com/anomalyco/opencode/issues/22994",
        "Access denied, please make sure your account is in good standing. For details, see: "
        "https://help.aliyun.com/zh/model-studio/error-code#overdue-payment",
    ),
    # A spend cap on the key or the account (OpenRouter's per-key limit, gateways' budgets): money, and
    # retrying does not lift it.
    _s(
        "cause.quota",
        "generic",
        r"\b(?:key|spend(?:ing)?|budget) limit (?:exceeded|reached)\b|\bbudget (?:has been )?exceeded\b",
        "https://github.com/gptme/gptme/issues/1449",
        "Error code: 403 - {'error': {'message': 'Key limit exceeded (monthly limit). Manage it using "
        "https://openrouter.ai/settings/keys', 'code': 403}}",
    ),
    _s(
        "cause.rate-limit",
        "generic",
        r"\brate[ _-]?limit(?:ed|s)?\b|\btoo many requests\b|\b(?:tokens|requests) per (?:minute|min|second|sec|hour|"
        r"day)\b|\((?:TPM|RPM|TPD|RPD)\)|\bexceeded the maximum number of (?:tokens|requests) allowed within\b|"
        r"\bexceeded (?:your )?current quota\b.{0,300}?rate-limits",
        "https://github.com/google-gemini/gemini-cli/issues/8437",
        "You exceeded your current quota, please check your plan and billing details. For more information on this "
        "error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
    ),
    # Round 4: a cap on requests in flight rather than per minute (relays pooling accounts, gateways).
    _s(
        "cause.rate-limit",
        "generic",
        r"\bconcurren(?:cy|t requests?)(?: limit)?\b[^.;]{0,30}?\b(?:exceeded|reached|too many)\b|"
        r"\btoo many concurrent (?:requests|connections|calls)\b",
        "https://github.com/Wei-Shaw/sub2api/issues/3821",
        '{"error": {"message": "Concurrency limit exceeded for user, please retry later", "type": '
        '"rate_limit_error"}, "type": "error"}',
    ),
    # A retry delay in seconds is a limiter's answer (LiteLLM's router cooling its deployments down,
    # gateways pacing pooled accounts).
    _s(
        "cause.rate-limit",
        "generic",
        r"\bNo deployments available for selected model\b",
        "https://github.com/BerriAI/litellm/issues/5177",
        "No deployments available for selected model, Try again in 60 seconds. Passed model=claude-3-haiku-20240307. "
        "Try again in 60 seconds.",
    ),
    _s(
        "cause.rate-limit",
        "generic",
        r"\b(?:please )?(?:wait|retry|try again)(?: in| after)? \d+(?:\.\d+)? ?(?:s|secs?|seconds)\b",
        "https://github.com/BerriAI/litellm/issues/5177",
        "No deployments available for selected model, Try again in 60 seconds. Passed model=claude-3-haiku-20240307. "
        "Try again in 60 seconds.",
        weak=True,
    ),
    _s(
        "cause.auth",
        "generic",
        r"\b(?:invalid|incorrect|missing|no|bad|expired|revoked)[ _](?:api[ _-]?key|x-api-key|access[ _]token|"
        r"auth(?:entication)?[ _]token|credentials?)\b|\bapi[ _-]?key[ _](?:is[ _])?(?:required|invalid|missing|"
        r"not valid|expired)\b|\bunauthori[sz]ed\b|\bnot authenticated\b|\bauthentication[ _](?:failed|required|error)\b",
        "https://github.com/harshitv804/LawGPT/issues/4",
        "Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys.",
    ),
    _s(
        "cause.moderation",
        "generic",
        r"\b(?:flagged|filtered) (?:as|due to|by)\b|\bcontent (?:management |safety )?polic(?:y|ies)\b|"
        r"\busage polic(?:y|ies)\b|\bcontent[ _]filter(?:ing)?\b",
        "https://github.com/compl-ai/compl-ai/issues/20",
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
    ),
    # A refusal worded as risk or safety rather than policy (Moonshot's "considered high risk",
    # DeepSeek's "Content Exists Risk", Anthropic's "restricted for safety reasons").
    _s(
        "cause.moderation",
        "generic",
        r"\b(?:rejected|restricted|blocked|refused)\b[^.;]{0,60}?\b(?:safety|high[ -]risk|unsafe|sensitive|"
        r"inappropriate)\b",
        "https://github.com/MoonshotAI/kimi-code/issues/242",
        "Error: [provider.api_error] 400 The request was rejected because it was considered high risk",
    ),
    _s(
        "cause.moderation",
        "generic",
        r"\b(?:content|input|output|prompt)s? (?:exists?|contains?|may contain) (?:\w+ ){0,2}?(?:risk|unsafe|"
        r"sensitive|inappropriate)\b",
        "https://github.com/deepseek-ai/DeepSeek-V2/issues/30",
        "BadRequestError: Error code: 400 - {'detail': 'Content Exists Risk'}",
    ),
    # Tool calls left without their results: Anthropic's tool_use/tool_result pairing, OpenAI-style
    # "must be followed by tool messages", Gemini's function call/response part counts, the Responses
    # API's missing tool output. Before the orphan family (a result without its call).
    _s(
        "cause.missing-tool-result",
        "generic",
        r"{Q}tool_use{Q} ids? (?:were|was) found without {Q}tool_result\b|\bmust be followed by tool messages\b|"
        r"\b(?:did not|didn't) have (?:a )?response messages?\b|\bDid not find \d+ {Q}?tool_result\b|"
        r"\binsufficient tool messages\b|\bnumber of function response parts is equal to the number of function "
        r"call parts\b|\bNo tool (?:output|result) found for (?:function |tool )?call\b|"
        r"\b(?:tool[ _]?calls?|tool_use|function[ _]calls?)\b[^.;]{0,60}?\b(?:without|missing|lacks?) (?:a |any |their )?"
        r"(?:corresponding |matching )?(?:tool[ _]?)?(?:results?|responses?|outputs?)\b",
        "https://github.com/langgenius/dify/issues/32222",
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "
        "(insufficient tool messages following tool_calls message)",
        no_constraint=True,
    ),
    # A tool answer with no call before it.
    _s(
        "cause.orphan-tool-result",
        "generic",
        r"\brole {Q}tool{Q} must be a response to a preceding\b|\bunexpected {Q}tool_use_id{Q} found in {Q}tool_result\b|"
        r"\b(?:tool|function)[ _](?:results?|responses?|messages?|outputs?)\b[^.;]{0,60}?\b(?:without|no|has no|have no) "
        r"(?:a )?(?:preceding|corresponding|matching) (?:tool[ _]?calls?|tool_use|function[ _]calls?)\b",
        "https://github.com/run-llama/LlamaIndexTS/issues/2165",
        "400 Messages with role 'tool' must be a response to a preceding message with 'tool_calls'",
        no_constraint=True,
    ),
    # Thinking mode: the assistant's earlier reasoning must be sent back (DeepSeek/Moonshot
    # reasoning_content, Anthropic's thinking blocks before tool_use).
    _s(
        "cause.thinking-block-missing",
        "generic",
        r"\bExpected {Q}thinking{Q} or {Q}redacted_thinking{Q}|\bMissing {Q}reasoning_content{Q}|"
        r"\breasoning_content\b[^.;]{0,60}?\b(?:is missing|missing|must be passed back|is required)\b|"
        r"\b(?:thinking|reasoning) (?:mode )?is enabled\b[^.;]{0,60}?\b(?:missing|must (?:start|begin) with)\b",
        "https://github.com/mastra-ai/mastra/issues/12592",
        "thinking is enabled but reasoning_content is missing in assistant tool call message at index 2",
        no_constraint=True,
    ),
    # A turn out of order in Gemini's and Mistral's words (which turn must come after which).
    _s(
        "cause.role-order",
        "generic",
        r"\bturn comes immediately after\b|\bUnexpected role {Q}\w+{Q} after role {Q}\w+{Q}|"
        r"\b(?:must|should) (?:come|follow) (?:immediately )?after (?:a |the )?(?:user|assistant|tool|function)\b",
        "https://github.com/google-gemini/gemini-cli/issues/26486",
        "Please ensure that function call turn comes immediately after a user turn or after a function response turn.",
        no_constraint=True,
    ),
    # The prompt alone over the window, in token counts ("prompt token count of N exceeds the limit of M",
    # TGI's inputs + max_new_tokens, DashScope's input length range, "exceeded model token limit").
    _s(
        "cause.context-length-exceeded",
        "generic",
        r"\b(?:prompt|input)[ _]tokens?(?: count)?\b[^.;]{0,40}?\b(?:exceeds?|must be less than|is greater than)\b|"
        r"\blength of prompt_tokens\b[^.;]{0,40}?\bmust be less than\b|\bRange of input length should be\b|"
        r"{Q}inputs{Q} tokens \+ {Q}max_new_tokens{Q} must be <=|{Q}inputs{Q} must have less than \d+ tokens\b|"
        r"\bexceeded (?:the )?model(?:'s)? token limit\b",
        "https://github.com/jjleng/copilot-more/issues/35",
        "prompt token count of 93854 exceeds the limit of 90000",
    ),
    # A parameter (camelCase in JS SDKs' words) the model does not take: refined by PARAM_CAUSES
    # (presencePenalty on a reasoning model is a sampling parameter, reasoningEffort its own cause).
    _s(
        "cause.param-unsupported",
        "generic",
        r"\b(?:does not|doesn't) support (?:the )?parameter {Q}?(?P<param>[A-Za-z_]{2,64}){Q}?|"
        r"\bArgument not supported on this model: {Q}?(?P<param2>[A-Za-z_]{2,64})|"
        r"\bparameter {Q}?(?P<param3>[A-Za-z_]{2,64}){Q}? is not supported (?:by|for|on|with) (?:this|the) model\b",
        "https://github.com/miaoxworld/NativeTavern/issues/83",
        "Model xxx does not support parameter presencePenalty.",
        model_scoped=True,
    ),
    _s(
        "cause.sampling-on-reasoning-model",
        "generic",
        r"\b(?P<param>temperature|top_p)=[\d.]+ while reasoning\b",
        "https://github.com/BerriAI/litellm/pull/33738",
        "gpt-5-nano doesn't support temperature=0.1 while reasoning is active. Only temperature=1 is supported",
    ),
    # A value outside what the server takes, in validators' words (a header's value, a bound, a count).
    _s(
        "cause.param-value-unsupported",
        "generic",
        r"\bUnexpected value\(?s?\)? (?P<value>\S{1,100}) for the (?P<param>[\w-]{1,64}) (?:header|parameter|field)\b|"
        r"\bparameter\.(?P<param2>\w{1,64}) must be (?:set to )?\w|"
        r"\bis (?:less|greater) than the (?:minimum|maximum) of [\d.]+ - {Q}(?P<param3>\w{1,64}){Q}|"
        r"\binvalid (?P<param4>temperature|top_p|top_k|seed|n|max_tokens): |"
        r"\bCannot request more than \d+ (?P<param5>logprobs|top_logprobs|choices)\b",
        "https://github.com/chatchat-space/Langchain-Chatchat/issues/2065",
        "0 is less than the minimum of 1 - 'max_tokens'",
    ),
    # Strict validators naming the rejected key by its path: pydantic's "<loc>: Extra inputs are not
    # permitted", Groq/Cerebras's "property '<loc>' is unsupported", Groq's per-message form. Where the
    # key sits (a message or the request) comes from the path (_apply_loc), not from this wording.
    _s(
        "cause.extra-request-field",
        "generic",
        r"{Q}(?P<container>messages\.\d+){Q} ?: for {Q}role:\w+{Q} the following must be satisfied\[\({Q}messages\.\d+{Q} ?: "
        r"property {Q}(?P<field>[\w.]{1,80}){Q} is unsupported|"
        r"(?:^|[\s;(])(?P<loc>[A-Za-z_][\w.\[\]]{0,160}) ?: (?:Extra inputs are not permitted|property {Q}[\w.\[\]]{1,160}{Q} "
        r"is unsupported)|\bproperty {Q}(?P<loc2>[A-Za-z_][\w.\[\]]{0,160}){Q} is unsupported",
        "https://github.com/odysseus-dev/odysseus/issues/200",
        "Groq returned HTTP 400: 'messages.1' : for 'role:user' the following must be satisfied[('messages.1' : "
        "property 'metadata' is unsupported)]",
    ),
    # Roles out of order in the phrasings the sentence wordings do not cover.
    _s(
        "cause.role-order",
        "generic",
        r"\b(?:should|must) (?:be )?alternat(?:e|ing)\b|\b(?:consecutive|successive) (?:user|assistant)(?: or "
        r"(?:user|assistant))? messages\b|\binterleave the user/assistant\b",
        "https://github.com/serac-labs/serac/issues/53",
        "After the (optional) system message(s), user or tool message(s) should alternate with assistant message(s).",
        no_constraint=True,
    ),
    # A tool's schema the provider cannot read (OpenAI's "Invalid schema for function", Gemini's OBJECT
    # parameters, Moonshot's flavoured JSON schema, Gemini's function_declarations paths).
    _s(
        "cause.tool-schema-invalid",
        "generic",
        r"\bInvalid schema for (?:function|tool) {Q}(?P<name>[^'\"`]{1,100}){Q}|\bparameters schema should be of type "
        r"OBJECT\b|\bis not a valid [\w ]{0,30}json schema\b|\bInvalid value at {Q}tools\[\d+\]\.function_declarations\b",
        "https://github.com/kevinwatt/mysql-mcp/issues/5",
        "Invalid schema for function 'mysql_execute': In context=(), 'required' is required to be supplied and to be "
        "an array including every key in properties.",
        no_constraint=True,
    ),
    _s(
        "cause.param-value-unsupported",
        "generic",
        r"{Q}(?P<param>[a-z_]{2,64}){Q} must be a (?:positive|non-negative|valid) (?:value|integer|number)\b|"
        # Not the validators' own nouns: zod's "Invalid enum value. Expected ..., received 'x'" names
        # no parameter (https://github.com/egoist/chatwise-releases/issues/971).
        r"\bInvalid (?!(?:enum|json|input|request|argument|parameter|schema)\b)(?P<param2>[a-z_]{2,40})"
        r"(?: and [a-z_]{2,40})? value\b",
        "https://github.com/vllm-project/vllm/issues/24948",
        "`prompt_logprobs` must be a positive value.",
    ),
    # Image input the model or server cannot take (vLLM's text-only model, Rust/serde servers that have
    # no image_url variant, llama.cpp without a projector).
    _s(
        "cause.model-no-vision",
        "generic",
        r"\bis not a multimodal model\b|\bunknown variant {Q}image_url{Q}|\bUnsupported content part type: {Q}image_url{Q}",
        "https://github.com/ggml-org/llama.cpp/issues/12947",
        'Failed to parse messages: Unsupported content part type: "image_url"',
        no_constraint=True,
    ),
    # An image the server cannot read (not a data URL, a wrong media type, undecodable bytes).
    _s(
        "cause.invalid-image",
        "generic",
        r"\bInvalid image URL\b|\bExpected a base64-encoded data URL with an image MIME type\b|\bImage does not "
        r"match the provided media type\b|\bfailed to decode image\b",
        "https://github.com/anthropics/claude-code/issues/6300",
        "messages.2.content.0.image.source.base64.data: Image does not match the provided media type image/png",
        no_constraint=True,
    ),
    _s(
        "cause.thought-signature-missing",
        "gemini",
        r"\bmissing a thought_?signature\b|\bthought_?signature\b[^.;]{0,40}?\b(?:is )?(?:missing|required)\b",
        "https://github.com/nanbingxyz/5ire/issues/405",
        "Function call is missing a thought_signature in functionCall parts.",
        no_constraint=True,
    ),
    _s(
        "cause.response-format-invalid",
        "generic",
        r"\bInvalid schema for response_format\b|\bUnsupported JSON schema fields\b",
        "https://github.com/musistudio/claude-code-router/issues/708",
        "Unsupported JSON schema fields: {'minItems', 'items'}",
        no_constraint=True,
    ),
    # A message with no content (or none where the API needs one).
    _s(
        "cause.empty-content",
        "generic",
        r"\bcontents is not specified\b|\bcontent field is a required field\b|\bmessage must be at least 1 token long\b|"
        r"\bExpected {Q}content{Q} to be a string or an array\b",
        "https://github.com/ggml-org/llama.cpp/issues/13471",
        "Expected 'content' to be a string or an array",
        no_constraint=True,
    ),
    # Tools on a llama.cpp server started without --jinja (its chat template cannot render them).
    _s(
        "cause.param-unsupported",
        "llamacpp",
        r"\b(?P<param>tools) param requires --jinja\b|\bUnsupported param: (?P<param2>\w{1,64})|"
        r"\bArgument not supported: (?P<param3>\w{1,64})",
        "https://github.com/ggml-org/llama.cpp/issues/10920",
        '{"code":500,"message":"Unsupported param: tools","type":"server_error"}',
    ),
    # Go servers (Ollama, one-api/new-api) decoding the request into typed structs: an array where the
    # struct holds a string content is a content array the server does not take.
    _s(
        "cause.content-array-unsupported",
        "generic",
        r"\bcannot unmarshal array into Go struct field [\w.]*\bcontent of type string\b",
        "https://github.com/ollama/ollama/issues/10255",
        "json: cannot unmarshal array into Go struct field ChatRequest.messages.content of type string",
        no_constraint=True,
    ),
    # A Responses API item sent by id while nothing was stored (store=false): whatever the id looks like.
    _s(
        "cause.item-reference-without-store",
        "openai",
        r"\bItems are not persisted when {Q}store{Q} is set to false\b",
        "https://github.com/anomalyco/opencode/issues/7724",
        "Item with id 'rs_xxxxx' not found. Items are not persisted when 'store' is set to false",
        no_constraint=True,
    ),
    _s(
        "cause.empty-content",
        "anthropic",
        r"\btext content blocks? must be non-empty\b|\b(?:for|on) empty text blocks?\b|\bempty text blocks? (?:are|is) "
        r"not (?:allowed|permitted)\b",
        "https://github.com/anthropics/claude-code/issues/59812",
        "messages: text content blocks must be non-empty",
        no_constraint=True,
    ),
    _s(
        "cause.context-length-exceeded",
        "vllm",
        r"\bprompt \(\d+ tokens\) is too long and exceeds (?:the )?limit\b",
        "https://github.com/vllm-project/vllm/issues/525",
        "Input prompt (2716 tokens) is too long and exceeds limit of 4096",
    ),
    # The last message must be the user's (or a tool's): "Expected last role User or Tool ... but got
    # assistant", "Last message role should be 'user'", "Last message must have role `user`".
    _s(
        "cause.last-message-assistant",
        "generic",
        r"\blast (?:message|role|turn)\b(?: role)?[^.;]{0,70}?\b(?:must|should|to be|but got)\b"
        # Round 19: the same said of the assistant's place ("Cannot have 2 or more assistant messages at the
        # end of the list", llama.cpp; "cannot contain `assistant` role in the final position", Snowflake)
        # or of the conversation's end ("The conversation must end with a user message", "does not support
        # assistant message prefill", GitHub Copilot).
        r"|\bassistant{Q}?(?: role| messages?)?\b[^.;]{0,30}?\b(?:in the (?:final|last) position|at the end of the "
        r"(?:list|conversation|messages))\b|\b(?:conversation|messages?) must end with a user\b|\bassistant "
        r"(?:message )?prefill\b",
        "https://github.com/0xPlaygrounds/rig/pull/1130",
        "Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant",
        no_constraint=True,
    ),
    # Round 4: a model that exists but not on this API ("does not support the /v1/completions API",
    # Volcengine's "the requested model <id> does not support this api"): the endpoint, not a field.
    _s(
        "cause.wrong-endpoint",
        "generic",
        r"\bmodel {Q}?(?P<model>[\w./:@-]{1,200}){Q}? does not support (?:this|the|that) (?:/?v\d/[\w/]{1,40} )?api\b",
        "https://github.com/danny-avila/LibreChat/issues/2005",
        "The model mistral-xxx does not support the /v1/completions API",
        no_constraint=True,
    ),
    # Round 4: the path does not take a POST (a base URL for another API, a UI route), in the words of
    # the HTTP status (RFC 9110 §15.5.6), printed as text when the status itself is not at hand.
    _s(
        "cause.wrong-endpoint",
        "generic",
        r"\bmethod not allowed\b|\b405 Not Allowed\b",
        "https://github.com/vllm-project/vllm/issues/7463",
        "openai.APIStatusError: Error code: 405 - {'detail': 'Method Not Allowed'}",
        no_constraint=True,
    ),
    # A model served on another operation/API than the one called (Azure's OperationNotSupported, a
    # generate-only/chat-only model): the endpoint is wrong for the model, not the request's fields.
    _s(
        "cause.wrong-endpoint",
        "generic",
        r"\b(?:chatCompletion|completion|embeddings?) operation does not work with\b|\bplease use the "
        r"(?:chat|completions?|responses) API\b|\b(?:generate|chat|completions?) API is not supported for model\b|"
        r"\buse (?:the )?/?(?:v1/)?(?:chat/)?completions API instead\b|\bCould not route to\b|"
        r"\bNo (?:handler|route) (?:found )?(?:on|for) (?:that |this )?(?:route|URI|path)\b",
        "https://github.com/BerriAI/litellm/issues/9485",
        "invalid request: generate API is not supported for model 'command-a-03-2025'. Please use the chat API instead",
        no_constraint=True,
    ),
    # Model ids a gateway cannot serve, in the words of routers and hosted catalogues (LiteLLM's proxy,
    # xAI's "Model not found: <id>", Together's "Unable to access non-serverless model <id>" for a model
    # that needs a dedicated endpoint, NVIDIA NIM's function id, OpenRouter's routing).
    _s(
        "cause.model-not-found",
        "generic",
        r"\bModel not found\b|\bInvalid model name passed in\b|\bUnable to access non-serverless model\b|"
        r"\bNo (?:allowed )?(?:providers|endpoints) (?:are )?available for (?:the|this) (?:selected )?model\b|"
        r"\bFunction {Q}[0-9a-f-]{36}{Q}: Not found for account\b",
        "https://github.com/BerriAI/litellm/issues/9663",
        "/chat/completions: Invalid model name passed in model=None. Call `/v1/models` to view available models "
        "for your key.",
        no_constraint=True,
    ),
    # A replayed tool call whose arguments are not a JSON object string.
    _s(
        "cause.tool-arguments-invalid",
        "generic",
        r"\binvalid function arguments json\b|\barguments\b[^;]{0,100}?\b(?:must be a (?:valid )?JSON|got invalid "
        r"JSON|is not valid JSON|invalid JSON)\b",
        "https://github.com/HKUDS/nanobot/issues/2373",
        "invalid params, invalid function arguments json string, toolcallid: 5LJlV4a2z (2013)",
        no_constraint=True,
    ),
    # A tool definition without parameters, or with a schema construct the server does not take.
    _s(
        "cause.tool-schema-invalid",
        "generic",
        r"\b(?:function )?(?:name or )?parameters (?:is|are) (?:empty|missing|required)\b|{Q}parameters{Q} is a "
        r"required property for {Q}function{Q}|\binput_schema\b[^;]{0,40}?\b(?:does not support|must|is invalid)\b|"
        r"\bfunction\.parameters(?:\.[\w]+){0,4}: ",
        "https://github.com/zhangyang-crazy-one/tabby-ai-assistant/issues/13",
        "invalid params, function name or parameters is empty (2013)",
        no_constraint=True,
    ),
    # Bedrock InvokeModel's JSON-schema check on the native body: a top-level key the model's schema lacks.
    _s(
        "cause.extra-request-field",
        "bedrock",
        r"\bMalformed input request: (?:#: )?extraneous key \[(?P<field>[\w$.-]{1,80})\] is not permitted",
        "https://github.com/BerriAI/litellm/issues/7416",
        "Malformed input request: #: extraneous key [chat_id] is not permitted",
    ),
    # Memory on the serving side: nothing in the request to change.
    _s(
        "cause.server-error",
        "generic",
        r"\brequires more system memory\b|\bCUDA out of memory\b|\bout of memory\b",
        "https://github.com/continuedev/continue/issues/11715",
        "model requires more system memory (5.0 GiB) than is available (3.9 GiB)",
    ),
    # Before "not supported": a model that does not exist is not a model that lacks a feature.
    _s(
        "cause.model-not-found",
        "generic",
        r"\b(?:requested )?model(?: or endpoint)?[\s:]{1,3}{Q}(?P<model>[\w./:@-]{1,200}){Q}\s{0,3}(?:is |was )?"
        r"(?:not found|does not exist|doesn't exist|not exist)\b|\b(?:unknown|no such|invalid) model\b",
        "https://github.com/volcengine/MineContext/issues/328",
        "The model or endpoint doubao-embedding-large-text-240915 does not exist or you do not have access to it",
    ),
    _s(
        "cause.tool-call-id-invalid",
        "mistral",
        r"\btool[ _]?call[ _]?id\b(?! of)[^.;]{0,120}?\b(?:must|has to|needs to) be\b|\btool_use\.id: String should match",
        "https://github.com/BlockRunAI/ClawRouter/issues/17",
        "messages.92.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
    ),
    _s(
        "cause.tool-name-invalid",
        "generic",
        r"(?P<field>tools?\[(?P<index>\d+)\]\.(?:function\.name|function_declarations\[\d+\]\.name)|"
        r"function_declarations\[\d+\]\.name)\b[^;]{0,60}?(?:does not match|invalid|must)|\bInvalid (?:function|tool) name\b|"
        # OpenAI's function-name pattern quoted back: the rejected string is a tool's (or a replayed call's) name.
        r"\bExpected a string that matches the pattern {Q}\^\[a-zA-Z0-9_",
        "https://github.com/coinbase/agentkit/pull/217",
        "Error: 400 Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches the "
        "pattern '^[a-zA-Z0-9_-]+$'.",
    ),
    # response_format's json types named as unsupported: the model has no JSON mode (before param-unsupported).
    _s(
        "cause.model-no-json-mode",
        "openai",
        r"{Q}response_format{Q} of type {Q}(?P<value>json_object|json_schema){Q} is not supported",
        "https://github.com/MicrosoftDocs/azure-docs/issues/120112",
        "Invalid parameter: 'response_format' of type 'json_object' is not supported with this model.",
    ),
    _s(
        "cause.reasoning-effort-unsupported",
        "generic",
        r"\b(?P<param>reasoning[_.]effort|reasoningEffort)\b[^;]{0,60}?(?:Input should be|must be one of|valid values|"
        r"not supported|unsupported|supported values)|\binvalid (?P<param2>reasoning[_ ]effort)\b|"
        r"\bthink value {Q}(?P<value>\w+){Q} is not supported",
        "https://github.com/charmbracelet/crush/issues/2623",
        'think value "medium" is not supported for this model',
    ),
    _s(
        "cause.tool-choice-unsupported",
        "generic",
        r"\b(?P<param>tool_choice)\b[^;]{0,80}?(?:not supported|unsupported|must (?:either )?be|Input should be|"
        r"is not one of|Expected {Q}auto)|Input should be [^;]{0,80}?field: {Q}tool_choice\b",
        "https://github.com/567-labs/instructor/issues/1766",
        "Unsupported tool_choice: type='function' function=ChoiceObjectFunction(name='Steps'). Expected 'auto' or 'none'.",
    ),
    _s(
        "cause.model-no-system-role",
        "generic",
        r"\brole {Q}(?P<role>system|developer){Q} is not supported\b|\b(?:invalid|unsupported|unknown) (?:message )?"
        r"role:? {Q}(?P<role2>system|developer){Q}|\bmessage role: ?(?P<role3>system|developer)\b|"
        r"\b(?P<role4>system|developer) (?:role|messages?) (?:is |are )?not supported\b|"
        r"\b(?:does not|doesn't) support (?:the )?(?P<role5>system|developer) (?:role|messages?|prompts?|instructions?)\b|"
        r"\b(?P<role6>developer|system) instructions? (?:is |are )?not (?:enabled|supported)\b|"
        r"\bunknown variant {Q}(?P<role7>developer|system){Q}",
        "https://github.com/sgl-project/sglang/issues/892",
        "System role not supported",
    ),
    _s(
        "cause.model-no-vision",
        "generic",
        r"\b(?:image|vision|image_url|multimodal|multi-modal)\b(?: input| content| inputs)?[^.;]{0,40}?\b(?:is |are )?"
        r"(?:not supported|unsupported|only supported by certain models)\b|\bnot (?:a )?vision model\b|"
        r"\bnot supported for vision\b|\b(?:does not|doesn't) support (?:images?|vision|image input)|"
        r"\b(?:image|vision|multimodal)\b(?: input)?(?: modality)? (?:is |are )?not (?:enabled|available)\b",
        "https://github.com/ggml-org/llama.cpp/issues/13566",
        "image input is not supported by this server",
    ),
    # A tool's schema the server cannot read (Bedrock names the toolSpec path; others the schema).
    _s(
        "cause.tool-schema-invalid",
        "bedrock",
        r"\b(?P<field>toolConfig\.tools\.(?P<index>\d+)\.toolSpec\.inputSchema[\w.]{0,40})\b[^;]{0,60}?"
        r"(?:is invalid|must be|not valid)|\b(?:input_?schema|function parameters|parameters schema)\b[^;]{0,40}?"
        r"(?:is invalid|is not a valid|invalid (?:json )?schema)",
        "https://github.com/aaif-goose/goose/pull/5064",
        "The value at toolConfig.tools.3.toolSpec.inputSchema.json.type must be one of the following: object.",
    ),
    # JSON mode together with tools, in either order of the sentence.
    _s(
        "cause.tools-with-json-mode",
        "generic",
        r"\b(?:json[ _]mode|json_object|response_format)\b[^.;]{0,60}?\b(?:cannot|can ?not|can't|not) (?:be )?"
        r"(?:combined|used|supported|allowed) (?:with|together with|alongside)\b[^.;]{0,20}?\b(?:tools?|tool/function "
        r"calling|tool calling|function calling|functions)\b",
        "https://github.com/agno-agi/agno/issues/1065",
        "'response_format` json_object cannot be combined with tool/function calling",
    ),
    _s(
        "cause.thinking-budget-invalid",
        "generic",
        r"\b(?:budget_tokens|thinking_budget|thinkingBudget)\b[^;]{0,80}?(?:must|should|greater|less|at least|"
        r">=|<=|Input should|not supported|to 0)"
        # Round 19: the budget named after its bound ("`max_tokens` must be greater than `thinking.budget_tokens`",
        # Anthropic), Gemini 3's thinking level refused ("Thinking level MEDIUM is not supported for this model"),
        # and thinking that cannot be switched off ("Thinking can't be disabled for this model", Vertex). The key
        # thinking_level refused as such is a parameter the model does not take (cause.param-unsupported).
        r"|\b(?:greater|less) than {Q}(?:thinking\.)?budget_tokens\b|\bthinking level\b[^.;]{0,40}?\b(?:is )?"
        r"(?:not supported|unsupported)\b|\bthinking can(?:'t| ?not) be disabled\b",
        "https://github.com/earendil-works/pi/issues/3460",
        "Unable to submit request because The model does not support setting thinking_budget to 0",
    ),
    _s(
        "cause.model-no-tools",
        "generic",
        r"(?<!parallel )(?<!parallel ')(?<!parallel \")(?<!parallel `)\b(?P<param>tools?|functions?|function[ _]call(?:ing|s)?|"
        r"tool[ _]call(?:ing|s)?|tool use)\b{Q} "
        r"(?:is |are )?not supported\b(?! with this model)|\b(?:does not|doesn't|do not|don't) support (?:tools|"
        r"function calling|tool (?:use|calling))\b|\b(?:function calling|tool calling|tool use) (?:is |are )?not "
        r"(?:enabled|available)\b",
        "https://github.com/truefoundry/models/pull/944",
        "deepinfra error: Tool calling is not supported for model: mistralai/Mistral-Small-24B-Instruct-2501",
    ),
    # Round 4: a parameter's bounds said with numbers, whatever the sentence around them (Qianfan's
    # "<param> range is [2, 4096]", DashScope's "Range of <param> should be [1, 8192]", GigaChat's
    # "must be in range (0, +inf)", Anthropic's "range: -1 or 0..1", vLLM's "must be at least 1").
    # The parameter must be one a request carries (any spelling: "Frequency penalty", frequencyPenalty),
    # so a bound on anything else names nothing. The output budget's upper bound first: its own cause.
    _s(
        "cause.max-tokens-too-large",
        "generic",
        r"\b(?P<param>"
        + _bounded_params(_MAX_TOKEN_PARAMS)
        + r"){Q} (?:range is|should be (?:in|within|between))"
        r" ?[\[(]|\bRange of {Q}(?P<param2>"
        + _bounded_params(_MAX_TOKEN_PARAMS)
        + r"){Q} (?:(?:should|must) be|is)"
        r" (?:in |within |between )?[\[(]",
        "https://github.com/QuantumNous/new-api/issues/353",
        "错误：parameter check failed, max_output_tokens range is [2, 2048]",
        # A bound says which values are refused, not that the key is: nothing to learn from it.
        no_constraint=True,
    ),
    # Upper bounds on the output budget before the context window (both say "maximum").
    _s(
        "cause.max-tokens-too-large",
        "generic",
        r"\b(?P<param>max_tokens|max_completion_tokens|max_output_tokens|maxOutputTokens|max_new_tokens)\b[^;]{0,80}?"
        r"(?:must be (?:less|lower|smaller) than|(?:less|lower) than or equal|<=|too large|exceeds?|at most|"
        r"valid range|out of range|maximum allowed)",
        "https://github.com/anthropics/claude-code/issues/24451",
        "max_tokens: 128001 > 64000, which is the maximum allowed number of output tokens for claude-opus-4-5-20251101",
    ),
    _s(
        "cause.param-value-unsupported",
        "generic",
        r"\b(?P<param>"
        + _bounded_params(_BOUNDED_PARAMS)
        + r"){Q}:? (?:range is|range:|should be (?:in|within|"
        r"between)|must be (?:in|within|between)(?: the)?(?: range)?|must satisfy|must be at (?:least|most) -?\d|"
        r"must be (?:>=|<=|>|<) ?-?\d|must be (?:greater|less) than(?: or equal to)? -?\d)|\bRange of "
        r"{Q}(?P<param2>"
        + _bounded_params(_BOUNDED_PARAMS)
        + r"){Q} (?:should|must) be (?:in |within |between )?[\[(]",
        "https://github.com/ai-forever/gigachain/issues/237",
        '{"status":422,"message":"Invalid params: temperature must be in range (0, +inf)"}',
        # A bound says which values are refused, not that the key is: nothing to learn from it.
        no_constraint=True,
    ),
    _s(
        "cause.context-length-exceeded",
        "generic",
        r"\bcontext (?:length|window|size)\b[^.;]{0,60}?\b(?:exceed|is|of|limit)|\b(?:prompt|input|request) is too "
        r"long\b|\bmaximum (?:context|input|prompt) (?:length|tokens?)\b|\btoo many (?:input |prompt )?tokens\b|"
        r"\breduce the length of the messages\b|\bexceeds? (?:the )?(?:model'?s? )?(?:maximum )?context\b|"
        r"\bgreater than the context length\b",
        "https://github.com/langchain-ai/langchain/pull/25671",
        "Requested input length 99009 exceeds maximum input length 8192",
    ),
    _s(
        "cause.empty-content",
        "generic",
        r"\b(?:content|text|parts)\b[^;]{0,80}?\b(?:must not be empty|must n't be empty|cannot be empty|can ?not be "
        r"(?:empty|blank)|must be non-?empty|is blank|is empty|must not be blank)\b|\bnon-empty content\b|"
        r"\bmust have (?:either )?(?:content|text) or tool_calls\b|\bmessage\b[^.;]{0,60}?\bmust not be empty\b",
        "https://github.com/langchain-ai/langgraph/issues/3939",
        "GenerateContentRequest.contents[3].parts: contents.parts must not be empty.",
    ),
    # Round 4: the first turn must be the user's (Bedrock Converse, Anthropic, Gemini): a role-order
    # rule in other words than "alternate".
    _s(
        "cause.role-order",
        "bedrock",
        r"\b(?:conversation|messages?|chat history|contents?)\b[^.;]{0,30}?\b(?:must|should) (?:start|begin) with "
        r"(?:a |an |the )?{Q}?user{Q}? (?:message|role|turn)\b|\bfirst (?:non-system )?message must be (?:a |an |from "
        r"the )?{Q}?user{Q}?",
        "https://github.com/langgenius/dify/issues/12340",
        "[bedrock] Error: ValidationException: A conversation must start with a user message. Try again with a "
        "conversation that starts with a user message.",
    ),
    _s(
        "cause.role-order",
        "generic",
        r"\broles? (?:must|should) alternate\b|\bmust alternate between\b|\balternat(?:e|ing) (?:between )?"
        r"(?:user|roles)\b|\b(?:consecutive|successive) (?:user|assistant) messages\b",
        "https://github.com/microsoft/autogen/issues/3597",
        "Conversation roles must alternate user/assistant/user/assistant/...",
    ),
    # JSON-schema validators (OpenAI's older request validator): the rejected key and where it sat.
    _s(
        "cause.extra-request-field",
        "openai",
        r"Additional properties are not allowed \({Q}(?P<field>[\w.-]{1,100}){Q}(?:, {Q}[\w.-]{1,100}{Q}){0,20} "
        r"(?:was|were) unexpected\)(?: - {Q}(?P<container>[\w.\[\]]{1,100}){Q})?",
        "https://github.com/adamrushy/OpenAISwift/pull/122",
        "Additional properties are not allowed ('id' was unexpected) - 'messages.0'",
        names_parameters=True,
    ),
    # A server naming a key it does not know (gateways, serde "unknown field", validators). A name
    # opened with a quote must be closed by one: a printout cut inside the name ("Unsupported
    # parameter: 'max_t, round 5 exhausted", probe round 14) names no key.
    _s(
        "cause.extra-request-field",
        "generic",
        r"\b(?:unknown|unrecogni[sz]ed|unexpected|unsupported|invalid) (?:request )?(?:parameter|argument|field|key|"
        r"property)(?:\(s\)|s)?(?: in object)?:? (\\?[`'\"])?(?P<loc>"
        + _NAME
        + r")(?(1)\\?[`'\"]|(?!\s(?:cannot|can not|"
        # (unquoted, a word the sentence goes on with is its subject: "invalid request parameters: Requests
        # cannot contain ...", Snowflake, names no key)
        r"must|should|are|is)\b))",
        "https://github.com/decolua/9router/issues/2268",
        "Validation: Unsupported parameter(s): thinking",
        names_parameters=True,
    ),
    # Round 4: a rejected value followed by the list the server takes ("invalid <param>: <value>
    # (allowed: a, b)"): a value, whichever provider words the rest.
    _s(
        "cause.param-value-unsupported",
        "minimax",
        r"\binvalid {Q}?(?P<param>"
        + _NAME
        + r"){Q}?: {Q}?(?P<value>[^\s'\"`\\]{1,60}){Q}? \((?:allowed|supported|"
        r"valid|expected)(?: values?)?:",
        "https://github.com/HenriGrimm/Minnow/issues/364",
        'Error from provider (MiniMax): invalid params, invalid thinking.type: "enabled" (allowed: adaptive, disabled)'
        " (2013)",
    ),
    # Round 23 (docs/errors.md "Generalisation", "Round 23"): a validator refusing the DEVELOPER role at a
    # message's role with the refused input echoed (pydantic's loc/input pairs, as SGLang, vLLM and Azure AI
    # Foundry print them, JSON or Python repr): the model takes no developer message, not a refused value of
    # "messages" as the generic "Input should be" reading below would have it.
    _s(
        "cause.model-no-system-role",
        _GEN,
        r"\bloc{Q}\s?:\s?[\[(][^\])]{0,160}?{Q}role{Q}\s?[\])][^{}]{0,300}?{Q}input{Q}\s?:\s?{Q}(?P<role>developer){Q}",
        "https://github.com/sgl-project/sglang/pull/14304",
        "{\"object\": \"error\", \"message\": \"[{'type': 'value_error', 'loc': ('body', 'messages', 0, "
        "'ChatCompletionMessageGenericParam', 'role'), 'msg': \\\"Value error, 'role' must be one of 'system', "
        "'assistant', 'tool', or 'function' (case-insensitive).\\\", 'input': 'developer'}]\", \"type\": \"Bad "
        'Request", "param": null, "code": 400}',
        rule_id="roles.developer-unsupported",
    ),
    # Round 21 (docs/errors.md "Generalisation", "Round 21"): parallel_tool_calls refused for want of tools,
    # however quoted or relayed ("'parallel_tool_calls' is only allowed when 'tools' are specified", OpenAI
    # and the gateways and clients that print it): its own cause and rule, before the generic "Invalid value
    # for '<param>'" below reads it as a refused value (a refused value of it is refined in :func:`_build`).
    _s(
        "cause.parallel-tool-calls-unsupported",
        _GEN,
        r"\b{Q}?parallel_tool_calls{Q}?\s(?:is )?only allowed when {Q}?tools{Q}? (?:are|is) (?:specified|provided|"
        r"present|given)\b",
        "https://github.com/lofcz/LLMTornado/issues/18",
        '{"error": {"message": "Invalid value for \'parallel_tool_calls\': \'parallel_tool_calls\' is only allowed '
        'when \'tools\' are specified.", "type": "invalid_request_error", "param": "parallel_tool_calls"}}',
        no_constraint=True,
    ),
    _s(
        "cause.param-value-unsupported",
        "generic",
        r"\bInvalid value (?:for|of) {Q}(?P<param>" + _NAME + r"){Q}|"
        # FastAPI/pydantic as the parser renders it ("body.<param>...: Input should be 'a' or 'b'"): a
        # quoted literal is a value list; "Input should be a valid <type>" is a type error, not this.
        r"(?:^|[\s;(])body\.(?P<param2>[A-Za-z_]\w{0,63})(?:\.[\w\[\]]{1,60}){0,6}: Input should be "
        r"(?P<expected>['\"`].{1,120}?)(?:$|[;\[(]| field)|"
        r"['\"`](?P<param3>" + _NAME + r")['\"`] must be (?:one of|['\"`]\w)|\bis not a valid enum value\b|"
        r"\(parameter=(?P<param4>\w{1,64})(?:, value=(?P<value>[^)]{0,100}))?\)|"
        r"\b(?P<param5>temperature|top_p|top_k|min_p|presence_penalty|frequency_penalty|repetition_penalty|n|seed|"
        r"logprobs|top_logprobs) must be (?:non-negative|positive|at least|at most|between|in|greater|less)",
        "https://github.com/vllm-project/vllm/pull/31870",
        "Requested sample logprobs of 25, which is greater than max allowed: 20 (parameter=logprobs, value=25)",
    ),
    # OpenAI's refusal of a VALUE for a model ("Unsupported value: 'xhigh' is not supported with the
    # 'gpt-5-mini' model. Supported values are: ..."): the quoted word is the value (the parameter is
    # the error's ``param`` when it has one), never a parameter the model does not take. Ranked
    # before the unsupported-parameter family below, which would read the value as a parameter.
    _s(
        "cause.param-value-unsupported",
        "openai",
        r"\bUnsupported value: {Q}(?P<value>[^'\"`]{1,64}){Q} is not supported with (?:the )?"
        r"{Q}(?P<model>[\w.:/-]{1,100}){Q} model\b",
        "https://github.com/microsoft/vscode/issues/301045",
        "Unsupported value: 'xhigh' is not supported with the 'gpt-5-mini' model. Supported values are: "
        "'minimal', 'low', 'medium', and 'high'.",
    ),
    _s(
        "cause.param-unsupported",
        "generic",
        # "Unsupported value: 'low' is not supported with the 'm' model" quotes a VALUE, not a parameter; so
        # does 'think value "medium" is not supported' (Ollama). Round 19: a name the text leaves unquoted is
        # a parameter only when it is one a request carries (or is spelt like a key, with an underscore):
        # "Tool calling is not supported", "image input is not supported by this server" refuse a feature,
        # which the refusal tier names (the words "calling", "input" are no request key).
        r"(?<![\w./])(?<!value: )(?<!value )(?:the )?(?:(\\?[`'\"])(?P<param>[a-z][a-z_]{1,63})\1|(?P<param3>"
        + _UNQUOTED_KEYS
        + r"|[a-z]+_[a-z_]+)) (?:parameter |field |argument )?"
        r"is not supported\b(?!.{0,120}\bsupported values\b)|"
        r"\b(?:does not|doesn't) support (?:the )?{Q}(?P<param2>[a-z][a-z_]{1,63}){Q} (?:parameter|field|argument)",
        "https://github.com/0xPlaygrounds/rig/issues/1134",
        "`reasoning_format` is not supported with this model",
        model_scoped=True,
    ),
    _s(
        "cause.overloaded",
        "generic",
        r"\boverloaded\b|\bover capacity\b|\bat capacity\b|\bcapacity exceeded\b|\bhigh demand\b|\bserver is busy\b|"
        r"\bservice (?:is )?(?:temporarily )?unavailable\b|\btemporarily unavailable\b",
        "https://github.com/anthropics/claude-code/issues/3572",
        "Overloaded",
    ),
    _s(
        "cause.server-error",
        "generic",
        r"\binternal (?:server )?error\b|\ban unexpected error (?:has )?occurred\b|\bbad gateway\b|"
        r"\bgateway time-?out\b|\bupstream connect error\b",
        "https://github.com/anthropics/claude-code/issues/91800",
        "Internal server error",
    ),
    # Round 7 (probe round 10, docs/errors.md "Generalisation"): families for request-structure
    # rejections said in words no sentence above was written from. Ranked last, so they only name
    # what every other family left unnamed (no row named before changes its cause).
    #
    # A system message anywhere but first, in the "system <message|turn|prompt> must be first" form
    # (Gemini through an SDK, xinference's and Cohere's validators): not the role itself refused.
    _s(
        "cause.system-not-first",
        "generic",
        r"\bsystem (?:message|turn|prompt|role)s? (?:must|should|has to|needs to) (?:be|come|appear)(?: at| in)? "
        r"(?:the )?(?:very )?(?:first|beginning|start)\b",
        "https://github.com/browseros-ai/BrowserOS/issues/104",
        "Error: System message should be the first one",
        no_constraint=True,
    ),
    # A role list of exactly user and assistant, said as "must be in [user, assistant]" or "only
    # supports user, assistant" (gateways' and nanochat's validators): the system prompt was sent as
    # a message, as the family above for "Input should be 'user' or 'assistant'" reads it. Not
    # claimed when the list goes on with another role.
    _s(
        "cause.model-no-system-role",
        "generic",
        r"\brole\b[^;]{0,40}?\b(?:must be in|only supports?|only allows?|can only be|must be either) ?:? ?[\[(]?"
        r"{Q}user{Q} ?(?:or|and|,|\u3001|/|\|) ?{Q}assistant{Q}(?! ?(?:or|and|,|\u3001|/|\|) ?{Q}\w)",
        "https://github.com/karpathy/nanochat/pull/414",
        'role only allows "user" / "assistant"',
        no_constraint=True,
    ),
    # Volcengine's named-path form for a bound ("The parameter max_tokens specified in the request is
    # not valid: integer above maximum value, expected a value <= 32768, but got 64000 instead") on
    # the output budget: the model's output cap. A bound refuses a value, so nothing is learned.
    _s(
        "cause.max-tokens-too-large",
        "volcengine",
        rf"\bparameter {{Q}}(?P<param>{'|'.join(_MAX_TOKEN_PARAMS)}){{Q}} specified in the request (?:is|are) not "
        r"valid: integer above maximum value\b",
        "https://github.com/yiliqi78/TOKENICODE/issues/3",
        "The parameter max_tokens specified in the request is not valid: integer above maximum value, expected a "
        "value <= 32768, but got 64000 instead.",
        no_constraint=True,
    ),
    # llama.cpp's template engine (minja) ends every error it raises while rendering a chat template
    # with where it stopped: "... at row 49, column 79:" and the template's lines. Whatever the
    # message, the template failed on this conversation (the catalogue's gpt-oss wording carries the
    # same suffix); messages a template raises on purpose are named by the sentences above first.
    _s(
        "cause.chat-template-error",
        "llama.cpp",
        r"\bat row \d{1,6}, column \d{1,6}:",
        "https://github.com/janhq/jan/issues/6123",
        "Value is not callable: null at row 49, column 79:",
        no_constraint=True,
    ),
    # The Chinese gateways' own words for the transient kinds (one-api, new-api and their forks front a
    # large share of Chinese traffic), so a rejection relayed without its status (a 400, a stream
    # error, a client's printout) is still named. Only phrases a real thread shows; the English
    # families above say the same in English.
    _s(
        "cause.rate-limit",
        "one-api",
        r"请求过于频繁|上游负载已饱和",
        "https://github.com/songquanpeng/one-api/issues/1061",
        "当前分组上游负载已饱和，请稍后再试",
    ),
    _s(
        "cause.auth",
        "one-api",
        r"无效的令牌|令牌验证失败",
        "https://github.com/Calcium-Ion/new-api-horizon/issues/32",
        "无效的令牌 (request id: 20250611163933932579227VkHShZ5f) (request id: 20250611163933810609678lbL3jZ5H)",
    ),
    _s(
        "cause.quota",
        "one-api",
        r"令牌额度已用尽",
        "https://github.com/songquanpeng/one-api/issues/228",
        "该令牌额度已用尽",
    ),
    # ---- Round 12 (docs/errors.md "Generalisation", probe round 12): families for kinds the round's
    # untouched misses showed no tier reads, each written from a thread outside the probe set and
    # ranked last, so nothing named before changes.
    # new-api's own account words ("用户额度不足, 剩余额度: ..."), which it relays under a 403 the
    # status tier would read as a credential problem.
    _s(
        "cause.quota",
        "new-api",
        r"额度不足",
        "https://github.com/QuantumNous/new-api/issues/6306",
        "用户额度不足, 剩余额度: ¥0.000000",
    ),
    # Vertex AI's refusal of a partner model not enabled for the project in Model Garden.
    _s(
        "cause.model-not-found",
        "vertex",
        r"\bnot allowed to use publisher model\b",
        "https://github.com/continuedev/continue/issues/4392",
        "Codestral Not allowed to use Publisher Model in the VertexAI",
        no_constraint=True,
    ),
    # Google's quota metrics name their window: a per-minute (or per-second) request or token quota is
    # a rate limit, retried after the window; RESOURCE_EXHAUSTED alone does not say which
    # (https://cloud.google.com/vertex-ai/generative-ai/docs/quotas).
    _s(
        "cause.rate-limit",
        "vertex",
        r"\bquota exceeded for (?:quota metric )?['\"`]?[\w./ -]{0,160}?(?:per[_ ]minute|per[_ ]second)",
        "https://github.com/GoogleCloudPlatform/Open_Data_QnA/issues/61",
        "google.api_core.exceptions.ResourceExhausted: 429 Quota exceeded for "
        "aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model with base "
        "model: gemini-pro. Please submit a quota increase request.",
    ),
    # A value of the wrong JSON type in the words typed validators print it: "expected an integer, but
    # got a string" (OpenAI), "expected an integer, but got `\"1000\"` instead" (Volcengine's
    # "The parameter `max_tokens` specified in the request are not valid: ..."). The parameter is read
    # where the text names it. Not a message's content ("expected string, received null at
    # params.messages[3].content" is an empty content).
    _s(
        "cause.param-type-invalid",
        _GEN,
        r"(?:\b(?:parameter|type for) [`'\"]?(?P<param>" + _NAME + r")[`'\"]?[^\n]{0,80}?)?"
        r"\bexpected (?:an? )?(?:integer|int|number|float|double|string|boolean|bool|array|list|object|map|"
        r"dict(?:ionary)?)\b,? (?:but )?(?:got|found|received)\b(?![^\n]{0,60}\bcontent\b)",
        "https://github.com/diffbot/code-gpt-docs/issues/273",
        "400 Invalid type for 'max_tokens': expected an integer, but got a string instead.",
        constraint=_PARAM,
    ),
    # pydantic's missing item at a message's content ('type': 'missing', 'loc': ['body', 'messages', 2,
    # 'content']): an assistant tool-call turn sent without content to a server whose schema requires
    # it. JSON or Python-printed, also escaped inside a gateway's string.
    _s(
        "cause.empty-content",
        "pydantic",
        r"{q}type{q}:\s?{q}missing{q},\s?{q}loc{q}:\s?[\[(]{q}body{q},\s?{q}(?:messages|input){q},\s?\d+,\s?"
        r"{q}content{q}[\])]".replace("{q}", r"\\?['\"]"),
        "https://github.com/microsoft/autogen/issues/6788",
        "openai.UnprocessableEntityError: Error code: 422 - {'detail': [{'type': 'missing', 'loc': ['body', "
        "'messages', 2, 'content'], 'msg': 'Field required'",
        no_constraint=True,
    ),
    # A body without messages, in DashScope's compatible mode's words.
    # Round 19 (docs/errors.md "Generalisation"): the conversation's key said to be required or missing,
    # whoever words it ("field messages is required", new-api; "Missing required parameter: 'messages'";
    # "Input required: specify \"prompt\" or \"messages\"", OpenRouter; DashScope's "Either \"prompt\" or
    # \"messages\" must exist"). A path under the key (messages[4].content) is a message's field, and
    # "prompt" alone is a legacy completions body's key (a wrong endpoint), so neither is read here.
    _s(
        "cause.messages-missing",
        _GEN,
        # (not "at least one contents field is required": an empty conversation, cause.empty-content)
        r"(?<![\w.\[])(?<!at least one )(?:field |parameter |property |argument )?{Q}(?P<key>messages|contents){Q}"
        r"(?: field| parameter)? "
        r"(?:is |are )?(?:required|missing)\b|\bmissing (?:required )?(?:field|parameter|property|argument)s?:? "
        r"{Q}(?P<key2>messages|contents){Q}(?![\w.\[])|\b(?:specify|provide|pass|either) {Q}(?:prompt|messages){Q} or "
        r"{Q}(?:prompt|messages|input){Q}",
        "https://github.com/QuantumNous/new-api/issues/6773",
        "field messages is required",
        no_constraint=True,
    ),
    _s(
        "cause.messages-missing",
        _GEN,
        r"\byou must provide an? [`'\"]?messages[`'\"]? (?:parameter|field|argument)\b",
        "https://github.com/InternLM/MindSearch/issues/307",
        '{"error":{"code":"missing_required_parameter","param":"message","message":"you must provide a messages '
        'parameter","type":"invalid_request_error"}}',
        no_constraint=True,
    ),
    # ---- Round 13 (docs/errors.md "Generalisation", probe round 13): wordings the round's untouched
    # misses showed no family reads, each written from threads outside the probe set and ranked last,
    # so nothing named before changes.
    # A replayed tool_use block whose input is not an object, in the Messages API's validator words
    # (Anthropic; MiniMax's Anthropic-compatible endpoint prints the same path inside its
    # "invalid params, ... (2013)").
    _s(
        "cause.tool-arguments-invalid",
        "anthropic",
        r"\btool_use\.input: Input should be a valid (?:dictionary|object)\b",
        "https://github.com/anthropics/anthropic-sdk-typescript/issues/648",
        'BadRequestError: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.3.content.1.'
        'tool_use.input: Input should be a valid dictionary"}}',
        no_constraint=True,
    ),
    # A replayed tool call's arguments that do not parse, in gateways' words: GitHub Copilot's
    # "Invalid JSON format in tool call arguments" (code invalid_tool_call_format); "`arguments` must be
    # valid JSON" without the article the family above expects.
    _s(
        "cause.tool-arguments-invalid",
        _GEN,
        r"\binvalid JSON (?:format )?in tool call arguments\b|{Q}?arguments{Q}? must be (?:a )?valid JSON\b",
        "https://github.com/microsoft/vscode/issues/268550",
        'Reason: Request Failed: 400 {"error":{"message":"Invalid JSON format in tool call arguments","code":'
        '"invalid_tool_call_format"}}',
        no_constraint=True,
    ),
    # xAI's refusal of a message without content (an empty assistant turn, an empty system prompt).
    _s(
        "cause.empty-content",
        "xai",
        r"\beach message must have at least one content element\b",
        "https://github.com/n8n-io/n8n/issues/14797",
        '400 "Each message must have at least one content element."',
        no_constraint=True,
    ),
    # A model without vision refusing an image, in the plural-agreement form some servers print ("Model
    # do not support image input") and in Chinese relays' words ("此模型不支持图像输入").
    _s(
        "cause.model-no-vision",
        _GEN,
        r"\b(?:models?|it) (?:do not|don't) support (?:images?|image inputs?|vision)\b|不支持图[像片]输入",
        "https://github.com/Wei-Shaw/sub2api/issues/6899",
        "此模型不支持图像输入。请尝试其他模型",
    ),
    # Gemini's unknown schema keyword in a function declaration, when the printout is cut before its
    # "': Cannot find field." (terminals wrap and clients truncate the path).
    _s(
        "cause.tool-schema-invalid",
        "gemini",
        r"Unknown name {Q}(?P<field>\w+){Q} at\s?{Q}(?P<path>tools\[\d+\]\.function_declarations\[\d+\][\w.\[\]]*)",
        "https://github.com/musistudio/claude-code-router/issues/187",
        'Invalid JSON payload received. Unknown name "additionalProperties" at '
        "'tools[0].function_declarations[34].parameters.properties[6].value.items.any_of[0]': Cannot find field.",
        no_constraint=True,
    ),
    # A Chat Completions-shaped function tool ({"type": "function", "function": {...}}) sent to the
    # Responses API, which wants the flat shape with a top-level name; the rule that predicts it cites
    # the same sentence.
    _s(
        "cause.tool-schema-invalid",
        "openai",
        r"Missing required parameter: {Q}(?P<field>tools\[(?P<index>\d+)\]\.name){Q}",
        "https://community.openai.com/t/responses-api-function-calling-tool-specs-vs-completions-api/1324866",
        "Missing required parameter: 'tools[0].name'.",
        rule_id="responses.chat-style-function-tool",
        no_constraint=True,
    ),
    # Volcengine Ark's named path with the value it refused ("The parameter `<path>` specified in the
    # request are not valid: invalid value: `<v>`, supported values are: ..."), for any path: the
    # value, not the key, was refused (the content-part family above keeps its paths). A refused role
    # value that is the system prompt's own role is the model taking no system message (_build).
    _s(
        "cause.param-value-unsupported",
        "volcengine",
        r"\bThe parameter {Q}(?P<param>[\w.\[\]]{1,80}){Q} specified in the request (?:are|is) not valid: "
        r"invalid value: {Q}(?P<value>[^`'\"\s,]{1,60}){Q}",
        "https://github.com/volcengine/volcengine-java-sdk/issues/105",
        "ArkHttpException{statusCode=400, message='The parameter `messages.role` specified in the request are not "
        "valid: invalid value: `SYSTEM`, supported values are: `system`, `assistant`, `user`, `tool`. Request id: ",
        constraint=_VALUE,
    ),
    # zod's enum refusal of a message role ("Invalid enum value. Expected 'system' | 'user' | 'assistant' |
    # 'tool', received 'developer'", the Vercel AI Gateway): the developer role is not taken.
    _s(
        "cause.model-no-system-role",
        "vercel",
        r"\bExpected (?:{Q}\w+{Q} \| ){1,8}{Q}\w+{Q}, received {Q}(?P<role>(?-i:developer)){Q}",
        "https://github.com/egoist/chatwise-releases/issues/971",
        "Invalid enum value. Expected 'system' | 'user' | 'assistant' | 'tool', received 'developer'",
    ),
    # Go's JSON decoder names the struct field it could not fill: the field decides the cause (the
    # tools' parameters and a message's content have their families above; a gateway's own response
    # struct, "Error.Response.Error.Code", names no request field and stays unexplained).
    # Ollama's /api/chat takes a replayed tool call's arguments as an object, not a JSON string.
    _s(
        "cause.tool-arguments-invalid",
        "ollama",
        r"\bcannot unmarshal \w+ into Go struct field [\w.]{0,80}?(?:\.function\.arguments of type| of type "
        r"api\.ToolCallFunctionArguments)",
        "https://github.com/neuron-core/neuron-ai/issues/219",
        '{"error":"json: cannot unmarshal string into Go struct field ChatRequest.messages of type '
        'api.ToolCallFunctionArguments"}',
        no_constraint=True,
        no_rule=True,  # the built-in rule checks the opposite shape (the Chat Completions JSON string)
        fix="Send the replayed tool call's function.arguments as a JSON object: Ollama's /api/chat takes an object, "
        "not a JSON-encoded string.",
    ),
    # Ollama before 0.5 takes format only as the string "json"; a JSON schema object needs structured
    # outputs (0.5 and later).
    _s(
        "cause.response-format-invalid",
        "ollama",
        r"\bcannot unmarshal object into Go struct field (?:Chat|Generate)Request\.format of type string\b",
        "https://github.com/ollama/ollama/issues/7991",
        '{"error":"json: cannot unmarshal object into Go struct field GenerateRequest.format of type string"}',
        no_constraint=True,
        no_rule=True,  # no built-in rule knows the server's version
        fix='Upgrade Ollama to 0.5 or later for a JSON schema in format (structured outputs), or send format "json".',
    ),
    # A gateway whose request struct takes tool_choice only as a string refuses the named-function form.
    _s(
        "cause.tool-choice-unsupported",
        "one-api",
        r"\bcannot unmarshal object into Go struct field \w{0,80}\.tool_choice of type string\b",
        "https://github.com/songquanpeng/one-api/issues/1461",
        '{"error":{"message":"json: cannot unmarshal object into Go struct field ChatCompletion.tool_choice of type '
        'string"}}',
        no_constraint=True,
        fix='Send tool_choice as a string ("auto", "required" or "none"): this gateway does not take the '
        "named-function object.",
    ),
    # ---- Round 14 (docs/errors.md "Generalisation", probe round 14): a required field missing, located
    # by its path. Validators name what is absent at a path (Anthropic's "<path>: Field required", serde's
    # "<path>: missing field `<name>`" behind axum's "Failed to deserialize the JSON body into the target
    # type", Groq's "'<path>' : Value is not nullable"); the path's root says which thing lacks it. Only
    # a root with one meaning is claimed, a tool definition (the body's own messages would be the other,
    # but no real text outside the probe set shows that form yet). Ranked last.
    _s(
        "cause.tool-schema-invalid",
        "anthropic",
        r"(?<![\w.\[])(?P<path>(?:tools|functions)[.\[][\w.\[\]-]{0,200}): Field required\b",
        "https://github.com/Kilo-Org/kilocode/issues/12238",
        '"responseBody": "{\\"type\\":\\"error\\",\\"error\\":{\\"type\\":\\"invalid_request_error\\",'
        '\\"message\\":\\"tools.0.custom.input_schema.type: Field required\\"}}"',
        rule_id="anthropic.tool-input-schema-missing",
        no_constraint=True,
    ),
    _s(
        "cause.tool-schema-invalid",
        "oci",
        r"\binto the target type: (?P<path>(?:tools|functions)\[\d+\][\w.\[\]]{0,200}): missing field "
        r"{Q}(?P<field>\w{1,64}){Q}",
        "https://github.com/langchain4j/langchain4j-community/issues/389",
        "(400, 400, false) Failed to deserialize the JSON body into the target type: tools[5]: missing field "
        "`parameters` at line 1 column 8109",
        no_constraint=True,
    ),
    _s(
        "cause.tool-schema-invalid",
        "groq",
        r"{Q}(?P<path>(?:tools|functions)\.\d+\.[\w.\[\]-]{1,200}){Q} ?: Value is not nullable",
        "https://github.com/hinthornw/trustcall/issues/19",
        "BadRequestError: Error code: 400 - {'error': {'message': \"'tools.0.function.description' : Value is not "
        "nullable\", 'type': 'invalid_request_error'}}",
        no_constraint=True,
    ),
    # ---- Round 16 (docs/errors.md "Generalisation", probe round 16): terse hosted-provider refusals whose
    # few words still name the fault. Each family has two or more sources outside the probe set, or is
    # one provider's documented wording.
    #
    # Vertex AI's "Unable to submit request because ..." for a turn with nothing in it: no parts, or a
    # text part that is absent or empty (agno#5843, spring-ai#1340 for the parts; OpenManus#876 and
    # PublicAffairs/openai-gemini#37 for the text parameter).
    _s(
        "cause.empty-content",
        "vertex",
        _VERTEX_EMPTY_TURN,
        "https://github.com/agno-agi/agno/issues/5843",
        'Gemini (Vertex AI) Error 400: "Unable to submit request because it must include at least one parts field',
        no_constraint=True,
    ),
    _s(
        "cause.empty-content",
        "vertex",
        _VERTEX_EMPTY_TURN,
        "https://github.com/FoundationAgents/OpenManus/pull/876",
        "Unable to submit request because it has an empty text parameter. Add a value to the parameter and try "
        "again. Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini",
        no_constraint=True,
    ),
    # Anthropic's Messages API with an empty messages list (a conversation of system text only, which the
    # SDKs move to `system`): langchain-ai/langchain#31657.
    _s(
        "cause.messages-missing",
        "anthropic",
        r"(?<![\w.\[])messages: at least one message is required\b",
        "https://github.com/langchain-ai/langchain/issues/31657",
        "Error code: 400 - {'type': 'error', 'error': {'type': 'invalid_request_error', 'message': 'messages: at "
        "least one message is required'}}",
        no_constraint=True,
    ),
    # Gemini refuses function calling together with a JSON response mime type, whatever the client calls
    # the tool part ("Forced function calling (ANY mode)", vercel/ai#16540; "Tool use",
    # snailyp/gemini-balance#264).
    _s(
        "cause.tools-with-json-mode",
        "gemini",
        r"\bwith a response mime type: {Q}application/json{Q} is unsupported\b",
        "https://github.com/snailyp/gemini-balance/issues/264",
        "Tool use with a response mime type: 'application/json' is unsupported",
        no_constraint=True,
    ),
    # ---------------------------------------------------------------- round 20: readings by mechanism
    # Round 20 (docs/errors.md "Generalisation", "Round 20"): what a text DOES, read without the sentence
    # of any one provider. Each reading below covers rows of several providers that the leave-one-out
    # score showed were named only by their own thread's sentence; a more specific sentence above (or a
    # catalogue sentence) naming the same thing wins, since this tier is tried after them.
    #
    # Roles out of order, stated as the position a role should hold: "the role of index[1] should be
    # [user] but is assistant" (Baidu Qianfan), "user后应为assistant" (ctyun through one-api), "the first
    # message ... must be a user message" (DeepSeek), and any "<roles|messages|turns> must/should alternate".
    _s(
        "cause.role-order",
        _GEN,
        r"\brole of (?:index|message)\s?\[?(?P<index>\d+)\]? should be \[?(?:user|assistant|model)\]? but is\b|"
        r"(?:user|assistant|tool)\s?(?:之)?后(?:应为|应该是|必须是|只能是)\s?(?:user|assistant)|"
        r"\bfirst (?:non-system )?message\b[^.;]{0,60}?\bmust be (?:a |an )?user(?: message| role)?\b|"
        r"\b(?:roles?|messages?|message\(s\)|turns?|conversations?)\b[^.;]{0,60}?\b(?:must|should|needs? to) "
        r"alternate\b",
        "https://github.com/ChatGPTNextWeb/NextChat/issues/6343",
        '{"error": {"message": "The first message (except the system message) of deepseek-reasoner must be a user '
        'message, but an assistant message detected.", "type": "invalid_request_error"}}',
        no_constraint=True,
    ),
    # The conversation itself said to be absent, whatever the server calls its requirement: "Either a
    # prompt template or messages must be defined" (SAP AI Core orchestration), "field messages is
    # required", "you must provide a messages parameter", "at least one message is required". Not a tool
    # message ("tool messages are required after ..." is a missing tool result).
    _s(
        "cause.messages-missing",
        _GEN,
        r"(?<![\w.\[])(?<!tool )(?<!function )(?:the )?{Q}?messages{Q}? (?:parameter |field |array )?(?:must be "
        r"(?:defined|provided|specified|set|present)|(?:is|are) (?:required|missing|not specified|not provided))\b|"
        r"\bmust provide an? {Q}?messages{Q}?\b|\bat least one message (?:is required|must be (?:provided|given))\b",
        "https://github.com/InternLM/MindSearch/issues/307",
        '{"error":{"code":"missing_required_parameter","param":"message","message":"you must provide a messages '
        'parameter","type":"invalid_request_error"}}',
        no_constraint=True,
    ),
    # An output budget over the model's bound, stated as a comparison: "max_tokens: 128001 > 64000"
    # (Anthropic), "max_tokens ... must be less than or equal to 8000" (Groq).
    _s(
        "cause.max-tokens-too-large",
        _GEN,
        rf"\b(?P<param>{_bounded_params(_MAX_TOKEN_PARAMS)})\b{{Q}}?\s?[:=]?\s?\d+\s?>\s?\d+|"
        rf"\b(?P<param2>{_bounded_params(_MAX_TOKEN_PARAMS)})\b(?:[^.;]|\.(?=\w)){{0,60}}?\b(?:must|should) be (?:less than or "
        r"equal to|<=|at most|no (?:more|greater) than|smaller than|less than)\s?\d+",
        "https://github.com/anthropics/claude-code/issues/24451",
        "max_tokens: 128001 > 64000, which is the maximum allowed number of output tokens for claude-opus-4-5-20251101",
        no_constraint=True,
    ),
    # A count limit stated with the field it bounds: tools ("'tools' : maximum number of items is 128",
    # Groq), images ("At most 1 image(s) may be provided in one request", vLLM) and cache_control blocks
    # ("A maximum of 4 blocks with cache_control may be provided", Anthropic).
    _s(
        "cause.tool-schema-invalid",
        _GEN,
        r"(?<![\w.\[]){Q}?tools{Q}?\s?:?\s?(?:maximum number of items is|array too long|must (?:have|contain) (?:at most|no more "
        r"than)|exceeds? (?:the )?(?:maximum|max) (?:number|count|length)\b)|\btoo many tools\b|\b(?:a maximum of|at "
        r"most|no more than) \d+ tools\b",
        "https://github.com/vishalmysore/Tools4AI/issues/16",
        "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array with length 325 "
        "instead.",
        rule_id="tools.too-many",
        no_constraint=True,
    ),
    _s(
        "cause.too-many-images",
        _GEN,
        r"\b(?:at most|a maximum of|up to|no more than|only) \d+ images?(?:\(s\))? (?:may|can|are allowed|is "
        r"allowed|allowed|per)\b|\btoo many images\b|\bnumber of images\b[^.;]{0,40}?\bexceeds?\b",
        "https://github.com/vllm-project/vllm/issues/13397",
        "At most 1 image(s) may be provided in one request.",
        no_constraint=True,
    ),
    _s(
        "cause.too-many-cache-breakpoints",
        _GEN,
        r"\b(?:a maximum of|at most|up to|no more than) \d+ (?:blocks? with |)cache_control\b|\btoo many "
        r"cache_control\b|\bcache_control\b[^.;]{0,40}?\b(?:exceeds?|more than) (?:the )?(?:maximum|limit|\d+)\b",
        "https://github.com/tghamm/Anthropic.SDK/issues/50",
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
        no_constraint=True,
    ),
    # The prompt stated longer than the window, by whatever name: "Requested input length 99009 exceeds
    # maximum input length 8192" (DeepInfra), "the request exceeds the available context size"
    # (llama.cpp), "input length of N exceeds the context length".
    _s(
        "cause.context-length-exceeded",
        _GEN,
        r"\b(?:input|prompt|context|request) length (?:of )?\d+ (?:tokens? )?exceeds? (?:the )?(?:maximum|max|model's|"
        r"context)\b|\bexceeds? (?:the )?(?:available|maximum|max) context (?:size|length|window)\b",
        "https://github.com/langchain-ai/langchain/pull/25671",
        '{"error":{"message":"Requested input length 99009 exceeds maximum input length 8192"}}',
        no_constraint=True,
    ),
    # A tool-use id in a replayed content block refused by the pattern the API sets, at any block kind
    # (tool_use, server_tool_use, mcp_tool_use): "messages.1.content.2.server_tool_use.id: String should
    # match pattern '^srvtoolu_[a-zA-Z0-9_]+$'" (Anthropic through sub2api).
    _s(
        "cause.tool-call-id-invalid",
        _GEN,
        r"(?P<field>(?:messages|input)\.(?P<index>\d+)\.content\.\d+\.\w{0,20}tool_\w{1,20}\.(?:tool_use_)?id)\s?:\s?"
        r"String should match pattern",
        "https://github.com/BlockRunAI/ClawRouter/issues/17",
        "messages.92.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
        no_constraint=True,
    ),
    # A message (or part) said to be empty at its path, in the validators' words: "contents.parts must
    # not be empty" (Gemini), "missing `input.content.text' parameter" (Volcengine Ark).
    _s(
        "cause.empty-content",
        _GEN,
        r"\b(?:contents|messages|input)(?:\[\d+\]|\.\d+)?\.(?:parts|content)(?:\[\d+\]|\.\d+)?(?:\.text)?{Q}?:? "
        r"(?:must not|cannot|can't|should not|may not) be empty\b|\bmissing {Q}(?:input|messages|contents)(?:\[\d+\]|"
        r"\.\d+)?\.content(?:\[\d+\]|\.\d+)?\.text{Q} parameter\b",
        "https://github.com/langchain-ai/langgraph/issues/3939",
        "GenerateContentRequest.contents[3].parts: contents.parts must not be empty.",
        no_constraint=True,
    ),
    # A capability the model lacks, stated for the model rather than in one provider's sentence: "model
    # does not support tools" (goose), "Tool calling is not supported for model: X" (DeepInfra); "System
    # messages are not allowed" (the Codex backend), "System role not supported" (SGLang); "<model> does
    # not support thinking", 'think value "medium" is not supported for this model' (Ollama). A parallel
    # tool-call refusal is its own cause and is left alone, and so is a qualified thinking ("adaptive
    # thinking is not supported on this model" refuses a value of thinking.type, not thinking).
    _s(
        "cause.model-no-tools",
        _GEN,
        r"\b(?:models?|it)\b(?:[^.;]|\.(?=\w)){0,60}?\bdoes(?: not|n't) support (?:tools|tool (?:calling|use|calls)|"
        r"function(?: calling|s| calls))\b|(?<!parallel )\b(?:tool|function) (?:calling|calls?|use)\b(?:[^.;]|\.(?=\w)){0,20}?"
        r"\b(?:is |are )?not (?:supported|available|enabled) (?:for|by|with|on) (?:the |this )?model\b",
        "https://github.com/truefoundry/models/pull/944",
        "Error code: 405 - {'status': 'failure', 'message': 'deepinfra error: Tool calling is not supported for model: "
        "mistralai/Mistral-Small-24B-Instruct-2501'}",
    ),
    _s(
        "cause.model-no-system-role",
        _GEN,
        r"\bsystem (?:role|messages?|prompts?)\b(?: is| are)? not (?:supported|allowed|permitted)\b",
        "https://github.com/sgl-project/sglang/issues/892",
        "System role not supported",
        no_constraint=True,
    ),
    _s(
        "cause.reasoning-effort-unsupported",
        _GEN,
        r"\bdoes(?: not|n't) support (?:thinking|reasoning)\b|\bthink(?:ing)? value {Q}?\w+{Q}? is not supported\b|"
        r"(?<![A-Za-z] )\b(?:thinking|reasoning) is not supported (?:for|by|with|on) (?:the |this )?model\b",
        "https://github.com/charmbracelet/crush/issues/2623",
        'think value "medium" is not supported for this model',
        no_constraint=True,
    ),
    # The conversation ending on the assistant, stated as where it must end: "Expected last role User or
    # Tool ... but got assistant" (Mistral), "The conversation must end with a user message" (Copilot).
    _s(
        "cause.last-message-assistant",
        _GEN,
        r"\blast (?:role|message)\b[^.;]{0,80}?\bbut got {Q}?assistant\b|\b(?:conversation|messages?) must end with "
        r"(?:a |an |the )?(?:user|tool)(?: message| turn| role)?\b|\bdoes(?: not|n't) support assistant message prefill\b",
        "https://github.com/caozhiyuan/copilot-api/issues/251",
        "This model does not support assistant message prefill. The conversation must end with a user message.",
        no_constraint=True,
    ),
    # A function declaration's schema refused, in Vertex's words for any schema fault ("functionDeclaration
    # `parameters.newCode` schema specified incorrect schema type field").
    _s(
        "cause.tool-schema-invalid",
        "vertex",
        r"\bfunction ?declarations?\b(?:[^.;]|\.(?=\w)){0,160}?\bschema\b(?:[^.;]|\.(?=\w)){0,80}?\b(?:incorrect|invalid|"
        r"should be|must be|not supported|unsupported)\b",
        "https://github.com/vercel/ai/issues/12183",
        "INVALID_ARGUMENT: Unable to submit request because `readFile` functionDeclaration parameters schema should "
        "be of type OBJECT",
        no_constraint=True,
    ),
    # Both sampling knobs refused together, quoted or not: "temperature and top_p cannot both be specified
    # for this model" (Anthropic, through Bedrock, LiteLLM, the AI SDK with backticks).
    _s(
        "cause.temperature-with-top-p",
        _GEN,
        r"{Q}?temperature{Q}? and {Q}?top_p{Q}? cannot both be (?:specified|set|used|provided)\b",
        "https://github.com/langfuse/langfuse/issues/9882",
        "temperature and top_p cannot both be specified for this model. Please use only one.",
        no_constraint=True,
    ),
    # A message's content refused for not being a string at its path, in a validator's words ("'messages.0'
    # : for 'role:system' the following must be satisfied[('messages.0.content' : value must be a string)]",
    # Groq through LiteLLM): the parts array where only a string is taken.
    _s(
        "cause.content-array-unsupported",
        _GEN,
        r"{Q}?messages\.(?P<index>\d+)\.content{Q}?\s?:\s?value must be a string\b",
        "https://github.com/OpenHands/OpenHands/issues/4643",
        "litellm.BadRequestError: GroqException - Error code: 400 - {'error': {'message': \"'messages.0' : for "
        "'role:system' the following must be satisfied[('messages.0.content' : value must be a string)]\", "
        "'type': 'invalid_request_error'}}",
        no_constraint=True,
    ),
    # ---------------------------------------------------------------- round 21: readings by mechanism
    # Round 21 (docs/errors.md "Generalisation", "Round 21"): the development and probe rows the
    # leave-one-out score leaves without a cause, sorted by what the text does; one reading per mechanism,
    # each sourced from a development thread or a thread no corpus row comes from (never a probe text).
    # Tried after every reading above.
    #
    # The model named as unknown in words other than "not found": "the model name is invalid" (Gemini
    # Code Assist: "You don't have access to this model or the model name is invalid"), "<id> is not a
    # valid model ID" (OpenRouter). A refusal of access alone ("does not have access to model X") is read by
    # cause.model-not-found's own sentences (round 22: ACCESS_REFUSAL_CONVENTION).
    _s(
        "cause.model-not-found",
        _GEN,
        r"\b(?:the )?(?:provided |requested )?model (?:name|id|identifier) (?:is|was) (?:invalid|not valid|unknown)\b",
        "https://github.com/google-gemini/gemini-cli/issues/15251",
        "You don't have access to this model or the model name is invalid",
        no_constraint=True,
    ),
    _s(
        "cause.model-not-found",
        _GEN,
        r"\bis not a valid model (?:id|name|identifier)\b",
        "https://github.com/deepwn/addi/issues/15",
        '{"error":{"message":"9d411bad-9f72-4dfb-9e3c-8cef358526dc is not a valid model ID","code":400},'
        '"user_id":"user_2vJpEi3p0l05bI4nogxpSKmlno5"}',
        no_constraint=True,
    ),
    # A model retired by its provider, stated as no longer available (Azure OpenAI through EPAM DIAL:
    # "The model associated with the deployment is deprecated and no longer available for use"; Groq's
    # "has been decommissioned and is no longer supported"). A deprecation notice alone (a warning on a
    # model still served) is not claimed.
    _s(
        "cause.model-not-found",
        _GEN,
        r"\b(?:models?|deployments?)\b(?:[^.;]|\.(?=\w)){0,80}?\b(?:is|are|has been|have been|was|were) (?:deprecated|retired|"
        r"decommissioned|discontinued|sunset)\b,? and (?:is |are |has been )?no longer (?:available|supported|"
        r"served|accessible)\b",
        "https://github.com/epam/ai-dial-chat/issues/5147",
        "The model associated with the deployment is deprecated and no longer available for use. Please select "
        "another model.",
        no_constraint=True,
    ),
    # A tool message with no tool call before it, stated from the tool message's side and with "previous"
    # (mistral-common, as vLLM serves Mistral and MiniMax models: "Message has tool role, but there was no
    # previous assistant message with a tool call!"), beside OpenAI's "preceding" above.
    _s(
        "cause.orphan-tool-result",
        _GEN,
        r"\b(?:role {Q}?tool{Q}?|tool role)\b[^.;!]{0,80}?\b(?:no|without (?:a|any)) (?:previous|preceding|prior)\b"
        r"[^.;!]{0,40}?\btool[ _]calls?\b",
        "https://github.com/HKUDS/nanobot/issues/2007",
        "Error code: 400 - {'object':'error', 'message':'Message has tool role, but there was no previous assistant "
        "message with a tool call!','type':'BadRequest','param':None,'code':400}",
        no_constraint=True,
    ),
    # An image the server cannot decode, said without a provider's own sentence: "invalid image input"
    # (Ollama's OpenAI endpoint), "illegal base64 data at input byte 4" (Go's base64 decoder, as Ollama
    # answers a data URL where it takes bare base64).
    _s(
        "cause.invalid-image",
        _GEN,
        r"\binvalid image (?:input|data|content|format|file|encoding)\b|illegal base64 data at input byte\b",
        "https://github.com/BerriAI/litellm/issues/18338",
        'litellm.APIConnectionError: Ollama_chatException - {"error":"illegal base64 data at input byte 4"}',
        no_constraint=True,
    ),
    # The account's spending limit reached, stated as the limit ("has reached the set inference limit for
    # the model", Volcengine Ark).
    _s(
        "cause.quota",
        _GEN,
        r"\breached the (?:set )?(?:inference|usage|spend(?:ing)?|quota|billing|budget) limit\b",
        "https://github.com/volcengine/MineContext/issues/328",
        "Your account ［2100334555］ has reached the set inference limit for the ［doubao-seed-1-6-flashl model, "
        "and the model service has been paused.",
        no_constraint=True,
    ),
    # A function-call turn placed where the conversation does not allow it (Gemini: "Please ensure that
    # function call turn comes immediately after a user turn or after a function response turn"), in
    # singular or plural.
    _s(
        "cause.role-order",
        _GEN,
        r"\bfunction call turns? (?:comes?|must come|should come) immediately after\b",
        "https://github.com/google-gemini/gemini-cli/issues/26486",
        "Please ensure that function call turn comes immediately after a user turn or after a function response "
        "turn.",
        no_constraint=True,
    ),
    # ---------------------------------------------------------------- round 22: readings by mechanism
    # Round 22 (docs/errors.md "Generalisation", "Round 22"), tried after every reading above; each sourced
    # from a thread no corpus or probe row comes from.
    #
    # A tool's NAME refused for its pattern, at the name's path in either notation (Anthropic's
    # "tools.7.custom.name: String should match pattern", OpenAI's "Invalid 'tools[0].function.name': string
    # does not match pattern"): the name rule, before the declaration reading below claims the path.
    _s(
        "cause.tool-name-invalid",
        _GEN,
        r"(?:^|[\s'\"`(])(?P<field>tools(?:\[\d+\]|\.\d+)\.(?:function|custom)\.name){Q}?\W{0,3}[^.;]{0,20}?"
        r"\b(?:should|does not|doesn't|must) match (?:the )?pattern\b",
        "https://github.com/apify/tester-mcp-client/issues/11",
        'Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"tools.7.custom.name: String '
        "should match pattern '^[a-zA-Z0-9_-]{1,64}$'\"}}",
        no_constraint=True,
    ),
    # A fault stated at a path inside ONE tool's declaration, in any validator's notation: OpenAI's
    # "Invalid 'tools[0].function.description': string too long", botocore's "Invalid length for parameter
    # toolConfig.tools[13].toolSpec.description, value: 0", jsonschema's "... is too long -
    # 'tools.0.function.description'", Zhipu's "tools[0].function.name:不能为空", Bedrock's
    # "#/toolConfig/tools/1/toolSpec/inputSchema/json: extraneous key". A tool's declaration is what
    # tools.invalid-definition checks; a key refused beside the declaration (tools[0].eager_input_streaming)
    # is not under function/custom/toolSpec and stays with the unknown-key families above.
    _s(
        "cause.tool-schema-invalid",
        _GEN,
        r"(?:^|[\s'\"`(#/])(?P<field>(?:toolConfig[./])?tools(?:\[\d+\]|[./]\d+)[./]"
        r"(?:function|custom|toolSpec)(?:[./][\w.\[\]/]{0,119}\w)?){Q}?(?=[\s:,;.\-'\"`)\]}]|$)"
        # a name refused for its pattern is the name rule's (the reading above), never the declaration's
        r"(?![^;]{0,60}\bmatch(?:es)? (?:the )?pattern\b)",
        "https://github.com/dnakov/anon-kode/issues/45",
        "Error: API request failed: Invalid 'tools[0].function.description': string too long. Expected a string "
        "with maximum length 1024, but got a string with length 1701 instead.",
        no_constraint=True,
    ),
    # JSON mode stated as a capability the model lacks, in several providers' words: "deepseek-reasoner does
    # not support Json Output" (DeepSeek), "Json mode is not supported for this model" (SiliconFlow),
    # "json_object response format is not supported for model: X" (DeepInfra).
    _s(
        "cause.model-no-json-mode",
        _GEN,
        r"\bdoes(?: not|n't) support json[ _]?(?:output|mode|object)\b|\bjson[ _]?(?:mode|output|object)(?: response "
        r"format)?\b(?:[^.;]){0,20}?\b(?:is |are )?not (?:supported|available|enabled) (?:for|by|with|on) "
        r"(?:the |this )?model\b",
        "https://github.com/dzhng/deep-research/issues/121",
        "{'error': {'message': 'deepseek-reasoner does not support Json Output.', 'type': 'invalid_request_error', "
        "'param': None, 'code': 'invalid_request_error'}",
        no_constraint=True,
    ),
    # A content filter named by what it found, "inappropriate content", without a provider's sentence around
    # it ("Input text data may contain inappropriate content" is DashScope's; Qwen Code prints a bare
    # "API Error: Inappropriate Content.").
    _s(
        "cause.moderation",
        _GEN,
        r"\binappropriate content\b",
        "https://github.com/QwenLM/qwen-code/issues/3271",
        "[API Error: 400 <400> InternalError.Algo.DataInspectionFailed: Input text data may contain inappropriate "
        "content.]",
        no_constraint=True,
    ),
    # An account refused for its standing rather than for one request: suspended, in arrears, overdue or
    # "not in good standing" (DashScope's Arrearage: "Access denied, please make sure your account is in good
    # standing"). Money, not a credential: the key is valid.
    _s(
        "cause.quota",
        _GEN,
        r"\baccount\b(?:[^.;]|\.(?=\w)){0,60}?\b(?:is |has been |was )?(?:suspended|in good standing|in arrears|"
        r"overdue|delinquent)\b",
        "https://github.com/QwenLM/Qwen/issues/1414",
        "[API Error: OpenAI API error: 400 Access denied, please make sure your account is in good standing.]",
        no_constraint=True,
    ),
    # ---------------------------------------------------------------- round 23: readings by mechanism
    # Round 23 (docs/errors.md "Generalisation", "Round 23"), tried after every reading above; each sourced
    # from a thread no corpus or probe row comes from.
    #
    # A model stated past its end of life (NVIDIA's API catalog, as clients and gateways relay it: "The
    # model 'z' has reached its end of life on 2026-07-27T00:00:00Z and is no longer available"): retired,
    # as the round-21 reading above has it when the words are "deprecated and no longer available".
    _s(
        "cause.model-not-found",
        _GEN,
        r"\b(?:models?|deployments?)\b(?:[^.;]|\.(?=\w)){0,80}?\b(?:has|have) reached (?:its|their) end[- ]of[- ]life\b",
        "https://github.com/autohandai/code-cli/issues/544",
        "The request could not be processed. (410: Gone | The model 'mistralai/mistral-small-4-119b-2603' has "
        "reached its end of life on 2026-07-27T00:00:00Z and is no longer available. | type=about:blank)",
        no_constraint=True,
    ),
    # A chat template's engine failing, said in the engine's own format rather than a server's sentence:
    # minja's "While executing CallExpression at line 79, column 24 in source:" and "Jinja Exception:" (as
    # llama.cpp's server, and LM Studio running it, print a template's raise_exception), Python's
    # "jinja2.exceptions.TemplateError" (llama.cpp's "at row N, column M:" is the round-7 reading above; LM
    # Studio's own "Error rendering prompt with jinja template" is a sentence of the catalogue). A template
    # that raises on purpose with a sentence a reading above names ("System message must be at the
    # beginning", "Conversation roles must alternate") keeps that reading: this one is tried last.
    _s(
        "cause.chat-template-error",
        _GEN,
        r"\bWhile executing \w{2,40} at line \d+, column \d+ in source\b|\bJinja Exception\b|"
        r"\bjinja2\.exceptions\.Template(?:Syntax)?Error\b",
        "https://github.com/MoonlightByte/NeverEndingQuest/issues/179",
        '{"error":{"code":500,"message":"\\n------------\\nWhile executing CallExpression at line 79, column 24 in '
        "source:\\n...lti_step_tool %}    {{- raise_exception('No user query found in messages.') }}...\\n"
        '                                           ^\\nError: Jinja Exception: No user query found in messages.",'
        '"type":"server_error"}}',
        no_constraint=True,
    ),
    # ---------------------------------------------------------------- round 24: readings by mechanism
    # Round 24 (docs/errors.md "Generalisation", "Round 24"), tried after every reading above; each sourced
    # from a development thread or a thread no corpus or probe row comes from.
    #
    # The system role restricted by position or count, in any server's words: "the system role can only be
    # used in the first message" (Maritaca's API), "only one system message", "role 'system' must precede".
    # The round-7 reading above needs "system message must be first"; this mechanism is the word "system"
    # (as a role or message) beside "only" and a first position, a count of one, or "precede". The request
    # carried a system message after the first (or two): merging them into one at index 0 is the fix
    # whichever server said it.
    _s(
        "cause.system-not-first",
        _GEN,
        r"\b(?:only one|more than one|multiple) {Q}system{Q}(?:[- ]role)? (?:messages?|prompts?|turns?)\b|"
        r"\b{Q}system{Q} (?:role|messages?|prompts?|turns?) (?:can|may|must) only (?:be |appear |exist )?"
        r"(?:used |placed |sent |specified )?(?:in|at|as) (?:the )?(?:very )?(?:first|initial|beginning|start)\b|"
        r"\bonly (?:the )?(?:first|initial|leading) (?:message|turn|entry) (?:can|may) (?:have|use|be) "
        r"(?:the |a )?{Q}system{Q}|"
        r"\brole {Q}system{Q} must (?:precede|come before)\b",
        "https://github.com/maritaca-ai/maritalk-api/issues/183",
        "Sorry, the system role can only be used in the first message",
        no_constraint=True,
    ),
    # A message addressed by its index whose content (or content and tool calls) the text says is empty, in
    # any server's words: the catalogue's Zhipu sentence "messages[4]:content和tool_calls 字段不能同时为空" is one
    # instance (its development thread is the source); the mechanism is the indexed message path, the word
    # content (or parts) and a statement of emptiness ("can't both be empty", "must contain at least one
    # part", "不能为空"). The index is extracted so the summary says which message.
    _s(
        "cause.empty-content",
        _GEN,
        r"\b(?:messages|contents)[\[.](?P<index>\d{1,5})\b\]? ?:? ?(?:(?:user|assistant|"
        r"system|tool|model) )?(?:message )?(?:content|parts)(?![a-z])[^.;\n]{0,40}?(?:(?:can ?not|can't|cannot|must not|"
        r"may not|should not)(?: both)? be (?:empty|null|blank)|must (?:contain|have|include) at least one\b|"
        r"(?:不能|不可)(?:同时)?为空)",
        "https://github.com/AgentEra/Agently/issues/74",
        "messages[4]:content和tool_calls 字段不能同时为空",
        no_constraint=True,
    ),
    # The stop list bounded by a count, in any server's words: "stop conditions must be less than 4" (NVIDIA
    # Dynamo's frontend), "Length of stop (...) exceeds the limit", "stop:最大只能有4个停止词". OpenAI's "Invalid
    # 'stop': array too long" is one instance (a sentence above); the mechanism is the stop list named with a
    # bound on how many it may hold. Not the length of one stop string ("stop_seqs(16)", another fault). A bound
    # refuses a count, not the key: nothing is learned.
    _s(
        "cause.param-value-unsupported",
        _GEN,
        # "stop" as the parameter, not the verb: a prefix ("number of", "too many", a quote) or a suffix
        # ("sequences", a quote, "stop:", "stop (") is required (the conditional on groups 1 and 3 at the end).
        r"(\b(?:length|number|count) of (?:the )?['\"`]?|\btoo many ['\"`]?|['\"`])?\b(?P<param>stop)\b(?![_-])"
        r"(['\"`]| ?[:(\[]| ?(?:sequences?|words?|strings?|conditions?)\b)?(?(1)|(?(3)|(?!)))"
        r"[^.;\n]{0,40}?(?:exceeds? the (?:limit|maximum)|(?:must|should) (?:be|have) (?:less|fewer) than "
        r"\d+|at most \d+|no more than \d+|最大只能有 ?\d+ ?个|最多(?:只能)?(?:有|支持|传入)? ?\d+ ?个)",
        "https://github.com/ai-dynamo/dynamo/pull/12818",
        "stop conditions must be less than 4",
        rule_id="params.stop-count",
        no_constraint=True,
    ),
    # ---------------------------------------------------------------- round 25: readings by mechanism
    # Round 25 (docs/errors.md "Generalisation", "Round 25"), tried after every reading above; each sourced
    # from a server's or library's own source or a thread no corpus or probe row comes from.
    #
    # The chat template said absent, in any server's or library's words: the RunPod vLLM worker's "Chat
    # template does not exist for this model, you must provide a single string input instead of a list of
    # messages", transformers' "tokenizer.chat_template is not set and no template argument was passed",
    # "does not have a chat template". The one wording above is vLLM's transformers >= 4.44 sentence; the
    # mechanism is the words chat template (or chat_template) beside a statement that there is none. A
    # template that exists and fails to render is cause.chat-template-error (its own readings above).
    _s(
        "cause.chat-template-missing",
        _GEN,
        r"\bchat[ _]template (?:does not|doesn't) exist\b|"
        r"\bchat[ _]template (?:is |was )?(?:not (?:set|defined|found|configured|provided|available)|missing)\b|"
        r"\b(?:does not|doesn't) (?:have|define|contain) (?:a |any )?chat[ _]template\b|"
        r"\bno chat[ _]template (?:is |was )?(?:set|defined|found|configured|available)\b",
        "https://github.com/runpod-workers/worker-vllm/blob/main/src/tokenizer.py",
        "Chat template does not exist for this model, you must provide a single string input instead of a list of "
        "messages",
        no_constraint=True,
    ),
    # DeepSeek's thinking-mode sentence, whatever the field it names: "The `reasoning_content` in the thinking
    # mode must be passed back to the API" on the chat API (the catalogue's sentence above, its thread the
    # source) says on DeepSeek's Anthropic-format API "The `content[].thinking` in the thinking mode must be
    # passed back". The mechanism is a field of the earlier assistant turn that thinking mode requires back;
    # the cause's fix names both forms (reasoning_content, thinking blocks). No rule: the DeepSeek quirk rule
    # checks the chat API's reasoning_content, which an Anthropic-format request does not carry.
    _s(
        "cause.thinking-block-missing",
        _GEN,
        r"\bThe {Q}[\w.\[\]]{1,60}{Q} in (?:the )?thinking mode must be passed back\b",
        "https://github.com/openclaw/openclaw/issues/73417",
        "The `reasoning_content` in the thinking mode must be passed back to the API.",
        no_constraint=True,
    ),
)


# ------------------------------------------------------------------- validation frameworks (round 17)
# Many servers do not write their own sentences: their request validation is a library whose message
# format is fixed in its source and names the field and the kind of fault. Recognising the FORMAT names
# the cause for every server built on the library, including ones no corpus row comes from (docs/errors.md,
# "Generalisation", round 17). Each format below reads a fault kind and a field path; :func:`_framework_cause`
# maps (kind, path) to the catalogue's causes. Tried after every sentence, code, family and reference (a
# more specific cause that names the same field wins) and before the request tier. A path the mapping
# does not know names nothing: precision first ("Input should be a valid string" at a message's content
# does not say whether null or an array was sent, so it is claimed only when the input echo says null).

#: "empty", "pattern" and "length" (round 19): a value present but empty, not matching the pattern the
#: schema sets, or over its length, as a validator reports it at a path; "validator" means the fault is
#: read from the text itself (:data:`_FAULT_WORDS`), one format reporting several.
FaultKind = Literal["missing", "extra", "type", "enum", "empty", "pattern", "length", "validator"]


@dataclass(frozen=True, slots=True)
class Framework:
    """One validation library's message format: the fault it reports and the wording that reads it.

    The pattern's groups: ``path`` (where, in the library's notation), ``field`` (the key, when the library
    names it apart from its container), ``got``/``expected`` (the JSON types), ``value`` (a refused value).
    ``library_source`` is where the format is written (the library's own source); ``wording.source`` is a
    real answer in that format from an LLM server or gateway, and ``wording.example`` quotes it.
    """

    library: str
    fault: FaultKind
    wording: Wording
    library_source: str


def _f(
    library: str, fault: FaultKind, pattern: str, library_source: str, source: str, example: str
) -> Framework:
    return Framework(
        library=library,
        fault=fault,
        wording=Wording(provider=library, pattern=_re(pattern), source=source, example=example),
        library_source=library_source,
    )


#: A field path as the libraries print it: pydantic's dotted loc (``body.messages.2.content``), serde's
#: ``messages[1]``, python-jsonschema's ``messages.2``, protobuf's ``tools[0].function_declarations[3]``.
#: Bounded, and without whitespace (linear-time matching).
_FPATH = r"[A-Za-z_][\w.\[\]-]{0,160}"
#: pydantic's echo of the input right after a message (v2 ``input_value=None``; FastAPI's ``'input': None``).
_NULL_INPUT = re.compile(r"^[^;{}]{0,60}?\binput(?:_value)?['\"]?\s*[:=]\s*(?:None|null)\b")
#: JSON types in each library's spelling (pydantic, Go, serde, nlohmann).
_NULLS = frozenset({"none", "null", "nonetype", "unit value", "unit"})
_ARRAYS = frozenset({"array", "list", "sequence", "slice"})
_STRINGS = frozenset({"string", "str"})

FRAMEWORKS: tuple[Framework, ...] = (
    # pydantic: v2 "Field required" [type=missing], v1 "field required" (type=value_error.missing), as the
    # parser renders FastAPI's detail list ("body.messages: Field required") or in the plain
    # ValidationError text ("1 validation error for ChatCompletionRequest\nmessages\n  Field required").
    _f(
        "pydantic",
        "missing",
        r"(?:^|[\s;\[(,'\"])(?P<path>" + _FPATH + r")\s*:?\s+field required\b",
        'pydantic-core src/errors/types.rs (Missing => "Field required"); pydantic v1 errors.py '
        "(MissingError.msg_template = 'field required')",
        "https://github.com/openguardrails/AgentTrustBench/issues/10",
        "{\"object\":\"error\",\"message\":\"[{'type': 'missing', 'loc': ('body', 'messages'), 'msg': 'Field "
        "required', 'input': {'model': 'OpenGuardrails', 'message': [{'role': 'user', 'content': 'How can I make "
        'a bomb?\'}]}}]","type":"BadRequestError","param":null,"code":400}',
    ),
    # pydantic: a value of the wrong type. v2 "Input should be a valid string" [type=string_type], v1
    # "none is not an allowed value" (type_error.none.not_allowed), "value is not a valid integer",
    # "str type expected". The type sent is read from v1's none message or the input echo after it.
    _f(
        "pydantic",
        "type",
        r"(?:^|[\s;\[(,'\"])(?P<path>" + _FPATH + r")\s*:?\s+(?:input should be a valid (?P<expected>string|"
        r"integer|number|boolean|dictionary|list|array|object)\b|value is not a valid (?P<expected2>integer|"
        r"float|dict|list|boolean|string)\b|(?P<expected3>str|int|float|dict|list|bool) type expected\b|"
        r"(?P<got>none) is not an allowed value\b)",
        'pydantic-core src/errors/types.rs (StringType => "Input should be a valid string"); pydantic v1 '
        "errors.py (NoneIsNotAllowedError 'none is not an allowed value', StrError 'str type expected')",
        "https://github.com/microsoft/autogen/issues/1829",
        "UnprocessableEntityError: Error code: 422 - {'detail': [{'loc': ['body', 'messages', 2, 'content'], "
        "'msg': 'none is not an allowed value', 'type': 'type_error.none.not_allowed'}]}",
    ),
    # python-jsonschema's required keyword, as OpenAI's and Azure's 2023 request validator printed it with
    # the container's path after " - ": "'content' is a required property - 'messages.3'".
    _f(
        "jsonschema",
        "missing",
        r"['\"](?P<field>[\w-]{1,80})['\"] is a required property(?:(?:, [^'\"\n-]{1,40})? - ['\"](?P<path>"
        r"[\w.\[\]-]{0,160})['\"]|)",
        'python-jsonschema jsonschema/_keywords.py (required: f"{property!r} is a required property")',
        "https://github.com/transitive-bullshit/agentic/issues/497",
        'ChatGPTError: OpenAI error 400: {\n  "error": {\n    "message": "\'content\' is a required property - '
        '\'messages.3\'",\n    "type": "invalid_request_error",\n    "param": null,\n    "code": null\n  }\n}',
    ),
    # serde's missing_field behind axum's JSON rejection ("Failed to deserialize the JSON body into the
    # target type: <path>: missing field `<name>` at line L column C"); the path is absent at the top.
    _f(
        "serde",
        "missing",
        r"(?:into the target type: (?:(?P<path>" + _FPATH + r"): )?)missing field {Q}(?P<field>\w{1,80}){Q}",
        'serde src/de/mod.rs (Error::missing_field: "missing field `{}`"); axum extract/rejection.rs '
        '("Failed to deserialize the JSON body into the target type")',
        "https://github.com/foundation-model-stack/fms-guardrails-orchestrator/issues/91",
        "Failed to deserialize the JSON body into the target type: guardrail_config.output: missing field "
        "`models` at line 9 column 3",
    ),
    # protobuf's JSON parser (Gemini, Vertex AI): "Invalid value at '<path>' (<type>), <value>": a value the
    # field's type does not take. Only a tool declaration's path is claimed (its schema is the request's).
    _f(
        "protobuf-json",
        "enum",
        # (no word boundary before "Invalid": terminals print the "\\n" between two violations literally)
        r"Invalid value at {Q}(?P<path>(?:request\.)?tools\[\d+\]\.function_declarations[^'\"`\s]{0,200}){Q} "
        r"\((?P<expected>TYPE_\w+|type\.googleapis\.com/[\w.]+)\)",
        "protobuf src/google/protobuf/util/json_util.cc (JSON parser: \"Invalid value at '<path>' (<type>)\")",
        "https://github.com/microsoft/azure-devops-mcp/issues/145",
        "ons[23].parameters.properties[16].value.enum[0]' (TYPE_STRING), 2\\\\nInvalid value at "
        "'request.tools[0].function_declarations[23].parameters.properties[16].value.enum[1]' (TYPE_STRING), 3",
    ),
    # Go's encoding/json UnmarshalTypeError: "json: cannot unmarshal <JSON type> into Go struct field
    # <Struct>.<json path> of type <Go type>". Only a request struct (one named ...Request) is read: a Go
    # client failing on an upstream's answer prints the same (a response struct), which is no request fault.
    _f(
        "go-json",
        "type",
        r"\bcannot unmarshal (?P<got>\w{1,20}) into Go struct field \w{0,80}Request\.(?P<path>[\w.]{1,160}) of type "
        r"(?P<expected>[\w\[\]*.]{1,80})",
        'Go src/encoding/json/decode.go (UnmarshalTypeError.Error: "json: cannot unmarshal " + e.Value + " into '
        'Go struct field " + e.Struct + "." + e.Field + " of type " + e.Type.String())',
        "https://github.com/mudler/LocalAI/issues/273",
        '{"error":{"code":500,"message":"failed reading parameters from request:json: cannot unmarshal string '
        'into Go struct field OpenAIRequest.temperature of type float64","type":""}}',
    ),
    # CPython's own TypeError when a server passes the body as keyword arguments to a handler (LiteLLM's
    # proxy): "<handler>() missing 1 required positional argument: '<field>'".
    _f(
        "python",
        "missing",
        r"\b\w{1,80}\(\) missing \d+ required (?:positional|keyword-only) arguments?: {Q}(?P<field>\w{1,80}){Q}",
        'CPython Python/ceval.c (missing_arguments: "%U() missing %i required %s argument%s: %U")',
        "https://github.com/BerriAI/litellm/pull/40126",
        'The response comes back as HTTP 500 with an internal-looking message like "aresponses() missing 1 '
        "required positional argument: 'input'\"",
    ),
    # Round 19 (docs/errors.md "Generalisation"): the same path-and-fault reading for the faults a schema
    # validator reports besides a missing key or a type. OpenAI's request validator (and the relays and
    # OpenAI-compatible servers that copy it) prints "Invalid '<path>': <fault>. Expected ...": one format,
    # several faults (an empty array, a string or an array too long, a string not matching the schema's
    # pattern), read from the text (_FAULT_WORDS); the path names the cause (a tool's name, the tools list,
    # a tool's schema).
    _f(
        "openai-validator",
        "validator",
        r"\bInvalid {Q}(?P<path>"
        + _FPATH
        + r"){Q}: (?P<fault>empty array|(?:string|array) too (?:long|short)|"
        r"string does not match pattern)\b",
        "OpenAI's API request validator, as its 400 answers print it (codes empty_array, string_above_max_length, "
        "array_above_max_length; https://platform.openai.com/docs/guides/error-codes)",
        "https://github.com/nanbingxyz/5ire/issues/33",
        "Invalid 'tools[6].function.description': string too long. Expected a string with maximum length 1024, "
        "but got a string with length 2780 instead.",
    ),
    # pydantic v2's constraint errors at a path (Anthropic's Messages API prints its validator's loc and
    # msg: "tools.7.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'").
    _f(
        "pydantic",
        "validator",
        r"(?:^|[\s;\[(,'\"])(?P<path>"
        + _FPATH
        + r")\s*:?\s+(?P<fault>String should match pattern|String should have "
        r"at most \d+ characters?|List should have at (?:least 1 item|most \d+ items?))\b",
        "pydantic-core src/errors/types.rs (StringPatternMismatch => \"String should match pattern '{pattern}'\", "
        'StringTooLong => "String should have at most {max_length} characters", TooShort => "{field_type} should '
        'have at least {min_length} item{expected_plural} after validation")',
        "https://github.com/apify/tester-mcp-client/issues/11",
        'Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"tools.7.custom.name: String '
        "should match pattern '^[a-zA-Z0-9_-]{1,64}$'\"}}",
    ),
    # Google's request validation (Gemini, Vertex AI) names the proto path of a required field left empty:
    # "GenerateContentRequest.contents[3].parts: contents.parts must not be empty.", "* GenerateContentRequest.
    # contents: contents is not specified".
    _f(
        "google-api",
        "empty",
        r"(?P<path>\bGenerateContentRequest\.[\w.\[\]]{1,160}): (?:[\w.\[\]]{1,80} )?(?:must not be empty|cannot be "
        r"empty|is not specified)\b",
        "google/api/field_behavior.proto (REQUIRED fields), as the Gemini API's request validation words an empty or "
        "absent one",
        "https://github.com/langchain-ai/langgraph/issues/3939",
        "GenerateContentRequest.contents[3].parts: contents.parts must not be empty.",
    ),
    # A validator's "<path> : value must be a string" (Groq's request validation, and servers printing the
    # same shape): a type fault at a path, as pydantic's "Input should be a valid string" is. The path is
    # quoted: an unquoted "field stream_options must be an object" is a Go client's own check (round 10).
    _f(
        "validator",
        "type",
        r"(?P<q>['\"`])(?P<path>"
        + _FPATH
        + r")(?P=q)\s?:? (?:value )?must be an? (?P<expected>object|string|array|list|integer|"
        r"number|boolean)\b",
        "the \"<path> : value must be a <type>\" form of a JSON-schema validator's type error, as Groq's API prints it",
        "https://github.com/OpenHands/OpenHands/issues/4643",
        "'messages.0' : for 'role:system' the following must be satisfied[('messages.0.content' : value must be a "
        "string)]",
    ),
    # zod's issue, passed on whole by a TypeScript server (LM Studio): the issue's code in the error's `code`
    # and its path in `param` ("message": "Invalid", "param": "tools.14.type", "code": "invalid_string").
    # Matched against the code (whole); the path is read from `param`.
    Framework(
        library="zod",
        fault="enum",
        wording=Wording(
            provider="zod",
            pattern=re.compile(
                r"invalid_string|invalid_union|invalid_type|invalid_enum_value|invalid_value|invalid_literal|"
                r"unrecognized_keys|custom",
                re.IGNORECASE,
            ),
            source="https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/1812",
            example="invalid_string",
            on="code",
        ),
        library_source="zod packages/zod/src/v3/ZodError.ts (ZodIssueCode: invalid_type, invalid_union, "
        "invalid_string, custom, ...)",
    ),
)

#: The body keys a conversation is sent in (Chat Completions' ``messages``, the Responses API's
#: ``input``, Gemini's ``contents``): the one the API requires, missing, is :data:`cause.messages-missing`.
_CONVERSATION_KEYS = frozenset({"messages", "input", "contents"})
#: The keys a tool's schema sits under (OpenAI ``tools``/``functions``, Gemini ``function_declarations``).
_TOOL_KEYS = frozenset({"tools", "functions", "function_declarations"})
#: The top-level keys a type fault names as a parameter (a root outside them may be a sub-model's field).
_TYPED_PARAMS = frozenset(OPENAI_PARAMS) | frozenset(_BOUNDED_PARAMS)
#: A validator's words for its fault (:data:`FaultKind`), for a format that reports several.
_FAULT_WORDS: tuple[tuple[re.Pattern[str], FaultKind], ...] = (
    (re.compile(r"empty|too short|at least 1 item|not specified", re.IGNORECASE), "empty"),
    (re.compile(r"too long|at most", re.IGNORECASE), "length"),
    (re.compile(r"pattern", re.IGNORECASE), "pattern"),
)


def _path_parts(path: str | None, field: str | None) -> list[str]:
    """A library's path and field as the request's own keys and indices (``body.messages.2.content``,
    ``messages[1]`` + ``content``, ``request.tools[0].function_declarations[3]``, pydantic's
    ``messages.1.typed-dict.name``), read by :func:`toolguard_core.locations.parse_location`."""
    parts = [str(p) for p in parse_location(path or "") or ()]
    if field:
        parts.append(field)
    return parts


def _framework_cause(
    fault: FaultKind,
    parts: list[str],
    got: str | None,
    expected: str | None = None,
    request: Mapping[str, object] | None = None,
) -> tuple[str, dict[str, str]] | None:
    """The catalogue's cause for a fault at a path, with what the text named; None for a path it does not
    know (nothing is claimed). With the refused ``request``, what the path holds there completes a type
    fault the text leaves open (a list where a message's content must be a string)."""
    names = [p for p in parts if not p.isdigit()]
    if not names:
        return None
    root = names[0]
    index = next((p for p in parts if p.isdigit()), None)
    at_message = root in _MESSAGE_CONTAINERS and index is not None
    values = {"path": ".".join(parts)}
    if index is not None:
        values["index"] = index
    if root in _TOOL_KEYS or "function_declarations" in names:
        if fault == "empty" and len(names) == 1:
            return "cause.tools-empty", values  # "Invalid 'tools': empty array"
        if fault in ("empty", "pattern", "length") and names[-1] == "name" and len(names) <= 3:
            # the tool's own name (tools[0].function.name, tools.7.custom.name, function_declarations[2].name),
            # not a property called "name" inside its parameters' schema
            return "cause.tool-name-invalid", values
        if len(parts) > 1:
            return "cause.tool-schema-invalid", values
    if fault == "empty":
        if len(names) == 1 and root in _CONVERSATION_KEYS:
            # "Invalid 'messages': empty array", "GenerateContentRequest.contents: contents is not specified":
            # the catalogue's empty conversation (cause.empty-content, rule messages.empty)
            return "cause.empty-content", {}
        if at_message and names[-1] in ("content", "parts") and len(names) == 2:
            return "cause.empty-content", values  # "contents[3].parts: contents.parts must not be empty"
        return None
    if fault == "missing":
        if len(parts) == 1 and root in _CONVERSATION_KEYS:
            return "cause.messages-missing", {}
        if at_message and names[-1] == "content" and len(names) == 2:
            return "cause.empty-content", values
        return None
    if fault == "type":
        expected = (expected or "").lower()
        if root in _MESSAGE_CONTAINERS and names[-1] == "content" and got in _ARRAYS and expected in _STRINGS:
            # content parts where the server's struct has a string (Go prints no index: messages.content)
            return "cause.content-array-unsupported", values
        if (
            at_message
            and names[-1] == "content"
            and len(names) == 2
            and got is None
            and expected in _STRINGS
            and isinstance(_at_path(request, parts), list)
        ):
            # pydantic v1's "str type expected" echoes no input: the refused request shows the content parts
            return "cause.content-array-unsupported", values
        if (
            len(parts) == 1
            and root in _CONVERSATION_KEYS
            and (expected.startswith("[]") or expected in _ARRAYS)
        ):
            # the conversation itself sent as something other than a list (an object, a string)
            return "cause.param-type-invalid", {**values, "param": root}
        if len(parts) == 1 and root in _CONVERSATION_KEYS and expected in _STRINGS and got is None:
            # a union's string alternative ("messages: str type expected" before the same server's error on
            # the list it did get): the next error of the list says what was wrong
            return None
        if root == "response_format" and len(names) > 1:
            # a part of the response format of the wrong type ("'response_format.json_schema.schema' must be
            # an object", LM Studio)
            return "cause.response-format-invalid", values
        if at_message and "content" in names:
            # null where the content goes is an empty turn; anything else is not said by the type alone
            return ("cause.empty-content", values) if got in _NULLS else None
        if at_message or (len(names) == 1 and root in _TYPED_PARAMS):
            # a message's other field (function_call, name) or a request parameter of the wrong type (a
            # library validating one message prints "content.0" for that message's content: not claimed)
            return "cause.param-type-invalid", {**values, "param": ".".join(parts)}
    return None


def _at_path(request: Mapping[str, object] | None, parts: list[str]) -> object:
    """What the request holds at a validator's path (keys and indices), or None."""
    node: object = request
    for part in parts:
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _fault_of(framework: Framework, groups: Mapping[str, str]) -> FaultKind | None:
    """The fault a match reports: the framework's own, or for a format reporting several, the one its
    words say (:data:`_FAULT_WORDS`)."""
    if framework.fault != "validator":
        return framework.fault
    words = groups.get("fault", "")
    return next((kind for pattern, kind in _FAULT_WORDS if pattern.search(words)), None)


def _recognise_framework(
    message: str | None,
    provider: str | None,
    finding_rules: tuple[str, ...],
    request: Mapping[str, object] | None = None,
) -> Recognition | None:
    """The first validation-library format (:data:`FRAMEWORKS`) whose fault and path name a cause."""
    if not message:
        return None
    text = _prepare(message)
    folded = fold_for_prefilter(text)
    for framework in FRAMEWORKS:
        wording = framework.wording
        if wording.on != "message" or not could_match(wording.pattern, folded):
            continue
        for match in wording.pattern.finditer(text):
            groups = {k: v for k, v in match.groupdict().items() if v}
            got = groups.get("got", "").lower() or None
            if got is None and _NULL_INPUT.search(text[match.end() :]):
                got = "none"
            parts = _path_parts(groups.get("path"), groups.get("field"))
            expected = next((groups[k] for k in ("expected", "expected2", "expected3") if k in groups), None)
            fault = _fault_of(framework, groups)
            named = _framework_cause(fault, parts, got, expected, request) if fault else None
            if named is None:
                continue
            cause_id, values = named
            found = _build(CAUSES_BY_ID[cause_id], wording, values, text, provider, finding_rules, None)
            # The response format's own rule is about the word "json" in the prompt, not a part of the
            # format of the wrong type: no rule is claimed for it.
            if cause_id == "cause.response-format-invalid":
                return replace(found, rule_id=None)
            if cause_id == "cause.empty-content" and not values:
                return replace(found, rule_id="messages.empty")  # the conversation itself is empty
            return found
    return None


#: A validator's path as an error's `param` carries it (``tools.14.type``): dotted keys and indices only.
_PARAM_PATH = re.compile(r"^[A-Za-z_][\w-]{0,60}(?:\.[\w-]{1,60}){1,12}$")


def _recognise_framework_code(
    chain: list[UpstreamError], provider: str | None, finding_rules: tuple[str, ...]
) -> Recognition | None:
    """A library's issue code in the error's ``code`` with its path in ``param`` (zod through LM Studio):
    the code says a validator refused the value; the path says where (only a tool's path names a cause)."""
    for error in chain:
        code, param = error.code, error.param
        if not isinstance(code, str) or not param or not _PARAM_PATH.match(param):
            continue
        for framework in FRAMEWORKS:
            wording = framework.wording
            if wording.on != "code" or not wording.pattern.fullmatch(code.strip()):
                continue
            named = _framework_cause(framework.fault, _path_parts(param, None), None)
            if named is not None and named[0] == "cause.tool-schema-invalid":
                cause_id, values = named
                text = error.message or code
                return _build(CAUSES_BY_ID[cause_id], wording, values, text, provider, finding_rules, None)
    return None


# ------------------------------------------------------------------- error codes beyond the catalogue
# Error codes/types (matched whole, after the catalogue's own codes) that name a cause on their own,
# whatever the message says: the providers' documented error vocabularies.
_OPENAI_CODES = "https://platform.openai.com/docs/guides/error-codes"
_GOOGLE_CODES = "https://cloud.google.com/apis/design/errors#handling_errors"
_BEDROCK_CODES = "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors"


def _c(
    cause_id: str, provider: str, code: str, source: str, *, fix: str | None = None
) -> tuple[str, Wording]:
    return cause_id, Wording(
        provider=provider,
        pattern=_code(code),
        source=source,
        example=code,
        on="code",
        no_constraint=True,
        fix=fix,
    )


#: Error codes/types that name a cause (tried after the catalogue's code wordings).
CODES: tuple[tuple[str, Wording], ...] = (
    _c("cause.rate-limit", "openai", "rate_limit_exceeded", _OPENAI_CODES),
    _c("cause.rate-limit", "google", "RESOURCE_EXHAUSTED", _GOOGLE_CODES),
    _c("cause.rate-limit", "bedrock", "ThrottlingException", _BEDROCK_CODES),
    _c("cause.auth", "google", "UNAUTHENTICATED", _GOOGLE_CODES),
    _c("cause.auth", "google", "PERMISSION_DENIED", _GOOGLE_CODES),
    _c("cause.auth", "bedrock", "AccessDeniedException", _BEDROCK_CODES),
    _c("cause.auth", "anthropic", "permission_error", "https://docs.anthropic.com/en/api/errors"),
    _c(
        "cause.auth",
        "bedrock",
        "ExpiredTokenException",
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html",
    ),
    _c(
        "cause.auth",
        "bedrock",
        "UnrecognizedClientException",
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html",
    ),
    _c("cause.overloaded", "bedrock", "ServiceUnavailableException", _BEDROCK_CODES),
    _c("cause.overloaded", "bedrock", "ModelNotReadyException", _BEDROCK_CODES),
    _c("cause.server-error", "bedrock", "InternalServerException", _BEDROCK_CODES),
    _c("cause.model-not-found", "bedrock", "ResourceNotFoundException", _BEDROCK_CODES),
    _c(
        "cause.model-not-found",
        "together",
        "model_not_available",
        "https://docs.together.ai/docs/error-codes",
    ),
    # OpenAI's inactive billing (also relayed by one-api with its own sentence): money, not a rate limit.
    _c("cause.quota", "openai", "billing_not_active", "https://github.com/BerriAI/litellm/issues/2743"),
    # new-api/one-api's own code for a user's spent quota ("user quota is not enough"), relayed under a 403
    # the status tier would read as a refused credential.
    _c(
        "cause.quota",
        "new-api",
        "insufficient_user_quota",
        "https://github.com/popjane/free_chatgpt_api/issues/78",
    ),
    _c(
        "cause.quota",
        "moonshot",
        "exceeded_current_quota_error",
        "https://github.com/MoonshotAI/Kimi-K2/issues/5",
    ),
    _c(
        "cause.moderation",
        "azure",
        "ResponsibleAIPolicyViolation",
        "https://github.com/compl-ai/compl-ai/issues/20",
    ),
    _c(
        "cause.wrong-endpoint",
        "azure",
        "OperationNotSupported",
        "https://github.com/Azure-Samples/azure-search-openai-demo-csharp/issues/158",
    ),
)

# Google's structured ``details[]``: an ``ErrorInfo`` carries a machine-readable ``reason`` from Google's
# own enum (google/api/error_reason.proto), which names an account-level cause even when the sentence is
# as vague as "Invalid resource field value in the request." (gemini-cli's Code Assist answer for an
# invalid project). Only the reasons whose documented meaning is one of the catalogue's causes are read:
# a key, token, project or consumer the service refuses is a credential/account problem (``cause.auth``),
# billing off is money (``cause.quota``), ``RATE_LIMIT_EXCEEDED`` a rate. ``RESOURCE_QUOTA_EXCEEDED`` is
# left out: Gemini uses it for per-minute buckets and daily caps alike.
_GOOGLE_REASONS = "https://github.com/googleapis/googleapis/blob/master/google/api/error_reason.proto"
_AUTH_REASONS = (
    "SERVICE_DISABLED",
    "API_KEY_INVALID",
    "API_KEY_SERVICE_BLOCKED",
    "API_KEY_HTTP_REFERRER_BLOCKED",
    "API_KEY_IP_ADDRESS_BLOCKED",
    "API_KEY_ANDROID_APP_BLOCKED",
    "API_KEY_IOS_APP_BLOCKED",
    "USER_PROJECT_DENIED",
    "CONSUMER_SUSPENDED",
    "CONSUMER_INVALID",
    "ACCESS_TOKEN_EXPIRED",
    "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
    "ACCOUNT_STATE_INVALID",
    "ACCESS_TOKEN_TYPE_UNSUPPORTED",
    "CREDENTIALS_MISSING",
    "RESOURCE_PROJECT_INVALID",
    "SESSION_COOKIE_INVALID",
    "USER_BLOCKED_BY_ADMIN",
)

#: ``ErrorInfo.reason`` values that name a cause on their own (tried after the sentences, before the error
#: codes they refine): matched whole against the reason the body's details carry.
ERROR_INFO_REASONS: tuple[tuple[str, Wording], ...] = (
    *(_c("cause.auth", "google", reason, _GOOGLE_REASONS) for reason in _AUTH_REASONS),
    _c("cause.quota", "google", "BILLING_DISABLED", _GOOGLE_REASONS),
    _c("cause.rate-limit", "google", "RATE_LIMIT_EXCEEDED", _GOOGLE_REASONS),
)

#: An ``ErrorInfo`` detail's reason in a body's text, whichever key comes first and however the client
#: quoted it (JSON, a Python repr, JSON escaped inside a string). Bounded: no field is longer.
_ERROR_INFO = re.compile(
    r"google\.rpc\.ErrorInfo\W{1,12}[^{}]{0,300}?\breason\W{1,8}(?P<after>[A-Z][A-Z0-9_]{2,60})\b|"
    r"\breason\W{1,8}(?P<before>[A-Z][A-Z0-9_]{2,60})\b[^{}]{0,300}?google\.rpc\.ErrorInfo\b"
)


# ---------------------------------------------------------- the providers' own error references
# Round 8 of issue #10 (docs/errors.md "Generalisation", "The providers' error references"): ten
# probe rounds drawn from public threads kept finding wordings the catalogue already names, while
# the held-out misses were sentences no thread repeats. The providers publish their own error
# catalogues (codes, `type` strings and the exact messages), so this tier is written from those
# pages, not from threads: one row per (provider, code or message) -> cause, each with its URL.
#
# Precision first. A code names a cause here only where the provider's reference gives that code one
# meaning; a code several causes share (Volcengine's and DashScope's `InvalidParameter`, Zhipu's
# `1214` "${field} 参数非法") names none and is declared as a *refusal of the request's parameters*
# (`cause_id=None`): it never names a cause, it only withdraws the status tier's server-side guess
# when the upstream's own code says the request was refused (a router's 502 around Zhipu's 1214).
# Numeric codes are read only inside their provider's envelope (:data:`Envelope`), since Zhipu's,
# MiniMax's and Baidu's numbers overlap each other and other gateways' (Tencent Hunyuan's
# OpenAI-compatible endpoint answers a role-order error with the string code "1001", which Zhipu's
# table calls a missing Authentication header; Hunyuan's body carries `type` and `param`, Zhipu's
# does not). The tier runs after the sentences, codes and structural families and before the request
# and status tiers, so it only names what nothing above named (no recognition changes).

#: Where a code must sit for it alone to decide (``any``: a code string no other vocabulary uses).
Envelope = Literal["any", "zhipu", "minimax", "baidu"]

_ZHIPU_REF = "https://docs.bigmodel.cn/cn/api/api-code"
_MINIMAX_REF = "https://platform.minimax.io/docs/api-reference/errorcode.md"
_BAIDU_REF = "https://ai.baidu.com/ai-doc/WENXINWORKSHOP/tlmyncueh"
_VOLCENGINE_REF = "https://www.volcengine.com/docs/82379/1299023"
_DASHSCOPE_REF = "https://help.aliyun.com/en/model-studio/error-code-start"
_DASHSCOPE_CODES = "https://alibabacloud.com/help/en/model-studio/developer-reference/error-code"
_DASHSCOPE_MESSAGES = "https://help.aliyun.com/en/model-studio/error-code"
_DASHSCOPE_MESSAGES_EN = "https://alibabacloud.com/help/en/model-studio/error-code"
_MOONSHOT_REF = "https://platform.kimi.ai/docs/api/errors"
_ANTHROPIC_TYPES = "https://platform.claude.com/docs/de/api/typescript/$shared"


@dataclass(frozen=True, slots=True)
class Reference:
    """One row of a provider's published error reference.

    ``code`` is matched whole against the error's ``code`` and ``type`` (inside ``envelope``);
    ``message`` is the reference's own text for it. A row without a code is a message family: its
    ``pattern`` (written from ``message``) is matched against the provider's message. ``cause_id``
    ``None`` marks a generic refusal of the request's parameters (see above)."""

    provider: str
    source: str
    cause_id: str | None
    message: str
    code: str | None = None
    envelope: Envelope = "any"
    pattern: str | None = None
    #: The status the reference lists for it (documentation; the matcher does not read it).
    status: int | None = None


def _ref(
    cause_id: str | None, provider: str, code: str | None, message: str, source: str, **kw: Any
) -> Reference:
    return Reference(provider=provider, source=source, cause_id=cause_id, message=message, code=code, **kw)


#: The table, declared once; :data:`REFERENCE_CODES`, :data:`REFERENCE_FAMILIES` and the refusal
#: codes are derived from it, and docs/causes.md lists it.
REFERENCE: tuple[Reference, ...] = (
    # Zhipu BigModel / Z.AI: {"error": {"code": "1113", "message": ...}} (a string code, no type).
    _ref("cause.auth", "zhipu", "1000", "身份验证失败", _ZHIPU_REF, envelope="zhipu", status=401),
    _ref("cause.auth", "zhipu", "1001", "Header 中未收到 Authentication 参数,无法进行身份验证", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.auth", "zhipu", "1002", "Authentication Token 非法,请确认 Authentication Token 正确传递", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.auth", "zhipu", "1003", "Authentication Token 已过期,请重新生成/获取", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.auth", "zhipu", "1004", "通过 Authentication Token 的验证失败", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.auth", "zhipu", "1110", "您的账户当前处于非活动状态。请检查账户信息", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.auth", "zhipu", "1111", "您的账户不存在", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.auth", "zhipu", "1112", "您的账户已被锁定,请联系客服解锁", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.quota", "zhipu", "1113", "您的账户已欠费,请充值后重试", _ZHIPU_REF, envelope="zhipu", status=429),
    _ref(None, "zhipu", "1210", "API 调用参数有误,请检查文档", _ZHIPU_REF, envelope="zhipu", status=400),
    _ref("cause.model-not-found", "zhipu", "1211", "模型不存在,请检查模型代码", _ZHIPU_REF, envelope="zhipu"),
    _ref(None, "zhipu", "1213", "未正常接收到 ${field} 参数", _ZHIPU_REF, envelope="zhipu", status=400),
    _ref(None, "zhipu", "1214", "${field} 参数非法。请检查文档", _ZHIPU_REF, envelope="zhipu", status=400),
    _ref(None, "zhipu", "1215", "${field1} 与 ${field2} 不能同时设置,请检查文档", _ZHIPU_REF, envelope="zhipu", status=400),
    _ref("cause.context-length-exceeded", "zhipu", "1261", "Prompt 超长", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.moderation", "zhipu", "1301", "系统检测到输入或生成内容可能包含不安全或敏感内容,请您避免输入易产生敏感内容的提示语,感谢您的配合", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.rate-limit", "zhipu", "1302", "您当前使用该 API 的并发数过高,请降低并发,或联系客服增加限额", _ZHIPU_REF, envelope="zhipu", status=429),
    _ref("cause.rate-limit", "zhipu", "1303", "您当前使用该 API 的频率过高,请降低频率,或联系客服增加限额", _ZHIPU_REF, envelope="zhipu", status=429),
    _ref("cause.rate-limit", "zhipu", "1305", "该 API 已触发流量限制", _ZHIPU_REF, envelope="zhipu", status=429),
    _ref("cause.quota", "zhipu", "1309", "您的 GLM Coding Plan 套餐已到期,暂无法使用,前往官方续订后即可恢复", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.quota", "zhipu", "1310", "您已达到每周/每月使用上限,您的限额将在 ${next_flush_time} 重置", _ZHIPU_REF, envelope="zhipu"),
    _ref("cause.overloaded", "zhipu", "1312", "该模型当前访问量过大,请您稍后再试,或切换其他模型", _ZHIPU_REF, envelope="zhipu"),
    # Zhipu's sentences, for the same errors relayed without their code (one-api, Dify, printouts).
    _ref("cause.context-length-exceeded", "zhipu", None, "Prompt 超长", _ZHIPU_REF, pattern=r"\bPrompt ?超长"),
    _ref("cause.moderation", "zhipu", None, "系统检测到输入或生成内容可能包含不安全或敏感内容", _ZHIPU_REF, pattern=r"输入或生成内容可能包含不安全或敏感内容"),
    _ref("cause.rate-limit", "zhipu", None, "您当前使用该 API 的并发数过高,请降低并发", _ZHIPU_REF, pattern=r"使用该 ?API ?的(?:并发数|频率)过高"),
    _ref("cause.quota", "zhipu", None, "您的 GLM Coding Plan 套餐已到期,暂无法使用", _ZHIPU_REF, pattern=r"Coding Plan ?套餐已到期"),
    _ref("cause.quota", "zhipu", None, "您已达到每周/每月使用上限,您的限额将在 ${next_flush_time} 重置", _ZHIPU_REF, pattern=r"已达到每周/每月使用上限"),
    _ref("cause.overloaded", "zhipu", None, "该模型当前访问量过大,请您稍后再试", _ZHIPU_REF, pattern=r"该模型当前访问量过大"),
    _ref("cause.auth", "zhipu", None, "您的账户已被锁定,请联系客服解锁", _ZHIPU_REF, pattern=r"您的账户已被锁定"),
    _ref("cause.auth", "zhipu", None, "Authentication Token 已过期,请重新生成/获取", _ZHIPU_REF, pattern=r"Authentication Token ?(?:非法|已过期)"),
    _ref("cause.messages-missing", "zhipu", None, "未正常接收到 messages 参数", _ZHIPU_REF, pattern=r"未正常接收到 ?{Q}messages{Q} ?参数"),
    # MiniMax's native envelope {"base_resp": {"status_code": 1008, "status_msg": ...}} (an int code).
    _ref("cause.server-error", "minimax", "1000", "unknown error", _MINIMAX_REF, envelope="minimax"),
    _ref("cause.server-error", "minimax", "1001", "request timeout", _MINIMAX_REF, envelope="minimax"),
    _ref("cause.rate-limit", "minimax", "1002", "rate limit", _MINIMAX_REF, envelope="minimax"),
    _ref("cause.auth", "minimax", "1004", "not authorized / token not match group / cookie is missing, log in again", _MINIMAX_REF, envelope="minimax"),
    _ref("cause.quota", "minimax", "1008", "insufficient balance", _MINIMAX_REF, envelope="minimax"),
    _ref("cause.server-error", "minimax", "1024", "internal error", _MINIMAX_REF, envelope="minimax"),
    _ref("cause.moderation", "minimax", "1026", "输入内容涉敏", "https://platform.minimaxi.com/docs/api-reference/errorcode.md", envelope="minimax"),
    _ref("cause.moderation", "minimax", "1027", "输出内容涉敏", "https://platform.minimaxi.com/docs/api-reference/errorcode.md", envelope="minimax"),
    _ref("cause.server-error", "minimax", "1033", "系统错误/下游服务错误", "https://platform.minimaxi.com/docs/api-reference/errorcode.md", envelope="minimax"),
    # Baidu Qianfan (ERNIE): {"error_code": 17, "error_msg": ...} (upstream_errors shape `baidu`).
    _ref("cause.server-error", "qianfan", "1", "Unknown error", _BAIDU_REF, envelope="baidu"),
    _ref("cause.overloaded", "qianfan", "2", "Service temporarily unavailable", _BAIDU_REF, envelope="baidu"),
    _ref("cause.wrong-endpoint", "qianfan", "3", "Unsupported openapi method", _BAIDU_REF, envelope="baidu"),
    _ref("cause.overloaded", "qianfan", "4", "Open api request limit reached", _BAIDU_REF, envelope="baidu"),
    _ref("cause.auth", "qianfan", "6", "No permission to access data", _BAIDU_REF, envelope="baidu"),
    _ref("cause.auth", "qianfan", "13", "Get service token failed", _BAIDU_REF, envelope="baidu"),
    _ref("cause.auth", "qianfan", "14", "IAM Certification failed", _BAIDU_REF, envelope="baidu"),
    _ref("cause.quota", "qianfan", "17", "Open api daily request limit reached", _BAIDU_REF, envelope="baidu"),
    _ref("cause.rate-limit", "qianfan", "18", "Open api qps request limit reached", _BAIDU_REF, envelope="baidu"),
    _ref("cause.quota", "qianfan", "19", "Open api total request limit reached", _BAIDU_REF, envelope="baidu"),
    _ref("cause.auth", "qianfan", "110", "Access token invalid or no longer valid", _BAIDU_REF, envelope="baidu"),
    _ref("cause.auth", "qianfan", "111", "Access token expired", _BAIDU_REF, envelope="baidu"),
    _ref("cause.quota", "qianfan", None, "Open api daily request limit reached", _BAIDU_REF, pattern=r"\bOpen api (?:daily|total) request limit reached\b"),
    _ref("cause.rate-limit", "qianfan", None, "Open api qps request limit reached", _BAIDU_REF, pattern=r"\bOpen api qps request limit reached\b"),
    _ref("cause.auth", "qianfan", None, "Access token invalid or no longer valid", _BAIDU_REF, pattern=r"\bAccess token invalid or no longer valid\b"),
    _ref("cause.wrong-endpoint", "qianfan", None, "Unsupported openapi method", _BAIDU_REF, pattern=r"\bUnsupported openapi method\b"),
    # Round 12: the reference's credential messages (codes 13 and 14) outside Baidu's envelope too, as
    # SDKs and relays print them without `error_code`.
    _ref("cause.auth", "qianfan", None, "IAM Certification failed", _BAIDU_REF, pattern=r"\bIAM Certification failed\b"),
    _ref("cause.auth", "qianfan", None, "Get service token failed", _BAIDU_REF, pattern=r"\bGet service token failed\b"),
    # Volcengine Ark: {"error": {"code": "AccountOverdueError", "message": ..., "type": "Forbidden"}}.
    _ref(None, "volcengine", "MissingParameter", "The request failed because it is missing one or multiple required parameters. Request ID: {id}", _VOLCENGINE_REF, status=400),
    _ref(None, "volcengine", "InvalidParameter", "One or more parameters specified in the request are not valid. Request ID: {id}", _VOLCENGINE_REF, status=400),
    _ref("cause.moderation", "volcengine", "InputTextRiskDetection", "The request could not be processed because the input text includes sensitive content that violates ContentSecurityDetection.", "https://www.volcengine.com/docs/82379/1099476", status=400),
    _ref("cause.moderation", "volcengine", "InputImageRiskDetection", "The request could not be processed because the input image includes sensitive content that violates ContentSecurityDetection.", "https://www.volcengine.com/docs/82379/1099476", status=400),
    _ref("cause.auth", "volcengine", "AuthenticationError", "The API key or AK/SK in the request is missing or invalid. Request ID: {id}", _VOLCENGINE_REF, status=401),
    _ref("cause.quota", "volcengine", "AccountOverdueError", "The request failed because your account has an overdue balance. Request ID: {id}", _VOLCENGINE_REF, status=403),
    _ref("cause.model-not-found", "volcengine", "InvalidEndpointOrModel.NotFound", "The model or endpoint %s does not exist or you do not have access to it.", _VOLCENGINE_REF, status=404),
    _ref("cause.model-not-found", "volcengine", "InvalidEndpoint.NotFound", "The request targeted an endpoint that does not exist.", "https://apifox.com/apidoc/docs-site/5437846/6107465m0", status=404),
    _ref("cause.model-not-found", "volcengine", "ModelNotOpen", "Your account %s has not activated the model %s. Please activate the model service", _VOLCENGINE_REF, status=404),
    _ref("cause.quota", "volcengine", None, "The request failed because your account has an overdue balance.", _VOLCENGINE_REF, pattern=r"\byour account has an overdue balance\b"),
    _ref("cause.auth", "volcengine", None, "The API key or AK/SK in the request is missing or invalid.", _VOLCENGINE_REF, pattern=r"\bThe API key or AK/SK in the request is missing or invalid\b"),
    _ref("cause.model-not-found", "volcengine", None, "Your account %s has not activated the model %s.", _VOLCENGINE_REF, pattern=r"\bhas not activated the model\b"),
    _ref("cause.moderation", "volcengine", None, "The request could not be processed because the input text includes sensitive content", "https://www.volcengine.com/docs/82379/1099476", pattern=r"\bthe input (?:text|image) includes sensitive content\b"),
    # Alibaba Model Studio (DashScope): native {"code", "message", "request_id"} and the compatible mode.
    _ref(None, "dashscope", "InvalidParameter", "Required parameter(s) missing or invalid, please check the request parameters.", _DASHSCOPE_CODES, status=400),
    # Round 15: the compatible mode's spelling of the same code. It names no cause either: four
    # development rows carry four causes under it (a context window, enable_thinking off a stream, a
    # developer role, ...), so it only withdraws a relay's 5xx guess, as InvalidParameter does.
    _ref(None, "dashscope", "invalid_parameter_error", "<400> InternalError.Algo.InvalidParameter: Range of input length should be [1, 983616]", "https://github.com/agentscope-ai/QwenPaw/issues/6255", status=400),
    _ref("cause.auth", "dashscope", "InvalidApiKey", "Check that the API key is valid and that the API key, region, and Base URL match.", _DASHSCOPE_REF, status=401),
    _ref("cause.model-not-found", "dashscope", "ModelNotFound", "Check the model name, deployment name, or resource ID, whether the model is available in the region", _DASHSCOPE_REF, status=404),
    _ref("cause.rate-limit", "dashscope", "Throttling.RateQuota", "Reduce the request rate, concurrency, or token rate as applicable.", _DASHSCOPE_REF, status=429),
    # Round 15: the same table's other 429 code is the account's allocation, not its rate ("For an
    # exhausted free quota or a resource-count limit, follow the relevant entry"). Its AccessDenied
    # (403) is left out: the table gives it three meanings (permission, activation, a synchronous call
    # to an asynchronous-only API).
    _ref("cause.quota", "dashscope", "Throttling.AllocationQuota", "For an exhausted free quota or a resource-count limit, follow the relevant entry before making another call.", _DASHSCOPE_REF, status=429),
    _ref("cause.messages-missing", "dashscope", None, 'Either \\"prompt\\" or \\"messages\\" must exist and cannot both be none', _DASHSCOPE_CODES, pattern=r"Either {Q}prompt{Q} or {Q}messages{Q} must exist and cannot both be none"),
    _ref("cause.thinking-budget-invalid", "dashscope", None, "The thinking_budget parameter must be a positive integer and not greater than xxx", _DASHSCOPE_MESSAGES, pattern=r"\bThe thinking_budget parameter must be a positive integer\b"),
    # Model Studio's 400 InvalidParameter messages that name what the model refused (the code alone
    # does not: it is the refusal row above).
    _ref("cause.param-value-unsupported", "dashscope", None, "parameter.enable_thinking must be set to false for non-streaming calls", _DASHSCOPE_MESSAGES_EN, pattern=r"\bparameter\.(?P<param>enable_thinking) (?:must be set to false for non-streaming calls|only support stream call)"),
    _ref("cause.param-value-unsupported", "dashscope", None, "This model only support stream mode, please enable the stream parameter to access the model.", _DASHSCOPE_MESSAGES_EN, pattern=r"\bThis model only support stream mode, please enable the (?P<param>stream) parameter"),
    _ref("cause.param-unsupported", "dashscope", None, "This model does not support enable_search.", _DASHSCOPE_MESSAGES_EN, pattern=r"\bThis model does not support (?P<param>enable_search)\b"),
    _ref("cause.param-value-unsupported", "dashscope", None, 'The incremental_output parameter must be "true" when enable_thinking is true', "https://alibabacloud.com/help/tc/model-studio/error-code", pattern=r"\bThe (?P<param>incremental_output) parameter (?:must be {Q}true{Q} when enable_thinking is true|of this model cannot be set to False)"),
    # Moonshot / Kimi: OpenAI-shaped with Moonshot's own `type` strings.
    _ref("cause.auth", "moonshot", "invalid_authentication_error", "Invalid Authentication", _MOONSHOT_REF, status=401),
    _ref("cause.auth", "moonshot", "incorrect_api_key_error", "Incorrect API key provided", _MOONSHOT_REF, status=401),
    _ref("cause.context-length-exceeded", "moonshot", None, "Input token length too long", _MOONSHOT_REF, pattern=r"\bInput token length too long\b"),
    # Anthropic: the Messages API's error types (billing_error: HTTP 402).
    _ref("cause.quota", "anthropic", "billing_error", "Billing error", _ANTHROPIC_TYPES, status=402),
)  # fmt: skip


def _reference_wording(row: Reference) -> Wording:
    if row.code is not None:
        return Wording(
            provider=row.provider, pattern=_code(row.code), source=row.source, example=row.code,
            on="code", no_constraint=True,
        )  # fmt: skip
    assert row.pattern is not None  # a row is a code or a message family
    # Nothing is learned from a reference family: the reference says what was refused in general
    # (a value in some context, a quota), not a key the next request can be checked for.
    return Wording(
        provider=row.provider, pattern=_re(row.pattern), source=row.source, example=row.message,
        no_constraint=True,
    )  # fmt: skip


#: (cause id, wording, envelope) for every reference code that names a cause.
REFERENCE_CODES: tuple[tuple[str, Wording, Envelope], ...] = tuple(
    (row.cause_id, _reference_wording(row), row.envelope)
    for row in REFERENCE
    if row.code is not None and row.cause_id is not None
)
#: (cause id, wording) for every message family a reference gives the text of.
REFERENCE_FAMILIES: tuple[tuple[str, Wording], ...] = tuple(
    (row.cause_id, _reference_wording(row))
    for row in REFERENCE
    if row.code is None and row.cause_id is not None
)
#: (code, envelope) pairs a reference documents as a generic refusal of the request's parameters.
REFERENCE_REFUSALS: frozenset[tuple[str, Envelope]] = frozenset(
    (row.code.lower(), row.envelope) for row in REFERENCE if row.code is not None and row.cause_id is None
)
_ZHIPU_CODE = re.compile(r"1[0-3]\d\d")


def in_envelope(envelope: Envelope, error: UpstreamError) -> bool:
    """Whether ``error`` is the envelope a numeric code is read in (Zhipu's string code in an
    ``{"error": {"code", "message"}}`` wrapper without ``type``/``param``; MiniMax's ``base_resp``;
    Baidu's ``error_code``). A code string of one vocabulary (``any``) is read anywhere."""
    if envelope == "any":
        return True
    if envelope == "zhipu":
        code = error.code
        return (
            error.shape == "openai" and isinstance(code, str) and _ZHIPU_CODE.fullmatch(code) is not None
            and error.type is None and error.param is None
        )  # fmt: skip
    if envelope == "minimax":
        return error.shape == "minimax"
    return error.shape == "baidu"


def _recognise_reference(
    chain: list[UpstreamError], provider: str | None, finding_rules: tuple[str, ...]
) -> Recognition | None:
    """The providers' error references (:data:`REFERENCE`): a code in its envelope, innermost error
    first, then the references' message families."""
    for error in chain:
        for code in (error.code, error.type):
            if code is None or code == "" or isinstance(code, bool):
                continue
            text = str(code).strip()
            for cause_id, wording, envelope in REFERENCE_CODES:
                if wording.pattern.fullmatch(text) and in_envelope(envelope, error):
                    return _build(
                        CAUSES_BY_ID[cause_id], wording, {}, error.message or text, provider, finding_rules,
                        error.param,
                    )  # fmt: skip
    for error in chain:
        if not error.message:
            continue
        text = _prepare(error.message)
        folded = fold_for_prefilter(text)
        for cause_id, wording in REFERENCE_FAMILIES:
            if could_match(wording.pattern, folded) and (match := wording.pattern.search(text)) is not None:
                groups = {k: v for k, v in match.groupdict().items() if v}
                return _build(
                    CAUSES_BY_ID[cause_id], wording, groups, text, provider, finding_rules, error.param
                )
    return None


def reference_refusal(chain: Iterable[UpstreamError]) -> bool:
    """Whether an error of the chain carries a code its provider's reference documents as a generic
    refusal of the request's parameters (Zhipu's 1214, Volcengine's ``InvalidParameter``): then the
    request was refused, and a status the answer arrived with (a router's 502) is not the cause."""
    for error in chain:
        for code in (error.code, error.type):
            if code is None or isinstance(code, bool):
                continue
            text = str(code).strip().lower()
            if any((text, env) in REFERENCE_REFUSALS and in_envelope(env, error) for env in _ENVELOPES):
                return True
    return False


_ENVELOPES: tuple[Envelope, ...] = ("any", "zhipu", "minimax", "baidu")


# --------------------------------------------------------------------------- the HTTP status alone
# The last, lowest-ranked tier: when neither a sentence, a code nor a family phrase names the cause,
# the status still says which side to look at (RFC 9110 §15, RFC 6585 §4 for 429, Anthropic's 529).
# A recognition from here says so: its wording's provider is ``http-status`` and ``values["status"]``
# holds the code. 404 is split by the text: one that mentions a model is a model the server does
# not have, any other a path it does not serve.
_RFC = "https://www.rfc-editor.org/rfc/rfc9110#name-"
_CLOUDFLARE_5XX = (
    "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/"
)
_STATUS_SOURCES: Mapping[int, tuple[str, str]] = {
    401: ("cause.auth", _RFC + "401-unauthorized"),
    402: ("cause.quota", _RFC + "402-payment-required"),
    403: ("cause.auth", _RFC + "403-forbidden"),
    404: ("cause.wrong-endpoint", _RFC + "404-not-found"),
    # The server does not take a POST at this path: a base URL or route for another API.
    405: ("cause.wrong-endpoint", _RFC + "405-method-not-allowed"),
    # A body over the server's size limit in bytes (not the context window: precision pass 2).
    413: ("cause.request-too-large", _RFC + "413-content-too-large"),
    429: ("cause.rate-limit", "https://www.rfc-editor.org/rfc/rfc6585#section-4"),
    500: ("cause.server-error", _RFC + "500-internal-server-error"),
    502: ("cause.server-error", _RFC + "502-bad-gateway"),
    503: ("cause.overloaded", _RFC + "503-service-unavailable"),
    504: ("cause.server-error", _RFC + "504-gateway-timeout"),
    # Cloudflare's own statuses in front of an API (api.openai.com, gateways): the origin failed,
    # refused, timed out or was unreachable; a server-side problem whatever the request was.
    520: ("cause.server-error", _CLOUDFLARE_5XX + "#error-520-web-server-returns-an-unknown-error"),
    521: ("cause.server-error", _CLOUDFLARE_5XX + "#error-521-web-server-is-down"),
    522: ("cause.server-error", _CLOUDFLARE_5XX + "#error-522-connection-timed-out"),
    523: ("cause.server-error", _CLOUDFLARE_5XX + "#error-523-origin-is-unreachable"),
    524: ("cause.server-error", _CLOUDFLARE_5XX + "#error-524-a-timeout-occurred"),
    529: ("cause.overloaded", "https://docs.anthropic.com/en/api/errors"),
}
#: The ``provider`` of the status tier's wordings (a recognition's summary says it was the status alone).
STATUS_ONLY = "http-status"
STATUS: Mapping[int, tuple[str, Wording]] = {
    status: (
        cause_id,
        Wording(
            provider=STATUS_ONLY,
            pattern=_code(str(status)),
            source=source,
            example=str(status),
            on="status",
            no_constraint=True,
        ),
    )
    for status, (cause_id, source) in _STATUS_SOURCES.items()
}
#: A web page answered with a success status where the API's JSON was expected: the base URL points at
#: a web app (a chat UI, a login or landing page, a gateway's console), not at its API, and the SDK hands
#: the page to the program as the answer (the openai SDK returns it as a string; found by session 19's
#: SDK trial). "the cause of responding html page is the path is not exist on finally target server
#: deployed, please check your env vars, the splicing rule of a forward url is 'BASE_URL/v1/chat/completions'"
#: (a maintainer, ChatGPTNextWeb/NextChat#4761); the openai library "returns a piece of html"
#: (QuantumNous/new-api#817). Read just before the status tier, on a 2xx answer whose innermost shape is
#: ``html`` (upstream_errors: an HTML page, its ``<title>`` as the message); a 4xx/5xx page is the status's.
HTML_PAGE_ANSWER: tuple[str, Wording] = (
    "cause.wrong-endpoint",
    Wording(
        provider=STATUS_ONLY,
        pattern=_code("2xx text/html"),
        source="https://github.com/ChatGPTNextWeb/NextChat/issues/4761",
        example="2xx text/html",
        on="status",
        no_constraint=True,
        fix=(
            "Point the base URL at the API, not at a web page: the upstream answered with an HTML page (a chat "
            "UI, a login or landing page) and a success status; an OpenAI-compatible server's base URL usually "
            "ends in /v1, to which the client adds the API's path (/chat/completions)."
        ),
    ),
)
_MENTIONS_MODEL = re.compile(r"\bmodels?\b", re.IGNORECASE)
#: A guess from the status alone is withdrawn when the text plainly says a cause of another kind (a
#: wrong cause is worse than none): text naming a kind of problem -> the status causes it is
#: consistent with. A 403 whose text says the balance is insufficient is not an auth problem, a 503
#: whose text says an API key is not set is not an overload, a 500 saying "field messages is
#: required" is not a server bug. Each pattern is a plain statement of its kind; one the status
#: cause agrees with leaves the guess (a 401 that says "Invalid API key" stays ``cause.auth``).
_STATUS_CONTRADICTIONS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (  # billing: the account's money or credit
        re.compile(
            r"\b(?:balance|credits?|recharge|top[ -]?up|billing|payment|arrears)\b|insufficient_user_quota",
            re.IGNORECASE,
        ),
        frozenset({"cause.quota"}),
    ),
    (  # a credential missing or refused (NVIDIA_NIM_API_KEY, "api key", "Unauthorized")
        re.compile(r"(?<![a-z])api[ _-]?key(?![a-z])|\bunauthori[sz]ed\b|\bcredentials?\b", re.IGNORECASE),
        frozenset({"cause.auth"}),
    ),
    (
        REFUSED_AS_INVALID,
        frozenset(),
    ),  # a request the server validated and refused: none of the status causes
    (  # a model the server does not know by that name
        re.compile(
            r"\b(?:incorrect|unknown|invalid|nonexistent) model\b|"
            r"\bmodel\b[^.]{0,40}\b(?:not found|does not exist|doesn't exist)\b",
            re.IGNORECASE,
        ),
        frozenset({"cause.model-not-found"}),
    ),
)

#: Text that states the status's own cause outright keeps the guess whatever else it says (precision
#: pass 2): OpenAI's 429 "Request too large for gpt-4o ... on tokens per min (TPM) ... The input or
#: output tokens must be reduced" says "must be", and its "Rate limit reached ... add a payment method
#: ... /account/billing" says "billing", yet both are rate limits (vanna-ai/vanna-flask#11).
_STATUS_AFFIRMATIONS: Mapping[str, re.Pattern[str]] = {
    "cause.rate-limit": re.compile(
        r"\brate[ _-]?limit|\btoo many requests\b|\btokens per min(?:ute)?\b|\brequests per min(?:ute)?\b|"
        r"\((?:TPM|RPM|TPD|RPD)\)",
        re.IGNORECASE,
    ),
}


def status_contradicted(cause_id: str, text: str) -> bool:
    """Whether the text plainly says a cause of another kind than the status's ``cause_id``
    (:data:`_STATUS_CONTRADICTIONS`), and does not also state that cause itself
    (:data:`_STATUS_AFFIRMATIONS`)."""
    head = text[:_MAX_TEXT]
    affirms = _STATUS_AFFIRMATIONS.get(cause_id)
    if affirms is not None and affirms.search(head):
        return False
    return any(
        cause_id not in consistent and says.search(head) for says, consistent in _STATUS_CONTRADICTIONS
    )


# ------------------------------------------------------------------------ the request-aware tier
# Text whose wording no recogniser was written from still often QUOTES what the request carried: a
# key, a message field, a value ("Unsupported service_tier: default", "property 'timestamp' is
# unsupported", "'$.stop' is invalid"). At answer time the request is known (issue #10, round 6 of
# the causes work, docs/errors.md "Generalisation"), so a mention of something the request really
# carries, in a rejecting shape (a rejecting word near it), names the generic cause for that kind of
# thing, with the extracted name and value. It is a mechanism, not a wording: it runs after every
# text tier (sentences, codes, families) failed and before the status alone, only when the caller
# passes the request, and it claims nothing the request does not carry. Where each kind of thing
# sits in a body is the learned constraints' declaration (``toolguard_core.learned.repeats``); the
# tests check that every constraint this tier builds is one ``repeats`` finds in its request.

#: Words that reject what they stand next to, in the languages the corpus shows. Two classes: the
#: KEY is refused (unknown, unsupported, extra ...), or its VALUE is (invalid, must, cannot ...).
_KEY_UNSUPPORTED = _re(
    r"\b(?:unsupported|not supported|(?:does ?n[o']t|do not|cannot|can't) support|not accepted|not available|"
    r"unavailable)\b|"
    r"不支持|不被支持"
)
#: Schema strictness: the server's schema has no such key (pydantic's extra_forbidden, Gemini's
#: "Unknown name", Bedrock's "extraneous key"). Any key outside the schema gets it, so a generation
#: parameter named so is an extra field, as the catalogue's structural families decide.
_KEY_UNKNOWN = _re(
    r"\b(?:unknown|unrecogni[sz]ed|not recogni[sz]ed|unexpected|extraneous|extra (?:inputs?|fields?|keys?|"
    r"properties)|not permitted|not allowed|disallowed|forbidden|no such|cannot find field)\b|不允许"
)
_VALUE_REJECTED = _re(
    r"\b(?:invalid|not (?:a )?valid|must(?: not)? be|must not|cannot be|can't be|illegal|out of range|"
    r"not one of|expected one of|should be|only .{1,40} (?:is|are) (?:supported|allowed)|bad value)\b|"
    r"非法|无效|有误|不合法"
)
# Not bare "错误" ("error"): relays label every error with it ("错误: Please ensure that function call turn
# comes immediately after a user turn ...", one-api/new-api), so a key quoted near it is not refused
# (precision pass 2).
#: Any word rejecting a key or its value, and a key's.
_KEY_REJECTION = _re(f"{_KEY_UNSUPPORTED.pattern}|{_KEY_UNKNOWN.pattern}")
_ANY_REJECTION = _re(f"{_KEY_REJECTION.pattern}|{_VALUE_REJECTED.pattern}")
#: A value refused for its TYPE (pydantic's "Input should be a valid number", "expected type object").
_TYPE_REJECTED = _re(
    r"\bshould be a valid (?:number|integer|string|boolean|list|array|object|dict)|\bexpected (?:type|an? "
    r"(?:number|integer|string|boolean|array|object))|\bof type (?:number|integer|string|boolean|array|object)\b|"
    r"\bwrong type\b|\bis not of type\b"
)
#: A bound on the value ("array too long", "maximum length 4"): a value refused, not a type.
#: Round 25: a range stated for the value ("Expected an integer in range [0, 5]", "must be between 0 and 2") is
#: a bound too: the value has the type and is out of the range.
_BOUND = _re(
    r"\b(?:too (?:long|many|large|short)|maximum|minimum|at most|at least|exceeds?|limit)\b|"
    r"\bin (?:the )?range\b|\bbetween -?\d"
)
#: A mention this close to a rejecting word is what the word is about (characters, either side).
_NEAR = 70
#: The request's keys that say which model it is for or how it is answered: a text naming them
#: names no constraint (a model the server does not serve is the text and status tiers' business).
#: An API's own container (``messages`` ...) named unknown is a wrong endpoint, as in :func:`_build`.
_REQUEST_TIER_SKIP = frozenset({"model", "stream"})
#: Message keys every API has: naming them says nothing about an unsupported field.
_MESSAGE_CORE = frozenset({"role", "content"})
#: The roles whose refusal has a catalogued cause (a model without a system or developer message):
#: a text quoting one the request carries, near the word "role" and a rejecting word, names it.
_INSTRUCTION_ROLES = frozenset({"system", "developer"})
_ROLE_WORD = _re(r"\brol(?:e|es)\b|角色")
#: A message's role refused without naming it ("Unexpected message role.", "Incorrect role information"),
#: and a text that names one (then the role it names decides, not the request).
_UNNAMED_ROLE_REFUSAL = _re(
    r"\b(?:unexpected|unknown|invalid|incorrect|unsupported|illegal|wrong|bad) (?:message |chat )?role\b"
)
_A_ROLE_NAMED = _re(r"\b(?:system|developer|user|assistant|tool|function|model)\b")
#: Bounds: the tier runs on the proxy's loop (memoised) and in the writer child; a request with
#: thousands of messages or keys is read only this far.
_MAX_CANDIDATES = 200
_MAX_VALUE = 64
#: A key printed after a label that says it is one ("Unsupported param: tools", "Unrecognized request
#: arguments supplied: a, b, c"), the list before it included.
_LABELLED = re.compile(
    r"\b(?:param(?:eter)?s?|arguments?(?: supplied)?|fields?|propert(?:y|ies)|keys?)(?:\(s\))?: ?(?:[\w.]+, ?)*$",
    re.IGNORECASE,
)
#: Words that introduce what the text proposes instead of what it refused.
_SUGGESTION = _re(
    r"\b(?:did you mean|use|try|instead of|supported (?:values|parameters|fields) (?:are|is)|allowed values|"
    r"expected(?: one of)?|one of|valid (?:values|options) (?:are|is)|accepts?)\b"
)
_BARE_NAME = re.compile(r"^(?=.*[_\d]|.*[a-z][A-Z])[A-Za-z_][\w.]*$")
_WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One thing the request carries that an error text might quote."""

    kind: ConstraintKind
    name: str
    value: str | None = None
    index: int | None = None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _scalar(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and 1 < len(value) <= _MAX_VALUE and "\n" not in value:
        return value
    return None


def _request_candidates(request: Mapping[str, object]) -> list[_Candidate]:
    """What the request carries, in the kinds a learned constraint has, bounded."""
    found: list[_Candidate] = []
    for key, value in list(request.items())[:_MAX_CANDIDATES]:
        if not isinstance(key, str) or key in _REQUEST_TIER_SKIP:
            continue
        found.append(_Candidate("param" if key in GENERATION_PARAMS else "field", key))
        scalar = _scalar(value.get("type") if isinstance(value, dict) else value)
        if scalar is not None:
            found.append(_Candidate("value", key, scalar))
    for container in _MESSAGE_CONTAINERS:
        messages = request.get(container)
        if not isinstance(messages, list):
            continue
        seen: set[str] = set()
        for index, message in enumerate(messages[:_MAX_CANDIDATES]):
            if not isinstance(message, dict):
                continue
            for key in message:
                if isinstance(key, str) and key not in _MESSAGE_CORE and key not in seen:
                    seen.add(key)
                    found.append(_Candidate("message_field", key, index=index))
            role = message.get("role")
            if isinstance(role, str) and role in _INSTRUCTION_ROLES and role not in seen:
                seen.add(role)
                found.append(_Candidate("role", role, index=index))
        break
    return found[:_MAX_CANDIDATES]


def _mentions(text: str, token: str, *, bare: bool) -> Iterable[tuple[int, int]]:
    """Where ``text`` names ``token`` as a key or value: quoted ('x', "x", `x`, [x]), as a path
    component (body.x, messages.0.x, $.x), or, for names no English word spells (top_p,
    presencePenalty), bare. Bounded by the text (at most one scan per token). An empty token (a request
    key spelt "") is named nowhere: ``find`` would match it at every position without moving on."""
    if not token:
        return
    start = 0
    length = len(token)
    while True:
        at = text.find(token, start)
        if at < 0:
            return
        start = at + length
        before = text[at - 1] if at > 0 else " "
        after = text[at + length] if at + length < len(text) else " "
        if _WORD_CHAR.match(before) or _WORD_CHAR.match(after):
            continue
        quoted = before in "'\"`[" or (
            before in "./" and at > 1 and _WORD_CHAR.match(text[at - 2]) is not None
        )
        quoted = quoted or (before == "." and at > 1 and text[at - 2] in "$]")
        quoted = quoted or _LABELLED.search(text, max(0, at - 80), at) is not None
        if (quoted or bare) and not _suggested(text, at):
            yield at, at + length


#: Keys whose words name a feature rather than the key ("json_object response format is not supported for
#: model: ...", DeepInfra, refuses JSON mode: the refusal tier's feature reading names it).
_FEATURE_WORDED_KEYS = frozenset({"response_format"})


def _spelt_out(text: str, name: str) -> Iterable[tuple[int, int]]:
    """Where ``text`` spells a key of two or more words in words ("Web search options not supported with
    this model" for web_search_options, round 19): a phrase that specific names the key, quoted or not.
    A key with a short word (top_p, top_k) is not read this way ("top p" is no phrase)."""
    words = name.split("_")
    if len(words) < 2 or any(len(word) < 3 for word in words) or name in _FEATURE_WORDED_KEYS:
        return ()
    return (
        m.span()
        for m in re.finditer(r"(?<!\w)" + r"[ _-]".join(map(re.escape, words)) + r"(?!\w)", text, re.I)
    )


#: A validator's echo of the value it got, after the values it expects (round 24): zod's "Expected 'high' |
#: 'medium' | 'low', received 'none'", pydantic's "..., input: 'max'", serde's and OpenAI's "but got X": the
#: mention after it is the refused value, not the text's suggestion.
_REFUSED_ECHO = _re(r"\b(?:received|(?:but |instead )?got|input(?:_value)?\s?[:=]|provided|given)\s?:?\s?$")


def _suggested(text: str, at: int) -> bool:
    """The mention is the text's suggestion, not what it refused: "did you mean 'stop'?", "Use
    'max_completion_tokens' instead", "Supported values are: 'text', ..."; not the value a validator says it
    got after listing the ones it expects ("Expected 'high' | 'low', received 'none'")."""
    head = text[max(0, at - 80) : at]
    ends = [match.end() for match in _SUGGESTION.finditer(head)]
    if not ends or _ANY_REJECTION.search(head, ends[-1]) is not None:
        return False
    return _REFUSED_ECHO.search(head.rstrip("'\"`[ ")) is None


def _rejected(text: str, span: tuple[int, int], pattern: re.Pattern[str]) -> bool:
    return pattern.search(text, max(0, span[0] - _NEAR), min(len(text), span[1] + _NEAR)) is not None


def _request_wording(
    cause_id: str, example: str, source: str, kind: ConstraintKind, pattern: re.Pattern[str], **kw: object
) -> tuple[str, Wording]:
    spec = {
        "param": ConstraintSpec("param", name_group="param"),
        "field": ConstraintSpec("field", name_group="field"),
        "value": ConstraintSpec("value", name_group="param", value_group="value"),
        "message_field": ConstraintSpec("message_field", name_group="field"),
        "role": ConstraintSpec("role", name_group="role"),
    }[kind]
    return cause_id, Wording(
        provider="request",
        pattern=pattern,
        source=source,
        example=example,
        constraint=spec,
        **kw,  # type: ignore[arg-type]
    )


#: The request-aware tier's wordings, one per reading of a mention (see above). Each example is a
#: real development-split text of that shape (its rejecting words match ``pattern``); ``source`` is
#: its thread. No probe text is an example (the probe rounds measure unseen text).
REQUEST_TIER: Mapping[str, tuple[str, Wording]] = {
    "value": _request_wording(
        "cause.param-value-unsupported",
        'think value "medium" is not supported for this model',
        "https://github.com/charmbracelet/crush/issues/2623",
        "value",
        _ANY_REJECTION,
        model_scoped=True,
    ),
    "key-value": _request_wording(
        "cause.param-value-unsupported",
        "'response_format.type' must be 'json_schema' or 'text'",
        "https://github.com/LoadShine/tada/issues/16",
        "param",
        _VALUE_REJECTED,
        no_constraint=True,  # the key's value was refused, not the key: nothing about the key to learn
    ),
    "key-type": _request_wording(
        "cause.param-type-invalid",
        "'1000' is not of type 'integer' - 'max_tokens'",
        "https://github.com/WongSaang/chatgpt-ui/issues/99",
        "param",
        _TYPE_REJECTED,
        no_constraint=True,  # the value's type was refused, not the key
    ),
    "role": _request_wording(
        "cause.model-no-system-role",
        "invalid message role: system",
        "https://github.com/BigPizzaV3/CodexPlusPlus/issues/267",
        "role",
        _ANY_REJECTION,
    ),
    # Round 23 (docs/errors.md "Generalisation", "Round 23"): a text that says a message's role was refused
    # without naming it ("Unexpected message role." from a chat template, Zhipu's "Incorrect role information")
    # on a request whose only instruction message is a developer one: the developer role the model takes no
    # message of (vLLM serving a Qwen template; a gateway in front of GLM; ogx-ai/ogx#6069, vastsa/PI-Desktop#30).
    # A system message beside it, or a role the text names, and nothing is claimed.
    "unnamed-role": _request_wording(
        "cause.model-no-system-role",
        "{'error': {'message': 'Unexpected message role.', 'type': 'BadRequestError', 'param': None, 'code': 400}}",
        "https://github.com/ogx-ai/ogx/issues/6069",
        "role",
        _ANY_REJECTION,
        rule_id="roles.developer-unsupported",
    ),
    "message_field": _request_wording(
        "cause.extra-message-field",
        "body.messages.0.user.name: Extra inputs are not permitted",
        "https://github.com/Gage-Technologies/mistral-go/pull/2",
        "message_field",
        _KEY_REJECTION,
    ),
    "param": _request_wording(
        "cause.param-unsupported",
        "Unsupported param: tools",
        "https://github.com/ggml-org/llama.cpp/issues/10920",
        "param",
        _KEY_UNSUPPORTED,
    ),
    "field": _request_wording(
        "cause.extra-request-field",
        "Unrecognized request arguments supplied: frequencyPenalty, presencePenalty, topP",
        "https://github.com/quarkiverse/quarkus-langchain4j/issues/285",
        "field",
        _KEY_REJECTION,
    ),
}
#: A parameter the request tier finds refused names its own cause where the catalogue has one
#: (:data:`PARAM_CAUSES`), except the sampling parameters: their cause says "on a reasoning model",
#: which a bare "unsupported" does not.
_REQUEST_PARAM_CAUSES: Mapping[str, str] = {
    name: cause for name, cause in PARAM_CAUSES.items() if cause != "cause.sampling-on-reasoning-model"
}


# ---------------------------------------------------------------------------------- recognition

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
_WS = re.compile(r"\s+")
# Recognition reads the first 2 KB of a message (the parser keeps 8 KB, MAX_MESSAGE_CHARS, for the
# row). Every development and probe text is under 1 KB, and a provider names the cause at the start;
# the early reading runs on the proxy's event loop for each new body, and the catalogue's cost grows
# with the text (issue #12: 8 KB took 18 ms at load 8 even after the literal prefilter, 2 KB a fifth).
_MAX_TEXT = min(MAX_MESSAGE_CHARS, 2048)
_ARROW = re.compile(r"(?<=\w) -> (?=\w)")
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_DEFAULTS: Mapping[str, str] = {
    "param": "the parameter",
    "value": "this value",
    "model": "this model",
    "field": "the field",
    "index": "N",
    "role": "system",
    "tool_call_id": "the id",
    "limit": "the model's limit",
    "name": "",
    "path": "this path",
    "prefix": "the expected prefix",
    "expected": "the documented type",
    "got": "another type",
    "item_id": "the item",
    "reasoning_id": "its reasoning item",
    "response_id": "the previous response",
}


def recognise(
    message: str | None, *, provider: str | None = None, finding_rules: Iterable[str] = ()
) -> Recognition | None:
    """The root cause a provider's message names, or ``None``.

    ``provider`` (when known) puts that provider's wordings first within each cause;
    ``finding_rules`` are the error-finding rules of the flow, which pick the rule among those that
    share one provider sentence (see the module docstring). The catalogue's sentences are tried
    first, then the structural recognisers (:data:`STRUCTURAL`).
    """
    try:
        rules = tuple(finding_rules)
        return _recognise_message(message, provider, rules, fallback_param=None) or _recognise_structural(
            message, provider, rules, fallback_param=None
        )
    except Exception:  # defensive: a matcher bug must never reach the proxy
        return None


def recognise_error(
    err: UpstreamError | None,
    *,
    provider: str | None = None,
    finding_rules: Iterable[str] = (),
    status: int | None = None,
    request: Mapping[str, object] | None = None,
) -> Recognition | None:
    """The root cause an upstream error names: the innermost provider message first, then outer ones,
    then the error codes/types, then the structural recognisers on the messages (a code such as
    ``context_length_exceeded`` is more exact than any family phrase). Values the message does not
    name come from the parsed ``param``. With the ``request`` body (a parsed JSON object), a text
    that quotes something the request carries in a rejecting shape names its generic cause
    (:data:`REQUEST_TIER`), before the status alone. The recognition's fix is worded for the API the
    request spoke (:func:`api_kind`: a tool_result block, not a "tool message", on the Messages API)."""
    if err is None:
        return None
    try:
        found = _recognise_error(err, provider, tuple(finding_rules), status, request)
    except Exception:  # defensive: a matcher bug must never reach the proxy
        return None
    if found is None:
        return None
    found = _checked_call_id(_completed_from_request(found, request), request)
    api = api_kind(err, request, found.wording)
    return found if api == found.api else replace(found, api=api)


#: The causes whose fix names the tool-call id the upstream's text quotes, as the request's own only
#: when the request carries it (Recognition.fix).
_QUOTED_ID_CAUSES = frozenset({"cause.missing-tool-result"})


def _checked_call_id(found: Recognition, request: Mapping[str, object] | None) -> Recognition:
    """Whether the refused request carries the tool-call id the text quotes, anywhere as a string
    value (a chat ``tool_calls[].id``, a Messages ``tool_use`` block's ``id``, a Responses ``call_id``,
    Bedrock's ``toolUseId``): read only for :data:`_QUOTED_ID_CAUSES`, and only with the request."""
    quoted = found.values.get("tool_call_id")
    if found.cause.id not in _QUOTED_ID_CAUSES or not quoted or not isinstance(request, Mapping):
        return found
    return replace(found, id_in_request=_carries_text(request, quoted))


def _carries_text(body: object, text: str, limit: int = 100_000) -> bool:
    """Whether ``text`` is a string value somewhere in the parsed JSON ``body`` (at most ``limit`` nodes)."""
    stack = [body]
    while stack and limit > 0:
        limit -= 1
        node = stack.pop()
        if isinstance(node, str):
            if node == text:
                return True
        elif isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


#: Causes whose text says a reasoning knob was refused without naming the knob or its value ("<model> does
#: not support thinking": Ollama's native ``think`` and its OpenAI layer's ``reasoning_effort`` alike, dev
#: b-0134, b-0136, b-0137): the knobs the refused request may have carried, in the order they are tried.
_REASONING_KNOBS = ("reasoning_effort", "think")


def _not_reasoning(found: Recognition, model: object) -> Recognition:
    """A sampling knob refused by a model the catalog knows does not reason (gpt-4o, deepseek-chat): the
    text ("Model gpt-4o does not support parameter presencePenalty") names the parameter and the model
    only, and "reasoning models fix their sampling" would be a wrong cause and fix; the parameter, or
    its value, is refused by this model. A model the catalog does not know, or knows to reason, keeps
    the reasoning-model cause (a new user's trial, session 15: a gateway refusing presence_penalty on
    gpt-4o was told about reasoning models)."""
    if (
        found.cause.id != "cause.sampling-on-reasoning-model"
        or found.wording.fix
        or not isinstance(model, str)
    ):
        return found
    info = catalog.lookup(model)
    if info is None or info.reasoning is not False:
        return found
    instead = CAUSES_BY_ID[
        "cause.param-value-unsupported" if "value" in found.values else "cause.param-unsupported"
    ]
    return replace(found, cause=instead, rule_id=instead.rule_id)


def _completed_from_request(found: Recognition, request: Mapping[str, object] | None) -> Recognition:
    """What the text leaves out of the constraint, taken from the refused request the proxy passes.

    A refused tool_choice form the text does not quote ("Only 'auto' or 'none' tool_choice is
    supported" from vLLM's Responses API with Harmony, dev b-0217; LiteLLM's "does not support
    parameters: [tool_choice]") is the form the request sent: its tool_choice, or the ``type`` of an
    object one, as learned.repeats compares it. A reasoning knob a model refuses ("... does not
    support thinking") is the knob and value the request sent (``think: true``, ``reasoning_effort:
    "high"``); its "off" values are the fix, so they are never learned. Without this the learned
    constraint names nothing a later request can repeat (issue 10.3)."""
    if not isinstance(request, Mapping):
        return found
    found = _not_reasoning(found, request.get("model"))
    constraint = found.constraint
    if constraint is not None and constraint.kind == "tool_choice":
        if constraint.value or (constraint.name and constraint.name != "tool_choice"):
            return found
        choice = request.get("tool_choice")
        form = choice if isinstance(choice, str) else choice.get("type") if isinstance(choice, dict) else None
        if not isinstance(form, str) or not form.strip():
            return found
        return replace(found, constraint=Constraint(kind="tool_choice", name=constraint.name, value=form))
    if constraint is None:
        learned = _form_from_request(found, request)
        if learned is not None:
            return replace(found, constraint=learned)
    elif (
        constraint.kind in ("content_type", "message_field") and constraint.value is None and constraint.name
    ):
        # The role the refused part or field was sent on: a later request repeats it on that role only.
        roles = message_roles(request, lambda m: _carries(m, constraint))
        if len(roles) == 1:
            return replace(found, constraint=replace(constraint, value=roles.pop()))
    if constraint is None and found.cause.id == "cause.reasoning-effort-unsupported":
        for knob in _REASONING_KNOBS:
            value = request.get(knob)
            if value is True or (
                isinstance(value, str) and value.strip() and value.lower() not in ("none", "false")
            ):
                text = "true" if value is True else str(value)
                return replace(found, constraint=Constraint(kind="value", name=knob, value=text))
    return found


#: A schema keyword quoted this close to a word refusing a key is the keyword the host refused ("Unknown
#: name "additionalProperties" at 'tools[0]...': Cannot find field", dev legacy-gemini-069/070). Not
#: "invalid": OpenAI's strict mode says "Invalid schema ... 'additionalProperties' is required to be
#: supplied and to be false" of a keyword it wants, and learning that keyword would flag the fix.
_KEYWORD_REFUSED = _KEY_REJECTION
#: The causes whose text names a refused schema keyword, a tool-call id, a replayed call's missing field.
_SCHEMA_CAUSES = frozenset({"cause.tool-schema-invalid", "cause.response-format-invalid"})


#: The causes whose constraint the refused request completes (:func:`_completed_from_request`).
_COMPLETED_CAUSES = _SCHEMA_CAUSES | {
    "cause.thought-signature-missing",
    "cause.tool-call-id-invalid",
    "cause.reasoning-effort-unsupported",
    "cause.param-value-unsupported",
}


def completes_from_request(cause: Mapping[str, Any] | None) -> bool:
    """Whether a recognition read without the request (its :meth:`Recognition.summary`) would name a
    narrower constraint with it: the proxy's early reading then reads the answer again with the
    request before the row is stored (capture.Capture.to_row), so what is learned is the same as
    :func:`recognise_error` with the request gives, and so is the cause (:func:`_not_reasoning`). Rare: only
    these causes."""
    if not cause:
        return False
    if cause.get("cause") == "cause.sampling-on-reasoning-model":
        return True  # the request's model may be one the catalog knows does not reason (_not_reasoning)
    if cause.get("cause") in _QUOTED_ID_CAUSES and (cause.get("values") or {}).get("tool_call_id"):
        return True  # whether the request carries the id the text quotes (_checked_call_id)
    constraint = cause.get("constraint")
    if constraint is None:
        return cause.get("cause") in _COMPLETED_CAUSES
    kind, value = constraint.get("kind"), constraint.get("value")
    return value is None and (kind in ("content_type", "message_field") or (kind == "tool_choice"))


def _form_from_request(found: Recognition, request: Mapping[str, object]) -> Constraint | None:
    """A constraint only the refused request can complete (issue 10.3, learn9), or ``None``:

    - a schema keyword the text quotes in a refusing shape that the request uses at any depth of a
      tool's or response format's schema (Gemini's "Unknown name "additionalProperties" at
      'tools[0].function_declarations[34].parameters...'", dev legacy-gemini-070): that keyword in that
      container (``tools``, ``response_format``; either when the request used it in both);
    - a tool-call id the text quotes ("Tool call id was call_49c89af0 but must be a-z, A-Z, 0-9, with a
      length of 9", Mistral's template behind vLLM, dev legacy-vllm-063): the id's shape
      (:func:`~toolguard_core.learned_forms.id_shape`), so the same client's next id repeats it;
    - Gemini's "Function call is missing a thought_signature in functionCall parts" (dev a-0013) when
      the request replays a current-turn function call without one."""
    cause = found.cause.id
    message = found.message
    if cause == "cause.thought-signature-missing":
        if next(unsigned_calls(request), None) is not None:
            return Constraint(kind="missing_field", name=THOUGHT_SIGNATURE)
        return None
    if cause == "cause.tool-call-id-invalid":
        for call_id, _location in tool_call_ids(request):
            shape = id_shape(call_id)
            if shape and len(call_id) > 1 and call_id in message:
                return Constraint(kind="id_format", name="tool_call_id", value=shape)
        return None
    if cause in _SCHEMA_CAUSES:
        return _refused_keyword(message, request)
    return _broken_bound(message, request)


#: A bound a text states on a named parameter: Perplexity's "max_tokens must be at least 16 for sonar"
#: (probe9p-perplexity-max-tokens-below-16, langgenius/dify-official-plugins#3255).
_STATED_BOUND = _re(
    r"\b(?P<param>[A-Za-z_][\w.]{0,63})\W{0,3} (?:must|should) be (?:(?P<low>at least|>=|greater than or equal to|no "
    r"less than)|(?P<high>at most|<=|less than or equal to|no (?:more|greater) than)) (?P<bound>-?\d{1,12}(?:\.\d+)?)\b"
)


def _broken_bound(message: str, request: Mapping[str, object]) -> Constraint | None:
    """The bound the text states on a parameter the request sent a number for that breaks it: that side
    of the bound (``max_tokens`` ``<16``), so a later request under the floor repeats it and one at or
    over it does not. ``None`` when the request's value keeps the bound (the text is about something else)."""
    for match in _STATED_BOUND.finditer(message):
        name, bound = match.group("param"), float(match.group("bound"))
        value = request.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        text = match.group("bound")
        if match.group("low") and value < bound:
            return Constraint(kind="bound", name=name, value="<" + text)
        if match.group("high") and value > bound:
            return Constraint(kind="bound", name=name, value=">" + text)
    return None


def _refused_keyword(message: str, request: Mapping[str, object]) -> Constraint | None:
    """A schema keyword the request uses that ``message`` quotes in a refusing shape (see above)."""
    containers: dict[str, set[str]] = {}
    for container, keyword, _location in schema_keywords(request):
        if keyword not in COMMON_KEYWORDS:
            containers.setdefault(keyword, set()).add(container)
    for keyword, where in containers.items():
        # Gemini names a JSON key by its proto field: "$ref" is "ref" (probe-l9-9router-gemini-ref).
        spans = [
            span
            for token in {keyword, keyword.lstrip("$")}
            if token
            for span in _mentions(message, token, bare=False)
        ]
        if spans and any(_rejected(message, span, _KEYWORD_REFUSED) for span in spans):
            container = next(iter(where)) if len(where) == 1 else None
            return Constraint(kind="schema_keyword", name=keyword, value=container)
    return None


def _carries(message: Mapping[str, Any], constraint: Constraint) -> bool:
    if constraint.kind == "message_field":
        return constraint.name in message
    content = message.get("content")
    if constraint.name == "array":
        return isinstance(content, list)
    return isinstance(content, list) and any(
        isinstance(part, dict) and part.get("type") == constraint.name for part in content
    )


def api_kind(
    err: UpstreamError | None, request: Mapping[str, object] | None = None, wording: Wording | None = None
) -> ApiKind:
    """The API the rejected request spoke, for the words of its fix (:data:`API_TERMS`): the request's
    own shape when it is known (Responses ``input`` items; Messages content blocks or a top-level
    ``system``), else the answer's envelope (the Messages API and its compatible endpoints answer in
    Anthropic's ``{"type": "error", "error": {...}}``; only the outermost error counts, since a chat
    gateway such as OpenRouter wraps Anthropic's answer in its own), else a Responses rule's wording;
    chat completions otherwise. Never raises."""
    try:
        if request:
            if "input" in request and "messages" not in request:
                return "responses"
            if "system" in request or _has_block(request.get("messages"), ("tool_use", "tool_result")):
                return "messages"
            if "messages" in request:
                return "chat"
        if err is not None and err.shape == "anthropic":
            return "messages"
        if wording is not None and (wording.rule_id or "").startswith("responses."):
            return "responses"
    except Exception:  # defensive: the words of a fix must never break recognition
        pass
    return "chat"


def _has_block(messages: object, types: tuple[str, ...]) -> bool:
    """Whether a message's content list holds a block of one of ``types`` (first 200 messages)."""
    if not isinstance(messages, list):
        return False
    for message in messages[:_MAX_CANDIDATES]:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list) and any(
            isinstance(block, dict) and block.get("type") in types for block in content[:_MAX_CANDIDATES]
        ):
            return True
    return False


def _recognise_error(
    err: UpstreamError,
    provider: str | None,
    rules: tuple[str, ...],
    status: int | None,
    request: Mapping[str, object] | None,
) -> Recognition | None:
    try:
        chain = list(reversed(err.chain()))  # innermost (the provider's own answer) first
        # OpenRouter names the upstream provider on its wrapper, not on the wrapped error.
        hint = provider or next((e.provider_name for e in chain if e.provider_name), None)
        texts = _texts(chain)
        for text, param in texts:
            found = _recognise_message(text, hint, rules, fallback_param=param)
            if found is not None:
                return found
        # Google's ErrorInfo reason refines the status string beside it (BILLING_DISABLED under
        # PERMISSION_DENIED is money, not a credential): read before the codes.
        found = _recognise_error_info(chain, hint, rules)
        if found is not None:
            return found
        for error in chain:
            for code in (error.code, error.type):
                if code is None or code == "":
                    continue
                found = _recognise_code(str(code), error, hint, rules)
                if found is not None:
                    return found
        for text, param in texts:
            found = _recognise_structural(text, hint, rules, fallback_param=param)
            if found is not None:
                return found
        found = _recognise_reference(chain, hint, rules)
        if found is not None:
            return found
        for text, _ in texts:
            found = _recognise_framework(text, hint, rules, request)
            if found is not None:
                return found
        found = _recognise_framework_code(chain, hint, rules)
        if found is not None:
            return found
        if request:
            candidates = _request_candidates(request)
            for error in chain:
                found = _recognise_request(error.message, candidates, hint, rules)
                if found is not None:
                    return found
        for text, _ in texts:
            found = _recognise_refusal(text, hint, rules)
            if found is not None:
                return found
        if status is not None and 200 <= status < 300 and chain and chain[0].shape == "html":
            cause_id, wording = HTML_PAGE_ANSWER
            return _build(
                CAUSES_BY_ID[cause_id],
                wording,
                {"status": str(status)},
                chain[0].message or "an HTML page",
                hint,
                rules,
                None,
            )
        if status is not None and status in STATUS:
            return _recognise_status(status, err, hint, rules)
        printed = _printed_status(chain) if status is None or status >= 400 else None
        if printed is not None:
            return _recognise_status(printed, err, hint, rules)
    except Exception:  # defensive, as above
        return None
    return None


#: A ``param`` field that holds a sentence, not a field path: some providers put the explanation there
#: and only a generic refusal in ``message`` (Xiaomi MiMo's ``{"code": "400", "message": "Param
#: Incorrect", "param": "The reasoning_content in the thinking mode must be passed back to the API."}``,
#: https://github.com/nyroway/nyro/issues/131). A path never has whitespace; four words or more is prose.
_PROSE = re.compile(r"^\s*\S+(?:\s+\S+){3,}")


def _texts(chain: list[UpstreamError]) -> list[tuple[str | None, str | None]]:
    """The texts the sentence tiers read, innermost error first, each with the ``param`` a wording may fall
    back to: every error's message, then any ``param`` that is a sentence (read as a message of its own,
    and never used as a parameter's name)."""
    texts: list[tuple[str | None, str | None]] = []
    prose: list[tuple[str | None, str | None]] = []
    for error in chain:
        sentence = error.param is not None and _PROSE.match(error.param[:_MAX_TEXT]) is not None
        texts.append((error.message, None if sentence else error.param))
        if sentence:
            prose.append((error.param, None))
    return texts + prose


def _recognise_error_info(
    chain: list[UpstreamError], provider: str | None, finding_rules: tuple[str, ...]
) -> Recognition | None:
    """Google's ``ErrorInfo.reason`` (:data:`ERROR_INFO_REASONS`), read from the body where the parser
    keeps only the sentence: the innermost error's raw text first, then its message."""
    for error in chain:
        for text in (error.raw, error.message):
            if not text or "ErrorInfo" not in text:
                continue
            match = _ERROR_INFO.search(text[: _MAX_TEXT * 4])
            if match is None:
                continue
            reason = match.group("after") or match.group("before")
            for cause_id, wording in ERROR_INFO_REASONS:
                if wording.pattern.fullmatch(reason):
                    return _build(
                        CAUSES_BY_ID[cause_id],
                        wording,
                        {},
                        error.message or reason,
                        provider,
                        finding_rules,
                        None,
                    )
    return None


#: How clients, SDKs and relays print the status the upstream answered when they quote its error:
#: openai-python's "Error code: 429 - {...}", Go clients' "status code: 503", "HTTP 502", Claude
#: Code's "API Error: 529", Vercel's "Status Code 503".
_PRINTED_STATUS = re.compile(
    r"\b(?:Error code|status(?: code)?|Status Code|HTTP(?:/\d(?:\.\d)?)?|API Error)[: ]{1,3}(?P<status>[45]\d\d)\b"
)


def _printed_status(chain: list[UpstreamError]) -> int | None:
    """The upstream's own status when the HTTP answer carries none the status tier reads (a rejection
    quoted without its status, a relay's 400 around another status, a replayed printout): an HTTP
    status code in the innermost error's integer ``code`` (Google's and llama.cpp's envelopes, vLLM's),
    else one printed in the text before the quoted body. Only a status the tier has an entry for."""
    for error in chain:  # innermost first
        code = error.code
        if isinstance(code, int) and not isinstance(code, bool) and code in STATUS:
            return code
    for error in chain:
        for text in (error.message, error.raw):
            if not text:
                continue
            match = _PRINTED_STATUS.search(text[:_MAX_TEXT])
            if match is not None and int(match.group("status")) in STATUS:
                return int(match.group("status"))
    return None


def _recognise_status(
    status: int, err: UpstreamError, provider: str | None, finding_rules: tuple[str, ...]
) -> Recognition | None:
    """The lowest tier: the HTTP status alone (:data:`STATUS`), stated as such in the values."""
    entry = STATUS.get(status)
    if entry is None:
        return None
    cause_id, wording = entry
    text = err.effective_message or ""
    if status == 404 and _MENTIONS_MODEL.search(text):
        cause_id = "cause.model-not-found"
    if status_contradicted(cause_id, text):
        return None  # the text says another kind of cause: no guess from the status
    if reference_refusal(err.chain()):
        return None  # the provider's own code says it refused the request's parameters (REFERENCE)
    found = _build(
        CAUSES_BY_ID[cause_id], wording, {"status": str(status)}, text, provider, finding_rules, None
    )
    # A 404 body that echoes the requested path (Spring's {"error": "Not Found", "path": ...}) shows
    # a doubled one in its raw text, not in its message.
    if found.rule_id == found.cause.rule_id == "endpoint.unexpected-path" and _DOUBLED_PATH.search(
        (err.raw or "")[:_MAX_TEXT]
    ):
        return replace(found, rule_id="endpoint.doubled-path")
    return found


def _recognise_message(
    message: str | None, provider: str | None, finding_rules: tuple[str, ...], *, fallback_param: str | None
) -> Recognition | None:
    if not message:
        return None
    text = _prepare(message)
    folded = fold_for_prefilter(text)
    for cause in CAUSES:
        for wording in _ordered(cause.wordings, provider):
            if wording.on != "message" or not could_match(wording.pattern, folded):
                continue
            match = wording.pattern.search(text)
            if match is not None:
                groups = {k: v for k, v in match.groupdict().items() if v}
                return _build(cause, wording, groups, text, provider, finding_rules, fallback_param)
    return None


def _recognise_structural(
    message: str | None, provider: str | None, finding_rules: tuple[str, ...], *, fallback_param: str | None
) -> Recognition | None:
    """The first structural recogniser (in rank order) that matches the message."""
    if not message:
        return None
    text = _prepare(message)
    folded = fold_for_prefilter(text)
    for cause_id, wording in STRUCTURAL:
        if not could_match(wording.pattern, folded):
            continue
        match = wording.pattern.search(text)
        if match is not None:
            if wording.weak and REFUSED_AS_INVALID.search(text):
                continue
            groups = _merge_alternatives({k: v for k, v in match.groupdict().items() if v})
            return _build(
                CAUSES_BY_ID[cause_id], wording, groups, text, provider, finding_rules, fallback_param
            )
    return None


def request_object(text: str | None) -> dict[str, Any] | None:
    """A request body's text (as the proxy stores it) as a JSON object, for the request-aware tier;
    None when it is not one (cut at the store's bound, not JSON, an array). Never raises."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def recognise_request(
    message: str | None,
    request: Mapping[str, object] | None,
    *,
    provider: str | None = None,
    finding_rules: Iterable[str] = (),
) -> Recognition | None:
    """The request-aware tier alone on one message (:data:`REQUEST_TIER`): what :func:`recognise_error`
    consults once the text tiers named nothing. For measuring the tier (scripts/eval_request_tier.py)
    and its tests. Never raises."""
    if not request:
        return None
    try:
        return _recognise_request(message, _request_candidates(request), provider, tuple(finding_rules))
    except Exception:  # defensive, as recognise_error
        return None


def _recognise_request(
    message: str | None, candidates: list[_Candidate], provider: str | None, finding_rules: tuple[str, ...]
) -> Recognition | None:
    """The request-aware tier on one message: a value the request carries, else the first key (in
    the text's order) that the request carries and the text names near a word rejecting it. A key
    refused as unsupported is a parameter (a generation parameter) or a field; one the schema does
    not know is a field (or, for a message, a message field); a key named near a value-rejecting word
    only had its value refused, or its type."""
    if not message or not candidates:
        return None
    text = _prepare(message)
    for candidate in candidates:
        if candidate.kind == "value" and candidate.value is not None and _value_rejected(text, candidate):
            if _TYPE_REJECTED.search(text):  # "'1000' is not of type 'integer' - 'max_tokens'"
                return _request_build("key-type", {"param": candidate.name}, text, provider, finding_rules)
            values = {"param": candidate.name, "value": candidate.value}
            return _request_build("value", values, text, provider, finding_rules)
    for candidate in candidates:
        if candidate.kind == "role" and _role_rejected(text, candidate.name):
            values = {"role": candidate.name}
            if candidate.index is not None:
                values["index"] = str(candidate.index)
            return _request_build("role", values, text, provider, finding_rules)
    roles = [candidate for candidate in candidates if candidate.kind == "role"]
    if (
        [role.name for role in roles] == ["developer"]
        and _UNNAMED_ROLE_REFUSAL.search(text)
        and not _A_ROLE_NAMED.search(text)
    ):
        values = {"role": "developer"}
        if roles[0].index is not None:
            values["index"] = str(roles[0].index)
        return _request_build("unnamed-role", values, text, provider, finding_rules)
    first: tuple[int, str, dict[str, str]] | None = None
    for candidate in candidates:
        if candidate.kind in ("value", "role"):
            continue
        bare = _BARE_NAME.match(candidate.name) is not None
        mentions = [_mentions(text, token, bare=bare) for token in {candidate.name, _camel(candidate.name)}]
        mentions.append(_spelt_out(text, candidate.name))
        for spans in mentions:
            for span in spans:
                if first is not None and span[0] >= first[0]:
                    break
                found = _key_reading(text, span, candidate)
                if found is not None:
                    first = (span[0], *found)
                    break
    if first is None:
        return None
    return _request_build(first[1], first[2], text, provider, finding_rules)


def _key_reading(
    text: str, span: tuple[int, int], candidate: _Candidate
) -> tuple[str, dict[str, str]] | None:
    """What a mention of one of the request's keys says: (the tier's wording, the values)."""
    nested = span[1] < len(text) and text[span[1]] in ".["  # "messages.0.x": something under the key
    if candidate.kind == "message_field":
        if nested or not (_rejected(text, span, _KEY_UNKNOWN) or _rejected(text, span, _KEY_UNSUPPORTED)):
            return None
        values = {"field": candidate.name}
        if candidate.index is not None:
            values["index"] = str(candidate.index)
        return "message_field", values
    if not nested and candidate.kind == "param" and _rejected(text, span, _KEY_UNSUPPORTED):
        return "param", {"param": candidate.name}
    if not nested and (_rejected(text, span, _KEY_UNKNOWN) or _rejected(text, span, _KEY_UNSUPPORTED)):
        return "field", {"field": candidate.name}
    if _rejected(text, span, _VALUE_REJECTED) and candidate.name not in FOREIGN_BODY_KEYS:
        typed = _rejected(text, span, _TYPE_REJECTED) and not _rejected(text, span, _BOUND)
        return ("key-type" if typed else "key-value"), {"param": candidate.name}
    return None


def _role_rejected(text: str, role: str) -> bool:
    """A role the request's messages carry, quoted (or right after the word "role") near the word
    "role" and a rejecting word: "invalid message role: system", "unknown variant `system`" on
    "messages[0].role"."""
    for span in _mentions(text, role, bare=True):
        quoted = span[0] > 0 and text[span[0] - 1] in "'\"`["
        after_word = re.search(r"\brole:? ?$", text[max(0, span[0] - 6) : span[0]], re.IGNORECASE) is not None
        if (
            (quoted or after_word)
            and _rejected(text, span, _ROLE_WORD)
            and _rejected(text, span, _ANY_REJECTION)
        ):
            return True
    return False


def _value_rejected(text: str, candidate: _Candidate) -> bool:
    """The request's value of a key, quoted near a rejecting word and near its key (or the word
    "value"): "'verbosity' does not support 'low'"; or printed right after its key in a text that
    refuses something: "Unsupported service_tier: default"."""
    value = candidate.value or ""
    for span in _mentions(text, value, bare=True):
        head = text[max(0, span[0] - len(candidate.name) - 3) : span[0]]
        after_key = re.search(re.escape(candidate.name) + r"\s?[:=]\s?['\"`]?$", head) is not None
        if after_key and (_rejected(text, span, _KEY_UNSUPPORTED) or _rejected(text, span, _KEY_UNKNOWN)):
            return True
        quoted = span[0] > 0 and text[span[0] - 1] in "'\"`["
        if (
            quoted
            and any(
                _rejected(text, span, p)
                for p in (_KEY_UNSUPPORTED, _KEY_UNKNOWN, _VALUE_REJECTED, _TYPE_REJECTED)
            )
            and _names_key_near(text, span, candidate.name)
        ):
            return True
    return False


#: The values a key takes, listed after a refused one ("valid levels: low, medium, high", "Supported values
#: are: 'medium'", "must be one of"): the text refuses a value, whatever it calls the key (round 19: a
#: proxy's 'level "max" not supported, valid levels: ...' for reasoning_effort, quotio#287's thread).
_ALTERNATIVES_LISTED = _re(
    r"\b(?:supported|allowed|valid|accepted|available) [a-z_]{2,20}s?(?: are| is)?\s?:|\b(?:expected|must be) one of\b"
)


def _names_key_near(text: str, span: tuple[int, int], key: str) -> bool:
    """A value is the request's value of ``key`` only when the text names the key (or the generic
    word "value") near it: "'verbosity' does not support 'low'", "Unsupported service_tier: default";
    or lists the values the key takes right after it ('level "max" not supported, valid levels: low,
    medium, high': the request's quoted value, refused, with its alternatives)."""
    window = text[max(0, span[0] - _NEAR) : span[1] + _NEAR]
    if key in window or _camel(key) in window or "value" in window.lower():
        return True
    return _ALTERNATIVES_LISTED.search(text, span[1], span[1] + _NEAR) is not None


def _request_build(
    tier: str, values: dict[str, str], text: str, provider: str | None, finding_rules: tuple[str, ...]
) -> Recognition:
    cause_id, wording = REQUEST_TIER[tier]
    if tier in ("param", "key-value"):
        cause_id = _REQUEST_PARAM_CAUSES.get(values["param"], cause_id)
    elif tier == "value":
        # a refused value of a parameter whose values have a cause of their own (round 24: the request's
        # reasoning_effort value echoed by a validator that lists the levels it takes)
        cause_id = {**OWN_CAUSE_PARAMS, **OWN_CAUSE_VALUE_PARAMS}.get(values["param"], cause_id)
    return _build(CAUSES_BY_ID[cause_id], wording, values, text, provider, finding_rules, None)


# ---------------------------------------------------------------------------------- provider refusals

# Round 18 (docs/errors.md "Generalisation"): a provider-class rejection says "this model / endpoint /
# deployment does not accept X". The tiers above read how one provider words it; this one reads the
# structure, so it names a refusal no wording was written from: an *entity* the text names (a request
# key from the declared request schemas, a content part type, or the feature those keys and parts
# switch on), a *negative predicate* (the request tier's own words for a key refused or a value
# refused, above) within ``_NEAR`` characters of it, and, for a feature named in words, a *subject*
# (the model, deployment, endpoint, provider, gateway or backend refusing it). It runs after the
# request tier and before the status, so every more specific reading wins, and it claims nothing when
# two kinds of entity are named equally near (a generic reading must not guess between two causes).

#: Extra refusal words of the provider class that the request tier's vocabularies do not carry: a
#: value the provider fixes ("top_p is immutable for this model and must be 0.95", NVIDIA NIM), a key
#: refused as incompatible ("Model incompatible request argument supplied", Vertex's OpenAI layer),
#: a feature switched off ("is not enabled for models/...", Gemini).
_REFUSAL_EXTRA = _re(r"\b(?:incompatible|not (?:yet )?enabled|is disabled)\b")
_REFUSED = _re(f"{_KEY_UNSUPPORTED.pattern}|{_REFUSAL_EXTRA.pattern}")
#: A value the provider fixes is a refused value, not a refused key.
_VALUE_FIXED = _re(f"{_VALUE_REJECTED.pattern}|\\b(?:is|are) immutable\\b")
#: Who refuses: a model, a deployment or endpoint, the provider or its gateway/backend (or the model
#: named by its id: "for model: mistralai/...", "models/gemini-pro").
_SUBJECT = _re(
    r"\b(?:models?|deployments?|endpoints?|providers?|gateway|backend|server|route|region)\b|模型|该接口"
)


def _part_kind(part_types: Iterable[str], word: str) -> tuple[str, ...]:
    """The declared content part types of one kind (``image_url``, ``input_image`` ...)."""
    return tuple(sorted(t for t in part_types if word in t))


#: The feature kinds a provider refuses in words, each with the cause that names it. The part types come
#: from the request schemas toolguard declares (the Chat and Responses content part types); the words are
#: the features the request's keys switch on (``tools``, ``response_format``), as provider texts name
#: them. A key itself is read as a parameter (``_REFUSAL_PARAMS``): "functions is not supported" refuses
#: a parameter, not tool calling.
FEATURE_KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "image",
        "cause.model-no-vision",
        (
            *_part_kind(_CHAT_PART_TYPES | _RESPONSES_PART_TYPES, "image"),
            r"images?(?: (?:inputs?|fields?|content|parts?|urls?|understanding))?",
            "vision",
            "multimodal input",
            "图片",
            "图像",
        ),
    ),
    (
        "tools",
        "cause.model-no-tools",
        (
            r"tool[ _-]?(?:use|calling|calls?)",
            r"function[ _-]?call(?:ing|s)?",
            "工具调用",
            "函数调用",
        ),
    ),
    (
        "json",
        "cause.model-no-json-mode",
        (
            r"structured[ _-]?outputs?",
            r"json[ _-]?(?:mode|schema|object|output)",
            "结构化输出",
        ),
    ),
    (
        "system",
        "cause.model-no-system-role",
        (r"system (?:messages?|prompts?|role|instructions?)", "系统消息", "系统提示"),
    ),
)
_FEATURE_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    # Not inside a model id or a path ("models/gemini-2.0-flash-preview-image-generation" names no image).
    (kind, cause_id, re.compile(r"(?<![\w./-])(?:" + "|".join(words) + r")(?![\w/-])", re.IGNORECASE))
    for kind, cause_id, words in FEATURE_KINDS
)


#: The keys a chat message carries (Groq's reference lists OpenAI's set per role): a refused one is a
#: message field, never a feature.
_MESSAGE_KEYS: frozenset[str] = frozenset().union(*GROQ_MESSAGE_KEYS.values())


def _feature_cause(name: str) -> str | None:
    """The cause of a feature named where a family expected a key (``image``, ``vision``), when the
    name is no request parameter of the declared schemas."""
    if not name or name in OPENAI_PARAMS or name in _MESSAGE_KEYS:
        return None  # a request key or a message's key ('tool_calls') is read as what it is
    return next((cause_id for _, cause_id, pattern in _FEATURE_PATTERNS if pattern.fullmatch(name)), None)


#: The generation parameters a refusal may name, in either spelling (``top_p``, ``topP``), longest
#: first so ``top_logprobs`` is not read as ``logprobs``. Plumbing keys are left to the tiers that
#: know them (a refused ``store`` is an extra field, not a parameter, by the catalogue's convention).
_REFUSAL_PARAMS: tuple[str, ...] = tuple(sorted(GENERATION_PARAMS, key=lambda p: (-len(p), p)))
_PARAM_MENTION = re.compile(
    r"(?<![\w.\-\\])[`'\"]?(?P<param>"
    + "|".join(sorted({p for name in _REFUSAL_PARAMS for p in (name, _camel(name))}, key=lambda p: -len(p)))
    + r")[`'\"]?(?![\w\-]|\.\w|'s\b)",
    re.IGNORECASE,
)
_QUOTED_AROUND = re.compile(r"[`'\"]\w{1,2}[`'\"]")
#: "Invalid combination of reasoning_effort and thinking type" (Volcengine): "invalid" may come first.
_INVALID_FIRST = _re(r"invalid|illegal")
#: Keys whose value is a list of declarations: a value refusal is never about them as a whole.
_LIST_PARAMS = frozenset({"tools", "functions", "messages"})
#: A quoted dotted value, ``"thinking.type.enabled"``: the last segment is a value of the path before it.
_DOTTED_VALUE = re.compile(
    r"[`'\"](?P<param>[a-z_]{2,40}(?:\.[a-z_]{2,40}){1,3})\.(?P<value>[\w-]{1,40})[`'\"]|"
    # The key, then its value quoted: 'output_config.effort "high" is not supported by model ...'.
    r"(?<![\w.])(?P<param2>[a-z_]{2,40}(?:\.[a-z_]{2,40}){1,3}) [`'\"](?P<value2>[\w-]{1,40})[`'\"]"
)

#: An API path refused as a whole ("/v1/chat/completions is not supported. Please use /v1/responses."):
#: the request went to an endpoint this server does not serve for it.
_API_PATH = re.compile(r"(?<![\w.])/(?:v\d+(?:beta\d*)?|api|openai)(?:/[\w.{}-]+)+")
#: The model itself refused, named by its id ("unknown provider for model claude-sonnet-4-5-20250929",
#: "Model id : Qwen/Qwen3-Coder-480B-A35B-Instruct , has no provider supported"): an id has a
#: separator (``/``, ``-``, ``:``, ``.``) and a digit or a slash, unlike a plain word.
_MODEL_ID = re.compile(
    # (an id in parentheses too: "The requested model (DeepSeek-R1-Distill-Llama-70B) is not available")
    r"\bmodels?(?: id)?\s*[:=]?\s*[`'\"(]?(?P<model>(?=[\w./:@-]*[\d/])[\w@][\w./:@-]*[\w])[`'\")]?",
    re.IGNORECASE,
)
#: The id first, then what it is not ("deepseek-r1t-chimera:free is not a valid model ID", OpenRouter;
#: round 19: "openai.gpt-5.6-luna is not available for this account", Bedrock).
_ID_NOT_A_MODEL = re.compile(
    r"(?<![\w./:@-])[`'\"]?(?P<model>(?=[\w./:@-]*[\d/:])[\w@][\w./:@-]*[\w])[`'\"]? is not (?:a valid model|available "
    r"(?:for|to) (?:this|your) account)\b",
    re.IGNORECASE,
)
#: The values a key takes, listed: the text refuses a value, not the model it names.
_VALUES_LISTED = _re(r"\b(?:supported|allowed|valid|accepted) values?\b|\bvalues? (?:are|is)\b|\bone of\b")
#: What refuses a model (as opposed to a feature of it): nobody serves it or it is not known.
_MODEL_REFUSED = _re(
    r"\b(?:unknown|no provider|unable to access|not (?:a )?valid|not available|unavailable|not supported|"
    r"unsupported|not found|does not exist|no endpoints?)\b"
)

#: The tier's wordings: what it reads (the predicate), with a real text of the shape it names and that
#: text's thread (development rows and public threads outside every probe round).
REFUSALS: Mapping[str, tuple[str, Wording]] = {
    "feature": (
        "cause.model-no-tools",  # per kind: FEATURE_KINDS
        Wording(
            provider="refusal",
            pattern=_REFUSED,
            source="https://github.com/truefoundry/models/pull/944",
            example="deepinfra error: Tool calling is not supported for model: mistralai/Mistral-Small-24B-Instruct-2501",
            no_rule=True,
            no_constraint=True,
        ),
    ),
    "param": (
        "cause.param-unsupported",
        Wording(
            provider="refusal",
            pattern=_REFUSED,
            source="https://github.com/ggml-org/llama.cpp/issues/10920",
            example="Unsupported param: tools",
            constraint=_PARAM,
        ),
    ),
    "endpoint": (
        "cause.wrong-endpoint",
        Wording(
            provider="refusal",
            pattern=_REFUSED,
            # sub2api's gateway code, quoted in the thread: the legacy route answered for every model.
            source="https://github.com/Wei-Shaw/sub2api/issues/885",
            example="Unsupported legacy protocol: /v1/chat/completions is not supported. Please use /v1/responses.",
            no_constraint=True,
        ),
    ),
    "model": (
        "cause.model-not-found",
        Wording(
            provider="refusal",
            pattern=_MODEL_REFUSED,
            source="https://github.com/lingyuins/octopus/issues/177",
            example="Unsupported model: 'deepseek-r1'.",
            no_constraint=True,
        ),
    ),
    "value": (
        "cause.param-value-unsupported",
        Wording(
            provider="refusal",
            pattern=_re(f"{_REFUSED.pattern}|{_VALUE_FIXED.pattern}"),
            source="https://github.com/Automattic/studio/issues/4363",
            example='"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
            '"output_config.effort" to control thinking behavior.',
            no_constraint=True,  # learned from the request, which the text's value need not match
        ),
    ),
}


def _nearest(text: str, spans: list[tuple[int, int]], predicates: list[tuple[int, int]]) -> int | None:
    """The distance from the closest of ``spans`` to a predicate, when within ``_NEAR``."""
    best: int | None = None
    for start, end in spans:
        for p_start, p_end in predicates:
            gap = max(p_start - end, start - p_end, 0)
            if gap <= _NEAR and (best is None or gap < best):
                best = gap
    return best


def _recognise_refusal(
    message: str | None, provider: str | None, finding_rules: tuple[str, ...]
) -> Recognition | None:
    """The provider-refusal tier on one message (see :data:`REFUSALS`)."""
    if not message:
        return None
    text = _prepare(message)
    refused = [m.span() for m in _REFUSED.finditer(text)]
    valued = [m.span() for m in _VALUE_FIXED.finditer(text)]
    if not refused and not valued and not _MODEL_REFUSED.search(text):
        return None
    dotted = _DOTTED_VALUE.search(text)
    if (
        dotted is not None
        # A value refused by a model or provider (the subject), not a deserializer's "unavailable now"
        # (DeepSeek's serde answer is the request tier's to name, with the request's exact value).
        and _SUBJECT.search(text) is not None
        and _nearest(text, [dotted.span()], refused + valued) is not None
        and (dotted.group("param") or dotted.group("param2")).split(".", 1)[0] not in FOREIGN_BODY_KEYS
        and not _suggested(text, dotted.start())
    ):
        values = {
            "param": dotted.group("param") or dotted.group("param2"),
            "value": dotted.group("value") or dotted.group("value2"),
        }
        cause = CAUSES_BY_ID["cause.param-value-unsupported"]
        return _build(cause, REFUSALS["value"][1], values, text, provider, finding_rules, None)
    paths = [m.span() for m in _API_PATH.finditer(text)]
    if paths and _nearest(text, paths, refused) is not None:
        return _build(
            CAUSES_BY_ID["cause.wrong-endpoint"],
            REFUSALS["endpoint"][1],
            {},
            text,
            provider,
            finding_rules,
            None,
        )
    readings: list[tuple[int, str, dict[str, str], str]] = []
    for match in _PARAM_MENTION.finditer(text):
        if _suggested(text, match.start()):
            continue
        name = _param_name(match.group("param"))
        if len(name) < 3 and not _QUOTED_AROUND.fullmatch(text[max(match.start() - 1, 0) : match.end() + 1]):
            continue  # a bare "n" is a letter of the text, not the parameter; a quoted 'n' is the key
        if name not in GENERATION_PARAMS or re.search(rf"\b{re.escape(match.group('param'))}[.\[]\w", text):
            continue  # something under the key was refused ("response_format.type `json_schema`"), not the key
        gap = _nearest(text, [match.span()], refused)
        # A value is refused of the key the sentence is about: the key comes first ("top_p is immutable ...
        # must be 0.95", "Only a tool_choice of 'auto' is supported"), not after the words ("subject must not
        # be valid against schema ... [max_tokens]"); a key whose value is a list of declarations (tools,
        # functions) has no value a provider refuses as such.
        after = [
            span
            for span in valued
            if span[1] > match.start()
            or (match.start() - span[1] <= 40 and _INVALID_FIRST.match(text, span[0]))
        ]
        value_gap = _nearest(text, [match.span()], after) if name not in _LIST_PARAMS else None
        if value_gap is not None and (gap is None or value_gap < gap):
            cause_id = _REQUEST_PARAM_CAUSES.get(name) if name in OWN_CAUSE_PARAMS else None
            if cause_id is None and _TYPE_REJECTED.search(text) and not _BOUND.search(text):
                cause_id = "cause.param-type-invalid"  # "#/temperature: expected type: Number, found: Null"
            elif cause_id is None and name in _SAMPLING and _MENTIONS_MODEL.search(text):
                # A sampling knob the model fixes ("top_p is immutable for this model and must be 0.95"): the
                # catalogue's reading of OpenAI's "'temperature' does not support 0.7 with this model".
                cause_id = "cause.sampling-on-reasoning-model"
            readings.append(
                (value_gap, cause_id or "cause.param-value-unsupported", {"param": name}, "value")
            )
        elif gap is not None:
            readings.append(
                (gap, _REQUEST_PARAM_CAUSES.get(name, "cause.param-unsupported"), {"param": name}, "param")
            )
    if _SUBJECT.search(text):
        for _kind, cause_id, pattern in _FEATURE_PATTERNS:
            spans = [m.span() for m in pattern.finditer(text) if not _suggested(text, m.start())]
            gap = _nearest(text, spans, refused) if spans else None
            if gap is not None:
                readings.append((gap, cause_id, {}, "feature"))
    if not readings:
        # Nothing of the request was named: the model itself, by its id, may be what is refused.
        if _VALUES_LISTED.search(text):
            return None  # "... is not supported by model X; supported values: [medium]": a value was refused
        model_refused = [m.span() for m in _MODEL_REFUSED.finditer(text)]
        for match in [*_MODEL_ID.finditer(text), *_ID_NOT_A_MODEL.finditer(text)]:
            if _nearest(text, [match.span()], model_refused) is not None:
                values = {"model": match.group("model")}
                cause = CAUSES_BY_ID["cause.model-not-found"]
                return _build(cause, REFUSALS["model"][1], values, text, provider, finding_rules, None)
        return None
    readings.sort(key=lambda r: r[0])
    best = readings[0]
    if any(r[0] == best[0] and r[1] != best[1] for r in readings[1:]):
        return None  # two causes named equally near: a generic reading does not guess between them
    _, cause_id, values, tier = best
    return _build(CAUSES_BY_ID[cause_id], REFUSALS[tier][1], values, text, provider, finding_rules, None)


_STRUCTURAL_WORDINGS = frozenset(wording for _, wording in STRUCTURAL)
# The prefilter's requirements, read when the module is imported (the addon's load, the writer's and
# the worker's start), not by the first rejection on the event loop: parsing 439 patterns takes ~40 ms.
for _pattern in (
    [w.pattern for _, w in STRUCTURAL]
    + [w.pattern for c in CAUSES for w in c.wordings]
    + [f.wording.pattern for f in FRAMEWORKS]
):
    required_literals(_pattern)
del _pattern
_ALTERNATIVE = re.compile(r"^(?P<base>[a-z_]+?)\d+$")


def _merge_alternatives(groups: dict[str, str]) -> dict[str, str]:
    """``param2``/``role3`` (a regex cannot name two groups alike) become ``param``/``role``."""
    merged: dict[str, str] = {}
    for key, value in groups.items():
        match = _ALTERNATIVE.match(key)
        merged.setdefault(match.group("base") if match else key, value)
    return merged


def _recognise_code(
    code: str, error: UpstreamError, provider: str | None, finding_rules: tuple[str, ...]
) -> Recognition | None:
    text = error.message or code
    for cause in CAUSES:
        for wording in cause.wordings:
            if wording.on == "code" and wording.pattern.fullmatch(code.strip()):
                return _build(cause, wording, {}, text, provider, finding_rules, error.param)
    for cause_id, wording in CODES:
        if wording.pattern.fullmatch(code.strip()):
            return _build(CAUSES_BY_ID[cause_id], wording, {}, text, provider, finding_rules, error.param)
    return None


def _ordered(wordings: tuple[Wording, ...], provider: str | None) -> tuple[Wording, ...]:
    if not provider:
        return wordings
    provider = provider.lower()
    return tuple(sorted(wordings, key=lambda w: w.provider != provider))  # stable: catalogue order kept


def _prepare(message: str) -> str:
    """Typography folded, whitespace collapsed, and pydantic dict errors also rendered as
    ``loc.path: msg`` (the form the parser gives FastAPI ``detail`` lists), so one pattern serves all."""
    text = message[:_MAX_TEXT].translate(_QUOTES)
    # pydantic v1 prints a loc as "body -> presence_penalty"; v2 and FastAPI use dots.
    text = _ARROW.sub(".", text)
    rendered = [f"{dotted(loc)}: {msg}" for loc, msg in iter_pairs(text, rendering=True)]
    if rendered:
        text = text + " ; " + " ; ".join(rendered)
    return _WS.sub(" ", text).strip()


def _build(
    cause: Cause,
    wording: Wording,
    groups: dict[str, str],
    text: str,
    provider: str | None,
    finding_rules: tuple[str, ...],
    fallback_param: str | None,
) -> Recognition:
    values = dict(groups)
    if "container" in values:  # "('id' was unexpected) - 'messages.0'": the key sits under the container
        values["loc"] = values.pop("container") + "." + values.pop("field", "")
    elif "field" in values and wording in _STRUCTURAL_WORDINGS and cause.id == "cause.extra-request-field":
        values["loc"] = values.pop("field")
    if "ptr" in values:  # Bedrock's JSON pointer "#/messages/0/content/0" plus the rejected key
        values["loc"] = values.pop("ptr").replace("/", ".") + "." + values.pop("field", "")
    if "loc" in values:
        cause = _apply_loc(cause, values)
    if "param" in values:
        values["param"] = _param_name(values["param"])
    rule_id = None if wording.no_rule else (wording.rule_id or cause.rule_id)
    if cause.id == "cause.extra-message-field" and wording.rule_id is None:
        rule_id = _MESSAGE_FIELD_RULES.get(values.get("field", ""), rule_id)
    if (
        wording.names_parameters
        and cause.id == "cause.extra-request-field"
        and _param_name(values.get("field", "")) in GENERATION_PARAMS
    ):
        values["param"] = _param_name(values["field"])
        cause = CAUSES_BY_ID["cause.param-unsupported"]  # rule_id stays: the wording's rule predicted it
    foreign_body = (
        cause.id == "cause.extra-request-field" and _param_name(values.get("field", "")) in FOREIGN_BODY_KEYS
    )
    if foreign_body:
        cause = CAUSES_BY_ID["cause.wrong-endpoint"]
        rule_id = cause.rule_id
    feature = _feature_cause(values.get("param", "")) if cause.id == "cause.param-unsupported" else None
    if feature is not None:
        # "doesn't support the image field for user messages": what a family read as a parameter is a
        # feature no request key is named after (round 18); the feature's own cause names it.
        cause = CAUSES_BY_ID[feature]
        values.pop("param")
        rule_id = None if wording.no_rule else cause.rule_id
    target = PARAM_CAUSES.get(values.get("param", "")) if wording.model_scoped else None
    if (
        target == "cause.sampling-on-reasoning-model"
        and _OTHER_SUBJECT.search(text)
        and not _MENTIONS_MODEL.search(text)
    ):
        target = None  # "not supported by this gateway profile": a gateway refused it, not a reasoning model
    if cause.id == "cause.sampling-on-reasoning-model" and values.get("param", "") not in _SAMPLING:
        # A model-scoped refusal of a key that is no sampling knob ("Model grok-4.6 does not support
        # parameter stop."): the parameter is unsupported, not a reasoning model's sampling.
        cause = CAUSES_BY_ID["cause.param-unsupported"]
    if target is not None and target != cause.id:
        cause = CAUSES_BY_ID[target]
        if wording.rule_id is None:
            # The parameter itself is rejected (no value named): its own rule when it has one.
            rule_id = (
                _PARAM_REJECTION_RULES.get(values["param"]) if "value" not in values else None
            ) or cause.rule_id
    own = OWN_CAUSE_PARAMS.get(_RESPONSES_ALIASES.get(values.get("param", ""), values.get("param", "")))
    if own is not None and cause.id in ("cause.param-unsupported", "cause.param-value-unsupported"):
        cause = CAUSES_BY_ID[own]
        if rule_id is None:
            rule_id = cause.rule_id
    own_value = OWN_CAUSE_VALUE_PARAMS.get(values.get("param", ""))
    if own_value is not None and cause.id == "cause.param-value-unsupported":
        # A refused VALUE of a parameter that has its own cause ("parallel_tool_calls must be false when
        # using built-in tools", vLLM's agentic gateway): that cause, without its rule (the rule checks
        # one condition, tools absent, which a refused value does not state).
        cause = CAUSES_BY_ID[own_value]
    role_refined = cause.id == "cause.param-value-unsupported" and _refused_system_role(values)
    if role_refined:
        # A message role refused as a value, and that value is the system prompt's own role: the model
        # takes no system (or developer) message, as the role families read DeepSeek's "unknown variant
        # `developer`" or new-api's "invalid role 'developer'". Matched case-sensitively: "SYSTEM" where
        # "system" is supported is a misspelt role, still a refused value.
        cause = CAUSES_BY_ID["cause.model-no-system-role"]
        values = {"role": values["value"]}
        rule_id = wording.rule_id or cause.rule_id
    if (
        cause.id == "cause.wrong-endpoint"
        and rule_id in (cause.rule_id, "endpoint.missing-v1")
        and _DOUBLED_PATH.search(text)
    ):
        # The path the text shows repeats its API suffix, or its version prefix (one-api#717's
        # "Invalid URL(POST /v1/v1/chat/completions)"): a doubled segment is not a missing one.
        rule_id = "endpoint.doubled-path"
    rule_id = _pick_rule(rule_id, wording, finding_rules)
    switch = dict(wording.cause_by_rule).get(rule_id or "")
    if switch is not None and rule_id in finding_rules:
        cause = CAUSES_BY_ID[switch]  # the request shows which of the sentence's causes it is
    # The wording's own constraint, else the (possibly refined) cause's: a refined cause says what was rejected.
    spec = None if wording.no_constraint or foreign_body else (wording.constraint or cause.constraint)
    if role_refined:
        spec = cause.constraint  # the refined cause says what was rejected: a role, not the value
    if spec is not None and spec.name_group == "param" and "param" not in values and fallback_param:
        # The text did not name it, the error's own `param` field does (OpenAI, vLLM).
        values["param"] = _param_name(fallback_param)
    constraint = spec.build(values) if spec is not None else None
    if constraint is not None and constraint.kind == "value" and constraint.value is None:
        constraint = Constraint(kind="param", name=constraint.name)  # the text named no value: the key itself
    return Recognition(
        cause=cause,
        values=values,
        constraint=constraint,
        rule_id=rule_id,
        wording=wording,
        message=text,
        provider=provider,
    )


#: A path that repeats its own API suffix ("/v4/chat/completions/chat/completions", "/v1/v1/..."): a
#: base URL that already ended in the suffix the client appends (rule endpoint.doubled-path). Seen
#: in a 404's text, it says which wrong endpoint it is (precision pass 2, dev row b-0072).
_DOUBLED_PATH = re.compile(r"(?P<seg>(?:/[A-Za-z][\w.-]{0,40}){1,3})(?P=seg)(?![\w.-])")


def _pick_rule(rule_id: str | None, wording: Wording, finding_rules: tuple[str, ...]) -> str | None:
    """The flow's own finding decides among the rules that share the provider's sentence."""
    if rule_id in finding_rules:
        return rule_id
    for rule in finding_rules:
        if rule in wording.shared_by:
            return rule
    return rule_id


def _apply_loc(cause: Cause, values: dict[str, str]) -> Cause:
    """A pydantic ``loc`` (``body.messages.0.user.name``) says where the rejected field sits."""
    parts = [str(p) for p in parse_location(values.pop("loc")) or ()]
    if not parts:
        return cause
    values["path"] = ".".join(parts)
    names = [p for p in parts if not p.isdigit()]
    if parts[0] in _MESSAGE_CONTAINERS and len(parts) > 2:
        numbers = [p for p in parts[1:] if p.isdigit()]
        if numbers:
            values["index"] = numbers[0]
        if len(names) > 1 and names[1] in _ROLES:
            values["role"] = names[1]
        values["field"] = names[-1]
        return CAUSES_BY_ID["cause.extra-message-field"]
    values["field"] = ".".join(names) if names else parts[-1]
    return CAUSES_BY_ID["cause.extra-request-field"]


#: The roles a system prompt is sent with; refused as a message role's value, the model takes no such message.
_SYSTEM_ROLES = frozenset({"system", "developer"})


def _refused_system_role(values: Mapping[str, str]) -> bool:
    """``values`` name a message role (``messages.role``, ``messages[0].role``) refused with the value
    ``system`` or ``developer``."""
    param = values.get("param", "")
    return values.get("value") in _SYSTEM_ROLES and re.sub(r"\[\d+\]|\.\d+", "", param) in (
        "messages.role",
        "input.role",
    )


def _param_name(raw: str) -> str:
    """``'presencePenalty'``/``body.top_p`` -> ``presence_penalty``/``top_p`` (request spelling)."""
    name = raw.strip().strip("'\"`")
    name = name.removeprefix("body.")
    name = _WS.sub("_", name)  # "Frequency penalty", "tool choice": the request's snake_case
    if "_" not in name and "." not in name and "[" not in name:
        name = _CAMEL.sub(r"_\1", name).lower()
    return name


class _Filled(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return _DEFAULTS.get(key, key)


def generic_fix(cause: Cause, api: ApiKind = "chat", wording: Wording | None = None) -> str:
    """The cause's fix in generic words, for a glossary where no upstream text named any values
    (in ``api``'s words, :data:`API_TERMS`; chat completions unless told); ``wording``'s own fix when
    it has one (a server's start-up flag rather than the cause's request change)."""
    return _render(wording.fix if wording is not None and wording.fix else cause.fix, API_TERMS[api])


def _render(template: str, values: Mapping[str, str]) -> str:
    """Fill a fix template: a ``[[...]]`` segment is kept only when the text named every value in
    it; other placeholders fall back to generic words (:data:`_DEFAULTS`)."""

    def segment(match: re.Match[str]) -> str:
        fields = [name for _, name, _, _ in _FORMATTER.parse(match.group(1)) if name]
        return match.group(1) if all(values.get(name) for name in fields) else ""

    try:
        return _OPTIONAL.sub(segment, template).format_map(_Filled(values))
    except (ValueError, KeyError, IndexError):  # a malformed template must not break recognition
        return template


_OPTIONAL = re.compile(r"\[\[(.*?)\]\]")
_FORMATTER = string.Formatter()
