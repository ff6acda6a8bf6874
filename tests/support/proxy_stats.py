"""The counters mitmdump's toolguard prints when it stops: its last ``toolguard: counters
(toolguard.stats): {...}`` line, the ``toolguard.stats`` command's JSON."""

from __future__ import annotations

import json
import re
from typing import Any

from toolguard_core.addon import STATS_LINE_PREFIX


def stats(output: str) -> dict[str, Any]:
    """The last counters line of a stopped mitmdump's ``output``, as a dict."""
    found = re.findall(re.escape(STATS_LINE_PREFIX) + r"(\{.*\})", output)
    assert found, output
    return dict(json.loads(found[-1]))
