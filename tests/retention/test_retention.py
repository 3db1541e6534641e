"""Retention per survey: answers lose their personal links N months after submission; counts stay the same."""
from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, update

from survey_app.followups.models import FollowUp
from survey_app.invitations.models import Invitation
from survey_app.responses.models import Answer, Draft, Response
from survey_app.retention.rules import months_before, retention_cutoff
from survey_app.surveys.models import Survey
from survey_app.winback.models import WinbackCase

from .helpers import answer_by_link, answer_publicly, date_response, load_response


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 4, 15), 3, date(2026, 1, 15)),
    (date(2026, 5, 31), 3, date(2026, 2, 28)),
    (date(2024, 5, 31), 3, date(2024, 2, 29)),
    (date(2026, 1, 15), 1, date(2025, 12, 15)),
    (date(2026, 3, 31), 13, date(2025, 2, 28)),
    (date(2026, 12, 1), 12, date(2025, 12, 1)),
])
def test_months_are_counted_back_on_the_calendar(day, months, expected):
    assert months_before(day, months) == expected


def test_the_cutoff_keeps_the_whole_anniversary_day_due():
    assert retention_cutoff(date(2026, 4, 15), 3) == datetime(2026, 1, 16)


def set_retention(db, survey, months: int | None, free_text: bool = False) -> None:
    with db() as session:
        stored = session.get(Survey, survey.id)
        stored.retention_months, stored.retention_free_text = months, free_text


def test_a_response_exactly_n_months_old_is_anonymised_and_one_a_day_younger_is_not(
        client, db, runner, make_survey, make_invitation):
    survey = make_survey("exit")
    set_retention(db, survey, 3)
    _inv, old_token = make_invitation(survey)
    _inv, young_token = make_invitation(survey)
    old = answer_by_link(client, old_token, survey)
    young = answer_by_link(client, young_token, survey)
    date_response(db, old, datetime(2026, 1, 15, 23, 59, 59))
    date_response(db, young, datetime(2026, 1, 16, 0, 0, 0))

    before = runner.invoke(args=["retention", "run", "--as-of", "2026-04-14"])
    assert before.exit_code == 0, before.output
    assert f"{survey.slug}: 3 months, submitted before 2026-01-15: anonymised 0 responses" in before.output
    assert load_response(db, old).customer_id is not None

    due = runner.invoke(args=["retention", "run", "--as-of", "2026-04-15"])
    assert f"{survey.slug}: 3 months, submitted before 2026-01-16: anonymised 1 responses" in due.output
    gone, kept = load_response(db, old), load_response(db, young)
    assert gone.customer_id is None and gone.invitation_id is None and gone.anonymised_at is not None
    assert kept.customer_id is not None and kept.invitation_id is not None and kept.anonymised_at is None

    again = runner.invoke(args=["retention", "run", "--as-of", "2026-04-16", "--format", "json"])
    [line] = json.loads(again.output)["surveys"]
    assert line["responses"] == 1 and line["cutoff"] == "2026-01-17T00:00:00"
    assert load_response(db, young).customer_id is None


def breakdown(runner, slug: str) -> dict:
    result = runner.invoke(args=["reports", "breakdown", "--survey", slug])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*>', "", html)


def test_anonymising_keeps_every_count_and_cause_and_cuts_every_link(
        client, db, runner, login, make_survey, make_invitation):
    survey = make_survey("exit")
    ids = []
    for reason in ("moved", "cheaper_elsewhere", "no_follow_up"):
        _inv, token = make_invitation(survey, locale="fr")
        ids.append(answer_by_link(client, token, survey, main_reason=reason, free_text="Marie Dupont m’a aidé"))
    ids.append(answer_publicly(client, survey, "pl", main_reason="moved", free_text="Dziękuję, Jan Kowalski"))
    with db() as session:  # three texts sorted, one waiting for staff to review it
        session.execute(update(Answer).where(Answer.text.is_not(None), Answer.response_id.in_(ids[:3]))
                        .values(bucket="dissatisfaction", cause_group="company", source="staff"))
        session.execute(update(Answer).where(Answer.text.is_not(None), Answer.response_id == ids[3])
                        .values(bucket="unclassified"))
    _inv, waiting = make_invitation(survey, locale="fr")  # a draft of an unanswered invitation stays
    client.post(f"/s/{waiting}", data={"save_draft": "1"})
    for response_id in ids:
        date_response(db, response_id, datetime(2025, 6, 1, 12))
    with db() as session:
        if session.scalar(select(FollowUp.id).where(FollowUp.response_id == ids[2])) is None:
            stored = session.get(Response, ids[2])
            session.add(FollowUp(response_id=stored.id, customer_id=stored.customer_id, kind="exit",
                                 bucket=stored.primary_bucket, due=date(2025, 6, 8)))
        first = session.get(Response, ids[0])
        session.add(WinbackCase(customer_id=first.customer_id, lost_at=date(2025, 5, 1), priority=1,
                                reason_response_id=first.id, reason_code="moved"))
    set_retention(db, survey, 6, free_text=True)  # after the invitations (made by merging the survey)
    figures = breakdown(runner, survey.slug)
    login("analyst", locale="fr")
    dashboard = client.get(f"/staff/reports/?survey={survey.slug}")
    assert dashboard.status_code == 200

    dry = runner.invoke(args=["retention", "run", "--as-of", "2026-12-01", "--dry-run"])
    assert f"{survey.slug}: 6 months, submitted before 2026-06-02: would anonymise 4 responses, " \
           f"would remove 3 free texts" in dry.output
    assert all(load_response(db, i).anonymised_at is None for i in ids)

    done = runner.invoke(args=["retention", "run", "--as-of", "2026-12-01"])
    assert "anonymised 4 responses, removed 3 free texts" in done.output
    assert breakdown(runner, survey.slug) == figures
    assert without_tokens(client.get(f"/staff/reports/?survey={survey.slug}").text) == without_tokens(dashboard.text)
    with db() as session:
        rows = session.scalars(select(Response).where(Response.id.in_(ids))).all()
        assert all(r.customer_id is None and r.invitation_id is None and r.submission_key is None
                   and r.anonymised_at is not None for r in rows)
        assert session.scalars(select(Answer.text).where(Answer.text.is_not(None))).all() == ["Dziękuję, Jan Kowalski"]
        assert session.scalar(select(FollowUp.customer_id).where(FollowUp.response_id == ids[2])) is None
        case = session.scalar(select(WinbackCase))
        assert case.reason_response_id is None and case.customer_id is not None  # the case stays the customer's
        assert session.scalar(select(func.count()).select_from(Draft)) == 1
        assert session.scalar(select(func.count()).select_from(Invitation)) == 4  # who was asked: reach reports


def test_free_text_stays_unless_the_survey_says_so_and_unsorted_text_waits(client, db, runner, make_survey):
    survey = make_survey("exit")
    set_retention(db, survey, 1)
    kept = answer_publicly(client, survey, "ru", main_reason="moved", free_text="Спасибо, Иван")
    date_response(db, kept, datetime(2026, 1, 1))
    runner.invoke(args=["retention", "run", "--as-of", "2026-03-01"])
    assert [a.text for a in load_response(db, kept).answers if a.text] == ["Спасибо, Иван"]

    set_retention(db, survey, 1, free_text=True)
    for waiting in ("pending", "unclassified"):  # not sorted yet: its bucket is decided from it
        with db() as session:
            session.execute(update(Answer).where(Answer.response_id == kept, Answer.text.is_not(None))
                            .values(bucket=waiting))
        result = runner.invoke(args=["retention", "run", "--as-of", "2026-03-01"])
        assert "anonymised 0 responses, removed 0 free texts" in result.output
    with db() as session:
        session.execute(update(Answer).where(Answer.response_id == kept, Answer.text.is_not(None))
                        .values(bucket="competitor"))
    runner.invoke(args=["retention", "run", "--as-of", "2026-03-01"])
    assert not [a for a in load_response(db, kept).answers if a.text]


def test_surveys_without_a_period_are_left_alone(client, db, runner, make_survey, make_invitation):
    survey = make_survey("exit")
    _inv, token = make_invitation(survey)
    response_id = answer_by_link(client, token, survey)
    date_response(db, response_id, datetime(2000, 1, 1))
    result = runner.invoke(args=["retention", "run"])
    assert "No survey has a retention period." in result.output
    assert load_response(db, response_id).customer_id is not None


def test_the_periodic_job_applies_retention(app, client, db, make_survey, make_invitation):
    from survey_app.jobs.runner import execute
    from survey_app.jobs.schedule import PERIODIC
    from survey_app.jobs.services import submit

    assert PERIODIC["retention"].kind == "apply_retention"
    survey = make_survey("exit")
    set_retention(db, survey, 2)
    _inv, token = make_invitation(survey)
    response_id = answer_by_link(client, token, survey)
    date_response(db, response_id, datetime(2026, 1, 10))
    with app.app_context():
        job = submit("apply_retention", {"as_of": "2026-03-10"})
        execute(job.id)
    assert load_response(db, response_id).anonymised_at is not None


def test_erasing_a_customer_anonymises_their_responses_the_same_way(client, db, login, make_survey, make_customer,
                                                                    make_invitation):
    survey, anonymous = make_survey("exit"), make_survey("exit", anonymous=True)
    customer = make_customer()
    _inv, token = make_invitation(survey, customer=customer)
    _inv, anonymous_token = make_invitation(anonymous, customer=customer)
    ids = [answer_by_link(client, token, survey), answer_by_link(client, anonymous_token, anonymous)]
    login("admin")
    erased = client.post(f"/staff/customers/{customer.id}/erase", follow_redirects=True)
    assert "Customer erased; 2 responses kept anonymously." in erased.text
    for response_id in ids:
        response = load_response(db, response_id)
        assert response.customer_id is None and response.invitation_id is None
        assert response.anonymised_at is not None


def test_staff_set_the_period_on_the_settings_page_in_polish(client, db, login, make_survey):
    survey = make_survey("exit")
    login("admin", locale="pl")
    page = client.get(f"/staff/surveys/{survey.slug}/settings")
    assert "Anonimizować odpowiedzi" in page.text
    data = {"slug": survey.slug, "default_locale": "en", "open_link": "y", "opens_at": "", "closes_at": "",
            "reason_codes": ["moved", "cheaper_elsewhere"], "retention_months": "0"}
    refused = client.post(f"/staff/surveys/{survey.slug}/settings", data=data)
    assert refused.status_code == 400 and "liczbę pełnych miesięcy od 1 do 1200" in refused.text
    assert 'value="0"' in refused.text
    words = client.post(f"/staff/surveys/{survey.slug}/settings", data={**data, "retention_months": "dwa lata"})
    assert words.status_code == 400 and 'value="dwa lata"' in words.text
    saved = client.post(f"/staff/surveys/{survey.slug}/settings",
                        data={**data, "retention_months": "18", "retention_free_text": "y"})
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).text
    assert "Odpowiedzi są anonimizowane 18 miesięcy po wysłaniu. Wpisany w nich tekst jest wtedy również usuwany." \
        in shown
    with db() as session:
        stored = session.get(Survey, survey.id)
        assert (stored.retention_months, stored.retention_free_text) == (18, True)
    emptied = client.post(f"/staff/surveys/{survey.slug}/settings", data={**data, "retention_months": ""})
    assert emptied.status_code == 302
    with db() as session:
        assert session.get(Survey, survey.id).retention_months is None
