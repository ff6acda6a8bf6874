"""Gemini's native API rules (``POST .../models/{model}:generateContent`` and ``:streamGenerateContent``).

The request is a ``GenerateContentRequest`` (https://ai.google.dev/api/generate-content): ``contents``
(turns of ``role`` ``user``/``model`` holding ``parts``), ``systemInstruction``, ``tools`` (each with
``functionDeclarations``), ``toolConfig``, ``safetySettings``, ``generationConfig``, ``cachedContent``.
The model is named by the path. The same body is served by the Gemini API (Google AI Studio), by Vertex
AI (``.../publishers/google/models/{model}:generateContent``) and, wrapped as ``{"model", "project",
"request": {...}}``, by Code Assist (``/v1internal:generateContent``, gemini-cli's OAuth backend).

The API is proto-backed: a JSON key that is not a field of the message at that level is refused with
``Invalid JSON payload received. Unknown name "x" at 'generation_config': Cannot find field.``, so a
complete field list per level (:data:`FIELDS`) names a whole family of 400s precisely. The proto JSON
mapping accepts each field under its lowerCamel JSON name *and* its proto (snake_case) name: Google's own
REST examples send ``system_instruction``, ``inline_data``/``mime_type`` and ``generation_config``
(https://ai.google.dev/gemini-api/docs/text-generation, curl tab), and a reply to a request mixing both
(``generationConfig`` holding ``thinking_config``) names the thinking budget, not the spelling
(pydantic/pydantic-ai#1967). Both spellings are accepted here, never flagged.

Free-form values are never walked: ``functionCall.args``, ``functionResponse.response`` and the
``*JsonSchema`` fields (``parametersJsonSchema``, ``responseJsonSchema``) are ``google.protobuf.Value``s
that take any JSON, which is why they accept full JSON Schema where ``parameters``/``responseSchema``
(the OpenAPI-subset ``Schema`` message) refuse ``$schema``, ``additionalProperties`` and ``$ref``.

Severity per provider: the Gemini API (``gemini``) and Vertex AI (``vertex``) answer with the texts
quoted below; an unrecognised host on a ``:generateContent`` path is most often a gateway forwarding to
one of them (CLIProxyAPI, LiteLLM's pass-through, Code Assist relays), so the structural rules are errors
there too, while an unknown field is a warning (some gateways drop fields they do not know).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any, Final

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import CHAT, GEMINI, RequestView
from toolguard_core.request import gemini_field as _get
from toolguard_core.request import gemini_key as _key
from toolguard_core.request import gemini_many as _many
from toolguard_core.request import gemini_payload as _payload
from toolguard_core.request import gemini_snake as _snake
from toolguard_core.rules.modelinfo import GEMINI_3, GEMINI_NAME, is_number
from toolguard_core.rules.policy import provider_id
from toolguard_core.rules.registry import RULES, PredictedError, check, define, policy

#: The chat-completions rules this module reports on the native API too (one declaration each, found
#: in the registry: rule modules do not import each other).
THOUGHT_SIGNATURE = "quirks.gemini-thought-signature-missing"
INVALID_NAME = "tools.invalid-name"
NAME_TOO_LONG = "tools.name-too-long"
#: Gemini's longest function name (the proto validator's "with a maximum length of 64").
MAX_NAME_LENGTH = 64

GEMINI_URL = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
GEMINI_3_URL = "https://generativelanguage.googleapis.com/v1beta/models/gemini-3-pro-preview:generateContent"

# ----------------------------------------------------------------------------- the field lists (data)

#: When :data:`FIELDS` was compiled, and from what: the REST references' message definitions
#: (https://ai.google.dev/api/generate-content, /api/caching#Content, #Part, #Schema, #Tool,
#: #FunctionDeclaration, #ToolConfig, #SafetySetting, #GenerationConfig; Vertex AI's
#: https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1beta1/Content and
#: .../v1beta1/projects.locations.endpoints/generateContent), the union of v1 and v1beta (v1 lacks a
#: few v1beta fields, e.g. ``systemInstruction`` once: googleapis/python-genai#425; flagging only what
#: neither version has keeps every accepted field silent). docs/rules.md prints the lists.
FIELDS_DATE = "2026-11-30 (REST references as published in 2025)"

#: Field names (lowerCamel JSON names) of each message, per level of the request. The snake_case proto
#: name of each is accepted too (:func:`_accepted`).
FIELDS: Mapping[str, frozenset[str]] = {
    "request": frozenset(
        {
            "model",
            "contents",
            "tools",
            "toolConfig",
            "safetySettings",
            "systemInstruction",
            "generationConfig",
            "cachedContent",
            # Vertex AI only; harmless to accept on the Gemini API side (never flag what one accepts).
            "labels",
            "modelArmorConfig",
        }
    ),
    "content": frozenset({"role", "parts"}),
    "part": frozenset(
        {
            "text",
            "inlineData",
            "functionCall",
            "functionResponse",
            "fileData",
            "executableCode",
            "codeExecutionResult",
            "thought",
            "thoughtSignature",
            "partMetadata",
            "videoMetadata",
            "mediaResolution",
            # Gemini 3's server-side tool parts, as a client replays them (the adk-gemini 2.1.0
            # crate's Part type carries both). Unconfirmed in the REST reference of this snapshot's
            # date, so accepted: an allowlist must never flag what the provider may accept.
            "toolCall",
            "toolResponse",
        }
    ),
    "functionCall": frozenset({"id", "name", "args", "partialArgs", "willContinue"}),
    "functionResponse": frozenset({"id", "name", "response", "parts", "willContinue", "scheduling"}),
    "blob": frozenset({"mimeType", "data", "displayName"}),
    "fileData": frozenset({"mimeType", "fileUri", "displayName"}),
    "generationConfig": frozenset(
        {
            "stopSequences",
            "responseMimeType",
            "responseSchema",
            "responseJsonSchema",
            "responseModalities",
            "candidateCount",
            "maxOutputTokens",
            "temperature",
            "topP",
            "topK",
            "seed",
            "presencePenalty",
            "frequencyPenalty",
            "responseLogprobs",
            "logprobs",
            "enableEnhancedCivicAnswers",
            "speechConfig",
            "thinkingConfig",
            "imageConfig",
            "mediaResolution",
            # Vertex AI's GenerationConfig.
            "routingConfig",
            "audioTimestamp",
            "modelSelectionConfig",
            "enableAffectiveDialog",
        }
    ),
    "thinkingConfig": frozenset({"includeThoughts", "thinkingBudget", "thinkingLevel"}),
    "safetySetting": frozenset({"category", "threshold", "method"}),
    "tool": frozenset(
        {
            "functionDeclarations",
            "googleSearchRetrieval",
            "codeExecution",
            "googleSearch",
            "computerUse",
            "urlContext",
            "fileSearch",
            "googleMaps",
            # Vertex AI's Tool.
            "retrieval",
            "enterpriseWebSearch",
        }
    ),
    "functionDeclaration": frozenset(
        {
            "name",
            "description",
            "behavior",
            "parameters",
            "parametersJsonSchema",
            "response",
            "responseJsonSchema",
        }
    ),
    "toolConfig": frozenset({"functionCallingConfig", "retrievalConfig"}),
    "functionCallingConfig": frozenset({"mode", "allowedFunctionNames", "streamFunctionCallArguments"}),
    # The Gemini API's Schema (an OpenAPI 3.0 subset): https://ai.google.dev/api/caching#Schema.
    "schema": frozenset(
        {
            "type",
            "format",
            "title",
            "description",
            "nullable",
            "enum",
            "maxItems",
            "minItems",
            "properties",
            "required",
            "minProperties",
            "maxProperties",
            "minLength",
            "maxLength",
            "pattern",
            "example",
            "anyOf",
            "propertyOrdering",
            "default",
            "items",
            "minimum",
            "maximum",
        }
    ),
}
#: Vertex AI's Schema takes three more (v1beta1 Schema: ``additionalProperties``, ``ref``, ``defs``);
#: an unrecognised host may be either service, so it is held to the larger set.
VERTEX_SCHEMA_EXTRA = frozenset({"additionalProperties", "ref", "defs"})

#: The ``Part.data`` oneof: a part must set exactly one ("required oneof field 'data' must have one
#: initialized field").
PART_DATA = frozenset(
    {
        "text",
        "inlineData",
        "functionCall",
        "functionResponse",
        "fileData",
        "executableCode",
        "codeExecutionResult",
    }
)
#: Content roles (Content.role: "Must be either 'user' or 'model'"). ``function`` was the role of
#: function responses in early v1beta examples; it is not flagged (no rejection of it is quoted).
ROLES = frozenset({"user", "model"})
LEGACY_ROLES = frozenset({"function"})
#: Schema ``type`` names whose value must carry ``items`` (Type enum, matched case-insensitively as the
#: API does: clients send ``"array"`` and ``"ARRAY"`` alike).
ARRAY = "array"


#: Each level's accepted keys: the JSON names and the proto (snake_case) names.
_ACCEPTED: dict[str, frozenset[str]] = {
    level: names | frozenset(_snake(name) for name in names) for level, names in FIELDS.items()
}
_ACCEPTED["wrapped"] = _ACCEPTED["request"] | {"sessionId", "session_id"}
_VERTEX_SCHEMA = _ACCEPTED["schema"] | VERTEX_SCHEMA_EXTRA | frozenset(_snake(n) for n in VERTEX_SCHEMA_EXTRA)
#: The generationConfig fields a client may put at the top level by mistake (llm_wiki-style OpenAI habits).
_GENERATION_FIELDS = _ACCEPTED["generationConfig"]
_PART_DATA = PART_DATA | frozenset(_snake(n) for n in PART_DATA)

#: How deep a Schema is walked and how many of its nodes: bounded work per request (issue #12).
MAX_SCHEMA_DEPTH = 32
MAX_SCHEMA_NODES = 5_000


# ----------------------------------------------------------------------------- policies

#: The Gemini API and Vertex AI validate these; on an unrecognised host (a gateway in front of them) the
#: structural rules hold too.
_STRUCTURAL = policy(error=("gemini", "vertex", "generic"))
_FIELD_POLICY = policy(error=("gemini", "vertex"), warning=("generic",))

_USER = {"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}
_TOOLS = [
    {
        "functionDeclarations": [
            {
                "name": "get_weather",
                "description": "Current weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            }
        ]
    }
]
_CALL = {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]}
_RESPONSE = {
    "role": "user",
    "parts": [{"functionResponse": {"name": "get_weather", "response": {"temperature": "18C"}}}],
}

UNKNOWN_FIELD = define(
    "gemini.unknown-field",
    Severity.ERROR,
    "A key that is not a field of the Gemini request message at its level (top level, content, part, "
    "generationConfig, tools/functionDeclarations, toolConfig, safetySettings, systemInstruction).",
    policy=_FIELD_POLICY,
    predicts=(
        PredictedError(
            provider="gemini",
            text='Invalid JSON payload received. Unknown name "google": Cannot find field.',
            source="https://github.com/Alishahryar1/free-claude-code/issues/542",
        ),
        PredictedError(
            provider="gemini",
            text="Unknown name \"parameters\" at 'request.tools[0]'",
            source="https://github.com/NoeFabris/opencode-antigravity-auth/pull/214",
        ),
    ),
    example={"contents": [_USER], "generationConfig": {"temperature": 0.2, "reasoning_effort": "low"}},
    example_url=GEMINI_URL,
    fixed={
        "contents": [_USER],
        "generationConfig": {"temperature": 0.2, "thinkingConfig": {"thinkingBudget": 512}},
    },
    notes=(
        "The field lists are data (`FIELDS` in rules/gemini.py, compiled "
        f"{FIELDS_DATE}); camelCase and snake_case spellings are both accepted. A chat-completions body "
        "(`messages`, `model`) sent to a `:generateContent` path is named here too: use the OpenAI-compatible "
        "base URL `https://generativelanguage.googleapis.com/v1beta/openai/` for those. The fields accepted "
        "per level: "
        + "; ".join(
            f"{level}: " + ", ".join(f"`{name}`" for name in sorted(names)) for level, names in FIELDS.items()
        )
        + f"; Vertex AI's Schema also: {', '.join(f'`{name}`' for name in sorted(VERTEX_SCHEMA_EXTRA))}."
    ),
)
SCHEMA_KEYWORD = define(
    "gemini.schema-keyword-unsupported",
    Severity.ERROR,
    "A JSON-Schema keyword in `parameters`/`responseSchema` that Gemini's OpenAPI-subset `Schema` does not "
    "have (`$schema`, `additionalProperties`, `$ref`, `const`, ...).",
    policy=_FIELD_POLICY,
    predicts=(
        PredictedError(
            provider="gemini",
            text='Invalid JSON payload received. Unknown name "$schema" at '
            "'tools[0].function_declarations[0].parameters': Cannot find field.",
            source="https://github.com/zuisong/gemini-openai-proxy/issues/67",
        ),
        PredictedError(
            provider="gemini",
            text='Invalid JSON payload received. Unknown name "additionalProperties" at '
            "'tools[0].function_declarations[0].parameters': Cannot find field.",
            source="https://github.com/Laisky/one-api/issues/60",
        ),
    ),
    example={
        "contents": [_USER],
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "parameters": {
                            "$schema": "http://json-schema.org/draft-07/schema#",
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "additionalProperties": False,
                        },
                    }
                ]
            }
        ],
    },
    example_url=GEMINI_URL,
    fixed={
        "contents": [_USER],
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "parametersJsonSchema": {
                            "$schema": "http://json-schema.org/draft-07/schema#",
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "additionalProperties": False,
                        },
                    }
                ]
            }
        ],
    },
    notes=(
        "`parameters` and `responseSchema` are the `Schema` message (https://ai.google.dev/api/caching#Schema); "
        "`parametersJsonSchema`/`responseJsonSchema` take full JSON Schema (v1beta, 2025). Vertex AI's Schema "
        "also has `additionalProperties`, `ref` and `defs`, so those are accepted there; `$ref`, `$defs`, "
        "`$schema` and `const` are not."
    ),
)
ARRAY_ITEMS = define(
    "gemini.schema-array-without-items",
    Severity.ERROR,
    "An ARRAY schema in `parameters`/`responseSchema` without `items`.",
    policy=policy(error=("gemini",), warning=("vertex", "generic")),
    predicts=(
        PredictedError(
            provider="gemini",
            text="GenerateContentRequest.tools[0].function_declarations[5].parameters.properties[content]"
            ".any_of[2].items: missing field",
            source="https://github.com/steipete/summarize/issues/96",
        ),
    ),
    example={
        "contents": [_USER],
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "tag",
                        "parameters": {"type": "object", "properties": {"tags": {"type": "array"}}},
                    }
                ]
            }
        ],
    },
    example_url=GEMINI_URL,
    fixed={
        "contents": [_USER],
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "tag",
                        "parameters": {
                            "type": "object",
                            "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
                        },
                    }
                ]
            }
        ],
    },
    notes="Vertex AI's wording is not quoted, hence a warning there.",
)
TYPE_MISSING = define(
    "gemini.schema-type-missing",
    Severity.ERROR,
    "A property or items schema in `parameters`/`responseSchema` without `type` (and without anyOf/oneOf/allOf): "
    "Gemini's Schema requires it there.",
    policy=policy(error=("gemini",), warning=("vertex", "generic")),
    predicts=(
        PredictedError(
            provider="gemini",
            text=(
                "GenerateContentRequest.tools[0].function_declarations[0].parameters.properties[command].type: must "
                "be specified when not using one_of, any_of or all_of fields"
            ),
            source="https://github.com/danny-avila/LibreChat/issues/6971",
        ),
    ),
    example={
        "contents": [_USER],
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "run",
                        "parameters": {
                            "type": "object",
                            "properties": {"command": {"description": "shell command"}},
                        },
                    }
                ]
            }
        ],
    },
    example_url=GEMINI_URL,
    fixed={
        "contents": [_USER],
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "run",
                        "parameters": {
                            "type": "object",
                            "properties": {"command": {"type": "string", "description": "shell command"}},
                        },
                    }
                ]
            }
        ],
    },
    notes=(
        "Schema.type is required in Gemini's `Schema` (https://ai.google.dev/api/caching#Schema) unless the node "
        "is an anyOf/oneOf/allOf; JSON Schema's typeless \"any value\" property (an MCP tool's `{}` or "
        "description-only property) is refused. `parametersJsonSchema` takes full JSON Schema and is not checked "
        "here. Vertex AI's wording is not quoted, hence a warning there."
    ),
)
ROLE = define(
    "gemini.role-invalid",
    Severity.ERROR,
    "A `contents[].role` other than `user` or `model` (`system`, `assistant`, `tool`).",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="Please use a valid role: user, model.",
            source="https://github.com/songquanpeng/one-api/issues/1385",
        ),
    ),
    example={"contents": [{"role": "system", "parts": [{"text": "Be brief."}]}, _USER]},
    example_url=GEMINI_URL,
    fixed={"systemInstruction": {"parts": [{"text": "Be brief."}]}, "contents": [_USER]},
    notes=(
        "Content.role: 'Must be either user or model' (https://ai.google.dev/api/caching#Content); a system "
        "prompt goes in `systemInstruction`, an assistant turn is `model`, a function response is a `user` "
        "turn (genkit-ai/genkit#5782). The legacy `function` role is not flagged."
    ),
)
CONTENTS_EMPTY = define(
    "gemini.contents-empty",
    Severity.ERROR,
    "No `contents`, or an empty list (a request with only `systemInstruction`).",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="* GenerateContentRequest.contents: contents is not specified",
            source="https://github.com/vercel/ai/issues/3775",
        ),
    ),
    example={"systemInstruction": {"parts": [{"text": "Summarise the input."}]}, "contents": []},
    example_url=GEMINI_URL,
    fixed={"systemInstruction": {"parts": [{"text": "Summarise the input."}]}, "contents": [_USER]},
    notes="GenerateContentRequest.contents is Required (https://ai.google.dev/api/generate-content).",
)
PARTS_EMPTY = define(
    "gemini.parts-empty",
    Severity.ERROR,
    "A content with no `parts` (or an empty list), or a part that sets none of its data fields "
    "(`text`, `inlineData`, `functionCall`, `functionResponse`, `fileData`, ...).",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="GenerateContentRequest.contents[3].parts: contents.parts must not be empty.",
            source="https://github.com/langchain-ai/langgraph/issues/3939",
        ),
    ),
    example={"contents": [_USER, {"role": "model", "parts": []}, _USER]},
    example_url=GEMINI_URL,
    fixed={"contents": [_USER, {"role": "model", "parts": [{"text": "Sunny."}]}, _USER]},
    notes=(
        "Part.data is a oneof that must be set (https://ai.google.dev/api/caching#Part); Gemini answers a part "
        "with none set with \"required oneof field 'data' must have one initialized field\"."
    ),
)
CALL_ORDER = define(
    "gemini.function-call-turn-order",
    Severity.ERROR,
    "A model turn with `functionCall` parts that is first, or follows another model turn, instead of a "
    "user turn or a function-response turn.",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="Please ensure that function call turn comes immediately after a user turn or after a "
            "function response turn.",
            source="https://discuss.ai.google.dev/t/about-the-gemini-api-400-please-ensure-that-function-call-"
            "turns-come-immediately-after-a-user-turn-or-after-a-function-response-turn-error/46213",
        ),
    ),
    example={"contents": [_USER, {"role": "model", "parts": [{"text": "Checking."}]}, _CALL, _RESPONSE]},
    example_url=GEMINI_URL,
    fixed={
        "contents": [
            _USER,
            {"role": "model", "parts": [{"text": "Checking."}, *_CALL["parts"]]},
            _RESPONSE,
        ]
    },
    notes="gemini-cli met it with a history that starts with a function call (google-gemini/gemini-cli#26956).",
)
RESPONSE_ORDER = define(
    "gemini.function-response-turn-order",
    Severity.ERROR,
    "A turn with `functionResponse` parts that does not come right after a model turn with `functionCall` parts.",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="Please ensure that function response turn comes immediately after a function call turn.",
            source="https://github.com/google-gemini/gemini-cli/issues/26956",
        ),
    ),
    example={"contents": [_USER, {"role": "model", "parts": [{"text": "Checking."}]}, _RESPONSE]},
    example_url=GEMINI_URL,
    fixed={"contents": [_USER, _CALL, _RESPONSE]},
)
RESPONSE_COUNT = define(
    "gemini.function-response-count",
    Severity.ERROR,
    "A function-response turn whose number of `functionResponse` parts differs from the number of "
    "`functionCall` parts of the call turn before it.",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="Please ensure that the number of function response parts is equal to the number of function "
            "call parts of the function call turn.",
            source="https://github.com/google-gemini/gemini-cli/issues/4217",
        ),
    ),
    example={
        "contents": [
            _USER,
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                    {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
                ],
            },
            _RESPONSE,
        ]
    },
    example_url=GEMINI_URL,
    fixed={
        "contents": [
            _USER,
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                    {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
                ],
            },
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "get_weather", "response": {"temperature": "18C"}}},
                    {"functionResponse": {"name": "get_weather", "response": {"temperature": "24C"}}},
                ],
            },
        ]
    },
)
RESPONSE_NAME = define(
    "gemini.function-response-name-missing",
    Severity.ERROR,
    "A `functionResponse` without a `name` (or an empty one).",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="* GenerateContentRequest.contents[3].parts[0].function_response.name: Name cannot be empty.",
            source="https://github.com/nextlevelbuilder/goclaw-docs/issues/54",
        ),
    ),
    example={
        "contents": [
            _USER,
            _CALL,
            {"role": "user", "parts": [{"functionResponse": {"response": {"t": "18C"}}}]},
        ]
    },
    example_url=GEMINI_URL,
    fixed={"contents": [_USER, _CALL, _RESPONSE]},
)
JSON_WITH_TOOLS = define(
    "gemini.function-calling-with-json-mime",
    Severity.ERROR,
    "Function declarations together with `responseMimeType: application/json` on a model before Gemini 3.",
    policy=policy(
        error=("gemini",),
        warning=("vertex", "generic"),
        conditions={
            "gemini": "models before Gemini 3",
            "vertex": "models before Gemini 3",
            "generic": "models before Gemini 3",
        },
    ),
    predicts=(
        PredictedError(
            provider="gemini",
            text="Function calling with a response mime type: 'application/json' is unsupported",
            source="https://github.com/googleapis/python-genai/issues/867",
        ),
        PredictedError(
            provider="gemini",
            text="Function calling with a response mime type: 'application/json' is unsupported",
            source="https://github.com/google-gemini/deprecated-generative-ai-swift/issues/195",
        ),
    ),
    example={
        "contents": [_USER],
        "tools": _TOOLS,
        "generationConfig": {"responseMimeType": "application/json"},
    },
    example_url=GEMINI_URL,
    fixed={"contents": [_USER], "tools": _TOOLS},
    notes=(
        "Gemini 3 models combine structured output with tools (Gemini docs, 'Structured outputs', Gemini 3), so "
        "they are not flagged. Send JSON mode and function calling in separate requests on older models."
    ),
)
MAX_OUTPUT = define(
    "gemini.max-output-tokens-too-large",
    Severity.ERROR,
    "`generationConfig.maxOutputTokens` above the model's output limit (from the model catalog).",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="Unable to submit request because it has a maxOutputTokens value of 655360 but the supported "
            "range is from 1 (inclusive) to 8193 (exclusive). Update the value and try again.",
            source="https://github.com/stackblitz-labs/bolt.diy/issues/955",
        ),
    ),
    example={"contents": [_USER], "generationConfig": {"maxOutputTokens": 655360}},
    example_url=GEMINI_URL,
    fixed={"contents": [_USER], "generationConfig": {"maxOutputTokens": 65536}},
    notes="The limit is the catalog's max_output_tokens for the model the path names.",
)
#: The models whose topK Google's validator caps at 40 ("supported range is from 1 (inclusive) to 41
#: (exclusive)": gemini-1.5-flash in genkit-ai/genkit#1397, gemini-2.0-flash-exp in Robitx/gp.nvim#241).
#: Later models take more (the models API gives each model's own topK), and no rejection of theirs is
#: quoted: not flagged.
TOP_K_40 = re.compile(r"(^|/)gemini-(1\.5|2\.0)-")
TOP_K_MAX = 40
TOP_K = define(
    "gemini.top-k-out-of-range",
    Severity.ERROR,
    "`generationConfig.topK` above 40 for a Gemini 1.5 or 2.0 model, which takes 1 to 40.",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="Unable to submit request because it has a topK value of 50 but the supported range is from 1 "
            "(inclusive) to 41 (exclusive). Update the value and try again.",
            source="https://github.com/genkit-ai/genkit/issues/1397",
        ),
        PredictedError(
            provider="gemini",
            text="INVALID_ARGUMENT (code 400) Unable to submit request because it has a topK value of 64 but the "
            "supported range is from 1 (inclusive) to 41 (exclusive). Update the value and try again.",
            source="https://github.com/Blarc/ai-commits-intellij-plugin/pull/279",
        ),
    ),
    example={"contents": [_USER], "generationConfig": {"topK": 50}},
    example_url=GEMINI_URL.replace("gemini-2.5-flash", "gemini-2.0-flash"),
    fixed={"contents": [_USER], "generationConfig": {"topK": 40}},
    notes="Gemini 1.5 and 2.0 models only (the quoted rejections); later models take a larger topK and are "
    "not flagged. A topK of 0 reads as unset and is not flagged.",
)
#: The Gemini models whose thinking cannot be switched off: Gemini 2.5 Pro ("Thinking can't be turned off
#: for Gemini 2.5 Pro", its budget range 128 to 32,768; https://ai.google.dev/gemini-api/docs/thinking) and
#: the Pro models of Gemini 3 and later, which think at every thinkingLevel (the same page: Gemini 3 Pro
#: takes "low" and "high", no level turns it off). The Flash models take a budget of 0 (their range starts
#: at 0), so only "-pro" names are matched; a dated or -preview suffix names the same model.
THINKING_ONLY = re.compile(r"(^|/)gemini-(?:2\.5|[3-9](?:\.\d+)?)-pro(?:$|[-@])")
THINKING_ALWAYS_ON = define(
    "gemini.thinking-cannot-be-disabled",
    Severity.ERROR,
    "`thinkingConfig.thinkingBudget` is 0 (thinking off) for a Gemini Pro model (2.5 Pro, 3.x Pro), which "
    "always thinks.",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="The model does not support setting thinking_budget to 0.",
            # Through gemini-cli's Code Assist backend (the relay's default model is gemini-2.5-pro).
            source="https://github.com/GewoonJaap/gemini-cli-openai/issues/22",
            status=400,
        ),
    ),
    example={"contents": [_USER], "generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}},
    example_url=GEMINI_3_URL,
    fixed={"contents": [_USER], "generationConfig": {"thinkingConfig": {"thinkingLevel": "low"}}},
    notes="doc: https://ai.google.dev/gemini-api/docs/thinking (Gemini 2.5 Pro: 128 to 32,768, cannot be turned "
    "off; Gemini 3 Pro: thinkingLevel low or high). Send the smallest budget (128 on 2.5 Pro) or "
    'thinkingLevel "low", or omit thinkingConfig. A Flash model takes 0 and is not flagged.',
)
CANDIDATES = define(
    "gemini.multiple-candidates-unsupported",
    Severity.ERROR,
    "`generationConfig.candidateCount` above 1 for a Gemini 3 model on the Gemini API, which answers with "
    "one candidate only.",
    # Vertex AI answered four candidates from gemini-3.1-pro-preview (googleapis/python-genai#1723): silent there.
    policy=policy(error=("gemini",), warning=("generic",), silent=("vertex",)),
    predicts=(
        PredictedError(
            provider="gemini",
            text="Multiple candidates is not enabled for this model",
            source="https://github.com/googleapis/js-genai/issues/1609",
        ),
        PredictedError(
            provider="gemini",
            text="ClientError: 400 INVALID_ARGUMENT. {'error': {'code': 400, 'message': 'Multiple candidates is "
            "not enabled for this model', 'status': 'INVALID_ARGUMENT'}}",
            source="https://github.com/googleapis/python-genai/issues/1723",
        ),
    ),
    example={"contents": [_USER], "generationConfig": {"candidateCount": 2}},
    example_url=GEMINI_3_URL,
    fixed={"contents": [_USER]},
    notes="gemini-3-pro-preview, gemini-3-flash-preview, gemini-3.1-pro-preview and gemini-3.1-flash-lite on "
    "the Gemini API (the issues above; gemini-2.5-flash answered several). Send one request per candidate.",
)


CACHED_CONTENT = define(
    "gemini.cached-content-with-config",
    Severity.ERROR,
    "`cachedContent` together with `systemInstruction`, `tools` or `toolConfig` on the request (they belong "
    "in the cache).",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="gemini",
            text="CachedContent can not be used with GenerateContent request setting system_instruction, tools "
            "or tool_config. Proposed fix: move those values to CachedContent from GenerateContent request.",
            source="https://github.com/vercel/ai/issues/3333",
        ),
        PredictedError(
            provider="gemini",
            text="Tool config, tools and system instruction should not be set in therequest when using cached "
            "content.",
            source="https://github.com/googleapis/python-genai/issues/348",
        ),
        PredictedError(
            provider="vertex",
            text="400 INVALID_ARGUMENT (Vertex generateContent with cachedContent and system_instruction, tools "
            "or toolConfig)",
            source="https://github.com/BerriAI/litellm/pull/26077",
        ),
    ),
    example={
        "cachedContent": "cachedContents/lqbd0w1ye8ag",
        "systemInstruction": {"parts": [{"text": "Answer from the documents."}]},
        "contents": [_USER],
    },
    example_url=GEMINI_URL,
    fixed={"cachedContent": "cachedContents/lqbd0w1ye8ag", "contents": [_USER]},
    notes="Context caching (https://ai.google.dev/gemini-api/docs/caching): the system instruction, tools and "
    "tool config are set when the cache is created and are part of it.",
)
#: What a request may not set beside ``cachedContent``.
_CACHE_OWNED = ("systemInstruction", "tools", "toolConfig")


# ----------------------------------------------------------------------------- the checks


@check(endpoints=(GEMINI,))
def check_gemini(view: RequestView) -> Iterator[Finding]:
    body, prefix = _payload(view)
    if body is None:
        return
    vertex = view.provider.id != "gemini"
    # Code Assist's inner request also carries gemini-cli's session id (CAGenerateContentRequest).
    level = "wrapped" if prefix else "request"
    yield from _unknown(view, body, level, prefix.rstrip("."), top=True)
    contents = _many(_get(body, "contents"))
    if not isinstance(contents, list) or not contents:
        yield from CONTENTS_EMPTY.report(
            view,
            f"{prefix}contents",
            "The request has no contents; Gemini needs at least one user turn in `contents` (a system prompt "
            "alone goes in `systemInstruction` and is not enough).",
        )
        contents = []
    yield from _contents(view, contents, f"{prefix}{_key(body, 'contents')}")
    system = _get(body, "systemInstruction")
    if isinstance(system, dict):
        location = f"{prefix}{_key(body, 'systemInstruction')}"
        yield from _unknown(view, system, "content", location)
        parts = _many(_get(system, "parts"))
        for index, part in enumerate(parts if isinstance(parts, list) else []):
            if isinstance(part, dict):
                yield from _part(view, part, f"{location}.{_key(system, 'parts')}[{index}]")
    if _get(body, "cachedContent"):
        for name in _CACHE_OWNED:
            if _get(body, name) is not None:
                yield from CACHED_CONTENT.report(
                    view,
                    f"{prefix}{_key(body, name)}",
                    f"The request names cachedContent and sets {name}; Gemini refuses both at once. Put "
                    f"{name} in the cache when creating it, and drop it here.",
                )
    yield from _generation(view, body, prefix, vertex)
    yield from _tools(view, body, prefix, vertex)
    tool_config = _get(body, "toolConfig")
    if isinstance(tool_config, dict):
        location = f"{prefix}{_key(body, 'toolConfig')}"
        yield from _unknown(view, tool_config, "toolConfig", location)
        calling = _get(tool_config, "functionCallingConfig")
        if isinstance(calling, dict):
            yield from _unknown(
                view,
                calling,
                "functionCallingConfig",
                f"{location}.{_key(tool_config, 'functionCallingConfig')}",
            )
    settings = _many(_get(body, "safetySettings"))
    for index, setting in enumerate(settings if isinstance(settings, list) else []):
        if isinstance(setting, dict):
            yield from _unknown(
                view, setting, "safetySetting", f"{prefix}{_key(body, 'safetySettings')}[{index}]"
            )


def _unknown(
    view: RequestView, obj: Mapping[str, Any], level: str, location: str, *, top: bool = False
) -> Iterator[Finding]:
    accepted = _ACCEPTED[level]
    for key in obj:
        if key in accepted:
            continue
        where = f"{location}.{key}" if location else key
        yield from UNKNOWN_FIELD.report(view, where, _unknown_message(key, level, obj, top))


def _unknown_message(key: str, level: str, obj: Mapping[str, Any], top: bool) -> str:
    names = ", ".join(sorted(FIELDS.get(level, FIELDS["request"])))
    head = f'"{key}" is not a field of Gemini\'s {"request" if level == "wrapped" else level} message (Gemini answers: Unknown name "{key}"'
    if top and key == "messages" and "contents" not in obj:
        return (
            f"{head}). This is an OpenAI chat-completions body sent to Gemini's native :generateContent path; "
            "send it to https://generativelanguage.googleapis.com/v1beta/openai/chat/completions, or convert "
            "it to `contents` with roles user/model."
        )
    if top and key in _GENERATION_FIELDS:
        return f"{head}). Move it into `generationConfig`."
    if level == "functionCall" and key in ("thoughtSignature", "thought_signature"):
        return f"{head}). The thought signature belongs on the part, beside `functionCall`, not inside it."
    return f"{head}). Remove it or use one of: {names} (camelCase or snake_case)."


def _contents(view: RequestView, contents: list[Any], location: str) -> Iterator[Finding]:
    previous: tuple[str | None, int, int] | None = None  # (role, function calls, function responses)
    for index, content in enumerate(contents):
        where = f"{location}[{index}]"
        if not isinstance(content, dict):
            continue
        yield from _unknown(view, content, "content", where)
        role = content.get("role")
        if isinstance(role, str) and role not in ROLES and role not in LEGACY_ROLES:
            hint = (
                "put a system prompt in `systemInstruction`"
                if role == "system"
                else "use `model` for the assistant's turns and `user` for the user's and for function responses"
            )
            yield from ROLE.report(
                view, f"{where}.role", f'role "{role}" is not one Gemini takes (only user and model); {hint}.'
            )
        parts = _many(_get(content, "parts"))
        calls = responses = 0
        if not isinstance(parts, list) or not parts:
            yield from PARTS_EMPTY.report(
                view,
                f"{where}.parts",
                f"{where} has no parts; Gemini refuses an empty turn (contents.parts must not be empty). Drop "
                "the turn or give it its text.",
            )
            parts = []
        parts_key = _key(content, "parts")
        for part_index, part in enumerate(parts):
            if not isinstance(part, dict):
                continue
            part_where = f"{where}.{parts_key}[{part_index}]"
            yield from _part(view, part, part_where)
            if _get(part, "functionCall") is not None:
                calls += 1
            response = _get(part, "functionResponse")
            if response is not None:
                responses += 1
                name = response.get("name") if isinstance(response, dict) else None
                if not (isinstance(name, str) and name):
                    yield from RESPONSE_NAME.report(
                        view,
                        f"{part_where}.{_key(part, 'functionResponse')}.name",
                        "This functionResponse has no name; Gemini needs the name of the function call it "
                        "answers.",
                    )
        if calls and (previous is None or (previous[0] == "model" and not previous[2])):
            after = "is the first turn" if previous is None else "follows another model turn"
            yield from CALL_ORDER.report(
                view,
                where,
                f"{where} holds function calls but {after}; Gemini takes a function call turn only right "
                "after a user turn or a function response turn. Merge it into the model turn before, or "
                "replay the user turn that led to it.",
            )
        if responses:
            if previous is None or not previous[1]:
                yield from RESPONSE_ORDER.report(
                    view,
                    where,
                    f"{where} holds function responses but the turn before it holds no function call; each "
                    "function response turn must follow the model turn that made the calls.",
                )
            elif responses != previous[1]:
                yield from RESPONSE_COUNT.report(
                    view,
                    where,
                    f"{where} answers with {responses} functionResponse part(s) but the call turn before it "
                    f"made {previous[1]} functionCall part(s); send one response per call, in one turn.",
                )
        previous = (role if isinstance(role, str) else None, calls, responses)
    yield from _signatures(view, contents, location)


def _part(view: RequestView, part: Mapping[str, Any], where: str) -> Iterator[Finding]:
    unknown = [key for key in part if key not in _ACCEPTED["part"]]
    yield from _unknown(view, part, "part", where)
    if not unknown and not any(key in _PART_DATA for key in part):
        yield from PARTS_EMPTY.report(
            view,
            where,
            f"{where} sets none of text, inlineData, functionCall, functionResponse, fileData, executableCode, "
            "codeExecutionResult; Gemini requires one (required oneof field 'data').",
        )
    for name, level in (
        ("functionCall", "functionCall"),
        ("functionResponse", "functionResponse"),
        ("inlineData", "blob"),
        ("fileData", "fileData"),
    ):
        value = _get(part, name)
        if isinstance(value, dict):
            yield from _unknown(view, value, level, f"{where}.{_key(part, name)}")


def _signatures(view: RequestView, contents: list[Any], location: str) -> Iterator[Finding]:
    """Gemini 3 validates the thought signature of the first function call of each model step since the
    last user turn that is not function responses (the one declaration: quirks.gemini-thought-signature-missing;
    https://ai.google.dev/gemini-api/docs/thought-signatures)."""
    if not GEMINI_3.search((view.model or "").lower()):
        return
    start = 0
    for index, content in enumerate(contents):
        if isinstance(content, dict) and content.get("role") == "user":
            parts = _get(content, "parts")
            if isinstance(parts, list) and any(
                isinstance(p, dict) and _get(p, "functionResponse") is None for p in parts
            ):
                start = index + 1
    judged = None if view.provider.id == "gemini" else "gemini"
    for index in range(start, len(contents)):
        content = contents[index]
        if not isinstance(content, dict) or content.get("role") != "model":
            continue
        parts = _get(content, "parts")
        first = next(
            (
                (i, p)
                for i, p in enumerate(parts if isinstance(parts, list) else [])
                if isinstance(p, dict) and _get(p, "functionCall") is not None
            ),
            None,
        )
        if first is None:
            continue
        part_index, part = first
        signature = _get(part, "thoughtSignature")
        if isinstance(signature, str) and signature:
            continue
        message = (
            f"{location}[{index}] replays a function call of the current turn without its thoughtSignature; "
            "Gemini 3 rejects it. Send the part back exactly as Gemini returned it (thoughtSignature beside "
            "functionCall)."
        )
        if judged is not None:
            message += " (Gemini's validator is assumed behind this host: the path names a Gemini 3 model.)"
        # One declaration for the Gemini 3 signature rule, whatever the API (rules may not import each
        # other's modules: tests/test_architecture.py).
        yield from RULES[THOUGHT_SIGNATURE].report(
            view, f"{location}[{index}].parts[{part_index}]", message, judged_as=judged
        )


def _generation(view: RequestView, body: Mapping[str, Any], prefix: str, vertex: bool) -> Iterator[Finding]:
    config = _get(body, "generationConfig")
    if not isinstance(config, dict):
        return
    location = f"{prefix}{_key(body, 'generationConfig')}"
    yield from _unknown(view, config, "generationConfig", location)
    thinking = _get(config, "thinkingConfig")
    if isinstance(thinking, dict):
        where = f"{location}.{_key(config, 'thinkingConfig')}"
        yield from _unknown(view, thinking, "thinkingConfig", where)
        budget = _get(thinking, "thinkingBudget")
        if budget == 0 and not isinstance(budget, bool) and THINKING_ONLY.search((view.model or "").lower()):
            yield from THINKING_ALWAYS_ON.report(
                view,
                f"{where}.{_key(thinking, 'thinkingBudget')}",
                f"thinkingBudget is 0 (thinking off), and {view.model} always thinks. Send thinkingLevel "
                '"low" (Gemini 3) or the smallest budget (128 on 2.5 Pro), or omit thinkingConfig.',
            )
    schema = _get(config, "responseSchema")
    if isinstance(schema, dict):
        yield from _schema(view, schema, f"{location}.{_key(config, 'responseSchema')}", vertex)
    limit = _output_limit(view)
    tokens = _get(config, "maxOutputTokens")
    if limit is not None and is_number(tokens) and not isinstance(tokens, bool) and tokens > limit[0]:
        yield from MAX_OUTPUT.report(
            view,
            f"{location}.{_key(config, 'maxOutputTokens')}",
            f"maxOutputTokens is {tokens}; {view.model} writes at most {limit[0]} tokens (model catalog), and "
            f"Gemini refuses a value outside 1..{limit[0]}. Send at most {limit[0]} or omit it.",
            uncertain=limit[1],
        )
    model = (view.model or "").lower()
    top_k = _get(config, "topK")
    if TOP_K_40.search(model) and is_number(top_k) and not isinstance(top_k, bool) and top_k > TOP_K_MAX:
        yield from TOP_K.report(
            view,
            f"{location}.{_key(config, 'topK')}",
            f"topK is {top_k}; {view.model} takes 1 to {TOP_K_MAX}. Send at most {TOP_K_MAX}, or omit it.",
        )
    count = _get(config, "candidateCount")
    if GEMINI_3.search(model) and is_number(count) and not isinstance(count, bool) and count > 1:
        yield from CANDIDATES.report(
            view,
            f"{location}.{_key(config, 'candidateCount')}",
            f"candidateCount is {count}; {view.model} answers one candidate on the Gemini API. Send one request "
            "per candidate, or omit candidateCount.",
        )
    mime = _get(config, "responseMimeType")
    if (
        mime == "application/json"
        and _declares_functions(body)
        and not GEMINI_3.search((view.model or "").lower())
    ):
        yield from JSON_WITH_TOOLS.report(
            view,
            f"{location}.{_key(config, 'responseMimeType')}",
            f"{view.model} does not combine function calling with responseMimeType application/json; send the "
            "JSON-mode request without tools, or the tool request without the JSON mime type.",
        )


def _output_limit(view: RequestView) -> tuple[int, str | None] | None:
    info = view.model_info
    if info is None or info.max_output_tokens is None:
        return None
    lossy = info.lossy
    return info.max_output_tokens, (
        f"the catalog matched {view.model} as {info.name} ({lossy})" if lossy else None
    )


def _declares_functions(body: Mapping[str, Any]) -> bool:
    tools = _get(body, "tools")
    return isinstance(tools, list) and any(
        isinstance(tool, dict)
        and isinstance(_get(tool, "functionDeclarations"), list)
        and _get(tool, "functionDeclarations")
        for tool in tools
    )


def _tools(view: RequestView, body: Mapping[str, Any], prefix: str, vertex: bool) -> Iterator[Finding]:
    tools = _many(_get(body, "tools"))
    if not isinstance(tools, list):
        return
    tools_key = f"{prefix}{_key(body, 'tools')}"
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict):
            continue
        where = f"{tools_key}[{index}]"
        yield from _unknown(view, tool, "tool", where)
        declarations = _get(tool, "functionDeclarations")
        if not isinstance(declarations, list):
            continue
        declarations_key = f"{where}.{_key(tool, 'functionDeclarations')}"
        for d_index, declaration in enumerate(declarations):
            if not isinstance(declaration, dict):
                continue
            d_where = f"{declarations_key}[{d_index}]"
            yield from _unknown(view, declaration, "functionDeclaration", d_where)
            yield from _name(view, declaration.get("name"), f"{d_where}.name")
            for name in ("parameters", "response"):
                schema = _get(declaration, name)
                if isinstance(schema, dict):
                    yield from _schema(view, schema, f"{d_where}.{_key(declaration, name)}", vertex)


def _name(view: RequestView, name: Any, where: str) -> Iterator[Finding]:
    if not isinstance(name, str):
        return
    if not GEMINI_NAME.fullmatch(name):
        yield from RULES[INVALID_NAME].report(
            view,
            where,
            f"Function name {name!r} is not one Gemini takes: it must start with a letter or `_` and hold "
            "only letters, digits, `_`, `.` and `-`. Rename the function (and its calls).",
        )
    elif len(name) > MAX_NAME_LENGTH:
        yield from RULES[NAME_TOO_LONG].report(
            view,
            where,
            f"Function name {name!r} has {len(name)} characters; Gemini takes at most {MAX_NAME_LENGTH}.",
        )


#: A Schema node that may go without `type`: a combinator (Gemini: "when not using one_of, any_of or all_of"),
#: or a reference the keyword rule already reports.
_UNTYPED_OK = ("anyOf", "any_of", "oneOf", "one_of", "allOf", "all_of", "$ref", "ref")


def _schema(view: RequestView, root: Mapping[str, Any], location: str, vertex: bool) -> Iterator[Finding]:
    """Walk a ``Schema`` (breadth-first, bounded): keys it does not have, ARRAY nodes without items."""
    accepted = _VERTEX_SCHEMA if vertex else _ACCEPTED["schema"]
    queue: deque[tuple[Mapping[str, Any], str, int]] = deque([(root, location, 0)])
    seen = 0
    while queue and seen < MAX_SCHEMA_NODES:
        node, where, depth = queue.popleft()
        seen += 1
        for key in node:
            if key not in accepted:
                yield from SCHEMA_KEYWORD.report(
                    view,
                    f"{where}.{key}",
                    f'"{key}" is not a keyword of Gemini\'s Schema (Gemini answers: Unknown name "{key}"). Remove '
                    "it, or send the whole JSON Schema as `parametersJsonSchema` (tools) / `responseJsonSchema` "
                    "(structured output), which take full JSON Schema.",
                )
        kind = node.get("type")
        if kind is None and depth > 0 and not any(key in node for key in _UNTYPED_OK):
            yield from TYPE_MISSING.report(
                view,
                f"{where}.type",
                f"{where} has no `type`; Gemini's Schema requires one there (\"type: must be specified when not "
                'using one_of, any_of or all_of fields"). Add the type (`"type": "string"`, ...), or send the JSON '
                "Schema as `parametersJsonSchema`.",
            )
        if isinstance(kind, str) and kind.lower() == ARRAY and node.get("items") is None:
            yield from ARRAY_ITEMS.report(
                view,
                f"{where}.items",
                f"{where} is an ARRAY schema without items; Gemini requires items (missing field). Add "
                '`"items": {"type": "string"}` (or the element schema).',
            )
        if depth >= MAX_SCHEMA_DEPTH:
            continue
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, child in properties.items():
                if isinstance(child, dict):
                    queue.append((child, f"{where}.properties.{name}", depth + 1))
        items = node.get("items")
        if isinstance(items, dict):
            queue.append((items, f"{where}.items", depth + 1))
        any_of = _get(node, "anyOf")
        if isinstance(any_of, list):
            key = _key(node, "anyOf")
            for index, child in enumerate(any_of):
                if isinstance(child, dict):
                    queue.append((child, f"{where}.{key}[{index}]", depth + 1))


# --- the same turn order on the Gemini models' OpenAI-compatible chat (issue 9 round 8) -------------
#
# Gemini's OpenAI compatibility layer moves system messages into systemInstruction and sends the rest as
# contents, so a conversation whose first message after the system prompt is an assistant tool call
# becomes a contents list that starts with a functionCall turn, which Gemini refuses ("Please ensure that
# function call turn comes immediately after a user turn or after a function response turn.": an
# OpenAI-to-Gemini mapper met it with agents that open with a tool call, lbjlaq/Antigravity-Manager#3396).
# Only that first-turn case is judged: whether the layer merges two adjacent assistant messages is not known.
_SYSTEM_ROLES: Final = frozenset({"system", "developer"})


@check(endpoints=(CHAT,))
def check_chat_function_call_first(view: RequestView) -> Iterator[Finding]:
    """A Gemini chat request whose first non-system message is an assistant tool call."""
    pid = provider_id(view)
    model = view.body.get("model")
    # The Gemini API serves only Google's models; Vertex AI's OpenAI endpoint serves partners' too.
    if pid != "gemini" and not (pid == "vertex" and isinstance(model, str) and "gemini" in model.lower()):
        return
    messages = view.body.get("messages")
    if not isinstance(messages, list):
        return
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if not isinstance(role, str) or role in _SYSTEM_ROLES:
            continue  # a type-confused role is another rule's to report
        if role == "assistant" and message.get("tool_calls"):
            yield from CALL_ORDER.report(
                view,
                f"messages[{index}]",
                f"messages[{index}] is an assistant tool call with no user message before it; Gemini sends the "
                "system prompt apart, so the conversation starts with a function call turn, which it refuses. "
                "Put the user's request (or a short user message) before the first tool call.",
            )
        return
