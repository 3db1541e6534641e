"""``flask customers`` commands."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..csvimport.cli import run_import
from .importer import import_customers
from .messages import describe, describe_file_error


@click.group("customers")
def customers_cli() -> None:
    """Import customers."""


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
