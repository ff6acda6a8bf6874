"""The counters mitmdump's toolguard prints when it stops: its last ``toolguard: {...}`` line."""

from __future__ import annotations

import ast
import re
from typing import Any


def stats(output: str) -> dict[str, Any]:
    """The last ``toolguard: {...}`` counters line of a stopped mitmdump's ``output``, as a dict."""
    found = re.findall(r"toolguard: (\{.*\})", output)
    assert found, output
    return dict(ast.literal_eval(found[-1]))
