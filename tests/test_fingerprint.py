"""Fingerprints over real error texts (tests/data/error_corpus.json, each with its source URL)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from toolguard_analysis.fingerprint import NORMALISER_VERSION, fingerprint, normalise

CORPUS = json.loads((Path(__file__).parent / "data" / "error_corpus.json").read_text())["entries"]


def test_corpus_is_big_and_diverse_enough() -> None:
    assert len(CORPUS) >= 40
    assert len({e["provider"] for e in CORPUS}) >= 6
    for entry in CORPUS:
        assert entry["source"].startswith("https://"), entry
        assert entry["label"] and entry["message"], entry


def _groups() -> dict[tuple[str, str, str], list[dict]]:
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for entry in CORPUS:
        groups[(entry["provider"], entry["label"], entry.get("wording", ""))].append(entry)
    return groups


@pytest.mark.parametrize(
    "key", [k for k, v in _groups().items() if len(v) > 1], ids=lambda k: "/".join(p for p in k if p)
)
def test_same_provider_label_and_wording_share_one_fingerprint(key: tuple[str, str, str]) -> None:
    entries = _groups()[key]
    templates = {normalise(e["message"]) for e in entries}
    assert len(templates) == 1, templates
    assert len({fingerprint(e["message"]) for e in entries}) == 1


def test_different_labels_never_share_a_fingerprint() -> None:
    labels_by_fingerprint: dict[str, set[str]] = defaultdict(set)
    for entry in CORPUS:
        labels_by_fingerprint[fingerprint(entry["message"])].add(entry["label"])
    shared = {fp: labels for fp, labels in labels_by_fingerprint.items() if len(labels) > 1}
    assert shared == {}


def test_the_corpus_exercises_folding() -> None:
    """The corpus must contain groups that only agree after folding, or the test above is vacuous."""
    folded = [k for k, v in _groups().items() if len({e["message"] for e in v}) > 1]
    assert len(folded) >= 10


def test_the_orphan_message_is_one_template_across_openai_deepseek_and_dashscope() -> None:
    texts = [e["message"] for e in CORPUS if e["label"] == "sequence.orphan-tool-message"]
    assert {e["provider"] for e in CORPUS if e["label"] == "sequence.orphan-tool-message"} >= {
        "openai",
        "deepseek",
        "dashscope",
    }
    assert {normalise(t) for t in texts} == {
        "messages with role tool must be a response to a preceding message with tool_calls"
    }


@pytest.mark.parametrize(
    ("text", "template"),
    [
        # relay request-id chains and OpenAI's param-style index
        (
            "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches "
            "the pattern '^[a-zA-Z0-9_-]+$'. (request id: 20250107215942236269603ZbUZlBea) (request id: x)",
            "invalid tools[].function.name: string does not match pattern. expected a string that matches the "
            "pattern <v>",
        ),
        # qwen-code per-turn ids, in a list
        (
            "The following tool_call_ids did not have response messages: run_shell_command:4, read_file:0__qwen_dup_2",
            "the following tool_call_ids did not have response messages: <id>",
        ),
        ("messages.[3].role", "messages[].role"),
        ("messages[3].role", "messages[].role"),
        (
            "'messages.2' : property 'reasoning_content' is unsupported",
            "messages[] : property reasoning_content is unsupported",
        ),
        ("id chatcmpl-c9430ea7-5557-9aa3-b97c-549fb5807715 failed", "id <id> failed"),
        ("Error code: 400 - Unsupported parameter: 'max_tokens'", "unsupported parameter: max_tokens"),
        ("", ""),
    ],
)
def test_normalise_examples(text: str, template: str) -> None:
    assert normalise(text) == template


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported.",
            "Unsupported value: 'reasoning_effort' does not support 'none' with this model.",
        ),
        (
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
            "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
        ),
        (
            "property 'store' is unsupported, did you mean 'stop'?",
            "property 'id' is unsupported, did you mean 'role'?",
        ),
        (
            "Invalid 'tools[0].function.name': string does not match pattern.",
            "Invalid 'messages[9].tool_calls[0].function.name': string does not match pattern.",
        ),
    ],
)
def test_parameter_names_keep_texts_apart(a: str, b: str) -> None:
    assert fingerprint(a) != fingerprint(b)


def test_vllm_echoed_payload_is_folded() -> None:
    # vLLM's pydantic errors echo the offending request part; two requests, one failure.
    first = "[{'type': 'extra_forbidden', 'loc': ('body', 'x'), 'msg': 'Extra inputs are not permitted', 'input': {'a': [1, {'b': 'c)'}]}}]"
    second = "[{'type': 'extra_forbidden', 'loc': ('body', 'x'), 'msg': 'Extra inputs are not permitted', 'input': 'something else'}]"
    assert fingerprint(first) == fingerprint(second)
    assert "'c)'" not in normalise(first)


def test_fingerprint_is_stable_and_versioned() -> None:
    # A fingerprint computed today must match one computed next month for the same text: pin one.
    text = "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"
    assert (
        fingerprint(text)
        == "n2-" + __import__("hashlib").sha256(f"n2\n{normalise(text)}".encode()).hexdigest()[:12]
    )
    assert fingerprint(text) == "n2-5c3f8faf1746"
    assert fingerprint(text).startswith(NORMALISER_VERSION + "-")


def test_bad_input_does_not_crash() -> None:
    assert normalise(None) == ""
    assert fingerprint("x" * 1_000_000).startswith("n2-")
    assert normalise("'input': {unbalanced [") == "input: <v>"


def test_a_lone_surrogate_is_fingerprinted_not_raised() -> None:
    """A JSON or Python-literal error body may decode to a lone surrogate (the upstream-error fuzz test's
    ``{'message':"\\ud800",'':4}``): the parser's id is computed, stable, and tells two texts apart."""
    from toolguard_core.fingerprint import fingerprint as core_fingerprint

    assert core_fingerprint("bad \ud800") == core_fingerprint("bad \ud800") != core_fingerprint("bad \ud801")
