"""What toolguard did not see, said in words: one sentence per fact, shared by the proxy's shutdown
stats line, ``toolguard run``'s report and ``toolguard summary`` (text, JSON, HTML).

The principle (issues #9/#10): never sound reassuring about what was not seen. Zero requests, an
unknown provider and model (the model rules were skipped), a capped list of hosts: each is said,
with its count, wherever a report could otherwise read as "nothing wrong".

Pure: no mitmproxy import, no I/O.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from toolguard_core.clients import RESEND_SECONDS, RETRY_COUNT_HEADER
from toolguard_core.unvalidated import UNVALIDATED_RULE_IDS
from toolguard_core.upstreams import upstream_sort_key
from toolguard_core.verdict import BROKE_OFF_WORDS, DEFAULT_RECORD_PATHS, Verdict, verdict_words

__all__ = [
    "MAX_NAMED_HOSTS",
    "MAX_TRACKED_HOSTS",
    "NON_CHAT_ENDPOINTS",
    "NOTHING_SEEN",
    "NOT_WRITTEN",
    "UNCHECKED_PATHS_HOW",
    "UNRECOGNISED_HOSTS",
    "UNVALIDATED_RULES",
    "add_host",
    "counts_line",
    "flow_verdict_words",
    "hosts_json",
    "hosts_list",
    "merge_hosts",
    "non_chat_endpoint",
    "parse_hosts",
    "passed_through_line",
    "seen_line",
    "skipped_line",
    "stored_words",
    "unchecked_lines",
    "unreachable_line",
    "unrecognised_line",
]

#: How many distinct hosts a run keeps for ``runs.model_rules_skipped_hosts``: memory stays bounded
#: on a proxy that sees many hosts; requests to further hosts still count in ``model_rules_skipped``.
MAX_TRACKED_HOSTS = 1000
#: How many hosts a sentence names before "and N more".
MAX_NAMED_HOSTS = 5


def add_host(hosts: Counter[str], host: str, requests: int = 1) -> None:
    """Count requests to ``host`` in the proxy's bounded tally (:data:`MAX_TRACKED_HOSTS`)."""
    if host in hosts or len(hosts) < MAX_TRACKED_HOSTS:
        hosts[host] += requests


def hosts_json(hosts: Mapping[str, int]) -> str | None:
    """The ``runs.model_rules_skipped_hosts`` value: ``{host: requests}``, most requests first."""
    if not hosts:
        return None
    return json.dumps(merge_hosts([hosts]))


def parse_hosts(value: str | None) -> dict[str, int]:
    """A ``model_rules_skipped_hosts`` column back as ``{host: requests}``; a bad value reads as none."""
    try:
        data = json.loads(value) if value else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(host): int(n) for host, n in data.items() if isinstance(n, int) and not isinstance(n, bool)}


def merge_hosts(values: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Several runs' hosts added up, most requests first (ties: by host, then numerically by port,
    :func:`~toolguard_core.upstreams.upstream_sort_key`)."""
    total: Counter[str] = Counter()
    for value in values:
        total.update(value)
    return dict(sorted(total.items(), key=lambda kv: (-kv[1], upstream_sort_key(kv[0]))))


def hosts_list(hosts: Iterable[str], *, total: int | None = None, limit: int = MAX_NAMED_HOSTS) -> str:
    """``a, b, c and 4 more``: at most ``limit`` names, and how many were left out, never silently.
    ``total``: how many hosts there are when ``hosts`` is itself a capped list."""
    names = list(hosts)
    count = max(total or 0, len(names))
    shown = names[:limit]
    more = count - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def skipped_line(
    count: int, hosts: Mapping[str, int], *, models: Mapping[str, int] | None = None, local: int = 0
) -> str | None:
    """The sentence for requests whose model toolguard does not know for their host (an unrecognised host
    and a model no catalog knows, or a known host asked for a name neither the catalog nor the host's model
    families know), or ``None`` when none.
    Hosts beyond :data:`MAX_TRACKED_HOSTS` are not named; the sentence says some are missing.

    ``models`` (``{model: requests}``, runs from m018 on) names each model once, and ``local`` counts the
    requests to local servers (not in ``count``), whose model rules never run: the sentence then says so
    without asking the user to declare anything there (trial22)."""
    if models or local > 0:
        return _skipped_models_line(count, hosts, models or {}, local)
    if count <= 0:
        return None
    named = hosts_list(merge_hosts([hosts]))  # most requests first
    if sum(hosts.values()) < count:
        named = (named + " and other hosts") if named else "hosts not recorded"
    requests = "1 request" if count == 1 else f"{count} requests"
    return (
        f"{requests} with models toolguard does not know for their host ({named}): model rules were "
        'skipped (declare the host with [[gateway]] or the model with [models."name"] in the '
        "providers config, docs/providers.md)"
    )


#: How long a model name the tally keeps (runs.model_rules_skipped_models) may be before it is cut.
MAX_MODEL_NAME = 200


def shown_model(model: str) -> str:
    """A request's model name as the tally keeps and the lines say it: a character that is not printable
    (a control, an escape sequence's ESC, a lone surrogate that no log can encode) as its escape, at most
    :data:`MAX_MODEL_NAME` characters. The name is the client's text: "gpt-4o\\ud800" broke the shutdown
    line's logging (tests/e2e/test_robustness_e2e.py)."""
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in model)
    return text if len(text) <= MAX_MODEL_NAME else text[: MAX_MODEL_NAME - 1] + "…"


#: What the model rules check, said where they were skipped.
MODEL_CHECKS = "model-level checks (tools, images, limits, reasoning parameters)"


def _skipped_models_line(count: int, hosts: Mapping[str, int], models: Mapping[str, int], local: int) -> str:
    """:func:`skipped_line` once per model: ``model-level checks (...) were skipped for 2 models toolguard has
    no facts for on their host: qwen2.5-coder:7b (14 requests), acme-ft (1 request)``, then what it means
    for local servers (expected: they serve any name) and for the other hosts (what to declare)."""
    ordered = merge_hosts([models])
    named = ", ".join(
        f"{model} ({_plural(n, 'request')})" for model, n in list(ordered.items())[:MAX_NAMED_HOSTS]
    )
    left = len(ordered) - min(len(ordered), MAX_NAMED_HOSTS)
    if left:
        named += f" and {_plural(left, 'more model')}"
    elif sum(ordered.values()) < count + local:
        named += " and other models" if named else "models not recorded"
    complete = bool(ordered) and sum(ordered.values()) >= count + local
    what = _plural(len(ordered), "model") if complete else "models"
    parts = [f"{MODEL_CHECKS} were skipped for {what} toolguard has no facts for on their host: {named}"]
    if local:
        parts.append(
            f"{_plural(local, 'request')} to local servers (Ollama, vLLM, llama.cpp, LM Studio...), which serve "
            "whatever models they were given: expected there, nothing to fix"
        )
    if count:
        where = hosts_list(merge_hosts([hosts])) if hosts else ""
        if sum(hosts.values()) < count:
            where = (where + " and other hosts") if where else "hosts not recorded"
        parts.append(
            f"{_plural(count, 'request')} to {where}: declare the host with [[gateway]] or the model with "
            '[models."name"] in the providers config (docs/providers.md) to check them'
        )
    return "; ".join(parts)


#: The findings that mean "no rule looked at this body": it went upstream unvalidated (over
#: toolguard_max_body, nested too deep, an undecodable Content-Encoding, or the worker was saturated).
UNVALIDATED_RULES: tuple[str, ...] = UNVALIDATED_RULE_IDS


def unvalidated_note(rules: Iterable[str]) -> str | None:
    """The words for a flow no rule looked at (``rules``: its findings' rule ids), or ``None`` when
    rules did look: shared by the stored views and the proxy's console line."""
    seen = set(rules)
    skipped = [rule for rule in UNVALIDATED_RULES if rule in seen]
    if not skipped:
        return None
    return f"the body was not validated ({', '.join(skipped)}): no rule checked it"


def flow_verdict_words(verdict: str | None, rules: Iterable[str], *, broke_off: bool = False) -> str:
    """A stored flow's verdict in words (``toolguard run``'s report, ``toolguard show``, the HTML
    report), saying when no rule looked at its body (``rules``: its findings' rule ids). An accepted
    flow whose only finding is body.too-large read "its findings are warnings", as if it was checked.
    ``broke_off``: its answer started and then broke off (verdict.answer_broke_off), said after it."""
    note = unvalidated_note(rules)
    notes = [note] if note is not None else []
    if broke_off:
        notes.append(BROKE_OFF_WORDS)
    if not notes:
        return verdict_words(verdict)
    head = "accepted by the upstream" if verdict == Verdict.ACCEPTED else verdict_words(verdict)
    return "; ".join([head, *notes])


def passed_through_line(counts: Mapping[str, int]) -> str | None:
    """The sentence for requests no rule checked, ``{rule: requests}`` of :data:`UNVALIDATED_RULES`,
    or ``None`` when none: a report that counts "0 with findings" must not read as "all clean"."""
    named = [(rule, n) for rule in UNVALIDATED_RULES if (n := int(counts.get(rule) or 0)) > 0]
    if not named:
        return None
    total = sum(n for _, n in named)
    requests, them = ("1 request", "it") if total == 1 else (f"{total} requests", "them")
    return (
        f"{requests} passed through without validation ({', '.join(f'{rule} {n}' for rule, n in named)}): "
        f"no rule checked {them} (toolguard_max_body and the other limits: docs/robustness.md)"
    )


#: How the run report and the summary introduce the hosts no provider profile recognises: a Claude Code
#: run through a gateway gets the generic *Anthropic Messages* rules there, not OpenAI-compatible ones.
UNRECOGNISED_HOSTS = "hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic Messages, plus the model catalog)"


#: What to do about an unrecognised host: said with the hosts wherever they are named.
MAP_A_HOST = (
    "no provider-specific rule was applied; map a host to its provider with [[gateway]] in the providers "
    "config (--set toolguard_providers=FILE, docs/providers.md)"
)


def unrecognised_line(
    requests: int,
    hosts: Mapping[str, int],
    stored_hosts: Iterable[str] = (),
    *,
    total_hosts: int | None = None,
    limit: int = MAX_NAMED_HOSTS,
    websocket: bool = False,
) -> str | None:
    """The sentence for requests to hosts no provider profile recognises, or ``None`` when none.
    ``websocket``: the count includes Responses WebSocket messages (each counted as a request,
    docs/schema.md), said so: "1 request and 3 WebSocket messages reached the proxy" then "3 requests
    to hosts not recognised" read as a miscount (a Codex run; trial17).

    ``requests`` and ``hosts`` (``{host: requests}``, bounded by :data:`MAX_TRACKED_HOSTS`) are what the
    proxy counted on every request (``runs.unrecognised_requests``/``unrecognised_hosts``), stored or
    not: a clean run against a company gateway or a local vLLM stores nothing, and "0 with findings"
    then read as "checked against that provider". ``stored_hosts``: such hosts of stored flows
    (a database written before the proxy counted them), named after the counted ones;
    ``total_hosts``: how many there are when ``stored_hosts`` is a capped list."""
    names = list(merge_hosts([hosts]))  # most requests first
    names += [host for host in dict.fromkeys(stored_hosts) if host not in hosts]
    if requests <= 0 and not names:
        return None
    if not names:
        named = "hosts not recorded"
    else:
        named = hosts_list(names, total=total_hosts, limit=limit)
        if sum(hosts.values()) < requests:
            named += " and other hosts"
    counted = "" if requests <= 0 else ("1 request" if requests == 1 else f"{requests} requests")
    if counted and websocket:
        counted += " (WebSocket messages included)"
    counted += " to " if counted else ""
    return f"{counted}{UNRECOGNISED_HOSTS}: {named}; {MAP_A_HOST}"


#: The paths toolguard validates, and how to have another validated: said wherever requests are
#: counted that were not validated because of their path (the defaults: README, toolguard_paths).
UNCHECKED_PATHS_HOW = (
    "toolguard validates POSTs to /chat/completions, /responses, /v1/messages and the native chat APIs' "
    "paths (toolguard_paths); send such requests to the right endpoint (a typo'd path is the client's to fix), or "
    "have toolguard validate a path of your own with --set toolguard_paths=REGEX (README, Options)"
)


#: The endpoints clients really POST to that carry no conversation to validate, by what they are for,
#: each a regex over the path (as ``toolguard_paths``): a Claude Code run's token counting and telemetry
#: read as "NOT checked because of their path" alarms, next to a typo'd chat path that really was one
#: (trial17). Said as such, with their counts; a path none of them matches keeps the alarm.
NON_CHAT_ENDPOINTS: tuple[tuple[str, str], ...] = (
    # Anthropic's token counting (https://docs.anthropic.com/en/api/messages-count-tokens): Claude Code
    # 2.1.x posts /v1/messages/count_tokens (the string is in its binary); OpenAI's for the Responses
    # API (https://developers.openai.com/api/docs/guides/token-counting); Gemini's :countTokens.
    ("token counting", r"/messages/count_tokens/?$"),
    ("token counting", r"/responses/input_tokens/?$"),
    ("token counting", r":countTokens/?$"),
    # vLLM's, SGLang's and llama.cpp's tokenizer endpoints.
    ("tokenizer", r"/(?:de)?tokenize/?$"),
    # The other OpenAI-compatible endpoints (toolguard_record_paths' defaults: legacy completions,
    # embeddings, moderations, images, audio), Gemini's and Ollama's embeddings.
    *zip(
        ("legacy completions", "embeddings or moderations", "images or audio"),
        DEFAULT_RECORD_PATHS,
        strict=True,
    ),
    ("embeddings", r":(?:batchE|e)mbedContents?/?$"),
    ("embeddings", r"/api/embed(?:dings)?/?$"),
    # Ollama's native API besides /api/chat (https://github.com/ollama/ollama/blob/main/docs/api.md): a
    # prompt completion (LiteLLM's ollama/ models, so aider's, post there) and the model endpoints
    # (aider's ollama_chat/ models POST /api/show before each chat: trial22 read them as typo'd paths).
    ("prompt completions", r"/api/generate/?$"),
    ("model details and management", r"/api/(?:show|pull|push|create|copy|delete)/?$"),
    ("model details and management", r"/api/blobs/[^/]+/?$"),
    # Files and batches (OpenAI's /v1/files, /v1/batches; Anthropic's /v1/messages/batches).
    ("files and batches", r"/(?:files|batches|uploads)(?:/[^/]+)*/?$"),
    # Telemetry: Claude Code's event logging (api/event_logging/v2/batch in its binary) and OTLP/HTTP's
    # signal paths (https://opentelemetry.io/docs/specs/otlp/#otlphttp-request).
    ("telemetry", r"/api/event_logging(?:/[^/]+)*/?$"),
    ("telemetry", r"/v1/(?:traces|logs|metrics)/?$"),
)
_NON_CHAT = tuple((what, re.compile(pattern)) for what, pattern in NON_CHAT_ENDPOINTS)
#: Why requests to those endpoints were seen and not validated, said with them: "not validated, as
#: expected" said neither that nothing in them was checked nor why (session 18; never reassuring about
#: what was not seen).
NON_CHAT_WHY = (
    "they went to endpoints that carry no conversation, and toolguard's rules check only conversations "
    "(the chat endpoints' bodies, toolguard_paths): nothing in them was checked"
)
NON_CHAT_WHY_ONE = (
    "it went to an endpoint that carries no conversation, and toolguard's rules check only conversations "
    "(the chat endpoints' bodies, toolguard_paths): nothing in it was checked"
)


def non_chat_endpoint(path: str) -> str | None:
    """What a counted unchecked path (``upstream/path``, or a bare path) is for, when it is one of
    :data:`NON_CHAT_ENDPOINTS`; ``None`` for any other path (a typo'd chat path among them)."""
    bare = path[path.find("/") :] if "/" in path else path
    return next((what for what, pattern in _NON_CHAT if pattern.search(bare)), None)


def _split_paths(paths: Mapping[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """``paths`` (most requests first) split into the known non-chat endpoints' and the others'."""
    known: dict[str, int] = {}
    other: dict[str, int] = {}
    for path, n in merge_hosts([paths]).items():
        (known if non_chat_endpoint(path) else other)[path] = n
    return known, other


def _requests(n: int) -> str:
    return "1 request" if n == 1 else f"{n} requests"


def _rejected_words(rejected: int, requests: int) -> str:
    """``, N of them rejected by the upstream`` for ``requests`` of which ``rejected`` were."""
    if rejected <= 0:
        return ""
    if requests == 1:
        return ", rejected by the upstream"
    return f", {rejected} of them rejected by the upstream"


#: What toolguard validates, said with the requests that were not API calls it validates.
def ignored_how(hosts: Sequence[str] = (), paths: Sequence[str] | None = None) -> str:
    """What toolguard validates, ending :func:`ignored_line`: the proxy, which knows its filters, names
    them when they are not the defaults (``paths``: the toolguard_paths patterns given, None for the
    default ones; ``hosts``: toolguard_hosts, empty for every host). "the chat endpoints' paths" read
    as the default list when a user had narrowed it, and "the hosts toolguard_hosts lets through"
    did not say which (session 21)."""
    where = (
        f"paths matching toolguard_paths ({', '.join(paths)})"
        if paths is not None
        else "the chat endpoints' paths (toolguard_paths)"
    )
    on = (
        f"on the hosts toolguard_hosts names ({', '.join(hosts)})"
        if hosts
        else "on the hosts toolguard_hosts lets through"
    )
    return f"toolguard validates POSTs to {where} {on}"


IGNORED_HOW = ignored_how()
# A path segment that names one thing rather than a kind of thing (a file id, a UUID, a long hex run):
# 16 characters or more with a digit. Said as ``*`` in a path's shape: ``/v1/files/*``.
_ID_SEGMENT = re.compile(r"(?=[^/]*\d)[^/]{16,}")


def path_shape(path: str) -> str:
    """A path (no query, key shapes already redacted) with each id-like segment as ``*``
    (``/v1/files/file-AbC...`` -> ``/v1/files/*``): requests to one resource each count as one
    kind; ``[REDACTED]`` stays as it is."""
    return "/".join(
        "*" if segment != "[REDACTED]" and _ID_SEGMENT.fullmatch(segment) else segment
        for segment in path.split("/")
    )


def ignored_line(
    requests: int, paths: Mapping[str, int], *, limit: int = MAX_NAMED_HOSTS, how: str = IGNORED_HOW
) -> str | None:
    """The sentence for the requests that were not API calls toolguard validates (a ``GET /v1/models``,
    a health check, a POST to a host ``toolguard_hosts`` leaves out), or ``None`` when none: counted
    by the proxy (``runs.ignored_requests``, ``ignored_paths``: ``{"METHOD upstream/path": requests}``).
    "3 requests reached the proxy: 1 validated" otherwise left two unexplained (a Codex run; session
    19). Never reassuring: nothing in them was checked."""
    if requests <= 0:
        return None
    named = hosts_list([f"{path} ({n})" for path, n in paths.items()], limit=limit)
    if sum(paths.values()) < requests:
        named = (named + " and others") if named else "not recorded"
    one = requests == 1
    return (
        f"{_requests(requests)} {'was not an API call' if one else 'were not API calls'} toolguard validates "
        f"({named}): passed through, nothing in {'it' if one else 'them'} was checked; {how}"
    )


#: Said before the provider the answer itself names (``flows.error_provider``: OpenRouter's
#: ``metadata.provider_name`` at whatever level a router nested it, upstream_errors.UpstreamError.answered_by):
#: "Provider returned error" from OpenRouter said nothing of who refused (session 20).
ANSWERED_BY = "answered by"


def answered_by_words(providers: Iterable[str | None]) -> str | None:
    """``Novita (named in the answer)``: the providers a flow's (or a group's) answers name, most
    frequent first, or None when none names one; ``toolguard show``, the run report and the summary
    say it after :data:`ANSWERED_BY`."""
    named = [p for p in dict.fromkeys(providers) if p]
    return f"{', '.join(named)} (named in the answer)" if named else None


def retries_line(retried: Sequence[int], flows: int, resent: int = 0) -> str | None:
    """Which of ``flows`` flows alike are the client SDK's own retries: ``retried`` holds the
    ``x-stainless-retry-count`` (> 0, clients.retry_count) of each that is one; None when none. The
    openai SDK's default max_retries=2 turned one call answered 500 into three stored flows, which
    read as three failing calls of the app (a new user's trial, session 19). Said under a flow block of ``toolguard run``'s
    report and under a group of ``toolguard summary`` (session 20)."""
    return retries_count_line(len(retried), retried, flows, resent)


def retries_count_line(count: int, values: Iterable[int], flows: int, resent: int = 0) -> str | None:
    """:func:`retries_line` for ``count`` retries among ``flows`` whose retry counts took ``values``,
    and ``resent`` retries no header declared (clients.retries: the same client's same request soon
    after a transient answer; the Vercel AI SDK sends no count, Claude Code sends 0 on its retries)."""
    said = []
    if count > 0:
        which = ", ".join(str(n) for n in sorted(set(values)))
        if flows == 1:
            said.append(
                f"the client's own retry {which} of a call ({RETRY_COUNT_HEADER}): its SDK resent the call "
                "after a failed try (max_retries), the app did not call again"
            )
        else:
            are = "is the client's own retry" if count == 1 else "are the client's own retries"
            said.append(
                f"{count} of these {flows} flows {are} ({RETRY_COUNT_HEADER} {which}): its SDK resent "
                "a failed call (max_retries), the app did not call again"
            )
    if resent > 0:
        within = f"within {RESEND_SECONDS:g} s of a 429, 5xx or overloaded answer to it"
        if flows == 1:
            said.append(
                f"a retry: the same client sent this same request again {within} (no {RETRY_COUNT_HEADER} "
                "said so); one call tried again, not a new one"
            )
        else:
            are = "is a retry" if resent == 1 else "are retries"
            said.append(
                f"{resent} of these {flows} flows {are}: the same client sent the same request again {within} "
                f"(no {RETRY_COUNT_HEADER} said so); one call tried again, not new calls"
            )
    return "; ".join(said) or None


def unchecked_lines(
    requests: int, rejected: int, paths: Mapping[str, int], *, limit: int = MAX_NAMED_HOSTS
) -> list[str]:
    """The sentences for requests no rule validated because of their path: none when there are none.

    ``requests``, ``rejected`` and ``paths`` (``{upstream + path: requests}``, bounded by
    :data:`MAX_TRACKED_HOSTS`) are what the proxy counted (``runs.unchecked_requests``,
    ``unchecked_rejected``, ``unchecked_paths``): a client that typo'd its path (``/chat/completion``)
    got "0 validated, 0 rejected" and no hint once anything else was validated (a new user's trial,
    session 15). The requests to known non-chat endpoints (:data:`NON_CHAT_ENDPOINTS`) are said apart,
    as what they are, not as an alarm; any other path (or one not recorded) keeps the "NOT checked"
    alarm. ``rejected`` is counted per run, not per path: said with the one sentence it belongs to,
    or, when there are both, for the two together."""
    if requests <= 0:
        return []
    known, other = _split_paths(paths)
    alarmed = requests - sum(known.values())
    both = alarmed > 0 and bool(known)
    lines = []
    if alarmed > 0:
        named = hosts_list([f"{path} ({n})" for path, n in other.items()], limit=limit)
        if sum(other.values()) < alarmed:
            named = (named + " and other paths") if named else "paths not recorded"
        them = "it" if alarmed == 1 else "them"
        refused = "" if both else _rejected_words(rejected, alarmed)
        lines.append(
            f"{_requests(alarmed)} NOT checked because of {'its' if alarmed == 1 else 'their'} path{refused} "
            f"({named}): no rule validated {them}; {UNCHECKED_PATHS_HOW}"
        )
    if known:
        total = sum(known.values())
        named = hosts_list(
            [f"{path} ({n}, {non_chat_endpoint(path)})" for path, n in known.items()], limit=limit
        )
        refused = "" if both else _rejected_words(rejected, total)
        one = total == 1
        lines.append(
            f"{_requests(total)} seen but not validated{refused} ({named}): "
            + (NON_CHAT_WHY_ONE if one else NON_CHAT_WHY)
        )
    if both and rejected > 0:
        lines[-1] += (
            f"; of the {requests} requests not validated because of their path, {rejected} "
            "were rejected by the upstream"
        )
    return lines


def unreachable_line(
    connects: int, upstreams: Mapping[str, int], *, limit: int = MAX_NAMED_HOSTS
) -> str | None:
    """The sentence for client connections whose upstream the proxy could not reach before the client
    sent anything (a forward proxy's CONNECT, with mitmproxy's eager connection strategy), or ``None``
    when none: "saw 0 requests" alone read as a client that bypassed the proxy (trial17)."""
    if connects <= 0:
        return None
    named = hosts_list([f"{upstream} ({n})" for upstream, n in merge_hosts([upstreams]).items()], limit=limit)
    if sum(upstreams.values()) < connects:
        named = (named + " and other upstreams") if named else "upstreams not recorded"
    them = "it" if connects == 1 else "them"
    return (
        f"{'1 connection' if connects == 1 else f'{connects} connections'} the proxy could not open to the upstream "
        f"before the client sent a request ({named}): nothing was validated for {them}; the network or the "
        "upstream is at fault, not the client's proxy settings (with --set connection_strategy=lazy the "
        "request is read first, validated, and stored as no_answer)"
    )


#: The sentence when the proxy saw no request at all.
NOTHING_SEEN = "toolguard saw 0 requests: nothing was checked"


def seen_line(requests_seen: int, validated: int | None = None, websocket_messages: int = 0) -> str:
    """How many requests (and WebSocket messages) toolguard saw, and checked: said plainly, zero
    included. Messages are named apart: "6 requests" for 2 requests and 4 messages read as a
    miscount next to the proxy's own counters (``requests_seen`` counts HTTP requests only)."""
    if requests_seen <= 0 and websocket_messages <= 0:
        return NOTHING_SEEN
    requests = "1 request" if requests_seen == 1 else f"{requests_seen} requests"
    if websocket_messages > 0:
        requests += " and " + (
            "1 WebSocket message" if websocket_messages == 1 else f"{websocket_messages} WebSocket messages"
        )
    checked = f" ({validated} checked)" if validated is not None else ""
    return f"toolguard saw {requests}{checked}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


#: Said when fewer of the run's flows are in the database than it handed to the writer; ``toolguard
#: run`` then keeps mitmdump's log, whose shutdown line gives the writer's reasons.
NOT_WRITTEN = "NOT written"


def stored_words(run: Mapping[str, Any], written: int | None = None) -> str:
    """``N flows stored``; with ``written`` (the run's flows found in the database) below what the
    run queued for the writer (``runs.stored``, counted when it stopped), the difference is said:
    the writer dropped them (queue full, writer died or stuck, database unwritable)."""
    queued = int(run["stored"] or 0)
    if written is None or written >= queued or not run.get("ended_utc"):
        return f"{_plural(queued, 'flow')} stored"
    return (
        f"{_plural(written, 'flow')} stored, {queued - written} of the {queued} queued for storage "
        f"{NOT_WRITTEN} (dropped by the writer; mitmdump's log says why)"
    )


def counts_line(run: Mapping[str, Any], written: int | None = None) -> str:
    """The run's counts in words, zeros included; a run that saw nothing says so plainly.
    ``written``: the run's flows in the database, to say the ones the writer dropped. ``toolguard
    run``'s report and the proxy's shutdown line say this one sentence (the shutdown said a raw dict
    of counters; trial17)."""
    seen = int(run["requests_seen"] or 0)
    messages = int(run.get("websocket_messages") or 0)  # NULL/absent in a database before m004
    if not seen and not messages:
        # Never "nothing flagged" without the count of what was seen (visibility.NOTHING_SEEN).
        return (
            f"{NOTHING_SEEN}; {stored_words(run, written)}"
            + (f"; {run['internal_errors']} toolguard internal errors" if run["internal_errors"] else "")
            + "."
        )
    # Answers that started and broke off (verdict.answer_broke_off): not in the runs table; the proxy
    # counts them (stats answers_broke_off), the run report counts its stored rows (every one is stored).
    broke = int(run.get("answers_broke_off") or 0)
    # And 200 streams the upstream closed before their end event (verdict.ENDED_EARLY), counted apart.
    ended = int(run.get("streams_ended_early") or 0)
    reached = _plural(seen, "request") + (
        f" and {_plural(messages, 'WebSocket message')}" if messages else ""
    )
    return (
        f"{reached} reached the proxy: {run['validated']} validated, "
        f"{run['with_findings']} with findings, {run['rejected']} rejected by the upstream, "
        f"{run['no_answer']} without an answer"
        + (
            f", {_plural(broke, 'answer')} broke off before {'its' if broke == 1 else 'their'} end"
            if broke
            else ""
        )
        + (
            f", {_plural(ended, 'stream')} ended without {'its' if ended == 1 else 'their'} end event"
            if ended
            else ""
        )
        + (f", {run['blocked']} blocked by toolguard" if run.get("blocked") else "")
        + f"; {stored_words(run, written)}"
        + (f"; {run['internal_errors']} toolguard internal errors" if run["internal_errors"] else "")
        + "."
    )
