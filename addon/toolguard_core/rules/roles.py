"""Role rules per provider: `developer`/`system` support, `name`, unknown keys inside messages
(strict providers), and the ordering rules that a provider or its chat template enforces: strict
user/assistant alternation, where the system message may stand, a user message right after a tool
message, and an assistant message last (a prefill).

Each rule declares per provider whether it rejects (error), may reject (warning) or accepts (silent);
the check only decides whether the condition holds (including the model conditions a policy names)
and reports through the rule.

One pass over the messages; key sets are checked only for providers that validate them (Groq,
Mistral), so the common case costs a dict lookup per message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import BUILTIN_PROFILES, MISTRAL_MODELS, THINKING_TEMPLATE_MODELS
from toolguard_core.request import RequestView
from toolguard_core.rules import walk
from toolguard_core.rules.history import Entry
from toolguard_core.rules.inferred import judged_id, judged_name, report_judged
from toolguard_core.rules.modelinfo import family_of, model_for_family
from toolguard_core.rules.registry import PredictedError, check, checked_as, define, policy, provider_id

_USER = {"role": "user", "content": "Hello"}

SYSTEM_UNSUPPORTED = define(
    "roles.system-unsupported",
    Severity.ERROR,
    "A `system` message sent to a model that rejects the system role (OpenAI o1-mini, o1-preview; "
    "self-hosted Gemma 1/2 and Mistral-7B-Instruct v0.1/v0.2 chat templates).",
    policy=policy(
        error=("openai-family", "self-hosted"),
        conditions={
            "openai-family": "o1-mini, o1-preview",
            "self-hosted": "Gemma 1/2, Mistral-7B-Instruct v0.1/v0.2 templates",
        },
    ),
    predicts=(
        PredictedError(
            provider="sglang",
            text="System role not supported",
            source="https://github.com/sgl-project/sglang/issues/892",
            status=500,
        ),
        PredictedError(
            provider="vllm",
            text="Conversation roles must alternate user/assistant/user/assistant/...",
            source="https://github.com/microsoft/autogen/issues/1037",
        ),
        PredictedError(
            provider="openai",
            text="Unsupported value: 'messages[0].role' does not support 'system' with this model.",
            source="https://github.com/microsoft/agent-framework/issues/1077",
            param="messages[0].role",
            code="unsupported_value",
        ),
    ),
    example={"model": "o1-mini", "messages": [{"role": "system", "content": "Be brief."}, _USER]},
    fixed={"model": "o1-mini", "messages": [{"role": "user", "content": "Be brief. Hello"}]},
    notes="Newer reasoning models (o1, o3, gpt-5) accept `developer` and treat `system` as an alias (doc [OAS]).",
)
DEVELOPER_UNSUPPORTED = define(
    "roles.developer-unsupported",
    Severity.WARNING,
    "A `developer` message sent to a provider or model that does not take the developer role.",
    # OpenAI's validator refuses the role for o1-mini and o1-preview with its own "Unsupported value" text
    # (below); Mistral does not document the role and no refusal of it was found: a warning.
    policy=policy(
        error=("dashscope", "deepseek", "openai-family"),
        warning=("mistral",),
        conditions={"openai-family": "o1-mini, o1-preview"},
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text="400 Unsupported value: 'messages[0].role' does not support 'developer' with this model.",
            source="https://github.com/langchain-ai/langchain/issues/28895",
            param="messages[0].role",
            code="unsupported_value",
        ),
        PredictedError(
            provider="dashscope",
            text="developer is not one of ['system', 'assistant', 'user', 'tool', 'function'] - 'messages.['0].role'",
            source="https://github.com/DayuanJiang/next-ai-draw-io/issues/304",
        ),
        PredictedError(
            provider="deepseek",
            text=(
                "Failed to deserialize the JSON body into the target type: messages[1].role: unknown variant "
                "`developer`, expected one of `system`, `user`, `assistant`, `tool`, `latest_reminder` at line 1 "
                "column 49926"
            ),
            source="https://github.com/farion1231/cc-switch/issues/3330",
        ),
    ),
    example={"model": "qwen-plus", "messages": [{"role": "developer", "content": "Be brief."}, _USER]},
    example_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions",
    fixed={"model": "qwen-plus", "messages": [{"role": "system", "content": "Be brief."}, _USER]},
    notes=(
        "`developer` is OpenAI's newer name for `system` (doc [OAS]). DashScope and DeepSeek reject it "
        "(errors above; DeepSeek's role is a closed enum), and so does OpenAI for o1-mini and o1-preview, the "
        "models without a system role (OpenAI's answer above, langchain#28895; o1 and later take it). Mistral "
        "does not document it and no refusal of it was found: a warning there. Send `system` instead (for "
        "o1-mini and o1-preview, fold the instructions into the first user message)."
    ),
)
NAME_UNSUPPORTED = define(
    "roles.name-unsupported",
    Severity.ERROR,
    "A message carries `name`, which the provider rejects (Mistral: all but tool messages; xAI: all but user "
    "messages).",
    # Groq left this policy in August 2026: its SDK's message types take `name` on system, user and
    # assistant messages (providers.py GROQ_MESSAGE_KEYS); on a Groq tool message it is
    # roles.unknown-message-key's. xAI's roles are its profile's `name_roles`.
    policy=policy(error=("mistral", "xai")),
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
        PredictedError(
            provider="xai",
            text="Only messages of role 'user' can have a name.",
            source="https://github.com/microsoft/autogen/issues/4715",
        ),
    ),
    # A system message's `name` (SillyTavern's example dialogue, as sent in the xAI threads): refused by both.
    example={
        "model": "mistral-large-latest",
        "messages": [
            {"role": "system", "content": "Be brief.", "name": "narrator"},
            {"role": "user", "content": "hi"},
        ],
    },
    example_url="https://api.mistral.ai/v1/chat/completions",
    fixed={
        "model": "mistral-large-latest",
        "messages": [{"role": "system", "content": "narrator: Be brief."}, {"role": "user", "content": "hi"}],
    },
    notes="Groq refused `messages[].name` until its API took it (doc [GROQ] then; groq-python's message "
    "types of 18 August 2026 list it). xAI takes `name` on user messages only (autogen#4715, litellm#9720, "
    "pipecat#2274): send a system or assistant speaker's name in its content.",
)
UNKNOWN_MESSAGE_KEY = define(
    "roles.unknown-message-key",
    Severity.ERROR,
    "A message, or a replayed tool call, carries a key that a strict provider does not accept (e.g. "
    "`reasoning_content` replayed to Groq, Mistral or Cerebras, `tool_calls` on a user message, `name` next "
    "to a Mistral tool call's `function`, a client's own bookkeeping fields sent to Fireworks).",
    policy=policy(
        error=("groq", "mistral", "cerebras", "fireworks"),
        conditions={"fireworks": "keys outside OpenAI's message fields (its own reasoning_content is taken)"},
    ),
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
        PredictedError(
            provider="mistral",
            text=(
                'Mistral API error (422 Unprocessable Entity): {"detail":[{"type":"extra_forbidden","loc":'
                '["body","messages",6,"assistant","tool_calls",0,"name"],"msg":"Extra inputs are not '
                'permitted","input":null}'
            ),
            source="https://github.com/zeroclaw-labs/zeroclaw/issues/2693",
            status=422,
        ),
        PredictedError(
            provider="cerebras",
            text=(
                "messages.2.assistant.reasoning_content: property 'messages.2.assistant.reasoning_content' "
                "is unsupported"
            ),
            source="https://github.com/Alishahryar1/free-claude-code/issues/1136",
        ),
        PredictedError(
            provider="fireworks",
            text=(
                "400 invalid_request_error Extra inputs are not permitted: messages[2].cot_id "
                "messages[2].cot_summary"
            ),
            source="https://github.com/microsoft/vscode/issues/335780",
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
    fixed={
        "model": "llama-3.3-70b-versatile",
        "messages": [_USER, {"role": "assistant", "content": "Hi!"}, _USER],
    },
    notes="Strip provider-specific output fields (reasoning_content, reasoning_details, metadata, timestamps) "
    "before replaying history to a strict provider.",
)
SYSTEM_NOT_FIRST = define(
    "roles.system-not-first",
    Severity.WARNING,
    "A system message after a user or assistant message: Perplexity, Cloudflare Workers AI and Mistral take "
    "system messages only at the start; on a self-hosted server the chat template decides (many raise on it).",
    # Mistral's chat API checks the role order itself (its invalid_request_message_order family, e.g. "Unexpected
    # role 'user' after role 'tool'"): a system message after the conversation started is refused ("Unexpected
    # role 'system' after role 'assistant'", swarmauri/swarmauri-sdk#276, August 2024; SillyTavern's Mistral fix,
    # SillyTavern/SillyTavern#1558, December 2023: "mistral sys prompts coming after the first user/assistant
    # role in the prompt ... causing a bad request"). A Mistral model on a self-hosted server is the chat
    # template's (the warning there).
    policy=policy(error=("perplexity", "cloudflare", "mistral"), warning=("self-hosted",)),
    predicts=(
        PredictedError(
            provider="mistral",
            text=(
                '{"object":"error","message":"Unexpected role \'system\' after role \'assistant\'","type":'
                '"invalid_request_error","param":null,"code":null}'
            ),
            source="https://github.com/swarmauri/swarmauri-sdk/issues/276",
        ),
        PredictedError(
            provider="cloudflare",
            text="System message must be at the beginning",
            source="https://github.com/anomalyco/opencode/issues/46481",
        ),
        PredictedError(
            provider="perplexity",
            text="After the (optional) system message(s), user and assistant roles should be alternating.",
            source="https://github.com/microsoft/autogen/issues/2405",
        ),
        PredictedError(
            provider="vllm",
            text="Conversation roles must alternate user/assistant/user/assistant/...",
            source="https://github.com/microsoft/autogen/issues/1037",
        ),
    ),
    example={"model": "sonar", "messages": [_USER, {"role": "system", "content": "Be brief."}]},
    example_url="https://api.perplexity.ai/chat/completions",
    fixed={"model": "sonar", "messages": [{"role": "system", "content": "Be brief."}, _USER]},
)
#: The hosts that take system messages only at the start: derived from the rule's own policy (a custom local
#: profile, outside the built-in groups, is one too: ``ProviderProfile.local``).
_SYSTEM_FIRST_ONLY: frozenset[str] = frozenset(
    pid for pid in BUILTIN_PROFILES if SYSTEM_NOT_FIRST.policy.declares(pid)
)
MULTIPLE_SYSTEM = define(
    "roles.multiple-system",
    Severity.ERROR,
    "More than one system message, where the provider takes a single one (MiniMax).",
    policy=policy(error=("minimax",)),
    predicts=(
        PredictedError(
            provider="minimax",
            text=(
                '{"type":"error","error":{"type":"bad_request_error","message":"invalid params, invalid chat '
                'setting (2013)","http_code":"400"}}'
            ),
            source="https://github.com/openclaw/openclaw/issues/19386",
        ),
    ),
    example={
        "model": "MiniMax-M2.5",
        "messages": [{"role": "system", "content": "A"}, {"role": "system", "content": "B"}, _USER],
    },
    example_url="https://api.minimax.io/v1/chat/completions",
    fixed={"model": "MiniMax-M2.5", "messages": [{"role": "system", "content": "A\n\nB"}, _USER]},
    notes=(
        "A direct request with two system messages fails and the same text merged into one succeeds "
        "(openclaw/openclaw#19386; can1357/oh-my-pi#954 tested each field of the failing request). Clients "
        "that add context blocks as extra system messages hit it; merge them into the first."
    ),
)
ALTERNATION = define(
    "roles.alternation",
    Severity.WARNING,
    "Two user (or two assistant) messages in a row where strict alternation is enforced: Perplexity, "
    "deepseek-reasoner, and self-hosted Mistral/Llama-2/Gemma-style chat templates.",
    policy=policy(
        error=("perplexity", "deepseek", "self-hosted"),
        conditions={
            "deepseek": "deepseek-reasoner",
            "self-hosted": "Mistral/Mixtral/Devstral, Llama-2, Gemma chat templates",
        },
    ),
    predicts=(
        PredictedError(
            provider="perplexity",
            text="After the (optional) system message(s), user and assistant roles should be alternating.",
            source="https://github.com/perplexityai/api-discussion/issues/265",
        ),
        PredictedError(
            provider="deepseek",
            text=(
                "deepseek-reasoner does not support successive user or assistant messages (messages[0] and "
                "messages[1] in your input). You should interleave the user/assistant messages in the "
                "message sequence."
            ),
            source="https://github.com/xerrors/Yuxi/issues/126",
        ),
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
    example={"model": "sonar", "messages": [_USER, {"role": "user", "content": "And in French?"}]},
    example_url="https://api.perplexity.ai/chat/completions",
    fixed={"model": "sonar", "messages": [{"role": "user", "content": "Hello\n\nAnd in French?"}]},
    notes=(
        "On self-hosted servers only models whose stock chat template raises on it are flagged (the "
        "template errors are quoted); other templates (Qwen, Llama 3) accept it, and a server started "
        "with its own --chat-template may too. A server recognised by its port only gets a warning. An "
        "assistant message with tool calls may follow an assistant message (those templates exempt tool "
        "calls and results)."
    ),
)
TRAILING_ASSISTANTS = define(
    "roles.trailing-assistant-messages",
    Severity.ERROR,
    "Two or more assistant messages at the end of the list (llama.cpp treats a final assistant turn as prefill).",
    policy=policy(error=("llama.cpp",)),
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
    # One prefill is taken when the template does not think (Qwen3's is told not to here): roles.assistant-last.
    fixed={
        "model": "qwen3",
        "messages": [_USER, {"role": "assistant", "content": "a b"}],
        "chat_template_kwargs": {"enable_thinking": False},
    },
)
PREFILL_WITH_TOOL_CALLS = define(
    "roles.prefill-with-tool-calls",
    Severity.ERROR,
    "The last message is an assistant message with tool calls; llama.cpp would continue it as a prefill.",
    policy=policy(error=("llama.cpp",)),
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
    fixed={
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
            {"role": "tool", "tool_call_id": "call_1", "content": "a.txt"},
        ],
    },
)
ASSISTANT_LAST = define(
    "roles.assistant-last",
    Severity.ERROR,
    "The conversation ends with an assistant message (a prefill) where the provider or model takes "
    "none: Mistral and deepseek-reasoner unless the message sets `prefix: true`, Claude models on "
    "GitHub Copilot, llama.cpp (and Jan, which serves through it) with a model whose template thinks.",
    policy=policy(
        error=("mistral", "deepseek", "copilot", "llama.cpp"),
        conditions={
            "deepseek": "deepseek-reasoner",
            "copilot": "Claude models",
            "llama.cpp": "thinking templates (Qwen3/3.5, QwQ, gpt-oss, DeepSeek-R1, GLM-4.5+, ...) unless "
            "chat_template_kwargs.enable_thinking is false",
        },
    ),
    predicts=(
        PredictedError(
            provider="mistral",
            text="Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant",
            source="https://github.com/0xPlaygrounds/rig/pull/1130",
        ),
        PredictedError(
            provider="deepseek",
            text=(
                "The last message of deepseek-reasoner must be a user message, or an assistant message with "
                "prefix mode on (refer to https://api-docs.deepseek.com/guides/chat_prefix_completion)."
            ),
            source="https://github.com/BerriAI/litellm/issues/8090",
        ),
        PredictedError(
            provider="copilot",
            text=(
                "This model does not support assistant message prefill. The conversation must end with a "
                "user message."
            ),
            source="https://github.com/caozhiyuan/copilot-api/issues/251",
        ),
        PredictedError(
            provider="llama.cpp",
            text=(
                'srv    operator(): got exception: {"error":{"code":400,"message":"Assistant response prefill '
                'is incompatible with enable_thinking.","type":"invalid_request_error"}}'
            ),
            source="https://github.com/mastra-ai/mastra/issues/15234",
        ),
        PredictedError(
            provider="llama.cpp",
            text='HTTP 400 {"error":{"message":"Assistant response prefill is incompatible with enable_thinking."}}',
            source="https://github.com/anomalyco/opencode/issues/27920",
        ),
    ),
    example={
        "model": "mistral-large-latest",
        "messages": [_USER, {"role": "assistant", "content": "Sure, here is"}],
    },
    example_url="https://api.mistral.ai/v1/chat/completions",
    fixed={
        "model": "mistral-large-latest",
        "messages": [_USER, {"role": "assistant", "content": "Sure, here is", "prefix": True}],
    },
    notes=(
        "Mistral and DeepSeek continue a final assistant message only in prefix mode (`prefix: true`; "
        "DeepSeek on its beta base URL); Copilot's Claude models refuse prefills outright. llama-server turns "
        "enable_thinking on for a template that thinks and then refuses any final assistant message "
        "(ggml-org/llama.cpp#15404, #21889); a model name that names no thinking template is not flagged, "
        "and a server started with --reasoning-budget 0 accepts the prefill (its host is then demoted, "
        "`toolguard learned list`)."
    ),
)
FIRST_NOT_USER = define(
    "roles.first-not-user",
    Severity.ERROR,
    "The first message after the system messages is not a user message (deepseek-reasoner).",
    policy=policy(error=("deepseek",), conditions={"deepseek": "deepseek-reasoner"}),
    predicts=(
        PredictedError(
            provider="deepseek",
            text=(
                "The first message (except the system message) of deepseek-reasoner must be a user message, "
                "but an assistant message detected."
            ),
            source="https://github.com/ChatGPTNextWeb/NextChat/issues/6343",
        ),
    ),
    example={
        "model": "deepseek-reasoner",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "assistant", "content": "Hi!"},
            _USER,
        ],
    },
    example_url="https://api.deepseek.com/chat/completions",
    fixed={"model": "deepseek-reasoner", "messages": [{"role": "system", "content": "Be brief."}, _USER]},
)
USER_AFTER_TOOL = define(
    "roles.user-after-tool",
    Severity.ERROR,
    "A user message directly after a tool message: Mistral's request validator (mistral_common, on "
    "Mistral's API, on vLLM and on NVIDIA NIM serving Mistral models) wants the assistant's answer to the "
    "tool results first.",
    policy=policy(
        error=("mistral", "vllm", "nvidia"),
        conditions={"vllm": "Mistral models", "nvidia": "Mistral models"},
    ),
    predicts=(
        PredictedError(
            provider="mistral",
            text="Unexpected role 'user' after role 'tool'",
            source="https://github.com/avante-corp/avante.nvim/pull/2695",
            code="3230",
        ),
        PredictedError(
            provider="vllm",
            text="ValueError: Unexpected role 'user' after role 'tool'",
            source="https://github.com/mistralai/mistral-vibe/issues/454",
        ),
        PredictedError(
            provider="nvidia",
            text="HTTP 400: Unexpected role 'user' after role 'tool'",
            source="https://github.com/NousResearch/hermes-agent/issues/20154",
        ),
    ),
    example={
        "model": "mistral-large-latest",
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "a1B2c3D4e", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "a1B2c3D4e", "name": "ls", "content": "a.txt"},
            {"role": "user", "content": "Now read it."},
        ],
    },
    example_url="https://api.mistral.ai/v1/chat/completions",
    fixed={
        "model": "mistral-large-latest",
        "messages": [
            _USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "a1B2c3D4e", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "a1B2c3D4e", "name": "ls", "content": "a.txt"},
            {"role": "assistant", "content": "There is a.txt."},
            {"role": "user", "content": "Now read it."},
        ],
    },
    notes="Insert the assistant's reply to the tool results (or an empty-text assistant turn) before the user turn.",
)


# Templates that enforce strict user/assistant alternation (providers.md §6.1).
_STRICT_TEMPLATE_MODELS = re.compile(
    r"(mistral|mixtral|codestral|devstral|magistral|ministral|llama-?2|gemma)"
)
_CLAUDE = re.compile(r"claude")
# Stock templates that raise on any system message: Gemma 1/2 ("System role not supported") and
# Mistral-7B-Instruct v0.1/v0.2 ("Conversation roles must alternate ...").
_NO_SYSTEM_TEMPLATE_MODELS = re.compile(r"gemma-?(?:2|1\.1|7b)|mistral-7b-instruct-v0\.[12]")


class _Met:
    """Told to the walk where a remembered block starts (rules/history.py): the walk's state there
    completes the block's clean mark (``mark``), and ``taken`` says the walk skipped the block."""

    __slots__ = ("entry", "key", "mark", "taken", "target")

    def __init__(self, entry: Entry, key: tuple[Any, ...], target: object) -> None:
        self.entry = entry
        self.key = key
        self.target = target
        self.mark: tuple[Any, ...] = key
        self.taken = False


class _Walk(walk.Walk):
    """The messages ``check_roles`` reads, a :class:`_Met` before each remembered block. A block walked
    whole without a finding is marked clean under the context, the target and the walk's state where
    the block starts (whether a system message came before, whether a non-system one did, the role
    right before): its findings depend on these and its own messages only. Marks are kept when the
    check ran to its end, as in rules/walk.py."""

    __slots__ = ()

    def _met(self, entry: Entry) -> _Met:
        return _Met(entry, self._key, self._target)

    def _mark(self, entry: Entry, met: object | None) -> tuple[Any, ...] | None:
        assert isinstance(met, _Met)
        return None if met.taken else met.mark


#: The name a block's role summary is kept under (history.Entry.summaries).
_SUMMARY = "roles.summary"


def _summary_of(entry: Entry) -> tuple[int | None, bool, str | None]:
    """What the walk's state takes from a block, from its messages alone: the offset of its first system
    message, whether it holds a user, assistant or tool message, and its last message's role."""
    summary = entry.summaries.get(_SUMMARY)
    if summary is None:
        values = entry.values
        first_system = next(
            (i for i, m in enumerate(values) if isinstance(m, dict) and m.get("role") == "system"), None
        )
        other = any(isinstance(m, dict) and m.get("role") in ("user", "assistant", "tool") for m in values)
        last = values[-1]
        role = last.get("role") if isinstance(last, dict) else None
        summary = entry.summaries[_SUMMARY] = (first_system, other, role if isinstance(role, str) else None)
    return summary  # type: ignore[no-any-return]


def _state(first_system: int | None, seen_other: bool, previous_role: str | None) -> tuple[Any, ...]:
    """The walk's state a block's findings depend on (the first system message's index only appears in
    a finding's text, so whether there is one)."""
    return (first_system is None, seen_other, previous_role)


@check
def check_roles(view: RequestView) -> Iterator[Finding]:
    messages = view.messages
    if not messages:
        return
    split = view.remembered
    if split is None or split.context is None or messages is not split.body.get("messages"):
        yield from _roles(view, enumerate(messages))
        return
    key, target = walk.mark_key("roles.check_roles", split, view)
    walked = _Walk(messages, split, key, target)
    for finding in _roles(view, walked):
        walked.dirty = True
        yield finding
    walked.finish()


def _roles(view: RequestView, stream: Iterable[tuple[int, Any]]) -> Iterator[Finding]:
    messages = view.messages
    profile = view.provider
    # On an unrecognised host the vendor inferred from the model name: its validator's conditions (DeepSeek's
    # reasoner alternation, Mistral's prefill and tool/user order) are read for it, and report_judged gives
    # its level. Server conditions (llama.cpp, Perplexity, local templates) stay the host's.
    pid = judged_id(view)
    family = family_of(view)
    vendor_family = (
        family if pid == provider_id(view) else BUILTIN_PROFILES[pid].family_for(model_for_family(view))
    )
    keys_by_role = profile.message_keys
    developer_undocumented = family.rejects_system_role or not profile.developer_role_documented
    local = profile.local
    model = (view.model or "").lower()
    reasoner = pid == "deepseek" and vendor_family.id == "deepseek-reasoner"
    strict_alternation = (
        pid == "perplexity" or reasoner or (local and bool(_STRICT_TEMPLATE_MODELS.search(model)))
    )
    system_first_only = pid in _SYSTEM_FIRST_ONLY or local
    previous_role: str | None = None
    seen_other = False
    first_system: int | None = None
    for index, message in stream:
        if not isinstance(message, dict):
            if message.__class__ is _Met:
                met: _Met = message
                met.mark = (*met.key, *_state(first_system, seen_other, previous_role))
                if met.entry.clean.get(met.mark) is met.target:
                    block_system, other, last_role = _summary_of(met.entry)
                    if first_system is None and block_system is not None:
                        first_system = index + block_system
                    seen_other = seen_other or other
                    previous_role = last_role
                    met.taken = True
                continue
            previous_role = None
            continue
        role = message.get("role")
        if role == "system":
            if first_system is None:
                first_system = index
            else:
                yield from report_judged(
                    MULTIPLE_SYSTEM,
                    view,
                    f"messages[{index}].role",
                    f"messages[{index}] is a second system message (the first is messages[{first_system}]); "
                    f"{judged_name(MULTIPLE_SYSTEM, view)} takes one. Merge their text into messages[{first_system}].",
                )
            if family.rejects_system_role or (local and _NO_SYSTEM_TEMPLATE_MODELS.search(model)):
                yield from SYSTEM_UNSUPPORTED.report(
                    view,
                    f"messages[{index}].role",
                    f"{model_for_family(view) or view.model} does not accept system messages; merge the "
                    "instructions into the first user message.",
                )
            elif system_first_only and seen_other:
                yield from SYSTEM_NOT_FIRST.report(
                    view,
                    f"messages[{index}].role",
                    f"messages[{index}] is a system message after a {previous_role or 'non-system'} message; "
                    f"{profile.name} takes system messages only at the start. Move it to the front or merge "
                    "it into the first system message.",
                )
        elif role == "developer" and developer_undocumented:
            # A model without a system role (o1-mini) refuses `system` too: its text goes to the user turn.
            instead = (
                "it has no system role either, so merge the instructions into the first user message"
                if family.rejects_system_role
                else "send it as `system`"
            )
            yield from DEVELOPER_UNSUPPORTED.report(
                view,
                f"messages[{index}].role",
                f"{profile.name} ({view.model}) does not take the `developer` role; {instead}.",
            )
        if keys_by_role is not None and isinstance(role, str):
            yield from _check_keys(view, keys_by_role, f"messages[{index}]", role, message)
        elif (
            profile.name_roles is not None
            and isinstance(role, str)
            and role not in profile.name_roles
            and "name" in message
        ):
            yield from NAME_UNSUPPORTED.report(
                view,
                f"messages[{index}].name",
                f"{profile.name} takes `name` only on {' and '.join(sorted(profile.name_roles))} messages, not "
                f"on a {role} message; drop it (or put the speaker's name into the content).",
            )
        if role in ("user", "assistant", "tool") and not seen_other:
            if reasoner and role != "user":
                yield from report_judged(
                    FIRST_NOT_USER,
                    view,
                    f"messages[{index}].role",
                    f"messages[{index}] is the first message after the system messages but a {role} message; "
                    f"{view.model} needs a user message first. Drop it or put a user message before it.",
                )
            seen_other = True
        if (
            strict_alternation
            and role in ("user", "assistant")
            and role == previous_role
            and not (role == "assistant" and message.get("tool_calls"))
        ):
            yield from report_judged(
                ALTERNATION,
                view,
                f"messages[{index}].role",
                f"messages[{index}] is the second {role} message in a row; {judged_name(ALTERNATION, view)} ({view.model}) requires "
                "user and assistant to alternate. Merge the two messages.",
            )
        # Mistral's validator (mistral_common): on Mistral's API always, elsewhere for its models; the
        # policy says where that is an error.
        if role == "user" and previous_role == "tool" and (pid == "mistral" or MISTRAL_MODELS.search(model)):
            yield from report_judged(
                USER_AFTER_TOOL,
                view,
                f"messages[{index}].role",
                f"messages[{index}] is a user message right after a tool message; {judged_name(USER_AFTER_TOOL, view)} wants an assistant "
                "message answering the tool results first. Insert the assistant's reply before it.",
            )
        previous_role = role if isinstance(role, str) else None
    yield from _check_tail(view, messages, pid, reasoner, model)


def _check_keys(
    view: RequestView, keys_by_role: Any, where: str, role: str, message: dict[str, Any]
) -> Iterator[Finding]:
    allowed = keys_by_role.get(role)
    if allowed is None:
        return  # the role itself is reported by messages.unknown-role
    name = view.provider.name
    for key in message:
        if key in allowed:
            continue
        if key == "name":
            yield from NAME_UNSUPPORTED.report(
                view,
                f"{where}.name",
                f"{name} rejects `name` on {role} messages; drop it (or put the speaker's name into the content).",
            )
        else:
            yield from UNKNOWN_MESSAGE_KEY.report(
                view,
                f"{where}.{key}",
                f"{name} rejects the key `{key}` on {role} messages; strip it before sending the history.",
            )
    call_keys = view.provider.tool_call_keys
    calls = message.get("tool_calls")
    if role != "assistant" or call_keys is None or not isinstance(calls, list):
        return
    for index, call in enumerate(calls):
        if not isinstance(call, dict):
            continue  # a malformed call is shape.*'s
        for key in call:
            if key not in call_keys:
                yield from UNKNOWN_MESSAGE_KEY.report(
                    view,
                    f"{where}.tool_calls[{index}].{key}",
                    f"{name} rejects the key `{key}` on a tool call (it takes {', '.join(sorted(call_keys))}); "
                    "strip it before sending the history.",
                )


def _check_tail(
    view: RequestView, messages: list[Any], pid: str, reasoner: bool, model: str
) -> Iterator[Finding]:
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return
    index = len(messages) - 1
    if pid == "llama.cpp" or checked_as(view) == "llama.cpp":
        if index >= 1 and isinstance(messages[-2], dict) and messages[-2].get("role") == "assistant":
            yield from TRAILING_ASSISTANTS.report(
                view,
                f"messages[{index}]",
                f"messages[{index - 1}] and messages[{index}] are both assistant messages at the end; llama.cpp "
                "treats the last one as a prefill and refuses two. Merge them or end with a user/tool message.",
            )
        elif last.get("tool_calls"):
            yield from PREFILL_WITH_TOOL_CALLS.report(
                view,
                f"messages[{index}]",
                f"messages[{index}] ends the conversation with tool calls; send the tool results after it "
                "before asking for the next completion.",
            )
        elif THINKING_TEMPLATE_MODELS.search(model) and not _thinking_disabled(view):
            yield from report_judged(
                ASSISTANT_LAST,
                view,
                f"messages[{index}].role",
                f"messages[{index}] is an assistant message at the end (a prefill); llama.cpp turns "
                f"enable_thinking on for {view.model}'s template and then refuses a prefill (llama-server since its "
                "enable_thinking prefill check, ggml-org/llama.cpp#15404; recent builds still refuse it, "
                "opencode#27920). End with a user message, or send chat_template_kwargs: "
                '{"enable_thinking": false}.',
            )
        return
    if last.get("tool_calls") or last.get("prefix") is True:
        return
    if pid == "mistral" or reasoner or (pid == "copilot" and _CLAUDE.search(model)):
        yield from report_judged(
            ASSISTANT_LAST,
            view,
            f"messages[{index}].role",
            f"messages[{index}] is an assistant message at the end (a prefill), which {judged_name(ASSISTANT_LAST, view)} "
            f"({view.model}) does not take here; end with a user message"
            + (", or set `prefix: true` on it." if pid in ("mistral", "deepseek") else "."),
        )


def _thinking_disabled(view: RequestView) -> bool:
    """The request turns the template's thinking off (``chat_template_kwargs.enable_thinking: false``,
    the switch llama-server reads per request)."""
    kwargs = view.body.get("chat_template_kwargs")
    return isinstance(kwargs, dict) and kwargs.get("enable_thinking") is False


NO_USER_MESSAGE = define(
    "roles.no-user-message",
    Severity.ERROR,
    "The conversation has no user message (system, assistant and tool messages only): Zhipu's GLM API "
    "refuses it as an illegal messages parameter.",
    policy=policy(error=("zhipu",)),
    predicts=(
        PredictedError(
            # A tool-calling history replayed after a system prompt, without the user's turn.
            provider="zhipu",
            text='"error":{"code":"1214","message":"messages 参数非法。请检查文档。"',
            source="https://github.com/MetaGLM/zhipuai-sdk-python-v4/issues/14",
        ),
        PredictedError(
            # Z.ai abroad, in English; a commenter traced it to requests with zero user messages.
            provider="zhipu",
            text="AI_APICallError: The messages parameter is illegal. Please check the documentation.",
            source="https://github.com/anomalyco/opencode/issues/2557",
        ),
    ),
    example={
        "model": "glm-4.6",
        "messages": [
            {"role": "system", "content": "You call tools for the user."},
            {"role": "assistant", "content": "Ready."},
        ],
    },
    example_url="https://open.bigmodel.cn/api/paas/v4/chat/completions",
    fixed={
        "model": "glm-4.6",
        "messages": [{"role": "system", "content": "You call tools for the user."}, _USER],
    },
    notes=(
        "OpenAI and most servers answer a conversation without a user turn; GLM's API (code 1214) does not. "
        "Keep the user's question in the history sent back with tool results."
    ),
)


@check
def check_user_present(view: RequestView) -> Iterator[Finding]:
    """Zhipu needs at least one user message (the policy names where this is an error)."""
    messages = view.messages
    if not messages or any(isinstance(m, dict) and m.get("role") == "user" for m in messages):
        return
    if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
        return  # a malformed message is messages.*'s
    yield from report_judged(
        NO_USER_MESSAGE,
        view,
        "messages",
        "The conversation has no user message; "
        f"{judged_name(NO_USER_MESSAGE, view)} refuses it (code 1214, messages parameter illegal). Include the user's turn.",
    )
