"""Message-shape rules: the ``messages`` array and each message's role and content."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import OPENAI_ROLES
from toolguard_core.request import MESSAGES, RequestView
from toolguard_core.rules.inferred import judged_name, report_judged
from toolguard_core.rules.registry import PredictedError, check, define, policy
from toolguard_core.rules.walk import per_message

MISSING = define(
    "messages.missing",
    Severity.ERROR,
    "The body has no `messages` field.",
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="openai",
            text="Missing required parameter: 'messages'.",
            source="https://github.com/SilasMarvin/lsp-ai/issues/108",
            param="messages",
            code="missing_required_parameter",
        ),
        PredictedError(provider="llama.cpp", text="'messages' is required", source="code [LCPP]"),
    ),
    example={"model": "gpt-4o"},
    fixed={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
)
NOT_A_LIST = define(
    "messages.not-a-list",
    Severity.ERROR,
    "`messages` is not an array.",
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(provider="llama.cpp", text="Expected 'messages' to be an array", source="code [LCPP]"),
    ),
    example={"model": "gpt-4o", "messages": {"role": "user", "content": "hi"}},
    fixed={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
)
EMPTY = define(
    "messages.empty",
    Severity.ERROR,
    "`messages` is an empty array.",
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            provider="openai",
            text="[] is too short - 'messages'",
            source="doc [OAS] messages minItems 1; text as echoed by Ollama code [OLL-MW]",
            param="messages",
        ),
        PredictedError(provider="ollama", text="[] is too short - 'messages'", source="code [OLL-MW]"),
        # The Messages API too: a client that moved its only (system) message to `system` (Dify's Claude
        # plugin; also devoxx/DevoxxGenieIDEAPlugin#567).
        PredictedError(
            provider="anthropic",
            text="messages: at least one message is required",
            source="https://github.com/langgenius/dify/issues/25953",
        ),
    ),
    example={"model": "gpt-4o", "messages": []},
    fixed={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
)
NOT_AN_OBJECT = define(
    "messages.not-an-object",
    Severity.ERROR,
    "A message is not a JSON object.",
    policy=policy(otherwise=Severity.ERROR),
    example={"model": "gpt-4o", "messages": ["hello"]},
    fixed={"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]},
    notes="doc [OAS] ChatCompletionRequestMessage: every message is an object with a `role`.",
)
UNKNOWN_ROLE = define(
    "messages.unknown-role",
    Severity.ERROR,
    "A message has a missing, non-string or unknown `role`.",
    policy=policy(warning=("self-hosted",), otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            # Azure OpenAI before it knew `developer`; the value and the list change with the API version.
            provider="azure",
            text=(
                "Invalid value: 'developer'. Supported values are: 'system', 'assistant', 'user', "
                "'function', and 'tool'."
            ),
            source="https://github.com/run-llama/llama_index/issues/17748",
            param="messages[0].role",
            code="invalid_value",
        ),
    ),
    example={"model": "gpt-4o", "messages": [{"role": "human", "content": "hi"}]},
    notes="Providers whose chat template accepts any role name (vLLM, llama.cpp, Ollama) get a warning; a "
    "missing or non-string role is `messages.missing-role`.",
    fixed={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
)
MISSING_ROLE = define(
    "messages.missing-role",
    Severity.ERROR,
    "A message has no `role`, or one that is not a string.",
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            # OpenAI's older JSON-schema wording (2023), for an empty role string.
            provider="openai",
            text="'' is not one of ['system', 'assistant', 'user', 'function'] - 'messages.21.role'",
            source="https://github.com/lss233/kirara-ai/issues/1028",
        ),
    ),
    example={"model": "gpt-4o", "messages": [{"content": "hi"}]},
    fixed={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
    notes="Every provider's request model requires a string role, including those that accept any role "
    "name (a missing role cannot reach a chat template).",
)
MISSING_CONTENT = define(
    "messages.missing-content",
    Severity.ERROR,
    "A system, developer, user or tool message has no `content`.",
    policy=policy(otherwise=Severity.ERROR),
    predicts=(
        PredictedError(
            # `"content": null` on a user message (relayed verbatim by one-api, which appends a request id).
            provider="openai",
            text="Invalid value for 'content': expected a string, got null.",
            source="https://github.com/songquanpeng/one-api/issues/784",
            param="messages.[1].content",
        ),
        PredictedError(
            provider="llama.cpp",
            text="All non-assistant messages must contain 'content'",
            source="code [LCPP]",
        ),
    ),
    example={"model": "gpt-4o", "messages": [{"role": "user"}]},
    fixed={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
)

CONTENT_REQUIRED_ROLES = frozenset({"system", "developer", "user", "tool"})

ASSISTANT_EMPTY_TEXT = define(
    "messages.assistant-empty-text",
    Severity.ERROR,
    "An assistant message whose content is an empty string (or empty list) and which has no tool calls: "
    "Mistral reads the content's truthiness and refuses it as a message with neither.",
    # A null or missing content is shape.empty-assistant-message (every provider); this rule is the empty
    # string OpenAI takes and Mistral does not.
    policy=policy(error=("mistral",)),
    predicts=(
        PredictedError(
            provider="mistral",
            text=(
                '{"object":"error","message":"Assistant message must have either content or tool_calls, but not '
                'none.","type":"invalid_request_error","param":null,"code":null}'
            ),
            source="https://github.com/solbrowse/extension/issues/16",
        ),
    ),
    example={
        "model": "mistral-large-latest",
        "messages": [
            {"role": "user", "content": "Summarise the file."},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": "Go on."},
        ],
    },
    example_url="https://api.mistral.ai/v1/chat/completions",
    fixed={
        "model": "mistral-large-latest",
        "messages": [
            {"role": "user", "content": "Summarise the file."},
            {"role": "user", "content": "Go on."},
        ],
    },
    notes=(
        "An empty assistant turn comes from a model that answered with reasoning only or nothing (a chat "
        "UI's second question, solbrowse/extension#16); drop it from the history. OpenAI takes an empty "
        "string, so other providers are not flagged."
    ),
)

#: OpenAI's pattern for a message's ``name`` (the participant name, or a function message's function).
MESSAGE_NAME = re.compile(r"[a-zA-Z0-9_-]+")
#: The roles whose ``name`` OpenAI's schema defines (a tool message's is not part of it).
NAMED_ROLES = frozenset({"system", "developer", "user", "assistant", "function"})
NAME_PATTERN = define(
    "messages.name-pattern",
    Severity.ERROR,
    "A message's `name` is empty or has characters outside `^[a-zA-Z0-9_-]+$` (a space, a dot, an accent).",
    # Not part of the published schema (its `name` is a plain string), so spec.* cannot see it; OpenAI's
    # server enforces it. Other providers ignore or refuse `name` altogether (roles.py, the allowlists).
    policy=policy(error=("openai-family",), warning=("generic",)),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'messages[5].name': string does not match pattern. Expected a string that matches "
                "the pattern '^[a-zA-Z0-9_-]+$'."
            ),
            source="https://github.com/FlowiseAI/Flowise/issues/2948",
            param="messages[5].name",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'messages[1].name': string does not match pattern. Expected a string that matches "
                "the pattern '^[a-zA-Z0-9_-]+$'."
            ),
            source="https://github.com/Pingdred/meowgram-client/issues/11",
            param="messages[1].name",
            code="invalid_value",
        ),
        PredictedError(
            # The 2023 wording of the same check, for a chat UI's preset name with a space.
            provider="openai",
            text="'test test' does not match '^[a-zA-Z0-9_-]{1,64}$' - 'messages.1.name'",
            source="https://github.com/danny-avila/LibreChat/issues/1075",
        ),
    ),
    example={"model": "gpt-4o", "messages": [{"role": "user", "name": "Ada Lovelace", "content": "Hello"}]},
    fixed={"model": "gpt-4o", "messages": [{"role": "user", "name": "Ada_Lovelace", "content": "Hello"}]},
    notes=(
        "Chat apps put a display name (a Telegram user, a preset title) into `name`; replace spaces and "
        "other characters with `_` or drop `name`."
    ),
)


@check(endpoints=(MESSAGES,))
def check_messages_api_not_empty(view: RequestView) -> Iterator[Finding]:
    """The Messages API's ``messages`` holds at least one message (the other shapes are rules/anthropic.py's)."""
    if view.body.get("messages") == []:
        yield from report_judged(
            EMPTY,
            view,
            "messages",
            "`messages` is empty; send at least one user message (the system prompt goes in `system`).",
        )


@check
def check_messages_shape(view: RequestView) -> Iterator[Finding]:
    body = view.body
    if "messages" not in body:
        yield from report_judged(
            MISSING, view, "messages", "The request has no `messages`; send at least one message."
        )
        return
    messages = body["messages"]
    if not isinstance(messages, list):
        yield from report_judged(
            NOT_A_LIST,
            view,
            "messages",
            f"`messages` is a {type(messages).__name__}; send an array of message objects.",
        )
        return
    if not messages:
        yield from report_judged(EMPTY, view, "messages", "`messages` is empty; send at least one message.")
        return
    yield from _check_each_message(view)


@per_message
def _check_each_message(view: RequestView, messages: Iterable[tuple[int, Any]]) -> Iterator[Finding]:
    """Each message's own shape: what it needs besides itself is the request's context only."""
    roles = view.provider.roles
    accepted = roles if roles is not None else OPENAI_ROLES
    for index, message in messages:
        # The common case, a valid message, formats no location (issue #12: a 1 MB agent
        # conversation's 400 messages, every request).
        if not isinstance(message, dict):
            where = f"messages[{index}]"
            yield from report_judged(
                NOT_AN_OBJECT,
                view,
                where,
                f"{where} is a {type(message).__name__}; each message must be an object with a role.",
            )
            continue
        role = message.get("role")
        if not isinstance(role, str) or not role:
            where = f"messages[{index}]"
            yield from report_judged(
                MISSING_ROLE,
                view,
                f"{where}.role",
                f"{where} has "
                + ("no role" if role is None or role == "" else f"role {role!r}, not a string")
                + "; set it to user, assistant, system or tool.",
            )
            continue
        if role not in accepted:
            where = f"messages[{index}]"
            if roles is None:
                detail = (
                    f"{view.provider.name} passes it to the model's chat template, which may not know it "
                    f"(OpenAI's roles: {', '.join(sorted(OPENAI_ROLES))})."
                )
            else:
                detail = f"{view.provider.name} accepts {', '.join(sorted(roles))}."
            yield from report_judged(
                UNKNOWN_ROLE, view, f"{where}.role", f"{where} has role {role!r}; {detail}"
            )
            continue
        name = message.get("name")
        if isinstance(name, str) and role in NAMED_ROLES and not MESSAGE_NAME.fullmatch(name):
            where = f"messages[{index}]"
            yield from report_judged(
                NAME_PATTERN,
                view,
                f"{where}.name",
                f"{where} has name {name!r}, which does not match ^[a-zA-Z0-9_-]+$; "
                f"{judged_name(NAME_PATTERN, view)} refuses it. Replace spaces and other characters with _ "
                "or drop `name`.",
            )
        if role == "assistant":
            if not (message.get("tool_calls") or message.get("function_call")):
                yield from _check_assistant_empty(view, f"messages[{index}]", message)
        elif role in CONTENT_REQUIRED_ROLES and message.get("content") is None:
            where = f"messages[{index}]"
            yield from report_judged(
                MISSING_CONTENT,
                view,
                f"{where}.content",
                f"{where} ({role}) has no content; {role} messages need a string or an array of parts.",
            )


def _check_assistant_empty(view: RequestView, where: str, message: dict[str, object]) -> Iterator[Finding]:
    """An assistant turn whose content is empty text and which calls no tool (a null content is
    shape.empty-assistant-message's)."""
    if message.get("tool_calls") or message.get("function_call") or message.get("content") not in ("", []):
        return
    yield from report_judged(
        ASSISTANT_EMPTY_TEXT,
        view,
        f"{where}.content",
        f"{where} is an assistant message with empty content and no tool calls; {judged_name(ASSISTANT_EMPTY_TEXT, view)} refuses "
        "it. Drop the empty turn from the history, or give it its text.",
    )
