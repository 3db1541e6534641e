"""submit_response: one call checks, stores and commits (or rolls back) a sent answer form."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from survey_app import dbsetup
from survey_app.domain import AlreadyAnswered, SurveyClosed
from survey_app.extensions import db as _db
from survey_app.responses import services
from survey_app.responses.answers import Submission
from survey_app.responses.definition import survey_definition
from survey_app.responses.models import Answer, Channel, Response
from survey_app.responses.services import Outcome, submit_response
from survey_app.surveys.models import Survey
from tests.conftest import app_db


def _submit(app, survey, values, **options):
    with app_db(app) as session:
        definition = survey_definition(session.get(Survey, survey.id))
        submission = Submission(values={q.id: values[q.type.value] for q in definition.questions
                                        if q.type.value in values})
        return submit_response(definition, submission, locale="en", submission_key=options.pop("key", None),
                               channel=options.pop("channel", Channel.LINK), **options)


def _count(db, model) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_valid_form_is_stored_and_committed(app, db, make_survey):
    survey = make_survey("exit")
    result = _submit(app, survey, {"main_reason": survey.reason_codes[0], "free_text": "Too dear."})
    assert result.outcome == Outcome.STORED and result.response_id
    assert _count(db, Response) == 1 and _count(db, Answer) == 2


def test_an_untrusted_form_stores_nothing(app, db, make_survey):
    survey = make_survey("exit")
    result = _submit(app, survey, {"main_reason": survey.reason_codes[0]}, form_trusted=False)
    assert result == services.SubmitResult(Outcome.REFUSED)
    assert _count(db, Response) == 0


def test_the_same_form_sent_again_returns_the_first_response(app, db, make_survey):
    survey = make_survey("exit")
    values = {"main_reason": survey.reason_codes[0]}
    first = _submit(app, survey, values, key="k" * 22)
    again = _submit(app, survey, values, key="k" * 22)
    assert again == services.SubmitResult(Outcome.SENT_BEFORE, first.response_id)
    assert _count(db, Response) == 1


def test_a_used_invitation_refuses_another_form(app, db, make_survey, make_invitation):
    survey = make_survey("exit")
    invitation, _token = make_invitation(survey)
    values = {"main_reason": survey.reason_codes[0]}
    with app_db(app) as session:
        from survey_app.invitations.models import Invitation

        assert _submit(app, survey, values, key="a" * 22, channel=Channel.EMAIL,
                       invitation=session.get(Invitation, invitation.id)).outcome == Outcome.STORED
    with app_db(app) as session, pytest.raises(AlreadyAnswered):
        _submit(app, survey, values, key="b" * 22, channel=Channel.EMAIL,
                invitation=session.get(Invitation, invitation.id))
    assert _count(db, Response) == 1


def test_a_closed_survey_takes_no_answers(app, db, make_survey):
    survey = make_survey("exit", state="closed")
    with pytest.raises(SurveyClosed):
        _submit(app, survey, {"main_reason": survey.reason_codes[0]})
    assert _count(db, Response) == 0


def test_a_write_failing_halfway_is_rolled_back(app, db, make_survey, make_customer, monkeypatch):
    survey = make_survey("exit")
    customer = make_customer()
    monkeypatch.setattr(services, "_INSERT_ANSWER", None)  # the response row is written, its answers fail
    with pytest.raises(Exception, match="Not an executable object"):
        _submit(app, survey, {"main_reason": survey.reason_codes[0]}, customer_id=customer.id,
                channel=Channel.INTERVIEW)
    assert _count(db, Response) == 0


def test_sorting_is_asked_for_once_the_answers_are_committed_and_the_write_lock_released(app, db, make_survey,
                                                                                           monkeypatch):
    """The sorting job must find the answers it is started for, and never keep other respondents' writes waiting."""
    survey = make_survey("exit")
    seen = []

    def after_storing():
        with app.app_context(), _db.engine.connect() as other:  # another connection sees only committed rows
            seen.append((dbsetup._sqlite_writer.locked(),
                         other.execute(text("SELECT bucket FROM answer WHERE text IS NOT NULL")).scalars().all()))

    monkeypatch.setattr(services, "after_storing", after_storing)
    result = _submit(app, survey, {"main_reason": survey.reason_codes[0], "free_text": "Nobody called back."})
    assert result.outcome == Outcome.STORED
    assert seen == [(False, ["pending"])]
    _submit(app, survey, {"main_reason": survey.reason_codes[0]})  # nothing to sort: nothing asked for
    assert len(seen) == 1
