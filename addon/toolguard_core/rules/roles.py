"""Role rules per provider: `developer`/`system` support, `name`, unknown keys inside messages
(strict providers), and the ordering rules that a provider or its chat template enforces.

One pass over the messages; key sets are checked only for providers that validate them (Groq,
Mistral), so the common case costs a dict lookup per message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RequestView
from toolguard_core.rules.modelinfo import family_of, model_for_family
from toolguard_core.rules.registry import PredictedError, check, define

_USER = {"role": "user", "content": "Hello"}

SYSTEM_UNSUPPORTED = define(
    "roles.system-unsupported",
    Severity.ERROR,
    "A `system` message sent to a model that rejects the system role (OpenAI o1-mini, o1-preview).",
    providers=("openai", "azure"),
    predicts=(
        PredictedError(
            provider="openai",
            text="Unsupported value: 'messages[0].role' does not support 'system' with this model.",
            source="https://github.com/microsoft/agent-framework/issues/1077",
            param="messages[0].role",
            code="unsupported_value",
        ),
    ),
    example={"model": "o1-mini", "messages": [{"role": "system", "content": "Be brief."}, _USER]},
    notes="Newer reasoning models (o1, o3, gpt-5) accept `developer` and treat `system` as an alias (doc [OAS]).",
)
DEVELOPER_UNSUPPORTED = define(
    "roles.developer-unsupported",
    Severity.WARNING,
    "A `developer` message sent to a provider or model that does not document the developer role.",
    providers=("deepseek", "mistral", "openai"),
    example={"model": "deepseek-chat", "messages": [{"role": "developer", "content": "Be brief."}, _USER]},
    example_url="https://api.deepseek.com/chat/completions",
    notes=(
        "`developer` is OpenAI's newer name for `system` (doc [OAS]); providers that do not list it may "
        "reject it or drop the instruction. Community tests report o1-mini rejects it [OAI-COMM]. "
        "Send `system` instead. Warning until a rejection text is confirmed."
    ),
)
NAME_UNSUPPORTED = define(
    "roles.name-unsupported",
    Severity.ERROR,
    "A message carries `name`, which the provider rejects (Groq: any message; Mistral: all but tool messages).",
    providers=("groq", "mistral"),
    predicts=(
        PredictedError(
            provider="mistral",
            text=(
                '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","messages",0,'
                '"user","name"],"msg":"Extra inputs are not permitted","input":"",'
            ),
            source="https://github.com/Gage-Technologies/mistral-go/pull/2",
            status=422,
        ),
    ),
    example={
        "model": "llama-3.3-70b-versatile",
        "messages": [{"role": "user", "content": "hi", "name": "bob"}],
    },
    example_url="https://api.groq.com/openai/v1/chat/completions",
    notes="Groq: `messages[].name` is not supported (doc [GROQ], https://console.groq.com/docs/openai).",
)
UNKNOWN_MESSAGE_KEY = define(
    "roles.unknown-message-key",
    Severity.ERROR,
    "A message carries a key that a strict provider does not accept (e.g. `reasoning_content` replayed "
    "to Groq or Mistral, `tool_calls` on a user message).",
    providers=("groq", "mistral"),
    predicts=(
        PredictedError(
            provider="groq",
            text=(
                "'messages.2' : for 'role:assistant' the following must be satisfied[('messages.2' : "
                "property 'reasoning_content' is unsupported)]"
            ),
            source="https://github.com/SimonSchubert/Kai/issues/265",
        ),
        PredictedError(
            provider="mistral",
            text=(
                '"type": "extra_forbidden",\n"msg": "Extra inputs are not permitted",\n'
                '"loc": ["body", "messages", X, "assistant", "reasoning_content"]'
            ),
            source="https://github.com/charmbracelet/crush/issues/1590",
            status=422,
        ),
    ),
    example={
        "model": "llama-3.3-70b-versatile",
        "messages": [
            _USER,
            {"role": "assistant", "content": "Hi!", "reasoning_content": "The user greets me."},
            _USER,
        ],
    },
    example_url="https://api.groq.com/openai/v1/chat/completions",
    notes="Strip provider-specific output fields (reasoning_content, reasoning_details, metadata, timestamps) "
    "before replaying history to a strict provider.",
)
SYSTEM_NOT_FIRST = define(
    "roles.system-not-first",
    Severity.WARNING,
    "A system message after the first position, sent to a self-hosted server whose chat template "
    "decides (many templates raise on it).",
    providers=("vllm", "llama.cpp", "ollama", "sglang"),
    predicts=(
        PredictedError(
            provider="vllm",
            text="Conversation roles must alternate user/assistant/user/assistant/...",
            source="https://github.com/microsoft/autogen/issues/1037",
        ),
    ),
    example={"model": "mistral-7b-instruct", "messages": [_USER, {"role": "system", "content": "Be brief."}]},
    example_url="http://127.0.0.1:8000/v1/chat/completions",
)
ALTERNATION = define(
    "roles.alternation",
    Severity.WARNING,
    "Two user (or two assistant) messages in a row sent to a self-hosted Mistral/Llama-2/Gemma-style "
    "model whose template requires strict alternation.",
    providers=("vllm", "llama.cpp", "ollama", "sglang"),
    predicts=(
        PredictedError(
            provider="llama.cpp",
            text=(
                "After the optional system message, conversation roles must alternate user and assistant "
                "roles except for tool calls and results."
            ),
            source="https://github.com/mistralai/mistral-vibe/issues/1006",
            status=500,
        ),
        PredictedError(
            provider="vllm",
            text="Conversation roles must alternate user/assistant/user/assistant/...",
            source="https://github.com/microsoft/autogen/issues/1037",
        ),
    ),
    example={"model": "mistral-7b-instruct-v0.3", "messages": [_USER, _USER]},
    example_url="http://127.0.0.1:8000/v1/chat/completions",
    notes="Depends on the model's chat template, hence a warning; other templates (Qwen, Llama 3) accept it.",
)
TRAILING_ASSISTANTS = define(
    "roles.trailing-assistant-messages",
    Severity.ERROR,
    "Two or more assistant messages at the end of the list (llama.cpp treats a final assistant turn as prefill).",
    providers=("llama.cpp",),
    predicts=(
        PredictedError(
            provider="llama.cpp",
            text="Cannot have 2 or more assistant messages at the end of the list.",
            source="code [LCPP]",
        ),
    ),
    example={
        "model": "qwen3",
        "messages": [_USER, {"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}],
    },
    example_url="http://127.0.0.1:8080/v1/chat/completions",
)
PREFILL_WITH_TOOL_CALLS = define(
    "roles.prefill-with-tool-calls",
    Severity.ERROR,
    "The last message is an assistant message with tool calls; llama.cpp would continue it as a prefill.",
    providers=("llama.cpp",),
    predicts=(
        PredictedError(
            provider="llama.cpp",
            text="Cannot continue an assistant message that contains tool calls.",
            source="code [LCPP]",
        ),
    ),
    example={
        "model": "qwen3",
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
                ],
            },
        ],
    },
    example_url="http://127.0.0.1:8080/v1/chat/completions",
)

# Templates that enforce strict user/assistant alternation (providers.md §6.1).
_STRICT_TEMPLATE_MODELS = re.compile(
    r"(mistral|mixtral|codestral|devstral|magistral|ministral|llama-?2|gemma)"
)
_LOCAL = frozenset({"vllm", "llama.cpp", "ollama", "sglang"})


@check
def check_roles(view: RequestView) -> Iterator[Finding]:
    messages = view.messages
    if not messages:
        return
    profile = view.provider
    family = family_of(view)
    keys_by_role = profile.message_keys
    developer_severity = Severity.WARNING if family.rejects_system_role else profile.developer_role
    local = profile.id in _LOCAL
    model = (view.model or "").lower()
    strict_alternation = local and bool(_STRICT_TEMPLATE_MODELS.search(model))
    previous_role: str | None = None
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            previous_role = None
            continue
        role = message.get("role")
        where = f"messages[{index}]"
        if role == "system":
            if family.rejects_system_role:
                yield SYSTEM_UNSUPPORTED.finding(
                    f"{where}.role",
                    f"{model_for_family(view)} does not accept system messages; merge the instructions into the first "
                    "user message.",
                )
            elif local and index > 0 and previous_role is not None:
                yield SYSTEM_NOT_FIRST.finding(
                    f"{where}.role",
                    f"{where} is a system message after messages[0]; many chat templates accept a system "
                    f"message only first. Move it to the front or merge it into {previous_role} text.",
                )
        elif role == "developer" and developer_severity is not None:
            yield DEVELOPER_UNSUPPORTED.finding(
                f"{where}.role",
                f"{profile.name} ({view.model}) does not document the `developer` role; send it as `system`.",
                severity=developer_severity,
            )
        if keys_by_role is not None and isinstance(role, str):
            yield from _check_keys(profile.name, keys_by_role, where, role, message)
        if (
            strict_alternation
            and role in ("user", "assistant")
            and role == previous_role
            and not (role == "assistant" and message.get("tool_calls"))
        ):
            yield ALTERNATION.finding(
                f"{where}.role",
                f"{where} is the second {role} message in a row; {view.model}'s chat template requires "
                "user and assistant to alternate. Merge the two messages.",
            )
        previous_role = role if isinstance(role, str) else None
    if profile.id == "llama.cpp":
        yield from _check_llamacpp_tail(messages)


def _check_keys(
    provider_name: str, keys_by_role: Any, where: str, role: str, message: dict[str, Any]
) -> Iterator[Finding]:
    allowed = keys_by_role.get(role)
    if allowed is None:
        return  # the role itself is reported by messages.unknown-role
    for key in message:
        if key in allowed:
            continue
        if key == "name":
            yield NAME_UNSUPPORTED.finding(
                f"{where}.name",
                f"{provider_name} rejects `name` on {role} messages; drop it (or put the speaker's name "
                "into the content).",
            )
        else:
            yield UNKNOWN_MESSAGE_KEY.finding(
                f"{where}.{key}",
                f"{provider_name} rejects the key `{key}` on {role} messages; strip it before sending "
                "the history.",
            )


def _check_llamacpp_tail(messages: list[Any]) -> Iterator[Finding]:
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return
    index = len(messages) - 1
    if index >= 1 and isinstance(messages[-2], dict) and messages[-2].get("role") == "assistant":
        yield TRAILING_ASSISTANTS.finding(
            f"messages[{index}]",
            f"messages[{index - 1}] and messages[{index}] are both assistant messages at the end; llama.cpp "
            "treats the last one as a prefill and refuses two. Merge them or end with a user/tool message.",
        )
    elif last.get("tool_calls"):
        yield PREFILL_WITH_TOOL_CALLS.finding(
            f"messages[{index}]",
            f"messages[{index}] ends the conversation with tool calls; send the tool results after it "
            "before asking for the next completion.",
        )
