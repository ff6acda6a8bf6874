"""The named choices of the addon's options and the CLI's flags (``toolguard_mode``, ``--mode``,
``toolguard_repair``, ``--repair``), declared here, free of imports: ``toolguard --help`` lists them
without loading the rules and the causes catalogue (most of a command's start-up time). The
modules that act on them (:mod:`toolguard_core.modes`, :mod:`toolguard_core.repair`) re-export them.
"""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    OBSERVE = "observe"
    BLOCK = "block"
    REPAIR = "repair"


class Family(StrEnum):
    SEQUENCE = "sequence"
    PARAMS = "params"
    FIELDS = "fields"
    #: What this user's upstream rejected before (learned.py): the same field dropped again.
    LEARNED = "learned"
