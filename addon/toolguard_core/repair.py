"""Repair mode's fixes: pure functions that turn a known-broken request into one the provider accepts.

Each fix is tied to one rule id and one *family* (``sequence``, ``params``, ``fields``), enabled
separately with ``toolguard_repair`` (docs/modes.md lists them with their risks). A fix returns a
JSON Patch (RFC 6902) against the body as it is at that step; the patch is applied with the
``jsonpatch`` library, so the patch that is stored is exactly what produced the repaired body and
anyone can replay it. After every patch the body is validated again with the same rules: a patch
that does not remove its finding, or that brings a new error, is thrown away and the finding is
reported as not repaired. A finding without a safe fix is left alone and reported the same way.

No mitmproxy import and no I/O here: the addon copies the body off the flow, calls
:func:`repair_request`, and writes the result back (addon.py).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import jsonpatch

from toolguard_core.analyze import analyse_request
from toolguard_core.choices import Family as Family  # declared free of imports, for the CLI's --help
from toolguard_core.findings import Finding, Severity
from toolguard_core.learned import LEARNED_PREFIX
from toolguard_core.request import Target

#: The marker every synthetic tool result starts with, so a model, a user and a reviewer of the
#: stored conversation can all tell it from a real tool output.
SYNTHETIC_MARK = "[toolguard repair]"
SYNTHETIC_RESULT = (
    SYNTHETIC_MARK + " No result was sent for tool call {call_id} ({name}): the client's history had no "
    "tool message answering it. The tool may not have run; treat the call as failed."
)
ORPHAN_AS_USER = (
    SYNTHETIC_MARK + " A tool result arrived without the call it answers (tool_call_id {call_id}); "
    "its content follows."
)
# A request with more findings than this is repaired only up to here (each step re-validates the body).
MAX_REPAIRS = 64
_MESSAGE = re.compile(r"^messages\[(\d+)\]")
_MESSAGE_KEY = re.compile(r"^messages\[(\d+)\]\.([^.\[]+)$")
_CALL = re.compile(r"^messages\[(\d+)\]\.tool_calls(?:\[(\d+)\]\.id)?$")


class Unanswered(StrEnum):
    """What to do with a tool call that no tool message answers (``toolguard_repair_unanswered``)."""

    #: Add a clearly marked synthetic tool result right after the call's block.
    ANSWER = "answer"
    #: Remove the call from the assistant message (and the message, if nothing else is left in it).
    REMOVE = "remove"


@dataclass(frozen=True, slots=True)
class RepairOptions:
    families: frozenset[Family] = frozenset({Family.SEQUENCE})
    unanswered: Unanswered = Unanswered.ANSWER


@dataclass(frozen=True, slots=True)
class Repair:
    """One applied fix: the finding it removed, and the RFC 6902 patch that removed it."""

    rule: str
    family: Family
    location: str
    description: str
    patch: list[dict[str, Any]]
    before: dict[str, Any]
    after: dict[str, Any]

    def patch_json(self) -> str:
        return json.dumps(self.patch, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class NotRepaired:
    """An error finding left as it was, and why (no fix, family off, unsafe, or the fix failed)."""

    rule: str
    location: str
    reason: str


@dataclass(slots=True)
class RepairResult:
    body: dict[str, Any]
    repairs: list[Repair] = field(default_factory=list)
    not_repaired: list[NotRepaired] = field(default_factory=list)
    #: The findings of the repaired body (the original findings when nothing was repaired).
    findings_after: list[Finding] = field(default_factory=list)
    #: The repaired body as it goes on the wire (:func:`encode`); None when nothing was repaired.
    content: bytes | None = None

    @property
    def changed(self) -> bool:
        return bool(self.repairs)


class Unsafe(Exception):
    """A fix declines: the finding is real but cannot be repaired without guessing."""


Fix = Callable[[dict[str, Any], Finding, RepairOptions], tuple[list[dict[str, Any]], str]]


@dataclass(frozen=True, slots=True)
class FixSpec:
    family: Family
    fix: Fix
    #: What the fix does, for docs/modes.md and the report.
    summary: str


# --------------------------------------------------------------------------- helpers


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON Pointer (``~`` and ``/`` escaped in keys)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _messages(body: dict[str, Any]) -> list[Any]:
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise Unsafe("the request has no messages list")
    return messages


def _message_index(location: str) -> int:
    match = _MESSAGE.match(location)
    if match is None:
        raise Unsafe(f"no message index in {location!r}")
    return int(match.group(1))


def _tool_call_ids(message: Any) -> list[str]:
    if not isinstance(message, dict) or message.get("role") != "assistant":
        return []
    calls = message.get("tool_calls")
    if not isinstance(calls, list):
        return []
    return [c["id"] for c in calls if isinstance(c, dict) and isinstance(c.get("id"), str) and c["id"]]


def _block_end(messages: list[Any], assistant_index: int) -> int:
    """The index right after the contiguous tool messages that follow ``assistant_index``."""
    end = assistant_index + 1
    while end < len(messages) and isinstance(messages[end], dict) and messages[end].get("role") == "tool":
        end += 1
    return end


def _role(message: Any) -> Any:
    return message.get("role") if isinstance(message, dict) else None


# --------------------------------------------------------------------------- sequence fixes


def _remove_orphan(
    body: dict[str, Any], finding: Finding, options: RepairOptions
) -> tuple[list[dict[str, Any]], str]:
    messages = _messages(body)
    index = _message_index(finding.location)
    message = messages[index] if index < len(messages) else None
    if _role(message) != "tool":
        raise Unsafe(f"messages[{index}] is not a tool message")
    tool_call_id = message.get("tool_call_id")
    # A result whose call comes later is misordered, not orphaned: removing it would lose a real
    # tool output, and moving it before its call would not make sense either.
    if any(tool_call_id in _tool_call_ids(m) for m in messages[index + 1 :]):
        raise Unsafe(f"the call {tool_call_id} comes after its result; the order needs a human")
    others = messages[:index] + messages[index + 1 :]
    if any(_role(m) in ("user", "assistant") for m in others):
        return [{"op": "remove", "path": pointer("messages", index)}], (
            f"removed the tool message messages[{index}] (tool_call_id {tool_call_id}): no call it answers"
        )
    # Nothing of the conversation would be left (LangChain's lone ToolMessage): keep what the tool
    # said, as a user message that says where it came from, instead of sending an empty request.
    note = ORPHAN_AS_USER.format(call_id=tool_call_id)
    content = message.get("content")
    if isinstance(content, list):
        value: Any = [{"type": "text", "text": note}, *content]
    else:
        value = f"{note}\n{content if content is not None else ''}"
    return [
        {"op": "replace", "path": pointer("messages", index), "value": {"role": "user", "content": value}}
    ], (
        f"turned the tool message messages[{index}] (tool_call_id {tool_call_id}), which answers no call and "
        "is all the conversation has, into a user message marked as toolguard's"
    )


def _remove_unknown_id(
    body: dict[str, Any], finding: Finding, options: RepairOptions
) -> tuple[list[dict[str, Any]], str]:
    messages = _messages(body)
    index = _message_index(finding.location)
    tool_call_id = messages[index].get("tool_call_id") if isinstance(messages[index], dict) else None
    if any(tool_call_id in _tool_call_ids(m) for m in messages):
        raise Unsafe(
            f"{tool_call_id} is a real call elsewhere in the conversation; the pairing needs a human"
        )
    return [{"op": "remove", "path": pointer("messages", index)}], (
        f"removed the tool message messages[{index}]: its tool_call_id {tool_call_id} matches no call"
    )


def _drop_duplicate(
    body: dict[str, Any], finding: Finding, options: RepairOptions
) -> tuple[list[dict[str, Any]], str]:
    messages = _messages(body)
    index = _message_index(finding.location)
    duplicate = messages[index]
    tool_call_id = duplicate.get("tool_call_id") if isinstance(duplicate, dict) else None
    first = next(
        (m for m in messages[:index] if _role(m) == "tool" and m.get("tool_call_id") == tool_call_id),
        None,
    )
    if first is None:
        raise Unsafe(f"no earlier answer to {tool_call_id}")
    # Two different results for one call: which one the model should see is not ours to decide.
    if first.get("content") != duplicate.get("content"):
        raise Unsafe(f"the two answers to {tool_call_id} differ; keeping one would hide the other")
    return [{"op": "remove", "path": pointer("messages", index)}], (
        f"dropped messages[{index}], a second, identical answer to {tool_call_id}"
    )


def _move_late_answer(
    body: dict[str, Any], finding: Finding, options: RepairOptions
) -> tuple[list[dict[str, Any]], str]:
    messages = _messages(body)
    index = _message_index(finding.location)
    answer = messages[index]
    tool_call_id = answer.get("tool_call_id") if isinstance(answer, dict) else None
    call_index = next(
        (i for i in range(index - 1, -1, -1) if tool_call_id in _tool_call_ids(messages[i])), None
    )
    if call_index is None:
        raise Unsafe(f"no earlier call {tool_call_id}")
    target = _block_end(messages, call_index)
    return [{"op": "move", "from": pointer("messages", index), "path": pointer("messages", target)}], (
        f"moved the answer to {tool_call_id} from messages[{index}] to messages[{target}], right after "
        f"its call at messages[{call_index}]"
    )


def _answer_unanswered(
    body: dict[str, Any], finding: Finding, options: RepairOptions
) -> tuple[list[dict[str, Any]], str]:
    messages = _messages(body)
    match = _CALL.match(finding.location)
    if match is None:
        raise Unsafe(f"not a tool-call location: {finding.location}")
    index = int(match.group(1))
    assistant = messages[index]
    end = _block_end(messages, index)
    answered = {m.get("tool_call_id") for m in messages[index + 1 : end]}
    calls = assistant.get("tool_calls") if isinstance(assistant, dict) else None
    if not isinstance(calls, list):
        raise Unsafe(f"messages[{index}] has no tool_calls")
    # A call answered later in the conversation is non-adjacent (moved by its own fix), not unanswered.
    later = {m.get("tool_call_id") for m in messages[end:] if _role(m) == "tool"}
    open_calls = [
        (i, c)
        for i, c in enumerate(calls)
        if isinstance(c, dict) and isinstance(c.get("id"), str) and c["id"] not in answered | later
    ]
    if not open_calls:
        raise Unsafe(f"every call of messages[{index}] is answered somewhere")
    ids = ", ".join(c["id"] for _, c in open_calls)
    if options.unanswered is Unanswered.REMOVE:
        ops: list[dict[str, Any]] = []
        if len(open_calls) == len(calls):
            content = assistant.get("content")
            if content is None or content == "" or content == []:
                # Nothing left of the message: drop it whole (an empty assistant message is an error too).
                return [{"op": "remove", "path": pointer("messages", index)}], (
                    f"removed messages[{index}], an assistant message whose only content was the unanswered "
                    f"call(s) {ids}"
                )
            ops.append({"op": "remove", "path": pointer("messages", index, "tool_calls")})
        else:
            # Highest index first, so each pointer still names the call it was computed for.
            for call_index, _ in sorted(open_calls, reverse=True):
                ops.append({"op": "remove", "path": pointer("messages", index, "tool_calls", call_index)})
        return ops, f"removed the unanswered call(s) {ids} from messages[{index}]"
    ops = []
    for offset, (_, call) in enumerate(open_calls):
        function = call.get("function") if isinstance(call.get("function"), dict) else {}
        name = function.get("name") if isinstance(function.get("name"), str) else "unknown tool"
        synthetic = {
            "role": "tool",
            "tool_call_id": call["id"],
            "content": SYNTHETIC_RESULT.format(call_id=call["id"], name=name),
        }
        ops.append({"op": "add", "path": pointer("messages", end + offset), "value": synthetic})
    return ops, (
        f"answered the call(s) {ids} of messages[{index}] with a synthetic tool result marked "
        f"{SYNTHETIC_MARK!r} at messages[{end}]"
    )


_INPUT_CALL = re.compile(r"^input\[(\d+)\](?:\.call_id)?$")
#: The Responses API's call items and the items answering them (conversation.py says the same).
_RESPONSES_CALLS = frozenset({"function_call", "custom_tool_call", "local_shell_call"})
_RESPONSES_OUTPUTS = frozenset({"function_call_output", "custom_tool_call_output", "local_shell_call_output"})


def _answer_unanswered_item(
    body: dict[str, Any], finding: Finding, options: RepairOptions
) -> tuple[list[dict[str, Any]], str]:
    """The Responses API twin of :func:`_answer_unanswered`: a ``function_call`` item no output
    answers gets a marked synthetic ``function_call_output`` right after its run of call and output
    items (or, with ``toolguard_repair_unanswered=remove``, the call item is removed)."""
    items = body.get("input")
    match = _INPUT_CALL.match(finding.location)
    if not isinstance(items, list) or match is None or int(match.group(1)) >= len(items):
        raise Unsafe(f"not a call item location: {finding.location}")
    index = int(match.group(1))
    call = items[index]
    if not isinstance(call, dict) or call.get("type") not in _RESPONSES_CALLS:
        raise Unsafe(f"input[{index}] is not a call item")
    call_id = call.get("call_id")
    if not isinstance(call_id, str) or any(
        isinstance(i, dict) and i.get("type") in _RESPONSES_OUTPUTS and i.get("call_id") == call_id
        for i in items[index + 1 :]
    ):
        raise Unsafe(f"the call at input[{index}] has no call_id or is answered later")
    if options.unanswered is Unanswered.REMOVE:
        return [{"op": "remove", "path": pointer("input", index)}], (
            f"removed the unanswered call {call_id} at input[{index}]"
        )
    end = index + 1
    kinds = _RESPONSES_CALLS | _RESPONSES_OUTPUTS
    while end < len(items) and isinstance(items[end], dict) and items[end].get("type") in kinds:
        end += 1
    name = call.get("name") if isinstance(call.get("name"), str) else "unknown tool"
    output_type = "function_call_output" if call["type"] == "function_call" else f"{call['type']}_output"
    synthetic = {
        "type": output_type,
        "call_id": call_id,
        "output": SYNTHETIC_RESULT.format(call_id=call_id, name=name),
    }
    return [{"op": "add", "path": pointer("input", end), "value": synthetic}], (
        f"answered the call {call_id} of input[{index}] with a synthetic output marked "
        f"{SYNTHETIC_MARK!r} at input[{end}]"
    )


# --------------------------------------------------------------------------- params fixes


def _top_level_key(body: dict[str, Any], finding: Finding) -> str:
    key = finding.location
    if key not in body:
        raise Unsafe(f"no top-level field {key!r}")
    return key


def _rename_max_tokens(
    body: dict[str, Any], finding: Finding, options: RepairOptions
) -> tuple[list[dict[str, Any]], str]:
    if "max_tokens" not in body:
        raise Unsafe("no max_tokens")
    if "max_completion_tokens" in body:
        return [{"op": "remove", "path": "/max_tokens"}], (
            "removed max_tokens: max_completion_tokens is already set and the model only takes that one"
        )
    return [{"op": "move", "from": "/max_tokens", "path": "/max_completion_tokens"}], (
        f"renamed max_tokens ({body['max_tokens']}) to max_completion_tokens, the only limit the model takes"
    )


def _drop_param(
    body: dict[str, Any], finding: Finding, options: RepairOptions
) -> tuple[list[dict[str, Any]], str]:
    key = _top_level_key(body, finding)
    return [{"op": "remove", "path": pointer(key)}], (
        f"dropped the field {key} ({_short(body[key])}), which the provider or model rejects"
    )


# --------------------------------------------------------------------------- fields fixes


def _strip_message_key(
    body: dict[str, Any], finding: Finding, options: RepairOptions
) -> tuple[list[dict[str, Any]], str]:
    match = _MESSAGE_KEY.match(finding.location)
    if match is None:
        raise Unsafe(f"not a message field: {finding.location}")
    index, key = int(match.group(1)), match.group(2)
    messages = _messages(body)
    if index >= len(messages) or not isinstance(messages[index], dict) or key not in messages[index]:
        raise Unsafe(f"messages[{index}] has no {key}")
    if key in ("role", "content", "tool_calls", "tool_call_id"):
        raise Unsafe(f"{key} carries the conversation; stripping it would change its meaning")
    return [{"op": "remove", "path": pointer("messages", index, key)}], (
        f"stripped {key} from messages[{index}] ({_role(messages[index])}), a field the server rejects"
    )


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: Rule id → its fix. A rule that is not here is never repaired (its findings are reported).
FIXES: dict[str, FixSpec] = {
    "sequence.orphan-tool-message": FixSpec(
        Family.SEQUENCE, _remove_orphan, "remove the tool message (unless its call comes later)"
    ),
    "sequence.unknown-tool-call-id": FixSpec(
        Family.SEQUENCE, _remove_unknown_id, "remove the tool message when its id matches no call at all"
    ),
    "sequence.duplicate-tool-response": FixSpec(
        Family.SEQUENCE, _drop_duplicate, "drop the second answer when it is identical to the first"
    ),
    "sequence.non-adjacent-tool-response": FixSpec(
        Family.SEQUENCE, _move_late_answer, "move the late answer into the block right after its call"
    ),
    "sequence.unanswered-tool-call": FixSpec(
        Family.SEQUENCE,
        _answer_unanswered,
        "answer the call with a marked synthetic tool result (or remove the call: "
        "toolguard_repair_unanswered=remove)",
    ),
    # OpenAI: "No tool output found for function call call_...", the Responses API's unanswered call.
    "responses.unanswered-function-call": FixSpec(
        Family.SEQUENCE,
        _answer_unanswered_item,
        "answer the call item with a marked synthetic function_call_output (or remove it: "
        "toolguard_repair_unanswered=remove)",
    ),
    "params.max-tokens-on-reasoning-model": FixSpec(
        Family.PARAMS, _rename_max_tokens, "rename max_tokens to max_completion_tokens"
    ),
    "params.temperature-on-reasoning-model": FixSpec(Family.PARAMS, _drop_param, "drop temperature"),
    "params.unsupported-for-model": FixSpec(Family.PARAMS, _drop_param, "drop the field the model rejects"),
    "params.rejected-by-provider": FixSpec(Family.PARAMS, _drop_param, "drop the field the provider rejects"),
    "params.reasoning-effort-unsupported": FixSpec(Family.PARAMS, _drop_param, "drop reasoning_effort"),
    "params.stream-options-without-stream": FixSpec(Family.PARAMS, _drop_param, "drop stream_options"),
    "params.unknown": FixSpec(Family.PARAMS, _drop_param, "drop the field the provider does not know"),
    # The model catalog's rules (rules/model.py) judge the same fields by the model on any host.
    "model.max-tokens-on-reasoning-model": FixSpec(
        Family.PARAMS, _rename_max_tokens, "rename max_tokens to max_completion_tokens"
    ),
    "model.sampling-on-reasoning-model": FixSpec(
        Family.PARAMS, _drop_param, "drop the sampling field the reasoning model rejects"
    ),
    "model.parallel-tool-calls-unsupported": FixSpec(Family.PARAMS, _drop_param, "drop parallel_tool_calls"),
    "roles.unknown-message-key": FixSpec(Family.FIELDS, _strip_message_key, "strip the key from the message"),
    "roles.name-unsupported": FixSpec(Family.FIELDS, _strip_message_key, "strip name from the message"),
    # Learned constraints (learned.py, docs/learned.md): the upstream named the field it rejected,
    # so dropping it again is what the upstream asked for. Values, roles, content types and
    # tool_choice forms it rejected have no fix that keeps the conversation's meaning.
    "learned.param": FixSpec(Family.LEARNED, _drop_param, "drop the parameter this upstream rejected before"),
    "learned.field": FixSpec(Family.LEARNED, _drop_param, "drop the field this upstream rejected before"),
    "learned.message-field": FixSpec(
        Family.LEARNED, _strip_message_key, "strip the message field this upstream rejected before"
    ),
}


# --------------------------------------------------------------------------- options


def parse_families(value: str | Sequence[str]) -> frozenset[Family]:
    """``"sequence,params"`` (or a list of such strings) → the families; raises ValueError on a typo."""
    items = [value] if isinstance(value, str) else list(value)
    names = [n.strip().lower() for item in items for n in item.split(",") if n.strip()]
    known = {f.value for f in Family}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(
            f"unknown repair famil{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
            f"expected some of {', '.join(sorted(known))}"
        )
    return frozenset(Family(n) for n in names)


def parse_unanswered(value: str) -> Unanswered:
    """``answer`` or ``remove`` (case-insensitive); ValueError names the choices."""
    try:
        return Unanswered(value.strip().lower())
    except ValueError:
        choices = " or ".join(repr(u.value) for u in Unanswered)
        raise ValueError(f"expected {choices}, got {value!r}") from None


# --------------------------------------------------------------------------- the driver


def _errors(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == Severity.ERROR]


def _order(finding: Finding) -> tuple[int, int]:
    """Highest message index first, top-level fields after messages: removing or moving a late
    message never shifts the index of an earlier one, so the remaining findings stay where they are."""
    match = _MESSAGE.match(finding.location)
    return (0, -int(match.group(1))) if match else (1, 0)


def repair_request(
    body: dict[str, Any],
    target: Target,
    findings: Sequence[Finding],
    options: RepairOptions,
    *,
    max_body_bytes: int | None = None,
) -> RepairResult:
    """Apply the enabled fixes to the error findings of ``body`` (analysed for ``target``).

    ``body`` is not modified. Each fix is applied alone, then the whole body is validated again: it is
    kept only when its rule's error count went down and no new error appeared. Stops after
    :data:`MAX_REPAIRS` steps."""
    current = body
    current_findings = list(findings)
    result = RepairResult(body=body, findings_after=list(findings))
    declined: set[tuple[str, str]] = set()  # (rule, location) already tried or skipped
    for _ in range(MAX_REPAIRS):
        candidates = sorted(
            (f for f in _errors(current_findings) if (f.rule, f.location) not in declined), key=_order
        )
        step = None
        for finding in candidates:
            spec = FIXES.get(finding.rule)
            if spec is None or spec.family not in options.families:
                declined.add((finding.rule, finding.location))
                continue
            step = (finding, spec)
            break
        if step is None:
            break
        finding, spec = step
        try:
            patch, description = spec.fix(current, finding, options)
            repaired = jsonpatch.apply_patch(current, patch)
        except (Unsafe, jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, LookupError) as exc:
            declined.add((finding.rule, finding.location))
            result.not_repaired.append(NotRepaired(finding.rule, finding.location, _reason(exc)))
            continue
        after = analyse_request(
            json.dumps(repaired).encode(),
            target.url,
            target=target,
            **({"max_body_bytes": max_body_bytes} if max_body_bytes is not None else {}),
        ).findings
        # The learned findings come from what the upstream taught, not from the rules run here:
        # the ones this step did not fix are carried over (each is fixed, or reported, in turn).
        after += [
            f
            for f in current_findings
            if f.rule.startswith(LEARNED_PREFIX) and (f.rule, f.location) != (finding.rule, finding.location)
        ]
        if not _improves(current_findings, after, finding.rule):
            declined.add((finding.rule, finding.location))
            result.not_repaired.append(
                NotRepaired(
                    finding.rule,
                    finding.location,
                    "the fix did not remove the finding or brought a new error; not applied",
                )
            )
            continue
        result.repairs.append(
            Repair(
                rule=finding.rule,
                family=spec.family,
                location=finding.location,
                description=description,
                patch=patch,
                before=current,
                after=repaired,
            )
        )
        current, current_findings = repaired, after
    if result.repairs:
        try:
            result.content = encode(current)
        except ValueError:
            # A number JSON cannot write back (1e400 parses as inf and would go out as Infinity,
            # which no JSON parser accepts): the repaired body would not say what the client said.
            reason = "the repaired body cannot be written as the JSON that came (a number out of range)"
            result.not_repaired.extend(NotRepaired(r.rule, r.location, reason) for r in result.repairs)
            result.repairs = []
            current, current_findings = body, list(findings)
    # What is still wrong and was never attempted: off families and rules without a fix.
    attempted = {(n.rule, n.location) for n in result.not_repaired}
    for finding in _errors(current_findings):
        if (finding.rule, finding.location) in attempted:
            continue
        spec = FIXES.get(finding.rule)
        reason = (
            "no safe repair for this rule"
            if spec is None
            else f"the {spec.family} repairs are off (toolguard_repair)"
        )
        result.not_repaired.append(NotRepaired(finding.rule, finding.location, reason))
    result.body = current
    result.findings_after = current_findings
    return result


def encode(body: dict[str, Any]) -> bytes:
    """The repaired body as bytes: UTF-8 as clients send it, and a lone surrogate (valid in JSON as
    an escape, not encodable as UTF-8) escaped the way it came. ValueError for a non-finite number."""
    try:
        return json.dumps(body, ensure_ascii=False, allow_nan=False).encode()
    except UnicodeEncodeError:
        return json.dumps(body, allow_nan=False).encode()


def _improves(before: Sequence[Finding], after: Sequence[Finding], rule: str) -> bool:
    old, new = Counter(f.rule for f in _errors(before)), Counter(f.rule for f in _errors(after))
    if new[rule] >= old[rule]:
        return False
    return all(new[r] <= old[r] for r in new)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, Unsafe):
        return f"not safe to repair: {exc}"
    return f"the fix could not be applied: {exc!r}"


def summarise(repairs: Collection[Repair]) -> str:
    """One line for a flow comment: how many repairs, of which rules."""
    rules = Counter(r.rule for r in repairs)
    return ", ".join(f"{rule}×{n}" if n > 1 else rule for rule, n in rules.items())
