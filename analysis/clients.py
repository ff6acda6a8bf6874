"""Client names from stored request headers: :mod:`toolguard_core.clients` (the store derives each
row's client name when it writes it, issue #12.4); this name stays for the CLI and scripts."""

from toolguard_core.clients import headers, parse_client, stainless_sdk

__all__ = ["headers", "parse_client", "stainless_sdk"]
