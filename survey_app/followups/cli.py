"""``flask followups`` commands."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ..dbtypes import utcnow
from .rules import FollowUpState
from .services import TaskFilter, list_followups


@click.group("followups")
def followups_cli() -> None:
    """Follow-ups of company-caused answers."""


@followups_cli.command("list")
@click.option("--overdue", is_flag=True, help="Only open follow-ups past their last day.")
@click.option("--state", type=click.Choice([s.value for s in FollowUpState]), help="Only open or closed ones.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_appcontext
def list_cmd(overdue: bool, state: str | None, fmt: str) -> None:
    """List follow-ups, the most urgent first: a JSON list of objects with external_ref, kind (exit, risk),
    bucket, owner (email), due (YYYY-MM-DD), state (open, closed), overdue, outcome."""
    today = utcnow().date()
    tasks = list_followups(TaskFilter(state=FollowUpState(state) if state else None, overdue=overdue), today)
    rows = [{"external_ref": t.customer.external_ref if t.customer else None, "kind": t.kind.value,
             "bucket": t.bucket, "owner": t.owner.email if t.owner else None, "due": t.due.isoformat(),
             "state": t.state.value, "overdue": t.overdue(today),
             "outcome": t.outcome.value if t.outcome else None} for t in tasks]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['due']}  {row['state']:<7}{' OVERDUE' if row['overdue'] else ''}  {row['kind']:<5} "
                   f"{row['external_ref'] or '-':<16} {row['bucket'] or '-':<16} {row['owner'] or '(no owner)'}")
    click.echo(f"{len(rows)} follow-ups")
