"""``flask jobs`` commands."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..dbtypes import utcnow
from ..extensions import db
from .models import Job
from .schedule import PERIODIC, run_due
from .services import stale_after


@click.group("jobs")
def jobs_cli() -> None:
    """Background jobs: imports, sending and periodic tasks."""


@jobs_cli.command("run-due")
@with_appcontext
def run_due_cmd() -> None:
    """Run every periodic task that is due, here and now (for cron: ``* * * * * flask jobs run-due``).

    Each task runs at most once per period however many machines run this command.
    """
    jobs = run_due(wait=True)
    for job in jobs:
        db.session.refresh(job)
        click.echo(f"{job.kind}\t{job.state}\t{json.dumps(job.result or {})}")
    if not jobs:
        click.echo(f"nothing due ({len(PERIODIC)} periodic tasks)")


@jobs_cli.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_appcontext
def list_cmd(limit: int, fmt: str) -> None:
    """The newest jobs: kind, state (interrupted when silent too long), progress and result."""
    now, stale = utcnow(), stale_after()
    rows = [{"id": job.id, "kind": job.kind, "state": "interrupted" if job.interrupted(now, stale) else job.state.value,
             "created_at": job.created_at.isoformat(timespec="seconds"), "runs": job.runs,
             "result": job.result, "error": job.error}
            for job in db.session.scalars(select(Job).order_by(Job.id.desc()).limit(limit))]
    if fmt == "json":
        click.echo(json.dumps(rows))
        return
    for row in rows:
        click.echo(f"{row['id']:>6}  {row['kind']:<18} {row['state']:<12} {row['created_at']}  "
                   f"{json.dumps(row['result']) if row['result'] else (row['error'] or '')}")
