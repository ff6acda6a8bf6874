"""Tool rules: the ``tools`` array, ``tool_choice``, ``parallel_tool_calls`` and the function
names replayed in assistant ``tool_calls`` (providers.md §7 and §6.2).

OpenAI validates tool definitions strictly (name pattern, count, schema shape, strict-mode
schemas); vLLM, llama.cpp and Ollama accept almost anything, so most of these rules are errors
on OpenAI and Azure, silent on self-hosted servers and warnings elsewhere (:mod:`.policy`).
The JSON-Schema walk is shared with the ``response_format`` rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import BUILTIN_PROFILES
from toolguard_core.request import RESPONSES, RequestView
from toolguard_core.rules import memo
from toolguard_core.rules.examples import USER, WEATHER_PARAMS, example_tool
from toolguard_core.rules.inferred import judged_id, judged_name, report_judged
from toolguard_core.rules.modelinfo import GEMINI_NAME
from toolguard_core.rules.policy import (
    provider_id,
)
from toolguard_core.rules.registry import PredictedError, check, declared_policy, define, policy
from toolguard_core.rules.schemas import (
    context_text,
    dotted,
    is_array_schema,
    iter_schemas,
    keyword_problems,
    strict_schema_problems,
)
from toolguard_core.rules.walk import per_message

# The OpenAI function-name rule: "must be a-z, A-Z, 0-9, or contain underscores and dashes,
# with a maximum length of 64" (doc [OAS] FunctionObject.name). DeepSeek and Groq apply the same
# pattern (providers.md §5.3, §7).
OPENAI_NAME = re.compile(r"[a-zA-Z0-9_-]+")
# An Azure o4-mini deployment allowed dots too: '^[a-zA-Z0-9_\\.-]+$' (providers.md §7).
AZURE_NAME = re.compile(r"[a-zA-Z0-9_.-]+")
# Gemini's pattern: modelinfo.GEMINI_NAME (shared with the native API's rules).
MAX_NAME_LENGTH = 64
MAX_TOOLS_OPENAI = 128
MAX_DESCRIPTION_OPENAI = 1024
# Providers that apply OpenAI's name pattern themselves.

NAME_PATTERN_ERROR = PredictedError(
    provider="openai",
    text=(
        "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that "
        "matches the pattern '^[a-zA-Z0-9_-]+$'."
    ),
    source="https://github.com/brekkylab/ailoy/pull/109",
    param="tools[0].function.name",
    code="invalid_value",
)

INVALID_DEFINITION = define(
    "tools.invalid-definition",
    Severity.ERROR,
    '`tools` is not an array of `{"type": "function", "function": {"name": ...}}` objects.',
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="openai",
            text="Missing required parameter: 'tools[0].function'.",
            source="https://github.com/bolna-ai/bolna/issues/144",
            param="tools[0].function",
            code="missing_required_parameter",
        ),
        PredictedError(
            provider="openai",
            text="Missing required parameter: 'tools[0].type'.",
            source="https://github.com/openai/openai-cookbook/issues/1248",
            param="tools[0].type",
            code="missing_required_parameter",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [USER],
        # The flat Responses-API tool shape sent to Chat Completions.
        "tools": [{"type": "function", "name": "get_weather", "parameters": WEATHER_PARAMS}],
    },
    notes="A flat `{type, name, parameters}` tool is the Responses-API shape; Chat Completions nests it "
    "under `function`. Every provider's request model needs `function.name`.",
    fixed={"model": "gpt-4o", "messages": [USER], "tools": [example_tool()]},
)
INVALID_NAME = define(
    "tools.invalid-name",
    Severity.ERROR,
    "A tool's function name has characters outside `^[a-zA-Z0-9_-]+$` (Gemini and Azure: see notes).",
    policy=policy(
        error=("openai-family", "deepseek", "groq", "gemini"),
        silent=("self-hosted",),
        otherwise=Severity.WARNING,
    ),
    predicts=(
        NAME_PATTERN_ERROR,
        PredictedError(
            # The Responses API's flat tool (its name sits at tools[N].name).
            provider="openai",
            text="Invalid 'tools[0].name': string does not match pattern.",
            source="https://github.com/openai/openai-dotnet/issues/441",
            param="tools[0].name",
            code="invalid_value",
        ),
        PredictedError(
            provider="azure",
            text=(
                "Invalid 'tools[0].function.name': string does not match pattern. Expected a string "
                "that matches the pattern '^[a-zA-Z0-9_\\\\.-]+$'."
            ),
            source="https://github.com/danishjsheikh/swagger-mcp/issues/13",
            param="tools[0].function.name",
        ),
    ),
    example={"model": "gpt-4o", "messages": [USER], "tools": [example_tool("weather.get current")]},
    notes=(
        "DeepSeek and Groq apply OpenAI's pattern (https://github.com/nikkigallery/Whimbox/issues/61, "
        "https://github.com/langgenius/dify/issues/22867). Azure also accepted `.` on one deployment, so a "
        "dot is only a warning there. Gemini: first character a letter or `_`, then letters, digits, "
        "`_`, `.`, `-`. vLLM, SGLang, llama.cpp and Ollama accept any name; other providers get a warning."
    ),
    fixed={"model": "gpt-4o", "messages": [USER], "tools": [example_tool("weather_get_current")]},
)
NAME_WITH_DOT = define(
    "tools.name-with-dot",
    Severity.WARNING,
    "A tool's function name contains `.`, which some Azure OpenAI deployments accept and others refuse.",
    policy=policy(warning=("azure",)),
    predicts=(
        PredictedError(
            provider="azure",
            text=(
                "Invalid 'tools[0].function.name': string does not match pattern. Expected a string "
                "that matches the pattern '^[a-zA-Z0-9_\\\\.-]+$'."
            ),
            source="https://github.com/danishjsheikh/swagger-mcp/issues/13",
            param="tools[0].function.name",
        ),
    ),
    example={"model": "gpt-4o", "messages": [USER], "tools": [example_tool("github.create_issue")]},
    example_url="https://contoso.openai.azure.com/openai/v1/chat/completions",
    fixed={"model": "gpt-4o", "messages": [USER], "tools": [example_tool("github_create_issue")]},
    notes="The Azure text above shows a deployment whose pattern admits `.`; OpenAI's does not "
    "(`tools.invalid-name`). Replace dots with `_` to be safe everywhere.",
)
NAME_TOO_LONG = define(
    "tools.name-too-long",
    Severity.ERROR,
    "A tool's function name is longer than 64 characters.",
    policy=policy(
        error=("openai-family", "gemini", "deepseek", "dashscope"),
        silent=("self-hosted",),
        otherwise=Severity.WARNING,
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'tools[0].function.name': string too long. Expected a string with maximum length "
                "64, but got a string with length 81 instead."
            ),
            source="https://github.com/ravitemer/mcphub.nvim/pull/243",
            param="tools[0].function.name",
            code="string_above_max_length",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [example_tool("mcp__weather_service__get_current_weather_conditions_for_a_city_by_name")],
    },
    notes="MCP clients that prefix server names (`mcp__server__tool`) hit this most often. DeepSeek holds "
    "names to OpenAI's 64 too (a 69-character Claude Code MCP name on deepseek-v4, thedotmack/claude-mem#2112; "
    'names over 60 with deepseek-chat, nanbingxyz/5ire#206), and so does DashScope ("<400> '
    'InternalError.Algo.InvalidParameter: The length of the tool name cannot exceed 64.", with the curl '
    "request, QwenLM/Qwen3-VL#2069).",
    fixed={"model": "gpt-4o", "messages": [USER], "tools": [example_tool("weather_get_current_conditions")]},
)
TOO_MANY = define(
    "tools.too-many",
    Severity.ERROR,
    "More than 128 tools in one request.",
    # GitHub Copilot's chat API bounds `tools` at 128 whichever model it serves: its own code
    # `invalid_request_body` with OpenAI's wording behind gpt-4o / claude-haiku-4.5 mappings
    # (caozhiyuan/copilot-api#188), and VS Code's Copilot Chat relaying the server's reason for its Claude
    # and GPT users alike (microsoft/vscode-copilot-release#12160, #9894).
    policy=policy(error=("openai-family", "copilot"), silent=("self-hosted",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an "
                "array with length 133 instead."
            ),
            source="https://github.com/vishalmysore/Tools4AI/issues/16",
            param="tools",
            code="array_above_max_length",
        ),
        PredictedError(
            provider="copilot",
            text=(
                "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an "
                "array with length 309 instead."
            ),
            source="https://github.com/caozhiyuan/copilot-api/issues/188",
            code="invalid_request_body",
        ),
        PredictedError(
            provider="copilot",
            text="Reason: You may not include more than 128 tools in your request.",
            source="https://github.com/microsoft/vscode-copilot-release/issues/12160",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [example_tool(f"tool_{i}", {"type": "object", "properties": {}}) for i in range(129)],
    },
    notes="No limit in vLLM, llama.cpp or Ollama; unconfirmed elsewhere (warning).",
    fixed={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [example_tool(f"tool_{i}", {"type": "object", "properties": {}}) for i in range(128)],
    },
)
RESERVED_NAME = define(
    "tools.reserved-name",
    Severity.ERROR,
    "A function tool named like one of the provider's own built-in tools, a name it refuses on a client's "
    "tool (DashScope: search).",
    # Every profile that declares reserved names (ProviderProfile.reserved_tool_names, each with its source).
    policy=declared_policy(lambda p: p.reserved_tool_names, lambda names: ", ".join(sorted(names))),
    predicts=(
        PredictedError(
            provider="dashscope",
            text='{"code":"InvalidParameter","message":"Tool names are not allowed to be [search]"}',
            source="https://github.com/ikechan8370/chatgpt-plugin/issues/696",
            param="tools",
            code="InvalidParameter",
        ),
    ),
    example={
        "model": "qwen-plus",
        "messages": [USER],
        "tools": [example_tool(name="search")],
    },
    example_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions",
    fixed={"model": "qwen-plus", "messages": [USER], "tools": [example_tool(name="web_lookup")]},
    notes="Rename the tool (its calls come back under the new name); DashScope's own search is enable_search.",
)
MIXED_STRICT = define(
    "tools.mixed-strict",
    Severity.ERROR,
    "Function tools whose `strict` values differ (one strict, another not), where the provider takes one value "
    "for every tool (Cerebras).",
    # Every profile that declares the refusal (ProviderProfile.mixed_strict_refusal, with its source), and only
    # those: OpenAI's schema sets `strict` per function.
    policy=policy(error=tuple(p.id for p in BUILTIN_PROFILES.values() if p.mixed_strict_refusal)),
    predicts=(
        PredictedError(
            provider="cerebras",
            text=(
                "{message: Tools with mixed values for 'strict' are not allowed. Please set all tools to 'strict: "
                "true' or 'strict: false', type: invalid_request_error, param: tools, code: wrong_api_format}"
            ),
            source="https://github.com/mpfaffenberger/code_puppy/pull/368",
            param="tools",
            code="wrong_api_format",
        ),
    ),
    example={
        "model": "zai-glm-4.7",
        "messages": [USER],
        "tools": [
            example_tool(name="read_file", strict=True),
            example_tool(name="use_mcp_tool"),
        ],
    },
    example_url="https://api.cerebras.ai/v1/chat/completions",
    fixed={
        "model": "zai-glm-4.7",
        "messages": [USER],
        "tools": [example_tool(name="read_file"), example_tool(name="use_mcp_tool")],
    },
    notes=(
        "Clients that send their own tools strict and MCP tools without `strict` hit it on every request; send "
        "one value for all tools (false is the safe one for MCP schemas)."
    ),
)
DUPLICATE_NAME = define(
    "tools.duplicate-name",
    Severity.WARNING,
    "Two tools share a function name, so the model's calls are ambiguous.",
    policy=policy(otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="anthropic",
            text="tools: Tool names must be unique.",
            source="https://github.com/anthropics/claude-code/issues/10687",
        ),
    ),
    example={"model": "gpt-4o", "messages": [USER], "tools": [example_tool(), example_tool()]},
    notes="Anthropic rejects it; OpenAI's behaviour is not confirmed, hence a warning everywhere.",
    fixed={"model": "gpt-4o", "messages": [USER], "tools": [example_tool()]},
)
PARAMETERS_NOT_OBJECT = define(
    "tools.parameters-not-object",
    Severity.ERROR,
    'A tool\'s `parameters` is not a JSON Schema of `type: "object"`.',
    policy=policy(
        error=("openai-family", "deepseek", "vllm", "moonshot", "lmstudio", "gemini", "vertex"),
        silent=("llama.cpp", "ollama", "sglang"),
        otherwise=Severity.WARNING,
        conditions={"vllm": "parameters not an object at all"},
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text="schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'.",
            source="https://github.com/openai/openai-java/issues/68",
        ),
        PredictedError(
            # Gemini on Vertex AI (and the Gemini API) converts each tool to a functionDeclaration whose
            # parameters schema must be an OBJECT (Spring AI's Vertex Gemini client sent a non-object root).
            provider="vertex",
            text="Unable to submit request because function parameters schema should be of type OBJECT",
            source="https://github.com/spring-projects/spring-ai/issues/1373",
        ),
        PredictedError(
            # The Responses API's flat tool, the same validator (a probe-2 thread: in-sample there).
            provider="openai",
            text=(
                "Invalid schema for function 'GMAIL_CREATE_EMAIL_DRAFT': schema must be a JSON Schema of "
                "'type: \"object\"', got 'type: \"None\"'."
            ),
            source="https://github.com/ComposioHQ/composio/issues/1829",
            param="tools[0].parameters",
            code="invalid_function_parameters",
        ),
        PredictedError(
            provider="moonshot",
            text='tools.function.parameters.type is required and must be "object"',
            source="https://github.com/14790897/MiqroForge-Desktop/issues/1165",
        ),
        PredictedError(
            provider="deepseek",
            text=(
                "Invalid schema for function 'codex_app__automation_update': schema must be a JSON Schema of "
                "'type: \"object\"', got 'type: null'."
            ),
            source="https://github.com/farion1231/cc-switch/issues/5490",
        ),
        PredictedError(
            # LM Studio 0.3.29+ validates tool schemas with a discriminated union on parameters.type; the
            # README of a proxy written to patch Copilot's requests for it quotes the answer (an earlier
            # revision of alessandrobologna/copilot-lmstudio-config, "Copilot-LMStudio Proxy", issue #2).
            provider="lmstudio",
            text="Invalid discriminator value. Expected 'object' at tools.X.parameters.type",
            source="https://github.com/alessandrobologna/copilot-lmstudio-config",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [example_tool(parameters={"properties": {"city": {"type": "string"}}})],
    },
    notes=(
        "`parameters` may be omitted (a function without arguments, doc [OAS]). vLLM needs a dict but "
        "accepts any schema in it. LM Studio validates the schema since 0.3.29 (older versions took it)."
    ),
    fixed={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [example_tool(parameters={"type": "object", "properties": {"city": {"type": "string"}}})],
    },
)
#: The keywords OpenAI refuses at a tool schema's root even beside `type: object` (its own text lists them).
ROOT_COMBINATORS = ("oneOf", "anyOf", "allOf", "enum", "not")
PARAMETERS_ROOT_COMBINATOR = define(
    "tools.parameters-root-combinator",
    Severity.ERROR,
    "A tool's `parameters` has `oneOf`/`anyOf`/`allOf`/`enum`/`not` at its root (beside `type: object`).",
    # vLLM takes any schema in a dict (tools.parameters-not-object's condition); llama.cpp, Ollama and
    # SGLang hand the schema to a template or grammar without this check. Moonshot takes a root anyOf
    # beside type: object (the schema of MiqroForge-Desktop#1165, tools.schema-type-missing's test).
    policy=policy(
        error=("openai-family",),
        silent=("vllm", "llama.cpp", "ollama", "sglang", "moonshot"),
        otherwise=Severity.WARNING,
    ),
    predicts=(
        PredictedError(
            # chatanywhere's GPT_API_free relays to OpenAI and passes its validator's answer through.
            provider="openai",
            text=(
                "schema must have type 'object' and not have 'oneOf'/'anyOf'/'allOf'/'enum'/'not' at the top "
                "level."
            ),
            source="https://github.com/chatanywhere/GPT_API_free/issues/403",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
                    "anyOf": [{"required": ["city"]}, {"required": ["zip"]}],
                }
            )
        ],
    },
    fixed={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
                }
            )
        ],
    },
    notes=(
        "A discriminated union (Zod's `z.discriminatedUnion`, an MCP server's `anyOf` of required sets) is "
        "refused at the root only: move it into a property, or drop it and check the arguments in the tool. "
        "A root with `anyOf` and no `type` is tools.parameters-not-object (OpenAI answers that first)."
    ),
)
ARRAY_WITHOUT_ITEMS = define(
    "tools.array-without-items",
    Severity.ERROR,
    'A schema in a tool\'s `parameters` has `type: "array"` but no `items`.',
    policy=policy(error=("openai-family",), silent=("self-hosted",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="Invalid schema for function 'get_room_layout': In context=('properties', 'objects'), array schema missing items.",
            source="https://github.com/modelscope/ms-agent/pull/610",
            param="tools[0].function.parameters",
            code="invalid_function_parameters",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [example_tool(parameters={"type": "object", "properties": {"cities": {"type": "array"}}})],
    },
    notes="Rejected without `strict` too. Typical of MCP servers (`mcp.WithArray` without items).",
    fixed={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"cities": {"type": "array", "items": {"type": "string"}}},
                }
            )
        ],
    },
)
STRICT_ADDITIONAL_PROPERTIES = define(
    "tools.strict-additional-properties",
    Severity.ERROR,
    "A `strict: true` tool has an object schema without `additionalProperties: false`.",
    policy=policy(error=("openai-family",), silent=("self-hosted", "mistral"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid schema for function 'json_edit_tool': In context=('properties', 'value'), "
                "'additionalProperties' is required to be supplied and to be false."
            ),
            source="https://github.com/bytedance/trae-agent/issues/173",
            param="tools[2].parameters",
            code="invalid_function_parameters",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
                strict=True,
            )
        ],
    },
    notes="vLLM does not model `strict`; Mistral strips it (LiteLLM). Other providers: warning.",
    fixed={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                    "additionalProperties": False,
                },
                strict=True,
            )
        ],
    },
)
STRICT_TYPE_MISSING = define(
    "tools.strict-type-missing",
    Severity.ERROR,
    "A `strict: true` tool has a sub-schema (a property, `items`, a `$defs` entry, an anyOf branch) with no "
    "`type` and no anyOf/oneOf/allOf/$ref giving one.",
    policy=policy(error=("openai-family",), silent=("self-hosted", "mistral"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid schema for function 'mcp_notebooklm_mcp_studio_revise': In context=('properties', "
                "'slide_instructions', 'items'), schema must have a 'type' key."
            ),
            source="https://github.com/can1357/oh-my-pi/issues/211",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"notes": {"type": "array", "items": {}}},
                    "required": ["notes"],
                    "additionalProperties": False,
                },
                strict=True,
            )
        ],
    },
    notes=(
        "Structured Outputs' subset (platform.openai.com/docs/guides/structured-outputs, 'Supported schemas') "
        "types every node; without `strict` OpenAI takes a typeless property as any value. A node with only "
        "`enum` or `const` is not flagged. vLLM does not model `strict`; Mistral strips it."
    ),
    fixed={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"notes": {"type": "array", "items": {"type": "string"}}},
                    "required": ["notes"],
                    "additionalProperties": False,
                },
                strict=True,
            )
        ],
    },
)
STRICT_REQUIRED = define(
    "tools.strict-required",
    Severity.ERROR,
    "A `strict: true` tool has an object schema whose `required` does not list every property.",
    policy=policy(error=("openai-family",), silent=("self-hosted", "mistral"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid schema for function 'X': In context=(), 'required' is required to be supplied and to "
                "be an array including every key in properties. Missing 'bar'."
            ),
            source="https://github.com/lastmile-ai/openai-agents-mcp/issues/2",
            param="tools[0].function.parameters",
            code="invalid_function_parameters",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
                    "required": ["city"],
                    "additionalProperties": False,
                },
                strict=True,
            )
        ],
    },
    notes='Optional fields in strict mode are `required` with a nullable type (`["string", "null"]`).',
    fixed={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "unit": {"type": ["string", "null"]}},
                    "required": ["city", "unit"],
                    "additionalProperties": False,
                },
                strict=True,
            )
        ],
    },
)


def _fetch_request(url_schema: dict[str, Any]) -> dict[str, Any]:
    """A chat request with one strict `fetch` tool whose `url` property has ``url_schema``."""
    parameters = {
        "type": "object",
        "properties": {"url": url_schema},
        "required": ["url"],
        "additionalProperties": False,
    }
    return {"model": "gpt-4o", "messages": [USER], "tools": [example_tool("fetch", parameters, strict=True)]}


STRICT_FORMAT = define(
    "tools.strict-unsupported-format",
    Severity.ERROR,
    "A `strict: true` tool's schema has a string `format` outside the nine strict mode takes (date-time, "
    "time, date, duration, email, hostname, ipv4, ipv6, uuid): `uri` most often, from an MCP server.",
    policy=policy(error=("openai-family",), silent=("self-hosted", "mistral"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid schema for function 'git_git_remote': In context=('properties', 'url', 'type', '0'), "
                "'uri' is not a valid format."
            ),
            source="https://github.com/cyanheads/git-mcp-server/issues/47",
            param="tools[23].parameters",
            code="invalid_function_parameters",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Invalid schema for function 'mcp--fetch--fetch': In context=('properties', 'url'), 'uri' is "
                "not a valid format."
            ),
            source="https://github.com/RooCodeInc/Roo-Code/pull/10198",
            api="responses",
        ),
    ),
    example=_fetch_request({"type": "string", "format": "uri"}),
    fixed=_fetch_request({"type": "string", "description": "An absolute http(s) URL."}),
    notes="The nine formats are OpenAI's Structured Outputs guide's (\"Supported properties\"); without "
    "`strict` OpenAI takes any format as an annotation (posit-dev/chatlas#255 set `strict: false` to send "
    "`format: uri`). Drop the format (say it in the description) or send the tool without `strict`.",
)
#: A schema written with Python's names: a `str` type and `required: None` (both refused by the metaschema).
_PYTHON_TYPED = {"type": "object", "properties": {"city": {"type": "str"}}, "required": None}
INVALID_SCHEMA = define(
    "tools.invalid-schema",
    Severity.ERROR,
    "A keyword of a tool's parameter schema has a value JSON Schema's metaschema refuses: a `type` that is "
    "not a JSON type name (`str`, `int`, `any`), `required` that is not an array of strings (`null`, "
    "`true`), a schema that is not an object (`properties: {x: []}`), an empty `anyOf`, a `$id` that is not "
    "a URI reference.",
    policy=policy(error=("openai-family",), silent=("self-hosted",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid schema for function 'CalculatorTool_calculate': 'Parameters Schema' is not a "
                "'uri-reference'."
            ),
            source="https://github.com/griptape-ai/griptape/issues/2150",
            param="tools[0].function.parameters",
            code="invalid_function_parameters",
        ),
    ),
    example={"model": "gpt-4o", "messages": [USER], "tools": [example_tool(parameters=_PYTHON_TYPED)]},
    fixed={"model": "gpt-4o", "messages": [USER], "tools": [example_tool(parameters=WEATHER_PARAMS)]},
    notes="OpenAI validates `parameters` as a JSON Schema document with python-jsonschema (the cited text is "
    "its format checker's sentence); the keyword value types are the metaschema's (json-schema.org, draft "
    "2020-12). "
    "Rejected without `strict` too, on Chat Completions and the Responses API alike. `items` given as a "
    "list (draft 7's tuple form) is not reported.",
)
DESCRIPTION_TOO_LONG = define(
    "tools.description-too-long",
    Severity.WARNING,
    "A tool description is longer than 1024 characters.",
    policy=policy(warning=("openai-family",)),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'tools[6].function.description': string too long. Expected a string with maximum "
                "length 1024, but got a string with length 2780 instead."
            ),
            source="https://github.com/nanbingxyz/5ire/issues/33",
            param="tools[6].function.description",
            code="string_above_max_length",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [example_tool(description="Weather. " * 120)],
    },
    notes=(
        "The error was seen through a proxy (upstream likely OpenAI); OpenAI itself accepts the long "
        "descriptions of agent CLIs such as qwen-code, so this stays a warning."
    ),
    fixed={"model": "gpt-4o", "messages": [USER], "tools": [example_tool(description="Weather for a city.")]},
)
HISTORY_INVALID_NAME = define(
    "tools.invalid-history-name",
    Severity.ERROR,
    "An assistant message's `tool_calls[].function.name` is empty or has characters outside `^[a-zA-Z0-9_-]+$`.",
    policy=policy(
        error=("openai-family",),
        warning=("gemini",),
        silent=("self-hosted",),
        otherwise=Severity.WARNING,
        conditions={"gemini": "names outside Gemini's own pattern (dots allowed)"},
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'messages[9].tool_calls[0].function.name': string does not match pattern. Expected a "
                "string that matches the pattern '^[a-zA-Z0-9_-]+$'."
            ),
            source="https://github.com/mcp-use/mcp-use/issues/90",
            param="messages[9].tool_calls[0].function.name",
            code="invalid_value",
        ),
        # An empty name fails the same pattern (`+`), answered with the schema's length wording: Continue
        # replayed a call whose name it had lost (gpt-4o-mini).
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'messages[67].tool_calls[0].function.name': empty string. Expected a string with "
                "minimum length 1, but got an empty string instead."
            ),
            source="https://github.com/continuedev/continue/issues/9784",
            param="messages[67].tool_calls[0].function.name",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [
            USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather.get", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
        ],
    },
    notes="OpenAI validates replayed calls too, so a history recorded from another provider can fail later.",
    fixed={
        "model": "gpt-4o",
        "messages": [
            USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather_get", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
        ],
    },
)


# --- the check ------------------------------------------------------------------------------------


def _name_problem(view: RequestView, name: str) -> tuple[Any, str] | None:
    """(rule, pattern) when ``name`` breaks the target provider's name rule; the rule's policy says how
    severe that is there."""
    pid = judged_id(view)
    if pid == "gemini":
        return None if GEMINI_NAME.fullmatch(name) else (INVALID_NAME, "^[a-zA-Z_][a-zA-Z0-9_.:-]*$")
    if OPENAI_NAME.fullmatch(name):
        return None
    if pid == "azure" and AZURE_NAME.fullmatch(name):
        return NAME_WITH_DOT, "^[a-zA-Z0-9_-]+$ (some Azure deployments also allow '.')"
    return INVALID_NAME, "^[a-zA-Z0-9_-]+$"


SCHEMA_KEYWORD_UNSUPPORTED = define(
    "tools.schema-keyword-unsupported",
    Severity.ERROR,
    "A tool's parameter schema uses a JSON-Schema keyword outside the provider's subset (Gemini: `const`).",
    policy=policy(error=("gemini",)),
    predicts=(
        PredictedError(
            provider="gemini",
            text=(
                'Invalid JSON payload received. Unknown name "const" at '
                "'tools[0].function_declarations[5].parameters.properties[8].value.any_of[0]': Cannot find field."
            ),
            source="https://github.com/zed-industries/zed/issues/44875",
        ),
    ),
    example={
        "model": "gemini-2.5-flash",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"unit": {"anyOf": [{"const": "C"}, {"const": "F"}]}},
                }
            )
        ],
    },
    example_url="https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
    fixed={
        "model": "gemini-2.5-flash",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={"type": "object", "properties": {"unit": {"type": "string", "enum": ["C", "F"]}}}
            )
        ],
    },
    notes=(
        "Gemini maps tool parameters onto its OpenAPI-style Schema, which has no `const`; use a one-value "
        "`enum`. `additionalProperties` is accepted today (a recorded 200 with `additionalProperties: false`, "
        "corpus valid-a av-003), so older reports of it are not flagged."
    ),
)
SCHEMA_REF_SIBLINGS = define(
    "tools.schema-ref-with-siblings",
    Severity.ERROR,
    "A `$ref` in a tool's schema carries a keyword that the referenced definition also sets (Moonshot "
    "expands `$ref` and refuses the conflict).",
    policy=policy(error=("moonshot",)),
    predicts=(
        PredictedError(
            provider="moonshot",
            text=(
                "Invalid request: tools.function.parameters is not a valid moonshot flavored json schema, "
                "details: <At path 'properties.variantOptions': conflicting keywords found after $ref "
                "expansion: description>"
            ),
            source="https://github.com/MoonshotAI/kimi-cli/issues/1903",
        ),
    ),
    example={
        "model": "kimi-k2-0905-preview",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"options": {"$ref": "#/$defs/Options", "description": "Variant options."}},
                    "$defs": {"Options": {"type": "object", "description": "Options.", "properties": {}}},
                }
            )
        ],
    },
    example_url="https://api.moonshot.ai/v1/chat/completions",
    fixed={
        "model": "kimi-k2-0905-preview",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"options": {"$ref": "#/$defs/Options"}},
                    "$defs": {"Options": {"type": "object", "description": "Options.", "properties": {}}},
                }
            )
        ],
    },
    notes="Keep the keyword on one side: drop it next to the `$ref`, or inline the definition.",
)
SCHEMA_REF_NOT_DEFS = define(
    "tools.schema-ref-not-defs",
    Severity.ERROR,
    "A `$ref` in a tool's schema points elsewhere than `#/$defs/...` (a `#/definitions/` or "
    "`#/properties/...` pointer, as zod-to-json-schema writes for a repeated sub-schema): Moonshot resolves "
    "only references into `$defs`.",
    policy=policy(error=("moonshot",)),
    predicts=(
        PredictedError(
            provider="moonshot",
            text=(
                "parameters is not a valid moonshot flavored json schema, details:<At path "
                "'***.***.***.***.***. startDateTime.$ref':references must start with #/$defs/>"
            ),
            source="https://github.com/Softeria/ms-365-mcp-server/issues/458",
        ),
    ),
    example={
        "model": "kimi-k2.6",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {
                        "start": {"type": "string", "format": "date-time"},
                        "end": {"$ref": "#/properties/start"},
                    },
                }
            )
        ],
    },
    example_url="https://api.moonshot.ai/v1/chat/completions",
    fixed={
        "model": "kimi-k2.6",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"start": {"$ref": "#/$defs/Time"}, "end": {"$ref": "#/$defs/Time"}},
                    "$defs": {"Time": {"type": "string", "format": "date-time"}},
                }
            )
        ],
    },
    notes="Move the shared sub-schema under `$defs` and point every `$ref` there, or inline it.",
)
SCHEMA_TYPE_BESIDE_ANYOF = define(
    "tools.schema-type-beside-anyof",
    Severity.ERROR,
    "A node of a tool's schema has `type` next to `anyOf` (valid JSON Schema, common in MCP tools): "
    "Moonshot's validator wants the type inside each anyOf item.",
    policy=policy(
        error=("moonshot",),
        conditions={
            "moonshot": "an error on Kimi Code (api.kimi.com); a warning on api.moonshot.*, which accepted it "
            "in a September 2026 test"
        },
    ),
    predicts=(
        PredictedError(
            provider="moonshot",
            text=(
                "400 tools.function.parameters is not a valid moonshot flavored json schema, details: <At path "
                "'root': when using anyOf, type should be defined in anyOf items instead of the parent schema>"
            ),
            source="https://github.com/MoonshotAI/kimi-code/issues/2661",
        ),
        PredictedError(
            provider="moonshot",
            text=(
                "400 Invalid request: tools.function.parameters is not a valid moonshot flavored json schema, "
                "details: <At path 'properties.tasks_attributes.items': when using anyOf, type should be defined "
                "in anyOf items instead of the parent schema>"
            ),
            source="https://github.com/openclaw/openclaw/issues/113130",
        ),
    ),
    example={
        "model": "kimi-for-coding",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"path": {"type": "string"}, "url": {"type": "string"}},
                    "anyOf": [{"required": ["path"]}, {"required": ["url"]}],
                }
            )
        ],
    },
    example_url="https://api.kimi.com/coding/v1/chat/completions",
    fixed={
        "model": "kimi-for-coding",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"path": {"type": "string"}, "url": {"type": "string"}},
                }
            )
        ],
    },
    notes=(
        "Kimi Code (kimi-code#2661, k3, August 2026) and kimi-k2.6 on api.moonshot.ai (openclaw#113130, July "
        "2026) refused it; a direct test of api.moonshot.cn with kimi-k3 and kimi-k2.6 in September 2026 got a "
        "200 for the same shape (14790897/MiqroForge-Desktop#1165), so off api.kimi.com it is a warning. Move "
        "the type into each anyOf item, or check the alternatives in the tool."
    ),
)
#: Kimi Code's host, whose validator still refuses a type beside anyOf (kimi-code#2661).
KIMI_CODE_HOST = "api.kimi.com"
#: JSON-Schema keywords each provider's tool-schema subset lacks (real rejections quoted above).
UNSUPPORTED_SCHEMA_KEYWORDS: dict[str, frozenset[str]] = {"gemini": frozenset({"const"})}


def _resolve_local_ref(root: dict[str, Any], ref: str) -> dict[str, Any] | None:
    """``#/$defs/Name`` or ``#/definitions/Name`` inside the same schema; None otherwise."""
    parts = ref.split("/")
    if len(parts) != 3 or parts[0] != "#" or parts[1] not in ("$defs", "definitions"):
        return None
    defs = root.get(parts[1])
    target = defs.get(parts[2]) if isinstance(defs, dict) else None
    return target if isinstance(target, dict) else None


def _check_schema_subset(
    view: RequestView, location: str, name: str, parameters: dict[str, Any]
) -> Iterator[Finding]:
    pid = judged_id(view)
    unsupported = UNSUPPORTED_SCHEMA_KEYWORDS.get(pid)
    if unsupported is None and pid != "moonshot":
        return
    for path, node in iter_schemas(parameters):
        if (
            pid == "moonshot"
            and len(path) >= 2
            and path[-2] == "properties"
            and not TYPE_GIVING & node.keys()
        ):
            yield from report_judged(
                SCHEMA_TYPE_MISSING,
                view,
                dotted(location, path),
                f"Function {name!r}: {context_text(path)} has no type; Moonshot requires one on every "
                "property. Add it (e.g. 'string'), or move the choices into anyOf items that each have one.",
            )
        if unsupported is not None:
            for keyword in sorted(unsupported & node.keys()):
                yield from report_judged(
                    SCHEMA_KEYWORD_UNSUPPORTED,
                    view,
                    dotted(location, (*path, keyword)),
                    f"Function {name!r}: {judged_name(SCHEMA_KEYWORD_UNSUPPORTED, view)} does not take the schema keyword {keyword!r} "
                    f"(in {context_text(path)}); "
                    + ("use a one-value enum instead." if keyword == "const" else "remove it."),
                )
        if pid == "moonshot" and "type" in node and isinstance(node.get("anyOf"), list):
            yield from report_judged(
                SCHEMA_TYPE_BESIDE_ANYOF,
                view,
                dotted(location, (*path, "anyOf")),
                f"Function {name!r}: {context_text(path)} has type next to anyOf; Moonshot's schema validator "
                "wants the type inside each anyOf item. Move it there, or check the alternatives in the tool.",
                uncertain=None
                if view.target.host == KIMI_CODE_HOST
                else "api.moonshot.cn accepted this shape in a September 2026 test (MiqroForge-Desktop#1165)",
            )
        ref = node.get("$ref")
        if pid == "moonshot" and isinstance(ref, str):
            if not ref.startswith("#/$defs/"):
                yield from report_judged(
                    SCHEMA_REF_NOT_DEFS,
                    view,
                    dotted(location, (*path, "$ref")),
                    f"Function {name!r}: in {context_text(path)} the $ref {ref!r} does not point into $defs; "
                    "Moonshot takes only references starting with #/$defs/. Move the sub-schema under $defs "
                    "(or inline it).",
                )
                continue
            target = _resolve_local_ref(parameters, ref)
            if target is None:
                continue
            clash = sorted((node.keys() - {"$ref"}) & target.keys())
            if clash:
                yield from report_judged(
                    SCHEMA_REF_SIBLINGS,
                    view,
                    dotted(location, path),
                    f"Function {name!r}: in {context_text(path)} the $ref to {ref} sits next to "
                    f"{', '.join(clash)}, which the definition sets too; Moonshot refuses the conflict after "
                    "expanding $ref. Keep the keyword on one side.",
                )


SCHEMA_TYPE_MISSING = define(
    "tools.schema-type-missing",
    Severity.ERROR,
    "A property of a tool's parameter schema has no `type` (and no anyOf/oneOf/allOf/$ref giving one): "
    'Moonshot\'s "moonshot flavored json schema" requires it.',
    policy=policy(error=("moonshot",)),
    predicts=(
        PredictedError(
            provider="moonshot",
            text=(
                "Invalid request: tools.function.parameters is not a valid moonshot flavored json schema, "
                "details: <At path 'properties.source': type is not defined>"
            ),
            source="https://github.com/earendil-works/pi/issues/4138",
        ),
    ),
    example={
        "model": "kimi-k2.6",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={"type": "object", "properties": {"source": {"description": "Path or URL."}}}
            )
        ],
    },
    example_url="https://api.moonshot.ai/v1/chat/completions",
    fixed={
        "model": "kimi-k2.6",
        "messages": [USER],
        "tools": [
            example_tool(
                parameters={
                    "type": "object",
                    "properties": {"source": {"type": "string", "description": "Path or URL."}},
                }
            )
        ],
    },
    notes=(
        "OpenAI and most servers take a property schema without `type` (any value). Moonshot validates tool "
        "schemas itself; it also refuses a root without `type: object` (tools.parameters-not-object). The "
        "anyOf-parent rule quoted in jiuwenswarm#3942 is not flagged: MiqroForge-Desktop#1165 could not "
        "reproduce it on the official endpoint."
    ),
)
#: Keywords that give a property schema its type without a `type` of its own.
TYPE_GIVING = frozenset({"type", "anyOf", "oneOf", "allOf", "$ref"})
PARAMETERS_MISSING = define(
    "tools.parameters-missing",
    Severity.ERROR,
    "A function tool has no `parameters`: OpenAI reads that as a function without arguments, Databricks "
    "Model Serving and MiniMax require the field.",
    policy=policy(error=("databricks", "minimax")),
    predicts=(
        PredictedError(
            provider="databricks",
            text='Bad request: "parameters" is a required property for "function" object in parameter "tools"',
            source="https://github.com/posit-dev/querychat/issues/273",
        ),
        PredictedError(
            provider="minimax",
            text="HTTP 400 error 2013 (`function parameters is empty`)",
            source="https://github.com/QwenLM/qwen-code/issues/11905",
        ),
    ),
    example={
        "model": "databricks-meta-llama-3-3-70b-instruct",
        "messages": [USER],
        "tools": [{"type": "function", "function": {"name": "reset_dashboard", "description": "Reset it."}}],
    },
    example_url="https://dbc-1.cloud.databricks.com/serving-endpoints/chat/completions",
    fixed={
        "model": "databricks-meta-llama-3-3-70b-instruct",
        "messages": [USER],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "reset_dashboard",
                    "description": "Reset it.",
                    "parameters": {"type": "object", "properties": {}},
                },
            }
        ],
    },
    notes="Send an empty object schema for a function without arguments.",
)


EMPTY = define(
    "tools.empty",
    Severity.ERROR,
    "`tools` is an empty array; OpenAI, DeepSeek and Mistral require at least one tool when the field "
    "is sent.",
    # vLLM rejects it since April 2026 (vllm-project/vllm#39780, "matching OpenAI API behavior"); older
    # releases and forks that undid it (local-inference-lab/vllm#195) accept it: a warning there.
    policy=policy(
        error=("openai-family", "deepseek", "mistral"),
        warning=("vllm",),
        silent=("self-hosted",),
        otherwise=Severity.WARNING,
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text="[] is too short - 'tools'",
            source="https://github.com/JetBrains/koog/issues/786",
        ),
        PredictedError(
            provider="deepseek",
            text=(
                "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty "
                "array instead."
            ),
            source="https://github.com/marimo-team/marimo/issues/5493",
        ),
        PredictedError(
            provider="mistral",
            text=(
                '{"object":"Error","detail":[{"type":"extra_forbidden","loc":["body","tools"],"msg":"Extra '
                'inputs are not permitted","input":[]}],"type":"invalid_request_error","code":3001}'
            ),
            source="https://github.com/partITech/php-mistral/issues/76",
            status=422,
        ),
        PredictedError(
            provider="vllm",
            text="`tools` must not be an empty array",
            source="https://github.com/evalstate/fast-agent/issues/781",
        ),
    ),
    example={"model": "gpt-4o", "messages": [USER], "tools": []},
    fixed={"model": "gpt-4o", "messages": [USER]},
    notes=(
        "Clients build `tools` from a registry that may be empty on some turns (qwen-code#2054: an empty "
        "array is truthy in JS). Omit the field when there are no tools. Self-hosted servers accept it "
        "(Ollama checks for an empty list, ollama#5779); other providers are not confirmed (warning)."
    ),
)


@check
def check_tools(view: RequestView) -> Iterator[Finding]:
    body = view.body
    if "tools" in body and body["tools"] is not None:
        yield from _remembered_tool_list(view, body["tools"])
    yield from _check_history_names(view)


#: _check_tool_list's findings by (target, model, demoted rules, engine, definitions' JSON text): a
#: function of the definitions and of the view's target, model, demoted rules and engine only (rules/memo.py). The
#: target is told by identity (the worker keeps one per route and options), and kept with the
#: findings so that its id is not reused while they are remembered.
_TOOL_LISTS = memo.Memo()
#: More findings than this are not remembered (a pathological list is checked again, and capped).
_MAX_REMEMBERED = 256


def _remembered_tool_list(view: RequestView, tools: Any) -> Iterator[Finding]:
    text = memo.tools_text(view, tools)
    if text is None:
        yield from _check_tool_list(view, tools)
        return
    key = (id(view.target), view.model, view.demoted, view.engine, text)
    hit = _TOOL_LISTS.get(key)
    if hit is not None and hit[0] is view.target:
        yield from hit[1]
        return
    found = _check_tool_list(view, tools)
    head = list(islice(found, _MAX_REMEMBERED + 1))
    if len(head) <= _MAX_REMEMBERED:
        _TOOL_LISTS.put(key, (view.target, tuple(head)))
    yield from head
    yield from found


@check
def check_mixed_strict(view: RequestView) -> Iterator[Finding]:
    """tools.mixed-strict: only where the profile declares the refusal; a tool without `strict` counts as
    false, as the refusal's source says."""
    if view.provider.mixed_strict_refusal is None:
        return
    tools = view.body.get("tools")
    if not isinstance(tools, list):
        return
    values = [
        (index, tool["function"].get("strict") is True)
        for index, tool in enumerate(tools)
        if isinstance(tool, dict) and isinstance(tool.get("function"), dict)
    ]
    if len({strict for _, strict in values}) < 2:
        return
    first = values[0][1]
    index = next(i for i, strict in values if strict != first)
    yield from MIXED_STRICT.report(
        view,
        f"tools[{index}].function.strict",
        f"tools[{values[0][0]}] is {'strict' if first else 'not strict'} but tools[{index}] is "
        f"{'strict' if not first else 'not strict'}; {view.provider.name} refuses mixed `strict` values "
        f"({view.provider.mixed_strict_refusal}). Send the same `strict` value on every tool.",
    )


@check(endpoints=(RESPONSES,))
def check_responses_tools(view: RequestView) -> Iterator[Finding]:
    """The Responses API's flat function tools (``name``/``parameters`` at the top level): the strict
    subset only (the shape itself is responses.chat-style-tool)."""
    tools = view.body.get("tools")
    for index, tool in enumerate(tools if isinstance(tools, list) else ()):
        name = tool.get("name") if isinstance(tool, dict) and tool.get("type") == "function" else None
        if isinstance(name, str) and name:
            # The same validator answers the same text for a flat tool's root ("Invalid schema for function
            # 'GMAIL_CREATE_EMAIL_DRAFT': schema must be a JSON Schema of 'type: \"object\"', got 'type:
            # \"None\"'.", param tools[0].parameters, on /v1/responses: ComposioHQ/composio#1829).
            parameters = tool.get("parameters")
            if parameters is not None:
                yield from _check_root(view, f"tools[{index}].parameters", name, parameters)
            yield from _check_flat_schema(view, index, name, tool)
            # The flat tool's name has Chat Completions' pattern: "Invalid 'tools[0].name': string does not
            # match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'." (an MCP server's
            # host in the name, openai/openai-dotnet#441; Codex sanitises MCP names since openai/codex#8694).
            # Its length is the spec's (FunctionToolParam.name: at most 128, spec.out-of-range), not 64.
            yield from _check_name_pattern(view, f"tools[{index}].name", name)


def _check_flat_schema(view: RequestView, index: int, name: str, tool: dict[str, Any]) -> Iterator[Finding]:
    """A flat function tool's schema: what the validator refuses in any schema (the Responses API answers
    "Invalid schema for function 'mcp--fetch--fetch': ..." with Chat Completions' sentences,
    RooCodeInc/Roo-Code#10198), and with ``strict: true`` the same strict-mode subset as Chat Completions
    (the rules are tools.strict-*, one definition). The Agents SDK sends ``strict: true`` on every tool,
    and OpenAI answers "Invalid schema for function 'process_user': In context=(), 'additionalProperties'
    is required to be supplied and to be false." (openai/openai-agents-python#1023). A tool without the
    key is not judged by the strict subset: whether the Responses API then enforces it is not
    established here."""
    parameters = tool.get("parameters")
    if not isinstance(parameters, dict):
        return
    location = f"tools[{index}].parameters"
    yield from _check_schema_validity(view, location, name, parameters)
    if tool.get("strict") is True:
        yield from _check_strict(view, location, name, parameters)


def _check_tool_list(view: RequestView, tools: Any) -> Iterator[Finding]:
    if not isinstance(tools, list):
        yield from report_judged(
            INVALID_DEFINITION,
            view,
            "tools",
            f"tools is a {type(tools).__name__}; send an array of {{type: function, function}} objects.",
        )
        return
    if not tools:
        yield from report_judged(
            EMPTY,
            view,
            "tools",
            "tools is an empty array; omit `tools` (and `tool_choice`) on turns without tools.",
        )
        return
    if len(tools) > MAX_TOOLS_OPENAI:
        yield from report_judged(
            TOO_MANY,
            view,
            "tools",
            f"The request declares {len(tools)} tools; OpenAI accepts at most {MAX_TOOLS_OPENAI}. Send only the "
            "tools this turn needs, or defer the rest behind a search tool.",
        )
    seen: dict[str, int] = {}
    long_descriptions: list[tuple[int, int]] = []
    for index, tool in enumerate(tools):
        where = f"tools[{index}]"
        kind = tool.get("type") if isinstance(tool, dict) else None
        if isinstance(kind, str) and kind in view.provider.builtin_tool_types:
            continue  # a tool the provider runs itself (Groq's browser_search): no function object
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or not isinstance(function, dict):
            flat = isinstance(tool, dict) and "name" in tool
            hint = (
                " This is the flat Responses-API shape; nest name/description/parameters under 'function'."
                if flat
                else ""
            )
            yield from report_judged(
                INVALID_DEFINITION,
                view,
                where if not isinstance(tool, dict) else f"{where}.function",
                f"{where} has no 'function' object.{hint}",
            )
            continue
        if tool.get("type") != "function":
            yield from report_judged(
                INVALID_DEFINITION,
                view,
                f"{where}.type",
                f"{where}.type is {tool.get('type')!r}; Chat Completions tools use type 'function'.",
            )
        name = function.get("name")
        if not isinstance(name, str) or not name:
            yield from report_judged(
                INVALID_DEFINITION, view, f"{where}.function.name", f"{where}.function has no name."
            )
            continue
        yield from _check_name(view, f"{where}.function.name", name)
        if name in view.provider.reserved_tool_names:
            yield from RESERVED_NAME.report(
                view,
                f"{where}.function.name",
                f"tool name {name!r} is reserved by {view.provider.name} for its own tool "
                f"({view.provider.reserved_tool_names[name]}); rename the tool.",
            )
        if name in seen:
            yield from report_judged(
                DUPLICATE_NAME,
                view,
                f"{where}.function.name",
                f"{where} repeats the function name {name!r} of tools[{seen[name]}]; give each tool a unique "
                "name or drop the duplicate.",
            )
        else:
            seen[name] = index
        description = function.get("description")
        if isinstance(description, str) and len(description) > MAX_DESCRIPTION_OPENAI:
            long_descriptions.append((index, len(description)))
        yield from _check_parameters(view, where, name, function)
    if long_descriptions:  # one warning per request: agent CLIs send many long descriptions
        first, length = long_descriptions[0]
        others = f" ({len(long_descriptions) - 1} more tools too)" if len(long_descriptions) > 1 else ""
        # Not judged as the model's vendor on an unknown host: OpenAI itself accepts these (the rule's
        # notes), so a gateway in front of gpt-4o would flag every agent CLI request for nothing
        # (tests/e2e/test_agent_guides.py: opencode's clean runs through the proxy store no row).
        yield from DESCRIPTION_TOO_LONG.report(
            view,
            f"tools[{first}].function.description",
            f"tools[{first}].function.description has {length} characters{others}; some OpenAI deployments and "
            f"proxies reject more than {MAX_DESCRIPTION_OPENAI}.",
        )


def _check_name(view: RequestView, location: str, name: str) -> Iterator[Finding]:
    if len(name) > MAX_NAME_LENGTH:
        yield from report_judged(
            NAME_TOO_LONG,
            view,
            location,
            f"Function name {name[:20]!r}… has {len(name)} characters; the limit is {MAX_NAME_LENGTH}. Shorten "
            "it (e.g. drop a server prefix).",
        )
    yield from _check_name_pattern(view, location, name)


def _check_name_pattern(view: RequestView, location: str, name: str) -> Iterator[Finding]:
    problem = _name_problem(view, name)
    if problem is not None:
        rule, pattern = problem
        bad = sorted({c for c in name if not OPENAI_NAME.fullmatch(c)})
        yield from report_judged(
            rule,
            view,
            location,
            f"Function name {name!r} does not match {pattern} on {judged_name(rule, view)} (offending: "
            f"{' '.join(repr(c) for c in bad) or 'first character'}). Replace other characters with '_'.",
        )


def _check_parameters(
    view: RequestView, where: str, name: str, function: dict[str, Any]
) -> Iterator[Finding]:
    if "parameters" not in function or function["parameters"] is None:
        # A function without arguments (doc [OAS]); the rule's policy says who requires the field.
        yield from report_judged(
            PARAMETERS_MISSING,
            view,
            f"{where}.function",
            f"Function {name!r} has no parameters; {judged_name(PARAMETERS_MISSING, view)} requires them. Send "
            "{'type': 'object', 'properties': {}} for a function without arguments.",
        )
        return
    parameters = function["parameters"]
    location = f"{where}.function.parameters"
    yield from _check_root(view, location, name, parameters)
    if not isinstance(parameters, dict):
        return
    yield from _check_schema_subset(view, location, name, parameters)
    yield from _check_schema_validity(view, location, name, parameters)
    if function.get("strict") is True:
        yield from _check_strict(view, location, name, parameters)


def _check_schema_validity(
    view: RequestView, location: str, name: str, parameters: dict[str, Any]
) -> Iterator[Finding]:
    """What OpenAI's validator refuses in any function schema, strict or not (Chat Completions' nested
    and the Responses API's flat tools alike): an array without items, a keyword value the metaschema
    refuses. One walk over the schema."""
    for path, node in iter_schemas(parameters):
        if is_array_schema(node) and "items" not in node and "prefixItems" not in node:
            yield from report_judged(
                ARRAY_WITHOUT_ITEMS,
                view,
                dotted(location, path),
                f"Function {name!r}: In {context_text(path)}, array schema missing items. Add an 'items' "
                "schema, e.g. {'type': 'string'}.",
            )
        for keyword, detail in keyword_problems(node):
            if not path and keyword == "type":
                continue  # the root's type is tools.parameters-not-object's (_check_root)
            yield from report_judged(
                INVALID_SCHEMA,
                view,
                dotted(location, (*path, keyword)),
                f"Invalid schema for function {name!r}: In {context_text(path)}, {keyword}: {detail}.",
            )


#: The rule each kind of strict-mode problem is reported by (schemas.strict_schema_problems).
_STRICT_RULES = {
    "additional-properties": STRICT_ADDITIONAL_PROPERTIES,
    "required": STRICT_REQUIRED,
    "format": STRICT_FORMAT,
    "type": STRICT_TYPE_MISSING,
}


def _check_strict(
    view: RequestView, location: str, name: str, parameters: dict[str, Any]
) -> Iterator[Finding]:
    for kind, path, detail in strict_schema_problems(parameters):
        yield from report_judged(
            _STRICT_RULES[kind],
            view,
            dotted(location, path),
            f"Function {name!r} is strict: In {context_text(path)}, {detail}.",
        )


def _check_root(view: RequestView, location: str, name: str, parameters: Any) -> Iterator[Finding]:
    """The schema root of a function tool (Chat Completions' nested or the Responses API's flat shape):
    an object schema, without a combinator beside its type."""
    if not isinstance(parameters, dict) or parameters.get("type") != "object":
        got = parameters.get("type") if isinstance(parameters, dict) else type(parameters).__name__
        # vLLM needs a dict but accepts any schema in it (its policy's condition).
        if not (provider_id(view) == "vllm" and isinstance(parameters, dict)):
            since = (
                " LM Studio validates tool schemas since 0.3.29 (earlier releases took this; current ones refuse it)."
                if provider_id(view) == "lmstudio"
                else ""
            )
            yield from report_judged(
                PARAMETERS_NOT_OBJECT,
                view,
                location,
                f"Function {name!r}: parameters must be a JSON Schema with type 'object' (got {got!r}). Wrap the "
                "arguments as {'type': 'object', 'properties': {...}}." + since,
            )
        return
    for key in ROOT_COMBINATORS:
        if key in parameters:
            yield from report_judged(
                PARAMETERS_ROOT_COMBINATOR,
                view,
                f"{location}.{key}",
                f"Function {name!r}: the schema root has {key!r} beside type 'object'; "
                f"{judged_name(PARAMETERS_ROOT_COMBINATOR, view)} refuses {'/'.join(ROOT_COMBINATORS)} at the top level. Move it into a "
                "property or drop it (check the arguments in the tool instead).",
            )
            return


@per_message
def _check_history_names(view: RequestView, messages: Iterable[tuple[int, Any]]) -> Iterator[Finding]:
    # An agent's history calls the same few tools hundreds of times: each name matched once.
    valid: set[str] = set()
    for index, message in messages:
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        calls = message.get("tool_calls")
        if not isinstance(calls, list):
            continue
        for call_index, call in enumerate(calls):
            function = call.get("function") if isinstance(call, dict) else None
            name = function.get("name") if isinstance(function, dict) else None
            if not isinstance(name, str) or name in valid:
                continue
            if OPENAI_NAME.fullmatch(name):
                valid.add(name)
                continue
            pid = judged_id(view)
            if pid == "gemini" and GEMINI_NAME.fullmatch(name):
                continue
            what = (
                "a call with an empty function name; send the name the model called (the client lost it)"
                if not name
                else f"a call to {name!r}, which does not match ^[a-zA-Z0-9_-]+$. Rename it consistently in "
                "the tools and in the history"
            )
            yield from report_judged(
                HISTORY_INVALID_NAME,
                view,
                f"messages[{index}].tool_calls[{call_index}].function.name",
                f"messages[{index}] replays {what}.",
            )
