"""The checks that keep a rule probe set honest, shared by every ``tests/test_probe_*`` file.

A probe file (``tests/data/corpus/probe-*.jsonl``) measures the rules on failures no rule was written
from, so each set must be whole rows in the corpus shape, one public thread a row, and unseen: no
thread (and, from issue 9 round 3 on, no error text) that the failure corpus or an earlier probe
already holds. Only probe ids are ever reported: printing corpus threads would show held-out ones.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from support.corpus import APIS, BODY_KINDS, FAILURE_FIELDS, FIDELITIES, load_failures, read_jsonl, thread_key

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import eval_rules

Row = dict[str, Any]


def body_text(body: Any) -> str:
    """An error body as one comparable text: a JSON body with its keys sorted, so key order hides no repeat."""
    return body if isinstance(body, str) else json.dumps(body, sort_keys=True, ensure_ascii=False)


def row_thread(row: Row) -> str:
    """A row's thread key; the cause probe's rows name theirs as ``source`` alone."""
    return thread_key(row.get("thread") or row.get("source") or "")


def assert_corpus_shape(
    rows: list[Row], *, least: int, classes: set[str], request_optional: bool = False
) -> None:
    """At least ``least`` whole rows in the failure corpus's shape, each of one of ``classes``.

    A provider probe may quote a rejection without the request that drew it (``request_optional``):
    then it must not claim a fidelity for a request it lacks."""
    assert len(rows) >= least
    for row in rows:
        assert tuple(row) == FAILURE_FIELDS, row["id"]
        assert row["split"] == "probe" and row["api"] in APIS and row["body_kind"] in BODY_KINDS, row["id"]
        assert row["thread"].startswith("https://") and row["source"] == row["thread"], row["id"]
        assert row["class"] in classes and row["root_cause"] and row["body"], row["id"]
        if request_optional and row["request"] is None:
            assert row["request_fidelity"] is None, row["id"]
        else:
            assert row["request"] is not None and row["request_fidelity"] in FIDELITIES, row["id"]


def assert_unseen(rows: list[Row], earlier: Iterable[Row], *, texts: bool = True) -> None:
    """One thread a row, none the failure corpus or ``earlier`` rows hold; with ``texts``, no error text
    either (a text quoted before is a failure the rules may already be fitted to)."""
    seen = [*load_failures(), *earlier]
    threads = [row_thread(r) for r in rows]
    assert len(set(threads)) == len(threads)
    seen_threads = {row_thread(r) for r in seen}
    assert [r["id"] for r in rows if row_thread(r) in seen_threads] == []
    if texts:
        seen_texts = {body_text(r.get("body")) for r in seen}
        assert [r["id"] for r in rows if body_text(r["body"]) in seen_texts] == []


def rows_of(paths: Iterable[Path]) -> list[Row]:
    return [row for path in paths for row in read_jsonl(path)]


def assert_scored_as_its_own_part(probe: Path, classes: tuple[str, ...]) -> None:
    """``eval_rules.py --probe-file`` scores the file as the ``probe`` split alone, every row of each class
    counted, some evaluable and no more hits than evaluable rows."""
    rows = read_jsonl(probe)
    result = eval_rules.score([], probe)
    assert list(result["splits"]) == ["probe"]
    for cls in classes:
        part = result["splits"]["probe"]["classes"][cls]
        assert part["entries"] == sum(r["class"] == cls for r in rows)
        assert 0 < part["evaluable"] <= part["entries"]
        assert 0 <= part["hits"] <= part["evaluable"]


def assert_no_rule_or_source_cites(rows: list[Row]) -> None:
    """No rule's predicted text, no catalog data source and no hand-written host fact (the hosts
    block's ``fact.from``) cites a probe row's thread: the probe stays unseen by what it measures."""
    from toolguard_core.catalog import bedrock_meta, ollama_library_meta
    from toolguard_core.rules import RULES

    probe = {thread_key(r["thread"]) for r in rows}
    cited = {
        thread_key(p.source) for rule in RULES.values() for p in rule.predicts if p.source.startswith("http")
    }
    data = {thread_key(s["url"]) for meta in (bedrock_meta(), ollama_library_meta()) for s in meta["sources"]}
    catalog = Path(__file__).resolve().parents[2] / "addon" / "toolguard_core" / "data" / "model_catalog.json"
    hosts = json.loads(catalog.read_text())["hosts"]
    data |= {
        thread_key(url)
        for models in hosts.values()
        for entry in models.values()
        for url in entry.get("fact", {}).get("from", ())
    }
    assert sorted(probe & (cited | data)) == []
