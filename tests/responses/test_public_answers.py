"""Answering through a one-time invitation link or the public link."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from survey_app.dbtypes import utcnow
from survey_app.invitations.models import Invitation, InvitationState
from survey_app.responses.models import Answer, Channel, Response
from survey_app.surveys.presets import PRESETS
from tests.conftest import answer_data, csrf_token

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', page).group(1)


def heading(page: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", page, re.S).group(1).strip()


def stored(db):
    with db() as session:
        responses = session.scalars(select(Response)).all()
        return [(r, sorted(((a.reason_code, a.text, a.number, a.bucket, a.cause_group, a.source and a.source.value,
                             a.is_primary) for a in r.answers), key=str)) for r in responses]


def test_russian_customer_answers_by_token_on_a_phone_and_sees_thanks(client, db, make_survey, make_invitation):
    survey = make_survey("exit", default_locale="pl")
    invitation, token = make_invitation(survey, locale="ru")

    page = client.get(f"/s/{token}", headers={"User-Agent": PHONE_UA})
    assert page.status_code == 200
    assert html_lang(page.text) == "ru"
    assert 'name="viewport" content="width=device-width' in page.text
    assert PRESETS["exit"]["title"]["ru"] in page.text
    # Works without JavaScript: one deferred script only saves a draft as the customer types.
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/draft.js" defer>']

    data = answer_data(survey, main_reason="no_follow_up", other_reasons=["cheaper_elsewhere", "late_deliveries"],
                       free_text="Никто не перезвонил после покупки.", scale_0_10="2", contact_consent="1")
    done = client.post(f"/s/{token}", data=data)
    assert done.status_code == 303
    thanks = client.get(done.headers["Location"])
    assert thanks.status_code == 200 and html_lang(thanks.text) == "ru"

    [(response, answers)] = stored(db)
    assert response.channel == Channel.EMAIL and response.locale == "ru"
    assert response.customer_id == invitation.customer_id
    assert ("no_follow_up", None, None, "indifference", "company", "choice", True) in answers
    assert ("cheaper_elsewhere", None, None, "competitor", "competitor", "choice", False) in answers
    assert ("late_deliveries", None, None, "dissatisfaction", "company", "choice", False) in answers
    assert (None, "Никто не перезвонил после покупки.", None, "pending", None, None, False) in answers
    assert (None, None, 2, None, None, None, False) in answers
    with db() as session:
        assert session.get(Invitation, invitation.id).state == InvitationState.ANSWERED


def test_used_token_shows_already_answered_page_in_polish(client, make_survey, make_invitation):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey, locale="pl")
    assert client.post(f"/s/{token}", data=answer_data(survey, main_reason="moved")).status_code == 303

    again = client.get(f"/s/{token}")
    assert again.status_code == 409
    assert html_lang(again.text) == "pl"
    assert heading(again.text) == "Już udzielili Państwo odpowiedzi — dziękujemy"
    assert "409" not in again.text and "Błąd" not in again.text  # a thank-you, not an error code
    resubmit = client.post(f"/s/{token}", data=answer_data(survey, main_reason="moved"))
    assert resubmit.status_code == 409


@pytest.mark.parametrize("lang, title", [("en", "You have already answered — thank you"),
                                         ("fr", "Vous avez déjà répondu — merci"),
                                         ("ru", "Вы уже ответили — спасибо")])
def test_an_answered_link_thanks_the_customer_without_an_error_code(client, make_survey, make_invitation, lang,
                                                                    title):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey, locale=lang)
    assert client.post(f"/s/{token}", data=answer_data(survey, main_reason="moved")).status_code == 303
    for again in (client.get(f"/s/{token}"), client.post(f"/s/{token}", data=answer_data(survey, main_reason="moved"))):
        assert again.status_code == 409 and heading(again.text) == title
        assert "409" not in again.text


def test_token_works_once_by_database_constraint(db, make_survey, make_invitation):
    survey = make_survey("exit")
    invitation, _token = make_invitation(survey)
    with db() as session:
        session.add(Response(survey_id=survey.id, invitation_id=invitation.id, locale="en", channel=Channel.EMAIL))
    with pytest.raises(IntegrityError):
        with db() as session:
            session.add(Response(survey_id=survey.id, invitation_id=invitation.id, locale="en",
                                 channel=Channel.EMAIL))


@pytest.mark.parametrize("case, status", [("unknown", 404), ("expired", 410), ("closed", 410), ("draft", 410)])
def test_bad_links_get_a_clear_translated_page(client, make_survey, make_invitation, case, status):
    survey = make_survey("exit", state={"closed": "closed", "draft": "draft"}.get(case, "open"))
    _invitation, token = make_invitation(survey, locale="fr", expired=case == "expired")
    url = "/s/not-a-real-token" if case == "unknown" else f"/s/{token}"
    page = client.get(url, headers={"Accept-Language": "fr"})
    assert page.status_code == status
    assert html_lang(page.text) == "fr"
    english = {"unknown": "This link is not valid", "expired": "This link has expired",
               "closed": "This survey is closed", "draft": "This survey is closed"}[case]
    assert heading(page.text) and heading(page.text) != english


def test_closing_date_in_the_past_closes_the_link(client, make_survey, make_invitation):
    survey = make_survey("exit", closes_at=utcnow() - timedelta(hours=1))
    _invitation, token = make_invitation(survey)
    assert client.get(f"/s/{token}").status_code == 410


def test_validation_error_keeps_what_was_typed(client, db, make_survey, make_invitation):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey, locale="pl")
    typed = "Nikt nie oddzwonił, a obiecywali — <b>serio</b>"
    page = client.post(f"/s/{token}", data=answer_data(survey, free_text=typed, scale_0_10="7"))
    assert page.status_code == 400
    assert "Nikt nie oddzwonił, a obiecywali — &lt;b&gt;serio&lt;/b&gt;" in page.text
    assert re.search(r'value="7"[^>]*checked|checked[^>]*value="7"', page.text)
    assert 'role="alert"' in page.text
    assert stored(db) == []


def test_oversized_text_is_refused_with_a_message_and_kept(client, db, make_survey):
    survey = make_survey("exit")
    long_text = "Za drogo. " * 600
    page = client.post(f"/s/o/{survey.slug}?lang=pl", data=answer_data(survey, main_reason="moved",
                                                                        free_text=long_text))
    assert page.status_code == 400
    assert long_text.strip() in page.text
    assert stored(db) == []


def test_unknown_reason_code_is_a_4xx_not_a_500(client, make_survey):
    survey = make_survey("exit")
    assert client.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="'; DROP TABLE answer;--",
                                                                scale_0_10="eleven")).status_code == 400


def test_missing_csrf_token_keeps_the_answers(csrf_app, client, db, make_survey, make_invitation):
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey, locale="fr")
    page = client.post(f"/s/{token}", data=answer_data(survey, main_reason="moved", free_text="Nous avons déménagé."))
    assert page.status_code == 400
    assert "Nous avons déménagé." in page.text
    assert stored(db) == []
    # Submitting again with the fresh token from that page works.
    data = answer_data(survey, main_reason="moved", free_text="Nous avons déménagé.")
    data["csrf_token"] = csrf_token(page.text)
    assert client.post(f"/s/{token}", data=data).status_code == 303


def test_open_link_answer_is_stored_with_channel_link(client, db, make_survey):
    survey = make_survey("loyalty")
    response = client.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="cheaper_elsewhere"))
    assert response.status_code == 303
    [(response, answers)] = stored(db)
    assert response.channel == Channel.LINK and response.customer_id is None
    assert answers == [("cheaper_elsewhere", None, None, "competitor", "competitor", "choice", True)]


def test_open_link_refused_when_the_survey_does_not_allow_it(client, make_survey):
    survey = make_survey("exit", open_link=False)
    assert client.get(f"/s/o/{survey.slug}").status_code == 404


def test_free_text_alone_becomes_the_cause_pending_until_sorted(client, db, make_survey, make_optional):
    survey = make_survey("exit")
    make_optional(survey)
    client.post(f"/s/o/{survey.slug}", data=answer_data(survey, free_text="Trop cher"))
    with db() as session:
        primary = session.scalars(select(Answer).where(Answer.is_primary.is_(True))).all()
        assert [(a.text, a.bucket, a.source) for a in primary] == [("Trop cher", "pending", None)]
        assert session.scalar(select(Response.primary_bucket)) == "pending"


def test_anonymous_survey_does_not_link_the_customer(client, db, make_survey, make_invitation):
    survey = make_survey("exit", anonymous=True)
    _invitation, token = make_invitation(survey)
    client.post(f"/s/{token}", data=answer_data(survey, main_reason="moved"))
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response).where(Response.customer_id.is_(None))) == 1


class TestLocaleChain:
    """Explicit choice → invitation → customer → Accept-Language → survey default → en."""

    def test_invitation_locale_beats_accept_language(self, client, make_survey, make_invitation):
        survey = make_survey("exit")
        _inv, token = make_invitation(survey, locale="pl")
        assert html_lang(client.get(f"/s/{token}", headers={"Accept-Language": "ru"}).text) == "pl"

    def test_explicit_choice_beats_invitation_and_is_kept(self, client, make_survey, make_invitation):
        survey = make_survey("exit")
        _inv, token = make_invitation(survey, locale="pl")
        assert html_lang(client.get(f"/s/{token}?lang=fr").text) == "fr"
        assert html_lang(client.get(f"/s/{token}").text) == "fr"

    def test_open_link_uses_accept_language_then_survey_default(self, client, make_survey):
        survey = make_survey("exit", default_locale="ru")
        assert html_lang(client.get(f"/s/o/{survey.slug}", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text) == "fr"
        assert html_lang(client.get(f"/s/o/{survey.slug}", headers={"Accept-Language": "de"}).text) == "ru"

    def test_language_switcher_links_every_language(self, client, make_survey):
        survey = make_survey("exit")
        page = client.get(f"/s/o/{survey.slug}").text
        for code, native in (("fr", "Français"), ("pl", "Polski"), ("ru", "Русский")):
            assert f'lang="{code}"' in page and native in page

    def test_unknown_language_code_is_a_translated_400(self, client, make_survey):
        survey = make_survey("exit")
        page = client.get(f"/s/o/{survey.slug}?lang=xx", headers={"Accept-Language": "pl"})
        assert page.status_code == 400
        assert html_lang(page.text) == "pl"
