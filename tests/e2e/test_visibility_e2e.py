"""End to end (issues #9/#10): one verdict that agrees everywhere, and never reassuring about what
was not seen. Real mitmdump + toolguard, the real openai and anthropic SDKs, a loopback upstream
answering real provider bodies, the real SQLite file and the real ``toolguard`` CLI.

* A flagged request the upstream rejects for an unrelated reason (OpenAI's 429, Anthropic's 529
  overloaded_error, OpenAI's 401 invalid_api_key, OpenAI's "could not parse the JSON body") is not
  ``predicted``: the verdict column, the summary columns, the console line, ``toolguard summary``'s
  per-rule precision and the calibration table agree.
* A proxy that saw nothing says so at shutdown; requests whose provider and model no catalog knows
  are counted with their hosts in the run row, the shutdown lines and ``toolguard summary``.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import proxy_stats
from support.answers import ANTHROPIC_529, OPENAI_401, OPENAI_429, OPENAI_NOT_JSON
from support.scripted import ANTHROPIC_UNANSWERED, anthropic_error
from support.upstream import Reply, completion, orphan_error

pytestmark = pytest.mark.e2e

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")

TOOLGUARD = Path(sys.executable).with_name("toolguard")
ORPHAN_RULE = "sequence.orphan-tool-message"
USER = {"role": "user", "content": "What is 3 * 12?"}
ORPHAN = [USER, {"role": "tool", "tool_call_id": "call_Fo6YPd3EALEdfPLMbfr4BTKf", "content": "36"}]

CALL_ID = "toolu_01AbmHJypDhKqBF7NKdRPJ6d"
ANTHROPIC_BROKEN = [
    {"role": "user", "content": "What is the weather in Paris? Use the tool."},
    {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": CALL_ID, "name": "get_weather", "input": {"city": "Paris"}}],
    },
    {"role": "user", "content": "Never mind, just guess."},
]
ANTHROPIC_TOOLS = [
    {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]


def toolguard(*args: str) -> str:
    result = subprocess.run([str(TOOLGUARD), *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_flagged_request_rejected_for_an_unrelated_reason_is_not_predicted(
    upstream: Any, mitmdump_reverse: Any, openai_client: Any
) -> None:
    replies = {
        "429": Reply.json(429, OPENAI_429),
        "401": Reply.json(401, OPENAI_401),
        "not-json": Reply.json(400, OPENAI_NOT_JSON),
        "orphan": Reply(400, orphan_error(1)),  # the rule's own rejection: predicted, for contrast
        "529": Reply.json(529, ANTHROPIC_529),
        "anthropic-400": Reply.json(
            400, anthropic_error("invalid_request_error", ANTHROPIC_UNANSWERED.format(index=1, ids=CALL_ID))
        ),
    }
    current: dict[str, str] = {}
    upstream.handler = lambda request: replies[current["case"]]
    proxy = mitmdump_reverse()
    client = openai_client(proxy)
    for case in ("429", "401", "not-json", "orphan"):
        current["case"] = case
        with contextlib.suppress(openai.APIError):
            client.chat.completions.create(model="gpt-4o-mini", messages=ORPHAN)
    claude = anthropic.Anthropic(base_url=proxy.url, api_key="sk-ant-e2e", max_retries=0, timeout=15.0)
    for case in ("529", "anthropic-400"):
        current["case"] = case
        with contextlib.suppress(anthropic.APIError):
            claude.messages.create(
                model="claude-sonnet-4-6", max_tokens=64, tools=ANTHROPIC_TOOLS, messages=ANTHROPIC_BROKEN
            )
    output = proxy.stop()
    assert proxy.returncode == 0, output
    assert len(upstream.requests) == 6  # every request went through unchanged (observe mode)

    rows = proxy.flows()
    anthropic_rule = proxy.findings(rows[4]["id"])[0]["rule"]
    assert [
        (r["status"], r["verdict"], r["cause_id"], r["pattern"], r["explanation"], r["error_rules"])
        for r in rows
    ] == [
        (429, "recognised", "cause.rate-limit", None, "recognised", ORPHAN_RULE),
        (401, "recognised", "cause.auth", None, "recognised", ORPHAN_RULE),
        # Not credited (the upstream never read the messages) and no root cause names it; the text is
        # body.not-json's wording, but that rule did not fire, so it names no group (issue #10, verdict6).
        (400, "unexplained", None, None, "unexplained", ORPHAN_RULE),
        (400, "predicted", "cause.orphan-tool-result", ORPHAN_RULE, "predicted", ORPHAN_RULE),
        (529, "recognised", "cause.overloaded", None, "recognised", anthropic_rule),
        (400, "predicted", "cause.missing-tool-result", anthropic_rule, "predicted", anthropic_rule),
    ]
    # The console line gives the stored verdict and says why the finding is not confirmed.
    assert (
        f"toolguard: recognised: HTTP 429; error {ORPHAN_RULE} at messages[1], not confirmed by the answer: "
        "cause.rate-limit: The request exceeds the account's rate limit.; "
        f"flow {rows[0]['id']} (toolguard show --db {proxy.db_path} {rows[0]['id'][:8]})"
    ) in output
    assert f"toolguard: recognised: HTTP 529; error {anthropic_rule} at " in output

    # The summary's per-rule precision counts only the rejections the rules predicted; a 429 neither
    # confirms nor refutes them, and nothing is calibrated or learned from it.
    summary = json.loads(toolguard("summary", "--db", str(proxy.db_path), "--format", "json"))
    assert {k: summary["totals"][k] for k in ("rejected", "predicted", "recognised", "unexplained")} == {
        "rejected": 6,
        "predicted": 2,
        "recognised": 3,
        "unexplained": 1,
    }
    assert sorted((r["rule"], r["predicted"], r["false_alarm"]) for r in summary["rules"]) == sorted(
        [(ORPHAN_RULE, 1, 0), (anthropic_rule, 1, 0)]
    )
    groups = {(g["pattern"], g["cause"]): g["count"] for g in summary["groups"]}
    assert groups == {
        (None, "cause.rate-limit"): 1,
        (None, "cause.auth"): 1,
        (None, None): 1,
        (ORPHAN_RULE, "cause.orphan-tool-result"): 1,
        (None, "cause.overloaded"): 1,
        (anthropic_rule, "cause.missing-tool-result"): 1,
    }
    db = proxy.db()
    assert list(db["rule_calibration"].rows) == []
    assert list(db["learned"].rows) == []
    # `toolguard show` names the root cause the verdict gives, not the uncredited rule.
    shown = json.loads(toolguard("show", "--db", str(proxy.db_path), rows[0]["id"], "--format", "json"))
    assert (shown["flow"]["verdict"], shown["root_cause"]) == ("recognised", "cause.rate-limit")


def test_what_the_proxy_did_not_see_is_said(upstream: Any, mitmdump_reverse: Any, openai_client: Any) -> None:
    # A proxy that saw nothing says so plainly at shutdown (the stats dict alone left requests_seen out).
    idle = mitmdump_reverse()
    output = idle.stop()
    assert idle.returncode == 0, output
    # Said once, with the counts, in the words of the run report (not a raw dict; trial17).
    assert output.count("toolguard saw 0 requests: nothing was checked") == 1
    assert any(
        line.endswith("toolguard saw 0 requests: nothing was checked; 0 flows stored.")
        for line in output.splitlines()
    )
    assert proxy_stats.stats(output)["requests_seen"] == 0

    # A model no catalog knows on a host no profile recognises: the model rules are skipped. The
    # accepted request is not stored (the note alone), but the run row, the shutdown line and the
    # summary all count it, with its host.
    upstream.handler = lambda request: Reply.json(200, completion(model="acme-finetune-v3"))
    proxy = mitmdump_reverse()
    client = openai_client(proxy)
    for _ in range(2):
        client.chat.completions.create(model="acme-finetune-v3", messages=[USER])
    output = proxy.stop()
    assert proxy.returncode == 0, output
    skipped = (  # once per model (session 23)
        "model-level checks (tools, images, limits, reasoning parameters) were skipped for 1 model toolguard has "
        f"no facts for on their host: acme-finetune-v3 (2 requests); 2 requests to 127.0.0.1:{upstream.port}: "
        'declare the host with [[gateway]] or the model with [models."name"] in the providers config '
        "(docs/providers.md) to check them"
    )
    assert f"toolguard: {skipped}" in output
    assert proxy.flows() == []
    [run] = list(proxy.db()["runs"].rows)
    assert (
        run["requests_seen"],
        run["model_rules_skipped"],
        json.loads(run["model_rules_skipped_hosts"]),
        json.loads(run["model_rules_skipped_models"]),
    ) == (
        2,
        2,
        {f"127.0.0.1:{upstream.port}": 2},
        {"acme-finetune-v3": 2},
    )
    text = toolguard("summary", "--db", str(proxy.db_path))
    assert text.count(skipped) == 1
    assert "toolguard saw 2 requests (2 checked) in 1 run(s)" in text


UNRECOGNISED = (
    "hosts not recognised as a provider (the generic rules of each API, OpenAI-compatible or Anthropic "
    "Messages, plus the model catalog)"
)
MAP_A_HOST = (
    "no provider-specific rule was applied; map a host to its provider with [[gateway]] in the providers "
    "config (--set toolguard_providers=FILE, docs/providers.md)"
)


def test_a_clean_run_against_an_unrecognised_host_says_it_was_judged_generically(
    upstream: Any, mitmdump_reverse: Any, openai_client: Any, tmp_path: Path
) -> None:
    """Every request clean, nothing stored: the shutdown line, the run row and ``toolguard summary``
    still say the loopback upstream was no provider toolguard knows, and how to map it. With the host
    mapped by a [[gateway]], none of them says it."""
    upstream.handler = lambda request: Reply.json(200, completion(model="gpt-4o-mini"))
    proxy = mitmdump_reverse()
    client = openai_client(proxy)
    for _ in range(3):
        client.chat.completions.create(model="gpt-4o-mini", messages=[USER])
    output = proxy.stop()
    assert proxy.returncode == 0, output
    assert proxy.flows() == []
    server = f"127.0.0.1:{upstream.port}"  # learned.upstream_name: the port is part of the upstream
    line = f"3 requests to {UNRECOGNISED}: {server}; {MAP_A_HOST}"
    # mitmdump's log lines: "[11:16:11.448] toolguard: ...".
    shutdown = [entry.split("] ", 1)[-1] for entry in output.splitlines()]
    assert [entry for entry in shutdown if "not recognised" in entry] == [f"toolguard: {line}"]
    # The stats dict at shutdown (toolguard.stats) counts them too.
    stats = proxy_stats.stats(output)
    assert (stats["unrecognised_requests"], stats["unrecognised_hosts"]) == (3, {server: 3})
    [run] = list(proxy.db()["runs"].rows)
    assert (run["requests_seen"], run["unrecognised_requests"], json.loads(run["unrecognised_hosts"])) == (
        3,
        3,
        {server: 3},
    )
    text = toolguard("summary", "--db", str(proxy.db_path)).splitlines()
    assert text[1:4] == [
        "0 stored flows, 0 rejected by the upstream, 0 distinct failure(s)",
        "toolguard saw 3 requests (3 checked) in 1 run(s)",
        line,
    ]
    html = toolguard("summary", "--db", str(proxy.db_path), "--format", "html")
    assert html.count(f'<p class="seen-note">{line}.</p>') == 1

    # The same host mapped to OpenAI: judged by OpenAI's rules, nothing to say.
    providers = tmp_path / "providers.toml"
    providers.write_text(f'[[gateway]]\nhost = "127.0.0.1"\nport = {upstream.port}\nprovider = "openai"\n')
    mapped = mitmdump_reverse(options={"toolguard_providers": str(providers)})
    client = openai_client(mapped)
    client.chat.completions.create(model="gpt-4o-mini", messages=[USER])
    output = mapped.stop()
    assert mapped.returncode == 0, output
    assert "not recognised" not in output
    assert proxy_stats.stats(output)["unrecognised_requests"] == 0
    [run] = list(mapped.db()["runs"].rows)
    assert (run["requests_seen"], run["unrecognised_requests"], run["unrecognised_hosts"]) == (1, 0, None)
    text = toolguard("summary", "--db", str(mapped.db_path)).splitlines()
    assert text[1:3] == [
        "0 stored flows, 0 rejected by the upstream, 0 distinct failure(s)",
        "toolguard saw 1 request (1 checked) in 1 run(s)",
    ]
    assert not any("not recognised" in entry for entry in text)
