"""Answers stored while there was no model are sorted by the periodic classification job."""
from sqlalchemy import select

from survey_app.classification.models import ClassifierVersion
from survey_app.jobs.schedule import PERIODIC
from survey_app.responses.models import ClassificationSource
from tests.classification.test_services import answer_text, text_answers


def test_answers_stored_without_a_model_are_sorted_by_the_job_once_there_is_one(request, runner, db, make_survey,
                                                                                  make_optional):
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client=request.getfixturevalue("client"), survey=survey, text="Znaleźliśmy taniej u konkurencji.",
                lang="pl")
    assert text_answers(db)[0].source is None
    version = request.getfixturevalue("classifier")  # a model appears (trained elsewhere, or by the job itself)
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0 and "classify_unsorted\tdone" in result.output, result.output
    [answer] = text_answers(db)
    assert (answer.source, answer.model_version, answer.bucket) == (ClassificationSource.MODEL, version, "competitor")


def test_with_nothing_to_sort_the_job_neither_trains_nor_loads_a_model(runner, db):
    assert PERIODIC["classify-unsorted"].kind == "classify_unsorted"
    result = runner.invoke(args=["jobs", "run-due"])
    assert "classify_unsorted\tdone\t{\"answers\": 0}" in result.output, result.output
    with db() as session:
        assert session.scalar(select(ClassifierVersion.version)) is None
