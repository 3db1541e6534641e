"""Phone interviews: the call list, finding a customer, the customer's details, the interview language, the
warning before a second interview of a customer, My interviews, and bad input."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from survey_app.customers.models import Customer
from survey_app.responses.interviews import CALLS_PER_PAGE
from survey_app.responses.models import Channel, Response
from survey_app.surveys.catalogue import REASONS
from tests.conftest import answer_data, csrf_token, question_fields

LABELS = {code: labels for code, _bucket, labels in REASONS}
def today():
    """Today as the app sees it now (read per use: a run may cross midnight)."""
    return date.today()


def question_text(survey, qtype: str, lang: str) -> str:
    return next(q.text[lang] for q in survey.questions if q.type.value == qtype)


def questions_block(html: str) -> str:
    """The questions part of the interview page, with its language."""
    match = re.search(r'<div id="questions" lang="(\w+)">(.*?)</div>\s*<button[^>]*id="save-interview"', html, re.S)
    assert match, "the page shows the questions"
    return match.group(1), match.group(2)


def call_list_rows(html: str) -> list[str]:
    """The customer references in the table of the interview start page, top to bottom."""
    return re.findall(r'<th scope="row">.*?<span class="muted">\(([^)]+)\)</span>', html)


def stored(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Response))


def record(client, survey, customer, lang: str = "en", **extra) -> object:
    data = answer_data(survey, main_reason="moved")
    data.update(customer_ref=customer.external_ref, interview_locale=lang, **extra)
    return client.post(f"/staff/surveys/{survey.slug}/interview", data=data)


# 1. The call list ----------------------------------------------------------------------------------------------------

def test_call_list_shows_lost_customers_of_mine_or_nobody_not_interviewed_yet_most_recently_lost_first(
        client, login, make_user, make_survey, make_customer):
    survey = make_survey("exit")
    other_survey = make_survey("exit")
    me = login("interviewer")
    colleague = make_user("interviewer")
    make_customer(ref="OLD", status="lost", lost_at=today() - timedelta(days=90))
    make_customer(ref="RECENT", status="lost", lost_at=today() - timedelta(days=2), account_manager_id=me.id)
    make_customer(ref="UNDATED", status="lost")
    make_customer(ref="MIDDLE", status="lost", lost_at=today() - timedelta(days=30))
    make_customer(ref="THEIRS", status="lost", lost_at=today(), account_manager_id=colleague.id)
    make_customer(ref="ACTIVE", status="active")
    make_customer(ref="RETURNED", status="returned", lost_at=today() - timedelta(days=9))
    make_customer(ref="NO-CALLS", status="lost", lost_at=today(), opted_out=True)
    done = make_customer(ref="DONE", status="lost", lost_at=today() - timedelta(days=1))
    elsewhere = make_customer(ref="ELSEWHERE", status="lost", lost_at=today() - timedelta(days=3))
    assert record(client, survey, done).status_code == 302
    assert record(client, other_survey, elsewhere).status_code == 302

    page = client.get(f"/staff/interviews?survey={survey.slug}")
    assert page.status_code == 200 and "Call list" in page.text
    assert call_list_rows(page.text) == ["RECENT", "ELSEWHERE", "MIDDLE", "OLD", "UNDATED"]
    # Interviewed for the other survey only: still to call for this one, not for the other.
    other = client.get(f"/staff/interviews?survey={other_survey.slug}")
    assert call_list_rows(other.text) == ["DONE", "RECENT", "MIDDLE", "OLD", "UNDATED"]


def test_call_list_defaults_to_the_open_exit_survey_and_starts_the_interview_with_the_customer(
        client, login, make_survey, make_customer):
    make_survey("loyalty")
    survey = make_survey("exit")
    make_survey("exit", state="closed")
    login("interviewer")
    customer = make_customer(name="Zofia Nowak", locale="pl", status="lost", segment="SMB",
                             lost_at=today() - timedelta(days=5), last_purchase=today() - timedelta(days=60))
    page = client.get("/staff/interviews")
    assert f'<option value="{survey.slug}" selected>' in page.text
    link = f"/staff/surveys/{survey.slug}/interview?customer_id={customer.id}"
    assert f'href="{link}"' in page.text and "Start interview" in page.text
    form = client.get(link)
    assert form.status_code == 200
    assert f'value="{customer.external_ref}"' in form.text and "Zofia Nowak" in form.text


def test_call_list_is_paged(client, login, make_survey, make_customer):
    survey = make_survey("exit")
    login("interviewer")
    for n in range(CALLS_PER_PAGE + 2):
        make_customer(ref=f"LOST-{n:02d}", status="lost", lost_at=today() - timedelta(days=n))
    first = client.get(f"/staff/interviews?survey={survey.slug}")
    assert call_list_rows(first.text) == [f"LOST-{n:02d}" for n in range(CALLS_PER_PAGE)]
    assert "page=2" in first.text
    second = client.get(f"/staff/interviews?survey={survey.slug}&page=2")
    assert call_list_rows(second.text) == [f"LOST-{n:02d}" for n in range(CALLS_PER_PAGE, CALLS_PER_PAGE + 2)]


def test_nobody_left_to_call(client, login, make_survey):
    make_survey("exit")
    login("interviewer")
    assert "Nobody left to call for this survey." in client.get("/staff/interviews").text


# 2. Finding a customer -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["anna", "KOWAL", "acme-7", "Anna.K@Example"])
def test_search_finds_a_customer_by_part_of_the_name_reference_or_email_in_any_case(
        client, db, login, make_survey, make_customer, text):
    survey = make_survey("exit")
    login("interviewer")
    wanted = make_customer(name="Anna Kowalska", ref="ACME-77", status="active")
    with_email = make_customer(name="Somebody Else", ref="X-1")
    make_customer(name="Piotr Nowak", ref="OTHER-1", status="lost")
    with db() as session:
        session.get(Customer, with_email.id).email = "nobody@example.com"
        session.get(Customer, wanted.id).email = "anna.k@example.com"
    page = client.get(f"/staff/interviews?survey={survey.slug}&q={text}")
    assert page.status_code == 200 and "Customers found" in page.text
    assert call_list_rows(page.text) == ["ACME-77"]
    assert f"customer_id={wanted.id}" in page.text


def test_search_marks_customers_interviewed_already_and_says_when_nothing_matches(
        client, login, make_survey, make_customer):
    survey = make_survey("exit")
    login("interviewer")
    customer = make_customer(name="Anna Kowalska", status="lost")
    record(client, survey, customer)
    page = client.get(f"/staff/interviews?survey={survey.slug}&q=kowalska")
    assert call_list_rows(page.text) == [customer.external_ref] and ">interviewed<" in page.text
    none = client.get(f"/staff/interviews?survey={survey.slug}&q=zzz")
    assert "No customer’s name, reference or email contains “zzz”." in none.text


# 3. The customer's details and the interview language ---------------------------------------------------------------

def test_interview_page_shows_the_customer_and_asks_in_their_language(client, login, make_user, make_survey,
                                                                      make_customer):
    survey = make_survey("exit")
    manager = make_user("analyst")
    login("interviewer", locale="en")
    customer = make_customer(name="Łukasz Żółkowski", ref="PL-9", locale="pl", status="lost", segment="Retail",
                             account_manager_id=manager.id, lost_at=date(2026, 3, 4),
                             last_purchase=date(2026, 1, 15))
    page = client.get(f"/staff/surveys/{survey.slug}/interview?customer_id={customer.id}")
    assert page.status_code == 200
    for shown in ("Łukasz Żółkowski", "PL-9", "Polski", "Retail", manager.name, "Jan 15, 2026", "Lost on Mar 4, 2026"):
        assert shown in page.text, shown
    assert re.search(r'<option selected value="pl">|<option value="pl" selected>', page.text)
    lang, questions = questions_block(page.text)
    assert lang == "pl"
    assert question_text(survey, "main_reason", "pl") in questions
    assert LABELS["moved"]["pl"] in questions and ">Tak<" in questions
    assert question_text(survey, "main_reason", "en") not in questions
    assert "Record an interview" in page.text  # the page around the questions stays in the interviewer's language


def test_a_chosen_language_in_the_address_asks_in_it(client, login, make_survey, make_customer):
    survey = make_survey("exit")
    login("interviewer")
    customer = make_customer(locale="pl")
    page = client.get(f"/staff/surveys/{survey.slug}/interview?customer_id={customer.id}&interview_locale=fr")
    lang, questions = questions_block(page.text)
    assert lang == "fr" and LABELS["moved"]["fr"] in questions


def test_switching_the_language_shows_the_questions_in_it_and_keeps_what_was_typed(client, db, login, make_survey,
                                                                                  make_customer):
    survey = make_survey("exit")
    login("interviewer")
    customer = make_customer(locale="pl")
    data = answer_data(survey, main_reason="moved", free_text="Переехали в Казань.")
    data.update(customer_ref=customer.external_ref, interview_locale="ru", show_questions="1")
    page = client.post(f"/staff/surveys/{survey.slug}/interview", data=data)
    assert page.status_code == 200
    lang, questions = questions_block(page.text)
    assert lang == "ru" and question_text(survey, "main_reason", "ru") in questions and ">Да<" in questions
    assert "Переехали в Казань." in questions
    assert re.search(r'value="moved"[^>]*checked', questions)
    assert 'class="errors"' not in page.text  # not sent yet: nothing is marked
    assert f'value="{customer.external_ref}"' in page.text
    assert stored(db) == 0


# 4. A second interview of the same customer --------------------------------------------------------------------------

def test_a_second_interview_of_a_customer_asks_first_and_is_recorded_once_confirmed(client, db, app, login,
                                                                                   make_survey, make_customer):
    survey = make_survey("exit")
    customer = make_customer(name="Zofia Nowak")
    colleague = app.test_client()
    first_by = login("interviewer", the_client=colleague)
    assert record(colleague, survey, customer).status_code == 302
    me = login("interviewer")
    form = client.get(f"/staff/surveys/{survey.slug}/interview?customer_id={customer.id}")
    assert "Already interviewed for this survey once." in form.text

    data = answer_data(survey, main_reason="moved", free_text="Second call, new details.")
    data.update(customer_ref=customer.external_ref, interview_locale="en")
    warned = client.post(f"/staff/surveys/{survey.slug}/interview", data=data)
    assert warned.status_code == 409
    assert "This customer has already been interviewed for this survey:" in warned.text
    assert f"by {first_by.name}" in warned.text and str(today().year) in warned.text
    assert "Second call, new details." in warned.text and 'name="confirm_repeat"' in warned.text
    assert "/staff/responses/" not in warned.text  # the colleague's interview is theirs to open
    assert stored(db) == 1

    # Ticked, but the main reason left out: the page asks for it and keeps the confirmation.
    missing = {**data, "confirm_repeat": "y", question_fields(survey)["main_reason"]: ""}
    refused = client.post(f"/staff/surveys/{survey.slug}/interview", data=missing)
    assert refused.status_code == 400
    assert re.search(r'type="hidden" name="confirm_repeat" value="y"', refused.text)
    assert stored(db) == 1

    confirmed = client.post(f"/staff/surveys/{survey.slug}/interview", data={**data, "confirm_repeat": "y"})
    assert confirmed.status_code == 302
    with db() as session:
        by = session.scalars(select(Response.interviewer_id).where(Response.customer_id == customer.id)).all()
        assert sorted(by) == sorted([first_by.id, me.id])


def test_an_interview_for_another_survey_or_another_customer_records_without_asking(client, db, login, make_survey,
                                                                                    make_customer):
    survey, other_survey = make_survey("exit"), make_survey("exit")
    customer, someone_else = make_customer(), make_customer()
    login("interviewer")
    assert record(client, other_survey, customer).status_code == 302
    assert record(client, survey, someone_else).status_code == 302
    assert record(client, survey, customer).status_code == 302
    assert stored(db) == 3


def test_the_warning_links_to_my_own_earlier_interview(client, login, make_survey, make_customer):
    survey = make_survey("exit")
    customer = make_customer()
    me = login("interviewer")
    location = record(client, survey, customer).headers["Location"]
    warned = record(client, survey, customer)
    assert warned.status_code == 409 and f'href="{location}"' in warned.text and f"by {me.name}" in warned.text


# 5. My interviews ----------------------------------------------------------------------------------------------------

def test_my_interviews_lists_mine_newest_first_with_links_i_may_open(client, app, db, login, make_survey,
                                                                    make_customer):
    survey = make_survey("exit")
    first, second, theirs = make_customer(name="First Caller"), make_customer(name="Second Caller"), make_customer()
    login("interviewer")
    earlier = record(client, survey, first).headers["Location"]
    later = record(client, survey, second, lang="fr").headers["Location"]
    colleague = app.test_client()
    login("interviewer", the_client=colleague)
    other = record(colleague, survey, theirs).headers["Location"]

    page = client.get("/staff/interviews/mine")
    assert page.status_code == 200 and "2 interviews" in page.text
    assert page.text.index(f'href="{later}"') < page.text.index(f'href="{earlier}"')
    assert "Second Caller" in page.text and "Français" in page.text
    assert theirs.external_ref not in page.text and f'href="{other}"' not in page.text
    assert client.get(later).status_code == 200
    assert client.get(other).status_code == 403  # another interviewer's interview stays theirs


def test_my_interviews_when_there_are_none(client, login):
    login("interviewer")
    assert "You have not recorded any interview yet." in client.get("/staff/interviews/mine").text


# 6. Bad input --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, status, words", [
    ("customer_id=999999", 404, "Page not found"),
    ("customer_id=abc", 400, "“customer_id”"),
    ("customer_id=-3", 400, "“customer_id”"),
    ("interview_locale=de", 400, "This language is not available"),
    ("interview_locale=EN", 400, "This language is not available"),
])
def test_bad_interview_addresses_get_a_clear_4xx(client, login, make_survey, query, status, words):
    survey = make_survey("exit")
    login("interviewer")
    page = client.get(f"/staff/surveys/{survey.slug}/interview?{query}")
    assert page.status_code == status and words in page.text and "Traceback" not in page.text


@pytest.mark.parametrize("query, words", [("survey=no-such-survey", "“survey”"), ("page=0", "“page”"),
                                          ("page=x", "“page”"), ("q=%00%01", "Call list")])
def test_bad_start_page_addresses_get_a_clear_answer(client, login, make_survey, query, words):
    make_survey("exit")
    make_survey("exit", slug="closed-one", state="closed")
    login("interviewer")
    page = client.get(f"/staff/interviews?{query}")
    assert page.status_code == (200 if query.startswith("q=") else 400) and words in page.text


def test_a_closed_survey_is_not_offered_for_interviews(client, login, make_survey):
    make_survey("exit", slug="closed-one", state="closed")
    login("interviewer")
    page = client.get("/staff/interviews?survey=closed-one")
    assert page.status_code == 400 and "“survey”" in page.text


def test_switching_to_an_unknown_language_is_refused(client, db, login, make_survey, make_customer):
    survey = make_survey("exit")
    customer = make_customer()
    login("interviewer")
    data = answer_data(survey, main_reason="moved")
    data.update(customer_ref=customer.external_ref, interview_locale="xx", show_questions="1")
    page = client.post(f"/staff/surveys/{survey.slug}/interview", data=data)
    assert page.status_code == 400 and "This language is not available" in page.text
    data.pop("show_questions")
    page = client.post(f"/staff/surveys/{survey.slug}/interview", data=data)
    assert page.status_code == 400 and "Not a valid choice" in page.text
    assert stored(db) == 0


def test_without_its_csrf_token_nothing_is_recorded_or_switched(app, client, db, login, make_survey, make_customer):
    survey = make_survey("exit")
    customer = make_customer()
    login("interviewer")
    app.config["WTF_CSRF_ENABLED"] = True
    form = client.get(f"/staff/surveys/{survey.slug}/interview?customer_id={customer.id}").text
    data = answer_data(survey, main_reason="moved", free_text="Kept for the second try.")
    data.update(customer_ref=customer.external_ref, interview_locale="en")
    for extra in ({}, {"show_questions": "1"}):
        page = client.post(f"/staff/surveys/{survey.slug}/interview", data={**data, **extra},
                           headers={"Origin": "http://localhost"})
        assert page.status_code == 400 and "Kept for the second try." in page.text  # offered to send again
    assert stored(db) == 0
    sent = client.post(f"/staff/surveys/{survey.slug}/interview", data={**data, "csrf_token": csrf_token(form)})
    assert sent.status_code == 302 and stored(db) == 1


@pytest.mark.parametrize("role, status", [("analyst", 403), ("interviewer", 200), ("admin", 200)])
def test_only_interviewers_and_admins_see_the_call_list_and_their_interviews(client, login, make_survey, role,
                                                                            status):
    make_survey("exit")
    login(role)
    assert client.get("/staff/interviews").status_code == status
    assert client.get("/staff/interviews/mine").status_code == status


def test_a_recorded_interview_is_stored_as_an_interview_by_me(client, db, login, make_survey, make_customer):
    survey = make_survey("exit")
    customer = make_customer(locale="fr", status="lost")
    me = login("interviewer")
    assert record(client, survey, customer, lang="fr").status_code == 302
    with db() as session:
        response = session.scalars(select(Response)).one()
        assert (response.channel, response.interviewer_id, response.customer_id, response.locale) == (
            Channel.INTERVIEW, me.id, customer.id, "fr")
