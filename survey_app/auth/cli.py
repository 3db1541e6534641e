"""``flask users`` commands."""
from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from ..audit.services import record
from ..extensions import db
from ..languages import CODES
from .models import Role
from .services import AccountError, account, activate, change_password, create_user, deactivate


@click.group("users")
def users_cli() -> None:
    """Manage staff accounts."""


def _read_password(password_env: str | None) -> str:
    """The password from the environment variable ``password_env``, or typed twice at a hidden prompt."""
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.UsageError(f"environment variable {password_env} is empty or not set")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("create")
@click.option("--email", required=True, help="Login email of the new account.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the account may do.")
@click.option("--name", default="", help="Name shown in the staff area.")
@click.option("--locale", type=click.Choice(CODES), help="Preferred interface language.")
@click.option("--password-env", metavar="VAR",
              help="Read the password from this environment variable instead of prompting.")
@with_appcontext
def create(email: str, role: str, name: str, locale: str | None, password_env: str | None) -> None:
    """Create a staff account; the password is prompted for unless --password-env names a variable."""
    password = _read_password(password_env)
    try:
        user = create_user(email, role, password, name=name, locale=locale)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.flush()
    record("staff.create", target_type="staff_user", target_id=user.id, detail={"email": user.email,
                                                                                 "role": user.role.value})
    db.session.commit()
    click.echo(f"Created {user.role} account {user.email}")


@users_cli.command("set-password")
@click.option("--email", required=True, help="Login email of the account.")
@click.option("--password-env", metavar="VAR",
              help="Read the new password from this environment variable instead of prompting.")
@with_appcontext
def set_password(email: str, password_env: str | None) -> None:
    """Give an account a new password and sign it out of every browser."""
    try:
        user = account(email)
        change_password(user, _read_password(password_env))
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    record("staff.set_password", target_type="staff_user", target_id=user.id, detail={"email": user.email})
    db.session.commit()
    click.echo(f"New password set for {user.email}; every session of the account has ended")


@users_cli.command("deactivate")
@click.option("--email", required=True, help="Login email of the account.")
@with_appcontext
def deactivate_command(email: str) -> None:
    """Stop an account from signing in and sign it out of every browser (its data stays)."""
    try:
        user = account(email)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    deactivate(user)
    record("staff.deactivate", target_type="staff_user", target_id=user.id, detail={"email": user.email})
    db.session.commit()
    click.echo(f"{user.email} deactivated; every session of the account has ended")


@users_cli.command("activate")
@click.option("--email", required=True, help="Login email of the account.")
@with_appcontext
def activate_command(email: str) -> None:
    """Let a deactivated account sign in again."""
    try:
        user = account(email)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    activate(user)
    record("staff.activate", target_type="staff_user", target_id=user.id, detail={"email": user.email})
    db.session.commit()
    click.echo(f"{user.email} activated")
