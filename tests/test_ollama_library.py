"""Ollama's library capability tags (data/ollama_library.json): which names are library names, the
``think`` and ``tools`` refusals they decide, and the refresh script rebuilding the table offline."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.catalog import ollama_library, ollama_library_meta
from toolguard_core.rules.model import is_local_note

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "refresh_catalog.py"
SAVED = ROOT / "tests" / "data" / "catalog" / "ollama_library_tags.json"
SHIPPED = ROOT / "addon" / "toolguard_core" / "data" / "ollama_library.json"
CHAT = "http://127.0.0.1:11434/api/chat"
OPENAI_CHAT = "http://127.0.0.1:11434/v1/chat/completions"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_catalog", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NAMES: list[tuple[str, str | None]] = [
    ("gemma3n", "gemma3n"),
    ("gemma3n:e4b-it-q8_0", "gemma3n"),
    ("library/gemma3n:e2b", "gemma3n"),
    ("registry.ollama.ai/library/gemma3n:e4b", "gemma3n"),
    ("GEMMA3:27B-IT-QAT", "gemma3"),
    # Not library names (template from the GGUF or a Modelfile) or not in the table: never judged.
    ("hf.co/unsloth/gemma-3n-E4B-it-GGUF:Q4_K_XL", None),
    ("someone/gemma3n:e4b", None),
    ("gemma3n-custom:latest", None),
    ("qwen3:8b", None),
    ("", None),
]


@pytest.mark.parametrize(("model", "expected"), NAMES, ids=[m or "empty" for m, _ in NAMES])
def test_library_names(model: str, expected: str | None) -> None:
    found = ollama_library(model)
    assert (found[0] if found else None) == expected


def _findings(url: str, body: dict[str, Any]) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors, analysis.internal_errors
    # (Not the note that the catalogue's model rules skip a local server's model: tests/test_skipped_models.py.)
    return [(f.rule, f.severity.value, f.location) for f in analysis.findings if not is_local_note(f)]


USER = {"role": "user", "content": "Hi."}
TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]
CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, str]]]] = [
    (
        CHAT,
        {"model": "gemma3n:e4b-it-q8_0", "messages": [USER], "think": True},
        [("ollama.think-unsupported", "error", "think")],
    ),
    (
        CHAT,
        {"model": "gemma3:4b", "messages": [USER], "think": "high"},
        [("ollama.think-unsupported", "error", "think")],
    ),
    (
        CHAT,
        {"model": "gemma3n:e2b", "messages": [USER], "tools": TOOLS},
        [("quirks.ollama-model-no-tools", "error", "tools")],
    ),
    (
        OPENAI_CHAT,
        {"model": "gemma3n:e4b", "messages": [USER], "tools": TOOLS},
        [("quirks.ollama-model-no-tools", "error", "tools")],
    ),
    # The corrected requests, and names whose template toolguard cannot know: no finding.
    (CHAT, {"model": "gemma3n:e4b-it-q8_0", "messages": [USER]}, []),
    (CHAT, {"model": "gemma3n:e4b-it-q8_0", "messages": [USER], "think": False}, []),
    # A GGUF repo is not a library name, but its quantisation strips to the catalog's gemma-3n-e4b-it, which
    # does not reason (a quantisation never adds thinking to the template): judged by the catalog.
    (
        CHAT,
        {"model": "hf.co/unsloth/gemma-3n-E4B-it-GGUF:Q4_K_XL", "messages": [USER], "think": True},
        [("ollama.think-unsupported", "error", "think")],
    ),
    (CHAT, {"model": "hf.co/eaddario/Hammer2.1-7b-GGUF:Q4_K_M", "messages": [USER], "think": True}, []),
    (CHAT, {"model": "Qwen3-14B-128K-Q4_K_M:latest", "messages": [USER], "think": True}, []),
    (CHAT, {"model": "qwen3:8b", "messages": [USER], "think": True, "tools": TOOLS}, []),
]


@pytest.mark.parametrize(
    ("url", "body", "expected"), CASES, ids=[f"{b['model']}-{len(e)}" for _, b, e in CASES]
)
def test_refusals_decided_by_the_library_tags(
    url: str, body: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    assert _findings(url, body) == expected


def test_the_finding_says_where_the_fact_comes_from() -> None:
    analysis = analyse_request(json.dumps({"model": "gemma3n:e4b", "messages": [USER], "think": True}), CHAT)
    (finding,) = analysis.findings
    assert "Ollama's library lists no thinking capability for gemma3n" in finding.message


def test_shipped_table_is_rebuilt_offline(tmp_path: Path) -> None:
    meta = ollama_library_meta()
    out = tmp_path / "ollama_library.json"
    args = [
        "--ollama-library",
        str(SAVED),
        "--ollama-ref",
        meta["sources"][0]["ref"],
        "--ollama-out",
        str(out),
    ]
    assert _script().main([*args, "--date", meta["generated"]]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert meta["generated"] == "2026-12-01"


def test_an_unknown_tag_is_refused(tmp_path: Path) -> None:
    saved = tmp_path / "tags.json"
    saved.write_text(json.dumps({"m": {"capabilities": ["completion", "tool"]}}), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown capability tags"):
        _script().ollama_snapshot(saved, "", "2026-12-01")
