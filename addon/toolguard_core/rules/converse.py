"""Amazon Bedrock's Converse API rules (``POST /model/{modelId}/converse`` and ``/converse-stream``).

The request (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html, checked
2026-12-01) carries camelCase fields: ``messages`` (each ``{"role": "user"|"assistant", "content": [ContentBlock]}``,
a ContentBlock being a union with one member: ``text``, ``image``, ``document``, ``video``, ``toolUse``,
``toolResult``, ``guardContent``, ``cachePoint``, ``reasoningContent``, ``citationsContent``, ...), ``system``,
``inferenceConfig`` (``maxTokens``, ``temperature``, ``topP``, ``stopSequences``), ``toolConfig`` (``tools`` of
``toolSpec``/``cachePoint``, ``toolChoice``), ``guardrailConfig``, ``additionalModelRequestFields``,
``additionalModelResponseFieldPaths``, ``promptVariables``, ``requestMetadata``, ``performanceConfig``. The model
is the path's (request.path_model), URL-decoded; its capabilities come from the catalog (Bedrock ids map through
``catalog_vendors``). LiteLLM (its default for Bedrock), the Vercel AI SDK's ``@ai-sdk/amazon-bedrock``,
LangChain's ``ChatBedrockConverse``, Strands and boto3 users send it.

Bedrock validates the conversation itself (the texts below are its ValidationException messages) and, for
Anthropic's models, passes Anthropic's own validation through ("The model returned the following errors:
messages.54: Did not find 2 `tool_result` block(s) ..."), so the structural rules hold for every model.

Severity per provider: Bedrock's runtime (``bedrock``) answers with the texts quoted below; an unrecognised host
on a ``/converse`` path is a gateway in front of Bedrock (LiteLLM's pass-through, a company proxy signing
requests), so the same level holds there (``generic``); elsewhere a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

from toolguard_core.catalog import bedrock_converse
from toolguard_core.findings import Finding, Severity
from toolguard_core.request import CONVERSE, RequestView
from toolguard_core.rules.jsonvalues import sniff_image
from toolguard_core.rules.modelinfo import claude_family, claude_version, is_number, temperature_removed
from toolguard_core.rules.registry import Policy, PredictedError, check, define, policy

CONVERSE_URL = "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"
LLAMA_URL = (
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama4-maverick-17b-instruct-v1%3A0/converse"
)
#: A Bedrock model id without tool use on Converse (langchain-ai/langchain-aws#175).
NO_TOOLS_URL = "https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama3-8b-instruct-v1%3A0/converse"
#: A Bedrock model id whose Converse table row takes no image (aws-samples/amazon-bedrock-samples#608).
NO_VISION_URL = "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"
#: A Bedrock model id whose Converse table row takes no system prompt (Mintplex-Labs/anything-llm#2486).
NO_SYSTEM_URL = "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-text-express-v1/converse"
#: Claude Opus 4.7 by its cross-region profile: takes no sampling temperature (cline/cline#10572).
OPUS_47_URL = "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-opus-4-7/converse"
#: Amazon Nova Pro: refused an assistant-first history (quarkus-langchain4j#1764).
NOVA_URL = "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-pro-v1%3A0/converse"

# ----------------------------------------------------------------------------- the field lists (data)

#: The Converse request model, generated from AWS's service model by scripts/refresh_converse_schema.py
#: (botocore's bedrock-runtime service-2.json; the snapshot records its source, version and date). The
#: schema rules below read it; nothing in them is copied by hand.
SCHEMA_SNAPSHOT = "converse_request_schema.json"
_SCHEMA = json.loads(
    resources.files("toolguard_core.data").joinpath(SCHEMA_SNAPSHOT).read_text(encoding="utf-8")
)
SCHEMA_META: Mapping[str, Any] = _SCHEMA["_meta"]
SHAPES: Mapping[str, Mapping[str, Any]] = _SCHEMA["shapes"]
#: The request's fields per level, as the model above declares them (ConverseRequest, Message,
#: InferenceConfiguration, ToolConfiguration), plus members newer than the SDK model it was generated from:
#: ``outputConfig`` (structured output) is in AWS's API reference but not in botocore 1.40.76, and is listed
#: so a request using it is never flagged.
_LEVEL_SHAPES: Mapping[str, str] = {
    "request": "ConverseRequest",
    "message": "Message",
    "inferenceConfig": "InferenceConfiguration",
    "toolConfig": "ToolConfiguration",
}
NEWER_MEMBERS: Mapping[str, frozenset[str]] = {"request": frozenset({"outputConfig"})}
FIELDS: Mapping[str, frozenset[str]] = {
    level: frozenset(SHAPES[shape]["members"]) | NEWER_MEMBERS.get(level, frozenset())
    for level, shape in _LEVEL_SHAPES.items()
}
#: Chat Completions / Messages names a client sends to Converse by mistake, and where Converse takes them.
CONVERSE_NAMES: Mapping[str, str] = {
    "model": "the path (/model/{modelId}/converse)",
    "max_tokens": "inferenceConfig.maxTokens",
    "temperature": "inferenceConfig.temperature",
    "top_p": "inferenceConfig.topP",
    "stop": "inferenceConfig.stopSequences",
    "stop_sequences": "inferenceConfig.stopSequences",
    "tools": "toolConfig.tools (each a toolSpec)",
    "tool_choice": "toolConfig.toolChoice",
    "stream": "the path (/converse-stream)",
    "anthropic_version": "nothing: Converse takes no version (it is InvokeModel's field)",
}
ROLES = frozenset({"user", "assistant"})
#: ToolSpecification.name: "Pattern: [a-zA-Z0-9_-]+", "Length Constraints: Minimum length of 1. Maximum length
#: of 64." (API reference); the validator's own text is quoted on the rule.
TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
#: ToolUseBlock/ToolResultBlock.toolUseId: length 1-64 and the member constraint AWS answers with,
#: ``[a-zA-Z0-9_.:-]+`` (aws-samples/remote-swe-agents#457's ValidationException).
TOOL_USE_ID = re.compile(r"[a-zA-Z0-9_.:-]{1,64}")
#: Model ids whose Converse turns may not mix tool results with other blocks: Meta's Llama models (strands-agents
#: harness-sdk#1223: llama4-maverick). Claude and Nova take text beside a toolResult.
_SEPARATE_TOOL_TURNS = re.compile(r"(?:^|[./:])meta\.llama", re.IGNORECASE)
#: A Claude model on Bedrock: its toolSpec input schemas go through Anthropic's own schema validator.
_CLAUDE = re.compile(r"anthropic\.|claude", re.IGNORECASE)
#: Claude on Converse has gone both ways: Claude 3.5 Sonnet v2 was refused an assistant-first history
#: (aws-solutions-library-samples/guidance-for-multi-provider-generative-ai-gateway-on-aws#123, May 2025), while
#: Claude Sonnet 4.5 answered one with 200 (pydantic-ai's recorded cassette
#: test_bedrock_anthropic_message_history_starting_with_response, corpus valid av-009). Other models' refusals
#: (Nova: quarkus-langchain4j#1764) stand. So Claude from the fourth generation on (``claude-sonnet-4-5``,
#: ``claude-opus-4-1``, ``claude-haiku-4-5``, ``claude-4-…``), the generation seen accepting it, gets a warning.
_CLAUDE_4_OR_LATER = re.compile(
    r"claude-(?:(?:opus|sonnet|haiku)-)?(?:[4-9]|[1-9]\d)(?:\b|[-.])", re.IGNORECASE
)
_CLAUDE_FIRST_ASSISTANT = (
    "Bedrock accepted an assistant-first history for Claude Sonnet 4.5 but refused it for Claude 3.5 Sonnet, so "
    "whether this Claude model takes it is not known"
)

# ----------------------------------------------------------------------------- policies and rules

#: Bedrock's runtime validates; an unknown host on a Converse path is a gateway to it.
_BEDROCK = policy(error=("bedrock", "generic"), otherwise=Severity.WARNING)
#: Shapes toolguard knows only from AWS's reference (no quoted answer yet): a warning everywhere.
_DOCUMENTED = policy(warning=("bedrock", "generic"), otherwise=Severity.WARNING)

_TOOL_CONFIG = {
    "tools": [
        {
            "toolSpec": {
                "name": "get_weather",
                "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}},
            }
        }
    ]
}
_USER = {"role": "user", "content": [{"text": "What is the weather in Paris?"}]}
_CALL = {
    "role": "assistant",
    "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}}],
}
_RESULT = {
    "role": "user",
    "content": [{"toolResult": {"toolUseId": "tooluse_1", "content": [{"text": "18C"}]}}],
}

FIRST_NOT_USER = define(
    "converse.first-message-not-user",
    Severity.ERROR,
    "The first message of a Converse request is not a user message.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "ValidationException: A conversation must start with a user message. Try again with a "
                "conversation that starts with a user message."
            ),
            source="https://github.com/quarkiverse/quarkus-langchain4j/issues/1764",
        ),
        PredictedError(
            provider="bedrock",
            text="A conversation must start with a user message. Try again with a conversation that starts with a user message.",
            source="https://github.com/Ivy-Interactive/Ivy-Tendril/issues/1403",
        ),
    ),
    example={"messages": [{"role": "assistant", "content": [{"text": "Hello."}]}, _USER]},
    example_url=NOVA_URL,
    fixed={"messages": [_USER]},
    notes=(
        "A truncated or summarised history that now opens with the assistant's turn is the usual cause; keep (or "
        "insert) the user message that started it. The system prompt goes in `system`, not in `messages`. For "
        "Claude 4 and later it is a warning: Bedrock answered an assistant-first history for Claude Sonnet 4.5 "
        "with 200 (pydantic-ai's recorded cassette) while it refused one for Claude 3.5 Sonnet v2."
    ),
)
ALTERNATION = define(
    "converse.role-alternation",
    Severity.ERROR,
    "Two Converse messages of the same role in a row (user/user or assistant/assistant).",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "ValidationException: A conversation must alternate between user and assistant roles. Make sure "
                "the conversation alternates between user and assistant roles and try again."
            ),
            source="https://github.com/langgenius/dify/issues/9294",
        ),
    ),
    example={"messages": [_USER, {"role": "user", "content": [{"text": "Also Rome."}]}]},
    example_url=CONVERSE_URL,
    fixed={
        "messages": [
            {"role": "user", "content": [{"text": "What is the weather in Paris?"}, {"text": "Also Rome."}]}
        ]
    },
    notes=(
        "Merge consecutive turns of one role into one message (several content blocks), as Converse clients "
        "must: tool results of parallel calls go in one user message."
    ),
)
ROLE_INVALID = define(
    "converse.role-invalid",
    Severity.ERROR,
    "A Converse message whose `role` is not `user` or `assistant` (a `system` or `tool` message from a chat body).",
    policy=_BEDROCK,
    example={"messages": [{"role": "system", "content": [{"text": "Be brief."}]}, _USER]},
    example_url=CONVERSE_URL,
    fixed={"system": [{"text": "Be brief."}], "messages": [_USER]},
    notes=(
        'Message.role takes `user` or `assistant` only (Converse API reference, Message: "Valid Values: user | '
        'assistant"): the system prompt is the top-level `system` list, tool results are `toolResult` blocks in a '
        "user message."
    ),
)
TOOL_RESULT_PAIRING = define(
    "converse.tool-result-pairing",
    Severity.ERROR,
    "An assistant `toolUse` is not answered by a `toolResult` with its id in the very next (user) message, or a "
    "user message carries `toolResult` blocks the previous assistant turn did not call.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "botocore.errorfactory.ValidationException: An error occurred (ValidationException) when calling "
                "the Converse operation: Expected toolResult blocks at messages.2.content for the following Ids: "
                "tooluse_bRX9ftpYK3xO5tev2x4qtc"
            ),
            source="https://github.com/camel-ai/camel/issues/3954",
        ),
        PredictedError(
            provider="bedrock",
            text=(
                "(ValidationException) when calling the ConverseStream operation: Bedrock error message: The model "
                "returned the following errors: messages.54: Did not find 2 `tool_result` block(s) at the beginning "
                "of this message. Messages following `tool_use` blocks must begin with a matching number of "
                "`tool_result` blocks."
            ),
            source="https://github.com/Amazon-Q-Developer/language-servers/pull/1235",
        ),
    ),
    example={
        "messages": [_USER, _CALL, {"role": "user", "content": [{"text": "Go on."}]}],
        "toolConfig": _TOOL_CONFIG,
    },
    example_url=CONVERSE_URL,
    fixed={"messages": [_USER, _CALL, _RESULT], "toolConfig": _TOOL_CONFIG},
    notes=(
        "Bedrock counts each user turn's toolResult blocks against the previous assistant turn's toolUse ids "
        "(ToolResultBlock.toolUseId). Results of parallel calls belong together in one user message; a pruned "
        "history must drop a call and its result together."
    ),
)
TOOL_CONFIG_MISSING = define(
    "converse.tool-config-missing",
    Severity.ERROR,
    "The conversation carries `toolUse`/`toolResult` blocks but the request has no `toolConfig`.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text="The toolConfig field must be defined when using toolUse and toolResult content blocks.",
            source="https://github.com/langgenius/dify/issues/17545",
        ),
    ),
    example={"messages": [_USER, _CALL, _RESULT]},
    example_url=CONVERSE_URL,
    fixed={"messages": [_USER, _CALL, _RESULT], "toolConfig": _TOOL_CONFIG},
    notes="Send the tool definitions whenever the history replays tool calls, or flatten those turns to text.",
)
TOOLS_EMPTY = define(
    "converse.tools-empty",
    Severity.ERROR,
    "`toolConfig.tools` is an empty list.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: Member "
                "must have length greater than or equal to 1"
            ),
            source="https://github.com/genkit-ai/aws-bedrock-js-plugin/issues/43",
        ),
    ),
    example={"messages": [_USER], "toolConfig": {"tools": []}},
    example_url=CONVERSE_URL,
    fixed={"messages": [_USER]},
    notes="Omit `toolConfig` when there are no tools (unless the history has tool blocks: then send the tools).",
)
EMPTY_TEXT = define(
    "converse.empty-text",
    Severity.ERROR,
    "A `text` content block that is empty or only whitespace, or a message whose `content` is an empty list.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "ValidationException: ... The model returned the following errors: messages: text content blocks "
                "must contain non-whitespace text"
            ),
            source="https://github.com/NousResearch/hermes-agent/pull/64858",
        ),
        PredictedError(
            provider="bedrock",
            text="ValidationException: messages: text content blocks must contain non-whitespace text",
            source="https://github.com/NousResearch/hermes-agent/pull/41985",
        ),
    ),
    example={"messages": [{"role": "user", "content": [{"text": " "}]}]},
    example_url=CONVERSE_URL,
    fixed={"messages": [_USER]},
    notes=(
        "Bedrock tightened the rule from non-empty to non-whitespace (hermes-agent#41985): a single-space "
        "placeholder is refused too. Drop the block (or the turn), or put real text in it. A message whose content "
        'list is empty is refused the same way ("The content field in the Message object at messages.N is '
        'empty").'
    ),
)
TOOL_RESULT_WITH_TEXT = define(
    "converse.tool-result-with-text",
    Severity.ERROR,
    "A Llama model's Converse user turn mixes `toolResult` blocks with other content blocks.",
    policy=policy(
        error=("bedrock", "generic"),
        otherwise=Severity.WARNING,
        conditions={"bedrock": "Meta Llama model ids", "generic": "Meta Llama model ids"},
    ),
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "An error occurred (ValidationException) when calling the Converse operation: messages.4.content: "
                "Conversation blocks and tool result blocks cannot be provided in the same turn."
            ),
            source="https://github.com/strands-agents/harness-sdk/issues/1223",
        ),
    ),
    example={
        "messages": [
            _USER,
            _CALL,
            {"role": "user", "content": [*_RESULT["content"], {"text": "Also Rome."}]},
        ],
        "toolConfig": _TOOL_CONFIG,
    },
    example_url=LLAMA_URL,
    fixed={"messages": [_USER, _CALL, _RESULT], "toolConfig": _TOOL_CONFIG},
    notes=(
        "Claude and Nova take text next to a toolResult; Llama's Converse template does not. Send the results alone "
        "and the extra text in a later user turn (after the assistant's answer)."
    ),
)
TOOL_NAME_INVALID = define(
    "converse.tool-name-invalid",
    Severity.ERROR,
    "A `toolSpec.name` (or a replayed `toolUse.name`) outside `[a-zA-Z0-9_-]{1,64}`.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "Value 'Complete Session' at 'toolConfig.tools.22.member.toolSpec.name' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"
            ),
            source="https://github.com/openclaw/openclaw/issues/12892",
        ),
    ),
    example={
        "messages": [_USER],
        "toolConfig": {
            "tools": [{"toolSpec": {"name": "get weather", "inputSchema": {"json": {"type": "object"}}}}]
        },
    },
    example_url=CONVERSE_URL,
    fixed={"messages": [_USER], "toolConfig": _TOOL_CONFIG},
    notes="MCP tool names with dots or spaces, or longer than 64 characters, must be renamed (and mapped back).",
)
TOOL_USE_ID_INVALID = define(
    "converse.tool-use-id-invalid",
    Severity.ERROR,
    "A `toolUseId` that is empty, longer than 64 characters, or has characters outside `[a-zA-Z0-9_.:-]`.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "Value at 'messages.2.member.content.1.member.toolUse.toolUseId' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: [a-zA-Z0-9_.:-]+"
            ),
            source="https://github.com/aws-samples/remote-swe-agents/pull/457",
        ),
    ),
    example={
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": [{"toolUse": {"toolUseId": "call 1", "name": "get_weather", "input": {}}}],
            },
            {
                "role": "user",
                "content": [{"toolResult": {"toolUseId": "call 1", "content": [{"text": "18C"}]}}],
            },
        ],
        "toolConfig": _TOOL_CONFIG,
    },
    example_url=CONVERSE_URL,
    fixed={"messages": [_USER, _CALL, _RESULT], "toolConfig": _TOOL_CONFIG},
    notes="Ids minted by another provider (OpenAI's `call_...` are fine; ids with spaces or slashes are not) must be mapped.",
)
DUPLICATE_TOOL_USE_ID = define(
    "converse.duplicate-tool-use-id",
    Severity.ERROR,
    "Two `toolUse` blocks, or two `toolResult` blocks, in one message carry the same `toolUseId`.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "An error occurred (ValidationException) when calling the ConverseStream operation: The toolUse "
                "blocks at messages.2.content contain duplicate Ids: http_request"
            ),
            source="https://github.com/double16/Cyber-AutoAgent-ng/issues/27",
        ),
        PredictedError(
            provider="bedrock",
            text=(
                'BedrockException - {"message":"The toolResult blocks at messages.X.content contain duplicate '
                'Ids: tooluse_..."}'
            ),
            source="https://github.com/BerriAI/litellm/issues/20047",
        ),
    ),
    example={
        "messages": [
            _USER,
            _CALL,
            {"role": "user", "content": [_RESULT["content"][0], _RESULT["content"][0]]},
        ],
        "toolConfig": _TOOL_CONFIG,
    },
    example_url=CONVERSE_URL,
    fixed={"messages": [_USER, _CALL, _RESULT], "toolConfig": _TOOL_CONFIG},
    notes=(
        "Left by retries and merges: a retried call that reuses its id (kirodotdev/Kiro#9355), consecutive tool "
        "messages merged into one user turn with the same result twice (BerriAI/litellm#20047), or ids a model "
        "made up from the tool name. Keep one result per call, and give each call its own id."
    ),
)
#: ``additionalModelRequestFields.thinking`` turns on Claude's extended thinking (Bedrock's "Extended thinking"
#: guide); the replayed thinking is a ``reasoningContent`` block.
_THINKING_ON = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
_SIGNED_CALL = {
    "role": "assistant",
    "content": [
        {
            "reasoningContent": {
                "reasoningText": {"text": "The user wants Paris.", "signature": "EqQBCkYIAR..."}
            }
        },
        *_CALL["content"],
    ],
}
THINKING_BLOCK_MISSING = define(
    "converse.thinking-block-missing",
    Severity.ERROR,
    "With Claude's thinking enabled (`additionalModelRequestFields.thinking`), the request ends in a tool loop "
    "whose assistant messages carry no `reasoningContent` block: the thinking was dropped on replay.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                '{"name": "ValidationException", "$fault": "client", "message": "The model returned the following '
                "errors: messages.1.content.0.type: Expected thinking or redacted_thinking, but found tool_use. "
                "When thinking is enabled, a final assistant message must start with a thinking block (preceeding "
                "the lastmost set of tool_use and tool_result blocks). We recommend you include thinking blocks "
                'from previous turns. To avoid this requirement, disable thinking."}'
            ),
            # Bedrock Engineer on Converse with Claude 3.7 Sonnet's thinking mode.
            source="https://github.com/aws-samples/bedrock-engineer/issues/43",
        ),
    ),
    example={
        "messages": [_USER, _CALL, _RESULT],
        "toolConfig": _TOOL_CONFIG,
        "additionalModelRequestFields": _THINKING_ON,
    },
    example_url=CONVERSE_URL,
    fixed={
        "messages": [_USER, _SIGNED_CALL, _RESULT],
        "toolConfig": _TOOL_CONFIG,
        "additionalModelRequestFields": _THINKING_ON,
    },
    notes=(
        "Bedrock hands a Claude conversation to Anthropic's validator, which requires the final assistant turn "
        "of a tool loop to start with its thinking (anthropic.thinking-block-missing on the Messages API). "
        "Replay the `reasoningContent` blocks the response carried, signature included, in front of the "
        "toolUse; or disable thinking. Only `type: enabled` is checked (with `adaptive` the model may not have "
        "thought), and only when no assistant turn of the trailing loop starts with reasoning."
    ),
)
REASONING_SIGNATURE_MISSING = define(
    "converse.reasoning-signature-missing",
    Severity.ERROR,
    "A Claude model's replayed `reasoningContent.reasoningText` has no `signature` (or an empty one).",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "botocore.errorfactory.ValidationException: An error occurred (ValidationException) when calling "
                "the ConverseStream operation: The model returned the following errors: "
                "messages.1.content.0.thinking.signature: Field required"
            ),
            # LlamaIndex's BedrockConverse dropped the signature delta of a streamed reasoning block.
            source="https://github.com/run-llama/llama_index/issues/20851",
        ),
    ),
    example={
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": [
                    {"reasoningContent": {"reasoningText": {"text": "Look it up."}}},
                    *_CALL["content"],
                ],
            },
            _RESULT,
        ],
        "toolConfig": _TOOL_CONFIG,
        "additionalModelRequestFields": _THINKING_ON,
    },
    example_url=CONVERSE_URL,
    fixed={
        "messages": [_USER, _SIGNED_CALL, _RESULT],
        "toolConfig": _TOOL_CONFIG,
        "additionalModelRequestFields": _THINKING_ON,
    },
    notes=(
        'Claude verifies the signature of every thinking block it is sent: an absent one gives "thinking.signature: '
        'Field required", an empty one "Invalid signature" (maximhq/bifrost#6942, which measured both). '
        "Replay the block with the signature the response carried (a streamed signature arrives in its own "
        "delta), or drop unsigned reasoning, e.g. after switching from a model that does not sign. Claude "
        "models only: Nova and MiniMax on Converse treat the field the other way."
    ),
)
INPUT_SCHEMA_NOT_OBJECT = define(
    "converse.input-schema-not-object",
    Severity.ERROR,
    "A `toolSpec.inputSchema.json` whose top-level `type` is not `object`.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "The value at toolConfig.tools.3.toolSpec.inputSchema.json.type must be one of the following: object."
            ),
            source="https://github.com/aaif-goose/goose/pull/5064",
        ),
    ),
    example={
        "messages": [_USER],
        "toolConfig": {"tools": [{"toolSpec": {"name": "ls", "inputSchema": {"json": {"type": "string"}}}}]},
    },
    example_url=CONVERSE_URL,
    fixed={"messages": [_USER], "toolConfig": _TOOL_CONFIG},
    notes='Wrap a scalar parameter in an object schema (`{"type": "object", "properties": {...}}`).',
)
INPUT_SCHEMA_DEFINITIONS = define(
    "converse.input-schema-definitions",
    Severity.ERROR,
    "A Claude model's `toolSpec.inputSchema.json` with a top-level `definitions` key.",
    policy=policy(
        error=("bedrock", "generic"),
        otherwise=Severity.WARNING,
        conditions={"bedrock": "Anthropic model ids", "generic": "Anthropic model ids"},
    ),
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "The model returned the following errors: Malformed input request: "
                "#/toolConfig/tools/1/toolSpec/inputSchema/json: extraneous key [definitions] is not permitted, please "
                "reformat your input and try again."
            ),
            source="https://github.com/zed-industries/zed/issues/31815",
        ),
    ),
    example={
        "messages": [_USER],
        "toolConfig": {
            "tools": [
                {
                    "toolSpec": {
                        "name": "ls",
                        "inputSchema": {"json": {"type": "object", "definitions": {"p": {"type": "string"}}}},
                    }
                }
            ]
        },
    },
    example_url=CONVERSE_URL,
    fixed={"messages": [_USER], "toolConfig": _TOOL_CONFIG},
    notes=(
        "Inline the referenced schemas. Only `definitions` has a quoted refusal; `$defs` is not flagged (no "
        "answer to it outside the probe set has been collected)."
    ),
)
MODEL_NO_TOOLS = define(
    "converse.model-no-tools",
    Severity.ERROR,
    "`toolConfig` sent to a model without tool use on Bedrock (Bedrock's Converse feature table, else the catalog).",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "ValidationException: An error occurred (ValidationException) when calling the Converse operation: "
                "This model doesn't support tool use."
            ),
            source="https://github.com/langchain-ai/langchain-aws/issues/175",
        ),
    ),
    example={"messages": [_USER], "toolConfig": _TOOL_CONFIG},
    example_url=NO_TOOLS_URL,
    fixed={"messages": [_USER]},
    notes=(
        'AWS\'s "Supported models and model features" table for Converse (data/bedrock_converse.json, with the '
        "threads' facts for DeepSeek R1 and Llama 3 / small Llama 3.2) decides where it lists the model id; "
        "elsewhere the catalog's `function_calling` flag. Bedrock's tool support differs from the model's own "
        "in places, so a row of the table wins over the catalog both ways."
    ),
)
UNKNOWN_FIELD = define(
    "converse.unknown-field",
    Severity.WARNING,
    "A key that is not a field of the Converse request at that level (a Chat Completions or Messages parameter such "
    "as `max_tokens`, `model` or `tools` at the top level).",
    policy=_DOCUMENTED,
    example={"messages": [_USER], "max_tokens": 512},
    example_url=CONVERSE_URL,
    fixed={"messages": [_USER], "inferenceConfig": {"maxTokens": 512}},
    notes=(
        "The field lists are AWS's API reference (this module's FIELDS, checked 2026-12-01). A warning: no Bedrock "
        "answer to an unknown JSON member has been collected, and a field newer than the list must not be an error. "
        "A `messages[].content` given as a string (a chat body) is reported here too: Converse takes a list of "
        "content blocks."
    ),
)


def _table_says_no(column: str) -> Policy:
    """An error on Bedrock (and a gateway in front of it) where the model's row of the Converse feature table
    says No in ``column``; a warning elsewhere."""
    condition = f"the table's {column} column is No for the model id"
    return policy(
        error=("bedrock", "generic"),
        otherwise=Severity.WARNING,
        conditions={"bedrock": condition, "generic": condition},
    )


MODEL_NO_SYSTEM = define(
    "converse.model-no-system",
    Severity.ERROR,
    "A non-empty `system` sent to a model whose row of Bedrock's Converse feature table says it takes no system "
    "prompt (Amazon Titan, AI21 Jurassic-2, Cohere Command).",
    policy=_table_says_no("system-prompts"),
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "ValidationException: This model doesn't support system messages. Try again without a system "
                "message or use a model that supports system messages."
            ),
            source="https://github.com/Mintplex-Labs/anything-llm/issues/2486",
        ),
        PredictedError(
            provider="bedrock",
            text=(
                "This model doesn't support system messages. Try again without a system message or use a model "
                "that supports system messages."
            ),
            source="https://github.com/danny-avila/LibreChat/issues/6456",
        ),
    ),
    example={"system": [{"text": "Be brief."}], "messages": [_USER]},
    example_url=NO_SYSTEM_URL,
    fixed={"messages": [{"role": "user", "content": [{"text": "Be brief."}, *_USER["content"]]}]},
    notes=(
        'Decided only by a row of AWS\'s "Supported models and model features" table (data/bedrock_converse.json) '
        "whose system-prompts column is No; a model the table does not list is never flagged (the rows for Mistral, "
        "Meta and later vendors were not readable when the table was taken). The quoted refusals are Titan Text G1 "
        "Express (anything-llm#2486) and Titan Text Premier (LibreChat#6456). Fold the instructions into the first "
        "user turn, as anything-llm#2489 did."
    ),
)

MODEL_NO_VISION = define(
    "converse.model-no-vision",
    Severity.ERROR,
    "An `image` content block sent to a model whose row of Bedrock's Converse feature table says it takes no image "
    "(Claude 3.5 Haiku, Nova Micro, Titan, Claude 2, AI21, Cohere Command).",
    policy=_table_says_no("vision"),
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "ValidationException: An error occurred (ValidationException) when calling the RetrieveAndGenerate "
                "operation: This model doesn't support the image content block that you provided. Update the content "
                "block and try again."
            ),
            source="https://github.com/aws-samples/amazon-bedrock-samples/pull/608",
        ),
    ),
    example={
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": "Describe the image in detail."},
                    {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
                ],
            }
        ]
    },
    example_url=NO_VISION_URL,
    fixed={"messages": [{"role": "user", "content": [{"text": "Describe the image in detail."}]}]},
    notes=(
        'Decided only by a row of AWS\'s "Supported models and model features" table (data/bedrock_converse.json) '
        "whose vision column is No, like converse.model-no-system: Bedrock's image support differs from the model's "
        "own (Claude 3.5 Haiku reads images on Anthropic's API; vercel/ai#4770 shows Converse refusing them for "
        "anthropic.claude-3-5-haiku-20241022-v1:0). The quoted refusal is Claude 3.5 Haiku's, fixed by switching to "
        "Nova Lite (amazon-bedrock-samples#608). A model the table does not list is never flagged."
    ),
)

# ----------------------------------------------------------------------------- checks


def _blocks(message: Any) -> list[dict[str, Any]]:
    content = message.get("content") if isinstance(message, dict) else None
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _ids(blocks: list[dict[str, Any]], kind: str) -> list[str]:
    out = []
    for block in blocks:
        inner = block.get(kind)
        if isinstance(inner, dict) and isinstance(inner.get("toolUseId"), str):
            out.append(inner["toolUseId"])
    return out


@check(endpoints=(CONVERSE,))
def check_converse_fields(view: RequestView) -> Iterator[Finding]:
    """Unknown keys at the top level, in ``inferenceConfig`` and ``toolConfig``, on messages."""
    body = view.body
    for where, known, value in (
        ("", FIELDS["request"], body),
        ("inferenceConfig", FIELDS["inferenceConfig"], body.get("inferenceConfig")),
        ("toolConfig", FIELDS["toolConfig"], body.get("toolConfig")),
    ):
        if not isinstance(value, dict) or value.keys() <= known:
            continue
        for key in value:
            if key in known or not isinstance(key, str):
                continue
            path = f"{where}.{key}" if where else key
            hint = (
                f" Converse takes it as {CONVERSE_NAMES[key]}." if not where and key in CONVERSE_NAMES else ""
            )
            yield from UNKNOWN_FIELD.report(
                view, path, f"`{path}` is not a field of Bedrock's Converse request.{hint}"
            )
    messages = body.get("messages")
    if not isinstance(messages, list):
        return
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        extra = [k for k in message if isinstance(k, str) and k not in FIELDS["message"]]
        for key in extra:
            yield from UNKNOWN_FIELD.report(
                view,
                f"messages[{index}].{key}",
                f"`{key}` is not a field of a Converse message (only role, content).",
            )
        if isinstance(message.get("content"), str):
            yield from UNKNOWN_FIELD.report(
                view,
                f"messages[{index}].content",
                '`content` is a string; Converse takes a list of content blocks ([{"text": "..."}]).',
            )


@check(endpoints=(CONVERSE,))
def check_converse_messages(view: RequestView) -> Iterator[Finding]:
    """Roles, their order, empty text, and the toolUse/toolResult pairing of consecutive turns."""
    body = view.body
    messages = body.get("messages")
    if not isinstance(messages, list):
        return
    model = view.model or ""
    separate_turns = bool(_SEPARATE_TOOL_TURNS.search(model))
    previous_role: Any = None
    pending: list[str] = []
    has_tool_blocks = False
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        blocks = _blocks(message)
        if not isinstance(role, str) or role not in ROLES:
            yield from ROLE_INVALID.report(
                view,
                f"messages[{index}].role",
                f"messages[{index}] has role {role!r}; Converse takes only user and assistant (the system prompt "
                "is the top-level `system` list, tool results are toolResult blocks in a user message).",
            )
            previous_role = role
            continue
        if index == 0 and role != "user":
            yield from FIRST_NOT_USER.report(
                view,
                "messages[0].role",
                "The conversation starts with an assistant message; Bedrock requires a user message first "
                '("A conversation must start with a user message"). Keep the user turn that opened it.',
                uncertain=_CLAUDE_FIRST_ASSISTANT if _CLAUDE_4_OR_LATER.search(model) else None,
            )
        elif role == previous_role:
            yield from ALTERNATION.report(
                view,
                f"messages[{index}]",
                f"messages[{index - 1}] and messages[{index}] are both {role} messages; Converse requires "
                "alternating turns. Merge them into one message with several content blocks.",
            )
        content = message.get("content")
        if isinstance(content, list) and not content:
            yield from EMPTY_TEXT.report(
                view,
                f"messages[{index}].content",
                f'messages[{index}] has an empty content list; Bedrock refuses it ("The content field in the '
                'Message object ... is empty"). Drop the message or give it a content block.',
            )
        for part, block in enumerate(blocks):
            text = block.get("text")
            if "text" in block and isinstance(text, str) and not text.strip():
                yield from EMPTY_TEXT.report(
                    view,
                    f"messages[{index}].content[{part}].text",
                    f"messages[{index}].content[{part}] is a text block with {'no' if not text else 'only whitespace'} "
                    "text; Bedrock refuses it. Drop the block or fill it.",
                )
        uses = _ids(blocks, "toolUse")
        results = _ids(blocks, "toolResult")
        has_tool_blocks = has_tool_blocks or bool(uses or results)
        if role == "user":
            if pending:
                missing = [tid for tid in pending if tid not in results]
                if missing:
                    yield from TOOL_RESULT_PAIRING.report(
                        view,
                        f"messages[{index}].content",
                        f"messages[{index}] does not answer the previous turn's toolUse {', '.join(missing)}: Bedrock "
                        f'expects toolResult blocks for them there ("Expected toolResult blocks at '
                        f'messages.{index}.content for the following Ids: ..."). Put every result of that turn in '
                        "this one message.",
                    )
            extra = [tid for tid in results if tid not in pending]
            if extra:
                yield from TOOL_RESULT_PAIRING.report(
                    view,
                    f"messages[{index}].content",
                    f"messages[{index}] has toolResult {', '.join(extra)} that the previous assistant turn did not "
                    "call: Bedrock counts results against the previous turn's toolUse blocks. Drop orphaned results "
                    "(or keep the call they answer).",
                )
            if separate_turns and results and len(results) < len(blocks):
                yield from TOOL_RESULT_WITH_TEXT.report(
                    view,
                    f"messages[{index}].content",
                    f"messages[{index}] mixes toolResult blocks with other blocks; {model} on Converse takes tool "
                    "results alone in their turn. Send the other content in a later user message.",
                )
            pending = []
        elif role == "assistant":
            if pending:
                yield from TOOL_RESULT_PAIRING.report(
                    view,
                    f"messages[{index}]",
                    f"messages[{index - 1}]'s toolUse {', '.join(pending)} has no toolResult before this assistant "
                    "message.",
                )
            pending = uses
        previous_role = role
    toolconfig = body.get("toolConfig")
    if has_tool_blocks and not isinstance(toolconfig, dict):
        yield from TOOL_CONFIG_MISSING.report(
            view,
            "toolConfig",
            "The conversation has toolUse/toolResult blocks but the request has no toolConfig; Bedrock requires "
            "the tool definitions then. Send them (or flatten the tool turns to text).",
        )
    yield from _tool_use_ids(view, messages)
    yield from _thinking_loop(view, messages)
    yield from _reasoning_signatures(view, messages)


def _reasoning_signatures(view: RequestView, messages: list[Any]) -> Iterator[Finding]:
    """A Claude model's replayed reasoning text must keep its signature."""
    if not _CLAUDE.search(view.model or ""):
        return
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        for part, block in enumerate(_blocks(message)):
            reasoning = block.get("reasoningContent")
            text = reasoning.get("reasoningText") if isinstance(reasoning, dict) else None
            if not isinstance(text, dict):
                continue  # redactedContent carries no signature
            signature = text.get("signature")
            if isinstance(signature, str) and signature:
                continue
            state = "no signature" if signature is None else "an empty signature"
            yield from REASONING_SIGNATURE_MISSING.report(
                view,
                f"messages[{index}].content[{part}].reasoningContent.reasoningText.signature",
                f"messages[{index}].content[{part}] replays Claude's reasoning with {state}; Claude verifies it "
                '("thinking.signature: Field required"). Send the signature the response carried, or drop the '
                "unsigned block.",
            )


def _thinking_loop(view: RequestView, messages: list[Any]) -> Iterator[Finding]:
    """Claude with thinking enabled: the trailing tool loop's assistant turns must keep their reasoning."""
    extra = view.body.get("additionalModelRequestFields")
    thinking = extra.get("thinking") if isinstance(extra, dict) else None
    if (
        not isinstance(thinking, dict)
        or thinking.get("type") != "enabled"
        or not _CLAUDE.search(view.model or "")
    ):
        return
    last = len(messages) - 1
    if last < 1 or not isinstance(messages[last], dict) or messages[last].get("role") != "user":
        return
    if not _ids(_blocks(messages[last]), "toolResult"):
        return
    loop: list[int] = []
    position = last - 1
    while position >= 0:
        message = messages[position]
        if not isinstance(message, dict) or message.get("role") != "assistant":
            break
        if not _ids(_blocks(message), "toolUse"):
            break
        loop.append(position)
        before = _blocks(messages[position - 1]) if position > 0 else []
        if not before or any("toolResult" not in block for block in before):
            break
        position -= 2
    if not loop or any(
        _blocks(messages[i])[:1] and "reasoningContent" in _blocks(messages[i])[0] for i in loop
    ):
        return
    index = loop[0]
    first = _blocks(messages[index])[0]
    kind = next(iter(first), "?")
    yield from THINKING_BLOCK_MISSING.report(
        view,
        f"messages[{index}].content[0]",
        f"Thinking is enabled and the request ends in a tool loop, but messages[{index}] starts with a {kind} "
        "block and none of the loop's assistant turns starts with reasoningContent; Claude refuses it (\"a final "
        'assistant message must start with a thinking block"). Replay the reasoningContent blocks (with their '
        "signature) in front of the toolUse, or disable thinking.",
    )


def _tool_use_ids(view: RequestView, messages: list[Any]) -> Iterator[Finding]:
    for index, message in enumerate(messages):
        blocks = _blocks(message)
        for kind in ("toolUse", "toolResult"):
            ids = _ids(blocks, kind)
            # Bedrock checks uniqueness per message and per block kind ("The toolUse blocks at
            # messages.2.content contain duplicate Ids"); a call and its result share an id by design.
            repeated = sorted({tid for tid in ids if ids.count(tid) > 1}) if len(ids) > 1 else []
            if repeated:
                yield from DUPLICATE_TOOL_USE_ID.report(
                    view,
                    f"messages[{index}].content",
                    f"The {kind} blocks of messages[{index}] repeat the id {', '.join(repeated)}; Bedrock refuses "
                    f'a message whose {kind} ids are not unique ("The {kind} blocks at messages.{index}.content '
                    'contain duplicate Ids"). Keep one block per id (drop a replayed duplicate), or give each '
                    "call its own id.",
                )
        for part, block in enumerate(blocks):
            for kind in ("toolUse", "toolResult"):
                inner = block.get(kind)
                if not isinstance(inner, dict) or "toolUseId" not in inner:
                    continue
                tid = inner["toolUseId"]
                if not isinstance(tid, str) or not TOOL_USE_ID.fullmatch(tid):
                    yield from TOOL_USE_ID_INVALID.report(
                        view,
                        f"messages[{index}].content[{part}].{kind}.toolUseId",
                        f"toolUseId {tid!r} does not satisfy Bedrock's constraint (1-64 characters of "
                        "[a-zA-Z0-9_.:-]); map it to such an id in both the toolUse and its toolResult.",
                    )
                name = inner.get("name")
                if kind == "toolUse" and isinstance(name, str) and not TOOL_NAME.fullmatch(name):
                    yield from TOOL_NAME_INVALID.report(
                        view,
                        f"messages[{index}].content[{part}].toolUse.name",
                        f"The replayed toolUse name {name!r} is outside [a-zA-Z0-9_-]{{1,64}}; rename the tool "
                        "consistently.",
                    )


@check(endpoints=(CONVERSE,))
def check_converse_tools(view: RequestView) -> Iterator[Finding]:
    """``toolConfig``: an empty tool list, names, input schemas; tools on a model without tool use."""
    config = view.body.get("toolConfig")
    if not isinstance(config, dict):
        return
    tools = config.get("tools")
    if isinstance(tools, list) and not tools:
        yield from TOOLS_EMPTY.report(
            view,
            "toolConfig.tools",
            "`toolConfig.tools` is empty; Bedrock requires at least one tool. Omit toolConfig instead.",
        )
        return
    if not isinstance(tools, list):
        return
    claude = bool(_CLAUDE.search(view.model or ""))
    for index, tool in enumerate(tools):
        spec = tool.get("toolSpec") if isinstance(tool, dict) else None
        if not isinstance(spec, dict):
            continue
        name = spec.get("name")
        if isinstance(name, str) and not TOOL_NAME.fullmatch(name):
            yield from TOOL_NAME_INVALID.report(
                view,
                f"toolConfig.tools[{index}].toolSpec.name",
                f"Tool name {name!r} is outside [a-zA-Z0-9_-]{{1,64}}; Bedrock refuses it. Rename it (and map the "
                "name back when the model calls it).",
            )
        schema = spec.get("inputSchema")
        json_schema = schema.get("json") if isinstance(schema, dict) else None
        if not isinstance(json_schema, dict):
            continue
        kind = json_schema.get("type")
        if "type" in json_schema and kind != "object":
            yield from INPUT_SCHEMA_NOT_OBJECT.report(
                view,
                f"toolConfig.tools[{index}].toolSpec.inputSchema.json.type",
                f"The input schema's type is {kind!r}; Bedrock takes only an object schema. Wrap the parameter in "
                "an object's properties.",
            )
        if claude and "definitions" in json_schema:
            yield from INPUT_SCHEMA_DEFINITIONS.report(
                view,
                f"toolConfig.tools[{index}].toolSpec.inputSchema.json.definitions",
                'The input schema has a top-level `definitions`; Claude on Bedrock refuses it ("extraneous key '
                '[definitions] is not permitted"). Inline the referenced schemas.',
            )
    info = view.model_info
    # Bedrock's own table first: it says what Converse takes for that id, which may differ from the model
    # elsewhere (Llama 3 Instruct calls tools on other hosts; the catalog says DeepSeek R1 does too).
    row = bedrock_converse(view.model or "")
    table = row.get("tool_use") if row is not None else None
    by_id = table is False
    if tools and (by_id or (table is None and info is not None and info.function_calling is False)):
        inferred = (
            f" (Bedrock's Converse feature table: {row['label']})"
            if by_id and row is not None
            else ""
            if info is None or info.matched_as == "exact"
            else f" (matched the catalog's {info.name})"
        )
        yield from MODEL_NO_TOOLS.report(
            view,
            "toolConfig",
            f"{view.model}{inferred} has no tool use, so Bedrock refuses toolConfig (\"This model doesn't support "
            'tool use"); use a model with tool use or drop toolConfig.',
            uncertain="the catalog matched another size or version of the model"
            if not by_id and info is not None and info.lossy
            else None,
        )


@check(endpoints=(CONVERSE,))
def check_converse_system(view: RequestView) -> Iterator[Finding]:
    """``system`` on a model whose Converse table row says it takes no system prompt."""
    system = view.body.get("system")
    if not isinstance(system, list) or not system:
        return
    row = bedrock_converse(view.model or "")
    # Only a row that says No decides: an unlisted model, or a thread fact silent on the column, is not flagged.
    if row is None or row.get("system_prompts") is not False:
        return
    yield from MODEL_NO_SYSTEM.report(
        view,
        "system",
        f"{view.model} (Bedrock's Converse feature table: {row['label']}) takes no system prompt, so Bedrock refuses "
        '`system` ("This model doesn\'t support system messages"); put the instructions in the first user turn or '
        "use a model with system prompts.",
    )


@check(endpoints=(CONVERSE,))
def check_converse_vision(view: RequestView) -> Iterator[Finding]:
    """An ``image`` block on a model whose Converse table row says it takes no image (reported once)."""
    row = None
    for index, message in enumerate(view.messages):
        content = message.get("content") if isinstance(message, dict) else None
        for position, block in enumerate(content if isinstance(content, list) else []):
            if not isinstance(block, dict) or "image" not in block:
                continue
            row = row or bedrock_converse(view.model or "") or {}
            # Only a row that says No decides: an unlisted model, or a thread fact silent on the column, is not
            # flagged.
            if row.get("vision") is not False:
                return
            yield from MODEL_NO_VISION.report(
                view,
                f"messages[{index}].content[{position}].image",
                f"{view.model} (Bedrock's Converse feature table: {row['label']}) takes no image, so Bedrock refuses "
                'the block ("This model doesn\'t support the image content block that you provided"); describe the '
                "image in text or use a model with vision.",
            )
            return


# ----------------------------------------------------------------------------- the request model (generated)

#: Shapes whose constraints a hand-written rule of this module reports with its own wording and grounding
#: (the tool name and toolUseId patterns, the role, an empty tools list): one violation, one finding.
OWNED_SHAPES = frozenset({"ToolName", "ToolUseId", "ConversationRole", "ToolConfigurationToolsList"})
_NUMBERS = frozenset({"integer", "long", "float", "double"})

INVALID_VALUE = define(
    "converse.invalid-value",
    Severity.ERROR,
    "A value the Converse request model does not allow: outside an enum (an image or document `format`, a "
    "toolResult `status`, a cachePoint `type`), a length or count bound (a document `name` of 1-200 characters, "
    "at most 10 `additionalModelResponseFieldPaths`), a numeric range (`inferenceConfig.temperature` and `topP` "
    "0-1, `maxTokens` at least 1) or a pattern.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "ValidationException: ... image.format failed to satisfy constraint: Member must satisfy enum value "
                "set: [png, jpeg, gif, webp]"
            ),
            source="https://github.com/strands-agents/harness-sdk/issues/2204",
        ),
        PredictedError(
            provider="bedrock",
            text=(
                "Value at 'messages.3.member.content.3.member.document.format' failed to satisfy constraint: "
                "Member must satisfy enum value set: [docx, csv, html, txt, pdf, md, doc, xlsx, xls]"
            ),
            source="https://github.com/vercel/ai/issues/5606",
        ),
    ),
    example={
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": "What is in this picture?"},
                    {"image": {"format": "jpg", "source": {"bytes": "/9j/4AAQSkZJRg=="}}},
                ],
            }
        ]
    },
    example_url=CONVERSE_URL,
    fixed={
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": "What is in this picture?"},
                    {"image": {"format": "jpeg", "source": {"bytes": "/9j/4AAQSkZJRg=="}}},
                ],
            }
        ]
    },
    notes=(
        "Every enum, length, count, range and pattern of the request's shapes, from AWS's service model "
        '(data/converse_request_schema.json, scripts/refresh_converse_schema.py): the runtime answers "1 validation '
        'error detected: Value ... failed to satisfy constraint: Member must ...". Formats are case-sensitive '
        "(`jpg` and `JPEG` are refused, measured in NousResearch/hermes-agent#55429's comments). The tool name, "
        "toolUseId, role and empty tools list are reported by their own rules."
    ),
)
MISSING_REQUIRED = define(
    "converse.missing-required",
    Severity.ERROR,
    "A member the Converse request model requires is missing: an image or video without `format` or `source`, a "
    "document without `name` or `source`, a toolUse without `input`, a toolResult without `content`, a toolSpec "
    "without `inputSchema`, a cachePoint without `type`.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            # boto3 validates the same service model before sending; a raw client gets the runtime's
            # ValidationException for the same member.
            provider="bedrock",
            text=(
                'Missing required parameter in messages[N].content[0].toolResult.content[0].image: "format"\n'
                'Missing required parameter in ...image: "source"'
            ),
            source="https://github.com/aws-samples/sample-apj-sup-sa/pull/124",
        ),
    ),
    example={
        "messages": [
            {
                "role": "user",
                "content": [{"text": "Describe it"}, {"image": {"source": {"bytes": "iVBORw0KGgo="}}}],
            }
        ]
    },
    example_url=CONVERSE_URL,
    fixed={
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": "Describe it"},
                    {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
                ],
            }
        ]
    },
    notes=(
        "The required members of every shape of the request, from AWS's service model "
        "(data/converse_request_schema.json). Anthropic-shaped blocks passed through unconverted (`type`, "
        "`media_type`, `data` in an image) are the usual cause."
    ),
)


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _schema_faults(value: Any, name: str, path: str, out: list[tuple[Any, str, str]]) -> None:
    """Append (rule, location, message) for each violation of shape ``name`` in ``value``. A value of the wrong
    JSON type is not followed (the unknown-field and shape rules name those); unknown members neither."""
    shape = SHAPES[name]
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            return
        members = shape["members"]
        for key in shape.get("required", ()):
            if value.get(key) is None and members[key] not in OWNED_SHAPES:
                where = _at(path, key)
                out.append(
                    (
                        MISSING_REQUIRED,
                        where,
                        f"`{where}` is missing; the Converse request model requires it there.",
                    )
                )
        for key, child in value.items():
            member = members.get(key)
            if member is not None and child is not None:
                _schema_faults(child, member, _at(path, key), out)
        return
    owned = name in OWNED_SHAPES
    if kind == "list":
        if not isinstance(value, list):
            return
        if not owned:
            _bound(len(value), shape, path, "items", out)
        for index, item in enumerate(value):
            _schema_faults(item, shape["member"], f"{path}[{index}]", out)
    elif kind == "map":
        if isinstance(value, dict):
            if not owned:
                _bound(len(value), shape, path, "keys", out)
            for key, child in value.items():
                _schema_faults(key, shape["key"], f"{path}.{key}", out)
                _schema_faults(child, shape["value"], f"{path}.{key}", out)
    elif owned:
        return
    elif kind == "string" and isinstance(value, str):
        enum = shape.get("enum")
        if enum is not None and value not in enum:
            out.append(
                (
                    INVALID_VALUE,
                    path,
                    f"`{path}` is {value!r}; the Converse request model takes {', '.join(enum)} (case-sensitive).",
                )
            )
            return
        _bound(len(value), shape, path, "characters", out)
        pattern = shape.get("pattern")
        if pattern is not None and re.fullmatch(pattern, value) is None:
            out.append(
                (INVALID_VALUE, path, f"`{path}` does not match the request model's pattern {pattern}.")
            )
    elif kind == "blob" and isinstance(value, str):
        _bound(len(value), shape, path, "characters", out)
    elif kind in _NUMBERS and isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = shape.get("min"), shape.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"{'' if low is None else low}..{'' if high is None else high}"
            out.append(
                (INVALID_VALUE, path, f"`{path}` is {value}; the Converse request model takes {span}.")
            )


def _bound(
    size: int, shape: Mapping[str, Any], path: str, unit: str, out: list[tuple[Any, str, str]]
) -> None:
    low, high = shape.get("min"), shape.get("max")
    if low is not None and size < low:
        out.append(
            (
                INVALID_VALUE,
                path,
                f"`{path}` has {size} {unit}; the Converse request model needs at least {low}.",
            )
        )
    elif high is not None and size > high:
        out.append(
            (
                INVALID_VALUE,
                path,
                f"`{path}` has {size} {unit}; the Converse request model takes at most {high}.",
            )
        )


@check(endpoints=(CONVERSE,))
def check_converse_schema(view: RequestView) -> Iterator[Finding]:
    """The request against AWS's Converse request model: required members, enums, bounds, patterns."""
    faults: list[tuple[Any, str, str]] = []
    _schema_faults(view.body, SCHEMA_META["root"], "", faults)
    for rule, location, message in faults:
        yield from rule.report(view, location, message)


IMAGE_FORMAT_MISMATCH = define(
    "converse.image-format-mismatch",
    Severity.ERROR,
    "An `image` block whose bytes are another format than its `format` says (PNG bytes sent as jpeg).",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "The model returned the following errors: messages.0.content.0.image.source.bytes: The image was "
                "specified using the image/jpeg media type, but the image appears to be a image/png image"
            ),
            source="https://github.com/aws-samples/amazon-bedrock-client-for-mac/issues/130",
        ),
        PredictedError(
            provider="bedrock",
            text=(
                "An error occurred (ValidationException) when calling the Converse operation: The model returned "
                "the following errors: The provided image does not match the specified image format."
            ),
            source="https://github.com/boto/boto3/issues/4415",
        ),
    ),
    example={
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": "What is in this picture?"},
                    {"image": {"format": "jpeg", "source": {"bytes": "iVBORw0KGgoAAAANSUhEUg=="}}},
                ],
            }
        ]
    },
    example_url=CONVERSE_URL,
    fixed={
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": "What is in this picture?"},
                    {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgoAAAANSUhEUg=="}}},
                ],
            }
        ]
    },
    notes=(
        "Read from the first 12 bytes of `source.bytes` (base64 on the wire; the PNG, JPEG, GIF and WebP "
        "signatures). Claude answers with Anthropic's wording, Meta's Llama with Bedrock's own; both refuse. "
        "Images inside `toolResult` content are checked too."
    ),
)


def _images(messages: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(location, image block) of every image in the messages and in their toolResult content."""
    for index, message in enumerate(messages):
        for position, block in enumerate(_blocks(message)):
            where = f"messages[{index}].content[{position}]"
            if isinstance(block.get("image"), dict):
                yield f"{where}.image", block["image"]
            result = block.get("toolResult")
            inner = result.get("content") if isinstance(result, dict) else None
            for spot, part in enumerate(inner if isinstance(inner, list) else []):
                if isinstance(part, dict) and isinstance(part.get("image"), dict):
                    yield f"{where}.toolResult.content[{spot}].image", part["image"]


@check(endpoints=(CONVERSE,))
def check_converse_image_bytes(view: RequestView) -> Iterator[Finding]:
    """An image whose declared ``format`` is not what its bytes are."""
    messages = view.body.get("messages")
    if not isinstance(messages, list):
        return
    for where, image in _images(messages):
        source = image.get("source")
        data = source.get("bytes") if isinstance(source, dict) else None
        declared = image.get("format")
        if not isinstance(data, str) or declared not in SHAPES["ImageFormat"]["enum"]:
            continue
        found = sniff_image(data)
        if found is not None and found != declared:
            yield from IMAGE_FORMAT_MISMATCH.report(
                view,
                f"{where}.source.bytes",
                f"The image at {where} is declared {declared} but its bytes are {found}; set format to {found} "
                "(take it from the bytes, not the file name).",
            )


#: ``additionalModelRequestFields`` keys that are another model family's reasoning switch: Amazon Nova's
#: ``reasoningConfig`` (and its snake_case spelling). Claude's request is Anthropic's body, which names it
#: ``thinking``; Anthropic's validator refuses the others as extra inputs.
_NOT_CLAUDE_REASONING = frozenset({"reasoningConfig", "reasoning_config"})

CLAUDE_FOREIGN_FIELD = define(
    "converse.claude-foreign-reasoning-field",
    Severity.ERROR,
    "A Claude model on Converse given another family's reasoning switch in `additionalModelRequestFields` "
    "(Nova's `reasoningConfig`), which Anthropic's validator refuses; Claude takes `thinking` there.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text="APICallError [AI_APICallError]: The model returned the following errors: reasoningConfig: Extra inputs are not permitted",
            source="https://github.com/vercel/ai/pull/7073",
        ),
    ),
    example={
        "messages": [_USER],
        "additionalModelRequestFields": {"reasoningConfig": {"type": "enabled", "budgetTokens": 2048}},
    },
    example_url=CONVERSE_URL,
    fixed={
        "messages": [_USER],
        "additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 2048}},
    },
    notes=(
        "The Vercel AI SDK's Bedrock provider sent `reasoningConfig` for Claude until vercel/ai#7073 (\"Extra inputs "
        'are not permitted"); Nova models take `reasoningConfig`, so only Claude model ids are judged.'
    ),
)


@check(endpoints=(CONVERSE,))
def check_converse_claude_fields(view: RequestView) -> Iterator[Finding]:
    """Another family's reasoning switch in a Claude request's additionalModelRequestFields."""
    extra = view.body.get("additionalModelRequestFields")
    if not isinstance(extra, dict) or not _CLAUDE.search(view.model or ""):
        return
    for key in _NOT_CLAUDE_REASONING & extra.keys():
        yield from CLAUDE_FOREIGN_FIELD.report(
            view,
            f"additionalModelRequestFields.{key}",
            f"`additionalModelRequestFields.{key}` is Amazon Nova's reasoning switch; {view.model} is a Claude model, "
            "whose request is Anthropic's body, so Bedrock relays Anthropic's refusal (\"Extra inputs are not "
            'permitted"). Send {"thinking": {"type": "enabled", "budget_tokens": N}} instead.',
        )


TEMPERATURE_REMOVED = define(
    "converse.temperature-unsupported",
    Severity.ERROR,
    "`inferenceConfig.temperature` other than 1 sent to a Claude model from which Anthropic removed the sampling "
    "parameters (Opus 4.7 on, every Claude 5 model): Bedrock passes Anthropic's refusal through.",
    policy=_BEDROCK,
    predicts=(
        PredictedError(
            provider="bedrock",
            text="The model returned the following errors: `temperature` is deprecated for this model.",
            # Cline's Bedrock provider (Converse) with Claude Opus 4.7 by an application inference profile.
            source="https://github.com/cline/cline/issues/10572",
        ),
    ),
    example={"messages": [_USER], "inferenceConfig": {"temperature": 0.7, "maxTokens": 1024}},
    example_url=OPUS_47_URL,
    fixed={"messages": [_USER], "inferenceConfig": {"maxTokens": 1024}},
    notes=(
        "AWS's model card for Claude Opus 4.7 (docs.aws.amazon.com/bedrock/latest/userguide/"
        "model-card-anthropic-claude-opus-4-7.html, its parameter changes): Bedrock no longer accepts `temperature`, "
        "`top_p` or `top_k` in the Converse API's `inferenceConfig` for it (quoted in cube-js/cube#10879). Which "
        "Claude generations take no temperature is model.temperature-unsupported's fact (rules/modelinfo.py "
        "`TEMPERATURE_REMOVED_FROM`), read here for the Claude id the path names; an application inference profile's "
        "ARN names no model and is not judged. A temperature of 1 is not flagged (accepted beside adaptive thinking, "
        "logancyang/obsidian-copilot#2600), nor `topP` (no Converse refusal quoted for it yet). Before session 18 no "
        "rule read the Converse body's temperature, so Opus 4.7+ through LangChain's ChatBedrockConverse, Strands or "
        "the Vercel AI SDK passed unflagged."
    ),
)


@check(endpoints=(CONVERSE,))
def check_converse_temperature(view: RequestView) -> Iterator[Finding]:
    """``inferenceConfig.temperature`` (not 1) to a Claude model of a generation without sampling parameters."""
    config = view.body.get("inferenceConfig")
    temperature = config.get("temperature") if isinstance(config, dict) else None
    model = view.model or ""
    if not is_number(temperature) or temperature == 1:
        return
    if not temperature_removed(claude_family(model), claude_version(model)):
        return
    yield from TEMPERATURE_REMOVED.report(
        view,
        "inferenceConfig.temperature",
        f"`inferenceConfig.temperature` is {temperature}, but {model} takes no sampling parameters (Anthropic removed "
        'them from Claude Opus 4.7 on and from every Claude 5 model), so Bedrock relays "`temperature` is deprecated '
        'for this model"; drop it (and `topP`).',
    )
