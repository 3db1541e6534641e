"""Creating, editing, opening and closing surveys; installing the reason catalogue."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..domain import Conflict, Invalid, NotFound
from ..extensions import db
from ..i18n import LANGUAGES, missing_locales
from ..signals import reasons_changed, survey_changed
from ..taxonomy import is_bucket
from ..text import one_line
from .catalogue import REASONS
from .linksign import REF_MAX, new_secret, parse_duration, sign_query
from .models import TEXT_MAX, LinkFallback, Question, QuestionType, Reason, Survey, SurveyKind
from .presets import PRESETS
from .rules import asks_customers

logger = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


class SurveyError(Invalid):
    """A survey cannot be created or changed as asked; the code says why."""


class QuestionAnswered(Conflict):
    """A question with stored answers cannot change in a way that would misread them (its type)."""

    code = "question_type_answered"


class NotForCustomers(Conflict):
    """A staff survey asks the team: no customer's interview is recorded on it."""

    code = "staff_survey_no_interviews"


def require_customer_survey(survey: Survey) -> None:
    """Refuse to record a customer's answers (an interview) on a staff survey.

    :raise NotForCustomers: if ``survey`` asks the team.
    """
    if not asks_customers(survey.kind):
        raise NotForCustomers(slug=survey.slug)


def install_catalogue() -> int:
    """Add the default reasons that are missing, by code; return how many were added.

    Existing reasons keep their labels and bucket, so running it again changes nothing.
    """
    existing = set(db.session.scalars(select(Reason.code)))
    added = 0
    for position, (code, bucket, labels) in enumerate(REASONS, start=1):
        if code in existing:
            continue
        assert is_bucket(bucket), code
        db.session.add(Reason(code=code, bucket=bucket, position=position, label=dict(labels)))
        added += 1
    db.session.flush()
    if added:
        reasons_changed.send(None)
    return added


def update_reason(code: str, *, bucket: str | None = None, active: bool | None = None,
                  labels: Mapping[str, str] | None = None) -> Reason:
    """Change a catalogue reason's bucket, whether it is offered, or its labels (merged by language).

    Every survey offering it gets a new version, so each process rebuilds its forms with the change.

    :raise NotFound: if no reason has this code.
    :raise ValueError: if the bucket is not one of the taxonomy's.
    """
    reason = db.session.scalar(select(Reason).where(Reason.code == code))
    if reason is None:
        raise NotFound()
    if bucket is not None:
        if not is_bucket(bucket):
            raise ValueError(bucket)
        reason.bucket = bucket
    if active is not None:
        reason.active = active
    if labels:
        reason.label = {**(reason.label or {}), **labels}
    for survey in db.session.scalars(select(Survey)):
        if code in survey.reason_codes:
            survey.touch()
    db.session.flush()
    reasons_changed.send(None, code=code)
    return reason


def _changed(survey: Survey) -> None:
    """Write a survey's change and announce it (cached forms of it are dropped)."""
    survey.touch()
    db.session.flush()
    survey_changed.send(None, survey_id=survey.id)


def reasons_by_code(codes: list[str] | None = None) -> dict[str, Reason]:
    """Return catalogue reasons keyed by code (all of them when ``codes`` is None)."""
    query = select(Reason).order_by(Reason.position)
    if codes is not None:
        query = query.where(Reason.code.in_(codes))
    return {r.code: r for r in db.session.scalars(query)}


def validate_slug(slug: str, survey: Survey | None = None) -> str:
    """Return ``slug`` if it is well-formed and free.

    :raise SurveyError: if it is malformed or used by another survey.
    """
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise SurveyError("bad_slug")
    other = db.session.scalar(select(Survey).where(Survey.slug == slug))
    if other is not None and other is not survey:
        raise SurveyError("slug_taken")
    return slug


def create_from_template(kind: SurveyKind | str, slug: str, default_locale: str = "en",
                         open_link: bool = False) -> Survey:
    """Create a draft survey from the exit, loyalty or staff template, with all four languages (a staff survey is
    anonymous and has a public link).

    :raise SurveyError: if the slug is malformed or taken, or the kind unknown.
    """
    try:
        kind = SurveyKind(kind)
    except ValueError as error:
        raise SurveyError("unknown_template") from error
    if default_locale not in LANGUAGES:
        raise SurveyError("unknown_language")
    install_catalogue()
    preset = PRESETS[kind.value]
    staff = not asks_customers(kind)
    survey = Survey(
        # A staff survey is answered by the team through its public link, and names nobody.
        slug=validate_slug(slug), kind=kind, default_locale=default_locale, open_link=open_link or staff,
        anonymous=staff,
        title=dict(preset["title"]), intro=dict(preset["intro"]), thanks=dict(preset["thanks"]),
        reason_codes=list(preset["reasons"]),
    )
    for position, q in enumerate(preset["questions"], start=1):
        survey.questions.append(Question(position=position, type=QuestionType(q["type"]),
                                         required=q["required"], text=dict(q["text"])))
    db.session.add(survey)
    _changed(survey)
    logger.info("Survey %s created from the %s template", survey.slug, kind)
    return survey


def get_survey(slug: str) -> Survey | None:
    """Return the survey with this slug."""
    return db.session.scalar(select(Survey).where(Survey.slug == slug))


def require_survey(slug: str) -> Survey:
    """Return the survey at ``slug``.

    :raise NotFound: if there is none.
    """
    survey = db.session.scalar(select(Survey).where(Survey.slug == slug))
    if survey is None:
        raise NotFound()
    return survey


def list_surveys() -> list[tuple[Survey, int]]:
    """Return every survey with its number of responses, newest first."""
    from ..responses.models import Response

    counts = (select(Response.survey_id, func.count().label("n")).group_by(Response.survey_id).subquery())
    rows = db.session.execute(
        select(Survey, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.survey_id == Survey.id)
        .order_by(Survey.created_at.desc(), Survey.id.desc())
    )
    return [(survey, int(n)) for survey, n in cast(Iterable[tuple[Survey, int]], rows)]


def set_texts(survey: Survey, locale: str, title: str, intro: str, thanks: str,
              questions: Mapping[int, str], next_step: str | None = None, next_step_label: str | None = None,
              consent: str | None = None) -> None:
    """Replace the survey's texts in one language; empty strings remove that translation (None: left as is)."""
    if locale not in LANGUAGES:
        raise SurveyError("unknown_language")
    for column, value in (("title", title), ("intro", intro), ("thanks", thanks), ("next_step", next_step),
                          ("next_step_label", next_step_label), ("consent_text", consent)):
        if value is not None:
            if getattr(survey, column) is None:
                setattr(survey, column, {})
            _set_text(getattr(survey, column), locale, value)
    for question in survey.questions:
        if question.id in questions:
            _set_text(question.text, locale, questions[question.id])
    _changed(survey)


def default_consent() -> str:
    """The consent and privacy notice of a survey that has none of its own, in the current language."""
    return str(_l("Your answers are used only to improve our service. If you agree to be contacted, we use your "
                  "contact details only to follow up on your answers. You may ask us at any time to see or delete "
                  "them."))


def set_signed_links(survey: Survey, *, enabled: bool, fallback: LinkFallback | str) -> None:
    """Turn signed links on or off and choose what a bad signature leads to; a first secret is made when needed."""
    if enabled and not survey.link_secret:
        survey.link_secret = new_secret()
    survey.signed_links = enabled
    survey.link_fallback = LinkFallback(fallback)
    _changed(survey)


def rotate_link_secret(survey: Survey) -> None:
    """Give the survey a new signing secret: every link signed with the old one stops working."""
    survey.link_secret = new_secret()
    _changed(survey)


#: Longest validity of a link made here (a year).
MAX_VALIDITY = 366 * 86400


def signed_link(survey: Survey, ref: str, lang: str, valid: str, now: float, base_url: str = "") -> str:
    """A link to ``survey`` signed for the customer ``ref`` in ``lang`` (empty: the survey's language), good for
    ``valid`` (``30m``, ``12h``, ``7d``, ``2w``) from ``now`` (Unix time); on ``base_url`` when given.

    :raise SurveyError: signed links are off, or the reference, language or validity is not one a link can carry.
    """
    if not survey.signed_links or not survey.link_secret:
        raise SurveyError("signed_links_off")
    ref = ref.strip()
    if not one_line(ref).strip() or len(ref) > REF_MAX or any(ord(c) < 32 or ord(c) == 127 for c in ref):
        raise SurveyError("bad_link_ref", max=REF_MAX)
    lang = lang or survey.default_locale
    if lang not in LANGUAGES:
        raise SurveyError("unknown_language")
    seconds = parse_duration(valid)
    if seconds is None or seconds > MAX_VALIDITY:
        raise SurveyError("bad_validity")
    query = sign_query(survey.link_secret, survey.slug, ref, lang, int(now) + seconds)
    return f"{base_url.rstrip('/')}/s/o/{survey.slug}?{query}"


#: Longest next-step link kept.
MAX_LINK = 500


def check_link(url: str | None) -> str | None:
    """A next step's link as given (None if empty).

    :raise SurveyError: for anything but an http or https address with a host, of at most :data:`MAX_LINK`
        characters, without spaces.
    """
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (parts.scheme.lower() not in ("http", "https") or not parts.hostname or len(url) > MAX_LINK
            or any(c.isspace() or ord(c) < 32 for c in url)):
        raise SurveyError("bad_link", max=MAX_LINK)
    return url


def _set_text(texts: dict, locale: str, value: str) -> None:
    value = (value or "").strip()
    if value:
        texts[locale] = value
    else:
        texts.pop(locale, None)


@dataclass(frozen=True)
class MissingText:
    """A text of the survey with no translation in some languages."""

    what: str
    locales: list[str]


def untranslated(survey: Survey) -> list[MissingText]:
    """List the texts of ``survey`` (and its reasons) missing in some supported language."""
    report: list[MissingText] = []
    optional = [(_l("Next step"), survey.next_step), (_l("Words of the next step's link"), survey.next_step_label)]
    for label, texts in ((_l("Title"), survey.title), (_l("Introduction"), survey.intro),
                         (_l("Thank-you text"), survey.thanks), *((lb, t) for lb, t in optional if t)):
        if missing := missing_locales(texts):
            report.append(MissingText(str(label), missing))
    for question in survey.questions:
        if missing := missing_locales(question.text):
            report.append(MissingText(str(_l("Question %(n)s", n=question.position)), missing))
    for code, reason in reasons_by_code(list(survey.reason_codes)).items():
        if missing := missing_locales(reason.label):
            report.append(MissingText(str(_l("Reason “%(code)s”", code=code)), missing))
    return report


def update_settings(survey: Survey, *, slug: str, default_locale: str, open_link: bool, anonymous: bool,
                    opens_at, closes_at, reason_codes: list[str], next_step_url: str | None = None,
                    retention_months: int | None = None, retention_free_text: bool = False) -> None:
    """Change the survey's settings.

    :raise SurveyError: if the slug is malformed or taken, a reason code unknown, the dates reversed or the next
        step's link not an http(s) address.
    """
    survey.slug = validate_slug(slug, survey)
    survey.next_step_url = check_link(next_step_url)
    if default_locale not in LANGUAGES:
        raise SurveyError("unknown_language")
    if opens_at and closes_at and closes_at <= opens_at:
        raise SurveyError("dates_reversed")
    known = reasons_by_code(reason_codes)
    if unknown := [c for c in reason_codes if c not in known]:
        raise SurveyError("unknown_reasons", codes=", ".join(unknown))
    if not reason_codes:
        raise SurveyError("no_reasons")
    survey.default_locale = default_locale
    survey.open_link = open_link
    survey.anonymous = anonymous or not asks_customers(survey.kind)  # a staff survey stays anonymous
    survey.opens_at, survey.closes_at = opens_at, closes_at
    survey.reason_codes = list(reason_codes)
    survey.retention_months = retention_months or None
    survey.retention_free_text = bool(retention_free_text)
    _changed(survey)


def add_question(survey: Survey, qtype: QuestionType | str, required: bool, texts: Mapping[str, str]) -> Question:
    """Append a question to a survey."""
    question = Question(type=QuestionType(qtype), required=required, text=dict(texts),
                        position=max((q.position for q in survey.questions), default=0) + 1)
    survey.questions.append(question)
    _changed(survey)
    return question


def require_question(survey: Survey, question_id: int) -> Question:
    """Return the question ``question_id`` of ``survey``.

    :raise NotFound: if ``survey`` has no such question (another survey's question included).
    """
    question = next((q for q in survey.questions if q.id == question_id), None)
    if question is None:
        raise NotFound()
    return question


def has_answers(question: Question) -> bool:
    """Tell whether answers to ``question`` are stored."""
    from ..responses.models import Answer

    return bool(db.session.scalar(select(func.count()).where(Answer.question_id == question.id)))


def move_question(survey: Survey, question: Question, offset: int) -> bool:
    """Move a question ``offset`` places (-1: up, 1: down); return False if it is already first or last.

    Positions are presentation only (answers name their question by id), so this is allowed once answers exist.
    """
    ordered = sorted(survey.questions, key=lambda q: q.position)
    index = ordered.index(question)
    target = index + offset
    if not 0 <= target < len(ordered):
        return False
    ordered.insert(target, ordered.pop(index))
    for position, q in enumerate(ordered, start=1):
        q.position = position
    survey.questions = ordered
    _changed(survey)
    return True


def edit_question(survey: Survey, question: Question, *, text: str, required: bool,
                  qtype: QuestionType | str | None = None) -> None:
    """Change a question's text in the survey's own language, whether it needs an answer, and its type.

    :raise SurveyError: if the text is empty or too long.
    :raise QuestionAnswered: if the type would change while answers to the question are stored.
    """
    text = (text or "").strip()
    if not text:
        raise SurveyError("no_question_text")
    if len(text) > TEXT_MAX:
        raise SurveyError("text_too_long", max=TEXT_MAX)
    new_type = QuestionType(qtype) if qtype is not None else question.type
    if new_type != question.type and has_answers(question):
        raise QuestionAnswered()
    question.text = {**(question.text or {}), survey.default_locale: text}
    question.required = required
    question.type = new_type
    _changed(survey)


def remove_question(survey: Survey, question: Question) -> None:
    """Remove a question that has no answers yet.

    :raise SurveyError: if answers to it are stored.
    """
    if has_answers(question):
        raise SurveyError("question_has_answers")
    survey.questions.remove(question)
    for position, q in enumerate(survey.questions, start=1):
        q.position = position
    _changed(survey)


def open_survey(survey: Survey) -> None:
    """Start taking answers.

    :raise InvalidTransition: if it is already open.
    """
    survey.open()
    _changed(survey)
    logger.info("Survey %s opened", survey.slug)


def close_survey(survey: Survey) -> None:
    """Stop taking answers.

    :raise InvalidTransition: if it is not open.
    """
    survey.close()
    _changed(survey)
    logger.info("Survey %s closed", survey.slug)

