"""Client-side repair signatures: texts and ids a client writes when it patched its own history.

Agents that would otherwise get a tool-sequencing 400 repair the history before sending it: they
answer a dangling tool call with a synthetic result, rename a reused provider id, or replace an
empty message with a placeholder. The provider accepts the request, so nothing fails, but the
model now reads an invented tool result and the user never learns that a tool did not run.
These rules make such repairs visible. They are warnings: the request is valid.

Every signature below is quoted from the client that writes it (source on each rule). The check
is one pass over the messages: tool-call ids, and the text of tool messages (string or array of
text parts) plus user messages for the one client that marks an interruption there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RequestView
from toolguard_core.rules.registry import Rule, check, define, policy
from toolguard_core.rules.walk import per_message

QWEN_CODE_REFERENCE = (
    "https://github.com/QwenLM/qwen-code (0.24.4, observed on the wire; docs/guide-qwen-code.md)"
)

_USER = {"role": "user", "content": "List the files"}


def _call(call_id: str, name: str = "run_shell_command") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": '{"command":"ls"}'}}


def _tool_turn(call_id: str, text: str) -> list[dict[str, Any]]:
    return [
        _USER,
        {"role": "assistant", "content": None, "tool_calls": [_call(call_id)]},
        {"role": "tool", "tool_call_id": call_id, "content": [{"type": "text", "text": text}]},
    ]


QWEN_UNRECORDED_TEXT = (
    "Tool execution result was not recorded — likely interrupted by network failure, abort, or process "
    "exit. Treat as failure and retry if needed."
)
QWEN_DUPLICATE_TEXT = (
    'Duplicate provider tool call id "run_shell_command:0" was already handled. The duplicate tool call '
    "was ignored and not executed again. If you intended to run this tool again, re-issue the call with a "
    "new unique tool-call id (or explicitly different arguments)."
)
QWEN_CANCELLED_OLD_TEXT = "[Operation Cancelled] Reason: User cancelled tool execution."
QWEN_CANCELLED_NEW_TEXT = (
    "User intentionally cancelled this tool call. Stop and await further instructions; do not retry or "
    "work around it."
)
LITELLM_PLACEHOLDER_TEXT = (
    "[System: Tool execution skipped/interrupted by user. No result provided for tool 'web_search'.]"
)
LITELLM_EMPTY_TEXT = "[System: Empty message content sanitised to satisfy protocol]"
CLAUDE_CODE_INTERRUPTED_TEXT = "[Request interrupted by user for tool use]"

QWEN_UNRECORDED = define(
    "repairs.qwen-code-unrecorded-tool-result",
    Severity.WARNING,
    "A tool result is qwen-code's synthetic text for a call whose result was never recorded "
    "(the client crashed, was killed or aborted mid-tool, then resumed).",
    policy=policy(otherwise=Severity.WARNING),
    example={"model": "gpt-4o", "messages": _tool_turn("call_1", QWEN_UNRECORDED_TEXT)},
    notes=(
        "Written by qwen-code's `repairOrphanedToolUseTurns` on resume (seen with 0.24.4 after SIGKILL "
        "mid-tool and after `--max-tool-calls` aborts; " + QWEN_CODE_REFERENCE + "). Maintainer: "
        '"Dangling/orphan tool_calls are now auto-closed during history repair" '
        "(https://github.com/QwenLM/qwen-code/issues/2360)."
    ),
    fixed={"model": "gpt-4o", "messages": _tool_turn("call_1", "Command: ls\nOutput: a.txt")},
)
QWEN_DUPLICATE_RESULT = define(
    "repairs.qwen-code-duplicate-id-result",
    Severity.WARNING,
    "A tool result is qwen-code's synthetic answer to a provider tool-call id that was reused, so the "
    "call was not executed again.",
    policy=policy(otherwise=Severity.WARNING),
    example={
        "model": "gpt-4o",
        "messages": _tool_turn("run_shell_command:0__qwen_dup_2", QWEN_DUPLICATE_TEXT),
    },
    notes=(
        "The provider (or gateway) reuses per-turn ids such as `run_shell_command:0` "
        "(https://github.com/QwenLM/qwen-code/issues/8382, https://github.com/QwenLM/qwen-code/pull/5107). "
        "Fix the id generation on the provider side; the model sees a refusal instead of the tool's output."
    ),
    fixed={"model": "gpt-4o", "messages": _tool_turn("call_2", "Command: ls\nOutput: a.txt")},
)
QWEN_RENAMED_ID = define(
    "repairs.qwen-code-renamed-tool-call-id",
    Severity.WARNING,
    "A tool-call id carries qwen-code's `__qwen_dup_N` suffix: the provider reused an id and the client "
    "renamed it before sending.",
    policy=policy(otherwise=Severity.WARNING),
    example={"model": "gpt-4o", "messages": _tool_turn("run_shell_command:0__qwen_dup_2", "Command: ls")},
    notes="https://github.com/QwenLM/qwen-code/pull/9436 (collisions run under `__qwen_dup_` ids).",
    fixed={"model": "gpt-4o", "messages": _tool_turn("call_2", "Command: ls")},
)
QWEN_CANCELLED = define(
    "repairs.qwen-code-cancelled-tool-result",
    Severity.WARNING,
    "A tool result is qwen-code's text for a tool call the user cancelled; the tool did not finish.",
    policy=policy(otherwise=Severity.WARNING),
    example={"model": "gpt-4o", "messages": _tool_turn("call_1", QWEN_CANCELLED_OLD_TEXT)},
    notes=(
        "Old text seen with qwen-code 0.5.0 after SIGINT mid-tool; the newer text comes from "
        "https://github.com/QwenLM/qwen-code/pull/10180 (issue #10170: the model retried cancelled calls)."
    ),
    fixed={"model": "gpt-4o", "messages": _tool_turn("call_1", "Command: ls\nOutput: a.txt")},
)
LITELLM_PLACEHOLDER = define(
    "repairs.litellm-placeholder-tool-result",
    Severity.WARNING,
    "A tool result is LiteLLM's dummy text added by `modify_params` for a tool call that had no result.",
    policy=policy(otherwise=Severity.WARNING),
    example={"model": "gpt-4o", "messages": _tool_turn("call_abc123", LITELLM_PLACEHOLDER_TEXT)},
    notes=(
        "LiteLLM `_add_missing_tool_results` (litellm/litellm_core_utils/prompt_templates/factory.py), "
        "documented at https://docs.litellm.ai/docs/completion/message_sanitization (Case A). "
        "Seen here means the request passed through a LiteLLM with `modify_params=True` before toolguard, "
        "and the history it received had an unanswered tool call."
    ),
    fixed={"model": "gpt-4o", "messages": _tool_turn("call_abc123", "Top results: ...")},
)
LITELLM_EMPTY = define(
    "repairs.litellm-empty-content-placeholder",
    Severity.WARNING,
    "A message's content is LiteLLM's placeholder for empty content (`modify_params`).",
    policy=policy(otherwise=Severity.WARNING),
    example={
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": LITELLM_EMPTY_TEXT}],
    },
    notes="https://docs.litellm.ai/docs/completion/message_sanitization (Case C).",
    fixed={"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]},
)
CLAUDE_CODE_INTERRUPTED = define(
    "repairs.claude-code-interrupted-tool-use",
    Severity.WARNING,
    "A message carries Claude Code's marker for a tool use the user (or the client) interrupted.",
    policy=policy(otherwise=Severity.WARNING),
    example={
        "model": "gpt-4o",
        "messages": [
            *_tool_turn("call_1", CLAUDE_CODE_INTERRUPTED_TEXT)[:2],
            {"role": "tool", "tool_call_id": "call_1", "content": CLAUDE_CODE_INTERRUPTED_TEXT},
        ],
    },
    notes=(
        "Seen when Claude Code talks to an OpenAI-compatible backend through a router. Users report the "
        "marker without having interrupted anything: https://github.com/anthropics/claude-code/issues/21477."
    ),
    fixed={"model": "gpt-4o", "messages": _tool_turn("call_1", "a.txt")},
)


@dataclass(frozen=True, slots=True)
class Signature:
    """A text a client writes when it repairs a message; matched as a substring of the message text."""

    rule: Rule
    needle: str
    what: str
    # Which roles carry it: synthetic tool results are tool messages; placeholders can be anywhere.
    roles: frozenset[str] = frozenset({"tool"})


_ANY = frozenset({"tool", "user", "assistant", "system", "developer"})

SIGNATURES: tuple[Signature, ...] = (
    Signature(
        QWEN_UNRECORDED,
        "Tool execution result was not recorded — likely interrupted by network failure",
        "qwen-code's synthetic result for a call whose result was never recorded (crash or abort, then "
        "resume); the tool may not have run",
    ),
    Signature(
        QWEN_DUPLICATE_RESULT,
        "Duplicate provider tool call id ",
        "qwen-code's synthetic result for a reused provider tool-call id; the call was not executed again",
    ),
    Signature(
        QWEN_CANCELLED,
        "[Operation Cancelled] Reason: User cancelled tool execution",
        "qwen-code's result for a cancelled tool call",
    ),
    Signature(
        QWEN_CANCELLED,
        "User intentionally cancelled this tool call.",
        "qwen-code's result for a cancelled tool call",
    ),
    Signature(
        LITELLM_PLACEHOLDER,
        "[System: Tool execution skipped/interrupted by user. No result provided",
        "LiteLLM's dummy result (modify_params) for a tool call that had no result",
    ),
    Signature(
        LITELLM_EMPTY,
        LITELLM_EMPTY_TEXT,
        "LiteLLM's placeholder (modify_params) for empty content",
        _ANY,
    ),
    Signature(
        CLAUDE_CODE_INTERRUPTED,
        CLAUDE_CODE_INTERRUPTED_TEXT,
        "Claude Code's marker for an interrupted tool use",
        frozenset({"tool", "user"}),
    ),
)
_ROLES_SCANNED = frozenset().union(*(s.roles for s in SIGNATURES))

# A client's synthetic result is a short text standing alone (the longest signature text is under
# 300 characters); a long real tool output that merely quotes one is not a repair. Skipping long
# texts keeps this check from scanning every byte of a 1 MB conversation several times.
_MAX_SYNTHETIC_CHARS = 2048

# qwen-code renames a reused provider id to `<id>__qwen_dup_<N>` (PR #9436).
QWEN_DUP_ID = re.compile(r"__qwen_dup_\d+$")


def _texts(content: Any) -> Iterator[tuple[int | None, str]]:
    """(part index or None, text) for a string content or each text part of an array content."""
    if isinstance(content, str):
        yield None, content
    elif isinstance(content, list):
        for index, part in enumerate(content):
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                yield index, part["text"]


def _excerpt(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@check
@per_message
def check_repair_signatures(view: RequestView, messages: Iterable[tuple[int, Any]]) -> Iterator[Finding]:
    for index, message in messages:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "assistant":
            calls = message.get("tool_calls")
            for call_index, call in enumerate(calls if isinstance(calls, list) else ()):
                call_id = call.get("id") if isinstance(call, dict) else None
                # The substring test first: a regex search per call id of every request costs more.
                if isinstance(call_id, str) and "__qwen_dup_" in call_id and QWEN_DUP_ID.search(call_id):
                    yield from QWEN_RENAMED_ID.report(
                        view,
                        f"messages[{index}].tool_calls[{call_index}].id",
                        f"Tool-call id {call_id} was renamed by qwen-code because the provider reused "
                        f"{QWEN_DUP_ID.sub('', call_id)} for another call. The provider (or gateway) should "
                        "issue unique ids per call.",
                    )
        if not isinstance(role, str) or role not in _ROLES_SCANNED:
            continue
        content = message.get("content")
        if content is None or (isinstance(content, str) and len(content) > _MAX_SYNTHETIC_CHARS):
            continue  # a call-only assistant turn, a long tool output: no text to scan, no generator
        for part, text in _texts(content):
            if len(text) > _MAX_SYNTHETIC_CHARS:
                continue
            for signature in SIGNATURES:
                if role in signature.roles and signature.needle in text:
                    subject = (
                        f"the tool result for {message.get('tool_call_id')}"
                        if role == "tool"
                        else f"messages[{index}] ({role})"
                    )
                    location = (
                        f"messages[{index}].content"
                        if part is None
                        else f"messages[{index}].content[{part}].text"
                    )
                    yield from signature.rule.report(
                        view,
                        location,
                        f"The client repaired its history: {subject} is {signature.what} "
                        f'("{_excerpt(text)}"). The request is valid, but the model reads an invented '
                        "result; find out why the original was missing.",
                    )
                    break
