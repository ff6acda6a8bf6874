"""Issue #10, round 20 (docs/errors.md "Generalisation", "Round 20"): readings by mechanism. The
leave-one-out score (``scripts/eval_causes.py --leave-one-out``) listed the development and probe rows
only their own thread's sentence named; sorted by what the text does, the mechanisms that cover rows of
several providers got one reading each that needs no provider's wording (roles stated out of order, the
conversation said absent, a bound stated with its field, a pattern fault at a tool-use id, a part said
empty at its path, a capability stated for the model, where the conversation must end). Each reading is
sourced from a development thread or a thread no corpus row comes from, so a probe text stays unseen.

The first table runs each reading ALONE (the structural tier, no catalogue sentence) on real texts of
other providers than its source: what the reading itself generalises to. The second runs the live path
on the round-20 probe texts. The neighbours are real texts each reading must leave alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.recognition import assert_neighbour_cause, recognise, whole_recognition

from toolguard_core.causes import CAUSES_BY_ID, LABEL_CONVENTIONS, STRUCTURAL, _recognise_structural

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"

#: (where the text is from, the text, the cause the round-20 readings alone give it, its rule or None).
ALONE: list[tuple[str, str, str, str | None]] = [
    # Roles out of order, stated as the position a role should hold.
    (
        "https://github.com/captain-wangrun-cn/nonebot-plugin-aitalk/issues/19",
        "Message format error, the role of index[1] should be [user] but is assistant",
        "cause.role-order",
        "roles.alternation",
    ),
    (
        "https://github.com/songquanpeng/one-api/issues/2096",
        "400: role参数错误，user后应为assistant (request id: 2025021416115438900747336319166)",
        "cause.role-order",
        "roles.alternation",
    ),
    (
        "https://github.com/serac-labs/serac/issues/53",
        "After the (optional) system message(s), user or tool message(s) should alternate with assistant message(s).",
        "cause.role-order",
        "roles.alternation",
    ),
    (
        "https://github.com/langgenius/dify/issues/9294",
        "ValidationException: A conversation must alternate between user and assistant roles.",
        "cause.role-order",
        "roles.alternation",
    ),
    # The conversation said to be absent.
    (
        "https://github.com/fr0ster/llm-agent/issues/1",
        '"Either a prompt template or messages must be defined"',
        "cause.messages-missing",
        "messages.missing",
    ),
    (
        "https://github.com/QuantumNous/new-api/issues/6773",
        "field messages is required",
        "cause.messages-missing",
        None,
    ),
    (
        "https://github.com/langchain-ai/langchain/issues/31657",
        "messages: at least one message is required",
        "cause.messages-missing",
        None,
    ),
    # A bound stated with its field.
    (
        "https://github.com/skapadia3214/groq-moa/issues/8",
        "max_tokens for `llama-3.1-8b-instant` must be less than or equal to 8000",
        "cause.max-tokens-too-large",
        None,
    ),
    (
        "https://github.com/HunorLaczko/ha-groq-cloud-api/issues/25",
        "'tools' : maximum number of items is 128",
        "cause.tool-schema-invalid",
        "tools.too-many",
    ),
    (
        "https://github.com/vllm-project/vllm/issues/13397",
        "At most 1 image(s) may be provided in one request.",
        "cause.too-many-images",
        None,
    ),
    (
        "https://github.com/oobabooga/textgen/issues/7257",
        "the request exceeds the available context size. try increasing the context size or enable context shift",
        "cause.context-length-exceeded",
        None,
    ),
    # A tool-use id refused by its pattern, at any block kind.
    (
        "https://github.com/Wei-Shaw/sub2api/issues/1308",
        "upstream error: 400 message=messages.1.content.2.server_tool_use.id: String should match pattern "
        "'^srvtoolu_[a-zA-Z0-9_]+$'",
        "cause.tool-call-id-invalid",
        None,
    ),
    # A part said empty at its path.
    (
        "https://github.com/deer-flow/llm-space/issues/160",
        "The request failed because it is missing `input.content.text' parameter.",
        "cause.empty-content",
        None,
    ),
    # A capability stated for the model.
    (
        "https://github.com/aaif-goose/goose/issues/6690",
        "Request failed: Bad request (400): model does not support tools.",
        "cause.model-no-tools",
        None,
    ),
    (
        "https://github.com/justlovemaki/AIClient2API/issues/632",
        '{"detail":"System messages are not allowed"}',
        "cause.model-no-system-role",
        "roles.system-unsupported",
    ),
    (
        "https://github.com/ollama/ollama/issues/11439",
        "registry.ollama.ai/library/test-deepseekr1:7b does not support thinking",
        "cause.reasoning-effort-unsupported",
        "params.reasoning-effort-value",
    ),
    # Where the conversation must end.
    (
        "https://github.com/0xPlaygrounds/rig/pull/1130",
        "Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant",
        "cause.last-message-assistant",
        "roles.trailing-assistant-messages",
    ),
    # A function declaration's schema fault, any fault.
    (
        "https://github.com/smallmain/vscode-unify-chat-provider/issues/77",
        "Unable to submit request because `edit_notebook_file` functionDeclaration `parameters.newCode` schema "
        "specified incorrect schema type field. For schema with items, schema type should be ARRAY.",
        "cause.tool-schema-invalid",
        "tools.invalid-definition",
    ),
    (
        "https://github.com/fwdai/reticle/issues/7",
        "`temperature` and `top_p` cannot both be specified for this model. Please use only one.",
        "cause.temperature-with-top-p",
        None,
    ),
    (
        "https://github.com/i-am-bee/beeai-framework/issues/752",
        "'messages.0' : for 'role:system' the following must be satisfied[('messages.0.content' : value must be a "
        "string)]",
        "cause.content-array-unsupported",
        None,
    ),
]


@pytest.mark.parametrize(("source", "text", "cause", "rule"), ALONE, ids=[row[0] for row in ALONE])
def test_a_round_twenty_reading_alone_names_another_providers_text(
    source: str, text: str, cause: str, rule: str | None
) -> None:
    found = _recognise_structural(text, None, (), fallback_param=None)
    assert found is not None, source
    assert found.cause_id == cause, (source, found.cause_id)
    if rule is not None:
        assert found.rule_id == rule, (source, found.rule_id)


def test_no_round_twenty_reading_cites_a_probe_thread() -> None:
    """A reading written from a probe text would make it seen: every source is a development thread, a
    document or a thread no corpus row comes from (the same invariant ``test_eval_causes`` keeps for all
    rounds, checked here for the sources this round added)."""
    start = next(i for i, (_, w) in enumerate(STRUCTURAL) if "NextChat/issues/6343" in w.source)
    probe = {
        json.loads(line)["source"].lower().rstrip("/")
        for line in (CORPUS / "probe-causes.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    added = STRUCTURAL[start:]
    assert len(added) >= 12
    assert [w.source for _, w in added if w.source.lower().rstrip("/") in probe] == []


#: The round-20 probe texts the live path names (probe-t*): (id, status, body, whole recognition).
def _probe_rows() -> list[dict[str, object]]:
    rows = [
        json.loads(line)
        for line in (CORPUS / "probe-causes.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [row for row in rows if row.get("round") == 20]


def test_the_round_twenty_probe_is_twenty_six_texts_from_twenty_six_threads() -> None:
    rows = _probe_rows()
    assert len(rows) == 26
    assert len({row["source"] for row in rows}) == 26
    assert all(str(row["id"]).startswith("probe-t") for row in rows)


@pytest.mark.parametrize(
    ("probe_id", "cause", "rule"),
    [
        ("probe-t007", "cause.messages-missing", "messages.missing"),
        ("probe-t012", "cause.role-order", "roles.alternation"),
        ("probe-t015", "cause.role-order", "roles.alternation"),
        ("probe-t016", "cause.empty-content", None),
        ("probe-t019", "cause.tool-schema-invalid", "tools.too-many"),
        ("probe-t022", "cause.tool-call-id-invalid", None),
        ("probe-t005", "cause.tool-schema-invalid", "tools.invalid-definition"),
    ],
)
def test_a_round_twenty_probe_text_is_named_on_the_live_path(
    probe_id: str, cause: str, rule: str | None
) -> None:
    row = next(r for r in _probe_rows() if r["id"] == probe_id)
    status = row["status"] if isinstance(row["status"], int) else None
    whole = whole_recognition(str(row["body"]), status)
    assert whole is not None, probe_id
    assert (whole[0], whole[1]) == (cause, rule), (probe_id, whole)


#: Real texts each reading must leave alone: (source, status, body, what it names: a cause, None, or
#: "not <cause>").
NEIGHBOURS: list[tuple[str, int | None, str, str | None]] = [
    # An invalid role value, not an order.
    (
        "https://github.com/the-open-agent/openagent/issues/1666",
        400,
        "Error 400,Message: Please use a valid role:user, model., Status:INVALID ARGUMENT",
        "not cause.role-order",
    ),
    # An empty message inside the conversation: empty content, not an absent conversation.
    (
        "https://github.com/XiaomiMiMo/MiMo-Code/issues/1500",
        400,
        '{"error":{"message":"messages.15: all messages must have non-empty content","type":"invalid_request_error"}}',
        "not cause.messages-missing",
    ),
    # A lower bound on max_tokens: not too large.
    (
        "https://github.com/chatchat-space/Langchain-Chatchat/issues/2065",
        400,
        '{"object":"error","message":"0 is less than the minimum of 1 - \'max_tokens\'","code":40302}',
        "not cause.max-tokens-too-large",
    ),
    # The output budget over its limit is not the context window.
    (
        "https://github.com/AQBot-Desktop/AQBot/issues/93",
        400,
        '{"error":{"message":"Param Incorrect","type":"upstream_error","param":"max_tokens is too large: 1048576. '
        'This model supports at most 131072 completion tokens, whereas you provided 1048576.","code":"400"}}',
        "cause.max-tokens-too-large",
    ),
    # A tool's name refused by its pattern: a name, not a tool-use id.
    (
        "https://github.com/apify/tester-mcp-client/issues/11",
        400,
        '{"type":"error","error":{"type":"invalid_request_error","message":"tools.7.custom.name: String should match '
        "pattern '^[a-zA-Z0-9_-]{1,64}$'\"}}",
        "cause.tool-name-invalid",
    ),
    # parallel_tool_calls without tools: not a model without tools.
    (
        "https://github.com/Upsonic/Upsonic/issues/323",
        400,
        "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
        "not cause.model-no-tools",
    ),
    # A qualified thinking ("adaptive thinking") refuses a value of thinking.type, not thinking.
    (
        "https://github.com/lidge-jun/opencodex/pull/65",
        400,
        "adaptive thinking is not supported on this model",
        "not cause.reasoning-effort-unsupported",
    ),
    # A sampling value refused alone is not the pair refused together.
    (
        "https://github.com/microsoft/vscode/issues/254675",
        400,
        '{ "error": { "message": "Unsupported value: \'temperature\' does not support 0.1 with this model. Only the '
        'default (1) value is supported.", "type": "invalid_request_error", "param": "temperature", "code": '
        '"unsupported_value" } }',
        "not cause.temperature-with-top-p",
    ),
    # An unknown message key in Groq's validator words: an extra field, not a content array.
    (
        "https://github.com/ServiceStack/llms/issues/17",
        400,
        "Error: 'messages.0' : for 'role:user' the following must be satisfied[('messages.0' : property 'timestamp' "
        "is unsupported)]",
        "not cause.content-array-unsupported",
    ),
    # A tools description over its length: its own rule, not the tools count.
    (
        "https://github.com/nanbingxyz/5ire/issues/33",
        400,
        "Invalid 'tools[6].function.description': string too long. Expected a string with maximum length 1024, but "
        "got a string with length 2780 instead.",
        "cause.tool-schema-invalid",
    ),
]


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"), NEIGHBOURS, ids=[row[0] for row in NEIGHBOURS]
)
def test_the_round_twenty_readings_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


def test_a_tools_description_too_long_keeps_its_own_rule() -> None:
    found = recognise(NEIGHBOURS[-1][2], 400)
    assert found is not None and found.rule_id == "tools.description-too-long"


def test_a_retired_label_is_no_cause_and_its_replacement_is() -> None:
    assert LABEL_CONVENTIONS
    for retired, used, why in LABEL_CONVENTIONS:
        assert retired not in CAUSES_BY_ID
        assert used in CAUSES_BY_ID
        assert why


def test_no_development_or_probe_row_carries_a_retired_label() -> None:
    retired = {label for label, _, _ in LABEL_CONVENTIONS}
    found = []
    for path in [*sorted(CORPUS.glob("failures-*.jsonl")), CORPUS / "probe-causes.jsonl"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not re.search(r'"split"\s*:\s*"(?:dev|probe)"', line):  # held-out rows are never decoded
                continue
            row = json.loads(line)
            if row["root_cause"] in retired:
                found.append(row["id"])
    assert found == []
