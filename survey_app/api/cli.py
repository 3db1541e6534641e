"""``flask api-keys`` commands: create, list and revoke API keys."""
from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from ..cli_params import day
from ..dbtypes import utcnow
from ..domain import DomainError
from ..extensions import db
from .services import KEY_ROLES, create_key, find_key, list_keys, revoke_key


@click.group("api-keys")
def api_keys_cli() -> None:
    """Manage the keys of the JSON API."""


@api_keys_cli.command("create")
@click.option("--name", required=True, help="What the key is for.")
@click.option("--role", required=True, type=click.Choice([r.value for r in KEY_ROLES]),
              help="The key may do what a staff member of this role may.")
@click.option("--expires", callback=day, help="Day the key stops working (YYYY-MM-DD; default: never).")
@with_appcontext
def create(name: str, role: str, expires) -> None:
    """Create a key and print it: it is shown only this once."""
    try:
        api_key, key = create_key(name, role, expires)
    except DomainError as error:
        raise click.ClickException(_english(error)) from None
    db.session.commit()
    click.echo(key)
    click.echo(f"Key {api_key.id} ({api_key.prefix}…, {api_key.role.value}) created; it is not shown again.",
               err=True)


def _english(error: DomainError) -> str:
    return {"no_key_name": "give the key a name", "expiry_past": "--expires must be a day after today"}.get(
        error.code, str(error))


def _moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@api_keys_cli.command("list")
@with_appcontext
def list_cmd() -> None:
    """List the keys: id, prefix, role, state, expiry, last use and name (tab-separated)."""
    now = utcnow()
    for k in list_keys():
        state = "revoked" if k.revoked_at else "working" if k.usable(now) else "expired"
        click.echo("\t".join([str(k.id), k.prefix, k.role.value, state, _moment(k.expires_at),
                              _moment(k.last_used_at), k.name]))


@api_keys_cli.command("revoke")
@click.argument("key")
@with_appcontext
def revoke(key: str) -> None:
    """Revoke the key with this id or prefix: programs using it are refused from now on."""
    try:
        api_key = find_key(key.rstrip("…"))
    except DomainError:
        raise click.ClickException(f"no API key {key!r}") from None
    if revoke_key(api_key):
        db.session.commit()
        click.echo(f"Key {api_key.id} ({api_key.prefix}…) revoked.")
    else:
        click.echo(f"Key {api_key.id} was revoked already.")
