"""``flask responses`` commands."""
from __future__ import annotations

from functools import partial

import click
from flask.cli import with_appcontext

from ..classification.services import sort_pending
from ..csvimport.cli import run_import
from ..csvimport.rows import ImportReport
from .definition import definition_by_slug
from .importer import import_responses
from .messages import describe, describe_file_error


@click.group("responses")
def responses_cli() -> None:
    """Import past answers."""


@responses_cli.command("import")
@click.option("--survey", "slug", required=True, help="Slug of the survey the answers belong to (open or closed).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the refused rows (line, column, value, reason) to this CSV file.")
@with_appcontext
def import_cmd(slug: str, path: str, report_path: str | None) -> None:
    """Import past answers from a CSV file (UTF-8, comma or semicolon), one response per row.

    Columns: external_ref, submitted_at (YYYY-MM-DD or YYYY-MM-DD HH:MM, UTC), locale (empty: the
    customer's), channel (email, link or interview; empty: interview), and reason_code, text or both.
    Rows imported before (same customer and submitted_at) are skipped, so a file can be imported again.
    """
    definition = definition_by_slug(slug)
    if definition is None:
        raise click.BadParameter(f"no survey has the slug {slug!r}", param_hint="--survey")
    report = run_import(path, partial(import_responses, definition=definition), describe=describe,
                        describe_file_error=describe_file_error, report_path=report_path, summary=_summary)
    if report.memo.get("pending"):  # no model could be loaded during the import: sort them now
        counts = sort_pending()
        click.echo(f"Texts sorted afterwards: {counts['classified']} into a bucket, {counts['unclassified']} "
                   "left for review")


def _summary(report: ImportReport) -> str:
    memo = report.memo
    return (f"{report.created} created, {report.skipped} already imported, {report.rejected} rows refused; texts: "
            f"{memo.get('sorted', 0)} sorted, {memo.get('review', 0)} left for review, "
            f"{memo.get('pending', 0)} pending")
