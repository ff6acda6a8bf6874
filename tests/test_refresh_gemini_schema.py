"""scripts/refresh_gemini_schema.py: the Gemini request model is generated from the protos Google publishes
(google-ai-generativelanguage), offline, and the shipped snapshot says what it was generated from (the
gemini.* field lists and value checks read it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import refresh_gemini_schema as refresh

from toolguard_core.rules.gemini import (
    ENUMS,
    FIELDS,
    LEVEL_MESSAGES,
    MESSAGES,
    NEWER_FIELDS,
    PART_DATA,
    SCHEMA_META,
    VERTEX_FIELDS,
)

#: A stand-in for the package's ``types/generative_service.py``: a GenerateContentRequest built from a
#: FileDescriptorProto with the shapes the script must read (a message field, a repeated field, a map, a
#: real oneof and a proto3-optional one, an enum, a Struct, an unreachable message).
TYPES_MODULE = """
from google.protobuf import descriptor_pb2, descriptor_pool, struct_pb2  # noqa: F401 (Struct's file in the pool)
from google.protobuf import message_factory

F = descriptor_pb2.FieldDescriptorProto
fd = descriptor_pb2.FileDescriptorProto(name="fake_gl.proto", package="google.ai.generativelanguage.v1beta",
                                        syntax="proto3", dependency=["google/protobuf/struct.proto"])
part = fd.message_type.add(name="Part")
part.oneof_decl.add(name="data")
part.oneof_decl.add(name="_thought")
part.field.add(name="text", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, oneof_index=0, json_name="text")
part.field.add(name="inline_data", number=2, type=F.TYPE_BYTES, label=F.LABEL_OPTIONAL, oneof_index=0,
               json_name="inlineData")
part.field.add(name="thought", number=3, type=F.TYPE_BOOL, label=F.LABEL_OPTIONAL, oneof_index=1,
               json_name="thought", proto3_optional=True)
part.field.add(name="args", number=4, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL,
               type_name=".google.protobuf.Struct", json_name="args")
content = fd.message_type.add(name="Content")
content.field.add(name="parts", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                  type_name=".google.ai.generativelanguage.v1beta.Part", json_name="parts")
content.field.add(name="role", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, json_name="role")
request = fd.message_type.add(name="GenerateContentRequest")
request.field.add(name="contents", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                  type_name=".google.ai.generativelanguage.v1beta.Content", json_name="contents")
request.field.add(name="mode", number=2, type=F.TYPE_ENUM, label=F.LABEL_OPTIONAL,
                  type_name=".google.ai.generativelanguage.v1beta.Mode", json_name="mode")
entry = request.nested_type.add(name="LabelsEntry")
entry.options.map_entry = True
entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, json_name="key")
entry.field.add(name="value", number=2, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL, json_name="value")
request.field.add(name="labels", number=3, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                  type_name=".google.ai.generativelanguage.v1beta.GenerateContentRequest.LabelsEntry",
                  json_name="labels")
fd.message_type.add(name="Unreachable")
mode = fd.enum_type.add(name="Mode")
mode.value.add(name="MODE_UNSPECIFIED", number=0)
mode.value.add(name="AUTO", number=1)
pool = descriptor_pool.Default()
pool.Add(fd)
_cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("google.ai.generativelanguage.v1beta.GenerateContentRequest"))


class GenerateContentRequest:
    @staticmethod
    def pb():
        return _cls
"""


def _site(tmp_path: Path) -> Path:
    package = tmp_path / "google" / "ai" / "generativelanguage_v1beta" / "types"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "generative_service.py").write_text(TYPES_MODULE)
    dist = tmp_path / "google_ai_generativelanguage-9.9.9.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: google-ai-generativelanguage\nVersion: 9.9.9\n"
    )
    return tmp_path


def test_refresh_compacts_the_messages_the_request_reaches(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert refresh.main(["--site", str(_site(tmp_path / "site")), "--out", str(out)]) == 0
    snapshot = json.loads(out.read_text())
    meta = snapshot["_meta"]
    assert meta["package_version"] == "9.9.9" and meta["date"] and meta["root"] == "GenerateContentRequest"
    messages = snapshot["messages"]
    assert set(messages) == {"GenerateContentRequest", "Content", "Part"}  # Unreachable is not kept
    assert messages["GenerateContentRequest"]["fields"] == {
        "contents": {"proto": "contents", "type": "message", "ref": "Content", "repeated": True},
        "mode": {"proto": "mode", "type": "enum", "ref": "Mode"},
        "labels": {"proto": "labels", "type": "int32", "map": True},
    }
    part = messages["Part"]["fields"]
    # A real oneof is kept; proto3 ``optional``'s synthetic one is not; a Struct takes any object.
    assert part["text"] == {"proto": "text", "type": "string", "oneof": "data"}
    assert part["inlineData"] == {"proto": "inline_data", "type": "bytes", "oneof": "data"}
    assert part["thought"] == {"proto": "thought", "type": "bool"}
    assert part["args"] == {"proto": "args", "type": "object"}
    assert snapshot["enums"] == {"Mode": ["MODE_UNSPECIFIED", "AUTO"]}


def test_the_shipped_snapshot_loads_and_records_its_source() -> None:
    assert SCHEMA_META["root"] == "GenerateContentRequest" and SCHEMA_META["date"]
    assert SCHEMA_META["package_version"] and SCHEMA_META["source"].startswith("google-ai-generativelanguage")
    # Every message a field names is in the snapshot, and every enum.
    for message in MESSAGES.values():
        for field in message["fields"].values():
            if field["type"] == "message":
                assert field["ref"] in MESSAGES
            elif field["type"] == "enum":
                assert field["ref"] in ENUMS
    assert {"AUTO", "ANY", "NONE", "VALIDATED"} <= ENUMS["FunctionCallingConfig.Mode"]
    assert {"STRING", "OBJECT", "ARRAY"} <= ENUMS["Type"]
    assert {
        "text", "inlineData", "functionCall", "functionResponse", "fileData", "executableCode",
        "codeExecutionResult",
    } == PART_DATA  # fmt: skip


def test_the_field_lists_are_the_models_fields_plus_only_vertex_and_newer_ones_by_hand() -> None:
    """gemini.FIELDS is the generated model's fields, plus Vertex AI's and the ones newer than the snapshot;
    a hand-listed name the model now has is redundant (a refresh that brings it fails this: drop it)."""
    for level, message in LEVEL_MESSAGES.items():
        generated = frozenset(MESSAGES[message]["fields"])
        extra = VERTEX_FIELDS.get(level, frozenset()) | NEWER_FIELDS.get(level, frozenset())
        assert FIELDS[level] == generated | extra
        assert not (NEWER_FIELDS.get(level, frozenset()) & generated), level
    assert {"thinkingConfig", "responseJsonSchema", "responseModalities"} <= FIELDS["generationConfig"]
    assert {"cachedContent", "labels", "systemInstruction"} <= FIELDS["request"]
