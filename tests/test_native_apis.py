"""The native APIs toolguard checks since the nineteenth pass: Bedrock's Converse (``converse``), Ollama's
``/api/chat`` (``ollama``), and Claude's Messages body on Bedrock InvokeModel / Vertex rawPredict (the
``messages`` kind, request.anthropic_platform). Paths → kind, model and stream; each rule's findings on real
body shapes, whole rows; the probe set's hygiene."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.corpus import CORPUS_DIR, read_jsonl, thread_key
from support.probes import assert_corpus_shape, assert_unseen, rows_of

from toolguard_core.analyze import analyse_request, body_facts
from toolguard_core.request import anthropic_platform, endpoint_kind, path_model, stream_by_path
from toolguard_core.rules import RULES
from toolguard_core.verdict import DEFAULT_PATHS

BEDROCK = "https://bedrock-runtime.us-east-1.amazonaws.com"
E, W = "error", "warning"


@pytest.mark.parametrize(
    ("path", "kind", "model", "stream", "platform", "in_scope"),
    [
        (
            "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke",
            "messages",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            False,
            "bedrock",
            True,
        ),
        (
            "/model/arn%3Aaws%3Abedrock%3Aus-west-2%3A1%3Ainference-profile%2Fglobal.anthropic.claude-opus-4-7/"
            "invoke-with-response-stream",
            "messages",
            "arn:aws:bedrock:us-west-2:1:inference-profile/global.anthropic.claude-opus-4-7",
            True,
            "bedrock",
            True,
        ),
        # Another vendor's InvokeModel body is its own (Titan's inputText): not checked, not in scope.
        (
            "/model/amazon.titan-text-express-v1/invoke",
            "chat",
            "amazon.titan-text-express-v1",
            False,
            None,
            False,
        ),
        (
            "/model/meta.llama3-8b-instruct-v1:0/converse",
            "converse",
            "meta.llama3-8b-instruct-v1:0",
            False,
            None,
            True,
        ),
        (
            "/model/amazon.nova-lite-v1%3A0/converse-stream",
            "converse",
            "amazon.nova-lite-v1:0",
            True,
            None,
            True,
        ),
        (
            "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict",
            "messages",
            "claude-sonnet-4-5@20250929",
            False,
            "vertex",
            True,
        ),
        (
            "/v1/projects/p/locations/global/publishers/anthropic/models/claude-haiku-4-5:streamRawPredict",
            "messages",
            "claude-haiku-4-5",
            True,
            "vertex",
            True,
        ),
        ("/api/chat", "ollama", None, None, None, True),
        ("/ollama/api/chat", "ollama", None, None, None, True),
        ("/api/generate", "chat", None, None, None, False),
        ("/v1/messages", "messages", None, None, None, True),
        (
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
            "gemini",
            "gemini-2.5-flash",
            True,
            None,
            True,
        ),
    ],
)
def test_paths_give_kind_model_stream_platform_and_scope(
    path: str, kind: str, model: str | None, stream: bool | None, platform: str | None, in_scope: bool
) -> None:
    import re

    assert (
        endpoint_kind(path),
        path_model(path),
        stream_by_path(path),
        anthropic_platform(path),
        any(re.search(pattern, path) for pattern in DEFAULT_PATHS),
    ) == (kind, model, stream, platform, in_scope)


@pytest.mark.parametrize(
    ("path", "body", "facts"),
    [
        # The stored row's model and stream come from the path on Bedrock; Ollama streams unless told not to.
        (
            "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream?x=1",
            {"messages": []},
            ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", True, True),
        ),
        ("/api/chat", {"model": "qwen3", "messages": []}, ("qwen3", True, True)),
        ("/api/chat", {"model": "qwen3", "messages": [], "stream": False}, ("qwen3", False, True)),
    ],
)
def test_body_facts_on_native_paths(path: str, body: dict[str, Any], facts: tuple[object, ...]) -> None:
    assert body_facts(json.dumps(body).encode(), 1 << 20, None, path) == facts


# ----------------------------------------------------------------------------- Converse

CLAUDE = f"{BEDROCK}/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"
LLAMA4 = f"{BEDROCK}/model/us.meta.llama4-maverick-17b-instruct-v1%3A0/converse"
LLAMA3 = f"{BEDROCK}/model/meta.llama3-8b-instruct-v1%3A0/converse"
GATEWAY = (
    "http://litellm.internal.example:4000/bedrock/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse"
)
TOOLS = {
    "tools": [
        {
            "toolSpec": {
                "name": "get_weather",
                "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}},
            }
        }
    ]
}
USER = {"role": "user", "content": [{"text": "What is the weather in Paris?"}]}
REASONING = {"reasoningContent": {"reasoningText": {"text": "Look it up.", "signature": "EqQBCkYIAR"}}}


def use(*ids: str, text: str | None = None) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"text": text}] if text else []
    blocks += [{"toolUse": {"toolUseId": i, "name": "get_weather", "input": {"city": "Paris"}}} for i in ids]
    return {"role": "assistant", "content": blocks}


def results(*ids: str, text: str | None = None) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"toolResult": {"toolUseId": i, "content": [{"text": "18C"}]}} for i in ids
    ]
    return {"role": "user", "content": blocks + ([{"text": text}] if text else [])}


def findings(url: str, body: dict[str, Any]) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors, analysis.internal_errors
    return [(f.rule, f.severity.value, f.location) for f in analysis.findings]


CONVERSE_CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str]]]] = [
    (
        "clean-tool-round-trip",
        CLAUDE,
        {"messages": [USER, use("t1", text="Checking."), results("t1")], "toolConfig": TOOLS},
        [],
    ),
    (
        "assistant-first",
        LLAMA4,
        {"messages": [{"role": "assistant", "content": [{"text": "Hi."}]}, USER]},
        [("converse.first-message-not-user", E, "messages[0].role")],
    ),
    # Claude has gone both ways on Converse: refused for 3.5 Sonnet v2 (an error), a 200 for Sonnet 4.5 in the
    # corpus's av-009 (a warning, never an error the upstream may not give).
    (
        "assistant-first-on-claude-4-5",
        CLAUDE,
        {"messages": [{"role": "assistant", "content": [{"text": "Hi."}]}, USER]},
        [("converse.first-message-not-user", W, "messages[0].role")],
    ),
    (
        "assistant-first-on-claude-3-5",
        f"{BEDROCK}/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse",
        {"messages": [{"role": "assistant", "content": [{"text": "Hi."}]}, USER]},
        [("converse.first-message-not-user", E, "messages[0].role")],
    ),
    (
        "two-user-turns",
        CLAUDE,
        {"messages": [USER, {"role": "user", "content": [{"text": "And Rome?"}]}]},
        [("converse.role-alternation", E, "messages[1]")],
    ),
    (
        "system-message-from-a-chat-body",
        CLAUDE,
        {"messages": [{"role": "system", "content": [{"text": "Be brief."}]}, USER]},
        [("converse.role-invalid", E, "messages[0].role")],
    ),
    (
        # Parallel calls answered in two user turns: the first misses t2, and the turns do not alternate.
        "parallel-results-split-over-two-turns",
        CLAUDE,
        {"messages": [USER, use("t1", "t2"), results("t1"), results("t2")], "toolConfig": TOOLS},
        [
            ("converse.tool-result-pairing", E, "messages[2].content"),
            ("converse.role-alternation", E, "messages[3]"),
            ("converse.tool-result-pairing", E, "messages[3].content"),
        ],
    ),
    (
        # A model that names both parallel calls after the tool (double16/Cyber-AutoAgent-ng#27), answered twice.
        "parallel-calls-sharing-an-id",
        CLAUDE,
        {
            "messages": [USER, use("http_request", "http_request"), results("http_request")],
            "toolConfig": TOOLS,
        },
        [("converse.duplicate-tool-use-id", E, "messages[1].content")],
    ),
    (
        # Consecutive tool messages merged into one user turn with the same result twice (BerriAI/litellm#20047).
        "merged-tool-messages-repeat-a-result",
        CLAUDE,
        {"messages": [USER, use("t1"), results("t1", "t1")], "toolConfig": TOOLS},
        [("converse.duplicate-tool-use-id", E, "messages[2].content")],
    ),
    (
        # Claude 3.7's thinking on Converse, the tool call replayed without its reasoning (aws-samples/bedrock-engineer#43).
        "thinking-dropped-from-the-tool-loop",
        CLAUDE,
        {
            "messages": [USER, use("t1"), results("t1")],
            "toolConfig": TOOLS,
            "additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 2048}},
        },
        [("converse.thinking-block-missing", E, "messages[1].content[0]")],
    ),
    (
        # The loop's earlier turn kept its reasoning: Anthropic asks for one thinking block per trailing loop.
        "thinking-kept-on-the-loops-first-turn",
        CLAUDE,
        {
            "messages": [
                USER,
                {"role": "assistant", "content": [REASONING, *use("t1")["content"]]},
                results("t1"),
                use("t2"),
                results("t2"),
            ],
            "toolConfig": TOOLS,
            "additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 2048}},
        },
        [],
    ),
    (
        # A streamed signature delta dropped by the client (run-llama/llama_index#20851).
        "reasoning-replayed-without-its-signature",
        CLAUDE,
        {
            "messages": [
                USER,
                {
                    "role": "assistant",
                    "content": [
                        {"reasoningContent": {"reasoningText": {"text": "Look it up."}}},
                        *use("t1")["content"],
                    ],
                },
                results("t1"),
            ],
            "toolConfig": TOOLS,
            "additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 2048}},
        },
        [
            (
                "converse.reasoning-signature-missing",
                E,
                "messages[1].content[0].reasoningContent.reasoningText.signature",
            )
        ],
    ),
    (
        # Nova treats the signature the other way (maximhq/bifrost#6942): not judged.
        "unsigned-reasoning-on-nova",
        f"{BEDROCK}/model/us.amazon.nova-pro-v1%3A0/converse",
        {
            "messages": [
                USER,
                {
                    "role": "assistant",
                    "content": [
                        {"reasoningContent": {"reasoningText": {"text": "Look it up."}}},
                        *use("t1")["content"],
                    ],
                },
                results("t1"),
            ],
            "toolConfig": TOOLS,
        },
        [],
    ),
    (
        # Adaptive thinking may not have thought, and a Llama model has no Anthropic validator.
        "adaptive-thinking-is-not-judged",
        CLAUDE,
        {
            "messages": [USER, use("t1"), results("t1")],
            "toolConfig": TOOLS,
            "additionalModelRequestFields": {"thinking": {"type": "adaptive"}},
        },
        [],
    ),
    (
        "orphan-result-after-pruning",
        GATEWAY,
        {"messages": [USER, results("t9")], "toolConfig": TOOLS},
        [
            ("converse.role-alternation", E, "messages[1]"),
            ("converse.tool-result-pairing", E, "messages[1].content"),
        ],
    ),
    (
        "tool-blocks-without-tool-config",
        CLAUDE,
        {"messages": [USER, use("t1"), results("t1")]},
        [("converse.tool-config-missing", E, "toolConfig")],
    ),
    # The request model generated from AWS's service model (data/converse_request_schema.json): an image format
    # taken from the mime subtype (strands-agents/harness-sdk#2204: "Member must satisfy enum value set: [png,
    # jpeg, gif, webp]"), a document format from a mime type (vercel/ai#5606), a toolResult status outside
    # success/error, a temperature above 1, an Anthropic image block passed through unconverted.
    (
        "image-format-jpg",
        CLAUDE,
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"text": "What is this?"},
                        {"image": {"format": "jpg", "source": {"bytes": "/9j/4AAQ"}}},
                    ],
                }
            ]
        },
        [("converse.invalid-value", E, "messages[0].content[1].image.format")],
    ),
    (
        "document-format-from-mime-type",
        CLAUDE,
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"document": {"format": "sheet", "name": "q3", "source": {"bytes": "UEsDBBQ="}}},
                        {"text": "Sum column B"},
                    ],
                }
            ]
        },
        [("converse.invalid-value", E, "messages[0].content[0].document.format")],
    ),
    (
        "tool-result-status-failed",
        CLAUDE,
        {
            "messages": [
                USER,
                use("t1"),
                {
                    "role": "user",
                    "content": [
                        {"toolResult": {"toolUseId": "t1", "content": [{"text": "boom"}], "status": "failed"}}
                    ],
                },
            ],
            "toolConfig": TOOLS,
        },
        [("converse.invalid-value", E, "messages[2].content[0].toolResult.status")],
    ),
    (
        "temperature-above-one",
        CLAUDE,
        {"messages": [USER], "inferenceConfig": {"temperature": 1.5, "maxTokens": 0}},
        [
            ("converse.invalid-value", E, "inferenceConfig.temperature"),
            ("converse.invalid-value", E, "inferenceConfig.maxTokens"),
        ],
    ),
    (
        "anthropic-image-block-unconverted",
        CLAUDE,
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"image": {"source": {"bytes": "iVBORw0KGgo="}}}, {"text": "Describe"}],
                }
            ]
        },
        [("converse.missing-required", E, "messages[0].content[0].image.format")],
    ),
    # The bytes decide (aws-samples/amazon-bedrock-client-for-mac#130: PNG bytes declared jpeg).
    (
        "png-bytes-declared-jpeg",
        CLAUDE,
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"image": {"format": "jpeg", "source": {"bytes": "iVBORw0KGgoAAAANSUhEUg=="}}},
                        {"text": "?"},
                    ],
                }
            ]
        },
        [("converse.image-format-mismatch", E, "messages[0].content[0].image.source.bytes")],
    ),
    # Nova's reasoning switch sent to Claude (vercel/ai#7073); Nova itself takes it.
    (
        "reasoning-config-on-claude",
        CLAUDE,
        {
            "messages": [USER],
            "additionalModelRequestFields": {"reasoningConfig": {"type": "enabled", "budgetTokens": 2048}},
        },
        [("converse.claude-foreign-reasoning-field", E, "additionalModelRequestFields.reasoningConfig")],
    ),
    (
        "reasoning-config-on-nova",
        f"{BEDROCK}/model/us.amazon.nova-2-lite-v1%3A0/converse",
        {
            "messages": [USER],
            "additionalModelRequestFields": {
                "reasoningConfig": {"type": "enabled", "maxReasoningEffort": "low"}
            },
        },
        [],
    ),
    (
        "valid-media-blocks",
        CLAUDE,
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"image": {"format": "webp", "source": {"bytes": "UklGRg=="}}},
                        {"document": {"format": "md", "name": "notes", "source": {"text": "# notes"}}},
                        {"text": "Compare them"},
                        {"cachePoint": {"type": "default"}},
                    ],
                }
            ],
            "inferenceConfig": {
                "temperature": 1,
                "topP": 0.9,
                "maxTokens": 1,
                "stopSequences": ["a", "b", "c", "d", "e"],
            },
        },
        [],
    ),
    (
        "empty-tool-list",
        CLAUDE,
        {"messages": [USER], "toolConfig": {"tools": []}},
        [("converse.tools-empty", E, "toolConfig.tools")],
    ),
    (
        "whitespace-text-and-empty-content",
        CLAUDE,
        {
            "messages": [
                {"role": "user", "content": [{"text": " "}]},
                {"role": "assistant", "content": []},
                USER,
            ]
        },
        [
            ("converse.empty-text", E, "messages[0].content[0].text"),
            ("converse.empty-text", E, "messages[1].content"),
        ],
    ),
    (
        "llama-tool-result-with-text",
        LLAMA4,
        {"messages": [USER, use("t1"), results("t1", text="Also Rome.")], "toolConfig": TOOLS},
        [("converse.tool-result-with-text", E, "messages[2].content")],
    ),
    (
        "claude-takes-text-beside-a-result",
        CLAUDE,
        {"messages": [USER, use("t1"), results("t1", text="Also Rome.")], "toolConfig": TOOLS},
        [],
    ),
    (
        "tool-name-with-a-dot-and-id-with-a-space",
        CLAUDE,
        {
            "messages": [USER, use("call 1"), results("call 1")],
            "toolConfig": {
                "tools": [
                    {"toolSpec": {"name": "fs.read", "inputSchema": {"json": {"type": "object"}}}},
                    *TOOLS["tools"],
                ]
            },
        },
        [
            ("converse.tool-use-id-invalid", E, "messages[1].content[0].toolUse.toolUseId"),
            ("converse.tool-use-id-invalid", E, "messages[2].content[0].toolResult.toolUseId"),
            ("converse.tool-name-invalid", E, "toolConfig.tools[0].toolSpec.name"),
        ],
    ),
    (
        "input-schema-not-object-and-definitions",
        CLAUDE,
        {
            "messages": [USER],
            "toolConfig": {
                "tools": [
                    {"toolSpec": {"name": "ls", "inputSchema": {"json": {"type": "string"}}}},
                    {
                        "toolSpec": {
                            "name": "cat",
                            "inputSchema": {"json": {"type": "object", "definitions": {}}},
                        }
                    },
                ]
            },
        },
        [
            ("converse.input-schema-not-object", E, "toolConfig.tools[0].toolSpec.inputSchema.json.type"),
            (
                "converse.input-schema-definitions",
                E,
                "toolConfig.tools[1].toolSpec.inputSchema.json.definitions",
            ),
        ],
    ),
    (
        "llama3-without-tool-use",
        LLAMA3,
        {"messages": [USER], "toolConfig": TOOLS},
        [("converse.model-no-tools", E, "toolConfig")],
    ),
    (
        # Titan's Converse row takes no system prompt (anything-llm#2486); the system prompt and tools both refused.
        "titan-with-a-system-prompt",
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-text-express-v1/converse",
        {"system": [{"text": "Be brief."}], "messages": [USER], "toolConfig": TOOLS},
        [("converse.model-no-tools", E, "toolConfig"), ("converse.model-no-system", E, "system")],
    ),
    (
        # Claude 3.5 Haiku's Converse row takes no image (amazon-bedrock-samples#608, vercel/ai#4770).
        "claude-3-5-haiku-with-an-image",
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        *USER["content"],
                        {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
                    ],
                }
            ]
        },
        [("converse.model-no-vision", E, "messages[0].content[1].image")],
    ),
    # Session 18: Claude Opus 4.7 on, and every Claude 5 model, take no sampling temperature; Bedrock relays
    # Anthropic's "`temperature` is deprecated for this model" on Converse too (cline/cline#10572; AWS's Opus 4.7
    # model card, quoted in cube-js/cube#10879). 1 is accepted, and earlier generations take any temperature.
    *(
        (
            f"claude-temperature-{model}-{temperature}",
            f"https://bedrock-runtime.us-east-1.amazonaws.com/model/{model}/converse",
            {"messages": [USER], "inferenceConfig": {"temperature": temperature, "maxTokens": 512}},
            [("converse.temperature-unsupported", E, "inferenceConfig.temperature")] if flagged else [],
        )
        for model, temperature, flagged in (
            ("anthropic.claude-opus-4-8", 0.7, True),
            ("us.anthropic.claude-opus-4-7", 0, True),
            ("us.anthropic.claude-opus-5", 0.2, True),
            ("global.anthropic.claude-sonnet-5-v1%3A0", 0.5, True),
            ("us.anthropic.claude-opus-4-7", 1, False),
            ("anthropic.claude-opus-4-6-v1", 0.7, False),
            ("us.anthropic.claude-sonnet-4-5-20250929-v1%3A0", 0.2, False),
            ("us.amazon.nova-pro-v1%3A0", 0.5, False),
            # An application inference profile's ARN names no model: not judged.
            ("arn%3Aaws%3Abedrock%3Aus-west-2%3A1%3Aapplication-inference-profile%2Fabc", 0.7, False),
        )
    ),
    (
        "nova-with-a-system-prompt",
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-lite-v1%3A0/converse",
        {"system": [{"text": "Be brief."}], "messages": [USER]},
        [],
    ),
    (
        "a-chat-body-on-converse",
        CLAUDE,
        {"model": "claude", "max_tokens": 100, "messages": [{"role": "user", "content": "Hi."}]},
        [
            ("converse.unknown-field", W, "model"),
            ("converse.unknown-field", W, "max_tokens"),
            ("converse.unknown-field", W, "messages[0].content"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("url", "body", "expected"), [c[1:] for c in CONVERSE_CASES], ids=[c[0] for c in CONVERSE_CASES]
)
def test_converse_cases(url: str, body: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert findings(url, body) == expected


def test_every_converse_rule_has_a_case() -> None:
    covered = {rule for *_, expected in CONVERSE_CASES for rule, _, _ in expected}
    assert covered == {rule for rule in RULES if rule.startswith("converse.")}


def test_converse_elsewhere_is_a_warning() -> None:
    """A Converse path on a host mapped to another provider: the refusal is Bedrock's, so a warning there."""
    body = {"messages": [{"role": "assistant", "content": [{"text": "Hi."}]}, USER]}
    analysis = analyse_request(json.dumps(body), "https://api.openai.com/model/x/converse")
    assert [(f.rule, f.severity.value) for f in analysis.findings] == [("converse.first-message-not-user", W)]


# ----------------------------------------------------------------------------- Ollama's /api/chat

OLLAMA = "http://localhost:11434/api/chat"
REMOTE = "https://ollama.internal.example/ollama/api/chat"
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}

OLLAMA_CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str, str]]]] = [
    (
        "clean",
        REMOTE,
        {"model": "qwen3", "messages": [{"role": "user", "content": "Hi."}], "tools": [TOOL], "think": True},
        [],
    ),
    (
        "content-parts-and-string-arguments",
        REMOTE,
        {
            "model": "qwen3",
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Hi."}]},
                {
                    "role": "assistant",
                    "tool_calls": [{"function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}],
                },
            ],
        },
        [
            ("ollama.field-type", E, "messages[0].content"),
            ("ollama.field-type", E, "messages[1].tool_calls[0].function.arguments"),
        ],
    ),
    (
        "messages-as-a-string",
        REMOTE,
        {"model": "qwen3", "messages": "Hi."},
        [("ollama.field-type", E, "messages")],
    ),
    (
        "tools-on-gemma3",
        REMOTE,
        {"model": "gemma3:12b", "messages": [{"role": "user", "content": "Hi."}], "tools": [TOOL]},
        [("quirks.ollama-model-no-tools", E, "tools")],
    ),
    (
        "think-on-gemma3",
        REMOTE,
        {"model": "gemma3:12b", "messages": [{"role": "user", "content": "Hi."}], "think": True},
        [("ollama.think-unsupported", E, "think")],
    ),
    (
        # Ollama's own port: Ollama's level.
        "ollamas-own-port",
        OLLAMA,
        {"model": "qwen3", "messages": [{"role": "user", "content": ["Hi."]}]},
        [("ollama.field-type", E, "messages[0].content")],
    ),
    (
        # The same body on a host mapped to another provider: Ollama's refusal is a warning there.
        "another-providers-host",
        "https://api.openai.com/api/chat",
        {"model": "qwen3", "messages": [{"role": "user", "content": ["Hi."]}]},
        [("ollama.field-type", W, "messages[0].content")],
    ),
]


@pytest.mark.parametrize(
    ("url", "body", "expected"), [c[1:] for c in OLLAMA_CASES], ids=[c[0] for c in OLLAMA_CASES]
)
def test_ollama_cases(url: str, body: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert findings(url, body) == expected


def test_every_ollama_rule_has_a_case() -> None:
    covered = {rule for *_, expected in OLLAMA_CASES for rule, _, _ in expected}
    assert covered >= {rule for rule in RULES if rule.startswith("ollama.")}


def test_bad_native_bodies_never_crash() -> None:
    """Bad input gets a finding or a clean pass-through: odd JSON in every slot of both native kinds."""
    odd: list[Any] = [None, 1, "x", [], {}, [None], [1], [{}], [{"role": 3, "content": {"text": None}}]]
    for value in odd:
        for url, key in (
            (CLAUDE, "messages"),
            (CLAUDE, "toolConfig"),
            (REMOTE, "messages"),
            (REMOTE, "tools"),
        ):
            analysis = analyse_request(json.dumps({key: value, "model": "qwen3"}), url)
            assert not analysis.internal_errors, (url, key, value, analysis.internal_errors)


# ----------------------------------------------------------------------------- the probe set

PROBE = CORPUS_DIR / "probe-apis-8.jsonl"


def test_probe_rows_have_the_corpus_shape_and_new_threads() -> None:
    rows = read_jsonl(PROBE)
    assert_corpus_shape(rows, least=25, classes={"provider", "model"}, request_optional=True)
    assert all(row["provider"] in {"bedrock", "vertex", "ollama"} for row in rows)
    # Only the probe's own ids are reported: printing corpus threads would show held-out ones.
    assert_unseen(
        rows,
        # The cause probe's rows (``source`` alone) measure text recognition, not rules: sharing a
        # thread with them taints neither (docs/accuracy.md, the fifteenth pass).
        [
            r
            for r in rows_of(CORPUS_DIR.glob("probe-*.jsonl"))
            if isinstance(r.get("thread"), str) and r not in rows
        ],
        texts=False,
    )


def test_no_rule_cites_a_probe_thread() -> None:
    """The probe measures unseen failures: no rule of the native kinds is written from one of its threads."""
    probe = {thread_key(r["thread"]) for r in read_jsonl(PROBE)}
    cited = {
        (rule.id, thread_key(p.source))
        for rule in RULES.values()
        for p in rule.predicts
        if p.source.startswith("http")
    }
    assert [pair for pair in cited if pair[1] in probe] == []


# ----------------------------------------------------------------------------- check and show name the API


@pytest.mark.parametrize(
    ("url", "body", "words"),
    [
        (CLAUDE, {"messages": [USER]}, "Bedrock Converse (Amazon Bedrock)"),
        (GATEWAY, {"messages": [USER]}, "Bedrock Converse (unknown host: a gateway)"),
        (OLLAMA, {"model": "qwen3", "messages": []}, "Ollama native /api/chat (Ollama)"),
        (
            f"{BEDROCK}/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke",
            {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 9, "messages": []},
            "Anthropic Messages on Bedrock InvokeModel",
        ),
    ],
)
def test_check_names_the_api(tmp_path: Any, url: str, body: dict[str, Any], words: str) -> None:
    from click.testing import CliRunner

    from toolguard_analysis.cli import cli

    request = tmp_path / "request.json"
    request.write_text(json.dumps(body))
    result = CliRunner().invoke(cli, ["check", str(request), "--url", url])
    assert f"for {words} (" in result.output, result.output


def test_native_bodies_render_in_the_chat_shape_turn_for_turn() -> None:
    from toolguard_core.conversation import native_as_chat

    converse = {"messages": [USER, use("t1", text="Checking."), results("t1"), results("t2", "t3")]}
    assert native_as_chat(converse, "converse")["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "What is the weather in Paris?"}]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "Checking."}],
            "tool_calls": [
                {
                    "id": "t1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "t1", "content": "18C"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "[toolResult t2] 18C"},
                {"type": "text", "text": "[toolResult t3] 18C"},
            ],
        },
    ]
    ollama = {
        "messages": [
            {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]},
            {"role": "tool", "tool_name": "f", "content": "x"},
        ]
    }
    assert native_as_chat(ollama, "ollama")["messages"] == [
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
            ],
        },
        {"role": "tool", "tool_name": "f", "content": "x", "tool_call_id": "call_1"},
    ]
