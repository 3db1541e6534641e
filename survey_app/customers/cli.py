"""``flask customers`` commands."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import with_appcontext

from .importer import CountingReader, ImportFileError, import_customers, report_csv
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
    size = os.path.getsize(path)
    progress = click.progressbar(length=size, label="Importing", file=sys.stderr)
    with open(path, "rb") as raw, progress as bar:
        stream = CountingReader(raw)
        try:
            report = import_customers(stream, progress=lambda _line: bar.update(stream.done - bar.pos))
        except ImportFileError as error:
            raise click.ClickException(describe_file_error(error)) from error
    click.echo(f"{report.created} created, {report.updated} updated, {report.rejected} rows refused")
    for error in report.errors[:20]:
        click.echo(f"  line {error.line}: {describe(error)} {error.value}", err=True)
    if len(report.errors) > 20:
        click.echo(f"  … and {len(report.errors) - 20} more", err=True)
    if report.stopped_at_line:
        click.echo(f"Stopped at line {report.stopped_at_line}: that batch and the rest were not imported.", err=True)
    if report_path:
        with open(report_path, "w", encoding="utf-8", newline="") as fh:
            fh.write(report_csv(report, describe))
    if report.stopped_at_line:
        raise SystemExit(1)
