"""The labelled corpus of real API failures and real valid requests (issue 9 deliverable 4, issue 10).

Every failure is an error text quoted from a public thread, with the URL where it is quoted; every valid
request is a body a thread, a provider's docs or a client's source shows being accepted. The files are
``tests/data/corpus/failures-*.jsonl`` and ``valid-*.jsonl`` (one JSON object per line, several authors
each writing their own suffix). The 91 entries of the older ``tests/data/error_corpus.json`` were used to
write the rules, so they are mapped into the same shape here and always land in the development split.

The split is by thread, not by entry, so two errors quoted from one thread never straddle dev and
held-out: :func:`split_for` is the one definition, and each corpus line stores its result so a reader
without this module sees the split too (``tests/test_corpus.py`` checks the two agree).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Final

DATA: Final = Path(__file__).resolve().parent.parent / "data"
CORPUS_DIR: Final = DATA / "corpus"
LEGACY: Final = DATA / "error_corpus.json"

FAILURE_FIELDS: Final = (
    "id",
    "thread",
    "source",
    "provider",
    "via",
    "api",
    "model",
    "url",
    "status",
    "body",
    "body_kind",
    "request",
    "request_fidelity",
    "class",
    "root_cause",
    "split",
    "notes",
)
VALID_FIELDS: Final = ("id", "source", "client", "provider", "api", "url", "request", "notes")
APIS: Final = frozenset({"chat", "responses", "messages", "gemini", "converse", "ollama", "other"})
CLASSES: Final = frozenset({"spec", "provider", "model", "transient", "other"})
BODY_KINDS: Final = frozenset({"json", "message", "text"})
FIDELITIES: Final = frozenset({"verbatim", "reconstructed"})
SPLITS: Final = frozenset({"dev", "heldout"})

# The legacy file labels causes with its own ids; the class of each comes from the label's family.
# Provider-prefixed families (``groq.``, ``gemini.``...) are one provider's rule, hence "provider".
_LEGACY_CLASS_BY_PREFIX: Final = (
    ("sequence.", "spec"),
    ("responses.", "spec"),
    ("tools.", "spec"),
    ("messages.", "spec"),
    ("anthropic.tool-use-without-result", "spec"),
    ("params.parallel-tool-calls-without-tools", "spec"),
    ("params.max-tokens-below-one", "spec"),
    ("limits.context-length-exceeded", "model"),
    ("params.", "model"),
)


def thread_key(thread: str) -> str:
    """A thread's URL as the split and the probe files' freshness checks compare it: lower-cased,
    without fragment or trailing slash (two quotes of one thread are one thread)."""
    return thread.strip().lower().split("#", 1)[0].rstrip("/")


def split_for(thread: str) -> str:
    """``"heldout"`` for about 3 threads in 10, else ``"dev"``; stable across runs and machines."""
    key = thread_key(thread)
    return "heldout" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 10 < 3 else "dev"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One object per non-empty line; a bad line raises with its file and line number."""
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name}:{number}: {exc}") from exc
        if not isinstance(row, dict):
            raise ValueError(f"{path.name}:{number}: not a JSON object")
        rows.append(row)
    return rows


def _legacy_class(label: str) -> str:
    for prefix, cls in _LEGACY_CLASS_BY_PREFIX:
        if label.startswith(prefix):
            return cls
    return "provider"


def _legacy_api(entry: dict[str, Any]) -> str:
    if entry["label"].startswith("responses."):
        return "responses"
    if entry["label"].startswith("anthropic."):
        return "messages"
    return "chat"


def legacy_failures(path: Path = LEGACY) -> list[dict[str, Any]]:
    """The older corpus in the failure shape; always ``dev`` because rules were written from it."""
    rows: list[dict[str, Any]] = []
    for entry in json.loads(path.read_text(encoding="utf-8"))["entries"]:
        body = entry.get("body")
        rows.append(
            {
                "id": f"legacy-{entry['id']}",
                "thread": entry["source"].split("#", 1)[0],
                "source": entry["source"],
                "provider": entry["provider"],
                "via": None,
                "api": _legacy_api(entry),
                "model": None,
                "url": None,
                "status": None,
                "body": body if body is not None else entry["message"],
                "body_kind": "json" if body is not None else "message",
                "request": None,
                "request_fidelity": None,
                "class": _legacy_class(entry["label"]),
                "root_cause": entry["label"],
                "split": "dev",
                "notes": entry.get("note"),
            }
        )
    return rows


def load_failures(directory: Path = CORPUS_DIR, *, legacy: Path | None = LEGACY) -> list[dict[str, Any]]:
    """Every ``failures-*.jsonl`` row (files in name order), then the legacy entries."""
    rows: list[dict[str, Any]] = []
    for path in sorted(directory.glob("failures-*.jsonl")):
        rows.extend(read_jsonl(path))
    if legacy is not None:
        rows.extend(legacy_failures(legacy))
    return rows


def load_valid(directory: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    """Every ``valid-*.jsonl`` row (files in name order)."""
    rows: list[dict[str, Any]] = []
    for path in sorted(directory.glob("valid-*.jsonl")):
        rows.extend(read_jsonl(path))
    return rows
