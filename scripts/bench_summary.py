#!/usr/bin/env python3
"""How `toolguard summary` scales: generate a database of N flows, then time the summary over it.

The rows are built the way the proxy builds them (``Capture.to_row``: redaction, error parsing) from
real provider error bodies of the labelled corpus (tests/data/error_corpus.json), then cloned with
new ids and spread over 30 days, and written with the store's own ``write_rows`` (which derives each
row's grouping columns, as the proxy's writer does), so the database has the schema, indexes and
content mix a team's months of captures would have. Then ``toolguard summary``
runs in a child process and its wall time, peak RSS and CPU time (user + system) are measured.

Targets (issue #12): 1,000,000 flows summarised in under 30 s with a peak RSS under 500 MB; exit 1
when a target is missed.

``--transient-share S`` (session 24) generates a capture dense with rate limits and server errors
instead: a team hammering a rate-limited gateway. That share of the flows is answered 429, 500, 503
or 529 with the providers' real bodies (:data:`TRANSIENT_ANSWERS`), in bursts: one client resends
the same conversation with its SDK's backoff (openai-python 0.5-8 s declaring its retry count, the
Vercel AI SDK 2 s then 4 s declaring none, Claude Code up to tens of seconds sending a count of 0),
then gets an answer (accepted, or a 400 of the corpus) or gives up; the bursts of many conversations
interleave with each other and with calls that went through at once. Each conversation has its own
request text, so a resend matches its own call only. With the default 0 the database is the one of
every earlier run (all 400s of the corpus, the same seed), so their numbers stay comparable.

Usage:
  .venv/bin/python scripts/bench_summary.py                     # 1,000,000 flows, ~1 KB requests
  .venv/bin/python scripts/bench_summary.py --flows 20000 --request-bytes 5000
  .venv/bin/python scripts/bench_summary.py --db /tmp/big.db --keep   # reuse/keep the generated file
  .venv/bin/python scripts/bench_summary.py --db /tmp/big.db --keep --format html   # the HTML report
  .venv/bin/python scripts/bench_summary.py --transient-share 0.3 --db /tmp/dense30.db --keep
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolguard_core.capture import Capture
from toolguard_core.clients import RETRY_COUNT_HEADER
from toolguard_core.findings import Finding, Severity
from toolguard_core.store import FlowRow, open_db, write_rows
from toolguard_core.utc import format_utc
from toolguard_core.verdict import Verdict

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30.0
TARGET_RSS_MB = 500.0
DAY = 86_400.0


def templates(request_bytes: int) -> list[FlowRow]:
    """One row per real error body of the corpus, as the proxy would store it."""
    corpus = json.loads((ROOT / "tests" / "data" / "error_corpus.json").read_text())["entries"]
    rows = []
    now = time.time()
    for entry in corpus:
        body = entry.get("body") or json.dumps(
            {"error": {"message": entry["message"], "type": "invalid_request_error"}}
        )
        label = entry.get("label") or "unknown"
        request = {
            "model": "gpt-4o",
            "messages": [
                {"role": "system", "content": "s" * max(0, request_bytes - 200)},
                {"role": "tool", "tool_call_id": "call_1", "content": "result"},
            ],
        }
        findings = [Finding(rule=label, severity=Severity.ERROR, location="messages[1]", message="bench")]
        capture = Capture(
            flow_id=str(uuid.uuid4()),
            started=now,
            ended=now + 0.5,
            method="POST",
            scheme="https",
            host="api.example.com",
            port=443,
            path="/v1/chat/completions",
            url="https://api.example.com/v1/chat/completions",
            provider=entry.get("provider") or "openai",
            model="gpt-4o",
            stream=False,
            request_headers=[("content-type", "application/json"), ("user-agent", "OpenAI/Python 1.99.0")],
            request_text=json.dumps(request),
            request_is_json=True,
            request_bytes=request_bytes,
            findings=findings if "." in label and not label.startswith("cause.") else [],
            secrets=[],
            verdict=None,
            status=400,
            response_headers=[("content-type", "application/json")],
            response_body=body.encode(),
            response_content_type="application/json",
        )
        rows.append(capture.to_row())
    return rows


def generate(path: Path, flows: int, request_bytes: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    base = templates(request_bytes)
    db = open_db(path)
    start = time.time() - 30 * DAY
    batch: list[FlowRow] = []
    t0 = time.perf_counter()
    for i in range(flows):
        row = rng.choice(base)
        stamp = start + 30 * DAY * i / flows
        clone = row.model_copy(
            update={
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "datetime_utc": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp)) + ".000Z",
            }
        )
        batch.append(clone)
        if len(batch) == 5000:
            write_rows(db, batch)
            batch.clear()
            if (i + 1) % 100_000 == 0:
                print(f"  {i + 1:,} flows written ({time.perf_counter() - t0:.0f} s)", flush=True)
    if batch:
        write_rows(db, batch)
    db.conn.close()


# ------------------------------------------------------------------ a capture dense with transient answers

#: The transient answers of the dense capture, per provider: (status, body) as the providers send them.
TRANSIENT_ANSWERS: dict[str, list[tuple[int, str]]] = {
    "openai": [
        # tests/support/answers.py OPENAI_429 (TheR1D/shell_gpt#653).
        (
            429,
            '{"error": {"message": "Request too large for gpt-4o in organization org-78asdf87asdf9aaa8976 on '
            "tokens per min (TPM): Limit 30000, Requested 31538. The input or output tokens must be reduced in "
            'order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.", '
            '"type": "tokens", "param": null, "code": "rate_limit_exceeded"}}',
        ),
        # openai/openai-cua-sample-app#54, ai-genie/chatgpt-vscode#100.
        (
            500,
            '{"error": {"message": "The server had an error processing your request. Sorry about that! You can '
            "retry your request, or contact us through our help center at help.openai.com if you keep seeing "
            'this error. (Please include the request ID req_540c6eaab7f4556b2baa22bcba915d51 in your email.)", '
            '"type": "server_error", "param": null, "code": null}}',
        ),
    ],
    "anthropic": [
        # Trae-AI/TRAE#625.
        (
            429,
            '{"type": "error", "error": {"type": "rate_limit_error", "message": "This request would exceed the '
            "rate limit for your organization of 30,000 input tokens per minute. For details, refer to: "
            "https://docs.anthropic.com/en/api/rate-limits. You can see the response headers for current usage. "
            'Please reduce the prompt length or the maximum tokens requested, or try again later."}}',
        ),
        # tests/support/answers.py ANTHROPIC_529 (anthropics/claude-code#3572).
        (529, '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'),
        # tests/test_causes.py anthropic-500-api-error (anthropics/claude-code#91800).
        (
            500,
            '{"type": "error", "error": {"type": "api_error", "message": "Internal server error"}, '
            '"request_id": "req_011CegaXgT3UXCMC4LraDuee"}',
        ),
    ],
    "gemini": [
        # tests/test_causes.py gemini-503-model-overloaded (lobehub/lobehub#9728).
        (
            503,
            '{"error": {"code": 503, "message": "The model is overloaded. Please try again later.", '
            '"status": "UNAVAILABLE"}}',
        ),
        # tests/test_causes.py gemini-429-resource-exhausted (continuedev/continue#10560).
        (
            429,
            '{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", '
            '"status": "RESOURCE_EXHAUSTED"}}',
        ),
    ],
}


@dataclass(frozen=True)
class DenseClient:
    """One client of the dense capture: its User-Agent and headers, its upstream, and how its SDK retries
    (``max_tries`` tries in all; the backoff before retry n; its retry-count header: ``"count"`` for the
    try's number, ``"zero"`` for 0 on every try, None for no header)."""

    name: str
    user_agent: str
    headers: tuple[tuple[str, str], ...]
    provider: str
    host: str
    path: str
    model: str
    max_tries: int
    retry_header: str | None
    backoff: Callable[[int, random.Random], float]


DENSE_CLIENTS = (
    # openai-python: max_retries 2, 0.5 s doubling to 8 s, minus up to 25 % jitter (_base_client.py).
    DenseClient(
        "openai-python",
        "OpenAI/Python 1.99.0",
        (("x-stainless-lang", "python"), ("x-stainless-package-version", "1.99.0")),
        "openai",
        "api.openai.com",
        "/v1/chat/completions",
        "gpt-4o",
        3,
        "count",
        lambda n, rng: min(0.5 * 2 ** (n - 1), 8.0) * (1 - 0.25 * rng.random()),
    ),
    # The Vercel AI SDK over Anthropic: maxRetries 2, 2 s then 4 s, no retry header.
    DenseClient(
        "ai-sdk",
        "ai/5.0.0 ai-sdk-provider-utils/3.0.0 runtime/node.js/22",
        (("anthropic-version", "2023-06-01"),),
        "anthropic",
        "api.anthropic.com",
        "/v1/messages",
        "claude-sonnet-4-5",
        3,
        None,
        lambda n, rng: 2.0 * 2 ** (n - 1),
    ),
    # Claude Code: up to 10 retries, backing off to tens of seconds, x-stainless-retry-count 0 on each.
    DenseClient(
        "claude-code",
        "claude-cli/2.0.0 (external, cli)",
        (
            ("anthropic-version", "2023-06-01"),
            ("x-stainless-lang", "js"),
            ("x-stainless-package-version", "0.60.0"),
        ),
        "anthropic",
        "api.anthropic.com",
        "/v1/messages",
        "claude-sonnet-4-5",
        11,
        "zero",
        lambda n, rng: min(0.5 * 2 ** (n - 1), 32.0) * (1 + 0.25 * rng.random()),
    ),
    # openai-node against Gemini's OpenAI-compatible endpoint: max_retries 2, its retry count declared.
    DenseClient(
        "openai-node",
        "OpenAI/JS 5.11.0",
        (("x-stainless-lang", "js"), ("x-stainless-package-version", "5.11.0")),
        "gemini",
        "generativelanguage.googleapis.com",
        "/v1beta/openai/chat/completions",
        "gemini-2.5-flash",
        3,
        "count",
        lambda n, rng: min(0.5 * 2 ** (n - 1), 8.0) * (1 - 0.25 * rng.random()),
    ),
)
#: The conversation's own text in a template's request, replaced in each clone.
_CONVERSATION = "CONVERSATION-0000000000"
_ACCEPTED = {
    "openai": '{"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, "message": '
    '{"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]}',
    "anthropic": '{"id": "msg_1", "type": "message", "role": "assistant", "content": [{"type": "text", '
    '"text": "ok"}], "stop_reason": "end_turn"}',
}


def _dense_template(
    client: DenseClient, request_bytes: int, status: int, body: str, label: str | None
) -> FlowRow:
    """One flow of ``client`` answered ``status`` with ``body``, as the proxy would store it; its request
    is compact JSON (as Node and httpx send it, so the store splits it into contents) with
    :data:`_CONVERSATION` where each clone's conversation goes."""
    system = "s" * max(0, request_bytes - 200)
    user = {"role": "user", "content": f"{_CONVERSATION}: fix the failing test"}
    if client.provider == "anthropic":
        request: dict[str, Any] = {
            "model": client.model,
            "max_tokens": 1024,
            "system": system,
            "messages": [user],
        }
    else:
        request = {"model": client.model, "messages": [{"role": "system", "content": system}, user]}
    rejected = status >= 400
    findings = (
        [Finding(rule=label, severity=Severity.ERROR, location="messages[1]", message="bench")]
        if label and "." in label and not label.startswith("cause.")
        else []
    )
    now = time.time()
    capture = Capture(
        flow_id=str(uuid.uuid4()),
        started=now,
        ended=now + 0.5,
        method="POST",
        scheme="https",
        host=client.host,
        port=443,
        path=client.path,
        url=f"https://{client.host}{client.path}",
        provider=client.provider,
        model=client.model,
        stream=False,
        request_headers=[
            ("content-type", "application/json"),
            ("user-agent", client.user_agent),
            *client.headers,
        ],
        request_text=json.dumps(request, separators=(",", ":")),
        request_is_json=True,
        request_bytes=request_bytes,
        findings=findings if rejected else [],
        secrets=[],
        verdict=(Verdict.UNEXPLAINED if rejected else Verdict.ACCEPTED).value,
        status=status,
        response_headers=[("content-type", "application/json")],
        response_body=body.encode(),
        response_content_type="application/json",
    )
    return capture.to_row()


def generate_dense(
    path: Path, flows: int, request_bytes: int, share: float, seed: int = 7, days: float = 30.0
) -> dict[str, int]:
    """``flows`` flows of which ``share`` got a transient answer, in retry bursts (the module's doc),
    over ``days`` (a smaller database over a shorter time has its bursts interleave as a million flows
    over 30 days do); returns counts of what was written (flows, transient, calls, gave_up)."""
    rng = random.Random(seed)
    corpus = json.loads((ROOT / "tests" / "data" / "error_corpus.json").read_text())["entries"]
    transient: dict[str, list[FlowRow]] = {}
    accepted: dict[str, FlowRow] = {}
    rejected: dict[str, list[FlowRow]] = {}
    for client in DENSE_CLIENTS:
        answers = TRANSIENT_ANSWERS[client.provider]
        transient[client.name] = [_dense_template(client, request_bytes, s, b, None) for s, b in answers]
        accepted[client.name] = _dense_template(
            client,
            request_bytes,
            200,
            _ACCEPTED["anthropic" if client.provider == "anthropic" else "openai"],
            None,
        )
        rejected[client.name] = [
            _dense_template(
                client,
                request_bytes,
                400,
                entry.get("body")
                or json.dumps({"error": {"message": entry["message"], "type": "invalid_request_error"}}),
                entry.get("label") or "unknown",
            )
            for entry in corpus
        ]
    db = open_db(path)
    start = time.time() - days * DAY
    batch: list[FlowRow] = []
    counts = {"flows": 0, "transient": 0, "calls": 0, "gave_up": 0}
    t0 = time.perf_counter()

    def emit(
        template: FlowRow, client: DenseClient, conversation: str, at: float, seconds: float, tried: int
    ) -> None:
        headers = json.loads(template.request_headers_json or "{}")
        if client.retry_header is not None:
            headers[RETRY_COUNT_HEADER] = str(tried if client.retry_header == "count" else 0)
        batch.append(
            template.model_copy(
                update={
                    "id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "datetime_utc": format_utc(at),
                    "duration_ms": round(seconds * 1000),
                    "request_headers_json": json.dumps(headers),
                    "request_json": (template.request_json or "").replace(_CONVERSATION, conversation),
                }
            )
        )
        counts["flows"] += 1
        if len(batch) == 5000:
            write_rows(db, batch)
            batch.clear()
        if counts["flows"] % 100_000 == 0:
            print(f"  {counts['flows']:,} flows written ({time.perf_counter() - t0:.0f} s)", flush=True)

    def below() -> bool:
        return counts["transient"] < share * (counts["flows"] + 1)

    while counts["flows"] < flows:
        counts["calls"] += 1
        client = rng.choice(DENSE_CLIENTS)
        conversation = f"conversation {counts['calls']:010d}"
        # The calls start evenly over the days; a burst's retries follow its call within seconds, so
        # the bursts of neighbouring calls (of every client) interleave.
        at = start + days * DAY * counts["flows"] / flows
        tried = 0
        if below():  # this call hits the limit: some tries answered 429/5xx, then an answer or giving up
            hits = rng.randint(1, client.max_tries)
            while counts["flows"] < flows and (tried < hits or (below() and tried < client.max_tries)):
                seconds = rng.uniform(0.1, 0.6)
                emit(rng.choice(transient[client.name]), client, conversation, at, seconds, tried)
                counts["transient"] += 1
                tried += 1
                at += seconds + client.backoff(tried, rng)
            if tried >= client.max_tries:
                counts["gave_up"] += 1
                continue
        if counts["flows"] < flows:
            if rng.random() < 0.7:
                emit(accepted[client.name], client, conversation, at, rng.uniform(1.0, 8.0), tried)
            else:
                emit(
                    rng.choice(rejected[client.name]), client, conversation, at, rng.uniform(0.1, 0.5), tried
                )
    if batch:
        write_rows(db, batch)
    db.conn.close()
    return counts


def measure(path: Path, output_format: str = "text") -> tuple[float, float, int, float]:
    """Wall time, peak RSS and CPU time (user + system) of one ``toolguard summary`` child
    (RUSAGE_CHILDREN: the only child). The CPU time is what a loaded machine changes least."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("toolguard")),
            "summary",
            "--db",
            str(path),
            "--since",
            "90d",
            "--format",
            output_format,
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return seconds, max(usage.ru_maxrss, before) / 1024, proc.returncode, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--flows", type=int, default=1_000_000)
    parser.add_argument("--request-bytes", type=int, default=1000)
    parser.add_argument("--db", type=Path, help="database to generate (reused if it exists and --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument(
        "--transient-share",
        type=float,
        default=0.0,
        help="share of the flows answered 429/500/503/529 in retry bursts (0 to 1; default 0: every flow a "
        "400 of the corpus, the database of earlier runs)",
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="generate the database (with --db) and measure nothing"
    )
    parser.add_argument(
        "--format", default="text", choices=["text", "json", "markdown", "html"], help="the summary's format"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.transient_share <= 1:
        parser.error("--transient-share is a share of the flows, from 0 to 1")
    with tempfile.TemporaryDirectory(prefix="toolguard-bench-summary-") as tmp:
        path = args.db or Path(tmp) / "bench.db"
        if not (args.keep and path.exists()):
            path.unlink(missing_ok=True)
            print(f"generating {args.flows:,} flows into {path} ...", flush=True)
            if args.transient_share > 0:
                counts = generate_dense(path, args.flows, args.request_bytes, args.transient_share)
                print(
                    f"  {counts['transient']:,} of {counts['flows']:,} flows answered 429/5xx "
                    f"({counts['transient'] / max(1, counts['flows']):.2f}) in {counts['calls']:,} calls, "
                    f"{counts['gave_up']:,} given up",
                    flush=True,
                )
            else:
                generate(path, args.flows, args.request_bytes)
        if args.generate_only:
            return 0
        size_mb = path.stat().st_size / 2**20
        load = os.getloadavg()[0]
        seconds, rss_mb, status, cpu = measure(path, args.format)
        print(f"flows {args.flows:,}  database {size_mb:,.0f} MB")
        # The machine's load: the summary's time is only comparable between equally loaded runs.
        print(
            f"load average (1 min) before {load:.1f}, after {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(
            f"toolguard summary --format {args.format}: {seconds:.1f} s, peak RSS {rss_mb:.0f} MB, "
            f"CPU {cpu:.1f} s, exit {status}"
        )
        misses = []
        if status != 0:
            misses.append(f"toolguard summary exited {status}")
        if seconds > TARGET_SECONDS:
            misses.append(f"{seconds:.1f} s > {TARGET_SECONDS:.0f} s")
        if rss_mb > TARGET_RSS_MB:
            misses.append(f"peak RSS {rss_mb:.0f} MB > {TARGET_RSS_MB:.0f} MB")
        print("targets: " + ("all met" if not misses else "MISSED: " + "; ".join(misses)))
        if args.keep and args.db is None:
            kept = Path(tempfile.gettempdir()) / "toolguard-bench-summary.db"
            path.replace(kept)
            print(f"kept {kept}")
        return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
