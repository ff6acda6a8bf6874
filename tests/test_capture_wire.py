"""What the hooks hand the writer (capture.py, issue #12): the raw header fields and the proxy's early
reading of a rejection instead of text copies and a second parse. The row must be the one the
writer builds from the text headers and its own parse, for every real error body of the corpus, and
no secret may reach the file when the writer collects them itself."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from toolguard_core import capture as capture_module
from toolguard_core import writerproc
from toolguard_core.capture import Capture, early_recognition, response_body, text_headers
from toolguard_core.findings import Finding, Severity
from toolguard_core.redact import secret_values
from toolguard_core.writerproc import ProcessStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support.corpus import load_failures

KEY = "sk-proj-Zq3xV9mLr2Tn8KpW4yHs7Bd1"  # a made-up key in OpenAI's format
QUERY_KEY = "AIzaSyD-made-up-key-0123456789abcdefg"  # a made-up Google API key, sent as ?key=
ORPHAN = Finding(
    rule="sequence.orphan-tool-message",
    severity=Severity.ERROR,
    location="messages[1]",
    message="messages[1] (tool) does not follow an assistant message with tool_calls.",
)
RAW_HEADERS = (
    (b"host", b"api.openai.com"),
    (b"authorization", f"Bearer {KEY}".encode()),
    (b"x-custom-token", KEY.encode()),
    (b"user-agent", b"OpenAI/Python 1.99.0"),
    (b"x-odd", b"caf\xe9 \xff"),  # not UTF-8: kept as surrogate escapes, as mitmproxy's Headers does
)


def capture(**fields: Any) -> Capture:
    values: dict[str, Any] = dict(
        flow_id="f1",
        started=1_700_000_000.0,
        ended=1_700_000_000.5,
        method="POST",
        scheme="https",
        host="api.openai.com",
        port=443,
        path="/v1/chat/completions",
        url=f"https://api.openai.com/v1/chat/completions?key={QUERY_KEY}",
        provider="openai",
        model="gpt-4o",
        stream=False,
        request_headers=RAW_HEADERS,
        request_text=None,
        request_is_json=True,
        request_bytes=0,
        raw_request=(json.dumps({"model": "gpt-4o", "note": KEY}).encode(), None, 1 << 20),
        findings=[ORPHAN],
        secrets=None,
        query=f"key={QUERY_KEY}",
        verdict="predicted",
        status=400,
        response_headers=((b"content-type", b"application/json"), (b"x-request-id", b"req_1")),
        response_body=json.dumps({"error": {"message": f"bad key {KEY} and {QUERY_KEY}"}}).encode(),
        response_content_type="application/json",
        redact_headers=("x-custom-*",),
    )
    values.update(fields)
    return Capture(**values)


def test_raw_header_fields_give_the_row_text_headers_and_collected_secrets_give():
    text = text_headers(RAW_HEADERS)
    assert text[-1] == ("x-odd", "caf\udce9 \udcff")
    secrets = secret_values(text, f"key={QUERY_KEY}", ("x-custom-*",))
    assert KEY in secrets and QUERY_KEY in secrets
    raw_row = capture().to_row()
    text_row = capture(
        request_headers=text,
        response_headers=text_headers(capture().response_headers or ()),
        secrets=secrets,
    ).to_row()
    assert raw_row == text_row
    dumped = raw_row.model_dump_json()
    assert KEY not in dumped and QUERY_KEY not in dumped
    assert raw_row.client == "OpenAI/Python 1.99.0"


def test_the_writer_process_collects_the_secrets_before_anything_is_written(tmp_path: Path):
    store = ProcessStore(tmp_path / "p.db", demote_after=3, on_knowledge=lambda k: None)
    store.start()
    store.put(capture())
    store.close()
    assert store.counters()["rows_written"] == 1
    for name in os.listdir(tmp_path):
        data = (tmp_path / name).read_bytes()
        assert KEY.encode() not in data and QUERY_KEY.encode() not in data, name


def _answers() -> list[tuple[str, int, bytes, str | None, str]]:
    """Every JSON or text body of the corpus with its status (400 when it was not quoted), provider."""
    cases = []
    for entry in load_failures():
        if entry["body_kind"] not in ("json", "text"):
            continue
        content_type = "application/json" if entry["body_kind"] == "json" else "text/plain"
        status = entry["status"] if isinstance(entry["status"], int) else 400
        cases.append(
            (entry["id"], status, entry["body"].encode(), content_type, entry["provider"] or "openai")
        )
    return cases


ANSWERS = _answers()


@pytest.mark.parametrize("findings", [[], [ORPHAN]], ids=["unexplained", "flagged"])
def test_the_early_reading_gives_the_row_the_writer_would_build_itself(findings: list[Finding]):
    assert len(ANSWERS) > 250
    differing = []
    recognised = 0
    for case_id, status, raw, content_type, provider in ANSWERS:
        body = response_body(raw, None)
        rules = [f.rule for f in findings if f.severity == Severity.ERROR]
        recognition, _, early = early_recognition(
            status=status,
            body=body,
            content_type=content_type,
            stream_error=None,
            provider=provider,
            finding_rules=rules,
        )
        assert early is not None, case_id
        recognised += recognition is not None
        base = dict(
            findings=findings,
            status=status,
            provider=provider,
            response_body=body,
            response_content_type=content_type,
            verdict="predicted" if findings else "unexplained",
        )
        with_early = capture(**base, early=early).to_row()
        itself = capture(**base).to_row()
        if with_early != itself:
            differing.append(case_id)
    assert differing == []
    assert recognised > len(ANSWERS) // 2  # the table exercises recognised causes, not only misses


def test_early_readings_are_remembered_per_body_provider_and_rules():
    capture_module._early_answers.clear()
    body = json.dumps({"error": {"message": "Overloaded", "type": "overloaded_error"}}).encode()
    args: dict[str, Any] = dict(
        status=529, body=body, content_type="application/json", stream_error=None, provider="anthropic"
    )
    first = early_recognition(**args, finding_rules=[])
    again = early_recognition(**args, finding_rules=[])
    assert again is first  # the same reading, not parsed again
    other = early_recognition(**args, finding_rules=[ORPHAN.rule])
    assert other is not first
    assert other[2] is not None and first[2] is not None and other[2].cause_id == first[2].cause_id
    assert len(capture_module._early_answers) == 2
    for i in range(capture_module.MAX_EARLY_ANSWERS + 5):
        early_recognition(**{**args, "body": body + b" " * i}, finding_rules=[])
    assert len(capture_module._early_answers) <= capture_module.MAX_EARLY_ANSWERS


def test_the_row_takes_the_early_reading_instead_of_parsing_again():
    # A reading that found no error (as for a body the proxy could not read) is stored as read, so a
    # row never names another cause than the console line and the comment did.
    row = capture(
        verdict="unexplained", findings=[], early=capture_module.EarlyAnswer(None, None, None, None)
    )
    assert (row.to_row().error_message, row.to_row().cause_id, row.to_row().verdict) == (
        None,
        None,
        "unexplained",
    )
    parsed = capture(verdict="unexplained", findings=[]).to_row()
    assert parsed.error_message is not None  # the writer's own parse of the same answer


@pytest.mark.parametrize("findings", [[], [ORPHAN, ORPHAN.model_copy(update={"severity": Severity.WARNING})]])
def test_a_capture_travels_to_the_writer_whole(findings: list[Finding]):
    # Capture.__reduce__ sends its values and the findings as tuples, and an early reading as the
    # bytes it was pickled to once (issue #12): what arrives is the Capture that was sent, and the
    # row built from it is the same, for every answer of the corpus.
    import pickle

    differing = []
    for case_id, status, raw, content_type, provider in ANSWERS:
        body = response_body(raw, None)
        _, _, early = early_recognition(
            status=status,
            body=body,
            content_type=content_type,
            stream_error=None,
            provider=provider,
            finding_rules=[f.rule for f in findings if f.severity == Severity.ERROR],
        )
        sent = capture(
            findings=findings,
            status=status,
            provider=provider,
            response_body=body,
            response_content_type=content_type,
            verdict="predicted" if findings else "unexplained",
            early=early,
        )
        arrived = pickle.loads(pickle.dumps(("item", sent), protocol=5))[1]  # the sender's way
        again = pickle.loads(pickle.dumps(sent, protocol=5))  # the early reading's bytes, reused
        frame = writerproc._frame(sent)  # put()'s own way: the values alone
        size, buffers = writerproc.HEAD.unpack_from(frame)
        kind, values = pickle.loads(frame[writerproc.HEAD.size :])
        direct = capture_module.capture_from(values)
        assert (kind, buffers, size) == ("capture", 0, len(frame) - writerproc.HEAD.size)
        if not (arrived == sent == again == direct and arrived.to_row() == sent.to_row() == direct.to_row()):
            differing.append(case_id)
            assert all(
                type(f) is Finding and type(f.severity) is Severity
                for f in arrived.findings + direct.findings
            )
    assert differing == []
