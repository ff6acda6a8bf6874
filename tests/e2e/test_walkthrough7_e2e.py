"""End-to-end: what the seventh user walkthrough found, each through real parts (mitmdump with the
addon, the openai SDK, a real SQLite file, the ``toolguard`` CLI, the shipped Datasette metadata),
with only the provider faked (a loopback upstream answering OpenAI's real bodies, tests/support).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.proxy import Mitmdump
from support.upstream import GROK, XAI_PRESENCE_PENALTY, Upstream, canned, openai_like

pytestmark = pytest.mark.e2e
openai = pytest.importorskip("openai")

TOOLGUARD = Path(sys.executable).parent / "toolguard"
DATASETTE = yaml.safe_load((Path(__file__).parents[2] / "analysis" / "datasette.yml").read_text())
QUERIES = DATASETTE["databases"]["toolguard"]["queries"]


def toolguard(*args: str) -> str:
    result = subprocess.run([str(TOOLGUARD), *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_datasette_files_a_rejection_under_the_rule_that_fired_as_the_summary_does(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], openai_client: Callable[..., Any]
) -> None:
    """o3-mini with max_tokens through a host no profile knows: the model catalog's rule
    (model.max-tokens-on-reasoning-model) fires, OpenAI's validator rejects it. The summary files the
    rejection under that rule; Datasette's rejections_by_cause named params.max-tokens-on-reasoning-model,
    the root cause's rule on api.openai.com, which never fired on this flow (docs/schema.md, `pattern`:
    "a flow never sits under a rule that did not fire on it")."""
    upstream.handler = openai_like()
    proxy = mitmdump_reverse()
    client = openai_client(proxy)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="o3-mini", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
    proxy.stop()
    summary = json.loads(toolguard("summary", "--db", str(proxy.db_path), "--format", "json"))
    assert [(g["pattern"], g["cause"], g["count"]) for g in summary["groups"]] == [
        ("model.max-tokens-on-reasoning-model", "cause.max-tokens-not-supported", 1)
    ]
    with sqlite3.connect(proxy.db_path) as db:
        rows = db.execute(QUERIES["rejections_by_cause"]["sql"]).fetchall()
    assert [row[:4] for row in rows] == [
        ("predicted", "cause.max-tokens-not-supported", "model.max-tokens-on-reasoning-model", 1)
    ]


def glossary(page: str) -> dict[str, str]:
    """The HTML report's glossary: rule id -> its meaning as the page prints it."""
    import html
    import re

    part = page.split('<dl id="glossary">', 1)[1].split("</dl>", 1)[0]
    return {
        html.unescape(term): html.unescape(re.sub(r"<[^>]+>", " ", meaning)).split("  Fix:")[0].strip()
        for term, meaning in re.findall(r"<dt [^>]*>([^<]+)</dt><dd>(.*?)</dd>", part)
    }


def test_the_html_glossary_explains_a_learned_finding(
    upstream: Upstream,
    mitmdump_reverse: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """The second request with a parameter the upstream rejected repeats it: a learned.param finding
    (docs/learned.md). The report's glossary said of it "Not a rule or root cause this toolguard
    version knows.", as if the database came from a newer toolguard. (Until session 15 the scenario
    was o3-mini with max_tokens; a rejection a built-in rule predicts is no longer learned again.)"""
    upstream.handler = canned(400, XAI_PRESENCE_PENALTY)
    db_path = tmp_path / "toolguard.db"
    for _session in range(2):  # the next session starts with what the first one learned
        proxy = mitmdump_reverse(db_path=db_path)
        with pytest.raises(openai.BadRequestError):
            openai_client(proxy).chat.completions.create(
                model=GROK, presence_penalty=0.5, messages=[{"role": "user", "content": "hi"}]
            )
        proxy.stop()
    assert [f["rule"] for f in proxy.db()["findings"].rows_where(order_by="flow_id, idx")].count(
        "learned.param"
    ) == 1
    page = tmp_path / "report.html"
    toolguard("summary", "--db", str(proxy.db_path), "--format", "html", "-o", str(page))
    assert glossary(page.read_text())["learned.param"] == (
        "A learned constraint (docs/learned.md): this host rejected a request with this param before, "
        "and this request repeats it; the finding quotes the upstream's own error."
    )


SEND_LARGE = """
import openai
client = openai.OpenAI(max_retries=0)
client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x" * 5000}])
"""
NOT_VALIDATED_WORDS = "the body was not validated (body.too-large): no rule checked it"


def test_a_body_over_the_size_limit_is_never_called_checked(upstream: Upstream, tmp_path: Path) -> None:
    """A body over toolguard_max_body passes through unvalidated. Its flow (an info body.too-large
    finding, accepted) read "accepted by the upstream (its findings are warnings)" in the run
    report, `toolguard show` and the HTML report: as if the rules had run and found only warnings."""
    upstream.handler = openai_like()
    db_path = tmp_path / "run.db"
    env = {
        "PATH": str(TOOLGUARD.parent),
        "HOME": str(tmp_path),
        "OPENAI_API_KEY": "sk-proj-walkthrough7notakey",
    }
    result = subprocess.run(
        [str(TOOLGUARD), "run", "--upstream", f"{upstream.url}/v1", "--db", str(db_path), "--confdir",
         str(tmp_path / "conf"), "--set", "toolguard_max_body=2000", "--", sys.executable, "-c", SEND_LARGE],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db_path) as db:
        [(flow_id,)] = db.execute("select id from flows").fetchall()
    report = [line for line in result.stderr.splitlines() if line.startswith(f"    {flow_id}")]
    assert report == [
        f"    {flow_id}  200  POST 127.0.0.1:{upstream.port}/v1/chat/completions  accepted: accepted by the upstream; {NOT_VALIDATED_WORDS}"
    ]
    show = toolguard("show", "--db", str(db_path), flow_id)
    assert f"  verdict:    accepted: accepted by the upstream; {NOT_VALIDATED_WORDS}\n" in show
    assert json.loads(toolguard("show", "--db", str(db_path), flow_id, "--format", "json"))[
        "verdict_words"
    ] == (f"accepted by the upstream; {NOT_VALIDATED_WORDS}")
    page = tmp_path / "report.html"
    toolguard("summary", "--db", str(db_path), "--format", "html", "-o", str(page))
    assert (
        f"<dt>Verdict</dt><dd>accepted: accepted by the upstream; {NOT_VALIDATED_WORDS}</dd>"
        in page.read_text()
    )


def test_a_blocked_request_answered_with_a_5xx_is_not_retried_by_the_sdk(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], tmp_path: Path
) -> None:
    """Block mode answers with the provider's own status: llama.cpp's llama-server answers an unknown
    response_format type with 500. The openai SDK (max_retries=2 by default) retried the block twice:
    the same request, blocked three times, three `blocked` rows and the backoff waits for one mistake.
    The answer now says `x-should-retry: false`, which the openai and anthropic SDKs obey."""
    providers = tmp_path / "providers.toml"
    providers.write_text('[[gateway]]\nhost = "127.0.0.1"\nprovider = "llama.cpp"\n')
    proxy = mitmdump_reverse(options={"toolguard_mode": "block", "toolguard_providers": str(providers)})
    client = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="sk-proj-walkthrough7notakey", timeout=30)
    with pytest.raises(openai.InternalServerError) as raised:
        client.chat.completions.create(
            model="qwen3", messages=[{"role": "user", "content": "hi"}], response_format={"type": "json"}
        )
    proxy.stop()
    assert (raised.value.status_code, raised.value.response.headers["x-should-retry"]) == (500, "false")
    assert (
        raised.value.body["message"]
        == 'response_format type must be one of "text" or "json_object", but got: json'
    )
    assert [(f["status"], f["verdict"]) for f in proxy.flows()] == [(500, "blocked")]
    assert upstream.requests == []


def test_the_schema_says_whose_answer_a_blocked_rows_status_is(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], openai_client: Callable[..., Any]
) -> None:
    """Datasette described `status` as "Upstream HTTP status" and `error_message` as "The upstream's
    error message"; a blocked row has both, from toolguard's own answer: the upstream never saw it."""
    proxy = mitmdump_reverse(options={"toolguard_mode": "block"})
    with pytest.raises(openai.BadRequestError):
        openai_client(proxy).chat.completions.create(
            model="gpt-4o", messages=[{"role": "tool", "tool_call_id": "call_1", "content": "done"}]
        )
    proxy.stop()
    [row] = proxy.flows()
    assert (row["verdict"], row["status"], row["error_message"], upstream.requests) == (
        "blocked",
        400,
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
        [],
    )
    columns = DATASETTE["databases"]["toolguard"]["tables"]["flows"]["columns"]
    schema = (Path(__file__).parents[2] / "docs" / "schema.md").read_text()
    for column in ("status", "error_message", "response_body"):
        [line] = [line for line in schema.splitlines() if line.startswith(f"| `{column}` |")]
        assert "blocked" in columns[column] and "blocked" in line, column


def test_the_html_drill_down_of_a_repaired_flow_lists_its_fixes(
    upstream: Upstream,
    mitmdump_reverse: Callable[..., Mitmdump],
    openai_client: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """A repaired flow's drill-down said "repaired" and listed its findings, but not what toolguard
    changed in the request before sending it: only `toolguard show` and the summary's per-rule
    tally did. It now lists each fix as the repairs table records it, applied or left as is."""
    upstream.handler = openai_like()
    proxy = mitmdump_reverse(options={"toolguard_mode": "repair", "toolguard_repair": "sequence,params"})
    openai_client(proxy).chat.completions.create(
        model="o3-mini", max_tokens=10, temperature=0.5, messages=[{"role": "user", "content": "hi"}]
    )
    proxy.stop()
    [flow] = proxy.flows()
    page = tmp_path / "report.html"
    toolguard("summary", "--db", str(proxy.db_path), "--format", "html", "-o", str(page))
    import html
    import re

    drill = page.read_text().split(f'id="flow-{flow["id"]}"', 1)[1].split("</details>", 1)[0]
    fixes = drill.split("<dt>Repairs</dt>", 1)[1].split("</dd>", 1)[0]
    assert [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", li)).split())
        for li in re.findall(r"<li>(.*?)</li>", fixes)
    ] == [
        "applied model.max-tokens-on-reasoning-model at max_tokens : renamed max_tokens (10) to "
        "max_completion_tokens, the only limit the model takes",
        "applied model.sampling-on-reasoning-model at temperature : dropped the field temperature (0.5), which "
        "the provider or model rejects",
    ]


def test_an_http2_client_is_validated_like_an_http1_one(
    upstream_tls: Any, mitmdump_factory: Callable[..., Mitmdump], tmp_path: Path
) -> None:
    """No test spoke HTTP/2 to the proxy. curl (nghttp2) through HTTPS_PROXY negotiates h2 with
    mitmproxy over TLS (ALPN); the HTTP/1.1-only fake provider gets HTTP/1.1. The request is judged,
    stored and counted exactly as over HTTP/1.1."""
    from support.upstream import ORPHAN_MESSAGE

    server = Upstream(openai_like(), tls=upstream_tls).start()
    try:
        # lazy: mitmproxy answers the client's TLS (h2 when the client prefers it) before it connects
        # upstream; by default it mirrors the upstream's ALPN, and this fake (unlike api.openai.com)
        # speaks HTTP/1.1 only.
        proxy = mitmdump_factory(
            options={"ssl_insecure": "true", "connection_strategy": "lazy", "upstream_cert": "false"}
        )
        body = tmp_path / "body.json"
        body.write_text(
            json.dumps(
                {
                    "model": "gpt-4o-mini",
                    "messages": [{"role": "tool", "content": "done", "tool_call_id": "dummy"}],
                }
            )
        )
        curl = subprocess.run(
            ["curl", "-s", "--http2", "--proxy", proxy.url, "--cacert", str(proxy.ca_cert), "--noproxy", "",
             "-H", "content-type: application/json", "-H", "authorization: Bearer sk-proj-walkthrough7notakey",
             "--data-binary", f"@{body}", "-w", "\n%{http_version} %{http_code}", f"{server.url}/v1/chat/completions"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        output = proxy.stop()
    finally:
        server.stop()
    answer, versions = curl.stdout.rsplit("\n", 1)
    assert (versions, json.loads(answer)["error"]["message"]) == ("2 400", ORPHAN_MESSAGE)
    [row] = proxy.flows()
    assert (row["verdict"], row["status"], row["error_rules"]) == (
        "predicted",
        400,
        "sequence.orphan-tool-message",
    )
    [run] = list(proxy.db()["runs"].rows)
    assert (run["requests_seen"], run["validated"], run["rejected"], run["stored"]) == (1, 1, 1, 1)
    assert "toolguard: predicted: HTTP 400; error sequence.orphan-tool-message at messages[0]" in output
