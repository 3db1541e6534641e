"""Choosing recipients, sending and reminding from the staff area; in-process worker and RQ on Redis."""
import html
import re
import time

import pytest
from sqlalchemy import select

from survey_app.invitations.models import Invitation
from tests.invitations.test_sending import lost_customers, smtp_server  # noqa: F401  (fixtures)


def wait_until(predicate, seconds: float = 20) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def states(db):
    with db() as session:
        return sorted(i.state.value for i in session.scalars(select(Invitation)))


def test_admin_previews_creates_and_sends_in_the_background(client, db, login, smtp_server, make_survey,  # noqa: F811
                                                             make_customer):
    survey = make_survey("exit")
    for i, locale in enumerate(("fr", "pl", "ru")):
        make_customer(ref=f"L-{i}", locale=locale, status="lost")
    make_customer(ref="A-1", status="active")
    make_customer(ref="O-1", status="lost", opted_out=True)
    login("admin")
    url = f"/staff/surveys/{survey.slug}/invitations/"
    preview = client.post(url + "recipients", data={"status": "lost", "action": "preview"})
    assert preview.status_code == 200 and "3 customers will be invited." in preview.text
    assert "1 opted out" in preview.text and states(db) == []
    created = client.post(url + "recipients", data={"status": "lost", "action": "create", "confirm_count": "3"})
    assert created.status_code == 302 and states(db) == ["pending"] * 3
    assert "Send 3 invitations now" in client.get(url).text

    started = time.time()
    response = client.post(url + "send")
    assert response.status_code == 303 and time.time() - started < 2  # returns at once
    assert wait_until(lambda: states(db) == ["sent"] * 3)
    assert len(smtp_server.messages) == 3
    page = client.get(url).text
    assert "<td class=\"num\">3</td>" in page.split("<tfoot>")[1]


def test_bad_reminder_settings_are_a_400_with_a_message(client, login, make_survey):
    survey = make_survey("exit")
    login("admin")
    page = client.post(f"/staff/surveys/{survey.slug}/invitations/remind", data={"after_days": "0",
                                                                                 "max_reminders": "x"})
    assert page.status_code == 400 and 'class="errors"' in page.text


def test_analysts_cannot_send(client, login, make_survey):
    survey = make_survey("exit")
    login("analyst")
    assert client.post(f"/staff/surveys/{survey.slug}/invitations/send").status_code == 403


def test_with_redis_the_work_goes_to_rq_workers(app, client, db, login, smtp_server, make_survey,  # noqa: F811
                                                make_customer):
    redis = pytest.importorskip("redis")
    from rq import Queue, SimpleWorker

    connection = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    connection.flushdb()
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    survey = make_survey("exit")
    make_customer(ref="R-1", locale="ru")
    login("admin")
    client.post(f"/staff/surveys/{survey.slug}/invitations/recipients", data={"action": "create",
                                                                            "confirm_count": "1"})
    assert client.post(f"/staff/surveys/{survey.slug}/invitations/send").status_code == 303
    queue = Queue("surveys", connection=connection)
    assert queue.count == 1 and states(db) == ["pending"]
    with app.app_context():
        SimpleWorker([queue], connection=connection).work(burst=True)
    assert states(db) == ["sent"] and len(smtp_server.messages) == 1
    connection.flushdb()


@pytest.mark.parametrize("locale, words, name", [("fr", "Bonjour", "Camille Martin"),
                                                 ("pl", "Dzień dobry", "Anna Kowalska"),
                                                 ("ru", "Здравствуйте", "Анна Иванова")])
def test_admin_previews_the_email_in_each_language(client, login, make_survey, locale, words, name):
    survey = make_survey("exit")
    login("admin", locale="en")  # the sample customer is named in the email's language, not the admin's
    page = client.get(f"/staff/surveys/{survey.slug}/invitations/preview/{locale}")
    assert page.status_code == 200 and words in page.text and name in page.text
    frame = re.search(r'<iframe class="email-frame card" src="([^"]+)" sandbox', page.text).group(1)
    drawn = client.get(html.unescape(frame))
    assert drawn.status_code == 200 and drawn.mimetype == "text/html" and name in drawn.text
    assert "script-src" not in drawn.headers["Content-Security-Policy"]
    assert "default-src 'none'" in drawn.headers["Content-Security-Policy"]
    assert drawn.headers["X-Frame-Options"] == "SAMEORIGIN"
    reminder = client.get(f"/staff/surveys/{survey.slug}/invitations/preview/{locale}?reminder=1")
    assert reminder.status_code == 200 and "SAMPLE-LINK-TOKEN" in reminder.text
    assert client.get(f"/staff/surveys/{survey.slug}/invitations/preview/xx").status_code == 404
