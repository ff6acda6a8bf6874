"""``response_format`` rules: JSON mode and structured outputs (providers.md §8).

OpenAI's types are ``text``, ``json_object`` and ``json_schema`` (doc [OAS]); vLLM adds
``structural_tag``; llama.cpp rejects anything but ``text``/``json_object``/``json_schema``;
Ollama ignores other types. Strict schemas follow the same subset as strict tools, so the schema
walk comes from :mod:`.tools`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RESPONSES, RequestView
from toolguard_core.rules.inferred import report_judged
from toolguard_core.rules.policy import provider_id
from toolguard_core.rules.registry import PredictedError, check, define, policy
from toolguard_core.rules.schemas import context_text, dotted, strict_schema_problems

OPENAI_TYPES = frozenset({"text", "json_object", "json_schema"})
# Extra types per provider (providers.md §8): vLLM/SGLang structured outputs.
EXTRA_TYPES = {"vllm": frozenset({"structural_tag"}), "sglang": frozenset({"structural_tag"})}
#: Servers that take fewer types than OpenAI: LM Studio has no JSON mode ("'response_format.type' must
#: be 'json_schema' or 'text'", https://github.com/LoadShine/tada/issues/16).
TYPES_BY_PROVIDER = {"lmstudio": frozenset({"text", "json_schema"})}
# doc [OAS] ResponseFormatJsonSchema.json_schema.name: a-z, A-Z, 0-9, '_' and '-', at most 64.
SCHEMA_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_JSON_WORD = re.compile("json", re.IGNORECASE)

_USER = {"role": "user", "content": "List three primary colours."}
_COLOURS = {
    "type": "object",
    "properties": {"colours": {"type": "array", "items": {"type": "string"}}},
    "required": ["colours"],
    "additionalProperties": False,
}

NOT_AN_OBJECT = define(
    "response_format.not-an-object",
    Severity.ERROR,
    '`response_format` is not an object (e.g. the string `"json_object"`).',
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="openai",
            text="'json_object' is not of type 'object' - 'response_format'",
            source="https://github.com/openai-php/client/issues/265",
        ),
        PredictedError(
            provider="moonshot",
            text=(
                "Invalid request: the `response_format` field in the request (expected type object) is illegal, "
                "and string is not acceptable"
            ),
            source="https://github.com/langgenius/dify/issues/9785",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "response_format": "json_object"},
    fixed={"model": "gpt-4o", "messages": [_USER], "response_format": {"type": "text"}},
)
UNKNOWN_TYPE = define(
    "response_format.unknown-type",
    Severity.ERROR,
    "`response_format.type` is missing or not one of `text`, `json_object`, `json_schema`.",
    policy=policy(
        error=("openai-family", "vllm", "sglang", "llama.cpp", "lmstudio"),
        silent=("ollama",),
        otherwise=Severity.WARNING,
    ),
    predicts=(
        PredictedError(
            provider="lmstudio",
            text="'response_format.type' must be 'json_schema' or 'text'",
            source="https://github.com/LoadShine/tada/issues/16",
        ),
        PredictedError(
            provider="llama.cpp",
            text='response_format type must be one of "text" or "json_object", but got: json',
            source="code [LCPP] tools/server/server-common.cpp",
            status=500,
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "response_format": {"type": "json"}},
    fixed={"model": "gpt-4o", "messages": [_USER], "response_format": {"type": "text"}},
    notes="vLLM and SGLang also accept `structural_tag`; LM Studio takes only `text` and `json_schema` "
    "(no JSON mode: send a json_schema); Ollama ignores unknown types (silent there).",
)
JSON_WITHOUT_WORD = define(
    "response_format.json-without-json-word",
    Severity.ERROR,
    '`response_format: json_object` but no message mentions the word "json".',
    policy=policy(error=("openai-family",), silent=("self-hosted",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
            source="https://github.com/ultimatejimmy/xray.koplugin/issues/33",
            param="messages",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "response_format": {"type": "json_object"}},
    fixed={
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "List three colours as JSON."}],
        "response_format": {"type": "json_object"},
    },
    notes=(
        "Also returned through OpenRouter for OpenAI models (https://github.com/reVrost/go-openrouter/pull/21). "
        "Elsewhere a warning: the model is not told to answer in JSON (doc [OAS])."
    ),
)
JSON_SCHEMA_MISSING = define(
    "response_format.json-schema-missing",
    Severity.ERROR,
    "`response_format.type` is `json_schema` but there is no `json_schema` object.",
    policy=policy(error=("openai-family",), silent=("self-hosted",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="Missing required parameter: 'response_format.json_schema'.",
            source="https://github.com/sherifkozman/the-llm-council/issues/8",
            param="response_format.json_schema",
            code="missing_required_parameter",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [_USER],
        # The Responses API's flat text.format shape, sent to Chat Completions.
        "response_format": {"type": "json_schema", "name": "colours", "schema": _COLOURS},
    },
    fixed={
        "model": "gpt-4o",
        "messages": [_USER],
        "response_format": {"type": "json_schema", "json_schema": {"name": "colours", "schema": _COLOURS}},
    },
    notes="The flat `{type, name, schema}` shape belongs to the Responses API's `text.format`.",
)
JSON_SCHEMA_NAME = define(
    "response_format.json-schema-invalid-name",
    Severity.ERROR,
    "`response_format.json_schema.name` is missing, or not 1-64 characters of `[a-zA-Z0-9_-]`.",
    policy=policy(
        error=("openai-family", "vllm", "sglang", "cerebras"),
        silent=("llama.cpp", "ollama"),
        otherwise=Severity.WARNING,
        # Cerebras' answer is quoted for a missing name only; a present name of another form is a warning.
        conditions={"cerebras": "a missing name"},
    ),
    predicts=(
        PredictedError(
            provider="azure",
            text="Missing required parameter: 'response_format.json_schema.name'.",
            source="https://github.com/edubruell/tidyllm/issues/40",
            param="response_format.json_schema.name",
            code="missing_required_parameter",
        ),
        PredictedError(
            # Cerebras' pydantic model tries each response_format variant; without `name` the json_schema
            # one fails and the error names the last variant's `type` (the maintainer: name is required).
            provider="cerebras",
            text="type: Input should be 'text'",
            source="https://github.com/Cerebras/cerebras-cloud-sdk-python/issues/4",
            param="validation_error",
            code="wrong_api_format",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [_USER],
        "response_format": {"type": "json_schema", "json_schema": {"schema": _COLOURS, "strict": True}},
    },
    fixed={
        "model": "gpt-4o",
        "messages": [_USER],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "colours", "schema": _COLOURS, "strict": True},
        },
    },
    notes="Pattern and length from doc [OAS] (ResponseFormatJsonSchema); vLLM's model requires `name` too.",
)
JSON_SCHEMA_NO_SCHEMA = define(
    "response_format.json-schema-without-schema",
    Severity.WARNING,
    "`response_format.json_schema` has no `schema`, so the output is not constrained.",
    policy=policy(otherwise=Severity.WARNING),
    example={
        "model": "gpt-4o",
        "messages": [_USER],
        "response_format": {"type": "json_schema", "json_schema": {"name": "colours"}},
    },
    fixed={
        "model": "gpt-4o",
        "messages": [_USER],
        "response_format": {"type": "json_schema", "json_schema": {"name": "colours", "schema": _COLOURS}},
    },
    notes="`schema` is optional in doc [OAS]; llama.cpp and Ollama read only `json_schema.schema`.",
)
STRICT_SCHEMA = define(
    "response_format.strict-schema",
    Severity.ERROR,
    "A `strict: true` response schema has an object without `additionalProperties: false`, properties "
    "missing from `required`, or a string `format` strict mode does not take (see "
    "tools.strict-unsupported-format).",
    # Groq's and Cerebras' strict modes hold a schema to the same two rules (their Structured Outputs pages,
    # STRICT_DOCS); the string formats are OpenAI's list, which neither documents: a warning there.
    policy=policy(
        error=("openai-family", "groq", "cerebras"),
        silent=("self-hosted",),
        otherwise=Severity.WARNING,
        conditions={
            "groq": "`additionalProperties: false` and every property in `required`; a string `format` is a warning",
            "cerebras": "`additionalProperties: false` on an object with a `required` list, and every property in "
            "`required`; other objects and a string `format` are warnings",
        },
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid schema for response_format 'default': In context=(), 'additionalProperties' is "
                "required to be supplied and to be false."
            ),
            source="https://github.com/dottxt-ai/outlines/issues/844",
            param="response_format",
        ),
        PredictedError(
            provider="groq",
            text=(
                "invalid JSON schema for response_format: 'answer': additionalProperties:false must be set on "
                "every object"
            ),
            source="https://github.com/Meridiona/meridian/pull/811",
        ),
        PredictedError(
            provider="cerebras",
            text="'additionalProperties' is required to be supplied and set to false.",
            source="https://github.com/agno-agi/agno/pull/6014",
            status=422,
            param="response_format",
            code="wrong_api_format",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [_USER],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "default",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {"colours": {"type": "string"}},
                    "required": ["colours"],
                },
            },
        },
    },
    fixed={
        "model": "gpt-4o",
        "messages": [_USER],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "default",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {"colours": {"type": "string"}},
                    "required": ["colours"],
                    "additionalProperties": False,
                },
            },
        },
    },
    notes=(
        "Same subset as strict tools (`tools.strict-*`). vLLM ignores `strict`; other providers: warning. Groq's "
        "strict mode: 'All fields must be required and objects must set additionalProperties: false' "
        "(console.groq.com/docs/structured-outputs), refused with the 400 above, 'the single most common "
        "Groq-path failure' in Meridiona/meridian#811. Cerebras: 'For every required array you define in your "
        "schema, you must set additionalProperties to false' and 'properties must also appear in the required "
        "array' (inference-docs.cerebras.ai/capabilities/structured-outputs), refused with the 422 above "
        "(agno-agi/agno#6013, zai-glm-4.7); the same page says one case of a missing `additionalProperties` is "
        "handled quietly, so an object without `required` is a warning there."
    ),
)

#: Where Groq's and Cerebras' strict modes are documented (response_format.strict-schema's notes).
STRICT_DOCS: Final = {
    "groq": "https://console.groq.com/docs/structured-outputs",
    "cerebras": "https://inference-docs.cerebras.ai/capabilities/structured-outputs",
}


JSON_MODE_WITH_TOOLS = define(
    "response_format.json-mode-with-tools",
    Severity.ERROR,
    "JSON mode (`response_format: json_object`) together with tools, which Groq does not combine.",
    policy=policy(error=("groq",)),
    predicts=(
        PredictedError(
            provider="groq",
            text="'response_format' json_object cannot be combined with tool/function calling",
            source="https://github.com/agno-agi/agno/issues/1065",
        ),
        PredictedError(
            provider="groq",
            text="json mode cannot be combined with tool/function calling",
            source="https://github.com/vercel/ai/pull/16540",
        ),
    ),
    example={
        "model": "llama-3.3-70b-versatile",
        "messages": [{"role": "user", "content": "Answer in JSON: the weather in Paris?"}],
        "response_format": {"type": "json_object"},
        "tools": [
            {
                "type": "function",
                "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
            }
        ],
    },
    example_url="https://api.groq.com/openai/v1/chat/completions",
    fixed={
        "model": "llama-3.3-70b-versatile",
        "messages": [{"role": "user", "content": "Answer in JSON: the weather in Paris?"}],
        "response_format": {"type": "json_object"},
    },
    notes="Send either the tools or JSON mode: call the tools first, then ask for the JSON answer in a "
    "request without tools.",
)


def _mentions_json(messages: list[Any]) -> bool:
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            if _JSON_WORD.search(content):
                return True
        elif isinstance(content, list):
            for part in content:
                text = part.get("text") if isinstance(part, dict) else None
                if isinstance(text, str) and _JSON_WORD.search(text):
                    return True
    return False


@check
def check_response_format(view: RequestView) -> Iterator[Finding]:
    body = view.body
    if "response_format" not in body or body["response_format"] is None:
        return
    response_format = body["response_format"]
    if not isinstance(response_format, dict):
        yield from NOT_AN_OBJECT.report(
            view,
            "response_format",
            f"response_format is a {type(response_format).__name__} ({response_format!r:.40}); send an object "
            "such as {'type': 'json_object'}.",
        )
        return
    pid = provider_id(view)
    kind = response_format.get("type")
    allowed = TYPES_BY_PROVIDER.get(pid, OPENAI_TYPES | EXTRA_TYPES.get(pid, frozenset()))
    # A type of the provider's own that its profile declares (Perplexity's `regex`) is valid there.
    declared = view.provider.response_format_types
    if declared is not None and view.provider.id == pid:
        allowed = allowed | (declared - OPENAI_TYPES)
    if not isinstance(kind, str) or kind not in allowed:
        yield from report_judged(
            UNKNOWN_TYPE,
            view,
            "response_format.type",
            f"response_format.type is {kind!r}; use one of {', '.join(sorted(allowed))}.",
        )
        return
    if kind == "json_object":
        tools = body.get("tools")
        if pid == "groq" and isinstance(tools, list) and tools:
            yield from JSON_MODE_WITH_TOOLS.report(
                view,
                "response_format",
                "response_format is json_object and the request declares tools; Groq does not combine JSON "
                "mode with tool calling. Drop one of them for this request.",
            )
        if not _mentions_json(view.messages):
            yield from report_judged(
                JSON_WITHOUT_WORD,
                view,
                "messages",
                "response_format is json_object but no message contains the word 'json'; say in the system "
                "or user message that the answer must be JSON.",
            )
        return
    if kind != "json_schema":
        return
    json_schema = response_format.get("json_schema")
    if not isinstance(json_schema, dict):
        flat = "schema" in response_format or "name" in response_format
        yield from report_judged(
            JSON_SCHEMA_MISSING,
            view,
            "response_format.json_schema",
            "response_format is json_schema but has no json_schema object"
            + (
                "; nest name/schema/strict under 'json_schema' (the flat shape is the Responses API's)."
                if flat
                else "."
            ),
        )
        return
    name = json_schema.get("name")
    if not isinstance(name, str) or not SCHEMA_NAME.fullmatch(name):
        problem = (
            "is missing" if name is None else f"is {name!r}, which is not 1-64 characters of [a-zA-Z0-9_-]"
        )
        yield from report_judged(
            JSON_SCHEMA_NAME,
            view,
            "response_format.json_schema.name",
            f"response_format.json_schema.name {problem}; name the schema, e.g. 'answer'.",
            uncertain=(
                "Cerebras' rejection is confirmed for a missing name, not for this one"
                if name is not None and view.provider.id == "cerebras"
                else None
            ),
        )
    schema = json_schema.get("schema")
    if schema is None:
        yield from JSON_SCHEMA_NO_SCHEMA.report(
            view,
            "response_format.json_schema.schema",
            "response_format.json_schema has no schema; without one the output is not constrained.",
        )
        return
    if json_schema.get("strict") is True:
        yield from _strict_findings(view, "response_format.json_schema.schema", name, schema)


def _strict_findings(view: RequestView, location: str, name: Any, schema: Any) -> Iterator[Finding]:
    """response_format.strict-schema for each strict-mode problem of ``schema`` (at ``location``)."""
    for kind, path, detail in strict_schema_problems(schema):
        yield from report_judged(
            STRICT_SCHEMA,
            view,
            dotted(location, path),
            f"Strict schema {name!r}: In {context_text(path)}, {detail}.",
            uncertain=_strict_doubt(view.provider.id, kind, _node_at(schema, path)),
        )


def _strict_doubt(provider: str, kind: str, node: Any) -> str | None:
    """Why a strict-mode problem may be accepted by Groq or Cerebras (their documented subsets differ from
    OpenAI's where noted in STRICT_SCHEMA's policy); None where the provider's page states the rule."""
    if provider not in STRICT_DOCS:
        return None
    if kind == "format":
        return f"the string formats are OpenAI's list; {STRICT_DOCS[provider]} does not state its own"
    if kind == "type":
        return f"a typeless sub-schema is refused by OpenAI; {STRICT_DOCS[provider]} does not say"
    if provider == "cerebras" and kind == "additional-properties":
        required = node.get("required") if isinstance(node, dict) else None
        if not (isinstance(required, list) and required):
            return "Cerebras documents the rule for objects with a required list and handles one other case quietly"
    return None


def _node_at(schema: Any, path: tuple[str, ...]) -> Any:
    """The sub-schema at a context path of :func:`strict_schema_problems` (keys, and list indices as text)."""
    node = schema
    for key in path:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


@check(endpoints=(RESPONSES,))
def check_text_format_schema(view: RequestView) -> Iterator[Finding]:
    """The Responses API's structured outputs live in ``text.format`` (``{"type": "json_schema", "name",
    "schema", "strict"}``, flat); with ``strict: true`` its schema is held to the same subset as Chat
    Completions' ``response_format.json_schema`` (one validator: OpenAI's Structured Outputs guide
    documents one set of supported schemas for both APIs)."""
    text = view.body.get("text")
    text_format = text.get("format") if isinstance(text, dict) else None
    if not isinstance(text_format, dict) or text_format.get("type") != "json_schema":
        return
    schema = text_format.get("schema")
    if text_format.get("strict") is not True or not isinstance(schema, dict):
        return
    yield from _strict_findings(view, "text.format.schema", text_format.get("name"), schema)
