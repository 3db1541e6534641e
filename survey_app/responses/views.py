"""Public answer pages (``/s/…``), interviews and the staff response list."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..auth.models import Role
from ..extensions import csrf, db, limiter
from ..i18n import LANGUAGES, localized, use_respondent_locale
from ..surveys.models import Survey, SurveyState
from ..surveys.services import get_survey, list_surveys
from .forms import answer_form, collected_answers
from .models import Channel
from .queries import ResponseFilter, filter_choices, get_response, search_responses
from .services import (check_accepting, check_answerable, find_customer, invitation_for_token, mark_opened,
                       offered_reasons, record_response, survey_for_open_link)

bp = Blueprint("responses", __name__, template_folder="templates")


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


def _answer_page(survey: Survey, locale: str, form, status: int = 200):
    return render_template("responses/answer.html", survey=survey, form=form, locale=locale,
                           title=localized(survey.title, locale, survey.default_locale),
                           intro=localized(survey.intro, locale, survey.default_locale)), status


def _thanks_redirect(survey: Survey, locale: str):
    return redirect(url_for(".thanks", slug=survey.slug, l=locale), code=303)


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(_public_limit)
@csrf.exempt  # the form checks its own token, so an expired one re-shows the answers instead of an error
def answer(token: str):
    """Answer a survey through a one-time invitation link."""
    invitation = invitation_for_token(token)
    survey = invitation.survey
    customer = invitation.customer
    use_respondent_locale([invitation.locale, customer.locale if customer else None], survey.default_locale)
    check_answerable(invitation)
    locale = str(get_locale())
    form = answer_form(survey, offered_reasons(survey), locale)
    if request.method == "GET":
        mark_opened(invitation)
        db.session.commit()
        return _answer_page(survey, locale, form)
    if not form.validate():
        return _answer_page(survey, locale, form, 400)
    record_response(survey, collected_answers(form, survey), locale=locale, channel=Channel.EMAIL,
                    invitation=invitation)
    db.session.commit()
    return _thanks_redirect(survey, locale)


@bp.route("/s/o/<slug>", methods=["GET", "POST"])
@limiter.limit(_public_limit)
@csrf.exempt
def open_link(slug: str):
    """Answer a survey through its public link."""
    survey = survey_for_open_link(slug)
    use_respondent_locale([], survey.default_locale)
    check_accepting(survey)
    locale = str(get_locale())
    form = answer_form(survey, offered_reasons(survey), locale)
    if request.method == "GET" or not form.validate():
        return _answer_page(survey, locale, form, 200 if request.method == "GET" else 400)
    record_response(survey, collected_answers(form, survey), locale=locale, channel=Channel.LINK)
    db.session.commit()
    return _thanks_redirect(survey, locale)


@bp.get("/s/thanks/<slug>")
def thanks(slug: str):
    """Thank the respondent in the language they answered in."""
    survey = get_survey(slug)
    if survey is None or survey.state == SurveyState.DRAFT:
        abort(404)
    hint = request.args.get("l")
    use_respondent_locale([hint if hint in LANGUAGES else None], survey.default_locale)
    locale = str(get_locale())
    return render_template("responses/thanks.html", survey=survey,
                           title=localized(survey.title, locale, survey.default_locale),
                           thanks=localized(survey.thanks, locale, survey.default_locale))


@bp.get("/staff/interviews")
@role_required(Role.INTERVIEWER)
def interview_start():
    """Choose the survey for a phone interview."""
    surveys = [s for s, _n in list_surveys() if s.state == SurveyState.OPEN]
    return render_template("responses/interview_start.html", surveys=surveys)


@bp.route("/staff/surveys/<slug>/interview", methods=["GET", "POST"])
@role_required(Role.INTERVIEWER)
def interview(slug: str):
    """Record a phone exit interview on behalf of a customer."""
    survey = get_survey(slug)
    if survey is None:
        abort(404)
    if survey.state != SurveyState.OPEN:
        abort(409)
    locale = str(get_locale())
    form = answer_form(survey, offered_reasons(survey), locale, interview=True)
    if request.method == "GET":
        form.customer_ref.data = request.args.get("customer", "")
        customer = find_customer(form.customer_ref.data) if form.customer_ref.data else None
        form.interview_locale.data = customer.locale if customer else survey.default_locale
        return render_template("responses/interview.html", survey=survey, form=form)
    customer = find_customer(form.customer_ref.data or "")
    valid = form.validate()
    if customer is None and form.customer_ref.data:
        form.customer_ref.errors.append(_("No customer has this reference."))
        valid = False
    if not valid:
        return render_template("responses/interview.html", survey=survey, form=form), 400
    response = record_response(survey, collected_answers(form, survey), locale=form.interview_locale.data,
                               channel=Channel.INTERVIEW, customer=customer, interviewer=current_user)
    db.session.commit()
    flash(_("Interview with %(name)s recorded.", name=customer.name or customer.external_ref), "success")
    return redirect(url_for(".show", response_id=response.id))


@bp.get("/staff/responses")
@role_required(Role.ANALYST)
def index():
    """List responses with filters."""
    filters = ResponseFilter.from_args(request.args)
    page = search_responses(filters, page=request.args.get("page", 1, type=int))
    return render_template("responses/index.html", page=page, filters=filters, choices=filter_choices(),
                           args=filters.as_args())


@bp.get("/staff/responses/<int:response_id>")
@role_required(Role.ANALYST, Role.INTERVIEWER)
def show(response_id: int):
    """Show one response with all its answers."""
    response = get_response(response_id)
    if response is None:
        abort(404)
    if current_user.role == Role.INTERVIEWER and response.interviewer_id != current_user.id:
        abort(403)
    return render_template("responses/show.html", response=response)
