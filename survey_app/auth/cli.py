"""``flask users`` commands."""
from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from ..extensions import db
from .models import Role
from .services import AccountError, create_user


@click.group("users")
def users_cli() -> None:
    """Manage staff accounts."""


@users_cli.command("create")
@click.option("--email", required=True, help="Login email of the new account.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the account may do.")
@click.option("--name", default="", help="Name shown in the staff area.")
@click.option("--locale", type=click.Choice(["en", "fr", "pl", "ru"]), help="Preferred interface language.")
@click.option("--password-env", metavar="VAR",
              help="Read the password from this environment variable instead of prompting.")
@with_appcontext
def create(email: str, role: str, name: str, locale: str | None, password_env: str | None) -> None:
    """Create a staff account; the password is prompted for unless --password-env names a variable."""
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.UsageError(f"environment variable {password_env} is empty or not set")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, role, password, name=name, locale=locale)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role} account {user.email}")
