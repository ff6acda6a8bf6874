"""spec.*: the request checked against OpenAI's published request schemas (issue 9, round 5).

The hand-written rules know what someone wrote down after a failure; OpenAI publishes the schema of
every request body (github.com/openai/openai-openapi). ``data/openai_request_schema.json`` is a compact
snapshot of it for ``CreateChatCompletionRequest`` and ``CreateResponse`` (types, enums, numeric, length
and key-count bounds, required keys, closed objects, map values, unions), written offline by ``scripts/refresh_openapi.py`` with the spec's version,
source and date. It is compiled once, at import, into linked :class:`_Node` objects whose unions are
already resolved into per-JSON-type dispatch tables, so the check walks only what the request contains
and does a dict lookup per value.

What a finding means per provider is declared on each rule: OpenAI and Azure OpenAI run this schema (an
error there); an unrecognised host gets a warning (it may be a gateway in front of OpenAI, or a server
with its own extensions); a recognised non-OpenAI provider is judged by its own rules, never by
OpenAI's enums or closed objects (its extensions: ``reasoning_content``, ``thinking``, vLLM's extras...).
Type, bound and required-key violations are judged as the model's vendor on an unrecognised host
(``report_judged``); a value or field the snapshot does not know never is, since a newer API version or
a vendor extension may take it.

A violation a hand-written rule already names (same location, or one inside the other) is that rule's:
:func:`restated` drops the spec finding, so one violation gives one finding. Top-level numbers whose range
a provider profile declares are the ``params.*`` range rules' (the profile owns that fact).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from importlib import resources
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RequestView
from toolguard_core.rules import memo
from toolguard_core.rules.history import Entry, Split
from toolguard_core.rules.inferred import report_judged
from toolguard_core.rules.registry import PredictedError, Rule, check, define, policy, provider_id

SNAPSHOT = "openai_request_schema.json"
_USER = {"role": "user", "content": "Hello"}
#: OpenAI and Azure OpenAI validate against this schema; an unrecognised host may be a gateway to them.
_SPEC_POLICY = policy(error=("openai-family",), warning=("generic",))
_NOTE = (
    "Checked against OpenAI's published schema (scripts/refresh_openapi.py; the snapshot's date and spec "
    "version are in data/openai_request_schema.json); of a conversation longer than 48 messages only the "
    "newest 48 are walked (an agent resends its history, so the older ones were checked on its earlier "
    "turns; the hand-written rules read every message). Error on OpenAI and Azure OpenAI, which validate it; "
    "a warning on an unrecognised host (judged as the model's vendor where the catalog knows the model"
)

WRONG_TYPE = define(
    "spec.wrong-type",
    Severity.ERROR,
    "A value inside the request has a JSON type OpenAI's schema does not allow there (a tool's `parameters` "
    "given as a list, a content part given as a string where an object is required, ...).",
    policy=_SPEC_POLICY,
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid type for 'messages[2].tool_calls[0].function.arguments': expected a string, but got "
                "an object instead."
            ),
            source="https://github.com/aaif-goose/goose-mobile/pull/20",
            code="invalid_type",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Invalid type for 'messages[1].content': expected one of a string or array of objects, but "
                "got an integer instead."
            ),
            source="https://github.com/pydantic/pydantic-ai/issues/2653",
            code="invalid_type",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [_USER],
        "stream": True,
        "stream_options": {"include_usage": "true"},
    },
    fixed={"model": "gpt-4o", "messages": [_USER], "stream": True, "stream_options": {"include_usage": True}},
    notes=_NOTE + "). Elsewhere a warning: most OpenAI-compatible servers validate types too, with their own "
    "wording.",
)
UNKNOWN_ENUM_VALUE = define(
    "spec.unknown-enum-value",
    Severity.ERROR,
    "A value that is not one of those OpenAI's schema lists (a content part `type`, a message `role`, an "
    "image `detail`, a `response_format.type`, ...).",
    policy=_SPEC_POLICY,
    predicts=(
        PredictedError(
            provider="openai",
            text="Invalid value: 'image'. Supported values are: 'text' and 'image_url'.",
            source="https://github.com/aallam/openai-kotlin/issues/320",
            code="invalid_value",
        ),
        PredictedError(
            provider="openai",
            text="Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'.",
            source="https://github.com/jamesrochabrun/SwiftOpenAI/issues/136",
            code="invalid_value",
        ),
    ),
    example={"model": "gpt-5", "messages": [_USER], "verbosity": "max"},
    fixed={"model": "gpt-5", "messages": [_USER], "verbosity": "high"},
    notes=_NOTE
    + " only for types, bounds and required keys: a value the snapshot does not list may be newer "
    "than it, or a vendor's extension). Recognised non-OpenAI providers are not judged by OpenAI's enums.",
)
OUT_OF_RANGE = define(
    "spec.out-of-range",
    Severity.ERROR,
    "A number, an array length, a string length or a key count outside the bounds OpenAI's schema sets "
    "(more than 4 `stop` sequences, an empty `tool_calls`, a `safety_identifier` over 64 characters, a "
    "`metadata` of more than 16 keys or with a value over 512 characters, ...), or the bounds OpenAI's "
    "servers add to it (more than 2048 messages, more than 128 tool calls in one message, a message text "
    "over 1,048,576 characters).",
    policy=_SPEC_POLICY,
    predicts=(
        PredictedError(
            provider="openai",
            text="Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.",
            source="https://github.com/it-at-m/mucgpt/issues/608",
            code="integer_below_min_value",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array "
                "with length 133 instead."
            ),
            source="https://github.com/vishalmysore/Tools4AI/issues/16",
            code="array_above_max_length",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Expected a string with maximum length 512, but got a string with length 695 instead. (param: "
                "metadata.actual) (code: string_above_max_length)"
            ),
            source="https://github.com/spiceai/docs/issues/928",
            code="string_above_max_length",
        ),
        # Bounds the published schema does not state (SERVER_BOUNDS).
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'messages[2].tool_calls': array too long. Expected an array with maximum length 128, "
                "but got an array with length 200 instead."
            ),
            source="https://github.com/openai/openai-dotnet/issues/317",
            code="array_above_max_length",
        ),
        PredictedError(
            provider="azure",
            text=(
                '"$.messages" exceeds the maximum length of 2048 items. Please reduce the number of items in '
                "the messages."
            ),
            source="https://portkey.ai/error-library/length-limit-error-10026",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_USER], "functions": []},
    fixed={"model": "gpt-4o", "messages": [_USER]},
    notes=_NOTE + "). Top-level sampling ranges are the params.* range rules' where the provider profile "
    "declares the range.",
)
MISSING_REQUIRED = define(
    "spec.missing-required",
    Severity.ERROR,
    "A key OpenAI's schema requires is absent (a `function`-role message without `name`, an image part "
    "without `image_url`, a Responses `function_call_output` without `call_id`, ...).",
    policy=_SPEC_POLICY,
    predicts=(
        PredictedError(
            provider="openai",
            text="Missing required parameter: 'messages[5].content[0].type'.",
            source="https://github.com/neuron-core/neuron-ai/issues/76",
            code="missing_required_parameter",
        ),
        PredictedError(
            provider="openai",
            text="Missing required parameter: 'tools[0].function'.",
            source="https://github.com/bolna-ai/bolna/issues/144",
            code="missing_required_parameter",
        ),
    ),
    example={
        "model": "gpt-4o-audio-preview",
        "messages": [_USER],
        "modalities": ["text", "audio"],
        "audio": {"voice": "alloy"},
    },
    fixed={
        "model": "gpt-4o-audio-preview",
        "messages": [_USER],
        "modalities": ["text", "audio"],
        "audio": {"voice": "alloy", "format": "wav"},
    },
    notes=_NOTE + "). Elsewhere a warning.",
)
UNKNOWN_FIELD = define(
    "spec.unknown-field",
    Severity.ERROR,
    "A key inside an object OpenAI's schema closes (`additionalProperties: false`), e.g. a file-search "
    "filter's extra key. Top-level fields are params.unknown's, message keys roles.unknown-message-key's.",
    policy=_SPEC_POLICY,
    predicts=(
        PredictedError(
            provider="openai",
            text="Unknown parameter: 'input[1].metadata'.",
            source="https://github.com/openai/openai-agents-python/issues/1227",
            code="unknown_parameter",
        ),
    ),
    example={
        "model": "gpt-4o",
        "input": "Find the plan",
        "tools": [
            {
                "type": "file_search",
                "vector_store_ids": ["vs_1"],
                "filters": {"type": "eq", "key": "team", "value": "a", "scope": "all"},
            }
        ],
    },
    example_url="https://api.openai.com/v1/responses",
    fixed={
        "model": "gpt-4o",
        "input": "Find the plan",
        "tools": [
            {
                "type": "file_search",
                "vector_store_ids": ["vs_1"],
                "filters": {"type": "eq", "key": "team", "value": "a"},
            }
        ],
    },
    notes=_NOTE + " only for types, bounds and required keys). The published schema closes few objects; "
    "OpenAI's server is stricter than it says, which the hand-written rules cover where a thread shows it.",
)

#: The rules this module reports, for :func:`restated`.
SPEC_RULES: frozenset[str] = frozenset(
    r.id for r in (WRONG_TYPE, UNKNOWN_ENUM_VALUE, OUT_OF_RANGE, MISSING_REQUIRED, UNKNOWN_FIELD)
)


class _Node:
    """One compiled schema. ``union`` (when set) maps a JSON type to the node a value of that type is
    checked against, to a :class:`_Disc` (pick by a key's value), or to None (accepted unchecked: the
    schema does not say which branch); a type it lacks is a wrong type."""

    __slots__ = (
        "closed",
        "done",
        "enum",
        "fn",
        "items",
        "key_max_len",
        "max",
        "max_items",
        "max_len",
        "max_props",
        "min",
        "min_items",
        "min_len",
        "ok",
        "props",
        "req",
        "types",
        "union",
        "values",
        "xmax",
        "xmin",
    )

    def __init__(self) -> None:
        self.types: frozenset[str] | None = None
        self.enum: frozenset[Any] | None = None
        self.min: float | None = None
        self.max: float | None = None
        self.xmin: float | None = None
        self.xmax: float | None = None
        self.min_items: int | None = None
        self.max_items: int | None = None
        #: String length bounds and the most keys an object takes (``maxLength``/``minLength``/
        #: ``maxProperties``): a Responses ``call_id`` of 1-64 characters, a vector-store attribute map.
        self.min_len: int | None = None
        self.max_len: int | None = None
        self.max_props: int | None = None
        #: A map's value schema (``additionalProperties``) and its longest key (``metadata``: 64).
        self.values: _Node | None = None
        self.key_max_len: int | None = None
        self.props: dict[str, _Node] | None = None
        self.req: tuple[str, ...] = ()
        self.closed = False
        self.items: _Node | None = None
        self.union: dict[str, _Node | _Disc | None] | None = None
        #: The JSON types this node takes, and those of them for which nothing more is checked (a string
        #: without an enum, a number without bounds...): precomputed so a leaf costs one set lookup.
        self.ok: frozenset[str] = frozenset(_JSON_TYPES)
        self.done: frozenset[str] = frozenset()
        #: The node's check, ``fn(value, jtype, loc, out)``, a closure over its own constraints (built once
        #: the snapshot is compiled: a closure reads its constants as cells, the hot path's cheapest reads).
        self.fn: Check = _unset
        _ALL_NODES.append(self)


#: Where a value sits, built only when a violation is reported: the top-level key, or (parent, key or
#: index). Formatting ``messages[12].content[0].text`` for every value walked was most of the check's
#: cost on a 1 MB conversation (issue #12); a tuple per value is cheaper, and a clean request never
#: formats one.
Loc = Any

#: A node's check: (value, its JSON type, its location, the violations found so far).
Check = Callable[[Any, str, Loc, list["Violation"]], None]


def _path(loc: Loc) -> str:
    """``loc`` as the finding's location string (``messages[2].tool_calls[0].function``)."""
    parts: list[str] = []
    while type(loc) is tuple:
        loc, key = loc
        parts.append(f"[{key}]" if type(key) is int else f".{key}")
    return loc + "".join(reversed(parts))


def _unset(value: Any, jtype: str, loc: Loc, out: list[Violation]) -> None:
    raise AssertionError("the snapshot was not compiled")


#: Every node compiled (for :func:`_finish`); emptied once the snapshot is compiled.
_ALL_NODES: list[_Node] = []


class _Disc:
    """Object branches of a union told apart by one key fixed per branch (``type``, ``role``)."""

    __slots__ = ("default", "key", "map")

    def __init__(self, key: str, branches: dict[Any, _Node | None], default: _Node | None) -> None:
        self.key = key
        self.map = branches  # value → branch (None: several branches share it; not checked)
        self.default = default  # the branch for a value without the key, when one branch allows that


_JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
_WRONG: Any = object()
#: The types a discriminator's value can have (a tuple of types, not ``str | int``: built once).
_SCALARS = frozenset({str, int, float, bool})


_TYPE_NAMES: dict[type, str] = {
    str: "string",
    dict: "object",
    list: "array",
    bool: "boolean",
    int: "integer",
    type(None): "null",
}


def _jtype(value: Any) -> str:
    name = _TYPE_NAMES.get(type(value))
    if name is not None:
        return name
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    return "value"


def _accepts(node: _Node, jtype: str) -> bool:
    types = _implied_types(node)
    return types is None or jtype in types or (jtype == "integer" and "number" in types)


def _implied_types(node: _Node) -> frozenset[str] | None:
    if node.types is not None:
        return node.types
    if node.props is not None or node.req or node.values is not None:
        return frozenset({"object"})
    if node.items is not None:
        return frozenset({"array"})
    if node.enum is not None:
        return frozenset(_jtype(v) for v in node.enum)
    return None


class _Compiler:
    def __init__(self, defs: Mapping[str, Any]) -> None:
        self.raw = defs
        self.defs: dict[str, _Node] = {}
        self.unions: list[tuple[_Node, list[_Node]]] = []

    def ref(self, name: str) -> _Node:
        raw = self.raw[name]
        if set(raw) == {"ref"}:  # a definition that is only another name: the same checks
            return self.ref(raw["ref"])
        node = self.defs.get(name)
        if node is None:
            node = self.defs[name] = _Node()
            self.fill(node, raw)
        return node

    def node(self, raw: Mapping[str, Any]) -> _Node:
        if "ref" in raw:
            return self.ref(raw["ref"])
        node = _Node()
        self.fill(node, raw)
        return node

    def fill(self, node: _Node, raw: Mapping[str, Any]) -> None:
        if "type" in raw:
            node.types = frozenset(raw["type"])
        if "enum" in raw:
            node.enum = frozenset(v for v in raw["enum"] if isinstance(v, str | int | float | bool))
        for key in (
            "min",
            "max",
            "xmin",
            "xmax",
            "min_items",
            "max_items",
            "min_len",
            "max_len",
            "max_props",
            "key_max_len",
        ):
            if key in raw:
                setattr(node, key, raw[key])
        if "props" in raw:
            node.props = {k: self.node(v) for k, v in raw["props"].items()}
        node.req = tuple(raw.get("req", ()))
        node.closed = bool(raw.get("closed"))
        if "items" in raw:
            node.items = self.node(raw["items"])
        if "values" in raw:
            node.values = self.node(raw["values"])
        if "any" in raw:
            self.unions.append((node, [self.node(b) for b in raw["any"]]))


def _flatten(branches: Iterable[_Node], seen: set[int]) -> list[_Node]:
    """A union's branches with every branch that is itself a union replaced by its own branches."""
    out: list[_Node] = []
    for branch in branches:
        nested = _UNION_BRANCHES.get(id(branch))
        if nested is None:
            out.append(branch)
        elif id(branch) not in seen:
            seen.add(id(branch))
            out.extend(_flatten(nested, seen))
    return out


#: The raw branch list of each union node while the snapshot compiles, so a union nested in another is
#: flattened into it.
_UNION_BRANCHES: dict[int, list[_Node]] = {}


def _dispatch(branches: list[_Node]) -> dict[str, _Node | _Disc | None]:
    table: dict[str, _Node | _Disc | None] = {}
    for jtype in _JSON_TYPES:
        candidates = [b for b in branches if _accepts(b, jtype)]
        if not candidates:
            continue
        if len(candidates) == 1:
            table[jtype] = candidates[0]
        elif jtype == "object":
            table[jtype] = _discriminate(candidates)
        elif jtype == "string" and all(c.enum is not None for c in candidates):
            merged = _Node()
            merged.types = frozenset({"string"})
            merged.enum = frozenset().union(*(c.enum or () for c in candidates))
            table[jtype] = merged
        else:
            table[jtype] = None
    return table


def _discriminate(candidates: list[_Node]) -> _Disc | None:
    keys = [k for k in ("type", "role") if all(c.props and k in c.props for c in candidates)]
    keys += sorted(
        k for k in set.intersection(*(set(c.props or ()) for c in candidates)) if k not in ("type", "role")
    )
    for key in keys:
        enums = [_tag_values((c.props or {})[key]) for c in candidates]
        if any(e is None for e in enums):
            continue
        by_value: dict[Any, list[_Node]] = {}
        for candidate, enum in zip(candidates, enums, strict=True):
            for value in enum or ():
                by_value.setdefault(value, []).append(candidate)
        optional = [c for c in candidates if key not in c.req]
        return _Disc(
            key,
            {v: (nodes[0] if len(nodes) == 1 else None) for v, nodes in by_value.items()},
            optional[0] if len(optional) == 1 else None,
        )
    return None


def _tag_values(node: _Node) -> frozenset[Any] | None:
    """The values a discriminator key can take in one branch: its enum, or the enums of a nullable
    union of enums (the Responses API's ``ItemReferenceParam`` types its ``type`` as ``"item_reference"``
    or null). Without this one nullable tag, no ``input`` item of a Responses request was told apart,
    so none was checked. None when a branch takes any string."""
    if node.enum is not None:
        return node.enum
    branches = _UNION_BRANCHES.get(id(node))
    if not branches:
        return None
    values: set[Any] = set()
    for branch in branches:
        if branch.enum is not None:
            values |= branch.enum
        elif branch.types != frozenset({"null"}):
            return None
    return frozenset(values) or None


def _finish(node: _Node) -> None:
    """Set ``ok`` and ``done`` of a node that is not a union (its dispatch targets are such nodes)."""
    implied = _implied_types(node)
    ok = set(_JSON_TYPES if implied is None else implied)
    if "number" in ok:
        ok.add("integer")
    done = {"boolean", "null"}
    if node.enum is None and node.min_len is None and node.max_len is None:
        done.add("string")
    if node.min is None and node.max is None and node.xmin is None and node.xmax is None:
        done |= {"integer", "number"}
    if (
        node.props is None
        and not node.req
        and not node.closed
        and node.max_props is None
        and node.values is None
        and node.key_max_len is None
    ):
        done.add("object")
    if node.items is None and node.min_items is None and node.max_items is None:
        done.add("array")
    node.ok = frozenset(ok)
    node.done = frozenset(done & ok)


#: Bounds OpenAI's servers enforce that its published schema does not state (the OAS gives `messages`, a
#: message's `tool_calls` and a message's text no maxItems or maxLength): (definition, property, bound,
#: value, where it was read). Applied to the snapshot as it is compiled (:func:`_server_bounds`), so the
#: spec rules report them like the schema's own bounds, under the same policy (an error on OpenAI and
#: Azure OpenAI, a warning on an unrecognised host, silent on a recognised non-OpenAI provider).
#: The most tool calls one replayed assistant message may carry.
MAX_TOOL_CALLS = 128
SERVER_BOUNDS: tuple[tuple[str, str, str, int, str], ...] = (
    (
        "CreateChatCompletionRequest",
        "messages",
        "max_items",
        2048,
        # Azure OpenAI's answer: '"$.messages" exceeds the maximum length of 2048 items. Please reduce
        # the number of items in the messages.'
        "https://portkey.ai/error-library/length-limit-error-10026",
    ),
    (
        "ChatCompletionMessageToolCalls",
        "",
        "max_items",
        MAX_TOOL_CALLS,
        # "Invalid 'messages[2].tool_calls': array too long. Expected an array with maximum length 128,
        # but got an array with length 200 instead." (parallel tool calls replayed by the .NET SDK)
        "https://github.com/openai/openai-dotnet/issues/317",
    ),
    *(
        (
            message,
            "content",
            "max_len",
            1_048_576,
            # Azure OpenAI's quotas and limits: "Message character limit | 1048576"
            # (MicrosoftDocs/azure-ai-docs articles/ai-services/openai/quotas-limits.md).
            "https://github.com/MicrosoftDocs/azure-ai-docs/commit/8e4e7b4607f02d1c476c50a90e814ed29f77d6d3",
        )
        for message in (
            "ChatCompletionRequestDeveloperMessage",
            "ChatCompletionRequestSystemMessage",
            "ChatCompletionRequestUserMessage",
            "ChatCompletionRequestAssistantMessage",
            "ChatCompletionRequestToolMessage",
            "ChatCompletionRequestFunctionMessage",
        )
    ),
)


def _server_bounds(defs: dict[str, Any]) -> None:
    """Put :data:`SERVER_BOUNDS` into the raw definitions: an array bound on the array itself, a string
    bound on every string branch of the property (a message's content is a string or parts)."""

    def strings(schema: dict[str, Any], key: str, value: int) -> None:
        if "any" in schema:
            for branch in schema["any"]:
                strings(branch, key, value)
        elif "string" in schema.get("type", ()):
            schema[key] = value

    for name, prop, key, value, _source in SERVER_BOUNDS:
        schema = defs[name]["props"][prop] if prop else defs[name]
        if key == "max_len":
            strings(schema, key, value)
        else:
            schema[key] = value


def _load() -> tuple[dict[str, _Node], dict[str, Any]]:
    text = resources.files("toolguard_core").joinpath("data", SNAPSHOT).read_text(encoding="utf-8")
    raw = json.loads(text)
    _server_bounds(raw["defs"])
    compiler = _Compiler(raw["defs"])
    roots = {kind: compiler.node(ref) for kind, ref in raw["roots"].items()}
    for node, branches in compiler.unions:
        _UNION_BRANCHES[id(node)] = branches
    for node, branches in compiler.unions:
        node.union = _dispatch(_flatten(branches, {id(node)}))
    _UNION_BRANCHES.clear()
    for node in _ALL_NODES:
        if node.union is None:
            _finish(node)
    for node in _ALL_NODES:
        if node.union is not None:
            union = node.union
            node.ok = frozenset(union)
            node.done = frozenset(
                t
                for t, target in union.items()
                if target is None or (isinstance(target, _Node) and t in target.done)
            )
    for node in _ALL_NODES:
        node.fn = _make_fn(node)
    _ALL_NODES.clear()
    return roots, raw["_meta"]


#: One violation: (rule, location, message).
Violation = tuple[Rule, str, str]


def _names(types: Iterable[str]) -> str:
    ordered = sorted(set(types) - {"null"}) + (["null"] if "null" in types else [])
    return " or ".join(ordered)


def _wrong_type(ok: frozenset[str], value_type: str, at: Loc, out: list[Violation]) -> None:
    loc = _path(at)
    expected = _names(ok - {"integer"} if "number" in ok else ok)
    out.append((WRONG_TYPE, loc, f"`{loc}` is a JSON {value_type}; OpenAI's schema takes {expected} here."))


def _unknown_value(allowed: Iterable[Any], value: Any, at: Loc, out: list[Violation]) -> None:
    loc = _path(at)
    listed = ", ".join(f"'{v}'" for v in sorted(map(str, allowed)))
    out.append((UNKNOWN_ENUM_VALUE, loc, f"`{loc}` is {value!r}; OpenAI's schema lists {listed}."))


def _make_fn(node: _Node, skip: str | None = None) -> Check:
    """The check of ``node``; the caller has already skipped a value whose type is in ``node.done``.
    ``skip``: a key not to check again (a union's discriminator, whose value picked this branch)."""
    if node.union is not None:
        return _union_fn(node.union)
    ok, enum, req, closed = node.ok, node.enum, node.req, node.closed
    props = (
        None
        if node.props is None
        else {k: (child, child.done if k != skip else _EVERY_TYPE) for k, child in node.props.items()}
    )
    items, min_items, max_items = node.items, node.min_items, node.max_items
    min_len, max_len, max_props = node.min_len, node.max_len, node.max_props
    values, key_max_len = node.values, node.key_max_len
    bounded = node.min is not None or node.max is not None or node.xmin is not None or node.xmax is not None

    def check_node(value: Any, jtype: str, loc: Loc, out: list[Violation]) -> None:
        if jtype not in ok:
            _wrong_type(ok, jtype, loc, out)
        elif jtype == "object":
            if max_props is not None and len(value) > max_props:
                where = _path(loc)
                out.append(
                    (
                        OUT_OF_RANGE,
                        where,
                        f"`{where}` has {len(value)} keys; OpenAI's maximum is {max_props}.",
                    )
                )
            if values is not None or key_max_len is not None:
                _check_map(value, props, values, key_max_len, loc, out)
            if props is not None:
                for key, sub in value.items():
                    entry = props.get(key)
                    if entry is not None:
                        sub_type = _TYPE_NAMES.get(type(sub)) or _jtype(sub)
                        # An optional key sent as null is taken as absent: OpenAI accepts a replayed
                        # Responses item's `"status": null` (pydantic-ai's recorded
                        # test_openai_responses_requires_function_call_status_none, a valid request),
                        # as it does a null top-level parameter.
                        if sub_type not in entry[1] and (sub is not None or key in req):
                            entry[0].fn(sub, sub_type, (loc, key), out)
                    elif closed:
                        where = _path((loc, key))
                        out.append(
                            (UNKNOWN_FIELD, where, f"`{where}`: OpenAI's schema allows no other keys here.")
                        )
            for key in req:
                if key not in value:
                    where = _path((loc, key))
                    out.append(
                        (MISSING_REQUIRED, where, f"`{where}` is missing; OpenAI's schema requires it.")
                    )
        elif jtype == "array":
            if min_items is not None and len(value) < min_items:
                where = _path(loc)
                out.append(
                    (
                        OUT_OF_RANGE,
                        where,
                        f"`{where}` has {len(value)} items; OpenAI's minimum is {min_items}.",
                    )
                )
            elif max_items is not None and len(value) > max_items:
                where = _path(loc)
                out.append(
                    (
                        OUT_OF_RANGE,
                        where,
                        f"`{where}` has {len(value)} items; OpenAI's maximum is {max_items}.",
                    )
                )
            if items is not None:
                done, fn = items.done, items.fn
                for i, item in enumerate(value):
                    item_type = _TYPE_NAMES.get(type(item)) or _jtype(item)
                    if item_type not in done:
                        fn(item, item_type, (loc, i), out)
        elif jtype == "string":
            if enum is not None and value not in enum:
                _unknown_value(enum, value, loc, out)
            elif (min_len is not None and len(value) < min_len) or (
                max_len is not None and len(value) > max_len
            ):
                where = _path(loc)
                bound = (
                    f"at least {min_len}"
                    if min_len is not None and len(value) < min_len
                    else f"at most {max_len}"
                )
                out.append(
                    (
                        OUT_OF_RANGE,
                        where,
                        f"`{where}` is {len(value)} characters long; OpenAI's schema takes {bound} here.",
                    )
                )
        elif bounded and (jtype == "integer" or jtype == "number"):
            bound = _bound_problem(node, value)
            if bound is not None:
                where = _path(loc)
                out.append((OUT_OF_RANGE, where, f"`{where}` is {value}; OpenAI's schema requires {bound}."))

    return check_node


def _check_map(
    value: Mapping[Any, Any],
    props: Mapping[str, Any] | None,
    values: _Node | None,
    key_max_len: int | None,
    loc: Loc,
    out: list[Violation],
) -> None:
    """A map's keys beyond its named properties: each key's length and each value against ``values``."""
    for key, sub in value.items():
        if props is not None and key in props:
            continue
        if key_max_len is not None and isinstance(key, str) and len(key) > key_max_len:
            where = _path((loc, key))
            out.append(
                (
                    OUT_OF_RANGE,
                    where,
                    f"The key `{key[:80]}` is {len(key)} characters long; OpenAI's schema takes at most "
                    f"{key_max_len}.",
                )
            )
        if values is not None:
            sub_type = _TYPE_NAMES.get(type(sub)) or _jtype(sub)
            if sub_type not in values.done:
                values.fn(sub, sub_type, (loc, key), out)


#: The ``done`` of a key that is never checked again (see :func:`_make_fn`'s ``skip``).
_EVERY_TYPE = frozenset((*_JSON_TYPES, "value"))


def _union_fn(union: dict[str, _Node | _Disc | None]) -> Check:
    ok = frozenset(union)
    # Each discriminated branch's check, without re-checking the key that picked it.
    picked = {
        (id(disc), tag): _make_fn(branch, disc.key)
        for disc in union.values()
        if isinstance(disc, _Disc)
        for tag, branch in disc.map.items()
        if branch is not None
    }

    def check_union(value: Any, jtype: str, loc: Loc, out: list[Violation]) -> None:
        target = union.get(jtype, _WRONG)
        if target is _WRONG:
            _wrong_type(ok, jtype, loc, out)
            return
        if target is None:
            return
        if isinstance(target, _Disc):
            tag = value.get(target.key, _WRONG)
            if tag is _WRONG:
                branch = target.default
                if branch is not None and jtype not in branch.done:
                    branch.fn(value, jtype, loc, out)
            elif type(tag) in _SCALARS and tag in target.map:
                fn = picked.get((id(target), tag))
                if fn is not None:
                    fn(value, jtype, loc, out)
            else:
                _unknown_value(target.map, tag, (loc, target.key), out)
            return
        if jtype not in target.done:
            target.fn(value, jtype, loc, out)

    return check_union


def _bound_problem(node: _Node, value: float) -> str | None:
    if node.min is not None and value < node.min:
        return f"a value ≥ {node.min}"
    if node.max is not None and value > node.max:
        return f"a value ≤ {node.max}"
    if node.xmin is not None and value <= node.xmin:
        return f"a value > {node.xmin}"
    if node.xmax is not None and value >= node.xmax:
        return f"a value < {node.xmax}"
    return None


ROOTS, META = _load()

#: Violations judged as the model's vendor on an unrecognised host: the type, bound and required-key
#: facts hold for every version of the API; an unknown value or key may be newer than the snapshot.
_JUDGED = frozenset({WRONG_TYPE.id, OUT_OF_RANGE.id, MISSING_REQUIRED.id})


#: Of a long conversation (``messages``), only the newest items are walked: an agent resends its
#: whole history every turn, so the older messages were the newest of an earlier request (checked
#: then), and walking all of them made this check the largest cost of validating a 1 MB, 400-message
#: conversation (0.85 of 2.6 ms, issue #12). The hand-written messages/shape/content/sequence rules
#: still read every message.
NEWEST_ITEMS = 48  # the rules' notes say 48 too (docs/rules.md)


#: The violations of a ``tools`` array by (endpoint, its JSON text): a function of those two only
#: (rules/memo.py), so an agent's definitions, the same on every turn, are walked once.
_TOOLS_WALKED = memo.Memo()


#: The name under which a remembered block keeps the item schemas its messages all satisfy
#: (history.Entry.summaries).
_CLEAN = "spec.clean-items"


def violations(
    body: Mapping[str, Any],
    endpoint: str,
    profile_ranges: Container[str] = frozenset(),
    tools_text: bytes | None = None,
    remembered: Split | None = None,
) -> list[Violation]:
    """Every place ``body`` breaks the snapshot's schema for ``endpoint`` (``chat`` / ``responses``).
    Top-level keys in ``profile_ranges`` are skipped: the provider profile declares their range, and the
    params.* rules check it. ``tools_text``: the exact JSON text of ``body["tools"]``
    (memo.tools_text), when its violations may be remembered. ``remembered``: the validation worker's
    split parse of the body, whose blocks of ``messages`` are walked once (:func:`_walk_items`)."""
    root = ROOTS.get(endpoint)
    out: list[Violation] = []
    if root is None or root.props is None:
        return out
    props = root.props
    for key, value in body.items():
        node = props.get(key)
        if node is None or key in profile_ranges:
            continue
        if key == "tools" and tools_text is not None:
            remembered = _TOOLS_WALKED.get((endpoint, tools_text))
            if remembered is None:
                walked: list[Violation] = []
                _walk(node, key, value, walked)
                remembered = tuple(walked)
                _TOOLS_WALKED.put((endpoint, tools_text), remembered)
            out.extend(remembered)
            continue
        blocks = None
        if remembered is not None and key == "messages" and value is remembered.body.get("messages"):
            blocks = remembered.blocks
        _walk(node, key, value, out, blocks)
    return out


def _walk(
    node: _Node,
    key: str,
    value: Any,
    out: list[Violation],
    blocks: tuple[tuple[int, Entry], ...] | None = None,
) -> None:
    """The violations of one top-level ``key``'s ``value``."""
    jtype = _TYPE_NAMES.get(type(value)) or _jtype(value)
    if jtype == "array" and len(value) > NEWEST_ITEMS and node.union is None and node.items is not None:
        # A long conversation: only its newest items (see NEWEST_ITEMS); the array's lower bound (at
        # least one message) holds for any array this long, its upper bound is checked here.
        if node.max_items is not None and len(value) > node.max_items:
            out.append(
                (OUT_OF_RANGE, key, f"`{key}` has {len(value)} items; OpenAI's maximum is {node.max_items}.")
            )
        if key == "messages":
            _old_tool_calls(value, len(value) - NEWEST_ITEMS, out)
        items = node.items
        index = len(value) - NEWEST_ITEMS
        for start, entry in blocks or ():
            end = start + len(entry.values)
            if end <= index:
                continue
            _walk_items(items, key, value, index, start, out)
            index = max(index, start)
            if items in _clean_under(entry):
                index = end
                continue
            found = len(out)
            _walk_items(items, key, value, index, end, out)
            # An item's violations are a function of the item and the schema alone (its index is only
            # in their locations): a block walked whole without one has none under this schema.
            if index == start and len(out) == found:
                _mark_clean(entry, items)
            index = end
        _walk_items(items, key, value, index, len(value), out)
    elif jtype not in node.done and jtype != "null":
        node.fn(value, jtype, key, out)


def _old_tool_calls(messages: list[Any], end: int, out: list[Violation]) -> None:
    """The tool-call bound of the messages older than the walked window: an assistant turn of more than
    :data:`MAX_TOOL_CALLS` calls is followed by as many results, so it is never among the newest messages
    of the request that replays it (one length read a message)."""
    for i in range(end):
        message = messages[i]
        calls = message.get("tool_calls") if isinstance(message, dict) else None
        if isinstance(calls, list) and len(calls) > MAX_TOOL_CALLS:
            where = f"messages[{i}].tool_calls"
            out.append(
                (
                    OUT_OF_RANGE,
                    where,
                    f"`{where}` has {len(calls)} items; OpenAI's maximum is {MAX_TOOL_CALLS}.",
                )
            )


def _clean_under(entry: Entry) -> tuple[_Node, ...]:
    """The item schemas every message of the block satisfies (kept with the block: its bytes)."""
    return entry.summaries.get(_CLEAN, ())  # type: ignore[no-any-return]


def _mark_clean(entry: Entry, items: _Node) -> None:
    entry.summaries[_CLEAN] = (*_clean_under(entry), items)


def _walk_items(items: _Node, key: str, value: list[Any], lo: int, hi: int, out: list[Violation]) -> None:
    for i in range(lo, hi):
        item = value[i]
        item_type = _TYPE_NAMES.get(type(item)) or _jtype(item)
        if item_type not in items.done:
            items.fn(item, item_type, (key, i), out)


@check(endpoints=("chat", "responses"))
def check_spec(view: RequestView) -> Iterator[Finding]:
    # Every spec rule shares one policy: where it is silent for this host (a recognised non-OpenAI
    # provider, judged by its own rules), walking the request would find nothing to report.
    if _SPEC_POLICY.level(view.provider.id) is None and _SPEC_POLICY.level(provider_id(view)) is None:
        return
    body = view.body
    text = memo.tools_text(view, body.get("tools"))
    found = violations(body, view.endpoint, view.provider.ranges, text, view.remembered)
    for rule, location, message in found:
        if rule.id in _JUDGED:
            yield from report_judged(rule, view, location, message)
        else:
            yield from rule.report(view, location, message)


def restated(findings: list[Finding]) -> list[Finding]:
    """``findings`` without the spec findings a hand-written rule's finding already locates: the same
    location, or one inside the other below the top level (``messages[2]`` and ``messages[2].content``,
    not ``messages`` and ``messages[2].name``: a finding about a whole top-level field, such as the
    conversation's length, says nothing about one value in it). That rule says more, and one violation
    gives one finding."""
    if not any(f.rule in SPEC_RULES for f in findings):
        return findings
    others = [f.location for f in findings if f.rule not in SPEC_RULES]
    return [
        f for f in findings if f.rule not in SPEC_RULES or not any(_overlaps(f.location, o) for o in others)
    ]


def _overlaps(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    nested = ("." in short or "[" in short) and long.startswith(short) and long[len(short)] in ".["
    return nested
