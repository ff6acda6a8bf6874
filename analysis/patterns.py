"""Root-cause patterns: :mod:`toolguard_core.patterns` (the store derives each row's pattern when it
writes it, issue #12.4); this name stays for the CLI and scripts."""

from toolguard_core.patterns import (
    EXTRA_WORDINGS,
    PREFERRED,
    Wording,
    explain,
    known_wordings,
    predicting_rule,
    rules_for_text,
    vote,
)

__all__ = [
    "EXTRA_WORDINGS",
    "PREFERRED",
    "Wording",
    "explain",
    "known_wordings",
    "predicting_rule",
    "rules_for_text",
    "vote",
]
