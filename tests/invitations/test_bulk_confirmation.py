"""Bulk invitations have a safety net: recipients default to the survey's kind, and creating them needs a
confirmation naming how many customers will be invited, checked again when it is given."""
import re

from sqlalchemy import func, select

from survey_app.invitations.models import Invitation


def invitations(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Invitation))


def selected_status(page: str) -> str:
    select_html = re.search(r'<select[^>]*name="status".*?</select>', page, re.S).group(0)
    found = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html)
    return (found.group(1) or found.group(2) or "") if found else ""


def test_recipients_default_to_lost_customers_for_exit_and_active_for_loyalty(client, login, make_survey):
    login("admin")
    exit_page = client.get(f"/staff/surveys/{make_survey('exit').slug}/invitations/").text
    loyalty_page = client.get(f"/staff/surveys/{make_survey('loyalty').slug}/invitations/").text
    assert (selected_status(exit_page), selected_status(loyalty_page)) == ("lost", "active")


def test_creating_invitations_asks_to_confirm_the_count_first(client, db, login, make_survey, make_customer):
    survey = make_survey("exit")
    for i in range(3):
        make_customer(ref=f"L-{i}", status="lost")
    make_customer(ref="A-1", status="active")
    login("admin")
    url = f"/staff/surveys/{survey.slug}/invitations/recipients"
    asked = client.post(url, data={"status": "lost", "action": "create"})  # no confirmation: nothing is created
    assert asked.status_code == 200 and invitations(db) == 0
    assert "Invite 3 customers?" in asked.text and 'name="confirm_count" value="3"' in asked.text
    assert "Yes, invite 3 customers" in asked.text
    done = client.post(url, data={"status": "lost", "action": "create", "confirm_count": "3"})
    assert done.status_code == 302 and invitations(db) == 3


def test_a_count_that_changed_since_the_confirmation_creates_nothing(client, db, login, make_survey,
                                                                      make_customer):
    survey = make_survey("exit")
    make_customer(ref="L-1", status="lost")
    login("admin")
    url = f"/staff/surveys/{survey.slug}/invitations/recipients"
    assert "Invite 1 customer?" in client.post(url, data={"status": "lost", "action": "preview"}).text
    make_customer(ref="L-2", status="lost")  # someone imported more customers meanwhile
    changed = client.post(url, data={"status": "lost", "action": "create", "confirm_count": "1"})
    assert changed.status_code == 409 and invitations(db) == 0
    assert "The number of customers has changed" in changed.text and "Invite 2 customers?" in changed.text
    bad = client.post(url, data={"status": "lost", "action": "create", "confirm_count": "lots"})
    assert bad.status_code == 400 and invitations(db) == 0


def test_inviting_one_customer_and_inviting_many_read_differently(client, login, make_survey):
    login("admin")
    page = client.get(f"/staff/surveys/{make_survey('exit').slug}/invitations/").text
    assert "Create invitations" not in page and "Create invitation<" not in page
    assert "Count the customers to invite" in page and "Create this customer's link" in page


def test_after_counting_inviting_one_customer_still_posts_to_the_right_page(client, db, login, make_survey,
                                                                              make_customer):
    survey = make_survey("exit")
    make_customer(ref="ONE-1", status="lost")
    login("admin")
    counted = client.post(f"/staff/surveys/{survey.slug}/invitations/recipients", data={"action": "preview"}).text
    assert f'<form method="post" action="/staff/surveys/{survey.slug}/invitations/" novalidate' in counted
