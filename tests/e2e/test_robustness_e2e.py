"""End to end under hostile input and storage faults (issue #16), each bounded to seconds.

Real mitmdump + toolguard, raw HTTP clients (httpx), a loopback upstream, a real SQLite file. The long
versions (10 GB bombs, 300 x 1 MB bursts, soak, SIGKILL) are in scripts/torture.py.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import brotli
import httpx
import pytest
import sqlite_utils
from backports import zstd
from support.proxy import Mitmdump
from support.upstream import RecordedRequest, Reply, Upstream, canned, completion, openai_like

from toolguard_core.redact import redact_text_urls

pytestmark = pytest.mark.e2e

CHAT = "/v1/chat/completions"
USER = {"role": "user", "content": "What is 3 * 12?"}
ORPHAN = [USER, {"role": "tool", "tool_call_id": "call_Fo6YPd3EALEdfPLMbfr4BTKf", "content": "36"}]


def post(
    proxy: Mitmdump, body: bytes, headers: dict[str, str] | None = None, path: str = CHAT
) -> httpx.Response:
    with httpx.Client(timeout=30, trust_env=False) as client:
        return client.post(
            proxy.url + path, content=body, headers={"content-type": "application/json", **(headers or {})}
        )


BOMB_BYTES = 256 << 20  # 8 x toolguard_max_body's default; the 10 GB bombs are in scripts/torture.py


def _bomb(encoding: str, size: int = BOMB_BYTES) -> bytes:
    """``size`` zero bytes compressed, built a megabyte at a time (no ``size`` buffer here either)."""
    chunk = bytes(1 << 20)
    if encoding == "gzip":
        gz = zlib.compressobj(9, zlib.DEFLATED, 31)
        return b"".join(gz.compress(chunk) for _ in range(size >> 20)) + gz.flush()
    if encoding == "zstd":
        zs = zstd.ZstdCompressor()
        return b"".join(zs.compress(chunk) for _ in range(size >> 20)) + zs.flush()
    br = brotli.Compressor(quality=1)
    return b"".join(br.process(chunk) for _ in range(size >> 20)) + br.finish()


def test_compression_bombs_pass_unchanged_unvalidated_in_bounded_memory(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
):
    upstream.handler = canned(200, completion())
    proxy = mitmdump_reverse()
    bombs = {encoding: _bomb(encoding) for encoding in ("gzip", "zstd", "br")}
    for encoding, bomb in bombs.items():
        answer = post(proxy, bomb, {"content-encoding": encoding})
        assert answer.status_code == 200
    # The worker's shared-memory ring (64 MB, resident from start) is a fixed cost, not the bombs'.
    peak = proxy.peak_rss_bytes() - proxy.shared_rss_bytes()
    proxy.stop()
    received = upstream.received(CHAT)
    assert [
        (r.header("content-encoding"), r.body == bombs[r.header("content-encoding") or ""]) for r in received
    ] == [(encoding, True) for encoding in bombs]
    assert peak < 300 * 1024 * 1024, f"peak RSS {peak / 2**20:.0f} MB"
    findings = proxy.findings()
    assert [(f["rule"], f["severity"], f["location"]) for f in findings] == [
        ("body.too-large", "info", "body")
    ] * 3
    assert all(f["message"].startswith("body not validated: it decodes (") for f in findings)
    assert {r["verdict"] for r in proxy.flows()} == {"accepted"}


def test_an_unknown_content_encoding_passes_and_is_stored_with_a_finding(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
):
    upstream.handler = canned(400, {"error": {"message": "bad body", "type": "invalid_request_error"}})
    proxy = mitmdump_reverse()
    body = json.dumps({"model": "gpt-4o", "messages": [USER]}).encode()
    assert post(proxy, body, {"content-encoding": "rot13"}).status_code == 400
    proxy.stop()
    assert upstream.received(CHAT)[0].body == body
    [flow] = proxy.flows()
    assert (flow["verdict"], flow["status"], flow["finding_count"]) == ("unexplained", 400, 1)
    [finding] = proxy.findings()
    assert finding["rule"] == "body.undecodable"
    assert "unsupported Content-Encoding 'rot13'" in finding["message"]


def test_lone_surrogates_and_huge_error_codes_end_in_stored_rows(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
):
    error = b'{"error": {"message": "Invalid \\ud800 model", "type": "invalid_request_error", "param": "model", "code": 18446744073709551616}}'
    upstream.handler = lambda request: Reply(400, error)
    proxy = mitmdump_reverse()
    bodies = [
        b'{"model": "gpt-4o\\ud800", "messages": [{"role": "user", "content": "hi"}]}',
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": null, '
        b'"tool_calls": [{"id": "call_\\udc9f", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, '
        b'{"role": "tool", "tool_call_id": "call_\\udc9f", "content": "1"}]}',
    ]
    for body in bodies:
        assert post(proxy, body).status_code == 400
    output = proxy.stop()
    flows = proxy.flows()
    assert sorted((f["model"], f["error_code"], f["error_message"]) for f in flows) == [
        ("gpt-4o", "18446744073709551616", "Invalid \\ud800 model"),
        ("gpt-4o\\ud800", "18446744073709551616", "Invalid \\ud800 model"),
    ]
    assert "Traceback" not in output and "2 of 2 rows written" in output


def test_sigint_right_after_a_burst_stores_every_answered_flow(mitmdump_factory: Callable[..., Mitmdump]):
    count, size = 100, 256 * 1024
    with Upstream(openai_like(), max_requests=count + 5) as upstream:
        proxy = mitmdump_factory(mode=f"reverse:{upstream.url}")
        pad = "x" * size
        bodies = [
            json.dumps(
                {"model": "gpt-4o", "messages": [{**USER, "content": f"{i} {pad}"}, ORPHAN[1]]}
            ).encode()
            for i in range(count)
        ]
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda body: post(proxy, body).status_code, bodies))
        assert statuses == [400] * count
        output = proxy.stop()
    assert proxy.returncode == 0
    assert proxy.db()["flows"].count == count
    assert f"{count} of {count} rows written to {proxy.db_path}" in output


def test_flows_in_flight_at_shutdown_are_stored_as_no_answer(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
):
    # The upstream answers only once the proxy has stopped (bounded, so a broken stop cannot hang
    # the upstream's thread): a fixed 3 s delay let a slow shutdown on a loaded machine see the
    # answer arrive first, and the flow was then no longer in flight.
    released = threading.Event()

    def slow(request: RecordedRequest) -> Reply:
        released.wait(60)
        return Reply.json(200, completion())

    upstream.handler = slow
    proxy = mitmdump_reverse()
    body = json.dumps({"model": "gpt-4o", "messages": [USER]}).encode()
    client = threading.Thread(target=lambda: _ignore_errors(lambda: post(proxy, body)), daemon=True)
    client.start()
    deadline = time.monotonic() + 30
    while not upstream.received(CHAT):
        assert time.monotonic() < deadline, "the request never reached the upstream within 30 s"
        time.sleep(0.02)
    try:
        proxy.stop()
    finally:
        released.set()
    [flow] = proxy.flows()
    assert (flow["verdict"], flow["status"], flow["finding_count"]) == ("no_answer", None, 0)
    assert "shut down before the flow finished" in flow["flow_error"]


def _ignore_errors(fn: Callable[[], Any]) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the proxy shuts down under this request
        fn()


def test_a_database_deleted_while_running_is_recreated(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump]
):
    proxy = mitmdump_reverse()
    orphan = json.dumps({"model": "gpt-4o", "messages": ORPHAN}).encode()
    assert post(proxy, orphan).status_code == 400
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proxy.db_path.exists() and sqlite_utils.Database(proxy.db_path)["flows"].count == 1:
            break
        time.sleep(0.05)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{proxy.db_path}{suffix}").unlink(missing_ok=True)
    assert post(proxy, orphan).status_code == 400
    output = proxy.stop()
    assert proxy.db()["flows"].count == 1
    assert "was deleted or replaced; creating it again" in output
    assert "2 of 2 rows written" in output


def test_no_secret_reaches_the_database_the_log_or_any_summary(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], tmp_path: Path
):
    openai_key = "sk-proj-" + "S3cretOpenAIKey0123456789abcdefghijklmnop"
    helicone = "hlc/Gw+ZX9sQnE4k7Lq2Rv8Tt1Yy=="  # not key-shaped: caught by the header's name
    portkey = "pk7HiddenPortkeyValue42"
    short = "k9Tz5"  # shorter than 8 characters, from an auth header
    gemini = "AIzaSyD" + "x" * 32
    secrets = [openai_key, helicone, portkey, short, gemini]

    def echo(request: RecordedRequest) -> Reply:
        message = (
            f"Incorrect API key provided: {quote(helicone, safe='')} ({short}); "
            f"token {_b64(f'user:{openai_key}')}"
        )
        text = json.dumps(
            {
                "error": {
                    "message": message,
                    "type": "invalid_request_error",
                    "param": openai_key,
                    "code": portkey,
                }
            }
        )
        text = text[:-2] + f', "echo": "{helicone.replace("/", "\\/")}"' + text[-2:]
        return Reply(401, text.encode())

    upstream.handler = echo
    proxy = mitmdump_reverse()
    body = json.dumps({"model": "gpt-4o", "messages": [USER]}).encode()
    headers = {
        "authorization": f"Bearer {openai_key}",
        "helicone-auth": f"Bearer {helicone}",
        "x-portkey-api-key": portkey,
        "api-key": short,
    }
    assert post(proxy, body, headers, path=f"{CHAT}?key={gemini}").status_code == 401
    output = proxy.stop()
    assert proxy.db()["flows"].count == 1
    texts = {"database files": proxy.db_files_bytes().decode("utf-8", "replace"), "mitmdump log": output}
    texts |= _outputs(proxy, SUMMARIES)
    leaks = [
        (where, secret)
        for where, text in texts.items()
        for secret in secrets
        for form in {secret, quote(secret, safe=""), secret.replace("/", "\\/"), _b64(f"user:{secret}")}
        if form in text
    ]
    assert leaks == []
    [flow] = proxy.flows()
    assert (flow["error_param"], flow["error_code"]) == ("[REDACTED]", "[REDACTED]")
    assert json.loads(flow["request_headers_json"])["helicone-auth"] == "[REDACTED]"


def test_a_key_in_the_url_path_reaches_no_database_log_or_view(mitmdump_reverse: Callable[..., Mitmdump]):
    """A key in a path segment, percent-encoded after ``key=`` or a segment of its own (an OpenAI
    project key, an AWS access key id): the stored url and path columns, toolguard run's copy of
    mitmdump's output, every summary format and ``toolguard show`` hold none of it (redact.redact_path;
    session 18)."""
    openai_key = "sk-proj-" + "PathKey0123456789abcdefghijklmnopqrstuv"
    aws_key = "AKIA" + "PATHKEY7EXAMPLE0"
    proxy = mitmdump_reverse()
    orphan = json.dumps({"model": "gpt-4o", "messages": ORPHAN}).encode()
    paths = [f"/v1/key%3D{openai_key}/chat/completions", f"/{aws_key}/v1/chat/completions"]
    assert [post(proxy, orphan, path=path).status_code for path in paths] == [400, 400]
    output = proxy.stop()
    assert sorted(flow["path"] for flow in proxy.flows()) == [
        "/[REDACTED]/v1/chat/completions",
        "/v1/key=[REDACTED]/chat/completions",
    ]
    # mitmdump's own per-flow line prints the URL (mitmproxy's dumper, on its console): toolguard run
    # writes that output to its log file line by line through redact_text_urls, as here.
    log = "\n".join(redact_text_urls(line) for line in output.splitlines())
    texts = {"database files": proxy.db_files_bytes().decode("utf-8", "replace"), "toolguard run's log": log}
    texts |= _outputs(proxy, [*SUMMARIES, ["show", "--last"]])
    assert [
        (where, key) for where, text in texts.items() for key in (openai_key, aws_key) if key in text
    ] == []


#: ``toolguard summary`` in each of its formats, for the secret checks.
SUMMARIES = [["summary", "--format", fmt] for fmt in ("text", "markdown", "json", "html")]


def _outputs(proxy: Mitmdump, commands: list[list[str]]) -> dict[str, str]:
    """What each ``toolguard`` command prints (its output and its errors) about the proxy's database,
    by the command's first words."""
    toolguard = str(Path(proxy.command()[0]).parent / "toolguard")
    outputs = {}
    for args in commands:
        shown = subprocess.run(
            [toolguard, *args, "--db", str(proxy.db_path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        outputs[" ".join(args[:3])] = shown.stdout + shown.stderr
    return outputs


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_a_start_up_error_is_one_line_and_exit_code_1(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proxy = Mitmdump(tmp_path / "m", db_path=blocker / "sub" / "toolguard.db")
    result = subprocess.run(proxy.command(), capture_output=True, text=True, timeout=60, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "Traceback" not in output
    lines = [line.split("] ", 1)[-1] for line in output.splitlines() if "toolguard:" in line]
    assert len(lines) == 1, output
    assert lines[0].startswith(
        f"toolguard: cannot start: toolguard_db: cannot open {blocker / 'sub' / 'toolguard.db'}: "
    )


def test_a_worker_killed_mid_traffic_costs_no_flow_its_validation(mitmdump_factory: Callable[..., Mitmdump]):
    # docs/robustness.md: one `kill -9` of the validation worker during 8 parallel clients used to
    # cost about 50 of 200 flows their validation (stored as body.not-validated). The worker is
    # stopped first so that it really holds the jobs when it is killed (observe mode forwards each
    # request without waiting for it, so the clients are all answered meanwhile); the worker started
    # in its place gets them, and every stored row has the rule's finding and nothing else.
    count = 40
    with Upstream(openai_like(), max_requests=count + 5) as upstream:
        proxy = mitmdump_factory(mode=f"reverse:{upstream.url}", stats_probe=True)
        worker = int(proxy.wait_for_output(r"validation worker started \(pid (\d+)\)").group(1))
        bodies = [
            json.dumps(
                {"model": "gpt-4o", "messages": [{**USER, "content": f"{i} {USER['content']}"}, ORPHAN[1]]}
            ).encode()
            for i in range(count)
        ]
        os.kill(worker, signal.SIGSTOP)
        try:
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda body: post(proxy, body).status_code, bodies))
        finally:
            os.kill(worker, signal.SIGKILL)
        assert statuses == [400] * count
        judged = proxy.wait_for_stats(
            lambda stats: (
                stats.get("validated", 0) + sum(n for k, n in stats.items() if k.startswith("not_validated"))
                >= count
            ),
            f"all {count} flows judged",
        )
        output = proxy.stop()
    assert proxy.returncode == 0
    findings = proxy.db()["findings"]
    rules = sorted({row["rule"] for row in findings.rows})
    assert (proxy.db()["flows"].count, rules) == (count, ["sequence.orphan-tool-message"])
    assert findings.count == count
    # Each in the restarted worker (counted twice: validated, and validated_in_worker).
    assert {k: n for k, n in judged.items() if k.startswith(("validated", "not_validated"))} == {
        "validated": count,
        "validated_in_worker": count,
    }
    assert f"{count} of {count} rows written to {proxy.db_path}" in output


# Real key shapes of every provider toolguard knows (their documented formats; AWS's are its docs'
# example ids, the JWT jwt.io's), each planted once in the request below (session 19).
PLANTED = {
    "openai": "sk-proj-" + "PlantedOpenAIKey0123456789abcdefghijklmnop",
    "openai-service-account": "sk-svcacct-" + "PlantedSvcAcct0123456789abcdefghij",
    "anthropic": "sk-ant-api03-" + "PlantedAnthropicKey0123456789abcdefghij",
    "google": "AIzaSyD" + "PlantedGoogleKey0123456789abcd",
    "groq": "gsk_" + "PlantedGroqKey0123456789abcdefghij",
    "xai": "xai-" + "PlantedXaiKey0123456789abcdefghijk",
    "openrouter": "sk-or-v1-" + "0123456789abcdef" * 4,
    "huggingface": "hf_" + "PlantedHuggingFaceKey0123456789",
    "aws": "AKIA" + "PLANTEDKEY7EXAMP",
    "aws-session": "ASIA" + "PLANTEDKEY7EXAMP",
    "github": "ghp_" + "PlantedGitHubToken0123456789abcdefgh",
    "github-fine-grained": "github_pat_11" + "PLANTEDAA0" + "PlantedFineGrainedToken0123456789" * 2,
    "azure": "0123456789abcdef" + "fedcba9876543210",  # 32 hex characters, in an api-key header
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "host-label": "sk-" + "hostlabelkey0123456789abcdef",  # a relay taking the key as a subdomain
}


def test_no_planted_key_reaches_any_file_the_run_wrote_or_any_report(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], tmp_path: Path
):
    """Every provider's key shape, planted in headers, the path (after an invalid percent-escape too),
    the query, the Host header's label and the request body, and echoed in full by the upstream in
    its error text: no file under the proxy's directory (the database, its WAL, spool, exports),
    none of toolguard's output (mitmdump's with ``flow_detail=0``, docs/robustness.md), no summary
    format, ``toolguard show`` in every format, ``learned list`` or ``learned export`` holds any of
    them, raw or percent-encoded (session 19)."""
    keys = PLANTED
    host = f"{keys['host-label']}.relay.example"

    def echo(request: RecordedRequest) -> Reply:
        received = " ".join(f"{name}={value}" for name, value in request.headers)
        said = (
            f"Incorrect API key provided: {received} at {request.path}?{request.query} for {request.body!r}"
        )
        if b"presence_penalty" in request.body:  # xAI's real answer, what toolguard learns from
            return Reply.json(400, {**canned_xai(), "echo": said})
        return Reply.json(401, {"error": {"message": said, "type": "invalid_request_error", "code": None}})

    upstream.handler = echo
    # flow_detail=0: mitmproxy's own per-flow line (its dumper) prints the URL as sent; toolguard's
    # lines are its own and redacted (docs/robustness.md, "Logging mitmdump's output to a file").
    proxy = mitmdump_reverse(options={"keep_host_header": "true", "flow_detail": "0"})
    headers = {
        "host": host,
        "authorization": f"Bearer {keys['openai']}",
        "x-api-key": keys["anthropic"],
        "x-goog-api-key": keys["google"],
        "api-key": keys["azure"],
        "helicone-auth": f"Bearer {keys['openai-service-account']}",
        "cf-aig-authorization": f"Bearer {keys['jwt']}",
        "x-github-token": keys["github"],
    }
    path = (
        f"/v1/%ZZ{keys['xai']}/{keys['aws']}/{keys['aws-session']}/chat/completions"
        f"?key={keys['groq']}&note=%ZZ{keys['openrouter']}"
    )
    content = f"my tokens are {keys['huggingface']} and {keys['github-fine-grained']}"
    for extra in ({}, {"presence_penalty": 0.5}):
        body = json.dumps({"model": "grok-4", "messages": [{"role": "user", "content": content}], **extra})
        assert post(proxy, body.encode(), headers, path=path).status_code in (400, 401)
    output = proxy.stop()
    assert proxy.db()["flows"].count == 2
    assert [row["host"] for row in proxy.db().query("select host from flows")] == [
        "[REDACTED].relay.example"
    ] * 2
    assert proxy.db()["learned"].count == 1
    export = proxy.workdir / "learned-export.json"
    texts = {"mitmdump's output (flow_detail=0)": output}
    commands = [
        *SUMMARIES,
        *(["show", "--last", "--format", fmt] for fmt in ("text", "markdown", "json")),
        ["show", "--last", "--request"],
        ["learned", "list"],
        ["learned", "export", str(export)],
    ]
    texts |= _outputs(proxy, commands)
    files = sorted(p for p in proxy.workdir.rglob("*") if p.is_file())
    assert export in files and proxy.db_path in files
    for file in files:
        texts[str(file.relative_to(proxy.workdir))] = file.read_bytes().decode("utf-8", "replace")
    forms = {
        (name, form)
        for name, key in keys.items()
        for form in (key, quote(key, safe=""), key.lower(), json.dumps(key)[1:-1], _b64(key))
    }
    leaks = [(where, name) for where, text in texts.items() for name, form in forms if form in text]
    assert leaks == []


def canned_xai() -> dict[str, Any]:
    from support.upstream import XAI_PRESENCE_PENALTY

    return dict(XAI_PRESENCE_PENALTY)


def test_mitmdumps_own_flow_line_prints_a_path_key_unless_flow_detail_is_0(
    mitmdump_reverse: Callable[..., Mitmdump],
):
    """What docs/robustness.md tells a user who writes plain mitmdump's output to a file: mitmproxy's
    own per-flow line (its dumper, not toolguard's log) prints the request line as sent, a key in the
    path included; ``--set flow_detail=0`` silences it, and what is left (toolguard's lines) holds
    none."""
    key = PLANTED["aws"]
    orphan = json.dumps({"model": "gpt-4o", "messages": ORPHAN}).encode()
    outputs = {}
    for detail in ("1", "0"):
        proxy = mitmdump_reverse(options={"flow_detail": detail})
        assert post(proxy, orphan, path=f"/{key}/v1/chat/completions").status_code == 400
        outputs[detail] = proxy.stop()
        assert [flow["path"] for flow in proxy.flows()] == ["/[REDACTED]/v1/chat/completions"]
    assert [line for line in outputs["1"].splitlines() if key in line and "toolguard" not in line]
    assert key not in outputs["0"]
