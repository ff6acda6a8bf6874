#!/usr/bin/env python
"""Write ``data/converse_request_schema.json``: the Bedrock Converse request model, compacted.

    .venv/bin/python scripts/refresh_converse_schema.py                     # the installed botocore's model
    .venv/bin/python scripts/refresh_converse_schema.py --service path/to/service-2.json[.gz]

AWS publishes the Converse request as a Smithy-derived service model (botocore's
``data/bedrock-runtime/2023-09-30/service-2.json``, the same model every AWS SDK is generated from and the
runtime validates against). This script keeps, for every shape reachable from ``ConverseRequest``, what a
request check needs: the shape's type, a structure's members, required members and union flag, a list's
member and a map's key and value shapes, and the constraints (``enum``, ``min``, ``max``, ``pattern``).
Documentation is dropped. It runs offline against the file it is given and records the file, the model's
API version, botocore's version and the date, so the snapshot says what it was generated from; the
``converse.*`` schema rules (toolguard_core/rules/converse.py) read it, nothing is copied by hand.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import sys
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
OUT: Final = ROOT / "addon" / "toolguard_core" / "data" / "converse_request_schema.json"
REQUEST: Final = "ConverseRequest"
#: Request members that are not in the JSON body (``modelId`` is the path's, /model/{modelId}/converse).
NOT_IN_BODY: Final = frozenset({"modelId"})
CONSTRAINTS: Final = ("enum", "min", "max", "pattern")


def default_service() -> Path:
    import botocore

    data = Path(botocore.__file__).parent / "data" / "bedrock-runtime" / "2023-09-30"
    for name in ("service-2.json.gz", "service-2.json"):
        if (data / name).exists():
            return data / name
    raise SystemExit(f"no bedrock-runtime service model under {data}; pass --service")


def load(path: Path) -> dict[str, Any]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def compact(shapes: dict[str, Any], name: str) -> dict[str, Any]:
    shape = shapes[name]
    out: dict[str, Any] = {"type": shape["type"]}
    if shape["type"] == "structure":
        members = {
            k: v["shape"] for k, v in shape["members"].items() if not (name == REQUEST and k in NOT_IN_BODY)
        }
        out["members"] = members
        required = [k for k in shape.get("required", ()) if k in members]
        if required:
            out["required"] = required
        if shape.get("union"):
            out["union"] = True
    elif shape["type"] == "list":
        out["member"] = shape["member"]["shape"]
    elif shape["type"] == "map":
        out["key"] = shape["key"]["shape"]
        out["value"] = shape["value"]["shape"]
    for key in CONSTRAINTS:
        if key in shape:
            out[key] = shape[key]
    return out


def reachable(shapes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every shape the request can contain, compacted, in walk order."""
    out: dict[str, dict[str, Any]] = {}
    stack = [REQUEST]
    while stack:
        name = stack.pop()
        if name in out:
            continue
        node = out[name] = compact(shapes, name)
        children = [*node.get("members", {}).values()]
        children += [node[k] for k in ("member", "key", "value") if k in node]
        stack.extend(reversed(children))
    return out


def build(service: Path) -> dict[str, Any]:
    model = load(service)
    import botocore

    return {
        "_meta": {
            "source": "botocore data/bedrock-runtime/2023-09-30/service-2.json (the AWS SDKs' service model)",
            "file": service.name,
            "botocore": botocore.__version__,
            "api_version": model["metadata"]["apiVersion"],
            "date": datetime.date.today().isoformat(),
            "root": REQUEST,
            "generator": "scripts/refresh_converse_schema.py",
        },
        "shapes": reachable(model["shapes"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", type=Path, help="a bedrock-runtime service-2.json (or .json.gz)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    snapshot = build(args.service or default_service())
    args.out.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(snapshot['shapes'])} shapes ({snapshot['_meta']['api_version']})", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
