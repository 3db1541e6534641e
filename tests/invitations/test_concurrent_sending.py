"""Any number of senders at once — CLI runs, presses of Send under gunicorn, RQ jobs — deliver exactly one
message per invitation to a real SMTP server (aiosmtpd on 127.0.0.1), and every emailed link works."""
from __future__ import annotations

import asyncio
import email
import email.policy
import http.cookiejar
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from survey_app.invitations.models import Invitation, InvitationState
from tests.conftest import PASSWORD
from tests.invitations.test_sending import free_port
from tests.load.driver import ROOT, Server

LINK = re.compile(r"https?://[^/\s]+(/s/[\w-]{32})\s")


class GatedRecorder:
    """An SMTP server that holds every message until ``senders`` clients have connected (or 20 s passed).

    Waiting on that condition makes the senders overlap for certain, however fast each one starts.
    """

    def __init__(self, senders: int) -> None:
        self.senders = senders
        self.clients: set[tuple] = set()
        self.messages: list[email.message.EmailMessage] = []
        self.gate_deadline = time.monotonic() + 20

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.clients.add(session.peer)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        while len(self.clients) < self.senders and time.monotonic() < self.gate_deadline:
            await asyncio.sleep(0.01)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def per_recipient(self) -> Counter:
        return Counter(m["To"].addresses[0].addr_spec for m in self.messages)

    def links(self) -> dict[str, str]:
        """The last link each recipient received."""
        return {m["To"].addresses[0].addr_spec: LINK.search(m.get_body(("plain",)).get_content()).group(1)
                for m in self.messages}


def serve(recorder) -> Controller:
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def seed_customers(make_customer, count: int) -> None:
    for i in range(count):
        make_customer(ref=f"CC-{i:03d}", locale=("en", "fr", "pl", "ru")[i % 4], status="lost")


def invitation_states(db) -> Counter:
    with db() as session:
        return Counter(i.state.value for i in session.scalars(select(Invitation)))


def flask_env(app, port: int) -> dict:
    return {**os.environ, "SURVEY_APP_ENV": "testing", "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "INSTANCE_PATH": app.instance_path, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port),
            "BASE_URL": "http://surveys.example.com"}


FLASK = [sys.executable, "-m", "flask", "--app", "survey_app"]


def test_three_cli_senders_at_once_deliver_each_invitation_once(app, db, make_survey, make_customer):
    survey = make_survey("exit")
    seed_customers(make_customer, 60)
    recorder = GatedRecorder(senders=3)
    controller = serve(recorder)
    try:
        env = flask_env(app, controller.port)
        subprocess.run([*FLASK, "invitations", "create", "--survey", survey.slug], env=env, check=True,
                       capture_output=True)
        senders = [subprocess.Popen([*FLASK, "invitations", "send", "--survey", survey.slug], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        outputs = [sender.communicate(timeout=120) for sender in senders]
    finally:
        controller.stop()
    assert all(sender.returncode == 0 for sender in senders), outputs
    sent = [int(re.search(r"sent (\d+),", out).group(1)) for out, _err in outputs]
    assert sum(sent) == 60, outputs  # each run reports only what it delivered itself
    assert len(recorder.clients) == 3
    assert set(recorder.per_recipient().values()) == {1} and len(recorder.per_recipient()) == 60
    assert invitation_states(db) == {"sent": 60}
    client = app.test_client()
    assert {client.get(link).status_code for link in recorder.links().values()} == {200}


def test_senders_in_threads_of_one_process_deliver_each_invitation_once(app, db, make_survey, make_customer):
    from survey_app.invitations.sending import send_due

    survey = make_survey("loyalty")
    seed_customers(make_customer, 40)
    recorder = GatedRecorder(senders=4)
    controller = serve(recorder)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with app.app_context():
        from survey_app.extensions import db as _db
        from survey_app.invitations.recipients import RecipientFilter, create_invitations
        create_invitations(_db.session.merge(survey), RecipientFilter(), 30)
        _db.session.commit()
    reports = []

    def sender() -> None:
        with app.app_context():
            reports.append(send_due(None))

    threads = [threading.Thread(target=sender) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        controller.stop()
    assert sum(r.sent for r in reports) == 40 and len(reports) == 4
    assert set(recorder.per_recipient().values()) == {1} and len(recorder.per_recipient()) == 40
    assert invitation_states(db) == {"sent": 40}


def test_a_link_given_by_hand_keeps_working_after_the_invitation_is_emailed(app, runner, db, make_survey,
                                                                              make_customer):
    survey = make_survey("exit")
    make_customer(ref="BYHAND", locale="pl")
    added = runner.invoke(args=["invitations", "add", "--survey", survey.slug, "--customer", "BYHAND"])
    hand_link = re.search(r"(/s/[\w-]{32})", added.output).group(1)
    recorder = GatedRecorder(senders=1)
    controller = serve(recorder)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        assert "sent 1," in runner.invoke(args=["invitations", "send"]).output
    finally:
        controller.stop()
    client = app.test_client()
    assert client.get(hand_link).status_code == 200
    assert client.get(next(iter(recorder.links().values()))).status_code == 200


SEED_ADMIN = r'''
import sys
from flask_migrate import upgrade
from survey_app import create_app
from survey_app.auth.services import create_user
from survey_app.customers.services import add_customer
from survey_app.extensions import db
from survey_app.invitations.recipients import RecipientFilter, create_invitations
from survey_app.surveys.services import create_from_template, install_catalogue, open_survey

app = create_app()
with app.app_context():
    upgrade()
    install_catalogue()
    create_user("admin@example.com", "admin", sys.argv[2])
    survey = create_from_template("exit", "presses", "en")
    open_survey(survey)
    for i in range(int(sys.argv[1])):
        add_customer(f"P-{i:03d}", f"Pressed {i}", f"p{i}@example.com", ("en", "fr", "pl", "ru")[i % 4],
                     status="lost")
    db.session.flush()
    create_invitations(survey, RecipientFilter(), 30)
    db.session.commit()
print("ok")
'''


class Browser:
    """A signed-in staff member's browser: cookies kept, CSRF tokens read from the pages."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as page:
            return page.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(data).encode(),
                                         headers={"Origin": self.base})
        with self.opener.open(request, timeout=30) as page:
            return page.status, page.read().decode()

    def token(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)


@pytest.fixture
def gunicorn(tmp_path, app):
    """The app under gunicorn, 3 workers, on its own SQLite file or a throwaway PostgreSQL database."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        import psycopg
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        name = f"{parsed.database}_presses"
        admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        database = parsed.set(database=name).render_as_string(hide_password=False)
    else:
        admin = name = None
        database = f"sqlite:///{tmp_path}/presses.sqlite3"
    server = Server(tmp_path, database, workers=3, threads=4)
    yield server
    server.stop()
    if admin:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_six_presses_of_send_under_gunicorn_deliver_each_invitation_once(gunicorn):
    recorder = GatedRecorder(senders=1)
    controller = serve(recorder)
    gunicorn.env.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(controller.port))
    try:
        gunicorn.python(SEED_ADMIN, "90", PASSWORD)
        gunicorn.start()
        browsers = []
        for _ in range(6):
            browser = Browser(gunicorn.base)
            browser.post("/staff/login", {"csrf_token": browser.token("/staff/login"), "email": "admin@example.com",
                                          "password": PASSWORD})
            browsers.append(browser)
        page = "/staff/surveys/presses/invitations/"
        tokens = [b.token(page) for b in browsers]
        barrier = threading.Barrier(6)
        pages: list[str] = []

        def press(browser: Browser, token: str) -> None:
            barrier.wait()
            pages.append(browser.post(page + "send", {"csrf_token": token})[1])

        threads = [threading.Thread(target=press, args=pair) for pair in zip(browsers, tokens, strict=False)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        done = _wait_until(lambda: "Sending… this page" not in browsers[0].get(page) and len(recorder.messages) >= 90)
        assert done, len(recorder.messages)
        started = sum("Sending has started" in p for p in pages)
        refused = sum("Sending is already under way" in p for p in pages)
        final = browsers[0].get(page)
    finally:
        controller.stop()
    assert started >= 1 and started + refused == 6
    assert len(recorder.messages) == 90 and set(recorder.per_recipient().values()) == {1}
    assert '<td class="num">90</td>' in final.split("<tfoot>")[1]  # all 90 sent
    check = subprocess.run([sys.executable, "-c", LINKS_WORK, gunicorn.base, *recorder.links().values()],
                           cwd=ROOT, capture_output=True, text=True)
    assert check.stdout.strip() == "200", check.stdout + check.stderr


LINKS_WORK = r'''
import sys, urllib.request
statuses = set()
for link in sys.argv[2:]:
    with urllib.request.urlopen(sys.argv[1] + link, timeout=30) as page:
        statuses.add(page.status)
print(*sorted(statuses))
'''


def _wait_until(predicate, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_with_redis_presses_of_send_enqueue_one_job_and_it_delivers_each_once(app, client, db, login, make_survey,
                                                                               make_customer):
    redis = pytest.importorskip("redis")
    from rq import Queue, SimpleWorker

    connection = redis.Redis.from_url("redis://127.0.0.1:6379/14")
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    connection.flushdb()
    recorder = GatedRecorder(senders=1)
    controller = serve(recorder)
    app.config.update(REDIS_URL="redis://127.0.0.1:6379/14", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    survey = make_survey("exit")
    seed_customers(make_customer, 8)
    login("admin")
    url = f"/staff/surveys/{survey.slug}/invitations/"
    asked = client.post(url + "recipients", data={"action": "create", "status": "lost"}).text
    count = re.search(r'name="confirm_count" value="(\d+)"', asked).group(1)
    client.post(url + "recipients", data={"action": "create", "status": "lost", "confirm_count": count})
    first = client.post(url + "send", follow_redirects=True)
    second = client.post(url + "send", follow_redirects=True)
    try:
        assert "Sending has started" in first.text and "Sending is already under way" in second.text
        queue = Queue("surveys", connection=connection)
        assert queue.count == 1
        with app.app_context():
            SimpleWorker([queue], connection=connection).work(burst=True)
    finally:
        controller.stop()
        connection.flushdb()
    assert set(recorder.per_recipient().values()) == {1} and len(recorder.per_recipient()) == 8
    assert invitation_states(db) == {"sent": 8}
    third = client.post(url + "send", follow_redirects=True)  # the job is over: a new press may start one
    assert "Sending has started" in third.text


def test_reminders_sent_by_concurrent_runs_reach_each_customer_once(app, db, make_survey, make_customer):
    from datetime import timedelta

    from survey_app.dbtypes import utcnow
    from survey_app.invitations.sending import send_reminders

    survey = make_survey("exit")
    seed_customers(make_customer, 24)
    with app.app_context():
        from survey_app.extensions import db as _db
        from survey_app.invitations.recipients import RecipientFilter, create_invitations

        create_invitations(_db.session.merge(survey), RecipientFilter(), 30)
        _db.session.execute(update(Invitation.__table__).values(state="sent", sent_at=utcnow() - timedelta(days=8)))
        _db.session.commit()
    recorder = GatedRecorder(senders=3)
    controller = serve(recorder)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    reports = []

    def reminder() -> None:
        with app.app_context():
            reports.append(send_reminders(None, after_days=7, max_reminders=1))

    threads = [threading.Thread(target=reminder) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        controller.stop()
    assert sum(r.sent for r in reports) == 24
    assert set(recorder.per_recipient().values()) == {1} and len(recorder.per_recipient()) == 24
    with db() as session:
        assert {i.reminders_sent for i in session.scalars(select(Invitation))} == {1}


class AnsweringRecorder(GatedRecorder):
    """While a reminder is with the server, the customer answers through the link of the first email."""

    def __init__(self, answer) -> None:
        super().__init__(senders=1)
        self.answer = answer

    async def handle_DATA(self, server, session, envelope):
        if self.messages:  # the reminder: the first email is already here
            await asyncio.get_running_loop().run_in_executor(None, self.answer, self.links())
        return await super().handle_DATA(server, session, envelope)


def test_an_answer_given_while_the_reminder_is_sent_stays_answered(app, runner, db, make_survey, make_customer):
    from datetime import timedelta

    from survey_app.dbtypes import utcnow
    from tests.conftest import answer_data

    survey = make_survey("exit")
    make_customer(ref="RACE", locale="en")
    answered = []

    def answer(links: dict[str, str]) -> None:
        response = app.test_client().post(next(iter(links.values())), data=answer_data(survey, main_reason="moved"))
        answered.append(response.status_code)

    recorder = AnsweringRecorder(answer)
    controller = serve(recorder)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        runner.invoke(args=["invitations", "create", "--survey", survey.slug])
        assert "sent 1," in runner.invoke(args=["invitations", "send"]).output
        with db() as session:
            session.scalar(select(Invitation)).sent_at = utcnow() - timedelta(days=8)
        assert "reminded 1," in runner.invoke(args=["invitations", "remind", "--after-days", "7"]).output
    finally:
        controller.stop()
    assert answered == [303]
    with db() as session:
        assert session.scalar(select(Invitation)).state == InvitationState.ANSWERED


def test_a_mailing_split_into_parts_alongside_a_whole_sender_delivers_each_invitation_once(app, db, make_survey,
                                                                                          make_customer):
    from survey_app.extensions import db as _db
    from survey_app.invitations.jobs import start_parts
    from survey_app.invitations.recipients import RecipientFilter, create_invitations
    from survey_app.invitations.sending import send_due
    from survey_app.jobs.models import Job, JobState

    survey = make_survey("exit")
    seed_customers(make_customer, 45)
    recorder = GatedRecorder(senders=4)
    controller = serve(recorder)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        with app.app_context():
            create_invitations(_db.session.merge(survey), RecipientFilter(), 30)
            _db.session.commit()
            job_ids = start_parts(_db.session.merge(survey), 3)  # three jobs in threads (no REDIS_URL)
            whole = send_due(_db.session.merge(survey))  # and one sender over the whole survey at once

        def finished() -> bool:
            with db() as session:
                return all(session.get(Job, i).state == JobState.DONE for i in job_ids)

        assert _wait_until(finished)
    finally:
        controller.stop()
    with db() as session:
        parts = [session.get(Job, i).result["sent"] for i in job_ids]
    assert len(job_ids) == 3 and sum(parts) + whole.sent == 45
    assert set(recorder.per_recipient().values()) == {1} and len(recorder.per_recipient()) == 45
    assert invitation_states(db) == {"sent": 45}
