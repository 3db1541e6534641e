"""``flask winback cases`` and ``flask winback sweep`` (added to the ``flask winback`` group)."""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from ..cli_params import day
from ..lost.cli import winback_cli
from .jobs import sweep
from .queries import CaseFilter, list_cases
from .rules import CaseState


@winback_cli.command("cases")
@click.option("--state", type=click.Choice([s.value for s in CaseState]), help="Only cases in this state.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_appcontext
def cases_cmd(state: str | None, fmt: str) -> None:
    """List win-back cases, those being worked on first: a JSON list of objects with external_ref, priority (1–4),
    state (open, in_progress, won_back, not_won_back, let_go), owner (email), reason_bucket, lost_at, agreed_at,
    returned_at (YYYY-MM-DD or null) and days_to_return."""
    cases = list_cases(CaseFilter(state=CaseState(state) if state else None), date.today())
    rows = [{"external_ref": c.customer.external_ref, "priority": c.priority, "state": c.state.value,
             "owner": c.owner.email if c.owner else None, "reason_bucket": c.reason_bucket,
             "lost_at": c.lost_at.isoformat(), "agreed_at": c.agreed_at.isoformat() if c.agreed_at else None,
             "returned_at": c.returned_at.isoformat() if c.returned_at else None,
             "days_to_return": c.days_to_return} for c in cases]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        returned = f"  returned {row['returned_at']} ({row['days_to_return']} days)" if row["returned_at"] else ""
        click.echo(f"{row['priority']}  {row['state']:<13}{row['external_ref']:<16} {row['reason_bucket'] or '-':<16}"
                   f" {row['owner'] or '(no owner)'}{returned}")
    click.echo(f"{len(rows)} cases")


@winback_cli.command("sweep")
@click.option("--as-of", callback=day, help="As on this day (YYYY-MM-DD; default: today).")
@with_appcontext
def sweep_cmd(as_of: date | None) -> None:
    """Open the cases lost customers of priority 1–3 call for, mark won back those who bought after their lost date,
    and email owners the plan steps that fell due (the background sweep does this every ten minutes)."""
    counts = sweep(as_of or date.today())
    click.echo(json.dumps(counts))
