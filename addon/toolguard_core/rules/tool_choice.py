"""tool_choice.*: the tool_choice field against the declared tools and the target provider
(moved out of tools.py so a rule id's prefix names its module, issue #15)."""

from __future__ import annotations

from collections.abc import Iterator

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RequestView
from toolguard_core.rules.examples import USER, example_tool
from toolguard_core.rules.inferred import judged_id, judged_name, report_judged
from toolguard_core.rules.policy import has_tools
from toolguard_core.rules.registry import PredictedError, check, define, policy

TOOL_CHOICE_MODES = frozenset({"none", "auto", "required"})
#: Providers that take a further string mode: Mistral's own ``any``, which Fireworks' validator
#: lists too ("Input should be 'auto', 'none', 'any' or 'required'", onyx-dot-app/onyx#9010).
EXTRA_MODES: dict[str, frozenset[str]] = {"mistral": frozenset({"any"}), "fireworks": frozenset({"any"})}
#: Providers whose validator refuses an explicit ``tool_choice: null`` instead of treating it as
#: absent: Fireworks answers "Input should be 'auto', 'none', 'any' or 'required' ... value: None"
#: (onyx-dot-app/onyx#9010, a client that sends null on turns without tools); Groq answers "Only allowed
#: string values for 'tool_choice' are none, auto, and required" (brianpetro/obsidian-smart-connections#942,
#: a body carrying ``"tool_choice": null``).
NULL_REJECTED = frozenset({"fireworks", "groq"})
#: Providers that take fewer string modes than OpenAI's three: Z.AI (Zhipu GLM) answers anything but
#: "auto" with "Tool choice must be auto" (vectorize-io/hindsight#4246: "required" and the object form
#: refused, "auto" accepted; Zhipu's API reference: "currently only auto is supported").
ONLY_MODES: dict[str, frozenset[str]] = {"zhipu": frozenset({"auto"})}

TOOL_CHOICE_WITHOUT_TOOLS = define(
    "tool_choice.without-tools",
    Severity.ERROR,
    "`tool_choice` is set but the request has no `tools`.",
    policy=policy(
        error=("vllm", "sglang", "openai-family"),
        silent=("llama.cpp", "ollama"),
        otherwise=Severity.WARNING,
        conditions={"vllm": "tools absent or null", "sglang": "tools absent or null"},
    ),
    predicts=(
        PredictedError(
            provider="vllm",
            text="When using `tool_choice`, `tools` must be set.",
            source="code [VLLM-CHAT] vllm/entrypoints/openai/chat_completion/protocol.py",
        ),
        PredictedError(
            # An agent forwarded its default tool_choice "auto" on a turn that registered no tools.
            provider="openai",
            text="Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
            source="https://github.com/dapr/dapr-agents/issues/248",
            param="tool_choice",
        ),
    ),
    example={"model": "Qwen/Qwen3-8B", "messages": [USER], "tool_choice": "auto"},
    example_url="http://localhost:8000/v1/chat/completions",
    fixed={"model": "Qwen/Qwen3-8B", "messages": [USER]},
    notes=(
        "An error on vLLM (code) and on OpenAI's validator (OpenAI and Azure OpenAI), whose text dapr-agents#248 "
        'quotes; a warning elsewhere (a gateway may drop it). `tool_choice: "none"` is not flagged: vLLM '
        "accepts it without tools and no OpenAI refusal of it is known."
    ),
)


TOOL_CHOICE_UNKNOWN_FUNCTION = define(
    "tool_choice.unknown-function",
    Severity.ERROR,
    "`tool_choice` names a function that is not among the request's `tools`.",
    policy=policy(
        error=("vllm", "sglang", "groq"), silent=("llama.cpp", "ollama"), otherwise=Severity.WARNING
    ),
    predicts=(
        PredictedError(
            provider="vllm",
            text="The tool specified in `tool_choice` does not match any of the specified `tools`",
            source="code [VLLM-CHAT] vllm/entrypoints/openai/chat_completion/protocol.py",
        ),
        PredictedError(
            # LiteLLM's Groq transform forced a tool by a name the request's tools did not carry.
            provider="groq",
            text='GroqException - {"error":{"message":"requested tool does not exist","type":"invalid_request_error"}}',
            source="https://github.com/BerriAI/litellm/issues/11001",
        ),
    ),
    example={
        "model": "Qwen/Qwen3-8B",
        "messages": [USER],
        "tools": [example_tool()],
        "tool_choice": {"type": "function", "function": {"name": "get_forecast"}},
    },
    example_url="http://localhost:8000/v1/chat/completions",
    fixed={
        "model": "Qwen/Qwen3-8B",
        "messages": [USER],
        "tools": [example_tool()],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    },
    notes=(
        "OpenAI's answer is not confirmed (warning there and elsewhere); Ollama ignores `tool_choice`. Groq "
        'answers a forced name missing from `tools` with "requested tool does not exist" (BerriAI/litellm#11001; '
        "\"Requested tool '' does not exist.\" for an object without a name, groq/groq-typescript#38)."
    ),
)


TOOL_CHOICE_INVALID = define(
    "tool_choice.invalid",
    Severity.ERROR,
    '`tool_choice` is neither `none`/`auto`/`required` nor `{"type": "function", "function": {"name": ...}}`.',
    policy=policy(
        error=("openai-family", "vllm", "sglang", "fireworks", "groq"),
        silent=("llama.cpp", "ollama"),
        otherwise=Severity.WARNING,
    ),
    predicts=(
        PredictedError(
            provider="groq",
            text="Only allowed string values for 'tool_choice' are none, auto, and required",
            source="https://github.com/brianpetro/obsidian-smart-connections/issues/942",
        ),
        PredictedError(
            # `tool_choice: {"string": "none"}` (the SDK's mistyped shape): no function name at all.
            provider="groq",
            text="Requested tool '' does not exist.",
            source="https://github.com/groq/groq-typescript/issues/38",
        ),
        PredictedError(
            provider="openai",
            text="'$.tool_choice' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
            source="https://github.com/Azure/azure-sdk-for-js/issues/28325",
        ),
        PredictedError(
            provider="fireworks",
            text=(
                "2 request validation errors: Input should be 'auto', 'none', 'any' or 'required', field: "
                "'tool_choice.literal[\\'auto\\',\\'none\\',\\'any\\',\\'required\\']', value: None; Input "
                "should be a valid dictionary or object to extract fields from, field: "
                "'tool_choice.FunctionSelection', value: None"
            ),
            source="https://github.com/onyx-dot-app/onyx/issues/9010",
        ),
    ),
    example={"model": "gpt-4o", "messages": [USER], "tools": [example_tool()], "tool_choice": "get_weather"},
    fixed={
        "model": "gpt-4o",
        "messages": [USER],
        "tools": [example_tool()],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    },
    notes=(
        'A bare function name (`tool_choice: "multiply"`, https://github.com/langchain-ai/langchain/issues/16767) '
        "or the flat `{type, name}` Responses shape. Mistral's own value `any` is valid on Mistral and "
        "Fireworks. Fireworks' validator (a union of those strings and a function selection) and Groq's also "
        "refuse an explicit `null`: omit the field instead."
    ),
)


TOOL_CHOICE_FORM_UNSUPPORTED = define(
    "tool_choice.form-unsupported",
    Severity.ERROR,
    "A `tool_choice` form the provider does not take: the forced-function object where only string modes "
    "are taken (Cerebras, LM Studio, Z.AI), or a mode other than `auto` on Z.AI.",
    policy=policy(error=("cerebras", "lmstudio", "zhipu")),
    predicts=(
        PredictedError(
            provider="cerebras",
            text=(
                "Unsupported tool_choice: type='function' function=ChoiceObjectFunction(name='Steps'). "
                "Expected 'auto' or 'none'."
            ),
            source="https://github.com/567-labs/instructor/issues/1766",
            param="tool_choice",
            code="wrong_api_format",
        ),
        PredictedError(
            provider="lmstudio",
            text="Invalid tool_choice type: 'object'. Supported string values: none, auto, required",
            source="https://github.com/567-labs/instructor/issues/2048",
        ),
        PredictedError(
            provider="zhipu",
            text='{"error":{"message":"Tool choice must be auto","code":400,"metadata":{"provider_name":"Z.AI"}}}',
            source="https://github.com/vectorize-io/hindsight/issues/4246",
        ),
    ),
    example={
        "model": "gpt-oss-120b",
        "messages": [USER],
        "tools": [example_tool()],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    },
    example_url="https://api.cerebras.ai/v1/chat/completions",
    fixed={"model": "gpt-oss-120b", "messages": [USER], "tools": [example_tool()], "tool_choice": "auto"},
    notes="Send `auto` and name the function in the prompt, or send only that one tool.",
)


@check
def check_tool_choice(view: RequestView) -> Iterator[Finding]:
    body = view.body
    choice = body.get("tool_choice")
    pid = judged_id(view)
    if choice is None:
        if "tool_choice" in body and pid in NULL_REJECTED:
            yield from report_judged(
                TOOL_CHOICE_INVALID,
                view,
                "tool_choice",
                f"tool_choice is null; {judged_name(TOOL_CHOICE_INVALID, view)} does not read null as 'not set' and rejects it. Omit "
                "tool_choice when there is nothing to choose.",
            )
        return
    if pid == "ollama":
        return  # Ollama ignores tool_choice (doc [OLL-DOC])
    if not has_tools(body):
        if choice == "none" or (pid in ("vllm", "sglang") and body.get("tools") is not None):
            return  # "none" needs no tools; vLLM validates only when tools is absent/null
        yield from report_judged(
            TOOL_CHOICE_WITHOUT_TOOLS,
            view,
            "tool_choice",
            f"tool_choice is {choice!r} but the request sends no tools; drop tool_choice on turns without tools.",
        )
        return
    if isinstance(choice, str):
        only = ONLY_MODES.get(pid)
        if only is not None and choice in TOOL_CHOICE_MODES and choice not in only:
            yield from report_judged(
                TOOL_CHOICE_FORM_UNSUPPORTED,
                view,
                "tool_choice",
                f"tool_choice is {choice!r}; {judged_name(TOOL_CHOICE_FORM_UNSUPPORTED, view)} takes only {', '.join(sorted(only))}. Send "
                "'auto' and, to force a call, send only the tool that must be called.",
            )
            return
        if choice in TOOL_CHOICE_MODES or choice in EXTRA_MODES.get(pid, ()):
            return
        yield from report_judged(
            TOOL_CHOICE_INVALID,
            view,
            "tool_choice",
            f"tool_choice {choice!r} is not one of 'none', 'auto', 'required'. To force one function send "
            f"{{'type': 'function', 'function': {{'name': {choice!r}}}}}.",
        )
        return
    function = choice.get("function") if isinstance(choice, dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(choice, dict) or choice.get("type") != "function" or not isinstance(name, str):
        flat = isinstance(choice, dict) and "name" in choice
        yield from report_judged(
            TOOL_CHOICE_INVALID,
            view,
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
    # Which providers take only the string modes is the rule's policy (declared once, on the rule).
    yield from report_judged(
        TOOL_CHOICE_FORM_UNSUPPORTED,
        view,
        "tool_choice",
        f"tool_choice forces {name!r}; {judged_name(TOOL_CHOICE_FORM_UNSUPPORTED, view)} takes only the string modes. Send 'auto' "
        "('required' where accepted) and only the tool you want called, if it must be that one.",
    )
    if name not in declared:
        yield from report_judged(
            TOOL_CHOICE_UNKNOWN_FUNCTION,
            view,
            "tool_choice.function.name",
            f"tool_choice forces {name!r}, which is not among the declared tools "
            f"({', '.join(sorted(n for n in declared if isinstance(n, str))) or 'none'}).",
        )
