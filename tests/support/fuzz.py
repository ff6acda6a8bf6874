"""Hypothesis settings and strategies for the property-based fuzz tests (tests/test_fuzz_*.py).

The properties are the principle "bad input gets a clear answer, never a crash": any body, error
answer or chunking gives a finding or a clean pass-through. The settings are deterministic
(``derandomize``: CI runs the same examples each time) and bounded (the whole fuzz set adds well under
a minute on a shared 2-core machine); ``TOOLGUARD_FUZZ_EXAMPLES=5000`` runs more locally. No example
database is written into the repo (``database=None``): a failure is shrunk and printed, and the minimal
example becomes a plain regression test next to the module's own tests.

The seeds are real bodies: the corpus's development rows (``split == "dev"``, never held-out ones:
issues #9/#10), the probe files, the valid-request files and the captured client requests.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Final

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

DATA: Final = Path(__file__).resolve().parent.parent / "data"
CORPUS: Final = DATA / "corpus"

#: Examples per property; the env override is for long local runs.
EXAMPLES: Final = int(os.environ.get("TOOLGUARD_FUZZ_EXAMPLES", "60"))

FUZZ: Final = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,  # the machine is shared: wall-clock deadlines would flake
    database=None,  # no .hypothesis/ directory in the repo
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)


@contextmanager
def swallowed(*functions: Callable[..., Any]) -> Iterator[list[BaseException]]:
    """The exceptions the defensive ``except Exception`` of ``functions`` caught while the block ran.

    ``parse_error``, ``recognise_error`` and the SSE tap never raise by construction (a bug there must
    not reach the proxy), so "never raises" alone cannot fail for them; a caught exception is still a
    lost parse or cause. ``sys.monitoring``'s EXCEPTION_HANDLED event (a global event: filtered to those
    functions' own code objects) sees each one without changing the code under test."""
    monitoring = sys.monitoring
    tool = monitoring.DEBUGGER_ID
    caught: list[BaseException] = []

    codes = {function.__code__ for function in functions}

    def handled(code: Any, offset: int, exc: BaseException) -> None:
        if code in codes:
            caught.append(exc)

    monitoring.use_tool_id(tool, "toolguard-fuzz")
    try:
        monitoring.register_callback(tool, monitoring.events.EXCEPTION_HANDLED, handled)
        monitoring.set_events(tool, monitoring.events.EXCEPTION_HANDLED)
        yield caught
    finally:
        monitoring.set_events(tool, 0)
        monitoring.register_callback(tool, monitoring.events.EXCEPTION_HANDLED, None)
        monitoring.free_tool_id(tool)


def _rows(pattern: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(CORPUS.glob(pattern)):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


@cache
def dev_failures() -> tuple[dict[str, Any], ...]:
    """The failure rows a rule author may read: ``split == "dev"`` only (held-out rows are dropped
    unread), and the probe rows."""
    rows = [row for row in _rows("failures-*.jsonl") if row.get("split") == "dev"]
    return tuple(rows + _rows("probe-*.jsonl"))


#: Where each API's body is sent, per corpus ``api`` value: a real path on a real provider's host.
API_URLS: Final = {
    "chat": "https://api.openai.com/v1/chat/completions",
    "responses": "https://api.openai.com/v1/responses",
    "messages": "https://api.anthropic.com/v1/messages",
    "gemini": "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
    "converse": "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku/converse",
    "ollama": "http://localhost:11434/api/chat",
}

#: Every endpoint kind on several providers' profiles (providers disagree: each profile has its rules).
URLS: Final = (
    *API_URLS.values(),
    "https://api.deepseek.com/chat/completions",
    "https://openrouter.ai/api/v1/chat/completions",
    "https://api.groq.com/openai/v1/chat/completions",
    "https://api.mistral.ai/v1/chat/completions",
    "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
    "https://api.together.xyz/v1/chat/completions",
    "https://api.x.ai/v1/responses",
    "https://api.moonshot.ai/v1/chat/completions",
    "https://api.cerebras.ai/v1/chat/completions",
    "https://open.bigmodel.cn/api/paas/v4/chat/completions",
    "https://api.anthropic.com/v1/messages/count_tokens",
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
    "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/anthropic/models/claude-sonnet-4:rawPredict",
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku/invoke",
    "https://chatgpt.com/backend-api/codex/responses",
    "http://127.0.0.1:8000/v1/chat/completions",
    "https://llm.example.internal/v1/chat/completions",
)


# A corpus URL usable as a request's: absolute, with a real host (not a path, not "<your-endpoint>").
_REQUEST_URL: Final = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?/[^\s<>{}]*$")


@cache
def request_seeds() -> tuple[tuple[str, Any], ...]:
    """(url, parsed body) of every real request body the tests hold, in a fixed order."""
    seeds: list[tuple[str, Any]] = []
    for row in [*_rows("valid-*.jsonl"), *dev_failures()]:
        request = row.get("request")
        if isinstance(request, str):
            try:
                request = json.loads(request)
            except ValueError:
                continue
        if not isinstance(request, dict):
            continue
        url = row.get("url")
        url = url if isinstance(url, str) and _REQUEST_URL.match(url) else None
        seeds.append((url or API_URLS.get(str(row.get("api")), API_URLS["chat"]), request))
    for path in sorted((DATA / "requests").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        body = data.get("body", data) if isinstance(data, dict) else None
        if isinstance(body, dict):
            api = (
                "responses" if "responses" in path.name else "messages" if "messages" in path.name else "chat"
            )
            seeds.append((API_URLS[api], body))
    return tuple(seeds)


@cache
def error_seeds() -> tuple[tuple[int | None, str], ...]:
    """(status, body) of every real upstream error text in the development rows and probes."""
    return tuple(
        (row.get("status") if isinstance(row.get("status"), int) else None, row["body"])
        for row in dev_failures()
        if isinstance(row.get("body"), str)
    )


# --------------------------------------------------------------------------------------- strategies

#: Scalars JSON can hold, and some it cannot (NaN/Infinity are Python's json.loads extensions),
#: huge numbers, lone surrogates.
SCALARS: Final = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", "\ud800", "\udfff", "x" * 5000, "null", "{}", "[]", "0", "-1", "1e309"]),
)

KEYS: Final = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "model",
            "messages",
            "input",
            "contents",
            "system",
            "tools",
            "tool_choice",
            "role",
            "content",
            "type",
            "text",
            "tool_calls",
            "function",
            "name",
            "arguments",
            "parameters",
            "id",
            "call_id",
            "tool_call_id",
            "stream",
            "max_tokens",
            "temperature",
            "response_format",
            "json_schema",
            "schema",
            "parts",
            "functionCall",
            "functionResponse",
            "toolConfig",
            "inferenceConfig",
            "generationConfig",
            "thinking",
            "reasoning",
            "reasoning_effort",
            "tool_use",
            "tool_result",
            "tool_use_id",
            "image_url",
            "url",
            "cache_control",
            "metadata",
            "n",
            "stop",
            "seed",
            "output",
            "instructions",
            "items",
            "properties",
            "required",
            "anyOf",
            "$ref",
            "$defs",
            "enum",
            "strict",
            "toolSpec",
            "inputSchema",
        ]
    ),
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(children, max_size=6), st.dictionaries(KEYS, children, max_size=6))


JSON: Final = st.recursive(SCALARS, _containers, max_leaves=40)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (the root included), in document order."""
    paths = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            paths.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths.extend(_paths(child, (*prefix, index)))
    return paths


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    _get(value, path[:-1])[path[-1]] = new
    return value


@st.composite
def mutated(draw: st.DrawFn, seed: Any) -> Any:
    """``seed`` (a real body, copied) with a few mutations: a value replaced by another type, a key
    dropped or duplicated under another name, a value nested deeper, null inserted, list items
    duplicated."""
    body = json.loads(json.dumps(seed))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(body)
        path = draw(st.sampled_from(paths))
        target = _get(body, path)
        action = draw(st.sampled_from(["replace", "drop", "dup", "nest", "null", "repeat", "wrap"]))
        if action == "replace":
            body = _set(body, path, draw(JSON))
        elif action == "null":
            body = _set(body, path, None)
        elif action == "nest":
            body = _set(body, path, {draw(KEYS): target} if draw(st.booleans()) else [target])
        elif action == "wrap":
            body = _set(body, path, [[[[[[target]]]]]])
        elif action == "drop" and isinstance(target, dict) and target:
            del target[draw(st.sampled_from(sorted(target, key=str)))]
        elif action == "drop" and isinstance(target, list) and target:
            del target[draw(st.integers(min_value=0, max_value=len(target) - 1))]
        elif action == "dup" and isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target, key=str)))
            target[draw(KEYS)] = json.loads(json.dumps(target[key]))
        elif action == "repeat" and isinstance(target, list) and target:
            target.extend(json.loads(json.dumps(target)) * draw(st.integers(min_value=1, max_value=3)))
    return body


def seed_mutations() -> st.SearchStrategy[tuple[str, Any]]:
    """(url, mutated real body), or another URL's profile for the same body."""
    return st.sampled_from(request_seeds()).flatmap(
        lambda seed: st.tuples(st.one_of(st.just(seed[0]), st.sampled_from(URLS)), mutated(seed[1]))
    )


def dumps(value: Any) -> str:
    """JSON text as a client might send it (NaN/Infinity literals kept: Python and JS clients emit them)."""
    return json.dumps(value, allow_nan=True, ensure_ascii=False)


@st.composite
def raw_variants(draw: st.DrawFn, text: str) -> bytes:
    """Bytes a client might send for the JSON ``text``: as is, truncated, in another encoding, with a
    raw duplicate key, a BOM, trailing garbage, or deeply nested."""
    kind = draw(
        st.sampled_from(
            ["utf8", "truncate", "utf16", "latin1", "dupkey", "bom", "garbage", "deep", "surrogate"]
        )
    )
    if kind == "truncate" and text:
        return text.encode("utf-8", "surrogatepass")[: draw(st.integers(0, len(text)))]
    if kind == "utf16":
        return text.encode("utf-16", "surrogatepass")
    if kind == "latin1":
        return text.encode("latin-1", "replace")
    if kind == "dupkey" and text.startswith("{") and len(text) > 2:
        return ('{"model": 1, "model": "x", ' + text[1:]).encode("utf-8", "surrogatepass")
    if kind == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if kind == "garbage":
        return text.encode("utf-8", "surrogatepass") + draw(st.binary(min_size=1, max_size=20))
    if kind == "deep":
        depth = draw(st.sampled_from([50, 500, 5000, 100_000]))
        return ("[" * depth + text + "]" * depth).encode("utf-8", "surrogatepass")
    if kind == "surrogate":
        return text.replace('"', '"\\ud800', 1).encode("utf-8", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


def rejected_capture(path: str, query: str, **fields: Any) -> Any:
    """A :class:`~toolguard_core.capture.Capture` of a POST to ``https://api.example.com{path}?{query}``
    the upstream answered (400, a JSON error, unless ``fields`` say otherwise), for the properties over
    the row the store would write (``Capture.to_row``); ``fields`` override any other column."""
    from toolguard_core.capture import Capture

    target = f"{path}?{query}" if query else path
    defaults: dict[str, Any] = dict(
        flow_id="f1",
        started=1_700_000_000.0,
        ended=1_700_000_000.5,
        method="POST",
        scheme="https",
        host="api.example.com",
        port=443,
        path=target,
        url=f"https://api.example.com{target}",
        provider="openai",
        model=None,
        stream=None,
        request_headers=((b"content-type", b"application/json"),),
        request_text=None,
        request_is_json=True,
        request_bytes=0,
        raw_request=(b"{}", None, 1 << 20),
        findings=[],
        secrets=None,
        query=query,
        verdict="predicted",
        status=400,
        response_headers=((b"content-type", b"application/json"),),
        response_body=b'{"error": {"message": "bad request"}}',
        response_content_type="application/json",
        facts_unknown=True,
    )
    return Capture(**(defaults | fields))
