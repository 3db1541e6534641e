"""Public answer pages (``/s/…``): invitation links, public links, the thank-you page and opting out."""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import replace

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale, refresh
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from ..customers.services import customer_for_link
from ..domain import AlreadyAnswered, SignedLinkRefused, UnknownLink
from ..extensions import csrf, db, limiter
from ..formutil import ConfirmForm
from ..i18n import LANGUAGES, localized, use_respondent_locale
from ..invitations.models import Invitation, InvitationState
from ..routing import this_page
from ..surveys.linksign import LINK_PARAMS, LinkProblem, SignedLink, verify
from ..surveys.models import LinkFallback, SurveyState
from .answers import SUBMISSION_KEY, Submission, new_submission_key, read_answers, submission_key
from .cache import respondent_cache
from .definition import SurveyDefinition, definition_by_id, definition_by_slug
from .drafts import resume, save_draft
from .fieldviews import Marker, consent_wording, field_views, fields_html
from .models import Channel, Response
from .own import check_shown, delete_own_response, response_for_secret, response_of_invitation
from .services import (
    Outcome,
    check_accepting,
    check_answerable,
    invitation_for_token,
    link_answered,
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
                           intro_note=mark(definition.intro) if mark else "",
                           consent=consent_wording(definition, locale), **context), status


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


def _respond(definition: SurveyDefinition, locale: str, channel: Channel, invitation: Invitation | None = None,
             link: SignedLink | None = None):
    """Show the form (GET) or validate and store the answers (POST); the same form sent twice is stored once.

    Through a personal link, a saved draft fills the form again, and "Save and finish later" keeps what was typed.
    Through a signed link, the answers go to the customer it names (created if new), once per link.
    """
    max_text = current_app.config["MAX_TEXT_LENGTH"]
    if request.method == "GET":
        resumed = resume(invitation.id, definition, max_text) if invitation is not None else None
        if link is not None:  # one of a kind: not worth keeping in the cache of blank pages
            return answer_page(definition, locale, lang_url=_keep_signature, signed_form=SIGNED_FORM)
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
                             invitation=invitation, form_trusted=not expired,
                             consent_text=consent_wording(definition, locale),
                             link_mark=link.mark if link else None, customer_for=_customer_for(definition, link))
    if result.outcome == Outcome.REFUSED:
        return answer_page(definition, locale, submission, 400, csrf_expired=expired, key=key,
                           **({"lang_url": _keep_signature, "signed_form": SIGNED_FORM} if link is not None else {}))
    return _thanks(definition, locale, result.view_token)


def _keep_signature(code: str) -> str:
    """A signed link's page in language ``code``: chosen with ``hl``, as ``lang`` is part of the signature."""
    return this_page(hl=code)


def _customer_for(definition: SurveyDefinition, link: SignedLink | None) -> Callable[[], int] | None:
    """Finds or creates the customer a signed link names (none for an anonymous survey)."""
    if link is None or definition.anonymous:
        return None
    return lambda: customer_for_link(link.ref, link.lang or definition.default_locale)


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
    """Answer a survey through its public link, or through a link signed by the company's product (``?ref=…&lang=…
    &exp=…&sig=…``) that names the customer answering."""
    definition, link = _survey_and_link(slug)
    use_respondent_locale([link.lang if link else None], definition.default_locale)
    if link is not None and request.args.get("hl") in LANGUAGES:  # the customer chose another language
        session["lang"] = request.args["hl"]
        refresh()
    if request.method == "GET":
        check_accepting(definition)  # a POST is checked as it is stored
        if link is not None and link_answered(link.mark):
            raise AlreadyAnswered()
    return _respond(definition, str(get_locale()), Channel.LINK, link=link)


#: A form shown through a signed link may still be sent this long (seconds) after the link expired: what the
#: customer typed is not lost to the clock.
SIGNED_FORM_GRACE = 2 * 3600
#: The field saying a form was shown through a signed link (so its grace applies; the anonymous form has none).
SIGNED_FORM = "signed_form"


def _now() -> float:
    """The time now, in Unix time (what a signed link's expiry is compared with)."""
    return time.time()


def _survey_and_link(slug: str) -> tuple[SurveyDefinition, SignedLink | None]:
    """The survey at ``slug`` with the good signed link this request carries, or None for its public form.

    :raise UnknownLink: no survey takes answers at ``slug`` (through a signed link, or its public link).
    :raise SignedLinkRefused: the link's signature is bad or expired, and the survey refuses such links (or has no
        public form to fall back to).
    """
    definition = definition_by_slug(slug)
    if definition is None or definition.state == SurveyState.DRAFT:
        raise UnknownLink()
    if not definition.signed_links or not definition.link_secret:
        return survey_for_open_link(slug), None
    shown_through_link = request.method == "POST" and request.form.get(SIGNED_FORM) == "1"
    now = _now() - (SIGNED_FORM_GRACE if shown_through_link else 0)
    checked = verify(definition.link_secret, slug, {name: request.args.get(name, "") for name in LINK_PARAMS}, now,
                     frozenset(LANGUAGES))
    if isinstance(checked, SignedLink):
        return definition, checked
    if checked == LinkProblem.UNSIGNED or (definition.link_fallback == LinkFallback.ANONYMOUS
                                           and definition.open_link):
        return survey_for_open_link(slug), None
    raise SignedLinkRefused("signed_link_expired" if checked == LinkProblem.EXPIRED else None)


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
