"""clients.retries, the one detector of retries the run report, show and the summary use (session 21):
table-driven over rows as the flows table holds them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolguard_core.clients import RESEND_SECONDS, Retry, retried, retries, retry_count

AI_SDK = "ai/7.0.173 ai-sdk-provider-utils/4.0.30 runtime/node.js/22"
BODY = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
OTHER = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "ho"}]})


def _row(
    flow_id: str, second: float, status: int, *, client: str = AI_SDK, headers: Any = None
) -> dict[str, Any]:
    whole, frac = divmod(second, 1)
    return {
        "id": flow_id,
        "datetime_utc": f"2026-12-02T21:{int(whole) // 60:02d}:{int(whole) % 60:02d}.{round(frac * 1000):03d}Z",
        "duration_ms": 100,
        "client": client,
        "host": "api.openai.com",
        "port": 443,
        "path": "/v1/chat/completions",
        "status": status,
        "error_type": None,
        "request_headers_json": json.dumps(headers) if headers else None,
    }


CASES = [
    ("a chain on 429s", [_row("a", 0, 429), _row("b", 2.2, 429), _row("c", 6.4, 429)], {"a": BODY, "b": BODY, "c": BODY},
     {"b": Retry(1, False), "c": Retry(2, False)}),
    ("after a 500, accepted", [_row("a", 0, 500), _row("b", 1, 200)], {"a": BODY, "b": BODY}, {"b": Retry(1, False)}),
    ("too late", [_row("a", 0, 429), _row("b", RESEND_SECONDS + 1, 429)], {"a": BODY, "b": BODY}, {}),
    ("another body", [_row("a", 0, 429), _row("b", 1, 429)], {"a": BODY, "b": OTHER}, {}),
    ("after a 400", [_row("a", 0, 400), _row("b", 1, 400)], {"a": BODY, "b": BODY}, {}),
    ("another client", [_row("a", 0, 429), _row("b", 1, 429, client="curl/8.5")], {"a": BODY, "b": BODY}, {}),
    ("declared", [_row("a", 0, 429), _row("b", 1, 429, headers={"x-stainless-retry-count": "1"})],
     {"a": BODY, "b": BODY}, {"b": Retry(1, True)}),
    ("Claude Code's 0", [_row("a", 0, 529), _row("b", 1, 529, headers={"x-stainless-retry-count": "0"})],
     {"a": BODY, "b": BODY}, {"b": Retry(1, False)}),
    ("an unrelated call between", [_row("a", 0, 429), _row("x", 0.5, 200), _row("b", 1, 429)],
     {"a": BODY, "x": OTHER, "b": BODY}, {"b": Retry(1, False)}),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "bodies", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_retries(rows: list[dict[str, Any]], bodies: dict[str, str], expected: dict[str, Retry]) -> None:
    assert retries(rows, bodies.get) == expected


@pytest.mark.parametrize(("rows", "bodies", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_retries_over_a_stream_in_time_order(
    rows: list[dict[str, Any]], bodies: dict[str, str], expected: dict[str, Retry]
) -> None:
    """The summary streams a query's rows (``order by datetime_utc, id``) instead of holding them."""
    ordered = sorted(rows, key=lambda r: (r["datetime_utc"], r["id"]))
    assert retries(iter(ordered), bodies.get, ordered=True) == expected


def test_a_long_stream_reads_each_compared_body_a_bounded_number_of_times() -> None:
    """Ten thousand resends of one body after 429s: every one is a retry in a chain, and the request texts
    compared are kept in a bounded cache, not one per flow (a million flows held every text read)."""
    rows = (_row(f"f{n:05d}", n * 0.25, 429) for n in range(10_000))
    reads: list[str] = []

    def body(flow_id: str) -> str:
        reads.append(flow_id)
        return BODY

    found = retries(rows, body, ordered=True)
    assert len(found) == 9_999 and found["f09999"] == Retry(9_999, False)
    assert len(reads) == 10_000  # each text read once: the one compared with is always still kept


#: The same cases with each request as the store keeps it (session 24: the summary streams a digest of
#: the skeleton and references and compares those): a split request's key stands for its text, so no
#: text is read; a request stored whole has no key, and its text is read and compared, as without keys.
KEYED = [
    ("split and the same", {"a": b"k1", "b": b"k1"}, {"b": Retry(1, False)}, []),
    ("split and different", {"a": b"k1", "b": b"k2"}, {}, []),
    ("stored whole, the same text", {"a": None, "b": None}, {"b": Retry(1, False)}, ["b", "a"]),
    ("one whole, one split, the same text", {"a": None, "b": b"k1"}, {"b": Retry(1, False)}, ["b", "a"]),
]


@pytest.mark.parametrize(("keys", "expected", "read"), [c[1:] for c in KEYED], ids=[c[0] for c in KEYED])
def test_retried_compares_the_requests_as_stored_where_both_are_split(
    keys: dict[str, bytes | None], expected: dict[str, Retry], read: list[str]
) -> None:
    reads: list[str] = []

    def body(flow_id: str) -> str:
        reads.append(flow_id)
        return BODY

    rows = [_row("a", 0, 429), _row("b", 2, 429)]
    found = {
        str(row["id"]): retry
        for row, retry in retried(iter(rows), body, ordered=True, stored_key=lambda row: keys[row["id"]])
    }
    assert (found, reads) == (expected, read)


@pytest.mark.parametrize("value", ["²", "١", "-1", "1.0", "999999", ""])
def test_a_retry_count_that_is_no_plain_number_is_none(value: str) -> None:
    """A client's header is text: '²' passes str.isdigit() but int() refused it, and the summary, the run
    report and show raised on the row (session 24). Decimal digits of any script count, as int() reads them."""
    expected = 1 if value == "١" else 0
    assert retry_count(json.dumps({"X-Stainless-Retry-Count": value})) == expected
