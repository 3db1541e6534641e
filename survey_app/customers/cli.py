"""``flask customers`` commands."""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from ..csvimport.cli import run_import
from ..lost.services import detect_lost
from .importer import import_customers
from .messages import describe, describe_file_error


@click.group("customers")
def customers_cli() -> None:
    """Import customers; tell who is lost."""


@customers_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the refused rows (line, column, value, reason) to this CSV file.")
@with_appcontext
def import_cmd(path: str, report_path: str | None) -> None:
    """Import or update customers from a CSV file (UTF-8, comma or semicolon), matched by external_ref."""
    run_import(path, import_customers, describe=describe, describe_file_error=describe_file_error,
               report_path=report_path,
               summary=lambda r: f"{r.created} created, {r.updated} updated, {r.rejected} rows refused")


@customers_cli.command("detect-lost")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Judge as on this day (default: today).")
@click.option("--dry-run", is_flag=True, help="Count what would change; change nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@with_appcontext
def detect_lost_cmd(as_of, dry_run: bool, fmt: str) -> None:
    """Mark customers lost who stopped buying (their usual interval passed by the lost factor), and lost customers
    who bought again as returned. Runs daily by itself; this runs it now."""
    result = detect_lost(as_of.date() if as_of else date.today(), dry_run=dry_run)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict()))
    else:
        click.echo(f"{result.checked} customers checked: {result.newly_lost} newly lost, {result.returned} returned; "
                   f"{result.lost_total} lost in all" + (" (dry run: nothing changed)" if dry_run else ""))
