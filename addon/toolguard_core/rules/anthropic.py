"""Anthropic Messages API rules (``POST /v1/messages``, providers.md §11).

A Messages request carries ``messages`` whose ``content`` is a string or a list of typed blocks
(``text``, ``image``, ``document``, ``tool_use``, ``tool_result``, ``thinking``, ...), a top-level
``system`` and a required ``max_tokens``. An assistant ``tool_use`` block must be answered by a
``tool_result`` block with its id at the start of the very next (user) message: the Messages-API
twin of the chat tool-message 400s, and the error Claude Code users meet most
(``messages.6: `tool_use` ids were found without `tool_result` blocks immediately after ...``).

How Anthropic reads a conversation (what the checks mirror, so they never flag what it accepts):

* consecutive messages of the same role are merged into one turn before validation (the old
  "roles must alternate" 400 is gone), so the pairing is checked turn by turn;
* an assistant first message is accepted by Anthropic's own API (anthropic-sdk-typescript#622; Bedrock
  still rejects it), so it is only a warning elsewhere;
* ``role: "system"`` inside ``messages`` is rejected unless a beta allows it: Claude Code sends such
  a message on ``/v1/messages?beta=true``. The rules see the URL, not the headers, so ``beta=true``
  in the query counts as "a beta is on" and those messages are then transparent to the pairing.

Severity per provider: Anthropic's own API (``anthropic``) answers with the texts quoted below, so
there the findings are errors. The structural rules (pairing, empty content, ``max_tokens``) are
errors on an unknown host too (``generic``: typically a gateway in front of Anthropic, like the
chat rules' generic profile). The Anthropic-compatible endpoints of other providers (DeepSeek,
Moonshot, Zhipu, DashScope, MiniMax) convert the request to their own models; what they reject is
not documented, so their findings are warnings unless their own error text is quoted here.

These checks run only for the ``messages`` endpoint kind (see :mod:`toolguard_core.request`): the
chat and Responses rules never see a Messages body, and these never see theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import OPENAI_PARAMS, normalise_model
from toolguard_core.request import MESSAGES, RequestView
from toolguard_core.rules.inferred import judged_id, judged_name, report_judged
from toolguard_core.rules.jsonvalues import json_type, lax_converts, sniff_image
from toolguard_core.rules.modelinfo import (
    SAMPLING_EXCLUSIVE_MODEL,
    beta_enabled,
    claude_version,
    family_of,
    thinking_off_judged,
)
from toolguard_core.rules.modelinfo import claude_family as _family
from toolguard_core.rules.registry import RULES, PredictedError, check, define, policy
from toolguard_core.rules.schemas import context_text, dotted, iter_schemas, keyword_problems

MESSAGES_URL = "https://api.anthropic.com/v1/messages"
#: DeepSeek's Anthropic-compatible endpoint (https://api-docs.deepseek.com/guides/anthropic_api).
DEEPSEEK_MESSAGES_URL = "https://api.deepseek.com/anthropic/v1/messages"

#: The providers whose validator is Anthropic's own.
ANTHROPIC_API = frozenset({"anthropic"})
#: Structural rules are errors on these too: an unknown host on /v1/messages is most often a gateway
#: that forwards to Anthropic (LiteLLM, one-api, claude-code-router), as the chat rules assume.
STRUCTURAL = ANTHROPIC_API | {"generic"}
#: Moonshot answers an empty text block with its own 400 (LLM-Red-Team/kimi-cc#23, below).
EMPTY_TEXT_CONFIRMED = STRUCTURAL | {"moonshot"}

#: Roles inside ``messages`` (doc: MessageParam.role is "user" | "assistant").
ROLES = frozenset({"user", "assistant"})
#: Blocks that carry a model's reasoning; thinking must be replayed, signed, with tool loops.
THINKING_TYPES = frozenset({"thinking", "redacted_thinking"})
#: ``tool_choice.type`` values (doc: ToolChoiceAuto/Any/Tool/None).
TOOL_CHOICE_TYPES = frozenset({"auto", "any", "tool", "none"})
#: Base64 image media types (the enum quoted in the error below).
IMAGE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
#: Image and document source types (doc: Base64ImageSource, URLImageSource, file sources).
IMAGE_SOURCE_TYPES = frozenset({"base64", "url", "file"})
DOCUMENT_SOURCE_TYPES = frozenset({"base64", "url", "file", "text", "content"})
#: Most cache breakpoints a request may carry (the limit in the error text below).
MAX_CACHE_BREAKPOINTS = 4
#: Custom tool names: current validator ``^[a-zA-Z0-9_-]{1,128}$`` (home-assistant/core#147760,
#: anthropics/claude-code#96152); older texts say {1,64} (apify/tester-mcp-client#11). Names of 65-128
#: characters are accepted today, so only the character set and the 128 limit are checked.
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
TOOL_NAME_MAX = 128
#: ``tool_use.id`` pattern, quoted in the error below.
TOOL_USE_ID = re.compile(r"^[a-zA-Z0-9_-]+$")

# ----------------------------------------------------------------------------- example bodies

_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
_TOOL_USE_ID = "toolu_01AbmHJypDhKqBF7NKdRPJ6d"
_USER = {"role": "user", "content": "What is the weather in Paris?"}
_CALL = {
    "role": "assistant",
    "content": [
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": _TOOL_USE_ID, "name": "get_weather", "input": {"city": "Paris"}},
    ],
}
_RESULT = {"type": "tool_result", "tool_use_id": _TOOL_USE_ID, "content": "18C, sunny"}
_ANSWER = {"role": "user", "content": [_RESULT]}
#: The assistant turn of a thinking tool loop as the API returned it: the signed thinking block first.
_SIGNED_CALL = {
    "role": "assistant",
    "content": [
        {"type": "thinking", "thinking": "Check the weather.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"},
        *_CALL["content"],
    ],
}
_THINKING = {"type": "enabled", "budget_tokens": 2048}


def _example(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5",
        # Above every example's thinking budget: max_tokens must exceed thinking.budget_tokens.
        "max_tokens": 4096,
        "tools": [_TOOL],
        "messages": list(messages),
        **fields,
    }


# ----------------------------------------------------------------------------- policies

#: The structural rules: Anthropic's own validator rejects, and so does an unknown host (most often a
#: gateway to Anthropic); other providers' Anthropic-compatible endpoints document less: a warning.
_STRUCTURAL = policy(error=tuple(sorted(STRUCTURAL)), otherwise=Severity.WARNING)
#: Tool pairing: as structural, and DeepSeek's Anthropic endpoint answers unpaired tool_use with
#: Anthropic's own text (Codewhale#4329, quoted on anthropic.tool-use-without-result).
_PAIRING = policy(error=tuple(sorted(STRUCTURAL | {"deepseek"})), otherwise=Severity.WARNING)
#: The hosts whose Claude Messages bodies reach Anthropic's own validator: Anthropic, and Claude on Bedrock
#: (InvokeModel) and Vertex AI (rawPredict), which answer with its texts, wrapped ("The model returned the
#: following errors: messages.369.content.0.thinking.signature: Field required" on Bedrock, can1357/oh-my-pi
#: #10486; Anthropic's JSON with a ``req_vrtx_`` id on Vertex, Kilo-Org/kilocode#5219). The thinking rules
#: below are errors there: each has a refusal quoted from at least one of the two clouds.
CLAUDE_VALIDATOR = ANTHROPIC_API | {"bedrock", "vertex"}
#: Thinking signatures are Anthropic's: an error where its validator answers (Anthropic, Claude on Bedrock
#: and Vertex), a warning on an unknown host (maybe a gateway to Anthropic), nothing on other providers'
#: compatible endpoints, which sign (or skip) thinking their own way (z.ai's blocks fail Anthropic's check,
#: shunirr/cc-glm).
_SIGNED = policy(error=tuple(sorted(CLAUDE_VALIDATOR)), warning=("generic",))

# ----------------------------------------------------------------------------- rules

UNANSWERED_TOOL_USE = define(
    "anthropic.tool-use-without-result",
    Severity.ERROR,
    "An assistant `tool_use` block is not answered by a `tool_result` block with its id in the very next "
    "(user) message.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "messages.6: `tool_use` ids were found without `tool_result` blocks immediately after: "
                "toolu_01AbmHJypDhKqBF7NKdRPJ6d. Each `tool_use` block must have a corresponding `tool_result` "
                "block in the next message."
            ),
            # Also anthropics/claude-code#5989 (two ids), #1686, #5375; via Vertex: Kilo-Org/kilocode#5163.
            source="https://github.com/anthropics/claude-code/issues/5060",
        ),
        PredictedError(
            provider="deepseek",
            text=(
                "messages.1:`tool_use` ids were found without `tool_result` blocks immediately after: "
                "call_01_sfm5xVspRVRx1TAWyJtV8612, call_02_jYuxCY8bikeyLkpIykDw0444. Each `tool_use` block must "
                "have a corresponding `tool_result` block in the next message."
            ),
            # DeepSeek's Anthropic endpoint answers with Anthropic's own text (as relayed by the client).
            source="https://github.com/Hmbown/Codewhale/issues/4329",
        ),
    ),
    example=_example(_USER, _CALL, {"role": "user", "content": "Never mind."}),
    example_url=MESSAGES_URL,
    policy=_PAIRING,
    fixed=_example(_USER, _CALL, _ANSWER),
    notes=(
        "Consecutive messages of one role are merged first (Anthropic does so), so results split over two "
        "user messages in a row still count. An error on Anthropic, unknown hosts and DeepSeek (its own "
        "answer is quoted); a warning on the other Anthropic-compatible endpoints."
    ),
)
ORPHAN_TOOL_RESULT = define(
    "anthropic.orphan-tool-result",
    Severity.ERROR,
    "A `tool_result` block answers a `tool_use_id` that the assistant message right before it did not call.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "messages.48.content.1: unexpected `tool_use_id` found in `tool_result` blocks: "
                "toolu_019ETtGZEhTBXgWPVsdVnXMh. Each `tool_result` block must have a corresponding `tool_use` "
                "block in the previous message."
            ),
            # Also anthropics/claude-code#64383 (providers.md §11).
            source="https://github.com/anthropics/claude-code/issues/13460",
        ),
    ),
    example=_example(_USER, {"role": "assistant", "content": "Let me check."}, _ANSWER),
    example_url=MESSAGES_URL,
    policy=_PAIRING,
    fixed=_example(_USER, _CALL, _ANSWER),
)
ORPHAN_SERVER_TOOL_RESULT = define(
    "anthropic.orphan-server-tool-result",
    Severity.ERROR,
    "A server tool's result block (`web_search_tool_result`, `code_execution_tool_result`, "
    "`advisor_tool_result`, ... or `mcp_tool_result`) answers a `tool_use_id` that no `server_tool_use` "
    "(`mcp_tool_use`) block before it called.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "messages.15.content.0: unexpected `tool_use_id` found in `advisor_tool_result` blocks: "
                "srvtoolu_01DcAD2oDB6fdQXk4XdWShsW. Each `advisor_tool_result` block must have a corresponding "
                "`server_tool_use` block before it."
            ),
            # Also anthropics/claude-code#62577, #66944 and #80439: Claude Code replayed the result of its
            # advisor server tool after dropping the call.
            source="https://github.com/anthropics/claude-code/issues/95406",
        ),
    ),
    example=_example(
        _USER,
        {
            "role": "assistant",
            "content": [
                {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01A", "content": []},
                {"type": "text", "text": "Nothing found."},
            ],
        },
        {"role": "user", "content": "Try again."},
    ),
    example_url=MESSAGES_URL,
    # Anthropic's validator answers it (Claude on Bedrock and Vertex included); an unknown host on
    # /v1/messages is most often a gateway to it (STRUCTURAL). Other Anthropic-compatible endpoints run
    # no server tools of Anthropic's, so what they do with the block is not established.
    policy=policy(error=tuple(sorted(CLAUDE_VALIDATOR | STRUCTURAL)), otherwise=Severity.WARNING),
    fixed=_example(
        _USER,
        {
            "role": "assistant",
            "content": [
                {
                    "type": "server_tool_use",
                    "id": "srvtoolu_01A",
                    "name": "web_search",
                    "input": {"query": "x"},
                },
                {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01A", "content": []},
                {"type": "text", "text": "Nothing found."},
            ],
        },
        {"role": "user", "content": "Try again."},
    ),
    notes=(
        "The call is looked for anywhere before the result (a `pause_turn` continuation may split one "
        "assistant turn), so only a result with no call at all before it is reported. The result types are "
        "the reference's `*_tool_result` blocks other than the client tools' `tool_result`."
    ),
)
DUPLICATE_TOOL_RESULT = define(
    "anthropic.duplicate-tool-result",
    Severity.ERROR,
    "Two `tool_result` blocks in one user turn answer the same `tool_use_id`.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "messages.10.content.1: each tool_use must have a single result. Found multiple `tool_result` "
                "blocks with id: toolu_vrtx_01WjbYafn5hwELEqiDQ4n2wv"
            ),
            # Relayed through LiteLLM from Vertex; also NoeFabris/opencode-antigravity-auth#3.
            source="https://github.com/anthropics/claude-code/issues/14110",
        ),
    ),
    example=_example(_USER, _CALL, {"role": "user", "content": [_RESULT, _RESULT]}),
    example_url=MESSAGES_URL,
    policy=_PAIRING,
    fixed=_example(_USER, _CALL, _ANSWER),
)
DUPLICATE_TOOL_USE_ID = define(
    "anthropic.duplicate-tool-use-id",
    Severity.ERROR,
    "Two `tool_use` blocks in the request carry the same `id` (in one assistant message or across turns).",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="messages.1.content.1: `tool_use` ids must be unique",
            # Claude Code 2.1.19-2.1.20 duplicated blocks; also #20901, #28515 (messages.43.content.2) and
            # anomalyco/opencode#1279 (ids like `functions.edit:0` that Kimi repeats each turn, replayed
            # to Claude).
            source="https://github.com/anthropics/claude-code/issues/21317",
        ),
        PredictedError(
            provider="anthropic",
            # The same check, quoted without backticks in other reports.
            text="messages.5.content.1: tool_use ids must be unique",
            source="https://github.com/anthropics/claude-code/issues/20700",
        ),
    ),
    example=_example(
        _USER,
        _CALL,
        _ANSWER,
        {"role": "assistant", "content": [_CALL["content"][1]]},
        {"role": "user", "content": [_RESULT]},
    ),
    example_url=MESSAGES_URL,
    # Structural: Anthropic and an unknown host on /v1/messages (a gateway to it: musistudio/
    # claude-code-router#593 relayed this 400 for ids a Google backend repeated).
    policy=_STRUCTURAL,
    fixed=_example(
        _USER,
        _CALL,
        _ANSWER,
        {"role": "assistant", "content": [{**_CALL["content"][1], "id": "toolu_01SJzDkeAZER935cpGFptTNk"}]},
        {"role": "user", "content": [{**_RESULT, "tool_use_id": "toolu_01SJzDkeAZER935cpGFptTNk"}]},
    ),
    notes=(
        "Anthropic requires every `tool_use` id of the request to be unique, not only within one message. "
        "Backends that number calls per turn (Kimi's `functions.bash:0`) or gateways that re-derive ids repeat "
        "them; give each call a fresh id (and its `tool_result` the same one) when converting."
    ),
)
RESULT_NOT_FIRST = define(
    "anthropic.tool-result-not-first",
    Severity.ERROR,
    "The user turn that answers `tool_use` blocks has other blocks (text, images) before its `tool_result` "
    "blocks; the results must come first.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "Did not find 1 `tool_result` block(s) at the beginning of this message. Messages following "
                "`tool_use` blocks must begin with a matching number of `tool_result` blocks."
            ),
            source="https://github.com/anthropics/anthropic-sdk-typescript/issues/653",
        ),
    ),
    example=_example(
        _USER, _CALL, {"role": "user", "content": [{"type": "text", "text": "Here you go:"}, _RESULT]}
    ),
    example_url=MESSAGES_URL,
    policy=_PAIRING,
    fixed=_example(
        _USER, _CALL, {"role": "user", "content": [_RESULT, {"type": "text", "text": "Here you go:"}]}
    ),
    notes="Text after the results is fine; put every `tool_result` block before it.",
)
SYSTEM_ROLE = define(
    "anthropic.system-role-in-messages",
    Severity.ERROR,
    'A message has `role: "system"`; the Messages API takes the system prompt as the top-level `system` '
    "field.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, '
                'not "system" as an input message role.'
            ),
            source="https://github.com/ianarawjo/ChainForge/issues/271",
        ),
    ),
    example=_example({"role": "system", "content": "You are terse."}, _USER),
    example_url=MESSAGES_URL,
    policy=policy(error=tuple(ANTHROPIC_API), otherwise=Severity.WARNING),
    fixed=_example(_USER, system="You are terse."),
    notes=(
        "Not reported when the URL has `?beta=true`: Claude Code sends mid-conversation system messages there "
        "under a beta (its real requests are in tests/data/requests). On Bedrock (betas in the `anthropic_beta` "
        "body list) and Vertex AI (betas in a header only) the URL has no such query: not reported on Bedrock "
        "with `anthropic_beta`, nor on Vertex, where Claude Code sends them too. A warning on "
        "Anthropic-compatible endpoints of other providers."
    ),
)
INVALID_ROLE = define(
    "anthropic.invalid-role",
    Severity.ERROR,
    'A message\'s `role` is neither "user" nor "assistant" (often a chat-style "tool" or "developer" '
    "message).",
    example=_example(_USER, _CALL, {"role": "tool", "tool_call_id": _TOOL_USE_ID, "content": "18C"}),
    example_url=MESSAGES_URL,
    policy=_STRUCTURAL,
    fixed=_example(_USER, _CALL, _ANSWER),
    notes=(
        "doc: MessageParam.role is `user` | `assistant`; tool results are `tool_result` blocks in a user "
        "message. No verbatim provider text for other role values has been observed yet."
    ),
)
FIRST_NOT_USER = define(
    "anthropic.first-message-not-user",
    Severity.WARNING,
    "The first message is an assistant message.",
    predicts=(
        PredictedError(
            provider="bedrock",
            text='messages: first message must use the "user" role',
            # Anthropic's own API accepts it since late 2024; Bedrock still rejects it.
            source="https://github.com/anthropics/anthropic-sdk-typescript/issues/622",
        ),
    ),
    example=_example({"role": "assistant", "content": "How can I help?"}, _USER),
    example_url=DEEPSEEK_MESSAGES_URL,
    policy=policy(silent=tuple(ANTHROPIC_API), otherwise=Severity.WARNING),
    fixed=_example(_USER),
    notes=(
        "Not reported on Anthropic's API, which accepts it (anthropic-sdk-typescript#622); it used to answer "
        "the text above (tonyljx/TextWordExplain#2). A warning elsewhere: other implementations may still "
        "reject it."
    ),
)
EMPTY_CONTENT = define(
    "anthropic.empty-content",
    Severity.ERROR,
    "A message other than the final assistant message has empty `content` (an empty string or list).",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="messages.0: all messages must have non-empty content except for the optional final assistant message",
            # Also anthropics/claude-code#4416 (messages.11), glowingjade/obsidian-smart-composer#156.
            source="https://github.com/anthropics/claude-code/issues/6774",
        ),
    ),
    example=_example({"role": "user", "content": ""}),
    example_url=MESSAGES_URL,
    policy=_STRUCTURAL,
    fixed=_example({"role": "user", "content": "Hi"}),
    notes="A final assistant message may be empty (a prefill); a missing `content` is reported too.",
)
EMPTY_TEXT = define(
    "anthropic.empty-text-block",
    Severity.ERROR,
    "A `text` block (or string content) is empty or whitespace only.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="messages: text content blocks must be non-empty",
            # Also anthropics/claude-code#53473, stackblitz/bolt.new#7426.
            source="https://github.com/anthropics/claude-code/issues/59812",
        ),
        PredictedError(
            provider="anthropic",
            text="messages: text content blocks must contain non-whitespace text",
            source="https://github.com/anthropics/claude-code/issues/23440",
        ),
        PredictedError(
            provider="moonshot",
            text="Invalid request: text content is empty",
            source="https://github.com/LLM-Red-Team/kimi-cc/issues/23",
        ),
    ),
    example=_example(
        {"role": "user", "content": [{"type": "text", "text": ""}, {"type": "text", "text": "Hi"}]}
    ),
    example_url=MESSAGES_URL,
    policy=policy(error=tuple(sorted(EMPTY_TEXT_CONFIRMED)), otherwise=Severity.WARNING),
    fixed=_example({"role": "user", "content": [{"type": "text", "text": "Hi"}]}),
    notes="Drop the empty block instead of sending it. Checked for the blocks of `messages` and `system`.",
)
FINAL_WHITESPACE = define(
    "anthropic.final-assistant-trailing-whitespace",
    Severity.ERROR,
    "The request ends with an assistant message (a prefill, or a turn left by a cancelled or retried stream) "
    "whose text ends in whitespace.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                '400 Bad Request Reason: {"type":"error","error":{"type":"invalid_request_error","message":'
                '"messages: final assistant content cannot end with trailing whitespace"},"request_id":'
                '"req_011CUvdPgnreuT3DxJPFAoqt"}'
            ),
            # Also anomalyco/opencode#1295; goose trims it (aaif-goose/goose#5967).
            source="https://github.com/tailcallhq/forgecode/issues/1872",
        ),
    ),
    example=_example(_USER, {"role": "assistant", "content": "The weather in Paris is "}),
    example_url=MESSAGES_URL,
    policy=_STRUCTURAL,
    fixed=_example(_USER, {"role": "assistant", "content": "The weather in Paris is"}),
    notes=(
        "Only the final message is checked, and only when it is an assistant message ending in a text block: "
        "Claude continues a prefill from its last character, and Anthropic refuses one that ends in a space or "
        "newline. Trim the trailing whitespace (or drop the partial turn a cancelled stream left)."
    ),
)
INVALID_SYSTEM = define(
    "anthropic.invalid-system",
    Severity.ERROR,
    '`system` is neither a string nor an array of text blocks (`{"type": "text", "text": ...}`): null, an '
    "object, or an OpenAI-style `{role, content}` message inside the array.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="system.0: Input does not match the expected shape.",
            source="https://github.com/open-webui/pipelines/pull/116",
        ),
    ),
    example=_example(_USER, system=[{"role": "system", "content": "You are terse."}]),
    example_url=MESSAGES_URL,
    policy=_STRUCTURAL,
    fixed=_example(_USER, system=[{"type": "text", "text": "You are terse."}]),
    notes="The Messages API reference types `system` as a string or an array of text blocks (TextBlockParam: "
    "`type`, `text`, optional `cache_control` and `citations`); it is not nullable: omit the key when there is "
    "no system prompt. Open WebUI's pipeline passed its OpenAI-style system message object in the array.",
)
WRONG_TYPE = define(
    "anthropic.wrong-type",
    Severity.ERROR,
    "A field has a JSON type the Messages API does not take there: `max_tokens` or `top_k` that is not an "
    "integer, `temperature` or `top_p` that is not a number, `stream` that is not a boolean, `stop_sequences` "
    "that is not an array of strings, a message `content` that is neither a string nor an array of blocks, a "
    "content block that is not an object with a string `type`.",
    predicts=(),
    example=_example(_USER, stop_sequences="END"),
    example_url=MESSAGES_URL,
    policy=_STRUCTURAL,
    fixed=_example(_USER, stop_sequences=["END"]),
    notes="The types are the Messages API reference's (POST /v1/messages: max_tokens and top_k integers, "
    "temperature and top_p numbers, stream a boolean, stop_sequences an array of strings, a message's content "
    "a string or an array of content blocks); Anthropic's validator answers a wrong type with pydantic's "
    '"<path>: Input should be a valid ..." (for a tool_use input, "messages.61.content.0.tool_use.input: Input '
    "should be a valid dictionary\", anthropics/claude-code#6696: anthropic.tool-use-input-not-object's case). "
    'A value pydantic\'s lax mode converts (`"max_tokens": "1024"`, `"stream": "true"`, `1024.0`) is a '
    "warning: whether Anthropic's validator converts it is not established.",
)
UNKNOWN_BLOCK_TYPE = define(
    "anthropic.unknown-block-type",
    Severity.ERROR,
    "A content block's `type` is not one of the Messages API's block types: most often an OpenAI part type "
    "(`image_url`, `input_text`, `output_text`, `file`, `input_audio`) sent by a chat-to-Anthropic adapter.",
    predicts=(),
    example=_example(
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}],
        }
    ),
    example_url=MESSAGES_URL,
    policy=_STRUCTURAL,
    fixed=_example(
        {
            "role": "user",
            "content": [{"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}],
        }
    ),
    notes="The block types are the Messages API reference's content blocks (text, image, document, "
    "search_result, tool_use, tool_result, thinking, redacted_thinking, the server tools' blocks, "
    "container_upload, ...), betas included. OpenAI's part types are certainly refused (an error on Anthropic's "
    "API); any other unknown type is a warning, since a beta may have added it since this list was written.",
)
MAX_TOKENS_MISSING = define(
    "anthropic.max-tokens-missing",
    Severity.ERROR,
    "`max_tokens` is missing; the Messages API requires it.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="max_tokens: Field required",
            source="https://github.com/tickernelz/opencode-mem/issues/50",
        ),
    ),
    example={"model": "claude-sonnet-4-5", "messages": [_USER]},
    example_url=MESSAGES_URL,
    policy=_STRUCTURAL,
    fixed={"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [_USER]},
    notes="Chat-to-Anthropic adapters often forget it (OpenAI's `max_tokens` is optional).",
)
# ----------------------------------------------------------------------------- Claude on Bedrock and Vertex AI
#
# The same Messages body goes to Bedrock's InvokeModel (``/model/{modelId}/invoke``, what Claude Code sends with
# CLAUDE_CODE_USE_BEDROCK=1) and to Vertex AI's ``publishers/anthropic/models/{model}:rawPredict`` (with
# CLAUDE_CODE_USE_VERTEX=1): the path names the model, and the body carries ``anthropic_version`` instead of the
# ``anthropic-version`` header (request.anthropic_platform). Bedrock's validator is a JSON schema whose answers
# read "Malformed input request: #: extraneous key [x] is not permitted"; it takes betas in the body
# (``anthropic_beta``), not the ``anthropic-beta`` header. Everything else is Anthropic's own schema, so the
# Messages rules hold unchanged.

#: ``anthropic_version`` each platform requires (AWS: "anthropic_version – (Required) ... The value must be
#: bedrock-2023-05-31", Anthropic Claude Messages API parameters, checked 2026-12-01; Google: "anthropic_version
#: ... vertex-2023-10-16", Vertex AI "Use Claude" request body, checked 2026-12-01).
PLATFORM_VERSIONS: Mapping[str, str] = {"bedrock": "bedrock-2023-05-31", "vertex": "vertex-2023-10-16"}
#: Body fields a platform adds to Anthropic's schema: Bedrock takes betas as ``anthropic_beta`` (a list of beta
#: names, AWS's parameter page); Vertex takes them as the ``anthropic-beta`` header only.
PLATFORM_FIELDS: Mapping[str, frozenset[str]] = {
    "bedrock": frozenset({"anthropic_version", "anthropic_beta"}),
    "vertex": frozenset({"anthropic_version"}),
}
#: Fields of Anthropic's own body that Bedrock's InvokeModel schema refuses: the path names the model, and
#: InvokeModelWithResponseStream (not a body flag) streams (fumito-ito/AnthropicSwiftSDK#19, below).
PLATFORM_REFUSED: Mapping[str, tuple[str, ...]] = {"bedrock": ("model", "stream"), "vertex": ()}
_BEDROCK_URL = "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"
#: The path names the platform, so its refusal holds on a gateway's host too (an unknown host on these paths is
#: a proxy in front of Bedrock or Vertex, e.g. LiteLLM's pass-through); elsewhere a warning.
_PLATFORM = policy(error=("bedrock", "vertex", "generic"), otherwise=Severity.WARNING)
PLATFORM_VERSION = define(
    "anthropic.platform-version",
    Severity.ERROR,
    "A Messages body sent to Bedrock's InvokeModel or Vertex AI's rawPredict without `anthropic_version` in the "
    "body (the platforms document bedrock-2023-05-31 and vertex-2023-10-16).",
    policy=_PLATFORM,
    predicts=(
        PredictedError(
            provider="bedrock",
            text="anthropic_version – (Required) The anthropic version. The value must be bedrock-2023-05-31.",
            source="https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html",
        ),
        PredictedError(
            provider="vertex",
            text='"anthropic_version": "vertex-2023-10-16"',
            source="https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude",
        ),
    ),
    example={"max_tokens": 1024, "messages": [_USER]},
    example_url=_BEDROCK_URL,
    fixed={"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "messages": [_USER]},
    notes=(
        "Both platforms document the field as required; the `anthropic-version` header of Anthropic's own API does "
        "not replace it. Its value is not checked: the docs name one value per platform, but the official SDKs "
        "(AnthropicBedrock, AnthropicVertex) send their own API version there and are answered. Hand-built bodies "
        "and gateways that translate a first-party request forget the field."
    ),
)
PLATFORM_FIELD = define(
    "anthropic.platform-field-refused",
    Severity.ERROR,
    "`model` or `stream` in a Messages body sent to Bedrock's InvokeModel: its schema refuses both (the path "
    "names the model; `/invoke-with-response-stream` streams).",
    policy=_PLATFORM,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                'Malformed input request: #: subject must not be valid against schema {"required":["messages"]}#: '
                "extraneous key [stream] is not permitted#: extraneous key [model] is not permitted, please "
                "reformat your input and try again."
            ),
            source="https://github.com/fumito-ito/AnthropicSwiftSDK/issues/19",
        ),
    ),
    example={
        "anthropic_version": "bedrock-2023-05-31",
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [_USER],
    },
    example_url=_BEDROCK_URL,
    fixed={"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "messages": [_USER]},
    notes="Vertex AI's rawPredict is not known to refuse either field, so only Bedrock's path is checked.",
)
THINKING_NOT_FIRST = define(
    "anthropic.thinking-block-missing",
    Severity.ERROR,
    "With `thinking` enabled, the request ends in a tool loop whose assistant messages carry no thinking "
    "block: the model's thinking was dropped when the tool call was replayed.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When "
                "`thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding "
                "the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking "
                "blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our "
                "documentation at https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking"
            ),
            # Also mastra-ai/mastra#7799 (messages.29).
            source="https://github.com/deepset-ai/haystack-core-integrations/issues/2146",
        ),
        PredictedError(
            provider="vertex",
            text=(
                '400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.1.content.0.type: '
                "Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a "
                "final `assistant` message must start with a thinking block (preceeding the lastmost set of "
                "`tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous "
                "turns. To avoid this requirement, disable `thinking`. Please consult our documentation at "
                'https://docs.claude.com/en/docs/build-with-claude/extended-thinking"},"request_id":'
                '"req_vrtx_011CXHqiZPJzdrvgn43AHAoA"}'
            ),
            # Kilo Code's Vertex provider, claude-opus-4-5@20251101.
            source="https://github.com/Kilo-Org/kilocode/issues/5219",
        ),
        PredictedError(
            provider="bedrock",
            text=(
                "ValidationException('An error occurred (ValidationException) when calling the ConverseStream "
                "operation: The model returned the following errors: messages.1.content.0.type: Expected "
                "`thinking` or `redacted_thinking`, but found `text`. When `thinking` is enabled, a final "
                "`assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` "
                "and `tool_result` blocks)."
            ),
            # Bedrock hands the body to Claude's own validator (on Converse here; InvokeModel's Messages body
            # reaches the same one).
            source="https://github.com/langchain-ai/langchain-aws/issues/844",
        ),
    ),
    example=_example(_USER, _CALL, _ANSWER, thinking=_THINKING),
    example_url=MESSAGES_URL,
    policy=_SIGNED,
    fixed=_example(_USER, _SIGNED_CALL, _ANSWER, thinking=_THINKING),
    notes=(
        "Only `thinking.type: enabled` is checked: with `adaptive` the model may not have thought. The check is "
        "conservative: it fires only when no assistant message of the trailing tool loop starts with a "
        "thinking block, so interleaved tool loops are never flagged."
    ),
)
THINKING_SIGNATURE = define(
    "anthropic.thinking-signature-missing",
    Severity.ERROR,
    "A replayed `thinking` block has no `signature` (or an empty one); Anthropic verifies it.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="messages.1.content.0: Invalid `signature` in `thinking` block",
            # Also code-yeongyu/oh-my-openagent#2775 (synthetic blocks without a signature), kaitranntt/ccs#415.
            source="https://github.com/ding113/claude-code-hub/issues/518",
        ),
        PredictedError(
            # An empty signature fails Bedrock's schema check before the signature check.
            provider="bedrock",
            text=(
                '400 {"type":"error","error":{"type":"ValidationException","message":"The model returned the '
                'following errors: messages.369.content.0.thinking.signature: Field required"}}'
            ),
            source="https://github.com/can1357/oh-my-pi/pull/10486",
        ),
        PredictedError(
            provider="bedrock",
            text=(
                "messages.1.content.0: Invalid signature in thinking block (Service: BedrockRuntime, Status Code: "
                "400"
            ),
            source="https://github.com/chenhg5/cc-connect/issues/897",
        ),
    ),
    example=_example(
        _USER,
        {
            "role": "assistant",
            "content": [{"type": "thinking", "thinking": "Check the weather."}, *_CALL["content"]],
        },
        _ANSWER,
        thinking=_THINKING,
    ),
    example_url=MESSAGES_URL,
    policy=_SIGNED,
    fixed=_example(_USER, _SIGNED_CALL, _ANSWER, thinking=_THINKING),
    notes=(
        "Replay thinking blocks exactly as received (with `signature`), or drop them; a block made up by the "
        "client can never be valid. Not reported on other providers' Anthropic-compatible endpoints, which "
        "issue their own signatures or none."
    ),
)
TOOL_CHOICE_FORM = define(
    "anthropic.invalid-tool-choice",
    Severity.ERROR,
    '`tool_choice` is not an object with `type` "auto", "any", "tool" (with the tool\'s `name`) or "none" '
    '(an OpenAI-style string like "required" or {"type": "function", ...} is the usual slip).',
    example=_example(_USER, tool_choice="auto"),
    example_url=MESSAGES_URL,
    policy=policy(error=tuple(ANTHROPIC_API), otherwise=Severity.WARNING),
    fixed=_example(_USER, tool_choice={"type": "auto"}),
    notes=(
        "doc: `tool_choice` is an object (ToolChoiceAuto/Any/Tool/None). The pydantic-style answer "
        "`tool_choice: Input should be a valid dictionary or object to extract fields from` is quoted in several "
        "adapters' code comments, but no public thread with the raw response was found, so no text is predicted. "
        'Use {"type": "auto"}, {"type": "any"} (OpenAI\'s "required"), {"type": "tool", "name": ...} or '
        '{"type": "none"}. A `name` that matches no tool is a warning.'
    ),
)
THINKING_FORCED_TOOL = define(
    "anthropic.thinking-with-forced-tool-choice",
    Severity.ERROR,
    '`thinking` is enabled and `tool_choice` forces tool use (`"any"` or `"tool"`).',
    predicts=(
        PredictedError(
            provider="anthropic",
            text="Thinking may not be enabled when tool_choice forces tool use.",
            # Also can1357/oh-my-pi#341 (Bedrock), BerriAI/litellm#17129.
            source="https://github.com/mastra-ai/mastra/issues/7507",
        ),
        PredictedError(
            provider="bedrock",
            text="Thinking may not be enabled when tool_choice forces tool use.",
            # The Bedrock provider's own refusal, fixed there like the Anthropic provider's.
            source="https://github.com/can1357/oh-my-pi/pull/333",
        ),
    ),
    example=_example(_USER, tool_choice={"type": "any"}, thinking=_THINKING),
    example_url=MESSAGES_URL,
    # Claude's own validator answers on Bedrock and Vertex too (CLAUDE_VALIDATOR). DeepSeek's endpoint:
    # quirks.deepseek-thinking-forced-tool-choice reports it (an error there, and for its V4 models
    # without a thinking field too).
    policy=policy(
        error=tuple(sorted(CLAUDE_VALIDATOR)),
        silent=("deepseek",),
        otherwise=Severity.WARNING,
        conditions={"deepseek": "reported as quirks.deepseek-thinking-forced-tool-choice"},
    ),
    fixed=_example(_USER, tool_choice={"type": "auto"}, thinking=_THINKING),
    notes="Use `auto` (or `none`) while thinking, or turn thinking off for the forced call.",
)
TOOL_NAME_RULE = define(
    "anthropic.invalid-tool-name",
    Severity.ERROR,
    f"A custom tool's `name` does not match `^[a-zA-Z0-9_-]{{1,{TOOL_NAME_MAX}}}$` (dots, slashes, spaces, "
    f"or more than {TOOL_NAME_MAX} characters).",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
            # MCP tool names like `caldav-mcp.create-event`; also netclaw-dev/netclaw#1133, vybestack/llxprt-code#482.
            source="https://github.com/home-assistant/core/issues/147760",
        ),
        PredictedError(
            provider="anthropic",
            text="tools.18.custom.name: String should have at most 128 characters",
            source="https://github.com/anthropics/claude-code/issues/96152",
        ),
    ),
    example=_example(_USER, tools=[{**_TOOL, "name": "weather.get"}]),
    example_url=MESSAGES_URL,
    # Anthropic's own validator answers (above); other Anthropic-compatible endpoints document less.
    policy=policy(error=tuple(ANTHROPIC_API), otherwise=Severity.WARNING),
    fixed=_example(_USER, tools=[{**_TOOL, "name": "weather_get"}]),
    notes=(
        "Older responses quote `{1,64}` (apify/tester-mcp-client#11); names of 65-128 characters are accepted "
        "today and not reported. Server tools (`type` such as `web_search_20250305`) have fixed names and are "
        "not checked. A warning on other providers' Anthropic-compatible endpoints."
    ),
)
DUPLICATE_TOOL_NAME = define(
    "anthropic.duplicate-tool-name",
    Severity.ERROR,
    "Two tools in `tools` share a `name` (two custom tools, or a custom tool named like a server tool).",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="tools: Tool names must be unique.",
            # Claude Code's /compact with the same tool listed twice; also #10687, #10761.
            source="https://github.com/anthropics/claude-code/issues/14205",
        ),
        PredictedError(
            provider="vertex",
            text=(
                'Server error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"tools: Tool '
                'names must be unique."},"request_id":"req_vrtx_011Cb9qb5NVKiRfZntryvm6H"}'
            ),
            source="https://github.com/microsoft/vscode/issues/316983",
        ),
    ),
    example=_example(_USER, tools=[_TOOL, _TOOL]),
    example_url=MESSAGES_URL,
    # Structural: Anthropic's own validator (Claude on Vertex answers the same, above) and an unknown host on
    # /v1/messages, most often a gateway to it (OpenRouter relayed the same 400 from Anthropic,
    # tailcallhq/forgecode#892).
    policy=_STRUCTURAL,
    fixed=_example(_USER),
    notes=(
        "Anthropic requires the names in `tools` to be unique. Agent clients that merge built-in and MCP tools "
        "(or list one MCP server twice) send duplicates; drop the second one or rename it. On Chat Completions "
        "the same request is tools.duplicate-name (a warning: OpenAI's answer is not confirmed)."
    ),
)
TOOL_SCHEMA_MISSING = define(
    "anthropic.tool-input-schema-missing",
    Severity.ERROR,
    "A custom tool has no `input_schema` object with a `type` (often an OpenAI-style tool with "
    "`parameters` or a nested `function`).",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="tools.0.custom.input_schema.type: Field required",
            source="https://github.com/Kilo-Org/kilocode/issues/12238",
        ),
        PredictedError(
            provider="anthropic",
            text="tools.0.custom.input_schema: Field required",
            # Relayed from Vertex; also router-for-me/CLIProxyAPI#351.
            source="https://github.com/su-kaka/gcli2api/issues/392",
        ),
    ),
    example=_example(
        _USER,
        tools=[
            {"type": "function", "function": {"name": "get_weather", "parameters": _TOOL["input_schema"]}}
        ],
    ),
    example_url=MESSAGES_URL,
    # Structural: Anthropic and an unknown host on /v1/messages (most often a gateway to it, STRUCTURAL).
    policy=policy(error=tuple(sorted(STRUCTURAL)), otherwise=Severity.WARNING),
    fixed=_example(_USER, tools=[_TOOL]),
    notes='Anthropic\'s tool shape is {"name", "description", "input_schema"} at the top level.',
)
INVALID_INPUT_SCHEMA = define(
    "anthropic.invalid-input-schema",
    Severity.ERROR,
    "A keyword of a custom tool's `input_schema` has a value JSON Schema's metaschema refuses: a property "
    'schema given as a type name (`"x": "number"`), a `type` that is not a JSON type name, `required` '
    "that is not an array of strings, an empty `anyOf`.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "tools.17.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12 "
                "(https://json-schema.org/draft/2020-12). Learn more about tool use at "
                "https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview."
            ),
            # Claude Code with an MCP server's tool; also anthropics/claude-code#5486 (tools.39).
            source="https://github.com/anthropics/claude-code/issues/86664",
        ),
    ),
    example=_example(
        _USER,
        tools=[
            {
                "name": "get_weather",
                "description": "Weather for a city.",
                "input_schema": {"type": "object", "properties": {"city": "string"}, "required": ["city"]},
            }
        ],
    ),
    example_url=MESSAGES_URL,
    # Anthropic validates input_schema against draft 2020-12's metaschema (the cited sentence; Claude on
    # Bedrock and Vertex answer with the same validator); an unknown host on /v1/messages is most often a
    # gateway to it (STRUCTURAL). Other Anthropic-compatible endpoints: not established.
    policy=policy(error=tuple(sorted(CLAUDE_VALIDATOR | STRUCTURAL)), otherwise=Severity.WARNING),
    fixed=_example(_USER, tools=[_TOOL]),
    notes=(
        "The keyword value types are the metaschema's (json-schema.org, draft 2020-12), checked by the walk "
        "tools.invalid-schema makes over OpenAI function parameters (rules/schemas.py). Only values the "
        "metaschema refuses are reported: an array without `items` is valid JSON Schema and Anthropic takes it."
    ),
)
TOOL_USE_ID_RULE = define(
    "anthropic.invalid-tool-use-id",
    Severity.ERROR,
    "A `tool_use` block's `id` is not made of letters, digits, `_` and `-` only (ids from other providers "
    "or MCP servers with dots, colons or pipes).",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="messages.92.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
            # Also CommandCodeAI/command-code#323, RooCodeInc/Roo-Code#10649.
            source="https://github.com/BlockRunAI/ClawRouter/issues/17",
        ),
        PredictedError(
            provider="anthropic",
            text="messages.1.content.1.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
            # opencode replaying Kimi ids (`functions.edit:0`) or an empty id to Claude Sonnet 4.
            source="https://github.com/anomalyco/opencode/issues/1279",
        ),
    ),
    example=_example(
        _USER,
        {"role": "assistant", "content": [{**_CALL["content"][1], "id": "functions.get_weather:0"}]},
        {"role": "user", "content": [{**_RESULT, "tool_use_id": "functions.get_weather:0"}]},
    ),
    example_url=MESSAGES_URL,
    # Structural: Anthropic and an unknown host on /v1/messages. Such a host is most often a gateway to
    # Anthropic, and gateways are where foreign ids meet Claude (ClawRouter#17 above is one).
    policy=_STRUCTURAL,
    fixed=_example(
        _USER,
        {"role": "assistant", "content": [{**_CALL["content"][1], "id": "functions_get_weather_0"}]},
        {"role": "user", "content": [{**_RESULT, "tool_use_id": "functions_get_weather_0"}]},
    ),
    notes=(
        "Map foreign ids to a safe form on both the `tool_use` and its `tool_result`, keeping them paired. An "
        "empty id breaks the pattern too (opencode#1279). An error on Anthropic and on an unknown host (a "
        "gateway); a warning on other providers' Anthropic-compatible endpoints, which mint such ids themselves."
    ),
)
TOOL_INPUT_NOT_OBJECT = define(
    "anthropic.tool-use-input-not-object",
    Severity.ERROR,
    "A `tool_use` block's `input` is missing or not a JSON object (a string of JSON, a list, null).",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="messages.1.content.0.tool_use.input: Input should be a valid dictionary",
            # Also anthropics/claude-code#6696 and #6697.
            source="https://github.com/anthropics/claude-code/issues/6695",
        ),
        PredictedError(
            provider="anthropic",
            text="LLM request rejected: messages.N.content.X.tool_use.input: Field required",
            # OpenClaw's FAQ on it: a tool call replayed without its input, after an interrupted run or a
            # client that dropped the streamed arguments (a zero-argument call whose `input` went missing).
            source="https://github.com/openclaw/openclaw/blob/main/docs/help/faq.md",
        ),
    ),
    example=_example(
        _USER,
        {"role": "assistant", "content": [{**_CALL["content"][1], "input": '{"city": "Paris"}'}]},
        _ANSWER,
    ),
    # Structural: Anthropic and an unknown host on /v1/messages (most often a gateway to it, STRUCTURAL).
    policy=policy(error=tuple(sorted(STRUCTURAL)), otherwise=Severity.WARNING),
    fixed=_example(_USER, {"role": "assistant", "content": [_CALL["content"][1]]}, _ANSWER),
    example_url=MESSAGES_URL,
    notes="Chat-style `arguments` are a JSON string; Anthropic's `input` is the parsed object.",
)
IMAGE_SOURCE = define(
    "anthropic.invalid-image-source",
    Severity.ERROR,
    "An `image` block's `source` is not base64 (with media type image/jpeg, image/png, image/gif or "
    "image/webp and `data`), `url` (with `url`) or `file` (with `file_id`).",
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "messages.36.content.2.image.source.base64.media_type: Input should be 'image/jpeg', "
                "'image/png', 'image/gif' or 'image/webp'"
            ),
            # Also crmne/ruby_llm#166 (image/jpg).
            source="https://github.com/anthropics/claude-code/issues/8184",
        ),
        PredictedError(
            provider="anthropic",
            text=(
                "messages.208.content.0.tool_result.content.0.image.source.base64.media_type: Input should be "
                "'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"
            ),
            # An image returned by a tool (Claude Code reading a .bmp/.svg); also #2438, #4661.
            source="https://github.com/anthropics/claude-code/issues/3073",
        ),
    ),
    example=_example(
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/jpg", "data": "/9j/4AAQSkZJRg=="},
                },
                {"type": "text", "text": "What is in this picture?"},
            ],
        }
    ),
    example_url=MESSAGES_URL,
    policy=policy(error=tuple(ANTHROPIC_API), otherwise=Severity.WARNING),
    fixed=_example(
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQSkZJRg=="},
                },
                {"type": "text", "text": "What is in this picture?"},
            ],
        }
    ),
    notes=(
        "Images inside `tool_result` content are checked too. `image/jpg`, `image/svg+xml`, `image/bmp` and "
        "`image/heic` are the usual offenders; convert them first. Whether the bytes match the declared type "
        "is not checked (toolguard does not decode images)."
    ),
)
IMAGE_MEDIA_MISMATCH = define(
    "anthropic.image-media-type-mismatch",
    Severity.ERROR,
    "A base64 `image` block whose bytes are another format than its `media_type` says (a JPEG sent as "
    "image/png, a file's extension trusted over its content).",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="messages.6.content.5.image.source.base64.data: Image does not match the provided media type image/png",
            source="https://github.com/anthropics/claude-code/issues/15746",
        ),
        PredictedError(
            # Claude on Bedrock: Anthropic's validator behind the runtime ("The model returned the following
            # errors: ...").
            provider="bedrock",
            text=(
                "The model returned the following errors: messages.0.content.0.image.source.bytes: The image was "
                "specified using the image/jpeg media type, but the image appears to be a image/png image"
            ),
            source="https://github.com/aws-samples/amazon-bedrock-client-for-mac/issues/130",
        ),
    ),
    example=_example(
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "/9j/4AAQSkZJRgABAQ=="},
                },
                {"type": "text", "text": "What is in this picture?"},
            ],
        }
    ),
    example_url=MESSAGES_URL,
    # Anthropic's own validator (Claude on Bedrock and Vertex runs it too); other vendors' Anthropic-compatible
    # endpoints may not look at the bytes.
    policy=policy(error=tuple(sorted(CLAUDE_VALIDATOR)), otherwise=Severity.WARNING),
    fixed=_example(
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQSkZJRgABAQ=="},
                },
                {"type": "text", "text": "What is in this picture?"},
            ],
        }
    ),
    notes=(
        "Read from the first 12 bytes of `data` (the PNG, JPEG, GIF and WebP signatures); bytes that are none "
        "of the four are not judged here. Images inside `tool_result` content are checked too. Set `media_type` "
        "from the bytes, not from the file name."
    ),
)
DOCUMENT_SOURCE = define(
    "anthropic.invalid-document-source",
    Severity.ERROR,
    "A `document` block's `source` is not a base64 PDF (`application/pdf`), plain text (`text/plain`), a "
    "`url`, a `file` or `content` blocks.",
    example=_example(
        {
            "role": "user",
            "content": [
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "text/csv", "data": "YSxiCjEsMgo="},
                },
                {"type": "text", "text": "Summarise this file."},
            ],
        }
    ),
    example_url=MESSAGES_URL,
    policy=policy(error=tuple(ANTHROPIC_API), otherwise=Severity.WARNING),
    fixed=_example(
        {
            "role": "user",
            "content": [
                {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "a,b"}},
                {"type": "text", "text": "Summarise this file."},
            ],
        }
    ),
    notes=(
        "Base64 documents must be PDFs: adapters that pass another MIME type through are rejected "
        "(langchain-ai/langchain#37585 for `text/csv`); send other text as a `text` source or a text block. "
        "No verbatim error text with its source has been found yet, so none is predicted."
    ),
)
CACHE_BREAKPOINTS = define(
    "anthropic.too-many-cache-breakpoints",
    Severity.ERROR,
    f"More than {MAX_CACHE_BREAKPOINTS} blocks (tools, system and message blocks together) carry "
    "`cache_control`.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="A maximum of 4 blocks with cache_control may be provided. Found 5.",
            # Also Wei-Shaw/sub2api#176, griffinmartin/opencode-claude-auth#121.
            source="https://github.com/tghamm/Anthropic.SDK/issues/50",
        ),
        PredictedError(
            provider="vertex",
            text=(
                '400 {"type":"error","error":{"type":"invalid_request_error","message":"A maximum of 4 blocks with '
                'cache_control may be provided. Found 5."}}'
            ),
            # Every Claude request through OpenClaw's anthropic-vertex provider (five marked blocks).
            source="https://github.com/openclaw/openclaw/issues/92480",
        ),
        PredictedError(
            provider="openrouter",
            # Anthropic's answer (above), which OpenRouter returns in its metadata.raw for a Claude model: its
            # TypeScript SDK reference says a block-level cache_control "marks an explicit cache breakpoint" and
            # is converted to the provider's native format.
            text="A maximum of 4 blocks with cache_control may be provided. Found 5.",
            source="https://openrouter.ai/docs/client-sdks/typescript/models/anthropiccachecontroldirective.md",
        ),
    ),
    example=_example(
        {
            "role": "user",
            "content": [
                {"type": "text", "text": f"Part {n}.", "cache_control": {"type": "ephemeral"}}
                for n in range(5)
            ],
        }
    ),
    example_url=MESSAGES_URL,
    # Claude on Vertex AI answers the same (above); Bedrock's answer to it is not quoted: a warning there.
    # OpenRouter passes block-level cache_control to Anthropic for Claude models (its SDK reference: "When set
    # on an individual content block, it marks an explicit cache breakpoint"), so Anthropic's limit holds there,
    # on chat completions too.
    policy=policy(
        error=(*sorted(ANTHROPIC_API), "vertex", "openrouter"),
        otherwise=Severity.WARNING,
        conditions={
            "openrouter": "a Claude model (anthropic/...), whose blocks OpenRouter hands to Anthropic"
        },
    ),
    fixed=_example(
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": f"Part {n}.",
                    **({"cache_control": {"type": "ephemeral"}} if n else {}),
                }
                for n in range(5)
            ],
        }
    ),
    notes=(
        "Gateways that add their own breakpoint push a request over the limit (VicBilibily/GCMP#83). A "
        "warning on other providers' Anthropic-compatible endpoints, which may ignore `cache_control`."
    ),
)
TEMPERATURE_RANGE = define(
    "anthropic.temperature-out-of-range",
    Severity.ERROR,
    "`temperature` is outside 0-1 (OpenAI's range goes to 2; Anthropic's stops at 1).",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="temperature: range: -1 or 0..1",
            # The maintainers' answer there: the accepted range is 0.0-1.0 and -1 is now rejected too.
            source="https://github.com/anthropics/anthropic-sdk-python/issues/893",
        ),
    ),
    example=_example(_USER, temperature=1.5),
    example_url=MESSAGES_URL,
    policy=policy(error=tuple(ANTHROPIC_API), otherwise=Severity.WARNING),
    fixed=_example(_USER, temperature=0.75),
    notes="vercel/ai#10308 clamps for the same reason. A warning on other providers' compatible endpoints.",
)
TOP_P_RANGE = define(
    "anthropic.top-p-out-of-range",
    Severity.ERROR,
    "`top_p` is above 1 or below 0: a nucleus is a probability mass, and Anthropic's validator names its range.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text='{"type": "error", "error": {"type": "invalid_request_error", "message": "top_p: range: -1 or 0..1"}}',
            # An Anthropic SDK maintainer's answer, quoting what the API returns for a top_p above 1.
            source="https://github.com/anthropics/anthropic-sdk-typescript/issues/484",
        ),
    ),
    example=_example(_USER, top_p=1.5),
    example_url=MESSAGES_URL,
    policy=policy(error=tuple(ANTHROPIC_API), otherwise=Severity.WARNING),
    fixed=_example(_USER, top_p=0.9),
    notes=(
        "The answer lists -1 (unset) beside 0-1, so -1 is not reported. A warning on other providers' "
        "compatible endpoints."
    ),
)
STOP_SEQUENCE_BLANK = define(
    "anthropic.stop-sequence-blank",
    Severity.ERROR,
    'A `stop_sequences` entry that is empty or only whitespace (`"\\n"`, `" "`): Anthropic takes only stop '
    "sequences with a non-whitespace character.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="stop_sequences: each stop sequence must contain non-whitespace",
            # HELM drops such entries for Claude 3 to avoid exactly this answer (Claude3RunExpander).
            source="https://github.com/stanford-crfm/helm/blob/main/src/helm/benchmark/run_expander.py",
        ),
    ),
    example=_example(_USER, stop_sequences=["\n", "END"]),
    example_url=MESSAGES_URL,
    policy=policy(error=tuple(ANTHROPIC_API), otherwise=Severity.WARNING),
    fixed=_example(_USER, stop_sequences=["END"]),
    notes=(
        'Typical of an OpenAI `stop: ["\\n"]` translated one for one (EleutherAI/lm-evaluation-harness#2412\'s '
        "default `\\n\\n`; LiteLLM drops whitespace-only entries since BerriAI/litellm#7484). A sequence with "
        'whitespace around text (`"\\nHuman:"`) is fine. A warning on other providers\' compatible endpoints.'
    ),
)
THINKING_BUDGET = define(
    "anthropic.thinking-budget-not-below-max-tokens",
    Severity.ERROR,
    "`thinking.budget_tokens` is not below `max_tokens`: the thinking budget is spent out of `max_tokens`.",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
                "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size"
            ),
            source="https://github.com/ProfSynapse/nexus/issues/17",
        ),
    ),
    example=_example(_USER, max_tokens=2048, thinking=_THINKING),
    example_url=MESSAGES_URL,
    fixed=_example(_USER, max_tokens=4096, thinking=_THINKING),
    notes=(
        "Raise `max_tokens` above the budget (the answer needs room after the thinking) or lower "
        "`budget_tokens`. Not reported with `?beta=true` in the URL: with the interleaved-thinking beta the "
        "budget may exceed `max_tokens` (Anthropic's extended-thinking docs), and the rules do not see headers."
    ),
)
THINKING_TEMPERATURE = define(
    "anthropic.thinking-temperature",
    Severity.ERROR,
    "Thinking is on (`enabled`, or `adaptive` on Claude 4.6 and later) and `temperature` is not 1: thinking runs "
    "at the default temperature only.",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="anthropic",
            text=(
                "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at "
                "https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#important-considerations-"
                "when-using-extended-thinking"
            ),
            # Anthropic's answer relayed by a gateway for claude-3-7-sonnet with thinking.
            source="https://github.com/MartialBE/one-hub/issues/529",
        ),
        PredictedError(
            # The same refusal for adaptive thinking (Claude 4.6 and later), quoted by a client that sent
            # temperature 0 with adaptive thinking on.
            provider="anthropic",
            text="temperature may only be set to 1 when thinking is enabled or in adaptive mode",
            source="https://github.com/BuilderIO/agent-native/releases/tag/@agent-native%2Fcore@0.164.25",
        ),
    ),
    example=_example(_USER, temperature=0.2, thinking=_THINKING),
    example_url=MESSAGES_URL,
    fixed=_example(_USER, thinking=_THINKING),
    notes=(
        "doc: Anthropic's extended-thinking guide, 'Thinking isn't compatible with temperature or top_k "
        "modifications as well as forced tool use'. Omit `temperature` (or send 1) while thinking is on."
    ),
)
THINKING_BUDGET_MINIMUM = define(
    "anthropic.thinking-budget-too-small",
    Severity.ERROR,
    "`thinking.budget_tokens` is below 1024, the smallest thinking budget Anthropic takes.",
    policy=_STRUCTURAL,
    predicts=(
        PredictedError(
            provider="bedrock",
            text=(
                "The model returned the following errors: thinking.enabled.budget_tokens: Input should be "
                "greater than or equal to 1024"
            ),
            source="https://github.com/danny-avila/LibreChat/issues/8346",
        ),
        PredictedError(
            provider="anthropic-compatible gateway",
            text="***.enabled.budget_tokens: Input should be greater than or equal to 1024",
            source="https://github.com/tingly-dev/tingly-box/pull/569",
        ),
    ),
    example=_example(_USER, thinking={"type": "enabled", "budget_tokens": 512}),
    example_url=MESSAGES_URL,
    fixed=_example(_USER, thinking={"type": "enabled", "budget_tokens": 1024}),
    notes="doc: Anthropic's extended-thinking guide gives 1024 tokens as the minimum budget.",
)
#: Anthropic's smallest thinking budget (its extended-thinking guide; the 400s quoted above).
MIN_THINKING_BUDGET = 1024
TEMPERATURE_WITH_TOP_P = define(
    "anthropic.temperature-with-top-p",
    Severity.ERROR,
    "Both `temperature` and `top_p` are set for a Claude 4.5-or-later model, which accepts only one of them.",
    predicts=(
        PredictedError(
            provider="anthropic",
            text="`temperature` and `top_p` cannot both be specified for this model. Please use only one.",
            # Anthropic's body with its request_id, relayed by LiteLLM; also langfuse/langfuse#9882 (Sonnet 4.5).
            source="https://github.com/infiniflow/ragflow/issues/11815",
        ),
    ),
    example=_example(_USER, temperature=0.7, top_p=0.9),
    example_url=MESSAGES_URL,
    policy=policy(error=tuple(ANTHROPIC_API), conditions={"anthropic": "Claude 4.5 and later models"}),
    fixed=_example(_USER, temperature=0.7),
    notes=(
        "Checked for `claude-{opus,sonnet,haiku}-4-5` and later model ids on Anthropic's API only; older models "
        "accept both."
    ),
)


# ----------------------------------------------------------------------------- helpers


@dataclass(slots=True)
class Block:
    """One content block, where it sits in the request."""

    message: int
    index: int | None  # None: the message's string content, seen as one text block
    value: Any

    @property
    def where(self) -> str:
        base = f"messages[{self.message}].content"
        return base if self.index is None else f"{base}[{self.index}]"

    @property
    def type(self) -> str | None:
        if self.index is None:
            return "text"
        kind = self.value.get("type") if isinstance(self.value, dict) else None
        return kind if isinstance(kind, str) else None


@dataclass(slots=True)
class Turn:
    """Consecutive messages of one role, merged the way Anthropic merges them before validating."""

    role: str
    messages: list[int] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def of_type(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]


def message_blocks(index: int, message: dict[str, Any]) -> list[Block]:
    content = message.get("content")
    if isinstance(content, str):
        return [Block(index, None, content)]
    if isinstance(content, list):
        return [Block(index, i, b) for i, b in enumerate(content)]
    return []


def turns(view: RequestView) -> list[Turn]:
    """The conversation as Anthropic validates it: same-role neighbours merged, system messages (a beta
    feature) and malformed entries left out (other checks report those)."""
    result: list[Turn] = []
    for index, message in enumerate(view.messages):
        if not isinstance(message, dict) or not _one_of(message.get("role"), ROLES):
            continue
        role = message["role"]
        if not result or result[-1].role != role:
            result.append(Turn(role))
        result[-1].messages.append(index)
        result[-1].blocks.extend(message_blocks(index, message))
    return result


def _tool_use_id(block: Block) -> str | None:
    value = block.value.get("id") if isinstance(block.value, dict) else None
    return value if isinstance(value, str) else None


def _result_id(block: Block) -> str | None:
    value = block.value.get("tool_use_id") if isinstance(block.value, dict) else None
    return value if isinstance(value, str) else None


def _thinking(view: RequestView) -> str | None:
    thinking = view.body.get("thinking")
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    return kind if isinstance(kind, str) else None


#: DeepSeek's rule for a forced tool choice in thinking mode (rules/quirks.py), which its Messages endpoint shares.
DEEPSEEK_FORCED_TOOL_RULE = "quirks.deepseek-thinking-forced-tool-choice"


def _deepseek_forced_tool(view: RequestView, kind: str) -> Iterator[Finding]:
    """DeepSeek's Anthropic-compatible endpoint serves the same V4 models as its chat API, which think
    unless told not to (the default is the model's, not the API's), and refuses a forced tool choice with
    the thinking model's wording, although its guide lists every tool_choice as supported."""
    family = family_of(view)
    thinking = _thinking(view)
    # Claude clients send Claude model names here, which DeepSeek maps to a model of its choosing: only a
    # DeepSeek model toolguard knows, or thinking switched on in the request, is judged.
    if thinking == "disabled" or not (
        family.thinking_only
        or thinking in ("enabled", "adaptive")
        or (thinking is None and family.thinking_default)
    ):
        return
    # Defined once in rules/quirks.py with its chat side; looked up by id, as rule modules import no other.
    yield from RULES[DEEPSEEK_FORCED_TOOL_RULE].report(
        view,
        "tool_choice",
        f'tool_choice is {{"type": "{kind}"}}, which forces a call, and {view.model} thinks'
        + (" (on by default)" if thinking is None else "")
        + '; DeepSeek refuses that. Send thinking: {"type": "disabled"} for this turn, or {"type": "auto"}.',
    )


def _one_of(value: Any, options: frozenset[str]) -> bool:
    """``value in options`` for any JSON value (a dict or list would not even hash)."""
    return isinstance(value, str) and value in options


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# ----------------------------------------------------------------------------- checks


@check(endpoints=(MESSAGES,))
def check_request_fields(view: RequestView) -> Iterator[Finding]:
    """Top-level fields: ``max_tokens``, sampling ranges, thinking with a forced tool choice; on Bedrock and
    Vertex AI the platform's ``anthropic_version`` and the fields Bedrock refuses."""
    body = view.body
    platform = view.target.platform
    if _legacy_completion(view):
        return
    if platform is not None:
        yield from _check_platform(view, platform)
    if "max_tokens" not in body:
        yield from report_judged(
            MAX_TOKENS_MISSING,
            view,
            "max_tokens",
            "`max_tokens` is missing; the Messages API requires it. Set the most tokens the answer may "
            "use (e.g. 4096).",
        )
    temperature = body.get("temperature")
    if _is_number(temperature) and not 0 <= temperature <= 1:
        yield from report_judged(
            TEMPERATURE_RANGE,
            view,
            "temperature",
            f"`temperature` is {temperature}; the Messages API accepts 0 to 1. Scale an OpenAI-style value "
            "(0-2) by half.",
        )
    top_p = body.get("top_p")
    if _is_number(top_p) and not 0 <= top_p <= 1 and top_p != -1:
        yield from report_judged(
            TOP_P_RANGE,
            view,
            "top_p",
            f'`top_p` is {top_p}; the Messages API accepts 0 to 1 ("top_p: range: -1 or 0..1"). Drop it, or '
            "send a probability mass such as 0.9.",
        )
    model = normalise_model(view.model or "")
    if _is_number(temperature) and _is_number(body.get("top_p")) and SAMPLING_EXCLUSIVE_MODEL.match(model):
        yield from report_judged(
            TEMPERATURE_WITH_TOP_P,
            view,
            "top_p",
            f"{view.model} accepts `temperature` or `top_p`, not both; drop one (usually `top_p`).",
        )
    thinking = body.get("thinking")
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    # Adaptive thinking is thinking too: Anthropic's answer names both modes (the rule's second text).
    if kind in ("enabled", "adaptive") and _is_number(temperature) and temperature != 1:
        yield from report_judged(
            THINKING_TEMPERATURE,
            view,
            "temperature",
            f"`temperature` is {temperature} with thinking {kind}; Anthropic takes only 1 then. Omit "
            "`temperature` (or disable thinking for this request).",
        )
    if isinstance(thinking, dict) and kind == "enabled":
        budget = thinking.get("budget_tokens")
        if _is_number(budget) and budget < MIN_THINKING_BUDGET:
            yield from report_judged(
                THINKING_BUDGET_MINIMUM,
                view,
                "thinking.budget_tokens",
                f"`thinking.budget_tokens` is {budget}; the smallest budget is {MIN_THINKING_BUDGET}. Raise it "
                f"to {MIN_THINKING_BUDGET} or more (and keep `max_tokens` above it), or disable thinking.",
            )
    if isinstance(thinking, dict) and thinking.get("type") == "enabled" and not beta_enabled(view):
        budget, limit = thinking.get("budget_tokens"), body.get("max_tokens")
        if _is_number(budget) and _is_number(limit) and budget >= limit:
            yield from report_judged(
                THINKING_BUDGET,
                view,
                "thinking.budget_tokens",
                f"`thinking.budget_tokens` is {budget} but `max_tokens` is {limit}; `max_tokens` must be greater "
                "than the budget. Raise `max_tokens` or lower the budget.",
            )
    yield from _check_tool_choice(view)


def _legacy_completion(view: RequestView) -> bool:
    """Claude 2's Text Completions body (``prompt``, ``max_tokens_to_sample``), which Bedrock's InvokeModel still
    takes for anthropic.claude-v2/instant: not a Messages body, so the Messages rules do not judge it."""
    body = view.body
    return (
        view.target.platform == "bedrock"
        and "messages" not in body
        and ("prompt" in body or "max_tokens_to_sample" in body)
    )


def _check_platform(view: RequestView, platform: str) -> Iterator[Finding]:
    body = view.body
    wanted = PLATFORM_VERSIONS[platform]
    # Only a missing field is flagged, not its value: the official SDKs send their own API version there (the
    # anthropic SDK 2.14's AnthropicBedrock/AnthropicVertex send "2026-10-21", tests/e2e/test_native_apis_e2e.py)
    # while the platforms' docs still name only the first one.
    if "anthropic_version" not in body:
        yield from PLATFORM_VERSION.report(
            view,
            "anthropic_version",
            f'`anthropic_version` is missing; {platform.capitalize()} requires it in the body ("{wanted}" in its '
            "docs; the `anthropic-version` header of Anthropic's own API does not count there).",
        )
    for key in PLATFORM_REFUSED[platform]:
        if key in body:
            why = (
                "the path names the model"
                if key == "model"
                else "stream through /invoke-with-response-stream"
            )
            yield from PLATFORM_FIELD.report(
                view,
                key,
                f'`{key}` is not part of Bedrock\'s InvokeModel body ("extraneous key [{key}] is not permitted"); '
                f"remove it: {why}.",
            )


def _check_tool_choice(view: RequestView) -> Iterator[Finding]:
    body = view.body
    if "tool_choice" not in body:
        return
    choice = body["tool_choice"]
    kind = choice.get("type") if isinstance(choice, dict) else None
    if not isinstance(choice, dict) or not _one_of(kind, TOOL_CHOICE_TYPES):
        if isinstance(choice, str):
            hint = {"required": "any"}.get(choice, choice if choice in TOOL_CHOICE_TYPES else "auto")
            problem = f'is the string "{choice}"; send an object such as {{"type": "{hint}"}}'
        elif isinstance(choice, dict):
            problem = f"has type {kind!r}; use auto, any, tool (with `name`) or none"
            function = choice.get("function")
            if kind == "function" and isinstance(function, dict) and isinstance(function.get("name"), str):
                problem += f' ({{"type": "tool", "name": "{function["name"]}"}} for this one)'
        else:
            problem = f"is a JSON {json_type(choice)}; send an object with a `type`"
        # Grounded in Anthropic's docs only (no verbatim text with a source): an error on its own API.
        yield from report_judged(TOOL_CHOICE_FORM, view, "tool_choice", f"`tool_choice` {problem}.")
        return
    if kind == "tool":
        name = choice.get("name")
        if not isinstance(name, str) or not name:
            yield from report_judged(
                TOOL_CHOICE_FORM,
                view,
                "tool_choice.name",
                '`tool_choice` is {"type": "tool"} without the `name` of the tool to call; add it.',
            )
        else:
            tools = body.get("tools")
            names = (
                {t.get("name") for t in tools if isinstance(t, dict) and isinstance(t.get("name"), str)}
                if isinstance(tools, list)
                else set()
            )
            if name not in names:
                yield from report_judged(
                    TOOL_CHOICE_FORM,
                    view,
                    "tool_choice.name",
                    f"`tool_choice` forces tool {name!r}, which is not in `tools`; name one of the tools sent.",
                    uncertain="no provider's answer to a forced tool missing from `tools` has been collected",
                )
    # DeepSeek's Anthropic endpoint answers this with its own rule, which also knows that its V4 models
    # think by default (quirks.deepseek-thinking-forced-tool-choice): one finding, not two.
    if kind in ("any", "tool") and view.provider.id == "deepseek":
        yield from _deepseek_forced_tool(view, kind)
    elif kind in ("any", "tool") and _thinking(view) in ("enabled", "adaptive"):
        # Confirmed for `enabled` (mastra#7507); `adaptive` is the same feature switched on by the model.
        yield from report_judged(
            THINKING_FORCED_TOOL,
            view,
            "tool_choice",
            f'`thinking` is {_thinking(view)} and `tool_choice` is "{kind}", which forces a tool call; Anthropic '
            'does not allow both. Use {"type": "auto"} or disable thinking for this request.',
            uncertain=(
                "with adaptive thinking the model decides whether to think; only `enabled` is confirmed"
                if _thinking(view) != "enabled"
                else None
            ),
        )


@check(endpoints=(MESSAGES,))
def check_tools(view: RequestView) -> Iterator[Finding]:
    """Custom tool names and schemas."""
    tools = view.body.get("tools")
    if not isinstance(tools, list):
        return
    seen: dict[str, int] = {}
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict):
            continue
        name = tool.get("name")
        if isinstance(name, str) and name:
            if name in seen:
                yield from report_judged(
                    DUPLICATE_TOOL_NAME,
                    view,
                    f"tools[{index}].name",
                    f"tools[{index}] repeats the name {name!r} of tools[{seen[name]}]; tool names must be unique. "
                    "Drop the duplicate or rename it.",
                )
            else:
                seen[name] = index
        kind = tool.get("type")
        if kind not in (None, "custom"):
            if kind == "function":  # OpenAI's shape, not an Anthropic server tool
                yield from report_judged(
                    TOOL_SCHEMA_MISSING,
                    view,
                    f"tools[{index}]",
                    f"tools[{index}] has the OpenAI shape (type function); send "
                    '{"name": ..., "description": ..., "input_schema": {...}} instead.',
                )
            continue  # server tools (web_search_..., bash_..., text_editor_...) have fixed names
        name = tool.get("name")
        if isinstance(name, str) and not TOOL_NAME.match(name):
            if len(name) > TOOL_NAME_MAX:
                problem = f"is {len(name)} characters long (at most {TOOL_NAME_MAX})"
            else:
                bad = sorted({c for c in name if not re.match(r"[a-zA-Z0-9_-]", c)})
                problem = "is empty" if not name else f"contains {', '.join(repr(c) for c in bad)}"
            yield from report_judged(
                TOOL_NAME_RULE,
                view,
                f"tools[{index}].name",
                f"Tool name {name!r} {problem}; use only letters, digits, _ and - (e.g. replace . or / with _), "
                "and map the name back when the model calls it.",
            )
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or "type" not in schema:
            what = "no `input_schema`" if schema is None else "an `input_schema` without `type`"
            if schema is None and "parameters" in tool:
                what += " (it has OpenAI's `parameters`: rename it to `input_schema`)"
            yield from report_judged(
                TOOL_SCHEMA_MISSING,
                view,
                f"tools[{index}].input_schema",
                f'tools[{index}] has {what}; give it a JSON Schema object with "type": "object".',
            )
        if isinstance(schema, dict):
            yield from _check_input_schema(view, index, schema)


def _check_input_schema(view: RequestView, index: int, schema: dict[str, Any]) -> Iterator[Finding]:
    """The keywords of one tool's ``input_schema`` the draft 2020-12 metaschema refuses (one walk)."""
    location = f"tools[{index}].input_schema"
    for path, node in iter_schemas(schema):
        for keyword, detail in keyword_problems(node):
            yield from report_judged(
                INVALID_INPUT_SCHEMA,
                view,
                dotted(location, (*path, keyword)),
                f"tools[{index}].input_schema is not valid JSON Schema (draft 2020-12): in "
                f"{context_text(path)}, {keyword}: {detail}. Give each property a schema object, e.g. "
                '{"type": "number"}.',
            )


@check(endpoints=(MESSAGES,))
def check_messages(view: RequestView) -> Iterator[Finding]:
    """Roles, empty content and text, block shapes (tool_use, images, documents, thinking signatures)."""
    messages = view.body.get("messages")
    if not isinstance(messages, list):
        return
    beta = beta_enabled(view)
    # The final message may be an empty assistant prefill; it is the last entry of the list.
    last_index = len(messages) - 1
    first_conversational = True
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        where = f"messages[{index}]"
        if role == "system":
            if not beta:
                yield from report_judged(
                    SYSTEM_ROLE,
                    view,
                    f"{where}.role",
                    f'{where} has role "system"; move its text into the top-level `system` field (a string or a '
                    "list of text blocks).",
                )
            continue
        if not _one_of(role, ROLES):
            fix = (
                "send tool output as a tool_result block in a user message"
                if role == "tool"
                else 'use "user" or "assistant" (the system prompt goes in the top-level `system` field)'
            )
            yield from report_judged(
                INVALID_ROLE, view, f"{where}.role", f"{where} has role {role!r}: {fix}."
            )
            continue
        if first_conversational:
            first_conversational = False
            if role == "assistant":
                yield from report_judged(
                    FIRST_NOT_USER,
                    view,
                    f"{where}.role",
                    f"{where} is the first message and an assistant message; start with a user message.",
                )
        yield from _check_content(
            view, index, message, final_assistant=index == last_index and role == "assistant"
        )
    yield from _check_system_blocks(view)
    yield from _check_cache_breakpoints(view)
    yield from _check_final_whitespace(view, messages)


def _check_final_whitespace(view: RequestView, messages: list[Any]) -> Iterator[Finding]:
    """The final assistant message's text may not end in whitespace (an empty prefill may)."""
    last = messages[-1] if messages else None
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return
    content = last.get("content")
    where = f"messages[{len(messages) - 1}].content"
    if isinstance(content, list) and content:
        block = content[-1]
        text = block.get("text") if isinstance(block, dict) and block.get("type") == "text" else None
        where = f"{where}[{len(content) - 1}].text"
        # A whitespace-only block inside a list is anthropic.empty-text-block's finding.
        if not isinstance(text, str) or not text.strip():
            return
    else:
        text = content if isinstance(content, str) else None
    if not text or text == text.rstrip():
        return
    yield from report_judged(
        FINAL_WHITESPACE,
        view,
        where,
        f"The request ends with an assistant message whose text ends in whitespace ({text[-1]!r}); Anthropic "
        'refuses it ("final assistant content cannot end with trailing whitespace"). Trim the trailing '
        "whitespace, or drop the partial assistant turn.",
    )


def _check_content(
    view: RequestView, index: int, message: dict[str, Any], *, final_assistant: bool
) -> Iterator[Finding]:
    where = f"messages[{index}]"
    content = message.get("content")
    empty = content is None or content == "" or content == []
    if empty and not final_assistant:
        state = "no `content`" if content is None else f"empty content ({content!r})"
        yield from report_judged(
            EMPTY_CONTENT,
            view,
            f"{where}.content",
            f"{where} ({message.get('role')}) has {state}; only the final assistant message may be empty. "
            "Drop the message or give it content.",
        )
        return
    for block in message_blocks(index, message):
        yield from _check_block(view, block, final_assistant=final_assistant)


def _check_block(view: RequestView, block: Block, *, final_assistant: bool) -> Iterator[Finding]:
    kind = block.type
    value = block.value
    if kind == "text":
        text = value if block.index is None else (value.get("text") if isinstance(value, dict) else None)
        if isinstance(text, str) and not text.strip() and not (final_assistant and block.index is None):
            yield from report_judged(
                EMPTY_TEXT,
                view,
                block.where if block.index is None else f"{block.where}.text",
                f"{block.where} is {'an empty' if not text else 'a whitespace-only'} text; drop the block (or "
                "the message) instead of sending it.",
            )
        return
    if not isinstance(value, dict):
        return
    if kind == "tool_use":
        tool_id = value.get("id")
        if isinstance(tool_id, str) and not TOOL_USE_ID.fullmatch(tool_id):
            yield from report_judged(
                TOOL_USE_ID_RULE,
                view,
                f"{block.where}.id",
                f"tool_use id {tool_id!r} has characters outside letters, digits, _ and -; rewrite it (and the "
                "matching tool_result's tool_use_id) to a safe form.",
            )
        if "input" in value and not isinstance(value["input"], dict):
            yield from report_judged(
                TOOL_INPUT_NOT_OBJECT,
                view,
                f"{block.where}.input",
                f"{block.where}.input is a JSON {json_type(value['input'])}; send the tool arguments as an "
                "object (parse a JSON string first).",
            )
        elif "input" not in value:
            yield from report_judged(
                TOOL_INPUT_NOT_OBJECT,
                view,
                f"{block.where}.input",
                f'{block.where} has no `input`; Anthropic requires it ("tool_use.input: Field required"). Replay '
                "the call's arguments, or `{}` for a call that took none.",
            )
    elif kind == "thinking":
        signature = value.get("signature")
        if not isinstance(signature, str) or not signature:
            yield from report_judged(
                THINKING_SIGNATURE,
                view,
                f"{block.where}.signature",
                f"{block.where} is a thinking block without a signature; replay the block exactly as the API "
                "returned it (signature included) or drop it.",
            )
    elif kind == "image":
        yield from _check_source(view, block, value.get("source"), image=True)
    elif kind == "document":
        yield from _check_source(view, block, value.get("source"), image=False)
    elif kind == "tool_result":
        nested = value.get("content")
        if isinstance(nested, list):
            for position, part in enumerate(nested):
                if isinstance(part, dict) and part.get("type") == "image":
                    inner = Block(block.message, block.index, part)
                    yield from _check_source(
                        view,
                        inner,
                        part.get("source"),
                        image=True,
                        where=f"{block.where}.content[{position}]",
                    )


def _check_source(
    view: RequestView, block: Block, source: Any, *, image: bool, where: str | None = None
) -> Iterator[Finding]:
    location = f"{where or block.where}.source"
    rule = IMAGE_SOURCE if image else DOCUMENT_SOURCE
    allowed = IMAGE_SOURCE_TYPES if image else DOCUMENT_SOURCE_TYPES
    problem: str | None = None
    if not isinstance(source, dict):
        problem = "has no `source` object"
    else:
        kind = source.get("type")
        media = source.get("media_type")
        if not _one_of(kind, allowed):
            problem = f"has source type {kind!r}; use one of {', '.join(sorted(allowed))}"
        elif kind == "base64":
            expected = IMAGE_MEDIA_TYPES if image else frozenset({"application/pdf"})
            if not _one_of(media, expected):
                fix = (
                    "image/jpeg for .jpg files"
                    if media == "image/jpg"
                    else "convert it to a supported format"
                )
                problem = f"has media type {media!r}; only {', '.join(sorted(expected))} are accepted ({fix})"
            elif not isinstance(source.get("data"), str) or not source["data"]:
                problem = "has no base64 `data`"
            elif image and (found := sniff_image(source["data"])) is not None and f"image/{found}" != media:
                yield from report_judged(
                    IMAGE_MEDIA_MISMATCH,
                    view,
                    f"{location}.data",
                    f"The image at {where or block.where} is declared {media} but its bytes are image/{found}; "
                    f"set media_type to image/{found} (take it from the bytes, not the file name).",
                )
        elif kind == "url" and not (isinstance(source.get("url"), str) and source["url"]):
            problem = "is a url source without `url`"
        elif kind == "file" and not (isinstance(source.get("file_id"), str) and source["file_id"]):
            problem = "is a file source without `file_id`"
        elif kind == "text" and media is not None and media != "text/plain":
            problem = f"is a text source with media type {media!r}; text sources are text/plain"
    if problem is None:
        return
    what = "image" if image else "document"
    yield from report_judged(rule, view, location, f"The {what} at {where or block.where} {problem}.")


def _check_system_blocks(view: RequestView) -> Iterator[Finding]:
    body = view.body
    if "system" not in body:
        return
    system = body["system"]
    if not isinstance(system, str | list):
        yield from report_judged(
            INVALID_SYSTEM,
            view,
            "system",
            f"`system` is {json_type(system)}; send a string, or an array of text blocks, or omit the key.",
        )
        return
    for index, block in enumerate(system if isinstance(system, list) else ()):
        if (
            not isinstance(block, dict)
            or block.get("type") != "text"
            or not isinstance(block.get("text"), str)
        ):
            got = (
                "a text block without a string `text`"
                if isinstance(block, dict) and block.get("type") == "text"
                else f"a {block.get('type')!r} block"
                if isinstance(block, dict) and "type" in block
                else "an OpenAI-style message"
                if isinstance(block, dict) and "content" in block
                else json_type(block)
            )
            yield from report_judged(
                INVALID_SYSTEM,
                view,
                f"system[{index}]",
                f"system[{index}] is {got}; each system block is {{'type': 'text', 'text': ...}}.",
            )
            continue
        text = block.get("text")
        if isinstance(text, str) and not text.strip():
            yield from report_judged(
                EMPTY_TEXT,
                view,
                f"system[{index}].text",
                f"system[{index}] is an empty text block; drop it.",
            )


def _cache_marked(value: Any) -> bool:
    return isinstance(value, dict) and value.get("cache_control") is not None


def _check_cache_breakpoints(view: RequestView) -> Iterator[Finding]:
    """Count ``cache_control`` markers on tools, system blocks, message blocks and the blocks nested in
    tool results (each is one breakpoint)."""
    locations: list[str] = []
    body = view.body
    for name in ("tools", "system"):
        items = body.get(name)
        if isinstance(items, list):
            locations += [f"{name}[{i}]" for i, item in enumerate(items) if _cache_marked(item)]
    for index, message in enumerate(view.messages):
        if not isinstance(message, dict):
            continue
        for block in message_blocks(index, message):
            if block.index is None:
                continue
            if _cache_marked(block.value):
                locations.append(block.where)
            nested = block.value.get("content") if isinstance(block.value, dict) else None
            if isinstance(nested, list):
                locations += [
                    f"{block.where}.content[{i}]" for i, part in enumerate(nested) if _cache_marked(part)
                ]
    if len(locations) <= MAX_CACHE_BREAKPOINTS:
        return
    # On OpenRouter the limit is Anthropic's: certain for a Claude model, a guess for any other.
    claude = _openrouter_claude(view)
    yield from report_judged(
        CACHE_BREAKPOINTS,
        view,
        locations[MAX_CACHE_BREAKPOINTS],
        f"{len(locations)} blocks carry cache_control ({', '.join(locations)}); at most {MAX_CACHE_BREAKPOINTS} "
        "are allowed. Keep the breakpoints at the end of the stable prefix (tools, system, the latest turn).",
        uncertain=(
            None
            if view.provider.id != "openrouter" or claude
            else f"OpenRouter hands the limit's owner, Anthropic, only Claude models; {view.model} may ignore cache_control"
        ),
    )


def _openrouter_claude(view: RequestView) -> bool:
    """A Claude model named as OpenRouter names it (``anthropic/claude-...``) or bare."""
    model = (view.model or "").lower()
    return model.startswith("anthropic/") or "claude" in model


@check
def check_openrouter_claude_cache_breakpoints(view: RequestView) -> Iterator[Finding]:
    """Anthropic's four-breakpoint limit on OpenRouter's chat completions for a Claude model, whose content
    blocks (with their cache_control) OpenRouter hands to Anthropic."""
    if view.provider.id == "openrouter" and _openrouter_claude(view):
        yield from _check_cache_breakpoints(view)


@check(endpoints=(MESSAGES,))
def check_tool_pairing(view: RequestView) -> Iterator[Finding]:
    """Every ``tool_use`` answered once by a ``tool_result`` at the start of the next user turn, and no
    result without its call; plus the thinking blocks a thinking tool loop must replay."""
    conversation = turns(view)
    for position, turn in enumerate(conversation):
        following = conversation[position + 1] if position + 1 < len(conversation) else None
        if turn.role == "assistant":
            calls = turn.of_type("tool_use")
            answered = {_result_id(b) for b in following.of_type("tool_result")} if following else set()
            missing = [b for b in calls if _tool_use_id(b) is not None and _tool_use_id(b) not in answered]
            if missing:
                ids = ", ".join(str(_tool_use_id(b)) for b in missing)
                together = f" (unanswered: {ids})" if len(missing) > 1 else ""
                where = (
                    "the request ends there"
                    if following is None
                    else (
                        f"the next message, messages[{following.messages[0]}], has no tool_result for "
                        + ("it" if len(missing) == 1 else "them")
                    )
                )
                for block in missing:
                    yield from report_judged(
                        UNANSWERED_TOOL_USE,
                        view,
                        f"{block.where}.id",
                        f"{block.where} calls {_tool_use_id(block)}{together} but {where}. Send a user "
                        "message right after it that starts with a tool_result block for each id (is_error: true "
                        "if the tool did not run), or drop the tool_use.",
                    )
            continue
        # A user turn: its results must answer the previous assistant turn's calls, once each, first.
        previous = conversation[position - 1] if position > 0 else None
        called = {_tool_use_id(b) for b in previous.of_type("tool_use")} if previous else set()
        results = turn.of_type("tool_result")
        if not results:
            continue
        seen: dict[str, Block] = {}
        for block in results:
            result_id = _result_id(block)
            if result_id is None:
                continue
            if result_id not in called:
                yield from report_judged(
                    ORPHAN_TOOL_RESULT,
                    view,
                    f"{block.where}.tool_use_id",
                    f"{block.where} answers {result_id}, which the assistant message before it did not call. "
                    "Keep each tool_result right after the assistant message with its tool_use, or drop it.",
                )
            elif result_id in seen:
                yield from report_judged(
                    DUPLICATE_TOOL_RESULT,
                    view,
                    f"{block.where}.tool_use_id",
                    f"{block.where} answers {result_id} again (already at {seen[result_id].where}); send one "
                    "tool_result per tool_use (merge the outputs into its content).",
                )
            seen.setdefault(result_id, block)
        if called:
            first_other = next((b for b in turn.blocks if b.type != "tool_result"), None)
            if first_other is not None and any(
                (b.message, b.index or 0) > (first_other.message, first_other.index or 0) for b in results
            ):
                yield from report_judged(
                    RESULT_NOT_FIRST,
                    view,
                    first_other.where,
                    f"{first_other.where} ({first_other.type}) comes before this turn's tool_result blocks; put "
                    "every tool_result first and the text after them.",
                )
    yield from _check_duplicate_ids(view, conversation)
    yield from _check_server_results(view, conversation)
    yield from _check_thinking_loop(view, conversation)


def _server_call_type(kind: str | None) -> str | None:
    """The block type that calls the server tool whose result block is ``kind``: ``mcp_tool_use`` for
    ``mcp_tool_result``, ``server_tool_use`` for the other ``*_tool_result`` blocks of
    :data:`BLOCK_TYPES`; None for anything else (the client tools' ``tool_result`` included)."""
    if kind is None or kind == "tool_result" or kind not in BLOCK_TYPES or not kind.endswith("_tool_result"):
        return None
    return "mcp_tool_use" if kind == "mcp_tool_result" else "server_tool_use"


def _check_server_results(view: RequestView, conversation: list[Turn]) -> Iterator[Finding]:
    """Each server tool result answers a ``server_tool_use`` (``mcp_tool_use``) id called before it."""
    called: set[tuple[str, str]] = set()
    for turn in conversation:
        for block in turn.blocks:
            if block.type in ("server_tool_use", "mcp_tool_use"):
                call_id = _tool_use_id(block)
                if call_id is not None:
                    called.add((block.type, call_id))
                continue
            caller = _server_call_type(block.type)
            result_id = _result_id(block) if caller is not None else None
            if caller is None or result_id is None or (caller, result_id) in called:
                continue
            yield from report_judged(
                ORPHAN_SERVER_TOOL_RESULT,
                view,
                f"{block.where}.tool_use_id",
                f"{block.where} ({block.type}) answers {result_id}, but no {caller} block with that id comes "
                f"before it. Replay the {caller} block right before its result, or drop the result too.",
            )


def _check_duplicate_ids(view: RequestView, conversation: list[Turn]) -> Iterator[Finding]:
    """Each ``tool_use`` id once in the whole request; the later block is the one Anthropic names."""
    first: dict[str, Block] = {}
    for turn in conversation:
        for block in turn.of_type("tool_use"):
            tool_id = _tool_use_id(block)
            if tool_id is None:
                continue
            if tool_id in first:
                yield from report_judged(
                    DUPLICATE_TOOL_USE_ID,
                    view,
                    f"{block.where}.id",
                    f"{block.where} reuses tool_use id {tool_id!r} (already at {first[tool_id].where}); give "
                    "each tool_use a fresh id and its tool_result the same one.",
                )
            first.setdefault(tool_id, block)


def _check_thinking_loop(view: RequestView, conversation: list[Turn]) -> Iterator[Finding]:
    """With thinking enabled, the assistant messages of the trailing tool loop must keep their thinking."""
    if _thinking(view) != "enabled" or len(conversation) < 2:
        return
    if conversation[-1].role != "user" or not conversation[-1].of_type("tool_result"):
        return
    loop: list[Turn] = []
    position = len(conversation) - 2
    while (
        position >= 0
        and conversation[position].role == "assistant"
        and conversation[position].of_type("tool_use")
    ):
        loop.append(conversation[position])
        user = conversation[position - 1] if position > 0 else None
        if user is None or any(b.type != "tool_result" for b in user.blocks):
            break
        position -= 2
    if not loop or any(turn.blocks and turn.blocks[0].type in THINKING_TYPES for turn in loop):
        return
    last = loop[0]
    first = last.blocks[0] if last.blocks else None
    if first is None:
        return
    yield from report_judged(
        THINKING_NOT_FIRST,
        view,
        f"{first.where}.type",
        f"`thinking` is enabled and the request ends in a tool loop, but {first.where} is a {first.type} block "
        "and none of the loop's assistant messages starts with a thinking block. Replay the thinking (or "
        "redacted_thinking) blocks the API returned, in front of the tool_use, or disable thinking.",
    )


# ----------------------------------------------------------------------------- the request schema per level
#
# Anthropic Messages API: the request checked against Anthropic's documented request schema, per level
# (issue 9 round 7), and the thinking mode each Claude generation takes.
#
# Anthropic's validator closes every object of the request: a key it does not know is refused with its
# location, ``<path>: Extra inputs are not permitted`` — at the top level ("context_management: Extra
# inputs are not permitted" from a Claude Code build that sent it where the beta was off, Wei-Shaw/
# claude-relay-service#660, decolua/9router#1468) and inside (``tools.3.custom.input_examples: Extra inputs
# are not permitted``, anthropics/claude-code#11678). The allowlists below are the fields of Anthropic's
# Messages API reference (``POST /v1/messages``, the SDKs' ``MessageCreateParams`` and beta params,
# platform.claude.com/docs/en/api/messages), beta fields included: a beta field is accepted once its beta
# header is on, and the rules see no headers, so a field of any beta is never flagged.
#
# What is flagged, and how sure it is:
#
# * a key that belongs to OpenAI's chat API (``response_format``, ``frequency_penalty``, ``n``, ``seed``,
#   ``reasoning_effort``, ``max_completion_tokens``, ...) or a client-side option sent on the wire
#   (``extra_body``): no version of Anthropic's schema has it, so Anthropic refuses it (an error);
# * any other unknown key: a warning, since it may be a field newer than these lists.
#
# Providers: Anthropic's own API is the validator (error). An unrecognised host on ``/v1/messages`` is most
# often a gateway in front of Anthropic (a warning: gateways such as LiteLLM drop or translate OpenAI's
# parameters). Other providers' Anthropic-compatible endpoints (DeepSeek, Moonshot, Zhipu, DashScope,
# MiniMax, Ollama) convert the request to their own models and document ignoring fields they do not use
# (DeepSeek's Anthropic API guide lists the fields it ignores), so they are silent.


#: Top-level fields of ``POST /v1/messages`` (Messages API reference, GA and beta parameters).
TOP_LEVEL = frozenset(
    {
        "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream", "temperature",
        "top_k", "top_p", "tools", "tool_choice", "thinking", "service_tier", "container", "mcp_servers",
        "context_management", "output_config", "output_format", "inference_geo", "speed", "cache_control",
        "compaction", "diagnostics", "fallback_credit_token", "fallbacks", "thread", "user_profile_id",
        "betas",
    }
)  # fmt: skip
#: The top level on each platform: Anthropic's, plus the platform's own fields (its refused ones are
#: anthropic.platform-field-refused's, not unknown).
_PLATFORM_TOP: Mapping[str, frozenset[str]] = {
    name: TOP_LEVEL | PLATFORM_FIELDS[name] for name in PLATFORM_FIELDS
}
#: Keys of one message (MessageParam).
MESSAGE_KEYS = frozenset({"role", "content"})
#: Keys of the content blocks whose schema is settled, per block type (TextBlockParam, ImageBlockParam,
#: ToolUseBlockParam, ToolResultBlockParam, ThinkingBlockParam, RedactedThinkingBlockParam). Other block
#: types (documents, server tools, search results, ...) are not walked.
BLOCK_KEYS: Mapping[str, frozenset[str]] = {
    "text": frozenset({"type", "text", "cache_control", "citations"}),
    "image": frozenset({"type", "source", "cache_control"}),
    "tool_use": frozenset({"type", "id", "name", "input", "cache_control", "caller"}),
    "tool_result": frozenset({"type", "tool_use_id", "content", "is_error", "cache_control"}),
    "thinking": frozenset({"type", "thinking", "signature"}),
    "redacted_thinking": frozenset({"type", "data"}),
}
#: Every field of those block types: one block's key that is another type's field is certainly misplaced.
_BLOCK_FIELDS = frozenset().union(*BLOCK_KEYS.values())
#: A custom tool (ToolParam, with the tool-search and input-examples betas' fields).
TOOL_KEYS = frozenset(
    {
        "type", "name", "description", "input_schema", "cache_control", "input_examples", "defer_loading",
        "allowed_callers", "strict", "eager_input_streaming",
    }
)  # fmt: skip
#: Smaller objects: metadata takes only ``user_id`` (Metadata), tool_choice and thinking their variants'
#: fields, cache_control the ephemeral marker's.
OBJECT_KEYS: Mapping[str, frozenset[str]] = {
    "metadata": frozenset({"user_id"}),
    "tool_choice": frozenset({"type", "name", "disable_parallel_tool_use"}),
    "thinking": frozenset({"type", "budget_tokens", "display"}),
}
CACHE_CONTROL_KEYS = frozenset({"type", "ttl", "scope"})
#: The ``type`` values whose fields OBJECT_KEYS lists (ToolChoiceAuto/Any/Tool/None; ThinkingConfig*).
_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "tool_choice": ("auto", "any", "tool", "none"),
    "thinking": ("enabled", "disabled", "adaptive"),
}
#: Keys no version of Anthropic's schema has: OpenAI's chat parameters (minus the names both APIs share)
#: and client-side options that are meant to stay in the SDK.
_FOREIGN = (OPENAI_PARAMS - TOP_LEVEL) | {"extra_body", "extra_headers", "extra_query", "reasoning"}
_UNSURE = "the key may be a field newer than toolguard's list of Anthropic's schema"

_SPEC_USER = {"role": "user", "content": "What is the weather in Paris?"}

UNKNOWN_FIELD = define(
    "anthropic.unknown-field",
    Severity.ERROR,
    "A key Anthropic's Messages API does not have at that place in the request (an OpenAI parameter such "
    "as `response_format` or `frequency_penalty` at the top level, a key other than `user_id` in "
    "`metadata`, an extra key on a message or a content block).",
    # Bedrock's InvokeModel and Vertex's rawPredict validate the same body against a schema that lags
    # Anthropic's: Bedrock answers "Malformed input request: #: extraneous key [x] is not permitted"
    # (fumito-ito/AnthropicSwiftSDK#19, on anthropic.platform-field-refused).
    policy=policy(error=("anthropic", "bedrock", "vertex"), warning=("generic",)),
    predicts=(
        PredictedError(
            provider="anthropic",
            text="context_management: Extra inputs are not permitted",
            source="https://github.com/Wei-Shaw/claude-relay-service/issues/660",
        ),
        PredictedError(
            provider="anthropic",
            text="tools.3.custom.input_examples: Extra inputs are not permitted",
            source="https://github.com/anthropics/claude-code/issues/11678",
        ),
    ),
    example={
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [_SPEC_USER],
        "frequency_penalty": 0.5,
    },
    example_url=MESSAGES_URL,
    fixed={"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [_SPEC_USER]},
    notes=(
        "Both quoted keys are beta fields sent without their beta: toolguard does not see headers, so it never "
        "flags a beta field; it flags OpenAI's parameters and client-side options such as `extra_body`, an "
        "extra key on a user/assistant message or in `metadata`, and a content block carrying another block "
        "type's field (`text` on a tool_use, anthropics/claude-code#4378) as errors, and any other unknown key "
        "as a warning (it may be newer than toolguard's list). Translate "
        "OpenAI parameters before calling Anthropic (`stop` is `stop_sequences`, `response_format` is "
        "`output_config.format`, `reasoning_effort` is `thinking`/`output_config.effort`). A warning on an "
        "unrecognised host (a gateway may drop such keys); other providers' Anthropic-compatible endpoints "
        "ignore fields they do not use."
    ),
)

# ----------------------------------------------------------------------------- thinking modes

#: Adaptive thinking exists from Claude 4.6 on; the budget form ("enabled") until 4.6 and is refused from
#: Opus 4.7 on (Anthropic's extended-thinking and adaptive-thinking guides, as quoted in
#: checkmarble/llmberjack#14 and google/adk-docs#2241).
ADAPTIVE_FROM = (4, 6)
ENABLED_UNTIL = (4, 6)


THINKING_MODE = define(
    "anthropic.thinking-mode-for-model",
    Severity.ERROR,
    "`thinking.type` is a mode this Claude generation does not take: `adaptive` before Claude 4.6, or the "
    "budget form `enabled` from Claude Opus 4.7 on.",
    policy=policy(error=("anthropic",), warning=("generic",)),
    predicts=(
        PredictedError(
            provider="anthropic",
            text="adaptive thinking is not supported on this model",
            # Claude Haiku 4.5 asked for adaptive thinking (the PR that stopped sending it there).
            source="https://github.com/pensarai/apex/pull/890",
        ),
        PredictedError(
            provider="anthropic",
            text=(
                '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
                '"output_config.effort" to control thinking behavior.'
            ),
            source="https://github.com/zhukunpenglinyutong/jetbrains-cc-gui/issues/1003",
        ),
    ),
    example={
        "model": "claude-opus-4-7",
        "max_tokens": 16000,
        "thinking": {"type": "enabled", "budget_tokens": 8000},
        "messages": [_SPEC_USER],
    },
    example_url=MESSAGES_URL,
    fixed={
        "model": "claude-opus-4-7",
        "max_tokens": 16000,
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "high"},
        "messages": [_SPEC_USER],
    },
    notes=(
        "doc: Anthropic's thinking parameters: adaptive thinking is available on Claude 4.6 and later and "
        "required on Opus 4.7 and later; the budget form is available on Claude 4.6 and earlier and returns a "
        "400 on Opus 4.7 and later (quoted in checkmarble/llmberjack#14; google/adk-docs#2241). Set the effort "
        "in `output_config.effort`, not inside `thinking`. Judged by the model id's version on any host that "
        "forwards to Anthropic (a warning on an unrecognised host)."
    ),
)


def _thinking_findings(view: RequestView) -> Iterator[Finding]:
    thinking = view.body.get("thinking")
    model = view.model
    if not isinstance(thinking, dict) or not isinstance(model, str):
        return
    kind = thinking.get("type")
    version = claude_version(model) if kind in ("adaptive", "enabled") else None
    if version is None:
        return
    shown = f"{version[0]}.{version[1]}"
    if kind == "adaptive" and version < ADAPTIVE_FROM:
        message = (
            f'`thinking.type` is "adaptive", but {model} (Claude {shown}) predates adaptive thinking (Claude '
            '4.6 and later); use `{"type": "enabled", "budget_tokens": N}` with N of at least 1024 and '
            "below `max_tokens`."
        )
    elif kind == "enabled" and version > ENABLED_UNTIL and (version[0] >= 5 or _family(model) == "opus"):
        message = (
            f'`thinking.type` is "enabled" (a token budget), which {model} (Claude {shown}) refuses; send '
            '`thinking: {"type": "adaptive"}` and set the effort in `output_config.effort`.'
        )
    else:
        return
    yield from report_judged(THINKING_MODE, view, "thinking.type", message)


# ----------------------------------------------------------------------------- unknown keys


def _unknown(
    view: RequestView, where: str, value: Mapping[str, Any], known: frozenset[str], *, settled: bool = False
) -> Iterator[Finding]:
    """Findings for the keys of ``value`` outside ``known``. Certain (the policy's level) for a top-level key
    of OpenAI's API or a client option, and on the levels whose schema has not grown in years (``settled``:
    a message's ``role``/``content``, ``metadata``'s ``user_id``); elsewhere a warning, since a beta may have
    added the field since this list was written."""
    for key in value:
        if key in known or not isinstance(key, str):
            continue
        path = f"{where}.{key}" if where else key
        foreign = not where and key in _FOREIGN
        refusal = (
            f'Bedrock refuses it ("extraneous key [{key}] is not permitted")'
            if view.target.platform == "bedrock" and not where
            else f'Anthropic refuses it ("{path}: Extra inputs are not permitted")'
        )
        message = f"`{path}` is not a field of Anthropic's Messages API here; {refusal}. Remove it" + (
            ", or translate it to Anthropic's own parameter." if foreign else "."
        )
        yield from UNKNOWN_FIELD.report(
            view, path, message, uncertain=None if foreign or settled else _UNSURE
        )


def _block_findings(view: RequestView, where: str, block: Any) -> Iterator[Finding]:
    if not isinstance(block, dict):
        return
    kind = block.get("type")
    known = BLOCK_KEYS.get(kind) if isinstance(kind, str) else None
    if known is None:
        return
    # A key of another block type (a `text` on a tool_use, a `source` on a text) is certain: the block's
    # type selects one schema, and that field is another's. Other keys may be a newer beta's.
    foreign = {key: value for key, value in block.items() if key in _BLOCK_FIELDS and key not in known}
    yield from _unknown(view, where, foreign, known, settled=True)
    yield from _unknown(view, where, {k: v for k, v in block.items() if k not in foreign}, known)
    cache = block.get("cache_control")
    if isinstance(cache, dict):
        yield from _unknown(view, f"{where}.cache_control", cache, CACHE_CONTROL_KEYS)
    if kind == "tool_result" and isinstance(block.get("content"), list):
        for index, inner in enumerate(block["content"]):
            yield from _block_findings(view, f"{where}.content[{index}]", inner)


def _clean_block(block: Any) -> bool:
    """Whether ``block`` (and a tool_result's inner blocks) has only known keys: the fast path, a few
    dict operations per block on a 400-message conversation; :func:`_block_findings` explains the rest."""
    if not isinstance(block, dict):
        return True
    kind = block.get("type")
    known = BLOCK_KEYS.get(kind) if isinstance(kind, str) else None
    if known is None:
        return True
    if not block.keys() <= known:
        return False
    cache = block.get("cache_control")
    if isinstance(cache, dict) and not cache.keys() <= CACHE_CONTROL_KEYS:
        return False
    inner = block.get("content") if kind == "tool_result" else None
    return not isinstance(inner, list) or all(_clean_block(item) for item in inner)


#: Top-level Messages API fields an Anthropic-compatible endpoint of another provider refuses outright (most
#: such endpoints ignore what they do not use, so anthropic.unknown-field stays silent there): provider id ->
#: field -> the source. MiniMax: `output_config` (Claude Code sends it for its haiku calls) draws a 400
#: "invalid params" while the same request without it is answered (decolua/9router#817's test;
#: MiniMax-AI/MiniMax-M2.7#17), and its Anthropic API page's table of supported parameters does not list it
#: (platform.minimax.io/docs/api-reference/text-anthropic-api).
COMPATIBLE_REFUSED: Mapping[str, Mapping[str, str]] = {
    "minimax": {"output_config": "https://github.com/decolua/9router/issues/817"},
}

COMPATIBLE_FIELD = define(
    "anthropic.compatible-field-refused",
    Severity.ERROR,
    "A Messages API field that the provider's Anthropic-compatible endpoint refuses (MiniMax: `output_config`), "
    "where the endpoint does not ignore it as it does other fields it does not use.",
    policy=policy(error=tuple(COMPATIBLE_REFUSED)),
    predicts=(
        PredictedError(
            provider="minimax",
            text='{"error":{"type":"invalid_request_error","message":"invalid params"}}',
            source="https://github.com/decolua/9router/issues/817",
        ),
    ),
    example={
        "model": "MiniMax-M2.7",
        "max_tokens": 1024,
        "messages": [_SPEC_USER],
        "output_config": {"format": {"type": "json_schema", "schema": {"type": "object"}}},
    },
    example_url="https://api.minimax.io/anthropic/v1/messages",
    fixed={"model": "MiniMax-M2.7", "max_tokens": 1024, "messages": [_SPEC_USER]},
    notes=(
        "Drop the field for that endpoint (for a JSON answer, ask for it in the prompt). Declared per provider in "
        "COMPATIBLE_REFUSED with its source; Anthropic's own API and the platforms take these fields "
        "(anthropic.unknown-field judges them there)."
    ),
)


@check(endpoints=(MESSAGES,))
def check_compatible_fields(view: RequestView) -> Iterator[Finding]:
    """Fields a provider's Anthropic-compatible endpoint refuses (COMPATIBLE_REFUSED); on an unrecognised host,
    the provider of a model toolguard knows (a gateway in front of it, as in 9router#817)."""
    pid = judged_id(view)
    refused = COMPATIBLE_REFUSED.get(pid)
    if not refused:
        return
    for field_name in refused:
        if field_name in view.body:
            yield from report_judged(
                COMPATIBLE_FIELD,
                view,
                field_name,
                f"`{field_name}` is a field {judged_name(COMPATIBLE_FIELD, view)}'s Anthropic-compatible endpoint "
                'refuses (400 "invalid params"); drop it for this endpoint.',
            )


#: The rule for thinking switched off on a model that always thinks (rules/quirks.py), which Moonshot's and
#: Z.AI's Anthropic-compatible endpoints share with their chat APIs.
THINKING_OFF_RULE = "quirks.thinking-cannot-be-disabled"


@check(endpoints=(MESSAGES,))
def check_thinking_off_compatible(view: RequestView) -> Iterator[Finding]:
    """Moonshot's and Z.AI's Anthropic-compatible endpoints take the same `thinking` switch as their chat
    APIs and refuse it off for the same models (MoonshotAI/Kimi-K2#141: Claude Code's subagents)."""
    judged = thinking_off_judged(view)
    if judged is not None:
        message, doubt = judged
        # Defined once in rules/quirks.py with its chat side; looked up by id, as rule modules import no other.
        yield from RULES[THINKING_OFF_RULE].report(view, "thinking.type", message, uncertain=doubt)


@check(endpoints=(MESSAGES,))
def check_anthropic_schema(view: RequestView) -> Iterator[Finding]:
    """Unknown keys per level, and the thinking mode for the model's generation. Each object is first
    tested with one ``keys() <=`` comparison; only one that fails is walked key by key."""
    body = view.body
    platform = view.target.platform
    if _legacy_completion(view):
        return
    top = TOP_LEVEL if platform is None else _PLATFORM_TOP[platform]
    if not body.keys() <= top:
        # Bedrock's and Vertex's schemas lag Anthropic's: a key not even in Anthropic's is certainly refused there.
        yield from _unknown(view, "", body, top, settled=platform is not None)
    for name, known in OBJECT_KEYS.items():
        value = body.get(name)
        # A tool_choice or thinking of no known variant is anthropic.invalid-tool-choice's (or the API's
        # own type error): its keys belong to whatever it was meant to be (OpenAI's `function` object).
        if (
            isinstance(value, dict)
            and not value.keys() <= known
            and value.get("type", "") in _VARIANTS.get(name, ("",))
        ):
            yield from _unknown(view, name, value, known, settled=name == "metadata")
    messages = body.get("messages")
    if isinstance(messages, list):
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                continue
            if not message.keys() <= MESSAGE_KEYS and message.get("role") in ("user", "assistant"):
                # Only these two: a ``system`` message inside ``messages`` is a beta's (Claude Code sends one
                # with its own ``output_config`` under ``?beta=true``), with fields of its own.
                yield from _unknown(view, f"messages[{index}]", message, MESSAGE_KEYS, settled=True)
            content = message.get("content")
            if isinstance(content, list):
                for part, block in enumerate(content):
                    # The common clean text/tool_use block is settled inline (no call); the rest is
                    # _clean_block's (a tool_result's inner blocks, a cache_control marker, an unknown key).
                    if isinstance(block, dict):
                        kind = block.get("type")
                        known = BLOCK_KEYS.get(kind) if isinstance(kind, str) else None
                        if known is None or (
                            block.keys() <= known and kind != "tool_result" and "cache_control" not in block
                        ):
                            continue
                        if not _clean_block(block):
                            yield from _block_findings(view, f"messages[{index}].content[{part}]", block)
    system = body.get("system")
    if isinstance(system, list):
        for part, block in enumerate(system):
            if not _clean_block(block):
                yield from _block_findings(view, f"system[{part}]", block)
    tools = body.get("tools")
    if isinstance(tools, list):
        for index, tool in enumerate(tools):
            # Custom tools only: server tools (web_search_20250305, bash_20250124, ...) have fields of their own.
            # A tool without input_schema is anthropic.tool-input-schema-missing's (OpenAI's `parameters`).
            if (
                isinstance(tool, dict)
                and not tool.keys() <= TOOL_KEYS
                and tool.get("type", "custom") == "custom"
                and "input_schema" in tool
            ):
                yield from _unknown(view, f"tools[{index}]", tool, TOOL_KEYS)
    if "thinking" in body:
        yield from _thinking_findings(view)


# ----------------------------------------------------------------------------- value types (Messages API reference)

#: Top-level fields and the JSON types the Messages API reference gives them (`integer` excludes booleans;
#: `number` takes integers).
_FIELD_TYPES: Mapping[str, str] = {
    "max_tokens": "integer",
    "top_k": "integer",
    "temperature": "number",
    "top_p": "number",
    "stream": "boolean",
}
#: The kind names of :func:`jsonvalues.lax_converts` for those types.
_LAX_KIND = {"integer": "int", "number": "float", "boolean": "bool"}
_UNSURE_LAX = "a lax (pydantic) validator converts this value; whether Anthropic's does is not established"
#: The content block types of the Messages API reference (ContentBlockParam and the betas' blocks).
BLOCK_TYPES = frozenset(
    {
        "text", "image", "document", "search_result", "tool_use", "tool_result", "thinking", "redacted_thinking",
        "server_tool_use", "web_search_tool_result", "web_fetch_tool_result", "code_execution_tool_result",
        "bash_code_execution_tool_result", "text_editor_code_execution_tool_result", "tool_search_tool_result",
        "mcp_tool_use", "mcp_tool_result", "container_upload", "compaction", "tool_reference",
        "advisor_tool_result",
    }
)  # fmt: skip
#: OpenAI's content part types (Chat Completions and Responses): never a Messages API block.
OPENAI_PART_TYPES = frozenset(
    {
        "image_url", "input_text", "output_text", "input_image", "input_file", "input_audio", "file", "refusal",
        "function_call", "function_call_output", "tool_call", "function", "audio",
    }
)  # fmt: skip
_UNSURE_BLOCK = "the type may be a newer beta's than toolguard's list of Anthropic's blocks"


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, bool)


@check(endpoints=(MESSAGES,))
def check_anthropic_value_types(view: RequestView) -> Iterator[Finding]:
    """JSON types per field and the block types of each message (one pass over the messages' blocks, a
    set lookup per block)."""
    body = view.body
    if _legacy_completion(view):
        return
    for name, kind in _FIELD_TYPES.items():
        value = body.get(name)
        if value is not None and not _type_ok(value, kind):
            yield from report_judged(
                WRONG_TYPE,
                view,
                name,
                f"`{name}` is {json_type(value)} {value!r:.30}; the Messages API takes {kind} here.",
                uncertain=_UNSURE_LAX if lax_converts(value, _LAX_KIND[kind]) else None,
            )
    stops = body.get("stop_sequences")
    if stops is not None and (not isinstance(stops, list) or not all(isinstance(s, str) for s in stops)):
        yield from report_judged(
            WRONG_TYPE,
            view,
            "stop_sequences",
            f'`stop_sequences` is {json_type(stops)}; send an array of strings (`["END"]`).',
        )
    elif stops:
        for index, stop in enumerate(stops):
            if not stop.strip():
                yield from report_judged(
                    STOP_SEQUENCE_BLANK,
                    view,
                    f"stop_sequences[{index}]",
                    f"`stop_sequences[{index}]` is {stop!r}; Anthropic refuses a stop sequence without a "
                    'non-whitespace character ("each stop sequence must contain non-whitespace"). Drop it, or '
                    'stop on text such as "\\n\\nHuman:".',
                )
    messages = body.get("messages")
    for index, message in enumerate(messages if isinstance(messages, list) else ()):
        role = message.get("role") if isinstance(message, dict) else None
        if not isinstance(role, str) or role not in ROLES:
            continue
        content = message.get("content")
        if content is None or isinstance(content, str):
            continue
        where = f"messages[{index}].content"
        if not isinstance(content, list):
            yield from report_judged(
                WRONG_TYPE,
                view,
                where,
                f"`{where}` is {json_type(content)}; send a string or an array of content blocks.",
            )
            continue
        for part, block in enumerate(content):
            kind = block.get("type") if isinstance(block, dict) else None
            if isinstance(kind, str) and kind in BLOCK_TYPES:
                continue
            at = f"{where}[{part}]"
            if not isinstance(kind, str):
                yield from report_judged(
                    WRONG_TYPE,
                    view,
                    at if not isinstance(block, dict) else f"{at}.type",
                    f"`{at}` is {json_type(block) if not isinstance(block, dict) else 'a block without a string type'}; "
                    "each content block is an object with a `type` (`{'type': 'text', 'text': ...}`).",
                )
                continue
            certain = kind in OPENAI_PART_TYPES
            yield from report_judged(
                UNKNOWN_BLOCK_TYPE,
                view,
                f"{at}.type",
                f"`{at}` is a {kind!r} block, "
                + (
                    "an OpenAI part type the Messages API does not have; translate it (image_url → an image block "
                    "with a url or base64 source, input_text/output_text → text)."
                    if certain
                    else "not one of the Messages API's block types."
                ),
                uncertain=None if certain else _UNSURE_BLOCK,
            )
