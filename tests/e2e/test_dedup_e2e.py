"""Content-addressed storage through a real mitmdump (issue #12.3): real client bodies (chat,
Responses, Anthropic Messages) and an unparseable one sent twice each with ``toolguard_store_all``;
every stored flow reads back from ``flows`` exactly as sent, and the repeated requests add no
content."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from support.proxy import Mitmdump
from support.upstream import Reply, Upstream, completion

from toolguard_core import dedup

pytestmark = pytest.mark.e2e

REQUESTS = Path(__file__).resolve().parents[1] / "data" / "requests"


def wire(name: str) -> bytes:
    data = json.loads((REQUESTS / name).read_text())
    return json.dumps(data["body"], ensure_ascii=False, separators=(",", ":")).encode()


# path -> body, and whether it is stored as contents
SENT = [
    ("/v1/chat/completions", wire("opencode-1.18.33-chat-turn2.json"), True),
    ("/v1/responses", wire("codex-0.171.0-responses-turn2.json"), True),
    ("/v1/messages", wire("claude-code-2.1.332-messages-turn2.json"), True),
    ("/v1/chat/completions", b'{"model": "gpt-4o", "messages": [', False),
]


def test_every_stored_request_reads_back_as_sent(tmp_path: Path) -> None:
    upstream = Upstream(lambda request: Reply.json(200, completion("gpt-4o")))
    with upstream:
        proxy = Mitmdump(
            tmp_path, mode=f"reverse:{upstream.url}", options={"toolguard_store_all": "true"}
        ).start()
        try:
            with httpx.Client(timeout=30) as client:
                for _ in range(2):
                    for path, body, _split in SENT:
                        client.post(
                            proxy.url + path, content=body, headers={"content-type": "application/json"}
                        )
        finally:
            proxy.stop()
    conn = sqlite3.connect(proxy.db_path)
    rows = conn.execute(
        "SELECT flows.path, flows.request_json, flows.request_body, flows.request_bytes, r.request_parts_json IS NOT NULL "
        "FROM flows JOIN flow_rows AS r USING (id) ORDER BY flows.datetime_utc, r.rowid"
    ).fetchall()
    contents = conn.execute("SELECT count(*) FROM contents").fetchone()[0]
    conn.close()
    expected = [
        (path, body.decode(), None, len(body), True)
        if split
        else (path, None, body.decode(), len(body), False)
        for path, body, split in SENT
    ]
    assert rows == expected + expected
    # The second round added no content: the contents are exactly the distinct parts of the three.
    parts = [dedup.split_request(body.decode()) for _, body, split in SENT if split]
    assert contents == len(set().union(*(p.contents for p in parts if p is not None))) > 0
