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


def strict_schema_problems(schema: Any) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """Violations of OpenAI's strict-mode subset: ``(kind, path, detail)`` with kind
    ``additional-properties`` or ``required``."""
    for path, node in iter_schemas(schema):
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
