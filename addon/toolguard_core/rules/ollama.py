"""Ollama's native chat API rules (``POST /api/chat``, https://docs.ollama.com/api/chat, checked 2026-12-01).

The body is Ollama's ``ChatRequest`` (api/types.go): ``model``, ``messages`` (each a ``Message`` with a string
``content`` and, beside it, ``images`` (base64 strings), ``tool_calls``, ``thinking``, ``tool_name``), ``tools``
(OpenAI's function shape), ``format`` (``"json"`` or a JSON schema), ``options``, ``stream`` (true unless false),
``keep_alive``, ``think`` (a bool, or ``"high"``/``"medium"``/``"low"``). Ollama decodes it with Go's
``encoding/json`` into typed fields, so a JSON value of the wrong type is refused before the model runs ("json:
cannot unmarshal array into Go struct field ChatRequest.messages.content of type string"), and it checks the model's
template for the capability a request asks for ("... does not support tools", "... does not support thinking").

Severity: Ollama (``ollama``) answers with the texts below. ``/api/chat`` is Ollama's own path, so a request to it
on an unrecognised host (Open WebUI's ``/ollama/api/chat`` proxy, a remote Ollama) is judged as Ollama's; a server
recognised only by Ollama's port gets a warning, as for the chat rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from toolguard_core.catalog import ollama_library
from toolguard_core.findings import Finding, Severity
from toolguard_core.request import OLLAMA, RequestView
from toolguard_core.rules.jsonvalues import json_type
from toolguard_core.rules.registry import RULES, PredictedError, check, define, engine_profile, policy

OLLAMA_CHAT_URL = "http://localhost:11434/api/chat"
#: The chat-completions rule this module reports on the native path too (one declaration, found in the
#: registry: rule modules do not import each other): tools sent to a model whose template has none.
MODEL_NO_TOOLS = "quirks.ollama-model-no-tools"

_USER = {"role": "user", "content": "What is the weather in Paris?"}
_OLLAMA = policy(error=("ollama", "generic"), otherwise=Severity.WARNING)

#: ChatRequest's typed fields (api/types.go) and the JSON type Go decodes each from: a value of another JSON type
#: is refused with "json: cannot unmarshal <type> into Go struct field ChatRequest.<path> of type <Go type>".
#: ``format``, ``options`` values and ``tool_calls[].function.arguments`` values take any JSON; ``think`` takes a
#: bool or a string, ``keep_alive`` a string or a number.
REQUEST_TYPES: dict[str, tuple[str, ...]] = {
    "model": ("string",),
    "messages": ("array",),
    "tools": ("array", "null"),
    "options": ("object", "null"),
    "stream": ("boolean", "null"),
    "think": ("boolean", "string", "null"),
    "keep_alive": ("string", "number", "null"),
}
MESSAGE_TYPES: dict[str, tuple[str, ...]] = {
    "role": ("string",),
    "content": ("string", "null"),
    "thinking": ("string", "null"),
    "images": ("array", "null"),
    "tool_calls": ("array", "null"),
    "tool_name": ("string", "null"),
}
#: Go's name for each field's type, as the refusal quotes it.
GO_TYPES = {
    "messages": "[]api.Message",
    "content": "string",
    "images": "[]api.ImageData",
    "tool_calls": "[]api.ToolCall",
    "options": "map[string]interface {}",
    "model": "string",
    "role": "string",
    "tools": "api.Tools",
}

FIELD_TYPE = define(
    "ollama.field-type",
    Severity.ERROR,
    "A field of Ollama's /api/chat body with a JSON type Ollama's decoder refuses (content given as a list of "
    "parts, messages as a string, a message as a string, ...).",
    policy=_OLLAMA,
    predicts=(
        PredictedError(
            provider="ollama",
            text='{"error":"json: cannot unmarshal array into Go struct field ChatRequest.messages.content of type string"}',
            source="https://github.com/ollama/ollama/issues/10255",
        ),
        PredictedError(
            provider="ollama",
            text=(
                "json: cannot unmarshal string into Go struct field ChatRequest.messages.tool_calls.function.arguments "
                "of type api.ToolCallFunctionArguments"
            ),
            source="https://github.com/ollama/ollama/blob/main/api/types.go",
        ),
    ),
    example={
        "model": "llama3.1",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi."}]}],
    },
    example_url=OLLAMA_CHAT_URL,
    fixed={"model": "llama3.1", "messages": [{"role": "user", "content": "Hi."}]},
    notes=(
        "Ollama's native messages take a string `content`; images go in the message's `images` list (base64), tool "
        "call arguments are a JSON object, not a string. OpenAI-shaped bodies belong on /v1/chat/completions, which "
        "converts them. The first quoted text is the decoder's wording for the field types the API reference lists; "
        "the second is api/types.go's ToolCallFunctionArguments. Field types from the API reference "
        "(https://docs.ollama.com/api/chat)."
    ),
)
THINK_UNSUPPORTED = define(
    "ollama.think-unsupported",
    Severity.ERROR,
    "`think` enabled for a model that does not reason (Ollama's library tags, else the catalog): Ollama checks the "
    "model's template and refuses it.",
    policy=_OLLAMA,
    predicts=(
        PredictedError(
            provider="ollama",
            text="Error: registry.ollama.ai/library/gemma3n:e4b-it-q8_0 does not support thinking (status code: 400)",
            source="https://github.com/taketwo/llm-ollama/pull/54",
        ),
        PredictedError(
            provider="ollama",
            text='{"error":"registry.ollama.ai/library/test-deepseekr1:7b does not support thinking"}',
            source="https://github.com/ollama/ollama/issues/11439",
        ),
    ),
    example={"model": "gemma3:12b", "messages": [_USER], "think": True},
    example_url=OLLAMA_CHAT_URL,
    fixed={"model": "gemma3:12b", "messages": [_USER]},
    notes=(
        "Omit `think` (or send false) for models without a thinking template; thinking models are listed with the "
        "`thinking` capability on ollama.com (and `ollama show`). A library name (any tag, `library/` or "
        "`registry.ollama.ai/library/` prefix) is judged by the library's tags (data/ollama_library.json); other "
        "names only when the catalog knows the model as non-reasoning: a custom GGUF's or `hf.co/` model's "
        "template is not knowable from its name."
    ),
)

# ----------------------------------------------------------------------------- checks


def _judged(view: RequestView) -> str | None:
    """The path is Ollama's own API: on an unrecognised host judge as Ollama."""
    return "ollama" if view.provider.id == "generic" else None


def _type_finding(
    view: RequestView, path: str, name: str, value: Any, wanted: tuple[str, ...]
) -> Iterator[Finding]:
    sent = json_type(value)
    if sent in wanted or (sent == "integer" and "number" in wanted):
        return
    go = GO_TYPES.get(name, " or ".join(w for w in wanted if w != "null"))
    fix = {
        "content": " Send the text as a string and images in the message's `images` list.",
        "messages": " Send a list of message objects.",
    }.get(name, "")
    yield from FIELD_TYPE.report(
        view,
        path,
        f'`{path}` is a JSON {sent}; Ollama decodes it as {go} and refuses the request ("json: cannot unmarshal '
        f"{sent} into Go struct field ChatRequest.{path.split('[')[0] if '[' not in path else _go_path(path)} of type "
        f'{go}").{fix}',
        judged_as=_judged(view),
    )


def _go_path(path: str) -> str:
    """``messages[0].content`` → ``messages.content`` (Go's path has no indices)."""
    out = []
    for part in path.split("."):
        out.append(part.split("[", 1)[0])
    return ".".join(out)


@check(endpoints=(OLLAMA,))
def check_ollama_chat(view: RequestView) -> Iterator[Finding]:
    """Field types (Go's decoder), tools on a model without them, ``think`` on a model that does not reason."""
    body = view.body
    for name, wanted in REQUEST_TYPES.items():
        if name in body:
            yield from _type_finding(view, name, name, body[name], wanted)
    messages = body.get("messages")
    if isinstance(messages, list):
        for index, message in enumerate(messages):
            where = f"messages[{index}]"
            if not isinstance(message, dict):
                yield from FIELD_TYPE.report(
                    view,
                    where,
                    f"`{where}` is a JSON {json_type(message)}; Ollama decodes each message as an api.Message object.",
                    judged_as=_judged(view),
                )
                continue
            for name, wanted in MESSAGE_TYPES.items():
                if name in message:
                    yield from _type_finding(view, f"{where}.{name}", name, message[name], wanted)
            calls = message.get("tool_calls")
            if isinstance(calls, list):
                for position, call in enumerate(calls):
                    function = call.get("function") if isinstance(call, dict) else None
                    arguments = function.get("arguments") if isinstance(function, dict) else None
                    if isinstance(arguments, str):
                        path = f"{where}.tool_calls[{position}].function.arguments"
                        yield from FIELD_TYPE.report(
                            view,
                            path,
                            f"`{path}` is a JSON string; Ollama's native API takes the arguments as a JSON object "
                            '("cannot unmarshal string into Go struct field ChatRequest.messages.tool_calls.function.'
                            'arguments of type api.ToolCallFunctionArguments"). Send the parsed object.',
                            judged_as=_judged(view),
                        )
    model = view.model or ""
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        engine = engine_profile(view)
        served = (
            view.provider
            if view.provider.id == "ollama"
            else engine
            if engine and engine.id == "ollama"
            else None
        )
        family = served.family_for(model) if served is not None else None
        info = view.model_info
        no_tools = (family is not None and family.function_calling is False) or (
            info is not None and info.function_calling is False and not info.lossy
        )
        if no_tools:
            yield from RULES[MODEL_NO_TOOLS].report(
                view,
                "tools",
                f"Ollama's {model} has no tool support in its template, so Ollama refuses `tools` (\"does not "
                'support tools"); use a model with tools (llama3.1, qwen3, ...) or drop `tools`.',
                judged_as=_judged(view),
            )
    think = body.get("think")
    if think is True or think in ("high", "medium", "low"):
        info = view.model_info
        # A library name: the library's tags are what Ollama checks (its template); else the catalog.
        library = ollama_library(model)
        no_thinking = (
            "thinking" not in library[1]["capabilities"]
            if library is not None
            else info is not None and info.reasoning is False and not info.lossy
        )
        if no_thinking:
            why = (
                f"Ollama's library lists no thinking capability for {library[0]}"
                if library is not None
                else "its template has no thinking"
            )
            yield from THINK_UNSUPPORTED.report(
                view,
                "think",
                f"`think` is {think!r} but {model} does not reason ({why}), so Ollama refuses "
                'it ("does not support thinking"). Omit `think` or use a thinking model (qwen3, deepseek-r1, ...).',
                judged_as=_judged(view),
            )
