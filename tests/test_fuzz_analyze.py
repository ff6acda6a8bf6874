"""Property: any body on any endpoint and provider profile gets findings or nothing from
:func:`toolguard_core.analyze.analyse_request`: never a raise, never a rule's internal error, and the
findings bounded per rule (analyze.MAX_FINDINGS_PER_RULE plus one "and N more")."""

from __future__ import annotations

import gzip
from collections import Counter
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from support.fuzz import FUZZ, JSON, URLS, dumps, raw_variants, seed_mutations

from toolguard_core.analyze import MAX_FINDINGS_PER_RULE, Analysis, analyse_request, body_facts
from toolguard_core.rules.history import HistoryCache


def checked(body: bytes | str | None, url: str, **options: Any) -> Analysis:
    analysis = analyse_request(body, url, **options)
    # A rule that raised is caught (the flow passes) but is a toolguard bug: the fuzz names it.
    assert analysis.internal_errors == [], analysis.internal_errors
    per_rule = Counter(f.rule for f in analysis.findings)
    assert all(count <= MAX_FINDINGS_PER_RULE + 1 for count in per_rule.values()), per_rule
    for finding in analysis.findings:
        assert finding.rule and finding.location is not None and finding.message
    return analysis


@FUZZ
@given(url=st.sampled_from(URLS), body=JSON)
def test_any_json_value_on_any_endpoint(url: str, body: Any) -> None:
    checked(dumps(body).encode("utf-8", "surrogatepass"), url)


@FUZZ
@given(seed=seed_mutations())
def test_mutated_real_bodies(seed: tuple[str, Any]) -> None:
    url, body = seed
    checked(dumps(body).encode("utf-8", "surrogatepass"), url)


@FUZZ
@given(seed=seed_mutations(), data=st.data())
def test_mutated_real_bodies_as_odd_bytes(seed: tuple[str, Any], data: st.DataObject) -> None:
    url, body = seed
    checked(data.draw(raw_variants(dumps(body))), url)


@FUZZ
@given(url=st.sampled_from(URLS), body=st.binary(max_size=300))
def test_any_bytes(url: str, body: bytes) -> None:
    checked(body, url)


@FUZZ
@given(
    url=st.sampled_from(URLS),
    body=st.binary(max_size=200),
    encoding=st.sampled_from(["gzip", "br", "zstd", "deflate", "identity", "gzip, gzip", "x-unknown", ""]),
    compress=st.booleans(),
)
def test_any_content_encoding(url: str, body: bytes, encoding: str, compress: bool) -> None:
    if compress and encoding == "gzip":
        body = gzip.compress(body)
    checked(body, url, content_encoding=encoding)


@FUZZ
@given(url=st.sampled_from(URLS), body=JSON)
def test_str_bodies_and_small_limits(url: str, body: Any) -> None:
    text = dumps(body)
    checked(text, url)
    checked(text.encode("utf-8", "surrogatepass"), url, max_body_bytes=16)


@FUZZ
@given(seeds=st.lists(seed_mutations(), min_size=1, max_size=4))
def test_a_conversation_through_the_history_cache(seeds: list[tuple[str, Any]]) -> None:
    """The validation worker's path: each body parsed through the history cache that remembers the
    earlier bodies' messages (rules/history.py) gives the findings a fresh parse gives."""
    history = HistoryCache()
    for url, body in seeds + seeds[:1]:
        raw = dumps(body).encode("utf-8", "surrogatepass")
        remembered = checked(raw, url, history=history)
        fresh = checked(raw, url)
        assert sorted(map(repr, remembered.findings)) == sorted(map(repr, fresh.findings))
        assert body_facts(raw, 1 << 20, None, url.split("/", 3)[-1]) is not None
