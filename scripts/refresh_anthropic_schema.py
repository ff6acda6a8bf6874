#!/usr/bin/env python
"""Write ``data/anthropic_request_schema.json``: the Anthropic Messages request model, compacted.

    .venv/bin/python scripts/refresh_anthropic_schema.py                      # the installed SDK
    .venv/bin/python scripts/refresh_anthropic_schema.py --sdk path/to/src    # a checkout's src/ (or a site dir)

Anthropic's SDKs are generated (by Stainless) from the OpenAPI spec of ``POST /v1/messages``; the Python
SDK's request types are ``TypedDict``s that keep the spec's facts: each object's fields, which are
``Required``, their types, ``Literal`` enums (block types, roles, ``tool_choice`` and ``thinking``
variants, media types), unions (a content block is one of many ``type``-tagged objects) and base64 fields
(``Union[str, Base64FileInput]``). This script reads them with ``typing.get_type_hints`` from the beta
``MessageCreateParams`` (the GA request plus every beta's fields: a beta is on once its header is, and
toolguard does not see headers, so a field of any beta must never be flagged) and keeps, for every
TypedDict the request reaches, its fields as small type expressions and its required fields.

Chosen over the OpenAPI spec itself (its URL in the SDKs' ``.stats.yml`` is not reachable offline) and the
TypeScript SDK (the same spec, generated the same way): the Python SDK is already a dependency of the
project's tests (it is one of the clients the e2e tests drive), so its types are on every machine. It runs
offline against the package it imports (``--sdk`` puts another first on the path) and records the SDK's
version and the date; ``toolguard_core/rules/anthropic.py`` reads the snapshot.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
OUT: Final = ROOT / "addon" / "toolguard_core" / "data" / "anthropic_request_schema.json"
ROOT_MODULE: Final = "anthropic.types.beta.message_create_params"
ROOT_TYPE: Final = "MessageCreateParamsBase"
STREAM_VARIANTS: Final = ("MessageCreateParamsNonStreaming", "MessageCreateParamsStreaming")
SCALARS: Final = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _is_typeddict(tp: Any) -> bool:
    # The SDK's TypedDicts are typing_extensions'; typing.is_typeddict does not know them on 3.12.
    import typing_extensions

    return isinstance(tp, type) and typing_extensions.is_typeddict(tp)


def _strip(tp: Any) -> tuple[Any, bool]:
    """(the type under Required/NotRequired/Annotated, whether it was Required)."""
    required = False
    while True:
        origin = typing.get_origin(tp)
        if origin in (typing.Required, typing.NotRequired) or getattr(origin, "_name", None) in (
            "Required",
            "NotRequired",
        ):
            required = required or origin is typing.Required
            tp = typing.get_args(tp)[0]
        elif origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        else:
            return tp, required


def _is_file_input(tp: Any) -> bool:
    """``Base64FileInput`` (``IO[bytes] | PathLike``): the SDK reads a file and sends its base64."""
    origin = typing.get_origin(tp) or tp
    return (
        origin in (typing.IO,)
        or (isinstance(origin, type) and issubclass(origin, typing.IO))
        or (isinstance(origin, type) and origin.__name__ == "PathLike")
    )


class Compactor:
    def __init__(self) -> None:
        self.shapes: dict[str, Any] = {}
        self.todo: list[type] = []

    def expr(self, tp: Any) -> dict[str, Any]:
        tp, _ = _strip(tp)
        if tp in SCALARS:
            return {"type": SCALARS[tp]}
        if tp is object or tp is Any:
            return {"type": "any"}
        if _is_typeddict(tp):
            if tp.__name__ not in self.shapes and tp not in self.todo:
                self.todo.append(tp)
            return {"ref": tp.__name__}
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is typing.Literal:
            return {"enum": list(args)}
        if origin in (typing.Union, types.UnionType):
            if any(_is_file_input(a) for a in args) and str in args:
                return {"type": "string", "format": "base64"}
            options = [self.expr(a) for a in args if not _is_file_input(a)]
            enums = [o["enum"] for o in options if set(o) == {"enum"}]
            others = [o for o in options if set(o) != {"enum"}]
            if enums:
                others.insert(0, {"enum": [v for e in enums for v in e]})
            return others[0] if len(others) == 1 else {"union": others}
        if origin in (dict, dict) or tp is dict:
            return {"type": "object"}
        name = getattr(origin, "__name__", "") or getattr(tp, "__name__", "")
        if origin is not None and name in ("Iterable", "list", "List", "Sequence", "SequenceNotStr"):
            return {"array": self.expr(args[0]) if args else {"type": "any"}}
        if name == "SequenceNotStr":
            return {"array": self.expr(args[0]) if args else {"type": "any"}}
        return {"type": "any"}

    def shape(self, td: type) -> None:
        hints = typing.get_type_hints(td, include_extras=True)
        fields = {}
        required = []
        for name, hint in hints.items():
            inner, is_required = _strip(hint)
            if is_required:
                required.append(name)
            fields[name] = self.expr(inner)
        self.shapes[td.__name__] = {"fields": fields, **({"required": required} if required else {})}

    def run(self, root: type) -> dict[str, Any]:
        self.todo.append(root)
        while self.todo:
            td = self.todo.pop(0)
            if td.__name__ not in self.shapes:
                self.shape(td)
        return self.shapes


def build(sdk: Path | None) -> dict[str, Any]:
    if sdk is not None:
        sys.path.insert(0, str(sdk))
    anthropic = importlib.import_module("anthropic")
    module = importlib.import_module(ROOT_MODULE)
    compactor = Compactor()
    shapes = compactor.run(getattr(module, ROOT_TYPE))
    # ``stream`` is the one field the SDK splits by value (MessageCreateParamsStreaming takes True,
    # ...NonStreaming False): the request takes either.
    base = typing.get_type_hints(getattr(module, ROOT_TYPE))
    for variant in STREAM_VARIANTS:
        for name, hint in typing.get_type_hints(getattr(module, variant), include_extras=True).items():
            if name not in base:
                merged = shapes[ROOT_TYPE]["fields"].setdefault(name, {"enum": []})
                merged["enum"] = sorted({*merged["enum"], *compactor.expr(hint).get("enum", [])})
    return {
        "_meta": {
            "source": "anthropic (PyPI) generated request types, beta MessageCreateParams (Stainless, from "
            "Anthropic's OpenAPI spec)",
            "sdk_version": anthropic.__version__,
            "root": ROOT_TYPE,
            "date": datetime.date.today().isoformat(),
            "generator": "scripts/refresh_anthropic_schema.py",
        },
        "shapes": dict(sorted(shapes.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sdk", type=Path, help="a directory with the anthropic package (default: installed)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    snapshot = build(args.sdk)
    args.out.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    meta = snapshot["_meta"]
    print(f"{args.out}: {len(snapshot['shapes'])} shapes (anthropic {meta['sdk_version']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
