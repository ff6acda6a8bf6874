#!/usr/bin/env python
"""How often the error text alone names the root cause: ``toolguard_core.causes`` on the labelled corpus.

    .venv/bin/python scripts/eval_causes.py --dev-only            # while developing
    .venv/bin/python scripts/eval_causes.py                       # once, at the end: dev and heldout
    .venv/bin/python scripts/eval_causes.py --corpus other.jsonl  # extra corpus files (repeatable)
    .venv/bin/python scripts/eval_causes.py --dev-only --probe    # plus the fresh probe set
    .venv/bin/python scripts/eval_causes.py --dev-only --probe --breakdown  # what kind goes unnamed

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
when nothing is recognised), and the confusion of disagreeing rows (label -> what was recognised).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolguard_core.causes import Recognition, recognise_error
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
            klass="probe",
            provider=data.get("provider"),
            label=str(data.get("root_cause") or ""),
            body=data["body"] if isinstance(data.get("body"), str) else json.dumps(data.get("body")),
            status=data.get("status") if isinstance(data.get("status"), int) else None,
            request=data["request"] if isinstance(data.get("request"), dict) else None,
        )


def recognise_row(row: Row) -> Recognition | None:
    error = parse_error(row.body, status=row.status)
    return recognise_error(error, provider=row.provider, status=row.status, request=row.request)


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
    print(f"  {'class':<12} {'rows':>5} {'recognised':>11} {'agrees':>8}")
    for klass in [*sorted(classes), "all"]:
        items = results if klass == "all" else classes[klass]
        n = len(items)
        recognised = sum(1 for _, found in items if found is not None)
        agreeing = sum(1 for row, found in items if agrees(row, found))
        print(f"  {klass:<12} {n:>5} {recognised / n:>10.0%} {agreeing / n:>8.0%}")


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
    args = parser.parse_args()
    paths = sorted(ROOT.glob(CORPUS_GLOB)) + list(args.corpus)
    rows = list(load_rows(paths, dev_only=args.dev_only))
    if not args.no_legacy:
        rows.extend(load_legacy())
    if args.probe:
        rows.extend(load_probe())
    print(f"corpus files: {', '.join(str(p) for p in paths) or '(none)'}; legacy: {not args.no_legacy}")
    report(rows, show_misses=args.show_misses)
    if args.breakdown and args.dev_only:
        breakdown(rows)


if __name__ == "__main__":
    main()
