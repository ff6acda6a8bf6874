"""End-to-end: large bodies are validated in the worker process (offload.py), off the event loop.

A real mitmdump in reverse mode in front of the loopback fake provider, the real openai SDK. The
verdicts of offloaded bodies must be the same as in-process ones: the same findings stored, the
same marks, and a clean request stores nothing. ``toolguard_offload=0`` sends every body to the
worker, so small seed conversations exercise it too.
"""

from __future__ import annotations

import openai
import pytest
from support import proxy_stats
from support.seeds import MODEL, TOOLS

from toolguard_core import crossmem

pytestmark = pytest.mark.e2e

ORPHAN_MESSAGES = [
    {"role": "system", "content": "You are helpful."},
    {"role": "tool", "tool_call_id": "call_orphan", "content": "stale result"},
    {"role": "user", "content": "Hello"},
]


def padded(messages: list[dict], size: int) -> list[dict]:
    """The same conversation with a long system prompt, so the body is at least ``size`` bytes."""
    return [{"role": "system", "content": "x" * size}, *messages[1:]]


@pytest.mark.parametrize(
    ("options", "pad", "in_worker", "by_address"),
    [
        ({}, 200_000, 2, False),  # default: bodies from 64 KB on go to the worker
        ({"toolguard_offload": "0"}, 0, 2, False),  # every body goes to the worker
        ({"toolguard_offload": "off"}, 200_000, 0, False),  # in place, for comparison
        # Once the worker said it can read the proxy's memory, large bodies go by address (crossmem.py);
        # said at debug level only (session 19: the normal case, nothing for a user to act on).
        pytest.param(
            {"termlog_verbosity": "debug"},
            200_000,
            2,
            True,
            marks=pytest.mark.skipif(not crossmem.available(), reason="process_vm_readv is Linux's"),
        ),
    ],
    ids=["large-default", "all-offloaded", "off", "large-by-address"],
)
def test_offloaded_verdicts_match_in_place_ones(
    mitmdump_reverse, openai_client, options, pad, in_worker, by_address
) -> None:
    proxy = mitmdump_reverse(options=options)
    if in_worker:  # the worker starts in the background; until then bodies are validated in place
        proxy.wait_for_output(r"validation worker started")
    if by_address:
        proxy.wait_for_output(
            r"the validation worker reads each large request body straight from the proxy process's memory",
            timeout=60,
        )
    client = openai_client(proxy)
    clean = [{"role": "user", "content": "hi " + "y" * pad}]
    client.chat.completions.create(model=MODEL, messages=clean)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=MODEL, messages=padded(ORPHAN_MESSAGES, pad), tools=TOOLS)
    # Observe mode answers the client before the verdict: wait for the flagged flow's console line
    # (written once its verdict is in). One worker answers in order, so the clean body is done too;
    # stopping earlier would settle both in place at shutdown (a correct, but another, path).
    proxy.wait_for_output(r"toolguard: predicted: HTTP 400", timeout=30)
    output = proxy.stop()
    [row] = list(proxy.flows())
    assert row["verdict"] == "predicted"
    assert row["status"] == 400
    assert [f["rule"] for f in proxy.findings(row["id"])] == ["sequence.orphan-tool-message"]
    counters = proxy_stats.stats(output)
    assert counters["validated"] == 2
    # The worker really validated them: without this the three cases could not tell it from in place.
    assert counters.get("validated_in_worker", 0) == in_worker
    assert "not_validated" not in counters
