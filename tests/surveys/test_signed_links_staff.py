"""The staff side of signed links (issue 16, part 3): an admin turns them on, sees and renews the secret, chooses
what a bad signature leads to, reads how to sign, and makes a link to try; ``flask surveys sign-link``."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest

from survey_app.surveys.models import LinkFallback, Survey
from tests.conftest import answer_data
from tests.responses.test_double_submit import submission_key


def secret_of(db, survey_id: int) -> str | None:
    with db() as session:
        return session.get(Survey, survey_id).link_secret


def made_link(html: str) -> str:
    return unescape(re.search(r'id="made-link"[^>]*value="([^"]+)"', html).group(1))


@pytest.mark.parametrize("role", ["analyst", "interviewer"])
def test_only_admins_see_or_change_signed_links(client, login, make_survey, role):
    make_survey("exit", slug="exit")
    login(role)
    assert client.get("/staff/surveys/exit/signed-links").status_code == 403
    assert client.post("/staff/surveys/exit/signed-links", data={"enabled": "y"}).status_code == 403
    assert client.post("/staff/surveys/exit/signed-links/secret").status_code == 403
    assert client.post("/staff/surveys/exit/signed-links/try", data={"ref": "A", "lang": "en",
                                                                    "valid": "1d"}).status_code == 403


def test_signed_links_page_is_linked_from_the_settings(client, login, make_survey):
    make_survey("exit", slug="exit")
    login("admin")
    assert 'href="/staff/surveys/exit/signed-links"' in client.get("/staff/surveys/exit/settings").text


def test_an_admin_turns_signed_links_on_tries_a_link_and_a_customer_answers_it(app, client, db, login, make_survey):
    survey = make_survey("exit", slug="exit")
    login("admin")
    off = client.get("/staff/surveys/exit/signed-links")
    assert off.status_code == 200 and 'id="link-secret"' not in off.text
    saved = client.post("/staff/surveys/exit/signed-links", data={"enabled": "y", "fallback": "anonymous"})
    assert saved.status_code == 302
    secret = secret_of(db, survey.id)
    assert secret and len(secret) >= 40
    page = client.get("/staff/surveys/exit/signed-links")
    assert "Signed links are on." in page.text and secret in page.text
    for snippet in ("hashlib.sha256", 'createHmac("sha256"', "hash_hmac('sha256'"):
        assert snippet in unescape(page.text)
    with db() as session:
        stored = session.get(Survey, survey.id)
        assert stored.signed_links and stored.link_fallback == LinkFallback.ANONYMOUS

    tried = client.post("/staff/surveys/exit/signed-links/try", data={"ref": "TRY-1", "lang": "pl", "valid": "2d"})
    assert tried.status_code == 200
    url = made_link(tried.text)
    assert url.startswith(app.config["BASE_URL"].rstrip("/") + "/s/o/exit?") and "ref=TRY-1" in url
    parts = urlsplit(url)
    respondent = app.test_client()
    form = respondent.get(f"{parts.path}?{parts.query}")
    assert form.status_code == 200 and '<html lang="pl"' in form.text
    sent = respondent.post(f"{parts.path}?{parts.query}", data={
        **answer_data(survey, main_reason="moved"), "submission_key": submission_key(form.text)})
    assert sent.status_code == 303


@pytest.mark.parametrize(("data", "message"), [
    ({"ref": "", "lang": "en", "valid": "7d"}, "This field is required."),
    ({"ref": "A", "lang": "en", "valid": "soon"}, "Give a validity such as 30m"),
    ({"ref": "A", "lang": "en", "valid": "400d"}, "Give a validity such as 30m"),
    ({"ref": "x" * 65, "lang": "en", "valid": "7d"}, "Field cannot be longer than 64 characters."),
])
def test_a_bad_try_form_is_shown_again_with_its_values_and_a_message(client, login, make_survey, data, message):
    make_survey("exit", slug="exit", signed_links=True, link_secret="s")
    login("admin")
    page = client.post("/staff/surveys/exit/signed-links/try", data=data)
    assert page.status_code == 400 and message in page.text
    assert f'value="{data["valid"]}"' in page.text and 'id="made-link"' not in page.text


def test_no_link_is_made_while_signed_links_are_off(client, login, make_survey):
    make_survey("exit", slug="exit", link_secret="s")
    login("admin")
    page = client.post("/staff/surveys/exit/signed-links/try", data={"ref": "A", "lang": "en", "valid": "7d"})
    assert page.status_code in (200, 400) and 'id="made-link"' not in page.text


def test_a_new_secret_stops_the_links_made_before(app, client, db, login, make_survey):
    survey = make_survey("exit", slug="exit")
    login("admin")
    client.post("/staff/surveys/exit/signed-links", data={"enabled": "y", "fallback": "refuse"})
    old = made_link(client.post("/staff/surveys/exit/signed-links/try",
                                data={"ref": "R-1", "lang": "en", "valid": "1h"}).text)
    before = secret_of(db, survey.id)
    assert client.post("/staff/surveys/exit/signed-links/secret").status_code == 302
    assert secret_of(db, survey.id) != before
    parts = urlsplit(old)
    assert app.test_client().get(f"{parts.path}?{parts.query}").status_code == 403
    new = urlsplit(made_link(client.post("/staff/surveys/exit/signed-links/try",
                                         data={"ref": "R-1", "lang": "en", "valid": "1h"}).text))
    assert app.test_client().get(f"{new.path}?{new.query}").status_code == 200


def test_turning_signed_links_off_keeps_the_secret_and_refuses_nothing_else(client, db, login, make_survey):
    survey = make_survey("exit", slug="exit", open_link=False)
    login("admin")
    client.post("/staff/surveys/exit/signed-links", data={"enabled": "y", "fallback": "refuse"})
    secret = secret_of(db, survey.id)
    assert client.post("/staff/surveys/exit/signed-links", data={"fallback": "refuse"}).status_code == 302
    assert secret_of(db, survey.id) == secret
    assert "Signed links are off." in client.get("/staff/surveys/exit/signed-links").text


def test_the_command_prints_a_signed_link(app, runner, make_survey):
    survey = make_survey("exit", slug="exit", signed_links=True, link_secret="cli-secret")
    result = runner.invoke(args=["surveys", "sign-link", "exit", "--ref", "CLI-1", "--lang", "fr", "--valid", "7d"])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith(app.config["BASE_URL"].rstrip("/") + "/s/o/exit?") and "lang=fr" in url
    parts = urlsplit(url)
    client = app.test_client()
    form = client.get(f"{parts.path}?{parts.query}")
    assert form.status_code == 200
    assert client.post(f"{parts.path}?{parts.query}", data={**answer_data(survey, main_reason="moved"),
                                                            "submission_key": submission_key(form.text)}
                       ).status_code == 303


@pytest.mark.parametrize(("args", "message"), [
    (["nope", "--ref", "A"], "No survey"),
    (["off", "--ref", "A"], "Signed links are off"),
    (["exit", "--ref", "A", "--valid", "forever"], "Give a validity"),
    (["exit", "--ref", "A", "--lang", "de"], "Invalid value"),
])
def test_the_command_refuses_clearly(runner, make_survey, args, message):
    make_survey("exit", slug="exit", signed_links=True, link_secret="cli-secret")
    make_survey("exit", slug="off")
    result = runner.invoke(args=["surveys", "sign-link", *args])
    assert result.exit_code != 0 and message in result.output
