"""The foundation issue's "done when" journey, end to end through the web pages."""
import re

import pytest

from tests.conftest import PASSWORD, csrf_token

PHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}


@pytest.mark.slow
def test_polish_survey_answered_in_russian_on_a_phone_shows_in_list_and_chart(csrf_app, app, make_user):
    admin, analyst = make_user("admin"), make_user("analyst")
    staff = app.test_client()
    page = staff.get("/staff/login")
    staff.post("/staff/login", data={"email": admin.email, "password": PASSWORD,
                                     "csrf_token": csrf_token(page.text)})

    # Create a survey from the exit template with Polish as its default language, and open it.
    page = staff.get("/staff/surveys/new")
    created = staff.post("/staff/surveys/new", data={"template": "exit", "slug": "odejscia-2026",
                                                     "default_locale": "pl", "csrf_token": csrf_token(page.text)})
    assert created.status_code == 302
    page = staff.get("/staff/surveys/odejscia-2026")
    assert "Every text is translated into all four languages." in page.text
    opened = staff.post("/staff/surveys/odejscia-2026/open", data={"csrf_token": csrf_token(page.text)})
    assert opened.status_code == 302

    # Add a Russian-speaking customer and invite them by hand.
    page = staff.get("/staff/customers/new")
    staff.post("/staff/customers/new", data={"external_ref": "RU-77", "name": "ООО «Север»",
                                             "email": "sever@example.com", "locale": "ru", "status": "lost",
                                             "csrf_token": csrf_token(page.text)})
    page = staff.get("/staff/surveys/odejscia-2026/invitations/")
    invited = staff.post("/staff/surveys/odejscia-2026/invitations/",
                         data={"customer_ref": "RU-77", "csrf_token": csrf_token(page.text)})
    link = re.search(r'class="token-link" type="text" readonly value="[^"]*(/s/[^"]+)"', invited.text).group(1)

    # The customer opens the link on a phone: the form is in Russian, the customer's language.
    phone = app.test_client()
    form = phone.get(link, headers=PHONE)
    assert '<html lang="ru">' in form.text and "Почему вы перестали" in form.text
    fields = dict(re.findall(r'name="(q\d+)" value="(no_follow_up|3)"', form.text))
    main = next(name for name, value in fields.items() if value == "no_follow_up")
    done = phone.post(link, headers=PHONE, data={"csrf_token": csrf_token(form.text), main: "no_follow_up"})
    assert done.status_code == 303
    assert '<html lang="ru">' in phone.get(done.headers["Location"]).text

    # An analyst sees the answer in the response list and in the dashboard's numbers and chart.
    reader = app.test_client()
    page = reader.get("/staff/login")
    reader.post("/staff/login", data={"email": analyst.email, "password": PASSWORD,
                                      "csrf_token": csrf_token(page.text)})
    listing = reader.get("/staff/responses?survey=odejscia-2026").text
    assert "1 response" in listing and "ООО «Север»" in listing
    dashboard = reader.get("/staff/surveys/odejscia-2026/dashboard", follow_redirects=True).text
    assert re.search(r"Indifference: the company stopped caring</th>.*?<td class=\"num\">1</td>", dashboard, re.S)
    assert "Too few answers to compare: 1 classified answer so far" in dashboard
    assert reader.get("/staff/reports/chart/trend.png?survey=odejscia-2026").mimetype == "image/png"
