"""parsers.*: what a self-hosted server's own request parser refuses where OpenAI's schema rules are
silent for that server (issue 9, session 17: servers stricter than OpenAI's schema).

The spec.* rules judge a recognised non-OpenAI provider by its own rules only, and most self-hosted
servers are lenient: vLLM and SGLang convert with pydantic's lax mode, llama.cpp's ``json_value()`` falls
back to a default for a wrong type. Two parsers are stricter than that about the messages and tools, and
answer with their own text; each fact below is declared once, with the parser it is read from:

- llama.cpp's llama-server reads the messages and tools with nlohmann::json in common/chat.cpp
  (``common_chat_msgs_parse_oaicompat``, ``common_chat_tools_parse_oaicompat``): ``at()`` on a missing
  key and a string conversion of any other JSON type throw, and the server answers 500 "Failed to parse
  messages: ..." / "Failed to parse tools: ..." (code [LCPP]).
- vLLM validates each message against OpenAI's message TypedDicts and its own
  ``CustomChatCompletionMessageParam`` (vllm/entrypoints/chat_utils.py), where ``name`` is a ``str``:
  pydantic converts nothing to a string, so a ``null`` name fails every branch of the union (400).

The checks walk only what the two parsers read, so they never report for another provider.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RequestView
from toolguard_core.rules.examples import USER
from toolguard_core.rules.registry import PredictedError, check, checked_as, define, policy

_LLAMACPP_URL: Final = "http://127.0.0.1:8080/v1/chat/completions"
_LCPP_SOURCE: Final = (
    "code [LCPP] common/chat.cpp common_chat_msgs_parse_oaicompat, common_chat_tools_parse_oaicompat"
)

#: Message keys each parser reads as a string whenever they are present (a null or any other JSON type
#: is refused): server id → keys.
STRING_MESSAGE_KEYS: Final[Mapping[str, frozenset[str]]] = {
    # msg.tool_name = message.at("name"); msg.tool_call_id = ...; msg.reasoning_content = ...
    "llama.cpp": frozenset({"name", "tool_call_id", "reasoning_content"}),
    # ChatCompletion*MessageParam.name: str, CustomChatCompletionMessageParam.name: str.
    "vllm": frozenset({"name"}),
}
#: A tool definition's ``function`` keys llama-server reads as a string when present
#: (``function.value("description", "")`` converts the value that is there, null included).
LLAMACPP_STRING_TOOL_KEYS: Final = ("description",)

NON_STRING_FIELD = define(
    "parsers.non-string-field",
    Severity.ERROR,
    "A field the server's parser reads as a string holds null or another JSON type: a message's `name` "
    "(llama.cpp, vLLM), `tool_call_id` or `reasoning_content` (llama.cpp), a tool's `description` or a text "
    "part's `text` (llama.cpp).",
    policy=policy(
        error=tuple(STRING_MESSAGE_KEYS),
        conditions={"vllm": "a message's `name` only"},
    ),
    predicts=(
        PredictedError(
            provider="llama.cpp",
            text="Failed to parse messages: [json.exception.type_error.302] type must be string, but is null",
            source=_LCPP_SOURCE,
            status=500,
        ),
        PredictedError(
            provider="vllm",
            text="Input should be a valid string",
            source="code [VLLM-CHAT] vllm/entrypoints/chat_utils.py CustomChatCompletionMessageParam",
        ),
    ),
    example={
        "model": "qwen3",
        "messages": [{"role": "user", "content": "Hello", "name": None}],
        "tools": [{"type": "function", "function": {"name": "now", "description": None, "parameters": {}}}],
    },
    example_url=_LLAMACPP_URL,
    fixed={
        "model": "qwen3",
        "messages": [USER],
        "tools": [{"type": "function", "function": {"name": "now", "parameters": {}}}],
    },
    notes=(
        "Clients that serialise an unset optional field as null (a message `name`, a tool's `description`, "
        "a replayed `reasoning_content`) send what OpenAI's schema does not allow either; omit the key. "
        'llama-server answers 500 (nlohmann::json\'s type_error.302 inside "Failed to parse messages" or '
        '"Failed to parse tools", code [LCPP]); vLLM answers 400 with pydantic\'s string_type error for each '
        "message union branch. SGLang's and the other servers' message models are not known to refuse it."
    ),
)
LLAMACPP_MESSAGE_SHAPE = define(
    "parsers.llamacpp-message-shape",
    Severity.ERROR,
    "A message part llama-server's parser requires is missing or of another kind: a replayed tool call "
    "without `function`, without `function.name` or `function.arguments`, or with a `type` other than "
    '"function"; a text part without `text`.',
    policy=policy(error=("llama.cpp",)),
    predicts=(
        PredictedError(
            provider="llama.cpp",
            text="Failed to parse messages: Missing tool call function",
            source=_LCPP_SOURCE,
            status=500,
        ),
    ),
    example={
        "model": "qwen3",
        "messages": [
            USER,
            {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function"}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "done"},
        ],
    },
    example_url=_LLAMACPP_URL,
    fixed={
        "model": "qwen3",
        "messages": [
            USER,
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "now", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "done"},
        ],
    },
    notes=(
        'common_chat_msgs_parse_oaicompat throws "Missing tool call function", "Missing tool call name", '
        '"Unsupported tool call type" and, through `at()`, "key \'arguments\' not found" / "key \'text\' not '
        'found"; the server answers 500 "Failed to parse messages: ..." (code [LCPP]). A tool call\'s '
        "missing `type` is shape.tool-call-missing-type's, a part's missing `type` content.invalid-part's. "
        'An empty tool call a model streamed and the client replayed (`{"id": "", "type": "function"}`) is '
        "the common case."
    ),
)


def _not_string(value: Any) -> str | None:
    if isinstance(value, str):
        return None
    return "null" if value is None else type(value).__name__


def _non_string_keys(
    view: RequestView, obj: dict[str, Any], keys: Iterable[str], where: str, reads_and_fix: str
) -> Iterator[Finding]:
    """parsers.non-string-field for each of ``keys`` that ``obj`` (at ``where``) holds as a
    non-string: the messages' keys a server's parser reads as strings, llama-server's tool keys."""
    for key in keys:
        if key in obj and (kind := _not_string(obj[key])) is not None:
            yield from NON_STRING_FIELD.report(
                view, f"{where}.{key}", f"{where}.{key} is {kind}, which {reads_and_fix}"
            )


@check
def check_parsers(view: RequestView) -> Iterator[Finding]:
    pid = checked_as(view)
    keys = STRING_MESSAGE_KEYS.get(pid)
    if keys is None:
        return
    llamacpp = pid == "llama.cpp"
    messages = view.body.get("messages")
    for index, message in enumerate(messages if isinstance(messages, list) else ()):
        if not isinstance(message, dict):
            continue
        yield from _non_string_keys(
            view,
            message,
            keys,
            f"messages[{index}]",
            "the server's parser reads as a string; omit the key or send a string.",
        )
        if llamacpp:
            yield from _llamacpp_message(view, index, message)
    if llamacpp:
        yield from _llamacpp_tools(view)


def _llamacpp_message(view: RequestView, index: int, message: dict[str, Any]) -> Iterator[Finding]:
    where = f"messages[{index}]"
    content = message.get("content")
    if isinstance(content, list):
        for part_index, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "text":
                text = part.get("text")
                if (kind := _not_string(text)) is not None:
                    rule = NON_STRING_FIELD if "text" in part else LLAMACPP_MESSAGE_SHAPE
                    what = "has no text" if "text" not in part else f"has text {kind}"
                    yield from rule.report(
                        view,
                        f"{where}.content[{part_index}].text",
                        f"{where}.content[{part_index}] is a text part that {what}; send its text as a string.",
                    )
    calls = message.get("tool_calls")
    if not isinstance(calls, list):
        return
    for call_index, call in enumerate(calls):
        at = f"{where}.tool_calls[{call_index}]"
        if not isinstance(call, dict):
            continue
        if "type" in call and call["type"] != "function":
            yield from LLAMACPP_MESSAGE_SHAPE.report(
                view, f"{at}.type", f'{at} has type {call["type"]!r}; llama-server takes "function" only.'
            )
            continue
        function = call.get("function")
        if not isinstance(function, dict):
            yield from LLAMACPP_MESSAGE_SHAPE.report(
                view,
                f"{at}.function",
                f"{at} has no function object; drop the empty call or replay it with its name and arguments.",
            )
            continue
        for key in ("name", "arguments"):
            if key not in function:
                yield from LLAMACPP_MESSAGE_SHAPE.report(
                    view,
                    f"{at}.function.{key}",
                    f"{at}.function has no {key}; send it ('{{}}' for arguments when there are none).",
                )


def _llamacpp_tools(view: RequestView) -> Iterator[Finding]:
    tools = view.body.get("tools")
    if not isinstance(tools, list):
        return
    for index, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict):
            continue
        yield from _non_string_keys(
            view,
            function,
            LLAMACPP_STRING_TOOL_KEYS,
            f"tools[{index}].function",
            'llama-server reads as a string ("Failed to parse tools"); omit it or send a string.',
        )
