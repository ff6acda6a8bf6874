"""The addon and the model catalog: the config's [models."name"] entries reach the proxy's
analysis, and the "model rules skipped" note is counted without storing every such flow."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from mitmproxy import http
from mitmproxy.test import tflow

from toolguard_core.addon import METADATA_KEY, ToolGuard

GATEWAY = "https://llm.corp.example/v1/chat/completions"
USER = {"role": "user", "content": "hi"}
OK = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "model": "acme-ft",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "done"}, "finish_reason": "stop"}],
}


def _exchange(addon: ToolGuard, body: dict[str, Any], status: int = 200) -> http.HTTPFlow:
    request = http.Request.make(
        "POST", GATEWAY, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    flow = tflow.tflow(req=request)
    addon.request(flow)
    flow.response = http.Response.make(status, json.dumps(OK).encode(), {"content-type": "application/json"})
    addon.responseheaders(flow)
    addon.response(flow)
    return flow


def _stored(db_path: Path) -> list[str]:
    if not db_path.exists():
        return []
    db = sqlite_utils.Database(db_path)
    return [row["verdict"] for row in db["flows"].rows] if "flows" in db.view_names() else []


def test_skipped_note_alone_is_counted_not_stored(guard_db: tuple[ToolGuard, Any, Path]) -> None:
    addon, _, db_path = guard_db
    flow = _exchange(addon, {"model": "acme-ft", "messages": [USER]})
    assert [f["rule"] for f in flow.metadata[METADATA_KEY]["findings"]] == ["model.rules-skipped"]
    addon.done()
    assert (addon.stats["model_rules_skipped"], addon.stats["flagged"], addon.stats["stored"]) == (1, 0, 0)
    assert _stored(db_path) == []


def test_skipped_note_is_stored_with_a_rejection(guard_db: tuple[ToolGuard, Any, Path]) -> None:
    addon, _, db_path = guard_db
    _exchange(addon, {"model": "acme-ft", "messages": [USER]}, status=400)
    addon.done()
    assert _stored(db_path) == ["unexplained"]


def test_config_models_reach_the_proxy(guard_db: tuple[ToolGuard, Any, Path], tmp_path: Path) -> None:
    addon, tctx, db_path = guard_db
    config = tmp_path / "providers.toml"
    config.write_text('[models."acme-ft"]\nmax_output_tokens = 4096\n')
    tctx.configure(addon, toolguard_providers=str(config))
    flow = _exchange(addon, {"model": "acme-ft", "messages": [USER], "max_tokens": 8000})
    assert [(f["rule"], f["severity"], f["location"]) for f in flow.metadata[METADATA_KEY]["findings"]] == [
        ("model.max-tokens-above-limit", "error", "max_tokens")
    ]
    addon.done()
    assert _stored(db_path) == ["false_alarm"]


@pytest.mark.parametrize(
    ("status", "verdict", "what", "stored", "hint"),
    [
        # The note alone on an accepted request is counted, not stored: pointing at `toolguard show` would
        # send the user to "no flow with id ..." (seen on a fresh clone through `toolguard run`).
        (
            200,
            "accepted",
            "info model.rules-skipped at model",
            [],
            "not stored: only the model.rules-skipped note; counted in the stats",
        ),
        # With a rejection the flow is stored, and the line names the command that shows it
        # (with the test's own database named: it is not the default one). The note is not the
        # rejection's reason, so it does not head the line.
        (
            400,
            "unexplained",
            "no rule explains it (note: model.rules-skipped)",
            ["unexplained"],
            "toolguard show --db {db} {short}",
        ),
    ],
)
def test_console_line_points_to_show_only_for_a_stored_flow(
    guard_db: tuple[ToolGuard, Any, Path],
    caplog: pytest.LogCaptureFixture,
    status: int,
    verdict: str,
    what: str,
    stored: list[str],
    hint: str,
) -> None:
    addon, _, db_path = guard_db
    with caplog.at_level(logging.INFO, logger="toolguard_core.addon"):
        flow = _exchange(addon, {"model": "acme-ft", "messages": [USER]}, status=status)
    addon.done()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"toolguard: {verdict}")]
    assert lines == [
        f"toolguard: {verdict}: HTTP {status}; {what}; flow {flow.id} "
        f"({hint.format(short=flow.id[:8], db=db_path)})"
    ]
    assert _stored(db_path) == stored
