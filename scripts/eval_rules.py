#!/usr/bin/env python
"""Rule accuracy on the labelled corpus of real failures (issue 9, deliverable 4).

    .venv/bin/python scripts/eval_rules.py                  # table for dev and held-out
    .venv/bin/python scripts/eval_rules.py --split dev      # one part only
    .venv/bin/python scripts/eval_rules.py --json           # machine-readable
    .venv/bin/python scripts/eval_rules.py --split dev --misses   # dev misses, to write rules from
    .venv/bin/python scripts/eval_rules.py --probe [--misses]     # the fresh probe set (probe-rules.jsonl)
    .venv/bin/python scripts/eval_rules.py --probe-file tests/data/corpus/probe-provider-rules.jsonl --misses
    .venv/bin/python scripts/eval_rules.py --leave-one-out   # dev + probe hits, evidenced apart from their thread

A measurement, never a gate: the exit code is 0 whatever the numbers (the suite's gate on "no error
finding on a valid request" lives in tests/test_eval_rules.py). ``--misses`` refuses the held-out
part: rules are written from the development part only, the held-out part is read as numbers.

For every failure of class spec, provider or model the script decides whether it is *evaluable*
(a request is known, or can be built from what the entry proves), runs ``analyse_request`` on that
request against the entry's provider URL, and counts a *hit* when an error-severity finding matches
the entry's root-cause label. How the request is built and what "matches" means is documented on
:func:`build_request` and :func:`matches` and in docs/accuracy.md; neither ever reads the label.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.corpus import CORPUS_DIR, load_failures, load_valid, read_jsonl, thread_key  # noqa: E402

from toolguard_core import engines  # noqa: E402
from toolguard_core.analyze import analyse_request  # noqa: E402
from toolguard_core.causes import recognise_error  # noqa: E402
from toolguard_core.findings import Finding, Severity  # noqa: E402
from toolguard_core.learned import (  # noqa: E402
    Calibration,
    Knowledge,
    LearnedConstraint,
    LearnedServer,
    is_learned,
    learned_host,
)
from toolguard_core.learned_store import predicted_by_builtin  # noqa: E402
from toolguard_core.locations import Location, keys, locations_in  # noqa: E402
from toolguard_core.providers import BUILTIN_PROFILES, DEFAULT_REGISTRY, OPENAI_PARAMS  # noqa: E402
from toolguard_core.request import ENDPOINT_KINDS, Target, endpoint_kind  # noqa: E402
from toolguard_core.rules import gemini as gemini_model  # noqa: E402
from toolguard_core.rules.converse import CONVERSE_NAMES  # noqa: E402
from toolguard_core.rules.registry import ENGINE_NOTE_OPEN  # noqa: E402
from toolguard_core.upstream_errors import parse_error  # noqa: E402

CLASSES: Final = ("spec", "provider", "model")
SPLITS: Final = ("dev", "heldout")
#: Fresh failures gathered after the rules were written, to measure whether a fix generalises before
#: the held-out part is read (issue 9 round 2): neither split, never written from entry by entry.
PROBE: Final = CORPUS_DIR / "probe-rules.jsonl"

#: Public base URLs of providers the corpus names that have no built-in profile (toolguard judges
#: them as a generic OpenAI-compatible server, which is what a user without a mapping gets).
OTHER_BASE_URLS: Final = {
    "anthropic": "https://api.anthropic.com/v1",
    "anthropic-vertex": "https://us-east5-aiplatform.googleapis.com/v1",
    "bedrock": "https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1",
    "cohere": "https://api.cohere.ai/compatibility/v1",
    "github-copilot": "https://api.githubcopilot.com",
    "github-models": "https://models.github.ai/inference",
    "crucible": "https://crucible.example/v1",
    "deepinfra": "https://api.deepinfra.com/v1/openai",
    "fastchat": "http://localhost:21001/v1",
    "kimi-code": "https://api.kimi.com/coding/v1",
    "litellm": "http://localhost:4000/v1",
    "minimax": "https://api.minimax.io/v1",
    "new-api": "https://new-api.example/v1",
    "nvidia": "https://integrate.api.nvidia.com/v1",
    "qianfan": "https://qianfan.baidubce.com/v2",
    "siliconflow": "https://api.siliconflow.cn/v1",
    "tgi": "http://localhost:3000/v1",
    "vertex": "https://us-central1-aiplatform.googleapis.com/v1/projects/P/locations/us-central1/endpoints/openapi",
    "volcengine": "https://ark.cn-beijing.volces.com/api/v3",
}
#: Concrete stand-ins for the placeholders in built-in base URLs.
_PLACEHOLDERS: Final = {
    "{resource}": "example", "<host>": "localhost", "{account_id}": "ACCOUNT", "{location}": "us-central1",
    "{project}": "PROJECT", "{region}": "us-east-1", "{workspace}": "example",
}  # fmt: skip
#: The path each API kind appends to a base URL.
API_PATHS: Final = {"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"}

# --- what an error text names -----------------------------------------------------------------
#: Request parameters an error may name: OpenAI's schema plus the vendor fields the corpus's
#: providers document (thinking switches, sampling knobs of self-hosted servers, Groq/Mistral extras).
KNOWN_PARAMS: Final = OPENAI_PARAMS | {
    "enable_thinking", "thinking", "thinking_budget", "top_k", "min_p", "repetition_penalty",
    "reasoning", "include_reasoning", "reasoning_format", "random_seed", "safe_prompt", "prompt_mode",
    "extra_body", "options", "keep_alive", "format", "chat_template_kwargs", "input", "instructions",
    "previous_response_id", "include", "text", "truncation", "max_output_tokens", "functions",
    "function_call", "stream_otpions", "tool_stream", "reasoning_budget", "google", "stop_sequences",
}  # fmt: skip
_QUOTED: Final = r"[\"'`\\]*"
#: Patterns that name one top-level request field (group ``f``), in any provider's wording.
_PARAM_PATTERNS: Final = tuple(
    re.compile(p)
    for p in (
        rf"[Uu]nsupported parameter(?:\(s\))?:?\s*{_QUOTED}(?P<f>[A-Za-z_][\w.]*)",
        r"[Ii]nvalid (?P<f>[a-z_]+): only",
        r"the (?P<f>[a-z_]+) field in the request",
        rf"{_QUOTED}(?P<f>[A-Za-z_]\w*)\.[\w.\[\]]+{_QUOTED} must be",
        rf"[Uu]nsupported value:?\s*{_QUOTED}(?P<f>[A-Za-z_]\w*)",
        rf"[Uu]nknown parameter:?\s*{_QUOTED}(?P<f>[A-Za-z_]\w*)",
        r"[Uu]nrecognized request arguments? supplied:\s*(?P<list>[\w, ]+)",
        rf"{_QUOTED}param{_QUOTED}\s*:\s*{_QUOTED}(?P<f>[A-Za-z_]\w*)",
        r"(?:^|[\s'\"])body\.(?P<f>[A-Za-z_]\w*)",
        # DashScope prefixes the field it refuses with "parameter." in either language
        # ("parameter.enable_thinking must be set to false ...", "parameter.enable_thinking必须设置为false").
        r"(?:^|[\s'\"])parameter\.(?P<f>[A-Za-z_][A-Za-z0-9_]*)",
        rf"[Pp]roperty {_QUOTED}(?P<f>[A-Za-z_]\w*){_QUOTED} is unsupported",
        rf"[Uu]nknown name {_QUOTED}(?P<f>[A-Za-z_]\w*){_QUOTED}(?::| at {_QUOTED}[A-Za-z_]\w*{_QUOTED}:)",
        rf"[Aa]rgument not supported(?: on this model)?:\s*{_QUOTED}(?P<f>[A-Za-z_]\w*)",
        rf"does not support (?:the )?(?:parameter|argument|field)s?\s*{_QUOTED}(?P<f>[A-Za-z_]\w*)",
        # LiteLLM's UnsupportedParamsError: "gpt-5-nano doesn't support temperature=0.1 while ..."
        r"(?:does not|doesn't) support (?P<f>[a-z_]+)=\S",
        # Anthropic's limit answer: "max_tokens: 128001 > 64000, which is the maximum allowed ..."
        r"(?P<f>[a-z_]+): \d+ > \d+, which is the maximum",
        # Anthropic's validator puts the field first in its message: {"message": "stop_sequences: each stop
        # sequence must contain non-whitespace"} (a known parameter only, as for every pattern here).
        rf"{_QUOTED}message{_QUOTED}\s*:\s*{_QUOTED}(?P<f>[a-z_]+): ",
        rf"{_QUOTED}(?P<f>[A-Za-z_]\w*){_QUOTED} (?:is not supported|is unsupported|not supported)",
        # OpenAI's invalid_value and invalid_type answers: "Invalid value for 'x'", "Invalid type for 'n': ...".
        rf"[Ii]nvalid (?:(?:value|type) for )?{_QUOTED}(?P<f>[A-Za-z_]\w*){_QUOTED}",
        rf"{_QUOTED}(?P<f>[A-Za-z_]\w*){_QUOTED} must be",
        # OpenAI's sentence without its "Unsupported value:" prefix, as clients re-word it ("for gpt-5 :
        # 'temperature' does not support 0.7 with this model").
        rf"{_QUOTED}(?P<f>[A-Za-z_]\w*){_QUOTED} does not support {_QUOTED}?-?[\w.]+{_QUOTED}? with this model",
        # GitHub Copilot's CAPI: 'reasoning_effort "medium" was provided, but model X does not support ...'.
        rf"(?P<f>[a-z_]+) {_QUOTED}[\w.-]+{_QUOTED} was provided, but model",
        # Anthropic's sampling answers: "`temperature` is deprecated for this model." (Claude Opus 4.7 on),
        # "`temperature` may only be set to 1 when thinking is enabled or in adaptive mode."
        rf"{_QUOTED}(?P<f>[A-Za-z_]\w*){_QUOTED} (?:is deprecated for this model|may only be set to)",
    )
)
#: A message field named with its role where no location notation carries it (a location's
#: ``messages.N.<role>.<field>`` is read by :func:`toolguard_core.locations.locations_in`): Groq's
#: ``'messages.N' : for 'role:R' ... property 'F'``, group ``role`` and ``f``.
_ROLES: Final = frozenset({"system", "user", "assistant", "tool", "developer"})
_MESSAGE_FIELD_PATTERNS: Final = tuple(
    re.compile(p)
    for p in (
        # Groq also writes "for 'role: assistant'" with a space (SimonSchubert/Kai#265).
        rf"for {_QUOTED}role:\s?(?P<role>system|user|assistant|tool|developer){_QUOTED}.*?property {_QUOTED}(?P<f>[A-Za-z_]\w*){_QUOTED}",
    )
)
#: A message field named without its role: "Validating messages' `tool_calls` raised an error",
#: Groq's roleless form "'messages.1' : property 'metadata' is unsupported" (ed-donner/llm_engineering#1130),
#: and OpenAI's "Missing parameter 'name': messages with role 'function' must have a 'name'" (the key is a
#: message's, not a top-level field).
_MESSAGE_KEY_PATTERN: Final = re.compile(
    rf"messages'\s+`(?P<f>[A-Za-z_]\w*)`|{_QUOTED}messages\.\d+{_QUOTED}\s*:\s*property {_QUOTED}(?P<g>[A-Za-z_]\w*){_QUOTED}"
    rf"|Missing parameter {_QUOTED}(?P<h>[A-Za-z_]\w*){_QUOTED}: messages with role"
)
#: Gemini's proto parser names the top-level field it cannot map ("Unknown name "max_new_tokens": Cannot
#: find field."): whatever the name, it is a field of the request, like a listed argument.
_TOP_LEVEL_UNKNOWN: Final = re.compile(
    rf"[Uu]nknown name {_QUOTED}(?P<f>[A-Za-z_]\w*){_QUOTED}: Cannot find field"
)
#: OpenAI's quoted parameter path into a message: "Missing required parameter:
#: 'messages[2].tool_calls[0].type'", "Invalid type for 'messages.[0].content'" (matching only).
_MESSAGE_PATH_PATTERN: Final = re.compile(r"'messages\.?\[\d+\]\.(?P<f>[A-Za-z_][\w.\[\]]*?)'")
#: Capabilities an error says the model lacks; each names the request field that uses it.
_CAPABILITIES: Final = (
    ("tools", re.compile(r"support (?:tool use|tools|tool calling|function calling)|"
                         r"(?:tools?|function calling|tool calling) (?:is |are )?not supported|"
                         r"does not support (?:tool|function)", re.I)),
    ("image", re.compile(r"(?:support|supports) (?:image|vision)|image input|"
                         r"(?:image|vision)[\w ]* (?:is |are )?not supported|not a multimodal|"
                         # DeepSeek's serde answer: "messages[5]: unknown variant `image_url`, expected `text`"
                         r"unknown variant .image_url.", re.I)),
)  # fmt: skip
#: Neutral values for a named parameter when the error quotes none: the commonest client value.
DEFAULT_VALUES: Final[dict[str, Any]] = {
    "max_tokens": 4096, "max_completion_tokens": 4096, "max_output_tokens": 4096, "temperature": 0.7,
    "top_p": 0.9, "presence_penalty": 0.5, "frequency_penalty": 0.5, "n": 1, "seed": 42,
    "stream": True, "logprobs": True, "top_logprobs": 5, "parallel_tool_calls": True,
    "tool_choice": "auto", "reasoning_effort": "medium", "store": True, "user": "user-1",
    "metadata": {"k": "v"}, "stop": ["\n\n"], "response_format": {"type": "json_object"},
    "stream_options": {"include_usage": True}, "enable_thinking": True, "top_k": 40,
    "thinking": {"type": "enabled"}, "include": ["reasoning.encrypted_content"],
}  # fmt: skip
#: Fields whose value is a structure the error does not show (a tool list, a schema, the input):
#: naming them proves nothing about their content, so they are never filled in.
STRUCTURAL: Final = frozenset(
    {"model", "messages", "input", "tools", "functions", "text", "response_format", "instructions"}
)
#: Labels of the older corpus (``tests/data/error_corpus.json``) that name a cause under another id
#: than the rule that now detects it: label vocabulary only, never a request.
LABEL_ALIASES: Final = {
    "dashscope.thinking-requires-stream": "quirks.qwen-thinking-non-stream",
    "groq.unsupported-property": "params.unknown",
    "groq.unsupported-message-property": "roles.unknown-message-key",
    "gemini.unknown-field": "params.unknown",
    "gemini.schema-keyword": "tools.schema-keyword-unsupported",
    "params.max-tokens-unsupported": "params.max-tokens-on-reasoning-model",
    "params.temperature-unsupported": "params.temperature-on-reasoning-model",
    "params.parallel-tool-calls-without-tools": "parallel_tool_calls.without-tools",
    "params.max-tokens-below-one": "params.max-tokens-range",
    "params.reasoning-effort-value-unsupported": "params.reasoning-effort-value",
    "tools.function-name-pattern": "tools.invalid-name",
    "tools.function-description-too-long": "tools.description-too-long",
    "messages.tool-call-function-name-pattern": "tools.invalid-history-name",
    "deepseek.missing-reasoning-content": "quirks.deepseek-reasoning-content-missing",
    "mistral.tool-call-id-format": "quirks.mistral-tool-call-id",
    "ollama.image-url-not-supported": "content.remote-image-url",
    "ollama.image-not-base64": "content.invalid-base64",
}
_CAMEL: Final = re.compile(r"[a-z][A-Z]")
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_TOOL: Final = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
_IMAGE_URL: Final = "https://upload.wikimedia.org/wikipedia/commons/4/47/PNG_transparency_demonstration_1.png"


@dataclass(slots=True)
class Named:
    """What an error text names about the request that caused it."""

    params: dict[str, Any] = field(default_factory=dict)
    message_fields: list[tuple[str, str]] = field(default_factory=list)
    statements: list[tuple[Statement, re.Match[str]]] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    #: Message fields named without a role (vLLM's "Validating messages' `tool_calls` raised an
    #: error"): they say where the error is, not what to build, so they only serve matching.
    message_keys: list[str] = field(default_factory=list)
    #: Dotted paths the text quotes into the request (:func:`quoted_paths`), as field segments:
    #: like message_keys, they only serve matching (:func:`on_path`), never building.
    paths: list[tuple[str, ...]] = field(default_factory=list)
    #: Parameters the text mentions by name outside any pattern above (Perplexity's "Cannot set both
    #: presence_penalty and frequency_penalty", "Frequency penalty must satisfy p > 0."): like paths they
    #: only serve matching, and only where the text names no field otherwise (:func:`matches`).
    mentioned: list[str] = field(default_factory=list)
    #: The conversation named as a whole ("Invalid 'messages': array too long", a location of the one key
    #: ``messages``): never a parameter to fill in, but where the error is, so it serves matching.
    containers: list[str] = field(default_factory=list)

    @property
    def fields(self) -> set[str]:
        """Dotted field paths without indices (``max_tokens``, ``messages.reasoning_content``)."""
        out = set(self.params)
        # xAI names request fields in camelCase ("does not support parameter reasoningEffort"): the
        # field the request carried is the snake_case twin when that is a known parameter.
        out |= {snake for name in self.params if (snake := _snake(name)) != name and snake in KNOWN_PARAMS}
        out |= {f"messages.{name}" for _, name in self.message_fields}
        out |= {f"messages.{name}" for name in self.message_keys}
        # A statement whose field is the key it quotes (Anthropic's "<key>: Extra inputs are not permitted")
        # has an empty ``field`` and names it in its ``key`` group.
        for statement, found in self.statements:
            concerned = statement.field or found.group("key")
            out |= {concerned} if isinstance(concerned, str) else set(concerned)
        out |= {"tools" if c == "tools" else "messages.content" for c in self.capabilities}
        out |= set(self.containers)
        return out

    def __bool__(self) -> bool:
        return bool(self.params or self.message_fields or self.statements or self.capabilities)


def _text(body: Any) -> str:
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)


def _is_param(name: str) -> bool:
    """A known parameter, or a camelCase spelling (what a client really sent: ``topP``)."""
    return name in KNOWN_PARAMS or (bool(_CAMEL.search(name)) and len(name) < 40)


def _quoted_value(text: str, name: str) -> Any:
    """The value an error quotes for ``name``: ``'temperature' does not support 0.7``, or the
    pydantic ``"input": X`` next to its ``loc``. ``None`` when none is quoted."""
    key = re.escape(name)
    for pattern in (
        rf"{_QUOTED}{key}{_QUOTED}\s+does not support\s+{_QUOTED}(?P<v>[\w.\-]+)",
        rf"Invalid value for {_QUOTED}{key}{_QUOTED}:?\s*{_QUOTED}(?P<v>[\w.\-]+)",
        rf"{key}\b[^.\n]{{0,60}}?\bgot:?\s*{_QUOTED}(?P<v>-?\w+(?:\.\d+)?)",
        # OpenAI's bound sentence has a full stop before the value: "Invalid 'n': integer above maximum
        # value. Expected a value <= 128, but got 130 instead."
        rf"Invalid {_QUOTED}{key}{_QUOTED}: [^\n]{{0,100}}?\bbut got (?P<v>-?\d+(?:\.\d+)?) instead",
        rf"(?:does not|doesn't) support {key}=(?P<v>-?\d+(?:\.\d+)?)",
        rf"{key}: (?P<v>\d+) > \d+, which is the maximum",
    ):
        match = re.search(pattern, text)
        if match is not None:
            break
    else:
        return None
    raw = match.group("v")
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _quoted_whole(text: str, match: re.Match[str]) -> bool:
    """The name a pattern read is the whole quoted token ("Invalid 'messages': ..."), not the first key of
    a quoted path ("Invalid type for 'messages.[0].content'")."""
    if match.groupdict().get("f") is None:
        return False  # a listed name ("Unrecognized request arguments supplied: a, b") is not quoted
    return text[match.end("f") : match.end("f") + 1] in ("'", '"', "`")


def named_by(body: Any) -> Named:
    """Read which request fields an error text names (never the label: only the text)."""
    text = _text(body)
    named = Named()
    locations = locations_in(text, roots=KNOWN_PARAMS)
    for location in locations:
        names = keys(location)
        if (
            len(location) >= 4
            and names[:1] == ("messages",)
            and location[2] in _ROLES
            and isinstance(location[3], str)
        ):
            # pydantic's tagged union puts the role between the index and the field (messages.0.user.name)
            pair = (str(location[2]), location[3])
            if pair not in named.message_fields:
                named.message_fields.append(pair)
    for pattern in _MESSAGE_FIELD_PATTERNS:
        for match in pattern.finditer(text):
            pair = (match.group("role"), match.group("f"))
            if pair not in named.message_fields:
                named.message_fields.append(pair)
    for pattern in _PARAM_PATTERNS:
        for match in pattern.finditer(text):
            names = (
                [n.strip() for n in match.group("list").split(",")]
                if "list" in match.groupdict() and match.group("list")
                else [match.group("f")]
            )
            # A list the error calls request arguments ("Unrecognized request argument supplied: a, b")
            # names top-level fields whatever they are; other patterns need a known parameter name.
            listed = "list" in match.groupdict() and bool(match.group("list"))
            for name in names:
                named_ok = _is_param(name) or (listed and _IDENTIFIER.fullmatch(name) is not None)
                if name and named_ok and name not in named.params and name != "messages":
                    named.params[name] = _quoted_value(text, name)
                elif name == "messages" and name not in named.containers and _quoted_whole(text, match):
                    named.containers.append(name)
    for location in locations:
        # A location of one key and nothing under it (pydantic's ('body', 'x'), FastAPI's ["body", "x"],
        # "body -> x", '/x') names that top-level field; one with an index under it (Vertex's
        # "request.tools[0]") names no field of the item.
        name = location[0] if len(location) == 1 and isinstance(location[0], str) else None
        if name and name not in named.params and name != "messages" and _is_param(name):
            named.params[name] = _quoted_value(text, name)
        elif name == "messages" and name not in named.containers:
            named.containers.append(name)
    for statement in STATEMENTS:
        if (found := statement.pattern.search(text)) is not None:
            named.statements.append((statement, found))
    for capability, pattern in _CAPABILITIES:
        if pattern.search(text):
            named.capabilities.append(capability)
    for match in _MESSAGE_KEY_PATTERN.finditer(text):
        key = match.group("f") or match.group("g") or match.group("h")
        if key not in named.message_keys:
            named.message_keys.append(key)
    for match in _TOP_LEVEL_UNKNOWN.finditer(text):
        if match.group("f") not in named.params and match.group("f") != "messages":
            named.params[match.group("f")] = _quoted_value(text, match.group("f"))
    for match in _MESSAGE_PATH_PATTERN.finditer(text):
        path = field_of(match.group("f"))
        if path and path not in named.message_keys:
            named.message_keys.append(path)
    named.paths = quoted_paths(text, locations)
    named.mentioned = mentioned_params(text)
    return named


#: The parameters a text can mention in passing: snake_case names only (``max_tokens``, not ``model`` or
#: ``stop``, words any error text uses), as written or with spaces for underscores ("Frequency penalty").
_MENTIONABLE: Final = tuple(sorted(name for name in KNOWN_PARAMS if "_" in name))
_MENTION: Final = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(n).replace("_", "[_ ]") for n in _MENTIONABLE) + r")(?![\w])", re.I
)


def mentioned_params(text: str) -> list[str]:
    """The known snake_case parameters a text mentions, in order, each once (the same reading for every row
    of every split: it never sees the label)."""
    out: list[str] = []
    for match in _MENTION.finditer(text):
        name = match.group(1).lower().replace(" ", "_")
        if name in KNOWN_PARAMS and name not in out:
            out.append(name)
    return out


def quoted_paths(text: str, locations: list[Location] | None = None) -> list[tuple[str, ...]]:
    """The paths ``text`` quotes into a request body, in any validator's notation
    (:mod:`toolguard_core.locations`: pydantic's loc with its tags, FastAPI, serde, Go, JSONPath, JSON
    Pointer, Zod), as field segments without indices (``messages.2.content`` → ``("messages",
    "content")``). A path counts only when its first name is a request's top-level field
    (:data:`KNOWN_PARAMS`: ``api.openai.com``, ``gpt-4.1`` or ``e.g`` are not paths) and it has at
    least two names."""
    out: list[tuple[str, ...]] = []
    for location in locations_in(text, roots=KNOWN_PARAMS) if locations is None else locations:
        if len(path := keys(location)) >= 2 and path not in out:
            out.append(path)
    return out


def on_path(location: str, path: tuple[str, ...]) -> bool:
    """Whether a finding at ``location`` sits on a quoted ``path``: its fields (indices dropped), at
    least two, are the path's in order from its first, possibly skipping some. The skipped ones are
    names the finding's location has no place for: a union's tag in pydantic's loc (``tool_result``,
    ``image``, ``base64`` in Anthropic's path to a nested image's ``source``) or the refused value the
    text appends (``thinking.type`` + ``enabled``)."""
    fields = [f for f in field_of(location).split(".") if f]
    if len(fields) < 2 or fields[0] != path[0]:
        return False
    rest = iter(path[1:])
    return all(any(name == segment for segment in rest) for name in fields[1:])


#: A function name outside every pattern providers quote (``^[a-zA-Z0-9_-]+$``, Azure's with dots, ...):
#: the least name the sentence "does not match pattern" states, a space being in none of them.
_BAD_NAME: Final = "get weather"


def _tools_with(index: int, **function: Any) -> list[dict[str, Any]]:
    """``index + 1`` function tools, the last with ``function``'s fields replaced."""
    tools = [{**_TOOL, "function": {**_TOOL["function"], "name": f"tool_{i}"}} for i in range(index + 1)]
    tools[index]["function"].update(function)
    return tools


def _tool_name_pattern(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``Invalid 'tools[N].function.name': string does not match pattern``: tool N's name is outside it."""
    return [dict(_USER)], {"tools": _tools_with(int(found.group("n")), name=_BAD_NAME)}


def _history_name_pattern(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``Invalid 'messages[N].tool_calls[M].function.name': string does not match pattern``: a replayed
    call whose name is outside it (the conversation shortened to that call and its answer)."""
    call = {**_call(), "function": {"name": _BAD_NAME, "arguments": "{}"}}
    return [dict(_USER), _calling_with(call), dict(_RESULT)], {"tools": [_TOOL]}


def _description_too_long(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``Invalid 'tools[N].function.description': string too long ... got a string with length L``."""
    length = int(found.group("length"))
    return [dict(_USER)], {"tools": _tools_with(int(found.group("n")), description="d" * length)}


def _anthropic_extra_top(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Anthropic's ``<key>: Extra inputs are not permitted`` at the top level: the request carried the key
    (its value is not shown; the key's presence is what is refused)."""
    key = found.group("key")
    return [], {key: _default(key)}


def _anthropic_extra_block(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``messages.N.content.M.<type>.<key>: Extra inputs are not permitted``: a block of that type carrying
    the key (the conversation shortened to that block, a tool_use answered by its result)."""
    key, kind = found.group("key"), found.group("type")
    if kind == "tool_use":
        block = {**_TOOL_USE, key: "x"}
        result = {"type": "tool_result", "tool_use_id": _TOOL_USE["id"], "content": "sunny"}
        return [
            dict(_USER),
            {"role": "assistant", "content": [block]},
            {"role": "user", "content": [result]},
        ], {"tools": [_ANTHROPIC_TOOL]}
    return [{"role": "user", "content": [{"type": "text", "text": "Hello", key: "x"}]}], {}


def _anthropic_tool_use_id(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``messages.N.content.M.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'``: a tool_use id
    with a character outside it (the least such id: one dot), answered by its result."""
    block = {**_TOOL_USE, "id": "toolu.01A"}
    result = {"type": "tool_result", "tool_use_id": "toolu.01A", "content": "sunny"}
    return [dict(_USER), {"role": "assistant", "content": [block]}, {"role": "user", "content": [result]}], {
        "tools": [_ANTHROPIC_TOOL]
    }


# --- issue 9 round 8: shapes of dev wordings (docs/accuracy.md, nineteenth pass) -------------------
def _non_object_parameters(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Gemini/Vertex's "(functionDeclaration|function) parameters schema should be of type OBJECT": a
    function whose parameters schema is not an object (the least such: a string schema), named as
    quoted when the sentence names it."""
    name = found.group("name") or _TOOL["function"]["name"]
    return [dict(_USER)], {"tools": _tools_with(0, name=name, parameters={"type": "string"})}


def _anthropic_tool_name(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``tools.N.custom.name: String should match pattern``: Anthropic tool N's name is outside it."""
    index = int(found.group("n"))
    tools = [{**_ANTHROPIC_TOOL, "name": f"tool_{i}"} for i in range(index + 1)]
    tools[index]["name"] = _BAD_NAME
    return [dict(_USER)], {"tools": tools}


def _duplicate_item(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The Responses API's "Duplicate item found with id X": two input items carrying that id (a
    reasoning item for an ``rs_`` id, each followed by the assistant message it led to; else messages)."""
    item_id = found.group("id")
    if item_id.startswith("rs_"):
        item: dict[str, Any] = {
            "type": "reasoning",
            "id": item_id,
            "summary": [],
            "encrypted_content": "gAAAA",
        }
    else:
        item = {
            "type": "message",
            "role": "assistant",
            "id": item_id,
            "content": [{"type": "output_text", "text": "ok"}],
        }
    answer = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sunny."}]}
    turns = [item, answer] if item["type"] == "reasoning" else [item]
    return [dict(_USER), *turns, dict(_USER), *json.loads(json.dumps(turns)), dict(_USER)], {}


def _not_base64_image(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Ollama's "illegal base64 data at input byte N": an image whose data URL payload is not base64."""
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,not base64!"}}
    return [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, image]}], {}


# --- sentences that state the request's shape ---------------------------------------------------
_USER: Final = {"role": "user", "content": "What is the weather in Paris?"}


def _call(call_id: str = "call_1") -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }


def _calling(content: str | None = None) -> dict[str, Any]:
    return {"role": "assistant", "content": content, "tool_calls": [_call()]}


_RESULT: Final = {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}
#: The Messages API's tool call and tool, for Anthropic's sentences about them.
_TOOL_USE: Final = {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {"city": "Paris"}}
_ANTHROPIC_TOOL: Final = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@dataclass(frozen=True, slots=True)
class Statement:
    """An error sentence that states what the request contained, and that content.

    ``messages`` is the conversation the sentence describes (it replaces the one-message stub);
    ``top`` the top-level fields it names; ``field`` is the request field it concerns (used to match
    ``cause.*`` labels). Each is written from the sentence alone, never from a rule's example.
    """

    name: str
    pattern: re.Pattern[str]
    #: One field, or the fields a sentence about the whole request concerns (cache breakpoints sit in
    #: ``system``, ``tools`` and ``messages`` alike).
    field: str | tuple[str, ...]
    messages: tuple[dict[str, Any], ...] = ()
    top: tuple[tuple[str, Any], ...] = ()
    apis: tuple[str, ...] = ("chat",)
    derive: Any = None  # (match) -> (messages, top) for sentences that quote a role or value
    drop: tuple[str, ...] = ()  # fields the sentence says the request did not have

    def build(
        self, found: re.Match[str], body: dict[str, Any], defaulted: frozenset[str] = frozenset()
    ) -> None:
        """Put the stated shape into ``body``. A field the sentence states overrides one that was only
        filled with its commonest value (``defaulted``: the error named it but quoted no value), never
        a value the error quoted."""
        messages, top = self.derive(found) if self.derive else (list(self.messages), dict(self.top))
        if messages:
            key = "input" if "input" in body else "messages"
            body[key] = json.loads(json.dumps(messages))
        for name, value in top.items():
            if name in defaulted:
                body[name] = json.loads(json.dumps(value))
            else:
                body.setdefault(name, json.loads(json.dumps(value)))
        for name in self.drop:
            body.pop(name, None)


def _role_pair(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``Unexpected role 'user' after role 'tool'``: a ``second`` message right after a ``first``."""
    first, second = found.group("first"), found.group("second")
    messages: list[dict[str, Any]] = [dict(_USER)]
    if first == "tool":
        messages += [_calling(), dict(_RESULT)]
    elif first == "assistant":
        messages.append({"role": "assistant", "content": "Let me check."})
    elif first == "system":
        messages = [{"role": "system", "content": "Be brief."}]
    messages.append({"role": second, "content": "Thanks."})
    return messages, {"tools": [_TOOL]} if first == "tool" else {}


def _role_rejected(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``invalid message role: system`` / ``developer is not one of [...]``: a message of that role."""
    return [{"role": found.group("role").lower(), "content": "Be brief."}, dict(_USER)], {}


def _tool_choice_value(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``"auto" tool choice requires ...``: that ``tool_choice`` string, with a tool to choose."""
    return [], {"tool_choice": found.group("v"), "tools": [_TOOL]}


def _tool_choice_named(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``Unsupported tool_choice: type='function' function=...(name='X')``: the object form."""
    tool = json.loads(json.dumps(_TOOL))
    tool["function"]["name"] = found.group("name")
    choice = {"type": "function", "function": {"name": found.group("name")}}
    return [], {"tool_choice": choice, "tools": [tool]}


def _array_content(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``for 'role:system' ... content : value must be a string``: array content on a message of the
    role the sentence names (a user message when it names none)."""
    role = (found.group("role") or "user").lower()
    parts = [{"type": "text", "text": "Be brief." if role == "system" else "What is the weather in Paris?"}]
    messages: list[dict[str, Any]] = [{"role": role, "content": parts}]
    if role != "user":
        messages.append(dict(_USER))
    return messages, {}


def _call_with_id(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``Tool call id was X but must be ...``: a replayed call with that id and its answer."""
    call_id = found.group("id")
    return [dict(_USER), _calling_with(_call(call_id)), {**_RESULT, "tool_call_id": call_id}], {
        "tools": [_TOOL]
    }


def _calling_with(call: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def _call_extra_key(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """pydantic's ``loc: [body, messages, N, assistant, tool_calls, M, K]`` extra_forbidden: a replayed
    call carrying the key K (its value is not shown: null, as the error's ``input`` often is)."""
    call = {**_call(), found.group("key"): None}
    return [dict(_USER), _calling_with(call), dict(_RESULT)], {"tools": [_TOOL]}


def _non_json_arguments(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``function.arguments ... must be in JSON format`` / ``invalid function arguments json string``:
    a replayed call whose arguments do not parse (cut off, as a broken stream leaves them)."""
    call = _call()
    call["function"]["arguments"] = '{"city": "Par'
    return [dict(_USER), _calling_with(call), dict(_RESULT)], {"tools": [_TOOL]}


def _tool_with(parameters: dict[str, Any]) -> dict[str, Any]:
    tool = json.loads(json.dumps(_TOOL))
    tool["function"]["parameters"] = parameters
    return tool


def _ref_conflict(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Moonshot's ``At path 'properties.X': conflicting keywords found after $ref expansion: K``: at
    ``properties.X`` a ``$ref`` whose definition sets K sits next to K."""
    name, keyword = found.group("name"), found.group("keyword")
    definition = {"type": "object", "properties": {}, keyword: "From the definition."}
    parameters = {
        "type": "object",
        "properties": {name: {"$ref": f"#/$defs/{name}", keyword: "Next to the $ref."}},
        "$defs": {name: definition},
    }
    return [], {"tools": [_tool_with(parameters)]}


#: One step of a Gemini proto path under ``parameters`` (``properties[8].value``, ``items``,
#: ``any_of[0]``) and the JSON-Schema step it stands for.
_PROTO_STEP: Final = re.compile(r"(?P<key>properties|any_of|items)(?:\[(?P<index>\d+)\])?(?:\.value)?")


def _schema_keyword_at(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Gemini's ``Unknown name "K" at 'tools[N].function_declarations[M].parameters.<path>'``: a tool
    whose parameters carry K at that path (proto names mapped back: ``properties[i].value`` → a
    property, ``any_of[i]`` → ``anyOf``, ``items``)."""
    keyword = found.group("keyword")
    root: dict[str, Any] = {"type": "object", "properties": {}}
    node = root
    for step in _PROTO_STEP.finditer(found.group("path")):
        key, index = step.group("key"), int(step.group("index") or 0)
        if key == "properties":
            child: dict[str, Any] = {"type": "string"}
            node.setdefault("properties", {})[f"field{index}"] = child
        elif key == "items":
            child = {"type": "string"}
            node["type"], node["items"] = "array", child
        else:
            branches: list[dict[str, Any]] = [{"type": "string"} for _ in range(index + 1)]
            node.pop("type", None)
            node["anyOf"] = branches
            child = branches[index]
        node = child
    node[keyword] = "x" if keyword == "const" else False
    return [], {"tools": [_tool_with(root)]}


def _tool_choice_named_default(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``Invalid tool_choice type: 'object'``: the object form, forcing the one declared tool."""
    choice = {"type": "function", "function": {"name": _TOOL["function"]["name"]}}
    return [], {"tool_choice": choice, "tools": [_TOOL]}


def _empty_message(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``the message at position N with role 'assistant' must not be empty``: an empty message of
    that role inside the conversation."""
    role = found.group("role")
    if role == "assistant":
        return [dict(_USER), {"role": "assistant", "content": ""}, {"role": "user", "content": "Go on."}], {}
    return [{"role": role, "content": ""}], {}


def _function_call_output(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``No tool call found for function call output with call_id X``: that output, no call."""
    return [
        {"role": "user", "content": "What is the weather in Paris?"},
        {"type": "function_call_output", "call_id": found.group("id"), "output": "sunny"},
    ], {}


def _item_reference(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``Item with id 'X' not found. Items are not persisted when 'store' is set to false``."""
    return [{"type": "item_reference", "id": found.group("id")}, {"role": "user", "content": "Go on."}], {
        "store": False
    }


def _cache_blocks(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Anthropic's ``A maximum of 4 blocks with cache_control may be provided. Found N``: N such blocks."""
    count = int(found.group("n"))
    block = {"type": "text", "text": "Context.", "cache_control": {"type": "ephemeral"}}
    return [{"role": "user", "content": [dict(block) for _ in range(count)]}], {}


def _untyped_schema(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``Invalid schema for function 'X': schema must be a JSON Schema of 'type: "object"', got 'type:
    None'``: function X whose parameters have no type (the least such schema: no keywords at all)."""
    name = found.group("name")
    return [], {"tools": [{"type": "function", "function": {"name": name, "parameters": {}}}]}


def _untyped_flat_schema(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The same on the Responses API, whose function tools are flat."""
    return [], {"tools": [{"type": "function", "name": found.group("name"), "parameters": {}}]}


def _s(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I | re.S)


#: The reasoning-effort vocabulary OpenAI's API takes across its models (none, minimal, low, medium, high,
#: xhigh; Anthropic-style "max" on relays): a refused value and a list of supported values drawn only from
#: it name the effort field even when the sentence does not ("Unsupported value: 'xhigh' is not supported
#: with the 'gpt-5.1' model. Supported values are: 'none', 'low', 'medium', and 'high'.").
_EFFORT_WORD: Final = r"(?:none|minimal|low|medium|high|xhigh|max)"
_EFFORT_SENTENCE: Final = (
    rf"Unsupported value: [\"'`]*(?P<v>{_EFFORT_WORD})[\"'`]* is not supported with the [\"'`]*[\w.:/-]+[\"'`]* "
    rf"model\.\s*Supported values are:(?:\s*(?:and\s+)?[\"'`]*{_EFFORT_WORD}[\"'`]*,?)+\s*(?:\.|$|[\"'`])"
)


def _effort_chat(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return [], {"reasoning_effort": found.group("v").lower()}


def _effort_responses(found: re.Match[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return [], {"reasoning": {"effort": found.group("v").lower()}}


_Q: Final = r"[\"'`“”\\]*"
#: Sentences that state the request's shape, in the providers' own words (dev part only).
STATEMENTS: Final = (
    # OpenAI's refusal of an effort value, which names the value and the model but not the field: the
    # field is the API's effort field (top-level on chat, ``reasoning.effort`` on the Responses API).
    Statement(
        "reasoning effort value refused (chat)",
        _s(_EFFORT_SENTENCE),
        "reasoning_effort",
        derive=_effort_chat,
    ),
    Statement(
        "reasoning effort value refused (responses)",
        _s(_EFFORT_SENTENCE),
        "reasoning.effort",
        apis=("responses",),
        derive=_effort_responses,
    ),
    Statement(
        "tool message without a preceding call",
        _s(
            rf"messages with role {_Q}tool{_Q} must be a response to a prece{{1,2}}d"
        ),  # OpenAI's 2024 text: "preceeding"
        "messages",
        messages=(_USER, _RESULT),
    ),
    Statement(
        "tool call without its tool messages",
        _s(rf"assistant message with\s+{_Q}tool_calls{_Q}\s+must be followed by tool\s+messages"),
        "messages",
        messages=(_USER, _calling(), {"role": "user", "content": "Go on."}),
        top=(("tools", [_TOOL]),),
    ),
    Statement(
        "two adjacent roles named",
        _s(
            rf"role {_Q}(?P<second>user|assistant|tool|system){_Q} after role {_Q}(?P<first>user|assistant|tool|system)"
        ),
        "messages",
        derive=_role_pair,
    ),
    Statement(
        "successive messages of one role",
        _s(
            r"successive user or assistant messages|roles must alternate|roles should be alternating"
            r"|must alternate (?:between )?(?:user and assistant|roles)|should alternate with assistant"
        ),
        "messages",
        messages=(_USER, {"role": "user", "content": "And in Rome?"}),
    ),
    Statement(
        "conversation ends with an assistant message",
        _s(
            rf"must end with a user message|last role .{{0,80}}got assistant|last message role should be {_Q}user"
            r"|last message of .{0,40} must be a user message"
            # llama-server's refusal of a prefill under a thinking template; Mistral's wording cut before
            # "but got assistant" (error 3230 quoted without its tail).
            r"|[Aa]ssistant response prefill is incompatible|Expected last role User or Tool"
        ),
        "messages",
        messages=(_USER, {"role": "assistant", "content": "The weather in Paris is"}),
    ),
    Statement(
        "several assistant messages at the end",
        _s(r"2 or more assistant messages at the end"),
        "messages",
        messages=(
            _USER,
            {"role": "assistant", "content": "Sunny."},
            {"role": "assistant", "content": "Anything else?"},
        ),
    ),
    Statement(
        "first message after the system message is not a user message",
        _s(r"first message \(except the system message\).{0,40}must be a user message"),
        "messages",
        messages=(
            {"role": "system", "content": "Be brief."},
            {"role": "assistant", "content": "Hello."},
            _USER,
        ),
    ),
    Statement(
        "system message not at the beginning",
        _s(r"system message must be at the beginning"),
        "messages",
        messages=(_USER, {"role": "system", "content": "Be brief."}),
    ),
    Statement(
        "a role the server does not take",
        _s(r"invalid message role:\s*(?P<role>system|developer)"),
        "messages",
        derive=_role_rejected,
    ),
    Statement(
        "developer role not among the accepted roles",
        _s(r"(?P<role>developer) is not one of"),
        "messages",
        derive=_role_rejected,
    ),
    Statement(
        "system role not supported",
        _s(r"(?P<role>system) role (?:is )?not supported"),
        "messages",
        derive=_role_rejected,
    ),
    Statement(
        "assistant tool call replayed without reasoning_content",
        _s(
            r"missing .?reasoning_content.? field in the assistant message|reasoning_content in the thinking mode must be passed back"
        ),
        "messages",
        messages=(_USER, _calling(), _RESULT),
        top=(("tools", [_TOOL]),),
    ),
    Statement(
        "function call replayed without a thought signature",
        _s(r"function call is missing a thought_signature"),
        "messages",
        messages=(_USER, _calling(), _RESULT),
        top=(("tools", [_TOOL]),),
    ),
    Statement(
        "an extra key on a replayed tool call",
        _s(
            rf"{_Q}messages{_Q}\s*,\s*\d+\s*,\s*{_Q}assistant{_Q}\s*,\s*{_Q}tool_calls{_Q}\s*,\s*\d+\s*,\s*"
            rf"{_Q}(?P<key>[A-Za-z_]\w*){_Q}\s*\].{{0,40}}extra inputs are not permitted"
        ),
        "messages",
        derive=_call_extra_key,
    ),
    Statement(
        "a tool call id quoted with the format it breaks",
        _s(r"tool call id was (?P<id>\S+?) but must be"),
        "messages",
        derive=_call_with_id,
    ),
    Statement(
        "tool call arguments that are not JSON",
        _s(
            rf"{_Q}function\.arguments{_Q} parameter .{{0,40}}must be in JSON format"
            r"|invalid function arguments json string"
        ),
        "messages",
        derive=_non_json_arguments,
    ),
    Statement(
        "a $ref next to a keyword its definition sets",
        _s(
            r"at path .properties\.(?P<name>\w+).: conflicting keywords found after \$ref expansion: "
            r"(?P<keyword>\w+)"
        ),
        "tools",
        derive=_ref_conflict,
    ),
    Statement(
        "a schema keyword at a Gemini proto path",
        _s(
            r"unknown name .(?P<keyword>\w+). at .tools\[\d+\]\.function_declarations\[\d+\]\.parameters"
            r"(?P<path>(?:\.[\w\[\]]+)*)."
        ),
        "tools",
        derive=_schema_keyword_at,
    ),
    Statement(
        "a tool_choice string named",
        _s(rf"{_Q}(?P<v>auto|required){_Q} tool choice requires"),
        "tool_choice",
        derive=_tool_choice_value,
    ),
    Statement(
        "a named-function tool_choice",
        _s(r"unsupported tool_choice: type=.function. function=\w*\(name=.(?P<name>[\w-]+)"),
        "tool_choice",
        derive=_tool_choice_named,
    ),
    Statement(
        "an object tool_choice where only strings are taken",
        _s(rf"invalid tool_choice type:\s*{_Q}object{_Q}"),
        "tool_choice",
        derive=_tool_choice_named_default,
    ),
    Statement(
        "required or object tool_choice",
        _s(r"tool_choice parameter does not support being set to required"),
        "tool_choice",
        top=(("tool_choice", "required"), ("tools", [_TOOL])),
    ),
    Statement(
        "JSON mode together with tools",
        _s(r"json(?:_object| mode)? cannot be combined with tool"),
        "response_format",
        top=(("response_format", {"type": "json_object"}), ("tools", [_TOOL])),
    ),
    Statement(
        "content given as an array where a string is required",
        _s(
            rf"(?:for {_Q}role:(?P<role>system|user|assistant|tool|developer){_Q}.{{0,80}})?"
            r"(?:content.{0,10} : value must be a string|cannot unmarshal array into .{0,60}content of type string)"
        ),
        "messages",
        derive=_array_content,
    ),
    Statement(
        "an empty message of a named role",
        _s(rf"with role {_Q}(?P<role>assistant|user|system){_Q} must not be empty"),
        "messages",
        derive=_empty_message,
    ),
    Statement(
        "an empty text part",
        _s(r"text content blocks\s+must\s+be\s+non-empty|content\[\d+\]\.text:\s*text cannot be empty"),
        "messages",
        messages=({"role": "user", "content": [{"type": "text", "text": ""}]},),
        # The same part shape in both APIs; Anthropic's own sentence is the first wording.
        apis=("chat", "messages"),
    ),
    Statement(
        # Anthropic: an assistant tool_use block with no tool_result in the next (user) message (two
        # wordings: the ids left without results, and the next message's missing leading results).
        "tool_use without its tool_result",
        _s(
            rf"{_Q}tool_use{_Q} ids were found without {_Q}tool_result{_Q} blocks immediately after"
            r"|Messages following .?tool_use.? blocks must begin with a matching number of .?tool_result"
        ),
        "messages",
        apis=("messages",),
        messages=(
            _USER,
            {"role": "assistant", "content": [_TOOL_USE]},
            {"role": "user", "content": "Go on."},
        ),
        top=(("tools", [_ANTHROPIC_TOOL]),),
    ),
    Statement(
        # Anthropic: thinking enabled, and the final assistant turn (its tool_use) does not start with
        # the thinking block that produced it; the conversation goes on with that tool's result.
        "a final assistant turn without its thinking block",
        _s(
            rf"when {_Q}thinking{_Q} is enabled, a final {_Q}assistant{_Q} message must start with a thinking block"
        ),
        "messages",
        apis=("messages",),
        messages=(
            _USER,
            {"role": "assistant", "content": [_TOOL_USE]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": _TOOL_USE["id"], "content": "sunny"}],
            },
        ),
        top=(("thinking", {"type": "enabled", "budget_tokens": 1024}), ("tools", [_ANTHROPIC_TOOL])),
    ),
    Statement(
        # Anthropic: more than four cache breakpoints; the sentence counts them.
        "too many cache_control blocks",
        _s(r"A maximum of 4 blocks with cache_control may be provided\. Found (?P<n>\d+)"),
        # The Messages API counts breakpoints across system blocks, tools and message blocks.
        ("system", "tools", "messages"),
        apis=("messages",),
        derive=_cache_blocks,
    ),
    Statement(
        # OpenAI's validator (DeepSeek's wording says 'type: null'): the function's schema has no type.
        "a function schema without a type",
        _s(
            rf"Invalid schema for function {_Q}(?P<name>[\w:.-]+){_Q}: schema must be a JSON Schema of "
            rf"{_Q}type: {_Q}object{_Q}{_Q}, got {_Q}type: {_Q}?(?:None|null)"
        ),
        "tools",
        derive=_untyped_schema,
    ),
    Statement(
        "a function schema without a type (Responses API)",
        _s(
            rf"Invalid schema for function {_Q}(?P<name>[\w:.-]+){_Q}: schema must be a JSON Schema of "
            rf"{_Q}type: {_Q}object{_Q}{_Q}, got {_Q}type: {_Q}?(?:None|null)"
        ),
        "tools",
        apis=("responses",),
        derive=_untyped_flat_schema,
    ),
    Statement(
        # OpenAI ("Invalid 'tools': empty array. Expected an array with minimum length 1").
        "an empty tools array",
        _s(rf"Invalid {_Q}tools{_Q}: empty array"),
        "tools",
        apis=("chat", "responses"),
        top=(("tools", []),),
    ),
    Statement(
        # OpenAI ("Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'")
        # and serde-based servers ("messages[3]: missing field `tool_call_id`", DeepSeek).
        "a tool message without tool_call_id",
        _s(
            rf"messages with role {_Q}tool{_Q} must have a {_Q}tool_call_id"
            rf"|messages\[\d+\]: missing field {_Q}tool_call_id"
        ),
        "messages",
        messages=(_USER, _calling(), {"role": "tool", "content": "sunny"}),
        top=(("tools", [_TOOL]),),
    ),
    Statement(
        # llama.cpp ("Assistant message must contain either 'content' or 'tool_calls'!") and Zhipu
        # ("messages[4]:content和tool_calls 字段不能同时为空": content and tool_calls cannot both be empty).
        "an assistant message with neither content nor tool calls",
        _s(
            rf"Assistant message must contain either {_Q}content{_Q} or {_Q}tool_calls"
            r"|content和tool_calls\s*字段不能同时为空"
        ),
        "messages",
        messages=(_USER, {"role": "assistant", "content": None}, {"role": "user", "content": "Go on."}),
    ),
    Statement(
        # OpenAI: an image_url that is neither a URL nor a data: URL (bare base64).
        "an image URL without its data: prefix",
        _s(
            r"Expected a base64-encoded data URL with an image MIME type .{0,80}but got a value without the .data:. prefix"
        ),
        "messages.content",
        messages=(
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image?"},
                    {
                        "type": "image_url",
                        "image_url": {
                            "url": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAcCBlCwAAAABJRU5ErkJggg=="
                        },
                    },
                ],
            },
        ),
    ),
    Statement(
        # OpenAI's JSON mode on the Responses API.
        "JSON mode without the word json (Responses API)",
        _s(rf"Response input messages must contain the word {_Q}json{_Q}"),
        "text",
        apis=("responses",),
        top=(("text", {"format": {"type": "json_object"}}),),
    ),
    Statement(
        # Moonshot's Kimi in thinking mode: a replayed tool call without its reasoning_content.
        "a thinking-mode tool call without reasoning_content",
        _s(r"thinking is enabled but reasoning_content is missing in assistant tool call message"),
        "messages",
        messages=(_USER, _calling(), _RESULT),
        top=(("tools", [_TOOL]),),
    ),
    Statement(
        # ModelScope's Qwen thinking models: the call was not streamed.
        "thinking without streaming (stated as stream=False)",
        _s(r"enable thinking can not be support when .?stream=False"),
        "stream",
        top=(("stream", False),),
    ),
    Statement(
        "function call output without its call",
        _s(r"no tool call found for function call output with call_id (?P<id>[\w-]+)"),
        "input",
        apis=("responses",),
        derive=_function_call_output,
    ),
    Statement(
        "reasoning item without its following item",
        _s(r"(?P<id>rs_\w+).{0,20} of type .reasoning. was provided without its required following item"),
        "input",
        apis=("responses",),
        messages=(
            {"role": "user", "content": "What is the weather in Paris?"},
            {"type": "reasoning", "id": "rs_1", "summary": []},
        ),
    ),
    Statement(
        "item reference with store false",
        _s(r"item with id .(?P<id>[\w-]+). not found\. items are not persisted when .store. is set to false"),
        "input",
        apis=("responses",),
        derive=_item_reference,
    ),
    Statement(
        "a chat body sent to the Responses API",
        _s(r"unsupported parameter: .messages.\. in the responses api"),
        "messages",
        apis=("responses",),
        top=(("messages", [_USER]),),
        drop=("input",),  # "this parameter has moved to 'input'": the body had messages instead
    ),
    Statement(
        # Anthropic (and Bedrock relaying it) names both fields: the request set both.
        "temperature and top_p together",
        _s(rf"{_Q}temperature{_Q} and {_Q}top_p{_Q} cannot both be specified"),
        "top_p",
        apis=("chat", "messages"),
        top=(("temperature", DEFAULT_VALUES["temperature"]), ("top_p", DEFAULT_VALUES["top_p"])),
    ),
    Statement(
        # Anthropic: the request enabled thinking with a budget not below max_tokens. The sentence gives
        # neither number; the budget equal to the max_tokens the build already holds is the least such
        # request (the default max_tokens, as max_tokens is named by the same sentence).
        "a thinking budget not below max_tokens",
        _s(rf"{_Q}max_tokens{_Q} must be greater than {_Q}thinking\.budget_tokens"),
        "thinking",
        apis=("messages",),
        top=(("thinking", {"type": "enabled", "budget_tokens": DEFAULT_VALUES["max_tokens"]}),),
    ),
    # --- issue 9 round 7: wordings of dev entries whose text states the shape (docs/accuracy.md, 18th pass)
    Statement(
        "a tool name outside the quoted pattern",
        _s(rf"Invalid {_Q}tools\[(?P<n>\d+)\]\.function\.name{_Q}: string does not match pattern"),
        "tools",
        derive=_tool_name_pattern,
    ),
    Statement(
        "a replayed call's name outside the quoted pattern",
        _s(
            rf"Invalid {_Q}messages\[\d+\]\.tool_calls\[\d+\]\.function\.name{_Q}: string does not match pattern"
        ),
        "messages",
        derive=_history_name_pattern,
    ),
    Statement(
        "a tool description longer than the stated maximum, with its length",
        _s(
            rf"Invalid {_Q}tools\[(?P<n>\d+)\]\.function\.description{_Q}: string too long\. Expected a string "
            r"with maximum length \d+, but got a string with length (?P<length>\d+)"
        ),
        "tools",
        derive=_description_too_long,
    ),
    Statement(
        # Anthropic's validator names the refused key by its path; at the top level the path is the key.
        "a top-level key Anthropic does not have",
        _s(r"(?:^|[\s\"'{(:])(?P<key>[a-z][a-z0-9_]*)\s*:\s*Extra inputs are not\s+permitted"),
        "",
        apis=("messages",),
        derive=_anthropic_extra_top,
    ),
    Statement(
        "a content block carrying a key Anthropic does not have",
        _s(
            r"messages\.\d+\.content\.\d+\.(?P<type>tool_use|text)\.(?P<key>\w+)\s*:\s*Extra inputs are not\s+permitted"
        ),
        "messages",
        apis=("messages",),
        derive=_anthropic_extra_block,
    ),
    Statement(
        "a tool_use id outside Anthropic's pattern",
        _s(r"messages\.\d+\.content\.\d+\.tool_use\.id: String should match pattern"),
        "messages",
        apis=("messages",),
        derive=_anthropic_tool_use_id,
    ),
    # --- issue 9 round 8 (nineteenth pass): dev wordings that state the shape
    Statement(
        "a function parameters schema that is not an object",
        _s(
            rf"(?:{_Q}(?P<name>[\w.-]+){_Q}\s+)?(?:functionDeclaration|function) parameters schema should be "
            r"of type OBJECT"
        ),
        "tools",
        derive=_non_object_parameters,
    ),
    Statement(
        "an Anthropic tool name outside the quoted pattern",
        _s(r"tools\.(?P<n>\d+)\.(?:custom\.)?name: String should match pattern"),
        "tools",
        apis=("messages",),
        derive=_anthropic_tool_name,
    ),
    Statement(
        "a message without content",
        _s(r"The content field is a required field"),
        "messages",
        messages=({"role": "user"},),
    ),
    Statement(
        "two input items with one id",
        _s(r"Duplicate item found with id (?P<id>[\w-]+)\. Remove duplicate items"),
        "input",
        apis=("responses",),
        derive=_duplicate_item,
    ),
    Statement(
        # Gemini: a function call turn that follows neither a user turn nor a function response; the
        # least such conversation opens with the call (the system prompt is sent apart).
        "a function call turn with no user turn before it",
        _s(r"function call turn comes immediately after a user turn or after a function response turn"),
        "messages",
        messages=(_calling(), _RESULT),
        top=(("tools", [_TOOL]),),
    ),
    Statement(
        "an image whose data is not base64",
        _s(r"illegal base64 data at input byte \d+"),
        "messages",
        derive=_not_base64_image,
    ),
)


# --- building the request -----------------------------------------------------------------------
def _message_with(role: str, name: str) -> list[dict[str, Any]]:
    """Messages ending the conversation with a ``role`` message carrying the extra field ``name``
    (the field's own value is unknown; an empty-ish string is what clients replay)."""
    extra: Any = "Let me think." if name.startswith("reasoning") else ""
    if role == "assistant":
        return [
            {"role": "assistant", "content": "Hello.", name: extra},
            {"role": "user", "content": "Go on."},
        ]
    if role == "tool":
        return [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny", name: extra},
        ]
    return [{"role": role, "content": "Hi.", name: extra}]


def build_request(entry: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The request an entry proves, and how it was obtained (``"request"``/``"built"``/a reason).

    - The entry's ``request`` when the thread shows it: a verbatim one exactly as is; a reconstructed
      fragment with ``model`` filled from the entry and a one-line user message added when it has
      neither ``messages`` nor ``input`` (threads often quote only the offending part).
    - Otherwise built from what the error text names (:func:`named_by`): a minimal request
      (``model`` from the entry, one user message) plus each named top-level parameter with the
      value the error quotes (else the commonest client value, :data:`DEFAULT_VALUES`); a message
      field named by location is put on a message of the named role; two roles named as adjacent
      are put adjacent; a sentence that states the request's shape (:data:`STATEMENTS`, e.g.
      "messages with role 'tool' must be a response to a preceding message with 'tool_calls'")
      adds exactly that shape to the conversation; a capability the error says is missing (tools, images) gets one function
      tool or one image part. The label (rule id or cause) is never read.
    - Not evaluable when the error names nothing in the request (context length, role
      alternation with no roles named, ...), when the entry has no model and the error is about
      parameters, or for an API toolguard does not check.
    """
    if (kind := native_kind(entry)) is not None:
        return build_native_request(entry, kind)
    if gemini_native(entry):
        return build_gemini_request(entry)
    api = entry.get("api")
    if api not in ENDPOINT_KINDS:
        return None, f"api {api!r} is not checked by toolguard"
    model = entry.get("model") or "unknown-model"
    request = entry.get("request")
    unnamed = entry.get("class") == "model" and not _names_model(entry)
    if isinstance(request, dict) and unnamed:
        # The same bar as a built request: a shown request names the model only through a real id.
        return None, "a model-capability failure whose model the thread does not name"
    if isinstance(request, dict):
        body = dict(request)
        if entry.get("request_fidelity") == "verbatim":
            return body, "request"  # the whole request as sent: nothing is filled in
        body.setdefault("model", model)
        if api == "responses":
            if "input" not in body and "messages" not in body:
                body["input"] = "Hi."
        elif "messages" not in body and "input" not in body:
            body["messages"] = [{"role": "user", "content": "Hi."}]
        return body, "request"
    named = named_by(entry.get("body"))
    if not named:
        return None, "the error names no request field"
    if unnamed:
        return None, "a model-capability failure whose model the thread does not name"
    for name, value in named.params.items():
        if value is None and name not in STRUCTURAL and _in_stated_range(_text(entry.get("body")), name):
            # "the valid range of max_tokens is [1, 8192]": the sent value lay outside it, but the
            # text does not say where, and the common default would lie inside it.
            return None, "the error states the valid range of a field but not the value sent"
    base: dict[str, Any]
    if api == "responses":
        base = {"model": model, "input": "Hi."}
    else:
        base = {"model": model, "messages": [{"role": "user", "content": "What is the weather in Paris?"}]}
    body = json.loads(json.dumps(base))
    defaulted: set[str] = set()
    for name, value in named.params.items():
        if name in body or name in STRUCTURAL:
            continue
        body[name] = value if value is not None else _default(name)
        if value is None:
            defaulted.add(name)
    if api != "responses":
        messages = body["messages"]
        for role, name in named.message_fields:
            messages.extend(_message_with(role, name))
        if "image" in named.capabilities:
            messages.append(
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is in this image?"},
                        {"type": "image_url", "image_url": {"url": _IMAGE_URL}},
                    ],
                }
            )
    for statement, found in named.statements:
        if api in statement.apis:
            statement.build(found, body, frozenset(defaulted))
    if "tools" in named.capabilities or body.get("tool_choice") not in (None, "none"):
        body.setdefault("tools", [_TOOL])
    if api == "messages":
        # The Messages API requires max_tokens; a request that got any other answer had one (the
        # common value unless the error quotes it), so its absence is not a failure the thread shows.
        base["max_tokens"] = DEFAULT_VALUES["max_tokens"]
        body.setdefault("max_tokens", base["max_tokens"])
    if body == base:
        return None, "the error names only fields whose content it does not show"
    return body, "built"


#: Model ids a thread shows only as a template slot (``<YOUR_ENDPOINT_ID>``, ``{model}``, ``YOUR_MODEL``).
_PLACEHOLDER_MODEL: Final = re.compile(r"^\s*(?:<[^>]*>|\{[^}]*\}|\$\{?\w+\}?|your[_-]\w*)\s*$", re.I)


def _names_model(entry: dict[str, Any]) -> bool:
    """Whether the thread names the model: the entry's model, or the shown request's, not a placeholder."""
    request = entry.get("request")
    shown = request.get("model") if isinstance(request, dict) else None
    return any(
        isinstance(model, str) and model.strip() and not _PLACEHOLDER_MODEL.match(model)
        for model in (entry.get("model"), shown)
    )


def _in_stated_range(text: str, name: str) -> bool:
    """Whether ``text`` states the valid range of ``name`` and its common default lies inside it."""
    key = re.escape(name)
    found = re.search(rf"range of {_QUOTED}{key}{_QUOTED} is \[\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\]", text)
    if found is None:
        return False
    default = _default(name)
    return isinstance(default, int | float) and float(found[1]) <= default <= float(found[2])


def _snake(name: str) -> str:
    """``reasoningEffort`` → ``reasoning_effort`` (other names unchanged)."""
    return _CAMEL.sub(lambda m: f"{m.group()[0]}_{m.group()[1].lower()}", name)


def _default(name: str) -> Any:
    """The commonest client value of ``name`` (a camelCase spelling takes its snake_case twin's);
    a vendor field with no common value gets a short string: its presence is what the error names."""
    return DEFAULT_VALUES.get(name, DEFAULT_VALUES.get(_snake(name), "x"))


def url_for(entry: dict[str, Any]) -> str:
    """The entry's URL when it is a full http(s) URL to the API kind's path, else the provider's
    public base URL (built-in profile, else :data:`OTHER_BASE_URLS`) plus that path."""
    if (kind := native_kind(entry)) is not None:
        return native_url_for(entry, kind)
    if gemini_native(entry):
        return gemini_url_for(entry)
    api = entry.get("api") or "chat"
    path = API_PATHS.get(api, "/chat/completions")
    url = entry.get("url")
    if isinstance(url, str) and url.startswith("http") and url.split("?", 1)[0].rstrip("/").endswith(path):
        return url
    provider = entry.get("provider") or ""
    profile = BUILTIN_PROFILES.get(provider)
    base = profile.base_url if profile is not None and profile.base_url else OTHER_BASE_URLS.get(provider)
    base = base or "https://unknown.example/v1"
    for placeholder, value in _PLACEHOLDERS.items():
        base = base.replace(placeholder, value)
    base = base.rstrip("/")
    if api == "messages" and not base.endswith("/v1"):
        path = "/v1" + path  # Anthropic-style bases (https://api.anthropic.com) put /v1 in the path
    return base + path


def target_for(entry: dict[str, Any], url: str) -> Target:
    """The entry names its provider, so a built-in provider is taken as a user's host mapping
    would give it (not guessed from a shared port); other providers are detected from the URL."""
    target = Target.from_url(url, DEFAULT_REGISTRY)
    profile = BUILTIN_PROFILES.get(entry.get("provider") or "")
    return dataclasses.replace(target, provider=profile) if profile is not None else target


# --- matching -------------------------------------------------------------------------------------
_INDEX: Final = re.compile(r"\[\d+\]")


def field_of(location: str) -> str:
    """``messages[3].content[0].text`` → ``messages.content.text``; ``tools[0]`` → ``tools``."""
    return _INDEX.sub("", location).strip(".")


def _same_field(a: str, b: str) -> bool:
    """Equal, or one is a dotted prefix of the other (``messages`` names every message field)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


#: The request field each ``cause.*`` label is about, for errors whose text names no field (label
#: vocabulary, like LABEL_ALIASES: it says what the cause concerns, never what the request held).
CAUSE_FIELDS: Final[dict[str, str | tuple[str, ...]]] = {
    "cause.model-no-tools": "tools",
    "cause.tools-with-json-mode": "response_format",
    "cause.tool-choice-unsupported": "tool_choice",
    "cause.model-no-vision": "messages.content",
    "cause.too-many-images": "messages.content",
    "cause.content-array-unsupported": "messages.content",
    "cause.content-part-unsupported": "messages.content",
    "cause.empty-content": "messages",
    "cause.role-order": "messages",
    "cause.last-message-assistant": "messages",
    "cause.no-user-message": "messages",
    "cause.model-no-system-role": "messages",
    "cause.missing-tool-result": "messages",
    "cause.thought-signature-missing": "messages",
    "cause.thinking-block-missing": "messages",
    "cause.tool-call-id-invalid": "messages",
    "cause.extra-message-field": "messages",
    "cause.max-tokens-too-large": "max_tokens",
    "cause.context-length-exceeded": "messages",
    "cause.temperature-with-top-p": "top_p",
    "cause.item-reference-without-store": "input",
    "cause.tool-schema-invalid": "tools",
    "cause.tool-name-reserved": "tools",
    # A replayed tool call's arguments (chat completions) or a function_call item's (the Responses API).
    "cause.tool-arguments-invalid": ("messages.tool_calls", "input.arguments"),
    "cause.response-format-invalid": "response_format",
    "cause.wrong-endpoint": "model",
    # The model id itself (a router's id without its vendor, Vertex's id without its publisher).
    "cause.model-not-found": "model",
    "cause.model-no-json-mode": "response_format",
    # The thinking switch and its budget (Anthropic's and Z.ai's ``thinking`` object); the native
    # Gemini API's own field is in GEMINI_CAUSE_FIELDS.
    "cause.thinking-budget-invalid": "thinking",
    # The effort field of each API (chat, Responses, Anthropic's Messages), and the sampling fields the
    # reasoning families refuse.
    "cause.reasoning-effort-unsupported": ("reasoning_effort", "reasoning.effort", "output_config.effort"),
    "cause.sampling-on-reasoning-model": ("temperature", "top_p", "presence_penalty", "frequency_penalty"),
    # Function tools with an effort on chat completions: OpenAI names the effort as the param (the fix is its
    # value, or the Responses API), and the tools are the other half of the combination.
    "cause.tools-with-reasoning-effort": ("reasoning_effort", "tools"),
    "cause.reasoning-item-missing": "input",
    "cause.reasoning-item-invalid": "input",
}
#: The Responses API keeps the conversation in ``input``, not ``messages``: a cause about the messages
#: concerns the same items there (``messages.content`` -> ``input.content``).
_RESPONSES_FIELD: Final = re.compile(r"^messages(?=\.|$)")


def cause_fields(label: str, api: str = "chat") -> set[str]:
    """The request fields a ``cause.*`` label concerns (:data:`CAUSE_FIELDS`), for the entry's API."""
    value = CAUSE_FIELDS.get(label, ())
    fields = {value} if isinstance(value, str) else set(value)
    if api == "responses":
        fields = {_RESPONSES_FIELD.sub("input", name) for name in fields}
    return fields


#: The catalog's rule that reports a params.* cause under another name on any host: the reasoning
#: families' fixed temperature is one of the sampling fields model.sampling-on-reasoning-model reports.
MODEL_RULE_FOR: Final = {"params.temperature-on-reasoning-model": "model.sampling-on-reasoning-model"}

#: Rule ids that split one provider answer by toolguard's own bookkeeping: a provider that refuses a
#: top-level field says the same thing whether or not the field is in OpenAI's schema (Cerebras'
#: "property 'body.store' is unsupported" and "property 'body.maxTokens' is unsupported"), and
#: toolguard reports the first as params.rejected-by-provider, the second as params.unknown.
SAME_CAUSE: Final = {
    "params.unknown": "params.rejected-by-provider",
    "params.rejected-by-provider": "params.unknown",
    # A tool name outside the provider's pattern: tools.invalid-name on chat completions,
    # anthropic.invalid-tool-name on the Messages API (one cause, the API's own rule).
    "tools.invalid-name": "anthropic.invalid-tool-name",
    "anthropic.invalid-tool-name": "tools.invalid-name",
    # Both samplers to a Claude 4.5+ model: anthropic.temperature-with-top-p on the Messages API's own
    # host, model.temperature-with-top-p from the catalog off it (one cause, the host decides the rule).
    "anthropic.temperature-with-top-p": "model.temperature-with-top-p",
    "model.temperature-with-top-p": "anthropic.temperature-with-top-p",
}


def _rule_labels(label: str) -> set[str]:
    """The rule ids a rule-id label stands for: itself; a legacy id's current rule; the rule that
    reports the same provider answer (:data:`SAME_CAUSE`); and the catalog's ``model.*`` rule of the
    same name (it detects the same cause on any host)."""
    rule = label.split(":", 1)[0]
    ids = {rule, LABEL_ALIASES.get(rule, rule)}
    ids |= {SAME_CAUSE[i] for i in ids if i in SAME_CAUSE}
    family, _, name = rule.partition(".")
    if family == "params":
        ids.add(f"model.{name}")
        ids |= {MODEL_RULE_FOR[i] for i in ids if i in MODEL_RULE_FOR}
    return ids


def matches(label: str, finding: Finding, named: Named, api: str = "chat") -> bool:
    """An error finding matches a rule-id label when its rule is that rule (:func:`_rule_labels`);
    it matches a ``cause.*`` label when it is located at a field the error text names
    (:func:`named_by`), or, when the text names none, at the field the cause concerns
    (:data:`CAUSE_FIELDS`); ``messages`` covers every message field; or on a dotted path the text
    quotes (:func:`on_path`)."""
    if finding.severity != Severity.ERROR:
        return False
    if not label.startswith("cause."):
        return finding.rule in _rule_labels(label)
    spot = field_of(finding.location)
    # A text that names no field through a pattern may still mention parameters in passing: they locate the
    # error as well as the cause's own fields do (added to them, so no reading is lost).
    fields = named.fields or (cause_fields(label, api) | set(named.mentioned))
    # A dotted path the text quotes locates the error too (:func:`on_path`).
    return any(_same_field(spot, name) for name in fields) or any(
        on_path(finding.location, p) for p in named.paths
    )


# --- the evaluation ---------------------------------------------------------------------------------
@dataclass(slots=True)
class Outcome:
    id: str
    split: str
    cls: str
    label: str
    evaluable: bool
    how: str
    hit: bool = False
    errors: list[str] = field(default_factory=list)
    #: Caught when the same request comes back after this host refused it once (:func:`caught_on_repeat`).
    repeat_hit: bool = False


def label_matcher(entry: dict[str, Any]) -> Callable[[Finding], bool]:
    """Whether a finding names the entry's label: the one test every scorer applies (a native API's,
    Gemini's native API's, else the chat and Responses labels')."""
    if (kind := native_kind(entry)) is not None:
        return lambda f: native_matches(entry, kind, f)
    if gemini_native(entry):
        return lambda f: gemini_matches(entry["root_cause"], f, entry.get("body"))
    named = named_by(entry.get("body"))
    api = entry.get("api") or "chat"
    return lambda f: matches(entry["root_cause"], f, named, api)


@dataclass(slots=True)
class Analysed:
    """An entry's request as every scorer sends it (:func:`analysed`): built, analysed, its matcher."""

    body: dict[str, Any]
    url: str
    target: Target
    findings: list[Finding]
    hit: Callable[[Finding], bool]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]


def analysed(entry: dict[str, Any]) -> tuple[Analysed | None, str]:
    """The entry's request (:func:`build_request`, or None when it cannot be built), analysed at its URL
    for its target, with its label's matcher; and how it was built (or why not)."""
    body, how = build_request(entry)
    if body is None:
        return None, how
    url = url_for(entry)
    target = target_for(entry, url)
    findings = analyse_request(json.dumps(body), url, target=target).findings
    return Analysed(body, url, target, findings, label_matcher(entry)), how


def evaluate_failure(entry: dict[str, Any]) -> Outcome:
    outcome = Outcome(entry["id"], entry["split"], entry["class"], entry["root_cause"], False, "")
    request, outcome.how = analysed(entry)
    if request is None:
        return outcome
    outcome.evaluable = True
    errors = request.errors
    outcome.errors = [f"{f.rule}@{f.location}" for f in errors]
    outcome.hit = any(request.hit(f) for f in errors)
    outcome.repeat_hit = outcome.hit or caught_on_repeat(
        entry, request.body, request.url, request.target, errors, request.hit
    )
    return outcome


#: Learned-from: (the recognition, the constraint a proxy would learn), as learned_store keeps them.
Learned = tuple[Any, LearnedConstraint]


def learned_from(
    entry: dict[str, Any], body: dict[str, Any], target: Target, errors: list[Finding]
) -> Learned | None:
    """What the proxy learns from this entry's refusal of ``body`` (``parse_error`` then
    ``recognise_error`` with the request, as the proxy reads an answer): a constraint, not a transient
    cause, not one a built-in rule already gave an error for (learned_store.predicted_by_builtin, as
    learned_store.learn_from_rows keeps them)."""
    provider = target.provider.id if target.provider is not None else None
    text = entry.get("body")
    raw = text if isinstance(text, str) else json.dumps(text)
    recognition = recognise_error(
        parse_error(raw, status=entry.get("status")),
        provider=provider,
        finding_rules=[f.rule for f in errors],
        status=entry.get("status"),
        request=body,
    )
    if recognition is None or recognition.constraint is None or recognition.cause.transient:
        return None
    if predicted_by_builtin(recognition.cause_id, recognition.rule_id, recognition.constraint.name, errors):
        return None
    constraint = recognition.constraint
    learned = LearnedConstraint(
        kind=constraint.kind,
        name=constraint.name,
        value=constraint.value,
        cause_id=recognition.cause_id,
        error_text=raw,
        first_flow=entry["id"],
    )
    return recognition, learned


def learned_server(entry: dict[str, Any]) -> LearnedServer | None:
    """The engine this entry's answer names, as the proxy's writer reads it (toolguard_core.engines on the
    answer's text: learned_store._observe_servers), or None."""
    text = entry.get("body")
    raw = text if isinstance(text, str) else json.dumps(text)
    evidence = engines.from_error_text(raw)
    if evidence is None:
        return None
    return LearnedServer(
        evidence.kind, evidence.name, evidence.via, evidence.signature, evidence.text, entry["id"]
    )


def engine_errors(findings: Iterable[Finding]) -> list[Finding]:
    """The error findings a learned engine made errors (Rule.report's note says so)."""
    return [f for f in findings if f.severity == Severity.ERROR and ENGINE_NOTE_OPEN in f.message]


def valid_after_learning(
    failures_: Iterable[dict[str, Any]], valid: Iterable[dict[str, Any]], *, any_model: bool = False
) -> dict[str, list[str]]:
    """The learned error findings on the accepted requests once every failure's constraint is learned
    for its host and model, as the proxy keys them (learning from a refusal must never turn a request
    the host accepts into an error). ``any_model`` applies each to every model on the host: stricter
    than the proxy, it shows what a model-scoped refusal would flag on the host's other models."""
    by_host: dict[tuple[str, str], list[LearnedConstraint]] = {}
    servers: dict[tuple[str, str], list[LearnedServer]] = {}
    for entry in failures_:
        body, _how = build_request(entry)
        if body is None:
            continue
        url = url_for(entry)
        target = target_for(entry, url)
        analysis = analyse_request(json.dumps(body), url, target=target)
        errors = [f for f in analysis.findings if f.severity == Severity.ERROR]
        found = learned_from(entry, body, target, errors)
        model = "" if any_model else analysis.model  # the model the proxy keys it by (a native URL's too)
        key = (learned_host(target.host, target.port, target.scheme), model or "")
        if found is not None:
            by_host.setdefault(key, []).append(found[1])
        server = learned_server(entry)
        if server is not None:
            servers.setdefault(key, []).append(server)
    knowledge = Knowledge(
        {
            key: Calibration(tuple(by_host.get(key, ())), servers=tuple(servers.get(key, ())))
            for key in {*by_host, *servers}
        }
    )
    out: dict[str, list[str]] = {}
    for entry in valid:
        if entry.get("api") not in ENDPOINT_KINDS:
            continue
        url = entry["url"]
        analysis = analyse_request(
            json.dumps(entry["request"]), url, target=target_for(entry, url), knowledge=knowledge
        )
        learned = [
            f.one_line() for f in analysis.findings if is_learned(f.rule) and f.severity == Severity.ERROR
        ] + [f.one_line() for f in engine_errors(analysis.findings)]
        if learned:
            out[entry["id"]] = learned
    return out


def caught_on_repeat(
    entry: dict[str, Any],
    body: dict[str, Any],
    url: str,
    target: Target,
    errors: list[Finding],
    hit: Callable[[Finding], bool],
) -> bool:
    """Whether toolguard flags the request when it comes back after this host refused it once: the
    refusal is read as the proxy reads an upstream answer (``parse_error`` then ``recognise_error``
    with the request), what it names becomes a learned constraint for the host and model
    (learned_store.learn_from_rows keeps the same ones: a constraint, not a transient cause, not a
    rule that already gave an error), and the request is checked again with that knowledge. A
    ``learned.*`` error is then a hit when it matches the entry's label as any finding must
    (``hit``), or the refusal was recognised as the labelled rule itself (a legacy rule-id label names
    no field). So the refusals no request property shows (a server flag, a server version, one
    model's template) are caught from their second occurrence on the host that refused them."""
    found = learned_from(entry, body, target, errors)
    server = learned_server(entry)  # the engine the answer names (the writer learns both)
    if found is None and server is None:
        return False
    host = learned_host(
        target.host, target.port, target.scheme
    )  # the proxy's key (host, and a non-default port)
    model = body.get("model") if isinstance(body.get("model"), str) else ""
    knowledge = Knowledge(
        {
            (host, model or ""): Calibration(
                (found[1],) if found is not None else (), servers=(server,) if server is not None else ()
            )
        }
    )
    again = analyse_request(json.dumps(body), url, target=target, knowledge=knowledge)
    learned_errors = [f for f in again.findings if is_learned(f.rule) and f.severity == Severity.ERROR]
    if any(hit(f) for f in engine_errors(again.findings)):
        return True
    if not learned_errors or found is None:
        return False
    recognition = found[0]
    label = entry["root_cause"]
    return any(hit(f) for f in learned_errors) or (
        not label.startswith("cause.")
        and (
            bool(recognition.labels & _rule_labels(label))
            or any(_at_label_detail(label, f.location) for f in learned_errors)
        )
    )


#: The kinds an ``other``-API entry's URL can name that toolguard validates (its native APIs): a valid request
#: to one of them is judged like a chat one (a Converse body Bedrock accepted must get no error either).
NATIVE_CHECKED_KINDS: Final = frozenset({"messages", "gemini", "converse", "ollama"})


def checked_api(entry: dict[str, Any]) -> bool:
    """Whether toolguard validates the API an accepted request was sent to: a checked ``api``, or an ``other``
    entry whose URL is one of the native paths the addon validates (Bedrock Converse, Gemini, Ollama, ...)."""
    if entry.get("api") in ENDPOINT_KINDS:
        return True
    url = entry.get("url")
    return (
        entry.get("api") == "other"
        and isinstance(url, str)
        and url.startswith("http")
        and endpoint_kind(url.split("?", 1)[0]) in NATIVE_CHECKED_KINDS
    )


def _at_label_detail(label: str, location: str) -> bool:
    """A legacy ``rule:detail`` label names the refused key (``gemini.schema-keyword:additionalProperties``,
    ``vllm.extra-forbidden:messages.name``): a learned error on that key matches it."""
    _, _, detail = label.partition(":")
    parts = [p for p in re.split(r"[.\[\]]+", location) if p]
    return bool(detail) and bool(parts) and parts[-1] == detail.split(".")[-1]


def evaluate_valid(entry: dict[str, Any]) -> list[str]:
    """The error findings on one accepted request (each is a false positive). Only requests to an
    API toolguard checks are run (:func:`checked_api`: Chat Completions, Responses, Messages and the native
    Gemini, Bedrock Converse and Ollama paths; a Cohere-native body, say, is passed through unchecked)."""
    url = entry["url"]
    request = entry["request"]
    target = target_for(entry, url)
    analysis = analyse_request(json.dumps(request), url, target=target)
    return [f.one_line() for f in analysis.findings if f.severity == Severity.ERROR]


def failures(split: str) -> Iterator[dict[str, Any]]:
    """The split's failures of the three measured classes; the split is filtered before anything
    else reads an entry, so a dev run never touches held-out bodies. ``probe`` reads the probe file only."""
    if split == "probe":
        yield from (entry for entry in read_jsonl(PROBE) if entry["class"] in CLASSES)
        return
    for entry in load_failures():
        if entry["split"] == split and entry["class"] in CLASSES:
            yield entry


def score(splits: Iterable[str], probe: Path | None = None) -> dict[str, Any]:
    """Recall per class for each split (and for ``probe``, a file of unseen failures in the same
    shape, scored as one more part named after it), plus the error findings on the valid requests."""
    result: dict[str, Any] = {"splits": {}, "valid": {}}
    parts: list[tuple[str, list[dict[str, Any]]]] = [(split, list(failures(split))) for split in splits]
    if probe is not None:
        rows_ = [e for e in read_jsonl(probe) if e["class"] in CLASSES]
        parts.append(("probe", rows_))
    for split, entries in parts:
        rows: dict[str, dict[str, Any]] = {}
        outcomes = [evaluate_failure(entry) for entry in entries]
        for cls in CLASSES:
            mine = [o for o in outcomes if o.cls == cls]
            evaluable = [o for o in mine if o.evaluable]
            hits = sum(o.hit for o in evaluable)
            repeats = sum(o.repeat_hit for o in evaluable)
            rows[cls] = {
                "entries": len(mine),
                "evaluable": len(evaluable),
                "from_request": sum(o.how == "request" for o in evaluable),
                "built": sum(o.how == "built" for o in evaluable),
                "hits": hits,
                "recall": round(hits / len(evaluable), 3) if evaluable else None,
                # Caught once this host has refused the request (a learned constraint): see caught_on_repeat.
                "repeat_hits": repeats,
                "repeat_recall": round(repeats / len(evaluable), 3) if evaluable else None,
                # Why the others are not evaluable (reason → count): summary numbers only.
                "not_evaluable": dict(Counter(o.how for o in mine if not o.evaluable).most_common()),
            }
        result["splits"][split] = {"classes": rows, "_outcomes": outcomes}
    valid_errors: dict[str, list[str]] = {}
    valid = load_valid()
    checked = [entry for entry in valid if checked_api(entry)]
    for entry in checked:
        errors = evaluate_valid(entry)
        if errors:
            valid_errors[entry["id"]] = errors
    result["valid"] = {
        "requests": len(valid),
        "checked": len(checked),
        "with_errors": len(valid_errors),
        "errors": valid_errors,
    }
    if "dev" in result["splits"]:
        # Every dev failure's constraint learned for its host, then the accepted requests checked again.
        learned_from_dev = list(failures("dev"))
        after = valid_after_learning(learned_from_dev, valid)
        any_model = valid_after_learning(learned_from_dev, valid, any_model=True)
        result["valid"]["after_learning"] = {
            "with_errors": len(after),
            "errors": after,
            "with_errors_any_model": len(any_model),
        }
    return result


# --- Gemini's native API (:generateContent) -----------------------------------------------------------
#: The providers whose ``other``-API entries are Gemini's native API: the corpus files them as ``other``
#: (it predates the ``gemini`` kind); a URL to the OpenAI-compatible endpoint keeps an entry out.
GEMINI_NATIVE_PROVIDERS: Final = frozenset({"gemini", "vertex"})
GEMINI_BASE: Final = "https://generativelanguage.googleapis.com/v1beta/models/{model}:generateContent"
#: ``Unknown name "x" at 'path'`` (the path is absent for a top-level field); Code Assist prefixes the
#: path with ``request.``.
_GEMINI_UNKNOWN: Final = re.compile(
    r"Unknown name \\*\"(?P<name>[^\"\\]+)\\*\"(?: at \\*'(?P<path>[^'\\]+)\\*')?", re.I
)
#: ``GenerateContentRequest.<path>: <problem>`` (the proto validator's own lines), or since 2025 a list under
#: "The GenerateContentRequest proto is invalid:" whose items are ``* <path>: [FIELD_INVALID] <problem>``.
_GEMINI_PROTO: Final = re.compile(
    r"(?:GenerateContentRequest\.|\*\s+(?=[a-z_]+\[\d+\]\.[\w.\[\]]+: \[FIELD_))(?P<path>[\w.\[\]]+): (?P<what>[^\n\\]+)"
)
#: The request fields that may not accompany ``cachedContent``, named by either wording of the refusal.
_GEMINI_CACHE: Final = re.compile(
    r"CachedContent can not be used with GenerateContent request setting system_instruction|"
    r"should not be set in ?the ?request when using cached content",
    re.I,
)
_GEMINI_RANGE: Final = re.compile(r"has a (?P<name>\w+) value of (?P<value>-?[\d.]+) but the supported range")
#: A value for a field an error names, so the built request carries it as a client would have.
_GEMINI_VALUES: Final[dict[str, Any]] = {
    "additionalProperties": False,
    "additional_properties": False,
    "$schema": "http://json-schema.org/draft-07/schema#",
    "strict": True,
    "id": "call_1",
    "const": "a",
    "title": "T",
    "thoughtSignature": "c2lnbmF0dXJl",
    # A Content object, as every client sends it: a bare "x" would be a wrong kind for the field, a second
    # fault the refusal did not name (an endpoint version without the field refuses its name alone).
    "systemInstruction": {"parts": [{"text": "Be brief."}]},
    "system_instruction": {"parts": [{"text": "Be brief."}]},
}
#: The names of the Gemini request model's object-valued fields (messages, maps, Structs), JSON and proto
#: spellings: a built one gets an empty object, the kind a client sends, so the built request holds no
#: second fault (a wrong kind) beside the name the refusal states.
_GEMINI_OBJECT_FIELDS: Final = frozenset(
    name
    for message in gemini_model.MESSAGES.values()
    for json_name, field in message["fields"].items()
    if field["type"] in ("message", "object") and not field.get("repeated")
    for name in (json_name, field["proto"])
)
_G_USER: Final = {"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}
_G_CALL: Final = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
_G_RESPONSE: Final = {"functionResponse": {"name": "get_weather", "response": {"temperature": "18C"}}}
_G_TOOLS: Final = [
    {
        "functionDeclarations": [
            {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            }
        ]
    }
]


def gemini_native(entry: dict[str, Any]) -> bool:
    """Whether an entry is a request to Gemini's native API (the ``gemini`` endpoint kind)."""
    api = entry.get("api")
    if api == "gemini":
        return True
    url = entry.get("url") or ""
    return (
        api == "other"
        and entry.get("provider") in GEMINI_NATIVE_PROVIDERS
        and "/openai/" not in url
        and "chat/completions" not in url
    )


def gemini_url_for(entry: dict[str, Any]) -> str:
    """The entry's URL when it is a native Gemini URL, else the Gemini API's for the entry's model."""
    url = entry.get("url")
    # Code Assist's /v1internal wraps the request; the errors quote the inner one, which is what is built.
    if (
        isinstance(url, str)
        and url.startswith("http")
        and "enerateContent" in url
        and "/v1internal" not in url
    ):
        return url
    return GEMINI_BASE.format(model=entry.get("model") or "unknown-model")


def _gemini_path(path: str) -> list[tuple[str, int | None]]:
    """``request.tools[0].function_declarations[1].parameters`` → [(tools, 0), (function_declarations, 1),
    (parameters, None)] (the Code Assist ``request.`` and the proto's ``GenerateContentRequest.`` dropped)."""
    path = re.sub(r"^(?:request\.|GenerateContentRequest\.)", "", path)
    out: list[tuple[str, int | None]] = []
    for segment in path.split("."):
        found = re.fullmatch(r"(?P<name>[^\[\]]+)(?:\[(?P<index>[^\]]+)\])?", segment)
        if found is None:
            return []
        index = found["index"]
        out.append((found["name"], int(index) if index is not None and index.isdigit() else None))
    return out


def _gemini_place(path: list[tuple[str, int | None]], leaf: dict[str, Any]) -> dict[str, Any] | None:
    """A minimal request whose node at ``path`` is ``leaf`` (merged into what that level needs), or None
    for a path this builder cannot follow."""
    body: dict[str, Any] = {"contents": [json.loads(json.dumps(_G_USER))]}
    if not path:
        body.update(leaf)
        return body
    head, _ = path[0]
    if head in ("generation_config", "generationConfig"):
        node: dict[str, Any] = {}
        body["generationConfig"] = node
        rest = path[1:]
        if rest and rest[0][0] in ("response_schema", "responseSchema"):
            node["responseMimeType"] = "application/json"
            schema: dict[str, Any] = {"type": "object", "properties": {"a": {"type": "string"}}}
            node["responseSchema"] = schema
            return body if _gemini_schema(schema, rest[1:], leaf) else None
        if rest:
            return None
        node.update(leaf)
        return body
    if head == "tools":
        declaration: dict[str, Any] = {"name": "get_weather"}
        body["tools"] = [{"functionDeclarations": [declaration]}]
        rest = path[1:]
        if not rest:
            body["tools"][0].update(leaf)
            return body
        if rest[0][0] not in ("function_declarations", "functionDeclarations"):
            return None
        rest = rest[1:]
        if not rest:
            declaration.update(leaf)
            return body
        if rest[0][0] != "parameters":
            return None
        schema = {"type": "object", "properties": {"a": {"type": "string"}}}
        declaration["parameters"] = schema
        return body if _gemini_schema(schema, rest[1:], leaf) else None
    if head == "contents":
        if len(path) == 3 and path[1][0] == "parts":
            kind = path[2][0]
            camel = {"function_response": "functionResponse", "function_call": "functionCall"}.get(kind, kind)
            if camel == "functionResponse":
                value = dict(_G_RESPONSE["functionResponse"], **leaf)
                body["contents"] += [
                    {"role": "model", "parts": [_G_CALL]},
                    {"role": "user", "parts": [{camel: value}]},
                ]
                return body
            if camel == "functionCall":
                body["contents"] += [
                    {"role": "model", "parts": [{camel: dict(_G_CALL["functionCall"], **leaf)}]}
                ]
                return body
        return None
    return None


def _gemini_schema(node: dict[str, Any], path: list[tuple[str, int | None]], leaf: dict[str, Any]) -> bool:
    """Follow ``properties[N].value``, ``items`` and ``any_of[N]`` from ``node`` and merge ``leaf`` there."""
    steps = list(path)
    while steps:
        name, _ = steps.pop(0)
        if name == "properties":
            if steps and steps[0][0] == "value":
                steps.pop(0)
            child: dict[str, Any] = {"type": "string"}
            node.setdefault("properties", {})["a"] = child
            node["type"] = "object"
            node = child
        elif name == "items":
            child = {"type": "string"}
            node["type"], node["items"] = "array", child
            node = child
        elif name in ("any_of", "anyOf"):
            child = {"type": "string"}
            node.pop("type", None)
            node["anyOf"] = [child]
            node = child
        else:
            return False
    node.update(leaf)
    return True


def build_gemini_request(entry: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """A native Gemini request from the thread, or built from what the error names (the label is never
    read): an unknown field at its path, an empty turn or part, a function call/response turn out of
    order or short of responses, a replayed call without its signature, a nameless functionResponse, a
    generationConfig value the error quotes, tools with the JSON mime type, an ARRAY without items."""
    request = entry.get("request")
    if isinstance(request, dict):
        body = dict(request)
        if entry.get("request_fidelity") != "verbatim" and "contents" not in body:
            body["contents"] = [_G_USER]
        return body, "request"
    text = _text(entry.get("body"))
    unknown = _GEMINI_UNKNOWN.search(text)
    if unknown is not None:
        name = unknown["name"]
        leaf = {name: _GEMINI_VALUES.get(name, {} if name in _GEMINI_OBJECT_FIELDS else _default(name))}
        body = _gemini_place(_gemini_path(unknown["path"]) if unknown["path"] else [], leaf)
        return (
            (body, "built")
            if body is not None
            else (None, "the error names a path this builder cannot follow")
        )
    lowered = text.lower()
    user = json.loads(json.dumps(_G_USER))
    if "number of function response parts is equal" in lowered:
        return {
            "contents": [
                user,
                {"role": "model", "parts": [_G_CALL, _G_CALL]},
                {"role": "user", "parts": [_G_RESPONSE]},
            ],
            "tools": _G_TOOLS,
        }, "built"
    if "function call turn comes immediately after" in lowered:
        return {
            "contents": [
                user,
                {"role": "model", "parts": [{"text": "Checking."}]},
                {"role": "model", "parts": [_G_CALL]},
            ],
            "tools": _G_TOOLS,
        }, "built"
    if "function response turn comes immediately after" in lowered:
        return {
            "contents": [
                user,
                {"role": "model", "parts": [{"text": "Checking."}]},
                {"role": "user", "parts": [_G_RESPONSE]},
            ],
            "tools": _G_TOOLS,
        }, "built"
    if "missing a thought_signature" in lowered or "missing a `thought_signature`" in lowered:
        return {
            "contents": [
                user,
                {"role": "model", "parts": [_G_CALL]},
                {"role": "user", "parts": [_G_RESPONSE]},
            ],
            "tools": _G_TOOLS,
        }, "built"
    if "function calling" in lowered and "response mime type: 'application/json' is unsupported" in lowered:
        body = {
            "contents": [user],
            "tools": _G_TOOLS,
            "generationConfig": {"responseMimeType": "application/json"},
        }
        if "forced function calling" in lowered:
            body["toolConfig"] = {"functionCallingConfig": {"mode": "ANY"}}
        return body, "built"
    # Google's refusals of a capability the model lacks name what the request held: a system instruction
    # ("Developer instruction is not enabled for models/gemma-3-27b-it") or function declarations
    # ("Function calling is not enabled for models/gemma-3-27b-it").
    if "developer instruction is not enabled" in lowered:
        return {"systemInstruction": {"parts": [{"text": "Be brief."}]}, "contents": [user]}, "built"
    if "function calling is not enabled" in lowered:
        return {"contents": [user], "tools": _G_TOOLS}, "built"
    if _GEMINI_CACHE.search(text):
        system = {"parts": [{"text": "Answer from the documents."}]}
        return {"cachedContent": "cachedContents/c", "systemInstruction": system, "contents": [user]}, "built"
    ranged = _GEMINI_RANGE.search(text)
    if ranged is not None:
        return {
            "contents": [user],
            "generationConfig": {ranged["name"]: json.loads(ranged["value"])},
        }, "built"
    proto = _GEMINI_PROTO.search(text)
    if proto is not None:
        path, what = _gemini_path(proto["path"]), proto["what"].lower()
        if "contents is not specified" in what:
            return {"contents": []}, "built"
        if "parts must not be empty" in what:
            return {"contents": [user, {"role": "model", "parts": []}, user]}, "built"
        if "required oneof field 'data'" in what:
            return {"contents": [{"role": "user", "parts": [{}]}]}, "built"
        if "name cannot be empty" in what and path and path[-1][0] == "name":
            response = {"functionResponse": {"response": {"temperature": "18C"}}}
            return {
                "contents": [
                    user,
                    {"role": "model", "parts": [_G_CALL]},
                    {"role": "user", "parts": [response]},
                ]
            }, "built"
        if "missing field" in what and path and path[-1][0] == "items":
            body = _gemini_place(path[:-1], {"type": "array"})
            return (
                (body, "built")
                if body is not None
                else (None, "the error names a path this builder cannot follow")
            )
    return None, "the error names no request field"


def _gemini_field(location: str) -> str:
    """A location or an error path in one spelling: indices and map keys dropped, snake_case, no
    ``request.``/``GenerateContentRequest.`` prefix (``tools[0].functionDeclarations[0].parameters.properties.a``
    and ``tools[0].function_declarations[0].parameters.properties[0].value`` → ``tools.function_declarations
    .parameters.properties``)."""
    location = re.sub(r"^(?:request\.|GenerateContentRequest\.)", "", location)
    location = re.sub(r"\[[^\]]*\]", "", location)
    location = re.sub(r"\.properties\.(?:value|[^.]+)", ".properties", location)
    return ".".join(_snake(part) for part in location.split("."))


#: The native API's rule for a chat rule-id label the corpus gave a native entry (label vocabulary, as
#: LABEL_ALIASES): the same cause, detected in ``contents`` instead of ``messages``.
GEMINI_RULE_FOR: Final = {"messages.empty": "gemini.contents-empty"}

#: The part of a native request each ``cause.*`` label concerns, when the error text names no field.
GEMINI_CAUSE_FIELDS: Final[dict[str, str]] = {
    "cause.empty-content": "contents",
    "cause.role-order": "contents",
    "cause.missing-tool-result": "contents",
    "cause.thought-signature-missing": "contents",
    "cause.tool-schema-invalid": "tools",
    "cause.response-format-invalid": "generation_config",
    "cause.param-value-unsupported": "generation_config",
    # A parameter the model refuses whole, named in words ("Thinking budget is not supported for this model."):
    # the Gemini API's parameters a model may refuse live in generationConfig, as the refused values do.
    "cause.param-unsupported": "generation_config",
    "cause.tools-with-json-mode": "generation_config",
    "cause.model-no-system-role": "system_instruction",
    "cause.model-no-tools": "tools",
    "cause.thinking-budget-invalid": "generation_config.thinking_config",
}


def gemini_matches(label: str, finding: Finding, body: Any) -> bool:
    """As :func:`matches`, for a native Gemini entry: an error finding of the labelled rule, or for a
    ``cause.*`` label one located at the path (plus the unknown name) the error text names, else at the
    part of the request the cause concerns (:data:`GEMINI_CAUSE_FIELDS`)."""
    if finding.severity != Severity.ERROR:
        return False
    if not label.startswith("cause."):
        return finding.rule in _rule_labels(label) | {GEMINI_RULE_FOR.get(label, label)}
    spot = _gemini_field(finding.location)
    text = _text(body)
    fields: set[str] = set()
    for found in _GEMINI_UNKNOWN.finditer(text):
        path = _gemini_field(found["path"]) if found["path"] else ""
        fields.add(f"{path}.{_snake(found['name'])}".strip("."))
    for found in _GEMINI_PROTO.finditer(text):
        fields.add(_gemini_field(found["path"]))
    ranged = _GEMINI_RANGE.search(text)
    if ranged is not None:
        fields.add(f"generation_config.{_snake(ranged['name'])}")
    if _GEMINI_CACHE.search(text):
        fields |= {"system_instruction", "tools", "tool_config"}
    if not fields and label in GEMINI_CAUSE_FIELDS:
        fields.add(GEMINI_CAUSE_FIELDS[label])
    return any(_same_field(spot, name) for name in fields)


# --- Bedrock (Converse; InvokeModel with Anthropic's body), Claude on Vertex, Ollama's /api/chat ----------
#: The corpus files these native APIs as ``other`` (it predates their kinds): an entry's provider and what
#: its error text says decide which one it is (:func:`native_kind`); the label is never read.
NATIVE_PROVIDERS: Final = frozenset({"bedrock", "vertex", "ollama"})
#: Words only a Converse error says (camelCase block and field names, the operation's name).
_CONVERSE_WORDS: Final = re.compile(
    r"converse|toolconfig|toolresult|tooluse|contentblock|conversation must|inferenceconfig", re.I
)
#: Words of an InvokeModel/rawPredict answer to Anthropic's Messages body (its JSON-schema validator's
#: ``Malformed input request: #...``, Anthropic's own pydantic texts, snake_case block names).
_INVOKE_WORDS: Final = re.compile(
    r"invokemodel|rawpredict|malformed input request|invalid_request_error|extra inputs are not permitted|"
    r"beta flag|tool_result|tool_use|anthropic_version|text content blocks must",
    re.I,
)
#: Placeholder model ids for an entry that names none: an Anthropic id on Bedrock (InvokeModel takes the
#: Messages body only for Anthropic's models), Vertex's ``name@date`` form, a common Ollama tag.
NATIVE_DEFAULT_MODELS: Final = {
    "converse": "unknown-model",
    "bedrock-messages": "anthropic.claude-unknown-model",
    "vertex-messages": "claude-unknown-model",
    "ollama": "unknown-model",
}
#: What each platform's Messages body carries instead of ``model`` (AWS's and Google's Claude docs).
_NATIVE_VERSIONS: Final = {"bedrock-messages": "bedrock-2023-05-31", "vertex-messages": "vertex-2023-10-16"}
_C_USER: Final = {"role": "user", "content": [{"text": "What is the weather in Paris?"}]}
_C_TOOL_CONFIG: Final = {
    "tools": [
        {
            "toolSpec": {
                "name": "get_weather",
                "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}},
            }
        }
    ]
}
_A_TOOL: Final = {
    "name": "get_weather",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
_O_TOOL: Final = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
_EXTRANEOUS: Final = re.compile(r"#(?P<path>/[\w/$]*)?: extraneous key \[(?P<name>[^\]]+)\] is not permitted")
_REQUIRED: Final = re.compile(r"required key \[(?P<name>[^\]]+)\] not found")
_EXTRA_INPUT: Final = re.compile(r"(?P<path>[\w.]+): Extra inputs are not permitted")
#: Bedrock's wording when the model's own validator answered (Converse and InvokeModel).
_RELAYED: Final = re.compile(r"The model returned the following errors", re.IGNORECASE)
_GO_TYPE: Final = re.compile(
    r"cannot unmarshal (?P<sent>\w+) into Go struct field ChatRequest\.(?P<path>[\w.]+) of type (?P<type>[\w.\[\]]+)"
)


def native_kind(entry: dict[str, Any]) -> str | None:
    """``converse``, ``bedrock-messages``, ``vertex-messages`` or ``ollama`` for an ``other``-API entry of
    those providers whose error text places it (a Vertex entry about Gemini stays Gemini's), else None."""
    provider = entry.get("provider")
    if entry.get("api") != "other" or provider not in NATIVE_PROVIDERS:
        return None
    text = _text(entry.get("body"))
    request = entry.get("request")
    if provider == "ollama":
        return "ollama"
    if provider == "vertex":
        # A Claude model or an Anthropic-shaped answer, unless the thread is about Gemini's path.
        claude = str(entry.get("model") or "").startswith("claude") or _INVOKE_WORDS.search(text) is not None
        return "vertex-messages" if claude and "generatecontent" not in text.lower() else None
    if isinstance(request, dict) and ("anthropic_version" in request or "anthropic_beta" in request):
        return "bedrock-messages"
    if _CONVERSE_WORDS.search(text):
        return "converse"
    return "bedrock-messages" if _INVOKE_WORDS.search(text) else "converse"


def native_url_for(entry: dict[str, Any], kind: str) -> str:
    """The entry's URL when it is the native path, else the platform's public one for the entry's model."""
    url = entry.get("url")
    model = str(entry.get("model") or NATIVE_DEFAULT_MODELS[kind])
    if isinstance(url, str) and url.startswith("http") and endpoint_kind(url.split("?", 1)[0]) != "chat":
        return url
    if kind == "ollama":
        return "http://localhost:11434/api/chat"
    if kind == "vertex-messages":
        return (
            "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/"
            f"models/{model}:rawPredict"
        )
    method = "converse" if kind == "converse" else "invoke"
    return f"https://bedrock-runtime.us-east-1.amazonaws.com/model/{quote(model, safe='')}/{method}"


def _converse_turns(*turns: tuple[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"role": role, "content": content} for role, content in turns]


def _tool_use(tid: str) -> dict[str, Any]:
    return {"toolUse": {"toolUseId": tid, "name": "get_weather", "input": {"city": "Paris"}}}


def _tool_result(tid: str, **extra: Any) -> dict[str, Any]:
    return {"toolResult": {"toolUseId": tid, "content": [{"text": "18C"}], **extra}}


def build_converse_request(text: str) -> tuple[dict[str, Any] | None, str]:
    """A Converse request with exactly what the error states."""
    low = text.lower()
    user = json.loads(json.dumps(_C_USER))
    tools = json.loads(json.dumps(_C_TOOL_CONFIG))
    call, result = ("assistant", [_tool_use("t1")]), ("user", [_tool_result("t1")])
    if "must start with a user message" in low:
        return {
            "messages": _converse_turns(("assistant", [{"text": "Hello."}]), ("user", user["content"]))
        }, "built"
    if "must alternate between user and assistant" in low:
        return {"messages": [user, json.loads(json.dumps(_C_USER))]}, "built"
    if "number of toolresult blocks" in low and "exceeds" in low:
        turns = _converse_turns(
            ("user", user["content"]), call, ("user", [_tool_result("t1"), _tool_result("t2")])
        )
        return {"messages": turns, "toolConfig": tools}, "built"
    if "expected toolresult blocks" in low:
        turns = _converse_turns(
            ("user", user["content"]), ("assistant", [_tool_use("t1"), _tool_use("t2")]), result
        )
        return {"messages": turns, "toolConfig": tools}, "built"
    if "toolconfig field must be defined" in low:
        return {"messages": _converse_turns(("user", user["content"]), call, result)}, "built"
    if "conversation blocks and tool result blocks cannot be provided in the same turn" in low:
        turns = _converse_turns(
            ("user", user["content"]), call, ("user", [_tool_result("t1"), {"text": "Go on."}])
        )
        return {"messages": turns, "toolConfig": tools}, "built"
    if "non-whitespace" in low or "is blank" in low:
        return {"messages": _converse_turns(("user", [{"text": " "}]))}, "built"
    if "text content blocks must be non-empty" in low:
        return {"messages": _converse_turns(("user", [{"text": ""}]))}, "built"
    if re.search(r"content field in the message object at messages\.\w+ is empty", low):
        return {
            "messages": [user, {"role": "assistant", "content": []}, json.loads(json.dumps(_C_USER))]
        }, "built"
    if "toolresult cannot be empty when status value is error" in low.replace(".content.0.", " "):
        turns = _converse_turns(
            ("user", user["content"]),
            call,
            ("user", [{"toolResult": {"toolUseId": "t1", "content": [], "status": "error"}}]),
        )
        return {"messages": turns, "toolConfig": tools}, "built"
    if "doesn't support tool use" in low or "does not support tool use" in low:
        return {"messages": [user], "toolConfig": tools}, "built"
    if "doesn't support the image content block" in low:
        image = {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}}
        return {"messages": _converse_turns(("user", [*user["content"], image]))}, "built"
    if "toolchoice.any" in low:
        tools["toolChoice"] = {"any": {}}
        return {"messages": [user], "toolConfig": tools}, "built"
    if "toolresult.content.0.json is invalid" in low:
        turns = _converse_turns(
            ("user", user["content"]),
            call,
            ("user", [{"toolResult": {"toolUseId": "t1", "content": [{"json": [1, 2]}]}}]),
        )
        return {"messages": turns, "toolConfig": tools}, "built"
    if (
        "toolconfig.tools' failed to satisfy constraint: member must have length greater than or equal to 1"
        in low
    ):
        return {"messages": [user], "toolConfig": {"tools": []}}, "built"
    extraneous = _EXTRANEOUS.search(text)
    if extraneous is not None and (extraneous["path"] or "").endswith("/toolSpec/inputSchema/json"):
        tools["tools"][0]["toolSpec"]["inputSchema"]["json"][extraneous["name"]] = {"a": {"type": "string"}}
        return {"messages": [user], "toolConfig": tools}, "built"
    return None, "the error names nothing a Converse request can be built from"


def build_platform_messages_request(
    entry: dict[str, Any], kind: str, text: str
) -> tuple[dict[str, Any] | None, str]:
    """Anthropic's Messages body as Bedrock InvokeModel or Vertex rawPredict take it, with what the error states."""
    body: dict[str, Any] = {
        "anthropic_version": _NATIVE_VERSIONS[kind],
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
    }
    request = entry.get("request")
    if isinstance(request, dict):
        if entry.get("request_fidelity") == "verbatim":
            return dict(request), "request"
        if "prompt" in request or "max_tokens_to_sample" in request:
            # Claude 2's legacy Text Completions body on InvokeModel: no messages to add.
            return {"anthropic_version": body["anthropic_version"], **request}, "request"
        return {**body, **request}, "request"
    low = text.lower()
    built = False
    for found in _EXTRANEOUS.finditer(text):
        if found["path"]:
            return None, "the error names a nested key this builder cannot place"
        body[found["name"]] = _default(found["name"]) if found["name"] != "stream" else True
        built = True
    for found in _REQUIRED.finditer(text):
        body.pop(found["name"], None)
        built = True
    for found in _EXTRA_INPUT.finditer(text):
        parts = found["path"].split(".")
        if parts[0] == "tools" and len(parts) == 4 and parts[2] == "custom":
            tools = [dict(_A_TOOL) for _ in range(int(parts[1]) + 1)]
            tools[-1][parts[3]] = True
            body["tools"] = tools
        elif len(parts) <= 2 and parts[0] not in ("messages", "tools"):
            body[parts[0]] = {parts[1]: "high"} if len(parts) == 2 else {"effort": "high"}
        else:
            return None, "the error names a nested field this builder cannot place"
        built = True
    if "text content blocks must be non-empty" in low:
        body["messages"] = [{"role": "user", "content": [{"type": "text", "text": ""}]}]
        built = True
    if re.search(r"did not find \d+ `tool_result` block", low):
        body["tools"] = [dict(_A_TOOL)]
        body["messages"] = [
            {"role": "user", "content": "What is the weather in Paris?"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}],
            },
            {"role": "user", "content": "Go on."},
        ]
        built = True
    return (
        (body, "built") if built else (None, "the error names nothing a Messages request can be built from")
    )


def build_ollama_request(entry: dict[str, Any], text: str) -> tuple[dict[str, Any] | None, str]:
    """Ollama's /api/chat body with what the error states (a model capability, a Go decoding type error)."""
    request = entry.get("request")
    model = entry.get("model")
    if isinstance(request, dict):
        body = dict(request)
        if entry.get("request_fidelity") != "verbatim":
            body.setdefault("model", model or "unknown-model")
            body.setdefault("messages", [{"role": "user", "content": "Hi."}])
        return body, "request"
    low = text.lower()
    body: dict[str, Any] = {
        "model": model or "unknown-model",
        "messages": [{"role": "user", "content": "Hi."}],
    }
    if "does not support tools" in low or "does not support thinking" in low:
        if not model:
            return None, "a model-capability failure whose model the thread does not name"
        if "tools" in low:
            body["tools"] = [_O_TOOL]
        else:
            body["think"] = True
        return body, "built"
    found = _GO_TYPE.search(text)
    if found is None:
        return None, "the error names nothing an Ollama request can be built from"
    sent = {"string": "Hi.", "array": [{"type": "text", "text": "Hi."}], "object": {"type": "object"}}.get(
        found["sent"]
    )
    path = found["path"]
    if sent is None:
        return None, "the error's JSON type is not one this builder fills in"
    if path == "messages" and found["type"].lstrip("[]").startswith("api.Message"):
        body["messages"] = sent
    elif path == "messages.content":
        body["messages"][0]["content"] = sent
    elif path == "format":
        body["format"] = (
            {"type": "object", "properties": {"a": {"type": "string"}}} if found["sent"] == "object" else sent
        )
    else:
        return None, "the error names a field this builder cannot place"
    return body, "built"


def build_native_request(entry: dict[str, Any], kind: str) -> tuple[dict[str, Any] | None, str]:
    """The request a native entry proves (the thread's, or built from its error text; never the label)."""
    text = _text(entry.get("body"))
    if entry.get("class") == "model" and not entry.get("model") and kind != "converse":
        return None, "a model-capability failure whose model the thread does not name"
    if kind == "converse":
        request = entry.get("request")
        if isinstance(request, dict):
            return dict(request), "request"
        if entry.get("class") == "model" and not entry.get("model"):
            return None, "a model-capability failure whose model the thread does not name"
        return build_converse_request(text)
    if kind == "ollama":
        return build_ollama_request(entry, text)
    return build_platform_messages_request(entry, kind, text)


#: The part of a native request each cause concerns, per kind (label vocabulary, as CAUSE_FIELDS).
NATIVE_CAUSE_FIELDS: Final[dict[str, dict[str, str]]] = {
    "converse": {
        "cause.model-no-tools": "toolConfig",
        "cause.tool-choice-unsupported": "toolConfig.toolChoice",
        "cause.tool-schema-invalid": "toolConfig.tools",
        "cause.tool-config-missing": "toolConfig",
        "cause.max-tokens-too-large": "inferenceConfig.maxTokens",
    },
    "ollama": {
        "cause.model-no-tools": "tools",
        "cause.reasoning-effort-unsupported": "think",
        "cause.response-format-invalid": "format",
    },
}


def native_matches(entry: dict[str, Any], kind: str, finding: Finding) -> bool:
    """An error finding of the labelled rule, or for a ``cause.*`` label one at the field the error names
    (an extraneous/extra key, a Go decoding path), else at the part the cause concerns, else (a cause
    about the conversation) anywhere in ``messages``."""
    label = entry["root_cause"]
    if finding.severity != Severity.ERROR:
        return False
    if not label.startswith("cause."):
        return finding.rule in _rule_labels(label) | {NATIVE_RULE_FOR.get(label, label)}
    text = _text(entry.get("body"))
    spot = field_of(finding.location)
    fields: set[str] = set()
    for found in _EXTRANEOUS.finditer(text):
        path = (found["path"] or "").strip("/").replace("/", ".")
        fields.add(field_of(re.sub(r"\.\d+(?=\.|$)", "", f"{path}.{found['name']}".strip("."))))
    for found in _EXTRA_INPUT.finditer(text):
        fields.add(re.sub(r"\.\d+|\.custom", "", found["path"]))
        if kind == "converse" and _RELAYED.search(text):
            # Bedrock relays the model's own validator ("The model returned the following errors: ..."), which
            # sees additionalModelRequestFields merged into its body: its top-level name is that field's key.
            fields.add(f"additionalModelRequestFields.{found['path'].split('.', 1)[0]}")
    for found in _GO_TYPE.finditer(text):
        fields.add(found["path"])
    if not fields and kind != "ollama":
        # A parameter the text names in the words the chat path reads (Anthropic's "`temperature` is deprecated for
        # this model", relayed by Bedrock): the same field of an Anthropic-shaped body, or where Converse takes it
        # (session 18; before, such a text fell back to the cause's field or `messages`).
        for name in named_by(entry.get("body")).params:
            place = CONVERSE_NAMES.get(name, "") if kind == "converse" else name
            if place and " " not in place:
                fields.add(place)
    if not fields:
        fields.add(
            NATIVE_CAUSE_FIELDS.get(kind, {}).get(label) or CAUSE_FIELDS_FALLBACK.get(label, "messages")
        )
    return any(_same_field(spot, name) for name in fields)


#: The chat rule a native kind reports under its own name (the same cause on another API, as GEMINI_RULE_FOR).
NATIVE_RULE_FOR: Final = {"roles.alternation": "converse.role-alternation"}
#: A cause about the request's top level (not the conversation) when its error names no field.
CAUSE_FIELDS_FALLBACK: Final = {
    "cause.model-no-tools": "tools",
    "cause.param-value-unsupported": "anthropic_beta",
    "cause.extra-request-field": "",
    "cause.wrong-endpoint": "",
}


# --- leave-one-out: which hits carry beyond the thread they were written from (issue 9, session 16) ---
#: The probe files in the failure corpus's shape (a ``class`` and a ``thread`` per row) the leave-one-out mode
#: scores beside the development part; the causes and review probes are other shapes and are left out.
LOO_PROBES: Final = "probe-*.jsonl"
_LOO_SKIP: Final = frozenset({"probe-causes.jsonl", "probe-review-4.jsonl"})
#: A GitHub thread as a source cites it: a URL to an issue, pull request or discussion, or ``owner/repo#N``.
_GH_URL: Final = re.compile(r"github\.com/([\w.-]+)/([\w.-]+)/(?:issues|pull|discussions)/(\d+)", re.I)
_GH_REF: Final = re.compile(r"(?<![\w/.-])([\w.-]+)/([\w.-]+)#(\d+)")
_URL: Final = re.compile(r"https?://[^\s)\"'`,;]+")
#: The verdicts, in the order the table prints them: a hit another thread's evidence gives (for this host),
#: a hit only another host's evidence of the same rule gives (the mechanism carries across hosts), a hit only
#: the row's own thread gives, and a hit whose rule and fact cite nothing (counted as own-thread).
LOO_VERDICTS: Final = ("carried", "mechanism", "own-only", "untraced")


def source_keys(text: str) -> set[str]:
    """The sources a rule's or finding's text cites, each as one comparable key: a GitHub thread as
    ``owner/repo#N`` (an issue and a pull request of one number are one thread), any other URL as
    :func:`thread_key` gives it."""
    keys = {f"{o}/{r}#{n}".lower() for o, r, n in _GH_URL.findall(text)}
    keys |= {f"{o}/{r}#{n}".lower() for o, r, n in _GH_REF.findall(text)}
    keys |= {thread_key(u) for u in _URL.findall(text) if not _GH_URL.search(u)}
    return keys


def _source_key(source: str) -> set[str]:
    """One declared source as keys: a URL or thread reference as :func:`source_keys` reads it; a code or doc
    reference with no URL (``code [VLLM-SP]``, ``doc [OAS]``) is evidence of its own, never a row's thread."""
    keys = source_keys(source)
    return keys or ({f"ref:{source.strip().lower()}"} if source.strip() else set())


def evidence(finding: Finding, provider: str | None) -> tuple[set[str], set[str]]:
    """What a finding rests on: (this host's evidence, other hosts' evidence). This host's: the sources its
    rule declares for this provider (:class:`PredictedError` ``provider``), the sources the finding's own
    message cites (a profile fact names its thread there), and the provider parameter table (a maintained
    dataset, no thread) for its rules. Other hosts': the rule's sources declared for other providers, which
    show the mechanism but not that this host shares it."""
    from toolguard_core.rules import RULES

    rule = RULES.get(finding.rule)
    own_host: set[str] = source_keys(finding.message)
    other_hosts: set[str] = set()
    if finding.rule.startswith("provider_params."):
        own_host.add("ref:provider_params.json")
    field = _fact_field(finding)
    if rule is not None:
        for predicted in rule.predicts:
            # A field fact (this host refuses `store`) is evidenced only by a text about that field: another
            # field's refusal on the same host shows the rule's mechanism there, not this fact.
            same_fact = field is None or field in (predicted.param or "") or field in predicted.text
            here = predicted.provider == provider and same_fact
            (own_host if here else other_hosts).update(_source_key(predicted.source))
    return own_host, other_hosts - own_host


#: Rule families whose finding states a fact about one named field (refused, unknown, extra): its evidence
#: must be about that field (:func:`evidence`).
_FIELD_FACT_RULES: Final = re.compile(r"^(params|provider_params)\.|unknown|extra|message-key|rejected")


def _fact_field(finding: Finding) -> str | None:
    """The field a field-fact finding is about (the last name of its location), else None."""
    if not _FIELD_FACT_RULES.search(finding.rule):
        return None
    names = [n for n in re.split(r"[.\[\]]+", finding.location) if n and not n.isdigit()]
    return names[-1] if names else None


def _thread_keys(entry: dict[str, Any]) -> set[str]:
    return source_keys(entry.get("thread") or "") | {thread_key(entry.get("thread") or "")}


def loo_verdict(entry: dict[str, Any], matched: list[Finding], provider: str | None) -> str:
    """How a hit's matching findings are evidenced apart from the row's own thread (:data:`LOO_VERDICTS`):
    the best verdict over its matching findings."""
    own = _thread_keys(entry)
    best = len(LOO_VERDICTS) - 1
    for finding in matched:
        here, elsewhere = evidence(finding, provider)
        if here - own:
            verdict = "carried"
        elif elsewhere - own:
            verdict = "mechanism"
        elif here | elsewhere:
            verdict = "own-only"
        else:
            verdict = "untraced"
        best = min(best, LOO_VERDICTS.index(verdict))
    return LOO_VERDICTS[best]


@dataclass(slots=True)
class LooRow:
    id: str
    part: str
    cls: str
    family: str
    verdict: str | None  # None: evaluable but missed


def loo_row(entry: dict[str, Any], part: str) -> LooRow | None:
    """One evaluable row's leave-one-out outcome (None: not evaluable). The request, URL, target and matching
    are the plain score's (:func:`analysed`); the matched error findings are then traced."""
    request, _how = analysed(entry)
    if request is None:
        return None
    matched = [f for f in request.errors if request.hit(f)]
    provider = request.target.provider.id if request.target.provider is not None else None
    family = matched[0].rule.split(".", 1)[0] if matched else "-"
    verdict = loo_verdict(entry, matched, provider) if matched else None
    return LooRow(entry["id"], part, entry["class"], family, verdict)


def dev_and_probe_entries() -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every development row, then every probe row in the corpus shape, with the probe file's stem
    (None for a development row); never a held-out row."""
    for entry in failures("dev"):
        yield entry, None
    for path in sorted(CORPUS_DIR.glob(LOO_PROBES)):
        if path.name in _LOO_SKIP:
            continue
        for entry in read_jsonl(path):
            if entry.get("class") in CLASSES and entry.get("split") == "probe":
                yield entry, path.stem


def loo_rows() -> list[LooRow]:
    """Every evaluable development row and every probe row in the corpus shape (never a held-out row)."""
    rows = (loo_row(entry, "dev" if stem is None else "probe") for entry, stem in dev_and_probe_entries())
    return [row for row in rows if row is not None]


def loo_table(rows: list[LooRow]) -> str:
    """Per part and class, then per rule family: plain hits and how each is evidenced apart from its thread;
    ``loo`` is the leave-one-out recall (carried hits only), ``+mech`` adds hits another host's evidence
    of the same rule gives."""
    head = f"{'group':<28} {'eval':>5} {'hits':>5} " + " ".join(f"{v:>9}" for v in LOO_VERDICTS)
    lines = [head + f" {'plain':>6} {'loo':>6} {'+mech':>6}"]

    def line(name: str, group: list[LooRow]) -> str:
        hits = [r for r in group if r.verdict is not None]
        count = Counter(r.verdict for r in hits)
        n = len(group) or 1
        carried, mech = count["carried"], count["carried"] + count["mechanism"]
        cells = " ".join(f"{count[v]:>9}" for v in LOO_VERDICTS)
        return f"{name:<28} {n:>5} {len(hits):>5} {cells} {len(hits) / n:>6.2f} {carried / n:>6.2f} {mech / n:>6.2f}"

    for part in ("dev", "probe"):
        for cls in CLASSES:
            group = [r for r in rows if r.part == part and r.cls == cls]
            if group:
                lines.append(line(f"{part} {cls}", group))
    lines.append(
        "by rule family of the matching finding (its hits only, dev and probe pooled: loo = carried share)"
    )
    families = Counter(r.family for r in rows if r.verdict is not None)
    for family, _n in families.most_common():
        group = [r for r in rows if r.family == family]
        lines.append(line(f"  {family}", group))
    return "\n".join(lines)


# --- soft matches: misses a warning or info finding would hit as an error (issue 9, session 17) ---------
@dataclass(slots=True)
class SoftMatch:
    id: str
    part: str
    cls: str
    provider: str
    rule: str
    severity: str
    location: str


def soft_matches(entry: dict[str, Any], part: str) -> list[SoftMatch]:
    """An evaluable miss's warning and info findings that would match its label if they were errors: the
    rule + host cells whose severity decides the miss (empty for a hit or a row with no such finding). The
    request, URL, target and matching are the plain score's (:func:`analysed`)."""
    request, _how = analysed(entry)
    if request is None:
        return []
    if any(request.hit(f) for f in request.errors):
        return []
    target = request.target
    provider = target.provider.id if target.provider is not None else "-"
    return [
        SoftMatch(entry["id"], part, entry["class"], provider, f.rule, f.severity.value, f.location)
        for f in request.findings
        if f.severity != Severity.ERROR and request.hit(f.model_copy(update={"severity": Severity.ERROR}))
    ]


def soft_match_rows() -> list[SoftMatch]:
    """Every development row and every probe row in the corpus shape (never a held-out row), as
    :func:`loo_rows` reads them."""
    return [
        m
        for entry, stem in dev_and_probe_entries()
        for m in soft_matches(entry, "dev" if stem is None else f"probe:{stem}")
    ]


def _table(result: dict[str, Any]) -> str:
    lines = [
        f"{'split':<8} {'class':<9} {'entries':>7} {'evaluable':>9} {'(req/built)':>11} {'hits':>5} {'recall':>7}"
        f" {'repeat':>7}"
    ]
    for split, part in result["splits"].items():
        for cls, row in part["classes"].items():
            recall = "-" if row["recall"] is None else f"{row['recall']:.2f}"
            repeat = "-" if row["repeat_recall"] is None else f"{row['repeat_recall']:.2f}"
            lines.append(
                f"{split:<8} {cls:<9} {row['entries']:>7} {row['evaluable']:>9} "
                f"{row['from_request']:>5}/{row['built']:<5} {row['hits']:>5} {recall:>7} {repeat:>7}"
            )
    valid = result["valid"]
    lines.append(
        f"valid requests: {valid['requests']} ({valid['checked']} on an API toolguard checks), "
        f"with an error finding: {valid['with_errors']}"
    )
    for vid, errors in valid["errors"].items():
        lines.extend(f"  {vid}: {error}" for error in errors)
    if "after_learning" in valid:
        after = valid["after_learning"]
        lines.append(
            f"valid requests with a learned error once every dev failure is learned: {after['with_errors']}"
            f" (applied to every model of the host: {after['with_errors_any_model']})"
        )
        for vid, errors in after["errors"].items():
            lines.extend(f"  {vid}: {error}" for error in errors)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, action="append", help="part(s) to score (default both)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--misses", action="store_true", help="list each dev (or probe) miss")
    parser.add_argument(
        "--probe", action="store_true", help="score the model/spec probe set (probe-rules.jsonl) only"
    )
    parser.add_argument(
        "--probe-file", type=Path, help="score a probe file of unseen failures (failure-corpus shape)"
    )
    parser.add_argument(
        "--leave-one-out",
        action="store_true",
        help="dev and probe rows: which hits rest on evidence from another thread than the row's own",
    )
    parser.add_argument(
        "--soft-matches",
        action="store_true",
        help="dev and probe misses a warning/info finding would hit as an error (rule, host, severity)",
    )
    args = parser.parse_args(argv)
    if args.soft_matches:
        if args.split and "heldout" in args.split:
            parser.error("--soft-matches lists rows, so it never runs on the held-out part")
        for m in soft_match_rows():
            print(f"{m.part} {m.id} {m.cls} {m.provider} {m.rule} {m.severity} {m.location}")
        return 0
    if args.leave_one_out:
        if args.split and "heldout" in args.split:
            parser.error("--leave-one-out reads rows one by one, so it never runs on the held-out part")
        rows = loo_rows()
        if args.json:
            print(json.dumps([dataclasses.asdict(r) for r in rows], indent=2))
        else:
            print(loo_table(rows))
        return 0
    probe = args.probe_file or (PROBE if args.probe else None)
    splits = args.split or ([] if probe else list(SPLITS))
    if args.misses and ((not splits and probe is None) or "heldout" in splits):
        parser.error("--misses lists entries, so it never runs on the held-out part")
    result = score(splits, probe)
    if args.misses:
        for part in ("dev", "probe"):
            if part not in result["splits"]:
                continue
            for outcome in result["splits"][part]["_outcomes"]:
                if not outcome.hit:
                    print(
                        f"{outcome.id} {outcome.cls} {outcome.label} [{outcome.how}]"
                        f" repeat={'hit' if outcome.repeat_hit else 'miss'} errors={outcome.errors}"
                    )
    for part in result["splits"].values():
        part.pop("_outcomes")
    print(json.dumps(result, indent=2) if args.json else _table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
