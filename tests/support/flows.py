"""A mitmproxy flow for a JSON request, as the content-view tests open one in mitmweb: the real
``http.Request``/``tflow`` objects, with the upstream's answer when the test has one."""

from __future__ import annotations

import json
from typing import Any

from mitmproxy import http
from mitmproxy.test import tflow


def json_flow(body: Any, url: str, response: http.Response | None = None) -> http.HTTPFlow:
    """A ``POST url`` flow carrying ``body`` (bytes as they are, anything else as JSON), answered by
    ``response`` or not answered at all."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = http.Request.make("POST", url, content, {"content-type": "application/json"})
    return tflow.tflow(req=request, resp=response or False)
