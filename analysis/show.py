"""The library behind ``toolguard show``: one stored flow, from "something failed" to the broken message.

A flow is found by its id, a unique prefix of it, or as the latest one (``--last``), and rendered as
text (the terminal), markdown (a bug report for the client's maintainers) or JSON. The conversation
is the mitmweb content view's own transcript (:func:`toolguard_core.conversation.render_conversation`):
each tool call paired with its answer and the broken pair called out. Everything shown comes from
the database, where secrets were already redacted before the row was written; the output is
scrubbed once more for key shapes, as a second net for a bug report pasted in public.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from toolguard_analysis.db import Connection, Source, database_errors, require
from toolguard_analysis.errors import ToolguardError, UsageError
from toolguard_analysis.patterns import explain, predicting_rule
from toolguard_analysis.rule_links import CAUSES_DOC, ROOT_CAUSE, rule_doc_link
from toolguard_analysis.terminal import printable
from toolguard_core import dburl, redact, repair_rows
from toolguard_core.cause_rules import PREDICTING_RULES
from toolguard_core.clients import (
    RESEND_SECONDS,
    RETRY_COLUMNS,
    RETRY_COUNT_HEADER,
    Retry,
    retries,
    retry_count,
)
from toolguard_core.conversation import (
    native_as_chat,
    render_conversation,
    render_gemini_contents,
    render_responses_input,
)
from toolguard_core.findings import Finding, Severity
from toolguard_core.flowids import like_pattern, short_flow_id
from toolguard_core.grouping import stored_cause
from toolguard_core.opaque import OPAQUE_WORDS, is_opaque_stored
from toolguard_core.request import (
    CONVERSE,
    ENDPOINT_NAMES,
    GEMINI,
    MESSAGES,
    OLLAMA,
    EndpointKind,
    endpoint_kind,
)
from toolguard_core.rules import RULES
from toolguard_core.store import MAX_STORED_NON_JSON_REQUEST
from toolguard_core.upstream_errors import innermost_param
from toolguard_core.upstreams import upstream_name
from toolguard_core.verdict import (
    IN_STREAM_WORDS,
    UNCONFIRMED_WORDS,
    Answer,
    Judgement,
    Verdict,
    answer_broke_off,
    answered_by,
    ended_early,
    error_text,
    judge,
    rejected,
    row_rejected,
)
from toolguard_core.visibility import ANSWERED_BY, UNVALIDATED_RULES, answered_by_words, flow_verdict_words


@dataclass(slots=True)
class StoredFlow:
    """One ``flows`` row and its ``findings`` rows."""

    row: dict[str, Any]
    findings: list[dict[str, Any]] = field(default_factory=list)
    #: Its ``repairs`` rows (repair mode), bodies expanded (toolguard_core.repair_rows), in idx order.
    repairs: list[dict[str, Any]] = field(default_factory=list)
    #: Whether it retried an earlier call (clients.retries, over the same client's earlier flows).
    retry: Retry | None = None

    def applied_repairs(self) -> list[dict[str, Any]]:
        return [r for r in self.repairs if r.get("applied")]

    @property
    def id(self) -> str:
        return str(self.row["id"])

    def body(self) -> dict[str, Any] | None:
        try:
            body = json.loads(self.row.get("request_json") or "null")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def finding_models(self) -> list[Finding]:
        out = []
        for f in self.findings:
            try:
                out.append(
                    Finding(
                        rule=f["rule"], severity=f["severity"], location=f["location"], message=f["message"]
                    )
                )
            except ValueError:  # a row from a newer toolguard with a severity this one does not know
                continue
        return out

    def error_text(self) -> str | None:
        return error_text(self.row.get("error_json"), self.row.get("error_message"))

    def error_param(self) -> str | None:
        """The innermost ``param`` along the stored error chain (what the provider itself blamed)."""
        return innermost_param(self.row.get("error_json"), self.row.get("error_param"))

    def root_cause(self) -> str | None:
        """What explains the rejection, when it was rejected: the rule the verdict credits (the
        summary's :func:`explain`; a finding a 429 does not confirm is not credited, see
        :func:`toolguard_core.verdict.rejection_verdict`), a rule whose known wording the error text
        is, or else the root cause the text names (``cause_id``)."""
        if not row_rejected(self.row.get("verdict"), self.row.get("status"), self.row.get("error_message")):
            return None
        verdict = self.row.get("verdict")
        cause = self.cause()
        judgement = self.judgement()
        credited = verdict in (None, Verdict.PREDICTED, Verdict.REPAIR_FAILED) and judgement is not None
        if credited and judgement is not None and judgement.answer == Answer.CONFIRMS and judgement.rule:
            return judgement.rule  # the fired rule the answer confirms (the summary's group rule)
        api = self.api()
        return (
            explain(self.error_text(), (), api=api)
            or predicting_rule(cause, api)
            or (cause or {}).get("cause")
        )

    def api(self) -> EndpointKind:
        """The API the request spoke, by its path (a cause's rule is that API's: patterns.predicting_rule)."""
        return endpoint_kind(str(self.row.get("path") or "").split("?", 1)[0])

    def no_rule_on_api(self) -> str | None:
        """The API's name when the root cause is one a rule predicts on other APIs but none on this
        one (a Chat Completions rule never judged this Gemini request): said, rather than left out."""
        cause = self.cause()
        if not cause or self.root_cause() != cause.get("cause"):
            return None
        others = PREDICTING_RULES.get(str(cause.get("cause")), {})
        return ENDPOINT_NAMES[self.api()] if others and self.api() not in others else None

    def judgement(self) -> Judgement | None:
        """What the upstream's answer says about this flow's error findings (verdict.judge), for a
        rejection with error findings; ``None`` otherwise."""
        if not row_rejected(self.row.get("verdict"), self.row.get("status"), self.row.get("error_message")):
            return None
        errors = [f for f in self.findings if f["severity"] == Severity.ERROR]
        return judge(
            [f["rule"] for f in errors],
            self.cause(),
            self.error_text(),
            locations=[f["location"] for f in errors],
        )

    def unconfirmed(self) -> list[str]:
        """The error findings' rules the answer contradicts (:attr:`Answer.CONTRADICTS`), else []."""
        judgement = self.judgement()
        if judgement is None or judgement.answer != Answer.CONTRADICTS:
            return []
        return list(dict.fromkeys(f["rule"] for f in self.findings if f["severity"] == Severity.ERROR))

    def unflagged(self, rule: str) -> bool:
        """True when ``rule`` (the one the upstream's wording names) has no finding on this request."""
        return all(f["rule"] != rule for f in self.findings)

    def root_cause_words(self, root: str) -> str | None:
        """What ``root`` (a rule id or a root-cause id) means, in one sentence."""
        rule = RULES.get(root)
        if rule is not None:
            return rule.summary
        cause = self.cause()
        return (
            str(cause.get("title")) if cause and cause.get("cause") == root and cause.get("title") else None
        )

    def cause(self) -> dict[str, Any] | None:
        """The stored root cause of the rejection (``cause_json``: id, title, fix with the values the
        error named), as the run report and the summary print it; None when not rejected or unknown."""
        if not row_rejected(self.row.get("verdict"), self.row.get("status"), self.row.get("error_message")):
            return None
        errors = [f["rule"] for f in self.findings if f["severity"] == Severity.ERROR]
        return stored_cause(self.row, errors)

    def upstream_line(self) -> str | None:
        """The upstream's answer in one line, as the content view's header says it."""
        status = self.row.get("status")
        text = self.error_text()
        if status is None:
            if self.row.get("verdict") == "no_answer" or self.row.get("flow_error"):
                return f"no answer from the upstream: {self.row.get('flow_error') or 'no response'}"
            return None
        # Block mode's answer is toolguard's own (verdict.answered_by): no upstream ever saw the request.
        who = answered_by(status, self.row.get("verdict"))
        if answer_broke_off(status, self.row.get("verdict"), self.row.get("flow_error")):
            if ended_early(self.row.get("flow_error")):
                # No connection broke: the upstream closed its stream before the end event (trial22).
                return f"{who}, then {self.row.get('flow_error', '').removeprefix('toolguard: ')}"
            # The answer that came, then mitmproxy's reason it did not end (trial21a: show said nothing).
            return f"{who}, then the connection broke off: {self.row.get('flow_error')}"
        by_status = rejected(status, False)
        if not text:
            return who if by_status else None
        where = "" if by_status else IN_STREAM_WORDS
        param = self.error_param()
        return f"{who}{where}: {text}" + (f" (param: {param})" if param else "")

    def answer_label(self) -> str:
        """What :meth:`upstream_line` is labelled: a blocked flow's answer is toolguard's own."""
        return "answer" if self.row.get("verdict") == Verdict.BLOCKED else "upstream"

    def upstream_line_clipped(self) -> str | None:
        """:meth:`upstream_line` cut at :data:`MAX_UPSTREAM_CHARS` for the text and Markdown formats,
        saying how much was left out and where the whole text is (the JSON format keeps it all)."""
        line = self.upstream_line()
        if line is None or len(line) <= MAX_UPSTREAM_CHARS:
            return line
        more = len(line) - MAX_UPSTREAM_CHARS
        return f"{line[:MAX_UPSTREAM_CHARS]}… ({more} more characters: --format json has the whole text)"

    def headers(self) -> dict[str, str]:
        try:
            headers = json.loads(self.row.get("request_headers_json") or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {}


#: What a known failure whose rule did not fire on the request is said to be (as ``toolguard run`` says it).
UNFLAGGED = "matched by the upstream's wording; this rule did not flag this request"
#: What is said of a root cause that rules predict on other APIs but none on the flow's.
NO_RULE_ON_API = "none predicts this root cause on {api} requests"


#: The longest upstream error ``show`` prints in its text and Markdown formats: a 5 MB error body's
#: message (stored at about 8,000 characters) made one 8,000-character line of the flow's header.
MAX_UPSTREAM_CHARS = 1000


def find_flow(source: Source, ref: str | None, last: bool = False) -> StoredFlow:
    """The flow whose id is ``ref`` or starts with it, or the latest one with ``last``, from a SQLite
    file or a ``postgresql://`` URL (read through :class:`toolguard_analysis.db.Connection`, so both
    give the same rows and the same output)."""
    if bool(ref) == last:
        raise UsageError("give a FLOW_ID (or a prefix of one), or --last")
    require(source)
    conn = Connection(source)
    where = conn.label
    try:
        if last:
            # Ties on the millisecond are broken by id on both databases (PostgreSQL has no rowid).
            rows = list(conn.query("select * from flows order by datetime_utc desc, id desc limit 1"))
            if not rows:
                raise ToolguardError(f"{where} has no flows")
        else:
            assert ref is not None
            rows = list(conn.query("select * from flows where id = ?", [ref]))
            if not rows:
                # A prefix, or a WebSocket message's short id (6f9bebcc-ws3, as the reports print it).
                pattern = like_pattern(ref)
                rows = list(
                    conn.query(
                        "select * from flows where id like ? escape '\\' order by datetime_utc, id limit 11",
                        [pattern],
                    )
                )
            if not rows:
                raise ToolguardError(f"no flow with id {ref!r} (or starting with it) in {where}")
            if len(rows) > 1:
                ids = "\n  ".join(f"{r['id']}  {r['datetime_utc']}" for r in rows[:10])
                raise ToolguardError(f"{ref!r} matches more than one flow; give more of the id:\n  {ids}")
        row = rows[0]
        findings = list(
            conn.query(
                "select idx, rule, severity, location, message from findings where flow_id = ? order by idx",
                [row["id"]],
            )
        )
        repairs = (
            repair_rows.expand(
                conn.query(
                    "select idx, rule, family, location, applied, description, patch_json, request_before, "
                    "request_after from repairs where flow_id = ? order by idx",
                    [row["id"]],
                )
            )
            if conn.has_table("repairs")  # a capture from before m002_repairs has none
            else []
        )
        retry = _retry_of(conn, row)
    except database_errors() as exc:
        raise ToolguardError(f"cannot read {where}: {exc}") from exc
    finally:
        conn.close()
    return StoredFlow(row, findings, repairs, retry)


def _retry_of(conn: Connection, row: dict[str, Any]) -> Retry | None:
    """Whether the flow retried an earlier call (clients.retries, the detector the run report and the
    summary use): read over the same client's latest flows to the same upstream and path up to it."""
    if retry_count(row.get("request_headers_json")):
        return Retry(retry_count(row.get("request_headers_json")), True)
    if not row.get("client") or not row.get("datetime_utc"):
        return None
    columns = ", ".join(RETRY_COLUMNS)
    earlier = list(
        conn.query(
            f"select {columns} from flows where client = ? and host = ? and port = ? and path = ? "
            "and datetime_utc <= ? order by datetime_utc desc, id desc limit 32",
            [row.get("client"), row.get("host"), row.get("port"), row.get("path"), row["datetime_utc"]],
        )
    )

    def body(flow_id: str) -> str | None:
        found = next(conn.query("select request_json from flows where id = ?", [flow_id]), None)
        return found["request_json"] if found else None

    return retries(earlier, body).get(str(row["id"]))


def render(flow: StoredFlow, fmt: str = "text", db: str | None = None) -> str:
    """``text``, ``markdown`` or ``json``; key-shaped strings scrubbed from the result. ``db``: the
    database the user named with ``--db`` (None: the default one), repeated in the replay hint."""
    if fmt == "json":
        text = json.dumps(to_json(flow), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "markdown":
        text = render_markdown(flow)
    else:
        text = render_text(flow, db)
    # The upstream's error and the conversation are others' text: no escape sequence reaches a terminal.
    return redact.scrub(text if fmt == "json" else printable(text)) or ""


def request_body(flow: StoredFlow) -> str:
    """The stored request body (redacted when stored), for replaying it with curl."""
    unreplayable = _unreplayable(flow)
    if unreplayable:
        raise ToolguardError(unreplayable)
    return str(flow.row.get("request_json") or flow.row.get("request_body"))


def _unreplayable(flow: StoredFlow) -> str | None:
    """Why the stored request body cannot be replayed or re-checked: there is none (a reverse-mode
    connection refused before the request was read), or only its start was kept (replaying it with
    curl or re-checking it would judge another body); ``None`` when it can be."""
    if (flow.row.get("request_json") or flow.row.get("request_body")) is None:
        return f"flow {flow.id} has no stored request body"
    size = flow.row.get("request_bytes") or 0
    if flow.row.get("request_json") is not None or size <= MAX_STORED_NON_JSON_REQUEST:
        return None
    return (
        f"flow {flow.id} stored only the first {MAX_STORED_NON_JSON_REQUEST} of its {size} bytes: "
        f"{_not_stored_as_json(flow)}, and such a body is kept up to {MAX_STORED_NON_JSON_REQUEST // 1024} KB; "
        "it cannot be replayed or re-checked"
    )


#: Why a request body was not stored as JSON, by the body rule whose finding says so (rules/body.py):
#: a JSON body too large to read is not "a body that is not a JSON object" (walkthrough, session 12).
_NOT_STORED_AS_JSON = {
    "body.too-large": "it was larger than toolguard_max_body, so toolguard passed it through unread",
    "body.too-deep": "it nests deeper than the JSON parser allows, so toolguard passed it through unread",
    "body.undecodable": "its Content-Encoding could not be decoded, so toolguard passed it through unread",
    "body.not-validated": "toolguard's validation worker could not take it, so it was passed through unread",
    "body.not-json": "it is not valid JSON",
    "body.invalid-utf8": "it is not valid UTF-8, so it cannot be JSON",
    "body.not-object": "it is JSON but not an object",
}


def _not_stored_as_json(flow: StoredFlow) -> str:
    """What happened to this flow's body, from its finding; a row without one (stored before body
    findings, or by another tool) says only what is known."""
    for f in flow.findings:
        reason = _NOT_STORED_AS_JSON.get(f["rule"])
        if reason is not None:
            return reason
    return "toolguard did not store it as a JSON object (no finding says why)"


def repaired_body(flow: StoredFlow, which: str) -> str:
    """The request before the first applied repair (``before``) or after the last (``after``)."""
    applied = flow.applied_repairs()
    if not applied:
        raise ToolguardError(f"flow {flow.id} was not repaired (no repair was applied to it)")
    body = applied[0]["request_before"] if which == "before" else applied[-1]["request_after"]
    if body is None:
        raise ToolguardError(f"flow {flow.id} has no stored request body {which} its repairs")
    return str(body)


def _patch_text(patch_json: str | None) -> str:
    """The RFC 6902 patch on one line, as stored (compact)."""
    try:
        return json.dumps(json.loads(patch_json or "null"), ensure_ascii=False)
    except ValueError:
        return str(patch_json)


#: The request headers a replay sends as stored: what the API reads besides the body (Anthropic's
#: version and beta flags, OpenAI's beta header). Hop-by-hop, encoding and client-identity headers
#: stay out; so do credentials, which come from ``$API_KEY`` instead.
REPLAY_HEADERS = ("anthropic-version", "anthropic-beta", "openai-beta")
#: Credential headers as a replay sends them, the key read from ``$API_KEY`` (stored redacted).
REPLAY_CREDENTIALS = {
    "authorization": "Bearer ",
    "x-api-key": "",
    "api-key": "",
    "x-goog-api-key": "",
}
#: The shell word that stands for the user's key in a replay command.
KEY_WORD = '"$API_KEY"'


def _with_key(text: str) -> str:
    """``text`` as one shell word, each redacted secret in it read from ``$API_KEY``."""
    return KEY_WORD.join(shlex.quote(part) if part else "" for part in text.split(redact.REDACTED))


def replay_command(flow: StoredFlow, db: str | None = None) -> str:
    """A command that sends the stored request again, as printed: the body from ``toolguard show
    --request``, to the URL it went to, with the headers the API reads and the key from ``$API_KEY``
    (the hint said "then curl --data @body.json ..." and left the URL, the key and Anthropic's
    version header to the user; trial19)."""
    headers = {name.lower(): value for name, value in flow.headers().items()}
    words = [f"toolguard show {_hint_db(db)}{short_flow_id(flow.id)} --request | curl -sS"]
    words.append(_with_key(str(flow.row.get("url") or "")))
    words.append("-H " + shlex.quote("content-type: application/json"))
    words += ["-H " + shlex.quote(f"{name}: {headers[name]}") for name in REPLAY_HEADERS if name in headers]
    words += [
        "-H " + _with_key(f"{name}: {scheme}{redact.REDACTED}")
        for name, scheme in REPLAY_CREDENTIALS.items()
        if name in headers
    ]
    words.append("--data-binary @-")
    return " ".join(words)


def _hint_db(db: str | None) -> str:
    """``--db X `` for a command hint: a flow read from a --db database is not in the default one."""
    return f"--db {shlex.quote(dburl.label(db))} " if db else ""


def _repair_lines(flow: StoredFlow, db: str | None = None) -> list[str]:
    """The text section on repairs: each fix with its patch (the diff), each finding left as it was."""
    if not flow.repairs:
        return []
    lines = [f"repairs ({len(flow.applied_repairs())} applied, {len(flow.repairs)} in all):"]
    for r in flow.repairs:
        state = "APPLIED" if r.get("applied") else "LEFT"
        lines.append(f"  {state:<7} {r['rule']} at {r['location']}: {r.get('description') or ''}".rstrip())
        if r.get("applied"):
            lines.append(f"          patch (RFC 6902): {_patch_text(r.get('patch_json'))}")
    if flow.applied_repairs():
        lines.append(
            f"  the request before and after: toolguard show {_hint_db(db)}{short_flow_id(flow.id)} --repair-body before|after"
        )
    return [*lines, ""]


def _verdict_words(flow: StoredFlow) -> str:
    row = flow.row
    return flow_verdict_words(
        row.get("verdict"),
        (f["rule"] for f in flow.findings),
        broke_off=answer_broke_off(row.get("status"), row.get("verdict"), row.get("flow_error")),
    )


def _facts(flow: StoredFlow) -> list[tuple[str, str]]:
    row = flow.row
    method = row.get("method") or "(no request read)"
    # A body passed through unread has a model toolguard never saw: "model ?" read as if the request
    # had none (walkthrough13, a body over toolguard_max_body); name the reason, as the findings do.
    unread = next((f["rule"] for f in flow.findings if f["rule"] in UNVALIDATED_RULES), None)
    model = row.get("model") or (f"not read ({unread})" if unread else "?")
    facts = [
        ("request", f"{method} {row.get('url') or ''}".strip()),
        ("provider", f"{row.get('provider') or '?'}, model {model}" + _answered_words(row)),
        ("client", (row.get("client") or "?") + _retry_words(flow.retry)),
        (
            "when",
            str(row.get("datetime_utc"))
            + _duration(row.get("duration_ms"), answered=row.get("status") is not None),
        ),
        ("verdict", f"{row.get('verdict') or '-'}: {_verdict_words(flow)}"),
    ]
    if row.get("stream") is not None:
        facts.insert(3, ("stream", "yes" if row.get("stream") else "no"))
    if row.get("run_id"):
        facts.append(("run", str(row["run_id"])))
    return facts


def _answered_words(row: dict[str, Any]) -> str:
    """``; answered by Novita (named in the answer)`` when the answer names the provider behind a
    router (OpenRouter's metadata.provider_name, at any level: flows.error_provider), else nothing."""
    words = answered_by_words([row.get("error_provider")])
    return f"; {ANSWERED_BY} {words}" if words else ""


def _retry_words(retry: Retry | None) -> str:
    """`` (its SDK's retry 2 of this call: x-stainless-retry-count)`` for a flow the client's SDK resent
    on its own after a failed try (max_retries), else nothing (a new user's trial, session 19); for a
    retry no header declared, what toolguard saw (clients.retries; session 21)."""
    if retry is None:
        return ""
    if retry.declared:
        return f" (its SDK's retry {retry.number} of this call: {RETRY_COUNT_HEADER})"
    return (
        f" (retry {retry.number} of this call: the same request sent again within {RESEND_SECONDS:g} s of a "
        f"429, 5xx or overloaded answer to it; no {RETRY_COUNT_HEADER} said so)"
    )


def _duration(ms: int | None, *, answered: bool) -> str:
    """How long the flow took; a flow with no answer (``no_answer``) ended without one, so it is not
    "until the answer ended" (a new user's trial, session 15: a refused connection said so)."""
    if ms is None:
        return ""
    return f", {ms} ms until the answer ended" if answered else f", no answer after {ms} ms"


def _view_name(flow: StoredFlow) -> str:
    """The mitmweb view whose rendering ``show`` prints: named by the flow's API, so an Anthropic
    Messages flow is not introduced as a Chat Completions conversation."""
    kind = endpoint_kind(str(flow.row.get("path") or ""))
    if kind == MESSAGES:  # Anthropic's Messages API
        return "Anthropic Messages"
    if kind == GEMINI:  # Gemini's native API (:generateContent)
        return "Gemini generateContent"
    if kind in (CONVERSE, OLLAMA):  # shown by the chat view, in the chat shape (conversation.native_as_chat)
        return "Chat Completions"
    body = flow.body()
    if body is not None and "messages" not in body and "input" in body:  # a Responses API body
        return "Responses"
    return "Chat Completions"


def _conversation(flow: StoredFlow, max_text: int | None) -> str:
    body = flow.body()
    if body is None:
        stored = flow.row.get("request_body")
        unread = next((f for f in flow.findings if f["rule"] in UNVALIDATED_RULES), None)
        if unread is not None:
            # Passed through unvalidated (over toolguard_max_body ...): never read, so never judged
            # "not a JSON object"; the finding says why, and no prefix of the body is dumped here.
            return f"(not read as a conversation: {unread['rule']}: {unread['message']})\n"
        if stored:
            return f"(the request body was not a JSON object: {stored[:600]})\n"
        return "(no request body was stored)\n"
    view = _view_name(flow)
    if view == "Anthropic Messages":
        # The mitmweb "Anthropic Messages" view's own rendering (it imports mitmproxy: loaded here only).
        from toolguard_core.contentview_messages import render_messages

        return render_messages(body, flow.finding_models(), verdict=flow.row.get("verdict"))
    if view == "Gemini generateContent":
        return render_gemini_contents(
            body,
            flow.finding_models(),
            verdict=flow.row.get("verdict"),
            max_text=max_text,
            model=flow.row.get("model"),
        )
    if view == "Responses":
        return render_responses_input(
            body, flow.finding_models(), verdict=flow.row.get("verdict"), max_text=max_text
        )
    return render_conversation(
        native_as_chat(body, endpoint_kind(str(flow.row.get("path") or "").split("?", 1)[0])),
        flow.finding_models(),
        verdict=flow.row.get("verdict"),
        max_text=max_text,
    )


def _fact(name: str, value: str) -> str:
    """One labelled line of the text format, values aligned past the longest label (``root cause:``)."""
    return f"  {name + ':':<11} {value}"


def render_text(flow: StoredFlow, db: str | None = None) -> str:
    lines = [f"flow {flow.id}"]
    lines += [_fact(name, value) for name, value in _facts(flow)]
    upstream = flow.upstream_line_clipped()
    if upstream:
        lines.append(_fact(flow.answer_label(), upstream))
    root = flow.root_cause()
    cause = flow.cause()
    if root:
        if root in RULES and flow.unflagged(root):
            # The upstream's wording is a rule's that did not fire here: "root cause: <that rule>" read as if
            # it had (under "predicted ... as toolguard predicted" for another rule's finding). Said as
            # the run report says it, then the root cause the text names.
            lines.append(_fact("known", f"{root} ({rule_doc_link(root)}): {UNFLAGGED}"))
            if cause:
                link = rule_doc_link(cause["cause"], CAUSES_DOC)
                title = f": {cause['title']}" if cause.get("title") else ""
                lines.append(_fact(ROOT_CAUSE, f"{cause['cause']} ({link}){title}"))
        elif root in RULES:
            lines.append(_fact(ROOT_CAUSE, f"{root} ({rule_doc_link(root)})"))
        else:  # recognised from the error text alone (a wrong key, a server error): no rule names it
            words = flow.root_cause_words(root)
            link = rule_doc_link(root, CAUSES_DOC)
            lines.append(_fact(ROOT_CAUSE, f"{root} ({link})" + (f": {words}" if words else "")))
    if flow.row.get("verdict") == Verdict.UNEXPLAINED and is_opaque_stored(
        flow.row.get("error_json"), flow.row.get("error_message")
    ):
        lines.append(_fact("answer", f"opaque: {OPAQUE_WORDS}"))
    no_rule = flow.no_rule_on_api()
    if no_rule:
        lines.append(_fact("rule", NO_RULE_ON_API.format(api=no_rule)))
    if cause and cause.get("fix"):
        lines.append(_fact("fix", cause["fix"]))
    unconfirmed = flow.unconfirmed()
    if unconfirmed:
        lines.append(_fact("findings", f"{', '.join(unconfirmed)} {UNCONFIRMED_WORDS}"))
    lines.append("")
    lines.append(f"findings ({len(flow.findings)}):" if flow.findings else "findings: none")
    for f in flow.findings:
        lines.append(f"  {f['severity'].upper():<7} {f['rule']} at {f['location']}")
        lines.append(f"          {f['message']}")
    lines.append("")
    lines += _repair_lines(flow, db)
    lines.append(f"conversation (as mitmweb's {_view_name(flow)} view shows it):")
    lines += ["  " + line if line else "" for line in _conversation(flow, max_text=600).splitlines()]
    lines.append("")
    lines.append("request headers (redacted):")
    lines += [f"  {name}: {value}" for name, value in flow.headers().items()]
    lines.append("")
    # The hint must run as printed: a flow read from a --db database is not in the default one. A
    # body not stored, or kept only in part, gets no hint: the command it named refused it (a new
    # user's trial, session 15).
    unreplayable = _unreplayable(flow)
    if unreplayable:
        lines.append(f"replay: not possible: {unreplayable}")
    elif flow.row.get("websocket_json"):
        lines.append(f"replay: {_websocket_replay(flow, db)}")
    else:
        lines.append(f"replay: {replay_command(flow, db)}")
    return "\n".join(lines) + "\n"


def _websocket_replay(flow: StoredFlow, db: str | None = None) -> str:
    """What a message on a Responses WebSocket can be replayed with: not curl. The line printed a curl
    POST of the ``response.create`` message to the upgrade's URL, under an id that named every message
    of the connection (trial20a, a Codex run). The message is the body of a ``POST /v1/responses`` plus
    ``"type"`` (agent-clis.md); a ``previous_response_id`` of a response made with ``store: false``
    (Codex's) names what only that connection kept, so no HTTP replay gets the same answer."""
    socket = json.loads(str(flow.row["websocket_json"]))
    after = socket.get("previous_response_id")
    where = f"message {socket.get('message')} on a WebSocket (response.create)"
    try:
        stored = json.loads(str(flow.row.get("request_json") or "{}"))
    except ValueError:
        stored = {}
    unsaved = isinstance(stored, dict) and stored.get("store") is False
    chained = ""
    if after:
        kept = ", a response only that connection kept (store: false)" if unsaved else ""
        chained = f"; it continues {after}{kept}"
    return (
        f"not with curl: this was {where}{chained}; as HTTP (POST {flow.row.get('url') or '/v1/responses'}) "
        f'its body is the message without "type". The message as sent: '
        f"toolguard show {_hint_db(db)}{short_flow_id(flow.id)} --request"
    )


def render_markdown(flow: StoredFlow) -> str:
    """A bug report for the client's maintainers: what was sent, what the API said, which rule."""
    row = flow.row
    # The heading names what the API objects to: an error finding, else a warning, else the root cause
    # the answer names; never an info note (model.rules-skipped did not make a 401 happen).
    cause = flow.cause()
    # A rejection no rule is credited with (a 429 on a flagged request: docs/errors.md, the rule of
    # decision) is headed by its root cause, not by the finding the upstream did not answer.
    credited = row.get("verdict") not in (Verdict.RECOGNISED, Verdict.UNEXPLAINED) or not cause
    first = (
        next((f for f in flow.findings if f["severity"] == Severity.ERROR), None)
        or next((f for f in flow.findings if f["severity"] == Severity.WARNING), None)
        if credited
        else None
    )
    # By its host (and port, off the scheme's default: the name every report gives an upstream):
    # the provider's id ("generic") is not a name, and it has its own bullet below.
    api = (
        f"The API at {upstream_name(row['host'], row.get('port'), row.get('scheme'))}"
        if row.get("host")
        else "The API"
    )
    if row_rejected(row.get("verdict"), row.get("status"), row.get("error_message")):
        title = f"{api} rejects the request"
    elif not flow.findings and answer_broke_off(row.get("status"), row.get("verdict"), row.get("flow_error")):
        # Stored for the break alone: "toolguard flagged the request" said a finding there was none of.
        title = f"{api} answered, then the answer broke off before its end"
    else:
        title = "toolguard flagged the request"
    if first:
        title += f": {first['rule']} at {first['location']}"
    elif cause:
        title += f": {cause['cause']}"
    lines = [f"### {title}", ""]
    lines += [
        f"- **{name.capitalize()}**: {_md_code(value) if name in _CODE_FACTS else value}"
        for name, value in _facts(flow)
    ]
    upstream = flow.upstream_line_clipped()
    if upstream:
        lines.append(f"- **{flow.answer_label().capitalize()}**: {upstream}")
    root = flow.root_cause()
    if root:
        # No link: a bug report is pasted into another project's tracker, where a path relative to
        # toolguard's source resolves nowhere, and toolguard has no published docs URL to make it absolute.
        if root in RULES and flow.unflagged(root):
            lines.append(f"- **Known failure**: `{root}`: {UNFLAGGED}")
            if cause:
                title = f": {cause['title']}" if cause.get("title") else ""
                lines.append(f"- **{ROOT_CAUSE.capitalize()}**: `{cause['cause']}`{title}")
        else:
            words = flow.root_cause_words(root)
            lines.append(f"- **{ROOT_CAUSE.capitalize()}**: `{root}`" + (f": {words}" if words else ""))
    no_rule = flow.no_rule_on_api()
    if no_rule:
        lines.append(f"- **Rule**: {NO_RULE_ON_API.format(api=no_rule)}")
    if cause and cause.get("fix"):
        lines.append(f"- **Fix**: {cause['fix']}")
    unconfirmed = flow.unconfirmed()
    if unconfirmed:
        lines.append(f"- **Findings**: {', '.join(f'`{rule}`' for rule in unconfirmed)} {UNCONFIRMED_WORDS}")
    lines += ["", "#### Findings", ""]
    if not flow.findings:
        lines.append("None: no toolguard rule flagged this request.")
    for f in flow.findings:
        lines.append(f"- **{f['severity']}** `{f['rule']}` at `{f['location']}`: {f['message']}")
    if flow.repairs:
        lines += ["", "#### Repairs (toolguard repair mode)", ""]
        for r in flow.repairs:
            lines.append(
                f"- **{'applied' if r.get('applied') else 'left as is'}** `{r['rule']}` at `{r['location']}`: "
                f"{r.get('description') or ''}".rstrip()
                + (f" Patch: `{_patch_text(r.get('patch_json'))}`" if r.get("applied") else "")
            )
    lines += [
        "",
        "#### The conversation",
        "",
        "Each tool call with the tool message answering it; the broken pair is called out.",
        "",
        "```text",
        _conversation(flow, max_text=600).rstrip("\n"),
        "```",
        "",
        "#### Request headers (secrets redacted)",
        "",
        "```text",
        *[f"{name}: {value}" for name, value in flow.headers().items()],
        "```",
        "",
        f"<sub>Found with toolguard ({row.get('toolguard_version') or '?'}): `toolguard show {flow.id} "
        "--format markdown`.</sub>",
    ]
    return "\n".join(lines) + "\n"


#: Facts that are literal values (a URL, a User-Agent, an id): code in markdown; the rest is prose.
_CODE_FACTS = frozenset({"request", "client", "run"})


def _md_code(value: str) -> str:
    return f"`{value}`" if value and "`" not in value else value


def to_json(flow: StoredFlow) -> dict[str, Any]:
    """The row (request and response bodies parsed when JSON), its findings, cause and verdict words."""
    row = dict(flow.row)
    for column in ("request_json", "request_headers_json", "response_headers_json", "error_json"):
        value = row.pop(column, None)
        try:
            row[column.removesuffix("_json")] = json.loads(value) if value else None
        except ValueError:
            row[column.removesuffix("_json")] = value
    repairs = []
    for r in flow.repairs:
        parsed = dict(r)
        for column in ("patch_json", "request_before", "request_after"):
            value = parsed.pop(column, None)
            try:
                parsed[column.removesuffix("_json")] = json.loads(value) if value else None
            except ValueError:
                parsed[column.removesuffix("_json")] = value
        repairs.append(parsed)
    return {
        "flow": row,
        "findings": flow.findings,
        "repairs": repairs,
        "verdict_words": _verdict_words(flow),
        "upstream": flow.upstream_line(),
        "root_cause": flow.root_cause(),
        # The error findings' rules the answer contradicts (verdict.judge): unconfirmed for this flow.
        "unconfirmed_rules": flow.unconfirmed(),
    }
