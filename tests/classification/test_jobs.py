"""The sorting job: pending answers sorted in the background after they are stored, by the next run when they come
in while a run ends, and by the periodic safety net when nothing else started it."""
import threading

from sqlalchemy import select

from survey_app.classification import jobs as sorting
from survey_app.classification.models import ClassifierVersion
from survey_app.jobs.models import Job, JobState
from survey_app.jobs.schedule import PERIODIC
from survey_app.responses.models import ClassificationSource
from tests.classification.test_services import answer_text, text_answers
from tests.instances.test_two_instances import wait_for


def sorting_jobs(db) -> list[Job]:
    with db() as session:
        return session.scalars(select(Job).where(Job.kind == sorting.SORT).order_by(Job.id)).all()


def settled(db) -> bool:
    """No sorting job is queued or running, and no job thread is alive (nothing writes after the test)."""
    alive = any(thread.name.startswith("job-") for thread in threading.enumerate())
    return not alive and all(job.state in (JobState.DONE, JobState.FAILED) for job in sorting_jobs(db))


def test_a_stored_answer_is_sorted_in_the_background(app, client, db, classifier, make_survey, make_optional):
    app.config["SORT_AFTER_STORING"] = True
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client, survey, "Un concurrent nous a proposé un meilleur prix.", "fr")
    assert wait_for(lambda: text_answers(db)[0].bucket != "pending", seconds=60)
    assert wait_for(lambda: settled(db), seconds=60)
    [answer] = text_answers(db)
    assert (answer.bucket, answer.source, answer.model_version) == ("competitor", ClassificationSource.MODEL,
                                                                     classifier)
    [job] = sorting_jobs(db)
    assert job.result == {"answers": 1, "classified": 1, "unclassified": 0}


def test_answers_stored_while_a_run_ends_are_sorted_by_the_next_run(app, client, db, classifier, make_survey,
                                                                    make_optional, monkeypatch):
    app.config["SORT_AFTER_STORING"] = True
    survey = make_survey("exit")
    make_optional(survey)
    original, calls = sorting.sort_pending, []

    def then_another_arrives(**options):
        result = original(**options)
        calls.append(result)
        if len(calls) == 1:  # after the run's last look, before it has ended and let go of its lock
            answer_text(app.test_client(), survey, "We moved abroad.")
        return result

    monkeypatch.setattr(sorting, "sort_pending", then_another_arrives)
    answer_text(client, survey, "A rival offered a much lower price")
    assert wait_for(lambda: len(calls) == 2 and settled(db), seconds=60)
    assert [a.bucket for a in text_answers(db)] == ["competitor", "circumstances"]
    assert [job.result["answers"] for job in sorting_jobs(db)] == [1, 1]


def test_answers_left_pending_are_sorted_by_the_periodic_task(request, runner, db, make_survey, make_optional):
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client=request.getfixturevalue("client"), survey=survey, text="Znaleźliśmy taniej u konkurencji.",
                lang="pl")
    assert text_answers(db)[0].bucket == "pending"
    version = request.getfixturevalue("classifier")
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0 and 'sort_leftovers\tdone\t{"pending": 1, "sorted": 1}' in result.output, \
        result.output
    [answer] = text_answers(db)
    assert (answer.source, answer.model_version, answer.bucket) == (ClassificationSource.MODEL, version, "competitor")


def test_with_nothing_to_sort_the_job_neither_trains_nor_loads_a_model(runner, db):
    assert PERIODIC["sort-leftovers"].kind == "sort_leftovers"
    result = runner.invoke(args=["jobs", "run-due"])
    assert 'sort_leftovers\tdone\t{"pending": 0, "sorted": 0}' in result.output, result.output
    with db() as session:
        assert session.scalar(select(ClassifierVersion.version)) is None
