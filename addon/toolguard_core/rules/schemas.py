"""JSON Schema helpers shared by the rule modules (tools.*, response_format.*): the walk over
sub-schemas and OpenAI's strict-mode subset. Not a rule module: it defines no rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MAX_SCHEMA_DEPTH = 64  # deeper schemas are not walked (no recursion blow-up on hostile input)


def is_object_schema(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in schema


def is_array_schema(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


#: The keywords whose values :func:`iter_schemas` walks into.
_CHILD_KEYWORDS = frozenset(
    {
        "properties",
        "$defs",
        "definitions",
        "patternProperties",
        "items",
        "additionalProperties",
        "not",
        "contains",
        "anyOf",
        "oneOf",
        "allOf",
        "prefixItems",
    }
)


def iter_schemas(
    schema: Any, context: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every sub-schema with its context path, as OpenAI reports it (``('properties', 'city')``)."""
    stack: list[tuple[tuple[str, ...], Any]] = [(context, schema)]
    while stack:
        path, node = stack.pop()
        if not isinstance(node, dict) or len(path) > MAX_SCHEMA_DEPTH:
            continue
        yield path, node
        if _CHILD_KEYWORDS.isdisjoint(node):
            # A leaf ({"type": "string"}): most nodes of a tool's parameters. One set test instead
            # of the twelve lookups below (a tenth of the tools checks' time, issue #12).
            continue
        for keyword in ("properties", "$defs", "definitions", "patternProperties"):
            children = node.get(keyword)
            if isinstance(children, dict):
                for key, child in reversed(children.items()):
                    stack.append(((*path, keyword, str(key)), child))
        for keyword in ("items", "additionalProperties", "not", "contains"):
            child = node.get(keyword)
            if isinstance(child, dict):
                stack.append(((*path, keyword), child))
        for keyword in ("anyOf", "oneOf", "allOf", "prefixItems"):
            children = node.get(keyword)
            if isinstance(children, list):
                for index in range(len(children) - 1, -1, -1):
                    stack.append(((*path, keyword, str(index)), children[index]))


def context_text(path: tuple[str, ...]) -> str:
    """OpenAI's own rendering of a schema context: ``context=('properties', 'city')``."""
    return "context=(" + ", ".join(repr(p) for p in path) + ("," if len(path) == 1 else "") + ")"


def dotted(base: str, path: tuple[str, ...]) -> str:
    return ".".join((base, *path)) if path else base


#: The string formats OpenAI's strict mode takes (Structured Outputs guide, "Supported properties":
#: date-time, time, date, duration, email, hostname, ipv4, ipv6, uuid). Any other value is refused with
#: "In context=('properties', 'url'), 'uri' is not a valid format." (cyanheads/git-mcp-server#47,
#: RooCodeInc/Roo-Code#10198, 1jehuang/jcode#543); without `strict` OpenAI takes it as is
#: (posit-dev/chatlas#255).
STRICT_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
)


#: What gives a strict-mode sub-schema its type: its own ``type``, a combinator or a reference. OpenAI
#: refuses any other node: "Invalid schema for function '...': In context=('properties',
#: 'slide_instructions', 'items'), schema must have a 'type' key." (can1357/oh-my-pi#211, an empty
#: ``items`` schema). ``enum``/``const`` alone are not flagged (no thread shows their answer).
STRICT_TYPE_GIVING = frozenset({"type", "anyOf", "oneOf", "allOf", "$ref", "not", "enum", "const"})


def strict_schema_problems(schema: Any) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """Violations of OpenAI's strict-mode subset: ``(kind, path, detail)`` with kind
    ``additional-properties``, ``required``, ``format`` or ``type`` (a sub-schema with no type)."""
    for path, node in iter_schemas(schema):
        if path and STRICT_TYPE_GIVING.isdisjoint(node):
            yield ("type", path, "schema must have a 'type' key")
            continue
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt not in STRICT_FORMATS:
            yield ("format", path, f"{fmt!r} is not a valid format")
        if not is_object_schema(node):
            continue
        if node.get("additionalProperties") is not False:
            yield (
                "additional-properties",
                path,
                "'additionalProperties' is required to be supplied and to be false",
            )
        properties = node.get("properties")
        if isinstance(properties, dict) and properties:
            required = node.get("required")
            listed = {r for r in required if isinstance(r, str)} if isinstance(required, list) else set()
            missing = [key for key in properties if key not in listed]
            if missing:
                yield (
                    "required",
                    path,
                    "'required' is required to be supplied and to be an array including every key in "
                    f"properties. Missing {', '.join(repr(m) for m in missing)}",
                )


# ----------------------------------------------------------------------------- JSON Schema's own metaschema
#
# OpenAI validates a function's `parameters` as a JSON Schema document (python-jsonschema's wording, with
# its format checker): "Invalid schema for function 'CalculatorTool_calculate': 'Parameters Schema' is not
# a 'uri-reference'." for a `$id` with a space (griptape-ai/griptape#2150). What the metaschema of JSON
# Schema (json-schema.org, draft 2020-12 core and validation vocabularies) requires of each keyword's
# value, for the keywords whose misuse is common: a schema where a schema belongs, a type name where a
# type belongs, an array of strings for `required`.

#: JSON Schema's `simpleTypes`.
SIMPLE_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
#: Keywords whose value is one schema (an object or a boolean); `items` may also be a list (draft 7's
#: tuple form, which an older validator takes).
_ONE_SCHEMA = frozenset(
    {
        "additionalProperties",
        "not",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
        "unevaluatedProperties",
    }
)
_SCHEMA_OR_LIST = frozenset({"items", "additionalItems", "unevaluatedItems"})
#: Keywords whose value maps names to schemas.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
#: Keywords whose value is a non-empty array of schemas.
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_STRINGS = frozenset({"description", "title", "pattern", "$ref", "$schema", "format", "$comment", "$anchor"})
_COUNTS = frozenset({"maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties"})
#: Characters a URI reference never holds unescaped (RFC 3986): whitespace and these.
_NOT_IN_URI = frozenset(' \t\n\r"<>\\^`{|}')
_ALL_KEYWORDS = _ONE_SCHEMA | _SCHEMA_OR_LIST | _SCHEMA_MAPS | _SCHEMA_LISTS | _STRINGS | _COUNTS | {
    "type", "required", "enum", "$id", "uniqueItems", "multipleOf",
}  # fmt: skip


def _is_schema(value: Any) -> bool:
    return isinstance(value, dict | bool)


def keyword_problems(node: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(keyword, detail)`` for each keyword of one schema node whose value JSON Schema's metaschema
    refuses; the detail is python-jsonschema's sentence, as OpenAI quotes it."""
    if _ALL_KEYWORDS.isdisjoint(node):
        return
    for key, value in node.items():
        if key == "type":
            names = value if isinstance(value, list) else [value]
            if (
                not names
                or any(not isinstance(n, str) or n not in SIMPLE_TYPES for n in names)
                or len(set(names)) != len(names)
            ):
                yield key, f"{value!r} is not valid under any of the given schemas"
        elif key == "required":
            if not isinstance(value, list):
                yield key, f"{value!r} is not of type 'array'"
            elif any(not isinstance(r, str) for r in value):
                yield key, f"{next(r for r in value if not isinstance(r, str))!r} is not of type 'string'"
        elif key in _ONE_SCHEMA:
            if not _is_schema(value):
                yield key, f"{value!r} is not of type 'object', 'boolean'"
        elif key in _SCHEMA_OR_LIST:
            if not (_is_schema(value) or isinstance(value, list)):
                yield key, f"{value!r} is not of type 'object', 'boolean'"
        elif key in _SCHEMA_MAPS:
            if not isinstance(value, dict):
                yield key, f"{value!r} is not of type 'object'"
            else:
                for name, child in value.items():
                    if not _is_schema(child):
                        yield f"{key}.{name}", f"{child!r} is not of type 'object', 'boolean'"
        elif key in _SCHEMA_LISTS:
            if not isinstance(value, list):
                yield key, f"{value!r} is not of type 'array'"
            elif not value:
                yield key, "[] should be non-empty"
            else:
                for child in value:
                    if not _is_schema(child):
                        yield key, f"{child!r} is not of type 'object', 'boolean'"
                        break
        elif key == "enum":
            if not isinstance(value, list):
                yield key, f"{value!r} is not of type 'array'"
        elif key in _STRINGS:
            if not isinstance(value, str):
                yield key, f"{value!r} is not of type 'string'"
        elif key in _COUNTS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                yield key, f"{value!r} is not a non-negative integer"
        elif key == "$id":
            if not isinstance(value, str):
                yield key, f"{value!r} is not of type 'string'"
            elif not _NOT_IN_URI.isdisjoint(value):
                yield key, f"{value!r} is not a 'uri-reference'"
        elif key == "uniqueItems":
            if not isinstance(value, bool):
                yield key, f"{value!r} is not of type 'boolean'"
        elif key == "multipleOf" and (
            isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
        ):
            yield key, f"{value!r} is not a number greater than 0"


#: Keywords every schema uses: a refusal that quotes one (``'type' must be ...``) is about its value or
#: place, never about the keyword itself, so a learned schema keyword is never one of these.
COMMON_KEYWORDS = frozenset({"type", "properties", "items", "description", "required"})


def schema_roots(body: Any) -> Iterator[tuple[str, str, Any]]:
    """Each JSON Schema a request body carries: (container, location, schema). The container is
    ``tools`` (a chat tool's ``function.parameters``, a Responses tool's ``parameters``, a Messages
    tool's ``input_schema``, a Gemini ``functionDeclarations[].parameters``) or ``response_format``
    (``response_format.json_schema.schema``, Responses ``text.format.schema``, Gemini's
    ``generationConfig.responseSchema``). Never raises on a JSON value."""
    if not isinstance(body, dict):
        return
    tools = body.get("tools")
    for index, tool in enumerate(tools if isinstance(tools, list) else ()):
        if not isinstance(tool, dict):
            continue
        function = tool.get("function")
        if isinstance(function, dict) and "parameters" in function:
            yield "tools", f"tools[{index}].function.parameters", function["parameters"]
        for key in ("parameters", "input_schema"):
            if key in tool:
                yield "tools", f"tools[{index}].{key}", tool[key]
        for group in ("functionDeclarations", "function_declarations"):
            declarations = tool.get(group)
            for d_index, declaration in enumerate(declarations if isinstance(declarations, list) else ()):
                for key in ("parameters", "parametersJsonSchema", "parameters_json_schema"):
                    if isinstance(declaration, dict) and key in declaration:
                        yield "tools", f"tools[{index}].{group}[{d_index}].{key}", declaration[key]
    response_format = body.get("response_format")
    json_schema = response_format.get("json_schema") if isinstance(response_format, dict) else None
    if isinstance(json_schema, dict) and "schema" in json_schema:
        yield "response_format", "response_format.json_schema.schema", json_schema["schema"]
    text = body.get("text")
    text_format = text.get("format") if isinstance(text, dict) else None
    if isinstance(text_format, dict) and "schema" in text_format:
        yield "response_format", "text.format.schema", text_format["schema"]
    config = body.get("generationConfig") or body.get("generation_config")
    for key in ("responseSchema", "responseJsonSchema", "response_schema", "response_json_schema"):
        if isinstance(config, dict) and key in config:
            prefix = "generationConfig" if "generationConfig" in body else "generation_config"
            yield "response_format", f"{prefix}.{key}", config[key]


def schema_keywords(body: Any) -> Iterator[tuple[str, str, str]]:
    """Every keyword used at any depth of the body's schemas (:func:`schema_roots`): (container,
    keyword, location). Property names (the keys of ``properties``, ``$defs`` ...) are not keywords."""
    for container, location, schema in schema_roots(body):
        for path, node in iter_schemas(schema):
            for keyword in node:
                if isinstance(keyword, str):
                    yield container, keyword, dotted(location, (*path, keyword))
