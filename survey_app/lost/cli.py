"""``flask winback`` commands."""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from ..cli_params import day
from .winback import lost_customers


@click.group("winback")
def winback_cli() -> None:
    """Who to win back first among the lost customers."""


@winback_cli.command("priorities")
@click.option("--as-of", callback=day, help="Rank as on this day (YYYY-MM-DD; default: today).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@with_appcontext
def priorities_cmd(as_of: date | None, fmt: str) -> None:
    """Print the lost customers by win-back priority (1 first … 4 let go), then revenue of their last 12 months.

    JSON: a list of {"external_ref", "abc", "xyz", "priority", "revenue_12m", "overridden"}; ABC ranks every
    customer's revenue of the 12 months up to their lost date (up to --as-of for the others), XYZ the regularity of
    their monthly purchases.
    """
    rows = lost_customers(as_of or date.today())
    if fmt == "json":
        click.echo(json.dumps([row.as_dict() for row in rows]))
        return
    for row in rows:
        r = row.ranking
        mark = "\t(set by hand)" if r.overridden else ""
        click.echo(f"{int(r.priority)}\t{r.abc}{r.xyz}\t{r.revenue_12m}\t{row.external_ref}{mark}")
