"""Tool-call sequence rules: every assistant ``tool_calls`` entry is answered exactly once, by a
``tool`` message in the contiguous block right after it, and no tool message stands anywhere else.

This is the most frequent agent-side 400 (providers.md §6.3; the LangChain INVALID_TOOL_RESULTS
page shows the three canonical cases). The check is one pass over the messages, plus an index of
where each ``tool_call_id`` is answered so that a late answer is reported once, as non-adjacent,
instead of as an unanswered call *and* an orphan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RequestView
from toolguard_core.rules.history import Entry, Split
from toolguard_core.rules.registry import PredictedError, check, define, policy

LANGCHAIN_SEED = "https://python.langchain.com/docs/troubleshooting/errors/INVALID_TOOL_RESULTS/"

OPENAI_ORPHAN = PredictedError(
    provider="openai",
    text=(
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
        "with 'tool_calls'."
    ),
    source=LANGCHAIN_SEED,
    param="messages.[0].role",
)
OPENAI_ORPHAN_NEW = PredictedError(
    provider="openai",
    text="Messages with role 'tool' must be a response to a preceding message with 'tool_calls'",
    source="https://github.com/qwersyk/Newelle/issues/425",
)
DEEPSEEK_ORPHAN = PredictedError(
    provider="deepseek",
    text="Messages with role 'tool' must be a response to a preceding message with 'tool_calls'",
    source="https://github.com/FoundationAgents/OpenManus/issues/744",
)
DASHSCOPE_ORPHAN = PredictedError(
    provider="dashscope",
    text=(
        '<400> InternalError.Algo.InvalidParameter: messages with role "tool" must be a response to a '
        'preceeding message with "tool_calls".'
    ),
    source="https://github.com/philschmid/mcp-openai-gemini-llama-example/pull/5",
)
OPENAI_UNANSWERED = PredictedError(
    provider="openai",
    text=(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        "'tool_call_id'. The following tool_call_ids did not have response messages: "
        "call_mjLuNyXNHoUIXHiBtXhaWdxN"
    ),
    source=LANGCHAIN_SEED,
    param="messages",
)
DASHSCOPE_UNANSWERED = PredictedError(
    provider="dashscope",
    text=(
        '<400> InternalError.Algo.InvalidParameter: An assistant message with "tool_calls" must be '
        'followed by tool messages responding to each "tool_call_id". The following tool_call_ids did '
        "not have response messages: message[532].role"
    ),
    source="https://github.com/QwenLM/qwen-code/issues/606",
)
MOONSHOT_UNANSWERED = PredictedError(
    provider="moonshot",
    text=(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        "'tool_call_id'. The following tool_call_ids did not have response messages: "
        "(insufficient tool messages following tool_calls message)"
    ),
    source="https://github.com/MoonshotAI/kimi-cli/issues/2405",
)

_CALL = {"id": "call_1", "type": "function", "function": {"name": "foo_tool", "arguments": "{}"}}
_CALL2 = {"id": "call_2", "type": "function", "function": {"name": "foo_tool", "arguments": "{}"}}
_USER = {"role": "user", "content": 'Call tool "foo" twice with no arguments'}
#: Self-hosted servers (vLLM, SGLang, llama.cpp, Ollama) do not validate pairing in their OpenAI layer
#: (providers.md §6.3): a broken pair there is a warning, the chat template may or may not fail on it.
_PAIRING = policy(warning=("self-hosted",), otherwise=Severity.ERROR)

ORPHAN = define(
    "sequence.orphan-tool-message",
    Severity.ERROR,
    "A tool message is not in the contiguous block right after an assistant message with `tool_calls`.",
    policy=_PAIRING,
    predicts=(OPENAI_ORPHAN, OPENAI_ORPHAN_NEW, DEEPSEEK_ORPHAN, DASHSCOPE_ORPHAN),
    example={
        "model": "gpt-4o",
        "messages": [{"role": "tool", "content": "action completed!", "tool_call_id": "dummy"}],
    },
    fixed={"model": "gpt-4o", "messages": [_USER]},
)
UNKNOWN_ID = define(
    "sequence.unknown-tool-call-id",
    Severity.ERROR,
    "A tool message's `tool_call_id` is not one of the calls of the assistant message it follows.",
    policy=_PAIRING,
    predicts=(OPENAI_ORPHAN, OPENAI_UNANSWERED),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "content": "done", "tool_call_id": "call_9"},
        ],
    },
    fixed={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "content": "done", "tool_call_id": "call_1"},
        ],
    },
)
UNANSWERED = define(
    "sequence.unanswered-tool-call",
    Severity.ERROR,
    "An assistant `tool_calls` entry has no tool message answering it in the block right after it.",
    policy=_PAIRING,
    predicts=(OPENAI_UNANSWERED, DASHSCOPE_UNANSWERED, MOONSHOT_UNANSWERED),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL, _CALL2]},
            {"role": "tool", "content": "action complete!", "tool_call_id": "call_1"},
        ],
    },
    fixed={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL, _CALL2]},
            {"role": "tool", "content": "action complete!", "tool_call_id": "call_1"},
            {"role": "tool", "content": "not run", "tool_call_id": "call_2"},
        ],
    },
)
DUPLICATE_RESPONSE = define(
    "sequence.duplicate-tool-response",
    Severity.ERROR,
    "A second tool message answers a `tool_call_id` that was already answered.",
    policy=_PAIRING,
    predicts=(OPENAI_ORPHAN,),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL, _CALL2]},
            {"role": "tool", "content": "action complete!", "tool_call_id": "call_1"},
            {"role": "tool", "content": "action complete!", "tool_call_id": "call_2"},
            {"role": "tool", "content": "action complete!", "tool_call_id": "call_2"},
        ],
    },
    fixed={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL, _CALL2]},
            {"role": "tool", "content": "action complete!", "tool_call_id": "call_1"},
            {"role": "tool", "content": "action complete!", "tool_call_id": "call_2"},
        ],
    },
)
NON_ADJACENT = define(
    "sequence.non-adjacent-tool-response",
    Severity.ERROR,
    "A tool call is answered only later, after a user, system or assistant message came in between.",
    policy=_PAIRING,
    predicts=(OPENAI_UNANSWERED, OPENAI_ORPHAN),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "user", "content": "<system-reminder>still there?</system-reminder>"},
            {"role": "tool", "content": "done", "tool_call_id": "call_1"},
        ],
    },
    notes="The answer exists, so the fix is to move it, not to invent one (qwen-code PR #4622).",
    fixed={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "content": "done", "tool_call_id": "call_1"},
            {"role": "user", "content": "<system-reminder>still there?</system-reminder>"},
        ],
    },
)
#: OpenRouter model ids whose backends refuse a repeated tool-call id (DUPLICATE_CALL_ID's condition).
_STRICT_IDS = re.compile(r"(?:anthropic|openai)/", re.IGNORECASE)
_STRICT_IDS_UNKNOWN = "only OpenRouter's Claude and OpenAI backends are known to refuse a repeated id"
DUPLICATE_CALL_ID = define(
    "sequence.duplicate-tool-call-id",
    Severity.WARNING,
    "Two tool calls in one request share an id, so their answers are ambiguous.",
    # OpenRouter hands the conversation to providers that key tool calls by id: Claude (Anthropic's
    # validator) and OpenAI's models served through Azure's Responses backend refuse a repeated id.
    policy=policy(
        error=("openrouter",),
        otherwise=Severity.WARNING,
        conditions={"openrouter": "anthropic/* and openai/* models"},
    ),
    predicts=(
        PredictedError(
            provider="openrouter",
            text=(
                'litellm.BadRequestError: OpenrouterException - {"error":{"message":"Provider returned '
                'error","code":400,"metadata":{"raw":... "invalid_request_error", "message": '
                '"messages.1.content.1: `tool_use` ids must be unique"'
            ),
            # Claude Code through two LiteLLM proxies to OpenRouter and claude-opus-4.6.
            source="https://github.com/BerriAI/litellm/issues/23510",
        ),
        PredictedError(
            provider="openrouter",
            text="[Azure] Duplicate item found with id fc_2. Remove duplicate items from your input and try again.",
            # opencode with openrouter/gpt-5.4 after parallel tool calls.
            source="https://github.com/anomalyco/opencode/issues/32748",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "content": "a", "tool_call_id": "call_1"},
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "content": "b", "tool_call_id": "call_1"},
        ],
    },
    notes=(
        "Per-turn ids such as `run_shell_command:0` reused every turn (qwen-code #606, #8382), ids a model "
        "switch carried over, a retried call kept under its id. OpenAI's own Chat Completions behaviour for "
        "ids reused across turns is not confirmed, hence a warning there; through OpenRouter the Claude and "
        "OpenAI backends refuse them."
    ),
    fixed={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "content": "a", "tool_call_id": "call_1"},
            {"role": "assistant", "content": None, "tool_calls": [_CALL2]},
            {"role": "tool", "content": "b", "tool_call_id": "call_2"},
        ],
    },
)


@dataclass(slots=True)
class _Call:
    id: str
    message_index: int
    call_index: int


@dataclass(slots=True)
class _Block:
    """The assistant message with tool_calls whose contiguous tool block is being read."""

    message_index: int
    calls: list[_Call]
    ids: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)


class _Sites:
    """Where each tool_call_id is answered (a late answer is reported once, as non-adjacent) and
    where each id is first called (an orphan whose call comes later is explained as misordered).
    Read only when a call goes unanswered in its block or a tool message is an orphan, so walked
    over the whole conversation only then: a valid agent conversation, the common case, never needs
    them (an extra walk of every message per request, issue #12)."""

    __slots__ = ("_answers", "_call_sites", "_messages")

    def __init__(self, messages: list[Any]) -> None:
        self._messages = messages
        self._answers: dict[str, list[int]] | None = None
        self._call_sites: dict[str, int] | None = None

    def answers(self) -> dict[str, list[int]]:
        if self._answers is None:
            self._walk()
        assert self._answers is not None
        return self._answers

    def call_sites(self) -> dict[str, int]:
        if self._call_sites is None:
            self._walk()
        assert self._call_sites is not None
        return self._call_sites

    def _walk(self) -> None:
        answers: dict[str, list[int]] = {}
        call_sites: dict[str, int] = {}
        for index, message in enumerate(self._messages):
            if isinstance(message, dict) and message.get("role") == "tool":
                tool_call_id = message.get("tool_call_id")
                if isinstance(tool_call_id, str) and tool_call_id:
                    answers.setdefault(tool_call_id, []).append(index)
            elif isinstance(message, dict) and message.get("role") == "assistant":
                for call in _tool_calls_of(message) or ():
                    call_id = call.get("id") if isinstance(call, dict) else None
                    if isinstance(call_id, str) and call_id:
                        call_sites.setdefault(call_id, index)
        self._answers, self._call_sites = answers, call_sites


#: The name a block's summary is kept under (history.Entry.summaries).
_SUMMARY = "sequence.tool-sequence"
_UNSET = object()


@dataclass(slots=True)
class _Summary:
    """What the walk of a remembered block does from its first message that is not a tool message
    (``first``) to its end, when it reports nothing there whatever came before, except for what is
    checked where the block is met: an id called before the part and called again inside it. Derived
    from the block's messages alone
    (:func:`_summarise`), so kept with the block under no other key; indices are those of a block
    whose first message is ``messages[base]``, moved where the block is met (:meth:`placed`).

    Every tool message of the part answers a call of the assistant message right before its tool
    block, once, so the walk there never reads what came before the part: the block before it is
    closed by the part's first message (where it is met, findings and all), every call of the part
    answered inside it is answered at once, and only the part's last assistant message's tool block
    (``tail``) stays open, to be answered or closed by what follows."""

    first: int
    base: int
    calls: dict[str, _Call]  # every call of the part (none repeats an id), by its id
    answered: set[str]
    tail: _Block | None

    def placed(self, at: int) -> tuple[dict[str, _Call], _Block | None]:
        """The part's calls and its open tool block, for a part that starts at ``messages[at]``."""
        shift = at - self.base - self.first
        calls = self.calls
        if shift:
            calls = {i: _Call(i, c.message_index + shift, c.call_index) for i, c in calls.items()}
        tail = self.tail
        if tail is None:
            return calls, None
        # A fresh block each time: the walk adds the answers that follow the part to it.
        return calls, _Block(
            tail.message_index + shift, [calls[c.id] for c in tail.calls], set(tail.ids), set(tail.answered)
        )


class _Skip:
    """Told to the walk where a summarised part starts; ``taken`` when the walk applied it."""

    __slots__ = ("summary", "taken")

    def __init__(self, summary: _Summary) -> None:
        self.summary = summary
        self.taken = False


def _crosses(summary: _Summary, calls_by_id: dict[str, _Call]) -> bool:
    """Whether an id the part calls was called before it (keys views: the smaller set is iterated)."""
    return not summary.calls.keys().isdisjoint(calls_by_id.keys())


def _summary_of(entry: Entry, start: int) -> _Summary | None:
    """The block's summary, derived the first time it is met: a function of its messages alone, so
    kept with the block (found again by its exact bytes) under no other key."""
    summary = entry.summaries.get(_SUMMARY, _UNSET)
    if summary is _UNSET:
        summary = entry.summaries[_SUMMARY] = _summarise(entry.values, start)
    return summary


def _summarise(values: tuple[Any, ...], base: int) -> _Summary | None:
    """The walk of ``_tool_sequence`` over ``values`` from their first message that is not a tool
    message, with nothing before it, as long as it reports nothing; None when it would report (it then
    walks the block each time) or the block holds no such message. Mirrors the walk's branches: a tool
    message without a usable id is passed by (shape.py reports it), one that is not the next answer of
    the open block's calls is reported, so is a call id repeated, and a block closed unanswered."""
    first = next((i for i, m in enumerate(values) if isinstance(m, dict) and m.get("role") != "tool"), None)
    if first is None:
        return None
    calls: dict[str, _Call] = {}
    answered: set[str] = set()
    block: _Block | None = None
    for index in range(first, len(values)):
        message = values[index]
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "tool":
            tool_call_id = message.get("tool_call_id")
            if not isinstance(tool_call_id, str) or not tool_call_id:
                continue
            if block is None or tool_call_id not in block.ids or tool_call_id in block.answered:
                return None
            block.answered.add(tool_call_id)
            answered.add(tool_call_id)
            continue
        if block is not None:
            if len(block.answered) != len(block.ids):
                return None
            block = None
        if role != "assistant":
            continue
        tool_calls = message.get("tool_calls")
        if not tool_calls or not isinstance(tool_calls, list):
            continue
        block = _Block(base + index, [])
        for call_index, call in enumerate(tool_calls):
            call_id = call.get("id") if isinstance(call, dict) else None
            if not isinstance(call_id, str) or not call_id:
                continue
            if call_id in calls:
                return None
            record = _Call(call_id, base + index, call_index)
            calls[call_id] = record
            block.calls.append(record)
            block.ids.add(call_id)
    return _Summary(first, base, calls, answered, block)


def _stream(messages: list[Any], split: Split) -> Iterator[tuple[int, Any]]:
    """``enumerate(messages)``, but where a remembered block's summarised part starts, a :class:`_Skip`
    first: the part's messages follow only when the walk did not apply its summary."""
    index = 0
    for start, entry in split.blocks:
        summary = _summary_of(entry, start)
        if summary is None:
            continue
        at = start + summary.first
        while index < at:
            yield index, messages[index]
            index += 1
        skip = _Skip(summary)
        yield at, skip
        if skip.taken:
            index = start + len(entry.values)
    count = len(messages)
    while index < count:
        yield index, messages[index]
        index += 1


def _quote_ids(ids: list[str]) -> str:
    return ", ".join(ids)


def _tool_calls_of(message: dict[str, Any]) -> list[Any] | None:
    calls = message.get("tool_calls")
    return calls if isinstance(calls, list) else None


@check
def check_tool_sequence(view: RequestView) -> Iterator[Finding]:
    yield from _tool_sequence(view)


def _tool_sequence(view: RequestView) -> Iterator[Finding]:
    messages = view.messages
    split = view.remembered
    stream: Iterable[tuple[int, Any]]
    if split is not None and split.blocks and messages is split.body.get("messages"):
        stream = _stream(messages, split)
    else:
        stream = enumerate(messages)
    sites = _Sites(messages)
    calls_by_id: dict[str, _Call] = {}
    answered_ids: set[str] = set()
    late_answers: set[int] = set()  # tool messages already reported as non-adjacent
    block: _Block | None = None

    def close(block: _Block, end: int) -> Iterator[Finding]:
        unanswered = [c for c in block.calls if c.id not in block.answered]
        never = []
        for call in unanswered:
            later = [i for i in sites.answers().get(call.id, ()) if i >= end]
            if later:
                late_answers.add(later[0])
                answered_ids.add(call.id)
                yield from NON_ADJACENT.report(
                    view,
                    f"messages[{later[0]}]",
                    f"messages[{later[0]}] answers {call.id}, called at messages[{block.message_index}]"
                    f".tool_calls[{call.call_index}], but messages[{end}] ({_role(messages[end])}) stands "
                    f"between them. Move the tool message into the block right after "
                    f"messages[{block.message_index}].",
                )
            else:
                never.append(call)
        if never:
            ids = [c.id for c in never]
            location = (
                f"messages[{block.message_index}].tool_calls[{never[0].call_index}].id"
                if len(never) == 1
                else f"messages[{block.message_index}].tool_calls"
            )
            yield from UNANSWERED.report(
                view,
                location,
                f"messages[{block.message_index}] calls {_quote_ids(ids)} but no tool message answers "
                f"{'it' if len(ids) == 1 else 'them'} right after it. Add one tool message per call "
                "(a failure text if the tool did not run) or remove the unanswered calls.",
            )

    for index, message in stream:
        if not isinstance(message, dict):
            if message.__class__ is _Skip:
                # A remembered block's summarised part starts here, at a message that is not a tool
                # message: it closes the block before it, as the walk below would, findings and all.
                if block is not None:
                    if len(block.answered) != len(block.ids):
                        yield from close(block, index)
                    block = None
                summary: _Summary = message.summary
                # What crosses into the part: an id called before it and called again in it (the walk
                # reports the duplicate). An answer in the part already reported as non-adjacent needs
                # no test of its own: every answer in the part answers a call of the part, so its id was
                # called before the part too.
                if not _crosses(summary, calls_by_id):
                    part_calls, block = summary.placed(index)
                    calls_by_id.update(part_calls)
                    answered_ids.update(summary.answered)
                    message.taken = True
            continue
        role = message.get("role")
        if role == "tool":
            # Fast path, the common case: the next answer of the block's calls (no f-strings, no generator).
            tool_call_id = message.get("tool_call_id")
            if (
                block is not None
                and isinstance(tool_call_id, str)
                and tool_call_id in block.ids
                and tool_call_id not in block.answered
                and index not in late_answers
            ):
                block.answered.add(tool_call_id)
                answered_ids.add(tool_call_id)
                continue
            yield from _check_tool_message(view, index, message, block, sites, answered_ids, late_answers)
            continue
        if block is not None:
            # Every call answered (answered ⊆ ids): nothing to close, without close()'s generator.
            if len(block.answered) != len(block.ids):
                yield from close(block, index)
            block = None
        if role != "assistant":
            continue
        calls = message.get("tool_calls")
        if not calls or not isinstance(calls, list):  # no calls, or `tool_calls: []` (shape.py reports both)
            continue
        block = _Block(index, [])
        for call_index, call in enumerate(calls):
            call_id = call.get("id") if isinstance(call, dict) else None
            if not isinstance(call_id, str) or not call_id:
                continue  # shape.missing-tool-call-id (shape.py)
            earlier = calls_by_id.get(call_id)
            if earlier is not None:
                yield from DUPLICATE_CALL_ID.report(
                    view,
                    f"messages[{index}].tool_calls[{call_index}].id",
                    f"Tool-call id {call_id} is used again; it was first used at "
                    f"messages[{earlier.message_index}].tool_calls[{earlier.call_index}]. Give every call "
                    "a unique id so each answer matches one call.",
                    uncertain=None if _STRICT_IDS.match(view.model or "") else _STRICT_IDS_UNKNOWN,
                )
                if call_id in block.ids:
                    continue
            record = _Call(call_id, index, call_index)  # positional: no keyword dict per call
            if earlier is None:
                calls_by_id[call_id] = record
            block.calls.append(record)
            block.ids.add(call_id)
    if block is not None:
        yield from close(block, len(messages))


def _role(message: Any) -> str:
    return str(message.get("role")) if isinstance(message, dict) else type(message).__name__


def _check_tool_message(
    view: RequestView,
    index: int,
    message: dict[str, Any],
    block: _Block | None,
    sites: _Sites,
    answered_ids: set[str],
    late_answers: set[int],
) -> Iterator[Finding]:
    where = f"messages[{index}]"
    tool_call_id = message.get("tool_call_id")
    if not isinstance(tool_call_id, str) or not tool_call_id:
        return  # shape.tool-message-without-id (shape.py)
    if index in late_answers:
        return  # already reported as non-adjacent at the call's block
    if block is not None and tool_call_id in block.ids:
        if tool_call_id in block.answered:
            yield from DUPLICATE_RESPONSE.report(
                view,
                f"{where}.tool_call_id",
                f"{where} answers {tool_call_id} a second time; keep one tool message per call.",
            )
        else:
            block.answered.add(tool_call_id)
            answered_ids.add(tool_call_id)
        return
    if tool_call_id in answered_ids:
        yield from DUPLICATE_RESPONSE.report(
            view,
            f"{where}.tool_call_id",
            f"{where} answers {tool_call_id}, which was already answered; drop the duplicate tool message.",
        )
        return
    if block is not None:
        expected = [c.id for c in block.calls if c.id not in block.answered]
        yield from UNKNOWN_ID.report(
            view,
            f"{where}.tool_call_id",
            f"{where} answers {tool_call_id}, but messages[{block.message_index}] called "
            f"{_quote_ids([c.id for c in block.calls])}"
            + (f" (still unanswered: {_quote_ids(expected)})" if expected else "")
            + ". Use the id of the call this result belongs to.",
        )
        return
    call_site = sites.call_sites().get(tool_call_id)
    hint = (
        f" Its call is at messages[{call_site}], so the result comes before the call."
        if call_site is not None and call_site > index
        else ""
    )
    yield from ORPHAN.report(
        view,
        where,
        f"{where} (tool, tool_call_id {tool_call_id}) does not follow an assistant message with tool_calls"
        f" (the message before its block is {_role(view.messages[index - 1]) if index else 'nothing'})."
        f"{hint} Drop it, or restore the assistant message that made the call right before it.",
    )
