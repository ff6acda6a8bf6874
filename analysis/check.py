"""The library behind ``toolguard check``: lint request bodies offline through the addon's own code path.

Bodies come from files (one JSON body each, or JSON Lines: one body per line) or from a stored flow
(re-checked with today's rules). Without ``--url`` a body's shape picks the endpoint: ``input`` and
no ``messages`` is a Responses API body, a Messages-only shape an Anthropic Messages one (whose beta
is then unknown: an error a beta lifts is only a warning, :func:`_beta_unknown`), anything else a
chat-completions one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from toolguard_analysis.errors import BadParameter, ToolguardError, UsageError
from toolguard_core.analyze import Analysis, analyse_request
from toolguard_core.findings import SEVERITY_ORDER, Severity
from toolguard_core.providers import DEFAULT_REGISTRY, GENERIC, ProviderRegistry
from toolguard_core.redact import redact_text_urls, redact_url
from toolguard_core.request import CONVERSE, GEMINI, MESSAGES, OLLAMA, Target
from toolguard_core.verdict import DEFAULT_PATHS, DEFAULT_RECORD_PATHS, Scope, scope

DEFAULT_URL = "https://api.openai.com/v1/chat/completions"
RESPONSES_URL = "https://api.openai.com/v1/responses"
MESSAGES_URL = "https://api.anthropic.com/v1/messages"
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

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            # Gemini's ?key= and user:password@ never reach the terminal or a CI log.
            "url": redact_url(self.url),
            "provider": self.analysis.target.provider.id,
            "provider_name": self.analysis.target.provider.name,
            "findings": [f.model_dump(mode="json") for f in self.analysis.findings],
        }


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


def url_for_shape(body: bytes, url: str | None) -> str:
    """``url`` when given, else the endpoint the body's shape belongs to: Responses (``input``, no
    ``messages``), Anthropic Messages (:func:`_anthropic_shape`), else chat completions."""
    if url:
        return url
    try:
        parsed = json.loads(body)
    except ValueError:
        return DEFAULT_URL
    if isinstance(parsed, dict) and "input" in parsed and "messages" not in parsed:
        return RESPONSES_URL
    if isinstance(parsed, dict) and _anthropic_shape(parsed):
        return MESSAGES_URL
    return DEFAULT_URL


def _anthropic_shape(body: dict[str, Any]) -> bool:
    """A Messages API body by what chat completions has no form for: a tool declared with
    ``input_schema``, or a ``tool_use``/``tool_result``/thinking content block. A stray top-level
    ``system`` alone is not enough (an OpenAI user's mistake that params.unknown must still report).
    Judged as chat, Claude Code's turn got 18 errors none of which was true of it."""
    tools = body.get("tools")
    if isinstance(tools, list) and any(isinstance(t, dict) and "input_schema" in t for t in tools):
        return True
    messages = body.get("messages")
    return isinstance(messages, list) and any(
        isinstance(block, dict) and block.get("type") in _ANTHROPIC_BLOCKS
        for message in messages
        if isinstance(message, dict) and isinstance(message.get("content"), list)
        for block in message["content"]
    )


def check_bodies(
    bodies: list[tuple[str, bytes]], url: str | None, providers_file: str | None = None
) -> list[Checked]:
    """Each body analysed as sent to ``url`` (or to the endpoint its shape names)."""
    results = []
    for source, body in bodies:
        body_url = url_for_shape(body, url)
        analysis = check_body(body, body_url, providers_file)
        if url is None and body_url == MESSAGES_URL:
            _beta_unknown(analysis, check_body(body, MESSAGES_BETA_URL, providers_file))
        results.append(Checked(source, body_url, analysis))
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
    for result in results:
        analysis = result.analysis
        if len(results) > 1:
            lines.append(f"== {result.source}")
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
