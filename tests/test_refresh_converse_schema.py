"""scripts/refresh_converse_schema.py: the Converse request model is generated from AWS's service model, offline,
and the shipped snapshot says what it was generated from (the converse.* schema rules read it)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import refresh_converse_schema as refresh

from toolguard_core.rules.converse import FIELDS, NEWER_MEMBERS, SCHEMA_META, SHAPES

SERVICE = {
    "metadata": {"apiVersion": "2023-09-30"},
    "shapes": {
        "ConverseRequest": {
            "type": "structure",
            "required": ["modelId"],
            "members": {"modelId": {"shape": "Id"}, "messages": {"shape": "Messages"}},
        },
        "Id": {"type": "string", "min": 1},
        "Messages": {"type": "list", "member": {"shape": "Message"}},
        "Message": {
            "type": "structure",
            "required": ["role"],
            "members": {"role": {"shape": "Role", "documentation": "<p>dropped</p>"}},
        },
        "Role": {"type": "string", "enum": ["user", "assistant"]},
        "Unreachable": {"type": "string"},
    },
}


@pytest.mark.parametrize("suffix", [".json", ".json.gz"])
def test_refresh_compacts_the_shapes_the_request_reaches(tmp_path: Path, suffix: str) -> None:
    service = tmp_path / f"service-2{suffix}"
    data = json.dumps(SERVICE).encode()
    service.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    out = tmp_path / "schema.json"
    assert refresh.main(["--service", str(service), "--out", str(out)]) == 0
    snapshot = json.loads(out.read_text())
    assert snapshot["_meta"]["api_version"] == "2023-09-30" and snapshot["_meta"]["date"]
    shapes = snapshot["shapes"]
    # modelId is the path's, so neither a member nor required; an unreachable shape is not kept.
    assert shapes["ConverseRequest"] == {"type": "structure", "members": {"messages": "Messages"}}
    assert shapes["Message"] == {"type": "structure", "members": {"role": "Role"}, "required": ["role"]}
    assert shapes["Role"] == {"type": "string", "enum": ["user", "assistant"]}
    assert "Unreachable" not in shapes and "Id" not in shapes


def test_the_shipped_snapshot_loads_and_records_its_source() -> None:
    assert SCHEMA_META["root"] == "ConverseRequest" and SCHEMA_META["date"] and SCHEMA_META["botocore"]
    assert SHAPES["ImageFormat"]["enum"] == ["png", "jpeg", "gif", "webp"]
    assert SHAPES["ToolResultStatus"]["enum"] == ["success", "error"]
    # Every shape a structure, list or map names is in the snapshot.
    for shape in SHAPES.values():
        named = [
            *shape.get("members", {}).values(),
            *(shape[k] for k in ("member", "key", "value") if k in shape),
        ]
        assert all(name in SHAPES for name in named)


def test_the_field_lists_are_the_models_members_and_only_the_newer_ones_by_hand() -> None:
    """converse.FIELDS is derived from the generated model; NEWER_MEMBERS holds only what the model lacks
    (once a refresh brings ``outputConfig``, this fails: drop it from NEWER_MEMBERS)."""
    fields = dict(FIELDS)
    assert fields == {
        "request": frozenset(
            {
                "messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig",
                "additionalModelRequestFields", "additionalModelResponseFieldPaths", "promptVariables",
                "requestMetadata", "performanceConfig", "serviceTier", "outputConfig",
            }
        ),
        "message": frozenset({"role", "content"}),
        "inferenceConfig": frozenset({"maxTokens", "temperature", "topP", "stopSequences"}),
        "toolConfig": frozenset({"tools", "toolChoice"}),
    }  # fmt: skip
    assert set(NEWER_MEMBERS) == {"request"}
    assert not NEWER_MEMBERS["request"] & set(SHAPES["ConverseRequest"]["members"])
