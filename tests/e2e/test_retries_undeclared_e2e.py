"""Retries no header declares (session 21): the Vercel AI SDK sends no ``x-stainless-retry-count``
(Claude Code sends 0 on its retries), so a call it tried three times on a 429 was three rejections in
the run report, ``toolguard show`` and the summary, where the openai SDK's retries were said as one
call. The real AI SDK app (``tests/e2e/node/apps/ai-sdk.mjs``, the pinned ``ai`` and
``@ai-sdk/openai``, maxRetries 2) in a scratch HOME, through a real mitmdump to a loopback upstream
answering OpenAI's real 429 (with ``retry-after-ms``, which the SDK honours, so the test waits
milliseconds, not its 2 s and 4 s back-off)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils
from support import clis
from support.answers import OPENAI_429
from support.proxy import Mitmdump
from support.upstream import Reply, Upstream

from toolguard_analysis.run import report
from toolguard_analysis.show import find_flow, render
from toolguard_analysis.summary import build_summary, retries_words

pytestmark = pytest.mark.e2e

RESENT = (
    "2 of these 3 flows are retries: the same client sent the same request again within 60 s of a 429, 5xx "
    "or overloaded answer to it (no x-stainless-retry-count said so); one call tried again, not new calls"
)


@pytest.fixture(scope="module", autouse=True)
def node_clients() -> None:
    clis.require_node_clients()


def test_the_ai_sdks_own_retries_on_a_429_are_said_as_one_call(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], tmp_path: Path
) -> None:
    upstream.handler = lambda request: Reply.json(429, OPENAI_429, {"retry-after-ms": "50"})
    proxy = mitmdump_reverse()
    run = clis.node_app(clis.AI_SDK_CHAT, proxy.url, tmp_path / "app", env={"TOOLGUARD_MAX_RETRIES": "2"})
    assert run.returncode != 0  # the call failed after its retries
    proxy.stop()
    assert len(upstream.requests) == 3
    assert not any(r.header("x-stainless-retry-count") for r in upstream.requests)  # nothing declared
    db = sqlite_utils.Database(proxy.db_path)
    flows = list(db.query("select id, run_id, status, client from flows order by datetime_utc"))
    assert [f["status"] for f in flows] == [429, 429, 429]
    assert len({f["client"] for f in flows}) == 1 and "ai-sdk" in flows[0]["client"]

    # The summary: one group of three rejections, two of them said as retries.
    summary = build_summary([proxy.db_path])
    [group] = summary["groups"]
    assert (group["count"], group["sdk_retries"], group["resent_retries"]) == (3, 0, 2)
    assert retries_words(group) == RESENT

    # toolguard run's report of the run: one block for the three flows, with the same sentence.
    text = report(proxy.db_path, flows[0]["run_id"])
    assert f"        {RESENT}" in text.splitlines(), text

    # toolguard show: the first is the call, the third its second retry.
    shown = [render(find_flow(proxy.db_path, f["id"])) for f in flows]
    assert "retry" not in shown[0].split("client", 1)[1].splitlines()[0]
    assert (
        "(retry 2 of this call: the same request sent again within 60 s of a 429, 5xx or overloaded answer "
        "to it; no x-stainless-retry-count said so)" in shown[2]
    ), shown[2]


def test_the_same_request_sent_again_after_an_accepted_answer_is_a_new_call(
    upstream: Upstream, mitmdump_reverse: Callable[..., Mitmdump], tmp_path: Path
) -> None:
    """Not every resend is a retry: the app calling again with the same body after a 400 (no
    transient answer) is a new call, and stays one."""
    upstream.handler = lambda request: Reply.json(
        400, {"error": {"message": "bad", "type": "invalid_request_error", "param": None, "code": None}}
    )
    proxy = mitmdump_reverse()
    for n in range(2):
        run = clis.node_app(
            clis.AI_SDK_CHAT, proxy.url, tmp_path / f"app{n}", env={"TOOLGUARD_MAX_RETRIES": "2"}
        )
        assert run.returncode != 0
    proxy.stop()
    assert len(upstream.requests) == 2  # a 400 is not retried by the SDK
    summary = build_summary([proxy.db_path])
    [group] = summary["groups"]
    assert (group["count"], group["resent_retries"]) == (2, 0)
    assert retries_words(group) is None
    assert json.dumps(summary)  # the documented JSON stays serialisable
