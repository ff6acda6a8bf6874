"""The library behind ``toolguard check``: lint request bodies offline through the addon's own code path.

Bodies come from files (one JSON body each, or JSON Lines: one body per line) or from a stored flow
(re-checked with today's rules). Without ``--url`` a body's shape picks the endpoint (:func:`shape_of`):
``input`` and no ``messages`` is a Responses API body, a Messages-only shape an Anthropic Messages one
(whose beta is then unknown: an error a beta lifts is only a warning, :func:`_beta_unknown`), Bedrock
Converse, Gemini native and Ollama bodies by their own fields, anything else a chat-completions one; the
output says which was inferred and the --url to pass, or that the shape is ambiguous and the choices.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from toolguard_analysis.defaults import DEFAULT_URL as DEFAULT_URL
from toolguard_analysis.defaults import MESSAGES_URL as MESSAGES_URL
from toolguard_analysis.defaults import RESPONSES_URL as RESPONSES_URL
from toolguard_analysis.errors import BadParameter, ToolguardError, UsageError
from toolguard_core.analyze import Analysis, analyse_request
from toolguard_core.findings import SEVERITY_ORDER, Severity
from toolguard_core.providers import DEFAULT_REGISTRY, GENERIC, ProviderRegistry
from toolguard_core.redact import redact_text_urls, redact_url
from toolguard_core.request import CONVERSE, GEMINI, MESSAGES, OLLAMA, Target, gemini_snake
from toolguard_core.rules import converse, gemini, ollama
from toolguard_core.verdict import DEFAULT_PATHS, DEFAULT_RECORD_PATHS, Scope, scope

#: The same endpoint with a beta on: Claude Code always sends ``/v1/messages?beta=true``, where the
#: rules that a beta lifts are silent (rules/anthropic.py, modelinfo.beta_enabled).
MESSAGES_BETA_URL = MESSAGES_URL + "?beta=true"
#: Content blocks only Anthropic's Messages API has (chat completions says tool_calls / role "tool").
_ANTHROPIC_BLOCKS = frozenset({"tool_use", "tool_result", "thinking", "redacted_thinking"})


def validate_url(url: str) -> str:
    """``url`` when it is an http(s) URL with a host and a valid port, else :class:`BadParameter`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadParameter(
            f"{redact_text_urls(url)!r} is not an http(s) URL with a host, e.g. {DEFAULT_URL}", "--url"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise BadParameter(f"{redact_text_urls(url)!r}: {exc}", "--url") from exc
    return url


class NotChecked(ToolguardError):
    """The URL is an endpoint toolguard has no rules for (the addon only records it): nothing was checked."""


_PATHS = tuple(re.compile(p) for p in DEFAULT_PATHS)
_RECORD_PATHS = tuple(re.compile(p) for p in DEFAULT_RECORD_PATHS)


def target_for(url: str, providers_file: str | None) -> Target:
    """The target as the addon would see it: built-in profiles, or the user's providers file.
    :class:`NotChecked` when the addon, with its default paths, would only record such a request
    (embeddings, moderations, legacy completions, images, audio): judging that body as a chat
    request would report findings no such endpoint gives. Any other path is checked, by
    :func:`~toolguard_core.request.endpoint_kind` (a gateway's own path is what toolguard_paths is for)."""
    registry = DEFAULT_REGISTRY if providers_file is None else _load_registry(providers_file)
    target = Target.from_url(url, registry)
    where = scope(
        allowed=True,
        path=target.path,
        paths=_PATHS,
        record_paths=_RECORD_PATHS,
        native_chat_path=registry.endpoint_candidate(target.host, target.port, target.path),
    )
    if where is Scope.RECORD:
        raise NotChecked(f"toolguard does not check {target.path} requests: nothing was checked.")
    return target


def _load_registry(providers_file: str) -> ProviderRegistry:
    try:
        from toolguard_core import profiles_config  # the provider-config loader (issue 3, profiles)
    except ImportError as exc:  # pragma: no cover - depends on the profiles module being present
        raise UsageError(f"--providers is not supported by this build: {exc}") from exc
    try:
        registry = profiles_config.load_registry(Path(providers_file))
    except Exception as exc:  # any problem in the user's file is a usage error, reported clearly
        raise BadParameter(f"{providers_file}: {exc}", "--providers") from exc
    return registry


def check_body(body: bytes, url: str, providers_file: str | None = None) -> Analysis:
    """Analyse ``body`` as if it were sent to ``url`` (the addon's own :func:`analyse_request`);
    the findings come back sorted by severity."""
    target = target_for(url, providers_file)
    analysis = analyse_request(body, url, target=target)
    analysis.findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return analysis


@dataclass(slots=True)
class Checked:
    """One body's analysis: where it came from and the URL it was judged for."""

    source: str
    url: str
    analysis: Analysis
    #: How the URL was chosen when none was given (:func:`shape_of`); None with --url.
    shape: Shape | None = None

    def as_json(self) -> dict[str, Any]:
        data = {
            "source": self.source,
            # Gemini's ?key= and user:password@ never reach the terminal or a CI log.
            "url": redact_url(self.url),
            "provider": self.analysis.target.provider.id,
            "provider_name": self.analysis.target.provider.name,
            "findings": [f.model_dump(mode="json") for f in self.analysis.findings],
        }
        if self.shape is not None:
            data["inferred"] = self.shape.as_json()
        return data


def split_bodies(source: str, data: bytes) -> list[tuple[str, bytes]]:
    """One body, or one per line when ``data`` is JSON Lines (``source:LINE`` names each).

    JSON Lines is recognised by its first line: a whole JSON object on its own (a pretty-printed body's
    first line, ``{``, never is). Every line is then its own body, so one truncated line of a capture
    gets its own body.not-json at ``source:LINE`` and the other lines are still checked; judging the
    file whole said "Extra data: line 2" and checked none of them."""
    try:
        parsed = json.loads(data)
    except ValueError:
        pass
    else:
        if _is_har(parsed):
            raise BadParameter(_har_words(source), "FILES")
        return [(source, data)]
    lines = [(n, line) for n, line in enumerate(data.splitlines(), 1) if line.strip()]
    if len(lines) < 2 or not _is_object(lines[0][1]):
        return [(source, data)]  # analysed whole: body.not-json says why
    return [(f"{source}:{n}", line) for n, line in lines]


def _is_har(parsed: Any) -> bool:
    """A HAR archive (mitmdump's hardump, a browser's export): ``{"log": {"entries": [...]}}``."""
    log = parsed.get("log") if isinstance(parsed, dict) else None
    return isinstance(log, dict) and isinstance(log.get("entries"), list)


def _har_words(source: str) -> str:
    """Why a HAR archive is not linted: judged as a body it got advice about a body nobody sent
    ("OpenAI does not accept the field `log`"). Says how to take its request bodies out."""
    name = source if source != "-" else "FILE.har"
    return (
        f"{name} is a HAR archive (log.entries), not a request body: toolguard check reads request "
        "bodies. Take them out with jq: "
        f"jq -c '.log.entries[].request.postData.text | select(.) | fromjson' {name} | toolguard check -"
    )


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


#: Where a body of each kind is checked when no --url is given, and the words the output uses. The
#: URLs naming a model name none (``MODEL``): the native APIs put the model in the path, and the body
#: does not say it, so the rules that need the model stay silent (pass --url to have them).
SHAPE_URLS: dict[str, tuple[str, str, str]] = {
    "responses": ("OpenAI Responses", RESPONSES_URL, ""),
    "messages": ("Anthropic Messages", MESSAGES_URL, ""),
    "messages-bedrock": (
        "Anthropic Messages on Bedrock InvokeModel",
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.MODEL/invoke",
        "your region and model id",
    ),
    "messages-vertex": (
        "Anthropic Messages on Vertex AI rawPredict",
        "https://us-east5-aiplatform.googleapis.com/v1/projects/PROJECT/locations/us-east5"
        "/publishers/anthropic/models/MODEL:rawPredict",
        "your region, project and model",
    ),
    "converse": (
        "Bedrock Converse",
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/MODEL/converse",
        "your region and model id",
    ),
    "gemini": (
        "Gemini native generateContent",
        "https://generativelanguage.googleapis.com/v1beta/models/MODEL:generateContent",
        "your model, or your Vertex AI URL",
    ),
    "code-assist": (
        "Gemini Code Assist generateContent",
        "https://cloudcode-pa.googleapis.com/v1internal:generateContent",
        "",
    ),
    "ollama": ("Ollama native /api/chat", "http://localhost:11434/api/chat", "your Ollama host"),
}
#: Content block keys of Bedrock Converse's ``ContentBlock`` union that no other API has (camelCase,
#: no ``type``: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html).
_CONVERSE_BLOCKS = frozenset(
    {
        "toolUse",
        "toolResult",
        "reasoningContent",
        "cachePoint",
        "guardContent",
        "citationsContent",
        "searchResult",
    }
)
#: Its keys that Gemini's parts or a mistyped chat part could share: Converse's only without ``model``
#: in the body (Converse names the model in the path).
_CONVERSE_PLAIN_BLOCKS = frozenset({"text", "image", "document", "video"})
#: Request fields several of the APIs have: no clue to which one a body is for.
_SHARED_FIELDS = frozenset({"model", "messages", "system", "tools", "toolConfig", "stream"})
#: Converse's request fields (rules/converse.py, from AWS's reference) no other API has.
_CONVERSE_FIELDS = tuple(sorted(converse.FIELDS["request"] - _SHARED_FIELDS))
#: Gemini's (rules/gemini.py), in both its spellings (lowerCamel JSON names, snake_case proto names).
_GEMINI_FIELDS = tuple(
    sorted({n for name in gemini.FIELDS["request"] - _SHARED_FIELDS for n in (name, gemini_snake(name))})
)
#: Ollama /api/chat's (rules/ollama.py) chat completions has no form for, and ``format`` (any JSON there,
#: so not in its types table: https://docs.ollama.com/api/chat); per message, ``images``, ``thinking``...
_OLLAMA_FIELDS = (*sorted(set(ollama.REQUEST_TYPES) - _SHARED_FIELDS), "format")
_OLLAMA_MESSAGE_FIELDS = tuple(sorted(set(ollama.MESSAGE_TYPES) - {"role", "content", "tool_calls"}))


#: The API a body is checked for when no --url is given and none of its fields points elsewhere
#: (``request.endpoint_kind``'s name for a chat completions path), and what the output says of it.
ASSUMED_API = "chat"
ASSUMED_WORDS = (
    f"no --url: checked as OpenAI Chat Completions ({DEFAULT_URL}), assumed: no field of the body "
    "names another API; pass --url with the URL it is sent to, whose provider decides which rules apply "
    "(a field or value OpenAI rejects may be accepted there, and the reverse)"
)


@dataclass(frozen=True, slots=True)
class Shape:
    """What the body's shape says about its API, with no --url: ``clues`` maps each API whose own
    fields the body has (a :data:`SHAPE_URLS` key) to the first such field, in words. None of them:
    a chat completions body (the default, as before); one: that API; several: ambiguous, checked as
    chat completions and said so."""

    clues: dict[str, str]

    @property
    def kind(self) -> str | None:
        return next(iter(self.clues)) if len(self.clues) == 1 else None

    @property
    def url(self) -> str:
        return SHAPE_URLS[self.kind][1] if self.kind else DEFAULT_URL

    def words(self) -> str:
        """The note the output gives: which API the body was taken for and why, and the --url to
        pass to be exact; for an ambiguous body, each API it could be; for a body no other API's
        fields point to, that OpenAI was assumed (a new user's trial, session 15: a chat body
        checked as OpenAI's with no word said so, as if its provider had been known)."""
        if not self.clues:
            return ASSUMED_WORDS
        if self.kind is not None:
            name, url, fill = SHAPE_URLS[self.kind]
            where = f" (with {fill})" if fill else ""
            unseen = (
                "; the model is named by the URL, not the body, so no rule for a model ran"
                if "MODEL" in url
                else ""
            )
            return (
                f"no --url: checked as {name}, inferred from the body ({self.clues[self.kind]}); "
                f"pass --url {url}{where} to be exact{unseen}"
            )
        choices = "; ".join(
            f"{SHAPE_URLS[kind][0]} ({why}): --url {SHAPE_URLS[kind][1]}" for kind, why in self.clues.items()
        )
        return (
            f"no --url: the body's shape is ambiguous, checked as OpenAI Chat Completions "
            f"({DEFAULT_URL}); pass the --url of the API it is sent to: {choices}"
        )

    def as_json(self) -> dict[str, Any]:
        """``api``: the :data:`SHAPE_URLS` key the body was taken for, ``chat`` when no clue points
        elsewhere (assumed), None when ambiguous; ``note``: :meth:`words`, as the text output says it."""
        if not self.clues:
            return {
                "api": ASSUMED_API,
                "clues": {},
                "choices": {ASSUMED_API: DEFAULT_URL},
                "note": self.words(),
            }
        return {
            "api": self.kind,
            "clues": dict(self.clues),
            "choices": {kind: SHAPE_URLS[kind][1] for kind in self.clues},
            "note": self.words(),
        }


def shape_of(body: bytes) -> Shape:
    """The APIs a body's own fields point to (:class:`Shape`): Responses (``input``, no ``messages``),
    Anthropic Messages (:func:`_anthropic_shape`), Bedrock Converse, Gemini native (or Code Assist's
    wrapper of it), Ollama's /api/chat. A field several APIs share (``messages``, ``tools``,
    ``system``, ``toolConfig``) is no clue; neither is a field an OpenAI user may send by mistake
    alone (a top-level ``system``)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return Shape({})
    if not isinstance(parsed, dict):
        return Shape({})
    clues: dict[str, str] = {}
    if "input" in parsed and "messages" not in parsed:
        clues["responses"] = "`input` and no `messages`"
    anthropic = _anthropic_shape(parsed)
    version = parsed.get("anthropic_version")
    platform = version.split("-", 1)[0] if isinstance(version, str) else None
    if platform in ("bedrock", "vertex"):
        # The Messages body as the two clouds take it (request.anthropic_platform): the version names which.
        clues[f"messages-{platform}"] = f"`anthropic_version: {version}`"
    elif anthropic:
        clues["messages"] = anthropic
    converse = _converse_clue(parsed)
    if converse:
        clues["converse"] = converse
    # Gemini has no `messages`: beside them, its fields are a chat body's mistake (params.unknown says so).
    gemini = None if "messages" in parsed else next((f"`{f}`" for f in _GEMINI_FIELDS if f in parsed), None)
    if gemini:
        clues["gemini"] = gemini
    request = parsed.get("request")
    if isinstance(request, dict) and "contents" in request and "contents" not in parsed:
        clues["code-assist"] = "`request.contents`: Code Assist's wrapper of a Gemini request"
    ollama = _ollama_clue(parsed)
    if ollama:
        clues["ollama"] = ollama
    return Shape(clues)


def _blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every content block of every message (content given as a list)."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return []
    return [
        block
        for message in messages
        if isinstance(message, dict) and isinstance(message.get("content"), list)
        for block in message["content"]
        if isinstance(block, dict)
    ]


def _converse_clue(body: dict[str, Any]) -> str | None:
    """Converse names the model in the path: with a top-level ``model``, its request fields are a chat
    body's mistake, and only the content blocks no other API has still point to it."""
    field = None if "model" in body else next((f for f in _CONVERSE_FIELDS if f in body), None)
    if field:
        return f"`{field}`"
    tool_config = body.get("toolConfig")
    tools = tool_config.get("tools") if isinstance(tool_config, dict) else None
    if isinstance(tools, list) and any(isinstance(t, dict) and "toolSpec" in t for t in tools):
        return "`toolConfig.tools[].toolSpec`"
    keys = _CONVERSE_BLOCKS if "model" in body else _CONVERSE_BLOCKS | _CONVERSE_PLAIN_BLOCKS
    for block in _blocks(body):
        if "type" not in block:
            key = next((k for k in block if k in keys), None)
            if key:
                return f"a content block keyed `{key}` without `type`"
    return None


def _ollama_clue(body: dict[str, Any]) -> str | None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    field = next((f for f in _OLLAMA_FIELDS if f in body), None)
    if field:
        return f"`{field}`"
    for message in messages:
        field = (
            next((f for f in _OLLAMA_MESSAGE_FIELDS if f in message), None)
            if isinstance(message, dict)
            else None
        )
        if field:
            return f"`messages[].{field}`"
    return None


def _anthropic_shape(body: dict[str, Any]) -> str | None:
    """A Messages API body by what chat completions has no form for: a tool declared with
    ``input_schema``, or a ``tool_use``/``tool_result``/thinking content block (the clue, in words).
    A stray top-level ``system`` alone is not enough (an OpenAI user's mistake that params.unknown
    must still report). Judged as chat, Claude Code's turn got 18 errors none of which was true of it."""
    tools = body.get("tools")
    if isinstance(tools, list) and any(isinstance(t, dict) and "input_schema" in t for t in tools):
        return "a tool with `input_schema`"
    block = next((b for b in _blocks(body) if b.get("type") in _ANTHROPIC_BLOCKS), None)
    return f"a `{block['type']}` content block" if block else None


def check_bodies(
    bodies: list[tuple[str, bytes]], url: str | None, providers_file: str | None = None
) -> list[Checked]:
    """Each body analysed as sent to ``url`` (or to the endpoint its shape names: :func:`shape_of`)."""
    results = []
    for source, body in bodies:
        shape = None if url else shape_of(body)
        body_url = url or shape.url
        analysis = check_body(body, body_url, providers_file)
        if shape is not None and shape.kind == "messages":
            _beta_unknown(analysis, check_body(body, MESSAGES_BETA_URL, providers_file))
        results.append(Checked(source, body_url, analysis, shape))
    return results


def _beta_unknown(analysis: Analysis, with_beta: Analysis) -> None:
    """A Messages body recognised by its shape, with no URL: whether a beta was on (``?beta=true``,
    which Claude Code always sends) is unknown, so an error the beta lifts is not a confident one. Such
    a finding (an error without the beta, absent with it: derived, not listed) becomes a warning
    saying why and which URL to pass; Claude Code's real turn was flagged an error it never gets."""
    lifted = {(f.rule, f.location) for f in with_beta.findings}
    analysis.findings = [
        f.model_copy(update={"severity": Severity.WARNING, "message": f.message + _BETA_WORDS})
        if f.severity == Severity.ERROR and (f.rule, f.location) not in lifted
        else f
        for f in analysis.findings
    ]
    analysis.findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])


_BETA_WORDS = (
    " An error only without a beta: with no --url, whether the request had one is unknown (Claude Code "
    f"always sends {MESSAGES_BETA_URL}, where this is accepted); pass --url {MESSAGES_URL} or "
    f"--url '{MESSAGES_BETA_URL}' to be sure."
)


def stored_flow_body(db_path: Path, flow_ref: str) -> tuple[str, bytes, str]:
    """A stored flow's request body and URL, to re-check it with today's rules: (source, body, url)."""
    from toolguard_analysis.show import find_flow, request_body

    flow = find_flow(db_path, flow_ref)
    url = flow.row.get("url") or DEFAULT_URL
    return f"flow {flow.id}", request_body(flow).encode(), url


def render_findings(analysis: Analysis, url: str, fmt: str = "text") -> str:
    """One body's findings (see :func:`render_results`)."""
    return render_results([Checked("-", url, analysis)], fmt)


def render_results(results: list[Checked], fmt: str = "text") -> str:
    """``text``: per body, one line per finding and a count line naming the provider and URL (with a
    ``== SOURCE`` heading when there are several); ``json``: an object per body with its source,
    provider, URL and findings (a list of them for several bodies)."""
    if fmt == "json":
        payload: Any = [r.as_json() for r in results]
        return json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False) + "\n"
    lines: list[str] = []
    assumed = [r for r in results if r.shape is not None and not r.shape.clues]
    if assumed:
        # Said once, before the bodies: a JSON Lines file of chat bodies got it on every body.
        which = "" if len(assumed) == len(results) == 1 else f" ({len(assumed)} of {len(results)} bodies)"
        lines.append(f"note{which}: {ASSUMED_WORDS}")
    for result in results:
        analysis = result.analysis
        if len(results) > 1:
            lines.append(f"== {result.source}")
        if result.shape is not None and result.shape.clues:
            lines.append(f"note: {result.shape.words()}")
        lines += [finding.one_line() for finding in analysis.findings]
        counts = {s: sum(1 for f in analysis.findings if f.severity == s) for s in Severity}
        lines.append(
            f"{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s) "
            f"for {_provider_words(analysis.target)} ({redact_url(result.url)})"
        )
    return "\n".join(lines) + "\n"


def _provider_words(target: Target) -> str:
    """The provider a body was checked for, in words. An Anthropic Messages path on a host no profile
    knows gets the generic profile, but its rules are the Messages ones: "OpenAI-compatible" there
    told the user the wrong API was assumed."""
    if target.endpoint == MESSAGES and target.platform is not None:
        # Claude's Messages body on a cloud's own path (request.anthropic_platform).
        return {
            "bedrock": "Anthropic Messages on Bedrock InvokeModel",
            "vertex": "Anthropic Messages on Vertex AI rawPredict",
        }[target.platform] + ("" if target.provider.id != GENERIC.id else " (unknown host: a gateway)")
    if target.endpoint == CONVERSE:
        where = "Amazon Bedrock" if target.provider.id == "bedrock" else "unknown host: a gateway"
        return f"Bedrock Converse ({where})"
    if target.endpoint == OLLAMA:
        where = "Ollama" if target.provider.id == "ollama" else target.provider.name
        return f"Ollama native /api/chat ({where})"
    if target.provider.id == GENERIC.id and target.endpoint == MESSAGES:
        return "Anthropic Messages-compatible (unknown provider)"
    if target.endpoint == GEMINI:
        # The gemini profile is named for its OpenAI-compatible endpoint; this path is the native API.
        where = {GENERIC.id: "unknown provider", "gemini": "Gemini API", "vertex": "Vertex AI"}.get(
            target.provider.id, target.provider.name
        )
        return f"Gemini native generateContent ({where})"
    return target.provider.name
