"""Text from upstreams made safe to print on a terminal.

An error body is the upstream's text (or a relay's, or a model's output echoed back): an escape
sequence in it reached the terminal through ``toolguard run``'s report, ``toolguard show`` and
``toolguard summary``, where it can set the window title, clear the screen or (OSC 52) write the
clipboard. Every control character is shown as a visible ``\\xNN`` instead, except newlines and tabs
and the SGR colour sequences toolguard's own text mode writes (``ESC [ ... m``: colour only, which
cannot do any of that).
"""

from __future__ import annotations

import re

__all__ = ["printable"]

#: C0 and C1 controls (and DEL) but newline and tab; an ESC that starts an SGR sequence is kept.
_CONTROL = re.compile(r"\x1b(?!\[[0-9;]*m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with each control character but ``\\n``, ``\\t`` and SGR's ESC written as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
