"""A nested location the answer names confirms or contradicts a finding (issue #10, precision pass
2): an answer naming ``messages.0.user.name`` credits the finding at ``messages[0].name`` (not the
first finding of the flow), an answer naming ``tools[0].function.name`` credits the finding inside
``tools[0]``, and an answer naming a message leaves a finding about a top-level parameter
unconfirmed. A message index is never compared with another message's (providers count messages
differently). Real bodies with their sources; whole judgements asserted."""

from __future__ import annotations

import pytest

from toolguard_core.causes import recognise_error
from toolguard_core.upstream_errors import parse_error
from toolguard_core.verdict import judge, named_item

# https://github.com/vllm-project/vllm/issues/12864 (vLLM's pydantic schema refuses a message's name)
VLLM_MESSAGE_NAME = (
    "1 validation error for ChatCompletionRequest messages.0.user.name   Extra inputs are not permitted "
    "[type=extra_forbidden, input_value='bob', input_type=str]     For further information visit "
    "https://errors.pydantic.dev/2"
)
# https://github.com/coinbase/agentkit/pull/217 (OpenAI refuses a tool's name)
OPENAI_TOOL_NAME = (
    "Error: 400 Invalid 'tools[0].function.name': string does not match pattern. Expected a string that "
    "matches the pattern '^[a-zA-Z0-9_-]+$'."
)

# (case, text, provider, findings as (rule, location), (decision, credited rule))
CASES = [
    (
        "a message's field: the finding inside that message is credited, not the flow's first",
        VLLM_MESSAGE_NAME,
        "vllm",
        [("content.empty-text", "messages[2].content"), ("messages.name-pattern", "messages[0].name")],
        ("names-a-finding", "messages.name-pattern"),
    ),
    (
        "a message's field on a request flagged only for top-level parameters: unconfirmed",
        VLLM_MESSAGE_NAME,
        "vllm",
        [("params.temperature-range", "temperature")],
        ("names-another-field", None),
    ),
    (
        # negative: another message's index is not compared (Anthropic counts without the system prompt)
        "a message's field on a request flagged at another message: may be what was flagged",
        VLLM_MESSAGE_NAME,
        "vllm",
        [("content.empty-text", "messages[2].content")],
        ("unspecific", "content.empty-text"),
    ),
    (
        "a tool by index: the finding inside that tool is credited",
        OPENAI_TOOL_NAME,
        "openai",
        [
            ("tools.description-too-long", "tools[3].function.description"),
            ("tools.schema-type-missing", "tools[0].function.parameters"),
        ],
        ("names-a-finding", "tools.schema-type-missing"),
    ),
    (
        # negative: a tool at another index is still about `tools` (the top-level key decides, as before)
        "a tool by index on a request flagged at another tool: the tools finding",
        OPENAI_TOOL_NAME,
        "openai",
        [("tools.description-too-long", "tools[3].function.description")],
        ("names-a-finding", "tools.description-too-long"),
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "provider", "findings", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_a_named_item_confirms_or_contradicts(
    case: str,
    text: str,
    provider: str,
    findings: list[tuple[str, str]],
    expected: tuple[str, str | None],
) -> None:
    rules = [rule for rule, _ in findings]
    error = parse_error(text, status=400)
    found = recognise_error(error, provider=provider, finding_rules=rules, status=400)
    assert found is not None
    judgement = judge(rules, found.summary(), error.effective_message, locations=[loc for _, loc in findings])
    assert judgement is not None
    assert (judgement.decision.id, judgement.rule) == expected, case


@pytest.mark.parametrize(
    ("values", "item"),
    [
        ({"path": "messages.0.user.name", "field": "name"}, ("messages", 0)),
        ({"field": "tools[0].function.name"}, ("tools", 0)),
        ({"field": "messages[12].content[0].image_url.url"}, ("messages", 12)),
        ({"field": "input[101].content[1].image_url"}, ("input", 101)),
        # not an item by index: a top-level key, a container without index, a nested key's digits
        ({"param": "max_tokens"}, None),
        ({"field": "tools.function.parameters"}, None),
        ({"field": "messages.content.type"}, None),
        ({"field": "messages2.0"}, None),
    ],
)
def test_named_item(values: dict[str, str], item: tuple[str, int] | None) -> None:
    assert named_item({"cause": "cause.x", "values": values}) == item
