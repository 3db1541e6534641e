"""``flask seed`` commands."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..surveys.services import install_catalogue
from .services import load_demo


@click.group("seed")
def seed_cli() -> None:
    """Install the reason catalogue or the demo data."""


@seed_cli.command("catalogue")
@with_appcontext
def catalogue() -> None:
    """Install the default reason catalogue (safe to run again: existing reasons are kept)."""
    added = install_catalogue()
    db.session.commit()
    click.echo(f"{added} reasons added to the catalogue")


@seed_cli.command("demo")
@with_appcontext
def demo() -> None:
    """Load demo staff, customers, surveys and answers once, then print the logins."""
    result = load_demo(current_app.instance_path)
    db.session.commit()
    click.echo("Demo data loaded." if result.created else "Demo data already present; nothing changed.")
    click.echo("Staff logins (also in instance/demo-logins.txt):")
    for role, email, password in result.logins:
        click.echo(f"  {role:<12} {email:<26} {password}")
    for locale, link in result.links:
        click.echo(f"  try the exit survey as a customer ({locale}): {link}")
