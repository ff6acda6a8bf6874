"""The literal prefilter of the catalogue's message tiers (causes.could_match) only skips patterns
that cannot match: every wording's own example passes it, and on every development and probe text
recognition gives the same answer with and without it (issue #12: the early reading runs on the
proxy's event loop)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.corpus import CORPUS_DIR, load_failures, read_jsonl

from toolguard_core import causes
from toolguard_core.upstream_errors import parse_error

ALL_PATTERNS = (
    [wording for _, wording in causes.STRUCTURAL]
    + [wording for cause in causes.CAUSES for wording in cause.wordings if wording.on == "message"]
    + [wording for _, wording in causes.REFERENCE_FAMILIES]
    + [framework.wording for framework in causes.FRAMEWORKS if framework.wording.on == "message"]
)


def _texts() -> list[tuple[str, str | None, int | None]]:
    """Development and probe bodies only: the held-out split is never read here."""
    rows = [row for row in load_failures() if row.get("split") == "dev"]
    for path in sorted(Path(CORPUS_DIR).glob("probe-*.jsonl")):
        rows.extend(read_jsonl(path))
    out: list[tuple[str, str | None, int | None]] = []
    for row in rows:
        body = row.get("body")
        if isinstance(body, str) and body:
            out.append((body, row.get("provider"), row.get("status")))
    return out


@pytest.mark.parametrize("wording", ALL_PATTERNS, ids=lambda w: w.pattern.pattern[:40])
def test_every_example_passes_the_prefilter(wording: causes.Wording) -> None:
    text = causes._prepare(wording.example)
    if wording.pattern.search(text) is not None:  # examples of code/structural wordings may be partial
        assert causes.could_match(wording.pattern, causes.fold_for_prefilter(text))


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        # a required literal absent: skipped; present in any case: kept
        (r"tool_call_id (?:is )?not found", "Error: TOOL_CALL_ID not found", True),
        (r"tool_call_id (?:is )?not found", "tool call id not found", False),
        # a branch requires one of its alternatives
        (r"(?:rate limit|too many requests) exceeded", "Too Many Requests exceeded", True),
        (r"(?:rate limit|too many requests) exceeded", "quota exceeded", False),
        # an optional part requires nothing
        (r"(?:invalid )?parameter", "parameter x", True),
        # the non-ASCII letters IGNORECASE matches to ASCII ones (Kelvin sign, long s, dotted I)
        (r"kelvin", "\u212aelvin", True),
        (r"sequence", "\u017fequence", True),
        (r"invalid", "\u0130nvalid", True),
    ],
)
def test_prefilter_agrees_with_the_regex(pattern: str, text: str, expected: bool) -> None:
    compiled = re.compile(pattern, re.IGNORECASE | re.DOTALL)
    assert (compiled.search(text) is not None) is expected
    # sound: whenever the regex matches, the prefilter lets it through
    assert causes.could_match(compiled, causes.fold_for_prefilter(text)) or not expected


def test_recognition_is_unchanged_without_the_prefilter(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    assert len(texts) > 500

    def recognise_all() -> list[tuple[str | None, str | None]]:
        results = []
        for body, provider, status in texts:
            recognition = causes.recognise_error(
                parse_error(body, status=status), provider=provider, status=status
            )
            results.append(
                (recognition.cause_id, recognition.summary()) if recognition is not None else (None, None)
            )
        return results

    with_prefilter = recognise_all()
    monkeypatch.setattr(causes, "could_match", lambda pattern, folded: True)
    assert recognise_all() == with_prefilter


def test_a_long_message_is_read_from_its_start_only() -> None:
    # The cause is named at the start of a provider's message; what follows 2 KB is not read (the
    # early reading runs on the event loop: issue #12). OpenAI's real wording, then a long tail.
    sentence = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
    tail = " detail" * 2000
    named = causes.recognise_error(parse_error(sentence + tail, status=400), provider="openai", status=400)
    assert named is not None and named.cause_id == "cause.max-tokens-not-supported"
    hidden = causes.recognise_error(
        parse_error(tail + " " + sentence, status=400), provider="openai", status=400
    )
    assert hidden is None or hidden.cause_id != "cause.max-tokens-not-supported"
