"""Respondents see and delete their own answer: through their personal link, or the secret link of the thank-you
page; deleted or anonymised answers are gone for good, and reports count them no more."""
from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy import func, select

from survey_app.invitations.models import Invitation, InvitationState
from survey_app.responses.models import Answer, Response
from tests.conftest import answer_data, csrf_token

from .helpers import answer_by_link, answer_publicly, date_response, load_response

OWN_LINK = re.compile(r'href="(http://localhost/s/mine/[^"]+)"')


def count(db, model) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(model))


def breakdown_n(runner, slug: str) -> int:
    return json.loads(runner.invoke(args=["reports", "breakdown", "--survey", slug]).output)["responses"]


def test_a_public_respondent_sees_and_deletes_their_answer_from_the_thank_you_page_in_french(
        client, csrf_app, db, runner, make_survey):
    survey = make_survey("exit")
    form = client.get(f"/s/o/{survey.slug}?lang=fr")
    done = client.post(f"/s/o/{survey.slug}?lang=fr", data={
        **answer_data(survey, main_reason="moved", free_text="Je déménage à Lyon"),
        "csrf_token": csrf_token(form.text)})
    assert done.status_code == 303
    thanks = client.get(done.headers["Location"])
    [own_url] = OWN_LINK.findall(thanks.text)
    assert "voir ou de supprimer votre réponse plus tard" in thanks.text
    with db() as session:  # only its hash is stored
        stored = session.scalar(select(Response))
        assert stored.view_token_hash and own_url.rsplit("/", 1)[1] not in stored.view_token_hash
    assert breakdown_n(runner, survey.slug) == 1

    page = client.get(own_url)
    assert page.status_code == 200 and "Votre réponse" in page.text and "Je déménage à Lyon" in page.text
    confirm = client.get(f"{own_url}/delete")
    assert confirm.status_code == 200 and "Oui, supprimer ma réponse" in confirm.text
    assert client.post(f"{own_url}/delete").status_code == 400  # no CSRF token: nothing deleted
    assert count(db, Response) == 1
    deleted = client.post(f"{own_url}/delete", data={"csrf_token": csrf_token(confirm.text)})
    assert deleted.status_code == 200 and "Votre réponse a été supprimée" in deleted.text
    assert count(db, Response) == 0 and count(db, Answer) == 0
    assert breakdown_n(runner, survey.slug) == 0
    again = client.get(own_url)
    assert again.status_code == 404 and "Ce lien n’est pas valide" in again.text


def test_tampered_and_unknown_secrets_are_404(client, make_survey):
    survey = make_survey("exit")
    answer_publicly(client, survey)
    [own_url] = OWN_LINK.findall(client.get(f"/s/thanks/{survey.slug}?l=en").text)
    secret = own_url.rsplit("/", 1)[1]
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for bad in (tampered, "nothing", "x" * 150):
        assert client.get(f"/s/mine/{bad}").status_code == 404
        assert client.post(f"/s/mine/{bad}/delete").status_code == 404
    assert client.get(own_url).status_code == 200


def test_the_thank_you_link_is_shown_only_to_who_answered(client, app, make_survey):
    survey = make_survey("exit")
    answer_publicly(client, survey)
    other = app.test_client()
    page = other.get(f"/s/thanks/{survey.slug}?l=en")
    assert page.status_code == 200 and not OWN_LINK.findall(page.text)


def test_the_personal_link_once_used_shows_and_deletes_the_answer_in_polish(
        client, csrf_app, db, runner, make_survey, make_invitation):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey, locale="pl")
    form = client.get(f"/s/{token}")
    done = client.post(f"/s/{token}", data={**answer_data(survey, main_reason="moved"),
                                            "csrf_token": csrf_token(form.text)})
    assert done.status_code == 303
    again = client.get(f"/s/{token}")
    assert again.status_code == 409  # the link takes no second answer; the page offers the one given
    assert "Zobacz odpowiedź" in again.text and f"/s/{token}/answer/delete" in again.text
    page = client.get(f"/s/{token}/answer")
    assert page.status_code == 200 and "Państwa odpowiedź" in page.text
    confirm = client.get(f"/s/{token}/answer/delete")
    assert client.post(f"/s/{token}/answer/delete", data={}).status_code == 400
    deleted = client.post(f"/s/{token}/answer/delete", data={"csrf_token": csrf_token(confirm.text)})
    assert deleted.status_code == 200 and "usunięta" in deleted.text
    assert count(db, Response) == 0 and breakdown_n(runner, survey.slug) == 0
    with db() as session:
        assert session.scalar(select(Invitation.state)) == InvitationState.ANSWERED  # not a second answer
    for url in (f"/s/{token}", f"/s/{token}/answer", f"/s/{token}/answer/delete"):
        gone = client.get(url)
        assert gone.status_code == 410 and "Ta odpowiedź nie jest już dostępna" in gone.text


def test_an_anonymised_answer_is_no_longer_shown_in_russian(client, db, runner, make_survey, make_invitation):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey, locale="ru")
    response_id = answer_by_link(client, token, survey)
    [own_url] = OWN_LINK.findall(client.get(f"/s/thanks/{survey.slug}?l=ru").text)
    assert client.get(own_url).status_code == 200
    from survey_app.surveys.models import Survey

    with db() as session:
        session.get(Survey, survey.id).retention_months = 1
    date_response(db, response_id, datetime(2026, 1, 1))
    runner.invoke(args=["retention", "run", "--as-of", "2026-03-01"])
    assert load_response(db, response_id).anonymised_at is not None
    for url in (own_url, f"/s/{token}/answer", f"/s/{token}"):
        gone = client.get(url)
        assert gone.status_code == 410 and "Этот ответ больше недоступен" in gone.text
    assert client.post(f"{own_url}/delete").status_code == 410
    assert load_response(db, response_id) is not None


def test_unknown_personal_links_stay_404(client):
    assert client.get("/s/not-a-token/answer").status_code == 404
    assert client.post("/s/not-a-token/answer/delete").status_code == 404


def test_the_invitation_email_says_the_link_shows_or_deletes_the_answer(app, db, make_survey, make_customer):
    from survey_app.customers.models import Customer
    from survey_app.invitations.mail import render_invitation
    from survey_app.surveys.models import Survey

    survey = make_survey("exit")
    customer = make_customer(locale="fr", name="Jeanne")
    with app.test_request_context(), db() as session:
        for reminder in (False, True):
            message = render_invitation(session.get(Survey, survey.id), session.get(Customer, customer.id), "fr",
                                        "TOKEN", reminder=reminder)
            text, html = message.text, message.html.replace("’", "'").replace("&#39;", "'")
            assert "le même lien vous permet de voir ou de supprimer votre réponse" in text
            assert "le même lien vous permet de voir ou de supprimer votre réponse" in html
