"""The one ``main`` of the doc generators (scripts/gen_*_doc.py): write the page, or ``--check`` it.

Each generator only says how its page is rendered; what ``--check`` does (CI runs it, .ci/run) is
declared here once: exit 0 when the page on disk is what the generator renders, else print a
unified diff (current page -> generated page) on stdout, the command that regenerates it on stderr,
and exit 1.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable
from pathlib import Path

#: A stale page's diff is cut after this many lines (a renamed heading can touch every line of
#: docs/rules.md); the command to regenerate is printed all the same.
MAX_DIFF_LINES = 400

ROOT = Path(__file__).resolve().parent.parent


def _shown(path: Path) -> str:
    """``path`` relative to the checkout when it is inside it (``docs/rules.md``), else as given."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def stale_diff(current: str, expected: str, doc: str) -> list[str]:
    """The unified diff from the page on disk to the generated one (lines without newlines)."""
    return list(
        difflib.unified_diff(
            current.splitlines(), expected.splitlines(), f"{doc} (on disk)", f"{doc} (generated)", lineterm=""
        )
    )


def main(
    argv: list[str] | None,
    *,
    doc_path: Path,
    render: Callable[[str], str],
    script: str,
    description: str | None,
) -> int:
    """Parse ``[--check]`` and write or check ``doc_path``.

    ``render`` gets the page's current text ("" when it does not exist yet) and returns the whole page:
    a generator that owns the whole page ignores it, one that fills a GENERATED section keeps the rest.
    ``script``: the generator's ``__file__`` (named in the regenerate command).
    """
    doc = _shown(doc_path)
    parser = argparse.ArgumentParser(
        description=(description or "").strip().splitlines()[0] if description else None
    )
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 (and print a diff) if {doc} is not current"
    )
    args = parser.parse_args(argv)
    current = doc_path.read_text(encoding="utf-8") if doc_path.exists() else ""
    expected = render(current)
    if not args.check:
        doc_path.parent.mkdir(parents=True, exist_ok=True)
        doc_path.write_text(expected, encoding="utf-8")
        print(f"wrote {doc}")
        return 0
    if current == expected:
        return 0
    diff = stale_diff(current, expected, doc)
    for line in diff[:MAX_DIFF_LINES]:
        print(line)
    if len(diff) > MAX_DIFF_LINES:
        print(f"... {len(diff) - MAX_DIFF_LINES} more diff lines")
    command = f".venv/bin/python scripts/{Path(script).name}"
    print(f"{doc} is stale: run {command} and commit it.", file=sys.stderr)
    return 1
