"""``toolguard summary``: stored failures by rule and by upstream error message."""

from __future__ import annotations

from pathlib import Path

import click
import sqlite_utils

from toolguard_analysis.cli import cli, db_option
from toolguard_core.store import default_db_path


@cli.command()
@db_option()
def summary(db_path: str | None) -> None:
    """Stored failures by rule and by upstream error message.

    \b
    Examples:
        toolguard summary
        toolguard summary --db capture.db
    """
    path = Path(db_path) if db_path else default_db_path()
    if not path.exists():
        raise click.ClickException(f"no toolguard database at {path}")
    db = sqlite_utils.Database(path)
    click.echo(f"Database: {path}")
    click.echo("\nFindings by rule:")
    for row in db.query(
        "select rule, severity, count(*) as n, count(distinct flow_id) as flows from findings "
        "group by rule, severity order by n desc"
    ):
        click.echo(f"  {row['n']:>5}  {row['severity']:<8} {row['rule']}  ({row['flows']} flows)")
    click.echo("\nUpstream errors by message:")
    for row in db.query(
        "select status, error_message, count(*) as n from flows where status >= 400 "
        "group by status, error_message order by n desc"
    ):
        click.echo(f"  {row['n']:>5}  {row['status']}  {row['error_message']}")
