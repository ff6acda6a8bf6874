"""The serving engine behind a host: declared on a profile, or learned from an upstream's answer (issue #9).

A company gateway, a LiteLLM proxy in front of vLLM, a relay or a cloud serving a model on an engine is
a host toolguard cannot name, so every engine-specific check stays a warning (or silent) there. Some
answers say which engine is behind it:

- an error text only that engine writes (:data:`SIGNATURES`: vLLM's ``--enable-auto-tool-choice``,
  llama.cpp's "Cannot have 2 or more assistant messages at the end of the list", Ollama's registry
  names, TGI's ``max_new_tokens`` validation, SGLang's context-length wording), also when a gateway
  wraps it (LiteLLM quotes the engine's body inside its own ``litellm.BadRequestError: ...``);
- response headers that name a server in between (:data:`GATEWAY_HEADERS`: a LiteLLM proxy's
  ``x-litellm-*`` headers, and ``x-litellm-model-api-base``, the deployment it forwarded to).

The writer thread records what it reads in the ``learned`` table (kind ``engine`` or ``gateway``,
:mod:`toolguard_core.learned_store`); the checks then read the engine's **error** levels where the
host declares nothing itself (:meth:`toolguard_core.rules.registry.Rule.report`), never its silences or
warnings: a hosted API in front of vLLM is not "a permissive local template".

Pure: no mitmproxy import and no I/O; every fact here is declared once, with its source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

#: The engines whose error levels the rules declare (their built-in profile ids) and their names.
ENGINES: Final[Mapping[str, str]] = {
    "vllm": "vLLM",
    "sglang": "SGLang",
    "llama.cpp": "llama.cpp",
    "ollama": "Ollama",
    "tgi": "TGI",
    "lmstudio": "LM Studio",
}

#: The learned-table kinds of this module's rows (``learned.kind``): an engine, a gateway in between.
ENGINE_KIND: Final = "engine"
GATEWAY_KIND: Final = "gateway"
SERVER_KINDS: Final = frozenset({ENGINE_KIND, GATEWAY_KIND})


@dataclass(frozen=True, slots=True)
class Signature:
    """An error text only ``engine`` writes: ``pattern`` finds it in an answer's body or message."""

    id: str
    engine: str
    pattern: re.Pattern[str]
    example: str
    source: str


def _re(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


#: Each engine's own error texts, declared here once: the causes catalogue's wordings of the same texts
#: read their provider, example and source from this table (causes._ENGINE_TEXTS). Only texts no other
#: server writes: "does not support tools" alone is
#: said by OpenRouter and DeepInfra too, so Ollama's signature is its registry's model name. LiteLLM's
#: "Hosted_vllmException" is not one: its ``hosted_vllm/`` route is what users put in front of any
#: OpenAI-compatible server (llama-server's own text arrives through it too), so it names the gateway only.
SIGNATURES: Final[tuple[Signature, ...]] = (
    Signature(
        id="vllm.auto-tool-choice-flag",
        engine="vllm",
        # vllm/entrypoints/openai/serving_chat.py: the server was started without the flags that let it
        # parse a model's tool calls; the text names vLLM's own command-line flags.
        pattern=_re(r"tool choice requires --enable-auto-tool-choice"),
        example='"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
        source="https://github.com/langchain4j/langchain4j/issues/3475",
    ),
    Signature(
        id="llama.cpp.trailing-assistants",
        engine="llama.cpp",
        # tools/server (common/chat.cpp): a final assistant turn is a prefill, and two are refused.
        pattern=_re(r"Cannot have 2 or more assistant messages at the end of the list"),
        example="Cannot have 2 or more assistant messages at the end of the list.",
        source="https://github.com/co-l/openfox/issues/367",
    ),
    Signature(
        id="llama.cpp.context-size",
        engine="llama.cpp",
        # llama-server's exceed_context_size_error: its n_ctx ("--ctx-size") is "the available context size".
        # The pattern also finds the newer "request (N tokens) exceeds the available context size (M
        # tokens)"; the example is the text the source quotes (it showed the newer one before session 19).
        pattern=_re(r"exceeds the available context size"),
        example="the request exceeds the available context size. try increasing the context size or enable context shift",
        source="https://github.com/oobabooga/textgen/issues/7257",
    ),
    Signature(
        id="ollama.registry-model",
        engine="ollama",
        # Ollama names a model by its registry path when it refuses tools for it.
        pattern=_re(r"registry\.ollama\.ai/[\w./:-]+ does not support"),
        example="registry.ollama.ai/library/Qwen3.5:0.8b does not support tools",
        source="https://github.com/ollama/ollama/issues/14795",
    ),
    Signature(
        id="ollama.pull-model",
        engine="ollama",
        # Ollama's model store: a model not pulled yet ("ollama pull").
        pattern=_re(r"not found, try pulling it first"),
        example="model 'llama2' not found, try pulling it first",
        source="https://github.com/ollama/ollama-python/issues/149",
    ),
    Signature(
        id="tgi.max-new-tokens",
        engine="tgi",
        # text-generation-inference's validation names its own parameter, max_new_tokens.
        pattern=_re(r"Input validation error: `(?:inputs` tokens \+ `)?max_new_tokens` must be"),
        example="Input validation error: `max_new_tokens` must be <= 192",
        source="https://github.com/huggingface/transformers/issues/28523",
    ),
    Signature(
        id="sglang.context-length",
        engine="sglang",
        pattern=_re(r"The input \(\d+ tokens\) is longer than the model.s context length \(\d+ tokens\)"),
        example="The input (61709 tokens) is longer than the model's context length (40960 tokens).",
        source="https://github.com/QwenLM/Qwen3/issues/1321",
    ),
)

#: Texts that say a gateway wrapped the answer it quotes (the engine read from the quoted text is then
#: behind that gateway): name → pattern.
GATEWAY_WRAPPERS: Final[Mapping[str, re.Pattern[str]]] = {
    # LiteLLM's exceptions: "litellm.BadRequestError: <Provider>Exception - <the upstream's body>".
    "litellm": _re(r"\blitellm\.\w+Error\b"),
}

#: Response headers that name a gateway: gateway → (header prefix, the header naming where it forwarded,
#: source). A LiteLLM proxy sets ``x-litellm-*`` on every answer (https://docs.litellm.ai/docs/proxy/response_headers)
#: and ``x-litellm-model-api-base`` to the deployment's api_base.
GATEWAY_HEADERS: Final[Mapping[str, tuple[str, str, str]]] = {
    "litellm": (
        "x-litellm-",
        "x-litellm-model-api-base",
        "https://docs.litellm.ai/docs/proxy/response_headers",
    ),
}

#: The longest answer text searched for a signature (an error body is short; a huge one is not read twice).
MAX_TEXT: Final = 64_000


@dataclass(frozen=True, slots=True)
class EngineEvidence:
    """What an answer says about the server behind a host: ``kind`` ``engine`` (``name`` an
    :data:`ENGINES` id) or ``gateway`` (``name`` a :data:`GATEWAY_HEADERS` key); ``via`` the gateway
    an engine's text came through, or the host a gateway forwarded to; ``signature`` the
    :data:`SIGNATURES` id or the header read; ``text`` the words it was read from."""

    kind: str
    name: str
    via: str
    signature: str
    text: str


@dataclass(frozen=True, slots=True)
class HostEngine:
    """The engine a request's host is judged by, beside its own profile (Rule.report takes the engine's
    error levels where the host declares none): ``source`` says how it is known, for the finding."""

    engine: str
    source: str


def from_error_text(text: str | None) -> EngineEvidence | None:
    """The engine an error text names (and the gateway that wrapped it, when one did)."""
    if not text:
        return None
    head = text[:MAX_TEXT]
    for found in SIGNATURES:
        match = found.pattern.search(head)
        if match is not None:
            break
    else:
        return None
    via = next((name for name, pattern in GATEWAY_WRAPPERS.items() if pattern.search(head)), "")
    # The sentence around the signature, as the answer said it (bounded both ways).
    quote = " ".join(head[max(0, match.start() - 100) : match.end() + 100].split())
    return EngineEvidence(ENGINE_KIND, found.engine, via, found.id, quote)


def from_headers(headers_json: str | None) -> Iterator[EngineEvidence]:
    """The gateways the stored response headers (a JSON list of ``[name, value]`` pairs or an object)
    name. Never raises on a malformed value."""
    # Stored header names are lower-case (redact.redact_headers): most rows are skipped unparsed.
    if not headers_json or not any(prefix in headers_json for prefix, _, _ in GATEWAY_HEADERS.values()):
        return
    try:
        data: Any = json.loads(headers_json)
    except ValueError:
        return
    pairs = data.items() if isinstance(data, dict) else data if isinstance(data, list) else ()
    headers: dict[str, str] = {}
    for pair in pairs:
        if isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[0], str):
            headers.setdefault(pair[0].lower(), str(pair[1]))
    for gateway, (prefix, forwards, _source) in GATEWAY_HEADERS.items():
        named = sorted(name for name in headers if name.startswith(prefix))
        if not named:
            continue
        header = forwards if forwards in headers else named[0]
        yield EngineEvidence(
            GATEWAY_KIND, gateway, _forwarded_host(headers.get(forwards, "")), header, ", ".join(named[:6])
        )


def _forwarded_host(api_base: str) -> str:
    """The host (and a port) of the api_base a gateway names; never its user info, path or query."""
    try:
        parts = urlsplit(api_base.strip() if "//" in api_base else f"//{api_base.strip()}")
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return ""
    return (f"{host}:{port}" if port else host)[:200]


def engine_name(engine: str) -> str:
    return ENGINES.get(engine, engine)
