"""A similarity tier for root-cause recognition, evaluated and NOT shipped (issue #10; the numbers
are in docs/errors.md "A similarity tier, measured and not shipped"; ``scripts/eval_similar_tier.py``
reproduces them).

The idea: an error text that no sentence, code or family phrase of :mod:`toolguard_core.causes`
names is compared with the labelled texts of known rejections (development and probe rows), and the
nearest neighbour's cause is named when it is close enough. Representation: TF-IDF over words and
word bigrams (CJK text: characters and character bigrams, since it has no spaces; three- and
four-digit numbers such as statuses and provider codes kept, other digits and identifier-like tokens
dropped), cosine similarity through an inverted index, plus a margin to the nearest example of any
other cause so an ambiguous text names nothing. Stdlib only: ~600 short texts need no numeric
library, and the sparse dot product over a query's postings costs well under a millisecond.

Why it is not in ``recognise_error``: leave-one-thread-out cross-validation picks a threshold at
which the tier alone is right about 98% of the time (at about 45% recall), but where it would run,
after the text tiers miss, it makes a handful of claims and most are wrong. The texts the catalogue
misses are generic ("One or more parameters specified in the request are not valid", Zhipu's "API
调用参数有误") whose cause the request decides, and identical texts carry different labels in
different threads. Kept here so the measurement can be re-run as the corpus grows.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from toolguard_core.upstream_errors import UpstreamError

#: The precision the tier must keep (issue #10: it "almost never names a wrong cause").
MIN_PRECISION = 0.95
#: Characters of an error's text that are compared (relays repeat the upstream's body; the start
#: names the cause). Bounds the per-rejection cost whatever the body's size.
MAX_TEXT = 600
#: The label of a known rejection whose text names no catalogued cause: a nearest neighbour with
#: this label means "nothing to name", which keeps look-alike texts from borrowing a cause.
UNKNOWN = "cause.unknown"

_RAW_TOKEN = re.compile(r"[A-Za-z0-9_]+|[\u3400-\u9fff]+")
_LETTERS = re.compile(r"[a-z]+")
_HAS_DIGIT = re.compile(r"\d")
# Words that carry no cause on their own (they still count inside bigrams).
_STOP = frozenset(
    {"a", "an", "the", "of", "to", "for", "in", "on", "and", "or", "is", "are", "be", "was", "with"}
    | {"this", "that", "it", "its", "your", "you", "please", "not", "no", "at", "as", "by", "from"}
    | {"error", "errors", "message", "code", "type", "param", "null", "none", "true", "false"}
)


def thread_key(thread: str) -> str:
    """A thread URL the way ``support.corpus.split_for`` keys it (lowercase, no anchor, no slash)."""
    return thread.strip().lower().split("#", 1)[0].rstrip("/")


def error_text(err: UpstreamError) -> str:
    """What the tier compares: each message of the error's chain (innermost first) with its code and
    type, so a gateway's code (``insufficient_balance_error``) counts as much as its sentence."""
    parts: list[str] = []
    for error in reversed(err.chain()):
        for value in (error.message, error.code, error.type):
            if value is not None and value != "" and str(value) not in parts:
                parts.append(str(value))
    return " ; ".join(parts)[:MAX_TEXT]


def features(text: str) -> Counter[str]:
    """Words (lowercased, digits and identifier-like tokens dropped) and word bigrams; CJK runs as
    characters and character bigrams."""
    words: list[str] = []
    cjk: list[str] = []
    for raw in _RAW_TOKEN.findall(text[:MAX_TEXT]):
        if "\u3400" <= raw[0] <= "\u9fff":
            cjk.extend(raw)
            cjk.extend(raw[i : i + 2] for i in range(len(raw) - 1))
            continue
        if raw.isdigit():
            if 3 <= len(raw) <= 4:
                words.append(raw)  # a status or a provider's error code (429, 1113): names a cause
            continue  # token counts, timestamps
        if _HAS_DIGIT.search(raw) and len(raw) >= 8:
            continue  # a request id, a hash, a key fragment: never shared by two rejections
        words.extend(_LETTERS.findall(raw.lower()))
    counts: Counter[str] = Counter(w for w in words if w not in _STOP and 1 < len(w) <= 24)
    counts.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    counts.update(cjk)
    return counts


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text of a known rejection (a development or probe row)."""

    id: str
    cause: str
    source: str
    text: str


@dataclass(frozen=True, slots=True)
class Match:
    example: Example
    similarity: float
    #: How much closer the example is than the closest example of any other cause.
    margin: float


@dataclass(frozen=True, slots=True)
class Index:
    """Labelled texts, their TF-IDF vectors as an inverted index, and the cross-validated threshold."""

    examples: tuple[Example, ...]
    threshold: float
    margin: float
    idf: Mapping[str, float]
    default_idf: float
    postings: Mapping[str, tuple[tuple[int, float], ...]]

    @classmethod
    def build(cls, examples: Iterable[Example], threshold: float, margin: float) -> Index:
        examples = tuple(examples)
        counted = [features(e.text) for e in examples]
        df: Counter[str] = Counter()
        for counts in counted:
            df.update(counts.keys())
        n = len(examples)
        idf = {f: math.log((n + 1) / (d + 1)) + 1.0 for f, d in df.items()}
        postings: dict[str, list[tuple[int, float]]] = {}
        for doc, counts in enumerate(counted):
            vector = _weights(counts, idf, math.log(n + 1) + 1.0)
            for feature, weight in vector.items():
                postings.setdefault(feature, []).append((doc, weight))
        return cls(
            examples=examples,
            threshold=threshold,
            margin=margin,
            idf=idf,
            default_idf=math.log(n + 1) + 1.0,
            postings={f: tuple(p) for f, p in postings.items()},
        )

    def nearest(self, text: str, *, exclude: frozenset[int] = frozenset()) -> Match | None:
        """The most similar example (cosine of TF-IDF vectors), ``exclude`` left out (cross-validation),
        and the margin to the most similar example of any other cause."""
        query = _weights(features(text), self.idf, self.default_idf)
        scores: dict[int, float] = {}
        for feature, weight in query.items():
            for doc, doc_weight in self.postings.get(feature, ()):
                scores[doc] = scores.get(doc, 0.0) + weight * doc_weight
        best_by_cause: dict[str, tuple[float, int]] = {}
        for doc, score in scores.items():
            if doc in exclude:
                continue
            cause = self.examples[doc].cause
            held = best_by_cause.get(cause)
            if held is None or score > held[0] or (score == held[0] and doc < held[1]):
                best_by_cause[cause] = (score, doc)
        if not best_by_cause:
            return None
        ranked = sorted(best_by_cause.values(), key=lambda pair: (-pair[0], pair[1]))
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        return Match(
            example=self.examples[ranked[0][1]], similarity=ranked[0][0], margin=ranked[0][0] - runner_up
        )

    def recognise(self, text: str) -> Match | None:
        """The nearest example when it is at least :attr:`threshold` similar, no example of another
        cause is within :attr:`margin` of it (an ambiguous text names nothing), and it names a cause."""
        match = self.nearest(text)
        if match is None or not self.accepts(match):
            return None
        return match

    def accepts(self, match: Match) -> bool:
        return (
            match.similarity >= self.threshold
            and match.margin >= self.margin
            and match.example.cause != UNKNOWN
        )


def _weights(counts: Mapping[str, int], idf: Mapping[str, float], default_idf: float) -> dict[str, float]:
    """L2-normalised (1 + log tf) * idf; a feature no example has gets the highest idf, so a text
    mostly made of unseen words stays far from every example."""
    vector = {f: (1.0 + math.log(c)) * idf.get(f, default_idf) for f, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in vector.values()))
    if norm == 0.0:
        return {}
    return {f: w / norm for f, w in vector.items() if f in idf}
