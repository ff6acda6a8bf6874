"""Anthropic Messages API rules (POST /v1/messages, providers.md §11) over real request shapes.

Each case is a body as a client sends it (Claude Code, the Anthropic SDKs, a chat-to-Anthropic
adapter), the provider it goes to, and the exact (rule, severity, location) findings. Error cases
also name a real provider error text the rule predicts, so a rule cannot lose its grounding silently.
The Claude Code bodies are real captures (tests/data/requests/claude-code-2.1.332-messages-*.json:
a plain two-turn run, and a second turn that replays a signed thinking block).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from support.scripted import Conversation, ToolCall
from support.upstream import Upstream

from toolguard_analysis.patterns import explain
from toolguard_core.analyze import analyse_request
from toolguard_core.request import endpoint_kind
from toolguard_core.rules import RULES

E, W = "error", "warning"
REQUESTS = Path(__file__).parent / "data" / "requests"
CORPUS = json.loads((Path(__file__).parent / "data" / "error_corpus.json").read_text(encoding="utf-8"))[
    "entries"
]
URLS = {
    "anthropic": "https://api.anthropic.com/v1/messages",
    "anthropic-beta": "https://api.anthropic.com/v1/messages?beta=true",
    # The Anthropic-compatible endpoints, as their docs give ANTHROPIC_BASE_URL (+ /v1/messages).
    "deepseek": "https://api.deepseek.com/anthropic/v1/messages",
    "moonshot": "https://api.moonshot.ai/anthropic/v1/messages",
    "zhipu": "https://open.bigmodel.cn/api/anthropic/v1/messages",
    "dashscope": "https://dashscope-intl.aliyuncs.com/apps/anthropic/v1/messages",
    "minimax": "https://api.minimax.io/anthropic/v1/messages",
    "generic": "https://llm-gateway.internal.example/v1/messages",
    # Claude Code's CLAUDE_CODE_USE_BEDROCK / _VERTEX paths (request.anthropic_platform): the model is the path's.
    "bedrock": "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke",
    "bedrock-stream": (
        "https://bedrock-runtime.us-west-2.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-west-2%3A123456789012%3A"
        "inference-profile%2Fus.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream"
    ),
    "bedrock-gateway": "http://litellm.internal.example:4000/bedrock/model/anthropic.claude-3-5-haiku-20241022-v1:0/invoke",
    "vertex": (
        "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/"
        "claude-sonnet-4-5@20250929:streamRawPredict"
    ),
}
BEDROCK_VERSION = {"anthropic_version": "bedrock-2023-05-31"}
VERTEX_VERSION = {"anthropic_version": "vertex-2023-10-16"}
PROVIDER_OF = {"anthropic-beta": "anthropic", "bedrock-stream": "bedrock", "bedrock-gateway": "generic"}


def capture(name: str) -> dict[str, Any]:
    """A Claude Code 2.1.332 capture: ``turn1``, ``turn2`` or ``thinking-turn2``."""
    path = REQUESTS / f"claude-code-2.1.332-messages-{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))["body"]


# Real ids and shapes from the issues the texts come from (claude-code#5060, #5989).
CALL_ID = "toolu_01AbmHJypDhKqBF7NKdRPJ6d"
CALL_ID_2 = "toolu_01SJzDkeAZER935cpGFptTNk"
SIGNATURE = "EqQBCkgIARABGAIiQL0Wd8yMCfO4Kk2Qe1Lr0sM5RUs1YQ2dHj9nN4hNZ0Rk7g=="
TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
USER = {"role": "user", "content": "What is the weather in Kyiv and in Paris?"}
THINKING = {"type": "thinking", "thinking": "Two cities: two calls.", "signature": SIGNATURE}


def call(*ids: str, thinking: bool = False, text: str | None = "Let me check.") -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [THINKING] if thinking else []
    if text is not None:
        blocks.append({"type": "text", "text": text})
    blocks += [{"type": "tool_use", "id": i, "name": "get_weather", "input": {"city": "Kyiv"}} for i in ids]
    return {"role": "assistant", "content": blocks}


def result(tool_use_id: str, content: Any = "18C, sunny", **extra: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": tool_use_id, "content": content, **extra}


def answer(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def req(*messages: dict[str, Any], model: str = "claude-sonnet-4-5", **fields: Any) -> dict[str, Any]:
    # max_tokens above THINK_ON's budget: Anthropic rejects a budget that is not below max_tokens.
    return {"model": model, "max_tokens": 4096, "tools": [TOOL], "messages": list(messages), **fields}


def findings(provider: str, body: dict[str, Any]) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps(body).encode(), URLS[provider])
    assert analysis.target.provider.id == PROVIDER_OF.get(provider, provider), analysis.target.provider.id
    assert analysis.target.endpoint == "messages"
    assert not analysis.internal_errors, analysis.internal_errors
    return [(f.rule, str(f.severity), f.location) for f in analysis.findings]


PNG = {
    "type": "base64",
    "media_type": "image/png",
    "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk",
}
PDF = {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQKJcfsj6IKNSAwIG9iago="}
THINK_ON = {"type": "enabled", "budget_tokens": 2048}

# (id, provider, body, expected findings)
VALID: list[tuple[str, str, dict[str, Any]]] = [
    ("claude-code-turn1", "anthropic-beta", capture("turn1")),
    ("claude-code-turn2-tool-result", "anthropic-beta", capture("turn2")),
    ("claude-code-turn2-replays-signed-thinking", "anthropic-beta", capture("thinking-turn2")),
    ("sdk-simple", "anthropic", {"model": "claude-opus-4-1", "max_tokens": 64, "messages": [USER]}),
    (
        # Anthropic merges consecutive assistant messages too: the call and a trailing text are one turn.
        "assistant-split-over-consecutive-messages",
        "anthropic",
        req(USER, call(CALL_ID), {"role": "assistant", "content": "Checking."}, answer(result(CALL_ID))),
    ),
    (
        "parallel-calls-one-answer-turn",
        "anthropic",
        req(
            USER,
            call(CALL_ID, CALL_ID_2),
            answer(result(CALL_ID), result(CALL_ID_2), {"type": "text", "text": "Go on"}),
        ),
    ),
    (
        # Anthropic merges consecutive same-role messages: results split over two user messages are fine.
        "results-split-over-consecutive-user-messages",
        "anthropic",
        req(USER, call(CALL_ID, CALL_ID_2), answer(result(CALL_ID)), answer(result(CALL_ID_2))),
    ),
    (
        "thinking-tool-loop-replayed-with-signatures",
        "anthropic",
        req(
            USER,
            call(CALL_ID, thinking=True, text=None),
            answer(result(CALL_ID)),
            call(CALL_ID_2, text=None),  # the second step of the loop thinks no more (not interleaved)
            answer(result(CALL_ID_2)),
            thinking=THINK_ON,
        ),
    ),
    (
        "redacted-thinking-first",
        "anthropic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [
                    {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3p"},
                    *call(CALL_ID)["content"],
                ],
            },
            answer(result(CALL_ID)),
            thinking=THINK_ON,
        ),
    ),
    ("assistant-prefill-empty-final", "anthropic", req(USER, {"role": "assistant", "content": ""})),
    ("assistant-prefill-text", "anthropic", req(USER, {"role": "assistant", "content": "The weather is"})),
    (
        "image-and-pdf-and-url",
        "anthropic",
        req(
            answer(
                {"type": "image", "source": PNG},
                {"type": "image", "source": {"type": "url", "url": "https://upload.wikimedia.org/a.jpg"}},
                {"type": "document", "source": PDF},
                {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "notes"}},
                {"type": "text", "text": "Compare these."},
            )
        ),
    ),
    (
        "image-inside-tool-result",
        "anthropic",
        req(USER, call(CALL_ID), answer(result(CALL_ID, [{"type": "image", "source": PNG}]))),
    ),
    (
        "four-cache-breakpoints",
        "anthropic",
        req(
            answer(
                *[
                    {"type": "text", "text": f"Doc {n}", "cache_control": {"type": "ephemeral"}}
                    for n in range(3)
                ]
            ),
            system=[{"type": "text", "text": "Be terse.", "cache_control": {"type": "ephemeral"}}],
        ),
    ),
    ("tool-choice-forms", "anthropic", req(USER, tool_choice={"type": "tool", "name": "get_weather"})),
    ("tool-choice-none", "anthropic", req(USER, tool_choice={"type": "none"})),
    (
        "tool-choice-auto-with-thinking",
        "anthropic",
        req(USER, tool_choice={"type": "auto"}, thinking=THINK_ON),
    ),
    ("tool-name-100-chars-accepted-today", "anthropic", req(USER, tools=[{**TOOL, "name": "t" * 100}])),
    (
        "server-tool-has-no-input-schema",
        "anthropic",
        req(USER, tools=[TOOL, {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]),
    ),
    (
        "temperature-and-top-p-on-claude-4-0",
        "anthropic",
        req(USER, model="claude-sonnet-4-20250514", temperature=0.5, top_p=0.9),
    ),
    ("temperature-one", "anthropic", req(USER, temperature=1)),
    (
        "assistant-first-accepted-by-anthropic",
        "anthropic",
        req({"role": "assistant", "content": "Hi!"}, USER),
    ),
    (
        "deepseek-tool-round-trip",
        "deepseek",
        req(USER, call(CALL_ID), answer(result(CALL_ID)), model="deepseek-v4-pro"),
    ),
    ("moonshot-simple", "moonshot", req(USER, model="kimi-k2.5")),
    ("zhipu-simple", "zhipu", req(USER, model="glm-4.6")),
    ("dashscope-thinking", "dashscope", req(USER, model="qwen-plus", thinking=THINK_ON)),
    ("minimax-simple", "minimax", req(USER, model="MiniMax-M2.1")),
]


@pytest.mark.parametrize(("provider", "body"), [(p, b) for _, p, b in VALID], ids=[c[0] for c in VALID])
def test_valid_bodies_give_no_findings(provider: str, body: dict[str, Any]) -> None:
    assert findings(provider, body) == []


# (id, provider, body, expected findings, a real error text the first finding's rule predicts or None)
CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str]], str | None]] = [
    (
        "unanswered-tool-use",
        "anthropic",
        req(USER, call(CALL_ID), {"role": "user", "content": "Never mind."}),
        [("anthropic.tool-use-without-result", E, "messages[1].content[1].id")],
        "`tool_use` ids were found without `tool_result` blocks immediately after",
    ),
    (
        "one-of-two-parallel-calls-unanswered",
        "anthropic",
        req(USER, call(CALL_ID, CALL_ID_2), answer(result(CALL_ID))),
        [("anthropic.tool-use-without-result", E, "messages[1].content[2].id")],
        None,
    ),
    (
        "request-ends-with-tool-use",
        "anthropic",
        req(USER, call(CALL_ID)),
        [("anthropic.tool-use-without-result", E, "messages[1].content[1].id")],
        None,
    ),
    (
        # The result comes one turn too late: the call is unanswered and the result is an orphan.
        "result-one-turn-late",
        "anthropic",
        req(
            USER,
            call(CALL_ID),
            {"role": "user", "content": "Still there?"},
            {"role": "assistant", "content": "Yes."},
            answer(result(CALL_ID)),
        ),
        [
            ("anthropic.tool-use-without-result", E, "messages[1].content[1].id"),
            ("anthropic.orphan-tool-result", E, "messages[4].content[0].tool_use_id"),
        ],
        None,
    ),
    (
        "orphan-tool-result",
        "anthropic",
        req(USER, {"role": "assistant", "content": "Let me check."}, answer(result(CALL_ID))),
        [("anthropic.orphan-tool-result", E, "messages[2].content[0].tool_use_id")],
        "unexpected `tool_use_id` found in `tool_result` blocks",
    ),
    (
        # Only a system prompt: once it moves to `system`, nothing is left (langgenius/dify#25953).
        "messages-empty",
        "anthropic",
        {"model": "claude-sonnet-4-5", "max_tokens": 1024, "system": "Be brief.", "messages": []},
        [("messages.empty", E, "messages")],
        "messages: at least one message is required",
    ),
    (
        # A property schema given as a bare type name: not JSON Schema (anthropics/claude-code#86664's sentence).
        "input-schema-property-as-type-name",
        "anthropic",
        req(
            USER,
            tools=[
                {
                    "name": "move",
                    "description": "Move to a point.",
                    "input_schema": {
                        "type": "object",
                        "properties": {"x": "number", "y": {"type": "number"}},
                    },
                }
            ],
        ),
        [("anthropic.invalid-input-schema", E, "tools[0].input_schema.properties.x")],
        "It must match JSON Schema draft 2020-12",
    ),
    (
        # Nested too, on an unknown host (a gateway to Anthropic): `required: true` is draft 3's form.
        "input-schema-required-boolean-generic",
        "generic",
        req(
            USER,
            tools=[
                {
                    "name": "search",
                    "input_schema": {
                        "type": "object",
                        "properties": {"filter": {"type": "object", "properties": {}, "required": True}},
                    },
                }
            ],
        ),
        [("anthropic.invalid-input-schema", E, "tools[0].input_schema.properties.filter.required")],
        None,
    ),
    (
        # An array without items is valid JSON Schema: Anthropic takes it (OpenAI's validator does not).
        "input-schema-array-without-items-is-valid",
        "anthropic",
        req(
            USER,
            tools=[
                {
                    "name": "read_files",
                    "input_schema": {"type": "object", "properties": {"paths": {"type": "array"}}},
                }
            ],
        ),
        [],
        None,
    ),
    (
        # Claude Code replayed its advisor server tool's result without the call (anthropics/claude-code#95406).
        "orphan-advisor-tool-result",
        "anthropic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "advisor_tool_result",
                        "tool_use_id": "srvtoolu_01DcAD2oDB6fdQXk4XdWShsW",
                        "content": [],
                    },
                    {"type": "text", "text": "Here is the plan."},
                ],
            },
            {"role": "user", "content": "Go on."},
        ),
        [("anthropic.orphan-server-tool-result", E, "messages[1].content[0].tool_use_id")],
        "Each `advisor_tool_result` block must have a corresponding `server_tool_use` block before it",
    ),
    (
        # The same contract for every server tool's result, on an unknown host (a gateway to Anthropic)...
        "orphan-web-search-result-generic",
        "generic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "server_tool_use",
                        "id": "srvtoolu_A",
                        "name": "web_search",
                        "input": {"query": "x"},
                    },
                    {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_B", "content": []},
                ],
            },
            {"role": "user", "content": "Thanks."},
        ),
        [("anthropic.orphan-server-tool-result", E, "messages[1].content[1].tool_use_id")],
        None,
    ),
    (
        # ...and an MCP connector result answers an mcp_tool_use, not a server_tool_use.
        "mcp-result-answering-a-server-tool-use",
        "anthropic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "server_tool_use",
                        "id": "mcptoolu_1",
                        "name": "web_search",
                        "input": {"query": "x"},
                    },
                    {"type": "mcp_tool_result", "tool_use_id": "mcptoolu_1", "content": []},
                ],
            },
            {"role": "user", "content": "Thanks."},
        ),
        [("anthropic.orphan-server-tool-result", E, "messages[1].content[1].tool_use_id")],
        None,
    ),
    (
        # A call split from its result by a pause_turn continuation (two assistant messages, merged) is paired.
        "server-tool-result-after-pause-turn",
        "anthropic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "server_tool_use",
                        "id": "srvtoolu_A",
                        "name": "web_search",
                        "input": {"query": "x"},
                    }
                ],
            },
            {
                "role": "assistant",
                "content": [
                    {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_A", "content": []},
                    {
                        "type": "mcp_tool_use",
                        "id": "mcptoolu_1",
                        "name": "lookup",
                        "server_name": "kb",
                        "input": {},
                    },
                    {"type": "mcp_tool_result", "tool_use_id": "mcptoolu_1", "content": []},
                    {"type": "text", "text": "Found it."},
                ],
            },
            {"role": "user", "content": "Thanks."},
        ),
        [],
        None,
    ),
    (
        # DeepSeek's Anthropic endpoint runs no Anthropic server tools: what it does with the block is unknown.
        "orphan-server-tool-result-deepseek",
        "deepseek",
        req(
            USER,
            {
                "role": "assistant",
                "content": [{"type": "web_search_tool_result", "tool_use_id": "srvtoolu_B", "content": []}],
            },
            {"role": "user", "content": "Thanks."},
        ),
        [("anthropic.orphan-server-tool-result", W, "messages[1].content[0].tool_use_id")],
        None,
    ),
    (
        "duplicate-tool-result",
        "anthropic",
        req(USER, call(CALL_ID), answer(result(CALL_ID), result(CALL_ID, "again"))),
        [("anthropic.duplicate-tool-result", E, "messages[2].content[1].tool_use_id")],
        "each tool_use must have a single result",
    ),
    (
        # Kimi numbers calls per turn (`functions.bash:0` every time): replayed to Claude, the id repeats
        # across turns (anomalyco/opencode#1279). Anthropic names the later block.
        "tool-use-id-repeated-across-turns",
        "anthropic",
        req(USER, call(CALL_ID), answer(result(CALL_ID)), call(CALL_ID, text=None), answer(result(CALL_ID))),
        [("anthropic.duplicate-tool-use-id", E, "messages[3].content[0].id")],
        "`tool_use` ids must be unique",
    ),
    (
        "tool-use-id-repeated-in-one-message",
        "anthropic",
        req(USER, call(CALL_ID, CALL_ID), answer(result(CALL_ID))),
        [("anthropic.duplicate-tool-use-id", E, "messages[1].content[2].id")],
        "tool_use ids must be unique",
    ),
    (
        # An unknown host on /v1/messages is most often a gateway to Anthropic (musistudio/claude-code-router#593).
        "tool-use-id-repeated-generic",
        "generic",
        req(USER, call(CALL_ID), answer(result(CALL_ID)), call(CALL_ID, text=None), answer(result(CALL_ID))),
        [("anthropic.duplicate-tool-use-id", E, "messages[3].content[0].id")],
        None,
    ),
    (
        "tool-use-id-repeated-moonshot-is-a-warning",
        "moonshot",
        req(
            USER,
            call(CALL_ID),
            answer(result(CALL_ID)),
            call(CALL_ID, text=None),
            answer(result(CALL_ID)),
            model="kimi-k2-0905-preview",
        ),
        [("anthropic.duplicate-tool-use-id", W, "messages[3].content[0].id")],
        None,
    ),
    (
        "text-before-tool-result",
        "anthropic",
        req(USER, call(CALL_ID), answer({"type": "text", "text": "Here:"}, result(CALL_ID))),
        [("anthropic.tool-result-not-first", E, "messages[2].content[0]")],
        "at the beginning of this message",
    ),
    (
        "deepseek-unanswered-is-an-error-too",
        "deepseek",
        req(USER, call(CALL_ID), {"role": "user", "content": "Never mind."}, model="deepseek-v4-pro"),
        [("anthropic.tool-use-without-result", E, "messages[1].content[1].id")],
        "call_01_sfm5xVspRVRx1TAWyJtV8612",
    ),
    (
        "moonshot-unanswered-is-a-warning",
        "moonshot",
        req(USER, call(CALL_ID), {"role": "user", "content": "Never mind."}, model="kimi-k2.5"),
        [("anthropic.tool-use-without-result", W, "messages[1].content[1].id")],
        None,
    ),
    (
        "gateway-unanswered-is-an-error",
        "generic",
        req(USER, call(CALL_ID), {"role": "user", "content": "Never mind."}),
        [("anthropic.tool-use-without-result", E, "messages[1].content[1].id")],
        None,
    ),
    (
        "system-role-without-beta",
        "anthropic",
        req({"role": "system", "content": "You are terse."}, USER),
        [("anthropic.system-role-in-messages", E, "messages[0].role")],
        'Unexpected role "system"',
    ),
    (
        "claude-code-turn2-without-beta",
        "anthropic",
        capture("thinking-turn2"),
        [("anthropic.system-role-in-messages", E, "messages[1].role")],
        None,
    ),
    (
        "tool-role-message",
        "anthropic",
        req(USER, call(CALL_ID), {"role": "tool", "tool_call_id": CALL_ID, "content": "18C"}),
        [
            ("anthropic.invalid-role", E, "messages[2].role"),
            ("anthropic.tool-use-without-result", E, "messages[1].content[1].id"),
        ],
        None,
    ),
    (
        "assistant-first-on-deepseek",
        "deepseek",
        req({"role": "assistant", "content": "Hi!"}, USER, model="deepseek-v4-pro"),
        [("anthropic.first-message-not-user", W, "messages[0].role")],
        'first message must use the "user" role',
    ),
    (
        "empty-user-content",
        "anthropic",
        req({"role": "user", "content": ""}),
        [("anthropic.empty-content", E, "messages[0].content")],
        "all messages must have non-empty content",
    ),
    (
        "empty-assistant-content-mid-conversation",
        "anthropic",
        req(USER, {"role": "assistant", "content": []}, {"role": "user", "content": "Hello?"}),
        [("anthropic.empty-content", E, "messages[1].content")],
        None,
    ),
    (
        "empty-text-block",
        "anthropic",
        req(answer({"type": "text", "text": ""}, {"type": "text", "text": "Hi"})),
        [("anthropic.empty-text-block", E, "messages[0].content[0].text")],
        "text content blocks must be non-empty",
    ),
    (
        "whitespace-text-block-on-moonshot",
        "moonshot",
        req(USER, call(CALL_ID, text=" \n"), answer(result(CALL_ID)), model="kimi-k2.5"),
        [("anthropic.empty-text-block", E, "messages[1].content[0].text")],
        "Invalid request: text content is empty",
    ),
    (
        # A prefill with a trailing space (tailcallhq/forgecode#1872); the partial turn a cancelled stream left.
        "final-assistant-ends-in-a-space",
        "anthropic",
        req(USER, {"role": "assistant", "content": "The weather in Paris is "}),
        [("anthropic.final-assistant-trailing-whitespace", E, "messages[1].content")],
        "final assistant content cannot end with trailing whitespace",
    ),
    (
        "final-assistant-text-block-ends-in-a-newline",
        "anthropic",
        req(USER, {"role": "assistant", "content": [{"type": "text", "text": "Here is the plan:\n"}]}),
        [("anthropic.final-assistant-trailing-whitespace", E, "messages[1].content[0].text")],
        None,
    ),
    (
        # Mid-conversation assistant text may end in whitespace; only the final message is Anthropic's concern.
        "earlier-assistant-text-ending-in-a-space",
        "anthropic",
        req(USER, {"role": "assistant", "content": "Sure. "}, {"role": "user", "content": "Go on."}),
        [],
        None,
    ),
    (
        "empty-system-block",
        "anthropic",
        req(USER, system=[{"type": "text", "text": ""}]),
        [("anthropic.empty-text-block", E, "system[0].text")],
        None,
    ),
    # `system` is a string or an array of text blocks (Messages API reference): open-webui/pipelines#116
    # passed its OpenAI-style system message in the array; a null or an object is refused too.
    (
        "system-openai-message-in-array",
        "anthropic",
        req(USER, system=[{"role": "system", "content": "You are a helpful assistant."}]),
        [("anthropic.invalid-system", E, "system[0]")],
        "system.0: Input does not match the expected shape.",
    ),
    ("system-null", "anthropic", req(USER, system=None), [("anthropic.invalid-system", E, "system")], None),
    (
        "system-object-gateway",
        "generic",
        req(USER, system={"type": "text", "text": "Be terse."}),
        [("anthropic.invalid-system", E, "system")],
        None,
    ),
    ("system-string-ok", "anthropic", req(USER, system="Be terse."), [], None),
    # JSON types per field and block types (Messages API reference).
    (
        "stop-sequences-string",
        "anthropic",
        req(USER, stop_sequences="END"),
        [("anthropic.wrong-type", E, "stop_sequences")],
        None,
    ),
    (
        # stanford-crfm/helm's Claude3RunExpander: "stop_sequences: each stop sequence must contain
        # non-whitespace"; an OpenAI `stop: ["\n"]` translated one for one (EleutherAI/lm-evaluation-harness#2412).
        "stop-sequences-whitespace-only",
        "anthropic",
        req(USER, stop_sequences=["\n", "", " \t", "END"]),
        [
            ("anthropic.stop-sequence-blank", E, "stop_sequences[0]"),
            ("anthropic.stop-sequence-blank", E, "stop_sequences[1]"),
            ("anthropic.stop-sequence-blank", E, "stop_sequences[2]"),
        ],
        None,
    ),
    (
        "stop-sequences-text-with-newlines-ok",
        "anthropic",
        req(USER, stop_sequences=["\n\nHuman:", "END"]),
        [],
        None,
    ),
    (
        # Another provider's Anthropic-compatible endpoint: whether it refuses is not established.
        "stop-sequences-whitespace-elsewhere",
        "minimax",
        req(USER, stop_sequences=["\n"]),
        [("anthropic.stop-sequence-blank", W, "stop_sequences[0]")],
        None,
    ),
    (
        # A value pydantic's lax mode converts is only a warning; an array where a number belongs is not.
        "numeric-strings-warning",
        "anthropic",
        req(USER, top_k="40", temperature="0.5"),
        [("anthropic.wrong-type", W, "top_k"), ("anthropic.wrong-type", W, "temperature")],
        None,
    ),
    ("top-k-array", "anthropic", req(USER, top_k=[40]), [("anthropic.wrong-type", E, "top_k")], None),
    (
        "content-single-block-object",
        "anthropic",
        req({"role": "user", "content": {"type": "text", "text": "Hi"}}),
        [("anthropic.wrong-type", E, "messages[0].content")],
        None,
    ),
    (
        "openai-image-url-part",
        "anthropic",
        req(
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}],
            }
        ),
        [("anthropic.unknown-block-type", E, "messages[0].content[0].type")],
        None,
    ),
    (
        "unknown-block-type-warning",
        "anthropic",
        req(
            {
                "role": "user",
                "content": [{"type": "video", "source": {"type": "url", "url": "https://example.com/a.mp4"}}],
            }
        ),
        [("anthropic.unknown-block-type", W, "messages[0].content[0].type")],
        None,
    ),
    (
        "server-tool-blocks-ok",
        "anthropic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "server_tool_use",
                        "id": "srvtoolu_01",
                        "name": "web_search",
                        "input": {"query": "x"},
                    },
                    {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01", "content": []},
                    {"type": "text", "text": "Found it."},
                ],
            },
            {"role": "user", "content": "thanks"},
        ),
        [],
        None,
    ),
    (
        "system-null-deepseek-warning",
        "deepseek",
        req(USER, system=None),
        [("anthropic.invalid-system", W, "system")],
        None,
    ),
    (
        "max-tokens-missing",
        "anthropic",
        {"model": "claude-sonnet-4-5", "messages": [USER]},
        [("anthropic.max-tokens-missing", E, "max_tokens")],
        "max_tokens: Field required",
    ),
    (
        "max-tokens-missing-on-zhipu",
        "zhipu",
        {"model": "glm-4.6", "messages": [USER]},
        [("anthropic.max-tokens-missing", W, "max_tokens")],
        None,
    ),
    (
        "thinking-dropped-from-tool-loop",
        "anthropic",
        req(USER, call(CALL_ID, text=None), answer(result(CALL_ID)), thinking=THINK_ON),
        [("anthropic.thinking-block-missing", E, "messages[1].content[0].type")],
        "a final `assistant` message must start with a thinking block",
    ),
    (
        "thinking-without-signature",
        "anthropic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [{"type": "thinking", "thinking": "hmm"}, *call(CALL_ID, text=None)["content"]],
            },
            answer(result(CALL_ID)),
            thinking=THINK_ON,
        ),
        [("anthropic.thinking-signature-missing", E, "messages[1].content[0].signature")],
        "Invalid `signature` in `thinking` block",
    ),
    (
        "thinking-signature-missing-is-silent-on-zhipu",
        "zhipu",
        req(
            USER,
            {
                "role": "assistant",
                "content": [{"type": "thinking", "thinking": "hmm"}, *call(CALL_ID, text=None)["content"]],
            },
            answer(result(CALL_ID)),
            model="glm-4.6",
            thinking=THINK_ON,
        ),
        [],
        None,
    ),
    (
        "tool-choice-openai-string",
        "anthropic",
        req(USER, tool_choice="required"),
        [("anthropic.invalid-tool-choice", E, "tool_choice")],
        None,
    ),
    (
        "tool-choice-openai-function-object",
        "anthropic",
        req(USER, tool_choice={"type": "function", "function": {"name": "get_weather"}}),
        [("anthropic.invalid-tool-choice", E, "tool_choice")],
        None,
    ),
    (
        "tool-choice-tool-without-name",
        "anthropic",
        req(USER, tool_choice={"type": "tool"}),
        [("anthropic.invalid-tool-choice", E, "tool_choice.name")],
        None,
    ),
    (
        # A Claude model behind an unknown gateway is judged as Anthropic, which rejects it (rules/inferred.py).
        "tool-choice-openai-string-through-a-gateway",
        "generic",
        req(USER, tool_choice="auto"),
        [("anthropic.invalid-tool-choice", E, "tool_choice")],
        None,
    ),
    (
        "tool-choice-openai-string-unknown-model-through-a-gateway",
        "generic",
        req(USER, model="my-own-model", tool_choice="auto"),
        # Session 18: the unknown model on an unknown host is said to be unchecked, as on Chat Completions.
        [("model.rules-skipped", "info", "model"), ("anthropic.invalid-tool-choice", W, "tool_choice")],
        None,
    ),
    (
        "tool-choice-unknown-tool",
        "anthropic",
        req(USER, tool_choice={"type": "tool", "name": "get_forecast"}),
        [("anthropic.invalid-tool-choice", W, "tool_choice.name")],
        None,
    ),
    # "tools: Tool names must be unique." (anthropics/claude-code#14205; the same on Vertex, vscode#316983).
    (
        "duplicate-tool-name",
        "anthropic",
        req(USER, tools=[TOOL, TOOL]),
        [("anthropic.duplicate-tool-name", E, "tools[1].name")],
        "tools: Tool names must be unique.",
    ),
    (
        "duplicate-tool-name-custom-and-typed",
        "anthropic",
        req(USER, tools=[TOOL, {**TOOL, "type": "custom"}]),
        [("anthropic.duplicate-tool-name", E, "tools[1].name")],
        None,
    ),
    (
        # Another vendor's Anthropic-compatible endpoint does not document the check: a warning.
        "duplicate-tool-name-on-deepseek-warns",
        "deepseek",
        req(USER, model="deepseek-chat", tools=[TOOL, TOOL]),
        [("anthropic.duplicate-tool-name", W, "tools[1].name")],
        None,
    ),
    (
        "distinct-tool-names-clean",
        "anthropic",
        req(USER, tools=[TOOL, {**TOOL, "name": "get_forecast"}]),
        [],
        None,
    ),
    (
        "forced-tool-with-thinking",
        "anthropic",
        req(USER, tool_choice={"type": "any"}, thinking=THINK_ON),
        [("anthropic.thinking-with-forced-tool-choice", E, "tool_choice")],
        "Thinking may not be enabled when tool_choice forces tool use.",
    ),
    # "`temperature` may only be set to 1 when thinking is enabled." (MartialBE/one-hub#529)
    (
        "thinking-with-temperature",
        "anthropic",
        req(USER, temperature=0.2, thinking=THINK_ON),
        [("anthropic.thinking-temperature", E, "temperature")],
        "`temperature` may only be set to 1 when thinking is enabled.",
    ),
    ("thinking-with-temperature-1", "anthropic", req(USER, temperature=1, thinking=THINK_ON), [], None),
    # "temperature may only be set to 1 when thinking is enabled or in adaptive mode" (BuilderIO/agent-native,
    # @agent-native/core@0.164.25): adaptive thinking (Claude 4.6+) is thinking too.
    (
        "adaptive-thinking-with-temperature",
        "anthropic",
        req(USER, model="claude-sonnet-4-6", temperature=0, thinking={"type": "adaptive"}),
        [("anthropic.thinking-temperature", E, "temperature")],
        "temperature may only be set to 1 when thinking is enabled or in adaptive mode",
    ),
    (
        "adaptive-thinking-with-temperature-1",
        "anthropic",
        req(USER, model="claude-sonnet-4-6", temperature=1, thinking={"type": "adaptive"}),
        [],
        None,
    ),
    (
        "disabled-thinking-with-temperature",
        "anthropic",
        req(USER, model="claude-sonnet-4-6", temperature=0.2, thinking={"type": "disabled"}),
        [],
        None,
    ),
    ("temperature-without-thinking", "anthropic", req(USER, temperature=0.2), [], None),
    # Bedrock's Claude answer (danny-avila/LibreChat#8346): the smallest budget is 1024.
    (
        "thinking-budget-below-minimum",
        "anthropic",
        req(USER, thinking={"type": "enabled", "budget_tokens": 512}),
        [("anthropic.thinking-budget-too-small", E, "thinking.budget_tokens")],
        "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
    ),
    (
        "thinking-budget-at-minimum",
        "anthropic",
        req(USER, thinking={"type": "enabled", "budget_tokens": 1024}),
        [],
        None,
    ),
    # The real answer (ProfSynapse/nexus#17): the budget is spent out of max_tokens.
    (
        "thinking-budget-equal-to-max-tokens",
        "anthropic",
        req(USER, max_tokens=2048, thinking=THINK_ON),
        [("anthropic.thinking-budget-not-below-max-tokens", E, "thinking.budget_tokens")],
        "`max_tokens` must be greater than `thinking.budget_tokens`.",
    ),
    (
        "thinking-budget-above-max-tokens-generic",
        "generic",
        req(USER, max_tokens=1024, thinking=THINK_ON),
        [("anthropic.thinking-budget-not-below-max-tokens", E, "thinking.budget_tokens")],
        None,
    ),
    (
        "thinking-budget-above-max-tokens-deepseek",
        "deepseek",
        req(USER, max_tokens=1024, thinking=THINK_ON),
        [("anthropic.thinking-budget-not-below-max-tokens", W, "thinking.budget_tokens")],
        None,
    ),
    (
        "thinking-budget-below-max-tokens",
        "anthropic",
        req(USER, max_tokens=2049, thinking=THINK_ON),
        [],
        None,
    ),
    (
        "forced-tool-with-adaptive-thinking",
        "anthropic",
        # Claude 4.6: adaptive thinking exists from 4.6 on (anthropic.thinking-mode-for-model).
        req(
            USER,
            model="claude-sonnet-4-6",
            tool_choice={"type": "tool", "name": "get_weather"},
            thinking={"type": "adaptive"},
        ),
        [("anthropic.thinking-with-forced-tool-choice", W, "tool_choice")],
        None,
    ),
    (
        "mcp-tool-name-with-dot",
        "anthropic",
        req(USER, tools=[TOOL, {**TOOL, "name": "caldav-mcp.create-event"}]),
        [("anthropic.invalid-tool-name", E, "tools[1].name")],
        "String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
    ),
    (
        "tool-name-too-long",
        "anthropic",
        req(USER, tools=[{**TOOL, "name": "t" * 129}]),
        [("anthropic.invalid-tool-name", E, "tools[0].name")],
        "String should have at most 128 characters",
    ),
    (
        "tool-name-with-slash-on-minimax",
        "minimax",
        req(USER, tools=[{**TOOL, "name": "todoist/find-tasks"}], model="MiniMax-M2.1"),
        [("anthropic.invalid-tool-name", W, "tools[0].name")],
        None,
    ),
    (
        "openai-style-tool",
        "anthropic",
        req(
            USER,
            tools=[
                {"type": "function", "function": {"name": "get_weather", "parameters": TOOL["input_schema"]}}
            ],
        ),
        [("anthropic.tool-input-schema-missing", E, "tools[0]")],
        None,
    ),
    (
        "tool-with-parameters-instead-of-input-schema",
        "anthropic",
        req(USER, tools=[{"name": "get_weather", "parameters": TOOL["input_schema"]}]),
        [("anthropic.tool-input-schema-missing", E, "tools[0].input_schema")],
        "input_schema: Field required",
    ),
    (
        "tool-use-id-from-another-provider",
        "anthropic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": "functions.get_weather:0", "name": "get_weather", "input": {}}
                ],
            },
            answer(result("functions.get_weather:0")),
        ),
        [("anthropic.invalid-tool-use-id", E, "messages[1].content[0].id")],
        "String should match pattern '^[a-zA-Z0-9_-]+$'",
    ),
    (
        # opencode#1279: an empty callID stored by opencode replayed to Claude.
        "tool-use-id-empty",
        "anthropic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "", "name": "get_weather", "input": {}}],
            },
            answer(result("")),
        ),
        [("anthropic.invalid-tool-use-id", E, "messages[1].content[0].id")],
        "messages.1.content.1.tool_use.id",
    ),
    (
        # A gateway (unknown host) in front of Anthropic relays the same 400 (BlockRunAI/ClawRouter#17).
        "tool-use-id-from-another-provider-generic",
        "generic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": "functions.bash:0", "name": "get_weather", "input": {}}
                ],
            },
            answer(result("functions.bash:0")),
        ),
        [("anthropic.invalid-tool-use-id", E, "messages[1].content[0].id")],
        None,
    ),
    (
        "tool-use-id-from-kimi-on-moonshot-is-a-warning",
        "moonshot",
        req(
            USER,
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": "functions.bash:0", "name": "get_weather", "input": {}}
                ],
            },
            answer(result("functions.bash:0")),
            model="kimi-k2-0905-preview",
        ),
        [("anthropic.invalid-tool-use-id", W, "messages[1].content[0].id")],
        None,
    ),
    (
        "tool-use-input-as-json-string",
        "anthropic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": CALL_ID, "name": "get_weather", "input": '{"city": "Kyiv"}'}
                ],
            },
            answer(result(CALL_ID)),
        ),
        [("anthropic.tool-use-input-not-object", E, "messages[1].content[0].input")],
        "tool_use.input: Input should be a valid dictionary",
    ),
    (
        # A zero-argument call whose streamed input never arrived, replayed without `input` (openclaw's FAQ).
        "tool-use-without-input",
        "anthropic",
        req(
            USER,
            {"role": "assistant", "content": [{"type": "tool_use", "id": CALL_ID, "name": "get_weather"}]},
            answer(result(CALL_ID)),
        ),
        [("anthropic.tool-use-input-not-object", E, "messages[1].content[0].input")],
        "tool_use.input: Field required",
    ),
    (
        "image-jpg-media-type",
        "anthropic",
        req(
            answer(
                {"type": "image", "source": {**PNG, "media_type": "image/jpg"}},
                {"type": "text", "text": "What is it?"},
            )
        ),
        [("anthropic.invalid-image-source", E, "messages[0].content[0].source")],
        "media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
    ),
    # The bytes decide, not the file name (claude-code#15746; home cameras saving JPEGs as .png).
    (
        "jpeg-bytes-declared-png",
        "anthropic",
        req(
            answer(
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "/9j/4AAQSkZJRgABAQ=="},
                },
                {"type": "text", "text": "What is it?"},
            )
        ),
        [("anthropic.image-media-type-mismatch", E, "messages[0].content[0].source.data")],
        "messages.6.content.5.image.source.base64.data: Image does not match the provided media type image/png",
    ),
    (
        "png-bytes-declared-jpeg-inside-tool-result",
        "anthropic",
        req(
            USER,
            call(CALL_ID),
            answer(result(CALL_ID, [{"type": "image", "source": {**PNG, "media_type": "image/jpeg"}}])),
        ),
        [("anthropic.image-media-type-mismatch", E, "messages[2].content[0].content[0].source.data")],
        None,
    ),
    (
        "bmp-inside-tool-result",
        "anthropic",
        req(
            USER,
            call(CALL_ID),
            answer(result(CALL_ID, [{"type": "image", "source": {**PNG, "media_type": "image/bmp"}}])),
        ),
        [("anthropic.invalid-image-source", E, "messages[2].content[0].content[0].source")],
        None,
    ),
    (
        "openai-image-url-part-style-source",
        "anthropic",
        req(
            answer(
                {"type": "image", "source": {"type": "image_url", "url": "https://x.example/a.png"}},
                {"type": "text", "text": "?"},
            )
        ),
        [("anthropic.invalid-image-source", E, "messages[0].content[0].source")],
        None,
    ),
    (
        "csv-document",
        "anthropic",
        req(
            answer(
                {"type": "document", "source": {**PDF, "media_type": "text/csv"}},
                {"type": "text", "text": "Sum it."},
            )
        ),
        [("anthropic.invalid-document-source", E, "messages[0].content[0].source")],
        None,
    ),
    (
        "five-cache-breakpoints",
        "anthropic",
        req(
            answer(
                *[
                    {"type": "text", "text": f"Doc {n}", "cache_control": {"type": "ephemeral"}}
                    for n in range(3)
                ]
            ),
            system=[{"type": "text", "text": "Be terse.", "cache_control": {"type": "ephemeral"}}],
            tools=[{**TOOL, "cache_control": {"type": "ephemeral"}}],
        ),
        [("anthropic.too-many-cache-breakpoints", E, "messages[0].content[2]")],
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    ),
    (
        "openai-temperature",
        "anthropic",
        req(USER, temperature=1.3),
        [("anthropic.temperature-out-of-range", E, "temperature")],
        "temperature: range: -1 or 0..1",
    ),
    (
        # A top_p on a 0-100 scale from a settings slider (anthropics/anthropic-sdk-typescript#484 asks the range).
        "top-p-above-one",
        "anthropic",
        req(USER, top_p=95),
        [("anthropic.top-p-out-of-range", E, "top_p")],
        "top_p: range: -1 or 0..1",
    ),
    (
        # -1 is named in the range the API answers with: not reported.
        "top-p-minus-one",
        "anthropic",
        req(USER, top_p=-1),
        [],
        None,
    ),
    (
        "temperature-above-one-on-minimax",
        "minimax",
        req(USER, temperature=2, model="MiniMax-M2.1"),
        [("anthropic.temperature-out-of-range", W, "temperature")],
        None,
    ),
    (
        "output-config-on-minimax",
        "minimax",
        req(USER, model="MiniMax-M2.7", output_config={"effort": "low"}),
        [("anthropic.compatible-field-refused", E, "output_config")],
        "invalid params",
    ),
    (
        "temperature-and-top-p-on-sonnet-4-5",
        "anthropic",
        req(USER, model="claude-sonnet-4-5-20250929", temperature=0.5, top_p=0.9),
        [("anthropic.temperature-with-top-p", E, "top_p")],
        "`temperature` and `top_p` cannot both be specified for this model. Please use only one.",
    ),
    (
        "temperature-and-top-p-on-opus-4-6",
        "anthropic",
        req(USER, model="claude-opus-4-6", temperature=0.2, top_p=0.5),
        [("anthropic.temperature-with-top-p", E, "top_p")],
        None,
    ),
    # --- issue 9 round 7: the request schema per level, and the thinking mode per Claude generation
    (
        "openai-parameter-at-top-level",
        "anthropic",
        req(USER, frequency_penalty=0.5, response_format={"type": "json_object"}),
        [
            ("anthropic.unknown-field", E, "frequency_penalty"),
            ("anthropic.unknown-field", E, "response_format"),
        ],
        "Extra inputs are not permitted",
    ),
    (
        "client-option-sent-on-the-wire",
        "anthropic",
        req(USER, extra_body={"top_k": 5}),
        [("anthropic.unknown-field", E, "extra_body")],
        None,
    ),
    (
        # A key Anthropic may have added since the list was written: a warning, never an error.
        "unknown-top-level-key-not-openais",
        "anthropic",
        req(USER, priority="high"),
        [("anthropic.unknown-field", W, "priority")],
        None,
    ),
    (
        "openai-message-fields",
        "anthropic",
        req({**USER, "name": "alice"}, {"role": "assistant", "content": "ok", "tool_calls": []}, USER),
        [
            ("anthropic.unknown-field", E, "messages[0].name"),
            ("anthropic.unknown-field", E, "messages[1].tool_calls"),
        ],
        None,
    ),
    (
        "metadata-session-id",
        "anthropic",
        req(USER, metadata={"user_id": "u-1", "session_id": "s-1"}),
        [("anthropic.unknown-field", E, "metadata.session_id")],
        None,
    ),
    (
        # A field of another block type on a tool_use block (anthropics/claude-code#4378): certain.
        "text-on-a-tool-use-block",
        "anthropic",
        req(
            USER,
            {"role": "assistant", "content": [{**call("toolu_01A")["content"][1], "text": "calling"}]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_01A", "content": "18C"}],
            },
        ),
        [("anthropic.unknown-field", E, "messages[1].content[0].text")],
        None,
    ),
    (
        # A block key that is no block type's field may be a newer beta's: a warning.
        "unknown-key-on-a-text-block",
        "anthropic",
        req({"role": "user", "content": [{"type": "text", "text": "hi", "lang": "en"}]}),
        [("anthropic.unknown-field", W, "messages[0].content[0].lang")],
        None,
    ),
    (
        # Beta fields are accepted once their header is on, which toolguard does not see: never flagged.
        "beta-fields-are-known",
        "anthropic",
        req(
            USER,
            model="claude-opus-4-7",
            context_management={"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
            output_config={"effort": "high"},
            thinking={"type": "adaptive", "display": "summarized"},
            tools=[{**TOOL, "defer_loading": True, "input_examples": [{"city": "Paris"}]}],
        ),
        [],
        None,
    ),
    (
        "openai-parameter-on-a-gateway",
        "generic",
        req(USER, frequency_penalty=0.5),
        [("anthropic.unknown-field", W, "frequency_penalty")],
        None,
    ),
    ("openai-parameter-on-deepseek", "deepseek", req(USER, frequency_penalty=0.5), [], None),
    # DeepSeek's V4 models think by default on its Anthropic endpoint too: a forced tool is refused with
    # the thinking model's wording (deepseek-ai/awesome-deepseek-integration#598; oh-my-pi#1207 on chat).
    (
        "deepseek-v4-forced-tool-thinking-default",
        "deepseek",
        req(USER, model="deepseek-v4-pro", tools=[TOOL], tool_choice={"type": "tool", "name": TOOL["name"]}),
        [("quirks.deepseek-thinking-forced-tool-choice", E, "tool_choice")],
        "deepseek-reasoner does not support this tool_choice",
    ),
    (
        "deepseek-v4-any-thinking-enabled",
        "deepseek",
        req(
            USER,
            model="deepseek-v4-flash",
            tools=[TOOL],
            tool_choice={"type": "any"},
            thinking={"type": "enabled", "budget_tokens": 1024},
        ),
        [("quirks.deepseek-thinking-forced-tool-choice", E, "tool_choice")],
        None,
    ),
    (
        "deepseek-v4-forced-tool-thinking-disabled-ok",
        "deepseek",
        req(
            USER,
            model="deepseek-v4-pro",
            tools=[TOOL],
            tool_choice={"type": "tool", "name": TOOL["name"]},
            thinking={"type": "disabled"},
        ),
        [],
        None,
    ),
    (
        "deepseek-chat-forced-tool-ok",
        "deepseek",
        req(USER, model="deepseek-chat", tools=[TOOL], tool_choice={"type": "any"}),
        [],
        None,
    ),
    # A Claude model name, which DeepSeek maps to a model of its choosing: not judged.
    (
        "deepseek-claude-name-forced-tool-not-judged",
        "deepseek",
        req(USER, tools=[TOOL], tool_choice={"type": "tool", "name": TOOL["name"]}),
        [],
        None,
    ),
    (
        "budget-thinking-on-opus-4-7",
        "anthropic",
        req(USER, model="claude-opus-4-7", thinking={"type": "enabled", "budget_tokens": 2048}),
        [("anthropic.thinking-mode-for-model", E, "thinking.type")],
        '"thinking.type.enabled" is not supported for this model',
    ),
    (
        "budget-thinking-on-claude-5-behind-a-router-prefix",
        "anthropic",
        req(USER, model="anthropic/claude-sonnet-5", thinking={"type": "enabled", "budget_tokens": 2048}),
        [("anthropic.thinking-mode-for-model", E, "thinking.type")],
        None,
    ),
    (
        "adaptive-thinking-on-haiku-4-5",
        "anthropic",
        req(USER, model="claude-haiku-4-5-20251001", thinking={"type": "adaptive"}),
        [("anthropic.thinking-mode-for-model", E, "thinking.type")],
        "adaptive thinking is not supported on this model",
    ),
    (
        "adaptive-thinking-on-claude-3-7",
        "generic",
        req(USER, model="claude-3-7-sonnet-latest", thinking={"type": "adaptive"}),
        [("anthropic.thinking-mode-for-model", W, "thinking.type")],
        None,
    ),
    (
        # Budget thinking is deprecated on 4.6 but still taken; Sonnet 4.6 and Opus 4.6 accept both forms.
        "budget-thinking-on-sonnet-4-6",
        "anthropic",
        req(USER, model="claude-sonnet-4-6", thinking={"type": "enabled", "budget_tokens": 2048}),
        [],
        None,
    ),
]

# Claude on Bedrock's InvokeModel and Vertex AI's rawPredict: the platform's anthropic_version instead of
# `model`; Bedrock refuses `model`/`stream` and takes betas as `anthropic_beta` (AWS's and Google's Claude pages).
_PLATFORM_USER = {"role": "user", "content": "What is the weather in Paris?"}


def _platform(body: dict[str, Any]) -> dict[str, Any]:
    """A Messages body as Bedrock and Vertex take it: the model is the path's, not the body's."""
    return {k: v for k, v in body.items() if k != "model"}


PLATFORM_CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str]], str | None]] = [
    (
        # Claude Code's Bedrock body (anthropics/claude-code#1118 shows its shape): clean.
        "bedrock-claude-code-body",
        "bedrock-stream",
        {
            **BEDROCK_VERSION,
            "anthropic_beta": ["claude-code-20250219"],
            "max_tokens": 20000,
            "system": [{"type": "text", "text": "You are Claude Code."}],
            "messages": [_PLATFORM_USER],
            "metadata": {"user_id": "b6c2672bdf43"},
            "tools": [TOOL],
        },
        [],
        None,
    ),
    (
        "bedrock-version-missing-model-and-stream-in-body",
        "bedrock",
        {"model": "claude-sonnet-4-5", "max_tokens": 1024, "stream": True, "messages": [_PLATFORM_USER]},
        [
            ("anthropic.platform-version", E, "anthropic_version"),
            ("anthropic.platform-field-refused", E, "model"),
            ("anthropic.platform-field-refused", E, "stream"),
        ],
        "bedrock-2023-05-31",
    ),
    (
        "bedrock-model-in-body",
        "bedrock",
        {**BEDROCK_VERSION, "model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [_PLATFORM_USER]},
        [("anthropic.platform-field-refused", E, "model")],
        "extraneous key [model] is not permitted",
    ),
    (
        # A gateway's Bedrock pass-through: the path names the platform, so its refusals hold there too.
        "bedrock-gateway-version-missing",
        "bedrock-gateway",
        {"max_tokens": 1024, "messages": [_PLATFORM_USER]},
        [("anthropic.platform-version", E, "anthropic_version")],
        "bedrock-2023-05-31",
    ),
    (
        # The anthropic SDK's AnthropicBedrock sends its own API version there (2.14: "2026-10-21"): not flagged.
        "bedrock-sdk-api-version-value",
        "bedrock",
        {"anthropic_version": "2026-10-21", "max_tokens": 1024, "messages": [_PLATFORM_USER]},
        [],
        None,
    ),
    (
        "bedrock-foreign-top-level-key-is-certain",
        "bedrock",
        {**BEDROCK_VERSION, "max_tokens": 1024, "messages": [_PLATFORM_USER], "chat_id": "abc"},
        [("anthropic.unknown-field", E, "chat_id")],
        None,
    ),
    (
        "bedrock-empty-text-block-as-on-anthropic",
        "bedrock",
        {
            **BEDROCK_VERSION,
            "max_tokens": 1024,
            "messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}],
        },
        [("anthropic.empty-text-block", E, "messages[0].content[0].text")],
        None,
    ),
    (
        # Vertex takes `stream` in the body on :streamRawPredict, and no anthropic_beta body field.
        "vertex-streamed-body-clean",
        "vertex",
        {**VERTEX_VERSION, "max_tokens": 1024, "stream": True, "messages": [_PLATFORM_USER]},
        [],
        None,
    ),
    (
        # Claude Code 2.1.332 with CLAUDE_CODE_USE_BEDROCK=1 sends its environment as a mid-conversation system
        # message and its betas as Bedrock's `anthropic_beta` body list; the SDK's platform URL has no
        # `?beta=true` (seen on the wire: tests/e2e/test_native_agents_e2e.py). Bedrock answers it: clean.
        "bedrock-claude-code-system-message-under-betas",
        "bedrock-stream",
        {
            **BEDROCK_VERSION,
            "anthropic_beta": ["interleaved-thinking-2025-05-14"],
            "max_tokens": 1024,
            "messages": [_PLATFORM_USER, {"role": "system", "content": "# Environment"}],
        },
        [],
        None,
    ),
    (
        # No betas in the body: not the beta surface, so the system role is refused as on Anthropic's own API.
        "bedrock-system-message-without-betas",
        "bedrock",
        {
            **BEDROCK_VERSION,
            "max_tokens": 1024,
            "messages": [_PLATFORM_USER, {"role": "system", "content": "# Environment"}],
        },
        [("anthropic.system-role-in-messages", W, "messages[1].role")],  # an error on Anthropic's API only
        None,
    ),
    (
        # The same with CLAUDE_CODE_USE_VERTEX=1: Vertex takes betas only in the anthropic-beta header, which
        # a rule does not see, so the body cannot say it is not the beta surface: not flagged.
        "vertex-claude-code-system-message",
        "vertex",
        {
            **VERTEX_VERSION,
            "max_tokens": 1024,
            "stream": True,
            "messages": [_PLATFORM_USER, {"role": "system", "content": "# Environment"}],
        },
        [],
        None,
    ),
    (
        "vertex-version-missing",
        "vertex",
        {"max_tokens": 1024, "messages": [_PLATFORM_USER]},
        [("anthropic.platform-version", E, "anthropic_version")],
        "vertex-2023-10-16",
    ),
    # Claude's own validator answers on Bedrock and Vertex (rules/anthropic.py CLAUDE_VALIDATOR): the thinking
    # rules are errors there, each with a refusal quoted from the cloud (Kilo-Org/kilocode#5219 on Vertex;
    # can1357/oh-my-pi#10486, chenhg5/cc-connect#897 and oh-my-pi#333 on Bedrock).
    (
        "vertex-thinking-dropped-from-tool-loop",
        "vertex",
        {
            **VERTEX_VERSION,
            **_platform(req(USER, call(CALL_ID, text=None), answer(result(CALL_ID)), thinking=THINK_ON)),
        },
        [("anthropic.thinking-block-missing", E, "messages[1].content[0].type")],
        "req_vrtx_",
    ),
    (
        "bedrock-thinking-dropped-from-tool-loop",
        "bedrock",
        {
            **BEDROCK_VERSION,
            **_platform(req(USER, call(CALL_ID, text=None), answer(result(CALL_ID)), thinking=THINK_ON)),
        },
        [("anthropic.thinking-block-missing", E, "messages[1].content[0].type")],
        "The model returned the following errors: messages.1.content.0.type",
    ),
    (
        "bedrock-thinking-without-signature",
        "bedrock",
        {
            **BEDROCK_VERSION,
            **_platform(
                req(
                    USER,
                    {
                        "role": "assistant",
                        "content": [
                            {"type": "thinking", "thinking": "hmm", "signature": ""},
                            *call(CALL_ID, text=None)["content"],
                        ],
                    },
                    answer(result(CALL_ID)),
                    thinking=THINK_ON,
                )
            ),
        },
        [("anthropic.thinking-signature-missing", E, "messages[1].content[0].signature")],
        "thinking.signature: Field required",
    ),
    (
        "vertex-duplicate-tool-name",
        "vertex",
        {**VERTEX_VERSION, **_platform(req(USER, tools=[TOOL, TOOL]))},
        [("anthropic.duplicate-tool-name", E, "tools[1].name")],
        "req_vrtx_",
    ),
    (
        # "A maximum of 4 blocks with cache_control may be provided. Found 5." (openclaw/openclaw#92480, Vertex).
        "vertex-too-many-cache-breakpoints",
        "vertex",
        {
            **VERTEX_VERSION,
            **_platform(
                req(
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": f"Part {n}.", "cache_control": {"type": "ephemeral"}}
                            for n in range(5)
                        ],
                    }
                )
            ),
        },
        [("anthropic.too-many-cache-breakpoints", E, "messages[0].content[4]")],
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    ),
    (
        "bedrock-forced-tool-with-thinking",
        "bedrock",
        {**BEDROCK_VERSION, **_platform(req(USER, tool_choice={"type": "any"}, thinking=THINK_ON))},
        [("anthropic.thinking-with-forced-tool-choice", E, "tool_choice")],
        "Thinking may not be enabled when tool_choice forces tool use.",
    ),
    (
        # The signed replay Bedrock returned is accepted as it came.
        "bedrock-signed-thinking-replayed-clean",
        "bedrock",
        {
            **BEDROCK_VERSION,
            **_platform(
                req(USER, call(CALL_ID, thinking=True, text=None), answer(result(CALL_ID)), thinking=THINK_ON)
            ),
        },
        [],
        None,
    ),
]
#: The generated request model's required and base64 fields (data/anthropic_request_schema.json).
MODEL_CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str]], str | None]] = [
    (
        # A tool_result whose content block has no type (a relay's 400: "...tool_result.content.0.type:
        # Field required"); an error on Anthropic and on an unknown host, a warning elsewhere.
        "tool-result-block-without-type",
        "anthropic",
        req(
            USER,
            call(CALL_ID),
            answer({"type": "tool_result", "tool_use_id": CALL_ID, "content": [{"text": "18C"}]}),
        ),
        [("anthropic.missing-required", E, "messages[2].content[0].content[0].type")],
        None,
    ),
    (
        "text-block-without-text-on-deepseek-is-a-warning",
        "deepseek",
        req(USER, {"role": "user", "content": [{"type": "text"}]}, model="deepseek-chat"),
        [("anthropic.missing-required", W, "messages[1].content[0].text")],
        None,
    ),
    (
        "base64-source-without-media-type",
        "anthropic",
        req(
            {
                "role": "user",
                "content": [
                    {"type": "image", "source": {"type": "base64", "data": "iVBORw0KGgo="}},
                    {"type": "text", "text": "What is it?"},
                ],
            }
        ),
        [("anthropic.invalid-image-source", E, "messages[0].content[0].source")],
        None,
    ),
    (
        # A data: URL left in a base64 source: "invalid base64 data".
        "data-url-in-base64-source",
        "anthropic",
        req(
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Describe it."},
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": "data:image/png;base64,iVBORw0KGgo=",
                        },
                    },
                ],
            }
        ),
        [("anthropic.invalid-base64", E, "messages[0].content[1].source.data")],
        None,
    ),
    (
        # URL-safe base64 without padding, and a PDF document's base64, are taken.
        "base64-variants-taken",
        "anthropic",
        req(
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo_-A"},
                    },
                    {
                        "type": "document",
                        "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"},
                    },
                    {"type": "text", "text": "Compare."},
                ],
            }
        ),
        [],
        None,
    ),
]
CASES += PLATFORM_CASES + MODEL_CASES


def png_header(width: int, height: int) -> str:
    """A PNG's signature and IHDR chunk stating ``width`` x ``height`` (what the size check reads)."""
    import base64
    import struct
    import zlib

    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF)
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + chunk).decode()


def image(data: str) -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}


SMALL = png_header(800, 600)
BOUNDS_CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str]], str | None]] = [
    # The Messages reference: max_tokens x >= 1, top_k x >= 0, metadata.user_id maxLength 256.
    (
        "max-tokens-zero",
        "anthropic",
        req(USER, max_tokens=0),
        [("anthropic.value-out-of-range", E, "max_tokens")],
        None,
    ),
    (
        "top-k-negative",
        "anthropic",
        req(USER, top_k=-1),
        [("anthropic.value-out-of-range", E, "top_k")],
        None,
    ),
    (
        "user-id-too-long",
        "bedrock",
        {**BEDROCK_VERSION, "max_tokens": 1024, "messages": [USER], "metadata": {"user_id": "u" * 257}},
        [("anthropic.value-out-of-range", E, "metadata.user_id")],
        None,
    ),
    (
        "user-id-256-ok",
        "anthropic",
        req(USER, metadata={"user_id": "u" * 256}, top_k=0, max_tokens=1),
        [],
        None,
    ),
    (  # a shell command the model put in a tool_use name, replayed (openclaw/openclaw#13134)
        "tool-use-name-over-200",
        "anthropic",
        req(
            USER,
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": CALL_ID, "name": "x" * 201, "input": {}}],
            },
            answer(result(CALL_ID)),
        ),
        [("anthropic.value-out-of-range", E, "messages[1].content[0].name")],
        None,
    ),
    (
        "max-tokens-zero-compatible",
        "deepseek",
        req(USER, model="deepseek-chat", max_tokens=0),
        [("anthropic.value-out-of-range", W, "max_tokens")],
        None,
    ),
    (  # 101 images (OpenClaw's and Kiro's sessions were refused at 101 to 126)
        "too-many-images",
        "anthropic",
        req(
            {
                "role": "user",
                "content": [image(SMALL) for _ in range(101)] + [{"type": "text", "text": "Which?"}],
            }
        ),
        [("anthropic.too-many-images", E, "messages[0].content[100]")],
        "too many images and documents: 101 + 0 > 100",
    ),
    (  # documents count with images, and tool results' images count too
        "images-and-documents-over-100",
        "generic",
        req(
            {
                "role": "user",
                "content": [image(SMALL) for _ in range(20)] + [{"type": "text", "text": "Read these."}],
            },
            call(CALL_ID),
            answer(
                {
                    "type": "tool_result",
                    "tool_use_id": CALL_ID,
                    "content": [
                        {
                            "type": "document",
                            "source": {"type": "text", "media_type": "text/plain", "data": "p"},
                        }
                        for _ in range(81)
                    ],
                }
            ),
        ),
        [("anthropic.too-many-images", E, "messages[2].content[0].content[80]")],
        None,
    ),
    (
        "exactly-100-images-ok",
        "anthropic",
        req(
            {
                "role": "user",
                "content": [image(SMALL) for _ in range(100)] + [{"type": "text", "text": "Which?"}],
            }
        ),
        [],
        None,
    ),
    (  # Anthropic's vision guide: 2000 px a side once a request holds more than 20 images
        "large-image-in-a-many-image-request",
        "anthropic",
        req({"role": "user", "content": [image(SMALL) for _ in range(20)] + [image(png_header(2400, 1080))]}),
        [("anthropic.image-too-large", E, "messages[0].content[20].source.data")],
        "At least one of the image dimensions exceed max allowed size for many-image requests: 2000 pixels",
    ),
    (
        "large-image-alone-ok",
        "anthropic",
        req(
            {
                "role": "user",
                "content": [image(png_header(2400, 1080)), {"type": "text", "text": "What is this?"}],
            }
        ),
        [],
        None,
    ),
    (  # "image exceeds 5 MB maximum: 8259148 bytes > 5242880 bytes" (claude-code#19631)
        "image-over-5-mb",
        "anthropic",
        req({"role": "user", "content": [image(SMALL + "A" * 7_000_000), {"type": "text", "text": "?"}]}),
        [("anthropic.image-too-large", E, "messages[0].content[0].source.data")],
        "image exceeds 5 MB maximum",
    ),
    (
        "image-over-8000-alone",
        "vertex",
        req(
            {"role": "user", "content": [image(png_header(9000, 300)), {"type": "text", "text": "?"}]},
            **VERTEX_VERSION,
        ),
        [("anthropic.image-too-large", E, "messages[0].content[0].source.data")],
        None,
    ),
]
CASES += BOUNDS_CASES


@pytest.mark.parametrize(
    ("provider", "body", "expected", "predicted"),
    [(p, b, e, t) for _, p, b, e, t in CASES],
    ids=[c[0] for c in CASES],
)
def test_rule_cases(
    provider: str, body: dict[str, Any], expected: list[tuple[str, str, str]], predicted: str | None
) -> None:
    assert findings(provider, body) == expected
    if predicted is not None:
        texts = [p.text for p in RULES[expected[0][0]].predicts]
        assert any(predicted in text for text in texts), texts


def test_every_anthropic_rule_has_a_case() -> None:
    covered = {rule for _, _, _, expected, _ in CASES for rule, _, _ in expected}
    assert {rule for rule in covered if rule.startswith("anthropic.")} == {
        rule for rule in RULES if rule.startswith("anthropic.")
    }


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/v1/messages", "messages"),
        ("/v1/messages/", "messages"),
        ("/anthropic/v1/messages", "messages"),  # DeepSeek, Moonshot, MiniMax
        ("/api/anthropic/v1/messages", "messages"),  # Zhipu
        ("/apps/anthropic/v1/messages", "messages"),  # DashScope
        ("/coding/v1/messages", "messages"),  # Kimi Code
        ("/v1/messages/count_tokens", "chat"),
        ("/v1/messages/batches", "chat"),
        ("/v1/chat/completions", "chat"),
        ("/v1/responses", "responses"),
        ("/messages", "chat"),
    ],
)
def test_endpoint_kind(path: str, kind: str) -> None:
    assert endpoint_kind(path) == kind


def test_query_does_not_change_the_kind() -> None:
    analysis = analyse_request(json.dumps(capture("turn1")).encode(), URLS["anthropic-beta"])
    assert (analysis.target.path, analysis.target.query, analysis.target.endpoint) == (
        "/v1/messages",
        "beta=true",
        "messages",
    )


def test_chat_rules_never_judge_a_messages_body() -> None:
    """The failure this module fixes: an Anthropic body judged by the chat rules raised dozens of false
    errors. On /v1/messages only anthropic.* rules (and the body parser) may speak."""
    body = req(USER, call(CALL_ID), {"role": "user", "content": "Never mind."})
    analysis = analyse_request(json.dumps(body).encode(), URLS["anthropic"])
    assert {f.rule.split(".")[0] for f in analysis.findings} == {"anthropic"}
    chat = analyse_request(json.dumps(body).encode(), "https://api.anthropic.com/v1/chat/completions")
    assert chat.findings and not any(f.rule.startswith("anthropic.") for f in chat.findings)


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://api.anthropic.com/v1/messages", "anthropic"),
        ("https://api.deepseek.com/anthropic/v1/messages", "deepseek"),
        ("https://api.moonshot.cn/anthropic/v1/messages", "moonshot"),
        ("https://api.kimi.com/coding/v1/messages", "moonshot"),
        ("https://open.bigmodel.cn/api/anthropic/v1/messages", "zhipu"),
        ("https://api.z.ai/api/anthropic/v1/messages", "zhipu"),
        ("https://dashscope.aliyuncs.com/apps/anthropic/v1/messages", "dashscope"),
        ("https://api.minimax.io/anthropic/v1/messages", "minimax"),
        ("https://api.minimaxi.com/anthropic/v1/messages", "minimax"),
    ],
)
def test_provider_detection(url: str, provider: str) -> None:
    analysis = analyse_request(json.dumps(req(USER)).encode(), url)
    assert (analysis.target.provider.id, analysis.target.endpoint, analysis.findings) == (
        provider,
        "messages",
        [],
    )


@pytest.mark.parametrize(
    "entry", [e for e in CORPUS if e["label"].startswith("anthropic.")], ids=lambda e: e["id"]
)
def test_real_anthropic_errors_map_to_the_rule_that_predicts_them(entry: dict[str, Any]) -> None:
    # Anthropic's answers (direct and via Vertex) from the corpus, matched without any finding: what the
    # summary and the run report use to name the rule behind an unexplained rejection.
    assert explain(entry["message"]) == entry["label"]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # Texts seen in the wild in other positions or with other ids than the rules quote.
        (
            "messages.148.content.1: each tool_use must have a single result. Found multiple `tool_result` "
            "blocks with id: toolu_01TPsHXcmpuz5cAY97fM5vXv",
            "anthropic.duplicate-tool-result",
        ),
        (
            "messages.6.content.0.tool_result.content.0.image.source.base64.media_type: Input should be "
            "'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
            "anthropic.invalid-image-source",
        ),
        (
            "messages.29.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When "
            "`thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding "
            "the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks "
            "from previous turns. To avoid this requirement, disable `thinking`. Please consult our "
            "documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking",
            "anthropic.thinking-block-missing",
        ),
        (
            "A maximum of 4 blocks with cache_control may be provided. Found 7.",
            "anthropic.too-many-cache-breakpoints",
        ),
        (
            "tools.28.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
            "anthropic.invalid-tool-name",
        ),
    ],
)
def test_variants_of_predicted_texts_are_recognised(text: str, rule: str) -> None:
    assert explain(text) == rule


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    atoms: list[Any] = [
        None,
        True,
        0,
        1.5,
        -3,
        "",
        " ",
        "toolu_1",
        "system",
        "user",
        "assistant",
        "tool",
        "text",
    ]
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice(atoms)
    if roll < 0.55:
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["type", "role", "content", "id", "tool_use_id", "name", "input", "text", "source", "media_type",
            "data", "signature", "cache_control", "input_schema", "url", "file_id"]  # fmt: skip
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_malformed_bodies_never_break_a_check() -> None:
    """Bad input gets findings or passes, never an internal error: every field takes any JSON value
    (a dict where a role or a type string belongs does not even hash)."""
    rng = random.Random(11)
    kinds = ["text", "tool_use", "tool_result", "thinking", "image", "document", None, {}, 5]
    for _ in range(1500):
        messages = []
        for _ in range(rng.randint(0, 5)):
            blocks = []
            for _ in range(rng.randint(0, 3)):
                extra = _random_json(rng, 2)
                blocks.append({"type": rng.choice(kinds), **(extra if isinstance(extra, dict) else {})})
            messages.append(
                {"role": _random_json(rng, 3), "content": rng.choice([blocks, _random_json(rng, 2)])}
            )
        body: dict[str, Any] = {"model": _random_json(rng, 3), "messages": messages}
        for field in ("max_tokens", "tools", "tool_choice", "thinking", "temperature", "top_p", "system"):
            if rng.random() < 0.5:
                body[field] = _random_json(rng, 1)
        if rng.random() < 0.3:
            body["tool_choice"] = {"type": _random_json(rng, 3), "name": _random_json(rng, 3)}
            body["thinking"] = {"type": rng.choice(["enabled", "adaptive", {}])}
        for url in (URLS["anthropic"], URLS["deepseek"]):
            assert not analyse_request(json.dumps(body).encode(), url).internal_errors, body


def test_bodies_built_by_the_anthropic_sdk_give_no_findings(upstream: Upstream) -> None:
    """The real ``anthropic`` SDK builds a tool loop the way its docs show (assistant content replayed
    from the response, a tool_result, an image, a PDF, thinking, a forced tool, cache_control); the
    loopback upstream records the bytes and every body is judged at Anthropic's URL."""
    anthropic_sdk = pytest.importorskip("anthropic")
    Conversation("messages", ToolCall("get_weather", {"city": "Paris"}), thinking=True).install(upstream)
    client = anthropic_sdk.Anthropic(
        base_url=upstream.url, api_key="sk-ant-test", max_retries=0, timeout=10.0
    )
    model = "claude-sonnet-4-6"  # the SDK warns about `thinking: enabled` on claude-opus-4-6
    question = {"role": "user", "content": "What is the weather in Paris?"}
    system = [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}]
    first = client.messages.create(
        model=model, max_tokens=2048, tools=[TOOL], messages=[question], system=system,
        thinking={"type": "enabled", "budget_tokens": 1024},
    )  # fmt: skip
    call_block = next(b for b in first.content if b.type == "tool_use")
    history = [
        question,
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call_block.id, "content": "18C"}],
        },
    ]
    client.messages.create(
        model=model, max_tokens=2048, tools=[TOOL], messages=history, system=system,
        thinking={"type": "enabled", "budget_tokens": 1024},
    )  # fmt: skip
    client.messages.create(
        model=model,
        max_tokens=512,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "image", "source": PNG},
                    {"type": "document", "source": PDF, "cache_control": {"type": "ephemeral"}},
                    {"type": "text", "text": "Describe both."},
                ],
            }
        ],
    )
    client.messages.create(
        model=model, max_tokens=256, tools=[TOOL], messages=[question],
        tool_choice={"type": "tool", "name": "get_weather"},
    )  # fmt: skip
    client.close()
    bodies = [json.loads(r.body) for r in upstream.received("/v1/messages")]
    assert len(bodies) == 4
    assert bodies[1]["messages"][1]["content"][0]["type"] == "thinking"  # replayed with its signature
    for body in bodies:
        assert findings("anthropic", body) == []


def test_thinking_budget_is_not_judged_under_a_beta() -> None:
    """With the interleaved-thinking beta the budget may exceed max_tokens; `?beta=true` turns it off."""
    body = req(USER, max_tokens=1024, thinking=THINK_ON)
    plain = analyse_request(json.dumps(body), "https://api.anthropic.com/v1/messages")
    beta = analyse_request(json.dumps(body), "https://api.anthropic.com/v1/messages?beta=true")
    assert [(f.rule, str(f.severity)) for f in plain.findings] == [
        ("anthropic.thinking-budget-not-below-max-tokens", "error")
    ]
    assert beta.findings == []
