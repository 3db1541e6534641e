"""``flask surveys`` commands."""
from __future__ import annotations

import json
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from ..audit.services import record
from ..extensions import db
from ..i18n import LANGUAGES
from .services import SurveyError, create_from_template, get_survey, list_surveys, open_survey, signed_link


@click.group("surveys")
def surveys_cli() -> None:
    """Create and list surveys."""


@surveys_cli.command("create")
@click.option("--template", "kind", type=click.Choice(["exit", "loyalty", "staff"]), required=True,
              help="Start from the exit, the loyalty or the staff survey (staff: anonymous, answered by the team "
                   "through the public link).")
@click.option("--slug", required=True, help="Address of the survey, e.g. exit-2026.")
@click.option("--locale", "default_locale", type=click.Choice(list(LANGUAGES)), default="en", show_default=True,
              help="Default language.")
@click.option("--open", "open_now", is_flag=True, help="Open it for answers at once.")
@click.option("--open-link", is_flag=True, help="Let anyone with /s/o/SLUG answer.")
@with_appcontext
def create(kind: str, slug: str, default_locale: str, open_now: bool, open_link: bool) -> None:
    """Create a survey from a template, with its texts in all four languages."""
    try:
        survey = create_from_template(kind, slug, default_locale, open_link=open_link)
    except SurveyError as error:
        raise click.ClickException(str(error)) from error
    if open_now:
        open_survey(survey)
    db.session.flush()
    record("survey.create", target_type="survey", target_id=survey.slug, detail={"template": kind, "open": open_now})
    db.session.commit()
    click.echo(f"Created {survey.kind} survey {survey.slug} ({survey.state})")


@surveys_cli.command("list")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_appcontext
def list_cmd(fmt: str) -> None:
    """List surveys with their kind, state and number of answers (responses)."""
    rows = [{"slug": s.slug, "kind": s.kind.value, "state": s.state.value, "answers": n,
             "title": s.title_in("en")} for s, n in list_surveys()]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['slug']:<24}{row['kind']:<9}{row['state']:<8}{row['answers']:>7}")


@surveys_cli.command("sign-link")
@click.argument("slug")
@click.option("--ref", required=True, help="The customer's reference (external_ref); created if new.")
@click.option("--lang", type=click.Choice(["", *LANGUAGES]), default="", help="Language of the form (and of a new "
              "customer); the survey's own language if not given.")
@click.option("--valid", default="7d", show_default=True, help="How long the link works: 30m, 12h, 7d, 2w.")
@with_appcontext
def sign_link(slug: str, ref: str, lang: str, valid: str) -> None:
    """Print a link to survey SLUG signed for one customer, as a product's cancel flow would make it."""
    survey = get_survey(slug)
    if survey is None:
        raise click.ClickException(f"No survey has the address {slug!r}.")
    try:
        click.echo(signed_link(survey, ref, lang, valid, time.time(), current_app.config["BASE_URL"]))
    except SurveyError as error:
        raise click.ClickException(str(error)) from error
