"""The staff home: headline numbers that agree with the pages they link to, per role."""
import html
import re
from datetime import timedelta

from sqlalchemy import select

from survey_app.customers.models import CustomerStatus
from survey_app.dbtypes import utcnow
from survey_app.followups.models import FollowUp
from survey_app.followups.rules import FollowUpKind
from survey_app.responses.models import Response
from tests.conftest import answer_data


def today():
    """Today as the app sees it now (read per use: a run may cross midnight)."""
    return utcnow().date()


def tiles(page: str) -> dict[str, tuple[str, str]]:
    """Each tile's label → (its number, its link)."""
    found = {}
    for href, label, number in re.findall(r'<li class="tile">\s*<a href="([^"]+)">\s*<span class="tile-label">([^<]+)'
                                          r'</span>\s*<strong class="tile-number">([^<]+)</strong>', page):
        found[html.unescape(label)] = (html.unescape(number), html.unescape(href))
    return found


def test_signing_in_leads_home_and_the_brand_link_too(client, login):
    login("interviewer")
    page = client.get("/staff/")
    assert page.status_code == 200 and 'class="brand" href="/staff/"' in page.text
    assert client.get("/").headers["Location"] == "/staff/"


def test_analysts_see_every_number_and_each_agrees_with_its_page(client, db, login, make_survey, make_customer):
    login("analyst")
    survey = make_survey("exit")
    for reason in ("no_follow_up", "cheaper_elsewhere", "poor_quality"):
        assert client.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason=reason)).status_code == 303
    make_customer(status=CustomerStatus.LOST, lost_at=today())
    make_customer(status=CustomerStatus.LOST, lost_at=today().replace(day=1) - timedelta(days=1))  # last month
    found = tiles(client.get("/staff/").text)
    assert found["Responses this month"][0] == "3"
    listed = client.get(found["Responses this month"][1])
    assert listed.status_code == 200 and len(re.findall(r'href="/staff/responses/\d+"', listed.text)) == 3
    assert found["Customers lost this month"][0] == "1"
    lost = client.get(found["Customers lost this month"][1]).text
    assert "1 lost customer" in lost
    assert found["Controllable churn"][0] == "2 / 3"  # too few for a share: the counts
    assert found["Review queue"][0] == "0" and found["Review queue"][1] == "/staff/review/"
    assert set(found) >= {"Open follow-ups", "Win-back cases being worked on"}


def test_interviewers_see_only_their_own_tasks(client, db, login, make_survey, make_customer, make_user):
    me = login("interviewer")
    other = make_user("analyst")
    survey = make_survey("exit")
    customer = make_customer()
    with db() as session:
        for owner in (me.id, me.id, other.id):
            response = Response(survey_id=survey.id, customer_id=customer.id, locale="en", channel="link")
            session.add(response)
            session.flush()
            session.add(FollowUp(response_id=response.id, customer_id=customer.id, kind=FollowUpKind.EXIT,
                                 owner_id=owner, due=today() - timedelta(days=1 if owner == other.id else 0)))
    page = client.get("/staff/").text
    found = tiles(page)
    assert set(found) == {"My open follow-ups", "My win-back cases being worked on"}
    assert found["My open follow-ups"] == ("2", "/staff/followups/?view=mine")
    assert "none past its last day" in page
    with db() as session:
        assert len(session.scalars(select(FollowUp)).all()) == 3


def test_the_home_page_in_each_language(client, login):
    login("analyst")
    for lang in ("fr", "pl", "ru"):
        page = client.get(f"/staff/?lang={lang}")
        assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
