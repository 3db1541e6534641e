"""The respondent cache: one per app, emptied by one clear(), and never serving a survey, reason or model that
changed (the version re-check is made rare here, so only the change signals can make a change visible)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app import create_app
from survey_app.config import TestingConfig
from survey_app.responses.cache import respondent_cache
from survey_app.responses.models import Answer
from survey_app.surveys.services import update_reason
from tests.conftest import answer_data, app_db

RARELY = 3600.0


def test_a_survey_edited_on_one_request_shows_on_the_next(app, client, login, make_survey):
    app.config["SURVEY_RECHECK_SECONDS"] = RARELY
    survey = make_survey("exit", slug="edited")
    before = client.get("/s/o/edited").text
    login("admin")
    data = {"title": "A brand-new title", "intro": "Fresh intro", "thanks": "Fresh thanks",
            **{q.field_name: f"Fresh question {q.position}" for q in survey.questions}}
    assert client.post("/staff/surveys/edited/texts/en", data=data).status_code == 302
    after = client.get("/s/o/edited").text
    assert "A brand-new title" not in before
    assert "A brand-new title" in after and "Fresh question 1" in after


def test_a_closed_survey_stops_taking_answers_at_once(app, client, login, make_survey):
    app.config["SURVEY_RECHECK_SECONDS"] = RARELY
    make_survey("exit", slug="closing")
    assert client.get("/s/o/closing").status_code == 200
    login("admin")
    assert client.post("/staff/surveys/closing/close").status_code == 302
    assert client.get("/s/o/closing").status_code == 410


def test_a_reason_edited_is_offered_with_its_new_label_on_the_next_request(app, client, make_survey):
    app.config["SURVEY_RECHECK_SECONDS"] = RARELY
    survey = make_survey("exit", slug="reasons")
    code = survey.reason_codes[0]
    assert "Label changed today" not in client.get("/s/o/reasons").text
    with app_db(app):
        update_reason(code, labels={"en": "Label changed today"})
    assert "Label changed today" in client.get("/s/o/reasons").text
    with app_db(app):
        update_reason(code, active=False)
    assert "Label changed today" not in client.get("/s/o/reasons").text


def test_another_instance_sees_a_reason_change_through_the_survey_version(app, client, make_survey):
    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    make_survey("exit", slug="shared")
    code = make_survey("exit", slug="shared-2").reason_codes[0]
    assert "Seen elsewhere" not in other.test_client().get("/s/o/shared").text
    with app_db(app):
        update_reason(code, labels={"en": "Seen elsewhere"})
    assert "Seen elsewhere" in other.test_client().get("/s/o/shared").text


@pytest.mark.slow
def test_a_model_trained_meanwhile_classifies_the_next_answer(app, client, runner, db, make_survey, sort_answers):
    app.config["SURVEY_RECHECK_SECONDS"] = RARELY
    survey = make_survey("exit", slug="model")
    text = "Found the same service much cheaper at another company"
    train = ["classify", "train", "--folds", "0", "--no-staff"]
    assert runner.invoke(args=train).exit_code == 0
    client.post("/s/o/model", data=answer_data(survey, main_reason=survey.reason_codes[0], free_text=text))
    assert sort_answers()["answers"] == 1
    assert runner.invoke(args=train).exit_code == 0
    client.post("/s/o/model", data=answer_data(survey, main_reason=survey.reason_codes[0], free_text=text))
    assert sort_answers()["answers"] == 1
    with db() as session:
        versions = session.scalars(select(Answer.model_version).where(Answer.text.is_not(None))
                                   .order_by(Answer.id)).all()
    assert None not in versions
    assert versions[0] < versions[1]  # the second answer was classified by the second model


def test_clear_empties_everything(app, client, make_survey, classifier, sort_answers):
    survey = make_survey("exit", slug="cleared")
    client.get("/s/o/cleared")
    client.post("/s/o/cleared", data=answer_data(survey, main_reason=survey.reason_codes[0],
                                                   free_text="Nobody answered my emails."))
    sort_answers()  # the sorting job, here in the app's process, loads the model into the same cache
    with app.test_request_context():
        from survey_app.labels import reason_label

        reason_label(survey.reason_codes[0])
    cache = respondent_cache(app)
    assert len(cache) >= 6  # versions, snapshot, fields, page, catalogue, model version, model
    cache.clear()
    assert len(cache) == 0
    assert client.get("/s/o/cleared").status_code == 200  # and it fills again


def test_two_apps_in_one_process_do_not_share_the_cache(app, make_survey):
    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    assert respondent_cache(other) is not respondent_cache(app)
    make_survey("exit", slug="apart")
    respondent_cache(app).clear()
    assert app.test_client().get("/s/o/apart").status_code == 200
    assert len(respondent_cache(app)) > 0
    assert len(respondent_cache(other)) == 0
    other_client = other.test_client()
    assert other_client.get("/s/o/apart").status_code == 200
    assert len(respondent_cache(other)) > 0
    respondent_cache(other).clear()
    assert len(respondent_cache(app)) > 0
