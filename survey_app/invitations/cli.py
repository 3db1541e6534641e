"""``flask invitations`` commands."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..responses.services import find_customer
from ..surveys.services import get_survey
from .services import InvitationError, create_invitation, invitation_url


@click.group("invitations")
def invitations_cli() -> None:
    """Create survey invitations."""


@invitations_cli.command("add")
@click.option("--survey", "slug", required=True, help="Slug of the survey.")
@click.option("--customer", "refs", required=True, multiple=True, help="Customer reference; repeat for several.")
@with_appcontext
def add(slug: str, refs: tuple[str, ...]) -> None:
    """Invite customers to a survey by reference and print each personal link (shown only once)."""
    survey = get_survey(slug)
    if survey is None:
        raise click.ClickException(f"no survey with slug {slug!r}")
    for ref in refs:
        customer = find_customer(ref)
        if customer is None:
            raise click.ClickException(f"no customer with reference {ref!r}")
        try:
            _invitation, token = create_invitation(survey, customer)
        except InvitationError:
            click.echo(f"{ref}\talready invited", err=True)
            continue
        click.echo(f"{ref}\t{invitation_url(token)}")
    db.session.commit()
