"""The "rejected by every known engine" policy (issue 9, session 19): a spec violation every
OpenAI-compatible engine with evidence refuses is an error on a host toolguard cannot name too, and a
form one engine takes stays a warning there, saying which engine.

Real request shapes sent to an unrecognised host (``generic``) and to the servers whose code the
evidence cites; the whole finding row is compared, with the sentence a warning gives for its doubt."""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import analyse

from toolguard_core.rules import RULES
from toolguard_core.rules.anthropic import BLOCK_TYPES
from toolguard_core.rules.content import ENGINE_PART_TYPES, MESSAGES_API_BLOCKS
from toolguard_core.rules.registry import EVERY_KNOWN_ENGINE, GROUPS, UNCERTAIN_NOTE

E, W = "error", "warning"
CALL = {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
USER = {"role": "user", "content": "List the files."}

#: The engines and gateways each evidence table speaks for (a cell each: refuses, takes, or no evidence).
EVIDENCE_NAMES = ("vLLM", "SGLang", "llama-server", "Ollama", "TGI", "mlx_lm.server", "LM Studio", "LiteLLM")


def rows(provider: str, body: dict[str, Any], rule: str) -> list[tuple[str, str, str, str]]:
    """(rule, severity, location, why it stays a warning or "") of ``rule``'s findings."""
    out = []
    for f in analyse(provider, body).findings:
        if f.rule != rule:
            continue
        why = f.message.split(UNCERTAIN_NOTE, 1)[1].removesuffix(".)") if UNCERTAIN_NOTE in f.message else ""
        out.append((f.rule, str(f.severity), f.location, why))
    return out


def calls_as_text(content: Any) -> dict[str, Any]:
    """A replayed assistant turn whose tool_calls were sent as their JSON text."""
    return {
        "model": "qwen3-coder",
        "messages": [
            USER,
            {"role": "assistant", "content": content, "tool_calls": '[{"id": "call_1"}]'},
            USER,
        ],
    }


def with_part(part: Any, *, role: str = "user", calls: bool = False) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role, "content": [part]}
    if calls:
        message["tool_calls"] = [CALL]
    messages = [USER, message] if role == "assistant" else [message]
    if calls:
        messages.append({"role": "tool", "tool_call_id": "call_1", "content": "README.md"})
    return {"model": "qwen3-coder", "messages": messages}


TGI_TAKES_BY_CONTENT = "TGI takes a message that has content by its content and ignores its tool_calls"
TGI_TAKES_BY_CALLS = "TGI takes a message that carries tool_calls by them and leaves its content unread"
NOT_ARRAY, PART = "shape.tool-calls-not-array", "content.invalid-part"
TOOL_RESULT = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "README.md"}
CLAUDE_IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}}

CASES = [
    # tool_calls sent as a string: every engine refuses it when the message has no content ...
    (
        "calls-text-no-content-unknown-host",
        "generic",
        calls_as_text(None),
        NOT_ARRAY,
        [(E, "messages[1].tool_calls", "")],
    ),
    (
        "calls-text-no-content-sglang",
        "sglang",
        calls_as_text(None),
        NOT_ARRAY,
        [(E, "messages[1].tool_calls", "")],
    ),
    (
        "calls-text-no-content-llama-cpp",
        "llama.cpp",
        calls_as_text(None),
        NOT_ARRAY,
        [(E, "messages[1].tool_calls", "")],
    ),
    (
        "calls-text-no-content-ollama",
        "ollama",
        calls_as_text(None),
        NOT_ARRAY,
        [(E, "messages[1].tool_calls", "")],
    ),
    ("calls-text-no-content-tgi", "tgi", calls_as_text(None), NOT_ARRAY, [(W, "messages[1].tool_calls", "")]),
    # ... while TGI reads a message that has content by it, so there it stays a warning, saying why.
    (
        "calls-text-with-content-unknown-host",
        "generic",
        calls_as_text("Listing."),
        NOT_ARRAY,
        [(W, "messages[1].tool_calls", TGI_TAKES_BY_CONTENT)],
    ),
    (
        "calls-text-with-content-vllm",
        "vllm",
        calls_as_text("Listing."),
        NOT_ARRAY,
        [(E, "messages[1].tool_calls", "")],
    ),
    # An Anthropic block in an OpenAI-format message: every engine refuses it ...
    (
        "tool-result-block-unknown-host",
        "generic",
        with_part(TOOL_RESULT),
        PART,
        [(E, "messages[0].content[0].type", "")],
    ),
    (
        "claude-image-unknown-host",
        "generic",
        with_part(CLAUDE_IMAGE),
        PART,
        [(E, "messages[0].content[0].type", "")],
    ),
    (
        "tool-result-block-sglang",
        "sglang",
        with_part(TOOL_RESULT),
        PART,
        [(E, "messages[0].content[0].type", "")],
    ),
    (
        "tool-result-block-ollama",
        "ollama",
        with_part(TOOL_RESULT),
        PART,
        [(E, "messages[0].content[0].type", "")],
    ),
    # ... except TGI when the message carries tool_calls (its content is not read there).
    (
        "block-beside-calls-unknown-host",
        "generic",
        with_part(TOOL_RESULT, role="assistant", calls=True),
        PART,
        [(W, "messages[1].content[0].type", TGI_TAKES_BY_CALLS)],
    ),
    ("block-beside-calls-tgi", "tgi", with_part(TOOL_RESULT, role="assistant", calls=True), PART, []),
    # A part some engine takes stays a warning on an unrecognised host, naming the engine.
    (
        "video-url-unknown-host",
        "generic",
        with_part({"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}}),
        PART,
        [(W, "messages[0].content[0].type", "vLLM, SGLang take `video_url` parts")],
    ),
    (
        "plain-string-part-unknown-host",
        "generic",
        with_part("List the files."),
        PART,
        [(W, "messages[0].content[0]", "vLLM reads a plain string in a content array as text")],
    ),
    (
        "untyped-part-unknown-host",
        "generic",
        with_part({"image_url": {"url": "https://example.com/cat.png"}}),
        PART,
        [
            (
                W,
                "messages[0].content[0].type",
                "vLLM reads a part without `type` by its keys (image_url, audio_url, ...)",
            )
        ],
    ),
    # An `image` without Anthropic's `source` is another vendor's shape: not known to be refused everywhere.
    (
        "bare-image-unknown-host",
        "generic",
        with_part({"type": "image", "image": "https://example.com/cat.png"}),
        PART,
        [
            (
                W,
                "messages[0].content[0].type",
                "no engine toolguard knows takes `image` parts, but only Anthropic Messages blocks are known to be "
                "refused by every engine",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("provider", "body", "rule", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_every_known_engine_level(
    provider: str, body: dict[str, Any], rule: str, expected: list[tuple[str, str, str]]
) -> None:
    assert rows(provider, body, rule) == [(rule, *row) for row in expected]


def test_a_known_model_on_an_unknown_host_is_still_judged_by_its_vendor() -> None:
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": [{"type": "video_url", "video_url": {"url": "x"}}]}],
    }
    assert [(r, s, loc, why) for r, s, loc, why in rows("generic", body, PART)] == [
        (PART, E, "messages[0].content[0].type", "")
    ]


NAMED = sorted(rule.id for rule in RULES.values() if rule.policy.every_known_engine)


def test_the_policy_names_the_rules_this_pass_declared() -> None:
    assert NAMED == ["content.invalid-part", "shape.tool-calls-not-array"]


@pytest.mark.parametrize("rule_id", NAMED)
def test_a_rule_under_the_policy_carries_its_evidence(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.policy.condition("generic").startswith(f"{EVERY_KNOWN_ENGINE}: ")
    # No self-hosted engine is declared to accept it (a silent level): the policy would not hold.
    assert [
        pid
        for pid in sorted(GROUPS["self-hosted"])
        if rule.policy.declares(pid) and rule.policy.level(pid) is None
    ] == []
    # The evidence table is in the notes: a cell for every engine and gateway it speaks for.
    assert [name for name in EVIDENCE_NAMES if name not in rule.notes] == []


def test_the_anthropic_blocks_are_anthropic_s_and_no_engine_takes_them() -> None:
    assert MESSAGES_API_BLOCKS <= BLOCK_TYPES
    assert MESSAGES_API_BLOCKS.isdisjoint(ENGINE_PART_TYPES)
