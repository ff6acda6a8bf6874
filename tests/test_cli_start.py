"""``toolguard --help`` (and every command's ``--help``) starts without loading the rules, the causes
catalogue or the store: building them took ~0.9 s CPU on every command, ``--help`` included. The
command modules import them where they are used (analysis/cli.py). ``toolguard learned
list|forget|export`` open a real database through the store and read or delete rows without
loading the rules, the catalogue or the providers either (the store and learned_store import them
where rows are derived). A fresh interpreter each time: ``sys.modules`` of the test process already
holds everything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.answers import OPENAI_ORPHAN
from support.flows import store_exchanges

from toolguard_core.learned_store import import_learned
from toolguard_core.store import open_db

#: What a help page must not load: the rules, the causes catalogue, the store and its migrations.
HEAVY = ("toolguard_core.causes", "toolguard_core.rules", "toolguard_core.store", "toolguard_core.providers")

PROBE = """
import json, sys
from toolguard_analysis.cli import cli
try:
    cli(sys.argv[1:], prog_name="toolguard")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("toolguard"))), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["run", "--help"],
        ["check", "--help"],
        ["show", "--help"],
        ["summary", "--help"],
        ["learned", "list", "--help"],
        ["proxy", "--help"],
    ],
)
def test_a_help_page_loads_neither_the_rules_nor_the_catalogue(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("Usage: toolguard")
    loaded = json.loads(result.stderr.strip().splitlines()[-1])
    assert [module for module in loaded if module.startswith(HEAVY)] == []


#: What reading and deleting learned rows must not load: HEAVY but the store, which opens the file.
CATALOGUE = tuple(module for module in HEAVY if module != "toolguard_core.store")

#: One learned row, as an export carries it (xAI's refusal, https://github.com/lobehub/lobehub/issues/8389).
LEARNED_EXPORT = {
    "format": "toolguard-learned",
    "version": 1,
    "constraints": [
        {
            "host": "api.x.ai",
            "model": "grok-4",
            "kind": "param",
            "name": "presence_penalty",
            "error_text": "Argument not supported on this model: presencePenalty",
            "first_flow": "f-grok-1",
            "first_seen": "2026-11-29T10:00:00.000Z",
        }
    ],
    "calibration": [],
}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["learned", "list"], "presence_penalty"),
        (["learned", "list", "--json"], '"presence_penalty"'),
        (["learned", "export", "-"], '"toolguard-learned"'),
        (["learned", "forget", "--host", "api.x.ai"], "forgot 1 row(s)"),
    ],
)
def test_reading_learned_rows_loads_neither_the_rules_nor_the_catalogue(
    args: list[str], says: str, tmp_path: Path
) -> None:
    path = tmp_path / "t.db"
    db = open_db(path)
    import_learned(db, LEARNED_EXPORT)
    db.close()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args, "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert says in result.stdout
    loaded = json.loads(result.stderr.strip().splitlines()[-1])
    assert "toolguard_core.store" in loaded  # the real store opened the file
    assert [module for module in loaded if module.startswith(CATALOGUE)] == []


# `toolguard summary` and `toolguard show` over rows the proxy stored with their root causes (session
# 12): the summary reads the causes, verdicts and groups the rows carry, and its "are these rows
# current" check reads the catalogue's digest from a generated module (grouping.summary_version), so
# neither loads the catalogue. Session 13: nor does `show` of a recognised or predicted rejection, whose
# rule of decision (verdict.judge) and cause's rule (patterns.predicting_rule) read the generated
# toolguard_core/cause_rules.py; it loaded the catalogue for them (1.1-1.5 s of CPU a `show`).

USER = {"role": "user", "content": "hi"}
ORPHAN = [USER, {"role": "tool", "tool_call_id": "call_1", "content": "x"}]
#: (URL, request, status, answer): OpenAI's orphan tool message and unknown model answers and
#: Anthropic's overload, as those APIs send them (tests/data/error_corpus.json, docs/causes.md), and
#: an orphan the upstream accepted (a false alarm).
EXCHANGES = [
    (
        "https://api.openai.com/v1/chat/completions",
        {"model": "gpt-4o", "messages": ORPHAN},
        400,
        OPENAI_ORPHAN,
    ),
    (
        "https://api.openai.com/v1/chat/completions",
        {"model": "gpt-9", "messages": [USER]},
        404,
        {
            "error": {
                "message": "The model `gpt-9` does not exist or you do not have access to it.",
                "type": "invalid_request_error",
                "param": None,
                "code": "model_not_found",
            }
        },
    ),
    (
        "https://api.anthropic.com/v1/messages",
        {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [USER]},
        529,
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    ),
    (
        "https://api.openai.com/v1/chat/completions",
        {"model": "gpt-4o", "messages": ORPHAN},
        200,
        {"id": "chatcmpl-1", "object": "chat.completion", "choices": []},
    ),
]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str | None]]]:
    """A database the real addon wrote (its hooks in mitmproxy's test context, tflow flows): the path
    and each flow's (id, cause_id), in the order above."""
    path = tmp_path_factory.mktemp("stored") / "toolguard.db"
    store_exchanges(path, EXCHANGES)
    db = open_db(path)
    rows = [(row["id"], row["cause_id"]) for row in db.query("select id, cause_id from flows order by rowid")]
    db.close()
    assert [cause for _, cause in rows] == [
        "cause.orphan-tool-result",
        "cause.model-not-found",
        "cause.overloaded",
        None,
    ]
    return path, rows


#: Runs the CLI as PROBE does, after importing the modules named on the first argument (the eager
#: catalogue, as before session 12, when the first is not empty), and prints what it loaded.
EAGER_PROBE = """
import json, sys
for module in filter(None, sys.argv[1].split(",")):
    __import__(module)
from toolguard_analysis.cli import cli
try:
    cli(sys.argv[2:], prog_name="toolguard")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("toolguard"))), file=sys.stderr)
"""


def _cli(preload: str, args: list[str]) -> tuple[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", EAGER_PROBE, preload, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout, json.loads(result.stderr.strip().splitlines()[-1])


def _commands(path: Path, rows: list[tuple[str, str | None]]) -> list[list[str]]:
    summaries = [
        ["summary", "--db", str(path), "--format", fmt] for fmt in ("text", "markdown", "json", "html")
    ]
    shows = [["show", "--db", str(path), flow_id] for flow_id, _ in rows]
    return summaries + shows


def test_summary_and_show_say_the_same_with_the_catalogue_loaded_or_not(
    stored: tuple[Path, list[tuple[str, str | None]]],
) -> None:
    path, rows = stored
    for args in _commands(path, rows):
        lazy, _ = _cli("", args)
        eager, loaded = _cli("toolguard_core.causes,toolguard_core.rules", args)
        assert "toolguard_core.causes" in loaded
        assert lazy and lazy == eager, args


def test_a_summary_over_stored_rows_loads_neither_the_catalogue_nor_the_rules(
    stored: tuple[Path, list[tuple[str, str | None]]],
) -> None:
    path, _rows = stored
    for fmt in ("text", "markdown", "json"):
        out, loaded = _cli("", ["summary", "--db", str(path), "--format", fmt])
        assert "cause.model-not-found" in out and "cause.overloaded" in out
        # Nor the rules: the not-validated ids it counts are toolguard_core.unvalidated's.
        assert [m for m in loaded if m.startswith(("toolguard_core.causes", "toolguard_core.rules"))] == [], (
            fmt
        )


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_show_of_a_stored_rejection_does_not_load_the_catalogue(
    stored: tuple[Path, list[tuple[str, str | None]]], fmt: str
) -> None:
    """Every flow: the predicted orphan (its error finding judged against the answer), the recognised
    unknown model and Anthropic overload (the Messages view), the accepted orphan."""
    path, rows = stored
    for flow_id, _cause in rows:
        out, loaded = _cli("", ["show", "--db", str(path), flow_id, "--format", fmt])
        assert flow_id in out, (flow_id, fmt)
        assert "toolguard_core.causes" not in loaded, (flow_id, fmt)


def test_the_not_validated_rule_ids_are_the_body_rules() -> None:
    from toolguard_core.rules.body import NOT_VALIDATED, TOO_DEEP, TOO_LARGE, UNDECODABLE
    from toolguard_core.visibility import UNVALIDATED_RULES

    assert (TOO_LARGE.id, TOO_DEEP.id, UNDECODABLE.id, NOT_VALIDATED.id) == UNVALIDATED_RULES


def test_the_generated_cause_rules_are_the_catalogues() -> None:
    """What the reports and the verdict read instead of the catalogue (toolguard_core/cause_rules.py)."""
    from toolguard_core import cause_rules, patterns, verdict
    from toolguard_core.causes import CAUSES, STATUS
    from toolguard_core.rules import RULES
    from toolguard_core.rules.registry import rule_apis

    fresh = "run .venv/bin/python scripts/gen_causes_doc.py"
    assert {
        cause: rules for cause, rules in patterns._all_predicting_rules().items() if rules
    } == cause_rules.ALL_PREDICTING_RULES, fresh
    assert dict(patterns._predicting_rules()) == cause_rules.DERIVED_RULES, fresh
    assert {c: r for c, r in patterns.catalogue_rules().items() if r} == cause_rules.PREDICTING_RULES, fresh
    assert {rule: rule_apis(rule) for rule in RULES} == cause_rules.RULE_APIS, fresh
    assert verdict.about_the_target() == frozenset(c.id for c in CAUSES if c.about_target), fresh
    assert verdict.status_tier() == next(iter(STATUS.values()))[1].provider, fresh


def test_the_stored_catalogue_digest_is_the_catalogues() -> None:
    from toolguard_core.catalogue_digest import CATALOGUE_DIGEST
    from toolguard_core.grouping import catalogue_digest, summary_version

    assert catalogue_digest() == CATALOGUE_DIGEST, "run .venv/bin/python scripts/gen_causes_doc.py"
    assert summary_version().endswith(f".{catalogue_digest()}")
