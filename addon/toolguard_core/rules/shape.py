"""shape.*: malformed tool-call turns (empty ``tool_calls``, calls without an id, with an id longer than
OpenAI takes, or with arguments that are not one JSON object in a string, tool messages without
``tool_call_id``, empty assistant messages).

Split from the pairing pass in sequence.py so a rule id's prefix names its module (issue #15); the
pairing rules skip what is malformed here (a call without an id pairs with nothing)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from toolguard_core.catalog import lookup
from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RequestView
from toolguard_core.rules.inferred import report_judged
from toolguard_core.rules.jsonvalues import arguments_problem, json_type
from toolguard_core.rules.registry import (
    GROUPS,
    PredictedError,
    check,
    define,
    every_known_engine,
    policy,
    provider_id,
)
from toolguard_core.rules.walk import per_message

_CALL = {"id": "call_1", "type": "function", "function": {"name": "foo_tool", "arguments": "{}"}}
_USER = {"role": "user", "content": 'Call tool "foo" twice with no arguments'}
#: The corrected example ("use instead") of the rules about one tool call's shape: a well-formed call
#: and its answer.
_PAIRED_CALL = {
    "model": "gpt-4o",
    "messages": [
        _USER,
        {"role": "assistant", "content": None, "tool_calls": [_CALL]},
        {"role": "tool", "content": "done", "tool_call_id": _CALL["id"]},
    ],
}

EMPTY_TOOL_CALLS = define(
    "shape.empty-tool-calls",
    Severity.ERROR,
    "An assistant message has `tool_calls: []`.",
    # OpenAI's validator rejects it (below), and so does DashScope (Alibaba Model Studio: below); Mistral
    # accepts it (a recorded 200 with `tool_calls: []`, pydantic-ai cassette
    # test_mistral_history_uses_prompt_cache, corpus valid-a av-014); other providers are not documented
    # either way.
    policy=policy(error=("openai-family", "dashscope"), silent=("mistral",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'messages[2].tool_calls': empty array. Expected an array with minimum length 1, "
                "but got an empty array instead."
            ),
            # Also openai/openai-node#1341 (the SDK defaulted tool_calls to [] and OpenAI rejected it).
            source="https://github.com/home-assistant/core/pull/118577",
            param="messages[2].tool_calls",
            code="empty_array",
        ),
        # DashScope's .NET SDK sends null instead of an empty list for this reason ("function all array must
        # be null when empty // <400> InternalError.Algo.InvalidParameter: Empty tool_calls is not supported
        # in message", DashScopeChatClient.cs).
        PredictedError(
            provider="dashscope",
            text="<400> InternalError.Algo.InvalidParameter: Empty tool_calls is not supported in message.",
            source="https://github.com/cnblogs/dashscope-sdk/blob/main/src/Cnblogs.DashScope.AI/DashScopeChatClient.cs",
            code="invalid_parameter_error",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [_USER, {"role": "assistant", "content": "ok", "tool_calls": []}],
    },
    fixed={"model": "gpt-4o", "messages": [_USER, {"role": "assistant", "content": "ok"}]},
)
TOOL_CALLS_NOT_ARRAY = define(
    "shape.tool-calls-not-array",
    Severity.ERROR,
    "An assistant message's `tool_calls` is not an array (a string, an object, a number).",
    # Rejected by every known engine (registry.EVERY_KNOWN_ENGINE; the evidence is in the notes). OpenAI's
    # validator checks types too, but no answer for this field is quoted (spec.wrong-type reports the type
    # against its schema there), so OpenAI keeps the warning.
    policy=policy(
        error=("vllm", "sglang", "llama.cpp", "ollama", "generic"),
        otherwise=Severity.WARNING,
        conditions=every_known_engine("an assistant message without content (TGI takes one with content)"),
    ),
    predicts=(
        PredictedError(
            provider="vllm",
            text=(
                "ValueError: Validating messages' `tool_calls` raised an error. Please ensure `tool_calls` "
                "are iterable of tool calls."
            ),
            source="https://github.com/vllm-project/vllm/pull/34438",
        ),
    ),
    example={
        "model": "Qwen/Qwen3-8B",
        "messages": [
            _USER,
            {"role": "assistant", "content": "...", "tool_calls": '[{"id": "call_1"}]'},
            _USER,
        ],
    },
    example_url="http://localhost:8000/v1/chat/completions",
    fixed={"model": "Qwen/Qwen3-8B", "messages": [_USER, {"role": "assistant", "content": "..."}, _USER]},
    notes=(
        "Send the calls as an array of {id, type, function} objects (not their JSON text), or omit the key. "
        "Rejected by every known engine, so an error on a host toolguard cannot name too, for a message "
        "without content: vLLM (its `tool_calls` validation, vllm-project/vllm#34438); SGLang (code "
        "[SGL] python/sglang/srt/entrypoints/openai/protocol.py `ChatCompletionMessageGenericParam.tool_calls: "
        "Optional[List[ToolCall]]`, pydantic takes no string or object for a list); llama-server (code "
        '[LCPP] common/chat.cpp `common_chat_msgs_parse_oaicompat` iterates `message.at("tool_calls")` '
        'and throws "Missing tool call type" for an element that is not a call object); Ollama (code '
        "[OLL-GO] openai/openai.go `Message.ToolCalls []ToolCall`, decoded by middleware/openai.go "
        '`ShouldBindJSON`: 400 with Go\'s "json: cannot unmarshal" error); LocalAI (core/schema/message.go '
        "`ToolCalls []ToolCall`, the same Go decoding); mlx_lm.server (mlx_lm/server.py "
        "`process_message_content` calls `.get` on each element). TGI (router/src/lib.rs, the untagged "
        "`MessageBody`) refuses it only when the message has no content: with content it takes the "
        "`Content` variant and drops `tool_calls`, so there it stays a warning, and so does a message with "
        "content on an unrecognised host. LM Studio's validator is not public (no evidence either way); a "
        "LiteLLM proxy forwards the body to the server behind it."
    ),
)
MISSING_CALL_ID = define(
    "shape.missing-tool-call-id",
    Severity.ERROR,
    "A tool call has no `id`, or an empty one.",
    policy=policy(otherwise=Severity.ERROR),
    notes=(
        "`id` is required on an assistant tool call (doc [OAS]); no provider's error text for a missing "
        "id has been observed yet, so none is predicted."
    ),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"type": "function", "function": _CALL["function"]}],
            },
        ],
    },
    fixed=_PAIRED_CALL,
)
MISSING_CALL_TYPE = define(
    "shape.tool-call-missing-type",
    Severity.ERROR,
    'A replayed tool call has no `type` (OpenAI\'s schema requires `"type": "function"`).',
    # llama-server's message parser requires it (common/chat.cpp common_chat_msgs_parse_oaicompat); the other
    # self-hosted servers default it.
    policy=policy(
        error=("openai-family", "azure-ai", "llama.cpp"), silent=("self-hosted",), otherwise=Severity.WARNING
    ),
    predicts=(
        PredictedError(
            provider="llama.cpp",
            text="Missing tool call type",
            source="code [LCPP] common/chat.cpp common_chat_msgs_parse_oaicompat",
            status=500,
        ),
        PredictedError(
            provider="azure-ai",
            text="Missing required parameter: 'messages[2].tool_calls[0].type'.",
            source="https://github.com/langchain-ai/langchain-azure/issues/35",
            status=424,
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "call_1", "function": _CALL["function"]}],
            },
            {"role": "tool", "content": "done", "tool_call_id": "call_1"},
        ],
    },
    fixed=_PAIRED_CALL,
    notes=(
        "`type` is required on an assistant tool call (doc [OAS]: ChatCompletionMessageToolCall requires id, "
        "type and function). Clients that rebuild the history from their own message objects drop it "
        "(langchain-azure-ai's AzureAIChatCompletionsModel, langchain-azure#35). llama-server refuses it "
        '("Missing tool call type", code [LCPP]); the other self-hosted servers default it; elsewhere a '
        "warning until the provider's answer is seen."
    ),
)
MISSING_TOOL_MESSAGE_ID = define(
    "shape.tool-message-without-id",
    Severity.ERROR,
    "A tool message has no `tool_call_id`.",
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="openai",
            text="Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.",
            # Also langchain-ai/langchain#22600 and MadcowD/ell#325 (same text and param shape).
            source="https://github.com/run-llama/multi-agent-concierge/pull/16",
            param="messages.[15].tool_call_id",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "content": "done"},
        ],
    },
    fixed=_PAIRED_CALL,
)
BAD_ARGUMENTS = define(
    "shape.invalid-tool-arguments",
    Severity.WARNING,
    "A tool call's `function.arguments` is not a string holding exactly one JSON object.",
    # xAI parses every replayed call's arguments as well: it refuses an empty string ("The arguments to a
    # tool_call with ID '...' are not a valid JSON string. Parsing error: Error(\"EOF while parsing a
    # value\", line: 1, column: 0)", spiceai/spiceai#4734) and two objects merged by a streaming reducer
    # (superagent-ai/grok-cli#65, below), and more: trailing whitespace that JSON parsers skip.
    # llama-server parses a replayed call's arguments string for every chat template that takes them as
    # an object (common/chat.cpp func_args_not_string) and answers 500 when it does not parse; agents
    # replaying a call the model cut short hit it turn after turn (am17an/llama.cpp#43).
    policy=policy(error=("ollama", "dashscope", "minimax", "xai", "llama.cpp"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(provider="ollama", text="invalid tool call arguments", source="code [OLL-GO]"),
        PredictedError(
            provider="llama.cpp",
            text="Failed to parse tool call arguments as JSON",
            source="code [LCPP] common/chat.cpp func_args_not_string; https://github.com/am17an/llama.cpp/issues/43",
            status=500,
        ),
        PredictedError(
            provider="xai",
            text="Invalid tool arguments JSON: trailing characters at line 1 column N",
            source="https://github.com/superagent-ai/grok-cli/issues/65",
        ),
        PredictedError(
            provider="dashscope",
            text=(
                '<400> InternalError.Algo.InvalidParameter: The "function.arguments" parameter of the code '
                "model must be in JSON format."
            ),
            source="https://github.com/HKUDS/nanobot/issues/2469",
        ),
        PredictedError(
            provider="minimax",
            text=(
                "invalid params, invalid function arguments json string, tool_call_id: "
                "call_function_abraty2ssz2_1 (2013)"
            ),
            source="https://github.com/earendil-works/pi/issues/5468",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "foo_tool", "arguments": '{"a":1}{"b":2}'},
                    }
                ],
            },
            {"role": "tool", "content": "done", "tool_call_id": "call_1"},
        ],
    },
    notes=(
        "Typical of a bad streaming merge of parallel calls (qwen-code PR #6981) or of a stream cut off "
        "mid-call. Errors on Ollama (code), DashScope (continuedev/continue#11556, #11315, "
        "HKUDS/nanobot#2469), MiniMax (earendil-works/pi#5468, HKUDS/nanobot#2373), xAI "
        "(superagent-ai/grok-cli#65, spiceai/spiceai#4734) and llama.cpp's llama-server (code [LCPP] "
        "common/chat.cpp, for the templates that take arguments as an object: most tool-calling ones), whose answers "
        "concern arguments that do not parse; that they also refuse parsed non-object arguments is "
        "inferred from the same validation. OpenAI replays them (warning)."
    ),
    fixed={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "foo_tool", "arguments": '{"a":1}'},
                    },
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "foo_tool", "arguments": '{"b":2}'},
                    },
                ],
            },
            {"role": "tool", "content": "done", "tool_call_id": "call_1"},
            {"role": "tool", "content": "done", "tool_call_id": "call_2"},
        ],
    },
)
ARGUMENTS_NOT_STRING = define(
    "shape.tool-arguments-not-string",
    Severity.ERROR,
    "A replayed tool call's `function.arguments` is missing or not a string (an object sent as is).",
    # doc [OAS]: ChatCompletionMessageToolCall.function requires `name` and `arguments`, a string of JSON.
    # OpenAI's validator checks the type (its answers below); the three providers that refuse arguments
    # that do not parse (shape.invalid-tool-arguments) parse the same string. Elsewhere a warning.
    policy=policy(error=("openai-family", "ollama", "dashscope", "minimax"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid type for 'messages[2].tool_calls[0].function.arguments': expected a string, but got "
                "an object instead."
            ),
            # A probe-3 thread (in-sample for the probe); the Responses API twin is
            # responses.function-arguments-not-string.
            source="https://github.com/aaif-goose/goose-mobile/pull/20",
            param="messages[2].tool_calls[0].function.arguments",
            code="invalid_type",
        ),
        PredictedError(
            provider="openai",
            text="Missing required parameter: 'messages[1].tool_calls[1].function.arguments'.",
            source="https://github.com/mark3labs/mcphost/issues/117",
            param="messages[1].tool_calls[1].function.arguments",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "foo_tool", "arguments": {}}}
                ],
            },
            {"role": "tool", "content": "done", "tool_call_id": "call_1"},
        ],
    },
    fixed=_PAIRED_CALL,
    notes=(
        "Clients that parse the model's arguments to call the tool (json.loads, JSON.parse) and replay the "
        "parsed value instead of the string, or drop empty arguments. Serialise them again: '{}' when none."
    ),
)
#: The longest tool call id OpenAI's validator takes: Chat Completions ``tool_calls[].id`` (40) and the
#: Responses API's ``call_id`` (64, responses.call-id-too-long). Its own ids are ``call_`` + 24 characters.
MAX_TOOL_CALL_ID = 40
CALL_ID_TOO_LONG = define(
    "shape.tool-call-id-too-long",
    Severity.ERROR,
    f"A replayed tool call's `id` is longer than the {MAX_TOOL_CALL_ID} characters OpenAI takes (an id "
    "minted by another provider, a gateway or a client).",
    # OpenAI's and Azure's validator (texts below); GitHub Copilot hands OpenAI models to it
    # (kaitranntt/ccs#344), OpenRouter's openai/* models too (provider_id). Self-hosted servers take any id.
    policy=policy(
        error=("openai-family", "copilot"),
        silent=("self-hosted",),
        otherwise=Severity.WARNING,
        conditions={"copilot": "an OpenAI model (Copilot answers with OpenAI's validator)"},
    ),
    predicts=(
        PredictedError(
            provider="azure",
            text=(
                "'messages[2].tool_calls[0].id': string too long. Expected a string with maximum length 40, but "
                "got a string with length 44 instead."
            ),
            source="https://github.com/Portkey-AI/gateway/issues/1062",
            param="messages[2].tool_calls[0].id",
            code="string_above_max_length",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'messages[36].tool_calls[0].id': string too long. Expected a string with maximum length "
                "40, but got a string with length 51 instead."
            ),
            source="https://github.com/vercel/ai/issues/8132",
            param="messages[36].tool_calls[0].id",
            code="string_above_max_length",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{**_CALL, "id": "ws_689e2d4880a0819d98acca37694989b00b15d90494fc6b87"}],
            },
            {
                "role": "tool",
                "content": "done",
                "tool_call_id": "ws_689e2d4880a0819d98acca37694989b00b15d90494fc6b87",
            },
        ],
    },
    fixed=_PAIRED_CALL,
    notes=(
        "Seen when a conversation moves between providers or through a gateway that mints long ids "
        "(langgenius/dify#28987, camel-ai/camel#3845; the verbatim answers are probe-3 threads). Map each "
        "long id to a short one (a hash) in both the call and its tool message."
    ),
)
EMPTY_ASSISTANT = define(
    "shape.empty-assistant-message",
    Severity.ERROR,
    "An assistant message has neither `content` nor `tool_calls`.",
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="llama.cpp",
            text="Assistant message must contain either 'content' or 'tool_calls'!",
            source="code [LCPP]",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER, {"role": "assistant", "content": None}, _USER]},
    fixed={"model": "gpt-4o", "messages": [_USER, {"role": "assistant", "content": "ok"}, _USER]},
)


#: The engines that refuse a non-array tool_calls whatever the message's content (its policy's errors).
_REFUSE_CALLS_TEXT = frozenset(
    pid for pid in GROUPS["self-hosted"] if TOOL_CALLS_NOT_ARRAY.policy.level(pid) == Severity.ERROR
)


def _content_taken_instead(view: RequestView, message: dict[str, Any]) -> str | None:
    """Why a non-array ``tool_calls`` may pass on an unrecognised host: the message has content, and TGI's
    untagged ``MessageBody`` then takes the message by its content and drops ``tool_calls``
    (shape.tool-calls-not-array's notes). None where the level is not the unrecognised host's, or where
    the engine behind the host is known to refuse it."""
    if message.get("content") is None or provider_id(view) not in GROUPS["generic"]:
        return None
    if view.engine is not None and view.engine.engine in _REFUSE_CALLS_TEXT:
        return None
    return "TGI takes a message that has content by its content and ignores its tool_calls"


@check
@per_message
def check_message_shape(view: RequestView, messages: Iterable[tuple[int, Any]]) -> Iterator[Finding]:
    for index, message in messages:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "tool":
            tool_call_id = message.get("tool_call_id")
            if not isinstance(tool_call_id, str) or not tool_call_id:
                where = f"messages[{index}]"
                yield from MISSING_TOOL_MESSAGE_ID.report(
                    view,
                    f"{where}.tool_call_id",
                    f"{where} (tool) has no tool_call_id; set it to the id of the call it answers.",
                )
            continue
        if role != "assistant":
            continue
        calls = message.get("tool_calls")
        if not isinstance(calls, list):
            if calls is not None:
                yield from TOOL_CALLS_NOT_ARRAY.report(
                    view,
                    f"messages[{index}].tool_calls",
                    f"messages[{index}].tool_calls is a JSON {json_type(calls)}; send an array of tool-call "
                    "objects (not their serialised text), or omit the key.",
                    uncertain=_content_taken_instead(view, message),
                )
            elif message.get("content") is None and not message.get("function_call"):
                yield from EMPTY_ASSISTANT.report(
                    view,
                    f"messages[{index}]",
                    f"messages[{index}] (assistant) has neither content nor tool_calls; send its text, its "
                    "tool calls, or drop the message.",
                )
            continue
        if not calls:
            yield from report_judged(
                EMPTY_TOOL_CALLS,
                view,
                f"messages[{index}].tool_calls",
                f"messages[{index}] has an empty tool_calls array; omit the key when there are no calls.",
            )
            if message.get("content") is None:
                yield from EMPTY_ASSISTANT.report(
                    view,
                    f"messages[{index}]",
                    f"messages[{index}] (assistant) has neither content nor tool calls.",
                )
            continue
        for call_index, call in enumerate(calls):
            call_id = call.get("id") if isinstance(call, dict) else None
            function = call.get("function") if isinstance(call, dict) else None
            if not (
                isinstance(call_id, str)
                and call_id
                and isinstance(function, dict)
                and arguments_problem(function.get("arguments")) is None
                and "type" in call
            ):
                yield from _call_shape(view, index, call_index, call)
            if isinstance(call_id, str) and len(call_id) > MAX_TOOL_CALL_ID and _openai_checks_ids(view):
                where = f"messages[{index}].tool_calls[{call_index}].id"
                yield from report_judged(
                    CALL_ID_TOO_LONG,
                    view,
                    where,
                    f"{where} is {len(call_id)} characters; OpenAI takes at most {MAX_TOOL_CALL_ID}. Replace it "
                    "with a shorter id (a hash of it) in the call and in the tool message that answers it.",
                )


def _openai_checks_ids(view: RequestView) -> bool:
    """Whether OpenAI's validator sees the ids: always, except on GitHub Copilot, which hands only its
    OpenAI models to it (its Claude models go to Anthropic's, which has no such limit)."""
    if view.provider.id != "copilot":
        return True
    info = lookup(view.model or "")
    return info is not None and "openai" in info.providers


def _call_shape(view: RequestView, index: int, call_index: int, call: Any) -> Iterator[Finding]:
    where = f"messages[{index}].tool_calls[{call_index}]"
    if not isinstance(call, dict):
        yield from MISSING_CALL_ID.report(
            view, where, f"{where} is not an object; each tool call needs id, type and function."
        )
        return
    if "type" not in call:
        yield from report_judged(
            MISSING_CALL_TYPE,
            view,
            f"{where}.type",
            f'{where} has no type; send "type": "function" with each tool call, as the model returned it.',
        )
    call_id = call.get("id")
    if not isinstance(call_id, str) or not call_id:
        yield from MISSING_CALL_ID.report(
            view,
            f"{where}.id",
            f"{where} has no id; keep the id the model returned so its answer can match it.",
        )
    function = call.get("function")
    arguments = function.get("arguments") if isinstance(function, dict) else None
    problem = arguments_problem(arguments)
    if not problem:
        return
    if isinstance(arguments, str):
        yield from BAD_ARGUMENTS.report(
            view,
            f"{where}.function.arguments",
            f"{where}.function.arguments {problem}; send one JSON object serialised as a string, e.g. '{{}}'.",
        )
        return
    # A parsed value, or none at all: the documented type is broken (OpenAI's validator says so).
    absent = not isinstance(function, dict) or "arguments" not in function
    what = "is missing" if arguments is None and absent else problem
    yield from report_judged(
        ARGUMENTS_NOT_STRING,
        view,
        f"{where}.function.arguments",
        f"{where}.function.arguments {what}; send the arguments as a JSON string (json.dumps the parsed "
        "value), '{}' when there are none.",
    )
