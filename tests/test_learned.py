"""What the upstreams teach (issue #10.3): the pure checks of toolguard_core.learned, and the tables
the store's writer fills (toolguard_core.learned_store) on a real SQLite file."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from toolguard_core.analyze import analyse_request
from toolguard_core.capture import Capture
from toolguard_core.causes import Constraint
from toolguard_core.findings import Finding, Severity
from toolguard_core.learned import (
    Calibration,
    Knowledge,
    LearnedConstraint,
    calibrate,
    learned_host,
    listed,
    repeats,
    upstream_name,
    upstream_name_sql,
)
from toolguard_core.learned_store import (
    ImportError_,
    export_learned,
    forget,
    import_learned,
    load_knowledge,
)
from toolguard_core.store import (
    FindingRow,
    FlowRow,
    Store,
    migrations,
    open_db,
    relabel_rows,
    write_rows,
)
from toolguard_core.upstream_errors import parse_error

XAI_TEXT = "Argument not supported on this model: presencePenalty"  # lobehub/lobehub#8389
URL = "http://127.0.0.1:9/v1/chat/completions"
#: What the upstream at URL taught is kept under its name and port (not the scheme's own port).
UPSTREAM_KEY = "127.0.0.1:9"


def upstream_key(url: str) -> str:
    """The key the proxy keeps what the upstream at ``url`` taught under (learned.learned_host)."""
    parts = urlsplit(url)
    return learned_host(parts.hostname or "", parts.port, parts.scheme)


USER = {"role": "user", "content": "hi"}
BODY: dict[str, Any] = {
    "model": "m",
    "messages": [
        {"role": "system", "content": "s"},
        USER,
        USER,
        {"role": "assistant", "content": [{"type": "text", "text": "x"}], "reasoning_content": "r"},
    ],
    "presence_penalty": 0.5,
    "reasoning_effort": "none",
    "stream": True,
    "stream_options": {"include_usage": True},
    "tool_choice": "required",
    "response_format": {"type": "json_object"},
}


@pytest.mark.parametrize(
    ("constraint", "locations"),
    [
        (Constraint("param", "presence_penalty"), ["presence_penalty"]),
        (Constraint("param", "top_k"), []),
        (Constraint("field", "stream_options.include_usage"), ["stream_options.include_usage"]),
        (Constraint("value", "reasoning_effort", "none"), ["reasoning_effort"]),
        (Constraint("value", "reasoning_effort", "low"), []),
        (Constraint("value", "stream", "true"), ["stream"]),
        (Constraint("value", "response_format", "json_object"), ["response_format"]),
        (Constraint("value", "response_format.type", None), []),  # no value named: nothing to compare
        (Constraint("tool_choice", "tool_choice", "required"), ["tool_choice"]),
        (Constraint("tool_choice", "tool_choice", "auto"), []),
        (Constraint("message_field", "reasoning_content"), ["messages[3].reasoning_content"]),
        (Constraint("role", "system"), ["messages[0].role"]),
        (Constraint("role", "system", "not-first"), []),
        (Constraint("role", "user", "not-first"), ["messages[1].role", "messages[2].role"]),
        (Constraint("role", "alternation"), ["messages[2].role"]),
        (Constraint("role", "assistant", "last"), ["messages[3].role"]),
        (Constraint("content_type", "array"), ["messages[3].content"]),
        (Constraint("content_type", "text"), ["messages[3].content[0]"]),
        (Constraint("content_type", "image_url"), []),
    ],
)
def test_repeats(constraint: Constraint, locations: list[str]) -> None:
    assert list(repeats(BODY, constraint)) == locations


@pytest.mark.parametrize("body", [{}, {"messages": "x"}, {"messages": [1, None, []]}, {"tool_choice": 3}])
def test_repeats_never_raises_on_odd_bodies(body: dict[str, Any]) -> None:
    for kind in ("param", "value", "tool_choice", "message_field", "role", "content_type"):
        assert list(repeats(body, Constraint(kind, "x", "y"))) == []  # type: ignore[arg-type]


def _learned(
    kind: str = "param", name: str = "presence_penalty", value: str | None = None
) -> LearnedConstraint:
    return LearnedConstraint(kind, name, value, "cause.param-unsupported", XAI_TEXT, "flow-1")  # type: ignore[arg-type]


def test_calibrate_adds_a_learned_error_citing_the_first_flow_and_demotes() -> None:
    orphan = Finding(
        rule="sequence.orphan-tool-message", severity=Severity.ERROR, location="messages[0]", message="m"
    )
    out = calibrate(BODY, [orphan], Calibration((_learned(), _learned()), frozenset({orphan.rule})))
    assert [(f.rule, f.severity, f.location) for f in out] == [
        ("sequence.orphan-tool-message", Severity.WARNING, "messages[0]"),
        ("learned.param", Severity.ERROR, "presence_penalty"),  # once, though listed twice
    ]
    assert "flow flow-1" in out[1].message and XAI_TEXT in out[1].message
    assert "accepted" in out[0].message
    assert calibrate(BODY, [orphan], Calibration()) == [orphan]


def test_knowledge_is_per_host_and_model_and_survives_the_worker_header() -> None:
    knowledge = Knowledge(
        {
            (UPSTREAM_KEY, "m"): Calibration((_learned(),), frozenset({"r1"})),
            (UPSTREAM_KEY, ""): Calibration((), frozenset({"r2"})),
            ("other", "m"): Calibration((_learned("value", "x", "y"),)),
        }
    )
    assert knowledge.for_request(UPSTREAM_KEY, "m").demoted == {"r1", "r2"}
    assert knowledge.for_request(UPSTREAM_KEY, "n").demoted == {"r2"}
    assert not knowledge.for_request("elsewhere", "m")
    part = knowledge.for_host(UPSTREAM_KEY)
    assert Knowledge.from_json(json.loads(json.dumps(part.as_json()))) == part
    analysis = analyse_request(json.dumps(BODY).encode(), URL, knowledge=knowledge)
    assert [(f.rule, f.location) for f in analysis.findings if f.rule.startswith("learned.")] == [
        ("learned.param", "presence_penalty")
    ]


# ------------------------------------------------------------------------------------ the tables


def _row(
    flow_id: str,
    verdict: str,
    *,
    status: int,
    body: str | None,
    rules: tuple[str, ...] = (),
    model: str = "grok-4",
    request: dict[str, Any] | None = None,
    response_headers: list[tuple[str, str]] | None = None,
) -> FlowRow:
    """A row the way the proxy builds it: a Capture turned into a row on the writer's side (also
    tests/test_engines.py's)."""
    capture = Capture(
        flow_id=flow_id,
        started=1_700_000_000.0 + len(flow_id),
        ended=1_700_000_001.0,
        method="POST",
        scheme="http",
        host="127.0.0.1",
        port=9,
        path="/v1/chat/completions",
        url=URL,
        provider="generic",
        model=model,
        stream=None,
        request_headers=[],
        request_text=json.dumps(BODY if request is None else request),
        request_is_json=True,
        request_bytes=10,
        findings=[Finding(rule=r, severity=Severity.ERROR, location="body", message="m") for r in rules],
        secrets=[],
        verdict=verdict,
        status=status,
        response_body=body.encode() if body else None,
        response_content_type="application/json",
        response_headers=response_headers,
    )
    return capture.to_row()


class Snapshots:
    def __init__(self) -> None:
        self.items: list[Knowledge] = []
        self.event = threading.Event()

    def __call__(self, knowledge: Knowledge) -> None:
        self.items.append(knowledge)
        self.event.set()


def _store(path: Path, rows: list[FlowRow], demote_after: int = 3) -> Snapshots:
    snapshots = Snapshots()
    store = Store(path, demote_after=demote_after, on_knowledge=snapshots)
    store.start()
    for row in rows:
        store.put(row)
    store.close()
    assert store.failed == 0
    return snapshots


def test_writer_learns_recognised_rejections_and_counts_acceptances(tmp_path: Path) -> None:
    xai = json.dumps({"error": XAI_TEXT})
    rows = [
        _row("a", "unexplained", status=400, body=xai),
        _row("bb", "unexplained", status=400, body=xai),
        # Predicted by the rule the cause names: nothing new to learn from it.
        _row("ccc", "predicted", status=400, body=xai, rules=("params.unsupported-for-model",)),
        *[
            _row("d" * (4 + i), "false_alarm", status=200, body=None, rules=("sequence.orphan-tool-message",))
            for i in range(3)
        ],
    ]
    assert rows[0].verdict == "recognised" and rows[0].cause_id == "cause.sampling-on-reasoning-model"
    snapshots = _store(tmp_path / "t.db", rows)
    db = open_db(tmp_path / "t.db")
    data = export_learned(db)
    assert [
        {
            k: c[k]
            for k in ("host", "model", "kind", "name", "value", "rule", "first_flow", "last_flow", "count")
        }
        for c in data["constraints"]
    ] == [
        {
            "host": UPSTREAM_KEY,
            "model": "grok-4",
            "kind": "param",
            "name": "presence_penalty",
            "value": "",
            "rule": "learned.param",
            "first_flow": "a",
            "last_flow": "bb",
            "count": 2,
        }
    ]
    assert [(c["rule"], c["accepted"], c["demoted_at"] is not None) for c in data["calibration"]] == [
        ("sequence.orphan-tool-message", 3, True)
    ]
    latest = snapshots.items[-1]
    assert latest.for_request(UPSTREAM_KEY, "grok-4").demoted == {"sequence.orphan-tool-message"}
    assert load_knowledge(db) == latest


def test_the_snapshot_is_published_when_it_changes_and_only_then(tmp_path: Path) -> None:
    # Issue #12: a learned rejection seen again, or one more acceptance short of demoting, changes
    # counts the snapshot does not hold; publishing it again after such a batch reloaded both tables
    # and sent the same snapshot to the proxy. Each row its own batch (its own transaction): after
    # every batch the last snapshot published is what the tables give, and it was published exactly
    # when it changed.
    xai = json.dumps({"error": XAI_TEXT})
    orphan = ("sequence.orphan-tool-message",)
    rows = [
        _row("a", "unexplained", status=400, body=xai),  # a new constraint
        _row("bb", "unexplained", status=400, body=xai),  # the same one again: its count only
        *[_row("d" * (3 + i), "false_alarm", status=200, body=None, rules=orphan) for i in range(3)],
        _row("h" * 7, "false_alarm", status=200, body=None, rules=orphan),  # demoted already
    ]
    db = open_db(tmp_path / "t.db")
    published: list[Knowledge] = []
    changed = []
    for row in rows:
        before = len(published)
        write_rows(db, [row], demote_after=3, on_learned=lambda db: published.append(load_knowledge(db)))
        changed.append(len(published) > before)
        assert published and published[-1] == load_knowledge(db)
    assert changed == [True, False, False, False, True, False]
    assert [c["count"] for c in export_learned(db)["constraints"]] == [2]
    assert [c["accepted"] for c in export_learned(db)["calibration"]] == [4]


def test_import_is_idempotent_and_forget_filters(tmp_path: Path) -> None:
    source = open_db(tmp_path / "a.db")
    _store(tmp_path / "a.db", [_row("a", "unexplained", status=400, body=json.dumps({"error": XAI_TEXT}))])
    export = export_learned(source)
    target = open_db(tmp_path / "b.db")
    assert import_learned(target, export) == (1, 0)
    once = export_learned(target)
    import_learned(target, json.loads(json.dumps(export)))
    assert export_learned(target) == once
    assert [c["source"] for c in once["constraints"]] == ["imported"]
    assert forget(target, host="elsewhere") == 0
    assert forget(target, host=UPSTREAM_KEY, name="presence_penalty") == 1
    assert export_learned(target)["constraints"] == []
    with pytest.raises(ImportError_):
        import_learned(target, {"format": "something else"})
    with pytest.raises(ImportError_):
        import_learned(target, {"format": "toolguard-learned", "version": 1, "constraints": [{"host": "h"}]})
    # A hand-edited export whose list is a string said "an entry is not an object: 'n'" (its first letter).
    for name in ("constraints", "calibration"):
        with pytest.raises(ImportError_, match=f"^{name} is not a list: str$"):
            import_learned(target, {"format": "toolguard-learned", "version": 1, name: "nope"})


def test_reexplain_relabels_rows_stored_before_the_catalogue_knew_them(tmp_path: Path) -> None:
    db = open_db(tmp_path / "t.db")
    error = parse_error(json.dumps({"error": XAI_TEXT}).encode(), status=400)
    old = FlowRow(
        id="old",
        datetime_utc="2026-11-20T10:00:00.000Z",
        status=400,
        error_message=error.message,
        error_json=json.dumps(error.summary()),
        verdict="unexplained",
        findings=[FindingRow(idx=0, rule="x.y", severity="warning", location="body", message="m")],
    )
    db["flow_rows"].insert({k: v for k, v in old.columns().items() if v is not None})
    assert relabel_rows(db) == 1
    row = db["flow_rows"].get("old")
    assert (row["verdict"], row["cause_id"]) == ("recognised", "cause.sampling-on-reasoning-model")
    assert json.loads(row["cause_json"])["constraint"] == {
        "kind": "param",
        "name": "presence_penalty",
        "value": None,
    }
    assert relabel_rows(db) == 0  # nothing left to change
    # The migrations run again on an already migrated file without touching it.
    migrations.apply(db)
    assert db["flow_rows"].get("old")["verdict"] == "recognised"


def test_the_validation_worker_applies_the_hosts_knowledge() -> None:
    """A body validated off the event loop (offload.py) gets the same learned finding: the addon sends
    the host's part of its snapshot in the job header."""
    from toolguard_core.worker import Context, handle

    knowledge = Knowledge({(UPSTREAM_KEY, "m"): Calibration((_learned(),))})
    header = {"url": URL, "max_body": 1 << 20, "learned": knowledge.for_host(UPSTREAM_KEY).as_json()}
    # As the worker gets it: the route's context, sent once as JSON (offload.encode_context).
    result = handle(Context.from_json(json.dumps(header).encode()), 1, json.dumps(BODY).encode(), True)
    assert result is not None
    seq, findings, *_, internal_errors = result
    assert [f[:3] for f in findings if f[0].startswith("learned.")] == [
        ["learned.param", "error", "presence_penalty"]
    ]
    assert (seq, internal_errors) == (1, [])
    without = handle(
        Context.from_json(json.dumps({**header, "learned": None}).encode()),
        2,
        json.dumps(BODY).encode(),
        True,
    )
    assert without is not None and not [f for f in without[1] if f[0].startswith("learned.")]


def test_a_demoted_rule_reports_a_warning_through_its_policy() -> None:
    """Demotion is an input of the level a rule's declared policy gives (Rule.report), not a filter
    over finished findings: the rule's own report says warning for the demoted host and model."""
    from toolguard_core.providers import DEFAULT_REGISTRY
    from toolguard_core.request import RequestView, Target
    from toolguard_core.rules.registry import DEMOTED_NOTE, RULES

    rule = RULES["sequence.orphan-tool-message"]
    target = Target.from_url("https://api.openai.com/v1/chat/completions", DEFAULT_REGISTRY)
    body = {"model": "gpt-4o-mini", "messages": [{"role": "tool", "tool_call_id": "x", "content": "y"}]}
    [plain] = rule.report(RequestView(body=body, target=target), "messages[0]", "m")
    [demoted] = rule.report(
        RequestView(body=body, target=target, demoted=frozenset({rule.id})), "messages[0]", "m"
    )
    assert (plain.severity, demoted.severity, demoted.message) == (
        Severity.ERROR,
        Severity.WARNING,
        "m" + DEMOTED_NOTE,
    )
    knowledge = Knowledge({("api.openai.com", "gpt-4o-mini"): Calibration(demoted=frozenset({rule.id}))})
    analysis = analyse_request(json.dumps(body).encode(), target.url, knowledge=knowledge)
    assert [(f.rule, f.severity) for f in analysis.findings if f.rule == rule.id] == [
        (rule.id, Severity.WARNING)
    ]


def test_an_accepted_learned_error_counts_toward_demoting_that_learned_rule(tmp_path: Path) -> None:
    # The upstream rejected presence_penalty once (a learned constraint), then kept accepting requests
    # that carried it, each flagged with a learned.param error: counted like a built-in rule's false
    # alarm, and past the threshold learned.param is a warning for that host and model.
    learned_error = ("learned.param",)
    rows = [
        _row("a", "unexplained", status=400, body=json.dumps({"error": XAI_TEXT})),
        *[_row("e" * (2 + i), "false_alarm", status=200, body=None, rules=learned_error) for i in range(3)],
    ]
    snapshots = _store(tmp_path / "t.db", rows, demote_after=3)
    data = export_learned(open_db(tmp_path / "t.db"))
    assert [
        (c["rule"], c["host"], c["model"], c["accepted"], c["demoted_at"] is not None)
        for c in data["calibration"]
    ] == [("learned.param", UPSTREAM_KEY, "grok-4", 3, True)]
    calibration = snapshots.items[-1].for_request(UPSTREAM_KEY, "grok-4")
    assert calibration.demoted == {"learned.param"}
    out = calibrate(BODY, [], calibration)
    assert [(f.rule, f.severity, f.location) for f in out] == [
        ("learned.param", Severity.WARNING, "presence_penalty")
    ]
    assert "accepted" in out[0].message


def test_merge_copies_what_each_machine_learned_once(tmp_path: Path) -> None:
    from toolguard_analysis.merge import merge

    xai = json.dumps({"error": XAI_TEXT})
    orphan = ("sequence.orphan-tool-message",)
    # Machine A saw the rejection twice and one false alarm; machine B the rejection once (another
    # flow) and two false alarms of the same rule, host and model.
    _store(tmp_path / "a.db", [_row("a", "unexplained", status=400, body=xai), _row("aa", "unexplained", status=400, body=xai),
                               _row("fa1", "false_alarm", status=200, body=None, rules=orphan)])  # fmt: skip
    _store(tmp_path / "b.db", [_row("b", "unexplained", status=400, body=xai),
                               _row("fb1", "false_alarm", status=200, body=None, rules=orphan),
                               _row("fb22", "false_alarm", status=200, body=None, rules=orphan)])  # fmt: skip
    out = tmp_path / "all.db"
    added = merge(out, [tmp_path / "a.db", tmp_path / "b.db"])
    # The constraint: inserted from A; B's copy (count 1, seen within A's span) changes nothing.
    # The calibration: inserted from A (1 acceptance), then B's larger count (2) is kept.
    assert (added["learned"], added["rule_calibration"]) == (1, 2)
    merged = export_learned(open_db(out))
    keys = ("host", "model", "kind", "name", "count", "first_flow", "source")
    assert [{k: c[k] for k in keys} for c in merged["constraints"]] == [
        {"host": UPSTREAM_KEY, "model": "grok-4", "kind": "param", "name": "presence_penalty", "count": 2,
         "first_flow": "a", "source": "observed"}
    ]  # fmt: skip
    assert [(c["rule"], c["accepted"]) for c in merged["calibration"]] == [
        ("sequence.orphan-tool-message", 2)
    ]
    # Idempotent: the same inputs again change nothing, in any order.
    assert merge(out, [tmp_path / "b.db", tmp_path / "a.db"]) == dict.fromkeys(added, 0)
    assert export_learned(open_db(out)) == merged
    # The merged database predicts what either machine learned.
    assert load_knowledge(open_db(out)).for_request(UPSTREAM_KEY, "grok-4").constraints


_TOOL = {
    "type": "function",
    "function": {"name": "AnswerWithSource", "parameters": {"type": "object", "properties": {}}},
}
_NAMED = {"type": "function", "function": {"name": "AnswerWithSource"}}

#: Refusals of a tool_choice form whose text does not quote the form (real texts): the form the refused
#: request sent is learned, so that form is caught when it comes back and another form is not.
FORMLESS_TOOL_CHOICE_REFUSALS = [
    pytest.param(
        # xAI's serde enum of tool_choice forms (probe9p-xai-responses-tool-choice-web-search,
        # router-for-me/CLIProxyAPI#4718): the form is the refused request's
        "xai",
        "https://api.x.ai/v1/chat/completions",
        '{"error": "Failed to deserialize the JSON body into the target type: data did not match any variant '
        'of untagged enum ModelToolChoice"}',
        {
            "model": "grok-4",
            "messages": [{"role": "user", "content": "x"}],
            "tools": [_TOOL],
            "tool_choice": {"type": "web_search"},
        },
        "web_search",
        {
            "model": "grok-4",
            "messages": [{"role": "user", "content": "x"}],
            "tools": [_TOOL],
            "tool_choice": "auto",
        },
        id="xai-model-tool-choice",
    ),
    pytest.param(
        # vLLM's Responses API with Harmony (dev b-0217, https://github.com/vllm-project/vllm/issues/53626)
        "vllm",
        "http://localhost:8000/v1/responses",
        "Only 'auto' or 'none' tool_choice is supported in response API with Harmony",
        {"model": "gpt-oss-120b", "input": "Hi.", "tool_choice": "required"},
        "required",
        {"model": "gpt-oss-120b", "input": "Hi.", "tool_choice": "auto"},
        id="vllm-harmony-required",
    ),
    pytest.param(
        # LiteLLM's DeepInfra table (probe9p-deepinfra-tool-choice-named, BerriAI/litellm#4655)
        "deepinfra",
        "https://api.deepinfra.com/v1/openai/chat/completions",
        "litellm.BadRequestError: DeepinfraException - Deepinfra doesn't support tool_choice={'type': "
        "'function', 'function': {'name': 'AnswerWithSource'}}. To drop unsupported deepinfra params from the "
        "call, set `litellm.drop_params = True`",
        {
            "model": "m",
            "messages": [{"role": "user", "content": "x"}],
            "tools": [_TOOL],
            "tool_choice": _NAMED,
        },
        "function",
        {
            "model": "m",
            "messages": [{"role": "user", "content": "x"}],
            "tools": [_TOOL],
            "tool_choice": "auto",
        },
        id="deepinfra-named-object",
    ),
    pytest.param(
        # an upstream LiteLLM proxy in front of Fireworks (probe9p-fireworks-tool-choice-kimi, scaleapi/vero#66)
        "fireworks",
        "https://api.fireworks.ai/inference/v1/chat/completions",
        "litellm.UnsupportedParamsError: fireworks_ai does not support parameters:\n[tool_choice], for "
        "model=accounts/fireworks/models/kimi-k3",
        {
            "model": "kimi",
            "messages": [{"role": "user", "content": "x"}],
            "tools": [_TOOL],
            "tool_choice": "required",
        },
        "required",
        {"model": "kimi", "messages": [{"role": "user", "content": "x"}], "tools": [_TOOL]},
        id="fireworks-required",
    ),
]


@pytest.mark.parametrize(
    ("provider", "url", "text", "refused", "form", "other"), FORMLESS_TOOL_CHOICE_REFUSALS
)
def test_a_refused_tool_choice_form_is_learned_from_the_refused_request(
    provider: str, url: str, text: str, refused: dict[str, Any], form: str, other: dict[str, Any]
) -> None:
    from toolguard_core.causes import recognise_error

    found = recognise_error(parse_error(text, status=400), provider=provider, status=400, request=refused)
    assert found is not None and found.constraint == Constraint("tool_choice", "tool_choice", form)
    host = upstream_key(url)
    learned = LearnedConstraint("tool_choice", "tool_choice", form, found.cause_id, text, "flow-1")
    knowledge = Knowledge({(host, refused["model"]): Calibration((learned,))})
    again = analyse_request(json.dumps(refused), url, knowledge=knowledge)
    assert [
        f.rule for f in again.findings if f.severity == Severity.ERROR and f.rule.startswith("learned.")
    ] == ["learned.tool-choice"]
    other_form = analyse_request(json.dumps(other), url, knowledge=knowledge)
    assert not [f for f in other_form.findings if f.rule.startswith("learned.")]
    # Without the request the text alone names no form, and nothing later could repeat it.
    bare = recognise_error(parse_error(text, status=400), provider=provider, status=400)
    assert bare is None or bare.constraint is None or not list(repeats(refused, bare.constraint))


#: "<model> does not support thinking" names neither the knob nor its value (dev b-0134, b-0137; the wording
#: is from ollama/ollama#11439): the knob the refused request carried is learned, with its value, so the
#: same value comes back flagged and the fix (thinking off) does not.
THINKING_REFUSALS = [
    pytest.param(
        "http://localhost:11434/api/chat",
        '"Qwen3-14B-128K-Q4_K_M:latest" does not support thinking (status code: 400)',
        {
            "model": "Qwen3-14B-128K-Q4_K_M:latest",
            "messages": [{"role": "user", "content": "Hi."}],
            "think": True,
        },
        Constraint("value", "think", "true"),
        {
            "model": "Qwen3-14B-128K-Q4_K_M:latest",
            "messages": [{"role": "user", "content": "Hi."}],
            "think": False,
        },
        id="native-think",
    ),
    pytest.param(
        "http://localhost:11434/v1/chat/completions",
        '400 Bad Request: "huggingface.co/unsloth/GLM-4.7-Flash-GGUF:Q3_K_S" does not support thinking',
        {
            "model": "huggingface.co/unsloth/GLM-4.7-Flash-GGUF:Q3_K_S",
            "messages": [{"role": "user", "content": "Hi."}],
            "reasoning_effort": "high",
        },
        Constraint("value", "reasoning_effort", "high"),
        {
            "model": "huggingface.co/unsloth/GLM-4.7-Flash-GGUF:Q3_K_S",
            "messages": [{"role": "user", "content": "Hi."}],
            "reasoning_effort": "none",
        },
        id="openai-layer-effort",
    ),
]


@pytest.mark.parametrize(("url", "text", "refused", "constraint", "fixed"), THINKING_REFUSALS)
def test_a_refused_reasoning_knob_is_learned_with_the_value_the_request_sent(
    url: str, text: str, refused: dict[str, Any], constraint: Constraint, fixed: dict[str, Any]
) -> None:
    from toolguard_core.causes import recognise_error

    found = recognise_error(parse_error(text, status=400), provider="ollama", status=400, request=refused)
    assert found is not None and found.cause_id == "cause.reasoning-effort-unsupported"
    assert found.constraint == constraint
    learned = LearnedConstraint(
        constraint.kind, constraint.name, constraint.value, found.cause_id, text, "flow-1"
    )
    knowledge = Knowledge({(upstream_key(url), refused["model"]): Calibration((learned,))})
    again = analyse_request(json.dumps(refused), url, knowledge=knowledge)
    assert [f.rule for f in again.findings if f.rule.startswith("learned.")] == ["learned.value"]
    after_fix = analyse_request(json.dumps(fixed), url, knowledge=knowledge)
    assert not [f for f in after_fix.findings if f.rule.startswith("learned.")]


def _chat_call(call_id: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    call: dict[str, Any] = {
        "id": call_id,
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    return {**call, **({"extra_content": extra} if extra else {})}


def _replay(call_id: str, *, extra: dict[str, Any] | None = None, then: list[Any] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "model": "m",
        "messages": [
            {"role": "user", "content": "What is the weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [_chat_call(call_id, extra)]},
            {"role": "tool", "tool_call_id": call_id, "content": "sunny"},
            *then,
        ],
        "tools": [_TOOL],
    }


def _with_schema(items: dict[str, Any], *, where: str = "tools") -> dict[str, Any]:
    schema = {"type": "object", "properties": {"field6": {"type": "array", "items": items}}}
    body: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    if where == "tools":
        body["tools"] = [{"type": "function", "function": {"name": "f", "parameters": schema}}]
    else:
        body["response_format"] = {"type": "json_schema", "json_schema": {"name": "r", "schema": schema}}
    return body


_GEMINI_KEYWORD = (  # dev legacy-gemini-070, musistudio/claude-code-router#187
    'Invalid JSON payload received. Unknown name "additionalProperties" at \'tools[0].function_declarations[34]'
    ".parameters.properties[6].value.items.any_of[0]': Cannot find field."
)
_MISTRAL_ID = (
    "Tool call id was call_49c89af0 but must be a-z, A-Z, 0-9,\nwith a length of 9"  # dev legacy-vllm-063
)
_SIGNATURE = (  # dev a-0013, manthanabc/paws#103
    "Function call is missing a thought_signature in functionCall parts. This is required for tools to work "
    "correctly, and missing thought_signature may lead to degraded model performance. Additional data, "
    "function call `default_api:shell` , position 2. Please refer to "
    "https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
)
_GEMINI_CHAT = "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
_NESTED = {"anyOf": [{"type": "string", "additionalProperties": False}]}

#: Refusals whose constraint only the refused request completes (learn9): (url, provider, text, the refused
#: request, the constraint, requests that repeat it, requests the refusal does not cover).
FORM_REFUSALS = [
    pytest.param(
        _GEMINI_CHAT,
        "gemini",
        _GEMINI_KEYWORD,
        _with_schema(_NESTED),
        Constraint("schema_keyword", "additionalProperties", "tools"),
        [_with_schema({"type": "object", "additionalProperties": {"type": "string"}})],
        [
            _with_schema({"type": "string"}),
            # a property named like the keyword is no keyword; the keyword in a response format is
            # another container than the one refused
            _with_schema({"type": "object", "properties": {"additionalProperties": {"type": "string"}}}),
            _with_schema(_NESTED, where="response_format"),
        ],
        id="gemini-nested-schema-keyword",
    ),
    pytest.param(
        _GEMINI_CHAT,
        "gemini",
        # probe-l9-9router-gemini-ref (decolua/9router#1036): Gemini names "$ref" by its proto field, "ref"
        'Invalid JSON payload received. Unknown name "ref" at \'tools[0].function_declarations[4].parameters'
        ".properties[0].value.items': Cannot find field.",
        _with_schema({"$ref": "#/$defs/Item"}),
        Constraint("schema_keyword", "$ref", "tools"),
        [_with_schema({"anyOf": [{"$ref": "#/$defs/Other"}]})],
        [_with_schema({"type": "object", "properties": {"ref": {"type": "string"}}})],
        id="gemini-proto-name-of-a-keyword",
    ),
    pytest.param(
        "http://localhost:8000/v1/chat/completions",
        "vllm",
        _MISTRAL_ID,
        _replay("call_49c89af0"),
        Constraint("id_format", "tool_call_id", "call_********"),
        [_replay("call_0a1b2c3d")],
        [_replay("a1B2c3D4e"), _replay("call_0a1b2c3d4e5f")],
        id="mistral-tool-call-id-shape",
    ),
    pytest.param(
        _GEMINI_CHAT,
        "gemini",
        _SIGNATURE,
        _replay("call_1"),
        Constraint("missing_field", "thought_signature"),
        [_replay("call_2")],
        [
            _replay("call_1", extra={"google": {"thought_signature": "c2lnbmF0dXJl"}}),
            # a call of an earlier turn is not validated (the docs: the current turn only)
            _replay(
                "call_1", then=[{"role": "assistant", "content": "ok"}, {"role": "user", "content": "thanks"}]
            ),
        ],
        id="gemini-thought-signature",
    ),
    pytest.param(
        "http://localhost:8000/v1/chat/completions",
        "vllm",
        # dev legacy-vllm-082, vllm-project/vllm#12864
        "1 validation error for ChatCompletionRequest\nmessages.0.user.name\n  Extra inputs are not permitted "
        "[type=extra_forbidden, input_value='bob', input_type=str]",
        {"model": "m", "messages": [{"role": "user", "content": "Hi.", "name": "bob"}]},
        Constraint("message_field", "name", "user"),
        [{"model": "m", "messages": [{"role": "user", "content": "Hi.", "name": "ann"}]}],
        [
            {
                "model": "m",
                "messages": [
                    {"role": "user", "content": "Hi."},
                    {"role": "tool", "name": "f", "content": "1", "tool_call_id": "a"},
                ],
            }
        ],
        id="message-field-on-its-role",
    ),
    pytest.param(
        "https://ai-proxy.lab.epam.com/openai/deployments/gemini-2.5-pro/chat/completions",
        None,
        # EPAM DIAL's gateway (probe9p-dial-gateway-stream-options, epam/ai-dial#338)
        '{"error": {"message": "Your request contained invalid structure on path stream_options. extra fields '
        'not permitted", "type": "invalid_request_error", "code": "400"}}',
        {"model": "m", "stream": True, "stream_options": {"include_usage": True}, "messages": [USER]},
        Constraint("field", "stream_options"),
        [],
        [{"model": "m", "stream": True, "messages": [USER]}],
        id="dial-extra-fields-on-path",
    ),
    pytest.param(
        "https://api.perplexity.ai/chat/completions",
        "perplexity",
        # probe9p-perplexity-max-tokens-below-16 (langgenius/dify-official-plugins#3255): the floor the text
        # states is learned, not the one value refused
        "max_tokens must be at least 16 for sonar",
        {"model": "m", "messages": [USER], "max_tokens": 10},
        Constraint("bound", "max_tokens", "<16"),
        [{"model": "m", "messages": [USER], "max_tokens": 1}],
        [
            {"model": "m", "messages": [USER], "max_tokens": 16},
            {"model": "m", "messages": [USER], "max_tokens": 4096},
        ],
        id="perplexity-max-tokens-floor",
    ),
]


@pytest.mark.parametrize(
    ("url", "provider", "text", "refused", "constraint", "repeated", "other"), FORM_REFUSALS
)
def test_a_refusal_only_the_request_completes_is_learned_as_narrowly_as_it_showed(
    url: str,
    provider: str,
    text: str,
    refused: dict[str, Any],
    constraint: Constraint,
    repeated: list[dict[str, Any]],
    other: list[dict[str, Any]],
) -> None:
    from toolguard_core.causes import recognise_error

    found = recognise_error(parse_error(text, status=400), provider=provider, status=400, request=refused)
    assert found is not None and found.constraint == constraint
    learned = LearnedConstraint(
        constraint.kind, constraint.name, constraint.value, found.cause_id, text, "f1"
    )
    knowledge = Knowledge({(upstream_key(url), "m"): Calibration((learned,))})
    rule = learned.rule
    for body in [refused, *repeated]:
        again = analyse_request(json.dumps(body), url, knowledge=knowledge)
        assert rule in [f.rule for f in again.findings if f.severity == Severity.ERROR], body
    for body in other:
        checked = analyse_request(json.dumps(body), url, knowledge=knowledge)
        assert not [f for f in checked.findings if f.rule.startswith("learned.")], body
    # Another model on the same host learned nothing.
    elsewhere = analyse_request(json.dumps({**refused, "model": "n"}), url, knowledge=knowledge)
    assert not [f for f in elsewhere.findings if f.rule.startswith("learned.")]


def test_the_new_kinds_survive_export_and_import_and_an_old_export_still_imports(tmp_path: Path) -> None:
    db = open_db(tmp_path / "a.db")
    migrations.apply(db)
    old = {  # an export of the format before the new kinds: the same columns, kinds of then
        "format": "toolguard-learned",
        "version": 1,
        "constraints": [
            {
                "host": "h",
                "model": "m",
                "kind": "param",
                "name": "top_k",
                "value": "",
                "error_text": "t",
                "first_flow": "f0",
            }
        ],
        "calibration": [],
    }
    new = [
        ("schema_keyword", "additionalProperties", "tools"),
        ("id_format", "tool_call_id", "call_********"),
        ("missing_field", "thought_signature", ""),
    ]
    assert import_learned(db, old) == (1, 0)
    rows = [
        {"host": "h", "model": "m", "kind": k, "name": n, "value": v, "error_text": "t", "first_flow": "f1"}
        for k, n, v in new
    ]
    import_learned(db, {"format": "toolguard-learned", "version": 1, "constraints": rows, "calibration": []})
    exported = export_learned(db)
    assert {(c["kind"], c["name"], c["value"], c["rule"]) for c in exported["constraints"]} == {
        ("param", "top_k", "", "learned.param"),
        ("schema_keyword", "additionalProperties", "tools", "learned.schema-keyword"),
        ("id_format", "tool_call_id", "call_********", "learned.id-format"),
        ("missing_field", "thought_signature", "", "learned.missing-field"),
    }
    other = open_db(tmp_path / "b.db")
    migrations.apply(other)
    import_learned(other, exported)
    knowledge = load_knowledge(other)
    kinds = {c.kind for c in knowledge.for_request("h", "m").constraints}
    assert kinds == {"param", "schema_keyword", "id_format", "missing_field"}
    # `toolguard learned list` says what each new kind's value is.
    assert sorted(listed(c["kind"], c["name"], c["value"]) for c in exported["constraints"]) == [
        "additionalProperties in tools",
        "thought_signature missing on a replayed call",
        "tool_call_id shaped call_********",
        "top_k",
    ]


def test_a_keyword_the_host_asks_for_is_not_learned_as_refused() -> None:
    """OpenAI's strict mode quotes the keyword it wants (bytedance/trae-agent#173): learning it would flag
    the fixed request, which carries it."""
    from toolguard_core.causes import recognise_error

    text = (
        "Invalid schema for function 'json_edit_tool': In context=('properties', 'value'), "
        "'additionalProperties' is required to be supplied and to be false."
    )
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"value": {"type": "object", "properties": {}}},
    }
    request = {
        "model": "m",
        "messages": [USER],
        "tools": [
            {"type": "function", "function": {"name": "json_edit_tool", "strict": True, "parameters": schema}}
        ],
    }
    found = recognise_error(parse_error(text, status=400), provider="openai", status=400, request=request)
    assert found is not None and found.cause_id == "cause.tool-schema-invalid"
    assert found.constraint is None or found.constraint.kind != "schema_keyword"


@pytest.mark.parametrize(
    ("host", "port", "scheme", "key"),
    [
        ("API.OpenAI.com", 443, "https", "api.openai.com"),
        ("localhost", 80, "http", "localhost"),
        ("localhost", 8080, "http", "localhost:8080"),
        ("localhost", 443, "http", "localhost:443"),
        ("127.0.0.1", None, None, "127.0.0.1"),
    ],
)
def test_an_upstream_is_its_host_and_any_port_not_its_schemes_own(
    host: str, port: int | None, scheme: str | None, key: str
) -> None:
    assert learned_host(host, port, scheme) == key


def test_what_one_local_server_refused_does_not_flag_another_on_the_same_machine() -> None:
    """llama.cpp on :8080 refusing a parameter (dev b-0027) said nothing about vLLM on :8000: keyed by
    host alone, the learned error flagged requests vLLM accepts (two of the corpus's valid requests)."""
    learned = _learned()
    knowledge = Knowledge({(upstream_key("http://localhost:8080/v1"), "m"): Calibration((learned,))})
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}], "presence_penalty": 1})
    same = analyse_request(body, "http://localhost:8080/v1/chat/completions", knowledge=knowledge)
    other = analyse_request(body, "http://localhost:8000/v1/chat/completions", knowledge=knowledge)
    assert [f.rule for f in same.findings if f.rule.startswith("learned.")] == ["learned.param"]
    assert [f.rule for f in other.findings if f.rule.startswith("learned.")] == []


def test_forget_with_the_bare_host_points_to_its_port_keys(tmp_path: Path) -> None:
    """What 127.0.0.1:9 taught is kept under 127.0.0.1:9 (the name the reports print since session 10;
    before, they printed 127.0.0.1). `forget --host 127.0.0.1` forgot 0 rows without a word on why."""
    from click.testing import CliRunner

    from toolguard_analysis.cli import cli

    path = tmp_path / "a.db"
    open_db(path).close()
    _store(path, [_row("a", "unexplained", status=400, body=json.dumps({"error": XAI_TEXT}))])
    runner = CliRunner()
    bare = runner.invoke(cli, ["learned", "forget", "--host", "127.0.0.1", "--db", str(path)])
    assert (bare.exit_code, bare.stdout) == (1, "")
    assert bare.stderr == (
        f"rows learned from 127.0.0.1 on a port of its own are kept under host:port: --host {UPSTREAM_KEY}\n"
        "Error: nothing learned matches --host 127.0.0.1 ('toolguard learned list' shows what is stored)\n"
    )
    ported = runner.invoke(cli, ["learned", "forget", "--host", UPSTREAM_KEY, "--db", str(path)])
    assert (ported.exit_code, ported.stdout, ported.stderr) == (0, "forgot 1 row(s)\n", "")
    elsewhere = runner.invoke(cli, ["learned", "forget", "--host", "elsewhere", "--db", str(path)])
    assert (elsewhere.exit_code, elsewhere.stdout, elsewhere.stderr) == (
        1,
        "",
        "Error: nothing learned matches --host elsewhere ('toolguard learned list' shows what is stored)\n",
    )


def test_forget_says_which_filter_matched_nothing_and_exits_1(tmp_path: Path) -> None:
    """The learned group's help says exit 1 when what was asked for is not in the database; `forget`
    with filters that match no row exited 0 with "forgot 0 row(s)" (a new user's trial, session 15).
    Every filter given is named, quoted as a shell takes it back; --all on an empty store stays 0."""
    from click.testing import CliRunner

    from toolguard_analysis.cli import cli

    path = tmp_path / "a.db"
    open_db(path).close()
    _store(path, [_row("a", "unexplained", status=400, body=json.dumps({"error": XAI_TEXT}))])
    runner = CliRunner()
    missed = runner.invoke(
        cli,
        [
            "learned",
            "forget",
            "--host",
            UPSTREAM_KEY,
            "--model",
            "",
            "--rule",
            "learned.param",
            "--name",
            "top k",
            "--db",
            str(path),
        ],
    )
    assert (missed.exit_code, missed.stdout, missed.stderr) == (
        1,
        "",
        f"Error: nothing learned matches --host {UPSTREAM_KEY} --model '' --rule learned.param --name 'top k' "
        "('toolguard learned list' shows what is stored)\n",
    )
    kept = runner.invoke(cli, ["learned", "list", "--json", "--db", str(path)])
    assert len(json.loads(kept.stdout)["constraints"]) == 1  # nothing was forgotten
    assert runner.invoke(cli, ["learned", "forget", "--all", "--db", str(path)]).exit_code == 0
    empty = runner.invoke(cli, ["learned", "forget", "--all", "--db", str(path)])
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "forgot 0 row(s)\n", "")


#: (host, port, scheme) -> how every report names that upstream (learned.upstream_name).
UPSTREAM_NAMES: list[tuple[str, int | None, str | None, str]] = [
    ("api.openai.com", 443, "https", "api.openai.com"),
    ("API.OpenAI.com", 443, "HTTPS", "api.openai.com"),
    ("127.0.0.1", 8000, "http", "127.0.0.1:8000"),
    ("127.0.0.1", 11434, "http", "127.0.0.1:11434"),
    ("localhost", 80, "http", "localhost"),
    ("localhost", 443, "http", "localhost:443"),  # https's port on plain http is not the scheme's own
    ("gw.corp.example", 80, "https", "gw.corp.example:80"),
    ("realtime.example", 443, "wss", "realtime.example"),
    ("realtime.example", 8080, "ws", "realtime.example:8080"),
    ("gw.corp.example", None, "https", "gw.corp.example"),
    ("gw.corp.example", 8443, None, "gw.corp.example:8443"),
    # IPv6 (session 11): bracketed as a URI's authority writes it (RFC 3986 section 3.2.2); mitmproxy's
    # request.host has no brackets, and the old "::1:8080" was itself a valid address.
    ("::1", 8080, "http", "[::1]:8080"),
    ("::1", 80, "http", "[::1]"),
    ("FE80::1", 11434, "http", "[fe80::1]:11434"),
    ("2001:db8::8", 443, "wss", "[2001:db8::8]"),
    ("::1", None, None, "[::1]"),
    ("[::1]", 8000, "http", "[::1]:8000"),  # a Host header's form: not bracketed twice
]


@pytest.mark.parametrize(("host", "port", "scheme", "name"), UPSTREAM_NAMES)
def test_an_upstream_is_named_as_its_learned_key(
    host: str, port: int | None, scheme: str | None, name: str
) -> None:
    """The display name is the learned key (one function): ``toolguard learned forget --host`` takes
    what a report printed."""
    assert upstream_name(host, port, scheme) == learned_host(host, port, scheme) == name


def test_the_sql_name_is_the_python_name_in_sqlite(tmp_path: Path) -> None:
    """The summary and Datasette compute the name in SQL from a stored row's host, port and scheme."""
    db = open_db(tmp_path / "names.db")
    write_rows(
        db,
        [
            FlowRow(id=f"f{i}", datetime_utc="2026-01-01T00:00:00.000Z", host=host, port=port, scheme=scheme)
            for i, (host, port, scheme, _) in enumerate(UPSTREAM_NAMES)
        ],
    )
    got = [
        row[0]
        for row in db.execute(f"select {upstream_name_sql()} from flows order by cast(substr(id, 2) as int)")
    ]
    db.close()
    assert got == [name for *_, name in UPSTREAM_NAMES]


def test_the_sql_name_is_the_python_name_in_postgresql(postgres_url: str) -> None:
    """The same expression on PostgreSQL (the shared store's summary runs the same SQL)."""
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(postgres_url) as conn:
        conn.execute("create table t (i integer, host text, port bigint, scheme text)")
        for i, (host, port, scheme, _) in enumerate(UPSTREAM_NAMES):
            conn.execute("insert into t values (%s, %s, %s, %s)", [i, host, port, scheme])
        got = [row[0] for row in conn.execute(f"select {upstream_name_sql()} from t order by i")]
    assert got == [name for *_, name in UPSTREAM_NAMES]
