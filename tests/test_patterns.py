"""Which rule explains an upstream error: the finding on the flow, then known provider wordings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolguard_analysis.fingerprint import fingerprint
from toolguard_analysis.patterns import EXTRA_WORDINGS, explain, known_wordings, rules_for_text, vote
from toolguard_core.rules import RULES

CORPUS = json.loads((Path(__file__).parent / "data" / "error_corpus.json").read_text())["entries"]
SEQUENCE_LABELS = ("sequence.orphan-tool-message", "sequence.unanswered-tool-call")


@pytest.mark.parametrize(
    "entry",
    [e for e in CORPUS if e["label"] in SEQUENCE_LABELS],
    ids=lambda e: f"{e['provider']}:{e['source'].rsplit('/', 3)[-3]}",
)
def test_real_sequence_errors_map_to_their_rule_without_a_finding(entry: dict) -> None:
    # OpenAI's, DeepSeek's, Azure's and DashScope's wordings, as captured without any toolguard finding.
    assert explain(entry["message"]) == entry["label"]


def test_every_predicted_text_of_every_rule_maps_back_to_a_rule_that_predicts_it() -> None:
    for rule in RULES.values():
        for predicted in rule.predicts:
            assert rule.id in rules_for_text(predicted.text), (rule.id, predicted.text)


def test_extra_wordings_are_sourced_and_not_already_known_from_rules() -> None:
    rule_fingerprints = {fingerprint(p.text) for r in RULES.values() for p in r.predicts}
    for wording in EXTRA_WORDINGS:
        assert wording.source.startswith("https://") and wording.rule in RULES
        assert fingerprint(wording.text) not in rule_fingerprints
        assert known_wordings()[fingerprint(wording.text)][0] == wording.rule


def test_shared_wording_prefers_the_rule_the_sentence_names() -> None:
    # OpenAI answers orphan, unknown-id, duplicate and non-adjacent tool messages with one sentence.
    orphan = "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"
    assert rules_for_text(orphan)[0] == "sequence.orphan-tool-message"
    assert explain(orphan) == "sequence.orphan-tool-message"
    # ... but the finding on the flow says which of them it was.
    assert explain(orphan, ["sequence.duplicate-tool-response"]) == "sequence.duplicate-tool-response"


def test_finding_explains_a_wording_no_rule_lists() -> None:
    moonshot_like = "tool_call_id call_x is not found"  # unknown wording, flagged flow
    assert explain(moonshot_like, ["sequence.unknown-tool-call-id"]) == "sequence.unknown-tool-call-id"


def test_upstream_wording_beats_an_unrelated_finding() -> None:
    orphan = "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"
    assert explain(orphan, ["shape.invalid-tool-arguments"]) == "sequence.orphan-tool-message"


@pytest.mark.parametrize(
    "text",
    [
        "HTTP 503 (no error message)",  # the stand-in summary uses for an empty error body
        "",
        None,
    ],
)
def test_unexplained(text: str | None) -> None:
    assert explain(text) is None


def test_vote() -> None:
    assert vote(["a", None, "b", "b"]) == "b"
    assert vote(["b", "a"]) == "a"
    assert vote([None, None]) is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # The real message with a real call id (the fake provider's, as Codex got it over a WebSocket,
        # and an OpenAI-shaped one): the rule quotes the text with a placeholder id, call_XXX.
        ("No tool output found for function call call_tg0002resp.", "responses.unanswered-function-call"),
        (
            "No tool output found for function call call_Fo6YPd3EALEdfPLMbfr4BTKf.",
            "responses.unanswered-function-call",
        ),
        (
            "Invalid 'input[12].id': '0c6a1b52-7f0e-4d8e-9a35-2f8b1f0e9d11'. Expected an ID that begins with 'msg'.",
            "responses.item-id-prefix",
        ),
    ],
)
def test_real_responses_errors_map_to_the_rule_that_predicts_them(text: str, rule: str) -> None:
    assert explain(text) == rule
