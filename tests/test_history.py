"""rules/history.py and rules/walk.py: the validation worker's parse, which gives back the messages an earlier body sent
with the same bytes, yields exactly ``orjson.loads(body)`` and exactly the findings of parsing every
body whole, for every body the project has (dev corpus rows, probe rows, valid requests, every rule's
example) and mutations of their histories, sent as a sequence of requests sharing one cache (so the
remembered messages and blocks are reused), on several targets and models."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import orjson
import pytest
from test_memo import API_URLS, OTHER_MODELS, OTHER_URLS, bodies

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import Target
from toolguard_core.rules import history, model, roles, sequence, spec, walk
from toolguard_core.rules.history import HistoryCache

BENCH_SCRIPTS = __import__("pathlib").Path(__file__).resolve().parent.parent / "scripts"


def _changed_id(message: dict[str, Any]) -> dict[str, Any]:
    message = copy.deepcopy(message)
    if isinstance(message.get("tool_call_id"), str):
        message["tool_call_id"] += "x"
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls and isinstance(calls[0], dict):
        calls[0]["id"] = f"{calls[0].get('id')}y"
    return message


def history_mutations(messages: list[Any], rng: random.Random) -> list[list[Any]]:
    """A session's next requests as clients get them wrong, or right: messages dropped, swapped,
    duplicated, moved to another index, ids and roles changed, a prefix of the history, an earlier
    message edited, and the history grown by the turn's last messages again."""
    n = len(messages)
    if n == 0:
        return [[{"role": "user", "content": "hi"}]]
    out: list[list[Any]] = [messages[: max(1, n // 2)], [*messages, *messages[-2:]]]
    i, j = rng.randrange(n), rng.randrange(n)
    out.append(messages[:i] + messages[i + 1 :])  # dropped
    swapped = list(messages)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    out.append(swapped)
    out.append([*messages[: i + 1], messages[i], *messages[i + 1 :]])  # duplicated
    moved = list(messages)
    moved.insert(j, moved.pop(i))
    out.append(moved)
    if isinstance(messages[i], dict):
        out.append([*messages[:i], _changed_id(messages[i]), *messages[i + 1 :]])
        roles = ["user", "assistant", "tool", "system", "developer"]
        out.append([*messages[:i], {**messages[i], "role": rng.choice(roles)}, *messages[i + 1 :]])
        edited = {**messages[0], "content": "edited"} if isinstance(messages[0], dict) else "edited"
        out.append([edited, *messages[1:]])
    out += across_blocks(messages, rng)
    return out


def across_blocks(messages: list[Any], rng: random.Random) -> list[list[Any]]:
    """Mutations aimed at what the checks carry from one remembered block to the next (a block is 3
    messages under the ``small`` fixture): a call id reused in a later block, a tool answer moved into
    another block, every block boundary shifted by one (so it falls between a call and its answer,
    and a remembered block is met at another index), and a role changed at a boundary."""
    out: list[list[Any]] = [[{"role": "system", "content": "shifted"}, *messages]]
    callers = [i for i, m in enumerate(messages) if isinstance(m, dict) and _first_call(m) is not None]
    if len(callers) >= 2:
        i, j = callers[0], callers[-1]
        reused = copy.deepcopy(messages)
        old, new = _first_call(reused[j]), _first_call(reused[i])
        reused[j]["tool_calls"][0]["id"] = new
        for m in reused[j + 1 :]:
            if isinstance(m, dict) and m.get("role") == "tool" and m.get("tool_call_id") == old:
                m["tool_call_id"] = new
                break
        out.append(reused)
    tools = [i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "tool"]
    if tools:
        i = rng.choice(tools)
        for to in (i + 4, i - 4):
            if 0 <= to < len(messages):
                moved = list(messages)
                moved.insert(to, moved.pop(i))
                out.append(moved)
    if len(messages) > 3:
        at = 3 * rng.randrange(1, (len(messages) + 2) // 3)
        if at < len(messages) and isinstance(messages[at], dict):
            for role in ("user", "assistant"):
                out.append([*messages[:at], {**messages[at], "role": role}, *messages[at + 1 :]])
    return out


def _first_call(message: dict[str, Any]) -> str | None:
    calls = message.get("tool_calls")
    if (
        isinstance(calls, list)
        and calls
        and isinstance(calls[0], dict)
        and isinstance(calls[0].get("id"), str)
    ):
        return calls[0]["id"]
    return None


#: The texts a client may send: Python's default separators, compact, and indented (whitespace
#: between the elements, inside them and around the array).
DUMPS = (
    lambda body: json.dumps(body).encode(),
    lambda body: json.dumps(body, separators=(",", ":")).encode(),
    lambda body: json.dumps(body, indent=1).encode(),
)


def requests() -> list[tuple[str, bytes]]:
    """(url, body) in the order a worker would get them: each body, then its mutated histories."""
    rng = random.Random(11)
    out: list[tuple[str, bytes]] = []
    for n, (url, body) in enumerate(bodies()):
        messages = body.get("messages")
        variants = [body]
        if isinstance(messages, list):
            variants += [{**body, "messages": m} for m in history_mutations(messages, rng)]
        dumps = DUMPS[n % len(DUMPS)]
        urls = [url]
        if url == API_URLS["chat"]:
            urls += list(OTHER_URLS)
        for target_url in urls:
            out.extend((target_url, dumps(variant)) for variant in variants)
        if url == API_URLS["chat"] and isinstance(body.get("model"), str):
            model = OTHER_MODELS[n % len(OTHER_MODELS)]
            out.extend((OTHER_URLS[1], dumps({**v, "model": model})) for v in variants)
            # And the body's own model again: what another model's checks found clean is flagged for it.
            out.extend((OTHER_URLS[1], dumps(v)) for v in variants)
    # One history that one model's provider takes and another's refuses, on one host, whatever the
    # corpus holds (which corpus body gets which other model shifts as rows are added): Gemini takes
    # a dotted function name, OpenAI does not (tools.invalid-history-name), so a clean mark made
    # without the context (the model) would hide the second request's finding.
    dotted = {
        "model": "gemini-2.5-flash",
        "messages": [
            {"role": "user", "content": "read the file"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "files.read", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "ok"},
        ],
    }
    out += [(OTHER_URLS[1], json.dumps(body).encode()) for body in (dotted, {**dotted, "model": "gpt-4.1"})]
    # An image sent to a model without image input (model.image-unsupported names the first image part),
    # in a history whose remembered blocks are met again at other indices, and blocks of the same length
    # with the image elsewhere or gone: what a block's parts were must come from its own messages.
    image = {
        "role": "user",
        "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        ],
    }
    talk = [
        {"role": "user", "content": f"turn {n}"}
        if n % 2 == 0
        else {"role": "assistant", "content": f"reply {n}"}
        for n in range(7)
    ]
    pictured = [*talk[:2], image, *talk[3:]]
    later = [*talk[:4], image, *talk[5:]]
    shifted = [{"role": "system", "content": "be brief"}, *pictured]
    for history_ in (pictured, shifted, talk, later, pictured, [talk[0], *later]):
        out.append((API_URLS["chat"], json.dumps({"model": "o3-mini", "messages": history_}).encode()))
    out += roles_across_blocks()
    return out


def roles_across_blocks() -> list[tuple[str, bytes]]:
    """The same remembered blocks met after another role, after a non-system message or not, after a
    system message or not, where the provider's role checks read what came before: Perplexity's
    alternation and system-first rule, MiniMax's single system message. Contents are longer than the
    256-byte prefix a block is found by, so a block is found again whatever follows it."""

    def said(role: str, n: int) -> dict[str, str]:
        return {"role": role, "content": f"{role} {n} " + "." * 300}

    u, a, system = "user", "assistant", "system"
    talk = [said(u, 1), said(a, 1), said(u, 2), said(a, 2), said(u, 3), said(a, 3), said(u, 4)]
    led = [said(system, 0), said(u, 5), said(a, 5), said(u, 6), said(a, 6), said(u, 7)]
    histories = [
        talk,
        [*talk[:2], said(a, 9), *talk[3:]],  # a block met after an assistant message, not a user one
        led,
        ["not a message", *led],  # after no role, nothing but that before it
        [said(u, 0), "not a message", *led],  # after no role, a user message before it
        [said(system, 8), "not a message", *led],  # after no role, a system message before it
    ]
    out = []
    # Spec's walk of the newest messages (NEWEST_ITEMS is 4 under ``small``): a block found clean, then a
    # block of the same length whose message breaks the schema (a `name` that is not a string).
    misnamed = [*talk[:4], {**talk[4], "name": 123}, *talk[5:]]
    out += [
        (API_URLS["chat"], json.dumps({"model": "gpt-4o", "messages": h}).encode()) for h in (talk, misnamed)
    ]
    for url, model_name in (
        ("https://api.perplexity.ai/chat/completions", "sonar"),
        ("https://api.minimax.io/v1/chat/completions", "MiniMax-M1"),
    ):
        out += [(url, json.dumps({"model": model_name, "messages": h}).encode()) for h in histories]
    return out


def agent_requests() -> list[bytes]:
    """bench_proxy's agent session (its turns in order, then in rotation, then an edited history)."""
    import sys

    sys.path.insert(0, str(BENCH_SCRIPTS))
    from bench_proxy import agent_turns

    turns = agent_turns(6, n_messages=120)
    edited = copy.deepcopy(turns[-1])
    edited["messages"][40] = _changed_id(edited["messages"][40])
    dropped = {**turns[-1], "messages": turns[-1]["messages"][1:]}
    return [json.dumps(t).encode() for t in [*turns, *turns[::-1], edited, dropped, turns[-1]]]


def analysed(url: str, raw: bytes, targets: dict[str, Target], cache: HistoryCache | None) -> Any:
    target = targets.setdefault(url, Target.from_url(url, DEFAULT_REGISTRY))
    analysis = analyse_request(raw, url, target=target, history=cache)
    assert not analysis.internal_errors, analysis.internal_errors
    return analysis


@pytest.fixture
def small(monkeypatch):
    """Every body split and every element remembered, in blocks of 3: the corpus's small bodies
    exercise what a 1 MB agent turn does."""
    monkeypatch.setattr(history, "MIN_BODY", 0)
    monkeypatch.setattr(history, "MIN_ELEMENT", 1)
    monkeypatch.setattr(history, "BLOCK", 3)
    # And spec's walk of a long conversation's newest messages reaches into remembered blocks.
    monkeypatch.setattr(spec, "NEWEST_ITEMS", 4)


def mismatches(cases: list[tuple[str, bytes]], cache: HistoryCache) -> tuple[int, int, int]:
    """(requests whose findings or body differ from the whole parse's, requests split, requests with
    findings), the cases sent in order through ``cache``."""
    targets: dict[str, Target] = {}
    differ = split = flagged = 0
    for url, raw in cases:
        whole = analysed(url, raw, targets, None)
        cached = analysed(url, raw, targets, cache)
        differ += cached.findings != whole.findings or orjson.dumps(cached.body) != orjson.dumps(whole.body)
        split += cache.parse(raw) is not None
        flagged += bool(whole.findings)
    return differ, split, flagged


def marks(cache: HistoryCache) -> int:
    return sum(len(entry.clean) for bucket in cache._buckets.values() for entry in bucket)


def summaries(cache: HistoryCache) -> int:
    """Blocks the tool-call sequence check summarised (it skips them where no id crosses in)."""
    entries = [entry for bucket in cache._buckets.values() for entry in bucket]
    return sum(entry.summaries.get(sequence._SUMMARY) is not None for entry in entries)


def test_split_parse_finds_exactly_what_the_whole_parse_finds(small):
    cases = requests()
    assert len(cases) > 5000
    cache = HistoryCache(max_bytes=1 << 30)
    differ, split, flagged = mismatches(cases, cache)
    assert differ == 0
    # The cache was used, blocks were found clean (and skipped when sent again), and the bodies hold
    # findings to compare, not only clean ones.
    assert split > 0.9 * len(cases)
    assert flagged > 3000
    assert len(cache) > 1000
    assert marks(cache) > 1000
    assert summaries(cache) > 200


_placed = sequence._Summary.placed


def _placed_where_computed(self, start):
    shift = self.base - start + self.first  # cancels placed()'s move: the indices of where it was computed
    return _placed(self, start + shift)


def _placed_closed(self, start):
    return _placed(self, start)[0], None


_by_position: dict[tuple[int, int], Any] = {}


def _summary_by_position(entry, start):
    key = (start, len(entry.values))
    if key not in _by_position:
        _by_position[key] = sequence._summarise(entry.values, start)
    return _by_position[key]


_by_length: dict[int, Any] = {}


def _media_by_length(entry):
    key = len(entry.values)
    if key not in _by_length:
        _by_length[key] = tuple(model._media_of(entry.values))
    return _by_length[key]


def _media_unplaced(view):
    """model._media_parts with a block's parts at their offsets in the block, not moved to where it is."""
    messages, split = view.messages, view.remembered
    if split is None or not split.blocks or messages is not split.body.get("messages"):
        yield from model._parts_in(messages, 0, len(messages))
        return
    index = 0
    for start, entry in split.blocks:
        yield from model._parts_in(messages, index, start)
        for offset, j, part_type in model._media_summary(entry):
            yield f"messages[{offset}].content[{j}]", part_type
        index = start + len(entry.values)
    yield from model._parts_in(messages, index, len(messages))


_roles_by_length: dict[int, Any] = {}


def _roles_summary_by_length(entry):
    key = len(entry.values)
    if key not in _roles_by_length:
        _roles_by_length[key] = _roles_summary_of(entry)
    return _roles_by_length[key]


_roles_summary_of = roles._summary_of


_spec_by_length: dict[int, tuple[Any, ...]] = {}


def test_spec_marks_not_of_the_blocks_own_messages_give_other_findings(small, monkeypatch):
    # A block's clean item schemas kept by the block's length instead of with the block (its bytes).
    _spec_by_length.clear()
    monkeypatch.setattr(spec, "_clean_under", lambda entry: _spec_by_length.get(len(entry.values), ()))
    monkeypatch.setattr(
        spec,
        "_mark_clean",
        lambda entry, items: _spec_by_length.__setitem__(len(entry.values), (items,)),
    )
    differ, _, _ = mismatches(requests(), HistoryCache(max_bytes=1 << 30))
    assert differ > 0


@pytest.mark.parametrize(
    "replacement",
    [
        # Whether a system message came before the block (MiniMax takes one).
        lambda first_system, seen_other, previous_role: (seen_other, previous_role),
        # Whether a non-system message came before it (Perplexity takes system messages first only).
        lambda first_system, seen_other, previous_role: (first_system is None, previous_role),
        # The role right before it (Perplexity's alternation).
        lambda first_system, seen_other, previous_role: (first_system is None, seen_other),
    ],
    ids=["system-before", "non-system-before", "previous-role"],
)
def test_a_roles_mark_without_the_walks_state_gives_other_findings(small, monkeypatch, replacement):
    monkeypatch.setattr(roles, "_state", replacement)
    differ, _, _ = mismatches(requests(), HistoryCache(max_bytes=1 << 30))
    assert differ > 0


def test_a_roles_summary_not_of_the_blocks_own_messages_gives_other_findings(small, monkeypatch):
    _roles_by_length.clear()
    monkeypatch.setattr(roles, "_summary_of", _roles_summary_by_length)
    differ, _, _ = mismatches(requests(), HistoryCache(max_bytes=1 << 30))
    assert differ > 0


@pytest.mark.parametrize(
    ("module", "name", "replacement"),
    [
        # A block's image parts kept by the block's length instead of its own messages.
        (model, "_media_summary", _media_by_length),
        # A block's parts named at their offsets in the block, not at the block's place in this request.
        (model, "_media_parts", _media_unplaced),
    ],
    ids=["block-bytes", "place"],
)
def test_media_parts_without_the_blocks_own_messages_give_other_findings(
    small, monkeypatch, module, name, replacement
):
    _by_length.clear()
    monkeypatch.setattr(module, name, replacement)
    differ, _, _ = mismatches(requests(), HistoryCache(max_bytes=1 << 30))
    assert differ > 0


@pytest.mark.parametrize(
    ("name", "replacement"),
    [
        # The ids called before the part: a call repeated across blocks is not reported.
        ("_crosses", lambda summary, calls_by_id: False),
        # The part's place: a block met at another index than where it was summarised.
        ("_Summary.placed", _placed_where_computed),
        # The open tool block at the part's end: the answers in the next block are orphans.
        ("_Summary.placed", _placed_closed),
        # The block's own messages (its exact bytes): a summary kept by the block's position instead.
        ("_summary_of", _summary_by_position),
    ],
    ids=["ids-called-before", "place", "open-tail", "block-bytes"],
)
def test_a_sequence_summary_without_what_crosses_blocks_gives_other_findings(
    small, monkeypatch, name, replacement
):
    _by_position.clear()
    if name == "_Summary.placed":
        monkeypatch.setattr(sequence._Summary, "placed", replacement)
    else:
        monkeypatch.setattr(sequence, name, replacement)
    differ, _, _ = mismatches(requests(), HistoryCache(max_bytes=1 << 30))
    assert differ > 0


@pytest.mark.parametrize(
    "left_out",
    [
        # The context: the model, the tools and every parameter outside `messages`.
        lambda name, split, view: ((name, view.demoted), view.target),
        # The target (any target's mark taken).
        lambda name, split, view: ((name, split.context, view.demoted), None),
        # The check (one check's clean block taken for another's).
        lambda name, split, view: ((split.context, view.demoted), view.target),
    ],
    ids=["context", "target", "check"],
)
def test_a_key_without_what_the_checks_read_gives_other_findings(small, monkeypatch, left_out):
    # The demoted rules are not among these: they only lower a finding's level, so a block clean
    # without them is clean with them (they are in the key anyway).
    monkeypatch.setattr(walk, "mark_key", left_out)
    differ, _, _ = mismatches(requests(), HistoryCache(max_bytes=1 << 30))
    assert differ > 0


def test_an_agent_session_is_parsed_from_its_remembered_blocks():
    cache = HistoryCache()
    targets: dict[str, Target] = {}
    url = API_URLS["chat"]
    raws = agent_requests()
    assert min(map(len, raws)) > history.MIN_BODY
    for raw in raws:
        split = cache.parse(raw)
        assert split is not None
        assert orjson.dumps(split.body) == orjson.dumps(orjson.loads(raw))
        assert analysed(url, raw, targets, cache).findings == analysed(url, raw, targets, None).findings
    blocks = [e for bucket in cache._buckets.values() for e in bucket if len(e.values) > 1]
    assert len(blocks) >= 120 // history.BLOCK - 1
    # The whole session's first turn, again: every message given back (the objects parsed before).
    first = cache.parse(raws[0])
    again = cache.parse(raws[0])
    assert first is not None and again is not None
    assert all(a is b for a, b in zip(first.body["messages"], again.body["messages"], strict=True))


def test_a_remembered_message_is_given_back_only_for_its_exact_bytes(small):
    # The same 256-byte start, another end: the lookup's prefix finds the remembered message, the
    # whole comparison refuses it.
    long = "x" * 400
    cache = HistoryCache()
    for tail in ("a", "b", "a", "ab"):
        body = {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": long + tail}, {"role": "user", "content": "hi"}],
        }
        raw = json.dumps(body).encode()
        split = cache.parse(raw)
        assert split is not None and split.body == body


@pytest.mark.parametrize(
    "raw",
    [
        # A later duplicate `messages` key wins, in orjson as in the split.
        b'{"messages": [{"role": "user", "content": "a"}], "model": "m", "messages": [{"role": "tool"}]}',
        b'{"messages": [{"role": "user", "content": "a"}], "messages": []}',
        # The key spelt with an escape: not followed, the whole parse decides.
        b'{"messag\\u0065s": [{"role": "user", "content": "a"}], "model": "m"}',
        # `messages` after other members, one of them nested, one a string holding the key's text.
        b'{"model": "m", "x": {"messages": [1]}, "s": "\\"messages\\": [", "messages": [{"role": "user"}]}',
        # Numbers, and a number whose start is another remembered number.
        b'{"messages": [12, 123, 12.5e3, true, null, "s", [], {}]}',
        # Whitespace everywhere JSON allows it.
        b' \n{ "messages" :\t[ {"role":"user"} ,\r\n{"role":"tool"} ] , "model" : "m" }\n',
        # Bodies orjson refuses: the whole parse's findings (NaN, a bad separator, trailing text,
        # invalid UTF-8, a lone surrogate, a missing bracket).
        b'{"messages": [{"role": "user", "content": NaN}]}',
        b'{"messages": [{"role": "user"} {"role": "user"}]}',
        b'{"messages": [{"role": "user"}]} x',
        b'{"messages": [{"role": "user", "content": "caf\xe9"}]}',
        b'{"messages": [{"role": "user", "content": "\\ud800"}]}',
        b'{"messages": [{"role": "user"}',
        b'{"messages": [{"role": "user"},]}',
        b'{"messages": []}',
        b'{"messages": {"role": "user"}}',
        # Deep nesting: orjson's limit counts from the body, not from the element.
        b'{"messages": [' + b"[" * 1022 + b"]" * 1022 + b"]}",
        b'{"messages": [{"role": "user", "content": ' + b"[" * 1021 + b"]" * 1021 + b"}]}",
    ],
)
def test_edge_bodies_parse_as_orjson_parses_them_or_fall_back(small, raw):
    cache = HistoryCache()
    url = API_URLS["chat"]
    targets: dict[str, Target] = {}
    for _ in range(2):  # the second time from what the first remembered
        split = cache.parse(raw)
        try:
            expected = orjson.loads(raw)
        except orjson.JSONDecodeError:
            assert split is None
        else:
            if split is not None:
                assert orjson.dumps(split.body) == orjson.dumps(expected)
        assert analysed(url, raw, targets, cache).findings == analysed(url, raw, targets, None).findings


def test_the_cache_is_bounded_by_its_bytes(small):
    cache = HistoryCache(max_bytes=4096)
    rng = random.Random(3)
    for n in range(200):
        messages = [{"role": "user", "content": f"{n}-{k}-" + "y" * rng.randrange(50, 400)} for k in range(8)]
        cache.parse(json.dumps({"model": "m", "messages": messages}).encode())
        assert cache.size <= 4096
        assert cache.size == sum(len(e.raw) for bucket in cache._buckets.values() for e in bucket)
        assert all(len(bucket) <= history.MAX_BUCKET for bucket in cache._buckets.values())


def test_a_number_is_never_taken_for_the_start_of_a_longer_one(small):
    # A number is not self-delimiting: remembered, 0.000…0 (300 zeros) would match the start of
    # 0.000…01, whose first 256 bytes it shares.
    zero = b"0." + b"0" * 300
    cache = HistoryCache()
    for number in (zero, zero + b"1", zero):
        raw = b'{"model": "m", "messages": [' + number + b', {"role": "user"}]}'
        split = cache.parse(raw)
        assert split is not None and orjson.dumps(split.body) == orjson.dumps(orjson.loads(raw))


def test_the_worker_answers_an_agent_session_as_the_whole_parse_does():
    # worker.handle, the validation worker's own entry point, with its process-wide cache: rows
    # identical to those of a worker that parsed every body whole, and the session remembered.
    from toolguard_core import worker

    context = worker.Context.from_json(json.dumps({"url": API_URLS["chat"], "max_body": 32 << 20}).encode())
    worker.HISTORY.clear()
    raws = agent_requests()
    raws.append(raws[0].replace(b'"gpt-4.1"', b'"gpt-4o"', 1))  # over gpt-4o's window: a finding
    for seq, raw in enumerate(raws):
        row = worker.handle(context, seq, raw, True)
        whole = analyse_request(raw, context.url, target=context.target)
        assert row is not None
        assert row[1] == [[f.rule, str(f.severity), f.location, f.message] for f in whole.findings]
        assert row[5] == []
    assert row[1]  # the last one was flagged
    assert worker.HISTORY.size > 0
