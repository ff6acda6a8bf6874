"""The writer's rows, whole, on real Captures (issue #12: its CPU per row was cut, its rows must not
change).

The Captures come from the addon's own hooks (scripts/bench_writer.py: bench_proxy's flagged
request answered with OpenAI's real 400, each body different, ids and times fixed) and take the
writer process's path into a real SQLite file: framed as the proxy frames them, read back, built
and written by the writer's Store. Each set is stored twice: as the writer does now, and with the
redaction's base64 pass forced on every text (redact._BASE64_KEY_CORES, the shortcut that skips it);
every table must be equal row for row, and the rows must be what they are about (a split or a
whole request, the key redacted, the upstream's error and root cause stored).
"""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from toolguard_core import redact

ROOT = Path(__file__).resolve().parent.parent


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_writer", ROOT / "scripts" / "bench_writer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()
HIDDEN = base64.b64encode(b"key=sk-proj-" + b"Q7x" * 8).decode()


def store(tmp_path: Path, name: str, wire: list[bytes]) -> dict[str, list[dict[str, Any]]]:
    path = tmp_path / f"{name}.db"
    bench.run_once(wire, 7, path)
    return bench.stored_rows(path)


@pytest.mark.parametrize("compact", [False, True], ids=["python-separators", "compact"])
def test_rows_are_the_same_with_the_base64_pass_forced(
    tmp_path: Path, compact: bool, monkeypatch: Any
) -> None:
    captures = bench.captures(30, identical=False, compact=compact)
    for capture in captures[::5]:  # a key hidden in base64 in the tool's output: the pass must find it
        body, encoding, max_body = capture.raw_request
        data = json.loads(body)
        data["messages"][1]["content"] += " token " + HIDDEN
        text = json.dumps(data, separators=(",", ":") if compact else None).encode()
        capture.raw_request = (text, encoding, max_body)
    wire = bench.frames(captures)
    now = store(tmp_path, "now", wire)
    monkeypatch.setattr(redact, "_BASE64_KEY_CORES", ("",))
    forced = store(tmp_path, "forced", wire)
    assert now == forced

    flows = now["flows"]
    assert len(flows) == 30 and len(now["findings"]) == 30
    first = flows[0]
    assert first["id"] == "00000000-0000-4000-8000-000000000000"
    assert first["datetime_utc"] == "2026-09-21T14:13:20.000Z"
    assert json.loads(first["request_headers_json"])["authorization"] == redact.REDACTED
    assert "sk-bench" not in json.dumps(now)
    assert HIDDEN not in json.dumps(now)
    hidden = [f for f in flows if redact.REDACTED in f["request_json"]]
    assert [f["id"] for f in hidden] == [f["id"] for f in flows[::5]]
    assert {f["error_type"] for f in flows} == {"invalid_request_error"}
    assert {f["cause_id"] for f in flows} == {"cause.orphan-tool-result"}
    assert {f["verdict"] for f in flows} == {"predicted"}
    assert len({f["request_json"] for f in flows}) == 30  # every body its own
    # A compact body is split into contents (the view gives it back whole); Python's is kept whole.
    split = [r for r in now["flow_rows"] if r["request_parts_json"] is not None]
    assert len(split) == (30 if compact else 0)
    assert bool(now["contents"]) == compact
    for view_row, raw in zip(flows, now["flow_rows"], strict=True):
        body = json.loads(view_row["request_json"])
        assert body["messages"][1]["role"] == "tool"
        if raw["request_parts_json"] is None:
            assert raw["request_json"] == view_row["request_json"]


def test_a_batch_stores_what_one_row_at_a_time_stores(tmp_path: Path) -> None:
    # write_rows sends a batch's statements at once (issue #12), or row by row when two of its rows
    # share an id (a flow written again replaces its row and findings). The dev corpus's failures
    # (other providers, text and JSON error bodies, learned constraints), some flows sent twice in a
    # row so a batch holds both: every table as when each row is its own batch.
    captures = bench.captures_of(bench.corpus_exchanges(60))
    wire = bench.frames(captures)
    wire = [frame for i, frame in enumerate(wire) for _ in range(2 if i % 4 == 0 else 1)]
    batched = tmp_path / "batched.db"
    bench.run_once(wire, 7, batched)
    one_by_one = tmp_path / "one.db"
    bench.run_once(wire, 1, one_by_one)
    rows = bench.stored_rows(batched)
    assert rows == bench.stored_rows(one_by_one)
    assert len(rows["flow_rows"]) == 60 and len({row["provider"] for row in rows["flow_rows"]}) > 3
    assert any(row["error_finding_count"] for row in rows["flow_rows"]) and rows["findings"]


def test_an_empty_batch_writes_nothing_and_raises_nothing(tmp_path: Path) -> None:
    from toolguard_core.store import open_db, write_rows

    db = open_db(tmp_path / "empty.db")
    write_rows(db, [], demote_after=3, on_learned=lambda db: None)
    assert db.execute("SELECT count(*) FROM flow_rows").fetchone() == (0,)
