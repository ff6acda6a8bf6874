"""scripts/refresh_anthropic_schema.py: the Messages request model is generated from the anthropic SDK's
request types (Stainless-generated from Anthropic's OpenAPI spec), offline, and the shipped snapshot says
what it was generated from (anthropic.py's field lists and enums read it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import refresh_anthropic_schema as refresh

from toolguard_core.rules.anthropic import (
    BLOCK_KEYS,
    BLOCK_TYPES,
    CACHE_CONTROL_KEYS,
    DOCUMENT_SOURCE_TYPES,
    IMAGE_MEDIA_TYPES,
    IMAGE_SOURCE_TYPES,
    OLDER_FIELDS,
    REQUEST_FIELDS,
    SCHEMA_META,
    SHAPES,
    TOOL_CHOICE_TYPES,
    TOP_LEVEL,
    shape_refs,
)

#: A stand-in SDK: the request TypedDict with a required field, a tagged union of blocks, a base64 field
#: (``Union[str, Base64FileInput]``), an optional literal, and the stream split.
PARAMS = """
from __future__ import annotations
import os
from typing import IO, Iterable, Literal, Optional, Union
from typing_extensions import Required, TypedDict

class TextBlockParam(TypedDict, total=False):
    text: Required[str]
    type: Required[Literal["text"]]

class Base64Source(TypedDict, total=False):
    data: Required[Union[str, Union[IO[bytes], os.PathLike]]]
    media_type: Required[Literal["image/png", "image/jpeg"]]

class ImageBlockParam(TypedDict, total=False):
    source: Required[Base64Source]
    type: Required[Literal["image"]]

class MessageParam(TypedDict, total=False):
    content: Required[Union[str, Iterable[Union[TextBlockParam, ImageBlockParam]]]]
    role: Required[Literal["user", "assistant"]]

class MessageCreateParamsBase(TypedDict, total=False):
    max_tokens: Required[int]
    messages: Required[Iterable[MessageParam]]
    temperature: float
    service_tier: Optional[Literal["auto", "standard_only"]]

class MessageCreateParamsNonStreaming(MessageCreateParamsBase, total=False):
    stream: Literal[False]

class MessageCreateParamsStreaming(MessageCreateParamsBase):
    stream: Required[Literal[True]]
"""


def _sdk(root: Path) -> Path:
    beta = root / "anthropic" / "types" / "beta"
    beta.mkdir(parents=True)
    (root / "anthropic" / "__init__.py").write_text('__version__ = "9.9.9"\n')
    (root / "anthropic" / "types" / "__init__.py").write_text("")
    (beta / "__init__.py").write_text("")
    (beta / "message_create_params.py").write_text(PARAMS)
    return root


def test_refresh_compacts_the_shapes_the_request_reaches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stand-in is imported as ``anthropic``: the real SDK's modules are set aside, and the stand-in's
    # dropped afterwards, so no later test imports it.
    before = {m for m in sys.modules if m == "anthropic" or m.startswith("anthropic.")}
    for name in before:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "path", list(sys.path))
    out = tmp_path / "schema.json"
    try:
        assert refresh.main(["--sdk", str(_sdk(tmp_path / "sdk")), "--out", str(out)]) == 0
    finally:
        for name in [m for m in sys.modules if m == "anthropic" or m.startswith("anthropic.")]:
            if name not in before:
                del sys.modules[name]
    snapshot = json.loads(out.read_text())
    assert snapshot["_meta"]["sdk_version"] == "9.9.9" and snapshot["_meta"]["date"]
    shapes = snapshot["shapes"]
    assert set(shapes) == {
        "MessageCreateParamsBase",
        "MessageParam",
        "TextBlockParam",
        "ImageBlockParam",
        "Base64Source",
    }
    root = shapes["MessageCreateParamsBase"]
    assert root["required"] == ["max_tokens", "messages"]
    assert root["fields"] == {
        "max_tokens": {"type": "integer"},
        "messages": {"array": {"ref": "MessageParam"}},
        "temperature": {"type": "number"},
        "service_tier": {"union": [{"enum": ["auto", "standard_only"]}, {"type": "null"}]},
        "stream": {"enum": [False, True]},
    }
    assert shapes["MessageParam"]["fields"]["content"] == {
        "union": [
            {"type": "string"},
            {"array": {"union": [{"ref": "TextBlockParam"}, {"ref": "ImageBlockParam"}]}},
        ]
    }
    assert shapes["Base64Source"]["fields"]["data"] == {"type": "string", "format": "base64"}


def test_the_shipped_snapshot_loads_and_records_its_source() -> None:
    assert (
        SCHEMA_META["root"] == "MessageCreateParamsBase"
        and SCHEMA_META["date"]
        and SCHEMA_META["sdk_version"]
    )
    assert {"model", "messages", "max_tokens"} <= set(SHAPES[SCHEMA_META["root"]]["required"])
    # Every shape an expression names is in the snapshot.
    for shape in SHAPES.values():
        for expr in shape["fields"].values():
            assert all(name in SHAPES for name in shape_refs(expr))


def test_the_lists_are_the_models_and_only_the_older_fields_by_hand() -> None:
    """TOP_LEVEL is the generated request's fields plus OLDER_FIELDS, which it must not have (a refresh that
    brings one back fails this: drop it from OLDER_FIELDS); the enums are the model's."""
    assert frozenset(REQUEST_FIELDS) | OLDER_FIELDS == TOP_LEVEL
    assert not OLDER_FIELDS & frozenset(REQUEST_FIELDS)
    assert {
        "stream",
        "system",
        "thinking",
        "tool_choice",
        "container",
        "mcp_servers",
        "context_management",
    } <= TOP_LEVEL
    assert {"service_tier", "cache_control", "output_config", "metadata"} <= TOP_LEVEL
    assert {"auto", "any", "tool", "none"} == TOOL_CHOICE_TYPES
    assert {"image/jpeg", "image/png", "image/gif", "image/webp"} == IMAGE_MEDIA_TYPES
    assert {"base64", "url", "file"} == IMAGE_SOURCE_TYPES
    assert {"base64", "url", "file", "text", "content"} <= DOCUMENT_SOURCE_TYPES
    assert {
        "text",
        "image",
        "document",
        "tool_use",
        "tool_result",
        "thinking",
        "tool_reference",
    } <= BLOCK_TYPES
    assert {"type", "text", "cache_control", "citations"} <= BLOCK_KEYS["text"]
    assert {"type", "ttl", "scope"} <= CACHE_CONTROL_KEYS
