"""`toolguard sync` on a real PostgreSQL server: its one line says what was new, so a user who syncs a
file twice (docs/deployment.md: "adds nothing twice") is not told it sent the same flows again."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from test_summary import machine_a, machine_b, write_db

from toolguard_analysis.cli import cli


def test_a_second_sync_says_nothing_was_new(tmp_path: Path, postgres_url: str) -> None:
    a = write_db(tmp_path / "a.db", machine_a())
    b = write_db(tmp_path / "b.db", machine_a()[:2] + machine_b())  # two flows a.db already sent
    runner = CliRunner()
    lines = []
    for path in (a, a, b):
        result = runner.invoke(cli, ["sync", str(path), postgres_url])
        assert result.exit_code == 0, result.output
        lines.append(result.output.split(": ", 1)[1].split(", ", 1)[0])
    ids_a = {row.id for row in machine_a()}
    ids_b = {row.id for row in machine_a()[:2] + machine_b()}  # machine_b repeats one of a's flows
    assert len(ids_b - ids_a) < len(ids_b)
    assert lines == [
        f"sent {len(ids_a)} flows ({len(ids_a)} new)",
        f"sent {len(ids_a)} flows (0 new: PostgreSQL had them all)",
        f"sent {len(ids_b)} flows ({len(ids_b - ids_a)} new)",
    ]
