"""``flask retention`` commands."""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from ..cli_params import day
from .services import run_retention


@click.group("retention")
def retention_cli() -> None:
    """Retention periods: anonymise answers once their survey's period is over."""


@retention_cli.command("run")
@click.option("--as-of", "as_of", callback=day, help="Apply the periods as of this day (YYYY-MM-DD; default today).")
@click.option("--dry-run", is_flag=True, help="Only count what would be done; change nothing.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_appcontext
def run_cmd(as_of: date | None, dry_run: bool, fmt: str) -> None:
    """Anonymise, per survey with a retention period, the responses at least that many months old (their customer,
    invitation and form key go; with the survey's option, their free text too). Counts and causes stay the same.

    Prints one line per survey: what would be done (--dry-run) or what was done.
    """
    lines = run_retention(as_of, dry_run=dry_run)
    if fmt == "json":
        click.echo(json.dumps({"dry_run": dry_run, "surveys": [line.as_dict() for line in lines]}))
        return
    if not lines:
        click.echo("No survey has a retention period.")
    verb = "would anonymise" if dry_run else "anonymised"
    for line in lines:
        text = f", {'would remove' if dry_run else 'removed'} {line.texts} free texts" if line.free_text else ""
        click.echo(f"{line.survey}: {line.months} months, submitted before {line.cutoff:%Y-%m-%d}: "
                   f"{verb} {line.responses} responses{text}")
