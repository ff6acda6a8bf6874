"""``toolguard summary``'s "what was seen" block (every format): the requests the runs saw, zero said
plainly, the requests whose provider and model no catalog knows (model rules skipped: usually not
stored, so only the run rows know them) and the unrecognised hosts of the stored flows."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from toolguard_analysis.cli import cli
from toolguard_analysis.render import render_html, render_markdown, render_text
from toolguard_analysis.summary import build_summary
from toolguard_core.store import FindingRow, FlowRow, RunRow, open_db, write_rows, write_run

#: What follows the unrecognised hosts wherever they are named (visibility.MAP_A_HOST).
MAP = (
    "no provider-specific rule was applied; map a host to its provider with [[gateway]] in the providers "
    "config (--set toolguard_providers=FILE, docs/providers.md)"
)
UNRECOGNISED = (
    "hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic "
    "Messages, plus the model catalog)"
)

UNCHECKED = (
    "1 request NOT checked because of its path, rejected by the upstream (llm.corp.example/v1/chat/completion (1)): "
    "no rule validated it; toolguard validates POSTs to /chat/completions, /responses, /v1/messages and the "
    "native chat APIs' paths (toolguard_paths); send such requests to the right endpoint (a typo'd path is the client's "
    "to fix), or have toolguard validate a path of your own with --set toolguard_paths=REGEX (README, Options)"
)
SKIPPED = (
    "4 requests with models toolguard does not know for their host (llm.corp.example, 127.0.0.1): model "
    'rules were skipped (declare the host with [[gateway]] or the model with [models."name"] in the '
    "providers config, docs/providers.md)"
)


def _with_runs(path: Path) -> Path:
    db = open_db(path)
    write_run(
        db,
        RunRow(id="r1", started_utc="2026-11-30T09:00:00.000Z", ended_utc="2026-11-30T09:10:00.000Z",
               requests_seen=6, validated=5, model_rules_skipped=3,
               model_rules_skipped_hosts='{"llm.corp.example": 3}', unchecked_requests=1, unchecked_rejected=1,
               unchecked_paths='{"llm.corp.example/v1/chat/completion": 1}'),
    )  # fmt: skip
    write_run(
        db,
        RunRow(id="r2", started_utc="2026-11-30T10:00:00.000Z", ended_utc="2026-11-30T10:05:00.000Z",
               requests_seen=2, validated=2, model_rules_skipped=1, model_rules_skipped_hosts='{"127.0.0.1": 1}'),
    )  # fmt: skip
    write_rows(
        db,
        [
            FlowRow(id="f1", datetime_utc="2026-11-30T09:01:00.000Z", run_id="r1", host="llm.corp.example",
                    provider="generic", model="acme-ft", status=400, verdict="unexplained"),
            FlowRow(id="f2", datetime_utc="2026-11-30T10:01:00.000Z", run_id="r2", host="api.openai.com",
                    provider="openai", model="gpt-4o", status=400, verdict="unexplained"),
        ],
    )  # fmt: skip
    db.close()
    return path


def test_an_empty_database_says_nothing_was_seen(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    open_db(path).close()
    data = build_summary([path])
    assert data["seen"] == {
        "runs": 0,
        "requests_seen": 0,
        "websocket_messages": 0,
        "validated": 0,
        "model_rules_skipped": 0,
        "model_rules_skipped_hosts": {},
        "model_rules_skipped_local": 0,
        "model_rules_skipped_models": {},
        "passed_through": {},
        "unrecognised_requests": 0,
        "unrecognised_hosts": [],
        "unrecognised_host_count": 0,
        "unchecked_requests": 0,
        "unchecked_rejected": 0,
        "unchecked_paths": {},
        "ignored_requests": 0,
        "ignored_paths": {},
        "notes": ["toolguard saw 0 requests: nothing was checked"],
    }
    assert render_text(data, width=400).splitlines()[1:3] == [
        "0 stored flows, 0 rejected by the upstream, 0 distinct failure(s)",
        "toolguard saw 0 requests: nothing was checked",
    ]
    assert "toolguard saw 0 requests: nothing was checked.\n" in render_markdown(data)
    assert '<p class="seen-note">toolguard saw 0 requests: nothing was checked.</p>' in render_html(data)


def test_a_run_that_saw_nothing_says_so(tmp_path: Path) -> None:
    path = tmp_path / "idle.db"
    db = open_db(path)
    write_run(
        db, RunRow(id="r", started_utc="2026-11-30T09:00:00.000Z", ended_utc="2026-11-30T09:01:00.000Z")
    )
    db.close()
    assert build_summary([path])["seen"]["notes"] == ["toolguard saw 0 requests: nothing was checked"]


def test_the_runs_skipped_model_rules_and_unrecognised_hosts_are_said(tmp_path: Path) -> None:
    path = _with_runs(tmp_path / "runs.db")
    data = build_summary([path])
    assert data["seen"] == {
        "runs": 2,
        "requests_seen": 8,
        "websocket_messages": 0,
        "validated": 7,
        "model_rules_skipped": 4,
        "model_rules_skipped_hosts": {"llm.corp.example": 3, "127.0.0.1": 1},
        "model_rules_skipped_local": 0,  # run rows from before m018: no models, the per-host sentence
        "model_rules_skipped_models": {},
        "passed_through": {},
        "unrecognised_requests": 0,
        "unrecognised_hosts": ["llm.corp.example"],
        "unrecognised_host_count": 1,
        # The request of r1 no rule validated because of its path (runs.unchecked_*, m016).
        "unchecked_requests": 1,
        "unchecked_rejected": 1,
        "unchecked_paths": {"llm.corp.example/v1/chat/completion": 1},
        "ignored_requests": 0,
        "ignored_paths": {},
        "notes": [
            "toolguard saw 8 requests (7 checked) in 2 run(s)",
            SKIPPED,
            f"{UNRECOGNISED}: llm.corp.example; {MAP}",
            UNCHECKED,
        ],
    }
    text = render_text(data, width=400)
    for note in data["seen"]["notes"]:
        assert text.count(note) == 1  # said once
    # The JSON format carries the same block (docs/summary.md).
    result = CliRunner().invoke(cli, ["summary", "--db", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["seen"] == data["seen"]


def test_requests_passed_through_unvalidated_are_said_with_their_reason(tmp_path: Path) -> None:
    """A body over toolguard_max_body (a stored flow with its info finding) showed only as
    "toolguard saw 2 requests (1 checked)": nothing said which request went unchecked, or why."""
    path = tmp_path / "large.db"
    db = open_db(path)
    write_run(
        db,
        RunRow(id="r", started_utc="2026-11-30T09:00:00.000Z", ended_utc="2026-11-30T09:01:00.000Z",
               requests_seen=3, validated=1),
    )  # fmt: skip
    write_rows(
        db,
        [
            FlowRow(id="big", datetime_utc="2026-11-30T09:00:10.000Z", run_id="r", host="api.openai.com",
                    provider="openai", status=400, verdict="unexplained",
                    findings=[FindingRow(idx=0, rule="body.too-large", severity="info", location="body",
                                         message="The body is 5148 bytes, over toolguard_max_body (1024).")]),
            FlowRow(id="deep", datetime_utc="2026-11-30T09:00:20.000Z", run_id="r", host="api.openai.com",
                    provider="openai", status=200, verdict="accepted",
                    findings=[FindingRow(idx=0, rule="body.too-deep", severity="warning", location="body",
                                         message="The body nests deeper than the JSON parser allows.")]),
        ],
    )  # fmt: skip
    db.close()
    data = build_summary([path])
    note = (
        "2 requests passed through without validation (body.too-large 1, body.too-deep 1): no rule checked "
        "them (toolguard_max_body and the other limits: docs/robustness.md)"
    )
    assert (data["seen"]["passed_through"], data["seen"]["notes"]) == (
        {"body.too-large": 1, "body.too-deep": 1},
        ["toolguard saw 3 requests (1 checked) in 1 run(s)", note],
    )
    assert render_text(data, width=400).count(note) == 1
    assert f"{note}.\n" in render_markdown(data)
    assert f'<p class="seen-note">{note}.</p>' in render_html(data)
    assert build_summary([path], host="example.org")["seen"]["passed_through"] == {}


def test_the_filters_in_force_are_said_in_every_format(tmp_path: Path) -> None:
    """`toolguard summary --client QwenCod3` (a typo) read "0 stored flows, 0 rejected by the upstream"
    and "(no rejected requests)" over a database holding rejections, and a `--since 7d --client X
    --format markdown` report pasted in a ticket never said it covered only those flows."""
    path = _with_runs(tmp_path / "runs.db")
    data = build_summary([path], client="QwenCod3", until="2026-11-30T11:00:00.000Z")
    note = "only flows matching --until 2026-11-30T11:00:00.000Z --client QwenCod3 are counted, not the whole database"
    assert render_text(data, width=400).splitlines()[1:3] == [
        "0 stored flows, 0 rejected by the upstream, 0 distinct failure(s)",
        note,
    ]
    assert render_markdown(data).count(f"{note}.\n") == 1
    assert render_html(data).count(f'<p class="seen-note">{note}.</p>') == 1
    unfiltered = build_summary([path])
    assert not any("only flows matching" in line for line in render_text(unfiltered, width=400).splitlines())


def test_the_time_window_and_the_host_filter_apply(tmp_path: Path) -> None:
    path = _with_runs(tmp_path / "runs.db")
    late = build_summary([path], since="2026-11-30T09:30:00.000Z")["seen"]
    assert (late["runs"], late["requests_seen"], late["model_rules_skipped_hosts"]) == (
        2 - 1,
        2,
        {"127.0.0.1": 1},
    )
    corp = build_summary([path], host="corp")["seen"]
    assert (corp["model_rules_skipped"], corp["model_rules_skipped_hosts"], corp["unrecognised_hosts"]) == (
        3,
        {"llm.corp.example": 3},
        ["llm.corp.example"],
    )


def test_a_run_still_running_is_not_said_to_have_seen_nothing(tmp_path: Path) -> None:
    """A proxy writes its run's counts when it stops: while it runs, ``toolguard summary`` showed
    "toolguard saw 0 requests: nothing was checked" above the flows that run had just stored."""
    path = tmp_path / "running.db"
    db = open_db(path)
    write_run(db, RunRow(id="live", started_utc="2026-11-30T14:44:12.000Z"))  # no end, no counts yet
    write_rows(
        db,
        [FlowRow(id="f1", datetime_utc="2026-11-30T14:44:32.000Z", run_id="live", host="api.openai.com",
                 provider="openai", model="gpt-4o", status=400, verdict="unexplained")],
    )  # fmt: skip
    db.close()
    notes = build_summary([path])["seen"]["notes"]
    assert notes == [
        "1 run still running (or stopped without writing its counts): how many requests it saw is "
        "recorded when mitmdump stops"
    ]
    assert "nothing was checked" not in render_text(build_summary([path]), width=400)


def test_finished_runs_are_counted_beside_a_running_one(tmp_path: Path) -> None:
    path = _with_runs(tmp_path / "mixed.db")
    db = open_db(path)
    write_run(db, RunRow(id="r3", started_utc="2026-11-30T11:00:00.000Z"))
    write_run(db, RunRow(id="r4", started_utc="2026-11-30T11:30:00.000Z"))
    db.close()
    assert build_summary([path])["seen"]["notes"][:2] == [
        "toolguard saw 8 requests (7 checked) in 2 finished run(s)",
        "2 runs still running (or stopped without writing their counts): how many requests they saw is "
        "recorded when mitmdump stops",
    ]


def test_error_findings_no_answer_judged_are_not_called_none(tmp_path: Path) -> None:
    """A flagged request that got no answer (the fresh-clone walkthrough: an upstream that refused the
    connection) carries an error finding nobody confirmed or refuted: the rules section must not say
    "no error findings", in any format."""
    path = tmp_path / "no-answer.db"
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id="f1", datetime_utc="2026-11-30T09:01:00.000Z", host="127.0.0.1", provider="generic",
                    model="gpt-4o", status=None, verdict="no_answer", error_finding_count=1,
                    findings=[FindingRow(idx=0, rule="sequence.orphan-tool-message", severity="error",
                                         location="messages[1]", message="m")]),
        ],
    )  # fmt: skip
    db.close()
    data = build_summary([path])
    assert data["rules"] == []
    sentence = "error finding has been confirmed or refuted by an upstream's answer yet"
    for rendered in (render_text(data, width=400), render_markdown(data), render_html(data)):
        assert sentence in rendered.replace("&#x27;", "'")
        assert "no error findings" not in rendered.lower()


def test_a_host_model_or_client_filter_says_the_run_counts_are_not_narrowed(tmp_path: Path) -> None:
    """The walkthrough (leftovers9): `toolguard summary --host nosuch` printed "0 stored flows" and
    "toolguard saw 8 requests (8 checked) in 5 run(s)", read as 8 requests to that host. A run's counts
    are not per host (docs/summary.md): the line now says which filters they ignore; --since does not."""
    path = _with_runs(tmp_path / "runs.db")
    saw = "toolguard saw 8 requests (7 checked) in 2 run(s)"
    assert [n for n in build_summary([path])["seen"]["notes"] if n.startswith(saw)] == [saw]
    assert [
        n for n in build_summary([path], host="nosuch", model="x")["seen"]["notes"] if n.startswith(saw)
    ] == [f"{saw} (all of them: --host and --model narrow the flows, not a run's counts)"]
    assert [n for n in build_summary([path], client="curl")["seen"]["notes"] if n.startswith(saw)] == [
        f"{saw} (all of them: --client narrows the flows, not a run's counts)"
    ]


def _clean_runs(path: Path) -> Path:
    """Two runs against hosts no provider profile recognises that stored nothing (every request
    clean), and a flow stored by a third run to another such host."""
    db = open_db(path)
    write_run(
        db,
        RunRow(id="c1", started_utc="2026-11-30T09:00:00.000Z", ended_utc="2026-11-30T09:10:00.000Z",
               requests_seen=5, validated=5, unrecognised_requests=5,
               unrecognised_hosts='{"127.0.0.1": 4, "litellm.corp.example": 1}'),
    )  # fmt: skip
    write_run(
        db,
        RunRow(id="c2", started_utc="2026-11-30T10:00:00.000Z", ended_utc="2026-11-30T10:05:00.000Z",
               requests_seen=3, validated=3, unrecognised_requests=2, unrecognised_hosts='{"litellm.corp.example": 2}'),
    )  # fmt: skip
    write_run(
        db,
        RunRow(id="old", started_utc="2026-11-30T11:00:00.000Z", ended_utc="2026-11-30T11:05:00.000Z",
               requests_seen=1, validated=1),
    )  # fmt: skip
    write_rows(
        db,
        [FlowRow(id="f1", datetime_utc="2026-11-30T11:01:00.000Z", run_id="old", host="gw.corp.example",
                 provider="generic", model="acme-ft", status=400, verdict="unexplained")],
    )  # fmt: skip
    db.close()
    return path


def _two_servers_on_one_host(path: Path) -> Path:
    """vLLM on 127.0.0.1:8000 (two rejections) and Ollama on 127.0.0.1:11434 (one), both unrecognised."""
    db = open_db(path)
    write_rows(
        db,
        [
            FlowRow(id=flow_id, datetime_utc=f"2026-11-30T09:0{i}:00.000Z", method="POST", scheme="http",
                    host="127.0.0.1", port=port, path="/v1/chat/completions", provider="generic",
                    model="qwen", status=400, verdict="unexplained", error_message="bad request")
            for i, (flow_id, port) in enumerate([("v1", 8000), ("v2", 8000), ("o1", 11434)])
        ],
    )  # fmt: skip
    db.close()
    return path


def test_a_clean_run_against_an_unrecognised_host_says_it_was_judged_generically(tmp_path: Path) -> None:
    """Every request to a local vLLM and a LiteLLM proxy passed and nothing was stored: the summary
    said "toolguard saw 8 requests" and nothing about the generic profile judging them, because the
    unrecognised hosts came from stored flows only. The proxy's per-run count names them."""
    path = _clean_runs(tmp_path / "clean.db")
    data = build_summary([path])
    note = f"7 requests to {UNRECOGNISED}: 127.0.0.1, litellm.corp.example, gw.corp.example; {MAP}"
    seen = data["seen"]
    assert (seen["unrecognised_requests"], seen["unrecognised_hosts"], seen["unrecognised_host_count"]) == (
        7,
        ["127.0.0.1", "litellm.corp.example", "gw.corp.example"],
        3,
    )
    assert seen["notes"] == ["toolguard saw 9 requests (9 checked) in 3 run(s)", note]
    assert render_text(data, width=400).count(note) == 1
    assert render_markdown(data).count(f"{note}.\n") == 1
    assert render_html(data).count(f'<p class="seen-note">{note}.</p>') == 1
    # --host narrows the counted hosts as it narrows the stored flows.
    litellm = build_summary([path], host="litellm")["seen"]
    assert litellm["notes"][-1] == f"3 requests to {UNRECOGNISED}: litellm.corp.example; {MAP}"
    # A window with only the first run: its own hosts, counted.
    early = build_summary([path], until="2026-11-30T09:30:00.000Z")["seen"]
    assert early["notes"][-1] == f"5 requests to {UNRECOGNISED}: 127.0.0.1, litellm.corp.example; {MAP}"


def test_a_summary_of_recognised_hosts_only_says_nothing_about_unrecognised_ones(tmp_path: Path) -> None:
    path = tmp_path / "openai.db"
    db = open_db(path)
    write_run(
        db,
        RunRow(id="r", started_utc="2026-11-30T09:00:00.000Z", ended_utc="2026-11-30T09:01:00.000Z",
               requests_seen=2, validated=2),
    )  # fmt: skip
    db.close()
    seen = build_summary([path])["seen"]
    assert (seen["unrecognised_requests"], seen["notes"]) == (
        0,
        ["toolguard saw 2 requests (2 checked) in 1 run(s)"],
    )


def test_two_servers_on_one_host_are_two_upstreams(tmp_path: Path) -> None:
    """The summary names an upstream host:port off the scheme's default port (learned.upstream_name,
    computed in SQL from host, port and scheme): in the unrecognised-hosts list, a group's hosts and
    the flows, read in place or staged from several files alike; ``--host`` selects by that name."""
    path = _two_servers_on_one_host(tmp_path / "two.db")
    empty = tmp_path / "empty.db"
    open_db(empty).close()
    for paths in ([path], [path, empty]):  # in place, then staged
        data = build_summary(paths)
        # By host, then numerically by port (as text, 127.0.0.1:11434 came first).
        assert (data["seen"]["unrecognised_hosts"], data["seen"]["unrecognised_host_count"]) == (
            ["127.0.0.1:8000", "127.0.0.1:11434"],
            2,
        )
        assert [g["hosts"] for g in data["groups"]] == [["127.0.0.1:8000", "127.0.0.1:11434"]]
        # The HTML report's drill-down flows (with_flows), newest first.
        assert [f["host"] for f in build_summary(paths, with_flows=True)["flows"]] == [
            "127.0.0.1:11434",
            "127.0.0.1:8000",
            "127.0.0.1:8000",
        ]
        text = render_text(data, width=400)
        assert "plus the model catalog): 127.0.0.1:8000, 127.0.0.1:11434; no provider-specific rule" in text
        assert "         hosts: 127.0.0.1:8000, 127.0.0.1:11434\n" in text
        assert "127.0.0.1:8000/v1/chat/completions" in render_html(build_summary(paths, with_flows=True))
        assert [g["count"] for g in build_summary(paths, host="127.0.0.1:8000")["groups"]] == [2]
        assert [g["count"] for g in build_summary(paths, host="127.0.0.1")["groups"]] == [3]


def test_host_lists_sort_numerically_by_port(tmp_path: Path) -> None:
    """Equal counts: by host, then by port as a number (as text, "gw:10000" came before "gw:8080"),
    the host on the scheme's own port first: the stored unrecognised hosts, a group's hosts, and the
    run rows' hosts with their counts."""
    path = tmp_path / "ports.db"
    db = open_db(path)
    write_run(
        db,
        RunRow(id="r1", started_utc="2026-11-30T09:00:00.000Z", ended_utc="2026-11-30T09:10:00.000Z",
               requests_seen=4, validated=4, unrecognised_requests=4,
               unrecognised_hosts='{"gw.example:10000": 1, "gw.example:8080": 1, "gw.example": 1, "[::1]:9000": 1}',
               model_rules_skipped=2, model_rules_skipped_hosts='{"gw.example:10000": 1, "gw.example:8080": 1}'),
    )  # fmt: skip
    write_rows(
        db,
        [
            FlowRow(id=f"p{port}", datetime_utc=f"2026-11-30T09:0{i}:00.000Z", run_id="r1", method="POST",
                    scheme="https", host="gw.example", port=port, path="/v1/chat/completions",
                    provider="generic", model="qwen", status=400, verdict="unexplained", error_message="bad request")
            for i, port in enumerate([10000, 8080, 443, 9000])
        ],
    )  # fmt: skip
    db.close()
    data = build_summary([path])
    ordered = ["gw.example", "gw.example:8080", "gw.example:9000", "gw.example:10000"]
    # The runs' counted hosts first (most requests first, then by host and port), then the stored
    # flows' hosts the runs did not count.
    assert data["seen"]["unrecognised_hosts"] == [
        "[::1]:9000",
        "gw.example",
        "gw.example:8080",
        "gw.example:10000",
        "gw.example:9000",
    ]
    assert data["seen"]["model_rules_skipped_hosts"] == {"gw.example:8080": 1, "gw.example:10000": 1}
    assert [g["hosts"] for g in data["groups"]] == [ordered]
