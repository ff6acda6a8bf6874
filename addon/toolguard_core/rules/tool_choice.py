"""tool_choice.*: the tool_choice field against the declared tools and the target provider
(moved out of tools.py so a rule id's prefix names its module, issue #15)."""

from __future__ import annotations

from collections.abc import Iterator

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RequestView
from toolguard_core.rules.examples import USER, example_tool
from toolguard_core.rules.policy import (
    OPENAI_FAMILY,
    has_tools,
    provider_id,
    report,
    severity_for,
)
from toolguard_core.rules.registry import PredictedError, check, define

TOOL_CHOICE_MODES = frozenset({"none", "auto", "required"})

TOOL_CHOICE_WITHOUT_TOOLS = define(
    "tool_choice.without-tools",
    Severity.ERROR,
    "`tool_choice` is set but the request has no `tools`.",
    providers=("vllm", "sglang"),
    predicts=(
        PredictedError(
            provider="vllm",
            text="When using `tool_choice`, `tools` must be set.",
            source="code [VLLM-CHAT] vllm/entrypoints/openai/chat_completion/protocol.py",
        ),
    ),
    example={"model": "Qwen/Qwen3-8B", "messages": [USER], "tool_choice": "auto"},
    example_url="http://localhost:8000/v1/chat/completions",
    notes=(
        "An error on vLLM (code). OpenAI's text (\"Invalid value for 'tool_choice': 'tool_choice' is only "
        "allowed when 'tools' are specified.\") is only inferred from its confirmed `parallel_tool_calls` "
        'sibling (providers.md §7), so it is a warning there and elsewhere. `tool_choice: "none"` is '
        "accepted by vLLM without tools."
    ),
)


TOOL_CHOICE_UNKNOWN_FUNCTION = define(
    "tool_choice.unknown-function",
    Severity.ERROR,
    "`tool_choice` names a function that is not among the request's `tools`.",
    providers=("vllm", "sglang"),
    predicts=(
        PredictedError(
            provider="vllm",
            text="The tool specified in `tool_choice` does not match any of the specified `tools`",
            source="code [VLLM-CHAT] vllm/entrypoints/openai/chat_completion/protocol.py",
        ),
    ),
    example={
        "model": "Qwen/Qwen3-8B",
        "messages": [USER],
        "tools": [example_tool()],
        "tool_choice": {"type": "function", "function": {"name": "get_forecast"}},
    },
    example_url="http://localhost:8000/v1/chat/completions",
    notes="OpenAI's answer is not confirmed (warning there and elsewhere); Ollama ignores `tool_choice`.",
)


TOOL_CHOICE_INVALID = define(
    "tool_choice.invalid",
    Severity.ERROR,
    '`tool_choice` is neither `none`/`auto`/`required` nor `{"type": "function", "function": {"name": ...}}`.',
    providers=("openai", "azure", "vllm", "sglang"),
    predicts=(
        PredictedError(
            provider="openai",
            text="'$.tool_choice' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
            source="https://github.com/Azure/azure-sdk-for-js/issues/28325",
        ),
    ),
    example={"model": "gpt-4o", "messages": [USER], "tools": [example_tool()], "tool_choice": "get_weather"},
    notes=(
        'A bare function name (`tool_choice: "multiply"`, https://github.com/langchain-ai/langchain/issues/16767) '
        "or the flat `{type, name}` Responses shape. Mistral's own value `any` is valid on Mistral only."
    ),
)


@check
def check_tool_choice(view: RequestView) -> Iterator[Finding]:
    body = view.body
    choice = body.get("tool_choice")
    if choice is None:
        return
    pid = provider_id(view)
    if pid == "ollama":
        return  # Ollama ignores tool_choice (doc [OLL-DOC])
    if not has_tools(body):
        if pid in ("vllm", "sglang"):
            # vLLM validates only when tools is absent/null; "none" needs no tools.
            severity = Severity.ERROR if body.get("tools") is None and choice != "none" else None
        else:
            severity = None if choice == "none" else severity_for(view, error=(), silent=("llama.cpp",))
        yield from report(
            TOOL_CHOICE_WITHOUT_TOOLS,
            severity,
            "tool_choice",
            f"tool_choice is {choice!r} but the request sends no tools; drop tool_choice on turns without tools.",
        )
        return
    shape_severity = severity_for(view, error=(*OPENAI_FAMILY, "vllm", "sglang"), silent=("llama.cpp",))
    if isinstance(choice, str):
        if choice in TOOL_CHOICE_MODES or (choice == "any" and pid == "mistral"):
            return
        yield from report(
            TOOL_CHOICE_INVALID,
            shape_severity,
            "tool_choice",
            f"tool_choice {choice!r} is not one of 'none', 'auto', 'required'. To force one function send "
            f"{{'type': 'function', 'function': {{'name': {choice!r}}}}}.",
        )
        return
    function = choice.get("function") if isinstance(choice, dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(choice, dict) or choice.get("type") != "function" or not isinstance(name, str):
        flat = isinstance(choice, dict) and "name" in choice
        yield from report(
            TOOL_CHOICE_INVALID,
            shape_severity,
            "tool_choice",
            "tool_choice must be {'type': 'function', 'function': {'name': ...}}"
            + (" (the flat {type, name} shape is the Responses API's)." if flat else "."),
        )
        return
    declared = {
        tool["function"].get("name")
        for tool in body["tools"]
        if isinstance(tool, dict)
        and isinstance(tool.get("function"), dict)
        and isinstance(tool["function"].get("name"), str)
    }
    if name not in declared:
        yield from report(
            TOOL_CHOICE_UNKNOWN_FUNCTION,
            severity_for(view, error=("vllm", "sglang"), silent=("llama.cpp",)),
            "tool_choice.function.name",
            f"tool_choice forces {name!r}, which is not among the declared tools "
            f"({', '.join(sorted(n for n in declared if isinstance(n, str))) or 'none'}).",
        )
