"""OpenAI Responses API rules (``POST /v1/responses``, providers.md §10).

A Responses request carries ``input`` items instead of ``messages``: ``function_call`` items (the
model's calls, replayed by the client) are answered by ``function_call_output`` items with the
same ``call_id``. The pairing fails with the same class of 400 as chat tool messages:
``No tool call found for function call output with call_id ...`` (an output without its call) and
``No tool output found for function call ...`` (a call without its output).

State matters: with ``previous_response_id`` (or ``conversation``) the earlier items live on the
server, so an output whose call is not in ``input`` usually answers a stored call — not an orphan.
Only what the request itself proves wrong is reported as an error.

These checks run only for the ``responses`` endpoint kind (see :mod:`toolguard_core.request`);
the chat rules never see a Responses body and these never see a chat body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import normalise_model
from toolguard_core.request import RESPONSES, RequestView
from toolguard_core.rules.inferred import report_judged
from toolguard_core.rules.jsonvalues import arguments_problem, json_type
from toolguard_core.rules.registry import RULES, PredictedError, check, define, policy

RESPONSES_URL = "https://api.openai.com/v1/responses"

#: Roles of an input message (doc [OAS] EasyInputMessage / InputMessage).
MESSAGE_ROLES = frozenset({"user", "assistant", "system", "developer"})
#: Content part types per role. Assistant turns replay model output (output_text/refusal);
#: the others send input parts (doc [OAS] InputContent; issue texts below).
ASSISTANT_PART_TYPES = frozenset({"output_text", "refusal"})
INPUT_PART_TYPES = frozenset({"input_text", "input_image", "input_file", "input_audio"})
#: Chat Completions part types that have a Responses counterpart: the usual conversion slip. None is a
#: Responses part type, so OpenAI refuses them whatever the role, with its list of every message part type
#: ("Invalid value: 'text'. Supported values are: 'input_text', 'input_image', 'input_audio', 'output_text',
#: 'refusal', 'input_file', 'computer_screenshot', 'summary_text', and 'encrypted_content'.",
#: MervinPraison/PraisonAI#3934; the same for 'image_url' in langchain-ai/langchainjs#11248).
CHAT_PART_TYPES = {"text": "input_text", "image_url": "input_image", "file": "input_file"}
#: doc [OAS] CreateResponse.max_output_tokens minimum.
MIN_OUTPUT_TOKENS = 16
#: OpenAI reasoning models (providers.md §5.1): their replayed function calls need their reasoning.
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5|codex)")
_JSON_WORD = re.compile("json", re.IGNORECASE)

_USER = {"role": "user", "content": "What is the weather in Paris?"}
_CALL = {
    "type": "function_call",
    "call_id": "call_Fo6YPd3EALEdfPLMbfr4BTKf",
    "name": "get_weather",
    "arguments": '{"city": "Paris"}',
}
_OUTPUT = {"type": "function_call_output", "call_id": "call_Fo6YPd3EALEdfPLMbfr4BTKf", "output": "18C"}
_REPLY = {"type": "output_text", "text": "It is 18C in Paris."}
_TOOL = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def _example(**fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1", **fields}


ORPHAN_OUTPUT = define(
    "responses.orphan-function-call-output",
    Severity.ERROR,
    "A `function_call_output` answers a `call_id` that no `function_call` item before it made "
    "(and there is no `previous_response_id`/`conversation` that could hold the call).",
    policy=policy(warning=("self-hosted",), otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="openai",
            text="No tool call found for function call output with call_id call_uelfkqtHfJDC4Btqeoozq82e.",
            # Also james-6-23/codex2api#414 (the same body relayed by a gateway).
            source="https://github.com/continuedev/continue/issues/10092",
            param="input",
        ),
    ),
    example=_example(input=[_USER, _OUTPUT], tools=[_TOOL]),
    example_url=RESPONSES_URL,
    notes=(
        "With `previous_response_id` or `conversation` the call may be stored server-side, so an output "
        "whose call is absent from `input` is not reported; an output placed *before* its call still is."
    ),
    fixed=_example(input=[_USER, _CALL, _OUTPUT], tools=[_TOOL]),
)
UNANSWERED_CALL = define(
    "responses.unanswered-function-call",
    Severity.ERROR,
    "A `function_call` item has no `function_call_output` with its `call_id` anywhere after it.",
    policy=policy(warning=("self-hosted",), otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="openai",
            text="No tool output found for function call call_XXX.",
            # Also router-for-me/CLIProxyAPI#2368 and openai/openai-agents-python#673 (providers.md §10).
            source="https://github.com/tjardoo/openai-client/pull/124",
            param="input",
        ),
    ),
    example=_example(input=[_USER, _CALL], tools=[_TOOL]),
    example_url=RESPONSES_URL,
    notes=(
        "The same text is returned when `previous_response_id` points to a response whose calls were "
        "never answered; toolguard cannot see stored items, so only calls inside `input` are checked. "
        "A warning on self-hosted servers that do not validate tool pairing."
    ),
    fixed=_example(input=[_USER, _CALL, _OUTPUT], tools=[_TOOL]),
)
#: Item types that may stand between a function_call and its output on a server that rebuilds a chat
#: conversation from ``input`` (one assistant turn of calls, then their tool results): the calls and outputs
#: of one parallel step.
_TOOL_STEP_ITEMS = frozenset({"function_call", "function_call_output"})
OUTPUT_NOT_ADJACENT = define(
    "responses.function-call-output-not-adjacent",
    Severity.ERROR,
    "Another item (a developer/user message, a summary, a reasoning item) stands between a `function_call` "
    "and its `function_call_output`.",
    # OpenAI pairs calls and outputs by call_id wherever they stand (the thread below measured it), so only
    # DeepSeek's Responses endpoint, which rebuilds chat turns from the items, is judged.
    policy=policy(error=("deepseek",)),
    predicts=(
        PredictedError(
            provider="deepseek",
            text=(
                '{"error":{"message":"No tool output found for tool call call_...","type":"invalid_request_error",'
                '"param":"","code":"invalid_request_error"}}'
            ),
            # Four requests differing only in where one extra item stands; also deepseek-ai/DeepSeek-V3#1588
            # (a Codex hook's developer message) and MayDay-wpf/snow-app#9 (a user message sent mid-call).
            source="https://github.com/deepseek-ai/awesome-deepseek-integration/issues/740",
            param="input",
        ),
    ),
    example=_example(
        model="deepseek-v4-pro",
        input=[_USER, _CALL, {"role": "developer", "content": "Hook: the test suite passed."}, _OUTPUT],
        tools=[_TOOL],
    ),
    example_url="https://api.deepseek.com/v1/responses",
    fixed=_example(
        model="deepseek-v4-pro",
        input=[_USER, _CALL, _OUTPUT, {"role": "developer", "content": "Hook: the test suite passed."}],
        tools=[_TOOL],
    ),
    notes=(
        "Left by hooks that inject context after a tool ran, a user message typed while a call was in flight, "
        "or a summary placed inside a tool step. Move the output right after its call (the calls and outputs of "
        "one parallel step may stand together) and put the other item after them."
    ),
)
DUPLICATE_OUTPUT = define(
    "responses.duplicate-function-call-output",
    Severity.WARNING,
    "A second `function_call_output` answers a `call_id` that was already answered.",
    policy=policy(otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="generic",
            text=(
                "Duplicate function_call_output for call_id 'terminal:0'. Each function_call must have "
                "exactly one matching function_call_output"
            ),
            source="https://github.com/NousResearch/hermes-agent/issues/102629",
        ),
    ),
    example=_example(input=[_USER, _CALL, _OUTPUT, _OUTPUT], tools=[_TOOL]),
    example_url=RESPONSES_URL,
    notes=(
        "The text above comes from a strict Responses gateway (also mnfst/llm-gateway#2858); OpenAI's own "
        "answer is not confirmed yet, hence a warning."
    ),
    fixed=_example(input=[_USER, _CALL, _OUTPUT], tools=[_TOOL]),
)
DUPLICATE_CALL_ID = define(
    "responses.duplicate-call-id",
    Severity.WARNING,
    "Two `function_call` items in one request share a `call_id`, so their outputs are ambiguous.",
    policy=policy(otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="generic",
            text=(
                "Duplicate function_call_output for call_id 'terminal:0'. Each function_call must have "
                "exactly one matching function_call_output"
            ),
            source="https://github.com/NousResearch/hermes-agent/issues/102629",
        ),
        PredictedError(
            provider="generic",
            text="Duplicate 'call_id': undefined",
            source="https://github.com/earendil-works/pi/issues/9057",
        ),
    ),
    example=_example(input=[_USER, _CALL, _OUTPUT, _CALL, _OUTPUT], tools=[_TOOL]),
    example_url=RESPONSES_URL,
    notes="Per-turn ids such as `terminal:0` reused every turn (hermes-agent#102629). Not confirmed on OpenAI.",
    fixed=_example(input=[_USER, _CALL, _OUTPUT], tools=[_TOOL]),
)
MISSING_CALL_ID = define(
    "responses.missing-call-id",
    Severity.ERROR,
    "A `function_call` or `function_call_output` item has no `call_id`, or an empty one.",
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'input[4].call_id': empty string. Expected a string with minimum length 1, but got an "
                "empty string instead."
            ),
            source="https://github.com/BigPizzaV3/CodexPlusPlus/issues/315",
            param="input[4].call_id",
            code="empty_string",
        ),
    ),
    example=_example(input=[_USER, _CALL, {"type": "function_call_output", "output": "18C"}], tools=[_TOOL]),
    example_url=RESPONSES_URL,
    notes=(
        "`call_id` is required on both item types (doc [OAS] FunctionToolCall, FunctionCallOutputItemParam). "
        "Codex emitted outputs without it (openai/codex#42088)."
    ),
    fixed=_example(input=[_USER, _CALL, _OUTPUT], tools=[_TOOL]),
)
BAD_ARGUMENTS = define(
    "responses.invalid-function-arguments",
    Severity.WARNING,
    "A `function_call` item's `arguments` string does not hold exactly one JSON object.",
    policy=policy(otherwise=Severity.WARNING),
    example=_example(
        input=[_USER, {**_CALL, "arguments": '{"city": "Paris"}{"city": "Rome"}'}, _OUTPUT], tools=[_TOOL]
    ),
    example_url=RESPONSES_URL,
    notes=(
        "`arguments` is a JSON string (doc [OAS] FunctionToolCall); one that is not one JSON object is "
        "typical of a bad stream merge. No provider's error text for it has been observed yet, hence a "
        "warning; a non-string is `responses.function-arguments-not-string`."
    ),
    fixed=_example(input=[_USER, _CALL, _OUTPUT], tools=[_TOOL]),
)
INVALID_ROLE = define(
    "responses.invalid-message-role",
    Severity.ERROR,
    "An input message has a role other than `user`, `assistant`, `system` or `developer` "
    "(often a chat-style `tool` message).",
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="Invalid value: 'tool'. Supported values are: 'assistant', 'system', 'developer', and 'user'.",
            source="https://github.com/Chevey339/kelivo/pull/281",
        ),
    ),
    example=_example(
        input=[_USER, {"role": "tool", "tool_call_id": "call_Fo6YPd3EALEdfPLMbfr4BTKf", "content": "18C"}]
    ),
    example_url=RESPONSES_URL,
    notes="A warning on other Responses implementations (their role handling is not documented).",
    fixed=_example(input=[_USER]),
)
INVALID_CONTENT = define(
    "responses.invalid-message-content",
    Severity.ERROR,
    "An input message's `content` is missing, not a string or list, or has parts of the wrong type "
    "for its role (assistant: `output_text`/`refusal`; others: `input_text`/`input_image`/`input_file`).",
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'.",
            # Also NousResearch/hermes-agent#15687 (param input[109].content[0], code invalid_value).
            source="https://github.com/jamesrochabrun/SwiftOpenAI/issues/136",
            param="input[1].content[0]",
            code="invalid_value",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Invalid value: 'text'. Supported values are: 'input_text', 'input_image', 'input_audio', "
                "'output_text', 'refusal', 'input_file', 'computer_screenshot', 'summary_text', and "
                "'encrypted_content'."
            ),
            # Chat Completions parts sent to the Responses API on gpt-4o-mini; the same answer for an
            # `image_url` part: langchain-ai/langchainjs#11248.
            source="https://github.com/MervinPraison/PraisonAI/issues/3934",
            param="input[0].content[0].type",
            code="invalid_value",
        ),
    ),
    example=_example(
        input=[
            _USER,
            {"role": "assistant", "content": [{"type": "input_text", "text": "It is 18C."}]},
            {"role": "user", "content": "And tomorrow?"},
        ]
    ),
    example_url=RESPONSES_URL,
    notes=(
        "Confirmed (an error on OpenAI and Azure) for `input_text` inside an assistant message and for a part "
        "type outside the Responses API's list, whatever the role: Chat Completions' `text`, `image_url`, "
        "`file`. `output_text` in a user message stays responses.content-part-unconfirmed's (a warning) until "
        "a provider's answer is observed."
    ),
    fixed=_example(
        input=[
            _USER,
            {"role": "assistant", "content": [{"type": "output_text", "text": "It is 18C."}]},
            {"role": "user", "content": "And tomorrow?"},
        ]
    ),
)
JSON_WITHOUT_WORD = define(
    "responses.json-without-json-word",
    Severity.ERROR,
    '`text.format` is `json_object` but neither `instructions` nor any input message mentions "json".',
    providers=("openai", "azure"),
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Response input messages must contain the word 'json' in some form to use 'text.format' of "
                "type 'json_object'."
            ),
            source="https://github.com/reVrost/go-openrouter/pull/21",
            param="input",
        ),
    ),
    example=_example(input="List three primary colours.", text={"format": {"type": "json_object"}}),
    example_url=RESPONSES_URL,
    notes=(
        "`instructions` is counted as part of the input (it becomes a system message), so a request that "
        "says 'json' only there is not flagged. Elsewhere a warning: the model is not told to answer in JSON."
    ),
    fixed=_example(
        input=[{"role": "user", "content": "Answer in JSON."}], text={"format": {"type": "json_object"}}
    ),
)
STATE_CONFLICT = define(
    "responses.previous-response-with-conversation",
    Severity.ERROR,
    "`previous_response_id` and `conversation` are both set; they cannot be combined.",
    policy=policy(otherwise=Severity.ERROR),
    example=_example(
        input="And tomorrow?",
        previous_response_id="resp_68af4030592c81938ec0a5fbab4a3e9f",
        conversation="conv_68af4030592c81938ec0a5fbab4a3e9f",
    ),
    example_url=RESPONSES_URL,
    notes=(
        "doc [OAS] ResponseProperties: `previous_response_id` cannot be used in conjunction with "
        "`conversation`. No provider's error text has been observed yet, so none is predicted."
    ),
    fixed=_example(input="And tomorrow?", previous_response_id="resp_68af4030592c81938ec0a5fbab4a3e9f"),
)
MAX_OUTPUT_TOKENS = define(
    "responses.max-output-tokens-below-minimum",
    Severity.ERROR,
    f"`max_output_tokens` is below {MIN_OUTPUT_TOKENS}, the minimum the Responses API accepts.",
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 5 "
                "instead."
            ),
            source="https://github.com/UKGovernmentBEIS/inspect_evals/issues/694",
            param="max_output_tokens",
            code="integer_below_min_value",
        ),
        PredictedError(
            provider="azure",
            text=(
                "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 10 "
                "instead."
            ),
            source="https://github.com/vectorize-io/hindsight/issues/58",
            param="max_output_tokens",
            code="integer_below_min_value",
        ),
    ),
    example=_example(input="Say OK.", max_output_tokens=5),
    example_url=RESPONSES_URL,
    notes="Minimum from doc [OAS] CreateResponse. A warning on other Responses implementations.",
    fixed=_example(input=[_USER], max_output_tokens=1024),
)
CHAT_STYLE_TOOL = define(
    "responses.chat-style-function-tool",
    Severity.ERROR,
    "A function tool has no top-level `name`: the Responses API wants the flat "
    '`{"type": "function", "name", "parameters", ...}` shape, not chat\'s nested `function` object.',
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="Missing required parameter: 'tools[0].name'.",
            # Also nullclaw/nullclaw#772 (the same text from a Responses gateway for the nested shape).
            source="https://community.openai.com/t/responses-api-function-calling-tool-specs-vs-completions-api/1324866",
            param="tools[0].name",
            code="missing_required_parameter",
        ),
    ),
    example=_example(
        input=[_USER],
        tools=[{"type": "function", "function": {k: v for k, v in _TOOL.items() if k != "type"}}],
    ),
    example_url=RESPONSES_URL,
    fixed=_example(input=[_USER], tools=[_TOOL]),
)
#: OpenAI's answer to a `messages` field on the Responses endpoint, with or without `input`.
MESSAGES_MOVED_TO_INPUT = PredictedError(
    provider="openai",
    text=(
        "Unsupported parameter: 'messages'. In the Responses API, this parameter has moved to 'input'. "
        "Try again with the new parameter. See the API documentation for more information: "
        "https://platform.openai.com/docs/api-reference/responses/create."
    ),
    source="https://github.com/madox2/vim-ai/issues/162",
    param="messages",
)
CHAT_BODY = define(
    "responses.chat-body",
    Severity.ERROR,
    "A Chat Completions body (`messages`, no `input`) was sent to the Responses endpoint, which reads `input`.",
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        MESSAGES_MOVED_TO_INPUT,
        PredictedError(provider="llama.cpp", text="'input' is required", source="code [LCPP]"),
    ),
    example={"model": "gpt-4.1", "messages": [_USER]},
    example_url=RESPONSES_URL,
    notes=(
        "The issue shows the text re-wrapped by a terminal (quotes around the parameter names may be "
        "backticks in the raw body). Point the client at /chat/completions or convert `messages` to `input`."
    ),
    fixed={"model": "gpt-4.1", "input": [_USER]},
)
INVALID_INPUT = define(
    "responses.invalid-input",
    Severity.ERROR,
    "`input` is neither a string nor an array, or an input item is not a JSON object.",
    policy=policy(otherwise=Severity.ERROR),
    example=_example(input={"role": "user", "content": "hi"}),
    example_url=RESPONSES_URL,
    notes="doc [OAS] InputParam. No provider's error text has been observed yet, so none is predicted.",
    fixed=_example(input=[_USER]),
)
DUPLICATE_ITEM_ID = define(
    "responses.duplicate-item-id",
    Severity.ERROR,
    "Two input items carry the same `id` (e.g. a replayed `rs_`/`fc_`/`msg_` item sent twice).",
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Duplicate item found with id rs_0468ed37bb668691006993cda255988190ac105e2c82965386. Remove "
                "duplicate items from your input and try again."
            ),
            # Also OpenRouterTeam/ai-sdk-provider#254 and earendil-works/pi#5165 (same text, msg_/rs_ ids).
            source="https://github.com/continuedev/continue/issues/10723",
            param="input",
        ),
    ),
    example=_example(
        input=[
            _USER,
            {"type": "message", "role": "assistant", "id": "msg_1", "content": [_REPLY]},
            {"type": "message", "role": "assistant", "id": "msg_1", "content": [_REPLY]},
            {"role": "user", "content": "And tomorrow?"},
        ],
    ),
    example_url=RESPONSES_URL,
    notes=(
        "The same text comes back when an item already stored under `previous_response_id` is sent again "
        "(MacPaw/OpenAI#432); toolguard sees only the duplicates inside `input`."
    ),
    fixed=_example(input=[_USER]),
)
REASONING_LAST = define(
    "responses.reasoning-without-following-item",
    Severity.ERROR,
    "A `reasoning` item is not followed by the item it produced (a message or function call): it is the "
    "last input item, or the next one is an input (a user message, a tool output) or an assistant message "
    "typed in again without its item id.",
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Item 'rs_0c3876fcd4da19ef00692a14046bc8819eba6941c05c5ab7e7' of type 'reasoning' was provided "
                "without its required following item."
            ),
            source="https://github.com/continuedev/continue/issues/8933",
            param="input",
        ),
        PredictedError(
            # The input the thread shows: a reasoning item, then the assistant's answer as a plain
            # {role, content} message (its msg_ id dropped), then the next user turn.
            provider="openai",
            text=(
                "rs_68636eda2eec81a09eae5a780d7953000caa926c51f9f663 of type 'reasoning' was provided without "
                "its required following item"
            ),
            source="https://github.com/openai/openai-node/issues/1567",
            param="input",
        ),
    ),
    example=_example(
        model="o4-mini",
        input=[_USER, {"type": "reasoning", "id": "rs_0c3876fcd4", "summary": []}],
    ),
    example_url=RESPONSES_URL,
    notes=(
        "A warning on other Responses implementations. Replay the item that followed the reasoning item, "
        "with its id (`msg_...`, `fc_...`), or drop the reasoning item. A stateless client that keeps "
        "`encrypted_content` (`store: false`) may retype the assistant message without its id."
    ),
    fixed=_example(input=[_USER]),
)
#: The longest Responses ``call_id`` OpenAI's validator takes (Chat Completions' ids: shape.tool-call-id-too-long).
MAX_CALL_ID = 64
CALL_ID_TOO_LONG = define(
    "responses.call-id-too-long",
    Severity.ERROR,
    f"A `function_call` or `function_call_output` item's `call_id` is longer than the {MAX_CALL_ID} "
    "characters OpenAI takes.",
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            # ChatGPT's Codex backend (the same validator); a probe-3 thread, in-sample for the probe.
            provider="openai",
            text=(
                "Invalid 'input[95].call_id': string too long. Expected a string with maximum length 64, but got "
                "a string with length 116 instead."
            ),
            source="https://github.com/AnswerDotAI/fastllm/issues/45",
            param="input[95].call_id",
            code="string_above_max_length",
        ),
    ),
    example=_example(
        input=[_USER, {**_CALL, "call_id": "call_" + "x" * 60}, {**_OUTPUT, "call_id": "call_" + "x" * 60}],
        tools=[_TOOL],
    ),
    example_url=RESPONSES_URL,
    fixed=_example(input=[_USER, _CALL, _OUTPUT], tools=[_TOOL]),
    notes=(
        "Ids minted by another provider or a gateway and replayed (the Chat Completions limit is 40, "
        "shape.tool-call-id-too-long). Map each long id to a short one in the call and its output."
    ),
)
REASONING_NO_SUMMARY = define(
    "responses.reasoning-without-summary",
    Severity.ERROR,
    "A replayed `reasoning` item has no `summary` array (the Responses API requires it, `[]` when empty).",
    # doc [OAS] ResponseReasoningItem: `summary` is required; llama.cpp's server only recognises a reasoning
    # item by its summary array (am17an/llama.cpp#50, upstream ggml-org/llama.cpp#29159: "Cannot determine
    # type of 'item'"). An unrecognised Responses host follows the same schema (the probe-3 thread
    # newo-ether/Agora#141, in-sample there: "Input[N] missing required field `summary`").
    policy=policy(error=("openai-family", "generic", "llama.cpp"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="llama.cpp",
            text="Cannot determine type of 'item'",
            source="https://github.com/am17an/llama.cpp/issues/50",
        ),
        PredictedError(
            provider="generic",
            text="400 invalid_request_error: Input[N] missing required field `summary`",
            source="https://github.com/newo-ether/Agora/issues/141",
        ),
    ),
    example=_example(
        model="o4-mini",
        input=[
            _USER,
            {"type": "reasoning", "id": "rs_0c3876fcd4"},
            {**_CALL, "id": "fc_0c3876fcd4"},
            _OUTPUT,
        ],
        tools=[_TOOL],
    ),
    example_url=RESPONSES_URL,
    fixed=_example(
        model="o4-mini",
        input=[
            _USER,
            {"type": "reasoning", "id": "rs_0c3876fcd4", "summary": []},
            {**_CALL, "id": "fc_0c3876fcd4"},
            _OUTPUT,
        ],
        tools=[_TOOL],
    ),
    notes='Clients that store reasoning items drop an empty summary; replay it as `"summary": []`.',
)
CALL_WITHOUT_REASONING = define(
    "responses.function-call-without-reasoning",
    Severity.WARNING,
    "A reasoning model's replayed `function_call` keeps its item `id` (`fc_...`) but the `reasoning` item "
    "that preceded it is not in `input`.",
    policy=policy(otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Item 'fc_0a4d512680f81369006a5364c645f481a1a979134e6d548de1' of type 'function_call' was "
                "provided without its required 'reasoning' item: 'rs_0a4d512680f81369006a5364c4142481a1803037dcae023e29'."
            ),
            # Also mastra-ai/mastra#8738 and continuedev/continue#10018 (same text, o3/gpt-5).
            source="https://github.com/cline/cline/issues/12242",
            param="input",
        ),
    ),
    example=_example(
        model="gpt-5",
        input=[_USER, {**_CALL, "id": "fc_0a4d512680"}, _OUTPUT],
        tools=[_TOOL],
    ),
    example_url=RESPONSES_URL,
    notes=(
        "A warning: whether the call had a reasoning item is only known to the server. Keep each `reasoning` "
        "item right before the calls it produced (with `encrypted_content` when `store` is false), or drop the "
        "`fc_` item ids (continuedev/continue#11785)."
    ),
    fixed=_example(input=[_USER]),
)

#: The prefix OpenAI expects on a replayed item's ``id``, per item type: it checks each input item's id
#: against the prefix it mints for that type (``invalid_id_prefix``). Function call outputs and other
#: types are not checked here (no provider answer observed for them: Codex sends ``fco_`` ids).
ID_PREFIXES = {"message": "msg", "function_call": "fc", "reasoning": "rs"}
ITEM_ID_PREFIX = define(
    "responses.item-id-prefix",
    Severity.ERROR,
    "An input item's `id` does not begin with its type's prefix (`msg_` for a message, `fc_` for a "
    "function call, `rs_` for a reasoning item).",
    # OpenAI's validator, and an unknown host: most often a relay in front of OpenAI, which passes the
    # 400 on (CodexPlusPlus#1796, cockpit-tools#2090 below minted the ids themselves). A warning on
    # other Responses implementations (self-hosted servers, other clouds).
    policy=policy(error=("openai-family", "generic"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'input[371].id': '019f629b-43ee-7a82-acb1-3071dbffbdad'. Expected an ID that begins "
                "with 'msg'."
            ),
            # Also farion1231/cc-switch#5338 and mastra-ai/mastra#10815 (an `rs_` id on a message item).
            source="https://github.com/openai/codex/issues/33176",
            param="input[371].id",
            code="invalid_id_prefix",
        ),
        PredictedError(
            provider="openai",
            text="Invalid 'input[66].id': 'item_df7e40c3f04fc8ade5c3800e'. Expected an ID that begins with 'rs'.",
            source="https://github.com/jlcodes99/cockpit-tools/issues/2090",
            param="input[66].id",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'input[274].id': 'item_c270d5511c7129adc7475632'. Expected an ID that begins with 'fc'."
            ),
            # A relay (Codex++) minted `item_` ids for function calls; Codex replayed them to OpenAI.
            source="https://github.com/BigPizzaV3/CodexPlusPlus/issues/1796",
            param="input[274].id",
            code="invalid_id_prefix",
        ),
    ),
    example=_example(
        input=[
            _USER,
            {
                "type": "message",
                "role": "assistant",
                "id": "019f629b-43ee-7a82-acb1-3071dbffbdad",
                "content": [_REPLY],
            },
            {"role": "user", "content": "And tomorrow?"},
        ]
    ),
    example_url=RESPONSES_URL,
    notes=(
        "Item ids are optional: drop an id the client made up (or one minted by another provider, e.g. "
        "`call_...` from a chat-completions model) instead of inventing a prefixed one. The same check for "
        "function calls answers \"Expected an ID that begins with 'fc'\" (openai/codex#33176's reports). "
        "An error on an unknown host (most often a relay to OpenAI); a warning on other Responses "
        "implementations."
    ),
    fixed=_example(
        input=[
            _USER,
            {"type": "message", "role": "assistant", "content": [_REPLY]},
            {"role": "user", "content": "And tomorrow?"},
        ]
    ),
)


# ----------------------------------------------------------------------------- helpers


STORED_REFERENCE = define(
    "responses.item-reference-without-store",
    Severity.ERROR,
    "`store: false` and an input item that only points at a stored item: an `item_reference`, or a "
    "reasoning item with an id but no `encrypted_content`.",
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="Item with id 'rs_xxxxx' not found. Items are not persisted when 'store' is set to false",
            source="https://github.com/anomalyco/opencode/issues/7724",
            status=404,
        ),
    ),
    example=_example(
        input=[
            {"type": "item_reference", "id": "rs_68af4030592c81938ec0a5fbab4a3e9f"},
            {"role": "user", "content": "And tomorrow?"},
        ],
        store=False,
    ),
    example_url=RESPONSES_URL,
    fixed=_example(
        input=[
            {
                "type": "reasoning",
                "id": "rs_68af4030592c81938ec0a5fbab4a3e9f",
                "summary": [],
                "encrypted_content": "gAAAAABo...",
            },
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sunny."}]},
            {"role": "user", "content": "And tomorrow?"},
        ],
        store=False,
        include=["reasoning.encrypted_content"],
    ),
    notes=(
        "With `store: false` nothing is kept server-side, so a reference can never resolve. Replay the "
        "items themselves (reasoning with `encrypted_content`, requested via "
        '`include: ["reasoning.encrypted_content"]`), or set `store: true`.'
    ),
)
PREVIOUS_WITH_INSTRUCTIONS = define(
    "responses.previous-response-with-instructions",
    Severity.ERROR,
    "`instructions` together with `previous_response_id`, which xAI's Responses API does not combine.",
    policy=policy(error=("xai",)),
    example={
        "model": "grok-4",
        "input": "And tomorrow?",
        "instructions": "Be brief.",
        "previous_response_id": "resp_01",
    },
    example_url="https://api.x.ai/v1/responses",
    fixed={"model": "grok-4", "input": "And tomorrow?", "previous_response_id": "resp_01"},
    notes=(
        "xAI's Responses API reference: `instructions` is 'an alternate way to specify the system prompt. "
        "Cannot be used with previous_response_id' (mirrored in LangChain's xAI reference, "
        "https://reference.langchain.com/javascript/langchain-xai/XAIResponsesCreateParams; also "
        "https://github.com/0xPlaygrounds/rig/issues/1344). The stored conversation keeps its first "
        "system prompt; send a new one as a system message in `input`."
    ),
)


ARGUMENTS_NOT_STRING = define(
    "responses.function-arguments-not-string",
    Severity.ERROR,
    "A `function_call` item's `arguments` is not a string (an object or array was sent as is).",
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    example=_example(input=[_USER, {**_CALL, "arguments": {"city": "Paris"}}, _OUTPUT], tools=[_TOOL]),
    example_url=RESPONSES_URL,
    fixed=_example(input=[_USER, _CALL, _OUTPUT], tools=[_TOOL]),
    notes="doc [OAS] FunctionToolCall: `arguments` is a JSON string; OpenAI's validator rejects another "
    "type, other providers are not confirmed (warning). Serialise it with json.dumps.",
)
UNCONFIRMED_PART = define(
    "responses.content-part-unconfirmed",
    Severity.WARNING,
    "An input message has a Responses part type its role does not take (`output_text` in a user "
    "message, `input_image` in an assistant message).",
    policy=policy(otherwise=Severity.WARNING),
    example=_example(input=[{"role": "user", "content": [{"type": "output_text", "text": "Hi"}]}]),
    example_url=RESPONSES_URL,
    fixed=_example(input=[{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}]),
    notes="No provider's answer has been observed for these, hence a warning; the confirmed cases (a Chat "
    "Completions part such as `text` or `image_url`, `input_text` in an assistant message) are "
    "`responses.invalid-message-content`.",
)
MESSAGES_WITH_INPUT = define(
    "responses.messages-with-input",
    Severity.ERROR,
    "A Responses body carries both `input` and a Chat Completions `messages` field.",
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(MESSAGES_MOVED_TO_INPUT,),
    example={"model": "gpt-4.1", "input": [_USER], "messages": [_USER]},
    example_url=RESPONSES_URL,
    fixed={"model": "gpt-4.1", "input": [_USER]},
    notes="OpenAI refuses the unknown field; servers that ignore unknown fields answer from `input` (warning).",
)


def _input_items(view: RequestView) -> list[Any]:
    value = view.body.get("input")
    return value if isinstance(value, list) else []


def _is_message(item: dict[str, Any]) -> bool:
    kind = item.get("type")
    return kind == "message" or (kind is None and "role" in item)


def _valid_call_id(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _stateful(view: RequestView) -> bool:
    """Whether earlier items live on the server (so calls answered here may not be in ``input``)."""
    return bool(view.body.get("previous_response_id")) or bool(view.body.get("conversation"))


# ----------------------------------------------------------------------------- checks


@check(endpoints=(RESPONSES,))
def check_request_fields(view: RequestView) -> Iterator[Finding]:
    """Top-level fields: a chat body sent here, the shape of ``input``, state, output budget."""
    body = view.body
    if "messages" in body:
        yield from report_judged(
            (CHAT_BODY if "input" not in body else MESSAGES_WITH_INPUT),
            view,
            "messages",
            "The body has `messages`, which the Responses API does not read; send the conversation as "
            "`input` items (function results as function_call_output items), or post it to /chat/completions.",
        )
    value = body.get("input")
    if value is not None and not isinstance(value, str | list):
        yield from report_judged(
            INVALID_INPUT,
            view,
            "input",
            f"`input` is a JSON {json_type(value)}; send a string or an array of input items.",
        )
    for index, item in enumerate(_input_items(view)):
        if not isinstance(item, dict):
            yield from report_judged(
                INVALID_INPUT,
                view,
                f"input[{index}]",
                f"input[{index}] is a JSON {json_type(item)}, not an item object; wrap text as "
                '{"role": "user", "content": "..."}.',
            )
    if body.get("previous_response_id") and body.get("conversation"):
        yield from report_judged(
            STATE_CONFLICT,
            view,
            "previous_response_id",
            "Both `previous_response_id` and `conversation` are set; keep one source of earlier turns "
            "(`conversation` for a stored conversation, `previous_response_id` to chain responses).",
        )
    if body.get("previous_response_id") and body.get("instructions"):
        yield from report_judged(
            PREVIOUS_WITH_INSTRUCTIONS,
            view,
            "instructions",
            f"`instructions` is set together with `previous_response_id`; {view.provider.name} does not "
            "combine them. Drop `instructions` (the stored conversation keeps its system prompt) or send it "
            "as a system message in `input`.",
        )
    if body.get("store") is False:
        for index, item in enumerate(_input_items(view)):
            if not isinstance(item, dict):
                continue
            kind = item.get("type")
            item_id = item.get("id")
            # An item_reference without its id points at nothing: that is spec.missing-required's
            # ("Missing required parameter: 'input[2].id'.", the schema's ItemReferenceParam.id), and this
            # rule's "refers to stored item" would name the wrong fault (it would also hide that one).
            if not (isinstance(item_id, str) and item_id):
                continue
            if kind == "item_reference" or (kind == "reasoning" and not item.get("encrypted_content")):
                yield from report_judged(
                    STORED_REFERENCE,
                    view,
                    f"input[{index}]",
                    f"input[{index}] refers to stored item {item_id} but `store` is false, so nothing was "
                    "stored; replay the item itself (reasoning with encrypted_content) or set store: true.",
                )
    rejected = view.provider.responses_rejected_params
    for key in rejected.keys() & body.keys():
        # params.rejected-by-provider (rules/params.py), looked up by id: rule modules import no other.
        yield from RULES["params.rejected-by-provider"].report(
            view, key, f"{rejected[key]}; remove `{key}` from requests to {view.provider.name}."
        )
    limit = body.get("max_output_tokens")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit < MIN_OUTPUT_TOKENS:
        yield from report_judged(
            MAX_OUTPUT_TOKENS,
            view,
            "max_output_tokens",
            f"`max_output_tokens` is {limit}; the Responses API requires at least {MIN_OUTPUT_TOKENS}.",
        )


@check(endpoints=(RESPONSES,))
def check_function_call_pairing(view: RequestView) -> Iterator[Finding]:
    """Every ``function_call`` answered once by a later ``function_call_output`` with its call_id."""
    items = _input_items(view)
    stateful = _stateful(view)
    call_sites: dict[str, list[int]] = {}  # every function_call position per call_id
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("type") == "function_call":
            call_id = item.get("call_id")
            if _valid_call_id(call_id):
                call_sites.setdefault(call_id, []).append(index)

    open_calls: dict[str, list[int]] = {}  # calls not answered yet, per call_id, in order
    answered: dict[str, int] = {}  # call_id -> the output that answered it
    answered_early: set[int] = set()  # calls whose output came before them (reported once)
    first_call: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind not in ("function_call", "function_call_output"):
            continue
        where = f"input[{index}]"
        call_id = item.get("call_id")
        if not _valid_call_id(call_id):
            if call_id == "":
                problem = "an empty call_id"
            else:
                problem = "no call_id" if call_id is None else f"a {json_type(call_id)} call_id"
            if kind == "function_call":
                fix = "keep the call_id the model returned so its output can match it."
            else:
                fix = "set it to the call_id of the function_call it answers"
                # The output most likely answers the oldest open call: name it, and do not report
                # that call as unanswered too (one mistake, one finding).
                oldest = min(((sites[0], cid) for cid, sites in open_calls.items() if sites), default=None)
                if oldest is not None:
                    open_calls[oldest[1]].pop(0)
                    fix += f" (probably {oldest[1]}, called at input[{oldest[0]}] and not answered yet)"
                fix += "."
            yield from report_judged(
                MISSING_CALL_ID, view, f"{where}.call_id", f"{where} ({kind}) has {problem}; {fix}"
            )
            continue
        if kind == "function_call":
            if call_id in first_call:
                yield from report_judged(
                    DUPLICATE_CALL_ID,
                    view,
                    f"{where}.call_id",
                    f"{where} reuses call_id {call_id}, first used at input[{first_call[call_id]}]; give every "
                    "call a unique call_id so each output matches one call.",
                )
            first_call.setdefault(call_id, index)
            open_calls.setdefault(call_id, []).append(index)
            yield from _check_arguments(view, where, item)
            continue
        pending = open_calls.get(call_id)
        if pending:
            pending.pop(0)
            answered[call_id] = index
            continue
        if call_id in answered:
            yield from report_judged(
                DUPLICATE_OUTPUT,
                view,
                f"{where}.call_id",
                f"{where} answers {call_id} again (already answered at input[{answered[call_id]}]); keep one "
                "function_call_output per call.",
            )
            continue
        later = [site for site in call_sites.get(call_id, ()) if site > index and site not in answered_early]
        if later:
            answered_early.add(later[0])
            yield from report_judged(
                ORPHAN_OUTPUT,
                view,
                f"{where}.call_id",
                f"{where} answers {call_id}, but its function_call comes later, at input[{later[0]}]. Move the "
                "output after the call.",
            )
            continue
        if stateful:
            continue  # the call can be a stored item of previous_response_id / conversation
        yield from report_judged(
            ORPHAN_OUTPUT,
            view,
            f"{where}.call_id",
            f"{where} answers {call_id}, but no function_call item with that call_id comes before it and the "
            "request has no previous_response_id or conversation that could hold it. Send the function_call "
            "item before its output, or drop the output.",
        )
    for call_id, sites in open_calls.items():
        for site in sites:
            if site in answered_early:
                continue
            yield from report_judged(
                UNANSWERED_CALL,
                view,
                f"input[{site}].call_id",
                f"input[{site}] calls {call_id} but no function_call_output with that call_id follows it. Add "
                "one (a failure text if the tool did not run) or remove the call.",
            )


@check(endpoints=(RESPONSES,))
def check_function_call_adjacency(view: RequestView) -> Iterator[Finding]:
    """Only calls and outputs between a function_call and its output (a server that rebuilds chat turns)."""
    items = _input_items(view)
    last_call: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        call_id = item.get("call_id")
        if kind == "function_call" and _valid_call_id(call_id):
            last_call[call_id] = index
            continue
        if kind != "function_call_output" or not _valid_call_id(call_id) or call_id not in last_call:
            continue
        start = last_call.pop(call_id)
        between = next(
            (
                position
                for position in range(start + 1, index)
                if not (isinstance(items[position], dict) and items[position].get("type") in _TOOL_STEP_ITEMS)
            ),
            None,
        )
        if between is None:
            continue
        other = items[between]
        what = (other.get("type") or other.get("role") or "item") if isinstance(other, dict) else "item"
        yield from report_judged(
            OUTPUT_NOT_ADJACENT,
            view,
            f"input[{index}].call_id",
            f"input[{index}] answers {call_id}, called at input[{start}], but input[{between}] (a {what}) stands "
            "between them; DeepSeek's Responses endpoint pairs a call with its output only when they are "
            'adjacent ("No tool output found for tool call ..."). Move the output right after its call and the '
            "other item after it.",
        )


def _check_arguments(view: RequestView, where: str, item: dict[str, Any]) -> Iterator[Finding]:
    problem = arguments_problem(item.get("arguments"))
    if problem is None:
        return
    # A non-string breaks the documented type; a string that is not one object may still be accepted.
    rule = BAD_ARGUMENTS if isinstance(item.get("arguments"), str) else ARGUMENTS_NOT_STRING
    yield from report_judged(
        rule,
        view,
        f"{where}.arguments",
        f"{where}.arguments {problem}; send one JSON object serialised as a string, e.g. '{{}}'.",
    )


@check(endpoints=(RESPONSES,))
def check_items(view: RequestView) -> Iterator[Finding]:
    """Message roles and content parts, duplicate item ids, and reasoning items."""
    items = _input_items(view)
    item_ids: dict[str, int] = {}
    reasoning_model = bool(_REASONING_MODEL.match(normalise_model(view.model or "")))
    stateful = _stateful(view)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        where = f"input[{index}]"
        item_id = item.get("id")
        if isinstance(item_id, str) and item_id:
            if item_id in item_ids:
                yield from report_judged(
                    DUPLICATE_ITEM_ID,
                    view,
                    f"{where}.id",
                    f"{where} repeats item id {item_id} (first at input[{item_ids[item_id]}]); send each item "
                    "once, or drop the replayed item ids.",
                )
            item_ids.setdefault(item_id, index)
        kind = "message" if _is_message(item) else item.get("type")
        prefix = ID_PREFIXES.get(kind) if isinstance(kind, str) else None
        if prefix and isinstance(item_id, str) and item_id and not item_id.startswith(prefix):
            yield from report_judged(
                ITEM_ID_PREFIX,
                view,
                f"{where}.id",
                f"{where} ({kind}) has id {item_id!r}, which does not begin with '{prefix}'; OpenAI expects "
                f"the {prefix}_ ids it minted. Drop the id (it is optional) rather than replay a made-up one.",
            )
        call_id = item.get("call_id")
        if isinstance(call_id, str) and len(call_id) > MAX_CALL_ID:
            yield from report_judged(
                CALL_ID_TOO_LONG,
                view,
                f"{where}.call_id",
                f"{where}.call_id is {len(call_id)} characters; OpenAI takes at most {MAX_CALL_ID}. Replace it "
                "with a shorter id in the call and in its output.",
            )
        if item.get("type") == "reasoning":
            if not isinstance(item.get("summary"), list):
                yield from report_judged(
                    REASONING_NO_SUMMARY,
                    view,
                    f"{where}.summary",
                    f'{where} (reasoning) has no summary array; send "summary": [] when it is empty.',
                )
            if index + 1 < len(items) and _needs_following_item(view, item, items[index + 1]):
                yield from report_judged(
                    REASONING_LAST,
                    view,
                    where,
                    f"{where} is a reasoning item followed by {_item_kind(items[index + 1])}, not by the item it "
                    "produced; replay that message or function_call with its id, or drop the reasoning item.",
                )
        if _is_message(item):
            yield from _check_message(view, where, item)
        elif (
            item.get("type") == "function_call"
            and reasoning_model
            and not stateful
            and not _replays_own_reasoning(view)
            and isinstance(item_id, str)
            and item_id.startswith("fc_")
            and not _reasoning_before(items, index)
        ):
            yield from report_judged(
                CALL_WITHOUT_REASONING,
                view,
                where,
                f"{where} replays function_call {item_id} for reasoning model {view.model}, but no reasoning "
                "item precedes this turn's calls; OpenAI rejects the call if it had one. Send the reasoning "
                "item before it, or omit the function_call's id.",
            )
    if items and isinstance(items[-1], dict) and items[-1].get("type") == "reasoning":
        yield from report_judged(
            REASONING_LAST,
            view,
            f"input[{len(items) - 1}]",
            f"input[{len(items) - 1}] is a reasoning item with nothing after it; replay the message or "
            "function_call it produced, or drop the reasoning item.",
        )
    yield from _check_json_word(view, items)


#: Items a reasoning item can produce: an assistant message or a tool call of any kind.
_PRODUCED = re.compile(r"^(?:function_call|\w+_call)$")


def _needs_following_item(view: RequestView, reasoning: dict[str, Any], following: Any) -> bool:
    """Whether the item after a reasoning item (one OpenAI knows by its ``rs_`` id) is not what it
    produced: an input (a user/system/developer message, a tool output), or the assistant's message typed in
    again without its ``msg_`` id (openai/openai-node#1567). A stateless client replaying its own
    encrypted reasoning retypes messages without ids; that is not judged here."""
    if not isinstance(following, dict) or not str(reasoning.get("id") or "").startswith("rs_"):
        return False
    kind = following.get("type")
    if isinstance(kind, str) and (_PRODUCED.match(kind) or kind == "reasoning"):
        return False
    if kind == "function_call_output" or (isinstance(kind, str) and kind.endswith("_output")):
        return True
    if not _is_message(following):
        return False  # an item type toolguard does not know: not judged
    if following.get("role") != "assistant":
        return True
    return not following.get("id") and not _replays_own_reasoning(view)


def _item_kind(item: Any) -> str:
    if isinstance(item, dict):
        if _is_message(item):
            role = item.get("role")
            article = "an" if str(role)[:1] in ("a", "e", "i", "o", "u") else "a"
            return f"{article} {role} message" + (
                "" if item.get("id") or role != "assistant" else " without its id"
            )
        kind = item.get("type")
        if isinstance(kind, str):
            return f"a {kind} item"
    return "an item that is not an object"


def _replays_own_reasoning(view: RequestView) -> bool:
    """A stateless client that asks for ``reasoning.encrypted_content`` (``store: false``) keeps every
    reasoning item the server returned and replays it (Codex, opencode): a call without one before it
    had none (the server returned no reasoning item to replay), so there is nothing to warn about."""
    include = view.body.get("include")
    return (
        view.body.get("store") is False
        and isinstance(include, list)
        and "reasoning.encrypted_content" in include
    )


def _reasoning_before(items: list[Any], index: int) -> bool:
    """Whether a reasoning item precedes the run of function_call items that ``index`` is in."""
    position = index - 1
    while position >= 0:
        item = items[position]
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "reasoning":
            return True
        if kind != "function_call":
            return False
        position -= 1
    return False


def _check_message(view: RequestView, where: str, item: dict[str, Any]) -> Iterator[Finding]:
    role = item.get("role")
    if not isinstance(role, str) or role not in MESSAGE_ROLES:
        if role == "tool":
            fix = (
                "a chat-style tool message; send it as "
                '{"type": "function_call_output", "call_id": ..., "output": ...}'
            )
        else:
            fix = "use user, assistant, system or developer"
        yield from report_judged(INVALID_ROLE, view, f"{where}.role", f"{where} has role {role!r}: {fix}.")
        return
    content = item.get("content")
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        yield from report_judged(
            INVALID_CONTENT,
            view,
            f"{where}.content",
            f"{where} ({role}) has "
            + ("no content" if content is None else f"content of type {json_type(content)}")
            + "; send a string or a list of content parts.",
        )
        return
    allowed = ASSISTANT_PART_TYPES if role == "assistant" else INPUT_PART_TYPES
    for part_index, part in enumerate(content):
        part_type = part.get("type") if isinstance(part, dict) else None
        part_type = part_type if isinstance(part_type, str) else None  # [] or {} is no type (and unhashable)
        if part_type in allowed:
            continue
        location = f"{where}.content[{part_index}]"
        if role == "assistant" and part_type == "input_text":
            # Confirmed: OpenAI answers "Invalid value: 'input_text'. Supported values are:
            # 'output_text' and 'refusal'." (SwiftOpenAI#136, hermes-agent#15687).
            rule, fix = INVALID_CONTENT, "replayed assistant text is an output_text part"
        elif role == "assistant" and part_type == "text":
            # Not a Responses part type at all (CHAT_PART_TYPES): refused whatever the role.
            rule, fix = INVALID_CONTENT, "replayed assistant text is an output_text part"
        elif part_type in CHAT_PART_TYPES:
            rule = INVALID_CONTENT
            fix = (
                f"that is a Chat Completions part; the Responses API calls it {CHAT_PART_TYPES[part_type]!r}"
            )
        else:
            rule, fix = UNCONFIRMED_PART, f"a {role} message takes {', '.join(sorted(allowed))} parts"
        yield from report_judged(
            rule, view, location, f"{location} has type {part_type!r} in a {role} message; {fix}."
        )


def _check_json_word(view: RequestView, items: list[Any]) -> Iterator[Finding]:
    text = view.body.get("text")
    text_format = text.get("format") if isinstance(text, dict) else None
    if not isinstance(text_format, dict) or text_format.get("type") != "json_object":
        return
    if any(_JSON_WORD.search(chunk) for chunk in _input_texts(view, items)):
        return
    yield from report_judged(
        JSON_WITHOUT_WORD,
        view,
        "text.format",
        '`text.format` is json_object but no input message or `instructions` contains the word "json"; '
        "say in the instructions that the answer must be JSON (and which shape), or use json_schema.",
    )


def _input_texts(view: RequestView, items: list[Any]) -> Iterator[str]:
    instructions = view.body.get("instructions")
    if isinstance(instructions, str):
        yield instructions
    value = view.body.get("input")
    if isinstance(value, str):
        yield value
    for item in items:
        if not isinstance(item, dict) or not _is_message(item):
            continue
        content = item.get("content")
        if isinstance(content, str):
            yield content
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    yield part["text"]


@check(endpoints=(RESPONSES,))
def check_tools(view: RequestView) -> Iterator[Finding]:
    """Function tools use the flat Responses shape (``name`` at the top level)."""
    tools = view.body.get("tools")
    if not isinstance(tools, list):
        return
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict) or tool.get("type") != "function":
            continue
        name = tool.get("name")
        if isinstance(name, str) and name:
            continue
        nested = tool.get("function")
        if isinstance(nested, dict):
            message = (
                f"tools[{index}] uses the Chat Completions shape (a nested `function` object); the Responses "
                'API wants {"type": "function", "name": ..., "description": ..., "parameters": ...} with the '
                "fields moved up one level."
            )
        else:
            message = f"tools[{index}] is a function tool without a `name`; add the function's name."
        yield from report_judged(CHAT_STYLE_TOOL, view, f"tools[{index}].name", message)


# --- hosted tools with the minimal reasoning effort (issue 9 round 8) ------------------------------
#
# OpenAI runs its hosted tools only above the lowest reasoning effort: "The following tools cannot be
# used with reasoning.effort 'minimal': web_search." (openai/codex#3559, Codex 0.34 with gpt-5 and
# effort minimal) and "... 'minimal': image_gen, web_search" from the Codex backend. Function tools are
# not affected (minimal takes them). Only the tool types such texts name are listed.
HOSTED_TOOLS_NEED_EFFORT: Final = frozenset(
    {
        "web_search",
        "web_search_preview",
        "web_search_2025_08_26",
        "web_search_preview_2025_03_11",
        "image_generation",
    }
)
MINIMAL_EFFORT_TOOLS = define(
    "responses.hosted-tool-with-minimal-effort",
    Severity.ERROR,
    'A hosted tool (web search, image generation) with `reasoning.effort: "minimal"`, which OpenAI refuses.',
    policy=policy(error=("openai", "chatgpt-codex"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="The following tools cannot be used with reasoning.effort 'minimal': web_search.",
            source="https://github.com/openai/codex/issues/3559",
            param="tools",
        ),
    ),
    example={
        "model": "gpt-5",
        "input": "Latest news?",
        "reasoning": {"effort": "minimal"},
        "tools": [{"type": "web_search"}],
    },
    example_url=RESPONSES_URL,
    fixed={
        "model": "gpt-5",
        "input": "Latest news?",
        "reasoning": {"effort": "low"},
        "tools": [{"type": "web_search"}],
    },
    notes=(
        "Raise the effort to low (the lowest that takes hosted tools) or drop the tool for that turn. The "
        "same refusal from the ChatGPT Codex backend names image_gen as well; a warning on other hosts, "
        "which may not run OpenAI's hosted tools at all."
    ),
)


@check(endpoints=(RESPONSES,))
def check_hosted_tools_effort(view: RequestView) -> Iterator[Finding]:
    """Hosted tools that OpenAI runs only above ``reasoning.effort: "minimal"``."""
    reasoning = view.body.get("reasoning")
    if not isinstance(reasoning, dict) or reasoning.get("effort") != "minimal":
        return
    tools = view.body.get("tools")
    if not isinstance(tools, list):
        return
    kinds = (t.get("type") for t in tools if isinstance(t, dict))
    hosted = sorted({kind for kind in kinds if isinstance(kind, str) and kind in HOSTED_TOOLS_NEED_EFFORT})
    if hosted:
        yield from report_judged(
            MINIMAL_EFFORT_TOOLS,
            view,
            "reasoning.effort",
            f"reasoning.effort is 'minimal' and the request carries {', '.join(hosted)}, which "
            f"{view.provider.name} does not run at that effort; use 'low' or higher, or drop the tool.",
        )


# --- chat parameters the Responses API moved (issue 9 round 7) -------------------------------------
#
# The Responses API renamed some Chat Completions parameters, and OpenAI's validator names the new place:
# "Unsupported parameter: 'reasoning_effort'. In the Responses API, this parameter has moved to
# 'reasoning.effort'." (lobehub/lobehub#8116) and the same sentence for `response_format` moving to
# `text.format` (mkht/PSOpenAI#44). Only the renames such a text shows are listed; `messages` is
# responses.chat-body's.

#: Chat parameter -> where the Responses API takes it (the texts above).
MOVED_PARAMETERS = {"reasoning_effort": "reasoning.effort", "response_format": "text.format"}

CHAT_PARAMETER = define(
    "responses.chat-parameter",
    Severity.ERROR,
    "A Chat Completions parameter the Responses API moved elsewhere (`reasoning_effort` is "
    "`reasoning.effort`, `response_format` is `text.format`).",
    policy=policy(error=("openai-family",), warning=("generic",)),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Unsupported parameter: 'reasoning_effort'. In the Responses API, this parameter has moved to "
                "'reasoning.effort'. Try again with the new parameter. See the API documentation for more "
                "information: https://platform.openai.com/docs/api-reference/responses/create."
            ),
            source="https://github.com/lobehub/lobehub/issues/8116",
            code="unsupported_parameter",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Unsupported parameter: 'response_format'. In the Responses API, this parameter has moved to "
                "'text.format'. Try again with the new parameter. See the API documentation for more "
                "information: https://platform.openai.com/docs/api-reference/responses/create."
            ),
            source="https://github.com/mkht/PSOpenAI/issues/44",
        ),
    ),
    example=_example(model="gpt-5", input=[_USER], reasoning_effort="low"),
    example_url=RESPONSES_URL,
    fixed=_example(model="gpt-5", input=[_USER], reasoning={"effort": "low"}),
    notes=(
        "OpenAI and Azure OpenAI run this validator; a warning on an unrecognised host (a gateway may "
        "translate the old name); other providers' Responses endpoints are judged by their own rules."
    ),
)


@check(endpoints=(RESPONSES,))
def check_moved_chat_parameters(view: RequestView) -> Iterator[Finding]:
    for name, moved in MOVED_PARAMETERS.items():
        if name in view.body:
            yield from report_judged(
                CHAT_PARAMETER,
                view,
                name,
                f"`{name}` is a Chat Completions parameter; the Responses API takes it as `{moved}` (OpenAI "
                f"answers \"Unsupported parameter: '{name}'. In the Responses API, this parameter has moved to "
                f"'{moved}'.\"). Move it there.",
            )


# LM Studio's Responses API requires `text.format` once a `text` object is sent, where OpenAI takes `text: {}`
# as the default format. Reported against LM Studio 0.4.5 and the clients that send `text: {}` by default
# (n8n's OpenAI node and its Chat beta, LibreChat): lmstudio-ai/lmstudio-bug-tracker#1576 (open), n8n-io/n8n#24492,
# n8n-io/n8n#25113, each with LM Studio's logged answer.
TEXT_WITHOUT_FORMAT = define(
    "responses.text-without-format",
    Severity.ERROR,
    "A `text` object without `format` on a Responses endpoint that requires it (LM Studio).",
    policy=policy(error=("lmstudio",)),
    predicts=(
        PredictedError(
            provider="lmstudio",
            text=(
                '[Server Error] {\n  "error": {\n    "message": "Required",\n    "type": "invalid_request_error",\n'
                '    "param": "text.format",\n    "code": "missing_required_parameter"\n  }\n}'
            ),
            source="https://github.com/n8n-io/n8n/issues/24492",
            param="text.format",
            code="missing_required_parameter",
        ),
    ),
    example={
        "model": "qwen/qwen3-coder-30b",
        "input": [{"type": "message", "role": "user", "content": "Hi"}],
        "text": {},
    },
    example_url="http://localhost:1234/v1/responses",
    fixed={"model": "qwen/qwen3-coder-30b", "input": [{"type": "message", "role": "user", "content": "Hi"}]},
    notes=(
        "OpenAI and most servers take `text: {}` as the default (plain text) format; LM Studio answers "
        '"Required" for `text.format`. Drop the empty `text` object or send `text: {"format": {"type": "text"}}`.'
    ),
)


@check(endpoints=(RESPONSES,))
def check_text_without_format(view: RequestView) -> Iterator[Finding]:
    text = view.body.get("text")
    if isinstance(text, dict) and "format" not in text:
        yield from TEXT_WITHOUT_FORMAT.report(
            view,
            "text.format",
            f"`text` has no `format`; {view.provider.name} requires `text.format` once `text` is sent (it answers "
            '"Required"). Drop the empty `text` object or send `text: {"format": {"type": "text"}}`.',
        )
