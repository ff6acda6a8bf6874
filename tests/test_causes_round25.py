"""Issue #10, round 25 (docs/errors.md "Generalisation", "Round 25"): the probe round and what it measured.

Probe round 25 (probe-y*) was collected and scored before any catalogue change: 21 real provider, server and
gateway texts from 21 threads in no corpus or probe file (checked by thread and by the row's whole text), weighted
to provider- and spec-class refusals from hosts the corpus is thin on. Then four readings, each a mechanism rather
than one provider's sentence, each sourced from a server's or library's own source or a thread no corpus or probe
row comes from:

- the structural tier's "round 25" block: a chat template said absent ("Chat template does not exist for this
  model", transformers' "tokenizer.chat_template is not set", "does not have a chat template") is
  ``cause.chat-template-missing``; DeepSeek's thinking-mode sentence whatever field it names ("The
  `content[].thinking` in the thinking mode must be passed back") is ``cause.thinking-block-missing``;
- a range stated for a value ("Expected an integer in range [0, 5]") is a bound, so the value was refused, not its
  type (``causes._BOUND``);
- Ollama's ``think`` is another API's name for ``reasoning_effort`` (``causes._RESPONSES_ALIASES``): a refused value
  of it names ``cause.reasoning-effort-unsupported``, as 'think value "medium" is not supported' already did.

Each table runs real texts; the neighbours are real texts the readings must leave alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.recognition import assert_neighbour_cause

from toolguard_core.causes import STRUCTURAL, recognise_error
from toolguard_core.upstream_errors import parse_error

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"


def _probe_rows() -> list[dict[str, object]]:
    return [
        json.loads(line)
        for line in (CORPUS / "probe-causes.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_the_round_twenty_five_probe_is_twenty_one_texts_from_twenty_one_threads() -> None:
    rows = [row for row in _probe_rows() if row.get("round") == 25]
    assert len(rows) == 21
    assert len({row["source"] for row in rows}) == 21
    assert all(str(row["id"]).startswith("probe-y") and row["split"] == "probe" for row in rows)
    assert all(row["class"] in {"provider", "spec", "model", "other"} for row in rows)


def test_no_round_twenty_five_thread_is_another_probe_or_corpus_thread() -> None:
    rows = _probe_rows()
    mine = {str(row["source"]).lower().rstrip("/") for row in rows if row.get("round") == 25}
    earlier = {str(row["source"]).lower().rstrip("/") for row in rows if row.get("round") != 25}
    assert mine & earlier == set()
    for name in ("failures-a.jsonl", "failures-b.jsonl"):
        text = (CORPUS / name).read_text(encoding="utf-8").lower()
        assert [s for s in sorted(mine) if f'"{s}"' in text] == []


#: The round's structural readings (the "round 25" block), by cause.
ROUND_25_SOURCES = (
    "https://github.com/runpod-workers/worker-vllm/blob/main/src/tokenizer.py",
    "https://github.com/openclaw/openclaw/issues/73417",
)


def _recognise(body: str, status: int | None = 400, request: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    return recognise_error(parse_error(body, status=status), status=status, request=request)


#: (source of the text, status, text, cause, rule): read by the round's readings, on texts outside the probe files.
READINGS: list[tuple[str, int | None, str, str, str | None]] = [
    # The RunPod vLLM worker's own raise (the reading's source).
    (
        "https://github.com/runpod-workers/worker-vllm/blob/main/src/tokenizer.py",
        400,
        "Chat template does not exist for this model, you must provide a single string input instead of a list "
        "of messages",
        "cause.chat-template-missing",
        None,
    ),
    # transformers' own message when a tokenizer has no template (tokenization_utils_base.py).
    (
        "https://github.com/huggingface/transformers/blob/main/src/transformers/tokenization_utils_base.py",
        400,
        "Cannot use chat template functions because tokenizer.chat_template is not set and no template argument "
        "was passed! For information about writing templates and setting the tokenizer.chat_template attribute, "
        "please see the documentation at https://huggingface.co/docs/transformers/main/en/chat_templating",
        "cause.chat-template-missing",
        None,
    ),
    # DeepSeek's sentence as the catalogue has it keeps its quirk rule (the sentence above wins).
    (
        "https://github.com/openclaw/openclaw/issues/73417",
        400,
        "The `reasoning_content` in the thinking mode must be passed back to the API.",
        "cause.thinking-block-missing",
        "quirks.deepseek-reasoning-content-missing",
    ),
    # Ollama's 'think value' refusal keeps its reading through the alias table.
    (
        "https://github.com/charmbracelet/crush/issues/2623",
        400,
        'think value "medium" is not supported for this model',
        "cause.reasoning-effort-unsupported",
        "params.reasoning-effort-value",
    ),
]


@pytest.mark.parametrize(("source", "status", "body", "cause", "rule"), READINGS)
def test_a_round_twenty_five_reading_names_its_text(
    source: str, status: int | None, body: str, cause: str, rule: str | None
) -> None:
    found = _recognise(body, status)
    assert found is not None, source
    assert (found.cause_id, found.rule_id) == (cause, rule), source


#: Real texts the round's readings must leave alone: (source, status, text, what it names).
NEIGHBOURS: list[tuple[str, int | None, str, str | None]] = [
    # A template that exists and fails to render is the template error, not a missing template.
    (
        "https://github.com/MoonlightByte/NeverEndingQuest/issues/179",
        500,
        '{"error":{"code":500,"message":"\\n------------\\nWhile executing CallExpression at line 79, column 24 in '
        "source:\\n...lti_step_tool %}    {{- raise_exception('No user query found in messages.') }}...\\n"
        '                                           ^\\nError: Jinja Exception: No user query found in messages.",'
        '"type":"server_error"}}',
        "cause.chat-template-error",
    ),
    # vLLM's transformers >= 4.44 sentence and TGI's keep their own wordings (the same cause).
    (
        "https://github.com/ByteDance-Seed/seed-oss/issues/6",
        400,
        "As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template "
        "if the tokenizer does not define one. None",
        "cause.chat-template-missing",
    ),
    (
        "https://github.com/huggingface/text-generation-inference/issues/1870",
        422,
        "Template error: template not found",
        "cause.chat-template-missing",
    ),
    # A type refused with no range stated stays a type fault.
    (
        "https://github.com/diffbot/code-gpt-docs/issues/273",
        400,
        "400 Invalid type for 'max_tokens': expected an integer, but got a string instead.",
        "cause.param-type-invalid",
    ),
    # "alternate between" roles is no bound on a value; Perplexity's alternation keeps its reading.
    (
        "https://github.com/perplexityai/api-discussion/issues/265",
        400,
        "After the (optional) system message(s), user and assistant roles should be alternating.",
        "cause.role-order",
    ),
]


@pytest.mark.parametrize(("source", "status", "body", "cause"), NEIGHBOURS)
def test_the_round_twenty_five_readings_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


@pytest.mark.parametrize(
    ("probe_id", "cause", "rule"),
    [
        # gained by the round's readings (tuned: written after these rows were scored, from other sources)
        ("probe-y012", "cause.param-value-unsupported", None),
        ("probe-y016", "cause.chat-template-missing", None),
        ("probe-y017", "cause.thinking-block-missing", None),
        ("probe-y020", "cause.reasoning-effort-unsupported", "params.reasoning-effort-value"),
    ],
)
def test_a_probe_text_the_round_gained_is_named_on_the_live_path(
    probe_id: str, cause: str, rule: str | None
) -> None:
    row = next(r for r in _probe_rows() if r["id"] == probe_id)
    status = row["status"] if isinstance(row["status"], int) else None
    found = _recognise(str(row["body"]), status)
    assert found is not None, probe_id
    assert (found.cause_id, found.rule_id) == (cause, rule), probe_id


def test_no_round_twenty_five_source_is_a_probe_or_corpus_thread() -> None:
    structural = {w.source for _, w in STRUCTURAL}
    assert [s for s in ROUND_25_SOURCES if s not in structural] == []
    seen = {str(row["source"]).lower().rstrip("/") for row in _probe_rows()}
    assert [s for s in ROUND_25_SOURCES if s.lower() in seen] == []
    text = (CORPUS / "failures-a.jsonl").read_text(encoding="utf-8").lower()
    text += (CORPUS / "failures-b.jsonl").read_text(encoding="utf-8").lower()
    assert [s for s in ROUND_25_SOURCES[:1] if f'"{s.lower()}"' in text] == []
