"""Public answer pages (``/s/…``): invitation links, public links, the thank-you page and opting out."""
from __future__ import annotations

import secrets
from dataclasses import replace

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from ..extensions import csrf, db, limiter
from ..formutil import ConfirmForm
from ..i18n import LANGUAGES, localized, use_respondent_locale
from ..invitations.models import Invitation, InvitationState
from ..surveys.models import SurveyState
from .answers import SUBMISSION_KEY, Submission, new_submission_key, read_answers, submission_key
from .cache import respondent_cache
from .definition import SurveyDefinition, definition_by_id, definition_by_slug
from .drafts import resume, save_draft
from .fieldviews import Marker, field_views, fields_html
from .models import Channel, Response
from .own import check_shown, delete_own_response, response_for_secret, response_of_invitation
from .services import (
    Outcome,
    check_accepting,
    check_answerable,
    invitation_for_token,
    record_opened,
    submit_response,
    survey_for_open_link,
)

#: Pages anyone with a link may see; every route is under ``/s/``.
bp = Blueprint("respond", __name__, url_prefix="/s", template_folder="templates")

#: Session key of the last answer stored from this browser: [survey slug, secret to see or delete it].
OWN_ANSWER = "own_answer"


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


def answer_page(definition: SurveyDefinition, locale: str, submission: Submission | None = None,
                status: int = 200, csrf: str | None = None, csrf_expired: bool = False, key: str | None = None,
                template: str = "responses/answer.html", mark: Marker | None = None, note_lang: str = "",
                **context):
    """The respondent's form page; a staff preview gives its own ``template`` (extending the respondent's), the
    ``mark`` of texts shown in another language with the language of those notes, and its ``context``."""
    problems = ([(f.target, f.label, f.error) for f in field_views(definition, locale, submission) if f.error]
                if submission is not None and submission.errors else [])
    return render_template(template, locale=locale, csrf=csrf, csrf_expired=csrf_expired,
                           submission_key=key or new_submission_key(), problems=problems,
                           any_required=any(q.required for q in definition.questions),
                           fields=fields_html(definition, locale, submission, mark, note_lang), note_lang=note_lang,
                           title=localized(definition.title, locale, definition.default_locale),
                           title_note=mark(definition.title) if mark else "",
                           intro=localized(definition.intro, locale, definition.default_locale),
                           intro_note=mark(definition.intro) if mark else "", **context), status


def _read(definition: SurveyDefinition) -> Submission:
    return read_answers(definition, request.form.getlist, current_app.config["MAX_TEXT_LENGTH"])


def _csrf_expired() -> bool:
    """Tell whether the form's CSRF token is missing or wrong (when protection is on)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return False
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return True
    return False


#: Stand for the CSRF token and the submission key in cached pages; random, so no survey text can contain them.
_CSRF_SLOT = secrets.token_hex(16)
_KEY_SLOT = secrets.token_hex(16)


def _blank_answer_page(definition: SurveyDefinition, locale: str, **context):
    """The untouched form page: rendered once per survey version, language and URL; only the CSRF token and the
    submission key change."""
    if session.get("_flashes"):  # a message waiting to be shown makes the page one of a kind
        return answer_page(definition, locale, **context)
    key = (definition.key, locale, request.full_path, current_app.config["MAX_TEXT_LENGTH"])
    page = respondent_cache().blank_page(key, lambda: answer_page(definition, locale, csrf=_CSRF_SLOT,
                                                                   key=_KEY_SLOT, **context)[0])
    return page.replace(_CSRF_SLOT, generate_csrf()).replace(_KEY_SLOT, new_submission_key())


def _thanks(definition: SurveyDefinition, locale: str, view_token: str | None = None):
    if view_token is not None:  # shown on the thank-you page only: the link to see or delete this answer
        session[OWN_ANSWER] = [definition.slug, view_token]
    return redirect(url_for(".thanks", slug=definition.slug, l=locale), code=303)


def _respond(definition: SurveyDefinition, locale: str, channel: Channel, invitation: Invitation | None = None):
    """Show the form (GET) or validate and store the answers (POST); the same form sent twice is stored once.

    Through a personal link, a saved draft fills the form again, and "Save and finish later" keeps what was typed.
    """
    max_text = current_app.config["MAX_TEXT_LENGTH"]
    if request.method == "GET":
        resumed = resume(invitation.id, definition, max_text) if invitation is not None else None
        if resumed is None:
            return _blank_answer_page(definition, locale, draft_url=_draft_url(invitation))
        submission, saved_at = resumed
        return answer_page(definition, locale, submission, draft_url=_draft_url(invitation), resumed_at=saved_at)
    submission = _read(definition)
    expired = _csrf_expired()
    if invitation is not None and request.form.get("save_draft"):
        if expired:
            return answer_page(definition, locale, replace(submission, errors={}), 400, csrf_expired=True)
        check_answerable(invitation, definition)
        save_draft(invitation.id, definition, request.form.getlist, locale, max_text)
        db.session.commit()
        return answer_page(definition, locale, replace(submission, errors={}), draft_url=_draft_url(invitation),
                           draft_saved=True)
    key = submission_key(request.form.get(SUBMISSION_KEY))
    result = submit_response(definition, submission, locale=locale, channel=channel, submission_key=key,
                             invitation=invitation, form_trusted=not expired)
    if result.outcome == Outcome.REFUSED:
        return answer_page(definition, locale, submission, 400, csrf_expired=expired, key=key)
    return _thanks(definition, locale, result.view_token)


def _draft_url(invitation: Invitation | None) -> str | None:
    """Where the page saves its draft as the customer types (personal links only)."""
    return url_for(".draft", token=request.view_args["token"]) if invitation is not None else None


@bp.post("/<token>/draft")
@limiter.limit(_public_limit)
@csrf.exempt  # checked below: a page left open past its token's life just stops saving
def draft(token: str):
    """Keep what the form holds now (sent by the page as the customer types); 204, or 400 with a stale token."""
    invitation = invitation_for_token(token)
    definition = definition_by_id(invitation.survey_id)
    if _csrf_expired():
        abort(400)
    check_answerable(invitation, definition)
    locale = request.form.get("locale", "")
    save_draft(invitation.id, definition, request.form.getlist, locale if locale in LANGUAGES else invitation.locale,
               current_app.config["MAX_TEXT_LENGTH"])
    db.session.commit()
    return "", 204


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
@csrf.exempt  # the form checks its own token, so an expired one re-shows the answers instead of an error
def answer(token: str):
    """Answer a survey through a one-time invitation link."""
    invitation = invitation_for_token(token)
    definition = definition_by_id(invitation.survey_id)
    customer = invitation.customer
    use_respondent_locale([invitation.locale, customer.locale if customer else None], definition.default_locale)
    if request.method == "GET":
        if invitation.state == InvitationState.ANSWERED:  # the same link shows the answer given, or says it is gone
            response_of_invitation(invitation)
            # Still a 409, as before: the link cannot take answers again; the page thanks and offers the answer.
            return render_template("responses/answered.html", token=token,
                                   title=localized(definition.title, str(get_locale()), definition.default_locale)), 409
        check_answerable(invitation, definition)  # a POST is checked as it is stored: a form sent again is thanked
        if invitation.opened_at is None:
            record_opened(invitation)  # best effort: never keeps the form from showing
    return _respond(definition, str(get_locale()), Channel.EMAIL, invitation)


@bp.route("/o/<slug>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
@csrf.exempt
def open_link(slug: str):
    """Answer a survey through its public link."""
    definition = survey_for_open_link(slug)
    use_respondent_locale([], definition.default_locale)
    if request.method == "GET":
        check_accepting(definition)  # a POST is checked as it is stored
    return _respond(definition, str(get_locale()), Channel.LINK)


@bp.route("/<token>/optout", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
@csrf.exempt  # mail clients' one-click unsubscribe (RFC 8058) posts without a form token
def optout(token: str):
    """Let a customer stop receiving surveys: a confirmation page, or a one-click POST from the mail client."""
    invitation = invitation_for_token(token)
    customer = invitation.customer
    use_respondent_locale([invitation.locale, customer.locale], None)
    if request.method == "POST":
        customer.opted_out = True
        db.session.commit()
    return render_template("responses/optout.html", done=request.method == "POST" or customer.opted_out)


@bp.get("/thanks/<slug>")
def thanks(slug: str):
    """Thank the respondent in the language they answered in."""
    definition = definition_by_slug(slug)
    if definition is None or definition.state == SurveyState.DRAFT:
        abort(404)
    hint = request.args.get("l")
    use_respondent_locale([hint if hint in LANGUAGES else None], definition.default_locale)
    locale = str(get_locale())
    own = session.get(OWN_ANSWER)
    own_url = url_for(".own", secret=own[1], _external=True) if isinstance(own, list) and own[:1] == [slug] else None
    return render_template("responses/thanks.html", own_url=own_url,
                           title=localized(definition.title, locale, definition.default_locale),
                           thanks=localized(definition.thanks, locale, definition.default_locale),
                           next_step=_next_step(definition, locale), next_step_url=definition.next_step_url)


def _next_step(definition: SurveyDefinition, locale: str) -> tuple[str, str]:
    """The next step's text and link words, both in the first of the respondent's language, the survey's and
    English that has either (never words of one language with a text in another)."""
    for code in (locale, definition.default_locale, "en"):
        text, label = definition.next_step.get(code, ""), definition.next_step_label.get(code, "")
        if text or label:
            return text, label
    return "", ""


def _by_secret(secret: str) -> Response:
    """The response of a thank-you page's secret, in its language; 404 unknown, 410 anonymised."""
    response = response_for_secret(secret)
    use_respondent_locale([response.locale], None)
    return check_shown(response)


def _by_link(token: str) -> Response:
    """The response given through a personal link, in the invitation's language; 404 unknown, 410 gone."""
    invitation = invitation_for_token(token)
    use_respondent_locale([invitation.locale, invitation.customer.locale if invitation.customer else None], None)
    return response_of_invitation(invitation)


def _own_page(response: Response, delete_url: str, confirm: bool = False):
    """The respondent's answer as stored, with the way to delete it (``confirm``: the page asking to be sure)."""
    definition = definition_by_id(response.survey_id)
    locale = str(get_locale())
    questions = {q.id: localized(q.text, locale, definition.default_locale) for q in definition.questions}
    return render_template("responses/own.html", response=response, questions=questions, confirm=confirm,
                           form=ConfirmForm(), delete_url=delete_url,
                           title=localized(definition.title, locale, definition.default_locale))


def _delete(response: Response):
    """Delete the respondent's answer (POST, with the form's CSRF token checked by the app) and say so."""
    definition = definition_by_id(response.survey_id)
    delete_own_response(response)
    db.session.commit()
    session.pop(OWN_ANSWER, None)
    return render_template("responses/own_deleted.html",
                           title=localized(definition.title, str(get_locale()), definition.default_locale))


@bp.get("/mine/<secret>")
def own(secret: str):
    """Show a respondent their answer, through the secret link of their thank-you page."""
    return _own_page(_by_secret(secret), url_for(".own_delete", secret=secret))


@bp.route("/mine/<secret>/delete", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
def own_delete(secret: str):
    """Ask the respondent to confirm (GET), then delete their answer (POST)."""
    response = _by_secret(secret)
    if request.method == "POST":
        return _delete(response)
    return _own_page(response, url_for(".own_delete", secret=secret), confirm=True)


@bp.get("/<token>/answer")
def own_by_link(token: str):
    """Show a customer the answer they gave through their personal link."""
    response = _by_link(token)
    return _own_page(response, url_for(".own_by_link_delete", token=token))


@bp.route("/<token>/answer/delete", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
def own_by_link_delete(token: str):
    """Ask the customer to confirm (GET), then delete the answer given through their personal link (POST)."""
    response = _by_link(token)
    if request.method == "POST":
        return _delete(response)
    return _own_page(response, url_for(".own_by_link_delete", token=token), confirm=True)
