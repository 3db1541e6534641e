"""Free text stored pending and sorted by the sorting job, the backlog, the review queue and its never-overwrite
rule."""
import json

import pytest
from sqlalchemy import select

from survey_app.classification.models import ClassifierVersion
from survey_app.classification.services import classify_backlog
from survey_app.responses.cache import respondent_cache
from survey_app.responses.models import Answer, ClassificationSource, Response
from tests.conftest import answer_data


def text_answers(db):
    with db() as session:
        return session.scalars(select(Answer).where(Answer.text.is_not(None)).order_by(Answer.id)).all()


def answer_text(client, survey, text, lang="en"):
    assert client.post(f"/s/o/{survey.slug}?lang={lang}", data=answer_data(survey, free_text=text)).status_code == 303


def test_free_text_is_stored_pending_then_sorted_by_the_job(client, db, classifier, make_survey, make_optional,
                                                            sort_answers):
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client, survey, "Znaleźliśmy to samo dużo taniej u konkurencji.", "pl")
    [answer] = text_answers(db)
    assert (answer.bucket, answer.cause_group, answer.source, answer.model_version) == ("pending", None, None, None)
    with db() as session:
        assert session.scalar(select(Response.primary_bucket)) == "pending"
    assert sort_answers() == {"answers": 1, "classified": 1, "unclassified": 0}
    [answer] = text_answers(db)
    assert (answer.bucket, answer.cause_group, answer.source, answer.model_version) == (
        "competitor", "competitor", ClassificationSource.MODEL, classifier)
    assert answer.confidence >= 0.55 and answer.is_primary and answer.guesses[0] == ["competitor", answer.confidence]
    with db() as session:
        assert session.scalar(select(Response.primary_bucket)) == "competitor"
    assert sort_answers()["answers"] == 0  # nothing is sorted twice


def test_unsure_answers_stay_unclassified_and_wait_in_the_queue(app, client, db, login, classifier, make_survey,
                                                                 make_optional, sort_answers):
    app.config["CLASSIFIER_THRESHOLD"] = 0.99
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client, survey, "hmm, hard to say really")
    sort_answers()
    [answer] = text_answers(db)
    assert answer.bucket == "unclassified" and answer.source == ClassificationSource.MODEL and answer.confidence < 0.99
    login("analyst")
    page = client.get("/staff/review/")
    assert page.status_code == 200 and "hmm, hard to say really" in page.text and "autofocus" in page.text


def test_storing_an_answer_never_loads_or_runs_the_model(client, db, classifier, make_survey, make_optional,
                                                        monkeypatch):
    from survey_app.classification import services

    def refuse(*_args, **_kwargs):
        raise AssertionError("the model was used on the respondent's request")

    monkeypatch.setattr(services, "current_model", refuse)
    monkeypatch.setattr(services, "ensure_model", refuse)
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client, survey, "Too expensive")
    [answer] = text_answers(db)
    assert answer.bucket == "pending" and answer.source is None


def test_staff_decisions_are_never_overwritten(app, client, db, login, classifier, make_survey, make_optional):
    app.config["CLASSIFIER_THRESHOLD"] = 0.99
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client, survey, "We went with a cheaper supplier")
    answer_text(client, survey, "lol")
    first, second = text_answers(db)
    login("analyst")
    assert client.post(f"/staff/review/{first.id}", data={"bucket": "relationship"}).status_code == 302
    assert client.post(f"/staff/review/{second.id}", data={"bucket": "none"}).status_code == 302

    app.config["CLASSIFIER_THRESHOLD"] = 0.0
    with app.app_context():
        counts = classify_backlog()
    assert counts["answers"] == 0
    first, second = text_answers(db)
    assert (first.bucket, first.source, first.reviewed_by_id is not None) == ("relationship", "staff", True)
    assert (second.bucket, second.cause_group, second.source) == (None, None, "staff")
    assert "lol" not in client.get("/staff/review/").text


def test_backlog_classifies_answers_stored_before_the_model(app, client, db, runner, make_survey, make_optional,
                                                            classifier):
    survey = make_survey("exit")
    make_optional(survey)
    with app.app_context():
        from survey_app.extensions import db as _db
        [(blob_id, signature)] = _db.session.execute(select(ClassifierVersion.blob_id, ClassifierVersion.signature))
        _db.session.execute(ClassifierVersion.__table__.delete())
        _db.session.commit()
    respondent_cache(app).clear()  # the rows were changed behind the app's back
    answer_text(client, survey, "Мы переехали в другой город.", "ru")
    assert text_answers(db)[0].source is None
    with app.app_context():
        from survey_app.extensions import db as _db
        _db.session.add(ClassifierVersion(version=classifier, blob_id=blob_id, signature=signature))
        _db.session.commit()
    respondent_cache(app).clear()  # the rows were changed behind the app's back
    result = runner.invoke(args=["classify", "backlog"])
    assert result.exit_code == 0 and "1 answers: 1 classified" in result.output
    assert text_answers(db)[0].bucket == "circumstances"


def test_tampered_model_bytes_are_never_loaded(app, client, db, classifier, make_survey, make_optional):
    from survey_app.storage.models import BlobChunk

    with app.app_context():
        from survey_app.extensions import db as _db
        chunk = _db.session.scalar(select(BlobChunk))
        chunk.data = bytes(chunk.data) + b"tampered"
        _db.session.commit()
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client, survey, "cheaper elsewhere")
    assert text_answers(db)[0].source is None  # stored, but not classified by an unverified file


def test_review_queue_is_for_analysts_and_admins(client, login):
    login("interviewer")
    assert client.get("/staff/review/").status_code == 403


def test_bad_review_decision_is_a_400(client, db, login, classifier, app, make_survey, make_optional):
    app.config["CLASSIFIER_THRESHOLD"] = 0.99
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client, survey, "meh")
    [answer] = text_answers(db)
    login("analyst")
    assert client.post(f"/staff/review/{answer.id}", data={"bucket": "bogus"}).status_code == 400
    assert client.post("/staff/review/999999", data={"bucket": "competitor"}).status_code == 404


@pytest.mark.slow
def test_train_learns_from_staff_decisions_and_records_metrics(app, client, db, runner, login, classifier,
                                                                make_survey, make_optional):
    app.config["CLASSIFIER_THRESHOLD"] = 0.99
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client, survey, "The new CFO's golf partner sells the same thing")
    [answer] = text_answers(db)
    login("analyst")
    client.post(f"/staff/review/{answer.id}", data={"bucket": "relationship"})
    result = runner.invoke(args=["classify", "train", "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "+ 1 staff examples" in result.output
    metrics = json.loads(result.output.splitlines()[-1])
    assert metrics["folds"] == 2 and 0.5 < metrics["bucket_macro_f1"] <= 1
    with db() as session:
        newest = session.scalars(select(ClassifierVersion).order_by(ClassifierVersion.id.desc())).first()
        assert newest.staff_examples == 1 and newest.version != classifier


def test_evaluate_prints_a_json_summary_as_its_last_line(runner, tmp_path, classifier):
    labelled = tmp_path / "dev.csv"
    labelled.write_text("lang,bucket,text\n"
                        "en,competitor,A rival offered a much lower price\n"
                        "fr,circumstances,Nous avons fermé la boutique\n"
                        "pl,indifference,Nikt nie odpowiadał na nasze maile\n"
                        "ru,dissatisfaction,Товар постоянно ломался\n", encoding="utf-8")
    result = runner.invoke(args=["classify", "evaluate", str(labelled)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["n"] == 4 and set(summary["languages"]) == {"en", "fr", "pl", "ru"}
    assert {"bucket_macro_f1", "cause_accuracy", "model_version"} <= set(summary)
    assert "confusion" in result.output


@pytest.mark.slow
def test_evaluate_trains_a_model_first_when_there_is_none(runner, tmp_path, db, caplog):
    caplog.set_level("INFO", logger="survey_app.classification.services")
    labelled = tmp_path / "dev.csv"
    labelled.write_text("lang,bucket,text\nen,competitor,Cheaper at a competitor\n", encoding="utf-8")
    result = runner.invoke(args=["classify", "evaluate", str(labelled)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["n"] == 1
    with db() as session:
        assert session.scalar(select(ClassifierVersion.version)) is not None
    assert "No classifier yet: training the first one from the shipped examples" in caplog.text


def test_not_a_reason_waits_for_review_labelled_as_such(app, client, db, login, classifier, make_survey,
                                                       make_optional, sort_answers):
    app.config["CLASSIFIER_THRESHOLD"] = 0.0
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client, survey, "Nie wiem, trudno powiedzieć", "pl")
    sort_answers()
    [answer] = text_answers(db)
    assert (answer.bucket, answer.cause_group, answer.source) == ("unclassified", None, ClassificationSource.MODEL)
    login("analyst")
    page = client.get("/staff/review/").text
    assert page.count('value="none"') == 1 and 'value="none" class="primary" autofocus' in page


def test_evaluate_scores_none_rows_and_ignores_extra_columns(runner, tmp_path, classifier):
    labelled = tmp_path / "real.csv"
    labelled.write_text("id,lang,bucket,text,source\n"
                        "1,en,none,No comment,phone\n"
                        "2,fr,competitor,Trop cher,web\n"
                        "3,ru,none,Затрудняюсь ответить,web\n"
                        "4,pl,circumstances,Przeprowadzka,web\n", encoding="utf-8")
    result = runner.invoke(args=["classify", "evaluate", str(labelled)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert {"bucket_macro_f1", "cause_accuracy", "unclassified_share", "confident_error_share",
            "languages"} <= set(summary)
    assert summary["n"] == 4 and set(summary["languages"]) == {"en", "fr", "pl", "ru"}
    # The two "not a reason" rows are recognised, and so never placed in a bucket: at least half wait for review.
    assert summary["bucket_accuracy"] == 1.0 and summary["unclassified_share"] >= 0.5
    assert summary["languages"]["ru"]["unclassified_share"] == 1.0
