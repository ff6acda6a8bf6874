"""Rule modules. Importing this package registers every rule and check, in a fixed order."""

from toolguard_core.rules import body, messages, sequence  # noqa: F401
from toolguard_core.rules import repairs  # noqa: F401  (client-side repair signatures, issue 6)
from toolguard_core.rules.registry import CHECKS, RULES, Rule, check, define

__all__ = ["CHECKS", "RULES", "Rule", "check", "define"]
