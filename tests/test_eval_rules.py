"""The rule-accuracy measurement (scripts/eval_rules.py) on the development part of the corpus.

The hard gate: no accepted request in ``tests/data/corpus/valid-*.jsonl`` gets an error finding
(a provider took it, so an error would flag what the provider accepts). The recall numbers are a
measurement, reported in docs/accuracy.md, not asserted here; only their shape is. The held-out part
is never scored in the suite, so no test can be tuned to it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_rules", ROOT / "scripts" / "eval_rules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_rules"] = module
    spec.loader.exec_module(module)
    return module


EVAL = _load()


@pytest.fixture(scope="module")
def dev() -> dict[str, Any]:
    return EVAL.score(["dev"])


def test_no_error_finding_on_any_valid_request(dev: dict[str, Any]) -> None:
    valid = dev["valid"]
    assert valid["checked"] > 0
    assert valid["errors"] == {}, json.dumps(valid["errors"], indent=2)


def test_dev_table_has_every_class_with_consistent_counts(dev: dict[str, Any]) -> None:
    rows = dev["splits"]["dev"]["classes"]
    assert set(rows) == {"spec", "provider", "model"}
    for row in rows.values():
        assert 0 < row["evaluable"] <= row["entries"]
        assert row["from_request"] + row["built"] == row["evaluable"]
        assert 0 <= row["hits"] <= row["evaluable"]
        assert row["recall"] == round(row["hits"] / row["evaluable"], 3)


def test_only_the_requested_split_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dev run builds no request from a held-out entry (the discipline the script promises)."""
    seen: list[str] = []
    original = EVAL.build_request

    def spy(entry: dict[str, Any]) -> Any:
        seen.append(entry["split"])
        return original(entry)

    monkeypatch.setattr(EVAL, "build_request", spy)
    EVAL.score(["dev"])
    assert seen and set(seen) == {"dev"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # OpenAI's reasoning-model rejection names max_tokens.
        (
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            {"max_tokens": 4096},
        ),
        # A quoted value is taken as sent.
        (
            "Unsupported value: 'temperature' does not support 0.2 with this model. "
            "Only the default (1) value is supported.",
            {"temperature": 0.2},
        ),
        # Azure's list of camelCase arguments: the client really sent these names.
        (
            "Unrecognized request arguments supplied: frequencyPenalty, presencePenalty, topP",
            {"frequencyPenalty": 0.5, "presencePenalty": 0.5, "topP": 0.9},
        ),
        # Cerebras names the field with a body. prefix.
        ("API Error: 422 body.store: property 'body.store' is unsupported", {"store": True}),
        # Anthropic's limit answer quotes the value sent.
        (
            '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: 128001 > 64000, '
            'which is the maximum allowed number of output tokens for claude-opus-4-5-20251101"}}',
            {"max_tokens": 128001},
        ),
        # "cannot both be specified" states that the request set both.
        (
            "`temperature` and `top_p` cannot both be specified for this model. Please use only one.",
            {"temperature": 0.7, "top_p": 0.9},
        ),
        # LiteLLM's UnsupportedParamsError names the field and the value as name=value.
        (
            "litellm.UnsupportedParamsError: gpt-5-nano doesn't support temperature=0.1 while reasoning is "
            "active. Only temperature=1 is supported",
            {"temperature": 0.1},
        ),
    ],
)
def test_named_parameters_are_built_into_the_request(body: str, expected: dict[str, Any]) -> None:
    entry = {"api": "chat", "model": "m", "request": None, "body": body, "class": "provider"}
    request, how = EVAL.build_request(entry)
    assert how == "built"
    assert request == {
        "model": "m",
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
        **expected,
    }


def test_an_error_naming_nothing_is_not_evaluable() -> None:
    entry = {"api": "chat", "model": "m", "request": None, "body": "prompt is too long", "class": "model"}
    assert EVAL.build_request(entry) == (None, "the error names no request field")


@pytest.mark.parametrize(
    ("model", "request_model", "named"),
    [
        ("gpt-4o", None, True),
        (None, "hf.co/org/model:Q4_K_M", True),
        (None, "<YOUR_ENDPOINT_ID>", False),
        (None, "{model}", False),
        (None, "YOUR_MODEL", False),
        (None, None, False),
        ("", "   ", False),
    ],
)
def test_a_model_failure_is_evaluable_only_when_the_thread_names_a_real_model(
    model: str | None, request_model: str | None, named: bool
) -> None:
    """The same bar for a thread's request and a built one: a template slot names no model."""
    request = {"messages": [{"role": "user", "content": "hi"}]}
    if request_model is not None:
        request["model"] = request_model
    entry = {
        "api": "chat",
        "model": model,
        "request": request,
        "request_fidelity": "verbatim",
        "body": "x",
        "class": "model",
    }
    assert EVAL._names_model(entry) is named
    _, how = EVAL.build_request(entry)
    assert (how == "request") is named


def test_a_stated_range_without_the_sent_value_is_not_evaluable() -> None:
    """DeepSeek names the range, not the value; the default 4096 would lie inside [1, 8192]."""
    body = {"error": {"message": "Invalid max_tokens value, the valid range of max_tokens is [1, 8192]"}}
    entry = {"api": "chat", "model": "deepseek-reasoner", "request": None, "body": body, "class": "model"}
    assert EVAL.build_request(entry) == (
        None,
        "the error states the valid range of a field but not the value sent",
    )
    # A range the default lies outside of is still built (the default is a value the error rejects).
    narrow = {"error": {"message": "Invalid max_tokens value, the valid range of max_tokens is [1, 2048]"}}
    request, how = EVAL.build_request({**entry, "body": narrow})
    assert how == "built" and request is not None and request["max_tokens"] == 4096


def test_a_cause_label_matches_an_error_at_the_named_field() -> None:
    from toolguard_core.findings import Finding, Severity

    named = EVAL.named_by("Unsupported parameter: 'max_tokens' is not supported with this model.")
    at_field = Finding(rule="x.y", severity=Severity.ERROR, location="max_tokens", message="m")
    elsewhere = Finding(rule="x.y", severity=Severity.ERROR, location="temperature", message="m")
    warning = Finding(rule="x.y", severity=Severity.WARNING, location="max_tokens", message="m")
    assert EVAL.matches("cause.param-unsupported", at_field, named)
    assert not EVAL.matches("cause.param-unsupported", elsewhere, named)
    assert not EVAL.matches("cause.param-unsupported", warning, named)
    assert EVAL.matches("x.y", elsewhere, named)
    assert EVAL.matches("x.y:detail", elsewhere, named)


def test_a_cause_label_falls_back_to_the_field_it_concerns_and_params_labels_match_the_catalog() -> None:
    from toolguard_core.findings import Finding, Severity

    named = EVAL.named_by("No endpoints found that support the requested features.")
    assert not named
    at_tools = Finding(
        rule="model.tools-unsupported", severity=Severity.ERROR, location="tools[0]", message="m"
    )
    assert EVAL.matches("cause.model-no-tools", at_tools, named)
    assert not EVAL.matches("cause.model-no-vision", at_tools, named)
    catalog = Finding(
        rule="model.max-tokens-on-reasoning-model", severity=Severity.ERROR, location="x", message="m"
    )
    assert EVAL.matches("params.max-tokens-on-reasoning-model", catalog, named)


def test_anthropic_budget_sentence_builds_a_budget_not_below_max_tokens() -> None:
    body = {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation",
        },
    }
    entry = {"api": "messages", "model": None, "request": None, "body": body, "class": "spec"}
    request, how = EVAL.build_request(entry)
    assert how == "built"
    assert request == {
        "model": "unknown-model",
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
        "max_tokens": 4096,
        "thinking": {"type": "enabled", "budget_tokens": 4096},
    }


def test_deepseek_unknown_image_url_variant_names_an_image_part() -> None:
    body = {
        "error": {
            "message": "Failed to deserialize the JSON body into the target type: messages[148]: unknown variant "
            "`image_url`, expect..."
        }
    }
    entry = {"api": "chat", "model": "deepseek-v4-pro", "request": None, "body": body, "class": "model"}
    request, how = EVAL.build_request(entry)
    assert how == "built" and request is not None
    assert request["messages"][-1]["content"][1]["type"] == "image_url"


def test_a_messages_request_is_built_with_its_required_max_tokens() -> None:
    entry = {
        "api": "messages",
        "model": "claude-sonnet-4-5",
        "request": None,
        "body": "temperature and top_p cannot both be specified for this model. Please use only one.",
        "class": "model",
    }
    assert EVAL.build_request(entry) == (
        {
            "model": "claude-sonnet-4-5",
            "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
            "temperature": 0.7,
            "top_p": 0.9,
            "max_tokens": 4096,
        },
        "built",
    )


def test_the_probe_set_is_fresh_and_in_the_corpus_shape() -> None:
    """probe-rules.jsonl: every corpus field, split "probe", a measured class, and no thread that the
    dev or held-out parts hold (the probe measures unseen cases)."""
    from support.corpus import FAILURE_FIELDS, load_failures, read_jsonl

    rows = read_jsonl(EVAL.PROBE)
    assert len(rows) >= 40
    corpus = {r["thread"].strip().lower().split("#", 1)[0].rstrip("/") for r in load_failures()}
    for row in rows:
        assert set(FAILURE_FIELDS) <= row.keys(), row["id"]
        assert (row["split"], row["class"] in EVAL.CLASSES) == ("probe", True), row["id"]
        assert row["thread"].strip().lower().split("#", 1)[0].rstrip("/") not in corpus, row["id"]
        assert row["source"].startswith("https://") and row["body"], row["id"]


def test_probe_scores_only_the_probe_file_and_misses_run_there(capsys: pytest.CaptureFixture[str]) -> None:
    result = EVAL.score(["probe"])
    assert list(result["splits"]) == ["probe"]
    model = result["splits"]["probe"]["classes"]["model"]
    assert model["entries"] == model["evaluable"] > 0
    assert EVAL.main(["--probe", "--misses"]) == 0
    assert "probe " in capsys.readouterr().out
    with pytest.raises(SystemExit):
        EVAL.main(["--split", "heldout", "--misses"])
