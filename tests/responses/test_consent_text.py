"""Consent text per survey and language (issue 16, part 4): shown at the end of the form, kept word for word with
each response, shown on the staff response page and in the answers export."""
from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from sqlalchemy import select

from survey_app.responses.models import Response
from survey_app.surveys.models import Survey
from tests.conftest import answer_data
from tests.responses.test_double_submit import submission_key

DEFAULT_EN = ("Your answers are used only to improve our service. If you agree to be contacted, we use your contact "
              "details only to follow up on your answers. You may ask us at any time to see or delete them.")


def consent_on(page: str) -> str:
    match = re.search(r'<p class="muted small consent" id="consent">(.*?)</p>', page, re.S)
    assert match, "the form shows a consent notice"
    return unescape(match.group(1))


def send(client, survey, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    sent = client.post(url, data={**answer_data(survey, main_reason="moved", contact_consent="1"),
                                  "submission_key": submission_key(page.text)})
    assert sent.status_code == 303
    return consent_on(page.text)


def stored_consents(db) -> list[str | None]:
    with db() as session:
        return list(session.scalars(select(Response.consent_text).order_by(Response.id)))


@pytest.mark.parametrize("lang", ["en", "fr", "pl", "ru"])
def test_without_its_own_text_the_form_shows_and_keeps_the_default_notice(client, db, make_survey, lang):
    survey = make_survey("exit", slug="exit")
    shown = send(client, survey, f"/s/o/exit?lang={lang}")
    if lang == "en":
        assert shown == DEFAULT_EN
    assert shown and stored_consents(db) == [shown]


def test_an_admin_writes_the_notice_per_language_and_each_response_keeps_the_one_shown(client, db, login,
                                                                                       make_survey, app):
    survey = make_survey("exit", slug="exit")
    login("admin")
    texts = client.get("/staff/surveys/exit/texts/fr")
    assert texts.status_code == 200 and 'name="consent"' in texts.text
    fr = "Vos réponses servent à améliorer notre service ; nous ne vous recontactons qu’avec votre accord."
    saved = client.post("/staff/surveys/exit/texts/fr", data={"title": "Pourquoi nous quitter ?", "consent": fr})
    assert saved.status_code == 302
    assert fr in unescape(client.get("/staff/surveys/exit/texts/fr").text)
    with db() as session:
        assert session.get(Survey, survey.id).consent_text == {"fr": fr}

    respondent = app.test_client()
    assert send(respondent, survey, "/s/o/exit?lang=fr") == fr
    assert send(respondent, survey, "/s/o/exit?lang=en") == DEFAULT_EN  # no English text of its own: the default
    # A later change of wording leaves what earlier respondents were shown.
    client.post("/staff/surveys/exit/texts/fr", data={"title": "Pourquoi nous quitter ?", "consent": "Autre texte."})
    assert send(respondent, survey, "/s/o/exit?lang=fr") == "Autre texte."
    assert stored_consents(db) == [fr, DEFAULT_EN, "Autre texte."]

    with db() as session:
        first = session.scalars(select(Response.id).order_by(Response.id)).first()
    shown = client.get(f"/staff/responses/{first}")
    assert shown.status_code == 200 and "Consent notice shown" in shown.text and fr in unescape(shown.text)


def test_an_invitation_keeps_the_notice_too(client, db, make_survey, make_invitation):
    survey = make_survey("exit", slug="exit", consent_text={"pl": "Zgoda: tylko w celu kontaktu."})
    _invitation, token = make_invitation(survey, locale="pl")
    assert send(client, survey, f"/s/{token}") == "Zgoda: tylko w celu kontaktu."
    assert stored_consents(db) == ["Zgoda: tylko w celu kontaktu."]


def test_an_empty_text_brings_the_default_back(client, db, login, make_survey):
    make_survey("exit", slug="exit", consent_text={"en": "Our own words."})
    login("admin")
    client.post("/staff/surveys/exit/texts/en", data={"title": "Why?", "consent": "  "})
    assert consent_on(client.get("/s/o/exit?lang=en").text) == DEFAULT_EN


def test_a_too_long_text_is_refused_and_kept(client, login, make_survey):
    make_survey("exit", slug="exit")
    login("admin")
    long = "x" * 2001
    page = client.post("/staff/surveys/exit/texts/en", data={"title": "Why?", "consent": long})
    assert page.status_code == 400 and long in page.text


def test_only_admins_edit_the_notice(client, login, make_survey):
    make_survey("exit", slug="exit")
    login("analyst")
    assert client.post("/staff/surveys/exit/texts/en", data={"consent": "x"}).status_code == 403


def test_the_preview_shows_the_notice(client, login, make_survey):
    make_survey("exit", slug="exit", consent_text={"ru": "Мы используем ответы только для улучшения сервиса."})
    login("analyst")
    assert consent_on(client.get("/staff/surveys/exit/preview?lang=ru").text) == \
        "Мы используем ответы только для улучшения сервиса."


def test_the_answers_export_carries_the_notice(client, db, login, make_survey, app):
    survey = make_survey("exit", slug="exit", consent_text={"en": "Stored, never sold."})
    send(app.test_client(), survey, "/s/o/exit?lang=en")
    login("analyst")
    download = client.get("/staff/reports/export/answers.csv")
    assert download.status_code == 200, download.text[:300]
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert rows and {row["consent_text"] for row in rows} == {"Stored, never sold."}
