"""Role rules per provider (providers.md §5.1, §6.1, §6.2, §6.5): system/developer support, `name`,
unknown keys inside messages for strict providers, and template-enforced ordering."""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings, predicted_texts

E, W = "error", "warning"
SYSTEM = {"role": "system", "content": "You are terse."}
DEVELOPER = {"role": "developer", "content": "You are terse."}
USER = {"role": "user", "content": "List the files."}
CALL = {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}


def req(model: str, *messages: dict[str, Any]) -> dict[str, Any]:
    return {"model": model, "messages": list(messages)}


MISTRAL_CALL = {"id": "D681PevKs", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}

CASES = [
    (
        "o1-mini-system",
        "openai",
        req("o1-mini", SYSTEM, USER),
        [("roles.system-unsupported", E, "messages[0].role")],
    ),
    # OpenAI: "Unsupported value: 'messages[0].role' does not support 'developer' with this model."
    # (langchain#28895); o1-preview and Azure's o1-mini answer the same.
    (
        "o1-mini-developer-rejected",
        "openai",
        req("o1-mini", DEVELOPER, USER),
        [("roles.developer-unsupported", E, "messages[0].role")],
    ),
    (
        "o1-preview-developer-rejected",
        "openai",
        req("o1-preview-2024-09-12", DEVELOPER, USER),
        [("roles.developer-unsupported", E, "messages[0].role")],
    ),
    (
        "azure-o1-mini-developer-rejected",
        "azure",
        req("o1-mini", DEVELOPER, USER),
        [("roles.developer-unsupported", E, "messages[0].role")],
    ),
    ("o1-developer-ok", "openai", req("o1", DEVELOPER, USER), []),
    ("o3-mini-developer-ok", "openai", req("o3-mini", DEVELOPER, USER), []),
    ("o3-developer-ok", "openai", req("o3", DEVELOPER, USER), []),
    ("o3-system-ok", "openai", req("o3", SYSTEM, USER), []),
    ("gpt-4o-developer-ok", "openai", req("gpt-4o", DEVELOPER, USER), []),
    (
        "azure-o1-preview-system",
        "azure",
        req("o1-preview", SYSTEM, USER),
        [("roles.system-unsupported", E, "messages[0].role")],
    ),
    # DeepSeek's role is a closed serde enum: "unknown variant `developer`" (cc-switch#3330).
    (
        "deepseek-developer-rejected",
        "deepseek",
        req("deepseek-chat", DEVELOPER, USER),
        [("roles.developer-unsupported", E, "messages[0].role")],
    ),
    # Groq: `name` is in its SDK's message types since August 2026 (user, system, assistant); unknown
    # keys are still rejected (Kai #265), and `name` on a tool message is one of them.
    ("groq-name-ok", "groq", req("llama-3.3-70b-versatile", {**USER, "name": "alice"}), []),
    (
        "mistral-name",
        "mistral",
        req("mistral-large-latest", {**USER, "name": "alice"}),
        [("roles.name-unsupported", E, "messages[0].name")],
    ),
    (
        "groq-reasoning-content",
        "groq",
        req("qwen/qwen3-32b", USER, {"role": "assistant", "content": "ok", "reasoning_content": "hmm"}, USER),
        [("roles.unknown-message-key", E, "messages[1].reasoning_content")],
    ),
    (
        "groq-tool-calls-on-user",
        "groq",
        req("llama-3.3-70b-versatile", {**USER, "tool_calls": None}),
        [("roles.unknown-message-key", E, "messages[0].tool_calls")],
    ),
    # Mistral: name only on tool messages; extras forbidden (mistral-go #2, crush #1590).
    (
        "mistral-user-name",
        "mistral",
        req("mistral-small-latest", {**USER, "name": ""}),
        [("roles.name-unsupported", E, "messages[0].name")],
    ),
    # A replayed tool call is a closed object on Mistral (zeroclaw#2693: extra_forbidden at
    # messages.6.assistant.tool_calls.0.name); its own `index` is accepted; other providers are lenient.
    (
        "mistral-tool-call-extra-name",
        "mistral",
        req(
            "mistral-large-latest",
            USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{**MISTRAL_CALL, "name": None, "index": 0}],
            },
            {"role": "tool", "tool_call_id": MISTRAL_CALL["id"], "content": "sunny"},
        ),
        [("roles.unknown-message-key", E, "messages[1].tool_calls[0].name")],
    ),
    (
        "openai-tool-call-extra-name-ok",
        "openai",
        req(
            "gpt-4o",
            USER,
            {"role": "assistant", "content": None, "tool_calls": [{**MISTRAL_CALL, "name": None}]},
            {"role": "tool", "tool_call_id": MISTRAL_CALL["id"], "content": "sunny"},
        ),
        [],
    ),
    # roles.user-after-tool: mistral_common's validator, wherever it serves a Mistral model
    # (mistral-vibe#454 on vLLM, hermes-agent#20154 on NIM); other models there are not held to it.
    (
        "vllm-devstral-user-after-tool",
        "vllm",
        req(
            "mistralai/Devstral-2-123B-Instruct-2512",
            USER,
            {"role": "assistant", "content": None, "tool_calls": [MISTRAL_CALL]},
            {"role": "tool", "tool_call_id": MISTRAL_CALL["id"], "content": "sunny"},
            USER,
        ),
        [("roles.user-after-tool", E, "messages[3].role")],
    ),
    (
        "nvidia-mistral-small-user-after-tool",
        "nvidia",
        req(
            "mistralai/mistral-small-4-119b-2603",
            USER,
            {"role": "assistant", "content": None, "tool_calls": [MISTRAL_CALL]},
            {"role": "tool", "tool_call_id": MISTRAL_CALL["id"], "content": "sunny"},
            USER,
        ),
        [("roles.user-after-tool", E, "messages[3].role")],
    ),
    (
        "vllm-qwen-user-after-tool-ok",
        "vllm",
        req(
            "Qwen/Qwen3-8B",
            USER,
            {"role": "assistant", "content": None, "tool_calls": [MISTRAL_CALL]},
            {"role": "tool", "tool_call_id": MISTRAL_CALL["id"], "content": "sunny"},
            USER,
        ),
        [],
    ),
    (
        "openai-mistral-named-user-after-tool-ok",
        "openai",
        req(
            "mistral-large-latest",
            USER,
            {"role": "assistant", "content": None, "tool_calls": [MISTRAL_CALL]},
            {"role": "tool", "tool_call_id": MISTRAL_CALL["id"], "content": "sunny"},
            USER,
        ),
        [],
    ),
    # roles.multiple-system: MiniMax takes one system message (openclaw#19386: "invalid chat setting").
    (
        "minimax-two-system-messages",
        "minimax",
        req("MiniMax-M2.5", {"role": "system", "content": "A"}, {"role": "system", "content": "B"}, USER),
        [("roles.multiple-system", E, "messages[1].role")],
    ),
    ("minimax-one-system-ok", "minimax", req("MiniMax-M2.5", {"role": "system", "content": "A B"}, USER), []),
    (
        "openai-two-system-messages-ok",
        "openai",
        req("gpt-4o", {"role": "system", "content": "A"}, {"role": "system", "content": "B"}, USER),
        [],
    ),
    (
        "mistral-reasoning-content",
        "mistral",
        req("devstral-2512", USER, {"role": "assistant", "content": "ok", "reasoning_content": "\n"}, USER),
        [("roles.unknown-message-key", E, "messages[1].reasoning_content")],
    ),
    (
        "mistral-tool-name-ok",
        "mistral",
        req(
            "mistral-small-latest",
            USER,
            {"role": "assistant", "content": None, "tool_calls": [{**CALL, "id": "abcDEF123"}]},
            {"role": "tool", "name": "ls", "content": "a.txt", "tool_call_id": "abcDEF123"},
        ),
        [],
    ),
    ("openai-name-ok", "openai", req("gpt-4o", {**USER, "name": "alice"}), []),
    (
        "openai-reasoning-content-not-flagged",
        "openai",
        req("gpt-4o", USER, {"role": "assistant", "content": "a", "reasoning_content": "r"}, USER),
        [],
    ),
    # Mistral's API orders roles itself: "Unexpected role 'system' after role 'assistant'"
    # (swarmauri/swarmauri-sdk#276, SillyTavern/SillyTavern#1558); a leading system message is accepted.
    (
        "mistral-system-after-assistant",
        "mistral",
        req("mistral-small-latest", USER, {"role": "assistant", "content": "a"}, SYSTEM, USER),
        [("roles.system-not-first", E, "messages[2].role")],
    ),
    ("mistral-system-first-ok", "mistral", req("mistral-small-latest", SYSTEM, USER), []),
    # OpenAI takes a system message anywhere.
    (
        "openai-system-late-ok",
        "openai",
        req("gpt-4o", USER, {"role": "assistant", "content": "a"}, SYSTEM, USER),
        [],
    ),
    # Self-hosted: the chat template decides. A stock template that raises (Mistral, Gemma) is an error
    # for a declared server; other templates accept what a late system message or a repeated role.
    (
        "vllm-system-late",
        "vllm",
        req("Qwen/Qwen3-8B", USER, SYSTEM),
        [("roles.system-not-first", W, "messages[1].role")],
    ),
    (
        "vllm-mistral-double-user",
        "vllm",
        req("mistralai/Mistral-7B-Instruct-v0.3", USER, USER),
        [("roles.alternation", E, "messages[1].role")],
    ),
    (
        "sglang-gemma2-system",
        "sglang",
        req("google/gemma-2-2b-it", SYSTEM, USER),
        [("roles.system-unsupported", E, "messages[0].role")],
    ),
    ("vllm-gemma3-system-ok", "vllm", req("google/gemma-3-27b-it", SYSTEM, USER), []),
    ("vllm-qwen-double-user-ok", "vllm", req("Qwen/Qwen3-8B", USER, USER), []),
    ("openai-double-user-ok", "openai", req("gpt-4o", USER, USER), []),
    # llama.cpp prefill rules (code [LCPP]).
    (
        "llamacpp-two-trailing-assistants",
        "llama.cpp",
        req("qwen3", USER, {"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}),
        [("roles.trailing-assistant-messages", E, "messages[2]")],
    ),
    # One prefill: taken unless the model's template thinks, when llama-server answers "Assistant response
    # prefill is incompatible with enable_thinking." (mastra#15234, opencode#27920; llama.cpp#15404).
    (
        "llamacpp-one-trailing-prefill-ok",
        "llama.cpp",
        req("llama-3.1-8b-instruct", USER, {"role": "assistant", "content": "```json"}),
        [],
    ),
    (
        "llamacpp-prefill-thinking-template",
        "llama.cpp",
        req("Qwen3.5-27B-Q6_K.gguf", USER, {"role": "assistant", "content": "```json"}),
        [("roles.assistant-last", E, "messages[1].role")],
    ),
    (
        "llamacpp-prefill-gpt-oss",
        "llama.cpp",
        req("ggml-org/gpt-oss-120b-GGUF", USER, {"role": "assistant", "content": "Sure"}),
        [("roles.assistant-last", E, "messages[1].role")],
    ),
    (
        "llamacpp-prefill-thinking-off",
        "llama.cpp",
        {
            **req("qwen3", USER, {"role": "assistant", "content": "```json"}),
            "chat_template_kwargs": {"enable_thinking": False},
        },
        [],
    ),
    (
        "llamacpp-prefill-qwen3-instruct-2507",
        "llama.cpp",
        req("Qwen3-4B-Instruct-2507", USER, {"role": "assistant", "content": "```json"}),
        [],
    ),
    (
        "llamacpp-prefill-tool-calls",
        "llama.cpp",
        req("qwen3", USER, {"role": "assistant", "content": None, "tool_calls": [CALL]}),
        [("roles.prefill-with-tool-calls", E, "messages[1]")],
    ),
]


@pytest.mark.parametrize(("provider", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_role_rules(provider: str, body: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert findings(provider, body, "roles.") == expected


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        (
            "roles.system-unsupported",
            "Unsupported value: 'messages[0].role' does not support 'system' with this model.",
        ),
        ("roles.unknown-message-key", "property 'reasoning_content' is unsupported"),
        ("roles.unknown-message-key", '"msg": "Extra inputs are not permitted"'),
        ("roles.unknown-message-key", '"loc":["body","messages",6,"assistant","tool_calls",0,"name"]'),
        ("roles.name-unsupported", '"loc":["body","messages",0,"user","name"]'),
        (
            "roles.trailing-assistant-messages",
            "Cannot have 2 or more assistant messages at the end of the list.",
        ),
        ("roles.prefill-with-tool-calls", "Cannot continue an assistant message that contains tool calls."),
        ("roles.alternation", "conversation roles must alternate user and assistant roles"),
        ("roles.system-not-first", "Unexpected role 'system' after role 'assistant'"),
    ],
)
def test_rules_predict_the_real_provider_text(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))
