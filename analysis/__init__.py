"""toolguard's offline side: the ``toolguard`` CLI, fingerprints, summaries and reports."""
