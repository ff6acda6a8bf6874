#!/usr/bin/env python
"""How often the error text alone names the root cause: ``toolguard_core.causes`` on the labelled corpus.

    .venv/bin/python scripts/eval_causes.py --dev-only            # while developing
    .venv/bin/python scripts/eval_causes.py                       # once, at the end: dev and heldout
    .venv/bin/python scripts/eval_causes.py --corpus other.jsonl  # extra corpus files (repeatable)
    .venv/bin/python scripts/eval_causes.py --dev-only --probe    # plus the fresh probe set
    .venv/bin/python scripts/eval_causes.py --dev-only --probe --breakdown  # what kind goes unnamed
    .venv/bin/python scripts/eval_causes.py --dev-only --probe --disagreements  # each wrong cause, and why
    .venv/bin/python scripts/eval_causes.py --dev-only --probe --snapshot before.json  # per-row results
    .venv/bin/python scripts/eval_causes.py --dev-only --probe --diff before.json      # gains/losses since
    .venv/bin/python scripts/eval_causes.py --leave-one-out      # dev + probe, each row without its own wordings
    .venv/bin/python scripts/eval_causes.py --leave-one-out --trace trace.json  # and each wording's source rows

Probe set: ``tests/data/corpus/probe-causes.jsonl`` holds real error texts from public threads that
are in neither corpus split (checked by text when they were collected), each labelled with a cause.
It stands in for unseen text when the catalogue's generalisation is measured; its rows have
``split`` ``probe`` and are never part of ``failures-*.jsonl`` (that would move the held-out split).

Corpus: every ``tests/data/corpus/failures-*.jsonl`` (one JSON object a line with ``split``
``dev``/``heldout``, ``body``, ``status``, ``provider``, ``root_cause``, ``class``) plus the legacy
``tests/data/error_corpus.json`` (all development data; its older labels are translated by
``tests/data/legacy_cause_labels.json``). Each body goes through the same path as a live flow:
``parse_error`` (relays, OpenRouter ``metadata.raw``, FastAPI ``detail`` lists) then
``recognise_error``.

Printed per split and per class: rows, the share recognised (some cause named), the share whose
label agrees (the label equals the cause id or the rule id; a row labelled ``cause.unknown`` agrees
when nothing is recognised), the count of *opaque* rows (``toolguard_core.opaque``: the text names
nothing beyond a generic status) and, of the rows no cause is named for, how many are opaque and how
many informative (counts only, for the held-out split too: the ceiling of reading the text), and the
confusion of disagreeing rows (label -> what was recognised).

Discipline: with ``--dev-only`` the held-out rows are dropped on their ``split`` field before their
body is read, and nothing about them is printed. Run the held-out part once, at the end, and report
it as it comes out; do not tune on it.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import toolguard_core.causes as causes_module
from toolguard_core.causes import (
    CAUSES,
    CODES,
    ERROR_INFO_REASONS,
    FRAMEWORKS,
    REFERENCE_CODES,
    REFERENCE_FAMILIES,
    REFUSALS,
    REQUEST_TIER,
    STATUS,
    STRUCTURAL,
    Recognition,
    Wording,
    recognise_error,
)
from toolguard_core.opaque import is_opaque
from toolguard_core.upstream_errors import parse_error

ROOT = Path(__file__).resolve().parent.parent
CORPUS_GLOB = "tests/data/corpus/failures-*.jsonl"
LEGACY = ROOT / "tests" / "data" / "error_corpus.json"
LEGACY_LABELS = ROOT / "tests" / "data" / "legacy_cause_labels.json"
PROBE = ROOT / "tests" / "data" / "corpus" / "probe-causes.jsonl"
#: Splits whose disagreeing rows may be printed (never the held-out one: only its aggregate is shown).
_INSPECTABLE = frozenset({"dev", "probe"})
#: The split field of a development row, checked on the raw line before it is decoded.
_DEV_SPLIT = re.compile(r'"split"\s*:\s*"dev"')
#: A row whose label says the text names no known cause.
UNKNOWN = "cause.unknown"


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    split: str
    klass: str
    provider: str | None
    label: str
    body: str
    status: int | None
    #: The request the row's thread shows (a parsed JSON object), when it has one: the request-aware
    #: tier of ``recognise_error`` reads it, as the proxy does with the flow's own request.
    request: dict[str, Any] | None = None
    #: The public thread the row was quoted from (its ``thread``, else its ``source``), for the
    #: leave-one-source-out score (:func:`leave_one_out`).
    thread: str | None = None


def load_rows(paths: Iterable[Path], *, dev_only: bool) -> Iterator[Row]:
    """Corpus rows; with ``dev_only`` a held-out row is skipped before anything but its split is read."""
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            if dev_only and not _DEV_SPLIT.search(line):
                continue  # a held-out row is not even decoded
            data: dict[str, Any] = json.loads(line)
            split = str(data.get("split") or "")
            if dev_only and split != "dev":
                continue
            body = data.get("body")
            yield Row(
                id=str(data.get("id") or f"{path.name}:{number}"),
                split=split or "dev",
                klass=str(data.get("class") or "?"),
                provider=data.get("provider"),
                label=str(data.get("root_cause") or ""),
                body=body if isinstance(body, str) else json.dumps(body),
                status=data.get("status") if isinstance(data.get("status"), int) else None,
                request=data["request"] if isinstance(data.get("request"), dict) else None,
                thread=data.get("thread") or data.get("source"),
            )


def load_legacy(path: Path = LEGACY, labels_path: Path = LEGACY_LABELS) -> Iterator[Row]:
    """The legacy corpus (development data): the full body when the thread quotes it, else the message."""
    labels = json.loads(labels_path.read_text(encoding="utf-8"))["labels"]
    for entry in json.loads(path.read_text(encoding="utf-8"))["entries"]:
        yield Row(
            id=entry["id"],
            split="dev",
            klass="legacy",
            provider=entry.get("provider"),
            label=labels.get(entry["label"], entry["label"]),
            body=entry.get("body") or entry["message"],
            status=None,
            thread=entry.get("source"),
        )


def load_probe(path: Path = PROBE) -> Iterator[Row]:
    """The probe set (split ``probe``): fresh real texts, labelled, outside both corpus splits."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        data: dict[str, Any] = json.loads(line)
        yield Row(
            id=str(data.get("id") or f"{path.name}:{number}"),
            split="probe",
            klass=probe_round(str(data.get("id") or "")),
            provider=data.get("provider"),
            label=str(data.get("root_cause") or ""),
            body=data["body"] if isinstance(data.get("body"), str) else json.dumps(data.get("body")),
            status=data.get("status") if isinstance(data.get("status"), int) else None,
            request=data["request"] if isinstance(data.get("request"), dict) else None,
            thread=data.get("source"),
        )


def probe_round(row_id: str) -> str:
    """The collection round of a probe row from its id: ``probe-012`` is round 1, ``probe-i04`` round 9
    (rounds 2-9 carry the letters b-i)."""
    match = re.match(r"probe-([a-z])", row_id)
    return f"round {ord(match.group(1)) - ord('a') + 1}" if match else "round 1"


def recognise_row(row: Row) -> Recognition | None:
    error = parse_error(row.body, status=row.status)
    return recognise_error(error, provider=row.provider, status=row.status, request=row.request)


def opaque(row: Row) -> bool:
    """The row's text names nothing beyond a generic status (``toolguard_core.opaque``): no reading
    of the text can name its cause, only the status or the request can."""
    return is_opaque(parse_error(row.body, status=row.status))


def agrees(row: Row, found: Recognition | None) -> bool:
    if row.label == UNKNOWN:
        return found is None
    return found is not None and found.matches(row.label)


def report(rows: list[Row], *, show_misses: bool) -> None:
    by_split: dict[str, list[tuple[Row, Recognition | None]]] = defaultdict(list)
    for row in rows:
        by_split[row.split].append((row, recognise_row(row)))
    for split in sorted(by_split):
        results = by_split[split]
        print(f"\n== {split}: {len(results)} rows")
        _table(results)
        if split not in _INSPECTABLE:
            continue  # held-out: the aggregate only, never which rows or labels disagree
        confusion = Counter(
            (row.label, found.cause_id if found else "—") for row, found in results if not agrees(row, found)
        )
        if confusion:
            print("  disagreements (label -> recognised cause):")
            for (label, got), n in confusion.most_common():
                print(f"    {n:3d}  {label} -> {got}")
        if show_misses:
            for row, found in results:
                if not agrees(row, found):
                    head = " ".join(row.body.split())[:160]
                    got = f"{found.cause_id}/{found.rule_id}" if found else "—"
                    print(f"    MISS {row.id} [{row.provider}] {row.label} -> {got}: {head}")


def tier_of(found: Recognition) -> str:
    """Which tier of ``recognise_error`` named the cause (the wording object says it)."""
    wording = found.wording
    if any(wording is w for _, w in STATUS.values()):
        return "status"
    if any(wording is w for _, w in REQUEST_TIER.values()):
        return "request"
    if any(wording is w for _, w in REFUSALS.values()):
        return "refusal"
    if any(wording is w for _, w in STRUCTURAL):
        return "structural"
    if any(wording is f.wording for f in FRAMEWORKS):
        return "framework"
    if any(wording is w for _, w, _ in REFERENCE_CODES) or any(wording is w for _, w in REFERENCE_FAMILIES):
        return "reference"
    if wording.on == "code" or any(wording is w for _, w in CODES):
        return "code"
    return "message"


def disagreements(rows: list[Row]) -> None:
    """Every development/probe row whose named cause is not its label (never a held-out row): the
    text, the label, the cause named, and the tier and wording (its source) that named it. A row
    labelled with a cause that nothing names is listed too, as ``—``."""
    print("\n== disagreeing development/probe rows")
    for row in rows:
        if row.split not in _INSPECTABLE:
            continue
        found = recognise_row(row)
        if agrees(row, found):
            continue
        head = " ".join(row.body.split())[:200]
        if found is None:
            print(f"- {row.id} [{row.provider}, {row.status}] {row.label} -> —")
        else:
            refined = " (refined)" if found.cause.id not in _home_causes(found) else ""
            print(
                f"- {row.id} [{row.provider}, {row.status}] {row.label} -> {found.cause_id}"
                f"/{found.rule_id}{refined} by {tier_of(found)}: {found.wording.source}"
            )
        print(f"    {head}")


def _home_causes(found: Recognition) -> frozenset[str]:
    """The causes the naming wording belongs to (a cause outside them was refined by ``_build``)."""
    from toolguard_core.causes import CAUSES

    wording = found.wording
    homes = {c.id for c in CAUSES if any(w is wording for w in c.wordings)}
    for table in (
        STRUCTURAL,
        CODES,
        tuple(STATUS.values()),
        tuple(REQUEST_TIER.values()),
        REFERENCE_FAMILIES,
    ):
        homes.update(cause_id for cause_id, w in table if w is wording)
    homes.update(cause_id for cause_id, w, _ in REFERENCE_CODES if w is wording)
    if any(wording is f.wording for f in FRAMEWORKS):
        homes.add(found.cause.id)  # a library's format names whichever cause its fault and path map to
    return frozenset(homes)


def results(rows: list[Row]) -> dict[str, dict[str, Any]]:
    """Per development/probe row: the cause named (or None) and whether it agrees with the label."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.split not in _INSPECTABLE:
            continue
        found = recognise_row(row)
        out[f"{row.split}:{row.id}"] = {
            "label": row.label,
            "cause": found.cause_id if found else None,
            "rule": found.rule_id if found else None,
            "agrees": agrees(row, found),
        }
    return out


def diff(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> None:
    """Rows whose result changed: a gain (now agrees), a loss (agreed before), or a change between
    two disagreeing answers (a wrong cause withdrawn counts as such)."""
    gains = losses = changes = 0
    print("\n== per-row changes (development and probe rows)")
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            print(f"  {'NEW' if old is None else 'GONE'} {key}")
            continue
        if (old["cause"], old["rule"]) == (new["cause"], new["rule"]):
            continue
        kind = (
            "GAIN"
            if new["agrees"] and not old["agrees"]
            else "LOSS"
            if old["agrees"] and not new["agrees"]
            else "CHANGE"
        )
        gains += kind == "GAIN"
        losses += kind == "LOSS"
        changes += kind == "CHANGE"
        mark = {True: "agrees", False: "disagrees"}
        print(
            f"  {kind} {key} label {new['label']}: {old['cause']}/{old['rule']} ({mark[old['agrees']]})"
            f" -> {new['cause']}/{new['rule']} ({mark[new['agrees']]})"
        )
    print(f"  gains {gains}, losses {losses}, other changes {changes}")


def _language(text: str) -> str:
    """``cjk`` when the text has Chinese/Japanese/Korean characters, else ``latin``."""
    return "cjk" if re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", text) else "latin"


def _length(text: str) -> str:
    n = len(text)
    return "<80" if n < 80 else "80-300" if n < 300 else ">=300"


def breakdown(rows: list[Row]) -> None:
    """What kind of development/probe rejection no tier names, by parser shape, status, provider,
    language and length: the held-out misses are likely of the same kinds, not the same sentences.
    Never given held-out rows (see ``main``)."""
    missed: list[tuple[Row, str]] = []
    for row in rows:
        if row.split not in _INSPECTABLE or row.label == UNKNOWN:
            continue
        error = parse_error(row.body, status=row.status)
        if recognise_error(error, provider=row.provider, status=row.status, request=row.request) is None:
            missed.append((row, error.shape if error is not None else "none"))
    print(f"\n== unnamed development/probe rows: {len(missed)}")
    axes = {
        "shape": lambda r, shape: shape,
        "status": lambda r, shape: str(r.status),
        "provider": lambda r, shape: str(r.provider),
        "language": lambda r, shape: _language(r.body),
        "length": lambda r, shape: _length(r.body),
        "label": lambda r, shape: r.label,
    }
    for axis, key in axes.items():
        counts = Counter(key(row, shape) for row, shape in missed)
        print(f"  by {axis}: " + ", ".join(f"{k} {n}" for k, n in counts.most_common()))


def _table(results: list[tuple[Row, Recognition | None]]) -> None:
    classes: dict[str, list[tuple[Row, Recognition | None]]] = defaultdict(list)
    for item in results:
        classes[item[0].klass].append(item)
    # precision: of the rows some cause is named for, the share whose label agrees (a wrong cause
    # is worse than none, issue #10). opaque: rows whose text names nothing beyond a generic status
    # (a count; "unnamed" is how many of the rows no cause is named for are opaque / informative:
    # the opaque ones are the text's ceiling, the informative ones are what a reading could still name).
    print(
        f"  {'class':<12} {'rows':>5} {'recognised':>11} {'agrees':>8} {'precision':>10} {'opaque':>7}"
        f" {'unnamed: opaque / informative':>30}"
    )
    for klass in [*sorted(classes), "all"]:
        items = results if klass == "all" else classes[klass]
        n = len(items)
        recognised = sum(1 for _, found in items if found is not None)
        agreeing = sum(1 for row, found in items if agrees(row, found))
        named_right = sum(1 for row, found in items if found is not None and agrees(row, found))
        precision = f"{named_right / recognised:.0%}" if recognised else "—"
        dark = sum(1 for row, _ in items if opaque(row))
        unnamed = [row for row, found in items if found is None]
        unnamed_dark = sum(1 for row in unnamed if opaque(row))
        print(
            f"  {klass:<12} {n:>5} {recognised / n:>10.0%} {agreeing / n:>8.0%} {precision:>10} {dark:>7}"
            f" {f'{unnamed_dark} / {len(unnamed) - unnamed_dark}':>30}"
        )


# ------------------------------------------------------------------------------ leave one source out
# The plain score counts a row named by a wording that was written from that very row (its sentence
# quoted from the row's thread). The held-out split has no such rows, so the plain development and
# probe scores overstate how the catalogue does on text nobody wrote a wording from. This mode scores
# each development/probe row with every wording written from its own thread taken out: the rate at
# which the *other* wordings and the structural tiers name it is the catalogue's generalisation rate.

#: A pattern that never matches: a wording taken out of the catalogue for one row.
_NEVER = re.compile(r"(?!)")
_GITHUB_THREAD = re.compile(
    r"^(?:https?://)?(?:www\.)?github\.com/([^/]+)/([^/]+)/(?:issues|pull|discussions)/(\d+)"
)


def thread_key(url: str | None) -> str | None:
    """One key per public thread: a GitHub issue, pull request or discussion by owner, repository and
    number (comments, anchors and ``/files`` dropped); any other address without its fragment, query and
    trailing slash."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    match = _GITHUB_THREAD.match(url)
    if match is not None:
        owner, repo, number = match.groups()
        return f"github.com/{owner.lower()}/{repo.lower()}/{number}"
    url = re.sub(r"^https?://(?:www\.)?", "", url.split("#", 1)[0].split("?", 1)[0]).rstrip("/")
    return url.lower() or None


def catalogue_wordings() -> list[tuple[str, Wording]]:
    """Every wording of every tier, once, with the tier it belongs to."""
    seen: set[int] = set()
    out: list[tuple[str, Wording]] = []

    def add(tier: str, wordings: Iterable[Wording]) -> None:
        for wording in wordings:
            if id(wording) not in seen:
                seen.add(id(wording))
                out.append((tier, wording))

    add("message", (w for c in CAUSES for w in c.wordings))
    add("structural", (w for _, w in STRUCTURAL))
    add("code", (w for _, w in CODES))
    add("code", (w for _, w in ERROR_INFO_REASONS))
    add("reference", (w for _, w, _ in REFERENCE_CODES))
    add("reference", (w for _, w in REFERENCE_FAMILIES))
    add("framework", (f.wording for f in FRAMEWORKS))
    add("request", (w for _, w in REQUEST_TIER.values()))
    add("refusal", (w for _, w in REFUSALS.values()))
    add("status", (w for _, w in STATUS.values()))
    return out


def _normal(text: str) -> str:
    text = text.replace('\\"', '"').replace("\\'", "'").translate(str.maketrans("‘’“”", "''\"\""))
    return " ".join(text.split()).lower()


def _row_text(row: Row) -> str:
    """The row's body and every message its parsed error chain carries, normalised, for finding a
    wording's example in it."""
    parts = [row.body]
    error = parse_error(row.body, status=row.status)
    if error is not None:
        parts.extend(e.message for e in error.chain() if e.message)
    return " | ".join(_normal(part) for part in parts)


#: An example shorter than this is a phrase many threads print ("Unsupported param: tools" is one
#: server's sentence, but a short one); it is traced by its source only.
_MIN_EXAMPLE = 24


@dataclass(frozen=True, slots=True)
class Trace:
    """The rows' threads a wording was written from, and how that was found: ``url`` (its ``source``
    is a row's thread), ``example`` (its source is not, but its example is quoted in rows of these
    threads), or ``none`` (its source is a provider's document or a thread no row comes from)."""

    threads: frozenset[str]
    how: str


def trace_wordings(wordings: list[tuple[str, Wording]], rows: list[Row]) -> dict[int, Trace]:
    """For each wording (by identity), the development/probe rows' threads it was written from."""
    threads = {key for row in rows if (key := thread_key(row.thread))}
    texts = [(thread_key(row.thread), _row_text(row)) for row in rows]
    out: dict[int, Trace] = {}
    for _, wording in wordings:
        own = thread_key(wording.source)
        if own in threads:
            out[id(wording)] = Trace(frozenset({own}), "url")
            continue
        example = _normal(wording.example or "")
        found = (
            frozenset(key for key, text in texts if key and example in text)
            if len(example) >= _MIN_EXAMPLE
            else frozenset()
        )
        out[id(wording)] = Trace(found, "example" if found else "none")
    return out


@contextmanager
def _without(wordings: list[Wording]) -> Iterator[None]:
    """The catalogue with these wordings taken out: a pattern tier never matches them (their pattern is
    swapped for one that never matches), and a tier that reads the text itself (the request and refusal
    tiers, the status) gets nothing from ``_build`` for them, as if it had no reading of that kind."""
    if not wordings:
        yield
        return
    keys = {id(w) for w in wordings}
    saved = [(w, w.pattern) for w in wordings]
    build = causes_module._build

    def guarded(cause: Any, wording: Wording, *args: Any, **kwargs: Any) -> Any:
        if id(wording) in keys or (wording.source, wording.example) in {
            (w.source, w.example) for w in wordings
        }:
            return None
        return build(cause, wording, *args, **kwargs)

    try:
        for wording in wordings:
            object.__setattr__(wording, "pattern", _NEVER)
        causes_module._build = guarded  # type: ignore[assignment]
        yield
    finally:
        causes_module._build = build  # type: ignore[assignment]
        for wording, pattern in saved:
            object.__setattr__(wording, "pattern", pattern)


def write_trace(path: Path, wordings: list[tuple[str, Wording]], traces: dict[int, Trace]) -> None:
    """Each wording's tier, provider, source and the development/probe threads it was written from (how
    they were traced; ``none`` is a wording no row accounts for), as JSON for the next rounds."""
    records = [
        {
            "tier": tier,
            "provider": wording.provider,
            "source": wording.source,
            "example": wording.example[:160],
            "how": traces[id(wording)].how,
            "threads": sorted(traces[id(wording)].threads),
        }
        for tier, wording in wordings
    ]
    path.write_text(json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8")


def leave_one_out(rows: list[Row], *, show_misses: bool = False, trace: Path | None = None) -> None:
    """Each development/probe row scored with the wordings written from its own thread taken out (never
    a held-out row: ``main`` loads none in this mode). Printed per class (development) and per probe
    round: the plain and the leave-one-out shares, the rows only their own wordings named, and which
    tiers name rows they were not written from."""
    rows = [row for row in rows if row.split in _INSPECTABLE]
    wordings = catalogue_wordings()
    traces = trace_wordings(wordings, rows)
    if trace is not None:
        write_trace(trace, wordings, traces)
    by_thread: dict[str, list[Wording]] = defaultdict(list)
    for _, wording in wordings:
        for key in traces[id(wording)].threads:
            by_thread[key].append(wording)
    hows = Counter((tier, traces[id(w)].how) for tier, w in wordings)
    print("\n== wordings by tier and how their source rows were traced (url / example / none)")
    for tier in sorted({tier for tier, _ in wordings}):
        url, example, none = (hows[(tier, how)] for how in ("url", "example", "none"))
        print(
            f"  {tier:<11} {url + example + none:>5} wordings: {url:>4} url, {example:>3} example, {none:>4} none"
        )
    untraced = sum(1 for row in rows if thread_key(row.thread) is None)
    print(f"  rows without a thread (nothing can be taken out for them): {untraced} of {len(rows)}")

    scored: list[tuple[Row, Recognition | None, Recognition | None]] = []
    for row in rows:
        plain = recognise_row(row)
        key = thread_key(row.thread)
        own = by_thread.get(key, []) if key else []
        if own and plain is not None and any(plain.wording is w for w in own):
            with _without(own):
                scored.append((row, plain, recognise_row(row)))
        else:
            scored.append((row, plain, plain))  # nothing written from this row named it
    groups: dict[str, list[tuple[Row, Recognition | None, Recognition | None]]] = defaultdict(list)
    for item in scored:
        row = item[0]
        groups[f"{row.split} {row.klass}"].append(item)
        groups[f"{row.split} all"].append(item)
    print(
        "\n== leave one source out: recognised / agrees (precision), plain -> without the row's own wordings"
    )
    print(f"  {'split class':<20} {'rows':>5} {'plain (agreeing)':>24} {'leave-one-out':>24} {'own only':>9}")
    for name in sorted(groups, key=lambda n: (n.split()[0], n.endswith(" all"), n)):
        items = groups[name]
        print(
            f"  {name:<20} {len(items):>5} {_shares(items, 1):>24} {_shares(items, 2):>24}"
            f" {sum(1 for r, p, o in items if agrees(r, p) and not agrees(r, o)):>9}"
        )
    if show_misses:
        print("\n== rows only their own wordings name rightly (development/probe)")
        for row, plain, other in scored:
            if agrees(row, plain) and not agrees(row, other):
                got = f"{other.cause_id}/{other.rule_id}" if other else "—"
                head = " ".join(row.body.split())[:200]
                print(f"  {row.id} [{row.provider}, {row.status}, {row.klass}] {row.label} -> {got}: {head}")
    tiers: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for row, plain, other in scored:
        if plain is not None and agrees(row, plain) and row.label != UNKNOWN:
            tiers[tier_of(plain)] += 1
            kept[tier_of(plain)] += agrees(row, other)
    print("\n== rows named rightly, by the tier that named them: kept without the row's own wordings")
    for tier, n in tiers.most_common():
        print(f"  {tier:<11} {kept[tier]:>4} of {n:<4} ({kept[tier] / n:.0%})")


def _shares(items: list[tuple[Row, Recognition | None, Recognition | None]], at: int) -> str:
    n = len(items)
    named = [(item[0], item[at]) for item in items if item[at] is not None]
    right = sum(1 for row, found in named if agrees(row, found))
    agreeing = sum(1 for item in items if agrees(item[0], item[at]))
    precision = f"{right / len(named):.0%}" if named else "—"
    return f"{len(named) / n:.0%} / {agreeing / n:.0%} ({precision}) {agreeing:>3}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev-only", action="store_true", help="never read the held-out rows")
    parser.add_argument("--corpus", action="append", type=Path, default=[], help="extra JSONL corpus file")
    parser.add_argument("--no-legacy", action="store_true", help="leave out tests/data/error_corpus.json")
    parser.add_argument("--show-misses", action="store_true", help="list disagreeing development/probe rows")
    parser.add_argument(
        "--probe", action="store_true", help="also measure the probe set (probe-causes.jsonl)"
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="classify the unnamed development/probe rows (needs --dev-only)",
    )
    parser.add_argument(
        "--disagreements",
        action="store_true",
        help="list every disagreeing development/probe row with the tier and wording that named it",
    )
    parser.add_argument(
        "--leave-one-out",
        action="store_true",
        help="development and probe rows only: each scored without the wordings written from its own thread",
    )
    parser.add_argument(
        "--trace", type=Path, help="with --leave-one-out: write each wording's traced source rows (JSON)"
    )
    parser.add_argument("--snapshot", type=Path, help="write per-row development/probe results (JSON)")
    parser.add_argument("--diff", type=Path, help="compare per-row results with a --snapshot file")
    args = parser.parse_args()
    if args.leave_one_out:
        args.dev_only = args.probe = True  # never a held-out row in this mode
    paths = sorted(ROOT.glob(CORPUS_GLOB)) + list(args.corpus)
    rows = list(load_rows(paths, dev_only=args.dev_only))
    if not args.no_legacy:
        rows.extend(load_legacy())
    if args.probe:
        rows.extend(load_probe())
    print(f"corpus files: {', '.join(str(p) for p in paths) or '(none)'}; legacy: {not args.no_legacy}")
    if args.leave_one_out:
        leave_one_out(rows, show_misses=args.show_misses, trace=args.trace)
        return
    report(rows, show_misses=args.show_misses)
    if args.breakdown and args.dev_only:
        breakdown(rows)
    if args.disagreements:
        disagreements(rows)
    if args.snapshot or args.diff:
        now = results(rows)
        if args.snapshot:
            args.snapshot.write_text(json.dumps(now, indent=1, sort_keys=True), encoding="utf-8")
        if args.diff:
            diff(json.loads(args.diff.read_text(encoding="utf-8")), now)


if __name__ == "__main__":
    main()
