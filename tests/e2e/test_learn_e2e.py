"""Acceptance of issue #10 through a real mitmdump, a loopback upstream answering real provider
bodies and real SQLite files:

* the corpus's real error bodies replayed through one proxy: the summary names a root cause
  (predicted or recognised) for at least 85% of the rejections, and no group mixes two labels;
* a parameter no built-in rule knows: recognised, then learned (``learned.param`` before the answer,
  ``predicted``), then exported and imported into a fresh database behind a second proxy;
* an upstream that keeps accepting what a built-in rule flags demotes the rule there;
* OpenAI's one sentence for an orphan tool message and a duplicate tool answer: two groups.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from click.testing import CliRunner
from support.corpus import LEGACY, load_failures
from support.dblock import database_locked
from support.proxy import Mitmdump
from support.proxy_stats import stats as final_stats
from support.seeds import DUPLICATE, LONE_TOOL, ORPHAN_TEXT, SeedCase
from support.upstream import GROK, XAI_PRESENCE_PENALTY, RecordedRequest, Reply, Upstream, completion

from toolguard_analysis.cli import cli
from toolguard_analysis.summary import build_summary
from toolguard_core.causes import CAUSES_BY_ID
from toolguard_core.learned_store import EXPORT_FORMAT, EXPORT_VERSION, import_learned
from toolguard_core.rules.registry import DEMOTED_NOTE
from toolguard_core.store import open_db

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
LEGACY_LABELS = json.loads((ROOT / "tests" / "data" / "legacy_cause_labels.json").read_text())["labels"]
CORPUS_HEADER = "x-corpus-row"
API_PATHS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}
MIN_EXPLAINED = 0.85
WAIT = 10.0


# ------------------------------------------------------------------------------------------- helpers


def _wait_for(probe: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _rows(db_path: Path, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:

    if not db_path.exists():
        return []
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    except sqlite3.OperationalError:  # the proxy's writer has not created the tables yet
        return []
    finally:
        conn.close()


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


# ------------------------------------------------------------------------------------ corpus replay


def _label(row: dict[str, Any]) -> str:
    label = str(row["root_cause"])
    return LEGACY_LABELS.get(label, label) if row["id"].startswith("legacy-") else label


def _replay_rows(split: str) -> list[dict[str, Any]]:
    rows = [r for r in load_failures(legacy=LEGACY) if r["split"] == split]
    return [r for r in rows if r["body"] not in (None, "")]


def _request_for(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The path and body sent for a corpus row: its recorded request when it has one, else a minimal
    valid request for its API and model (the rejection then has only its text to be explained by)."""
    api = row["api"] if row["api"] in API_PATHS else "chat"
    request = row.get("request")
    if isinstance(request, dict):
        return API_PATHS[api], request
    model = row.get("model") or "some-model"
    if api == "responses":
        return API_PATHS[api], {"model": model, "input": "hi"}
    if api == "messages":
        return API_PATHS[api], {
            "model": model,
            "max_tokens": 16,
            "messages": [{"role": "user", "content": "hi"}],
        }
    return API_PATHS[api], {"model": model, "messages": [{"role": "user", "content": "hi"}]}


def _corpus_handler(rows: list[dict[str, Any]]) -> Callable[[RecordedRequest], Reply]:
    def handle(request: RecordedRequest) -> Reply:
        row = rows[int(request.header(CORPUS_HEADER) or 0)]
        body = row["body"]
        raw = body if isinstance(body, str) else json.dumps(body)
        status = row["status"] if isinstance(row["status"], int) and row["status"] >= 400 else 400
        content_type = "application/json" if row["body_kind"] == "json" else "text/plain; charset=utf-8"
        return Reply(status, raw.encode(), {"content-type": content_type})

    return handle


def _replay(split: str, mitmdump_factory: Callable[..., Mitmdump], tmp_path: Path) -> dict[str, Any]:
    rows = _replay_rows(split)
    assert len(rows) >= 50, f"too few {split} rows to measure: {len(rows)}"
    with Upstream(_corpus_handler(rows), max_requests=len(rows) + 5) as upstream:
        proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", db_path=tmp_path / f"{split}.db")
        with httpx.Client(base_url=proxy.url, timeout=15.0) as client:
            for index, row in enumerate(rows):
                path, body = _request_for(row)
                response = client.post(path, json=body, headers={CORPUS_HEADER: str(index)})
                assert response.status_code >= 400, (row["id"], response.status_code)
        proxy.stop()
    flows = _rows(proxy.db_path, "select id, request_headers_json from flows")
    row_of = {f["id"]: rows[int(json.loads(f["request_headers_json"])[CORPUS_HEADER])] for f in flows}
    assert len(row_of) == len(rows)
    summary = build_summary([proxy.db_path])
    return {"rows": rows, "row_of": row_of, "summary": summary}


def _claimed(cause_id: str | None) -> set[str]:
    """The labels a recognised cause stands for: its id, the rules that predict it and the rules the
    catalogue says share its wording (OpenAI's one sentence for an unanswered and a non-adjacent tool
    answer: without the request, the text alone cannot tell those rules apart)."""
    cause = CAUSES_BY_ID.get(cause_id or "")
    if cause is None:
        return set()
    rules = {cause.rule_id, *(w.rule_id for w in cause.wordings)}
    rules |= {rule for w in cause.wordings for rule in w.shared_by}
    return {cause.id} | {rule for rule in rules if rule}


def _measure(result: dict[str, Any]) -> tuple[float, list[tuple[str, set[str]]]]:
    summary, row_of = result["summary"], result["row_of"]
    totals = summary["totals"]
    explained = (totals["predicted"] + totals["recognised"]) / totals["rejected"]
    mixed = []
    for group in summary["groups"]:
        if group["explanation"] == "unexplained":
            continue  # no root-cause label is claimed for these
        claimed = _claimed(group["cause"]) | {group["pattern"]}
        # Each member's corpus label, at the level the group names: a label the group's cause stands
        # for counts as that cause; any other label stays itself. Two distinct results: mixed.
        labels = {_label(row_of[flow_id]) for flow_id in group["flow_ids"]}
        levels = {group["cause"] if label in claimed else label for label in labels}
        if len(levels) > 1:
            mixed.append((group["cause"] or group["pattern"], labels))
    return explained, mixed


@pytest.mark.parametrize(
    "split",
    [
        "dev",
        # Held-out, never tuned on: 63.3% of 150 rejections predicted or recognised with the catalogue
        # of causes@5016bf3 (causes.recognise_error alone: 60.7%), 69.3% with causes@bded4aa (the
        # final catalogue merged through main); dev: 94.4% of 449. 75.3% (0 groups mixing labels) with
        # the structural recognisers of causes@branch causes (dev 94.7%; docs/errors.md
        # "Generalisation"). 77.3% (0 mixing) after round 2 of causes (branch causes2: unwrapped
        # shapes, causes.CODES, more families, the status tier; dev 94.9%). The gap is the catalogue's
        # generalisation, not the replay. Round 3 (branch causes3: probe round 6's families, Cloudflare's
        # 52x, cause.region-unavailable; a similarity tier cross-validated and not shipped) measured
        # 77.3% again (0 mixing; read at its start and end only). Round 4 (branch causes4: probe
        # round 7's families: numeric bounds, "<model> is not supported", role order, 405, concurrency;
        # round 7 went 63% -> 87% agreeing) measured 77.3% at its start and its end (0 mixing). Not
        # strict: it passes (XPASS) once the catalogue reaches 85%; then remove the mark so it guards
        # the number. Round 5 (branch causes5: probe round 8's families, API version, n > 1,
        # user/assistant-only roles, a foreign API's body, gateways with no provider answer; round 8
        # went 74% -> 88% agreeing; dev replay 95.1%) measured 77.3% at its start and its end (0
        # mixing): still below 85%, so the mark stays. Round 6 (branch causes6: the request-aware
        # tier, causes.REQUEST_TIER, reading what the error text quotes from the request; probe round
        # 9 went 45% -> 50% agreeing; dev replay 95.1%) measured 77.3% at its start and its end (0
        # mixing): still below 85%, so the mark stays. The precision pass (branch precision6: fewer
        # wrong causes named, round 9 went 50% -> 61% agreeing) measured 77.3% at its end. Round 7
        # (branch causes7: probe round 10 weighted to request-structure rejections, 82% -> 94%
        # agreeing; stringified provider bodies unwrapped, cause.messages-missing, ranked-last
        # families, the status the body printed; dev replay 95.1%) measured 77.3% at its start and
        # its end (0 mixing): still below 85%, so the mark stays. Precision
        # pass 2 (branch precision7: causes a user can trust, by mechanism) measured 77.3% at its end
        # (0 mixing): it changes which cause is named, not whether one is. Round 8 (branch causes8:
        # a tier from the providers' own error references, causes.REFERENCE; probe round 11 went
        # 80% -> 83% agreeing, one row gained through reference data alone; dev replay 95.1%)
        # measured 77.3% at its end (0 mixing): the held-out misses are not in the providers'
        # published references either, so the mark stays. Round 9 (branch causes9: probe round 12,
        # servers', gateways' and Chinese providers' own words, 67% -> 83% agreeing with families
        # written from other threads; dev replay 95.1%) left the held-out text reading at 77% / 75%
        # at its start and its end; its held-out replay is the lead's at merge. Round 10 (branch
        # causes10: probe round 13, terse refusals and client-printed errors, 80% -> 95% agreeing;
        # Node-inspected bodies unwrapped, Volcengine's named path with its value, a refused system
        # role value, Go decoder struct paths, new-api's quota code; dev replay 95.1%) measured 78.7%
        # at its end (118 of 150, 0 mixing): the first move in ten rounds, still below 85%. Round 11
        # (branch causes11: probe round 14, terse refusals and client printouts, 68% -> 81% agreeing;
        # LM Studio's unrouted path, the Codex backend's system messages, SGLang without a tool
        # parser, quote tolerance, a required field at a tool's path, the AI SDK's APICallError printed
        # as JSON unwrapped, a client's retry delay no longer a rate limit; dev replay 95.1%) measured
        # 79.3% at its end (119 of 150, 0 mixing): still below 85%, so the mark stays. Round 12
        # (branch causes12: probe round 15, Chinese provider texts and gateway-relayed errors, 76% -> 83%
        # agreeing; Zhipu's 1214 on the conversation itself names nothing, one-api's "Invalid URL(",
        # Model Studio's allocation code and its compatible mode's generic refusal code; dev replay
        # 95.1%) measured 79.3% at its end (119 of 150, 0 mixing): unchanged, so the mark stays.
        # Round 13 (branch causes13: probe round 16, terse hosted-provider refusals, 48% -> 70%
        # agreeing; a sentence held in `param` read as one, Google's ErrorInfo reasons, Vertex's empty
        # turn, Anthropic's empty messages, tools with a JSON mime type in any words; dev replay 95.1%)
        # measured 79.3% at its end (119 of 150, 0 mixing): unchanged, so the mark stays. Round 14
        # (branch causes14: probe round 17, validation-framework formats, 20% -> 64% agreeing; a tier
        # reading pydantic, python-jsonschema, serde, Go encoding/json, protobuf JSON, CPython's
        # TypeError and zod's issue code as a fault kind and a field path; dev replay 95.1%) measured
        # 79.3% at its end (119 of 150, 0 mixing): unchanged, so the mark stays. Round 15 (branch
        # causes15: probe round 18, provider-class refusals, 58% -> 89% agreeing on its first batch (tuned),
        # 38% -> 85% on its second; causes.REFUSALS reads an entity of the declared request schemas, a
        # refusal word and a subject instead of one provider's sentence; dev replay 95.1%) measured 79.3% at
        # its end (119 of 150, 0 mixing): unchanged, so the mark stays. Round 16 (branch causes16: the
        # leave-one-source-out score, eval_causes.py --leave-one-out, development 77% agreeing without the
        # wordings written from each row's own thread, near the held-out 77%; validator faults at a path, a
        # model refused for an API, the conversation's key required, values refused with their alternatives,
        # keys spelt out in words; leave-one-out 344 -> 352 of 449, probe round 19 44% -> 72% agreeing;
        # dev replay 95.1%) measured 79.3% at its end (119 of 150, 0 mixing): unchanged, so the mark stays.
        # Round 17 (branch causes17: causes round 20, readings by mechanism rather than one provider's
        # sentence, each sourced outside the probe; label conventions in causes.LABEL_CONVENTIONS;
        # leave-one-out 353 -> 360 of 449, probe round 20 12 -> 19 of 26 agreeing; dev replay 95.1%)
        # measured 79.3% at its end (119 of 150, 0 mixing): unchanged, so the mark stays.
        # Round 18 (branch causes18: causes round 21, readings by mechanism for the texts the leave-one-out
        # score leaves unnamed, each sourced from a development thread or a thread in no corpus file; a
        # client's printed error read through its `details`; leave-one-out 360 -> 363 of 449, probe round
        # 21 13 -> 17 of 25 agreeing; dev replay 95.1%) measured 79.3% at its end (119 of 150, 0 mixing):
        # unchanged, so the mark stays.
        # Round 20 (branch causes20: causes round 23, the ceiling of the text: an opaque answer,
        # toolguard_core.opaque, names nothing beyond its status; readings by mechanism for a model past its
        # end of life, a template engine's own error format, the developer role refused; probe round 23
        # 11 -> 14 of 20 agreeing; dev replay 95.1%, its 22 unexplained 7 opaque and 15 informative) measured
        # 79.3% at its end (119 of 150, 0 mixing; its 31 unexplained: 5 opaque, 26 informative): the text is
        # not what stops it, the readings are, so the mark stays.
        # Round 21 (branch causes21: causes round 24, readings by mechanism from a table of the unnamed
        # informative rows: the system role by position or count, a message path said empty, a count bound on
        # stop, an enum with the value echoed; probe rounds 1-23 714 -> 723 of 809 agreeing, leave-one-out 693
        # -> 702, development unchanged) measured 79.3% at its end (119 of 150): unchanged, so the mark stays.
        # Round 22 (branch causes22: causes round 25, probe round 25 8 -> 12 of 21 agreeing, probe leave-one-out
        # 716 -> 719, development unchanged; the generalisation curve in docs/errors.md: untouched agreement
        # falling as the probes reach the tail, the replay flat at 79.3% for twelve rounds) measured 79.3% at its
        # end (119 of 150, 0 mixing; its 31 unexplained: 5 opaque, 26 informative): unchanged, so the mark stays.
        pytest.param(
            "heldout",
            marks=pytest.mark.xfail(
                reason="held-out below the 85% target (79.3%), see issue #10", strict=False
            ),
        ),
    ],
)
def test_corpus_replay_names_a_root_cause(
    split: str, mitmdump_factory: Callable[..., Mitmdump], tmp_path: Path
) -> None:
    result = _replay(split, mitmdump_factory, tmp_path)
    explained, mixed = _measure(result)
    summary = result["summary"]
    # The ceiling of reading the text (issue #10): of the rejections nothing explains, how many answers
    # name nothing beyond their status (toolguard_core.opaque) and how many name something a reading
    # could still use. An aggregate: never which rows.
    opaque = sum(group["count"] for group in summary["unexplained"] if group["opaque"])
    unexplained = summary["totals"]["unexplained"]
    print(
        f"\n{split}: {summary['totals']['rejected']} rejections, {explained:.1%} predicted or recognised "
        f"({summary['totals']['predicted']} predicted, {summary['totals']['recognised']} recognised), "
        f"{len(summary['groups'])} groups, {len(mixed)} mixing labels: {mixed}; unexplained {unexplained}: "
        f"{opaque} opaque, {unexplained - opaque} informative"
    )
    assert summary["totals"]["rejected"] == len(result["rows"])
    assert explained >= MIN_EXPLAINED
    assert mixed == []


# ---------------------------------------------------------------------------------- learned constraint


def _grok_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(
            model=GROK, messages=[{"role": "user", "content": "hi"}], presence_penalty=0.5
        )
    assert "presencePenalty" in raised.value.response.text


def test_a_rejected_parameter_is_learned_exported_and_imported(
    upstream: Upstream,
    mitmdump_factory: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    upstream.handler = lambda request: Reply.json(400, XAI_PRESENCE_PENALTY)
    first_db, second_db = tmp_path / "first.db", tmp_path / "second.db"
    proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", db_path=first_db, stats_probe=True)
    client = openai_client(proxy)

    _grok_request(client)
    learned = _wait_for(lambda: _rows(first_db, "select * from learned"), "the learned constraint")
    first = _rows(first_db, "select id, verdict, cause_id from flows")
    assert [(f["verdict"], f["cause_id"]) for f in first] == [
        ("recognised", "cause.sampling-on-reasoning-model")
    ]
    assert [
        {
            k: row[k]
            for k in ("host", "model", "kind", "name", "value", "rule", "first_flow", "count", "source")
        }
        for row in learned
    ] == [
        {
            "host": f"127.0.0.1:{upstream.port}",  # its port is part of the upstream (learned_host)
            "model": GROK,
            "kind": "param",
            "name": "presence_penalty",
            "value": "",
            "rule": "learned.param",
            "first_flow": first[0]["id"],
            "count": 1,
            "source": "observed",
        }
    ]
    assert learned[0]["error_text"] == XAI_PRESENCE_PENALTY["error"]

    # The row is committed before the writer process's snapshot reaches the proxy: wait for the
    # proxy's own knowledge, so the proxy judges the resend (the writer's late finding for a resend
    # that beat the snapshot is test_a_request_resent_50_ms_after_its_rejection_gets_what_that_rejection_taught's).
    proxy.wait_for_stats(lambda s: s.get("learned_constraints") == 1, "the constraint in the proxy")
    _grok_request(client)  # the same request again: predicted by what was learned
    proxy.stop()
    second = _rows(first_db, "select id, verdict, cause_id from flows where id != ?", (first[0]["id"],))
    assert [(f["verdict"], f["cause_id"]) for f in second] == [
        ("predicted", "cause.sampling-on-reasoning-model")
    ]
    findings = _rows(
        first_db,
        "select rule, severity, location, message from findings where flow_id = ?",
        (second[0]["id"],),
    )
    assert [(f["rule"], f["severity"], f["location"]) for f in findings] == [
        ("learned.param", "error", "presence_penalty")
    ]
    assert first[0]["id"] in findings[0]["message"] and "presencePenalty" in findings[0]["message"]
    assert _rows(first_db, "select count from learned") == [{"count": 2}]

    export = tmp_path / "team-learned.json"
    _cli("learned", "export", str(export), "--db", str(first_db))
    assert "imported 1 constraint(s), 0 calibration(s)" in _cli(
        "learned", "import", str(export), "--db", str(second_db)
    )
    before = _rows(second_db, "select * from learned")
    _cli("learned", "import", str(export), "--db", str(second_db))  # idempotent
    assert _rows(second_db, "select * from learned") == before
    assert [(r["name"], r["source"], r["first_flow"]) for r in before] == [
        ("presence_penalty", "imported", first[0]["id"])
    ]

    second_proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", db_path=second_db)
    _grok_request(openai_client(second_proxy))
    second_proxy.stop()
    [third] = _rows(second_db, "select id, verdict from flows")
    assert third["verdict"] == "predicted"
    assert [
        (f["rule"], f["severity"], f["location"])
        for f in _rows(second_db, "select * from findings where flow_id = ?", (third["id"],))
    ] == [("learned.param", "error", "presence_penalty")]

    # The finding exists before the answer: in block mode the imported constraint stops the request
    # at the proxy, and the upstream never sees it.
    seen = len(upstream.requests)
    blocking = mitmdump_factory(
        mode=f"reverse:{upstream.url}", db_path=second_db, options={"toolguard_mode": "block"}
    )
    with pytest.raises(openai.BadRequestError) as raised:
        openai_client(blocking).chat.completions.create(
            model=GROK, messages=[{"role": "user", "content": "hi"}], presence_penalty=0.5
        )
    blocking.stop()
    assert len(upstream.requests) == seen
    assert "learned.param" in raised.value.response.text
    assert [r["verdict"] for r in _rows(second_db, "select verdict from flows order by datetime_utc")] == [
        "predicted",
        "blocked",
    ]


def test_a_request_resent_50_ms_after_its_rejection_gets_what_that_rejection_taught(
    upstream: Upstream,
    mitmdump_factory: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """An agent in a tight resend loop (session 20, leftovers21): the second request came ~50 ms after
    the first one's answer, before the writer process's new snapshot reached the proxy, so it was
    judged `unexplained` and only the third got `learned.param`. The writer now applies what it
    learned from an earlier flow's answer to a later flow it has not written yet (the proxy's
    snapshot is still on its way): the second ends `predicted` with the finding."""
    upstream.handler = lambda request: Reply.json(400, XAI_PRESENCE_PENALTY)
    db_path = tmp_path / "loop.db"
    proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", db_path=db_path)
    client = openai_client(proxy)
    _grok_request(client)
    time.sleep(0.05)
    _grok_request(client)
    output = proxy.stop()
    flows = _rows(db_path, "select id, verdict, cause_id from flows order by datetime_utc")
    assert [(f["verdict"], f["cause_id"]) for f in flows] == [
        ("recognised", "cause.sampling-on-reasoning-model"),
        ("predicted", "cause.sampling-on-reasoning-model"),
    ]
    findings = _rows(
        db_path, "select flow_id, rule, severity, location, message from findings order by flow_id"
    )
    assert [(f["flow_id"], f["rule"], f["severity"], f["location"]) for f in findings] == [
        (flows[1]["id"], "learned.param", "error", "presence_penalty")
    ]
    assert f"(flow {flows[0]['id']})" in findings[0]["message"]
    assert _rows(db_path, "select count, first_flow, last_flow from learned") == [
        {"count": 2, "first_flow": flows[0]["id"], "last_flow": flows[1]["id"]}
    ]
    # The run's counts say it too (with_findings counts the flow the writer flagged), in the row and
    # in the shutdown's words.
    [run] = _rows(db_path, "select validated, with_findings, rejected from runs")
    assert run == {"validated": 2, "with_findings": 1, "rejected": 2}
    assert "2 requests reached the proxy: 2 validated, 1 with findings, 2 rejected by the upstream" in output


@pytest.mark.parametrize("mode", ["block", "repair"])
def test_block_and_repair_act_on_a_request_resent_at_once_after_its_rejection(
    mode: str,
    upstream: Upstream,
    mitmdump_factory: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """Block and repair mode judge a request before it goes upstream, so the writer cannot add the
    finding afterwards as it does in observe mode: until session 21 the second request of a tight
    resend loop was judged with the old snapshot and sent on as it was (rejected again), and only
    the third was acted on. The proxy now keeps what its own reading of the rejection named until
    the writer's snapshot holds it: the second request is judged with it (blocked; repaired
    without the field, and accepted)."""

    def answer(request: RecordedRequest) -> Reply:
        if "presence_penalty" in json.loads(request.body):
            return Reply.json(400, XAI_PRESENCE_PENALTY)
        return Reply.json(200, completion(GROK))

    upstream.handler = answer
    db_path = tmp_path / f"{mode}.db"
    options = {"toolguard_mode": mode}
    if mode == "repair":
        options["toolguard_repair"] = "sequence,learned"
    proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", db_path=db_path, options=options)
    client = openai_client(proxy)
    _grok_request(client)  # and at once again, as a tight agent loop does
    body = {"model": GROK, "messages": [{"role": "user", "content": "hi"}], "presence_penalty": 0.5}
    if mode == "block":
        with pytest.raises(openai.BadRequestError) as raised:
            client.chat.completions.create(**body)
        assert "learned.param" in raised.value.response.text
    else:
        client.chat.completions.create(**body)
    proxy.stop()
    flows = _rows(db_path, "select id, verdict, cause_id from flows order by datetime_utc")
    sent = [json.loads(r.body) for r in upstream.requests]
    if mode == "block":
        assert len(sent) == 1  # the second never reached the upstream
        assert [(f["verdict"], f["cause_id"]) for f in flows] == [
            ("recognised", "cause.sampling-on-reasoning-model"),
            ("blocked", None),
        ]
    else:
        assert ["presence_penalty" in b for b in sent] == [True, False]
        assert [(f["verdict"], f["cause_id"]) for f in flows] == [
            ("recognised", "cause.sampling-on-reasoning-model"),
            ("repaired", None),
        ]
    findings = _rows(db_path, "select flow_id, rule, severity, location, message from findings")
    assert [(f["flow_id"], f["rule"], f["severity"], f["location"]) for f in findings] == [
        (flows[1]["id"], "learned.param", "error", "presence_penalty")
    ]
    assert f"(flow {flows[0]['id']})" in findings[0]["message"]
    assert "presencePenalty" in findings[0]["message"]


# ------------------------------------------------------------------ what was learned, from the first request


def _seed_constraint(db_path: Path, upstream: Upstream) -> None:
    """A database that already holds what xAI's presencePenalty refusal taught (an import)."""
    db = open_db(db_path)
    try:
        import_learned(
            db,
            {
                "format": EXPORT_FORMAT,
                "version": EXPORT_VERSION,
                "constraints": [
                    {
                        "host": f"127.0.0.1:{upstream.port}",
                        "model": GROK,
                        "kind": "param",
                        "name": "presence_penalty",
                        "error_text": XAI_PRESENCE_PENALTY["error"],
                        "first_flow": "an-earlier-run",
                    }
                ],
            },
        )
    finally:
        db.close()


PENALISED = {"model": GROK, "messages": [{"role": "user", "content": "hi"}], "presence_penalty": 0.5}


def test_block_mode_acts_on_what_was_learned_from_the_very_first_request(
    upstream: Upstream,
    mitmdump_factory: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """mitmdump listens before the writer process's handshake brings the learned constraints and
    demotions (session 21 measured ~0.7 s): block mode judged a request of that window without
    them, and forwarded what a learned constraint says the upstream refuses. Such a request now
    waits for the handshake (bounded): the first request, sent the moment the port listens while the
    writer cannot even read the database, is held, then blocked once the knowledge came."""
    upstream.handler = lambda request: Reply.json(400, XAI_PRESENCE_PENALTY)
    db_path = tmp_path / "learned.db"
    _seed_constraint(db_path, upstream)
    with database_locked(db_path) as release:
        proxy = mitmdump_factory(
            mode=f"reverse:{upstream.url}",
            db_path=db_path,
            options={"toolguard_mode": "block"},
            stats_probe=True,
            wait_store=False,  # the listening port only, not the store's ready line
        )
        client = openai_client(proxy)
        raised: list[BaseException] = []

        def first_request() -> None:
            try:
                client.chat.completions.create(**PENALISED)
            except BaseException as exc:  # asserted below, on the test's thread
                raised.append(exc)

        thread = threading.Thread(target=first_request)
        thread.start()
        held = proxy.wait_for_stats(lambda s: s.get("held_for_knowledge") == 1, "the first request held")
        # Held while the proxy knows nothing yet, and nothing went upstream.
        assert (held["learned_constraints"], held.get("blocked", 0), upstream.requests) == (0, 0, [])
        release()
        thread.join(60)
    assert not thread.is_alive()
    [error] = raised
    assert isinstance(error, openai.BadRequestError), error
    assert "learned.param" in error.response.text
    output = proxy.stop()
    assert upstream.requests == []  # the upstream never saw it
    counters = final_stats(output)
    assert (counters["held_for_knowledge"], counters.get("judged_before_knowledge", 0)) == (1, 0)
    assert counters["blocked"] == 1 and counters["learned_constraints"] == 1
    assert "judged without what the upstreams taught" not in output
    flows = _rows(db_path, "select id, verdict from flows")
    assert [f["verdict"] for f in flows] == ["blocked"]
    findings = _rows(
        db_path, "select rule, severity, location from findings where flow_id = ?", (flows[0]["id"],)
    )
    assert findings == [{"rule": "learned.param", "severity": "error", "location": "presence_penalty"}]


def test_observe_mode_never_holds_a_request_for_the_learned_knowledge(
    upstream: Upstream,
    mitmdump_factory: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """Observe mode acts on nothing, so nothing is worth a wait: the first request, sent while the
    writer process cannot read the database yet, is answered through the proxy then and there, and the
    proxy held none (its counter, read while the proxy still knows nothing learned)."""
    upstream.handler = lambda request: Reply.json(200, completion(GROK))
    db_path = tmp_path / "learned.db"
    _seed_constraint(db_path, upstream)
    with database_locked(db_path) as release:
        proxy = mitmdump_factory(
            mode=f"reverse:{upstream.url}", db_path=db_path, stats_probe=True, wait_store=False
        )
        openai_client(proxy).chat.completions.create(**PENALISED)  # answered while the lock holds
        seen = proxy.wait_for_stats(lambda s: s.get("requests_seen") == 1, "the first request")
        assert (seen["learned_constraints"], seen.get("held_for_knowledge", 0), len(upstream.requests)) == (
            0,
            0,
            1,
        )
        release()
    output = proxy.stop()
    assert final_stats(output).get("held_for_knowledge", 0) == 0


def test_observe_mode_stores_an_early_rejection_a_stored_constraint_predicts_as_predicted(
    upstream: Upstream,
    mitmdump_factory: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """Observe mode judges a request sent before the learned knowledge reached the proxy without it
    (it holds nothing: the test above). Its rejection, the one the stored constraint is about, was
    stored `recognised` with no finding (session 23's closing note); a moment later the same request
    read `predicted`. The writer, which read that constraint at its start, applies it to a rejection
    the proxy judged before the snapshot came: `predicted`, with the `learned.param` finding citing
    the earlier run's flow, in the row, the console line and the run's counts."""
    upstream.handler = lambda request: Reply.json(400, XAI_PRESENCE_PENALTY)
    db_path = tmp_path / "early.db"
    _seed_constraint(db_path, upstream)
    with database_locked(db_path) as release:
        proxy = mitmdump_factory(
            mode=f"reverse:{upstream.url}", db_path=db_path, stats_probe=True, wait_store=False
        )
        with pytest.raises(openai.BadRequestError):
            openai_client(proxy).chat.completions.create(**PENALISED)
        seen = proxy.wait_for_stats(lambda s: s.get("requests_seen") == 1, "the first request")
        assert seen["learned_constraints"] == 0  # judged before the proxy knew it
        release()
        proxy.wait_for_stats(lambda s: s.get("learned_constraints") == 1, "the learned knowledge")
        with pytest.raises(openai.BadRequestError):  # the same request once the proxy knows
            openai_client(proxy).chat.completions.create(**PENALISED)
    output = proxy.stop()
    flows = _rows(db_path, "select id, verdict, cause_id from flows order by datetime_utc")
    assert [(f["verdict"], f["cause_id"]) for f in flows] == [
        ("predicted", "cause.sampling-on-reasoning-model"),
        ("predicted", "cause.sampling-on-reasoning-model"),
    ]
    findings = _rows(
        db_path, "select flow_id, rule, severity, location, message from findings order by rowid"
    )
    assert [(f["flow_id"], f["rule"], f["severity"], f["location"]) for f in findings] == [
        (flows[0]["id"], "learned.param", "error", "presence_penalty"),
        (flows[1]["id"], "learned.param", "error", "presence_penalty"),
    ]
    assert findings[0]["message"] == findings[1]["message"]
    assert "(flow an-earlier-run)" in findings[0]["message"]
    [run] = _rows(db_path, "select validated, with_findings, rejected from runs")
    assert run == {"validated": 2, "with_findings": 2, "rejected": 2}
    assert "2 requests reached the proxy: 2 validated, 2 with findings, 2 rejected by the upstream" in output
    for flow in flows:  # each flow's console line says what its row says
        assert (
            f"toolguard: predicted: HTTP 400; error learned.param at presence_penalty; flow {flow['id']}"
            in output
        )


# ------------------------------------------------------------------------------------------ demotion


def test_a_rule_the_upstream_keeps_accepting_is_demoted_there(
    upstream: Upstream,
    mitmdump_factory: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    # An upstream (an older server, a gateway that repairs histories) that accepts a lone tool message.
    upstream.handler = lambda request: Reply.json(200, completion())
    db_path = tmp_path / "demote.db"
    proxy = mitmdump_factory(
        mode=f"reverse:{upstream.url}",
        db_path=db_path,
        options={"toolguard_demote_after": "3"},
        stats_probe=True,
    )
    client = openai_client(proxy)
    body = LONE_TOOL.body()
    for _ in range(3):
        client.chat.completions.create(**body)
    calibration = _wait_for(
        lambda: _rows(db_path, "select * from rule_calibration where demoted_at is not null"), "the demotion"
    )
    assert [(r["rule"], r["host"], r["model"], r["accepted"]) for r in calibration] == [
        (LONE_TOOL.rule, f"127.0.0.1:{upstream.port}", body["model"], 3)
    ]
    # The row is committed before the writer process's snapshot reaches the proxy (a pipe and a
    # thread apart; a CI run sent the fourth request in between): wait for the proxy's own knowledge.
    demoted = f"{LONE_TOOL.rule} @ 127.0.0.1:{upstream.port} {body['model']}"
    proxy.wait_for_stats(lambda s: demoted in s.get("demoted_rules", []), "the demotion in the proxy")
    client.chat.completions.create(**body)  # the fourth: a warning now, accepted
    # Another model on the same host is not affected.
    client.chat.completions.create(**{**body, "model": "gpt-4o"})
    proxy.stop()

    flows = _rows(db_path, "select id, model, verdict from flows order by datetime_utc")
    assert [(f["model"], f["verdict"]) for f in flows] == [
        *[(body["model"], "false_alarm")] * 3,
        (body["model"], "accepted"),
        ("gpt-4o", "false_alarm"),
    ]
    severities = [
        [
            (f["rule"], f["severity"])
            for f in _rows(db_path, "select * from findings where flow_id = ?", (flow["id"],))
        ]
        for flow in flows
    ]
    assert severities[3] == [(LONE_TOOL.rule, "warning")]
    assert severities[4] == [(LONE_TOOL.rule, "error")]

    summary = build_summary([db_path])
    [rule] = [r for r in summary["rules"] if r["rule"] == LONE_TOOL.rule]
    assert rule["demoted"] == [f"127.0.0.1:{upstream.port} {body['model']}"]
    text = _cli("summary", "--db", str(db_path))
    assert f"a warning on 127.0.0.1:{upstream.port} {body['model']}: the upstream accepted it" in text
    assert f"demoted to a warning: {LONE_TOOL.rule} on 127.0.0.1:{upstream.port} {body['model']}" in text


def test_a_request_sent_at_once_after_the_demoting_acceptance_is_stored_as_a_warning(
    upstream: Upstream,
    mitmdump_factory: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """The demotion reaches the proxy a pipe-trip after its row is committed (the writer process
    publishes the snapshot): a request sent right after the demoting answer was judged with the
    error level and stored `false_alarm`, though the demotion was known when it started. The writer
    applies what it demoted from an answer that ended before the request started (as it does for a
    learned constraint, Capture.apply_learned): the fourth of a tight loop is stored `accepted`
    with the warning; another model on the host is not touched. Each flow's console line says what
    its row says (session 23: the proxy's line said `false_alarm` and the error for a row stored
    `accepted`; a false alarm's line now waits for the row's verdict)."""
    upstream.handler = lambda request: Reply.json(200, completion())
    db_path = tmp_path / "demote-loop.db"
    proxy = mitmdump_factory(
        mode=f"reverse:{upstream.url}", db_path=db_path, options={"toolguard_demote_after": "3"}
    )
    client = openai_client(proxy)
    body = LONE_TOOL.body()
    for _ in range(5):  # no pause: an agent's loop
        client.chat.completions.create(**body)
    client.chat.completions.create(**{**body, "model": "gpt-4o"})
    output = proxy.stop()
    flows = _rows(db_path, "select id, model, verdict from flows order by datetime_utc")
    assert [(f["model"], f["verdict"]) for f in flows] == [
        *[(body["model"], "false_alarm")] * 3,
        *[(body["model"], "accepted")] * 2,
        ("gpt-4o", "false_alarm"),
    ]
    said = [
        [
            line[line.index("toolguard: ") :].split("; flow ")[0]
            for line in output.splitlines()
            if f"; flow {flow['id']} (" in line
        ]
        for flow in flows
    ]
    assert said == [
        *[[f"toolguard: false_alarm: HTTP 200; error {LONE_TOOL.rule} at messages[0]"]] * 3,
        *[[f"toolguard: accepted: HTTP 200; warning {LONE_TOOL.rule} at messages[0]"]] * 2,
        [f"toolguard: false_alarm: HTTP 200; error {LONE_TOOL.rule} at messages[0]"],
    ]
    findings = [
        [
            (f["rule"], f["severity"], f["message"].endswith(DEMOTED_NOTE))
            for f in _rows(db_path, "select * from findings where flow_id = ?", (flow["id"],))
        ]
        for flow in flows
    ]
    assert findings == [
        *[[(LONE_TOOL.rule, "error", False)]] * 3,
        *[[(LONE_TOOL.rule, "warning", True)]] * 2,
        [(LONE_TOOL.rule, "error", False)],
    ]
    # Learned from the three acceptances only: the corrected rows are no false alarm to count.
    assert _rows(db_path, "select accepted from rule_calibration where model = ?", (body["model"],)) == [
        {"accepted": 3}
    ]


# ------------------------------------------------------------------------- one sentence, two groups


def test_orphan_and_duplicate_with_one_sentence_end_in_two_groups(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], openai_client: Callable[..., Any]
) -> None:
    cases: dict[str, SeedCase] = {"orphan": LONE_TOOL, "duplicate": DUPLICATE}
    counts = {"orphan": 2, "duplicate": 3}

    def handle(request: RecordedRequest) -> Reply:
        messages = request.json()["messages"]
        case = LONE_TOOL if len(messages) == len(LONE_TOOL.messages) else DUPLICATE
        return Reply(400, case.error_body())

    upstream.handler = handle
    proxy = mitmdump_reverse()
    client = openai_client(proxy)
    for name, case in cases.items():
        for _ in range(counts[name]):
            with pytest.raises(openai.BadRequestError) as raised:
                client.chat.completions.create(**case.body())
            assert ORPHAN_TEXT in str(raised.value)  # one sentence for both
    proxy.stop()

    summary = build_summary([proxy.db_path])
    groups = {
        g["pattern"]: (
            g["count"],
            g["cause"],
            g["explanation"],
            g["excerpt"]["location"],
            g["excerpt"]["focus"],
        )
        for g in summary["groups"]
    }
    assert groups == {
        LONE_TOOL.rule: (2, "cause.orphan-tool-result", "predicted", LONE_TOOL.location, 0),
        DUPLICATE.rule: (3, "cause.orphan-tool-result", "predicted", DUPLICATE.location, 4),
    }
    by_rule: dict[str, set[str]] = defaultdict(set)
    for g in summary["groups"]:
        by_rule[g["pattern"]].update(g["flow_ids"])
    assert len(by_rule[LONE_TOOL.rule] & by_rule[DUPLICATE.rule]) == 0


# --------------------------------------------------------------- a nested schema keyword (learn9)

# Gemini's refusal of a JSON-Schema keyword deep inside a tool's parameters (corpus row
# legacy-gemini-070, https://github.com/musistudio/claude-code-router/issues/187), in Gemini's error
# envelope. Learning keeps the keyword and the container (tools), not the one path it was refused at.
GEMINI_UNKNOWN_KEYWORD = {
    "error": {
        "code": 400,
        "message": (
            'Invalid JSON payload received. Unknown name "additionalProperties" at '
            "'tools[0].function_declarations[34].parameters.properties[6].value.items.any_of[0]': Cannot find "
            'field.\nInvalid JSON payload received. Unknown name "additionalProperties" at '
            "'tools[0].function_declarations[34].parameters.properties[6].value.items.any_of[1]': Cannot find "
            "field."
        ),
        "status": "INVALID_ARGUMENT",
    }
}
NESTED_KEYWORD_REQUEST = {
    "model": "gemini-2.5-flash",
    "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "cities": {
                            "type": "array",
                            "items": {"anyOf": [{"type": "string", "additionalProperties": False}]},
                        }
                    },
                },
            },
        }
    ],
}


def test_a_refused_nested_schema_keyword_is_predicted_on_the_identical_request(
    upstream: Upstream, mitmdump_factory: Callable[..., Mitmdump], tmp_path: Path
) -> None:
    upstream.handler = lambda request: Reply.json(400, GEMINI_UNKNOWN_KEYWORD)
    db_path = tmp_path / "nested.db"
    proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", db_path=db_path, stats_probe=True)
    with httpx.Client(base_url=proxy.url, timeout=15.0) as client:
        assert client.post("/v1/chat/completions", json=NESTED_KEYWORD_REQUEST).status_code == 400
        learned = _wait_for(lambda: _rows(db_path, "select * from learned"), "the learned constraint")
        assert [(r["kind"], r["name"], r["value"], r["rule"]) for r in learned] == [
            ("schema_keyword", "additionalProperties", "tools", "learned.schema-keyword")
        ]
        # The committed row is not yet the proxy's knowledge (a pipe and a thread later): wait for it.
        proxy.wait_for_stats(lambda s: s.get("learned_constraints") == 1, "the keyword in the proxy")
        assert client.post("/v1/chat/completions", json=NESTED_KEYWORD_REQUEST).status_code == 400
    proxy.stop()
    flows = _rows(db_path, "select id, verdict, cause_id from flows order by datetime_utc")
    assert [(f["verdict"], f["cause_id"]) for f in flows][1] == ("predicted", "cause.tool-schema-invalid")
    findings = _rows(
        db_path, "select rule, severity, location, message from findings where flow_id = ?", (flows[1]["id"],)
    )
    assert [
        (f["rule"], f["severity"], f["location"]) for f in findings if f["rule"].startswith("learned.")
    ] == [
        (
            "learned.schema-keyword",
            "error",
            "tools[0].function.parameters.properties.cities.items.anyOf.0.additionalProperties",
        )
    ]
    listed = _cli("learned", "list", "--db", str(db_path))
    assert "learned.schema-keyword additionalProperties in tools" in listed


# GitHub Models' refusal of max_tokens on o3-mini, as LiteLLM printed it (probe-provider-rules-4.jsonl,
# probe5-github-models-o3-mini-max-tokens); the body is OpenAI's own shape.
O3_MAX_TOKENS = {
    "error": {
        "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "unsupported_parameter",
    }
}


def test_a_rejection_a_built_in_rule_predicted_at_that_key_is_not_learned_again(
    upstream: Upstream,
    mitmdump_factory: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    # A new user's trial (session 15): behind a host toolguard does not know, o3-mini's max_tokens is
    # flagged by model.max-tokens-on-reasoning-model while the root cause's record names
    # params.max-tokens-on-reasoning-model (the rule on api.openai.com). The writer compared only
    # the named rule, so it learned the param too, and every later request carried two errors for
    # one mistake.
    upstream.handler = lambda request: Reply.json(400, O3_MAX_TOKENS)
    db = tmp_path / "t.db"
    proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", db_path=db)
    client = openai_client(proxy)
    for _ in range(2):
        with pytest.raises(openai.BadRequestError):
            client.chat.completions.create(
                model="o3-mini", messages=[{"role": "user", "content": "hi"}], max_tokens=10
            )
        time.sleep(1.0)  # what a first rejection taught reaches the proxy within this (docs/learned.md)
    proxy.stop()
    flows = _rows(db, "select id, verdict, cause_id from flows order by datetime_utc")
    assert [(f["verdict"], f["cause_id"]) for f in flows] == [
        ("predicted", "cause.max-tokens-not-supported")
    ] * 2
    findings = _rows(db, "select flow_id, rule, severity, location from findings where severity = 'error'")
    assert sorted((f["flow_id"], f["rule"], f["location"]) for f in findings) == sorted(
        (f["id"], "model.max-tokens-on-reasoning-model", "max_tokens") for f in flows
    )
    assert _rows(db, "select * from learned") == []


# ------------------------------------------------------------------- the engine behind an unknown host

#: vLLM's own answer when it was started without tool parsing (vllm/entrypoints/openai/serving_chat.py;
#: the body as NVIDIA NIM relayed it for a vLLM-served model, hidenobunagai/nvidia-nim-provider#2).
VLLM_AUTO_TOOL_CHOICE = {
    "object": "error",
    "message": '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    "type": "BadRequestError",
    "param": None,
    "code": 400,
}


def _vllm_shaped(client: openai.OpenAI) -> openai.BadRequestError:
    """A request whose system message carries an image: vLLM refuses that ("System messages can only
    contain text content", vllm-project/vllm#34072), an unrecognised host only gets a warning."""
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(
            model="acme/vision-ft-7b",  # a fine-tune no catalog knows: the model rules are skipped
            messages=[
                {
                    "role": "system",
                    "content": [{"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}],
                },
                {"role": "user", "content": "What is in the picture?"},
            ],
            tools=[{"type": "function", "function": {"name": "ls", "parameters": {"type": "object"}}}],
            tool_choice="auto",
        )
    return raised.value


def test_an_engine_named_by_an_answer_makes_its_errors_errors_on_that_host(
    upstream: Upstream,
    mitmdump_factory: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    upstream.handler = lambda request: Reply.json(400, VLLM_AUTO_TOOL_CHOICE)
    db_path = tmp_path / "engine.db"
    proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", db_path=db_path, stats_probe=True)
    client = openai_client(proxy)
    host = f"127.0.0.1:{upstream.port}"  # a port no server owns: an unrecognised host

    _vllm_shaped(client)
    engines = _wait_for(
        lambda: _rows(db_path, "select * from learned where kind = 'engine'"), "the learned engine"
    )
    [first] = _rows(db_path, "select id from flows")
    assert [
        {k: row[k] for k in ("host", "kind", "name", "value", "rule", "cause_id", "first_flow", "count")}
        for row in engines
    ] == [
        {
            "host": host,
            "kind": "engine",
            "name": "vllm",
            "value": "",
            "rule": "learned.engine",
            "cause_id": "vllm.auto-tool-choice-flag",
            "first_flow": first["id"],
            "count": 1,
        }
    ]
    before = [
        (f["rule"], f["severity"])
        for f in _rows(db_path, "select * from findings where flow_id = ?", (first["id"],))
        if f["rule"] != "model.rules-skipped"
    ]
    assert before == [("content.part-not-allowed-for-role", "warning")]

    # The row is committed before the writer process's snapshot reaches the proxy: wait for the
    # proxy's own knowledge, as test_a_rule_the_upstream_keeps_accepting_is_demoted_there does.
    proxy.wait_for_stats(
        lambda s: any(e.startswith(f"{host} ") for e in s.get("learned_engines", [])),
        "the engine in the proxy",
    )
    _vllm_shaped(client)  # the same shape again: vLLM's own refusal is an error now
    proxy.stop()
    [second] = _rows(db_path, "select id, verdict from flows where id != ?", (first["id"],))
    findings = {
        f["rule"]: f
        for f in _rows(db_path, "select * from findings where flow_id = ?", (second["id"],))
        if f["severity"] == "error"
    }
    assert sorted(findings) == ["content.part-not-allowed-for-role", "learned.tool-choice"]
    message = findings["content.part-not-allowed-for-role"]["message"]
    assert "this host answers with vLLM's texts" in message and first["id"] in message
    assert "--enable-auto-tool-choice" in message
    assert second["verdict"] == "predicted"

    # Before the answer: in block mode the request stops at the proxy, and the upstream never sees it.
    seen = len(upstream.requests)
    blocking = mitmdump_factory(
        mode=f"reverse:{upstream.url}", db_path=db_path, options={"toolguard_mode": "block"}
    )
    refused = _vllm_shaped(openai_client(blocking))
    blocking.stop()
    assert len(upstream.requests) == seen
    assert "content.part-not-allowed-for-role" in refused.response.text

    listing = _cli("learned", "list", "--db", str(db_path))
    assert "learned.engine         vllm" in listing and host in listing
    summary = _cli("summary", "--db", str(db_path))
    assert f"engine of {host} inferred: vllm" in summary and "vllm.auto-tool-choice-flag" in summary
