"""The errors of the click-free library: plain exceptions, which ``toolguard_analysis.cli`` (the only
module that imports click) turns into click's usage and command errors. Library code never raises a
click exception, so importing it does not load the CLI (issue #15)."""

from __future__ import annotations


class ToolguardError(Exception):
    """A failure to report to the user in one line (the CLI exits with status 1)."""


class UsageError(ToolguardError):
    """The options contradict each other (the CLI exits with status 2)."""


class BadParameter(ToolguardError):
    """One option's value is wrong; ``param`` names it (``--upstream``), as click's message does."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param
