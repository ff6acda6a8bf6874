"""The provider inferred from the model name (issue 9, deliver 1) reaches the Responses and Messages
rules the way it reaches the model rules: on an unrecognised host a model the catalog knows is judged
by its vendor's declared policy, and the finding says the provider was inferred from the model name.
A model the catalog does not know, and the vendor's own host, are judged as before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_analysis.check import check_body

UNKNOWN_HOST = "http://127.0.0.1:9"
USER = {"role": "user", "content": "Hello"}
REASONING_LAST = [USER, {"type": "reasoning", "id": "rs_0c3876fcd4", "summary": []}]
REASONING_MESSAGE = (
    "input[1] is a reasoning item with nothing after it; replay the message or function_call it produced, "
    "or drop the reasoning item."
)


def inferred(vendor: str) -> str:
    return (
        f" The host is not a recognised provider: the provider ({vendor}) was inferred from the model name, "
        "using toolguard's model catalog; map the host with [[gateway]] in the providers config if that is wrong."
    )


#: The note an unknown model on an unknown host gets on every API the model rules read (session 18).
SKIPPED = (
    "model.rules-skipped",
    "info",
    "model",
    "toolguard knows neither this host (127.0.0.1) nor the model 'my-own-model', so the model rules (tools, images, "
    'limits, reasoning parameters) were skipped. Map the host with [[gateway]] or add [models."my-own-model"] in the '
    "providers config to check them.",
)

CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, str, str]]]] = [
    # The gap: an OpenAI model on an unknown host got a warning where OpenAI's validator rejects it.
    (
        f"{UNKNOWN_HOST}/v1/responses",
        {"model": "o4-mini", "input": REASONING_LAST},
        [
            (
                "responses.reasoning-without-following-item",
                "error",
                "input[1]",
                REASONING_MESSAGE + inferred("OpenAI"),
            )
        ],
    ),
    # OpenAI's own host: an error, and nothing inferred.
    (
        "https://api.openai.com/v1/responses",
        {"model": "o4-mini", "input": REASONING_LAST},
        [("responses.reasoning-without-following-item", "error", "input[1]", REASONING_MESSAGE)],
    ),
    # A model no catalog knows on an unknown host: the host's level, unchanged, and (session 18) the note that the
    # model rules were skipped, as on Chat Completions.
    (
        f"{UNKNOWN_HOST}/v1/responses",
        {"model": "my-own-model", "input": REASONING_LAST},
        [
            ("responses.reasoning-without-following-item", "warning", "input[1]", REASONING_MESSAGE),
            SKIPPED,
        ],
    ),
    # Claude 4.5 on an unknown host: Anthropic's rejection of temperature with top_p (silent on an unknown
    # host before), and an OpenAI-style tool_choice string (a warning before).
    (
        f"{UNKNOWN_HOST}/v1/messages",
        {
            "model": "claude-sonnet-4-5",
            "max_tokens": 100,
            "temperature": 0.5,
            "top_p": 0.9,
            "messages": [USER],
        },
        [
            (
                "anthropic.temperature-with-top-p",
                "error",
                "top_p",
                "claude-sonnet-4-5 accepts `temperature` or `top_p`, not both; drop one (usually `top_p`)."
                + inferred("Anthropic"),
            )
        ],
    ),
    (
        f"{UNKNOWN_HOST}/v1/messages",
        {"model": "my-own-model", "max_tokens": 100, "temperature": 0.5, "top_p": 0.9, "messages": [USER]},
        [SKIPPED],
    ),
    # Valid requests stay clean whoever the vendor is.
    (f"{UNKNOWN_HOST}/v1/responses", {"model": "o4-mini", "input": [USER]}, []),
    (
        f"{UNKNOWN_HOST}/v1/messages",
        {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [USER]},
        [],
    ),
]


@pytest.mark.parametrize(("url", "body", "expected"), CASES)
def test_rules_judge_a_known_model_by_its_vendor_on_an_unknown_host(
    url: str, body: dict[str, Any], expected: list[tuple[str, str, str, str]]
) -> None:
    analysis = check_body(json.dumps(body).encode(), url)
    assert [(f.rule, f.severity, f.location, f.message) for f in analysis.findings] == expected


# --- the OpenAI-compatible rules that encode a vendor's validator (tools.*, tool_choice.*,
# parallel_tool_calls.*, messages.*): the same judgment on Chat Completions ---------------------------

CHAT = f"{UNKNOWN_HOST}/v1/chat/completions"
PARAMS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
NO_PARAMS = object()


def tool(name: str = "get_weather", parameters: Any = PARAMS, **extra: Any) -> dict[str, Any]:
    function: dict[str, Any] = {"name": name, **extra}
    if parameters is not NO_PARAMS:
        function["parameters"] = parameters
    return {"type": "function", "function": function}


def chat(model: str, **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": [USER], **fields}


def name_message(pattern: str, host: str) -> str:
    return (
        f"Function name 'get weather' does not match {pattern} on {host} (offending: ' '). Replace other "
        "characters with '_'."
    )


OPENAI_NAME = "^[a-zA-Z0-9_-]+$"
UNKNOWN = "OpenAI-compatible (unknown provider)"
CONST_SCHEMA = {"type": "object", "properties": {"unit": {"type": "string", "const": "c"}}}
EMPTY_TOOLS = "tools is an empty array; omit `tools` (and `tool_choice`) on turns without tools."
PARALLEL = "parallel_tool_calls is set but the request sends no tools; drop parallel_tool_calls on turns without tools."
STRICT = "Function 'get_weather' is strict: In context=(), 'additionalProperties' is required to be supplied and to be false."
FORCED = {"type": "function", "function": {"name": "get_weather"}}
FAMILIES = ("tools.", "tool_choice.", "parallel_tool_calls.", "messages.")

# (id, url, body, expected rows): per moved rule, a known model on an unknown host gets its vendor's level
# and the inferred sentence; an unknown model there and a recognised host are judged as before.
CHAT_CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str, str]]]] = [
    (
        "invalid-name-openai-model",
        CHAT,
        chat("gpt-4o", tools=[tool("get weather")]),
        [
            (
                "tools.invalid-name",
                "error",
                "tools[0].function.name",
                name_message(OPENAI_NAME, "OpenAI") + inferred("OpenAI"),
            )
        ],
    ),
    (
        "invalid-name-unknown-model",
        CHAT,
        chat("my-own-model", tools=[tool("get weather")]),
        [("tools.invalid-name", "warning", "tools[0].function.name", name_message(OPENAI_NAME, UNKNOWN))],
    ),
    (
        "invalid-name-openai-host",
        "https://api.openai.com/v1/chat/completions",
        chat("gpt-4o", tools=[tool("get weather")]),
        [("tools.invalid-name", "error", "tools[0].function.name", name_message(OPENAI_NAME, "OpenAI"))],
    ),
    (
        "invalid-name-groq-host",
        "https://api.groq.com/openai/v1/chat/completions",
        chat("openai/gpt-oss-120b", tools=[tool("get weather")]),
        [("tools.invalid-name", "error", "tools[0].function.name", name_message(OPENAI_NAME, "Groq"))],
    ),
    # Gemini's own pattern takes a dot, so a Gemini model's dotted name is not flagged by OpenAI's (it was a
    # warning before); a space still breaks Gemini's.
    ("invalid-name-gemini-dot", CHAT, chat("gemini-2.5-flash", tools=[tool("weather.get")]), []),
    (
        "invalid-name-gemini-space",
        CHAT,
        chat("gemini-2.5-flash", tools=[tool("get weather")]),
        [
            (
                "tools.invalid-name",
                "error",
                "tools[0].function.name",
                name_message("^[a-zA-Z_][a-zA-Z0-9_.:-]*$", "Gemini (OpenAI compatibility)")
                + inferred("Gemini (OpenAI compatibility)"),
            )
        ],
    ),
    (
        "empty-deepseek-model",
        CHAT,
        chat("deepseek-chat", tools=[]),
        [("tools.empty", "error", "tools", EMPTY_TOOLS + inferred("DeepSeek"))],
    ),
    (
        "empty-unknown-model",
        CHAT,
        chat("my-own-model", tools=[]),
        [("tools.empty", "warning", "tools", EMPTY_TOOLS)],
    ),
    (
        "too-many-openai-model",
        CHAT,
        chat("gpt-4o", tools=[tool(f"t{i}") for i in range(129)]),
        [
            (
                "tools.too-many",
                "error",
                "tools",
                "The request declares 129 tools; OpenAI accepts at most 128. Send only the tools this turn needs, "
                "or defer the rest behind a search tool." + inferred("OpenAI"),
            )
        ],
    ),
    (
        "schema-keyword-gemini-model",
        CHAT,
        chat("gemini-2.5-flash", tools=[tool(parameters=CONST_SCHEMA)]),
        [
            (
                "tools.schema-keyword-unsupported",
                "error",
                "tools[0].function.parameters.properties.unit.const",
                "Function 'get_weather': Gemini (OpenAI compatibility) does not take the schema keyword 'const' "
                "(in context=('properties', 'unit')); use a one-value enum instead."
                + inferred("Gemini (OpenAI compatibility)"),
            )
        ],
    ),
    ("schema-keyword-unknown-model", CHAT, chat("my-own-model", tools=[tool(parameters=CONST_SCHEMA)]), []),
    (
        "schema-type-missing-kimi-model",
        CHAT,
        chat(
            "kimi-k2-0905-preview",
            tools=[tool(parameters={"type": "object", "properties": {"u": {"description": "x"}}})],
        ),
        [
            (
                "tools.schema-type-missing",
                "error",
                "tools[0].function.parameters.properties.u",
                "Function 'get_weather': context=('properties', 'u') has no type; Moonshot requires one on every "
                "property. Add it (e.g. 'string'), or move the choices into anyOf items that each have one."
                + inferred("Moonshot AI (Kimi)"),
            )
        ],
    ),
    (
        "parameters-missing-minimax-model",
        CHAT,
        chat("MiniMax-M2", tools=[tool(parameters=NO_PARAMS)]),
        [
            (
                "tools.parameters-missing",
                "error",
                "tools[0].function",
                "Function 'get_weather' has no parameters; MiniMax requires them. Send {'type': 'object', "
                "'properties': {}} for a function without arguments." + inferred("MiniMax"),
            )
        ],
    ),
    ("parameters-missing-unknown-model", CHAT, chat("my-own-model", tools=[tool(parameters=NO_PARAMS)]), []),
    (
        "strict-openai-model",
        CHAT,
        chat("gpt-4o", tools=[tool(strict=True)]),
        [
            (
                "tools.strict-additional-properties",
                "error",
                "tools[0].function.parameters",
                STRICT + inferred("OpenAI"),
            )
        ],
    ),
    # Mistral accepts a strict schema without additionalProperties (the rule is silent there): judged as
    # Mistral, the warning an unknown host gets goes too.
    ("strict-mistral-model", CHAT, chat("mistral-large-latest", tools=[tool(strict=True)]), []),
    (
        "strict-unknown-model",
        CHAT,
        chat("my-own-model", tools=[tool(strict=True)]),
        [("tools.strict-additional-properties", "warning", "tools[0].function.parameters", STRICT)],
    ),
    (
        "description-too-long-openai-model",
        CHAT,
        # Not judged as OpenAI: OpenAI itself accepts long descriptions, so a gateway in front of gpt-4o
        # would flag every agent CLI request (opencode's guide e2e: clean runs store no row).
        chat("gpt-4o", tools=[tool(description="x" * 1100)]),
        [],
    ),
    (
        "description-too-long-unknown-model",
        CHAT,
        chat("my-own-model", tools=[tool(description="x" * 1100)]),
        [],
    ),
    (
        "tool-choice-invalid-openai-model",
        CHAT,
        chat("gpt-4o", tools=[tool()], tool_choice="any"),
        [
            (
                "tool_choice.invalid",
                "error",
                "tool_choice",
                "tool_choice 'any' is not one of 'none', 'auto', 'required'. To force one function send "
                "{'type': 'function', 'function': {'name': 'any'}}." + inferred("OpenAI"),
            )
        ],
    ),
    (
        "tool-choice-form-glm-model",
        CHAT,
        chat("glm-4.6", tools=[tool()], tool_choice=FORCED),
        [
            (
                "tool_choice.form-unsupported",
                "error",
                "tool_choice",
                "tool_choice forces 'get_weather'; Zhipu AI (GLM) / Z.ai takes only the string modes. Send 'auto' "
                "('required' where accepted) and only the tool you want called, if it must be that one."
                + inferred("Zhipu AI (GLM) / Z.ai"),
            )
        ],
    ),
    ("tool-choice-form-unknown-model", CHAT, chat("my-own-model", tools=[tool()], tool_choice=FORCED), []),
    (
        "parallel-openai-model",
        CHAT,
        chat("gpt-4o", parallel_tool_calls=True),
        [
            (
                "parallel_tool_calls.without-tools",
                "error",
                "parallel_tool_calls",
                PARALLEL + inferred("OpenAI"),
            )
        ],
    ),
    (
        "parallel-unknown-model",
        CHAT,
        chat("my-own-model", parallel_tool_calls=True),
        [("parallel_tool_calls.without-tools", "warning", "parallel_tool_calls", PARALLEL)],
    ),
    (
        "assistant-empty-text-mistral-model",
        CHAT,
        {"model": "mistral-large-latest", "messages": [USER, {"role": "assistant", "content": ""}, USER]},
        [
            (
                "messages.assistant-empty-text",
                "error",
                "messages[1].content",
                "messages[1] is an assistant message with empty content and no tool calls; Mistral AI refuses it. "
                "Drop the empty turn from the history, or give it its text." + inferred("Mistral AI"),
            )
        ],
    ),
    (
        "assistant-empty-text-unknown-model",
        CHAT,
        {"model": "my-own-model", "messages": [USER, {"role": "assistant", "content": ""}, USER]},
        [],
    ),
    # Valid requests stay clean whoever the vendor is.
    (
        "valid-openai-model",
        CHAT,
        chat("gpt-4o", tools=[tool()], tool_choice="auto", parallel_tool_calls=True),
        [],
    ),
    ("valid-glm-model", CHAT, chat("glm-4.6", tools=[tool()], tool_choice="auto"), []),
    ("valid-gemini-model", CHAT, chat("gemini-2.5-flash", tools=[tool("weather.get")]), []),
]


@pytest.mark.parametrize(
    ("url", "body", "expected"), [c[1:] for c in CHAT_CASES], ids=[c[0] for c in CHAT_CASES]
)
def test_chat_rules_judge_a_known_model_by_its_vendor_on_an_unknown_host(
    url: str, body: dict[str, Any], expected: list[tuple[str, str, str, str]]
) -> None:
    analysis = check_body(json.dumps(body).encode(), url)
    assert [
        (f.rule, f.severity, f.location, f.message) for f in analysis.findings if f.rule.startswith(FAMILIES)
    ] == expected


# --- content.*: OpenAI's part and image validation, DeepSeek's string-only tool results, Moonshot's and
# Zhipu's empty text ---------------------------------------------------------------------------------

INPUT_TEXT = [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}]
INVALID_PART = (
    "messages[0].content[0] has type 'input_text'; {} accepts file, image_url, input_audio, refusal, text."
)
NO_PREFIX = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "x"},
            {"type": "image_url", "image_url": {"url": "iVBORw0KGgo"}},
        ],
    }
]
NO_PREFIX_MESSAGE = (
    "The image URL starts with 'iVBORw0KGgo': not http(s) and without the 'data:' prefix. Send "
    "'data:image/png;base64,' + the base64 bytes, or an https URL."
)
CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
TOOL_RESULT_PARTS = [
    USER,
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "ok"}]},
]
EMPTY_ASSISTANT = [USER, {"role": "assistant", "content": " "}, USER]
CONTENT_FAMILIES = ("content.",)

CONTENT_CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str, str]]]] = [
    (
        "invalid-part-openai-model",
        CHAT,
        {"model": "gpt-4o", "messages": INPUT_TEXT},
        [
            (
                "content.invalid-part",
                "error",
                "messages[0].content[0].type",
                INVALID_PART.format("OpenAI") + inferred("OpenAI"),
            )
        ],
    ),
    (
        "invalid-part-unknown-model",
        CHAT,
        {"model": "my-own-model", "messages": INPUT_TEXT},
        # A warning there, and it says which engines take the part (rules/content.py, the "rejected by
        # every known engine" policy covers only parts no engine takes).
        [
            (
                "content.invalid-part",
                "warning",
                "messages[0].content[0].type",
                INVALID_PART.format(UNKNOWN) + " (A warning: vLLM, SGLang take `input_text` parts.)",
            )
        ],
    ),
    (
        "invalid-part-openai-host",
        "https://api.openai.com/v1/chat/completions",
        {"model": "gpt-4o", "messages": INPUT_TEXT},
        [("content.invalid-part", "error", "messages[0].content[0].type", INVALID_PART.format("OpenAI"))],
    ),
    (
        "image-url-without-prefix-openai-model",
        CHAT,
        {"model": "gpt-4o", "messages": NO_PREFIX},
        [
            (
                "content.invalid-image-url",
                "error",
                "messages[0].content[1].image_url.url",
                NO_PREFIX_MESSAGE + inferred("OpenAI"),
            )
        ],
    ),
    (
        "image-url-without-prefix-unknown-model",
        CHAT,
        {"model": "my-own-model", "messages": NO_PREFIX},
        [("content.invalid-image-url", "warning", "messages[0].content[1].image_url.url", NO_PREFIX_MESSAGE)],
    ),
    (
        "tool-result-parts-deepseek-model",
        CHAT,
        {"model": "deepseek-chat", "messages": TOOL_RESULT_PARTS},
        [
            (
                "content.array-not-supported",
                "error",
                "messages[2].content",
                "messages[2].content is an array of parts; DeepSeek takes a tool message's content only as a "
                "string. Join the text parts into one string." + inferred("DeepSeek"),
            )
        ],
    ),
    ("tool-result-parts-unknown-model", CHAT, {"model": "my-own-model", "messages": TOOL_RESULT_PARTS}, []),
    (
        "empty-assistant-kimi-model",
        CHAT,
        {"model": "kimi-k2-0905-preview", "messages": EMPTY_ASSISTANT},
        [
            (
                "content.empty-text",
                "error",
                "messages[1].content",
                "messages[1] (assistant) has empty content, which Moonshot AI (Kimi) (kimi-k2-0905-preview) "
                "rejects; drop the message or give it text." + inferred("Moonshot AI (Kimi)"),
            )
        ],
    ),
    ("empty-assistant-unknown-model", CHAT, {"model": "my-own-model", "messages": EMPTY_ASSISTANT}, []),
    (
        "empty-text-part-glm-model",
        CHAT,
        {"model": "glm-4.6", "messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]},
        [
            (
                "content.empty-text",
                "error",
                "messages[0].content[0].text",
                "messages[0].content[0] is an empty text part, which Zhipu AI (GLM) / Z.ai (glm-4.6) rejects; "
                "drop the part." + inferred("Zhipu AI (GLM) / Z.ai"),
            )
        ],
    ),
    # Valid requests stay clean.
    ("valid-image-openai-model", CHAT, {"model": "gpt-4o", "messages": [USER]}, []),
    (
        "valid-tool-result-deepseek-model",
        CHAT,
        {
            "model": "deepseek-chat",
            "messages": [*TOOL_RESULT_PARTS[:2], {"role": "tool", "tool_call_id": "c1", "content": "ok"}],
        },
        [],
    ),
]


@pytest.mark.parametrize(
    ("url", "body", "expected"), [c[1:] for c in CONTENT_CASES], ids=[c[0] for c in CONTENT_CASES]
)
def test_content_rules_judge_a_known_model_by_its_vendor_on_an_unknown_host(
    url: str, body: dict[str, Any], expected: list[tuple[str, str, str, str]]
) -> None:
    analysis = check_body(json.dumps(body).encode(), url)
    assert [
        (f.rule, f.severity, f.location, f.message)
        for f in analysis.findings
        if f.rule.startswith(CONTENT_FAMILIES)
    ] == expected


# --- roles.*: DeepSeek's reasoner order, Mistral's prefill and tool/user order, MiniMax's one system
# message, Zhipu's required user turn ---------------------------------------------------------------

SYSTEM = {"role": "system", "content": "Be brief."}
REPLY = {"role": "assistant", "content": "Hi"}
TOOL_TURN = [
    USER,
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "c1", "content": "ok"},
    USER,
]
ROLE_TOOLS = [tool("f", {"type": "object", "properties": {}})]
ALTERNATION = (
    "messages[1] is the second user message in a row; {} (deepseek-reasoner) requires user and assistant to "
    "alternate. Merge the two messages."
)
PREFILL = (
    "messages[1] is an assistant message at the end (a prefill), which {} ({}) does not take here; end with a "
    "user message, or set `prefix: true` on it."
)
USER_AFTER_TOOL = (
    "messages[3] is a user message right after a tool message; {} wants an assistant message answering the tool "
    "results first. Insert the assistant's reply before it."
)
ROLE_FAMILIES = ("roles.",)

ROLE_CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str, str]]]] = [
    (
        "alternation-deepseek-reasoner",
        CHAT,
        {"model": "deepseek-reasoner", "messages": [USER, USER]},
        [
            (
                "roles.alternation",
                "error",
                "messages[1].role",
                ALTERNATION.format("DeepSeek") + inferred("DeepSeek"),
            )
        ],
    ),
    ("alternation-deepseek-chat", CHAT, {"model": "deepseek-chat", "messages": [USER, USER]}, []),
    ("alternation-unknown-model", CHAT, {"model": "my-own-model", "messages": [USER, USER]}, []),
    (
        "alternation-deepseek-host",
        "https://api.deepseek.com/chat/completions",
        {"model": "deepseek-reasoner", "messages": [USER, USER]},
        [("roles.alternation", "error", "messages[1].role", ALTERNATION.format("DeepSeek"))],
    ),
    (
        "first-not-user-deepseek-reasoner",
        CHAT,
        {"model": "deepseek-reasoner", "messages": [SYSTEM, REPLY, USER]},
        [
            (
                "roles.first-not-user",
                "error",
                "messages[1].role",
                "messages[1] is the first message after the system messages but a assistant message; "
                "deepseek-reasoner needs a user message first. Drop it or put a user message before it."
                + inferred("DeepSeek"),
            )
        ],
    ),
    (
        "prefill-mistral-model",
        CHAT,
        {"model": "mistral-large-latest", "messages": [USER, REPLY]},
        [
            (
                "roles.assistant-last",
                "error",
                "messages[1].role",
                PREFILL.format("Mistral AI", "mistral-large-latest") + inferred("Mistral AI"),
            )
        ],
    ),
    (
        "prefill-mistral-host",
        "https://api.mistral.ai/v1/chat/completions",
        {"model": "mistral-large-latest", "messages": [USER, REPLY]},
        [
            (
                "roles.assistant-last",
                "error",
                "messages[1].role",
                PREFILL.format("Mistral AI", "mistral-large-latest"),
            )
        ],
    ),
    ("prefill-openai-model", CHAT, {"model": "gpt-4o", "messages": [USER, REPLY]}, []),
    ("prefill-unknown-model", CHAT, {"model": "my-own-model", "messages": [USER, REPLY]}, []),
    (
        "user-after-tool-mistral-model",
        CHAT,
        {"model": "mistral-large-latest", "tools": ROLE_TOOLS, "messages": TOOL_TURN},
        [
            (
                "roles.user-after-tool",
                "error",
                "messages[3].role",
                USER_AFTER_TOOL.format("Mistral AI") + inferred("Mistral AI"),
            )
        ],
    ),
    (
        "user-after-tool-openai-model",
        CHAT,
        {"model": "gpt-4o", "tools": ROLE_TOOLS, "messages": TOOL_TURN},
        [],
    ),
    (
        "multiple-system-minimax-model",
        CHAT,
        {"model": "MiniMax-M2", "messages": [SYSTEM, SYSTEM, USER]},
        [
            (
                "roles.multiple-system",
                "error",
                "messages[1].role",
                "messages[1] is a second system message (the first is messages[0]); MiniMax takes one. Merge their "
                "text into messages[0]." + inferred("MiniMax"),
            )
        ],
    ),
    (
        "multiple-system-unknown-model",
        CHAT,
        {"model": "my-own-model", "messages": [SYSTEM, SYSTEM, USER]},
        [],
    ),
    (
        "no-user-glm-model",
        CHAT,
        {"model": "glm-4.6", "messages": [SYSTEM, REPLY]},
        [
            (
                "roles.no-user-message",
                "error",
                "messages",
                "The conversation has no user message; Zhipu AI (GLM) / Z.ai refuses it (code 1214, messages "
                "parameter illegal). Include the user's turn." + inferred("Zhipu AI (GLM) / Z.ai"),
            )
        ],
    ),
    ("no-user-unknown-model", CHAT, {"model": "my-own-model", "messages": [SYSTEM, REPLY]}, []),
    # Valid conversations stay clean.
    (
        "valid-deepseek-reasoner",
        CHAT,
        {"model": "deepseek-reasoner", "messages": [SYSTEM, USER, REPLY, USER]},
        [],
    ),
    ("valid-mistral-model", CHAT, {"model": "mistral-large-latest", "messages": [SYSTEM, USER]}, []),
]


@pytest.mark.parametrize(
    ("url", "body", "expected"), [c[1:] for c in ROLE_CASES], ids=[c[0] for c in ROLE_CASES]
)
def test_role_rules_judge_a_known_model_by_its_vendor_on_an_unknown_host(
    url: str, body: dict[str, Any], expected: list[tuple[str, str, str, str]]
) -> None:
    analysis = check_body(json.dumps(body).encode(), url)
    assert [
        (f.rule, f.severity, f.location, f.message)
        for f in analysis.findings
        if f.rule.startswith(ROLE_FAMILIES)
    ] == expected


# --- params.*: OpenAI's (and DeepSeek's) type and pairing validation ---------------------------------

WRONG_TYPE = "`temperature` is '0.5' (str); send a number."
TOP_LOGPROBS = "`top_logprobs` needs `logprobs: true`; set it or drop `top_logprobs`."
STREAM_OPTIONS = "`stream_options` is only allowed with `stream: true`; drop it for non-streaming requests."
LOGIT_BIAS = (
    "`logit_bias` has the key 'abc', which is not a token id; send {\"<token id>\": <integer -100..100>}."
)

PARAM_CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str, str]]]] = [
    (
        "wrong-type-openai-model",
        CHAT,
        chat("gpt-4o", temperature="0.5"),
        [("params.wrong-type", "error", "temperature", WRONG_TYPE + inferred("OpenAI"))],
    ),
    (
        "wrong-type-unknown-model",
        CHAT,
        chat("my-own-model", temperature="0.5"),
        [("params.wrong-type", "warning", "temperature", WRONG_TYPE)],
    ),
    (
        "wrong-type-openai-host",
        "https://api.openai.com/v1/chat/completions",
        chat("gpt-4o", temperature="0.5"),
        [("params.wrong-type", "error", "temperature", WRONG_TYPE)],
    ),
    # Anthropic's models through an OpenAI-compatible gateway: the rule declares nothing for Anthropic, so
    # the unknown host's warning stands.
    (
        "wrong-type-claude-model",
        CHAT,
        chat("claude-sonnet-4-5", temperature="0.5"),
        [("params.wrong-type", "warning", "temperature", WRONG_TYPE)],
    ),
    (
        "top-logprobs-deepseek-model",
        CHAT,
        chat("deepseek-chat", top_logprobs=3),
        [
            (
                "params.top-logprobs-without-logprobs",
                "error",
                "top_logprobs",
                TOP_LOGPROBS + inferred("DeepSeek"),
            )
        ],
    ),
    (
        "top-logprobs-unknown-model",
        CHAT,
        chat("my-own-model", top_logprobs=3),
        [("params.top-logprobs-without-logprobs", "warning", "top_logprobs", TOP_LOGPROBS)],
    ),
    (
        "logit-bias-openai-model",
        CHAT,
        chat("gpt-4o", logit_bias={"abc": 5}),
        [("params.logit-bias", "error", "logit_bias", LOGIT_BIAS + inferred("OpenAI"))],
    ),
    (
        "stream-options-openai-model",
        CHAT,
        chat("gpt-4o", stream_options={"include_usage": True}),
        [
            (
                "params.stream-options-without-stream",
                "error",
                "stream_options",
                STREAM_OPTIONS + inferred("OpenAI"),
            )
        ],
    ),
    (
        "stream-options-unknown-model",
        CHAT,
        chat("my-own-model", stream_options={"include_usage": True}),
        [("params.stream-options-without-stream", "warning", "stream_options", STREAM_OPTIONS)],
    ),
    (
        "valid-params-openai-model",
        CHAT,
        chat(
            "gpt-4o",
            temperature=0.5,
            logprobs=True,
            top_logprobs=3,
            stream=True,
            stream_options={"include_usage": True},
        ),
        [],
    ),
]


@pytest.mark.parametrize(
    ("url", "body", "expected"), [c[1:] for c in PARAM_CASES], ids=[c[0] for c in PARAM_CASES]
)
def test_param_rules_judge_a_known_model_by_its_vendor_on_an_unknown_host(
    url: str, body: dict[str, Any], expected: list[tuple[str, str, str, str]]
) -> None:
    analysis = check_body(json.dumps(body).encode(), url)
    assert [
        (f.rule, f.severity, f.location, f.message) for f in analysis.findings if f.rule.startswith("params.")
    ] == expected
