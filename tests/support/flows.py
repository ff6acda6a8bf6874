"""A mitmproxy flow for a JSON request, as the content-view tests open one in mitmweb: the real
``http.Request``/``tflow`` objects, with the upstream's answer when the test has one; and a database
the real addon wrote from such flows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mitmproxy import http
from mitmproxy.test import taddons, tflow


def json_flow(body: Any, url: str, response: http.Response | None = None) -> http.HTTPFlow:
    """A ``POST url`` flow carrying ``body`` (bytes as they are, anything else as JSON), answered by
    ``response`` or not answered at all."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = http.Request.make("POST", url, content, {"content-type": "application/json"})
    return tflow.tflow(req=request, resp=response or False)


def store_exchanges(db_path: Path, exchanges: Iterable[tuple[str, Any, int, Any]]) -> None:
    """Write ``db_path`` the way the proxy does: the real addon's hooks in mitmproxy's test context, one
    tflow flow per ``(url, request body, status, answer body)``, each answered as JSON, then ``done``."""
    from toolguard_core.addon import ToolGuard

    addon = ToolGuard()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, toolguard_db=str(db_path))
        for url, body, status, answer in exchanges:
            headers = {"content-type": "application/json"}
            flow = tflow.tflow(req=http.Request.make("POST", url, json.dumps(body).encode(), headers))
            addon.request(flow)
            flow.response = http.Response.make(status, json.dumps(answer).encode(), headers)
            addon.responseheaders(flow)
            addon.response(flow)
        addon.done()
