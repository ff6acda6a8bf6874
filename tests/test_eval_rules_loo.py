"""``scripts/eval_rules.py --leave-one-out`` (issue 9, session 16): a hit counts as carried only when a
matching finding rests on evidence from another thread than the row's own. The cases are real rules and
their declared sources (the registry), never a hard-coded result; the held-out part is never read."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from test_eval_rules import EVAL

from toolguard_core.findings import Finding, Severity
from toolguard_core.rules import RULES


def _finding(rule: str, location: str = "messages", message: str = "m") -> Finding:
    return Finding(rule=rule, severity=Severity.ERROR, location=location, message=message)


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        # An issue and a pull request of one number, a reference and a URL: one thread.
        ("https://github.com/A/b/issues/3", {"a/b#3"}),
        ("see https://github.com/a/B/pull/3#issuecomment-1", {"a/b#3"}),
        (
            "BerriAI/litellm#11696 and https://docs.x.ai/docs/x/",
            {"berriai/litellm#11696", "https://docs.x.ai/docs/x"},
        ),
        ("no source here", set()),
    ],
)
def test_source_keys_make_one_key_per_thread(text: str, keys: set[str]) -> None:
    assert EVAL.source_keys(text) == keys


def test_a_code_or_doc_reference_is_evidence_of_its_own() -> None:
    assert EVAL._source_key("code [VLLM-SP]") == {"ref:code [vllm-sp]"}


def _single_source_rules() -> list[tuple[str, str, str]]:
    """(rule, provider, thread) for rules that declare one GitHub thread for one provider and nothing else,
    and state no field fact: the row's own thread is then the rule's only evidence."""
    out = []
    for rule in RULES.values():
        if EVAL._FIELD_FACT_RULES.search(rule.id) or len(rule.predicts) != 1:
            continue
        predicted = rule.predicts[0]
        if EVAL._GH_URL.search(predicted.source):
            out.append((rule.id, predicted.provider, predicted.source))
    return out[:5]


@pytest.mark.parametrize(("rule", "provider", "thread"), _single_source_rules())
def test_verdict_follows_where_the_evidence_comes_from(rule: str, provider: str, thread: str) -> None:
    finding = _finding(rule)
    # The row is the thread the rule was written from: nothing else supports it.
    assert EVAL.loo_verdict({"thread": thread}, [finding], provider) == "own-only"
    # Another thread's row: the rule's source carries it for this host.
    assert EVAL.loo_verdict({"thread": "https://github.com/x/y/issues/1"}, [finding], provider) == "carried"
    # Another host: the rule's mechanism is evidenced, not that this host shares it.
    assert (
        EVAL.loo_verdict({"thread": "https://github.com/x/y/issues/1"}, [finding], "no-such-host")
        == "mechanism"
    )


def test_a_rule_with_nothing_traceable_counts_as_own_thread() -> None:
    assert EVAL.loo_verdict(
        {"thread": "https://github.com/x/y/issues/1"}, [_finding("no.such-rule")], None
    ) == ("untraced")


def test_a_field_fact_needs_evidence_about_that_field() -> None:
    """A host's refusal of one field does not evidence its refusal of another (params.* rules)."""
    cases = [
        (rule, p)
        for rule in RULES.values()
        if rule.id.startswith("params.")
        for p in rule.predicts
        if p.param and EVAL._GH_URL.search(p.source) and p.param.isidentifier()
    ]
    assert cases
    rule, predicted = cases[0]
    other = {"thread": "https://github.com/x/y/issues/1"}
    same = _finding(rule.id, location=predicted.param)
    assert EVAL.loo_verdict(other, [same], predicted.provider) == "carried"
    different = _finding(rule.id, location="zz_not_a_field")
    assert EVAL.loo_verdict(other, [different], predicted.provider) in {"mechanism", "own-only"}


def test_the_mode_reads_no_held_out_row(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = EVAL.build_request

    def spy(entry: dict[str, Any]) -> Any:
        seen.append(entry["split"])
        return original(entry)

    monkeypatch.setattr(EVAL, "build_request", spy)
    rows = EVAL.loo_rows()
    assert seen and set(seen) <= {"dev", "probe"}
    assert {r.part for r in rows} == {"dev", "probe"}
    # Every hit is traced to one verdict; a miss has none.
    assert {r.verdict for r in rows} <= {*EVAL.LOO_VERDICTS, None}


def test_the_mode_refuses_the_held_out_part(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        EVAL.main(["--leave-one-out", "--split", "heldout"])
    assert "held-out" in capsys.readouterr().err


def test_the_table_counts_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [
        EVAL.LooRow("a", "dev", "provider", "params", "carried"),
        EVAL.LooRow("b", "dev", "provider", "params", "mechanism"),
        EVAL.LooRow("c", "dev", "provider", "-", None),
    ]
    table = EVAL.loo_table(rows)
    line = next(line for line in table.splitlines() if line.startswith("dev provider"))
    assert line.split()[2:] == ["3", "2", "1", "1", "0", "0", "0.67", "0.33", "0.67"]
    assert sys.modules["eval_rules"] is EVAL
