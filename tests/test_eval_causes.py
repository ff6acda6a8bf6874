"""scripts/eval_causes.py: the development/held-out discipline and the agreement rule."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "eval_causes.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_causes", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through the module
    spec.loader.exec_module(module)
    return module


def test_dev_only_never_decodes_a_held_out_row(tmp_path: Path) -> None:
    eval_causes = _script()
    dev = {
        "id": "d1",
        "split": "dev",
        "class": "model",
        "provider": "anthropic",
        "root_cause": "cause.context-length-exceeded",
        "status": 400,
        # https://github.com/anthropics/claude-code/issues/12186
        "body": '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208310 tokens > 200000 maximum"}}',
    }
    # Not even valid JSON: decoding it would raise, so the test fails if the row is read.
    held_out = '{"id": "h1", "split": "heldout", "body": '
    corpus = tmp_path / "failures-x.jsonl"
    corpus.write_text(json.dumps(dev) + "\n" + held_out + "\n", encoding="utf-8")

    rows = list(eval_causes.load_rows([corpus], dev_only=True))

    assert [(row.id, row.split, row.label) for row in rows] == [
        ("d1", "dev", "cause.context-length-exceeded")
    ]
    found = eval_causes.recognise_row(rows[0])
    assert found is not None and eval_causes.agrees(rows[0], found)


def test_unknown_label_agrees_only_when_nothing_is_recognised() -> None:
    eval_causes = _script()
    row = eval_causes.Row(
        id="u", split="dev", klass="other", provider="gemini", label="cause.unknown",
        body="Request contains an invalid argument.", status=400,
    )  # fmt: skip
    assert eval_causes.recognise_row(row) is None and eval_causes.agrees(row, None)


def test_legacy_labels_translate_to_catalogued_ids() -> None:
    eval_causes = _script()
    from toolguard_core.causes import CAUSES_BY_ID

    labels = json.loads(eval_causes.LEGACY_LABELS.read_text())["labels"]
    assert set(labels.values()) <= set(CAUSES_BY_ID)
    assert all(row.label in CAUSES_BY_ID or "." in row.label for row in eval_causes.load_legacy())


def test_probe_set_is_fresh_sourced_and_recognised_at_the_documented_rate() -> None:
    """The probe set stands in for unseen text (docs/errors.md "Generalisation"): 60+ real texts, each
    with its thread, none of them a corpus row (that would leak into the splits), and the catalogue
    recognises the cause it names for at least 85% of them (90% when this test was written)."""
    import re as _re

    from support.corpus import load_failures

    eval_causes = _script()
    rows = list(eval_causes.load_probe())
    raw = [
        json.loads(line)
        for line in eval_causes.PROBE.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(rows) >= 60
    assert all(r["source"].startswith("https://") and r["split"] == "probe" for r in raw)

    def norm(text: str) -> str:
        return _re.sub(r"[\s'\"`\\]+", " ", text.lower()).strip()

    corpus = [
        norm(r["body"] if isinstance(r["body"], str) else json.dumps(r["body"])) for r in load_failures()
    ]
    overlapping = [r["id"] for r in raw if any(norm(r["body"])[:120] in body for body in corpus)]
    assert overlapping == []  # probe ids only: which corpus rows they overlap is never printed

    agreeing = sum(1 for row in rows if eval_causes.agrees(row, eval_causes.recognise_row(row)))
    assert agreeing / len(rows) >= 0.85


def test_probe_rounds_from_six_on_come_from_threads_nothing_was_written_from() -> None:
    """A probe text stands for unseen text only if its thread is unseen too: from round 6 on, no
    recogniser (sentence, family, code) cites the thread and no development corpus row comes from it.
    (Rounds 1-5 were checked by text only; a few of their threads are cited, see docs/errors.md.)"""
    import re as _re

    from toolguard_core.causes import CAUSES, CODES, FRAMEWORKS, REFERENCE, STRUCTURAL

    eval_causes = _script()
    raw = [
        json.loads(line)
        for line in eval_causes.PROBE.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    fresh = [r for r in raw if (r.get("round") or 0) >= 6]
    assert len(fresh) >= 39

    def key(url: str) -> str:
        return url.strip().lower().split("#", 1)[0].rstrip("/")

    wordings = [w for c in CAUSES for w in c.wordings] + [w for _, w in STRUCTURAL] + [w for _, w in CODES]
    wordings += [f.wording for f in FRAMEWORKS]
    cited = {key(w.source) for w in wordings} | {key(row.source) for row in REFERENCE}
    dev_threads: set[str] = set()
    for path in sorted(eval_causes.ROOT.glob(eval_causes.CORPUS_GLOB)):
        for line in path.read_text(encoding="utf-8").splitlines():
            if _re.search(r'"split"\s*:\s*"dev"', line):  # held-out rows are never decoded
                row = json.loads(line)
                dev_threads.add(key(row.get("thread") or row["source"]))
    assert [r["id"] for r in fresh if key(r["source"]) in cited | dev_threads] == []
