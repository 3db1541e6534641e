"""``flask audit`` commands."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ..cli_params import day
from .services import AuditFilter, events


@click.group("audit")
def audit_cli() -> None:
    """The audit log: who viewed, exported, changed, erased, reclassified or signed in."""


@audit_cli.command("list")
@click.option("--since", callback=day, help="Only events from this day on (YYYY-MM-DD, UTC).")
@click.option("--until", callback=day, help="Only events up to this day (YYYY-MM-DD, UTC).")
@click.option("--action", default="", help="Only this action (``survey.close``) or family (``survey``).")
@click.option("--actor", default="", help="Only actors whose label contains this (an email, an API key's name).")
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=100, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True)
@with_appcontext
def list_cmd(since, until, action: str, actor: str, limit: int, fmt: str) -> None:
    """The newest audit events first: time (UTC), actor, action, target, IP address and details."""
    rows = [{"id": e.id, "at": e.at.isoformat(timespec="seconds"), "action": e.action, "actor": e.actor_label,
             "actor_user_id": e.actor_user_id, "api_key_id": e.api_key_id, "target_type": e.target_type,
             "target_id": e.target_id, "ip": e.ip, "user_agent": e.user_agent, "detail": e.detail}
            for e in events(AuditFilter(actor=actor, action=action, since=since, until=until), limit=limit)]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        target = f"{row['target_type']}:{row['target_id']}" if row["target_type"] else "-"
        click.echo("\t".join([row["at"], row["actor"], row["action"], target, row["ip"] or "-",
                              json.dumps(row["detail"], ensure_ascii=False)]))
    if not rows:
        click.echo("no events")
