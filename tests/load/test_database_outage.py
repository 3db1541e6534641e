"""PostgreSQL going away while respondents answer: a translated 503 page that keeps what they typed; once the
database is back, sending again works, and nothing is stored twice. The outage is made by a TCP proxy between
the app and PostgreSQL (the shared server itself is never stopped)."""
from __future__ import annotations

import os
import re
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from survey_app import create_app
from survey_app.config import TestingConfig
from survey_app.responses.models import Response
from tests.conftest import answer_data
from tests.load.proxy import Outage

URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
#: A browser sends its page's origin with every form: "Send again" is offered only for the site's own forms.
SAME_SITE = {"Origin": "http://localhost"}


@pytest.fixture
def outage():
    url = make_url(URL)
    proxy = Outage((url.host or "127.0.0.1", url.port or 5432))
    yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    proxy.close()


def resend(client, page: str):
    """Press "Send again" on the page: post its hidden fields to its form's action."""
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    fields = [(name, unescape(value)) for name, value in HIDDEN.findall(page) if name != "csrf_token"]
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return client.post(action, data=data, headers=SAME_SITE)


@pytest.mark.parametrize("personal_link", [False, True], ids=["open-link", "personal-link"])
def test_respondent_keeps_answers_through_an_outage_and_is_stored_once(db, make_survey, make_invitation, outage,
                                                                       personal_link):
    proxy, proxied_url = outage
    survey = make_survey("exit", slug="outage")
    url = f"/s/{make_invitation(survey, locale='fr')[1]}" if personal_link else f"/s/o/{survey.slug}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=proxied_url)
    client = app.test_client()
    assert client.get(url + "?lang=fr").status_code == 200
    typed = "Le service après-vente ne répondait plus."

    proxy.down()
    page = client.post(url, data=answer_data(survey, main_reason="no_follow_up", free_text=typed), headers=SAME_SITE)
    assert page.status_code == 503
    assert '<html lang="fr"' in page.text and "Temporarily unavailable" not in page.text
    assert typed in unescape(page.text), "what the respondent typed is on the page"

    page = resend(client, page.text)  # still down: same page again, still holding the answers
    assert page.status_code == 503 and typed in unescape(page.text)

    proxy.up()
    sent = resend(client, page.text)
    assert sent.status_code == 303
    again = resend(client, page.text) if personal_link else None
    if again is not None:
        assert again.status_code == 409, "a personal link still works only once"
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1
    with app.app_context():
        from survey_app.extensions import db as database

        database.engine.dispose()
