"""Error-text fingerprints: the normaliser lives in :mod:`toolguard_core.fingerprint` since the store
derives each row's fingerprint when it writes it (issue #12.4); this name stays for the CLI and scripts."""

from toolguard_core.fingerprint import NORMALISER_VERSION, fingerprint, normalise

__all__ = ["NORMALISER_VERSION", "fingerprint", "normalise"]
