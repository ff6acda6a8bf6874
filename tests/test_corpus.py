"""The labelled failure corpus and the valid-request corpus keep the shape the evaluation reads.

Checked on every line of every ``tests/data/corpus/*.jsonl`` file (and the legacy entries mapped by
``support.corpus``): the fields and their kinds, unique ids, the stored split agreeing with
``split_for``, root-cause labels drawn from the rule catalogue or the ``cause.*`` vocabulary, and no
key-like secret anywhere in a line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from support.corpus import (
    APIS,
    BODY_KINDS,
    CLASSES,
    FAILURE_FIELDS,
    FIDELITIES,
    SPLITS,
    VALID_FIELDS,
    legacy_failures,
    load_failures,
    load_valid,
    read_jsonl,
    split_for,
)

from toolguard_core.rules import RULES

FAILURES = load_failures()
CORPUS_FAILURES = [row for row in FAILURES if not row["id"].startswith("legacy-")]
VALID = load_valid()

CAUSE = re.compile(r"^cause\.[a-z0-9]+(?:-[a-z0-9]+)*$")
URL = re.compile(r"^https?://[^\s#]+$")
# Shapes of real credentials (OpenAI/Anthropic/Groq/xAI/Google/Perplexity/OpenRouter/AWS/GitHub keys and
# bearer tokens). "sk-REDACTED" is the agreed placeholder and matches none of them.
SECRET = re.compile(
    r"sk-(?:proj-|ant-|or-v1-)?[A-Za-z0-9_\-]{20,}"
    r"|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,}|pplx-[A-Za-z0-9]{20,}"
    r"|AIza[0-9A-Za-z_\-]{30,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|Bearer\s+[A-Za-z0-9._\-]{24,}"
)


def _ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row.get("id", "?") for row in rows]


def _optional(value: Any, kind: type | tuple[type, ...]) -> bool:
    return value is None or isinstance(value, kind)


def test_corpus_files_exist_and_are_not_empty() -> None:
    assert CORPUS_FAILURES, "no failures-*.jsonl rows"
    assert VALID, "no valid-*.jsonl rows"


@pytest.mark.parametrize("row", CORPUS_FAILURES, ids=_ids(CORPUS_FAILURES))
def test_failure_row_shape(row: dict[str, Any]) -> None:
    assert tuple(row) == FAILURE_FIELDS
    assert URL.match(row["thread"]), "thread is an http(s) URL without a fragment"
    assert row["source"].startswith("http"), "source is a URL"
    assert row["provider"] and row["provider"] == row["provider"].lower()
    assert _optional(row["via"], str)
    assert row["api"] in APIS
    assert _optional(row["model"], str)
    assert _optional(row["url"], str)
    assert row["status"] is None or (isinstance(row["status"], int) and 100 <= row["status"] <= 599)
    assert isinstance(row["body"], str) and row["body"].strip()
    assert row["body_kind"] in BODY_KINDS
    if row["body_kind"] == "json":
        json.loads(row["body"])
    assert _optional(row["request"], dict)
    if row["request"] is None:
        assert row["request_fidelity"] is None
    else:
        assert row["request_fidelity"] in FIDELITIES
    assert row["class"] in CLASSES
    assert row["root_cause"] in RULES or CAUSE.match(row["root_cause"])
    assert row["split"] == split_for(row["thread"])
    assert _optional(row["notes"], str)


@pytest.mark.parametrize("row", VALID, ids=_ids(VALID))
def test_valid_row_shape(row: dict[str, Any]) -> None:
    assert tuple(row) == VALID_FIELDS
    # A public page, or a body captured from a pinned real client (tests/support/captures.py).
    assert row["source"].startswith(("http", "captured: "))
    assert row["client"] and row["provider"] == row["provider"].lower()
    assert row["api"] in APIS
    assert _optional(row["url"], str)
    assert isinstance(row["request"], dict) and row["request"]
    assert _optional(row["notes"], str)


def test_ids_are_unique() -> None:
    failure_ids = _ids(FAILURES)
    valid_ids = _ids(VALID)
    assert len(failure_ids) == len(set(failure_ids))
    assert len(valid_ids) == len(set(valid_ids))
    assert not set(failure_ids) & set(valid_ids)


def test_legacy_entries_are_mapped_into_dev() -> None:
    legacy = legacy_failures()
    raw = json.loads((Path(__file__).parent / "data" / "error_corpus.json").read_text())["entries"]
    assert len(legacy) == len(raw)
    assert {row["split"] for row in legacy} == {"dev"}
    assert all(tuple(row) == FAILURE_FIELDS and row["class"] in CLASSES for row in legacy)
    assert [row["root_cause"] for row in legacy] == [entry["label"] for entry in raw]


def test_no_corpus_thread_repeats_a_legacy_thread() -> None:
    legacy = {row["thread"].lower().rstrip("/") for row in legacy_failures()}
    repeated = sorted(
        {row["thread"] for row in CORPUS_FAILURES if row["thread"].lower().rstrip("/") in legacy}
    )
    assert repeated == []


@pytest.mark.parametrize(
    ("thread", "expected"),
    [
        # Pinned values, so a change to the hashing (a silent reshuffle of the split) fails here.
        ("https://github.com/perplexityai/api-discussion/issues/265", "dev"),
        ("https://github.com/teilomillet/gollm/issues/33", "heldout"),
    ],
)
def test_split_ignores_case_fragment_and_trailing_slash(thread: str, expected: str) -> None:
    assert expected in SPLITS
    assert split_for(thread) == expected
    assert split_for(thread.upper() + "/#issuecomment-1") == expected
    assert split_for(" " + thread + "/ ") == expected


def test_split_has_both_parts() -> None:
    splits = [row["split"] for row in CORPUS_FAILURES]
    assert {"dev", "heldout"} <= set(splits)
    assert 0.15 < splits.count("heldout") / len(splits) < 0.45


def test_no_secrets_in_any_line() -> None:
    leaks = [
        (row.get("id"), match.group(0)[:12])
        for row in [*CORPUS_FAILURES, *VALID]
        for match in SECRET.finditer(json.dumps(row))
    ]
    assert leaks == []


@pytest.mark.parametrize(
    "text",
    [
        "sk-proj-" + "a1B2" * 8,
        "gsk_" + "x" * 24,
        "AIza" + "Q" * 35,
        "Bearer " + "t0k" * 10,
        "xai-" + "z9" * 15,
    ],
)
def test_secret_pattern_catches_key_shapes(text: str) -> None:
    assert SECRET.search(f"api key {text} here")
    assert not SECRET.search("sk-REDACTED")


def test_read_jsonl_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "failures-x.jsonl"
    path.write_text('{"id": "x-1"}\n\n{not json}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"failures-x\.jsonl:3"):
        read_jsonl(path)
