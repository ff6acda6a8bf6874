"""Shared test harness: a loopback fake provider (:mod:`.upstream`) and a real mitmdump runner
(:mod:`.proxy`). Fixtures wrapping both live in ``tests/conftest.py``.

``tests/`` is on ``sys.path`` (pytest inserts the directory of the root conftest), so tests import
these as ``from support.upstream import openai_like`` and ``from support.proxy import Mitmdump``."""
