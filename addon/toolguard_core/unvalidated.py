"""The ids of the findings that mean "no rule looked at this body": it went upstream unvalidated (over
toolguard_max_body, nested too deep, an undecodable Content-Encoding, or the worker was saturated).

rules/body.py defines those rules under these ids; visibility.py and the summary name them. They live
in a module of their own so that naming them does not load every rule: importing any module of
``toolguard_core.rules`` registers them all, about a quarter of a second that ``toolguard summary``
over stored rows otherwise does not spend (docs/benchmarks.md, session 12)."""

from __future__ import annotations

TOO_LARGE_ID = "body.too-large"
TOO_DEEP_ID = "body.too-deep"
UNDECODABLE_ID = "body.undecodable"
NOT_VALIDATED_ID = "body.not-validated"
#: In the order the stored views name them.
UNVALIDATED_RULE_IDS: tuple[str, ...] = (TOO_LARGE_ID, TOO_DEEP_ID, UNDECODABLE_ID, NOT_VALIDATED_ID)
