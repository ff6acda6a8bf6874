"""The base64 scan's prefilter (redact._BASE64_KEY_CORES, issue #12): skipping the pass on a text
without any core must never keep a key the pass would have removed, nor change any other text.

Every case is scrubbed twice: as the writer does now, and with the pass forced on every text (the
cores replaced by the empty string, which every text contains), and the two must be equal. The
generated cases hide each provider key shape in base64 at every alignment, in both alphabets,
with and without padding, inside JSON and prose; that they are really redacted is asserted too, so
the comparison is not between two passes that both miss them.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest

from toolguard_core import redact
from toolguard_core.redact import REDACTED, scrub, scrub_many

DATA = Path(__file__).parent / "data"

#: A key of each shape _KEY_SHAPES knows (redact.py), long enough to match it.
KEYS = (
    "sk-proj-" + "Q7x" * 8,
    "sk-" + "a1B2" * 5,
    "gsk_" + "Z9y8" * 6,
    "AIza" + "Sy0-" * 9,
    "xai-" + "k3J" * 8,
    "hf_" + "Mn5" * 8,
)


def hidden(key: str, lead: bytes, urlsafe: bool, padded: bool) -> str:
    """``key`` after ``lead`` bytes (its alignment in the encoding), base64 encoded."""
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(lead + key.encode()).decode()
    return encoded if padded else encoded.rstrip("=")


def generated() -> list[str]:
    rng = random.Random(12)
    texts = []
    for key in KEYS:
        # Every alignment (0 to 2 bytes mod 3); each lead ends in a non-word byte, as the key
        # shapes start at a word boundary (a key glued to a word is no key shape, hidden or not).
        for lead in (b"", b":", b"a:", b"ab:", b"tok=", b"token=", b"\x00"):
            for urlsafe in (False, True):
                for padded in (False, True):
                    run = hidden(key, lead, urlsafe, padded)
                    texts.append(
                        rng.choice(
                            (
                                f"x {run} y",
                                json.dumps({"content": [{"type": "text", "text": f"token: {run}"}]}),
                                f'{{"headers":{{"x-auth":"{run}"}}}}',
                                run,
                            )
                        )
                    )
    return texts


def corpus() -> list[str]:
    """Real request bodies and upstream error bodies of the test data (texts with no key at all)."""
    texts = [path.read_text() for path in sorted((DATA / "requests").glob("*.json"))]
    for entry in json.loads((DATA / "error_corpus.json").read_text()):
        texts.append(json.dumps(entry, ensure_ascii=False))
    return texts


def forced(texts: list[str | None], secrets: tuple[str, ...]) -> list[str | None]:
    """scrub_many with the base64 pass run on every text (the reference)."""
    saved = redact._BASE64_KEY_CORES
    redact._BASE64_KEY_CORES = ("",)
    try:
        return scrub_many(texts, secrets)
    finally:
        redact._BASE64_KEY_CORES = saved


def test_every_key_shape_hidden_in_base64_is_redacted_and_the_prefilter_agrees() -> None:
    texts = generated()
    scrubbed = scrub_many(list(texts), ())
    assert scrubbed == forced(list(texts), ())
    kept = [(t, s) for t, s in zip(texts, scrubbed, strict=True) if REDACTED not in (s or "")]
    assert kept == []
    for text in texts:
        assert scrub(text) == forced([text], ())[0]


@pytest.mark.parametrize("text", corpus(), ids=lambda t: t[:40])
def test_real_bodies_scrub_the_same_with_and_without_the_prefilter(text: str) -> None:
    secrets = ("sk-bench-not-a-real-key", "Bearer sk-bench-not-a-real-key")
    assert scrub_many([text], secrets) == forced([text], secrets)


def test_random_texts_scrub_the_same_with_and_without_the_prefilter() -> None:
    rng = random.Random(7)
    alphabet = "AIzaskgxhf_-+/=0123456789 \"':.,{}[]\x00é" + "QWERTYUIOPLKJHGFDSAZXCVBNM"
    cases = []
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(1, 6)):
            roll = rng.random()
            if roll < 0.3:
                key = rng.choice(KEYS)
                parts.append(
                    hidden(
                        key[: rng.randint(3, len(key))], bytes(rng.randint(0, 2)), rng.random() < 0.5, True
                    )
                )
            else:
                parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))))
        cases.append(rng.choice(("", " ", "\n")).join(parts))
    assert scrub_many(list(cases), ()) == forced(list(cases), ())


def test_one_pass_finds_a_needle_exactly_when_a_substring_test_would() -> None:
    # redact._contains_any (Aho-Corasick) stands for `any(n in text for n in needles)`: the same
    # answer on the real bodies, the generated key texts, random texts over an alphabet dense in
    # the needles' letters, non-ASCII and lone surrogates (header bytes kept by surrogateescape).
    rng = random.Random(11)
    alphabet = "c2stNrLzayZ3NrXaGZfhmXoZlQUl6YeGFpLsk-gsk_AIzaxai-hf_ \x00é😀\udcff"
    texts = corpus() + generated() + ["", "sk", "sk-", "\udcffsk-", "é" * 5 + "c2st"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    for needles in (redact._BASE64_KEY_CORES, redact._KEY_PREFIXES, (), ("",)):
        got = [redact._contains_any(text, needles) for text in texts]
        assert got == [any(n in text for n in needles) for text in texts]
