"""Every rule x provider cell whose declared level is a warning or info (issue 9: "one severity policy per
rule"; docs/accuracy.md, "Session 10: severity"), read from the rules' own policies.

    .venv/bin/python scripts/severity_cells.py            # a markdown table, one row per rule
    .venv/bin/python scripts/severity_cells.py --count    # the number of rules and of cells

A row names the providers (ids or the policy's group names) at each level, ``otherwise`` standing for every
provider the policy does not name (the unrecognised host included unless ``generic`` is named). The model
catalog's own paths that lower an error to a warning at report time (a reseller-only fact, a lossy name
match, a host that is not the vendor, one host listing, a port-only guess) are not policy cells: they are
the ``uncertain`` argument of ``Rule.report`` and are listed in docs/accuracy.md beside this table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "addon"))

from toolguard_core.analyze import analyse_request  # noqa: F401  (registers every rule module)
from toolguard_core.findings import Severity
from toolguard_core.providers import BUILTIN_PROFILES
from toolguard_core.rules.registry import GROUPS, RULES, Rule

SOFT = (Severity.WARNING, Severity.INFO)


def soft_cells(rule: Rule) -> list[tuple[str, Severity]]:
    """The (provider key, level) pairs of ``rule`` at warning or info; ``otherwise`` for the fallback."""
    cells = [(key, level) for key, level in rule.policy.levels if level in SOFT]
    if rule.policy.otherwise in SOFT:
        cells.append(("otherwise", rule.policy.otherwise))  # type: ignore[arg-type]
    return cells


def provider_count(rule: Rule) -> int:
    """How many built-in providers (and the generic fallback) get a warning or info from ``rule``."""
    ids = [*BUILTIN_PROFILES, "generic"]
    return sum(1 for pid in ids if rule.policy.level(pid) in SOFT)


def rows() -> list[tuple[str, str, str, str]]:
    out = []
    for rule_id in sorted(RULES):
        rule = RULES[rule_id]
        cells = soft_cells(rule)
        if not cells:
            continue
        errors = [key for key, level in rule.policy.levels if level == Severity.ERROR]
        if rule.policy.otherwise == Severity.ERROR:
            errors.append("otherwise")
        soft = ", ".join(f"{key} ({level.value})" if level == Severity.INFO else key for key, level in cells)
        out.append((rule_id, soft, ", ".join(errors) or "-", str(provider_count(rule))))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", action="store_true", help="print the counts only")
    args = parser.parse_args(argv)
    table = rows()
    if args.count:
        cells = sum(int(r[3]) for r in table)
        print(f"{len(table)} of {len(RULES)} rules, {cells} rule x provider cells at warning or info")
        return 0
    groups = ", ".join(f"{name} = {{{', '.join(sorted(ids))}}}" for name, ids in sorted(GROUPS.items()))
    print(f"Groups: {groups}.\n")
    print("| rule | warning (info) for | error for | providers at warning/info |")
    print("| --- | --- | --- | ---: |")
    for row in table:
        print("| " + " | ".join(f"`{row[0]}`" if i == 0 else row[i] for i in range(4)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
