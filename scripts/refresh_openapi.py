#!/usr/bin/env python3
"""Regenerate toolguard's snapshot of OpenAI's request schemas from a spec file you downloaded (offline).

Source: OpenAI's published OpenAPI document, ``openapi.yaml`` of https://github.com/openai/openai-openapi
(MIT). The snapshot keeps only what a request validator reads, for the two request bodies toolguard
checks against it: ``CreateChatCompletionRequest`` (``POST /v1/chat/completions``) and ``CreateResponse``
(``POST /v1/responses``): JSON types (``nullable`` folded in), enums, numeric and array bounds, required
keys, closed objects (``additionalProperties: false``), a map's value schema (``additionalProperties``
given as a schema), string lengths and property counts, the bounds a schema states only in its
description (:data:`PROSE_BOUNDS`), and unions (``oneOf``/``anyOf``, flattened; the
validator picks a branch by JSON type, then by the property every object branch fixes to one value, such
as ``type`` or ``role``). ``allOf`` is merged. Descriptions, examples and defaults are dropped. Component
schemas are kept by name (``{"ref": name}``) so a schema used in many places is stored once.

Usage::

    python scripts/refresh_openapi.py path/to/openapi.yaml --ref "openai-openapi f85dbe2 (2026-08-21)" \\
        [--out addon/toolguard_core/data/openai_request_schema.json] [--date YYYY-MM-DD]

Nothing is downloaded. PyYAML (already a test dependency) parses the file; this is offline tooling, never
imported by the proxy, which reads only the JSON it writes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

OUT = (
    Path(__file__).resolve().parent.parent
    / "addon"
    / "toolguard_core"
    / "data"
    / "openai_request_schema.json"
)
SOURCE_URL = "https://github.com/openai/openai-openapi/blob/master/openapi.yaml"
#: The request bodies snapshotted: toolguard's endpoint kind → the spec's component schema.
ROOTS = {"chat": "CreateChatCompletionRequest", "responses": "CreateResponse"}
_REF = "#/components/schemas/"
#: Bounds the spec states only in a schema's description, declared here once with the words they come
#: from, and added to that schema's object branch. Metadata: "Set of 16 key-value pairs ... Keys are
#: strings with a maximum length of 64 characters. Values are strings with a maximum length of 512
#: characters." OpenAI enforces them: "Invalid 'metadata': too many properties. Expected an object with at
#: most 16 properties" (code object_above_max_properties), "Expected a string with maximum length 512, but
#: got a string with length 695 instead. (param: metadata.actual) (code: string_above_max_length)"
#: (spiceai/docs#928).
PROSE_BOUNDS: dict[str, dict[str, Any]] = {
    "Metadata": {"max_props": 16, "key_max_len": 64, "values": {"max_len": 512}},
}
_NUMERIC_KEYS = {
    "minimum": "min",
    "maximum": "max",
    "exclusiveMinimum": "xmin",
    "exclusiveMaximum": "xmax",
    "minItems": "min_items",
    "maxItems": "max_items",
    # String lengths and property counts (issue 9, session 12): OpenAI's validator enforces them with its
    # own codes (string_above_max_length, empty_string, object_above_max_properties), e.g. a `metadata`
    # of more than 16 keys or a Responses item `id` over 64 characters.
    "minLength": "min_len",
    "maxLength": "max_len",
    "maxProperties": "max_props",
}


class Compiler:
    """Compiles spec schemas into compact nodes; named component schemas become ``{"ref": name}``."""

    def __init__(self, schemas: Mapping[str, Any]) -> None:
        self.schemas = schemas
        self.defs: dict[str, dict[str, Any]] = {}

    def ref(self, name: str) -> dict[str, Any]:
        if name not in self.schemas:
            raise KeyError(f"the spec has no component schema {name!r}")
        if name not in self.defs:
            self.defs[name] = {}  # placeholder first: a schema may refer to itself
            self.defs[name] = _with_prose_bounds(self.node(self.schemas[name]), PROSE_BOUNDS.get(name))
        return {"ref": name}

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """The schema a ``$ref`` points to (for merging ``allOf`` parts), else the schema itself."""
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].removeprefix(_REF)]
        return schema

    def node(self, schema: Any) -> dict[str, Any]:
        if not isinstance(schema, Mapping):
            return {}  # ``true`` / ``{}``: anything
        if "$ref" in schema:
            return self.ref(schema["$ref"].removeprefix(_REF))
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                merged = _merge(merged, self.resolve(part))
            return self.node(merged)
        out: dict[str, Any] = {}
        types = schema.get("type")
        if isinstance(types, str):
            types = [types]
        if types:
            out["type"] = sorted(set(types) | ({"null"} if schema.get("nullable") else set()))
        if "const" in schema:
            out["enum"] = [schema["const"]]
        elif "enum" in schema:
            out["enum"] = [v for v in schema["enum"] if v is not None]
            if None in schema["enum"] and "type" in out and "null" not in out["type"]:
                out["type"] = sorted({*out["type"], "null"})
        for key, short in _NUMERIC_KEYS.items():
            if isinstance(schema.get(key), int | float) and not isinstance(schema.get(key), bool):
                out[short] = schema[key]
        props = schema.get("properties")
        if isinstance(props, Mapping) and props:
            out["props"] = {name: self.node(sub) for name, sub in sorted(props.items())}
        required = schema.get("required")
        if isinstance(required, list) and required:
            # The spec shares schemas between requests and responses and marks as required the keys a
            # response always carries, null included (FunctionTool's `strict` and `parameters`); the API
            # takes a request without them. A key whose schema admits null is therefore not required of a
            # request: its absence means the same as null.
            props = schema.get("properties") or {}
            needed = {k for k in required if not _admits_null(self.resolve(props.get(k) or {}))}
            if needed:
                out["req"] = sorted(needed)
        if schema.get("additionalProperties") is False:
            out["closed"] = True
        if "items" in schema:
            items = self.node(schema["items"])
            if items:
                out["items"] = items
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping) and extra:
            values = self.node(extra)  # a map's values (metadata's strings, logit_bias's integers)
            if values:
                out["values"] = values
        branches = [*schema.get("oneOf", ()), *schema.get("anyOf", ())]
        if branches:
            compiled = [self.node(b) for b in branches]
            if any(not b for b in compiled):
                return _strip_union(out)  # one branch takes anything: the union constrains nothing
            out["any"] = compiled
            if schema.get("nullable"):
                out["any"].append({"type": ["null"]})
            out.pop("type", None)
        return out


def _with_prose_bounds(node: dict[str, Any], bounds: Mapping[str, Any] | None) -> dict[str, Any]:
    """``node`` with ``bounds`` added to its object schema (itself, or its union's object branch)."""
    if not bounds:
        return node
    targets = [b for b in node.get("any", ()) if b.get("type") == ["object"]] or [node]
    for target in targets:
        for key, value in bounds.items():
            if key == "values":
                target["values"] = {**target.get("values", {}), **value}
            else:
                target[key] = value
    return node


def _admits_null(schema: Mapping[str, Any]) -> bool:
    types = schema.get("type")
    if schema.get("nullable") or types == "null" or (isinstance(types, list) and "null" in types):
        return True
    return any(
        isinstance(b, Mapping) and (b.get("type") == "null" or b.get("nullable"))
        for b in [*schema.get("oneOf", ()), *schema.get("anyOf", ())]
    )


def _strip_union(out: dict[str, Any]) -> dict[str, Any]:
    out.pop("type", None)
    out.pop("enum", None)
    return out


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """``allOf`` of two object schemas: properties and required keys united; closed if either is."""
    merged = dict(a)
    for key, value in b.items():
        if key == "properties":
            merged["properties"] = {**merged.get("properties", {}), **value}
        elif key == "required":
            merged["required"] = [*merged.get("required", []), *value]
        elif key == "additionalProperties":
            merged[key] = False if value is False or merged.get(key) is False else value
        elif key not in merged:
            merged[key] = value
    return merged


def build(spec: Mapping[str, Any], ref: str, date: str) -> dict[str, Any]:
    schemas = spec["components"]["schemas"]
    compiler = Compiler(schemas)
    roots = {kind: compiler.ref(name) for kind, name in ROOTS.items()}
    return {
        "_meta": {
            "source": SOURCE_URL,
            "ref": ref,
            "spec_version": str(spec.get("info", {}).get("version", "")),
            "date": date,
            "roots": dict(ROOTS),
            "generator": "scripts/refresh_openapi.py",
        },
        "roots": roots,
        "defs": dict(sorted(compiler.defs.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("spec", type=Path, help="OpenAI's openapi.yaml (or .json), downloaded beforehand")
    parser.add_argument("--ref", required=True, help="which version of the spec: commit and date")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="the snapshot's date")
    args = parser.parse_args(argv)
    text = args.spec.read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = json.loads(text) if args.spec.suffix == ".json" else yaml.load(text, Loader=loader)
    snapshot = build(spec, args.ref, args.date)
    args.out.write_text(json.dumps(snapshot, indent=None, separators=(",", ":"), sort_keys=False) + "\n")
    print(f"{args.out}: {len(snapshot['defs'])} schemas, {args.out.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
