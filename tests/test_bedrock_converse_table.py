"""Bedrock's Converse feature table (data/bedrock_converse.json): the lookup by model id, inference profile
and ARN; the rule it decides (``converse.model-no-tools``); and the refresh script rebuilding it offline."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.catalog import bedrock_converse, bedrock_meta

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "refresh_catalog.py"
#: AWS's table as read on 2026-12-01 (its facts only, the page's pipe-table rendering).
TABLE = ROOT / "tests" / "data" / "catalog" / "bedrock_converse_table.txt"
SHIPPED = ROOT / "addon" / "toolguard_core" / "data" / "bedrock_converse.json"
RUNTIME = "https://bedrock-runtime.us-east-1.amazonaws.com/model/{}/converse"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_catalog", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LOOKUPS: list[tuple[str, tuple[str, bool | None, bool | None] | None]] = [
    # (model id as a client sends it, (row label, tool_use, system_prompts) or None)
    ("us.deepseek.r1-v1:0", ("DeepSeek-R1", False, None)),
    ("deepseek.r1-v1:0", ("DeepSeek-R1", False, None)),
    (
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.deepseek.r1-v1:0",
        ("DeepSeek-R1", False, None),
    ),
    ("amazon.titan-text-express-v1", ("Amazon Titan models", False, False)),
    ("us.amazon.nova-pro-v1:0", ("Amazon Nova Pro", True, True)),
    ("amazon.nova-micro-v1:0", ("Amazon Nova Micro", True, True)),
    ("meta.llama3-8b-instruct-v1:0", ("Meta Llama 3 Instruct (8B, 70B)", False, None)),
    ("us.meta.llama3-2-3b-instruct-v1:0", ("Meta Llama 3.2 1B, 3B, 11B Instruct", False, None)),
    ("anthropic.claude-v2:1", ("Anthropic Claude 2.x and earlier models", False, True)),
    ("eu.anthropic.claude-3-5-haiku-20241022-v1:0", ("Anthropic Claude 3.5 Haiku", True, True)),
    ("cohere.command-text-v14", ("Cohere Command", False, False)),
    # Not in the table as read: no row, so nothing is decided from it.
    ("meta.llama3-1-8b-instruct-v1:0", None),
    ("deepseek.v3-v1:0", None),
    ("cohere.command-r-plus-v1:0", None),
    ("arn:aws:bedrock:us-east-1:123456789012:custom-model/abc123", None),
    ("", None),
]


@pytest.mark.parametrize(("model", "expected"), LOOKUPS, ids=[m or "empty" for m, _ in LOOKUPS])
def test_lookup_by_id_profile_and_arn(
    model: str, expected: tuple[str, bool | None, bool | None] | None
) -> None:
    row = bedrock_converse(model)
    got = None if row is None else (row["label"], row.get("tool_use"), row.get("system_prompts"))
    assert got == expected


TOOLS: dict[str, Any] = {
    "tools": [
        {"toolSpec": {"name": "top_song", "inputSchema": {"json": {"type": "object", "properties": {}}}}}
    ]
}
USER: dict[str, Any] = {"role": "user", "content": [{"text": "Hi."}]}

RULE_CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, str]]]] = [
    # DeepSeek R1 by inference profile: the catalog says it calls tools, Bedrock's Converse refuses them.
    (
        "us.deepseek.r1-v1:0",
        {"messages": [USER], "toolConfig": TOOLS},
        [("converse.model-no-tools", "error", "toolConfig")],
    ),
    (
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.deepseek.r1-v1:0",
        {"messages": [USER], "toolConfig": TOOLS},
        [("converse.model-no-tools", "error", "toolConfig")],
    ),
    (
        "amazon.titan-text-premier-v1:0",
        {"messages": [USER], "toolConfig": TOOLS},
        [("converse.model-no-tools", "error", "toolConfig")],
    ),
    # The same requests without tools, and tools where the table says yes: no finding.
    ("us.deepseek.r1-v1:0", {"messages": [USER]}, []),
    ("us.amazon.nova-pro-v1:0", {"messages": [USER], "toolConfig": TOOLS}, []),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", {"messages": [USER], "toolConfig": TOOLS}, []),
    ("meta.llama3-1-70b-instruct-v1:0", {"messages": [USER], "toolConfig": TOOLS}, []),
]


@pytest.mark.parametrize(
    ("model", "body", "expected"), RULE_CASES, ids=[f"{m}-{len(e)}" for m, _, e in RULE_CASES]
)
def test_converse_tools_judged_by_the_table(
    model: str, body: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    analysis = analyse_request(json.dumps(body), RUNTIME.format(quote(model, safe="")))
    assert not analysis.internal_errors, analysis.internal_errors
    assert [(f.rule, f.severity.value, f.location) for f in analysis.findings] == expected


SYSTEM: list[dict[str, Any]] = [{"text": "Answer in one sentence."}]
IMAGE_TURN: dict[str, Any] = {
    "role": "user",
    "content": [
        {"text": "Describe the image in detail."},
        {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
    ],
}

SYSTEM_CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, str]]]] = [
    # The table's system-prompts column is No: Titan (by id, inference profile and ARN), Cohere Command.
    (
        "amazon.titan-text-express-v1",
        {"system": SYSTEM, "messages": [USER]},
        [("converse.model-no-system", "error", "system")],
    ),
    (
        "amazon.titan-text-premier-v1:0",
        {"system": SYSTEM, "messages": [USER]},
        [("converse.model-no-system", "error", "system")],
    ),
    (
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-lite-v1",
        {"system": SYSTEM, "messages": [USER]},
        [("converse.model-no-system", "error", "system")],
    ),
    (
        "cohere.command-text-v14",
        {"system": SYSTEM, "messages": [USER]},
        [("converse.model-no-system", "error", "system")],
    ),
    # No system prompt, or an empty list: nothing to refuse.
    ("amazon.titan-text-express-v1", {"messages": [USER]}, []),
    ("amazon.titan-text-express-v1", {"system": [], "messages": [USER]}, []),
    # The column says Yes: Nova, Claude, Jamba 1.5.
    ("us.amazon.nova-micro-v1:0", {"system": SYSTEM, "messages": [USER]}, []),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", {"system": SYSTEM, "messages": [USER]}, []),
    ("ai21.jamba-1-5-mini-v1:0", {"system": SYSTEM, "messages": [USER]}, []),
    # A thread fact silent on the column (DeepSeek R1) and models the table as read does not list
    # (Mistral 7B, Llama 3.1, Command R+): never flagged from the table's silence.
    ("us.deepseek.r1-v1:0", {"system": SYSTEM, "messages": [USER]}, []),
    ("mistral.mistral-7b-instruct-v0:2", {"system": SYSTEM, "messages": [USER]}, []),
    ("meta.llama3-1-8b-instruct-v1:0", {"system": SYSTEM, "messages": [USER]}, []),
    ("cohere.command-r-plus-v1:0", {"system": SYSTEM, "messages": [USER]}, []),
    # The vision column, read the same way (converse.model-no-vision): No for Claude 3.5 Haiku (vercel/ai#4770's
    # Converse call; amazon-bedrock-samples#608's refusal) and Nova Micro; Yes for Nova Lite and Claude 3; the
    # unlisted Llama 3.2 11B Vision is never flagged from the table's silence.
    (
        "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        {"messages": [IMAGE_TURN]},
        [("converse.model-no-vision", "error", "messages[0].content[1].image")],
    ),
    (
        "us.amazon.nova-micro-v1:0",
        {"messages": [IMAGE_TURN, {"role": "assistant", "content": [{"text": "A cat."}]}, IMAGE_TURN]},
        [("converse.model-no-vision", "error", "messages[0].content[1].image")],
    ),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", {"messages": [USER]}, []),
    ("us.amazon.nova-lite-v1:0", {"messages": [IMAGE_TURN]}, []),
    ("anthropic.claude-3-haiku-20240307-v1:0", {"messages": [IMAGE_TURN]}, []),
    ("us.meta.llama3-2-11b-instruct-v1:0", {"messages": [IMAGE_TURN]}, []),
]


@pytest.mark.parametrize(
    ("model", "body", "expected"),
    SYSTEM_CASES,
    ids=[f"{m}-{'system' in b and bool(b['system'])}" for m, b, _ in SYSTEM_CASES],
)
def test_converse_system_judged_by_the_table(
    model: str, body: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    analysis = analyse_request(json.dumps(body), RUNTIME.format(quote(model, safe="")))
    assert not analysis.internal_errors, analysis.internal_errors
    assert [(f.rule, f.severity.value, f.location) for f in analysis.findings] == expected


def test_system_finding_names_the_row_and_bedrocks_text() -> None:
    analysis = analyse_request(
        json.dumps({"system": SYSTEM, "messages": [USER]}),
        RUNTIME.format(quote("amazon.titan-text-express-v1", safe="")),
    )
    (finding,) = analysis.findings
    assert "Bedrock's Converse feature table: Amazon Titan models" in finding.message
    assert "doesn't support system messages" in finding.message


def test_the_finding_names_the_table_row() -> None:
    analysis = analyse_request(
        json.dumps({"messages": [USER], "toolConfig": TOOLS}),
        RUNTIME.format(quote("us.deepseek.r1-v1:0", safe="")),
    )
    (finding,) = analysis.findings
    assert "Bedrock's Converse feature table: DeepSeek-R1" in finding.message


def test_shipped_table_is_rebuilt_offline_from_the_saved_text(tmp_path: Path) -> None:
    meta = bedrock_meta()
    out = tmp_path / "bedrock_converse.json"
    ref = meta["sources"][0]["ref"]
    assert (
        _script().main(
            [
                "--bedrock-table",
                str(TABLE),
                "--bedrock-ref",
                ref,
                "--bedrock-out",
                str(out),
                "--date",
                meta["generated"],
            ]
        )
        == 0
    )
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert meta["generated"] == "2026-12-01"
    assert meta["sources"][0]["url"].startswith("https://docs.aws.amazon.com/bedrock/")


def test_unknown_rows_are_skipped_never_guessed(tmp_path: Path) -> None:
    table = tmp_path / "t.txt"
    table.write_text(
        "Model | Converse | ConverseStream | System prompts | Document chat | Vision | Tool use | Streaming tool use |\n"
        "---|---|---|---|---|---|---|---|\n"
        "Amazon Nova Micro | Yes | Yes | Yes | No | No | Yes | Yes |\n"
        "Some Future Model | Yes | Yes | Yes | Yes | Yes | No | No |\n",
        encoding="utf-8",
    )
    rows, unknown = _script().read_bedrock_table(table)
    assert rows == [
        {
            "label": "Amazon Nova Micro",
            "ids": r"amazon\.nova-micro",
            "converse": True,
            "converse_stream": True,
            "system_prompts": True,
            "document_chat": False,
            "vision": False,
            "tool_use": True,
            "streaming_tool_use": True,
            "source": _script().BEDROCK_TABLE_URL,
        }
    ]
    assert unknown == ["Some Future Model"]


def test_no_source_is_a_corpus_or_probe_thread() -> None:
    """Facts are grounded outside the measured rows (a probe or corpus thread would grade itself)."""
    corpus = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "data" / "corpus").glob("*.jsonl")
    )
    urls = [source["url"] for source in bedrock_meta()["sources"]]
    assert len(urls) == 4
    assert [url for url in urls if url in corpus] == []
