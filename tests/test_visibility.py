"""toolguard_core.visibility: the sentences that say what toolguard did not see, and its bounded tally."""

from __future__ import annotations

from collections import Counter

import pytest

from toolguard_core import visibility
from toolguard_core.visibility import add_host, hosts_json, hosts_list, parse_hosts, seen_line, skipped_line


def test_the_host_tally_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(visibility, "MAX_TRACKED_HOSTS", 2)
    hosts: Counter[str] = Counter()
    for host in ("a", "b", "c", "a"):
        add_host(hosts, host)
    add_host(hosts, "b", 3)
    assert hosts == Counter({"b": 4, "a": 2})  # "c" came third: counted in the total only
    assert hosts_json(hosts) == '{"b": 4, "a": 2}'
    # 7 requests, 6 of them to named hosts: the sentence says other hosts were not named.
    assert skipped_line(7, hosts) == (
        "7 requests with models toolguard does not know for their host (b, a and other hosts): model rules were "
        'skipped (declare the host with [[gateway]] or the model with [models."name"] in the providers config, '
        "docs/providers.md)"
    )


def test_host_counts_sort_by_count_then_host_then_port_as_a_number() -> None:
    """The run row's JSON, toolguard.stats and the shutdown line: "host:10000" sorted before
    "host:8080" as text."""
    runs = [{"gw:10000": 1, "gw:8080": 1, "[::1]:8080": 1}, {"gw": 1, "[::1]:10000": 1, "busy:9": 2}]
    assert list(visibility.merge_hosts(runs)) == [
        "busy:9",
        "[::1]:8080",
        "[::1]:10000",
        "gw",
        "gw:8080",
        "gw:10000",
    ]
    assert hosts_json(Counter(runs[0])) == '{"[::1]:8080": 1, "gw:8080": 1, "gw:10000": 1}'
    assert (
        visibility.unrecognised_line(3, runs[0]).split(": ")[1].startswith("[::1]:8080, gw:8080, gw:10000;")
    )


@pytest.mark.parametrize(
    ("hosts", "total", "expected"),
    [
        (["a"], None, "a"),
        (["a", "b", "c", "d", "e", "f", "g"], None, "a, b, c, d, e and 2 more"),
        (["a", "b"], 12, "a, b and 10 more"),  # a capped list of 12
    ],
)
def test_hosts_list_never_omits_silently(hosts: list[str], total: int | None, expected: str) -> None:
    assert hosts_list(hosts, total=total) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, {}), ("", {}), ("not json", {}), ("[1]", {}), ('{"h": 2, "x": "y", "t": true}', {"h": 2})],
)
def test_a_bad_hosts_column_reads_as_none(value: str | None, expected: dict[str, int]) -> None:
    assert parse_hosts(value) == expected


@pytest.mark.parametrize(
    ("requests", "validated", "messages", "line"),
    [
        (0, None, 0, "toolguard saw 0 requests: nothing was checked"),
        (0, 0, 0, "toolguard saw 0 requests: nothing was checked"),
        (1, None, 0, "toolguard saw 1 request"),
        (3, 2, 0, "toolguard saw 3 requests (2 checked)"),
        # Messages named apart: "6 requests" for 2 requests and 4 messages read as a miscount.
        (2, 6, 4, "toolguard saw 2 requests and 4 WebSocket messages (6 checked)"),
        (0, 1, 1, "toolguard saw 0 requests and 1 WebSocket message (1 checked)"),
    ],
)
def test_seen_line(requests: int, validated: int | None, messages: int, line: str) -> None:
    assert seen_line(requests, validated, messages) == line


def test_seen_and_skipped_lines() -> None:
    assert skipped_line(0, {}) is None
