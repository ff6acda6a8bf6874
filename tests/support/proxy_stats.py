"""The counters mitmdump's toolguard prints when it stops: its last ``toolguard: counters
(toolguard.stats): {...}`` line, the ``toolguard.stats`` command's JSON."""

from __future__ import annotations

from typing import Any

from toolguard_core.addon import counters_from_output


def stats(output: str) -> dict[str, Any]:
    """The last counters line of a stopped mitmdump's ``output``, as a dict."""
    found = counters_from_output(output)
    assert found is not None, output
    return found
