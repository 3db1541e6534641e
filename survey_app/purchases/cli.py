"""``flask purchases`` commands."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..csvimport.cli import run_import
from .importer import import_purchases
from .messages import describe, describe_file_error


@click.group("purchases")
def purchases_cli() -> None:
    """Import purchases."""


@purchases_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the refused rows (line, column, value, reason) to this CSV file.")
@with_appcontext
def import_cmd(path: str, report_path: str | None) -> None:
    """Add purchases from a CSV file (external_ref, date, amount, optional order_ref); a file imported again adds
    nothing."""
    run_import(path, import_purchases, describe=describe, describe_file_error=describe_file_error,
               report_path=report_path,
               summary=lambda r: f"{r.created} added, {r.skipped} already imported, {r.rejected} rows refused")
