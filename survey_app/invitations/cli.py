"""``flask invitations`` commands."""
from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..customers.services import find_customer
from ..extensions import db
from ..i18n import LANGUAGES
from ..surveys.services import get_survey
from .recipients import RecipientFilter, count_recipients, create_invitations
from .sending import count_due, invitation_stats, send_due, send_reminders
from .services import InvitationError, StaffSurveyNotInvited, create_invitation, invitation_url, refuse_staff_survey


@click.group("invitations")
def invitations_cli() -> None:
    """Create, send and follow survey invitations."""


@invitations_cli.command("add")
@click.option("--survey", "slug", required=True, help="Slug of the survey.")
@click.option("--customer", "refs", required=True, multiple=True, help="Customer reference; repeat for several.")
@with_appcontext
def add(slug: str, refs: tuple[str, ...]) -> None:
    """Invite customers to a survey by reference and print each personal link (shown only once)."""
    survey = _survey(slug)
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


def _survey(slug: str, *, inviting: bool = True):
    """The survey at ``slug``; one customers can be invited to unless ``inviting`` is False."""
    survey = get_survey(slug)
    if survey is None:
        raise click.ClickException(f"no survey with slug {slug!r}")
    if inviting:
        try:
            refuse_staff_survey(survey)
        except StaffSurveyNotInvited as error:
            raise click.ClickException(str(error)) from None
    return survey


@invitations_cli.command("create")
@click.option("--survey", "slug", required=True, help="Slug of the survey.")
@click.option("--status", type=click.Choice(["active", "lost", "returned"]), help="Only customers with this status.")
@click.option("--lost-since", type=click.DateTime(["%Y-%m-%d"]), help="Lost on or after this date (YYYY-MM-DD).")
@click.option("--lost-until", type=click.DateTime(["%Y-%m-%d"]), help="Lost on or before this date.")
@click.option("--segment", help="Only this segment.")
@click.option("--account-manager", help="Only customers of this account manager (staff email).")
@click.option("--locale", type=click.Choice(list(LANGUAGES)), help="Only customers who read this language.")
@click.option("--dry-run", is_flag=True, help="Count, create nothing.")
@with_appcontext
def create_cmd(slug, status, lost_since, lost_until, segment, account_manager, locale, dry_run) -> None:
    """Invite every matching customer once (never twice per survey); opted-out and unreachable ones are skipped."""
    survey = _survey(slug)
    recipients = RecipientFilter(status=status, lost_since=lost_since and lost_since.date(),
                                 lost_until=lost_until and lost_until.date(), segment=segment,
                                 account_manager=account_manager, locale=locale)
    if dry_run:
        counts = count_recipients(survey, recipients)
        click.echo(f"would create {counts['to_invite']}; " + _skipped(counts))
        return
    counts = create_invitations(survey, recipients, current_app.config["INVITATION_TTL_DAYS"])
    db.session.commit()
    click.echo(f"created {counts['created']}; " + _skipped(counts))


def _skipped(counts: dict) -> str:
    return (f"skipped {counts['already_invited']} already invited, {counts['opted_out']} opted out, "
            f"{counts['unreachable']} unreachable, {counts['no_email']} without email")


@invitations_cli.command("send")
@click.option("--survey", "slug", help="Only this survey (default: every open survey).")
@click.option("--rate", type=float, help="At most this many messages per second.")
@click.option("--resend-interrupted", is_flag=True,
              help="Also send again those whose sending was killed midway (their delivery is unknown).")
@with_appcontext
def send_cmd(slug: str | None, rate: float | None, resend_interrupted: bool) -> None:
    """Send every invitation that is due, once; safe to interrupt and run again."""
    survey = _survey(slug, inviting=False) if slug else None
    with click.progressbar(length=count_due(survey), label="Sending", file=sys.stderr) as bar:
        report = send_due(survey, rate=rate, resend_interrupted=resend_interrupted, progress=lambda: bar.update(1))
    click.echo(f"sent {report.sent}, failed {report.failed} (will retry), bounced {report.bounced}")
    if report.interrupted:
        click.echo(f"{report.interrupted} interrupted earlier while with the mail server (delivery unknown); "
                   "use --resend-interrupted to send them again", err=True)
    for error in report.errors[:20]:
        click.echo(f"  {error}", err=True)


@invitations_cli.command("remind")
@click.option("--survey", "slug", help="Only this survey (default: every open survey).")
@click.option("--after-days", type=click.IntRange(min=1), default=7, show_default=True,
              help="Days since the last email.")
@click.option("--max", "max_reminders", type=click.IntRange(min=1), default=2, show_default=True,
              help="At most this many reminders per customer.")
@click.option("--rate", type=float, help="At most this many messages per second.")
@with_appcontext
def remind_cmd(slug: str | None, after_days: int, max_reminders: int, rate: float | None) -> None:
    """Remind those who have not answered; their earlier links keep working."""
    survey = _survey(slug, inviting=False) if slug else None
    report = send_reminders(survey, after_days, max_reminders, rate=rate)
    click.echo(f"reminded {report.sent}, failed {report.failed} (will retry), bounced {report.bounced}")
    for error in report.errors[:20]:
        click.echo(f"  {error}", err=True)


@invitations_cli.command("stats")
@click.option("--survey", "slug", required=True, help="Slug of the survey.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_appcontext
def stats_cmd(slug: str, fmt: str) -> None:
    """Invited, sent, failed, bounced, opened, answered and response rate, overall and per language."""
    stats = invitation_stats(_survey(slug, inviting=False))
    if fmt == "json":
        click.echo(json.dumps(stats))
        return
    for name, row in [("all", stats), *stats["languages"].items()]:
        click.echo(f"{name:<5} invited {row['invited']:>6}  sent {row['sent']:>6}  failed {row['failed']:>5}  "
                   f"bounced {row['bounced']:>5}  opened {row['opened']:>6}  answered {row['answered']:>6}  "
                   f"rate {row['response_rate'] * 100:.1f} %")
