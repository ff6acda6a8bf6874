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


@pytest.mark.parametrize(
    ("path", "what"),
    [
        # Claude Code 2.1.x: its token counting and its telemetry (both strings in its binary).
        ("api.anthropic.com/v1/messages/count_tokens", "token counting"),
        ("api.anthropic.com/api/event_logging/v2/batch", "telemetry"),
        ("api.openai.com/v1/responses/input_tokens", "token counting"),
        ("generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:countTokens", "token counting"),
        ("generativelanguage.googleapis.com/v1beta/models/text-embedding-004:embedContent", "embeddings"),
        ("127.0.0.1:11434/api/embed", "embeddings"),
        ("127.0.0.1:8000/tokenize", "tokenizer"),
        ("api.openai.com/v1/embeddings", "embeddings or moderations"),
        ("api.openai.com/v1/completions", "legacy completions"),
        ("api.openai.com/v1/audio/transcriptions", "images or audio"),
        ("api.openai.com/v1/files", "files and batches"),
        ("api.anthropic.com/v1/messages/batches", "files and batches"),
        ("127.0.0.1:4318/v1/traces", "telemetry"),
        # Ollama's native API besides /api/chat (trial22: aider's ollama_chat/ models POST /api/show for
        # the model's details before each chat, its ollama/ models /api/generate): no alarm for them.
        ("127.0.0.1:11434/api/show", "model details and management"),
        ("127.0.0.1:11434/api/pull", "model details and management"),
        ("127.0.0.1:11434/api/blobs/sha256:*", "model details and management"),
        ("127.0.0.1:11434/api/generate", "prompt completions"),
        # Typo'd or unknown chat paths stay alarms.
        ("api.openai.com/v1/chat/completion", None),
        ("api.openai.com/v1/chat/completions/x", None),
        ("api.anthropic.com/v1/message", None),
        ("api.openai.com/v1/respones", None),
        ("api.openai.com/v1/chat", None),
        ("gw.example/v1/messages/count_token", None),
        ("127.0.0.1:11434/api/chats", None),
        ("127.0.0.1:11434/api/showme", None),
    ],
)
def test_a_path_is_a_known_non_chat_endpoint_or_stays_an_alarm(path: str, what: str | None) -> None:
    assert visibility.non_chat_endpoint(path) == what


def test_a_run_of_only_non_chat_endpoints_says_them_without_an_alarm() -> None:
    """Claude Code's side calls only, one of them refused: said as what they are, the refusal with them."""
    paths = {"127.0.0.1:9/v1/messages/count_tokens": 2, "127.0.0.1:9/api/event_logging/v2/batch": 1}
    assert visibility.unchecked_lines(3, 1, paths) == [
        "3 requests seen but not validated, 1 of them rejected by the upstream "
        "(127.0.0.1:9/v1/messages/count_tokens (2, token counting), 127.0.0.1:9/api/event_logging/v2/batch "
        "(1, telemetry)): they went to endpoints that carry no conversation, and toolguard's rules check "
        "only conversations (the chat endpoints' bodies, toolguard_paths): nothing in them was checked"
    ]
    # One request: said in the singular.
    assert visibility.unchecked_lines(1, 0, {"127.0.0.1:9/v1/messages/count_tokens": 1}) == [
        "1 request seen but not validated (127.0.0.1:9/v1/messages/count_tokens (1, token counting)): it "
        "went to an endpoint that carries no conversation, and toolguard's rules check only conversations "
        "(the chat endpoints' bodies, toolguard_paths): nothing in it was checked"
    ]


def test_paths_not_recorded_stay_an_alarm_next_to_known_ones() -> None:
    """The tally is bounded: requests past it have no path, and are never taken for non-chat ones."""
    paths = {"127.0.0.1:9/v1/messages/count_tokens": 2}
    assert visibility.unchecked_lines(5, 0, paths) == [
        "3 requests NOT checked because of their path (paths not recorded): no rule validated them; "
        + visibility.UNCHECKED_PATHS_HOW,
        "2 requests seen but not validated (127.0.0.1:9/v1/messages/count_tokens (2, token counting)): "
        "they went to endpoints that carry no conversation, and toolguard's rules check only conversations "
        "(the chat endpoints' bodies, toolguard_paths): nothing in them was checked",
    ]
    assert visibility.unchecked_lines(0, 0, {}) == []


def test_an_unrecognised_count_with_websocket_messages_says_they_are_included() -> None:
    """A Codex run: "1 request and 3 WebSocket messages reached the proxy", then the unrecognised
    count, 3 messages, read "3 requests" (trial17)."""
    line = visibility.unrecognised_line(3, {"127.0.0.1:9": 3}, websocket=True)
    assert line == (
        f"3 requests (WebSocket messages included) to {visibility.UNRECOGNISED_HOSTS}: 127.0.0.1:9; "
        f"{visibility.MAP_A_HOST}"
    )
    assert visibility.unrecognised_line(3, {"127.0.0.1:9": 3}) == (
        f"3 requests to {visibility.UNRECOGNISED_HOSTS}: 127.0.0.1:9; {visibility.MAP_A_HOST}"
    )


def test_the_unreachable_line_names_the_upstreams_and_says_when_some_are_not_recorded() -> None:
    assert visibility.unreachable_line(0, {}) is None
    line = visibility.unreachable_line(3, {"api.openai.com": 2})
    assert line is not None and line.startswith(
        "3 connections the proxy could not open to the upstream before the client sent a request "
        "(api.openai.com (2) and other upstreams): nothing was validated for them; "
    )
