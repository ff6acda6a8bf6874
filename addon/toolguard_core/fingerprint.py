"""Fingerprints of upstream error messages (and finding messages).

Two texts that mean the same failure must get the same fingerprint, two that mean different
failures must not. Real provider texts differ in things that carry no meaning for grouping:

- ids: ``call_dq9O0…``/``call_mjLu…``, ``toolu_01…``, ``run_shell_command:4``, uuids, ``chatcmpl-…``,
  Mistral's "Tool call id was 2968-LWy3uasib but …";
- indices in every style: ``messages.[3].role`` (OpenAI's param), ``messages[3]``, ``message[532].role``
  (DashScope), ``messages.0`` (Groq, Anthropic), "at message index 46" (DeepSeek);
- relay decorations: ``(request id: …)`` chains appended by one-api style gateways, openai-node's
  ``400 `` status prefix, Python SDK's ``Error code: 400 - ``;
- values: numbers, quoted values after "does not support"/"got"/"pattern"/"=", pydantic's echoed
  ``input_value=…``/``'input': …`` (vLLM echoes part of the request), URLs;
- provider prefixes: DashScope's ``<400> InternalError.Algo.InvalidParameter:``, OpenAI's older
  ``Invalid parameter:`` lead-in;
- spelling and typography: OpenAI's "preceeding"/"preceding", curly quotes and backticks from UIs,
  terminal line wrapping, case, a trailing full stop, a sentence repeated once per offending item.

What is kept is what tells failures apart: parameter names (``'temperature'`` vs
``'reasoning_effort'``, ``'tool_choice'`` vs ``'parallel_tool_calls'``), field paths with their
indices folded (``tools[].function.name`` vs ``messages[].tool_calls[].function.name``) and the
wording of the sentence.

The hash is ``sha256`` over the versioned template, so a fingerprint is the same on every machine and
every run; when the normaliser changes, :data:`NORMALISER_VERSION` changes and so does the prefix of
every fingerprint, which makes a mixed database visible instead of silently splitting groups.

Why hand-written rules and not a template miner: ``scripts/eval_fingerprints.py`` compares this
normaliser with drain3 on ``tests/data/error_corpus.json`` (pairwise precision/recall against the hand
labels); the numbers and the reason are in docs/summary.md.
"""

from __future__ import annotations

import functools
import hashlib
import re

__all__ = ["NORMALISER_VERSION", "fingerprint", "normalise"]

#: Bump when a change to :func:`normalise` can change a template. It prefixes every fingerprint.
NORMALISER_VERSION = "n2"

_MAX_INPUT = 20_000  # longer messages are echoes of the request; their head identifies the error

# Client and relay decorations around the provider's message.
_CLIENT_PREFIXES = [
    re.compile(r"^\s*\[?api error:\s*", re.I),  # qwen-code / gemini-cli banners
    re.compile(r"^\s*error code:\s*\d{3}\s*-\s*", re.I),  # openai-python's str(APIStatusError)
    re.compile(r"^\s*\d{3}\s+(?=\S)"),  # openai-node: "400 <message>"
]
_PROVIDER_PREFIXES = [
    # DashScope compatible mode: "<400> InternalError.Algo.InvalidParameter: ..."
    re.compile(r"^\s*<\d{3}>\s*"),
    re.compile(r"^\s*InternalError\.Algo\.[A-Za-z]+:\s*"),
    # OpenAI's older lead-in; the sentence after it carries the identity.
    re.compile(r"^\s*Invalid parameter:\s*", re.I),
]
_REQUEST_ID = re.compile(r"\s*\((?:request id|request_id|req_id|trace id)[:=][^)]*\)", re.I)

_URL = re.compile(r"\bhttps?://[^\s'\"`)\]}>,]+", re.I)
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
# Prefixed ids from OpenAI, Anthropic, Vertex, Responses API items, relays.
# The placeholders docs and issues write instead of a real id (``call_XXX``, ``call_...``, ``call_<id>``)
# fold like a real id, so a rule's quoted text matches the real message with its id (issue #11).
_PREFIXED_ID = re.compile(
    r"\b(?:call|toolu|toolu_vrtx|tooluse|fc|rs|msg|req|req_vrtx|resp|chatcmpl|chatcmpl-tool|gen)"
    r"[_-](?:[A-Za-z0-9_\-]{4,}|XXX\b|xxx\b|\.\.\.|…|<[a-z_]+>)"
)
# qwen-code / Kimi style per-turn ids: "run_shell_command:4", "read_file:0__qwen_dup_2".
_NAME_INDEX_ID = re.compile(r"\b[A-Za-z_][\w\-]*:\d+(?:__qwen_dup_\d+)?\b")
# Opaque tokens: at least 8 characters, letters and digits mixed (hex ids, Mistral ids, base62).
_OPAQUE = re.compile(r"(?<![\w\[.])(?=[\w\-]*\d)(?=[\w\-]*[A-Za-z])[A-Za-z0-9][\w\-]{7,}(?![\w])")

# Echoed values (pydantic in vLLM/FastAPI servers, Mistral): fold the literal that follows.
_ECHO_KEYS = re.compile(r"(input_value=|['\"]input['\"]\s*:\s*)")
# Quoted values after words that introduce a value (not a parameter name).
_QUOTED = r"(?:'[^'\n]{0,300}'|\"[^\"\n]{0,300}\"|`[^`\n]{0,300}`|‘[^’\n]{0,300}’|“[^”\n]{0,300}”)"
_VALUE_AFTER = re.compile(
    r"(\b(?:does not support|not support|got|was|received|but got|supported values are:?|expected one of:?|"
    r"the pattern|matches the pattern|value|=)\s*)"
    + _QUOTED
    + r"(?:(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)"
    + _QUOTED
    + r")*",
    re.I,
)
# "Unknown name X at 'tools[0]...'" (Gemini): the quoted path after "at" is a location.
_LOCATION_AFTER_AT = re.compile(r"(\bat\s+)" + _QUOTED, re.I)
# Unquoted id after "was ... but" (Mistral "Tool call id was X but must be ...").
_WAS_BUT = re.compile(r"\b(was)\s+\S+\s+(but)\b", re.I)

_INDEX_BRACKET = re.compile(r"\.?\[\s*-?\d+\s*\]")  # messages.[3] / messages[3] / [ 3 ]
_INDEX_DOTTED = re.compile(r"(?<=[A-Za-z_\]])\.\d+\b")  # messages.0 / tools.7.custom
_NUMBER = re.compile(r"(?<![\w<])[-+]?\d+(?:[.,]\d+)*(?![\w>])")

_QUOTE_CHARS = str.maketrans({"‘": "'", "’": "'", "“": "'", "”": "'", "`": "'", '"': "'"})
_SPELLING = [(re.compile(r"\bpreceeding\b", re.I), "preceding")]
_BOX_DRAWING = re.compile(r"[│┃║╭╮╰╯─━]")
_WS = re.compile(r"\s+")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")
_ID_LIST = re.compile(r"<id>(?:\s*,\s*<id>)+")


def _strip_prefixes(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for pattern in (*_CLIENT_PREFIXES, *_PROVIDER_PREFIXES):
            new = pattern.sub("", text, count=1)
            if new != text:
                text, changed = new, True
    return text


def _skip_literal(text: str, start: int) -> int:
    """End index of the Python/JSON literal starting at ``start`` (balanced brackets and quotes)."""
    n = len(text)
    i = start
    if i >= n:
        return i
    if text[i] in "'\"":
        quote = text[i]
        i += 1
        while i < n and text[i] != quote:
            i += 2 if text[i] == "\\" else 1
        return min(i + 1, n)
    if text[i] not in "[{(":
        while i < n and text[i] not in ",)]}\n":
            i += 1
        return i
    depth = 0
    quote: str | None = None
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _fold_echoes(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _ECHO_KEYS.finditer(text):
        if match.start() < pos:
            continue
        out.append(text[pos : match.end()])
        out.append("<v>")
        pos = _skip_literal(text, match.end())
    out.append(text[pos:])
    return "".join(out)


@functools.lru_cache(maxsize=16384)
def normalise(text: str | None) -> str:
    """The template of an error text: what :func:`fingerprint` hashes and what users are shown.

    Deterministic and pure: the same input gives the same template on every machine and run (so it
    is cached: a summary fingerprints each stored message for its group and again for its pattern,
    and a week of captures repeats the same texts many times).
    """
    if not text:
        return ""
    text = str(text)[:_MAX_INPUT]
    text = _BOX_DRAWING.sub(" ", text)
    text = _strip_prefixes(text)
    text = _REQUEST_ID.sub("", text)
    text = _URL.sub("<url>", text)
    text = _fold_echoes(text)
    text = _NAME_INDEX_ID.sub("<id>", text)
    text = _PREFIXED_ID.sub("<id>", text)
    text = _UUID.sub("<id>", text)
    text = _VALUE_AFTER.sub(lambda m: m.group(1) + "<v>", text)
    text = _LOCATION_AFTER_AT.sub(lambda m: m.group(1) + "<loc>", text)
    text = _WAS_BUT.sub(r"\1 <id> \2", text)
    text = _OPAQUE.sub("<id>", text)
    text = _INDEX_BRACKET.sub("[]", text)
    text = _INDEX_DOTTED.sub("[]", text)
    text = _NUMBER.sub("<n>", text)
    text = _ID_LIST.sub("<id>", text)
    text = text.translate(_QUOTE_CHARS)
    for pattern, replacement in _SPELLING:
        text = pattern.sub(replacement, text)
    text = text.lower()
    # Quotes around a bare word carry no meaning ("role 'tool'" == 'role "tool"' == "role tool"):
    # drop them so that relays that strip backticks (LiteLLM) or change quote style still match.
    text = re.sub(r"'([\w.\[\]<>$:-]*)'", r"\1", text)
    sentences: list[str] = []
    seen: set[str] = set()
    for sentence in _SENTENCE_SPLIT.split(text):
        sentence = _WS.sub(" ", sentence).strip().rstrip(".").strip()
        if sentence and sentence not in seen:
            seen.add(sentence)
            sentences.append(sentence)
    return ". ".join(sentences)


def fingerprint(text: str | None) -> str:
    """A short stable id of the error's template, e.g. ``n2-3fa9c0d1b7e2`` (normaliser version + hash)."""
    # A JSON or Python-literal body may decode to a lone surrogate ("\ud800"): hashed as its code unit,
    # not a crash (the same text keeps the same id; a valid text's bytes are unchanged).
    digest = hashlib.sha256(
        f"{NORMALISER_VERSION}\n{normalise(text)}".encode("utf-8", "surrogatepass")
    ).hexdigest()
    return f"{NORMALISER_VERSION}-{digest[:12]}"
