"""toolguard's core: request validation, upstream-error parsing and the capture store.

Everything here except :mod:`toolguard_core.addon` and :mod:`toolguard_core.contentview`
is pure Python with no mitmproxy import, so the same code runs inside mitmdump, in the
``toolguard`` CLI and in tests.
"""

__version__ = "0.1.0"
