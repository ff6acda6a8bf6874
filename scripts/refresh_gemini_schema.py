#!/usr/bin/env python
"""Write ``data/gemini_request_schema.json``: the Gemini API's generateContent request model, compacted.

    pip install --target /tmp/glm --no-deps google-ai-generativelanguage proto-plus google-api-core
    .venv/bin/python scripts/refresh_gemini_schema.py --site /tmp/glm

The Gemini API (``generativelanguage.googleapis.com``) is proto-backed: its REST JSON is the proto3 JSON
mapping of ``google.ai.generativelanguage.v1beta.GenerateContentRequest``, and its front end answers a
request that breaks that message with the proto parser's own texts ("Invalid JSON payload received. Unknown
name ...", "Invalid value at ... (TYPE_INT32)", "Proto field is not repeating, cannot start list"). Google
publishes the message definitions as the generated ``google-ai-generativelanguage`` package (PyPI); its
proto-plus types build the proto descriptors at import, so this script reads those descriptors: for every
message reachable from the request, each field's JSON name, proto name, kind (message, enum or scalar),
whether it is repeated or a map, and the oneof it belongs to; for every enum, its value names. Descriptions
are not kept. The package's client layer (grpc) is not imported: only ``types``.

Chosen over the discovery document (``$discovery/rest?version=v1beta``, not reachable offline and no longer
shipped by google-api-python-client) and the ``google-genai`` SDK's pydantic types (an SDK-side model that
also carries client-only options and Vertex's fields): the package is the generated form of the protos the
service parses. It runs offline against the directory it is given and records the package version and the
date; ``toolguard_core/rules/gemini.py`` reads the snapshot.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import json
import sys
import types
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
OUT: Final = ROOT / "addon" / "toolguard_core" / "data" / "gemini_request_schema.json"
PACKAGE: Final = "google.ai.generativelanguage_v1beta"
PROTO_PACKAGE: Final = "google.ai.generativelanguage.v1beta."
REQUEST: Final = "GenerateContentRequest"
#: Well-known types and how their JSON looks (the proto3 JSON mapping): Struct/Value/ListValue take any JSON,
#: Duration and Timestamp are strings ("3.5s", RFC 3339).
WELL_KNOWN: Final = {
    "google.protobuf.Struct": "object",
    "google.protobuf.Value": "any",
    "google.protobuf.ListValue": "array",
    "google.protobuf.Duration": "string",
    "google.protobuf.Timestamp": "string",
}
#: FieldDescriptor.type numbers -> the JSON kinds a check needs.
SCALARS: Final = {
    1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32", 8: "bool",
    9: "string", 12: "bytes", 13: "uint32", 15: "sfixed32", 16: "sfixed64", 17: "sint32", 18: "sint64",
}  # fmt: skip
MESSAGE, ENUM = 11, 14


def load_types(site: Path) -> Any:
    """The package's ``types`` module, imported without the package's ``__init__`` (it imports the gRPC
    clients, which need grpc)."""
    sys.path.insert(0, str(site))
    package_dir = site / Path(*PACKAGE.split("."))
    if not package_dir.is_dir():
        raise SystemExit(f"no {PACKAGE} under {site}; install google-ai-generativelanguage there")
    stub = types.ModuleType(PACKAGE)
    stub.__path__ = [str(package_dir)]
    sys.modules[PACKAGE] = stub
    return importlib.import_module(f"{PACKAGE}.types.generative_service")


def short(full_name: str) -> str:
    return full_name.removeprefix(PROTO_PACKAGE)


def compact(descriptor: Any, messages: dict[str, Any], enums: dict[str, list[str]]) -> list[Any]:
    """Record ``descriptor``'s fields in ``messages`` and its enums in ``enums``; return the messages it
    refers to that are not recorded yet."""
    fields: dict[str, Any] = {}
    todo = []
    for field in descriptor.fields:
        entry: dict[str, Any] = {"proto": field.name}
        oneof = field.containing_oneof
        # proto3 ``optional`` fields sit in a synthetic oneof named ``_<field>``: not a real choice.
        if oneof is not None and not oneof.name.startswith("_"):
            entry["oneof"] = oneof.name
        if field.type == MESSAGE:
            target = field.message_type
            if target.GetOptions().map_entry:
                value = target.fields_by_name["value"]
                entry["map"] = True
                entry["type"], ref = _kind(value)
                if ref is not None:
                    entry["ref"] = ref
                    todo.append(value.message_type if value.type == MESSAGE else value.enum_type)
            else:
                entry["type"], ref = _kind(field)
                if ref is not None:
                    entry["ref"] = ref
                    todo.append(target)
            if field.is_repeated and not entry.get("map"):
                entry["repeated"] = True
        else:
            entry["type"], ref = _kind(field)
            if ref is not None:
                entry["ref"] = ref
                todo.append(field.enum_type)
            if field.is_repeated:
                entry["repeated"] = True
        fields[field.json_name] = entry
    messages[short(descriptor.full_name)] = {"fields": fields}
    out = []
    for item in todo:
        name = short(item.full_name)
        if hasattr(item, "values"):
            enums.setdefault(name, [v.name for v in item.values])
        elif name not in messages:
            out.append(item)
    return out


def _kind(field: Any) -> tuple[str, str | None]:
    if field.type == MESSAGE:
        full = field.message_type.full_name
        if full in WELL_KNOWN:
            return WELL_KNOWN[full], None
        return "message", short(full)
    if field.type == ENUM:
        return "enum", short(field.enum_type.full_name)
    return SCALARS[field.type], None


def build(site: Path) -> dict[str, Any]:
    module = load_types(site)
    root = getattr(module, REQUEST).pb().DESCRIPTOR
    messages: dict[str, Any] = {}
    enums: dict[str, list[str]] = {}
    stack = [root]
    while stack:
        descriptor = stack.pop()
        if short(descriptor.full_name) in messages:
            continue
        stack.extend(reversed(compact(descriptor, messages, enums)))
    sys.path.pop(0)
    version = _version(site)
    return {
        "_meta": {
            "source": "google-ai-generativelanguage (PyPI), google.ai.generativelanguage.v1beta protos",
            "package_version": version,
            "proto_package": PROTO_PACKAGE.rstrip("."),
            "root": REQUEST,
            "date": datetime.date.today().isoformat(),
            "generator": "scripts/refresh_gemini_schema.py",
        },
        "messages": dict(sorted(messages.items())),
        "enums": dict(sorted(enums.items())),
    }


def _version(site: Path) -> str:
    for dist in importlib.metadata.distributions(path=[str(site)]):
        if dist.metadata["Name"] == "google-ai-generativelanguage":
            return dist.version
    return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site", type=Path, required=True, help="a directory google-ai-generativelanguage is installed in"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    snapshot = build(args.site)
    args.out.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    meta = snapshot["_meta"]
    print(
        f"{args.out}: {len(snapshot['messages'])} messages, {len(snapshot['enums'])} enums "
        f"(google-ai-generativelanguage {meta['package_version']})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
