"""Running a CSV import from a ``flask`` command."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable

import click

from .jobs import ImportRun
from .rows import CountingReader, ImportFileError, ImportReport, RowError, report_csv

#: Problems printed on the terminal; the rest are in the report file.
SHOWN_ERRORS = 20


def run_import(path: str, run: ImportRun, *, describe: Callable[[RowError], str],
               describe_file_error: Callable[[ImportFileError], str], summary: Callable[[ImportReport], str],
               report_path: str | None = None) -> ImportReport:
    """Import the file at ``path`` with a progress bar, print ``summary`` and the first problems, write the report.

    Exits with status 1 if the database refused a batch.

    :raise click.ClickException: if the file cannot be imported at all.
    """
    size = os.path.getsize(path)
    progress = click.progressbar(length=size, label="Importing", file=sys.stderr)
    report, reached = ImportReport(), [0]

    def advance(line: int) -> None:
        reached[0] = line
        bar.update(stream.done - bar.pos)

    with open(path, "rb") as raw, progress as bar:
        stream = CountingReader(raw)
        try:
            run(stream, progress=advance, report=report)
        except ImportFileError as error:
            raise click.ClickException(describe_file_error(error)) from error
        except (OSError, UnicodeError) as error:  # the file itself failed midway
            click.echo(summary(report))
            raise click.ClickException(
                f"reading the file failed after line {reached[0]} ({error}); the rows up to that line were imported. "
                "Run the same command again to import the rest: rows already imported are recognised.") from error
    click.echo(summary(report))
    for error in report.errors[:SHOWN_ERRORS]:
        click.echo(f"  line {error.line}: {describe(error)} {error.value}", err=True)
    if len(report.errors) > SHOWN_ERRORS:
        click.echo(f"  … and {len(report.errors) - SHOWN_ERRORS} more", err=True)
    if report.stopped_at_line:
        click.echo(f"Stopped at line {report.stopped_at_line}: that batch and the rest were not imported.", err=True)
    if report_path:
        with open(report_path, "w", encoding="utf-8", newline="") as fh:
            fh.write(report_csv(report, describe))
    if report.stopped_at_line:
        raise SystemExit(1)
    return report
